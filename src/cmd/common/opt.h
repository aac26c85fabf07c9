/* opt.h: command-line options for Berth's front ends.
 *
 * Accepts what Go programs (runc, docker) accept, so engines can call us the
 * way they call them: "--name value", "--name=value", "-name value", "-n
 * value", bundled short booleans ("-dt"), "--bool=false", and options after
 * positional arguments, up to "--" or to the first argument past
 * `stop_after` positionals (so `exec ID cmd -x` leaves "-x" to cmd). */
#pragma once

#include "base/err.h"

enum opt_type { OPT_BOOL, OPT_STRING, OPT_INT, OPT_STRV };

struct opt {
	const char *name; /* long name, without dashes */
	char short_name;  /* 0: none */
	enum opt_type type;
	void *dest; /* bool*, const char**, int*, char*** */
	const char *arg;  /* name of the value in --help, NULL for booleans */
	const char *help;
};

struct opt_spec {
	const char *usage; /* "create [options] <container-id>" */
	const char *summary;
	const struct opt *opts;
	size_t n_opts;
	int stop_after; /* -1: parse options everywhere */
};

/* Parse argv (argv[0] is the command name).  Positional arguments are
 * collected into *ret_args (a NULL-terminated array, owned by the caller;
 * its strings point into argv).  Returns 0, 1 when --help was given (help
 * printed), or -1 with e set. */
int opt_parse(const struct opt_spec *spec, int argc, char **argv, char ***ret_args,
	      size_t *ret_n, struct err *e);
void opt_print_help(const char *prog, const struct opt_spec *spec);
