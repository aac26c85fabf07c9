/* strv.c: see strv.h. */
#include <stdlib.h>

#include "strv.h"

void strv_free(char **l)
{
	if (!l)
		return;
	for (char **p = l; *p; p++)
		free(*p);
	free(l);
}

size_t strv_length(char *const *l)
{
	size_t n = 0;
	if (l)
		while (l[n])
			n++;
	return n;
}

char **strv_dup(char *const *l)
{
	size_t n = strv_length(l);
	char **r = xnew(char *, n + 1);
	for (size_t i = 0; i < n; i++)
		r[i] = xstrdup(l[i]);
	return r;
}

void strv_consume(char ***l, char *s)
{
	size_t n = strv_length(*l);
	*l = xreallocarray(*l, n + 2, sizeof(char *));
	(*l)[n] = s;
	(*l)[n + 1] = NULL;
}

void strv_push(char ***l, const char *s) { strv_consume(l, xstrdup(s)); }

bool strv_contains(char *const *l, const char *s)
{
	if (l)
		for (; *l; l++)
			if (streq(*l, s))
				return true;
	return false;
}

const char *strv_env_get(char *const *env, const char *key)
{
	size_t k = strlen(key);
	if (env)
		for (; *env; env++)
			if (strncmp(*env, key, k) == 0 && (*env)[k] == '=')
				return *env + k + 1;
	return NULL;
}

void strv_remove(char **l, const char *s)
{
	if (!l)
		return;
	size_t w = 0;
	for (size_t r = 0; l[r]; r++) {
		if (!strcmp(l[r], s))
			free(l[r]);
		else
			l[w++] = l[r];
	}
	l[w] = NULL;
}
