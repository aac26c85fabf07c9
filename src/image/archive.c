/* archive.c: see archive.h.
 *
 * Saving walks the images' stored documents and blobs into a libarchive
 * writer (pax, ustar where it can); loading unpacks the tar into a private
 * directory first (a tar cannot be read in any order, and both formats
 * name their blobs from documents that may come last), then turns what
 * the chosen format describes into a plan (documents read and checked,
 * layers located), stores every image of the plan and only then registers
 * them. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/digest.h"
#include "base/fd-util.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/path-util.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "base/time-util.h"
#include "image/archive.h"
#include "image/image.h"
#include "image/reference.h"

#define ENTRY_NAME_MAX 1024
#define IO_BUF_SIZE (128 * 1024)
#define INDEX_DEPTH_MAX 4

int image_archive_format_parse(const char *s, enum image_archive_format *ret, struct err *e)
{
	if (streq(s, "docker-archive"))
		*ret = IMAGE_ARCHIVE_DOCKER;
	else if (streq(s, "oci-archive"))
		*ret = IMAGE_ARCHIVE_OCI;
	else
		return err_set(e, ERR_INVALID,
			       "unsupported format \"%s\" (docker-archive or oci-archive)", s);
	return 0;
}

static char *familiar_name(const char *full)
{
	struct image_ref ref;
	if (image_ref_parse(full, &ref, NULL) < 0)
		return xstrdup(full);
	char *f = image_ref_familiar(&ref);
	image_ref_clear(&ref);
	return f;
}

static const char *media_by_magic(int fd)
{
	unsigned char m[4] = {0};
	ssize_t n = pread(fd, m, sizeof(m), 0);
	if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		return MEDIA_OCI_LAYER_GZIP;
	if (n == 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
		return MEDIA_OCI_LAYER_ZSTD;
	return MEDIA_OCI_LAYER;
}

static bool media_is_index(const char *m)
{
	return streq(m, MEDIA_OCI_INDEX) || streq(m, MEDIA_DOCKER_LIST);
}

static bool media_is_manifest(const char *m)
{
	return streq(m, MEDIA_OCI_MANIFEST) || streq(m, MEDIA_DOCKER_MANIFEST);
}

/* ---- a layer's uncompressed stream ---------------------------------------- */

typedef int (*sink_fn)(void *data, const void *buf, size_t len, struct err *e);

struct blob_reader {
	int fd;
	struct digest_ctx *dig;
	unsigned char *buf;
};

static la_ssize_t blob_read_cb(struct archive *a, void *data, const void **buf)
{
	struct blob_reader *r = data;
	for (;;) {
		ssize_t n = read(r->fd, r->buf, IO_BUF_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			archive_set_error(a, errno, "read: %s", strerror(errno));
			return -1;
		}
		digest_update(r->dig, r->buf, (size_t)n);
		*buf = r->buf;
		return n;
	}
}

static int stream_run(struct archive *a, struct blob_reader *r, sink_fn sink, void *sink_data,
		      struct digest_ctx *udig, uint64_t *usize, struct err *e)
{
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_none(a);
	archive_read_support_format_raw(a);
	struct archive_entry *ent;
	if (archive_read_open(a, r, NULL, blob_read_cb, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(a, &ent) != ARCHIVE_OK)
		return err_set(e, ERR_INVALID, "%s", archive_error_string(a));
	_cleanup_free_ char *buf = xmalloc(IO_BUF_SIZE);
	for (;;) {
		la_ssize_t n = archive_read_data(a, buf, IO_BUF_SIZE);
		if (n < 0)
			return err_set(e, ERR_INVALID, "%s", archive_error_string(a));
		if (n == 0)
			break;
		digest_update(udig, buf, (size_t)n);
		*usize += (uint64_t)n;
		if (sink && sink(sink_data, buf, (size_t)n, e) < 0)
			return -1;
	}
	/* The blob's digest covers what follows the compressed stream too. */
	for (;;) {
		ssize_t n = read(r->fd, r->buf, IO_BUF_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(e, errno, "read");
		if (n == 0)
			break;
		digest_update(r->dig, r->buf, (size_t)n);
	}
	return 0;
}

/* Read the layer blob from fd (from its start, to its end), uncompress it
 * (gzip, zstd or none) and give each piece to sink (when not NULL).  The
 * blob must have digest blob_digest (when not NULL), its uncompressed
 * stream diff_id.  *ret_usize (may be NULL) gets the uncompressed size. */
static int layer_stream(int fd, const char *blob_digest, const char *diff_id, sink_fn sink,
			void *sink_data, uint64_t *ret_usize, struct err *e)
{
	if (lseek(fd, 0, SEEK_SET) < 0)
		return err_sys(e, errno, "layer %s: seek", diff_id);
	struct blob_reader r = {.fd = fd, .dig = digest_new(), .buf = xmalloc(IO_BUF_SIZE)};
	_cleanup_digest_ struct digest_ctx *udig = digest_new();
	uint64_t usize = 0;
	struct archive *a = archive_read_new();
	if (!a)
		abort();
	int ret = stream_run(a, &r, sink, sink_data, udig, &usize, e);
	archive_read_free(a);
	_cleanup_free_ char *got_blob = digest_final_string(r.dig);
	digest_free(r.dig);
	free(r.buf);
	if (ret < 0)
		return err_wrap(e, "layer %s", diff_id);
	_cleanup_free_ char *got = digest_final_string(udig);
	if (blob_digest && !streq(blob_digest, got_blob))
		return err_set(e, ERR_INVALID, "blob %s: content has digest %s (corrupted)",
			       blob_digest, got_blob);
	if (!streq(diff_id, got))
		return err_set(e, ERR_INVALID,
			       "layer %s: uncompressed content has digest %s (corrupted)", diff_id,
			       got);
	if (ret_usize)
		*ret_usize = usize;
	return 0;
}

/* ---- save ---------------------------------------------------------------- */

struct save_image {
	const struct store_image *im;
	char **names; /* full names it has in the archive */
};

struct saver {
	struct store *s;
	struct archive *a;
	char **written; /* paths in the archive so far */
	struct save_image *images;
	size_t n;
};

static void save_add(struct saver *sv, const struct store_image *im, const char *name)
{
	struct save_image *it = NULL;
	for (size_t i = 0; i < sv->n; i++)
		if (sv->images[i].im == im)
			it = &sv->images[i];
	if (!it) {
		sv->images = xreallocarray(sv->images, sv->n + 1, sizeof(*sv->images));
		it = &sv->images[sv->n++];
		it->im = im;
		it->names = xnew(char *, 1);
	}
	if (name && !strv_contains(it->names, name))
		strv_push(&it->names, name);
}

/* "busybox" or "quay.io/a/b" (no tag, no digest): docker saves every tag
 * of the repository. */
static bool ref_is_bare_repo(const char *ref)
{
	const char *slash = strrchr(ref, '/');
	return !strchr(ref, '@') && !strchr(slash ? slash : ref, ':');
}

static int save_resolve(struct saver *sv, const struct store_index *idx, const char *ref,
			struct err *e)
{
	_cleanup_err_ struct err fe = ERR_INIT;
	long i = store_find(idx, ref, &fe);
	struct image_ref r;
	_cleanup_free_ char *full = NULL, *repo = NULL;
	if (image_ref_parse(ref, &r, NULL) == 0) {
		full = image_ref_string(&r);
		repo = image_ref_repo(&r);
		image_ref_clear(&r);
	}
	bool by_name = i >= 0 && full && strv_contains(idx->images[i].names, full);
	if (i >= 0 && !by_name) {
		save_add(sv, &idx->images[i], NULL); /* by id */
		return 0;
	}
	size_t found = 0;
	if (by_name) {
		save_add(sv, &idx->images[i], full);
		found++;
	}
	if (repo && ref_is_bare_repo(ref)) {
		for (size_t k = 0; k < idx->n; k++)
			for (char **n = idx->images[k].names; *n; n++)
				if (startswith(*n, repo) && (*n)[strlen(repo)] == ':') {
					save_add(sv, &idx->images[k], *n);
					found++;
				}
	}
	if (!found) {
		err_move(e, &fe);
		return -1;
	}
	return 0;
}

static int archive_fail(struct archive *a, const char *what, struct err *e)
{
	int en = archive_errno(a);
	const char *msg = archive_error_string(a) ? archive_error_string(a) : "write failed";
	if (en > 0)
		return err_sysk(e, err_kind_from_errno(en), en, "write \"%s\"", what);
	return err_set(e, ERR_IO, "write \"%s\": %s", what, msg);
}

static int put_header(struct saver *sv, const char *path, mode_t type, int64_t size, struct err *e)
{
	struct archive_entry *ent = archive_entry_new();
	archive_entry_set_pathname(ent, path);
	archive_entry_set_filetype(ent, type);
	archive_entry_set_perm(ent, type == AE_IFDIR ? 0755 : 0644);
	archive_entry_set_size(ent, type == AE_IFDIR ? 0 : size);
	archive_entry_set_uid(ent, 0);
	archive_entry_set_gid(ent, 0);
	archive_entry_set_mtime(ent, 0, 0);
	int r = archive_write_header(sv->a, ent);
	archive_entry_free(ent);
	if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
		return archive_fail(sv->a, path, e);
	strv_push(&sv->written, path);
	return 0;
}

static int put_data(struct saver *sv, const char *path, const void *buf, size_t len, struct err *e)
{
	const char *p = buf;
	while (len > 0) {
		la_ssize_t n = archive_write_data(sv->a, p, len);
		if (n <= 0)
			return archive_fail(sv->a, path, e);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int put_buf(struct saver *sv, const char *path, const void *buf, size_t len, struct err *e)
{
	if (put_header(sv, path, AE_IFREG, (int64_t)len, e) < 0)
		return -1;
	return put_data(sv, path, buf, len, e);
}

static int put_dir(struct saver *sv, const char *path, struct err *e)
{
	if (strv_contains(sv->written, path))
		return 0;
	return put_header(sv, path, AE_IFDIR, 0, e);
}

/* A blob from the store, as it is (checked against its digest on the way). */
static int put_blob(struct saver *sv, const char *digest, struct err *e)
{
	if (!digest_string_valid(digest))
		return err_set(e, ERR_INVALID, "invalid digest \"%s\"", digest);
	_cleanup_free_ char *path = xasprintf("blobs/sha256/%s", digest_hex(digest));
	if (strv_contains(sv->written, path))
		return 0;
	_cleanup_close_ int fd = store_blob_open(sv->s, digest, e);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return err_sys(e, errno, "blob %s", digest);
	if (put_header(sv, path, AE_IFREG, st.st_size, e) < 0)
		return -1;
	_cleanup_digest_ struct digest_ctx *dig = digest_new();
	_cleanup_free_ char *buf = xmalloc(IO_BUF_SIZE);
	uint64_t total = 0;
	for (;;) {
		ssize_t n = read(fd, buf, IO_BUF_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(e, errno, "blob %s", digest);
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (total > (uint64_t)st.st_size)
			return err_set(e, ERR_IO, "blob %s: changed while read", digest);
		digest_update(dig, buf, (size_t)n);
		if (put_data(sv, path, buf, (size_t)n, e) < 0)
			return -1;
	}
	_cleanup_free_ char *got = digest_final_string(dig);
	if (total != (uint64_t)st.st_size)
		return err_set(e, ERR_IO, "blob %s: changed while read", digest);
	if (!streq(got, digest))
		return err_set(e, ERR_INVALID, "blob %s: content has digest %s (corrupted)", digest,
			       got);
	return 0;
}

struct tar_sink {
	struct saver *sv;
	const char *path;
	uint64_t left;
};

static int tar_sink_fn(void *data, const void *buf, size_t len, struct err *e)
{
	struct tar_sink *t = data;
	if (len > t->left)
		return err_set(e, ERR_INVALID, "longer than its recorded size");
	t->left -= len;
	return put_data(t->sv, t->path, buf, len, e);
}

/* <dir>/layer.tar: the blob uncompressed. */
static int put_layer_tar(struct saver *sv, const char *path, const char *blob, const char *diff_id,
			 struct err *e)
{
	_cleanup_close_ int fd = store_blob_open(sv->s, blob, e);
	if (fd < 0)
		return -1;
	/* The tar header comes first: the size is the one recorded when the
	 * layer was unpacked, or that of an uncompressed blob, or counted. */
	uint64_t usize = store_layer_size(sv->s, diff_id);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return err_sys(e, errno, "blob %s", blob);
	if (usize == 0 && streq(media_by_magic(fd), MEDIA_OCI_LAYER))
		usize = (uint64_t)st.st_size;
	if (usize == 0 && layer_stream(fd, blob, diff_id, NULL, NULL, &usize, e) < 0)
		return -1;
	if (put_header(sv, path, AE_IFREG, (int64_t)usize, e) < 0)
		return -1;
	struct tar_sink t = {.sv = sv, .path = path, .left = usize};
	if (layer_stream(fd, blob, diff_id, tar_sink_fn, &t, NULL, e) < 0)
		return -1;
	if (t.left)
		return err_set(e, ERR_INVALID, "layer %s: shorter than its recorded size", diff_id);
	return 0;
}

/* The manifest's layer digests (blobs), checked against the image's
 * layers.  *ret_doc gets the parsed manifest. */
static int load_manifest(struct store *s, const struct store_image *im, json_t **ret_doc,
			 size_t *ret_len, char ***ret_blobs, struct err *e)
{
	if (!im->manifest_digest)
		return err_set(e, ERR_NOT_FOUND, "image %s has no manifest", im->id);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (store_blob_read(s, im->manifest_digest, STORE_DOC_MAX, &buf, &len, e) < 0)
		return -1;
	_cleanup_json_ json_t *doc = NULL;
	if (json_parse_buffer(buf, len, "manifest", &doc, e) < 0)
		return -1;
	json_t *layers;
	if (!json_is_object(doc))
		return err_set(e, ERR_INVALID, "manifest %s: not an object", im->manifest_digest);
	if (json_get_array(doc, "", "layers", true, &layers, e) < 0)
		return err_wrap(e, "manifest %s", im->manifest_digest);
	_cleanup_strv_ char **blobs = NULL;
	size_t i;
	json_t *it;
	json_array_foreach(layers, i, it)
	{
		const char *d = json_string_value(json_object_get(it, "digest"));
		if (!d || !digest_string_valid(d))
			return err_set(e, ERR_INVALID, "manifest %s: layers[%zu]: bad digest",
				       im->manifest_digest, i);
		strv_push(&blobs, d);
	}
	if (strv_length(blobs) != strv_length(im->layers))
		return err_set(e, ERR_INVALID, "manifest %s: %zu layers, the image has %zu",
			       im->manifest_digest, strv_length(blobs), strv_length(im->layers));
	*ret_doc = TAKE_PTR(doc);
	*ret_len = len;
	*ret_blobs = blobs ? TAKE_PTR(blobs) : xnew(char *, 1);
	return 0;
}

static int save_docker_image(struct saver *sv, const struct save_image *it, json_t *manifest,
			     json_t *repos, struct err *e)
{
	const struct store_image *im = it->im;
	_cleanup_free_ char *cfg = NULL;
	size_t cfg_len;
	if (store_blob_read(sv->s, im->id, STORE_DOC_MAX, &cfg, &cfg_len, e) < 0)
		return -1;
	_cleanup_free_ char *cfg_path = xasprintf("%s.json", digest_hex(im->id));
	if (!strv_contains(sv->written, cfg_path) && put_buf(sv, cfg_path, cfg, cfg_len, e) < 0)
		return -1;
	_cleanup_json_ json_t *man = NULL;
	_cleanup_strv_ char **blobs = NULL;
	size_t man_len;
	if (load_manifest(sv->s, im, &man, &man_len, &blobs, e) < 0)
		return -1;
	json_t *layers = json_array();
	json_t *entry = json_object();
	json_array_append_new(manifest, entry);
	json_object_set_new(entry, "Config", json_string(cfg_path));
	json_t *tags = json_null();
	if (it->names[0]) {
		tags = json_array();
		for (char **n = it->names; *n; n++) {
			_cleanup_free_ char *f = familiar_name(*n);
			json_array_append_new(tags, json_string(f));
		}
	}
	json_object_set_new(entry, "RepoTags", tags);
	json_object_set_new(entry, "Layers", layers);
	const char *parent = NULL;
	for (size_t i = 0; im->layers[i]; i++) {
		const char *hex = digest_hex(im->layers[i]);
		_cleanup_free_ char *tar = xasprintf("%s/layer.tar", hex);
		json_array_append_new(layers, json_string(tar));
		if (!strv_contains(sv->written, tar)) {
			_cleanup_free_ char *dir = xasprintf("%s/", hex);
			_cleanup_free_ char *ver = xasprintf("%s/VERSION", hex);
			_cleanup_free_ char *js = xasprintf("%s/json", hex);
			/* The legacy (v1) description docker still writes. */
			_cleanup_json_ json_t *legacy = json_object();
			json_object_set_new(legacy, "id", json_string(hex));
			if (parent)
				json_object_set_new(legacy, "parent", json_string(parent));
			json_object_set_new(
				legacy, "created",
				json_string(im->created ? im->created : "1970-01-01T00:00:00Z"));
			json_object_set_new(legacy, "os", json_string("linux"));
			_cleanup_free_ char *legacy_text = json_dump_string(legacy, false);
			if (put_dir(sv, dir, e) < 0 || put_buf(sv, ver, "1.0", 3, e) < 0 ||
			    put_buf(sv, js, legacy_text, strlen(legacy_text), e) < 0 ||
			    put_layer_tar(sv, tar, blobs[i], im->layers[i], e) < 0)
				return -1;
		}
		parent = hex;
	}
	for (char **n = it->names; *n && parent; n++) {
		struct image_ref r;
		if (image_ref_parse(*n, &r, NULL) < 0)
			continue;
		if (!r.tag) {
			image_ref_clear(&r);
			continue;
		}
		_cleanup_free_ char *repo = image_ref_familiar_repo(&r);
		json_t *tagmap = json_object_get(repos, repo);
		if (!tagmap) {
			tagmap = json_object();
			json_object_set_new(repos, repo, tagmap);
		}
		json_object_set_new(tagmap, r.tag, json_string(parent));
		image_ref_clear(&r);
	}
	return 0;
}

static json_t *descriptor(const char *media, const char *digest, uint64_t size)
{
	json_t *d = json_object();
	json_object_set_new(d, "mediaType", json_string(media));
	json_object_set_new(d, "digest", json_string(digest));
	json_object_set_new(d, "size", json_integer((json_int_t)size));
	return d;
}

static int save_oci_image(struct saver *sv, const struct save_image *it, json_t *manifests,
			  struct err *e)
{
	const struct store_image *im = it->im;
	_cleanup_json_ json_t *man = NULL;
	_cleanup_strv_ char **blobs = NULL;
	size_t man_len;
	if (load_manifest(sv->s, im, &man, &man_len, &blobs, e) < 0)
		return -1;
	const char *media = json_string_value(json_object_get(man, "mediaType"));
	if (!media)
		media = MEDIA_OCI_MANIFEST;
	const char *cfg =
		json_string_value(json_object_get(json_object_get(man, "config"), "digest"));
	if (!cfg || !streq(cfg, im->id))
		return err_set(e, ERR_INVALID, "manifest %s: its config is not %s",
			       im->manifest_digest, im->id);
	if (put_blob(sv, im->manifest_digest, e) < 0 || put_blob(sv, im->id, e) < 0)
		return -1;
	for (char **b = blobs; *b; b++)
		if (put_blob(sv, *b, e) < 0)
			return -1;
	if (!it->names[0])
		json_array_append_new(manifests, descriptor(media, im->manifest_digest, man_len));
	for (char **n = it->names; *n; n++) {
		json_t *d = descriptor(media, im->manifest_digest, man_len);
		json_t *ann = json_object();
		json_object_set_new(ann, "io.containerd.image.name", json_string(*n));
		struct image_ref r;
		if (image_ref_parse(*n, &r, NULL) == 0) {
			if (r.tag)
				json_object_set_new(ann, "org.opencontainers.image.ref.name",
						    json_string(r.tag));
			image_ref_clear(&r);
		}
		json_object_set_new(d, "annotations", ann);
		json_array_append_new(manifests, d);
	}
	return 0;
}

static int put_json(struct saver *sv, const char *path, json_t *doc, struct err *e)
{
	_cleanup_free_ char *text = json_dump_string(doc, false);
	return put_buf(sv, path, text, strlen(text), e);
}

static int save_run(struct saver *sv, enum image_archive_format fmt, int fd, struct err *e)
{
	if (archive_write_set_format_pax_restricted(sv->a) != ARCHIVE_OK ||
	    archive_write_open_fd(sv->a, fd) != ARCHIVE_OK)
		return archive_fail(sv->a, "archive", e);
	if (fmt == IMAGE_ARCHIVE_DOCKER) {
		_cleanup_json_ json_t *manifest = json_array();
		_cleanup_json_ json_t *repos = json_object();
		for (size_t i = 0; i < sv->n; i++)
			if (save_docker_image(sv, &sv->images[i], manifest, repos, e) < 0)
				return -1;
		if (put_json(sv, "manifest.json", manifest, e) < 0 ||
		    put_json(sv, "repositories", repos, e) < 0)
			return -1;
	} else {
		_cleanup_json_ json_t *layout = json_object();
		json_object_set_new(layout, "imageLayoutVersion", json_string("1.0.0"));
		if (put_json(sv, "oci-layout", layout, e) < 0 || put_dir(sv, "blobs/", e) < 0 ||
		    put_dir(sv, "blobs/sha256/", e) < 0)
			return -1;
		_cleanup_json_ json_t *index = json_object();
		json_t *manifests = json_array();
		json_object_set_new(index, "schemaVersion", json_integer(2));
		json_object_set_new(index, "mediaType", json_string(MEDIA_OCI_INDEX));
		json_object_set_new(index, "manifests", manifests);
		for (size_t i = 0; i < sv->n; i++)
			if (save_oci_image(sv, &sv->images[i], manifests, e) < 0)
				return -1;
		if (put_json(sv, "index.json", index, e) < 0)
			return -1;
	}
	if (archive_write_close(sv->a) != ARCHIVE_OK)
		return archive_fail(sv->a, "archive", e);
	return 0;
}

int image_save(struct store *s, char *const *refs, enum image_archive_format fmt, int fd,
	       struct err *e)
{
	struct store_index idx;
	if (store_index_load(s, &idx, e) < 0)
		return err_wrap(e, "save");
	struct saver sv = {.s = s};
	int r = 0;
	for (char *const *ref = refs; *ref && r == 0; ref++)
		r = save_resolve(&sv, &idx, *ref, e);
	if (r == 0 && sv.n == 0)
		r = err_set(e, ERR_INVALID, "no image to save");
	if (r == 0) {
		sv.a = archive_write_new();
		if (!sv.a)
			abort();
		r = save_run(&sv, fmt, fd, e);
		archive_write_free(sv.a);
	}
	for (size_t i = 0; i < sv.n; i++)
		strv_free(sv.images[i].names);
	free(sv.images);
	strv_free(sv.written);
	store_index_clear(&idx);
	return r < 0 ? err_wrap(e, "save") : 0;
}

/* ---- load: unpacking the archive ------------------------------------------ */

/* The unpacked archive: regular files and directories below dirfd; links
 * are never made on disk, only remembered (docker and podman write
 * layer.tar as a relative symlink to a layer stored once) and followed
 * here, lexically, when a document names them. */
struct unpacked {
	int dirfd;
	char **links; /* pairs: name, target, both relative to the archive */
};

static void unpacked_drop_link(struct unpacked *u, const char *rel)
{
	for (size_t i = 0; u->links && u->links[i]; i += 2)
		if (streq(u->links[i], rel)) {
			free(u->links[i]);
			free(u->links[i + 1]);
			size_t n = strv_length(u->links);
			memmove(&u->links[i], &u->links[i + 2], (n - i - 1) * sizeof(char *));
			return;
		}
}

/* Split name into clean components, resolving "." and, when allow_up,
 * ".." (never above the top).  Returns the joined path, or NULL when it
 * would climb out or has ".." without allow_up. */
static char *path_resolve(const char *name, bool allow_up)
{
	_cleanup_strv_ char **parts = NULL;
	size_t n = 0;
	const char *p = name;
	while (*p) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (!allow_up || n == 0)
				return NULL;
			free(parts[--n]);
			parts[n] = NULL;
		} else if (len > 0 && !(len == 1 && p[0] == '.')) {
			strv_consume(&parts, xstrndup(p, len));
			n++;
		}
		p += len;
		if (*p == '/')
			p++;
	}
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addch(&sb, '/');
		strbuf_addstr(&sb, parts[i]);
	}
	return strbuf_detach(&sb, NULL);
}

/* The entry's name made relative and clean ("./a//b" -> "a/b"); "" for
 * the top directory.  Absolute names and ".." are refused. */
static int clean_name(const char *name, char **ret, struct err *e)
{
	if (strlen(name) > ENTRY_NAME_MAX)
		return err_set(e, ERR_INVALID, "entry \"%.64s...\": name longer than %d bytes",
			       name, ENTRY_NAME_MAX);
	if (name[0] == '/')
		return err_set(e, ERR_INVALID, "entry \"%s\": absolute path", name);
	char *r = path_resolve(name, false);
	if (!r)
		return err_set(e, ERR_INVALID, "entry \"%s\": path escapes the archive", name);
	*ret = r;
	return 0;
}

/* Open (making it when create) the directory rel below dirfd, one
 * component at a time, never following a symlink. */
static int open_dirs(int dirfd, const char *rel, bool create, struct err *e)
{
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return err_sys(e, errno, "dup");
	_cleanup_free_ char *copy = xstrdup(rel);
	char *save = NULL;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (create && mkdirat(fd, c, 0700) < 0 && errno != EEXIST) {
			int en = errno;
			close(fd);
			return err_sys(e, en, "entry \"%s\": mkdir", rel);
		}
		int nfd = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int en = errno;
		close(fd);
		if (nfd < 0)
			return err_sys(e, en, "entry \"%s\"", rel);
		fd = nfd;
	}
	return fd;
}

static int unpack_file(struct archive *a, int dirfd, const char *rel, int64_t size, struct err *e)
{
	const char *slash = strrchr(rel, '/');
	_cleanup_free_ char *parent = slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup("");
	const char *base = slash ? slash + 1 : rel;
	_cleanup_close_ int pfd = open_dirs(dirfd, parent, true, e);
	if (pfd < 0)
		return -1;
	_cleanup_close_ int fd =
		openat(pfd, base, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_sys(e, errno, "entry \"%s\"", rel);
	uint64_t pos = 0;
	for (;;) {
		const void *buf;
		size_t len;
		la_int64_t off;
		int r = archive_read_data_block(a, &buf, &len, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return err_set(e, ERR_INVALID, "entry \"%s\": %s", rel,
				       archive_error_string(a));
		if (off < 0 || (uint64_t)off != pos)
			return err_set(e, ERR_INVALID, "entry \"%s\": sparse files are not allowed",
				       rel);
		if (write_all(fd, buf, len) < 0)
			return err_sys(e, errno, "entry \"%s\": write", rel);
		pos += len;
	}
	if (pos != (uint64_t)size)
		return err_set(e, ERR_INVALID, "entry \"%s\": truncated", rel);
	return 0;
}

/* A symlink (target relative to the link's directory) or a hard link
 * (target relative to the archive): remembered, never made. */
static int unpack_link(struct unpacked *u, const char *name, const char *rel, const char *target,
		       bool symbolic, struct err *e)
{
	if (!target || !*target)
		return err_set(e, ERR_INVALID, "entry \"%s\": link without a target", name);
	if (strlen(target) > ENTRY_NAME_MAX)
		return err_set(e, ERR_INVALID, "entry \"%s\": link target longer than %d bytes",
			       name, ENTRY_NAME_MAX);
	_cleanup_free_ char *joined = NULL;
	if (symbolic && target[0] != '/') {
		const char *slash = strrchr(rel, '/');
		joined = slash ? xasprintf("%.*s/%s", (int)(slash - rel), rel, target)
			       : xstrdup(target);
	}
	char *resolved = target[0] == '/' ? NULL : path_resolve(joined ? joined : target, symbolic);
	if (!resolved || !*resolved) {
		free(resolved);
		return err_set(e, ERR_INVALID,
			       "entry \"%s\": link target \"%s\" escapes the archive", name,
			       target);
	}
	if (!*rel) {
		free(resolved);
		return err_set(e, ERR_INVALID, "entry \"%s\": not a file name", name);
	}
	unpacked_drop_link(u, rel);
	(void)unlinkat(u->dirfd, rel, 0);
	strv_push(&u->links, rel);
	strv_consume(&u->links, resolved);
	return 0;
}

static int unpack_entry(struct archive *a, struct archive_entry *ent, struct unpacked *u,
			uint64_t *total, struct err *e)
{
	const char *name = archive_entry_pathname(ent);
	if (!name)
		name = archive_entry_pathname_utf8(ent);
	if (!name)
		return err_set(e, ERR_INVALID, "an entry has no name");
	_cleanup_free_ char *rel = NULL;
	if (clean_name(name, &rel, e) < 0)
		return -1;
	mode_t type = archive_entry_filetype(ent);
	const char *hard = archive_entry_hardlink(ent);
	if (!hard)
		hard = archive_entry_hardlink_utf8(ent);
	if (hard)
		return unpack_link(u, name, rel, hard, false, e);
	if (type == AE_IFLNK) {
		const char *target = archive_entry_symlink(ent);
		return unpack_link(u, name, rel, target ? target : archive_entry_symlink_utf8(ent),
				   true, e);
	}
	if (type != AE_IFREG && type != AE_IFDIR)
		return err_set(e, ERR_INVALID, "entry \"%s\": not a regular file or directory",
			       name);
	unpacked_drop_link(u, rel);
	if (type == AE_IFDIR) {
		if (!*rel)
			return 0;
		int fd = open_dirs(u->dirfd, rel, true, e);
		if (fd < 0)
			return -1;
		close(fd);
		return 0;
	}
	if (!*rel)
		return err_set(e, ERR_INVALID, "entry \"%s\": not a file name", name);
	if (archive_entry_sparse_count(ent) > 0)
		return err_set(e, ERR_INVALID, "entry \"%s\": sparse files are not allowed", name);
	int64_t size = archive_entry_size_is_set(ent) ? archive_entry_size(ent) : 0;
	if (size < 0)
		return err_set(e, ERR_INVALID, "entry \"%s\": bad size", name);
	if (unpack_file(a, u->dirfd, rel, size, e) < 0)
		return -1;
	*total += (uint64_t)size;
	/* Never more than the archive itself holds. */
	if (*total > (uint64_t)archive_filter_bytes(a, 0))
		return err_set(e, ERR_INVALID, "entries larger than the archive");
	return 0;
}

static int unpack_run(struct archive *a, int fd, struct unpacked *u, struct err *e)
{
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_none(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, fd, IO_BUF_SIZE) != ARCHIVE_OK)
		return err_set(e, ERR_INVALID, "not a tar archive: %s", archive_error_string(a));
	uint64_t total = 0;
	for (size_t n = 0;; n++) {
		struct archive_entry *ent;
		int r = archive_read_next_header(a, &ent);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return err_set(e, ERR_INVALID, "%s: %s",
				       n ? "reading the archive" : "not a tar archive",
				       archive_error_string(a));
		if (unpack_entry(a, ent, u, &total, e) < 0)
			return -1;
	}
	return 0;
}

static int unpack(int fd, struct unpacked *u, struct err *e)
{
	struct archive *a = archive_read_new();
	if (!a)
		abort();
	int r = unpack_run(a, fd, u, e);
	archive_read_free(a);
	return r;
}

/* name (clean) with the links followed; NULL after too many. */
static char *follow_links(const struct unpacked *u, const char *name)
{
	char *cur = xstrdup(name);
	for (int hops = 0; hops < 40; hops++) {
		const char *to = NULL;
		for (size_t i = 0; u->links && u->links[i]; i += 2)
			if (streq(u->links[i], cur))
				to = u->links[i + 1];
		if (!to)
			return cur;
		free(cur);
		cur = xstrdup(to);
	}
	free(cur);
	return NULL;
}

/* A regular file of the unpacked archive named by the archive itself
 * (manifest.json, a descriptor): clean, below dirfd, no link followed
 * but those the archive holds. */
static int open_member(const struct unpacked *u, const char *name, struct err *e)
{
	_cleanup_free_ char *rel = NULL, *real = NULL;
	_cleanup_err_ struct err ce = ERR_INIT;
	if (clean_name(name, &rel, &ce) < 0) {
		if (strlen(name) > ENTRY_NAME_MAX)
			return err_set(e, ERR_INVALID, "\"%.64s...\": name too long", name);
		return err_set(e, ERR_INVALID, "\"%s\": path escapes the archive", name);
	}
	if (!*rel)
		return err_set(e, ERR_INVALID, "\"%s\": not a file name", name);
	real = follow_links(u, rel);
	if (!real)
		return err_set(e, ERR_INVALID, "\"%s\": too many levels of links", name);
	int fd = path_openat2(u->dirfd, real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0,
			      RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
				      RESOLVE_NO_XDEV);
	if (fd == -ENOENT || fd == -ENOTDIR)
		return err_set(e, ERR_INVALID, "\"%s\": missing from the archive", name);
	if (fd < 0)
		return err_sys(e, -fd, "\"%s\"", name);
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(e, ERR_INVALID, "\"%s\": not a regular file", name);
	}
	return fd;
}

static bool member_exists(const struct unpacked *u, const char *name)
{
	_cleanup_err_ struct err e = ERR_INIT;
	int fd = open_member(u, name, &e);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static int read_member(const struct unpacked *u, const char *name, char **ret, size_t *ret_len,
		       struct err *e)
{
	_cleanup_close_ int fd = open_member(u, name, e);
	if (fd < 0)
		return -1;
	int r = read_all_fd(fd, STORE_DOC_MAX, ret, ret_len);
	if (r == -E2BIG)
		return err_set(e, ERR_INVALID, "\"%s\": larger than %u bytes", name, STORE_DOC_MAX);
	if (r < 0)
		return err_sys(e, -r, "\"%s\"", name);
	return 0;
}

/* ---- load: the plan --------------------------------------------------------- */

struct load_layer {
	char *path;	  /* in the unpacked archive */
	char *digest;	  /* the blob's, when known */
	int64_t size;	  /* -1: not known */
	char *media_type; /* NULL: told by the first bytes */
};

struct load_image {
	char *config;
	size_t config_len;
	char *config_digest; /* expected (NULL: not known), then as stored */
	char *manifest;	     /* as found (OCI); NULL: made here (docker) */
	size_t manifest_len;
	char *manifest_digest;
	char *created;
	char **diff_ids;
	struct load_layer *layers;
	size_t n_layers;
	char **names; /* full names */
	uint64_t size;
};

struct load_plan {
	struct load_image *images;
	size_t n;
};

static void load_image_clear(struct load_image *im)
{
	free(im->config);
	free(im->config_digest);
	free(im->manifest);
	free(im->manifest_digest);
	free(im->created);
	strv_free(im->diff_ids);
	for (size_t i = 0; i < im->n_layers; i++) {
		free(im->layers[i].path);
		free(im->layers[i].digest);
		free(im->layers[i].media_type);
	}
	free(im->layers);
	strv_free(im->names);
	memset(im, 0, sizeof(*im));
}

static void load_plan_clear(struct load_plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		load_image_clear(&p->images[i]);
	free(p->images);
	p->images = NULL;
	p->n = 0;
}

static struct load_image *plan_new_image(struct load_plan *p)
{
	p->images = xreallocarray(p->images, p->n + 1, sizeof(*p->images));
	struct load_image *im = &p->images[p->n++];
	memset(im, 0, sizeof(*im));
	im->names = xnew(char *, 1);
	return im;
}

/* The config's diff_ids and creation time. */
static int parse_config(struct load_image *im, struct err *e)
{
	_cleanup_json_ json_t *cfg = NULL;
	if (json_parse_buffer(im->config, im->config_len, "config", &cfg, e) < 0)
		return -1;
	if (!json_is_object(cfg))
		return err_set(e, ERR_INVALID, "config: expected an object");
	json_t *rootfs;
	if (json_get_object(cfg, "", "rootfs", true, &rootfs, e) < 0 ||
	    json_get_strv(rootfs, "rootfs", "diff_ids", true, &im->diff_ids, e) < 0 ||
	    json_get_string(cfg, "", "created", false, &im->created, e) < 0)
		return err_wrap(e, "config");
	for (char **d = im->diff_ids; *d; d++)
		if (!digest_string_valid(*d))
			return err_set(e, ERR_INVALID,
				       "config: rootfs.diff_ids: \"%s\" is not a "
				       "sha256 digest",
				       *d);
	return 0;
}

/* A name from the archive: a full reference with a tag. */
static int add_name(struct load_image *im, const char *name, struct err *e)
{
	struct image_ref r;
	if (image_ref_parse(name, &r, e) < 0)
		return -1;
	if (!r.tag) {
		image_ref_clear(&r);
		return err_set(e, ERR_INVALID, "\"%s\": a name needs a tag", name);
	}
	free(r.digest);
	r.digest = NULL;
	_cleanup_free_ char *full = image_ref_string(&r);
	image_ref_clear(&r);
	if (!strv_contains(im->names, full))
		strv_push(&im->names, full);
	return 0;
}

/* "blobs/sha256/<hex>" or "<hex>.json": the digest the name promises. */
static char *digest_from_name(const char *path)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	_cleanup_free_ char *d = NULL;
	if (strlen(base) == 64 + 5 && streq(base + 64, ".json"))
		d = xasprintf("sha256:%.64s", base);
	else if (startswith(path, "blobs/sha256/") && strlen(base) == 64)
		d = xasprintf("sha256:%s", base);
	if (d && digest_string_valid(d))
		return TAKE_PTR(d);
	return NULL;
}

static int plan_docker_entry(const struct unpacked *u, json_t *it, const char *path,
			     struct load_image *im, struct err *e)
{
	if (!json_is_object(it))
		return err_set(e, ERR_INVALID, "%s: expected an object", path);
	_cleanup_free_ char *config = NULL;
	_cleanup_strv_ char **tags = NULL, **layers = NULL;
	if (json_get_string(it, path, "Config", true, &config, e) < 0 ||
	    json_get_strv(it, path, "RepoTags", false, &tags, e) < 0 ||
	    json_get_strv(it, path, "Layers", true, &layers, e) < 0)
		return -1;
	if (read_member(u, config, &im->config, &im->config_len, e) < 0)
		return err_wrap(e, "%s.Config", path);
	im->config_digest = digest_from_name(config);
	if (parse_config(im, e) < 0)
		return err_wrap(e, "%s: \"%s\"", path, config);
	size_t n = strv_length(layers);
	if (n != strv_length(im->diff_ids))
		return err_set(e, ERR_INVALID, "%s: %zu layers, but its config has %zu diff_ids",
			       path, n, strv_length(im->diff_ids));
	im->layers = xnew(struct load_layer, n ? n : 1);
	for (size_t i = 0; i < n; i++) {
		struct load_layer *l = &im->layers[im->n_layers++];
		l->size = -1;
		_cleanup_err_ struct err ce = ERR_INIT;
		if (clean_name(layers[i], &l->path, &ce) < 0 || !*l->path)
			return err_set(e, ERR_INVALID, "%s: layer \"%s\": path escapes the archive",
				       path, layers[i]);
		l->digest = digest_from_name(l->path);
		if (l->digest && !startswith(l->path, "blobs/")) {
			free(l->digest);
			l->digest = NULL;
		}
	}
	for (char **t = tags; t && *t; t++)
		if (add_name(im, *t, e) < 0)
			return err_wrap(e, "%s.RepoTags", path);
	return 0;
}

static int plan_docker(const struct unpacked *u, struct load_plan *p, struct err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (read_member(u, "manifest.json", &buf, &len, e) < 0)
		return -1;
	_cleanup_json_ json_t *doc = NULL;
	if (json_parse_buffer(buf, len, "manifest.json", &doc, e) < 0)
		return -1;
	if (!json_is_array(doc))
		return err_set(e, ERR_INVALID, "manifest.json: expected an array");
	if (json_array_size(doc) == 0)
		return err_set(e, ERR_INVALID, "manifest.json: no images");
	size_t i;
	json_t *it;
	json_array_foreach(doc, i, it)
	{
		_cleanup_free_ char *path = json_path_index("", i);
		struct load_image *im = plan_new_image(p);
		if (plan_docker_entry(u, it, path, im, e) < 0)
			return err_wrap(e, "manifest.json");
	}
	return 0;
}

struct desc {
	char *media;
	char *digest;
	int64_t size;
};

static void desc_clear(struct desc *d)
{
	free(d->media);
	free(d->digest);
	memset(d, 0, sizeof(*d));
}

static int parse_desc(json_t *o, const char *path, struct desc *d, struct err *e)
{
	if (!json_is_object(o))
		return err_set(e, ERR_INVALID, "%s: expected an object", path);
	if (json_get_string(o, path, "mediaType", false, &d->media, e) < 0 ||
	    json_get_string(o, path, "digest", true, &d->digest, e) < 0 ||
	    json_get_i64(o, path, "size", true, &d->size, e) < 0)
		return -1;
	if (!digest_string_valid(d->digest)) {
		if (image_digest_valid(d->digest))
			return err_set(e, ERR_UNSUPPORTED,
				       "%s.digest: \"%s\": only sha256 is supported", path,
				       d->digest);
		return err_set(e, ERR_INVALID, "%s.digest: \"%s\" is not a digest", path,
			       d->digest);
	}
	if (d->size < 0)
		return err_set(e, ERR_INVALID, "%s.size: negative", path);
	return 0;
}

static char *blob_path(const char *digest)
{
	return xasprintf("blobs/sha256/%s", digest_hex(digest));
}

/* A document blob of the layout, checked against its descriptor. */
static int read_blob_doc(const struct unpacked *u, const struct desc *d, char **ret,
			 size_t *ret_len, struct err *e)
{
	if ((uint64_t)d->size > STORE_DOC_MAX)
		return err_set(e, ERR_INVALID, "blob %s: larger than %u bytes", d->digest,
			       STORE_DOC_MAX);
	_cleanup_free_ char *path = blob_path(d->digest);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (read_member(u, path, &buf, &len, e) < 0)
		return -1;
	_cleanup_free_ char *got = digest_buf(buf, len);
	if (!streq(got, d->digest))
		return err_set(e, ERR_INVALID, "blob %s: content has digest %s (corrupted)",
			       d->digest, got);
	if (len != (size_t)d->size)
		return err_set(e, ERR_INVALID, "blob %s: size %zu, expected %lld", d->digest, len,
			       (long long)d->size);
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

/* The name an index.json descriptor gives its image (NULL: none). */
static int desc_name(json_t *o, const char *path, char **ret, struct err *e)
{
	json_t *ann = json_object_get(o, "annotations");
	const char *full = json_string_value(json_object_get(ann, "io.containerd.image.name"));
	const char *ref =
		json_string_value(json_object_get(ann, "org.opencontainers.image.ref.name"));
	struct image_ref r;
	*ret = NULL;
	if (full) {
		if (image_ref_parse(full, &r, e) < 0)
			return err_wrap(e, "%s.annotations", path);
	} else if (ref && (strchr(ref, ':') || strchr(ref, '/')) &&
		   image_ref_parse(ref, &r, NULL) == 0) {
		/* "busybox:latest", "localhost/app": a name; a bare tag
		 * ("latest") names no repository: the image stays untagged. */
	} else {
		return 0;
	}
	if (r.tag)
		*ret = image_ref_string(&r);
	image_ref_clear(&r);
	return 0;
}

static bool platform_is_ours(json_t *d)
{
	json_t *p = json_object_get(d, "platform");
	const char *os = json_string_value(json_object_get(p, "os"));
	const char *arch = json_string_value(json_object_get(p, "architecture"));
	return os && arch && streq(os, "linux") && streq(arch, "amd64");
}

static int plan_oci_desc(const struct unpacked *u, json_t *o, const char *path, const char *name,
			 int depth, struct load_plan *p, struct err *e);

static int plan_oci_index(const struct unpacked *u, json_t *doc, const char *digest,
			  const char *name, int depth, struct load_plan *p, struct err *e)
{
	if (depth >= INDEX_DEPTH_MAX)
		return err_set(e, ERR_INVALID, "index %s: indexes nested too deep", digest);
	json_t *ms;
	if (json_get_array(doc, "", "manifests", true, &ms, e) < 0)
		return err_wrap(e, "index %s", digest);
	json_t *pick = NULL, *it;
	size_t i, at = 0, n_plain = 0;
	json_array_foreach(ms, i, it)
	{
		if (platform_is_ours(it) && !pick) {
			pick = it;
			at = i;
		}
		if (!json_object_get(it, "platform"))
			n_plain++;
	}
	if (!pick && n_plain == 1 && json_array_size(ms) == 1) {
		pick = json_array_get(ms, 0);
		at = 0;
	}
	if (!pick)
		return err_set(e, ERR_NOT_FOUND, "index %s: no linux/amd64 image", digest);
	_cleanup_free_ char *sub = xasprintf("index %s: manifests[%zu]", digest, at);
	return plan_oci_desc(u, pick, sub, name, depth + 1, p, e);
}

static int plan_oci_manifest(const struct unpacked *u, json_t *doc, const struct desc *d,
			     const char *name, struct load_image *im, struct err *e)
{
	_cleanup_free_ char *mpath = xasprintf("manifest %s", d->digest);
	json_t *cfgo, *ls;
	if (json_get_object(doc, "", "config", true, &cfgo, e) < 0 ||
	    json_get_array(doc, "", "layers", true, &ls, e) < 0)
		return err_wrap(e, "%s", mpath);
	struct desc cd = {0};
	int r = parse_desc(cfgo, "config", &cd, e);
	if (r == 0)
		r = read_blob_doc(u, &cd, &im->config, &im->config_len, e);
	if (r == 0)
		im->config_digest = xstrdup(cd.digest);
	desc_clear(&cd);
	if (r < 0 || parse_config(im, e) < 0)
		return err_wrap(e, "%s", mpath);
	size_t n = json_array_size(ls);
	if (n != strv_length(im->diff_ids))
		return err_set(e, ERR_INVALID, "%s: %zu layers, but its config has %zu diff_ids",
			       mpath, n, strv_length(im->diff_ids));
	im->layers = xnew(struct load_layer, n ? n : 1);
	size_t i;
	json_t *it;
	json_array_foreach(ls, i, it)
	{
		_cleanup_free_ char *lp = xasprintf("layers[%zu]", i);
		struct desc ld = {0};
		if (parse_desc(it, lp, &ld, e) < 0) {
			desc_clear(&ld);
			return err_wrap(e, "%s", mpath);
		}
		struct load_layer *l = &im->layers[im->n_layers++];
		l->path = blob_path(ld.digest);
		l->digest = TAKE_PTR(ld.digest);
		l->size = ld.size;
		l->media_type = TAKE_PTR(ld.media);
		desc_clear(&ld);
		if (l->media_type &&
		    (strstr(l->media_type, "foreign") || strstr(l->media_type, "nondistributable")))
			return err_set(e, ERR_UNSUPPORTED,
				       "%s: layer %s: foreign layers (%s) are "
				       "not supported",
				       mpath, l->digest, l->media_type);
	}
	if (name)
		strv_push(&im->names, name);
	return 0;
}

static int plan_oci_desc(const struct unpacked *u, json_t *o, const char *path, const char *name,
			 int depth, struct load_plan *p, struct err *e)
{
	struct desc d = {0};
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = parse_desc(o, path, &d, e);
	if (r == 0 && read_blob_doc(u, &d, &buf, &len, e) < 0)
		r = err_wrap(e, "%s", path);
	_cleanup_json_ json_t *doc = NULL;
	if (r == 0 && json_parse_buffer(buf, len, d.digest, &doc, e) < 0)
		r = -1;
	if (r == 0 && !json_is_object(doc))
		r = err_set(e, ERR_INVALID, "%s: blob %s: expected an object", path, d.digest);
	const char *media = NULL;
	if (r == 0) {
		media = d.media ? d.media : json_string_value(json_object_get(doc, "mediaType"));
		if (!media)
			media = json_object_get(doc, "manifests") ? MEDIA_OCI_INDEX
								  : MEDIA_OCI_MANIFEST;
	}
	if (r == 0 && media_is_index(media)) {
		r = plan_oci_index(u, doc, d.digest, name, depth, p, e);
	} else if (r == 0 && media_is_manifest(media)) {
		struct load_image *im = NULL;
		for (size_t i = 0; i < p->n; i++)
			if (streq(p->images[i].manifest_digest, d.digest))
				im = &p->images[i];
		if (im) {
			if (name && !strv_contains(im->names, name))
				strv_push(&im->names, name);
		} else {
			im = plan_new_image(p);
			im->manifest = TAKE_PTR(buf);
			im->manifest_len = len;
			im->manifest_digest = xstrdup(d.digest);
			r = plan_oci_manifest(u, doc, &d, name, im, e);
		}
	} else if (r == 0) {
		r = err_set(e, ERR_UNSUPPORTED, "%s: unsupported media type \"%s\"", path, media);
	}
	desc_clear(&d);
	return r;
}

static int plan_oci(const struct unpacked *u, struct load_plan *p, struct err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (read_member(u, "index.json", &buf, &len, e) < 0)
		return -1;
	_cleanup_json_ json_t *doc = NULL;
	if (json_parse_buffer(buf, len, "index.json", &doc, e) < 0)
		return -1;
	json_t *ms;
	if (!json_is_object(doc))
		return err_set(e, ERR_INVALID, "index.json: expected an object");
	if (json_get_array(doc, "", "manifests", true, &ms, e) < 0)
		return err_wrap(e, "index.json");
	if (json_array_size(ms) == 0)
		return err_set(e, ERR_INVALID, "index.json: no images");
	size_t i;
	json_t *it;
	json_array_foreach(ms, i, it)
	{
		_cleanup_free_ char *path = json_path_index("manifests", i);
		_cleanup_free_ char *name = NULL;
		if (desc_name(it, path, &name, e) < 0 ||
		    plan_oci_desc(u, it, path, name, 0, p, e) < 0)
			return err_wrap(e, "index.json");
	}
	return 0;
}

/* Every layer the plan names is in the archive. */
static bool plan_complete(const struct unpacked *u, const struct load_plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		for (size_t k = 0; k < p->images[i].n_layers; k++)
			if (!member_exists(u, p->images[i].layers[k].path))
				return false;
	return true;
}

/* ---- load: storing --------------------------------------------------------- */

static int store_layer(struct store *s, const struct unpacked *u, const struct load_layer *l,
		       const char *diff_id, json_t *descs, struct err *e)
{
	_cleanup_close_ int fd = open_member(u, l->path, e);
	if (fd < 0)
		return err_wrap(e, "layer");
	_cleanup_free_ char *blob = NULL;
	uint64_t size;
	if (store_blob_put_fd(s, fd, l->digest, l->size, &blob, &size, e) < 0)
		return err_wrap(e, "layer \"%s\"", l->path);
	_cleanup_close_ int bfd = store_blob_open(s, blob, e);
	if (bfd < 0)
		return -1;
	const char *media = l->media_type ? l->media_type : media_by_magic(bfd);
	/* Unpacked once; a layer the store has already is still checked. */
	if (store_layer_exists(s, diff_id)) {
		if (layer_stream(bfd, NULL, diff_id, NULL, NULL, NULL, e) < 0)
			return -1;
	} else if (store_layer_put(s, bfd, diff_id, NULL, NULL, e) < 0) {
		return -1;
	}
	json_array_append_new(descs, descriptor(media, blob, size));
	return 0;
}

static int store_image(struct store *s, const struct unpacked *u, struct load_image *im,
		       struct err *e)
{
	_cleanup_free_ char *cfg = NULL;
	if (store_blob_put_buf(s, im->config, im->config_len, im->config_digest, &cfg, e) < 0)
		return err_wrap(e, "config");
	free(im->config_digest);
	im->config_digest = TAKE_PTR(cfg);
	_cleanup_json_ json_t *descs = json_array();
	for (size_t i = 0; i < im->n_layers; i++)
		if (store_layer(s, u, &im->layers[i], im->diff_ids[i], descs, e) < 0)
			return -1;
	im->size = 0;
	for (char **d = im->diff_ids; *d; d++)
		im->size += store_layer_size(s, *d);
	if (im->manifest) {
		_cleanup_free_ char *got = NULL;
		if (store_blob_put_buf(s, im->manifest, im->manifest_len, im->manifest_digest, &got,
				       e) < 0)
			return err_wrap(e, "manifest");
		return 0;
	}
	_cleanup_json_ json_t *man = json_object();
	json_object_set_new(man, "schemaVersion", json_integer(2));
	json_object_set_new(man, "mediaType", json_string(MEDIA_OCI_MANIFEST));
	json_object_set_new(man, "config",
			    descriptor(MEDIA_OCI_CONFIG, im->config_digest, im->config_len));
	json_object_set_new(man, "layers", json_incref(descs));
	_cleanup_free_ char *text = json_dump_string(man, false);
	if (store_blob_put_buf(s, text, strlen(text), NULL, &im->manifest_digest, e) < 0)
		return err_wrap(e, "manifest");
	return 0;
}

static int register_image(struct store *s, const struct load_image *li, char ***report,
			  struct err *e)
{
	char now[RFC3339_MAX];
	time_now_rfc3339(now);
	char *none[] = {NULL};
	struct store_image im = {
		.id = li->config_digest,
		.manifest_digest = li->manifest_digest,
		.created = li->created,
		.added = now,
		.names = none,
		.repo_digests = none,
		.layers = li->diff_ids,
		.size = li->size,
	};
	if (!li->names[0]) {
		if (image_register(s, &im, NULL, e) < 0)
			return -1;
		strv_consume(report, xasprintf("Loaded image ID: %s", li->config_digest));
		return 0;
	}
	for (char **n = li->names; *n; n++) {
		if (image_register(s, &im, *n, e) < 0)
			return -1;
		_cleanup_free_ char *f = familiar_name(*n);
		strv_consume(report, xasprintf("Loaded image: %s", f));
	}
	return 0;
}

static int load_plan(const struct unpacked *u, struct load_plan *p, struct err *e)
{
	bool has_manifest = member_exists(u, "manifest.json");
	bool has_index = member_exists(u, "index.json");
	if (!has_manifest && !has_index)
		return err_set(e, ERR_INVALID, "archive has neither manifest.json nor index.json");
	if (has_index) {
		_cleanup_err_ struct err oe = ERR_INIT;
		int r = plan_oci(u, p, &oe);
		if (r == 0 && (!has_manifest || plan_complete(u, p)))
			return 0;
		load_plan_clear(p);
		/* A docker archive with a partial OCI layout beside it. */
		if (!has_manifest) {
			err_move(e, &oe);
			return -1;
		}
	}
	return plan_docker(u, p, e);
}

static int load_in(struct store *s, int fd, struct unpacked *u, char ***report, struct err *e)
{
	if (unpack(fd, u, e) < 0)
		return -1;
	struct load_plan p = {0};
	int r = load_plan(u, &p, e);
	for (size_t i = 0; i < p.n && r == 0; i++) {
		r = store_image(s, u, &p.images[i], e);
		if (r < 0 && p.images[i].names[0]) {
			_cleanup_free_ char *f = familiar_name(p.images[i].names[0]);
			err_wrap(e, "image \"%s\"", f);
		}
	}
	_cleanup_strv_ char **lines = NULL;
	for (size_t i = 0; i < p.n && r == 0; i++)
		r = register_image(s, &p.images[i], &lines, e);
	for (char **l = lines; l && *l; l++)
		strv_push(report, *l);
	load_plan_clear(&p);
	return r;
}

int image_load(struct store *s, int fd, char ***report, struct err *e)
{
	_cleanup_free_ char *tmpl = xasprintf("%s/tmp/load-XXXXXX", s->root);
	if (!mkdtemp(tmpl))
		return err_sys(e, errno, "load: temporary directory");
	_cleanup_free_ char *rel = xasprintf("tmp/%s", strrchr(tmpl, '/') + 1);
	int r;
	struct unpacked u = {
		.dirfd = openat(s->rootfd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC),
	};
	if (u.dirfd < 0) {
		r = err_sys(e, errno, "load: temporary directory");
	} else {
		r = load_in(s, fd, &u, report, e);
		close(u.dirfd);
	}
	strv_free(u.links);
	(void)rm_rf_at(s->rootfd, rel, NULL);
	return r < 0 ? err_wrap(e, "load") : 0;
}
