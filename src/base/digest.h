/* digest.h: sha256 content digests in the OCI form "sha256:<64 hex>".
 *
 * A digest_ctx hashes a stream piece by piece; the one-shot helpers hash a
 * buffer or everything a descriptor still has to give.  Hashing cannot fail
 * short of a broken crypto library, which aborts like an allocation
 * failure, so only the descriptor read reports errors.  Digest strings from
 * outside (manifests, references) are checked with digest_string_valid()
 * before their hex part is used in a path. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define DIGEST_ALGO_PREFIX "sha256:"
/* strlen("sha256:") + 64 hex digits. */
#define DIGEST_STRING_LEN (7 + 64)

struct digest_ctx;

struct digest_ctx *digest_new(void);
void digest_update(struct digest_ctx *ctx, const void *buf, size_t len);
/* "sha256:<hex>" of everything passed so far.  The context is finished:
 * call this once, then only digest_free. */
char *digest_final_string(struct digest_ctx *ctx);
void digest_free(struct digest_ctx *ctx);
DEFINE_CLEANUP_FUNC(struct digest_ctx *, digest_free)
#define _cleanup_digest_ _cleanup_(digest_freep)

char *digest_buf(const void *buf, size_t len);
/* Hash from the descriptor's current offset to end of file.  *ret gets the
 * digest string, *ret_size (may be NULL) the number of bytes read.
 * Returns 0 or -1 with e set. */
int digest_fd(int fd, char **ret, uint64_t *ret_size, struct err *e);

/* Exactly "sha256:" followed by 64 lowercase hex digits. */
bool digest_string_valid(const char *s);
/* The hex part after "sha256:", or NULL when s does not start with it. */
const char *digest_hex(const char *s);
