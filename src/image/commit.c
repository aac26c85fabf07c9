/* commit.c: see commit.h.
 *
 * The pipeline: tar bytes are staged in one buffer; each full buffer is
 * hashed (the diff_id), counted (the size) and deflated into the store's
 * blob writer, which hashes the compressed bytes (the blob digest).  File
 * contents are read straight into that buffer.
 *
 * The walk holds one directory descriptor at a time: before going down
 * into a subdirectory it closes its own, and opens it again afterwards from
 * the root, beneath it and through no symlink (openat2), checking that it
 * is the same directory.  However deep the tree, a handful of descriptors
 * stay open. */
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

#include "base/digest.h"
#include "base/fd-util.h"
#include "base/fs-util.h"
#include "base/path-util.h"
#include "base/strbuf.h"
#include "image/commit.h"
#include "image/store.h"

#define COMMIT_BUF_SIZE (256 * 1024)
/* layer.c's LAYER_NAME_MAX: layer_apply refuses longer names and link
 * targets, so a layer holding one could never be used. */
#define COMMIT_NAME_MAX 4096
/* A backstop against recursion: with names of at most 4096 bytes a tree
 * is at most 2048 directories deep before the name check stops it. */
#define COMMIT_MAX_DEPTH 4096
/* gzip level 1: a commit (every build step, every `commit`) waits for the
 * compression, which at level 1 runs about twice as fast as at zlib's
 * default 6 for blobs some 15% larger (55 MB of /usr/lib/python3: 0.8 s
 * and 18.6 MB against 1.7 s and 16.3 MB); the blob is read back only by a
 * push, where the size matters less than the wait does on every build. */
#define COMMIT_GZIP_LEVEL 1
#define TAR_BLOCK 512
#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"

/* ---- the output stream: tar -> sha256 -> gzip -> blob ---- */

struct tar_out {
	int fd; /* >= 0: a plain tar written to fd (no hash, no gzip, no blob) */
	struct store_blob_writer *w;
	struct digest_ctx *dig;
	z_stream z;
	bool z_ready;
	unsigned char *in, *out; /* COMMIT_BUF_SIZE each */
	size_t in_len;
	uint64_t size; /* tar bytes hashed so far */
};

/* Deflate what z has as input, writing the output to the blob. */
static int out_deflate(struct tar_out *t, int flush, struct err *e)
{
	int r;
	do {
		t->z.next_out = t->out;
		t->z.avail_out = COMMIT_BUF_SIZE;
		r = deflate(&t->z, flush);
		if (r == Z_STREAM_ERROR)
			return err_set(e, ERR_INTERNAL, "gzip: deflate failed");
		size_t have = COMMIT_BUF_SIZE - t->z.avail_out;
		if (have && store_blob_writer_write(t->w, t->out, have, e) < 0)
			return -1;
	} while (t->z.avail_out == 0);
	if (flush == Z_FINISH && r != Z_STREAM_END)
		return err_set(e, ERR_INTERNAL, "gzip: incomplete stream");
	return 0;
}

/* Pass the staged tar bytes on. */
static int out_flush(struct tar_out *t, struct err *e)
{
	if (!t->in_len)
		return 0;
	if (t->fd >= 0) {
		size_t len = t->in_len;
		t->in_len = 0;
		t->size += len;
		int r = write_all(t->fd, t->in, len);
		if (r < 0)
			return err_sys(e, r, "write the tar");
		return 0;
	}
	digest_update(t->dig, t->in, t->in_len);
	t->size += t->in_len;
	t->z.next_in = t->in;
	t->z.avail_in = (uInt)t->in_len;
	t->in_len = 0;
	return out_deflate(t, Z_NO_FLUSH, e);
}

static int out_write(struct tar_out *t, const void *buf, size_t len, struct err *e)
{
	const unsigned char *p = buf;
	while (len) {
		if (t->in_len == COMMIT_BUF_SIZE && out_flush(t, e) < 0)
			return -1;
		size_t n = COMMIT_BUF_SIZE - t->in_len;
		if (n > len)
			n = len;
		memcpy(t->in + t->in_len, p, n);
		t->in_len += n;
		p += n;
		len -= n;
	}
	return 0;
}

static int out_zeros(struct tar_out *t, size_t len, struct err *e)
{
	static const unsigned char zero[TAR_BLOCK];
	while (len) {
		size_t n = len < sizeof(zero) ? len : sizeof(zero);
		if (out_write(t, zero, n, e) < 0)
			return -1;
		len -= n;
	}
	return 0;
}

/* Zeros up to the next block boundary after `size` bytes of data. */
static int out_pad(struct tar_out *t, uint64_t size, struct err *e)
{
	size_t rem = (size_t)(size % TAR_BLOCK);
	return rem ? out_zeros(t, TAR_BLOCK - rem, e) : 0;
}

/* Exactly size bytes of fd, read into the staging buffer. */
static int out_copy_fd(struct tar_out *t, int fd, uint64_t size, const char *disp, struct err *e)
{
	while (size) {
		if (t->in_len == COMMIT_BUF_SIZE && out_flush(t, e) < 0)
			return -1;
		size_t room = COMMIT_BUF_SIZE - t->in_len;
		if (room > size)
			room = (size_t)size;
		ssize_t n = read(fd, t->in + t->in_len, room);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return err_sys(e, errno, "\"%.200s\": read", disp);
		}
		if (n == 0)
			return err_set(e, ERR_CONFLICT, "\"%.200s\": file shrank while read", disp);
		t->in_len += (size_t)n;
		size -= (uint64_t)n;
	}
	return 0;
}

static void out_done(struct tar_out *t)
{
	if (t->z_ready)
		deflateEnd(&t->z);
	store_blob_writer_abort(t->w);
	digest_free(t->dig);
	free(t->in);
	free(t->out);
}

/* ---- tar headers ---- */

struct xattr {
	char *name;
	char *value;
	size_t len;
};

struct xattr_list {
	struct xattr *v;
	size_t n;
};

static void xattr_list_clear(struct xattr_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].value);
	}
	free(l->v);
	*l = (struct xattr_list){0};
}

struct tar_entry {
	const char *name; /* relative; a directory's ends in "/" */
	const char *link; /* type '1' and '2' */
	char type;
	mode_t mode;
	uint64_t uid, gid, size;
	int64_t mtime;
	unsigned dev_major, dev_minor;
	const struct xattr_list *xattrs; /* sorted by name; may be NULL */
};

/* Whether v fits in a ustar numeric field of width bytes: width - 1 octal
 * digits and a NUL. */
static bool octal_fits(uint64_t v, size_t width)
{
	return 3 * (width - 1) >= 64 || v < (1ull << (3 * (width - 1)));
}

static void put_octal(char *field, size_t width, uint64_t v)
{
	char tmp[32];
	snprintf(tmp, sizeof(tmp), "%0*llo", (int)(width - 1), (unsigned long long)v);
	memcpy(field, tmp, width - 1);
	field[width - 1] = '\0';
}

static size_t decimal_digits(size_t v)
{
	size_t n = 1;
	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* One pax record, "<length> <key>=<value>\n", the length counting itself
 * (POSIX.1-2008 pax, extended header). */
static void pax_add(struct strbuf *sb, const char *key, const void *value, size_t len)
{
	size_t base = strlen(key) + len + 3; /* ' ', '=', '\n' */
	size_t total = base + decimal_digits(base);
	if (decimal_digits(total) != decimal_digits(base))
		total = base + decimal_digits(total);
	strbuf_addf(sb, "%zu %s=", total, key);
	strbuf_add(sb, value, len);
	strbuf_addch(sb, '\n');
}

static void pax_add_num(struct strbuf *sb, const char *key, long long v)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%lld", v);
	pax_add(sb, key, buf, (size_t)n);
}

static bool utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n;
		uint32_t cp;
		if (*p < 0x80) {
			p++;
			continue;
		} else if ((*p & 0xe0) == 0xc0) {
			n = 1;
			cp = *p & 0x1f;
		} else if ((*p & 0xf0) == 0xe0) {
			n = 2;
			cp = *p & 0x0f;
		} else if ((*p & 0xf8) == 0xf0) {
			n = 3;
			cp = *p & 0x07;
		} else {
			return false;
		}
		for (size_t i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		static const uint32_t min[] = {0, 0x80, 0x800, 0x10000};
		if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += n + 1;
	}
	return true;
}

/* A ustar header block. */
static void header_block(unsigned char b[TAR_BLOCK], const struct tar_entry *h)
{
	memset(b, 0, TAR_BLOCK);
	char *c = (char *)b;
	size_t nlen = strlen(h->name);
	/* Longer names are in the pax header; this is for readers of plain
	 * ustar only. */
	memcpy(c, h->name, nlen > 100 ? 100 : nlen);
	put_octal(c + 100, 8, h->mode & 07777);
	put_octal(c + 108, 8, octal_fits(h->uid, 8) ? h->uid : 0);
	put_octal(c + 116, 8, octal_fits(h->gid, 8) ? h->gid : 0);
	put_octal(c + 124, 12, octal_fits(h->size, 12) ? h->size : 0);
	put_octal(c + 136, 12,
		  h->mtime >= 0 && octal_fits((uint64_t)h->mtime, 12) ? (uint64_t)h->mtime : 0);
	c[156] = h->type;
	if (h->link) {
		size_t llen = strlen(h->link);
		memcpy(c + 157, h->link, llen > 100 ? 100 : llen);
	}
	memcpy(c + 257, "ustar\0" "00", 8);
	/* uname (265) and gname (297) stay empty: ids only. */
	if (h->type == '3' || h->type == '4') {
		put_octal(c + 329, 8, h->dev_major);
		put_octal(c + 337, 8, h->dev_minor);
	}
	/* The checksum: the sum of the bytes with its own field as spaces. */
	memset(c + 148, ' ', 8);
	unsigned sum = 0;
	for (size_t i = 0; i < TAR_BLOCK; i++)
		sum += b[i];
	snprintf(c + 148, 8, "%06o", sum);
	c[155] = ' ';
}

static int tar_header(struct tar_out *t, const struct tar_entry *h, struct err *e)
{
	size_t nlen = strlen(h->name), llen = h->link ? strlen(h->link) : 0;
	if (nlen > COMMIT_NAME_MAX)
		return err_set(e, ERR_UNSUPPORTED, "\"%.200s...\": name longer than %d bytes",
			       h->name, COMMIT_NAME_MAX);
	if (llen > COMMIT_NAME_MAX)
		return err_set(e, ERR_UNSUPPORTED, "\"%.200s\": link target longer than %d bytes",
			       h->name, COMMIT_NAME_MAX);
	if (!octal_fits(h->dev_major, 8) || !octal_fits(h->dev_minor, 8))
		return err_set(e, ERR_UNSUPPORTED, "\"%.200s\": device number %u:%u too large",
			       h->name, h->dev_major, h->dev_minor);

	/* The pax records, in a fixed order. */
	_cleanup_strbuf_ struct strbuf pax = STRBUF_INIT;
	bool long_name = nlen > 100, long_link = llen > 100;
	/* pax path and linkpath are UTF-8 unless said otherwise; Linux names
	 * are bytes. */
	if ((long_name && !utf8_valid(h->name)) || (long_link && !utf8_valid(h->link)))
		pax_add(&pax, "hdrcharset", "BINARY", 6);
	if (long_name)
		pax_add(&pax, "path", h->name, nlen);
	if (long_link)
		pax_add(&pax, "linkpath", h->link, llen);
	if (!octal_fits(h->size, 12))
		pax_add_num(&pax, "size", (long long)h->size);
	if (!octal_fits(h->uid, 8))
		pax_add_num(&pax, "uid", (long long)h->uid);
	if (!octal_fits(h->gid, 8))
		pax_add_num(&pax, "gid", (long long)h->gid);
	if (h->mtime < 0 || !octal_fits((uint64_t)h->mtime, 12))
		pax_add_num(&pax, "mtime", (long long)h->mtime);
	for (size_t i = 0; h->xattrs && i < h->xattrs->n; i++) {
		_cleanup_free_ char *key = xasprintf("SCHILY.xattr.%s", h->xattrs->v[i].name);
		pax_add(&pax, key, h->xattrs->v[i].value, h->xattrs->v[i].len);
	}

	unsigned char b[TAR_BLOCK];
	if (pax.len) {
		/* Its name matters to no pax reader: "PaxHeaders.0/<base>", as
		 * Go's archive/tar writes it. */
		const char *end = h->name + nlen;
		while (end > h->name && end[-1] == '/')
			end--;
		const char *base = end;
		while (base > h->name && base[-1] != '/')
			base--;
		_cleanup_free_ char *xname =
			xasprintf("PaxHeaders.0/%.*s", (int)(end - base), base);
		struct tar_entry x = {
			.name = xname,
			.type = 'x',
			.mode = 0644,
			.size = pax.len,
		};
		header_block(b, &x);
		if (out_write(t, b, TAR_BLOCK, e) < 0 || out_write(t, pax.buf, pax.len, e) < 0 ||
		    out_pad(t, pax.len, e) < 0)
			return -1;
	}
	header_block(b, h);
	return out_write(t, b, TAR_BLOCK, e);
}

/* ---- xattrs ---- */

/* An entry's xattrs, through its descriptor (fd >= 0), or by its name
 * below pfd, not followed (symlinks, devices: not to be opened).  There is
 * no descriptor-based lgetxattr before getxattrat (6.13): the name goes
 * through /proc/self/fd/<pfd>/, as layer.c does. */
struct xattr_target {
	int fd;
	char *path; /* when fd < 0 */
};

static ssize_t xt_list(const struct xattr_target *x, char *buf, size_t size)
{
	return x->fd >= 0 ? flistxattr(x->fd, buf, size) : llistxattr(x->path, buf, size);
}

static ssize_t xt_get(const struct xattr_target *x, const char *name, void *buf, size_t size)
{
	return x->fd >= 0 ? fgetxattr(x->fd, name, buf, size) : lgetxattr(x->path, name, buf, size);
}

static int xt_remove(const struct xattr_target *x, const char *name)
{
	return x->fd >= 0 ? fremovexattr(x->fd, name) : lremovexattr(x->path, name);
}

/* Read one value (at most XATTR_SIZE_MAX, 64 KiB, the kernel's own cap).
 * Returns its length, -ENODATA when gone, or -1 with e set. */
static ssize_t xt_value(const struct xattr_target *x, const char *name, char **ret,
			const char *disp, struct err *e)
{
	for (int attempt = 0; attempt < 8; attempt++) {
		ssize_t n = xt_get(x, name, NULL, 0);
		if (n < 0) {
			if (errno == ENODATA)
				return -ENODATA;
			return err_sys(e, errno, "\"%.200s\": read xattr \"%s\"", disp, name);
		}
		if (n > 65536)
			return err_set(e, ERR_INVALID, "\"%.200s\": xattr \"%s\" too large", disp,
				       name);
		char *buf = xmalloc((size_t)n + 1);
		ssize_t m = xt_get(x, name, buf, (size_t)n);
		if (m >= 0) {
			buf[m] = '\0';
			*ret = buf;
			return m;
		}
		int r = errno;
		free(buf);
		if (r == ENODATA)
			return -ENODATA;
		if (r != ERANGE)
			return err_sys(e, r, "\"%.200s\": read xattr \"%s\"", disp, name);
	}
	return err_set(e, ERR_CONFLICT, "\"%.200s\": xattr \"%s\" keeps changing", disp, name);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int xattr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct xattr *)a)->name, ((const struct xattr *)b)->name);
}

/* Names of x's xattrs, as a NULL-terminated array (strings into *ret_buf). */
static int xt_names(const struct xattr_target *x, char **ret_buf, char ***ret, const char *disp,
		    struct err *e)
{
	*ret_buf = NULL;
	*ret = NULL;
	_cleanup_free_ char *buf = NULL;
	ssize_t n = 0;
	for (int attempt = 0;; attempt++) {
		n = xt_list(x, NULL, 0);
		if (n < 0 && (errno == ENOTSUP || errno == EOPNOTSUPP))
			n = 0; /* a file system without xattrs */
		if (n < 0)
			return err_sys(e, errno, "\"%.200s\": list xattrs", disp);
		if (n == 0)
			return 0;
		free(buf);
		buf = xmalloc((size_t)n + 1);
		ssize_t m = xt_list(x, buf, (size_t)n);
		if (m >= 0) {
			n = m;
			break;
		}
		if (errno != ERANGE || attempt >= 8)
			return err_sys(e, errno, "\"%.200s\": list xattrs", disp);
	}
	buf[n] = '\0';
	size_t count = 0;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			count++;
	char **names = xnew(char *, count + 1);
	size_t k = 0;
	for (char *p = buf; p < buf + n && k < count; p += strlen(p) + 1)
		if (*p)
			names[k++] = p;
	qsort(names, k, sizeof(*names), name_cmp);
	*ret_buf = TAKE_PTR(buf);
	*ret = names;
	return 0;
}

/* How a walk treats what it reads. */
enum walk_flags {
	/* An overlay upper directory: whiteouts, opaque directories, overlay
	 * state refused, one file system, no ".wh." names. */
	WALK_OVERLAY = 1 << 0,
	/* The directory is left as it is (no overlay xattr removed, no
	 * socket unlinked): layer_commit_copy, tar_write_tree. */
	WALK_READONLY = 1 << 1,
};

/* Read an entry's xattrs: those a layer carries go to *carry (may be NULL:
 * none wanted), sorted by name; overlay's own are removed from the entry
 * (unless WALK_READONLY), but for the opaque marker (*opaque: its value is
 * "y").  With WALK_OVERLAY, overlay state that the upper directory cannot
 * stand for alone is refused; without, overlay's xattrs are skipped. */
static int scan_xattrs(const struct xattr_target *x, const char *disp, struct xattr_list *carry,
		       bool *opaque, unsigned flags, struct err *e)
{
	if (opaque)
		*opaque = false;
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ char **names = NULL;
	if (xt_names(x, &buf, &names, disp, e) < 0)
		return -1;
	for (char **np = names; np && *np; np++) {
		const char *name = *np;
		const char *ovl = startswith(name, "trusted.overlay.")
					  ? name + strlen("trusted.overlay.")
				  : startswith(name, "user.overlay.") ? name + strlen("user.overlay.")
								      : NULL;
		if (ovl && !(flags & WALK_OVERLAY))
			continue;
		if (ovl) {
			if (streq(ovl, "redirect"))
				return err_set(e, ERR_UNSUPPORTED,
					       "\"%.200s\": a directory renamed from a lower layer "
					       "(%s): the overlay must be mounted with redirect_dir=off",
					       disp, name);
			if (streq(ovl, "metacopy"))
				return err_set(e, ERR_UNSUPPORTED,
					       "\"%.200s\": a metadata-only copy-up (%s): the overlay "
					       "must be mounted with metacopy=off",
					       disp, name);
			if (streq(ovl, "opaque")) {
				_cleanup_free_ char *v = NULL;
				ssize_t n = xt_value(x, name, &v, disp, e);
				if (n == -1)
					return -1;
				if (opaque && n == 1 && v[0] == 'y')
					*opaque = true;
				continue;
			}
			if (flags & WALK_READONLY)
				continue;
			if (xt_remove(x, name) < 0 && errno != ENODATA)
				return err_sys(e, errno, "\"%.200s\": remove xattr \"%s\"", disp, name);
			continue;
		}
		if (!carry || !(streq(name, "security.capability") || startswith(name, "user.")))
			continue;
		/* A pax key ends at its '=': such a name cannot be written. */
		if (strchr(name, '='))
			return err_set(e, ERR_UNSUPPORTED,
				       "\"%.200s\": xattr name \"%s\" cannot be stored in a tar", disp,
				       name);
		char *v = NULL;
		ssize_t n = xt_value(x, name, &v, disp, e);
		if (n == -ENODATA)
			continue;
		if (n < 0)
			return -1;
		carry->v = xreallocarray(carry->v, carry->n + 1, sizeof(*carry->v));
		carry->v[carry->n++] = (struct xattr){.name = xstrdup(name), .value = v, .len = (size_t)n};
	}
	/* Sorted already (names were), but make the order this function's. */
	if (carry && carry->n > 1)
		qsort(carry->v, carry->n, sizeof(*carry->v), xattr_cmp);
	return 0;
}

/* ---- hard links: the first name of each (device, inode) ---- */

struct link_slot {
	dev_t dev;
	ino_t ino;
	char *name; /* NULL: free slot */
};

struct link_map {
	struct link_slot *slot;
	size_t cap, n;
};

static size_t link_hash(dev_t dev, ino_t ino)
{
	uint64_t h = ((uint64_t)ino * 0x9e3779b97f4a7c15ull) ^ (uint64_t)dev;
	return (size_t)(h ^ (h >> 29));
}

static const char *link_map_get(const struct link_map *m, dev_t dev, ino_t ino)
{
	if (!m->cap)
		return NULL;
	for (size_t i = link_hash(dev, ino) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->slot[i].name)
			return NULL;
		if (m->slot[i].dev == dev && m->slot[i].ino == ino)
			return m->slot[i].name;
	}
}

static void link_slot_put(struct link_slot *slot, size_t cap, struct link_slot s)
{
	size_t i = link_hash(s.dev, s.ino) & (cap - 1);
	while (slot[i].name)
		i = (i + 1) & (cap - 1);
	slot[i] = s;
}

static void link_map_add(struct link_map *m, dev_t dev, ino_t ino, const char *name)
{
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct link_slot *slot = xnew(struct link_slot, cap);
		for (size_t i = 0; i < m->cap; i++)
			if (m->slot[i].name)
				link_slot_put(slot, cap, m->slot[i]);
		free(m->slot);
		m->slot = slot;
		m->cap = cap;
	}
	link_slot_put(m->slot, m->cap,
		      (struct link_slot){.dev = dev, .ino = ino, .name = xstrdup(name)});
	m->n++;
}

static void link_map_free(struct link_map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slot[i].name);
	free(m->slot);
	*m = (struct link_map){0};
}

/* ---- the walk ---- */

struct walk {
	int rootfd;
	dev_t dev;
	unsigned flags; /* enum walk_flags */
	struct tar_out out;
	/* The entry's (or directory's, ending in '/') name in the tar: its path
	 * relative to rootfd after the first prefix_len bytes (tar_write_tree's
	 * tar_name and its '/'). */
	struct strbuf path;
	size_t prefix_len;
	struct link_map links;
};

static void path_truncate(struct strbuf *sb, size_t len)
{
	if (len < sb->len) {
		sb->buf[len] = '\0';
		sb->len = len;
	}
}

/* The names in the directory, sorted in byte order. */
static int read_names(int dfd, char ***ret, size_t *ret_n, const char *disp, struct err *e)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, errno, "\"%.200s\": open", disp);
	DIR *d = fdopendir(fd);
	if (!d) {
		int r = errno;
		close(fd);
		return err_sys(e, r, "\"%.200s\": open", disp);
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[n++] = xstrdup(de->d_name);
		errno = 0;
	}
	int r = errno;
	closedir(d);
	if (r) {
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return err_sys(e, r, "\"%.200s\": read directory", disp);
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), name_cmp);
	*ret = names;
	*ret_n = n;
	return 0;
}

static void tar_entry_from_stat(struct tar_entry *h, const struct stat *st)
{
	h->mode = st->st_mode & 07777;
	h->uid = st->st_uid;
	h->gid = st->st_gid;
	h->mtime = (int64_t)st->st_mtim.tv_sec;
}

static bool same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static int entry_file(struct walk *w, int dfd, const char *name, const struct stat *st,
		      struct err *e)
{
	const char *rel = w->path.buf;
	struct tar_entry h = {.name = rel};
	tar_entry_from_stat(&h, st);
	if (st->st_nlink > 1) {
		const char *first = link_map_get(&w->links, st->st_dev, st->st_ino);
		if (first) {
			h.type = '1';
			h.link = first;
			return tar_header(&w->out, &h, e);
		}
	}
	/* O_NONBLOCK: should a fifo have taken the file's place, the open
	 * must not wait for a writer (the fstat then tells). */
	_cleanup_close_ int fd =
		openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, errno, "\"%.200s\": open", rel);
	struct stat fst;
	if (fstat(fd, &fst) < 0)
		return err_sys(e, errno, "\"%.200s\": stat", rel);
	if (!S_ISREG(fst.st_mode) || !same_inode(&fst, st))
		return err_set(e, ERR_CONFLICT, "\"%.200s\": changed while committed", rel);
	_cleanup_(xattr_list_clear) struct xattr_list xl = {0};
	struct xattr_target x = {.fd = fd};
	if (scan_xattrs(&x, rel, &xl, NULL, w->flags, e) < 0)
		return -1;
	tar_entry_from_stat(&h, &fst);
	h.type = '0';
	h.size = (uint64_t)fst.st_size;
	h.xattrs = &xl;
	if (tar_header(&w->out, &h, e) < 0 || out_copy_fd(&w->out, fd, h.size, rel, e) < 0 ||
	    out_pad(&w->out, h.size, e) < 0)
		return -1;
	if (fst.st_nlink > 1)
		link_map_add(&w->links, fst.st_dev, fst.st_ino, rel);
	return 0;
}

/* Symlinks, devices, fifos and whiteouts: never opened. */
static int entry_other(struct walk *w, int dfd, const char *name, const struct stat *st,
		       struct err *e)
{
	const char *rel = w->path.buf;
	struct xattr_target x = {.fd = -1, .path = xasprintf("/proc/self/fd/%d/%s", dfd, name)};
	_cleanup_free_ char *xpath = x.path;
	bool whiteout = (w->flags & WALK_OVERLAY) && S_ISCHR(st->st_mode) &&
			st->st_rdev == makedev(0, 0);
	_cleanup_(xattr_list_clear) struct xattr_list xl = {0};
	if (scan_xattrs(&x, rel, whiteout ? NULL : &xl, NULL, w->flags, e) < 0)
		return -1;
	struct tar_entry h = {.name = rel, .xattrs = &xl};
	tar_entry_from_stat(&h, st);
	_cleanup_free_ char *wname = NULL, *target = NULL;
	if (whiteout) {
		/* OCI whiteouts carry no metadata of meaning: mode 0, the
		 * device's owner and time. */
		const char *slash = strrchr(rel, '/');
		size_t dlen = slash ? (size_t)(slash - rel + 1) : 0;
		wname = xasprintf("%.*s" WHITEOUT_PREFIX "%s", (int)dlen, rel, name);
		h.name = wname;
		h.type = '0';
		h.mode = 0;
	} else if (S_ISLNK(st->st_mode)) {
		target = xmalloc(COMMIT_NAME_MAX + 2);
		ssize_t n = readlinkat(dfd, name, target, COMMIT_NAME_MAX + 2);
		if (n < 0)
			return err_sys(e, errno, "\"%.200s\": readlink", rel);
		if (n > COMMIT_NAME_MAX)
			return err_set(e, ERR_UNSUPPORTED,
				       "\"%.200s\": link target longer than %d bytes", rel,
				       COMMIT_NAME_MAX);
		target[n] = '\0';
		h.type = '2';
		h.link = target;
	} else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		h.type = S_ISCHR(st->st_mode) ? '3' : '4';
		h.dev_major = major(st->st_rdev);
		h.dev_minor = minor(st->st_rdev);
	} else {
		h.type = '6';
	}
	return tar_header(&w->out, &h, e);
}

static int walk_dir(struct walk *w, int dfd, const struct stat *dst, unsigned depth,
		    struct err *e);

/* The directory's entry, its opaque marker, its content.  The parent's
 * descriptor *pdfd is closed once the directory is open: one descriptor
 * goes down the tree. */
static int entry_dir(struct walk *w, int *pdfd, const char *name, const struct stat *st,
		     unsigned depth, struct err *e)
{
	const char *rel = w->path.buf;
	_cleanup_close_ int cfd =
		openat(*pdfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cfd < 0)
		return err_sys(e, errno, "\"%.200s\": open", rel);
	close(TAKE_FD(*pdfd));
	struct stat cst;
	if (fstat(cfd, &cst) < 0)
		return err_sys(e, errno, "\"%.200s\": stat", rel);
	if (!same_inode(&cst, st))
		return err_set(e, ERR_CONFLICT, "\"%.200s\": changed while committed", rel);
	_cleanup_(xattr_list_clear) struct xattr_list xl = {0};
	struct xattr_target x = {.fd = cfd};
	bool opaque;
	if (scan_xattrs(&x, rel, &xl, &opaque, w->flags, e) < 0)
		return -1;
	strbuf_addch(&w->path, '/');
	struct tar_entry h = {.name = w->path.buf, .type = '5', .xattrs = &xl};
	tar_entry_from_stat(&h, &cst);
	if (tar_header(&w->out, &h, e) < 0)
		return -1;
	if (opaque) {
		size_t len = w->path.len;
		strbuf_addstr(&w->path, WHITEOUT_OPAQUE);
		struct tar_entry o = {.name = w->path.buf, .type = '0'};
		tar_entry_from_stat(&o, &cst);
		o.mode = 0;
		int r = tar_header(&w->out, &o, e);
		path_truncate(&w->path, len);
		if (r < 0)
			return -1;
	}
	return walk_dir(w, TAKE_FD(cfd), &cst, depth + 1, e);
}

/* Open the directory at w->path ("" or ending in '/') again, from the
 * root, checking that it is the one walked (dst). */
static int reopen_dir(struct walk *w, const struct stat *dst, struct err *e)
{
	const char *rel = w->path.len > w->prefix_len ? w->path.buf + w->prefix_len : ".";
	uint64_t resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	if (w->flags & WALK_OVERLAY)
		resolve |= RESOLVE_NO_XDEV;
	int fd = path_openat2(w->rootfd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, resolve);
	if (fd < 0)
		return err_sys(e, -fd, "\"%.200s\": open again", rel);
	struct stat st;
	if (fstat(fd, &st) < 0 || !same_inode(&st, dst)) {
		close(fd);
		return err_set(e, ERR_CONFLICT, "\"%.200s\": changed while committed", rel);
	}
	return fd;
}

/* The content of the directory dfd (taken: closed here), whose path is
 * w->path ("" or ending in '/'). */
static int walk_dir(struct walk *w, int dfd_in, const struct stat *dst, unsigned depth,
		    struct err *e)
{
	_cleanup_close_ int dfd = dfd_in;
	const char *disp = w->path.len ? w->path.buf : ".";
	if (depth > COMMIT_MAX_DEPTH)
		return err_set(e, ERR_UNSUPPORTED, "\"%.200s\": more than %d directories deep",
			       disp, COMMIT_MAX_DEPTH);
	char **names = NULL;
	size_t n = 0;
	if (read_names(dfd, &names, &n, disp, e) < 0)
		return -1;
	size_t base = w->path.len;
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		const char *name = names[i];
		path_truncate(&w->path, base);
		/* Closed by a subdirectory walked before. */
		if (dfd < 0 && (dfd = reopen_dir(w, dst, e)) < 0) {
			r = -1;
			break;
		}
		strbuf_addstr(&w->path, name);
		const char *rel = w->path.buf;
		struct stat st;
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = err_sys(e, errno, "\"%.200s\": stat", rel);
			break;
		}
		if ((w->flags & WALK_OVERLAY) && st.st_dev != w->dev) {
			r = err_set(e, ERR_INVALID,
				    "\"%.200s\": on another file system (a mount left inside?)", rel);
			break;
		}
		if ((w->flags & WALK_OVERLAY) && startswith(name, WHITEOUT_PREFIX) &&
		    !S_ISSOCK(st.st_mode)) {
			r = err_set(e, ERR_UNSUPPORTED,
				    "\"%.200s\": names starting with \"" WHITEOUT_PREFIX
				    "\" mean whiteouts in an image layer",
				    rel);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			r = entry_dir(w, &dfd, name, &st, depth, e);
		} else if (S_ISREG(st.st_mode)) {
			r = entry_file(w, dfd, name, &st, e);
		} else if (S_ISSOCK(st.st_mode)) {
			/* Not in a tar (docker leaves them out too): not in the
			 * layer either, which must match its tar. */
			if (!(w->flags & WALK_READONLY) && unlinkat(dfd, name, 0) < 0 &&
			    errno != ENOENT)
				r = err_sys(e, errno, "\"%.200s\": remove socket", rel);
		} else {
			r = entry_other(w, dfd, name, &st, e);
		}
	}
	path_truncate(&w->path, base);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

static int commit_walk(struct walk *w, int rootfd, const struct stat *rst, struct err *e)
{
	/* The root has no entry of its own (layer_apply ignores one): its
	 * overlay xattrs go, and an opaque root becomes ".wh..wh..opq". */
	struct xattr_target x = {.fd = rootfd};
	bool opaque;
	if (scan_xattrs(&x, ".", NULL, &opaque, w->flags, e) < 0)
		return -1;
	if (opaque) {
		struct tar_entry o = {.name = WHITEOUT_OPAQUE, .type = '0'};
		tar_entry_from_stat(&o, rst);
		o.mode = 0;
		if (tar_header(&w->out, &o, e) < 0)
			return -1;
	}
	int fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, errno, "open");
	if (walk_dir(w, fd, rst, 0, e) < 0)
		return -1;
	/* The end of the archive: two zero blocks. */
	if (out_zeros(&w->out, 2 * TAR_BLOCK, e) < 0 || out_flush(&w->out, e) < 0)
		return -1;
	w->out.z.next_in = NULL;
	w->out.z.avail_in = 0;
	return out_deflate(&w->out, Z_FINISH, e);
}

void layer_commit_clear(struct layer_commit *c)
{
	if (!c)
		return;
	free(c->diff_id);
	free(c->blob);
	*c = (struct layer_commit){0};
}

/* The directory is renamed into the store in the end, which rename(2)
 * does only within one mount: checked before the work, not after.  The
 * same file system reached through another mount (a bind mount, another
 * mount namespace) fails too; the mount ids (statx, 5.8) tell, else the
 * devices. */
static int same_mount(struct store *s, int rootfd, struct err *e)
{
	struct statx a, b;
	if (statx(rootfd, "", AT_EMPTY_PATH, STATX_MNT_ID, &a) < 0)
		return err_sys(e, errno, "stat");
	if (statx(s->rootfd, "tmp", 0, STATX_MNT_ID, &b) < 0)
		return err_sys(e, errno, "image store: tmp");
	bool same = (a.stx_mask & b.stx_mask & STATX_MNT_ID)
			    ? a.stx_mnt_id == b.stx_mnt_id
			    : a.stx_dev_major == b.stx_dev_major && a.stx_dev_minor == b.stx_dev_minor;
	if (!same)
		return err_set(e, ERR_INVALID,
			       "not on the mount of the image store \"%s\" (it is moved there)",
			       s->root);
	return 0;
}

static int commit_run(struct store *s, const char *upper, bool keep, struct layer_commit *ret,
		      struct err *e)
{
	_cleanup_close_ int rootfd = open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rootfd < 0)
		return err_sys(e, errno, "open");
	struct stat rst;
	if (fstat(rootfd, &rst) < 0)
		return err_sys(e, errno, "stat");
	if (!keep && same_mount(s, rootfd, e) < 0)
		return -1;

	struct walk w = {
		.rootfd = rootfd,
		.dev = rst.st_dev,
		.flags = WALK_OVERLAY | (keep ? WALK_READONLY : 0),
		.path = STRBUF_INIT,
		.out = {.fd = -1, .dig = digest_new()},
	};
	_cleanup_free_ char *diff_id = NULL, *blob = NULL;
	uint64_t blob_size = 0;
	int r = -1;
	w.out.w = store_blob_writer_new(s, e);
	if (!w.out.w)
		goto out;
	w.out.in = xmalloc(COMMIT_BUF_SIZE);
	w.out.out = xmalloc(COMMIT_BUF_SIZE);
	/* 16 + 15: a gzip header and trailer, the largest window; zlib's gzip
	 * header has no name and no time, so the same tar gives the same blob. */
	if (deflateInit2(&w.out.z, COMMIT_GZIP_LEVEL, Z_DEFLATED, 16 + 15, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		err_set(e, ERR_INTERNAL, "gzip: cannot initialize zlib");
		goto out;
	}
	w.out.z_ready = true;
	if (commit_walk(&w, rootfd, &rst, e) < 0)
		goto out;
	diff_id = digest_final_string(w.out.dig);
	blob_size = store_blob_writer_size(w.out.w);
	/* Commit frees the writer, also on failure. */
	r = store_blob_writer_commit(TAKE_PTR(w.out.w), NULL, -1, &blob, e);
	if (r < 0)
		goto out;
	if (keep) {
		/* The directory stays: the layer is unpacked from the blob just
		 * written (the same tar, so the same diff_id). */
		_cleanup_close_ int bfd = store_blob_open(s, blob, e);
		r = bfd < 0 ? -1 : store_layer_put(s, bfd, diff_id, NULL, NULL, e);
	} else {
		r = store_layer_adopt(s, AT_FDCWD, upper, diff_id, w.out.size, e);
	}
	if (r < 0)
		goto out;
	*ret = (struct layer_commit){
		.diff_id = TAKE_PTR(diff_id),
		.blob = TAKE_PTR(blob),
		.blob_size = blob_size,
		.size = w.out.size,
	};
out:
	out_done(&w.out);
	strbuf_release(&w.path);
	link_map_free(&w.links);
	return r;
}

int layer_commit(struct store *s, const char *upper, struct layer_commit *ret, struct err *e)
{
	*ret = (struct layer_commit){0};
	if (!upper || upper[0] != '/')
		return err_set(e, ERR_INVALID, "commit \"%s\": not an absolute path",
			       upper ? upper : "");
	if (commit_run(s, upper, false, ret, e) < 0)
		return err_wrap(e, "commit \"%s\"", upper);
	return 0;
}

int layer_commit_copy(struct store *s, const char *upper, struct layer_commit *ret,
		      struct err *e)
{
	*ret = (struct layer_commit){0};
	if (!upper || upper[0] != '/')
		return err_set(e, ERR_INVALID, "commit \"%s\": not an absolute path",
			       upper ? upper : "");
	if (commit_run(s, upper, true, ret, e) < 0)
		return err_wrap(e, "commit \"%s\"", upper);
	return 0;
}

/* ---- plain tars ---- */

static int tar_write_run(struct walk *w, int dirfd, const char *name, const char *tar_name,
			 struct err *e)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, errno, "stat");
	if (!tar_name && !S_ISDIR(st.st_mode))
		return err_set(e, ERR_INVALID, "not a directory");
	if (S_ISSOCK(st.st_mode))
		return err_set(e, ERR_UNSUPPORTED, "a socket cannot be copied");
	if (tar_name)
		strbuf_addstr(&w->path, tar_name);
	if (S_ISDIR(st.st_mode)) {
		int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return err_sys(e, errno, "open");
		w->rootfd = fd;
		w->dev = st.st_dev;
		struct stat dst;
		if (fstat(fd, &dst) < 0)
			return err_sys(e, errno, "stat");
		if (!same_inode(&dst, &st))
			return err_set(e, ERR_CONFLICT, "changed while read");
		if (tar_name) {
			/* The directory's own entry (entry_dir walks it too,
			 * from a descriptor of the parent it closes: the root's
			 * one stays open here for reopen_dir). */
			_cleanup_(xattr_list_clear) struct xattr_list xl = {0};
			struct xattr_target x = {.fd = fd};
			if (scan_xattrs(&x, tar_name, &xl, NULL, w->flags, e) < 0)
				return -1;
			strbuf_addch(&w->path, '/');
			struct tar_entry h = {.name = w->path.buf, .type = '5', .xattrs = &xl};
			tar_entry_from_stat(&h, &dst);
			if (tar_header(&w->out, &h, e) < 0)
				return -1;
			w->prefix_len = w->path.len;
		}
		int cfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cfd < 0)
			return err_sys(e, errno, "open");
		if (walk_dir(w, cfd, &dst, 0, e) < 0)
			return -1;
	} else if (S_ISREG(st.st_mode)) {
		if (entry_file(w, dirfd, name, &st, e) < 0)
			return -1;
	} else if (entry_other(w, dirfd, name, &st, e) < 0) {
		return -1;
	}
	if (out_zeros(&w->out, 2 * TAR_BLOCK, e) < 0)
		return -1;
	return out_flush(&w->out, e);
}

int tar_write_tree(int dirfd, const char *name, const char *tar_name, int out_fd,
		   struct err *e)
{
	if (tar_name && (!*tar_name || strchr(tar_name, '/') || streq(tar_name, ".") ||
			 streq(tar_name, "..")))
		return err_set(e, ERR_INVALID, "tar: bad name \"%s\"", tar_name);
	struct walk w = {
		.rootfd = -1,
		.flags = WALK_READONLY,
		.path = STRBUF_INIT,
		.out = {.fd = out_fd, .in = xmalloc(COMMIT_BUF_SIZE)},
	};
	int r = tar_write_run(&w, dirfd, name, tar_name, e);
	if (w.rootfd >= 0)
		close(w.rootfd);
	out_done(&w.out);
	strbuf_release(&w.path);
	link_map_free(&w.links);
	return r;
}
