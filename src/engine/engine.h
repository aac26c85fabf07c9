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
