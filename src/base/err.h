/* err.h: the error object every fallible library function fills in.
 *
 * Contract: a fallible function returns an int < 0 (or NULL) on failure and
 * takes `struct err *e` as its last parameter, which it sets only on
 * failure.  An error carries a kind (what a caller branches on, and what
 * maps to exit codes and HTTP statuses), the errno that caused it (0 when
 * none) and a message that reads from the outside in: each layer that
 * passes the error on may prefix its own context with err_wrap():
 *     create "web": mount "/proc": fsmount: Operation not permitted
 * Messages are lowercase and quote the object.  Library code never prints
 * an error; only src/cmd/ reports them.  `e` may be NULL to ignore errors. */
#pragma once

#include "util.h"

enum err_kind {
	ERR_OK = 0,
	ERR_NOT_FOUND,
	ERR_EXISTS,
	ERR_CONFLICT,
	ERR_INVALID,
	ERR_PERMISSION,
	ERR_UNSUPPORTED,
	ERR_AUTH,
	ERR_IO,
	ERR_INTERNAL,
};

struct err {
	enum err_kind kind;
	int errnum;
	char *msg;
};

#define ERR_INIT {.kind = ERR_OK, .errnum = 0, .msg = NULL}

/* Set an error of `kind` with a formatted message.  Returns -1. */
int err_set(struct err *e, enum err_kind kind, const char *fmt, ...) _printf_(3, 4);
/* Set an error from an errno value: "<message>: <strerror>", kind derived
 * from the errno.  Returns -1. */
int err_sys(struct err *e, int errnum, const char *fmt, ...) _printf_(3, 4);
/* Like err_sys but with an explicit kind. */
int err_sysk(struct err *e, enum err_kind kind, int errnum, const char *fmt, ...) _printf_(4, 5);
/* Prefix context to an error already set: "<context>: <previous>".
 * Returns -1 so callers can `return err_wrap(e, ...)`. */
int err_wrap(struct err *e, const char *fmt, ...) _printf_(2, 3);
/* Move src into dst (dst cleared first); src is left empty. */
void err_move(struct err *dst, struct err *src);
void err_clear(struct err *e);
bool err_isset(const struct err *e);
const char *err_msg(const struct err *e);
const char *err_kind_name(enum err_kind kind);
enum err_kind err_kind_from_errno(int errnum);

static inline void err_clearp(struct err *e) { err_clear(e); }
#define _cleanup_err_ _cleanup_(err_clearp)
