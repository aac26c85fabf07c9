/* cmd-port.c: berth port CONTAINER [PORT[/PROTO]]: a running container's
 * published ports, as docker prints them ("80/tcp -> 0.0.0.0:8080"). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "base/strv.h"
#include "cmd/berth/commands.h"
#include "engine/ports.h"

int cmd_port(struct global *g, int argc, char **argv)
{
	const struct opt_spec spec = {
		.usage = "port CONTAINER [PRIVATE_PORT[/PROTO]]",
		.summary = "List a container's published ports.",
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, 2, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	size_t n = strv_length(args);
	unsigned want = 0;
	char proto[8] = "tcp";
	if (n > 1 && sscanf(args[1], "%u/%7s", &want, proto) < 1) {
		err_set(&e, ERR_INVALID, "invalid port \"%s\"", args[1]);
		return report(&e);
	}
	struct container c;
	if (engine_load(&g->en, args[0], &c, &e) < 0)
		return report(&e);
	bool running = c.state == CONTAINER_RUNNING || c.state == CONTAINER_PAUSED;
	bool found = false;
	for (char **p = c.ports_bound; running && p && *p; p++) {
		struct port_map m;
		if (port_map_parse_formatted(*p, &m) < 0)
			continue;
		const char *pr = m.udp ? "udp" : "tcp";
		if (want && (m.port != want || strcmp(pr, proto) != 0))
			continue;
		char ip[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &m.host_ip, ip, sizeof(ip));
		if (want)
			printf("%s:%u\n", ip, m.host_port);
		else
			printf("%u/%s -> %s:%u\n", m.port, pr, ip, m.host_port);
		found = true;
	}
	if (want && !found) {
		err_set(&e, ERR_NOT_FOUND, "No public port '%u/%s' published for %s", want, proto,
			args[0]);
		container_clear(&c);
		return report(&e);
	}
	container_clear(&c);
	return 0;
}
