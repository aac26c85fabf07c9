/* test-volume: the volume records (engine/volume.h). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/strv.h"
#include "engine/container.h"
#include "engine/volume.h"
#include "sanitizer-options.h"
#include "tap.h"

int main(void)
{
	char tmpl[] = "/tmp/test-volume.XXXXXX";
	const char *root = mkdtemp(tmpl);
	ok(root != NULL, "a root");
	struct err e = ERR_INIT;

	ok(volume_name_valid("data") && volume_name_valid("a.b-c_d") && volume_name_valid("0x"),
	   "names: letters, digits, . - _");
	ok(!volume_name_valid("x") && !volume_name_valid(".hidden") && !volume_name_valid("a/b") &&
		   !volume_name_valid("") && !volume_name_valid("-x"),
	   "not: one letter, a leading dot or dash, a slash, nothing");

	char *labels[] = {(char *)"team=core", NULL};
	struct volume_create_opts o = {.name = "data", .labels = labels};
	struct volume v;
	bool created = false;
	ok(volume_create(root, &o, &v, &created, &e) == 0 && created, "create");
	ok(v.name && !strcmp(v.name, "data") && !strcmp(v.driver, "local") && !v.anonymous,
	   "its name, the local driver");
	ok(v.labels && !strcmp(v.labels[0], "team") && !strcmp(v.labels[1], "core"), "its label");
	struct stat st;
	ok(stat(v.mountpoint, &st) == 0 && S_ISDIR(st.st_mode), "its _data directory: %s",
	   v.mountpoint);
	ok(!volume_elsewhere(&v), "a plain one lives here");
	volume_clear(&v);
	ok(volume_create(root, &o, &v, &created, &e) == 0 && !created, "create again: found");
	volume_clear(&v);

	struct volume_create_opts anon = {.anonymous = true};
	ok(volume_create(root, &anon, &v, &created, &e) == 0 && created && strlen(v.name) == 64 &&
		   v.anonymous,
	   "an anonymous one: 64 hex digits");
	char *anon_name = strdup(v.name);
	volume_clear(&v);

	char *bad_opts[] = {(char *)"colour=blue", NULL};
	struct volume_create_opts bad = {.name = "bad", .options = bad_opts};
	ok(volume_create(root, &bad, &v, NULL, &e) < 0 && e.kind == ERR_INVALID &&
		   strstr(e.msg, "colour"),
	   "an unknown option: %s", e.msg);
	err_clear(&e);
	struct volume_create_opts nodrv = {.name = "nd", .driver = "no-such-driver"};
	ok(volume_create(root, &nodrv, &v, NULL, &e) < 0 && e.kind == ERR_NOT_FOUND,
	   "an unknown driver: %s", e.msg);
	err_clear(&e);
	ok(volume_load(root, "bad", &v, &e) < 0 && e.kind == ERR_NOT_FOUND,
	   "a refused create leaves nothing");
	err_clear(&e);
	char *tmpfs_opts[] = {(char *)"type=tmpfs", (char *)"device=tmpfs", NULL};
	struct volume_create_opts tm = {.name = "tm", .options = tmpfs_opts};
	ok(volume_create(root, &tm, &v, NULL, &e) == 0 && volume_elsewhere(&v),
	   "mount options: it lives elsewhere");
	volume_clear(&v);

	struct volume *l;
	size_t n;
	ok(volume_list(root, &l, &n, &e) == 0 && n == 3 && strcmp(l[0].name, l[1].name) < 0 &&
		   strcmp(l[1].name, l[2].name) < 0 &&
		   (!strcmp(l[0].name, "data") || !strcmp(l[1].name, "data")),
	   "list: three, sorted (the anonymous one's random name anywhere)");
	volume_list_free(l, n);

	/* a container that uses it */
	struct container c = {0};
	memset(c.id, 'a', CONTAINER_ID_LEN);
	c.state = CONTAINER_EXITED;
	strv_push(&c.volumes, "data");
	strv_push(&c.volumes, "/d");
	strv_push(&c.volumes, "named");
	ok(container_save(root, &c, &e) == 0, "a container's record names it");
	char **users = NULL;
	ok(volume_users(root, "data", &users, &e) == 0 && users && !strcmp(users[0], c.id) &&
		   !users[1],
	   "its user");
	strv_free(users);
	ok(volume_remove(root, "data", &e) < 0 && e.kind == ERR_CONFLICT &&
		   strstr(e.msg, "volume is in use") && strstr(e.msg, c.id),
	   "in use: not removed, the error names the container");
	err_clear(&e);
	ok(container_delete(root, c.id, &e) == 0, "the container goes");
	ok(volume_remove(root, "data", &e) == 0, "then the volume can");
	ok(volume_load(root, "data", &v, &e) < 0, "gone");
	err_clear(&e);
	ok(volume_remove(root, anon_name, &e) == 0, "the anonymous one too");
	strv_free(c.volumes);
	free(anon_name);
	char *json = NULL;
	ok(volume_load(root, "tm", &v, &e) == 0 && (json = volume_to_json(&v)) &&
		   strstr(json, "\"Mountpoint\"") && strstr(json, "\"Scope\": \"local\""),
	   "inspect's object");
	free(json);
	volume_clear(&v);
	rm_rf_at(AT_FDCWD, root, NULL);
	return tap_done();
}
