/* rootfs.c: see rootfs.h. */
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/path-util.h"
#include "runtime/mounts.h"
#include "runtime/rootfs.h"

int rootfs_prepare(const char *rootfs, unsigned long propagation, bool own_mnt, struct err *e)
{
	/* Nothing done in this mount namespace may reach the host's: turn
	 * every shared mount into a slave (or private, when asked). */
	unsigned long base = (propagation & MS_PRIVATE) ? MS_PRIVATE : MS_SLAVE;
	if (own_mnt && mount(NULL, "/", NULL, MS_REC | base, NULL) < 0)
		return err_sys(e, errno, "make the mount tree %s",
			       base == MS_PRIVATE ? "private" : "a slave");
	int mfd = open_tree(AT_FDCWD, rootfs, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (mfd < 0)
		return err_sys(e, errno, "root \"%s\"", rootfs);
	if (move_mount(mfd, "", AT_FDCWD, rootfs, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
		int saved = errno;
		close(mfd);
		return err_sys(e, saved, "bind root \"%s\"", rootfs);
	}
	return mfd;
}

int rootfs_enter(int rootfd, bool no_pivot, bool own_mnt, struct err *e)
{
	if (fchdir(rootfd) < 0)
		return err_sys(e, errno, "chdir to the root");
	if (!own_mnt) {
		if (chroot(".") < 0)
			return err_sys(e, errno, "chroot");
	} else if (no_pivot) {
		if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
			return err_sys(e, errno, "move the root to /");
		if (chroot(".") < 0)
			return err_sys(e, errno, "chroot");
	} else {
		_cleanup_close_ int oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (oldroot < 0)
			return err_sys(e, errno, "open the old root");
		if (syscall(SYS_pivot_root, ".", ".") < 0)
			return err_sys(e, errno, "pivot_root");
		/* The old root is now stacked on "/".  Step onto it (the cwd is
		 * still the new root, whose own mounts must keep their
		 * propagation), make it a slave so its unmount reaches nothing
		 * else, and detach it. */
		if (fchdir(oldroot) < 0)
			return err_sys(e, errno, "chdir to the old root");
		if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
			return err_sys(e, errno, "make the old root a slave");
		if (umount2(".", MNT_DETACH) < 0)
			return err_sys(e, errno, "detach the old root");
	}
	if (chdir("/") < 0)
		return err_sys(e, errno, "chdir /");
	return 0;
}

/* The null device masked files are covered with: the host's, checked to
 * be the 1:3 character device.  Never the container's /dev/null, which the
 * container's own files decide (a symlink there would make a mask expose
 * or alias any file: the runc CVE-2025-31133 class). */
static int open_null(struct err *e)
{
	int fd = open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, errno, "open the host's /dev/null");
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
		close(fd);
		return err_set(e, ERR_INVALID, "the host's /dev/null is not the null device");
	}
	return fd;
}

static int mask_path(int rootfd, int nullfd, const char *path, struct err *e)
{
	_cleanup_close_ int target = path_open_in_root(rootfd, path, O_PATH | O_NOFOLLOW);
	if (target == -ENOENT || target == -ENOTDIR)
		return 0;
	if (target < 0)
		return err_sys(e, target, "linux.maskedPaths: \"%s\"", path);
	struct stat st;
	if (fstat(target, &st) < 0)
		return err_sys(e, errno, "linux.maskedPaths: \"%s\"", path);
	if (S_ISLNK(st.st_mode))
		return 0; /* nothing behind a link to hide; its target is masked on its own */
	if (S_ISDIR(st.st_mode)) {
		char *const params[] = {"mode=0555", NULL};
		if (mount_fs_fd("tmpfs", "tmpfs", params, MOUNT_ATTR_RDONLY, target, NULL, e) < 0)
			return err_wrap(e, "linux.maskedPaths: \"%s\"", path);
		return 0;
	}
	if (mount_bind_fd(nullfd, "/dev/null", target, false, 0, e) < 0)
		return err_wrap(e, "linux.maskedPaths: \"%s\"", path);
	return 0;
}

static int readonly_path(int rootfd, const char *path, struct err *e)
{
	_cleanup_close_ int target = path_open_in_root(rootfd, path, O_PATH);
	if (target == -ENOENT || target == -ENOTDIR)
		return 0;
	if (target < 0)
		return err_sys(e, target, "linux.readonlyPaths: \"%s\"", path);
	if (mount_bind_fd(target, path, target, true, 0, e) < 0)
		return err_wrap(e, "linux.readonlyPaths: \"%s\"", path);
	/* target still names the covered object; reopen the new mount. */
	_cleanup_close_ int top = path_open_in_root(rootfd, path, O_PATH);
	if (top < 0)
		return err_sys(e, top, "linux.readonlyPaths: \"%s\"", path);
	if (mount_setattr_fd(top, true, MOUNT_ATTR_RDONLY, 0, 0, e) < 0)
		return err_wrap(e, "linux.readonlyPaths: \"%s\"", path);
	return 0;
}

int rootfs_protect(int rootfd, const struct oci_config *c, struct err *e)
{
	const struct oci_linux *l = &c->linux;
	if (l->masked_paths && l->masked_paths[0]) {
		_cleanup_close_ int nullfd = open_null(e);
		if (nullfd < 0)
			return err_wrap(e, "linux.maskedPaths");
		for (char **p = l->masked_paths; *p; p++)
			if (mask_path(rootfd, nullfd, *p, e) < 0)
				return -1;
	}
	for (char **p = l->readonly_paths; p && *p; p++)
		if (readonly_path(rootfd, *p, e) < 0)
			return -1;
	if (c->root_readonly && mount_setattr_fd(rootfd, false, MOUNT_ATTR_RDONLY, 0, 0, e) < 0)
		return err_wrap(e, "root.readonly");
	return 0;
}

int rootfs_propagate(unsigned long propagation, struct err *e)
{
	if (propagation && mount(NULL, "/", NULL, propagation, NULL) < 0)
		return err_sys(e, errno, "linux.rootfsPropagation");
	return 0;
}

uint64_t rootfs_mount_id(const char *path)
{
	struct statx stx;
	if (statx(AT_FDCWD, path, AT_STATX_DONT_SYNC, STATX_MNT_ID, &stx) < 0 ||
	    !(stx.stx_mask & STATX_MNT_ID))
		return 0;
	return stx.stx_mnt_id;
}

int rootfs_unmount_host(const char *rootfs, uint64_t ours, struct err *e)
{
	if (!ours || rootfs_mount_id(rootfs) != ours)
		return 0;
	if (umount2(rootfs, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return err_sys(e, errno, "unmount the container's root \"%s\"", rootfs);
	return 0;
}
