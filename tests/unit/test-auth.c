/* test-auth: base64, the credentials file (docker's config.json: keys,
 * aliases, atomic 0600 writes, other keys kept, malformed files refused),
 * WWW-Authenticate parsing, token URLs and token answers. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/json-util.h"
#include "image/auth.h"
#include "sanitizer-options.h"
#include "tap.h"

static void test_base64(void)
{
	static const struct {
		const char *plain, *enc;
	} v[] = {{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
		 {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
		 {"user:pass", "dXNlcjpwYXNz"}};
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		char *e = base64_encode(v[i].plain, strlen(v[i].plain));
		is_str(e, v[i].enc, "base64(\"%s\")", v[i].plain);
		free(e);
		char *d = NULL;
		size_t n = 0;
		is_int(base64_decode(v[i].enc, &d, &n), 0, "decode \"%s\"", v[i].enc);
		is_str(d, v[i].plain, "decode \"%s\" gives back the text", v[i].enc);
		is_int(n, strlen(v[i].plain), "decoded length of \"%s\"", v[i].enc);
		free(d);
	}
	char *d = NULL;
	size_t n;
	is_int(base64_decode("Zm9vYg", &d, &n), 0, "padding is optional");
	is_str(d, "foob", "unpadded decodes");
	free(d);
	is_int(base64_decode("Zm9v!", &d, &n), -1, "a character outside the alphabet is refused");
	is_int(base64_decode("Z", &d, &n), -1, "a lone sextet is refused");
	is_int(base64_decode("Zg===", &d, &n), -1, "three padding characters are refused");
}

static void test_challenge(void)
{
	struct auth_challenge c;
	is_int(auth_challenge_parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry."
				    "docker.io\",scope=\"repository:library/alpine:pull\"",
				    &c, NULL),
	       0, "docker hub's challenge parses");
	is_int(c.scheme, AUTH_SCHEME_BEARER, "bearer");
	is_str(c.realm, "https://auth.docker.io/token", "realm");
	is_str(c.service, "registry.docker.io", "service");
	is_str(c.scope, "repository:library/alpine:pull", "scope");
	auth_challenge_clear(&c);

	is_int(auth_challenge_parse("Basic realm=\"basic-realm\"", &c, NULL), 0, "basic parses");
	is_int(c.scheme, AUTH_SCHEME_BASIC, "basic");
	is_str(c.realm, "basic-realm", "basic realm");
	auth_challenge_clear(&c);

	is_int(auth_challenge_parse("bearer  realm = \"http://h:1/t?a=b\" , scope=\"a\\\"b\", "
				    "service=tok",
				    &c, NULL),
	       0, "case, spaces, escapes and bare tokens");
	is_str(c.realm, "http://h:1/t?a=b", "realm with a query");
	is_str(c.scope, "a\"b", "escaped quote");
	is_str(c.service, "tok", "bare token value");
	auth_challenge_clear(&c);

	is_int(auth_challenge_parse("Negotiate abc==", &c, NULL), 0, "another scheme is no error");
	is_int(c.scheme, AUTH_SCHEME_NONE, "... and is none");
	auth_challenge_clear(&c);

	struct err e = ERR_INIT;
	is_int(auth_challenge_parse("Bearer service=\"x\"", &c, &e), -1, "bearer without realm");
	err_clear(&e);
	is_int(auth_challenge_parse("Bearer realm=\"file:///etc/passwd\"", &c, &e), -1,
	       "a realm that is not http(s) is refused");
	err_clear(&e);
	is_int(auth_challenge_parse("Bearer realm=\"https://x", &c, &e), -1, "unterminated quote");
	err_clear(&e);
	is_int(auth_challenge_parse("", &c, &e), -1, "empty");
	err_clear(&e);

	struct auth_challenge t = {.scheme = AUTH_SCHEME_BEARER,
				   .realm = "https://auth.example/token",
				   .service = "reg example"};
	char *scopes[] = {"repository:a/b:pull,push", "repository:c:pull", NULL};
	char *u = auth_token_url(&t, scopes);
	is_str(u,
	       "https://auth.example/token?service=reg%20example&scope=repository%3Aa%2Fb%3Apull%"
	       "2Cpush&scope=repository%3Ac%3Apull",
	       "token URL: escaped, one scope parameter each");
	free(u);
	t.realm = "https://auth.example/token?x=1";
	t.service = NULL;
	u = auth_token_url(&t, NULL);
	is_str(u, "https://auth.example/token?x=1", "a realm with a query and nothing added");
	free(u);

	char *v = auth_basic_value("user", "pass");
	is_str(v, "Basic dXNlcjpwYXNz", "basic header value");
	free(v);
}

static void test_token(void)
{
	char *t = NULL;
	const char *a = "{\"token\":\"abc.def\",\"expires_in\":300}";
	is_int(auth_token_parse(a, strlen(a), &t, NULL), 0, "token");
	is_str(t, "abc.def", "token value");
	free(t);
	const char *b = "{\"access_token\":\"xyz\"}";
	is_int(auth_token_parse(b, strlen(b), &t, NULL), 0, "access_token");
	is_str(t, "xyz", "access_token value");
	free(t);
	struct err e = ERR_INIT;
	const char *c = "{\"token\":\"a\\nb\"}";
	is_int(auth_token_parse(c, strlen(c), &t, &e), -1, "a token with a newline is refused");
	err_clear(&e);
	is_int(auth_token_parse("{}", 2, &t, &e), -1, "no token");
	err_clear(&e);
	is_int(auth_token_parse("[", 1, &t, &e), -1, "malformed JSON");
	err_clear(&e);
}

static void test_file(void)
{
	char dir[] = "/tmp/test-auth.XXXXXX";
	if (!mkdtemp(dir)) {
		ok(false, "mkdtemp");
		return;
	}
	char *path = xasprintf("%s/sub/config.json", dir);
	struct err e = ERR_INIT;
	char *u = NULL, *p = NULL;

	is_int(auth_lookup(path, "localhost:5000", &u, &p, &e), 0, "no file: no credentials");
	is_int(auth_erase(path, "localhost:5000", &e), 0, "no file: nothing to erase");
	is_int(auth_save(path, "localhost:5000", "me", "s3:cret", &e), 0, "save");
	struct stat st;
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "the file is mode 0600");
	is_int(auth_lookup(path, "localhost:5000", &u, &p, &e), 1, "found");
	is_str(u, "me", "user");
	is_str(p, "s3:cret", "password with a colon");
	free(u);
	free(p);
	is_int(auth_save(path, "docker.io", "hub", "pw", &e), 0, "save docker.io");

	char *buf = NULL;
	size_t len;
	json_t *doc = NULL;
	if (read_file_at(AT_FDCWD, path, 1 << 20, &buf, &len, NULL) == 0 &&
	    json_parse_buffer(buf, len, "config", &doc, NULL) == 0) {
		json_t *auths = json_object_get(doc, "auths");
		is_str(json_string_value(json_object_get(
			       json_object_get(auths, "https://index.docker.io/v1/"), "auth")),
		       "aHViOnB3", "docker.io under docker's key");
		is_str(json_string_value(json_object_get(json_object_get(auths, "localhost:5000"),
							 "auth")),
		       "bWU6czM6Y3JldA==", "localhost:5000 under its name");
		json_decref(doc);
	} else {
		ok(false, "read the file back");
	}
	free(buf);

	is_int(auth_lookup(path, "index.docker.io", &u, &p, &e), 1, "index.docker.io is docker.io");
	is_str(u, "hub", "hub user");
	free(u);
	free(p);

	/* Other keys are kept; keys with a scheme match the domain. */
	const char *other = "{\"credsStore\":\"x\",\"auths\":{\"https://Reg.example:443/v2/\":"
			    "{\"auth\":\"YTpi\"}}}";
	write_file_atomic_at(AT_FDCWD, path, other, strlen(other), 0600, 0, NULL);
	is_int(auth_lookup(path, "reg.example:443", &u, &p, &e), 1, "scheme and path dropped");
	is_str(u, "a", "its user");
	free(u);
	free(p);
	is_int(auth_save(path, "reg.example:443", "c", "d", &e), 0, "save over an alias");
	buf = NULL;
	if (read_file_at(AT_FDCWD, path, 1 << 20, &buf, &len, NULL) == 0 &&
	    json_parse_buffer(buf, len, "config", &doc, NULL) == 0) {
		is_str(json_string_value(json_object_get(doc, "credsStore")), "x",
		       "other keys are kept");
		json_t *auths = json_object_get(doc, "auths");
		is_int(json_object_size(auths), 1, "the alias was replaced");
		ok(json_object_get(auths, "reg.example:443") != NULL, "under the plain name");
		json_decref(doc);
	} else {
		ok(false, "read the file back");
	}
	free(buf);
	is_int(auth_erase(path, "reg.example:443", &e), 1, "erase");
	is_int(auth_lookup(path, "reg.example:443", &u, &p, &e), 0, "gone");

	write_file_atomic_at(AT_FDCWD, path, "{not json", 9, 0600, 0, NULL);
	is_int(auth_lookup(path, "x", &u, &p, &e), -1, "a malformed file is an error");
	err_clear(&e);
	is_int(auth_save(path, "x", "a", "b", &e), -1, "... and is not overwritten");
	err_clear(&e);
	buf = NULL;
	if (read_file_at(AT_FDCWD, path, 1 << 20, &buf, &len, NULL) == 0)
		is_str(buf, "{not json", "the malformed file is left as it was");
	free(buf);

	const char *bad = "{\"auths\":{\"x\":{\"auth\":\"!!!\"}}}";
	write_file_atomic_at(AT_FDCWD, path, bad, strlen(bad), 0600, 0, NULL);
	is_int(auth_lookup(path, "x", &u, &p, &e), -1, "invalid base64 is an error");
	err_clear(&e);
	is_int(auth_save(path, "x", "a:b", "c", &e), -1, "a user name with ':' is refused");
	err_clear(&e);

	char *d = auth_server_domain("https://index.docker.io/v1/", NULL);
	is_str(d, "docker.io", "server: docker's key is docker.io");
	free(d);
	d = auth_server_domain("localhost:5000", NULL);
	is_str(d, "localhost:5000", "server: host:port");
	free(d);
	d = auth_server_domain("http://[::1]:5000/v2", NULL);
	is_str(d, "[::1]:5000", "server: IPv6 with scheme and path");
	free(d);
	d = auth_server_domain(NULL, NULL);
	is_str(d, "docker.io", "server: none is docker.io");
	free(d);
	d = auth_server_domain("a b", &e);
	ok(d == NULL, "server: a space is refused");
	err_clear(&e);

	char *key = auth_file_key("registry-1.docker.io");
	is_str(key, "https://index.docker.io/v1/", "docker hub's key");
	free(key);

	setenv("DOCKER_CONFIG", "/cfg", 1);
	char *f = auth_file_path(NULL, NULL);
	is_str(f, "/cfg/config.json", "$DOCKER_CONFIG/config.json");
	free(f);
	unsetenv("DOCKER_CONFIG");
	setenv("HOME", "/home/x", 1);
	f = auth_file_path(NULL, NULL);
	is_str(f, "/home/x/.docker/config.json", "~/.docker/config.json");
	free(f);
	f = auth_file_path("/a/b.json", NULL);
	is_str(f, "/a/b.json", "--authfile wins");
	free(f);

	char *rm = xasprintf("rm -rf '%s'", dir);
	if (system(rm) != 0)
		ok(false, "clean up");
	free(rm);
	free(path);
}

int main(void)
{
	test_base64();
	test_challenge();
	test_token();
	test_file();
	return tap_done();
}
