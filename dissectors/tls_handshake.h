/* tls_handshake.h - TLS handshake message parsers: ClientHello, ServerHello, Certificate, SKE. */
#ifndef ZS_TLS_HANDSHAKE_H
#define ZS_TLS_HANDSHAKE_H

#include <stdbool.h>
#include <stdint.h>

#include "cursor.h"
#include "x509.h"

/*
 * Each parser takes a cursor over one handshake message body (after the 4-byte type and
 * length header) and fills a struct of its own: no record-layer state is needed, so TLS over
 * TCP (tls.c) and a DTLS or QUIC dissector can share them. The caller keeps the connection's
 * state (how many ClientHellos, which direction is encrypted, ...).
 */

/* Handshake message types (RFC 8446 4, RFC 5246 7.4). */
#define TLS_HS_CLIENT_HELLO 1
#define TLS_HS_SERVER_HELLO 2
#define TLS_HS_NEW_TICKET   4
#define TLS_HS_HRR          6 /* HelloRetryRequest of TLS 1.3 drafts before 22 */
#define TLS_HS_CERTIFICATE  11
#define TLS_HS_SERVER_KEYX  12
#define TLS_HS_CERT_REQUEST 13
#define TLS_HS_SERVER_DONE  14
#define TLS_HS_CLIENT_KEYX  16
#define TLS_HS_CERT_STATUS  22

/* Lists kept from a ClientHello; more entries are counted (suites) or dropped. */
#define TLS_MAX_SUITES   64
#define TLS_MAX_GROUPS   32
#define TLS_MAX_KS       8
#define TLS_MAX_SIGS     32
#define TLS_MAX_VERSIONS 16
/* JA4 sorts every suite and extension of a ClientHello: more than this leaves JA4 unknown */
#define TLS_JA4_MAX_ITEMS 1024
#define TLS_JA4_LEN       37 /* t13d1516h2_8daaf6152771_e5627efa2ab1 + NUL */
#define TLS_JA4S_LEN      26 /* t130200_1301_234ea6891581 + NUL */

struct tls_client_hello {
    bool seen;
    bool sslv2; /* SSLv2-format ClientHello */
    uint16_t version;
    uint16_t versions[TLS_MAX_VERSIONS];
    uint8_t n_versions;
    uint16_t n_suites; /* offered; the first TLS_MAX_SUITES are kept */
    uint16_t suites[TLS_MAX_SUITES];
    uint8_t n_groups, n_ks, n_sigs, n_psk_modes;
    uint16_t groups[TLS_MAX_GROUPS];
    uint16_t ks_groups[TLS_MAX_KS];
    uint16_t sigs[TLS_MAX_SIGS];
    uint8_t psk_modes[4];
    uint8_t sid_len;
    uint8_t sid[32];
    bool ticket_ext, ticket_sent, psk, early_data, ems, etm, reneg, ech, status_request;
    char sni[256];
    char alpn[128];
    char ja4[TLS_JA4_LEN]; /* FoxIO JA4 (TCP); "" when not computable */
};

/* Extensions of a ServerHello or HelloRetryRequest. */
struct tls_server_ext {
    bool versions_seen, ks_seen, psk, ems, etm, reneg, ticket, early_data, status;
    uint16_t version;
    uint16_t ks_group;
    char alpn[64];
};

/* A ServerHello, or a HelloRetryRequest (RFC 8446's ServerHello form, or the drafts' message). */
struct tls_server_hello {
    bool hrr;
    uint16_t legacy_version; /* ServerHello.(legacy_)version */
    uint16_t version;        /* supported_versions when present, else legacy_version */
    uint16_t suite;          /* 0 in a draft HelloRetryRequest */
    uint8_t sid_len;
    uint8_t sid[32];
    struct tls_server_ext sx;
    char ja4s[TLS_JA4S_LEN]; /* FoxIO JA4S (TCP); "" in the drafts' layouts */
};

/* The leaf (first) certificate of a Certificate message. */
struct tls_leaf_cert {
    struct x509_facts *facts; /* allocated by tls_parse_certificate(); the caller frees it */
    uint32_t der_len;         /* as the message announced it */
    const char *err;          /* why there are no facts (static text); NULL */
};

/* What a ServerKeyExchange shows of the key exchange. */
struct tls_server_keyx {
    bool group_known; /* ECDHE: the named curve (explicit curves as 0xff01, 0xff02) */
    uint16_t group;
    bool dh_known; /* DHE: the size of the prime */
    uint32_t dh_bits;
};

/* ClientHello with its extensions. False (ch untouched) when the fixed part does not parse. */
bool tls_parse_client_hello(struct cursor body, struct tls_client_hello *ch);

/*
 * ServerHello in either layout (RFC, or the TLS 1.3 drafts before 22 and Google's experiments
 * without session id and compression); a HelloRetryRequest in RFC 8446's form sets sh->hrr.
 * False when neither layout adds up.
 */
bool tls_parse_server_hello(struct cursor body, struct tls_server_hello *sh);

/* The drafts' HelloRetryRequest message (TLS_HS_HRR): version, [suite], extensions. */
bool tls_parse_hrr_draft(struct cursor body, struct tls_server_hello *sh);

/*
 * Certificate (TLS 1.2 and before): *empty tells whether the list is empty; the leaf is read
 * into `leaf` unless leaf->facts is already set (the first certificate of a direction wins).
 * `truncated`: the body was cut at the message buffer limit. False when even the list length
 * is missing.
 */
bool tls_parse_certificate(struct cursor body, bool truncated, bool *empty,
                           struct tls_leaf_cert *leaf);

/* ServerKeyExchange for the suite's key exchange `kex` (ECDHE_RSA, DHE_PSK, ...). */
void tls_parse_server_keyx(struct cursor body, const char *kex, struct tls_server_keyx *out);

#endif
