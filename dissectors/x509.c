/* x509.c - leaf certificate facts (key, signature, validity, names) through OpenSSL's libcrypto. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "../emit/digest.h"
#include "x509.h"

/* Algorithms this libcrypto may not know yet (OpenSSL 3.0 predates ML-DSA): by OID. */
static const struct {
    const char *oid;
    const char *name;
} x509_pq_oids[] = {
    {"2.16.840.1.101.3.4.3.17", "ML-DSA-44"},
    {"2.16.840.1.101.3.4.3.18", "ML-DSA-65"},
    {"2.16.840.1.101.3.4.3.19", "ML-DSA-87"},
    {"2.16.840.1.101.3.4.3.20", "SLH-DSA-SHA2-128s"},
    {"2.16.840.1.101.3.4.3.21", "SLH-DSA-SHA2-128f"},
    {"2.16.840.1.101.3.4.3.22", "SLH-DSA-SHA2-192s"},
    {"2.16.840.1.101.3.4.3.23", "SLH-DSA-SHA2-192f"},
    {"2.16.840.1.101.3.4.3.24", "SLH-DSA-SHA2-256s"},
    {"2.16.840.1.101.3.4.3.25", "SLH-DSA-SHA2-256f"},
    {NULL, NULL},
};

static void
x509_copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

/* Name of an algorithm object: libcrypto's long name, the PQ table, or the dotted OID. */
static void
x509_obj_name(const ASN1_OBJECT *obj, char *dst, size_t cap)
{
    char oid[80];
    int nid = OBJ_obj2nid(obj);
    if (nid != NID_undef) {
        x509_copy(dst, cap, OBJ_nid2ln(nid));
        return;
    }
    if (OBJ_obj2txt(oid, sizeof(oid), obj, 1) <= 0) {
        x509_copy(dst, cap, "unknown");
        return;
    }
    for (size_t i = 0; x509_pq_oids[i].oid; i++) {
        if (strcmp(oid, x509_pq_oids[i].oid) == 0) {
            x509_copy(dst, cap, x509_pq_oids[i].name);
            return;
        }
    }
    x509_copy(dst, cap, oid);
}

static void
x509_name_text(const X509_NAME *name, char *dst, size_t cap)
{
    dst[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return;
    if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        int n = BIO_read(b, dst, (int)cap - 1);
        dst[n > 0 ? n : 0] = '\0';
    }
    BIO_free(b);
}

static void
x509_key_facts(X509 *x, struct x509_facts *out)
{
    X509_PUBKEY *xpk = X509_get_X509_PUBKEY(x);
    ASN1_OBJECT *alg = NULL;
    const unsigned char *pk = NULL;
    int pklen = 0;
    if (xpk)
        X509_PUBKEY_get0_param(&alg, &pk, &pklen, NULL, xpk);
    EVP_PKEY *key = X509_get0_pubkey(x);
    if (!key) {
        /* unknown to this libcrypto: name it by OID; ML-DSA's size is its public key's */
        if (alg)
            x509_obj_name(alg, out->key_type, sizeof(out->key_type));
        if (strncmp(out->key_type, "ML-DSA", 6) == 0 && pklen > 0)
            out->key_bits = (uint32_t)pklen * 8;
        return;
    }
    switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
        x509_copy(out->key_type, sizeof(out->key_type), "RSA");
        break;
    case EVP_PKEY_RSA_PSS:
        x509_copy(out->key_type, sizeof(out->key_type), "RSA-PSS");
        break;
    case EVP_PKEY_DSA:
        x509_copy(out->key_type, sizeof(out->key_type), "DSA");
        break;
    case EVP_PKEY_EC:
        x509_copy(out->key_type, sizeof(out->key_type), "EC");
        break;
    case EVP_PKEY_ED25519:
        x509_copy(out->key_type, sizeof(out->key_type), "Ed25519");
        break;
    case EVP_PKEY_ED448:
        x509_copy(out->key_type, sizeof(out->key_type), "Ed448");
        break;
    case EVP_PKEY_DH:
        x509_copy(out->key_type, sizeof(out->key_type), "DH");
        break;
    default:
        x509_copy(out->key_type, sizeof(out->key_type), EVP_PKEY_get0_type_name(key));
        break;
    }
    int bits = EVP_PKEY_get_bits(key);
    out->key_bits = bits > 0 ? (uint32_t)bits : 0;
    char group[64];
    size_t glen = 0;
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC &&
        EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                       &glen) == 1)
        x509_copy(out->curve, sizeof(out->curve), group);
}

static void
x509_sig_facts(X509 *x, struct x509_facts *out)
{
    const X509_ALGOR *sig = NULL;
    X509_get0_signature(NULL, &sig, x);
    if (!sig)
        return;
    const ASN1_OBJECT *obj = NULL;
    X509_ALGOR_get0(&obj, NULL, NULL, sig);
    if (obj)
        x509_obj_name(obj, out->sig_alg, sizeof(out->sig_alg));
    int md = NID_undef, pk = NID_undef;
    if (obj && OBJ_find_sigid_algs(OBJ_obj2nid(obj), &md, &pk) && md != NID_undef)
        x509_copy(out->digest, sizeof(out->digest), OBJ_nid2sn(md));
}

static void
x509_time_text(const ASN1_TIME *t, char *dst, size_t cap)
{
    struct tm tm;
    dst[0] = '\0';
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return;
    strftime(dst, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Parse the DER (the cache's miss path). */
static int
x509_parse_der(const uint8_t *der, size_t len, struct x509_facts *out)
{
    memset(out, 0, sizeof(*out));
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    if (!x)
        return -1;
    out->parsed = true;
    x509_key_facts(x, out);
    x509_sig_facts(x, out);
    const ASN1_INTEGER *serial = X509_get0_serialNumber(x);
    BIGNUM *bn = serial ? ASN1_INTEGER_to_BN(serial, NULL) : NULL;
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    if (hex) {
        /* lower case, the one spelling of hex in every output (BN_bn2hex writes whole bytes) */
        for (char *h = hex; *h; h++)
            if (*h >= 'A' && *h <= 'F')
                *h = (char)(*h - 'A' + 'a');
        x509_copy(out->serial, sizeof(out->serial), hex);
    }
    OPENSSL_free(hex);
    BN_free(bn);
    x509_time_text(X509_get0_notBefore(x), out->not_before, sizeof(out->not_before));
    x509_time_text(X509_get0_notAfter(x), out->not_after, sizeof(out->not_after));
    x509_name_text(X509_get_subject_name(x), out->subject, sizeof(out->subject));
    x509_name_text(X509_get_issuer_name(x), out->issuer, sizeof(out->issuer));
    X509_free(x);
    return 0;
}

/*
 * The certificate cache. A server sends the same certificate on every connection, and
 * libcrypto's d2i_X509 (which decodes the public key through the provider's decoders) took
 * half of the records job's time. The facts of up to X509_CACHE_SLOTS distinct certificates
 * are kept by the SHA-256 of their DER, in sets of X509_CACHE_WAYS chosen by the digest; a
 * full set replaces its least recently used certificate. A hit copies the facts, a miss parses;
 * parse failures are kept too. At most X509_CACHE_SLOTS * sizeof(struct x509_cache_entry)
 * bytes (about 0.9 MiB), allocated entry by entry as certificates arrive. Counted in --stats
 * as x509_cache_hits, x509_cache_misses and x509_cache_replaced.
 */
#define X509_CACHE_WAYS 4u
#define X509_CACHE_SETS (X509_CACHE_SLOTS / X509_CACHE_WAYS)

struct x509_cache_entry {
    uint8_t sha256[32];
    uint64_t used; /* x509_cache_clock at the last hit or fill */
    int rc;
    struct x509_facts facts;
};

static struct x509_cache_entry *x509_cache[X509_CACHE_SLOTS];
static uint64_t x509_cache_clock;
static struct x509_cache_stats x509_cache_counts;

void
x509_cache_get_stats(struct x509_cache_stats *out)
{
    *out = x509_cache_counts;
}

void
x509_cache_clear(void)
{
    for (size_t i = 0; i < X509_CACHE_SLOTS; i++) {
        free(x509_cache[i]);
        x509_cache[i] = NULL;
    }
}

static size_t x509_der_limit = X509_DER_MAX;

size_t
x509_der_max(void)
{
    return x509_der_limit;
}

void
x509_set_der_max(size_t n)
{
    x509_der_limit = n ? n : X509_DER_MAX;
}

int
x509_parse_facts(const uint8_t *der, size_t len, struct x509_facts *out)
{
    static const char hexdig[] = "0123456789abcdef";
    uint8_t md[32];
    memset(out, 0, sizeof(*out));
    if (!der || len == 0 || len > x509_der_limit)
        return -1;
    bool have_md = digest_bytes(DIGEST_SHA256, der, len, md, sizeof(md));
    struct x509_cache_entry **set = NULL;
    if (have_md) {
        set = &x509_cache[(((size_t)md[0] << 8 | md[1]) % X509_CACHE_SETS) * X509_CACHE_WAYS];
        for (size_t w = 0; w < X509_CACHE_WAYS; w++) {
            if (set[w] && memcmp(set[w]->sha256, md, sizeof(md)) == 0) {
                x509_cache_counts.x509_cache_hits++;
                set[w]->used = ++x509_cache_clock;
                *out = set[w]->facts;
                return set[w]->rc;
            }
        }
    }
    x509_cache_counts.x509_cache_misses++;
    int rc = x509_parse_der(der, len, out);
    if (!have_md)
        return rc;
    if (rc == 0) {
        for (unsigned int i = 0; i < sizeof(md); i++) {
            out->sha256[2 * i] = hexdig[md[i] >> 4];
            out->sha256[2 * i + 1] = hexdig[md[i] & 15];
        }
        out->sha256[64] = '\0';
    }
    struct x509_cache_entry **slot = &set[0]; /* an empty way, else the least recently used */
    for (size_t w = 0; w < X509_CACHE_WAYS && *slot; w++)
        if (!set[w] || set[w]->used < (*slot)->used)
            slot = &set[w];
    if (*slot)
        x509_cache_counts.x509_cache_replaced++;
    else
        *slot = malloc(sizeof(**slot));
    if (*slot) {
        memcpy((*slot)->sha256, md, sizeof(md));
        (*slot)->used = ++x509_cache_clock;
        (*slot)->rc = rc;
        (*slot)->facts = *out;
    }
    return rc;
}
