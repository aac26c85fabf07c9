/* cmd-save.c: berth save and load (in progress). */
#include "cmd/berth/commands.h"

int cmd_save(struct global *g, int argc, char **argv)
{
	_cleanup_err_ struct err e = ERR_INIT;
	err_set(&e, ERR_UNSUPPORTED, "save: not implemented yet");
	return report(&e);
}

int cmd_load(struct global *g, int argc, char **argv)
{
	_cleanup_err_ struct err e = ERR_INIT;
	err_set(&e, ERR_UNSUPPORTED, "load: not implemented yet");
	return report(&e);
}
