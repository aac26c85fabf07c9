/* spec-internal.h: spec-gen's parts (not for front ends). */
#pragma once

#include <jansson.h>

#include "engine/spec-gen.h"

/* Mounts, /etc files, init, ulimits, devices, sysctls, seccomp: see
 * spec-mounts.c. */
int spec_add_extras(json_t *doc, const struct spec_run_opts *o, struct err *e);
