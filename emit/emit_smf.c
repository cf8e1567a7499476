/* emit_smf.c - writes zERT records as byte-exact SMF 119 subtype 11/12 records (smf119-zert.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ebcdic.h"
#include "emit_smf.h"
#include "smf_codes.h"

/* UTC date and time for the connection times of subtype 11 (0: no time). */
static void
utc_date_time(uint64_t us, uint32_t *date, uint32_t *hundredths)
{
    int year, yday;
    if (us == 0) {
        *date = 0;
        *hundredths = 0;
        return;
    }
    emit_smf_utc_split(us, &year, &yday, hundredths);
    *date = emit_smf_pack_date(year, yday);
}

/* ---- byte output ---------------------------------------------------------------------------- */

static void
put8(uint8_t *p, size_t off, uint8_t v)
{
    p[off] = v;
}

static void
put16(uint8_t *p, size_t off, uint16_t v)
{
    p[off] = (uint8_t)(v >> 8);
    p[off + 1] = (uint8_t)v;
}

static void
put32(uint8_t *p, size_t off, uint32_t v)
{
    put16(p, off, (uint16_t)(v >> 16));
    put16(p, off + 2, (uint16_t)v);
}

static void
put64(uint8_t *p, size_t off, uint64_t v)
{
    put32(p, off, (uint32_t)(v >> 32));
    put32(p, off + 4, (uint32_t)v);
}

static void
put_text(uint8_t *p, size_t off, size_t width, const char *s, bool *lossy)
{
    if (!ebcdic_put_field(p + off, width, s) && lossy)
        *lossy = true;
}

/* 16-byte address field: IPv4 in the first four bytes, the rest zero (§3.1). */
static void
put_ip(uint8_t *p, size_t off, const struct zert_endpoint *e)
{
    memset(p + off, 0, 16);
    if (e->family == 4)
        memcpy(p + off, e->ip, 4);
    else if (e->family == 6)
        memcpy(p + off, e->ip, 16);
}

static uint16_t
clamp16(const struct zert_num *n)
{
    return !n->known ? 0 : n->v > 0xFFFF ? 0xFFFF : (uint16_t)n->v;
}

/* ---- record frame --------------------------------------------------------------------------- */

struct smf_frame {
    uint8_t *buf;
    size_t cap;
    size_t len;   /* end of the last section */
    unsigned trn; /* triplets, ID included */
    bool full;
};

static void
frame_start(struct smf_frame *f, uint8_t *buf, size_t cap, unsigned trn)
{
    f->buf = buf;
    f->cap = cap < SMF_MAX_RECORD ? cap : SMF_MAX_RECORD;
    f->trn = trn;
    f->len = SMF_HDR_LEN + 4 + 8 * (size_t)trn;
    f->full = f->len > f->cap;
    if (!f->full)
        memset(buf, 0, f->len);
}

/* Append a zeroed section for triplet `idx` (0 = ID); returns it or NULL when full. */
static uint8_t *
frame_section(struct smf_frame *f, unsigned idx, size_t len, uint16_t num, uint16_t tlen)
{
    if (f->full || f->len + len > f->cap) {
        f->full = true;
        return NULL;
    }
    uint8_t *s = f->buf + f->len;
    memset(s, 0, len);
    size_t t = SMF_HDR_LEN + 4 + 8 * (size_t)idx;
    put32(f->buf, t, (uint32_t)f->len);
    put16(f->buf, t + 4, tlen);
    put16(f->buf, t + 6, num);
    f->len += len;
    return s;
}

static void
frame_header(struct smf_frame *f, const struct emit_smf_conf *c, const struct zert_sensor *sn,
             uint64_t time_us, uint16_t subtype, bool *lossy)
{
    uint8_t *p = f->buf;
    int year = 0, yday = 0;
    uint32_t hs = 0;
    char sid[8];
    if (time_us)
        emit_smf_tz_local(&c->tz, time_us, &year, &yday, &hs);
    snprintf(sid, sizeof(sid), "%.4s", *c->sid ? c->sid : sn->system);
    put16(p, 0, (uint16_t)f->len);
    put16(p, 2, 0);
    put8(p, 4, SMF_FLAG_DEFAULT);
    put8(p, 5, SMF_TYPE_ZERT);
    put32(p, 6, time_us ? hs : 0);
    put32(p, 10, emit_smf_pack_date(year, yday));
    put_text(p, 14, 4, sid, NULL);
    put_text(p, 18, 4, c->ssi, NULL);
    put16(p, 22, subtype);
    put16(p, 24, (uint16_t)f->trn);
    put16(p, 26, 0);
    (void)lossy;
}

static void
id_section(uint8_t *s, const struct emit_smf_conf *c, const struct zert_sensor *sn, uint8_t reason,
           bool *lossy)
{
    put_text(s, 0, 8, sn->system, lossy);
    put_text(s, 8, 8, sn->sysplex, lossy);
    put_text(s, 16, 8, sn->stack, lossy);
    put_text(s, 24, 8, c->release, NULL);
    put_text(s, 32, 8, "STACK", NULL);
    put_text(s, 40, 8, *c->asname ? c->asname : sn->stack, NULL);
    put_text(s, 48, 8, c->userid, NULL);
    put16(s, 58, c->asid);
    put8(s, 60, reason);
}

/* ---- shared pieces -------------------------------------------------------------------------- */

/* "Not after" as UTCTime (1950..2049, 13 chars) or GeneralizedTime (15), EBCDIC digits. */
static void
put_cert_time(uint8_t *p, size_t type_off, size_t time_off, const struct zert_num *t)
{
    struct tm tm;
    time_t secs = (time_t)t->v;
    char buf[32];
    if (!t->known || !gmtime_r(&secs, &tm))
        return;
    int year = tm.tm_year + 1900;
    if (year >= 1950 && year < 2050) {
        put8(p, type_off, 1);
        snprintf(buf, sizeof(buf), "%02d%02d%02d%02d%02d%02dZ", year % 100, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    } else if (year >= 0 && year <= 9999) {
        put8(p, type_off, 2);
        snprintf(buf, sizeof(buf), "%04d%02d%02d%02d%02d%02dZ", year, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
    } else {
        return;
    }
    /* the unused tail of a UTCTime stays X'00' */
    for (size_t i = 0; buf[i] && i < 15; i++)
        put8(p, time_off + i, ebcdic_from_latin1((uint8_t)buf[i]));
}

/*
 * The 48-byte certificate block of subtype 11 (TLS at 72/120, SSH at 188/236,
 * IPsec at 112/160): sig(2) enc(2) digest(2) rsvd(1) serial_len(1) serial(20)
 * time_type(1) time(15) key_type(2) key_len(2).
 */
static void
put_cert_detail(uint8_t *p, size_t off, const struct zert_cert *c, bool *lossy)
{
    if (!c->present)
        return;
    put16(p, off + 0, smf_codes_find(smf_cert_sig_codes, c->sig_alg));
    put16(p, off + 2, smf_codes_find(smf_cert_enc_codes, c->key_type));
    put16(p, off + 4, smf_codes_find(smf_cert_digest_codes, c->digest));
    if (c->serial.known && c->serial.len) {
        size_t n = c->serial.len > 20 ? 20 : c->serial.len;
        if (c->serial.len > 20 && lossy)
            *lossy = true;
        put8(p, off + 7, (uint8_t)n);
        memcpy(p + off + 8, c->serial.b, n);
    }
    put_cert_time(p, off + 28, off + 29, &c->not_after);
    put16(p, off + 44, smf_codes_find(smf_cert_key_codes, c->key_type));
    put16(p, off + 46, clamp16(&c->key_bits));
}

/* The 10-byte summary certificate block: sig enc digest key_type key_len. */
static void
put_cert_summary(uint8_t *p, size_t off, const struct zert_cert *c)
{
    if (!c->present)
        return;
    put16(p, off + 0, smf_codes_find(smf_cert_sig_codes, c->sig_alg));
    put16(p, off + 2, smf_codes_find(smf_cert_enc_codes, c->key_type));
    put16(p, off + 4, smf_codes_find(smf_cert_digest_codes, c->digest));
    put16(p, off + 6, smf_codes_find(smf_cert_key_codes, c->key_type));
    put16(p, off + 8, clamp16(&c->key_bits));
}

static uint8_t
tls_source(const struct zert_observation *o)
{
    return o && strcmp(o->source, "provider") == 0 ? 2 : 1;
}

static uint16_t
tls_version_code(const struct zert_tls *t)
{
    if (t->version_code.known)
        return (uint16_t)t->version_code.v;
    return smf_codes_tls_version_code(t->version);
}

/* Negotiated cipher: 4 EBCDIC hex digits of the IANA value, then blanks. */
static void
put_neg_cipher(uint8_t *p, size_t off, const struct zert_tls *t)
{
    char buf[8] = "";
    if (t->cipher_suite.known && t->cipher_suite.v <= 0xFFFF)
        snprintf(buf, sizeof(buf), "%04X", (unsigned)t->cipher_suite.v);
    else if (t->cipher_suite.known && t->cipher_suite.v <= 0xFFFFFF)
        snprintf(buf, sizeof(buf), "%06X", (unsigned)t->cipher_suite.v); /* SSLv2 cipher kind */
    put_text(p, off, 6, buf, NULL);
}

static uint8_t
ssh_version_code(const char *v)
{
    if (strcmp(v, "2.0") == 0 || strcmp(v, "1.99") == 0)
        return 2;
    if (strncmp(v, "1.", 2) == 0)
        return 1;
    return 0;
}

static bool
ssh_enc_is_aead(const char *enc)
{
    return strstr(enc, "gcm") || strstr(enc, "poly1305");
}

/* SSH MAC code of one direction; an AEAD cipher without a MAC name is "none" (code 1). */
static uint16_t
ssh_mac_code(const char *mac, const char *enc, bool *etm)
{
    *etm = false;
    if (!*mac)
        return ssh_enc_is_aead(enc) ? SMF_MAC_NONE : 0;
    return smf_codes_ssh_mac_find(mac, etm);
}

/* Local role server (or unknown): inbound is client-to-server. */
static bool
ssh_in_is_c2s(enum zert_role role)
{
    return role != ZERT_ROLE_CLIENT;
}

static void
ike_version(const char *v, uint8_t *maj, uint8_t *min)
{
    unsigned a = 0, b = 0;
    *maj = *min = 0;
    if (sscanf(v, "%u.%u", &a, &b) >= 1 && a < 16 && b < 16) {
        *maj = (uint8_t)a;
        *min = (uint8_t)b;
    }
}

/* DN entries: Len(2, header included) Type(2) EBCDIC text. */
struct dn_item {
    uint16_t type;
    const char *text;
};

static size_t
dn_collect(const struct zert_tls *t, struct dn_item *items)
{
    size_t n = 0;
    if (!t->present)
        return 0;
    const struct {
        const struct zert_cert *c;
        uint16_t subj, iss;
    } certs[2] = {
        {&t->server_cert, SMF_DN_TLS_SERVER_SUBJECT, SMF_DN_TLS_SERVER_ISSUER},
        {&t->client_cert, SMF_DN_TLS_CLIENT_SUBJECT, SMF_DN_TLS_CLIENT_ISSUER},
    };
    for (size_t i = 0; i < 2; i++) {
        if (!certs[i].c->present)
            continue;
        if (*certs[i].c->subject)
            items[n++] = (struct dn_item){certs[i].subj, certs[i].c->subject};
        if (*certs[i].c->issuer)
            items[n++] = (struct dn_item){certs[i].iss, certs[i].c->issuer};
    }
    return n;
}

static void
dn_section(struct smf_frame *f, unsigned idx, const struct dn_item *items, size_t n, bool *lossy)
{
    uint8_t tmp[4 * (SMF_DN_TEXT_MAX + 4)];
    size_t total = 0, count = 0;
    for (size_t i = 0; i < n; i++) {
        size_t w = 0;
        if (!ebcdic_from_utf8(tmp + total + 4, SMF_DN_TEXT_MAX, items[i].text, &w) && lossy)
            *lossy = true;
        put16(tmp, total, (uint16_t)(w + 4));
        put16(tmp, total + 2, items[i].type);
        /* drop DNs rather than pass the record length limit (§8.6) */
        if (f->len + total + w + 4 > f->cap) {
            if (lossy)
                *lossy = true;
            break;
        }
        total += w + 4;
        count++;
    }
    if (count == 0)
        return;
    uint8_t *s = frame_section(f, idx, total, (uint16_t)count, (uint16_t)total);
    if (s)
        memcpy(s, tmp, total);
}

static size_t
frame_finish(struct smf_frame *f)
{
    if (f->full)
        return 0;
    put16(f->buf, 0, (uint16_t)f->len);
    return f->len;
}

/* ---- subtype 11 ----------------------------------------------------------------------------- */

static void
detail_common(uint8_t *s, const struct zert_detail *d, bool *lossy)
{
    uint32_t date, hs;
    put8(s, 0, (uint8_t)d->event);
    put8(s, 1, d->protection);
    put8(s, 2, d->local.family == 6 ? 0x80 : 0);
    put8(s, 3, 0);
    put8(s, 4, d->ip_proto);
    put_text(s, 8, 8, d->job, lossy);
    put_text(s, 16, 8, "", NULL);
    put_text(s, 24, 8, d->user, lossy);
    utc_date_time(d->start_us, &date, &hs);
    put32(s, 32, hs);
    put32(s, 36, date);
    if (d->event == ZERT_EV_TERM || d->event == ZERT_EV_SHORT_TERM) {
        utc_date_time(d->end_us, &date, &hs);
        put32(s, 40, hs);
        put32(s, 44, date);
    }
    put_ip(s, 48, &d->remote);
    put_ip(s, 64, &d->local);
    put16(s, 80, d->remote.port);
    put16(s, 82, d->local.port);
    put32(s, 84, (uint32_t)d->conn_id);
    put64(s, 88, d->bytes_in);
    put64(s, 96, d->bytes_out);
    put64(s, 104, d->segs_in);
    put64(s, 112, d->segs_out);
}

static void
detail_tls(uint8_t *s, const struct zert_detail *d)
{
    const struct zert_tls *t = &d->tls;
    uint8_t role = 0;
    put16(s, 0, tls_version_code(t));
    put8(s, 2, tls_source(&d->obs));
    put8(s, 3, t->handshake == ZERT_HS_FULL ? 1 : t->handshake == ZERT_HS_RESUMED ? 2 : 0);
    if (d->role == ZERT_ROLE_CLIENT)
        role = 1;
    else if (d->role == ZERT_ROLE_SERVER)
        role = t->client_cert.present ? 3 : 2;
    put8(s, 4, role);
    if (t->session_id.known) {
        size_t n = t->session_id.len > 32 ? 32 : t->session_id.len;
        put8(s, 7, (uint8_t)n);
        memcpy(s + 8, t->session_id.b, n);
    }
    put_text(s, 40, 16, tls_source(&d->obs) == 1 ? "Observation" : "", NULL);
    put_neg_cipher(s, 56, t);
    put16(s, 62, smf_codes_find(smf_tls_enc_codes, t->enc));
    put16(s, 64, smf_codes_find(smf_tls_mac_codes, t->mac));
    put16(s, 66, smf_codes_find(smf_tls_kex_codes, t->kex));
    put_cert_detail(s, 72, &t->server_cert, NULL);
    put_cert_detail(s, 120, &t->client_cert, NULL);
}

/* The SSH algorithm codes both subtypes carry, oriented in/out from the local side. */
struct ssh_codes {
    uint16_t in_enc, in_mac, kex, out_enc, out_mac, key_type;
    uint8_t etm_flags; /* X'80' encrypt-then-MAC inbound, X'40' outbound */
};

static void
ssh_codes_get(const struct zert_ssh *h, enum zert_role role, struct ssh_codes *c)
{
    bool c2s = ssh_in_is_c2s(role), etm_in, etm_out;
    const char *in_enc = c2s ? h->enc_c2s : h->enc_s2c, *out_enc = c2s ? h->enc_s2c : h->enc_c2s;
    const char *in_mac = c2s ? h->mac_c2s : h->mac_s2c, *out_mac = c2s ? h->mac_s2c : h->mac_c2s;
    c->in_mac = ssh_mac_code(in_mac, in_enc, &etm_in);
    c->out_mac = ssh_mac_code(out_mac, out_enc, &etm_out);
    c->in_enc = smf_codes_find(smf_ssh_enc_codes, in_enc);
    c->out_enc = smf_codes_find(smf_ssh_enc_codes, out_enc);
    c->kex = smf_codes_find(smf_ssh_kex_codes, h->kex);
    c->key_type = smf_codes_find(smf_ssh_hostkey_codes, h->hostkey);
    if (!c->key_type)
        c->key_type = smf_codes_find(smf_ssh_key_type_codes, h->hostkey_type);
    c->etm_flags = (uint8_t)((etm_in ? 0x80 : 0) | (etm_out ? 0x40 : 0));
}

static void
detail_ssh(uint8_t *s, const struct zert_detail *d)
{
    const struct zert_ssh *h = &d->ssh;
    struct ssh_codes c;
    ssh_codes_get(h, d->role, &c);
    put8(s, 0, ssh_version_code(h->version));
    put8(s, 1, tls_source(&d->obs));
    put8(s, 3, c.etm_flags);
    put_text(s, 8, 8,
             d->role == ZERT_ROLE_SERVER   ? "SSHD"
             : d->role == ZERT_ROLE_CLIENT ? "SSH"
                                           : "",
             NULL);
    put_text(s, 16, 16, tls_source(&d->obs) == 1 ? "Observation" : "", NULL);
    put16(s, 36, c.in_enc);
    put16(s, 38, c.in_mac);
    put16(s, 40, c.kex);
    put16(s, 42, c.out_enc);
    put16(s, 44, c.out_mac);
    put16(s, 48, c.key_type);
    put16(s, 50, clamp16(&h->hostkey_bits));
    if (h->hostkey_fp.known && h->hostkey_fp.len) {
        size_t n = h->hostkey_fp.len > 64 ? 64 : h->hostkey_fp.len;
        put16(s, 56, (uint16_t)n);
        memcpy(s + 60, h->hostkey_fp.b, n);
    }
}

static uint16_t
ipsec_integ_code(const struct zert_ipsec *p)
{
    return smf_codes_find(smf_ike_integ_codes, p->integ);
}

static void
detail_ipsec(uint8_t *s, const struct zert_detail *d)
{
    const struct zert_ipsec *p = &d->ipsec;
    uint8_t maj, min;
    uint16_t auth = smf_codes_find(smf_ike_auth_codes, p->auth);
    ike_version(p->ike_version, &maj, &min);
    put8(s, 4, maj);
    put8(s, 5, min);
    put_text(s, 8, 48, "", NULL);
    put_ip(s, 56, &p->tunnel_local);
    put_ip(s, 72, &p->tunnel_remote);
    put16(s, 88, auth);
    put16(s, 90, auth);
    put16(s, 92, ipsec_integ_code(p));
    put16(s, 94, smf_codes_ike_encr_find(p->encr, p->key_bits.v, p->key_bits.known));
    put16(s, 96, p->dh_group.known ? smf_codes_dh_group(p->dh_group.v) : 0);
    put16(s, 98, smf_codes_find(smf_ike_prf_codes, p->prf));
    put8(s, 212, p->tunnel_local.family == 6 || p->tunnel_remote.family == 6 ? 0x80 : 0);
    put8(s, 213, maj ? 2 : 0); /* IKE seen: a dynamic tunnel */
    put8(s, 217, p->esp_spi_count ? 50 : p->ah_spi_count ? 51 : 0);
}

size_t
emit_smf_build_detail(const struct emit_smf_conf *c, const struct zert_detail *d, uint8_t *buf,
                      size_t cap, bool *lossy)
{
    struct smf_frame f;
    struct dn_item dns[4];
    unsigned trn = c->zos25 ? 8 : 7;
    uint8_t *s;
    frame_start(&f, buf, cap, trn);
    if (f.full)
        return 0;
    if ((s = frame_section(&f, 0, SMF_ID_LEN, 1, SMF_ID_LEN)))
        id_section(s, c, &d->sensor, SMF_REASON_EVENT, lossy);
    if ((s = frame_section(&f, 1, SMF_ST11_S1_LEN, 1, SMF_ST11_S1_LEN)))
        detail_common(s, d, lossy);
    /* triplet 2, the IP filter section: the wire shows no filter rules, so absent */
    if (d->tls.present && (s = frame_section(&f, 3, SMF_ST11_TLS_LEN, 1, SMF_ST11_TLS_LEN)))
        detail_tls(s, d);
    if (d->ssh.present && (s = frame_section(&f, 4, SMF_ST11_SSH_LEN, 1, SMF_ST11_SSH_LEN)))
        detail_ssh(s, d);
    if (d->ipsec.present && (s = frame_section(&f, 5, SMF_ST11_IPS_LEN, 1, SMF_ST11_IPS_LEN)))
        detail_ipsec(s, d);
    dn_section(&f, 6, dns, dn_collect(&d->tls, dns), lossy);
    frame_header(&f, c, &d->sensor, d->time_us, SMF_ST_DETAIL, lossy);
    return frame_finish(&f);
}

/* ---- subtype 12 ----------------------------------------------------------------------------- */

void
emit_smf_session_id(const char *key, uint8_t protocol, char *out, size_t len)
{
    size_t n = key ? strlen(key) : 0;
    if (n <= 42) {
        snprintf(out, len, "%s", key ? key : "");
        return;
    }
    /* too long for the 42-byte field: protocol letter, '-', FNV-1a 64 of the key */
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)key[i];
        h *= 0x100000001b3ULL;
    }
    char p = protocol == ZERT_PROT_TLS     ? 'T'
             : protocol == ZERT_PROT_SSH   ? 'S'
             : protocol == ZERT_PROT_IPSEC ? 'I'
                                           : 'N';
    snprintf(out, len, "%c-%016llx", p, (unsigned long long)h);
}

static void
summary_counters(uint8_t *s, size_t off, const struct zert_counters *k)
{
    put32(s, off + 0, k->conns);
    put32(s, off + 4, k->partial_conns);
    put32(s, off + 8, k->short_conns);
    put32(s, off + 12, k->active_conns);
    put64(s, off + 16, k->bytes_in);
    put64(s, off + 24, k->bytes_out);
    put64(s, off + 32, k->segs_in);
    put64(s, off + 40, k->segs_out);
}

static void
summary_common(uint8_t *s, const struct zert_summary *m, bool *lossy)
{
    char sid[48];
    /*
     * The reader takes the interval end from the header time, which keeps 1/100 s: measure the
     * duration from that cut end, so end - duration gives the interval start back exactly.
     */
    uint64_t end_cut = m->interval_end_us - m->interval_end_us % 10000;
    uint64_t dur = end_cut > m->interval_start_us ? end_cut - m->interval_start_us : 0;
    uint8_t flags = m->server.family == 6 ? 0x80 : 0;
    if (m->role == ZERT_ROLE_SERVER)
        flags |= 0x40;
    else if (m->role == ZERT_ROLE_CLIENT)
        flags |= 0x20;
    put64(s, 0, dur << 12); /* TOD clock units: bit 51 is one microsecond */
    put8(s, 8, (uint8_t)m->event);
    put8(s, 9, flags);
    put8(s, 10, m->protocol);
    put_text(s, 11, 8, m->job, lossy);
    put_text(s, 19, 8, m->user, lossy);
    put8(s, 27, m->ip_proto);
    put_ip(s, 28, &m->server);
    put_ip(s, 44, &m->client);
    put16(s, 60, m->server.port);
    put16(s, 62, m->server_port_end ? m->server_port_end : m->server.port);
    emit_smf_session_id(m->session_key, m->protocol, sid, sizeof(sid));
    put_text(s, 64, 42, sid, lossy);
    summary_counters(s, 108, &m->start);
    summary_counters(s, 156, &m->end);
}

static void
summary_tls(uint8_t *s, const struct zert_tls *t)
{
    put8(s, 0, 1);
    put16(s, 2, tls_version_code(t));
    put_neg_cipher(s, 4, t);
    put16(s, 10, smf_codes_find(smf_tls_enc_codes, t->enc));
    put16(s, 12, smf_codes_find(smf_tls_mac_codes, t->mac));
    put16(s, 14, smf_codes_find(smf_tls_kex_codes, t->kex));
    put_cert_summary(s, 16, &t->server_cert);
    put_cert_summary(s, 26, &t->client_cert);
}

static void
summary_ssh(uint8_t *s, const struct zert_summary *m)
{
    const struct zert_ssh *h = &m->ssh;
    struct ssh_codes c;
    ssh_codes_get(h, m->role, &c);
    put8(s, 0, 1);
    put8(s, 2, ssh_version_code(h->version));
    put8(s, 3, c.etm_flags);
    put16(s, 8, c.in_enc);
    put16(s, 10, c.in_mac);
    put16(s, 12, c.kex);
    put16(s, 14, c.out_enc);
    put16(s, 16, c.out_mac);
    put16(s, 18, c.key_type);
    put16(s, 20, clamp16(&h->hostkey_bits));
}

static void
summary_ipsec(uint8_t *s, const struct zert_ipsec *p)
{
    uint8_t maj, min;
    uint16_t auth = smf_codes_find(smf_ike_auth_codes, p->auth);
    ike_version(p->ike_version, &maj, &min);
    put8(s, 0, maj);
    put8(s, 1, min);
    put_ip(s, 2, &p->tunnel_local);
    put_ip(s, 18, &p->tunnel_remote);
    put16(s, 34, auth);
    put16(s, 36, auth);
    put16(s, 38, ipsec_integ_code(p));
    put16(s, 40, smf_codes_ike_encr_find(p->encr, p->key_bits.v, p->key_bits.known));
    put16(s, 42, p->dh_group.known ? smf_codes_dh_group(p->dh_group.v) : 0);
    put16(s, 44, smf_codes_find(smf_ike_prf_codes, p->prf));
    put8(s, 69, p->esp_spi_count ? 50 : p->ah_spi_count ? 51 : 0);
}

size_t
emit_smf_build_summary(const struct emit_smf_conf *c, const struct zert_summary *m, uint8_t *buf,
                       size_t cap, bool *lossy)
{
    struct smf_frame f;
    struct dn_item dns[4];
    uint8_t *s;
    bool interval = m->event == ZERT_SEV_INTERVAL;
    frame_start(&f, buf, cap, 6);
    if (f.full)
        return 0;
    if ((s = frame_section(&f, 0, SMF_ID_LEN, 1, SMF_ID_LEN)))
        id_section(s, c, &m->sensor, interval ? SMF_REASON_INTERVAL : SMF_REASON_EVENT, lossy);
    if ((s = frame_section(&f, 1, SMF_ST12_S1_LEN, 1, SMF_ST12_S1_LEN)))
        summary_common(s, m, lossy);
    /* event records (aggregation enabled/disabled) carry only ID and common sections */
    if (interval) {
        if (m->tls.present && (s = frame_section(&f, 2, SMF_ST12_TLS_LEN, 1, SMF_ST12_TLS_LEN)))
            summary_tls(s, &m->tls);
        if (m->ssh.present && (s = frame_section(&f, 3, SMF_ST12_SSH_LEN, 1, SMF_ST12_SSH_LEN)))
            summary_ssh(s, m);
        if (m->ipsec.present && (s = frame_section(&f, 4, SMF_ST12_IPS_LEN, 1, SMF_ST12_IPS_LEN)))
            summary_ipsec(s, &m->ipsec);
        dn_section(&f, 5, dns, dn_collect(&m->tls, dns), lossy);
    }
    frame_header(&f, c, &m->sensor, m->time_us, SMF_ST_SUMMARY, lossy);
    return frame_finish(&f);
}

void
emit_smf_conf_init(struct emit_smf_conf *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->release, sizeof(c->release), "ZS010000");
    c->tz.fixed = true;
}

/* ---- dump-file writers ---------------------------------------------------------------------- */

int
emit_smf_writer_init(struct emit_smf_writer *w, FILE *out, enum emit_smf_format fmt, size_t blksize,
                     char *err, size_t errlen)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
    w->fmt = fmt;
    if (fmt == EMIT_SMF_VBS) {
        if (blksize < 16 || blksize > SMF_MAX_RECORD) {
            snprintf(err, errlen, "VBS block size %zu out of range (16..%d)", blksize,
                     SMF_MAX_RECORD);
            return -1;
        }
        w->blksize = blksize;
        w->block = malloc(blksize);
        if (!w->block) {
            snprintf(err, errlen, "out of memory for a %zu-byte block", blksize);
            return -1;
        }
        w->used = 4;
    }
    return 0;
}

static int
writer_flush_block(struct emit_smf_writer *w)
{
    if (w->used <= 4)
        return 0;
    put16(w->block, 0, (uint16_t)w->used);
    put16(w->block, 2, 0);
    size_t n = w->used;
    w->used = 4;
    w->blocks++;
    return fwrite(w->block, 1, n, w->out) == n ? 0 : -1;
}

int
emit_smf_writer_put(struct emit_smf_writer *w, const uint8_t *rec, size_t len)
{
    if (len < 5 || len > SMF_MAX_RECORD)
        return -1;
    w->records++;
    if (w->fmt == EMIT_SMF_RDW)
        return fwrite(rec, 1, len, w->out) == len ? 0 : -1;
    /* VBS: the data after the RDW goes out in segments; SDW control 00/01/11/10 */
    const uint8_t *data = rec + 4;
    size_t left = len - 4;
    bool first = true;
    while (left > 0) {
        size_t space = w->blksize - w->used;
        if (space < 5) { /* room for an SDW and at least one byte */
            if (writer_flush_block(w) != 0)
                return -1;
            continue;
        }
        bool last = left + 4 <= space;
        size_t n = last ? left : space - 4;
        uint8_t ctl = first ? (last ? 0x00 : 0x01) : (last ? 0x02 : 0x03);
        put16(w->block, w->used, (uint16_t)(n + 4));
        put8(w->block, w->used + 2, ctl);
        put8(w->block, w->used + 3, 0);
        memcpy(w->block + w->used + 4, data, n);
        w->used += n + 4;
        w->segments++;
        data += n;
        left -= n;
        first = false;
        if (!last && writer_flush_block(w) != 0)
            return -1;
    }
    return 0;
}

int
emit_smf_writer_flush(struct emit_smf_writer *w)
{
    if (w->fmt == EMIT_SMF_VBS && writer_flush_block(w) != 0)
        return -1;
    return fflush(w->out) == 0 ? 0 : -1;
}

void
emit_smf_writer_fini(struct emit_smf_writer *w)
{
    free(w->block);
    w->block = NULL;
}
