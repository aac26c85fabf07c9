/* test-names: container ids and names. */
#include <stdlib.h>
#include <string.h>

#include "base/strv.h"
#include "engine/names.h"
#include "sanitizer-options.h"
#include "tap.h"

static bool taken_always(const char *name, void *data)
{
	(*(int *)data)++;
	return *(int *)data <= 10;
}

int main(void)
{
	char a[CONTAINER_ID_LEN + 1], b[CONTAINER_ID_LEN + 1];
	container_id_new(a);
	container_id_new(b);
	ok(strlen(a) == 64 && strspn(a, "0123456789abcdef") == 64, "64 lowercase hex digits");
	ok(strcmp(a, b) != 0, "two ids differ");
	ok(strspn(a, "0123456789") < 64, "not all digits");

	struct err e = ERR_INIT;
	char *n = container_name_new(NULL, NULL);
	ok(n && strchr(n, '_') && container_name_check(n, &e) == 0, "a generated name: %s", n);
	free(n);
	int calls = 0;
	n = container_name_new(taken_always, &calls);
	size_t len = strlen(n);
	ok(calls == 11 && n[len - 1] >= '0' && n[len - 1] <= '9',
	   "after 10 taken names a digit is added: %s", n);
	free(n);
	/* many names, all valid */
	bool all_ok = true;
	for (int i = 0; i < 1000; i++) {
		n = container_name_new(NULL, NULL);
		all_ok &= container_name_check(n, NULL) == 0;
		free(n);
	}
	ok(all_ok, "1000 generated names are valid names");

	static const char *const good[] = {"web", "a1", "my_app.v2-3", "ABC", NULL};
	static const char *const bad[] = {"a", "_x", "-x", ".x", "a b", "a/b", "é", "a:b", "", NULL};
	for (const char *const *g = good; *g; g++)
		ok(container_name_check(*g, &e) == 0, "valid: %s", *g);
	for (const char *const *x = bad; *x; x++) {
		ok(container_name_check(*x, &e) < 0 && strstr(err_msg(&e), "Invalid container name"),
		   "invalid: \"%s\"", *x);
		err_clear(&e);
	}
	char longname[300];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[299] = '\0';
	ok(container_name_check(longname, &e) < 0, "too long");
	err_clear(&e);
	return tap_done();
}
