/* dockerfile.h: the Dockerfile's syntax (docker's reference), parsed.
 *
 * Parser directives (`# escape=` and `# syntax=`, only before anything
 * else), comments, line continuations with the escape character (`\` or
 * `` ` ``), instructions in any case, their `--name=value` flags, the exec
 * (JSON array) and shell forms, and heredocs (`<<EOF`, `<<-EOF` without
 * leading tabs, `<<"EOF"` without expansion).  Variables are not expanded
 * here: df_expand does it at build time, with the values the build has
 * reached (ARG, ENV), for the instructions that take them.
 *
 * Errors name the file's line: `Dockerfile:3: unknown instruction:
 * WORKSPACE (did you mean WORKDIR?)`.  Input is bounded (DF_MAX bytes). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

#define DF_MAX (4u << 20)

enum df_cmd {
	DF_ADD, DF_ARG, DF_CMD, DF_COPY, DF_ENTRYPOINT, DF_ENV, DF_EXPOSE, DF_FROM,
	DF_HEALTHCHECK, DF_LABEL, DF_MAINTAINER, DF_ONBUILD, DF_RUN, DF_SHELL, DF_STOPSIGNAL,
	DF_USER, DF_VOLUME, DF_WORKDIR,
};

struct df_heredoc {
	char *name;  /* the delimiter: "EOF" */
	char *body;  /* every line up to it, each with its "\n" */
	bool expand; /* unquoted delimiter: variables are expanded */
};

struct df_instr {
	enum df_cmd cmd;
	unsigned line;	 /* where it starts (1-based) */
	char *original;	 /* the instruction as written, continuations joined */
	char **flags;	 /* "--from=build" as "from=build" */
	bool json;	 /* exec form: args are the array's strings */
	char **args;	 /* exec form: the strings; else: the rest of the line as
			  * one string (RUN, CMD, ENTRYPOINT, SHELL...), or split at
			  * blanks, quotes kept (others) */
	struct df_heredoc *heredocs;
	size_t n_heredocs;
	struct df_instr *onbuild; /* ONBUILD: the instruction it holds */
};

struct dockerfile {
	char escape;
	struct df_instr *v;
	size_t n;
};

/* Parse text (len bytes; file: the name errors use). */
int df_parse(const char *text, size_t len, const char *file, struct dockerfile *ret,
	     struct err *e);
/* Instructions that are not a whole Dockerfile (ONBUILD triggers, --label):
 * no FROM needed. */
int df_parse_fragment(const char *text, size_t len, const char *file, struct dockerfile *ret,
		      struct err *e);
void df_clear(struct dockerfile *df);
const char *df_cmd_name(enum df_cmd c);

/* The value of a variable, or NULL when it is not set. */
typedef const char *(*df_lookup_fn)(void *ctx, const char *name);
/* $VAR, ${VAR}, ${VAR:-default}, ${VAR:+alt}; the escape character
 * before $ keeps it; quotes are kept.  NULL with e set on bad syntax. */
char *df_expand(const char *s, char escape, df_lookup_fn lookup, void *ctx, struct err *e);
/* ENV and LABEL: "k=v k2=\"v 2\"" or the old "k v" as pairs (unquoted,
 * escapes resolved): *ret gets "k", "v", "k2", "v 2". */
int df_pairs(const char *s, char escape, char ***ret, struct err *e);
