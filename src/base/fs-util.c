/* fs-util.c: see fs-util.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd-util.h"
#include "fs-util.h"
#include "time-util.h"

int read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len,
		 struct err *e)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return err_sys(e, errno, "open \"%s\"", path);
	int r = read_all_fd(fd, max, ret, ret_len);
	if (r == -E2BIG)
		return err_set(e, ERR_INVALID, "read \"%s\": larger than %zu bytes", path, max);
	if (r < 0)
		return err_sys(e, r, "read \"%s\"", path);
	return 0;
}

int read_record_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len,
		   struct err *e)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return err_sys(e, errno, "open \"%s\"", path);
	size_t alloc = 8192;
	_cleanup_free_ char *buf = xmalloc(alloc);
	ssize_t n;
	do
		n = read(fd, buf, alloc - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_sys(e, errno, "read \"%s\"", path);
	if ((size_t)n < alloc - 1) {
		if ((size_t)n > max)
			return err_set(e, ERR_INVALID, "read \"%s\": larger than %zu bytes", path, max);
		buf[n] = '\0';
		*ret = TAKE_PTR(buf);
		if (ret_len)
			*ret_len = (size_t)n;
		return 0;
	}
	/* A large one: from the start, the usual way. */
	if (lseek(fd, 0, SEEK_SET) < 0)
		return err_sys(e, errno, "read \"%s\"", path);
	int r = read_all_fd(fd, max, ret, ret_len);
	if (r == -E2BIG)
		return err_set(e, ERR_INVALID, "read \"%s\": larger than %zu bytes", path, max);
	if (r < 0)
		return err_sys(e, r, "read \"%s\"", path);
	return 0;
}

int write_file_at(int dirfd, const char *path, const char *data, struct err *e)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return err_sys(e, errno, "open \"%s\"", path);
	int r = write_all(fd, data, strlen(data));
	if (r < 0)
		return err_sys(e, r, "write \"%s\"", path);
	return 0;
}

int write_file_atomic_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
			 enum write_atomic_flags flags, struct err *e)
{
	uint64_t rnd = 0;
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) < 0)
		rnd = (uint64_t)getpid() * 2654435761u ^ time_mono_ns();
	char tmp[256];
	const char *base = strrchr(name, '/');
	size_t dirlen = base ? (size_t)(base - name + 1) : 0;
	int n = snprintf(tmp, sizeof(tmp), "%.*s.tmp-%s-%016llx", (int)dirlen, name,
			 base ? base + 1 : name, (unsigned long long)rnd);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return err_set(e, ERR_INVALID, "write \"%s\": name too long", name);
	_cleanup_close_ int fd =
		openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, mode);
	if (fd < 0)
		return err_sys(e, errno, "create \"%s\"", tmp);
	int r = write_all(fd, data, len);
	if (r == 0 && (flags & WRITE_ATOMIC_SYNC) && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(dirfd, tmp, 0);
		return err_sys(e, r, "write \"%s\"", name);
	}
	return 0;
}

int mkdir_p(const char *path, mode_t mode, struct err *e)
{
	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return err_sys(e, errno, "mkdir \"%s\"", path);
	_cleanup_free_ char *parent = xstrdup(path);
	char *slash = strrchr(parent, '/');
	if (!slash || slash == parent)
		return err_sys(e, ENOENT, "mkdir \"%s\"", path);
	*slash = '\0';
	if (mkdir_p(parent, mode, e) < 0)
		return -1;
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return err_sys(e, errno, "mkdir \"%s\"", path);
	return 0;
}

/* An unprivileged owner may lack write or search permission on its own
 * directories (images ship 0555 ones): grant it to itself and retry. */
static int unlink_retry(int dfd, const char *name, int flags)
{
	if (unlinkat(dfd, name, flags) == 0 || errno == ENOENT)
		return 0;
	if (errno != EACCES && errno != EPERM)
		return -errno;
	if (fchmod(dfd, 0700) < 0 || (unlinkat(dfd, name, flags) < 0 && errno != ENOENT))
		return -errno;
	return 0;
}

static int open_dir_retry(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == EACCES && fchmodat(dfd, name, 0700, 0) == 0)
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* One step down the tree: the first subdirectory of dfd, after removing
 * every other entry.  Returns 1 with *ret_name set (a subdirectory to
 * descend into), 0 when dfd is empty, < 0 on error. */
static int rm_rf_scan(int dfd, dev_t dev, char **ret_name, struct err *e)
{
	int dupfd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	if (dupfd < 0)
		return err_sys(e, errno, "remove: dup");
	DIR *d = fdopendir(dupfd);
	if (!d) {
		close(dupfd);
		return err_sys(e, errno, "remove: opendir");
	}
	int ret = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			ret = err_sys(e, errno, "remove: stat \"%s\"", de->d_name);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			if (st.st_dev != dev) {
				ret = err_set(e, ERR_CONFLICT,
					      "remove: \"%s\" is a mount point, not crossing it",
					      de->d_name);
				break;
			}
			/* An empty one goes at once; else descend. */
			if (unlinkat(dfd, de->d_name, AT_REMOVEDIR) == 0)
				continue;
			*ret_name = xstrdup(de->d_name);
			ret = 1;
			break;
		}
		int r = unlink_retry(dfd, de->d_name, 0);
		if (r < 0) {
			ret = err_sys(e, -r, "remove \"%s\"", de->d_name);
			break;
		}
	}
	closedir(d);
	return ret;
}

/* Empty the directory fd (on device dev), depth first, holding one
 * descriptor at a time whatever the depth: the way back up is "..",
 * checked against the device and inode seen on the way down. */
static int rm_rf_children(int fd, dev_t dev, struct err *e)
{
	struct level {
		char *name;
		dev_t dev;
		ino_t ino; /* of the parent, to check ".." against */
	};
	struct level *stack = NULL;
	size_t depth = 0, alloc = 0;
	int cur = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	int ret = cur < 0 ? err_sys(e, errno, "remove: dup") : 0;
	while (ret == 0) {
		char *name = NULL;
		int r = rm_rf_scan(cur, dev, &name, e);
		if (r < 0) {
			ret = -1;
			break;
		}
		if (r == 1) {
			struct stat pst;
			int sub = open_dir_retry(cur, name);
			if (sub < 0 || fstat(cur, &pst) < 0) {
				ret = err_sys(e, sub < 0 ? -sub : errno, "remove: open \"%s\"", name);
				if (sub >= 0)
					close(sub);
				free(name);
				break;
			}
			if (depth == alloc) {
				alloc = alloc ? alloc * 2 : 16;
				stack = xrealloc(stack, alloc * sizeof(*stack));
			}
			stack[depth++] = (struct level){name, pst.st_dev, pst.st_ino};
			close(cur);
			cur = sub;
			continue;
		}
		if (depth == 0)
			break; /* the top is empty */
		struct level *l = &stack[--depth];
		int up = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		struct stat ust;
		if (up < 0 || fstat(up, &ust) < 0 || ust.st_dev != l->dev || ust.st_ino != l->ino) {
			ret = err_set(e, ERR_CONFLICT, "remove: \"%s\" moved while being removed",
				      l->name);
			if (up >= 0)
				close(up);
			free(l->name);
			break;
		}
		close(cur);
		cur = up;
		r = unlink_retry(cur, l->name, AT_REMOVEDIR);
		if (r < 0)
			ret = err_sys(e, -r, "remove \"%s\"", l->name);
		free(l->name);
	}
	while (depth > 0)
		free(stack[--depth].name);
	free(stack);
	if (cur >= 0)
		close(cur);
	return ret;
}

int rm_rf_at(int dirfd, const char *name, struct err *e)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return err_sys(e, errno, "remove \"%s\"", name);
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
			return err_sys(e, errno, "remove \"%s\"", name);
		return 0;
	}
	int r = open_dir_retry(dirfd, name);
	if (r < 0)
		return err_sys(e, -r, "remove \"%s\"", name);
	_cleanup_close_ int fd = r;
	if (rm_rf_children(fd, st.st_dev, e) < 0)
		return err_wrap(e, "remove \"%s\"", name);
	r = unlink_retry(dirfd, name, AT_REMOVEDIR);
	if (r < 0)
		return err_sys(e, -r, "remove \"%s\"", name);
	return 0;
}

/* ---- copying a tree ---- */

#define COPY_TREE_DEPTH_MAX 256

static int copy_one(int sdir, int ddir, const char *name, int depth, struct err *e);

static int copy_children_at(int sdir, int ddir, int depth, struct err *e)
{
	if (depth > COPY_TREE_DEPTH_MAX)
		return err_set(e, ERR_INVALID, "copy: directories nested too deep");
	int fd = openat(sdir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, errno, "copy: open directory");
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return err_sys(e, errno, "copy: open directory");
	}
	int r = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		r = copy_one(dirfd(d), ddir, de->d_name, depth + 1, e);
	}
	closedir(d);
	return r;
}

static int copy_meta(int fd, const char *name, const struct stat *st, bool link, struct err *e)
{
	int flags = AT_SYMLINK_NOFOLLOW | (*name ? 0 : AT_EMPTY_PATH);
	if (fchownat(fd, name, st->st_uid, st->st_gid, flags) < 0 && errno != EPERM)
		return err_sys(e, errno, "copy: chown \"%s\"", name);
	if (!link && (*name ? fchmodat(fd, name, st->st_mode & 07777, 0)
			    : fchmod(fd, st->st_mode & 07777)) < 0)
		return err_sys(e, errno, "copy: chmod \"%s\"", name);
	struct timespec ts[2] = {st->st_atim, st->st_mtim};
	(void)utimensat(fd, name, ts, flags);
	return 0;
}

static int copy_one(int sdir, int ddir, const char *name, int depth, struct err *e)
{
	struct stat st;
	if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, errno, "copy: \"%s\"", name);
	if (S_ISDIR(st.st_mode)) {
		if (mkdirat(ddir, name, 0700) < 0 && errno != EEXIST)
			return err_sys(e, errno, "copy: mkdir \"%s\"", name);
		int s = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int d = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int r = s < 0 || d < 0 ? err_sys(e, errno, "copy: \"%s\"", name)
				       : copy_children_at(s, d, depth, e);
		if (r == 0)
			r = copy_meta(d, "", &st, false, e);
		if (s >= 0)
			close(s);
		if (d >= 0)
			close(d);
		return r;
	}
	if (S_ISREG(st.st_mode)) {
		int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (in < 0)
			return err_sys(e, errno, "copy: open \"%s\"", name);
		int out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				 0600);
		int r = 0;
		if (out < 0) {
			r = err_sys(e, errno, "copy: create \"%s\"", name);
		} else {
			for (;;) {
				ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
				if (n > 0 || (n < 0 && errno == EINTR))
					continue;
				if (n == 0)
					break;
				/* across file systems where the kernel cannot */
				char buf[65536];
				ssize_t k;
				while ((k = read(in, buf, sizeof(buf))) > 0)
					if (write_all(out, buf, (size_t)k) < 0) {
						k = -1;
						break;
					}
				if (k < 0)
					r = err_sys(e, errno, "copy: \"%s\"", name);
				break;
			}
			if (r == 0)
				r = copy_meta(out, "", &st, false, e);
			close(out);
		}
		close(in);
		return r;
	}
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(sdir, name, target, sizeof(target) - 1);
		if (n < 0)
			return err_sys(e, errno, "copy: \"%s\"", name);
		target[n] = '\0';
		if (symlinkat(target, ddir, name) < 0)
			return err_sys(e, errno, "copy: symlink \"%s\"", name);
		return copy_meta(ddir, name, &st, true, e);
	}
	if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		if (mknodat(ddir, name, st.st_mode, st.st_rdev) < 0)
			return err_sys(e, errno, "copy: mknod \"%s\"", name);
		return copy_meta(ddir, name, &st, false, e);
	}
	return 0; /* sockets */
}

int copy_tree_at(int srcfd, int dstfd, struct err *e)
{
	return copy_children_at(srcfd, dstfd, 0, e);
}
