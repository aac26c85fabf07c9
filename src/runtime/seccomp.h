/* seccomp.h: linux.seccomp through libseccomp.
 *
 * The filter is built by the parent from the config (so a bad profile is
 * an error before anything is created) and loaded by the container init as
 * the very last step before execve: after it, the init makes no system
 * call but execve itself, so a profile cannot break the runtime (runc's
 * post-load getcwd check did).  Loading needs no_new_privs or
 * CAP_SYS_ADMIN; the init keeps CAP_SYS_ADMIN in its effective set until
 * then when no_new_privs is off — harmless, since execve recomputes the
 * capability sets from the bounding, inheritable and ambient sets. */
#pragma once

#include "base/err.h"

struct seccomp_filter;

/* Build and compile the filter described by the linux.seccomp JSON object.
 * With cache_dir, a compiled program is kept there, keyed by the exact
 * profile text (stored beside it and compared on every hit), so the next
 * container with the same profile skips libseccomp's compilation, which
 * costs tens of milliseconds for a profile of a few hundred rules. */
struct seccomp_filter *seccomp_filter_build(const char *json, const char *cache_dir,
					    struct err *e);
/* Load it into the calling process: a single seccomp() call. */
int seccomp_filter_load(const struct seccomp_filter *f, struct err *e);
void seccomp_filter_free(struct seccomp_filter *f);
DEFINE_CLEANUP_FUNC(struct seccomp_filter *, seccomp_filter_free)
/* What this runtime's seccomp support knows (for `features`). */
void seccomp_names(void (*fn)(const char *kind, const char *name, void *data), void *data);
