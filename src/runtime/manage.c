/* manage.c: state, kill, delete and list (the verbs on existing containers). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/id.h"
#include "base/lock.h"
#include "base/log.h"
#include "base/path-util.h"
#include "oci/config.h"
#include "oci/state.h"
#include "runtime/cgroup.h"
#include "runtime/hooks.h"
#include "runtime/rootfs.h"
#include "runtime/runtime.h"
#include "runtime/status.h"

/* Load the record; a directory without state.json is a container still
 * being created (its create holds the lock). */
static int load(const struct runtime_ctx *rt, const char *id, int *ret_dirfd,
		struct container_record *rec, bool *creating, struct err *e)
{
	if (id_check(id, e) < 0)
		return -1;
	int dirfd = record_dir_open(rt->root, id, e);
	if (dirfd < 0)
		return -1;
	*creating = false;
	if (faccessat(dirfd, "state.json", F_OK, 0) < 0 && errno == ENOENT) {
		memset(rec, 0, sizeof(*rec));
		rec->id = xstrdup(id);
		*creating = true;
	} else if (record_load(dirfd, rec, e) < 0) {
		close(dirfd);
		return err_wrap(e, "container \"%s\"", id);
	}
	*ret_dirfd = dirfd;
	return 0;
}

int runtime_state(const struct runtime_ctx *rt, const char *id, char **ret_json, struct err *e)
{
	struct container_record rec;
	bool creating;
	int dirfd;
	if (load(rt, id, &dirfd, &rec, &creating, e) < 0)
		return -1;
	enum container_status st = creating ? STATUS_CREATING : record_status(dirfd, &rec);
	struct oci_state s = {
		.oci_version = rec.oci_version ? rec.oci_version : OCI_VERSION,
		.id = id,
		.status = container_status_name(st),
		.pid = st == STATUS_STOPPED ? 0 : rec.pid,
		.bundle = rec.bundle ? rec.bundle : "",
		.rootfs = rec.rootfs,
		.created = rec.created,
		.owner = rec.owner,
		.annotations = rec.annotations,
	};
	*ret_json = oci_state_to_json(&s, true);
	container_record_clear(&rec);
	close(dirfd);
	return 0;
}

static int signal_all(const struct container_record *rec, int sig, struct err *e)
{
	struct cgroup_host host;
	if (!rec->cgroup_path || cgroup_detect(&host, e) < 0)
		return -1;
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	int r = cgroup_pids(&host, rec->cgroup_path, &pids, &n, e);
	cgroup_host_clear(&host);
	if (r < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH)
			return err_sys(e, errno, "signal process %d", (int)pids[i]);
	return 0;
}

/* Signal the init through a pidfd opened and then checked against the
 * recorded start time, so a recycled pid is never signalled. */
static int signal_init(const struct container_record *rec, int sig, struct err *e)
{
	_cleanup_close_ int pidfd = pidfd_open(rec->pid, 0);
	if (pidfd < 0 || proc_start_time(rec->pid) != rec->pid_start)
		return err_set(e, ERR_CONFLICT, "container \"%s\" is not running", rec->id);
	if (pidfd_send_signal(pidfd, sig, NULL, 0) < 0)
		return err_sys(e, errno, "signal container \"%s\"", rec->id);
	return 0;
}

int runtime_kill(const struct runtime_ctx *rt, const char *id, int sig, bool all, struct err *e)
{
	struct container_record rec;
	bool creating;
	int dirfd;
	if (load(rt, id, &dirfd, &rec, &creating, e) < 0)
		return -1;
	int r;
	enum container_status st = creating ? STATUS_CREATING : record_status(dirfd, &rec);
	if (st != STATUS_CREATED && st != STATUS_RUNNING && st != STATUS_PAUSED)
		r = err_set(e, ERR_CONFLICT, "kill container \"%s\": it is %s", id,
			    container_status_name(st));
	else if (all)
		r = signal_all(&rec, sig, e);
	else
		r = signal_init(&rec, sig, e);
	if (r < 0 && all)
		err_wrap(e, "kill container \"%s\"", id);
	container_record_clear(&rec);
	close(dirfd);
	return r;
}

/* Kill everything of the container and wait until the init is gone. */
static void kill_and_wait(const struct container_record *rec)
{
	_cleanup_close_ int pidfd = pidfd_open(rec->pid, 0);
	bool ours = pidfd >= 0 && proc_start_time(rec->pid) == rec->pid_start;
	if (ours)
		pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
	/* Processes outside the init's pid namespace survive its death. */
	(void)signal_all(rec, SIGKILL, NULL);
	if (ours) {
		struct pollfd p = {.fd = pidfd, .events = POLLIN};
		(void)poll(&p, 1, 10000);
		/* Reap it when it is our child (foreground run). */
		(void)waitpid(rec->pid, NULL, WNOHANG);
	}
}

static void run_poststop(int dirfd, const struct container_record *rec, const char *id)
{
	_cleanup_err_ struct err he = ERR_INIT;
	_cleanup_free_ char *buf = NULL;
	size_t len;
	_cleanup_(oci_config_freep) struct oci_config *cfg = NULL;
	if (read_file_at(dirfd, "config.json", OCI_CONFIG_MAX_SIZE, &buf, &len, &he) == 0)
		cfg = oci_config_parse(buf, len, "config.json", &he);
	if (!cfg) {
		log_warn("poststop hooks: %s", err_msg(&he));
		return;
	}
	struct oci_state s = {
		.oci_version = rec->oci_version, .id = id, .status = "stopped", .pid = 0,
		.bundle = rec->bundle, .rootfs = rec->rootfs, .annotations = rec->annotations,
	};
	_cleanup_free_ char *js = oci_state_to_json(&s, false);
	if (hooks_run_all(&cfg->hooks[OCI_HOOK_POSTSTOP], OCI_HOOK_POSTSTOP, js, &he) < 0)
		log_warn("%s", err_msg(&he));
}

/* With the container's lock held. */
static int delete_locked(const struct runtime_ctx *rt, const char *id, int dirfd,
			 struct container_record *rec, bool force, struct err *e)
{
	/* The record was read before the lock: the container may have been
	 * deleted and a new one made under the same id meanwhile.  Only the
	 * directory we hold, still at its path, is this container. */
	_cleanup_free_ char *dir = path_join(rt->root, id);
	struct stat held, now;
	if (fstat(dirfd, &held) < 0 || held.st_nlink == 0 || stat(dir, &now) < 0 ||
	    now.st_ino != held.st_ino || now.st_dev != held.st_dev)
		return err_set(e, ERR_NOT_FOUND, "container \"%s\" does not exist", id);
	container_record_clear(rec);
	if (faccessat(dirfd, "state.json", F_OK, 0) == 0) {
		if (record_load(dirfd, rec, e) < 0)
			return -1;
	} else {
		/* Its create died mid-way (we hold the lock it held): what it
		 * made is named in cgroup.path. */
		rec->id = xstrdup(id);
		_cleanup_free_ char *cg = NULL;
		if (read_file_at(dirfd, "cgroup.path", 4096, &cg, NULL, NULL) == 0 && cg[0] == '/')
			rec->cgroup_path = TAKE_PTR(cg);
	}
	enum container_status st = rec->pid ? record_status(dirfd, rec) : STATUS_STOPPED;
	if ((st == STATUS_RUNNING || st == STATUS_PAUSED) && !force)
		return err_set(e, ERR_CONFLICT, "it is %s; stop it first or use --force",
			       container_status_name(st));
	struct cgroup_host host = {0};
	if (rec->cgroup_path && cgroup_detect(&host, e) < 0)
		return -1;
	/* A frozen process cannot die: thaw first. */
	if (st == STATUS_PAUSED)
		(void)cgroup_freeze(&host, rec->cgroup_path, false, NULL);
	if (st != STATUS_STOPPED)
		kill_and_wait(rec);
	if (rec->cgroup_path) {
		(void)signal_all(rec, SIGKILL, NULL);
		int r = cgroup_destroy(&host, rec->cgroup_path, e);
		cgroup_host_clear(&host);
		if (r < 0)
			return -1;
	}
	if (rec->host_mount_id && rootfs_unmount_host(rec->rootfs, rec->host_mount_id, e) < 0)
		return -1;
	if (rec->has_hooks)
		run_poststop(dirfd, rec, id);
	int r = rm_rf_at(AT_FDCWD, dir, e);
	log_timing("end");
	return r;
}

int runtime_delete(const struct runtime_ctx *rt, const char *id, bool force, struct err *e)
{
	struct container_record rec;
	bool creating;
	int dirfd;
	if (load(rt, id, &dirfd, &rec, &creating, e) < 0)
		return -1;
	int r = lock_fd(dirfd, LOCK_MODE_EXCLUSIVE, e);
	if (r == 0)
		r = delete_locked(rt, id, dirfd, &rec, force, e);
	if (r < 0)
		err_wrap(e, "delete container \"%s\"", id);
	container_record_clear(&rec);
	close(dirfd);
	return r;
}

void runtime_list_free(struct runtime_list_entry *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(l[i].id);
		free(l[i].bundle);
		free(l[i].created);
		free(l[i].owner);
	}
	free(l);
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct runtime_list_entry *)a)->id,
		      ((const struct runtime_list_entry *)b)->id);
}

int runtime_list(const struct runtime_ctx *rt, struct runtime_list_entry **ret, size_t *ret_n,
		 struct err *e)
{
	*ret = NULL;
	*ret_n = 0;
	struct stat rst;
	if (lstat(rt->root, &rst) < 0 && errno == ENOENT)
		return 0;
	if (root_check(rt->root, false, e) < 0)
		return -1;
	DIR *d = opendir(rt->root);
	if (!d)
		return err_sys(e, errno, "list \"%s\"", rt->root);
	struct runtime_list_entry *l = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !id_is_valid(de->d_name))
			continue;
		struct container_record rec;
		bool creating;
		int dirfd;
		if (load(rt, de->d_name, &dirfd, &rec, &creating, NULL) < 0)
			continue;
		enum container_status st = creating ? STATUS_CREATING : record_status(dirfd, &rec);
		close(dirfd);
		l = xreallocarray(l, n + 1, sizeof(*l));
		l[n++] = (struct runtime_list_entry){
			.id = xstrdup(de->d_name),
			.pid = st == STATUS_STOPPED ? 0 : rec.pid,
			.status = container_status_name(st),
			.bundle = xstrdup(rec.bundle ? rec.bundle : ""),
			.created = xstrdup(rec.created ? rec.created : ""),
			.owner = xstrdup(rec.owner ? rec.owner : ""),
		};
		container_record_clear(&rec);
	}
	closedir(d);
	if (n)
		qsort(l, n, sizeof(*l), cmp_entry);
	*ret = l;
	*ret_n = n;
	return 0;
}
