/* cgroup-bpf.c: the device allow/deny list on cgroup v2, as a
 * BPF_PROG_TYPE_CGROUP_DEVICE program (v2 has no devices controller).
 *
 * The program reads the device type, access, major and minor from its
 * context and tests the rules from last to first: the first rule that
 * matches decides (so a later rule overrides an earlier one, as on v1).
 * An allow rule matches when every requested access is allowed by it, a
 * deny rule when any requested access is denied by it.  No match: allow,
 * the state of a cgroup without rules. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/cgroup-internal.h"

#define MAX_INSNS 65536

struct prog {
	struct bpf_insn *insns;
	size_t n, alloc;
};

static void emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	if (p->n == p->alloc) {
		p->alloc = p->alloc ? p->alloc * 2 : 64;
		p->insns = xreallocarray(p->insns, p->alloc, sizeof(*p->insns));
	}
	p->insns[p->n++] = (struct bpf_insn){
		.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}

enum { R0, R1, R2, R3, R4, R5 };

static uint32_t access_bits(const char *acc)
{
	uint32_t b = 0;
	for (; *acc; acc++)
		b |= *acc == 'm' ? BPF_DEVCG_ACC_MKNOD : *acc == 'r' ? BPF_DEVCG_ACC_READ
								    : BPF_DEVCG_ACC_WRITE;
	return b;
}

static const uint32_t all_access = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;

static int compile(const struct oci_dev_rule *rules, size_t n, struct prog *p, struct err *e)
{
	/* r2 = type, r3 = access, r4 = major, r5 = minor */
	emit(p, BPF_LDX | BPF_MEM | BPF_W, R2, R1, 0, 0);
	emit(p, BPF_ALU | BPF_AND | BPF_K, R2, 0, 0, 0xffff);
	emit(p, BPF_LDX | BPF_MEM | BPF_W, R3, R1, 0, 0);
	emit(p, BPF_ALU | BPF_RSH | BPF_K, R3, 0, 0, 16);
	emit(p, BPF_LDX | BPF_MEM | BPF_W, R4, R1, 4, 0);
	emit(p, BPF_LDX | BPF_MEM | BPF_W, R5, R1, 8, 0);
	for (size_t k = n; k-- > 0;) {
		const struct oci_dev_rule *d = &rules[k];
		size_t start = p->n;
		uint32_t acc = access_bits(d->access);
		/* Conditional jumps to the end of this block, patched below. */
		size_t jumps[4];
		size_t nj = 0;
		if (d->type != 'a') {
			jumps[nj++] = p->n;
			emit(p, BPF_JMP | BPF_JNE | BPF_K, R2, 0, 0,
			     d->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
		}
		if (acc != all_access) {
			emit(p, BPF_ALU64 | BPF_MOV | BPF_X, R1, R3, 0, 0);
			if (d->allow) {
				emit(p, BPF_ALU | BPF_AND | BPF_K, R1, 0, 0, (int32_t)(~acc & all_access));
				jumps[nj++] = p->n;
				emit(p, BPF_JMP | BPF_JNE | BPF_K, R1, 0, 0, 0);
			} else {
				emit(p, BPF_ALU | BPF_AND | BPF_K, R1, 0, 0, (int32_t)acc);
				jumps[nj++] = p->n;
				emit(p, BPF_JMP | BPF_JEQ | BPF_K, R1, 0, 0, 0);
			}
		}
		if (d->major >= 0) {
			jumps[nj++] = p->n;
			emit(p, BPF_JMP | BPF_JNE | BPF_K, R4, 0, 0, (int32_t)d->major);
		}
		if (d->minor >= 0) {
			jumps[nj++] = p->n;
			emit(p, BPF_JMP | BPF_JNE | BPF_K, R5, 0, 0, (int32_t)d->minor);
		}
		emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, d->allow ? 1 : 0);
		emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		for (size_t j = 0; j < nj; j++)
			p->insns[jumps[j]].off = (int16_t)(p->n - jumps[j] - 1);
		if (p->n - start > 32 || p->n > MAX_INSNS)
			return err_set(e, ERR_INVALID, "linux.resources.devices: too many rules");
		/* A rule without conditions decides everything: the earlier ones
		 * are unreachable, and the verifier refuses unreachable code. */
		if (nj == 0)
			return 0;
	}
	emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 1);
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return 0;
}

static long sys_bpf(int cmd, union bpf_attr *a) { return syscall(SYS_bpf, cmd, a, sizeof(*a)); }

int cgroup_bpf_devices(const char *dir, const struct oci_dev_rule *rules, size_t n, struct err *e)
{
	struct prog p = {0};
	if (compile(rules, n, &p, e) < 0) {
		free(p.insns);
		return -1;
	}
	union bpf_attr load = {0};
	load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	load.insns = (uint64_t)(uintptr_t)p.insns;
	load.insn_cnt = (uint32_t)p.n;
	load.license = (uint64_t)(uintptr_t) "Apache";
	_cleanup_close_ int prog = (int)sys_bpf(BPF_PROG_LOAD, &load);
	if (prog < 0) {
		/* Load it again with the verifier's log, to say why. */
		char log[16384] = "";
		load.log_buf = (uint64_t)(uintptr_t)log;
		load.log_size = sizeof(log);
		load.log_level = 1;
		int saved = errno;
		if (sys_bpf(BPF_PROG_LOAD, &load) >= 0)
			log[0] = '\0';
		free(p.insns);
		/* The last line before the summary says what went wrong. */
		char *why = log, *line;
		for (char *save = NULL, *l = strtok_r(log, "\n", &save); l;
		     l = strtok_r(NULL, "\n", &save))
			if (!startswith(l, "processed ") && (line = l))
				why = line;
		return err_sys(e, saved, "linux.resources.devices: load the BPF device filter%s%s%s",
			       *why ? " (" : "", why, *why ? ")" : "");
	}
	free(p.insns);
	_cleanup_close_ int cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0)
		return err_sys(e, errno, "open cgroup \"%s\"", dir);

	/* The programs attached before (an update replaces them). */
	uint32_t ids[64];
	union bpf_attr q = {0};
	q.query.target_fd = (uint32_t)cg;
	q.query.attach_type = BPF_CGROUP_DEVICE;
	q.query.prog_ids = (uint64_t)(uintptr_t)ids;
	q.query.prog_cnt = ARRAY_SIZE(ids);
	uint32_t n_old = sys_bpf(BPF_PROG_QUERY, &q) == 0 ? q.query.prog_cnt : 0;

	union bpf_attr at = {0};
	at.target_fd = (uint32_t)cg;
	at.attach_bpf_fd = (uint32_t)prog;
	at.attach_type = BPF_CGROUP_DEVICE;
	at.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &at) < 0)
		return err_sys(e, errno, "linux.resources.devices: attach the BPF device filter");
	for (uint32_t i = 0; i < n_old && i < ARRAY_SIZE(ids); i++) {
		union bpf_attr g = {0};
		g.prog_id = ids[i];
		_cleanup_close_ int old = (int)sys_bpf(BPF_PROG_GET_FD_BY_ID, &g);
		if (old < 0)
			continue;
		union bpf_attr d = {0};
		d.target_fd = (uint32_t)cg;
		d.attach_bpf_fd = (uint32_t)old;
		d.attach_type = BPF_CGROUP_DEVICE;
		(void)sys_bpf(BPF_PROG_DETACH, &d);
	}
	return 0;
}
