/* digest.h - message digests with algorithms fetched from libcrypto once, not per call. */
#ifndef ZS_DIGEST_H
#define ZS_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>

enum digest_alg { DIGEST_MD5, DIGEST_SHA1, DIGEST_SHA256, DIGEST_ALG_COUNT };

/*
 * The algorithm, fetched from the default provider on first use and kept for the process.
 * OpenSSL 3's EVP_sha256() and friends make every EVP_DigestInit fetch again (a store lookup
 * under a lock); per certificate, JA4 and HASSH that was a tenth of the sensor's time. NULL when
 * libcrypto cannot give it. Thread-safe: the record writer of sensor/records.c runs in a thread.
 */
const EVP_MD *digest_md(enum digest_alg alg);

/* out = digest of len bytes at p; false unless the digest has exactly out_len bytes. */
bool digest_bytes(enum digest_alg alg, const void *p, size_t len, unsigned char *out,
                  unsigned out_len);

#endif
