/* netlink.h: links, addresses and routes through raw NETLINK_ROUTE sockets.
 *
 * What a container's network needs, without libmnl, libnl or ip(8): a
 * bridge on the host, a veth pair whose peer is created directly in the
 * container's network namespace, IPv4 addresses and a default route, and a
 * look at the host's routes to choose a subnet that clashes with none.
 *
 * Every request is synchronous: it is sent with NLM_F_ACK and the kernel's
 * answer (the error in its NLMSG_ERROR ack) is waited for.  A kernel error
 * is reported with err_sys and a message that names the object, e.g.
 *     create bridge "berth0": File exists
 * with the kernel's own explanation (extended ack) before the errno text
 * when it gives one; the kind follows the errno, but a missing link (ENODEV)
 * is ERR_NOT_FOUND.  A socket works in the network namespace the calling
 * thread was in when nl_open() was called, whatever namespace the thread is
 * in later.  Functions return 0 or -1 with e set unless told otherwise. */
#pragma once

#include <netinet/in.h>
#include <stdint.h>

#include "base/err.h"

struct nl {
	int fd;
	uint32_t seq;
};

#define NL_INIT {.fd = -1, .seq = 0}

/* A NETLINK_ROUTE socket (close-on-exec) bound to the network namespace
 * the calling thread is in. */
int nl_open(struct nl *nl, struct err *e);
/* Close it; a closed or never opened (NL_INIT) one is fine. */
void nl_close(struct nl *nl);
#define _cleanup_nl_ _cleanup_(nl_close)

/* The ifindex of link `name` in the socket's namespace (RTM_GETLINK, so it
 * works for a socket in another namespace than the caller's), 0 when there
 * is none, -1 on error. */
int nl_link_index(struct nl *nl, const char *name, struct err *e);
/* Create a bridge.  exists_ok: an existing link of that name is no error
 * (whatever its kind). */
int nl_bridge_add(struct nl *nl, const char *name, bool exists_ok, struct err *e);
/* Create a veth pair: `name` in the socket's namespace, its peer directly
 * in the namespace of netns_fd (-1: the socket's) under peer_name.  mtu 0:
 * the kernel's default; else both ends get it. */
int nl_veth_add(struct nl *nl, const char *name, const char *peer_name, int netns_fd,
		unsigned mtu, struct err *e);
/* Make master (an ifindex, 0: leave it as it is) the master of link
 * ifindex, and bring the link up. */
int nl_link_up(struct nl *nl, int ifindex, int master, struct err *e);
/* Delete link `name` (a veth pair goes with both ends); a missing one is no
 * error when missing_ok. */
int nl_link_del(struct nl *nl, const char *name, bool missing_ok, struct err *e);
/* Add the IPv4 address addr/prefix (network byte order) on ifindex, with
 * its broadcast address (none for /31 and /32).  One already there is no
 * error. */
int nl_addr_add(struct nl *nl, int ifindex, struct in_addr addr, unsigned prefix, struct err *e);
/* Add the IPv4 default route via gw out of ifindex (table main, protocol
 * boot).  An existing default route is an error (EEXIST). */
int nl_route_default(struct nl *nl, int ifindex, struct in_addr gw, struct err *e);
/* Whether an IPv4 route of the main table overlaps net/prefix: to choose a
 * default subnet that clashes with none of the host's networks.  Default
 * routes (prefix 0) are not counted: they would overlap everything.
 * Returns 1 overlap, 0 none, -1 error. */
int nl_route_overlaps(struct nl *nl, struct in_addr net, unsigned prefix, struct err *e);
/* Set the MAC address of link ifindex. */
int nl_link_set_mac(struct nl *nl, int ifindex, const unsigned char mac[6], struct err *e);
