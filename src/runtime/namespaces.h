/* namespaces.h: which namespaces a container creates and which it joins.
 *
 * ns_plan_prepare() opens every namespace path of linux.namespaces (so a
 * bad path fails before anything is created) and checks that each file is
 * a namespace of the type it is listed as.  The plan then says which
 * CLONE_NEW* flags the container init is cloned with and which namespaces
 * are entered with setns() afterwards. */
#pragma once

#include "base/err.h"
#include "oci/config.h"

struct ns_plan {
	int join_fd[NS_COUNT]; /* -1: not joined */
	int clone_flags;       /* namespaces created by clone3() */
	bool new_ns[NS_COUNT];
};

int ns_plan_prepare(const struct oci_linux *l, struct ns_plan *p, struct err *e);
void ns_plan_release(struct ns_plan *p);
int ns_enter(int fd, enum ns_type t, struct err *e);
