/* cni.h: CNI networks (the Container Network Interface, spec 1.0).
 *
 * Any network configuration list in the CNI directory (/etc/cni/net.d, or
 * --cni-config-dir) can be a container's network: `--network NAME` with
 * the list's name.  Its plugins run as the spec says: one after the
 * other for ADD, each given the previous one's result (prevResult), in
 * reverse order for DEL, with CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS,
 * CNI_IFNAME, CNI_ARGS and CNI_PATH, the configuration on stdin and the
 * result (or error) on stdout.  The list and the final result are cached
 * (<runroot>/cni/<id>.json): DEL and CHECK use them, even when the file
 * changed or went.  Published ports go to the plugins that declare the
 * portMappings capability (runtimeConfig). */
#pragma once

#include <stdbool.h>

#include "base/err.h"
#include "base/json-util.h"

/* The list called name in dir (*.conflist; a single *.conf or *.json
 * plugin configuration is a list of one): ERR_NOT_FOUND when none. */
int cni_find(const char *dir, const char *name, json_t **ret, struct err *e);

struct cni_ctx {
	const char *id;	       /* the container's */
	const char *netns;     /* its namespace's path */
	const char *ifname;    /* "eth0" */
	const char *path;      /* where plugins are: "dir:dir" */
	const char *cache;     /* the cache file */
	json_t *port_mappings; /* [{hostPort, containerPort, protocol, hostIP}] or NULL */
};

/* ADD: every plugin; the result cached; *ret (may be NULL) gets it. */
int cni_add(json_t *list, const struct cni_ctx *c, json_t **ret, struct err *e);
/* DEL from the cache (reverse order; a missing cache is no error). */
int cni_del(const struct cni_ctx *c, struct err *e);
/* CHECK against the cached result. */
int cni_check(const struct cni_ctx *c, struct err *e);
/* The first IPv4 address of a result ("10.1.2.3"), or NULL. */
char *cni_result_ip(const json_t *result);
