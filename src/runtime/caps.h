/* caps.h: the process's capability sets (capabilities(7)).
 *
 * Applied in two steps around the change of user id: the bounding set is
 * cut while the init is still root (that needs CAP_SETPCAP), then after
 * setresuid the effective, permitted and inheritable sets are set with
 * capset and the ambient set raised.  Nothing is ever added to the
 * inheritable set that the config does not ask for. */
#pragma once

#include "base/err.h"
#include "oci/config.h"

/* Highest capability of the running kernel (/proc/sys/kernel/cap_last_cap). */
int caps_last_cap(void);
/* Drop from the bounding set every capability not in mask. */
int caps_set_bounding(uint64_t mask, struct err *e);
int caps_set(const struct oci_caps *c, struct err *e);
/* Capabilities named in c that the kernel does not have, removed from c. */
uint64_t caps_mask_unknown(struct oci_caps *c);
