/* layer.h: apply an OCI/Docker image layer (a tar stream) onto a directory.
 *
 * The stream is read from a descriptor to its end; the compression (none,
 * gzip or zstd) is told by its first bytes.  Both the bytes read (the
 * layer's blob digest) and the uncompressed tar (its diff_id) are hashed,
 * trailing padding included, so the caller can check them against the
 * manifest and the image config.
 *
 * The layer is untrusted.  Every path is resolved below the directory
 * descriptor with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), the last
 * component of an entry is never followed, and objects are created with
 * single-component names below such descriptors, so nothing is ever written
 * outside the directory.  Beyond that the layer is refused (ERR_INVALID,
 * naming the entry) when an entry name has a ".." component, when a symlink
 * on the way to an entry climbs above the root or leads nowhere, when a
 * hardlink's target is missing or a directory, when a name or link target
 * is longer than 4096 bytes, when an entry or the whole layer is larger than
 * the limits, and when it carries overlayfs' own xattrs.  Leading slashes
 * are dropped ("/etc/x" is "etc/x"); an entry for the root itself is
 * ignored.
 *
 * An entry replaces what its name holds (a directory is kept only for a
 * directory entry).  Directory modes and times are applied at the end, once
 * their content is written.  xattrs are set as found, except security.*
 * other than security.capability (skipped); ENOTSUP and EPERM from the file
 * system are tolerated, as docker does.
 *
 * OCI whiteouts: with overlay_whiteouts, ".wh.NAME" becomes a 0/0
 * character device NAME and ".wh..wh..opq" sets trusted.overlay.opaque=y on
 * its directory (one directory per layer, stacked by overlayfs).  Without
 * it (one flat tree, layers applied in order), ".wh.NAME" removes NAME and
 * ".wh..wh..opq" removes everything below its directory that this layer
 * did not itself create.  Other ".wh..wh.*" names (aufs metadata) are
 * skipped.
 *
 * On failure the directory holds part of the layer: the caller removes it. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"

struct layer_apply_opts {
	uint64_t max_entry_size; /* 0: no limit other than the total */
	uint64_t max_total_size; /* uncompressed bytes; 0: default 64 GiB */
	bool overlay_whiteouts;	 /* true: overlayfs whiteouts; false: delete (flat copy) */
	bool keep_owners;	 /* chown entries (true when root) */
	/* The input is a blob verified already: its digest is not computed
	 * again (compressed_digest is then NULL). */
	bool input_verified;
};

struct layer_result {
	char *compressed_digest; /* sha256 of the bytes read from fd (NULL: input_verified) */
	char *diff_id;		 /* sha256 of the uncompressed tar stream */
	uint64_t size, uncompressed_size;
};

/* Apply the layer read from fd (to its end) below dirfd.  o may be NULL
 * (the defaults: flat, owners kept when running as root); ret may be NULL.
 * max_total_size bounds the uncompressed stream (headers and padding
 * included) and the sum of the entries' sizes.  Returns 0 or -1 with e set;
 * ret is filled only on success. */
int layer_apply(int dirfd, int fd, const struct layer_apply_opts *o, struct layer_result *ret,
		struct err *e);
void layer_result_clear(struct layer_result *r);
