/* engine.c: see engine.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "base/time-util.h"
#include "engine/engine.h"
#include "engine/internal.h"
#include "image/snapshot.h"
#include "monitor/logfile.h"
#include "base/parse-util.h"
#include "image/store.h"
#include "engine/ports.h"
#include "net/cni.h"
#include "net/network.h"

static char *holder_of(const char *id)
{
	return xasprintf("container-%s", id);
}

static bool name_taken(const char *name, void *data)
{
	const struct engine *en = data;
	_cleanup_free_ char *id = NULL;
	return container_lookup(en->root, name, &id, NULL) == 0;
}

/* What a failed create leaves is undone in reverse order. */
struct undo {
	const struct engine *en;
	struct store *s;
	char id[CONTAINER_ID_LEN + 1];
	char *name;	/* reserved */
	char *image_id; /* held */
	char *dir;	/* made */
	char **ports;	/* -p, and -P's: the image's exposed ports */
	struct engine_volumes vols;
	char *health; /* the health check (JSON text) */
};

static void undo_all(struct undo *u)
{
	engine_volumes_undo(u->en, &u->vols);
	if (u->dir) {
		_cleanup_free_ char *fs = xasprintf("%s/fs", u->dir);
		(void)snapshot_remove(fs, NULL);
		(void)rm_rf_at(AT_FDCWD, u->dir, NULL);
	}
	if (u->image_id) {
		_cleanup_free_ char *h = holder_of(u->id);
		(void)store_release(u->s, u->image_id, h, NULL);
	}
	if (u->name)
		(void)container_name_release(u->en->root, u->name, u->id);
}

static void undo_clear(struct undo *u)
{
	free(u->name);
	free(u->image_id);
	free(u->dir);
	strv_free(u->ports);
	engine_volumes_clear(&u->vols);
	free(u->health);
}

/* The record: from the moment it is written the container exists. */
static int save_record(const struct engine *en, const struct engine_create_opts *o,
		       const struct undo *u, const char *spec, struct err *e)
{
	_cleanup_json_ json_t *doc = json_loads(spec, 0, NULL);
	struct container c = {0};
	memcpy(c.id, u->id, sizeof(c.id));
	c.name = u->name;
	c.image = (char *)o->image;
	c.image_id = u->image_id;
	json_t *args = json_object_get(json_object_get(doc, "process"), "args"), *it;
	size_t k;
	json_array_foreach(args, k, it)
		strv_push(&c.command, json_string_value(it));
	char now[RFC3339_MAX];
	time_now_rfc3339(now);
	c.created = now;
	c.state = CONTAINER_CREATED;
	c.auto_remove = o->auto_remove;
	c.interactive = o->interactive;
	c.tty = o->run.tty;
	c.log_driver = (char *)(o->log_driver ? o->log_driver : "json-file");
	c.stop_signal = (char *)o->stop_signal;
	c.stop_timeout = o->stop_timeout;
	c.network = (char *)o->run.network;
	if (engine_net_bridged(o->run.network)) {
		c.ports = u->ports;
		c.ip_want = (char *)o->ip;
		c.aliases = o->aliases;
	}
	c.custom_dns = o->run.dns != NULL;
	c.cni = o->cni;
	c.volumes = u->vols.used;
	c.health = u->health;
	_cleanup_free_ char *policy = NULL;
	if (o->restart && engine_restart_policy_parse(o->restart, &policy, &c.restart_max, e) < 0)
		return -1;
	c.restart_policy = policy && strcmp(policy, "no") ? policy : NULL;
	for (char **x = o->extra_networks; x && *x; x++) {
		c.extra = xrealloc(c.extra, (c.n_extra + 1) * sizeof(*c.extra));
		c.extra[c.n_extra] = (struct net_extra){.name = xstrdup(*x),
							.iface = (unsigned)(c.n_extra + 1)};
		c.n_extra++;
	}
	for (char **l = o->run.labels; l && *l; l++) {
		const char *eq = strchr(*l, '=');
		_cleanup_free_ char *key = eq ? xstrndup(*l, (size_t)(eq - *l)) : xstrdup(*l);
		strv_push(&c.labels, key);
		strv_push(&c.labels, eq ? eq + 1 : "");
	}
	int r = container_save(en->root, &c, e);
	for (size_t i = 0; i < c.n_extra; i++)
		net_extra_clear(&c.extra[i]);
	free(c.extra);
	c.log_driver = c.stop_signal = c.network = c.ip_want = NULL;
	c.ports = c.aliases = c.volumes = NULL;
	c.restart_policy = NULL;
	c.health = NULL;
	strv_free(c.command);
	strv_free(c.labels);
	return r;
}

/* Host lines of resolv.conf a container can use: not the host's own
 * loopback resolvers (docker drops them too). */
static char *resolv_conf(void)
{
	_cleanup_free_ char *host = NULL;
	size_t len;
	struct strbuf b = STRBUF_INIT;
	if (read_file_at(AT_FDCWD, "/etc/resolv.conf", 1 << 16, &host, &len, NULL) == 0) {
		char *save = NULL;
		for (char *l = strtok_r(host, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			if (!strncmp(l, "nameserver", 10) &&
			    (strstr(l, " 127.") || strstr(l, "\t127.") || strstr(l, " ::1")))
				continue;
			strbuf_addf(&b, "%s\n", l);
		}
	}
	return strbuf_detach(&b, NULL);
}

/* /etc/hosts, /etc/hostname and /etc/resolv.conf of the container, kept
 * with it and bound over the image's. */
int engine_write_etc_files(const char *dir, const char *id, const struct spec_run_opts *run,
			   struct err *e)
{
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(e, errno, "container %.12s", id);
	_cleanup_free_ char *hostname = run->hostname && *run->hostname
						? xstrdup(run->hostname)
						: xstrndup(id, 12);
	bool host_net = run->network && streq(run->network, "host");
	_cleanup_free_ char *hosts = NULL;
	size_t len;
	if (!host_net || read_file_at(AT_FDCWD, "/etc/hosts", 1 << 20, &hosts, &len, NULL) < 0) {
		free(hosts);
		hosts = xasprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost "
				  "ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\n"
				  "ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n");
	}
	/* --add-host NAME:IP lines ("host-gateway": the network's gateway,
	 * filled in at the start). */
	for (char **h = run->add_hosts; h && *h; h++) {
		const char *colon = strchr(*h, ':');
		_cleanup_free_ char *nm = xstrndup(*h, (size_t)(colon - *h));
		bool gw = !strcmp(colon + 1, "host-gateway");
		char *more = xasprintf("%s%s%s\t%s\n", hosts, gw ? "# " : "", colon + 1, nm);
		free(hosts);
		hosts = more;
	}
	_cleanup_free_ char *name = xasprintf("%s\n", hostname);
	_cleanup_free_ char *resolv = resolv_conf();
	if (run->dns) {
		/* --dns: these name servers, the host's search and options. */
		struct strbuf b = STRBUF_INIT;
		for (char **d = run->dns; *d; d++)
			strbuf_addf(&b, "nameserver %s\n", *d);
		char *save = NULL;
		for (char *l = strtok_r(resolv, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			if (strncmp(l, "nameserver", 10) != 0)
				strbuf_addf(&b, "%s\n", l);
		free(resolv);
		resolv = strbuf_detach(&b, NULL);
	}
	if (write_file_atomic_at(dfd, "hosts", hosts, strlen(hosts), 0644, 0, e) < 0 ||
	    write_file_atomic_at(dfd, "hostname", name, strlen(name), 0644, 0, e) < 0 ||
	    write_file_atomic_at(dfd, "resolv.conf", resolv, strlen(resolv), 0644, 0, e) < 0)
		return err_wrap(e, "container %.12s", id);
	return 0;
}

/* --network container:X: X's /etc/hosts and resolv.conf, copied. */
static void share_etc(const struct engine *en, const char *x, const char *dir)
{
	static const char *const files[] = {"hosts", "resolv.conf"};
	_cleanup_free_ char *xdir = xasprintf("%s/containers/%s", en->root, x);
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = 0; i < ARRAY_SIZE(files) && dfd >= 0; i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", xdir, files[i]);
		_cleanup_free_ char *text = NULL;
		size_t len;
		if (read_file_at(AT_FDCWD, p, 1 << 20, &text, &len, NULL) == 0)
			(void)write_file_atomic_at(dfd, files[i], text, len, 0644, 0, NULL);
	}
}

/* The root, the bundle's config.json, the record. */
static int make_bundle(const struct engine *en, const struct engine_create_opts *o,
		       const struct store_image *im, struct undo *u, struct err *e)
{
	u->dir = xasprintf("%s/containers/%s", en->root, u->id);
	if (mkdir_p(u->dir, 0700, e) < 0)
		return -1;
	_cleanup_free_ char *fs = xasprintf("%s/fs", u->dir);
	struct snapshot_opts so = {.driver = SNAPSHOT_AUTO, .volatile_upper = o->auto_remove};
	if (snapshot_create(u->s, im, fs, &so, e) < 0)
		return -1;
	_cleanup_free_ char *cfg = NULL;
	size_t len;
	if (store_blob_read(u->s, im->id, STORE_DOC_MAX, &cfg, &len, e) < 0)
		return -1;
	_cleanup_free_ char *rootfs = xasprintf("%s/merged", fs);
	_cleanup_close_ int rfd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct spec_run_opts run = o->run;
	run.id = u->id;
	run.rootfs = rootfs;
	run.rootfs_fd = rfd;
	if (engine_write_etc_files(u->dir, u->id, &run, e) < 0)
		return -1;
	run.etc_dir = u->dir;
	_cleanup_free_ char *netns =
		engine_net_bridged(run.network)		      ? engine_netns_path(en, u->id)
		: run.network && !strncmp(run.network, "container:", 10) ? engine_netns_path(en, run.network + 10)
									  : NULL;
	if (run.network && !strncmp(run.network, "container:", 10))
		share_etc(en, run.network + 10, u->dir);
	run.netns_path = netns;
	_cleanup_err_ struct err he = ERR_INIT;
	u->health = engine_health_config(cfg, &o->health, &he);
	if (!u->health && he.kind != ERR_OK) {
		err_move(e, &he);
		return -1;
	}
	if (engine_volumes_resolve(en, &run, cfg, rfd, &u->vols, e) < 0)
		return -1;
	run.volumes = u->vols.volumes;
	run.mounts = u->vols.mounts;
	struct spec_image img = {.config_json = cfg};
	_cleanup_free_ char *spec = spec_generate(&img, &run, e);
	if (!spec)
		return -1;
	_cleanup_close_ int dfd = open(u->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(e, errno, "container %.12s", u->id);
	if (write_file_atomic_at(dfd, "config.json", spec, strlen(spec), 0600, 0, e) < 0)
		return -1;
	/* -P: every port the image exposes, on a free host port. */
	for (char **p = o->ports; p && *p; p++)
		strv_push(&u->ports, *p);
	if (o->publish_all) {
		_cleanup_json_ json_t *ic = json_loads(cfg, 0, NULL);
		json_t *exposed = json_object_get(json_object_get(ic, "config"), "ExposedPorts");
		const char *k;
		json_t *v;
		json_object_foreach(exposed, k, v)
		{
			_cleanup_free_ struct port_map *m = NULL;
			size_t nm = 0;
			if (ports_parse(k, &m, &nm, NULL) == 0 && nm == 1)
				strv_push(&u->ports, k);
		}
	}
	return save_record(en, o, u, spec, e);
}

static int create_from(const struct engine *en, const struct engine_create_opts *o,
		       const struct store_image *im, struct undo *u, struct err *e)
{
	/* The name, then the hold, then the root. */
	u->name = o->name ? xstrdup(o->name[0] == '/' ? o->name + 1 : o->name)
			  : container_name_new(name_taken, (void *)en);
	if (container_name_reserve(en->root, u->name, u->id, e) < 0) {
		free(u->name);
		u->name = NULL;
		return -1;
	}
	_cleanup_free_ char *holder = holder_of(u->id);
	if (store_hold(u->s, im->id, holder, e) < 0)
		return -1;
	u->image_id = xstrdup(im->id);
	return make_bundle(en, o, im, u, e);
}

static int create_in_store(const struct engine *en, const struct engine_create_opts *o,
			   struct undo *u, struct err *e)
{
	struct store_index idx;
	if (store_index_load(u->s, &idx, e) < 0)
		return -1;
	_cleanup_err_ struct err fe = ERR_INIT;
	long i = store_find(&idx, o->image, &fe);
	int r;
	if (i < 0 && fe.kind == ERR_NOT_FOUND)
		r = err_set(e, ERR_NOT_FOUND, "Unable to find image '%s' locally", o->image);
	else if (i < 0)
		r = (err_move(e, &fe), -1);
	else
		r = create_from(en, o, &idx.images[i], u, e);
	store_index_clear(&idx);
	return r;
}

/* The network exists (ours, or a CNI list's: *cni), and the options
 * that go with it are right for it. */
static int check_network(const struct engine *en, const struct engine_create_opts *o, bool *cni,
			 struct err *e)
{
	_cleanup_free_ struct port_map *maps = NULL;
	size_t nm = 0;
	for (char **p = o->ports; p && *p; p++)
		if (ports_parse(*p, &maps, &nm, e) < 0)
			return -1;
	struct network n;
	_cleanup_err_ struct err ne = ERR_INIT;
	if (network_get(en->root, o->run.network, &n, &ne) < 0) {
		/* Not one of ours: a CNI configuration list's? */
		_cleanup_json_ json_t *list = NULL;
		if (ne.kind != ERR_NOT_FOUND ||
		    cni_find(engine_cni_dir(en), o->run.network, &list, NULL) < 0) {
			err_move(e, &ne);
			return -1;
		}
		for (size_t i = 0; i < nm; i++)
			if (!maps[i].host_port)
				return err_set(e, ERR_INVALID, "network %s (CNI): -p needs a host port",
					       o->run.network);
		if (o->ip)
			return err_set(e, ERR_INVALID, "network %s (CNI): --ip is not supported",
				       o->run.network);
		*cni = true;
		return 0;
	}
	struct in_addr want;
	int r = o->ip ? network_ip_check(&n, o->ip, &want, e) : 0;
	network_clear(&n);
	return r;
}

int engine_create(const struct engine *en, const struct engine_create_opts *o, char **ret_id,
		  struct err *e)
{
	if (o->name && container_name_check(o->name[0] == '/' ? o->name + 1 : o->name, e) < 0)
		return -1;
	enum log_driver ld;
	if (o->log_driver && log_driver_parse(o->log_driver, &ld) < 0)
		return err_set(e, ERR_INVALID,
			       "unknown log driver \"%s\" (json-file, k8s-file or none)", o->log_driver);
	int sig;
	if (o->stop_signal && parse_signal(o->stop_signal, &sig) < 0)
		return err_set(e, ERR_INVALID, "invalid signal: %s", o->stop_signal);
	for (char **a = o->aliases; a && *a; a++)
		if (!**a || strlen(*a) > 63 || strspn(*a, "abcdefghijklmnopqrstuvwxyz"
						       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
							 strlen(*a))
			return err_set(e, ERR_INVALID, "invalid network alias \"%s\"", *a);
	for (char **d = o->run.dns; d && *d; d++) {
		struct in_addr a;
		if (ipv4_addr_parse(*d, &a, NULL) < 0)
			return err_set(e, ERR_INVALID, "%s is not an IPv4 address (--dns)", *d);
	}
	for (char **h = o->run.add_hosts; h && *h; h++) {
		const char *colon = strchr(*h, ':');
		struct in_addr a;
		if (!colon || colon == *h || strpbrk(*h, " \t\n") ||
		    (strcmp(colon + 1, "host-gateway") != 0 &&
		     ipv4_addr_parse(colon + 1, &a, NULL) < 0))
			return err_set(e, ERR_INVALID, "invalid argument \"%s\" for \"--add-host\" "
				       "flag: NAME:IP or NAME:host-gateway", *h);
	}
	if (o->restart) {
		_cleanup_free_ char *policy = NULL;
		int max;
		if (engine_restart_policy_parse(o->restart, &policy, &max, e) < 0)
			return -1;
		if (o->auto_remove && strcmp(policy, "no"))
			return err_set(e, ERR_INVALID, "conflicting options: --restart and --rm");
	}
	/* docker's default network is its bridge. */
	struct engine_create_opts oo = *o;
	bool cni = false;
	if (!oo.run.network || !*oo.run.network)
		oo.run.network = NETWORK_DEFAULT;
	if (engine_net_bridged(oo.run.network) && check_network(en, &oo, &cni, e) < 0)
		return -1;
	for (char **x = oo.extra_networks; x && *x; x++) {
		struct network n;
		if (!engine_net_bridged(oo.run.network) || cni)
			return err_set(e, ERR_INVALID, "network %s cannot be joined with network %s",
				       *x, oo.run.network);
		if (network_get(en->root, *x, &n, e) < 0)
			return -1;
		bool dup = !strcmp(n.name, oo.run.network);
		for (char **y = oo.extra_networks; y < x; y++)
			dup = dup || !strcmp(*y, n.name);
		network_clear(&n);
		if (dup)
			return err_set(e, ERR_CONFLICT, "network %s is given twice", *x);
	}
	_cleanup_free_ char *shared = NULL;
	if (!strncmp(oo.run.network, "container:", 10)) {
		/* --network container:X: X's namespace (made by berth: X runs
		 * on a network of its own), its /etc/hosts and resolv.conf. */
		struct container x;
		if (engine_load(en, oo.run.network + 10, &x, e) < 0)
			return -1;
		_cleanup_free_ char *ns = engine_netns_path(en, x.id);
		bool ok = x.state == CONTAINER_RUNNING && access(ns, F_OK) == 0;
		shared = xasprintf("container:%s", x.id);
		container_clear(&x);
		if (!ok)
			return err_set(e, ERR_CONFLICT,
				       "cannot join the network of container %s: it is not running on a "
				       "network of its own",
				       oo.run.network + 10);
		if (oo.ports)
			return err_set(e, ERR_INVALID,
				       "conflicting options: port publishing and the container network mode");
		oo.run.network = shared;
	}
	oo.cni = cni;
	o = &oo;
	struct store s;
	if (store_open(en->root, STORE_ADD, &s, e) < 0)
		return -1;
	struct undo u = {.en = en, .s = &s};
	container_id_new(u.id);
	int r = create_in_store(en, o, &u, e);
	if (r < 0)
		undo_all(&u);
	else if (ret_id)
		*ret_id = xstrdup(u.id);
	undo_clear(&u);
	store_close(&s);
	return r;
}

int engine_remove_locked(const struct engine *en, const struct container *c, bool volumes,
			 struct err *e)
{
	_cleanup_free_ char *fs = xasprintf("%s/containers/%s/fs", en->root, c->id);
	_cleanup_free_ char *sd = engine_state_dir(en, c->id);
	(void)rm_rf_at(AT_FDCWD, sd, NULL);
	if (snapshot_remove(fs, e) < 0 || container_delete(en->root, c->id, e) < 0)
		return -1;
	if (volumes)
		engine_volumes_release(en, c);
	if (c->image_id) {
		struct store s;
		if (store_open(en->root, STORE_READ, &s, NULL) == 0) {
			_cleanup_free_ char *h = holder_of(c->id);
			(void)store_release(&s, c->image_id, h, NULL);
			store_close(&s);
		}
	}
	return 0;
}

int engine_remove(const struct engine *en, const char *what, bool force, bool volumes,
		  char **ret_id, struct err *e)
{
	_cleanup_free_ char *id = NULL;
	if (container_lookup(en->root, what, &id, e) < 0)
		return -1;
	struct container c;
	int lk;
	if (engine_lock_load(en, id, &c, &lk, NULL, e) < 0)
		return -1;
	if (c.state == CONTAINER_RESTARTING) {
		if (!force) {
			container_clear(&c);
			close(lk);
			return err_set(e, ERR_CONFLICT,
				       "You cannot remove a restarting container %s. Stop the container "
				       "before attempting removal or force remove", id);
		}
		engine_stop_restarter(&c);
	}
	bool running = c.state == CONTAINER_RUNNING || c.state == CONTAINER_PAUSED;
	if (running && !force) {
		container_clear(&c);
		close(lk);
		return err_set(e, ERR_CONFLICT,
			       "You cannot remove a %s container %s. Stop the container before "
			       "attempting removal or force remove",
			       container_state_name(c.state), id);
	}
	if (running) {
		/* Killed, then removed once its monitor is done (never waiting
		 * with the lock held: the monitor's cleanup takes it); its
		 * restart policy must not start it again meanwhile. */
		bool policy = c.restart_policy != NULL;
		container_clear(&c);
		close(lk);
		if (policy && engine_mark_stopped(en, id, e) < 0)
			return -1;
		if (engine_stop_now(en, id, e) < 0)
			return -1;
		if (engine_lock_load(en, id, &c, &lk, NULL, e) < 0) {
			/* An --rm container went with its run. */
			if (e && e->kind == ERR_NOT_FOUND) {
				err_clear(e);
				if (ret_id)
					*ret_id = TAKE_PTR(id);
				return 0;
			}
			return -1;
		}
		if (c.state == CONTAINER_RESTARTING)
			engine_stop_restarter(&c);
	}
	int r = engine_runtime_forget(en, &c, e);
	if (r == 0)
		r = engine_remove_locked(en, &c, volumes, e);
	container_clear(&c);
	close(lk);
	if (r == 0 && ret_id)
		*ret_id = TAKE_PTR(id);
	return r;
}
