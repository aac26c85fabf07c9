/* netns.h: a container's network namespace, made before it starts.
 *
 * The engine sets up a container's interfaces before its process runs,
 * so the namespace is made first, in the calling thread (unshare, then
 * back), kept alive by a bind mount of it on a file (the runtime joins it
 * by that path, as config.json says), and removed when the container
 * stops.  The calling thread's own namespace is unchanged on return. */
#pragma once

#include "base/err.h"

/* Make a new network namespace bound at path (a leftover there is
 * replaced); its loopback is up.  Returns an O_RDONLY descriptor of it or
 * -1. */
int netns_create(const char *path, struct err *e);
/* Unbind and delete path; a missing one is no error. */
int netns_remove(const char *path, struct err *e);
/* Move the calling thread into the namespace of fd; *saved gets a
 * descriptor of the one it was in, for netns_leave. */
int netns_enter(int fd, int *saved, struct err *e);
/* Back into saved (closed).  Failing to come back is fatal: the thread
 * would go on in a container's namespace. */
void netns_leave(int saved);
