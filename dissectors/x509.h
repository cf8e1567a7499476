/* x509.h - the facts zertsensor reports about a certificate, parsed by libcrypto (never by hand).
 */
#ifndef ZS_X509_H
#define ZS_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../emit/obs_record.h" /* struct x509_facts: the facts are part of the observation */

/*
 * Certificates larger than x509_der_max() are not handed to the parser: X509_DER_MAX unless
 * the configuration's tls_certificate_max set another (x509_set_der_max, at start-up).
 */
#define X509_DER_MAX (64u * 1024u)
size_t x509_der_max(void);
void x509_set_der_max(size_t n);

/* Certificates whose facts are kept, by the SHA-256 of their DER (x509.c says how). */
#define X509_CACHE_SLOTS 1024u

/* Parse one DER certificate (at most x509_der_max() bytes); 0 on success, -1 when rejected. */
int x509_parse_facts(const uint8_t *der, size_t len, struct x509_facts *out);

/* The cache's counters, under their --stats names. */
#define X509_CACHE_COUNTERS(X) X(x509_cache_hits) X(x509_cache_misses) X(x509_cache_replaced)
struct x509_cache_stats {
#define X509_CACHE_FIELD(name) uint64_t name;
    X509_CACHE_COUNTERS(X509_CACHE_FIELD)
#undef X509_CACHE_FIELD
};
void x509_cache_get_stats(struct x509_cache_stats *out);

/* Free the cached facts (end of run; the fuzz targets call it between inputs). */
void x509_cache_clear(void);

#endif
