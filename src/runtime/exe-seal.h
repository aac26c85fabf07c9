/* exe-seal.h: run from a sealed, in-memory copy of our own binary.
 *
 * Until the container init execs the user's program, its /proc/<pid>/exe
 * is this runtime's binary.  A process in the container that gets hold of
 * it (by running /proc/self/exe through a shebang, or through
 * /proc/<init>/exe) could reopen it for writing once we exit and replace
 * the runtime on the host (CVE-2019-5736).  So before creating a container
 * the runtime re-executes itself from a memfd that is sealed against
 * writes: its "exe" is then that copy, which nothing can modify. */
#pragma once

#include "base/err.h"

/* Re-exec from a sealed copy unless already running from one or from a
 * read-only mount.  Returns only when already safe (0) or on failure (-1). */
int exe_seal_reexec(char **argv, struct err *e);

/* An O_PATH descriptor of path on a detached read-only (nosuid, nodev)
 * bind mount of it alone, to execveat(fd, "", ..., AT_EMPTY_PATH); or -1
 * (errno set) where mounts cannot be made (no CAP_SYS_ADMIN): then exec
 * the path and let exe_seal_reexec make its copy. */
int exe_seal_open(const char *path);
