/* test_report_policy.c - the report's weak-crypto rules on hand-built records; the policy file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "../../emit/report_policy.h"

/* Hits of one evaluation, as "rule=value" lines. */
struct hits {
    char text[2048];
    int n;
};

static void
on_hit(void *ctx, const struct policy_rule *rule, const char *value)
{
    struct hits *h = ctx;
    size_t len = strlen(h->text);
    snprintf(h->text + len, sizeof(h->text) - len, "%s=%s;", rule->id, value);
    h->n++;
}

static const char *
eval_summary(const struct policy *p, const struct zert_summary *s, struct rep_pool *pool,
             struct hits *h)
{
    struct rep_attrs a;
    memset(h, 0, sizeof(*h));
    rep_attrs_from_summary(&a, s, pool);
    policy_eval(p, POLICY_SUMMARY, &a, on_hit, h);
    return h->text;
}

static const char *
eval_detail(const struct policy *p, const struct zert_detail *d, struct rep_pool *pool,
            struct hits *h)
{
    struct rep_attrs a;
    memset(h, 0, sizeof(*h));
    rep_attrs_from_detail(&a, d, pool);
    policy_eval(p, POLICY_DETAIL, &a, on_hit, h);
    return h->text;
}

static void
tls_summary(struct zert_summary *s, uint16_t version, uint32_t suite, const char *enc,
            const char *mac, const char *kex)
{
    memset(s, 0, sizeof(*s));
    s->event = ZERT_SEV_INTERVAL;
    s->ip_proto = 6;
    s->role = ZERT_ROLE_SERVER;
    s->protocol = ZERT_PROT_TLS;
    s->tls.present = true;
    zert_num_set(&s->tls.version_code, version);
    zert_num_set(&s->tls.cipher_suite, suite);
    ZERT_STR_SET(s, s->tls.enc, enc);
    ZERT_STR_SET(s, s->tls.mac, mac);
    ZERT_STR_SET(s, s->tls.kex, kex);
}

static void
cert(struct zert_cert *c, const char *type, uint64_t bits, const char *sig, const char *digest)
{
    memset(c, 0, sizeof(*c));
    c->present = true;
    snprintf(c->key_type, sizeof(c->key_type), "%s", type);
    zert_num_set(&c->key_bits, bits);
    snprintf(c->sig_alg, sizeof(c->sig_alg), "%s", sig);
    snprintf(c->digest, sizeof(c->digest), "%s", digest);
}

static void
test_tls(const struct policy *p, struct rep_pool *pool)
{
    struct zert_summary s;
    struct hits h;
    /* TLS 1.3, AES-256-GCM, EC P-256 with SHA-256: nothing to say */
    tls_summary(&s, 0x0304, 0x1302, "AES-256-GCM", "AEAD", "");
    cert(&s.tls.server_cert, "EC", 256, "ecdsa-with-SHA256", "SHA256");
    CHECK_EQ_STR(eval_summary(p, &s, pool, &h), "");

    /* TLS 1.0 with RC4, an RSA 1024 key signed with SHA-1: four findings */
    tls_summary(&s, 0x0301, 0x0005, "RC4-128", "HMAC-SHA1", "RSA");
    cert(&s.tls.server_cert, "RSA", 1024, "sha1WithRSAEncryption", "SHA1");
    CHECK_EQ_STR(eval_summary(p, &s, pool, &h),
                 "tls.version=TLSv1.0;tls.cipher=TLS_RSA_WITH_RC4_128_SHA;"
                 "cert.sig=sha1WithRSAEncryption;key.rsa_min_bits=RSA 1024;");

    /* SSLv3 with 3DES, and the SMF spelling of the bulk cipher: the suite name is matched */
    tls_summary(&s, 0x0300, 0x000A, "DES-192-EDE3-CBC", "HMAC-SHA1", "RSA");
    CHECK_EQ_STR(eval_summary(p, &s, pool, &h),
                 "tls.version=SSLv3;tls.cipher=TLS_RSA_WITH_3DES_EDE_CBC_SHA;");

    /* export, NULL, anonymous and MD5 */
    tls_summary(&s, 0x0300, 0x0003, "RC4-40", "HMAC-MD5", "RSA_EXPORT");
    CHECK_EQ_STR(eval_summary(p, &s, pool, &h),
                 "tls.version=SSLv3;tls.cipher=TLS_RSA_EXPORT_WITH_RC4_40_MD5;tls.mac=HMAC-MD5;");
    tls_summary(&s, 0x0303, 0x0002, "NULL", "HMAC-SHA1", "RSA");
    CHECK_EQ_STR(eval_summary(p, &s, pool, &h), "tls.cipher=TLS_RSA_WITH_NULL_SHA;");
    tls_summary(&s, 0x0303, 0x00A6, "AES-128-GCM", "AEAD", "DH_anon");
    CHECK_EQ_STR(eval_summary(p, &s, pool, &h), "tls.kex=DH_anon;");

    /* an unnamed suite: its bulk cipher decides; a weak group (JSON only); a small EC key and
     * an MD5-signed client certificate */
    tls_summary(&s, 0x0303, 0x2222, "DES-CBC", "HMAC-SHA1", "ECDHE");
    snprintf(s.tls.group_name, sizeof(s.tls.group_name), "secp192r1");
    cert(&s.tls.server_cert, "EC", 192, "ecdsa-with-SHA256", "SHA256");
    cert(&s.tls.client_cert, "RSA", 4096, "md5WithRSAEncryption", "MD5");
    CHECK_EQ_STR(eval_summary(p, &s, pool, &h),
                 "tls.cipher=DES-CBC;tls.group=secp192r1;cert.sig=client md5WithRSAEncryption;"
                 "key.ec_min_bits=EC 192;");

    /* SSLv2 (its version code) */
    tls_summary(&s, 0x0002, 0x010080, "RC4-128", "MD5", "RSA");
    CHECK_EQ_STR(eval_summary(p, &s, pool, &h),
                 "tls.version=SSLv2;tls.cipher=SSL_CK_RC4_128_WITH_MD5;tls.mac=HMAC-MD5;");
}

static void
ssh_summary(struct zert_summary *s, const char *version, const char *kex, const char *hostkey,
            const char *enc_c2s, const char *enc_s2c, const char *mac_c2s, const char *mac_s2c)
{
    memset(s, 0, sizeof(*s));
    s->event = ZERT_SEV_INTERVAL;
    s->ip_proto = 6;
    s->role = ZERT_ROLE_SERVER;
    s->protocol = ZERT_PROT_SSH;
    s->ssh.present = true;
    ZERT_STR_SET(s, s->ssh.version, version);
    ZERT_STR_SET(s, s->ssh.kex, kex);
    ZERT_STR_SET(s, s->ssh.hostkey, hostkey);
    ZERT_STR_SET(s, s->ssh.enc_c2s, enc_c2s);
    ZERT_STR_SET(s, s->ssh.enc_s2c, enc_s2c);
    ZERT_STR_SET(s, s->ssh.mac_c2s, mac_c2s);
    ZERT_STR_SET(s, s->ssh.mac_s2c, mac_s2c);
}

static void
test_ssh(const struct policy *p, struct rep_pool *pool)
{
    struct zert_summary s;
    struct hits h;
    ssh_summary(&s, "2.0", "curve25519-sha256", "ssh-ed25519", "chacha20-poly1305@openssh.com",
                "chacha20-poly1305@openssh.com", "", "");
    CHECK_EQ_STR(eval_summary(p, &s, pool, &h), "");

    /* CBC one way, CTR the other; SHA-1 MAC both ways (said once); group1; DSA host key */
    ssh_summary(&s, "2.0", "diffie-hellman-group1-sha1", "ssh-dss", "aes128-cbc", "aes128-ctr",
                "hmac-sha1", "hmac-sha1");
    CHECK_EQ_STR(eval_summary(p, &s, pool, &h),
                 "ssh.cipher=aes128-cbc;ssh.mac=hmac-sha1;ssh.kex=diffie-hellman-group1-sha1;"
                 "ssh.hostkey=DSA;");

    /* group14-sha1, 3des both ways, MD5 and a truncated SHA-1 (read back as the full MAC),
     * an RSA host key of 1024 bits, SSH 1.99 (a 2.0 server) */
    ssh_summary(&s, "1.99", "diffie-hellman-group14-sha1", "ssh-rsa", "3des-cbc", "3des-cbc",
                "hmac-md5", "hmac-sha1-96");
    zert_num_set(&s.ssh.hostkey_bits, 1024);
    CHECK_EQ_STR(eval_summary(p, &s, pool, &h),
                 "key.rsa_min_bits=host key RSA 1024;ssh.cipher=3des-cbc;ssh.mac=hmac-md5;"
                 "ssh.mac=hmac-sha1;ssh.kex=diffie-hellman-group14-sha1;");

    /* SSH 1 */
    ssh_summary(&s, "1.5", "", "", "3des", "3des", "", "");
    CHECK_EQ_STR(eval_summary(p, &s, pool, &h), "ssh.version=1.5;ssh.cipher=3des-cbc;");
}

static void
test_ipsec(const struct policy *p, struct rep_pool *pool)
{
    struct zert_summary s;
    struct zert_detail d;
    struct hits h;
    memset(&s, 0, sizeof(s));
    s.event = ZERT_SEV_INTERVAL;
    s.ip_proto = 50;
    s.role = ZERT_ROLE_PEER;
    s.protocol = ZERT_PROT_IPSEC;
    s.ipsec.present = true;
    ZERT_STR_SET(&s, s.ipsec.ike_version, "2.0");
    ZERT_STR_SET(&s, s.ipsec.encr, "AES-GCM-16");
    zert_num_set(&s.ipsec.key_bits, 256);
    ZERT_STR_SET(&s, s.ipsec.prf, "HMAC-SHA2-256");
    zert_num_set(&s.ipsec.dh_group, 19);
    CHECK_EQ_STR(eval_summary(p, &s, pool, &h), "");

    /* IKEv1: 3DES, MD5, group 2 (the IKEv1 spellings) */
    ZERT_STR_SET(&s, s.ipsec.ike_version, "1.0");
    ZERT_STR_SET(&s, s.ipsec.encr, "3DES-CBC");
    s.ipsec.key_bits.known = false;
    ZERT_STR_SET(&s, s.ipsec.integ, "MD5");
    ZERT_STR_SET(&s, s.ipsec.prf, "");
    zert_num_set(&s.ipsec.dh_group, 2);
    CHECK_EQ_STR(eval_summary(p, &s, pool, &h),
                 "ike.encr=3DES;ike.integ=HMAC-MD5-96;ike.dh_group=group 2;");
    zert_num_set(&s.ipsec.dh_group, 14);
    ZERT_STR_SET(&s, s.ipsec.encr, "DES");
    ZERT_STR_SET(&s, s.ipsec.integ, "HMAC-SHA1-96");
    CHECK_EQ_STR(eval_summary(p, &s, pool, &h), "ike.encr=DES;");

    /* aggressive mode comes from detail records (summaries do not carry the exchange) */
    memset(&d, 0, sizeof(d));
    d.event = ZERT_EV_TERM;
    d.ip_proto = 17;
    d.role = ZERT_ROLE_PEER;
    d.protection = ZERT_PROT_IPSEC;
    d.ipsec.present = true;
    ZERT_STR_SET(&d, d.ipsec.ike_version, "1.0");
    ZERT_STR_SET(&d, d.ipsec.exchange, "aggressive");
    ZERT_STR_SET(&d, d.ipsec.auth, "PSK");
    CHECK_EQ_STR(eval_detail(p, &d, pool, &h), "ike.aggressive=aggressive, PSK;");
    /* ... also when no ESP was seen (the connection is clear), and not for main mode */
    d.protection = 0;
    CHECK_EQ_STR(eval_detail(p, &d, pool, &h), "ike.aggressive=aggressive, PSK;");
    ZERT_STR_SET(&d, d.ipsec.exchange, "main");
    CHECK_EQ_STR(eval_detail(p, &d, pool, &h), "");
    /* summary rules are not evaluated on details and the reverse */
    memset(&h, 0, sizeof(h));
    ZERT_STR_SET(&d, d.ipsec.exchange, "aggressive");
    struct rep_attrs a;
    rep_attrs_from_detail(&a, &d, pool);
    policy_eval(p, POLICY_SUMMARY, &a, on_hit, &h);
    CHECK_EQ_STR(h.text, "no_protection=clear;");
}

static void
test_clear(const struct policy *p, struct rep_pool *pool)
{
    struct zert_summary s;
    struct hits h;
    memset(&s, 0, sizeof(s));
    s.event = ZERT_SEV_INTERVAL;
    s.ip_proto = 17;
    s.role = ZERT_ROLE_PEER;
    CHECK_EQ_STR(eval_summary(p, &s, pool, &h), "no_protection=clear;");
}

static char *
write_file(const char *text)
{
    static char path[64];
    snprintf(path, sizeof(path), "/tmp/zs-policy-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static void
test_policy_file(struct rep_pool *pool)
{
    struct policy p;
    struct zert_summary s;
    struct hits h;
    char err[256];

    /* a policy that only cares about TLS versions, TLS 1.2 included, and clear text as low */
    char *path = write_file("# site policy\n"
                            "defaults = off\n"
                            "tls.version = medium SSL*, TLSv1.0, TLSv1.1, TLSv1.2   # all but 1.3\n"
                            "no_protection = low\n");
    CHECK(path != NULL);
    CHECK_EQ_INT(policy_init(&p), 0);
    CHECK_EQ_INT(policy_load(&p, path, err, sizeof(err)), 0);
    tls_summary(&s, 0x0303, 0x0005, "RC4-128", "HMAC-SHA1", "RSA");
    CHECK_EQ_STR(eval_summary(&p, &s, pool, &h), "tls.version=TLSv1.2;");
    CHECK_EQ_INT(p.rules[0].severity, POLICY_LOW);
    CHECK_EQ_INT(p.rules[1].severity, POLICY_MEDIUM);

    /* printed, it loads back to the same policy */
    char *printed = NULL;
    size_t plen = 0;
    FILE *mem = open_memstream(&printed, &plen);
    CHECK_EQ_INT(policy_print(&p, mem), 0);
    fclose(mem);
    char *path2 = strdup(write_file(printed));
    struct policy q;
    CHECK_EQ_INT(policy_init(&q), 0);
    CHECK_EQ_INT(policy_load(&q, path2, err, sizeof(err)), 0);
    for (int i = 0; i < POLICY_NRULES; i++) {
        CHECK_EQ_INT(q.rules[i].enabled, p.rules[i].enabled);
        CHECK_EQ_INT(q.rules[i].severity, p.rules[i].severity);
        if (!p.rules[i].enabled)
            continue; /* an off rule's values are not printed */
        CHECK_EQ_INT(q.rules[i].nvalues, p.rules[i].nvalues);
        for (size_t k = 0; k < q.rules[i].nvalues && k < p.rules[i].nvalues; k++)
            CHECK_EQ_STR(q.rules[i].values[k], p.rules[i].values[k]);
    }
    policy_fini(&q);
    free(printed);
    unlink(path2);
    free(path2);
    policy_fini(&p);
    unlink(path);

    /* the built-in policy printed and loaded is the built-in policy */
    CHECK_EQ_INT(policy_init(&p), 0);
    mem = open_memstream(&printed, &plen);
    policy_print(&p, mem);
    fclose(mem);
    path = write_file(printed);
    CHECK_EQ_INT(policy_init(&q), 0);
    CHECK_EQ_INT(policy_load(&q, path, err, sizeof(err)), 0);
    for (int i = 0; i < POLICY_NRULES; i++) {
        CHECK_EQ_INT(q.rules[i].nvalues, p.rules[i].nvalues);
        CHECK_EQ_INT(q.rules[i].severity, p.rules[i].severity);
    }
    unlink(path);
    free(printed);
    policy_fini(&q);

    /* changing one rule keeps the others; a rule can be switched off; values can be kept */
    path = write_file("key.rsa_min_bits = medium 3072\ncert.sig = off\ntls.cipher = low\n");
    CHECK_EQ_INT(policy_load(&p, path, err, sizeof(err)), 0);
    tls_summary(&s, 0x0303, 0x0005, "RC4-128", "HMAC-SHA1", "RSA");
    cert(&s.tls.server_cert, "RSA", 2048, "sha1WithRSAEncryption", "SHA1");
    CHECK_EQ_STR(eval_summary(&p, &s, pool, &h),
                 "tls.cipher=TLS_RSA_WITH_RC4_128_SHA;key.rsa_min_bits=RSA 2048;");
    CHECK_EQ_INT(p.rules[2].severity, POLICY_LOW);
    unlink(path);
    policy_fini(&p);

    /* errors name the file and line */
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"tls.versions = high SSLv3\n", ":1: unknown rule \"tls.versions\""},
        {"\n\ntls.version = severe SSLv3\n", ":3: tls.version: severity is high"},
        {"key.rsa_min_bits = high 2048, 4096\n", ":1: key.rsa_min_bits takes one number"},
        {"ike.dh_group = high 1, two\n", ":1: ike.dh_group: \"two\" is not a number"},
        {"no_protection = high yes\n", ":1: no_protection takes no values"},
        {"tls.version = high\ndefaults = off\n", ":2: \"defaults\" must come before any rule"},
        {"tls.version high\n", ":1: expected \"rule = severity values\""},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_EQ_INT(policy_init(&p), 0);
        path = write_file(bad[i].text);
        CHECK_EQ_INT(policy_load(&p, path, err, sizeof(err)), -1);
        CHECK(strstr(err, bad[i].want) != NULL);
        if (!strstr(err, bad[i].want))
            fprintf(stderr, "  got: %s\n", err);
        unlink(path);
        policy_fini(&p);
    }
    CHECK_EQ_INT(policy_init(&p), 0);
    CHECK_EQ_INT(policy_load(&p, "/nonexistent/policy", err, sizeof(err)), -1);
    policy_fini(&p);
}

int
main(void)
{
    struct policy p;
    struct rep_pool pool;
    rep_pool_init(&pool);
    CHECK_EQ_INT(policy_init(&p), 0);
    test_tls(&p, &pool);
    test_ssh(&p, &pool);
    test_ipsec(&p, &pool);
    test_clear(&p, &pool);
    policy_fini(&p);
    test_policy_file(&pool);
    rep_pool_fini(&pool);
    return check_report();
}
