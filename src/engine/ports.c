/* ports.c: see ports.h. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "engine/ports.h"

/* "80" or "8000-8010" into [lo, hi]; an empty one is 0-0 (any). */
static int range(const char *s, size_t len, unsigned *lo, unsigned *hi)
{
	char buf[16];
	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (!*buf) {
		*lo = *hi = 0;
		return 0;
	}
	char *end;
	unsigned long a = strtoul(buf, &end, 10), b = a;
	if (end == buf)
		return -1;
	if (*end == '-') {
		char *s2 = end + 1;
		b = strtoul(s2, &end, 10);
		if (end == s2)
			return -1;
	}
	if (*end || a == 0 || a > 65535 || b < a || b > 65535)
		return -1;
	*lo = (unsigned)a;
	*hi = (unsigned)b;
	return 0;
}

int ports_parse(const char *spec, struct port_map **maps, size_t *n, struct err *e)
{
	char buf[128];
	if (strlen(spec) >= sizeof(buf))
		return err_set(e, ERR_INVALID, "invalid port specification \"%.40s...\"", spec);
	snprintf(buf, sizeof(buf), "%s", spec);
	bool udp = false;
	char *slash = strrchr(buf, '/');
	if (slash) {
		*slash = '\0';
		if (!strcmp(slash + 1, "udp"))
			udp = true;
		else if (strcmp(slash + 1, "tcp") != 0)
			return err_set(e, ERR_INVALID, "invalid proto \"%s\" in \"%s\" (tcp or udp)",
				       slash + 1, spec);
	}
	/* [ip:][host:]container, split from the right */
	char *parts[3] = {NULL, NULL, NULL};
	size_t np = 0;
	char *p = buf;
	for (char *c; np < 2 && (c = strrchr(p, ':'));) {
		parts[2 - np] = c + 1;
		*c = '\0';
		np++;
	}
	parts[2 - np] = p;
	const char *ip = np == 2 ? parts[0] : NULL;
	const char *host = np >= 1 ? parts[1] : "";
	const char *ctr = parts[2];
	struct in_addr hip = {0};
	if (ip && *ip && inet_pton(AF_INET, ip, &hip) != 1)
		return err_set(e, ERR_INVALID, "invalid IP address \"%s\" in \"%s\"", ip, spec);
	unsigned clo, chi, hlo, hhi;
	if (range(ctr, strlen(ctr), &clo, &chi) < 0 || clo == 0)
		return err_set(e, ERR_INVALID, "invalid containerPort: %s", ctr);
	if (range(host, strlen(host), &hlo, &hhi) < 0)
		return err_set(e, ERR_INVALID, "invalid hostPort: %s", host);
	if (hlo && hhi - hlo != chi - clo)
		return err_set(e, ERR_INVALID,
			       "invalid ranges in \"%s\": host and container ranges differ in length",
			       spec);
	for (unsigned i = 0; i <= chi - clo; i++) {
		*maps = xrealloc(*maps, (*n + 1) * sizeof(**maps));
		(*maps)[(*n)++] = (struct port_map){
			.host_ip = hip,
			.host_port = (uint16_t)(hlo ? hlo + i : 0),
			.port = (uint16_t)(clo + i),
			.udp = udp,
		};
	}
	return 0;
}

char *port_map_format(const struct port_map *m)
{
	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &m->host_ip, ip, sizeof(ip));
	return xasprintf("%s:%u->%u/%s", ip, m->host_port, m->port, m->udp ? "udp" : "tcp");
}

int port_map_parse_formatted(const char *s, struct port_map *m)
{
	char ip[INET_ADDRSTRLEN + 1], proto[8];
	unsigned hp, cp;
	if (sscanf(s, "%16[0-9.]:%u->%u/%7s", ip, &hp, &cp, proto) != 4 || hp > 65535 ||
	    cp == 0 || cp > 65535 || inet_pton(AF_INET, ip, &m->host_ip) != 1)
		return -1;
	m->host_port = (uint16_t)hp;
	m->port = (uint16_t)cp;
	m->udp = !strcmp(proto, "udp");
	return 0;
}

char *port_map_encode(const struct port_map *m)
{
	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &m->host_ip, ip, sizeof(ip));
	return xasprintf("%s %u %u %s", ip, m->host_port, m->port, m->udp ? "udp" : "tcp");
}

int port_map_decode(const char *s, struct port_map *m)
{
	char ip[INET_ADDRSTRLEN + 1], proto[8];
	unsigned hp, cp;
	if (sscanf(s, "%16s %u %u %7s", ip, &hp, &cp, proto) != 4 || hp == 0 || hp > 65535 ||
	    cp == 0 || cp > 65535 || inet_pton(AF_INET, ip, &m->host_ip) != 1)
		return -1;
	m->host_port = (uint16_t)hp;
	m->port = (uint16_t)cp;
	m->udp = !strcmp(proto, "udp");
	return 0;
}
