/* dns.h: the little DNS server of a network (berth-dns).
 *
 * On every network but the default bridge (as docker), containers find
 * each other by name: berth-dns, one per network while it has running
 * containers, answers on the network's gateway address.  A question of
 * type A for a container's name, short id or alias is answered from the
 * network's records directory (a file per container: its address, then
 * its names); other questions about those names get an empty answer;
 * anything else goes to the host's resolvers and their answer comes back.
 *
 * A record file (<runroot>/networks/<name>/dns/<id>) is one line:
 *     10.210.0.5 web 4f3c2a1b9d0e alias1 alias2
 * written atomically by the engine at start, removed at stop. */
#pragma once

#include <netinet/in.h>
#include <stddef.h>
#include <sys/types.h>

#define DNS_NAME_MAX 253
#define DNS_PACKET_MAX 512 /* UDP without EDNS */

struct dns_record {
	struct in_addr ip;
	char **names; /* NULL-terminated, lower case */
};

struct dns_records {
	struct dns_record *r;
	size_t n;
};

/* Every record file of dir (unreadable or malformed ones are skipped). */
void dns_records_load(const char *dir, struct dns_records *ret);
void dns_records_clear(struct dns_records *rs);

enum dns_verdict {
	DNS_DROP = -1,	 /* not a query we can read: no answer */
	DNS_FORWARD = 0, /* not one of ours: ask the host's resolvers */
	DNS_ANSWERED = 1 /* *out_len bytes of answer in out */
};

/* What to do with the query q: answer it from rs, or not. */
enum dns_verdict dns_answer(const unsigned char *q, size_t qlen, const struct dns_records *rs,
			    unsigned char *out, size_t outsz, size_t *out_len);
/* The query's name ("web", lower case, no final dot) and type; -1 when
 * it cannot be read. */
int dns_question(const unsigned char *q, size_t qlen, char name[DNS_NAME_MAX + 2],
		 unsigned *qtype, size_t *end);
