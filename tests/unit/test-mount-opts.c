/* test-mount-opts: config.json mount options -> attributes, propagation
 * and filesystem parameters (runtime/mounts.c: mount_opts_parse). */
#include <stdlib.h>
#include <sys/mount.h>

#include "base/strv.h"
#include "runtime/mounts.h"
#include "sanitizer-options.h"
#include "tap.h"

#define W(...) ((char *[]){__VA_ARGS__, NULL})
#define ATIME MOUNT_ATTR__ATIME

static struct mount_opts o;

static bool parse(char **words, const char *what)
{
	struct err e = ERR_INIT;
	int r = mount_opts_parse(words, &o, &e);
	if (!ok(r == 0, "%s: parses", what))
		printf("#   %s\n", err_msg(&e));
	err_clear(&e);
	return r == 0;
}

/* Check the four attribute words (top set/clr, recursive set/clr). */
static void attrs(char **words, uint64_t set, uint64_t clr, uint64_t rset, uint64_t rclr,
		  const char *what)
{
	if (parse(words, what)) {
		ok(o.attr_set == set && o.attr_clr == clr && o.rattr_set == rset &&
			   o.rattr_clr == rclr,
		   "%s: set %#llx clr %#llx rset %#llx rclr %#llx", what, (unsigned long long)set,
		   (unsigned long long)clr, (unsigned long long)rset, (unsigned long long)rclr);
		if (o.attr_set != set || o.attr_clr != clr || o.rattr_set != rset ||
		    o.rattr_clr != rclr)
			printf("#   got set %#llx clr %#llx rset %#llx rclr %#llx\n",
			       (unsigned long long)o.attr_set, (unsigned long long)o.attr_clr,
			       (unsigned long long)o.rattr_set, (unsigned long long)o.rattr_clr);
		ok(!o.fs_params && !o.bind && !o.propagation, "%s: nothing else", what);
	}
	mount_opts_clear(&o);
}

static void rejected(char **words, const char *bad, const char *what)
{
	struct err e = ERR_INIT;
	memset(&o, 0xaa, sizeof(o));
	int r = mount_opts_parse(words, &o, &e);
	char *want = xasprintf("invalid mount option \"%s\"", bad);
	ok(r < 0 && err_isset(&e) && streq(err_msg(&e), want), "%s: rejected (%s)", what,
	   err_msg(&e));
	ok(o.fs_params == NULL && o.attr_set == 0 && !o.bind, "%s: the options are cleared",
	   what);
	free(want);
	err_clear(&e);
	mount_opts_clear(&o);
}

static void test_attrs(void)
{
	const uint64_t RO = MOUNT_ATTR_RDONLY, NOSUID = MOUNT_ATTR_NOSUID,
		       NODEV = MOUNT_ATTR_NODEV, NOEXEC = MOUNT_ATTR_NOEXEC,
		       NOATIME = MOUNT_ATTR_NOATIME, STRICT = MOUNT_ATTR_STRICTATIME,
		       NODIRATIME = MOUNT_ATTR_NODIRATIME, NOSYMFOLLOW = MOUNT_ATTR_NOSYMFOLLOW;

	if (parse(NULL, "NULL options")) {
		ok(!o.attr_set && !o.attr_clr && !o.rattr_set && !o.rattr_clr && !o.bind &&
			   !o.recursive && !o.propagation && !o.fs_params && !o.idmap,
		   "NULL options: all empty");
	}
	mount_opts_clear(&o);
	if (parse(W(NULL), "no options"))
		ok(!o.attr_set && !o.fs_params, "no options: all empty");
	mount_opts_clear(&o);

	attrs(W("ro"), RO, 0, 0, 0, "ro");
	attrs(W("rw"), 0, RO, 0, 0, "rw");
	attrs(W("ro", "rw"), 0, RO, 0, 0, "ro then rw: rw wins");
	attrs(W("rw", "ro"), RO, 0, 0, 0, "rw then ro: ro wins");
	attrs(W("nosuid", "nodev", "noexec"), NOSUID | NODEV | NOEXEC, 0, 0, 0,
	      "nosuid nodev noexec");
	attrs(W("suid", "dev", "exec"), 0, NOSUID | NODEV | NOEXEC, 0, 0, "suid dev exec");
	attrs(W("nosuid", "suid"), 0, NOSUID, 0, 0, "nosuid then suid");
	attrs(W("nosymfollow"), NOSYMFOLLOW, 0, 0, 0, "nosymfollow");
	attrs(W("symfollow"), 0, NOSYMFOLLOW, 0, 0, "symfollow");
	attrs(W("nodiratime"), NODIRATIME, 0, 0, 0, "nodiratime");
	attrs(W("diratime"), 0, NODIRATIME, 0, 0, "diratime");

	/* Recursive forms go to the tree, not the top mount. */
	attrs(W("rro"), 0, 0, RO, 0, "rro");
	attrs(W("rrw"), 0, 0, 0, RO, "rrw");
	attrs(W("rro", "rrw"), 0, 0, 0, RO, "rro then rrw");
	attrs(W("ro", "rrw"), RO, 0, 0, RO, "ro on top, rrw below");
	attrs(W("rnosuid", "rnodev", "rnoexec"), 0, 0, NOSUID | NODEV | NOEXEC, 0,
	      "rnosuid rnodev rnoexec");
	attrs(W("rsuid", "rdev", "rexec"), 0, 0, 0, NOSUID | NODEV | NOEXEC, "rsuid rdev rexec");
	attrs(W("rnosymfollow"), 0, 0, NOSYMFOLLOW, 0, "rnosymfollow");

	/* The atime modes exclude each other; each clears the whole field. */
	attrs(W("noatime"), NOATIME, ATIME, 0, 0, "noatime");
	attrs(W("relatime"), MOUNT_ATTR_RELATIME, ATIME, 0, 0, "relatime");
	attrs(W("strictatime"), STRICT, ATIME, 0, 0, "strictatime");
	attrs(W("noatime", "strictatime"), STRICT, ATIME, 0, 0, "noatime then strictatime");
	attrs(W("strictatime", "noatime"), NOATIME, ATIME, 0, 0, "strictatime then noatime");
	attrs(W("noatime", "relatime"), MOUNT_ATTR_RELATIME, ATIME, 0, 0, "noatime then relatime");
	attrs(W("atime"), MOUNT_ATTR_RELATIME, ATIME, 0, 0, "atime is the default (relatime)");
	attrs(W("noatime", "atime"), MOUNT_ATTR_RELATIME, ATIME, 0, 0, "noatime then atime");
	attrs(W("norelatime"), STRICT, ATIME, 0, 0, "norelatime is strictatime");
	attrs(W("nostrictatime"), MOUNT_ATTR_RELATIME, ATIME, 0, 0, "nostrictatime is relatime");
	attrs(W("rnoatime"), 0, 0, NOATIME, ATIME, "rnoatime");
	attrs(W("rrelatime"), 0, 0, MOUNT_ATTR_RELATIME, ATIME, "rrelatime");
	attrs(W("rstrictatime", "noatime"), NOATIME, ATIME, STRICT, ATIME,
	      "rstrictatime below, noatime on top");
	attrs(W("nodiratime", "strictatime"), NODIRATIME | STRICT, ATIME, 0, 0,
	      "nodiratime is not an atime mode");
	attrs(W("ro", "noatime", "nosuid"), RO | NOATIME | NOSUID, ATIME, 0, 0,
	      "ro noatime nosuid");
	attrs(W("noatime", "ro", "relatime", "rw"), MOUNT_ATTR_RELATIME, ATIME | RO, 0, 0,
	      "noatime ro relatime rw");
}

static void test_bind_prop(void)
{
	if (parse(W("bind"), "bind"))
		ok(o.bind && !o.recursive && !o.fs_params, "bind: not recursive");
	mount_opts_clear(&o);
	if (parse(W("rbind"), "rbind"))
		ok(o.bind && o.recursive && !o.fs_params, "rbind: recursive");
	mount_opts_clear(&o);
	if (parse(W("rbind", "bind"), "rbind then bind"))
		ok(o.bind && o.recursive, "rbind then bind stays recursive");
	mount_opts_clear(&o);
	if (parse(W("bind", "ro", "rprivate"), "bind ro rprivate"))
		ok(o.bind && o.attr_set == MOUNT_ATTR_RDONLY &&
			   o.propagation == (MS_PRIVATE | MS_REC),
		   "bind ro rprivate");
	mount_opts_clear(&o);
	if (parse(W("idmap"), "idmap"))
		ok(o.idmap && !o.fs_params, "idmap");
	mount_opts_clear(&o);
	if (parse(W("ridmap"), "ridmap"))
		ok(o.idmap && !o.fs_params, "ridmap");
	mount_opts_clear(&o);

	static const struct {
		const char *name;
		unsigned long flags;
	} props[] = {
		{"shared", MS_SHARED},	       {"rshared", MS_SHARED | MS_REC},
		{"slave", MS_SLAVE},	       {"rslave", MS_SLAVE | MS_REC},
		{"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
		{"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
	};
	for (size_t i = 0; i < ARRAY_SIZE(props); i++) {
		if (parse(W((char *)props[i].name), props[i].name))
			ok(o.propagation == props[i].flags && !o.fs_params && !o.attr_set &&
				   !o.rattr_set && !o.rattr_clr,
			   "%s is propagation %#lx", props[i].name, props[i].flags);
		mount_opts_clear(&o);
	}
	if (parse(W("shared", "rslave"), "two propagations"))
		ok(o.propagation == (MS_SLAVE | MS_REC), "the last propagation wins");
	mount_opts_clear(&o);
}

static void test_ignored_params(void)
{
	if (parse(W("defaults", "auto", "noauto", "user", "nouser", "users", "_netdev", "nofail",
		    "remount", "loud", "silent", "tmpcopyup", "async", "x-systemd.automount",
		    "x-foo=bar"),
		  "fstab words"))
		ok(!o.fs_params && !o.attr_set && !o.attr_clr && !o.bind && !o.propagation,
		   "fstab words and x- options have no effect");
	mount_opts_clear(&o);

	if (parse(W("nosuid", "mode=755", "ro", "size=65536k", "newinstance", "ptmxmode=0666",
		    "gid=5", "lowerdir=/a:/b", "sync", "context=\"system_u:object_r:x:s0\""),
		  "fs params")) {
		ok(strv_length(o.fs_params) == 8 && streq(o.fs_params[0], "mode=755") &&
			   streq(o.fs_params[1], "size=65536k") &&
			   streq(o.fs_params[2], "newinstance") &&
			   streq(o.fs_params[3], "ptmxmode=0666") && streq(o.fs_params[4], "gid=5") &&
			   streq(o.fs_params[5], "lowerdir=/a:/b") && streq(o.fs_params[6], "sync") &&
			   streq(o.fs_params[7], "context=\"system_u:object_r:x:s0\""),
		   "filesystem parameters pass through in order, verbatim");
		ok(o.attr_set == (MOUNT_ATTR_NOSUID | MOUNT_ATTR_RDONLY),
		   "attributes are not passed as parameters");
	}
	mount_opts_clear(&o);
	ok(o.fs_params == NULL && o.attr_set == 0, "mount_opts_clear empties");
	mount_opts_clear(&o);
	ok(true, "mount_opts_clear twice is harmless");

	/* Unknown words that look like attributes are filesystem parameters. */
	if (parse(W("rfoo", "nofoo", "ro=1"), "lookalikes"))
		ok(strv_length(o.fs_params) == 3 && o.attr_set == 0 && o.rattr_set == 0,
		   "rfoo, nofoo and ro=1 are filesystem parameters");
	mount_opts_clear(&o);
}

static void test_rejected(void)
{
	rejected(W("mode=755,size=1m"), "mode=755,size=1m", "a comma in a parameter");
	rejected(W("ro,nosuid"), "ro,nosuid", "a comma-joined option list");
	rejected(W("nosuid", "mode=755", "a,b", "ro"), "a,b",
		 "a comma after good parameters (those are freed)");
	rejected(W(","), ",", "a lone comma");
	rejected(W(""), "", "an empty option");
	rejected(W("ro", ""), "", "an empty option after a good one");
}

int main(void)
{
	test_attrs();
	test_bind_prop();
	test_ignored_params();
	test_rejected();
	return tap_done();
}
