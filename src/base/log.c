/* log.c: see log.h. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "fd-util.h"
#include "log.h"
#include "strbuf.h"
#include "time-util.h"

static const char *progname = "berth";
static int log_fd = -1;
static enum log_format log_format = LOG_FORMAT_TEXT;
static enum log_level log_level = LOG_LEVEL_WARN;

static const char *const level_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARN] = "warning",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

void log_init(const char *name) { progname = name; }
const char *log_progname(void) { return progname; }
void log_set_level(enum log_level level) { log_level = level; }
bool log_debug_enabled(void) { return log_level >= LOG_LEVEL_DEBUG; }

int log_open_file(const char *path, enum log_format format, struct err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0640);
	if (fd < 0)
		return err_sys(e, errno, "open log file \"%s\"", path);
	log_close_file();
	log_fd = fd;
	log_format = format;
	return 0;
}

int log_move_fd_above(int min)
{
	if (log_fd < 0 || log_fd >= min)
		return 0;
	int r = fd_move_above(log_fd, min);
	if (r < 0)
		return r;
	log_fd = r;
	return 0;
}

void log_close_file(void)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
}

static void write_file_line(enum log_level level, const char *msg)
{
	char ts[RFC3339_MAX];
	time_now_rfc3339(ts);
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	if (log_format == LOG_FORMAT_JSON) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "level", level_names[level], "msg", msg,
				      "time", ts);
		char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		json_decref(o);
		if (!s)
			return;
		strbuf_addstr(&sb, s);
		free(s);
		strbuf_addch(&sb, '\n');
	} else {
		strbuf_addf(&sb, "%s %s: %s\n", ts, level_names[level], msg);
	}
	(void)write_all(log_fd, sb.buf, sb.len);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level > log_level)
		return;
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *msg = xvasprintf(fmt, ap);
	va_end(ap);

	if (log_fd >= 0)
		write_file_line(level, msg);
	/* Errors and warnings always reach the terminal; debug output goes to the
	 * log file alone when there is one. */
	if (log_fd < 0 || level <= LOG_LEVEL_WARN) {
		_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
		if (level == LOG_LEVEL_ERROR)
			strbuf_addf(&sb, "%s: %s\n", progname, msg);
		else
			strbuf_addf(&sb, "%s: %s: %s\n", progname, level_names[level], msg);
		(void)write_all(STDERR_FILENO, sb.buf, sb.len);
	}
	errno = saved;
}

void log_timing(const char *what)
{
	if (log_debug_enabled())
		log_msg(LOG_LEVEL_DEBUG, "timing %s %.3f", what, (double)time_mono_ns() / 1e6);
}
