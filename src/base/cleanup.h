/* cleanup.h: scope-bound ownership of memory and descriptors.
 *
 * A local declared with one of these attributes releases what it holds when
 * it goes out of scope.  Hand ownership on with TAKE_PTR / TAKE_FD, which
 * return the value and reset the local so the cleanup does nothing.  Every
 * destructor here accepts NULL / -1. */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void freep(void *p) { free(*(void **)p); }

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Defines name##p(type *p) calling func(*p) when *p is not NULL. */
#define DEFINE_CLEANUP_FUNC(type, func)                                      \
	static inline void func##p(type *p)                                  \
	{                                                                    \
		if (*p)                                                      \
			func(*p);                                            \
	}

#define TAKE_PTR(p)                                                          \
	({                                                                   \
		__typeof__(p) _tp_ = (p);                                    \
		(p) = NULL;                                                  \
		_tp_;                                                        \
	})

#define TAKE_FD(fd)                                                          \
	({                                                                   \
		int _tf_ = (fd);                                             \
		(fd) = -1;                                                   \
		_tf_;                                                        \
	})
