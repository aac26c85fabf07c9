/* logfile.c: see logfile.h. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "base/time-util.h"
#include "base/util.h"
#include "monitor/logfile.h"

static const char *const driver_names[] = {"none", "json-file", "k8s-file"};

int log_driver_parse(const char *s, enum log_driver *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(driver_names); i++)
		if (streq(s, driver_names[i])) {
			*ret = (enum log_driver)i;
			return 0;
		}
	return -EINVAL;
}

const char *log_driver_name(enum log_driver d)
{
	return (size_t)d < ARRAY_SIZE(driver_names) ? driver_names[d] : "unknown";
}

void log_writer_init(struct log_writer *w, enum log_driver d, int fd)
{
	w->driver = d;
	w->fd = fd;
	w->len[0] = w->len[1] = 0;
}

size_t log_record_max(size_t len)
{
	/* JSON escapes take at most 6 bytes per input byte (\u00XX). */
	return len * 6 + 128 + RFC3339_MAX;
}

static char *put(char *o, const char *s)
{
	size_t n = strlen(s);
	memcpy(o, s, n);
	return o + n;
}

static char *json_escape(char *o, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': o = put(o, "\\\""); break;
		case '\\': o = put(o, "\\\\"); break;
		case '\n': o = put(o, "\\n"); break;
		case '\r': o = put(o, "\\r"); break;
		case '\t': o = put(o, "\\t"); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				o = put(o, "\\u00");
				*o++ = hex[c >> 4];
				*o++ = hex[c & 15];
			} else {
				/* Bytes >= 0x80 are copied: output that is not
				 * UTF-8 stays as the program wrote it. */
				*o++ = (char)c;
			}
		}
	}
	return o;
}

size_t log_record_format(enum log_driver d, enum log_stream s, const char *data, size_t len,
			 bool partial, const struct timespec *now, char *out)
{
	char ts[RFC3339_MAX];
	time_format_rfc3339(now, ts);
	const char *stream = s == LOG_STDERR ? "stderr" : "stdout";
	char *o = out;
	if (d == LOG_K8S_FILE) {
		o = put(o, ts);
		*o++ = ' ';
		o = put(o, stream);
		o = put(o, partial ? " P " : " F ");
		/* The record ends at its newline: a newline inside cannot be,
		 * and the one that ends the line is the record's own. */
		if (len && data[len - 1] == '\n')
			len--;
		memcpy(o, data, len);
		o += len;
		*o++ = '\n';
	} else {
		o = put(o, "{\"log\":\"");
		o = json_escape(o, data, len);
		o = put(o, "\",\"stream\":\"");
		o = put(o, stream);
		o = put(o, "\",\"time\":\"");
		o = put(o, ts);
		o = put(o, "\"}\n");
	}
	return (size_t)(o - out);
}

static int emit(struct log_writer *w, enum log_stream s, const char *data, size_t len,
		bool partial, const struct timespec *now)
{
	if (w->driver == LOG_NONE || w->fd < 0 || len == 0)
		return 0;
	char out[LOG_LINE_MAX * 6 + 256];
	size_t n = log_record_format(w->driver, s, data, len, partial, now, out);
	return write_all(w->fd, out, n);
}

int log_writer_add(struct log_writer *w, enum log_stream s, const char *data, size_t len,
		   const struct timespec *now)
{
	int r = 0;
	char *buf = w->buf[s];
	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		size_t take = nl ? (size_t)(nl - data) + 1 : len;
		size_t room = LOG_LINE_MAX - w->len[s];
		bool complete = nl != NULL;
		if (take > room) {
			take = room;
			complete = false;
		}
		if (w->len[s] == 0 && complete) {
			/* A whole line: no copy. */
			int k = emit(w, s, data, take, false, now);
			r = r ? r : k;
		} else {
			memcpy(buf + w->len[s], data, take);
			w->len[s] += take;
			if (complete || w->len[s] == LOG_LINE_MAX) {
				int k = emit(w, s, buf, w->len[s], !complete, now);
				r = r ? r : k;
				w->len[s] = 0;
			}
		}
		data += take;
		len -= take;
	}
	return r;
}

int log_writer_flush(struct log_writer *w, enum log_stream s, const struct timespec *now)
{
	int r = emit(w, s, w->buf[s], w->len[s], true, now);
	w->len[s] = 0;
	return r;
}
