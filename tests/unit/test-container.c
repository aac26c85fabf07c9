/* test-container: container records, names and lookup on disk. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/strv.h"
#include "engine/container.h"
#include "sanitizer-options.h"
#include "tap.h"

int main(void)
{
	char tmpl[] = "/tmp/test-container-XXXXXX";
	char *root = mkdtemp(tmpl);
	struct err e = ERR_INIT;
	struct container c = {0};
	container_id_new(c.id);
	c.name = xstrdup("web");
	c.image = xstrdup("busybox");
	strv_push(&c.command, "sh");
	strv_push(&c.command, "-c");
	strv_push(&c.labels, "app");
	strv_push(&c.labels, "x");
	c.created = xstrdup("2026-11-22T00:00:00Z");
	c.state = CONTAINER_RUNNING;
	c.pid = 1234;
	c.exit_code = 0;
	ok(container_name_reserve(root, "web", c.id, &e) == 0, "reserve the name");
	ok(container_save(root, &c, &e) == 0, "save");
	struct container d;
	ok(container_load(root, c.id, &d, &e) == 0, "load");
	ok(streq(d.name, "web") && streq(d.image, "busybox") && d.state == CONTAINER_RUNNING &&
		   d.pid == 1234 && strv_length(d.command) == 2 && streq(d.labels[1], "x"),
	   "the same record comes back");
	container_clear(&d);

	/* a second container may not take the name */
	char other[CONTAINER_ID_LEN + 1];
	container_id_new(other);
	ok(container_name_reserve(root, "web", other, &e) < 0 && e.kind == ERR_CONFLICT &&
		   strstr(err_msg(&e), "is already in use by container"),
	   "a name in use: %s", err_msg(&e));
	err_clear(&e);
	ok(container_name_reserve(root, "bad name", other, &e) < 0, "an invalid name");
	err_clear(&e);

	/* lookup */
	char *id = NULL;
	ok(container_lookup(root, "web", &id, &e) == 0 && streq(id, c.id), "by name");
	free(id);
	ok(container_lookup(root, "/web", &id, &e) == 0 && streq(id, c.id), "by /name");
	free(id);
	char prefix[13];
	memcpy(prefix, c.id, 12);
	prefix[12] = '\0';
	ok(container_lookup(root, prefix, &id, &e) == 0 && streq(id, c.id), "by id prefix");
	free(id);
	ok(container_lookup(root, c.id, &id, &e) == 0, "by full id");
	free(id);
	ok(container_lookup(root, "nope", &id, &e) < 0 && strstr(err_msg(&e), "No such container: nope"),
	   "unknown: docker's message");
	err_clear(&e);

	/* list */
	struct container *l;
	size_t n;
	ok(container_list(root, &l, &n, &e) == 0 && n == 1, "list: one");
	container_list_free(l, n);

	/* a damaged record is refused */
	char *p = xasprintf("%s/containers/%s/container.json", root, c.id);
	char *saved = NULL;
	size_t sl;
	(void)read_file_at(AT_FDCWD, p, 1 << 20, &saved, &sl, NULL);
	int fd = open(p, O_WRONLY | O_TRUNC);
	ok(fd >= 0 && write(fd, "{\"id\": 1}", 9) == 9, "damage the record");
	close(fd);
	ok(container_load(root, c.id, &d, &e) < 0, "damaged: %s", err_msg(&e));
	err_clear(&e);
	fd = open(p, O_WRONLY | O_TRUNC);
	ok(fd >= 0 && write(fd, saved, sl) == (ssize_t)sl, "restore it");
	close(fd);
	free(saved);
	free(p);

	/* delete frees the name */
	ok(container_delete(root, c.id, &e) == 0, "delete");
	ok(container_lookup(root, "web", &id, &e) < 0, "gone");
	err_clear(&e);
	ok(container_name_reserve(root, "web", other, &e) == 0, "the name is free again");
	/* a name left by a killed create (no record) is taken over once old */
	char *np = xasprintf("%s/containers/names/web", root);
	struct timespec old[2] = {{.tv_sec = 1000}, {.tv_sec = 1000}};
	ok(utimensat(AT_FDCWD, np, old, 0) == 0, "age the orphaned name");
	char third[CONTAINER_ID_LEN + 1];
	container_id_new(third);
	ok(container_name_reserve(root, "web", third, &e) == 0, "an orphaned name is taken over");
	free(np);
	container_clear(&c);
	(void)rm_rf_at(AT_FDCWD, root, NULL);
	return tap_done();
}
