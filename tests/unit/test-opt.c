/* test-opt: Go-style command-line option parsing (cmd/common/opt.c). */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/strv.h"
#include "cmd/common/opt.h"
#include "sanitizer-options.h"
#include "tap.h"

static bool detach, tty, rm;
static const char *bundle, *pid_file;
static int timeout;
static char **envs;

static const struct opt opts[] = {
	{"detach", 'd', OPT_BOOL, &detach, NULL, "run in the background"},
	{"tty", 't', OPT_BOOL, &tty, NULL, "allocate a terminal"},
	{"rm", 0, OPT_BOOL, &rm, NULL, "remove when done"},
	{"bundle", 'b', OPT_STRING, &bundle, "DIR", "the bundle directory"},
	{"pid-file", 0, OPT_STRING, &pid_file, "FILE", "write the pid here"},
	{"timeout", 0, OPT_INT, &timeout, "SECS", "give up after SECS"},
	{"env", 'e', OPT_STRV, &envs, "K=V", "set an environment variable"},
};

static void reset(void)
{
	detach = tty = rm = false;
	bundle = pid_file = NULL;
	timeout = -1;
	strv_free(envs);
	envs = NULL;
}

/* Parse a NULL-terminated list of words (the command name is added). */
static int run(int stop_after, char ***ret_args, size_t *ret_n, struct err *e, char **words)
{
	static char *argv[64];
	int argc = 0;
	argv[argc++] = (char *)"cmd";
	for (; *words; words++)
		argv[argc++] = *words;
	argv[argc] = NULL;
	struct opt_spec spec = {
		.usage = "cmd [options] <id>",
		.summary = "Do a thing.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = stop_after,
	};
	reset();
	*ret_args = NULL;
	*ret_n = (size_t)-1;
	return opt_parse(&spec, argc, argv, ret_args, ret_n, e);
}

#define W(...) ((char *[]){__VA_ARGS__, NULL})

/* The positional arguments joined with spaces, for comparisons. */
static char *joined(char **args)
{
	char *s = xstrdup("");
	for (; args && *args; args++) {
		char *n = xasprintf("%s%s%s", s, *s ? " " : "", *args);
		free(s);
		s = n;
	}
	return s;
}

static void parses(int stop_after, char **words, const char *want_args, const char *what)
{
	struct err e = ERR_INIT;
	char **args;
	size_t n;
	int r = run(stop_after, &args, &n, &e, words);
	if (!ok(r == 0, "%s: parses", what))
		printf("#   r=%d: %s\n", r, err_msg(&e));
	char *j = joined(r == 0 ? args : NULL);
	is_str(j, want_args, "%s: positionals", what);
	if (r == 0)
		is_int(n, strv_length(args), "%s: count", what);
	free(j);
	free(args);
	err_clear(&e);
}

static void fails(char **words, const char *want, const char *what)
{
	struct err e = ERR_INIT;
	char **args;
	size_t n;
	int r = run(-1, &args, &n, &e, words);
	bool good = r == -1 && err_isset(&e) && streq(err_msg(&e), want) && args == NULL;
	if (!ok(good, "%s: fails with \"%s\"", what, want))
		printf("#   r=%d: \"%s\"\n", r, err_msg(&e));
	if (r == 0)
		free(args);
	err_clear(&e);
}

static void test_forms(void)
{
	const char *forms[][3] = {
		{"--bundle", "/b1", NULL}, {"--bundle=/b1", NULL, NULL}, {"-bundle", "/b1", NULL},
		{"-bundle=/b1", NULL, NULL}, {"-b", "/b1", NULL},	  {"-b/b1", NULL, NULL},
		{"-b=/b1", NULL, NULL},
	};
	for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
		char *w[4] = {(char *)forms[i][0], (char *)forms[i][1], NULL, NULL};
		if (!w[1])
			w[1] = (char *)"ID";
		else
			w[2] = (char *)"ID";
		char *what = xasprintf("form %s%s%s", forms[i][0], forms[i][1] ? " " : "",
				       forms[i][1] ? forms[i][1] : "");
		parses(-1, w, "ID", what);
		is_str(bundle, "/b1", "%s: value", what);
		free(what);
	}

	parses(-1, W("-dt", "ID"), "ID", "bundled -dt");
	ok(detach && tty, "-dt sets both");
	parses(-1, W("-td"), "", "bundled -td");
	ok(detach && tty, "-td sets both");
	parses(-1, W("-dtb", "/x", "ID"), "ID", "-dtb takes the next word");
	ok(detach && tty && bundle && streq(bundle, "/x"), "-dtb /x");
	parses(-1, W("-dtb/y"), "", "-dtb/y takes the rest of the word");
	ok(detach && tty && bundle && streq(bundle, "/y"), "-dtb/y");
	parses(-1, W("-bd"), "", "-bd: b takes \"d\" as its value");
	ok(!detach && bundle && streq(bundle, "d"), "-bd is bundle=d");

	parses(-1, W("--detach", "--tty", "--rm"), "", "long booleans");
	ok(detach && tty && rm, "all three set");
	parses(-1, W("-detach", "-rm"), "", "single-dash long booleans");
	ok(detach && rm && !tty, "-detach -rm");

	parses(-1, W("--bundle", "-d"), "", "a value may start with a dash");
	ok(bundle && streq(bundle, "-d") && !detach, "bundle is \"-d\"");
	parses(-1, W("--bundle="), "", "an empty value");
	is_str(bundle, "", "--bundle= gives \"\"");
	parses(-1, W("--pid-file", "/run/p", "--bundle=a=b"), "", "a value may contain '='");
	is_str(pid_file, "/run/p", "pid-file");
	is_str(bundle, "a=b", "bundle=a=b");
	parses(-1, W("-b", "x", "-b", "y"), "", "the last value wins");
	is_str(bundle, "y", "bundle y");
}

static void test_positionals(void)
{
	parses(-1, W("--detach", "ID", "--pid-file", "/p", "more"), "ID more",
	       "options after positionals");
	ok(detach && pid_file && streq(pid_file, "/p"), "options after positionals are applied");
	parses(-1, W("-", "-d"), "-", "a lone dash is positional");
	ok(detach, "-d after a lone dash");
	parses(-1, W("-d", "--", "-t", "--bundle", "x"), "-t --bundle x", "-- ends the options");
	ok(detach && !tty && !bundle, "nothing after -- is an option");
	parses(-1, W("--", "--"), "--", "a second -- is positional");
	parses(-1, W(NULL), "", "no arguments at all");

	/* stop_after: exec ID cmd -x leaves -x to cmd. */
	parses(1, W("-d", "ID", "sh", "-c", "--tty", "--", "x"), "ID sh -c --tty -- x",
	       "stop_after 1");
	ok(detach && !tty, "options before the command are parsed, after it not");
	parses(1, W("ID", "-t", "sh", "-d"), "ID sh -d", "stop_after 1 with an option between");
	ok(tty && !detach, "-t between ID and the command is an option");
	parses(0, W("ID", "-d"), "ID -d", "stop_after 0");
	ok(!detach, "nothing after the first positional is parsed");
	parses(0, W("-t", "ID", "-d"), "ID -d", "stop_after 0 with a leading option");
	ok(tty && !detach, "the leading option is parsed");
	parses(2, W("a", "-d", "b", "-t", "c", "-d"), "a b c -d", "stop_after 2");
	ok(tty, "-t before the third positional");
}

static void test_values(void)
{
	detach = true;
	parses(-1, W("--detach=false"), "", "--detach=false");
	ok(!detach, "--detach=false clears");
	parses(-1, W("--detach=true"), "", "--detach=true");
	ok(detach, "--detach=true sets");
	const char *falses[] = {"--detach=false", "--detach=FALSE", "--detach=0", "--detach=no",
				"-detach=false", "-d=false", "-d=0"};
	for (size_t i = 0; i < ARRAY_SIZE(falses); i++) {
		parses(-1, W((char *)falses[i]), "", falses[i]);
		ok(!detach, "%s gives false", falses[i]);
	}
	const char *trues[] = {"--detach=True", "--detach=1", "--detach=yes", "-d=true"};
	for (size_t i = 0; i < ARRAY_SIZE(trues); i++) {
		parses(-1, W((char *)trues[i]), "", trues[i]);
		ok(detach, "%s gives true", trues[i]);
	}
	parses(-1, W("-td=false"), "", "-td=false");
	ok(tty && !detach, "-td=false: t set, d false");
	parses(-1, W("--detach", "false"), "false", "a bool does not take the next word");
	ok(detach, "--detach false is --detach plus a positional");

	parses(-1, W("--timeout", "30"), "", "--timeout 30");
	is_int(timeout, 30, "timeout 30");
	parses(-1, W("--timeout=-5"), "", "--timeout=-5");
	is_int(timeout, -5, "timeout -5");
	parses(-1, W("-timeout", "2147483647"), "", "-timeout INT_MAX");
	is_int(timeout, 2147483647, "timeout INT_MAX");

	parses(-1, W("-e", "A=1", "--env", "B=2", "-eC=3", "--env=D=4", "-e=E=5"), "", "strv");
	ok(strv_length(envs) == 5 && streq(envs[0], "A=1") && streq(envs[1], "B=2") &&
		   streq(envs[2], "C=3") && streq(envs[3], "D=4") && streq(envs[4], "E=5"),
	   "strv collects every value in order");
	reset();
}

static void test_errors(void)
{
	fails(W("--nope"), "unknown flag: --nope", "unknown long flag");
	fails(W("ID", "--nope=1"), "unknown flag: --nope", "unknown long flag with a value");
	fails(W("-x"), "unknown flag: -x", "unknown short flag");
	fails(W("-dx"), "unknown flag: -x", "unknown flag in a bundle");
	fails(W("-nope"), "unknown flag: -n", "unknown single-dash word");
	fails(W("--bundle"), "flag needs an argument: --bundle", "missing argument, long");
	fails(W("ID", "-bundle"), "flag needs an argument: -bundle", "missing argument, -long");
	fails(W("-b"), "flag needs an argument: -b", "missing argument, short");
	fails(W("-db"), "flag needs an argument: -b", "missing argument, bundled");
	fails(W("-e"), "flag needs an argument: -e", "missing argument, strv");
	reset();
	fails(W("--timeout", "abc"), "invalid value \"abc\" for flag --timeout: expected an integer",
	      "int parse error");
	fails(W("--timeout", "99999999999"),
	      "invalid value \"99999999999\" for flag --timeout: expected an integer",
	      "int overflow");
	fails(W("--timeout", ""), "invalid value \"\" for flag --timeout: expected an integer",
	      "empty int");
	fails(W("--detach=maybe", "x"),
	      "invalid value \"maybe\" for flag --detach: expected true or false", "bad bool");
	fails(W("-d=maybe"), "invalid value \"maybe\" for flag -d: expected true or false",
	      "bad short bool");
	fails(W("--detach="), "invalid value \"\" for flag --detach: expected true or false",
	      "empty bool");
	/* The flag is named without its "=value" part. */
	fails(W("--timeout=abc"), "invalid value \"abc\" for flag --timeout: expected an integer",
	      "int parse error, = form");
	reset();
}

static void test_help(void)
{
	const char *helps[] = {"--help", "-h", "-help"};
	for (size_t i = 0; i < ARRAY_SIZE(helps); i++) {
		char tmpl[] = "/tmp/berth-test-opt-XXXXXX";
		int fd = mkstemp(tmpl);
		unlink(tmpl);
		fflush(stdout);
		int saved = dup(STDOUT_FILENO);
		dup2(fd, STDOUT_FILENO);
		struct err e = ERR_INIT;
		char **args;
		size_t n;
		int r = run(-1, &args, &n, &e, W("ID", "-d", (char *)helps[i], "--nope"));
		fflush(stdout);
		dup2(saved, STDOUT_FILENO);
		close(saved);
		char buf[4096] = {0};
		ssize_t got = pread(fd, buf, sizeof(buf) - 1, 0);
		close(fd);
		is_int(r, 1, "%s returns 1", helps[i]);
		ok(args == NULL && !err_isset(&e), "%s: no arguments returned, no error", helps[i]);
		ok(got > 0 && strstr(buf, "Usage: cmd [options] <id>") && strstr(buf, "Do a thing.") &&
			   strstr(buf, "-b, --bundle DIR") && strstr(buf, "--pid-file FILE") &&
			   strstr(buf, "-d, --detach") && strstr(buf, "-h, --help"),
		   "%s prints the usage and every option", helps[i]);
		err_clear(&e);
	}
	reset();
	struct err e = ERR_INIT;
	char **args;
	size_t n;
	int r = run(-1, &args, &n, &e, W("--", "--help"));
	ok(r == 0 && n == 1 && streq(args[0], "--help"), "--help after -- is positional");
	if (r == 0)
		free(args);
	r = run(0, &args, &n, &e, W("ID", "--help"));
	ok(r == 0 && n == 2, "--help past stop_after is positional");
	if (r == 0)
		free(args);
}

int main(void)
{
	test_forms();
	test_positionals();
	test_values();
	test_errors();
	test_help();
	reset();
	return tap_done();
}
