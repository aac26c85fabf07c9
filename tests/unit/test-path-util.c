/* test-path-util: lexical cleaning and resolution inside a root. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/path-util.h"
#include "tap.h"

static void clean(const char *in, const char *want)
{
	char *got = path_clean(in);
	is_str(got, want, "path_clean(\"%s\")", in);
	free(got);
}

static char tmp[] = "/tmp/berth-test-path-XXXXXX";

int main(void)
{
	clean("/", "/");
	clean("", ".");
	clean("a/b/../c", "a/c");
	clean("/../../etc/passwd", "/etc/passwd");
	clean("../a", "../a");
	clean("a/../..", "..");
	clean("//a//b/./c/", "/a/b/c");
	clean("./", ".");

	char *j = path_join("/a/", "/b");
	is_str(j, "/a/b", "path_join keeps one slash");
	free(j);

	ok(path_is_safe_relative("a/b"), "a/b is safe");
	ok(!path_is_safe_relative("a/../../b"), "a/../../b is not safe");
	ok(!path_is_safe_relative("/etc"), "an absolute path is not safe-relative");

	/* A root with symlinks that point outside it. */
	if (!mkdtemp(tmp))
		return 1;
	char *root = path_join(tmp, "root");
	mkdir(root, 0755);
	int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ok(rootfd >= 0, "open the root");
	ok(symlinkat("/etc", rootfd, "evil") == 0, "plant an absolute symlink");
	ok(symlinkat("../../../../..", rootfd, "up") == 0, "plant a relative escape");
	ok(symlinkat("/proc/self/root", rootfd, "magic") == 0, "plant a magic link");

	struct err e = ERR_INIT;
	int fd = path_create_in_root(rootfd, "/evil/passwd-new", PATH_CREATE_FILE, 0644, &e);
	ok(fd < 0, "a dangling symlink (its target missing in the root) is not followed out");
	err_clear(&e);
	ok(mkdirat(rootfd, "etc", 0755) == 0, "make the root's own /etc");
	fd = path_create_in_root(rootfd, "/evil/passwd-new", PATH_CREATE_FILE, 0644, &e);
	ok(fd >= 0, "create through an absolute symlink: %s", err_msg(&e));
	if (fd >= 0)
		close(fd);
	ok(access("/etc/passwd-new", F_OK) < 0, "nothing was created in the host's /etc");
	char *inside = path_join(root, "etc/passwd-new");
	ok(access(inside, F_OK) == 0, "the file landed inside the root");
	free(inside);

	fd = path_create_in_root(rootfd, "up/x/y", PATH_CREATE_DIR, 0755, &e);
	ok(fd >= 0, "mkdir through a relative escape stays inside: %s", err_msg(&e));
	if (fd >= 0)
		close(fd);
	char *xy = path_join(root, "x/y");
	struct stat st;
	ok(stat(xy, &st) == 0 && S_ISDIR(st.st_mode), "x/y was created at the root's top");
	free(xy);

	fd = path_open_in_root(rootfd, "/magic/etc/hostname", O_RDONLY);
	ok(fd == -ENOENT, "a link to /proc/self/root resolves inside the root (%d)", fd);
	if (fd >= 0)
		close(fd);
	int hostroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	fd = path_open_in_root(hostroot, "/proc/self/root/etc/hostname", O_RDONLY);
	ok(fd == -ELOOP, "a real /proc magic link is refused (%d)", fd);
	if (fd >= 0)
		close(fd);
	close(hostroot);

	err_clear(&e);
	fd = path_create_in_root(rootfd, "/", PATH_CREATE_DIR, 0755, &e);
	ok(fd >= 0, "the root itself opens");
	if (fd >= 0)
		close(fd);

	close(rootfd);
	rm_rf_at(AT_FDCWD, tmp, NULL);
	free(root);
	err_clear(&e);
	return tap_done();
}
