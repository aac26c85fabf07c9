/* strbuf.h: a growable, always NUL-terminated byte buffer.
 *
 * Guarantees: buf is never NULL after strbuf_init (it points at a static
 * empty string until the first append), buf[len] == '\0' at all times, and
 * the buffer may hold arbitrary bytes including NULs.  Appending never
 * fails (allocation failure aborts).  strbuf_detach hands the bytes to the
 * caller and leaves the strbuf empty and reusable. */
#pragma once

#include "util.h"

struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};

#define STRBUF_INIT {.buf = (char *)strbuf_empty, .len = 0, .alloc = 0}
extern const char strbuf_empty[1];

void strbuf_init(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t n);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) _printf_(2, 3);
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap) _printf_(2, 0);
char *strbuf_detach(struct strbuf *sb, size_t *len);

#define _cleanup_strbuf_ _cleanup_(strbuf_release)
