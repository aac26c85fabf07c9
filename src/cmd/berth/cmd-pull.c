/* cmd-pull.c: berth pull and push (image pull / image push).
 *
 * Progress goes to stderr: on a terminal a live display, one line per
 * layer redrawn in place (docker's look); otherwise a line per change of
 * state.  stdout gets what scripts want: the full reference pulled, or
 * the pushed "TAG: digest: sha256:... size: N". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/digest.h"
#include "base/time-util.h"
#include "cmd/berth/commands.h"
#include "cmd/common/format.h"
#include "image/reference.h"
#include "image/registry.h"
#include "image/store.h"

#define REDRAW_INTERVAL_NS 100000000ull

struct line {
	char id[13];	   /* the blob digest's first 12 hex digits */
	const char *state; /* "Downloading", "Pull complete"... */
	char *extra;	   /* "Mounted from x", a retry's reason */
	uint64_t current, total;
	bool progress; /* show the bar */
};

struct display {
	FILE *f;
	bool tty, push;
	const char *header; /* printed once the reference is resolved */
	struct line *lines;
	size_t n;     /* layers shown */
	size_t drawn; /* lines on the screen below the cursor's anchor */
	uint64_t last_draw;
};

static void display_clear(struct display *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->lines[i].extra);
	free(d->lines);
	d->lines = NULL;
	d->n = 0;
}

static void line_text(const struct line *l, char *buf, size_t size)
{
	if (l->extra) {
		snprintf(buf, size, "%s: %s", l->id, l->extra);
		return;
	}
	if (!l->progress || l->total == 0) {
		snprintf(buf, size, "%s: %s", l->id[0] ? l->id : "            ",
			 l->state ? l->state : "Waiting");
		return;
	}
	char bar[33];
	size_t width = 30, fill = (size_t)(l->current >= l->total
						   ? width
						   : (double)l->current / (double)l->total * width);
	bar[0] = '[';
	for (size_t i = 0; i < width; i++)
		bar[1 + i] = i < fill ? '=' : (i == fill ? '>' : ' ');
	bar[width + 1] = ']';
	bar[width + 2] = '\0';
	_cleanup_free_ char *cur = format_size(l->current), *tot = format_size(l->total);
	snprintf(buf, size, "%s: %-12s %s %8s/%s", l->id, l->state, bar, cur, tot);
}

static void redraw(struct display *d, bool force)
{
	uint64_t now = time_mono_ns();
	if (!force && now - d->last_draw < REDRAW_INTERVAL_NS)
		return;
	d->last_draw = now;
	if (d->drawn)
		fprintf(d->f, "\033[%zuA", d->drawn);
	for (size_t i = 0; i < d->n; i++) {
		char buf[256];
		line_text(&d->lines[i], buf, sizeof(buf));
		fprintf(d->f, "\033[2K\r%s\n", buf);
	}
	d->drawn = d->n;
	fflush(d->f);
}

/* Plain output: one line per change. */
static void print_plain(struct display *d, const struct line *l)
{
	if (l->extra)
		fprintf(d->f, "%s: %s\n", l->id, l->extra);
	else
		fprintf(d->f, "%s: %s\n", l->id, l->state);
	fflush(d->f);
}

static void on_event(void *data, const struct registry_event *ev)
{
	struct display *d = data;
	if (ev->kind == REGISTRY_EV_LAYERS) {
		display_clear(d);
		d->lines = calloc(ev->count ? ev->count : 1, sizeof(*d->lines));
		if (!d->lines)
			abort();
		d->n = ev->count;
		d->drawn = 0;
		return;
	}
	if (ev->kind == REGISTRY_EV_RESOLVED) {
		if (d->header) {
			fprintf(d->f, "%s\n", d->header);
			fflush(d->f);
			d->header = NULL;
		}
		return;
	}
	if (ev->index >= d->n)
		return; /* the config has no line */
	struct line *l = &d->lines[ev->index];
	if (!l->id[0] && ev->digest) {
		const char *hex = digest_hex(ev->digest);
		snprintf(l->id, sizeof(l->id), "%.12s", hex ? hex : ev->digest);
	}
	const char *before = l->state;
	bool had_extra = l->extra != NULL;
	free(l->extra);
	l->extra = NULL;
	l->progress = false;
	switch (ev->kind) {
	case REGISTRY_EV_EXISTS:
		l->state = d->push ? "Layer already exists" : "Already exists";
		break;
	case REGISTRY_EV_WAITING:
		l->state = d->push ? "Preparing" : "Pulling fs layer";
		break;
	case REGISTRY_EV_PROGRESS:
		l->state = d->push ? "Pushing" : "Downloading";
		l->current = ev->current;
		l->total = ev->total;
		l->progress = true;
		break;
	case REGISTRY_EV_VERIFYING:
		l->state = "Verifying Checksum";
		break;
	case REGISTRY_EV_DOWNLOADED:
		l->state = "Download complete";
		break;
	case REGISTRY_EV_EXTRACTING:
		l->state = "Extracting";
		break;
	case REGISTRY_EV_DONE:
		l->state = d->push ? "Pushed" : "Pull complete";
		break;
	case REGISTRY_EV_MOUNTED:
		l->state = "Mounted";
		l->extra = xasprintf("Mounted from %s", ev->text ? ev->text : "?");
		break;
	case REGISTRY_EV_RETRY:
		l->state = "Retrying";
		l->extra = xasprintf("Retrying (%s)", ev->text ? ev->text : "?");
		break;
	default:
		return;
	}
	if (d->tty) {
		redraw(d, ev->kind != REGISTRY_EV_PROGRESS);
	} else if (ev->kind != REGISTRY_EV_PROGRESS &&
		   (l->state != before || l->extra || had_extra)) {
		print_plain(d, l);
	}
}

static void display_finish(struct display *d)
{
	if (d->tty && d->n)
		redraw(d, true);
	display_clear(d);
}

struct net_opts {
	bool tls_verify;
	const char *cert_dir, *authfile, *creds, *platform;
	char *user, *pass; /* from --creds */
};

static int fill_registry_opts(struct net_opts *n, struct registry_opts *o, struct err *e)
{
	memset(o, 0, sizeof(*o));
	o->tls_verify_off = !n->tls_verify;
	o->cert_dir = n->cert_dir;
	o->authfile = n->authfile;
	o->platform = n->platform;
	if (n->creds) {
		const char *colon = strchr(n->creds, ':');
		if (!colon || colon == n->creds)
			return err_set(e, ERR_INVALID, "--creds: expected USERNAME:PASSWORD");
		n->user = xstrndup(n->creds, (size_t)(colon - n->creds));
		n->pass = xstrdup(colon + 1);
		o->username = n->user;
		o->password = n->pass;
	}
	return 0;
}

static void net_opts_clear(struct net_opts *n)
{
	free(n->user);
	if (n->pass)
		explicit_bzero(n->pass, strlen(n->pass));
	free(n->pass);
}

/* "pull REF" with the reference in its full form when it parses. */
static int wrap_ref(struct err *e, const char *verb, const char *given)
{
	struct image_ref ref;
	if (image_ref_parse(given, &ref, NULL) == 0) {
		_cleanup_free_ char *full = image_ref_string(&ref);
		image_ref_clear(&ref);
		return err_wrap(e, "%s %s", verb, full);
	}
	return err_wrap(e, "%s %s", verb, given);
}

static int pull_one(struct global *g, const char *reference, bool quiet, struct net_opts *n)
{
	_cleanup_err_ struct err e = ERR_INIT;
	struct registry_opts o;
	if (fill_registry_opts(n, &o, &e) < 0)
		return report(&e);
	struct image_ref ref;
	if (image_ref_parse(reference, &ref, &e) < 0)
		return report(&e);
	_cleanup_free_ char *familiar = image_ref_familiar(&ref);
	const char *tag_or_digest = ref.digest ? ref.digest : ref.tag;
	_cleanup_free_ char *header = xasprintf("%s: Pulling from %s", tag_or_digest, ref.path);
	image_ref_clear(&ref);

	struct display d = {.f = stderr, .tty = isatty(STDERR_FILENO) == 1, .header = header};
	struct registry_progress p = {.fn = on_event, .data = &d};
	struct store s;
	if (store_open(g->root, STORE_ADD, &s, &e) < 0)
		return report(&e);
	struct registry_pull_result res;
	int r = registry_pull(&s, reference, &o, quiet ? NULL : &p, &res, &e);
	display_finish(&d);
	store_close(&s);
	if (r < 0) {
		wrap_ref(&e, "pull", reference);
		return report(&e);
	}
	if (!quiet) {
		fprintf(stderr, "Digest: %s\n", res.digest);
		fprintf(stderr, "Status: %s for %s\n",
			res.up_to_date ? "Image is up to date" : "Downloaded newer image", familiar);
		fflush(stderr);
	}
	printf("%s\n", res.reference);
	fflush(stdout);
	cli_event(g, "image", "pull", res.reference, "name", res.reference, NULL);
	registry_pull_result_clear(&res);
	return 0;
}

int cmd_pull(struct global *g, int argc, char **argv)
{
	if (cli_need_full() < 0)
		return EXIT_BERTH;
	bool quiet = false, all_tags = false;
	struct net_opts n = {.tls_verify = true};
	const struct opt opts[] = {
		{"quiet", 'q', OPT_BOOL, &quiet, NULL, "print only the image's name"},
		{"platform", 0, OPT_STRING, &n.platform, "OS/ARCH[/VARIANT]",
		 "the platform to pull from a multi-platform image (default: the host's)"},
		{"tls-verify", 0, OPT_BOOL, &n.tls_verify, NULL,
		 "require HTTPS and check certificates (default true)"},
		{"cert-dir", 0, OPT_STRING, &n.cert_dir, "DIR",
		 "CA certificates (*.crt) and client certificates (*.cert, *.key)"},
		{"authfile", 0, OPT_STRING, &n.authfile, "FILE",
		 "credentials file (default $DOCKER_CONFIG/config.json or ~/.docker/config.json)"},
		{"creds", 0, OPT_STRING, &n.creds, "USER:PASSWORD", "credentials for the registry"},
		{"all-tags", 'a', OPT_BOOL, &all_tags, NULL, "not supported"},
		{"disable-content-trust", 0, OPT_BOOL, &(bool){false}, NULL, "ignored (docker)"},
	};
	const struct opt_spec spec = {
		.usage = "pull [options] NAME[:TAG|@DIGEST]",
		.summary = "Download an image from a registry.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, 1, &args, &ex))
		return ex;
	if (all_tags) {
		_cleanup_err_ struct err e = ERR_INIT;
		err_set(&e, ERR_UNSUPPORTED, "pull: --all-tags is not supported");
		return report(&e);
	}
	int rc = pull_one(g, args[0], quiet, &n);
	net_opts_clear(&n);
	return rc;
}

static int push_one(struct global *g, const char *source, const char *dest, bool quiet,
		    struct net_opts *n)
{
	_cleanup_err_ struct err e = ERR_INIT;
	struct registry_opts o;
	if (fill_registry_opts(n, &o, &e) < 0)
		return report(&e);
	const char *target = dest ? dest : source;
	struct image_ref ref;
	if (image_ref_parse(target, &ref, &e) < 0)
		return report(&e);
	_cleanup_free_ char *repo = image_ref_repo(&ref);
	image_ref_clear(&ref);

	struct display d = {.f = stderr, .tty = isatty(STDERR_FILENO) == 1, .push = true};
	struct registry_progress p = {.fn = on_event, .data = &d};
	struct store s;
	if (store_open(g->root, STORE_ADD, &s, &e) < 0)
		return report(&e);
	if (!quiet) {
		fprintf(stderr, "The push refers to repository [%s]\n", repo);
		fflush(stderr);
	}
	struct registry_push_result res;
	int r = registry_push(&s, source, dest, &o, quiet ? NULL : &p, &res, &e);
	display_finish(&d);
	store_close(&s);
	if (r < 0) {
		wrap_ref(&e, "push", target);
		return report(&e);
	}
	if (quiet)
		printf("%s\n", res.reference);
	else
		printf("%s: digest: %s size: %llu\n", res.tag, res.digest,
		       (unsigned long long)res.size);
	fflush(stdout);
	cli_event(g, "image", "push", target, "name", target, NULL);
	registry_push_result_clear(&res);
	return 0;
}

int cmd_push(struct global *g, int argc, char **argv)
{
	if (cli_need_full() < 0)
		return EXIT_BERTH;
	bool quiet = false;
	struct net_opts n = {.tls_verify = true};
	const struct opt opts[] = {
		{"quiet", 'q', OPT_BOOL, &quiet, NULL, "print only the pushed reference"},
		{"tls-verify", 0, OPT_BOOL, &n.tls_verify, NULL,
		 "require HTTPS and check certificates (default true)"},
		{"cert-dir", 0, OPT_STRING, &n.cert_dir, "DIR",
		 "CA certificates (*.crt) and client certificates (*.cert, *.key)"},
		{"authfile", 0, OPT_STRING, &n.authfile, "FILE",
		 "credentials file (default $DOCKER_CONFIG/config.json or ~/.docker/config.json)"},
		{"creds", 0, OPT_STRING, &n.creds, "USER:PASSWORD", "credentials for the registry"},
		{"disable-content-trust", 0, OPT_BOOL, &(bool){false}, NULL, "ignored (docker)"},
	};
	const struct opt_spec spec = {
		.usage = "push [options] IMAGE[:TAG] [DESTINATION]",
		.summary = "Upload an image to a registry.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, 2, &args, &ex))
		return ex;
	int rc = push_one(g, args[0], args[1], quiet, &n);
	net_opts_clear(&n);
	return rc;
}
