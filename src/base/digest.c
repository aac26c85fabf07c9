/* digest.c: see digest.h.  OpenSSL 3 EVP does the hashing (SHA-NI where
 * the CPU has it).  libcrypto is loaded when the first digest is taken:
 * relocating it costs every start of berth a few milliseconds that most
 * commands (run, ps, stop...) never need. */
#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "digest.h"
#include "dl.h"
#include "sha256.h"

struct digest_ctx {
	EVP_MD_CTX *md;
};

_noreturn_ static void crypto_fail(const char *what)
{
	fprintf(stderr, "berth: sha256: %s failed\n", what);
	abort();
}

static struct {
	EVP_MD_CTX *(*ctx_new)(void);
	void (*ctx_free)(EVP_MD_CTX *);
	const EVP_MD *(*sha256)(void);
	int (*init)(EVP_MD_CTX *, const EVP_MD *, ENGINE *);
	int (*update)(EVP_MD_CTX *, const void *, size_t);
	int (*final)(EVP_MD_CTX *, unsigned char *, unsigned int *);
} ossl;

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	_cleanup_err_ struct err e = ERR_INIT;
	void *lib = dl_open("libcrypto.so.3", &e);
	if (!lib) {
		fprintf(stderr, "berth: %s%s\n", err_msg(&e),
			dl_available ? " (apt-get install libssl3)" : "");
		exit(125);
	}
	if (!(*(void **)&ossl.ctx_new = dl_sym(lib, "EVP_MD_CTX_new")) ||
	    !(*(void **)&ossl.ctx_free = dl_sym(lib, "EVP_MD_CTX_free")) ||
	    !(*(void **)&ossl.sha256 = dl_sym(lib, "EVP_sha256")) ||
	    !(*(void **)&ossl.init = dl_sym(lib, "EVP_DigestInit_ex")) ||
	    !(*(void **)&ossl.update = dl_sym(lib, "EVP_DigestUpdate")) ||
	    !(*(void **)&ossl.final = dl_sym(lib, "EVP_DigestFinal_ex")))
		crypto_fail("dlsym");
}

#define EVP_MD_CTX_new() (pthread_once(&once, load), ossl.ctx_new())
#define EVP_MD_CTX_free(c) ossl.ctx_free(c)
#define EVP_sha256() ossl.sha256()
#define EVP_DigestInit_ex(c, t, i) ossl.init(c, t, i)
#define EVP_DigestUpdate(c, b, n) ossl.update(c, b, n)
#define EVP_DigestFinal_ex(c, m, n) ossl.final(c, m, n)

struct digest_ctx *digest_new(void)
{
	struct digest_ctx *ctx = xnew(struct digest_ctx, 1);
	ctx->md = EVP_MD_CTX_new();
	if (!ctx->md)
		crypto_fail("EVP_MD_CTX_new");
	if (EVP_DigestInit_ex(ctx->md, EVP_sha256(), NULL) != 1)
		crypto_fail("EVP_DigestInit_ex");
	return ctx;
}

void digest_update(struct digest_ctx *ctx, const void *buf, size_t len)
{
	if (len == 0)
		return;
	if (EVP_DigestUpdate(ctx->md, buf, len) != 1)
		crypto_fail("EVP_DigestUpdate");
}

char *digest_final_string(struct digest_ctx *ctx)
{
	static const char hexdig[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (EVP_DigestFinal_ex(ctx->md, md, &n) != 1 || n != 32)
		crypto_fail("EVP_DigestFinal_ex");
	char *s = xmalloc(DIGEST_STRING_LEN + 1);
	memcpy(s, DIGEST_ALGO_PREFIX, 7);
	for (unsigned int i = 0; i < n; i++) {
		s[7 + 2 * i] = hexdig[md[i] >> 4];
		s[7 + 2 * i + 1] = hexdig[md[i] & 0xf];
	}
	s[DIGEST_STRING_LEN] = '\0';
	return s;
}

void digest_free(struct digest_ctx *ctx)
{
	if (!ctx)
		return;
	EVP_MD_CTX_free(ctx->md);
	free(ctx);
}

/* Below this, hashing in place costs less than loading libcrypto. */
#define SMALL_DOC (1u << 20)

char *digest_buf(const void *buf, size_t len)
{
	if (len > SMALL_DOC) {
		_cleanup_digest_ struct digest_ctx *ctx = digest_new();
		digest_update(ctx, buf, len);
		return digest_final_string(ctx);
	}
	static const char hexdig[] = "0123456789abcdef";
	unsigned char md[32];
	sha256(buf, len, md);
	char *s = xmalloc(DIGEST_STRING_LEN + 1);
	memcpy(s, DIGEST_ALGO_PREFIX, 7);
	for (unsigned int i = 0; i < 32; i++) {
		s[7 + 2 * i] = hexdig[md[i] >> 4];
		s[7 + 2 * i + 1] = hexdig[md[i] & 0xf];
	}
	s[DIGEST_STRING_LEN] = '\0';
	return s;
}

int digest_fd(int fd, char **ret, uint64_t *ret_size, struct err *e)
{
	_cleanup_digest_ struct digest_ctx *ctx = digest_new();
	_cleanup_free_ unsigned char *buf = xmalloc(128 * 1024);
	uint64_t total = 0;
	for (;;) {
		ssize_t n = read(fd, buf, 128 * 1024);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return err_sys(e, errno, "read for sha256");
		}
		if (n == 0)
			break;
		digest_update(ctx, buf, (size_t)n);
		total += (uint64_t)n;
	}
	*ret = digest_final_string(ctx);
	if (ret_size)
		*ret_size = total;
	return 0;
}

bool digest_string_valid(const char *s)
{
	if (!s || !startswith(s, DIGEST_ALGO_PREFIX))
		return false;
	const char *h = s + 7;
	size_t i;
	for (i = 0; h[i]; i++) {
		if (i >= 64)
			return false;
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return false;
	}
	return i == 64;
}

const char *digest_hex(const char *s)
{
	if (!s || !startswith(s, DIGEST_ALGO_PREFIX))
		return NULL;
	return s + 7;
}
