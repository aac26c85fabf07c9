/* image.h: what the image commands do to the store: import a root
 * filesystem, tag, remove, and describe images (inspect, history).
 * The documents made here are OCI image-spec ones: an image manifest, an
 * image config, layers as written. */
#pragma once

#include <stdint.h>

#include "base/err.h"
#include "image/store.h"

#define MEDIA_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MEDIA_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MEDIA_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MEDIA_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define MEDIA_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define MEDIA_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define MEDIA_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MEDIA_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MEDIA_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MEDIA_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar.gzip"

struct image_import_opts {
	const char *reference; /* NULL: an untagged image */
	char **changes;	       /* "CMD [\"sh\"]", "ENV A=b", ... (docker's --change) */
	const char *message;   /* history comment */
};

/* Import a root filesystem tar (plain, gzip or zstd) read from fd as a
 * one-layer image.  Returns its id. */
int image_import(struct store *s, int fd, const struct image_import_opts *o, char **ret_id,
		 struct err *e);

/* Whether every --change instruction is one image_import and
 * image_commit apply (ERR_INVALID / ERR_UNSUPPORTED naming it, else 0):
 * for callers that check before their work. */
int image_changes_check(char **changes, struct err *e);

struct image_commit_opts {
	const char *parent;    /* the image (id) the new layer goes on */
	const char *diff_id;   /* the new layer (layer_commit*), in the store */
	const char *blob;      /* its gzip blob (MEDIA_OCI_LAYER_GZIP) */
	uint64_t blob_size;
	const char *reference; /* REPOSITORY[:TAG], or NULL: untagged */
	char **changes;	       /* --change, applied to the parent's config */
	const char *message;   /* the history entry's comment */
	const char *author;    /* config.author and the history entry's */
	const char *created_by; /* the history entry's created_by */
};
/* docker commit's image: the parent's config (its changes applied,
 * created now, author set), its layers plus the new one, one history
 * entry more; an OCI manifest (the parent's docker layer media types made
 * OCI ones).  Registered under reference.  *ret_id: its id. */
int image_commit(struct store *s, const struct image_commit_opts *o, char **ret_id,
		 struct err *e);

/* Add im to the index (or find it there by id) and give it `name` (a
 * full reference, or NULL), taken from any image that had it; its repo
 * digests are merged.  For pull and load, once every blob and layer of
 * the image is in the store. */
int image_register(struct store *s, const struct store_image *im, const char *name,
		   struct err *e);

/* A reference to name an image with (a tag, not a digest), in full
 * ("app" -> "docker.io/library/app:latest"). */
int image_tag_name(const char *reference, char **ret, struct err *e);

/* The name `target` (a reference with a tag) now points at `source`. */
int image_tag(struct store *s, const char *source, const char *target, struct err *e);

/* docker rmi: a name is untagged (the image goes with its last name); an
 * id removes the image, which must then have at most one name unless
 * force.  Appends "Untagged: X" / "Deleted: ID" lines to *report. */
int image_remove(struct store *s, const char *name_or_id, bool force, char ***report,
		 struct err *e);

/* Remove dangling images (all images when all is set).  Appends the
 * report lines as image_remove does. */
int image_prune(struct store *s, bool all, char ***report, struct err *e);

/* docker image inspect: one JSON object (pretty-printed) per image. */
char *image_inspect_json(struct store *s, const struct store_image *im, struct err *e);

/* The image's labels (config.Labels) as "key", "value" pairs. */
int image_labels(struct store *s, const struct store_image *im, char ***ret, struct err *e);

struct image_history_entry {
	char *id; /* the image id for the top entry, "<missing>" below */
	char *created;
	char *created_by;
	char *comment;
	uint64_t size;
	bool empty_layer;
};
int image_history(struct store *s, const struct store_image *im,
		  struct image_history_entry **ret, size_t *ret_n, struct err *e);
void image_history_free(struct image_history_entry *h, size_t n);
