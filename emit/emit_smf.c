/* emit_smf.c - writes zERT records as byte-exact SMF 119 subtype 11/12 records (smf119-zert.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebcdic.h"
#include "emit_smf.h"
#include "smf_bytes.h"
#include "smf_layout.h"

/*
 * The fields of every section are in smf_layout.c, which the reader runs too;
 * this file places the sections in a record (triplets, lengths, the 32 760
 * byte limit) and writes dump files.
 */

/* ---- record frame ---------------------------------------------------------------------------- */

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
    f->len = SMF_TRIPLET_AT(trn);
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
    struct smf_triplet t = {(uint32_t)f->len, tlen, num};
    struct smf_io io = smf_io_writer(f->buf, f->len, NULL);
    memset(s, 0, len);
    smf_layout_triplet(&io, idx, &t);
    f->len += len;
    return s;
}

/* A fixed section written by its layout. */
static bool
frame_fixed(struct smf_frame *f, unsigned idx, uint16_t len, struct smf_io *io, bool *lossy)
{
    uint8_t *s = frame_section(f, idx, len, 1, len);
    if (!s)
        return false;
    *io = smf_io_writer(s, len, lossy);
    return true;
}

static void
frame_header(struct smf_frame *f, const struct emit_smf_conf *c, const struct zert_sensor *sn,
             uint64_t time_us, uint16_t subtype)
{
    int year = 0, yday = 0;
    uint32_t hs = 0;
    char sid[8];
    if (time_us)
        emit_smf_tz_local(&c->tz, time_us, &year, &yday, &hs);
    snprintf(sid, sizeof(sid), "%.4s", *c->sid ? c->sid : sn->system);
    struct smf_header h = {
        .len = (uint16_t)f->len,
        .type = SMF_TYPE_ZERT,
        .time = time_us ? hs : 0,
        .date = emit_smf_pack_date(year, yday),
        .sid = sid,
        .ssi = c->ssi,
        .subtype = subtype,
        .trn = (uint16_t)f->trn,
    };
    struct smf_io io = smf_io_writer(f->buf, f->len, NULL);
    smf_layout_header(&io, &h);
}

static void
frame_id(struct smf_frame *f, const struct emit_smf_conf *c, const struct zert_sensor *sn,
         uint8_t reason, bool *lossy)
{
    struct smf_io io;
    struct smf_id_extra x = {c->release, c->asname, c->userid, c->asid, reason};
    if (frame_fixed(f, 0, SMF_ID_LEN, &io, lossy))
        smf_layout_id(&io, (struct zert_sensor *)sn, &x);
}

/* DN entries of the TLS certificates, in smf_dn_kinds order; DNs that would pass the record
 * length limit are dropped (§8.6). */
static void
frame_dns(struct smf_frame *f, unsigned idx, const struct zert_tls *t, bool *lossy)
{
    uint8_t tmp[4 * (SMF_DN_TEXT_MAX + SMF_DN_HDR)];
    size_t total = 0, count = 0;
    if (!t->present)
        return;
    for (size_t i = 0; i < sizeof(smf_dn_kinds) / sizeof(smf_dn_kinds[0]); i++) {
        const struct smf_dn_kind *k = &smf_dn_kinds[i];
        struct zert_tls *tt = (struct zert_tls *)t;
        const char *text = smf_dn_text(tt, k);
        if (!smf_dn_cert(tt, k)->present || !*text)
            continue;
        size_t w = 0;
        if (!ebcdic_from_utf8(tmp + total + SMF_DN_HDR, SMF_DN_TEXT_MAX, text, &w) && lossy)
            *lossy = true;
        uint16_t len = (uint16_t)(w + SMF_DN_HDR), type = k->type;
        struct smf_io io = smf_io_writer(tmp + total, SMF_DN_HDR, NULL);
        smf_layout_dn_entry(&io, &len, &type);
        if (f->len + total + len > f->cap) {
            if (lossy)
                *lossy = true;
            break;
        }
        total += len;
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
    smf_put16(f->buf, f->len, 0, (uint16_t)f->len);
    return f->len;
}

/* ---- records --------------------------------------------------------------------------------- */

size_t
emit_smf_build_detail(const struct emit_smf_conf *c, const struct zert_detail *d, uint8_t *buf,
                      size_t cap, bool *lossy)
{
    struct smf_frame f;
    struct smf_io io;
    struct zert_detail *rec = (struct zert_detail *)d; /* SMF_WRITE only reads it */
    frame_start(&f, buf, cap, c->zos25 ? SMF_ST11_TRN_ZOS25 : SMF_ST11_TRN);
    if (f.full)
        return 0;
    frame_id(&f, c, &d->sensor, SMF_REASON_EVENT, lossy);
    for (const struct smf_detail_section *s = smf_detail_sections; s->layout; s++) {
        if (s->present(d) && frame_fixed(&f, s->triplet, s->len, &io, lossy))
            s->layout(&io, rec);
    }
    frame_dns(&f, SMF_ST11_DN, &d->tls, lossy);
    frame_header(&f, c, &d->sensor, d->time_us, SMF_ST_DETAIL);
    return frame_finish(&f);
}

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

size_t
emit_smf_build_summary(const struct emit_smf_conf *c, const struct zert_summary *m, uint8_t *buf,
                       size_t cap, bool *lossy)
{
    struct smf_frame f;
    struct smf_io io;
    struct zert_summary *rec = (struct zert_summary *)m; /* SMF_WRITE only reads it */
    bool interval = m->event == ZERT_SEV_INTERVAL;
    frame_start(&f, buf, cap, SMF_ST12_TRN);
    if (f.full)
        return 0;
    frame_id(&f, c, &m->sensor, interval ? SMF_REASON_INTERVAL : SMF_REASON_EVENT, lossy);
    for (const struct smf_summary_section *s = smf_summary_sections; s->layout; s++) {
        if (s->present(m) && frame_fixed(&f, s->triplet, s->len, &io, lossy))
            s->layout(&io, rec);
    }
    /* event records (aggregation enabled/disabled) carry only ID and common sections */
    if (interval)
        frame_dns(&f, SMF_ST12_DN, &m->tls, lossy);
    frame_header(&f, c, &m->sensor, m->time_us, SMF_ST_SUMMARY);
    return frame_finish(&f);
}

void
emit_smf_conf_init(struct emit_smf_conf *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->release, sizeof(c->release), "ZS010000");
    c->tz.fixed = true;
}

/* ---- dump-file writers ----------------------------------------------------------------------- */

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
    smf_put16(w->block, w->blksize, 0, (uint16_t)w->used);
    smf_put16(w->block, w->blksize, 2, 0);
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
        smf_put16(w->block, w->blksize, w->used, (uint16_t)(n + 4));
        smf_put8(w->block, w->blksize, w->used + 2, ctl);
        smf_put8(w->block, w->blksize, w->used + 3, 0);
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
