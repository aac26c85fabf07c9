/* cmd-login.c: berth login and logout (in progress). */
#include "cmd/berth/commands.h"

int cmd_login(struct global *g, int argc, char **argv)
{
	_cleanup_err_ struct err e = ERR_INIT;
	err_set(&e, ERR_UNSUPPORTED, "login: not implemented yet");
	return report(&e);
}

int cmd_logout(struct global *g, int argc, char **argv)
{
	_cleanup_err_ struct err e = ERR_INIT;
	err_set(&e, ERR_UNSUPPORTED, "logout: not implemented yet");
	return report(&e);
}
