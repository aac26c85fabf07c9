/* nft.h: Berth's nftables table: "ip berth" (one per state root: others
 * are "ip berth_<hash of the root>").
 *
 * One table holds everything Berth needs from the firewall, created when
 * the first container needs it and deleted when the last one stops:
 *   map pmap_any      proto . port -> container ip . port (-p PORT:...)
 *   map pmap_ip       host ip . proto . port -> ... (-p IP:PORT:...)
 *   chain publish     for packets to one of the host's own addresses
 *                     (fib daddr type local), from outside (prerouting)
 *                     or from the host itself (output): DNAT by the maps
 *   chain postrouting what leaves a subnet for elsewhere is
 *                     masqueraded, and what the host sends from its
 *                     loopback to a published port
 *   chain forward     networks do not reach each other; an internal one
 *                     has no way out
 * The kernel forwards published ports: no process copies their bytes.
 * Each change is one nf_tables netlink batch (atomic), sent directly: no
 * nft program runs. */
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

/* A network with running containers. */
struct nft_net {
	struct ipv4_net subnet;
	const char *bridge;
	bool internal; /* no way out, no masquerade */
};

/* Make the table hold the rules of nets (every network with running
 * containers: masquerade, isolation from each other), remove the ports
 * del, add the ports add; with no network the table goes.  The host
 * forwards IPv4 (ip_forward) and each bridge accepts packets from the
 * host's loopback after DNAT (route_localnet).  Ports to remove that are
 * gone already are no error. */
int nft_sync(const char *table, const struct nft_net *nets, size_t nn, const struct nft_port *add,
	     size_t na, const struct nft_port *del, size_t nd, struct err *e);
