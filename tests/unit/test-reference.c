/* test-reference: docker image reference parsing, normalisation, printing. */
#include <stdlib.h>

#include "base/err.h"
#include "image/reference.h"
#include "sanitizer-options.h"
#include "tap.h"

#define HEX64 "7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa"
#define D "sha256:" HEX64

/* Parses s and checks the full and familiar forms. */
static void norm(const char *s, const char *full, const char *familiar)
{
	_cleanup_err_ struct err e = ERR_INIT;
	struct image_ref r;
	int ret = image_ref_parse(s, &r, &e);
	if (!ok(ret == 0, "parse \"%s\" (%s)", s, err_msg(&e)))
		return;
	_cleanup_free_ char *f = image_ref_string(&r);
	_cleanup_free_ char *fam = image_ref_familiar(&r);
	is_str(f, full, "\"%s\" -> %s", s, full);
	is_str(fam, familiar, "\"%s\" familiar -> %s", s, familiar);
	image_ref_clear(&r);
}

static void fields(const char *s, const char *domain, const char *path, const char *tag,
		   const char *digest)
{
	_cleanup_err_ struct err e = ERR_INIT;
	struct image_ref r;
	int ret = image_ref_parse(s, &r, &e);
	if (!ok(ret == 0, "parse \"%s\" (%s)", s, err_msg(&e)))
		return;
	ok(streq_ptr(r.domain, domain) && streq_ptr(r.path, path) && streq_ptr(r.tag, tag) &&
		   streq_ptr(r.digest, digest),
	   "\"%s\" -> domain %s path %s tag %s digest %s (got %s %s %s %s)", s, domain, path,
	   tag ? tag : "(null)", digest ? digest : "(null)", r.domain, r.path,
	   r.tag ? r.tag : "(null)", r.digest ? r.digest : "(null)");
	image_ref_clear(&r);
}

/* s made printable for a TAP line: first 60 bytes, others as '?'. */
static const char *show(const char *s)
{
	static char buf[64];
	if (!s)
		return "(null)";
	size_t i = 0;
	for (; s[i] && i < 60; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[i] = '\0';
	if (s[i])
		snprintf(buf + i, sizeof(buf) - i, "...");
	return buf;
}

/* Parse fails with ERR_INVALID, a message starting with want_prefix, and
 * the output untouched. */
static void bad(const char *s, const char *want_prefix)
{
	_cleanup_err_ struct err e = ERR_INIT;
	struct image_ref r = {.domain = (char *)"sentinel"};
	int ret = image_ref_parse(s, &r, &e);
	bool good = ret < 0 && e.kind == ERR_INVALID && err_msg(&e) &&
		    startswith(err_msg(&e), want_prefix) && r.path == NULL &&
		    streq(r.domain, "sentinel");
	ok(good, "\"%s\" refused: %s (got r=%d, \"%s\")", show(s), want_prefix, ret,
	   err_msg(&e) ? err_msg(&e) : "");
	if (ret == 0)
		image_ref_clear(&r);
}

static void bad_msg(const char *s, const char *want)
{
	_cleanup_err_ struct err e = ERR_INIT;
	struct image_ref r;
	int ret = image_ref_parse(s, &r, &e);
	is_int(ret, -1, "\"%s\" refused", show(s));
	is_str(err_msg(&e), want, "\"%s\" message", show(s));
	if (ret == 0)
		image_ref_clear(&r);
}

static char *repeat(char c, size_t n)
{
	char *s = xmalloc(n + 1);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

#define FMT "invalid reference format"

int main(void)
{
	/* Normalisation table: input -> full, familiar. */
	norm("busybox", "docker.io/library/busybox:latest", "busybox:latest");
	norm("busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36");
	norm("user/app", "docker.io/user/app:latest", "user/app:latest");
	norm("user/app:1.0", "docker.io/user/app:1.0", "user/app:1.0");
	norm("library/busybox", "docker.io/library/busybox:latest", "busybox:latest");
	norm("docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest");
	norm("docker.io/library/busybox", "docker.io/library/busybox:latest", "busybox:latest");
	norm("index.docker.io/x", "docker.io/library/x:latest", "x:latest");
	norm("index.docker.io/user/x:2", "docker.io/user/x:2", "user/x:2");
	norm("docker.io/library/foo/bar", "docker.io/library/foo/bar:latest",
	     "library/foo/bar:latest");
	norm("a/b/c/d", "docker.io/a/b/c/d:latest", "a/b/c/d:latest");
	norm("quay.io/team/app", "quay.io/team/app:latest", "quay.io/team/app:latest");
	norm("quay.io/app", "quay.io/app:latest", "quay.io/app:latest");
	norm("localhost/a", "localhost/a:latest", "localhost/a:latest");
	norm("localhost:5000/a:1", "localhost:5000/a:1", "localhost:5000/a:1");
	norm("localhost:5000/team/app:1.0@" D, "localhost:5000/team/app:1.0@" D,
	     "localhost:5000/team/app:1.0@" D);
	norm("127.0.0.1:5000/a/b", "127.0.0.1:5000/a/b:latest", "127.0.0.1:5000/a/b:latest");
	norm("[::1]:5000/a", "[::1]:5000/a:latest", "[::1]:5000/a:latest");
	norm("[::1]/a", "[::1]/a:latest", "[::1]/a:latest");
	norm("[2001:DB8::1]:443/x/y:t", "[2001:DB8::1]:443/x/y:t", "[2001:DB8::1]:443/x/y:t");
	norm("myhost:5000/a", "myhost:5000/a:latest", "myhost:5000/a:latest");
	norm("my-reg.example.com/a", "my-reg.example.com/a:latest", "my-reg.example.com/a:latest");
	norm("docker.io/library/busybox@" D, "docker.io/library/busybox@" D, "busybox@" D);
	norm("busybox@" D, "docker.io/library/busybox@" D, "busybox@" D);
	norm("busybox:1@" D, "docker.io/library/busybox:1@" D, "busybox:1@" D);
	norm("host.lan/a:t@" D, "host.lan/a:t@" D, "host.lan/a:t@" D);
	/* docker: "host" alone is a hub namespace, not a domain. */
	norm("host/a:t@" D, "docker.io/host/a:t@" D, "host/a:t@" D);
	norm("a.b-c__d_e---f", "docker.io/library/a.b-c__d_e---f:latest", "a.b-c__d_e---f:latest");
	norm("busybox:Latest_1.x-y", "docker.io/library/busybox:Latest_1.x-y",
	     "busybox:Latest_1.x-y");
	norm("busybox:_t", "docker.io/library/busybox:_t", "busybox:_t");
	norm("test_com/foo", "docker.io/test_com/foo:latest", "test_com/foo:latest");
	/* docker: a single component never names a domain, even "localhost:5000". */
	norm("localhost:5000", "docker.io/library/localhost:5000", "localhost:5000");
	norm("docker.io", "docker.io/library/docker.io:latest", "docker.io:latest");
	/* docker: an uppercase first component is a domain. */
	norm("Foo/bar", "Foo/bar:latest", "Foo/bar:latest");
	norm("LOCALHOST/a", "LOCALHOST/a:latest", "LOCALHOST/a:latest");
	norm("0/a", "docker.io/0/a:latest", "0/a:latest");

	/* Fields. */
	fields("busybox", "docker.io", "library/busybox", "latest", NULL);
	fields("busybox@" D, "docker.io", "library/busybox", NULL, D);
	fields("localhost:5000/team/app:1.0@" D, "localhost:5000", "team/app", "1.0", D);
	fields("[::1]:5000/a", "[::1]:5000", "a", "latest", NULL);
	fields("localhost/a", "localhost", "a", "latest", NULL);
	fields("a/b/c/d", "docker.io", "a/b/c/d", "latest", NULL);

	/* Repository forms. */
	{
		_cleanup_err_ struct err e = ERR_INIT;
		struct image_ref r;
		ok(image_ref_parse("busybox:1", &r, &e) == 0, "parse busybox:1");
		_cleanup_free_ char *repo = image_ref_repo(&r);
		_cleanup_free_ char *frepo = image_ref_familiar_repo(&r);
		is_str(repo, "docker.io/library/busybox", "repo");
		is_str(frepo, "busybox", "familiar repo");
		image_ref_clear(&r);
		ok(r.domain == NULL && r.path == NULL && r.tag == NULL && r.digest == NULL,
		   "clear resets the fields");
		image_ref_clear(&r);
		image_ref_clear(NULL);
		ok(true, "clear twice and clear(NULL) are harmless");

		ok(image_ref_parse("quay.io/a/b@" D, &r, &e) == 0, "parse quay.io/a/b@digest");
		_cleanup_free_ char *repo2 = image_ref_repo(&r);
		_cleanup_free_ char *frepo2 = image_ref_familiar_repo(&r);
		is_str(repo2, "quay.io/a/b", "repo keeps the domain");
		is_str(frepo2, "quay.io/a/b", "familiar repo keeps a non-hub domain");
		image_ref_clear(&r);

		ok(image_ref_parse("user/app", &r, &e) == 0, "parse user/app");
		_cleanup_free_ char *frepo3 = image_ref_familiar_repo(&r);
		is_str(frepo3, "user/app", "familiar repo of a hub user repo");
		image_ref_clear(&r);
	}

	/* Malformed. */
	bad("", FMT);
	bad(NULL, FMT);
	bad("Foo::bar", FMT);
	bad("a:b:c", FMT);
	bad(":tag", FMT);
	bad("busybox:", FMT);
	bad("busybox@", FMT);
	bad("busybox@sha256:short", FMT);
	bad("busybox@sha256:" HEX64 "@x", FMT);
	bad("busybox:-tag", FMT);
	bad("busybox:.tag", FMT);
	bad("busybox:t/a", FMT);
	bad("-foo", FMT);
	bad("foo-", FMT);
	bad("foo..bar", FMT);
	bad("foo___bar", FMT);
	bad("foo.-bar", FMT);
	bad("docker///docker", FMT);
	bad("a//b", FMT);
	bad("/a", FMT);
	bad("a/", FMT);
	bad("localhost/", FMT);
	bad("docker.io/", FMT);
	bad("bus box", FMT);
	bad("busybox\n", FMT);
	bad("b\xc3\xa9" "b", FMT);
	bad("host:/a", FMT);
	bad("host:50a0/a", FMT);
	bad("-host.com/a", FMT);
	bad("host-.com/a", FMT);
	bad("host..com/a", FMT);
	bad("a_b.com/x", FMT);
	bad("[::1/a", FMT);
	bad("[]:5000/a", FMT);
	bad("[fe80::1%eth0]:5000/a", FMT);
	bad("[::1]x/a", FMT);
	bad("quay.io/a@sha256" HEX64, FMT);

	/* Uppercase in the repository path. */
	bad_msg("Foo", FMT ": repository name (library/Foo) must be lowercase");
	bad_msg("docker/Docker", FMT ": repository name (docker/Docker) must be lowercase");
	bad_msg("localhost:5000/Team/app:v1",
		FMT ": repository name (Team/app) must be lowercase");
	bad_msg("Busybox@" D, FMT ": repository name (library/Busybox@sha256) must be lowercase");
	bad("Foo::bar", FMT ": repository name (library/Foo) must be lowercase");
	bad("localhost/A", FMT ": repository name (A) must be lowercase");
	/* An uppercase first component is a domain; when it is not a valid one
	 * but would be a valid path lowercased, docker says so. */
	bad_msg("Foo_x/bar", "repository name must be lowercase \"Foo_x/bar\"");
	bad("FOO.-x/bar", FMT " ");

	/* Exact messages quote the input, escaped. */
	bad_msg("a:b:c", FMT " \"a:b:c\"");
	bad_msg("bad\"\x1b[0m", FMT " \"bad\\\"\\x1b[0m\"");
	bad_msg(HEX64, "invalid repository name (" HEX64
		       "), cannot specify 64-byte hexadecimal strings");

	/* Tag length: 128 accepted, 129 refused. */
	{
		_cleanup_free_ char *t128 = repeat('t', 128), *t129 = repeat('t', 129);
		_cleanup_free_ char *s128 = xasprintf("busybox:%s", t128);
		_cleanup_free_ char *s129 = xasprintf("busybox:%s", t129);
		_cleanup_free_ char *full = xasprintf("docker.io/library/busybox:%s", t128);
		norm(s128, full, s128);
		bad(s129, FMT);
		ok(image_tag_valid(t128) && !image_tag_valid(t129) && !image_tag_valid("") &&
			   !image_tag_valid(".x") && image_tag_valid("v1.0-rc_1"),
		   "image_tag_valid");
	}

	/* Name length: the path may hold 255 characters, not 256. */
	{
		_cleanup_free_ char *p255 = repeat('a', 255), *p256 = repeat('a', 256);
		_cleanup_free_ char *p247 = repeat('b', 247), *p248 = repeat('b', 248);
		_cleanup_free_ char *ok255 = xasprintf("quay.io/%s", p255);
		_cleanup_free_ char *bad256 = xasprintf("quay.io/%s", p256);
		_cleanup_free_ char *full = xasprintf("%s:latest", ok255);
		norm(ok255, full, full);
		bad_msg(bad256, "repository name must not be more than 255 characters");
		/* "library/" counts: 8 + 247 = 255 fits, 8 + 248 does not. */
		_cleanup_free_ char *full247 = xasprintf("docker.io/library/%s:latest", p247);
		_cleanup_free_ char *fam247 = xasprintf("%s:latest", p247);
		norm(p247, full247, fam247);
		bad(p248, "repository name must not be more than 255 characters");
		/* Bounded input. */
		_cleanup_free_ char *huge = repeat('a', IMAGE_REF_MAX_INPUT + 1);
		bad(huge, FMT);
		_cleanup_free_ char *maxin = repeat('a', IMAGE_REF_MAX_INPUT);
		bad(maxin, "repository name must not be more than 255 characters");
	}

	/* Digests in references. */
	bad_msg("busybox@sha256:" HEX64 "00",
		"invalid checksum digest length \"busybox@sha256:" HEX64 "00\"");
	bad("busybox@sha256:0123456789abcdef0123456789abcdef", "invalid checksum digest length");
	bad("busybox@sha256:7CC4B5AEFD1D0CADF8D97D4350462BA51C694EBCA145B08D7D41B41ACC8DB5AA",
	    "invalid checksum digest format");
	/* docker cuts the name at the first ':' for its lowercase check. */
	bad_msg("busybox@SHA256:" HEX64,
		FMT ": repository name (library/busybox@SHA256) must be lowercase");
	bad("q.io/a@a.b:0123456789abcdef0123456789abcdef", "unsupported digest algorithm");
	bad("busybox@md5:0123456789abcdef0123456789abcdef", "unsupported digest algorithm");
	bad("busybox@sha256+b64:" HEX64, "unsupported digest algorithm");
	fields("a@sha512:" HEX64 HEX64, "docker.io", "library/a", NULL, "sha512:" HEX64 HEX64);
	fields("a@sha384:" HEX64 "0123456789abcdef0123456789abcdef", "docker.io", "library/a",
	       NULL, "sha384:" HEX64 "0123456789abcdef0123456789abcdef");

	/* image_digest_valid. */
	ok(image_digest_valid(D), "digest valid: sha256");
	ok(!image_digest_valid("sha256:" HEX64 "0"), "digest invalid: sha256 65 hex");
	ok(!image_digest_valid("sha256:7CC4B5AEFD1D0CADF8D97D4350462BA51C694EBCA145B08D7D41B41ACC8"
			       "DB5AA"),
	   "digest invalid: sha256 uppercase");
	ok(!image_digest_valid("sha256:"), "digest invalid: empty encoded");
	ok(!image_digest_valid(HEX64), "digest invalid: no algorithm");
	ok(!image_digest_valid(":" HEX64), "digest invalid: empty algorithm");
	ok(!image_digest_valid("SHA256:" HEX64), "digest invalid: uppercase algorithm");
	ok(image_digest_valid("sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564"),
	   "digest valid: other algorithm, base64url");
	ok(!image_digest_valid("foo:short"), "digest invalid: short encoded");
	ok(!image_digest_valid("a..b:0123456789abcdef0123456789abcdef"),
	   "digest invalid: doubled separator");
	ok(!image_digest_valid(NULL), "digest invalid: NULL");
	ok(image_digest_valid("sha512:" HEX64 HEX64), "digest valid: sha512");

	/* image_id_like. */
	ok(image_id_like(HEX64), "id: 64 hex");
	ok(image_id_like(D), "id: sha256:64 hex");
	ok(image_id_like("7cc4b5aefd1d"), "id: 12 hex");
	ok(!image_id_like("7cc4b5aefd1"), "id: 11 hex is not");
	ok(!image_id_like(HEX64 "0"), "id: 65 hex is not");
	ok(!image_id_like("7CC4B5AEFD1D"), "id: uppercase is not");
	ok(!image_id_like("busybox"), "id: a name is not");
	ok(!image_id_like(NULL) && !image_id_like(""), "id: NULL and empty are not");

	/* e may be NULL. */
	{
		struct image_ref r;
		ok(image_ref_parse("a:b:c", &r, NULL) == -1, "parse with a NULL err");
	}

	return tap_done();
}
