/* volume-use.c: the volumes a container asks for, as bind mounts.
 *
 * `-v NAME:/dst[:ro]`, `--mount type=volume,src=NAME,dst=/dst` use the
 * named volume (made on first use); `-v /dst`, `--mount type=volume` without
 * a source, and every VOLUME of the image that nothing else mounts get an
 * anonymous volume of their own.  A volume that is empty when a container
 * first gets it is filled with what the image has at that path (docker's
 * copy-up; not with nocopy / volume-nocopy).  The specs are rewritten to
 * binds of the volumes' _data directories, so spec generation knows only
 * binds. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/path-util.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "engine/internal.h"
#include "engine/volume.h"

struct vol_ctx {
	const struct engine *en;
	int rootfd;
	struct engine_volumes *out;
};

void engine_volumes_clear(struct engine_volumes *v)
{
	strv_free(v->volumes);
	strv_free(v->mounts);
	strv_free(v->used);
	strv_free(v->made);
	*v = (struct engine_volumes){0};
}

static bool dir_empty(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return false;
	struct dirent *de;
	bool empty = true;
	while (empty && (de = readdir(d)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	closedir(d);
	return empty;
}

/* The volume for dst (name NULL: an anonymous one), filled from the
 * image when empty; returns its data directory. */
static char *use_with(struct vol_ctx *x, const char *name, const char *dst, bool nocopy,
		      const char *flag, const char *spec, const struct volume_create_opts *co,
		      struct err *e)
{
	if (name && !volume_name_valid(name)) {
		err_set(e, ERR_INVALID,
			"%s \"%s\": invalid volume name \"%s\": [a-zA-Z0-9][a-zA-Z0-9_.-] (or an "
			"absolute host path for a bind mount)", flag, spec, name);
		return NULL;
	}
	struct volume_create_opts o = {.name = name, .anonymous = !name};
	if (co) {
		o.driver = co->driver;
		o.options = co->options;
		o.labels = co->labels;
	}
	struct volume v;
	bool created = false;
	if (volume_create(x->en->root, &o, &v, &created, e) < 0)
		return NULL;
	if (created && !name)
		strv_push(&x->out->made, v.name);
	strv_push(&x->out->used, v.name);
	strv_push(&x->out->used, dst);
	strv_push(&x->out->used, name ? "named" : "anonymous");
	/* A volume that lives elsewhere is mounted for the copy-up (and
	 * left to the start, which mounts it again). */
	bool elsewhere = volume_elsewhere(&v);
	if (elsewhere && !nocopy && x->rootfd >= 0 && volume_mount(x->en->root, v.name, e) < 0) {
		volume_clear(&v);
		return NULL;
	}
	if (!nocopy && x->rootfd >= 0 && dir_empty(v.mountpoint)) {
		int src = path_open_in_root(x->rootfd, dst, O_RDONLY | O_DIRECTORY);
		if (src >= 0) {
			_cleanup_close_ int dfd =
				open(v.mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			struct stat st;
			int r = dfd < 0 ? err_sys(e, errno, "volume %s", v.name)
					: copy_tree_at(src, dfd, e);
			/* the directory itself: its owner and mode too */
			if (r == 0 && fstat(src, &st) == 0 &&
			    (fchown(dfd, st.st_uid, st.st_gid) < 0 ||
			     fchmod(dfd, st.st_mode & 07777) < 0))
				r = err_sys(e, errno, "volume %s", v.name);
			close(src);
			if (r < 0) {
				err_wrap(e, "volume %s: copy %s from the image", v.name, dst);
				volume_clear(&v);
				return NULL;
			}
		}
	}
	if (elsewhere && !nocopy && x->rootfd >= 0)
		volume_unmount_unused(x->en->root, v.name, NULL);
	char *path = xstrdup(v.mountpoint);
	volume_clear(&v);
	return path;
}

static char *use(struct vol_ctx *x, const char *name, const char *dst, bool nocopy,
		 const char *flag, const char *spec, struct err *e)
{
	return use_with(x, name, dst, nocopy, flag, spec, NULL, e);
}

/* -v SPEC */
static int one_v(struct vol_ctx *x, const char *spec, struct err *e)
{
	const char *colon = strchr(spec, ':');
	if (spec[0] == '/' && !colon) {
		_cleanup_free_ char *dst = path_clean(spec);
		_cleanup_free_ char *data = use(x, NULL, dst, false, "-v", spec, e);
		if (!data)
			return -1;
		strv_consume(&x->out->volumes, xasprintf("%s:%s", data, dst));
		return 0;
	}
	if (!colon || spec[0] == '/') {
		strv_push(&x->out->volumes, spec); /* a bind, or spec-gen's error */
		return 0;
	}
	_cleanup_free_ char *name = xstrndup(spec, (size_t)(colon - spec));
	_cleanup_free_ char *rest = xstrdup(colon + 1);
	char *opts = strchr(rest, ':');
	if (opts)
		*opts++ = '\0';
	if (rest[0] != '/')
		return err_set(e, ERR_INVALID, "-v \"%s\": the destination must be an absolute path",
			       spec);
	bool nocopy = opts && strstr(opts, "nocopy");
	_cleanup_free_ char *dst = path_clean(rest);
	_cleanup_free_ char *data = use(x, name, dst, nocopy, "-v", spec, e);
	if (!data)
		return -1;
	strv_consume(&x->out->volumes,
		     opts ? xasprintf("%s:%s:%s", data, dst, opts) : xasprintf("%s:%s", data, dst));
	return 0;
}

/* --mount type=volume,... */
static int one_mount(struct vol_ctx *x, const char *spec, struct err *e)
{
	_cleanup_free_ char *copy = xstrdup(spec);
	const char *type = "volume", *src = NULL, *dst = NULL, *driver = NULL;
	bool nocopy = false;
	_cleanup_strv_ char **keep = NULL, **vopts = NULL, **vlabels = NULL;
	char *save = NULL;
	for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		const char *v = eq ? eq + 1 : NULL;
		size_t kl = eq ? (size_t)(eq - kv) : strlen(kv);
		if (kl == 4 && !strncmp(kv, "type", 4) && v)
			type = v;
		else if (((kl == 3 && !strncmp(kv, "src", 3)) ||
			  (kl == 6 && !strncmp(kv, "source", 6))) && v)
			src = v;
		else if (((kl == 3 && !strncmp(kv, "dst", 3)) ||
			  (kl == 6 && !strncmp(kv, "target", 6)) ||
			  (kl == 11 && !strncmp(kv, "destination", 11))) && v)
			dst = v;
		else if (kl == 13 && !strncmp(kv, "volume-nocopy", 13))
			nocopy = !v || streq(v, "true") || streq(v, "1");
		else if (kl == 13 && !strncmp(kv, "volume-driver", 13) && v)
			driver = v;
		else if (kl == 12 && !strncmp(kv, "volume-label", 12) && v)
			strv_push(&vlabels, v);
		else if (kl == 10 && !strncmp(kv, "volume-opt", 10) && v)
			strv_push(&vopts, v);
		else {
			strv_push(&keep, kv);
			if (eq)
				keep[strv_length(keep) - 1][kl] = '=';
		}
	}
	if (!streq(type, "volume")) {
		strv_push(&x->out->mounts, spec);
		return 0;
	}
	if (!dst || dst[0] != '/')
		return err_set(e, ERR_INVALID, "--mount \"%s\": the target must be an absolute path",
			       spec);
	_cleanup_free_ char *clean = path_clean(dst);
	struct volume_create_opts co = {.driver = driver, .options = vopts, .labels = vlabels};
	_cleanup_free_ char *data =
		use_with(x, src && *src ? src : NULL, clean, nocopy, "--mount", spec, &co, e);
	if (!data)
		return -1;
	struct strbuf b = STRBUF_INIT;
	strbuf_addf(&b, "type=bind,src=%s,dst=%s", data, clean);
	for (char **k = keep; k && *k; k++)
		strbuf_addf(&b, ",%s", *k);
	strv_consume(&x->out->mounts, strbuf_detach(&b, NULL));
	return 0;
}

static bool has_dst(char **used, const char *dst)
{
	for (char **u = used; u && u[0] && u[1] && u[2]; u += 3)
		if (streq(u[1], dst))
			return true;
	return false;
}

/* The destination of a -v, --mount or --tmpfs spec (cleaned), or NULL. */
static char *dst_of(const char *spec, int kind)
{
	if (kind == 0) { /* -v */
		const char *c = strchr(spec, ':');
		if (!c)
			return path_clean(spec);
		_cleanup_free_ char *rest = xstrdup(c + 1);
		char *o = strchr(rest, ':');
		if (o)
			*o = '\0';
		return path_clean(rest);
	}
	if (kind == 2) { /* --tmpfs */
		_cleanup_free_ char *d = xstrndup(spec, strcspn(spec, ":"));
		return path_clean(d);
	}
	const char *p = spec;
	while (p && *p) {
		const char *k = p;
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if ((!strncmp(k, "dst=", 4) || !strncmp(k, "target=", 7) ||
		     !strncmp(k, "destination=", 12))) {
			const char *v = strchr(k, '=') + 1;
			_cleanup_free_ char *d = xstrndup(v, n - (size_t)(v - k));
			return path_clean(d);
		}
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

/* The image's VOLUMEs nothing else mounts. */
static int image_volumes(struct vol_ctx *x, const struct spec_run_opts *run,
			 const char *image_config, struct err *e)
{
	_cleanup_json_ json_t *cfg = image_config ? json_loads(image_config, 0, NULL) : NULL;
	json_t *vols = json_object_get(json_object_get(cfg, "config"), "Volumes");
	const char *path;
	json_t *it;
	json_object_foreach(vols, path, it)
	{
		if (path[0] != '/')
			continue;
		_cleanup_free_ char *clean = path_clean(path);
		bool taken = has_dst(x->out->used, clean);
		for (char **v = run->volumes; !taken && v && *v; v++) {
			_cleanup_free_ char *d = dst_of(*v, 0);
			taken = d && streq(d, clean);
		}
		for (char **m = run->mounts; !taken && m && *m; m++) {
			_cleanup_free_ char *d = dst_of(*m, 1);
			taken = d && streq(d, clean);
		}
		for (char **t = run->tmpfs; !taken && t && *t; t++) {
			_cleanup_free_ char *d = dst_of(*t, 2);
			taken = d && streq(d, clean);
		}
		if (taken || streq(clean, "/"))
			continue;
		_cleanup_free_ char *data = use(x, NULL, clean, false, "VOLUME", path, e);
		if (!data)
			return -1;
		strv_consume(&x->out->volumes, xasprintf("%s:%s", data, clean));
	}
	return 0;
}

int engine_volumes_resolve(const struct engine *en, const struct spec_run_opts *run,
			   const char *image_config, int rootfd, struct engine_volumes *ret,
			   struct err *e)
{
	*ret = (struct engine_volumes){0};
	struct vol_ctx x = {.en = en, .rootfd = rootfd, .out = ret};
	int r = 0;
	for (char **v = run->volumes; r == 0 && v && *v; v++)
		r = one_v(&x, *v, e);
	for (char **m = run->mounts; r == 0 && m && *m; m++)
		r = one_mount(&x, *m, e);
	if (r == 0)
		r = image_volumes(&x, run, image_config, e);
	if (r < 0) {
		engine_volumes_undo(en, ret);
		engine_volumes_clear(ret);
	}
	return r;
}

void engine_volumes_undo(const struct engine *en, const struct engine_volumes *v)
{
	for (char **m = v->made; m && *m; m++)
		(void)volume_remove(en->root, *m, NULL);
}

void engine_volumes_release(const struct engine *en, const struct container *c)
{
	for (char **v = c->volumes; v && v[0] && v[1] && v[2]; v += 3)
		if (streq(v[2], "anonymous"))
			(void)volume_remove(en->root, v[0], NULL);
}

int engine_volumes_mount(const struct engine *en, const struct container *c, struct err *e)
{
	for (char **v = c->volumes; v && v[0] && v[1] && v[2]; v += 3)
		if (volume_mount(en->root, v[0], e) < 0)
			return -1;
	return 0;
}

void engine_volumes_unmount(const struct engine *en, const struct container *c)
{
	for (char **v = c->volumes; v && v[0] && v[1] && v[2]; v += 3)
		volume_unmount_unused(en->root, v[0], c->id);
}
