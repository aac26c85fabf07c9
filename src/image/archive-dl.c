/* archive-dl.c: libarchive, loaded when a tar is first read or written.
 *
 * libarchive brings libxml2, ICU and the C++ runtime with it, a few
 * milliseconds at every start of berth that most commands (run, ps,
 * stop...) never need.  So berth is not linked with it: these definitions
 * of the functions Berth calls open libarchive.so.13 on first use and
 * forward to it.  Without the library nothing of a tar can be done: the
 * command stops with a clear error. */
#include <archive.h>
#include <archive_entry.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/dl.h"
#include "base/log.h"

/* The functions: return type, name, parameters, arguments. */
#define ARCHIVE_FUNCS(X) \
	X(time_t, archive_entry_atime, (struct archive_entry *p0), (p0)) \
	X(int, archive_entry_atime_is_set, (struct archive_entry *p0), (p0)) \
	X(long, archive_entry_atime_nsec, (struct archive_entry *p0), (p0)) \
	X(mode_t, archive_entry_filetype, (struct archive_entry *p0), (p0)) \
	X(void, archive_entry_free, (struct archive_entry *p0), (p0)) \
	X(la_int64_t, archive_entry_gid, (struct archive_entry *p0), (p0)) \
	X(const char *, archive_entry_hardlink, (struct archive_entry *p0), (p0)) \
	X(const char *, archive_entry_hardlink_utf8, (struct archive_entry *p0), (p0)) \
	X(time_t, archive_entry_mtime, (struct archive_entry *p0), (p0)) \
	X(int, archive_entry_mtime_is_set, (struct archive_entry *p0), (p0)) \
	X(long, archive_entry_mtime_nsec, (struct archive_entry *p0), (p0)) \
	X(struct archive_entry *, archive_entry_new, (void), ()) \
	X(const char *, archive_entry_pathname, (struct archive_entry *p0), (p0)) \
	X(const char *, archive_entry_pathname_utf8, (struct archive_entry *p0), (p0)) \
	X(mode_t, archive_entry_perm, (struct archive_entry *p0), (p0)) \
	X(dev_t, archive_entry_rdevmajor, (struct archive_entry *p0), (p0)) \
	X(dev_t, archive_entry_rdevminor, (struct archive_entry *p0), (p0)) \
	X(void, archive_entry_set_filetype, (struct archive_entry *p0, unsigned int p1), (p0, p1)) \
	X(void, archive_entry_set_gid, (struct archive_entry *p0, la_int64_t p1), (p0, p1)) \
	X(void, archive_entry_set_mtime, (struct archive_entry *p0, time_t p1, long p2), (p0, p1, p2)) \
	X(void, archive_entry_set_pathname, (struct archive_entry *p0, const char *p1), (p0, p1)) \
	X(void, archive_entry_set_perm, (struct archive_entry *p0, mode_t p1), (p0, p1)) \
	X(void, archive_entry_set_size, (struct archive_entry *p0, la_int64_t p1), (p0, p1)) \
	X(void, archive_entry_set_uid, (struct archive_entry *p0, la_int64_t p1), (p0, p1)) \
	X(la_int64_t, archive_entry_size, (struct archive_entry *p0), (p0)) \
	X(int, archive_entry_size_is_set, (struct archive_entry *p0), (p0)) \
	X(int, archive_entry_sparse_count, (struct archive_entry *p0), (p0)) \
	X(const char *, archive_entry_symlink, (struct archive_entry *p0), (p0)) \
	X(const char *, archive_entry_symlink_utf8, (struct archive_entry *p0), (p0)) \
	X(la_int64_t, archive_entry_uid, (struct archive_entry *p0), (p0)) \
	X(int, archive_entry_xattr_next, (struct archive_entry *p0, const char **p1, const void **p2, size_t *p3), (p0, p1, p2, p3)) \
	X(int, archive_entry_xattr_reset, (struct archive_entry *p0), (p0)) \
	X(int, archive_errno, (struct archive *p0), (p0)) \
	X(const char *, archive_error_string, (struct archive *p0), (p0)) \
	X(la_int64_t, archive_filter_bytes, (struct archive *p0, int p1), (p0, p1)) \
	X(la_ssize_t, archive_read_data, (struct archive *p0, void *p1, size_t p2), (p0, p1, p2)) \
	X(int, archive_read_data_block, (struct archive *p0, const void **p1, size_t *p2, la_int64_t *p3), (p0, p1, p2, p3)) \
	X(int, archive_read_free, (struct archive *p0), (p0)) \
	X(struct archive *, archive_read_new, (void), ()) \
	X(int, archive_read_next_header, (struct archive *p0, struct archive_entry **p1), (p0, p1)) \
	X(int, archive_read_open, (struct archive *p0, void *p1, archive_open_callback *p2, archive_read_callback *p3, archive_close_callback *p4), (p0, p1, p2, p3, p4)) \
	X(int, archive_read_open_fd, (struct archive *p0, int p1, size_t p2), (p0, p1, p2)) \
	X(int, archive_read_support_filter_gzip, (struct archive *p0), (p0)) \
	X(int, archive_read_support_filter_none, (struct archive *p0), (p0)) \
	X(int, archive_read_support_filter_zstd, (struct archive *p0), (p0)) \
	X(int, archive_read_support_format_empty, (struct archive *p0), (p0)) \
	X(int, archive_read_support_format_raw, (struct archive *p0), (p0)) \
	X(int, archive_read_support_format_tar, (struct archive *p0), (p0)) \
	X(int, archive_write_close, (struct archive *p0), (p0)) \
	X(la_ssize_t, archive_write_data, (struct archive *p0, const void *p1, size_t p2), (p0, p1, p2)) \
	X(int, archive_write_free, (struct archive *p0), (p0)) \
	X(int, archive_write_header, (struct archive *p0, struct archive_entry *p1), (p0, p1)) \
	X(struct archive *, archive_write_new, (void), ()) \
	X(int, archive_write_open_fd, (struct archive *p0, int p1), (p0, p1)) \
	X(int, archive_write_set_format_pax_restricted, (struct archive *p0), (p0))

#define FIELD(ret, name, params, args) ret(*name) params;
static struct {
	ARCHIVE_FUNCS(FIELD)
	void (*archive_set_error)(struct archive *, int, const char *, ...);
} al;

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	_cleanup_err_ struct err e = ERR_INIT;
	void *lib = dl_open("libarchive.so.13", &e);
	if (!lib) {
		log_error("%s%s", err_msg(&e), dl_available ? " (apt-get install libarchive13)" : "");
		exit(125);
	}
#define RESOLVE(ret, name, params, args)                                                         \
	if (!(*(void **)&al.name = dl_sym(lib, #name))) {                                         \
		log_error("libarchive.so.13 lacks %s", #name);                                     \
		exit(125);                                                                       \
	}
	ARCHIVE_FUNCS(RESOLVE)
	if (!(*(void **)&al.archive_set_error = dl_sym(lib, "archive_set_error"))) {
		log_error("libarchive.so.13 lacks archive_set_error");
		exit(125);
	}
}

#define DEFINE(ret, name, params, args)                                                          \
	ret(name) params                                                                         \
	{                                                                                        \
		pthread_once(&once, load);                                                       \
		return al.name args;                                                             \
	}
ARCHIVE_FUNCS(DEFINE)

void(archive_set_error)(struct archive *a, int err, const char *fmt, ...)
{
	pthread_once(&once, load);
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	al.archive_set_error(a, err, "%s", msg);
}
