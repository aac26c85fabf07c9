/* cmd-images.c: berth images (image ls): the images in the store. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/digest.h"
#include "base/strv.h"
#include "base/time-util.h"
#include "cmd/berth/commands.h"
#include "cmd/common/format.h"
#include "image/image.h"
#include "image/reference.h"
#include "image/store.h"

struct filters {
	int dangling; /* -1: any, 0: only named, 1: only dangling */
	char **references;
	char **labels; /* "KEY" or "KEY=VALUE", all must match */
	struct timespec before, since;
	bool has_before, has_since;
};

static int parse_filters(struct store_index *idx, char **specs, struct filters *f, struct err *e)
{
	f->dangling = -1;
	for (char **s = specs; s && *s; s++) {
		const char *eq = strchr(*s, '=');
		if (!eq)
			return err_set(e, ERR_INVALID, "bad format of filter \"%s\" (expected name=value)",
				       *s);
		_cleanup_free_ char *key = xstrndup(*s, (size_t)(eq - *s));
		const char *v = eq + 1;
		if (streq(key, "dangling")) {
			if (!streq(v, "true") && !streq(v, "false"))
				return err_set(e, ERR_INVALID,
					       "invalid filter 'dangling=%s' (true or false)", v);
			f->dangling = streq(v, "true");
		} else if (streq(key, "reference")) {
			strv_push(&f->references, v);
		} else if (streq(key, "label")) {
			strv_push(&f->labels, v);
		} else if (streq(key, "before") || streq(key, "since")) {
			long i = store_find(idx, v, e);
			if (i < 0)
				return -1;
			struct timespec t = {0};
			(void)time_parse_rfc3339(idx->images[i].created ? idx->images[i].created : "", &t);
			if (streq(key, "before")) {
				f->before = t;
				f->has_before = true;
			} else {
				f->since = t;
				f->has_since = true;
			}
		} else {
			return err_set(e, ERR_INVALID, "invalid filter '%s'", key);
		}
	}
	return 0;
}

static bool ts_less(struct timespec a, struct timespec b)
{
	return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

/* reference=PATTERN matches the familiar name with or without the tag,
 * as docker does ("busybox", "busy*", "busybox:lat*"). */
static bool ref_matches(char **patterns, const char *familiar_repo, const char *familiar_full)
{
	if (!patterns)
		return true;
	for (char **p = patterns; *p; p++)
		if (fnmatch(*p, familiar_repo, 0) == 0 || fnmatch(*p, familiar_full, 0) == 0)
			return true;
	return false;
}

static int image_created_cmp(const void *a, const void *b)
{
	const struct store_image *x = a, *y = b;
	/* Newest first. */
	return strcmp(y->created ? y->created : "", x->created ? x->created : "");
}

struct images_opts {
	bool quiet, digests, no_trunc;
	const char *fmt;
	char **filter_specs;
	const char *reference;
};

/* Every label=KEY[=VALUE] filter matches the image's labels. */
static bool labels_match(struct store *s, const struct store_image *im, char **want)
{
	_cleanup_strv_ char **kv = NULL;
	if (image_labels(s, im, &kv, NULL) < 0)
		return false;
	for (char **w = want; *w; w++) {
		const char *eq = strchr(*w, '=');
		size_t kl = eq ? (size_t)(eq - *w) : strlen(*w);
		bool found = false;
		for (char **p = kv; p && p[0] && !found; p += 2)
			found = strlen(p[0]) == kl && !strncmp(p[0], *w, kl) &&
				(!eq || streq(p[1], eq + 1));
		if (!found)
			return false;
	}
	return true;
}

static int list_images(struct store *s, struct store_index *idx, const struct images_opts *o,
		       struct filters *f, struct err *e)
{
	if (parse_filters(idx, o->filter_specs, f, e) < 0)
		return -1;
	if (o->reference)
		strv_push(&f->references, o->reference);
	if (idx->n > 1)
		qsort(idx->images, idx->n, sizeof(*idx->images), image_created_cmp);
	const char *def = o->digests ? "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{."
				       "CreatedSince}}\t{{.Size}}"
				     : "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{."
				       "Size}}";
	if (o->quiet && !o->fmt)
		def = "{{.ID}}";
	struct format out;
	if (format_init(&out, o->quiet && !o->fmt ? def : o->fmt, def, e) < 0)
		return -1;
	_cleanup_strv_ char **seen_ids = NULL;
	for (size_t i = 0; i < idx->n; i++) {
		const struct store_image *im = &idx->images[i];
		bool dangling = !im->names[0];
		if (f->dangling >= 0 && dangling != (f->dangling == 1))
			continue;
		struct timespec t = {0};
		(void)time_parse_rfc3339(im->created ? im->created : "", &t);
		if (f->has_before && !ts_less(t, f->before))
			continue;
		if (f->has_since && !ts_less(f->since, t))
			continue;
		if (f->labels && !labels_match(s, im, f->labels))
			continue;
		_cleanup_free_ char *id = o->no_trunc ? xstrdup(im->id)
						      : xstrndup(digest_hex(im->id), 12);
		_cleanup_free_ char *created = format_ago(im->created);
		_cleanup_free_ char *size = format_size(im->size);
		const char *digest = "<none>";
		for (char **d = im->repo_digests; *d; d++) {
			const char *at = strchr(*d, '@');
			if (at)
				digest = at + 1;
		}
		/* One row per name; a dangling image shows as <none>:<none>. */
		size_t nn = strv_length(im->names);
		for (size_t k = 0; k < (nn ? nn : 1); k++) {
			_cleanup_free_ char *repo = NULL, *tag = NULL, *full = NULL;
			struct image_ref ref;
			if (nn && image_ref_parse(im->names[k], &ref, NULL) == 0) {
				repo = image_ref_familiar_repo(&ref);
				tag = xstrdup(ref.tag ? ref.tag : "<none>");
				full = image_ref_familiar(&ref);
				image_ref_clear(&ref);
			} else {
				repo = xstrdup("<none>");
				tag = xstrdup("<none>");
				full = xstrdup("<none>:<none>");
			}
			if (f->references && (!nn || !ref_matches(f->references, repo, full)))
				continue;
			if (o->quiet && !o->fmt) {
				if (strv_contains(seen_ids, id))
					continue;
				strv_push(&seen_ids, id);
			}
			char *row[] = {"Repository", repo, "Tag", tag, "ID", id,
				       "Digest", (char *)digest, "CreatedSince", created,
				       "CreatedAt", im->created ? im->created : "",
				       "Size", size, "Containers", "N/A", NULL};
			if (format_row(&out, row, e) < 0) {
				format_clear(&out);
				return -1;
			}
		}
	}
	char *headers[] = {"Repository", "REPOSITORY", "Tag", "TAG", "ID", "IMAGE ID",
			   "Digest", "DIGEST", "CreatedSince", "CREATED", "CreatedAt",
			   "CREATED AT", "Size", "SIZE", "Containers", "CONTAINERS", NULL};
	format_finish(&out, headers);
	return 0;
}

int cmd_images(struct global *g, int argc, char **argv)
{
	bool all = false;
	struct images_opts o = {0};
	_cleanup_strv_ char **filter_specs = NULL;
	const struct opt opts[] = {
		{"all", 'a', OPT_BOOL, &all, NULL, "show all images (intermediate ones too)"},
		{"quiet", 'q', OPT_BOOL, &o.quiet, NULL, "only show image ids"},
		{"digests", 0, OPT_BOOL, &o.digests, NULL, "show digests"},
		{"no-trunc", 0, OPT_BOOL, &o.no_trunc, NULL, "do not truncate ids"},
		{"filter", 'f', OPT_STRV, &filter_specs, "FILTER",
		 "dangling=true|false, reference=PATTERN, before=IMAGE, since=IMAGE"},
		{"format", 0, OPT_STRING, &o.fmt, "FORMAT", "table, json or a Go template"},
	};
	const struct opt_spec spec = {
		.usage = "images [options] [REPOSITORY[:TAG]]",
		.summary = "List images.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 0, 1, &args, &ex))
		return ex;
	o.filter_specs = filter_specs;
	o.reference = args[0];
	_cleanup_err_ struct err e = ERR_INIT;
	/* A plain name must be a valid reference; patterns ("busy*") are
	 * matched as they are. */
	if (o.reference && !strpbrk(o.reference, "*?[")) {
		struct image_ref ref;
		if (image_ref_parse(o.reference, &ref, &e) < 0)
			return report(&e);
		image_ref_clear(&ref);
	}
	struct store s;
	if (store_open(g->root, STORE_READ, &s, &e) < 0)
		return report(&e);
	struct store_index idx;
	if (store_index_load(&s, &idx, &e) < 0) {
		store_close(&s);
		return report(&e);
	}
	struct filters f = {0};
	int rc = list_images(&s, &idx, &o, &f, &e) < 0 ? report(&e) : 0;
	strv_free(f.references);
	strv_free(f.labels);
	store_index_clear(&idx);
	store_close(&s);
	return rc;
}
