/* test-dns: berth-dns's answers: A questions for a container's names from
 * the records directory, empty answers for their other types, the rest
 * passed on, and nothing for what is not a query. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/dns.h"
#include "sanitizer-options.h"
#include "tap.h"

/* A query for name (dotted) of type t, id 0x1234, recursion desired. */
static size_t query(unsigned char *q, const char *name, unsigned t)
{
	unsigned char h[12] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
	memcpy(q, h, 12);
	size_t p = 12;
	const char *s = name;
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		q[p++] = (unsigned char)l;
		memcpy(q + p, s, l);
		p += l;
		s += l + (dot ? 1 : 0);
	}
	q[p++] = 0;
	q[p++] = (unsigned char)(t >> 8);
	q[p++] = (unsigned char)t;
	q[p++] = 0;
	q[p++] = 1;
	return p;
}

int main(void)
{
	char dir[] = "/tmp/test-dns.XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char path[256];
	snprintf(path, sizeof(path), "%s/c1", dir);
	FILE *f = fopen(path, "w");
	fprintf(f, "10.210.0.5 Web 4f3c2a1b9d0e www\n");
	fclose(f);
	snprintf(path, sizeof(path), "%s/c2", dir);
	f = fopen(path, "w");
	fprintf(f, "not-an-address db\n");
	fclose(f);
	struct dns_records rs;
	dns_records_load(dir, &rs);
	is_int((int)rs.n, 1, "one record (the malformed one skipped)");

	unsigned char q[300], out[DNS_PACKET_MAX];
	size_t ql = query(q, "web", 1), ol = 0;
	is_int(dns_answer(q, ql, &rs, out, sizeof(out), &ol), DNS_ANSWERED, "A web: answered");
	ok(ol == ql + 16 && out[0] == 0x12 && out[1] == 0x34, "the id and the question back");
	ok((out[2] & 0x80) && (out[2] & 0x04) && (out[3] & 0x0f) == 0, "a response, authoritative, no error");
	ok(out[7] == 1 && !memcmp(out + ol - 4, (unsigned char[]){10, 210, 0, 5}, 4),
	   "one answer: 10.210.0.5");
	ql = query(q, "WWW", 1);
	is_int(dns_answer(q, ql, &rs, out, sizeof(out), &ol), DNS_ANSWERED, "an alias, any case");
	ql = query(q, "4f3c2a1b9d0e", 1);
	is_int(dns_answer(q, ql, &rs, out, sizeof(out), &ol), DNS_ANSWERED, "the short id");
	ql = query(q, "web", 28);
	is_int(dns_answer(q, ql, &rs, out, sizeof(out), &ol), DNS_ANSWERED, "AAAA web: answered");
	ok(ol == ql && out[7] == 0 && (out[3] & 0x0f) == 0, "with no address and no error");
	ql = query(q, "example.org", 1);
	is_int(dns_answer(q, ql, &rs, out, sizeof(out), &ol), DNS_FORWARD, "another name: passed on");
	ql = query(q, "web", 1);
	q[2] |= 0x80;
	is_int(dns_answer(q, ql, &rs, out, sizeof(out), &ol), DNS_DROP, "a response: dropped");
	is_int(dns_answer(q, 5, &rs, out, sizeof(out), &ol), DNS_DROP, "a short packet: dropped");
	ql = query(q, "web", 1);
	q[12] = 70; /* a label longer than the packet */
	is_int(dns_answer(q, ql, &rs, out, sizeof(out), &ol), DNS_DROP, "a bad label: dropped");
	ql = query(q, "web", 1);
	q[5] = 2;
	is_int(dns_answer(q, ql, &rs, out, sizeof(out), &ol), DNS_DROP, "two questions: dropped");
	dns_records_clear(&rs);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
	return tap_done();
}
