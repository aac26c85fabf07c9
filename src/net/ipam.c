/* ipam.c: see ipam.h. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "base/fs-util.h"
#include "net/ipam.h"

static uint32_t mask_of(unsigned prefix)
{
	return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
}

int ipv4_addr_parse(const char *s, struct in_addr *ret, struct err *e)
{
	if (!s || inet_pton(AF_INET, s, ret) != 1)
		return err_set(e, ERR_INVALID, "invalid IPv4 address \"%s\"", s ? s : "");
	return 0;
}

int ipv4_net_parse(const char *cidr, struct ipv4_net *ret, struct err *e)
{
	const char *slash = cidr ? strchr(cidr, '/') : NULL;
	char addr[INET_ADDRSTRLEN];
	if (!slash || (size_t)(slash - cidr) >= sizeof(addr))
		return err_set(e, ERR_INVALID, "invalid subnet \"%s\" (a.b.c.d/n)", cidr ? cidr : "");
	memcpy(addr, cidr, (size_t)(slash - cidr));
	addr[slash - cidr] = '\0';
	char *end;
	errno = 0;
	unsigned long p = strtoul(slash + 1, &end, 10);
	struct in_addr a;
	if (!slash[1] || *end || errno || p > 32 || inet_pton(AF_INET, addr, &a) != 1)
		return err_set(e, ERR_INVALID, "invalid subnet \"%s\" (a.b.c.d/n)", cidr);
	uint32_t h = ntohl(a.s_addr);
	if (h & ~mask_of((unsigned)p))
		return err_set(e, ERR_INVALID, "invalid subnet \"%s\": host bits are set", cidr);
	ret->net = a;
	ret->prefix = (unsigned)p;
	return 0;
}

bool ipv4_net_contains(const struct ipv4_net *n, struct in_addr a)
{
	uint32_t m = mask_of(n->prefix);
	return (ntohl(a.s_addr) & m) == ntohl(n->net.s_addr);
}

bool ipv4_net_overlaps(const struct ipv4_net *a, const struct ipv4_net *b)
{
	uint32_t m = mask_of(a->prefix < b->prefix ? a->prefix : b->prefix);
	return (ntohl(a->net.s_addr) & m) == (ntohl(b->net.s_addr) & m);
}

struct in_addr ipv4_net_host(const struct ipv4_net *n, uint32_t i)
{
	struct in_addr a = {.s_addr = htonl(ntohl(n->net.s_addr) + i)};
	return a;
}

char *ipv4_net_format(const struct ipv4_net *n, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &n->net, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, n->prefix);
	return buf;
}

static int take(int dfd, struct in_addr a, const char *owner)
{
	char name[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &a, name, sizeof(name));
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	int r = write_all(fd, owner, strlen(owner));
	close(fd);
	if (r < 0) {
		(void)unlinkat(dfd, name, 0);
		return r;
	}
	return 0;
}

int ipam_alloc(const char *dir, const struct ipv4_net *range, struct in_addr gw,
	       struct in_addr want, const char *owner, struct in_addr *ret, struct err *e)
{
	if (mkdir_p(dir, 0700, e) < 0)
		return -1;
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(e, errno, "leases \"%s\"", dir);
	uint32_t base = ntohl(range->net.s_addr), m = mask_of(range->prefix);
	uint32_t size = range->prefix >= 31 ? 0 : ~m - 1; /* host addresses */
	char text[INET_ADDRSTRLEN];
	if (want.s_addr) {
		uint32_t h = ntohl(want.s_addr);
		inet_ntop(AF_INET, &want, text, sizeof(text));
		if (!ipv4_net_contains(range, want) || h == base || h == (base | ~m) ||
		    want.s_addr == gw.s_addr)
			return err_set(e, ERR_INVALID, "address %s is not in the range %s of the network",
				       text, ipv4_net_format(range, (char[24]){0}, 24));
		int r = take(dfd, want, owner);
		if (r == -EEXIST)
			return err_set(e, ERR_CONFLICT, "address %s is already in use", text);
		if (r < 0)
			return err_sys(e, r, "lease %s", text);
		*ret = want;
		return 0;
	}
	if (size == 0)
		return err_set(e, ERR_INVALID, "subnet %s has no room for containers",
			       ipv4_net_format(range, (char[24]){0}, 24));
	/* Start after the last address handed out. */
	uint32_t start = 0;
	_cleanup_free_ char *hint = NULL;
	size_t hl;
	if (read_file_at(dfd, "last", 32, &hint, &hl, NULL) == 0) {
		struct in_addr h;
		hint[strcspn(hint, "\n")] = '\0';
		if (inet_pton(AF_INET, hint, &h) == 1 && ipv4_net_contains(range, h))
			start = ntohl(h.s_addr) - base; /* its offset: the next one follows */
	}
	for (uint32_t k = 0; k < size; k++) {
		uint32_t off = (start + k) % size + 1; /* 1..size */
		struct in_addr a = {.s_addr = htonl(base + off)};
		if (a.s_addr == gw.s_addr)
			continue;
		int r = take(dfd, a, owner);
		if (r == -EEXIST)
			continue;
		if (r < 0) {
			inet_ntop(AF_INET, &a, text, sizeof(text));
			return err_sys(e, r, "lease %s", text);
		}
		inet_ntop(AF_INET, &a, text, sizeof(text));
		(void)write_file_atomic_at(dfd, "last", text, strlen(text), 0600, 0, NULL);
		*ret = a;
		return 0;
	}
	return err_set(e, ERR_CONFLICT, "no address left in %s",
		       ipv4_net_format(range, (char[24]){0}, 24));
}

static bool owned_by(int dfd, const char *name, const char *owner)
{
	_cleanup_free_ char *who = NULL;
	size_t len;
	return read_file_at(dfd, name, 256, &who, &len, NULL) == 0 && strcmp(who, owner) == 0;
}

void ipam_release(const char *dir, struct in_addr a, const char *owner)
{
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	char name[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &a, name, sizeof(name));
	if (dfd >= 0 && owned_by(dfd, name, owner))
		(void)unlinkat(dfd, name, 0);
}

void ipam_release_owner(const char *dir, const char *owner)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		struct in_addr a;
		if (inet_pton(AF_INET, de->d_name, &a) == 1 && owned_by(dirfd(d), de->d_name, owner))
			(void)unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

size_t ipam_count(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	size_t n = 0;
	struct dirent *de;
	struct in_addr a;
	while ((de = readdir(d)))
		if (inet_pton(AF_INET, de->d_name, &a) == 1)
			n++;
	closedir(d);
	return n;
}
