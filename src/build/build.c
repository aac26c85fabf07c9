/* build.c: see build.h. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/digest.h"
#include "base/fd-util.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/parse-util.h"
#include "base/path-util.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "base/time-util.h"
#include "build/dockerfile.h"
#include "build/internal.h"
#include "image/commit.h"
#include "image/image.h"
#include "image/reference.h"
#include "image/snapshot.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define IGNORE_MAX (1u << 20)

/* An image as the build has it after a step. */
struct state {
	char *key;	/* the cache chain: what the next step's key starts from */
	char *manifest; /* its manifest digest in the store (NULL: not stored) */
	json_t *cfg;	/* the image config (NULL: not loaded yet) */
	json_t *layers; /* the manifest's layer descriptors */
	bool cmd_set;	/* CMD given in this stage (ENTRYPOINT keeps it) */
};

struct stage {
	char *name;	 /* FROM ... AS name (lowercase), or NULL */
	size_t from;	 /* its FROM in df.v */
	size_t end;	 /* one past its last instruction */
	char *base;	 /* FROM's image, expanded */
	long base_stage; /* the stage it builds on, or -1 */
	bool needed, built;
	struct state st;
};

struct bctx {
	struct store *s;
	const struct build_opts *o;
	struct dockerfile df;
	const char *file;
	int ctxfd;
	struct ignore ig;
	char **meta;	  /* ARGs before the first FROM: pairs name, value */
	char **consumed;  /* build args some ARG declared */
	struct stage *stages;
	size_t n_stages;
	size_t target;	  /* the stage the image is */
	unsigned step, total;
	const char *stage_label;
	char label_buf[32];
	/* The stage being built: its ARGs (pairs) */
	char **args;
	struct state *cur; /* the stage's state: its ENV for the lookups */
};

static void state_clear(struct state *st)
{
	free(st->key);
	free(st->manifest);
	json_decref(st->cfg);
	json_decref(st->layers);
	*st = (struct state){0};
}

static void state_copy(struct state *dst, const struct state *src)
{
	*dst = (struct state){
		.key = src->key ? xstrdup(src->key) : NULL,
		.manifest = src->manifest ? xstrdup(src->manifest) : NULL,
		.cfg = src->cfg ? json_deep_copy(src->cfg) : NULL,
		.layers = src->layers ? json_deep_copy(src->layers) : NULL,
	};
}

static void event(struct bctx *b, enum build_event_kind kind, const char *text, const char *id)
{
	if (!b->o->ops || !b->o->ops->event)
		return;
	struct build_event ev = {
		.kind = kind,
		.step = b->step,
		.total = b->total,
		.stage = b->stage_label,
		.text = text,
		.len = text ? strlen(text) : 0,
		.id = id,
	};
	b->o->ops->event(b->o->ops->ctx, &ev);
}

/* ---- variables ---- */

static const char *pairs_get(char **v, const char *name)
{
	for (char **p = v; p && p[0]; p += 2)
		if (!strcmp(p[0], name))
			return p[1];
	return NULL;
}

static void pairs_set(char ***v, const char *name, const char *value)
{
	for (char **p = *v; p && p[0]; p += 2)
		if (!strcmp(p[0], name)) {
			free(p[1]);
			p[1] = xstrdup(value);
			return;
		}
	strv_push(v, name);
	strv_push(v, value);
}

/* A --build-arg's value: "K=v", or "K" taken from our environment. */
static const char *build_arg(const struct build_opts *o, const char *name, bool *found)
{
	size_t n = strlen(name);
	const char *r = NULL;
	*found = false;
	for (char **a = o->build_args; a && *a; a++) {
		if (!strncmp(*a, name, n) && (*a)[n] == '=') {
			r = *a + n + 1;
			*found = true;
		} else if (!strcmp(*a, name)) {
			r = getenv(name);
			*found = r != NULL;
		}
	}
	return r;
}

static const char *env_get(json_t *cfg, const char *name)
{
	json_t *env = json_object_get(json_object_get(cfg, "config"), "Env");
	size_t n = strlen(name), i;
	json_t *it;
	json_array_foreach(env, i, it)
	{
		const char *s = json_string_value(it);
		if (s && !strncmp(s, name, n) && s[n] == '=')
			return s + n + 1;
	}
	return NULL;
}

/* ENV wins over ARG (docker's rule). */
static const char *lookup_var(void *data, const char *name)
{
	struct bctx *b = data;
	const char *v = b->cur && b->cur->cfg ? env_get(b->cur->cfg, name) : NULL;
	return v ? v : pairs_get(b->args, name);
}

static const char *lookup_meta(void *data, const char *name)
{
	struct bctx *b = data;
	return pairs_get(b->meta, name);
}

static char *expand(struct bctx *b, const struct df_instr *in, const char *s, bool meta,
		    struct err *e)
{
	char *r = df_expand(s, b->df.escape, meta ? lookup_meta : lookup_var, b, e);
	if (!r)
		err_wrap(e, "%s:%u: %s", b->file, in->line, df_cmd_name(in->cmd));
	return r;
}

/* Unquote a word of a split instruction ("a b" or 'a b'). */
static char *unquote(const char *s)
{
	size_t n = strlen(s);
	if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0])
		return xstrndup(s + 1, n - 2);
	return xstrdup(s);
}

/* ARG NAME[=default] (several on one line). */
static int declare_args(struct bctx *b, const struct df_instr *in, bool meta, struct err *e)
{
	if (!in->args || !in->args[0])
		return err_set(e, ERR_INVALID, "%s:%u: ARG requires an argument", b->file,
			       in->line);
	_cleanup_strv_ char **words = NULL;
	/* one string: "A=1 B" */
	{
		_cleanup_free_ char *copy = xstrdup(in->args[0]);
		char *save = NULL;
		for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save))
			strv_push(&words, t);
	}
	for (char **w = words; w && *w; w++) {
		char *eq = strchr(*w, '=');
		_cleanup_free_ char *name = eq ? xstrndup(*w, (size_t)(eq - *w)) : xstrdup(*w);
		if (!*name)
			return err_set(e, ERR_INVALID, "%s:%u: ARG: empty name", b->file, in->line);
		for (const char *p = name; *p; p++)
			if (!isalnum((unsigned char)*p) && *p != '_')
				return err_set(e, ERR_INVALID, "%s:%u: ARG: invalid name \"%s\"",
					       b->file, in->line, name);
		bool found;
		const char *given = build_arg(b->o, name, &found);
		if (found && !strv_contains(b->consumed, name))
			strv_push(&b->consumed, name);
		_cleanup_free_ char *value = NULL;
		if (found) {
			value = xstrdup(given);
		} else if (eq) {
			_cleanup_free_ char *raw = unquote(eq + 1);
			value = expand(b, in, raw, meta, e);
			if (!value)
				return -1;
		} else if (!meta && pairs_get(b->meta, name)) {
			/* re-declared in a stage: the global value */
			value = xstrdup(pairs_get(b->meta, name));
		}
		if (value)
			pairs_set(meta ? &b->meta : &b->args, name, value);
	}
	return 0;
}

/* ---- image state in the store ---- */

static const char *oci_layer_media(const char *m)
{
	if (m && !strcmp(m, MEDIA_DOCKER_LAYER))
		return MEDIA_OCI_LAYER_GZIP;
	if (m && !strcmp(m, "application/vnd.docker.image.rootfs.diff.tar"))
		return MEDIA_OCI_LAYER;
	return m;
}

static int read_json(struct store *s, const char *digest, const char *what, json_t **ret,
		     struct err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (store_blob_read(s, digest, STORE_DOC_MAX, &buf, &len, e) < 0)
		return -1;
	if (json_parse_buffer(buf, len, what, ret, e) < 0)
		return -1;
	if (!json_is_object(*ret)) {
		json_decref(*ret);
		*ret = NULL;
		return err_set(e, ERR_INVALID, "%s %s: not an object", what, digest);
	}
	return 0;
}

/* Load the state whose manifest is digest; every blob and layer it
 * needs must be in the store. */
static int state_load(struct store *s, const char *digest, struct state *st, struct err *e)
{
	_cleanup_json_ json_t *man = NULL, *cfg = NULL;
	if (read_json(s, digest, "manifest", &man, e) < 0)
		return -1;
	const char *cd = json_string_value(json_object_get(json_object_get(man, "config"), "digest"));
	json_t *layers = json_object_get(man, "layers");
	if (!cd || !json_is_array(layers))
		return err_set(e, ERR_INVALID, "manifest %s: no config or layers", digest);
	if (read_json(s, cd, "image config", &cfg, e) < 0)
		return -1;
	json_t *ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
	if (json_array_size(ids) != json_array_size(layers))
		return err_set(e, ERR_INVALID, "image %s: layers and diff_ids differ", cd);
	size_t i;
	json_t *it;
	json_array_foreach(layers, i, it)
	{
		const char *d = json_string_value(json_object_get(it, "digest"));
		const char *id = json_string_value(json_array_get(ids, i));
		if (!d || !id || !store_blob_exists(s, d) || !store_layer_exists(s, id))
			return err_set(e, ERR_NOT_FOUND, "image %s: layer %zu is not in the store",
				       cd, i);
	}
	json_t *copy = json_array();
	json_array_foreach(layers, i, it)
	{
		json_t *d = json_deep_copy(it);
		const char *m = json_string_value(json_object_get(d, "mediaType"));
		const char *om = oci_layer_media(m);
		if (om && om != m)
			json_object_set_new(d, "mediaType", json_string(om));
		json_array_append_new(copy, d);
	}
	state_clear(st);
	st->manifest = xstrdup(digest);
	st->cfg = TAKE_PTR(cfg);
	st->layers = copy;
	return 0;
}

/* Store the state's config and manifest; st->manifest names it. */
static int state_store(struct store *s, struct state *st, struct err *e)
{
	_cleanup_free_ char *cfg_text = json_dumps(st->cfg, JSON_COMPACT | JSON_PRESERVE_ORDER);
	_cleanup_free_ char *cfg_digest = NULL;
	if (!cfg_text)
		abort();
	if (store_blob_put_buf(s, cfg_text, strlen(cfg_text), NULL, &cfg_digest, e) < 0)
		return -1;
	_cleanup_json_ json_t *man = json_object();
	json_object_set_new(man, "schemaVersion", json_integer(2));
	json_object_set_new(man, "mediaType", json_string(MEDIA_OCI_MANIFEST));
	json_t *c = json_object();
	json_object_set_new(c, "mediaType", json_string(MEDIA_OCI_CONFIG));
	json_object_set_new(c, "digest", json_string(cfg_digest));
	json_object_set_new(c, "size", json_integer((json_int_t)strlen(cfg_text)));
	json_object_set_new(man, "config", c);
	json_object_set_new(man, "layers", json_incref(st->layers));
	_cleanup_free_ char *man_text = json_dumps(man, JSON_COMPACT | JSON_PRESERVE_ORDER);
	char *digest = NULL;
	if (store_blob_put_buf(s, man_text, strlen(man_text), NULL, &digest, e) < 0)
		return -1;
	free(st->manifest);
	st->manifest = digest;
	return 0;
}

static char *state_config_digest(struct store *s, const struct state *st)
{
	_cleanup_json_ json_t *man = NULL;
	if (!st->manifest || read_json(s, st->manifest, "manifest", &man, NULL) < 0)
		return NULL;
	const char *cd = json_string_value(json_object_get(json_object_get(man, "config"), "digest"));
	return cd ? xstrdup(cd) : NULL;
}

static void state_scratch(struct state *st)
{
	state_clear(st);
	st->key = digest_buf("scratch", 7);
	st->cfg = json_object();
	json_object_set_new(st->cfg, "architecture", json_string("amd64"));
	json_object_set_new(st->cfg, "os", json_string("linux"));
	json_t *c = json_object();
	json_object_set_new(c, "Env", json_array());
	json_array_append_new(json_object_get(c, "Env"), json_string(DEFAULT_PATH));
	json_object_set_new(st->cfg, "config", c);
	json_t *rootfs = json_object();
	json_object_set_new(rootfs, "type", json_string("layers"));
	json_object_set_new(rootfs, "diff_ids", json_array());
	json_object_set_new(st->cfg, "rootfs", rootfs);
	json_object_set_new(st->cfg, "history", json_array());
	st->layers = json_array();
}

/* An image of the store (pulled when missing, or always with --pull). */
static int state_from_image(struct bctx *b, const char *ref, struct state *st, struct err *e)
{
	const struct build_ops *ops = b->o->ops;
	bool pulled = false;
	if (b->o->pull && ops && ops->pull) {
		if (ops->pull(ops->ctx, ref, e) < 0)
			return -1;
		pulled = true;
	}
	for (;;) {
		struct store_index idx;
		if (store_index_load(b->s, &idx, e) < 0)
			return -1;
		_cleanup_err_ struct err fe = ERR_INIT;
		long i = store_find(&idx, ref, &fe);
		int r = 0;
		if (i >= 0) {
			_cleanup_free_ char *man = idx.images[i].manifest_digest
							   ? xstrdup(idx.images[i].manifest_digest)
							   : NULL;
			_cleanup_free_ char *id = xstrdup(idx.images[i].id);
			store_index_clear(&idx);
			if (!man)
				return err_set(e, ERR_INVALID, "image %s has no manifest", ref);
			if (state_load(b->s, man, st, e) < 0)
				return err_wrap(e, "image %s", ref);
			st->key = digest_buf(id, strlen(id));
			return 0;
		}
		store_index_clear(&idx);
		if (fe.kind != ERR_NOT_FOUND || pulled || !ops || !ops->pull) {
			err_move(e, &fe);
			return -1;
		}
		r = ops->pull(ops->ctx, ref, e);
		if (r < 0)
			return -1;
		pulled = true;
	}
}

/* Load a state known only by its manifest (a cache hit not used yet). */
static int state_need(struct bctx *b, struct state *st, struct err *e)
{
	if (st->cfg)
		return 0;
	_cleanup_free_ char *key = TAKE_PTR(st->key);
	_cleanup_free_ char *man = xstrdup(st->manifest);
	if (state_load(b->s, man, st, e) < 0)
		return -1;
	st->key = TAKE_PTR(key);
	return 0;
}

/* ---- cache ---- */

static char *cache_rel(const char *key)
{
	return xasprintf("build-cache/%s", digest_hex(key));
}

/* A hit: the step's result, its blobs and layers all there (loaded into
 * *ret). */
static bool cache_get(struct bctx *b, const char *key, struct state *ret)
{
	_cleanup_free_ char *rel = cache_rel(key);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (read_record_at(b->s->rootfd, rel, 256, &buf, &len, NULL) < 0)
		return false;
	buf[strcspn(buf, "\n")] = '\0';
	if (!digest_string_valid(buf))
		return false;
	*ret = (struct state){0};
	if (state_load(b->s, buf, ret, NULL) < 0) {
		state_clear(ret);
		return false;
	}
	return true;
}

static int cache_put(struct bctx *b, const char *key, const char *manifest, struct err *e)
{
	if (mkdirat(b->s->rootfd, "build-cache", 0700) < 0 && errno != EEXIST)
		return err_sys(e, errno, "build cache");
	_cleanup_free_ char *rel = cache_rel(key);
	_cleanup_free_ char *text = xasprintf("%s\n", manifest);
	return write_file_atomic_at(b->s->rootfd, rel, text, strlen(text), 0600, 0, e);
}

/* ---- config changes ---- */

static json_t *config_obj(json_t *cfg)
{
	json_t *c = json_object_get(cfg, "config");
	if (!json_is_object(c)) {
		c = json_object();
		json_object_set_new(cfg, "config", c);
	}
	return c;
}

static json_t *obj_child(json_t *o, const char *key)
{
	json_t *c = json_object_get(o, key);
	if (!json_is_object(c)) {
		c = json_object();
		json_object_set_new(o, key, c);
	}
	return c;
}

static void env_set(json_t *c, const char *k, const char *v)
{
	json_t *env = json_object_get(c, "Env");
	if (!json_is_array(env)) {
		env = json_array();
		json_object_set_new(c, "Env", env);
	}
	_cleanup_free_ char *entry = xasprintf("%s=%s", k, v);
	size_t n = strlen(k), i;
	json_t *it;
	json_array_foreach(env, i, it)
	{
		const char *s = json_string_value(it);
		if (s && !strncmp(s, k, n) && s[n] == '=') {
			json_array_set_new(env, i, json_string(entry));
			return;
		}
	}
	json_array_append_new(env, json_string(entry));
}

static json_t *shell_of(json_t *c)
{
	json_t *sh = json_object_get(c, "Shell");
	if (json_is_array(sh) && json_array_size(sh) > 0)
		return json_deep_copy(sh);
	json_t *a = json_array();
	json_array_append_new(a, json_string("/bin/sh"));
	json_array_append_new(a, json_string("-c"));
	return a;
}

/* CMD, ENTRYPOINT: the exec form, or the shell form under SHELL. */
static json_t *command_of(json_t *c, const struct df_instr *in)
{
	json_t *a;
	if (in->json) {
		a = json_array();
		for (char **p = in->args; p && *p; p++)
			json_array_append_new(a, json_string(*p));
		return a;
	}
	a = shell_of(c);
	json_array_append_new(a, json_string(in->args && in->args[0] ? in->args[0] : ""));
	return a;
}

static const char *flag_value(const struct df_instr *in, const char *name)
{
	size_t n = strlen(name);
	const char *v = NULL;
	for (char **f = in->flags; f && *f; f++)
		if (!strncmp(*f, name, n) && ((*f)[n] == '=' || !(*f)[n]))
			v = (*f)[n] == '=' ? *f + n + 1 : "";
	return v;
}

static int check_flags(struct bctx *b, const struct df_instr *in, const char *const *allowed,
		       struct err *e)
{
	for (char **f = in->flags; f && *f; f++) {
		size_t n = strcspn(*f, "=");
		bool ok = false;
		for (const char *const *a = allowed; a && *a; a++)
			if (strlen(*a) == n && !strncmp(*a, *f, n))
				ok = true;
		if (!ok)
			return err_set(e, ERR_INVALID, "%s:%u: %s: unknown flag --%.*s", b->file,
				       in->line, df_cmd_name(in->cmd), (int)n, *f);
	}
	return 0;
}

static int healthcheck(struct bctx *b, json_t *c, const struct df_instr *in, struct err *e)
{
	static const char *const ok[] = {"interval", "timeout", "start-period", "start-interval",
					 "retries", NULL};
	if (check_flags(b, in, ok, e) < 0)
		return -1;
	const char *text = in->args && in->args[0] ? in->args[0] : "";
	while (isspace((unsigned char)*text))
		text++;
	json_t *h = json_object();
	json_t *test = json_array();
	if (!strncasecmp(text, "NONE", 4) && !text[4 + strspn(text + 4, " \t")]) {
		json_array_append_new(test, json_string("NONE"));
	} else if (!strncasecmp(text, "CMD", 3) && (isspace((unsigned char)text[3]) || !text[3])) {
		const char *cmd = text + 3;
		while (isspace((unsigned char)*cmd))
			cmd++;
		json_t *arr = *cmd == '[' ? json_loads(cmd, 0, NULL) : NULL;
		bool strs = json_is_array(arr) && json_array_size(arr) > 0;
		size_t i;
		json_t *it;
		json_array_foreach(arr, i, it)
			strs = strs && json_is_string(it);
		if (strs) {
			json_array_append_new(test, json_string("CMD"));
			json_array_extend(test, arr);
		} else if (*cmd) {
			json_array_append_new(test, json_string("CMD-SHELL"));
			json_array_append_new(test, json_string(cmd));
		}
		json_decref(arr);
		if (json_array_size(test) == 0) {
			json_decref(test);
			json_decref(h);
			return err_set(e, ERR_INVALID, "%s:%u: HEALTHCHECK CMD needs a command",
				       b->file, in->line);
		}
	} else {
		json_decref(test);
		json_decref(h);
		return err_set(e, ERR_INVALID, "%s:%u: HEALTHCHECK: expected CMD or NONE",
			       b->file, in->line);
	}
	json_object_set_new(h, "Test", test);
	static const char *const dur[][2] = {{"interval", "Interval"},
					     {"timeout", "Timeout"},
					     {"start-period", "StartPeriod"},
					     {"start-interval", "StartInterval"}};
	for (size_t i = 0; i < 4; i++) {
		const char *v = flag_value(in, dur[i][0]);
		uint64_t ns;
		if (!v)
			continue;
		if (parse_duration(v, &ns) < 0) {
			json_decref(h);
			return err_set(e, ERR_INVALID, "%s:%u: HEALTHCHECK --%s=%s: invalid duration",
				       b->file, in->line, dur[i][0], v);
		}
		json_object_set_new(h, dur[i][1], json_integer((json_int_t)ns));
	}
	const char *retries = flag_value(in, "retries");
	if (retries) {
		int n;
		if (parse_int(retries, &n) < 0 || n < 1) {
			json_decref(h);
			return err_set(e, ERR_INVALID, "%s:%u: HEALTHCHECK --retries=%s: expected a "
				       "number of at least 1", b->file, in->line, retries);
		}
		json_object_set_new(h, "Retries", json_integer(n));
	}
	json_object_set_new(c, "Healthcheck", h);
	return 0;
}

/* The words of an instruction (split form), expanded and unquoted. */
static int words_of(struct bctx *b, const struct df_instr *in, char ***ret, struct err *e)
{
	_cleanup_strv_ char **out = NULL;
	for (char **p = in->args; p && *p; p++) {
		if (in->json) {
			_cleanup_free_ char *x = expand(b, in, *p, false, e);
			if (!x)
				return -1;
			strv_push(&out, x);
			continue;
		}
		_cleanup_free_ char *x = expand(b, in, *p, false, e);
		if (!x)
			return -1;
		strv_consume(&out, unquote(x));
	}
	*ret = TAKE_PTR(out);
	return 0;
}

/* Apply a metadata instruction to cfg.  *ret_text: what history says. */
static int apply_meta(struct bctx *b, struct state *st, const struct df_instr *in, char **ret_text,
		      struct err *e)
{
	json_t *c = config_obj(st->cfg);
	const char *raw = in->args && in->args[0] ? in->args[0] : "";
	switch (in->cmd) {
	case DF_ENV:
	case DF_LABEL: {
		_cleanup_free_ char *x = expand(b, in, raw, false, e);
		_cleanup_strv_ char **kv = NULL;
		if (!x || df_pairs(x, b->df.escape, &kv, e) < 0)
			return err_wrap(e, "%s:%u: %s", b->file, in->line, df_cmd_name(in->cmd));
		if (!kv)
			return err_set(e, ERR_INVALID, "%s:%u: %s requires at least one argument",
				       b->file, in->line, df_cmd_name(in->cmd));
		for (char **p = kv; p[0]; p += 2) {
			if (in->cmd == DF_ENV)
				env_set(c, p[0], p[1]);
			else
				json_object_set_new(obj_child(c, "Labels"), p[0], json_string(p[1]));
		}
		*ret_text = xasprintf("%s %s", df_cmd_name(in->cmd), x);
		return 0;
	}
	case DF_CMD:
		json_object_set_new(c, "Cmd", command_of(c, in));
		st->cmd_set = true;
		break;
	case DF_ENTRYPOINT:
		json_object_set_new(c, "Entrypoint", command_of(c, in));
		if (!st->cmd_set)
			json_object_set_new(c, "Cmd", json_null());
		break;
	case DF_SHELL: {
		if (!in->json || !in->args || !in->args[0])
			return err_set(e, ERR_INVALID, "%s:%u: SHELL requires the JSON form "
				       "([\"executable\", \"parameters\"...])", b->file, in->line);
		json_object_set_new(c, "Shell", command_of(c, in));
		break;
	}
	case DF_WORKDIR: {
		_cleanup_free_ char *x = expand(b, in, raw, false, e);
		if (!x)
			return -1;
		if (!*x)
			return err_set(e, ERR_INVALID, "%s:%u: WORKDIR requires a directory", b->file,
				       in->line);
		const char *cur = json_string_value(json_object_get(c, "WorkingDir"));
		_cleanup_free_ char *joined =
			x[0] == '/' ? xstrdup(x) : path_join(cur && *cur ? cur : "/", x);
		_cleanup_free_ char *clean = path_clean(joined);
		json_object_set_new(c, "WorkingDir", json_string(clean));
		*ret_text = xasprintf("WORKDIR %s", clean);
		return 0;
	}
	case DF_USER: {
		_cleanup_free_ char *x = expand(b, in, raw, false, e);
		if (!x)
			return -1;
		if (!*x)
			return err_set(e, ERR_INVALID, "%s:%u: USER requires a user", b->file,
				       in->line);
		json_object_set_new(c, "User", json_string(x));
		*ret_text = xasprintf("USER %s", x);
		return 0;
	}
	case DF_STOPSIGNAL: {
		_cleanup_free_ char *x = expand(b, in, raw, false, e);
		int sig;
		if (!x)
			return -1;
		if (parse_signal(x, &sig) < 0)
			return err_set(e, ERR_INVALID, "%s:%u: STOPSIGNAL: invalid signal \"%s\"",
				       b->file, in->line, x);
		json_object_set_new(c, "StopSignal", json_string(x));
		*ret_text = xasprintf("STOPSIGNAL %s", x);
		return 0;
	}
	case DF_EXPOSE: {
		_cleanup_strv_ char **w = NULL;
		if (words_of(b, in, &w, e) < 0)
			return -1;
		if (!w)
			return err_set(e, ERR_INVALID, "%s:%u: EXPOSE requires at least one port",
				       b->file, in->line);
		json_t *ports = obj_child(c, "ExposedPorts");
		for (char **p = w; *p; p++) {
			_cleanup_free_ char *t = xstrdup(*p);
			char *slash = strchr(t, '/');
			const char *proto = "tcp";
			if (slash) {
				*slash = '\0';
				for (char *q = slash + 1; *q; q++)
					*q = (char)tolower((unsigned char)*q);
				proto = slash + 1;
			}
			unsigned lo, hi;
			char *dash = strchr(t, '-');
			int ok1 = parse_u32(dash ? (*dash = '\0', t) : t, &lo);
			int ok2 = dash ? parse_u32(dash + 1, &hi) : (hi = lo, 0);
			if (ok1 < 0 || ok2 < 0 || lo == 0 || hi > 65535 || hi < lo ||
			    (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp")))
				return err_set(e, ERR_INVALID, "%s:%u: EXPOSE: invalid port \"%s\"",
					       b->file, in->line, *p);
			for (unsigned port = lo; port <= hi; port++) {
				_cleanup_free_ char *key = xasprintf("%u/%s", port, proto);
				json_object_set_new(ports, key, json_object());
			}
		}
		break;
	}
	case DF_VOLUME: {
		_cleanup_strv_ char **w = NULL;
		if (words_of(b, in, &w, e) < 0)
			return -1;
		if (!w)
			return err_set(e, ERR_INVALID, "%s:%u: VOLUME requires at least one path",
				       b->file, in->line);
		json_t *vols = obj_child(c, "Volumes");
		for (char **p = w; *p; p++) {
			if (!**p)
				return err_set(e, ERR_INVALID, "%s:%u: VOLUME: empty path", b->file,
					       in->line);
			json_object_set_new(vols, *p, json_object());
		}
		break;
	}
	case DF_HEALTHCHECK:
		if (healthcheck(b, c, in, e) < 0)
			return -1;
		break;
	case DF_MAINTAINER: {
		json_object_set_new(st->cfg, "author", json_string(raw));
		break;
	}
	case DF_ONBUILD: {
		const char *t = in->onbuild && in->onbuild->original ? in->onbuild->original : "";
		json_t *ob = json_object_get(c, "OnBuild");
		if (!json_is_array(ob)) {
			ob = json_array();
			json_object_set_new(c, "OnBuild", ob);
		}
		json_array_append_new(ob, json_string(t));
		break;
	}
	default:
		return err_set(e, ERR_INTERNAL, "%s:%u: not a metadata instruction", b->file,
			       in->line);
	}
	*ret_text = xstrdup(in->original);
	return 0;
}

static void add_history(struct state *st, const char *created, const char *by, bool empty)
{
	json_t *h = json_object_get(st->cfg, "history");
	if (!json_is_array(h)) {
		h = json_array();
		json_object_set_new(st->cfg, "history", h);
	}
	json_t *e = json_object();
	json_object_set_new(e, "created", json_string(created));
	json_object_set_new(e, "created_by", json_string(by));
	json_object_set_new(e, "comment", json_string("berth build"));
	if (empty)
		json_object_set_new(e, "empty_layer", json_true());
	json_array_append_new(h, e);
	json_object_set_new(st->cfg, "created", json_string(created));
}

/* ---- steps that write files ---- */

struct snap {
	char *dir;    /* <store>/tmp/build-<pid>-<n> */
	char *rootfs; /* dir/merged, or dir/upper without layers */
	bool overlay;
};

static void snap_drop(struct snap *sn)
{
	if (sn->dir && snapshot_remove(sn->dir, NULL) < 0) {
		/* Still busy (a process of the step lingering): detach it, so
		 * that nothing stays mounted, and remove what is below. */
		_cleanup_free_ char *merged = xasprintf("%s/merged", sn->dir);
		(void)umount2(merged, MNT_DETACH);
		(void)snapshot_remove(sn->dir, NULL);
	}
	free(sn->dir);
	free(sn->rootfs);
	*sn = (struct snap){0};
}

static int snap_make(struct bctx *b, const struct state *st, bool readonly, struct snap *sn,
		     struct err *e)
{
	static unsigned n;
	*sn = (struct snap){0};
	for (;;) {
		sn->dir = xasprintf("%s/tmp/build-%d-%u", b->s->root, (int)getpid(), n++);
		if (access(sn->dir, F_OK) < 0)
			break;
		free(sn->dir);
	}
	_cleanup_strv_ char **ids = NULL;
	json_t *diff = json_object_get(json_object_get(st->cfg, "rootfs"), "diff_ids");
	size_t i;
	json_t *it;
	json_array_foreach(diff, i, it)
		strv_push(&ids, json_string_value(it));
	if (!ids) {
		/* No layer: overlay needs one, so the root is a directory. */
		_cleanup_free_ char *up = xasprintf("%s/upper", sn->dir);
		if (mkdir(sn->dir, 0700) < 0 || mkdir(up, 0755) < 0) {
			err_sys(e, errno, "build: %s", sn->dir);
			snap_drop(sn);
			return -1;
		}
		sn->rootfs = TAKE_PTR(up);
		return 0;
	}
	char *none[] = {NULL};
	struct store_image im = {.id = "build", .layers = ids, .names = none, .repo_digests = none};
	struct snapshot_opts so = {.driver = SNAPSHOT_OVERLAY, .readonly = readonly};
	if (snapshot_create(b->s, &im, sn->dir, &so, e) < 0) {
		snap_drop(sn);
		return err_wrap(e, "build");
	}
	sn->overlay = true;
	sn->rootfs = xasprintf("%s/merged", sn->dir);
	return 0;
}

/* The snapshot's changes as the state's next layer. */
static int snap_commit(struct bctx *b, struct snap *sn, struct state *st, struct err *e)
{
	if (sn->overlay && snapshot_unmount(sn->dir, e) < 0)
		return -1;
	_cleanup_free_ char *up = xasprintf("%s/upper", sn->dir);
	struct layer_commit lc = {0};
	if (layer_commit(b->s, up, &lc, e) < 0)
		return err_wrap(e, "build: commit the layer");
	json_t *d = json_object();
	json_object_set_new(d, "mediaType", json_string(MEDIA_OCI_LAYER_GZIP));
	json_object_set_new(d, "digest", json_string(lc.blob));
	json_object_set_new(d, "size", json_integer((json_int_t)lc.blob_size));
	json_array_append_new(st->layers, d);
	json_t *rootfs = obj_child(st->cfg, "rootfs");
	json_object_set_new(rootfs, "type", json_string("layers"));
	json_t *ids = json_object_get(rootfs, "diff_ids");
	if (!json_is_array(ids)) {
		ids = json_array();
		json_object_set_new(rootfs, "diff_ids", ids);
	}
	json_array_append_new(ids, json_string(lc.diff_id));
	layer_commit_clear(&lc);
	return 0;
}

static void run_output(void *data, const char *buf, size_t len)
{
	struct bctx *b = data;
	if (!b->o->ops || !b->o->ops->event)
		return;
	struct build_event ev = {
		.kind = BUILD_EV_OUTPUT,
		.step = b->step,
		.total = b->total,
		.stage = b->stage_label,
		.text = buf,
		.len = len,
	};
	b->o->ops->event(b->o->ops->ctx, &ev);
}

/* The build arguments a RUN sees (not those ENV overrides). */
static char **run_env(struct bctx *b, json_t *cfg)
{
	char **env = NULL;
	for (char **p = b->args; p && p[0]; p += 2)
		if (!env_get(cfg, p[0])) {
			char *kv = xasprintf("%s=%s", p[0], p[1]);
			strv_consume(&env, kv);
		}
	return env;
}

/* RUN's command: the exec form, or the shell's with heredocs appended
 * (the shell reads them itself); a command that is only a heredoc runs
 * its body as the script. */
static char **run_args(json_t *cfg, const struct df_instr *in)
{
	char **args = NULL;
	if (in->json) {
		for (char **p = in->args; p && *p; p++)
			strv_push(&args, *p);
		return args ? args : xnew(char *, 1);
	}
	json_t *sh = shell_of(config_obj(cfg));
	size_t i;
	json_t *it;
	json_array_foreach(sh, i, it)
		strv_push(&args, json_string_value(it));
	json_decref(sh);
	const char *cmd = in->args && in->args[0] ? in->args[0] : "";
	struct strbuf s = STRBUF_INIT;
	if (in->n_heredocs == 1) {
		const char *p = cmd + strspn(cmd, " \t");
		if (p[0] == '<' && p[1] == '<') {
			p += 2 + (p[2] == '-');
			p += (*p == '"' || *p == '\'');
			size_t n = strlen(in->heredocs[0].name);
			if (!strncmp(p, in->heredocs[0].name, n)) {
				p += n;
				p += (*p == '"' || *p == '\'');
				if (!p[strspn(p, " \t")]) {
					strbuf_addstr(&s, in->heredocs[0].body);
					strv_consume(&args, strbuf_detach(&s, NULL));
					return args;
				}
			}
		}
	}
	strbuf_addstr(&s, cmd);
	for (size_t h = 0; h < in->n_heredocs; h++)
		strbuf_addf(&s, "\n%s%s", in->heredocs[h].body, in->heredocs[h].name);
	strv_consume(&args, strbuf_detach(&s, NULL));
	return args;
}

static char *join_args(char **v)
{
	struct strbuf s = STRBUF_INIT;
	for (char **p = v; p && *p; p++)
		strbuf_addf(&s, "%s%s", p == v ? "" : " ", *p);
	return strbuf_detach(&s, NULL);
}

static int do_run(struct bctx *b, struct state *st, const struct df_instr *in, char **ret_text,
		  struct err *e)
{
	const struct build_ops *ops = b->o->ops;
	if (!ops || !ops->run)
		return err_set(e, ERR_UNSUPPORTED, "%s:%u: RUN: no runtime", b->file, in->line);
	const char *net = flag_value(in, "network");
	_cleanup_strv_ char **args = run_args(st->cfg, in);
	_cleanup_strv_ char **env = run_env(b, st->cfg);
	_cleanup_free_ char *cfg_text = json_dumps(st->cfg, JSON_COMPACT | JSON_PRESERVE_ORDER);
	struct snap sn;
	if (snap_make(b, st, false, &sn, e) < 0)
		return -1;
	struct build_run_req r = {
		.rootfs = sn.rootfs,
		.config_json = cfg_text,
		.args = args,
		.env = env,
		.network = net && *net && strcmp(net, "default") ? net : b->o->network,
		.output = run_output,
		.data = b,
	};
	int status = 0;
	int rc = ops->run(ops->ctx, &r, &status, e);
	if (rc == 0 && status != 0) {
		_cleanup_free_ char *shown = join_args(args);
		rc = err_set(e, ERR_INVALID,
			     "%s:%u: RUN %s: the command returned a non-zero code: %d", b->file,
			     in->line, in->json ? shown : (in->args && in->args[0] ? in->args[0] : ""),
			     status);
	} else if (rc < 0) {
		err_wrap(e, "%s:%u: RUN", b->file, in->line);
	}
	if (rc == 0)
		rc = snap_commit(b, &sn, st, e);
	snap_drop(&sn);
	if (rc < 0)
		return -1;
	_cleanup_free_ char *shown = join_args(args);
	*ret_text = xasprintf("RUN %s", shown);
	return 0;
}

/* ---- COPY and ADD ---- */

static long find_stage(struct bctx *b, const char *name, size_t before)
{
	char *end;
	long n = strtol(name, &end, 10);
	if (*name && !*end && n >= 0 && (size_t)n < before)
		return n;
	for (size_t i = 0; i < before; i++)
		if (b->stages[i].name && !strcasecmp(b->stages[i].name, name))
			return (long)i;
	return -1;
}

struct copy_plan {
	struct copy_req r;
	struct state from; /* --from: the root the sources come from */
	bool have_from;
	struct snap from_snap;
	char **srcs;
	char *dest;
	char *from_key;
};

static void copy_plan_clear(struct copy_plan *p)
{
	state_clear(&p->from);
	snap_drop(&p->from_snap);
	strv_free(p->srcs);
	strv_free(p->r.heredocs);
	free(p->dest);
	free(p->from_key);
}

static int copy_prepare(struct bctx *b, struct state *st, const struct df_instr *in, size_t si,
			struct copy_plan *p, struct err *e)
{
	static const char *const copy_flags[] = {"from", "chown", "chmod", "link", "parents",
						 "exclude", NULL};
	static const char *const add_flags[] = {"chown", "chmod", "link", "keep-git-dir",
						"checksum", "exclude", NULL};
	bool add = in->cmd == DF_ADD;
	if (check_flags(b, in, add ? add_flags : copy_flags, e) < 0)
		return -1;
	p->r.add = add;
	p->r.chmod = -1;
	_cleanup_strv_ char **w = NULL;
	if (words_of(b, in, &w, e) < 0)
		return -1;
	size_t n = strv_length(w);
	if (n < 2)
		return err_set(e, ERR_INVALID, "%s:%u: %s requires at least two arguments",
			       b->file, in->line, df_cmd_name(in->cmd));
	for (size_t i = 0; i + 1 < n; i++) {
		if (add && (!strncmp(w[i], "http://", 7) || !strncmp(w[i], "https://", 8) ||
			    !strncmp(w[i], "git@", 4)))
			return err_set(e, ERR_UNSUPPORTED,
				       "%s:%u: ADD %s: sources from URLs are not supported (use "
				       "RUN with a download tool, or download into the context)",
				       b->file, in->line, w[i]);
		strv_push(&p->srcs, w[i]);
	}
	for (size_t h = 0; h < in->n_heredocs; h++) {
		strv_push(&p->r.heredocs, in->heredocs[h].name);
		if (in->heredocs[h].expand) {
			_cleanup_free_ char *x = expand(b, in, in->heredocs[h].body, false, e);
			if (!x)
				return -1;
			strv_push(&p->r.heredocs, x);
		} else {
			strv_push(&p->r.heredocs, in->heredocs[h].body);
		}
	}
	const char *dest = w[n - 1];
	json_t *c = config_obj(st->cfg);
	const char *wd = json_string_value(json_object_get(c, "WorkingDir"));
	bool slash = dest[strlen(dest) - 1] == '/' || !strcmp(dest, ".");
	_cleanup_free_ char *joined = dest[0] == '/' ? xstrdup(dest) : path_join(wd && *wd ? wd : "/", dest);
	_cleanup_free_ char *clean = path_clean(joined);
	p->dest = slash && strcmp(clean, "/") ? xasprintf("%s/", clean) : TAKE_PTR(clean);
	if (n > 2 && p->dest[strlen(p->dest) - 1] != '/')
		return err_set(e, ERR_INVALID,
			       "%s:%u: %s: with more than one source the destination must be a "
			       "directory and end with a /", b->file, in->line, df_cmd_name(in->cmd));
	p->r.srcs = p->srcs;
	p->r.dest = p->dest;
	const char *chmod = flag_value(in, "chmod");
	if (chmod) {
		char *end;
		long m = strtol(chmod, &end, 8);
		if (!*chmod || *end || m < 0 || m > 07777)
			return err_set(e, ERR_INVALID, "%s:%u: %s --chmod=%s: expected an octal mode",
				       b->file, in->line, df_cmd_name(in->cmd), chmod);
		p->r.chmod = (int)m;
	}
	const char *from = flag_value(in, "from");
	if (from && !add) {
		_cleanup_free_ char *x = expand(b, in, from, false, e);
		if (!x)
			return -1;
		long fs = find_stage(b, x, si);
		if (fs >= 0) {
			if (!b->stages[fs].built)
				return err_set(e, ERR_INTERNAL, "%s:%u: stage %s is not built", b->file,
					       in->line, x);
			state_copy(&p->from, &b->stages[fs].st);
			if (state_need(b, &p->from, e) < 0)
				return -1;
		} else if (state_from_image(b, x, &p->from, e) < 0) {
			return err_wrap(e, "%s:%u: COPY --from=%s", b->file, in->line, x);
		}
		p->have_from = true;
		p->from_key = xstrdup(p->from.key);
	}
	return 0;
}

static int do_copy(struct bctx *b, struct state *st, const struct df_instr *in,
		   struct copy_plan *p, char **ret_text, struct err *e)
{
	struct snap sn;
	if (snap_make(b, st, false, &sn, e) < 0)
		return -1;
	int r = 0;
	_cleanup_close_ int rootfd = open(sn.rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		r = err_sys(e, errno, "build: %s", sn.rootfs);
	const char *chown = flag_value(in, "chown");
	if (r == 0 && chown) {
		_cleanup_free_ char *x = expand(b, in, chown, false, e);
		if (!x || copy_resolve_owner(rootfd, x, &p->r.uid, &p->r.gid, e) < 0)
			r = err_wrap(e, "%s:%u: %s --chown", b->file, in->line, df_cmd_name(in->cmd));
		p->r.chown = true;
	}
	_cleanup_close_ int srcfd = -1;
	struct copy_src src = {.rootfd = b->ctxfd, .context = true, .ig = &b->ig};
	if (r == 0 && p->have_from) {
		r = snap_make(b, &p->from, true, &p->from_snap, e);
		if (r == 0) {
			srcfd = open(p->from_snap.rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (srcfd < 0)
				r = err_sys(e, errno, "build: %s", p->from_snap.rootfs);
		}
		src = (struct copy_src){.rootfd = srcfd};
	}
	if (r == 0 && copy_run(&src, &p->r, rootfd, e) < 0)
		r = err_wrap(e, "%s:%u: %s", b->file, in->line, df_cmd_name(in->cmd));
	if (srcfd >= 0) {
		close(TAKE_FD(srcfd));
		snap_drop(&p->from_snap);
	}
	if (rootfd >= 0)
		close(TAKE_FD(rootfd));
	if (r == 0)
		r = snap_commit(b, &sn, st, e);
	snap_drop(&sn);
	if (r < 0)
		return -1;
	_cleanup_free_ char *srcs = join_args(p->srcs);
	const char *from = flag_value(in, "from");
	*ret_text = xasprintf("%s %s%s%s%s %s", df_cmd_name(in->cmd), p->have_from ? "--from=" : "",
			      p->have_from ? from : "", p->have_from ? " " : "", srcs, p->dest);
	return 0;
}

/* ---- one step ---- */

/* The key's instruction part: the instruction as it will run. */
static void key_instr(struct bctx *b, const struct df_instr *in, struct digest_ctx *d)
{
	digest_update(d, df_cmd_name(in->cmd), strlen(df_cmd_name(in->cmd)) + 1);
	for (char **f = in->flags; f && *f; f++) {
		_cleanup_free_ char *x = df_expand(*f, b->df.escape, lookup_var, b, NULL);
		const char *v = x ? x : *f;
		digest_update(d, "F", 1);
		digest_update(d, v, strlen(v) + 1);
	}
	digest_update(d, in->json ? "J" : "S", 1);
	for (char **a = in->args; a && *a; a++) {
		bool expands = in->cmd != DF_RUN && in->cmd != DF_CMD && in->cmd != DF_ENTRYPOINT &&
			       in->cmd != DF_SHELL && in->cmd != DF_HEALTHCHECK &&
			       in->cmd != DF_ONBUILD;
		_cleanup_free_ char *x =
			expands ? df_expand(*a, b->df.escape, lookup_var, b, NULL) : NULL;
		const char *v = x ? x : *a;
		digest_update(d, v, strlen(v) + 1);
	}
	for (size_t h = 0; h < in->n_heredocs; h++) {
		_cleanup_free_ char *x = in->heredocs[h].expand && in->cmd != DF_RUN
						 ? df_expand(in->heredocs[h].body, b->df.escape,
							     lookup_var, b, NULL)
						 : NULL;
		const char *v = x ? x : in->heredocs[h].body;
		digest_update(d, "H", 1);
		digest_update(d, in->heredocs[h].name, strlen(in->heredocs[h].name) + 1);
		digest_update(d, v, strlen(v) + 1);
	}
	if (in->onbuild && in->onbuild->original)
		digest_update(d, in->onbuild->original, strlen(in->onbuild->original) + 1);
}

static bool writes_files(enum df_cmd c)
{
	return c == DF_RUN || c == DF_COPY || c == DF_ADD;
}

static int step(struct bctx *b, struct stage *sg, size_t si, const struct df_instr *in,
		struct err *e)
{
	struct state *st = &sg->st;
	if (b->o->ops && b->o->ops->cancelled && b->o->ops->cancelled(b->o->ops->ctx))
		return err_set(e, ERR_IO, "build interrupted");
	b->cur = st;
	if (state_need(b, st, e) < 0)
		return -1;
	if (in->cmd == DF_ARG) {
		event(b, BUILD_EV_STEP, in->original, NULL);
		return declare_args(b, in, false, e);
	}
	event(b, BUILD_EV_STEP, in->original, NULL);
	struct copy_plan cp = {0};
	struct digest_ctx *d = digest_new();
	digest_update(d, st->key, strlen(st->key) + 1);
	key_instr(b, in, d);
	int r = 0;
	if (in->cmd == DF_RUN) {
		_cleanup_strv_ char **env = run_env(b, st->cfg);
		for (char **p = env; p && *p; p++)
			digest_update(d, *p, strlen(*p) + 1);
		const char *mount = flag_value(in, "mount");
		static const char *const run_flags[] = {"network", NULL};
		if (mount)
			r = err_set(e, ERR_UNSUPPORTED, "%s:%u: RUN --mount is not supported",
				    b->file, in->line);
		else
			r = check_flags(b, in, run_flags, e);
	} else if (in->cmd == DF_COPY || in->cmd == DF_ADD) {
		r = copy_prepare(b, st, in, si, &cp, e);
		if (r == 0 && cp.have_from)
			digest_update(d, cp.from_key, strlen(cp.from_key) + 1);
		if (r == 0 && !cp.have_from) {
			struct copy_src src = {.rootfd = b->ctxfd, .context = true, .ig = &b->ig};
			if (copy_digest(&src, &cp.r, d, e) < 0)
				r = err_wrap(e, "%s:%u: %s", b->file, in->line, df_cmd_name(in->cmd));
		}
	}
	_cleanup_free_ char *key = digest_final_string(d);
	digest_free(d);
	if (r < 0) {
		copy_plan_clear(&cp);
		return -1;
	}
	struct state hit;
	if (!b->o->no_cache && cache_get(b, key, &hit)) {
		copy_plan_clear(&cp);
		bool cmd_set = st->cmd_set;
		state_clear(st);
		*st = hit;
		st->key = TAKE_PTR(key);
		st->cmd_set = cmd_set || in->cmd == DF_CMD;
		_cleanup_free_ char *id = state_config_digest(b->s, st);
		event(b, BUILD_EV_CACHED, NULL, id);
		return 0;
	}
	/* Not cached: the state itself is needed (a cache hit before was
	 * not loaded). */
	_cleanup_free_ char *text = NULL;
	if (in->cmd == DF_RUN)
		r = do_run(b, st, in, &text, e);
	else if (in->cmd == DF_COPY || in->cmd == DF_ADD)
		r = do_copy(b, st, in, &cp, &text, e);
	else
		r = apply_meta(b, st, in, &text, e);
	copy_plan_clear(&cp);
	if (r < 0)
		return -1;
	char now[RFC3339_MAX];
	time_now_rfc3339(now);
	add_history(st, now, text, !writes_files(in->cmd));
	if (state_store(b->s, st, e) < 0 || cache_put(b, key, st->manifest, e) < 0)
		return -1;
	free(st->key);
	st->key = TAKE_PTR(key);
	_cleanup_free_ char *id = state_config_digest(b->s, st);
	event(b, BUILD_EV_DONE, NULL, id);
	return 0;
}

/* ---- stages ---- */

static int plan(struct bctx *b, struct err *e)
{
	size_t i = 0;
	/* ARGs before the first FROM */
	for (; i < b->df.n && b->df.v[i].cmd != DF_FROM; i++) {
		const struct df_instr *in = &b->df.v[i];
		if (in->cmd != DF_ARG)
			return err_set(e, ERR_INVALID, "%s:%u: no build stage in the current context "
				       "(%s before FROM)", b->file, in->line, df_cmd_name(in->cmd));
		if (declare_args(b, in, true, e) < 0)
			return -1;
	}
	if (i == b->df.n)
		return err_set(e, ERR_INVALID, "%s: no FROM instruction", b->file);
	for (; i < b->df.n; i++) {
		const struct df_instr *in = &b->df.v[i];
		if (in->cmd != DF_FROM) {
			b->stages[b->n_stages - 1].end = i + 1;
			continue;
		}
		static const char *const ok[] = {"platform", NULL};
		if (check_flags(b, in, ok, e) < 0)
			return -1;
		const char *platform = flag_value(in, "platform");
		if (platform) {
			_cleanup_free_ char *x = expand(b, in, platform, true, e);
			if (!x)
				return -1;
			if (strcmp(x, "linux/amd64") && strcmp(x, "linux") && strcmp(x, "amd64") &&
			    strcmp(x, "$BUILDPLATFORM") && strcmp(x, "$TARGETPLATFORM"))
				return err_set(e, ERR_UNSUPPORTED,
					       "%s:%u: FROM --platform=%s: this host builds "
					       "linux/amd64 only", b->file, in->line, x);
		}
		_cleanup_strv_ char **w = NULL;
		if (in->args) {
			_cleanup_free_ char *x = NULL;
			for (char **a = in->args; *a; a++) {
				x = expand(b, in, *a, true, e);
				if (!x)
					return -1;
				strv_consume(&w, unquote(x));
				free(TAKE_PTR(x));
			}
		}
		size_t n = strv_length(w);
		if (n != 1 && !(n == 3 && !strcasecmp(w[1], "as")))
			return err_set(e, ERR_INVALID, "%s:%u: FROM requires either one or three "
				       "arguments (FROM image [AS name])", b->file, in->line);
		if (!*w[0])
			return err_set(e, ERR_INVALID, "%s:%u: FROM: empty image name (an ARG "
				       "without a value?)", b->file, in->line);
		b->stages = xrealloc(b->stages, (b->n_stages + 1) * sizeof(*b->stages));
		struct stage *sg = &b->stages[b->n_stages];
		*sg = (struct stage){.from = i, .end = i + 1, .base_stage = -1};
		sg->base = xstrdup(w[0]);
		if (n == 3) {
			for (char *p = w[2]; *p; p++)
				*p = (char)tolower((unsigned char)*p);
			if (find_stage(b, w[2], b->n_stages) >= 0 && !isdigit((unsigned char)w[2][0]))
				return err_set(e, ERR_INVALID, "%s:%u: duplicate stage name \"%s\"",
					       b->file, in->line, w[2]);
			sg->name = xstrdup(w[2]);
		}
		/* FROM a stage before it (by name only, as docker). */
		for (size_t k = 0; k < b->n_stages; k++)
			if (b->stages[k].name && !strcasecmp(b->stages[k].name, sg->base))
				sg->base_stage = (long)k;
		b->n_stages++;
	}
	/* The target and what it needs. */
	long target = (long)b->n_stages - 1;
	if (b->o->target) {
		target = -1;
		for (size_t k = 0; k < b->n_stages; k++)
			if (b->stages[k].name && !strcasecmp(b->stages[k].name, b->o->target))
				target = (long)k;
		if (target < 0)
			return err_set(e, ERR_NOT_FOUND, "target stage \"%s\" could not be found",
				       b->o->target);
	}
	b->target = (size_t)target;
	b->stages[target].needed = true;
	for (long k = target; k >= 0; k--) {
		struct stage *sg = &b->stages[k];
		if (!sg->needed)
			continue;
		if (sg->base_stage >= 0)
			b->stages[sg->base_stage].needed = true;
		for (size_t j = sg->from + 1; j < sg->end; j++) {
			const struct df_instr *in = &b->df.v[j];
			const char *from = in->cmd == DF_COPY ? flag_value(in, "from") : NULL;
			if (!from)
				continue;
			_cleanup_free_ char *x = df_expand(from, b->df.escape, lookup_meta, b, NULL);
			long fs = find_stage(b, x ? x : from, (size_t)k);
			if (fs >= 0)
				b->stages[fs].needed = true;
			else if (find_stage(b, x ? x : from, b->n_stages) >= 0)
				return err_set(e, ERR_INVALID, "%s:%u: COPY --from=%s: a stage can "
					       "only copy from the stages before it", b->file,
					       in->line, from);
		}
	}
	for (size_t k = 0; k <= b->target; k++)
		if (b->stages[k].needed)
			b->total += (unsigned)(b->stages[k].end - b->stages[k].from);
	if (b->o->labels)
		b->total++;
	return 0;
}

/* ONBUILD triggers of the base image run first. */
static int run_triggers(struct bctx *b, struct stage *sg, size_t si, struct err *e)
{
	json_t *c = json_object_get(sg->st.cfg, "config");
	json_t *ob = json_object_get(c, "OnBuild");
	if (!json_is_array(ob) || json_array_size(ob) == 0)
		return 0;
	_cleanup_json_ json_t *triggers = json_incref(ob);
	json_object_del(c, "OnBuild");
	size_t i;
	json_t *it;
	json_array_foreach(triggers, i, it)
	{
		const char *t = json_string_value(it);
		if (!t)
			continue;
		struct dockerfile df = {0};
		if (df_parse_fragment(t, strlen(t), "ONBUILD", &df, e) < 0)
			return err_wrap(e, "base image %s", sg->base);
		for (size_t k = 0; k < df.n; k++) {
			if (step(b, sg, si, &df.v[k], e) < 0) {
				df_clear(&df);
				return -1;
			}
		}
		df_clear(&df);
	}
	return 0;
}

static int build_stage(struct bctx *b, size_t si, struct err *e)
{
	struct stage *sg = &b->stages[si];
	snprintf(b->label_buf, sizeof(b->label_buf), "%zu", si);
	b->stage_label = sg->name ? sg->name : b->label_buf;
	strv_free(b->args);
	b->args = NULL;
	const struct df_instr *from = &b->df.v[sg->from];
	b->step++;
	event(b, BUILD_EV_STEP, from->original, NULL);
	if (sg->base_stage >= 0) {
		state_copy(&sg->st, &b->stages[sg->base_stage].st);
		if (state_need(b, &sg->st, e) < 0)
			return -1;
	} else if (!strcmp(sg->base, "scratch")) {
		state_scratch(&sg->st);
	} else if (state_from_image(b, sg->base, &sg->st, e) < 0) {
		return err_wrap(e, "%s:%u: FROM %s", b->file, from->line, sg->base);
	}
	sg->st.cmd_set = false;
	if (run_triggers(b, sg, si, e) < 0)
		return -1;
	_cleanup_free_ char *id = sg->st.manifest ? state_config_digest(b->s, &sg->st) : NULL;
	event(b, BUILD_EV_DONE, NULL, id);
	for (size_t i = sg->from + 1; i < sg->end; i++) {
		b->step++;
		if (step(b, sg, si, &b->df.v[i], e) < 0)
			return -1;
	}
	sg->built = true;
	return 0;
}

/* --label: one more LABEL on the result. */
static int add_labels(struct bctx *b, struct stage *sg, size_t si, struct err *e)
{
	struct strbuf s = STRBUF_INIT;
	strbuf_addstr(&s, "LABEL");
	for (char **l = b->o->labels; l && *l; l++) {
		const char *eq = strchr(*l, '=');
		_cleanup_free_ char *k = eq ? xstrndup(*l, (size_t)(eq - *l)) : xstrdup(*l);
		_cleanup_json_ json_t *v = json_string(eq ? eq + 1 : "");
		_cleanup_free_ char *q = json_dumps(v, JSON_ENCODE_ANY);
		/* "\$" so that the value is taken as it is */
		struct strbuf qq = STRBUF_INIT;
		for (const char *p = q; *p; p++) {
			if (*p == '$')
				strbuf_addch(&qq, '\\');
			strbuf_addch(&qq, *p);
		}
		strbuf_addf(&s, " %s=%s", k, qq.buf);
		strbuf_release(&qq);
	}
	_cleanup_free_ char *text = strbuf_detach(&s, NULL);
	struct dockerfile df = {0};
	if (df_parse_fragment(text, strlen(text), "--label", &df, e) < 0)
		return -1;
	b->step++;
	int r = df.n == 1 ? step(b, sg, si, &df.v[0], e) : 0;
	df_clear(&df);
	return r;
}

static int register_image(struct bctx *b, struct stage *sg, char **ret_id, struct err *e)
{
	struct state *st = &sg->st;
	if (state_need(b, st, e) < 0)
		return -1;
	if (!st->manifest && state_store(b->s, st, e) < 0)
		return -1;
	_cleanup_free_ char *id = state_config_digest(b->s, st);
	if (!id)
		return err_set(e, ERR_INTERNAL, "build: the result has no config");
	_cleanup_strv_ char **layers = NULL;
	uint64_t size = 0;
	json_t *diff = json_object_get(json_object_get(st->cfg, "rootfs"), "diff_ids");
	size_t i;
	json_t *it;
	json_array_foreach(diff, i, it)
	{
		strv_push(&layers, json_string_value(it));
		size += store_layer_size(b->s, json_string_value(it));
	}
	if (!layers)
		layers = xnew(char *, 1);
	const char *created = json_string_value(json_object_get(st->cfg, "created"));
	char now[RFC3339_MAX];
	time_now_rfc3339(now);
	char *none[] = {NULL};
	struct store_image im = {
		.id = id,
		.manifest_digest = st->manifest,
		.created = (char *)(created ? created : now),
		.added = now,
		.names = none,
		.repo_digests = none,
		.layers = layers,
		.size = size,
	};
	/* Already there with every name (a cached rebuild): nothing to write. */
	struct store_index idx;
	bool all = false;
	_cleanup_strv_ char **names = NULL;
	for (char **t = b->o->tags; t && *t; t++) {
		char *n;
		if (image_tag_name(*t, &n, e) < 0)
			return err_wrap(e, "tag");
		strv_consume(&names, n);
	}
	if (store_index_load(b->s, &idx, NULL) == 0) {
		for (size_t k = 0; k < idx.n; k++) {
			if (strcmp(idx.images[k].id, id))
				continue;
			all = true;
			for (char **n = names; n && *n; n++)
				all = all && strv_contains(idx.images[k].names, *n);
		}
		store_index_clear(&idx);
	}
	if (!all) {
		if (image_register(b->s, &im, NULL, e) < 0)
			return -1;
		for (char **n = names; n && *n; n++)
			if (image_register(b->s, &im, *n, e) < 0)
				return -1;
	}
	for (char **n = names; n && *n; n++)
		event(b, BUILD_EV_TAGGED, *n, id);
	*ret_id = TAKE_PTR(id);
	return 0;
}

/* Step roots of builds that were killed (kill -9): tmp/build-<pid>-<n>
 * whose process is gone, unmounted and removed. */
static void sweep_stale(struct store *s)
{
	_cleanup_free_ char *tmp = xasprintf("%s/tmp", s->root);
	DIR *d = opendir(tmp);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		int pid;
		unsigned n;
		if (sscanf(de->d_name, "build-%d-%u", &pid, &n) != 2 || pid <= 0 ||
		    pid == (int)getpid())
			continue;
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		struct snap sn = {.dir = xasprintf("%s/%s", tmp, de->d_name)};
		snap_drop(&sn);
	}
	closedir(d);
}

static int build_all(struct bctx *b, char **ret_id, struct err *e)
{
	sweep_stale(b->s);
	const struct build_opts *o = b->o;
	if (df_parse(o->dockerfile, o->dockerfile_len, b->file, &b->df, e) < 0)
		return -1;
	b->ctxfd = open(o->context, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (b->ctxfd < 0)
		return err_sys(e, errno, "build context \"%s\"", o->context);
	_cleanup_free_ char *ig_text = NULL;
	size_t ig_len = 0;
	if (read_file_at(b->ctxfd, ".dockerignore", IGNORE_MAX, &ig_text, &ig_len, NULL) < 0 &&
	    read_file_at(b->ctxfd, ".containerignore", IGNORE_MAX, &ig_text, &ig_len, NULL) < 0) {
		free(ig_text);
		ig_text = xstrdup("");
		ig_len = 0;
	}
	if (ignore_parse(ig_text, ig_len, &b->ig, e) < 0)
		return err_wrap(e, ".dockerignore");
	/* docker's automatic platform arguments */
	static const char *const auto_args[] = {"TARGETPLATFORM", "linux/amd64", "TARGETOS", "linux",
						"TARGETARCH", "amd64", "BUILDPLATFORM", "linux/amd64",
						"BUILDOS", "linux", "BUILDARCH", "amd64", NULL};
	for (const char *const *p = auto_args; *p; p += 2)
		pairs_set(&b->meta, p[0], p[1]);
	if (plan(b, e) < 0)
		return -1;
	for (size_t i = 0; i <= b->target; i++)
		if (b->stages[i].needed && build_stage(b, i, e) < 0)
			return -1;
	struct stage *last = &b->stages[b->target];
	if (o->labels && add_labels(b, last, b->target, e) < 0)
		return -1;
	/* Build args no ARG declared. */
	_cleanup_strv_ char **unused = NULL;
	for (char **a = o->build_args; a && *a; a++) {
		_cleanup_free_ char *name = xstrndup(*a, strcspn(*a, "="));
		bool predefined = !strcasecmp(name, "HTTP_PROXY") || !strcasecmp(name, "HTTPS_PROXY") ||
				  !strcasecmp(name, "FTP_PROXY") || !strcasecmp(name, "NO_PROXY") ||
				  !strcasecmp(name, "ALL_PROXY");
		if (!predefined && !strv_contains(b->consumed, name) && !strv_contains(unused, name))
			strv_push(&unused, name);
	}
	if (unused) {
		_cleanup_free_ char *list = join_args(unused);
		_cleanup_free_ char *w =
			xasprintf("one or more build-args [%s] were not consumed", list);
		event(b, BUILD_EV_WARNING, w, NULL);
	}
	return register_image(b, last, ret_id, e);
}

int build_image(struct store *s, const struct build_opts *o, char **ret_id, struct err *e)
{
	struct bctx b = {.s = s, .o = o, .ctxfd = -1};
	b.file = o->dockerfile_name ? o->dockerfile_name : "Dockerfile";
	int r = build_all(&b, ret_id, e);
	for (size_t i = 0; i < b.n_stages; i++) {
		free(b.stages[i].name);
		free(b.stages[i].base);
		state_clear(&b.stages[i].st);
	}
	free(b.stages);
	strv_free(b.meta);
	strv_free(b.args);
	strv_free(b.consumed);
	ignore_clear(&b.ig);
	df_clear(&b.df);
	if (b.ctxfd >= 0)
		close(b.ctxfd);
	return r;
}
