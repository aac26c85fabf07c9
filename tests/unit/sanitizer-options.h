/* sanitizer-options.h: make sanitizer findings fail a test visibly.
 *
 * UBSan's default is to print and carry on, and meson before 1.3 sets no
 * UBSAN_OPTIONS, so undefined behaviour would pass unnoticed: this makes it
 * halt the test.  A halt (or LeakSanitizer's exit) ends the process without
 * flushing stdio, so stdout is made line-buffered to keep every TAP line
 * printed before it.  Include from exactly one file of a test executable;
 * without -fsanitize=undefined the hook is simply never called. */
#pragma once

#include <stdio.h>

const char *__ubsan_default_options(void);
__attribute__((used)) const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}

__attribute__((constructor)) static void tap_line_buffered(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}
