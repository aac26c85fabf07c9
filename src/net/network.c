/* network.c: see network.h. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/lock.h"
#include "base/strv.h"
#include "base/time-util.h"
#include "net/netlink.h"
#include "net/network.h"

#define RECORD_MAX (64u << 10)

static bool name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      (i > 0 && (c == '_' || c == '.' || c == '-'))))
			return false;
	}
	return true;
}

static char *random_id(void)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[32];
	size_t got = 0;
	while (got < sizeof(b)) {
		ssize_t r = getrandom(b + got, sizeof(b) - got, 0);
		if (r > 0)
			got += (size_t)r;
	}
	char *s = xmalloc(65);
	for (size_t i = 0; i < sizeof(b); i++) {
		s[2 * i] = hex[b[i] >> 4];
		s[2 * i + 1] = hex[b[i] & 15];
	}
	s[64] = '\0';
	return s;
}

void network_clear(struct network *n)
{
	free(n->name);
	free(n->id);
	free(n->driver);
	free(n->iface);
	free(n->created);
	strv_free(n->labels);
	memset(n, 0, sizeof(*n));
}

char *network_lease_dir(const char *runroot, const struct network *n)
{
	return xasprintf("%s/networks/%s/leases", runroot, n->name);
}

static int load(const char *path, struct network *n, struct err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (read_file_at(AT_FDCWD, path, RECORD_MAX, &buf, &len, e) < 0)
		return -1;
	_cleanup_json_ json_t *o = NULL;
	if (json_parse_buffer(buf, len, path, &o, e) < 0)
		return -1;
	_cleanup_free_ char *subnet = NULL, *gw = NULL, *range = NULL;
	json_t *labels = NULL;
	memset(n, 0, sizeof(*n));
	if (json_get_string(o, "", "name", true, &n->name, e) < 0 ||
	    json_get_string(o, "", "id", true, &n->id, e) < 0 ||
	    json_get_string(o, "", "driver", true, &n->driver, e) < 0 ||
	    json_get_string(o, "", "interface", true, &n->iface, e) < 0 ||
	    json_get_string(o, "", "subnet", true, &subnet, e) < 0 ||
	    json_get_string(o, "", "gateway", true, &gw, e) < 0 ||
	    json_get_bool(o, "", "internal", false, &n->internal, e) < 0 ||
	    json_get_string(o, "", "created", false, &n->created, e) < 0 ||
	    json_get_string(o, "", "ipRange", false, &range, e) < 0 ||
	    json_get_object(o, "", "labels", false, &labels, e) < 0 ||
	    ipv4_net_parse(subnet, &n->subnet, e) < 0 || ipv4_addr_parse(gw, &n->gateway, e) < 0 ||
	    (range && ipv4_net_parse(range, &n->range, e) < 0)) {
		network_clear(n);
		return err_wrap(e, "network record \"%s\"", path);
	}
	if (!range)
		n->range = n->subnet;
	const char *k;
	json_t *v;
	json_object_foreach(labels, k, v)
	{
		if (!json_is_string(v))
			continue;
		strv_push(&n->labels, k);
		strv_push(&n->labels, json_string_value(v));
	}
	return 0;
}

static int save(const char *dir, const struct network *n, struct err *e)
{
	char subnet[24], gw[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &n->gateway, gw, sizeof(gw));
	_cleanup_json_ json_t *o = json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s}", "name", n->name, "id", n->id, "driver",
		n->driver, "interface", n->iface, "subnet",
		ipv4_net_format(&n->subnet, subnet, sizeof(subnet)), "gateway", gw, "internal",
		n->internal, "created", n->created ? n->created : "");
	char range[24];
	json_object_set_new(o, "ipRange", json_string(ipv4_net_format(&n->range, range, sizeof(range))));
	json_t *labels = json_object();
	for (char **p = n->labels; p && p[0] && p[1]; p += 2)
		json_object_set_new(labels, p[0], json_string(p[1]));
	json_object_set_new(o, "labels", labels);
	_cleanup_free_ char *text = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(e, errno, "networks \"%s\"", dir);
	_cleanup_free_ char *name = xasprintf("%s.json", n->name);
	return write_file_atomic_at(dfd, name, text, strlen(text), 0600, 0, e);
}

static uint32_t root_hash(const char *root)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)root; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

static bool default_root(const char *root)
{
	return strcmp(root, NETWORK_DEFAULT_ROOT) == 0;
}

int network_ip_check(const struct network *n, const char *ip, struct in_addr *ret,
		     struct err *e)
{
	if (ipv4_addr_parse(ip, ret, e) < 0)
		return -1;
	if (!ipv4_net_contains(&n->range, *ret))
		return err_set(e, ERR_INVALID, "address %s is not in the range of network %s", ip,
			       n->name);
	return 0;
}

char *network_table_name(const char *root)
{
	return default_root(root) ? xstrdup("berth") : xasprintf("berth_%08x", root_hash(root));
}

/* The subnet of another network of root that net overlaps, or NULL. */
static char *overlapping(const char *root, const struct ipv4_net *net)
{
	struct network *l;
	size_t n;
	char *which = NULL;
	if (network_list(root, &l, &n, NULL) < 0)
		return NULL;
	for (size_t i = 0; i < n && !which; i++)
		if (ipv4_net_overlaps(&l[i].subnet, net))
			which = xstrdup(l[i].name);
	network_list_free(l, n);
	return which;
}

/* The first of 10.210.0.0/16 ... 10.229.0.0/16 that neither the host's
 * routes nor another network of root overlap (not podman's 10.88.0.0/16
 * and 10.89.x.0/24, nor docker's 172.17-31: they may run beside us). */
static int free_subnet(const char *root, struct ipv4_net *ret, struct err *e)
{
	struct nl nl;
	if (nl_open(&nl, e) < 0)
		return -1;
	int found = 0;
	for (unsigned b = 210; b <= 229 && !found; b++) {
		char text[24];
		snprintf(text, sizeof(text), "10.%u.0.0/16", b);
		if (ipv4_net_parse(text, ret, e) < 0)
			break;
		int r = nl_route_overlaps(&nl, ret->net, ret->prefix, e);
		if (r < 0)
			break;
		_cleanup_free_ char *other = r == 0 ? overlapping(root, ret) : NULL;
		found = r == 0 && !other;
	}
	nl_close(&nl);
	if (err_isset(e))
		return -1;
	if (!found)
		return err_set(e, ERR_CONFLICT,
			       "no free subnet: the host's routes and the networks cover "
			       "10.210.0.0/16 to 10.229.0.0/16 (give one with --subnet)");
	return 0;
}

int network_create(const char *root, const struct network_create_opts *o, struct network *ret,
		   struct err *e)
{
	if (!o->name || !name_valid(o->name))
		return err_set(e, ERR_INVALID, "invalid network name \"%s\"", o->name ? o->name : "");
	if (o->driver && strcmp(o->driver, "bridge") != 0)
		return err_set(e, ERR_UNSUPPORTED, "network driver \"%s\": only bridge is supported",
			       o->driver);
	if (!strcmp(o->name, "none") || !strcmp(o->name, "host"))
		return err_set(e, ERR_INVALID, "network name \"%s\" is reserved", o->name);
	_cleanup_free_ char *dir = xasprintf("%s/networks", root);
	if (mkdir_p(dir, 0700, e) < 0)
		return -1;
	_cleanup_free_ char *lpath = xasprintf("%s/lock", dir);
	_cleanup_close_ int lk = lock_path_at(AT_FDCWD, lpath, LOCK_MODE_EXCLUSIVE, e);
	if (lk < 0)
		return -1;
	_cleanup_free_ char *path = xasprintf("%s/%s.json", dir, o->name);
	if (access(path, F_OK) == 0 || (!strcmp(o->name, NETWORK_DEFAULT)))
		return err_set(e, ERR_CONFLICT, "network with name %s already exists", o->name);
	struct network n;
	memset(&n, 0, sizeof(n));
	if (o->subnet) {
		if (ipv4_net_parse(o->subnet, &n.subnet, e) < 0)
			return -1;
		if (n.subnet.prefix > 30)
			return err_set(e, ERR_INVALID, "subnet %s is too small", o->subnet);
		_cleanup_free_ char *other = overlapping(root, &n.subnet);
		if (other)
			return err_set(e, ERR_CONFLICT,
				       "invalid pool request: Pool overlaps with other one on this "
				       "address space (network %s)",
				       other);
	} else if (free_subnet(root, &n.subnet, e) < 0) {
		return -1;
	}
	n.range = n.subnet;
	if (o->ip_range) {
		if (ipv4_net_parse(o->ip_range, &n.range, e) < 0)
			return -1;
		if (!ipv4_net_contains(&n.subnet, n.range.net) || n.range.prefix < n.subnet.prefix)
			return err_set(e, ERR_INVALID, "ip range %s is not inside subnet %s",
				       o->ip_range, ipv4_net_format(&n.subnet, (char[24]){0}, 24));
	}
	if (o->gateway) {
		if (ipv4_addr_parse(o->gateway, &n.gateway, e) < 0)
			return -1;
		if (!ipv4_net_contains(&n.subnet, n.gateway))
			return err_set(e, ERR_INVALID, "gateway %s is not inside subnet %s", o->gateway,
				       ipv4_net_format(&n.subnet, (char[24]){0}, 24));
	} else {
		n.gateway = ipv4_net_host(&n.subnet, 1);
	}
	char now[RFC3339_MAX];
	time_now_rfc3339(now);
	n.name = xstrdup(o->name);
	n.id = random_id();
	n.driver = xstrdup("bridge");
	n.iface = xasprintf("br-%.12s", n.id);
	n.internal = o->internal;
	n.created = xstrdup(now);
	for (char **l = o->labels; l && *l; l++) {
		const char *eq = strchr(*l, '=');
		_cleanup_free_ char *key = eq ? xstrndup(*l, (size_t)(eq - *l)) : xstrdup(*l);
		strv_push(&n.labels, key);
		strv_push(&n.labels, eq ? eq + 1 : "");
	}
	if (save(dir, &n, e) < 0) {
		network_clear(&n);
		return -1;
	}
	if (ret)
		*ret = n;
	else
		network_clear(&n);
	return 0;
}

int network_remove(const char *root, const char *name, struct err *e)
{
	struct network n;
	if (network_get(root, name, &n, e) < 0)
		return -1;
	_cleanup_free_ char *path = xasprintf("%s/networks/%s.json", root, n.name);
	int r = 0;
	if (unlink(path) < 0)
		r = err_sys(e, errno, "remove network %s", n.name);
	struct nl nl = NL_INIT;
	if (r == 0 && nl_open(&nl, NULL) == 0) {
		(void)nl_link_del(&nl, n.iface, true, NULL);
		nl_close(&nl);
	}
	network_clear(&n);
	return r;
}

/* The default network: a subnet none of the host's routes overlaps. */
static int make_default(const char *root, const char *dir, struct network *n, struct err *e)
{
	struct ipv4_net cand;
	if (free_subnet(root, &cand, e) < 0)
		return -1;
	char now[RFC3339_MAX];
	time_now_rfc3339(now);
	memset(n, 0, sizeof(*n));
	n->name = xstrdup(NETWORK_DEFAULT);
	n->id = random_id();
	n->driver = xstrdup("bridge");
	n->iface = default_root(root) ? xstrdup("berth0") : xasprintf("br-%08x", root_hash(root));
	n->subnet = n->range = cand;
	n->gateway = ipv4_net_host(&cand, 1);
	n->created = xstrdup(now);
	if (save(dir, n, e) < 0) {
		network_clear(n);
		return -1;
	}
	return 0;
}

int network_get(const char *root, const char *name, struct network *n, struct err *e)
{
	memset(n, 0, sizeof(*n));
	if (!name_valid(name))
		return err_set(e, ERR_INVALID, "invalid network name \"%s\"", name);
	_cleanup_free_ char *dir = xasprintf("%s/networks", root);
	_cleanup_free_ char *path = xasprintf("%s/%s.json", dir, name);
	if (access(path, F_OK) == 0)
		return load(path, n, e);
	if (strcmp(name, NETWORK_DEFAULT) != 0)
		return err_set(e, ERR_NOT_FOUND, "network %s not found", name);
	/* Made once: under the networks lock, looked for again. */
	if (mkdir_p(dir, 0700, e) < 0)
		return -1;
	_cleanup_free_ char *lpath = xasprintf("%s/lock", dir);
	_cleanup_close_ int lk = lock_path_at(AT_FDCWD, lpath, LOCK_MODE_EXCLUSIVE, e);
	if (lk < 0)
		return -1;
	if (access(path, F_OK) == 0)
		return load(path, n, e);
	return make_default(root, dir, n, e);
}

int network_list(const char *root, struct network **ret, size_t *n, struct err *e)
{
	*ret = NULL;
	*n = 0;
	_cleanup_free_ char *dir = xasprintf("%s/networks", root);
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : err_sys(e, errno, "networks \"%s\"", dir);
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
			continue;
		_cleanup_free_ char *path = xasprintf("%s/%s", dir, de->d_name);
		struct network one;
		if (load(path, &one, NULL) < 0)
			continue;
		*ret = xrealloc(*ret, (*n + 1) * sizeof(**ret));
		(*ret)[(*n)++] = one;
	}
	closedir(d);
	return 0;
}

void network_list_free(struct network *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		network_clear(&l[i]);
	free(l);
}
