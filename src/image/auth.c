/* auth.c: see auth.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/strbuf.h"
#include "image/auth.h"
#include "image/reference.h"

#define AUTH_FILE_MAX (4u << 20)

/* ---- base64 ---- */

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *base64_encode(const void *data, size_t len)
{
	const unsigned char *p = data;
	char *out = xmalloc((len + 2) / 3 * 4 + 1);
	size_t o = 0, i = 0;
	for (; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = b64_alphabet[v >> 6 & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0);
		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = i + 1 < len ? b64_alphabet[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return out;
}

static int b64_value(char c)
{
	const char *p = c ? strchr(b64_alphabet, c) : NULL;
	return p ? (int)(p - b64_alphabet) : -1;
}

int base64_decode(const char *s, char **ret, size_t *ret_len)
{
	size_t n = strlen(s);
	/* Padding is optional on input; whatever is left must make whole bytes. */
	while (n > 0 && s[n - 1] == '=')
		n--;
	if (n % 4 == 1 || strlen(s) - n > 2)
		return -1;
	_cleanup_free_ char *out = xmalloc(n / 4 * 3 + 3 + 1);
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		int v = b64_value(s[i]);
		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)(acc >> bits & 0xff);
		}
	}
	out[o] = '\0';
	*ret = TAKE_PTR(out);
	*ret_len = o;
	return 0;
}

/* ---- the credentials file ---- */

char *auth_file_path(const char *authfile, struct err *e)
{
	if (authfile && *authfile)
		return xstrdup(authfile);
	const char *dc = getenv("DOCKER_CONFIG");
	if (dc && *dc)
		return xasprintf("%s/config.json", dc);
	const char *home = getenv("HOME");
	if (!home || !*home) {
		err_set(e, ERR_INVALID, "no home directory for the credentials file (set HOME or "
					"give --authfile)");
		return NULL;
	}
	return xasprintf("%s/.docker/config.json", home);
}

static bool is_docker_hub(const char *host)
{
	return streq(host, "docker.io") || streq(host, "index.docker.io") ||
	       streq(host, "registry-1.docker.io") || streq(host, "registry.hub.docker.com");
}

/* "https://Host:5000/v1/" -> "host:5000" (scheme and path dropped, host
 * lowercased); docker.io's aliases become "docker.io". */
static char *key_domain(const char *key)
{
	const char *p = key;
	if (startswith(p, "https://"))
		p += 8;
	else if (startswith(p, "http://"))
		p += 7;
	size_t n = strcspn(p, "/");
	char *d = xstrndup(p, n);
	for (char *c = d; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	if (is_docker_hub(d)) {
		free(d);
		d = xstrdup(IMAGE_DEFAULT_DOMAIN);
	}
	return d;
}

char *auth_server_domain(const char *server, struct err *e)
{
	if (!server || !*server)
		return xstrdup(IMAGE_DEFAULT_DOMAIN);
	char *d = key_domain(server);
	/* A host name or address, with an optional port. */
	bool ok = *d && *d != ':' && *d != '.' && *d != '-';
	for (const char *c = d; *c && ok; c++)
		ok = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
		     strchr(".-:[]_", *c) != NULL;
	if (!ok) {
		free(d);
		err_set(e, ERR_INVALID, "invalid registry \"%.200s\"", server);
		return NULL;
	}
	return d;
}

char *auth_file_key(const char *domain)
{
	if (is_docker_hub(domain))
		return xstrdup(AUTH_DOCKER_HUB_KEY);
	return xstrdup(domain);
}

/* Load the file: 0 with *ret (NULL when there is no file), -1 on error. */
static int load_file(const char *path, json_t **ret, struct err *e)
{
	*ret = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t len;
	_cleanup_err_ struct err re = ERR_INIT;
	if (read_file_at(AT_FDCWD, path, AUTH_FILE_MAX, &buf, &len, &re) < 0) {
		if (re.errnum == ENOENT)
			return 0;
		err_move(e, &re);
		return err_wrap(e, "credentials");
	}
	/* An empty file is an empty document. */
	size_t i = 0;
	while (i < len && strchr(" \t\r\n", buf[i]))
		i++;
	if (i == len) {
		*ret = json_object();
		return 0;
	}
	json_t *doc;
	if (json_parse_buffer(buf, len, path, &doc, e) < 0)
		return err_wrap(e, "credentials");
	if (!json_is_object(doc)) {
		json_decref(doc);
		return err_set(e, ERR_INVALID, "credentials: %s: expected an object", path);
	}
	json_t *auths = json_object_get(doc, "auths");
	if (auths && !json_is_object(auths) && !json_is_null(auths)) {
		json_decref(doc);
		return err_set(e, ERR_INVALID, "credentials: %s: auths: expected an object", path);
	}
	*ret = doc;
	return 0;
}

static int entry_credentials(json_t *entry, const char *path, const char *key, char **ret_user,
			     char **ret_pass, struct err *e)
{
	if (!json_is_object(entry))
		return 0;
	const char *a = json_string_value(json_object_get(entry, "auth"));
	if (a && *a) {
		_cleanup_free_ char *plain = NULL;
		size_t n;
		if (base64_decode(a, &plain, &n) < 0 || memchr(plain, '\0', n))
			return err_set(e, ERR_INVALID, "credentials: %s: auths.%s.auth: invalid base64",
				       path, key);
		char *colon = strchr(plain, ':');
		if (!colon)
			return err_set(e, ERR_INVALID,
				       "credentials: %s: auths.%s.auth: expected user:password", path,
				       key);
		*ret_user = xstrndup(plain, (size_t)(colon - plain));
		*ret_pass = xstrdup(colon + 1);
		return 1;
	}
	const char *u = json_string_value(json_object_get(entry, "username"));
	const char *p = json_string_value(json_object_get(entry, "password"));
	if (u && p && *u) {
		*ret_user = xstrdup(u);
		*ret_pass = xstrdup(p);
		return 1;
	}
	return 0;
}

int auth_lookup(const char *authfile, const char *domain, char **ret_user, char **ret_pass,
		struct err *e)
{
	_cleanup_free_ char *path = auth_file_path(authfile, e);
	if (!path)
		return -1;
	_cleanup_json_ json_t *doc = NULL;
	if (load_file(path, &doc, e) < 0)
		return -1;
	json_t *auths = doc ? json_object_get(doc, "auths") : NULL;
	if (!json_is_object(auths))
		return 0;
	_cleanup_free_ char *want = key_domain(domain);
	/* The exact key first, then any key naming the same host. */
	_cleanup_free_ char *key = auth_file_key(want);
	json_t *entry = json_object_get(auths, key);
	if (entry) {
		int r = entry_credentials(entry, path, key, ret_user, ret_pass, e);
		if (r != 0)
			return r;
	}
	const char *k;
	json_t *v;
	json_object_foreach(auths, k, v)
	{
		_cleanup_free_ char *d = key_domain(k);
		if (!streq(d, want))
			continue;
		int r = entry_credentials(v, path, k, ret_user, ret_pass, e);
		if (r != 0)
			return r;
	}
	return 0;
}

/* Remove every key naming domain; returns how many. */
static int remove_keys(json_t *auths, const char *domain)
{
	int n = 0;
	const char *k;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(auths, tmp, k, v)
	{
		_cleanup_free_ char *d = key_domain(k);
		if (streq(d, domain)) {
			json_object_del(auths, k);
			n++;
		}
	}
	return n;
}

static int write_doc(const char *path, json_t *doc, struct err *e)
{
	_cleanup_free_ char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	const char *name = path;
	if (slash) {
		name = path + (slash - dir) + 1;
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (mkdir_p(dir, 0700, e) < 0)
			return err_wrap(e, "credentials");
	} else {
		free(dir);
		dir = xstrdup(".");
	}
	if (!*name)
		return err_set(e, ERR_INVALID, "credentials: \"%s\": not a file name", path);
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(e, errno, "credentials: \"%s\"", dir);
	_cleanup_free_ char *text = json_dump_string(doc, true);
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, text);
	strbuf_addch(&sb, '\n');
	int r = write_file_atomic_at(dfd, name, sb.buf, sb.len, 0600, WRITE_ATOMIC_SYNC, e);
	strbuf_release(&sb);
	if (r < 0)
		return err_wrap(e, "credentials");
	return 0;
}

int auth_save(const char *authfile, const char *domain, const char *user, const char *pass,
	      struct err *e)
{
	if (strchr(user, ':'))
		return err_set(e, ERR_INVALID, "user name \"%s\" contains ':'", user);
	_cleanup_free_ char *path = auth_file_path(authfile, e);
	if (!path)
		return -1;
	_cleanup_json_ json_t *doc = NULL;
	if (load_file(path, &doc, e) < 0)
		return -1;
	if (!doc)
		doc = json_object();
	json_t *auths = json_object_get(doc, "auths");
	if (!json_is_object(auths)) {
		auths = json_object();
		json_object_set_new(doc, "auths", auths);
	}
	_cleanup_free_ char *d = key_domain(domain);
	remove_keys(auths, d);
	_cleanup_free_ char *plain = xasprintf("%s:%s", user, pass);
	json_t *entry = json_object();
	_cleanup_free_ char *b64 = base64_encode(plain, strlen(plain));
	json_object_set_new(entry, "auth", json_string(b64));
	_cleanup_free_ char *key = auth_file_key(d);
	json_object_set_new(auths, key, entry);
	explicit_bzero(plain, strlen(plain));
	return write_doc(path, doc, e);
}

int auth_erase(const char *authfile, const char *domain, struct err *e)
{
	_cleanup_free_ char *path = auth_file_path(authfile, e);
	if (!path)
		return -1;
	_cleanup_json_ json_t *doc = NULL;
	if (load_file(path, &doc, e) < 0)
		return -1;
	json_t *auths = doc ? json_object_get(doc, "auths") : NULL;
	if (!json_is_object(auths))
		return 0;
	_cleanup_free_ char *d = key_domain(domain);
	if (remove_keys(auths, d) == 0)
		return 0;
	if (write_doc(path, doc, e) < 0)
		return -1;
	return 1;
}

/* ---- the challenge ---- */

void auth_challenge_clear(struct auth_challenge *c)
{
	free(c->realm);
	free(c->service);
	free(c->scope);
	memset(c, 0, sizeof(*c));
}

static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

int auth_challenge_parse(const char *header, struct auth_challenge *ret, struct err *e)
{
	struct auth_challenge c = {0};
	const char *p = skip_ws(header);
	const char *s = p;
	while (is_tchar(*p))
		p++;
	if (p == s)
		return err_set(e, ERR_INVALID, "WWW-Authenticate \"%.100s\": no scheme", header);
	if ((size_t)(p - s) == 5 && strncasecmp(s, "basic", 5) == 0)
		c.scheme = AUTH_SCHEME_BASIC;
	else if ((size_t)(p - s) == 6 && strncasecmp(s, "bearer", 6) == 0)
		c.scheme = AUTH_SCHEME_BEARER;
	if (c.scheme == AUTH_SCHEME_NONE) {
		/* Not ours: its parameters (or token68) do not matter. */
		*ret = c;
		return 0;
	}
	/* auth-params: key=token | key="quoted", separated by commas. */
	for (;;) {
		p = skip_ws(p);
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		const char *k = p;
		while (is_tchar(*p) && *p != '=')
			p++;
		size_t klen = (size_t)(p - k);
		p = skip_ws(p);
		if (klen == 0 || *p != '=') {
			/* A token68 or the next challenge: the first one ends here. */
			if (klen == 0) {
				auth_challenge_clear(&c);
				return err_set(e, ERR_INVALID, "WWW-Authenticate \"%.100s\": malformed",
					       header);
			}
			break;
		}
		p = skip_ws(p + 1);
		struct strbuf v = STRBUF_INIT;
		if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1])
					p++;
				strbuf_addch(&v, *p++);
			}
			if (*p != '"') {
				strbuf_release(&v);
				auth_challenge_clear(&c);
				return err_set(e, ERR_INVALID,
					       "WWW-Authenticate \"%.100s\": unterminated quote", header);
			}
			p++;
		} else {
			while (is_tchar(*p) || *p == '/' || *p == ':')
				strbuf_addch(&v, *p++);
		}
		char **dst = NULL;
		if (klen == 5 && strncasecmp(k, "realm", 5) == 0)
			dst = &c.realm;
		else if (klen == 7 && strncasecmp(k, "service", 7) == 0)
			dst = &c.service;
		else if (klen == 5 && strncasecmp(k, "scope", 5) == 0)
			dst = &c.scope;
		if (dst) {
			free(*dst);
			*dst = strbuf_detach(&v, NULL);
		}
		strbuf_release(&v);
		p = skip_ws(p);
		if (*p && *p != ',') {
			auth_challenge_clear(&c);
			return err_set(e, ERR_INVALID, "WWW-Authenticate \"%.100s\": malformed", header);
		}
	}
	if (c.scheme == AUTH_SCHEME_BEARER && (!c.realm || !*c.realm)) {
		auth_challenge_clear(&c);
		return err_set(e, ERR_INVALID, "WWW-Authenticate \"%.100s\": bearer without realm",
			       header);
	}
	if (c.scheme == AUTH_SCHEME_BEARER && !startswith(c.realm, "https://") &&
	    !startswith(c.realm, "http://")) {
		_cleanup_free_ char *realm = TAKE_PTR(c.realm);
		auth_challenge_clear(&c);
		return err_set(e, ERR_INVALID, "token realm \"%.200s\" is not an http(s) URL", realm);
	}
	*ret = c;
	return 0;
}

char *auth_basic_value(const char *user, const char *pass)
{
	_cleanup_free_ char *plain = xasprintf("%s:%s", user, pass);
	_cleanup_free_ char *b = base64_encode(plain, strlen(plain));
	explicit_bzero(plain, strlen(plain));
	return xasprintf("Basic %s", b);
}

char *url_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	struct strbuf sb = STRBUF_INIT;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			strbuf_addch(&sb, (char)*p);
		} else {
			strbuf_addch(&sb, '%');
			strbuf_addch(&sb, hex[*p >> 4]);
			strbuf_addch(&sb, hex[*p & 15]);
		}
	}
	return strbuf_detach(&sb, NULL);
}

char *auth_token_url(const struct auth_challenge *c, char *const *scopes)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, c->realm);
	char sep = strchr(c->realm, '?') ? '&' : '?';
	if (c->service && *c->service) {
		_cleanup_free_ char *v = url_escape(c->service);
		strbuf_addf(&sb, "%cservice=%s", sep, v);
		sep = '&';
	}
	for (char *const *s = scopes; s && *s; s++) {
		_cleanup_free_ char *v = url_escape(*s);
		strbuf_addf(&sb, "%cscope=%s", sep, v);
		sep = '&';
	}
	return strbuf_detach(&sb, NULL);
}

int auth_token_parse(const char *body, size_t len, char **ret, struct err *e)
{
	_cleanup_json_ json_t *doc = NULL;
	if (json_parse_buffer(body, len, "token response", &doc, e) < 0)
		return -1;
	if (!json_is_object(doc))
		return err_set(e, ERR_INVALID, "token response: expected an object");
	const char *t = json_string_value(json_object_get(doc, "token"));
	if (!t || !*t)
		t = json_string_value(json_object_get(doc, "access_token"));
	if (!t || !*t)
		return err_set(e, ERR_INVALID, "token response: no token");
	for (const char *c = t; *c; c++)
		if ((unsigned char)*c < 0x21 || (unsigned char)*c > 0x7e)
			return err_set(e, ERR_INVALID, "token response: token has invalid characters");
	*ret = xstrdup(t);
	return 0;
}
