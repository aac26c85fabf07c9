/* inspect.c: a container as docker's inspect shows it. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "engine/engine.h"
#include "engine/internal.h"
#include "engine/ports.h"
#include "net/network.h"

static json_t *str_or_empty(const char *s)
{
	return json_string(s ? s : "");
}

/* Config from the bundle's config.json: what runs, as docker names it. */
/* docker's "80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}] */
static void port_json_add(json_t *obj, const struct port_map *m)
{
	char ip[INET_ADDRSTRLEN], key[16], hp[8];
	inet_ntop(AF_INET, &m->host_ip, ip, sizeof(ip));
	snprintf(key, sizeof(key), "%u/%s", m->port, m->udp ? "udp" : "tcp");
	snprintf(hp, sizeof(hp), "%u", m->host_port);
	json_t *list = json_object_get(obj, key);
	if (!list) {
		list = json_array();
		json_object_set_new(obj, key, list);
	}
	json_array_append_new(list, json_pack("{s:s, s:s}", "HostIp", ip, "HostPort",
					      m->host_port ? hp : ""));
}

/* NetworkSettings.Networks[name]: the container there (ip NULL: not
 * running). */
static json_t *endpoint_json(const struct network *n, const char *ip, char **aliases)
{
	char gw[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &n->gateway, gw, sizeof(gw));
	json_t *one = json_object();
	json_object_set_new(one, "NetworkID", json_string(n->id));
	json_object_set_new(one, "IPAddress", json_string(ip ? ip : ""));
	json_object_set_new(one, "IPPrefixLen", json_integer(ip ? (int)n->subnet.prefix : 0));
	json_object_set_new(one, "Gateway", json_string(ip ? gw : ""));
	json_t *al = json_array();
	for (char **a = aliases; a && *a; a++)
		json_array_append_new(al, json_string(*a));
	json_object_set_new(one, "Aliases", al);
	return one;
}

static json_t *config_of(const struct container *c, json_t *spec)
{
	json_t *proc = json_object_get(spec, "process");
	json_t *cfg = json_object();
	json_object_set(cfg, "Hostname",
			json_object_get(spec, "hostname") ? json_object_get(spec, "hostname")
							  : json_string(""));
	json_t *user = json_object_get(proc, "user");
	json_object_set_new(cfg, "User",
			    json_sprintf("%lld:%lld",
					 (long long)json_integer_value(json_object_get(user, "uid")),
					 (long long)json_integer_value(json_object_get(user, "gid"))));
	json_object_set_new(cfg, "Tty", json_boolean(c->tty));
	json_object_set_new(cfg, "OpenStdin", json_boolean(c->interactive));
	json_object_set(cfg, "Env",
			json_object_get(proc, "env") ? json_object_get(proc, "env") : json_array());
	json_object_set_new(cfg, "Cmd", json_string_array(c->command));
	json_object_set_new(cfg, "Image", str_or_empty(c->image));
	json_object_set(cfg, "WorkingDir",
			json_object_get(proc, "cwd") ? json_object_get(proc, "cwd") : json_string("/"));
	json_t *labels = json_object();
	for (char **l = c->labels; l && l[0] && l[1]; l += 2)
		json_object_set_new(labels, l[0], json_string(l[1]));
	json_object_set_new(cfg, "Labels", labels);
	json_object_set_new(cfg, "StopSignal", json_string(c->stop_signal ? c->stop_signal
									 : "SIGTERM"));
	json_object_set_new(cfg, "StopTimeout", json_integer(c->stop_timeout >= 0 ? c->stop_timeout
										  : 10));
	return cfg;
}

char *engine_inspect_json(const struct engine *en, const struct container *c, struct err *e)
{
	_cleanup_free_ char *path = xasprintf("%s/containers/%s/config.json", en->root, c->id);
	_cleanup_free_ char *text = NULL;
	size_t len;
	_cleanup_json_ json_t *spec = NULL;
	if (read_file_at(AT_FDCWD, path, 4u << 20, &text, &len, e) < 0 ||
	    json_parse_buffer(text, len, "config.json", &spec, e) < 0)
		return NULL;
	_cleanup_json_ json_t *o = json_object();
	bool running = c->state == CONTAINER_RUNNING || c->state == CONTAINER_PAUSED;
	json_object_set_new(o, "Id", json_string(c->id));
	json_object_set_new(o, "Created", str_or_empty(c->created));
	json_object_set_new(o, "Path", json_string(c->command && c->command[0] ? c->command[0] : ""));
	json_t *args = json_array();
	for (char **a = c->command && c->command[0] ? c->command + 1 : NULL; a && *a; a++)
		json_array_append_new(args, json_string(*a));
	json_object_set_new(o, "Args", args);
	json_t *st = json_object();
	json_object_set_new(st, "Status", json_string(container_state_name(c->state)));
	json_object_set_new(st, "Running", json_boolean(running));
	json_object_set_new(st, "Paused", json_boolean(c->state == CONTAINER_PAUSED));
	json_object_set_new(st, "Restarting", json_boolean(c->state == CONTAINER_RESTARTING));
	json_object_set_new(st, "OOMKilled", json_false());
	json_object_set_new(st, "Dead", json_false());
	json_object_set_new(st, "Pid", json_integer(running ? c->pid : 0));
	json_object_set_new(st, "ExitCode", json_integer(c->exit_code));
	json_object_set_new(st, "Error", json_string(""));
	json_object_set_new(st, "StartedAt",
			    json_string(c->started ? c->started : "0001-01-01T00:00:00Z"));
	json_object_set_new(st, "FinishedAt",
			    json_string(c->finished ? c->finished : "0001-01-01T00:00:00Z"));
	json_t *health = engine_health_state(en, c);
	if (health) {
		json_object_del(health, "Passed");
		json_object_set_new(st, "Health", health);
	}
	json_object_set_new(o, "State", st);
	json_object_set_new(o, "Image", str_or_empty(c->image_id));
	_cleanup_free_ char *log = engine_log_path(en, c);
	json_object_set_new(o, "LogPath", json_string(log));
	json_object_set_new(o, "Name", json_sprintf("/%s", c->name ? c->name : ""));
	json_object_set_new(o, "RestartCount", json_integer(c->restart_count));
	json_object_set_new(o, "Driver", json_string("overlay"));
	json_object_set_new(o, "Platform", json_string("linux"));
	json_t *hc = json_object();
	json_object_set_new(hc, "AutoRemove", json_boolean(c->auto_remove));
	json_object_set_new(hc, "RestartPolicy",
			    json_pack("{s:s, s:i}", "Name",
				      c->restart_policy ? c->restart_policy : "no",
				      "MaximumRetryCount", c->restart_max));
	json_t *lc = json_object();
	json_object_set_new(lc, "Type", json_string(c->log_driver ? c->log_driver : "json-file"));
	json_object_set_new(lc, "Config", json_object());
	json_object_set_new(hc, "LogConfig", lc);
	json_object_set_new(hc, "Runtime", json_string(c->runtime ? c->runtime : "berth"));
	json_object_set_new(o, "HostConfig", hc);
	json_t *gd = json_object();
	json_t *gdd = json_object();
	json_object_set_new(gdd, "MergedDir",
			    json_sprintf("%s/containers/%s/fs/merged", en->root, c->id));
	json_object_set_new(gdd, "UpperDir", json_sprintf("%s/containers/%s/fs/upper", en->root, c->id));
	json_object_set_new(gdd, "WorkDir", json_sprintf("%s/containers/%s/fs/work", en->root, c->id));
	json_object_set_new(gd, "Name", json_string("overlay"));
	json_object_set_new(gd, "Data", gdd);
	json_object_set_new(o, "GraphDriver", gd);
	json_t *mounts = json_array();
	for (char **v = c->volumes; v && v[0] && v[1] && v[2]; v += 3) {
		_cleanup_free_ char *src = xasprintf("%s/volumes/%s/_data", en->root, v[0]);
		json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s}",
							"Type", "volume", "Name", v[0], "Source",
							src, "Destination", v[1], "Driver", "local",
							"Mode", "", "RW", true, "Propagation", ""));
	}
	json_object_set_new(o, "Mounts", mounts);
	json_object_set_new(o, "Config", config_of(c, spec));
	json_object_set_new(hc, "NetworkMode", json_string(c->network ? c->network : "none"));
	/* What -p asked for, and what the run has. */
	json_t *pb = json_object();
	_cleanup_free_ struct port_map *want = NULL;
	size_t nw = 0;
	for (char **p = c->ports; p && *p; p++)
		(void)ports_parse(*p, &want, &nw, NULL);
	for (size_t i = 0; i < nw; i++)
		port_json_add(pb, &want[i]);
	json_object_set_new(hc, "PortBindings", pb);
	json_t *ns = json_object();
	json_t *ports = json_object();
	for (char **p = c->ports_bound; p && *p; p++) {
		struct port_map m;
		if (port_map_parse_formatted(*p, &m) == 0)
			port_json_add(ports, &m);
	}
	json_object_set_new(ns, "Ports", ports);
	struct network n;
	bool have = c->network && engine_net_bridged(c->network) &&
		    network_get(en->root, c->network, &n, NULL) == 0;
	char gw[INET_ADDRSTRLEN] = "";
	if (have)
		inet_ntop(AF_INET, &n.gateway, gw, sizeof(gw));
	bool up = c->ip && (c->state == CONTAINER_RUNNING || c->state == CONTAINER_PAUSED);
	json_object_set_new(ns, "IPAddress", json_string(up ? c->ip : ""));
	json_object_set_new(ns, "IPPrefixLen", json_integer(up && have ? (int)n.subnet.prefix : 0));
	json_object_set_new(ns, "Gateway", json_string(up ? gw : ""));
	_cleanup_free_ char *sandbox = engine_netns_path(en, c->id);
	json_object_set_new(ns, "SandboxKey", json_string(up ? sandbox : ""));
	json_t *nets = json_object();
	if (have) {
		json_object_set_new(nets, n.name, endpoint_json(&n, up ? c->ip : NULL, c->aliases));
		network_clear(&n);
	}
	for (size_t i = 0; i < c->n_extra; i++) {
		const struct net_extra *x = &c->extra[i];
		struct network xn;
		if (network_get(en->root, x->name, &xn, NULL) < 0)
			continue;
		json_object_set_new(nets, xn.name,
				    endpoint_json(&xn, up ? x->address : NULL, x->aliases));
		network_clear(&xn);
	}
	json_object_set_new(ns, "Networks", nets);
	json_object_set_new(o, "NetworkSettings", ns);
	return json_dump_string(o, true);
}
