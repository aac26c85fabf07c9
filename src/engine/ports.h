/* ports.h: published ports (-p), docker's syntax.
 *
 *   -p 80              container port 80/tcp, a free host port
 *   -p 8080:80/udp     host port 8080 on every host address
 *   -p 127.0.0.1:8080:80, -p 127.0.0.1::80
 *   -p 8000-8001:80-81 ranges of the same length
 * A spec is kept as given in the record; at start each becomes one
 * mapping per port, its host port chosen where none was given. */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct port_map {
	struct in_addr host_ip; /* 0.0.0.0: every address */
	uint16_t host_port;	/* 0: any free one */
	uint16_t port;		/* the container's */
	bool udp;
};

/* Append the mappings of one -p spec to *maps (*n of them). */
int ports_parse(const char *spec, struct port_map **maps, size_t *n, struct err *e);
/* "0.0.0.0:8080->80/tcp" and back. */
char *port_map_format(const struct port_map *m);
int port_map_parse_formatted(const char *s, struct port_map *m);
/* "0.0.0.0 8080 80 tcp" (a lease's line) and back. */
char *port_map_encode(const struct port_map *m);
int port_map_decode(const char *s, struct port_map *m);
