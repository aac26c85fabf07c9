/* snapshot.c: see snapshot.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/path-util.h"
#include "image/layer.h"
#include "image/snapshot.h"

static int sys_fsopen(const char *fs, unsigned flags)
{
	return (int)syscall(SYS_fsopen, fs, flags);
}

static int sys_fsconfig(int fd, unsigned cmd, const char *key, const void *value, int aux)
{
	return (int)syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}

static int sys_fsmount(int fd, unsigned flags, unsigned attrs)
{
	return (int)syscall(SYS_fsmount, fd, flags, attrs);
}

static int sys_move_mount(int from, const char *from_path, int to, const char *to_path,
			  unsigned flags)
{
	return (int)syscall(SYS_move_mount, from, from_path, to, to_path, flags);
}

static int sys_open_tree(int dfd, const char *path, unsigned flags)
{
	return (int)syscall(SYS_open_tree, dfd, path, flags);
}

/* A layer path for an overlay option must not hold ',' or ':' (old-style
 * lists) -- ours are hex names below the store root, which is checked. */
static bool overlay_safe(const char *p)
{
	return !strpbrk(p, ",:\\");
}

static int mount_overlay(struct store *s, const struct store_image *im, const char *dir,
			 bool readonly, bool volatile_upper, struct err *e)
{
	size_t n = 0;
	while (im->layers[n])
		n++;
	_cleanup_free_ char *merged = xasprintf("%s/merged", dir);
	_cleanup_close_ int target = open(merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (target < 0)
		return err_sys(e, errno, "snapshot \"%s\"", merged);
	if (readonly && n == 1) {
		/* overlay wants two lower layers without an upper one. */
		if (!store_layer_exists(s, im->layers[0]))
			return err_set(e, ERR_NOT_FOUND, "snapshot: layer %s is missing from the store",
				       im->layers[0]);
		_cleanup_free_ char *l = store_layer_path(s, im->layers[0]);
		_cleanup_close_ int t = sys_open_tree(AT_FDCWD, l, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV |
						   MOUNT_ATTR_NOSUID};
		if (t < 0 || syscall(SYS_mount_setattr, t, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0 ||
		    sys_move_mount(t, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
			    0)
			return err_sys(e, errno, "snapshot: bind the layer");
		return 0;
	}
	_cleanup_close_ int fs = sys_fsopen("overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return err_sys(e, errno, "snapshot: overlay");
	/* Top layer first. */
	for (size_t i = n; i-- > 0;) {
		_cleanup_free_ char *l = store_layer_path(s, im->layers[i]);
		if (!store_layer_exists(s, im->layers[i]))
			return err_set(e, ERR_NOT_FOUND, "snapshot: layer %s is missing from the store",
				       im->layers[i]);
		if (sys_fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", l, 0) < 0)
			return err_sys(e, errno, "snapshot: overlay lower layer %s", im->layers[i]);
	}
	if (!readonly) {
		_cleanup_free_ char *upper = xasprintf("%s/upper", dir);
		_cleanup_free_ char *work = xasprintf("%s/work", dir);
		if (!overlay_safe(upper) || !overlay_safe(work))
			return err_set(e, ERR_INVALID, "snapshot: \"%s\": ',', ':' or '\\' in the path",
				       dir);
		if (sys_fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
		    sys_fsconfig(fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0)
			return err_sys(e, errno, "snapshot: overlay upper layer");
		if (volatile_upper && sys_fsconfig(fs, FSCONFIG_SET_FLAG, "volatile", NULL, 0) < 0)
			return err_sys(e, errno, "snapshot: overlay volatile upper layer");
	}
	if (sys_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return err_sys(e, errno, "snapshot: create the overlay");
	_cleanup_close_ int m =
		sys_fsmount(fs, FSMOUNT_CLOEXEC,
			    readonly ? MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID : 0);
	if (m < 0)
		return err_sys(e, errno, "snapshot: mount the overlay");
	if (sys_move_mount(m, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return err_sys(e, errno, "snapshot: attach the overlay");
	return 0;
}

/* The copy driver: apply every layer blob in order, whiteouts deleting. */
static int copy_layers(struct store *s, const struct store_image *im, const char *dir,
		       struct err *e)
{
	if (!im->manifest_digest)
		return err_set(e, ERR_NOT_FOUND, "snapshot: image %s has no manifest", im->id);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	_cleanup_json_ json_t *m = NULL;
	if (store_blob_read(s, im->manifest_digest, STORE_DOC_MAX, &buf, &len, e) < 0 ||
	    json_parse_buffer(buf, len, "manifest", &m, e) < 0)
		return err_wrap(e, "snapshot");
	json_t *layers = json_object_get(m, "layers");
	if (!json_is_array(layers))
		return err_set(e, ERR_INVALID, "snapshot: manifest %s: no layers", im->manifest_digest);
	_cleanup_free_ char *merged = xasprintf("%s/merged", dir);
	_cleanup_close_ int dfd = open(merged, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(e, errno, "snapshot \"%s\"", merged);
	size_t i;
	json_t *it;
	json_array_foreach(layers, i, it)
	{
		const char *d = json_string_value(json_object_get(it, "digest"));
		if (!d)
			return err_set(e, ERR_INVALID, "snapshot: layer %zu has no digest", i);
		_cleanup_close_ int fd = store_blob_open(s, d, e);
		if (fd < 0)
			return err_wrap(e, "snapshot");
		struct layer_apply_opts o = {.overlay_whiteouts = false, .keep_owners = geteuid() == 0};
		struct layer_result r = {0};
		int rc = layer_apply(dfd, fd, &o, &r, e);
		layer_result_clear(&r);
		if (rc < 0)
			return err_wrap(e, "snapshot: layer %s", d);
	}
	return 0;
}

int snapshot_create(struct store *s, const struct store_image *im, const char *dir,
		    const struct snapshot_opts *o, struct err *e)
{
	if (mkdir(dir, 0700) < 0)
		return err_sys(e, errno, "snapshot \"%s\"", dir);
	static const char *const subs[] = {"upper", "work", "merged"};
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", dir, subs[i]);
		if (mkdir(p, 0755) < 0) {
			err_sys(e, errno, "snapshot \"%s\"", p);
			(void)snapshot_remove(dir, NULL);
			return -1;
		}
	}
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	enum snapshot_driver used = SNAPSHOT_OVERLAY;
	int r = -1;
	if (o->driver != SNAPSHOT_COPY) {
		_cleanup_err_ struct err oe = ERR_INIT;
		r = mount_overlay(s, im, dir, o->readonly, o->volatile_upper && !o->readonly, &oe);
		/* The kernel's refusal (no overlay, not allowed here) means
		 * copying; a missing layer or a bad path is an error. */
		if (r < 0 && (o->driver == SNAPSHOT_OVERLAY || oe.errnum == 0))
			err_move(e, &oe);
	}
	if (r < 0 && !err_isset(e)) {
		used = SNAPSHOT_COPY;
		r = copy_layers(s, im, dir, e);
		if (r == 0 && o->readonly) {
			/* Read-only as an overlay one would be: merged bound onto
			 * itself with the attributes. */
			_cleanup_free_ char *merged = xasprintf("%s/merged", dir);
			_cleanup_close_ int t =
				sys_open_tree(AT_FDCWD, merged, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
			struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV |
							   MOUNT_ATTR_NOSUID};
			if (t < 0 ||
			    syscall(SYS_mount_setattr, t, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0 ||
			    sys_move_mount(t, "", AT_FDCWD, merged, MOVE_MOUNT_F_EMPTY_PATH) < 0)
				r = err_sys(e, errno, "snapshot: read-only copy");
		}
	}
	const char *name = used == SNAPSHOT_COPY      ? "copy"
			   : o->volatile_upper && !o->readonly ? "overlay volatile"
							       : "overlay";
	if (r == 0 && write_file_atomic_at(dfd, "driver", name, strlen(name), 0600, 0, e) < 0)
		r = -1;
	if (r < 0) {
		(void)snapshot_remove(dir, NULL);
		return -1;
	}
	return (int)used;
}

bool snapshot_ready(const char *dir)
{
	_cleanup_free_ char *drv = xasprintf("%s/driver", dir);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (read_file_at(AT_FDCWD, drv, 64, &buf, &len, NULL) < 0)
		return false;
	_cleanup_free_ char *merged = xasprintf("%s/merged", dir);
	struct stat a, b;
	if (stat(merged, &a) < 0 || stat(dir, &b) < 0)
		return false;
	/* An overlay (or read-only) mount has a device of its own. */
	return strncmp(buf, "overlay", 7) != 0 || a.st_dev != b.st_dev;
}

int snapshot_remove(const char *dir, struct err *e)
{
	_cleanup_free_ char *merged = xasprintf("%s/merged", dir);
	if (umount2(merged, UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
		return err_sys(e, errno, "snapshot: unmount \"%s\"", merged);
	/* rm_rf_at stays on its device: nothing mounted below is crossed. */
	_cleanup_free_ char *parent = xstrdup(dir);
	char *slash = strrchr(parent, '/');
	const char *name = dir;
	_cleanup_close_ int pfd = -1;
	if (slash) {
		*slash = '\0';
		name = slash + 1;
		pfd = open(*parent ? parent : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	} else {
		pfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (pfd < 0 && errno == ENOENT)
		return 0;
	if (pfd < 0)
		return err_sys(e, errno, "snapshot \"%s\"", dir);
	struct stat st;
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
		return 0;
	if (rm_rf_at(pfd, name, e) < 0)
		return err_wrap(e, "snapshot: remove \"%s\"", dir);
	return 0;
}

int snapshot_mount(struct store *s, const struct store_image *im, const char *dir,
		   struct err *e)
{
	if (snapshot_ready(dir))
		return 0;
	_cleanup_free_ char *drv = xasprintf("%s/driver", dir);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (read_file_at(AT_FDCWD, drv, 64, &buf, &len, e) < 0)
		return err_wrap(e, "snapshot \"%s\" is incomplete", dir);
	bool vol = len >= 16 && memcmp(buf, "overlay volatile", 16) == 0;
	if (vol) {
		/* Left by the last mount (overlay refuses to mount over it,
		 * the upper layer may miss writes of before a crash). */
		_cleanup_free_ char *w = xasprintf("%s/work/work", dir);
		_cleanup_close_ int wfd = open(w, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (wfd >= 0 && rm_rf_at(wfd, "incompat", e) < 0)
			return err_wrap(e, "snapshot \"%s\"", dir);
	}
	return mount_overlay(s, im, dir, false, vol, e);
}

int snapshot_unmount(const char *dir, struct err *e)
{
	_cleanup_free_ char *merged = xasprintf("%s/merged", dir);
	if (umount2(merged, UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
		return err_sys(e, errno, "snapshot: unmount \"%s\"", merged);
	return 0;
}
