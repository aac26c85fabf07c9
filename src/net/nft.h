/* nft.h: Berth's nftables table: "ip berth" (one per state root: others
 * are "ip berth_<hash of the root>").
 *
 * One table holds everything Berth needs from the firewall, created when
 * the first container needs it and deleted when the last one stops:
 *   set masq          the subnets of Berth's networks: what leaves them
 *                     for elsewhere is masqueraded; what comes from the
 *                     host's loopback to a published port too
 *   map pmap_any      proto . port -> container ip . port (-p PORT:...)
 *   map pmap_ip       host ip . proto . port -> ... (-p IP:PORT:...)
 *   chain publish     for packets to one of the host's own addresses
 *                     (fib daddr type local), from outside (prerouting)
 *                     or from the host itself (output): DNAT by the maps
 * The kernel forwards published ports: no process copies their bytes.
 * Changes are one nft transaction each (`nft -f -`). */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "net/ipam.h"

struct nft_port {
	struct in_addr host_ip; /* 0.0.0.0: every address of the host */
	uint16_t host_port;
	bool udp;
	struct in_addr ip; /* the container's */
	uint16_t port;
};

/* The table (when missing), subnet in masq, the ports' elements; the
 * host forwards IPv4 (ip_forward) and bridge accepts packets from its
 * loopback after DNAT (route_localnet). */
int nft_attach(const char *table, const struct ipv4_net *subnet, const char *bridge,
	       const struct nft_port *p, size_t n, struct err *e);
/* The ports' elements out; drop_subnet: the subnet out of masq too;
 * drop_table: the whole table (nothing of Berth's needs it).  Elements
 * already gone are no error. */
int nft_detach(const char *table, const struct ipv4_net *subnet, const struct nft_port *p,
	       size_t n, bool drop_subnet, bool drop_table, struct err *e);
/* Whether the table exists. */
bool nft_table_exists(const char *table);
