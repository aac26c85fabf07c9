/* fs-util.c: see fs-util.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
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

static int rm_rf_children(int dfd, dev_t dev, int depth, struct err *e)
{
	if (depth > 256)
		return err_set(e, ERR_INVALID, "remove: directory tree too deep");
	_cleanup_close_ int dupfd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	if (dupfd < 0)
		return err_sys(e, errno, "remove: dup");
	DIR *d = fdopendir(dupfd);
	if (!d)
		return err_sys(e, errno, "remove: opendir");
	dupfd = -1;
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
			int cfd = openat(dfd, de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd < 0) {
				ret = err_sys(e, errno, "remove: open \"%s\"", de->d_name);
				break;
			}
			ret = rm_rf_children(cfd, dev, depth + 1, e);
			close(cfd);
			if (ret < 0)
				break;
			if (unlinkat(dfd, de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT) {
				ret = err_sys(e, errno, "remove \"%s\"", de->d_name);
				break;
			}
		} else if (unlinkat(dfd, de->d_name, 0) < 0 && errno != ENOENT) {
			ret = err_sys(e, errno, "remove \"%s\"", de->d_name);
			break;
		}
	}
	closedir(d);
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
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, errno, "remove \"%s\"", name);
	if (rm_rf_children(fd, st.st_dev, 0, e) < 0)
		return err_wrap(e, "remove \"%s\"", name);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return err_sys(e, errno, "remove \"%s\"", name);
	return 0;
}
