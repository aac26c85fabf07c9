/* network.h: Berth's networks, as `berth network` and `run --network`
 * see them.
 *
 * A network is a Linux bridge with a subnet; its record is
 * <root>/networks/<name>.json.  "bridge" is docker's default network
 * (interface berth0): made on first use, on the first of 10.210.0.0/16,
 * 10.211.0.0/16, ... 10.229.0.0/16 that none of the host's routes, nor
 * another network, overlaps.
 * Another state root (--root) has networks of its own: its default
 * bridge is br-<hash of the root>, its nftables table berth_<hash>.
 * Leases (ipam.h) are under <runroot>/networks/<name>/. */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "net/ipam.h"

#define NETWORK_DEFAULT "bridge"
#define NETWORK_DEFAULT_ROOT "/var/lib/berth"

struct network {
	char *name;
	char *id;     /* 64 hex */
	char *driver; /* "bridge" */
	char *iface;  /* the bridge's interface */
	struct ipv4_net subnet;
	struct in_addr gateway;
	struct ipv4_net range; /* where addresses are handed out (--ip-range) */
	bool internal;
	char **labels;	/* "k", "v" pairs */
	char *created; /* RFC 3339 */
};

struct network_create_opts {
	const char *name;
	const char *driver;  /* NULL or "bridge" */
	const char *subnet;  /* NULL: a free one */
	const char *gateway; /* NULL: the subnet's first address */
	const char *ip_range;
	bool internal;
	char **labels; /* "k=v" */
};

/* A new network (ERR_CONFLICT: the name is taken, or the subnet overlaps
 * one of another network); *ret (may be NULL) gets it. */
int network_create(const char *root, const struct network_create_opts *o, struct network *ret,
		   struct err *e);
/* Delete the record (the caller checked nobody uses it) and the bridge. */
int network_remove(const char *root, const char *name, struct err *e);

/* The network called name (the default one is made when missing):
 * ERR_NOT_FOUND for an unknown name. */
int network_get(const char *root, const char *name, struct network *n, struct err *e);
void network_clear(struct network *n);
/* Every network of the root (the default one only once it was used). */
int network_list(const char *root, struct network **ret, size_t *n, struct err *e);
void network_list_free(struct network *l, size_t n);
/* ip (--ip) as an address of n's range, or an error that says why not. */
int network_ip_check(const struct network *n, const char *ip, struct in_addr *ret,
		     struct err *e);
/* The nftables table of the state root's networks (nft.h). */
char *network_table_name(const char *root);
/* <runroot>/networks/<name>/leases */
char *network_lease_dir(const char *runroot, const struct network *n);
