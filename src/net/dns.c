/* dns.c: see dns.h.  RFC 1035 message format: a 12-byte header, one
 * question (a name in labels, type, class); an answer repeats the
 * question and adds resource records whose name points back at it. */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/fs-util.h"
#include "base/strv.h"
#include "net/dns.h"

#define T_A 1
#define T_AAAA 28
#define C_IN 1
#define TTL 60

void dns_records_clear(struct dns_records *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		strv_free(rs->r[i].names);
	free(rs->r);
	rs->r = NULL;
	rs->n = 0;
}

void dns_records_load(const char *dir, struct dns_records *ret)
{
	ret->r = NULL;
	ret->n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *text = NULL;
		size_t len;
		if (read_file_at(dirfd(d), de->d_name, 4096, &text, &len, NULL) < 0)
			continue;
		struct dns_record rec = {0};
		char *save = NULL;
		char *tok = strtok_r(text, " \t\n", &save);
		if (!tok || inet_pton(AF_INET, tok, &rec.ip) != 1)
			continue;
		while ((tok = strtok_r(NULL, " \t\n", &save))) {
			if (strlen(tok) > DNS_NAME_MAX)
				continue;
			for (char *c = tok; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			strv_push(&rec.names, tok);
		}
		if (!rec.names)
			continue;
		ret->r = xrealloc(ret->r, (ret->n + 1) * sizeof(*ret->r));
		ret->r[ret->n++] = rec;
	}
	closedir(d);
}

int dns_question(const unsigned char *q, size_t qlen, char name[DNS_NAME_MAX + 2],
		 unsigned *qtype, size_t *end)
{
	if (qlen < 12)
		return -1;
	unsigned qd = (unsigned)(q[4] << 8 | q[5]);
	if ((q[2] & 0x80) || qd != 1) /* a response, or not one question */
		return -1;
	size_t p = 12, o = 0;
	for (;;) {
		if (p >= qlen)
			return -1;
		unsigned l = q[p++];
		if (l == 0)
			break;
		if (l > 63 || p + l > qlen || o + l + 1 > DNS_NAME_MAX)
			return -1; /* no compression in a question */
		if (o)
			name[o++] = '.';
		for (unsigned i = 0; i < l; i++)
			name[o++] = (char)tolower(q[p + i]);
		p += l;
	}
	name[o] = '\0';
	if (p + 4 > qlen)
		return -1;
	*qtype = (unsigned)(q[p] << 8 | q[p + 1]);
	unsigned qclass = (unsigned)(q[p + 2] << 8 | q[p + 3]);
	if (qclass != C_IN && qclass != 255)
		return -1;
	*end = p + 4;
	return 0;
}

static const struct dns_record *lookup(const struct dns_records *rs, const char *name)
{
	for (size_t i = 0; i < rs->n; i++)
		for (char **nm = rs->r[i].names; *nm; nm++)
			if (!strcmp(*nm, name))
				return &rs->r[i];
	return NULL;
}

enum dns_verdict dns_answer(const unsigned char *q, size_t qlen, const struct dns_records *rs,
			    unsigned char *out, size_t outsz, size_t *out_len)
{
	char name[DNS_NAME_MAX + 2];
	unsigned qtype;
	size_t end;
	if (dns_question(q, qlen, name, &qtype, &end) < 0)
		return DNS_DROP;
	/* Names are single labels ("web"); "web." is the same. */
	const struct dns_record *r = lookup(rs, name);
	if (!r)
		return DNS_FORWARD;
	bool a = qtype == T_A || qtype == 255;
	size_t need = end + (a ? 16 : 0);
	if (need > outsz)
		return DNS_DROP;
	memcpy(out, q, end);
	out[2] = (unsigned char)(0x84 | (q[2] & 0x01)); /* QR, AA, RD as asked */
	out[3] = 0x80;					 /* RA, no error */
	out[6] = 0;
	out[7] = a ? 1 : 0; /* answers */
	memset(out + 8, 0, 4);
	size_t p = end;
	if (a) {
		static const unsigned char rr[10] = {0xc0, 12, 0, T_A, 0, C_IN, 0, 0, 0, TTL};
		memcpy(out + p, rr, sizeof(rr));
		p += sizeof(rr);
		out[p++] = 0;
		out[p++] = 4;
		memcpy(out + p, &r->ip.s_addr, 4);
		p += 4;
	}
	*out_len = p;
	return DNS_ANSWERED;
}
