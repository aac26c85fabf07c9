/* id.c: see id.h. */
#include <ctype.h>

#include "id.h"

bool id_is_valid(const char *id)
{
	size_t n = strlen(id);
	/* No leading dot: the state root keeps its own entries under such names. */
	if (n == 0 || n > ID_MAX_LEN || id[0] == '.')
		return false;
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_+.-", *p))
			return false;
	return true;
}

int id_check(const char *id, struct err *e)
{
	if (!id_is_valid(id))
		return err_set(e, ERR_INVALID,
			       "invalid container id \"%.64s\": use 1 to %d of the characters "
			       "[A-Za-z0-9_+.-], not starting with a dot",
			       id, ID_MAX_LEN);
	return 0;
}
