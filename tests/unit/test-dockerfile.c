/* test-dockerfile: the Dockerfile parser (directives, comments,
 * continuations, forms, flags, heredocs, ONBUILD, errors with the line)
 * and variable expansion (${V}, ${V:-d}, ${V:+a}, escapes, quotes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strv.h"
#include "build/dockerfile.h"
#include "sanitizer-options.h"
#include "tap.h"

static int parse(const char *text, struct dockerfile *df, struct err *e)
{
	return df_parse(text, strlen(text), "Dockerfile", df, e);
}

static const char *vars(void *ctx, const char *name)
{
	(void)ctx;
	if (!strcmp(name, "A"))
		return "apple";
	if (!strcmp(name, "EMPTY"))
		return "";
	if (!strcmp(name, "B_2"))
		return "b two";
	return NULL;
}

static void expands(const char *in, const char *want, const char *what)
{
	struct err e = ERR_INIT;
	char *got = df_expand(in, '\\', vars, NULL, &e);
	is_str(got, want, "%s", what);
	free(got);
	err_clear(&e);
}

int main(void)
{
	struct dockerfile df;
	struct err e = ERR_INIT;
	const char *text = "# syntax=docker/dockerfile:1\n"
			   "# escape=\\\n"
			   "ARG BASE=busybox\n"
			   "FROM ${BASE} AS build\n"
			   "# a comment\n"
			   "\n"
			   "run echo one \\\n"
			   "  # a comment inside\n"
			   "  two\n"
			   "COPY --from=x --chown=1:2 a b /dst/\n"
			   "CMD [\"sh\", \"-c\", \"echo hi\"]\n"
			   "ENTRYPOINT [\"not json\"\n"
			   "ENV A=1 B=\"two words\"\n"
			   "RUN <<EOF\n"
			   "echo in heredoc\n"
			   "EOF\n"
			   "COPY <<-'END' /etc/conf\n"
			   "\t\tline $X\n"
			   "\tEND\n"
			   "ONBUILD RUN echo later\n"
			   "workdir /w\n";
	ok(parse(text, &df, &e) == 0, "a Dockerfile of every kind of line");
	if (err_isset(&e))
		printf("# %s\n", err_msg(&e));
	is_int((int)df.n, 11, "eleven instructions");
	if (df.n == 11) {
		ok(df.v[0].cmd == DF_ARG && !strcmp(df.v[0].args[0], "BASE=busybox"), "ARG before FROM");
		ok(df.v[1].cmd == DF_FROM && strv_length(df.v[1].args) == 3 &&
			   !strcmp(df.v[1].args[0], "${BASE}") && !strcmp(df.v[1].args[2], "build"),
		   "FROM image AS name, not expanded yet");
		is_int((int)df.v[2].line, 7, "RUN's line is where it starts");
		ok(df.v[2].cmd == DF_RUN && !df.v[2].json &&
			   !strcmp(df.v[2].args[0], "echo one   two"),
		   "a continuation joins lines, the comment inside dropped");
		ok(df.v[3].cmd == DF_COPY && strv_length(df.v[3].flags) == 2 &&
			   !strcmp(df.v[3].flags[0], "from=x") && !strcmp(df.v[3].flags[1], "chown=1:2") &&
			   strv_length(df.v[3].args) == 3,
		   "COPY flags and sources");
		ok(df.v[4].json && strv_length(df.v[4].args) == 3 &&
			   !strcmp(df.v[4].args[2], "echo hi"),
		   "CMD exec form");
		ok(!df.v[5].json && !strcmp(df.v[5].args[0], "[\"not json\""),
		   "a broken JSON array is the shell form (as docker)");
		char **pairs = NULL;
		ok(df_pairs(df.v[6].args[0], '\\', &pairs, &e) == 0 && strv_length(pairs) == 4 &&
			   !strcmp(pairs[3], "two words"),
		   "ENV pairs, quotes removed");
		strv_free(pairs);
		ok(df.v[7].n_heredocs == 1 && !strcmp(df.v[7].heredocs[0].name, "EOF") &&
			   !strcmp(df.v[7].heredocs[0].body, "echo in heredoc\n") &&
			   df.v[7].heredocs[0].expand,
		   "RUN <<EOF: the body");
		ok(df.v[8].n_heredocs == 1 && !strcmp(df.v[8].heredocs[0].body, "line $X\n") &&
			   !df.v[8].heredocs[0].expand,
		   "COPY <<-'END': tabs stripped, not expanded");
		ok(df.v[9].cmd == DF_ONBUILD && df.v[9].onbuild && df.v[9].onbuild->cmd == DF_RUN,
		   "ONBUILD holds its instruction");
		ok(df.v[10].cmd == DF_WORKDIR, "instructions in any case");
	}
	df_clear(&df);

	ok(parse("# escape=`\nFROM busybox\nRUN echo a `\n b\n", &df, &e) == 0 && df.escape == '`' &&
		   !strcmp(df.v[1].args[0], "echo a  b"),
	   "the escape directive");
	df_clear(&df);

	static const struct {
		const char *text, *msg;
	} bad[] = {
		{"FROM busybox\nWORKSPACE /x\n", "Dockerfile:2: unknown instruction: WORKSPACE (did you mean WORKDIR?)"},
		{"FROM busybox\nFOOBARBAZ x\n", "Dockerfile:2: unknown instruction: FOOBARBAZ"},
		{"RUN true\n", "Dockerfile:1: RUN before the first FROM"},
		{"FROM busybox\nCOPY onlyone\n", "Dockerfile:2: COPY requires at least two arguments"},
		{"FROM busybox\nRUN <<EOF\necho\n", "Dockerfile:2: heredoc EOF is not closed"},
		{"FROM busybox\nONBUILD FROM x\n", "ONBUILD trigger"},
		{"# just a comment\n", "no instructions"},
		{"ARG X\n", "no FROM instruction"},
		{"# escape=x\nFROM a\n", "invalid escape"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ok(parse(bad[i].text, &df, &e) < 0 && strstr(err_msg(&e), bad[i].msg),
		   "error: %s", bad[i].msg);
		if (!strstr(err_msg(&e), bad[i].msg))
			printf("# got: %s\n", err_msg(&e));
		err_clear(&e);
		df_clear(&df);
	}
	ok(df_parse("FROM a\0b", 8, "Dockerfile", &df, &e) < 0 && strstr(err_msg(&e), "NUL"),
	   "binary input is refused");
	err_clear(&e);

	expands("$A", "apple", "$VAR");
	expands("${A}s", "apples", "${VAR}");
	expands("x${NOPE}y", "xy", "unset: empty");
	expands("${NOPE:-pear}", "pear", ":- unset");
	expands("${EMPTY:-pear}", "pear", ":- empty");
	expands("${A:-pear}", "apple", ":- set");
	expands("${A:+plum}", "plum", ":+ set");
	expands("${NOPE:+plum}", "", ":+ unset");
	expands("${NOPE:-${A}}", "apple", "a variable in the word");
	expands("\\$A", "$A", "the escape keeps $");
	expands("'$A' \"$A\"", "'$A' \"apple\"", "single quotes keep it, double do not");
	expands("$", "$", "a lone $");
	expands("${B_2}", "b two", "names with _ and digits");
	char *bad_s = df_expand("${", '\\', vars, NULL, &e);
	ok(!bad_s && err_isset(&e), "bad substitution is an error");
	err_clear(&e);
	bad_s = df_expand("${A:-x", '\\', vars, NULL, &e);
	ok(!bad_s && strstr(err_msg(&e), "missing '}'"), "an open brace is an error");
	err_clear(&e);
	return tap_done();
}
