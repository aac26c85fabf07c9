/* devices.c: see devices.h. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/path-util.h"
#include "runtime/devices.h"
#include "runtime/mounts.h"

static const struct oci_device default_devices[] = {
	{.type = 'c', .path = "/dev/null", .major = 1, .minor = 3},
	{.type = 'c', .path = "/dev/zero", .major = 1, .minor = 5},
	{.type = 'c', .path = "/dev/full", .major = 1, .minor = 7},
	{.type = 'c', .path = "/dev/random", .major = 1, .minor = 8},
	{.type = 'c', .path = "/dev/urandom", .major = 1, .minor = 9},
	{.type = 'c', .path = "/dev/tty", .major = 5, .minor = 0},
};

static mode_t type_bits(char t)
{
	switch (t) {
	case 'b':
		return S_IFBLK;
	case 'p':
		return S_IFIFO;
	default:
		return S_IFCHR;
	}
}

static int create_one(int rootfd, const struct oci_device *d, bool userns, bool strict,
		      struct err *e)
{
	const char *name;
	_cleanup_close_ int dfd = path_open_parent_in_root(rootfd, d->path, true, &name, e);
	if (dfd < 0)
		return -1;
	_cleanup_free_ char *leaf = xstrndup(name, strcspn(name, "/"));
	mode_t perm = d->has_mode ? (d->file_mode & 07777) : 0666;
	dev_t dev = makedev((unsigned)d->major, (unsigned)d->minor);
	mode_t type = type_bits(d->type);

	struct stat st;
	if (fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		bool same = (st.st_mode & S_IFMT) == type && (type == S_IFIFO || st.st_rdev == dev);
		if (same)
			return 0;
		if (strict)
			return err_set(e, ERR_EXISTS,
				       "device \"%s\": a different file already exists there",
				       d->path);
		if (unlinkat(dfd, leaf, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0)
			return err_sys(e, errno, "device \"%s\": remove existing file", d->path);
	}
	if (!userns || type == S_IFIFO) {
		/* The init's umask is 0: mknod gives the node its mode exactly
		 * (no chmod by name, which would follow a planted symlink). */
		if (mknodat(dfd, leaf, type | perm, dev) < 0)
			return err_sys(e, errno, "device \"%s\": mknod", d->path);
	} else {
		/* No mknod in a user namespace: bind the host's node. */
		int f = openat(dfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (f < 0)
			return err_sys(e, errno, "device \"%s\": create", d->path);
		close(f);
		_cleanup_close_ int target = openat(dfd, leaf, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (target < 0)
			return err_sys(e, errno, "device \"%s\": open", d->path);
		if (mount_bind_fd(-1, d->path, target, false, 0, e) < 0)
			return err_wrap(e, "device \"%s\"", d->path);
		return 0;
	}
	if (d->has_uid || d->has_gid) {
		if (fchownat(dfd, leaf, d->has_uid ? d->uid : (uid_t)-1,
			     d->has_gid ? d->gid : (gid_t)-1, AT_SYMLINK_NOFOLLOW) < 0)
			return err_sys(e, errno, "device \"%s\": chown", d->path);
	}
	return 0;
}

int devices_create(int rootfd, const struct oci_linux *l, bool userns, struct err *e)
{
	for (size_t i = 0; i < ARRAY_SIZE(default_devices); i++) {
		bool overridden = false;
		for (size_t j = 0; j < l->n_devices; j++)
			overridden |= streq(l->devices[j].path, default_devices[i].path);
		if (!overridden && create_one(rootfd, &default_devices[i], userns, false, e) < 0)
			return -1;
	}
	for (size_t i = 0; i < l->n_devices; i++)
		if (create_one(rootfd, &l->devices[i], userns, true, e) < 0)
			return err_wrap(e, "linux.devices[%zu]", i);
	return 0;
}

int devices_links(int rootfd, bool have_pts, struct err *e)
{
	static const struct {
		const char *target, *name;
	} links[] = {
		{"/proc/self/fd", "fd"},     {"/proc/self/fd/0", "stdin"},
		{"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
	};
	_cleanup_close_ int dev = path_create_in_root(rootfd, "/dev", PATH_CREATE_DIR, 0755, e);
	if (dev < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(links); i++)
		if (symlinkat(links[i].target, dev, links[i].name) < 0 && errno != EEXIST)
			return err_sys(e, errno, "symlink /dev/%s", links[i].name);
	if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", dev, "core") < 0 &&
	    errno != EEXIST)
		return err_sys(e, errno, "symlink /dev/core");
	if (have_pts) {
		/* /dev/ptmx must lead to this devpts instance, not a host node. */
		struct stat st;
		if (fstatat(dev, "ptmx", &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISLNK(st.st_mode))
			(void)unlinkat(dev, "ptmx", 0);
		if (symlinkat("pts/ptmx", dev, "ptmx") < 0 && errno != EEXIST)
			return err_sys(e, errno, "symlink /dev/ptmx");
	}
	return 0;
}
