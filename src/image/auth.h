/* auth.h: registry credentials and the pieces of the HTTP authentication
 * handshake that need no network.
 *
 * Credentials live in a docker-compatible config.json:
 *     {"auths": {"HOST[:PORT]": {"auth": "<base64 of user:password>"}}}
 * found at --authfile when given, else $DOCKER_CONFIG/config.json, else
 * $HOME/.docker/config.json.  docker.io is stored under docker's key
 * "https://index.docker.io/v1/"; on reading, a key matches a registry
 * once its scheme and path are dropped ("https://host:5000/v1/" is
 * "host:5000"), and docker.io's aliases (index.docker.io,
 * registry-1.docker.io) are docker.io.  The file is rewritten atomically
 * (a new file renamed over), mode 0600, keeping every other key of it
 * (credsStore, HttpHeaders...); a file that is not valid JSON is refused,
 * never overwritten.  Credential helpers (credsStore, credHelpers) are not
 * run.
 *
 * The handshake (distribution-spec "token authentication"): a 401 carries
 * WWW-Authenticate, either Basic (send the credentials) or Bearer with a
 * realm, service and scope: GET the realm with those as the query (basic
 * credentials when known) and use the JSON answer's "token" (or
 * "access_token") as "Authorization: Bearer <token>". */
#pragma once

#include <stddef.h>

#include "base/err.h"

/* Documents answered by a token server are refused above this size. */
#define AUTH_TOKEN_MAX (1u << 20)
/* docker's key for Docker Hub in config.json. */
#define AUTH_DOCKER_HUB_KEY "https://index.docker.io/v1/"

/* The credentials file's path: authfile when not NULL, else from the
 * environment as above.  NULL with e set when there is no home. */
char *auth_file_path(const char *authfile, struct err *e);

/* A server as typed to login/logout ("https://host:5000/v2/", "host",
 * "index.docker.io", "docker.io") as the registry domain used in image
 * references ("host:5000", "docker.io").  NULL with e set when it is no
 * host name. */
char *auth_server_domain(const char *server, struct err *e);
/* The key a domain's credentials are written under. */
char *auth_file_key(const char *domain);

/* The credentials for domain: 1 with *ret_user and *ret_pass set, 0 when
 * there are none (no file, no entry), -1 on error (an unreadable or
 * malformed file). */
int auth_lookup(const char *authfile, const char *domain, char **ret_user, char **ret_pass,
		struct err *e);
/* Store credentials for domain (replacing any entry for it). */
int auth_save(const char *authfile, const char *domain, const char *user, const char *pass,
	      struct err *e);
/* Remove domain's credentials: 1 removed, 0 there were none, -1 error. */
int auth_erase(const char *authfile, const char *domain, struct err *e);

/* RFC 4648 base64 with padding.  decode returns -1 on malformed input;
 * its result is NUL-terminated (not counted in *ret_len). */
char *base64_encode(const void *data, size_t len);
int base64_decode(const char *s, char **ret, size_t *ret_len);

enum auth_scheme { AUTH_SCHEME_NONE, AUTH_SCHEME_BASIC, AUTH_SCHEME_BEARER };

struct auth_challenge {
	enum auth_scheme scheme;
	char *realm;   /* Bearer: the token server's URL */
	char *service; /* may be NULL */
	char *scope;   /* may be NULL */
};

/* Parse one WWW-Authenticate value ('Bearer realm="...",service="..."').
 * A scheme other than Basic and Bearer gives AUTH_SCHEME_NONE (not an
 * error); a malformed value is ERR_INVALID.  A Bearer challenge needs a
 * realm. */
int auth_challenge_parse(const char *header, struct auth_challenge *ret, struct err *e);
void auth_challenge_clear(struct auth_challenge *c);

/* "Basic <base64(user:pass)>" */
char *auth_basic_value(const char *user, const char *pass);
/* The token request URL: realm?service=S&scope=A&scope=B (appended with
 * '&' when the realm has a query already), every value percent-encoded. */
char *auth_token_url(const struct auth_challenge *c, char *const *scopes);
/* The token from a token server's JSON answer. */
int auth_token_parse(const char *body, size_t len, char **ret, struct err *e);
/* Percent-encode everything but RFC 3986's unreserved characters. */
char *url_escape(const char *s);
