/* test-logfile: container logs as json-file and k8s-file write them. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "monitor/logfile.h"
#include "sanitizer-options.h"
#include "tap.h"

/* What the writer wrote to a pipe. */
static char *drain(int fd)
{
	char *buf = NULL;
	size_t len;
	if (read_all_fd(fd, 1 << 20, &buf, &len) < 0)
		return strdup("");
	return buf;
}

int main(void)
{
	struct timespec ts = {.tv_sec = 1700000000, .tv_nsec = 123456789};
	char out[4096];
	size_t n = log_record_format(LOG_JSON_FILE, LOG_STDOUT, "a \"q\"\\\t\x01\n", 9, false, &ts,
				     out);
	out[n] = '\0';
	is_str(out,
	       "{\"log\":\"a \\\"q\\\"\\\\\\t\\u0001\\n\",\"stream\":\"stdout\","
	       "\"time\":\"2023-11-14T22:13:20.123456789Z\"}\n",
	       "json-file escapes quotes, backslashes, controls; keeps the newline");
	n = log_record_format(LOG_K8S_FILE, LOG_STDERR, "hello\n", 6, false, &ts, out);
	out[n] = '\0';
	is_str(out, "2023-11-14T22:13:20.123456789Z stderr F hello\n", "k8s-file: a full line");
	n = log_record_format(LOG_K8S_FILE, LOG_STDOUT, "part", 4, true, &ts, out);
	out[n] = '\0';
	is_str(out, "2023-11-14T22:13:20.123456789Z stdout P part\n", "k8s-file: a partial line");

	/* The writer: lines across reads, one record each; the rest at the end. */
	int p[2];
	if (pipe(p) < 0)
		return 1;
	struct log_writer *w = malloc(sizeof(*w));
	log_writer_init(w, LOG_K8S_FILE, p[1]);
	log_writer_add(w, LOG_STDOUT, "one\ntw", 6, &ts);
	log_writer_add(w, LOG_STDOUT, "o\nthr", 5, &ts);
	log_writer_add(w, LOG_STDERR, "err\n", 4, &ts);
	log_writer_flush(w, LOG_STDOUT, &ts);
	log_writer_flush(w, LOG_STDERR, &ts);
	close(p[1]);
	char *got = drain(p[0]);
	close(p[0]);
	is_str(got,
	       "2023-11-14T22:13:20.123456789Z stdout F one\n"
	       "2023-11-14T22:13:20.123456789Z stdout F two\n"
	       "2023-11-14T22:13:20.123456789Z stderr F err\n"
	       "2023-11-14T22:13:20.123456789Z stdout P thr\n",
	       "lines split across reads are joined; the last one is partial");
	free(got);

	/* A line longer than LOG_LINE_MAX is cut: partial records. */
	if (pipe(p) < 0)
		return 1;
	log_writer_init(w, LOG_JSON_FILE, p[1]);
	char *big = malloc(LOG_LINE_MAX + 11);
	memset(big, 'x', LOG_LINE_MAX + 10);
	big[LOG_LINE_MAX + 10] = '\n';
	int pid = fork();
	if (pid == 0) {
		close(p[0]);
		log_writer_add(w, LOG_STDOUT, big, LOG_LINE_MAX + 11, &ts);
		_exit(0);
	}
	close(p[1]);
	got = drain(p[0]);
	close(p[0]);
	size_t lines = 0;
	for (char *c = got; *c; c++)
		lines += *c == '\n';
	ok(lines == 2, "a %d-byte line is two records", LOG_LINE_MAX + 10);
	ok(strstr(got, "xxxxxxxxxx\\n\",") != NULL, "the second ends with the newline");
	free(got);
	free(big);
	free(w);

	enum log_driver d;
	ok(log_driver_parse("json-file", &d) == 0 && d == LOG_JSON_FILE, "json-file");
	ok(log_driver_parse("syslog", &d) < 0, "syslog is refused");
	return tap_done();
}
