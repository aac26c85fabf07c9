/* dl-none.c: see dl.h; the static berth loads no shared library (the
 * commands that need one re-execute berth-full first). */
#include "dl.h"

const bool dl_available = false;

void *dl_open(const char *soname, struct err *e)
{
	err_set(e, ERR_UNSUPPORTED,
		"cannot load %s: this berth is linked statically (berth-full, next to it, loads it)",
		soname);
	return NULL;
}

void *dl_sym(void *lib, const char *name)
{
	(void)lib;
	(void)name;
	return NULL;
}
