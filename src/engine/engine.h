/* engine.h: container operations over the image store and the records:
 * what `berth create`, `start`, `stop`, `rm`, `ps`... call.
 *
 * A started container has a monitor (src/monitor/monitor.h) that holds its
 * stdio and outlives the CLI; the record on disk says what the engine last
 * saw, engine_refresh what is true now (a monitor killed, a reboot).
 * Every change to a container happens under its lock
 * (containers/<id>/lock); nothing waits for a container with it held. */
#pragma once

#include <signal.h>

#include "base/err.h"
#include "engine/container.h"
#include "engine/spec-gen.h"

struct engine {
	const char *root;    /* persistent state: images, containers */
	const char *runroot; /* what does not survive a reboot */
	const char *monitor; /* the berth-monitor binary */
	const char *self;    /* the berth binary (the monitor's cleanup command) */
	const char *runtime; /* a runc-compatible binary; NULL: the runtime library */
	const char *cni_dir; /* CNI network configurations; NULL: /etc/cni/net.d */
};

/* --health-cmd and the rest (durations as text, docker's). */
struct engine_health_opts {
	const char *cmd; /* shell form */
	const char *interval, *timeout, *start_period, *start_interval;
	int retries;		  /* 0: the image's, else 3 */
	bool none;		  /* --no-healthcheck */
	const char *on_failure;	  /* none (default), kill, restart */
};

struct engine_create_opts {
	const char *image; /* name or id in the store */
	const char *name;  /* NULL: a generated one */
	bool auto_remove;  /* --rm */
	bool interactive;  /* -i: stdin stays open */
	const char *log_driver;	 /* NULL: json-file */
	const char *stop_signal; /* NULL: the image's, else SIGTERM */
	int stop_timeout;	 /* -1: 10 s */
	char **ports;		 /* -p specs (engine/ports.h) */
	bool publish_all;	 /* -P: the image's exposed ports too */
	char **extra_networks;	 /* --network given again: more networks */
	const char *ip;		 /* --ip: this address on the network */
	const char *restart;	 /* --restart policy, NULL: no */
	struct engine_health_opts health;
	char **aliases;		 /* --network-alias: more names on it */
	bool cni;		 /* (engine_create's: network is a CNI list) */
	/* Everything spec_generate takes; id, rootfs and rootfs_fd are
	 * filled in by engine_create. */
	struct spec_run_opts run;
};

/* A container from an image: a name, an overlay root (the image's layers,
 * held so no rmi takes them, under a private upper layer), the OCI bundle
 * and the record.  Everything is undone on failure. */
int engine_create(const struct engine *en, const struct engine_create_opts *o, char **ret_id,
		  struct err *e);
/* Remove a container that is not running (force: a running one is
 * killed first): its root, its hold on the image, its log, its record;
 * with volumes, its anonymous volumes too (rm -v). */
int engine_remove(const struct engine *en, const char *what, bool force, bool volumes,
		  char **ret_id, struct err *e);

/* network connect: the container (running or not) on network too, with
 * its address (ip: that one) and more names (aliases) there; network
 * disconnect: off it (not the first network it joined). */
int engine_network_connect(const struct engine *en, const char *network, const char *what,
			   const char *ip, char **aliases, struct err *e);
int engine_network_disconnect(const struct engine *en, const char *network, const char *what,
			      struct err *e);

/* Whether a running container's network is as it was set up (CNI: the
 * plugins' CHECK); an error says what is not. */
int engine_network_check(const struct engine *en, const char *what, struct err *e);

/* Find a container (name, id or unique prefix) and load its record,
 * refreshed. */
int engine_load(const struct engine *en, const char *what, struct container *c, struct err *e);
/* What the record says, made true: a running container whose monitor has
 * written its exit (or that is gone: a monitor killed, a reboot) is
 * exited.  Returns whether anything changed (the record is not saved). */
bool engine_refresh(const struct engine *en, struct container *c);

struct engine_start_opts {
	bool attach;	      /* keep the connection to the monitor */
	unsigned rows, cols; /* the terminal's size, for -t */
};

struct engine_started {
	char *id;
	int conn;   /* the monitor connection (attach), else -1 */
	pid_t pid;  /* the init's host pid */
	pid_t monitor; /* the monitor's */
	bool tty, interactive;
	bool already_running; /* nothing was done */
};

/* Start a created or exited container: its monitor creates and starts it
 * through the runtime.  A command that cannot run is an error of kind
 * ERR_NOT_FOUND (docker's 127) or ERR_PERMISSION (126). */
int engine_start(const struct engine *en, const char *what, const struct engine_start_opts *o,
		 struct engine_started *ret, struct err *e);
void engine_started_clear(struct engine_started *s);

/* Connect to a running container's monitor (attach); returns the socket. */
int engine_attach(const struct engine *en, const char *id, struct err *e);

/* Signal the container's processes (the init; with all, every one). */
int engine_kill(const struct engine *en, const char *what, int sig, struct err *e);
/* The stop signal, then after timeout seconds (-1: the container's own)
 * SIGKILL; returns once its monitor is done (the record says exited). */
int engine_stop(const struct engine *en, const char *what, int timeout, struct err *e);
/* Wait until the container is not running; *ret_code its exit code. */
int engine_wait(const struct engine *en, const char *what, int *ret_code, struct err *e);
/* Called by the monitor once the init has exited: delete the runtime's
 * container, record the exit, remove an --rm container. */
int engine_cleanup(const struct engine *en, const char *id, struct err *e);

/* The log file of the container and its driver (json-file, k8s-file). */
char *engine_log_path(const struct engine *en, const struct container *c);

/* A descriptor that becomes readable when the container's run is over
 * (its monitor's pidfd), or -1 when it is not running. */
int engine_run_pidfd(const struct container *c);

struct engine_exec_opts {
	char **args;
	bool interactive, tty, detach, privileged;
	char **env; /* KEY=VALUE */
	const char *user, *workdir;
};
/* Run a command in a running container: replaces this process with the
 * runtime's exec (its exit status is the command's).  Returns only on
 * error. */
int engine_exec(const struct engine *en, const char *what, const struct engine_exec_opts *o,
		struct err *e);

/* docker's inspect object for a container (pretty-printed JSON). */
char *engine_inspect_json(const struct engine *en, const struct container *c, struct err *e);

/* A program installed next to the monitor (berth-init, berth-runtime). */
char *engine_helper_path(const struct engine *en, const char *name);

struct build_run_req;
/* A Dockerfile's RUN (src/build/build.h's ops->run): the command in a
 * container on r->rootfs, its output to r->output; *stop set (by a signal
 * handler) kills it and fails with "interrupted".  *ret_status: its exit
 * code.  Nothing of the container is left afterwards. */
int engine_build_run(const struct engine *en, const struct build_run_req *r,
		     volatile sig_atomic_t *stop, int *ret_status, struct err *e);
/* What builds killed (kill -9) left of their RUN containers: removed
 * when the build's process is gone. */
void engine_build_sweep(const struct engine *en);
/* --restart's value: "no", "on-failure[:N]", "always", "unless-stopped"
 * as the policy and on-failure's maximum (0: none). */
int engine_restart_policy_parse(const char *s, char **ret_policy, int *ret_max, struct err *e);
/* The restarter of a container whose restart policy brings it back
 * (`berth container restart-due`): after ms, start it, unless it was
 * stopped, started or removed meanwhile. */
int engine_restart_due(const struct engine *en, const char *id, uint64_t ms, struct err *e);
/* `berth healthcheck run`: the container's health check, once; its
 * result recorded (ps, inspect).  *ret_status: "healthy", "unhealthy" or
 * "starting".  from_monitor: the monitor's periodic run, which also acts
 * on --health-on-failure. */
int engine_healthcheck_run(const struct engine *en, const char *what, bool from_monitor,
			   char **ret_status, struct err *e);
/* "starting", "healthy", "unhealthy", or NULL (no check, not running). */
char *engine_health_status(const struct engine *en, const struct container *c);

/* ---- events.c: the event log (`berth events`) ----
 * <root>/events.log: docker's event objects (Type, Action, Actor {ID,
 * Attributes}, scope, time, timeNano; status/id/from for containers and
 * images), one JSON line each, appended by the command that did the thing
 * with one write(2) on O_APPEND (concurrent writers never interleave);
 * rotated to events.log.1 past 10 MiB.  Writing never fails a command:
 * errors are ignored. */
/* attrs: "key", "value" pairs (NULL: none). */
void engine_event(const struct engine *en, const char *type, const char *action, const char *id,
		  char **attrs);
/* A container's event: its name, image and labels as attributes (extra:
 * more pairs, may be NULL). */
void engine_event_container(const struct engine *en, const struct container *c,
			    const char *action, char **extra);
/* The same for the container `what` names (loaded; none: nothing). */
void engine_event_for(const struct engine *en, const char *what, const char *action);
/* engine_cleanup's: "die" with the exit code (and "destroy" when the run
 * removed it: --rm). */
void engine_event_died(const struct engine *en, const struct container *c, bool removed);

/* An event read back; valid during the callback. */
struct engine_event_rec {
	const char *type, *action, *id;
	char **attrs; /* pairs */
	int64_t time_nano;
	const char *line; /* the JSON text (not NUL-terminated at the line's end) */
};
struct engine_events_opts {
	int64_t since_ns, until_ns; /* 0: none */
	bool follow;		    /* wait for more (until *stop, or past until) */
	char **filters;		    /* "key=value": type, event, container, image,
				     * volume, network, label; one key: any */
	volatile sig_atomic_t *stop;
};
/* Returns < 0 to fail, > 0 to end the reading, 0 to go on. */
typedef int (*engine_event_fn)(const struct engine_event_rec *r, void *data);
int engine_events_read(const struct engine *en, const struct engine_events_opts *o,
		       engine_event_fn fn, void *data, struct err *e);
int engine_events_filter_check(char **filters, struct err *e);
/* --since/--until/until=: RFC 3339, unix seconds[.frac], or a duration
 * before now ("10m"); nanoseconds since the epoch. */
int engine_time_parse(const char *s, int64_t now_ns, int64_t *ret_ns, struct err *e);

/* ---- ops.c: pause, unpause, rename, update, top, stats, prune, df ---- */
/* Freeze / thaw a running container's processes (the runtime's freezer);
 * the record says paused (ps "Up ... (Paused)", inspect State.Paused). */
int engine_pause(const struct engine *en, const char *what, struct err *e);
int engine_unpause(const struct engine *en, const char *what, struct err *e);
/* A new name: taken (O_EXCL) before the old one is let go.  *ret_old:
 * the old name (may be NULL). */
int engine_rename(const struct engine *en, const char *what, const char *name, char **ret_old,
		  struct err *e);

/* docker update's options, as given (NULL: unchanged). */
struct engine_update_opts {
	const char *memory, *memory_swap, *cpus, *cpu_shares, *cpuset_cpus, *pids_limit;
	const char *restart;
};
/* New limits on the container's cgroup (when it runs) and in its
 * config.json (the next runs); a new restart policy in its record. */
int engine_update(const struct engine *en, const char *what, const struct engine_update_opts *o,
		  struct err *e);

/* docker top: titles and rows of the container's processes; ps_args
 * NULL: "-ef"'s columns from /proc, else the host's ps with them, its rows
 * kept for the container's pids. */
struct engine_top {
	char **titles;
	char ***rows; /* n rows, each a strv as long as titles */
	size_t n;
};
int engine_top(const struct engine *en, const char *what, char **ps_args, struct engine_top *ret,
	       struct err *e);
void engine_top_clear(struct engine_top *t);

/* One sample of a running container's use. */
struct engine_stats {
	char id[CONTAINER_ID_LEN + 1];
	char *name;
	bool running;
	uint64_t cpu_ns;	  /* CPU time used so far */
	uint64_t sample_ns;	  /* when (monotonic) */
	uint64_t mem_usage, mem_limit; /* limit: the host's memory when none */
	uint64_t pids;
	uint64_t net_rx, net_tx;   /* its network namespace's interfaces but lo */
	uint64_t blk_read, blk_write; /* its processes' storage I/O */
};
int engine_stats(const struct engine *en, const char *what, struct engine_stats *ret,
		 struct err *e);
void engine_stats_clear(struct engine_stats *s);

/* container prune: every container not running that matches filters
 * (label=K[=V], label!=K[=V], until=TIME); *ret_removed: their ids;
 * *ret_space: the bytes their writable layers held. */
int engine_prune(const struct engine *en, char **filters, char ***ret_removed,
		 uint64_t *ret_space, struct err *e);

/* system df: count, active, size and reclaimable bytes of each kind. */
struct engine_df_row {
	size_t total, active;
	uint64_t size, reclaimable;
};
struct engine_df {
	struct engine_df_row images, containers, volumes, cache;
};
int engine_df(const struct engine *en, struct engine_df *ret, struct err *e);

/* ---- fsops.c: files in and out of a container (cp, export, diff, commit) ----
 *
 * Each holds the container's lock throughout (a cp reading a tar from a
 * pipe holds it as long as the pipe is open); a stopped container's root
 * is mounted for the operation and unmounted again.  Running or stopped
 * alike, what is read or written is the container's root filesystem as the
 * host sees it (<root>/containers/<id>/fs/merged): volumes and binds,
 * mounted in the container's own mount namespace, are not part of it.
 * Paths inside the container are resolved below its root
 * (RESOLVE_IN_ROOT): no symlink in it leads a copy outside. */

struct engine_cp_opts {
	/* -a: owners (uid/gid) as in the source; else what the copy creates
	 * belongs to the caller (root: 0:0, as docker's cp into a container
	 * gives; out of one, the user at the destination). */
	bool archive;
	bool follow_link; /* -L: the source's last symlink followed */
};
/* docker cp CONTAINER:PATH HOST_DST, by docker's rules (a file onto a new
 * name, over a file, or into a directory by its name; a directory to a new
 * name, or into an existing directory by its name; "DIR/." its content).
 * host_dst NULL: a tar of PATH to out_fd (cp CONTAINER:PATH -). */
int engine_cp_from(const struct engine *en, const char *what, const char *path,
		   const char *host_dst, int out_fd, const struct engine_cp_opts *o,
		   struct err *e);
/* docker cp HOST_SRC CONTAINER:PATH, the same rules.  host_src NULL: a tar
 * (plain, gzip or zstd) read from in_fd to its end, extracted into the
 * directory PATH, safely (image/layer.h: nothing outside it). */
int engine_cp_to(const struct engine *en, const char *what, const char *path,
		 const char *host_src, int in_fd, const struct engine_cp_opts *o, struct err *e);
/* docker export: the whole root filesystem as a tar to out_fd. */
int engine_export(const struct engine *en, const char *what, int out_fd, struct err *e);

/* docker diff: from the overlay upper directory, in its walk's order
 * (names sorted in byte order, a directory before its content): 'D' a
 * whiteout; 'C' what the image had (a directory holding changes, an
 * opaque directory that replaced one, a file written); 'A' the rest.  A
 * root that is a copy (no overlay) is ERR_UNSUPPORTED. */
struct engine_change {
	char kind; /* 'A', 'C', 'D' */
	char *path;
};
int engine_diff(const struct engine *en, const char *what, struct engine_change **ret,
		size_t *ret_n, struct err *e);
void engine_changes_free(struct engine_change *v, size_t n);

struct engine_commit_opts {
	const char *reference; /* REPOSITORY[:TAG], NULL: untagged */
	char **changes;	       /* --change (image.h) */
	const char *message, *author;
	bool pause; /* a running container frozen while its files are read */
};
/* docker commit: a new image, the container's image plus one layer of its
 * upper directory (left as it is: the container goes on), the changes
 * applied to the image's config (not to what `run` gave the container),
 * one history entry.  *ret_id: the image id (sha256:...).  An external
 * --runtime's container is not paused. */
int engine_commit(const struct engine *en, const char *what, const struct engine_commit_opts *o,
		  char **ret_id, struct err *e);
