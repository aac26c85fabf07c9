/* ignore.c: see ignore.h. */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "build/ignore.h"

/* "a//b/./c/../d" -> "a/b/d"; "" and "." -> "." */
static char *clean(const char *p)
{
	_cleanup_strv_ char **parts = NULL;
	_cleanup_free_ char *copy = xstrdup(p);
	char *save = NULL;
	for (char *s = strtok_r(copy, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
		if (!strcmp(s, "."))
			continue;
		size_t n = strv_length(parts);
		if (!strcmp(s, "..") && n && strcmp(parts[n - 1], "..") != 0) {
			free(parts[n - 1]);
			parts[n - 1] = NULL;
			continue;
		}
		strv_push(&parts, s);
	}
	if (!parts)
		return xstrdup(".");
	struct strbuf b = STRBUF_INIT;
	for (char **q = parts; *q; q++)
		strbuf_addf(&b, "%s%s", q == parts ? "" : "/", *q);
	return strbuf_detach(&b, NULL);
}

int ignore_parse(const char *text, size_t len, struct ignore *ret, struct err *e)
{
	memset(ret, 0, sizeof(*ret));
	if (len > (1u << 20))
		return err_set(e, ERR_INVALID, ".dockerignore: larger than 1 MiB");
	_cleanup_free_ char *copy = xstrndup(text, len);
	char *save = NULL;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		while (*l == ' ' || *l == '\t')
			l++;
		size_t n = strlen(l);
		while (n && (l[n - 1] == ' ' || l[n - 1] == '\t' || l[n - 1] == '\r'))
			l[--n] = '\0';
		if (!n || l[0] == '#')
			continue;
		bool neg = l[0] == '!';
		if (neg) {
			l++;
			while (*l == ' ' || *l == '\t')
				l++;
		}
		while (*l == '/')
			l++;
		char *p = clean(l);
		if (ignore_glob(p, "") < 0) {
			free(p);
			ignore_clear(ret);
			return err_set(e, ERR_INVALID, ".dockerignore: bad pattern \"%s\"", l);
		}
		ret->pats = xrealloc(ret->pats, (ret->n + 2) * sizeof(*ret->pats));
		ret->neg = xrealloc(ret->neg, (ret->n + 1) * sizeof(*ret->neg));
		ret->pats[ret->n] = p;
		ret->pats[ret->n + 1] = NULL;
		ret->neg[ret->n++] = neg;
	}
	return 0;
}

void ignore_clear(struct ignore *ig)
{
	strv_free(ig->pats);
	free(ig->neg);
	memset(ig, 0, sizeof(*ig));
}

/* One class "[...]" at *pp against c; -1 malformed. */
static int match_class(const char **pp, char c)
{
	const char *p = *pp + 1;
	bool negate = false, hit = false;
	if (*p == '^' || *p == '!') {
		negate = true;
		p++;
	}
	bool first = true;
	while (*p && (*p != ']' || first)) {
		first = false;
		char lo = *p;
		if (lo == '\\') {
			if (!p[1])
				return -1;
			lo = *++p;
		}
		char hi = lo;
		if (p[1] == '-' && p[2] && p[2] != ']') {
			hi = p[2];
			if (hi == '\\') {
				if (!p[3])
					return -1;
				hi = p[3];
				p++;
			}
			p += 2;
		}
		if (lo <= c && c <= hi)
			hit = true;
		p++;
	}
	if (*p != ']')
		return -1;
	*pp = p + 1;
	return hit != negate;
}

/* pat against name, both whole; '/' only by '/' or "**". */
static int glob(const char *pat, const char *name)
{
	for (;;) {
		if (!*pat)
			return !*name;
		if (pat[0] == '*' && pat[1] == '*' && (pat[2] == '/' || !pat[2])) {
			/* "**": any number of elements (none too) */
			const char *rest = pat[2] ? pat + 3 : pat + 2;
			if (!*rest)
				return 1;
			for (const char *n = name;; n++) {
				int r = glob(rest, n);
				if (r != 0)
					return r;
				n = strchr(n, '/');
				if (!n)
					return 0;
			}
		}
		if (*pat == '*') {
			while (*pat == '*')
				pat++;
			for (const char *n = name;; n++) {
				int r = glob(pat, n);
				if (r != 0)
					return r;
				if (!*n || *n == '/')
					return 0;
			}
		}
		if (!*name)
			return *pat == '[' && !strchr(pat, ']') ? -1 : 0;
		if (*pat == '?') {
			if (*name == '/')
				return 0;
			pat++;
			name++;
			continue;
		}
		if (*pat == '[') {
			if (*name == '/')
				return 0;
			int r = match_class(&pat, *name);
			if (r <= 0)
				return r;
			name++;
			continue;
		}
		if (*pat == '\\') {
			if (!pat[1])
				return -1;
			pat++;
		}
		if (*pat != *name)
			return 0;
		pat++;
		name++;
	}
}

int ignore_glob(const char *pat, const char *name)
{
	/* a malformed class fails even when never reached */
	for (const char *p = pat; *p; p++) {
		if (*p == '\\') {
			if (!*++p)
				return -1;
		} else if (*p == '[') {
			const char *q = p;
			if (match_class(&q, 'a') < 0)
				return -1;
			p = q - 1;
		}
	}
	return glob(pat, name);
}

bool ignore_match(const struct ignore *ig, const char *path)
{
	_cleanup_free_ char *p = clean(path);
	bool out = false;
	for (size_t i = 0; i < ig->n; i++) {
		/* the path, or one of its directories */
		bool hit = ignore_glob(ig->pats[i], p) == 1;
		_cleanup_free_ char *dir = xstrdup(p);
		for (char *s = strrchr(dir, '/'); !hit && s; s = strrchr(dir, '/')) {
			*s = '\0';
			hit = ignore_glob(ig->pats[i], dir) == 1;
		}
		if (hit)
			out = !ig->neg[i];
	}
	return out;
}
