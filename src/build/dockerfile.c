/* dockerfile.c: see dockerfile.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json-util.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "build/dockerfile.h"

static const char *const names[] = {
	[DF_ADD] = "ADD",	      [DF_ARG] = "ARG",		[DF_CMD] = "CMD",
	[DF_COPY] = "COPY",	      [DF_ENTRYPOINT] = "ENTRYPOINT", [DF_ENV] = "ENV",
	[DF_EXPOSE] = "EXPOSE",	      [DF_FROM] = "FROM",	  [DF_HEALTHCHECK] = "HEALTHCHECK",
	[DF_LABEL] = "LABEL",	      [DF_MAINTAINER] = "MAINTAINER", [DF_ONBUILD] = "ONBUILD",
	[DF_RUN] = "RUN",	      [DF_SHELL] = "SHELL",	  [DF_STOPSIGNAL] = "STOPSIGNAL",
	[DF_USER] = "USER",	      [DF_VOLUME] = "VOLUME",	  [DF_WORKDIR] = "WORKDIR",
};
#define N_CMDS (sizeof(names) / sizeof(names[0]))

const char *df_cmd_name(enum df_cmd c)
{
	return (size_t)c < N_CMDS ? names[c] : "?";
}

static void instr_clear(struct df_instr *in)
{
	free(in->original);
	strv_free(in->flags);
	strv_free(in->args);
	for (size_t i = 0; i < in->n_heredocs; i++) {
		free(in->heredocs[i].name);
		free(in->heredocs[i].body);
	}
	free(in->heredocs);
	if (in->onbuild) {
		instr_clear(in->onbuild);
		free(in->onbuild);
	}
	memset(in, 0, sizeof(*in));
}

void df_clear(struct dockerfile *df)
{
	for (size_t i = 0; i < df->n; i++)
		instr_clear(&df->v[i]);
	free(df->v);
	memset(df, 0, sizeof(*df));
}

/* ---- lines ---- */

struct lines {
	const char *p, *end;
	unsigned no; /* of the line last read */
};

/* The next line (without "\n" and a "\r" before it), or NULL at the end. */
static char *next_line(struct lines *l)
{
	if (l->p >= l->end)
		return NULL;
	const char *nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
	const char *stop = nl ? nl : l->end;
	size_t n = (size_t)(stop - l->p);
	if (n && l->p[n - 1] == '\r')
		n--;
	char *s = xstrndup(l->p, n);
	l->p = nl ? nl + 1 : l->end;
	l->no++;
	return s;
}

static bool blank(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return !*s;
}

static bool comment(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return *s == '#';
}

/* Whether s ends with the escape character (blanks after it ignored);
 * it and what follows are cut off. */
static bool continues(char *s, char escape)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (!n || s[n - 1] != escape)
		return false;
	s[n - 1] = '\0';
	return true;
}

/* ---- instructions ---- */

static unsigned distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 20 || lb > 20)
		return 99;
	unsigned d[21][21];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			unsigned c = toupper((unsigned char)a[i - 1]) == b[j - 1] ? 0 : 1;
			unsigned m = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < m)
				m = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + c < m)
				m = d[i - 1][j - 1] + c;
			d[i][j] = m;
		}
	return d[la][lb];
}

static int lookup_cmd(const char *word, enum df_cmd *ret)
{
	for (size_t i = 0; i < N_CMDS; i++)
		if (!strcasecmp(word, names[i])) {
			*ret = (enum df_cmd)i;
			return 0;
		}
	return -1;
}

/* The instruction a misspelt word most likely meant: one within two
 * edits, else the one it shares the longest beginning (4 letters at
 * least) with ("WORKSPACE": WORKDIR). */
static const char *suggest(const char *word)
{
	const char *best = NULL;
	unsigned bd = 3;
	for (size_t i = 0; i < N_CMDS; i++) {
		unsigned d = distance(word, names[i]);
		if (d < bd) {
			bd = d;
			best = names[i];
		}
	}
	if (best)
		return best;
	size_t bp = 3;
	for (size_t i = 0; i < N_CMDS; i++) {
		size_t p = 0;
		while (word[p] && names[i][p] && toupper((unsigned char)word[p]) == names[i][p])
			p++;
		if (p > bp) {
			bp = p;
			best = names[i];
		}
	}
	return best;
}

/* Split at unquoted blanks (quotes kept). */
static char **split_words(const char *s, char escape)
{
	char **v = NULL;
	struct strbuf b = STRBUF_INIT;
	char q = 0;
	bool have = false;
	for (const char *p = s; *p; p++) {
		if (*p == escape && p[1]) {
			strbuf_add(&b, p, 2);
			p++;
			have = true;
			continue;
		}
		if (q) {
			if (*p == q)
				q = 0;
		} else if (*p == '"' || *p == '\'') {
			q = *p;
		} else if (*p == ' ' || *p == '\t') {
			if (have) {
				strv_consume(&v, strbuf_detach(&b, NULL));
				have = false;
			}
			continue;
		}
		strbuf_add(&b, p, 1);
		have = true;
	}
	if (have)
		strv_consume(&v, strbuf_detach(&b, NULL));
	else
		strbuf_release(&b);
	return v;
}

/* ["a", "b"]: the strings, or NULL when s is not such an array. */
static char **json_form(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '[')
		return NULL;
	json_t *a = json_loads(s, JSON_DECODE_ANY, NULL);
	if (!json_is_array(a)) {
		json_decref(a);
		return NULL;
	}
	char **v = NULL;
	size_t i;
	json_t *it;
	json_array_foreach(a, i, it)
	{
		if (!json_is_string(it)) {
			strv_free(v);
			json_decref(a);
			return NULL;
		}
		strv_push(&v, json_string_value(it));
	}
	json_decref(a);
	if (!v)
		v = xnew(char *, 1); /* [] is an empty command */
	return v;
}

static bool takes_json(enum df_cmd c)
{
	return c == DF_RUN || c == DF_CMD || c == DF_ENTRYPOINT || c == DF_SHELL || c == DF_COPY ||
	       c == DF_ADD || c == DF_VOLUME || c == DF_HEALTHCHECK;
}

/* Instructions whose rest is one string (a command, a pair list...). */
static bool whole(enum df_cmd c)
{
	return c == DF_RUN || c == DF_CMD || c == DF_ENTRYPOINT || c == DF_SHELL ||
	       c == DF_HEALTHCHECK || c == DF_ENV || c == DF_LABEL || c == DF_ARG ||
	       c == DF_USER || c == DF_WORKDIR || c == DF_STOPSIGNAL || c == DF_MAINTAINER;
}

/* The heredoc markers of rest ("<<EOF", "<<-EOF", "<<'EOF'"), in order. */
static void heredoc_markers(const char *rest, struct df_instr *in)
{
	for (const char *p = strstr(rest, "<<"); p; p = strstr(p + 2, "<<")) {
		const char *s = p + 2;
		bool strip = false, quoted = false;
		if (*s == '-') {
			strip = true;
			s++;
		}
		char q = 0;
		if (*s == '"' || *s == '\'') {
			q = *s++;
			quoted = true;
		}
		size_t n = 0;
		while (s[n] && (isalnum((unsigned char)s[n]) || s[n] == '_'))
			n++;
		if (!n || (q && s[n] != q))
			continue;
		in->heredocs = xrealloc(in->heredocs, (in->n_heredocs + 1) * sizeof(*in->heredocs));
		struct df_heredoc *h = &in->heredocs[in->n_heredocs++];
		/* the strip flag rides on the name: "-EOF" until the body is read */
		h->name = strip ? xasprintf("-%.*s", (int)n, s) : xstrndup(s, n);
		h->body = NULL;
		h->expand = !quoted;
	}
}

static int parse_instr(char *text, unsigned line, const char *file, char escape, bool nested,
		       struct df_instr *in, struct err *e)
{
	memset(in, 0, sizeof(*in));
	in->line = line;
	char *s = text;
	while (*s == ' ' || *s == '\t')
		s++;
	size_t wl = 0;
	while (s[wl] && s[wl] != ' ' && s[wl] != '\t')
		wl++;
	_cleanup_free_ char *word = xstrndup(s, wl);
	char *rest = s + wl;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	if (lookup_cmd(word, &in->cmd) < 0) {
		const char *sug = suggest(word);
		return err_set(e, ERR_INVALID, "%s:%u: unknown instruction: %s%s%s%s", file, line,
			       word, sug ? " (did you mean " : "", sug ? sug : "", sug ? "?)" : "");
	}
	in->original = xstrdup(s);
	if (nested && (in->cmd == DF_ONBUILD || in->cmd == DF_FROM || in->cmd == DF_MAINTAINER))
		return err_set(e, ERR_INVALID, "%s:%u: %s isn't allowed as an ONBUILD trigger", file,
			       line, names[in->cmd]);
	if (in->cmd == DF_ONBUILD) {
		if (!*rest)
			return err_set(e, ERR_INVALID, "%s:%u: ONBUILD requires an instruction", file,
				       line);
		in->onbuild = xnew(struct df_instr, 1);
		return parse_instr(rest, line, file, escape, true, in->onbuild, e);
	}
	/* --name=value flags */
	while (rest[0] == '-' && rest[1] == '-') {
		size_t n = 2;
		while (rest[n] && rest[n] != ' ' && rest[n] != '\t')
			n++;
		if (in->cmd == DF_CMD || in->cmd == DF_ENTRYPOINT || in->cmd == DF_ENV ||
		    in->cmd == DF_LABEL || in->cmd == DF_SHELL)
			break; /* their "--" is the command's */
		strv_consume(&in->flags, xstrndup(rest + 2, n - 2));
		rest += n;
		while (*rest == ' ' || *rest == '\t')
			rest++;
	}
	if (takes_json(in->cmd)) {
		char **v = json_form(rest);
		if (v) {
			in->json = true;
			in->args = v;
		}
	}
	if (!in->json) {
		if (whole(in->cmd)) {
			if (*rest)
				strv_push(&in->args, rest);
		} else {
			in->args = split_words(rest, escape);
		}
	}
	if (in->cmd == DF_RUN || in->cmd == DF_COPY || in->cmd == DF_ADD)
		if (!in->json)
			heredoc_markers(rest, in);
	size_t n = strv_length(in->args);
	size_t need = in->cmd == DF_COPY || in->cmd == DF_ADD ? (in->n_heredocs ? 1 : 2)
		      : in->cmd == DF_CMD || in->cmd == DF_ENTRYPOINT || in->cmd == DF_RUN ? 0
		      : 1;
	if (in->json && in->cmd != DF_COPY && in->cmd != DF_ADD && in->cmd != DF_VOLUME)
		need = in->cmd == DF_SHELL ? 1 : 0;
	if (n < need || (in->cmd == DF_RUN && !in->json && n == 0))
		return err_set(e, ERR_INVALID, "%s:%u: %s requires %s", file, line, names[in->cmd],
			       need <= 1 ? "at least one argument" : "at least two arguments");
	if (in->cmd == DF_FROM && n != 1 && !(n == 3 && !strcasecmp(in->args[1], "as")))
		return err_set(e, ERR_INVALID, "%s:%u: FROM takes an image and maybe AS name", file,
			       line);
	return 0;
}

/* The heredocs' bodies: the lines after the instruction. */
static int read_heredocs(struct lines *l, const char *file, struct df_instr *in, struct err *e)
{
	for (size_t i = 0; i < in->n_heredocs; i++) {
		struct df_heredoc *h = &in->heredocs[i];
		bool strip = h->name[0] == '-';
		if (strip)
			memmove(h->name, h->name + 1, strlen(h->name));
		struct strbuf b = STRBUF_INIT;
		bool done = false;
		char *line;
		while ((line = next_line(l))) {
			const char *t = line;
			if (strip)
				while (*t == '\t')
					t++;
			if (!strcmp(t, h->name)) {
				free(line);
				done = true;
				break;
			}
			strbuf_addf(&b, "%s\n", t);
			free(line);
		}
		h->body = strbuf_detach(&b, NULL);
		if (!done)
			return err_set(e, ERR_INVALID, "%s:%u: heredoc %s is not closed", file,
				       in->line, h->name);
	}
	return 0;
}

static int parse(const char *text, size_t len, const char *file, bool whole_file,
		 struct dockerfile *ret, struct err *e)
{
	memset(ret, 0, sizeof(*ret));
	ret->escape = '\\';
	if (len > DF_MAX)
		return err_set(e, ERR_INVALID, "%s: larger than %u bytes", file, DF_MAX);
	if (memchr(text, '\0', len))
		return err_set(e, ERR_INVALID, "%s: a NUL byte: not a text file", file);
	struct lines l = {.p = text, .end = text + len};
	bool directives = true;
	char *line;
	int r = 0;
	while (r == 0 && (line = next_line(&l))) {
		if (directives) {
			char key[32], val[64];
			if (sscanf(line, "# %31[a-zA-Z] = %63s", key, val) == 2 ||
			    sscanf(line, "#%31[a-zA-Z]=%63s", key, val) == 2) {
				if (!strcasecmp(key, "escape")) {
					if (strcmp(val, "\\") != 0 && strcmp(val, "`") != 0) {
						r = err_set(e, ERR_INVALID,
							    "%s:%u: invalid escape \"%s\" (\\ or `)", file,
							    l.no, val);
					}
					ret->escape = val[0];
				}
				free(line);
				continue;
			}
			directives = false;
		}
		if (blank(line) || comment(line)) {
			free(line);
			continue;
		}
		unsigned start = l.no;
		struct strbuf b = STRBUF_INIT;
		bool more = continues(line, ret->escape);
		strbuf_addstr(&b, line);
		free(line);
		while (more && (line = next_line(&l))) {
			if (comment(line) || blank(line)) {
				free(line);
				continue;
			}
			more = continues(line, ret->escape);
			strbuf_addstr(&b, line);
			free(line);
		}
		char *joined = strbuf_detach(&b, NULL);
		struct df_instr in;
		r = parse_instr(joined, start, file, ret->escape, false, &in, e);
		free(joined);
		if (r == 0)
			r = read_heredocs(&l, file, &in, e);
		if (r < 0) {
			instr_clear(&in);
			break;
		}
		ret->v = xrealloc(ret->v, (ret->n + 1) * sizeof(*ret->v));
		ret->v[ret->n++] = in;
	}
	if (r == 0 && ret->n == 0)
		r = err_set(e, ERR_INVALID, "%s: the Dockerfile has no instructions", file);
	if (r == 0 && whole_file) {
		/* Before the first FROM, only ARG. */
		for (size_t i = 0; i < ret->n && ret->v[i].cmd != DF_FROM; i++)
			if (ret->v[i].cmd != DF_ARG)
				r = err_set(e, ERR_INVALID, "%s:%u: %s before the first FROM", file,
					    ret->v[i].line, names[ret->v[i].cmd]);
		bool from = false;
		for (size_t i = 0; i < ret->n; i++)
			from = from || ret->v[i].cmd == DF_FROM;
		if (r == 0 && !from)
			r = err_set(e, ERR_INVALID, "%s: no FROM instruction", file);
	}
	if (r < 0)
		df_clear(ret);
	return r;
}

int df_parse(const char *text, size_t len, const char *file, struct dockerfile *ret,
	     struct err *e)
{
	return parse(text, len, file, true, ret, e);
}

int df_parse_fragment(const char *text, size_t len, const char *file, struct dockerfile *ret,
		      struct err *e)
{
	return parse(text, len, file, false, ret, e);
}

/* ---- variables ---- */

static bool name_char(char c, bool first)
{
	return c == '_' || isalpha((unsigned char)c) || (!first && isdigit((unsigned char)c));
}

char *df_expand(const char *s, char escape, df_lookup_fn lookup, void *ctx, struct err *e)
{
	struct strbuf b = STRBUF_INIT;
	bool single = false;
	for (const char *p = s; *p; p++) {
		if (!single && *p == escape && p[1] == '$') {
			strbuf_add(&b, "$", 1);
			p++;
			continue;
		}
		if (*p == '\'') {
			single = !single;
			strbuf_add(&b, p, 1);
			continue;
		}
		if (single || *p != '$') {
			strbuf_add(&b, p, 1);
			continue;
		}
		if (p[1] == '{') {
			const char *n = p + 2, *q = n;
			while (name_char(*q, q == n))
				q++;
			if (q == n) {
				strbuf_release(&b);
				err_set(e, ERR_INVALID, "bad substitution in \"%s\"", s);
				return NULL;
			}
			_cleanup_free_ char *name = xstrndup(n, (size_t)(q - n));
			const char *v = lookup(ctx, name);
			if (*q == '}') {
				if (v)
					strbuf_addstr(&b, v);
				p = q;
				continue;
			}
			if (q[0] != ':' || (q[1] != '-' && q[1] != '+')) {
				strbuf_release(&b);
				err_set(e, ERR_INVALID, "unsupported modifier in \"%s\"", s);
				return NULL;
			}
			/* the word, up to the matching brace */
			const char *w = q + 2, *x = w;
			int depth = 1;
			for (; *x && depth; x++) {
				if (*x == '{')
					depth++;
				else if (*x == '}')
					depth--;
			}
			if (depth) {
				strbuf_release(&b);
				err_set(e, ERR_INVALID, "missing '}' in \"%s\"", s);
				return NULL;
			}
			_cleanup_free_ char *word = xstrndup(w, (size_t)(x - 1 - w));
			/* ${V:-word}: V, or word when V is unset or empty;
			 * ${V:+word}: word when V is set and not empty, else "" */
			bool set = v && *v;
			if (q[1] == '-' && set) {
				strbuf_addstr(&b, v);
			} else if ((q[1] == '-' && !set) || (q[1] == '+' && set)) {
				_cleanup_free_ char *ex = df_expand(word, escape, lookup, ctx, e);
				if (!ex) {
					strbuf_release(&b);
					return NULL;
				}
				strbuf_addstr(&b, ex);
			}
			p = x - 1;
			continue;
		}
		const char *n = p + 1, *q = n;
		while (name_char(*q, q == n))
			q++;
		if (q == n) {
			strbuf_add(&b, "$", 1);
			continue;
		}
		_cleanup_free_ char *name = xstrndup(n, (size_t)(q - n));
		const char *v = lookup(ctx, name);
		if (v)
			strbuf_addstr(&b, v);
		p = q - 1;
	}
	return strbuf_detach(&b, NULL);
}

/* One word without its quotes, the escape character resolved. */
static char *unquote(const char *w, char escape)
{
	struct strbuf b = STRBUF_INIT;
	char q = 0;
	for (const char *p = w; *p; p++) {
		if (*p == escape && p[1] && q != '\'') {
			strbuf_add(&b, p + 1, 1);
			p++;
		} else if (q && *p == q) {
			q = 0;
		} else if (!q && (*p == '"' || *p == '\'')) {
			q = *p;
		} else {
			strbuf_add(&b, p, 1);
		}
	}
	return strbuf_detach(&b, NULL);
}

int df_pairs(const char *s, char escape, char ***ret, struct err *e)
{
	*ret = NULL;
	_cleanup_strv_ char **words = split_words(s, escape);
	if (!words)
		return err_set(e, ERR_INVALID, "missing key=value");
	if (!strchr(words[0], '=')) {
		/* the old form: key, then the rest of the line */
		const char *v = s;
		while (*v == ' ' || *v == '\t')
			v++;
		v += strlen(words[0]);
		while (*v == ' ' || *v == '\t')
			v++;
		if (!*v)
			return err_set(e, ERR_INVALID, "%s needs a value (key=value)", words[0]);
		strv_consume(ret, unquote(words[0], escape));
		strv_push(ret, v);
		return 0;
	}
	for (char **w = words; *w; w++) {
		char *eq = strchr(*w, '=');
		if (!eq || eq == *w) {
			strv_free(*ret);
			*ret = NULL;
			return err_set(e, ERR_INVALID, "\"%s\": not key=value", *w);
		}
		_cleanup_free_ char *key = xstrndup(*w, (size_t)(eq - *w));
		strv_consume(ret, unquote(key, escape));
		strv_consume(ret, unquote(eq + 1, escape));
	}
	return 0;
}
