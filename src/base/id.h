/* id.h: object identifiers (container ids and names). */
#pragma once

#include "err.h"

#define ID_MAX_LEN 1024

/* A container id for the runtime: 1..1024 characters of [A-Za-z0-9_+.-],
 * not starting with a dot, so it is always a safe single path component
 * and never one of the state root's own entries. */
bool id_is_valid(const char *id);
int id_check(const char *id, struct err *e);
