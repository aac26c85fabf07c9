/* nft.c: see nft.h.  The table is made and changed with nf_tables
 * netlink batches, as nft(8) would send them (its --debug=netlink shows
 * the same expressions), without running nft: a program start costs more
 * than the whole change. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "base/util.h"
#include "base/fs-util.h"
#include "net/nft.h"

/* nft's datatype numbers (only for `nft list` to print the maps' types):
 * ipv4_addr 7, inet_proto 12, inet_service 13; a concatenation is
 * (a << 6 | b). */
#define T_ADDR 7u
#define T_PROTO 12u
#define T_SERVICE 13u
#define CONCAT(a, b) (((a) << 6) | (b))

#define BUF_SIZE 16384

struct batch {
	char buf[BUF_SIZE];
	size_t len;
	uint32_t seq, first;
	unsigned msgs; /* messages that will be acked */
	bool overflow;
};

struct msg {
	struct batch *b;
	size_t start; /* offset of the nlmsghdr */
};

static void *room(struct batch *b, size_t n)
{
	size_t al = NLMSG_ALIGN(n);
	if (b->overflow || b->len + al > sizeof(b->buf)) {
		b->overflow = true;
		return NULL;
	}
	void *p = b->buf + b->len;
	memset(p, 0, al);
	b->len += al;
	return p;
}

static struct msg msg_begin(struct batch *b, uint16_t type, uint16_t flags, uint16_t res_id)
{
	struct msg m = {.b = b, .start = b->len};
	struct nlmsghdr *h = room(b, sizeof(*h));
	struct nfgenmsg *g = room(b, sizeof(*g));
	if (h && g) {
		h->nlmsg_type = type;
		h->nlmsg_flags = NLM_F_REQUEST | flags;
		h->nlmsg_seq = b->seq++;
		g->nfgen_family = NFPROTO_IPV4;
		g->version = NFNETLINK_V0;
		g->res_id = htons(res_id);
	}
	return m;
}

static void msg_end(struct msg *m)
{
	if (m->b->overflow)
		return;
	struct nlmsghdr *h = (struct nlmsghdr *)(m->b->buf + m->start);
	h->nlmsg_len = (uint32_t)(m->b->len - m->start);
}

static struct msg obj(struct batch *b, uint8_t type, uint16_t flags)
{
	b->msgs++;
	return msg_begin(b, (uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | type), flags | NLM_F_ACK, 0);
}

static void attr(struct batch *b, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = room(b, NLA_HDRLEN + len);
	if (!a)
		return;
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
}

static void attr_str(struct batch *b, uint16_t type, const char *s)
{
	attr(b, type, s, strlen(s) + 1);
}

static void attr_u32(struct batch *b, uint16_t type, uint32_t v)
{
	uint32_t be = htonl(v);
	attr(b, type, &be, sizeof(be));
}

static size_t nest_begin(struct batch *b, uint16_t type)
{
	size_t at = b->len;
	struct nlattr *a = room(b, NLA_HDRLEN);
	if (a)
		a->nla_type = (uint16_t)(type | NLA_F_NESTED);
	return at;
}

static void nest_end(struct batch *b, size_t at)
{
	if (b->overflow)
		return;
	struct nlattr *a = (struct nlattr *)(b->buf + at);
	a->nla_len = (uint16_t)(b->len - at);
}

/* NFTA_DATA_VALUE inside a nested attribute. */
static void attr_value(struct batch *b, uint16_t type, const void *data, size_t len)
{
	size_t n = nest_begin(b, type);
	attr(b, NFTA_DATA_VALUE, data, len);
	nest_end(b, n);
}

/* ---- expressions ---- */

static size_t expr_begin(struct batch *b, const char *name)
{
	size_t e = nest_begin(b, NFTA_LIST_ELEM);
	attr_str(b, NFTA_EXPR_NAME, name);
	return e;
}

static void expr_payload(struct batch *b, uint32_t base, uint32_t off, uint32_t len, uint32_t reg)
{
	size_t e = expr_begin(b, "payload"), d = nest_begin(b, NFTA_EXPR_DATA);
	attr_u32(b, NFTA_PAYLOAD_DREG, reg);
	attr_u32(b, NFTA_PAYLOAD_BASE, base);
	attr_u32(b, NFTA_PAYLOAD_OFFSET, off);
	attr_u32(b, NFTA_PAYLOAD_LEN, len);
	nest_end(b, d);
	nest_end(b, e);
}

static void expr_meta(struct batch *b, uint32_t key, uint32_t reg)
{
	size_t e = expr_begin(b, "meta"), d = nest_begin(b, NFTA_EXPR_DATA);
	attr_u32(b, NFTA_META_KEY, key);
	attr_u32(b, NFTA_META_DREG, reg);
	nest_end(b, d);
	nest_end(b, e);
}

static void expr_cmp(struct batch *b, uint32_t op, uint32_t reg, const void *v, size_t len)
{
	size_t e = expr_begin(b, "cmp"), d = nest_begin(b, NFTA_EXPR_DATA);
	attr_u32(b, NFTA_CMP_SREG, reg);
	attr_u32(b, NFTA_CMP_OP, op);
	attr_value(b, NFTA_CMP_DATA, v, len);
	nest_end(b, d);
	nest_end(b, e);
}

static void expr_bitwise(struct batch *b, uint32_t reg, uint32_t mask_be)
{
	uint32_t zero = 0;
	size_t e = expr_begin(b, "bitwise"), d = nest_begin(b, NFTA_EXPR_DATA);
	attr_u32(b, NFTA_BITWISE_SREG, reg);
	attr_u32(b, NFTA_BITWISE_DREG, reg);
	attr_u32(b, NFTA_BITWISE_LEN, 4);
	attr_value(b, NFTA_BITWISE_MASK, &mask_be, 4);
	attr_value(b, NFTA_BITWISE_XOR, &zero, 4);
	nest_end(b, d);
	nest_end(b, e);
}

/* ip saddr|daddr (offset 12|16) in net: op. */
static void match_net(struct batch *b, uint32_t off, const struct ipv4_net *net, uint32_t op)
{
	uint32_t mask = net->prefix ? htonl(0xffffffffu << (32 - net->prefix)) : 0;
	expr_payload(b, NFT_PAYLOAD_NETWORK_HEADER, off, 4, NFT_REG_1);
	expr_bitwise(b, NFT_REG_1, mask);
	expr_cmp(b, op, NFT_REG_1, &net->net.s_addr, 4);
}

static void expr_fib_local_daddr(struct batch *b)
{
	size_t e = expr_begin(b, "fib"), d = nest_begin(b, NFTA_EXPR_DATA);
	attr_u32(b, NFTA_FIB_DREG, NFT_REG_1);
	attr_u32(b, NFTA_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
	attr_u32(b, NFTA_FIB_FLAGS, NFTA_FIB_F_DADDR);
	nest_end(b, d);
	nest_end(b, e);
	uint32_t local = RTN_LOCAL; /* host order: the register holds a u32 */
	expr_cmp(b, NFT_CMP_EQ, NFT_REG_1, &local, 4);
}

static void expr_lookup(struct batch *b, const char *set, uint32_t set_id)
{
	size_t e = expr_begin(b, "lookup"), d = nest_begin(b, NFTA_EXPR_DATA);
	attr_str(b, NFTA_LOOKUP_SET, set);
	attr_u32(b, NFTA_LOOKUP_SET_ID, set_id);
	attr_u32(b, NFTA_LOOKUP_SREG, NFT_REG_1);
	attr_u32(b, NFTA_LOOKUP_DREG, NFT_REG_1);
	nest_end(b, d);
	nest_end(b, e);
}

/* dnat to the address in reg 1, the port in reg 9 (a map's data). */
static void expr_dnat(struct batch *b)
{
	size_t e = expr_begin(b, "nat"), d = nest_begin(b, NFTA_EXPR_DATA);
	attr_u32(b, NFTA_NAT_TYPE, NFT_NAT_DNAT);
	attr_u32(b, NFTA_NAT_FAMILY, NFPROTO_IPV4);
	attr_u32(b, NFTA_NAT_REG_ADDR_MIN, NFT_REG_1);
	attr_u32(b, NFTA_NAT_REG_PROTO_MIN, NFT_REG32_01);
	nest_end(b, d);
	nest_end(b, e);
}

static void expr_masq(struct batch *b)
{
	size_t e = expr_begin(b, "masq");
	nest_end(b, e);
}

/* A verdict: NF_DROP, or NFT_JUMP to chain. */
static void expr_verdict(struct batch *b, int code, const char *chain)
{
	size_t e = expr_begin(b, "immediate"), d = nest_begin(b, NFTA_EXPR_DATA);
	attr_u32(b, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
	size_t data = nest_begin(b, NFTA_IMMEDIATE_DATA);
	size_t v = nest_begin(b, NFTA_DATA_VERDICT);
	attr_u32(b, NFTA_VERDICT_CODE, (uint32_t)code);
	if (chain)
		attr_str(b, NFTA_VERDICT_CHAIN, chain);
	nest_end(b, v);
	nest_end(b, data);
	nest_end(b, d);
	nest_end(b, e);
}

/* ---- objects ---- */

static void table_new(struct batch *b, const char *table)
{
	struct msg m = obj(b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	attr_str(b, NFTA_TABLE_NAME, table);
	msg_end(&m);
}

/* A chain; a base chain (hook >= 0) of type ("nat", "filter"). */
static void chain_new(struct batch *b, const char *table, const char *name, const char *type,
		      int hook, int prio)
{
	struct msg m = obj(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
	attr_str(b, NFTA_CHAIN_TABLE, table);
	attr_str(b, NFTA_CHAIN_NAME, name);
	if (hook >= 0) {
		size_t h = nest_begin(b, NFTA_CHAIN_HOOK);
		attr_u32(b, NFTA_HOOK_HOOKNUM, (uint32_t)hook);
		attr_u32(b, NFTA_HOOK_PRIORITY, (uint32_t)prio);
		nest_end(b, h);
		attr_u32(b, NFTA_CHAIN_POLICY, NF_ACCEPT);
		attr_str(b, NFTA_CHAIN_TYPE, type);
	}
	msg_end(&m);
}

static void chain_flush(struct batch *b, const char *table, const char *name)
{
	struct msg m = obj(b, NFT_MSG_DELRULE, 0);
	attr_str(b, NFTA_RULE_TABLE, table);
	attr_str(b, NFTA_RULE_CHAIN, name);
	msg_end(&m);
}

static void map_new(struct batch *b, const char *table, const char *name, uint32_t id,
		    uint32_t ktype, uint32_t klen, uint32_t dtype, uint32_t dlen)
{
	struct msg m = obj(b, NFT_MSG_NEWSET, NLM_F_CREATE);
	attr_str(b, NFTA_SET_TABLE, table);
	attr_str(b, NFTA_SET_NAME, name);
	attr_u32(b, NFTA_SET_FLAGS, NFT_SET_MAP);
	attr_u32(b, NFTA_SET_KEY_TYPE, ktype);
	attr_u32(b, NFTA_SET_KEY_LEN, klen);
	attr_u32(b, NFTA_SET_DATA_TYPE, dtype);
	attr_u32(b, NFTA_SET_DATA_LEN, dlen);
	attr_u32(b, NFTA_SET_ID, id);
	msg_end(&m);
}

static struct msg rule_begin(struct batch *b, const char *table, const char *chain, size_t *exprs)
{
	struct msg m = obj(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
	attr_str(b, NFTA_RULE_TABLE, table);
	attr_str(b, NFTA_RULE_CHAIN, chain);
	*exprs = nest_begin(b, NFTA_RULE_EXPRESSIONS);
	return m;
}

static void rule_end(struct batch *b, struct msg *m, size_t exprs)
{
	nest_end(b, exprs);
	msg_end(m);
}

#define MAP_ANY_ID 1
#define MAP_IP_ID 2

/* A map's key and data: the registers are 32 bits each, values padded. */
struct elem {
	unsigned char key[12], data[8];
	size_t klen;
	bool by_ip;
};

static struct elem elem_of(const struct nft_port *p)
{
	struct elem e;
	memset(&e, 0, sizeof(e));
	size_t k = 0;
	e.by_ip = p->host_ip.s_addr != 0;
	if (e.by_ip) {
		memcpy(e.key, &p->host_ip.s_addr, 4);
		k = 4;
	}
	e.key[k] = p->udp ? IPPROTO_UDP : IPPROTO_TCP;
	uint16_t hp = htons(p->host_port), cp = htons(p->port);
	memcpy(e.key + k + 4, &hp, 2);
	e.klen = k + 8;
	memcpy(e.data, &p->ip.s_addr, 4);
	memcpy(e.data + 4, &cp, 2);
	return e;
}

static void elems(struct batch *b, uint8_t type, const char *table, const struct nft_port *p,
		  size_t n, bool by_ip)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		count += (p[i].host_ip.s_addr != 0) == by_ip;
	if (!count)
		return;
	struct msg m = obj(b, type, type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0);
	attr_str(b, NFTA_SET_ELEM_LIST_TABLE, table);
	attr_str(b, NFTA_SET_ELEM_LIST_SET, by_ip ? "pmap_ip" : "pmap_any");
	size_t list = nest_begin(b, NFTA_SET_ELEM_LIST_ELEMENTS);
	for (size_t i = 0; i < n; i++) {
		if ((p[i].host_ip.s_addr != 0) != by_ip)
			continue;
		struct elem e = elem_of(&p[i]);
		size_t el = nest_begin(b, NFTA_LIST_ELEM);
		attr_value(b, NFTA_SET_ELEM_KEY, e.key, e.klen);
		if (type == NFT_MSG_NEWSETELEM)
			attr_value(b, NFTA_SET_ELEM_DATA, e.data, 8);
		nest_end(b, el);
	}
	nest_end(b, list);
	msg_end(&m);
}

/* ---- sending ---- */

static void batch_init(struct batch *b)
{
	b->len = 0;
	b->msgs = 0;
	b->overflow = false;
	b->seq = b->first = (uint32_t)time(NULL);
	struct msg m = msg_begin(b, NFNL_MSG_BATCH_BEGIN, 0, NFNL_SUBSYS_NFTABLES);
	msg_end(&m);
}

/* Send the batch; the first error the kernel reports for it, or 0. */
static int batch_send(struct batch *b, const char *what, struct err *e)
{
	struct msg m = msg_begin(b, NFNL_MSG_BATCH_END, 0, NFNL_SUBSYS_NFTABLES);
	msg_end(&m);
	if (b->overflow)
		return err_set(e, ERR_INTERNAL, "nftables: %s: too many rules for one batch", what);
	_cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0)
		return err_sys(e, errno, "nftables: netlink socket");
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	if (sendto(fd, b->buf, b->len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return err_sys(e, errno, "nftables: %s", what);
	unsigned acked = 0;
	int first_err = 0;
	static char rbuf[16384];
	while (acked < b->msgs) {
		ssize_t r = recv(fd, rbuf, sizeof(rbuf), 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return err_sys(e, errno, "nftables: %s: read the answer", what);
		size_t left = (size_t)r;
		for (struct nlmsghdr *h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			const struct nlmsgerr *er = NLMSG_DATA(h);
			acked++;
			if (er->error && !first_err)
				first_err = -er->error;
		}
		/* An error aborts the batch: the rest may not be answered. */
		if (first_err)
			break;
	}
	if (first_err)
		return err_sys(e, first_err, "nftables: %s", what);
	return 0;
}

/* ---- the interface ---- */

/* Write "1" to a /proc/sys file unless it says so already. */
static int sysctl_on(const char *path, struct err *e)
{
	_cleanup_free_ char *v = NULL;
	size_t len;
	if (read_file_at(AT_FDCWD, path, 64, &v, &len, NULL) == 0 && v[0] == '1')
		return 0;
	return write_file_at(AT_FDCWD, path, "1", e);
}

static const struct ipv4_net loopback = {.net = {.s_addr = 0x0000007f}, .prefix = 8};

static void match_ifname(struct batch *b, uint32_t key, const char *name, uint32_t op,
			 uint32_t reg)
{
	char v[16];
	memset(v, 0, sizeof(v));
	snprintf(v, sizeof(v), "%s", name);
	expr_meta(b, key, reg);
	expr_cmp(b, op, reg, v, sizeof(v));
}

/* The table, its maps and chains (made when missing), the rules of nets
 * (flushed and written again: never twice). */
static void define(struct batch *b, const char *table, const struct nft_net *nets, size_t nn)
{
	table_new(b, table);
	map_new(b, table, "pmap_any", MAP_ANY_ID, CONCAT(T_PROTO, T_SERVICE), 8,
		CONCAT(T_ADDR, T_SERVICE), 8);
	map_new(b, table, "pmap_ip", MAP_IP_ID, CONCAT(CONCAT(T_ADDR, T_PROTO), T_SERVICE), 12,
		CONCAT(T_ADDR, T_SERVICE), 8);
	chain_new(b, table, "publish", NULL, -1, 0);
	chain_new(b, table, "prerouting", "nat", NF_INET_PRE_ROUTING, NF_IP_PRI_NAT_DST);
	chain_new(b, table, "output", "nat", NF_INET_LOCAL_OUT, NF_IP_PRI_NAT_DST);
	chain_new(b, table, "postrouting", "nat", NF_INET_POST_ROUTING, NF_IP_PRI_NAT_SRC);
	chain_new(b, table, "forward", "filter", NF_INET_FORWARD, NF_IP_PRI_FILTER);
	static const char *const chains[] = {"publish", "prerouting", "output", "postrouting",
					     "forward"};
	for (size_t i = 0; i < ARRAY_SIZE(chains); i++)
		chain_flush(b, table, chains[i]);
	size_t x;
	struct msg m;
	/* publish: fib daddr type local dnat ip to ip daddr . meta l4proto
	 * . th dport map @pmap_ip; the same without the address, @pmap_any */
	m = rule_begin(b, table, "publish", &x);
	expr_fib_local_daddr(b);
	expr_payload(b, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, NFT_REG_1);
	expr_meta(b, NFT_META_L4PROTO, NFT_REG32_01);
	expr_payload(b, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG32_02);
	expr_lookup(b, "pmap_ip", MAP_IP_ID);
	expr_dnat(b);
	rule_end(b, &m, x);
	m = rule_begin(b, table, "publish", &x);
	expr_fib_local_daddr(b);
	expr_meta(b, NFT_META_L4PROTO, NFT_REG_1);
	expr_payload(b, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG32_01);
	expr_lookup(b, "pmap_any", MAP_ANY_ID);
	expr_dnat(b);
	rule_end(b, &m, x);
	for (size_t i = 1; i <= 2; i++) {
		m = rule_begin(b, table, chains[i], &x);
		expr_verdict(b, NFT_JUMP, "publish");
		rule_end(b, &m, x);
	}
	for (size_t k = 0; k < nn; k++) {
		const struct nft_net *n = &nets[k];
		/* What leaves the subnet for elsewhere, and what the host
		 * sends from its loopback to it (published ports), is
		 * masqueraded -- never for an internal network's. */
		if (!n->internal) {
			m = rule_begin(b, table, "postrouting", &x);
			match_net(b, 12, &n->subnet, NFT_CMP_EQ);
			match_net(b, 16, &n->subnet, NFT_CMP_NEQ);
			expr_masq(b);
			rule_end(b, &m, x);
		}
		m = rule_begin(b, table, "postrouting", &x);
		match_net(b, 12, &loopback, NFT_CMP_EQ);
		match_net(b, 16, &n->subnet, NFT_CMP_EQ);
		expr_masq(b);
		rule_end(b, &m, x);
		/* forward: an internal network has no way out or in; networks
		 * do not reach each other. */
		if (n->internal) {
			m = rule_begin(b, table, "forward", &x);
			match_ifname(b, NFT_META_IIFNAME, n->bridge, NFT_CMP_EQ, NFT_REG_1);
			match_ifname(b, NFT_META_OIFNAME, n->bridge, NFT_CMP_NEQ, NFT_REG_2);
			expr_verdict(b, NF_DROP, NULL);
			rule_end(b, &m, x);
			m = rule_begin(b, table, "forward", &x);
			match_ifname(b, NFT_META_OIFNAME, n->bridge, NFT_CMP_EQ, NFT_REG_1);
			match_ifname(b, NFT_META_IIFNAME, n->bridge, NFT_CMP_NEQ, NFT_REG_2);
			expr_verdict(b, NF_DROP, NULL);
			rule_end(b, &m, x);
		}
		for (size_t l = 0; l < nn; l++) {
			if (l == k)
				continue;
			m = rule_begin(b, table, "forward", &x);
			match_ifname(b, NFT_META_IIFNAME, n->bridge, NFT_CMP_EQ, NFT_REG_1);
			match_ifname(b, NFT_META_OIFNAME, nets[l].bridge, NFT_CMP_EQ, NFT_REG_2);
			expr_verdict(b, NF_DROP, NULL);
			rule_end(b, &m, x);
		}
	}
}

int nft_sync(const char *table, const struct nft_net *nets, size_t nn, const struct nft_port *add,
	     size_t na, const struct nft_port *del, size_t nd, struct err *e)
{
	struct batch *b = xnew(struct batch, 1);
	if (nn == 0) {
		/* Nothing needs it; gone already is fine. */
		batch_init(b);
		struct msg m = obj(b, NFT_MSG_DELTABLE, 0);
		attr_str(b, NFTA_TABLE_NAME, table);
		msg_end(&m);
		(void)batch_send(b, "delete the table", NULL);
		free(b);
		return 0;
	}
	if (sysctl_on("/proc/sys/net/ipv4/ip_forward", e) < 0) {
		free(b);
		return -1;
	}
	for (size_t k = 0; k < nn; k++) {
		_cleanup_free_ char *rl =
			xasprintf("/proc/sys/net/ipv4/conf/%s/route_localnet", nets[k].bridge);
		if (sysctl_on(rl, e) < 0) {
			free(b);
			return -1;
		}
	}
	batch_init(b);
	define(b, table, nets, nn);
	elems(b, NFT_MSG_DELSETELEM, table, del, nd, false);
	elems(b, NFT_MSG_DELSETELEM, table, del, nd, true);
	elems(b, NFT_MSG_NEWSETELEM, table, add, na, false);
	elems(b, NFT_MSG_NEWSETELEM, table, add, na, true);
	int r = batch_send(b, "update the rules", nd ? NULL : e);
	if (r < 0 && nd) {
		/* A batch fails whole: some of the ports to remove were gone
		 * already.  Without them, then each alone. */
		batch_init(b);
		define(b, table, nets, nn);
		elems(b, NFT_MSG_NEWSETELEM, table, add, na, false);
		elems(b, NFT_MSG_NEWSETELEM, table, add, na, true);
		r = batch_send(b, "update the rules", e);
		for (size_t i = 0; i < nd; i++) {
			batch_init(b);
			elems(b, NFT_MSG_DELSETELEM, table, &del[i], 1, del[i].host_ip.s_addr != 0);
			(void)batch_send(b, "remove a published port", NULL);
		}
	}
	free(b);
	return r;
}
