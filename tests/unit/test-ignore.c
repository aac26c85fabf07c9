/* test-ignore: .dockerignore patterns as docker applies them. */
#include <stdio.h>
#include <string.h>

#include "build/ignore.h"
#include "sanitizer-options.h"
#include "tap.h"

static struct ignore ig;

static void is_out(const char *path, bool want)
{
	ok(ignore_match(&ig, path) == want, "%s is %s", path, want ? "left out" : "kept");
}

int main(void)
{
	static const char text[] = "# a comment\n"
				   "\n"
				   "  *.log  \n"
				   "/tmp\n"
				   "build/**/*.o\n"
				   "docs/*.md\n"
				   "!docs/README.md\n"
				   "secret?\n"
				   "**/node_modules\n"
				   "data/[a-c]*\n"
				   "a//b/../c\n";
	struct err e = ERR_INIT;
	ok(ignore_parse(text, strlen(text), &ig, &e) == 0 && ig.n == 9, "nine patterns");
	is_out("app.log", true);
	is_out("sub/app.log", false); /* * does not cross / */
	is_out("tmp", true);
	is_out("tmp/x/y", true); /* in an excluded directory */
	is_out("tmpfile", false);
	is_out("build/x.o", true); /* ** is none too */
	is_out("build/a/b/x.o", true);
	is_out("build/x.c", false);
	is_out("docs/guide.md", true);
	is_out("docs/README.md", false); /* the exception */
	is_out("secret1", true);
	is_out("secret12", false);
	is_out("node_modules", true);
	is_out("web/node_modules/x/y.js", true);
	is_out("data/apple", true);
	is_out("data/dog", false);
	is_out("a/c", true); /* cleaned */
	is_out("a/./c", true);
	is_out("main.c", false);
	ignore_clear(&ig);

	static const char later[] = "docs\n!docs/keep\n*\n";
	ok(ignore_parse(later, strlen(later), &ig, &e) == 0, "the last match decides");
	is_out("docs/keep", true); /* "*" comes after the exception */
	ignore_clear(&ig);

	static const char bad[] = "ok\n[a-\n";
	ok(ignore_parse(bad, strlen(bad), &ig, &e) < 0 && strstr(err_msg(&e), "bad pattern"),
	   "a malformed class is an error");
	err_clear(&e);

	is_int(ignore_glob("a\\*b", "a*b"), 1, "\\ quotes");
	is_int(ignore_glob("[^a]x", "bx"), 1, "a negated class");
	is_int(ignore_glob("[^a]x", "ax"), 0, "a negated class, no");
	is_int(ignore_glob("?", "/"), 0, "? is not /");
	is_int(ignore_glob("**", "a/b/c"), 1, "** alone is everything");
	return tap_done();
}
