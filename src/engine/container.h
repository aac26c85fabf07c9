/* container.h: a container as the engine keeps it on disk.
 *
 * Layout (below <root>, --root moves it):
 *   containers/<id>/container.json   the record, written atomically
 *   containers/<id>/lock             one lock per container (flock)
 *   containers/names/<name>          a name taken: a file holding the id,
 *                                    made with O_EXCL, so two creates can
 *                                    never take one name
 * A record exists once container.json does; a name without a record (a
 * create killed half-way) is free again (container_name_reserve checks).
 * What a running container is (pid, exit) is checked against the kernel
 * by the callers that own processes; the record says what was seen last. */
#pragma once

#include <stdint.h>

#include "base/err.h"
#include "engine/names.h"

enum container_state {
	CONTAINER_CREATED,
	CONTAINER_RUNNING,
	CONTAINER_PAUSED,
	CONTAINER_EXITED,
	CONTAINER_RESTARTING, /* exited; its restart policy starts it again soon */
};

/* A network a container is on besides its first (run --network a
 * --network b, network connect). */
struct net_extra {
	char *name;
	char *ip_want;	/* --ip */
	char **aliases; /* --alias */
	unsigned iface; /* eth<iface> in the container */
	char *address;	/* while running */
};

struct container {
	char id[CONTAINER_ID_LEN + 1];
	char *name;
	char *image;	/* the name as given ("busybox") */
	char *image_id; /* "sha256:..." */
	char **command; /* what runs, for ps */
	char **labels;	/* "k", "v" pairs */
	char *created, *started, *finished; /* RFC 3339, or NULL */
	enum container_state state;
	int pid;	/* the init's host pid while running, else 0 */
	uint64_t pid_start; /* its start time (/proc/<pid>/stat), against reuse */
	int exit_code;
	bool auto_remove; /* --rm */
	/* How it runs (from create) */
	bool tty, interactive;
	char *log_driver;  /* json-file, k8s-file or none */
	char *stop_signal; /* NULL: SIGTERM */
	int stop_timeout;  /* seconds; -1: docker's 10 */
	char *network; /* "none", "host" or a network's name */
	char **ports;  /* -p specs as given */
	char *ip_want; /* --ip */
	char **aliases; /* --network-alias */
	bool custom_dns; /* --dns: not the network's server */
	bool cni;	 /* network is a CNI configuration list's name */
	struct net_extra *extra;
	size_t n_extra;
	/* --restart: "no", "on-failure", "always", "unless-stopped" (NULL:
	 * no); restart_max: on-failure's limit (0: none) */
	char *restart_policy;
	int restart_max;
	int restart_count;
	bool manual_stop;	   /* stopped by stop (unless-stopped stays down) */
	uint64_t restart_delay_ms; /* the back-off before the next restart */
	int restarter_pid;	   /* while restarting: the process that waits */
	uint64_t restarter_start;
	/* Its health check (JSON text: test, interval, timeout, startPeriod,
	 * startInterval (ns), retries, onFailure), or NULL */
	char *health;
	/* The volumes it uses: triples name, destination, "anonymous" or
	 * "named" (volume.h) */
	char **volumes;
	/* The run in progress (from start) */
	char *runtime;	   /* a runc-compatible binary, NULL: the library */
	char *ip;	   /* its address on its network */
	char **ports_bound; /* "0.0.0.0:8080->80/tcp" */
	int monitor_pid;
	uint64_t monitor_start;
};

const char *container_state_name(enum container_state s);
int container_state_parse(const char *s, enum container_state *ret);

/* Write the record (atomically).  The directory is made when missing. */
int container_save(const char *root, const struct container *c, struct err *e);
/* Read one record by full id. */
int container_load(const char *root, const char *id, struct container *c, struct err *e);
void container_clear(struct container *c);
void net_extra_clear(struct net_extra *x);

/* Take `name` for `id` (ERR_CONFLICT with docker's message when another
 * live container has it) and release it. */
int container_name_reserve(const char *root, const char *name, const char *id, struct err *e);
int container_name_release(const char *root, const char *name, const char *id);

/* Every record, in no particular order (*ret is an array of n). */
int container_list(const char *root, struct container **ret, size_t *n, struct err *e);
void container_list_free(struct container *l, size_t n);

/* Find by full id, unique id prefix or name; returns the full id. */
int container_lookup(const char *root, const char *what, char **ret_id, struct err *e);

/* Remove the record, its directory and its name. */
int container_delete(const char *root, const char *id, struct err *e);
