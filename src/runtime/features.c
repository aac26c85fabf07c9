/* features.c: the runtime-spec "features" document (features.md): what
 * this runtime supports, for engines to read before they build a config. */
#include <jansson.h>
#include <stdlib.h>

#include "base/json-util.h"
#include "oci/config.h"
#include "oci/names.h"
#include "runtime/mounts.h"
#include "runtime/process.h"
#include "runtime/runtime.h"
#include "runtime/seccomp.h"

static void add_name(const char *name, void *data) { json_array_append_new(data, json_string(name)); }

static void add_seccomp(const char *kind, const char *name, void *data)
{
	json_t *o = data, *a = json_object_get(o, kind);
	if (!a) {
		a = json_array();
		json_object_set_new(o, kind, a);
	}
	json_array_append_new(a, json_string(name));
}

char *runtime_features_json(void)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "ociVersionMin", json_string("1.0.0"));
	json_object_set_new(doc, "ociVersionMax", json_string(OCI_VERSION));
	json_t *hooks = json_array();
	for (int k = 0; k < OCI_HOOK_KIND_COUNT; k++)
		json_array_append_new(hooks, json_string(oci_hook_kind_name(k)));
	json_object_set_new(doc, "hooks", hooks);
	json_t *mopts = json_array();
	mount_options_each(add_name, mopts);
	json_object_set_new(doc, "mountOptions", mopts);

	json_t *lx = json_object();
	json_t *ns = json_array();
	for (int t = 0; t < NS_COUNT; t++)
		json_array_append_new(ns, json_string(ns_spec_name(t)));
	json_object_set_new(lx, "namespaces", ns);
	json_t *caps = json_array();
	for (int c = 0; c <= cap_last_known(); c++)
		json_array_append_new(caps, json_string(cap_name(c)));
	json_object_set_new(lx, "capabilities", caps);
	json_t *cg = json_object();
	json_object_set_new(cg, "v1", json_true());
	json_object_set_new(cg, "v2", json_true());
	json_object_set_new(cg, "systemd", json_false());
	json_object_set_new(cg, "systemdUser", json_false());
	json_object_set_new(cg, "rdma", json_false());
	json_object_set_new(lx, "cgroup", cg);
	json_t *sc = json_object();
	json_object_set_new(sc, "enabled", json_true());
	seccomp_names(add_seccomp, sc);
	json_object_set_new(lx, "seccomp", sc);
	json_t *off = json_object(), *aa = json_object();
	json_object_set_new(off, "enabled", json_false());
	json_object_set_new(aa, "enabled", json_boolean(apparmor_enabled()));
	json_object_set_new(lx, "apparmor", aa);
	json_object_set_new(lx, "selinux", json_deep_copy(off));
	json_object_set_new(lx, "intelRdt", off);
	json_t *idmap = json_object(), *ext = json_object();
	json_object_set_new(idmap, "enabled", json_true());
	json_object_set_new(ext, "idmap", idmap);
	json_object_set_new(lx, "mountExtensions", ext);
	json_object_set_new(doc, "linux", lx);
	json_t *ann = json_object();
	json_object_set_new(ann, "org.berth.runtime.version", json_string(BERTH_VERSION));
	json_object_set_new(doc, "annotations", ann);
	char *s = json_dump_string(doc, true);
	json_decref(doc);
	return s;
}
