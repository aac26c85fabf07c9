/* test-commit: layers committed from an overlay upper directory, made by
 * hand here (every entry type, overlay whiteouts and xattrs): the blob and
 * the unpacked layer in the store, the tar read back with libarchive (and
 * tar(1) when present) and applied flat onto a tree it changes, the same
 * tree committed twice, the empty layer, and the uppers that are refused
 * (left in place); then an upper the kernel's overlay wrote, committed
 * and stacked as a lower layer.  Runs as root (devices, owners, trusted.* xattrs);
 * skips otherwise. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/digest.h"
#include "base/fs-util.h"
#include "base/strbuf.h"
#include "image/commit.h"
#include "image/layer.h"
#include "image/store.h"
#include "sanitizer-options.h"
#include "tap.h"

#define MTIME 1600000000
#define BIG_UID 3000000 /* more than the 7 octal digits of ustar */
/* sha256 of 1024 zero bytes: the tar of nothing. */
#define EMPTY_LAYER "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"

static char base[] = "/tmp/berth-test-commit-XXXXXX";
static struct store st;
static bool private_mounts; /* in a mount namespace of our own */

/* security.capability, VFS_CAP_REVISION_2 with the effective flag:
 * cap_net_bind_service (10) permitted. */
static const unsigned char cap[20] = {0x01, 0x00, 0x00, 0x02, 0x00, 0x04};
static const unsigned char origin[] = {0x00, 0xfb, 0x21, 0x01, 0x7f};

static char long_name[151], long_target[161], dir_a[61], dir_b[61], bin_name[122];
static char *deep_file, *bin_rel, *long_rel;

static void names_init(void)
{
	memset(long_name, 'l', 150);
	memcpy(long_target, "target/", 7);
	memset(long_target + 7, 't', 153);
	memset(dir_a, 'd', 60);
	memset(dir_b, 'e', 60);
	/* Not UTF-8, and over 100 bytes with its directory. */
	bin_name[0] = (char)0xff;
	memset(bin_name + 1, 'x', 120);
	deep_file = xasprintf("deep/%s/%s/f", dir_a, dir_b);
	bin_rel = xasprintf("dir/%s", bin_name);
	long_rel = xasprintf("dir/%s", long_name);
}

static char *at(const char *dir, const char *rel)
{
	return xasprintf("%s/%s", dir, rel);
}

static void put(const char *dir, const char *rel, const char *content, mode_t mode)
{
	_cleanup_free_ char *p = at(dir, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || write(fd, content, strlen(content)) != (ssize_t)strlen(content))
		printf("# write %s: %s\n", p, strerror(errno));
	if (fd >= 0)
		close(fd);
	if (chmod(p, mode) < 0)
		printf("# chmod %s: %s\n", p, strerror(errno));
}

static void mkd(const char *dir, const char *rel)
{
	_cleanup_free_ char *p = at(dir, rel);
	if (mkdir(p, 0755) < 0)
		printf("# mkdir %s: %s\n", p, strerror(errno));
}

static void xset(const char *dir, const char *rel, const char *name, const void *v, size_t len)
{
	_cleanup_free_ char *p = at(dir, rel);
	if (lsetxattr(p, name, v, len, 0) < 0)
		printf("# setxattr %s %s: %s\n", p, name, strerror(errno));
}

/* The value (NUL-terminated; *len its length) or NULL. */
static char *xget(const char *dir, const char *rel, const char *name, size_t *len)
{
	_cleanup_free_ char *p = at(dir, rel);
	char buf[256];
	ssize_t n = lgetxattr(p, name, buf, sizeof(buf) - 1);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	if (len)
		*len = (size_t)n;
	char *r = xmalloc((size_t)n + 1);
	memcpy(r, buf, (size_t)n + 1);
	return r;
}

static bool xabsent(const char *dir, const char *rel, const char *name)
{
	_cleanup_free_ char *p = at(dir, rel);
	return lgetxattr(p, name, NULL, 0) < 0 && errno == ENODATA;
}

static bool exists(const char *dir, const char *rel)
{
	_cleanup_free_ char *p = at(dir, rel);
	struct stat s;
	return lstat(p, &s) == 0;
}

static struct stat lst(const char *dir, const char *rel)
{
	_cleanup_free_ char *p = at(dir, rel);
	struct stat s;
	if (lstat(p, &s) < 0)
		memset(&s, 0, sizeof(s));
	return s;
}

static char *slurp(const char *dir, const char *rel)
{
	_cleanup_free_ char *p = at(dir, rel);
	char *buf = NULL;
	size_t len;
	if (read_file_at(AT_FDCWD, p, 1 << 20, &buf, &len, NULL) < 0)
		return NULL;
	return buf;
}

static char *readlink_of(const char *dir, const char *rel)
{
	_cleanup_free_ char *p = at(dir, rel);
	char buf[4097];
	ssize_t n = readlink(p, buf, sizeof(buf) - 1);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

static size_t count_entries(const char *path)
{
	DIR *d = opendir(path);
	size_t n = 0;
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void run(const char *cmd)
{
	if (system(cmd) != 0)
		printf("# failed: %s\n", cmd);
}

/* The upper directory of a container that wrote, removed and replaced
 * things: the same every time (times included), so two of them commit to
 * the same layer. */
static void make_upper(const char *u)
{
	if (mkdir(u, 0755) < 0)
		printf("# mkdir %s: %s\n", u, strerror(errno));
	put(u, "hello", "hello world\n", 0640);
	_cleanup_free_ char *hello = at(u, "hello");
	if (chown(hello, 1000, 1001) < 0)
		printf("# chown: %s\n", strerror(errno));
	xset(u, "hello", "user.x", "value", 5);
	xset(u, "hello", "trusted.overlay.origin", origin, sizeof(origin));
	xset(u, ".", "trusted.overlay.impure", "y", 1);

	mkd(u, "dir");
	xset(u, "dir", "trusted.overlay.impure", "y", 1);
	mkd(u, "dir/sub");
	put(u, "dir/sub/file", "nested\n", 0644);
	put(u, "dir/sub/capbin", "#!/bin/true\n", 0755);
	xset(u, "dir/sub/capbin", "security.capability", cap, sizeof(cap));
	put(u, long_rel, "long\n", 0644);
	put(u, bin_rel, "binary name\n", 0600);
	mkd(u, "deep");
	_cleanup_free_ char *d1 = xasprintf("deep/%s", dir_a);
	_cleanup_free_ char *d2 = xasprintf("deep/%s/%s", dir_a, dir_b);
	mkd(u, d1);
	mkd(u, d2);
	put(u, deep_file, "deep\n", 0644);

	/* A hard link pair: "dir/hl2" is met first (dir < hl1). */
	put(u, "hl1", "linked\n", 0644);
	_cleanup_free_ char *hl1 = at(u, "hl1"), *hl2 = at(u, "dir/hl2");
	if (link(hl1, hl2) < 0)
		printf("# link: %s\n", strerror(errno));

	_cleanup_free_ char *ln = at(u, "link"), *lln = at(u, "longlink");
	if (symlink("dir/sub/file", ln) < 0 || symlink(long_target, lln) < 0)
		printf("# symlink: %s\n", strerror(errno));

	_cleanup_free_ char *gone = at(u, "gone"), *fifo = at(u, "fifo");
	if (mknod(gone, S_IFCHR | 0, makedev(0, 0)) < 0 || mkfifo(fifo, 0600) < 0)
		printf("# mknod: %s\n", strerror(errno));

	mkd(u, "opq");
	xset(u, "opq", "trusted.overlay.opaque", "y", 1);
	put(u, "opq/new", "new\n", 0644);

	put(u, "uid", "big owner\n", 0644);
	_cleanup_free_ char *uid = at(u, "uid");
	if (chown(uid, BIG_UID, BIG_UID) < 0)
		printf("# chown: %s\n", strerror(errno));

	/* A socket a process left: in no layer. */
	_cleanup_free_ char *sock = at(u, "sock");
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		printf("# bind %s: %s\n", sock, strerror(errno));
	if (s >= 0)
		close(s);

	/* Times last, children before their directories. */
	_cleanup_free_ char *cmd =
		xasprintf("find '%s' -depth -exec touch -h -d @%d {} +", u, MTIME);
	run(cmd);
	put(u, "old", "from before 1970\n", 0644);
	_cleanup_free_ char *old = at(u, "old");
	struct timespec ts[2] = {{.tv_sec = -100}, {.tv_sec = -100}};
	if (utimensat(AT_FDCWD, old, ts, AT_SYMLINK_NOFOLLOW) < 0)
		printf("# utimensat: %s\n", strerror(errno));
	struct timespec root_ts[2] = {{.tv_sec = MTIME}, {.tv_sec = MTIME}};
	utimensat(AT_FDCWD, u, root_ts, 0);
}

/* The tar's entries in order, one a line: name, and " -> target" for
 * links ("=>" for hard links). */
static char *list_tar(int fd, struct err *e)
{
	struct archive *a = archive_read_new();
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	struct strbuf sb = STRBUF_INIT;
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
		err_set(e, ERR_INVALID, "%s", archive_error_string(a));
		archive_read_free(a);
		return NULL;
	}
	struct archive_entry *ent;
	int r;
	while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const char *n = archive_entry_pathname(ent);
		if (!n)
			n = archive_entry_pathname_utf8(ent);
		strbuf_addstr(&sb, n ? n : "(null)");
		const char *hl = archive_entry_hardlink(ent), *sl = archive_entry_symlink(ent);
		if (hl)
			strbuf_addf(&sb, " => %s", hl);
		else if (sl)
			strbuf_addf(&sb, " -> %s", sl);
		strbuf_addch(&sb, '\n');
	}
	if (r != ARCHIVE_EOF)
		err_set(e, ERR_INVALID, "%s", archive_error_string(a));
	archive_read_free(a);
	return strbuf_detach(&sb, NULL);
}

static char *expected_listing(void)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "deep/\ndeep/%s/\ndeep/%s/%s/\n%s\n", dir_a, dir_a, dir_b, deep_file);
	strbuf_addf(&sb, "dir/\ndir/hl2\n%s\ndir/sub/\ndir/sub/capbin\ndir/sub/file\n%s\n",
		    long_rel, bin_rel);
	strbuf_addstr(&sb, "fifo\n.wh.gone\nhello\nhl1 => dir/hl2\nlink -> dir/sub/file\n");
	strbuf_addf(&sb, "longlink -> %s\nold\nopq/\nopq/.wh..wh..opq\nopq/new\nuid\n",
		    long_target);
	return strbuf_detach(&sb, NULL);
}

static void check_applied(const char *t)
{
	ok(!exists(t, "gone"), "apply: the whiteout removed \"gone\"");
	ok(exists(t, "keep"), "apply: an untouched file stays");
	ok(!exists(t, "opq/old"), "apply: the opaque directory lost its old content");
	_cleanup_free_ char *nw = slurp(t, "opq/new");
	is_str(nw, "new\n", "apply: the opaque directory has the new content");
	ok(!exists(t, "opq/.wh..wh..opq") && !exists(t, ".wh.gone"), "apply: no marker files");
	ok(!exists(t, "sock"), "apply: no socket");
	_cleanup_free_ char *lg = slurp(t, long_rel);
	is_str(lg, "long\n", "apply: the long name");
	_cleanup_free_ char *bn = slurp(t, bin_rel);
	is_str(bn, "binary name\n", "apply: the long name that is not UTF-8");
	_cleanup_free_ char *dp = slurp(t, deep_file);
	is_str(dp, "deep\n", "apply: the long path");
	struct stat h1 = lst(t, "hl1"), h2 = lst(t, "dir/hl2");
	ok(h1.st_ino && h1.st_ino == h2.st_ino && h1.st_nlink == 2, "apply: a hard link pair");
	_cleanup_free_ char *l1 = readlink_of(t, "link"), *l2 = readlink_of(t, "longlink");
	is_str(l1, "dir/sub/file", "apply: the symlink");
	is_str(l2, long_target, "apply: the symlink with a long target");
	_cleanup_free_ char *ux = xget(t, "hello", "user.x", NULL);
	is_str(ux, "value", "apply: user.x");
	size_t clen = 0;
	_cleanup_free_ char *cv = xget(t, "dir/sub/capbin", "security.capability", &clen);
	ok(cv && clen == sizeof(cap) && memcmp(cv, cap, sizeof(cap)) == 0,
	   "apply: security.capability");
	struct stat hs = lst(t, "hello");
	is_int(hs.st_mode & 07777, 0640, "apply: mode");
	ok(hs.st_uid == 1000 && hs.st_gid == 1001, "apply: owner");
	is_int(hs.st_mtim.tv_sec, MTIME, "apply: mtime");
	struct stat os = lst(t, "old");
	is_int(os.st_mtim.tv_sec, -100, "apply: an mtime before 1970 (pax)");
	struct stat us = lst(t, "uid");
	ok(us.st_uid == BIG_UID && us.st_gid == BIG_UID, "apply: a large owner (pax)");
	ok(S_ISFIFO(lst(t, "fifo").st_mode), "apply: the fifo");
	struct stat ds = lst(t, "dir");
	is_int(ds.st_mtim.tv_sec, MTIME, "apply: a directory's mtime");
}

static void test_commit(void)
{
	_cleanup_free_ char *u1 = xasprintf("%s/image/tmp/upper1", base);
	make_upper(u1);
	struct layer_commit c;
	struct err e = ERR_INIT;
	int r = layer_commit(&st, u1, &c, &e);
	if (!ok(r == 0, "commit"))
		printf("# %s\n", err_msg(&e));
	err_clear(&e);
	if (r < 0)
		return;
	ok(digest_string_valid(c.diff_id) && digest_string_valid(c.blob), "digests");
	ok(!exists(u1, ""), "the upper directory is gone");
	ok(store_blob_exists(&st, c.blob), "the blob is stored");
	int bfd = store_blob_open(&st, c.blob, &e);
	struct stat bs = {0};
	unsigned char magic[2] = {0};
	if (bfd >= 0) {
		fstat(bfd, &bs);
		if (pread(bfd, magic, 2, 0) != 2)
			magic[0] = 0;
	}
	is_int(bs.st_size, c.blob_size, "blob size");
	ok(magic[0] == 0x1f && magic[1] == 0x8b, "the blob is gzip");
	ok(store_layer_exists(&st, c.diff_id), "the layer exists");
	is_int(store_layer_size(&st, c.diff_id), c.size, "store_layer_size");
	ok(c.size % 512 == 0 && c.size > 1024, "size: a tar's length");

	/* The unpacked layer: the upper as it was, less overlay's state. */
	_cleanup_free_ char *lp = store_layer_path(&st, c.diff_id);
	_cleanup_free_ char *hello = slurp(lp, "hello");
	is_str(hello, "hello world\n", "layer: content");
	ok(xabsent(lp, "hello", "trusted.overlay.origin"), "layer: trusted.overlay.origin removed");
	ok(xabsent(lp, "dir", "trusted.overlay.impure"), "layer: trusted.overlay.impure removed");
	ok(xabsent(lp, ".", "trusted.overlay.impure"), "layer: the root's impure removed");
	_cleanup_free_ char *ux = xget(lp, "hello", "user.x", NULL);
	is_str(ux, "value", "layer: user.x kept");
	_cleanup_free_ char *oq = xget(lp, "opq", "trusted.overlay.opaque", NULL);
	is_str(oq, "y", "layer: opaque kept");
	struct stat gs = lst(lp, "gone");
	ok(S_ISCHR(gs.st_mode) && gs.st_rdev == makedev(0, 0), "layer: whiteout kept");
	ok(!exists(lp, "sock"), "layer: the socket removed");
	_cleanup_free_ char *lr = readlink_of(lp, "longlink");
	is_str(lr, long_target, "layer: symlink");
	_cleanup_free_ char *tmpdir = xasprintf("%s/image/tmp", base);
	is_int(count_entries(tmpdir), 0, "nothing left in tmp/");

	/* The tar read back. */
	if (bfd >= 0) {
		lseek(bfd, 0, SEEK_SET);
		_cleanup_free_ char *got = list_tar(bfd, &e);
		_cleanup_free_ char *want = expected_listing();
		if (!ok(got && streq(got, want), "tar entries, in order"))
			printf("# got:\n%s# want:\n%s# %s\n", got ? got : "", want, err_msg(&e));
		err_clear(&e);
	}
	if (system("command -v tar >/dev/null 2>&1") == 0) {
		_cleanup_free_ char *cmd =
			xasprintf("tar -tzf '%s/image/blobs/sha256/%s' >/dev/null 2>&1", base,
				  digest_hex(c.blob));
		/* (GNU tar notes that it does not know pax hdrcharset) */
		ok(system(cmd) == 0, "tar(1) reads the blob");
	}

	/* Applied flat onto a tree it changes. */
	_cleanup_free_ char *t = xasprintf("%s/target", base);
	mkd(base, "target");
	put(t, "gone", "to be whited out\n", 0644);
	put(t, "keep", "kept\n", 0644);
	mkd(t, "opq");
	put(t, "opq/old", "old\n", 0644);
	_cleanup_close_ int tfd = open(t, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct layer_apply_opts o = {.overlay_whiteouts = false, .keep_owners = true};
	struct layer_result res = {0};
	if (bfd >= 0)
		lseek(bfd, 0, SEEK_SET);
	r = layer_apply(tfd, bfd, &o, &res, &e);
	if (!ok(r == 0, "layer_apply of the blob"))
		printf("# %s\n", err_msg(&e));
	err_clear(&e);
	if (r == 0) {
		is_str(res.diff_id, c.diff_id, "layer_apply: the same diff_id");
		is_str(res.compressed_digest, c.blob, "layer_apply: the same blob digest");
		is_int(res.uncompressed_size, c.size, "layer_apply: the same size");
		check_applied(t);
	}
	layer_result_clear(&res);
	if (bfd >= 0)
		close(bfd);

	/* The same changes again: the same layer, the second copy dropped. */
	_cleanup_free_ char *u2 = xasprintf("%s/image/tmp/upper2", base);
	make_upper(u2);
	struct layer_commit c2;
	r = layer_commit(&st, u2, &c2, &e);
	if (!ok(r == 0, "commit the same content again"))
		printf("# %s\n", err_msg(&e));
	err_clear(&e);
	is_str(c2.diff_id, c.diff_id, "again: the same diff_id");
	is_str(c2.blob, c.blob, "again: the same blob");
	ok(c2.blob_size == c.blob_size && c2.size == c.size, "again: the same sizes");
	ok(!exists(u2, ""), "again: the second upper directory is gone");
	ok(store_layer_exists(&st, c.diff_id), "again: the layer is still there");
	_cleanup_free_ char *h2 = slurp(lp, "hello");
	is_str(h2, "hello world\n", "again: the stored layer is the first");
	is_int(count_entries(tmpdir), 0, "again: nothing left in tmp/");
	layer_commit_clear(&c2);
	layer_commit_clear(&c);
}

static void test_empty(void)
{
	_cleanup_free_ char *u = xasprintf("%s/image/tmp/empty", base);
	mkdir(u, 0755);
	struct layer_commit c;
	struct err e = ERR_INIT;
	int r = layer_commit(&st, u, &c, &e);
	if (!ok(r == 0, "commit an empty upper"))
		printf("# %s\n", err_msg(&e));
	err_clear(&e);
	is_str(c.diff_id, EMPTY_LAYER, "empty: the empty layer's diff_id");
	is_int(c.size, 1024, "empty: two zero blocks");
	ok(store_layer_exists(&st, EMPTY_LAYER), "empty: the layer exists");
	layer_commit_clear(&c);
}

/* layer_commit_copy: the same layer as layer_commit, the directory left
 * as it was (anywhere: no rename). */
static void test_copy(void)
{
	_cleanup_free_ char *u = xasprintf("%s/upper-kept", base);
	make_upper(u);
	struct layer_commit c, ref;
	struct err e = ERR_INIT;
	int r = layer_commit_copy(&st, u, &c, &e);
	if (!ok(r == 0, "copy: commit"))
		printf("# %s\n", err_msg(&e));
	err_clear(&e);
	if (r < 0)
		return;
	ok(exists(u, "hello") && exists(u, "sock"), "copy: the upper directory stays, its socket too");
	ok(!xabsent(u, "hello", "trusted.overlay.origin"), "copy: overlay xattrs stay");
	ok(store_layer_exists(&st, c.diff_id), "copy: the layer exists");
	_cleanup_free_ char *lp = store_layer_path(&st, c.diff_id);
	_cleanup_free_ char *hello = slurp(lp, "hello");
	is_str(hello, "hello world\n", "copy: layer content");
	/* The same changes committed the moving way: the same tar. */
	_cleanup_free_ char *u2 = xasprintf("%s/image/tmp/upper-ref", base);
	make_upper(u2);
	r = layer_commit(&st, u2, &ref, &e);
	err_clear(&e);
	if (r == 0) {
		is_str(c.diff_id, ref.diff_id, "copy: the diff_id of layer_commit");
		is_str(c.blob, ref.blob, "copy: the blob of layer_commit");
	}
	layer_commit_clear(&ref);
	layer_commit_clear(&c);
	rm_rf_at(AT_FDCWD, u, NULL);
}

static char *tar_of(int dirfd, const char *name, const char *tar_name, enum err_kind *ret_kind)
{
	_cleanup_free_ char *path = xasprintf("%s/out.tar", base);
	_cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	struct err e = ERR_INIT;
	*ret_kind = ERR_OK;
	if (tar_write_tree(dirfd, name, tar_name, fd, &e) < 0) {
		*ret_kind = e.kind;
		err_clear(&e);
		return NULL;
	}
	lseek(fd, 0, SEEK_SET);
	char *list = list_tar(fd, &e);
	err_clear(&e);
	return list;
}

/* tar_write_tree: plain tars, named as asked, nothing changed. */
static void test_tar_write(void)
{
	_cleanup_free_ char *t = xasprintf("%s/plain", base);
	mkd(base, "plain");
	put(t, "a", "A\n", 0644);
	mkd(t, "d");
	put(t, "d/b", "B\n", 0600);
	_cleanup_free_ char *l = at(t, "d/l"), *w = at(t, "wh");
	if (symlink("/etc", l) < 0 || mknod(w, S_IFCHR | 0600, makedev(0, 0)) < 0)
		printf("# setup failed\n");
	xset(t, "a", "trusted.overlay.origin", origin, sizeof(origin));
	_cleanup_close_ int bfd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int tfd = open(t, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int dfd = open(t, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	enum err_kind k;
	_cleanup_free_ char *named = tar_of(bfd, "plain", "top", &k);
	is_str(named, "top/\ntop/a\ntop/d/\ntop/d/b\ntop/d/l -> /etc\ntop/wh\n",
	       "tar_write_tree: a directory as tar_name/");
	_cleanup_free_ char *content = tar_of(tfd, ".", NULL, &k);
	is_str(content, "a\nd/\nd/b\nd/l -> /etc\nwh\n", "tar_write_tree: a directory's content");
	_cleanup_free_ char *content2 = tar_of(dfd, ".", NULL, &k);
	is_str(content2, "a\nd/\nd/b\nd/l -> /etc\nwh\n", "tar_write_tree: from an O_RDONLY descriptor");
	_cleanup_free_ char *file = tar_of(tfd, "a", "renamed", &k);
	is_str(file, "renamed\n", "tar_write_tree: a file under another name");
	_cleanup_free_ char *link = tar_of(tfd, "d/l", "l", &k);
	is_str(link, "l -> /etc\n", "tar_write_tree: a symlink, not followed");
	_cleanup_free_ char *none = tar_of(tfd, "a", NULL, &k);
	ok(!none && k == ERR_INVALID, "tar_write_tree: a file's content is refused");
	_cleanup_free_ char *bad = tar_of(tfd, "d", "x/y", &k);
	ok(!bad && k == ERR_INVALID, "tar_write_tree: a tar_name with a slash is refused");
	ok(!xabsent(t, "a", "trusted.overlay.origin"), "tar_write_tree: nothing removed");
	struct stat ws = lst(t, "wh");
	ok(S_ISCHR(ws.st_mode), "tar_write_tree: a 0/0 device stays one");
}

/* What the container saw: the lower layer with its changes. */
static void check_view(const char *what, const char *v)
{
	_cleanup_free_ char *k = slurp(v, "keep"), *m = slurp(v, "mod"), *c = slurp(v, "d/c"),
			    *r2 = slurp(v, "ren2"), *ad = slurp(v, "added"),
			    *nf = slurp(v, "newdir/f");
	is_str(k, "keep\n", "%s: a lower file untouched", what);
	is_str(m, "new\n", "%s: a lower file rewritten", what);
	ok(!exists(v, "del"), "%s: a lower file removed", what);
	ok(!exists(v, "d/a") && !exists(v, "d/b"), "%s: a directory made again is opaque", what);
	is_str(c, "c\n", "%s: ... with its new content", what);
	ok(!exists(v, "ren"), "%s: a renamed file is gone from its old name", what);
	is_str(r2, "ren\n", "%s: ... and at its new name", what);
	is_str(ad, "added\n", "%s: a new file", what);
	is_str(nf, "f\n", "%s: a new directory", what);
}

/* An upper written by the kernel's overlay: copy-up (with its origin
 * xattr), whiteouts, an opaque directory.  The committed layer is then a
 * lower layer over the original one, and applied flat onto a copy of it:
 * both must show what the container saw.  Skipped where overlay cannot
 * be mounted. */
static void test_overlay(void)
{
	_cleanup_free_ char *lower = xasprintf("%s/lower", base);
	_cleanup_free_ char *upper = xasprintf("%s/image/tmp/ovl-upper", base);
	_cleanup_free_ char *work = xasprintf("%s/image/tmp/ovl-work", base);
	_cleanup_free_ char *merged = xasprintf("%s/merged", base);
	mkdir(lower, 0755);
	mkdir(upper, 0755);
	mkdir(work, 0755);
	mkdir(merged, 0755);
	put(lower, "keep", "keep\n", 0644);
	put(lower, "del", "del\n", 0644);
	put(lower, "mod", "old\n", 0644);
	put(lower, "ren", "ren\n", 0644);
	mkd(lower, "d");
	put(lower, "d/a", "a\n", 0644);
	put(lower, "d/b", "b\n", 0644);
	_cleanup_free_ char *opts =
		xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work);
	if (!private_mounts || mount("overlay", merged, "overlay", 0, opts) < 0) {
		printf("# skip the overlay test: %s\n",
		       private_mounts ? strerror(errno) : "no mount namespace");
		return;
	}
	put(merged, "mod", "new\n", 0644);
	_cleanup_free_ char *del = at(merged, "del"), *d = at(merged, "d");
	_cleanup_free_ char *ren = at(merged, "ren"), *ren2 = at(merged, "ren2");
	if (unlink(del) < 0 || rm_rf_at(AT_FDCWD, d, NULL) < 0 || mkdir(d, 0755) < 0 ||
	    rename(ren, ren2) < 0)
		printf("# overlay changes: %s\n", strerror(errno));
	put(merged, "d/c", "c\n", 0644);
	put(merged, "added", "added\n", 0644);
	mkd(merged, "newdir");
	put(merged, "newdir/f", "f\n", 0644);
	check_view("the container", merged);
	if (umount(merged) < 0)
		printf("# umount: %s\n", strerror(errno));
	_cleanup_free_ char *og = xget(upper, "mod", "trusted.overlay.origin", NULL);
	printf("# the kernel %s trusted.overlay.origin on copy-up\n", og ? "set" : "did not set");
	struct stat ws = lst(upper, "del");
	ok(S_ISCHR(ws.st_mode) && ws.st_rdev == 0, "overlay: the kernel made a whiteout");
	_cleanup_free_ char *oq = xget(upper, "d", "trusted.overlay.opaque", NULL);
	is_str(oq, "y", "overlay: the kernel made an opaque directory");

	struct layer_commit c;
	struct err e = ERR_INIT;
	int r = layer_commit(&st, upper, &c, &e);
	if (!ok(r == 0, "overlay: commit the upper directory"))
		printf("# %s\n", err_msg(&e));
	err_clear(&e);
	rm_rf_at(AT_FDCWD, work, NULL);
	if (r < 0)
		return;
	_cleanup_free_ char *lp = store_layer_path(&st, c.diff_id);
	ok(xabsent(lp, "mod", "trusted.overlay.origin") && xabsent(lp, "ren2", "trusted.overlay.origin"),
	   "overlay: no origin in the stored layer");

	/* The layer over the original lower one, read-only. */
	_cleanup_free_ char *ro = xasprintf("lowerdir=%s:%s", lp, lower);
	if (ok(mount("overlay", merged, "overlay", MS_RDONLY, ro) == 0,
	       "overlay: the committed layer mounts as a lower layer")) {
		check_view("stacked", merged);
		if (umount(merged) < 0)
			printf("# umount: %s\n", strerror(errno));
	}

	/* The blob applied flat onto a copy of the lower layer. */
	_cleanup_free_ char *flat = xasprintf("%s/flat", base);
	_cleanup_free_ char *cp = xasprintf("cp -a '%s' '%s'", lower, flat);
	run(cp);
	_cleanup_close_ int ffd = open(flat, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int bfd = store_blob_open(&st, c.blob, &e);
	struct layer_apply_opts o = {.keep_owners = true};
	struct layer_result res = {0};
	r = layer_apply(ffd, bfd, &o, &res, &e);
	if (!ok(r == 0, "overlay: apply the blob flat"))
		printf("# %s\n", err_msg(&e));
	err_clear(&e);
	is_str(res.diff_id, c.diff_id, "overlay: the same diff_id");
	if (r == 0)
		check_view("flat", flat);
	layer_result_clear(&res);
	layer_commit_clear(&c);
}

/* An upper that must be refused, left in place. */
static void refused(const char *what, const char *u, enum err_kind kind)
{
	struct layer_commit c;
	struct err e = ERR_INIT;
	int r = layer_commit(&st, u, &c, &e);
	ok(r < 0 && e.kind == kind, "refused: %s", what);
	printf("# %s\n", err_msg(&e));
	ok(!c.diff_id && !c.blob, "refused: %s: nothing returned", what);
	ok(exists(u, ""), "refused: %s: the upper is left", what);
	err_clear(&e);
	rm_rf_at(AT_FDCWD, u, NULL);
}

static void test_refused(void)
{
	/* (the working directory is base) */
	mkdir("image/tmp/x", 0755);
	refused("a relative path", "image/tmp/x", ERR_INVALID);

	_cleanup_free_ char *u1 = xasprintf("%s/image/tmp/wh", base);
	mkdir(u1, 0755);
	mkd(u1, "a");
	put(u1, "a/.wh.x", "", 0644);
	refused("a name like a whiteout", u1, ERR_UNSUPPORTED);

	_cleanup_free_ char *u2 = xasprintf("%s/image/tmp/redirect", base);
	mkdir(u2, 0755);
	mkd(u2, "moved");
	xset(u2, "moved", "trusted.overlay.redirect", "/orig", 5);
	refused("a redirected directory", u2, ERR_UNSUPPORTED);

	_cleanup_free_ char *u3 = xasprintf("%s/image/tmp/metacopy", base);
	mkdir(u3, 0755);
	put(u3, "f", "", 0644);
	xset(u3, "f", "trusted.overlay.metacopy", "", 0);
	refused("a metacopy file", u3, ERR_UNSUPPORTED);

	/* 21 levels of 200 bytes: a name over 4096 bytes. */
	_cleanup_free_ char *u4 = xasprintf("%s/image/tmp/deep", base);
	mkdir(u4, 0755);
	char comp[201];
	memset(comp, 'c', 200);
	comp[200] = '\0';
	int fd = open(u4, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (int i = 0; i < 21 && fd >= 0; i++) {
		mkdirat(fd, comp, 0755);
		int next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(fd);
		fd = next;
	}
	if (fd >= 0)
		close(fd);
	refused("a name longer than 4096 bytes", u4, ERR_UNSUPPORTED);

	/* The store's file system through another mount: rename(2) would
	 * fail with EXDEV, so it is refused before the work. */
	_cleanup_free_ char *bind = xasprintf("%s/bind", base);
	_cleanup_free_ char *tmpd = xasprintf("%s/image/tmp", base);
	mkdir(bind, 0755);
	if (private_mounts && mount(tmpd, bind, NULL, MS_BIND, NULL) == 0) {
		_cleanup_free_ char *u5 = xasprintf("%s/bound", bind);
		mkdir(u5, 0755);
		refused("the store's file system through a bind mount", u5, ERR_INVALID);
		umount(bind);
	}

	/* /dev/shm: another file system than the store's. */
	struct stat a, b;
	if (stat("/dev/shm", &a) == 0 && stat(base, &b) == 0 && a.st_dev != b.st_dev) {
		char shm[] = "/dev/shm/berth-test-commit-XXXXXX";
		if (mkdtemp(shm))
			refused("another file system", shm, ERR_INVALID);
	}
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
	names_init();
	/* Before the store is open: its descriptor and the paths given to
	 * layer_commit must be on the same mount. */
	private_mounts = unshare(CLONE_NEWNS) == 0 &&
			 mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
	struct err e = ERR_INIT;
	if (store_open(base, STORE_ADD, &st, &e) < 0) {
		printf("Bail out! store_open: %s\n", err_msg(&e));
		return 1;
	}
	/* Paths above are relative to base for "a relative path". */
	if (chdir(base) < 0)
		return 1;

	test_commit();
	test_copy();
	test_tar_write();
	test_empty();
	test_refused();
	test_overlay();

	store_close(&st);
	if (chdir("/") < 0)
		return 1;
	if (!getenv("KEEP"))
		rm_rf_at(AT_FDCWD, base, &e);
	err_clear(&e);
	free(deep_file);
	free(bin_rel);
	free(long_rel);
	return tap_done();
}
