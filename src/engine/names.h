/* names.h: container ids and names as docker makes and checks them. */
#pragma once

#include "base/err.h"

#define CONTAINER_ID_LEN 64

/* A new random id: 64 lowercase hex digits (32 bytes from getrandom),
 * never all digits (docker avoids ids that read as numbers). */
void container_id_new(char out[static CONTAINER_ID_LEN + 1]);
/* "adjective_noun", random; `taken` says whether a name is in use (it may
 * be NULL); after 10 collisions a digit is appended, as docker does. */
char *container_name_new(bool (*taken)(const char *name, void *data), void *data);
/* docker's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (a leading '/' is dropped by
 * callers); at most 253 characters. */
int container_name_check(const char *name, struct err *e);
