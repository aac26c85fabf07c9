/* volume-plugin.h: Docker's volume plugin protocol (a client).
 *
 * A volume driver that is neither `local` nor `sshfs` is a plugin: a
 * program answering HTTP on a unix socket, found as docker finds it
 * (/run/docker/plugins/NAME.sock, or /etc/docker/plugins and
 * /usr/lib/docker/plugins NAME.spec ("unix:///path") or NAME.json
 * ({"Addr": "unix:///path"})).  Requests are POSTs of JSON
 * (application/vnd.docker.plugins.v1.2+json): /Plugin.Activate (it must
 * implement VolumeDriver), /VolumeDriver.Create, Mount, Unmount, Remove.
 * The path Mount answers is bound on the volume's _data directory, so a
 * container binds that as for any volume.  Answers are bounded (1 MiB) and
 * a plugin that does not answer in 30 s is an error. */
#pragma once

#include <stdbool.h>

#include "base/err.h"
#include "engine/volume.h"

bool plugin_exists(const char *driver);
/* /VolumeDriver.Create with the volume's options (pairs). */
int plugin_create(const char *driver, const char *name, char **opts, struct err *e);
/* /VolumeDriver.Mount, and its mount point bound on v->mountpoint. */
int plugin_mount(const struct volume *v, struct err *e);
/* /VolumeDriver.Unmount (after _data was unmounted). */
void plugin_unmount(const struct volume *v);
int plugin_remove(const struct volume *v, struct err *e);
