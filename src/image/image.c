/* image.c: see image.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/digest.h"
#include "base/json-util.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "base/time-util.h"
#include "image/image.h"
#include "image/reference.h"

/* ---- --change ---- */

/* `CMD ["a", "b"]` (JSON form) or `CMD a b` (shell form: sh -c). */
static json_t *exec_form(const char *arg, bool shell_for_plain)
{
	while (isspace((unsigned char)*arg))
		arg++;
	if (*arg == '[') {
		json_error_t je;
		json_t *v = json_loads(arg, 0, &je);
		bool ok = v && json_is_array(v);
		size_t i;
		json_t *it;
		json_array_foreach(v, i, it)
		{
			if (!json_is_string(it))
				ok = false;
		}
		if (ok)
			return v;
		json_decref(v);
		/* Not valid JSON: docker falls back to the shell form. */
	}
	json_t *a = json_array();
	if (shell_for_plain) {
		json_array_append_new(a, json_string("/bin/sh"));
		json_array_append_new(a, json_string("-c"));
	}
	json_array_append_new(a, json_string(arg));
	return a;
}

/* "k=v k2=v2" or the legacy "k v" form.  Returns pairs in a strv. */
static int key_values(const char *what, const char *arg, char ***ret, struct err *e)
{
	_cleanup_strv_ char **out = NULL;
	const char *eq = strchr(arg, '=');
	const char *sp = strpbrk(arg, " \t");
	if (!eq || (sp && sp < eq)) {
		/* "KEY value with spaces" */
		if (!sp)
			return err_set(e, ERR_INVALID, "%s \"%s\": expected KEY=VALUE", what, arg);
		_cleanup_free_ char *k = xstrndup(arg, (size_t)(sp - arg));
		while (isspace((unsigned char)*sp))
			sp++;
		strv_push(&out, k);
		strv_push(&out, sp);
		*ret = TAKE_PTR(out);
		return 0;
	}
	const char *p = arg;
	while (*p) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		const char *start = p;
		while (*p && *p != '=' && !isspace((unsigned char)*p))
			p++;
		if (*p != '=' || p == start)
			return err_set(e, ERR_INVALID, "%s \"%s\": expected KEY=VALUE", what, arg);
		_cleanup_free_ char *k = xstrndup(start, (size_t)(p - start));
		p++;
		_cleanup_strbuf_ struct strbuf v = STRBUF_INIT;
		char quote = 0;
		while (*p && (quote || !isspace((unsigned char)*p))) {
			if (!quote && (*p == '"' || *p == '\'')) {
				quote = *p++;
				continue;
			}
			if (quote && *p == quote) {
				quote = 0;
				p++;
				continue;
			}
			if (*p == '\\' && p[1] && quote != '\'')
				p++;
			strbuf_addch(&v, *p++);
		}
		if (quote)
			return err_set(e, ERR_INVALID, "%s \"%s\": unterminated quote", what, arg);
		strv_push(&out, k);
		strv_push(&out, v.buf);
	}
	*ret = TAKE_PTR(out);
	return 0;
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

static int apply_change(json_t *cfg, const char *change, struct err *e)
{
	while (isspace((unsigned char)*change))
		change++;
	const char *sp = change;
	while (*sp && !isspace((unsigned char)*sp))
		sp++;
	_cleanup_free_ char *ins = xstrndup(change, (size_t)(sp - change));
	for (char *c = ins; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	const char *arg = sp;
	while (isspace((unsigned char)*arg))
		arg++;
	json_t *c = obj_child(cfg, "config");
	if (!strcmp(ins, "CMD")) {
		json_object_set_new(c, "Cmd", exec_form(arg, true));
	} else if (!strcmp(ins, "ENTRYPOINT")) {
		json_object_set_new(c, "Entrypoint", exec_form(arg, true));
	} else if (!strcmp(ins, "ENV")) {
		_cleanup_strv_ char **kv = NULL;
		if (key_values("ENV", arg, &kv, e) < 0)
			return -1;
		json_t *env = json_object_get(c, "Env");
		if (!json_is_array(env)) {
			env = json_array();
			json_object_set_new(c, "Env", env);
		}
		for (char **p = kv; p && p[0]; p += 2) {
			_cleanup_free_ char *entry = xasprintf("%s=%s", p[0], p[1]);
			size_t klen = strlen(p[0]);
			size_t i;
			json_t *it;
			bool replaced = false;
			json_array_foreach(env, i, it)
			{
				const char *s = json_string_value(it);
				if (s && !strncmp(s, p[0], klen) && s[klen] == '=') {
					json_array_set_new(env, i, json_string(entry));
					replaced = true;
					break;
				}
			}
			if (!replaced)
				json_array_append_new(env, json_string(entry));
		}
	} else if (!strcmp(ins, "LABEL")) {
		_cleanup_strv_ char **kv = NULL;
		if (key_values("LABEL", arg, &kv, e) < 0)
			return -1;
		json_t *labels = obj_child(c, "Labels");
		for (char **p = kv; p && p[0]; p += 2)
			json_object_set_new(labels, p[0], json_string(p[1]));
	} else if (!strcmp(ins, "WORKDIR")) {
		if (!*arg)
			return err_set(e, ERR_INVALID, "WORKDIR needs a directory");
		json_object_set_new(c, "WorkingDir", json_string(arg));
	} else if (!strcmp(ins, "USER")) {
		if (!*arg)
			return err_set(e, ERR_INVALID, "USER needs a user");
		json_object_set_new(c, "User", json_string(arg));
	} else if (!strcmp(ins, "EXPOSE")) {
		json_t *ports = obj_child(c, "ExposedPorts");
		_cleanup_free_ char *copy = xstrdup(arg);
		char *save = NULL;
		for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
			char *slash = strchr(t, '/');
			const char *proto = slash ? slash + 1 : "tcp";
			if (slash) {
				*slash = '\0';
				for (char *p = slash + 1; *p; p++)
					*p = (char)tolower((unsigned char)*p);
			}
			char *end;
			unsigned long port = strtoul(t, &end, 10);
			if (!*t || *end || port == 0 || port > 65535 ||
			    (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp")))
				return err_set(e, ERR_INVALID, "EXPOSE \"%s\": invalid port", arg);
			_cleanup_free_ char *key = xasprintf("%lu/%s", port, proto);
			json_object_set_new(ports, key, json_object());
		}
	} else if (!strcmp(ins, "VOLUME")) {
		json_t *vols = obj_child(c, "Volumes");
		while (isspace((unsigned char)*arg))
			arg++;
		if (*arg == '[') {
			json_t *list = exec_form(arg, false);
			size_t i;
			json_t *it;
			json_array_foreach(list, i, it)
				json_object_set_new(vols, json_string_value(it), json_object());
			json_decref(list);
		} else {
			_cleanup_free_ char *copy = xstrdup(arg);
			char *save = NULL;
			for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save))
				json_object_set_new(vols, t, json_object());
		}
	} else if (!strcmp(ins, "STOPSIGNAL")) {
		json_object_set_new(c, "StopSignal", json_string(arg));
	} else if (!strcmp(ins, "ONBUILD")) {
		return err_set(e, ERR_UNSUPPORTED, "--change: ONBUILD is not supported");
	} else {
		return err_set(e, ERR_INVALID,
			       "--change \"%s\": unknown instruction \"%s\" (CMD, ENTRYPOINT, ENV, "
			       "EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR)",
			       change, ins);
	}
	return 0;
}

/* ---- import ---- */

static const char *layer_media_type(int fd)
{
	unsigned char m[4] = {0};
	ssize_t n = pread(fd, m, sizeof(m), 0);
	if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		return MEDIA_OCI_LAYER_GZIP;
	if (n == 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
		return MEDIA_OCI_LAYER_ZSTD;
	return MEDIA_OCI_LAYER;
}

static json_t *descriptor(const char *media, const char *digest, uint64_t size)
{
	json_t *d = json_object();
	json_object_set_new(d, "mediaType", json_string(media));
	json_object_set_new(d, "digest", json_string(digest));
	json_object_set_new(d, "size", json_integer((json_int_t)size));
	return d;
}

struct add_image {
	const struct store_image *im;
	const char *name; /* NULL: none */
};

/* A name belongs to one image: taking it removes it from the others.
 * Images left without a name stay (dangling), as docker leaves them. */
static void take_name(struct store_index *idx, const char *name, size_t except)
{
	for (size_t i = 0; i < idx->n; i++) {
		if (i == except)
			continue;
		strv_remove(idx->images[i].names, name);
	}
}

static int add_image_fn(struct store_index *idx, void *data, struct err *e)
{
	struct add_image *a = data;
	size_t at = idx->n;
	for (size_t i = 0; i < idx->n; i++)
		if (!strcmp(idx->images[i].id, a->im->id))
			at = i;
	if (at == idx->n) {
		idx->images = xrealloc(idx->images, (idx->n + 1) * sizeof(*idx->images));
		struct store_image *n = &idx->images[idx->n++];
		memset(n, 0, sizeof(*n));
		n->id = xstrdup(a->im->id);
		n->manifest_digest = a->im->manifest_digest ? xstrdup(a->im->manifest_digest) : NULL;
		n->created = a->im->created ? xstrdup(a->im->created) : NULL;
		n->added = a->im->added ? xstrdup(a->im->added) : NULL;
		n->names = xnew(char *, 1);
		n->repo_digests = strv_dup(a->im->repo_digests);
		if (!n->repo_digests)
			n->repo_digests = xnew(char *, 1);
		n->layers = strv_dup(a->im->layers);
		n->size = a->im->size;
	}
	for (char **d = a->im->repo_digests; d && *d; d++)
		if (!strv_contains(idx->images[at].repo_digests, *d))
			strv_push(&idx->images[at].repo_digests, *d);
	if (a->name) {
		take_name(idx, a->name, at);
		if (!strv_contains(idx->images[at].names, a->name))
			strv_push(&idx->images[at].names, a->name);
	}
	return 1;
}

int image_register(struct store *s, const struct store_image *im, const char *name,
		   struct err *e)
{
	struct add_image a = {.im = im, .name = name};
	return store_index_edit(s, add_image_fn, &a, e);
}

int image_tag_name(const char *reference, char **ret, struct err *e)
{
	struct image_ref ref;
	if (image_ref_parse(reference, &ref, e) < 0)
		return -1;
	if (ref.digest) {
		image_ref_clear(&ref);
		return err_set(e, ERR_INVALID, "\"%s\": a digest cannot be a tag", reference);
	}
	*ret = image_ref_string(&ref);
	image_ref_clear(&ref);
	return 0;
}

int image_import(struct store *s, int fd, const struct image_import_opts *o, char **ret_id,
		 struct err *e)
{
	_cleanup_free_ char *name = NULL;
	if (o->reference && image_tag_name(o->reference, &name, e) < 0)
		return err_wrap(e, "import");
	/* A bad --change fails before any work is done. */
	_cleanup_json_ json_t *probe = json_object();
	for (char **ch = o->changes; ch && *ch; ch++)
		if (apply_change(probe, *ch, e) < 0)
			return err_wrap(e, "import: --change");
	/* The layer as given, then unpacked from the stored blob. */
	_cleanup_free_ char *blob = NULL, *diff_id = NULL;
	uint64_t blob_size, usize;
	if (store_blob_put_fd(s, fd, NULL, -1, &blob, &blob_size, e) < 0)
		return err_wrap(e, "import");
	_cleanup_close_ int bfd = store_blob_open(s, blob, e);
	if (bfd < 0)
		return -1;
	const char *media = layer_media_type(bfd);
	if (store_layer_put(s, bfd, NULL, &diff_id, &usize, e) < 0)
		return err_wrap(e, "import");

	char now[RFC3339_MAX];
	time_now_rfc3339(now);
	_cleanup_json_ json_t *cfg = json_object();
	json_object_set_new(cfg, "created", json_string(now));
	json_object_set_new(cfg, "architecture", json_string("amd64"));
	json_object_set_new(cfg, "os", json_string("linux"));
	json_t *c = json_object();
	json_object_set_new(c, "Env", json_array());
	json_array_append_new(json_object_get(c, "Env"),
			      json_string("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
					  "/sbin:/bin"));
	json_object_set_new(cfg, "config", c);
	for (char **ch = o->changes; ch && *ch; ch++)
		if (apply_change(cfg, *ch, e) < 0)
			return err_wrap(e, "import: --change");
	json_t *rootfs = json_object();
	json_object_set_new(rootfs, "type", json_string("layers"));
	json_t *ids = json_array();
	json_array_append_new(ids, json_string(diff_id));
	json_object_set_new(rootfs, "diff_ids", ids);
	json_object_set_new(cfg, "rootfs", rootfs);
	json_t *hist = json_array();
	json_t *h = json_object();
	json_object_set_new(h, "created", json_string(now));
	json_object_set_new(h, "created_by", json_string("berth import"));
	if (o->message && *o->message)
		json_object_set_new(h, "comment", json_string(o->message));
	json_array_append_new(hist, h);
	json_object_set_new(cfg, "history", hist);
	_cleanup_free_ char *cfg_text = json_dump_string(cfg, false);
	_cleanup_free_ char *cfg_digest = NULL;
	if (store_blob_put_buf(s, cfg_text, strlen(cfg_text), NULL, &cfg_digest, e) < 0)
		return err_wrap(e, "import");

	_cleanup_json_ json_t *man = json_object();
	json_object_set_new(man, "schemaVersion", json_integer(2));
	json_object_set_new(man, "mediaType", json_string(MEDIA_OCI_MANIFEST));
	json_object_set_new(man, "config",
			    descriptor(MEDIA_OCI_CONFIG, cfg_digest, strlen(cfg_text)));
	json_t *layers = json_array();
	json_array_append_new(layers, descriptor(media, blob, blob_size));
	json_object_set_new(man, "layers", layers);
	_cleanup_free_ char *man_text = json_dump_string(man, false);
	_cleanup_free_ char *man_digest = NULL;
	if (store_blob_put_buf(s, man_text, strlen(man_text), NULL, &man_digest, e) < 0)
		return err_wrap(e, "import");

	char *layer_list[] = {diff_id, NULL};
	char *none[] = {NULL};
	struct store_image im = {
		.id = cfg_digest,
		.manifest_digest = man_digest,
		.created = now,
		.added = now,
		.names = none,
		.repo_digests = none,
		.layers = layer_list,
		.size = usize,
	};
	struct add_image a = {.im = &im, .name = name};
	if (store_index_edit(s, add_image_fn, &a, e) < 0)
		return err_wrap(e, "import");
	if (ret_id)
		*ret_id = TAKE_PTR(cfg_digest);
	return 0;
}

/* ---- commit ---- */

int image_changes_check(char **changes, struct err *e)
{
	_cleanup_json_ json_t *probe = json_object();
	for (char **ch = changes; ch && *ch; ch++)
		if (apply_change(probe, *ch, e) < 0)
			return err_wrap(e, "--change");
	return 0;
}

/* The docker media types of a manifest's layers, as OCI ones (the new
 * manifest is an OCI one). */
static const char *oci_layer_media(const char *m)
{
	if (m && streq(m, MEDIA_DOCKER_LAYER))
		return MEDIA_OCI_LAYER_GZIP;
	if (m && streq(m, "application/vnd.docker.image.rootfs.diff.tar"))
		return MEDIA_OCI_LAYER;
	return m;
}

static int read_doc(struct store *s, const char *digest, const char *what, json_t **ret,
		    struct err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (store_blob_read(s, digest, STORE_DOC_MAX, &buf, &len, e) < 0 ||
	    json_parse_buffer(buf, len, what, ret, e) < 0)
		return -1;
	if (!json_is_object(*ret)) {
		json_decref(*ret);
		*ret = NULL;
		return err_set(e, ERR_INVALID, "%s %s: not an object", what, digest);
	}
	return 0;
}

static int commit_image(struct store *s, const struct image_commit_opts *o, char **ret_id,
			struct err *e)
{
	_cleanup_free_ char *name = NULL;
	if (o->reference && image_tag_name(o->reference, &name, e) < 0)
		return -1;
	if (image_changes_check(o->changes, e) < 0)
		return -1;
	/* The parent: its manifest and config, as they are in the store. */
	struct store_index idx;
	if (store_index_load(s, &idx, e) < 0)
		return -1;
	long pi = store_find(&idx, o->parent, e);
	_cleanup_free_ char *parent_man = NULL;
	_cleanup_strv_ char **layers = NULL;
	if (pi >= 0) {
		if (idx.images[pi].manifest_digest)
			parent_man = xstrdup(idx.images[pi].manifest_digest);
		layers = strv_dup(idx.images[pi].layers);
	}
	store_index_clear(&idx);
	if (pi < 0)
		return err_wrap(e, "image %s", o->parent);
	if (!parent_man)
		return err_set(e, ERR_INVALID, "image %s has no manifest", o->parent);
	_cleanup_json_ json_t *pman = NULL, *cfg = NULL;
	if (read_doc(s, parent_man, "manifest", &pman, e) < 0 ||
	    read_doc(s, o->parent, "image config", &cfg, e) < 0)
		return -1;
	json_t *players = json_object_get(pman, "layers");
	if (!json_is_array(players))
		return err_set(e, ERR_INVALID, "manifest %s: no layers", parent_man);

	char now[RFC3339_MAX];
	time_now_rfc3339(now);
	json_object_set_new(cfg, "created", json_string(now));
	if (o->author && *o->author)
		json_object_set_new(cfg, "author", json_string(o->author));
	else
		json_object_del(cfg, "author");
	for (char **ch = o->changes; ch && *ch; ch++)
		if (apply_change(cfg, *ch, e) < 0)
			return err_wrap(e, "--change");
	json_t *rootfs = obj_child(cfg, "rootfs");
	json_object_set_new(rootfs, "type", json_string("layers"));
	json_t *ids = json_object_get(rootfs, "diff_ids");
	if (!json_is_array(ids)) {
		ids = json_array();
		json_object_set_new(rootfs, "diff_ids", ids);
	}
	json_array_append_new(ids, json_string(o->diff_id));
	json_t *hist = json_object_get(cfg, "history");
	if (!json_is_array(hist)) {
		hist = json_array();
		json_object_set_new(cfg, "history", hist);
	}
	json_t *h = json_object();
	json_object_set_new(h, "created", json_string(now));
	if (o->author && *o->author)
		json_object_set_new(h, "author", json_string(o->author));
	json_object_set_new(h, "created_by", json_string(o->created_by ? o->created_by : ""));
	if (o->message && *o->message)
		json_object_set_new(h, "comment", json_string(o->message));
	json_array_append_new(hist, h);
	_cleanup_free_ char *cfg_text = json_dump_string(cfg, false);
	_cleanup_free_ char *cfg_digest = NULL;
	if (store_blob_put_buf(s, cfg_text, strlen(cfg_text), NULL, &cfg_digest, e) < 0)
		return -1;

	_cleanup_json_ json_t *man = json_object();
	json_object_set_new(man, "schemaVersion", json_integer(2));
	json_object_set_new(man, "mediaType", json_string(MEDIA_OCI_MANIFEST));
	json_object_set_new(man, "config",
			    descriptor(MEDIA_OCI_CONFIG, cfg_digest, strlen(cfg_text)));
	json_t *ml = json_array();
	size_t i;
	json_t *it;
	json_array_foreach(players, i, it)
	{
		json_t *d = json_deep_copy(it);
		const char *m = json_string_value(json_object_get(d, "mediaType"));
		const char *om = oci_layer_media(m);
		if (om && om != m)
			json_object_set_new(d, "mediaType", json_string(om));
		json_array_append_new(ml, d);
	}
	json_array_append_new(ml, descriptor(MEDIA_OCI_LAYER_GZIP, o->blob, o->blob_size));
	json_object_set_new(man, "layers", ml);
	_cleanup_free_ char *man_text = json_dump_string(man, false);
	_cleanup_free_ char *man_digest = NULL;
	if (store_blob_put_buf(s, man_text, strlen(man_text), NULL, &man_digest, e) < 0)
		return -1;

	strv_push(&layers, o->diff_id);
	uint64_t size = 0;
	for (char **l = layers; *l; l++)
		size += store_layer_size(s, *l);
	char *none[] = {NULL};
	struct store_image im = {
		.id = cfg_digest,
		.manifest_digest = man_digest,
		.created = now,
		.added = now,
		.names = none,
		.repo_digests = none,
		.layers = layers,
		.size = size,
	};
	struct add_image a = {.im = &im, .name = name};
	if (store_index_edit(s, add_image_fn, &a, e) < 0)
		return -1;
	*ret_id = TAKE_PTR(cfg_digest);
	return 0;
}

int image_commit(struct store *s, const struct image_commit_opts *o, char **ret_id,
		 struct err *e)
{
	if (commit_image(s, o, ret_id, e) < 0)
		return err_wrap(e, "commit");
	return 0;
}

/* ---- tag ---- */

struct tag_args {
	const char *source;
	const char *name;
};

static int tag_fn(struct store_index *idx, void *data, struct err *e)
{
	struct tag_args *t = data;
	long i = store_find(idx, t->source, e);
	if (i < 0)
		return -1;
	take_name(idx, t->name, (size_t)i);
	if (!strv_contains(idx->images[i].names, t->name))
		strv_push(&idx->images[i].names, t->name);
	return 1;
}

int image_tag(struct store *s, const char *source, const char *target, struct err *e)
{
	struct image_ref ref;
	if (image_ref_parse(target, &ref, e) < 0)
		return -1;
	if (ref.digest) {
		image_ref_clear(&ref);
		return err_set(e, ERR_INVALID, "refusing to create a tag with a digest reference");
	}
	_cleanup_free_ char *name = image_ref_string(&ref);
	image_ref_clear(&ref);
	struct tag_args t = {.source = source, .name = name};
	return store_index_edit(s, tag_fn, &t, e);
}

/* ---- rmi and prune ---- */

struct remove_args {
	struct store *s;
	const char *what;
	bool force;
	bool prune_all;
	char ***report;
};

static char *familiar(const char *full)
{
	struct image_ref ref;
	if (image_ref_parse(full, &ref, NULL) < 0)
		return xstrdup(full);
	char *f = image_ref_familiar(&ref);
	image_ref_clear(&ref);
	return f;
}

/* Remove image i from the index, reporting its names and its id. */
static void drop_image(struct store_index *idx, size_t i, char ***report)
{
	struct store_image *im = &idx->images[i];
	for (char **n = im->names; *n; n++) {
		_cleanup_free_ char *f = familiar(*n);
		strv_consume(report, xasprintf("Untagged: %s", f));
	}
	for (char **n = im->repo_digests; *n; n++) {
		_cleanup_free_ char *f = familiar(*n);
		strv_consume(report, xasprintf("Untagged: %s", f));
	}
	strv_consume(report, xasprintf("Deleted: %s", im->id));
	store_image_clear(im);
	memmove(im, im + 1, (idx->n - i - 1) * sizeof(*im));
	idx->n--;
}

static int remove_fn(struct store_index *idx, void *data, struct err *e)
{
	struct remove_args *r = data;
	long i = store_find(idx, r->what, e);
	if (i < 0)
		return -1;
	struct store_image *im = &idx->images[i];
	/* By name: untag that name; the image goes with its last one. */
	struct image_ref ref;
	_cleanup_free_ char *full = NULL;
	if (image_ref_parse(r->what, &ref, NULL) == 0) {
		full = image_ref_string(&ref);
		image_ref_clear(&ref);
	}
	if (full && !strv_contains(im->names, full)) {
		/* Found by a short name: the name in the other registry. */
		for (char **n = im->names; *n; n++)
			if (image_name_is_short_for(*n, r->what)) {
				free(full);
				full = xstrdup(*n);
				break;
			}
	}
	if (full && strv_contains(im->names, full)) {
		if (strv_length(im->names) > 1) {
			strv_remove(im->names, full);
			_cleanup_free_ char *f = familiar(full);
			strv_consume(r->report, xasprintf("Untagged: %s", f));
			return 1;
		}
	} else if (strv_length(im->names) > 1 && !r->force) {
		return err_set(e, ERR_CONFLICT,
			       "conflict: unable to delete %.12s (must be forced) - image is "
			       "referenced in multiple repositories",
			       digest_hex(im->id));
	}
	if (store_held(r->s, im->id))
		return err_set(e, ERR_CONFLICT,
			       "conflict: unable to delete %.12s - image is in use (mounted, or "
			       "the root of a container)",
			       digest_hex(im->id));
	drop_image(idx, (size_t)i, r->report);
	return 1;
}

int image_remove(struct store *s, const char *name_or_id, bool force, char ***report,
		 struct err *e)
{
	struct remove_args r = {.s = s, .what = name_or_id, .force = force, .report = report};
	return store_index_edit(s, remove_fn, &r, e);
}

static int prune_fn(struct store_index *idx, void *data, struct err *e)
{
	struct remove_args *r = data;
	int changed = 0;
	for (size_t i = 0; i < idx->n;) {
		if ((r->prune_all || !idx->images[i].names[0]) && !store_held(r->s, idx->images[i].id)) {
			drop_image(idx, i, r->report);
			changed = 1;
		} else {
			i++;
		}
	}
	return changed;
}

int image_prune(struct store *s, bool all, char ***report, struct err *e)
{
	struct remove_args r = {.s = s, .prune_all = all, .report = report};
	return store_index_edit(s, prune_fn, &r, e);
}

/* ---- inspect and history ---- */

static int load_config(struct store *s, const struct store_image *im, json_t **ret,
		       struct err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (store_blob_read(s, im->id, STORE_DOC_MAX, &buf, &len, e) < 0)
		return -1;
	if (json_parse_buffer(buf, len, "image config", ret, e) < 0)
		return -1;
	if (!json_is_object(*ret)) {
		json_decref(*ret);
		*ret = NULL;
		return err_set(e, ERR_INVALID, "image config %s: not an object", im->id);
	}
	return 0;
}

static json_t *familiar_array(char **v)
{
	json_t *a = json_array();
	for (char **p = v; p && *p; p++) {
		_cleanup_free_ char *f = familiar(*p);
		json_array_append_new(a, json_string(f));
	}
	return a;
}

char *image_inspect_json(struct store *s, const struct store_image *im, struct err *e)
{
	_cleanup_json_ json_t *cfg = NULL;
	if (load_config(s, im, &cfg, e) < 0)
		return NULL;
	_cleanup_json_ json_t *o = json_object();
	json_object_set_new(o, "Id", json_string(im->id));
	json_object_set_new(o, "RepoTags", familiar_array(im->names));
	json_object_set_new(o, "RepoDigests", familiar_array(im->repo_digests));
	json_object_set_new(o, "Parent", json_string(""));
	json_t *hist = json_object_get(cfg, "history");
	const char *comment = "";
	if (json_is_array(hist) && json_array_size(hist) > 0) {
		const char *c =
			json_string_value(json_object_get(json_array_get(hist, 0), "comment"));
		if (c)
			comment = c;
	}
	json_object_set_new(o, "Comment", json_string(comment));
	const char *created = json_string_value(json_object_get(cfg, "created"));
	json_object_set_new(o, "Created", json_string(created ? created : ""));
	json_t *author = json_object_get(cfg, "author");
	json_object_set_new(o, "Author", json_is_string(author) ? json_incref(author) : json_string(""));
	json_t *c = json_object_get(cfg, "config");
	json_object_set_new(o, "Config", json_is_object(c) ? json_incref(c) : json_object());
	const char *arch = json_string_value(json_object_get(cfg, "architecture"));
	const char *os = json_string_value(json_object_get(cfg, "os"));
	json_object_set_new(o, "Architecture", json_string(arch ? arch : ""));
	json_t *variant = json_object_get(cfg, "variant");
	if (json_is_string(variant))
		json_object_set_new(o, "Variant", json_incref(variant));
	json_object_set_new(o, "Os", json_string(os ? os : ""));
	json_object_set_new(o, "Size", json_integer((json_int_t)im->size));
	json_t *rootfs = json_object();
	json_object_set_new(rootfs, "Type", json_string("layers"));
	json_object_set_new(rootfs, "Layers", json_string_array(im->layers));
	json_object_set_new(o, "RootFS", rootfs);
	json_t *meta = json_object();
	json_object_set_new(meta, "LastTagTime", json_string(im->added ? im->added : ""));
	json_object_set_new(o, "Metadata", meta);
	/* docker's indentation: four spaces. */
	char *text = json_dumps(o, JSON_PRESERVE_ORDER | JSON_INDENT(4));
	if (!text)
		abort();
	return text;
}

int image_labels(struct store *s, const struct store_image *im, char ***ret, struct err *e)
{
	_cleanup_json_ json_t *cfg = NULL;
	if (load_config(s, im, &cfg, e) < 0)
		return -1;
	_cleanup_strv_ char **kv = NULL;
	json_t *labels = json_object_get(json_object_get(cfg, "config"), "Labels");
	const char *k;
	json_t *v;
	json_object_foreach(labels, k, v)
	{
		if (!json_is_string(v))
			continue;
		strv_push(&kv, k);
		strv_push(&kv, json_string_value(v));
	}
	*ret = TAKE_PTR(kv);
	return 0;
}

void image_history_free(struct image_history_entry *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(h[i].id);
		free(h[i].created);
		free(h[i].created_by);
		free(h[i].comment);
	}
	free(h);
}

int image_history(struct store *s, const struct store_image *im,
		  struct image_history_entry **ret, size_t *ret_n, struct err *e)
{
	_cleanup_json_ json_t *cfg = NULL;
	if (load_config(s, im, &cfg, e) < 0)
		return -1;
	json_t *hist = json_object_get(cfg, "history");
	size_t n = json_is_array(hist) ? json_array_size(hist) : 0;
	struct image_history_entry *h = xnew(struct image_history_entry, n ? n : 1);
	/* Newest first, as docker prints it; layers are matched bottom up
	 * with the entries that are not empty_layer. */
	size_t layer = 0, nl = strv_length(im->layers);
	uint64_t *sizes = xnew(uint64_t, n ? n : 1);
	for (size_t i = 0; i < n; i++) {
		json_t *it = json_array_get(hist, i);
		bool empty = json_is_true(json_object_get(it, "empty_layer"));
		if (!empty && layer < nl)
			sizes[i] = store_layer_size(s, im->layers[layer++]);
		struct image_history_entry *x = &h[n - 1 - i];
		const char *v;
		x->created = xstrdup((v = json_string_value(json_object_get(it, "created"))) ? v : "");
		x->created_by =
			xstrdup((v = json_string_value(json_object_get(it, "created_by"))) ? v : "");
		x->comment = xstrdup((v = json_string_value(json_object_get(it, "comment"))) ? v : "");
		x->empty_layer = empty;
		x->size = sizes[i];
		x->id = xstrdup(i == n - 1 ? im->id : "<missing>");
	}
	free(sizes);
	*ret = h;
	*ret_n = n;
	return 0;
}
