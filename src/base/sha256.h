/* sha256.h: SHA-256 of a buffer in memory, without OpenSSL.
 *
 * For the small documents Berth hashes at every command (image configs,
 * manifests, indexes): loading libcrypto costs more than hashing them.
 * Layers and other streams go through digest.h (OpenSSL, SHA-NI). */
#pragma once

#include <stddef.h>
#include <stdint.h>

void sha256(const void *data, size_t len, unsigned char out[32]);
