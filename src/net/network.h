/* network.h: Berth's networks, as `berth network` and `run --network`
 * see them.
 *
 * A network is a Linux bridge with a subnet; its record is
 * <root>/networks/<name>.json.  "bridge" is docker's default network
 * (interface berth0): made on first use, on the first of 10.88.0.0/16,
 * 10.89.0.0/16, ... 10.99.0.0/16 that none of the host's routes overlaps.
 * Another state root (--root) has networks of its own: its default
 * bridge is br-<hash of the root>, its nftables table berth_<hash>.
 * Leases (ipam.h) are under <runroot>/networks/<name>/. */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>

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
	bool internal;
	char *created; /* RFC 3339 */
};

/* The network called name (the default one is made when missing):
 * ERR_NOT_FOUND for an unknown name. */
int network_get(const char *root, const char *name, struct network *n, struct err *e);
void network_clear(struct network *n);
/* The nftables table of the state root's networks (nft.h). */
char *network_table_name(const char *root);
/* <runroot>/networks/<name>/leases */
char *network_lease_dir(const char *runroot, const struct network *n);
