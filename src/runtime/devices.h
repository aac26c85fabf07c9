/* devices.h: device nodes and the standard /dev links inside the root.
 *
 * The default devices of the runtime-spec (null, zero, full, random,
 * urandom, tty) plus linux.devices are created with mknod; in a user
 * namespace, where mknod is not allowed, the host's node is bind-mounted
 * onto an empty file instead.  A node that already exists is kept when it
 * is the requested device and is an error otherwise. */
#pragma once

#include "base/err.h"
#include "oci/config.h"

int devices_create(int rootfd, const struct oci_linux *l, bool userns, struct err *e);
/* /dev/fd, /dev/std{in,out,err}, /dev/ptmx (when /dev/pts is mounted), /dev/core. */
int devices_links(int rootfd, bool have_pts, struct err *e);
