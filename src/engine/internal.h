/* internal.h: what the engine's files share (not for front ends). */
#pragma once

#include <jansson.h>

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
int engine_remove_locked(const struct engine *en, const struct container *c, bool volumes,
			 struct err *e);
/* Delete what the runtime keeps of the container; none is no error. */
int engine_runtime_forget(const struct engine *en, const struct container *c, struct err *e);
/* stop, rm -f: the restart policy does not bring it back (until a
 * start); a waiting restarter is stopped. */
int engine_mark_stopped(const struct engine *en, const char *id, struct err *e);
/* A restarting container's waiting restarter, killed: the container is
 * exited (the record is not saved). */
void engine_stop_restarter(struct container *c);
/* SIGKILL the container's init and wait until its run is over and
 * recorded (no lock held). */
int engine_stop_now(const struct engine *en, const char *id, struct err *e);

/* /etc/hosts, /etc/hostname and /etc/resolv.conf of a container, into
 * dir (the bundle's, bound over the root's). */
int engine_write_etc_files(const char *dir, const char *id, const struct spec_run_opts *run,
			   struct err *e);
/* The runtime library's state root (<runroot>/runtime). */
char *engine_runtime_root(const struct engine *en);
/* The state root of a runtime (NULL: the library): <runroot>/runtime, or
 * <runroot>/runtime-<binary's name>. */
char *engine_runtime_root_of(const struct engine *en, const char *runtime);

/* ---- volume-use.c: the volumes of a container being created ---- */
struct engine_volumes {
	char **volumes; /* -v specs, volumes replaced by binds of their data */
	char **mounts;	/* --mount specs, the same */
	char **used;	/* for the record: triples name, destination, kind */
	char **made;	/* anonymous volumes made (undone on failure) */
};
/* Resolve run's -v and --mount volumes and the image's VOLUMEs (rootfd:
 * the new root, for the copy-up; -1: none).  Undone itself on failure. */
int engine_volumes_resolve(const struct engine *en, const struct spec_run_opts *run,
			   const char *image_config, int rootfd, struct engine_volumes *ret,
			   struct err *e);
void engine_volumes_undo(const struct engine *en, const struct engine_volumes *v);
void engine_volumes_clear(struct engine_volumes *v);
/* Before a start: the container's volumes that live elsewhere (a
 * driver's mount) mounted; after its run: unmounted where no running
 * container uses them any more. */
int engine_volumes_mount(const struct engine *en, const struct container *c, struct err *e);
void engine_volumes_unmount(const struct engine *en, const struct container *c);
/* Remove the anonymous volumes of a removed container. */
void engine_volumes_release(const struct engine *en, const struct container *c);

/* ---- health.c ---- */
/* The record's health check (JSON text) from the run options over the
 * image's; NULL without one (or on error, e set). */
char *engine_health_config(const char *image_config, const struct engine_health_opts *o,
			   struct err *e);
uint64_t engine_health_interval_ms(const struct container *c);
/* The health state of a running container (a new object), or NULL. */
json_t *engine_health_state(const struct engine *en, const struct container *c);

/* ---- netsetup.c: the network of a running container ---- */
/* Whether --network names a bridge network (not none, not host). */
bool engine_net_bridged(const char *network);
/* <runroot>/netns/<id>: the namespace config.json names. */
char *engine_netns_path(const struct engine *en, const char *id);
/* Before the start: namespace, address, ports, veth, nftables; c->ip and
 * c->ports_bound filled in.  Everything undone on failure. */
int engine_net_setup(const struct engine *en, struct container *c, struct err *e);
/* After the run (also after a crash, and again): all of it undone. */
void engine_net_teardown(const struct engine *en, const struct container *c);
/* The CNI configuration directory (engine.h). */
const char *engine_cni_dir(const struct engine *en);
/* Attach a running container to x (the last of c->extra), or detach it
 * from c->extra[i]. */
int engine_net_connect(const struct engine *en, struct container *c, struct net_extra *x,
		       struct err *e);
void engine_net_disconnect(const struct engine *en, const struct container *c, size_t i);

/* ---- ops.c ---- */
/* A paused container's processes thawed (a SIGKILL sent to a frozen
 * cgroup v1 task acts only then); nothing for one that is not paused. */
void engine_thaw(const struct engine *en, const struct container *c);
