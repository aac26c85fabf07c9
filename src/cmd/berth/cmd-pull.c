/* cmd-pull.c: berth pull and push (in progress). */
#include "cmd/berth/commands.h"

int cmd_pull(struct global *g, int argc, char **argv)
{
	_cleanup_err_ struct err e = ERR_INIT;
	err_set(&e, ERR_UNSUPPORTED, "pull: not implemented yet");
	return report(&e);
}

int cmd_push(struct global *g, int argc, char **argv)
{
	_cleanup_err_ struct err e = ERR_INIT;
	err_set(&e, ERR_UNSUPPORTED, "push: not implemented yet");
	return report(&e);
}
