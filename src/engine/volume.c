/* volume.c: see volume.h. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "base/time-util.h"
#include "engine/container.h"
#include "engine/volume.h"
#include "engine/volume-plugin.h"

#define VOLUME_DOC_MAX (1u << 20)

static int check_driver(const char *driver, char **opts, struct err *e);
static bool is_mountpoint(const char *path);

bool volume_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n < 2 || n > 255 || !isalnum((unsigned char)name[0]))
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
			return false;
	return true;
}

static char *vol_dir(const char *root, const char *name)
{
	return xasprintf("%s/volumes/%s", root, name);
}

void volume_clear(struct volume *v)
{
	free(v->name);
	free(v->driver);
	strv_free(v->labels);
	strv_free(v->options);
	free(v->created);
	free(v->mountpoint);
	*v = (struct volume){0};
}

void volume_list_free(struct volume *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		volume_clear(&v[i]);
	free(v);
}

static json_t *pairs_object(char **kv)
{
	json_t *o = json_object();
	for (char **p = kv; p && p[0] && p[1]; p += 2)
		json_object_set_new(o, p[0], json_string(p[1]));
	return o;
}

static int kv_pairs(const char *what, char **in, char ***ret, struct err *e)
{
	_cleanup_strv_ char **out = NULL;
	for (char **p = in; p && *p; p++) {
		const char *eq = strchr(*p, '=');
		if (!eq || eq == *p)
			return err_set(e, ERR_INVALID, "%s \"%s\": expected KEY=VALUE", what, *p);
		_cleanup_free_ char *k = xstrndup(*p, (size_t)(eq - *p));
		strv_push(&out, k);
		strv_push(&out, eq + 1);
	}
	*ret = TAKE_PTR(out);
	return 0;
}

int volume_load(const char *root, const char *name, struct volume *ret, struct err *e)
{
	*ret = (struct volume){0};
	if (!volume_name_valid(name))
		return err_set(e, ERR_NOT_FOUND, "no such volume: %s", name);
	_cleanup_free_ char *dir = vol_dir(root, name);
	_cleanup_free_ char *text = NULL;
	size_t len;
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || read_record_at(dfd, "volume.json", VOLUME_DOC_MAX, &text, &len, NULL) < 0)
		return err_set(e, ERR_NOT_FOUND, "no such volume: %s", name);
	_cleanup_json_ json_t *o = NULL;
	if (json_parse_buffer(text, len, "volume.json", &o, e) < 0)
		return err_wrap(e, "volume %s", name);
	struct volume v = {0};
	if (json_get_string(o, "", "Driver", false, &v.driver, e) < 0 ||
	    json_get_string_map(o, "", "Labels", &v.labels, e) < 0 ||
	    json_get_string_map(o, "", "Options", &v.options, e) < 0 ||
	    json_get_string(o, "", "CreatedAt", false, &v.created, e) < 0 ||
	    json_get_bool(o, "", "Anonymous", false, &v.anonymous, e) < 0) {
		volume_clear(&v);
		return err_wrap(e, "volume %s", name);
	}
	if (!v.driver)
		v.driver = xstrdup("local");
	v.name = xstrdup(name);
	v.mountpoint = xasprintf("%s/_data", dir);
	*ret = v;
	return 0;
}

static char *random_name(void)
{
	unsigned char b[32];
	size_t got = 0;
	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
		if (n > 0)
			got += (size_t)n;
	}
	char *s = xnew(char, 65);
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(s + 2 * i, 3, "%02x", b[i]);
	return s;
}

int volume_create(const char *root, const struct volume_create_opts *o, struct volume *ret,
		  bool *ret_created, struct err *e)
{
	const char *driver = o->driver && *o->driver ? o->driver : "local";
	_cleanup_strv_ char **labels = NULL, **opts = NULL;
	if (kv_pairs("--label", o->labels, &labels, e) < 0 ||
	    kv_pairs("--opt", o->options, &opts, e) < 0)
		return -1;
	if (check_driver(driver, opts, e) < 0)
		return -1;
	_cleanup_free_ char *name = o->name ? xstrdup(o->name) : random_name();
	if (!volume_name_valid(name))
		return err_set(e, ERR_INVALID,
			       "invalid volume name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are "
			       "allowed, at least two characters", name);
	_cleanup_free_ char *top = xasprintf("%s/volumes", root);
	if (mkdir_p(top, 0700, e) < 0)
		return -1;
	_cleanup_free_ char *dir = vol_dir(root, name);
	if (mkdir(dir, 0700) < 0) {
		if (errno != EEXIST)
			return err_sys(e, errno, "volume %s", name);
		/* It exists (or is being made: wait for its record a little). */
		for (int i = 0; i < 50; i++) {
			if (volume_load(root, name, ret, NULL) == 0) {
				if (ret_created)
					*ret_created = false;
				return 0;
			}
			usleep(10000);
		}
		return err_set(e, ERR_CONFLICT, "volume %s: its directory exists without a record",
			       name);
	}
	_cleanup_free_ char *data = xasprintf("%s/_data", dir);
	int r = mkdir(data, 0755) < 0 ? err_sys(e, errno, "volume %s", name) : 0;
	if (r == 0 && !streq(driver, "local") && !streq(driver, "sshfs"))
		r = plugin_create(driver, name, opts, e);
	char now[RFC3339_MAX];
	time_now_rfc3339(now);
	if (r == 0) {
		_cleanup_json_ json_t *doc = json_object();
		json_object_set_new(doc, "Name", json_string(name));
		json_object_set_new(doc, "Driver", json_string(driver));
		json_object_set_new(doc, "Labels", pairs_object(labels));
		json_object_set_new(doc, "Options", pairs_object(opts));
		json_object_set_new(doc, "CreatedAt", json_string(now));
		json_object_set_new(doc, "Anonymous", json_boolean(o->anonymous));
		_cleanup_free_ char *text = json_dump_string(doc, true);
		_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			r = err_sys(e, errno, "volume %s", name);
		else
			r = write_file_atomic_at(dfd, "volume.json", text, strlen(text), 0600, 0, e);
	}
	if (r < 0) {
		(void)rm_rf_at(AT_FDCWD, dir, NULL);
		return -1;
	}
	if (ret_created)
		*ret_created = true;
	return volume_load(root, name, ret, e);
}

static int cmp_vol(const void *a, const void *b)
{
	return strcmp(((const struct volume *)a)->name, ((const struct volume *)b)->name);
}

int volume_list(const char *root, struct volume **ret, size_t *ret_n, struct err *e)
{
	*ret = NULL;
	*ret_n = 0;
	_cleanup_free_ char *top = xasprintf("%s/volumes", root);
	DIR *d = opendir(top);
	if (!d)
		return errno == ENOENT ? 0 : err_sys(e, errno, "list volumes");
	struct volume *l = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		struct volume v;
		if (de->d_name[0] == '.' || volume_load(root, de->d_name, &v, NULL) < 0)
			continue;
		l = xrealloc(l, (n + 1) * sizeof(*l));
		l[n++] = v;
	}
	closedir(d);
	if (n)
		qsort(l, n, sizeof(*l), cmp_vol);
	*ret = l;
	*ret_n = n;
	return 0;
}

int volume_users(const char *root, const char *name, char ***ret, struct err *e)
{
	struct container *l;
	size_t n;
	if (container_list(root, &l, &n, e) < 0)
		return -1;
	_cleanup_strv_ char **ids = NULL;
	for (size_t i = 0; i < n; i++)
		for (char **v = l[i].volumes; v && v[0] && v[1] && v[2]; v += 3)
			if (streq(v[0], name) && !strv_contains(ids, l[i].id))
				strv_push(&ids, l[i].id);
	container_list_free(l, n);
	*ret = TAKE_PTR(ids);
	return 0;
}

int volume_remove(const char *root, const char *name, struct err *e)
{
	struct volume v;
	if (volume_load(root, name, &v, e) < 0)
		return -1;
	volume_clear(&v);
	_cleanup_strv_ char **users = NULL;
	if (volume_users(root, name, &users, e) < 0)
		return -1;
	if (users) {
		struct strbuf b = STRBUF_INIT;
		for (char **u = users; *u; u++)
			strbuf_addf(&b, "%s%s", u == users ? "" : ", ", *u);
		err_set(e, ERR_CONFLICT, "remove %s: volume is in use - [%s]", name, b.buf);
		strbuf_release(&b);
		return -1;
	}
	_cleanup_free_ char *dir = vol_dir(root, name);
	_cleanup_free_ char *top = xasprintf("%s/volumes", root);
	/* Mounted (a remote one no container runs with): unmounted first,
	 * never removed through (rm_rf_at stays on its device anyway). */
	_cleanup_free_ char *data = xasprintf("%s/_data", dir);
	if (is_mountpoint(data) && umount2(data, 0) < 0 && umount2(data, MNT_DETACH) < 0)
		return err_sys(e, errno, "remove %s: unmount", name);
	if (volume_load(root, name, &v, NULL) == 0) {
		if (!streq(v.driver, "local") && !streq(v.driver, "sshfs") && plugin_remove(&v, e) < 0) {
			volume_clear(&v);
			return -1;
		}
		volume_clear(&v);
	}
	/* The record first: a half-removed volume is no volume. */
	_cleanup_free_ char *rec = xasprintf("%s/volume.json", dir);
	if (unlink(rec) < 0 && errno != ENOENT)
		return err_sys(e, errno, "remove volume %s", name);
	_cleanup_close_ int tfd = open(top, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (tfd < 0 || rm_rf_at(tfd, name, e) < 0)
		return tfd < 0 ? err_sys(e, errno, "remove volume %s", name) : -1;
	return 0;
}

char *volume_to_json(const struct volume *v)
{
	_cleanup_json_ json_t *o = json_object();
	json_object_set_new(o, "CreatedAt", json_string(v->created ? v->created : ""));
	json_object_set_new(o, "Driver", json_string(v->driver));
	json_object_set_new(o, "Labels", pairs_object(v->labels));
	json_object_set_new(o, "Mountpoint", json_string(v->mountpoint));
	json_object_set_new(o, "Name", json_string(v->name));
	json_object_set_new(o, "Options", pairs_object(v->options));
	json_object_set_new(o, "Scope", json_string("local"));
	char *text = json_dumps(o, JSON_PRESERVE_ORDER | JSON_INDENT(4));
	if (!text)
		abort();
	return text;
}

/* ---- volumes that live elsewhere ---- */

bool volume_elsewhere(const struct volume *v)
{
	return !streq(v->driver, "local") || (v->options && v->options[0]);
}

static const char *opt_get(char **kv, const char *k)
{
	for (char **p = kv; p && p[0] && p[1]; p += 2)
		if (streq(p[0], k))
			return p[1];
	return NULL;
}

/* A driver and its options, checked at create: an error names the bad
 * one before anything is made. */
static int check_driver(const char *driver, char **opts, struct err *e)
{
	if (streq(driver, "local")) {
		for (char **p = opts; p && p[0]; p += 2)
			if (!streq(p[0], "type") && !streq(p[0], "o") && !streq(p[0], "device"))
				return err_set(e, ERR_INVALID, "volume driver local: unknown option "
					       "\"%s\" (type, o, device)", p[0]);
		const char *type = opt_get(opts, "type"), *dev = opt_get(opts, "device");
		if (opts && !type)
			return err_set(e, ERR_INVALID, "volume driver local: --opt type= is needed "
				       "with other options");
		if (type && !dev && !streq(type, "tmpfs"))
			return err_set(e, ERR_INVALID, "volume driver local: --opt device= is needed "
				       "for type %s", type);
		return 0;
	}
	if (streq(driver, "sshfs")) {
		for (char **p = opts; p && p[0]; p += 2)
			if (!streq(p[0], "remote") && !streq(p[0], "identityfile") &&
			    !streq(p[0], "port") && !streq(p[0], "o"))
				return err_set(e, ERR_INVALID, "volume driver sshfs: unknown option "
					       "\"%s\" (remote, identityfile, port, o)", p[0]);
		const char *remote = opt_get(opts, "remote");
		if (!remote || !strchr(remote, ':'))
			return err_set(e, ERR_INVALID, "volume driver sshfs: --opt remote=USER@HOST:PATH "
				       "is needed");
		return 0;
	}
	if (plugin_exists(driver))
		return 0;
	return err_set(e, ERR_NOT_FOUND, "volume driver \"%s\" is not known (local, sshfs, or a "
		       "plugin's socket in /run/docker/plugins)", driver);
}

static bool is_mountpoint(const char *path)
{
	struct statx a, b;
	_cleanup_free_ char *parent = xasprintf("%s/..", path);
	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &a) < 0 ||
	    statx(AT_FDCWD, parent, 0, STATX_MNT_ID, &b) < 0)
		return false;
	return a.stx_mnt_id != b.stx_mnt_id;
}

/* "o=ro,nosuid,size=10m": flags and the rest as data. */
static unsigned long mount_flags(const char *o, char **ret_data)
{
	static const struct {
		const char *name;
		unsigned long flag;
	} known[] = {{"ro", MS_RDONLY},	    {"nosuid", MS_NOSUID}, {"nodev", MS_NODEV},
		     {"noexec", MS_NOEXEC}, {"bind", MS_BIND},	   {"rbind", MS_BIND | MS_REC},
		     {"sync", MS_SYNCHRONOUS}, {"noatime", MS_NOATIME}};
	unsigned long flags = 0;
	struct strbuf data = STRBUF_INIT;
	_cleanup_free_ char *copy = xstrdup(o ? o : "");
	char *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		bool hit = false;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (streq(t, known[i].name)) {
				flags |= known[i].flag;
				hit = true;
			}
		if (!hit && !streq(t, "rw") && !streq(t, "defaults"))
			strbuf_addf(&data, "%s%s", data.len ? "," : "", t);
	}
	*ret_data = strbuf_detach(&data, NULL);
	return flags;
}

static int run_wait(char **argv, struct err *e)
{
	pid_t pid = fork();
	if (pid < 0)
		return err_sys(e, errno, "fork");
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
		}
		execvp(argv[0], argv);
		dprintf(2, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return err_set(e, ERR_IO, "%s failed (status %d)", argv[0],
			       WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 0;
}

static int mount_sshfs(const struct volume *v, struct err *e)
{
	const char *remote = opt_get(v->options, "remote");
	const char *key = opt_get(v->options, "identityfile");
	const char *port = opt_get(v->options, "port");
	const char *more = opt_get(v->options, "o");
	struct strbuf o = STRBUF_INIT;
	strbuf_addstr(&o, "allow_other,StrictHostKeyChecking=no,UserKnownHostsFile=/dev/null,"
			  "BatchMode=yes,ServerAliveInterval=15,reconnect");
	if (key)
		strbuf_addf(&o, ",IdentityFile=%s", key);
	if (port)
		strbuf_addf(&o, ",port=%s", port);
	if (more)
		strbuf_addf(&o, ",%s", more);
	char *argv[] = {(char *)"sshfs", (char *)remote, v->mountpoint, (char *)"-o", o.buf, NULL};
	int r = run_wait(argv, e);
	strbuf_release(&o);
	return r < 0 ? err_wrap(e, "volume %s: sshfs %s", v->name, remote) : 0;
}

int volume_mount(const char *root, const char *name, struct err *e)
{
	struct volume v;
	if (volume_load(root, name, &v, e) < 0)
		return -1;
	int r = 0;
	bool elsewhere = volume_elsewhere(&v);
	if (elsewhere && !is_mountpoint(v.mountpoint)) {
		if (streq(v.driver, "local")) {
			const char *type = opt_get(v.options, "type");
			const char *dev = opt_get(v.options, "device");
			_cleanup_free_ char *data = NULL;
			unsigned long flags = mount_flags(opt_get(v.options, "o"), &data);
			if (mount(dev ? dev : type, v.mountpoint, streq(type, "none") ? NULL : type,
				  flags, *data ? data : NULL) < 0)
				r = err_sys(e, errno, "volume %s: mount %s (%s)", name,
					    dev ? dev : type, type);
		} else if (streq(v.driver, "sshfs")) {
			r = mount_sshfs(&v, e);
		} else {
			r = plugin_mount(&v, e);
		}
	}
	volume_clear(&v);
	return r;
}

static bool used_running(const char *root, const char *name, const char *except)
{
	struct container *l;
	size_t n;
	if (container_list(root, &l, &n, NULL) < 0)
		return true;
	bool used = false;
	for (size_t i = 0; i < n && !used; i++) {
		if ((except && streq(l[i].id, except)) ||
		    (l[i].state != CONTAINER_RUNNING && l[i].state != CONTAINER_PAUSED))
			continue;
		for (char **v = l[i].volumes; v && v[0] && v[1] && v[2]; v += 3)
			used = used || streq(v[0], name);
	}
	container_list_free(l, n);
	return used;
}

void volume_unmount_unused(const char *root, const char *name, const char *except)
{
	struct volume v;
	if (volume_load(root, name, &v, NULL) < 0)
		return;
	bool elsewhere = volume_elsewhere(&v);
	if (elsewhere && is_mountpoint(v.mountpoint) && !used_running(root, name, except)) {
		if (umount2(v.mountpoint, 0) < 0)
			(void)umount2(v.mountpoint, MNT_DETACH);
		if (!streq(v.driver, "local") && !streq(v.driver, "sshfs"))
			plugin_unmount(&v);
	}
	volume_clear(&v);
}
