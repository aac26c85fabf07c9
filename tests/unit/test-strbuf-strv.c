/* test-strbuf-strv: growable buffers and NULL-terminated string arrays. */
#include <stdlib.h>

#include "base/strbuf.h"
#include "base/strv.h"
#include "sanitizer-options.h"
#include "tap.h"

static void test_strbuf(void)
{
	struct strbuf sb = STRBUF_INIT;
	ok(sb.buf != NULL && sb.len == 0 && sb.buf[0] == '\0', "STRBUF_INIT is an empty string");
	strbuf_reset(&sb);
	ok(sb.len == 0 && sb.buf[0] == '\0' && sb.alloc == 0,
	   "reset of a never-used strbuf leaves it static and empty");

	strbuf_addstr(&sb, "hello");
	strbuf_addch(&sb, ' ');
	strbuf_add(&sb, "world!!", 5);
	is_str(sb.buf, "hello world", "addstr/addch/add");
	is_int(sb.len, 11, "len counts the bytes");
	ok(sb.buf[sb.len] == '\0', "always NUL-terminated");

	strbuf_addf(&sb, " %d-%s-%c%%", 42, "x", 'y');
	is_str(sb.buf, "hello world 42-x-y%", "addf formats");
	is_int(sb.len, 19, "len after addf");

	strbuf_addf(&sb, "%s", "");
	is_int(sb.len, 19, "an empty format adds nothing");

	/* Growth across many reallocations keeps the content. */
	strbuf_reset(&sb);
	ok(sb.len == 0 && sb.buf[0] == '\0', "reset empties");
	for (int i = 0; i < 1000; i++)
		strbuf_addf(&sb, "%03d,", i);
	is_int(sb.len, 4000, "4000 bytes after 1000 appends");
	ok(sb.alloc > sb.len, "alloc leaves room for the NUL");
	ok(strncmp(sb.buf, "000,001,002,", 12) == 0 && strcmp(sb.buf + 3992, "998,999,") == 0,
	   "content survives reallocation");

	/* A long formatted string in one go. */
	strbuf_reset(&sb);
	char big[5000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	strbuf_addf(&sb, "<%s>", big);
	ok(sb.len == 5001 && sb.buf[0] == '<' && sb.buf[5000] == '>' && sb.buf[5001] == '\0',
	   "addf of 5001 bytes at once");
	strbuf_release(&sb);
	ok(sb.len == 0 && sb.alloc == 0 && sb.buf[0] == '\0', "release leaves an empty strbuf");

	/* NUL bytes are data. */
	strbuf_add(&sb, "a\0b", 3);
	strbuf_addch(&sb, '\0');
	strbuf_addstr(&sb, "c");
	is_int(sb.len, 5, "embedded NULs are counted");
	ok(memcmp(sb.buf, "a\0b\0c", 6) == 0, "embedded NULs are kept, terminator follows");

	/* detach hands over the bytes and leaves the strbuf reusable. */
	size_t len = 0;
	char *d = strbuf_detach(&sb, &len);
	ok(len == 5 && memcmp(d, "a\0b\0c", 6) == 0, "detach returns the bytes and the length");
	ok(sb.len == 0 && sb.alloc == 0 && sb.buf[0] == '\0', "the strbuf is empty after detach");
	free(d);
	strbuf_addstr(&sb, "again");
	is_str(sb.buf, "again", "the strbuf is reusable after detach");
	d = strbuf_detach(&sb, NULL);
	is_str(d, "again", "detach with a NULL length");
	free(d);

	/* Detaching a never-used strbuf gives a fresh, freeable empty string. */
	struct strbuf empty;
	strbuf_init(&empty);
	d = strbuf_detach(&empty, &len);
	ok(d != NULL && d != strbuf_empty && d[0] == '\0' && len == 0,
	   "detach of an empty strbuf returns an allocated \"\"");
	free(d);
	strbuf_release(&empty);

	/* reset keeps the allocation. */
	strbuf_addstr(&sb, "xyz");
	size_t alloc = sb.alloc;
	strbuf_reset(&sb);
	ok(sb.alloc == alloc && sb.len == 0 && sb.buf[0] == '\0', "reset keeps the allocation");
	strbuf_grow(&sb, 1000);
	ok(sb.alloc >= 1001 && sb.len == 0 && sb.buf[0] == '\0', "grow reserves without content");
	strbuf_release(&sb);
}

static void test_strv(void)
{
	char **l = NULL;
	is_int(strv_length(l), 0, "strv_length(NULL) = 0");
	ok(!strv_contains(l, "a"), "a NULL list contains nothing");
	ok(strv_env_get(l, "A") == NULL, "env_get on a NULL list");
	strv_free(NULL);
	ok(true, "strv_free(NULL) is a no-op");

	char **dn = strv_dup(NULL);
	ok(dn && dn[0] == NULL, "strv_dup(NULL) is an empty list");
	strv_free(dn);

	char word[] = "one";
	strv_push(&l, word);
	word[0] = 'X';
	strv_push(&l, "two");
	strv_consume(&l, xstrdup("three"));
	strv_push(&l, "");
	is_int(strv_length(l), 4, "four entries");
	is_str(l[0], "one", "push copies its argument");
	is_str(l[1], "two", "second entry");
	is_str(l[2], "three", "consume takes the string");
	is_str(l[3], "", "an empty string is an entry");
	ok(l[4] == NULL, "NULL-terminated");
	ok(strv_contains(l, "two"), "contains two");
	ok(strv_contains(l, ""), "contains the empty string");
	ok(!strv_contains(l, "tw"), "no prefix match");
	ok(!strv_contains(l, "twoo"), "no longer match");

	char **c = strv_dup(l);
	ok(c != l && strv_length(c) == 4, "dup has the same length");
	bool deep = true;
	for (size_t i = 0; i < 4; i++)
		deep = deep && c[i] != l[i] && streq(c[i], l[i]);
	ok(deep, "dup copies every string");
	strv_free(l);
	is_str(c[2], "three", "the copy outlives the original");
	strv_free(c);

	char **env = NULL;
	strv_push(&env, "PATH=/bin:/usr/bin");
	strv_push(&env, "HOMEX=/nope");
	strv_push(&env, "HOME=/root");
	strv_push(&env, "EMPTY=");
	strv_push(&env, "NOEQ");
	strv_push(&env, "A=b=c");
	is_str(strv_env_get(env, "PATH"), "/bin:/usr/bin", "env_get PATH");
	is_str(strv_env_get(env, "HOME"), "/root", "env_get skips a longer key with the prefix");
	is_str(strv_env_get(env, "EMPTY"), "", "env_get of an empty value");
	is_str(strv_env_get(env, "A"), "b=c", "the value may contain '='");
	ok(strv_env_get(env, "NOEQ") == NULL, "an entry without '=' has no value");
	ok(strv_env_get(env, "PAT") == NULL, "a key prefix does not match");
	ok(strv_env_get(env, "MISSING") == NULL, "a missing key");
	strv_free(env);

	env = NULL;
	strv_push(&env, "K=first");
	strv_push(&env, "K=second");
	is_str(strv_env_get(env, "K"), "first", "the first of duplicate keys wins");
	strv_free(env);

	/* Many pushes. */
	char **many = NULL;
	for (int i = 0; i < 500; i++) {
		char buf[16];
		snprintf(buf, sizeof(buf), "s%d", i);
		strv_push(&many, buf);
	}
	ok(strv_length(many) == 500 && streq(many[499], "s499") && many[500] == NULL,
	   "500 pushes");
	strv_free(many);
}

int main(void)
{
	test_strbuf();
	test_strv();
	return tap_done();
}
