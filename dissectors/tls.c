/* tls.c - TLS/SSL stream dissector: records, modes, STARTTLS discovery, SSLv2, gaps, limits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../emit/obs_record.h"
#include "../emit/tls_tables.h"
#include "../emit/tls_version.h"
#include "../emit/zert_record.h"
#include "cursor.h"
#include "tls.h"
#include "tls_handshake.h"
#include "x509.h"

#define TLS_CT_CCS       20
#define TLS_CT_ALERT     21
#define TLS_CT_HANDSHAKE 22
#define TLS_CT_APPDATA   23
#define TLS_CT_HEARTBEAT 24

#define SSL2_MT_ERROR         0
#define SSL2_MT_CLIENT_HELLO  1
#define SSL2_MT_CLIENT_MASTER 2
#define SSL2_MT_SERVER_HELLO  4

/* Bytes of one handshake message kept for parsing (a Certificate's first certificate fits). */
#define TLS_HS_MAX (x509_der_max() + 64u)
/* Clear-text bytes looked at around each position (longest keyword, ClientHello signature). */
#define TLS_SCAN_WINDOW 24

#define TLS_MAX_ALERTS 8

/* Clear-text hints seen before the handshake: they name the STARTTLS protocol. */
#define TLS_H_STARTTLS 0x0001u
#define TLS_H_STLS     0x0002u
#define TLS_H_FTP      0x0004u
#define TLS_H_XMPP     0x0008u
#define TLS_H_LDAP     0x0010u
#define TLS_H_SMTP     0x0020u /* EHLO / HELO */
#define TLS_H_IRC      0x0040u /* NICK / CAP LS */
#define TLS_H_POP3     0x0080u /* +OK greeting */
#define TLS_H_IMAP     0x0100u /* * OK greeting */
#define TLS_H_220      0x0200u /* 220 greeting (SMTP, FTP) */
#define TLS_H_PGSQL    0x0400u /* SSLRequest */
#define TLS_H_MYSQL    0x0800u /* server greeting, protocol 10 */
#define TLS_H_RDP      0x1000u /* TPKT / X.224 */
#define TLS_H_IMAP_TAG 0x2000u /* "<tag> STARTTLS" */

enum tls_mode {
    TLS_MODE_START,   /* nothing seen yet in this direction */
    TLS_MODE_CLEAR,   /* clear text: looking for a TLS handshake */
    TLS_MODE_RECORDS, /* TLS (or SSLv2) records */
    TLS_MODE_DONE,    /* detached */
};

enum tls_step {
    TLS_STEP_AGAIN,
    TLS_STEP_NEED,
    TLS_STEP_DONE,
};

struct tls_keyword {
    const char *text;
    uint32_t hint;
    bool line_start; /* only at the start of a line */
};

static const struct tls_keyword tls_keywords[] = {
    {"<starttls", TLS_H_XMPP, false},
    {"<stream:stream", TLS_H_XMPP, false},
    {"STARTTLS", TLS_H_STARTTLS, false},
    {"STLS", TLS_H_STLS, true},
    {"AUTH TLS", TLS_H_FTP, true},
    {"AUTH SSL", TLS_H_FTP, true},
    {"1.3.6.1.4.1.1466.20037", TLS_H_LDAP, false},
    {"EHLO ", TLS_H_SMTP, true},
    {"HELO ", TLS_H_SMTP, true},
    {"NICK ", TLS_H_IRC, true},
    {"CAP LS", TLS_H_IRC, true},
    {" 670 ", TLS_H_IRC, false}, /* RPL_STARTTLS: ":server 670 nick :STARTTLS successful" */
    {"+OK", TLS_H_POP3, true},
    {"* OK", TLS_H_IMAP, true},
    {"220", TLS_H_220, true},
    {NULL, 0, false},
};

/* PostgreSQL SSLRequest: length 8, code 80877103. */
static const uint8_t tls_pg_sslrequest[8] = {0x00, 0x00, 0x00, 0x08, 0x04, 0xd2, 0x16, 0x2f};

struct tls_dir {
    uint8_t mode;
    bool started; /* TLS found in this direction */
    bool enc;     /* records are protected from here on */
    bool fin;     /* the first protected handshake record (Finished) was seen */
    bool in_record;
    bool v2_record; /* the current record is SSLv2-format */
    uint8_t rec_type;
    uint32_t rec_left;  /* body bytes of the current record still to come */
    uint64_t bytes;     /* bytes delivered */
    uint64_t start_off; /* where TLS started (clear text before it) */
    uint32_t records;
    uint32_t enc_records;
    uint32_t hints;
    uint8_t prev; /* last clear-text byte scanned (line starts) */
    /* the handshake message being reassembled */
    uint8_t hs_hdr[4];
    uint8_t hs_hdr_len;
    uint32_t hs_len, hs_have, hs_cap;
    uint8_t *hs_buf;
    uint8_t alert[2];
    uint8_t alert_len;
};

struct tls_alert {
    uint8_t dir, level, desc;
    bool encrypted;
};

struct tls_state {
    struct tls_dir dir[2];
    struct tls_client_hello ch; /* the last one */
    char ja4s[TLS_JA4S_LEN];    /* of the ServerHello (not a HelloRetryRequest) */
    uint8_t ch_count;           /* ClientHellos seen (2 after a HelloRetryRequest) */
    /* the server's choice */
    bool sh_seen, tls13, ssl2;
    uint16_t version;    /* negotiated */
    uint16_t sh_version; /* ServerHello.(legacy_)version */
    bool suite_known;
    uint32_t suite;
    uint8_t sid_len;
    uint8_t sid[32];
    bool resumed, psk_accepted, sid_resumed;
    struct tls_server_ext sx;
    bool group_known;
    uint16_t group;
    uint32_t dh_bits;
    bool hrr, hrr_group_known;
    uint16_t hrr_group;
    bool server_done, client_keyx, cert_request, ticket_issued, ocsp;
    bool client_cert_msg, client_cert_empty;
    struct tls_leaf_cert cert[2]; /* [DIR_C2S]: the client's certificate */
    struct tls_alert alerts[TLS_MAX_ALERTS];
    uint8_t n_alerts;
    uint32_t alerts_total;
    bool fatal_alert;
    bool
        srv_after_cli; /* TLS 1.3: the server sent records after the client's first protected one */
    bool established;
    uint32_t enc_hs_records;
    const char *label; /* STARTTLS protocol */
    const char *incomplete_why;
    bool gap_during_handshake;
    bool malformed;
    bool clear_after_end; /* an alert ended the session and non-TLS bytes followed */
    uint32_t hs_errors;
};

_Static_assert(sizeof(struct tls_state) <= 4096, "TLS state must stay a few KB");

static bool
tls_state_seen(const struct tls_state *st)
{
    return st->ch.seen || st->sh_seen || st->hrr;
}

/* ------------------------------------------------------------------ helpers */

static uint8_t
tls_upper(uint8_t b)
{
    return (b >= 'a' && b <= 'z') ? (uint8_t)(b - 32) : b;
}

static void
tls_incomplete(struct tls_state *st, const char *why)
{
    if (!st->incomplete_why)
        st->incomplete_why = why;
}

static void
tls_dir_free_hs(struct tls_dir *d)
{
    free(d->hs_buf);
    d->hs_buf = NULL;
    d->hs_hdr_len = 0;
    d->hs_len = d->hs_have = d->hs_cap = 0;
}

static void
tls_add_alert(struct tls_state *st, int dir, uint8_t level, uint8_t desc, bool encrypted)
{
    st->alerts_total++;
    if (!encrypted && level == 2 && !st->established)
        st->fatal_alert = true;
    if (st->n_alerts >= TLS_MAX_ALERTS)
        return;
    struct tls_alert *a = &st->alerts[st->n_alerts++];
    a->dir = (uint8_t)dir;
    a->level = level;
    a->desc = desc;
    a->encrypted = encrypted;
}

static void
tls_update_established(struct tls_state *st)
{
    if (st->established || !st->sh_seen)
        return;
    if (st->ssl2)
        st->established = st->dir[DIR_C2S].enc_records > 0 && st->dir[DIR_S2C].enc_records > 0;
    else if (st->tls13)
        st->established = st->dir[DIR_C2S].enc_records >= 2 || st->srv_after_cli;
    else
        st->established = st->dir[DIR_C2S].fin && st->dir[DIR_S2C].fin;
}

/* ------------------------------------------------------------------ STARTTLS naming */

static const char *
tls_label_starttls(const struct tls_state *st)
{
    uint32_t h = st->dir[DIR_C2S].hints | st->dir[DIR_S2C].hints;
    if (h & TLS_H_PGSQL)
        return "postgres";
    if (h & TLS_H_MYSQL)
        return "mysql";
    if (h & TLS_H_RDP)
        return "rdp";
    if (h & TLS_H_LDAP)
        return "ldap";
    if (h & TLS_H_XMPP)
        return "xmpp";
    if (h & TLS_H_FTP)
        return "ftp";
    if (h & TLS_H_STLS)
        return "pop3";
    if (h & TLS_H_IMAP)
        return "imap";
    if (h & TLS_H_POP3)
        return "pop3";
    if (h & TLS_H_STARTTLS) {
        if (h & TLS_H_IRC)
            return "irc";
        if (h & (TLS_H_SMTP | TLS_H_220))
            return "smtp";
        if (h & TLS_H_IMAP_TAG)
            return "imap";
    }
    return "unknown";
}

/*
 * Where the clear-text scan stops: a pair of bytes (b, next) with tls_clear_first[b] &
 * tls_clear_second[next] set. Bit k (k < 31) is keyword k of tls_keywords, by its first two
 * characters in either case; bit 31 is the first byte of a TLS handshake or alert record (any
 * next byte). Most clear-text pairs begin nothing, and the scan passes every clear byte
 * (bench/README.md, the records job's profile). Built from tls_keywords on first use, so the
 * tables cannot disagree with it.
 */
#define TLS_CLEAR_RECORD_BIT (1u << 31)
_Static_assert(sizeof(tls_keywords) / sizeof(tls_keywords[0]) - 1 < 31, "a bit per keyword");
static uint32_t tls_clear_first[256];
static uint32_t tls_clear_second[256];

static void
tls_clear_tables(void)
{
    static bool ready;
    if (ready)
        return;
    uint32_t bit = 1;
    for (const struct tls_keyword *k = tls_keywords; k->text; k++, bit <<= 1) {
        for (int pos = 0; pos < 2; pos++) {
            uint32_t *t = pos ? tls_clear_second : tls_clear_first;
            uint8_t f = tls_upper((uint8_t)k->text[pos]);
            t[f] |= bit;
            if (f >= 'A' && f <= 'Z')
                t[f + 32] |= bit;
        }
    }
    tls_clear_first[TLS_CT_HANDSHAKE] |= TLS_CLEAR_RECORD_BIT;
    tls_clear_first[TLS_CT_ALERT] |= TLS_CLEAR_RECORD_BIT;
    for (int i = 0; i < 256; i++)
        tls_clear_second[i] |= TLS_CLEAR_RECORD_BIT;
    ready = true;
}

/* Keywords at offset `off` of the clear text (case-insensitive). */
static void
tls_scan_keywords(struct tls_dir *d, const struct cursor *c, size_t off)
{
    uint8_t b0, b1;
    if (!cur_peek_at(c, off, &b0) || !cur_peek_at(c, off + 1, &b1))
        return;
    uint32_t maybe = tls_clear_first[b0] & tls_clear_second[b1] & ~TLS_CLEAR_RECORD_BIT;
    if (!maybe)
        return;
    bool line_start = d->bytes == 0 || d->prev == '\n';
    uint32_t bit = 1;
    for (const struct tls_keyword *k = tls_keywords; k->text; k++, bit <<= 1) {
        if (!(maybe & bit) || (k->line_start && !line_start))
            continue;
        size_t i = 2;
        for (; k->text[i]; i++) {
            uint8_t b;
            if (!cur_peek_at(c, off + i, &b) || tls_upper(b) != tls_upper((uint8_t)k->text[i]))
                break;
        }
        if (k->text[i])
            continue;
        d->hints |= k->hint;
        if (k->hint == TLS_H_STARTTLS && d->prev == ' ')
            d->hints |= TLS_H_IMAP_TAG;
    }
}

/*
 * Does a TLS handshake start at `off`? 1 yes, 0 no, -1 not enough bytes to tell.
 * Client: a handshake record holding (the start of) a ClientHello; server: a
 * ServerHello, or an alert once the client started TLS.
 */
static int
tls_match_start(const struct tls_state *st, int dir, const struct cursor *c, size_t off)
{
    uint8_t b[11];
    for (size_t i = 0; i < sizeof(b); i++)
        if (!cur_peek_at(c, off + i, &b[i]))
            return -1;
    uint32_t rlen = ((uint32_t)b[3] << 8) | b[4];
    if (b[1] != 3 || b[2] > 4 || rlen > TLS_RECORD_MAX)
        return 0;
    if (b[0] == TLS_CT_ALERT)
        return dir == DIR_S2C && st->dir[DIR_C2S].started && rlen == 2 && (b[5] == 1 || b[5] == 2);
    if (b[0] != TLS_CT_HANDSHAKE || rlen < 6)
        return 0;
    uint32_t hlen = ((uint32_t)b[6] << 16) | ((uint32_t)b[7] << 8) | b[8];
    if (dir == DIR_C2S)
        return b[5] == TLS_HS_CLIENT_HELLO && hlen >= 38 && b[9] == 3 && b[10] <= 4;
    return b[5] == TLS_HS_SERVER_HELLO && hlen >= 38 && (b[9] == 3 || b[9] == 0x7f || b[9] == 0x7e);
}

/* An SSLv2 record header holding a hello at the start of a direction. */
static bool
tls_match_ssl2_hello(const struct cursor *c, int dir)
{
    uint8_t b[5];
    for (size_t i = 0; i < sizeof(b); i++)
        if (!cur_peek_at(c, i, &b[i]))
            return false;
    uint32_t len = ((uint32_t)(b[0] & 0x7f) << 8) | b[1];
    if (!(b[0] & 0x80) || len < 9)
        return false;
    if (dir == DIR_C2S)
        return b[2] == SSL2_MT_CLIENT_HELLO && (b[3] == 0 || b[3] == 3) && b[4] <= 4;
    return b[2] == SSL2_MT_SERVER_HELLO && b[3] <= 1;
}

/* A TLS record header of any type at the start of a direction. */
static bool
tls_match_record(const struct cursor *c)
{
    uint8_t b[5];
    for (size_t i = 0; i < sizeof(b); i++)
        if (!cur_peek_at(c, i, &b[i]))
            return false;
    uint32_t len = ((uint32_t)b[3] << 8) | b[4];
    return b[0] >= TLS_CT_CCS && b[0] <= TLS_CT_HEARTBEAT && b[1] == 3 && b[2] <= 4 &&
           len <= TLS_RECORD_MAX;
}

/* ------------------------------------------------------------------ handshake messages */

/* A HelloRetryRequest: TLS 1.3, and the group the server asked for. */
static void
tls_hello_retry(struct tls_state *st, const struct tls_server_hello *sh)
{
    st->hrr = true;
    st->version = sh->version;
    st->tls13 = true;
    st->hrr_group_known = sh->sx.ks_seen;
    st->hrr_group = sh->sx.ks_group;
}

/* The server's choice: version, suite, key share, resumption; TLS 1.3 encrypts from here on. */
static void
tls_server_hello(struct tls_state *st, const struct tls_server_hello *sh)
{
    st->sh_version = sh->legacy_version;
    st->suite = sh->suite;
    st->sid_len = sh->sid_len;
    memcpy(st->sid, sh->sid, sh->sid_len);
    if (sh->hrr) {
        tls_hello_retry(st, sh);
        return;
    }
    st->sh_seen = true;
    st->sx = sh->sx;
    memcpy(st->ja4s, sh->ja4s, sizeof(st->ja4s));
    st->version = sh->version;
    st->suite_known = true;
    st->tls13 = tls_version_is_13(sh->version);
    if (st->tls13) {
        st->group_known = sh->sx.ks_seen;
        st->group = sh->sx.ks_group;
        st->psk_accepted = sh->sx.psk;
        st->resumed = sh->sx.psk;
        /* everything after the ServerHello is protected, in both directions */
        st->dir[DIR_S2C].enc = true;
        st->dir[DIR_C2S].enc = true;
    } else if (st->sid_len && st->ch.seen && st->ch.sid_len == st->sid_len &&
               memcmp(st->ch.sid, st->sid, st->sid_len) == 0) {
        st->sid_resumed = true;
        st->resumed = true;
    }
}

/* ServerKeyExchange (TLS 1.2 and before): the curve or the size of the DH prime. */
static void
tls_server_keyx(struct tls_state *st, struct cursor body)
{
    if (!st->suite_known || st->tls13)
        return;
    const struct tls_suite *s = tls_find_suite(st->suite);
    if (!s || !s->kex)
        return;
    struct tls_server_keyx kx;
    tls_parse_server_keyx(body, s->kex, &kx);
    if (kx.group_known) {
        st->group_known = true;
        st->group = kx.group;
    }
    if (kx.dh_known)
        st->dh_bits = kx.dh_bits;
}

static void
tls_hs_message(struct tls_state *st, int dir, uint8_t type, struct cursor body, bool truncated)
{
    struct tls_server_hello sh;
    bool empty;
    switch (type) {
    case TLS_HS_CLIENT_HELLO:
        if (dir != DIR_C2S)
            break;
        if (!tls_parse_client_hello(body, &st->ch))
            st->hs_errors++;
        else if (st->ch_count < 255)
            st->ch_count++;
        break;
    case TLS_HS_SERVER_HELLO:
        if (dir != DIR_S2C)
            break;
        if (tls_parse_server_hello(body, &sh))
            tls_server_hello(st, &sh);
        else
            st->hs_errors++;
        break;
    case TLS_HS_HRR:
        if (dir != DIR_S2C)
            break;
        if (tls_parse_hrr_draft(body, &sh))
            tls_hello_retry(st, &sh);
        else
            st->hs_errors++;
        break;
    case TLS_HS_CERTIFICATE:
        if (!st->tls13 && tls_parse_certificate(body, truncated, &empty, &st->cert[dir]) &&
            dir == DIR_C2S) {
            st->client_cert_msg = true;
            st->client_cert_empty = empty;
        }
        break;
    case TLS_HS_SERVER_KEYX:
        if (dir == DIR_S2C)
            tls_server_keyx(st, body);
        break;
    case TLS_HS_CERT_REQUEST:
        if (dir == DIR_S2C)
            st->cert_request = true;
        break;
    case TLS_HS_SERVER_DONE:
        if (dir == DIR_S2C)
            st->server_done = true;
        break;
    case TLS_HS_CLIENT_KEYX:
        if (dir == DIR_C2S)
            st->client_keyx = true;
        break;
    case TLS_HS_NEW_TICKET:
        if (dir == DIR_S2C)
            st->ticket_issued = true;
        break;
    case TLS_HS_CERT_STATUS:
        if (dir == DIR_S2C)
            st->ocsp = true;
        break;
    default:
        break;
    }
}

/* Handshake-record bytes in clear: reassemble messages across records, parse each one. */
static void
tls_hs_feed(struct tls_state *st, int dir, struct cursor c)
{
    struct tls_dir *d = &st->dir[dir];
    while (cur_left(&c) > 0 && !d->enc) {
        if (d->hs_hdr_len == 0) {
            /* a whole message in these bytes (the usual case): parsed where it lies, not
             * copied (the copies and their buffers were 3 % of the records job) */
            struct cursor m = c;
            uint8_t type = cur_get_u8(&m);
            uint32_t len = cur_get_be24(&m);
            if (cur_ok(&m) && len <= TLS_HS_MAX && cur_left(&m) >= len) {
                c = m;
                tls_hs_message(st, dir, type, cur_take(&c, len), false);
                continue;
            }
        }
        if (d->hs_hdr_len < 4) {
            d->hs_hdr[d->hs_hdr_len++] = cur_get_u8(&c);
            if (d->hs_hdr_len < 4)
                continue;
            struct cursor h = cur_init(d->hs_hdr, 4);
            cur_get_u8(&h);
            d->hs_len = cur_get_be24(&h);
            d->hs_have = 0;
            d->hs_cap = (uint32_t)(d->hs_len < TLS_HS_MAX ? d->hs_len : TLS_HS_MAX);
            d->hs_buf = d->hs_cap ? malloc(d->hs_cap) : NULL;
            if (d->hs_cap && !d->hs_buf)
                d->hs_cap = 0;
        } else {
            size_t want = d->hs_len - d->hs_have;
            size_t n = cur_left(&c) < want ? cur_left(&c) : want;
            const uint8_t *v = cur_get_bytes(&c, n);
            if (d->hs_have < d->hs_cap) {
                size_t keep = d->hs_cap - d->hs_have;
                memcpy(d->hs_buf + d->hs_have, v, n < keep ? n : keep);
            }
            d->hs_have += (uint32_t)n;
        }
        if (d->hs_hdr_len == 4 && d->hs_have == d->hs_len) {
            uint32_t kept = d->hs_have < d->hs_cap ? d->hs_have : d->hs_cap;
            uint8_t type = d->hs_hdr[0];
            tls_hs_message(st, dir, type, cur_init(d->hs_buf, kept), kept < d->hs_len);
            tls_dir_free_hs(d);
        }
    }
}

/* ------------------------------------------------------------------ SSLv2 */

static void
tls_ssl2_message(struct tls_state *st, int dir, struct cursor c)
{
    uint8_t type = cur_get_u8(&c);
    if (dir == DIR_C2S && type == SSL2_MT_CLIENT_HELLO && !st->ch.seen) {
        uint16_t version = cur_get_be16(&c);
        uint16_t specs_len = cur_get_be16(&c);
        uint16_t sid_len = cur_get_be16(&c);
        uint16_t chal_len = cur_get_be16(&c);
        struct cursor specs = cur_take(&c, specs_len);
        struct cursor sid = cur_take(&c, sid_len);
        cur_skip(&c, chal_len);
        if (!cur_ok(&c))
            return;
        struct tls_client_hello *ch = &st->ch;
        ch->seen = true;
        ch->sslv2 = true;
        st->ch_count = 1;
        ch->version = version;
        if (sid_len <= 32) {
            ch->sid_len = (uint8_t)sid_len;
            cur_copy(&sid, ch->sid, sid_len);
        }
        while (cur_left(&specs) >= 3) {
            uint32_t s = cur_get_be24(&specs);
            if (s > 0xffff)
                continue; /* SSLv2 cipher kinds: a v2 server picks from its own list */
            if (ch->n_suites < TLS_MAX_SUITES)
                ch->suites[ch->n_suites] = (uint16_t)s;
            ch->n_suites++;
        }
    } else if (dir == DIR_S2C && type == SSL2_MT_SERVER_HELLO && !st->sh_seen) {
        uint8_t hit = cur_get_u8(&c);
        cur_get_u8(&c); /* certificate type */
        uint16_t version = cur_get_be16(&c);
        uint16_t cert_len = cur_get_be16(&c);
        uint16_t specs_len = cur_get_be16(&c);
        cur_get_be16(&c); /* connection id length */
        const uint8_t *cert = cur_get_bytes(&c, cert_len);
        struct cursor specs = cur_take(&c, specs_len);
        if (!cur_ok(&c))
            return;
        st->ssl2 = true;
        st->sh_seen = true;
        st->sh_version = version;
        st->version = 0x0002;
        st->resumed = hit != 0;
        if (specs_len == 3) { /* one choice left: that is the cipher */
            st->suite = cur_get_be24(&specs);
            st->suite_known = true;
        }
        if (cert_len) {
            struct tls_leaf_cert *leaf = &st->cert[DIR_S2C];
            leaf->der_len = cert_len;
            leaf->facts = malloc(sizeof(*leaf->facts));
            if (leaf->facts && x509_parse_facts(cert, cert_len, leaf->facts) != 0)
                leaf->err = "certificate not parsed by libcrypto";
        }
        if (hit) {
            st->dir[DIR_C2S].enc = true;
            st->dir[DIR_S2C].enc = true;
        }
    } else if (dir == DIR_C2S && type == SSL2_MT_CLIENT_MASTER) {
        uint32_t kind = cur_get_be24(&c);
        if (!cur_ok(&c))
            return;
        st->suite = kind;
        st->suite_known = true;
        st->dir[DIR_C2S].enc = true;
        st->dir[DIR_S2C].enc = true;
    } else if (type == SSL2_MT_ERROR) {
        uint16_t code = cur_get_be16(&c);
        /* SSLv2 errors as the TLS alerts that replaced them */
        static const uint8_t ssl2_to_alert[8] = {80, 40, 41, 80, 42, 80, 43, 80};
        if (cur_ok(&c))
            tls_add_alert(st, dir, 2, ssl2_to_alert[code < 8 ? code : 0], false);
    }
}

/* ------------------------------------------------------------------ record layer */

/* A record of `type` begins: the limits (protected handshake, alerts) and establishment. */
static void
tls_record_begin(struct tls_state *st, int dir, uint8_t type)
{
    struct tls_dir *d = &st->dir[dir];
    d->records++;
    if (d->enc && !(st->tls13 && (type == TLS_CT_CCS || type == TLS_CT_ALERT))) {
        d->enc_records++;
        if (st->tls13) {
            if (dir == DIR_S2C && st->dir[DIR_C2S].enc_records > 0)
                st->srv_after_cli = true;
        } else if (!st->ssl2 && type == TLS_CT_HANDSHAKE) {
            if (d->fin)
                st->enc_hs_records++; /* renegotiation (or another post-handshake message) */
            d->fin = true;
        }
    }
    if (type == TLS_CT_CCS && !d->enc && st->sh_seen && !st->tls13 && !st->ssl2) {
        d->enc = true;
        tls_dir_free_hs(d);
        if (dir == DIR_S2C && !st->server_done && !st->resumed)
            st->resumed = true; /* abbreviated handshake: no ServerHelloDone before CCS */
    }
    tls_update_established(st);
}

/* Parse one record header (TLS or SSLv2); false when it is not a valid record. */
static enum tls_step
tls_record_header(struct tls_state *st, int dir, struct cursor *c, size_t *need)
{
    struct tls_dir *d = &st->dir[dir];
    uint8_t b0 = 0;
    cur_peek_at(c, 0, &b0);
    bool v2 = st->ssl2 || (d->records == 0 && (b0 & 0x80));
    if (v2) {
        size_t hdr = (b0 & 0x80) ? 2 : 3;
        if (cur_left(c) < hdr) {
            *need = hdr - cur_left(c);
            return TLS_STEP_NEED;
        }
        uint8_t b1 = 0;
        cur_peek_at(c, 1, &b1);
        uint32_t len =
            (b0 & 0x80) ? (((uint32_t)(b0 & 0x7f) << 8) | b1) : (((uint32_t)(b0 & 0x3f) << 8) | b1);
        if (!d->enc) {
            /* clear SSLv2 messages are parsed whole */
            if (cur_left(c) < hdr + len) {
                *need = hdr + len - cur_left(c);
                return TLS_STEP_NEED;
            }
            cur_skip(c, hdr);
            tls_record_begin(st, dir, TLS_CT_HANDSHAKE);
            tls_ssl2_message(st, dir, cur_take(c, len));
            return TLS_STEP_AGAIN;
        }
        cur_skip(c, hdr);
        d->v2_record = true;
        d->in_record = true;
        d->rec_type = TLS_CT_APPDATA;
        d->rec_left = len;
        tls_record_begin(st, dir, TLS_CT_APPDATA);
        return TLS_STEP_AGAIN;
    }
    if (cur_left(c) < 5) {
        *need = 5 - cur_left(c);
        return TLS_STEP_NEED;
    }
    uint8_t type = cur_get_u8(c);
    uint16_t version = cur_get_be16(c);
    uint16_t len = cur_get_be16(c);
    if (type < TLS_CT_CCS || type > TLS_CT_HEARTBEAT || (version >> 8) != 3 ||
        len > TLS_RECORD_MAX) {
        if (!st->established) {
            st->malformed = true;
            tls_incomplete(st, "malformed TLS record");
        } else if (st->alerts_total > 0) {
            st->clear_after_end = true; /* close_notify, then clear text on the same connection */
        }
        return TLS_STEP_DONE;
    }
    d->v2_record = false;
    d->in_record = true;
    d->rec_type = type;
    d->rec_left = len;
    d->alert_len = 0;
    tls_record_begin(st, dir, type);
    return TLS_STEP_AGAIN;
}

static enum tls_step
tls_step_records(struct tls_state *st, int dir, struct cursor *c, size_t *need)
{
    struct tls_dir *d = &st->dir[dir];
    if (st->established && (st->tls13 || st->ssl2))
        return TLS_STEP_DONE; /* nothing more is visible: detach */
    if (!d->in_record) {
        if (cur_left(c) == 0) {
            *need = 1;
            return TLS_STEP_NEED;
        }
        return tls_record_header(st, dir, c, need);
    }
    size_t n = cur_left(c) < d->rec_left ? cur_left(c) : d->rec_left;
    struct cursor body = cur_take(c, n);
    d->rec_left -= (uint32_t)n;
    if (!d->v2_record && d->rec_type == TLS_CT_HANDSHAKE && !d->enc) {
        tls_hs_feed(st, dir, body);
    } else if (!d->v2_record && d->rec_type == TLS_CT_ALERT) {
        while (cur_left(&body) && d->alert_len < 2)
            d->alert[d->alert_len++] = cur_get_u8(&body);
    }
    if (d->rec_left == 0) {
        d->in_record = false;
        if (!d->v2_record && d->rec_type == TLS_CT_ALERT) {
            /* a 2-byte alert is clear text (also TLS 1.3 plaintext alerts); else protected */
            bool clear = d->alert_len == 2 && (!d->enc || st->tls13);
            tls_add_alert(st, dir, clear ? d->alert[0] : 0, clear ? d->alert[1] : 0, !clear);
        }
    }
    if (cur_left(c) == 0 && d->in_record) {
        *need = 1;
        return TLS_STEP_NEED;
    }
    return TLS_STEP_AGAIN;
}

/* ------------------------------------------------------------------ start and clear text */

static void
tls_start_records(struct tls_state *st, int dir)
{
    struct tls_dir *d = &st->dir[dir];
    d->mode = TLS_MODE_RECORDS;
    d->started = true;
    d->start_off = d->bytes;
    if (dir == DIR_C2S && d->bytes > 0 && !st->label)
        st->label = tls_label_starttls(st);
    if (dir == DIR_S2C && d->bytes > 0 && !st->label && !st->dir[DIR_C2S].started)
        st->label = tls_label_starttls(st);
}

/* First bytes of a direction: TLS, SSLv2, or clear text (and which protocol it may be). */
static enum tls_step
tls_step_start(struct tls_state *st, int dir, struct cursor *c, size_t *need)
{
    struct tls_dir *d = &st->dir[dir];
    if (cur_left(c) < 8) { /* a record header, or PostgreSQL's 8-byte SSLRequest */
        *need = 8 - cur_left(c);
        return TLS_STEP_NEED;
    }
    if (tls_match_record(c) || tls_match_ssl2_hello(c, dir)) {
        tls_start_records(st, dir);
        return TLS_STEP_AGAIN;
    }
    uint8_t b[8] = {0};
    size_t n = cur_left(c) < sizeof(b) ? cur_left(c) : sizeof(b);
    for (size_t i = 0; i < n; i++)
        cur_peek_at(c, i, &b[i]);
    if (dir == DIR_C2S && n == 8 && memcmp(b, tls_pg_sslrequest, 8) == 0)
        d->hints |= TLS_H_PGSQL;
    if (dir == DIR_C2S && n >= 6 && b[0] == 3 && b[1] == 0 && (b[5] & 0xf0) == 0xe0)
        d->hints |= TLS_H_RDP; /* TPKT + X.224 Connection Request */
    if (dir == DIR_S2C && b[3] == 0 && b[4] == 0x0a)
        d->hints |= TLS_H_MYSQL;
    d->mode = TLS_MODE_CLEAR;
    return TLS_STEP_AGAIN;
}

static enum tls_step
tls_step_clear(struct tls_state *st, int dir, struct cursor *c, size_t *need)
{
    struct tls_dir *d = &st->dir[dir];
    for (;;) {
        if (d->bytes >= TLS_CLEAR_MAX)
            return TLS_STEP_DONE;
        if (cur_left(c) < TLS_SCAN_WINDOW) {
            *need = TLS_SCAN_WINDOW - cur_left(c);
            return TLS_STEP_NEED;
        }
        /* pass the bytes that begin nothing, keeping the scan window's worth */
        size_t room = cur_left(c) - TLS_SCAN_WINDOW + 1;
        if (room > TLS_CLEAR_MAX - d->bytes)
            room = TLS_CLEAR_MAX - d->bytes;
        tls_clear_tables();
        d->bytes += cur_skip_until_pair(c, tls_clear_first, tls_clear_second, room, &d->prev);
        if (d->bytes >= TLS_CLEAR_MAX)
            return TLS_STEP_DONE;
        if (cur_left(c) < TLS_SCAN_WINDOW) {
            *need = TLS_SCAN_WINDOW - cur_left(c);
            return TLS_STEP_NEED;
        }
        uint8_t b0 = 0;
        cur_peek_at(c, 0, &b0);
        if ((b0 == TLS_CT_HANDSHAKE || b0 == TLS_CT_ALERT) && tls_match_start(st, dir, c, 0) == 1) {
            tls_start_records(st, dir);
            return TLS_STEP_AGAIN;
        }
        tls_scan_keywords(d, c, 0);
        d->prev = cur_get_u8(c);
        d->bytes++;
    }
}

/* ------------------------------------------------------------------ the dissector */

static enum probe_verdict
tls_probe(const uint8_t *data, size_t len, int dir)
{
    struct cursor c = cur_init(data, len);
    if (tls_match_ssl2_hello(&c, dir))
        return PROBE_YES;
    uint8_t b0 = 0;
    cur_peek_at(&c, 0, &b0);
    if (b0 == TLS_CT_HANDSHAKE && tls_match_record(&c))
        return PROBE_YES;
    return PROBE_NO;
}

static void *
tls_state_new(void)
{
    return calloc(1, sizeof(struct tls_state));
}

static void
tls_state_free(void *vst)
{
    struct tls_state *st = vst;
    if (!st)
        return;
    for (int i = 0; i < 2; i++) {
        tls_dir_free_hs(&st->dir[i]);
        free(st->cert[i].facts);
    }
    free(st);
}

static struct dissect_result
tls_on_data(void *vst, int dir, const uint8_t *data, size_t len, uint64_t ts_us)
{
    struct tls_state *st = vst;
    (void)ts_us;
    if (dir != DIR_C2S && dir != DIR_S2C)
        return dissect_bad();
    struct tls_dir *d = &st->dir[dir];
    struct cursor c = cur_init(data, len);
    for (;;) {
        size_t need = 1;
        size_t before = cur_left(&c);
        enum tls_step r = TLS_STEP_DONE;
        switch (d->mode) {
        case TLS_MODE_START:
            r = tls_step_start(st, dir, &c, &need);
            break;
        case TLS_MODE_CLEAR:
            r = tls_step_clear(st, dir, &c, &need);
            break;
        case TLS_MODE_RECORDS:
            r = tls_step_records(st, dir, &c, &need);
            d->bytes += before - cur_left(&c);
            break;
        default:
            break;
        }
        size_t used = len - cur_left(&c);
        if (r == TLS_STEP_DONE) {
            d->mode = TLS_MODE_DONE;
            tls_dir_free_hs(d);
            return dissect_done(used);
        }
        if (r == TLS_STEP_NEED)
            return dissect_need(used, need);
    }
}

static void
tls_on_gap(void *vst, int dir, uint64_t len)
{
    struct tls_state *st = vst;
    if (dir != DIR_C2S && dir != DIR_S2C)
        return;
    struct tls_dir *d = &st->dir[dir];
    d->bytes += len;
    /*
     * A hole at the start of this side while the other side's handshake is under way (a
     * server flight not captured after a ClientHello) is a gap during the handshake, as
     * docs/tls.md defines it, not lost clear text.
     */
    bool in_handshake = d->mode == TLS_MODE_RECORDS ||
                        (d->mode == TLS_MODE_START && st->dir[dir ^ 1].mode == TLS_MODE_RECORDS);
    switch (in_handshake ? TLS_MODE_RECORDS : d->mode) {
    case TLS_MODE_START:
    case TLS_MODE_CLEAR:
        /* lost clear text: keep looking for the handshake after the hole */
        d->mode = TLS_MODE_CLEAR;
        d->prev = 0;
        break;
    case TLS_MODE_RECORDS:
        /* record boundaries are lost: never guess across the hole */
        if (!st->established) {
            st->gap_during_handshake = true;
            tls_incomplete(st, dir == DIR_C2S ? "gap in client stream during handshake"
                                              : "gap in server stream during handshake");
        }
        d->mode = TLS_MODE_DONE;
        tls_dir_free_hs(d);
        break;
    default:
        break;
    }
}

static void
tls_on_end(void *vst, uint64_t ts_us)
{
    struct tls_state *st = vst;
    (void)ts_us;
    if (!tls_state_seen(st) || st->established)
        return;
    if (st->ch.seen && st->dir[DIR_S2C].bytes == 0)
        tls_incomplete(st, "server side not seen");
    else if (st->sh_seen && st->dir[DIR_C2S].bytes == 0)
        tls_incomplete(st, "client side not seen");
}

static void
tls_get_observation(const void *vst, struct observation_facts *o)
{
    const struct tls_state *st = vst;
    if (!tls_state_seen(st))
        return;
    const struct tls_dir *cd = &st->dir[DIR_C2S], *sd = &st->dir[DIR_S2C];
    bool first = !((cd->started && cd->start_off > 0) || (sd->started && sd->start_off > 0));
    o->established = st->established;
    o->handshake_first = first;
    o->starttls = first ? NULL : (st->label ? st->label : "unknown");
    o->rehandshake_suspected = st->enc_hs_records > 0;
    o->encrypted_handshake_records = st->enc_hs_records;
    o->early_close = st->alerts_total > 0;
    o->clear_after_end = st->clear_after_end;
    o->incomplete = st->incomplete_why != NULL;
    o->incomplete_why = st->incomplete_why;
    /* not established and not explained by what the capture lost: the handshake failed */
    o->failed = !st->established &&
                (st->fatal_alert || (!st->gap_during_handshake && !st->malformed && cd->bytes > 0));
}

/* ------------------------------------------------------------------ observation */

/* Key exchange: the suite's for TLS <= 1.2; TLS 1.3 from the group and PSK mode. */
static const char *
tls_kex_name(const struct tls_state *st, const struct tls_suite *s, char *buf, size_t len)
{
    if (!st->sh_seen)
        return NULL;
    if (!st->tls13)
        return s ? s->kex : NULL;
    const struct tls_group *g = st->group_known ? tls_find_group(st->group) : NULL;
    const char *base = g ? g->kex : NULL; /* a group the table does not know: kex unknown */
    if (st->psk_accepted) {
        if (!base)
            return "PSK";
        snprintf(buf, len, "%s_PSK", base);
        return buf;
    }
    return base;
}

_Static_assert(OBS_TLS_MAX_SUITES == TLS_MAX_SUITES && OBS_TLS_MAX_GROUPS >= TLS_MAX_GROUPS &&
                   OBS_TLS_MAX_KS >= TLS_MAX_KS && OBS_TLS_MAX_SIGS >= TLS_MAX_SIGS &&
                   OBS_TLS_MAX_VERSIONS >= TLS_MAX_VERSIONS &&
                   OBS_TLS_MAX_ALERTS >= TLS_MAX_ALERTS &&
                   OBS_TLS_MAX_PSK_MODES >= sizeof(((struct tls_client_hello *)0)->psk_modes),
               "the observation block holds every list the TLS state keeps");
_Static_assert(sizeof(((struct obs_tls *)0)->sni) >= sizeof(((struct tls_client_hello *)0)->sni) &&
                   sizeof(((struct obs_tls *)0)->client_alpn) >=
                       sizeof(((struct tls_client_hello *)0)->alpn) &&
                   sizeof(((struct obs_tls *)0)->alpn) >=
                       sizeof(((struct tls_server_ext *)0)->alpn),
               "the observation block holds the TLS state's text uncut");

static void
tls_obs_cert(struct obs_tls_cert *oc, const struct tls_state *st, int dir)
{
    const struct tls_leaf_cert *leaf = &st->cert[dir];
    const struct x509_facts *x = leaf->facts;
    if (!x && !leaf->err)
        return;
    oc->present = true;
    if (x && x->parsed)
        oc->x = *x;
    oc->der_bytes = leaf->der_len;
    oc->error = leaf->err;
}

static void
tls_obs_list(uint16_t *dst, uint8_t *n, const uint16_t *src, size_t count)
{
    memcpy(dst, src, count * sizeof(*src));
    *n = (uint8_t)count;
}

/* The observation block: everything the handshake showed, and what it could not show. */
static void
tls_fill_observation(const void *vst, struct obs_proto *p)
{
    const struct tls_state *st = vst;
    if (!tls_state_seen(st))
        return;
    struct obs_tls *t = &p->tls;
    memset(t, 0, sizeof(*t));
    p->kind = OBS_TLS;
    char vbuf[32], kbuf[32];
    const struct tls_suite *s = st->suite_known ? tls_find_suite(st->suite) : NULL;
    const struct tls_client_hello *ch = &st->ch;
    bool sh = st->sh_seen;
    if (sh || st->hrr) {
        zert_str_set(t->version, sizeof(t->version),
                     tls_version_name(st->version, vbuf, sizeof(vbuf)), NULL);
        zert_num_set(&t->version_code, st->version);
    }
    if (sh && st->suite_known)
        zert_num_set(&t->cipher_suite, st->suite);
    if (sh && s) {
        t->cipher_name = s->name;
        t->auth = s->auth;
        t->enc = s->enc;
        t->mac = s->mac;
    }
    zert_str_set(t->kex, sizeof(t->kex), tls_kex_name(st, s, kbuf, sizeof(kbuf)), NULL);
    if (sh && st->group_known) {
        zert_num_set(&t->group, st->group);
        const struct tls_group *g = tls_find_group(st->group);
        t->group_name = g ? g->name : NULL;
    }
    if (st->dh_bits)
        zert_num_set(&t->dh_bits, st->dh_bits);
    t->handshake = !sh ? NULL : st->resumed ? "resumed" : "full";
    t->hello_retry = st->hrr;
    if (st->hrr && st->hrr_group_known)
        zert_num_set(&t->hrr_group, st->hrr_group);
    zert_str_set(t->sni, sizeof(t->sni), ch->sni, NULL);
    zert_str_set(t->ja4, sizeof(t->ja4), ch->ja4, NULL);
    if (sh) {
        zert_str_set(t->alpn, sizeof(t->alpn), st->sx.alpn, NULL);
        zert_str_set(t->ja4s, sizeof(t->ja4s), st->ja4s, NULL);
    }
    t->cert_observable = !(sh && st->tls13);
    tls_obs_cert(&t->server_cert, st, DIR_S2C);
    tls_obs_cert(&t->client_cert, st, DIR_C2S);
    if (sh && st->sid_len)
        zert_bytes_set(&t->session_id, st->sid, st->sid_len, 32, NULL);
    t->client_hello_format = !ch->seen ? NULL : ch->sslv2 ? "SSLv2" : "TLS";
    if (ch->seen)
        zert_num_set(&t->client_version, ch->version);
    tls_obs_list(t->client_versions, &t->n_client_versions, ch->versions, ch->n_versions);
    tls_obs_list(t->client_suites, &t->n_client_suites, ch->suites,
                 ch->n_suites < TLS_MAX_SUITES ? ch->n_suites : TLS_MAX_SUITES);
    t->client_suites_count = ch->n_suites;
    tls_obs_list(t->client_groups, &t->n_client_groups, ch->groups, ch->n_groups);
    tls_obs_list(t->key_share_groups, &t->n_key_share_groups, ch->ks_groups, ch->n_ks);
    tls_obs_list(t->client_sig_algs, &t->n_client_sig_algs, ch->sigs, ch->n_sigs);
    zert_str_set(t->client_alpn, sizeof(t->client_alpn), ch->alpn, NULL);
    if (ch->sid_len)
        zert_bytes_set(&t->client_session_id, ch->sid, ch->sid_len, 32, NULL);
    t->client_hellos = st->ch_count;
    t->ticket_offered = ch->ticket_sent;
    t->psk_offered = ch->psk;
    memcpy(t->psk_modes, ch->psk_modes, ch->n_psk_modes);
    t->n_psk_modes = ch->n_psk_modes;
    t->early_data_offered = ch->early_data;
    t->early_data_accepted = st->sx.early_data;
    t->ech_offered = ch->ech;
    t->psk_accepted = st->psk_accepted;
    t->ems = ch->ems && st->sx.ems;
    t->etm = ch->etm && st->sx.etm;
    t->secure_renegotiation = st->sx.reneg;
    t->ticket_issued = st->ticket_issued;
    t->ocsp_stapled = st->ocsp;
    t->cert_request = st->cert_request;
    if (st->client_cert_msg)
        t->client_cert_sent = zert_tri_from_bool(!st->client_cert_empty);
    for (size_t i = 0; i < st->n_alerts; i++) {
        const struct tls_alert *a = &st->alerts[i];
        struct obs_tls_alert *o = &t->alerts[i];
        o->from = a->dir == DIR_C2S ? "client" : "server";
        o->encrypted = a->encrypted;
        o->level = a->encrypted ? NULL : a->level == 1 ? "warning" : a->level == 2 ? "fatal" : "?";
        o->description = a->encrypted ? NULL : name_tab_lookup(tls_alert_names, a->desc);
    }
    t->n_alerts = st->n_alerts;
    t->records_c2s = st->dir[DIR_C2S].records;
    t->records_s2c = st->dir[DIR_S2C].records;
}

/* n decimal digits at t; -1 when one is not a digit. */
static int64_t
tls_digits(const char *t, int n)
{
    int64_t v = 0;
    for (int i = 0; i < n; i++) {
        if (t[i] < '0' || t[i] > '9')
            return -1;
        v = v * 10 + (t[i] - '0');
    }
    return v;
}

/*
 * "2031-12-31T23:59:59Z" (x509.c's own text) to seconds since the epoch; false when it is not
 * that form or before 1970. By hand (days from the civil date, H. Hinnant's days_from_civil):
 * sscanf + timegm per record was 1.5 % of the records job.
 */
static bool
tls_parse_rfc3339(const char *t, uint64_t *out)
{
    if (strlen(t) != 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' ||
        t[16] != ':' || t[19] != 'Z')
        return false;
    int64_t y = tls_digits(t, 4), m = tls_digits(t + 5, 2), d = tls_digits(t + 8, 2);
    int64_t hh = tls_digits(t + 11, 2), mm = tls_digits(t + 14, 2), ss = tls_digits(t + 17, 2);
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31 || hh < 0 || hh > 23 || mm < 0 || mm > 59 ||
        ss < 0 || ss > 60)
        return false;
    y -= m <= 2;
    int64_t era = y / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    *out = (uint64_t)(days * 86400 + hh * 3600 + mm * 60 + ss);
    return true;
}

static unsigned
tls_hex_val(char c)
{
    return c >= '0' && c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

static void
tls_fill_cert(struct zert_detail *rec, struct zert_cert *zc, const struct x509_facts *x)
{
    if (!x || !x->parsed)
        return;
    zc->present = true;
    ZERT_STR_SET(rec, zc->key_type, x->key_type);
    if (x->key_bits)
        zert_num_set(&zc->key_bits, x->key_bits);
    ZERT_STR_SET(rec, zc->curve, x->curve);
    ZERT_STR_SET(rec, zc->sig_alg, x->sig_alg);
    ZERT_STR_SET(rec, zc->digest, x->digest);
    /* hex text to bytes; an odd number of digits has an implied leading zero */
    char hex[sizeof(x->serial) + 2];
    snprintf(hex, sizeof(hex), "%s%s", strlen(x->serial) % 2 ? "0" : "", x->serial);
    uint8_t serial[ZERT_SERIAL_MAX];
    size_t n = 0;
    for (size_t k = 0; hex[k] && hex[k + 1] && n < sizeof(serial); k += 2)
        serial[n++] = (uint8_t)(tls_hex_val(hex[k]) << 4 | tls_hex_val(hex[k + 1]));
    if (n)
        zert_bytes_set(&zc->serial, serial, n, ZERT_SERIAL_MAX, &rec->truncated);
    uint64_t na, nb;
    if (x->not_after[0] && tls_parse_rfc3339(x->not_after, &na))
        zert_num_set(&zc->not_after, na);
    if (x->not_before[0] && tls_parse_rfc3339(x->not_before, &nb))
        zert_num_set(&zc->not_before, nb);
    uint8_t fp[32];
    size_t fn = 0;
    for (size_t k = 0; x->sha256[k] && x->sha256[k + 1] && fn < sizeof(fp); k += 2)
        fp[fn++] = (uint8_t)(tls_hex_val(x->sha256[k]) << 4 | tls_hex_val(x->sha256[k + 1]));
    if (fn == sizeof(fp))
        zert_bytes_set(&zc->sha256, fp, fn, sizeof(fp), &rec->truncated);
    ZERT_STR_SET(rec, zc->subject, x->subject);
    ZERT_STR_SET(rec, zc->issuer, x->issuer);
}

/* The record's TLS block: the same facts as the JSON object, in the neutral record. */
static void
tls_fill_record(const void *vst, struct zert_detail *rec)
{
    const struct tls_state *st = vst;
    if (!tls_state_seen(st))
        return;
    struct zert_tls *t = &rec->tls;
    char vbuf[32], kbuf[32];
    const struct tls_suite *s = st->suite_known ? tls_find_suite(st->suite) : NULL;
    bool sh = st->sh_seen;
    t->present = true;
    if (sh || st->hrr) {
        ZERT_STR_SET(rec, t->version, tls_version_name(st->version, vbuf, sizeof(vbuf)));
        zert_num_set(&t->version_code, st->version);
    }
    if (sh && st->suite_known)
        zert_num_set(&t->cipher_suite, st->suite);
    if (sh && s) {
        ZERT_STR_SET(rec, t->cipher_name, s->name);
        if (s->auth && strcmp(s->auth, "NULL") != 0)
            ZERT_STR_SET(rec, t->auth, s->auth); /* TLS 1.3 suites carry no authentication */
        ZERT_STR_SET(rec, t->enc, s->enc);
        ZERT_STR_SET(rec, t->mac, s->mac);
    }
    const char *kex = tls_kex_name(st, s, kbuf, sizeof(kbuf));
    if (kex)
        ZERT_STR_SET(rec, t->kex, kex);
    if (st->sh_seen && st->tls13 && st->psk_accepted)
        ZERT_STR_SET(rec, t->auth, "PSK"); /* resumption: the PSK authenticates */
    if (sh && st->group_known) {
        zert_num_set(&t->group, st->group);
        const struct tls_group *g = tls_find_group(st->group);
        if (g)
            ZERT_STR_SET(rec, t->group_name, g->name);
    }
    t->handshake = !sh ? ZERT_HS_UNKNOWN : st->resumed ? ZERT_HS_RESUMED : ZERT_HS_FULL;
    t->hello_retry = zert_tri_from_bool(st->hrr);
    ZERT_STR_SET(rec, t->sni, st->ch.sni);
    ZERT_STR_SET(rec, t->ja4, st->ch.ja4);
    if (sh) {
        ZERT_STR_SET(rec, t->alpn, st->sx.alpn);
        ZERT_STR_SET(rec, t->ja4s, st->ja4s);
    }
    if (sh && st->sid_len)
        zert_bytes_set(&t->session_id, st->sid, st->sid_len, 32, &rec->truncated);
    for (int d = 0; d < 2; d++)
        if (st->cert[d].err && st->cert[d].der_len > x509_der_max())
            ZERT_STR_SET(rec, rec->obs.limit, "tls_certificate_size"); /* tls_certificate_max */
    if (!st->tls13) {
        /* certificates seen in clear are facts even when the ServerHello was lost */
        tls_fill_cert(rec, &t->server_cert, st->cert[DIR_S2C].facts);
        tls_fill_cert(rec, &t->client_cert, st->cert[DIR_C2S].facts);
    }
}

const struct stream_dissector tls_dissector = {
    .name = "tls",
    .protection = ZERT_PROT_TLS,
    .probe = tls_probe,
    .state_new = tls_state_new,
    .state_free = tls_state_free,
    .on_data = tls_on_data,
    .on_gap = tls_on_gap,
    .on_end = tls_on_end,
    .fill_observation = tls_fill_observation,
    .fill_record = tls_fill_record,
    .get_observation = tls_get_observation,
};
