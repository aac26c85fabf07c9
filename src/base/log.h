/* log.h: the process-wide diagnostic log.
 *
 * Owned by the program's main(): it names the program, opens the optional
 * log file (--log) in text or JSON-lines format (--log-format; engines such
 * as conmon and containerd read the last "error" line) and sets the level
 * (--debug).  Errors and warnings always reach stderr; debug messages only
 * with --debug.  Everything at or above the level also goes to the log file
 * when one is open.  Library code uses log_debug/log_warn for diagnostics;
 * it reports failures through struct err, never through the log. */
#pragma once

#include "err.h"

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };
enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

void log_init(const char *progname);
const char *log_progname(void);
int log_open_file(const char *path, enum log_format format, struct err *e);
void log_set_level(enum log_level level);
bool log_debug_enabled(void);
/* Move the log file's descriptor to min or above (out of a range of
 * descriptors a container inherits); -errno on failure. */
int log_move_fd_above(int min);
/* Close the log file (the child of a fork that must not keep it). */
void log_close_file(void);
void log_msg(enum log_level level, const char *fmt, ...) _printf_(2, 3);

/* With --debug: "timing <what> <monotonic ms>", so a run's phases can be
 * measured (bench/breakdown.sh). */
void log_timing(const char *what);

#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)                                                       \
	do {                                                                 \
		if (log_debug_enabled())                                     \
			log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__);               \
	} while (0)
