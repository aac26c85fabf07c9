/* test-store: the image store: blobs verified, layers shared, the index,
 * names, removal and garbage collection. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/digest.h"
#include "base/fs-util.h"
#include "base/strv.h"
#include "image/image.h"
#include "image/snapshot.h"
#include "image/store.h"
#include "sanitizer-options.h"
#include "tap.h"

static char *tmpdir(void)
{
	char t[] = "/tmp/test-store-XXXXXX";
	if (!mkdtemp(t))
		abort();
	return xstrdup(t);
}

/* A tar of one file, made with tar(1). */
static int make_tar(const char *dir, const char *name, const char *content)
{
	_cleanup_free_ char *src = xasprintf("%s/src-%s", dir, name);
	_cleanup_free_ char *tar = xasprintf("%s/%s.tar", dir, name);
	_cleanup_free_ char *cmd = xasprintf("mkdir -p %s/bin && printf '%%s' '%s' > %s/bin/%s && "
					     "tar -C %s -cf %s bin",
					     src, content, src, name, src, tar);
	if (system(cmd) != 0)
		return -1;
	return open(tar, O_RDONLY | O_CLOEXEC);
}

static size_t count_dir(const char *path)
{
	_cleanup_free_ char *cmd = xasprintf("ls -A %s | wc -l", path);
	FILE *f = popen(cmd, "r");
	size_t n = 0;
	if (f) {
		if (fscanf(f, "%zu", &n) != 1)
			n = 0;
		pclose(f);
	}
	return n;
}

/* A tar of the files under src (made with tar(1)). */
static int tar_dir(const char *dir, const char *name, const char *script)
{
	_cleanup_free_ char *src = xasprintf("%s/src-%s", dir, name);
	_cleanup_free_ char *tar = xasprintf("%s/%s.tar", dir, name);
	_cleanup_free_ char *cmd = xasprintf("mkdir -p %s && cd %s && %s && tar -cf %s .", src, src,
					     script, tar);
	if (system(cmd) != 0)
		return -1;
	return open(tar, O_RDONLY | O_CLOEXEC);
}

struct add {
	struct store_image *im;
};

static int add_fn(struct store_index *idx, void *data, struct err *e)
{
	struct store_image *im = ((struct add *)data)->im;
	idx->images = xrealloc(idx->images, (idx->n + 1) * sizeof(*idx->images));
	struct store_image *n = &idx->images[idx->n++];
	memset(n, 0, sizeof(*n));
	n->id = xstrdup(im->id);
	n->manifest_digest = xstrdup(im->manifest_digest);
	n->names = strv_dup(im->names);
	n->repo_digests = xnew(char *, 1);
	n->layers = strv_dup(im->layers);
	return 1;
}

/* A two-layer image: the second deletes bin/a (a whiteout) and adds bin/c. */
static int two_layers(struct store *s, const char *dir, struct err *e)
{
	int t1 = tar_dir(dir, "l1", "mkdir bin && echo a > bin/a && echo b > bin/b");
	int t2 = tar_dir(dir, "l2", "mkdir bin && touch bin/.wh.a && echo c > bin/c");
	char *b1 = NULL, *b2 = NULL, *d1 = NULL, *d2 = NULL;
	uint64_t s1, s2;
	if (t1 < 0 || t2 < 0 || store_blob_put_fd(s, t1, NULL, -1, &b1, &s1, e) < 0 ||
	    store_blob_put_fd(s, t2, NULL, -1, &b2, &s2, e) < 0)
		return -1;
	int f1 = store_blob_open(s, b1, e), f2 = store_blob_open(s, b2, e);
	if (store_layer_put(s, f1, NULL, &d1, NULL, e) < 0 ||
	    store_layer_put(s, f2, NULL, &d2, NULL, e) < 0)
		return -1;
	close(t1);
	close(t2);
	close(f1);
	close(f2);
	_cleanup_free_ char *cfg = xasprintf("{\"rootfs\": {\"type\": \"layers\", \"diff_ids\": "
					     "[\"%s\", \"%s\"]}}",
					     d1, d2);
	char *cd = NULL, *md = NULL;
	if (store_blob_put_buf(s, cfg, strlen(cfg), NULL, &cd, e) < 0)
		return -1;
	_cleanup_free_ char *man = xasprintf(
		"{\"schemaVersion\": 2, \"config\": {\"digest\": \"%s\", \"size\": %zu}, "
		"\"layers\": [{\"digest\": \"%s\", \"size\": %llu}, {\"digest\": \"%s\", "
		"\"size\": %llu}]}",
		cd, strlen(cfg), b1, (unsigned long long)s1, b2, (unsigned long long)s2);
	if (store_blob_put_buf(s, man, strlen(man), NULL, &md, e) < 0)
		return -1;
	char *names[] = {"docker.io/library/two:latest", NULL};
	char *layers[] = {d1, d2, NULL};
	struct store_image im = {.id = cd, .manifest_digest = md, .names = names, .layers = layers};
	struct add a = {&im};
	int r = store_index_edit(s, add_fn, &a, e);
	free(b1), free(b2), free(d1), free(d2), free(cd), free(md);
	return r;
}

static bool file_is(const char *path, const char *content)
{
	char buf[64] = {0};
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n >= 0 && !strcmp(buf, content);
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static void test_snapshots(const char *dir)
{
	_cleanup_free_ char *root = xasprintf("%s/snaproot", dir);
	struct err e = ERR_INIT;
	struct store s;
	ok(store_open(root, STORE_ADD, &s, &e) == 0, "a store for snapshots");
	ok(two_layers(&s, dir, &e) == 0, "a two-layer image with a whiteout");
	struct store_index idx;
	ok(store_index_load(&s, &idx, &e) == 0 && idx.n == 1, "listed");
	static const struct {
		enum snapshot_driver d;
		const char *name;
	} drivers[] = {{SNAPSHOT_OVERLAY, "overlay"}, {SNAPSHOT_COPY, "copy"}};
	for (size_t k = 0; k < 2; k++) {
		_cleanup_free_ char *sd = xasprintf("%s/snap-%s", dir, drivers[k].name);
		struct snapshot_opts o = {.driver = drivers[k].d};
		int r = snapshot_create(&s, &idx.images[0], sd, &o, &e);
		ok(r == (int)drivers[k].d, "%s: created", drivers[k].name);
		if (r < 0) {
			printf("# %s\n", err_msg(&e));
			err_clear(&e);
			continue;
		}
		_cleanup_free_ char *a = xasprintf("%s/merged/bin/a", sd);
		_cleanup_free_ char *b = xasprintf("%s/merged/bin/b", sd);
		_cleanup_free_ char *c = xasprintf("%s/merged/bin/c", sd);
		_cleanup_free_ char *wh = xasprintf("%s/merged/bin/.wh.a", sd);
		ok(!exists(a) && file_is(b, "b\n") && file_is(c, "c\n") && !exists(wh),
		   "%s: the whiteout hides bin/a; bin/b and bin/c are there", drivers[k].name);
		_cleanup_free_ char *n = xasprintf("%s/merged/new", sd);
		int fd = open(n, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		ok(fd >= 0 && write(fd, "x", 1) == 1, "%s: the root is writable", drivers[k].name);
		if (fd >= 0)
			close(fd);
		ok(snapshot_remove(sd, &e) == 0 && !exists(sd), "%s: removed", drivers[k].name);
	}
	/* The layers were never written to. */
	_cleanup_free_ char *l0 = store_layer_path(&s, idx.images[0].layers[0]);
	_cleanup_free_ char *l0a = xasprintf("%s/bin/a", l0);
	_cleanup_free_ char *l0n = xasprintf("%s/new", l0);
	ok(file_is(l0a, "a\n") && !exists(l0n), "the shared layer is unchanged");
	/* read-only: no upper layer */
	_cleanup_free_ char *ro = xasprintf("%s/snap-ro", dir);
	struct snapshot_opts o = {.driver = SNAPSHOT_OVERLAY, .readonly = true};
	ok(snapshot_create(&s, &idx.images[0], ro, &o, &e) > 0, "a read-only snapshot");
	_cleanup_free_ char *rn = xasprintf("%s/merged/new", ro);
	ok(open(rn, O_WRONLY | O_CREAT | O_CLOEXEC, 0644) < 0 && errno == EROFS,
	   "it cannot be written");
	ok(snapshot_remove(ro, &e) == 0, "removed");
	/* volatile: unmounted and mounted again (after a stop, a reboot) */
	_cleanup_free_ char *vs = xasprintf("%s/snap-volatile", dir);
	struct snapshot_opts ov = {.driver = SNAPSHOT_OVERLAY, .volatile_upper = true};
	ok(snapshot_create(&s, &idx.images[0], vs, &ov, &e) > 0, "a volatile snapshot");
	_cleanup_free_ char *vn = xasprintf("%s/merged/kept", vs);
	int vfd = open(vn, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ok(vfd >= 0 && write(vfd, "k\n", 2) == 2, "written");
	if (vfd >= 0)
		close(vfd);
	ok(snapshot_unmount(vs, &e) == 0 && !snapshot_ready(vs), "unmounted");
	ok(snapshot_mount(&s, &idx.images[0], vs, &e) == 0 && snapshot_ready(vs) &&
		   file_is(vn, "k\n"),
	   "mounted again, with what was written");
	if (err_isset(&e)) {
		printf("# %s\n", err_msg(&e));
		err_clear(&e);
	}
	ok(snapshot_remove(vs, &e) == 0 && !exists(vs), "removed");
	/* a missing layer is an error, never an empty root */
	_cleanup_free_ char *bad = xasprintf("%s/snap-bad", dir);
	free(idx.images[0].layers[1]);
	idx.images[0].layers[1] = xstrdup(
		"sha256:1111111111111111111111111111111111111111111111111111111111111111");
	struct snapshot_opts oa = {.driver = SNAPSHOT_AUTO};
	ok(snapshot_create(&s, &idx.images[0], bad, &oa, &e) < 0 && strstr(err_msg(&e), "missing") &&
		   !exists(bad),
	   "a missing layer is an error");
	err_clear(&e);
	store_index_clear(&idx);
	store_close(&s);
}

int main(void)
{
	_cleanup_free_ char *dir = tmpdir();
	_cleanup_free_ char *root = xasprintf("%s/root", dir);
	struct err e = ERR_INIT;
	struct store s;
	ok(store_open(root, STORE_ADD, &s, &e) == 0, "open a new store");

	/* blobs */
	char *d = NULL;
	ok(store_blob_put_buf(&s, "hello", 5, NULL, &d, &e) == 0, "put a blob");
	_cleanup_free_ char *want = digest_buf("hello", 5);
	is_str(d, want, "named by its digest");
	ok(store_blob_exists(&s, d), "it exists");
	char *buf = NULL;
	size_t len = 0;
	ok(store_blob_read(&s, d, 100, &buf, &len, &e) == 0 && len == 5 && !memcmp(buf, "hello", 5),
	   "read back");
	free(buf);
	ok(store_blob_put_buf(&s, "hello", 5,
			      "sha256:0000000000000000000000000000000000000000000000000000000000000000",
			      NULL, &e) < 0 &&
		   strstr(err_msg(&e), "corrupted"),
	   "a wrong expected digest is refused");
	err_clear(&e);
	/* a corrupted blob on disk is detected on read */
	_cleanup_free_ char *path = xasprintf("%s/image/blobs/sha256/%s", root, digest_hex(d));
	int fd = open(path, O_WRONLY | O_TRUNC);
	ok(fd >= 0 && write(fd, "jello", 5) == 5, "corrupt it on disk");
	close(fd);
	ok(store_blob_read(&s, d, 100, &buf, &len, &e) < 0 && strstr(err_msg(&e), "corrupted"),
	   "a corrupted blob is detected");
	err_clear(&e);
	free(d);

	/* import twice the same layer: unpacked once */
	int t1 = make_tar(dir, "one", "1");
	struct image_import_opts o = {.reference = "one:latest"};
	char *id1 = NULL, *id2 = NULL;
	ok(t1 >= 0 && image_import(&s, t1, &o, &id1, &e) == 0, "import one");
	close(t1);
	/* The same tar file again (made anew, its times could differ). */
	_cleanup_free_ char *tar1 = xasprintf("%s/one.tar", dir);
	t1 = open(tar1, O_RDONLY | O_CLOEXEC);
	o.reference = "other/name:2";
	char *changes[] = {"CMD [\"sh\"]", "ENV A=b", NULL};
	o.changes = changes;
	ok(image_import(&s, t1, &o, &id2, &e) == 0, "import the same tar again with changes");
	close(t1);
	ok(id1 && id2 && strcmp(id1, id2) != 0, "two images (different configs)");
	_cleanup_free_ char *layers = xasprintf("%s/image/layers", root);
	ok(count_dir(layers) == 1, "one layer directory shared by both");

	struct store_index idx;
	ok(store_index_load(&s, &idx, &e) == 0 && idx.n == 2, "the index lists 2 images");
	long i = store_find(&idx, "one", &e);
	ok(i >= 0 && !strcmp(idx.images[i].id, id1), "found by its short name");
	ok(store_find(&idx, "docker.io/library/one:latest", &e) == i, "and by its full name");
	_cleanup_free_ char *short_id = xstrndup(digest_hex(id1), 12);
	ok(store_find(&idx, short_id, &e) == i, "and by a short id");
	ok(store_find(&idx, "nothere", &e) < 0 && e.kind == ERR_NOT_FOUND, "unknown: not found");
	err_clear(&e);
	store_index_clear(&idx);

	/* tag moves a name */
	ok(image_tag(&s, "one", "other/name:2", &e) == 0, "tag one as other/name:2");
	ok(store_index_load(&s, &idx, &e) == 0, "reload");
	i = store_find(&idx, "other/name:2", &e);
	ok(i >= 0 && !strcmp(idx.images[i].id, id1), "the name moved to one");
	long j = store_find(&idx, id2, &e);
	ok(j >= 0 && idx.images[j].names[0] == NULL, "the other is dangling now");
	store_index_clear(&idx);
	store_close(&s);

	/* remove: names first, then the image; gc removes the layer last */
	ok(store_open(root, STORE_REMOVE, &s, &e) == 0, "open for removal");
	_cleanup_strv_ char **rep = NULL;
	ok(image_remove(&s, id1, false, &rep, &e) < 0 && e.kind == ERR_CONFLICT,
	   "an id with two names needs force");
	err_clear(&e);
	ok(image_remove(&s, "one", false, &rep, &e) == 0 && strv_length(rep) == 1,
	   "removing a name untags it");
	ok(image_prune(&s, false, &rep, &e) == 0, "prune the dangling image");
	ok(store_gc(&s, &e) >= 0 && count_dir(layers) == 1, "the layer stays: still used");
	ok(image_remove(&s, "other/name:2", false, &rep, &e) == 0, "remove the last name");
	ok(store_gc(&s, &e) > 0 && count_dir(layers) == 0, "the layer goes with the last image");
	_cleanup_free_ char *blobs = xasprintf("%s/image/blobs/sha256", root);
	ok(count_dir(blobs) == 0, "no blob left");
	store_close(&s);
	free(id1);
	free(id2);
	test_snapshots(dir);
	_cleanup_free_ char *rm = xasprintf("rm -rf %s", dir);
	if (system(rm) != 0)
		return 1;
	return tap_done();
}
