/* test_x509.c - certificate facts and the certificate cache (dissectors/x509.c), driven past
 * its size with certificates made here by libcrypto. */
#include <stdlib.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "../../dissectors/x509.h"
#include "check.h"

#define X509_TEST_WAYS 4u /* x509.c's X509_CACHE_WAYS */

/* A self-signed P-256 certificate with serial `serial` and subject CN=host-<serial>, as DER. */
static unsigned char *
make_cert(EVP_PKEY *key, long serial, int *len)
{
    X509 *x = X509_new();
    char cn[32];
    snprintf(cn, sizeof(cn), "host-%ld", serial);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    ASN1_TIME_set(X509_getm_notBefore(x), 1700000000);
    ASN1_TIME_set(X509_getm_notAfter(x), 1800000000);
    X509_set_pubkey(x, key);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509_sign(x, key, EVP_sha256());
    unsigned char *der = NULL;
    *len = i2d_X509(x, &der);
    X509_free(x);
    return der;
}

static void
sha256_hex(const unsigned char *der, int len, char out[65], unsigned char md[32])
{
    static const char hex[] = "0123456789abcdef";
    unsigned int n = 0;
    EVP_Digest(der, (size_t)len, md, &n, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}

static struct x509_cache_stats
counts(void)
{
    struct x509_cache_stats s;
    x509_cache_get_stats(&s);
    return s;
}

int
main(void)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    CHECK(key != NULL);
    if (!key)
        return 1;

    /* one certificate: its facts, then the same facts from the cache */
    int len = 0;
    unsigned char *der = make_cert(key, 4660, &len);
    char want_fp[65];
    unsigned char md[32];
    sha256_hex(der, len, want_fp, md);
    struct x509_facts a, b;
    CHECK_EQ_INT(x509_parse_facts(der, (size_t)len, &a), 0);
    CHECK(a.parsed);
    CHECK_EQ_STR(a.key_type, "EC");
    CHECK_EQ_INT(a.key_bits, 256);
    CHECK_EQ_STR(a.curve, "prime256v1");
    CHECK_EQ_STR(a.sig_alg, "ecdsa-with-SHA256");
    CHECK_EQ_STR(a.digest, "SHA256");
    CHECK_EQ_STR(a.serial, "1234"); /* 4660 */
    CHECK_EQ_STR(a.subject, "CN=host-4660");
    CHECK_EQ_STR(a.issuer, "CN=host-4660");
    CHECK_EQ_STR(a.not_before, "2023-11-14T22:13:20Z");
    CHECK_EQ_STR(a.not_after, "2027-01-15T08:00:00Z");
    CHECK_EQ_STR(a.sha256, want_fp);
    CHECK_EQ_INT(counts().x509_cache_misses, 1);
    CHECK_EQ_INT(x509_parse_facts(der, (size_t)len, &b), 0);
    CHECK_EQ_INT(counts().x509_cache_hits, 1);
    CHECK(memcmp(&a, &b, sizeof(a)) == 0);

    /* a DER the parser rejects: rejected again from the cache, with nothing filled in */
    CHECK_EQ_INT(x509_parse_facts(der, (size_t)len - 7, &b), -1);
    CHECK_EQ_INT(x509_parse_facts(der, (size_t)len - 7, &b), -1);
    CHECK(!b.parsed && b.sha256[0] == '\0');
    CHECK_EQ_INT(counts().x509_cache_misses, 2);
    CHECK_EQ_INT(counts().x509_cache_hits, 2);
    OPENSSL_free(der);

    /* past the cache's size: 1.5 x X509_CACHE_SLOTS distinct certificates. Which set each one
     * falls in follows from its SHA-256 (x509.c), so the replacements are known exactly. */
    x509_cache_clear();
    struct x509_cache_stats s0 = counts();
    const unsigned n = X509_CACHE_SLOTS + X509_CACHE_SLOTS / 2;
    const unsigned sets = X509_CACHE_SLOTS / X509_TEST_WAYS;
    unsigned *per_set = calloc(sets, sizeof(*per_set));
    unsigned char **ders = calloc(n, sizeof(*ders));
    int *lens = calloc(n, sizeof(*lens));
    unsigned replaced = 0;
    int bad = 0;
    for (unsigned i = 0; i < n; i++) {
        ders[i] = make_cert(key, 100000 + (long)i, &lens[i]);
        sha256_hex(ders[i], lens[i], want_fp, md);
        unsigned set = ((unsigned)md[0] << 8 | md[1]) % sets;
        if (per_set[set]++ >= X509_TEST_WAYS)
            replaced++;
        char cn[40];
        snprintf(cn, sizeof(cn), "CN=host-%u", 100000 + i);
        if (x509_parse_facts(ders[i], (size_t)lens[i], &a) != 0 || strcmp(a.subject, cn) != 0 ||
            strcmp(a.sha256, want_fp) != 0)
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(replaced > 0);
    CHECK_EQ_INT(counts().x509_cache_misses - s0.x509_cache_misses, n);
    CHECK_EQ_INT(counts().x509_cache_replaced - s0.x509_cache_replaced, replaced);
    /* read back newest first: every answer, cached or parsed again, is the certificate's own */
    struct x509_cache_stats s1 = counts();
    unsigned hits = 0;
    for (unsigned i = n; i-- > 0;) {
        x509_parse_facts(ders[i], (size_t)lens[i], &a);
        char cn[40];
        snprintf(cn, sizeof(cn), "CN=host-%u", 100000 + i);
        if (strcmp(a.subject, cn) != 0)
            bad++;
    }
    hits = (unsigned)(counts().x509_cache_hits - s1.x509_cache_hits);
    CHECK_EQ_INT(bad, 0);
    /* newest first: each set's X509_TEST_WAYS newest hit, every older one is parsed again */
    CHECK_EQ_INT(hits, n - replaced);
    CHECK_EQ_INT(hits + (counts().x509_cache_misses - s1.x509_cache_misses), n);

    for (unsigned i = 0; i < n; i++)
        OPENSSL_free(ders[i]);
    free(ders);
    free(lens);
    free(per_set);
    x509_cache_clear();
    EVP_PKEY_free(key);
    return check_report();
}
