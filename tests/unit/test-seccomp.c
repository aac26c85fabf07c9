/* test-seccomp: building linux.seccomp filters (seccomp_filter_build) and
 * the compiled-program cache.
 *
 * Nothing is ever loaded into this process (no seccomp_filter_load): the
 * filters are only built, compared and freed.  JSON in this file is written
 * with single quotes for readability; q() turns them into double quotes. */
#include <dirent.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/strv.h"
#include "oci/seccomp-default.h"
#include "runtime/seccomp.h"
#include "sanitizer-options.h"
#include "tap.h"

/* Mirrors of two private layouts of src/runtime/seccomp.c, so the test can
 * compare programs and read cache entries.  Keep in step with it. */
struct filter_view {
	struct sock_filter *prog;
	size_t len;
	unsigned flags;
};

struct cache_hdr_view {
	char magic[16];
	uint32_t flags, json_len, n_insns, version;
	uint64_t prog_sum;
};

#define CACHE_MAGIC "berth-seccomp 1\n"

static const struct filter_view *view(const struct seccomp_filter *f)
{
	return (const struct filter_view *)f;
}

static bool same_prog(const struct seccomp_filter *a, const struct seccomp_filter *b)
{
	if (!a || !b)
		return false;
	const struct filter_view *x = view(a), *y = view(b);
	return x->len == y->len && x->flags == y->flags &&
	       memcmp(x->prog, y->prog, x->len * sizeof(struct sock_filter)) == 0;
}

static char *q(const char *s)
{
	char *r = xstrdup(s);
	for (char *p = r; *p; p++)
		if (*p == '\'')
			*p = '"';
	return r;
}

static struct seccomp_filter *build_q(const char *json, const char *cache, struct err *e)
{
	char *doc = q(json);
	struct seccomp_filter *f = seccomp_filter_build(doc, cache, e);
	free(doc);
	return f;
}

/* ---- valid profiles ---------------------------------------------------- */

static const char *const good_profiles[] = {
	"{'defaultAction': 'SCMP_ACT_ALLOW'}",
	"{'defaultAction': 'SCMP_ACT_ERRNO'}",
	"{'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 38}",
	"{'defaultAction': 'SCMP_ACT_KILL'}",
	"{'defaultAction': 'SCMP_ACT_KILL_PROCESS'}",
	"{'defaultAction': 'SCMP_ACT_KILL_THREAD'}",
	"{'defaultAction': 'SCMP_ACT_TRAP'}",
	"{'defaultAction': 'SCMP_ACT_LOG'}",
	"{'defaultAction': 'SCMP_ACT_TRACE', 'defaultErrnoRet': 5}",
	"{'defaultAction': 'SCMP_ACT_ALLOW', 'defaultErrnoRet': null, 'listenerPath': '', "
	"'listenerMetadata': 'ignored', 'syscalls': []}",
	"{'defaultAction': 'SCMP_ACT_ERRNO', 'architectures': ['SCMP_ARCH_X86_64', "
	"'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'], "
	"'syscalls': [{'names': ['read', 'write', 'exit_group'], 'action': 'SCMP_ACT_ALLOW'}]}",
	/* every action on a rule, errnoRet where it applies */
	"{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': ["
	"{'names': ['mkdir'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 1},"
	"{'names': ['rmdir'], 'action': 'SCMP_ACT_ERRNO'},"
	"{'names': ['unlink'], 'action': 'SCMP_ACT_KILL'},"
	"{'names': ['chdir'], 'action': 'SCMP_ACT_KILL_PROCESS'},"
	"{'names': ['fchdir'], 'action': 'SCMP_ACT_KILL_THREAD'},"
	"{'names': ['mount'], 'action': 'SCMP_ACT_TRAP'},"
	"{'names': ['umount2'], 'action': 'SCMP_ACT_TRACE', 'errnoRet': 3},"
	"{'names': ['pivot_root'], 'action': 'SCMP_ACT_TRACE'},"
	"{'names': ['chroot'], 'action': 'SCMP_ACT_LOG'},"
	"{'names': ['sync'], 'action': 'SCMP_ACT_ALLOW', 'errnoRet': null}]}",
	/* argument conditions: every operator, valueTwo, two conditions on one
	 * index (split into separate rules), the largest value */
	"{'defaultAction': 'SCMP_ACT_ERRNO', 'syscalls': ["
	"{'names': ['personality'], 'action': 'SCMP_ACT_ALLOW', 'args': "
	"[{'index': 0, 'value': 0, 'op': 'SCMP_CMP_EQ'}]},"
	"{'names': ['clone'], 'action': 'SCMP_ACT_ALLOW', 'args': "
	"[{'index': 0, 'value': 2114060288, 'valueTwo': 0, 'op': 'SCMP_CMP_MASKED_EQ'}]},"
	"{'names': ['socket'], 'action': 'SCMP_ACT_ALLOW', 'args': "
	"[{'index': 0, 'value': 40, 'op': 'SCMP_CMP_NE'}, {'index': 1, 'value': 5, 'op': 'SCMP_CMP_LT'},"
	" {'index': 2, 'value': 5, 'op': 'SCMP_CMP_LE'}, {'index': 3, 'value': 5, 'op': 'SCMP_CMP_GE'},"
	" {'index': 4, 'value': 5, 'op': 'SCMP_CMP_GT'}, {'index': 5, 'value': 18446744073709551615, "
	"'op': 'SCMP_CMP_NE'}]},"
	"{'names': ['kill'], 'action': 'SCMP_ACT_ALLOW', 'args': "
	"[{'index': 1, 'value': 9, 'op': 'SCMP_CMP_EQ'}, {'index': 1, 'value': 15, 'op': 'SCMP_CMP_EQ'}]}]}",
	/* names this libseccomp does not know are skipped (as runc does) */
	"{'defaultAction': 'SCMP_ACT_ERRNO', 'syscalls': [{'names': ['no_such_syscall_berth', "
	"'read'], 'action': 'SCMP_ACT_ALLOW'}, {'names': ['another_unknown_one'], 'action': "
	"'SCMP_ACT_KILL'}]}",
	/* a rule that repeats the default action is dropped, not refused */
	"{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['read'], 'action': "
	"'SCMP_ACT_ALLOW'}]}",
	"{'defaultAction': 'SCMP_ACT_ERRNO', 'syscalls': [{'names': ['read'], 'action': "
	"'SCMP_ACT_ERRNO', 'errnoRet': 1}]}",
	/* flags */
	"{'defaultAction': 'SCMP_ACT_ALLOW', 'flags': []}",
	"{'defaultAction': 'SCMP_ACT_ALLOW', 'flags': ['SECCOMP_FILTER_FLAG_LOG', "
	"'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_TSYNC']}",
};

static void test_good(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(good_profiles); i++) {
		struct err e = ERR_INIT;
		struct seccomp_filter *f = build_q(good_profiles[i], NULL, &e);
		if (!ok(f != NULL && !err_isset(&e), "builds: %.70s", good_profiles[i]))
			printf("#   error \"%s\"\n", err_msg(&e));
		else
			ok(view(f)->len > 0 && view(f)->len <= 0xffff, "  a program of %zu instructions",
			   view(f)->len);
		seccomp_filter_free(f);
		err_clear(&e);
	}

	/* The flags are kept for the load. */
	struct seccomp_filter *f = build_q(good_profiles[ARRAY_SIZE(good_profiles) - 1], NULL, NULL);
	ok(f && view(f)->flags == (SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW |
				   SECCOMP_FILTER_FLAG_TSYNC),
	   "flags: LOG | SPEC_ALLOW | TSYNC");
	seccomp_filter_free(f);
	f = build_q("{'defaultAction': 'SCMP_ACT_ALLOW'}", NULL, NULL);
	ok(f && view(f)->flags == 0, "no flags: 0");
	seccomp_filter_free(f);

	/* Rules make a difference to the program; a dropped rule does not. */
	struct seccomp_filter *allow = build_q("{'defaultAction': 'SCMP_ACT_ALLOW'}", NULL, NULL);
	struct seccomp_filter *same = build_q(
		"{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['read'], "
		"'action': 'SCMP_ACT_ALLOW'}, {'names': ['no_such_syscall_berth'], 'action': "
		"'SCMP_ACT_KILL'}]}",
		NULL, NULL);
	struct seccomp_filter *kill = build_q(
		"{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['read'], 'action': "
		"'SCMP_ACT_KILL'}]}",
		NULL, NULL);
	ok(same_prog(allow, same), "a rule repeating the default and an unknown name change nothing");
	ok(allow && kill && !same_prog(allow, kill), "a real rule changes the program");
	seccomp_filter_free(allow);
	seccomp_filter_free(same);
	seccomp_filter_free(kill);

	/* errnoRet reaches the program. */
	struct seccomp_filter *e1 = build_q("{'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 1}",
					    NULL, NULL);
	struct seccomp_filter *e38 = build_q(
		"{'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 38}", NULL, NULL);
	struct seccomp_filter *eperm = build_q("{'defaultAction': 'SCMP_ACT_ERRNO'}", NULL, NULL);
	ok(e1 && e38 && !same_prog(e1, e38), "defaultErrnoRet changes the program");
	ok(same_prog(e1, eperm), "defaultErrnoRet defaults to EPERM (1)");
	seccomp_filter_free(e1);
	seccomp_filter_free(e38);
	seccomp_filter_free(eperm);

	/* Berth's own default profile, with no capabilities and with all. */
	uint64_t caps[] = {0, ~0ull};
	for (size_t i = 0; i < ARRAY_SIZE(caps); i++) {
		char *json = oci_seccomp_default_json(caps[i]);
		struct err e = ERR_INIT;
		f = seccomp_filter_build(json, NULL, &e);
		if (!ok(f != NULL, "the default profile builds (caps %#llx)", (unsigned long long)caps[i]))
			printf("#   error \"%s\"\n", err_msg(&e));
		seccomp_filter_free(f);
		err_clear(&e);
		free(json);
	}
}

/* Every name the runtime advertises (features) is one it builds. */
struct names {
	char **actions, **operators, **archs, **flags;
};

static void collect(const char *kind, const char *name, void *data)
{
	struct names *n = data;
	if (streq(kind, "actions"))
		strv_push(&n->actions, name);
	else if (streq(kind, "operators"))
		strv_push(&n->operators, name);
	else if (streq(kind, "archs"))
		strv_push(&n->archs, name);
	else if (streq(kind, "supportedFlags"))
		strv_push(&n->flags, name);
}

static void test_names(void)
{
	struct names n = {0};
	seccomp_names(collect, &n);
	ok(strv_contains(n.actions, "SCMP_ACT_ALLOW") && strv_contains(n.actions, "SCMP_ACT_ERRNO") &&
		   strv_contains(n.actions, "SCMP_ACT_KILL_PROCESS"),
	   "features: actions listed");
	ok(!strv_contains(n.actions, "SCMP_ACT_NOTIFY"), "features: SCMP_ACT_NOTIFY not listed");
	ok(strv_length(n.operators) == 7 && strv_contains(n.operators, "SCMP_CMP_MASKED_EQ"),
	   "features: seven operators");
	ok(strv_contains(n.archs, "SCMP_ARCH_X86_64") && strv_contains(n.archs, "SCMP_ARCH_AARCH64"),
	   "features: architectures listed");
	ok(strv_length(n.flags) == 3, "features: three supported flags");

	bool all = true;
	for (char **a = n.actions; a && *a; a++) {
		char *json = xasprintf("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
				       "[{\"names\": [\"read\"], \"action\": \"%s\"}]}",
				       *a);
		struct err e = ERR_INIT;
		struct seccomp_filter *f = seccomp_filter_build(json, NULL, &e);
		if (!f) {
			all = false;
			printf("#   action %s: %s\n", *a, err_msg(&e));
		}
		seccomp_filter_free(f);
		err_clear(&e);
		free(json);
		json = xasprintf("{\"defaultAction\": \"%s\"}", *a);
		f = seccomp_filter_build(json, NULL, &e);
		if (!f) {
			all = false;
			printf("#   defaultAction %s: %s\n", *a, err_msg(&e));
		}
		seccomp_filter_free(f);
		err_clear(&e);
		free(json);
	}
	ok(all, "every advertised action builds, as a rule's and as the default");

	all = true;
	for (char **o = n.operators; o && *o; o++) {
		char *json = xasprintf("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
				       "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", "
				       "\"args\": [{\"index\": 2, \"value\": 7, \"valueTwo\": 3, "
				       "\"op\": \"%s\"}]}]}",
				       *o);
		struct err e = ERR_INIT;
		struct seccomp_filter *f = seccomp_filter_build(json, NULL, &e);
		if (!f) {
			all = false;
			printf("#   operator %s: %s\n", *o, err_msg(&e));
		}
		seccomp_filter_free(f);
		err_clear(&e);
		free(json);
	}
	ok(all, "every advertised operator builds");

	/* libseccomp refuses to mix byte orders in one filter (EDOM): the
	 * architectures of the other byte order fail, with the path. */
	static const char *const big_endian[] = {
		"SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_PPC",
		"SCMP_ARCH_PPC64", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC",
		"SCMP_ARCH_PARISC64",
	};
	all = true;
	size_t n_built = 0;
	for (char **a = n.archs; a && *a; a++) {
		char *json = xasprintf("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": "
				       "[\"%s\"], \"syscalls\": [{\"names\": [\"read\"], "
				       "\"action\": \"SCMP_ACT_ALLOW\"}]}",
				       *a);
		bool other_order = false;
		for (size_t i = 0; i < ARRAY_SIZE(big_endian); i++)
			other_order |= streq(*a, big_endian[i]);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		other_order = !other_order;
#endif
		struct err e = ERR_INIT;
		struct seccomp_filter *f = seccomp_filter_build(json, NULL, &e);
		char *want = xasprintf("linux.seccomp: architectures[0]: \"%s\"", *a);
		if (f)
			n_built++;
		if (other_order ? !(f || strstr(err_msg(&e), want)) : !f) {
			all = false;
			printf("#   architecture %s: %s\n", *a, err_msg(&e));
		}
		free(want);
		seccomp_filter_free(f);
		err_clear(&e);
		free(json);
	}
	ok(all && n_built >= 8, "every advertised architecture of this byte order builds (%zu)",
	   n_built);

	all = true;
	for (char **fl = n.flags; fl && *fl; fl++) {
		char *json = xasprintf("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"%s\"]}",
				       *fl);
		struct err e = ERR_INIT;
		struct seccomp_filter *f = seccomp_filter_build(json, NULL, &e);
		if (!f) {
			all = false;
			printf("#   flag %s: %s\n", *fl, err_msg(&e));
		}
		seccomp_filter_free(f);
		err_clear(&e);
		free(json);
	}
	ok(all, "every advertised flag builds");
	strv_free(n.actions);
	strv_free(n.operators);
	strv_free(n.archs);
	strv_free(n.flags);
}

/* ---- invalid profiles -------------------------------------------------- */

struct bad_case {
	const char *json;
	enum err_kind kind;
	const char *want; /* substring of the message, which starts "linux.seccomp: " */
};

#define ALLOW "'defaultAction': 'SCMP_ACT_ALLOW'"
#define RULE(body) "{" ALLOW ", 'syscalls': [" body "]}"

static const struct bad_case bad_cases[] = {
	{"{", ERR_INVALID, "linux.seccomp: invalid JSON at line 1"},
	{"{}", ERR_INVALID, "linux.seccomp: defaultAction: required field missing"},
	{"{'defaultAction': 1}", ERR_INVALID, "linux.seccomp: defaultAction: expected a string, got number"},
	{"{'defaultAction': 'SCMP_ACT_FOO'}", ERR_INVALID,
	 "linux.seccomp: defaultAction: unknown action \"SCMP_ACT_FOO\""},
	{"{'defaultAction': 'scmp_act_allow'}", ERR_INVALID,
	 "linux.seccomp: defaultAction: unknown action \"scmp_act_allow\""},
	{"{'defaultAction': ''}", ERR_INVALID, "linux.seccomp: defaultAction: unknown action \"\""},
	{"{'defaultAction': 'SCMP_ACT_NOTIFY'}", ERR_UNSUPPORTED,
	 "linux.seccomp: defaultAction: SCMP_ACT_NOTIFY is not supported"},
	{"{'defaultAction': 'SCMP_ACT_ALLOW', 'defaultErrnoRet': 1}", ERR_INVALID,
	 "linux.seccomp: defaultErrnoRet: SCMP_ACT_ALLOW takes no errno"},
	{"{'defaultAction': 'SCMP_ACT_KILL', 'defaultErrnoRet': 0}", ERR_INVALID,
	 "linux.seccomp: defaultErrnoRet: SCMP_ACT_KILL takes no errno"},
	{"{'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': -1}", ERR_INVALID,
	 "linux.seccomp: defaultErrnoRet: expected an unsigned integer, got number"},
	{"{'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 'EPERM'}", ERR_INVALID,
	 "linux.seccomp: defaultErrnoRet: expected an unsigned integer, got string"},
	{"{'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 4294967296}", ERR_INVALID,
	 "linux.seccomp: defaultErrnoRet: 4294967296 is out of range"},
	{"{" ALLOW ", 'listenerPath': '/run/notify.sock'}", ERR_UNSUPPORTED,
	 "linux.seccomp: listenerPath: seccomp notify is not supported"},
	{"{" ALLOW ", 'listenerPath': 1}", ERR_INVALID,
	 "linux.seccomp: listenerPath: expected a string, got number"},
	/* architectures */
	{"{" ALLOW ", 'architectures': 'SCMP_ARCH_X86_64'}", ERR_INVALID,
	 "linux.seccomp: architectures: expected an array, got string"},
	{"{" ALLOW ", 'architectures': [1]}", ERR_INVALID,
	 "linux.seccomp: architectures[0]: expected a string, got number"},
	{"{" ALLOW ", 'architectures': ['SCMP_ARCH_FOO']}", ERR_INVALID,
	 "linux.seccomp: architectures[0]: unknown architecture \"SCMP_ARCH_FOO\""},
	{"{" ALLOW ", 'architectures': ['SCMP_ARCH_X86_64', 'x86_64']}", ERR_INVALID,
	 "linux.seccomp: architectures[1]: unknown architecture \"x86_64\""},
	/* flags */
	{"{" ALLOW ", 'flags': 'SECCOMP_FILTER_FLAG_LOG'}", ERR_INVALID,
	 "linux.seccomp: flags: expected an array, got string"},
	{"{" ALLOW ", 'flags': [true]}", ERR_INVALID, "linux.seccomp: flags[0]: expected a string"},
	{"{" ALLOW ", 'flags': ['SECCOMP_FILTER_FLAG_FOO']}", ERR_UNSUPPORTED,
	 "linux.seccomp: flags: unsupported flag \"SECCOMP_FILTER_FLAG_FOO\""},
	{"{" ALLOW ", 'flags': ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_NEW_LISTENER']}",
	 ERR_UNSUPPORTED, "linux.seccomp: flags: unsupported flag \"SECCOMP_FILTER_FLAG_NEW_LISTENER\""},
	/* syscalls */
	{"{" ALLOW ", 'syscalls': {}}", ERR_INVALID, "linux.seccomp: syscalls: expected an array, got object"},
	{RULE("1"), ERR_INVALID, "linux.seccomp: syscalls[0]: expected an object"},
	{RULE("{'action': 'SCMP_ACT_KILL'}"), ERR_INVALID,
	 "linux.seccomp: syscalls[0].names: required field missing"},
	{RULE("{'names': 'read', 'action': 'SCMP_ACT_KILL'}"), ERR_INVALID,
	 "linux.seccomp: syscalls[0].names: expected an array, got string"},
	{RULE("{'names': ['read', 2], 'action': 'SCMP_ACT_KILL'}"), ERR_INVALID,
	 "linux.seccomp: syscalls[0].names[1]: expected a string, got number"},
	{RULE("{'names': [], 'action': 'SCMP_ACT_KILL'}"), ERR_INVALID,
	 "linux.seccomp: syscalls[0].names: must name at least one system call"},
	{RULE("{'names': ['read'], 'action': 'SCMP_ACT_KILL'}, {'names': [], 'action': 'SCMP_ACT_KILL'}"),
	 ERR_INVALID, "linux.seccomp: syscalls[1].names: must name at least one system call"},
	{RULE("{'names': ['read']}"), ERR_INVALID, "linux.seccomp: syscalls[0].action: required field missing"},
	{RULE("{'names': ['read'], 'action': 'SCMP_ACT_KILL'}, {'names': ['write'], 'action': "
	      "'SCMP_ACT_NOPE'}"),
	 ERR_INVALID, "linux.seccomp: syscalls[1].action: unknown action \"SCMP_ACT_NOPE\""},
	{RULE("{'names': ['read'], 'action': 'SCMP_ACT_NOTIFY'}"), ERR_UNSUPPORTED,
	 "linux.seccomp: syscalls[0].action: SCMP_ACT_NOTIFY is not supported"},
	{"{'defaultAction': 'SCMP_ACT_ERRNO', 'syscalls': [{'names': ['read'], 'action': "
	 "'SCMP_ACT_ALLOW', 'errnoRet': 1}]}",
	 ERR_INVALID, "linux.seccomp: syscalls[0].errnoRet: SCMP_ACT_ALLOW takes no errno"},
	{RULE("{'names': ['read'], 'action': 'SCMP_ACT_KILL_PROCESS', 'errnoRet': 0}"), ERR_INVALID,
	 "linux.seccomp: syscalls[0].errnoRet: SCMP_ACT_KILL_PROCESS takes no errno"},
	{RULE("{'names': ['read'], 'action': 'SCMP_ACT_LOG', 'errnoRet': 5}"), ERR_INVALID,
	 "linux.seccomp: syscalls[0].errnoRet: SCMP_ACT_LOG takes no errno"},
	{RULE("{'names': ['read'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 'EPERM'}"), ERR_INVALID,
	 "linux.seccomp: syscalls[0].errnoRet: expected an unsigned integer, got string"},
	/* args */
	{RULE("{'names': ['read'], 'action': 'SCMP_ACT_KILL', 'args': {}}"), ERR_INVALID,
	 "linux.seccomp: syscalls[0].args: expected an array, got object"},
	{RULE("{'names': ['read'], 'action': 'SCMP_ACT_KILL', 'args': [0]}"), ERR_INVALID,
	 "linux.seccomp: syscalls[0].args[0]: expected an object"},
	{RULE("{'names': ['read'], 'action': 'SCMP_ACT_KILL', 'args': [{'index': 6, 'value': 1, "
	      "'op': 'SCMP_CMP_EQ'}]}"),
	 ERR_INVALID, "linux.seccomp: syscalls[0].args[0].index: 6 is not 0..5"},
	{RULE("{'names': ['read'], 'action': 'SCMP_ACT_KILL', 'args': [{'index': 0, 'value': 1, "
	      "'op': 'SCMP_CMP_EQ'}, {'index': 6, 'value': 1, 'op': 'SCMP_CMP_EQ'}]}"),
	 ERR_INVALID, "linux.seccomp: syscalls[0].args[1].index: 6 is not 0..5"},
	{RULE("{'names': ['read'], 'action': 'SCMP_ACT_KILL', 'args': [{'index': 4294967296, "
	      "'value': 1, 'op': 'SCMP_CMP_EQ'}]}"),
	 ERR_INVALID, "linux.seccomp: syscalls[0].args[0].index: 4294967296 is out of range"},
	{RULE("{'names': ['read'], 'action': 'SCMP_ACT_KILL', 'args': [{'index': -1, 'value': 1, "
	      "'op': 'SCMP_CMP_EQ'}]}"),
	 ERR_INVALID, "linux.seccomp: syscalls[0].args[0].index: expected an unsigned integer"},
	{RULE("{'names': ['read'], 'action': 'SCMP_ACT_KILL', 'args': [{'value': 1, 'op': "
	      "'SCMP_CMP_EQ'}]}"),
	 ERR_INVALID, "linux.seccomp: syscalls[0].args[0].index: required field missing"},
	{RULE("{'names': ['read'], 'action': 'SCMP_ACT_KILL', 'args': [{'index': 0, 'op': "
	      "'SCMP_CMP_EQ'}]}"),
	 ERR_INVALID, "linux.seccomp: syscalls[0].args[0].value: required field missing"},
	{RULE("{'names': ['read'], 'action': 'SCMP_ACT_KILL', 'args': [{'index': 0, 'value': -1, "
	      "'op': 'SCMP_CMP_EQ'}]}"),
	 ERR_INVALID, "linux.seccomp: syscalls[0].args[0].value: expected an unsigned integer"},
	{RULE("{'names': ['read'], 'action': 'SCMP_ACT_KILL', 'args': [{'index': 0, 'value': 1, "
	      "'valueTwo': 'x', 'op': 'SCMP_CMP_MASKED_EQ'}]}"),
	 ERR_INVALID, "linux.seccomp: syscalls[0].args[0].valueTwo: expected an unsigned integer"},
	{RULE("{'names': ['read'], 'action': 'SCMP_ACT_KILL', 'args': [{'index': 0, 'value': 1}]}"),
	 ERR_INVALID, "linux.seccomp: syscalls[0].args[0].op: required field missing"},
	{RULE("{'names': ['read'], 'action': 'SCMP_ACT_KILL', 'args': [{'index': 0, 'value': 1, "
	      "'op': 'SCMP_CMP_FOO'}]}"),
	 ERR_INVALID, "linux.seccomp: syscalls[0].args[0].op: unknown operator \"SCMP_CMP_FOO\""},
	{RULE("{'names': ['read'], 'action': 'SCMP_ACT_KILL', 'args': [{'index': 0, 'value': 1, "
	      "'op': 'EQ'}]}"),
	 ERR_INVALID, "linux.seccomp: syscalls[0].args[0].op: unknown operator \"EQ\""},
	{RULE("{'names': ['read'], 'action': 'SCMP_ACT_KILL'}, {'names': ['write'], 'action': "
	      "'SCMP_ACT_KILL', 'args': [{'index': 0, 'value': 1, 'op': 'SCMP_CMP_EQ'}, {'index': 1, "
	      "'value': 1, 'op': 'SCMP_CMP_XX'}]}"),
	 ERR_INVALID, "linux.seccomp: syscalls[1].args[1].op: unknown operator \"SCMP_CMP_XX\""},
};

static void test_bad(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		struct err e = ERR_INIT;
		struct seccomp_filter *f = build_q(bad_cases[i].json, NULL, &e);
		const char *m = err_isset(&e) ? err_msg(&e) : "";
		bool good = !f && e.kind == bad_cases[i].kind && strstr(m, bad_cases[i].want) &&
			    startswith(m, "linux.seccomp: ") &&
			    !strstr(m + strlen("linux.seccomp: "), "linux.seccomp");
		if (!ok(good, "refused: %s", bad_cases[i].json))
			printf("#   got \"%s\" (%s)%s, want \"%s\" (%s)\n", m, err_kind_name(e.kind),
			       f ? " and a filter" : "", bad_cases[i].want,
			       err_kind_name(bad_cases[i].kind));
		seccomp_filter_free(f);
		err_clear(&e);
	}
	/* A NULL err is allowed. */
	ok(build_q("{}", NULL, NULL) == NULL, "a bad profile with a NULL err");
}

/* ---- the cache --------------------------------------------------------- */

/* Names of the plain files in dir, sorted. */
static char **list_dir(const char *dir)
{
	char **l = NULL;
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			strv_push(&l, de->d_name);
	closedir(d);
	size_t n = strv_length(l);
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(l[j - 1], l[j]) > 0; j--) {
			char *t = l[j];
			l[j] = l[j - 1];
			l[j - 1] = t;
		}
	return l;
}

static char *slurp(const char *path, size_t *len)
{
	char *buf = NULL;
	if (read_file_at(AT_FDCWD, path, 64u << 20, &buf, len, NULL) < 0)
		return NULL;
	return buf;
}

static bool spew(const char *path, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return false;
	bool good = write(fd, buf, len) == (ssize_t)len;
	return close(fd) == 0 && good;
}

static ino_t inode_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_ino : 0;
}

/* The single new name in after that is not in before. */
static char *new_name(char **before, char **after)
{
	char *found = NULL;
	for (char **a = after; a && *a; a++)
		if (!strv_contains(before, *a)) {
			if (found) {
				free(found);
				return NULL;
			}
			found = xstrdup(*a);
		}
	return found;
}

/* Check that the entry at path is a well-formed one for text. */
static bool entry_is_for(const char *path, const char *text, const struct seccomp_filter *f)
{
	size_t len;
	char *buf = slurp(path, &len);
	struct cache_hdr_view h;
	size_t jl = strlen(text);
	bool good = buf && len >= sizeof(h);
	if (good) {
		memcpy(&h, buf, sizeof(h));
		good = memcmp(h.magic, CACHE_MAGIC, 16) == 0 && h.json_len == jl &&
		       len == sizeof(h) + jl + (size_t)h.n_insns * sizeof(struct sock_filter) &&
		       memcmp(buf + sizeof(h), text, jl) == 0;
		if (good && f)
			good = h.n_insns == view(f)->len && h.flags == view(f)->flags &&
			       memcmp(buf + sizeof(h) + jl, view(f)->prog,
				      view(f)->len * sizeof(struct sock_filter)) == 0;
	}
	free(buf);
	return good;
}

/* Two profiles of the same length that compile differently. */
#define PROFILE_A                                                                                \
	"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],"         \
	"\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\"}]}"
#define PROFILE_B                                                                                \
	"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],"         \
	"\"syscalls\":[{\"names\":[\"rmdir\"],\"action\":\"SCMP_ACT_ERRNO\"}]}"

enum corruption {
	TRUNC_HALF,
	TRUNC_HEADER,
	EMPTY,
	BAD_MAGIC,
	BAD_VERSION,
	BAD_JSON_LEN,
	ZERO_INSNS,
	MORE_INSNS,
	EXTRA_BYTE,
	SHORT_BY_ONE,
	TEXT_BYTE,
	PROG_BYTE,
	N_CORRUPTIONS
};

static const char *const corruption_names[] = {
	"truncated to half",
	"truncated inside the header",
	"empty",
	"a wrong magic",
	"another libseccomp version",
	"a wrong text length",
	"zero instructions",
	"more instructions than stored",
	"one byte too many",
	"one byte short",
	"one byte of the text changed",
	"one byte of the program changed",
};

static size_t corrupt(char *buf, size_t len, enum corruption c)
{
	struct cache_hdr_view h;
	memcpy(&h, buf, sizeof(h));
	switch (c) {
	case TRUNC_HALF:
		return len / 2;
	case TRUNC_HEADER:
		return 10;
	case EMPTY:
		return 0;
	case BAD_MAGIC:
		buf[0] ^= 0x20;
		return len;
	case BAD_VERSION:
		h.version ^= 1;
		break;
	case BAD_JSON_LEN:
		h.json_len += 1;
		break;
	case ZERO_INSNS:
		h.n_insns = 0;
		memcpy(buf, &h, sizeof(h));
		return sizeof(h) + h.json_len;
	case MORE_INSNS:
		h.n_insns += 1;
		break;
	case EXTRA_BYTE:
		buf[len] = 0;
		return len + 1;
	case SHORT_BY_ONE:
		return len - 1;
	case TEXT_BYTE:
		buf[sizeof(h) + 20] ^= 0x01;
		return len;
	case PROG_BYTE:
		buf[len - 4] ^= 0x01; /* the last instruction's constant */
		return len;
	case N_CORRUPTIONS:
		break;
	}
	memcpy(buf, &h, sizeof(h));
	return len;
}

/* First build and hits; returns the path of A's entry (NULL on failure). */
static char *cache_first(const char *cache, const struct seccomp_filter *ref_a)
{
	struct err e = ERR_INIT;
	struct seccomp_filter *f = seccomp_filter_build(PROFILE_A, cache, &e);
	ok(f && same_prog(f, ref_a), "built with a cache dir: the same program as without");
	seccomp_filter_free(f);
	err_clear(&e);
	struct stat st;
	ok(stat(cache, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 077) == 0,
	   "the cache dir is made, private to its owner");
	char **l = list_dir(cache);
	ok(strv_length(l) == 1 && strlen(l[0]) > 4 && streq(l[0] + strlen(l[0]) - 4, ".bpf"),
	   "one *.bpf entry: %s", l && l[0] ? l[0] : "(none)");
	char *path_a = strv_length(l) == 1 ? xasprintf("%s/%s", cache, l[0]) : NULL;
	strv_free(l);
	if (!path_a)
		return NULL;
	ok(stat(path_a, &st) == 0 && (st.st_mode & 077) == 0, "the entry is private to its owner");
	ok(entry_is_for(path_a, PROFILE_A, ref_a), "the entry holds the text and the program");

	/* Second build, same text: a hit (the entry is not rewritten). */
	ino_t ino = inode_of(path_a);
	f = seccomp_filter_build(PROFILE_A, cache, &e);
	ok(f && same_prog(f, ref_a), "a hit gives the same program and flags");
	ok(f && view(f)->flags == SECCOMP_FILTER_FLAG_LOG, "a hit keeps the flags");
	seccomp_filter_free(f);
	ok(inode_of(path_a) == ino, "a hit leaves the entry as it is");
	l = list_dir(cache);
	ok(strv_length(l) == 1, "still one entry");

	/* The cache is keyed by the exact text, whitespace included. */
	char *spaced = xasprintf(" %s", PROFILE_A);
	f = seccomp_filter_build(spaced, cache, &e);
	ok(f && same_prog(f, ref_a), "the same profile spelt differently builds");
	seccomp_filter_free(f);
	char **l2 = list_dir(cache);
	ok(strv_length(l2) == 2, "and gets an entry of its own");
	char *name_sp = new_name(l, l2);
	if (name_sp) {
		char *p = xasprintf("%s/%s", cache, name_sp);
		unlink(p);
		free(p);
		free(name_sp);
	}
	free(spaced);
	strv_free(l);
	strv_free(l2);
	err_clear(&e);
	return path_a;
}

/* Entries of two profiles swapped: the text comparison refuses them. */
static void cache_collisions(const char *cache, const char *path_a,
			     const struct seccomp_filter *ref_a, const struct seccomp_filter *ref_b)
{
	struct err e = ERR_INIT;
	char **before = list_dir(cache);
	struct seccomp_filter *f = seccomp_filter_build(PROFILE_B, cache, &e);
	ok(f && same_prog(f, ref_b), "profile B builds with the cache");
	seccomp_filter_free(f);
	char **after = list_dir(cache);
	char *name_b = new_name(before, after);
	strv_free(before);
	strv_free(after);
	ok(name_b != NULL, "B has an entry of its own");
	if (!name_b)
		return;
	char *path_b = xasprintf("%s/%s", cache, name_b);
	ok(!streq(path_a, path_b) && entry_is_for(path_b, PROFILE_B, ref_b),
	   "B's entry holds B's text and program");

	/* A's entry under B's name: B must be compiled. */
	size_t len_a;
	char *good_a = slurp(path_a, &len_a);
	ok(good_a && spew(path_b, good_a, len_a), "A's entry copied over B's name");
	ino_t ino = inode_of(path_b);
	f = seccomp_filter_build(PROFILE_B, cache, &e);
	ok(f && same_prog(f, ref_b), "collision: B gets B's program, not A's");
	ok(f && !same_prog(f, ref_a), "collision: A's program is not served for B");
	seccomp_filter_free(f);
	ok(inode_of(path_b) != ino && entry_is_for(path_b, PROFILE_B, ref_b),
	   "collision: B's entry is written again, for B");
	ok(entry_is_for(path_a, PROFILE_A, ref_a), "collision: A's entry is untouched");

	/* and B's entry under A's name */
	size_t len_b;
	char *good_b = slurp(path_b, &len_b);
	ok(good_b && spew(path_a, good_b, len_b), "B's entry copied over A's name");
	f = seccomp_filter_build(PROFILE_A, cache, &e);
	ok(f && same_prog(f, ref_a), "collision: A gets A's program, not B's");
	seccomp_filter_free(f);
	ok(entry_is_for(path_a, PROFILE_A, ref_a), "collision: A's entry is written again");
	free(good_a);
	free(good_b);
	free(path_b);
	free(name_b);
	err_clear(&e);
}

/* Damaged entries are ignored: the profile is compiled again and the
 * entry rewritten. */
static void cache_corruptions(const char *path_a, const struct seccomp_filter *ref_a,
			      const char *cache)
{
	size_t len_a;
	char *good_a = slurp(path_a, &len_a);
	if (!ok(good_a && entry_is_for(path_a, PROFILE_A, ref_a), "A's entry is good"))
		return;
	for (int c = 0; c < N_CORRUPTIONS; c++) {
		struct err e = ERR_INIT;
		char *buf = xmalloc(len_a + 1);
		memcpy(buf, good_a, len_a);
		size_t n = corrupt(buf, len_a, (enum corruption)c);
		bool written = spew(path_a, buf, n);
		ino_t ino = inode_of(path_a);
		struct seccomp_filter *f = seccomp_filter_build(PROFILE_A, cache, &e);
		ok(written && f && same_prog(f, ref_a), "an entry with %s: the right program",
		   corruption_names[c]);
		ok(written && inode_of(path_a) != ino && entry_is_for(path_a, PROFILE_A, ref_a),
		   "an entry with %s: recompiled and rewritten", corruption_names[c]);
		seccomp_filter_free(f);
		free(buf);
		err_clear(&e);
		/* the good entry back for the next case */
		(void)spew(path_a, good_a, len_a);
	}
	free(good_a);
}

static void test_cache(const char *tmp)
{
	char *cache = xasprintf("%s/cache/sub", tmp);
	struct err e = ERR_INIT;

	/* References compiled without a cache. */
	struct seccomp_filter *ref_a = seccomp_filter_build(PROFILE_A, NULL, &e);
	struct seccomp_filter *ref_b = seccomp_filter_build(PROFILE_B, NULL, &e);
	if (ok(ref_a && ref_b, "the two cache profiles build")) {
		ok(strlen(PROFILE_A) == strlen(PROFILE_B) && !same_prog(ref_a, ref_b),
		   "they have the same length and different programs");
		char *path_a = cache_first(cache, ref_a);
		if (path_a) {
			cache_collisions(cache, path_a, ref_a, ref_b);
			cache_corruptions(path_a, ref_a, cache);
		}
		free(path_a);

		/* A bad profile leaves no entry; its error is the usual one. */
		char **l1 = list_dir(cache);
		struct seccomp_filter *f = build_q("{'defaultAction': 'SCMP_ACT_NOPE'}", cache, &e);
		ok(!f && strstr(err_msg(&e), "linux.seccomp: defaultAction: unknown action"),
		   "a bad profile with a cache dir: the same error (%s)", err_msg(&e));
		char **l2 = list_dir(cache);
		ok(strv_length(l1) == strv_length(l2), "a bad profile leaves no entry");
		strv_free(l1);
		strv_free(l2);
	} else {
		printf("#   %s\n", err_msg(&e));
	}
	seccomp_filter_free(ref_a);
	seccomp_filter_free(ref_b);
	err_clear(&e);
	free(cache);
}

/* The cache is bounded: at 256 entries it starts again from empty. */
static void test_cache_bound(const char *tmp)
{
	char *cache = xasprintf("%s/bounded", tmp);
	ok(mkdir(cache, 0700) == 0, "a cache dir for the bound");
	for (int i = 0; i < 256; i++) {
		char *p = xasprintf("%s/%016x.bpf", cache, i);
		(void)spew(p, "x", 1);
		free(p);
	}
	char **l = list_dir(cache);
	is_int(strv_length(l), 256, "256 entries");
	strv_free(l);
	struct err e = ERR_INIT;
	struct seccomp_filter *f = seccomp_filter_build(PROFILE_A, cache, &e);
	ok(f != NULL, "a build with a full cache");
	seccomp_filter_free(f);
	l = list_dir(cache);
	is_int(strv_length(l), 1, "the full cache was emptied, then the new entry written");
	strv_free(l);
	/* 255 entries: nothing is removed. */
	for (int i = 0; i < 254; i++) {
		char *p = xasprintf("%s/%016x.bpf", cache, i);
		(void)spew(p, "x", 1);
		free(p);
	}
	f = seccomp_filter_build(PROFILE_B, cache, &e);
	seccomp_filter_free(f);
	l = list_dir(cache);
	is_int(strv_length(l), 256, "below the bound nothing is removed");
	strv_free(l);
	err_clear(&e);
	free(cache);
}

/* A cache dir that cannot be made is no error: the filter is built. */
static void test_cache_unusable(const char *tmp)
{
	char *file = xasprintf("%s/a-file", tmp);
	char *cache = xasprintf("%s/a-file/cache", tmp);
	ok(spew(file, "", 0), "a regular file in the way");
	struct err e = ERR_INIT;
	struct seccomp_filter *f = seccomp_filter_build(PROFILE_A, cache, &e);
	ok(f != NULL && !err_isset(&e), "an unusable cache dir: built anyway");
	seccomp_filter_free(f);
	err_clear(&e);
	f = seccomp_filter_build(PROFILE_A, "", &e);
	ok(f != NULL, "an empty cache dir name: built anyway");
	seccomp_filter_free(f);
	err_clear(&e);
	free(file);
	free(cache);
}

int main(void)
{
	test_good();
	test_names();
	test_bad();

	char tmpl[] = "/tmp/test-seccomp-XXXXXX";
	char *tmp = mkdtemp(tmpl);
	if (!ok(tmp != NULL, "a temporary directory"))
		return tap_done();
	test_cache(tmp);
	test_cache_bound(tmp);
	test_cache_unusable(tmp);
	(void)rm_rf_at(AT_FDCWD, tmp, NULL);
	return tap_done();
}
