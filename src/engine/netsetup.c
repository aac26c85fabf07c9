/* netsetup.c: a container's networks while it runs.
 *
 * At start, before the container's process exists: its network namespace
 * (bound at <runroot>/netns/<id>, which config.json names), an address
 * lease, its published ports' leases, the bridge (made once), a veth pair
 * whose peer is the container's eth0, the address and default route
 * inside, Berth's nftables table (one nf_tables batch), and on every
 * network but the default one its names for berth-dns (started with the
 * network's first container).  More networks (--network again, network
 * connect) are eth1, eth2...; a CNI network's plugins do all of it
 * instead.  At stop the same in reverse, from what is on disk (the leases
 * and the CNI cache say what the container holds), so a second teardown,
 * or one after a crash, does what is left.  The namespace is made first
 * and removed last: where it is gone, nothing of the container's network
 * is left (its veth pairs go with it). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "base/fs-util.h"
#include "base/lock.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "engine/internal.h"
#include "engine/ports.h"
#include "net/cni.h"
#include "net/ipam.h"
#include "net/netlink.h"
#include "net/netns.h"
#include "net/network.h"
#include "net/nft.h"
#include "runtime/status.h"

bool engine_net_bridged(const char *network)
{
	return network && *network && strcmp(network, "none") != 0 &&
	       strcmp(network, "host") != 0 && strncmp(network, "container:", 10) != 0;
}

char *engine_netns_path(const struct engine *en, const char *id)
{
	return xasprintf("%s/netns/%s", en->runroot, id);
}

/* The host's end of the container's index-th interface (eth<index>). */
static void veth_name(const char *id, unsigned index, char out[16])
{
	if (index == 0)
		snprintf(out, 16, "vb%.12s", id);
	else
		snprintf(out, 16, "vb%.10s-%u", id, index % 100);
}

static char *ports_dir(const struct engine *en)
{
	return xasprintf("%s/networks/ports", en->runroot);
}

static int net_lock(const struct engine *en, struct err *e)
{
	_cleanup_free_ char *dir = xasprintf("%s/networks", en->runroot);
	if (mkdir_p(dir, 0700, e) < 0)
		return -1;
	_cleanup_free_ char *p = xasprintf("%s/lock", dir);
	return lock_path_at(AT_FDCWD, p, LOCK_MODE_EXCLUSIVE, e);
}

/* ---- published ports ---- */

/* A lease "<tcp|udp>-<port>": "<owner>\n<map>\n<container ip>\n". */
static int port_take(int dfd, const struct port_map *m, const char *owner, struct in_addr ip)
{
	char name[32], cip[INET_ADDRSTRLEN];
	snprintf(name, sizeof(name), "%s-%u", m->udp ? "udp" : "tcp", m->host_port);
	inet_ntop(AF_INET, &ip, cip, sizeof(cip));
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	_cleanup_free_ char *enc = port_map_encode(m);
	_cleanup_free_ char *text = xasprintf("%s\n%s\n%s\n", owner, enc, cip);
	int r = write_all(fd, text, strlen(text));
	close(fd);
	if (r < 0)
		(void)unlinkat(dfd, name, 0);
	return r;
}

/* Whether a host socket holds the port (bind says so). */
static bool port_busy(const struct port_map *m, uint16_t *chosen)
{
	int s = socket(AF_INET, (m->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	if (s < 0)
		return false;
	int one = 1;
	if (!m->udp)
		(void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(m->host_port),
				.sin_addr = m->host_ip};
	bool busy = bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 && errno == EADDRINUSE;
	if (!busy && chosen) {
		socklen_t l = sizeof(a);
		*chosen = getsockname(s, (struct sockaddr *)&a, &l) == 0 ? ntohs(a.sin_port) : 0;
	}
	close(s);
	return busy;
}

static int ports_take(const struct engine *en, const struct container *c, struct in_addr ip,
		      struct port_map *maps, size_t n, struct err *e)
{
	if (n == 0)
		return 0;
	_cleanup_free_ char *dir = ports_dir(en);
	if (mkdir_p(dir, 0700, e) < 0)
		return -1;
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(e, errno, "ports \"%s\"", dir);
	for (size_t i = 0; i < n; i++) {
		struct port_map *m = &maps[i];
		char hip[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &m->host_ip, hip, sizeof(hip));
		if (m->host_port == 0) {
			/* A free one: the kernel's choice of an ephemeral port,
			 * then ours (another container may hold it). */
			int r = -EEXIST;
			for (int tries = 0; tries < 64 && r == -EEXIST; tries++) {
				struct port_map any = *m;
				uint16_t p = 0;
				if (port_busy(&any, &p) || p == 0)
					continue;
				m->host_port = p;
				r = port_take(dfd, m, c->id, ip);
				if (r < 0)
					m->host_port = 0;
			}
			if (r < 0)
				return err_sys(e, r, "no free host port for %u/%s", m->port,
					       m->udp ? "udp" : "tcp");
			continue;
		}
		int r = port_take(dfd, m, c->id, ip);
		if (r == -EEXIST)
			return err_set(e, ERR_CONFLICT,
				       "Bind for %s:%u failed: port is already allocated", hip,
				       m->host_port);
		if (r < 0)
			return err_sys(e, r, "lease of port %u", m->host_port);
		if (port_busy(m, NULL)) {
			char name[32];
			snprintf(name, sizeof(name), "%s-%u", m->udp ? "udp" : "tcp", m->host_port);
			(void)unlinkat(dfd, name, 0);
			return err_set(e, ERR_CONFLICT,
				       "listen %s %s:%u: bind: address already in use",
				       m->udp ? "udp" : "tcp", hip, m->host_port);
		}
	}
	return 0;
}

/* The owner's port leases as nftables elements; the leases removed. */
static size_t ports_give_back(const struct engine *en, const char *owner, struct nft_port **ret)
{
	*ret = NULL;
	_cleanup_free_ char *dir = ports_dir(en);
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "tcp-", 4) != 0 && strncmp(de->d_name, "udp-", 4) != 0)
			continue;
		_cleanup_free_ char *text = NULL;
		size_t len;
		if (read_file_at(dirfd(d), de->d_name, 4096, &text, &len, NULL) < 0)
			continue;
		char *l1 = text, *l2 = strchr(l1, '\n');
		if (!l2)
			continue;
		*l2++ = '\0';
		if (strcmp(l1, owner) != 0)
			continue;
		char *l3 = strchr(l2, '\n');
		struct port_map m;
		struct in_addr cip;
		if (l3) {
			*l3++ = '\0';
			l3[strcspn(l3, "\n")] = '\0';
		}
		if (l3 && port_map_decode(l2, &m) == 0 && inet_pton(AF_INET, l3, &cip) == 1) {
			*ret = xrealloc(*ret, (n + 1) * sizeof(**ret));
			(*ret)[n++] = (struct nft_port){.host_ip = m.host_ip, .host_port = m.host_port,
							.udp = m.udp, .ip = cip, .port = m.port};
		}
		(void)unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
	return n;
}

/* ---- /etc/hosts ---- */

/* The container's own line, as docker writes it: "<ip>\t<hostname>";
 * host.containers.internal (and --add-host NAME:host-gateway) the
 * gateway: the host. */
static void hosts_add_self(const struct engine *en, const char *id, const char *ip,
			   const char *gw)
{
	_cleanup_free_ char *dir = xasprintf("%s/containers/%s", en->root, id);
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *hosts = NULL, *name = NULL;
	size_t hl, nl;
	if (dfd < 0 || read_file_at(dfd, "hosts", 1 << 20, &hosts, &hl, NULL) < 0 ||
	    read_file_at(dfd, "hostname", 256, &name, &nl, NULL) < 0)
		return;
	name[strcspn(name, "\n")] = '\0';
	struct strbuf b = STRBUF_INIT;
	/* Every line but the one of the last run. */
	char *save = NULL;
	for (char *l = strtok_r(hosts, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (strstr(l, "\t# berth: "))
			continue;
		if (!strncmp(l, "# host-gateway\t", 15))
			strbuf_addf(&b, "%s\t%s\t# berth: gateway\n", gw, l + 15);
		strbuf_addf(&b, "%s\n", l);
	}
	strbuf_addf(&b, "%s\thost.containers.internal\t# berth: the host\n", gw);
	strbuf_addf(&b, "%s\t%s\t# berth: this container\n", ip, name);
	_cleanup_free_ char *text = strbuf_detach(&b, NULL);
	(void)write_file_atomic_at(dfd, "hosts", text, strlen(text), 0644, 0, NULL);
}

/* ---- the firewall ---- */

/* Berth's table made to hold the rules of every network that has
 * running containers (leases), with the ports changes. */
static int sync_firewall(const struct engine *en, const struct nft_port *add, size_t na,
			 const struct nft_port *del, size_t nd, struct err *e)
{
	struct network *l;
	size_t n;
	if (network_list(en->root, &l, &n, e) < 0)
		return -1;
	struct nft_net *nets = n ? xnew(struct nft_net, n) : NULL;
	size_t nn = 0;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *leases = network_lease_dir(en->runroot, &l[i]);
		if (ipam_count(leases) == 0)
			continue;
		nets[nn++] = (struct nft_net){.subnet = l[i].subnet, .bridge = l[i].iface,
					      .internal = l[i].internal};
	}
	_cleanup_free_ char *table = network_table_name(en->root);
	int r = nft_sync(table, nets, nn, add, na, del, nd, e);
	free(nets);
	network_list_free(l, n);
	return r;
}

/* ---- names: berth-dns on every network but the default one ---- */

static bool has_dns(const struct network *n)
{
	return strcmp(n->name, NETWORK_DEFAULT) != 0;
}

static char *net_dir(const struct engine *en, const struct network *n, const char *what)
{
	return xasprintf("%s/networks/%s/%s", en->runroot, n->name, what);
}

/* The running server's pid, from its pid file ("pid start"), or 0. */
static pid_t dns_pid(const struct engine *en, const struct network *n)
{
	_cleanup_free_ char *pf = net_dir(en, n, "dns.pid");
	_cleanup_free_ char *text = NULL;
	size_t len;
	long long pid = 0;
	unsigned long long start = 0;
	if (read_file_at(AT_FDCWD, pf, 128, &text, &len, NULL) < 0 ||
	    sscanf(text, "%lld %llu", &pid, &start) != 2 || pid <= 0 || pid > INT32_MAX)
		return 0;
	return proc_alive((pid_t)pid, start) ? (pid_t)pid : 0;
}

/* The host's resolvers for berth-dns: BERTH_DNS_UPSTREAM ("ip:port",
 * for tests), else /etc/resolv.conf's (loopback ones too: berth-dns runs
 * on the host). */
static char *upstreams(void)
{
	const char *env = getenv("BERTH_DNS_UPSTREAM");
	if (env && *env) {
		_cleanup_free_ char *copy = xstrdup(env);
		char *colon = strrchr(copy, ':');
		if (colon)
			*colon = ' ';
		return xasprintf("%s\n", copy);
	}
	struct strbuf b = STRBUF_INIT;
	_cleanup_free_ char *host = NULL;
	size_t len;
	if (read_file_at(AT_FDCWD, "/etc/resolv.conf", 1 << 16, &host, &len, NULL) == 0) {
		char *save = NULL;
		for (char *l = strtok_r(host, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			char ip[64];
			struct in_addr a;
			if (sscanf(l, "nameserver %63s", ip) == 1 && inet_pton(AF_INET, ip, &a) == 1)
				strbuf_addf(&b, "%s 53\n", ip);
		}
	}
	return strbuf_detach(&b, NULL);
}

/* Start the network's berth-dns unless it runs (the networks lock held). */
static int dns_start(const struct engine *en, const struct network *n, struct err *e)
{
	if (dns_pid(en, n))
		return 0;
	_cleanup_free_ char *dir = net_dir(en, n, "");
	_cleanup_free_ char *records = net_dir(en, n, "dns");
	_cleanup_free_ char *upfile = net_dir(en, n, "upstream");
	_cleanup_free_ char *logf = net_dir(en, n, "dns.log");
	_cleanup_free_ char *up = upstreams();
	if (mkdir_p(records, 0700, e) < 0)
		return -1;
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || write_file_atomic_at(dfd, "upstream", up, strlen(up), 0600, 0, e) < 0)
		return dfd < 0 ? err_sys(e, errno, "network %s", n->name) : -1;
	char gw[INET_ADDRSTRLEN], fdtext[16];
	inet_ntop(AF_INET, &n->gateway, gw, sizeof(gw));
	_cleanup_free_ char *bin = engine_helper_path(en, "berth-dns");
	int pp[2];
	if (pipe2(pp, O_CLOEXEC) < 0)
		return err_sys(e, errno, "pipe");
	snprintf(fdtext, sizeof(fdtext), "%d", pp[1]);
	char *argv[] = {bin, (char *)"--listen", gw, (char *)"--records", records,
			(char *)"--upstream", upfile, (char *)"--ready-fd", fdtext, NULL};
	pid_t mid = fork();
	if (mid == 0) {
		/* Twice: the server is nobody's child but init's. */
		(void)setsid();
		pid_t srv = fork();
		if (srv != 0) {
			if (srv > 0)
				(void)!write(pp[1], &srv, sizeof(srv));
			_exit(srv > 0 ? 0 : 1);
		}
		int null = open("/dev/null", O_RDWR);
		int lf = open(logf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
		    dup2(lf >= 0 ? lf : null, 2) < 0 || fd_set_cloexec(pp[1], false) < 0)
			_exit(127);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execv(bin, argv);
		_exit(127);
	}
	close(pp[1]);
	if (mid < 0) {
		close(pp[0]);
		return err_sys(e, errno, "fork");
	}
	while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
		;
	pid_t srv = 0;
	char ok = 0;
	ssize_t r1 = read(pp[0], &srv, sizeof(srv));
	ssize_t r2 = r1 == sizeof(srv) ? read(pp[0], &ok, 1) : 0;
	close(pp[0]);
	if (r2 != 1 || ok != 'r') {
		_cleanup_free_ char *msg = NULL;
		size_t len;
		if (read_file_at(AT_FDCWD, logf, 4096, &msg, &len, NULL) == 0 && len)
			msg[strcspn(msg, "\n")] = '\0';
		return err_set(e, ERR_INTERNAL, "the DNS server of network %s did not start%s%s",
			       n->name, msg && *msg ? ": " : "", msg && *msg ? msg : "");
	}
	_cleanup_free_ char *pid = xasprintf("%d %llu\n", (int)srv,
					     (unsigned long long)proc_start_time(srv));
	return write_file_atomic_at(dfd, "dns.pid", pid, strlen(pid), 0600, 0, e);
}

static void dns_stop(const struct engine *en, const struct network *n)
{
	pid_t pid = dns_pid(en, n);
	if (pid > 0)
		(void)kill(pid, SIGTERM);
	_cleanup_free_ char *pf = net_dir(en, n, "dns.pid");
	(void)unlink(pf);
}

/* The container's names on its network: "<ip> <name> <short id> <aliases>". */
static int dns_record_add(const struct engine *en, const struct network *n,
			  const struct container *c, const char *ip, struct err *e)
{
	_cleanup_free_ char *dir = net_dir(en, n, "dns");
	if (mkdir_p(dir, 0700, e) < 0)
		return -1;
	struct strbuf b = STRBUF_INIT;
	strbuf_addf(&b, "%s %s %.12s", ip, c->name ? c->name : "", c->id);
	for (char **a = c->aliases; a && *a; a++)
		strbuf_addf(&b, " %s", *a);
	strbuf_addstr(&b, "\n");
	_cleanup_free_ char *text = strbuf_detach(&b, NULL);
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(e, errno, "network %s", n->name);
	return write_file_atomic_at(dfd, c->id, text, strlen(text), 0600, 0, e);
}

static void dns_record_del(const struct engine *en, const struct network *n, const char *id)
{
	_cleanup_free_ char *dir = net_dir(en, n, "dns");
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, id);
	(void)unlink(p);
}

/* resolv.conf: the network's server, the host's search and options
 * (unless --dns chose the servers). */
static void resolv_use(const struct engine *en, const struct container *c, const char *gw)
{
	if (c->custom_dns)
		return;
	_cleanup_free_ char *dir = xasprintf("%s/containers/%s", en->root, c->id);
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *old = NULL;
	size_t len;
	if (dfd < 0 || read_file_at(dfd, "resolv.conf", 1 << 16, &old, &len, NULL) < 0)
		return;
	struct strbuf b = STRBUF_INIT;
	strbuf_addf(&b, "nameserver %s\n", gw);
	char *save = NULL;
	for (char *l = strtok_r(old, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (strncmp(l, "nameserver", 10) != 0)
			strbuf_addf(&b, "%s\n", l);
	_cleanup_free_ char *text = strbuf_detach(&b, NULL);
	(void)write_file_atomic_at(dfd, "resolv.conf", text, strlen(text), 0644, 0, NULL);
}

/* ---- CNI networks ---- */

const char *engine_cni_dir(const struct engine *en)
{
	return en->cni_dir ? en->cni_dir : "/etc/cni/net.d";
}

static const char *cni_path(void)
{
	const char *p = getenv("CNI_PATH");
	return p && *p ? p : "/usr/lib/cni:/opt/cni/bin";
}

static struct cni_ctx cni_ctx_of(const struct engine *en, const char *id, const char *ns,
				 const char *cache)
{
	return (struct cni_ctx){.id = id, .netns = ns, .ifname = "eth0", .path = cni_path(),
				.cache = cache};
}

static int cni_setup(const struct engine *en, struct container *c, const struct port_map *maps,
		     size_t nm, struct err *e)
{
	_cleanup_json_ json_t *list = NULL;
	if (cni_find(engine_cni_dir(en), c->network, &list, e) < 0)
		return -1;
	_cleanup_free_ char *ns = engine_netns_path(en, c->id);
	_cleanup_free_ char *dir = xasprintf("%s/cni", en->runroot);
	_cleanup_free_ char *cache = xasprintf("%s/%s.json", dir, c->id);
	if (mkdir_p(dir, 0700, e) < 0)
		return -1;
	_cleanup_close_ int nsfd = netns_create(ns, e);
	if (nsfd < 0)
		return -1;
	_cleanup_json_ json_t *pm = nm ? json_array() : NULL;
	for (size_t i = 0; i < nm; i++) {
		char hip[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &maps[i].host_ip, hip, sizeof(hip));
		json_t *m = json_pack("{s:i, s:i, s:s}", "hostPort", maps[i].host_port,
				      "containerPort", maps[i].port, "protocol",
				      maps[i].udp ? "udp" : "tcp");
		if (maps[i].host_ip.s_addr)
			json_object_set_new(m, "hostIP", json_string(hip));
		json_array_append_new(pm, m);
	}
	struct cni_ctx ctx = cni_ctx_of(en, c->id, ns, cache);
	ctx.port_mappings = pm;
	_cleanup_json_ json_t *result = NULL;
	if (cni_add(list, &ctx, &result, e) < 0) {
		(void)cni_del(&ctx, NULL);
		(void)netns_remove(ns, NULL);
		return -1;
	}
	c->ip = cni_result_ip(result);
	for (size_t i = 0; i < nm; i++)
		strv_consume(&c->ports_bound, port_map_format(&maps[i]));
	json_t *ip0 = json_array_get(json_object_get(result, "ips"), 0);
	const char *gw = json_string_value(json_object_get(ip0, "gateway"));
	if (c->ip)
		hosts_add_self(en, c->id, c->ip, gw ? gw : c->ip);
	return 0;
}

static void cni_teardown(const struct engine *en, const struct container *c)
{
	_cleanup_free_ char *ns = engine_netns_path(en, c->id);
	_cleanup_free_ char *cache = xasprintf("%s/cni/%s.json", en->runroot, c->id);
	if (access(ns, F_OK) < 0 && access(cache, F_OK) < 0)
		return;
	struct cni_ctx ctx = cni_ctx_of(en, c->id, ns, cache);
	(void)cni_del(&ctx, NULL);
	(void)netns_remove(ns, NULL);
}

/* ---- setup and teardown ---- */

static int configure(const struct network *n, const char *id, unsigned index, int nsfd,
		     struct in_addr ip, struct err *e)
{
	char veth[16], eth[16];
	veth_name(id, index, veth);
	snprintf(eth, sizeof(eth), "eth%u", index);
	struct nl nl = NL_INIT;
	if (nl_open(&nl, e) < 0)
		return -1;
	int r = nl_bridge_add(&nl, n->iface, true, e);
	int br = r == 0 ? nl_link_index(&nl, n->iface, e) : -1;
	if (br == 0)
		r = err_set(e, ERR_INTERNAL, "bridge %s is gone", n->iface);
	if (r == 0 && br > 0)
		r = nl_addr_add(&nl, br, n->gateway, n->subnet.prefix, e);
	if (r == 0 && br > 0)
		r = nl_link_up(&nl, br, 0, e);
	if (r == 0 && br > 0)
		r = nl_veth_add(&nl, veth, eth, nsfd, 0, e);
	int vi = r == 0 && br > 0 ? nl_link_index(&nl, veth, e) : -1;
	if (r == 0 && vi > 0)
		r = nl_link_up(&nl, vi, br, e);
	nl_close(&nl);
	if (r < 0 || br <= 0 || vi <= 0)
		return err_isset(e) ? -1 : err_set(e, ERR_INTERNAL, "veth %s is gone", veth);
	/* Inside: its address, up, the default route (through the first
	 * network only). */
	int saved;
	if (netns_enter(nsfd, &saved, e) < 0)
		return -1;
	struct nl in = NL_INIT;
	r = nl_open(&in, e);
	netns_leave(saved);
	if (r < 0)
		return -1;
	int ei = nl_link_index(&in, eth, e);
	r = ei > 0 ? nl_addr_add(&in, ei, ip, n->subnet.prefix, e) : -1;
	if (r == 0)
		r = nl_link_up(&in, ei, 0, e);
	if (r == 0 && index == 0)
		r = nl_route_default(&in, ei, n->gateway, e);
	nl_close(&in);
	if (ei == 0)
		return err_set(e, ERR_INTERNAL, "%s is missing in the container", eth);
	return r;
}

/* ---- more networks (run --network a --network b, network connect) ---- */

/* Attach the running container (its namespace nsfd) to network x->name
 * as eth<index>: a lease, the veth, the firewall, its names. */
static int attach_extra(const struct engine *en, const struct container *c,
			struct net_extra *x, int nsfd, struct err *e)
{
	unsigned index = x->iface;
	struct network n;
	if (network_get(en->root, x->name, &n, e) < 0)
		return -1;
	_cleanup_free_ char *leases = network_lease_dir(en->runroot, &n);
	_cleanup_close_ int lk = net_lock(en, e);
	struct in_addr ip = {0}, want = {0};
	int r = lk < 0 ? -1 : 0;
	if (r == 0 && x->ip_want && ipv4_addr_parse(x->ip_want, &want, e) < 0)
		r = -1;
	if (r == 0)
		r = ipam_alloc(leases, &n.range, n.gateway, want, c->id, &ip, e);
	if (r == 0)
		r = configure(&n, c->id, index, nsfd, ip, e);
	if (r == 0)
		r = sync_firewall(en, NULL, 0, NULL, 0, e);
	char ipt[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &ip, ipt, sizeof(ipt));
	if (r == 0 && has_dns(&n)) {
		struct container named = *c;
		named.aliases = x->aliases;
		r = dns_record_add(en, &n, &named, ipt, e);
		if (r == 0)
			r = dns_start(en, &n, e);
	}
	if (r == 0) {
		free(x->address);
		x->address = xstrdup(ipt);
	} else if (ip.s_addr) {
		ipam_release(leases, ip, c->id);
	}
	network_clear(&n);
	return r < 0 ? err_wrap(e, "network %s", x->name) : 0;
}

/* The other way: the lease, the names, the veth (its pair goes too). */
static void detach_extra(const struct engine *en, const struct container *c,
			 const struct net_extra *x, bool del_link)
{
	unsigned index = x->iface;
	struct network n;
	if (network_get(en->root, x->name, &n, NULL) < 0)
		return;
	_cleanup_free_ char *leases = network_lease_dir(en->runroot, &n);
	_cleanup_close_ int lk = net_lock(en, NULL);
	ipam_release_owner(leases, c->id);
	if (has_dns(&n)) {
		dns_record_del(en, &n, c->id);
		if (ipam_count(leases) == 0)
			dns_stop(en, &n);
	}
	(void)sync_firewall(en, NULL, 0, NULL, 0, NULL);
	struct nl nl = NL_INIT;
	if (del_link && nl_open(&nl, NULL) == 0) {
		char veth[16];
		veth_name(c->id, index, veth);
		(void)nl_link_del(&nl, veth, true, NULL);
		nl_close(&nl);
	}
	network_clear(&n);
}

int engine_net_connect(const struct engine *en, struct container *c, struct net_extra *x,
		       struct err *e)
{
	_cleanup_free_ char *ns = engine_netns_path(en, c->id);
	_cleanup_close_ int nsfd = open(ns, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return err_set(e, ERR_CONFLICT, "container %.12s has no network namespace of its own",
			       c->id);
	return attach_extra(en, c, x, nsfd, e);
}

void engine_net_disconnect(const struct engine *en, const struct container *c, size_t i)
{
	detach_extra(en, c, &c->extra[i], true);
}

void engine_net_teardown(const struct engine *en, const struct container *c)
{
	if (!engine_net_bridged(c->network))
		return;
	if (c->cni) {
		cni_teardown(en, c);
		return;
	}
	_cleanup_free_ char *ns = engine_netns_path(en, c->id);
	if (access(ns, F_OK) < 0)
		return; /* nothing was set up, or all was taken down */
	/* (their veths go with the namespace, below) */
	for (size_t i = 0; i < c->n_extra; i++)
		detach_extra(en, c, &c->extra[i], false);
	struct network n;
	bool have = network_get(en->root, c->network, &n, NULL) == 0;
	_cleanup_close_ int lk = net_lock(en, NULL);
	_cleanup_free_ struct nft_port *np = NULL;
	size_t nn = ports_give_back(en, c->id, &np);
	if (have) {
		_cleanup_free_ char *leases = network_lease_dir(en->runroot, &n);
		struct in_addr a;
		if (c->ip && inet_pton(AF_INET, c->ip, &a) == 1)
			ipam_release(leases, a, c->id);
		else
			ipam_release_owner(leases, c->id);
		if (has_dns(&n)) {
			dns_record_del(en, &n, c->id);
			if (ipam_count(leases) == 0)
				dns_stop(en, &n);
		}
		(void)sync_firewall(en, NULL, 0, np, nn, NULL);
	}
	/* The namespace's last reference: the kernel then destroys it with
	 * its eth0, and so the veth pair (in the background: deleting the
	 * link here would wait ~20 ms for the device to unregister). */
	(void)netns_remove(ns, NULL);
	if (have)
		network_clear(&n);
}

int engine_net_setup(const struct engine *en, struct container *c, struct err *e)
{
	free(c->ip);
	c->ip = NULL;
	strv_free(c->ports_bound);
	c->ports_bound = NULL;
	if (c->network && !strncmp(c->network, "container:", 10)) {
		/* Another container's namespace: it must be there. */
		_cleanup_free_ char *ns = engine_netns_path(en, c->network + 10);
		if (access(ns, F_OK) < 0)
			return err_set(e, ERR_CONFLICT,
				       "cannot join the network of container %.12s: it is not running",
				       c->network + 10);
		return 0;
	}
	if (!engine_net_bridged(c->network))
		return 0;
	_cleanup_free_ struct port_map *maps = NULL;
	size_t nm = 0;
	for (char **p = c->ports; p && *p; p++)
		if (ports_parse(*p, &maps, &nm, e) < 0)
			return -1;
	if (c->cni)
		return cni_setup(en, c, maps, nm, e) < 0 ? err_wrap(e, "network %s", c->network) : 0;
	struct network n;
	if (network_get(en->root, c->network, &n, e) < 0)
		return -1;
	_cleanup_free_ char *ns = engine_netns_path(en, c->id);
	_cleanup_free_ char *leases = network_lease_dir(en->runroot, &n);
	_cleanup_close_ int nsfd = netns_create(ns, e);
	int r = nsfd < 0 ? -1 : 0;
	int lk = r == 0 ? net_lock(en, e) : -1;
	if (lk < 0)
		r = -1;
	struct in_addr ip = {0}, want = {0};
	if (c->ip_want && ipv4_addr_parse(c->ip_want, &want, e) < 0)
		r = -1;
	if (r == 0)
		r = ipam_alloc(leases, &n.range, n.gateway, want, c->id, &ip, e);
	if (r == 0)
		r = ports_take(en, c, ip, maps, nm, e);
	_cleanup_free_ struct nft_port *np = nm ? xnew(struct nft_port, nm) : NULL;
	for (size_t i = 0; i < nm; i++)
		np[i] = (struct nft_port){.host_ip = maps[i].host_ip, .host_port = maps[i].host_port,
					  .udp = maps[i].udp, .ip = ip, .port = maps[i].port};
	/* The bridge first: the firewall sets its route_localnet. */
	if (r == 0)
		r = configure(&n, c->id, 0, nsfd, ip, e);
	if (r == 0)
		r = sync_firewall(en, np, nm, NULL, 0, e);
	char ipt[INET_ADDRSTRLEN], gwt[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &ip, ipt, sizeof(ipt));
	inet_ntop(AF_INET, &n.gateway, gwt, sizeof(gwt));
	if (r == 0 && has_dns(&n)) {
		r = dns_record_add(en, &n, c, ipt, e);
		if (r == 0)
			r = dns_start(en, &n, e);
		if (r == 0)
			resolv_use(en, c, gwt);
	}
	if (lk >= 0)
		close(lk);
	if (r < 0) {
		err_wrap(e, "network %s", n.name);
		engine_net_teardown(en, c);
		network_clear(&n);
		return -1;
	}
	c->ip = xstrdup(ipt);
	for (size_t i = 0; i < nm; i++)
		strv_consume(&c->ports_bound, port_map_format(&maps[i]));
	hosts_add_self(en, c->id, ipt, gwt);
	for (size_t i = 0; i < c->n_extra; i++) {
		if (attach_extra(en, c, &c->extra[i], nsfd, e) < 0) {
			engine_net_teardown(en, c);
			network_clear(&n);
			return -1;
		}
	}
	network_clear(&n);
	return 0;
}

/* ---- network connect, disconnect ---- */

int engine_network_connect(const struct engine *en, const char *network, const char *what,
			   const char *ip, char **aliases, struct err *e)
{
	struct network n;
	if (network_get(en->root, network, &n, e) < 0)
		return -1;
	struct in_addr want;
	int bad = ip ? network_ip_check(&n, ip, &want, e) : 0;
	_cleanup_free_ char *name = xstrdup(n.name);
	network_clear(&n);
	if (bad < 0)
		return -1;
	_cleanup_free_ char *id = NULL;
	if (container_lookup(en->root, what, &id, e) < 0)
		return -1;
	struct container c;
	int lk;
	if (engine_lock_load(en, id, &c, &lk, NULL, e) < 0)
		return -1;
	int r = 0;
	unsigned iface = 1;
	for (size_t i = 0; i < c.n_extra; i++) {
		if (!strcmp(c.extra[i].name, name))
			r = -1;
		if (c.extra[i].iface >= iface)
			iface = c.extra[i].iface + 1;
	}
	if (!engine_net_bridged(c.network) || c.cni)
		r = err_set(e, ERR_INVALID,
			    "container %.12s is on network %s: it cannot join another one", c.id,
			    c.network ? c.network : "none");
	else if (r < 0 || !strcmp(c.network, name))
		r = err_set(e, ERR_CONFLICT, "endpoint with name %s already exists in network %s",
			    c.name ? c.name : c.id, name);
	else if (iface > 99)
		r = err_set(e, ERR_INVALID, "container %.12s is on too many networks", c.id);
	if (r == 0) {
		c.extra = xrealloc(c.extra, (c.n_extra + 1) * sizeof(*c.extra));
		struct net_extra *x = &c.extra[c.n_extra++];
		*x = (struct net_extra){.name = xstrdup(name), .ip_want = ip ? xstrdup(ip) : NULL,
					.iface = iface};
		for (char **a = aliases; a && *a; a++)
			strv_push(&x->aliases, *a);
		if ((c.state == CONTAINER_RUNNING || c.state == CONTAINER_PAUSED) &&
		    engine_net_connect(en, &c, x, e) < 0) {
			net_extra_clear(x);
			c.n_extra--;
			r = -1;
		}
	}
	if (r == 0)
		r = container_save(en->root, &c, e);
	container_clear(&c);
	close(lk);
	return r;
}

int engine_network_disconnect(const struct engine *en, const char *network, const char *what,
			      struct err *e)
{
	_cleanup_free_ char *id = NULL;
	if (container_lookup(en->root, what, &id, e) < 0)
		return -1;
	struct container c;
	int lk;
	if (engine_lock_load(en, id, &c, &lk, NULL, e) < 0)
		return -1;
	int r = 0;
	size_t i = 0;
	while (i < c.n_extra && strcmp(c.extra[i].name, network) != 0)
		i++;
	if (c.network && !strcmp(c.network, network))
		r = err_set(e, ERR_UNSUPPORTED,
			    "container %.12s cannot leave network %s, the first one it joined", c.id,
			    network);
	else if (i == c.n_extra)
		r = err_set(e, ERR_NOT_FOUND, "container %.12s is not connected to network %s", c.id,
			    network);
	if (r == 0) {
		if (c.state == CONTAINER_RUNNING || c.state == CONTAINER_PAUSED)
			engine_net_disconnect(en, &c, i);
		net_extra_clear(&c.extra[i]);
		memmove(&c.extra[i], &c.extra[i + 1], (c.n_extra - i - 1) * sizeof(*c.extra));
		c.n_extra--;
		r = container_save(en->root, &c, e);
	}
	container_clear(&c);
	close(lk);
	return r;
}

int engine_network_check(const struct engine *en, const char *what, struct err *e)
{
	struct container c;
	if (engine_load(en, what, &c, e) < 0)
		return -1;
	int r = 0;
	_cleanup_free_ char *ns = engine_netns_path(en, c.id);
	if (c.state != CONTAINER_RUNNING && c.state != CONTAINER_PAUSED)
		r = err_set(e, ERR_CONFLICT, "container %.12s is not running", c.id);
	else if (!engine_net_bridged(c.network))
		r = err_set(e, ERR_INVALID, "container %.12s is on network %s: nothing to check", c.id,
			    c.network ? c.network : "none");
	else if (access(ns, F_OK) < 0)
		r = err_set(e, ERR_NOT_FOUND, "container %.12s: its network namespace is gone", c.id);
	else if (c.cni) {
		_cleanup_free_ char *cache = xasprintf("%s/cni/%s.json", en->runroot, c.id);
		struct cni_ctx ctx = cni_ctx_of(en, c.id, ns, cache);
		r = cni_check(&ctx, e);
	} else {
		/* Ours: its lease, and the host's end of each interface. */
		struct network n;
		r = network_get(en->root, c.network, &n, e);
		if (r == 0) {
			_cleanup_free_ char *dir = network_lease_dir(en->runroot, &n);
			_cleanup_free_ char *lease = xasprintf("%s/%s", dir, c.ip ? c.ip : "-");
			if (access(lease, F_OK) < 0)
				r = err_set(e, ERR_NOT_FOUND, "container %.12s: no lease of %s on %s",
					    c.id, c.ip ? c.ip : "an address", n.name);
			network_clear(&n);
		}
		struct nl nl = NL_INIT;
		for (size_t i = 0; r == 0 && i <= c.n_extra; i++) {
			char veth[16];
			veth_name(c.id, i == 0 ? 0 : c.extra[i - 1].iface, veth);
			if (nl_open(&nl, e) < 0) {
				r = -1;
				break;
			}
			int idx = nl_link_index(&nl, veth, e);
			nl_close(&nl);
			if (idx == 0)
				r = err_set(e, ERR_NOT_FOUND, "container %.12s: interface %s is gone", c.id,
					    veth);
			else if (idx < 0)
				r = -1;
		}
	}
	container_clear(&c);
	return r;
}
