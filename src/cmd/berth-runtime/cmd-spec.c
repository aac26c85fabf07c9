/* cmd-spec.c: `berth-runtime spec` writes a default config.json. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/log.h"
#include "base/path-util.h"
#include "cmd/berth-runtime/commands.h"
#include "oci/spec.h"

int cmd_spec(struct global *g, int argc, char **argv)
{
	const char *bundle = ".";
	bool rootless = false;
	const struct opt opts[] = {
		{"bundle", 'b', OPT_STRING, &bundle, "DIR", "write config.json into DIR"},
		{"rootless", 0, OPT_BOOL, &rootless, NULL, "a config for an unprivileged user"},
	};
	const struct opt_spec spec = {
		.usage = "spec [options]",
		.summary = "Write a default config.json for a bundle.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ret;
	if (parse_or_exit(&spec, argc, argv, 0, 0, &args, &ret))
		return ret;
	struct oci_spec_options o = {.rootless = rootless, .uid = geteuid(), .gid = getegid()};
	_cleanup_free_ char *json = oci_spec_default(&o);
	_cleanup_free_ char *path = path_join(bundle, "config.json");
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		if (errno == EEXIST)
			log_error("spec: \"%s\" already exists", path);
		else
			log_error("spec: create \"%s\": %s", path, strerror(errno));
		return 1;
	}
	if (write(fd, json, strlen(json)) != (ssize_t)strlen(json)) {
		log_error("spec: write \"%s\": %s", path, strerror(errno));
		return 1;
	}
	return 0;
}
