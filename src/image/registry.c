/* registry.c: see registry.h.
 *
 * One struct registry per registry and repository: the decided base URL,
 * the TLS settings, the credentials and the current Authorization.  Small
 * exchanges (ping, manifests, HEAD, uploads, tokens) go through one easy
 * handle, request by request (do_request: retries and the 401 handshake);
 * layer downloads run up to PARALLEL at once on a multi handle straight
 * into the store's blob writers (download_blobs). */
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/digest.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/log.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "base/time-util.h"
#include "image/auth.h"
#include "image/image.h"
#include "image/reference.h"
#include "image/registry.h"
#include "image/store.h"

#define CONNECT_TIMEOUT_S 10L
#define LOW_SPEED_TIME_S 30L
#define DOC_TIMEOUT_S 120L
#define RETRIES 3
#define PARALLEL 4
#define ERROR_BODY_MAX (64u << 10)
#define CERT_FILE_MAX (1u << 20)
#define CA_BUNDLE_MAX (16u << 20)
#define PROGRESS_INTERVAL_NS 100000000ull

#define DOCKER_HUB_HOST "registry-1.docker.io"
#define MEDIA_DOCKER_MANIFEST_V1 "application/vnd.docker.distribution.manifest.v1+json"
#define MEDIA_DOCKER_MANIFEST_V1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"

static const char manifest_accept[] = "Accept: " MEDIA_OCI_INDEX ", " MEDIA_OCI_MANIFEST
				      ", " MEDIA_DOCKER_LIST ", " MEDIA_DOCKER_MANIFEST;

/* ---- the connection ---- */

struct registry {
	char *domain;	/* as in references: "docker.io", "localhost:5000" */
	char *host;	/* what is contacted: "registry-1.docker.io" */
	char *base;	/* "https://host" once pinged */
	bool insecure;	/* plain HTTP allowed */
	bool verify;	/* certificates checked */
	char *ca_blob;	/* PEM: the system's and the extra CAs; NULL: curl's default */
	size_t ca_len;
	char *client_cert, *client_key;
	char *user, *pass; /* NULL: anonymous */
	char **scopes;	   /* asked of a token server */
	struct auth_challenge chal;
	char *authz; /* "Authorization: ..." once authenticated */
	CURL *easy;
	/* Told of each blob as soon as it is stored (the layer unpackers). */
	void (*blob_done)(void *data, size_t index);
	void *blob_done_data;
};

static void registry_free(struct registry *r)
{
	if (!r)
		return;
	free(r->domain);
	free(r->host);
	free(r->base);
	free(r->ca_blob);
	free(r->client_cert);
	free(r->client_key);
	free(r->user);
	if (r->pass)
		explicit_bzero(r->pass, strlen(r->pass));
	free(r->pass);
	strv_free(r->scopes);
	auth_challenge_clear(&r->chal);
	if (r->authz)
		explicit_bzero(r->authz, strlen(r->authz));
	free(r->authz);
	if (r->easy)
		curl_easy_cleanup(r->easy);
	free(r);
}
DEFINE_CLEANUP_FUNC(struct registry *, registry_free)

/* The host part of a domain, without port or brackets. */
static char *domain_hostname(const char *domain)
{
	if (domain[0] == '[') {
		const char *end = strchr(domain, ']');
		return end ? xstrndup(domain + 1, (size_t)(end - domain - 1)) : xstrdup(domain);
	}
	const char *colon = strchr(domain, ':');
	return colon ? xstrndup(domain, (size_t)(colon - domain)) : xstrdup(domain);
}

static bool is_loopback(const char *domain)
{
	_cleanup_free_ char *h = domain_hostname(domain);
	if (streq(h, "localhost") || streq(h, "::1") || streq(h, "0:0:0:0:0:0:0:1"))
		return true;
	/* 127.0.0.0/8 as a dotted quad. */
	if (!startswith(h, "127."))
		return false;
	int dots = 0;
	for (const char *c = h; *c; c++) {
		if (*c == '.')
			dots++;
		else if (*c < '0' || *c > '9')
			return false;
	}
	return dots == 3;
}

/* The registry's error document {"errors": [{"code", "message"}]} as
 * "code: message" ("manifest unknown" once when both say it), made
 * printable.  NULL when the body is not one. */
static char *registry_error_text(const char *body, size_t len)
{
	_cleanup_json_ json_t *doc = NULL;
	if (len == 0 || json_parse_buffer(body, len, "error", &doc, NULL) < 0)
		return NULL;
	json_t *errs = json_object_get(doc, "errors");
	json_t *first = json_array_get(errs, 0);
	const char *code = json_string_value(json_object_get(first, "code"));
	const char *msg = json_string_value(json_object_get(first, "message"));
	if (!code && !msg) {
		/* Token servers: {"details": "incorrect username or password"}. */
		msg = json_string_value(json_object_get(doc, "details"));
		if (!msg)
			msg = json_string_value(json_object_get(doc, "error"));
		if (!msg)
			return NULL;
	}
	struct strbuf sb = STRBUF_INIT;
	_cleanup_free_ char *c = code ? xstrdup(code) : NULL;
	for (char *p = c; p && *p; p++) {
		if (*p == '_')
			*p = ' ';
		else if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	}
	if (c && *c)
		strbuf_addstr(&sb, c);
	if (msg && *msg && (!c || strcasecmp(c, msg) != 0)) {
		if (sb.len)
			strbuf_addstr(&sb, ": ");
		strbuf_addstr(&sb, msg);
	}
	char *out = strbuf_detach(&sb, NULL);
	/* Registry text reaches a terminal: nothing but printable ASCII. */
	size_t n = strlen(out);
	if (n > 300)
		out[300] = '\0';
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	return out;
}

/* ---- one response ---- */

struct resp {
	CURL *h;
	long status;
	struct strbuf body;
	size_t max;    /* body limit for documents */
	bool too_big;  /* the body went over max (or over the sink's size) */
	char *location, *content_type, *digest;
	char **www_auth;
	/* Downloads: a 2xx body goes to the writer, at most sink_max bytes. */
	struct store_blob_writer *sink;
	int64_t sink_max;
	bool sink_failed;
	struct err sink_err;
};

static void resp_headers_clear(struct resp *rs)
{
	free(rs->location);
	free(rs->content_type);
	free(rs->digest);
	strv_free(rs->www_auth);
	rs->location = rs->content_type = rs->digest = NULL;
	rs->www_auth = NULL;
}

static void resp_clear(struct resp *rs)
{
	resp_headers_clear(rs);
	strbuf_release(&rs->body);
	err_clear(&rs->sink_err);
	rs->status = 0;
	rs->too_big = rs->sink_failed = false;
}

static size_t on_header(char *buf, size_t size, size_t n, void *data)
{
	struct resp *rs = data;
	size_t len = size * n;
	if (len >= 5 && memcmp(buf, "HTTP/", 5) == 0) {
		/* A new response (after a redirect or a 100): start over. */
		resp_headers_clear(rs);
		strbuf_reset(&rs->body);
		return len;
	}
	const char *colon = memchr(buf, ':', len);
	if (!colon)
		return len;
	size_t nl = (size_t)(colon - buf);
	const char *v = colon + 1;
	const char *end = buf + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	char *value = xstrndup(v, (size_t)(end - v));
	if (nl == 8 && strncasecmp(buf, "location", nl) == 0) {
		free(rs->location);
		rs->location = value;
	} else if (nl == 12 && strncasecmp(buf, "content-type", nl) == 0) {
		free(rs->content_type);
		rs->content_type = value;
	} else if (nl == 21 && strncasecmp(buf, "docker-content-digest", nl) == 0) {
		free(rs->digest);
		rs->digest = value;
	} else if (nl == 16 && strncasecmp(buf, "www-authenticate", nl) == 0) {
		strv_consume(&rs->www_auth, value);
	} else {
		free(value);
	}
	return len;
}

static size_t on_body(char *ptr, size_t size, size_t n, void *data)
{
	struct resp *rs = data;
	size_t len = size * n;
	long code = 0;
	curl_easy_getinfo(rs->h, CURLINFO_RESPONSE_CODE, &code);
	if (rs->sink && code >= 200 && code < 300) {
		if (rs->sink_max >= 0 &&
		    store_blob_writer_size(rs->sink) + len > (uint64_t)rs->sink_max) {
			rs->too_big = true;
			return 0;
		}
		if (store_blob_writer_write(rs->sink, ptr, len, &rs->sink_err) < 0) {
			rs->sink_failed = true;
			return 0;
		}
		return len;
	}
	if (rs->sink || code >= 300) {
		/* An error document: keep its beginning. */
		if (rs->body.len < ERROR_BODY_MAX)
			strbuf_add(&rs->body, ptr,
				   len < ERROR_BODY_MAX - rs->body.len ? len
								  : ERROR_BODY_MAX - rs->body.len);
		return len;
	}
	if (rs->body.len + len > rs->max) {
		rs->too_big = true;
		return 0;
	}
	strbuf_add(&rs->body, ptr, len);
	return len;
}

/* ---- requests ---- */

struct upload {
	int fd;
	uint64_t off, size;
	const struct registry_progress *p;
	size_t index;
	const char *digest;
	uint64_t last_ns;
};

struct req {
	const char *method; /* GET, HEAD, POST, PUT */
	const char *url;
	const char *accept;	  /* a whole "Accept: ..." line, or NULL */
	const char *content_type; /* a media type, or NULL */
	const char *body;	  /* PUT/POST body (may be NULL: empty) */
	size_t body_len;
	struct upload *up; /* PUT from a file */
	size_t max;	   /* response body limit (GET) */
	bool small;	   /* an overall time limit */
	bool no_auth;	   /* no Authorization (the ping, token requests) */
	const char *authz; /* this Authorization line instead of the registry's */
	bool ping;	   /* connection errors are final (registry unreachable) */
};

static void emit(const struct registry_progress *p, const struct registry_event *ev)
{
	if (p && p->fn)
		p->fn(p->data, ev);
}

static size_t on_read(char *buf, size_t size, size_t n, void *data)
{
	struct upload *u = data;
	size_t want = size * n;
	if (u->off >= u->size)
		return 0;
	if (want > u->size - u->off)
		want = (size_t)(u->size - u->off);
	ssize_t got;
	do
		got = pread(u->fd, buf, want, (off_t)u->off);
	while (got < 0 && errno == EINTR);
	if (got <= 0)
		return CURL_READFUNC_ABORT;
	u->off += (uint64_t)got;
	uint64_t now = time_mono_ns();
	if (u->p && (now - u->last_ns >= PROGRESS_INTERVAL_NS || u->off == u->size)) {
		u->last_ns = now;
		struct registry_event ev = {.kind = REGISTRY_EV_PROGRESS,
					    .index = u->index,
					    .digest = u->digest,
					    .current = u->off,
					    .total = u->size};
		emit(u->p, &ev);
	}
	return (size_t)got;
}

/* The URL is on the registry itself (its Authorization may go there). */
static bool same_origin(const struct registry *r, const char *url)
{
	size_t n = r->base ? strlen(r->base) : 0;
	return n && strncmp(url, r->base, n) == 0 && (url[n] == '/' || url[n] == '\0');
}

static void setup_handle(struct registry *r, CURL *h, const char *url, char *errbuf,
			 struct resp *rs)
{
	rs->h = h;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	errbuf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "berth/" BERTH_VERSION);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, LOW_SPEED_TIME_S);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, rs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, rs);
	if (!r->verify) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (r->ca_blob) {
		struct curl_blob b = {.data = r->ca_blob, .len = r->ca_len,
				      .flags = CURL_BLOB_NOCOPY};
		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &b);
	}
	if (r->client_cert) {
		curl_easy_setopt(h, CURLOPT_SSLCERT, r->client_cert);
		curl_easy_setopt(h, CURLOPT_SSLKEY, r->client_key);
	}
}

static CURLcode perform_once(struct registry *r, const struct req *q, struct resp *rs,
			     char *errbuf)
{
	resp_clear(rs);
	CURL *h = r->easy;
	curl_easy_reset(h);
	setup_handle(r, h, q->url, errbuf, rs);
	struct curl_slist *hdrs = NULL;
	if (q->accept)
		hdrs = curl_slist_append(hdrs, q->accept);
	if (q->content_type) {
		_cleanup_free_ char *ct = xasprintf("Content-Type: %s", q->content_type);
		hdrs = curl_slist_append(hdrs, ct);
	}
	if (q->authz)
		hdrs = curl_slist_append(hdrs, q->authz);
	else if (r->authz && !q->no_auth && same_origin(r, q->url))
		hdrs = curl_slist_append(hdrs, r->authz);
	hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	if (streq(q->method, "GET")) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	} else if (streq(q->method, "HEAD")) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
		curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	} else if (q->up) {
		q->up->off = 0;
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(h, CURLOPT_READDATA, q->up);
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)q->up->size);
		if (!streq(q->method, "PUT"))
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
	} else {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, q->body ? q->body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
		if (!streq(q->method, "POST"))
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
	}
	if (q->small)
		curl_easy_setopt(h, CURLOPT_TIMEOUT, DOC_TIMEOUT_S);
	rs->max = q->max ? q->max : ERROR_BODY_MAX;
	CURLcode cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &rs->status);
	curl_slist_free_all(hdrs);
	/* The handle keeps pointers to these: drop them now. */
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	log_debug("registry: %s %s: %s, HTTP %ld", q->method, q->url,
		  cc == CURLE_OK ? "ok" : curl_easy_strerror(cc), rs->status);
	return cc;
}

static bool retryable_code(CURLcode cc, bool ping)
{
	switch (cc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
		return !ping;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

static bool retryable_status(long status)
{
	return status >= 500 || status == 429 || status == 408;
}

static bool is_tls_error(CURLcode cc)
{
	switch (cc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CIPHER:
		return true;
	default:
		return false;
	}
}

static int transport_error(const struct registry *r, CURLcode cc, const char *errbuf, bool ping,
			   struct err *e)
{
	const char *msg = errbuf && *errbuf ? errbuf : curl_easy_strerror(cc);
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return err_set(e, ERR_IO, "registry unreachable: %s", msg);
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
		if (ping)
			return err_set(e, ERR_IO, "registry unreachable: %s", msg);
		break;
	default:
		break;
	}
	if (is_tls_error(cc))
		return err_set(e, ERR_IO,
			       "tls: %s: %s (give the registry's CA certificate with --cert-dir DIR, "
			       "or skip the check with --tls-verify=false)",
			       r->host, msg);
	return err_set(e, ERR_IO, "%s: %s", r->host, msg);
}

/* An HTTP error answer as an error: the registry's own words when it
 * sent an error document, else what the status means here. */
static int http_error(const struct resp *rs, const char *not_found, struct err *e)
{
	_cleanup_free_ char *text = registry_error_text(rs->body.buf, rs->body.len);
	enum err_kind kind = rs->status == 401   ? ERR_AUTH
			     : rs->status == 403 ? ERR_PERMISSION
			     : rs->status == 404 ? ERR_NOT_FOUND
						 : ERR_IO;
	if (rs->status == 404 && not_found) {
		/* "manifest unknown", whatever the registry's words. */
		if (text && strstr(text, not_found))
			return err_set(e, kind, "%s", text);
		return err_set(e, kind, "%s", not_found);
	}
	if (text && *text) {
		if (rs->status == 401 && !strstr(text, "unauthorized"))
			return err_set(e, kind, "unauthorized: %s", text);
		return err_set(e, kind, "%s", text);
	}
	switch (rs->status) {
	case 401:
		return err_set(e, kind, "unauthorized: authentication required");
	case 403:
		return err_set(e, kind, "denied: requested access to the resource is denied");
	case 404:
		return err_set(e, kind, "not found");
	default:
		return err_set(e, kind, "registry answered HTTP %ld", rs->status);
	}
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000ull),
			      .tv_nsec = (long)(ns % 1000000000ull)};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static uint64_t backoff_ns(int attempt)
{
	/* 0.5 s, 1 s, 2 s */
	return 500000000ull << (attempt < 3 ? attempt : 2);
}

static int authenticate(struct registry *r, char **www_auth, bool *changed, struct err *e);

/* Run q with retries and the authentication handshake.  0 with the
 * answer in rs (any status: the caller decides), -1 on a transport
 * error. */
static int do_request(struct registry *r, const struct req *q, struct resp *rs, struct err *e)
{
	bool auth_tried = false;
	char errbuf[CURL_ERROR_SIZE];
	for (int attempt = 0;; attempt++) {
		CURLcode cc = perform_once(r, q, rs, errbuf);
		if (cc == CURLE_WRITE_ERROR && rs->too_big)
			return err_set(e, ERR_INVALID, "%s: answer larger than %zu bytes", q->url,
				       rs->max);
		if (cc != CURLE_OK) {
			if (attempt < RETRIES && retryable_code(cc, q->ping)) {
				log_debug("registry: %s %s: %s, retrying", q->method, q->url,
					  errbuf[0] ? errbuf : curl_easy_strerror(cc));
				sleep_ns(backoff_ns(attempt));
				continue;
			}
			return transport_error(r, cc, errbuf, q->ping, e);
		}
		if (rs->status == 401 && !q->no_auth && !q->authz && !auth_tried &&
		    same_origin(r, q->url)) {
			auth_tried = true;
			bool changed = false;
			if (authenticate(r, rs->www_auth, &changed, e) < 0)
				return -1;
			if (changed) {
				attempt--;
				continue;
			}
		}
		if (retryable_status(rs->status) && attempt < RETRIES) {
			log_debug("registry: %s %s: HTTP %ld, retrying", q->method, q->url,
				  rs->status);
			sleep_ns(backoff_ns(attempt));
			continue;
		}
		return 0;
	}
}

/* ---- authentication ---- */

static int fetch_token(struct registry *r, const struct auth_challenge *c, char **ret,
		       struct err *e)
{
	_cleanup_free_ char *url = auth_token_url(c, r->scopes);
	_cleanup_free_ char *basic = NULL, *line = NULL;
	if (r->user) {
		basic = auth_basic_value(r->user, r->pass);
		line = xasprintf("Authorization: %s", basic);
	}
	struct req q = {.method = "GET", .url = url, .max = AUTH_TOKEN_MAX, .small = true,
			.no_auth = true, .authz = line};
	struct resp rs = {0};
	int rc = do_request(r, &q, &rs, e);
	if (line)
		explicit_bzero(line, strlen(line));
	if (rc < 0) {
		resp_clear(&rs);
		return err_wrap(e, "token server");
	}
	if (rs.status != 200) {
		if (rs.status == 401 || rs.status == 403) {
			_cleanup_free_ char *text = registry_error_text(rs.body.buf, rs.body.len);
			err_set(e, ERR_AUTH, "unauthorized: %s",
				text ? text
				     : (r->user ? "incorrect username or password"
						: "authentication required"));
		} else {
			http_error(&rs, NULL, e);
			err_wrap(e, "token server");
		}
		resp_clear(&rs);
		return -1;
	}
	rc = auth_token_parse(rs.body.buf, rs.body.len, ret, e);
	resp_clear(&rs);
	return rc;
}

/* Pick the challenge to answer: Bearer over Basic. */
static int pick_challenge(char **www_auth, struct auth_challenge *ret, struct err *e)
{
	struct auth_challenge best = {0};
	for (char **w = www_auth; w && *w; w++) {
		struct auth_challenge c;
		if (auth_challenge_parse(*w, &c, e) < 0) {
			auth_challenge_clear(&best);
			return -1;
		}
		if (c.scheme != AUTH_SCHEME_NONE &&
		    (best.scheme == AUTH_SCHEME_NONE ||
		     (best.scheme == AUTH_SCHEME_BASIC && c.scheme == AUTH_SCHEME_BEARER))) {
			auth_challenge_clear(&best);
			best = c;
		} else {
			auth_challenge_clear(&c);
		}
	}
	*ret = best;
	return 0;
}

/* Answer a 401's challenge: fetch a token (for the registry's scopes and
 * the one the challenge names) or take up basic credentials.  *changed
 * tells whether the Authorization changed (worth another try). */
static int authenticate(struct registry *r, char **www_auth, bool *changed, struct err *e)
{
	*changed = false;
	struct auth_challenge c;
	if (pick_challenge(www_auth, &c, e) < 0)
		return -1;
	if (c.scheme == AUTH_SCHEME_NONE)
		return 0;
	if (c.scheme == AUTH_SCHEME_BASIC) {
		auth_challenge_clear(&c);
		if (!r->user)
			return 0;
		_cleanup_free_ char *v = auth_basic_value(r->user, r->pass);
		char *line = xasprintf("Authorization: %s", v);
		*changed = !streq_ptr(line, r->authz);
		free(r->authz);
		r->authz = line;
		return 0;
	}
	if (c.scope && *c.scope && !strv_contains(r->scopes, c.scope))
		strv_push(&r->scopes, c.scope);
	_cleanup_free_ char *token = NULL;
	int rc = fetch_token(r, &c, &token, e);
	auth_challenge_clear(&r->chal);
	r->chal = c;
	if (rc < 0)
		return -1;
	char *line = xasprintf("Authorization: Bearer %s", token);
	*changed = !streq_ptr(line, r->authz);
	free(r->authz);
	r->authz = line;
	return 0;
}

/* ---- TLS material ---- */

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && streq(s + n - m, suffix);
}

/* Collect dir's "*.crt" into extra; take the first "X.cert" with an
 * "X.key" as the client certificate.  A missing directory is fine unless
 * it was asked for. */
static int scan_cert_dir(struct registry *r, const char *dir, bool required, struct strbuf *extra,
			 struct err *e)
{
	DIR *d = opendir(dir);
	if (!d) {
		if (!required && (errno == ENOENT || errno == ENOTDIR || errno == EACCES))
			return 0;
		return err_sys(e, errno, "certificate directory \"%s\"", dir);
	}
	_cleanup_strv_ char **names = NULL;
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			strv_push(&names, de->d_name);
	closedir(d);
	for (char **n = names; n && *n; n++) {
		_cleanup_free_ char *path = xasprintf("%s/%s", dir, *n);
		if (has_suffix(*n, ".crt")) {
			_cleanup_free_ char *buf = NULL;
			size_t len;
			if (read_file_at(AT_FDCWD, path, CERT_FILE_MAX, &buf, &len, e) < 0)
				return err_wrap(e, "certificate directory \"%s\"", dir);
			strbuf_add(extra, buf, len);
			strbuf_addch(extra, '\n');
		} else if (has_suffix(*n, ".cert") && !r->client_cert) {
			_cleanup_free_ char *key =
				xasprintf("%s/%.*s.key", dir, (int)(strlen(*n) - 5), *n);
			if (access(key, R_OK) == 0) {
				r->client_cert = TAKE_PTR(path);
				r->client_key = TAKE_PTR(key);
			}
		}
	}
	return 0;
}

static int load_certs(struct registry *r, const char *cert_dir, struct err *e)
{
	struct strbuf extra = STRBUF_INIT;
	int rc = 0;
	if (cert_dir)
		rc = scan_cert_dir(r, cert_dir, true, &extra, e);
	static const char *const sysdirs[] = {"/etc/docker/certs.d", "/etc/containers/certs.d"};
	for (size_t i = 0; rc == 0 && i < ARRAY_SIZE(sysdirs); i++) {
		_cleanup_free_ char *d = xasprintf("%s/%s", sysdirs[i], r->domain);
		rc = scan_cert_dir(r, d, false, &extra, e);
	}
	if (rc == 0 && extra.len) {
		/* curl takes one bundle: the system's with ours after it. */
		struct strbuf all = STRBUF_INIT;
		char *sys = NULL;
		if (curl_easy_getinfo(r->easy, CURLINFO_CAINFO, &sys) == CURLE_OK && sys) {
			_cleanup_free_ char *buf = NULL;
			size_t len;
			if (read_file_at(AT_FDCWD, sys, CA_BUNDLE_MAX, &buf, &len, NULL) == 0) {
				strbuf_add(&all, buf, len);
				strbuf_addch(&all, '\n');
			}
		}
		strbuf_add(&all, extra.buf, extra.len);
		r->ca_blob = strbuf_detach(&all, &r->ca_len);
	}
	strbuf_release(&extra);
	return rc;
}

/* ---- opening ---- */

static int curl_init_once(struct err *e)
{
	static bool done;
	if (done)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return err_set(e, ERR_INTERNAL, "libcurl initialisation failed");
	done = true;
	return 0;
}

/* GET /v2/: decide the scheme, learn the challenge, authenticate when
 * there are credentials or a token server. */
static int ping(struct registry *r, bool check_login, struct err *e)
{
	static const char *const schemes[] = {"https", "http"};
	struct resp rs = {0};
	int rc = -1;
	for (size_t i = 0; i < ARRAY_SIZE(schemes); i++) {
		free(r->base);
		r->base = xasprintf("%s://%s", schemes[i], r->host);
		_cleanup_free_ char *url = xasprintf("%s/v2/", r->base);
		struct req q = {.method = "GET", .url = url, .max = ERROR_BODY_MAX, .small = true,
				.no_auth = true, .ping = true};
		char errbuf[CURL_ERROR_SIZE];
		CURLcode cc = CURLE_OK;
		/* 5xx: retried; a connection error: final. */
		for (int attempt = 0;; attempt++) {
			cc = perform_once(r, &q, &rs, errbuf);
			if (cc == CURLE_OK && retryable_status(rs.status) && attempt < RETRIES) {
				sleep_ns(backoff_ns(attempt));
				continue;
			}
			if (cc != CURLE_OK && attempt < RETRIES && retryable_code(cc, true) &&
			    cc != CURLE_GOT_NOTHING && cc != CURLE_RECV_ERROR) {
				sleep_ns(backoff_ns(attempt));
				continue;
			}
			break;
		}
		if (cc == CURLE_OK) {
			rc = 0;
			break;
		}
		/* A server that does not speak TLS, or nothing on 443: plain
		 * HTTP where that is allowed. */
		bool fallback = i == 0 && r->insecure &&
				(cc == CURLE_SSL_CONNECT_ERROR || cc == CURLE_COULDNT_CONNECT ||
				 cc == CURLE_GOT_NOTHING || cc == CURLE_RECV_ERROR);
		if (fallback) {
			log_debug("registry: %s: no TLS (%s), trying plain HTTP", r->host,
				  errbuf[0] ? errbuf : curl_easy_strerror(cc));
			continue;
		}
		transport_error(r, cc, errbuf, true, e);
		resp_clear(&rs);
		return -1;
	}
	if (rc < 0) {
		resp_clear(&rs);
		return -1;
	}
	if (rs.status == 200) {
		resp_clear(&rs);
		return 0;
	}
	if (rs.status != 401) {
		err_set(e, ERR_IO, "%s: GET /v2/ answered HTTP %ld (not a registry?)", r->host,
			rs.status);
		resp_clear(&rs);
		return -1;
	}
	struct auth_challenge c;
	if (pick_challenge(rs.www_auth, &c, e) < 0) {
		resp_clear(&rs);
		return -1;
	}
	if (c.scheme == AUTH_SCHEME_NONE) {
		http_error(&rs, NULL, e);
		resp_clear(&rs);
		return -1;
	}
	bool changed;
	rc = 0;
	if (c.scheme == AUTH_SCHEME_BEARER || r->user)
		rc = authenticate(r, rs.www_auth, &changed, e);
	auth_challenge_clear(&c);
	if (rc < 0 || !check_login) {
		resp_clear(&rs);
		return rc;
	}
	/* login: the registry must now accept us. */
	_cleanup_free_ char *url = xasprintf("%s/v2/", r->base);
	struct req q = {.method = "GET", .url = url, .max = ERROR_BODY_MAX, .small = true};
	if (!r->authz) {
		rc = http_error(&rs, NULL, e);
	} else {
		struct resp rs2 = {0};
		q.authz = r->authz;
		rc = do_request(r, &q, &rs2, e);
		if (rc == 0 && rs2.status != 200)
			rc = http_error(&rs2, NULL, e);
		resp_clear(&rs2);
	}
	resp_clear(&rs);
	return rc;
}

static int registry_open(const char *domain, const struct registry_opts *o, char **scopes,
			 bool check_login, struct registry **ret, struct err *e)
{
	if (curl_init_once(e) < 0)
		return -1;
	_cleanup_(registry_freep) struct registry *r = xnew(struct registry, 1);
	r->domain = xstrdup(domain);
	r->host = xstrdup(streq(domain, IMAGE_DEFAULT_DOMAIN) ? DOCKER_HUB_HOST : domain);
	r->verify = !o->tls_verify_off;
	r->insecure = o->tls_verify_off || is_loopback(domain);
	r->scopes = strv_dup(scopes);
	r->easy = curl_easy_init();
	if (!r->easy)
		return err_set(e, ERR_INTERNAL, "libcurl: no handle");
	if (load_certs(r, o->cert_dir, e) < 0)
		return -1;
	if (o->username) {
		r->user = xstrdup(o->username);
		r->pass = xstrdup(o->password ? o->password : "");
	} else if (auth_lookup(o->authfile, domain, &r->user, &r->pass, e) < 0) {
		return -1;
	}
	if (ping(r, check_login, e) < 0)
		return -1;
	*ret = TAKE_PTR(r);
	return 0;
}

int registry_check_login(const char *domain, const struct registry_opts *o, struct err *e)
{
	_cleanup_(registry_freep) struct registry *r = NULL;
	return registry_open(domain, o, NULL, true, &r, e);
}

/* ---- documents ---- */

/* GET a manifest (or index) by tag or digest: the body, its media type
 * (header, else the document's own) and its digest, checked. */
struct doc {
	char *body;
	size_t len;
	char *media_type;
	char *digest;
};

static void doc_clear(struct doc *d)
{
	free(d->body);
	free(d->media_type);
	free(d->digest);
	memset(d, 0, sizeof(*d));
}

static bool media_is(const char *m, const char *want)
{
	/* Media types may carry parameters ("; charset=utf-8"). */
	size_t n = strlen(want);
	return m && strncmp(m, want, n) == 0 && (m[n] == '\0' || m[n] == ';' || m[n] == ' ');
}

static bool is_index_media(const char *m)
{
	return media_is(m, MEDIA_OCI_INDEX) || media_is(m, MEDIA_DOCKER_LIST);
}

static bool is_manifest_media(const char *m)
{
	return media_is(m, MEDIA_OCI_MANIFEST) || media_is(m, MEDIA_DOCKER_MANIFEST);
}

static int fetch_manifest(struct registry *r, const char *path, const char *ref,
			  const char *expect_digest, int64_t expect_size, struct doc *ret,
			  struct err *e)
{
	_cleanup_free_ char *url = xasprintf("%s/v2/%s/manifests/%s", r->base, path, ref);
	struct req q = {.method = "GET", .url = url, .accept = manifest_accept,
			.max = STORE_DOC_MAX, .small = true};
	struct resp rs = {0};
	if (do_request(r, &q, &rs, e) < 0) {
		if (rs.too_big)
			err_set(e, ERR_INVALID, "manifest %s: larger than %u bytes", ref,
				STORE_DOC_MAX);
		resp_clear(&rs);
		return -1;
	}
	if (rs.status != 200) {
		http_error(&rs, "manifest unknown", e);
		resp_clear(&rs);
		return -1;
	}
	struct doc d = {0};
	d.digest = digest_buf(rs.body.buf, rs.body.len);
	int rc = 0;
	if (expect_digest && !streq(expect_digest, d.digest))
		rc = err_set(e, ERR_INVALID, "manifest %s: content has digest %s (corrupted)",
			     expect_digest, d.digest);
	else if (!expect_digest && rs.digest && digest_string_valid(rs.digest) &&
		 !streq(rs.digest, d.digest))
		rc = err_set(e, ERR_INVALID,
			     "manifest %s: the registry says digest %s, the content has %s", ref,
			     rs.digest, d.digest);
	else if (expect_size >= 0 && rs.body.len != (uint64_t)expect_size)
		rc = err_set(e, ERR_INVALID, "manifest %s: size %zu, expected %lld", ref,
			     rs.body.len, (long long)expect_size);
	if (rc == 0) {
		d.media_type = rs.content_type ? xstrdup(rs.content_type) : NULL;
		d.body = strbuf_detach(&rs.body, &d.len);
		*ret = d;
	} else {
		doc_clear(&d);
	}
	resp_clear(&rs);
	return rc;
}

/* ---- descriptors ---- */

struct desc {
	char *media_type;
	char *digest;
	int64_t size;
	char *os, *arch, *variant; /* index entries */
};

static void desc_clear(struct desc *d)
{
	free(d->media_type);
	free(d->digest);
	free(d->os);
	free(d->arch);
	free(d->variant);
	memset(d, 0, sizeof(*d));
}

static void descs_free(struct desc *d, size_t n)
{
	for (size_t i = 0; d && i < n; i++)
		desc_clear(&d[i]);
	free(d);
}

static int parse_desc(json_t *o, const char *path, struct desc *d, struct err *e)
{
	memset(d, 0, sizeof(*d));
	if (!json_is_object(o))
		return err_set(e, ERR_INVALID, "%s: expected an object", path);
	if (json_get_string(o, path, "mediaType", false, &d->media_type, e) < 0 ||
	    json_get_string(o, path, "digest", true, &d->digest, e) < 0 ||
	    json_get_i64(o, path, "size", true, &d->size, e) < 0) {
		desc_clear(d);
		return -1;
	}
	if (!digest_string_valid(d->digest)) {
		err_set(e, ERR_INVALID, "%s.digest: \"%.100s\" is not a sha256 digest", path,
			d->digest);
		desc_clear(d);
		return -1;
	}
	if (d->size < 0) {
		err_set(e, ERR_INVALID, "%s.size: negative", path);
		desc_clear(d);
		return -1;
	}
	json_t *pl = json_object_get(o, "platform");
	if (json_is_object(pl)) {
		_cleanup_free_ char *pp = json_path_key(path, "platform");
		if (json_get_string(pl, pp, "os", false, &d->os, e) < 0 ||
		    json_get_string(pl, pp, "architecture", false, &d->arch, e) < 0 ||
		    json_get_string(pl, pp, "variant", false, &d->variant, e) < 0) {
			desc_clear(d);
			return -1;
		}
	}
	return 0;
}

static int parse_desc_array(json_t *doc, const char *key, bool required, struct desc **ret,
			    size_t *ret_n, struct err *e)
{
	json_t *arr;
	int g = json_get_array(doc, "", key, required, &arr, e);
	if (g < 0)
		return -1;
	size_t n = g ? json_array_size(arr) : 0;
	if (n > 100000)
		return err_set(e, ERR_INVALID, "%s: too many entries", key);
	struct desc *d = xnew(struct desc, n ? n : 1);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *p = json_path_index(key, i);
		if (parse_desc(json_array_get(arr, i), p, &d[i], e) < 0) {
			descs_free(d, i);
			return -1;
		}
	}
	*ret = d;
	*ret_n = n;
	return 0;
}

/* The media type of a manifest document: its own field, else the
 * header's, else what its shape says.  Refuses schema 1. */
static int doc_kind(const struct doc *d, json_t *doc, const char *what, bool *ret_index,
		    struct err *e)
{
	if (!json_is_object(doc))
		return err_set(e, ERR_INVALID, "%s: expected a JSON object", what);
	json_t *sv = json_object_get(doc, "schemaVersion");
	const char *m = json_string_value(json_object_get(doc, "mediaType"));
	if (!m)
		m = d->media_type;
	if ((json_is_integer(sv) && json_integer_value(sv) == 1) ||
	    media_is(m, MEDIA_DOCKER_MANIFEST_V1) || media_is(m, MEDIA_DOCKER_MANIFEST_V1_SIGNED))
		return err_set(e, ERR_UNSUPPORTED,
			       "%s: a schema 1 manifest: not supported (push the image again with a "
			       "recent client)",
			       what);
	if (!json_is_integer(sv) || json_integer_value(sv) != 2)
		return err_set(e, ERR_INVALID, "%s: schemaVersion: expected 2", what);
	if (is_index_media(m)) {
		*ret_index = true;
		return 0;
	}
	if (is_manifest_media(m)) {
		*ret_index = false;
		return 0;
	}
	if (m && *m && !media_is(m, "application/json") && !media_is(m, "text/plain") &&
	    !media_is(m, "application/octet-stream"))
		return err_set(e, ERR_UNSUPPORTED, "%s: unsupported media type \"%.100s\"", what, m);
	/* No type said: an index has "manifests", an image manifest "layers". */
	if (json_object_get(doc, "manifests")) {
		*ret_index = true;
		return 0;
	}
	if (json_object_get(doc, "layers") && json_object_get(doc, "config")) {
		*ret_index = false;
		return 0;
	}
	return err_set(e, ERR_INVALID, "%s: neither an image manifest nor an index", what);
}

/* ---- platforms ---- */

struct platform {
	char *os, *arch, *variant;
};

static void platform_clear(struct platform *p)
{
	free(p->os);
	free(p->arch);
	free(p->variant);
	memset(p, 0, sizeof(*p));
}

static const char *host_arch(void)
{
#if defined(__x86_64__)
	return "amd64";
#elif defined(__aarch64__)
	return "arm64";
#elif defined(__arm__)
	return "arm";
#elif defined(__i386__)
	return "386";
#elif defined(__s390x__)
	return "s390x";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return "ppc64le";
#elif defined(__riscv) && __riscv_xlen == 64
	return "riscv64";
#else
	return "amd64";
#endif
}

static int parse_platform(const char *s, struct platform *ret, struct err *e)
{
	memset(ret, 0, sizeof(*ret));
	if (!s || !*s) {
		ret->os = xstrdup("linux");
		ret->arch = xstrdup(host_arch());
		return 0;
	}
	const char *a = strchr(s, '/');
	if (!a || a == s || !a[1])
		return err_set(e, ERR_INVALID, "--platform \"%s\": expected os/arch[/variant]", s);
	const char *v = strchr(a + 1, '/');
	if (v && (v == a + 1 || !v[1] || strchr(v + 1, '/')))
		return err_set(e, ERR_INVALID, "--platform \"%s\": expected os/arch[/variant]", s);
	ret->os = xstrndup(s, (size_t)(a - s));
	ret->arch = v ? xstrndup(a + 1, (size_t)(v - a - 1)) : xstrdup(a + 1);
	ret->variant = v ? xstrdup(v + 1) : NULL;
	/* docker's aliases */
	if (streq(ret->arch, "x86_64") || streq(ret->arch, "x86-64")) {
		free(ret->arch);
		ret->arch = xstrdup("amd64");
	} else if (streq(ret->arch, "aarch64")) {
		free(ret->arch);
		ret->arch = xstrdup("arm64");
	}
	return 0;
}

static bool platform_matches(const struct platform *want, const struct desc *d)
{
	if (!d->os || !d->arch || !streq(d->os, want->os) || !streq(d->arch, want->arch))
		return false;
	if (!want->variant)
		return true;
	const char *v = d->variant ? d->variant : "";
	/* arm64's only variant is v8, often left out. */
	if (streq(want->arch, "arm64") && streq(want->variant, "v8") && !*v)
		return true;
	return streq(v, want->variant);
}

static char *platform_string(const char *os, const char *arch, const char *variant)
{
	return variant && *variant ? xasprintf("%s/%s/%s", os, arch, variant)
				   : xasprintf("%s/%s", os, arch);
}

/* Choose the manifest for the platform from an index. */
static int pick_manifest(json_t *doc, const struct platform *want, struct desc *ret,
			 struct err *e)
{
	struct desc *ms;
	size_t n;
	if (parse_desc_array(doc, "manifests", true, &ms, &n, e) < 0)
		return -1;
	long found = -1;
	_cleanup_strv_ char **avail = NULL;
	for (size_t i = 0; i < n; i++) {
		if (ms[i].media_type && !is_manifest_media(ms[i].media_type))
			continue;
		if (!ms[i].os || !ms[i].arch || streq(ms[i].os, "unknown"))
			continue;
		if (found < 0 && platform_matches(want, &ms[i]))
			found = (long)i;
		char *p = platform_string(ms[i].os, ms[i].arch, ms[i].variant);
		if (!strv_contains(avail, p))
			strv_push(&avail, p);
		free(p);
	}
	if (found < 0) {
		_cleanup_free_ char *w = platform_string(want->os, want->arch, want->variant);
		struct strbuf sb = STRBUF_INIT;
		for (char **a = avail; a && *a; a++)
			strbuf_addf(&sb, "%s%s", a == avail ? "" : ", ", *a);
		err_set(e, ERR_NOT_FOUND, "no image for %s in the manifest list (available: %s)", w,
			sb.len ? sb.buf : "none");
		strbuf_release(&sb);
		descs_free(ms, n);
		return -1;
	}
	*ret = ms[found];
	memset(&ms[found], 0, sizeof(ms[found]));
	descs_free(ms, n);
	return 0;
}

/* ---- an image manifest ---- */

struct manifest {
	char *media_type;
	struct desc config;
	struct desc *layers;
	size_t n_layers;
};

static void manifest_clear(struct manifest *m)
{
	free(m->media_type);
	desc_clear(&m->config);
	descs_free(m->layers, m->n_layers);
	memset(m, 0, sizeof(*m));
}

static bool layer_media_ok(const char *m)
{
	return !m || startswith(m, "application/vnd.oci.image.layer.") ||
	       startswith(m, "application/vnd.docker.image.rootfs.");
}

static int parse_manifest(const char *body, size_t len, const char *header_media,
			  struct manifest *ret, struct err *e)
{
	memset(ret, 0, sizeof(*ret));
	_cleanup_json_ json_t *doc = NULL;
	if (json_parse_buffer(body, len, "manifest", &doc, e) < 0)
		return -1;
	struct doc d = {.media_type = (char *)header_media};
	bool index;
	if (doc_kind(&d, doc, "manifest", &index, e) < 0)
		return -1;
	if (index)
		return err_set(e, ERR_INVALID, "manifest: an index where an image manifest was "
					       "expected");
	const char *m = json_string_value(json_object_get(doc, "mediaType"));
	json_t *cfg;
	if (json_get_object(doc, "", "config", true, &cfg, e) < 0 ||
	    parse_desc(cfg, "config", &ret->config, e) < 0)
		return -1;
	if (parse_desc_array(doc, "layers", true, &ret->layers, &ret->n_layers, e) < 0) {
		manifest_clear(ret);
		return -1;
	}
	const char *cm = ret->config.media_type;
	if (cm && !media_is(cm, MEDIA_OCI_CONFIG) && !media_is(cm, MEDIA_DOCKER_CONFIG)) {
		err_set(e, ERR_UNSUPPORTED,
			"manifest: config media type \"%.100s\": not a container image", cm);
		manifest_clear(ret);
		return -1;
	}
	for (size_t i = 0; i < ret->n_layers; i++)
		if (!layer_media_ok(ret->layers[i].media_type)) {
			err_set(e, ERR_UNSUPPORTED, "manifest: layers[%zu]: unsupported media type "
						    "\"%.100s\"",
				i, ret->layers[i].media_type);
			manifest_clear(ret);
			return -1;
		}
	if (m)
		ret->media_type = xstrdup(m);
	else if (header_media && is_manifest_media(header_media))
		ret->media_type = xstrndup(header_media, strcspn(header_media, "; "));
	else
		ret->media_type = xstrdup(cm && media_is(cm, MEDIA_DOCKER_CONFIG)
						  ? MEDIA_DOCKER_MANIFEST
						  : MEDIA_OCI_MANIFEST);
	return 0;
}

/* ---- blobs: one, buffered ---- */

static int fetch_blob_buf(struct registry *r, const char *path, const struct desc *d,
			  char **ret, size_t *ret_len, struct err *e)
{
	if (d->size > (int64_t)STORE_DOC_MAX)
		return err_set(e, ERR_INVALID, "blob %s: %lld bytes, more than the %u allowed",
			       d->digest, (long long)d->size, STORE_DOC_MAX);
	_cleanup_free_ char *url = xasprintf("%s/v2/%s/blobs/%s", r->base, path, d->digest);
	struct req q = {.method = "GET", .url = url, .max = (size_t)d->size, .small = true};
	struct resp rs = {0};
	if (do_request(r, &q, &rs, e) < 0) {
		if (rs.too_big)
			err_set(e, ERR_INVALID, "blob %s: more than the %lld bytes announced",
				d->digest, (long long)d->size);
		resp_clear(&rs);
		return -1;
	}
	if (rs.status != 200) {
		http_error(&rs, "blob unknown", e);
		resp_clear(&rs);
		return err_wrap(e, "blob %s", d->digest);
	}
	if (rs.body.len != (size_t)d->size) {
		err_set(e, ERR_INVALID, "blob %s: size %zu, expected %lld", d->digest, rs.body.len,
			(long long)d->size);
		resp_clear(&rs);
		return -1;
	}
	*ret = strbuf_detach(&rs.body, ret_len);
	resp_clear(&rs);
	return 0;
}

/* ---- blobs: many, in parallel ---- */

enum dl_state { DL_PENDING, DL_ACTIVE, DL_DONE };

struct dl {
	size_t index; /* for progress events */
	const struct desc *d;
	enum dl_state state;
	CURL *h;
	struct curl_slist *hdrs;
	char *url;
	char errbuf[CURL_ERROR_SIZE];
	struct resp rs;
	int attempts;
	bool auth_tried;
	uint64_t start_at; /* monotonic ns */
	uint64_t reported;
};

static void dl_stop(CURLM *m, struct dl *x)
{
	if (x->h) {
		curl_multi_remove_handle(m, x->h);
		curl_easy_cleanup(x->h);
		x->h = NULL;
	}
	curl_slist_free_all(x->hdrs);
	x->hdrs = NULL;
	store_blob_writer_abort(x->rs.sink);
	x->rs.sink = NULL;
}

static int dl_start(struct registry *r, struct store *s, CURLM *m, struct dl *x, struct err *e)
{
	resp_clear(&x->rs);
	x->rs.sink = store_blob_writer_new(s, e);
	if (!x->rs.sink)
		return -1;
	x->rs.sink_max = x->d->size;
	x->h = curl_easy_init();
	if (!x->h)
		return err_set(e, ERR_INTERNAL, "libcurl: no handle");
	setup_handle(r, x->h, x->url, x->errbuf, &x->rs);
	curl_easy_setopt(x->h, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(x->h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(x->h, CURLOPT_PRIVATE, x);
	if (r->authz)
		x->hdrs = curl_slist_append(x->hdrs, r->authz);
	curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, x->hdrs);
	if (curl_multi_add_handle(m, x->h) != CURLM_OK)
		return err_set(e, ERR_INTERNAL, "libcurl: cannot add a transfer");
	x->state = DL_ACTIVE;
	x->reported = 0;
	return 0;
}

/* One transfer ended: done (1), to be retried (0), or failed (-1). */
static int dl_finish(struct registry *r, CURLM *m, struct dl *x, CURLcode cc,
		     const struct registry_progress *p, struct err *e)
{
	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->rs.status);
	curl_multi_remove_handle(m, x->h);
	curl_easy_cleanup(x->h);
	x->h = NULL;
	curl_slist_free_all(x->hdrs);
	x->hdrs = NULL;
	const char *digest = x->d->digest;
	log_debug("registry: GET %s: %s, HTTP %ld", x->url,
		  cc == CURLE_OK ? "ok" : curl_easy_strerror(cc), x->rs.status);
	if (x->rs.sink_failed) {
		err_move(e, &x->rs.sink_err);
		return err_wrap(e, "blob %s", digest);
	}
	if (x->rs.too_big)
		return err_set(e, ERR_INVALID, "blob %s: more than the %lld bytes announced", digest,
			       (long long)x->d->size);
	if (cc == CURLE_OK && x->rs.status == 200) {
		struct store_blob_writer *w = TAKE_PTR(x->rs.sink);
		struct registry_event ev = {.kind = REGISTRY_EV_VERIFYING, .index = x->index,
					    .digest = digest};
		emit(p, &ev);
		if (store_blob_writer_commit(w, digest, x->d->size, NULL, e) < 0)
			return -1;
		x->state = DL_DONE;
		if (r->blob_done)
			r->blob_done(r->blob_done_data, x->index);
		return 1;
	}
	bool again = false;
	if (cc == CURLE_OK && x->rs.status == 401 && !x->auth_tried) {
		x->auth_tried = true;
		bool changed = false;
		if (authenticate(r, x->rs.www_auth, &changed, e) < 0)
			return -1;
		if (changed) {
			store_blob_writer_abort(TAKE_PTR(x->rs.sink));
			x->state = DL_PENDING;
			x->start_at = 0;
			return 0;
		}
	}
	if (cc != CURLE_OK)
		again = retryable_code(cc, false);
	else
		again = retryable_status(x->rs.status);
	if (again && x->attempts < RETRIES) {
		store_blob_writer_abort(TAKE_PTR(x->rs.sink));
		x->start_at = time_mono_ns() + backoff_ns(x->attempts);
		x->attempts++;
		x->state = DL_PENDING;
		_cleanup_free_ char *why = cc != CURLE_OK
						   ? xstrdup(x->errbuf[0] ? x->errbuf
									  : curl_easy_strerror(cc))
						   : xasprintf("HTTP %ld", x->rs.status);
		struct registry_event ev = {.kind = REGISTRY_EV_RETRY, .index = x->index,
					    .digest = digest, .text = why};
		emit(p, &ev);
		return 0;
	}
	if (cc != CURLE_OK)
		transport_error(r, cc, x->errbuf, false, e);
	else
		http_error(&x->rs, "blob unknown", e);
	return err_wrap(e, "blob %s", digest);
}

static int download_loop(struct registry *r, struct store *s, CURLM *m, struct dl *xs, size_t n,
			 const struct registry_progress *p, struct err *e)
{
	size_t done = 0, active = 0;
	while (done < n) {
		uint64_t now = time_mono_ns();
		for (size_t i = 0; i < n && active < PARALLEL; i++)
			if (xs[i].state == DL_PENDING && xs[i].start_at <= now) {
				if (dl_start(r, s, m, &xs[i], e) < 0)
					return -1;
				active++;
			}
		int running;
		if (curl_multi_perform(m, &running) != CURLM_OK)
			return err_set(e, ERR_INTERNAL, "libcurl: transfer failed");
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(m, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			struct dl *x = NULL;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			CURLcode cc = msg->data.result;
			active--;
			int rc = dl_finish(r, m, x, cc, p, e);
			if (rc < 0)
				return -1;
			if (rc > 0) {
				done++;
				struct registry_event ev = {.kind = REGISTRY_EV_DOWNLOADED,
							    .index = x->index,
							    .digest = x->d->digest,
							    .current = (uint64_t)x->d->size,
							    .total = (uint64_t)x->d->size};
				emit(p, &ev);
			}
		}
		for (size_t i = 0; i < n; i++) {
			struct dl *x = &xs[i];
			if (x->state != DL_ACTIVE || !x->rs.sink)
				continue;
			uint64_t got = store_blob_writer_size(x->rs.sink);
			if (got == x->reported)
				continue;
			x->reported = got;
			struct registry_event ev = {.kind = REGISTRY_EV_PROGRESS, .index = x->index,
						    .digest = x->d->digest, .current = got,
						    .total = (uint64_t)x->d->size};
			emit(p, &ev);
		}
		if (done < n)
			curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	return 0;
}

/* Download the blobs described by ds[i] for each i in which[] into the
 * store, up to PARALLEL at once. */
static int download_blobs(struct registry *r, struct store *s, const char *path,
			  const struct desc *ds, const size_t *which, size_t n,
			  const struct registry_progress *p, struct err *e)
{
	if (n == 0)
		return 0;
	CURLM *m = curl_multi_init();
	if (!m)
		return err_set(e, ERR_INTERNAL, "libcurl: no multi handle");
	curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)PARALLEL);
	struct dl *xs = xnew(struct dl, n);
	for (size_t i = 0; i < n; i++) {
		xs[i].index = which[i];
		xs[i].d = &ds[which[i]];
		xs[i].url = xasprintf("%s/v2/%s/blobs/%s", r->base, path, ds[which[i]].digest);
	}
	int rc = download_loop(r, s, m, xs, n, p, e);
	for (size_t i = 0; i < n; i++) {
		dl_stop(m, &xs[i]);
		resp_clear(&xs[i].rs);
		free(xs[i].url);
	}
	free(xs);
	curl_multi_cleanup(m);
	return rc;
}

/* ---- pull ---- */

void registry_pull_result_clear(struct registry_pull_result *r)
{
	free(r->id);
	free(r->name);
	free(r->reference);
	free(r->digest);
	memset(r, 0, sizeof(*r));
}

struct image_config {
	char **diff_ids;
	char *created;
	char *os, *arch, *variant;
};

static void image_config_clear(struct image_config *c)
{
	strv_free(c->diff_ids);
	free(c->created);
	free(c->os);
	free(c->arch);
	free(c->variant);
	memset(c, 0, sizeof(*c));
}

static int parse_config(const char *buf, size_t len, size_t n_layers, struct image_config *ret,
			struct err *e)
{
	memset(ret, 0, sizeof(*ret));
	_cleanup_json_ json_t *doc = NULL;
	if (json_parse_buffer(buf, len, "image config", &doc, e) < 0)
		return -1;
	if (!json_is_object(doc))
		return err_set(e, ERR_INVALID, "image config: expected an object");
	json_t *rootfs;
	if (json_get_object(doc, "", "rootfs", true, &rootfs, e) < 0)
		return err_wrap(e, "image config");
	if (json_get_strv(rootfs, "rootfs", "diff_ids", true, &ret->diff_ids, e) < 0 ||
	    json_get_string(doc, "", "created", false, &ret->created, e) < 0 ||
	    json_get_string(doc, "", "os", false, &ret->os, e) < 0 ||
	    json_get_string(doc, "", "architecture", false, &ret->arch, e) < 0 ||
	    json_get_string(doc, "", "variant", false, &ret->variant, e) < 0) {
		image_config_clear(ret);
		return err_wrap(e, "image config");
	}
	size_t n = strv_length(ret->diff_ids);
	for (size_t i = 0; i < n; i++)
		if (!digest_string_valid(ret->diff_ids[i])) {
			err_set(e, ERR_INVALID, "image config: rootfs.diff_ids[%zu]: \"%.100s\" is not a "
						"sha256 digest",
				i, ret->diff_ids[i]);
			image_config_clear(ret);
			return -1;
		}
	if (n != n_layers) {
		image_config_clear(ret);
		return err_set(e, ERR_INVALID,
			       "image config: %zu diff_ids for the manifest's %zu layers", n,
			       n_layers);
	}
	return 0;
}

/* Everything a pull holds, freed in one place. */
struct pull {
	struct image_ref ref;
	struct registry *r;
	struct doc top;	     /* what the reference named */
	struct doc man;	     /* the image manifest */
	struct manifest m;
	struct image_config cfg;
	char *cfg_buf;
	size_t cfg_len;
	bool from_index;     /* the manifest was picked from an index */
	bool downloaded;     /* anything fetched beyond the manifests */
};

static void pull_clear(struct pull *pl)
{
	image_ref_clear(&pl->ref);
	registry_free(pl->r);
	doc_clear(&pl->top);
	doc_clear(&pl->man);
	manifest_clear(&pl->m);
	image_config_clear(&pl->cfg);
	free(pl->cfg_buf);
}

/* Reference -> the image manifest (through an index for the platform). */
static int resolve(struct pull *pl, const struct registry_opts *o, struct err *e)
{
	const char *ref = pl->ref.digest ? pl->ref.digest : pl->ref.tag;
	if (fetch_manifest(pl->r, pl->ref.path, ref, pl->ref.digest, -1, &pl->top, e) < 0)
		return -1;
	_cleanup_json_ json_t *doc = NULL;
	if (json_parse_buffer(pl->top.body, pl->top.len, "manifest", &doc, e) < 0)
		return -1;
	bool index;
	if (doc_kind(&pl->top, doc, "manifest", &index, e) < 0)
		return -1;
	if (!index) {
		pl->man.body = xmalloc(pl->top.len + 1);
		memcpy(pl->man.body, pl->top.body, pl->top.len);
		pl->man.body[pl->top.len] = '\0';
		pl->man.len = pl->top.len;
		pl->man.digest = xstrdup(pl->top.digest);
		pl->man.media_type = pl->top.media_type ? xstrdup(pl->top.media_type) : NULL;
		return 0;
	}
	pl->from_index = true;
	struct platform want;
	if (parse_platform(o->platform, &want, e) < 0)
		return -1;
	struct desc d;
	int rc = pick_manifest(doc, &want, &d, e);
	platform_clear(&want);
	if (rc < 0)
		return -1;
	rc = fetch_manifest(pl->r, pl->ref.path, d.digest, d.digest, d.size, &pl->man, e);
	desc_clear(&d);
	return rc;
}

static int fetch_config(struct pull *pl, struct store *s, struct err *e)
{
	const struct desc *c = &pl->m.config;
	if (store_blob_exists(s, c->digest) &&
	    store_blob_read(s, c->digest, STORE_DOC_MAX, &pl->cfg_buf, &pl->cfg_len, NULL) == 0)
		return 0;
	if (fetch_blob_buf(pl->r, pl->ref.path, c, &pl->cfg_buf, &pl->cfg_len, e) < 0)
		return -1;
	pl->downloaded = true;
	return store_blob_put_buf(s, pl->cfg_buf, pl->cfg_len, c->digest, NULL, e);
}

/* The layers: fetch what the store lacks, unpack in order. */

/* Layers unpack independently (each into its own directory), each as
 * soon as its blob is stored, by one worker per core, while the other
 * downloads go on. */
struct unpack_job {
	struct store *s;
	const struct desc *ls;
	char **diff;
	size_t n;
	struct err *errs; /* per layer */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t *queue, head, tail;
	bool closed;
	pthread_t th[8];
	size_t nth;
};

static void *unpack_worker(void *data)
{
	struct unpack_job *j = data;
	for (;;) {
		pthread_mutex_lock(&j->lock);
		while (j->head == j->tail && !j->closed)
			pthread_cond_wait(&j->cond, &j->lock);
		if (j->head == j->tail) {
			pthread_mutex_unlock(&j->lock);
			return NULL;
		}
		size_t i = j->queue[j->head++];
		pthread_mutex_unlock(&j->lock);
		if (store_layer_exists(j->s, j->diff[i]))
			continue;
		int fd = store_blob_open(j->s, j->ls[i].digest, &j->errs[i]);
		if (fd < 0)
			continue;
		(void)store_layer_put(j->s, fd, j->diff[i], NULL, NULL, &j->errs[i]);
		close(fd);
	}
}

/* Queue layer i (its blob is in the store); each layer once. */
static void unpack_push(void *data, size_t i)
{
	struct unpack_job *j = data;
	pthread_mutex_lock(&j->lock);
	bool queued = false;
	for (size_t k = 0; k < j->tail; k++)
		queued |= j->queue[k] == i;
	if (!queued && j->tail < j->n)
		j->queue[j->tail++] = i;
	pthread_cond_signal(&j->cond);
	pthread_mutex_unlock(&j->lock);
}

static void unpack_start(struct unpack_job *j)
{
	pthread_mutex_init(&j->lock, NULL);
	pthread_cond_init(&j->cond, NULL);
	j->queue = xnew(size_t, j->n ? j->n : 1);
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nt = cores > 1 ? (size_t)cores : 1;
	if (nt > 8)
		nt = 8;
	if (nt > j->n)
		nt = j->n;
	for (size_t t = 0; t < nt; t++)
		if (pthread_create(&j->th[j->nth], NULL, unpack_worker, j) == 0)
			j->nth++;
}

/* No more layers: wait for the workers (or do the work here if none
 * could be started). */
static void unpack_finish(struct unpack_job *j)
{
	pthread_mutex_lock(&j->lock);
	j->closed = true;
	pthread_cond_broadcast(&j->cond);
	pthread_mutex_unlock(&j->lock);
	if (j->nth == 0)
		unpack_worker(j);
	for (size_t t = 0; t < j->nth; t++)
		pthread_join(j->th[t], NULL);
	pthread_cond_destroy(&j->cond);
	pthread_mutex_destroy(&j->lock);
	free(j->queue);
}

static int fetch_layers(struct pull *pl, struct store *s, const struct registry_progress *p,
			struct err *e)
{
	size_t n = pl->m.n_layers;
	const struct desc *ls = pl->m.layers;
	char **diff = pl->cfg.diff_ids;
	struct registry_event ev = {.kind = REGISTRY_EV_LAYERS, .count = n};
	emit(p, &ev);
	_cleanup_free_ size_t *which = xnew(size_t, n ? n : 1);
	_cleanup_free_ bool *unpack = xnew(bool, n ? n : 1);
	size_t nw = 0;
	for (size_t i = 0; i < n; i++) {
		struct registry_event le = {.index = i, .digest = ls[i].digest,
					    .total = (uint64_t)ls[i].size};
		/* The blob too: push sends the compressed layer as pulled. */
		if (store_layer_exists(s, diff[i]) && store_blob_exists(s, ls[i].digest)) {
			le.kind = REGISTRY_EV_EXISTS;
			emit(p, &le);
			continue;
		}
		unpack[i] = true;
		bool queued = false;
		for (size_t k = 0; k < nw; k++)
			if (streq(ls[which[k]].digest, ls[i].digest))
				queued = true;
		le.kind = REGISTRY_EV_WAITING;
		emit(p, &le);
		if (store_blob_exists(s, ls[i].digest)) {
			le.kind = REGISTRY_EV_DOWNLOADED;
			le.current = le.total;
			emit(p, &le);
		} else if (!queued) {
			which[nw++] = i;
		}
	}
	if (nw)
		pl->downloaded = true;
	struct unpack_job job = {.s = s, .ls = ls, .diff = diff, .n = n,
				 .errs = xnew(struct err, n ? n : 1)};
	unpack_start(&job);
	/* What is stored already unpacks at once; the rest as it arrives. */
	for (size_t i = 0; i < n; i++)
		if (unpack[i] && store_blob_exists(s, ls[i].digest))
			unpack_push(&job, i);
	pl->r->blob_done = unpack_push;
	pl->r->blob_done_data = &job;
	int dr = download_blobs(pl->r, s, pl->ref.path, ls, which, nw, p, e);
	pl->r->blob_done = NULL;
	pl->r->blob_done_data = NULL;
	/* Several manifest entries may share a blob: queue each layer. */
	for (size_t i = 0; dr == 0 && i < n; i++)
		if (unpack[i])
			unpack_push(&job, i);
	for (size_t i = 0; dr == 0 && i < n; i++)
		if (unpack[i] && !store_layer_exists(s, diff[i])) {
			struct registry_event le = {.index = i, .digest = ls[i].digest,
						    .total = (uint64_t)ls[i].size,
						    .kind = REGISTRY_EV_EXTRACTING};
			emit(p, &le);
		}
	unpack_finish(&job);
	if (dr < 0) {
		for (size_t i = 0; i < n; i++)
			err_clear(&job.errs[i]);
		free(job.errs);
		return -1;
	}
	int r = 0;
	for (size_t i = 0; i < n; i++) {
		if (!unpack[i])
			continue;
		if (err_isset(&job.errs[i])) {
			if (r == 0) {
				err_move(e, &job.errs[i]);
				r = err_wrap(e, "layer %s", ls[i].digest);
			}
			err_clear(&job.errs[i]);
			continue;
		}
		struct registry_event le = {.index = i, .digest = ls[i].digest,
					    .total = (uint64_t)ls[i].size, .kind = REGISTRY_EV_DONE};
		emit(p, &le);
	}
	free(job.errs);
	return r;
}

/* A single-platform image asked for with --platform must be that one. */
static int check_platform(const char *platform, const struct image_config *c, struct err *e)
{
	struct platform want;
	if (parse_platform(platform, &want, e) < 0)
		return -1;
	struct desc d = {.os = c->os, .arch = c->arch, .variant = c->variant};
	int rc = 0;
	if (!platform_matches(&want, &d)) {
		_cleanup_free_ char *w = platform_string(want.os, want.arch, want.variant);
		_cleanup_free_ char *got = platform_string(c->os ? c->os : "?", c->arch ? c->arch : "?",
							   c->variant);
		rc = err_set(e, ERR_NOT_FOUND,
			     "the image was found but does not match the platform: wanted %s, "
			     "actual: %s",
			     w, got);
	}
	platform_clear(&want);
	return rc;
}

static bool already_named(struct store *s, const char *id, const char *name,
			  const char *repo_digest)
{
	struct store_index idx;
	if (store_index_load(s, &idx, NULL) < 0)
		return false;
	bool found = false;
	for (size_t i = 0; i < idx.n && !found; i++) {
		const struct store_image *im = &idx.images[i];
		if (streq(im->id, id))
			found = name ? strv_contains(im->names, name)
				     : strv_contains(im->repo_digests, repo_digest);
	}
	store_index_clear(&idx);
	return found;
}

static int do_pull(struct pull *pl, struct store *s, const struct registry_opts *o,
		   const struct registry_progress *p, struct registry_pull_result *ret,
		   struct err *e)
{
	if (o->platform) {
		struct platform want;
		if (parse_platform(o->platform, &want, e) < 0)
			return -1;
		platform_clear(&want);
	}
	_cleanup_free_ char *scope = xasprintf("repository:%s:pull", pl->ref.path);
	char *scopes[] = {scope, NULL};
	if (registry_open(pl->ref.domain, o, scopes, false, &pl->r, e) < 0)
		return -1;
	if (resolve(pl, o, e) < 0)
		return -1;
	struct registry_event ev = {.kind = REGISTRY_EV_RESOLVED, .text = pl->ref.path,
				    .digest = pl->top.digest};
	emit(p, &ev);
	if (parse_manifest(pl->man.body, pl->man.len, pl->man.media_type, &pl->m, e) < 0)
		return -1;
	if (fetch_config(pl, s, e) < 0)
		return -1;
	if (parse_config(pl->cfg_buf, pl->cfg_len, pl->m.n_layers, &pl->cfg, e) < 0)
		return -1;
	if (o->platform && !pl->from_index && check_platform(o->platform, &pl->cfg, e) < 0)
		return -1;
	if (fetch_layers(pl, s, p, e) < 0)
		return -1;
	if (store_blob_put_buf(s, pl->man.body, pl->man.len, pl->man.digest, NULL, e) < 0)
		return -1;

	_cleanup_free_ char *name = NULL;
	if (pl->ref.tag) {
		struct image_ref t = pl->ref;
		t.digest = NULL;
		name = image_ref_string(&t);
	}
	_cleanup_free_ char *repo = image_ref_repo(&pl->ref);
	_cleanup_free_ char *repo_digest = xasprintf("%s@%s", repo, pl->top.digest);
	bool up_to_date = !pl->downloaded &&
			  already_named(s, pl->m.config.digest, name, repo_digest);
	uint64_t size = 0;
	for (char **d = pl->cfg.diff_ids; *d; d++)
		size += store_layer_size(s, *d);
	char now[RFC3339_MAX];
	time_now_rfc3339(now);
	char *none[] = {NULL};
	char *digests[] = {repo_digest, NULL};
	struct store_image im = {
		.id = pl->m.config.digest,
		.manifest_digest = pl->man.digest,
		.created = pl->cfg.created,
		.names = none,
		.repo_digests = digests,
		.layers = pl->cfg.diff_ids,
		.size = size,
		.added = now,
	};
	if (image_register(s, &im, name, e) < 0)
		return -1;
	ret->id = xstrdup(pl->m.config.digest);
	ret->name = TAKE_PTR(name);
	ret->reference = image_ref_string(&pl->ref);
	ret->digest = xstrdup(pl->top.digest);
	ret->up_to_date = up_to_date;
	return 0;
}

int registry_pull(struct store *s, const char *reference, const struct registry_opts *o,
		  const struct registry_progress *p, struct registry_pull_result *ret,
		  struct err *e)
{
	memset(ret, 0, sizeof(*ret));
	struct pull pl = {0};
	if (image_ref_parse(reference, &pl.ref, e) < 0)
		return -1;
	int rc = do_pull(&pl, s, o, p, ret, e);
	pull_clear(&pl);
	if (rc < 0)
		registry_pull_result_clear(ret);
	return rc;
}

/* ---- push ---- */

void registry_push_result_clear(struct registry_push_result *r)
{
	free(r->reference);
	free(r->tag);
	free(r->digest);
	memset(r, 0, sizeof(*r));
}

/* A second connection to the same registry, for a worker thread: the
 * settings and credentials (and the token got so far) copied, a handle of
 * its own. */
static struct registry *registry_clone(const struct registry *r)
{
	struct registry *c = xnew(struct registry, 1);
	c->domain = xstrdup(r->domain);
	c->host = xstrdup(r->host);
	c->base = r->base ? xstrdup(r->base) : NULL;
	c->insecure = r->insecure;
	c->verify = r->verify;
	if (r->ca_blob) {
		c->ca_blob = xmalloc(r->ca_len + 1);
		memcpy(c->ca_blob, r->ca_blob, r->ca_len);
		c->ca_blob[r->ca_len] = '\0';
		c->ca_len = r->ca_len;
	}
	c->client_cert = r->client_cert ? xstrdup(r->client_cert) : NULL;
	c->client_key = r->client_key ? xstrdup(r->client_key) : NULL;
	c->user = r->user ? xstrdup(r->user) : NULL;
	c->pass = r->pass ? xstrdup(r->pass) : NULL;
	c->scopes = strv_dup(r->scopes);
	c->chal.scheme = r->chal.scheme;
	c->chal.realm = r->chal.realm ? xstrdup(r->chal.realm) : NULL;
	c->chal.service = r->chal.service ? xstrdup(r->chal.service) : NULL;
	c->chal.scope = r->chal.scope ? xstrdup(r->chal.scope) : NULL;
	c->authz = r->authz ? xstrdup(r->authz) : NULL;
	c->easy = curl_easy_init();
	if (!c->easy)
		abort();
	return c;
}

struct push {
	struct image_ref dest;
	struct registry *r;
	struct store_image im; /* a copy of the index entry */
	char *man_buf;
	size_t man_len;
	struct manifest m;
	char **mount_from; /* other repositories of the registry that have the image */
};

static void push_clear(struct push *ps)
{
	image_ref_clear(&ps->dest);
	registry_free(ps->r);
	free(ps->im.id);
	free(ps->im.manifest_digest);
	free(ps->im.created);
	free(ps->im.added);
	strv_free(ps->im.names);
	strv_free(ps->im.repo_digests);
	strv_free(ps->im.layers);
	free(ps->man_buf);
	manifest_clear(&ps->m);
	strv_free(ps->mount_from);
}

static char *upload_url(struct registry *r, const char *location, const char *digest)
{
	_cleanup_free_ char *d = url_escape(digest);
	const char *sep = strchr(location, '?') ? "&" : "?";
	if (startswith(location, "http://") || startswith(location, "https://"))
		return xasprintf("%s%sdigest=%s", location, sep, d);
	if (location[0] == '/')
		return xasprintf("%s%s%sdigest=%s", r->base, location, sep, d);
	return xasprintf("%s/%s%sdigest=%s", r->base, location, sep, d);
}

/* HEAD the blob: 1 present, 0 absent, -1 error. */
static int blob_present(struct push *ps, const char *digest, struct err *e)
{
	_cleanup_free_ char *url = xasprintf("%s/v2/%s/blobs/%s", ps->r->base, ps->dest.path,
					     digest);
	struct req q = {.method = "HEAD", .url = url, .small = true};
	struct resp rs = {0};
	int rc = do_request(ps->r, &q, &rs, e);
	if (rc == 0) {
		if (rs.status == 200)
			rc = 1;
		else if (rs.status != 404)
			rc = http_error(&rs, "blob unknown", e);
	}
	resp_clear(&rs);
	return rc;
}

/* POST an upload (a mount when from is set).  1: mounted; 0: *ret_location
 * is the upload session; -1 error. */
static int start_upload(struct push *ps, const char *digest, const char *from,
			char **ret_location, struct err *e)
{
	_cleanup_free_ char *url = NULL;
	if (from) {
		_cleanup_free_ char *d = url_escape(digest), *f = url_escape(from);
		url = xasprintf("%s/v2/%s/blobs/uploads/?mount=%s&from=%s", ps->r->base,
				ps->dest.path, d, f);
	} else {
		url = xasprintf("%s/v2/%s/blobs/uploads/", ps->r->base, ps->dest.path);
	}
	struct req q = {.method = "POST", .url = url, .small = true};
	struct resp rs = {0};
	int rc = do_request(ps->r, &q, &rs, e);
	if (rc == 0) {
		if (from && rs.status == 201) {
			rc = 1;
		} else if (rs.status == 202 && rs.location && *rs.location) {
			*ret_location = xstrdup(rs.location);
		} else if (rs.status == 202) {
			rc = err_set(e, ERR_IO, "blob upload: the registry gave no Location");
		} else {
			rc = http_error(&rs, NULL, e);
			err_wrap(e, "blob upload");
		}
	}
	resp_clear(&rs);
	return rc;
}

static int put_blob(struct push *ps, struct store *s, const char *location, const struct desc *d,
		    size_t index, const struct registry_progress *p, struct err *e)
{
	_cleanup_close_ int fd = store_blob_open(s, d->digest, e);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return err_sys(e, errno, "blob %s", d->digest);
	if ((int64_t)st.st_size != d->size)
		return err_set(e, ERR_INVALID, "blob %s: stored size %lld, the manifest says %lld",
			       d->digest, (long long)st.st_size, (long long)d->size);
	struct upload up = {.fd = fd, .size = (uint64_t)st.st_size, .p = p, .index = index,
			    .digest = d->digest};
	_cleanup_free_ char *url = upload_url(ps->r, location, d->digest);
	struct req q = {.method = "PUT", .url = url, .content_type = "application/octet-stream",
			.up = &up};
	struct resp rs = {0};
	int rc = do_request(ps->r, &q, &rs, e);
	if (rc == 0 && rs.status != 201 && rs.status != 204) {
		rc = http_error(&rs, NULL, e);
		err_wrap(e, "blob upload");
	}
	if (rc == 0 && rs.digest && digest_string_valid(rs.digest) && !streq(rs.digest, d->digest))
		rc = err_set(e, ERR_IO, "blob upload: the registry stored %s for %s", rs.digest,
			     d->digest);
	resp_clear(&rs);
	return rc;
}

static int push_blob(struct push *ps, struct store *s, const struct desc *d, size_t index,
		     const struct registry_progress *p, struct err *e)
{
	struct registry_event ev = {.kind = REGISTRY_EV_WAITING, .index = index,
				    .digest = d->digest, .total = (uint64_t)d->size};
	emit(p, &ev);
	int rc = blob_present(ps, d->digest, e);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		ev.kind = REGISTRY_EV_EXISTS;
		emit(p, &ev);
		return 0;
	}
	_cleanup_free_ char *location = NULL;
	for (char **f = ps->mount_from; f && *f && !location; f++) {
		rc = start_upload(ps, d->digest, *f, &location, e);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			ev.kind = REGISTRY_EV_MOUNTED;
			ev.text = *f;
			emit(p, &ev);
			return 0;
		}
	}
	if (!store_blob_exists(s, d->digest))
		return err_set(e, ERR_NOT_FOUND,
			       "blob %s: not in the local store (its layer came unpacked with "
			       "another image); pull the image again from its registry",
			       d->digest);
	if (!location && start_upload(ps, d->digest, NULL, &location, e) < 0)
		return -1;
	if (put_blob(ps, s, location, d, index, p, e) < 0)
		return -1;
	ev.kind = REGISTRY_EV_DONE;
	ev.current = ev.total;
	emit(p, &ev);
	return 0;
}

static int put_manifest(struct push *ps, const char *tag, char **ret_digest, struct err *e)
{
	_cleanup_free_ char *url = xasprintf("%s/v2/%s/manifests/%s", ps->r->base, ps->dest.path,
					     tag);
	struct req q = {.method = "PUT", .url = url, .content_type = ps->m.media_type,
			.body = ps->man_buf, .body_len = ps->man_len, .small = true};
	struct resp rs = {0};
	int rc = do_request(ps->r, &q, &rs, e);
	if (rc == 0 && rs.status != 201 && rs.status != 200 && rs.status != 204)
		rc = http_error(&rs, NULL, e);
	_cleanup_free_ char *mine = digest_buf(ps->man_buf, ps->man_len);
	if (rc == 0 && rs.digest && digest_string_valid(rs.digest) && !streq(rs.digest, mine))
		rc = err_set(e, ERR_IO, "manifest: the registry stored %s for %s", rs.digest, mine);
	resp_clear(&rs);
	if (rc < 0)
		return err_wrap(e, "manifest");
	*ret_digest = TAKE_PTR(mine);
	return 0;
}

/* Other repositories of the same registry the image came from or went
 * to: blobs can be mounted from them. */
static void mount_sources(struct push *ps)
{
	char **lists[] = {ps->im.repo_digests, ps->im.names};
	for (size_t l = 0; l < ARRAY_SIZE(lists); l++)
		for (char **n = lists[l]; n && *n; n++) {
			struct image_ref ref;
			if (image_ref_parse(*n, &ref, NULL) < 0)
				continue;
			if (streq(ref.domain, ps->dest.domain) && !streq(ref.path, ps->dest.path) &&
			    !strv_contains(ps->mount_from, ref.path))
				strv_push(&ps->mount_from, ref.path);
			image_ref_clear(&ref);
		}
}

static int load_source(struct push *ps, struct store *s, const char *source, struct err *e)
{
	struct store_index idx;
	if (store_index_load(s, &idx, e) < 0)
		return -1;
	long i = store_find(&idx, source, e);
	if (i < 0) {
		store_index_clear(&idx);
		return -1;
	}
	struct store_image *im = &idx.images[i];
	ps->im.id = xstrdup(im->id);
	ps->im.manifest_digest = im->manifest_digest ? xstrdup(im->manifest_digest) : NULL;
	ps->im.created = im->created ? xstrdup(im->created) : NULL;
	ps->im.added = im->added ? xstrdup(im->added) : NULL;
	ps->im.names = strv_dup(im->names);
	ps->im.repo_digests = strv_dup(im->repo_digests);
	ps->im.layers = strv_dup(im->layers);
	ps->im.size = im->size;
	store_index_clear(&idx);
	if (!ps->im.manifest_digest)
		return err_set(e, ERR_INVALID, "image %s: no manifest stored", ps->im.id);
	if (store_blob_read(s, ps->im.manifest_digest, STORE_DOC_MAX, &ps->man_buf, &ps->man_len,
			    e) < 0)
		return -1;
	return parse_manifest(ps->man_buf, ps->man_len, NULL, &ps->m, e);
}

/* Layers go up in parallel, PARALLEL at a time, each worker on its own
 * connection; progress reports are serialised. */
struct push_pool {
	struct push *ps;
	struct store *s;
	const struct registry_progress *p;
	pthread_mutex_t lock;
	size_t next;
	struct err *errs; /* per layer */
};

static void locked_emit(void *data, const struct registry_event *ev)
{
	struct push_pool *pp = data;
	pthread_mutex_lock(&pp->lock);
	emit(pp->p, ev);
	pthread_mutex_unlock(&pp->lock);
}

static void *push_worker(void *data)
{
	struct push_pool *pp = data;
	struct push mine = *pp->ps; /* shared but for the connection */
	mine.r = registry_clone(pp->ps->r);
	struct registry_progress lp = {.fn = locked_emit, .data = pp};
	for (;;) {
		pthread_mutex_lock(&pp->lock);
		size_t i = pp->next++;
		pthread_mutex_unlock(&pp->lock);
		if (i >= pp->ps->m.n_layers)
			break;
		(void)push_blob(&mine, pp->s, &pp->ps->m.layers[i], i, &lp, &pp->errs[i]);
	}
	registry_free(mine.r);
	return NULL;
}

static int push_layers(struct push *ps, struct store *s, const struct registry_progress *p,
		       struct err *e)
{
	size_t n = ps->m.n_layers;
	if (n == 0)
		return 0;
	struct push_pool pp = {.ps = ps, .s = s, .p = p, .errs = xnew(struct err, n)};
	pthread_mutex_init(&pp.lock, NULL);
	size_t nt = n < PARALLEL ? n : PARALLEL;
	pthread_t th[PARALLEL];
	size_t started = 0;
	for (size_t t = 0; t < nt; t++)
		if (pthread_create(&th[started], NULL, push_worker, &pp) == 0)
			started++;
	if (started == 0)
		push_worker(&pp);
	for (size_t t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	pthread_mutex_destroy(&pp.lock);
	int r = 0;
	for (size_t i = 0; i < n; i++) {
		if (err_isset(&pp.errs[i]) && r == 0) {
			err_move(e, &pp.errs[i]);
			r = err_wrap(e, "layer %s", ps->m.layers[i].digest);
		}
		err_clear(&pp.errs[i]);
	}
	free(pp.errs);
	return r;
}

static int do_push(struct push *ps, struct store *s, const char *source, bool dest_given,
		   const struct registry_opts *o, const struct registry_progress *p,
		   struct registry_push_result *ret, struct err *e)
{
	if (load_source(ps, s, source, e) < 0)
		return -1;
	if (!dest_given) {
		/* "push NAME" pushes a name the image has, never an id. */
		_cleanup_free_ char *full = image_ref_string(&ps->dest);
		if (!strv_contains(ps->im.names, full))
			return err_set(e, ERR_INVALID,
				       "\"%s\" is not a name of the image: give the destination "
				       "(push IMAGE NAME[:TAG])",
				       source);
	}
	mount_sources(ps);
	_cleanup_strv_ char **scopes = NULL;
	strv_consume(&scopes, xasprintf("repository:%s:pull,push", ps->dest.path));
	for (char **f = ps->mount_from; f && *f; f++)
		strv_consume(&scopes, xasprintf("repository:%s:pull", *f));
	if (registry_open(ps->dest.domain, o, scopes, false, &ps->r, e) < 0)
		return -1;
	struct registry_event ev = {.kind = REGISTRY_EV_RESOLVED, .text = ps->dest.path};
	emit(p, &ev);
	ev = (struct registry_event){.kind = REGISTRY_EV_LAYERS, .count = ps->m.n_layers};
	emit(p, &ev);
	if (push_layers(ps, s, p, e) < 0)
		return -1;
	if (push_blob(ps, s, &ps->m.config, ps->m.n_layers, p, e) < 0)
		return err_wrap(e, "config %s", ps->m.config.digest);
	const char *tag = ps->dest.tag ? ps->dest.tag : IMAGE_DEFAULT_TAG;
	_cleanup_free_ char *digest = NULL;
	if (put_manifest(ps, tag, &digest, e) < 0)
		return -1;
	_cleanup_free_ char *repo = image_ref_repo(&ps->dest);
	_cleanup_free_ char *rd = xasprintf("%s@%s", repo, digest);
	char *digests[] = {rd, NULL};
	struct store_image im = ps->im;
	im.repo_digests = digests;
	if (image_register(s, &im, NULL, e) < 0)
		return err_wrap(e, "record the pushed digest");
	ret->reference = image_ref_string(&ps->dest);
	ret->tag = xstrdup(tag);
	ret->digest = TAKE_PTR(digest);
	ret->size = ps->man_len;
	return 0;
}

int registry_push(struct store *s, const char *source, const char *dest,
		  const struct registry_opts *o, const struct registry_progress *p,
		  struct registry_push_result *ret, struct err *e)
{
	memset(ret, 0, sizeof(*ret));
	struct push ps = {0};
	const char *target = dest ? dest : source;
	if (image_ref_parse(target, &ps.dest, e) < 0)
		return -1;
	if (ps.dest.digest) {
		image_ref_clear(&ps.dest);
		return err_set(e, ERR_INVALID, "\"%s\": push to a tag, not a digest", target);
	}
	int rc = do_push(&ps, s, source, dest != NULL, o, p, ret, e);
	push_clear(&ps);
	if (rc < 0)
		registry_push_result_clear(ret);
	return rc;
}
