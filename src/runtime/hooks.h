/* hooks.h: running OCI hooks.
 *
 * A hook is executed with its own args and env (an empty environment when
 * none is given), the container state JSON on stdin, and its stdout and
 * stderr captured: on failure the tail of what it printed is part of the
 * error.  A hook with a timeout is killed when it runs past it.  Hooks of
 * one kind run in order and the first failure stops the list; whether a
 * failure is fatal is the caller's decision (the spec makes poststart and
 * poststop failures warnings). */
#pragma once

#include "base/err.h"
#include "oci/config.h"

/* Run the hooks of one kind in order and stop at the first failure. */
int hooks_run(const struct oci_hook_list *l, enum oci_hook_kind kind, const char *state_json,
	      struct err *e);
/* Like hooks_run, with prepare(data) called in each hook's process just
 * before its execve (startContainer hooks take the container's final
 * credentials and seccomp filter there); a failing prepare fails the hook. */
int hooks_run_prepared(const struct oci_hook_list *l, enum oci_hook_kind kind,
		       const char *state_json, int (*prepare)(void *data), void *data,
		       struct err *e);
/* Run all of them even when some fail (poststart, poststop: the spec
 * makes a failure a warning and the remaining hooks still run); e then
 * holds every failure, separated by "; ". */
int hooks_run_all(const struct oci_hook_list *l, enum oci_hook_kind kind,
		  const char *state_json, struct err *e);
