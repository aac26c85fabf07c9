/* layer.c: see layer.h.
 *
 * The pipeline: the descriptor's bytes are hashed (blob digest), inflated
 * here (zlib for gzip, libzstd, or passed through), hashed again (diff_id)
 * and handed to libarchive, which only parses tar headers; it sees no
 * compression of its own.  Each entry is then placed with the rules below. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "base/digest.h"
#include "base/fd-util.h"
#include "base/fs-util.h"
#include "base/log.h"
#include "base/path-util.h"
#include "base/strbuf.h"
#include "image/layer.h"

#define LAYER_NAME_MAX 4096
#define LAYER_DEFAULT_MAX_TOTAL (64ull << 30)
#define LAYER_BUF_SIZE (128 * 1024)
#define LAYER_MAX_SYMLINKS 40
#define LAYER_MAX_DEPTH 256
#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_META_PREFIX ".wh..wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"

/* ---- the input stream ---------------------------------------------------- */

enum compression { COMPRESSION_NONE, COMPRESSION_GZIP, COMPRESSION_ZSTD };

struct source {
	int fd;
	enum compression comp;
	struct digest_ctx *cdig, *udig;
	uint64_t csize, usize, max_usize;
	unsigned char *in, *out;
	size_t in_len, in_pos;
	bool in_eof;
	z_stream z;
	bool z_ready, member_end;
	ZSTD_DCtx *zd;
	size_t zret; /* last ZSTD_decompressStream result: 0 at a frame's end */
	struct err err;
};

static void source_done(struct source *s)
{
	if (s->z_ready)
		inflateEnd(&s->z);
	ZSTD_freeDCtx(s->zd);
	digest_free(s->cdig);
	digest_free(s->udig);
	free(s->in);
	free(s->out);
	err_clear(&s->err);
}

/* Read more compressed bytes after those not consumed yet. */
static int source_fill(struct source *s)
{
	if (s->in_pos == s->in_len)
		s->in_pos = s->in_len = 0;
	if (s->in_eof || s->in_len == LAYER_BUF_SIZE)
		return 0;
	for (;;) {
		ssize_t n = read(s->fd, s->in + s->in_len, LAYER_BUF_SIZE - s->in_len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return err_sys(&s->err, errno, "layer: read");
		}
		if (n == 0) {
			s->in_eof = true;
			return 0;
		}
		if (s->cdig)
			digest_update(s->cdig, s->in + s->in_len, (size_t)n);
		s->csize += (uint64_t)n;
		s->in_len += (size_t)n;
		return 0;
	}
}

static int source_open(struct source *s, int fd, uint64_t max_usize, bool hash_input)
{
	s->fd = fd;
	s->max_usize = max_usize;
	s->cdig = hash_input ? digest_new() : NULL;
	s->udig = digest_new();
	s->in = xmalloc(LAYER_BUF_SIZE);
	s->out = xmalloc(LAYER_BUF_SIZE);
	while (s->in_len < 6 && !s->in_eof)
		if (source_fill(s) < 0)
			return -1;
	const unsigned char *m = s->in;
	size_t n = s->in_len;
	if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b) {
		s->comp = COMPRESSION_GZIP;
		/* 16 + 15: a gzip header and trailer, the largest window. */
		if (inflateInit2(&s->z, 16 + 15) != Z_OK)
			return err_set(&s->err, ERR_INTERNAL, "layer: gzip: cannot initialize zlib");
		s->z_ready = true;
	} else if (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) {
		s->comp = COMPRESSION_ZSTD;
		s->zd = ZSTD_createDCtx();
		if (!s->zd)
			return err_set(&s->err, ERR_INTERNAL, "layer: zstd: cannot initialize");
		s->zret = 1;
	} else if ((n >= 6 && memcmp(m, "\xfd" "7zXZ\0", 6) == 0) ||
		   (n >= 3 && memcmp(m, "BZh", 3) == 0)) {
		return err_set(&s->err, ERR_UNSUPPORTED,
			       "layer: xz and bzip2 compression are not supported");
	} else {
		s->comp = COMPRESSION_NONE;
	}
	return 0;
}

static ssize_t produce_plain(struct source *s, const void **buf)
{
	if (s->in_pos == s->in_len && source_fill(s) < 0)
		return -1;
	size_t n = s->in_len - s->in_pos;
	*buf = s->in + s->in_pos;
	s->in_pos = s->in_len;
	return (ssize_t)n;
}

static ssize_t produce_gzip(struct source *s, const void **buf)
{
	for (;;) {
		if (s->in_pos == s->in_len && source_fill(s) < 0)
			return -1;
		if (s->member_end) {
			/* Another gzip member may follow (multistream, as Go reads). */
			if (s->in_pos == s->in_len)
				return 0;
			if (inflateReset(&s->z) != Z_OK)
				return err_set(&s->err, ERR_INTERNAL, "layer: gzip: reset failed");
			s->member_end = false;
		}
		s->z.next_in = s->in + s->in_pos;
		s->z.avail_in = (uInt)(s->in_len - s->in_pos);
		s->z.next_out = s->out;
		s->z.avail_out = LAYER_BUF_SIZE;
		int r = inflate(&s->z, Z_NO_FLUSH);
		s->in_pos = s->in_len - s->z.avail_in;
		size_t produced = LAYER_BUF_SIZE - s->z.avail_out;
		if (r == Z_STREAM_END)
			s->member_end = true;
		else if (r == Z_MEM_ERROR)
			return err_set(&s->err, ERR_INTERNAL, "layer: gzip: out of memory");
		else if (r != Z_OK && r != Z_BUF_ERROR)
			return err_set(&s->err, ERR_INVALID, "layer: gzip: %s",
				       s->z.msg ? s->z.msg : "corrupt data");
		if (produced > 0) {
			*buf = s->out;
			return (ssize_t)produced;
		}
		if (!s->member_end && s->in_pos == s->in_len && s->in_eof)
			return err_set(&s->err, ERR_INVALID, "layer: gzip: unexpected end of stream");
	}
}

static ssize_t produce_zstd(struct source *s, const void **buf)
{
	for (;;) {
		if (s->in_pos == s->in_len && source_fill(s) < 0)
			return -1;
		ZSTD_inBuffer ib = {.src = s->in, .size = s->in_len, .pos = s->in_pos};
		ZSTD_outBuffer ob = {.dst = s->out, .size = LAYER_BUF_SIZE, .pos = 0};
		size_t r = ZSTD_decompressStream(s->zd, &ob, &ib);
		bool progress = ib.pos > s->in_pos || ob.pos > 0;
		s->in_pos = ib.pos;
		if (ZSTD_isError(r))
			return err_set(&s->err, ERR_INVALID, "layer: zstd: %s", ZSTD_getErrorName(r));
		/* Without progress the result is only a hint for a next frame. */
		if (progress)
			s->zret = r;
		if (ob.pos > 0) {
			*buf = s->out;
			return (ssize_t)ob.pos;
		}
		if (s->in_pos == s->in_len && s->in_eof) {
			if (s->zret != 0)
				return err_set(&s->err, ERR_INVALID,
					       "layer: zstd: unexpected end of stream");
			return 0;
		}
	}
}

/* The next piece of the uncompressed stream: its length, 0 at the end, or
 * -1 with s->err set. */
static ssize_t source_produce(struct source *s, const void **buf)
{
	if (err_isset(&s->err))
		return -1;
	ssize_t n;
	switch (s->comp) {
	case COMPRESSION_GZIP:
		n = produce_gzip(s, buf);
		break;
	case COMPRESSION_ZSTD:
		n = produce_zstd(s, buf);
		break;
	default:
		n = produce_plain(s, buf);
		break;
	}
	if (n <= 0)
		return n;
	digest_update(s->udig, *buf, (size_t)n);
	s->usize += (uint64_t)n;
	if (s->usize > s->max_usize)
		return err_set(&s->err, ERR_INVALID, "layer: larger than %llu bytes uncompressed",
			       (unsigned long long)s->max_usize);
	return n;
}

static la_ssize_t source_read_cb(struct archive *a, void *data, const void **buf)
{
	struct source *s = data;
	ssize_t n = source_produce(s, buf);
	if (n < 0) {
		archive_set_error(a, EIO, "%s", err_msg(&s->err));
		return -1;
	}
	return n;
}

/* ---- a set of paths (what this layer created, for opaque directories) ---- */

struct name_set {
	char **slot;
	size_t cap, n;
};

static size_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (size_t)h;
}

static bool name_set_has(const struct name_set *set, const char *s)
{
	if (!set->cap)
		return false;
	for (size_t i = name_hash(s) & (set->cap - 1);; i = (i + 1) & (set->cap - 1)) {
		if (!set->slot[i])
			return false;
		if (streq(set->slot[i], s))
			return true;
	}
}

static void name_set_insert(char **slot, size_t cap, char *s)
{
	size_t i = name_hash(s) & (cap - 1);
	while (slot[i])
		i = (i + 1) & (cap - 1);
	slot[i] = s;
}

/* False when s was there already. */
static bool name_set_add(struct name_set *set, const char *s)
{
	if (name_set_has(set, s))
		return false;
	if ((set->n + 1) * 2 > set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 256;
		char **slot = xnew(char *, cap);
		for (size_t i = 0; i < set->cap; i++)
			if (set->slot[i])
				name_set_insert(slot, cap, set->slot[i]);
		free(set->slot);
		set->slot = slot;
		set->cap = cap;
	}
	name_set_insert(set->slot, set->cap, xstrdup(s));
	set->n++;
	return true;
}

static void name_set_free(struct name_set *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slot[i]);
	free(set->slot);
	*set = (struct name_set){0};
}

/* ---- the application ----------------------------------------------------- */

struct dir_fixup {
	char *path; /* physical, relative to the root */
	mode_t mode;
	bool has_times;
	struct timespec ts[2];
	dev_t dev;
	ino_t ino;
	size_t seq;
};

struct layer_ctx {
	int rootfd;
	struct layer_apply_opts o;
	uint64_t declared;
	struct dir_fixup *dirs;
	size_t n_dirs, cap_dirs;
	struct name_set created; /* flat mode: paths this layer put in place */
	char *disp;		 /* the current entry's name, for messages */
};

static void layer_ctx_done(struct layer_ctx *c)
{
	for (size_t i = 0; i < c->n_dirs; i++)
		free(c->dirs[i].path);
	free(c->dirs);
	name_set_free(&c->created);
	free(c->disp);
}

struct entry_meta {
	uid_t uid;
	gid_t gid;
	mode_t mode;
	bool has_times;
	struct timespec ts[2]; /* atime, mtime */
};

static const char *entry_pathname(struct archive_entry *ent)
{
	/* Without a UTF-8 locale libarchive cannot convert a pax UTF-8 name to
	 * the locale's charset: take the UTF-8 form, the bytes on disk. */
	const char *p = archive_entry_pathname(ent);
	return p ? p : archive_entry_pathname_utf8(ent);
}

static const char *entry_hardlink(struct archive_entry *ent)
{
	const char *p = archive_entry_hardlink(ent);
	return p ? p : archive_entry_hardlink_utf8(ent);
}

static const char *entry_symlink(struct archive_entry *ent)
{
	const char *p = archive_entry_symlink(ent);
	return p ? p : archive_entry_symlink_utf8(ent);
}

static char *display_name(const char *raw)
{
	if (strlen(raw) > 200)
		return xasprintf("%.200s...", raw);
	return xstrdup(raw);
}

/* The entry's path relative to the root ("." for the root itself), or NULL
 * when a component is "..". */
static char *entry_relpath(const char *raw)
{
	while (*raw == '/')
		raw++;
	for (const char *s = raw; *s;) {
		size_t l = strcspn(s, "/");
		if (l == 2 && s[0] == '.' && s[1] == '.')
			return NULL;
		s += l;
		while (*s == '/')
			s++;
	}
	return path_clean(raw);
}

static size_t count_components(const char *s)
{
	size_t n = 0;
	while (*s) {
		while (*s == '/')
			s++;
		if (!*s)
			break;
		n++;
		s += strcspn(s, "/");
	}
	return n;
}

static void strbuf_truncate(struct strbuf *sb, size_t len)
{
	if (len < sb->len) {
		sb->buf[len] = '\0';
		sb->len = len;
	}
}

/* Walk the directory path dir (relative, no ".." of its own) the way the
 * kernel resolves it inside the root, following its symlinks.  Refuse a
 * symlink that climbs above the root (RESOLVE_IN_ROOT would quietly clamp
 * it to the root) or that leads to something missing.  *ret_phys gets the
 * path with the symlinks resolved ("" for the root).  Only the policy is
 * decided here: the descriptors come from openat2 afterwards. */
static int walk_dir_path(struct layer_ctx *c, const char *dir, char **ret_phys, struct err *e)
{
	_cleanup_strbuf_ struct strbuf cur = STRBUF_INIT;
	_cleanup_free_ char *rest = xstrdup(dir);
	_cleanup_free_ char *link = NULL, *link_target = NULL; /* the last symlink followed */
	size_t pos = 0, link_comps = 0;
	unsigned n_links = 0;
	bool missing = false;
	for (;;) {
		while (rest[pos] == '/')
			pos++;
		if (!rest[pos])
			break;
		size_t l = strcspn(rest + pos, "/");
		_cleanup_free_ char *comp = xstrndup(rest + pos, l);
		pos += l;
		bool from_link = link_comps > 0;
		if (from_link)
			link_comps--;
		if (streq(comp, "."))
			continue;
		if (streq(comp, "..")) {
			if (cur.len == 0)
				return err_set(e, ERR_INVALID,
					       "layer entry \"%s\": path escapes the layer root through symlink \"%s\"",
					       c->disp, link ? link : "?");
			char *slash = strrchr(cur.buf, '/');
			strbuf_truncate(&cur, slash ? (size_t)(slash - cur.buf) : 0);
			continue;
		}
		size_t saved = cur.len;
		if (cur.len)
			strbuf_addch(&cur, '/');
		strbuf_addstr(&cur, comp);
		if (missing)
			continue; /* created as a directory later */
		int fd = path_openat2(c->rootfd, cur.buf, O_PATH | O_NOFOLLOW, 0,
				      RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
		if (fd == -ENOENT) {
			if (from_link)
				return err_set(e, ERR_INVALID,
					       "layer entry \"%s\": symlink \"%s\" points to \"%.200s\", missing in the layer root",
					       c->disp, link, link_target);
			missing = true;
			continue;
		}
		if (fd < 0)
			return err_sys(e, fd, "layer entry \"%s\": open \"%s\"", c->disp, cur.buf);
		struct stat st;
		if (fstat(fd, &st) < 0) {
			int r = -errno;
			close(fd);
			return err_sys(e, r, "layer entry \"%s\": stat \"%s\"", c->disp, cur.buf);
		}
		if (!S_ISLNK(st.st_mode)) {
			close(fd);
			continue;
		}
		char target[LAYER_NAME_MAX + 1];
		ssize_t n = readlinkat(fd, "", target, sizeof(target));
		int r = -errno;
		close(fd);
		if (n < 0)
			return err_sys(e, r, "layer entry \"%s\": readlink \"%s\"", c->disp, cur.buf);
		if ((size_t)n >= sizeof(target))
			return err_set(e, ERR_INVALID, "layer entry \"%s\": symlink \"%s\" is too long",
				       c->disp, cur.buf);
		target[n] = '\0';
		if (++n_links > LAYER_MAX_SYMLINKS)
			return err_set(e, ERR_INVALID, "layer entry \"%s\": too many levels of symlinks",
				       c->disp);
		free(link);
		link = xstrdup(cur.buf);
		free(link_target);
		link_target = xstrdup(target);
		strbuf_truncate(&cur, saved);
		if (target[0] == '/')
			strbuf_reset(&cur);
		char *next = xasprintf("%s/%s", target, rest + pos);
		free(rest);
		rest = next;
		pos = 0;
		link_comps += count_components(target);
	}
	*ret_phys = strbuf_detach(&cur, NULL);
	return 0;
}

/* Open the directory that holds rel (created if missing when create) and
 * point *ret_name at rel's last component; *ret_phys (may be NULL) gets
 * the directory's path with symlinks resolved.  Returns an O_PATH
 * descriptor or -1 with e set. */
static int open_parent(struct layer_ctx *c, const char *rel, bool create, const char **ret_name,
		       char **ret_phys, struct err *e)
{
	const char *slash = strrchr(rel, '/');
	_cleanup_free_ char *parent = slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup("");
	*ret_name = slash ? slash + 1 : rel;
	/* The common case: an existing directory reached without symlinks. */
	int fd = path_openat2(c->rootfd, *parent ? parent : ".", O_PATH | O_DIRECTORY, 0,
			      RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (fd >= 0) {
		if (ret_phys)
			*ret_phys = TAKE_PTR(parent);
		return fd;
	}
	_cleanup_free_ char *phys = NULL;
	if (walk_dir_path(c, parent, &phys, e) < 0)
		return -1;
	const char *name;
	fd = path_open_parent_in_root(c->rootfd, rel, create, &name, e);
	if (fd < 0)
		return err_wrap(e, "layer entry \"%s\"", c->disp);
	if (ret_phys)
		*ret_phys = TAKE_PTR(phys);
	return fd;
}

static char *phys_join(const char *parent, const char *name)
{
	return *parent ? xasprintf("%s/%s", parent, name) : xstrdup(name);
}

/* Flat mode: remember that this layer put path (and so its parents) in
 * place.  A path present means its parents are too. */
static void created_add(struct layer_ctx *c, const char *path)
{
	if (c->o.overlay_whiteouts)
		return;
	_cleanup_free_ char *p = xstrdup(path);
	while (*p && name_set_add(&c->created, p)) {
		char *slash = strrchr(p, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
}

/* Clear the way for a new entry name below pfd.  An existing directory is
 * kept (returns 1) when a directory is wanted; anything else there is
 * removed, never followed.  Returns 0, 1 or -1 with e set. */
static int make_room(struct layer_ctx *c, int pfd, const char *name, bool want_dir, struct err *e)
{
	struct stat st;
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return err_sys(e, errno, "layer entry \"%s\": stat", c->disp);
	}
	if (S_ISDIR(st.st_mode)) {
		if (want_dir)
			return 1;
		if (rm_rf_at(pfd, name, e) < 0)
			return err_wrap(e, "layer entry \"%s\"", c->disp);
		return 0;
	}
	if (unlinkat(pfd, name, 0) < 0 && errno != ENOENT)
		return err_sys(e, errno, "layer entry \"%s\": remove the existing file", c->disp);
	return 0;
}

static int entry_meta_get(struct layer_ctx *c, struct archive_entry *ent, struct entry_meta *m,
			  struct err *e)
{
	la_int64_t uid = archive_entry_uid(ent), gid = archive_entry_gid(ent);
	if (uid < 0 || uid >= (la_int64_t)UINT32_MAX || gid < 0 || gid >= (la_int64_t)UINT32_MAX)
		return err_set(e, ERR_INVALID, "layer entry \"%s\": owner %lld:%lld out of range",
			       c->disp, (long long)uid, (long long)gid);
	m->uid = (uid_t)uid;
	m->gid = (gid_t)gid;
	m->mode = archive_entry_perm(ent) & 07777;
	m->has_times = archive_entry_mtime_is_set(ent);
	if (m->has_times) {
		m->ts[1].tv_sec = archive_entry_mtime(ent);
		m->ts[1].tv_nsec = archive_entry_mtime_nsec(ent);
		if (archive_entry_atime_is_set(ent)) {
			m->ts[0].tv_sec = archive_entry_atime(ent);
			m->ts[0].tv_nsec = archive_entry_atime_nsec(ent);
		} else {
			m->ts[0] = m->ts[1];
		}
		for (int i = 0; i < 2; i++)
			if (m->ts[i].tv_nsec < 0 || m->ts[i].tv_nsec >= 1000000000)
				m->ts[i].tv_nsec = 0;
	}
	return 0;
}

/* Set the entry's xattrs on fd, or (fd < 0) on name below pfd without
 * following it. */
static int apply_xattrs(struct layer_ctx *c, struct archive_entry *ent, int fd, int pfd,
			const char *name, struct err *e)
{
	if (archive_entry_xattr_reset(ent) == 0)
		return 0;
	const char *xname;
	const void *value;
	size_t len;
	while (archive_entry_xattr_next(ent, &xname, &value, &len) == ARCHIVE_OK) {
		if (!xname || !*xname)
			continue;
		/* overlayfs' own attributes (trusted.* as root, user.* with
		 * userxattr) would let a layer forge whiteouts, redirects and
		 * metacopy pointers into other layers. */
		if (startswith(xname, "trusted.overlay.") || startswith(xname, "user.overlay."))
			return err_set(e, ERR_INVALID,
				       "layer entry \"%s\": xattr \"%s\" is reserved for overlayfs",
				       c->disp, xname);
		if (startswith(xname, "security.") && !streq(xname, "security.capability"))
			continue;
		int r;
		if (fd >= 0) {
			r = fsetxattr(fd, xname, value, len, 0);
		} else {
			/* No fd-based lsetxattr before setxattrat (6.13): go through
			 * the parent's descriptor, not following the last component. */
			_cleanup_free_ char *p = xasprintf("/proc/self/fd/%d/%s", pfd, name);
			r = lsetxattr(p, xname, value, len, 0);
		}
		if (r < 0) {
			if (errno == ENOTSUP || errno == EPERM) {
				log_debug("layer entry \"%s\": xattr \"%s\" not set: %s", c->disp,
					  xname, strerror(errno));
				continue;
			}
			return err_sys(e, errno, "layer entry \"%s\": set xattr \"%s\"", c->disp,
				       xname);
		}
	}
	return 0;
}

/* Owner, mode, xattrs and times of a non-directory reached by name below
 * pfd (fd < 0) or by its own descriptor. */
static int apply_meta(struct layer_ctx *c, struct archive_entry *ent, const struct entry_meta *m,
		      int fd, int pfd, const char *name, bool is_symlink, struct err *e)
{
	/* chown clears set-id bits and capabilities: it goes first. */
	if (c->o.keep_owners) {
		int r = fd >= 0 ? fchown(fd, m->uid, m->gid)
				: fchownat(pfd, name, m->uid, m->gid, AT_SYMLINK_NOFOLLOW);
		if (r < 0)
			return err_sys(e, errno, "layer entry \"%s\": chown", c->disp);
	}
	if (!is_symlink) {
		int r = fd >= 0 ? fchmod(fd, m->mode) : fchmodat(pfd, name, m->mode, 0);
		if (r < 0)
			return err_sys(e, errno, "layer entry \"%s\": chmod", c->disp);
	}
	if (apply_xattrs(c, ent, fd, pfd, name, e) < 0)
		return -1;
	if (m->has_times) {
		int r = fd >= 0 ? futimens(fd, m->ts)
				: utimensat(pfd, name, m->ts, AT_SYMLINK_NOFOLLOW);
		if (r < 0)
			return err_sys(e, errno, "layer entry \"%s\": set times", c->disp);
	}
	return 0;
}

/* A failure of libarchive, or of the stream below it (reported as is: it
 * is about the layer, not the entry being read). */
static int archive_fail(struct source *s, struct archive *a, const char *disp, struct err *e)
{
	if (err_isset(&s->err)) {
		err_move(e, &s->err);
		return -1;
	}
	const char *msg = archive_error_string(a) ? archive_error_string(a) : "corrupt tar stream";
	if (disp)
		return err_set(e, ERR_INVALID, "layer entry \"%s\": %s", disp, msg);
	return err_set(e, ERR_INVALID, "layer: %s", msg);
}

static int write_regular(struct layer_ctx *c, struct source *s, struct archive *a,
			 struct archive_entry *ent, const struct entry_meta *m, int pfd,
			 const char *name, struct err *e)
{
	if (make_room(c, pfd, name, false, e) < 0)
		return -1;
	_cleanup_close_ int fd =
		openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
		       0600);
	if (fd < 0)
		return err_sys(e, errno, "layer entry \"%s\": create", c->disp);
	uint64_t size = (uint64_t)archive_entry_size(ent), pos = 0;
	for (;;) {
		const void *buf;
		size_t len;
		la_int64_t off;
		int r = archive_read_data_block(a, &buf, &len, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return archive_fail(s, a, c->disp, e);
		if (len == 0)
			continue;
		if (off < 0 || (uint64_t)off > size || len > size - (uint64_t)off)
			return err_set(e, ERR_INVALID,
				       "layer entry \"%s\": data beyond its declared size", c->disp);
		if ((uint64_t)off != pos && lseek(fd, off, SEEK_SET) < 0)
			return err_sys(e, errno, "layer entry \"%s\": seek", c->disp);
		r = write_all(fd, buf, len);
		if (r < 0)
			return err_sys(e, r, "layer entry \"%s\": write", c->disp);
		pos = (uint64_t)off + len;
	}
	/* A sparse file may end in a hole. */
	if (pos < size && ftruncate(fd, (off_t)size) < 0)
		return err_sys(e, errno, "layer entry \"%s\": truncate", c->disp);
	return apply_meta(c, ent, m, fd, pfd, name, false, e);
}

static int make_directory(struct layer_ctx *c, struct archive_entry *ent,
			  const struct entry_meta *m, int pfd, const char *name, const char *phys,
			  struct err *e)
{
	int kept = make_room(c, pfd, name, true, e);
	if (kept < 0)
		return -1;
	/* 0700 until the end: the layer's own mode could lock us out. */
	if (!kept && mkdirat(pfd, name, 0700) < 0)
		return err_sys(e, errno, "layer entry \"%s\": mkdir", c->disp);
	_cleanup_close_ int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, errno, "layer entry \"%s\": open", c->disp);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return err_sys(e, errno, "layer entry \"%s\": stat", c->disp);
	if (c->o.keep_owners && fchown(fd, m->uid, m->gid) < 0)
		return err_sys(e, errno, "layer entry \"%s\": chown", c->disp);
	if (apply_xattrs(c, ent, fd, pfd, name, e) < 0)
		return -1;
	if (c->n_dirs == c->cap_dirs) {
		c->cap_dirs = c->cap_dirs ? c->cap_dirs * 2 : 64;
		c->dirs = xreallocarray(c->dirs, c->cap_dirs, sizeof(*c->dirs));
	}
	c->dirs[c->n_dirs] = (struct dir_fixup){
		.path = xstrdup(phys),
		.mode = m->mode,
		.has_times = m->has_times,
		.ts = {m->ts[0], m->ts[1]},
		.dev = st.st_dev,
		.ino = st.st_ino,
		.seq = c->n_dirs,
	};
	c->n_dirs++;
	return 0;
}

static int make_hardlink(struct layer_ctx *c, struct archive_entry *ent, const char *rel,
			 int pfd, const char *name, struct err *e)
{
	const char *traw = entry_hardlink(ent);
	if (strlen(traw) > LAYER_NAME_MAX)
		return err_set(e, ERR_INVALID, "layer entry \"%s\": hardlink target longer than %d bytes",
			       c->disp, LAYER_NAME_MAX);
	_cleanup_free_ char *trel = entry_relpath(traw);
	if (!trel)
		return err_set(e, ERR_INVALID,
			       "layer entry \"%s\": hardlink target \"%.200s\" escapes the layer root",
			       c->disp, traw);
	if (streq(trel, "."))
		return err_set(e, ERR_INVALID, "layer entry \"%s\": hardlink to the layer root",
			       c->disp);
	if (streq(trel, rel))
		return 0;
	const char *tname;
	_cleanup_close_ int tpfd = open_parent(c, trel, false, &tname, NULL, e);
	if (tpfd < 0 && e && e->errnum == ENOENT)
		return err_set(e, ERR_INVALID,
			       "layer entry \"%s\": hardlink target \"%.200s\" does not exist",
			       c->disp, traw);
	if (tpfd < 0)
		return -1;
	struct stat st;
	if (fstatat(tpfd, tname, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return err_set(e, ERR_INVALID,
				       "layer entry \"%s\": hardlink target \"%.200s\" does not exist",
				       c->disp, traw);
		return err_sys(e, errno, "layer entry \"%s\": hardlink target \"%.200s\"", c->disp,
			       traw);
	}
	if (S_ISDIR(st.st_mode))
		return err_set(e, ERR_INVALID,
			       "layer entry \"%s\": hardlink target \"%.200s\" is a directory", c->disp,
			       traw);
	if (make_room(c, pfd, name, false, e) < 0)
		return -1;
	if (linkat(tpfd, tname, pfd, name, 0) < 0)
		return err_sys(e, errno, "layer entry \"%s\": link to \"%.200s\"", c->disp, traw);
	return 0;
}

static int make_special(struct layer_ctx *c, struct archive_entry *ent,
			const struct entry_meta *m, int pfd, const char *name, struct err *e)
{
	mode_t type = archive_entry_filetype(ent);
	if (make_room(c, pfd, name, false, e) < 0)
		return -1;
	if (type == AE_IFLNK) {
		const char *target = entry_symlink(ent);
		if (!target || !*target)
			return err_set(e, ERR_INVALID, "layer entry \"%s\": symlink without a target",
				       c->disp);
		if (strlen(target) > LAYER_NAME_MAX)
			return err_set(e, ERR_INVALID,
				       "layer entry \"%s\": symlink target longer than %d bytes",
				       c->disp, LAYER_NAME_MAX);
		if (symlinkat(target, pfd, name) < 0)
			return err_sys(e, errno, "layer entry \"%s\": symlink", c->disp);
		return apply_meta(c, ent, m, -1, pfd, name, true, e);
	}
	dev_t dev = 0;
	mode_t kind;
	if (type == AE_IFCHR || type == AE_IFBLK) {
		kind = type == AE_IFCHR ? S_IFCHR : S_IFBLK;
		dev = makedev(archive_entry_rdevmajor(ent), archive_entry_rdevminor(ent));
	} else if (type == AE_IFIFO) {
		kind = S_IFIFO;
	} else {
		return err_set(e, ERR_UNSUPPORTED, "layer entry \"%s\": unsupported file type 0%o",
			       c->disp, (unsigned)type);
	}
	if (mknodat(pfd, name, kind | 0600, dev) < 0)
		return err_sys(e, errno, "layer entry \"%s\": mknod", c->disp);
	return apply_meta(c, ent, m, -1, pfd, name, false, e);
}

/* Flat mode, opaque directory: remove below dfd (the directory at dpath)
 * everything this layer did not create. */
static int remove_unclaimed(struct layer_ctx *c, int dfd, const char *dpath, int depth,
			    struct err *e)
{
	if (depth > LAYER_MAX_DEPTH)
		return err_set(e, ERR_INVALID, "layer entry \"%s\": directory tree too deep", c->disp);
	int dup = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dup < 0)
		return err_sys(e, errno, "layer entry \"%s\": open \"%s\"", c->disp, dpath);
	DIR *d = fdopendir(dup);
	if (!d) {
		int r = -errno;
		close(dup);
		return err_sys(e, r, "layer entry \"%s\": opendir \"%s\"", c->disp, dpath);
	}
	struct stat dst;
	int ret = 0;
	if (fstat(dirfd(d), &dst) < 0)
		ret = err_sys(e, errno, "layer entry \"%s\": stat \"%s\"", c->disp, dpath);
	struct dirent *de;
	while (ret == 0 && (de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		_cleanup_free_ char *child = phys_join(dpath, de->d_name);
		if (!name_set_has(&c->created, child)) {
			if (rm_rf_at(dirfd(d), de->d_name, e) < 0)
				ret = err_wrap(e, "layer entry \"%s\"", c->disp);
			continue;
		}
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			ret = err_sys(e, errno, "layer entry \"%s\": stat \"%s\"", c->disp, child);
			continue;
		}
		if (!S_ISDIR(st.st_mode) || st.st_dev != dst.st_dev)
			continue;
		int cfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0) {
			ret = err_sys(e, errno, "layer entry \"%s\": open \"%s\"", c->disp, child);
			continue;
		}
		ret = remove_unclaimed(c, cfd, child, depth + 1, e);
		close(cfd);
	}
	closedir(d);
	return ret;
}

static int apply_whiteout(struct layer_ctx *c, struct archive_entry *ent, const char *rel,
			  const char *base, struct err *e)
{
	if (!streq(base, WHITEOUT_OPAQUE) && startswith(base, WHITEOUT_META_PREFIX))
		return 0; /* aufs metadata (.wh..wh.plnk, .wh..wh.aufs) */
	const char *target = base + strlen(WHITEOUT_PREFIX);
	if (!streq(base, WHITEOUT_OPAQUE) && (!*target || streq(target, ".") || streq(target, "..")))
		return err_set(e, ERR_INVALID, "layer entry \"%s\": bad whiteout", c->disp);
	const char *name;
	_cleanup_free_ char *dphys = NULL;
	_cleanup_close_ int pfd = open_parent(c, rel, true, &name, &dphys, e);
	if (pfd < 0)
		return -1;

	if (streq(base, WHITEOUT_OPAQUE)) {
		if (c->o.overlay_whiteouts) {
			_cleanup_close_ int dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dfd < 0)
				return err_sys(e, errno, "layer entry \"%s\": open", c->disp);
			if (fsetxattr(dfd, "trusted.overlay.opaque", "y", 1, 0) < 0)
				return err_sys(e, errno,
					       "layer entry \"%s\": set trusted.overlay.opaque",
					       c->disp);
			return 0;
		}
		if (*dphys)
			created_add(c, dphys);
		return remove_unclaimed(c, pfd, dphys, 0, e);
	}

	if (!c->o.overlay_whiteouts) {
		if (rm_rf_at(pfd, target, e) < 0)
			return err_wrap(e, "layer entry \"%s\"", c->disp);
		return 0;
	}
	struct entry_meta m;
	if (entry_meta_get(c, ent, &m, e) < 0)
		return -1;
	if (make_room(c, pfd, target, false, e) < 0)
		return -1;
	if (mknodat(pfd, target, S_IFCHR | 0, makedev(0, 0)) < 0)
		return err_sys(e, errno, "layer entry \"%s\": mknod whiteout", c->disp);
	if (c->o.keep_owners && fchownat(pfd, target, m.uid, m.gid, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, errno, "layer entry \"%s\": chown whiteout", c->disp);
	return 0;
}

static int apply_entry(struct layer_ctx *c, struct source *s, struct archive *a,
		       struct archive_entry *ent, struct err *e)
{
	const char *raw = entry_pathname(ent);
	if (!raw)
		return err_set(e, ERR_INVALID, "layer: entry without a name");
	free(c->disp);
	c->disp = display_name(raw);
	if (strlen(raw) > LAYER_NAME_MAX)
		return err_set(e, ERR_INVALID, "layer entry \"%s\": name longer than %d bytes",
			       c->disp, LAYER_NAME_MAX);
	_cleanup_free_ char *rel = entry_relpath(raw);
	if (!rel)
		return err_set(e, ERR_INVALID, "layer entry \"%s\": path escapes the layer root",
			       c->disp);

	la_int64_t ssize = archive_entry_size_is_set(ent) ? archive_entry_size(ent) : 0;
	if (ssize < 0)
		return err_set(e, ERR_INVALID, "layer entry \"%s\": negative size", c->disp);
	uint64_t size = (uint64_t)ssize;
	if (c->o.max_entry_size && size > c->o.max_entry_size)
		return err_set(e, ERR_INVALID,
			       "layer entry \"%s\": %llu bytes, more than the limit of %llu", c->disp,
			       (unsigned long long)size, (unsigned long long)c->o.max_entry_size);
	if (size > c->o.max_total_size - c->declared)
		return err_set(e, ERR_INVALID,
			       "layer entry \"%s\": the layer is larger than the limit of %llu bytes",
			       c->disp, (unsigned long long)c->o.max_total_size);
	c->declared += size;

	if (streq(rel, "."))
		return 0; /* the root: its metadata belongs to whoever made dirfd */
	const char *base = strrchr(rel, '/');
	base = base ? base + 1 : rel;
	if (startswith(rel, WHITEOUT_META_PREFIX) && !streq(rel, WHITEOUT_OPAQUE))
		return 0; /* below a top-level aufs metadata directory */
	if (startswith(base, WHITEOUT_PREFIX))
		return apply_whiteout(c, ent, rel, base, e);

	struct entry_meta m;
	if (entry_meta_get(c, ent, &m, e) < 0)
		return -1;
	const char *name;
	_cleanup_free_ char *dphys = NULL;
	_cleanup_close_ int pfd = open_parent(c, rel, true, &name, &dphys, e);
	if (pfd < 0)
		return -1;
	_cleanup_free_ char *phys = phys_join(dphys, name);

	int r;
	if (entry_hardlink(ent))
		r = make_hardlink(c, ent, rel, pfd, name, e);
	else if (archive_entry_filetype(ent) == AE_IFREG)
		r = write_regular(c, s, a, ent, &m, pfd, name, e);
	else if (archive_entry_filetype(ent) == AE_IFDIR)
		r = make_directory(c, ent, &m, pfd, name, phys, e);
	else
		r = make_special(c, ent, &m, pfd, name, e);
	if (r < 0)
		return -1;
	created_add(c, phys);
	return 0;
}

static int dir_fixup_cmp(const void *pa, const void *pb)
{
	const struct dir_fixup *a = pa, *b = pb;
	/* Children (longer, same prefix) before parents; the latest entry for
	 * a path first. */
	int r = strcmp(b->path, a->path);
	if (r)
		return r;
	return a->seq < b->seq ? 1 : a->seq > b->seq ? -1 : 0;
}

/* Directory modes and times, now that their content is in place. */
static int apply_dir_fixups(struct layer_ctx *c, struct err *e)
{
	if (c->n_dirs > 1)
		qsort(c->dirs, c->n_dirs, sizeof(*c->dirs), dir_fixup_cmp);
	for (size_t i = 0; i < c->n_dirs; i++) {
		const struct dir_fixup *d = &c->dirs[i];
		if (i > 0 && streq(d->path, c->dirs[i - 1].path))
			continue;
		_cleanup_close_ int fd =
			path_open_in_root(c->rootfd, d->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
		if (fd == -ENOENT || fd == -ENOTDIR || fd == -ELOOP)
			continue; /* replaced or removed by a later entry */
		if (fd < 0)
			return err_sys(e, fd, "layer: open directory \"%.200s\"", d->path);
		struct stat st;
		if (fstat(fd, &st) < 0)
			return err_sys(e, errno, "layer: stat directory \"%.200s\"", d->path);
		if (st.st_dev != d->dev || st.st_ino != d->ino)
			continue;
		if (fchmod(fd, d->mode) < 0)
			return err_sys(e, errno, "layer: chmod directory \"%.200s\"", d->path);
		if (d->has_times && futimens(fd, d->ts) < 0)
			return err_sys(e, errno, "layer: set times of directory \"%.200s\"", d->path);
	}
	return 0;
}

static int layer_run(struct layer_ctx *c, struct source *s, struct archive *a, struct err *e)
{
	archive_read_support_format_tar(a);
	archive_read_support_format_empty(a);
	if (archive_read_open(a, s, NULL, source_read_cb, NULL) != ARCHIVE_OK)
		return archive_fail(s, a, NULL, e);
	for (;;) {
		struct archive_entry *ent;
		int r = archive_read_next_header(a, &ent);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return archive_fail(s, a, NULL, e);
		if (apply_entry(c, s, a, ent, e) < 0)
			return -1;
	}
	/* Hash the rest: the tar's trailing blocks, the compression trailer. */
	for (;;) {
		const void *buf;
		ssize_t n = source_produce(s, &buf);
		if (n < 0) {
			err_move(e, &s->err);
			return -1;
		}
		if (n == 0)
			break;
	}
	return apply_dir_fixups(c, e);
}

int layer_apply(int dirfd, int fd, const struct layer_apply_opts *o, struct layer_result *ret,
		struct err *e)
{
	struct layer_ctx c = {.rootfd = dirfd};
	if (o)
		c.o = *o;
	else
		c.o.keep_owners = geteuid() == 0;
	if (!c.o.max_total_size)
		c.o.max_total_size = LAYER_DEFAULT_MAX_TOTAL;
	struct source s = {.err = ERR_INIT};
	struct archive *a = NULL;
	int r;
	if (source_open(&s, fd, c.o.max_total_size, !c.o.input_verified) < 0) {
		err_move(e, &s.err);
		r = -1;
	} else {
		a = archive_read_new();
		if (!a)
			r = err_set(e, ERR_INTERNAL, "layer: cannot create an archive reader");
		else
			r = layer_run(&c, &s, a, e);
	}
	if (a)
		archive_read_free(a);
	if (r == 0 && ret) {
		*ret = (struct layer_result){
			.compressed_digest = s.cdig ? digest_final_string(s.cdig) : NULL,
			.diff_id = digest_final_string(s.udig),
			.size = s.csize,
			.uncompressed_size = s.usize,
		};
	}
	source_done(&s);
	layer_ctx_done(&c);
	return r;
}

void layer_result_clear(struct layer_result *r)
{
	if (!r)
		return;
	free(r->compressed_digest);
	free(r->diff_id);
	*r = (struct layer_result){0};
}
