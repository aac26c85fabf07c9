/* test-layer: applying image layers.  Tars are built here with libarchive's
 * writer into memfds: ordinary content (every entry type, owners, modes,
 * times, xattrs), the three compressions giving one diff_id, whiteouts in
 * both modes, and hostile layers, each of which must fail with
 * ERR_INVALID and leave everything outside the target directory as it was.
 * Runs as root (devices, owners, trusted.* xattrs); skips otherwise. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/digest.h"
#include "base/fd-util.h"
#include "base/fs-util.h"
#include "base/path-util.h"
#include "base/strbuf.h"
#include "image/layer.h"
#include "sanitizer-options.h"
#include "tap.h"

enum filter { F_NONE, F_GZIP, F_ZSTD };

struct ent {
	const char *name;
	mode_t type; /* AE_IF*; 0: regular */
	mode_t perm;
	const char *data;
	size_t size; /* with data NULL: that many pseudo-random bytes */
	const char *link;
	const char *hardlink;
	unsigned uid, gid;
	time_t mtime, atime;
	const char *xname, *xvalue;
	size_t xlen; /* 0: strlen(xvalue) */
	unsigned rmajor, rminor;
	bool utf8;
	bool sparse; /* size bytes: 4096 of 'x', a hole, 4096 of 'x' */
};

static char base[] = "/tmp/berth-test-layer-XXXXXX";
static char esc[64]; /* a name that must never appear outside a root */

static void fill_random(unsigned char *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (unsigned char)(seed >> 16);
	}
}

static void tar_add(struct archive *a, const struct ent *x)
{
	struct archive_entry *en = archive_entry_new();
	if (x->utf8)
		archive_entry_update_pathname_utf8(en, x->name);
	else
		archive_entry_set_pathname(en, x->name);
	mode_t type = x->type ? x->type : AE_IFREG;
	_cleanup_free_ unsigned char *buf = NULL;
	size_t size = 0;
	if (x->hardlink) {
		archive_entry_set_hardlink(en, x->hardlink);
		type = AE_IFREG;
	} else if (type == AE_IFREG) {
		size = x->data ? strlen(x->data) : x->size;
		/* (a sparse entry's content is made below) */
		if (!x->data && size && !x->sparse) {
			buf = xmalloc(size);
			fill_random(buf, size, (uint32_t)size);
		}
	}
	archive_entry_set_filetype(en, type);
	archive_entry_set_perm(en, x->perm ? x->perm : (type == AE_IFDIR ? 0755 : 0644));
	archive_entry_set_size(en, (la_int64_t)size);
	if (x->sparse) {
		archive_entry_sparse_add_entry(en, 0, 4096);
		archive_entry_sparse_add_entry(en, (la_int64_t)size - 4096, 4096);
		/* The writer takes the whole file and skips the holes; a huge
		 * one is left to its zero padding. */
		free(buf);
		buf = NULL;
		if (size <= (64 << 20)) {
			buf = xcalloc(1, size);
			memset(buf, 'x', 4096);
			memset(buf + size - 4096, 'x', 4096);
		} else {
			size = 0;
		}
	}
	if (x->link)
		archive_entry_set_symlink(en, x->link);
	archive_entry_set_uid(en, x->uid);
	archive_entry_set_gid(en, x->gid);
	archive_entry_set_mtime(en, x->mtime ? x->mtime : 1600000000, 0);
	if (x->atime)
		archive_entry_set_atime(en, x->atime, 0);
	if (x->xname)
		archive_entry_xattr_add_entry(en, x->xname, x->xvalue,
					      x->xlen ? x->xlen : strlen(x->xvalue));
	if (type == AE_IFCHR || type == AE_IFBLK) {
		archive_entry_set_rdevmajor(en, x->rmajor);
		archive_entry_set_rdevminor(en, x->rminor);
	}
	if (archive_write_header(a, en) != ARCHIVE_OK)
		printf("# write header \"%.60s\": %s\n", x->name, archive_error_string(a));
	const char *data = x->data ? x->data : (const char *)buf;
	for (size_t done = 0; done < size;) {
		la_ssize_t n = archive_write_data(a, data + done, size - done);
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	archive_entry_free(en);
}

/* A memfd holding the tar of ents, read from the start. */
static int build(enum filter f, const struct ent *ents, size_t n)
{
	int fd = memfd_create("layer", MFD_CLOEXEC);
	/* UTF-8 names are written as pax "path" records (as Go writes them)
	 * under a UTF-8 locale; layers are read back in the C locale. */
	bool utf8 = false;
	for (size_t i = 0; i < n; i++)
		utf8 |= ents[i].utf8;
	if (utf8 && !setlocale(LC_CTYPE, "C.UTF-8"))
		printf("# no C.UTF-8 locale\n");
	struct archive *a = archive_write_new();
	archive_write_set_format_pax(a);
	if (f == F_GZIP)
		archive_write_add_filter_gzip(a);
	else if (f == F_ZSTD)
		archive_write_add_filter_zstd(a);
	archive_write_open_fd(a, fd);
	for (size_t i = 0; i < n; i++)
		tar_add(a, &ents[i]);
	archive_write_close(a);
	archive_write_free(a);
	if (utf8)
		setlocale(LC_CTYPE, "C");
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static int apply(int rootfd, int tarfd, const struct layer_apply_opts *o, struct layer_result *res,
		 struct err *e)
{
	lseek(tarfd, 0, SEEK_SET);
	return layer_apply(rootfd, tarfd, o, res, e);
}

static int new_dir(const char *path)
{
	mkdir(path, 0755);
	return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* ---- snapshot of a tree, to prove nothing changed outside a root ---- */

static void snap_dir(struct strbuf *sb, const char *path, const char *skip)
{
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		_cleanup_free_ char *p = path_join(path, de->d_name);
		if (skip && streq(p, skip))
			continue;
		struct stat st;
		if (lstat(p, &st) < 0)
			continue;
		strbuf_addf(sb, "%s %o %lld %lu %lld.%ld\n", p, (unsigned)st.st_mode,
			    (long long)st.st_size, (unsigned long)st.st_nlink,
			    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
		if (S_ISDIR(st.st_mode))
			snap_dir(sb, p, skip);
	}
	closedir(d);
}

static char *snapshot(const char *skip)
{
	struct strbuf sb = STRBUF_INIT;
	snap_dir(&sb, base, skip);
	struct stat st;
	if (stat("/etc/passwd", &st) == 0)
		strbuf_addf(&sb, "/etc/passwd %lld %lu %lld\n", (long long)st.st_size,
			    (unsigned long)st.st_nlink, (long long)st.st_mtim.tv_sec);
	return strbuf_detach(&sb, NULL);
}

static bool escaped_anywhere(void)
{
	const char *dirs[] = {"/", "/tmp", "/etc", base};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *p = path_join(dirs[i], esc);
		if (access(p, F_OK) == 0)
			return true;
	}
	return false;
}

/* ---- checks on an applied tree ---- */

static char *read_at(int rootfd, const char *path)
{
	char *s = NULL;
	size_t len;
	if (read_file_at(rootfd, path, 1 << 20, &s, &len, NULL) < 0)
		return NULL;
	return s;
}

static bool stat_at(int rootfd, const char *path, struct stat *st)
{
	return fstatat(rootfd, path, st, AT_SYMLINK_NOFOLLOW) == 0;
}

static char *xattr_at(int rootfd, const char *path, const char *name)
{
	char proc[64], buf[256];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", rootfd, path);
	ssize_t n = lgetxattr(proc, name, buf, sizeof(buf) - 1);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

/* A VFS_CAP_REVISION_2 blob with cap_net_raw permitted. */
static const unsigned char capblob[20] = {0x00, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00};

static const struct ent ordinary[] = {
	{.name = "etc/", .type = AE_IFDIR, .perm = 0755, .mtime = 1000000},
	{.name = "etc/hosts", .data = "127.0.0.1 localhost\n", .uid = 1000, .gid = 1001,
	 .mtime = 1234567, .atime = 1200000},
	{.name = "bin/busybox", .perm = 0755, .data = "#!busybox\n"},
	{.name = "bin/su", .perm = 04755, .data = "su\n"},
	{.name = "bin/sh", .type = AE_IFLNK, .link = "busybox", .uid = 5, .gid = 6,
	 .mtime = 2000000},
	{.name = "bin/ls", .hardlink = "bin/busybox"},
	{.name = "bin/ls2", .hardlink = "/bin/busybox"},
	{.name = "tmp/", .type = AE_IFDIR, .perm = 01777},
	{.name = "run/fifo", .type = AE_IFIFO, .perm = 0600, .xname = "trusted.berth",
	 .xvalue = "on a fifo"},
	{.name = "dev/null2", .type = AE_IFCHR, .perm = 0666, .rmajor = 1, .rminor = 3},
	{.name = "dev/loop9", .type = AE_IFBLK, .perm = 0660, .rmajor = 7, .rminor = 9,
	 .gid = 6},
	{.name = "x/attr", .data = "a", .xname = "user.foo", .xvalue = "bar"},
	{.name = "x/ping", .perm = 0755, .data = "p", .xname = "security.capability",
	 .xvalue = (const char *)capblob, .xlen = sizeof(capblob)},
	{.name = "x/selinux", .data = "s", .xname = "security.selinux", .xvalue = "label"},
	{.name = "d/", .type = AE_IFDIR, .perm = 0750, .mtime = 3000000},
	{.name = "d/f", .data = "in d\n", .mtime = 3000500},
	{.name = "d/sub/g", .data = "implicit parent\n"},
	{.name = "/abs/file", .data = "abs\n"},
	{.name = "./dot//file", .data = "dot\n"},
	{.name = "./", .type = AE_IFDIR, .perm = 0700},
	{.name = "utf/\xc3\xbcn\xc3\xaf" "code", .data = "u\n", .utf8 = true},
	{.name = "big", .size = 300000},
	{.name = "empty", .data = ""},
	{.name = "ro/", .type = AE_IFDIR, .perm = 0555},
	{.name = "ro/f", .data = "in ro\n", .perm = 0400},
	{.name = "lib", .type = AE_IFLNK, .link = "usr/lib"},
	{.name = "usr/lib/", .type = AE_IFDIR},
	{.name = "lib/libc.so", .data = "libc\n"},
	{.name = "abslink", .type = AE_IFLNK, .link = "/usr"},
	{.name = "abslink/lib/libm.so", .data = "libm\n"},
	{.name = "sparse", .size = 1 << 20, .sparse = true},
	{.name = "dup/", .type = AE_IFDIR, .perm = 0700, .mtime = 100},
	{.name = "dup/", .type = AE_IFDIR, .perm = 0711, .mtime = 200},
};

static void check_ordinary(int rootfd, const char *what)
{
	struct stat st;
	/* Before reading it: a read would update the atime (relatime). */
	ok(stat_at(rootfd, "etc/hosts", &st) && st.st_uid == 1000 && st.st_gid == 1001 &&
		   (st.st_mode & 07777) == 0644,
	   "%s: etc/hosts owner 1000:1001, mode 0644", what);
	is_int(st.st_mtim.tv_sec, 1234567, "%s: etc/hosts mtime", what);
	is_int(st.st_atim.tv_sec, 1200000, "%s: etc/hosts atime", what);
	char *s = read_at(rootfd, "etc/hosts");
	is_str(s, "127.0.0.1 localhost\n", "%s: etc/hosts content", what);
	free(s);
	ok(stat_at(rootfd, "etc", &st) && S_ISDIR(st.st_mode) && st.st_mtim.tv_sec == 1000000,
	   "%s: etc mtime kept after its content was written", what);
	ok(stat_at(rootfd, "bin/su", &st) && (st.st_mode & 07777) == 04755,
	   "%s: setuid bit kept (%o)", what, (unsigned)(st.st_mode & 07777));
	char link[64] = "";
	ssize_t n = readlinkat(rootfd, "bin/sh", link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	is_str(link, "busybox", "%s: symlink target", what);
	ok(stat_at(rootfd, "bin/sh", &st) && S_ISLNK(st.st_mode) && st.st_uid == 5 &&
		   st.st_gid == 6 && st.st_mtim.tv_sec == 2000000,
	   "%s: symlink owner and mtime (not the target's)", what);
	struct stat bb, ls, ls2;
	ok(stat_at(rootfd, "bin/busybox", &bb) && stat_at(rootfd, "bin/ls", &ls) &&
		   stat_at(rootfd, "bin/ls2", &ls2) && bb.st_ino == ls.st_ino &&
		   bb.st_ino == ls2.st_ino && bb.st_nlink == 3,
	   "%s: hardlinks share the inode", what);
	ok(stat_at(rootfd, "tmp", &st) && (st.st_mode & 07777) == 01777, "%s: sticky dir", what);
	ok(stat_at(rootfd, "run/fifo", &st) && S_ISFIFO(st.st_mode) && (st.st_mode & 0777) == 0600,
	   "%s: fifo", what);
	ok(stat_at(rootfd, "dev/null2", &st) && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 &&
		   minor(st.st_rdev) == 3 && (st.st_mode & 0777) == 0666,
	   "%s: char device 1:3", what);
	ok(stat_at(rootfd, "dev/loop9", &st) && S_ISBLK(st.st_mode) && major(st.st_rdev) == 7 &&
		   minor(st.st_rdev) == 9 && st.st_gid == 6,
	   "%s: block device 7:9", what);
	s = xattr_at(rootfd, "run/fifo", "trusted.berth");
	is_str(s, "on a fifo", "%s: xattr on a fifo (set by name, not by descriptor)", what);
	free(s);
	s = xattr_at(rootfd, "x/attr", "user.foo");
	is_str(s, "bar", "%s: user.foo xattr", what);
	free(s);
	char proc[64];
	unsigned char cap[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d/x/ping", rootfd);
	is_int(lgetxattr(proc, "security.capability", cap, sizeof(cap)), sizeof(capblob),
	       "%s: security.capability kept", what);
	s = xattr_at(rootfd, "x/selinux", "security.selinux");
	ok(s == NULL || !streq(s, "label"), "%s: security.selinux skipped", what);
	free(s);
	ok(stat_at(rootfd, "d", &st) && st.st_mtim.tv_sec == 3000000 && (st.st_mode & 0777) == 0750,
	   "%s: directory mode and mtime set after its content", what);
	s = read_at(rootfd, "d/sub/g");
	is_str(s, "implicit parent\n", "%s: file below an implicit directory", what);
	free(s);
	s = read_at(rootfd, "abs/file");
	is_str(s, "abs\n", "%s: an absolute name lands inside", what);
	free(s);
	s = read_at(rootfd, "dot/file");
	is_str(s, "dot\n", "%s: ./dot//file", what);
	free(s);
	s = read_at(rootfd, "utf/\xc3\xbcn\xc3\xaf" "code");
	is_str(s, "u\n", "%s: pax UTF-8 name", what);
	free(s);
	unsigned char *want = xmalloc(300000);
	fill_random(want, 300000, 300000);
	char *got = NULL;
	size_t len = 0;
	read_file_at(rootfd, "big", 1 << 20, &got, &len, NULL);
	ok(got && len == 300000 && memcmp(got, want, len) == 0, "%s: 300000-byte file intact", what);
	free(got);
	free(want);
	got = NULL;
	read_file_at(rootfd, "sparse", 2 << 20, &got, &len, NULL);
	bool sparse_ok = got && len == 1 << 20;
	for (size_t i = 0; sparse_ok && i < len; i++)
		sparse_ok = got[i] == ((i < 4096 || i >= len - 4096) ? 'x' : '\0');
	ok(sparse_ok, "%s: sparse file: data, hole, data", what);
	ok(stat_at(rootfd, "sparse", &st) && st.st_blocks * 512 < (1 << 20),
	   "%s: the hole is a hole (%lld blocks)", what, (long long)st.st_blocks);
	free(got);
	ok(stat_at(rootfd, "empty", &st) && S_ISREG(st.st_mode) && st.st_size == 0,
	   "%s: empty file", what);
	ok(stat_at(rootfd, "ro", &st) && (st.st_mode & 0777) == 0555, "%s: read-only dir 0555",
	   what);
	ok(stat_at(rootfd, "ro/f", &st) && (st.st_mode & 0777) == 0400,
	   "%s: file inside the read-only dir", what);
	s = read_at(rootfd, "usr/lib/libc.so");
	is_str(s, "libc\n", "%s: entry through a relative symlink lands in its target", what);
	free(s);
	s = read_at(rootfd, "usr/lib/libm.so");
	is_str(s, "libm\n", "%s: entry through an absolute symlink stays in the root", what);
	free(s);
	ok(stat_at(rootfd, "dup", &st) && (st.st_mode & 0777) == 0711 &&
		   st.st_mtim.tv_sec == 200,
	   "%s: the last of two entries for a directory wins", what);
	ok(stat_at(rootfd, ".", &st) && (st.st_mode & 0777) == 0755,
	   "%s: the root entry does not change the root", what);
}

static void test_ordinary(void)
{
	int tars[3], roots[3];
	const char *names[3] = {"plain", "gzip", "zstd"};
	struct layer_result res[3] = {0};
	struct layer_apply_opts o = {.keep_owners = true};
	for (int i = 0; i < 3; i++) {
		tars[i] = build((enum filter)i, ordinary, ARRAY_SIZE(ordinary));
		_cleanup_free_ char *p = xasprintf("%s/ordinary-%s", base, names[i]);
		roots[i] = new_dir(p);
		struct err e = ERR_INIT;
		is_int(apply(roots[i], tars[i], &o, &res[i], &e), 0, "apply the %s layer: %s",
		       names[i], err_msg(&e));
		err_clear(&e);
		check_ordinary(roots[i], names[i]);
	}
	for (int i = 0; i < 3; i++) {
		char *d = NULL;
		uint64_t size = 0;
		lseek(tars[i], 0, SEEK_SET);
		digest_fd(tars[i], &d, &size, NULL);
		is_str(res[i].compressed_digest, d, "%s: compressed digest is the file's sha256",
		       names[i]);
		is_int(res[i].size, size, "%s: size is the file's size", names[i]);
		ok(digest_string_valid(res[i].diff_id), "%s: diff_id is a digest", names[i]);
		free(d);
	}
	is_str(res[0].diff_id, res[0].compressed_digest, "plain: diff_id is the blob digest");
	is_str(res[1].diff_id, res[0].diff_id, "gzip and plain give the same diff_id");
	is_str(res[2].diff_id, res[0].diff_id, "zstd and plain give the same diff_id");
	is_int(res[1].uncompressed_size, res[0].size, "gzip: uncompressed size is the tar's");
	is_int(res[2].uncompressed_size, res[0].size, "zstd: uncompressed size is the tar's");
	ok(res[1].size < res[1].uncompressed_size, "gzip: compressed is smaller");
	for (int i = 0; i < 3; i++) {
		layer_result_clear(&res[i]);
		close(tars[i]);
		close(roots[i]);
	}
	layer_result_clear(NULL);

	/* A gzip stream of two members, and trailing data after the tar's end. */
	int plain = build(F_NONE, ordinary, 3);
	_cleanup_free_ char *tarbytes = NULL;
	size_t tarlen = 0;
	read_all_fd(plain, 1 << 24, &tarbytes, &tarlen);
	close(plain);
	_cleanup_free_ char *want = digest_buf(tarbytes, tarlen);
	_cleanup_free_ char *gzpath = path_join(base, "two-members.gz");
	/* Two members made by gzip(1) from the tar split in two files. */
	_cleanup_free_ char *a = xasprintf("%s.a", gzpath), *b = xasprintf("%s.b", gzpath);
	write_file_atomic_at(AT_FDCWD, a, tarbytes, 3000, 0644, 0, NULL);
	write_file_atomic_at(AT_FDCWD, b, tarbytes + 3000, tarlen - 3000, 0644, 0, NULL);
	_cleanup_free_ char *sh = xasprintf("gzip -n -c %s > %s && gzip -n -c %s >> %s", a, gzpath,
					    b, gzpath);
	if (system(sh) == 0) {
		int gz = open(gzpath, O_RDONLY | O_CLOEXEC);
		_cleanup_free_ char *rp = path_join(base, "two-members");
		int root = new_dir(rp);
		struct layer_result r = {0};
		struct err e = ERR_INIT;
		is_int(apply(root, gz, &o, &r, &e), 0, "a two-member gzip layer: %s", err_msg(&e));
		is_str(r.diff_id, want, "two members: diff_id covers both");
		err_clear(&e);
		layer_result_clear(&r);
		close(gz);
		close(root);
	} else {
		ok(true, "# skip: no gzip(1)");
		ok(true, "# skip: no gzip(1)");
	}
}

/* Layer 1 and 2 for the whiteout tests. */
static const struct ent lower[] = {
	{.name = "a/", .type = AE_IFDIR},
	{.name = "a/x", .data = "x"},
	{.name = "a/y", .data = "y"},
	{.name = "a/xdir/deep", .data = "deep"},
	{.name = "o/", .type = AE_IFDIR},
	{.name = "o/old", .data = "old"},
	{.name = "o/sub/deep", .data = "deep"},
	{.name = "o/sub/keep-not", .data = "k"},
	{.name = "keep", .data = "keep"},
	{.name = "r/inner", .data = "inner"},
	{.name = "s", .data = "s"},
	{.name = "t", .type = AE_IFLNK, .link = "/etc"},
	{.name = "wl", .type = AE_IFLNK, .link = "/etc"},
};
static const struct ent upper[] = {
	{.name = "a/.wh.x", .data = ""},
	{.name = "a/.wh.xdir", .data = ""},
	{.name = "a/.wh.wl-none", .data = ""},
	{.name = "o/", .type = AE_IFDIR, .mtime = 5000000},
	{.name = "o/new", .data = "new"},
	{.name = "o/.wh..wh..opq", .data = ""},
	{.name = "o/sub/", .type = AE_IFDIR},
	{.name = "o/sub/new2", .data = "new2"},
	{.name = ".wh.wl", .data = ""},
	{.name = ".wh..wh.plnk/123", .data = "aufs"},
	{.name = "r", .data = "r is a file now"},
	{.name = "s/", .type = AE_IFDIR},
	{.name = "t", .data = "t is a file now"},
};

static void test_whiteouts(void)
{
	struct layer_apply_opts flat = {.keep_owners = true};
	int l1 = build(F_GZIP, lower, ARRAY_SIZE(lower));
	int l2 = build(F_ZSTD, upper, ARRAY_SIZE(upper));
	_cleanup_free_ char *p = path_join(base, "flat");
	int root = new_dir(p);
	struct err e = ERR_INIT;
	is_int(apply(root, l1, &flat, NULL, &e), 0, "flat: apply layer 1: %s", err_msg(&e));
	err_clear(&e);
	is_int(apply(root, l2, &flat, NULL, &e), 0, "flat: apply layer 2: %s", err_msg(&e));
	err_clear(&e);
	struct stat st;
	ok(!stat_at(root, "a/x", &st), "flat: a/.wh.x removed a/x");
	ok(!stat_at(root, "a/xdir", &st), "flat: a/.wh.xdir removed a whole directory");
	ok(stat_at(root, "a/y", &st), "flat: a/y stays");
	ok(!stat_at(root, "a/.wh.x", &st), "flat: no whiteout file left");
	ok(!stat_at(root, "o/old", &st), "flat: opaque o hides o/old");
	ok(!stat_at(root, "o/sub/deep", &st) && !stat_at(root, "o/sub/keep-not", &st),
	   "flat: opaque o hides the old content of o/sub too");
	ok(stat_at(root, "o/new", &st), "flat: o/new (before the marker) stays");
	ok(stat_at(root, "o/sub/new2", &st), "flat: o/sub/new2 (after the marker) stays");
	ok(stat_at(root, "o", &st) && st.st_mtim.tv_sec == 5000000, "flat: o keeps its mtime");
	ok(!stat_at(root, "o/.wh..wh..opq", &st), "flat: no opaque marker left");
	ok(stat_at(root, "keep", &st), "flat: keep stays");
	ok(!stat_at(root, "wl", &st), "flat: .wh.wl removed the symlink wl");
	ok(access("/etc/passwd", F_OK) == 0, "flat: ... and not what it pointed to");
	ok(!stat_at(root, ".wh..wh.plnk", &st), "flat: aufs metadata skipped");
	ok(stat_at(root, "r", &st) && S_ISREG(st.st_mode), "flat: a file replaces a directory");
	ok(stat_at(root, "s", &st) && S_ISDIR(st.st_mode), "flat: a directory replaces a file");
	ok(stat_at(root, "t", &st) && S_ISREG(st.st_mode),
	   "flat: a file replaces a symlink, not writing through it");
	ok(access("/etc/t", F_OK) < 0, "flat: nothing written through the symlink t");
	close(root);

	struct layer_apply_opts ovl = {.keep_owners = true, .overlay_whiteouts = true};
	free(p);
	p = path_join(base, "overlay");
	root = new_dir(p);
	is_int(apply(root, l2, &ovl, NULL, &e), 0, "overlay: apply layer 2: %s", err_msg(&e));
	err_clear(&e);
	ok(stat_at(root, "a/x", &st) && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0),
	   "overlay: a/.wh.x became a 0/0 char device");
	ok(stat_at(root, "wl", &st) && S_ISCHR(st.st_mode), "overlay: .wh.wl at the top too");
	ok(!stat_at(root, "a/.wh.x", &st), "overlay: no whiteout file left");
	char *s = xattr_at(root, "o", "trusted.overlay.opaque");
	is_str(s, "y", "overlay: o is opaque");
	free(s);
	s = xattr_at(root, "a", "trusted.overlay.opaque");
	ok(s == NULL, "overlay: a is not opaque");
	free(s);
	ok(stat_at(root, "o/new", &st) && stat_at(root, "o/sub/new2", &st),
	   "overlay: the layer's own entries are there");
	ok(!stat_at(root, "o/.wh..wh..opq", &st), "overlay: no opaque marker file");
	close(root);
	close(l1);
	close(l2);
}

/* ---- hostile layers ---- */

struct bad {
	const char *what;
	struct ent ents[4];
	size_t n;
	uint64_t max_entry, max_total;
	const char *must_not_exist; /* inside the root */
};

static int case_no;

/* Apply a hostile tar (fd) into a fresh root next to an "outside" tree and
 * check the error and that nothing outside the root changed. */
static void expect_refused(const char *what, int fd, const struct layer_apply_opts *o,
			   const char *must_not_exist)
{
	_cleanup_free_ char *cdir = xasprintf("%s/case%d", base, ++case_no);
	_cleanup_free_ char *rootp = path_join(cdir, "root");
	_cleanup_free_ char *outp = path_join(cdir, "outside");
	mkdir(cdir, 0755);
	mkdir(outp, 0755);
	_cleanup_free_ char *secret = path_join(outp, "secret");
	write_file_atomic_at(AT_FDCWD, secret, "secret\n", 7, 0644, 0, NULL);
	int root = new_dir(rootp);
	_cleanup_free_ char *before = snapshot(rootp);
	struct err e = ERR_INIT;
	int r = apply(root, fd, o, NULL, &e);
	ok(r < 0, "%s: refused", what);
	is_int(e.kind, ERR_INVALID, "%s: ERR_INVALID: %s", what, err_msg(&e));
	_cleanup_free_ char *after = snapshot(rootp);
	is_str(after, before, "%s: nothing changed outside the root", what);
	ok(!escaped_anywhere(), "%s: no escape in /, /tmp, /etc", what);
	if (must_not_exist) {
		struct stat st;
		ok(!stat_at(root, must_not_exist, &st), "%s: \"%s\" not created", what,
		   must_not_exist);
	}
	err_clear(&e);
	close(root);
}

static void test_hostile(void)
{
	char up[128], upabs[128], deep[128], esc_file[128];
	snprintf(up, sizeof(up), "../%s", esc);
	snprintf(upabs, sizeof(upabs), "/abs/../../%s", esc);
	snprintf(deep, sizeof(deep), "a/../../%s", esc);
	snprintf(esc_file, sizeof(esc_file), "l/%s", esc);
	/* The outside directory of the next case (case numbers are known). */
	char outside[256];

	struct layer_apply_opts o = {.keep_owners = true};
	struct bad cases[] = {
		{"\"../name\"", {{.name = up, .data = "x"}}, 1},
		{"\"/abs/../../name\"", {{.name = upabs, .data = "x"}}, 1},
		{"\"a/../../name\"", {{.name = deep, .data = "x"}}, 1},
		{"a directory \"../name/\"", {{.name = up, .type = AE_IFDIR}}, 1},
		{"symlink to \"../../..\" then a file through it",
		 {{.name = "l", .type = AE_IFLNK, .link = "../../.."},
		  {.name = esc_file, .data = "x"}},
		 2},
		{"symlink through a real directory, \"sub/../../..\"",
		 {{.name = "sub/", .type = AE_IFDIR},
		  {.name = "l", .type = AE_IFLNK, .link = "sub/../../../.."},
		  {.name = esc_file, .data = "x"}},
		 3},
		{"a chain of symlinks climbing out",
		 {{.name = "b", .type = AE_IFLNK, .link = "../.."},
		  {.name = "l", .type = AE_IFLNK, .link = "b/.."},
		  {.name = esc_file, .data = "x"}},
		 3},
		{"a symlink loop",
		 {{.name = "l", .type = AE_IFLNK, .link = "l"}, {.name = esc_file, .data = "x"}},
		 2},
		{"hardlink to \"../../etc/passwd\"",
		 {{.name = "h", .hardlink = "../../etc/passwd"}},
		 1,
		 .must_not_exist = "h"},
		{"hardlink to \"/etc/passwd\" (absent in the root)",
		 {{.name = "h", .hardlink = "/etc/passwd"}},
		 1,
		 .must_not_exist = "h"},
		{"hardlink through a symlink climbing out",
		 {{.name = "l", .type = AE_IFLNK, .link = "../../../.."},
		  {.name = "h", .hardlink = "l/etc/passwd"}},
		 2,
		 .must_not_exist = "h"},
		{"hardlink to a directory",
		 {{.name = "d/", .type = AE_IFDIR}, {.name = "h", .hardlink = "d"}},
		 2,
		 .must_not_exist = "h"},
		{"hardlink to the root", {{.name = "h", .hardlink = "./"}}, 1, .must_not_exist = "h"},
		{"an entry over max_entry_size",
		 {{.name = "big", .size = 2000}},
		 1,
		 .max_entry = 1000,
		 .must_not_exist = "big"},
		{"a layer over max_total_size",
		 {{.name = "one", .size = 40000}, {.name = "two", .size = 40000}},
		 2,
		 .max_total = 60000,
		 .must_not_exist = "two"},
		{"a sparse entry declaring 10 GiB over max_total_size",
		 {{.name = "sparse", .size = 10ull << 30, .sparse = true}},
		 1,
		 .max_total = 1ull << 30,
		 .must_not_exist = "sparse"},
		{"xattr trusted.overlay.opaque from the tar",
		 {{.name = "d/", .type = AE_IFDIR, .xname = "trusted.overlay.opaque", .xvalue = "y"}},
		 1},
		{"xattr user.overlay.redirect from the tar",
		 {{.name = "f", .data = "f", .xname = "user.overlay.redirect", .xvalue = "/x"}},
		 1},
		{"whiteout \".wh..\"", {{.name = "d/.wh..", .data = ""}}, 1},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct layer_apply_opts co = o;
		co.max_entry_size = cases[i].max_entry;
		co.max_total_size = cases[i].max_total;
		int fd = build(F_GZIP, cases[i].ents, cases[i].n);
		expect_refused(cases[i].what, fd, &co, cases[i].must_not_exist);
		close(fd);
	}

	/* A symlink to the absolute path of the outside directory, then a
	 * file through it (the target only exists outside). */
	snprintf(outside, sizeof(outside), "%s/case%d/outside", base, case_no + 1);
	struct ent abs_link[] = {{.name = "l", .type = AE_IFLNK, .link = outside},
				 {.name = "l/file", .data = "x"}};
	int fd = build(F_NONE, abs_link, 2);
	expect_refused("symlink to an outside directory then a file through it", fd, &o, NULL);
	close(fd);
	snprintf(outside, sizeof(outside), "%s/case%d/outside", base, case_no + 1);
	struct ent abs_link2[] = {{.name = "l", .type = AE_IFLNK, .link = outside},
				  {.name = "l/.wh.secret", .data = ""}};
	fd = build(F_NONE, abs_link2, 2);
	expect_refused("symlink to an outside directory then a whiteout through it", fd, &o,
		       NULL);
	close(fd);
	snprintf(outside, sizeof(outside), "%s/case%d/outside", base, case_no + 1);
	struct ent abs_link3[] = {{.name = "l", .type = AE_IFLNK, .link = outside},
				  {.name = "l/.wh..wh..opq", .data = ""}};
	fd = build(F_NONE, abs_link3, 2);
	expect_refused("symlink to an outside directory then an opaque marker through it", fd,
		       &o, NULL);
	close(fd);

	/* Names and link targets over 4096 bytes. */
	char *longname = xmalloc(5001);
	for (int i = 0; i < 5000; i++)
		longname[i] = (i % 100 == 99) ? '/' : 'n';
	longname[5000] = '\0';
	struct ent long1[] = {{.name = longname, .data = "x"}};
	fd = build(F_ZSTD, long1, 1);
	expect_refused("a 5000-byte name", fd, &o, NULL);
	close(fd);
	struct ent long2[] = {{.name = "l", .type = AE_IFLNK, .link = longname}};
	fd = build(F_ZSTD, long2, 1);
	expect_refused("a 5000-byte symlink target", fd, &o, "l");
	close(fd);
	struct ent long3[] = {{.name = "h", .hardlink = longname}};
	fd = build(F_ZSTD, long3, 1);
	expect_refused("a 5000-byte hardlink target", fd, &o, "h");
	close(fd);
	free(longname);

	/* Damaged streams: truncated and corrupted gzip and zstd, garbage. */
	struct ent content[] = {{.name = "a", .size = 200000}, {.name = "b", .size = 200000}};
	for (int f = F_GZIP; f <= F_ZSTD; f++) {
		const char *fname = f == F_GZIP ? "gzip" : "zstd";
		for (int how = 0; how < 4; how++) {
			static const char *const hows[] = {"truncated in the middle",
							   "missing its last 4 bytes", "corrupt",
							   "with trailing garbage"};
			_cleanup_free_ char *w = xasprintf("%s %s", fname, hows[how]);
			fd = build((enum filter)f, content, 2);
			struct stat st;
			fstat(fd, &st);
			unsigned char junk[64];
			memset(junk, 0xa5, sizeof(junk));
			bool done;
			if (how == 0)
				done = ftruncate(fd, st.st_size / 2) == 0;
			else if (how == 1)
				done = ftruncate(fd, st.st_size - 4) == 0;
			else if (how == 2)
				/* gzip's CRC catches damage anywhere; a zstd frame
				 * without a checksum stores this random data raw, so
				 * damage there only shows in the diff_id: break the
				 * frame header instead. */
				done = pwrite(fd, junk, sizeof(junk),
					      f == F_GZIP ? st.st_size / 2 : 4) == sizeof(junk);
			else
				done = pwrite(fd, "trailing garbage", 16, st.st_size) == 16;
			ok(done, "%s: damage the stream", w);
			expect_refused(w, fd, &o, NULL);
			close(fd);
		}
	}
	fd = memfd_create("junk", MFD_CLOEXEC);
	unsigned char junk[4096];
	fill_random(junk, sizeof(junk), 7);
	write_all(fd, junk, sizeof(junk));
	expect_refused("random bytes", fd, &o, NULL);
	close(fd);
	fd = build(F_NONE, content, 2);
	ok(ftruncate(fd, 512 + 1000) == 0, "truncate a plain tar");
	expect_refused("a truncated plain tar", fd, &o, NULL);
	close(fd);
}

/* The last component is never followed: entries replace symlinks that
 * point outside instead of writing through them. */
static void test_replace_outside_links(void)
{
	_cleanup_free_ char *cdir = path_join(base, "replace");
	_cleanup_free_ char *outp = path_join(cdir, "outside");
	_cleanup_free_ char *rootp = path_join(cdir, "root");
	mkdir(cdir, 0755);
	mkdir(outp, 0755);
	_cleanup_free_ char *secret = path_join(outp, "secret");
	write_file_atomic_at(AT_FDCWD, secret, "secret\n", 7, 0644, 0, NULL);
	int root = new_dir(rootp);
	struct ent l1[] = {{.name = "f", .type = AE_IFLNK, .link = secret},
			   {.name = "d", .type = AE_IFLNK, .link = outp},
			   {.name = "h", .type = AE_IFLNK, .link = secret}};
	struct ent l2[] = {{.name = "f", .data = "overwritten?"},
			   {.name = "d/", .type = AE_IFDIR, .perm = 0700},
			   {.name = "h", .hardlink = "f"}};
	int fd1 = build(F_NONE, l1, 3), fd2 = build(F_NONE, l2, 3);
	struct layer_apply_opts o = {.keep_owners = true};
	struct err e = ERR_INIT;
	is_int(apply(root, fd1, &o, NULL, &e), 0, "replace: layer with outside symlinks: %s",
	       err_msg(&e));
	err_clear(&e);
	_cleanup_free_ char *before = snapshot(rootp);
	is_int(apply(root, fd2, &o, NULL, &e), 0, "replace: layer over them: %s", err_msg(&e));
	err_clear(&e);
	_cleanup_free_ char *after = snapshot(rootp);
	is_str(after, before, "replace: nothing outside changed");
	struct stat st, st2;
	ok(stat_at(root, "f", &st) && S_ISREG(st.st_mode), "replace: f is a file in the root");
	ok(stat_at(root, "d", &st) && S_ISDIR(st.st_mode), "replace: d is a directory in the root");
	ok(stat_at(root, "f", &st) && stat_at(root, "h", &st2) && st2.st_ino == st.st_ino &&
		   st.st_nlink == 2,
	   "replace: h is a hardlink of f");
	char *s = read_at(AT_FDCWD, secret);
	is_str(s, "secret\n", "replace: the outside file is intact");
	free(s);
	close(fd1);
	close(fd2);
	close(root);
}

static void test_options(void)
{
	struct ent ents[] = {{.name = "f", .data = "f", .uid = 1000, .gid = 1000},
			     {.name = "d/", .type = AE_IFDIR, .uid = 1000, .gid = 1000}};
	int fd = build(F_GZIP, ents, 2);
	_cleanup_free_ char *p = path_join(base, "no-owners");
	int root = new_dir(p);
	struct layer_apply_opts o = {.keep_owners = false};
	struct err e = ERR_INIT;
	is_int(apply(root, fd, &o, NULL, &e), 0, "keep_owners=false: %s", err_msg(&e));
	err_clear(&e);
	struct stat st;
	ok(stat_at(root, "f", &st) && st.st_uid == 0 && stat_at(root, "d", &st) && st.st_uid == 0,
	   "keep_owners=false: entries belong to the caller");
	close(root);
	free(p);
	p = path_join(base, "null-opts");
	root = new_dir(p);
	is_int(apply(root, fd, NULL, NULL, &e), 0, "NULL options and result: %s", err_msg(&e));
	err_clear(&e);
	ok(stat_at(root, "f", &st) && st.st_uid == 1000, "NULL options: owners kept as root");
	close(root);
	close(fd);

	/* Errors may be ignored (e NULL). */
	struct ent bad[] = {{.name = "../x", .data = "x"}};
	fd = build(F_NONE, bad, 1);
	free(p);
	p = path_join(base, "null-err");
	root = new_dir(p);
	ok(apply(root, fd, &o, NULL, NULL) < 0, "a refused layer with a NULL error");
	close(root);
	close(fd);

	/* An empty stream is an empty layer. */
	fd = memfd_create("empty", MFD_CLOEXEC);
	free(p);
	p = path_join(base, "empty-layer");
	root = new_dir(p);
	struct layer_result r = {0};
	is_int(apply(root, fd, &o, &r, &e), 0, "an empty stream: %s", err_msg(&e));
	err_clear(&e);
	is_str(r.diff_id, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	       "an empty stream: diff_id of nothing");
	layer_result_clear(&r);
	close(root);
	close(fd);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("1..0 # skip: needs root (devices, owners, trusted xattrs)\n");
		return 0;
	}
	if (!mkdtemp(base))
		return 1;
	chmod(base, 0755);
	snprintf(esc, sizeof(esc), "berth-layer-escape-%d", (int)getpid());

	test_ordinary();
	test_whiteouts();
	test_replace_outside_links();
	test_options();
	test_hostile();

	struct err e = ERR_INIT;
	/* Directories made read-only by layers are removable by root. */
	if (!getenv("KEEP")) rm_rf_at(AT_FDCWD, base, &e);
	err_clear(&e);
	return tap_done();
}
