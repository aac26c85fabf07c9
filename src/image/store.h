/* store.h: the content-addressed image store.
 *
 * Layout below the store root (<root>/image, --root moves it):
 *   blobs/sha256/<hex>     every blob (manifests, configs, compressed
 *                          layers), written once, named by its digest
 *   layers/<hex>/diff      each layer unpacked once, named by its diff_id,
 *                          with overlay whiteouts: shared by every image
 *   images.json            the index: the images, their names and layers
 *   tmp/                   work in progress, swept when no writer runs
 *   store.lock, index.lock
 *
 * Crash safety: blobs and layers appear by rename(2) once complete; an
 * image exists only once the index (written atomically) lists it, after
 * its blobs and layers.  Removal goes the other way: the index first,
 * then what nothing references any more (garbage collection).
 *
 * Concurrency: adders (pull, load, import) hold store.lock shared for
 * their whole run, so several can work at once; removers (rmi, prune)
 * hold it exclusively.  Every read-modify-write of the index holds
 * index.lock.  The temporary directory is swept only under the
 * exclusive lock, when no adder can be using it: by removers, and by an
 * adder that finds itself alone (it then shares the lock as usual). */
#pragma once

#include <stdint.h>

#include "base/err.h"

/* Untrusted documents (manifests, configs, indexes) are refused above
 * this size. */
#define STORE_DOC_MAX (4u << 20)

struct store {
	char *root; /* <root>/image */
	int rootfd;
	int lockfd; /* store.lock, held as opened */
};

enum store_mode {
	STORE_READ,   /* no lock: readers see the last complete index */
	STORE_ADD,    /* store.lock shared */
	STORE_REMOVE, /* store.lock exclusive; sweeps tmp/ */
};

struct store_image {
	char *id;		/* digest of the config blob */
	char *manifest_digest;	/* NULL: none stored (should not happen) */
	char *created;		/* RFC 3339, from the config */
	char **names;		/* "docker.io/library/busybox:latest", ... */
	char **repo_digests;	/* "docker.io/library/busybox@sha256:..." */
	char **layers;		/* diff_ids, bottom first */
	uint64_t size;		/* sum of the layers' unpacked sizes */
	char *added;		/* when this store got it, RFC 3339 */
};

struct store_index {
	struct store_image *images;
	size_t n;
};

int store_open(const char *root, enum store_mode mode, struct store *ret, struct err *e);
void store_close(struct store *s);

int store_index_load(struct store *s, struct store_index *ret, struct err *e);
void store_index_clear(struct store_index *idx);
void store_image_clear(struct store_image *im);
/* Lock the index, load it, let fn change it, write it back atomically
 * (when fn returns > 0), unlock.  fn returns < 0 (error), 0 (no change)
 * or 1. */
typedef int (*store_edit_fn)(struct store_index *idx, void *data, struct err *e);
int store_index_edit(struct store *s, store_edit_fn fn, void *data, struct err *e);

/* Blobs.  put_* verify `expect` (a digest, or NULL) and the size when
 * given (expect_size >= 0), and return the digest in *ret_digest. */
bool store_blob_exists(struct store *s, const char *digest);
int store_blob_put_buf(struct store *s, const void *buf, size_t len, const char *expect,
		       char **ret_digest, struct err *e);
int store_blob_put_fd(struct store *s, int fd, const char *expect, int64_t expect_size,
		      char **ret_digest, uint64_t *ret_size, struct err *e);
/* A blob written piece by piece (a download): hashed as it goes, named
 * only by commit, which verifies the digest and size when given. */
struct store_blob_writer;
struct store_blob_writer *store_blob_writer_new(struct store *s, struct err *e);
int store_blob_writer_write(struct store_blob_writer *w, const void *buf, size_t len,
			    struct err *e);
uint64_t store_blob_writer_size(const struct store_blob_writer *w);
/* Commits and frees w (also on failure).  ret_digest may be NULL. */
int store_blob_writer_commit(struct store_blob_writer *w, const char *expect, int64_t expect_size,
			     char **ret_digest, struct err *e);
/* Drops what was written and frees w; NULL is a no-op. */
void store_blob_writer_abort(struct store_blob_writer *w);

/* Read a small blob (at most max bytes), verified against its digest. */
int store_blob_read(struct store *s, const char *digest, size_t max, char **ret,
		    size_t *ret_len, struct err *e);
/* An O_RDONLY descriptor on a blob. */
int store_blob_open(struct store *s, const char *digest, struct err *e);
/* A new unnamed temporary file in tmp/ (O_TMPFILE: the store's filesystem
 * must support it, as overlay-capable ones do), read-write. */
int store_tmpfile(struct store *s, struct err *e);

/* Layers. */
bool store_layer_exists(struct store *s, const char *diff_id);
/* Unpack the layer read from fd (any of tar, tar+gzip, tar+zstd).  The
 * uncompressed stream must have digest `expect_diff_id` when given.
 * Returns the diff_id and unpacked size. */
int store_layer_put(struct store *s, int fd, const char *expect_diff_id, char **ret_diff_id,
		    uint64_t *ret_size, struct err *e);
/* Make the directory path (below dirfd, on the store's mount, as rename(2)
 * wants: the caller's, under tmp/) the unpacked layer diff_id of unpacked
 * size `size` (what store_layer_size will report), by renaming it to
 * layers/<hex>/diff: a layer made in place (layer_commit) rather than
 * unpacked from a tar.  The caller vouches that the content is the layer's,
 * in the form layer_unpack gives (overlay whiteouts, no overlay xattrs but
 * trusted.overlay.opaque).  When the store has the layer already, path is
 * removed instead.  Returns 0, path gone, or -1 with e set, path left where
 * it was (or, when even moving it back failed, in tmp/ for the sweep). */
int store_layer_adopt(struct store *s, int dirfd, const char *path, const char *diff_id,
		      uint64_t size, struct err *e);
/* <root>/image/layers/<hex>/diff */
char *store_layer_path(const struct store *s, const char *diff_id);
uint64_t store_layer_size(struct store *s, const char *diff_id);

/* Holds: an image in use (mounted, or the root of a container) cannot be
 * deleted.  A hold is a file holds/<image hex>/<holder>, so it survives
 * the process that made it; the holder releases it. */
int store_hold(struct store *s, const char *id, const char *holder, struct err *e);
int store_release(struct store *s, const char *id, const char *holder, struct err *e);
bool store_held(struct store *s, const char *id);

/* Find an image by name ("busybox", "busybox:1", full names), by id or by
 * an id prefix of at least 3 hex digits (unique).  Returns the index in
 * idx, -1 with ERR_NOT_FOUND, or ERR_CONFLICT for an ambiguous prefix. */
long store_find(const struct store_index *idx, const char *name_or_id, struct err *e);
/* Remove from the index... see rmi.  Remove blobs and layers that no
 * image references (needs STORE_REMOVE).  Returns the count removed. */
int store_gc(struct store *s, struct err *e);
