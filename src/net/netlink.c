/* netlink.c: see netlink.h.
 *
 * A request is built in a fixed 4 KiB buffer (struct nlreq) with helpers
 * that append attributes and nests and note an overflow instead of writing
 * past the end; nl_call() sends it and reads the replies, skipping those
 * of other sequence numbers, until the ack (or, for a dump, NLMSG_DONE). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/netlink.h"

#define NL_REQ_SIZE 4096
/* The kernel sizes a dump's messages to what the reader asked for, up to
 * 32 KiB; an error ack with extended attributes is small. */
#define NL_RECV_SIZE 65536

struct nlreq {
	union {
		struct nlmsghdr h;
		char buf[NL_REQ_SIZE];
	};
	bool overflow;
};

/* The outcome of a request that failed: the errno (the kernel's or the
 * socket's) and the kernel's extended ack message, "" when it gave none. */
struct nlans {
	int errnum;
	char ext[256];
};

/* Called for each reply of the request other than the ack and the end of a
 * dump; returns 0, or -errno to fail the request. */
typedef int (*nl_msg_fn)(const struct nlmsghdr *h, void *userdata);

/* Start a request of type with the fixed header hdr (hdrlen bytes). */
static void req_init(struct nlreq *r, uint16_t type, uint16_t flags, const void *hdr,
		     size_t hdrlen)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_len = (uint32_t)(NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen));
	r->h.nlmsg_type = type;
	r->h.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	memcpy(r->buf + NLMSG_HDRLEN, hdr, hdrlen);
}

/* Append an attribute; returns it, or NULL (and marks the request as
 * overflowed, which nl_call reports) when it does not fit. */
static struct rtattr *req_put(struct nlreq *r, unsigned short type, const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(r->h.nlmsg_len);
	if (r->overflow || len > sizeof(r->buf) || off + RTA_SPACE(len) > sizeof(r->buf)) {
		r->overflow = true;
		return NULL;
	}
	struct rtattr *a = (struct rtattr *)(r->buf + off);
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(r->buf + off + RTA_LENGTH(0), data, len);
	r->h.nlmsg_len = (uint32_t)(off + RTA_SPACE(len));
	return a;
}

static void req_put_str(struct nlreq *r, unsigned short type, const char *s)
{
	req_put(r, type, s, strlen(s) + 1);
}

static void req_put_u32(struct nlreq *r, unsigned short type, uint32_t v)
{
	req_put(r, type, &v, sizeof(v));
}

/* Open a nested attribute (with an optional fixed header, as VETH_INFO_PEER
 * has its struct ifinfomsg); what is appended until req_nest_end is in it. */
static struct rtattr *req_nest(struct nlreq *r, unsigned short type, const void *hdr,
			       size_t hdrlen)
{
	return req_put(r, type, hdr, hdrlen);
}

static void req_nest_end(struct nlreq *r, struct rtattr *nest)
{
	if (!nest || r->overflow)
		return;
	nest->rta_len = (unsigned short)(r->buf + r->h.nlmsg_len - (char *)nest);
}

static const void *msg_data(const struct nlmsghdr *h)
{
	return (const char *)h + NLMSG_HDRLEN;
}

/* The next attribute in [*pos, end), NULL at the end or at a malformed
 * one. */
static const struct rtattr *attr_next(const char **pos, const char *end)
{
	if (*pos >= end || (size_t)(end - *pos) < sizeof(struct rtattr))
		return NULL;
	size_t left = (size_t)(end - *pos);
	const struct rtattr *a = (const struct rtattr *)*pos;
	if (a->rta_len < sizeof(struct rtattr) || a->rta_len > left)
		return NULL;
	size_t step = RTA_ALIGN(a->rta_len);
	*pos = step >= left ? end : *pos + step;
	return a;
}

static size_t attr_len(const struct rtattr *a)
{
	return a->rta_len - RTA_LENGTH(0);
}

static const void *attr_data(const struct rtattr *a)
{
	return (const char *)a + RTA_LENGTH(0);
}

/* The extended ack message of an NLMSG_ERROR, if it carries one. */
static void ack_ext_msg(const struct nlmsghdr *h, const struct nlmsgerr *ne, struct nlans *ans)
{
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	size_t off = NLMSG_HDRLEN + sizeof(*ne);
	if (!(h->nlmsg_flags & NLM_F_CAPPED)) {
		if (ne->msg.nlmsg_len < sizeof(ne->msg))
			return;
		off += NLMSG_ALIGN(ne->msg.nlmsg_len - sizeof(ne->msg));
	}
	if (off >= h->nlmsg_len)
		return;
	const char *pos = (const char *)h + off, *end = (const char *)h + h->nlmsg_len;
	const struct rtattr *a;
	while ((a = attr_next(&pos, end))) {
		if (a->rta_type != NLMSGERR_ATTR_MSG || attr_len(a) == 0)
			continue;
		size_t n = strnlen(attr_data(a), attr_len(a));
		if (n >= sizeof(ans->ext))
			n = sizeof(ans->ext) - 1;
		memcpy(ans->ext, attr_data(a), n);
		ans->ext[n] = '\0';
		while (n > 0 && ans->ext[n - 1] == '\n')
			ans->ext[--n] = '\0';
		return;
	}
}

/* Handle one message of the reply to request seq.  Returns 1 when it ends
 * the reply, 0 to read on; *first_err keeps the first error seen. */
static int handle_msg(const struct nlmsghdr *h, bool dump, nl_msg_fn fn, void *userdata,
		      struct nlans *ans, int *first_err)
{
	switch (h->nlmsg_type) {
	case NLMSG_NOOP:
		return 0;
	case NLMSG_ERROR: {
		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
			if (!*first_err)
				*first_err = EBADMSG;
			return 1;
		}
		const struct nlmsgerr *ne = msg_data(h);
		if (ne->error < 0 && !*first_err) {
			*first_err = -ne->error;
			ack_ext_msg(h, ne, ans);
		}
		return 1;
	}
	case NLMSG_DONE:
		if (!dump)
			return 0;
		if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
			int v;
			memcpy(&v, msg_data(h), sizeof(v));
			if (v < 0 && !*first_err)
				*first_err = -v;
		}
		return 1;
	default:
		if (fn && !*first_err) {
			int r = fn(h, userdata);
			if (r < 0)
				*first_err = -r;
		}
		return 0;
	}
}

/* Send r and read its replies, passing each to fn.  Returns 0, or -1 with
 * ans filled in. */
static int nl_call(struct nl *nl, struct nlreq *r, nl_msg_fn fn, void *userdata,
		   struct nlans *ans)
{
	ans->errnum = 0;
	ans->ext[0] = '\0';
	if (r->overflow) {
		ans->errnum = EMSGSIZE;
		return -1;
	}
	bool dump = (r->h.nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	uint32_t seq = ++nl->seq;
	if (seq == 0)
		seq = ++nl->seq;
	r->h.nlmsg_seq = seq;

	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	ssize_t n;
	do
		n = sendto(nl->fd, r->buf, r->h.nlmsg_len, 0, (struct sockaddr *)&kernel,
			   sizeof(kernel));
	while (n < 0 && errno == EINTR);
	if (n < 0 || (size_t)n != r->h.nlmsg_len) {
		ans->errnum = n < 0 ? errno : EIO;
		return -1;
	}

	_cleanup_free_ char *buf = xmalloc(NL_RECV_SIZE);
	int first_err = 0;
	for (;;) {
		struct sockaddr_nl from;
		struct iovec iov = {.iov_base = buf, .iov_len = NL_RECV_SIZE};
		struct msghdr mh = {
			.msg_name = &from,
			.msg_namelen = sizeof(from),
			.msg_iov = &iov,
			.msg_iovlen = 1,
		};
		do
			n = recvmsg(nl->fd, &mh, 0);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			ans->errnum = errno;
			return -1;
		}
		if (mh.msg_flags & MSG_TRUNC) {
			ans->errnum = EMSGSIZE;
			return -1;
		}
		if (mh.msg_namelen < sizeof(from) || from.nl_pid != 0)
			continue; /* not from the kernel */
		size_t len = (size_t)n, off = 0;
		while (len - off >= NLMSG_HDRLEN) {
			const struct nlmsghdr *h = (const struct nlmsghdr *)(buf + off);
			if (h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_len > len - off) {
				ans->errnum = EBADMSG;
				return -1;
			}
			size_t step = NLMSG_ALIGN(h->nlmsg_len);
			off = step >= len - off ? len : off + step;
			if (h->nlmsg_seq != seq)
				continue; /* a late reply to an earlier request */
			if (handle_msg(h, dump, fn, userdata, ans, &first_err)) {
				ans->errnum = first_err;
				return first_err ? -1 : 0;
			}
		}
	}
}

/* Report a failed request: "<what>: <kernel's message>: <strerror>". */
static _printf_(3, 4) int nl_fail(struct err *e, const struct nlans *ans, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *what = xvasprintf(fmt, ap);
	va_end(ap);
	/* ENODEV: the kernel's "no such link". */
	enum err_kind kind =
		ans->errnum == ENODEV ? ERR_NOT_FOUND : err_kind_from_errno(ans->errnum);
	if (ans->ext[0])
		return err_sysk(e, kind, ans->errnum, "%s: %s", what, ans->ext);
	return err_sysk(e, kind, ans->errnum, "%s", what);
}

/* What the kernel accepts as a link name (dev_valid_name()). */
static int check_name(const char *name, struct err *e)
{
	if (!name || !name[0] || strlen(name) >= IFNAMSIZ || streq(name, ".") ||
	    streq(name, ".."))
		return err_set(e, ERR_INVALID, "invalid link name \"%s\"", name ? name : "");
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || *p == ' ' || (*p >= '\t' && *p <= '\r'))
			return err_set(e, ERR_INVALID, "invalid link name \"%s\"", name);
	return 0;
}

static int check_index(int ifindex, struct err *e)
{
	if (ifindex <= 0)
		return err_set(e, ERR_INVALID, "invalid link index %d", ifindex);
	return 0;
}

static uint32_t prefix_mask(unsigned prefix)
{
	return prefix == 0 ? 0 : htonl(UINT32_MAX << (32 - prefix));
}

int nl_open(struct nl *nl, struct err *e)
{
	nl->fd = -1;
	nl->seq = 0;
	_cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return err_sys(e, errno, "netlink: socket");
	/* Best effort: the kernel's explanation of an error, and acks that do
	 * not echo the request. */
	int one = 1;
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return err_sys(e, errno, "netlink: bind");
	nl->fd = TAKE_FD(fd);
	return 0;
}

void nl_close(struct nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

static int link_index_cb(const struct nlmsghdr *h, void *userdata)
{
	if (h->nlmsg_type != RTM_NEWLINK)
		return 0;
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
		return -EBADMSG;
	const struct ifinfomsg *ifi = msg_data(h);
	*(int *)userdata = ifi->ifi_index;
	return 0;
}

int nl_link_index(struct nl *nl, const char *name, struct err *e)
{
	if (check_name(name, e) < 0)
		return -1;
	struct nlreq r;
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	req_init(&r, RTM_GETLINK, NLM_F_ACK, &ifi, sizeof(ifi));
	req_put_str(&r, IFLA_IFNAME, name);
	struct nlans ans;
	int index = 0;
	if (nl_call(nl, &r, link_index_cb, &index, &ans) < 0) {
		if (ans.errnum == ENODEV)
			return 0;
		return nl_fail(e, &ans, "look up link \"%s\"", name);
	}
	if (index <= 0)
		return err_set(e, ERR_IO, "look up link \"%s\": no index in the kernel's reply",
			       name);
	return index;
}

int nl_bridge_add(struct nl *nl, const char *name, bool exists_ok, struct err *e)
{
	if (check_name(name, e) < 0)
		return -1;
	struct nlreq r;
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	req_init(&r, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
	req_put_str(&r, IFLA_IFNAME, name);
	struct rtattr *linkinfo = req_nest(&r, IFLA_LINKINFO, NULL, 0);
	req_put_str(&r, IFLA_INFO_KIND, "bridge");
	req_nest_end(&r, linkinfo);
	struct nlans ans;
	if (nl_call(nl, &r, NULL, NULL, &ans) < 0) {
		if (ans.errnum == EEXIST && exists_ok)
			return 0;
		return nl_fail(e, &ans, "create bridge \"%s\"", name);
	}
	return 0;
}

int nl_veth_add(struct nl *nl, const char *name, const char *peer_name, int netns_fd,
		unsigned mtu, struct err *e)
{
	if (check_name(name, e) < 0 || check_name(peer_name, e) < 0)
		return -1;
	struct nlreq r;
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	req_init(&r, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
	req_put_str(&r, IFLA_IFNAME, name);
	if (mtu)
		req_put_u32(&r, IFLA_MTU, mtu);
	struct rtattr *linkinfo = req_nest(&r, IFLA_LINKINFO, NULL, 0);
	req_put_str(&r, IFLA_INFO_KIND, "veth");
	struct rtattr *data = req_nest(&r, IFLA_INFO_DATA, NULL, 0);
	struct rtattr *peer = req_nest(&r, VETH_INFO_PEER, &ifi, sizeof(ifi));
	req_put_str(&r, IFLA_IFNAME, peer_name);
	if (netns_fd >= 0)
		req_put_u32(&r, IFLA_NET_NS_FD, (uint32_t)netns_fd);
	if (mtu)
		req_put_u32(&r, IFLA_MTU, mtu);
	req_nest_end(&r, peer);
	req_nest_end(&r, data);
	req_nest_end(&r, linkinfo);
	struct nlans ans;
	if (nl_call(nl, &r, NULL, NULL, &ans) < 0)
		return nl_fail(e, &ans, "create veth \"%s\" (peer \"%s\")", name, peer_name);
	return 0;
}

int nl_link_up(struct nl *nl, int ifindex, int master, struct err *e)
{
	if (check_index(ifindex, e) < 0)
		return -1;
	if (master < 0)
		return err_set(e, ERR_INVALID, "invalid master link index %d", master);
	struct nlreq r;
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_index = ifindex,
		.ifi_flags = IFF_UP,
		.ifi_change = IFF_UP,
	};
	req_init(&r, RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof(ifi));
	if (master > 0)
		req_put_u32(&r, IFLA_MASTER, (uint32_t)master);
	struct nlans ans;
	if (nl_call(nl, &r, NULL, NULL, &ans) < 0) {
		if (master > 0)
			return nl_fail(e, &ans, "attach link %d to %d and bring it up", ifindex,
				       master);
		return nl_fail(e, &ans, "bring up link %d", ifindex);
	}
	return 0;
}

int nl_link_del(struct nl *nl, const char *name, bool missing_ok, struct err *e)
{
	if (check_name(name, e) < 0)
		return -1;
	struct nlreq r;
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	req_init(&r, RTM_DELLINK, NLM_F_ACK, &ifi, sizeof(ifi));
	req_put_str(&r, IFLA_IFNAME, name);
	struct nlans ans;
	if (nl_call(nl, &r, NULL, NULL, &ans) < 0) {
		if (ans.errnum == ENODEV && missing_ok)
			return 0;
		return nl_fail(e, &ans, "delete link \"%s\"", name);
	}
	return 0;
}

int nl_addr_add(struct nl *nl, int ifindex, struct in_addr addr, unsigned prefix, struct err *e)
{
	char a[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &addr, a, sizeof(a));
	if (check_index(ifindex, e) < 0)
		return -1;
	if (prefix > 32)
		return err_set(e, ERR_INVALID, "address %s/%u: invalid prefix length", a, prefix);
	struct nlreq r;
	struct ifaddrmsg ifa = {
		.ifa_family = AF_INET,
		.ifa_prefixlen = (unsigned char)prefix,
		.ifa_scope = RT_SCOPE_UNIVERSE,
		.ifa_index = (uint32_t)ifindex,
	};
	req_init(&r, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof(ifa));
	req_put(&r, IFA_LOCAL, &addr, sizeof(addr));
	req_put(&r, IFA_ADDRESS, &addr, sizeof(addr));
	if (prefix < 31) {
		struct in_addr brd = {.s_addr = addr.s_addr | ~prefix_mask(prefix)};
		req_put(&r, IFA_BROADCAST, &brd, sizeof(brd));
	}
	struct nlans ans;
	if (nl_call(nl, &r, NULL, NULL, &ans) < 0) {
		if (ans.errnum == EEXIST)
			return 0;
		return nl_fail(e, &ans, "add address %s/%u to link %d", a, prefix, ifindex);
	}
	return 0;
}

int nl_route_default(struct nl *nl, int ifindex, struct in_addr gw, struct err *e)
{
	char g[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &gw, g, sizeof(g));
	if (check_index(ifindex, e) < 0)
		return -1;
	struct nlreq r;
	struct rtmsg rt = {
		.rtm_family = AF_INET,
		.rtm_dst_len = 0,
		.rtm_table = RT_TABLE_MAIN,
		.rtm_protocol = RTPROT_BOOT,
		.rtm_scope = RT_SCOPE_UNIVERSE,
		.rtm_type = RTN_UNICAST,
	};
	req_init(&r, RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &rt, sizeof(rt));
	req_put(&r, RTA_GATEWAY, &gw, sizeof(gw));
	req_put_u32(&r, RTA_OIF, (uint32_t)ifindex);
	struct nlans ans;
	if (nl_call(nl, &r, NULL, NULL, &ans) < 0)
		return nl_fail(e, &ans, "add default route via %s on link %d", g, ifindex);
	return 0;
}

struct overlap {
	uint32_t net; /* network byte order */
	unsigned prefix;
	bool found;
};

static int route_overlap_cb(const struct nlmsghdr *h, void *userdata)
{
	struct overlap *o = userdata;
	if (h->nlmsg_type != RTM_NEWROUTE)
		return 0;
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct rtmsg)))
		return -EBADMSG;
	const struct rtmsg *rt = msg_data(h);
	if (rt->rtm_family != AF_INET || rt->rtm_dst_len == 0 || rt->rtm_dst_len > 32)
		return 0;
	uint32_t table = rt->rtm_table, dst = 0;
	bool have_dst = false;
	const char *pos = (const char *)rt + NLMSG_ALIGN(sizeof(*rt));
	const char *end = (const char *)h + h->nlmsg_len;
	const struct rtattr *a;
	while ((a = attr_next(&pos, end))) {
		if (a->rta_type == RTA_TABLE && attr_len(a) >= sizeof(uint32_t)) {
			memcpy(&table, attr_data(a), sizeof(table));
		} else if (a->rta_type == RTA_DST && attr_len(a) >= sizeof(dst)) {
			memcpy(&dst, attr_data(a), sizeof(dst));
			have_dst = true;
		}
	}
	if (table != RT_TABLE_MAIN || !have_dst)
		return 0;
	unsigned p = rt->rtm_dst_len < o->prefix ? rt->rtm_dst_len : o->prefix;
	uint32_t mask = prefix_mask(p);
	if ((dst & mask) == (o->net & mask))
		o->found = true;
	return 0;
}

int nl_route_overlaps(struct nl *nl, struct in_addr net, unsigned prefix, struct err *e)
{
	if (prefix > 32) {
		char a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &net, a, sizeof(a));
		return err_set(e, ERR_INVALID, "network %s/%u: invalid prefix length", a, prefix);
	}
	struct nlreq r;
	struct rtmsg rt = {.rtm_family = AF_INET};
	req_init(&r, RTM_GETROUTE, NLM_F_DUMP, &rt, sizeof(rt));
	struct overlap o = {.net = net.s_addr, .prefix = prefix};
	struct nlans ans;
	if (nl_call(nl, &r, route_overlap_cb, &o, &ans) < 0)
		return nl_fail(e, &ans, "list IPv4 routes");
	return o.found ? 1 : 0;
}

int nl_link_set_mac(struct nl *nl, int ifindex, const unsigned char mac[6], struct err *e)
{
	if (check_index(ifindex, e) < 0)
		return -1;
	struct nlreq r;
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = ifindex};
	req_init(&r, RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof(ifi));
	req_put(&r, IFLA_ADDRESS, mac, 6);
	struct nlans ans;
	if (nl_call(nl, &r, NULL, NULL, &ans) < 0)
		return nl_fail(e, &ans,
			       "set the MAC address of link %d to %02x:%02x:%02x:%02x:%02x:%02x",
			       ifindex, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return 0;
}
