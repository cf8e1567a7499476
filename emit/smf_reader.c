/* smf_reader.c - reads SMF dumps (RDW or VBS), decodes 119 subtypes 11/12 through the triplets. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/cursor.h"
#include "ebcdic.h"
#include "smf_codes.h"
#include "smf_reader.h"

/* ---- input ---------------------------------------------------------------------------------- */

struct smf_reader *
smf_reader_new(FILE *in, enum smf_format fmt)
{
    struct smf_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->in = in;
    r->fmt = fmt;
    return r;
}

void
smf_reader_free(struct smf_reader *r)
{
    free(r);
}

/* Up to n bytes: first the detection look-ahead, then the stream. */
static size_t
in_read(struct smf_reader *r, uint8_t *dst, size_t n)
{
    size_t got = r->look_len - r->look_pos < n ? r->look_len - r->look_pos : n;
    memcpy(dst, r->look + r->look_pos, got);
    r->look_pos += got;
    if (got < n && !r->eof) {
        size_t m = fread(dst + got, 1, n - got, r->in);
        if (m < n - got)
            r->eof = true;
        got += m;
    }
    r->pos += got;
    return got;
}

static int fail(struct smf_reader *r, uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct smf_reader *r, uint64_t off, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(r->err, sizeof(r->err), "offset %" PRIu64 ": ", off);
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof(r->err))
        vsnprintf(r->err + n, sizeof(r->err) - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/*
 * Format detection (smf119-zert.md §7.3) on the first bytes: a BDW (n, 0)
 * followed by an SDW (m, ctl 00 or 01, 0) with m <= n - 4 is a VBS file;
 * otherwise an RDW (n >= 18, 0) is an RDW stream. VBS is tried first because
 * every BDW also looks like an RDW.
 */
static int
detect_format(struct smf_reader *r)
{
    r->look_len = fread(r->look, 1, sizeof(r->look), r->in);
    if (r->look_len < sizeof(r->look))
        r->eof = true;
    if (r->look_len == 0) {
        r->fmt = SMF_FMT_RDW; /* empty input: no records */
        return 0;
    }
    struct cursor c = cur_init(r->look, r->look_len);
    uint16_t n = cur_get_be16(&c);
    uint16_t zero = cur_get_be16(&c);
    uint16_t m = cur_get_be16(&c);
    uint8_t ctl = cur_get_u8(&c);
    uint8_t rsv = cur_get_u8(&c);
    if (cur_ok(&c) && zero == 0 && n >= 9 && m >= 5 && m <= n - 4 && ctl <= 1 && rsv == 0) {
        r->fmt = SMF_FMT_VBS;
        return 0;
    }
    c = cur_init(r->look, r->look_len);
    n = cur_get_be16(&c);
    zero = cur_get_be16(&c);
    if (cur_ok(&c) && zero == 0 && n >= 18) {
        r->fmt = SMF_FMT_RDW;
        return 0;
    }
    uint8_t b1 = 0;
    if (cur_peek_at(&(struct cursor){r->look, r->look_len, false}, 1, &b1) && b1 == 119)
        return fail(r, 0,
                    "not an SMF dump: the data starts like an SMF 119 record without its RDW; "
                    "transfer the file again in binary with SITE RDW");
    return fail(r, 0, "not an SMF dump file: neither an RDW stream nor BDW/SDW (VBS) blocks");
}

static int
next_rdw(struct smf_reader *r)
{
    uint8_t hdr[4];
    uint64_t off = r->pos;
    size_t got = in_read(r, hdr, 4);
    if (got == 0)
        return 0;
    if (got < 4)
        return fail(r, off, "truncated record descriptor (%zu of 4 bytes at the end of the file)",
                    got);
    struct cursor c = cur_init(hdr, 4);
    uint16_t len = cur_get_be16(&c);
    uint16_t seg = cur_get_be16(&c);
    if (seg != 0)
        return fail(r, off,
                    "record descriptor X'%04X%04X' has segment bits set (a VBS file read as an "
                    "RDW stream?)",
                    len, seg);
    if (len < 18)
        return fail(r, off, "record length %u is shorter than an SMF header (18 bytes)", len);
    memcpy(r->rec, hdr, 4);
    got = in_read(r, r->rec + 4, (size_t)len - 4);
    if (got < (size_t)len - 4)
        return fail(r, off, "record of %u bytes is truncated: the file ends after %zu", len,
                    got + 4);
    r->rec_len = len;
    r->rec_off = off;
    return 1;
}

static int
read_block(struct smf_reader *r, bool in_span, uint64_t span_off)
{
    uint8_t bdw[4];
    uint64_t off = r->pos;
    size_t got = in_read(r, bdw, 4);
    if (got == 0) {
        if (in_span)
            return fail(r, off,
                        "end of file inside the spanned record that began at offset %" PRIu64,
                        span_off);
        return 0;
    }
    if (got < 4)
        return fail(r, off, "truncated block descriptor (%zu of 4 bytes)", got);
    struct cursor c = cur_init(bdw, 4);
    uint32_t n;
    uint8_t first = 0;
    cur_peek_at(&c, 0, &first);
    if (first & 0x80) {
        n = cur_get_be32(&c) & 0x7FFFFFFF; /* extended BDW (large tape blocks) */
    } else {
        n = cur_get_be16(&c);
        if (cur_get_be16(&c) != 0)
            return fail(r, off, "block descriptor reserved bytes are not zero (not a VBS file?)");
    }
    if (n < 9)
        return fail(r, off, "block length %" PRIu32 " is too small for a segment", n);
    if (n - 4 > sizeof(r->block))
        return fail(r, off, "block length %" PRIu32 " exceeds %zu bytes", n, sizeof(r->block));
    got = in_read(r, r->block, n - 4);
    if (got < n - 4)
        return fail(r, off, "block of %" PRIu32 " bytes is truncated: the file ends after %zu", n,
                    got + 4);
    r->blk_len = n - 4;
    r->blk_pos = 0;
    r->blk_off = off + 4;
    return 1;
}

/* Reassemble one logical record from SDW segments (§7.2). */
static int
next_vbs(struct smf_reader *r)
{
    size_t have = 0;
    bool in_span = false;
    uint64_t span_off = 0;
    for (;;) {
        if (r->blk_pos >= r->blk_len) {
            int rc = read_block(r, in_span, span_off);
            if (rc <= 0)
                return rc;
        }
        uint64_t off = r->blk_off + r->blk_pos;
        struct cursor c = cur_init(r->block, r->blk_len);
        cur_skip(&c, r->blk_pos);
        uint16_t m = cur_get_be16(&c);
        uint8_t ctl = cur_get_u8(&c);
        cur_get_u8(&c);
        if (!cur_ok(&c))
            return fail(r, off, "truncated segment descriptor at the end of a block");
        if (m < 5)
            return fail(r, off, "segment length %u is too small", m);
        struct cursor data = cur_take(&c, (size_t)m - 4);
        if (!cur_ok(&data))
            return fail(r, off, "segment of %u bytes runs past the end of its block", m);
        r->blk_pos += m;
        switch (ctl & 3) {
        case 0: /* complete record */
        case 1: /* first segment */
            if (in_span)
                return fail(r, off,
                            "a new record starts inside the spanned record that began at offset "
                            "%" PRIu64,
                            span_off);
            in_span = (ctl & 3) == 1;
            span_off = off;
            have = 0;
            break;
        default: /* 2 last, 3 middle */
            if (!in_span)
                return fail(r, off, "%s segment without a first segment",
                            (ctl & 3) == 2 ? "last" : "middle");
            break;
        }
        if (have + (size_t)m - 4 > 65535 - 4)
            return fail(r, span_off, "spanned record longer than 65535 bytes");
        cur_copy(&data, r->rec + 4 + have, (size_t)m - 4);
        have += (size_t)m - 4;
        if ((ctl & 3) == 0 || (ctl & 3) == 2)
            break;
    }
    if (have + 4 < 18)
        return fail(r, span_off, "record of %zu bytes is shorter than an SMF header", have + 4);
    r->rec_len = have + 4;
    r->rec[0] = (uint8_t)(r->rec_len >> 8);
    r->rec[1] = (uint8_t)r->rec_len;
    r->rec[2] = 0;
    r->rec[3] = 0;
    r->rec_off = span_off;
    return 1;
}

int
smf_reader_next(struct smf_reader *r)
{
    int rc;
    if (r->err[0])
        return -1;
    if (r->fmt == SMF_FMT_AUTO && detect_format(r) != 0)
        return -1;
    rc = r->fmt == SMF_FMT_VBS ? next_vbs(r) : next_rdw(r);
    if (rc == 1)
        r->records++;
    return rc;
}

/* ---- field access on a zero-filled copy of a section ---------------------------------------- */

static uint8_t
get8(const uint8_t *s, size_t n, size_t off)
{
    struct cursor c = cur_init(s, n);
    cur_skip(&c, off);
    return cur_get_u8(&c);
}

static uint16_t
get16(const uint8_t *s, size_t n, size_t off)
{
    struct cursor c = cur_init(s, n);
    cur_skip(&c, off);
    return cur_get_be16(&c);
}

static uint32_t
get32(const uint8_t *s, size_t n, size_t off)
{
    struct cursor c = cur_init(s, n);
    cur_skip(&c, off);
    return cur_get_be32(&c);
}

static uint64_t
get64(const uint8_t *s, size_t n, size_t off)
{
    struct cursor c = cur_init(s, n);
    cur_skip(&c, off);
    return cur_get_be64(&c);
}

static void
get_bytes(const uint8_t *s, size_t n, size_t off, uint8_t *dst, size_t len)
{
    struct cursor c = cur_init(s, n);
    cur_skip(&c, off);
    cur_copy(&c, dst, len);
}

static void
get_text(const uint8_t *s, size_t n, size_t off, size_t width, char *dst, size_t cap)
{
    uint8_t tmp[64];
    if (width > sizeof(tmp))
        width = sizeof(tmp);
    get_bytes(s, n, off, tmp, width);
    ebcdic_to_utf8(dst, cap, tmp, width, true);
}

static bool
all_zero(const uint8_t *s, size_t n, size_t off, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (get8(s, n, off + i))
            return false;
    }
    return true;
}

/* 16-byte address: IPv6 when flagged; else IPv4 in bytes 0-3 (or mapped ::ffff:a.b.c.d). */
static void
get_ip(const uint8_t *s, size_t n, size_t off, bool v6, struct zert_endpoint *e, bool zero_unknown)
{
    uint8_t ip[16];
    get_bytes(s, n, off, ip, 16);
    memset(e->ip, 0, sizeof(e->ip));
    e->family = 0;
    if (zero_unknown && all_zero(ip, 16, 0, 16))
        return;
    if (v6) {
        e->family = 6;
        memcpy(e->ip, ip, 16);
    } else if (all_zero(ip, 16, 0, 10) && get16(ip, 16, 10) == 0xFFFF) {
        e->family = 4;
        get_bytes(ip, 16, 12, e->ip, 4);
    } else {
        e->family = 4;
        memcpy(e->ip, ip, 4);
    }
}

/* ---- dates and times ------------------------------------------------------------------------ */

static uint64_t
utc_us(uint32_t date, uint32_t hundredths)
{
    int year, yday;
    if (!emit_smf_unpack_date(date, &year, &yday) || hundredths >= 8640000)
        return 0;
    return emit_smf_utc_join(year, yday, hundredths);
}

/* Certificate "not after": UTCTime or GeneralizedTime, EBCDIC or ASCII digits. */
static void
get_cert_time(const uint8_t *s, size_t n, size_t type_off, size_t time_off, struct zert_num *out)
{
    uint8_t type = get8(s, n, type_off);
    int dig[14];
    size_t want = type == 1 ? 12 : type == 2 ? 14 : 0;
    if (!want)
        return;
    for (size_t i = 0; i < want; i++) {
        uint8_t b = get8(s, n, time_off + i);
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
    int64_t t = emit_smf_days_from_civil(year, mon, day) * 86400 + hh * 3600 + mm * 60 + ss;
    if (t < 0)
        return;
    zert_num_set(out, (uint64_t)t);
}

/* ---- record structure ----------------------------------------------------------------------- */

#define MAX_TRIPLETS 64

struct triplet {
    uint32_t off;
    uint16_t len, num;
};

struct smf_rec {
    const uint8_t *p;
    size_t len;
    uint16_t trn;
    struct triplet t[MAX_TRIPLETS];
};

static bool
sec_present(const struct smf_rec *r, unsigned idx)
{
    return idx < r->trn && idx < MAX_TRIPLETS && r->t[idx].off && r->t[idx].len && r->t[idx].num;
}

/* Instance 0 of a section into dst (want bytes), zero-filled past what the section holds;
 * a longer section (a newer release) is cut to the fields this reader knows. */
static bool
sec_copy(const struct smf_rec *r, unsigned idx, uint8_t *dst, size_t want)
{
    memset(dst, 0, want);
    if (!sec_present(r, idx))
        return false;
    struct cursor c = cur_init(r->p, r->len);
    cur_skip(&c, r->t[idx].off);
    cur_copy(&c, dst, r->t[idx].len < want ? r->t[idx].len : want);
    return true;
}

static enum smf_kind bad(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum smf_kind
bad(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return SMF_KIND_BAD;
}

/* Read the self-defining section; fixed sections 0..nfixed-1 must lie inside the record. */
static enum smf_kind
read_triplets(struct smf_rec *r, unsigned nfixed, unsigned dn_idx, char *err, size_t errlen)
{
    struct cursor c = cur_init(r->p, r->len);
    cur_skip(&c, SMF_HDR_LEN);
    r->trn = cur_get_be16(&c);
    cur_get_be16(&c);
    if (!cur_ok(&c))
        return bad(err, errlen, "record of %zu bytes ends inside the self-defining section",
                   r->len);
    size_t area = SMF_HDR_LEN + 4 + 8 * (size_t)r->trn;
    if (area > r->len)
        return bad(err, errlen, "%u triplets (%zu bytes) do not fit the record length %zu", r->trn,
                   area, r->len);
    for (unsigned i = 0; i < r->trn; i++) {
        struct triplet t;
        t.off = cur_get_be32(&c);
        t.len = cur_get_be16(&c);
        t.num = cur_get_be16(&c);
        if (i < MAX_TRIPLETS)
            r->t[i] = t;
        if (i >= nfixed || !t.off || !t.len || !t.num)
            continue; /* unknown triplets (newer releases) are skipped, not checked */
        if (t.off < area || t.off > r->len)
            return bad(err, errlen,
                       "triplet %u offset %" PRIu32 " is outside the record (sections %zu..%zu)", i,
                       t.off, area, r->len);
        if (i == dn_idx)
            continue; /* variable length: checked entry by entry */
        uint64_t end = (uint64_t)t.off + (uint64_t)t.len * t.num;
        if (end > r->len)
            return bad(err, errlen,
                       "triplet %u (offset %" PRIu32 ", length %u, number %u) ends at %" PRIu64
                       ", past the record length %zu",
                       i, t.off, t.len, t.num, end, r->len);
    }
    return SMF_KIND_DETAIL; /* "ok" */
}

/* Walk the DN entries (Len includes the 4-byte header) and hand each to `put`. */
static enum smf_kind
read_dns(const struct smf_rec *r, unsigned idx, struct zert_tls *tls, char *err, size_t errlen)
{
    if (!sec_present(r, idx))
        return SMF_KIND_DETAIL;
    struct cursor c = cur_init(r->p, r->len);
    cur_skip(&c, r->t[idx].off);
    for (unsigned i = 0; i < r->t[idx].num; i++) {
        uint16_t dl = cur_get_be16(&c);
        uint16_t type = cur_get_be16(&c);
        if (!cur_ok(&c) || dl < 4)
            return bad(err, errlen, "DN entry %u: bad length %u", i, dl);
        struct cursor text = cur_take(&c, (size_t)dl - 4);
        if (!cur_ok(&text))
            return bad(err, errlen, "DN entry %u (%u bytes) runs past the end of the record", i,
                       dl);
        uint8_t buf[SMF_DN_TEXT_MAX];
        size_t n = cur_left(&text) < sizeof(buf) ? cur_left(&text) : sizeof(buf);
        cur_copy(&text, buf, n);
        struct zert_cert *cert = NULL;
        char *dst = NULL;
        switch (type) {
        case SMF_DN_TLS_SERVER_SUBJECT:
        case SMF_DN_TLS_SERVER_ISSUER:
            cert = &tls->server_cert;
            break;
        case SMF_DN_TLS_CLIENT_SUBJECT:
        case SMF_DN_TLS_CLIENT_ISSUER:
            cert = &tls->client_cert;
            break;
        default:
            continue; /* IPsec and SSH certificate DNs: the record has no field for them */
        }
        dst = (type & 1) ? cert->subject : cert->issuer;
        ebcdic_to_utf8(dst, ZERT_DN_LEN, buf, n, true);
        cert->present = true;
    }
    return SMF_KIND_DETAIL;
}

/* A code, as its name from `tab`, else "unknown(0xNNNN)"; 0 stays unknown (""). */
static void
code_name(const struct smf_code *tab, uint16_t code, char *dst, size_t cap)
{
    const char *n = smf_codes_name(tab, code);
    if (n)
        snprintf(dst, cap, "%s", n);
    else if (code)
        snprintf(dst, cap, "unknown(0x%04X)", code);
    else
        dst[0] = '\0';
}

static void
num_if(struct zert_num *n, uint64_t v)
{
    if (v)
        zert_num_set(n, v);
}

static void
read_header(const struct smf_rec *r, const struct smf_tz *tz, uint64_t *time_us,
            struct zert_sensor *sn)
{
    struct cursor c = cur_init(r->p, r->len);
    cur_skip(&c, 6);
    uint32_t hs = cur_get_be32(&c);
    uint32_t date = cur_get_be32(&c);
    int year, yday;
    *time_us = 0;
    if (emit_smf_unpack_date(date, &year, &yday) && hs < 8640000)
        *time_us = emit_smf_tz_utc(tz, year, yday, hs);
    uint8_t id[SMF_ID_LEN];
    if (sec_copy(r, 0, id, sizeof(id))) {
        get_text(id, sizeof(id), 0, 8, sn->system, sizeof(sn->system));
        get_text(id, sizeof(id), 8, 8, sn->sysplex, sizeof(sn->sysplex));
        get_text(id, sizeof(id), 16, 8, sn->stack, sizeof(sn->stack));
    }
}

static void
read_cert_detail(const uint8_t *s, size_t n, size_t off, struct zert_cert *c)
{
    if (all_zero(s, n, off, 48))
        return;
    c->present = true;
    code_name(smf_cert_sig_codes, get16(s, n, off), c->sig_alg, sizeof(c->sig_alg));
    code_name(smf_cert_digest_codes, get16(s, n, off + 4), c->digest, sizeof(c->digest));
    uint8_t slen = get8(s, n, off + 7);
    if (slen) {
        uint8_t ser[20];
        get_bytes(s, n, off + 8, ser, sizeof(ser));
        zert_bytes_set(&c->serial, ser, slen > 20 ? 20 : slen, 20, NULL);
    }
    get_cert_time(s, n, off + 28, off + 29, &c->not_after);
    code_name(smf_cert_key_codes, get16(s, n, off + 44), c->key_type, sizeof(c->key_type));
    num_if(&c->key_bits, get16(s, n, off + 46));
}

static void
read_cert_summary(const uint8_t *s, size_t n, size_t off, struct zert_cert *c)
{
    if (all_zero(s, n, off, 10))
        return;
    c->present = true;
    code_name(smf_cert_sig_codes, get16(s, n, off), c->sig_alg, sizeof(c->sig_alg));
    code_name(smf_cert_digest_codes, get16(s, n, off + 4), c->digest, sizeof(c->digest));
    code_name(smf_cert_key_codes, get16(s, n, off + 6), c->key_type, sizeof(c->key_type));
    num_if(&c->key_bits, get16(s, n, off + 8));
}

static void
read_neg_cipher(const uint8_t *s, size_t n, size_t off, struct zert_num *out)
{
    char txt[16];
    get_text(s, n, off, 6, txt, sizeof(txt));
    size_t len = strlen(txt);
    if (len != 4 && len != 6)
        return;
    char *end = NULL;
    unsigned long v = strtoul(txt, &end, 16);
    if (end && *end == '\0')
        zert_num_set(out, v);
}

static void
tls_common(struct zert_tls *t, uint16_t ver, uint16_t enc, uint16_t mac, uint16_t kex)
{
    t->present = true;
    num_if(&t->version_code, ver);
    code_name(smf_tls_enc_codes, enc, t->enc, sizeof(t->enc));
    code_name(smf_tls_mac_codes, mac, t->mac, sizeof(t->mac));
    code_name(smf_tls_kex_codes, kex, t->kex, sizeof(t->kex));
}

static void
source_name(uint8_t src, struct zert_observation *o)
{
    if (o->present)
        return;
    o->present = true;
    snprintf(o->source, sizeof(o->source), "%s",
             src == 1   ? "observation"
             : src == 2 ? "provider"
                        : "");
}

/* SSH MAC read back: code 1 (none / AEAD-implicit) is shown as null, like an AEAD MAC. */
static void
ssh_mac(uint16_t code, bool etm, char *dst, size_t cap)
{
    char buf[64];
    const char *n =
        code == SMF_MAC_NONE ? NULL : smf_codes_ssh_mac_name(code, etm, buf, sizeof(buf));
    if (n)
        snprintf(dst, cap, "%s", n);
    else if (code && code != SMF_MAC_NONE)
        snprintf(dst, cap, "unknown(0x%04X)", code);
    else
        dst[0] = '\0';
}

static void
ssh_fill(struct zert_ssh *h, enum zert_role role, uint8_t ver, uint8_t flags, uint16_t in_enc,
         uint16_t in_mac, uint16_t kex, uint16_t out_enc, uint16_t out_mac, uint16_t ktype,
         uint16_t kbits)
{
    bool c2s = role != ZERT_ROLE_CLIENT;
    h->present = true;
    snprintf(h->version, sizeof(h->version), "%s", ver == 2 ? "2.0" : ver == 1 ? "1.5" : "");
    code_name(smf_ssh_enc_codes, in_enc, c2s ? h->enc_c2s : h->enc_s2c, sizeof(h->enc_c2s));
    code_name(smf_ssh_enc_codes, out_enc, c2s ? h->enc_s2c : h->enc_c2s, sizeof(h->enc_c2s));
    ssh_mac(in_mac, flags & 0x80, c2s ? h->mac_c2s : h->mac_s2c, sizeof(h->mac_c2s));
    ssh_mac(out_mac, flags & 0x40, c2s ? h->mac_s2c : h->mac_c2s, sizeof(h->mac_c2s));
    code_name(smf_ssh_kex_codes, kex, h->kex, sizeof(h->kex));
    code_name(smf_ssh_key_type_codes, ktype, h->hostkey_type, sizeof(h->hostkey_type));
    num_if(&h->hostkey_bits, kbits);
}

static void
ipsec_fill(struct zert_ipsec *p, uint8_t maj, uint8_t min, uint16_t auth, uint16_t integ,
           uint16_t encr, uint16_t dh, uint16_t prf)
{
    const char *ename;
    uint16_t bits;
    p->present = true;
    if (maj)
        snprintf(p->ike_version, sizeof(p->ike_version), "%u.%u", maj & 15u, min & 15u);
    code_name(smf_ike_auth_codes, auth, p->auth, sizeof(p->auth));
    code_name(smf_ike_integ_codes, integ, p->integ, sizeof(p->integ));
    if (smf_codes_ike_encr_name(encr, &ename, &bits)) {
        snprintf(p->encr, sizeof(p->encr), "%s", ename);
        num_if(&p->key_bits, bits);
    } else if (encr) {
        snprintf(p->encr, sizeof(p->encr), "unknown(0x%04X)", encr);
    }
    num_if(&p->dh_group, dh);
    code_name(smf_ike_prf_codes, prf, p->prf, sizeof(p->prf));
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

static enum smf_kind
decode_detail(const struct smf_rec *r, const struct smf_tz *tz, struct zert_detail *d, char *err,
              size_t errlen)
{
    uint8_t s1[SMF_ST11_S1_LEN], tls[SMF_ST11_TLS_LEN], ssh[SMF_ST11_SSH_LEN],
        ips[SMF_ST11_IPS_LEN];
    memset(d, 0, sizeof(*d));
    read_header(r, tz, &d->time_us, &d->sensor);
    if (!sec_copy(r, 1, s1, sizeof(s1)))
        return bad(err, errlen, "subtype 11 record without its common section (triplet 1)");
    size_t n = sizeof(s1);
    bool v6 = get8(s1, n, 2) & 0x80;
    d->event = (enum zert_detail_event)get8(s1, n, 0);
    d->protection = get8(s1, n, 1);
    d->ip_proto = get8(s1, n, 4);
    get_text(s1, n, 8, 8, d->job, sizeof(d->job));
    get_text(s1, n, 24, 8, d->user, sizeof(d->user));
    d->start_us = utc_us(get32(s1, n, 36), get32(s1, n, 32));
    d->end_us = utc_us(get32(s1, n, 44), get32(s1, n, 40));
    get_ip(s1, n, 48, v6, &d->remote, false);
    get_ip(s1, n, 64, v6, &d->local, false);
    d->remote.port = get16(s1, n, 80);
    d->local.port = get16(s1, n, 82);
    d->conn_id = get32(s1, n, 84);
    d->bytes_in = get64(s1, n, 88);
    d->bytes_out = get64(s1, n, 96);
    d->segs_in = get64(s1, n, 104);
    d->segs_out = get64(s1, n, 112);

    if (sec_copy(r, 3, tls, sizeof(tls))) {
        struct zert_tls *t = &d->tls;
        n = sizeof(tls);
        tls_common(t, get16(tls, n, 0), get16(tls, n, 62), get16(tls, n, 64), get16(tls, n, 66));
        source_name(get8(tls, n, 2), &d->obs);
        uint8_t hs = get8(tls, n, 3), role = get8(tls, n, 4), sid_len = get8(tls, n, 7);
        t->handshake = hs == 1 ? ZERT_HS_FULL : hs == 2 ? ZERT_HS_RESUMED : ZERT_HS_UNKNOWN;
        if (role == 1)
            d->role = ZERT_ROLE_CLIENT;
        else if (role == 2 || role == 3)
            d->role = ZERT_ROLE_SERVER;
        if (sid_len) {
            uint8_t sid[32];
            get_bytes(tls, n, 8, sid, sizeof(sid));
            zert_bytes_set(&t->session_id, sid, sid_len > 32 ? 32 : sid_len, 32, NULL);
        }
        read_neg_cipher(tls, n, 56, &t->cipher_suite);
        read_cert_detail(tls, n, 72, &t->server_cert);
        read_cert_detail(tls, n, 120, &t->client_cert);
    }
    if (sec_copy(r, 4, ssh, sizeof(ssh))) {
        char comp[16];
        n = sizeof(ssh);
        get_text(ssh, n, 8, 8, comp, sizeof(comp));
        if (d->role == ZERT_ROLE_UNKNOWN)
            d->role = role_from_ssh_comp(comp);
        source_name(get8(ssh, n, 1), &d->obs);
        ssh_fill(&d->ssh, d->role, get8(ssh, n, 0), get8(ssh, n, 3), get16(ssh, n, 36),
                 get16(ssh, n, 38), get16(ssh, n, 40), get16(ssh, n, 42), get16(ssh, n, 44),
                 get16(ssh, n, 48), get16(ssh, n, 50));
        uint16_t fplen = get16(ssh, n, 56);
        if (fplen) {
            uint8_t fp[64];
            get_bytes(ssh, n, 60, fp, sizeof(fp));
            zert_bytes_set(&d->ssh.hostkey_fp, fp, fplen > 64 ? 64 : fplen, 64, NULL);
        }
    }
    if (sec_copy(r, 5, ips, sizeof(ips))) {
        n = sizeof(ips);
        bool tv6 = get8(ips, n, 212) & 0x80;
        ipsec_fill(&d->ipsec, get8(ips, n, 4), get8(ips, n, 5), get16(ips, n, 88),
                   get16(ips, n, 92), get16(ips, n, 94), get16(ips, n, 96), get16(ips, n, 98));
        get_ip(ips, n, 56, tv6, &d->ipsec.tunnel_local, true);
        get_ip(ips, n, 72, tv6, &d->ipsec.tunnel_remote, true);
        if (!d->obs.present)
            source_name(1, &d->obs); /* the IPsec section has no source byte */
    }
    if (d->role == ZERT_ROLE_UNKNOWN &&
        (d->ip_proto == 17 || d->ip_proto == 50 || d->ip_proto == 51))
        d->role = ZERT_ROLE_PEER;
    return read_dns(r, 6, &d->tls, err, errlen);
}

static void
read_counters(const uint8_t *s, size_t n, size_t off, struct zert_counters *k)
{
    k->conns = get32(s, n, off);
    k->partial_conns = get32(s, n, off + 4);
    k->short_conns = get32(s, n, off + 8);
    k->active_conns = get32(s, n, off + 12);
    k->bytes_in = get64(s, n, off + 16);
    k->bytes_out = get64(s, n, off + 24);
    k->segs_in = get64(s, n, off + 32);
    k->segs_out = get64(s, n, off + 40);
}

static enum smf_kind
decode_summary(const struct smf_rec *r, const struct smf_tz *tz, struct zert_summary *m, char *err,
               size_t errlen)
{
    uint8_t s1[SMF_ST12_S1_LEN], tls[SMF_ST12_TLS_LEN], ssh[SMF_ST12_SSH_LEN],
        ips[SMF_ST12_IPS_LEN];
    memset(m, 0, sizeof(*m));
    read_header(r, tz, &m->time_us, &m->sensor);
    if (!sec_copy(r, 1, s1, sizeof(s1)))
        return bad(err, errlen, "subtype 12 record without its common section (triplet 1)");
    size_t n = sizeof(s1);
    uint64_t dur = get64(s1, n, 0) >> 12;
    uint8_t flags = get8(s1, n, 9);
    bool v6 = flags & 0x80;
    if (m->time_us) {
        m->interval_end_us = m->time_us;
        m->interval_start_us = m->time_us > dur ? m->time_us - dur : 0;
    }
    m->event = (enum zert_summary_event)get8(s1, n, 8);
    m->role = flags & 0x40 ? ZERT_ROLE_SERVER : flags & 0x20 ? ZERT_ROLE_CLIENT : ZERT_ROLE_UNKNOWN;
    m->protocol = get8(s1, n, 10);
    get_text(s1, n, 11, 8, m->job, sizeof(m->job));
    get_text(s1, n, 19, 8, m->user, sizeof(m->user));
    m->ip_proto = get8(s1, n, 27);
    if (m->role == ZERT_ROLE_UNKNOWN &&
        (m->ip_proto == 17 || m->ip_proto == 50 || m->ip_proto == 51))
        m->role = ZERT_ROLE_PEER;
    get_ip(s1, n, 28, v6, &m->server, false);
    get_ip(s1, n, 44, v6, &m->client, false);
    m->server.port = get16(s1, n, 60);
    m->server_port_end = get16(s1, n, 62);
    get_text(s1, n, 64, 42, m->session_key, sizeof(m->session_key));
    read_counters(s1, n, 108, &m->start);
    read_counters(s1, n, 156, &m->end);

    if (sec_copy(r, 2, tls, sizeof(tls))) {
        n = sizeof(tls);
        tls_common(&m->tls, get16(tls, n, 2), get16(tls, n, 10), get16(tls, n, 12),
                   get16(tls, n, 14));
        read_neg_cipher(tls, n, 4, &m->tls.cipher_suite);
        read_cert_summary(tls, n, 16, &m->tls.server_cert);
        read_cert_summary(tls, n, 26, &m->tls.client_cert);
    }
    if (sec_copy(r, 3, ssh, sizeof(ssh))) {
        n = sizeof(ssh);
        ssh_fill(&m->ssh, m->role, get8(ssh, n, 2), get8(ssh, n, 3), get16(ssh, n, 8),
                 get16(ssh, n, 10), get16(ssh, n, 12), get16(ssh, n, 14), get16(ssh, n, 16),
                 get16(ssh, n, 18), get16(ssh, n, 20));
    }
    if (sec_copy(r, 4, ips, sizeof(ips))) {
        n = sizeof(ips);
        ipsec_fill(&m->ipsec, get8(ips, n, 0), get8(ips, n, 1), get16(ips, n, 34),
                   get16(ips, n, 38), get16(ips, n, 40), get16(ips, n, 42), get16(ips, n, 44));
        get_ip(ips, n, 2, v6, &m->ipsec.tunnel_local, true);
        get_ip(ips, n, 18, v6, &m->ipsec.tunnel_remote, true);
    }
    return read_dns(r, 5, &m->tls, err, errlen);
}

enum smf_kind
smf_reader_decode(const uint8_t *rec, size_t len, const struct smf_tz *tz, struct smf_decoded *out,
                  char *err, size_t errlen)
{
    struct smf_rec r;
    struct cursor c = cur_init(rec, len);
    memset(&r, 0, sizeof(r));
    r.p = rec;
    r.len = len;
    out->kind = SMF_KIND_BAD;
    out->subtype = 0;
    out->triplets = 0;
    out->unknown_triplets = 0;
    uint16_t rdw = cur_get_be16(&c);
    cur_skip(&c, 3);
    out->type = cur_get_u8(&c);
    if (!cur_ok(&c) || rdw != len)
        return bad(err, errlen, "record descriptor says %u bytes, the record has %zu", rdw, len);
    if (out->type != SMF_TYPE_ZERT)
        return out->kind = SMF_KIND_OTHER_TYPE;
    cur_skip(&c, 16);
    out->subtype = cur_get_be16(&c);
    if (!cur_ok(&c))
        return bad(err, errlen, "type 119 record of %zu bytes is shorter than its 24-byte header",
                   len);
    if (out->subtype != SMF_ST_DETAIL && out->subtype != SMF_ST_SUMMARY)
        return out->kind = SMF_KIND_OTHER_SUBTYPE;
    bool detail = out->subtype == SMF_ST_DETAIL;
    /* known triplets: subtype 11 ID,S1..S6 (S7 of z/OS 2.5 is not documented); 12: ID,S1..S5 */
    if (read_triplets(&r, detail ? 7 : 6, detail ? 6 : 5, err, errlen) == SMF_KIND_BAD)
        return SMF_KIND_BAD;
    out->triplets = r.trn;
    out->unknown_triplets = r.trn > (detail ? 7 : 6) ? (uint16_t)(r.trn - (detail ? 7 : 6)) : 0;
    enum smf_kind k = detail ? decode_detail(&r, tz, &out->u.detail, err, errlen)
                             : decode_summary(&r, tz, &out->u.summary, err, errlen);
    if (k == SMF_KIND_BAD)
        return out->kind = SMF_KIND_BAD;
    return out->kind = detail ? SMF_KIND_DETAIL : SMF_KIND_SUMMARY;
}
