/* report_attrs.h - a security session's crypto attributes, in one spelling, for views and policy.
 */
#ifndef ZS_REPORT_ATTRS_H
#define ZS_REPORT_ATTRS_H

#include <stdbool.h>
#include <stdint.h>

#include "zert_record.h"
#include "report_util.h"

/*
 * What a record says about the protection of a connection, with every algorithm name
 * put through the shared code table (emit/smf_codes.c: the first name of its code) so
 * that records read from records.jsonl and from SMF, and records written by z/OS, spell
 * the same algorithm the same way. Names the table does not know are kept as written.
 * Every string is interned in the report's pool; "" means unknown.
 */
struct rep_attrs {
    uint8_t protocol;       /* one ZERT_PROT_* bit, or 0: clear text */
    const char *category;   /* clear, SSLv3, TLSv1.0 .. TLSv1.3, TLS (version unknown), SSH,
                               IPsec, unknown (the wire could not show it) */
    const char *version;    /* TLSv1.2; SSH 2.0; IKE 1.0 / 2.0 */
    const char *suite;      /* TLS: IANA cipher suite name, or 0xC0FF when it has none */
    const char *suite_code; /* TLS: 0xC02F */
    const char *kex;        /* TLS kex (ECDHE, RSA, ...) or SSH key exchange */
    const char *group;      /* TLS named group (JSON only) or IKE DH group number */
    struct zert_num dh_group;
    const char *enc, *enc2; /* TLS enc; SSH c2s / s2c; IKE encr (with key bits) */
    const char *mac, *mac2; /* TLS mac; SSH c2s / s2c; IKE integrity */
    const char *prf;        /* IKE */
    const char *auth;       /* IKE authentication method */
    const char *exchange;   /* IKE exchange: main, aggressive (detail records only) */
    /* TLS server certificate, or the SSH host key */
    const char *key_type;
    struct zert_num key_bits;
    const char *sig_alg, *digest, *subject;
    /* TLS client certificate */
    const char *ckey_type;
    struct zert_num ckey_bits;
    const char *csig_alg, *cdigest;
};

void rep_attrs_from_summary(struct rep_attrs *a, const struct zert_summary *s,
                            struct rep_pool *pool);
void rep_attrs_from_detail(struct rep_attrs *a, const struct zert_detail *d, struct rep_pool *pool);

/* The order protection categories are listed in (clear first, IPsec last). */
int rep_category_rank(const char *category);

#endif
