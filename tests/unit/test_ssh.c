/* test_ssh.c - SSH dissector: §7.1 negotiation, banners, fingerprints, whole exchanges. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "../../dissectors/ssh.h"
#include "../../emit/emit_obs.h"
#include "check.h"

/* ------------------------------------------------------------- negotiation */

struct neg_case {
    const char *client;
    bool client_cut;
    const char *server;
    bool server_cut;
    bool kex;
    enum ssh_neg_result want;
    const char *name;
};

static const char long_name[] = "a-name-that-is-longer-than-sixty-four-characters-which-rfc-4251-"
                                "forbids@example.com";

static void
test_negotiate(void)
{
    static const struct neg_case cases[] = {
        /* the client's order decides, not the server's */
        {"aes128-ctr,aes256-ctr,aes192-ctr", false, "aes192-ctr,aes256-ctr", false, false,
         SSH_NEG_FOUND, "aes256-ctr"},
        {"curve25519-sha256", false, "curve25519-sha256", false, true, SSH_NEG_FOUND,
         "curve25519-sha256"},
        /* pseudo-algorithms are skipped in the kex list, even when both sides list them */
        {"ext-info-c,kex-strict-c-v00@openssh.com,mlkem768x25519-sha256,curve25519-sha256", false,
         "ext-info-c,kex-strict-c-v00@openssh.com,curve25519-sha256,mlkem768x25519-sha256", false,
         true, SSH_NEG_FOUND, "mlkem768x25519-sha256"},
        {"kex-strict-s-v00@openssh.com,ext-info-s", false,
         "kex-strict-s-v00@openssh.com,ext-info-s", false, true, SSH_NEG_NONE, ""},
        {"sntrup761x25519-sha512@openssh.com,curve25519-sha256,ext-info-c", false,
         "curve25519-sha256,sntrup761x25519-sha512@openssh.com,kex-strict-s-v00@openssh.com", false,
         true, SSH_NEG_FOUND, "sntrup761x25519-sha512@openssh.com"},
        /* ... but only in the kex list */
        {"ext-info-c", false, "ext-info-c", false, false, SSH_NEG_FOUND, "ext-info-c"},
        /* no algorithm in common */
        {"aes128-ctr", false, "aes256-ctr", false, false, SSH_NEG_NONE, ""},
        {"", false, "aes256-ctr", false, false, SSH_NEG_NONE, ""},
        {"aes256-ctr", false, "", false, false, SSH_NEG_NONE, ""},
        /* names are case-sensitive */
        {"AES128-CTR", false, "aes128-ctr", false, false, SSH_NEG_NONE, ""},
        /* empty names and a trailing comma are ignored */
        {"a,,b,", false, "b", false, false, SSH_NEG_FOUND, "b"},
        /* a cut client list: a hit in the kept part is still right, a miss is unknown */
        {"a,b", true, "b", false, false, SSH_NEG_FOUND, "b"},
        {"a,b", true, "c", false, false, SSH_NEG_UNKNOWN, ""},
        /* a cut server list: a miss may be in the part we lack */
        {"a,b", false, "b", true, false, SSH_NEG_UNKNOWN, ""},
        {"a,b", false, "a", true, false, SSH_NEG_FOUND, "a"},
        /* a name longer than 64 characters never matches */
        {long_name, false, long_name, false, false, SSH_NEG_NONE, ""},
        {"none", false, "zlib@openssh.com,none", false, false, SSH_NEG_FOUND, "none"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct neg_case *t = &cases[i];
        char out[SSH_NAME_MAX + 1];
        enum ssh_neg_result r = ssh_negotiate_names(
            cur_init((const uint8_t *)t->client, strlen(t->client)), t->client_cut,
            cur_init((const uint8_t *)t->server, strlen(t->server)), t->server_cut, t->kex, out);
        CHECK_EQ_INT(r, t->want);
        if (r == SSH_NEG_FOUND)
            CHECK_EQ_STR(out, t->name);
        if (r != t->want)
            fprintf(stderr, "  case %zu\n", i);
    }
}

static void
test_predicates(void)
{
    CHECK(ssh_cipher_is_aead("chacha20-poly1305@openssh.com"));
    CHECK(ssh_cipher_is_aead("aes256-gcm@openssh.com"));
    CHECK(ssh_cipher_is_aead("aes128-gcm@openssh.com"));
    CHECK(!ssh_cipher_is_aead("aes128-ctr"));
    CHECK(!ssh_cipher_is_aead("AEAD_AES_128_GCM")); /* RFC 5647: its MAC is negotiated */
    CHECK(ssh_kex_is_pq("mlkem768x25519-sha256"));
    CHECK(ssh_kex_is_pq("sntrup761x25519-sha512@openssh.com"));
    CHECK(ssh_kex_is_pq("sntrup761x25519-sha512"));
    CHECK(!ssh_kex_is_pq("curve25519-sha256"));
    CHECK(ssh_kex_is_pseudo("kex-strict-c-v00@openssh.com"));
    CHECK(ssh_kex_is_pseudo("ext-info-s"));
    CHECK(!ssh_kex_is_pseudo("curve25519-sha256"));
}

/* ------------------------------------------------------------- identification */

static void
test_banner_version(void)
{
    static const struct {
        const char *line;
        bool ok;
        const char *version;
    } cases[] = {
        {"SSH-2.0-OpenSSH_9.7", true, "2.0"},
        {"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u5", true, "2.0"},
        {"SSH-1.99-OpenSSH_3.9p1", true, "1.99"},
        {"SSH-1.5-OpenSSH_6.6", true, "1.5"},
        {"SSH-2.0-", false, ""}, /* softwareversion is not optional */
        {"SSH-2.0", false, ""},
        {"SSH--OpenSSH", false, ""},
        {"SSH-x.y-OpenSSH", false, ""},
        {"SSH-2.0 OpenSSH", false, ""},
        {"ssh-2.0-OpenSSH", false, ""},
        {"SSH-12345678901234567-long", false, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char v[16];
        bool ok = ssh_banner_version(cases[i].line, strlen(cases[i].line), v, sizeof(v));
        CHECK_EQ_INT(ok, cases[i].ok);
        CHECK_EQ_STR(v, cases[i].version);
    }
}

static void
test_probe(void)
{
    const struct stream_dissector *d = &ssh_dissector;
    static const struct {
        const char *bytes;
        int dir;
        enum probe_verdict want;
    } cases[] = {
        {"SSH-2.0-OpenSSH_9.7\r\n", DIR_C2S, PROBE_YES},
        {"SSH-", DIR_S2C, PROBE_YES},
        {"SS", DIR_C2S, PROBE_MAYBE},
        {"S", DIR_S2C, PROBE_MAYBE},
        {"SSX", DIR_C2S, PROBE_NO},
        {"\x16\x03\x01\x02\x00\x01", DIR_C2S, PROBE_NO}, /* TLS */
        {"GET / HTTP/1.1\r\n", DIR_C2S, PROBE_NO},
        {"HTTP/1.1 200 OK\r\n\r\nSSH-2.0-x\r\n", DIR_S2C, PROBE_NO},
        /* a server may send lines before its identification; a client may not */
        {"Welcome\r\n  to the host\nSSH-2.0-OpenSSH_9.2\r\n", DIR_S2C, PROBE_YES},
        {"Welcome\r\nSSH-2.0-OpenSSH_9.2\r\n", DIR_C2S, PROBE_NO},
        {"Welcome\r\nSS", DIR_S2C, PROBE_MAYBE},
        {"220 mail.example ESMTP\r\n", DIR_S2C, PROBE_NO},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum probe_verdict v =
            d->probe((const uint8_t *)cases[i].bytes, strlen(cases[i].bytes), cases[i].dir);
        CHECK_EQ_INT(v, cases[i].want);
        if (v != cases[i].want)
            fprintf(stderr, "  case %zu\n", i);
    }
}

/* ------------------------------------------------------------- host keys */

/* Base64 to bytes (EVP_DecodeBlock keeps padding as zero bytes: drop them). */
static size_t
b64_decode(const char *b64, uint8_t *out)
{
    size_t n = strlen(b64);
    int len = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)n);
    while (n && b64[n - 1] == '=') {
        n--;
        len--;
    }
    return len < 0 ? 0 : (size_t)len;
}

/* Keys made with ssh-keygen; expected values from `ssh-keygen -lf` and `ssh-keygen -E md5 -lf`. */
static const struct {
    const char *b64;
    const char *sha256;
    const char *md5;
    const char *type;
    uint32_t bits;
} known_keys[] = {
    {"AAAAC3NzaC1lZDI1NTE5AAAAIHz/9DzdBHvrMmq+nJ42yjs2yyavE5zM7I7lV6JRqQBA",
     "SHA256:Gmml3O9E9QHxlsPfSt7SaP2+CMnwAWb4EIPdDXWzMMA",
     "d1:54:97:76:8b:dd:a0:93:67:f8:0a:a9:ee:55:64:ba", "ssh-ed25519", 256},
    {"AAAAB3NzaC1yc2EAAAADAQABAAAAgQDvTY/TG7NIWaDGQiG1s/9tn1Tf7lUZ/qjNnc/SmhcTwL7Al4xevW+m+d3vsyx"
     "nQ531Fln5LmGeQE62yblFitMLJXXSkFOt6tFCCThjaJ557qggjNFv2ITb/IgVLOkgTwJTsVmhOMV27mrOQ3CdQhBh7N"
     "V3KRkes3+P1FxgjjwReQ==",
     "SHA256:SrbWE0fa5g7NHPuxa3u+swP3jkS9R8IY/cN8GDAkONw",
     "35:8b:c4:79:04:a7:dc:cf:f5:f5:cb:55:da:53:bf:27", "ssh-rsa", 1024},
    {"AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBPeb2l7v1HOVVwuhdwNAVjpmMVlJX3/tv2VZbV1"
     "xTCP0ZwlbgWn5MjkD/YzRAuA/2ywYoZq9/+WSAuHLZFXzqldOVLB67Nr15zGuE4Ud2/"
     "54dqOrLZoigwMJpe+ZqSKKsw==",
     "SHA256:fMuYgaPEyzJMdJm/rxitM4ZaHXFC/+DPylLtTq1CsaE",
     "97:12:97:0f:ac:ac:a3:66:8f:51:40:1e:5c:17:ab:03", "ecdsa-sha2-nistp384", 384},
};

static void
test_fingerprints(void)
{
    for (size_t i = 0; i < sizeof(known_keys) / sizeof(known_keys[0]); i++) {
        uint8_t blob[512];
        size_t n = b64_decode(known_keys[i].b64, blob);
        char fp[SSH_FP_SHA256_LEN], md5[SSH_FP_MD5_LEN];
        ssh_fingerprint_sha256(blob, n, fp);
        ssh_fingerprint_md5(blob, n, md5);
        CHECK_EQ_STR(fp, known_keys[i].sha256);
        CHECK_EQ_STR(md5, known_keys[i].md5);
        struct ssh_hostkey_info hk;
        CHECK(ssh_parse_hostkey(cur_init(blob, n), &hk));
        CHECK_EQ_STR(hk.type, known_keys[i].type);
        CHECK_EQ_INT(hk.bits, known_keys[i].bits);
        CHECK(!hk.cert);
        /* a truncated blob does not parse */
        CHECK(!ssh_parse_hostkey(cur_init(blob, n - 1), &hk));
    }
    /* an unknown key type does not parse */
    static const uint8_t odd[] = {0, 0, 0, 3, 'f', 'o', 'o', 0, 0, 0, 0};
    struct ssh_hostkey_info hk;
    CHECK(!ssh_parse_hostkey(cur_init(odd, sizeof(odd)), &hk));
}

/* ------------------------------------------------------------- whole exchanges */

struct buf {
    uint8_t b[8192];
    size_t n;
};

static void
put(struct buf *b, const void *p, size_t n)
{
    memcpy(b->b + b->n, p, n);
    b->n += n;
}

static void
put32(struct buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(b, x, 4);
}

static void
put_str(struct buf *b, const char *s)
{
    put32(b, (uint32_t)strlen(s));
    put(b, s, strlen(s));
}

/* An SSH-2 binary packet around `payload` (block size 8, at least 4 bytes of padding). */
static void
put_packet(struct buf *b, const struct buf *payload)
{
    size_t pad = 8 - (5 + payload->n) % 8;
    if (pad < 4)
        pad += 8;
    put32(b, (uint32_t)(1 + payload->n + pad));
    uint8_t p = (uint8_t)pad;
    put(b, &p, 1);
    put(b, payload->b, payload->n);
    static const uint8_t zeros[16];
    put(b, zeros, pad);
}

static void
put_kexinit(struct buf *b, const char *kex, const char *hostkey, const char *enc, const char *mac,
            const char *comp, bool follows)
{
    struct buf p = {.n = 0};
    uint8_t t = 20;
    put(&p, &t, 1);
    static const uint8_t cookie[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    put(&p, cookie, 16);
    put_str(&p, kex);
    put_str(&p, hostkey);
    put_str(&p, enc);
    put_str(&p, enc);
    put_str(&p, mac);
    put_str(&p, mac);
    put_str(&p, comp);
    put_str(&p, comp);
    put_str(&p, "");
    put_str(&p, "");
    uint8_t f = follows;
    put(&p, &f, 1);
    put32(&p, 0);
    put_packet(b, &p);
}

static void
put_msg(struct buf *b, uint8_t type, const uint8_t *body, size_t n)
{
    struct buf p = {.n = 0};
    put(&p, &type, 1);
    if (n)
        put(&p, body, n);
    put_packet(b, &p);
}

/* SSH_MSG_KEX_ECDH_REPLY: K_S, Q_S, signature. */
static void
put_reply(struct buf *b, uint8_t type, const uint8_t *blob, size_t n)
{
    struct buf p = {.n = 0};
    put(&p, &type, 1);
    put32(&p, (uint32_t)n);
    put(&p, blob, n);
    put_str(&p, "QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ");
    put_str(&p, "signature");
    put_packet(b, &p);
}

/* Feed a stream `step` bytes at a time, buffering what was not consumed as sensor/app.c does. */
static enum dissect_status
feed(void *st, int dir, const struct buf *s, size_t step)
{
    uint8_t pend[8192];
    size_t have = 0, off = 0;
    while (off < s->n) {
        size_t n = s->n - off < step ? s->n - off : step;
        memcpy(pend + have, s->b + off, n);
        have += n;
        off += n;
        struct dissect_result r = ssh_dissector.on_data(st, dir, pend, have, 0);
        if (r.status == DISSECT_DONE || r.status == DISSECT_BAD)
            return r.status;
        memmove(pend, pend + r.consumed, have - r.consumed);
        have -= r.consumed;
    }
    return DISSECT_OK;
}

/* The observation block as JSON, a NUL-terminated string (caller frees). */
static char *
to_json(void *st)
{
    static struct obs_proto p;
    p.kind = OBS_NONE;
    ssh_dissector.fill_observation(st, &p);
    struct json_writer w;
    jw_init(&w);
    emit_obs_build_object(&w, &p);
    char *s = malloc(w.len + 1);
    memcpy(s, w.buf, w.len);
    s[w.len] = '\0';
    jw_fini(&w);
    return s;
}

static void
check_has(const char *json, const char *want)
{
    check_count++;
    if (!strstr(json, want)) {
        check_failures++;
        fprintf(stderr, "missing %s in\n  %s\n", want, json);
    }
}

static void
test_exchange(size_t step)
{
    uint8_t key[512];
    size_t keylen = b64_decode(known_keys[0].b64, key);
    struct buf c = {.n = 0}, s = {.n = 0};
    /* a CR-less client line; server lines before a 1.99 identification */
    put(&c, "SSH-2.0-Test_1.0\n", 17);
    put(&s, "Hello\r\nthere\n", 13);
    put(&s, "SSH-1.99-Srv_2.0 comment\r\n", 26);
    put_kexinit(&c,
                "mlkem768x25519-sha256,curve25519-sha256,ext-info-c,kex-strict-c-v00@openssh.com",
                "ssh-ed25519,rsa-sha2-512", "chacha20-poly1305@openssh.com,aes128-ctr",
                "hmac-sha2-256", "none,zlib@openssh.com", false);
    put_kexinit(&s, "curve25519-sha256,mlkem768x25519-sha256,kex-strict-s-v00@openssh.com",
                "rsa-sha2-512,ssh-ed25519", "aes128-ctr,chacha20-poly1305@openssh.com",
                "hmac-sha1,hmac-sha2-256", "zlib@openssh.com,none", false);
    static const uint8_t init[] = {0, 0, 0, 4, 'Q', 'Q', 'Q', 'Q'};
    put_msg(&c, 30, init, sizeof(init));
    put_reply(&s, 31, key, keylen);
    put_msg(&s, 21, NULL, 0);
    put_msg(&c, 21, NULL, 0);
    put(&c, "encrypted bytes follow", 22);
    put(&s, "encrypted bytes follow", 22);

    void *st = ssh_dissector.state_new();
    /* interleave: client line, server lines, then the rest */
    CHECK_EQ_INT(feed(st, DIR_C2S, &c, step), DISSECT_DONE);
    CHECK_EQ_INT(feed(st, DIR_S2C, &s, step), DISSECT_DONE);
    ssh_dissector.on_end(st, 0);
    char *j = to_json(st);
    check_has(j, "\"version\":\"2.0\"");
    check_has(j, "\"client_banner\":\"SSH-2.0-Test_1.0\"");
    check_has(j, "\"server_banner\":\"SSH-1.99-Srv_2.0 comment\"");
    check_has(j, "\"kex\":\"mlkem768x25519-sha256\"");
    check_has(j, "\"hostkey\":\"ssh-ed25519\"");
    check_has(j, "\"enc_c2s\":\"chacha20-poly1305@openssh.com\"");
    check_has(j, "\"mac_c2s\":null");
    check_has(j, "\"mac_implicit_c2s\":true");
    check_has(j, "\"comp_c2s\":\"none\"");
    check_has(j, "\"hostkey_bits\":256");
    check_has(
        j, "\"hostkey_fingerprint_sha256\":\"SHA256:Gmml3O9E9QHxlsPfSt7SaP2+CMnwAWb4EIPdDXWzMMA\"");
    check_has(j, "\"kex_pq\":true");
    check_has(j, "\"strict_kex\":true");
    check_has(j, "\"roles_reversed\":false");
    check_has(j, "\"established\":true");
    check_has(j, "\"rekey_observable\":false");
    free(j);
    struct observation_facts o = {.handshake_first = true};
    ssh_dissector.get_observation(st, &o);
    CHECK(o.established);
    CHECK(!o.failed);
    CHECK(!o.incomplete);
    CHECK(o.handshake_first);
    ssh_dissector.state_free(st);
}

/* The server disconnects in clear before NEWKEYS: failed; MACs in common are reported. */
static void
test_disconnect(void)
{
    struct buf c = {.n = 0}, s = {.n = 0};
    put(&c, "SSH-2.0-Test_1.0\r\n", 18);
    put(&s, "SSH-2.0-Srv\r\n", 13);
    put_kexinit(&c, "diffie-hellman-group1-sha1", "ssh-dss", "3des-cbc", "hmac-sha1", "none", true);
    put_kexinit(&s, "curve25519-sha256", "ssh-ed25519", "aes128-ctr", "hmac-sha1", "none", false);
    struct buf body = {.n = 0};
    put32(&body, 3); /* key_exchange_failed */
    put_str(&body, "no matching key exchange method found");
    put_str(&body, "");
    put_msg(&s, 1, body.b, body.n);
    void *st = ssh_dissector.state_new();
    CHECK_EQ_INT(feed(st, DIR_C2S, &c, c.n), DISSECT_OK);
    CHECK_EQ_INT(feed(st, DIR_S2C, &s, s.n), DISSECT_DONE);
    char *j = to_json(st);
    check_has(j, "\"kex\":null");
    check_has(j, "\"enc_c2s\":null");
    check_has(j, "\"mac_c2s\":\"hmac-sha1\"");
    check_has(j, "\"no_common_algorithm\":\"kex\"");
    check_has(j, "\"first_kex_packet_follows\":\"client\"");
    check_has(j, "\"disconnect_reason\":\"key_exchange_failed\"");
    check_has(j, "\"strict_kex\":false");
    check_has(j, "\"established\":false");
    free(j);
    struct observation_facts o = {.handshake_first = true};
    ssh_dissector.get_observation(st, &o);
    CHECK(!o.established);
    CHECK(o.failed);
    CHECK(o.early_close);
    ssh_dissector.state_free(st);
}

/* A gap in the server's stream before its KEXINIT: incomplete, never a guess. */
static void
test_gap(void)
{
    struct buf c = {.n = 0}, s = {.n = 0};
    put(&c, "SSH-2.0-Test_1.0\r\n", 18);
    put(&s, "SSH-2.0-Srv\r\n", 13);
    put_kexinit(&c, "curve25519-sha256", "ssh-ed25519", "aes128-ctr", "hmac-sha1", "none", false);
    void *st = ssh_dissector.state_new();
    feed(st, DIR_C2S, &c, c.n);
    feed(st, DIR_S2C, &s, s.n);
    ssh_dissector.on_gap(st, DIR_S2C, 100);
    struct buf more = {.n = 0};
    put_kexinit(&more, "curve25519-sha256", "ssh-ed25519", "aes128-ctr", "hmac-sha1", "none",
                false);
    CHECK_EQ_INT(feed(st, DIR_S2C, &more, more.n), DISSECT_DONE);
    char *j = to_json(st);
    check_has(j, "\"kex\":null");
    free(j);
    struct observation_facts o = {.handshake_first = true};
    ssh_dissector.get_observation(st, &o);
    CHECK(o.incomplete);
    CHECK_EQ_STR(o.incomplete_why, "gap in server stream");
    ssh_dissector.state_free(st);
}

/* SSHv1: the server's public key and the client's cipher choice are in clear. */
static void
test_ssh1(void)
{
    struct buf c = {.n = 0}, s = {.n = 0};
    put(&c, "SSH-1.5-Cli\n", 12);
    put(&s, "SSH-1.99-Srv\n", 13);
    struct buf d = {.n = 0};
    uint8_t t = 2;
    put(&d, &t, 1);
    put(&d, "cookie!!", 8);
    put32(&d, 768);
    uint8_t mp[] = {0, 8, 0x11}; /* a 8-bit "exponent" */
    put(&d, mp, 3);
    uint8_t mod[2 + 96] = {3, 0}; /* 768-bit modulus */
    mod[2] = 0x80;
    put(&d, mod, sizeof(mod));
    put32(&d, 1024);
    put(&d, mp, 3);
    uint8_t hmod[2 + 128] = {4, 0};
    hmod[2] = 0x80;
    put(&d, hmod, sizeof(hmod));
    put32(&d, 2);                     /* protocol flags */
    put32(&d, (1u << 3) | (1u << 6)); /* 3des, blowfish */
    put32(&d, (1u << 2) | (1u << 3)); /* rsa, password */
    /* v1 packet: length = type + data + crc, padding 8 - length % 8 */
    uint32_t len = (uint32_t)d.n + 4;
    put32(&s, len);
    static const uint8_t zeros[8];
    put(&s, zeros, 8 - len % 8);
    put(&s, d.b, d.n);
    put32(&s, 0); /* CRC (not checked) */
    struct buf k = {.n = 0};
    t = 3;
    put(&k, &t, 1);
    uint8_t cipher = 3;
    put(&k, &cipher, 1);
    put(&k, "cookie!!", 8);
    put(&k, mp, 3);
    put32(&k, 2);
    len = (uint32_t)k.n + 4;
    put32(&c, len);
    put(&c, zeros, 8 - len % 8);
    put(&c, k.b, k.n);
    put32(&c, 0);
    void *st = ssh_dissector.state_new();
    CHECK_EQ_INT(feed(st, DIR_S2C, &s, 5), DISSECT_DONE);
    CHECK_EQ_INT(feed(st, DIR_C2S, &c, 3), DISSECT_DONE);
    char *j = to_json(st);
    check_has(j, "\"version\":\"1.5\"");
    check_has(j, "\"enc_c2s\":\"3des\"");
    check_has(j, "\"hostkey_type\":\"rsa1\"");
    check_has(j, "\"hostkey_bits\":1024");
    check_has(j, "\"server_key_bits\":768");
    check_has(j, "\"ciphers\":[\"3des\",\"blowfish\"]");
    check_has(j, "\"auths\":[\"rsa\",\"password\"]");
    free(j);
    ssh_dissector.state_free(st);
}

int
main(void)
{
    test_negotiate();
    test_predicates();
    test_banner_version();
    test_probe();
    test_fingerprints();
    test_exchange(100000); /* whole streams */
    test_exchange(1);      /* one byte at a time: every DISSECT_NEED path */
    test_exchange(7);
    test_disconnect();
    test_gap();
    test_ssh1();
    return check_report();
}
