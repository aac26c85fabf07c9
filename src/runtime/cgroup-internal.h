/* cgroup-internal.h: what cgroup.c shares with its v1 and v2 backends.
 * Not for use outside src/runtime/cgroup*.c. */
#pragma once

#include <jansson.h>

#include "oci/config.h"
#include "oci/resources.h"
#include "runtime/cgroup.h"

/* The directory of path in the hierarchy holding `controller` (v1), or in
 * the unified hierarchy (v2, controller ignored).  NULL when the host has
 * no such hierarchy. */
char *cgroup_ctrl_dir(const struct cgroup_host *host, const char *controller, const char *path);
/* Write val to dir/file; errors name the file. */
int cg_write(const char *dir, const char *file, const char *val, struct err *e);
int cg_writef(const char *dir, const char *file, struct err *e, const char *fmt, ...)
	_printf_(4, 5);
/* Read dir/file (small) into *ret, trailing newline removed. */
int cg_read(const char *dir, const char *file, char **ret, struct err *e);
bool cg_exists(const char *dir, const char *file);

/* The device rules to enforce: the config's, then the devices every
 * container needs (null, zero, full, random, urandom, tty, console, ptmx,
 * the pts) and the ones config.json creates, as runc does.  Evaluated like
 * the v1 devices controller: later rules override earlier ones, and a
 * device no rule speaks of is allowed. */
struct oci_dev_rule *cgroup_device_rules(const struct oci_resources *r,
					 const struct oci_linux *lx, size_t *ret_n);

int cgroup_v1_apply(const struct cgroup_host *h, const char *path, const struct oci_resources *r,
		    const struct oci_linux *lx, struct err *e);
int cgroup_v2_apply(const struct cgroup_host *h, const char *path, const struct oci_resources *r,
		    const struct oci_linux *lx, struct err *e);
/* Make the v2 controllers available from the root down to path's parent. */
int cgroup_v2_delegate(const struct cgroup_host *h, const char *path, struct err *e);
/* Compile the rules into a BPF_PROG_TYPE_CGROUP_DEVICE program and attach
 * it to the cgroup directory, replacing the ones attached before. */
int cgroup_bpf_devices(const char *dir, const struct oci_dev_rule *rules, size_t n,
		       struct err *e);
/* Fill `data` with the runc-style stats object (cpu, memory, pids, ...). */
void cgroup_v1_stats(const struct cgroup_host *h, const char *path, json_t *data);
void cgroup_v2_stats(const struct cgroup_host *h, const char *path, json_t *data);
