/* path-util.h: lexical path helpers and resolution inside a root.
 *
 * Every path that lives inside a container root is resolved with
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) against a descriptor of
 * that root: "..", absolute symlinks and symlinks pointing "outside" are all
 * clamped to the root by the kernel, and /proc magic links (the way out of a
 * root through /proc/self/root, /proc/self/fd/N, /proc/self/exe) are refused.
 * Objects are created component by component below descriptors obtained
 * that way, so nothing is ever created outside the root either. */
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include "err.h"

/* Clean a path lexically: collapse "//", drop ".", resolve ".." (never above
 * the start of an absolute path).  Returns a new string; "" becomes ".". */
char *path_clean(const char *path);
/* Join a and b with one slash (b may start with a slash). */
char *path_join(const char *a, const char *b);
/* True when the path, once cleaned, has no ".." component. */
bool path_is_safe_relative(const char *path);

/* openat2 wrapper: returns a descriptor or -errno. */
int path_openat2(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve);
/* Open path inside root (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS).
 * Returns a descriptor or -errno (no err: callers often tolerate ENOENT). */
int path_open_in_root(int rootfd, const char *path, int flags);

enum path_create_kind { PATH_CREATE_DIR, PATH_CREATE_FILE };
/* Make sure path exists inside root, creating missing directories (mode
 * 0755) and, for PATH_CREATE_FILE, an empty regular file as the last
 * component.  Returns an O_PATH descriptor of the object, or -1 with e set. */
int path_create_in_root(int rootfd, const char *path, enum path_create_kind kind, mode_t mode,
			struct err *e);
/* Open the parent directory of path inside root (created if missing) and
 * return its descriptor; *ret_name points into path at the last component.
 * The last component is never ".", ".." or empty. */
int path_open_parent_in_root(int rootfd, const char *path, bool create, const char **ret_name,
			     struct err *e);
