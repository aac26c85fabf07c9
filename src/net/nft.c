/* nft.c: see nft.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "base/fs-util.h"
#include "base/strbuf.h"
#include "net/nft.h"


static const char *nft_path(void)
{
	static const char *const paths[] = {"/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

/* nft with args, script on its stdin; its stderr in *out. */
static int run_nft(const char *const *args, const char *script, char **out, struct err *e)
{
	const char *nft = nft_path();
	if (!nft)
		return err_set(e, ERR_NOT_FOUND, "nft is not installed (apt-get install nftables)");
	int in[2], er[2];
	if (pipe2(in, O_CLOEXEC) < 0)
		return err_sys(e, errno, "pipe");
	if (pipe2(er, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return err_sys(e, errno, "pipe");
	}
	char *argv[8];
	size_t n = 0;
	argv[n++] = (char *)"nft";
	for (; *args && n < 7; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid == 0) {
		if (dup2(in[0], 0) < 0 || dup2(er[1], 1) < 0 || dup2(er[1], 2) < 0)
			_exit(127);
		execv(nft, argv);
		_exit(127);
	}
	int saved = errno;
	close(in[0]);
	close(er[1]);
	if (pid < 0) {
		close(in[1]);
		close(er[0]);
		return err_sys(e, saved, "fork");
	}
	(void)write_all(in[1], script, strlen(script));
	close(in[1]);
	struct strbuf b = STRBUF_INIT;
	char buf[4096];
	ssize_t r;
	while ((r = read(er[0], buf, sizeof(buf))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		if (b.len < 65536)
			strbuf_add(&b, buf, (size_t)r);
	}
	close(er[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	*out = strbuf_detach(&b, NULL);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	return 0;
}

static int nft_script(const char *script, struct err *e)
{
	static const char *const args[] = {"-f", "-", NULL};
	_cleanup_free_ char *out = NULL;
	if (run_nft(args, script, &out, e) == 0)
		return 0;
	if (err_isset(e))
		return -1;
	char *nl = out ? strchr(out, '\n') : NULL;
	if (nl)
		*nl = '\0';
	return err_set(e, ERR_INTERNAL, "nftables: %s", out && *out ? out : "nft failed");
}

bool nft_table_exists(const char *table)
{
	const char *const args[] = {"list", "table", "ip", table, NULL};
	_cleanup_free_ char *out = NULL;
	_cleanup_err_ struct err e = ERR_INIT;
	return run_nft(args, "", &out, &e) == 0;
}

static void port_elem(struct strbuf *b, const struct nft_port *p)
{
	char hip[INET_ADDRSTRLEN], cip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &p->host_ip, hip, sizeof(hip));
	inet_ntop(AF_INET, &p->ip, cip, sizeof(cip));
	if (p->host_ip.s_addr)
		strbuf_addf(b, "%s . %s . %u : %s . %u", hip, p->udp ? "udp" : "tcp", p->host_port,
			    cip, p->port);
	else
		strbuf_addf(b, "%s . %u : %s . %u", p->udp ? "udp" : "tcp", p->host_port, cip,
			    p->port);
}

static void port_key(struct strbuf *b, const struct nft_port *p)
{
	char hip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &p->host_ip, hip, sizeof(hip));
	if (p->host_ip.s_addr)
		strbuf_addf(b, "%s . %s . %u", hip, p->udp ? "udp" : "tcp", p->host_port);
	else
		strbuf_addf(b, "%s . %u", p->udp ? "udp" : "tcp", p->host_port);
}

/* Its sets, maps and chains; defining them again changes nothing. */
static const char table_def[] =
	"table @T {\n"
	"\tmap pmap_any { type inet_proto . inet_service : ipv4_addr . inet_service; }\n"
	"\tmap pmap_ip { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }\n"
	"\tset masq { type ipv4_addr; flags interval; }\n"
	"\tchain publish { }\n"
	"\tchain prerouting { type nat hook prerouting priority dstnat; policy accept; }\n"
	"\tchain output { type nat hook output priority -100; policy accept; }\n"
	"\tchain postrouting { type nat hook postrouting priority srcnat; policy accept; }\n"
	"}\n"
	/* The rules: flushed and written again, never twice. */
	"flush chain @T publish\n"
	"flush chain @T prerouting\n"
	"flush chain @T output\n"
	"flush chain @T postrouting\n"
	"add rule @T publish fib daddr type local "
	"dnat ip to ip daddr . meta l4proto . th dport map @pmap_ip\n"
	"add rule @T publish fib daddr type local "
	"dnat ip to meta l4proto . th dport map @pmap_any\n"
	"add rule @T prerouting jump publish\n"
	"add rule @T output jump publish\n"
	"add rule @T postrouting ip saddr @masq ip daddr != @masq masquerade\n"
	"add rule @T postrouting ip saddr 127.0.0.0/8 ip daddr @masq masquerade\n";

/* Write "1" to a /proc/sys file unless it says so already. */
static int sysctl_on(const char *path, struct err *e)
{
	_cleanup_free_ char *v = NULL;
	size_t len;
	if (read_file_at(AT_FDCWD, path, 64, &v, &len, NULL) == 0 && v[0] == '1')
		return 0;
	return write_file_at(AT_FDCWD, path, "1", e);
}

int nft_attach(const char *table, const struct ipv4_net *subnet, const char *bridge,
	       const struct nft_port *p, size_t n, struct err *e)
{
	if (sysctl_on("/proc/sys/net/ipv4/ip_forward", e) < 0)
		return -1;
	_cleanup_free_ char *rl = xasprintf("/proc/sys/net/ipv4/conf/%s/route_localnet", bridge);
	if (sysctl_on(rl, e) < 0)
		return -1;
	char net[24];
	ipv4_net_format(subnet, net, sizeof(net));
	struct strbuf b = STRBUF_INIT;
	/* table_def with "@T" as "ip <table>" */
	_cleanup_free_ char *t = xasprintf("ip %s", table);
	for (const char *q = table_def; *q;) {
		const char *at = strstr(q, "@T");
		if (!at) {
			strbuf_addstr(&b, q);
			break;
		}
		strbuf_add(&b, q, (size_t)(at - q));
		strbuf_addstr(&b, t);
		q = at + 2;
	}
	strbuf_addf(&b, "add element %s masq { %s }\n", t, net);
	for (size_t i = 0; i < n; i++) {
		strbuf_addf(&b, "add element %s %s { ", t, p[i].host_ip.s_addr ? "pmap_ip" : "pmap_any");
		port_elem(&b, &p[i]);
		strbuf_addstr(&b, " }\n");
	}
	_cleanup_free_ char *script = strbuf_detach(&b, NULL);
	return nft_script(script, e);
}

int nft_detach(const char *table, const struct ipv4_net *subnet, const struct nft_port *p,
	       size_t n, bool drop_subnet, bool drop_table, struct err *e)
{
	if (drop_table) {
		/* Gone already is fine (a second cleanup). */
		_cleanup_free_ char *del = xasprintf("delete table ip %s\n", table);
		(void)nft_script(del, NULL);
		(void)e;
		return 0;
	}
	struct strbuf b = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		strbuf_addf(&b, "delete element ip %s %s { ", table,
			    p[i].host_ip.s_addr ? "pmap_ip" : "pmap_any");
		port_key(&b, &p[i]);
		strbuf_addstr(&b, " }\n");
	}
	if (drop_subnet) {
		char net[24];
		strbuf_addf(&b, "delete element ip %s masq { %s }\n", table,
			    ipv4_net_format(subnet, net, sizeof(net)));
	}
	_cleanup_free_ char *script = strbuf_detach(&b, NULL);
	if (!*script || nft_script(script, NULL) == 0)
		return 0;
	/* One transaction fails whole: some were gone already (a second
	 * cleanup).  Each alone, missing ones ignored. */
	char *save = NULL;
	for (char *l = strtok_r(script, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		_cleanup_free_ char *one = xasprintf("%s\n", l);
		(void)nft_script(one, NULL);
	}
	(void)e;
	return 0;
}
