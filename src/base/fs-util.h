/* fs-util.h: whole-file reads and writes, directories, recursive removal.
 *
 * Reads take a maximum size.  write_file_atomic_at() writes a temporary
 * file beside the target and renames it over, so readers see the old or the
 * new content, never a mix.  rm_rf_at() never crosses into another mount or
 * follows a symlink, so a leftover bind mount cannot make it delete the host. */
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include "err.h"

int read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len,
		 struct err *e);
/* read_file_at for a regular file of ours, written whole (atomically):
 * a read shorter than asked for is its end, so a small file costs one
 * read(2), not two (what `berth ps` does for every container). */
int read_record_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len,
		   struct err *e);
/* Open (no create, no truncate) and write the whole buffer: for /proc and
 * cgroup files.  Returns 0 or -1 with e set. */
int write_file_at(int dirfd, const char *path, const char *data, struct err *e);
enum write_atomic_flags { WRITE_ATOMIC_SYNC = 1 << 0 };
int write_file_atomic_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
			 enum write_atomic_flags flags, struct err *e);
int mkdir_p(const char *path, mode_t mode, struct err *e);
/* Remove name under dirfd and everything below it, staying on its device. */
int rm_rf_at(int dirfd, const char *name, struct err *e);
/* Copy what directory srcfd holds into directory dstfd: files, links,
 * directories, devices and fifos, with their owners, modes and times;
 * nothing below srcfd is followed.  Existing directories are merged; an
 * existing file is an error. */
int copy_tree_at(int srcfd, int dstfd, struct err *e);
