/* archive.h: image archives, as docker save / load and podman write them.
 *
 * Two formats, both tar files:
 *   docker-archive  what `docker save` writes: manifest.json (one entry per
 *                   image: its config, its names, its layers), the config
 *                   as <hex>.json, each layer uncompressed as
 *                   <diff_id hex>/layer.tar (with the legacy VERSION and
 *                   json beside it) and the legacy `repositories` file.
 *   oci-archive     an OCI image layout in a tar: oci-layout, index.json
 *                   (a descriptor per name, annotated with
 *                   org.opencontainers.image.ref.name = the tag and
 *                   io.containerd.image.name = the full name) and
 *                   blobs/sha256/<hex>, the stored blobs byte for byte.
 *
 * Saving streams each layer from its blob (decompressing for a docker
 * archive) and checks it against the blob digest and the diff_id as it
 * goes; nothing is held in memory but documents.
 *
 * Loading takes either format (a tar, plain, gzip or zstd): newer docker
 * archives carry both, and the OCI layout is used when its blobs are
 * complete.  The archive is untrusted: it is unpacked once into a private
 * directory below the store's tmp/ (entries with absolute names, ".."
 * components, names over 1024 bytes, devices, fifos and sparse files are
 * refused; links are never made on disk: docker and podman write a
 * layer.tar as a relative symlink to a layer written once, so a link is
 * remembered, followed lexically when a document names it, and refused
 * when its target leaves the archive), every document is bounded by
 * STORE_DOC_MAX, every blob is checked against its digest and every layer
 * against the config's diff_id.  Images are registered only once all of them are stored: a
 * failure leaves no image behind (blobs already written are unreferenced
 * and go with the next garbage collection). */
#pragma once

#include "base/err.h"
#include "image/store.h"

enum image_archive_format {
	IMAGE_ARCHIVE_DOCKER, /* "docker-archive" */
	IMAGE_ARCHIVE_OCI,    /* "oci-archive" */
};

/* "docker-archive" or "oci-archive" (podman's --format names). */
int image_archive_format_parse(const char *s, enum image_archive_format *ret, struct err *e);

/* Write the images named by refs (names, ids or id prefixes; a repository
 * without a tag takes all of its tags, as docker does) as one archive to
 * fd.  The store should be open with STORE_ADD (no image removed
 * meanwhile). */
int image_save(struct store *s, char *const *refs, enum image_archive_format fmt, int fd,
	       struct err *e);

/* Load the images of the archive read from fd (to its end) into the store
 * (open with STORE_ADD).  Appends "Loaded image: NAME" (familiar name) or
 * "Loaded image ID: sha256:..." lines to *report. */
int image_load(struct store *s, int fd, char ***report, struct err *e);
