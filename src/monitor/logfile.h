/* logfile.h: a container's log as docker's json-file and podman's k8s-file
 * drivers write it.
 *
 * json-file: one JSON object per line,
 *   {"log":"hello\n","stream":"stdout","time":"2026-11-22T19:00:00.123456789Z"}
 * k8s-file (CRI format): one line per record,
 *   2026-11-22T19:00:00.123456789Z stdout F hello
 * A record is one line of output ("\n" included in json-file); a line
 * longer than LOG_LINE_MAX is cut into records without the newline
 * (k8s-file marks them P, partial, and the last one F). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define LOG_LINE_MAX 16384

enum log_driver { LOG_NONE, LOG_JSON_FILE, LOG_K8S_FILE };

enum log_stream { LOG_STDOUT, LOG_STDERR };

struct log_writer {
	enum log_driver driver;
	int fd; /* the log file, O_APPEND; -1 for none */
	char buf[2][LOG_LINE_MAX];
	size_t len[2];
};

/* "json-file", "k8s-file", "none" (and docker's "journald"... refused). */
int log_driver_parse(const char *s, enum log_driver *ret);
const char *log_driver_name(enum log_driver d);

void log_writer_init(struct log_writer *w, enum log_driver d, int fd);
/* Add output of a stream; complete lines are written at once.  Returns 0
 * or -errno from write (the output is dropped, never blocks the
 * container). */
int log_writer_add(struct log_writer *w, enum log_stream s, const char *data, size_t len,
		   const struct timespec *now);
/* Write what is left of a line (at the end of the output). */
int log_writer_flush(struct log_writer *w, enum log_stream s, const struct timespec *now);

/* Format one record into out (at least log_record_max(len) bytes);
 * returns its length.  Exposed for the tests and for `berth logs`. */
size_t log_record_max(size_t len);
size_t log_record_format(enum log_driver d, enum log_stream s, const char *data, size_t len,
			 bool partial, const struct timespec *now, char *out);
