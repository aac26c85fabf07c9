/* cmd-login.c: berth login and logout.
 *
 * login checks the credentials against the registry (GET /v2/ through
 * its authentication handshake) and only then stores them (auth.h);
 * logout removes them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "cmd/berth/commands.h"
#include "image/auth.h"
#include "image/reference.h"
#include "image/registry.h"

#define SECRET_MAX 65536

static void chomp(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

/* One line from the terminal (stdin), echo off when secret. */
static int prompt(const char *what, bool secret, char **ret, struct err *e)
{
	fprintf(stderr, "%s: ", what);
	fflush(stderr);
	struct termios old, quiet;
	bool restore = false;
	if (secret && tcgetattr(STDIN_FILENO, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);
	if (restore) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	if (n < 0) {
		free(line);
		return err_set(e, ERR_INVALID, "%s: no input", what);
	}
	chomp(line);
	*ret = line;
	return 0;
}

static int read_stdin_secret(char **ret, struct err *e)
{
	char *buf = NULL;
	size_t len;
	int r = read_all_fd(STDIN_FILENO, SECRET_MAX, &buf, &len);
	if (r < 0)
		return err_sys(e, -r, "--password-stdin: read");
	if (memchr(buf, '\0', len)) {
		free(buf);
		return err_set(e, ERR_INVALID, "--password-stdin: the password has a NUL byte");
	}
	chomp(buf);
	*ret = buf;
	return 0;
}

static void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

struct login_args {
	const char *server;
	const char *user, *pass;
	bool password_stdin, tls_verify;
	const char *cert_dir, *authfile;
};

static int do_login(struct login_args *a, struct err *e)
{
	_cleanup_free_ char *domain = auth_server_domain(a->server, e);
	if (!domain)
		return -1;
	if (a->pass && a->password_stdin)
		return err_set(e, ERR_INVALID, "--password and --password-stdin are mutually "
					       "exclusive");
	if (a->password_stdin && !a->user)
		return err_set(e, ERR_INVALID, "--password-stdin needs --username");
	_cleanup_free_ char *user = a->user ? xstrdup(a->user) : NULL;
	char *pass = a->pass ? xstrdup(a->pass) : NULL;
	bool tty = isatty(STDIN_FILENO) == 1;
	int rc = 0;
	if (a->pass)
		fprintf(stderr, "WARNING! Using --password via the CLI is insecure. Use "
				"--password-stdin.\n");
	if (!user && !pass && !a->password_stdin) {
		/* Stored credentials are checked again, as docker does. */
		char *su = NULL, *sp = NULL;
		int found = auth_lookup(a->authfile, domain, &su, &sp, e);
		if (found < 0)
			return -1;
		if (found > 0 && !tty) {
			fprintf(stderr, "Authenticating with existing credentials...\n");
			user = su;
			pass = sp;
		} else {
			free(su);
			free_secret(sp);
		}
	}
	if (!user) {
		if (!tty)
			rc = err_set(e, ERR_INVALID, "cannot ask for a user name: stdin is not a "
						     "terminal (use --username)");
		else
			rc = prompt("Username", false, &user, e);
	}
	if (rc == 0 && !pass) {
		if (a->password_stdin)
			rc = read_stdin_secret(&pass, e);
		else if (!tty)
			rc = err_set(e, ERR_INVALID, "cannot ask for a password: stdin is not a "
						     "terminal (use --password-stdin)");
		else
			rc = prompt("Password", true, &pass, e);
	}
	if (rc == 0 && (!*user || !*pass))
		rc = err_set(e, ERR_INVALID, "user name and password are required");
	if (rc == 0) {
		struct registry_opts o = {
			.tls_verify_off = !a->tls_verify,
			.cert_dir = a->cert_dir,
			.authfile = a->authfile,
			.username = user,
			.password = pass,
		};
		rc = registry_check_login(domain, &o, e);
		if (rc < 0)
			err_wrap(e, "login %s", domain);
	}
	if (rc == 0)
		rc = auth_save(a->authfile, domain, user, pass, e);
	free_secret(pass);
	return rc;
}

int cmd_login(struct global *g, int argc, char **argv)
{
	if (cli_need_full() < 0)
		return EXIT_BERTH;
	struct login_args a = {.tls_verify = true};
	const struct opt opts[] = {
		{"username", 'u', OPT_STRING, &a.user, "USER", "user name"},
		{"password", 'p', OPT_STRING, &a.pass, "PASSWORD", "password"},
		{"password-stdin", 0, OPT_BOOL, &a.password_stdin, NULL, "read the password from stdin"},
		{"tls-verify", 0, OPT_BOOL, &a.tls_verify, NULL,
		 "require HTTPS and check certificates (default true)"},
		{"cert-dir", 0, OPT_STRING, &a.cert_dir, "DIR",
		 "CA certificates (*.crt) and client certificates (*.cert, *.key)"},
		{"authfile", 0, OPT_STRING, &a.authfile, "FILE",
		 "credentials file (default $DOCKER_CONFIG/config.json or ~/.docker/config.json)"},
	};
	const struct opt_spec spec = {
		.usage = "login [options] [SERVER]",
		.summary = "Log in to a registry (docker.io when no server is given).",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 0, 1, &args, &ex))
		return ex;
	a.server = args[0];
	_cleanup_err_ struct err e = ERR_INIT;
	if (do_login(&a, &e) < 0)
		return report(&e);
	printf("Login Succeeded\n");
	return 0;
}

int cmd_logout(struct global *g, int argc, char **argv)
{
	const char *authfile = NULL;
	const struct opt opts[] = {
		{"authfile", 0, OPT_STRING, &authfile, "FILE",
		 "credentials file (default $DOCKER_CONFIG/config.json or ~/.docker/config.json)"},
	};
	const struct opt_spec spec = {
		.usage = "logout [options] [SERVER]",
		.summary = "Remove the stored credentials of a registry (docker.io when none given).",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 0, 1, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	_cleanup_free_ char *domain = auth_server_domain(args[0], &e);
	if (!domain)
		return report(&e);
	int r = auth_erase(authfile, domain, &e);
	if (r < 0)
		return report(&e);
	if (r == 0) {
		err_set(&e, ERR_NOT_FOUND, "not logged in to %s", domain);
		return report(&e);
	}
	printf("Removed login credentials for %s\n", domain);
	return 0;
}
