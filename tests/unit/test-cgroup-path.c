/* test-cgroup-path: linux.cgroupsPath resolution (cgroup_resolve_path) on
 * hand-made hosts, and the device rules cgroup_device_rules() enforces.
 * Nothing here touches the host's cgroups. */
#include <stdlib.h>

#include "runtime/cgroup-internal.h"
#include "runtime/cgroup.h"
#include "sanitizer-options.h"
#include "tap.h"

/* A v1 host whose first hierarchy puts this process at own_path. */
static void host_v1(struct cgroup_host *h, const char *own_path)
{
	memset(h, 0, sizeof(*h));
	h->mode = CGROUP_MODE_V1;
	static const char *const ctrls[] = {"cpu,cpuacct", "memory", "pids", "name=systemd"};
	for (size_t i = 0; i < ARRAY_SIZE(ctrls); i++) {
		struct cgroup_hierarchy *x = &h->h[h->n++];
		x->mountpoint = xasprintf("/sys/fs/cgroup/%s", ctrls[i]);
		x->controllers = xstrdup(ctrls[i]);
		/* only the first hierarchy's own path counts */
		x->own_path = xstrdup(i == 0 ? own_path : "/elsewhere");
		x->v2 = false;
	}
}

static void host_v2(struct cgroup_host *h, const char *own_path)
{
	memset(h, 0, sizeof(*h));
	h->mode = CGROUP_MODE_V2;
	h->h[0].mountpoint = xstrdup("/sys/fs/cgroup");
	h->h[0].controllers = xstrdup("");
	h->h[0].own_path = xstrdup(own_path);
	h->h[0].v2 = true;
	h->n = 1;
}

static void resolves(const struct cgroup_host *h, const char *in, const char *want)
{
	struct err e = ERR_INIT;
	char *got = NULL;
	int r = cgroup_resolve_path(h, in, "ctr1", &got, &e);
	if (!ok(r == 0 && got && streq(got, want), "\"%s\" -> \"%s\"", in ? in : "(null)", want))
		printf("#   got r=%d \"%s\" %s\n", r, got ? got : "(null)",
		       err_isset(&e) ? err_msg(&e) : "");
	free(got);
	err_clear(&e);
}

static void refused(const struct cgroup_host *h, const char *in, const char *want)
{
	struct err e = ERR_INIT;
	char *got = NULL;
	int r = cgroup_resolve_path(h, in, "ctr1", &got, &e);
	bool good = r < 0 && !got && e.kind == ERR_INVALID && strstr(err_msg(&e), want) &&
		    startswith(err_msg(&e), "linux.cgroupsPath: ");
	if (!ok(good, "\"%s\" is refused", in))
		printf("#   got r=%d \"%s\" error \"%s\", want \"%s\"\n", r, got ? got : "(null)",
		       err_isset(&e) ? err_msg(&e) : "", want);
	free(got);
	err_clear(&e);
}

static void test_resolve(void)
{
	struct cgroup_host v1, v2, none;
	host_v1(&v1, "/user.slice/user-1000.slice/session-3.scope");
	host_v2(&v2, "/system.slice/berthd.service");
	memset(&none, 0, sizeof(none));
	none.mode = CGROUP_MODE_V2;

	/* unset: /berth/<id> */
	resolves(&v2, NULL, "/berth/ctr1");
	resolves(&v2, "", "/berth/ctr1");
	resolves(&v1, NULL, "/berth/ctr1");
	{
		char *got = NULL;
		ok(cgroup_resolve_path(&v2, NULL, "a-much-longer-id_0123", &got, NULL) == 0 &&
			   got && streq(got, "/berth/a-much-longer-id_0123"),
		   "unset: the id is used as given");
		free(got);
	}

	/* absolute: cleaned, below each hierarchy's root */
	resolves(&v2, "/a/b/../c", "/a/c");
	resolves(&v2, "/a/b", "/a/b");
	resolves(&v2, "//a//b/", "/a/b");
	resolves(&v2, "/a/./b/.", "/a/b");
	resolves(&v2, "/../a", "/a");
	resolves(&v2, "/a/b/../../c/../d", "/d");
	resolves(&v1, "/machine.slice/x", "/machine.slice/x");
	resolves(&v2, "/a:b", "/a:b"); /* a colon in an absolute path is just a name */
	resolves(&v2, "/a:b:c", "/a:b:c");

	/* relative: below the first hierarchy's own cgroup */
	resolves(&v2, "x/y", "/system.slice/berthd.service/x/y");
	resolves(&v1, "x/y", "/user.slice/user-1000.slice/session-3.scope/x/y");
	resolves(&v2, "x", "/system.slice/berthd.service/x");
	resolves(&v2, "./x//y/", "/system.slice/berthd.service/x/y");
	resolves(&v2, "../x", "/system.slice/x");
	resolves(&v2, "x/../y", "/system.slice/berthd.service/y");
	resolves(&none, "x/y", "/x/y"); /* no hierarchy: below the root */
	{
		struct cgroup_host root;
		host_v2(&root, "/");
		resolves(&root, "x/y", "/x/y");
		refused(&root, "x/..", "is the root cgroup");
		cgroup_host_clear(&root);
	}

	/* the root cgroup itself is refused */
	refused(&v2, "/", "linux.cgroupsPath: \"/\" is the root cgroup");
	refused(&v2, "//", "\"//\" is the root cgroup");
	refused(&v2, "/a/..", "\"/a/..\" is the root cgroup");
	refused(&v2, "/..", "is the root cgroup");
	refused(&v2, "/.", "is the root cgroup");
	refused(&v2, "../..", "\"../..\" is the root cgroup");
	refused(&v2, "../../../..", "is the root cgroup");

	/* systemd's slice:prefix:name */
	resolves(&v2, "system.slice:crio:abc", "/system.slice/crio-abc.scope");
	resolves(&v1, "system.slice:crio:abc", "/system.slice/crio-abc.scope");
	resolves(&v2, "machine-tests.slice:berth:id", "/machine.slice/machine-tests.slice/berth-id.scope");
	resolves(&v2, "a-b-c.slice:p:n", "/a.slice/a-b.slice/a-b-c.slice/p-n.scope");
	resolves(&v2, "user.slice:docker:0123abcd", "/user.slice/docker-0123abcd.scope");
	resolves(&v2, "x.slice:p:n", "/x.slice/p-n.scope");
	/* the root slice, and the default slice */
	resolves(&v2, "-.slice:p:x", "/p-x.scope");
	resolves(&v2, "-.slice::x", "/x");
	resolves(&v2, ":crio:abc", "/system.slice/crio-abc.scope");
	resolves(&v2, "::x", "/system.slice/x");
	resolves(&v2, "system.slice::x.scope", "/system.slice/x.scope");
	/* the systemd form ignores the runtime's own cgroup */
	resolves(&v1, ":p:n", "/system.slice/p-n.scope");

	/* invalid systemd forms */
	refused(&v2, "a:b", "\"a:b\" is neither a path nor slice:prefix:name");
	refused(&v2, ":", "is neither a path nor slice:prefix:name");
	refused(&v2, "a:b:c:d", "\"a:b:c:d\" is neither a path nor slice:prefix:name");
	refused(&v2, "a:b:c:", "is neither a path nor slice:prefix:name");
	refused(&v2, "bad:x:y", "\"bad\" is not a slice name");
	refused(&v2, "system:x:y", "\"system\" is not a slice name");
	refused(&v2, ".slice:x:y", "\".slice\" is not a slice name");
	refused(&v2, "system.slices:x:y", "\"system.slices\" is not a slice name");
	refused(&v2, "-a.slice:x:y", "\"-a.slice\" is not a slice name");
	refused(&v2, "a-.slice:x:y", "\"a-.slice\" is not a slice name");
	refused(&v2, "a--b.slice:x:y", "\"a--b.slice\" is not a slice name");
	refused(&v2, "a/b.slice:x:y", "\"a/b.slice\" is not a slice name");
	refused(&v2, "x/y:p:n", "is not a slice name");
	refused(&v2, "system.slice:p:", "\"system.slice:p:\": bad unit name");
	refused(&v2, "system.slice::", "bad unit name");
	refused(&v2, "system.slice:p:a/b", "\"system.slice:p:a/b\": bad unit name");
	refused(&v2, "system.slice:p/q:n", "bad unit name");
	refused(&v2, "system.slice:p:../../x", "bad unit name");
	/* With no prefix the name is the last component as is: "." and ".."
	 * would make the path the slice's parent (or the mount's parent for
	 * the root slice), never a cgroup of the container's own. */
	refused(&v2, "system.slice::..", "linux.cgroupsPath");
	refused(&v2, "-.slice::..", "linux.cgroupsPath");
	refused(&v2, "-.slice::.", "linux.cgroupsPath");
	refused(&v2, "::.", "linux.cgroupsPath");

	/* a relative path with a colon reads as the systemd form */
	refused(&v2, "a/b:c", "neither a path nor slice:prefix:name");

	cgroup_host_clear(&v1);
	cgroup_host_clear(&v2);
	ok(v1.n == 0 && v2.n == 0, "cgroup_host_clear empties the host");
}

static bool rule_is(const struct oci_dev_rule *d, bool allow, char type, int64_t major,
		    int64_t minor, const char *access)
{
	return d->allow == allow && d->type == type && d->major == major && d->minor == minor &&
	       streq(d->access, access);
}

static void print_rule(const struct oci_dev_rule *d)
{
	printf("#   %s %c %lld:%lld %s\n", d->allow ? "allow" : "deny", d->type, (long long)d->major,
	       (long long)d->minor, d->access);
}

/* The devices runc always allows, in cgroup_device_rules' order. */
static const struct oci_dev_rule defaults[] = {
	{true, 'c', -1, -1, "m"},   {true, 'b', -1, -1, "m"},	{true, 'c', 1, 3, "rwm"},
	{true, 'c', 1, 5, "rwm"},   {true, 'c', 1, 7, "rwm"},	{true, 'c', 1, 8, "rwm"},
	{true, 'c', 1, 9, "rwm"},   {true, 'c', 5, 0, "rwm"},	{true, 'c', 5, 1, "rwm"},
	{true, 'c', 5, 2, "rwm"},   {true, 'c', 136, -1, "rwm"},
};

static void test_device_rules(void)
{
	struct oci_device devs[] = {
		{.type = 'c', .path = (char *)"/dev/net/tun", .major = 10, .minor = 200},
		{.type = 'p', .path = (char *)"/dev/fifo", .major = 0, .minor = 0},
		{.type = 'b', .path = (char *)"/dev/sda", .major = 8, .minor = 0},
		{.type = 'u', .path = (char *)"/dev/ttyS0", .major = 4, .minor = 64},
	};
	struct oci_linux lx;
	memset(&lx, 0, sizeof(lx));
	lx.devices = devs;
	lx.n_devices = ARRAY_SIZE(devs);

	/* No rules in the config: nothing to enforce (every device is
	 * allowed), whatever devices the config creates. */
	struct oci_resources none;
	memset(&none, 0, sizeof(none));
	size_t n = 99;
	struct oci_dev_rule *out = cgroup_device_rules(&none, &lx, &n);
	ok(out != NULL && n == 0, "no config rules: no rules at all (n=%zu)", n);
	free(out);

	/* A deny-all rule: it, then the defaults, then one allow per device
	 * of linux.devices that is not a fifo. */
	struct oci_dev_rule deny_all = {false, 'a', -1, -1, "rwm"};
	struct oci_resources r;
	memset(&r, 0, sizeof(r));
	r.devices = &deny_all;
	r.n_devices = 1;
	n = 0;
	out = cgroup_device_rules(&r, &lx, &n);
	is_int(n, 1 + ARRAY_SIZE(defaults) + 3, "deny-all: 1 + %zu defaults + 3 devices",
	       ARRAY_SIZE(defaults));
	if (out && n == 1 + ARRAY_SIZE(defaults) + 3) {
		ok(rule_is(&out[0], false, 'a', -1, -1, "rwm"), "rule 0: the config's deny-all");
		bool same = true;
		for (size_t i = 0; i < ARRAY_SIZE(defaults); i++)
			if (!rule_is(&out[1 + i], defaults[i].allow, defaults[i].type,
				     defaults[i].major, defaults[i].minor, defaults[i].access)) {
				same = false;
				print_rule(&out[1 + i]);
			}
		ok(same, "rules 1..%zu: mknod of any device, null, zero, full, random, urandom, "
			 "tty, console, ptmx, the pts",
		   ARRAY_SIZE(defaults));
		size_t k = 1 + ARRAY_SIZE(defaults);
		ok(rule_is(&out[k], true, 'c', 10, 200, "rwm"), "linux.devices[0]: allow c 10:200 rwm");
		ok(rule_is(&out[k + 1], true, 'b', 8, 0, "rwm"),
		   "linux.devices[2]: allow b 8:0 rwm (the fifo is skipped)");
		ok(rule_is(&out[k + 2], true, 'c', 4, 64, "rwm"),
		   "linux.devices[3]: the unbuffered 'u' is allowed as 'c'");
	} else if (out) {
		for (size_t i = 0; i < n; i++)
			print_rule(&out[i]);
	}
	free(out);

	/* Several config rules keep their order; no linux.devices. */
	struct oci_dev_rule cfg[] = {
		{false, 'a', -1, -1, "rwm"},
		{true, 'c', 10, 229, "rw"},
		{false, 'b', 8, -1, "w"},
	};
	r.devices = cfg;
	r.n_devices = ARRAY_SIZE(cfg);
	struct oci_linux empty;
	memset(&empty, 0, sizeof(empty));
	n = 0;
	out = cgroup_device_rules(&r, &empty, &n);
	is_int(n, ARRAY_SIZE(cfg) + ARRAY_SIZE(defaults), "three config rules + the defaults");
	if (out && n == ARRAY_SIZE(cfg) + ARRAY_SIZE(defaults)) {
		ok(rule_is(&out[0], false, 'a', -1, -1, "rwm") &&
			   rule_is(&out[1], true, 'c', 10, 229, "rw") &&
			   rule_is(&out[2], false, 'b', 8, -1, "w"),
		   "the config's rules come first, in order");
		ok(rule_is(&out[3], true, 'c', -1, -1, "m") &&
			   rule_is(&out[n - 1], true, 'c', 136, -1, "rwm"),
		   "then the defaults");
	}
	free(out);

	/* Only fifos in linux.devices: nothing added for them. */
	struct oci_device fifo = {.type = 'p', .path = (char *)"/dev/f"};
	lx.devices = &fifo;
	lx.n_devices = 1;
	r.devices = &deny_all;
	r.n_devices = 1;
	out = cgroup_device_rules(&r, &lx, &n);
	is_int(n, 1 + ARRAY_SIZE(defaults), "a fifo adds no rule");
	free(out);
}

int main(void)
{
	test_resolve();
	test_device_rules();
	return tap_done();
}
