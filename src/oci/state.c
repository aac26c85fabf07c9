/* state.c: see state.h. */
#include <jansson.h>

#include "base/json-util.h"
#include "oci/state.h"

char *oci_state_to_json(const struct oci_state *s, bool pretty)
{
	json_t *o = json_object();
	json_object_set_new(o, "ociVersion", json_string(s->oci_version));
	json_object_set_new(o, "id", json_string(s->id));
	json_object_set_new(o, "status", json_string(s->status));
	json_object_set_new(o, "pid", json_integer(s->pid));
	json_object_set_new(o, "bundle", json_string(s->bundle));
	if (s->rootfs)
		json_object_set_new(o, "rootfs", json_string(s->rootfs));
	if (s->created)
		json_object_set_new(o, "created", json_string(s->created));
	if (s->owner)
		json_object_set_new(o, "owner", json_string(s->owner));
	json_t *ann = json_object();
	if (s->annotations)
		for (char *const *p = s->annotations; p[0] && p[1]; p += 2)
			json_object_set_new(ann, p[0], json_string(p[1]));
	json_object_set_new(o, "annotations", ann);
	char *r = json_dump_string(o, pretty);
	json_decref(o);
	return r;
}
