/* userns.c: see userns.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/strbuf.h"
#include "runtime/userns.h"

static int write_map(pid_t pid, const char *file, const struct oci_id_mapping *m, size_t n,
		     struct err *e)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&sb, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	if (write_file_at(AT_FDCWD, path, sb.buf, e) < 0)
		return err_wrap(e, "user namespace: write %s", file);
	return 0;
}

int userns_write_maps(pid_t pid, const struct oci_linux *l, struct err *e)
{
	if (geteuid() != 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
		if (write_file_at(AT_FDCWD, path, "deny", e) < 0)
			return err_wrap(e, "user namespace");
	}
	if (write_map(pid, "uid_map", l->uid_mappings, l->n_uid_mappings, e) < 0 ||
	    write_map(pid, "gid_map", l->gid_mappings, l->n_gid_mappings, e) < 0)
		return -1;
	return 0;
}
