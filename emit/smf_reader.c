/* smf_reader.c - reads SMF dumps (RDW or VBS), decodes 119 subtypes 11/12 through the triplets. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ebcdic.h"
#include "smf_bytes.h"
#include "smf_layout.h"
#include "smf_reader.h"

/*
 * Every length is checked before the bytes it announces are used (smf_fits); the
 * fields of the sections are read by the layouts of smf_layout.c, which the writer
 * runs too.
 */

/* ---- input ----------------------------------------------------------------------------------- */

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
        if (m < n - got) {
            r->eof = true;
            if (ferror(r->in))
                r->read_errno = errno ? errno : EIO;
        }
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

/* A packed date or one of the two "no date" forms. */
static bool
date_ok(uint32_t v)
{
    int year, yday;
    return v == 0 || v == 0x0000000F || emit_smf_unpack_date(v, &year, &yday);
}

/*
 * Format detection (smf119-zert.md §7.3) on the first bytes, in this order:
 * 1. a BDW (n, 0), or an extended BDW (bit 0 set: a 31-bit length, written for
 *    blocks over 32 760 bytes), then an SDW (m, ctl 00 or 01, 0) that starts a
 *    record, 5 <= m <= n - 4: VBS (tried first: every BDW also looks like an RDW);
 * 2. an RDW (n >= 18, 0) whose SMF header holds a time of day and a date: RDW;
 * 3. a BDW then a word shaped like an SDW (reserved byte 0, m <= n - 4) that
 *    cannot start a record (a middle or last segment, a length under 5): a
 *    damaged VBS file, read as VBS so that the reader reports the damage at
 *    its offset, not an RDW stream of blocks skipped as "other types";
 * 4. an RDW (n >= 18, 0) with an odd time or date: RDW.
 */
static int
detect_format(struct smf_reader *r)
{
    const uint8_t *p = r->look;
    r->look_len = fread(r->look, 1, sizeof(r->look), r->in);
    if (r->look_len < sizeof(r->look)) {
        r->eof = true;
        if (ferror(r->in))
            r->read_errno = errno ? errno : EIO;
    }
    if (r->look_len == 0) {
        r->fmt = SMF_FMT_RDW; /* empty input: no records */
        return 0;
    }
    size_t len = r->look_len;
    bool ext = smf_get8(p, len, 0) & 0x80, zero = smf_get16(p, len, 2) == 0;
    uint32_t n = ext ? smf_get32(p, len, 0) & 0x7FFFFFFF : smf_get16(p, len, 0);
    uint16_t m = smf_get16(p, len, 4);
    uint8_t ctl = smf_get8(p, len, 6), rsv = smf_get8(p, len, 7);
    bool sdw = len >= 8 && (ext || zero) && n >= 8 && rsv == 0 && ctl <= 3 && m <= n - 4;
    bool rdw = len >= 4 && !ext && zero && n >= 18;
    if (sdw && n >= 9 && m >= 5 && ctl <= 1) {
        r->fmt = SMF_FMT_VBS;
        return 0;
    }
    if (rdw && len >= 14 && smf_get32(p, len, 6) < 8640000 && date_ok(smf_get32(p, len, 10))) {
        r->fmt = SMF_FMT_RDW;
        return 0;
    }
    if (sdw || rdw) {
        r->fmt = sdw ? SMF_FMT_VBS : SMF_FMT_RDW;
        return 0;
    }
    if (len >= 2 && smf_get8(p, len, 1) == 119)
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
    uint16_t len = smf_get16(hdr, 4, 0);
    uint16_t seg = smf_get16(hdr, 4, 2);
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
    uint32_t n;
    if (smf_get8(bdw, 4, 0) & 0x80) {
        n = smf_get32(bdw, 4, 0) & 0x7FFFFFFF; /* extended BDW (large tape blocks) */
    } else {
        n = smf_get16(bdw, 4, 0);
        if (smf_get16(bdw, 4, 2) != 0)
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
        if (!smf_fits(r->blk_len, r->blk_pos, 4))
            return fail(r, off, "truncated segment descriptor at the end of a block");
        uint16_t m = smf_get16(r->block, r->blk_len, r->blk_pos);
        uint8_t ctl = smf_get8(r->block, r->blk_len, r->blk_pos + 2);
        if (m < 5)
            return fail(r, off, "segment length %u is too small", m);
        if (!smf_fits(r->blk_len, r->blk_pos, m))
            return fail(r, off, "segment of %u bytes runs past the end of its block", m);
        const uint8_t *data = r->block + r->blk_pos + 4;
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
        memcpy(r->rec + 4 + have, data, (size_t)m - 4);
        have += (size_t)m - 4;
        if ((ctl & 3) == 0 || (ctl & 3) == 2)
            break;
    }
    if (have + 4 < 18)
        return fail(r, span_off, "record of %zu bytes is shorter than an SMF header", have + 4);
    r->rec_len = have + 4;
    smf_put16(r->rec, sizeof(r->rec), 0, (uint16_t)r->rec_len);
    smf_put16(r->rec, sizeof(r->rec), 2, 0);
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
    if (r->read_errno) { /* what looked like the end of the data was a failed read */
        snprintf(r->err, sizeof(r->err), "offset %" PRIu64 ": read error: %s", r->pos,
                 strerror(r->read_errno));
        return -1;
    }
    if (rc == 1)
        r->records++;
    return rc;
}

/* ---- record structure ------------------------------------------------------------------------ */

#define MAX_TRIPLETS 64

struct smf_rec {
    const uint8_t *p;
    size_t len;
    uint16_t trn;
    struct smf_triplet t[MAX_TRIPLETS];
};

static bool
sec_present(const struct smf_rec *r, unsigned idx)
{
    return idx < r->trn && idx < MAX_TRIPLETS && r->t[idx].off && r->t[idx].len && r->t[idx].num;
}

/*
 * Instance 0 of a section to read in place: bytes past its length read as zeros (an older,
 * shorter section); a longer section (a newer release) is cut to the fields of `want` bytes.
 */
static bool
sec_io(const struct smf_rec *r, unsigned idx, size_t want, struct smf_io *io)
{
    if (!sec_present(r, idx))
        return false;
    *io = smf_io_reader(r->p + r->t[idx].off, r->t[idx].len < want ? r->t[idx].len : want);
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
    if (!smf_fits(r->len, SMF_HDR_TRN, 4))
        return bad(err, errlen, "record of %zu bytes ends inside the self-defining section",
                   r->len);
    size_t area = SMF_TRIPLET_AT(r->trn);
    if (area > r->len)
        return bad(err, errlen, "%u triplets (%zu bytes) do not fit the record length %zu", r->trn,
                   area, r->len);
    struct smf_io io = smf_io_reader(r->p, r->len);
    for (unsigned i = 0; i < r->trn; i++) {
        struct smf_triplet t;
        smf_layout_triplet(&io, i, &t);
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

/* Walk the DN entries (Len includes the 4-byte header) into the TLS certificates. */
static enum smf_kind
read_dns(const struct smf_rec *r, unsigned idx, struct zert_tls *tls, char *err, size_t errlen)
{
    if (!sec_present(r, idx))
        return SMF_KIND_DETAIL;
    size_t pos = r->t[idx].off;
    for (unsigned i = 0; i < r->t[idx].num; i++) {
        uint16_t dl = 0, type = 0;
        struct smf_io io = smf_io_reader(r->p + pos, r->len - pos);
        bool whole = smf_fits(r->len, pos, SMF_DN_HDR);
        smf_layout_dn_entry(&io, &dl, &type);
        if (!whole || dl < SMF_DN_HDR)
            return bad(err, errlen, "DN entry %u: bad length %u", i,
                       smf_fits(r->len, pos, 2) ? dl : 0);
        if (!smf_fits(r->len, pos, dl))
            return bad(err, errlen, "DN entry %u (%u bytes) runs past the end of the record", i,
                       dl);
        const uint8_t *text = r->p + pos + SMF_DN_HDR;
        size_t n = (size_t)dl - SMF_DN_HDR;
        pos += dl;
        const struct smf_dn_kind *k = smf_dn_kind_find(type);
        if (!k)
            continue; /* IPsec and SSH certificate DNs: the record has no field for them */
        ebcdic_to_utf8(smf_dn_text(tls, k), ZERT_DN_LEN, text,
                       n < SMF_DN_TEXT_MAX ? n : SMF_DN_TEXT_MAX, true);
        smf_dn_cert(tls, k)->present = true;
    }
    return SMF_KIND_DETAIL;
}

/* The header time (local, in `tz`) and the sensor names of the ID section. */
static void
read_header(const struct smf_rec *r, const struct smf_header *h, const struct smf_tz *tz,
            uint64_t *time_us, struct zert_sensor *sn)
{
    struct smf_io io;
    int year, yday;
    *time_us = 0;
    if (emit_smf_unpack_date(h->date, &year, &yday) && h->time < 8640000)
        *time_us = emit_smf_tz_utc(tz, year, yday, h->time);
    if (sec_io(r, 0, SMF_ID_LEN, &io))
        smf_layout_id(&io, sn, NULL);
}

static enum smf_kind
decode_detail(const struct smf_rec *r, const struct smf_header *h, const struct smf_tz *tz,
              struct zert_detail *d, char *err, size_t errlen)
{
    struct smf_io io;
    memset(d, 0, sizeof(*d));
    read_header(r, h, tz, &d->time_us, &d->sensor);
    for (const struct smf_detail_section *s = smf_detail_sections; s->layout; s++) {
        if (sec_io(r, s->triplet, s->len, &io))
            s->layout(&io, d);
        else if (s->required)
            return bad(err, errlen, "subtype 11 record without its common section (triplet %u)",
                       s->triplet);
    }
    smf_layout_detail_done(d);
    return read_dns(r, SMF_ST11_DN, &d->tls, err, errlen);
}

static enum smf_kind
decode_summary(const struct smf_rec *r, const struct smf_header *h, const struct smf_tz *tz,
               struct zert_summary *m, char *err, size_t errlen)
{
    struct smf_io io;
    memset(m, 0, sizeof(*m));
    read_header(r, h, tz, &m->time_us, &m->sensor);
    for (const struct smf_summary_section *s = smf_summary_sections; s->layout; s++) {
        if (sec_io(r, s->triplet, s->len, &io))
            s->layout(&io, m);
        else if (s->required)
            return bad(err, errlen, "subtype 12 record without its common section (triplet %u)",
                       s->triplet);
    }
    return read_dns(r, SMF_ST12_DN, &m->tls, err, errlen);
}

enum smf_kind
smf_reader_decode(const uint8_t *rec, size_t len, const struct smf_tz *tz, struct smf_decoded *out,
                  char *err, size_t errlen)
{
    struct smf_rec r;
    struct smf_header h = {0};
    struct smf_io io = smf_io_reader(rec, len);
    memset(&r, 0, sizeof(r));
    r.p = rec;
    r.len = len;
    out->kind = SMF_KIND_BAD;
    out->subtype = 0;
    out->triplets = 0;
    out->unknown_triplets = 0;
    smf_layout_header(&io, &h);
    out->type = h.type;
    out->header_us = 0;
    int year, yday;
    if (len >= 14 && emit_smf_unpack_date(h.date, &year, &yday) && h.time < 8640000)
        out->header_us = emit_smf_tz_utc(tz, year, yday, h.time);
    if (len < 6 || h.len != len)
        return bad(err, errlen, "record descriptor says %u bytes, the record has %zu",
                   len >= 2 ? h.len : 0, len);
    if (out->type != SMF_TYPE_ZERT)
        return out->kind = SMF_KIND_OTHER_TYPE;
    if (len < SMF_HDR_LEN)
        return bad(err, errlen, "type 119 record of %zu bytes is shorter than its 24-byte header",
                   len);
    out->subtype = h.subtype;
    if (out->subtype != SMF_ST_DETAIL && out->subtype != SMF_ST_SUMMARY)
        return out->kind = SMF_KIND_OTHER_SUBTYPE;
    bool detail = out->subtype == SMF_ST_DETAIL;
    unsigned known = detail ? SMF_ST11_TRN : SMF_ST12_TRN;
    /* known triplets: subtype 11 ID,S1..S6 (S7 of z/OS 2.5 is not documented); 12: ID,S1..S5 */
    r.trn = h.trn;
    if (read_triplets(&r, known, detail ? SMF_ST11_DN : SMF_ST12_DN, err, errlen) == SMF_KIND_BAD)
        return SMF_KIND_BAD;
    out->triplets = r.trn;
    out->unknown_triplets = r.trn > known ? (uint16_t)(r.trn - known) : 0;
    enum smf_kind k = detail ? decode_detail(&r, &h, tz, &out->u.detail, err, errlen)
                             : decode_summary(&r, &h, tz, &out->u.summary, err, errlen);
    if (k == SMF_KIND_BAD)
        return out->kind = SMF_KIND_BAD;
    return out->kind = detail ? SMF_KIND_DETAIL : SMF_KIND_SUMMARY;
}
