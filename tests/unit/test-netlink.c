/* test-netlink: the NETLINK_ROUTE requests a container's network is made
 * with, run as root inside two private network namespaces (and a private
 * mount namespace for a sysfs of the first), so the host's network is
 * never touched: a bridge, a veth pair whose peer is created directly in
 * the second namespace, addresses, a default route there, the overlap
 * check of the routes, a MAC address, and deletion. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/netlink.h"
#include "sanitizer-options.h"
#include "tap.h"

static struct in_addr ip4(const char *s)
{
	struct in_addr a = {0};
	if (inet_pton(AF_INET, s, &a) != 1)
		abort();
	return a;
}

static int netns_here(void)
{
	return open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
}

/* Whether the calling thread's namespace has a default route via gw out of
 * dev (/proc/net/route shows the reader's namespace). */
static bool has_default_route(const char *dev, struct in_addr gw)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/thread-self/net/route", "re");
	if (!f)
		return false;
	char line[256];
	while (fgets(line, sizeof(line), f)) {
		char name[IFNAMSIZ + 1];
		unsigned dst, via, mask;
		if (sscanf(line, "%16s %x %x %*x %*d %*d %*d %x", name, &dst, &via, &mask) == 4 &&
		    streq(name, dev) && dst == 0 && mask == 0 && via == gw.s_addr)
			return true;
	}
	return false;
}

/* An interface ioctl on dev in the calling thread's namespace. */
static bool ifreq_get(const char *dev, unsigned long req, struct ifreq *ifr)
{
	_cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", dev);
	return s >= 0 && ioctl(s, req, ifr) == 0;
}

static bool is_up(const char *dev)
{
	struct ifreq ifr;
	return ifreq_get(dev, SIOCGIFFLAGS, &ifr) && (ifr.ifr_flags & IFF_UP);
}

static bool has_addr(const char *dev, struct in_addr a)
{
	struct ifreq ifr;
	if (!ifreq_get(dev, SIOCGIFADDR, &ifr))
		return false;
	struct sockaddr_in sin;
	memcpy(&sin, &ifr.ifr_addr, sizeof(sin));
	return sin.sin_addr.s_addr == a.s_addr;
}

static int mtu_of(const char *dev)
{
	struct ifreq ifr;
	return ifreq_get(dev, SIOCGIFMTU, &ifr) ? ifr.ifr_mtu : -1;
}

static bool mac_is(const char *dev, const unsigned char mac[6])
{
	struct ifreq ifr;
	return ifreq_get(dev, SIOCGIFHWADDR, &ifr) && memcmp(ifr.ifr_hwaddr.sa_data, mac, 6) == 0;
}

/* The master of dev, from the private sysfs of the first namespace. */
static bool master_is(const char *dev, const char *master)
{
	char path[128], target[128];
	snprintf(path, sizeof(path), "/sys/class/net/%s/master", dev);
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	const char *slash = strrchr(target, '/');
	return streq(slash ? slash + 1 : target, master);
}

static bool msg_is(const struct err *e, const char *want)
{
	return err_isset(e) && streq(err_msg(e), want);
}

static void show(const struct err *e)
{
	if (err_isset(e))
		printf("#   error: %s\n", err_msg(e));
}

/* Whether this kernel can make bridges and veth pairs at all (a missing
 * module is a reason to skip, not a failure). */
static bool kinds_supported(struct nl *nl, const char **why)
{
	struct err e = ERR_INIT;
	bool supported = true;
	if (nl_bridge_add(nl, "tprobe0", false, &e) < 0 ||
	    nl_link_del(nl, "tprobe0", false, &e) < 0 ||
	    nl_veth_add(nl, "tprobe1", "tprobe2", -1, 0, &e) < 0 ||
	    nl_link_del(nl, "tprobe1", false, &e) < 0)
		supported = e.errnum != EOPNOTSUPP;
	if (!supported)
		*why = "bridge or veth unsupported by the kernel";
	err_clear(&e);
	return supported;
}

int main(void)
{
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0) {
		printf("1..0 # SKIP needs root (unshare a network namespace: %s)\n",
		       strerror(errno));
		return 0;
	}
	/* A sysfs of this namespace, visible to this process only. */
	bool sysfs = mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) == 0 &&
		     mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0;
	_cleanup_close_ int ns1 = netns_here();
	/* The second namespace (the container's): entered, held by a
	 * descriptor, and left again. */
	if (ns1 < 0 || unshare(CLONE_NEWNET) < 0) {
		printf("1..0 # SKIP a second network namespace: %s\n", strerror(errno));
		return 0;
	}
	_cleanup_close_ int ns2 = netns_here();
	if (ns2 < 0 || setns(ns1, CLONE_NEWNET) < 0) {
		printf("1..0 # SKIP back to the first network namespace: %s\n", strerror(errno));
		return 0;
	}

	struct err e = ERR_INIT;
	char want[128];
	_cleanup_nl_ struct nl nl1 = NL_INIT;
	if (nl_open(&nl1, &e) < 0) {
		printf("1..0 # SKIP %s\n", err_msg(&e));
		err_clear(&e);
		return 0;
	}
	const char *why = NULL;
	if (!kinds_supported(&nl1, &why)) {
		printf("1..0 # SKIP %s\n", why);
		return 0;
	}
	ok(sysfs, "a private sysfs of the first namespace");

	/* The bridge. */
	is_int(nl_link_index(&nl1, "tbr0", &e), 0, "no tbr0 yet");
	ok(nl_bridge_add(&nl1, "tbr0", false, &e) == 0, "create bridge tbr0");
	show(&e);
	err_clear(&e);
	int br = nl_link_index(&nl1, "tbr0", &e);
	ok(br > 0, "tbr0 has an index (%d)", br);
	ok(nl_bridge_add(&nl1, "tbr0", true, &e) == 0, "again, exists_ok: no error");
	show(&e);
	err_clear(&e);
	ok(nl_bridge_add(&nl1, "tbr0", false, &e) < 0, "again, not exists_ok: an error");
	ok(msg_is(&e, "create bridge \"tbr0\": File exists"), "that names the bridge");
	show(&e);
	ok(e.kind == ERR_EXISTS && e.errnum == EEXIST, "ERR_EXISTS, EEXIST");
	err_clear(&e);
	ok(nl_bridge_add(&nl1, "a-name-too-long-for-a-link", false, &e) < 0 &&
		   e.kind == ERR_INVALID,
	   "a name of 16 characters or more is refused");
	show(&e);
	err_clear(&e);
	ok(nl_link_index(&nl1, "a/b", &e) < 0 && e.kind == ERR_INVALID, "so is one with a slash");
	err_clear(&e);

	/* The veth pair, its peer created in the second namespace. */
	ok(nl_veth_add(&nl1, "tveth0", "eth0", ns2, 1400, &e) == 0,
	   "create veth tveth0 with peer eth0 in the second namespace");
	show(&e);
	err_clear(&e);
	int veth = nl_link_index(&nl1, "tveth0", &e);
	ok(veth > 0, "tveth0 is in the first namespace (%d)", veth);
	is_int(nl_link_index(&nl1, "eth0", &e), 0, "eth0 is not");
	is_int(mtu_of("tveth0"), 1400, "tveth0's mtu");
	ok(nl_veth_add(&nl1, "tveth0", "eth1", ns2, 0, &e) < 0 && e.errnum == EEXIST &&
		   strstr(err_msg(&e), "\"tveth0\""),
	   "a second tveth0 is an error naming it");
	show(&e);
	err_clear(&e);
	{
		_cleanup_close_ int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
		ok(nl_veth_add(&nl1, "tvbad0", "tvbad1", devnull, 0, &e) < 0 &&
			   strstr(err_msg(&e), "create veth \"tvbad0\" (peer \"tvbad1\"): "),
		   "a peer namespace that is not one: an error naming the link");
		show(&e);
		err_clear(&e);
		is_int(nl_link_index(&nl1, "tvbad0", &e), 0, "and no tvbad0 left");
	}

	/* A socket of the second namespace, used from the first. */
	_cleanup_nl_ struct nl nl2 = NL_INIT;
	ok(setns(ns2, CLONE_NEWNET) == 0, "enter the second namespace");
	ok(nl_open(&nl2, &e) == 0, "open a socket there");
	show(&e);
	err_clear(&e);
	ok(setns(ns1, CLONE_NEWNET) == 0, "back to the first");
	int eth0 = nl_link_index(&nl2, "eth0", &e);
	ok(eth0 > 0, "eth0 is in the second namespace (%d)", eth0);
	show(&e);
	err_clear(&e);
	is_int(nl_link_index(&nl2, "tveth0", &e), 0, "tveth0 is not");

	/* Up, on the bridge, addressed. */
	ok(nl_link_up(&nl1, veth, br, &e) == 0, "tveth0 on tbr0 and up");
	show(&e);
	err_clear(&e);
	ok(nl_link_up(&nl1, br, 0, &e) == 0, "tbr0 up");
	show(&e);
	err_clear(&e);
	ok(is_up("tveth0") && is_up("tbr0"), "both are up");
	ok(master_is("tveth0", "tbr0"), "tbr0 is tveth0's master");
	ok(nl_link_up(&nl1, 99999, 0, &e) < 0 && e.kind == ERR_NOT_FOUND &&
		   strstr(err_msg(&e), "link 99999"),
	   "bringing up a missing link: not found, naming it");
	show(&e);
	err_clear(&e);
	ok(nl_addr_add(&nl1, br, ip4("10.200.0.1"), 24, &e) == 0, "10.200.0.1/24 on tbr0");
	show(&e);
	err_clear(&e);
	ok(nl_addr_add(&nl1, br, ip4("10.200.0.1"), 24, &e) == 0, "again: no error");
	show(&e);
	err_clear(&e);
	ok(has_addr("tbr0", ip4("10.200.0.1")), "tbr0 has it");
	snprintf(want, sizeof(want), "add default route via 10.99.0.1 on link %d: ", br);
	ok(nl_route_default(&nl1, br, ip4("10.99.0.1"), &e) < 0 && startswith(err_msg(&e), want) &&
		   e.errnum != 0,
	   "a gateway out of reach: an error naming the route");
	show(&e);
	err_clear(&e);
	ok(nl_addr_add(&nl1, br, ip4("10.200.0.1"), 33, &e) < 0 && e.kind == ERR_INVALID,
	   "a prefix of 33 is refused");
	err_clear(&e);

	/* The container's side: address and default route. */
	ok(nl_link_up(&nl2, eth0, 0, &e) == 0, "eth0 up");
	show(&e);
	err_clear(&e);
	ok(nl_addr_add(&nl2, eth0, ip4("10.200.0.2"), 24, &e) == 0, "10.200.0.2/24 on eth0");
	show(&e);
	err_clear(&e);
	ok(nl_route_default(&nl2, eth0, ip4("10.200.0.1"), &e) == 0,
	   "default route via 10.200.0.1");
	show(&e);
	err_clear(&e);
	snprintf(want, sizeof(want), "add default route via 10.200.0.1 on link %d: File exists",
		 eth0);
	ok(nl_route_default(&nl2, eth0, ip4("10.200.0.1"), &e) < 0 && msg_is(&e, want) &&
		   e.errnum == EEXIST,
	   "a second one: EEXIST");
	show(&e);
	err_clear(&e);
	static const unsigned char mac[6] = {0x02, 0x42, 0x0a, 0xc8, 0x00, 0x02};
	ok(nl_link_set_mac(&nl2, eth0, mac, &e) == 0, "set eth0's MAC address");
	show(&e);
	err_clear(&e);
	ok(setns(ns2, CLONE_NEWNET) == 0, "enter the second namespace");
	ok(has_default_route("eth0", ip4("10.200.0.1")), "its /proc/net/route: the default route");
	ok(has_addr("eth0", ip4("10.200.0.2")), "eth0 has 10.200.0.2");
	ok(is_up("eth0"), "eth0 is up");
	is_int(mtu_of("eth0"), 1400, "eth0's mtu");
	ok(mac_is("eth0", mac), "eth0's MAC address");
	ok(setns(ns1, CLONE_NEWNET) == 0, "back to the first");
	ok(!has_default_route("tbr0", ip4("10.200.0.1")) &&
		   !has_default_route("eth0", ip4("10.200.0.1")),
	   "no default route in the first namespace");

	/* Overlaps with the routes of the first namespace (10.200.0.0/24). */
	is_int(nl_route_overlaps(&nl1, ip4("10.200.0.0"), 16, &e), 1, "10.200.0.0/16 overlaps");
	show(&e);
	err_clear(&e);
	is_int(nl_route_overlaps(&nl1, ip4("10.201.0.0"), 16, &e), 0, "10.201.0.0/16 does not");
	is_int(nl_route_overlaps(&nl1, ip4("10.200.0.128"), 25, &e), 1, "10.200.0.128/25 does");
	is_int(nl_route_overlaps(&nl1, ip4("10.200.1.0"), 24, &e), 0, "10.200.1.0/24 does not");
	is_int(nl_route_overlaps(&nl1, ip4("10.0.0.0"), 8, &e), 1, "10.0.0.0/8 does");
	is_int(nl_route_overlaps(&nl2, ip4("10.201.0.0"), 16, &e), 0,
	       "the second namespace's default route is not counted");
	is_int(nl_route_overlaps(&nl1, ip4("10.0.0.0"), 40, &e), -1, "a prefix of 40 is refused");
	err_clear(&e);

	/* A pair within one namespace. */
	ok(nl_veth_add(&nl1, "tva", "tvb", -1, 0, &e) == 0, "veth tva/tvb in the first namespace");
	show(&e);
	err_clear(&e);
	ok(nl_link_index(&nl1, "tva", &e) > 0 && nl_link_index(&nl1, "tvb", &e) > 0, "both there");
	ok(nl_link_del(&nl1, "tvb", false, &e) == 0, "delete tvb");
	ok(nl_link_index(&nl1, "tva", &e) == 0 && nl_link_index(&nl1, "tvb", &e) == 0,
	   "both gone");
	err_clear(&e);

	/* Deletion. */
	ok(nl_link_del(&nl1, "tveth0", false, &e) == 0, "delete tveth0");
	show(&e);
	err_clear(&e);
	is_int(nl_link_index(&nl1, "tveth0", &e), 0, "tveth0 is gone");
	is_int(nl_link_index(&nl2, "eth0", &e), 0, "and its peer eth0 with it");
	ok(nl_link_del(&nl1, "tveth0", true, &e) == 0, "deleting it again, missing_ok: fine");
	show(&e);
	err_clear(&e);
	ok(nl_link_del(&nl1, "tveth0", false, &e) < 0, "without missing_ok: an error");
	ok(msg_is(&e, "delete link \"tveth0\": No such device") && e.kind == ERR_NOT_FOUND,
	   "not found, naming it");
	show(&e);
	err_clear(&e);
	ok(nl_link_del(&nl1, "tbr0", false, &e) == 0, "delete tbr0");
	is_int(nl_link_index(&nl1, "tbr0", &e), 0, "tbr0 is gone");
	err_clear(&e);

	nl_close(&nl2);
	is_int(nl2.fd, -1, "nl_close resets the descriptor");
	nl_close(&nl2);
	ok(true, "and closing twice is harmless");
	return tap_done();
}
