/* cmd-network.c: berth network create|ls|inspect|rm|prune, docker's
 * commands over net/network.h. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "base/fd-util.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "cmd/berth/commands.h"
#include "cmd/common/format.h"
#include "engine/container.h"
#include "net/network.h"

/* The containers whose network is name (any state), as ids. */
static char **users_of(struct global *g, const char *name)
{
	struct container *l;
	size_t n;
	char **ids = NULL;
	if (container_list(g->root, &l, &n, NULL) < 0)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		bool on = l[i].network && !strcmp(l[i].network, name);
		for (size_t k = 0; k < l[i].n_extra; k++)
			on = on || !strcmp(l[i].extra[k].name, name);
		if (on)
			strv_push(&ids, l[i].id);
	}
	container_list_free(l, n);
	return ids;
}

static int net_create(struct global *g, int argc, char **argv)
{
	struct network_create_opts o = {0};
	_cleanup_strv_ char **labels = NULL;
	const struct opt opts[] = {
		{"driver", 'd', OPT_STRING, &o.driver, "DRIVER", "bridge (the only one)"},
		{"subnet", 0, OPT_STRING, &o.subnet, "CIDR", "the network's subnet"},
		{"gateway", 0, OPT_STRING, &o.gateway, "ADDRESS", "the bridge's address"},
		{"ip-range", 0, OPT_STRING, &o.ip_range, "CIDR", "where containers get addresses"},
		{"internal", 0, OPT_BOOL, &o.internal, NULL, "no way out of the network"},
		{"label", 0, OPT_STRV, &labels, "KEY=VALUE", "a label"},
	};
	const struct opt_spec spec = {
		.usage = "network create [options] NETWORK",
		.summary = "Create a network.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, 1, &args, &ex))
		return ex;
	o.name = args[0];
	o.labels = labels;
	_cleanup_err_ struct err e = ERR_INIT;
	struct network n;
	if (network_create(g->root, &o, &n, &e) < 0)
		return report(&e);
	cli_event(g, "network", "create", n.id, "name", n.name, "type", "bridge", NULL);
	printf("%s\n", n.id);
	network_clear(&n);
	return 0;
}

static char *network_json(struct global *g, const struct network *n)
{
	char subnet[24], range[24], gw[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &n->gateway, gw, sizeof(gw));
	ipv4_net_format(&n->subnet, subnet, sizeof(subnet));
	ipv4_net_format(&n->range, range, sizeof(range));
	json_t *cfg = json_pack("{s:s, s:s}", "Subnet", subnet, "Gateway", gw);
	if (strcmp(subnet, range) != 0)
		json_object_set_new(cfg, "IPRange", json_string(range));
	json_t *labels = json_object();
	for (char **p = n->labels; p && p[0] && p[1]; p += 2)
		json_object_set_new(labels, p[0], json_string(p[1]));
	json_t *ctrs = json_object();
	struct container *l;
	size_t cnt;
	if (container_list(g->root, &l, &cnt, NULL) == 0) {
		for (size_t i = 0; i < cnt; i++) {
			engine_refresh(&g->en, &l[i]);
			const char *ip = l[i].network && !strcmp(l[i].network, n->name) ? l[i].ip : NULL;
			for (size_t k = 0; k < l[i].n_extra; k++)
				if (!strcmp(l[i].extra[k].name, n->name))
					ip = l[i].extra[k].address;
			if (!ip || l[i].state != CONTAINER_RUNNING)
				continue;
			_cleanup_free_ char *addr = xasprintf("%s/%u", ip, n->subnet.prefix);
			json_object_set_new(ctrs, l[i].id,
					    json_pack("{s:s, s:s}", "Name", l[i].name ? l[i].name : "",
						      "IPv4Address", addr));
		}
		container_list_free(l, cnt);
	}
	_cleanup_json_ json_t *o = json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:b, s:{s:s, s:{}, s:[o]}, s:b, s:b, s:b, s:o, "
		"s:{s:s}, s:o}",
		"Name", n->name, "Id", n->id, "Created", n->created ? n->created : "", "Scope",
		"local", "Driver", n->driver, "EnableIPv6", 0, "IPAM", "Driver", "default", "Options",
		"Config", cfg, "Internal", n->internal, "Attachable", 0, "Ingress", 0, "Containers",
		ctrs, "Options", "com.docker.network.bridge.name", n->iface, "Labels", labels);
	return json_dump_string(o, true);
}

/* The network, the default one made on first use. */
static int get(struct global *g, const char *name, struct network *n, struct err *e)
{
	return network_get(g->root, name, n, e);
}

static int net_inspect(struct global *g, int argc, char **argv)
{
	const char *fmt = NULL;
	const struct opt opts[] = {
		{"format", 'f', OPT_STRING, &fmt, "FORMAT", "a Go template"},
	};
	const struct opt_spec spec = {
		.usage = "network inspect [options] NETWORK [NETWORK...]",
		.summary = "Display detailed information on one or more networks.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, SIZE_MAX, &args, &ex))
		return ex;
	int rc = 0;
	bool first = true;
	for (char **a = args; *a; a++) {
		_cleanup_err_ struct err e = ERR_INIT;
		struct network n;
		if (get(g, *a, &n, &e) < 0) {
			rc = report(&e);
			continue;
		}
		_cleanup_free_ char *text = network_json(g, &n);
		network_clear(&n);
		if (fmt) {
			if (print_formatted(fmt, text, &e) < 0)
				rc = report(&e);
			continue;
		}
		print_in_array(text, &first);
	}
	if (!fmt)
		printf("%s]\n", first ? "[" : "\n");
	return rc;
}

static int net_ls(struct global *g, int argc, char **argv)
{
	bool quiet = false, no_trunc = false;
	const char *fmt = NULL;
	const struct opt opts[] = {
		{"quiet", 'q', OPT_BOOL, &quiet, NULL, "only the ids"},
		{"no-trunc", 0, OPT_BOOL, &no_trunc, NULL, "full ids"},
		{"format", 0, OPT_STRING, &fmt, "FORMAT", "table, json or a Go template"},
	};
	const struct opt_spec spec = {
		.usage = "network ls [options]",
		.summary = "List networks.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 0, 0, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	struct network def;
	if (get(g, NETWORK_DEFAULT, &def, &e) < 0)
		return report(&e);
	network_clear(&def);
	struct network *l;
	size_t n;
	if (network_list(g->root, &l, &n, &e) < 0)
		return report(&e);
	const char *dflt = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}";
	struct format f;
	if (format_init(&f, quiet && !fmt ? "{{.ID}}" : fmt, dflt, &e) < 0) {
		network_list_free(l, n);
		return report(&e);
	}
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		_cleanup_free_ char *id = no_trunc ? xstrdup(l[i].id) : xstrndup(l[i].id, 12);
		_cleanup_free_ char *lab = NULL;
		struct strbuf b = STRBUF_INIT;
		for (char **p = l[i].labels; p && p[0] && p[1]; p += 2)
			strbuf_addf(&b, "%s%s=%s", p == l[i].labels ? "" : ",", p[0], p[1]);
		lab = strbuf_detach(&b, NULL);
		char *row[] = {"ID", id, "Name", l[i].name, "Driver", l[i].driver, "Scope", "local",
			       "Internal", l[i].internal ? "true" : "false", "Labels", lab, NULL};
		r = format_row(&f, row, &e);
	}
	char *headers[] = {"ID", "NETWORK ID", "Name", "NAME", "Driver", "DRIVER", "Scope",
			   "SCOPE", "Internal", "INTERNAL", "Labels", "LABELS", NULL};
	if (r == 0)
		format_finish(&f, headers);
	else
		format_clear(&f);
	network_list_free(l, n);
	return r < 0 ? report(&e) : 0;
}

/* Remove one, refused while a container uses it. */
static int remove_one(struct global *g, const char *name, struct err *e)
{
	if (!strcmp(name, NETWORK_DEFAULT) || !strcmp(name, "host") || !strcmp(name, "none"))
		return err_set(e, ERR_INVALID, "%s is a pre-defined network and cannot be removed",
			       name);
	struct network n;
	if (network_get(g->root, name, &n, e) < 0)
		return -1;
	_cleanup_strv_ char **users = users_of(g, n.name);
	if (users) {
		struct strbuf b = STRBUF_INIT;
		for (char **u = users; *u; u++)
			strbuf_addf(&b, "%s%.12s", u == users ? "" : ", ", *u);
		_cleanup_free_ char *list = strbuf_detach(&b, NULL);
		err_set(e, ERR_CONFLICT,
			"error while removing network: network %s id %s has active endpoints "
			"(containers %s)",
			n.name, n.id, list);
		network_clear(&n);
		return -1;
	}
	network_clear(&n);
	if (network_remove(g->root, name, e) < 0)
		return -1;
	/* What its runs left in the runroot (leases, names, logs). */
	_cleanup_free_ char *run = xasprintf("%s/networks", g->en.runroot);
	_cleanup_close_ int dfd = open(run, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		(void)rm_rf_at(dfd, name, NULL);
	return 0;
}

static int net_rm(struct global *g, int argc, char **argv)
{
	bool force = false;
	const struct opt opts[] = {
		{"force", 'f', OPT_BOOL, &force, NULL, "no error for a network that does not exist"},
	};
	const struct opt_spec spec = {
		.usage = "network rm [options] NETWORK [NETWORK...]",
		.summary = "Remove one or more networks.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, SIZE_MAX, &args, &ex))
		return ex;
	int rc = 0;
	for (char **a = args; *a; a++) {
		_cleanup_err_ struct err e = ERR_INIT;
		if (remove_one(g, *a, &e) < 0) {
			if (!(force && e.kind == ERR_NOT_FOUND))
				rc = report(&e);
			continue;
		}
		cli_event(g, "network", "destroy", *a, "name", *a, "type", "bridge", NULL);
		printf("%s\n", *a);
	}
	return rc;
}

int networks_prune(struct global *g)
{
	_cleanup_err_ struct err e = ERR_INIT;
	struct network *l;
	size_t n;
	if (network_list(g->root, &l, &n, &e) < 0)
		return report(&e);
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(l[i].name, NETWORK_DEFAULT))
			continue;
		_cleanup_strv_ char **users = users_of(g, l[i].name);
		_cleanup_err_ struct err pe = ERR_INIT;
		if (users || remove_one(g, l[i].name, &pe) < 0)
			continue;
		if (!any)
			printf("Deleted Networks:\n");
		any = true;
		printf("%s\n", l[i].name);
	}
	network_list_free(l, n);
	return 0;
}

static int net_prune(struct global *g, int argc, char **argv)
{
	bool force = false;
	const struct opt opts[] = {
		{"force", 'f', OPT_BOOL, &force, NULL, "do not ask (berth never asks)"},
	};
	const struct opt_spec spec = {
		.usage = "network prune [options]",
		.summary = "Remove all unused networks.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 0, 0, &args, &ex))
		return ex;
	return networks_prune(g);
}

static int net_connect(struct global *g, int argc, char **argv)
{
	const char *ip = NULL;
	_cleanup_strv_ char **aliases = NULL;
	const struct opt opts[] = {
		{"ip", 0, OPT_STRING, &ip, "ADDRESS", "the container's address on the network"},
		{"alias", 0, OPT_STRV, &aliases, "NAME", "another name on the network"},
	};
	const struct opt_spec spec = {
		.usage = "network connect [options] NETWORK CONTAINER",
		.summary = "Connect a container to a network.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 2, 2, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	for (char **a = aliases; a && *a; a++)
		if (!**a || strlen(*a) > 63 || strpbrk(*a, " \t\n/"))
			return err_set(&e, ERR_INVALID, "invalid network alias \"%s\"", *a), report(&e);
	if (engine_network_connect(&g->en, args[0], args[1], ip, aliases, &e) < 0)
		return report(&e);
	cli_event(g, "network", "connect", args[0], "name", args[0], "container", args[1], NULL);
	return 0;
}

static int net_disconnect(struct global *g, int argc, char **argv)
{
	bool force = false;
	const struct opt opts[] = {
		{"force", 'f', OPT_BOOL, &force, NULL, "no error when it is not connected"},
	};
	const struct opt_spec spec = {
		.usage = "network disconnect [options] NETWORK CONTAINER",
		.summary = "Disconnect a container from a network.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 2, 2, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	if (engine_network_disconnect(&g->en, args[0], args[1], &e) < 0 &&
	    !(force && e.kind == ERR_NOT_FOUND))
		return report(&e);
	cli_event(g, "network", "disconnect", args[0], "name", args[0], "container", args[1], NULL);
	return 0;
}

static int net_check(struct global *g, int argc, char **argv)
{
	const struct opt_spec spec = {
		.usage = "network check CONTAINER",
		.summary = "Check that a running container's network is as it was set up (CNI "
			   "networks: the plugins' CHECK).",
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, 1, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	if (engine_network_check(&g->en, args[0], &e) < 0)
		return report(&e);
	printf("ok\n");
	return 0;
}

static const struct command network_commands[] = {
	{"check", net_check, "check a running container's network"},
	{"connect", net_connect, "connect a container to a network"},
	{"create", net_create, "create a network"},
	{"disconnect", net_disconnect, "disconnect a container from a network"},
	{"inspect", net_inspect, "show a network's details"},
	{"list", net_ls, "list networks"},
	{"ls", net_ls, "list networks"},
	{"prune", net_prune, "remove all unused networks"},
	{"remove", net_rm, "remove networks"},
	{"rm", net_rm, "remove networks"},
};

int cmd_network(struct global *g, int argc, char **argv)
{
	return dispatch_sub(network_commands, ARRAY_SIZE(network_commands), "network", g, argc,
			    argv);
}
