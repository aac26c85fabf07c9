/* build-run.c: a Dockerfile's RUN, as a short-lived container.
 *
 * The builder (src/build) hands over a mounted root and the image config
 * so far; this makes a bundle under <runroot>/build/<id> (config.json from
 * spec_generate, as for `berth run`: docker's capabilities, seccomp,
 * masked paths; the image's Env, User and WorkingDir; no entrypoint), sets
 * up the network (the default bridge unless --network says host, none or
 * another network) and runs it with the runtime library in a child
 * process whose stdout and stderr are one pipe read here.  The build
 * interrupted (*stop set by a signal) kills the container.  Nothing is
 * left afterwards: the runtime's state, the network, the bundle. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "base/fs-util.h"
#include "base/log.h"
#include "build/build.h"
#include "engine/internal.h"
#include "runtime/runtime.h"

static int run_child(const char *rt_root, const char *id, const char *bundle, int out)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
	    dup2(out, STDERR_FILENO) < 0)
		return 125;
	struct sigaction sa = {.sa_handler = SIG_DFL};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	struct runtime_ctx rt = {.root = rt_root};
	struct runtime_run_opts o = {.create = {.id = id, .bundle = bundle}};
	int status = 0;
	_cleanup_err_ struct err e = ERR_INIT;
	if (runtime_run(&rt, &o, &status, &e) < 0) {
		dprintf(STDERR_FILENO, "berth: %s\n", e.msg ? e.msg : "cannot run the command");
		return e.kind == ERR_NOT_FOUND ? 127 : e.kind == ERR_PERMISSION ? 126 : 125;
	}
	return status;
}

/* Read the child's output until it ends; kill the container on *stop. */
static int pump(const struct build_run_req *r, const char *rt_root, const char *id, int fd,
		volatile sig_atomic_t *stop)
{
	bool killed = false;
	char buf[16384];
	for (;;) {
		if (stop && *stop && !killed) {
			struct runtime_ctx rt = {.root = rt_root};
			(void)runtime_kill(&rt, id, SIGKILL, true, NULL);
			killed = true;
		}
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int n = poll(&p, 1, 200);
		if (n < 0 && errno != EINTR)
			break;
		if (n <= 0)
			continue;
		ssize_t got = read(fd, buf, sizeof(buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (r->output)
			r->output(r->data, buf, (size_t)got);
	}
	return killed ? -1 : 0;
}

static int run_in(const struct engine *en, const struct build_run_req *r, struct container *c,
		  const char *dir, const char *rt_root, volatile sig_atomic_t *stop,
		  int *ret_status, struct err *e)
{
	const char *id = c->id;
	bool bridged = engine_net_bridged(c->network);
	_cleanup_free_ char *netns = bridged ? engine_netns_path(en, id) : NULL;
	_cleanup_close_ int rfd = open(r->rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct spec_run_opts run = {
		.id = id,
		.rootfs = r->rootfs,
		.rootfs_fd = rfd,
		.args = r->args,
		.entrypoint_set = true,
		.entrypoint = "",
		.env = r->env,
		.network = c->network,
		.netns_path = netns,
		.etc_dir = dir,
	};
	if (!strncmp(c->network, "container:", 10))
		return err_set(e, ERR_INVALID, "--network %s: a build cannot join a container",
			       c->network);
	if (bridged && engine_net_setup(en, c, e) < 0)
		return -1;
	if (engine_write_etc_files(dir, id, &run, e) < 0)
		return -1;
	struct spec_image img = {.config_json = r->config_json};
	_cleanup_free_ char *spec = spec_generate(&img, &run, e);
	if (!spec)
		return -1;
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(e, errno, "build: %s", dir);
	if (write_file_atomic_at(dfd, "config.json", spec, strlen(spec), 0600, 0, e) < 0)
		return -1;
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return err_sys(e, errno, "pipe");
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return err_sys(e, errno, "fork");
	}
	if (pid == 0) {
		close(pfd[0]);
		_exit(run_child(rt_root, id, dir, pfd[1]));
	}
	close(pfd[1]);
	int killed = pump(r, rt_root, id, pfd[0], stop);
	close(pfd[0]);
	int ws = 0;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (killed < 0 || (stop && *stop))
		return err_set(e, ERR_IO, "interrupted");
	*ret_status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	return 0;
}

/* Forget a step container: its runtime state, its network, its bundle. */
static void forget(const struct engine *en, const struct container *c, const char *dir,
		   const char *rt_root)
{
	struct runtime_ctx rt = {.root = rt_root};
	_cleanup_err_ struct err de = ERR_INIT;
	(void)runtime_delete(&rt, c->id, true, &de);
	if (engine_net_bridged(c->network))
		engine_net_teardown(en, c);
	(void)rm_rf_at(AT_FDCWD, dir, NULL);
}

void engine_build_sweep(const struct engine *en)
{
	_cleanup_free_ char *top = xasprintf("%s/build", en->runroot);
	_cleanup_free_ char *rt_root = engine_runtime_root(en);
	DIR *d = opendir(top);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strlen(de->d_name) != CONTAINER_ID_LEN)
			continue;
		_cleanup_free_ char *dir = xasprintf("%s/%s", top, de->d_name);
		_cleanup_free_ char *path = xasprintf("%s/owner", dir);
		_cleanup_free_ char *text = NULL;
		size_t len;
		if (read_file_at(AT_FDCWD, path, 512, &text, &len, NULL) < 0)
			continue;
		char net[256] = "";
		int pid = 0;
		if (sscanf(text, "%d %255s", &pid, net) != 2 || pid <= 0)
			continue;
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue; /* its build runs */
		struct container c = {0};
		memcpy(c.id, de->d_name, CONTAINER_ID_LEN);
		c.network = xstrdup(net);
		forget(en, &c, dir, rt_root);
		container_clear(&c);
	}
	closedir(d);
}

int engine_build_run(const struct engine *en, const struct build_run_req *r,
		     volatile sig_atomic_t *stop, int *ret_status, struct err *e)
{
	struct container c = {0};
	container_id_new(c.id);
	_cleanup_free_ char *dir = xasprintf("%s/build/%s", en->runroot, c.id);
	_cleanup_free_ char *rt_root = engine_runtime_root(en);
	if (mkdir_p(dir, 0700, e) < 0)
		return -1;
	c.name = xasprintf("build-%.12s", c.id);
	c.network = xstrdup(r->network && *r->network ? r->network : "bridge");
	/* Who runs it, on which network: for the sweep after a kill -9. */
	_cleanup_free_ char *owner = xasprintf("%d %s\n", (int)getpid(), c.network);
	_cleanup_close_ int dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0 || write_file_atomic_at(dirfd, "owner", owner, strlen(owner), 0600, 0, e) < 0) {
		(void)rm_rf_at(AT_FDCWD, dir, NULL);
		container_clear(&c);
		return dirfd < 0 ? err_sys(e, errno, "build: %s", dir) : -1;
	}
	int rc = run_in(en, r, &c, dir, rt_root, stop, ret_status, e);
	/* Whatever the runtime may have left (a child killed). */
	forget(en, &c, dir, rt_root);
	container_clear(&c);
	return rc;
}
