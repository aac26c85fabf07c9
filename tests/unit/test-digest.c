/* test-digest: sha256 digests in the OCI string form, streaming and one
 * shot, from descriptors, and the validation of digest strings. */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/digest.h"
#include "sanitizer-options.h"
#include "tap.h"

#define EMPTY "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ABC "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/* "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq" (FIPS 180-2). */
#define LONG_MSG "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
#define LONG_DIGEST "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
/* One million 'a' (FIPS 180-2). */
#define MILLION_A "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

int main(void)
{
	char *d = digest_buf("", 0);
	is_str(d, EMPTY, "sha256 of the empty string");
	free(d);
	d = digest_buf("abc", 3);
	is_str(d, ABC, "sha256 of \"abc\"");
	free(d);
	d = digest_buf(LONG_MSG, strlen(LONG_MSG));
	is_str(d, LONG_DIGEST, "sha256 of the 448-bit FIPS message");
	free(d);

	struct digest_ctx *ctx = digest_new();
	digest_update(ctx, "a", 1);
	digest_update(ctx, "", 0);
	digest_update(ctx, "bc", 2);
	d = digest_final_string(ctx);
	is_str(d, ABC, "streaming \"a\" + \"\" + \"bc\" equals \"abc\"");
	free(d);
	digest_free(ctx);
	digest_free(NULL);

	ctx = digest_new();
	char chunk[1000];
	memset(chunk, 'a', sizeof(chunk));
	for (int i = 0; i < 1000; i++)
		digest_update(ctx, chunk, sizeof(chunk));
	d = digest_final_string(ctx);
	is_str(d, MILLION_A, "one million 'a' in 1000-byte pieces");
	free(d);
	digest_free(ctx);

	int fd = memfd_create("digest", MFD_CLOEXEC);
	ok(fd >= 0, "memfd");
	for (int i = 0; i < 1000; i++)
		if (write(fd, chunk, sizeof(chunk)) != (ssize_t)sizeof(chunk))
			break;
	lseek(fd, 0, SEEK_SET);
	struct err e = ERR_INIT;
	uint64_t size = 0;
	d = NULL;
	is_int(digest_fd(fd, &d, &size, &e), 0, "digest_fd");
	is_str(d, MILLION_A, "digest_fd of one million 'a'");
	is_int(size, 1000000, "digest_fd counts the bytes");
	free(d);
	d = NULL;
	is_int(digest_fd(fd, &d, NULL, &e), 0, "digest_fd at end of file");
	is_str(d, EMPTY, "nothing left to read hashes as empty");
	free(d);
	close(fd);
	d = NULL;
	ok(digest_fd(fd, &d, NULL, &e) < 0 && d == NULL, "digest_fd on a closed descriptor fails");
	ok(err_isset(&e), "and sets the error: %s", err_msg(&e));
	err_clear(&e);

	ok(digest_string_valid(EMPTY), "a real digest is valid");
	ok(!digest_string_valid(NULL), "NULL is not valid");
	ok(!digest_string_valid(""), "empty is not valid");
	ok(!digest_string_valid("sha256:"), "prefix alone is not valid");
	ok(!digest_string_valid("sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
	   "another algorithm is not valid");
	ok(!digest_string_valid("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"),
	   "uppercase hex is not valid");
	ok(!digest_string_valid("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85"),
	   "63 hex digits are not valid");
	ok(!digest_string_valid("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555"),
	   "65 hex digits are not valid");
	ok(!digest_string_valid("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g"),
	   "a non-hex digit is not valid");
	ok(!digest_string_valid("sha256:../../../../../../../../../../../../../../../../../../../../x"),
	   "a path is not valid");
	is_str(digest_hex(ABC), &ABC[7], "digest_hex skips the prefix");
	ok(digest_hex("md5:abc") == NULL, "digest_hex of another algorithm is NULL");
	ok(digest_hex(NULL) == NULL, "digest_hex(NULL) is NULL");
	/* The in-memory SHA-256 (documents) agrees with OpenSSL's (streams)
	 * at every length around the block and padding edges. */
	unsigned char many[300];
	for (size_t i = 0; i < sizeof(many); i++)
		many[i] = (unsigned char)(i * 7 + 3);
	bool same = true;
	for (size_t n = 0; n <= sizeof(many); n++) {
		char *a = digest_buf(many, n);
		struct digest_ctx *c = digest_new();
		digest_update(c, many, n);
		char *b = digest_final_string(c);
		digest_free(c);
		if (strcmp(a, b) != 0) {
			same = false;
			printf("# length %zu: %s != %s\n", n, a, b);
		}
		free(a);
		free(b);
	}
	ok(same, "in-memory and OpenSSL digests agree for lengths 0..300");
	return tap_done();
}
