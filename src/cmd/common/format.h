/* format.h: output the way docker prints it: aligned tables, human sizes
 * and ages, and --format templates.
 *
 * Templates are the subset of Go's text/template that people pass to
 * docker: "{{.Field}}" (also "{{ .Field }}"), "{{json .}}" (the row as a
 * JSON object), "{{json .Field}}", literal text with "\t" and "\n"
 * escapes, a "table " prefix (a header row, aligned columns), and the
 * shorthands "table" and "json". */
#pragma once

#include <stdint.h>

#include "base/err.h"
#include "base/strbuf.h"

/* A row key starting with this byte ("\x01Config") says its value is JSON
 * text, printed as it is by {{.Config}} and {{json .Config}}.  Keys are
 * the program's, never data: no value can turn itself into JSON. */
#define FORMAT_JSON_MARK '\x01'

/* A row: "Field", "value" pairs (a strv); headers: "Field", "HEADER"
 * pairs for the table form. */
struct format {
	char *tmpl;  /* the template, escapes expanded, without "table " */
	bool table;  /* a header row and aligned columns */
	bool json;   /* "json": one object per line */
	char **rows; /* rendered lines, for the table form */
};

/* spec: NULL or "" for the command's default (def). */
int format_init(struct format *f, const char *spec, const char *def, struct err *e);
/* Render one row; prints at once unless the table form collects it. */
int format_row(struct format *f, char *const *row, struct err *e);
/* Print the table (header from headers, then the rows) and free. */
void format_finish(struct format *f, char *const *headers);
void format_clear(struct format *f);

/* "4.26MB" (decimal units, 3 significant digits), as docker. */
char *format_size(uint64_t bytes);
/* "2 hours ago", "About a minute ago"... from an RFC 3339 time. */
char *format_ago(const char *rfc3339);
