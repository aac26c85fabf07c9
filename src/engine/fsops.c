/* fsops.c: files in and out of a container: cp, export, diff, commit
 * (engine.h's last section).
 *
 * Every operation holds the container's lock from start to end, so no
 * start, cleanup or removal changes its root meanwhile; a stopped
 * container's root (unmounted by the cleanup) is mounted for the
 * operation and unmounted again afterwards.
 *
 * Copies are one pipeline: a tar of the source (image/commit.h's
 * tar_write_tree, written by a forked child into a pipe) applied onto the
 * destination directory (image/layer.h's layer_apply, flat).  Paths in a
 * container are resolved with RESOLVE_IN_ROOT below its root (a symlink
 * to "/etc" or "../../.." stays inside), the tar walk follows no symlink,
 * and layer_apply creates nothing outside the directory it is given: so
 * neither direction reads or writes outside the container's root, and a
 * tar from stdin cannot either.  Host paths are the caller's own and are
 * taken as the kernel resolves them. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "base/fs-util.h"
#include "base/path-util.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "engine/engine.h"
#include "engine/internal.h"
#include "image/commit.h"
#include "image/image.h"
#include "image/layer.h"
#include "image/snapshot.h"
#include "image/store.h"
#include "runtime/runtime.h"

/* Symlinks followed for cp -L (the kernel's own limit). */
#define CP_MAX_LINKS 40
/* diff: directories deeper than this are refused. */
#define DIFF_MAX_DEPTH 2048

/* ---- a container's root, held for an operation ---- */

struct cfs {
	struct container c;
	bool loaded;
	int lock;
	char *fs;	   /* <root>/containers/<id>/fs */
	bool mounted_here; /* unmounted by cfs_close */
	int rootfd;	   /* fs/merged (O_PATH), when asked for */
};

static int mount_root(const struct engine *en, const struct container *c, const char *fs,
		      struct err *e)
{
	struct store s;
	if (store_open(en->root, STORE_READ, &s, e) < 0)
		return -1;
	struct store_index idx;
	int r = store_index_load(&s, &idx, e);
	if (r == 0) {
		long i = c->image_id ? store_find(&idx, c->image_id, e) : -1;
		if (i < 0)
			r = err_wrap(e, "the image of container %.12s", c->id);
		else
			r = snapshot_mount(&s, &idx.images[i], fs, e);
		store_index_clear(&idx);
	}
	store_close(&s);
	return r;
}

static void cfs_close(struct cfs *f)
{
	if (f->rootfd >= 0)
		close(f->rootfd);
	f->rootfd = -1;
	/* The lock is still held: nothing started it meanwhile. */
	if (f->mounted_here)
		(void)snapshot_unmount(f->fs, NULL);
	if (f->loaded)
		container_clear(&f->c);
	if (f->lock >= 0)
		close(f->lock);
	free(f->fs);
	*f = (struct cfs){.lock = -1, .rootfd = -1};
}

/* Find and lock the container; with root, its root filesystem mounted
 * (when it was not) and opened. */
static int cfs_open(const struct engine *en, const char *what, bool root, struct cfs *f,
		    struct err *e)
{
	*f = (struct cfs){.lock = -1, .rootfd = -1};
	_cleanup_free_ char *id = NULL;
	if (container_lookup(en->root, what, &id, e) < 0)
		return -1;
	if (engine_lock_load(en, id, &f->c, &f->lock, NULL, e) < 0)
		return -1;
	f->loaded = true;
	f->fs = xasprintf("%s/containers/%s/fs", en->root, f->c.id);
	if (!root)
		return 0;
	if (!snapshot_ready(f->fs)) {
		if (mount_root(en, &f->c, f->fs, e) < 0) {
			cfs_close(f);
			return -1;
		}
		f->mounted_here = true;
	}
	_cleanup_free_ char *merged = xasprintf("%s/merged", f->fs);
	f->rootfd = open(merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (f->rootfd < 0) {
		err_sys(e, errno, "container %.12s: open its root", f->c.id);
		cfs_close(f);
		return -1;
	}
	return 0;
}

/* The upper directory of an overlay root (diff, commit). */
static char *cfs_upper(const struct cfs *f, struct err *e)
{
	_cleanup_free_ char *drv = xasprintf("%s/driver", f->fs);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (read_file_at(AT_FDCWD, drv, 64, &buf, &len, e) < 0)
		return NULL;
	if (strncmp(buf, "overlay", 7) != 0) {
		err_set(e, ERR_UNSUPPORTED,
			"container %.12s: its root is a copy, not an overlay: its changes are not "
			"kept apart",
			f->c.id);
		return NULL;
	}
	return xasprintf("%s/upper", f->fs);
}

/* ---- paths on either side ---- */

/* A side of a copy: a container's root, or the host (rootfd < 0). */
struct side {
	int rootfd;
};

static int side_open(const struct side *sd, const char *path, int flags)
{
	if (sd->rootfd >= 0)
		return path_open_in_root(sd->rootfd, path, flags);
	int fd = open(path, flags | O_CLOEXEC);
	return fd >= 0 ? fd : -errno;
}

/* The parent directory of path (which must exist) and its last component
 * (a new string: *ret_leaf). */
static int side_open_parent(const struct side *sd, const char *path, char **ret_leaf,
			    struct err *e)
{
	_cleanup_free_ char *clean = path_clean(path);
	const char *slash = strrchr(clean, '/');
	const char *leaf = slash ? slash + 1 : clean;
	if (!*leaf || streq(leaf, ".") || streq(leaf, ".."))
		return err_set(e, ERR_INVALID, "\"%s\": not a file or directory name", path);
	int fd;
	if (sd->rootfd >= 0) {
		const char *name;
		fd = path_open_parent_in_root(sd->rootfd, clean, false, &name, e);
		if (fd < 0)
			return -1;
	} else {
		_cleanup_free_ char *parent =
			slash ? xstrndup(clean, slash == clean ? 1 : (size_t)(slash - clean))
			      : xstrdup(".");
		fd = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return err_sys(e, errno, "\"%s\"", parent);
	}
	*ret_leaf = xstrdup(leaf);
	return fd;
}

static bool ends_with_dot(const char *p)
{
	size_t n = strlen(p);
	return streq(p, ".") || (n >= 2 && p[n - 1] == '.' && p[n - 2] == '/');
}

static bool ends_with_slash(const char *p)
{
	size_t n = strlen(p);
	return n > 0 && p[n - 1] == '/';
}

/* The last component of a cleaned path ("" for "/"). */
static const char *base_of(const char *clean)
{
	const char *slash = strrchr(clean, '/');
	return slash ? slash + 1 : clean;
}

/* What a copy reads: the object `name` below dirfd ("." for dirfd
 * itself), its stat, the name it has in the tar by default. */
struct cp_src {
	int dirfd;
	char *name;
	char *base; /* NULL: the root, or "dir/.": its content */
	struct stat st;
};

static void cp_src_clear(struct cp_src *s)
{
	if (s->dirfd >= 0)
		close(s->dirfd);
	free(s->name);
	free(s->base);
	*s = (struct cp_src){.dirfd = -1};
}

static int src_resolve(const struct side *sd, const char *path, bool follow, struct cp_src *ret,
		       struct err *e)
{
	*ret = (struct cp_src){.dirfd = -1};
	_cleanup_free_ char *clean = path_clean(path);
	bool content = ends_with_dot(path) || streq(clean, "/");
	bool slash = ends_with_slash(path);
	if (content) {
		int fd = side_open(sd, clean, O_PATH | O_DIRECTORY);
		if (fd < 0)
			return err_sys(e, fd, "\"%s\"", path);
		ret->dirfd = fd;
		ret->name = xstrdup(".");
		if (fstat(fd, &ret->st) < 0) {
			cp_src_clear(ret);
			return err_sys(e, errno, "\"%s\"", path);
		}
		return 0;
	}
	_cleanup_free_ char *cur = xstrdup(clean);
	for (int links = 0;; links++) {
		_cleanup_free_ char *leaf = NULL;
		_cleanup_close_ int pfd = side_open_parent(sd, cur, &leaf, e);
		if (pfd < 0)
			return err_wrap(e, "\"%s\"", path);
		struct stat st;
		if (fstatat(pfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return err_sys(e, errno, "\"%s\"", path);
		if (S_ISLNK(st.st_mode) && (follow || slash)) {
			if (links >= CP_MAX_LINKS)
				return err_sys(e, ELOOP, "\"%s\"", path);
			char target[PATH_MAX];
			ssize_t n = readlinkat(pfd, leaf, target, sizeof(target) - 1);
			if (n < 0)
				return err_sys(e, errno, "\"%s\": readlink", path);
			target[n] = '\0';
			/* Relative to the link's directory; in a container
			 * resolved below its root again (RESOLVE_IN_ROOT). */
			char *next;
			if (target[0] == '/') {
				next = path_clean(target);
			} else {
				const char *s = strrchr(cur, '/');
				_cleanup_free_ char *dir = s ? xstrndup(cur, s == cur ? 1 : (size_t)(s - cur))
							      : xstrdup(".");
				_cleanup_free_ char *joined = path_join(dir, target);
				next = path_clean(joined);
			}
			free(cur);
			cur = next;
			if (sd->rootfd >= 0 && streq(cur, "/")) {
				/* A link to the root: its content. */
				int fd = side_open(sd, "/", O_PATH | O_DIRECTORY);
				if (fd < 0)
					return err_sys(e, fd, "\"%s\"", path);
				ret->dirfd = fd;
				ret->name = xstrdup(".");
				ret->base = xstrdup(base_of(clean));
				(void)fstat(fd, &ret->st);
				return 0;
			}
			continue;
		}
		if (slash && !S_ISDIR(st.st_mode))
			return err_sys(e, ENOTDIR, "\"%s\"", path);
		ret->dirfd = TAKE_FD(pfd);
		ret->name = TAKE_PTR(leaf);
		ret->base = xstrdup(base_of(clean));
		ret->st = st;
		return 0;
	}
}

/* ---- the copy: a tar of the source, applied onto the destination ---- */

static int copy_tree(int sdir, const char *sname, const char *tar_name, int ddir, bool archive,
		     struct err *e)
{
	int p[2], ep[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(e, errno, "pipe");
	if (pipe2(ep, O_CLOEXEC) < 0) {
		int r = errno;
		close(p[0]);
		close(p[1]);
		return err_sys(e, r, "pipe");
	}
	pid_t pid = fork();
	if (pid < 0) {
		int r = errno;
		close(p[0]);
		close(p[1]);
		close(ep[0]);
		close(ep[1]);
		return err_sys(e, r, "fork");
	}
	if (pid == 0) {
		/* The writer: the tar into the pipe, an error's text into ep. */
		close(p[0]);
		close(ep[0]);
		struct err ce = ERR_INIT;
		int r = tar_write_tree(sdir, sname, tar_name, p[1], &ce);
		if (r < 0) {
			const char *m = err_msg(&ce);
			(void)write_all(ep[1], m, strlen(m));
		}
		_exit(r < 0 ? 1 : 0);
	}
	close(p[1]);
	close(ep[1]);
	struct layer_apply_opts o = {.overlay_whiteouts = false, .keep_owners = archive};
	_cleanup_err_ struct err ae = ERR_INIT;
	int r = layer_apply(ddir, p[0], &o, NULL, &ae);
	/* A writer still writing (the reader failed) gets EPIPE. */
	close(p[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	_cleanup_free_ char *msg = NULL;
	size_t len = 0;
	(void)read_all_fd(ep[0], 4096, &msg, &len);
	close(ep[0]);
	bool child_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (!child_ok && msg && len)
		/* The writer's error explains the reader's (a cut stream). */
		return err_set(e, ERR_IO, "%.*s", (int)len, msg);
	if (r < 0) {
		err_move(e, &ae);
		return -1;
	}
	if (!child_ok)
		return err_set(e, ERR_INTERNAL, "the tar writer failed");
	return 0;
}

/* The destination: a directory to apply the tar onto, and the name the
 * source has in it (NULL: a directory's content), by docker's rules. */
static int dst_resolve(const struct side *sd, const char *path, const struct cp_src *src,
		       int *ret_dir, char **ret_name, struct err *e)
{
	bool src_dir = S_ISDIR(src->st.st_mode);
	bool content = src_dir && !src->base;
	_cleanup_free_ char *clean = path_clean(path);
	_cleanup_close_ int fd = side_open(sd, clean, O_PATH);
	struct stat st;
	if (fd >= 0 && fstat(fd, &st) < 0)
		return err_sys(e, errno, "\"%s\"", path);
	if (fd >= 0 && S_ISDIR(st.st_mode)) {
		/* Into it: a file or directory by its name, or a directory's
		 * content (dir/.). */
		int dfd = side_open(sd, clean, O_PATH | O_DIRECTORY);
		if (dfd < 0)
			return err_sys(e, dfd, "\"%s\"", path);
		*ret_name = content ? NULL : xstrdup(src->base);
		*ret_dir = dfd;
		return 0;
	}
	if (fd >= 0) {
		if (src_dir)
			return err_set(e, ERR_INVALID, "cannot copy a directory to a file: \"%s\"",
				       path);
		if (ends_with_slash(path) || ends_with_dot(path))
			return err_sys(e, ENOTDIR, "\"%s\"", path);
	} else if (fd != -ENOENT) {
		return err_sys(e, fd, "\"%s\"", path);
	} else if (!src_dir && ends_with_slash(path)) {
		return err_set(e, ERR_NOT_FOUND, "\"%s\": the destination directory must exist",
			       path);
	}
	/* A new name (or a file replaced): in its parent, which must exist. */
	_cleanup_free_ char *leaf = NULL;
	int pfd = side_open_parent(sd, clean, &leaf, e);
	if (pfd < 0)
		return err_wrap(e, "\"%s\"", path);
	*ret_name = TAKE_PTR(leaf);
	*ret_dir = pfd;
	return 0;
}

static int cp_run(const struct side *from, const char *src_path, const struct side *to,
		  const char *dst_path, const struct engine_cp_opts *o, struct err *e)
{
	struct cp_src src;
	if (src_resolve(from, src_path, o->follow_link, &src, e) < 0)
		return -1;
	int ddir = -1;
	_cleanup_free_ char *name = NULL;
	int r = dst_resolve(to, dst_path, &src, &ddir, &name, e);
	if (r == 0) {
		r = copy_tree(src.dirfd, src.name, name, ddir, o->archive, e);
		close(ddir);
	}
	cp_src_clear(&src);
	return r;
}

int engine_cp_from(const struct engine *en, const char *what, const char *path,
		   const char *host_dst, int out_fd, const struct engine_cp_opts *o, struct err *e)
{
	struct cfs f;
	if (cfs_open(en, what, true, &f, e) < 0)
		return -1;
	struct side in = {.rootfd = f.rootfd}, host = {.rootfd = -1};
	int r;
	if (host_dst) {
		r = cp_run(&in, path, &host, host_dst, o, e);
	} else {
		struct cp_src src;
		r = src_resolve(&in, path, o->follow_link, &src, e);
		if (r == 0) {
			r = tar_write_tree(src.dirfd, src.name, src.base, out_fd, e);
			cp_src_clear(&src);
		}
	}
	if (r < 0)
		err_wrap(e, "copy from container %.12s", f.c.id);
	cfs_close(&f);
	return r;
}

int engine_cp_to(const struct engine *en, const char *what, const char *path,
		 const char *host_src, int in_fd, const struct engine_cp_opts *o, struct err *e)
{
	struct cfs f;
	if (cfs_open(en, what, true, &f, e) < 0)
		return -1;
	struct side in = {.rootfd = f.rootfd}, host = {.rootfd = -1};
	int r;
	if (host_src) {
		r = cp_run(&host, host_src, &in, path, o, e);
	} else {
		/* A tar from the caller: into a directory that exists. */
		_cleanup_free_ char *clean = path_clean(path);
		_cleanup_close_ int dfd = path_open_in_root(f.rootfd, clean, O_PATH | O_DIRECTORY);
		if (dfd < 0) {
			r = err_sys(e, dfd, "\"%s\"", path);
		} else {
			struct layer_apply_opts lo = {.overlay_whiteouts = false,
						      .keep_owners = o->archive};
			r = layer_apply(dfd, in_fd, &lo, NULL, e);
		}
	}
	if (r < 0)
		err_wrap(e, "copy to container %.12s", f.c.id);
	cfs_close(&f);
	return r;
}

int engine_export(const struct engine *en, const char *what, int out_fd, struct err *e)
{
	struct cfs f;
	if (cfs_open(en, what, true, &f, e) < 0)
		return -1;
	int r = tar_write_tree(f.rootfd, ".", NULL, out_fd, e);
	if (r < 0)
		err_wrap(e, "export container %.12s", f.c.id);
	cfs_close(&f);
	return r;
}

/* ---- diff ---- */

struct diff {
	int *lower; /* the image's layers, top first */
	size_t n_lower;
	struct engine_change *v;
	size_t n, cap;
	struct strbuf path; /* "/a/b" */
};

static void diff_add(struct diff *d, char kind)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 32;
		d->v = xreallocarray(d->v, d->cap, sizeof(*d->v));
	}
	d->v[d->n++] = (struct engine_change){.kind = kind, .path = xstrdup(d->path.buf)};
}

static bool is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

/* Whether the path was in the image (*ret: its stat there): the top
 * layer that has it (or a whiteout of it, or a non-directory on its way)
 * tells.  No symlink is followed on the way (each layer alone cannot tell
 * where one led). */
static bool diff_in_image(const struct diff *d, struct stat *ret)
{
	const char *rel = d->path.buf + 1;
	for (size_t i = 0; i < d->n_lower; i++) {
		int fd = path_openat2(d->lower[i], rel, O_PATH | O_NOFOLLOW, 0,
				      RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
					      RESOLVE_NO_MAGICLINKS);
		if (fd == -ENOENT)
			continue;
		if (fd < 0)
			return false;
		bool found = fstat(fd, ret) == 0 && !is_whiteout(ret);
		close(fd);
		return found;
	}
	return false;
}

static int read_sorted_names(int dfd, char ***ret, struct err *e);

static int diff_walk(struct diff *d, int dfd, unsigned depth, struct err *e)
{
	if (depth > DIFF_MAX_DEPTH)
		return err_set(e, ERR_UNSUPPORTED, "\"%s\": too deep", d->path.buf);
	_cleanup_strv_ char **names = NULL;
	if (read_sorted_names(dfd, &names, e) < 0)
		return -1;
	size_t base = d->path.len;
	for (char **n = names; n && *n; n++) {
		d->path.len = base;
		d->path.buf[base] = '\0';
		if (base > 1)
			strbuf_addch(&d->path, '/');
		strbuf_addstr(&d->path, *n);
		struct stat st;
		if (fstatat(dfd, *n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue; /* gone meanwhile (a running container) */
			return err_sys(e, errno, "\"%s\"", d->path.buf);
		}
		if (is_whiteout(&st)) {
			diff_add(d, 'D');
			continue;
		}
		struct stat lst;
		bool had = diff_in_image(d, &lst);
		/* The runtime's mount points for the engine's /etc files, made
		 * empty where the image has none: docker keeps them in a layer
		 * of their own, out of diff. */
		if (!had && S_ISREG(st.st_mode) && st.st_size == 0 &&
		    (streq(d->path.buf, "/etc/hostname") || streq(d->path.buf, "/etc/hosts") ||
		     streq(d->path.buf, "/etc/resolv.conf")))
			continue;
		size_t at = d->n;
		diff_add(d, had ? 'C' : 'A');
		if (!S_ISDIR(st.st_mode))
			continue;
		_cleanup_close_ int cfd =
			openat(dfd, *n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0) {
			if (errno == ENOENT)
				continue;
			return err_sys(e, errno, "\"%s\"", d->path.buf);
		}
		if (diff_walk(d, cfd, depth + 1, e) < 0)
			return -1;
		/* A directory of the image copied up, nothing in it listed and
		 * its mode and owner as they were: no change of its own (its
		 * time changes with its entries). */
		if (had && d->n == at + 1 && S_ISDIR(lst.st_mode) && lst.st_mode == st.st_mode &&
		    lst.st_uid == st.st_uid && lst.st_gid == st.st_gid) {
			free(d->v[at].path);
			d->n = at;
		}
	}
	d->path.len = base;
	d->path.buf[base] = '\0';
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_sorted_names(int dfd, char ***ret, struct err *e)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, errno, "open");
	DIR *dir = fdopendir(fd);
	if (!dir) {
		int r = errno;
		close(fd);
		return err_sys(e, r, "open");
	}
	char **names = NULL;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(dir))) {
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			strv_push(&names, de->d_name);
		errno = 0;
	}
	int r = errno;
	closedir(dir);
	if (r) {
		strv_free(names);
		return err_sys(e, r, "read directory");
	}
	size_t n = strv_length(names);
	if (n > 1)
		qsort(names, n, sizeof(*names), name_cmp);
	*ret = names;
	return 0;
}

void engine_changes_free(struct engine_change *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

static int diff_run(const struct engine *en, struct cfs *f, struct diff *d, struct err *e)
{
	_cleanup_free_ char *upper = cfs_upper(f, e);
	if (!upper)
		return -1;
	struct store s;
	if (store_open(en->root, STORE_READ, &s, e) < 0)
		return -1;
	struct store_index idx;
	int r = store_index_load(&s, &idx, e);
	if (r == 0) {
		long i = f->c.image_id ? store_find(&idx, f->c.image_id, e) : -1;
		if (i < 0) {
			r = err_wrap(e, "the image of container %.12s", f->c.id);
		} else {
			char **layers = idx.images[i].layers;
			size_t n = strv_length(layers);
			d->lower = xnew(int, n ? n : 1);
			for (size_t k = 0; k < n && r == 0; k++) {
				_cleanup_free_ char *lp = store_layer_path(&s, layers[n - 1 - k]);
				int fd = open(lp, O_PATH | O_DIRECTORY | O_CLOEXEC);
				if (fd < 0)
					r = err_sys(e, errno, "layer %s", layers[n - 1 - k]);
				else
					d->lower[d->n_lower++] = fd;
			}
		}
		store_index_clear(&idx);
	}
	store_close(&s);
	if (r < 0)
		return -1;
	_cleanup_close_ int ufd = open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (ufd < 0)
		return err_sys(e, errno, "\"%s\"", upper);
	strbuf_addch(&d->path, '/');
	return diff_walk(d, ufd, 0, e);
}

int engine_diff(const struct engine *en, const char *what, struct engine_change **ret,
		size_t *ret_n, struct err *e)
{
	struct cfs f;
	if (cfs_open(en, what, false, &f, e) < 0)
		return -1;
	struct diff d = {.path = STRBUF_INIT};
	int r = diff_run(en, &f, &d, e);
	if (r < 0) {
		err_wrap(e, "diff container %.12s", f.c.id);
		engine_changes_free(d.v, d.n);
	} else {
		*ret = d.v;
		*ret_n = d.n;
	}
	for (size_t i = 0; i < d.n_lower; i++)
		close(d.lower[i]);
	free(d.lower);
	strbuf_release(&d.path);
	cfs_close(&f);
	return r;
}

/* ---- commit ---- */

static int commit_run(const struct engine *en, struct cfs *f, const struct engine_commit_opts *o,
		      char **ret_id, struct err *e)
{
	if (!f->c.image_id)
		return err_set(e, ERR_INVALID, "container %.12s has no image", f->c.id);
	_cleanup_free_ char *upper = cfs_upper(f, e);
	if (!upper)
		return -1;
	/* Its processes frozen while the upper directory is read: one
	 * moment's files.  The runtime library's containers only (an external
	 * --runtime keeps its own state). */
	bool running = f->c.state == CONTAINER_RUNNING;
	_cleanup_free_ char *rt_root = engine_runtime_root(en);
	struct runtime_ctx rt = {.root = rt_root};
	bool paused = false;
	if (running && o->pause && !f->c.runtime) {
		if (runtime_pause(&rt, f->c.id, e) < 0)
			return err_wrap(e, "pause");
		paused = true;
	}
	struct store s;
	int r = store_open(en->root, STORE_ADD, &s, e);
	struct layer_commit lc = {0};
	if (r == 0) {
		r = layer_commit_copy(&s, upper, &lc, e);
		if (paused) {
			_cleanup_err_ struct err re = ERR_INIT;
			if (runtime_resume(&rt, f->c.id, &re) < 0 && r == 0) {
				err_move(e, &re);
				r = err_wrap(e, "resume");
			}
		}
		if (r == 0) {
			_cleanup_strbuf_ struct strbuf by = STRBUF_INIT;
			for (char **a = f->c.command; a && *a; a++) {
				if (by.len)
					strbuf_addch(&by, ' ');
				strbuf_addstr(&by, *a);
			}
			struct image_commit_opts io = {
				.parent = f->c.image_id,
				.diff_id = lc.diff_id,
				.blob = lc.blob,
				.blob_size = lc.blob_size,
				.reference = o->reference,
				.changes = o->changes,
				.message = o->message,
				.author = o->author,
				.created_by = by.buf ? by.buf : "",
			};
			r = image_commit(&s, &io, ret_id, e);
		}
		layer_commit_clear(&lc);
		store_close(&s);
	} else if (paused) {
		(void)runtime_resume(&rt, f->c.id, NULL);
	}
	return r;
}

int engine_commit(const struct engine *en, const char *what, const struct engine_commit_opts *o,
		  char **ret_id, struct err *e)
{
	/* A bad --change fails before anything is paused or written. */
	if (image_changes_check(o->changes, e) < 0)
		return err_wrap(e, "commit");
	struct cfs f;
	if (cfs_open(en, what, false, &f, e) < 0)
		return -1;
	int r = commit_run(en, &f, o, ret_id, e);
	if (r < 0)
		err_wrap(e, "commit container %.12s", f.c.id);
	cfs_close(&f);
	return r;
}
