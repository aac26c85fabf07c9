/* status.c: see status.h. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/parse-util.h"
#include "base/path-util.h"
#include "base/strv.h"
#include "runtime/cgroup.h"
#include "runtime/status.h"

#define RECORD_MAX_SIZE (8u << 20)

const char *container_status_name(enum container_status s)
{
	static const char *const names[] = {
		[STATUS_CREATING] = "creating", [STATUS_CREATED] = "created",
		[STATUS_RUNNING] = "running",	[STATUS_PAUSED] = "paused",
		[STATUS_STOPPED] = "stopped",
	};
	return names[s];
}

void container_record_clear(struct container_record *r)
{
	free(r->oci_version);
	free(r->id);
	free(r->bundle);
	free(r->rootfs);
	free(r->created);
	free(r->owner);
	strv_free(r->annotations);
	free(r->cgroup_path);
	free(r->freezer);
	memset(r, 0, sizeof(*r));
}

int root_check(const char *root, bool create, struct err *e)
{
	struct stat st;
	if (lstat(root, &st) < 0) {
		if (errno != ENOENT || !create)
			return err_sys(e, errno, "state directory \"%s\"", root);
		if (mkdir_p(root, 0700, e) < 0)
			return err_wrap(e, "state directory");
		if (lstat(root, &st) < 0)
			return err_sys(e, errno, "state directory \"%s\"", root);
	}
	if (!S_ISDIR(st.st_mode))
		return err_set(e, ERR_PERMISSION, "state directory \"%s\": not a directory", root);
	if (st.st_uid != geteuid() || (st.st_mode & 022))
		return err_set(e, ERR_PERMISSION,
			       "state directory \"%s\": owned by uid %u or writable by others; "
			       "refusing to use it",
			       root, (unsigned)st.st_uid);
	return 0;
}

int record_dir_create(const char *root, const char *id, struct err *e)
{
	if (root_check(root, true, e) < 0)
		return -1;
	_cleanup_free_ char *dir = path_join(root, id);
	if (mkdir(dir, 0700) < 0) {
		if (errno == EEXIST)
			return err_set(e, ERR_EXISTS, "container \"%s\" already exists", id);
		return err_sys(e, errno, "create state directory \"%s\"", dir);
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return err_sys(e, errno, "open state directory \"%s\"", dir);
	return fd;
}

int record_dir_open(const char *root, const char *id, struct err *e)
{
	struct stat st;
	if (lstat(root, &st) < 0 && errno == ENOENT)
		return err_set(e, ERR_NOT_FOUND, "container \"%s\" does not exist", id);
	if (root_check(root, false, e) < 0)
		return -1;
	_cleanup_free_ char *dir = path_join(root, id);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return err_set(e, ERR_NOT_FOUND, "container \"%s\" does not exist", id);
		return err_sys(e, errno, "open state directory \"%s\"", dir);
	}
	return fd;
}

int record_save(int dirfd, const struct container_record *r, struct err *e)
{
	json_t *o = json_object();
	json_object_set_new(o, "ociVersion", json_string(r->oci_version));
	json_object_set_new(o, "id", json_string(r->id));
	json_object_set_new(o, "pid", json_integer(r->pid));
	json_object_set_new(o, "pidStart", json_integer((json_int_t)r->pid_start));
	json_object_set_new(o, "bundle", json_string(r->bundle));
	json_object_set_new(o, "rootfs", json_string(r->rootfs));
	json_object_set_new(o, "created", json_string(r->created));
	if (r->owner)
		json_object_set_new(o, "owner", json_string(r->owner));
	json_t *ann = json_object();
	for (char **p = r->annotations; p && p[0] && p[1]; p += 2)
		json_object_set_new(ann, p[0], json_string(p[1]));
	json_object_set_new(o, "annotations", ann);
	if (r->cgroup_path)
		json_object_set_new(o, "cgroupPath", json_string(r->cgroup_path));
	if (r->freezer)
		json_object_set_new(o, "freezer", json_string(r->freezer));
	json_object_set_new(o, "hasHooks", json_boolean(r->has_hooks));
	if (r->host_mount_id)
		json_object_set_new(o, "hostMountID", json_integer((json_int_t)r->host_mount_id));
	_cleanup_free_ char *s = json_dump_string(o, false);
	json_decref(o);
	return write_file_atomic_at(dirfd, "state.json", s, strlen(s), 0600, 0, e);
}

int record_load(int dirfd, struct container_record *r, struct err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	memset(r, 0, sizeof(*r));
	if (read_file_at(dirfd, "state.json", RECORD_MAX_SIZE, &buf, &len, e) < 0)
		return -1;
	_cleanup_json_ json_t *o = NULL;
	if (json_parse_buffer(buf, len, "state.json", &o, e) < 0)
		return -1;
	int64_t pid = 0, start = 0;
	if (json_get_string(o, "", "ociVersion", true, &r->oci_version, e) < 0 ||
	    json_get_string(o, "", "id", true, &r->id, e) < 0 ||
	    json_get_i64(o, "", "pid", true, &pid, e) < 0 ||
	    json_get_i64(o, "", "pidStart", false, &start, e) < 0 ||
	    json_get_string(o, "", "bundle", true, &r->bundle, e) < 0 ||
	    json_get_string(o, "", "rootfs", true, &r->rootfs, e) < 0 ||
	    json_get_string(o, "", "created", true, &r->created, e) < 0 ||
	    json_get_string(o, "", "owner", false, &r->owner, e) < 0 ||
	    json_get_string_map(o, "", "annotations", &r->annotations, e) < 0 ||
	    json_get_string(o, "", "cgroupPath", false, &r->cgroup_path, e) < 0 ||
	    json_get_string(o, "", "freezer", false, &r->freezer, e) < 0 ||
	    json_get_bool(o, "", "hasHooks", false, &r->has_hooks, e) < 0 ||
	    json_get_u64(o, "", "hostMountID", false, &r->host_mount_id, e) < 0) {
		container_record_clear(r);
		return err_wrap(e, "state.json");
	}
	r->pid = (pid_t)pid;
	r->pid_start = (uint64_t)start;
	return 0;
}

/* Field 22 of /proc/<pid>/stat; the state letter in *state. */
static uint64_t stat_of(pid_t pid, char *state)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may contain spaces and parentheses: skip to the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	p += 2;
	if (state)
		*state = *p;
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p)
		return 0;
	return strtoull(p, NULL, 10);
}

uint64_t proc_start_time(pid_t pid) { return stat_of(pid, NULL); }

bool proc_alive(pid_t pid, uint64_t start)
{
	char st = 0;
	uint64_t t = pid > 0 ? stat_of(pid, &st) : 0;
	return t != 0 && (!start || t == start) && st != 'Z' && st != 'X';
}

enum container_status record_status(int dirfd, const struct container_record *r)
{
	if (r->pid <= 0)
		return STATUS_STOPPED;
	char st = 0;
	uint64_t start = stat_of(r->pid, &st);
	if (start == 0 || (r->pid_start && start != r->pid_start) || st == 'Z' || st == 'X')
		return STATUS_STOPPED;
	if (faccessat(dirfd, "exec.fifo", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return STATUS_CREATED;
	if (r->freezer && cgroup_freezer_file_frozen(r->freezer))
		return STATUS_PAUSED;
	return STATUS_RUNNING;
}

char *owner_name(uid_t uid)
{
	_cleanup_free_ char *buf = NULL;
	if (read_file_at(AT_FDCWD, "/etc/passwd", 4u << 20, &buf, NULL, NULL) == 0) {
		char *save = NULL;
		for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			char *name = l, *c1 = strchr(l, ':');
			char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
			char *c3 = c2 ? strchr(c2 + 1, ':') : NULL;
			if (!c3)
				continue;
			*c1 = *c3 = '\0';
			uint32_t u;
			if (parse_u32(c2 + 1, &u) == 0 && u == uid)
				return xstrdup(name);
		}
	}
	return xasprintf("%u", (unsigned)uid);
}
