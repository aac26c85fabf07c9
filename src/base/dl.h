/* dl.h: shared libraries loaded on first use (libcrypto, libcurl,
 * libarchive).
 *
 * berth is linked statically where it can be: a static program starts
 * faster (nothing to map and relocate), which every `berth ps` and
 * `berth run` feels.  But a static program cannot load shared libraries,
 * and libcurl (TLS) and libarchive exist only as shared ones.  So the
 * build makes two programs of the same code: `berth` (static) and
 * `berth-full` (dynamic, next to it), and the few commands that talk to
 * registries or read and write archives re-execute themselves as
 * berth-full before they do anything (cmd/berth: cli_need_full).
 *
 * The loader functions live in the program, not in the libraries: dl.c
 * (dlopen) in berth-full, the tests and a berth built without `static`;
 * dl-none.c in the static berth, where dl_open fails with an error that
 * says so (reaching it is a bug: a command that should have re-executed
 * itself). */
#pragma once

#include <stdbool.h>

#include "err.h"

/* Whether this program can load shared libraries at all. */
extern const bool dl_available;

/* dlopen(soname, RTLD_NOW | RTLD_LOCAL), or NULL with e set. */
void *dl_open(const char *soname, struct err *e);
/* dlsym, or NULL. */
void *dl_sym(void *lib, const char *name);
