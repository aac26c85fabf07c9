/* err.c: construction and chaining of struct err messages. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

enum err_kind err_kind_from_errno(int errnum)
{
	switch (errnum) {
	case ENOENT:
	case ESRCH:
	case ENXIO:
		return ERR_NOT_FOUND;
	case EEXIST:
	case ENOTEMPTY:
		return ERR_EXISTS;
	case EBUSY:
	case ETXTBSY:
	case EAGAIN:
		return ERR_CONFLICT;
	case EINVAL:
	case ENOTDIR:
	case EISDIR:
	case ELOOP:
	case ENAMETOOLONG:
	case E2BIG:
	case EXDEV:
		return ERR_INVALID;
	case EPERM:
	case EACCES:
	case EROFS:
		return ERR_PERMISSION;
	case ENOSYS:
	case EOPNOTSUPP:
		return ERR_UNSUPPORTED;
	default:
		return ERR_IO;
	}
}

static void set_msg(struct err *e, char *msg)
{
	free(e->msg);
	e->msg = msg;
}

int err_set(struct err *e, enum err_kind kind, const char *fmt, ...)
{
	if (!e)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	set_msg(e, xvasprintf(fmt, ap));
	va_end(ap);
	e->kind = kind;
	e->errnum = 0;
	return -1;
}

static int vsysk(struct err *e, enum err_kind kind, int errnum, const char *fmt, va_list ap)
{
	_cleanup_free_ char *m = xvasprintf(fmt, ap);
	if (errnum < 0)
		errnum = -errnum;
	set_msg(e, xasprintf("%s: %s", m, strerror(errnum)));
	e->kind = kind;
	e->errnum = errnum;
	return -1;
}

int err_sys(struct err *e, int errnum, const char *fmt, ...)
{
	if (!e)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsysk(e, err_kind_from_errno(errnum < 0 ? -errnum : errnum), errnum, fmt, ap);
	va_end(ap);
	return -1;
}

int err_sysk(struct err *e, enum err_kind kind, int errnum, const char *fmt, ...)
{
	if (!e)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsysk(e, kind, errnum, fmt, ap);
	va_end(ap);
	return -1;
}

int err_wrap(struct err *e, const char *fmt, ...)
{
	if (!e)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *ctx = xvasprintf(fmt, ap);
	va_end(ap);
	if (!e->msg) {
		set_msg(e, TAKE_PTR(ctx));
		if (e->kind == ERR_OK)
			e->kind = ERR_INTERNAL;
	} else {
		set_msg(e, xasprintf("%s: %s", ctx, e->msg));
	}
	return -1;
}

void err_move(struct err *dst, struct err *src)
{
	if (!dst) {
		err_clear(src);
		return;
	}
	err_clear(dst);
	*dst = *src;
	src->msg = NULL;
	src->kind = ERR_OK;
	src->errnum = 0;
}

void err_clear(struct err *e)
{
	if (!e)
		return;
	free(e->msg);
	e->msg = NULL;
	e->kind = ERR_OK;
	e->errnum = 0;
}

bool err_isset(const struct err *e) { return e && e->kind != ERR_OK; }

const char *err_msg(const struct err *e)
{
	if (!e || !e->msg)
		return "unknown error";
	return e->msg;
}

const char *err_kind_name(enum err_kind kind)
{
	static const char *const names[] = {
		[ERR_OK] = "ok",
		[ERR_NOT_FOUND] = "not found",
		[ERR_EXISTS] = "exists",
		[ERR_CONFLICT] = "conflict",
		[ERR_INVALID] = "invalid",
		[ERR_PERMISSION] = "permission",
		[ERR_UNSUPPORTED] = "unsupported",
		[ERR_AUTH] = "auth",
		[ERR_IO] = "io",
		[ERR_INTERNAL] = "internal",
	};
	if ((size_t)kind >= ARRAY_SIZE(names))
		return "internal";
	return names[kind];
}
