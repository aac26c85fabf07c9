/* cmd-info.c: berth info: the engine and the host, as docker shows them. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "cmd/berth/commands.h"
#include "cmd/common/format.h"
#include "image/store.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* PRETTY_NAME of /etc/os-release. */
static char *os_name(void)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	if (read_file_at(AT_FDCWD, "/etc/os-release", 1 << 16, &text, &len, NULL) == 0) {
		char *p = strstr(text, "PRETTY_NAME=");
		if (p) {
			p += 12;
			if (*p == '"')
				p++;
			size_t n = strcspn(p, "\"\n");
			return xstrndup(p, n);
		}
	}
	return xstrdup("Linux");
}

static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	_cleanup_free_ char *dirs = xstrdup(path ? path : "/usr/local/bin:/usr/bin:/bin");
	char *save = NULL;
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		_cleanup_free_ char *p = xasprintf("%s/%s", d, prog);
		if (access(p, X_OK) == 0)
			return true;
	}
	return false;
}

int cmd_info(struct global *g, int argc, char **argv)
{
	const char *fmt = NULL;
	const struct opt opts[] = {
		{"format", 'f', OPT_STRING, &fmt, "FORMAT", "a Go template, or json"},
	};
	const struct opt_spec spec = {
		.usage = "info [options]",
		.summary = "Display system-wide information.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 0, 0, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	size_t running = 0, paused = 0, stopped = 0, n = 0, images = 0;
	struct container *l = NULL;
	if (container_list(g->en.root, &l, &n, NULL) == 0) {
		for (size_t i = 0; i < n; i++) {
			engine_refresh(&g->en, &l[i]);
			if (l[i].state == CONTAINER_RUNNING)
				running++;
			else if (l[i].state == CONTAINER_PAUSED)
				paused++;
			else
				stopped++;
		}
		container_list_free(l, n);
	}
	struct store s;
	if (store_open(g->en.root, STORE_READ, &s, NULL) == 0) {
		struct store_index idx;
		if (store_index_load(&s, &idx, NULL) == 0) {
			images = idx.n;
			store_index_clear(&idx);
		}
		store_close(&s);
	}
	struct utsname u;
	uname(&u);
	struct sysinfo si;
	sysinfo(&si);
	struct statfs fs;
	bool v2 = statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
	_cleanup_free_ char *os = os_name();
	_cleanup_strv_ char **runtimes = NULL;
	strv_push(&runtimes, "berth");
	static const char *const peers[] = {"crun", "runc"};
	for (size_t i = 0; i < ARRAY_SIZE(peers); i++)
		if (in_path(peers[i]))
			strv_push(&runtimes, peers[i]);
	struct strbuf rt = STRBUF_INIT;
	for (char **r = runtimes; *r; r++)
		strbuf_addf(&rt, "%s%s", r == runtimes ? "" : " ", *r);
	_cleanup_free_ char *rts = strbuf_detach(&rt, NULL);
	_cleanup_free_ char *cn = xasprintf("%zu", n), *cr = xasprintf("%zu", running),
			    *cp = xasprintf("%zu", paused), *cs = xasprintf("%zu", stopped),
			    *im = xasprintf("%zu", images), *cpus = xasprintf("%ld", sysconf(_SC_NPROCESSORS_ONLN)),
			    *mem = xasprintf("%llu", (unsigned long long)si.totalram * si.mem_unit);
	char *row[] = {"Containers", cn, "ContainersRunning", cr, "ContainersPaused", cp,
		       "ContainersStopped", cs, "Images", im, "ServerVersion", BERTH_VERSION,
		       "Driver", "overlay", "LoggingDriver", "json-file", "CgroupDriver", "cgroupfs",
		       "CgroupVersion", v2 ? "2" : "1", "DefaultRuntime",
		       (char *)(g->en.runtime ? g->en.runtime : "berth"), "Runtimes", rts,
		       "KernelVersion", u.release, "OperatingSystem", os, "OSType", "linux",
		       "Architecture", u.machine, "NCPU", cpus, "MemTotal", mem,
		       "DockerRootDir", (char *)g->en.root, "Name", u.nodename, NULL};
	if (fmt) {
		struct format f;
		if (format_init(&f, fmt, fmt, &e) < 0 || format_row(&f, row, &e) < 0)
			return report(&e);
		format_finish(&f, NULL);
		return 0;
	}
	printf("Client:\n Version:    %s\n Context:    default\n\n", BERTH_VERSION);
	printf("Server:\n Containers: %zu\n  Running: %zu\n  Paused: %zu\n  Stopped: %zu\n"
	       " Images: %zu\n Server Version: %s (daemonless)\n Storage Driver: overlay\n"
	       " Logging Driver: json-file\n Cgroup Driver: cgroupfs\n Cgroup Version: %s\n"
	       " Runtimes: %s\n Default Runtime: %s\n Kernel Version: %s\n"
	       " Operating System: %s\n OSType: linux\n Architecture: %s\n CPUs: %s\n"
	       " Total Memory: %.2fGiB\n Name: %s\n Berth Root Dir: %s\n Berth Run Dir: %s\n",
	       n, running, paused, stopped, images, BERTH_VERSION, v2 ? "2" : "1", rts,
	       g->en.runtime ? g->en.runtime : "berth", u.release, os, u.machine, cpus,
	       (double)si.totalram * si.mem_unit / (1024.0 * 1024 * 1024), u.nodename, g->en.root,
	       g->en.runroot);
	return 0;
}
