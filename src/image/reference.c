/* reference.c: see reference.h.  A hand-written scanner for each part of
 * the grammar instead of regular expressions: the input splits
 * deterministically (a path has no ':' or '@', a tag no '@'), so each part
 * is checked on its own span. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "image/reference.h"

#define LIBRARY_PREFIX "library/"
#define LEGACY_DEFAULT_DOMAIN "index.docker.io"

static bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_lower_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }
static bool is_hex(char c) { return is_lower_hex(c) || (c >= 'A' && c <= 'F'); }
static bool is_word(char c) { return is_alnum(c) || c == '_'; }

/* The n bytes at s are exactly the string lit. */
static bool span_is(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static bool has_upper(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (is_upper(s[i]))
			return true;
	return false;
}

static bool all_lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_lower_hex(s[i]))
			return false;
	return true;
}

/* [a-z0-9]+ (([._] | __ | -+) [a-z0-9]+)* */
static bool path_component_valid(const char *s, size_t n)
{
	size_t i = 0;
	for (;;) {
		size_t start = i;
		while (i < n && is_lower_alnum(s[i]))
			i++;
		if (i == start)
			return false;
		if (i == n)
			return true;
		if (s[i] == '.')
			i++;
		else if (s[i] == '_')
			i += (i + 1 < n && s[i + 1] == '_') ? 2 : 1;
		else if (s[i] == '-')
			while (i < n && s[i] == '-')
				i++;
		else
			return false;
	}
}

/* Components separated by single '/'. */
static bool path_valid(const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '/') {
			if (!path_component_valid(s + start, i - start))
				return false;
			start = i + 1;
		}
	}
	return true;
}

/* [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static bool domain_component_valid(const char *s, size_t n)
{
	if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return false;
	for (size_t i = 1; i + 1 < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

/* host [':' port], host a domain name or a bracketed IPv6 address. */
static bool domain_valid(const char *s, size_t n)
{
	size_t host_end;
	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);
		if (!close || close == s + 1)
			return false;
		for (const char *p = s + 1; p < close; p++)
			if (!is_hex(*p) && *p != ':')
				return false;
		host_end = (size_t)(close - s) + 1;
	} else {
		const char *colon = memchr(s, ':', n);
		host_end = colon ? (size_t)(colon - s) : n;
		size_t start = 0;
		for (size_t i = 0; i <= host_end; i++) {
			if (i == host_end || s[i] == '.') {
				if (!domain_component_valid(s + start, i - start))
					return false;
				start = i + 1;
			}
		}
	}
	if (host_end == n)
		return true;
	if (s[host_end] != ':' || host_end + 1 == n)
		return false;
	for (size_t i = host_end + 1; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

/* [\w][\w.-]{0,127} */
static bool tag_valid(const char *s, size_t n)
{
	if (n == 0 || n > IMAGE_REF_TAG_MAX || !is_word(s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_word(s[i]) && s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

/* The reference grammar's digest:
 * [A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)* ':' [0-9a-fA-F]{32,} */
static bool ref_digest_syntax_valid(const char *s, size_t n)
{
	size_t i = 0;
	for (;;) {
		if (i >= n || !is_alpha(s[i]))
			return false;
		while (i < n && is_alnum(s[i]))
			i++;
		if (i < n && (s[i] == '-' || s[i] == '_' || s[i] == '+' || s[i] == '.')) {
			i++;
			continue;
		}
		break;
	}
	if (i >= n || s[i] != ':')
		return false;
	i++;
	if (n - i < 32)
		return false;
	for (; i < n; i++)
		if (!is_hex(s[i]))
			return false;
	return true;
}

/* Hex length of a known algorithm's digest; 0 when unknown. */
static size_t known_algorithm_hex_len(const char *alg, size_t n)
{
	static const struct {
		const char *name;
		size_t hex;
	} algs[] = {{"sha256", 64}, {"sha384", 96}, {"sha512", 128}};
	for (size_t i = 0; i < ARRAY_SIZE(algs); i++)
		if (span_is(alg, n, algs[i].name))
			return algs[i].hex;
	return 0;
}

/* go-digest's grammar: [a-z0-9]+([+._-][a-z0-9]+)* ':' [a-zA-Z0-9=_-]+,
 * with the encoded part at least min_encoded long. */
static bool digest_grammar_valid(const char *s, size_t n, size_t min_encoded, size_t *alg_len)
{
	size_t i = 0;
	for (;;) {
		size_t start = i;
		while (i < n && is_lower_alnum(s[i]))
			i++;
		if (i == start)
			return false;
		if (i < n && (s[i] == '+' || s[i] == '.' || s[i] == '_' || s[i] == '-')) {
			i++;
			continue;
		}
		break;
	}
	if (i >= n || s[i] != ':')
		return false;
	*alg_len = i;
	i++;
	if (n - i < min_encoded || n - i == 0)
		return false;
	for (; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '=' && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

bool image_digest_valid(const char *s)
{
	if (!s)
		return false;
	size_t n = strnlen(s, IMAGE_REF_MAX_INPUT + 1), alg_len;
	if (n > IMAGE_REF_MAX_INPUT || !digest_grammar_valid(s, n, 32, &alg_len))
		return false;
	size_t want = known_algorithm_hex_len(s, alg_len);
	if (want == 0)
		return true;
	const char *enc = s + alg_len + 1;
	return n - alg_len - 1 == want && all_lower_hex(enc, want);
}

bool image_tag_valid(const char *s) { return s && tag_valid(s, strnlen(s, IMAGE_REF_TAG_MAX + 1)); }

bool image_id_like(const char *s)
{
	if (!s)
		return false;
	if (startswith(s, "sha256:"))
		s += strlen("sha256:");
	size_t n = strnlen(s, 65);
	return n >= 12 && n <= 64 && all_lower_hex(s, n);
}

/* s with '"', '\\' and bytes outside printable ASCII escaped, for messages. */
static char *quote(const char *s)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			strbuf_addf(&sb, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			strbuf_addf(&sb, "\\x%02x", *p);
		else
			strbuf_addch(&sb, (char)*p);
	}
	return strbuf_detach(&sb, NULL);
}

static int invalid(struct err *e, const char *what, const char *s)
{
	_cleanup_free_ char *q = quote(s);
	return err_set(e, ERR_INVALID, "%s \"%s\"", what, q);
}

#define INVALID_FORMAT "invalid reference format"

/* go-digest's checks on a digest the reference grammar accepted. */
static int check_digest(const char *d, size_t n, const char *s, struct err *e)
{
	const char *colon = memchr(d, ':', n);
	size_t alg_len = (size_t)(colon - d), want = known_algorithm_hex_len(d, alg_len);
	if (want == 0) {
		size_t l;
		if (!digest_grammar_valid(d, n, 1, &l))
			return invalid(e, "invalid checksum digest format", s);
		return invalid(e, "unsupported digest algorithm", s);
	}
	if (n - alg_len - 1 != want)
		return invalid(e, "invalid checksum digest length", s);
	if (!all_lower_hex(colon + 1, want))
		return invalid(e, "invalid checksum digest format", s);
	return 0;
}

struct span {
	const char *p;
	size_t n;
};

struct ref_spans {
	struct span domain, path, tag, digest; /* p NULL when absent */
};

/* docker's Parse grammar on a whole string: [domain '/'] path [':' tag]
 * ['@' digest], the domain taken when the first component is one. */
static bool ref_grammar(const char *s, size_t n, struct ref_spans *sp)
{
	*sp = (struct ref_spans){{0}};
	const char *at = memchr(s, '@', n);
	size_t before = at ? (size_t)(at - s) : n;
	if (at) {
		sp->digest = (struct span){at + 1, n - before - 1};
		if (!ref_digest_syntax_valid(sp->digest.p, sp->digest.n))
			return false;
	}
	/* A path has no ':': a tag starts at the first ':' after the last '/'. */
	const char *last_slash = memrchr(s, '/', before);
	size_t tail = last_slash ? (size_t)(last_slash - s) + 1 : 0;
	const char *colon = memchr(s + tail, ':', before - tail);
	size_t name = colon ? (size_t)(colon - s) : before;
	if (colon) {
		sp->tag = (struct span){colon + 1, before - name - 1};
		if (!tag_valid(sp->tag.p, sp->tag.n))
			return false;
	}
	const char *slash = memchr(s, '/', name);
	if (slash) {
		size_t d = (size_t)(slash - s);
		if (domain_valid(s, d) && path_valid(slash + 1, name - d - 1)) {
			sp->domain = (struct span){s, d};
			sp->path = (struct span){slash + 1, name - d - 1};
			return true;
		}
	}
	sp->path = (struct span){s, name};
	return path_valid(s, name);
}

int image_ref_parse(const char *s, struct image_ref *ret, struct err *e)
{
	if (!s)
		return err_set(e, ERR_INVALID, INVALID_FORMAT ": no reference");
	size_t len = strnlen(s, IMAGE_REF_MAX_INPUT + 1);
	if (len > IMAGE_REF_MAX_INPUT)
		return err_set(e, ERR_INVALID, INVALID_FORMAT ": longer than %d bytes",
			       IMAGE_REF_MAX_INPUT);
	if (len == 64 && all_lower_hex(s, len))
		return err_set(e, ERR_INVALID,
			       "invalid repository name (%s), cannot specify 64-byte hexadecimal "
			       "strings",
			       s);

	/* Split off the domain, as docker's splitDockerDomain. */
	const char *domain = IMAGE_DEFAULT_DOMAIN, *rest = s;
	size_t domain_len = strlen(IMAGE_DEFAULT_DOMAIN);
	const char *slash = strchr(s, '/');
	if (slash) {
		size_t n = (size_t)(slash - s);
		if (span_is(s, n, LEGACY_DEFAULT_DOMAIN)) {
			rest = slash + 1;
		} else if (span_is(s, n, "localhost") ||
			   memchr(s, '.', n) || memchr(s, ':', n) || has_upper(s, n)) {
			domain = s;
			domain_len = n;
			rest = slash + 1;
		}
	}
	bool is_hub = span_is(domain, domain_len, IMAGE_DEFAULT_DOMAIN);
	_cleanup_free_ char *remainder = is_hub && !strchr(rest, '/')
						 ? xasprintf(LIBRARY_PREFIX "%s", rest)
						 : xstrdup(rest);

	/* The repository (everything up to the first ':', as docker) must be
	 * lowercase. */
	size_t remote_len = strcspn(remainder, ":");
	if (has_upper(remainder, remote_len)) {
		_cleanup_free_ char *remote = xstrndup(remainder, remote_len);
		_cleanup_free_ char *q = quote(remote);
		return err_set(e, ERR_INVALID,
			       INVALID_FORMAT ": repository name (%s) must be lowercase", q);
	}

	_cleanup_free_ char *joined = xasprintf("%.*s/%s", (int)domain_len, domain, remainder);
	size_t joined_len = strlen(joined);
	struct ref_spans sp;
	if (!ref_grammar(joined, joined_len, &sp)) {
		/* Only an uppercase letter in the wrong place? */
		if (has_upper(joined, joined_len)) {
			_cleanup_free_ char *lower = xstrdup(joined);
			for (char *p = lower; *p; p++)
				if (is_upper(*p))
					*p = (char)(*p - 'A' + 'a');
			if (ref_grammar(lower, joined_len, &sp))
				return invalid(e, "repository name must be lowercase", s);
		}
		return invalid(e, INVALID_FORMAT, s);
	}
	/* docker would go on with no domain at all when the chosen one is not
	 * valid but reads as a path ("a_b.c/x"); refused here. */
	if (!sp.domain.p)
		return invalid(e, INVALID_FORMAT, s);
	if (sp.path.n > IMAGE_REF_NAME_MAX)
		return err_set(e, ERR_INVALID,
			       "repository name must not be more than %d characters",
			       IMAGE_REF_NAME_MAX);
	if (sp.digest.p && check_digest(sp.digest.p, sp.digest.n, s, e) < 0)
		return -1;

	*ret = (struct image_ref){
		.domain = xstrndup(sp.domain.p, sp.domain.n),
		.path = xstrndup(sp.path.p, sp.path.n),
		.tag = sp.tag.p ? xstrndup(sp.tag.p, sp.tag.n)
				: (sp.digest.p ? NULL : xstrdup(IMAGE_DEFAULT_TAG)),
		.digest = sp.digest.p ? xstrndup(sp.digest.p, sp.digest.n) : NULL,
	};
	return 0;
}

void image_ref_clear(struct image_ref *r)
{
	if (!r)
		return;
	free(r->domain);
	free(r->path);
	free(r->tag);
	free(r->digest);
	*r = (struct image_ref){0};
}

/* The familiar repository's parts: domain (NULL when docker.io) and path. */
static void familiar_parts(const struct image_ref *r, const char **domain, const char **path)
{
	*domain = r->domain;
	*path = r->path;
	if (!streq(r->domain, IMAGE_DEFAULT_DOMAIN))
		return;
	*domain = NULL;
	if (startswith(r->path, LIBRARY_PREFIX) &&
	    !strchr(r->path + strlen(LIBRARY_PREFIX), '/'))
		*path = r->path + strlen(LIBRARY_PREFIX);
}

static char *format(const char *domain, const char *path, const char *tag, const char *digest)
{
	return xasprintf("%s%s%s%s%s%s%s", domain ? domain : "", domain ? "/" : "", path,
			 tag ? ":" : "", tag ? tag : "", digest ? "@" : "", digest ? digest : "");
}

char *image_ref_string(const struct image_ref *r)
{
	return format(r->domain, r->path, r->tag, r->digest);
}

char *image_ref_familiar(const struct image_ref *r)
{
	const char *domain, *path;
	familiar_parts(r, &domain, &path);
	return format(domain, path, r->tag, r->digest);
}

char *image_ref_repo(const struct image_ref *r)
{
	return format(r->domain, r->path, NULL, NULL);
}

char *image_ref_familiar_repo(const struct image_ref *r)
{
	const char *domain, *path;
	familiar_parts(r, &domain, &path);
	return format(domain, path, NULL, NULL);
}

bool image_name_is_short_for(const char *full, const char *name)
{
	const char *slash = strchr(name, '/');
	if (slash) {
		size_t fl = (size_t)(slash - name);
		if (memchr(name, '.', fl) || memchr(name, ':', fl) ||
		    (fl == 9 && !strncmp(name, "localhost", 9)))
			return false; /* a domain was given */
	}
	if (strchr(name, '@'))
		return false;
	const char *rest = strchr(full, '/');
	if (!rest)
		return false;
	rest++;
	const char *last = strrchr(name, '/');
	bool has_tag = strchr(last ? last : name, ':') != NULL;
	size_t nl = strlen(name);
	if (strncmp(rest, name, nl) != 0)
		return false;
	return has_tag ? rest[nl] == '\0' : !strcmp(rest + nl, ":latest");
}
