/* registry.h: the registry client (OCI distribution-spec v2, as docker
 * speaks it): pull, push and the login check.
 *
 * Transport.  docker.io is reached at registry-1.docker.io; every other
 * domain as written.  HTTPS with the system's CA certificates plus those
 * of the registry's certificate directories: opts.cert_dir, then
 * /etc/docker/certs.d/<domain>/ and /etc/containers/certs.d/<domain>/
 * ("*.crt" are CA certificates, a "X.cert" with its "X.key" a client
 * certificate).  Plain HTTP only for loopback registries ("localhost",
 * 127.0.0.0/8, ::1, with or without a port; docker treats them as
 * insecure registries) and with tls_verify off, which also skips the
 * certificate check: HTTPS is tried first and HTTP taken when the server
 * does not speak TLS.
 *
 * Every exchange starts with GET /v2/ (the "ping"): it decides the scheme
 * and tells how to authenticate (auth.h).  Errors name the problem:
 *   registry unreachable: Could not resolve host: registry-1.docker.io
 *   manifest unknown
 *   unauthorized: authentication required
 *   tls: HOST: SSL certificate problem: ... (with a hint at --cert-dir)
 * No exchange hangs: connecting gives up after 10 s, a transfer that
 * stalls (under 1 byte/s for 30 s) fails, and small documents have an
 * overall limit.  5xx answers and dropped connections are retried three
 * times (after 0.5, 1 and 2 s); 4xx answers are not.
 *
 * Untrusted input: every document is checked against its digest (a
 * manifest pulled by tag against the registry's Docker-Content-Digest when
 * it sends one), documents are refused above STORE_DOC_MAX and blobs
 * above the size their descriptor gives; layer content is checked again
 * once unpacked (the config's diff_ids).
 *
 * The library never prints: progress goes to an optional callback. */
#pragma once

#include <stdint.h>

#include "base/err.h"
#include "image/store.h"

struct registry_opts {
	bool tls_verify_off;  /* --tls-verify=false */
	const char *cert_dir; /* --cert-dir, or NULL */
	const char *authfile; /* --authfile, or NULL: auth.h's default */
	const char *username; /* explicit credentials (login, --creds) or NULL */
	const char *password;
	const char *platform; /* "os/arch[/variant]", NULL: the host's */
};

enum registry_event_kind {
	REGISTRY_EV_RESOLVED,	 /* text: the repository ("team/app"), digest: what was resolved */
	REGISTRY_EV_LAYERS,	 /* count: the number of layers (pull) or blobs (push) */
	REGISTRY_EV_EXISTS,	 /* pull: layer already in the store; push: in the registry */
	REGISTRY_EV_WAITING,	 /* queued */
	REGISTRY_EV_PROGRESS,	 /* current / total bytes moved */
	REGISTRY_EV_VERIFYING,	 /* downloaded, digest checked */
	REGISTRY_EV_DOWNLOADED,	 /* "Download complete" */
	REGISTRY_EV_EXTRACTING,	 /* unpacking */
	REGISTRY_EV_DONE,	 /* pull: "Pull complete"; push: "Pushed" */
	REGISTRY_EV_MOUNTED,	 /* push: text is the repository it was mounted from */
	REGISTRY_EV_RETRY,	 /* text: why; the transfer starts over */
};

struct registry_event {
	enum registry_event_kind kind;
	size_t index;	    /* which layer/blob, 0 = the first (bottom) */
	const char *digest; /* the blob's digest */
	uint64_t current, total;
	size_t count;
	const char *text;
};

struct registry_progress {
	void (*fn)(void *data, const struct registry_event *ev);
	void *data;
};

struct registry_pull_result {
	char *id;	  /* the image id (config digest) */
	char *name;	  /* the name given to it ("docker.io/library/busybox:latest"),
			     NULL when pulled by digest alone */
	char *reference;  /* the full reference pulled */
	char *digest;	  /* what the reference resolved to (an index or manifest) */
	bool up_to_date;  /* nothing downloaded, the name already pointed there */
};
void registry_pull_result_clear(struct registry_pull_result *r);

/* Pull reference (a docker reference; a short name means docker.io) into
 * the store (opened STORE_ADD): its manifest (picked from an index for
 * the platform), config and layers, then register it under the name.
 * Layers whose unpacked form or blob is already stored are not fetched. */
int registry_pull(struct store *s, const char *reference, const struct registry_opts *o,
		  const struct registry_progress *p, struct registry_pull_result *ret,
		  struct err *e);

struct registry_push_result {
	char *reference; /* the full destination reference */
	char *tag;
	char *digest; /* the manifest's digest */
	uint64_t size;	/* the manifest's size */
};
void registry_push_result_clear(struct registry_push_result *r);

/* Push the stored image source (a name or id) as dest (NULL: the name
 * source), blobs first (skipping those the registry has, mounting those
 * another repository of it has), then the manifest as stored; record the
 * pushed digest in the image's repo digests. */
int registry_push(struct store *s, const char *source, const char *dest,
		  const struct registry_opts *o, const struct registry_progress *p,
		  struct registry_push_result *ret, struct err *e);

/* GET /v2/ of domain with o's credentials, through the authentication
 * handshake: 0 when the registry accepts them. */
int registry_check_login(const char *domain, const struct registry_opts *o, struct err *e);
