/* cmd-mount.c: berth image mount / unmount (podman's): an image's root
 * filesystem, read-only, at <runroot>/image-mounts/<id>/merged. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/digest.h"
#include "base/fs-util.h"
#include "cmd/berth/commands.h"
#include "image/snapshot.h"
#include "image/store.h"

static char *mount_dir(const struct global *g, const char *id)
{
	return xasprintf("%s/image-mounts/%s", g->runroot, digest_hex(id));
}

/* Load the index and find the image in it: its index and a copy of its id. */
static int find(struct global *g, struct store *s, const char *name, char **ret_id,
		struct store_index *idx, long *ret_i, struct err *e)
{
	if (store_index_load(s, idx, e) < 0)
		return -1;
	*ret_i = store_find(idx, name, e);
	if (*ret_i < 0)
		return -1;
	*ret_id = xstrdup(idx->images[*ret_i].id);
	return 0;
}

static int image_mount_one(struct global *g, struct store *s, const char *name, struct err *e)
{
	struct store_index idx = {0};
	_cleanup_free_ char *id = NULL;
	long i;
	int r = -1;
	if (find(g, s, name, &id, &idx, &i, e) == 0) {
		_cleanup_free_ char *dir = mount_dir(g, id);
		_cleanup_free_ char *merged = xasprintf("%s/merged", dir);
		_cleanup_free_ char *parent = xasprintf("%s/image-mounts", g->runroot);
		struct snapshot_opts o = {.driver = SNAPSHOT_AUTO, .readonly = true};
		if (snapshot_ready(dir))
			r = 0; /* mounted already */
		else if (snapshot_remove(dir, e) == 0 && mkdir_p(parent, 0700, e) == 0 &&
			 store_hold(s, id, "mount", e) == 0) {
			/* The hold first: no rmi may take the layers meanwhile. */
			if (snapshot_create(s, &idx.images[i], dir, &o, e) > 0)
				r = 0;
			else
				(void)store_release(s, id, "mount", NULL);
		}
		if (r == 0)
			printf("%s\n", merged);
	}
	store_index_clear(&idx);
	return r;
}

int cmd_image_mount(struct global *g, int argc, char **argv)
{
	const struct opt_spec spec = {
		.usage = "image mount IMAGE [IMAGE...]",
		.summary = "Mount images' root filesystems (read-only) and print where.",
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, SIZE_MAX, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	struct store s;
	if (store_open(g->root, STORE_ADD, &s, &e) < 0)
		return report(&e);
	int rc = 0;
	for (char **a = args; *a; a++)
		if (image_mount_one(g, &s, *a, &e) < 0)
			rc = report(&e);
	store_close(&s);
	return rc;
}

int cmd_image_unmount(struct global *g, int argc, char **argv)
{
	const struct opt_spec spec = {
		.usage = "image unmount IMAGE [IMAGE...]",
		.summary = "Unmount images' root filesystems.",
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, SIZE_MAX, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	struct store s;
	if (store_open(g->root, STORE_READ, &s, &e) < 0)
		return report(&e);
	int rc = 0;
	for (char **a = args; *a; a++) {
		struct store_index idx = {0};
		_cleanup_free_ char *id = NULL;
		long i;
		if (find(g, &s, *a, &id, &idx, &i, &e) < 0) {
			/* An image removed meanwhile: its id still names the mount. */
			const char *hex = strncmp(*a, "sha256:", 7) ? *a : *a + 7;
			_cleanup_free_ char *d = xasprintf("sha256:%s", hex);
			if (!digest_string_valid(d)) {
				rc = report(&e);
				store_index_clear(&idx);
				continue;
			}
			err_clear(&e);
			id = TAKE_PTR(d);
		}
		_cleanup_free_ char *dir = mount_dir(g, id);
		if (snapshot_remove(dir, &e) < 0 || store_release(&s, id, "mount", &e) < 0)
			rc = report(&e);
		else
			printf("%s\n", id);
		store_index_clear(&idx);
	}
	store_close(&s);
	return rc;
}
