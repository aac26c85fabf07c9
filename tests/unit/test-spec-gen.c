/* test-spec-gen: docker's run semantics turned into config.json. */
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/strv.h"
#include "engine/spec-gen.h"
#include "sanitizer-options.h"
#include "tap.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const char image_cfg[] =
	"{\"config\": {\"Entrypoint\": [\"/bin/ep\"], \"Cmd\": [\"arg1\", \"arg2\"], "
	"\"Env\": [\"PATH=/image/bin\", \"A=1\"], \"WorkingDir\": \"/srv\", \"User\": \"www\"}}";

static json_t *gen(const struct spec_image *img, const struct spec_run_opts *o, struct err *e)
{
	char *text = spec_generate(img, o, e);
	if (!text)
		return NULL;
	json_t *doc = json_loads(text, 0, NULL);
	free(text);
	return doc;
}

static char *args_of(json_t *doc)
{
	json_t *a = json_object_get(json_object_get(doc, "process"), "args");
	char *s = json_dumps(a, JSON_COMPACT);
	return s;
}

static bool env_contains(json_t *doc, const char *kv)
{
	json_t *env = json_object_get(json_object_get(doc, "process"), "env"), *it;
	size_t i;
	json_array_foreach(env, i, it)
	{
		if (!strcmp(json_string_value(it), kv))
			return true;
	}
	return false;
}

static bool has_cap(json_t *doc, const char *set, const char *cap)
{
	json_t *a = json_object_get(
		json_object_get(json_object_get(doc, "process"), "capabilities"), set),
	       *it;
	size_t i;
	json_array_foreach(a, i, it)
	{
		if (!strcmp(json_string_value(it), cap))
			return true;
	}
	return false;
}

static bool has_ns(json_t *doc, const char *type)
{
	json_t *a = json_object_get(json_object_get(doc, "linux"), "namespaces"), *it;
	size_t i;
	json_array_foreach(a, i, it)
	{
		if (!strcmp(json_string_value(json_object_get(it, "type")), type))
			return true;
	}
	return false;
}

int main(void)
{
	char tmpl[] = "/tmp/test-spec-gen-XXXXXX";
	char *root = mkdtemp(tmpl);
	char *etc = NULL;
	if (asprintf(&etc, "%s/etc", root) < 0 || mkdir(etc, 0755) < 0)
		abort();
	int rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
				     "www:x:33:33:www:/var/www:/bin/false\n";
	static const char group[] = "root:x:0:\nwww:x:33:\nstaff:x:50:www,bob\nvideo:x:44:\n";
	ok(write_file_atomic_at(rfd, "etc/passwd", passwd, strlen(passwd), 0644, 0, NULL) == 0 &&
		   write_file_atomic_at(rfd, "etc/group", group, strlen(group), 0644, 0, NULL) == 0,
	   "a root with /etc/passwd and /etc/group");

	struct err e = ERR_INIT;
	struct spec_image img = {.config_json = image_cfg};
	struct spec_run_opts o = {.id = ID, .rootfs = root, .rootfs_fd = rfd};
	json_t *d = gen(&img, &o, &e);
	ok(d != NULL, "the image's defaults: %s", err_isset(&e) ? err_msg(&e) : "ok");
	char *a = args_of(d);
	is_str(a, "[\"/bin/ep\",\"arg1\",\"arg2\"]", "Entrypoint + Cmd");
	free(a);
	json_t *p = json_object_get(d, "process");
	ok(json_integer_value(json_object_get(json_object_get(p, "user"), "uid")) == 33 &&
		   json_integer_value(json_object_get(json_object_get(p, "user"), "gid")) == 33,
	   "User www from /etc/passwd: 33:33");
	char *ag = json_dumps(json_object_get(json_object_get(p, "user"), "additionalGids"),
			      JSON_COMPACT);
	is_str(ag, "[50]", "its supplementary group from /etc/group");
	free(ag);
	is_str(json_string_value(json_object_get(p, "cwd")), "/srv", "WorkingDir");
	ok(env_contains(d, "PATH=/image/bin") && env_contains(d, "A=1") &&
		   env_contains(d, "HOME=/var/www") && env_contains(d, "HOSTNAME=0123456789ab"),
	   "the image's Env, HOME from passwd, HOSTNAME");
	is_str(json_string_value(json_object_get(d, "hostname")), "0123456789ab",
	       "hostname: the id's first 12 characters");
	ok(has_cap(d, "bounding", "CAP_CHOWN") && !has_cap(d, "bounding", "CAP_SYS_ADMIN") &&
		   !json_object_get(json_object_get(p, "capabilities"), "inheritable"),
	   "docker's capability set, nothing inheritable");
	ok(json_object_get(json_object_get(d, "linux"), "seccomp") != NULL, "a seccomp profile");
	ok(has_ns(d, "network") && has_ns(d, "pid") && has_ns(d, "mount"), "new namespaces");
	json_t *res = json_object_get(json_object_get(d, "linux"), "resources");
	ok(!json_object_get(res, "pids") && !json_object_get(res, "memory") &&
		   !json_object_get(res, "cpu"),
	   "no limits that were not asked for");
	ok(json_is_false(json_object_get(json_object_get(d, "root"), "readonly")),
	   "a writable root");
	json_decref(d);

	/* Arguments replace Cmd; --entrypoint drops the image's Cmd. */
	char *args[] = {"x", "y", NULL};
	o.args = args;
	d = gen(&img, &o, &e);
	a = args_of(d);
	is_str(a, "[\"/bin/ep\",\"x\",\"y\"]", "arguments replace Cmd");
	free(a);
	json_decref(d);
	o.args = NULL;
	o.entrypoint_set = true;
	o.entrypoint = "/bin/sh";
	d = gen(&img, &o, &e);
	a = args_of(d);
	is_str(a, "[\"/bin/sh\"]", "--entrypoint alone: the image's Cmd is dropped");
	free(a);
	json_decref(d);
	o.entrypoint = "";
	d = gen(&img, &o, &e);
	ok(!d && strstr(err_msg(&e), "no command specified"), "nothing to run: %s", err_msg(&e));
	err_clear(&e);
	o.entrypoint_set = false;

	/* -e, -u, -w, -h, -t, --read-only */
	setenv("FROM_CALLER", "yes", 1);
	unsetenv("NOT_SET_ANYWHERE");
	char *env[] = {"A=2", "B=b c", "FROM_CALLER", "NOT_SET_ANYWHERE", NULL};
	char *groups[] = {"video", "1234", NULL};
	o.env = env;
	o.user = "1000:staff";
	o.group_add = groups;
	o.workdir = "/tmp";
	o.hostname = "web";
	o.tty = true;
	o.read_only = true;
	d = gen(&img, &o, &e);
	ok(d != NULL, "run options: %s", err_isset(&e) ? err_msg(&e) : "ok");
	p = json_object_get(d, "process");
	ok(env_contains(d, "A=2") && !env_contains(d, "A=1") && env_contains(d, "B=b c") &&
		   env_contains(d, "FROM_CALLER=yes") && env_contains(d, "TERM=xterm") &&
		   env_contains(d, "HOSTNAME=web"),
	   "-e overrides, takes the caller's value, TERM with a terminal");
	json_t *env_a = json_object_get(p, "env"), *it;
	size_t i;
	bool unset_absent = true;
	json_array_foreach(env_a, i, it)
	{
		if (!strncmp(json_string_value(it), "NOT_SET_ANYWHERE", 16))
			unset_absent = false;
	}
	ok(unset_absent, "-e KEY with KEY unset anywhere adds nothing");
	ok(json_integer_value(json_object_get(json_object_get(p, "user"), "uid")) == 1000 &&
		   json_integer_value(json_object_get(json_object_get(p, "user"), "gid")) == 50,
	   "-u 1000:staff");
	ag = json_dumps(json_object_get(json_object_get(p, "user"), "additionalGids"), JSON_COMPACT);
	is_str(ag, "[44,1234]", "--group-add by name and number");
	free(ag);
	is_str(json_string_value(json_object_get(p, "cwd")), "/tmp", "-w");
	ok(json_is_true(json_object_get(p, "terminal")), "-t");
	ok(json_is_true(json_object_get(json_object_get(d, "root"), "readonly")), "--read-only");
	json_decref(d);
	o.env = NULL;
	o.group_add = NULL;
	o.user = "nobody";
	d = gen(&img, &o, &e);
	ok(!d && strstr(err_msg(&e), "unable to find user nobody"), "an unknown user: %s",
	   err_msg(&e));
	err_clear(&e);
	o.user = NULL;
	o.workdir = "relative";
	d = gen(&img, &o, &e);
	ok(!d && strstr(err_msg(&e), "not absolute"), "a relative -w is refused");
	err_clear(&e);
	o.workdir = NULL;

	/* capabilities, privileged, network host */
	char *add[] = {"net_admin", "CAP_SYS_TIME", NULL};
	char *drop[] = {"CHOWN", NULL};
	o.cap_add = add;
	o.cap_drop = drop;
	d = gen(&img, &o, &e);
	ok(d && has_cap(d, "effective", "CAP_NET_ADMIN") && has_cap(d, "bounding", "CAP_SYS_TIME") &&
		   !has_cap(d, "bounding", "CAP_CHOWN"),
	   "--cap-add (any case, with or without CAP_) and --cap-drop");
	json_decref(d);
	char *drop_all[] = {"ALL", NULL};
	char *add_one[] = {"KILL", NULL};
	o.cap_drop = drop_all;
	o.cap_add = add_one;
	d = gen(&img, &o, &e);
	a = json_dumps(json_object_get(json_object_get(json_object_get(d, "process"), "capabilities"),
				       "bounding"),
		       JSON_COMPACT);
	is_str(a, "[\"CAP_KILL\"]", "--cap-drop ALL --cap-add KILL");
	free(a);
	json_decref(d);
	char *bad[] = {"FLY", NULL};
	o.cap_add = bad;
	o.cap_drop = NULL;
	d = gen(&img, &o, &e);
	ok(!d && strstr(err_msg(&e), "invalid capability \"FLY\""), "an unknown capability");
	err_clear(&e);
	o.cap_add = NULL;
	o.privileged = true;
	o.network = "host";
	d = gen(&img, &o, &e);
	ok(d && has_cap(d, "bounding", "CAP_SYS_ADMIN") &&
		   !json_object_get(json_object_get(d, "linux"), "seccomp") &&
		   !json_object_get(json_object_get(d, "linux"), "maskedPaths") && !has_ns(d, "network"),
	   "--privileged: all capabilities, no seccomp, no masks; --network host");
	json_decref(d);
	o.privileged = false;
	o.network = "bridge";
	o.netns_path = "/run/berth/netns/x";
	d = gen(&img, &o, &e);
	json_t *nsl = d ? json_object_get(json_object_get(d, "linux"), "namespaces") : NULL, *nit;
	size_t k;
	const char *path = NULL;
	json_array_foreach(nsl, k, nit)
		if (streq_ptr(json_string_value(json_object_get(nit, "type")), "network"))
			path = json_string_value(json_object_get(nit, "path"));
	ok(path && !strcmp(path, "/run/berth/netns/x"),
	   "a network: the namespace made for it, by its path");
	json_decref(d);
	o.network = NULL;
	o.netns_path = NULL;

	/* limits */
	o.memory = 64 << 20;
	o.cpus = 1.5;
	o.cpu_shares = 512;
	o.cpuset_cpus = "0-1";
	o.pids_limit = 100;
	o.shm_size = 1 << 20;
	d = gen(&img, &o, &e);
	res = json_object_get(json_object_get(d, "linux"), "resources");
	json_t *mem = json_object_get(res, "memory"), *cpu = json_object_get(res, "cpu");
	ok(json_integer_value(json_object_get(mem, "limit")) == 64 << 20 &&
		   json_integer_value(json_object_get(mem, "swap")) == 128 << 20,
	   "--memory, swap as much again by default");
	ok(json_integer_value(json_object_get(cpu, "quota")) == 150000 &&
		   json_integer_value(json_object_get(cpu, "period")) == 100000 &&
		   json_integer_value(json_object_get(cpu, "shares")) == 512 &&
		   !strcmp(json_string_value(json_object_get(cpu, "cpus")), "0-1"),
	   "--cpus 1.5, --cpu-shares, --cpuset-cpus");
	ok(json_integer_value(json_object_get(json_object_get(res, "pids"), "limit")) == 100,
	   "--pids-limit");
	char *text = json_dumps(json_object_get(d, "mounts"), JSON_COMPACT);
	ok(strstr(text, "size=1048576") != NULL, "--shm-size");
	free(text);
	json_decref(d);
	o.memory = 1000;
	d = gen(&img, &o, &e);
	ok(!d && strstr(err_msg(&e), "minimum memory limit allowed is 6MB"), "a tiny --memory");
	err_clear(&e);
	o.memory = 64 << 20;
	o.memory_swap = 32 << 20;
	d = gen(&img, &o, &e);
	ok(!d && strstr(err_msg(&e), "memoryswap limit should be larger"), "swap below memory");
	err_clear(&e);
	o.memory_swap = 0;
	o.cpus = 1000;
	d = gen(&img, &o, &e);
	ok(!d && strstr(err_msg(&e), "range of CPUs"), "more CPUs than there are");
	err_clear(&e);

	/* no image config at all: a command must be given */
	struct spec_run_opts bare = {.id = ID, .rootfs = root, .rootfs_fd = -1};
	d = gen(NULL, &bare, &e);
	ok(!d && strstr(err_msg(&e), "no command specified"), "no image config, no command");
	err_clear(&e);
	bare.args = args;
	d = gen(NULL, &bare, &e);
	ok(d && env_contains(d, "HOME=/root") &&
		   env_contains(d, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
	   "defaults: root, HOME=/root, PATH");
	json_decref(d);

	close(rfd);
	(void)rm_rf_at(AT_FDCWD, root, NULL);
	free(etc);
	return tap_done();
}
