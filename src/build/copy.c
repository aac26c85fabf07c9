/* copy.c: COPY and ADD (see internal.h).
 *
 * Sources are resolved inside their root (the context directory, or the
 * root of a stage) with RESOLVE_IN_ROOT: "../x" and symlinks cannot leave
 * it.  The destination is resolved inside the step's root the same way,
 * and everything is created below descriptors found so.  docker's rules:
 * a directory's content is copied, not the directory; with a trailing
 * "/" (or when it is a directory already) the destination is a directory;
 * files get 0:0 unless --chown, their modes unless --chmod, their mtimes;
 * ADD unpacks a local tar archive (plain, gzip, zstd) into the
 * destination. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "base/fs-util.h"
#include "base/parse-util.h"
#include "base/path-util.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "build/internal.h"
#include "image/layer.h"

#define COPY_DEPTH_MAX 256
#define PASSWD_MAX (4u << 20)

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static const char *heredoc_body(const struct copy_req *r, const char *src)
{
	if (strncmp(src, "<<", 2) != 0)
		return NULL;
	const char *n = src + 2 + (src[2] == '-');
	for (char **h = r->heredocs; h && h[0]; h += 2)
		if (!strcmp(h[0], n))
			return h[1];
	return NULL;
}

static bool ignored(const struct copy_src *src, const char *rel)
{
	return src->context && src->ig && *rel && strcmp(rel, ".") && ignore_match(src->ig, rel);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a directory, sorted. */
static int list_dir(int dfd, char ***ret, struct err *e)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, errno, "open directory");
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return err_sys(e, errno, "open directory");
	}
	char **v = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		strv_push(&v, de->d_name);
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	*ret = v;
	return 0;
}

static char *rel_join(const char *dir, const char *name)
{
	return *dir && strcmp(dir, ".") ? xasprintf("%s/%s", dir, name) : xstrdup(name);
}

/* Expand comps[ci..] below dir (relative to the root). */
static int glob_walk(const struct copy_src *src, const char *dir, char **comps, size_t ci,
		     char ***out, struct err *e)
{
	if (!comps[ci]) {
		strv_push(out, *dir ? dir : ".");
		return 0;
	}
	if (!has_glob(comps[ci])) {
		_cleanup_free_ char *rel = rel_join(dir, comps[ci]);
		if (ignored(src, rel))
			return 0;
		_cleanup_close_ int fd = path_open_in_root(src->rootfd, rel, O_PATH);
		if (fd < 0)
			return 0;
		return glob_walk(src, rel, comps, ci + 1, out, e);
	}
	int dfd = path_open_in_root(src->rootfd, *dir ? dir : ".", O_PATH | O_DIRECTORY);
	if (dfd < 0)
		return 0;
	_cleanup_strv_ char **names = NULL;
	int r = list_dir(dfd, &names, e);
	close(dfd);
	if (r < 0)
		return -1;
	for (char **n = names; n && *n; n++) {
		int m = ignore_glob(comps[ci], *n);
		if (m < 0)
			return err_set(e, ERR_INVALID, "bad pattern \"%s\"", comps[ci]);
		if (!m)
			continue;
		_cleanup_free_ char *rel = rel_join(dir, *n);
		if (ignored(src, rel))
			continue;
		if (glob_walk(src, rel, comps, ci + 1, out, e) < 0)
			return -1;
	}
	return 0;
}

/* The paths (relative to the root) a source names. */
static int matches(const struct copy_src *src, const char *s, char ***ret, struct err *e)
{
	const char *p = s;
	while (*p == '/')
		p++;
	_cleanup_free_ char *clean = path_clean(*p ? p : ".");
	if (!strcmp(clean, "..") || !strncmp(clean, "../", 3))
		return err_set(e, ERR_INVALID, "\"%s\": forbidden path outside the build context", s);
	_cleanup_strv_ char **comps = NULL;
	if (strcmp(clean, ".")) {
		_cleanup_free_ char *copy = xstrdup(clean);
		char *save = NULL;
		for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save))
			strv_push(&comps, t);
	}
	if (!comps)
		comps = xnew(char *, 1);
	_cleanup_strv_ char **out = NULL;
	if (glob_walk(src, "", comps, 0, &out, e) < 0)
		return -1;
	if (!out) {
		if (has_glob(s))
			return err_set(e, ERR_NOT_FOUND, "\"%s\": no source files were specified", s);
		return err_set(e, ERR_NOT_FOUND, "\"%s\": no such file or directory%s", s,
			       src->context ? " in the build context" : "");
	}
	*ret = TAKE_PTR(out);
	return 0;
}

/* The directory holding the match rel (inside the root) and its last
 * name ("." for the root itself). */
static int open_parent(int rootfd, const char *rel, const char **ret_name, struct err *e)
{
	const char *slash = strrchr(rel, '/');
	_cleanup_free_ char *dir = slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup(".");
	*ret_name = slash ? slash + 1 : rel;
	int fd = path_open_in_root(rootfd, dir, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return err_sys(e, -fd, "\"%s\"", rel);
	return fd;
}

/* ---- the content digest ---- */

static void d_str(struct digest_ctx *d, const char *s)
{
	digest_update(d, s, strlen(s) + 1);
}

static int digest_tree(const struct copy_src *src, int pfd, const char *name, const char *rel,
		       int depth, struct digest_ctx *d, struct err *e)
{
	if (depth > COPY_DEPTH_MAX)
		return err_set(e, ERR_INVALID, "\"%s\": directories nested too deep", rel);
	struct stat st;
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, errno, "\"%s\"", rel);
	char meta[96];
	snprintf(meta, sizeof(meta), "%o %llu", (unsigned)st.st_mode,
		 S_ISREG(st.st_mode) ? (unsigned long long)st.st_size : 0ULL);
	d_str(d, rel);
	d_str(d, meta);
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(pfd, name, target, sizeof(target) - 1);
		if (n < 0)
			return err_sys(e, errno, "\"%s\"", rel);
		target[n] = '\0';
		d_str(d, target);
	} else if (S_ISREG(st.st_mode)) {
		_cleanup_close_ int fd = openat(pfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return err_sys(e, errno, "\"%s\"", rel);
		char buf[65536];
		for (;;) {
			ssize_t n = read(fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return err_sys(e, errno, "read \"%s\"", rel);
			if (n == 0)
				break;
			digest_update(d, buf, (size_t)n);
		}
	} else if (S_ISDIR(st.st_mode)) {
		_cleanup_close_ int dfd =
			openat(pfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd < 0)
			return err_sys(e, errno, "\"%s\"", rel);
		_cleanup_strv_ char **names = NULL;
		if (list_dir(dfd, &names, e) < 0)
			return -1;
		for (char **n = names; n && *n; n++) {
			_cleanup_free_ char *r = rel_join(rel, *n);
			if (ignored(src, r))
				continue;
			if (digest_tree(src, dfd, *n, r, depth + 1, d, e) < 0)
				return -1;
		}
	}
	return 0;
}

int copy_digest(const struct copy_src *src, const struct copy_req *r, struct digest_ctx *d,
		struct err *e)
{
	for (char **s = r->srcs; s && *s; s++) {
		const char *body = heredoc_body(r, *s);
		if (body) {
			if (d) {
				d_str(d, *s);
				d_str(d, body);
			}
			continue;
		}
		_cleanup_strv_ char **m = NULL;
		if (matches(src, *s, &m, e) < 0)
			return -1;
		for (char **p = m; *p; p++) {
			if (!d)
				continue;
			const char *name;
			_cleanup_close_ int fd = open_parent(src->rootfd, *p, &name, e);
			if (fd < 0)
				return -1;
			d_str(d, "source");
			if (digest_tree(src, fd, name, *p, 0, d, e) < 0)
				return -1;
		}
	}
	return 0;
}

/* ---- copying ---- */

struct copier {
	const struct copy_src *src;
	const struct copy_req *r;
};

static int set_meta(int fd, const char *name, const struct stat *st, const struct copy_req *r,
		    bool link, const char *rel, struct err *e)
{
	uid_t uid = r->chown ? r->uid : 0;
	gid_t gid = r->chown ? r->gid : 0;
	int flags = AT_SYMLINK_NOFOLLOW | (*name ? 0 : AT_EMPTY_PATH);
	if (fchownat(fd, name, uid, gid, flags) < 0)
		return err_sys(e, errno, "chown \"%s\"", rel);
	if (!link) {
		mode_t mode = r->chmod >= 0 ? (mode_t)r->chmod : (st->st_mode & 07777);
		if (*name ? fchmodat(fd, name, mode, 0) < 0 : fchmod(fd, mode) < 0)
			return err_sys(e, errno, "chmod \"%s\"", rel);
	}
	struct timespec ts[2] = {st->st_atim, st->st_mtim};
	if (utimensat(fd, name, ts, flags) < 0 && errno != ENOENT)
		return err_sys(e, errno, "times of \"%s\"", rel);
	return 0;
}

static int copy_bytes(int in, int out, const char *rel, struct err *e)
{
	for (;;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
		if (n == 0)
			return 0;
		if (n > 0)
			continue;
		if (errno == EINTR)
			continue;
		if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
			return err_sys(e, errno, "copy \"%s\"", rel);
		break;
	}
	char buf[65536];
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(e, errno, "read \"%s\"", rel);
		if (n == 0)
			return 0;
		if (write_all(out, buf, (size_t)n) < 0)
			return err_sys(e, errno, "write \"%s\"", rel);
	}
}

/* Make room for a non-directory at dfd/name. */
static int clear_target(int dfd, const char *name, const char *rel, struct err *e)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : err_sys(e, errno, "\"%s\"", rel);
	if (S_ISDIR(st.st_mode))
		return err_set(e, ERR_CONFLICT, "cannot replace the directory \"%s\" with a file",
			       rel);
	if (unlinkat(dfd, name, 0) < 0)
		return err_sys(e, errno, "replace \"%s\"", rel);
	return 0;
}

static int copy_entry(const struct copier *c, int sfd, const char *sname, int dfd,
		      const char *dname, const char *rel, int depth, struct err *e);

/* The entries of directory sdir into directory ddir (both real fds). */
static int copy_children(const struct copier *c, int sdir, int ddir, const char *rel, int depth,
			 struct err *e)
{
	if (depth > COPY_DEPTH_MAX)
		return err_set(e, ERR_INVALID, "\"%s\": directories nested too deep", rel);
	_cleanup_strv_ char **names = NULL;
	if (list_dir(sdir, &names, e) < 0)
		return -1;
	for (char **n = names; n && *n; n++) {
		_cleanup_free_ char *r = rel_join(rel, *n);
		if (ignored(c->src, r))
			continue;
		if (copy_entry(c, sdir, *n, ddir, *n, r, depth + 1, e) < 0)
			return -1;
	}
	return 0;
}

static int copy_entry(const struct copier *c, int sfd, const char *sname, int dfd,
		      const char *dname, const char *rel, int depth, struct err *e)
{
	struct stat st;
	if (fstatat(sfd, sname, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, errno, "\"%s\"", rel);
	if (S_ISDIR(st.st_mode)) {
		struct stat dst;
		if (fstatat(dfd, dname, &dst, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(dst.st_mode)) {
			if (unlinkat(dfd, dname, 0) < 0)
				return err_sys(e, errno, "replace \"%s\"", rel);
		}
		if (mkdirat(dfd, dname, 0700) < 0 && errno != EEXIST)
			return err_sys(e, errno, "mkdir \"%s\"", rel);
		_cleanup_close_ int s = openat(sfd, sname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_close_ int d = openat(dfd, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0 || d < 0)
			return err_sys(e, errno, "\"%s\"", rel);
		if (copy_children(c, s, d, rel, depth, e) < 0)
			return -1;
		return set_meta(d, "", &st, c->r, false, rel, e);
	}
	if (clear_target(dfd, dname, rel, e) < 0)
		return -1;
	if (S_ISREG(st.st_mode)) {
		_cleanup_close_ int in = openat(sfd, sname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (in < 0)
			return err_sys(e, errno, "open \"%s\"", rel);
		_cleanup_close_ int out =
			openat(dfd, dname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (out < 0)
			return err_sys(e, errno, "create \"%s\"", rel);
		if (copy_bytes(in, out, rel, e) < 0)
			return -1;
		return set_meta(out, "", &st, c->r, false, rel, e);
	}
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(sfd, sname, target, sizeof(target) - 1);
		if (n < 0)
			return err_sys(e, errno, "\"%s\"", rel);
		target[n] = '\0';
		if (symlinkat(target, dfd, dname) < 0)
			return err_sys(e, errno, "symlink \"%s\"", rel);
		return set_meta(dfd, dname, &st, c->r, true, rel, e);
	}
	if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		if (mknodat(dfd, dname, st.st_mode, st.st_rdev) < 0)
			return err_sys(e, errno, "mknod \"%s\"", rel);
		return set_meta(dfd, dname, &st, c->r, false, rel, e);
	}
	return 0; /* sockets: nothing to copy */
}

/* A local tar archive (plain, gzip or zstd): ADD unpacks it. */
static bool is_archive(int fd)
{
	unsigned char m[512];
	ssize_t n = pread(fd, m, sizeof(m), 0);
	if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		return true;
	if (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
		return true;
	return n == 512 && !memcmp(m + 257, "ustar", 5);
}

static bool is_dir_in_root(int rootfd, const char *path)
{
	int fd = path_open_in_root(rootfd, path, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* A directory of the step's root (made when missing), as a real fd. */
static int dest_dir(int rootfd, const char *path, const struct copy_req *r, struct err *e)
{
	bool existed = is_dir_in_root(rootfd, path);
	_cleanup_close_ int p = path_create_in_root(rootfd, path, PATH_CREATE_DIR, 0755, e);
	if (p < 0)
		return -1;
	int fd = openat(p, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, errno, "\"%s\"", path);
	if (!existed && r->chown && fchown(fd, r->uid, r->gid) < 0) {
		close(fd);
		return err_sys(e, errno, "chown \"%s\"", path);
	}
	return fd;
}


/* A file (or link, device...) source to dest: into it when it is a
 * directory (or ends with "/"), else as it. */
static int copy_file_to(const struct copier *c, int sfd, const char *sname, const char *rel,
			int rootfd, const char *name_if_dir, struct err *e)
{
	const char *dest = c->r->dest;
	size_t dl = strlen(dest);
	_cleanup_free_ char *target = NULL;
	if (dest[dl - 1] == '/' || is_dir_in_root(rootfd, dest))
		target = xasprintf("%.*s/%s", (int)(dest[dl - 1] == '/' ? dl - 1 : dl), dest,
				   name_if_dir);
	else
		target = xstrdup(dest);
	const char *name;
	_cleanup_close_ int parent = path_open_parent_in_root(rootfd, target, true, &name, e);
	if (parent < 0)
		return -1;
	_cleanup_close_ int pd = openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pd < 0)
		return err_sys(e, errno, "\"%s\"", target);
	return copy_entry(c, sfd, sname, pd, name, rel, 0, e);
}

static int copy_heredoc(const struct copier *c, const char *src, const char *body, int rootfd,
			struct err *e)
{
	const char *dest = c->r->dest;
	size_t dl = strlen(dest);
	const char *hname = src + 2 + (src[2] == '-');
	_cleanup_free_ char *target = dest[dl - 1] == '/' || is_dir_in_root(rootfd, dest)
					      ? xasprintf("%.*s/%s",
							  (int)(dest[dl - 1] == '/' ? dl - 1 : dl),
							  dest, hname)
					      : xstrdup(dest);
	const char *name;
	_cleanup_close_ int parent = path_open_parent_in_root(rootfd, target, true, &name, e);
	if (parent < 0)
		return -1;
	_cleanup_close_ int pd = openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pd < 0 || clear_target(pd, name, target, e) < 0)
		return pd < 0 ? err_sys(e, errno, "\"%s\"", target) : -1;
	_cleanup_close_ int out =
		openat(pd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0 || write_all(out, body, strlen(body)) < 0)
		return err_sys(e, errno, "write \"%s\"", target);
	struct stat st;
	if (fstat(out, &st) < 0)
		return err_sys(e, errno, "\"%s\"", target);
	st.st_mode = (st.st_mode & ~07777) | 0644;
	return set_meta(out, "", &st, c->r, false, target, e);
}

static int add_archive(const struct copier *c, int fd, const char *rel, int rootfd,
		       struct err *e)
{
	_cleanup_close_ int d = dest_dir(rootfd, c->r->dest, c->r, e);
	if (d < 0)
		return -1;
	struct layer_apply_opts o = {.overlay_whiteouts = false, .keep_owners = true};
	if (layer_apply(d, fd, &o, NULL, e) < 0)
		return err_wrap(e, "unpack \"%s\"", rel);
	return 0;
}

int copy_run(const struct copy_src *src, const struct copy_req *r, int rootfd, struct err *e)
{
	struct copier c = {.src = src, .r = r};
	for (char **s = r->srcs; s && *s; s++) {
		const char *body = heredoc_body(r, *s);
		if (body) {
			if (copy_heredoc(&c, *s, body, rootfd, e) < 0)
				return -1;
			continue;
		}
		_cleanup_strv_ char **m = NULL;
		if (matches(src, *s, &m, e) < 0)
			return -1;
		for (char **p = m; *p; p++) {
			const char *name;
			_cleanup_close_ int pfd = open_parent(src->rootfd, *p, &name, e);
			if (pfd < 0)
				return -1;
			struct stat st;
			if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				return err_sys(e, errno, "\"%s\"", *p);
			if (S_ISDIR(st.st_mode)) {
				_cleanup_close_ int sd =
					openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				_cleanup_close_ int dd = dest_dir(rootfd, r->dest, r, e);
				if (sd < 0)
					return err_sys(e, errno, "\"%s\"", *p);
				if (dd < 0 || copy_children(&c, sd, dd, strcmp(*p, ".") ? *p : "", 0, e) < 0)
					return -1;
				continue;
			}
			if (r->add && S_ISREG(st.st_mode)) {
				_cleanup_close_ int fd =
					openat(pfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
				if (fd < 0)
					return err_sys(e, errno, "\"%s\"", *p);
				if (is_archive(fd)) {
					if (add_archive(&c, fd, *p, rootfd, e) < 0)
						return -1;
					continue;
				}
			}
			if (copy_file_to(&c, pfd, name, *p, rootfd, name, e) < 0)
				return -1;
		}
	}
	return 0;
}

/* ---- --chown ---- */

/* The numeric id of name in an /etc/passwd or /etc/group of the root;
 * *ret_gid: the user's group (passwd). */
static int id_lookup(int rootfd, const char *file, const char *name, uint32_t *ret,
		     uint32_t *ret_gid, struct err *e)
{
	_cleanup_close_ int fd = path_open_in_root(rootfd, file, O_RDONLY);
	_cleanup_free_ char *text = NULL;
	size_t len;
	if (fd < 0 || read_all_fd(fd, PASSWD_MAX, &text, &len) < 0)
		return err_set(e, ERR_NOT_FOUND, "no %s in the image to find \"%s\"", file, name);
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *f[4] = {0};
		char *p = l;
		for (int i = 0; i < 4 && p; i++) {
			f[i] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = '\0';
		}
		if (!f[0] || strcmp(f[0], name) || !f[2])
			continue;
		if (parse_u32(f[2], ret) < 0)
			continue;
		if (ret_gid && (!f[3] || parse_u32(f[3], ret_gid) < 0))
			*ret_gid = *ret;
		return 0;
	}
	return err_set(e, ERR_NOT_FOUND, "no \"%s\" in the image's %s", name, file);
}

int copy_resolve_owner(int rootfd, const char *spec, uint32_t *uid, uint32_t *gid,
		       struct err *e)
{
	_cleanup_free_ char *user = xstrdup(spec);
	char *group = strchr(user, ':');
	if (group)
		*group++ = '\0';
	if (!*user)
		return err_set(e, ERR_INVALID, "\"%s\": no user", spec);
	uint32_t ugid = 0;
	bool numeric = parse_u32(user, uid) == 0;
	if (!numeric && id_lookup(rootfd, "/etc/passwd", user, uid, &ugid, e) < 0)
		return -1;
	if (!group || !*group) {
		*gid = numeric ? *uid : ugid;
		return 0;
	}
	if (parse_u32(group, gid) == 0)
		return 0;
	return id_lookup(rootfd, "/etc/group", group, gid, NULL, e);
}
