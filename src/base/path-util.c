/* path-util.c: see path-util.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "path-util.h"
#include "strbuf.h"

char *path_clean(const char *path)
{
	bool abs = path[0] == '/';
	size_t n = strlen(path);
	/* Component stack stored as offsets into out. */
	char *out = xmalloc(n + 2);
	size_t len = 0;
	if (abs)
		out[len++] = '/';
	size_t base = len;
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *s = p;
		while (*p && *p != '/')
			p++;
		size_t cl = (size_t)(p - s);
		if (cl == 1 && s[0] == '.')
			continue;
		if (cl == 2 && s[0] == '.' && s[1] == '.') {
			/* Pop the last component if there is one that is not "..". */
			size_t last = len;
			while (last > base && out[last - 1] != '/')
				last--;
			bool have = len > base && !(len - last == 2 && out[last] == '.' && out[last + 1] == '.');
			if (have) {
				len = last > base ? last - 1 : base;
				continue;
			}
			if (abs)
				continue;
		}
		if (len > base)
			out[len++] = '/';
		memcpy(out + len, s, cl);
		len += cl;
	}
	if (len == 0)
		out[len++] = '.';
	out[len] = '\0';
	return out;
}

char *path_join(const char *a, const char *b)
{
	size_t al = strlen(a);
	while (al > 0 && a[al - 1] == '/')
		al--;
	while (*b == '/')
		b++;
	return xasprintf("%.*s/%s", (int)al, a, b);
}

bool path_is_safe_relative(const char *path)
{
	_cleanup_free_ char *c = path_clean(path);
	return c[0] != '/' && !streq(c, "..") && !startswith(c, "../");
}

int path_openat2(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve)
{
	struct open_how how = {
		.flags = (uint64_t)flags | O_CLOEXEC,
		.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
		.resolve = resolve,
	};
	for (int attempt = 0;; attempt++) {
		long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		/* EAGAIN: a concurrent rename raced the lookup.  Retry, but a
		 * container renaming in a loop must not keep us here forever. */
		if (errno != EINTR && (errno != EAGAIN || attempt >= 128))
			return -errno;
	}
}

int path_open_in_root(int rootfd, const char *path, int flags)
{
	return path_openat2(rootfd, path, flags, 0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

int path_open_parent_in_root(int rootfd, const char *path, bool create, const char **ret_name,
			     struct err *e)
{
	_cleanup_free_ char *clean = path_clean(path);
	const char *rel = clean;
	while (*rel == '/')
		rel++;
	if (!*rel || streq(rel, ".") || streq(rel, ".."))
		return err_set(e, ERR_INVALID, "\"%s\": not a path below the root", path);
	/* The last component of the cleaned path is also the last of the
	 * original (modulo trailing slashes), so return a pointer into path. */
	size_t plen = strlen(path);
	while (plen > 1 && path[plen - 1] == '/')
		plen--;
	const char *last = path + plen;
	while (last > path && last[-1] != '/')
		last--;
	/* "/a/b/.." cleans to "/a": its last written component is no leaf. */
	if ((last[0] == '.' && (last[1] == '/' || !last[1])) ||
	    (last[0] == '.' && last[1] == '.' && (last[2] == '/' || !last[2])))
		return err_set(e, ERR_INVALID, "\"%s\": ends in \".\" or \"..\"", path);
	const char *slash = strrchr(rel, '/');
	_cleanup_free_ char *parent = slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup(".");
	int fd;
	if (create)
		fd = path_create_in_root(rootfd, parent, PATH_CREATE_DIR, 0755, e);
	else {
		fd = path_open_in_root(rootfd, parent, O_PATH | O_DIRECTORY);
		if (fd < 0)
			return err_sys(e, fd, "open \"%s\"", parent);
	}
	if (fd < 0)
		return -1;
	*ret_name = last;
	return fd;
}

int path_create_in_root(int rootfd, const char *path, enum path_create_kind kind, mode_t mode,
			struct err *e)
{
	int oflags = O_PATH | (kind == PATH_CREATE_DIR ? O_DIRECTORY : 0);
	int fd = path_open_in_root(rootfd, path, oflags);
	if (fd >= 0)
		return fd;
	if (fd != -ENOENT)
		return err_sys(e, fd, "open \"%s\" in the container root", path);

	/* Something is missing: make sure the parent exists, then create the
	 * last component below it with a single-component name, which cannot
	 * escape the parent descriptor. */
	const char *name;
	_cleanup_close_ int pfd = path_open_parent_in_root(rootfd, path, true, &name, e);
	if (pfd < 0)
		return -1;
	_cleanup_free_ char *leaf = xstrndup(name, strcspn(name, "/"));
	if (streq(leaf, ".") || streq(leaf, ".."))
		return err_set(e, ERR_INVALID, "\"%s\": bad last component", path);
	if (kind == PATH_CREATE_DIR) {
		if (mkdirat(pfd, leaf, mode) < 0 && errno != EEXIST)
			return err_sys(e, errno, "mkdir \"%s\" in the container root", path);
	} else {
		int f = openat(pfd, leaf, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, mode);
		if (f < 0 && errno != EEXIST && errno != ELOOP)
			return err_sys(e, errno, "create \"%s\" in the container root", path);
		if (f >= 0)
			close(f);
	}
	/* Reopen through the root so a symlink planted meanwhile still stays in. */
	fd = path_open_in_root(rootfd, path, oflags);
	if (fd < 0)
		return err_sys(e, fd, "open \"%s\" in the container root", path);
	return fd;
}
