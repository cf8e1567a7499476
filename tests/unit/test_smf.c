/* test_smf.c - SMF 119 zERT records: byte offsets as written, zertdump round trips, bad input. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "../../emit/ebcdic.h"
#include "../../emit/emit_json.h"
#include "../../emit/emit_smf.h"
#include "../../emit/smf_codes.h"
#include "../../emit/smf_reader.h"
#include "../../emit/tls_version.h"
#include "../../emit/zertdump.h"
#include "../../emit/tls_tables.h"

/*
 * The layout checks read the written bytes with the helpers below (not with
 * the reader), at the offsets of smf119-zert.md: a writer bug and a reader
 * bug that agree cannot hide each other.
 */
static unsigned
be16(const uint8_t *p, size_t off)
{
    return (unsigned)p[off] << 8 | p[off + 1];
}

static uint32_t
be32(const uint8_t *p, size_t off)
{
    return (uint32_t)be16(p, off) << 16 | be16(p, off + 2);
}

static uint64_t
be64(const uint8_t *p, size_t off)
{
    return (uint64_t)be32(p, off) << 32 | be32(p, off + 4);
}

/* EBCDIC field text, blank padded, as bytes to compare. */
static void
ebc(uint8_t *dst, size_t width, const char *s)
{
    ebcdic_put_field(dst, width, s);
}

#define CHECK_EBCDIC(rec, off, width, text)                                                        \
    do {                                                                                           \
        uint8_t want_[64];                                                                         \
        ebc(want_, (width), (text));                                                               \
        CHECK_MEM((rec) + (off), want_, (width));                                                  \
    } while (0)

/* 2025-02-01 is day 032. */
#define T_2025_02_01 1738368000ULL /* 00:00:00 UTC, seconds */
#define US(s)        ((uint64_t)(s)*1000000ULL)

static void
ip4(struct zert_endpoint *e, const char *ip, uint16_t port)
{
    e->family = 4;
    inet_pton(AF_INET, ip, e->ip);
    e->port = port;
}

static void
ip6(struct zert_endpoint *e, const char *ip, uint16_t port)
{
    e->family = 6;
    inet_pton(AF_INET6, ip, e->ip);
    e->port = port;
}

static void
base_detail(struct zert_detail *d, enum zert_detail_event ev)
{
    memset(d, 0, sizeof(*d));
    d->event = ev;
    d->time_us = US(T_2025_02_01 + 12 * 3600) + 500000; /* 12:00:00.50 */
    ZERT_STR_SET(d, d->sensor.system, "SYS1");
    ZERT_STR_SET(d, d->sensor.sysplex, "PLEX1");
    ZERT_STR_SET(d, d->sensor.stack, "TCPIP");
    d->ip_proto = 6;
    ip4(&d->local, "10.1.1.2", 443);
    ip4(&d->remote, "192.0.2.7", 50123);
    d->role = ZERT_ROLE_SERVER;
    d->conn_id = 0x1234;
    d->start_us = US(T_2025_02_01 + 11 * 3600 + 59 * 60 + 50) + 250000; /* 11:59:50.25 */
    d->bytes_in = 0x0102030405ULL;
    d->bytes_out = 7000;
    d->segs_in = 12;
    d->segs_out = 0x1122334455667788ULL;
    ZERT_STR_SET(d, d->job, "WEBSRV");
    ZERT_STR_SET(d, d->user, "WEBUSR");
    d->obs.present = true;
    ZERT_STR_SET(d, d->obs.source, "observation");
    d->obs.handshake_first = ZERT_TRI_TRUE;
    d->obs.midstream = ZERT_TRI_FALSE;
    d->obs.rehandshake_suspected = ZERT_TRI_FALSE;
    zert_num_set(&d->obs.encrypted_handshake_records, 0);
    d->obs.early_close = ZERT_TRI_FALSE;
    zert_num_set(&d->obs.gaps, 0);
    d->obs.incomplete = ZERT_TRI_FALSE;
}

static void
make_tls12(struct zert_detail *d)
{
    static const uint8_t sid[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
    static const uint8_t serial[9] = {0x00, 0x9a, 0xbc, 0xde, 0xf0, 0x11, 0x22, 0x33, 0x44};
    base_detail(d, ZERT_EV_INIT);
    d->protection = ZERT_PROT_TLS;
    struct zert_tls *t = &d->tls;
    t->present = true;
    ZERT_STR_SET(d, t->version, "TLSv1.2");
    zert_num_set(&t->version_code, 0x0303);
    zert_num_set(&t->cipher_suite, 0xC02F);
    ZERT_STR_SET(d, t->cipher_name, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    ZERT_STR_SET(d, t->kex, "ECDHE");
    ZERT_STR_SET(d, t->auth, "RSA");
    zert_num_set(&t->group, 23);
    ZERT_STR_SET(d, t->group_name, "secp256r1");
    ZERT_STR_SET(d, t->enc, "AES-128-GCM");
    ZERT_STR_SET(d, t->mac, "AEAD");
    t->handshake = ZERT_HS_FULL;
    t->hello_retry = ZERT_TRI_FALSE;
    ZERT_STR_SET(d, t->sni, "www.example.com");
    ZERT_STR_SET(d, t->alpn, "http/1.1");
    zert_bytes_set(&t->session_id, sid, sizeof(sid), 32, &d->truncated);
    t->server_cert.present = true;
    ZERT_STR_SET(d, t->server_cert.key_type, "RSA");
    zert_num_set(&t->server_cert.key_bits, 2048);
    ZERT_STR_SET(d, t->server_cert.sig_alg, "sha256WithRSAEncryption");
    ZERT_STR_SET(d, t->server_cert.digest, "SHA256");
    zert_bytes_set(&t->server_cert.serial, serial, sizeof(serial), ZERT_SERIAL_MAX, NULL);
    zert_num_set(&t->server_cert.not_after, 1798761599); /* 2026-12-31T23:59:59Z */
    ZERT_STR_SET(d, t->server_cert.subject, "CN=www.example.com,O=Example Corp,C=US");
    ZERT_STR_SET(d, t->server_cert.issuer, "CN=Example CA [test],O=Example,C=US");
}

static void
make_tls13(struct zert_detail *d)
{
    base_detail(d, ZERT_EV_TERM);
    d->role = ZERT_ROLE_CLIENT;
    ip4(&d->local, "10.1.1.2", 40001);
    ip4(&d->remote, "198.51.100.9", 8443);
    d->end_us = US(T_2025_02_01 + 13 * 3600) + 990000;
    d->protection = ZERT_PROT_TLS;
    struct zert_tls *t = &d->tls;
    t->present = true;
    ZERT_STR_SET(d, t->version, "TLSv1.3");
    zert_num_set(&t->version_code, 0x0304);
    zert_num_set(&t->cipher_suite, 0x1302);
    ZERT_STR_SET(d, t->cipher_name, "TLS_AES_256_GCM_SHA384");
    ZERT_STR_SET(d, t->kex, "ECDHE");
    zert_num_set(&t->group, 4588);
    ZERT_STR_SET(d, t->group_name, "X25519MLKEM768");
    ZERT_STR_SET(d, t->enc, "AES-256-GCM");
    ZERT_STR_SET(d, t->mac, "AEAD");
    t->handshake = ZERT_HS_FULL;
    t->hello_retry = ZERT_TRI_TRUE;
    d->obs.early_close = ZERT_TRI_TRUE;
}

static void
make_ssh(struct zert_detail *d)
{
    static const uint8_t fp[32] = {0xde, 0xad, 0xbe, 0xef, 1,  2,  3,  4,  5,  6,  7,
                                   8,    9,    10,   11,   12, 13, 14, 15, 16, 17, 18,
                                   19,   20,   21,   22,   23, 24, 25, 26, 27, 28};
    base_detail(d, ZERT_EV_SHORT_TERM);
    ip4(&d->local, "10.1.1.2", 22);
    d->end_us = d->start_us + 3 * 1000000;
    d->protection = ZERT_PROT_SSH;
    struct zert_ssh *s = &d->ssh;
    s->present = true;
    ZERT_STR_SET(d, s->version, "2.0");
    ZERT_STR_SET(d, s->client_banner, "SSH-2.0-OpenSSH_9.6");
    ZERT_STR_SET(d, s->server_banner, "SSH-2.0-OpenSSH_8.9p1");
    ZERT_STR_SET(d, s->kex, "curve25519-sha256");
    ZERT_STR_SET(d, s->hostkey, "ssh-ed25519");
    ZERT_STR_SET(d, s->enc_c2s, "chacha20-poly1305@openssh.com");
    ZERT_STR_SET(d, s->enc_s2c, "aes128-ctr");
    ZERT_STR_SET(d, s->mac_s2c, "hmac-sha2-256-etm@openssh.com");
    ZERT_STR_SET(d, s->comp_c2s, "none");
    ZERT_STR_SET(d, s->comp_s2c, "none");
    zert_num_set(&s->hostkey_bits, 256);
    zert_bytes_set(&s->hostkey_fp, fp, sizeof(fp), 64, NULL);
}

static void
make_ikev2(struct zert_detail *d)
{
    base_detail(d, ZERT_EV_INIT);
    d->ip_proto = 17;
    d->role = ZERT_ROLE_PEER;
    ip4(&d->local, "10.1.1.2", 500);
    ip4(&d->remote, "203.0.113.5", 500);
    d->protection = ZERT_PROT_IPSEC;
    struct zert_ipsec *p = &d->ipsec;
    p->present = true;
    ZERT_STR_SET(d, p->ike_version, "2.0");
    ZERT_STR_SET(d, p->exchange, "ike_sa_init");
    zert_num_set(&p->spi_i, 0x0102030405060708ULL);
    zert_num_set(&p->spi_r, 0x1112131415161718ULL);
    ZERT_STR_SET(d, p->encr, "AES-CBC");
    zert_num_set(&p->key_bits, 256);
    ZERT_STR_SET(d, p->prf, "HMAC-SHA2-256");
    ZERT_STR_SET(d, p->integ, "HMAC-SHA2-256-128");
    zert_num_set(&p->dh_group, 19);
    ZERT_STR_SET(d, p->auth, "PSK");
    p->esp_spis[0] = 0xc0ffee01;
    p->esp_spis[1] = 0xc0ffee02;
    p->esp_spi_count = 2;
    p->nat_t = ZERT_TRI_FALSE;
    ZERT_STR_SET(d, p->child_sa, "unknown (encrypted negotiation)");
    p->tunnel_local = d->local;
    p->tunnel_local.port = 0;
    p->tunnel_remote = d->remote;
    p->tunnel_remote.port = 0;
    d->obs.handshake_first = ZERT_TRI_UNKNOWN;
}

static void
make_ee(struct zert_detail *d)
{
    base_detail(d, ZERT_EV_INIT);
    d->ip_proto = 17;
    d->role = ZERT_ROLE_PEER;
    ip6(&d->local, "2001:db8::2", 12000);
    ip6(&d->remote, "2001:db8::99", 12000);
    d->protection = 0;
    struct zert_ee *e = &d->ee;
    e->present = true;
    e->ports[0] = 12000;
    e->ports[1] = 12002;
    e->port_count = 2;
    e->saps[0][0] = 4;
    e->saps[0][1] = 8;
    e->sap_count = 1;
    zert_num_set(&e->rtp_pipes, 3);
    e->xid_seen = ZERT_TRI_TRUE;
    ZERT_STR_SET(d, d->job, "NET");
}

static void
make_summary(struct zert_summary *s, enum zert_summary_event ev)
{
    memset(s, 0, sizeof(*s));
    s->event = ev;
    s->time_us = US(T_2025_02_01 + 12 * 3600);
    ZERT_STR_SET(s, s->sensor.system, "SYS1");
    ZERT_STR_SET(s, s->sensor.sysplex, "PLEX1");
    ZERT_STR_SET(s, s->sensor.stack, "TCPIP");
    s->interval_start_us = US(T_2025_02_01 + 11 * 3600 + 45 * 60);
    s->interval_end_us = s->time_us;
    s->ip_proto = 6;
    s->role = ZERT_ROLE_SERVER;
    ip4(&s->server, "10.1.1.2", 21000);
    s->server_port_end = 21010;
    ip4(&s->client, "192.0.2.7", 0);
    s->client.port = 0;
    s->protocol = ZERT_PROT_TLS;
    ZERT_STR_SET(s, s->session_key, "T-0a010102-c0000207-21000-C02F");
    ZERT_STR_SET(s, s->job, "FTPD");
    ZERT_STR_SET(s, s->user, "*FTPUSR*");
    s->start = (struct zert_counters){10, 1, 2, 3, 1000, 2000, 30, 40};
    s->end = (struct zert_counters){15, 1, 4, 2, 0x100000000ULL, 2500, 35, 0xFFFFFFFFFFULL};
    if (ev != ZERT_SEV_INTERVAL)
        return;
    struct zert_tls *t = &s->tls;
    t->present = true;
    zert_num_set(&t->version_code, 0x0303);
    zert_num_set(&t->cipher_suite, 0xC02F);
    ZERT_STR_SET(s, t->kex, "ECDHE");
    ZERT_STR_SET(s, t->enc, "AES-128-GCM");
    ZERT_STR_SET(s, t->mac, "AEAD");
    t->server_cert.present = true;
    ZERT_STR_SET(s, t->server_cert.key_type, "EC");
    zert_num_set(&t->server_cert.key_bits, 256);
    ZERT_STR_SET(s, t->server_cert.sig_alg, "ecdsa-with-SHA384");
    ZERT_STR_SET(s, t->server_cert.digest, "SHA384");
    ZERT_STR_SET(s, t->server_cert.subject, "CN=ftp.example.com");
}

static struct emit_smf_conf conf;
static uint8_t rec[SMF_MAX_RECORD];

/* ---- layout: header, triplets, ID section --------------------------------------------------- */

static void
test_header_and_id(void)
{
    struct zert_detail d;
    char err[128];
    make_tls12(&d);
    CHECK_EQ_INT(emit_smf_tz_parse(&conf.tz, "+01:00", err, sizeof(err)), 0);
    size_t n = emit_smf_build_detail(&conf, &d, rec, sizeof(rec), NULL);
    CHECK(n > 0);
    CHECK_EQ_INT(be16(rec, 0), n);                /* SMF119LEN, RDW included */
    CHECK_EQ_INT(be16(rec, 2), 0);                /* SMF119SEG */
    CHECK_EQ_INT(rec[4], 0x5E);                   /* SMF119FLG */
    CHECK_EQ_INT(rec[5], 119);                    /* SMF119RTY */
    CHECK_EQ_INT(be32(rec, 6), 13 * 360000 + 50); /* 13:00:00.50 local (+01:00) */
    CHECK_EQ_INT(be32(rec, 10), 0x0125032F);      /* 2025 day 032 */
    CHECK_EBCDIC(rec, 14, 4, "SYS1");             /* SMF119SID */
    CHECK_EBCDIC(rec, 18, 4, "");                 /* SMF119SSI */
    CHECK_EQ_INT(be16(rec, 22), 11);              /* SMF119STY */
    CHECK_EQ_INT(be16(rec, 24), 7);               /* SMF119SD_TRN */
    CHECK_EQ_INT(be16(rec, 26), 0);
    CHECK_EQ_INT(be32(rec, 28), 84); /* ID: offset, length, number */
    CHECK_EQ_INT(be16(rec, 32), 64);
    CHECK_EQ_INT(be16(rec, 34), 1);
    CHECK_EQ_INT(be32(rec, 36), 148); /* S1 common */
    CHECK_EQ_INT(be16(rec, 40), 128);
    CHECK_EQ_INT(be16(rec, 42), 1);
    CHECK_EQ_INT(be32(rec, 44), 0); /* S2 IP filter: absent */
    CHECK_EQ_INT(be16(rec, 48), 0);
    CHECK_EQ_INT(be16(rec, 50), 0);
    CHECK_EQ_INT(be32(rec, 52), 276); /* S3 TLS */
    CHECK_EQ_INT(be16(rec, 56), 168);
    CHECK_EQ_INT(be16(rec, 58), 1);
    CHECK_EQ_INT(be16(rec, 66), 0);   /* S4 SSH absent */
    CHECK_EQ_INT(be16(rec, 74), 0);   /* S5 IPsec absent */
    CHECK_EQ_INT(be32(rec, 76), 444); /* S6 DNs */
    CHECK_EQ_INT(be16(rec, 82), 2);
    size_t dn_total = 4 + strlen(d.tls.server_cert.subject) + 4 + strlen(d.tls.server_cert.issuer);
    CHECK_EQ_INT(be16(rec, 80), dn_total);
    CHECK_EQ_INT(n, 444 + dn_total);
    /* ID section */
    const uint8_t *id = rec + 84;
    CHECK_EBCDIC(id, 0, 8, "SYS1");
    CHECK_EBCDIC(id, 8, 8, "PLEX1");
    CHECK_EBCDIC(id, 16, 8, "TCPIP");
    CHECK_EBCDIC(id, 24, 8, "ZS010000");
    CHECK_EBCDIC(id, 32, 8, "STACK");
    CHECK_EBCDIC(id, 40, 8, "TCPIP");
    CHECK_EQ_INT(id[60], 0x08); /* reason: event record */
    CHECK_EQ_INT(id[61], 0);
    /* a few EBCDIC letters by value, independent of the table under test */
    CHECK_EQ_INT(id[0], 0xE2);  /* S */
    CHECK_EQ_INT(id[3], 0xF1);  /* 1 */
    CHECK_EQ_INT(id[4], 0x40);  /* blank */
    CHECK_EQ_INT(id[32], 0xE2); /* S of STACK */
    CHECK_EQ_INT(id[33], 0xE3); /* T */
    CHECK_EQ_INT(id[34], 0xC1); /* A */
    emit_smf_tz_parse(&conf.tz, "UTC", err, sizeof(err));
}

static void
test_detail_common_tls(void)
{
    struct zert_detail d;
    make_tls12(&d);
    size_t n = emit_smf_build_detail(&conf, &d, rec, sizeof(rec), NULL);
    CHECK(n > 0);
    const uint8_t *s1 = rec + be32(rec, 36);
    CHECK_EQ_INT(s1[0], 1);    /* SAEvent_Type init */
    CHECK_EQ_INT(s1[1], 0x80); /* SASecProtos TLS */
    CHECK_EQ_INT(s1[2], 0);    /* SAFlags: IPv4 */
    CHECK_EQ_INT(s1[4], 6);    /* SAIPProto */
    CHECK_EBCDIC(s1, 8, 8, "WEBSRV");
    CHECK_EBCDIC(s1, 16, 8, "");
    CHECK_EBCDIC(s1, 24, 8, "WEBUSR");
    CHECK_EQ_INT(be32(s1, 32), 11 * 360000 + 59 * 6000 + 50 * 100 + 25); /* SASTime UTC */
    CHECK_EQ_INT(be32(s1, 36), 0x0125032F);                              /* SASDate */
    CHECK_EQ_INT(be32(s1, 40), 0);                                       /* no end on init */
    CHECK_EQ_INT(be32(s1, 44), 0);
    static const uint8_t rip[16] = {192, 0, 2, 7}, lip[16] = {10, 1, 1, 2};
    CHECK_MEM(s1 + 48, rip, 16); /* IPv4 in the first 4 bytes, not mapped */
    CHECK_MEM(s1 + 64, lip, 16);
    CHECK_EQ_INT(be16(s1, 80), 50123);
    CHECK_EQ_INT(be16(s1, 82), 443);
    CHECK_EQ_INT(be32(s1, 84), 0x1234);
    CHECK(be64(s1, 88) == 0x0102030405ULL);
    CHECK(be64(s1, 96) == 7000);
    CHECK(be64(s1, 104) == 12);
    CHECK(be64(s1, 112) == 0x1122334455667788ULL);
    CHECK(be64(s1, 120) == 0);

    const uint8_t *t = rec + be32(rec, 52);
    CHECK_EQ_INT(be16(t, 0), 0x0303); /* Prot_Ver */
    CHECK_EQ_INT(t[2], 1);            /* Source: observation */
    CHECK_EQ_INT(t[3], 1);            /* full handshake */
    CHECK_EQ_INT(t[4], 2);            /* local role server */
    CHECK_EQ_INT(t[7], 32);           /* session id length */
    CHECK_EQ_INT(t[8], 1);
    CHECK_EQ_INT(t[39], 32);
    CHECK_EBCDIC(t, 40, 16, "Observation");
    CHECK_EBCDIC(t, 56, 6, "C02F");
    CHECK_EQ_INT(t[56], 0xC3); /* 'C' */
    CHECK_EQ_INT(t[57], 0xF0); /* '0' */
    CHECK_EQ_INT(be16(t, 62), SMF_ENC_AES128_GCM);
    CHECK_EQ_INT(be16(t, 64), SMF_MAC_NONE); /* AEAD */
    CHECK_EQ_INT(be16(t, 66), 0x8008);       /* suite-style: ECDHE_RSA, not the generic ECDHE */
    CHECK_EQ_INT(be16(t, 72), 7);            /* sha256WithRSAEncryption */
    CHECK_EQ_INT(be16(t, 74), 2);            /* RSA */
    CHECK_EQ_INT(be16(t, 76), 6);            /* SHA-256 */
    CHECK_EQ_INT(t[79], 9);                  /* serial length */
    CHECK_EQ_INT(t[80], 0x00);
    CHECK_EQ_INT(t[81], 0x9a);
    CHECK_EQ_INT(t[88], 0x44);
    CHECK_EQ_INT(t[89], 0);
    CHECK_EQ_INT(t[100], 1); /* UTCTime */
    CHECK_EBCDIC(t, 101, 13, "261231235959Z");
    CHECK_EQ_INT(be16(t, 116), 2);    /* key type RSA */
    CHECK_EQ_INT(be16(t, 118), 2048); /* key bits */
    CHECK_EQ_INT(be16(t, 120), 0);    /* no client certificate */
    CHECK_EQ_INT(be16(t, 166), 0);

    const uint8_t *dn = rec + be32(rec, 76);
    size_t sl = strlen(d.tls.server_cert.subject);
    CHECK_EQ_INT(be16(dn, 0), 4 + sl);
    CHECK_EQ_INT(be16(dn, 2), 5); /* TLS server subject */
    CHECK_EBCDIC(dn, 4, sl, d.tls.server_cert.subject);
    CHECK_EQ_INT(be16(dn, 4 + sl + 2), 6);   /* issuer */
    CHECK_EQ_INT(dn[4 + sl + 4 + 14], 0xAD); /* '[' in code page 1047 */
}

static void
test_detail_term_times(void)
{
    struct zert_detail d;
    make_tls13(&d);
    size_t n = emit_smf_build_detail(&conf, &d, rec, sizeof(rec), NULL);
    CHECK(n > 0);
    const uint8_t *s1 = rec + be32(rec, 36);
    CHECK_EQ_INT(s1[0], 3);
    CHECK_EQ_INT(be32(s1, 40), 13 * 360000 + 99); /* SAETime 13:00:00.99 */
    CHECK_EQ_INT(be32(s1, 44), 0x0125032F);
    const uint8_t *t = rec + be32(rec, 52);
    CHECK_EQ_INT(be16(t, 0), 0x0304);
    CHECK_EQ_INT(t[4], 1); /* client */
    CHECK_EBCDIC(t, 56, 6, "1302");
    CHECK_EQ_INT(be16(t, 62), SMF_ENC_AES256_GCM);
    CHECK_EQ_INT(be16(t, 72), 0);   /* TLS 1.3: no certificate seen */
    CHECK_EQ_INT(be16(rec, 82), 0); /* no DNs */
}

static void
test_detail_ssh(void)
{
    struct zert_detail d;
    make_ssh(&d);
    size_t n = emit_smf_build_detail(&conf, &d, rec, sizeof(rec), NULL);
    CHECK(n > 0);
    CHECK_EQ_INT(be16(rec, 58), 0);   /* no TLS */
    CHECK_EQ_INT(be32(rec, 60), 276); /* S4 SSH follows S1 */
    CHECK_EQ_INT(be16(rec, 64), 284);
    CHECK_EQ_INT(be16(rec, 66), 1);
    CHECK_EQ_INT(n, 276 + 284);
    const uint8_t *s1 = rec + 148, *s = rec + 276;
    CHECK_EQ_INT(s1[0], 4);
    CHECK_EQ_INT(s1[1], 0x40);
    CHECK_EQ_INT(be32(s1, 40), 11 * 360000 + 59 * 6000 + 53 * 100 + 25);
    CHECK_EQ_INT(s[0], 2);    /* SSH v2 */
    CHECK_EQ_INT(s[1], 1);    /* observation */
    CHECK_EQ_INT(s[3], 0x40); /* EtM outbound (server to client) */
    CHECK_EBCDIC(s, 8, 8, "SSHD");
    CHECK_EBCDIC(s, 16, 16, "Observation");
    CHECK_EQ_INT(be16(s, 36), SMF_ENC_CHACHA20_POLY1305); /* inbound = c2s at a server */
    CHECK_EQ_INT(be16(s, 38), SMF_MAC_NONE);              /* implicit AEAD MAC */
    CHECK_EQ_INT(be16(s, 40), smf_codes_find(smf_ssh_kex_codes, "curve25519-sha256"));
    CHECK_EQ_INT(be16(s, 42), SMF_ENC_AES128_CTR);
    CHECK_EQ_INT(be16(s, 44), SMF_MAC_HMAC_SHA256);
    CHECK_EQ_INT(be16(s, 48), smf_codes_find(smf_ssh_key_type_codes, "Ed25519"));
    CHECK_EQ_INT(be16(s, 50), 256);
    CHECK_EQ_INT(be16(s, 56), 32);
    CHECK_EQ_INT(s[60], 0xde);
    CHECK_EQ_INT(s[91], 28);
    CHECK_EQ_INT(s[92], 0);
}

static void
test_detail_ipsec_v6_zos25(void)
{
    struct zert_detail d;
    make_ikev2(&d);
    size_t n = emit_smf_build_detail(&conf, &d, rec, sizeof(rec), NULL);
    CHECK(n > 0);
    CHECK_EQ_INT(be32(rec, 68), 276);
    CHECK_EQ_INT(be16(rec, 72), 236);
    const uint8_t *s1 = rec + 148, *p = rec + 276;
    CHECK_EQ_INT(s1[1], 0x20);
    CHECK_EQ_INT(s1[4], 17);
    CHECK_EQ_INT(p[4], 2); /* IKE major */
    CHECK_EQ_INT(p[5], 0);
    CHECK_EBCDIC(p, 8, 48, "");
    static const uint8_t lcl[16] = {10, 1, 1, 2}, rmt[16] = {203, 0, 113, 5};
    CHECK_MEM(p + 56, lcl, 16);
    CHECK_MEM(p + 72, rmt, 16);
    CHECK_EQ_INT(be16(p, 88), 3); /* PSK */
    CHECK_EQ_INT(be16(p, 90), 3);
    CHECK_EQ_INT(be16(p, 92), SMF_MAC_HMAC_SHA256);
    CHECK_EQ_INT(be16(p, 94), SMF_ENC_AES256_CBC);
    CHECK_EQ_INT(be16(p, 96), 19);
    CHECK_EQ_INT(be16(p, 98), 2); /* PRF HMAC-SHA2-256 */
    CHECK_EQ_INT(p[212], 0);
    CHECK_EQ_INT(p[213], 2);  /* dynamic tunnel */
    CHECK_EQ_INT(p[217], 50); /* ESP */

    /* IPv6 (EE) with the z/OS 2.5 form: 8 triplets, ID at 92 */
    make_ee(&d);
    conf.zos25 = true;
    n = emit_smf_build_detail(&conf, &d, rec, sizeof(rec), NULL);
    conf.zos25 = false;
    CHECK_EQ_INT(be16(rec, 24), 8);
    CHECK_EQ_INT(be32(rec, 28), 92);
    CHECK_EQ_INT(be32(rec, 36), 156);
    CHECK_EQ_INT(be32(rec, 84), 0); /* S7 zeroed */
    CHECK_EQ_INT(be16(rec, 88), 0);
    CHECK_EQ_INT(be16(rec, 90), 0);
    CHECK_EQ_INT(n, 156 + 128);
    s1 = rec + 156;
    CHECK_EQ_INT(s1[1], 0);
    CHECK_EQ_INT(s1[2], 0x80); /* IPv6 */
    static const uint8_t l6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    CHECK_MEM(s1 + 64, l6, 16);
}

static void
test_summary_layout(void)
{
    struct zert_summary s;
    make_summary(&s, ZERT_SEV_INTERVAL);
    size_t n = emit_smf_build_summary(&conf, &s, rec, sizeof(rec), NULL);
    CHECK(n > 0);
    CHECK_EQ_INT(be16(rec, 22), 12);
    CHECK_EQ_INT(be16(rec, 24), 6);
    CHECK_EQ_INT(be32(rec, 28), 76);
    CHECK_EQ_INT(be32(rec, 36), 140);
    CHECK_EQ_INT(be16(rec, 40), 204);
    CHECK_EQ_INT(be32(rec, 44), 344); /* S2 TLS */
    CHECK_EQ_INT(be16(rec, 48), 36);
    CHECK_EQ_INT(be16(rec, 50), 1);
    CHECK_EQ_INT(be16(rec, 58), 0);   /* S3 SSH absent */
    CHECK_EQ_INT(be16(rec, 66), 0);   /* S4 IPsec absent */
    CHECK_EQ_INT(be32(rec, 68), 380); /* S5 DNs */
    CHECK_EQ_INT(be16(rec, 74), 1);
    CHECK_EQ_INT(rec[76 + 60], 0x80);        /* reason: interval */
    CHECK_EQ_INT(be32(rec, 6), 12 * 360000); /* UTC header time */
    const uint8_t *c = rec + 140;
    CHECK(be64(c, 0) == (uint64_t)15 * 60 * 1000000 << 12); /* TOD duration */
    CHECK_EQ_INT(c[8], 1);
    CHECK_EQ_INT(c[9], 0x40); /* local server */
    CHECK_EQ_INT(c[10], 0x80);
    CHECK_EBCDIC(c, 11, 8, "FTPD");
    CHECK_EBCDIC(c, 19, 8, "*FTPUSR*");
    CHECK_EQ_INT(c[27], 6);
    static const uint8_t srv[16] = {10, 1, 1, 2}, clt[16] = {192, 0, 2, 7};
    CHECK_MEM(c + 28, srv, 16);
    CHECK_MEM(c + 44, clt, 16);
    CHECK_EQ_INT(be16(c, 60), 21000);
    CHECK_EQ_INT(be16(c, 62), 21010);
    CHECK_EBCDIC(c, 64, 42, s.session_key);
    CHECK_EQ_INT(be32(c, 108), 10);
    CHECK_EQ_INT(be32(c, 112), 1);
    CHECK_EQ_INT(be32(c, 116), 2);
    CHECK_EQ_INT(be32(c, 120), 3);
    CHECK(be64(c, 124) == 1000);
    CHECK(be64(c, 148) == 40);
    CHECK_EQ_INT(be32(c, 156), 15);
    CHECK_EQ_INT(be32(c, 168), 2);
    CHECK(be64(c, 172) == 0x100000000ULL);
    CHECK(be64(c, 196) == 0xFFFFFFFFFFULL);
    const uint8_t *t = rec + 344;
    CHECK_EQ_INT(t[0], 1);
    CHECK_EQ_INT(be16(t, 2), 0x0303);
    CHECK_EBCDIC(t, 4, 6, "C02F");
    CHECK_EQ_INT(be16(t, 10), SMF_ENC_AES128_GCM);
    CHECK_EQ_INT(be16(t, 12), SMF_MAC_NONE);
    CHECK_EQ_INT(be16(t, 16), smf_codes_find(smf_cert_sig_codes, "ecdsa-with-SHA384"));
    CHECK_EQ_INT(be16(t, 18), 4); /* ECDSA */
    CHECK_EQ_INT(be16(t, 20), 7); /* SHA-384 */
    CHECK_EQ_INT(be16(t, 22), 5); /* ECC */
    CHECK_EQ_INT(be16(t, 24), 256);
    CHECK_EQ_INT(be16(t, 26), 0);
    CHECK_EQ_INT(be16(rec + 380, 2), 5);

    /* event record: ID and common sections only */
    make_summary(&s, ZERT_SEV_AGGR_ENABLED);
    n = emit_smf_build_summary(&conf, &s, rec, sizeof(rec), NULL);
    CHECK_EQ_INT(n, 140 + 204);
    CHECK_EQ_INT(rec[76 + 60], 0x08);
    for (size_t i = 2; i < 6; i++)
        CHECK_EQ_INT(be16(rec, 28 + 8 * i + 6), 0);
}

static void
test_codes_and_ebcdic(void)
{
    int inverse = 1;
    for (int c = 0; c < 256; c++)
        inverse &= ebcdic_to_latin1(ebcdic_from_latin1((uint8_t)c)) == c;
    CHECK(inverse);
    CHECK_EQ_INT(ebcdic_from_latin1('a'), 0x81);
    CHECK_EQ_INT(ebcdic_from_latin1('Z'), 0xE9);
    CHECK_EQ_INT(ebcdic_from_latin1(']'), 0xBD);
    CHECK_EQ_INT(ebcdic_from_latin1('\n'), 0x25);
    CHECK_EQ_INT(ebcdic_from_latin1(0xE9), 0x51); /* e acute */
    char out[16];
    uint8_t e[8];
    ebcdic_put_field(e, 8, "caf\xc3\xa9");
    ebcdic_to_utf8(out, sizeof(out), e, 8, true);
    CHECK_EQ_STR(out, "caf\xc3\xa9");
    CHECK_EQ_INT(emit_smf_pack_date(1999, 365), 0x0099365F);
    CHECK_EQ_INT(emit_smf_pack_date(2100, 1), 0x0200001F);
    CHECK_EQ_INT(emit_smf_pack_date(0, 0), 0x0000000F);
    char buf[32];
    CHECK_EQ_STR(smf_codes_tls_version_name(0x7f17, buf, sizeof(buf)), "TLSv1.3-draft23");
    CHECK_EQ_INT(smf_codes_tls_version_code("TLSv1.3-draft23"), 0x7f17);
    /* one vocabulary with the dissector: every code has a name, SSLv2 has two codes */
    CHECK_EQ_STR(tls_version_name(0x0002, buf, sizeof(buf)), "SSLv2");
    CHECK_EQ_STR(tls_version_name(0x0200, buf, sizeof(buf)), "SSLv2");
    CHECK_EQ_INT(tls_version_code("SSLv2"), 0x0200);
    CHECK_EQ_STR(tls_version_name(0x7e02, buf, sizeof(buf)), "TLSv1.3-google-exp2");
    CHECK_EQ_STR(tls_version_name(0xfb17, buf, sizeof(buf)), "TLSv1.3-fb23");
    CHECK_EQ_INT(tls_version_code("tlsv1.3-FB26"), 0xfb1a);
    CHECK_EQ_STR(tls_version_name(0x0305, buf, sizeof(buf)), "unknown-0x0305");
    CHECK_EQ_INT(tls_version_code("unknown-0x0305"), 0);
    bool etm;
    CHECK_EQ_INT(smf_codes_ssh_mac_find("umac-64-etm@openssh.com", &etm), SMF_MAC_UMAC64);
    CHECK(etm);
    CHECK_EQ_STR(smf_codes_ssh_mac_name(SMF_MAC_UMAC64, true, buf, sizeof(buf)),
                 "umac-64-etm@openssh.com");
    CHECK_EQ_INT(smf_codes_ike_encr_find("AES-GCM-16", 256, true), SMF_ENC_AES256_GCM);
    CHECK_EQ_INT(smf_codes_ike_encr_find("AES-CBC", 0, false), 0); /* no key length: unknown */
    /* every name maps to a code that maps back to a name of the same table */
    for (const struct smf_code_table *t = smf_code_tables; t->field; t++) {
        for (const struct name_tab *c = t->codes; c->name; c++)
            CHECK(smf_codes_name(t->codes, (uint16_t)c->value) != NULL);
    }
}

static void
test_tz(void)
{
    struct smf_tz tz;
    char err[128];
    int year, yday;
    uint32_t hs;
    CHECK_EQ_INT(emit_smf_tz_parse(&tz, "-05:30", err, sizeof(err)), 0);
    emit_smf_tz_local(&tz, US(T_2025_02_01) + 10000, &year, &yday, &hs);
    CHECK_EQ_INT(year, 2025);
    CHECK_EQ_INT(yday, 31);
    CHECK_EQ_INT(hs, (18 * 3600 + 30 * 60) * 100 + 1);
    CHECK(emit_smf_tz_utc(&tz, year, yday, hs) == US(T_2025_02_01) + 10000);
    CHECK_EQ_INT(emit_smf_tz_parse(&tz, "No/Such_Zone", err, sizeof(err)), -1);
    struct stat st;
    if (stat("/usr/share/zoneinfo/Europe/Berlin", &st) == 0) {
        CHECK_EQ_INT(emit_smf_tz_parse(&tz, "Europe/Berlin", err, sizeof(err)), 0);
        emit_smf_tz_local(&tz, US(T_2025_02_01), &year, &yday, &hs);
        CHECK_EQ_INT(hs, 3600 * 100); /* CET */
        uint64_t july = US(T_2025_02_01 + 150 * 86400);
        emit_smf_tz_local(&tz, july, &year, &yday, &hs);
        CHECK_EQ_INT(hs, 2 * 3600 * 100); /* CEST */
        CHECK(emit_smf_tz_utc(&tz, year, yday, hs) == july);
    }
}

/*
 * Europe/Berlin across both changes of 2025 (summer time from 30 March 01:00 UTC to 26 October
 * 01:00 UTC): the SMF header holds these local times exactly, and the reader turns them back
 * into UTC, the repeated hour of October as its first pass (summer time).
 */
static const struct {
    uint64_t utc;  /* seconds; the record time is this + 0.25 s */
    uint32_t date; /* SMF119DTE, local */
    uint32_t hs;   /* SMF119TME, local 1/100 s */
    uint64_t back; /* UTC seconds the reader makes of it */
} berlin_2025[] = {
    {1743296399, 0x0125089F, (1 * 3600 + 59 * 60 + 59) * 100 + 25, 1743296399}, /* 01:59:59 CET */
    {1743296400, 0x0125089F, 3 * 360000 + 25, 1743296400}, /* 03:00 CEST: 02:xx is skipped */
    {1751322600, 0x0125182F, 30 * 6000 + 25, 1751322600},  /* 1 July 00:30 CEST, UTC still June */
    {1761440399, 0x0125299F, (2 * 3600 + 59 * 60 + 59) * 100 + 25, 1761440399}, /* 02:59:59 CEST */
    {1761440400, 0x0125299F, 2 * 360000 + 25, 1761436800}, /* 02:00 CET, read as the CEST one */
    {1761443999, 0x0125299F, (2 * 3600 + 59 * 60 + 59) * 100 + 25, 1761440399}, /* 02:59:59 CET */
    {1761444000, 0x0125299F, 3 * 360000 + 25, 1761444000},                      /* 03:00 CET */
    {1767223800, 0x0126001F, 30 * 6000 + 25, 1767223800}, /* 2026-01-01 00:30 CET */
};

/* Build each record with conf.tz and check the header bytes and what the reader makes of them. */
static void
check_berlin(const char *what)
{
    struct zert_detail d;
    struct smf_decoded *dec = malloc(sizeof(*dec));
    char err[256];
    for (size_t i = 0; i < sizeof(berlin_2025) / sizeof(berlin_2025[0]); i++) {
        make_tls12(&d);
        d.time_us = US(berlin_2025[i].utc) + 250000;
        size_t n = emit_smf_build_detail(&conf, &d, rec, sizeof(rec), NULL);
        CHECK(n > 0);
        if (be32(rec, 6) != berlin_2025[i].hs || be32(rec, 10) != berlin_2025[i].date)
            fprintf(stderr, "%s: UTC %llu: header %08X %u\n", what,
                    (unsigned long long)berlin_2025[i].utc, be32(rec, 10), be32(rec, 6));
        CHECK_EQ_INT(be32(rec, 6), berlin_2025[i].hs);
        CHECK_EQ_INT(be32(rec, 10), berlin_2025[i].date);
        CHECK_EQ_INT(smf_reader_decode(rec, n, &conf.tz, dec, err, sizeof(err)), SMF_KIND_DETAIL);
        CHECK(dec->u.detail.time_us == US(berlin_2025[i].back) + 250000);
    }
    free(dec);
}

static void
test_tz_named(void)
{
    char err[256], dir[] = "/tmp/test_smf_tzXXXXXX", path[300];
    const char *zone = "/usr/share/zoneinfo/Europe/Berlin";
    struct tm tm;
    time_t probe = 1751322600; /* 2025-06-30 22:30 UTC */
    /* the process's own zone, which the conversions must leave alone */
    setenv("TZ", "America/New_York", 1);
    tzset();

    /* a POSIX TZ string needs no file */
    CHECK_EQ_INT(emit_smf_tz_parse(&conf.tz, "CET-1CEST,M3.5.0,M10.5.0/3", err, sizeof(err)), 0);
    check_berlin("CET-1CEST,M3.5.0,M10.5.0/3");

    /* the zone file is read once, when the name is parsed: take it away before converting */
    FILE *src = fopen(zone, "rb");
    CHECK(src != NULL); /* tzdata (conf/install-deps.sh --test) */
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/Berlin", dir);
    FILE *dst = fopen(path, "wb");
    CHECK(dst != NULL);
    if (src && dst) {
        char buf[4096];
        size_t k;
        while ((k = fread(buf, 1, sizeof(buf), src)) > 0)
            fwrite(buf, 1, k, dst);
    }
    if (src)
        fclose(src);
    if (dst)
        fclose(dst);
    setenv("TZDIR", dir, 1);
    CHECK_EQ_INT(emit_smf_tz_parse(&conf.tz, "Berlin", err, sizeof(err)), 0);
    unsetenv("TZDIR");
    unlink(path);
    rmdir(dir);
    check_berlin("Europe/Berlin, file removed after parsing");

    /* TZ and the C library's zone are as they were */
    CHECK_EQ_STR(getenv("TZ"), "America/New_York");
    CHECK(localtime_r(&probe, &tm) != NULL);
    CHECK_EQ_INT(tm.tm_hour, 18); /* EDT */
    unsetenv("TZ");
    tzset();

    /* names that are neither a zone file nor a POSIX TZ string, and files that are not TZif */
    CHECK_EQ_INT(emit_smf_tz_parse(&conf.tz, "Europe", err, sizeof(err)), -1);
    CHECK(strstr(err, "Europe") != NULL);
    CHECK_EQ_INT(emit_smf_tz_parse(&conf.tz, "CET-1CEST", err, sizeof(err)), -1);
    CHECK_EQ_INT(emit_smf_tz_parse(&conf.tz, "/etc/hostname", err, sizeof(err)), -1);
    CHECK(strstr(err, "not a valid TZif file") != NULL);
    CHECK(conf.tz.fixed && conf.tz.offset_min == 0); /* a failed parse leaves UTC */
    emit_smf_tz_parse(&conf.tz, "UTC", err, sizeof(err));
}

/* ---- round trips through the reader ---------------------------------------------------------- */

/*
 * What the SMF form cannot hold (docs/smf-mapping.md, "Not in SMF"): the
 * round trip compares zertdump's JSON with emit_json's JSON of the record
 * with exactly these fields cleared.
 */
static void
project_detail(struct zert_detail *d)
{
    char ktype[24];
    d->truncated = false;
    d->conn_id &= 0xFFFFFFFF;
    if (d->event != ZERT_EV_TERM && d->event != ZERT_EV_SHORT_TERM)
        d->end_us = 0;
    if (!d->tls.present && !d->ssh.present && d->ip_proto != 17)
        d->role = ZERT_ROLE_UNKNOWN;
    if (d->ip_proto == 17 && !d->tls.present && !d->ssh.present)
        d->role = ZERT_ROLE_PEER;
    struct zert_tls *t = &d->tls;
    t->version[0] = '\0'; /* derived from version_code */
    t->cipher_name[0] = t->group_name[0] = t->sni[0] = t->alpn[0] = '\0';
    t->group.known = false;
    t->hello_retry = ZERT_TRI_UNKNOWN;
    if (t->session_id.len == 0)
        t->session_id.known = false;
    t->server_cert.curve[0] = t->client_cert.curve[0] = '\0';
    struct zert_ssh *s = &d->ssh;
    snprintf(ktype, sizeof(ktype), "%s",
             *s->hostkey_type
                 ? s->hostkey_type
                 : (smf_codes_ssh_hostkey_type(s->hostkey) ? smf_codes_ssh_hostkey_type(s->hostkey)
                                                           : ""));
    snprintf(s->hostkey_type, sizeof(s->hostkey_type), "%s", ktype);
    s->hostkey[0] = s->client_banner[0] = s->server_banner[0] = '\0';
    s->comp_c2s[0] = s->comp_s2c[0] = '\0';
    struct zert_ipsec *p = &d->ipsec;
    p->exchange[0] = p->child_sa[0] = '\0';
    p->spi_i.known = p->spi_r.known = false;
    p->esp_spi_count = p->ah_spi_count = 0;
    p->nat_t = ZERT_TRI_UNKNOWN;
    memset(&d->ee, 0, sizeof(d->ee));
    /* observation: only the source survives, and only with a protocol section */
    bool any = t->present || s->present || p->present;
    struct zert_observation o = {0};
    if (any) {
        o.present = true;
        snprintf(o.source, sizeof(o.source), "%s", d->obs.source);
    }
    d->obs = o;
}

static void
project_summary(struct zert_summary *s)
{
    s->truncated = false;
    s->interval_end_us = s->time_us;
    s->tls.cipher_name[0] = s->tls.group_name[0] = '\0';
    s->tls.group.known = false;
    s->tls.version[0] = '\0';
    s->tls.server_cert.curve[0] = s->tls.client_cert.curve[0] = '\0';
    s->ssh.hostkey[0] = '\0';
}

/* Write records as an RDW stream or VBS blocks into a malloc'd buffer. */
struct dump {
    char *buf;
    size_t len;
};

static void
dump_write(struct dump *out, enum emit_smf_format fmt, size_t blksize, const uint8_t *const *recs,
           const size_t *lens, size_t n)
{
    struct emit_smf_writer w;
    char err[128];
    FILE *f = open_memstream(&out->buf, &out->len);
    CHECK_EQ_INT(emit_smf_writer_init(&w, f, fmt, blksize, err, sizeof(err)), 0);
    for (size_t i = 0; i < n; i++)
        CHECK_EQ_INT(emit_smf_writer_put(&w, recs[i], lens[i]), 0);
    CHECK_EQ_INT(emit_smf_writer_flush(&w), 0);
    emit_smf_writer_fini(&w);
    fclose(f);
}

/* zertdump over bytes: the status, stdout and stderr. */
static int
run_dump(const void *data, size_t len, char **out, char **err, struct zertdump_stats *st)
{
    struct zertdump_opts o;
    size_t ol, el;
    char e[64];
    memset(&o, 0, sizeof(o));
    o.fmt = SMF_FMT_AUTO;
    emit_smf_tz_parse(&o.tz, "UTC", e, sizeof(e));
    FILE *in = len ? fmemopen((void *)data, len, "rb") : fopen("/dev/null", "rb");
    FILE *fo = open_memstream(out, &ol), *fe = open_memstream(err, &el);
    int rc = zertdump_run(in, fo, fe, &o, st);
    fclose(in);
    fclose(fo);
    fclose(fe);
    return rc;
}

static size_t
count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

#define N_EXAMPLES 7

struct examples {
    uint8_t *rec[N_EXAMPLES + 2];
    size_t len[N_EXAMPLES + 2];
    size_t n;
    char *json; /* expected zertdump output, all lines */
};

static void
add_json(char **acc, size_t *acclen, struct json_writer *w)
{
    *acc = realloc(*acc, *acclen + w->len + 2);
    memcpy(*acc + *acclen, w->buf, w->len);
    *acclen += w->len;
    (*acc)[(*acclen)++] = '\n';
    (*acc)[*acclen] = '\0';
}

/* The example records (TLS 1.2, TLS 1.3, SSH, IKEv2, EE, two summaries) plus a type 30 and a
 * type 119 subtype 1 record that must be skipped. */
static void
examples_build(struct examples *ex)
{
    static void (*const makers[])(struct zert_detail *) = {make_tls12, make_tls13, make_ssh,
                                                           make_ikev2, make_ee};
    struct json_writer w;
    struct zert_detail d;
    struct zert_summary s;
    size_t acclen = 0;
    memset(ex, 0, sizeof(*ex));
    jw_init(&w);
    for (size_t i = 0; i < 5; i++) {
        makers[i](&d);
        ex->rec[ex->n] = malloc(SMF_MAX_RECORD);
        ex->len[ex->n] = emit_smf_build_detail(&conf, &d, ex->rec[ex->n], SMF_MAX_RECORD, NULL);
        ex->n++;
        project_detail(&d);
        emit_json_build_detail(&w, &d);
        add_json(&ex->json, &acclen, &w);
        if (i == 1) { /* a record of another type in between */
            uint8_t *o = calloc(1, 300);
            o[0] = 300 >> 8;
            o[1] = 300 & 0xFF;
            o[4] = 0x5E;
            o[5] = 30;
            ex->rec[ex->n] = o;
            ex->len[ex->n++] = 300;
        }
    }
    uint8_t *o = calloc(1, 64);
    o[1] = 64;
    o[5] = 119;
    o[23] = 1; /* subtype 1 */
    ex->rec[ex->n] = o;
    ex->len[ex->n++] = 64;
    for (int ev = ZERT_SEV_INTERVAL; ev <= ZERT_SEV_AGGR_ENABLED; ev++) {
        make_summary(&s, (enum zert_summary_event)ev);
        ex->rec[ex->n] = malloc(SMF_MAX_RECORD);
        ex->len[ex->n] = emit_smf_build_summary(&conf, &s, ex->rec[ex->n], SMF_MAX_RECORD, NULL);
        ex->n++;
        project_summary(&s);
        emit_json_build_summary(&w, &s);
        add_json(&ex->json, &acclen, &w);
    }
    jw_fini(&w);
}

static void
examples_free(struct examples *ex)
{
    for (size_t i = 0; i < ex->n; i++)
        free(ex->rec[i]);
    free(ex->json);
}

/* Print the first differing line of two outputs (a failed equality is otherwise opaque). */
static void
show_diff(const char *got, const char *want)
{
    size_t i = 0;
    while (got[i] && got[i] == want[i])
        i++;
    if (!got[i] && !want[i])
        return;
    size_t ls = i;
    while (ls > 0 && want[ls - 1] != '\n')
        ls--;
    fprintf(stderr, "first difference at byte %zu:\n want: %.300s\n  got: %.300s\n", i, want + ls,
            got + ls);
}

static void
test_round_trip_rdw(const struct examples *ex)
{
    struct dump dmp;
    struct zertdump_stats st;
    char *out, *err;
    dump_write(&dmp, EMIT_SMF_RDW, 0, (const uint8_t *const *)ex->rec, ex->len, ex->n);
    CHECK_EQ_INT(run_dump(dmp.buf, dmp.len, &out, &err, &st), 0);
    CHECK_EQ_STR(err, "");
    CHECK_EQ_STR(out, ex->json);
    show_diff(out, ex->json);
    CHECK_EQ_INT(st.records, ex->n);
    CHECK_EQ_INT(st.detail, 5);
    CHECK_EQ_INT(st.summary, 2);
    CHECK_EQ_INT(st.other_type, 1);
    CHECK_EQ_INT(st.other_subtype, 1);
    CHECK(strstr(
        out, "\"record\":\"detail\",\"event\":\"init\",\"time\":\"2025-02-01T12:00:00.500000Z\""));
    CHECK(strstr(out, "\"cipher_suite\":49199"));
    CHECK(strstr(out, "\"subject\":\"CN=Example CA [test],O=Example,C=US\"") == NULL);
    CHECK(strstr(out, "\"issuer\":\"CN=Example CA [test],O=Example,C=US\""));
    free(out);
    free(err);
    free(dmp.buf);
}

static void
test_round_trip_vbs(const struct examples *ex)
{
    struct dump rdw, vbs;
    struct zertdump_stats st;
    char *o1, *e1, *o2, *e2;
    dump_write(&rdw, EMIT_SMF_RDW, 0, (const uint8_t *const *)ex->rec, ex->len, ex->n);
    run_dump(rdw.buf, rdw.len, &o1, &e1, &st);
    const size_t sizes[] = {27998, 512, 100, 16};
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        dump_write(&vbs, EMIT_SMF_VBS, sizes[k], (const uint8_t *const *)ex->rec, ex->len, ex->n);
        const uint8_t *b = (const uint8_t *)vbs.buf;
        CHECK(be16(b, 0) <= sizes[k]); /* BDW */
        CHECK_EQ_INT(be16(b, 2), 0);
        if (sizes[k] == 27998)
            CHECK_EQ_INT(b[6], 0); /* first SDW: a complete record */
        else
            CHECK_EQ_INT(b[6], 1); /* first SDW: first segment of a spanned record */
        CHECK_EQ_INT(run_dump(vbs.buf, vbs.len, &o2, &e2, &st), 0);
        CHECK_EQ_STR(e2, "");
        CHECK_EQ_STR(o2, o1);
        CHECK_EQ_INT(st.records, ex->n);
        /* the reader hands back the very bytes written */
        FILE *in = fmemopen(vbs.buf, vbs.len, "rb");
        struct smf_reader *r = smf_reader_new(in, SMF_FMT_AUTO);
        for (size_t i = 0; i < ex->n; i++) {
            CHECK_EQ_INT(smf_reader_next(r), 1);
            CHECK_EQ_INT(r->rec_len, ex->len[i]);
            CHECK_MEM(r->rec, ex->rec[i], ex->len[i]);
        }
        CHECK_EQ_INT(smf_reader_next(r), 0);
        CHECK_EQ_INT(r->fmt, SMF_FMT_VBS);
        smf_reader_free(r);
        fclose(in);
        free(o2);
        free(e2);
        free(vbs.buf);
    }
    free(o1);
    free(e1);
    free(rdw.buf);
}

/* Newer releases: longer sections and more triplets must read the same. */
static void
test_newer_release(const struct examples *ex)
{
    uint8_t *src = ex->rec[0], big[SMF_MAX_RECORD];
    size_t len = ex->len[0];
    unsigned trn = be16(src, 24), ntrn = trn + 2, extra = 12;
    size_t hdr = 28 + 8 * ntrn, shift = 8 * 2, pos = hdr;
    memset(big, 0, sizeof(big));
    memcpy(big, src, 24);
    big[24] = 0;
    big[25] = (uint8_t)ntrn;
    /* copy each section, S1 grown by `extra` bytes of X'EE' */
    for (unsigned i = 0; i < trn; i++) {
        uint32_t off = be32(src, 28 + 8 * i);
        unsigned l = be16(src, 32 + 8 * i), num = be16(src, 34 + 8 * i);
        size_t t = 28 + 8 * i, body = (size_t)l * num;
        if (!off || !l || !num)
            continue;
        if (i == 6)
            body = l; /* DN: total length */
        memcpy(big + pos, src + off, body);
        unsigned nl = l + (i == 1 ? extra : 0);
        if (i == 1)
            memset(big + pos + l, 0xEE, extra);
        big[t] = (uint8_t)(pos >> 24), big[t + 1] = (uint8_t)(pos >> 16);
        big[t + 2] = (uint8_t)(pos >> 8), big[t + 3] = (uint8_t)pos;
        big[t + 4] = (uint8_t)(nl >> 8), big[t + 5] = (uint8_t)nl;
        big[t + 6] = 0, big[t + 7] = (uint8_t)num;
        pos += i == 1 ? body + extra : body;
    }
    /* two unknown triplets: one pointing at 20 bytes of junk, one at nothing */
    size_t t = 28 + 8 * trn;
    memset(big + pos, 0xAB, 20);
    big[t + 2] = (uint8_t)(pos >> 8), big[t + 3] = (uint8_t)pos;
    big[t + 5] = 20, big[t + 7] = 1;
    pos += 20;
    big[0] = (uint8_t)(pos >> 8);
    big[1] = (uint8_t)pos;
    CHECK_EQ_INT(pos, len + shift + extra + 20);

    struct smf_decoded *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
    char err[256];
    struct smf_tz tz = {.fixed = true};
    CHECK_EQ_INT(smf_reader_decode(src, len, &tz, a, err, sizeof(err)), SMF_KIND_DETAIL);
    CHECK_EQ_INT(smf_reader_decode(big, pos, &tz, b, err, sizeof(err)), SMF_KIND_DETAIL);
    CHECK_EQ_INT(b->triplets, 9);
    CHECK_EQ_INT(b->unknown_triplets, 2);
    struct json_writer w1, w2;
    jw_init(&w1);
    jw_init(&w2);
    emit_json_build_detail(&w1, &a->u.detail);
    emit_json_build_detail(&w2, &b->u.detail);
    CHECK_EQ_STR(w2.buf, w1.buf);
    /* a shorter (older) section: the missing fields read as unknown, not garbage */
    big[40] = 0;
    big[41] = 84; /* S1 length 84: the counters are cut off */
    CHECK_EQ_INT(smf_reader_decode(big, pos, &tz, b, err, sizeof(err)), SMF_KIND_DETAIL);
    CHECK(b->u.detail.bytes_in == 0);
    CHECK_EQ_INT(b->u.detail.conn_id, 0);
    CHECK_EQ_INT(b->u.detail.local.port, 443);
    jw_fini(&w1);
    jw_fini(&w2);
    free(a);
    free(b);
}

/* ---- malformed input --------------------------------------------------------------------------
 */

static void
expect_error(const char *what, const void *data, size_t len, size_t lines, const char *needle)
{
    char *out, *err;
    struct zertdump_stats st;
    int rc = run_dump(data, len, &out, &err, &st);
    if (rc != 1 || count_lines(out) != lines || !strstr(err, needle))
        fprintf(stderr, "case %s: rc %d, %zu lines, stderr: %s", what, rc, count_lines(out), err);
    CHECK_EQ_INT(rc, 1);
    CHECK_EQ_INT(count_lines(out), lines);
    CHECK(strstr(err, needle) != NULL);
    free(out);
    free(err);
}

static void
test_malformed(const struct examples *ex)
{
    struct dump d;
    char needle[64];
    size_t off3 = ex->len[0] + ex->len[1] + ex->len[2]; /* TLS1.2, TLS1.3, type 30 */
    dump_write(&d, EMIT_SMF_RDW, 0, (const uint8_t *const *)ex->rec, ex->len, ex->n);
    uint8_t *b = (uint8_t *)d.buf;

    /* truncated inside the 4th record (SSH): 2 records printed, error at its offset */
    snprintf(needle, sizeof(needle), "offset %zu: record of %zu bytes is truncated", off3,
             ex->len[3]);
    expect_error("truncated", b, off3 + 100, 2, needle);
    /* truncated inside an RDW */
    snprintf(needle, sizeof(needle), "offset %zu: truncated record descriptor", off3);
    expect_error("truncated rdw", b, off3 + 2, 2, needle);

    /* a length that does not add up: RDW of the SSH record says 10 */
    uint8_t *copy = malloc(d.len);
    memcpy(copy, b, d.len);
    copy[off3] = 0;
    copy[off3 + 1] = 10;
    snprintf(needle, sizeof(needle), "offset %zu: record length 10", off3);
    expect_error("short length", copy, d.len, 2, needle);

    /* a triplet pointing past the record: that record is reported, the others printed */
    memcpy(copy, b, d.len);
    copy[off3 + 60] = 0x7F; /* SSH triplet offset high byte */
    snprintf(needle, sizeof(needle), "offset %zu: record 4 (type 119 subtype 11): triplet 4", off3);
    expect_error("bad triplet", copy, d.len, 6, needle);

    /* a triplet count that does not fit */
    memcpy(copy, b, d.len);
    copy[off3 + 24] = 0x10;
    expect_error("bad trn", copy, d.len, 6, "triplets");

    /* DN entry running past the record */
    memcpy(copy, b, d.len);
    size_t dn = be32(b, 76);
    copy[dn] = 0x7F;
    expect_error("bad dn", copy, d.len, 6, "DN entry 0");

    /* garbage */
    static const char text[] = "This is not an SMF dump, just some text.\n";
    expect_error("garbage", text, sizeof(text) - 1, 0, "offset 0: not an SMF dump file");

    /* an SMF record transferred without its RDW */
    expect_error("no rdw", b + 4, ex->len[0] - 4, 0, "SITE RDW");
    free(copy);

    /* VBS: truncated inside a spanned record */
    struct dump v;
    dump_write(&v, EMIT_SMF_VBS, 256, (const uint8_t *const *)ex->rec, ex->len, ex->n);
    size_t full = v.len;
    expect_error("vbs truncated", v.buf, full - 10, 6, "truncated");
    /* a record starting inside a spanned one (the 2nd block's SDW says "first") */
    uint8_t *vb = (uint8_t *)v.buf;
    CHECK_EQ_INT(be16(vb, 0), 256);
    CHECK_EQ_INT(vb[256 + 6], 3); /* the TLS 1.2 record goes on: a middle segment */
    vb[256 + 6] = 1;
    expect_error("vbs first in span", vb, full, 0,
                 "offset 260: a new record starts inside the spanned record that began at "
                 "offset 4");
    /* a middle segment with no first segment: forced VBS in the reader */
    vb[256 + 6] = 3;
    vb[6] = 3;
    FILE *in = fmemopen(vb, full, "rb");
    struct smf_reader *r = smf_reader_new(in, SMF_FMT_VBS);
    CHECK_EQ_INT(smf_reader_next(r), -1);
    CHECK_EQ_STR(r->err, "offset 4: middle segment without a first segment");
    smf_reader_free(r);
    fclose(in);
    /* ... and detected as a damaged VBS file, not as an RDW stream of other record types */
    expect_error("vbs starts with a middle segment", vb, full, 0,
                 "offset 4: middle segment without a first segment");
    vb[6] = 2;
    expect_error("vbs starts with a last segment", vb, full, 0,
                 "offset 4: last segment without a first segment");
    vb[6] = 1;
    vb[4] = vb[5] = 0;
    expect_error("vbs starts with an empty segment", vb, full, 0,
                 "offset 4: segment length 0 is too small");
    free(v.buf);

    /* a read error is an I/O error (2), not the end of the data: a directory as the input */
    char *out, *err;
    size_t ol, el;
    struct zertdump_opts o;
    struct zertdump_stats st;
    memset(&o, 0, sizeof(o));
    o.fmt = SMF_FMT_AUTO;
    FILE *dir = fopen("/", "rb"), *fo = open_memstream(&out, &ol), *fe = open_memstream(&err, &el);
    CHECK(dir != NULL);
    if (dir) {
        CHECK_EQ_INT(zertdump_run(dir, fo, fe, &o, &st), 2);
        fclose(dir);
    }
    fclose(fo);
    fclose(fe);
    CHECK(strstr(err, "zertdump: offset 0: read error: Is a directory") != NULL);
    free(out);
    free(err);

    /* an empty file is no records and no error */
    CHECK_EQ_INT(run_dump("", 0, &out, &err, &st), 0);
    CHECK_EQ_STR(out, "");
    free(out);
    free(err);
    free(d.buf);
}

/* Every provisional code (>= X'8000') is in docs/smf-provisional-codes.md, on a line with its name.
 */
static void
test_provisional_doc(void)
{
    const char *src = getenv("ZS_SOURCE");
    char path[512], line[512], code[16];
    if (!src)
        return;
    snprintf(path, sizeof(path), "%s/docs/smf-provisional-codes.md", src);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f)
        return;
    static char doc[1 << 17];
    size_t n = fread(doc, 1, sizeof(doc) - 1, f);
    doc[n] = '\0';
    fclose(f);
    for (const struct smf_code_table *t = smf_code_tables; t->field; t++) {
        for (const struct name_tab *c = t->codes; c->name; c++) {
            if (c->value < SMF_CODE_PROVISIONAL)
                continue;
            snprintf(code, sizeof(code), "X'%04X'", (unsigned)c->value);
            snprintf(line, sizeof(line), "`%s`", c->name);
            bool found = false;
            for (const char *p = doc; (p = strstr(p, line)) != NULL; p++) {
                const char *bol = p, *eol = strchr(p, '\n');
                while (bol > doc && bol[-1] != '\n')
                    bol--;
                size_t ll = eol ? (size_t)(eol - bol) : strlen(bol);
                char tmp[512];
                snprintf(tmp, sizeof(tmp), "%.*s", (int)ll, bol);
                if (strstr(tmp, code) && strstr(tmp, t->field)) {
                    found = true;
                    break;
                }
            }
            if (!found)
                fprintf(stderr, "provisional code not documented: %s %s %s\n", t->field, code,
                        c->name);
            CHECK(found);
        }
    }
}

/* --write-fixtures DIR: dump files and the expected JSON for tests/cmake/smf.cmake. */
static int
write_fixtures(const char *dir, const struct examples *ex)
{
    struct dump d;
    char path[512];
    const struct {
        const char *name;
        enum emit_smf_format fmt;
        size_t blk;
    } files[] = {{"zert.rdw", EMIT_SMF_RDW, 0},
                 {"zert.vbs", EMIT_SMF_VBS, 27998},
                 {"zert-spanned.vbs", EMIT_SMF_VBS, 200}};
    for (size_t i = 0; i < 3; i++) {
        dump_write(&d, files[i].fmt, files[i].blk, (const uint8_t *const *)ex->rec, ex->len, ex->n);
        snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);
        FILE *f = fopen(path, "wb");
        if (!f)
            return 1;
        fwrite(d.buf, 1, i == 0 ? d.len : d.len, f);
        fclose(f);
        if (i == 0) {
            snprintf(path, sizeof(path), "%s/zert-truncated.rdw", dir);
            f = fopen(path, "wb");
            if (!f)
                return 1;
            fwrite(d.buf, 1, ex->len[0] + ex->len[1] + ex->len[2] + 50, f);
            fclose(f);
        }
        free(d.buf);
    }
    snprintf(path, sizeof(path), "%s/zert.jsonl", dir);
    FILE *f = fopen(path, "wb");
    if (!f)
        return 1;
    fputs(ex->json, f);
    fclose(f);
    return 0;
}

/*
 * TLS_CS_Kex_Alg, suite by suite: every suite of the dissector's table gets the suite-style
 * IBM code its IANA name spells (issue 11 #8), and the reader splits the code back into the
 * suite's kex and auth. The confirmed codes (spec §3.8: 1-9) are checked by number.
 */
static void
test_tls_kex_suite_codes(void)
{
    static const struct {
        uint16_t suite, code;
    } confirmed[] = {
        {0x0000, 1},      {0x0001, 2},      {0x002F, 2},      {0x0003, 3},      {0x0006, 3},
        {0x0062, 3},      {0x0092, 4},      {0x0010, 5},      {0x0031, 5},      {0x000E, 6},
        {0x000D, 7},      {0x0030, 7},      {0x0018, 8},      {0x0034, 8},      {0x0017, 9},
        {0x0019, 9},      {0x000B, 0x8001}, {0x009E, 0x8002}, {0x0014, 0x8003}, {0x0032, 0x8004},
        {0x0011, 0x8005}, {0xC00E, 0x8006}, {0xC004, 0x8007}, {0xC02F, 0x8008}, {0xC02B, 0x8009},
        {0xC018, 0x800A}, {0x008C, 0x800B}, {0x0090, 0x800C}, {0xC035, 0x800D}, {0xC01E, 0x8010},
        {0x001E, 0x8011},
    };
    for (size_t i = 0; i < sizeof(confirmed) / sizeof(confirmed[0]); i++) {
        const struct tls_suite *s = tls_find_suite(confirmed[i].suite);
        CHECK(s != NULL);
        if (!s)
            continue;
        uint16_t got = smf_codes_tls_kex(s->name, s->kex, s->auth);
        if (got != confirmed[i].code)
            fprintf(stderr, "suite 0x%04X %s: kex code 0x%04X, want 0x%04X\n", s->code, s->name,
                    got, confirmed[i].code);
        CHECK_EQ_INT(got, confirmed[i].code);
    }
    unsigned coded = 0, total = 0;
    for (const struct tls_suite *s = tls_suites; s->name; s++) {
        if (!s->kex || strcmp(s->kex, "NULL") == 0 || strncmp(s->name, "TLS_", 4) != 0)
            continue; /* TLS 1.3 suites and SSLv2 kinds: the kex comes from elsewhere */
        total++;
        uint16_t code = smf_codes_tls_kex(s->name, s->kex, s->auth);
        if (!code) {
            /* only families IBM's list has no entry for: GOST, ECCPWD, ECJPAKE */
            bool other = strncmp(s->kex, "GOST", 4) == 0 || strcmp(s->kex, "ECCPWD") == 0 ||
                         strcmp(s->kex, "ECJPAKE") == 0;
            if (!other)
                fprintf(stderr, "suite 0x%04X %s: no kex code\n", s->code, s->name);
            CHECK(other);
            continue;
        }
        coded++;
        char kex[24], auth[16];
        smf_codes_tls_kex_split(code, kex, sizeof(kex), auth, sizeof(auth));
        bool srp = strcmp(s->kex, "SRP") == 0; /* IBM's SRP has no authentication part */
        if (strcmp(kex, s->kex) != 0 || (!srp && strcmp(auth, s->auth) != 0))
            fprintf(stderr, "suite 0x%04X %s: read back kex %s auth %s, want %s %s\n", s->code,
                    s->name, kex, auth, s->kex, s->auth);
        CHECK_EQ_STR(kex, s->kex);
        if (!srp)
            CHECK_EQ_STR(auth, s->auth);
    }
    CHECK(coded > 300 && coded + 20 > total);
    /* TLS 1.3: from the group's kind, with _PSK on resumption */
    CHECK_EQ_INT(smf_codes_tls_kex("TLS_AES_128_GCM_SHA256", "ECDHE", ""), 0x800F);
    CHECK_EQ_INT(smf_codes_tls_kex("TLS_AES_128_GCM_SHA256", "ECDHE_PSK", "PSK"), 0x800D);
    CHECK_EQ_INT(smf_codes_tls_kex("TLS_AES_256_GCM_SHA384", "ECDHE-MLKEM", ""), 0x8015);
    /* SSLv2 cipher kinds: RSA key transport */
    CHECK_EQ_INT(smf_codes_tls_kex("SSL_CK_RC4_128_WITH_MD5", "RSA", "RSA"), 2);
}

int
main(int argc, char **argv)
{
    struct examples ex;
    emit_smf_conf_init(&conf);
    examples_build(&ex);
    if (argc == 3 && strcmp(argv[1], "--write-fixtures") == 0) {
        int rc = write_fixtures(argv[2], &ex);
        examples_free(&ex);
        return rc;
    }
    test_codes_and_ebcdic();
    test_tls_kex_suite_codes();
    test_tz();
    test_tz_named();
    test_header_and_id();
    test_detail_common_tls();
    test_detail_term_times();
    test_detail_ssh();
    test_detail_ipsec_v6_zos25();
    test_summary_layout();
    test_round_trip_rdw(&ex);
    test_round_trip_vbs(&ex);
    test_newer_release(&ex);
    test_malformed(&ex);
    test_provisional_doc();
    examples_free(&ex);
    return check_report();
}
