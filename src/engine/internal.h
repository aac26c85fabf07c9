/* internal.h: what the engine's files share (not for front ends). */
#pragma once

#include "engine/engine.h"

/* <runroot>/containers/<id>: the monitor's state directory. */
char *engine_state_dir(const struct engine *en, const char *id);
/* Take the container's lock (returns its descriptor). */
int engine_lock(const struct engine *en, const char *id, struct err *e);
/* Lock, load the record and refresh it; *ret_changed (may be NULL) says
 * whether refreshing changed it (a run that is over).  ERR_NOT_FOUND when
 * the container went away meanwhile. */
int engine_lock_load(const struct engine *en, const char *id, struct container *c, int *ret_lock,
		     bool *ret_changed, struct err *e);
/* Remove a container that is not running, its lock held. */
int engine_remove_locked(const struct engine *en, const struct container *c, struct err *e);
/* Delete what the runtime keeps of the container; none is no error. */
int engine_runtime_forget(const struct engine *en, const struct container *c, struct err *e);
/* SIGKILL the container's init and wait until its run is over and
 * recorded (no lock held). */
int engine_stop_now(const struct engine *en, const char *id, struct err *e);
