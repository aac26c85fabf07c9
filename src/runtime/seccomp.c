/* seccomp.c: see seccomp.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "base/fs-util.h"

#include "base/json-util.h"
#include "base/strv.h"
#include "runtime/seccomp.h"

/* The compiled program: the init loads it with one seccomp() call. */
struct seccomp_filter {
	struct sock_filter *prog;
	size_t len;
	unsigned flags; /* SECCOMP_FILTER_FLAG_* */
};

#define SECCOMP_MAX_PROG_BYTES (1u << 20)

static const struct {
	const char *name;
	uint32_t action; /* without the errno/trace data */
	bool takes_ret;
} actions[] = {
	{"SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD, false},
	{"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false},
	{"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false},
	{"SCMP_ACT_TRAP", SCMP_ACT_TRAP, false},
	{"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true},
	{"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true},
	{"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false},
	{"SCMP_ACT_LOG", SCMP_ACT_LOG, false},
};

static const struct {
	const char *name;
	enum scmp_compare op;
} ops[] = {
	{"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT},
	{"SCMP_CMP_LE", SCMP_CMP_LE}, {"SCMP_CMP_EQ", SCMP_CMP_EQ},
	{"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
	{"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

static const struct {
	const char *name;
	uint32_t arch;
} arches[] = {
	{"SCMP_ARCH_X86", SCMP_ARCH_X86},	    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
	{"SCMP_ARCH_X32", SCMP_ARCH_X32},	    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
	{"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64}, {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
	{"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},   {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
	{"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},   {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
	{"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
	{"SCMP_ARCH_PPC", SCMP_ARCH_PPC},	    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
	{"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE}, {"SCMP_ARCH_S390", SCMP_ARCH_S390},
	{"SCMP_ARCH_S390X", SCMP_ARCH_S390X},	    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
	{"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64}, {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
};

static int parse_action(json_t *o, const char *path, const char *key, const char *ret_key,
			uint32_t def_errno, bool required, uint32_t *ret, struct err *e)
{
	_cleanup_free_ char *name = NULL;
	int r = json_get_string(o, path, key, required, &name, e);
	if (r <= 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(actions); i++) {
		if (!streq(name, actions[i].name))
			continue;
		uint32_t data = def_errno;
		if (!actions[i].takes_ret && json_object_get(o, ret_key) &&
		    !json_is_null(json_object_get(o, ret_key)))
			return err_set(e, ERR_INVALID, "%s%s%s: %s takes no errno", path,
				       *path ? "." : "", ret_key, name);
		if (actions[i].takes_ret) {
			uint32_t v;
			int rr = json_get_u32(o, path, ret_key, false, &v, e);
			if (rr < 0)
				return -1;
			if (rr > 0)
				data = v;
			if (streq(name, "SCMP_ACT_TRACE") && rr == 0)
				data = EPERM;
			*ret = actions[i].action | (data & 0xffff);
		} else {
			*ret = actions[i].action;
		}
		return 1;
	}
	if (streq(name, "SCMP_ACT_NOTIFY"))
		return err_set(e, ERR_UNSUPPORTED, "%s%s%s: SCMP_ACT_NOTIFY is not supported yet",
			       path, *path ? "." : "", key);
	return err_set(e, ERR_INVALID, "%s%s%s: unknown action \"%s\"", path, *path ? "." : "",
		       key, name);
}

static int parse_args(json_t *rule, const char *path, struct scmp_arg_cmp **ret, size_t *ret_n,
		      bool *same_index, struct err *e)
{
	json_t *a;
	*ret = NULL;
	*ret_n = 0;
	*same_index = false;
	int r = json_get_array(rule, path, "args", false, &a, e);
	if (r <= 0)
		return r;
	size_t n = json_array_size(a);
	if (n > 6 * 16)
		return err_set(e, ERR_INVALID, "%s.args: too many conditions", path);
	_cleanup_free_ struct scmp_arg_cmp *c = xnew(struct scmp_arg_cmp, n);
	unsigned seen = 0;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *pa = json_path_key(path, "args");
		_cleanup_free_ char *pi = json_path_index(pa, i);
		json_t *it = json_array_get(a, i);
		uint32_t index;
		uint64_t v = 0, v2 = 0;
		_cleanup_free_ char *op = NULL;
		if (!json_is_object(it))
			return err_set(e, ERR_INVALID, "%s: expected an object", pi);
		if (json_get_u32(it, pi, "index", true, &index, e) < 0 ||
		    json_get_u64(it, pi, "value", true, &v, e) < 0 ||
		    json_get_u64(it, pi, "valueTwo", false, &v2, e) < 0 ||
		    json_get_string(it, pi, "op", true, &op, e) < 0)
			return -1;
		if (index > 5)
			return err_set(e, ERR_INVALID, "%s.index: %u is not 0..5", pi,
				       index);
		if (seen & (1u << index))
			*same_index = true;
		seen |= 1u << index;
		bool found = false;
		for (size_t k = 0; k < ARRAY_SIZE(ops); k++)
			if (streq(op, ops[k].name)) {
				c[i] = (struct scmp_arg_cmp){.arg = index, .op = ops[k].op,
							     .datum_a = v, .datum_b = v2};
				found = true;
			}
		if (!found)
			return err_set(e, ERR_INVALID, "%s.op: unknown operator \"%s\"",
				       pi, op);
	}
	*ret = TAKE_PTR(c);
	*ret_n = n;
	return 1;
}

static int add_rule(scmp_filter_ctx ctx, uint32_t action, int nr, struct scmp_arg_cmp *c,
		    size_t n, bool same_index, const char *name, struct err *e)
{
	int r;
	if (same_index) {
		/* Conditions on one argument index cannot be ANDed by libseccomp:
		 * as runc does, each becomes its own rule (so they are ORed). */
		for (size_t i = 0; i < n; i++) {
			r = seccomp_rule_add_array(ctx, action, nr, 1, &c[i]);
			if (r < 0)
				return err_sys(e, r, "add a rule for \"%s\"", name);
		}
		return 0;
	}
	r = seccomp_rule_add_array(ctx, action, nr, (unsigned)n, c);
	if (r < 0)
		return err_sys(e, r, "add a rule for \"%s\"", name);
	return 0;
}

static int parse_flags(json_t *o, unsigned *ret, struct err *e)
{
	_cleanup_strv_ char **flags = NULL;
	int r = json_get_strv(o, "", "flags", false, &flags, e);
	if (r <= 0)
		return r;
	for (char **f = flags; *f; f++) {
		if (streq(*f, "SECCOMP_FILTER_FLAG_LOG"))
			*ret |= SECCOMP_FILTER_FLAG_LOG;
		else if (streq(*f, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"))
			*ret |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
		else if (streq(*f, "SECCOMP_FILTER_FLAG_TSYNC"))
			*ret |= SECCOMP_FILTER_FLAG_TSYNC;
		else
			return err_set(e, ERR_UNSUPPORTED, "flags: unsupported flag \"%s\"",
				       *f);
	}
	return 0;
}

/* libseccomp writes the program to a descriptor: read it back. */
static int export_bpf(scmp_filter_ctx ctx, struct seccomp_filter *f, struct err *e)
{
	_cleanup_close_ int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
	if (fd < 0)
		return err_sys(e, errno, "memfd_create");
	int r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return err_sys(e, r, "compile the filter");
	if (lseek(fd, 0, SEEK_SET) < 0)
		return err_sys(e, errno, "lseek");
	char *buf;
	size_t len;
	r = read_all_fd(fd, SECCOMP_MAX_PROG_BYTES, &buf, &len);
	if (r < 0)
		return err_sys(e, r, "read the compiled filter");
	if (len == 0 || len % sizeof(struct sock_filter) || len / sizeof(struct sock_filter) > 0xffff) {
		free(buf);
		return err_set(e, ERR_INVALID, "the compiled filter has %zu bytes", len);
	}
	f->prog = (struct sock_filter *)buf;
	f->len = len / sizeof(struct sock_filter);
	return 0;
}

static struct seccomp_filter *seccomp_build_doc(json_t *o, struct err *e);

/* Cache entries: "berth-seccomp 1\n", the flags and lengths, the profile
 * text, then the program.  The name is a hash of the text; a hit must
 * match the text byte for byte, so a collision can only cost a compile. */
#define CACHE_MAGIC "berth-seccomp 1\n"
#define CACHE_MAX_ENTRIES 256

struct cache_hdr {
	char magic[16];
	uint32_t flags;
	uint32_t json_len;
	uint32_t n_insns;
	uint32_t version; /* libseccomp's, so an upgrade recompiles */
	uint64_t prog_sum; /* of the program: a damaged entry is recompiled */
};

static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
	return h;
}

static uint32_t lib_version(void)
{
	const struct scmp_version *v = seccomp_version();
	return v ? (v->major << 16 | v->minor << 8 | v->micro) : 0;
}

static void cache_name(const char *json, char name[static 32])
{
	snprintf(name, 32, "%016llx.bpf", (unsigned long long)fnv1a(json, strlen(json)));
}

static struct seccomp_filter *cache_get(int dfd, const char *json)
{
	char name[32];
	cache_name(json, name);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (read_file_at(dfd, name, SECCOMP_MAX_PROG_BYTES + (16u << 20), &buf, &len, NULL) < 0)
		return NULL;
	struct cache_hdr h;
	size_t jl = strlen(json);
	if (len < sizeof(h))
		return NULL;
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.magic, CACHE_MAGIC, sizeof(h.magic)) || h.version != lib_version() ||
	    h.json_len != jl || len != sizeof(h) + jl + h.n_insns * sizeof(struct sock_filter) ||
	    memcmp(buf + sizeof(h), json, jl) || h.n_insns == 0 || h.n_insns > 0xffff ||
	    fnv1a(buf + sizeof(h) + jl, h.n_insns * sizeof(struct sock_filter)) != h.prog_sum)
		return NULL;
	struct seccomp_filter *f = xnew(struct seccomp_filter, 1);
	f->flags = h.flags;
	f->len = h.n_insns;
	f->prog = xmalloc(h.n_insns * sizeof(struct sock_filter));
	memcpy(f->prog, buf + sizeof(h) + jl, h.n_insns * sizeof(struct sock_filter));
	return f;
}

static void cache_put(int dfd, const char *json, const struct seccomp_filter *f)
{
	/* A bounded cache: past its size it starts again from empty. */
	_cleanup_close_ int dup = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	DIR *d = dup >= 0 ? fdopendir(dup) : NULL;
	if (d) {
		dup = -1;
		size_t n = 0;
		struct dirent *de;
		while ((de = readdir(d)))
			n += de->d_name[0] != '.';
		if (n >= CACHE_MAX_ENTRIES) {
			rewinddir(d);
			while ((de = readdir(d)))
				if (de->d_name[0] != '.')
					(void)unlinkat(dfd, de->d_name, 0);
		}
		closedir(d);
	}
	size_t jl = strlen(json), pl = f->len * sizeof(struct sock_filter);
	struct cache_hdr h = {.flags = f->flags, .json_len = (uint32_t)jl,
			      .n_insns = (uint32_t)f->len, .version = lib_version(),
			      .prog_sum = fnv1a((const char *)f->prog, pl)};
	memcpy(h.magic, CACHE_MAGIC, sizeof(h.magic));
	_cleanup_free_ char *buf = xmalloc(sizeof(h) + jl + pl);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), json, jl);
	memcpy(buf + sizeof(h) + jl, f->prog, pl);
	char name[32];
	cache_name(json, name);
	(void)write_file_atomic_at(dfd, name, buf, sizeof(h) + jl + pl, 0600, 0, NULL);
}

struct seccomp_filter *seccomp_filter_build(const char *json, const char *cache_dir,
					    struct err *e)
{
	_cleanup_close_ int dfd = -1;
	struct stat st;
	/* Ours alone, or not used: a planted program would be loaded. */
	if (cache_dir && mkdir_p(cache_dir, 0700, NULL) == 0)
		dfd = open(cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd >= 0 && (fstat(dfd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 077))) {
		close(dfd);
		dfd = -1;
	}
	if (dfd >= 0) {
		struct seccomp_filter *hit = cache_get(dfd, json);
		if (hit)
			return hit;
	}
	_cleanup_json_ json_t *o = NULL;
	if (json_parse_buffer(json, strlen(json), "linux.seccomp", &o, e) < 0)
		return NULL;
	struct seccomp_filter *f = seccomp_build_doc(o, e);
	if (!f)
		err_wrap(e, "linux.seccomp");
	else if (dfd >= 0)
		cache_put(dfd, json, f);
	return f;
}

static int add_arches(scmp_filter_ctx ctx, json_t *o, struct err *e)
{
	_cleanup_strv_ char **archs = NULL;
	if (json_get_strv(o, "", "architectures", false, &archs, e) < 0)
		return -1;
	for (size_t i = 0; archs && archs[i]; i++) {
		bool found = false;
		for (size_t k = 0; k < ARRAY_SIZE(arches); k++) {
			if (!streq(archs[i], arches[k].name))
				continue;
			found = true;
			int r = seccomp_arch_add(ctx, arches[k].arch);
			if (r < 0 && r != -EEXIST)
				return err_sys(e, r, "architectures[%zu]: \"%s\"", i, archs[i]);
		}
		if (!found)
			return err_set(e, ERR_INVALID, "architectures[%zu]: unknown architecture \"%s\"",
				       i, archs[i]);
	}
	return 0;
}

static int add_syscall_rule(scmp_filter_ctx ctx, json_t *rule, size_t i, uint32_t def_action,
			    struct err *e)
{
	_cleanup_free_ char *pi = json_path_index("syscalls", i);
	_cleanup_strv_ char **names = NULL;
	_cleanup_free_ struct scmp_arg_cmp *conds = NULL;
	uint32_t action;
	size_t n_conds;
	bool same_index;
	if (!json_is_object(rule))
		return err_set(e, ERR_INVALID, "%s: expected an object", pi);
	if (json_get_strv(rule, pi, "names", true, &names, e) < 0)
		return -1;
	if (!names[0])
		return err_set(e, ERR_INVALID, "%s.names: must name at least one system call", pi);
	/* A rule's errno is EPERM unless it says (defaultErrnoRet is the
	 * default action's alone). */
	if (parse_action(rule, pi, "action", "errnoRet", EPERM, true, &action, e) < 0 ||
	    parse_args(rule, pi, &conds, &n_conds, &same_index, e) < 0)
		return -1;
	if (action == def_action)
		return 0; /* libseccomp refuses rules that repeat the default */
	for (char **nm = names; *nm; nm++) {
		int nr = seccomp_syscall_resolve_name(*nm);
		if (nr == __NR_SCMP_ERROR)
			continue; /* unknown to this libseccomp: as runc, skip it */
		if (add_rule(ctx, action, nr, conds, n_conds, same_index, *nm, e) < 0)
			return -1;
	}
	return 0;
}

static int fill(scmp_filter_ctx ctx, json_t *o, uint32_t def_action, struct seccomp_filter *f,
		struct err *e)
{
	seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	if (parse_flags(o, &f->flags, e) < 0 || add_arches(ctx, o, e) < 0)
		return -1;
	json_t *rules;
	int r = json_get_array(o, "", "syscalls", false, &rules, e);
	if (r < 0)
		return -1;
	for (size_t i = 0; r > 0 && i < json_array_size(rules); i++)
		if (add_syscall_rule(ctx, json_array_get(rules, i), i, def_action, e) < 0)
			return -1;
	return export_bpf(ctx, f, e);
}

static struct seccomp_filter *seccomp_build_doc(json_t *o, struct err *e)
{
	uint32_t def_errno = EPERM, def_action;
	_cleanup_free_ char *listener = NULL;
	if (json_get_u32(o, "", "defaultErrnoRet", false, &def_errno, e) < 0 ||
	    parse_action(o, "", "defaultAction", "defaultErrnoRet", EPERM, true, &def_action, e) < 0 ||
	    json_get_string(o, "", "listenerPath", false, &listener, e) < 0)
		return NULL;
	if (listener && *listener) {
		err_set(e, ERR_UNSUPPORTED, "listenerPath: seccomp notify is not supported yet");
		return NULL;
	}
	scmp_filter_ctx ctx = seccomp_init(def_action);
	if (!ctx) {
		err_set(e, ERR_INVALID, "cannot create a filter with defaultAction");
		return NULL;
	}
	struct seccomp_filter *f = xnew(struct seccomp_filter, 1);
	int r = fill(ctx, o, def_action, f, e);
	seccomp_release(ctx);
	if (r < 0) {
		seccomp_filter_free(f);
		return NULL;
	}
	return f;
}

int seccomp_filter_load(const struct seccomp_filter *f, struct err *e)
{
	struct sock_fprog prog = {.len = (unsigned short)f->len, .filter = f->prog};
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, f->flags, &prog) < 0)
		return err_sys(e, errno, "load the seccomp filter");
	return 0;
}

void seccomp_filter_free(struct seccomp_filter *f)
{
	if (!f)
		return;
	free(f->prog);
	free(f);
}

void seccomp_names(void (*fn)(const char *kind, const char *name, void *data), void *data)
{
	for (size_t i = 0; i < ARRAY_SIZE(actions); i++)
		fn("actions", actions[i].name, data);
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		fn("operators", ops[i].name, data);
	for (size_t i = 0; i < ARRAY_SIZE(arches); i++)
		fn("archs", arches[i].name, data);
	static const char *const flags[] = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
					    "SECCOMP_FILTER_FLAG_TSYNC"};
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
		fn("knownFlags", flags[i], data);
		fn("supportedFlags", flags[i], data);
	}
}
