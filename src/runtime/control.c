/* control.c: pause, resume, update, ps and stats: the verbs that act on a
 * live container through its cgroup. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/id.h"
#include "base/lock.h"
#include "oci/config.h"
#include "oci/resources.h"
#include "runtime/cgroup.h"
#include "runtime/runtime.h"
#include "runtime/status.h"

/* Open and load a container and detect the host's cgroups; `allowed` is a
 * bit mask of the statuses the verb accepts. */
struct live {
	int dirfd;
	struct container_record rec;
	enum container_status status;
	struct cgroup_host host;
};

static void live_release(struct live *l)
{
	if (l->dirfd >= 0)
		close(l->dirfd);
	container_record_clear(&l->rec);
	cgroup_host_clear(&l->host);
}

static int live_open(const struct runtime_ctx *rt, const char *id, const char *verb,
		     unsigned allowed, bool lock, struct live *l, struct err *e)
{
	memset(l, 0, sizeof(*l));
	l->dirfd = -1;
	if (id_check(id, e) < 0)
		return -1;
	l->dirfd = record_dir_open(rt->root, id, e);
	if (l->dirfd < 0)
		return -1;
	if (lock && lock_fd(l->dirfd, LOCK_MODE_EXCLUSIVE, e) < 0)
		return -1;
	if (record_load(l->dirfd, &l->rec, e) < 0)
		return err_wrap(e, "%s container \"%s\"", verb, id);
	l->status = record_status(l->dirfd, &l->rec);
	if (!(allowed & (1u << l->status)))
		return err_set(e, ERR_CONFLICT, "%s container \"%s\": it is %s", verb, id,
			       container_status_name(l->status));
	if (!l->rec.cgroup_path)
		return err_set(e, ERR_UNSUPPORTED, "%s container \"%s\": it has no cgroup", verb, id);
	if (cgroup_detect(&l->host, e) < 0)
		return err_wrap(e, "%s container \"%s\"", verb, id);
	return 0;
}

#define LIVE (1u << STATUS_CREATED | 1u << STATUS_RUNNING | 1u << STATUS_PAUSED)

static int freeze(const struct runtime_ctx *rt, const char *id, bool on, struct err *e)
{
	const char *verb = on ? "pause" : "resume";
	struct live l;
	int r = live_open(rt, id, verb, on ? 1u << STATUS_RUNNING : 1u << STATUS_PAUSED, true, &l, e);
	if (r == 0 && cgroup_freeze(&l.host, l.rec.cgroup_path, on, e) < 0)
		r = err_wrap(e, "%s container \"%s\"", verb, id);
	live_release(&l);
	return r;
}

int runtime_pause(const struct runtime_ctx *rt, const char *id, struct err *e)
{
	return freeze(rt, id, true, e);
}

int runtime_resume(const struct runtime_ctx *rt, const char *id, struct err *e)
{
	return freeze(rt, id, false, e);
}

int runtime_update(const struct runtime_ctx *rt, const char *id, const struct oci_resources *res,
		   struct err *e)
{
	struct live l;
	int r = live_open(rt, id, "update", LIVE, true, &l, e);
	if (r == 0) {
		/* New device rules keep allowing the devices the container was
		 * created with (its config.json as it was at create). */
		_cleanup_free_ char *buf = NULL;
		size_t len;
		_cleanup_(oci_config_freep) struct oci_config *cfg = NULL;
		if (read_file_at(l.dirfd, "config.json", OCI_CONFIG_MAX_SIZE, &buf, &len, NULL) == 0)
			cfg = oci_config_parse(buf, len, "config.json", NULL);
		struct oci_linux none = {0};
		if (cgroup_apply(&l.host, l.rec.cgroup_path, res, cfg ? &cfg->linux : &none, e) < 0)
			r = err_wrap(e, "update container \"%s\"", id);
	}
	live_release(&l);
	return r;
}

int runtime_pids(const struct runtime_ctx *rt, const char *id, pid_t **ret, size_t *ret_n,
		 struct err *e)
{
	struct live l;
	int r = live_open(rt, id, "ps", LIVE | 1u << STATUS_STOPPED, false, &l, e);
	if (r == 0 && cgroup_pids(&l.host, l.rec.cgroup_path, ret, ret_n, e) < 0)
		r = err_wrap(e, "ps container \"%s\"", id);
	live_release(&l);
	return r;
}

int runtime_stats(const struct runtime_ctx *rt, const char *id, char **ret_json,
		  bool *ret_running, struct err *e)
{
	struct live l;
	int r = live_open(rt, id, "events", LIVE | 1u << STATUS_STOPPED, false, &l, e);
	if (r == 0) {
		*ret_json = cgroup_stats_json(&l.host, l.rec.cgroup_path);
		*ret_running = l.status != STATUS_STOPPED;
	}
	live_release(&l);
	return r;
}
