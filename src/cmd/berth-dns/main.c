/* berth-dns: the DNS server of one network (see net/dns.h).
 *
 *   berth-dns --listen ADDRESS --records DIR --upstream FILE [--ready-fd N]
 *
 * Listens on ADDRESS:53 (UDP), answers for the names of DIR's records and
 * passes every other question to the first server of FILE ("ADDRESS
 * PORT" lines), its answer back to the asker.  Writes a byte to the
 * ready descriptor once listening.  Runs until killed; the engine starts
 * it with the network's first running container and stops it with the
 * last. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "net/dns.h"

#define PENDING 256
#define UPSTREAM_MAX 4
#define FORGET_S 5

struct pending {
	bool used;
	uint16_t id, client_id;
	struct sockaddr_in client;
	time_t at;
};

static void usage(void)
{
	fprintf(stderr, "usage: berth-dns --listen ADDRESS --records DIR --upstream FILE "
			"[--ready-fd N]\n");
}

static size_t load_upstream(const char *file, struct sockaddr_in *up)
{
	_cleanup_free_ char *text = NULL;
	size_t len, n = 0;
	if (read_file_at(AT_FDCWD, file, 4096, &text, &len, NULL) < 0)
		return 0;
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l && n < UPSTREAM_MAX;
	     l = strtok_r(NULL, "\n", &save)) {
		char ip[64];
		unsigned port = 53;
		if (sscanf(l, "%63s %u", ip, &port) < 1 || port == 0 || port > 65535)
			continue;
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
		if (inet_pton(AF_INET, ip, &a.sin_addr) == 1)
			up[n++] = a;
	}
	return n;
}

int main(int argc, char **argv)
{
	const char *listen_on = NULL, *records = NULL, *upfile = NULL;
	int ready = -1;
	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc) {
			usage();
			return 2;
		}
		if (!strcmp(argv[i], "--listen"))
			listen_on = argv[++i];
		else if (!strcmp(argv[i], "--records"))
			records = argv[++i];
		else if (!strcmp(argv[i], "--upstream"))
			upfile = argv[++i];
		else if (!strcmp(argv[i], "--ready-fd"))
			ready = atoi(argv[++i]);
		else {
			usage();
			return 2;
		}
	}
	if (!listen_on || !records || !upfile) {
		usage();
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	struct sockaddr_in la = {.sin_family = AF_INET, .sin_port = htons(53)};
	if (inet_pton(AF_INET, listen_on, &la.sin_addr) != 1) {
		fprintf(stderr, "berth-dns: invalid address \"%s\"\n", listen_on);
		return 2;
	}
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 || u < 0 || bind(s, (struct sockaddr *)&la, sizeof(la)) < 0) {
		fprintf(stderr, "berth-dns: listen on %s:53: %s\n", listen_on, strerror(errno));
		return 1;
	}
	if (ready >= 0) {
		(void)!write(ready, "r", 1);
		close(ready);
	}
	struct sockaddr_in up[UPSTREAM_MAX];
	size_t nup = load_upstream(upfile, up);
	struct dns_records rs = {0};
	struct timespec seen = {0};
	static struct pending pend[PENDING];
	unsigned char in[DNS_PACKET_MAX * 8], out[DNS_PACKET_MAX];
	for (;;) {
		struct pollfd p[2] = {{.fd = s, .events = POLLIN}, {.fd = u, .events = POLLIN}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		time_t now = time(NULL);
		if (p[1].revents & POLLIN) {
			/* An upstream answer: back to whoever asked. */
			struct sockaddr_in from;
			socklen_t fl = sizeof(from);
			ssize_t r = recvfrom(u, in, sizeof(in), 0, (struct sockaddr *)&from, &fl);
			if (r >= 12) {
				uint16_t id = (uint16_t)(in[0] << 8 | in[1]);
				struct pending *pe = &pend[id % PENDING];
				if (pe->used && pe->id == id) {
					in[0] = (unsigned char)(pe->client_id >> 8);
					in[1] = (unsigned char)pe->client_id;
					(void)sendto(s, in, (size_t)r, 0, (struct sockaddr *)&pe->client,
						     sizeof(pe->client));
					pe->used = false;
				}
			}
		}
		if (!(p[0].revents & POLLIN))
			continue;
		struct sockaddr_in cl;
		socklen_t cll = sizeof(cl);
		ssize_t r = recvfrom(s, in, sizeof(in), 0, (struct sockaddr *)&cl, &cll);
		if (r < 12)
			continue;
		/* The records again when the directory changed. */
		struct stat st;
		if (stat(records, &st) == 0 &&
		    (st.st_mtim.tv_sec != seen.tv_sec || st.st_mtim.tv_nsec != seen.tv_nsec)) {
			dns_records_clear(&rs);
			dns_records_load(records, &rs);
			seen = st.st_mtim;
		}
		size_t olen = 0;
		enum dns_verdict v = dns_answer(in, (size_t)r, &rs, out, sizeof(out), &olen);
		if (v == DNS_ANSWERED) {
			(void)sendto(s, out, olen, 0, (struct sockaddr *)&cl, cll);
			continue;
		}
		if (v == DNS_DROP)
			continue;
		if (nup == 0) {
			/* Nowhere to ask: SERVFAIL. */
			in[2] |= 0x80;
			in[3] = (unsigned char)((in[3] & 0xf0) | 2);
			(void)sendto(s, in, (size_t)r, 0, (struct sockaddr *)&cl, cll);
			continue;
		}
		/* Passed on under an id of ours (the slot it indexes). */
		uint16_t id = 0;
		struct pending *pe = NULL;
		for (int tries = 0; tries < 16 && !pe; tries++) {
			if (getrandom(&id, sizeof(id), 0) != sizeof(id))
				id = (uint16_t)(now + tries);
			struct pending *c = &pend[id % PENDING];
			if (!c->used || now - c->at > FORGET_S)
				pe = c;
		}
		if (!pe)
			continue;
		*pe = (struct pending){.used = true, .id = id,
				       .client_id = (uint16_t)(in[0] << 8 | in[1]),
				       .client = cl, .at = now};
		in[0] = (unsigned char)(id >> 8);
		in[1] = (unsigned char)id;
		(void)sendto(u, in, (size_t)r, 0, (struct sockaddr *)&up[0], sizeof(up[0]));
	}
}
