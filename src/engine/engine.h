/* engine.h: container operations over the image store and the records:
 * what `berth create`, `rm` and `ps` call.  (Starting containers, with a
 * monitor per container, comes next.) */
#pragma once

#include "base/err.h"
#include "engine/container.h"
#include "engine/spec-gen.h"

struct engine {
	const char *root;    /* persistent state: images, containers */
	const char *runroot; /* what does not survive a reboot */
};

struct engine_create_opts {
	const char *image; /* name or id in the store */
	const char *name;  /* NULL: a generated one */
	/* Everything spec_generate takes; id, rootfs and rootfs_fd are
	 * filled in by engine_create. */
	struct spec_run_opts run;
};

/* A container from an image: a name, an overlay root (the image's layers,
 * held so no rmi takes them, under a private upper layer), the OCI bundle
 * and the record.  Everything is undone on failure. */
int engine_create(const struct engine *en, const struct engine_create_opts *o, char **ret_id,
		  struct err *e);
/* Remove a container that is not running (force: also a running one,
 * once stop exists): its root, its hold on the image, its record. */
int engine_remove(const struct engine *en, const char *what, bool force, char **ret_id,
		  struct err *e);
