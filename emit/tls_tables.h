/* tls_tables.h - TLS/SSL value-to-name tables: versions, cipher suites, groups, signature schemes.
 */
#ifndef ZS_TLS_TABLES_H
#define ZS_TLS_TABLES_H

#include <stddef.h>
#include <stdint.h>

#include "name_tab.h"

/* One cipher suite: IANA number (SSLv2 cipher kinds are 3-byte values) and its parts. */
struct tls_suite {
    uint32_t code;
    const char *name;
    const char *kex;  /* key exchange: RSA, DHE, ECDHE, PSK, ECDHE_PSK, ...; NULL for TLS 1.3 */
    const char *auth; /* authentication: RSA, ECDSA, DSS, PSK, anon, ...; NULL for TLS 1.3 */
    const char *enc;  /* bulk cipher: AES-128-GCM, 3DES-EDE-CBC, ... */
    const char *mac;  /* HMAC-SHA1, HMAC-SHA256, ...; AEAD for AEAD ciphers */
};

/* One named group (supported_groups, key_share, ServerKeyExchange curve). */
struct tls_group {
    uint16_t code;
    const char *name;
    const char *kex; /* what kind of key exchange the group means: ECDHE, DHE, ECDHE-MLKEM, ... */
};

extern const struct tls_suite tls_suites[];
extern const struct tls_group tls_groups[];
extern const struct name_tab tls_sig_schemes[];
extern const struct name_tab tls_alert_names[];
extern const struct name_tab tls_hs_names[];

const struct tls_suite *tls_find_suite(uint32_t code);
const struct tls_group *tls_find_group(uint16_t code);
/* GREASE values (RFC 8701): 0x0a0a, 0x1a1a, ... */
int tls_is_grease(uint16_t v);
/* The TLS 1.3 version a draft or experiment number stands for, or the number itself. */
int tls_version_is_13(uint16_t v);

#endif
