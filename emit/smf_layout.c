/* smf_layout.c - the SMF 119 zERT record layout (smf119-zert.md §1-§4), run to write or to read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ebcdic.h"
#include "emit_smf.h"
#include "smf_bytes.h"
#include "smf_codes.h"
#include "smf_layout.h"

struct smf_io
smf_io_writer(uint8_t *p, size_t len, bool *lossy)
{
    struct smf_io io = {SMF_WRITE, p, NULL, len, lossy};
    return io;
}

struct smf_io
smf_io_reader(const uint8_t *p, size_t len)
{
    struct smf_io io = {SMF_READ, NULL, p, len, NULL};
    return io;
}

static bool
writing(const struct smf_io *io)
{
    return io->dir == SMF_WRITE;
}

/* ---- field kinds ----------------------------------------------------------------------------- */

/* An unsigned big-endian integer of n bytes: written from *v, or read into it. */
static void
io_uint(struct smf_io *io, size_t off, size_t n, uint64_t *v)
{
    if (writing(io))
        smf_put(io->out, io->len, off, n, *v);
    else
        *v = smf_get(io->in, io->len, off, n);
}

static void
io_u8(struct smf_io *io, size_t off, uint8_t *v)
{
    uint64_t x = *v;
    io_uint(io, off, 1, &x);
    *v = (uint8_t)x;
}

static void
io_u16(struct smf_io *io, size_t off, uint16_t *v)
{
    uint64_t x = *v;
    io_uint(io, off, 2, &x);
    *v = (uint16_t)x;
}

static void
io_u32(struct smf_io *io, size_t off, uint32_t *v)
{
    uint64_t x = *v;
    io_uint(io, off, 4, &x);
    *v = (uint32_t)x;
}

static void
io_u64(struct smf_io *io, size_t off, uint64_t *v)
{
    io_uint(io, off, 8, v);
}

/* A value the record does not hold: written, not read back. */
static void
io_put(struct smf_io *io, size_t off, size_t n, uint64_t v)
{
    if (writing(io))
        smf_put(io->out, io->len, off, n, v);
}

/* Record text in an EBCDIC field of `width`, blank padded; read back trimmed. */
static void
io_text(struct smf_io *io, size_t off, size_t width, char *s, size_t cap)
{
    uint8_t tmp[64];
    if (writing(io)) {
        if (!smf_fits(io->len, off, width))
            return;
        if (!ebcdic_put_field(io->out + off, width, s) && io->lossy)
            *io->lossy = true;
        return;
    }
    if (width > sizeof(tmp))
        width = sizeof(tmp);
    smf_get_bytes(io->in, io->len, off, tmp, width);
    ebcdic_to_utf8(s, cap, tmp, width, true);
}

/* Text the record does not hold (settings, constants): written, never counted lossy, not read. */
static void
io_label(struct smf_io *io, size_t off, size_t width, const char *s)
{
    if (writing(io) && smf_fits(io->len, off, width))
        ebcdic_put_field(io->out + off, width, s);
}

/* A name written as its IBM code from `tab`; read back as the code's name, else "unknown(0xNNNN)";
 * 0 stays unknown (""). */
static void
io_code(struct smf_io *io, size_t off, const struct name_tab *tab, char *name, size_t cap)
{
    uint16_t code = writing(io) ? smf_codes_find(tab, name) : 0;
    io_u16(io, off, &code);
    if (writing(io))
        return;
    const char *n = smf_codes_name(tab, code);
    if (n)
        snprintf(name, cap, "%s", n);
    else if (code)
        snprintf(name, cap, "unknown(0x%04X)", code);
    else
        name[0] = '\0';
}

/* A code derived from the record on writing and not read back (the reader keeps the name it
 * was derived from). */
static void
io_code_out(struct smf_io *io, size_t off, const struct name_tab *tab, const char *name)
{
    if (writing(io))
        io_put(io, off, 2, smf_codes_find(tab, name));
}

/* An optional number in 16 bits: unknown is 0, larger values are clamped. */
static void
io_num16(struct smf_io *io, size_t off, struct zert_num *n)
{
    uint16_t v = !n->known ? 0 : n->v > 0xFFFF ? 0xFFFF : (uint16_t)n->v;
    io_u16(io, off, &v);
    if (!writing(io) && v)
        zert_num_set(n, v);
}

/*
 * Raw bytes, left-justified and zero-padded in `max` bytes at data_off, with their length in
 * len_n (1 or 2) bytes at len_off: session ids, serials, fingerprints. Longer values are cut.
 */
static void
io_bytes(struct smf_io *io, size_t len_off, size_t len_n, size_t data_off, size_t max,
         struct zert_bytes *b)
{
    uint8_t tmp[64];
    uint64_t n = 0;
    if (writing(io)) {
        if (!b->known || !b->len)
            return;
        n = b->len > max ? max : b->len;
        io_uint(io, len_off, len_n, &n);
        smf_put_bytes(io->out, io->len, data_off, b->b, (size_t)n);
        return;
    }
    io_uint(io, len_off, len_n, &n);
    if (!n)
        return;
    smf_get_bytes(io->in, io->len, data_off, tmp, max);
    zert_bytes_set(b, tmp, n > max ? max : (size_t)n, max, NULL);
}

/*
 * A 16-byte address (§3.1): IPv4 in the first four bytes, the rest zero. Read: IPv6 when the
 * section's flag says so, else IPv4 in bytes 0-3 or mapped (::ffff:a.b.c.d); all zero is
 * "no address" where `zero_unknown`.
 */
static void
io_ip(struct smf_io *io, size_t off, bool v6, struct zert_endpoint *e, bool zero_unknown)
{
    uint8_t ip[16];
    if (writing(io)) {
        if (e->family == 4)
            smf_put_bytes(io->out, io->len, off, e->ip, 4);
        else if (e->family == 6)
            smf_put_bytes(io->out, io->len, off, e->ip, 16);
        return;
    }
    smf_get_bytes(io->in, io->len, off, ip, 16);
    memset(e->ip, 0, sizeof(e->ip));
    e->family = 0;
    if (zero_unknown && smf_all_zero(ip, 16, 0, 16))
        return;
    if (v6) {
        e->family = 6;
        memcpy(e->ip, ip, 16);
    } else if (smf_all_zero(ip, 16, 0, 10) && smf_get16(ip, 16, 10) == 0xFFFF) {
        e->family = 4;
        memcpy(e->ip, ip + 12, 4);
    } else {
        e->family = 4;
        memcpy(e->ip, ip, 4);
    }
}

/* A UTC time as 1/100 s since midnight at time_off and a packed date at date_off; 0: none. */
static void
io_utc(struct smf_io *io, size_t time_off, size_t date_off, uint64_t *us)
{
    uint32_t date = 0, hs = 0;
    int year, yday;
    if (writing(io) && *us) {
        emit_smf_utc_split(*us, &year, &yday, &hs);
        date = emit_smf_pack_date(year, yday);
    }
    io_u32(io, time_off, &hs);
    io_u32(io, date_off, &date);
    if (writing(io))
        return;
    *us = 0;
    if (emit_smf_unpack_date(date, &year, &yday) && hs < 8640000)
        *us = emit_smf_utc_join(year, yday, hs);
}

/* Whether an optional block of n bytes at off is there: the record's flag on writing, any
 * non-zero byte on reading (which sets the flag). */
static bool
io_block(struct smf_io *io, size_t off, size_t n, bool *present)
{
    if (writing(io))
        return *present;
    if (smf_all_zero(io->in, io->len, off, n))
        return false;
    *present = true;
    return true;
}

/* ---- header and self-defining section -------------------------------------------------------- */

void
smf_layout_header(struct smf_io *io, struct smf_header *h)
{
    io_u16(io, 0, &h->len);
    io_put(io, 2, 2, 0); /* SMF119SEG: not spanned */
    io_put(io, 4, 1, SMF_FLAG_DEFAULT);
    io_u8(io, 5, &h->type);
    io_u32(io, 6, &h->time);
    io_u32(io, 10, &h->date);
    io_label(io, 14, 4, h->sid);
    io_label(io, 18, 4, h->ssi);
    io_u16(io, 22, &h->subtype);
    io_u16(io, SMF_HDR_TRN, &h->trn);
    io_put(io, SMF_HDR_TRN + 2, 2, 0);
}

void
smf_layout_triplet(struct smf_io *io, unsigned i, struct smf_triplet *t)
{
    size_t at = SMF_TRIPLET_AT(i);
    io_u32(io, at, &t->off);
    io_u16(io, at + 4, &t->len);
    io_u16(io, at + 6, &t->num);
}

/* ---- TCP/IP identification section (§2) ------------------------------------------------------ */

void
smf_layout_id(struct smf_io *io, struct zert_sensor *sn, const struct smf_id_extra *x)
{
    io_text(io, 0, 8, sn->system, sizeof(sn->system));
    io_text(io, 8, 8, sn->sysplex, sizeof(sn->sysplex));
    io_text(io, 16, 8, sn->stack, sizeof(sn->stack));
    if (!writing(io))
        return; /* the rest describes the writer, not the record */
    io_label(io, 24, 8, x->release);
    io_label(io, 32, 8, "STACK");
    io_label(io, 40, 8, *x->asname ? x->asname : sn->stack);
    io_label(io, 48, 8, x->userid);
    io_put(io, 58, 2, x->asid);
    io_put(io, 60, 1, x->reason);
}

/* ---- pieces shared by several sections ------------------------------------------------------- */

/* The record's observation source from a Source byte (1 stream observation, 2 provider); the
 * first section that has one decides. */
static void
obs_source(struct zert_observation *o, uint8_t src)
{
    if (o->present)
        return;
    o->present = true;
    snprintf(o->source, sizeof(o->source), "%s",
             src == 1   ? "observation"
             : src == 2 ? "provider"
                        : "");
}

static void
io_source(struct smf_io *io, size_t off, struct zert_observation *o)
{
    uint8_t src = strcmp(o->source, "provider") == 0 ? 2 : 1;
    io_u8(io, off, &src);
    if (!writing(io))
        obs_source(o, src);
}

/* The provider text beside a source byte: "Observation" for stream observation. */
static void
io_provider(struct smf_io *io, size_t off, size_t width, const struct zert_observation *o)
{
    bool observed = strcmp(o->source, "provider") != 0;
    io_label(io, off, width, observed ? "Observation" : "");
}

/* TLS protocol version: the wire code, else derived from the version name. */
static void
io_tls_version(struct smf_io *io, size_t off, struct zert_tls *t)
{
    uint16_t v = 0;
    if (writing(io))
        v = t->version_code.known ? (uint16_t)t->version_code.v
                                  : smf_codes_tls_version_code(t->version);
    io_u16(io, off, &v);
    if (!writing(io) && v)
        zert_num_set(&t->version_code, v);
}

/* Negotiated cipher: 4 EBCDIC hex digits of the IANA value (6 for an SSLv2 cipher kind). */
static void
io_neg_cipher(struct smf_io *io, size_t off, struct zert_num *cs)
{
    char txt[16] = "";
    if (writing(io)) {
        if (cs->known && cs->v <= 0xFFFF)
            snprintf(txt, sizeof(txt), "%04X", (unsigned)cs->v);
        else if (cs->known && cs->v <= 0xFFFFFF)
            snprintf(txt, sizeof(txt), "%06X", (unsigned)cs->v);
        io_label(io, off, 6, txt);
        return;
    }
    io_text(io, off, 6, txt, sizeof(txt));
    size_t len = strlen(txt);
    if (len != 4 && len != 6)
        return;
    char *end = NULL;
    unsigned long v = strtoul(txt, &end, 16);
    if (end && *end == '\0')
        zert_num_set(cs, v);
}

/* "Not after": type (1 UTCTime for 1950..2049, 2 GeneralizedTime) and 15 characters, EBCDIC
 * digits when written, EBCDIC or ASCII digits when read. */
static void
io_cert_time(struct smf_io *io, size_t type_off, size_t time_off, struct zert_num *t)
{
    if (writing(io)) {
        struct tm tm;
        time_t secs = (time_t)t->v;
        char buf[32];
        if (!t->known || !gmtime_r(&secs, &tm))
            return;
        int year = tm.tm_year + 1900;
        if (year >= 1950 && year < 2050) {
            io_put(io, type_off, 1, 1);
            snprintf(buf, sizeof(buf), "%02d%02d%02d%02d%02d%02dZ", year % 100, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        } else if (year >= 0 && year <= 9999) {
            io_put(io, type_off, 1, 2);
            snprintf(buf, sizeof(buf), "%04d%02d%02d%02d%02d%02dZ", year, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
        } else {
            return;
        }
        /* the unused tail of a UTCTime stays X'00' */
        for (size_t i = 0; buf[i] && i < 15; i++)
            io_put(io, time_off + i, 1, ebcdic_from_latin1((uint8_t)buf[i]));
        return;
    }
    uint8_t type = smf_get8(io->in, io->len, type_off);
    int dig[14];
    size_t want = type == 1 ? 12 : type == 2 ? 14 : 0;
    if (!want)
        return;
    for (size_t i = 0; i < want; i++) {
        uint8_t b = smf_get8(io->in, io->len, time_off + i);
        if (b >= 0xF0 && b <= 0xF9)
            dig[i] = b - 0xF0;
        else if (b >= 0x30 && b <= 0x39)
            dig[i] = b - 0x30;
        else
            return;
    }
    int year, k = 0;
    if (type == 1) {
        year = dig[0] * 10 + dig[1];
        year += year < 50 ? 2000 : 1900;
        k = 2;
    } else {
        year = dig[0] * 1000 + dig[1] * 100 + dig[2] * 10 + dig[3];
        k = 4;
    }
    int mon = dig[k] * 10 + dig[k + 1], day = dig[k + 2] * 10 + dig[k + 3];
    int hh = dig[k + 4] * 10 + dig[k + 5], mm = dig[k + 6] * 10 + dig[k + 7];
    int ss = dig[k + 8] * 10 + dig[k + 9];
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
        return;
    int64_t secs = emit_smf_days_from_civil(year, mon, day) * 86400 + hh * 3600 + mm * 60 + ss;
    if (secs >= 0)
        zert_num_set(t, (uint64_t)secs);
}

/*
 * The 48-byte certificate block of subtype 11 (TLS at 72/120, SSH at 188/236, IPsec at
 * 112/160): sig(2) enc(2) digest(2) rsvd(1) serial_len(1) serial(20) time_type(1) time(15)
 * key_type(2) key_len(2). The encryption method is derived from the key type.
 */
static void
io_cert_detail(struct smf_io *io, size_t off, struct zert_cert *c)
{
    if (!io_block(io, off, 48, &c->present))
        return;
    io_code(io, off + 0, smf_cert_sig_codes, c->sig_alg, sizeof(c->sig_alg));
    io_code_out(io, off + 2, smf_cert_enc_codes, c->key_type);
    io_code(io, off + 4, smf_cert_digest_codes, c->digest, sizeof(c->digest));
    io_bytes(io, off + 7, 1, off + 8, 20, &c->serial);
    io_cert_time(io, off + 28, off + 29, &c->not_after);
    io_code(io, off + 44, smf_cert_key_codes, c->key_type, sizeof(c->key_type));
    io_num16(io, off + 46, &c->key_bits);
}

/* The 10-byte certificate block of subtype 12: sig enc digest key_type key_len. */
static void
io_cert_summary(struct smf_io *io, size_t off, struct zert_cert *c)
{
    if (!io_block(io, off, 10, &c->present))
        return;
    io_code(io, off + 0, smf_cert_sig_codes, c->sig_alg, sizeof(c->sig_alg));
    io_code_out(io, off + 2, smf_cert_enc_codes, c->key_type);
    io_code(io, off + 4, smf_cert_digest_codes, c->digest, sizeof(c->digest));
    io_code(io, off + 6, smf_cert_key_codes, c->key_type, sizeof(c->key_type));
    io_num16(io, off + 8, &c->key_bits);
}

/* The TLS cipher-suite codes both subtypes carry, at enc, enc + 2, enc + 4. */
static void
io_tls_suite(struct smf_io *io, size_t enc_off, struct zert_tls *t)
{
    io_code(io, enc_off, smf_tls_enc_codes, t->enc, sizeof(t->enc));
    io_code(io, enc_off + 2, smf_tls_mac_codes, t->mac, sizeof(t->mac));
    uint16_t kex = writing(io) ? smf_codes_tls_kex(t->cipher_name, t->kex, t->auth) : 0;
    io_u16(io, enc_off + 4, &kex);
    if (!writing(io))
        smf_codes_tls_kex_split(kex, t->kex, sizeof(t->kex), t->auth, sizeof(t->auth));
}

/* SSH version: 2 for "2.0" and "1.99", 1 for "1.x"; read back as "2.0" or "1.5". */
static void
io_ssh_version(struct smf_io *io, size_t off, struct zert_ssh *h)
{
    uint8_t v = 0;
    if (writing(io))
        v = strcmp(h->version, "2.0") == 0 || strcmp(h->version, "1.99") == 0 ? 2
            : strncmp(h->version, "1.", 2) == 0                               ? 1
                                                                              : 0;
    io_u8(io, off, &v);
    if (!writing(io))
        snprintf(h->version, sizeof(h->version), "%s", v == 2 ? "2.0" : v == 1 ? "1.5" : "");
}

static bool
ssh_enc_is_aead(const char *enc)
{
    return strstr(enc, "gcm") || strstr(enc, "poly1305");
}

/* Whether an SSH MAC name is the Encrypt-then-MAC form ("<mac>-etm@openssh.com"). */
static bool
ssh_mac_etm(const char *mac)
{
    bool etm = false;
    if (*mac)
        smf_codes_ssh_mac_find(mac, &etm);
    return etm;
}

/*
 * One direction's SSH MAC; its EtM flag is a bit of the CryptoFlags byte. Written: the MAC's
 * code, or "none" (1) for an AEAD cipher without a MAC name. Read: code 1 is shown as no MAC,
 * as an AEAD cipher's.
 */
static void
io_ssh_mac(struct smf_io *io, size_t off, char *mac, size_t cap, const char *enc, bool etm)
{
    bool unused;
    uint16_t code = 0;
    if (writing(io))
        code = *mac                   ? smf_codes_ssh_mac_find(mac, &unused)
               : ssh_enc_is_aead(enc) ? SMF_MAC_NONE
                                      : 0;
    io_u16(io, off, &code);
    if (writing(io))
        return;
    char buf[64];
    const char *n =
        code == SMF_MAC_NONE ? NULL : smf_codes_ssh_mac_name(code, etm, buf, sizeof(buf));
    if (n)
        snprintf(mac, cap, "%s", n);
    else if (code && code != SMF_MAC_NONE)
        snprintf(mac, cap, "unknown(0x%04X)", code);
    else
        mac[0] = '\0';
}

/* Host key type: from the negotiated host key algorithm, else from the key type name. */
static void
io_ssh_key_type(struct smf_io *io, size_t off, struct zert_ssh *h)
{
    if (writing(io) && smf_codes_find(smf_ssh_hostkey_codes, h->hostkey)) {
        io_put(io, off, 2, smf_codes_find(smf_ssh_hostkey_codes, h->hostkey));
        return;
    }
    io_code(io, off, smf_ssh_key_type_codes, h->hostkey_type, sizeof(h->hostkey_type));
}

/* Where the SSH algorithm fields sit: the same fields, other offsets in the two subtypes. */
struct ssh_fields {
    size_t ver, flags, in_enc, in_mac, kex, out_enc, out_mac, key_type, key_bits;
};

static const struct ssh_fields ssh_st11 = {0, 3, 36, 38, 40, 42, 44, 48, 50};
static const struct ssh_fields ssh_st12 = {2, 3, 8, 10, 12, 14, 16, 18, 20};

/*
 * The SSH algorithms, oriented in/out from the local side: with the local role server (or
 * unknown) inbound is client-to-server. CryptoFlags: X'80' EtM inbound, X'40' outbound.
 */
static void
io_ssh_algs(struct smf_io *io, const struct ssh_fields *f, struct zert_ssh *h, enum zert_role role)
{
    bool c2s = role != ZERT_ROLE_CLIENT;
    char *in_enc = c2s ? h->enc_c2s : h->enc_s2c, *out_enc = c2s ? h->enc_s2c : h->enc_c2s;
    char *in_mac = c2s ? h->mac_c2s : h->mac_s2c, *out_mac = c2s ? h->mac_s2c : h->mac_c2s;
    uint8_t flags = 0;
    if (writing(io))
        flags = (uint8_t)((ssh_mac_etm(in_mac) ? 0x80 : 0) | (ssh_mac_etm(out_mac) ? 0x40 : 0));
    else
        h->present = true;
    io_ssh_version(io, f->ver, h);
    io_u8(io, f->flags, &flags);
    io_code(io, f->in_enc, smf_ssh_enc_codes, in_enc, ZERT_ALG_LEN);
    io_ssh_mac(io, f->in_mac, in_mac, ZERT_ALG_LEN, in_enc, flags & 0x80);
    io_code(io, f->kex, smf_ssh_kex_codes, h->kex, sizeof(h->kex));
    io_code(io, f->out_enc, smf_ssh_enc_codes, out_enc, ZERT_ALG_LEN);
    io_ssh_mac(io, f->out_mac, out_mac, ZERT_ALG_LEN, out_enc, flags & 0x40);
    io_ssh_key_type(io, f->key_type, h);
    io_num16(io, f->key_bits, &h->hostkey_bits);
    if (!writing(io) && strncmp(h->version, "1.", 2) == 0) {
        /* SSH-1 ciphers share their IBM codes with SSH-2's CBC ones: named as SSH-1 names them */
        const char *in1 = smf_codes_ssh1_enc_name(in_enc), *out1 = smf_codes_ssh1_enc_name(out_enc);
        if (in1 != in_enc)
            snprintf(in_enc, ZERT_ALG_LEN, "%s", in1);
        if (out1 != out_enc)
            snprintf(out_enc, ZERT_ALG_LEN, "%s", out1);
    }
}

/* IKE version "maj.min" as two bytes (low 4 bits each); major 0: none. */
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

/* IKE SA cipher: transform name plus key length as an IBM cipher code. */
static void
io_ike_encr(struct smf_io *io, size_t off, struct zert_ipsec *p)
{
    uint16_t code = 0, bits;
    const char *name;
    if (writing(io))
        code = smf_codes_ike_encr_find(p->encr, p->key_bits.v, p->key_bits.known);
    io_u16(io, off, &code);
    if (writing(io))
        return;
    if (smf_codes_ike_encr_name(code, &name, &bits)) {
        snprintf(p->encr, sizeof(p->encr), "%s", name);
        if (bits)
            zert_num_set(&p->key_bits, bits);
    } else if (code) {
        snprintf(p->encr, sizeof(p->encr), "unknown(0x%04X)", code);
    }
}

/* Where the IKE tunnel fields sit in the two subtypes. */
struct ipsec_fields {
    size_t maj, min, lcl_ip, rmt_ip, lcl_auth, rmt_auth, integ, encr, dh, prf, auth_proto;
};

static const struct ipsec_fields ipsec_st11 = {4, 5, 56, 72, 88, 90, 92, 94, 96, 98, 217};
static const struct ipsec_fields ipsec_st12 = {0, 1, 2, 18, 34, 36, 38, 40, 42, 44, 69};

static void
io_ipsec_tunnel(struct smf_io *io, const struct ipsec_fields *f, struct zert_ipsec *p, bool v6)
{
    uint8_t maj = 0, min = 0;
    uint16_t dh = 0;
    if (writing(io))
        ike_version(p->ike_version, &maj, &min);
    else
        p->present = true;
    io_u8(io, f->maj, &maj);
    io_u8(io, f->min, &min);
    if (!writing(io) && maj)
        snprintf(p->ike_version, sizeof(p->ike_version), "%u.%u", maj & 15u, min & 15u);
    io_ip(io, f->lcl_ip, v6, &p->tunnel_local, true);
    io_ip(io, f->rmt_ip, v6, &p->tunnel_remote, true);
    /* the wire shows one authentication method for both ends; read from the local one */
    io_code(io, f->lcl_auth, smf_ike_auth_codes, p->auth, sizeof(p->auth));
    io_code_out(io, f->rmt_auth, smf_ike_auth_codes, p->auth);
    io_code(io, f->integ, smf_ike_integ_codes, p->integ, sizeof(p->integ));
    io_ike_encr(io, f->encr, p);
    if (writing(io))
        dh = p->dh_group.known ? smf_codes_dh_group(p->dh_group.v) : 0;
    io_u16(io, f->dh, &dh);
    if (!writing(io) && dh)
        zert_num_set(&p->dh_group, dh);
    io_code(io, f->prf, smf_ike_prf_codes, p->prf, sizeof(p->prf));
    io_put(io, f->auth_proto, 1, p->esp_spi_count ? 50 : p->ah_spi_count ? 51 : 0);
}

/* ---- subtype 11 (§3) ------------------------------------------------------------------------- */

/* S1, the connection detail common section (128 bytes). */
static void
detail_common(struct smf_io *io, struct zert_detail *d)
{
    uint8_t event = (uint8_t)d->event, flags = d->local.family == 6 ? 0x80 : 0;
    uint32_t conn_id = (uint32_t)d->conn_id;
    io_u8(io, 0, &event);
    io_u8(io, 1, &d->protection);
    io_u8(io, 2, &flags); /* SAFlags: X'80' IPv6 */
    io_u8(io, 4, &d->ip_proto);
    io_text(io, 8, 8, d->job, sizeof(d->job));
    io_label(io, 16, 8, ""); /* JobID: not on the wire */
    io_text(io, 24, 8, d->user, sizeof(d->user));
    io_utc(io, 32, 36, &d->start_us);
    /* the end time is set only for event types 3 and 4 */
    if (!writing(io) || d->event == ZERT_EV_TERM || d->event == ZERT_EV_SHORT_TERM)
        io_utc(io, 40, 44, &d->end_us);
    io_ip(io, 48, flags & 0x80, &d->remote, false);
    io_ip(io, 64, flags & 0x80, &d->local, false);
    io_u16(io, 80, &d->remote.port);
    io_u16(io, 82, &d->local.port);
    io_u32(io, 84, &conn_id);
    io_u64(io, 88, &d->bytes_in);
    io_u64(io, 96, &d->bytes_out);
    io_u64(io, 104, &d->segs_in);
    io_u64(io, 112, &d->segs_out);
    if (!writing(io)) {
        d->event = (enum zert_detail_event)event;
        d->conn_id = conn_id;
    }
}

/* S3, TLS protocol attributes (168 bytes). */
static void
detail_tls(struct smf_io *io, struct zert_detail *d)
{
    struct zert_tls *t = &d->tls;
    uint8_t hs = t->handshake == ZERT_HS_FULL ? 1 : t->handshake == ZERT_HS_RESUMED ? 2 : 0;
    uint8_t role = d->role == ZERT_ROLE_CLIENT   ? 1
                   : d->role == ZERT_ROLE_SERVER ? (t->client_cert.present ? 3 : 2)
                                                 : 0; /* 3: server with client authentication */
    if (!writing(io))
        t->present = true;
    io_tls_version(io, 0, t);
    io_source(io, 2, &d->obs);
    io_u8(io, 3, &hs);
    io_u8(io, 4, &role);
    io_bytes(io, 7, 1, 8, 32, &t->session_id);
    io_provider(io, 40, 16, &d->obs);
    io_neg_cipher(io, 56, &t->cipher_suite);
    io_tls_suite(io, 62, t);
    io_cert_detail(io, 72, &t->server_cert);
    io_cert_detail(io, 120, &t->client_cert);
    if (!writing(io)) {
        t->handshake = hs == 1 ? ZERT_HS_FULL : hs == 2 ? ZERT_HS_RESUMED : ZERT_HS_UNKNOWN;
        if (role == 1)
            d->role = ZERT_ROLE_CLIENT;
        else if (role == 2 || role == 3)
            d->role = ZERT_ROLE_SERVER;
    }
}

static enum zert_role
role_from_ssh_comp(const char *comp)
{
    if (!strcmp(comp, "SSHD") || !strcmp(comp, "SFTPS") || !strcmp(comp, "SCPS"))
        return ZERT_ROLE_SERVER;
    if (!strcmp(comp, "SSH") || !strcmp(comp, "SFTPC") || !strcmp(comp, "SCPC"))
        return ZERT_ROLE_CLIENT;
    return ZERT_ROLE_UNKNOWN;
}

/* S4, SSH protocol attributes (284 bytes). */
static void
detail_ssh(struct smf_io *io, struct zert_detail *d)
{
    char comp[16];
    snprintf(comp, sizeof(comp), "%s",
             d->role == ZERT_ROLE_SERVER   ? "SSHD"
             : d->role == ZERT_ROLE_CLIENT ? "SSH"
                                           : "");
    io_source(io, 1, &d->obs);
    /* the subcomponent names the local role when the TLS section did not */
    io_text(io, 8, 8, comp, sizeof(comp));
    if (!writing(io) && d->role == ZERT_ROLE_UNKNOWN)
        d->role = role_from_ssh_comp(comp);
    io_provider(io, 16, 16, &d->obs);
    io_ssh_algs(io, &ssh_st11, &d->ssh, d->role);
    io_bytes(io, 56, 2, 60, 64, &d->ssh.hostkey_fp);
}

/* S5, IPSec protocol attributes (236 bytes). */
static void
detail_ipsec(struct smf_io *io, struct zert_detail *d)
{
    struct zert_ipsec *p = &d->ipsec;
    uint8_t tun_flags = p->tunnel_local.family == 6 || p->tunnel_remote.family == 6 ? 0x80 : 0;
    uint8_t maj, min;
    io_u8(io, 212, &tun_flags); /* TunFlags: X'80' IPv6 endpoints */
    io_label(io, 8, 48, "");    /* key-exchange rule name: not on the wire */
    io_ipsec_tunnel(io, &ipsec_st11, p, tun_flags & 0x80);
    ike_version(p->ike_version, &maj, &min);
    io_put(io, 213, 1, maj ? 2 : 0); /* TunType: IKE seen, a dynamic tunnel */
    if (!writing(io))
        obs_source(&d->obs, 1); /* no source byte in this section: observation */
}

static bool
detail_has_s1(const struct zert_detail *d)
{
    (void)d;
    return true;
}

static bool
detail_has_tls(const struct zert_detail *d)
{
    return d->tls.present;
}

static bool
detail_has_ssh(const struct zert_detail *d)
{
    return d->ssh.present;
}

static bool
detail_has_ipsec(const struct zert_detail *d)
{
    return d->ipsec.present;
}

const struct smf_detail_section smf_detail_sections[] = {
    {1, SMF_ST11_S1_LEN, true, detail_has_s1, detail_common},
    {3, SMF_ST11_TLS_LEN, false, detail_has_tls, detail_tls},
    {4, SMF_ST11_SSH_LEN, false, detail_has_ssh, detail_ssh},
    {5, SMF_ST11_IPS_LEN, false, detail_has_ipsec, detail_ipsec},
    {0, 0, false, NULL, NULL},
};

void
smf_layout_detail_done(struct zert_detail *d)
{
    /* no TLS or SSH role byte: UDP (EE) and IPsec traffic is peer to peer */
    if (d->role == ZERT_ROLE_UNKNOWN &&
        (d->ip_proto == 17 || d->ip_proto == 50 || d->ip_proto == 51))
        d->role = ZERT_ROLE_PEER;
}

/* ---- subtype 12 (§4) ------------------------------------------------------------------------- */

/* Lifetime counters at interval start (108) or end (156). */
static void
io_counters(struct smf_io *io, size_t off, struct zert_counters *k)
{
    io_u32(io, off + 0, &k->conns);
    io_u32(io, off + 4, &k->partial_conns);
    io_u32(io, off + 8, &k->short_conns);
    io_u32(io, off + 12, &k->active_conns);
    io_u64(io, off + 16, &k->bytes_in);
    io_u64(io, off + 24, &k->bytes_out);
    io_u64(io, off + 32, &k->segs_in);
    io_u64(io, off + 40, &k->segs_out);
}

/*
 * Interval duration in TOD clock units (bit 51 is one microsecond). The reader takes the
 * interval end from the header time, which keeps 1/100 s: the duration is measured from that
 * cut end, so end - duration gives the interval start back exactly.
 */
static void
io_interval(struct smf_io *io, size_t off, struct zert_summary *m)
{
    uint64_t end_cut = m->interval_end_us - m->interval_end_us % 10000;
    uint64_t dur = end_cut > m->interval_start_us ? end_cut - m->interval_start_us : 0;
    uint64_t tod = dur << 12;
    io_u64(io, off, &tod);
    if (writing(io) || !m->time_us)
        return;
    dur = tod >> 12;
    m->interval_end_us = m->time_us;
    m->interval_start_us = m->time_us > dur ? m->time_us - dur : 0;
}

/* S1, the summary common section (204 bytes). */
static void
summary_common(struct smf_io *io, struct zert_summary *m)
{
    uint8_t event = (uint8_t)m->event;
    uint8_t flags =
        (uint8_t)((m->server.family == 6 ? 0x80 : 0) | (m->role == ZERT_ROLE_SERVER   ? 0x40
                                                        : m->role == ZERT_ROLE_CLIENT ? 0x20
                                                                                      : 0));
    uint16_t port_end = m->server_port_end ? m->server_port_end : m->server.port;
    char sid[48], *key = m->session_key;
    size_t key_cap = sizeof(m->session_key);
    io_interval(io, 0, m);
    io_u8(io, 8, &event);
    io_u8(io, 9, &flags); /* X'80' IPv6, X'40' local server, X'20' local client */
    io_u8(io, 10, &m->protocol);
    io_text(io, 11, 8, m->job, sizeof(m->job));
    io_text(io, 19, 8, m->user, sizeof(m->user));
    io_u8(io, 27, &m->ip_proto);
    io_ip(io, 28, flags & 0x80, &m->server, false);
    io_ip(io, 44, flags & 0x80, &m->client, false);
    io_u16(io, 60, &m->server.port);
    io_u16(io, 62, &port_end);
    if (writing(io)) {
        emit_smf_session_id(m->session_key, m->protocol, sid, sizeof(sid));
        key = sid;
        key_cap = sizeof(sid);
    }
    io_text(io, 64, 42, key, key_cap);
    io_counters(io, 108, &m->start);
    io_counters(io, 156, &m->end);
    if (writing(io))
        return;
    m->event = (enum zert_summary_event)event;
    m->role = flags & 0x40 ? ZERT_ROLE_SERVER : flags & 0x20 ? ZERT_ROLE_CLIENT : ZERT_ROLE_UNKNOWN;
    if (m->role == ZERT_ROLE_UNKNOWN &&
        (m->ip_proto == 17 || m->ip_proto == 50 || m->ip_proto == 51))
        m->role = ZERT_ROLE_PEER;
    m->server_port_end = port_end;
}

/* S2, TLS attributes, summary form (36 bytes): the significant attributes only. */
static void
summary_tls(struct smf_io *io, struct zert_summary *m)
{
    struct zert_tls *t = &m->tls;
    if (!writing(io))
        t->present = true;
    io_put(io, 0, 1, 1); /* Source: stream observation */
    io_tls_version(io, 2, t);
    io_neg_cipher(io, 4, &t->cipher_suite);
    io_tls_suite(io, 10, t);
    io_cert_summary(io, 16, &t->server_cert);
    io_cert_summary(io, 26, &t->client_cert);
}

/* S3, SSH attributes, summary form (46 bytes). */
static void
summary_ssh(struct smf_io *io, struct zert_summary *m)
{
    io_put(io, 0, 1, 1); /* Source: stream observation */
    io_ssh_algs(io, &ssh_st12, &m->ssh, m->role);
}

/* S4, IPSec attributes, summary form (74 bytes); the IPv6 flag is the common section's. */
static void
summary_ipsec(struct smf_io *io, struct zert_summary *m)
{
    io_ipsec_tunnel(io, &ipsec_st12, &m->ipsec, m->server.family == 6);
}

static bool
summary_has_s1(const struct zert_summary *m)
{
    (void)m;
    return true;
}

/* Event records (aggregation enabled/disabled) carry only the ID and common sections. */
static bool
summary_has_tls(const struct zert_summary *m)
{
    return m->event == ZERT_SEV_INTERVAL && m->tls.present;
}

static bool
summary_has_ssh(const struct zert_summary *m)
{
    return m->event == ZERT_SEV_INTERVAL && m->ssh.present;
}

static bool
summary_has_ipsec(const struct zert_summary *m)
{
    return m->event == ZERT_SEV_INTERVAL && m->ipsec.present;
}

const struct smf_summary_section smf_summary_sections[] = {
    {1, SMF_ST12_S1_LEN, true, summary_has_s1, summary_common},
    {2, SMF_ST12_TLS_LEN, false, summary_has_tls, summary_tls},
    {3, SMF_ST12_SSH_LEN, false, summary_has_ssh, summary_ssh},
    {4, SMF_ST12_IPS_LEN, false, summary_has_ipsec, summary_ipsec},
    {0, 0, false, NULL, NULL},
};

/* ---- certificate DNs ------------------------------------------------------------------------- */

void
smf_layout_dn_entry(struct smf_io *io, uint16_t *len, uint16_t *type)
{
    io_u16(io, 0, len);
    io_u16(io, 2, type);
}

const struct smf_dn_kind smf_dn_kinds[4] = {
    {SMF_DN_TLS_SERVER_SUBJECT, false, false},
    {SMF_DN_TLS_SERVER_ISSUER, false, true},
    {SMF_DN_TLS_CLIENT_SUBJECT, true, false},
    {SMF_DN_TLS_CLIENT_ISSUER, true, true},
};

const struct smf_dn_kind *
smf_dn_kind_find(uint16_t type)
{
    for (size_t i = 0; i < sizeof(smf_dn_kinds) / sizeof(smf_dn_kinds[0]); i++) {
        if (smf_dn_kinds[i].type == type)
            return &smf_dn_kinds[i];
    }
    return NULL;
}

struct zert_cert *
smf_dn_cert(struct zert_tls *t, const struct smf_dn_kind *k)
{
    return k->client ? &t->client_cert : &t->server_cert;
}

char *
smf_dn_text(struct zert_tls *t, const struct smf_dn_kind *k)
{
    struct zert_cert *c = smf_dn_cert(t, k);
    return k->issuer ? c->issuer : c->subject;
}
