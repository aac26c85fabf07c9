/* spec-gen.h: `berth run` options and an image's config -> the container's
 * OCI config.json.  The single place where docker's semantics become a
 * runtime spec:
 *   - the command: the image's Entrypoint + Cmd; arguments given replace
 *     Cmd; --entrypoint replaces Entrypoint and drops the image's Cmd;
 *   - the environment: the image's Env, then -e (KEY=VALUE, or KEY taken
 *     from the caller's environment when set there), PATH when missing,
 *     HOSTNAME, HOME, TERM=xterm with a terminal;
 *   - the user (-u or the image's User: names looked up in the root's
 *     /etc/passwd and /etc/group), the working directory (-w, WorkingDir,
 *     "/"), the hostname (-h, else the id's first 12 characters);
 *   - docker's defaults: its capability set (--cap-add/--cap-drop, ALL),
 *     a seccomp profile matching the capabilities, masked and read-only
 *     /proc paths, new pid, ipc, uts, mount, cgroup and network namespaces
 *     (--network host keeps the host's), /dev/shm of 64 MB (--shm-size);
 *     --privileged: every capability, no seccomp, no masks, every device;
 *   - limits: --memory, --memory-swap, --cpus, --cpu-shares,
 *     --cpuset-cpus, --pids-limit; --read-only. */
#pragma once

#include <stdint.h>

#include "base/err.h"

/* What the image's config says (its "config" object), as text. */
struct spec_image {
	const char *config_json; /* the image config document, or NULL */
};

struct spec_run_opts {
	const char *id;	      /* the container's 64-hex id */
	const char *rootfs;   /* absolute path of the root */
	int rootfs_fd;	      /* a directory fd on it (for /etc/passwd), or -1 */
	char **args;	      /* the command given after the image, or NULL */
	bool entrypoint_set;  /* --entrypoint was given */
	const char *entrypoint; /* its value ("" clears the image's) */
	char **env;	      /* -e values, in order */
	const char *workdir;  /* -w */
	const char *user;     /* -u: user[:group], names or numbers */
	char **group_add;     /* --group-add: names or numbers */
	const char *hostname; /* -h */
	bool tty;	      /* -t */
	bool read_only;	      /* --read-only */
	bool privileged;
	char **cap_add, **cap_drop; /* "NET_ADMIN", "CAP_NET_ADMIN", "ALL" */
	bool no_new_privileges;
	const char *network; /* "none", "host" or a network's name */
	const char *netns_path; /* a network's: the namespace to join */
	char **dns;	      /* --dns: name servers */
	char **add_hosts;     /* --add-host NAME:IP */
	uint64_t shm_size;   /* 0: 64 MB */
	int64_t memory;	     /* bytes; 0: none */
	int64_t memory_swap; /* bytes; -1: unlimited; 0: none */
	double cpus;	     /* 0: none */
	uint64_t cpu_shares; /* 0: none */
	const char *cpuset_cpus;
	int64_t pids_limit; /* 0: none; -1: unlimited */
	char **labels;	    /* "k=v": annotations */
	char **volumes;	    /* -v HOST:CTR[:ro,rslave...] */
	char **mounts;	    /* --mount type=bind|tmpfs,... */
	char **tmpfs;	    /* --tmpfs /path[:size=64m,mode=1777] */
	char **ulimits;	    /* --ulimit nofile=1024:2048 */
	char **devices;	    /* --device /dev/x[:/dev/y[:rwm]] */
	char **sysctls;	    /* --sysctl k=v */
	const char *init_path;	    /* --init: our init binary on the host */
	const char *etc_dir;	    /* hosts, hostname, resolv.conf to bind */
	const char *seccomp_profile; /* --security-opt seccomp=FILE: its text */
	bool seccomp_unconfined;     /* --security-opt seccomp=unconfined */
};

/* Where --init's binary is in the container. */
#define SPEC_INIT_PATH "/dev/init"


/* The config.json text (pretty-printed). */
char *spec_generate(const struct spec_image *img, const struct spec_run_opts *o,
		    struct err *e);

/* A user ("name", "uid", "name:group"...) as numbers, through the root's
 * /etc/passwd and /etc/group (for exec -u). */
int spec_resolve_user(int rootfd, const char *user, uint32_t *uid, uint32_t *gid,
		      struct err *e);
