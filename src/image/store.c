/* store.c: see store.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/digest.h"
#include "base/fd-util.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/lock.h"
#include "base/path-util.h"
#include "base/strv.h"
#include "image/layer.h"
#include "image/reference.h"
#include "image/store.h"

#define INDEX_MAX (64u << 20)

static const char *hex_of(const char *digest)
{
	return digest_hex(digest);
}

/* Remove everything in tmp/: only under the exclusive lock. */
static void sweep_tmp(struct store *s)
{
	_cleanup_close_ int fd = openat(s->rootfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	DIR *d = fdopendir(fd);
	if (!d)
		return;
	fd = -1;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			(void)rm_rf_at(dirfd(d), de->d_name, NULL);
	closedir(d);
	/* The index's own temporaries (write_file_atomic_at writes beside). */
	fd = openat(s->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	fd = -1;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, ".tmp-", 5))
			(void)unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}

int store_open(const char *root, enum store_mode mode, struct store *ret, struct err *e)
{
	memset(ret, 0, sizeof(*ret));
	ret->rootfd = ret->lockfd = -1;
	ret->root = path_join(root, "image");
	static const char *const dirs[] = {"", "/blobs", "/blobs/sha256", "/layers", "/tmp"};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *p = xasprintf("%s%s", ret->root, dirs[i]);
		if (mkdir_p(p, 0700, e) < 0) {
			store_close(ret);
			return err_wrap(e, "image store \"%s\"", root);
		}
	}
	ret->rootfd = open(ret->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ret->rootfd < 0) {
		err_sys(e, errno, "image store \"%s\"", ret->root);
		store_close(ret);
		return -1;
	}
	if (mode == STORE_READ)
		return 0;
	if (mode == STORE_ADD) {
		/* Alone in the store: sweep what a killed writer left, then
		 * share the lock like every adder. */
		int fd = openat(ret->rootfd, "store.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0) {
			ret->lockfd = fd;
			sweep_tmp(ret);
			if (flock(fd, LOCK_SH) == 0)
				return 0;
			ret->lockfd = -1;
		}
		if (fd >= 0)
			close(fd);
	}
	ret->lockfd = lock_path_at(ret->rootfd, "store.lock",
				   mode == STORE_REMOVE ? LOCK_MODE_EXCLUSIVE : LOCK_MODE_SHARED, e);
	if (ret->lockfd < 0) {
		store_close(ret);
		return -1;
	}
	if (mode == STORE_REMOVE)
		sweep_tmp(ret);
	return 0;
}

void store_close(struct store *s)
{
	if (s->lockfd >= 0)
		close(s->lockfd);
	if (s->rootfd >= 0)
		close(s->rootfd);
	free(s->root);
	memset(s, 0, sizeof(*s));
	s->rootfd = s->lockfd = -1;
}

/* ---- the index ---- */

void store_image_clear(struct store_image *im)
{
	free(im->id);
	free(im->manifest_digest);
	free(im->created);
	strv_free(im->names);
	strv_free(im->repo_digests);
	strv_free(im->layers);
	free(im->added);
	memset(im, 0, sizeof(*im));
}

void store_index_clear(struct store_index *idx)
{
	for (size_t i = 0; i < idx->n; i++)
		store_image_clear(&idx->images[i]);
	free(idx->images);
	idx->images = NULL;
	idx->n = 0;
}

static int parse_image(json_t *o, const char *path, struct store_image *im, struct err *e)
{
	if (!json_is_object(o))
		return err_set(e, ERR_INVALID, "%s: expected an object", path);
	if (json_get_string(o, path, "id", true, &im->id, e) < 0 ||
	    json_get_string(o, path, "manifest", false, &im->manifest_digest, e) < 0 ||
	    json_get_string(o, path, "created", false, &im->created, e) < 0 ||
	    json_get_string(o, path, "added", false, &im->added, e) < 0 ||
	    json_get_strv(o, path, "names", false, &im->names, e) < 0 ||
	    json_get_strv(o, path, "repoDigests", false, &im->repo_digests, e) < 0 ||
	    json_get_strv(o, path, "layers", false, &im->layers, e) < 0 ||
	    json_get_u64(o, path, "size", false, &im->size, e) < 0)
		return -1;
	if (!digest_string_valid(im->id))
		return err_set(e, ERR_INVALID, "%s.id: \"%s\" is not a digest", path, im->id);
	for (char **l = im->layers; l && *l; l++)
		if (!digest_string_valid(*l))
			return err_set(e, ERR_INVALID, "%s.layers: \"%s\" is not a digest", path, *l);
	if (!im->names)
		im->names = xnew(char *, 1);
	if (!im->repo_digests)
		im->repo_digests = xnew(char *, 1);
	if (!im->layers)
		im->layers = xnew(char *, 1);
	return 0;
}

int store_index_load(struct store *s, struct store_index *ret, struct err *e)
{
	memset(ret, 0, sizeof(*ret));
	_cleanup_free_ char *buf = NULL;
	size_t len;
	_cleanup_err_ struct err re = ERR_INIT;
	if (read_file_at(s->rootfd, "images.json", INDEX_MAX, &buf, &len, &re) < 0) {
		if (re.errnum == ENOENT)
			return 0;
		err_move(e, &re);
		return err_wrap(e, "image store");
	}
	_cleanup_json_ json_t *doc = NULL;
	if (json_parse_buffer(buf, len, "images.json", &doc, e) < 0)
		return err_wrap(e, "image store");
	json_t *arr;
	if (json_get_array(doc, "", "images", false, &arr, e) < 0)
		return err_wrap(e, "image store: images.json");
	size_t n = arr ? json_array_size(arr) : 0;
	ret->images = xnew(struct store_image, n ? n : 1);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *p = json_path_index("images", i);
		if (parse_image(json_array_get(arr, i), p, &ret->images[ret->n], e) < 0) {
			store_image_clear(&ret->images[ret->n]);
			store_index_clear(ret);
			return err_wrap(e, "image store: images.json");
		}
		ret->n++;
	}
	return 0;
}

static int index_save(struct store *s, const struct store_index *idx, struct err *e)
{
	_cleanup_json_ json_t *doc = json_object();
	json_t *arr = json_array();
	json_object_set_new(doc, "images", arr);
	for (size_t i = 0; i < idx->n; i++) {
		const struct store_image *im = &idx->images[i];
		json_t *o = json_object();
		json_object_set_new(o, "id", json_string(im->id));
		if (im->manifest_digest)
			json_object_set_new(o, "manifest", json_string(im->manifest_digest));
		if (im->created)
			json_object_set_new(o, "created", json_string(im->created));
		if (im->added)
			json_object_set_new(o, "added", json_string(im->added));
		json_object_set_new(o, "names", json_string_array(im->names));
		json_object_set_new(o, "repoDigests", json_string_array(im->repo_digests));
		json_object_set_new(o, "layers", json_string_array(im->layers));
		json_object_set_new(o, "size", json_integer((json_int_t)im->size));
		json_array_append_new(arr, o);
	}
	_cleanup_free_ char *text = json_dump_string(doc, false);
	if (write_file_atomic_at(s->rootfd, "images.json", text, strlen(text), 0600,
				 WRITE_ATOMIC_SYNC, e) < 0)
		return err_wrap(e, "image store: write the index");
	return 0;
}

int store_index_edit(struct store *s, store_edit_fn fn, void *data, struct err *e)
{
	_cleanup_close_ int lk = lock_path_at(s->rootfd, "index.lock", LOCK_MODE_EXCLUSIVE, e);
	if (lk < 0)
		return -1;
	struct store_index idx;
	if (store_index_load(s, &idx, e) < 0)
		return -1;
	/* What the index will name must be on disk before the index is:
	 * blobs and layer files written since the last index update. */
	_cleanup_close_ int sfd = openat(s->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0 || syncfs(sfd) < 0) {
		store_index_clear(&idx);
		return err_sys(e, errno, "image store: sync");
	}
	int r = fn(&idx, data, e);
	if (r > 0)
		r = index_save(s, &idx, e) < 0 ? -1 : 1;
	store_index_clear(&idx);
	return r < 0 ? -1 : 0;
}

/* ---- blobs ---- */

static char *blob_rel(const char *digest)
{
	return xasprintf("blobs/sha256/%s", hex_of(digest));
}

bool store_blob_exists(struct store *s, const char *digest)
{
	if (!digest_string_valid(digest))
		return false;
	_cleanup_free_ char *rel = blob_rel(digest);
	struct stat st;
	return fstatat(s->rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

int store_tmpfile(struct store *s, struct err *e)
{
	int fd = openat(s->rootfd, "tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_sys(e, errno, "image store: temporary file");
	return fd;
}

/* Give the unnamed file fd its name blobs/sha256/<hex> (if another
 * process got there first, theirs stays: same content). */
static int link_blob(struct store *s, int fd, const char *digest, struct err *e)
{
	_cleanup_free_ char *rel = blob_rel(digest);
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	/* linkat the O_TMPFILE into tmp/ under a unique name, then rename:
	 * rename replaces atomically where linkat would fail on EEXIST. */
	_cleanup_free_ char *tmp = xasprintf("tmp/blob-%d-%s", (int)getpid(), hex_of(digest));
	(void)unlinkat(s->rootfd, tmp, 0);
	if (linkat(AT_FDCWD, proc, s->rootfd, tmp, AT_SYMLINK_FOLLOW) < 0)
		return err_sys(e, errno, "image store: name blob %s", digest);
	if (fsync(fd) < 0 || renameat(s->rootfd, tmp, s->rootfd, rel) < 0) {
		int saved = errno;
		(void)unlinkat(s->rootfd, tmp, 0);
		return err_sys(e, saved, "image store: store blob %s", digest);
	}
	return 0;
}

int store_blob_put_fd(struct store *s, int fd, const char *expect, int64_t expect_size,
		      char **ret_digest, uint64_t *ret_size, struct err *e)
{
	if (expect && !digest_string_valid(expect))
		return err_set(e, ERR_INVALID, "invalid digest \"%s\"", expect);
	_cleanup_close_ int out = store_tmpfile(s, e);
	if (out < 0)
		return -1;
	struct digest_ctx *ctx = digest_new();
	uint64_t total = 0;
	char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			digest_free(ctx);
			return err_sys(e, errno, "read blob");
		}
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (expect_size >= 0 && total > (uint64_t)expect_size) {
			digest_free(ctx);
			return err_set(e, ERR_INVALID, "blob %s: more than the %lld bytes announced",
				       expect ? expect : "", (long long)expect_size);
		}
		digest_update(ctx, buf, (size_t)n);
		if (write_all(out, buf, (size_t)n) < 0) {
			digest_free(ctx);
			return err_sys(e, errno, "image store: write blob");
		}
	}
	_cleanup_free_ char *got = digest_final_string(ctx);
	digest_free(ctx);
	if (expect_size >= 0 && total != (uint64_t)expect_size)
		return err_set(e, ERR_INVALID, "blob %s: size %llu, expected %lld",
			       expect ? expect : got, (unsigned long long)total,
			       (long long)expect_size);
	if (expect && strcmp(expect, got) != 0)
		return err_set(e, ERR_INVALID, "blob %s: content has digest %s (corrupted)", expect,
			       got);
	if (!store_blob_exists(s, got) && link_blob(s, out, got, e) < 0)
		return -1;
	if (ret_digest)
		*ret_digest = TAKE_PTR(got);
	if (ret_size)
		*ret_size = total;
	return 0;
}

struct store_blob_writer {
	struct store *s;
	int fd;
	struct digest_ctx *ctx;
	uint64_t size;
};

struct store_blob_writer *store_blob_writer_new(struct store *s, struct err *e)
{
	int fd = store_tmpfile(s, e);
	if (fd < 0)
		return NULL;
	struct store_blob_writer *w = xnew(struct store_blob_writer, 1);
	w->s = s;
	w->fd = fd;
	w->ctx = digest_new();
	return w;
}

int store_blob_writer_write(struct store_blob_writer *w, const void *buf, size_t len,
			    struct err *e)
{
	digest_update(w->ctx, buf, len);
	w->size += len;
	if (write_all(w->fd, buf, len) < 0)
		return err_sys(e, errno, "image store: write blob");
	return 0;
}

uint64_t store_blob_writer_size(const struct store_blob_writer *w)
{
	return w->size;
}

void store_blob_writer_abort(struct store_blob_writer *w)
{
	if (!w)
		return;
	close(w->fd);
	digest_free(w->ctx);
	free(w);
}

int store_blob_writer_commit(struct store_blob_writer *w, const char *expect, int64_t expect_size,
			     char **ret_digest, struct err *e)
{
	_cleanup_free_ char *got = digest_final_string(w->ctx);
	int r = 0;
	if (expect_size >= 0 && w->size != (uint64_t)expect_size)
		r = err_set(e, ERR_INVALID, "blob %s: size %llu, expected %lld",
			    expect ? expect : got, (unsigned long long)w->size,
			    (long long)expect_size);
	else if (expect && strcmp(expect, got) != 0)
		r = err_set(e, ERR_INVALID, "blob %s: content has digest %s (corrupted)", expect,
			    got);
	else if (!store_blob_exists(w->s, got) && link_blob(w->s, w->fd, got, e) < 0)
		r = -1;
	if (r == 0 && ret_digest)
		*ret_digest = TAKE_PTR(got);
	close(w->fd);
	digest_free(w->ctx);
	free(w);
	return r;
}

int store_blob_put_buf(struct store *s, const void *buf, size_t len, const char *expect,
		       char **ret_digest, struct err *e)
{
	_cleanup_free_ char *got = digest_buf(buf, len);
	if (expect && strcmp(expect, got) != 0)
		return err_set(e, ERR_INVALID, "blob %s: content has digest %s (corrupted)", expect,
			       got);
	if (!store_blob_exists(s, got)) {
		_cleanup_close_ int out = store_tmpfile(s, e);
		if (out < 0)
			return -1;
		if (write_all(out, buf, len) < 0)
			return err_sys(e, errno, "image store: write blob");
		if (link_blob(s, out, got, e) < 0)
			return -1;
	}
	if (ret_digest)
		*ret_digest = TAKE_PTR(got);
	return 0;
}

int store_blob_open(struct store *s, const char *digest, struct err *e)
{
	if (!digest_string_valid(digest))
		return err_set(e, ERR_INVALID, "invalid digest \"%s\"", digest);
	_cleanup_free_ char *rel = blob_rel(digest);
	int fd = openat(s->rootfd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return err_sys(e, errno, "blob %s", digest);
	return fd;
}

int store_blob_read(struct store *s, const char *digest, size_t max, char **ret,
		    size_t *ret_len, struct err *e)
{
	if (!digest_string_valid(digest))
		return err_set(e, ERR_INVALID, "invalid digest \"%s\"", digest);
	_cleanup_free_ char *rel = blob_rel(digest);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (read_file_at(s->rootfd, rel, max, &buf, &len, e) < 0)
		return err_wrap(e, "blob %s", digest);
	_cleanup_free_ char *got = digest_buf(buf, len);
	if (strcmp(got, digest) != 0)
		return err_set(e, ERR_INVALID, "blob %s: content has digest %s (corrupted)", digest,
			       got);
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

/* ---- layers ---- */

char *store_layer_path(const struct store *s, const char *diff_id)
{
	return xasprintf("%s/layers/%s/diff", s->root, hex_of(diff_id));
}

bool store_layer_exists(struct store *s, const char *diff_id)
{
	if (!digest_string_valid(diff_id))
		return false;
	_cleanup_free_ char *rel = xasprintf("layers/%s/diff", hex_of(diff_id));
	struct stat st;
	return fstatat(s->rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

uint64_t store_layer_size(struct store *s, const char *diff_id)
{
	_cleanup_free_ char *rel = xasprintf("layers/%s/size", hex_of(diff_id));
	_cleanup_free_ char *buf = NULL;
	size_t len;
	uint64_t v = 0;
	if (read_file_at(s->rootfd, rel, 64, &buf, &len, NULL) == 0)
		v = strtoull(buf, NULL, 10);
	return v;
}

/* A new directory tmp/layer-<pid>-<n> for a layer in the making. */
static int layer_tmpdir(struct store *s, char **ret, struct err *e)
{
	for (int i = 0;; i++) {
		char *name = xasprintf("tmp/layer-%d-%d", (int)getpid(), i);
		if (mkdirat(s->rootfd, name, 0700) == 0) {
			*ret = name;
			return 0;
		}
		free(name);
		if (errno != EEXIST)
			return err_sys(e, errno, "image store: layer directory");
	}
}

/* tmpname/size: the unpacked size, read by store_layer_size. */
static int layer_write_size(struct store *s, const char *tmpname, uint64_t size, struct err *e)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)size);
	_cleanup_free_ char *sizerel = xasprintf("%s/size", tmpname);
	_cleanup_close_ int sfd = openat(s->rootfd, sizerel, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (sfd < 0 || write_all(sfd, buf, (size_t)n) < 0)
		return err_sys(e, errno, "image store: layer size");
	return 0;
}

/* Unpack into tmpname/diff, record the size, rename to layers/<hex>. */
static int layer_unpack(struct store *s, const char *tmpname, int fd, const char *expect_diff_id,
			struct layer_result *res, struct err *e)
{
	_cleanup_free_ char *diffrel = xasprintf("%s/diff", tmpname);
	if (mkdirat(s->rootfd, diffrel, 0755) < 0)
		return err_sys(e, errno, "image store: layer directory");
	_cleanup_close_ int dfd = openat(s->rootfd, diffrel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(e, errno, "image store: layer directory");
	/* Only the diff_id matters here: the blob was checked when stored. */
	struct layer_apply_opts o = {
		.overlay_whiteouts = true,
		.keep_owners = geteuid() == 0,
		.input_verified = true,
	};
	if (layer_apply(dfd, fd, &o, res, e) < 0)
		return -1;
	if (expect_diff_id && strcmp(expect_diff_id, res->diff_id) != 0)
		return err_set(e, ERR_INVALID,
			       "layer %s: uncompressed content has digest %s (corrupted)",
			       expect_diff_id, res->diff_id);
	if (layer_write_size(s, tmpname, res->uncompressed_size, e) < 0)
		return -1;
	_cleanup_free_ char *final = xasprintf("layers/%s", hex_of(res->diff_id));
	/* Another process may have stored the same layer meanwhile: keep
	 * theirs (the same content). */
	if (renameat(s->rootfd, tmpname, s->rootfd, final) < 0 && errno != EEXIST &&
	    errno != ENOTEMPTY)
		return err_sys(e, errno, "image store: store layer %s", res->diff_id);
	return 0;
}

int store_layer_put(struct store *s, int fd, const char *expect_diff_id, char **ret_diff_id,
		    uint64_t *ret_size, struct err *e)
{
	if (expect_diff_id && !digest_string_valid(expect_diff_id))
		return err_set(e, ERR_INVALID, "invalid diff_id \"%s\"", expect_diff_id);
	_cleanup_free_ char *tmpname = NULL;
	if (layer_tmpdir(s, &tmpname, e) < 0)
		return -1;
	struct layer_result res = {0};
	int r = layer_unpack(s, tmpname, fd, expect_diff_id, &res, e);
	if (r == 0) {
		if (ret_diff_id)
			*ret_diff_id = xstrdup(res.diff_id);
		if (ret_size)
			*ret_size = res.uncompressed_size;
	}
	layer_result_clear(&res);
	/* Gone when renamed; else ours to remove (or a twin's was kept). */
	(void)rm_rf_at(s->rootfd, tmpname, NULL);
	return r;
}

/* Move path into tmpname/diff beside its size, then tmpname to
 * layers/<hex> unless the store has the layer. */
static int layer_adopt_in(struct store *s, const char *tmpname, int dirfd, const char *path,
			  const char *diff_id, uint64_t size, struct err *e)
{
	if (layer_write_size(s, tmpname, size, e) < 0)
		return -1;
	_cleanup_free_ char *diffrel = xasprintf("%s/diff", tmpname);
	if (renameat(dirfd, path, s->rootfd, diffrel) < 0) {
		if (errno == EXDEV)
			return err_sysk(e, ERR_INVALID, errno,
					"image store: layer %s: \"%s\" is not on the store's file system",
					diff_id, path);
		return err_sys(e, errno, "image store: layer %s: move \"%s\"", diff_id, path);
	}
	/* Had already: ours goes with tmpname. */
	if (store_layer_exists(s, diff_id))
		return 0;
	_cleanup_free_ char *final = xasprintf("layers/%s", hex_of(diff_id));
	/* As layer_unpack: another process may have stored the same layer
	 * meanwhile; theirs stays. */
	if (renameat(s->rootfd, tmpname, s->rootfd, final) < 0 && errno != EEXIST &&
	    errno != ENOTEMPTY) {
		int r = errno;
		/* Back where the caller left it. */
		(void)renameat(s->rootfd, diffrel, dirfd, path);
		return err_sys(e, r, "image store: store layer %s", diff_id);
	}
	return 0;
}

int store_layer_adopt(struct store *s, int dirfd, const char *path, const char *diff_id,
		      uint64_t size, struct err *e)
{
	if (!digest_string_valid(diff_id))
		return err_set(e, ERR_INVALID, "invalid diff_id \"%s\"", diff_id);
	_cleanup_free_ char *tmpname = NULL;
	if (layer_tmpdir(s, &tmpname, e) < 0)
		return -1;
	int r = layer_adopt_in(s, tmpname, dirfd, path, diff_id, size, e);
	/* Gone when renamed; else ours to remove (a copy the store had). */
	(void)rm_rf_at(s->rootfd, tmpname, NULL);
	return r;
}

/* ---- holds ---- */

static bool holder_ok(const char *h)
{
	if (!*h || strlen(h) > 128 || h[0] == '.')
		return false;
	for (; *h; h++)
		if (*h == '/')
			return false;
	return true;
}

int store_hold(struct store *s, const char *id, const char *holder, struct err *e)
{
	if (!digest_string_valid(id) || !holder_ok(holder))
		return err_set(e, ERR_INVALID, "image store: bad hold %s/%s", id, holder);
	_cleanup_free_ char *dir = xasprintf("%s/holds/%s", s->root, hex_of(id));
	if (mkdir_p(dir, 0700, e) < 0)
		return -1;
	_cleanup_free_ char *rel = xasprintf("holds/%s/%s", hex_of(id), holder);
	int fd = openat(s->rootfd, rel, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_sys(e, errno, "image store: hold %s", id);
	close(fd);
	return 0;
}

int store_release(struct store *s, const char *id, const char *holder, struct err *e)
{
	if (!digest_string_valid(id) || !holder_ok(holder))
		return err_set(e, ERR_INVALID, "image store: bad hold %s/%s", id, holder);
	_cleanup_free_ char *rel = xasprintf("holds/%s/%s", hex_of(id), holder);
	if (unlinkat(s->rootfd, rel, 0) < 0 && errno != ENOENT)
		return err_sys(e, errno, "image store: release %s", id);
	_cleanup_free_ char *dir = xasprintf("holds/%s", hex_of(id));
	(void)unlinkat(s->rootfd, dir, AT_REMOVEDIR);
	return 0;
}

bool store_held(struct store *s, const char *id)
{
	if (!digest_string_valid(id))
		return false;
	_cleanup_free_ char *rel = xasprintf("holds/%s", hex_of(id));
	_cleanup_close_ int fd = openat(s->rootfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	DIR *d = fdopendir(fd);
	if (!d)
		return true;
	fd = -1;
	bool any = false;
	struct dirent *de;
	while (!any && (de = readdir(d)))
		any = strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return any;
}

/* ---- lookup ---- */

static bool is_hex(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

static long find_by_name(const struct store_index *idx, const char *name)
{
	struct image_ref ref;
	if (image_ref_parse(name, &ref, NULL) < 0)
		return -1;
	_cleanup_free_ char *full = image_ref_string(&ref);
	if (ref.digest && ref.tag) {
		/* "repo:tag@digest": the digest decides, as docker. */
		_cleanup_free_ char *repo = image_ref_repo(&ref);
		free(full);
		full = xasprintf("%s@%s", repo, ref.digest);
	}
	long found = -1;
	for (size_t i = 0; i < idx->n && found < 0; i++) {
		const struct store_image *im = &idx->images[i];
		if (strv_contains(im->names, full) ||
		    (ref.digest && strv_contains(im->repo_digests, full)))
			found = (long)i;
		else if (ref.digest && im->manifest_digest &&
			 strcmp(ref.digest, im->manifest_digest) == 0) {
			/* By digest: only in a repository the image belongs to. */
			_cleanup_free_ char *repo = image_ref_repo(&ref);
			size_t rl = strlen(repo);
			for (char **n = im->names; *n && found < 0; n++)
				if (!strncmp(*n, repo, rl) && ((*n)[rl] == ':' || (*n)[rl] == '@'))
					found = (long)i;
		}
	}
	image_ref_clear(&ref);
	return found;
}

/* A short name ("app:1", "team/app") not found on docker.io: a local
 * image of any registry with that path and tag ("localhost/app:1",
 * "127.0.0.1:5000/team/app:1"), as podman resolves them.  -2 when several
 * images match. */
static long find_short_name(const struct store_index *idx, const char *name)
{
	const char *slash = strchr(name, '/');
	if (slash) {
		_cleanup_free_ char *first = xstrndup(name, (size_t)(slash - name));
		if (strpbrk(first, ".:") || streq(first, "localhost"))
			return -1; /* a domain was given */
	}
	if (strchr(name, '@'))
		return -1;
	long found = -1;
	for (size_t i = 0; i < idx->n; i++)
		for (char **n = idx->images[i].names; *n; n++)
			if (image_name_is_short_for(*n, name) && found != (long)i) {
				if (found >= 0)
					return -2;
				found = (long)i;
			}
	return found;
}

long store_find(const struct store_index *idx, const char *name_or_id, struct err *e)
{
	/* A name first (docker's order: "cafe" may be both), then an id. */
	long found = find_by_name(idx, name_or_id);
	if (found >= 0)
		return found;
	found = find_short_name(idx, name_or_id);
	if (found == -2)
		return err_set(e, ERR_CONFLICT,
			       "short name \"%s\" matches images of several registries: give the "
			       "full name",
			       name_or_id);
	if (found >= 0)
		return found;
	const char *hex = strncmp(name_or_id, "sha256:", 7) == 0 ? name_or_id + 7 : name_or_id;
	size_t hl = strlen(hex);
	if (hl >= 3 && hl <= 64 && is_hex(hex)) {
		for (size_t i = 0; i < idx->n; i++)
			if (strncmp(hex_of(idx->images[i].id), hex, hl) == 0) {
				if (found >= 0)
					return err_set(e, ERR_CONFLICT,
						       "short id \"%s\" is ambiguous", name_or_id);
				found = (long)i;
			}
		if (found >= 0)
			return found;
	}
	return err_set(e, ERR_NOT_FOUND, "%s: image not known", name_or_id);
}

/* ---- garbage collection ---- */

static int gc_dir(struct store *s, const char *dir, char **keep_hex, bool layers, int *count)
{
	_cleanup_close_ int fd = openat(s->rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	DIR *d = fdopendir(fd);
	if (!d)
		return 0;
	fd = -1;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (strv_contains(keep_hex, de->d_name))
			continue;
		if (layers) {
			/* Out of sight first (rename is atomic), then removed. */
			_cleanup_free_ char *from = xasprintf("%s/%s", dir, de->d_name);
			_cleanup_free_ char *to =
				xasprintf("tmp/gc-%d-%s", (int)getpid(), de->d_name);
			if (renameat(s->rootfd, from, s->rootfd, to) == 0)
				(void)rm_rf_at(s->rootfd, to, NULL);
		} else {
			(void)unlinkat(dirfd(d), de->d_name, 0);
		}
		(*count)++;
	}
	closedir(d);
	return 0;
}

int store_gc(struct store *s, struct err *e)
{
	struct store_index idx;
	if (store_index_load(s, &idx, e) < 0)
		return -1;
	_cleanup_strv_ char **blobs = NULL, **layers = NULL;
	bool keep_all_blobs = false;
	for (size_t i = 0; i < idx.n; i++) {
		const struct store_image *im = &idx.images[i];
		strv_push(&blobs, hex_of(im->id));
		if (im->manifest_digest) {
			strv_push(&blobs, hex_of(im->manifest_digest));
			/* The manifest names the compressed layer blobs. */
			_cleanup_free_ char *buf = NULL;
			size_t len;
			_cleanup_json_ json_t *m = NULL;
			if (store_blob_read(s, im->manifest_digest, STORE_DOC_MAX, &buf, &len, NULL) <
				    0 ||
			    json_parse_buffer(buf, len, "manifest", &m, NULL) < 0) {
				/* Unsure what it references: keep every blob. */
				keep_all_blobs = true;
			} else {
				json_t *ls = json_object_get(m, "layers"), *it;
				size_t k;
				json_array_foreach(ls, k, it)
				{
					const char *d = json_string_value(json_object_get(it, "digest"));
					if (d && digest_string_valid(d))
						strv_push(&blobs, hex_of(d));
				}
			}
		}
		for (char **l = im->layers; *l; l++)
			strv_push(&layers, hex_of(*l));
	}
	store_index_clear(&idx);
	int count = 0;
	if (!keep_all_blobs)
		gc_dir(s, "blobs/sha256", blobs, false, &count);
	gc_dir(s, "layers", layers, true, &count);
	return count;
}
