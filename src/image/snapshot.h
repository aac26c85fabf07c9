/* snapshot.h: a container's root filesystem made from an image.
 *
 * The image's layers (unpacked once in the store, shared, never written)
 * are stacked under a per-container upper and work directory with
 * overlayfs, through the new mount API (one "lowerdir+" per layer: no
 * limit on the number of layers or the length of their paths).  Where
 * overlay cannot be mounted, the layers are copied instead: applied one
 * after the other from their blobs into a private directory (slower, the
 * same content).
 *
 * Layout of dir: upper/ work/ merged/ (the root), and "driver" holding
 * "overlay", "overlay volatile" or "copy". */
#pragma once

#include "base/err.h"
#include "image/store.h"

enum snapshot_driver {
	SNAPSHOT_AUTO,	  /* overlay, else copy */
	SNAPSHOT_OVERLAY, /* overlay or an error */
	SNAPSHOT_COPY,
};

struct snapshot_opts {
	enum snapshot_driver driver;
	bool readonly; /* no upper layer: the image as it is (image mount) */
	/* An upper layer the kernel never syncs (overlay "volatile"): for a
	 * container removed when it exits, whose writes need not survive a
	 * crash.  Saves a file system sync on every unmount. */
	bool volatile_upper;
};

/* Make dir (which must not exist) and mount the image's root at
 * dir/merged.  Returns the driver used (> 0) or -1. */
int snapshot_create(struct store *s, const struct store_image *im, const char *dir,
		    const struct snapshot_opts *o, struct err *e);
/* Whether dir holds a complete snapshot (its driver file is written last;
 * an overlay one must still be mounted). */
bool snapshot_ready(const char *dir);
/* Unmount dir/merged (when mounted) and remove dir with everything in it;
 * an absent dir is no error. */
int snapshot_remove(const char *dir, struct err *e);
/* Mount dir/merged again where it is not (after a reboot): an overlay
 * snapshot of im; a copy is always there.  No-op when ready.  A volatile
 * upper layer is taken as it is (the kernel's marker of one is removed). */
int snapshot_mount(struct store *s, const struct store_image *im, const char *dir,
		   struct err *e);
/* Unmount dir/merged, keeping the snapshot (a stopped container's root;
 * snapshot_mount brings it back).  No-op for a copy or when unmounted. */
int snapshot_unmount(const char *dir, struct err *e);
