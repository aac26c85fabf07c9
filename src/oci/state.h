/* state.h: the runtime-spec state document (`state` output, hook stdin). */
#pragma once

#include <sys/types.h>

#include "base/err.h"

struct oci_state {
	const char *oci_version;
	const char *id;
	const char *status; /* creating, created, running, paused, stopped */
	pid_t pid;	    /* 0 when there is none (stopped) */
	const char *bundle;
	const char *rootfs;
	const char *created;
	const char *owner;
	char *const *annotations; /* "key", "value" pairs; may be NULL */
};

/* Serialise; pretty adds indentation (the `state` command), compact is
 * for hooks.  Returns a new string. */
char *oci_state_to_json(const struct oci_state *s, bool pretty);
