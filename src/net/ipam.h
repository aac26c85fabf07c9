/* ipam.h: IPv4 subnets and the addresses of a network, each handed out
 * once.
 *
 * A lease is a file <dir>/<a.b.c.d> made with O_EXCL and holding its
 * owner's id: two starts at once can never get the same address, nothing
 * is read-modified-written, and a release removes only the owner's own
 * file.  The search starts after the address handed out last (a hint
 * file), so a released address is not reused at once (ARP caches).
 * Leases live in the runroot: a reboot, which stops every container,
 * clears them. */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

struct ipv4_net {
	struct in_addr net; /* network byte order, host bits zero */
	unsigned prefix;    /* 0..32 */
};

/* "10.88.0.0/16".  Host bits set are an error (docker's rule). */
int ipv4_net_parse(const char *cidr, struct ipv4_net *ret, struct err *e);
/* "a.b.c.d" */
int ipv4_addr_parse(const char *s, struct in_addr *ret, struct err *e);
bool ipv4_net_contains(const struct ipv4_net *n, struct in_addr a);
bool ipv4_net_overlaps(const struct ipv4_net *a, const struct ipv4_net *b);
/* The n-th address of the subnet (1: the first host, the usual gateway). */
struct in_addr ipv4_net_host(const struct ipv4_net *n, uint32_t i);
/* "10.88.0.0/16" (static buffer of the caller, at least 19 bytes). */
char *ipv4_net_format(const struct ipv4_net *n, char *buf, size_t len);

/* An address of range (a subnet of the network) for owner, never the
 * network's own address, its broadcast address or gw; want (s_addr != 0):
 * exactly that one (ERR_CONFLICT when taken, ERR_INVALID outside range). */
int ipam_alloc(const char *dir, const struct ipv4_net *range, struct in_addr gw,
	       struct in_addr want, const char *owner, struct in_addr *ret, struct err *e);
/* Give back a's lease if owner holds it. */
void ipam_release(const char *dir, struct in_addr a, const char *owner);
/* Give back every lease of owner (after a crash). */
void ipam_release_owner(const char *dir, const char *owner);
/* How many leases the network has out. */
size_t ipam_count(const char *dir);
