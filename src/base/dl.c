/* dl.c: see dl.h; the loader of dynamically linked programs. */
#include <dlfcn.h>

#include "dl.h"

const bool dl_available = true;

void *dl_open(const char *soname, struct err *e)
{
	void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		err_set(e, ERR_NOT_FOUND, "cannot load %s: %s", soname, dlerror());
	return lib;
}

void *dl_sym(void *lib, const char *name) { return dlsym(lib, name); }
