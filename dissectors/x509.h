/* x509.h - the facts zertsensor reports about a certificate, parsed by libcrypto (never by hand).
 */
#ifndef ZS_X509_H
#define ZS_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Certificates larger than this are not handed to the parser. */
#define X509_DER_MAX (64u * 1024u)

struct x509_facts {
    bool parsed;        /* libcrypto accepted the DER */
    char key_type[24];  /* RSA, EC, DSA, Ed25519, Ed448, RSA-PSS, ML-DSA-44, ... or the OID */
    uint32_t key_bits;  /* 0: unknown */
    char curve[32];     /* EC curve short name (prime256v1, secp384r1) */
    char sig_alg[64];   /* sha256WithRSAEncryption, ecdsa-with-SHA256, ML-DSA-44, ... */
    char digest[24];    /* SHA256, ...; empty when the algorithm has none (Ed25519, ML-DSA) */
    char serial[72];    /* upper-case hex */
    char not_after[32]; /* RFC 3339 UTC */
    char subject[256];  /* RFC 2253 text, cut at the buffer size */
    char issuer[256];
    char sha256[65]; /* fingerprint of the DER, lower-case hex (Zeek's x509 fingerprint) */
};

/* Parse one DER certificate (at most X509_DER_MAX bytes); 0 on success, -1 when rejected. */
int x509_parse_facts(const uint8_t *der, size_t len, struct x509_facts *out);

#endif
