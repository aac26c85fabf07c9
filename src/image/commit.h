/* commit.h: a layer made from a directory of changes: the upper directory
 * of an overlay mount (a container's or a build step's writes).
 *
 * layer_commit() walks the directory once and, in that one walk, writes the
 * layer's tar (hashed for its diff_id, gzip-compressed into a store blob)
 * and readies the directory itself to be the unpacked layer, which it then
 * moves into the store (no second copy of the files).  Called by commit and
 * by the builder, after the overlay is unmounted.
 *
 * The tar (a POSIX ustar stream, with pax 'x' headers where ustar has no
 * room: names and link targets over 100 bytes, sizes, owners or times the
 * octal fields cannot hold, xattrs) is reproducible: the same tree gives
 * the same bytes, so the same diff_id and blob.  Entries are sorted by name
 * (byte order) within each directory, a directory before its content;
 * names are relative without "./" (a directory's ends in "/"); entries
 * carry mode, owner, mtime (seconds: no atime or ctime), and no user or
 * group names.  A regular file met again by device and inode (st_nlink > 1)
 * is a hard link to its first name.  Sockets are left out, as docker does
 * (and removed from the directory: the unpacked layer matches its tar).
 *
 * Overlay's conventions become OCI ones (image-spec layer.md, whiteouts):
 * a 0/0 character device NAME becomes the empty file ".wh.NAME" (mode 0);
 * a directory with trusted.overlay.opaque (or user.overlay.opaque, for an
 * overlay mounted with userxattr) "y" is followed by the empty file
 * "DIR/.wh..wh..opq".  xattrs carried: security.capability and user.*
 * other than user.overlay.* (other security.* ones name a host's policy,
 * as SELinux labels do; trusted.* and system.* are not carried, as by
 * docker).
 *
 * The directory, kept as the unpacked layer (overlay whiteouts as they
 * are), loses every trusted.overlay.* and user.overlay.* xattr but the
 * opaque one: origin, impure, nlink, uuid and the like describe the mount
 * it came from and mean nothing (or harm) in a lower layer.
 *
 * Refused: an upper directory holding what its overlay alone cannot
 * describe: a directory renamed from a lower layer (overlay.redirect,
 * redirect_dir=on) or a metadata-only copy-up (overlay.metacopy,
 * metacopy=on), whose content lies in the lower layers (ERR_UNSUPPORTED);
 * a name starting with ".wh." (it would read as a whiteout), a name or link
 * target longer than 4096 bytes (layer_apply refuses those), anything on
 * another file system (a mount left inside) (ERR_INVALID). */
#pragma once

#include <stdint.h>

#include "base/err.h"
#include "image/store.h"

struct layer_commit {
	char *diff_id;	    /* sha256 of the uncompressed tar */
	char *blob;	    /* digest of the stored gzip blob (MEDIA_OCI_LAYER_GZIP) */
	uint64_t blob_size; /* bytes of the blob */
	/* The unpacked size as store_layer_size() reports it, and as
	 * store_layer_put() records it for a pulled layer: the length of the
	 * uncompressed tar (the contents plus the tar's headers and padding),
	 * so the same layer has the same size however it came. */
	uint64_t size;
};

/* Turn the overlay upper directory `upper` (an absolute path; its overlay
 * must be unmounted) into a layer of the store s (open STORE_ADD): a
 * gzip-compressed OCI layer tar (media type MEDIA_OCI_LAYER_GZIP) stored as
 * a blob, and the layer unpacked in the store (layers/<hex>/diff, and
 * layers/<hex>/size as store.c's layer_unpack writes it), so that
 * store_layer_exists() is true and the layer can be a lower layer of an
 * overlay snapshot.  `upper` must be on the store's mount, as rename(2)
 * wants it (the caller places it under <store root>/tmp/; ERR_INVALID
 * otherwise, found before any work).
 *
 * `upper` is consumed: on success it no longer exists (moved into the
 * store, or removed when the store had the layer already); on failure it
 * is left for the caller to remove (its overlay xattrs may be gone).
 * ret is zeroed first and filled on success; layer_commit_clear() frees
 * it either way. */
int layer_commit(struct store *s, const char *upper, struct layer_commit *ret, struct err *e);
/* layer_commit, leaving `upper` as it is (`berth commit` of a container
 * that goes on: its overlay may even be mounted, then its writers should
 * be paused): the same tar and blob, and the layer unpacked into the store
 * from that blob (store_layer_put) instead of moving the directory; no
 * xattr is removed, no socket unlinked, and `upper` may be on any mount.
 * Slower (the files are written twice). */
int layer_commit_copy(struct store *s, const char *upper, struct layer_commit *ret,
		      struct err *e);
void layer_commit_clear(struct layer_commit *c);

/* A plain tar (the same writer: ustar + pax, sorted, hard links, xattrs
 * security.capability and user.*, sockets left out) of the object `name`
 * below dirfd ("." for dirfd itself), written to out_fd and ended with the
 * two zero blocks: `berth cp` and `berth export`.  `name` is not followed
 * (a symlink is written as one); the walk below it goes through no
 * symlink and no ".." (each directory opened with O_NOFOLLOW, reopened
 * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), so a tree that a container
 * writes to cannot lead it elsewhere.  Nothing is changed, no overlay
 * convention applies (a 0/0 character device is a device; overlay's
 * xattrs are left out), mounts below are crossed.
 *
 * The object's entry is named tar_name (one component), a directory's
 * content "tar_name/...".  tar_name NULL: a directory's content only,
 * without an entry of its own ("a", "a/b", ...; docker export's names).
 * Fails with ERR_INVALID for a bad tar_name or (tar_name NULL) a
 * non-directory, ERR_UNSUPPORTED for a socket, ERR_CONFLICT when a file
 * is replaced while read. */
int tar_write_tree(int dirfd, const char *name, const char *tar_name, int out_fd,
		   struct err *e);
