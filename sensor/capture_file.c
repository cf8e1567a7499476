/* capture_file.c - pcap and pcapng files (plain, gzip, xz, zstd; stdin), read by our own code. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../dissectors/cursor.h"
#include "capture.h"
#include "capture_pcapng.h"
#include "capture_stream.h"

/*
 * Why not libpcap's savefile reader: it refuses a whole pcapng whose interfaces differ in link
 * type or snapshot length, cannot tell a second file header in a stream (cat a.pcap b.pcap) from
 * a record, returns pcap seconds as a signed 32-bit value (2038 and later come out negative),
 * and names no byte offset when a file is damaged. libpcap stays for BPF (capture_filter.c) and
 * for live capture. Frames are handed out in place from the stream's buffer: no copy.
 */

enum lengths_order { LEN_NORMAL, LEN_SWAPPED, LEN_MAYBE_SWAPPED };

struct capture_file {
    struct capture base; /* first: the generic part */
    struct cap_stream *s;
    struct pcapng *ng;
    bool in_pcapng; /* the current section is pcapng (else classic pcap) */
    /* the current classic pcap section */
    bool be;       /* written big-endian */
    bool nsec;     /* fractions are nanoseconds */
    unsigned hlen; /* record header bytes: 16, or 24 for Kuznetsov's format */
    enum lengths_order lengths;
    int dlt;
    bool ended;                  /* after damage: nothing more is read */
    enum capture_status pending; /* damage found while opening, said by the first next() */
};

static uint32_t
rd32(struct cursor *c, bool be)
{
    return be ? cur_get_be32(c) : cur_get_le32(c);
}

static uint16_t
rd16(struct cursor *c, bool be)
{
    return be ? cur_get_be16(c) : cur_get_le16(c);
}

static enum capture_status fail(struct capture_file *cf, uint64_t at, const char *what,
                                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Say what is wrong with the `what` at byte `at` (or why the data stopped): CAPTURE_DAMAGED. */
static enum capture_status
fail(struct capture_file *cf, uint64_t at, const char *what, const char *fmt, ...)
{
    char detail[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    const char *serr = cap_stream_error(cf->s);
    const char *comp = cap_stream_compression(cf->s);
    if (serr)
        snprintf(cf->base.err, sizeof(cf->base.err), "%s, at byte %" PRIu64 " of the %s data", serr,
                 cap_stream_offset(cf->s), comp ? "decompressed" : "file's");
    else
        snprintf(cf->base.err, sizeof(cf->base.err), "pcap: %s at byte %" PRIu64 "%s: %s", what, at,
                 comp ? " of the decompressed data" : "", detail);
    return CAPTURE_DAMAGED;
}

/* A classic pcap file header: a new section with its own byte order, resolution and link type. */
static enum capture_status
read_pcap_header(struct capture_file *cf)
{
    uint64_t at = cap_stream_offset(cf->s);
    const uint8_t *p;
    size_t got = cap_stream_fill(cf->s, 24, &p);
    if (got < 24)
        return fail(cf, at, "file header", "truncated (%zu of 24 bytes)", got);
    struct cursor c = cur_init(p, 24);
    uint32_t magic = cur_get_be32(&c);
    bool be = magic == 0xA1B2C3D4u || magic == 0xA1B23C4Du || magic == 0xA1B2CD34u;
    if (!be)
        magic = __builtin_bswap32(magic);
    uint16_t major = rd16(&c, be), minor = rd16(&c, be);
    cur_skip(&c, 8); /* thiszone, sigfigs: unused by every writer in practice */
    cur_skip(&c, 4); /* snaplen: a record holds what it says it holds */
    uint32_t linktype = rd32(&c, be);
    if (!((major == 2 && minor <= 4) || (major == 543 && minor == 0)))
        return fail(cf, at, "file header", "unsupported version %u.%u", major, minor);
    cf->be = be;
    cf->nsec = magic == 0xA1B23C4Du;
    cf->hlen = magic == 0xA1B2CD34u ? 24 : 16;
    /* caplen and len were interchanged at 2.3 (some 2.3 writers kept the old order) */
    cf->lengths = major == 543 || minor < 3 ? LEN_SWAPPED
                  : minor == 3              ? LEN_MAYBE_SWAPPED
                                            : LEN_NORMAL;
    cf->dlt = capture_linktype_to_dlt(linktype & 0x03FFFFFFu); /* upper bits: FCS length */
    cf->in_pcapng = false;
    cap_stream_consume(cf->s, 24);
    return CAPTURE_FRAME;
}

/* Does a record header at `p` (8 bytes at least) start a new classic pcap file instead? */
static bool
is_pcap_file_header(const uint8_t *p, size_t n)
{
    struct cursor c = cur_init(p, n);
    uint32_t magic = cur_get_be32(&c);
    if (!capture_is_pcap_magic(magic))
        return false;
    bool be = magic == 0xA1B2C3D4u || magic == 0xA1B23C4Du || magic == 0xA1B2CD34u;
    uint16_t major = rd16(&c, be), minor = rd16(&c, be);
    /* a record at exactly that second (2055 or 2083) and fraction is not impossible, only absurd */
    return cur_ok(&c) && major == 2 && minor <= 4;
}

static enum capture_status
pcap_next_record(struct capture_file *cf, struct capture_frame *f)
{
    for (;;) {
        uint64_t at = cap_stream_offset(cf->s);
        const uint8_t *p;
        size_t got = cap_stream_fill(cf->s, cf->hlen, &p);
        if (got == 0 && !cap_stream_error(cf->s))
            return CAPTURE_END;
        if (got >= 8 && is_pcap_file_header(p, got)) {
            enum capture_status st = read_pcap_header(cf);
            if (st != CAPTURE_FRAME)
                return st;
            continue;
        }
        if (got >= 4) {
            struct cursor m = cur_init(p, got);
            if (cur_get_be32(&m) == PCAPNG_SHB_TYPE) {
                cf->in_pcapng = true;
                return CAPTURE_AGAIN; /* the pcapng reader takes it from here */
            }
        }
        if (got < cf->hlen)
            return fail(cf, at, "record", "truncated header (%zu of %u bytes)", got, cf->hlen);
        struct cursor c = cur_init(p, got);
        uint32_t sec = rd32(&c, cf->be), frac = rd32(&c, cf->be);
        uint32_t caplen = rd32(&c, cf->be), len = rd32(&c, cf->be);
        if (cf->lengths == LEN_SWAPPED || (cf->lengths == LEN_MAYBE_SWAPPED && caplen > len)) {
            uint32_t t = caplen;
            caplen = len;
            len = t;
        }
        if (caplen > CAPTURE_MAX_CAPLEN)
            return fail(cf, at, "record", "captured length %" PRIu32 " is over the maximum of %u",
                        caplen, CAPTURE_MAX_CAPLEN);
        got = cap_stream_fill(cf->s, cf->hlen + caplen, &p);
        if (got < cf->hlen + caplen)
            return fail(cf, at, "record", "truncated (%zu of %u bytes)", got, cf->hlen + caplen);
        c = cur_init(p, got);
        cur_skip(&c, cf->hlen);
        /* seconds are unsigned 32-bit: 1970 to 2106 */
        f->ts_us = (uint64_t)sec * 1000000u + (cf->nsec ? frac / 1000u : frac);
        f->caplen = caplen;
        f->wire_len = len;
        f->dlt = cf->dlt;
        f->data = cur_get_bytes(&c, caplen);
        /* the next record's header and first headers: read while this frame is dissected (its
         * first touch was a cache miss per record, 6 % of the capture thread) */
        __builtin_prefetch(p + cf->hlen + caplen);
        __builtin_prefetch(p + cf->hlen + caplen + 64);
        cap_stream_consume(cf->s, cf->hlen + caplen);
        return CAPTURE_FRAME;
    }
}

static enum capture_status
file_read(struct capture_file *cf, struct capture_frame *f)
{
    struct capture *c = &cf->base;
    for (;;) {
        if (!cf->in_pcapng) {
            enum capture_status st = pcap_next_record(cf, f);
            if (st == CAPTURE_AGAIN)
                continue;
            return st;
        }
        uint64_t at = cap_stream_offset(cf->s);
        int rc = pcapng_next(cf->ng, cf->s, f, false, c->err, sizeof(c->err));
        if (rc == PCAPNG_CLASSIC_PCAP) {
            enum capture_status st = read_pcap_header(cf);
            if (st != CAPTURE_FRAME)
                return st;
            continue;
        }
        if (rc == CAPTURE_DAMAGED && cap_stream_error(cf->s))
            return fail(cf, at, "block", "%s", c->err); /* the stream's error says more */
        return rc;
    }
}

static enum capture_status
file_next(struct capture *c, struct capture_frame *f)
{
    struct capture_file *cf = (struct capture_file *)c;
    if (cf->ended)
        return CAPTURE_END;
    enum capture_status st = cf->pending ? cf->pending : file_read(cf, f);
    if (st == CAPTURE_FRAME) {
        c->frames_read++;
    } else {
        cf->ended = true;
        if (st == CAPTURE_DAMAGED) {
            char detail[CAPTURE_ERRBUF];
            snprintf(detail, sizeof(detail), "%s", c->err);
            snprintf(c->err, sizeof(c->err),
                     "%s: input damaged after %" PRIu64 " packets, the rest is not read: %s",
                     c->name, c->frames_read, detail);
        }
    }
    return st;
}

static void
file_close(struct capture *c)
{
    struct capture_file *cf = (struct capture_file *)c;
    cap_stream_close(cf->s);
    pcapng_free(cf->ng);
    free(cf);
}

static void
file_progress(struct capture *c, uint64_t *done, uint64_t *total)
{
    cap_stream_input_progress(((struct capture_file *)c)->s, done, total);
}

static const struct capture_ops file_ops = {
    .next = file_next,
    .close = file_close,
    .progress = file_progress,
};

/* What the first four bytes are: 1 classic pcap, 2 pcapng, 0 neither. */
static int
format_of(const uint8_t *p, size_t n)
{
    struct cursor c = cur_init(p, n);
    uint32_t w = cur_get_be32(&c);
    if (!cur_ok(&c))
        return 0;
    if (capture_is_pcap_magic(w))
        return 1;
    return w == PCAPNG_SHB_TYPE ? 2 : 0;
}

struct capture *
capture_file_open(const char *path, char *err, size_t errlen)
{
    struct capture_file *cf = calloc(1, sizeof(*cf));
    if (!cf || !(cf->ng = pcapng_new())) {
        snprintf(err, errlen, "%s: out of memory", path);
        free(cf);
        return NULL;
    }
    cf->base.ops = &file_ops;
    cf->base.name = path;
    cf->base.dlt = -1;
    cf->s = cap_stream_open(path, err, errlen);
    if (!cf->s) {
        file_close(&cf->base);
        return NULL;
    }
    const uint8_t *p;
    size_t got = cap_stream_fill(cf->s, 4, &p);
    int fmt = format_of(p, got);
    const char *comp = cap_stream_compression(cf->s);
    if (comp)
        pcapng_set_offset_note(cf->ng, " of the decompressed data");
    if (fmt == 0) {
        const char *serr = cap_stream_error(cf->s);
        snprintf(err, errlen, "%s: %s%s%s", path,
                 serr ? serr : "not a pcap or pcapng capture (unknown file format)",
                 comp && !serr ? " after " : "", comp && !serr ? comp : "");
        if (comp && !serr)
            strncat(err, " decompression", errlen - strlen(err) - 1);
        file_close(&cf->base);
        return NULL;
    }
    enum capture_status st;
    if (fmt == 1) {
        st = read_pcap_header(cf);
        cf->base.dlt = cf->dlt;
    } else {
        /* the section and interface headers up to the first packet: the first link type */
        cf->in_pcapng = true;
        struct capture_frame none;
        st = pcapng_next(cf->ng, cf->s, &none, true, cf->base.err, sizeof(cf->base.err));
        if (st == CAPTURE_END)
            st = CAPTURE_FRAME;
        if (st == CAPTURE_DAMAGED && cap_stream_error(cf->s))
            fail(cf, 0, "block", "%s", cf->base.err);
        if (st == CAPTURE_DAMAGED && cap_stream_offset(cf->s) > 0) {
            /* a pcapng (its section header was good) damaged before its first packet: the
             * first next() says so, as for damage anywhere later */
            cf->pending = CAPTURE_DAMAGED;
            st = CAPTURE_FRAME;
        }
        cf->base.dlt = pcapng_first_dlt(cf->ng);
    }
    if (st != CAPTURE_FRAME && st != (enum capture_status)PCAPNG_CLASSIC_PCAP) {
        snprintf(err, errlen, "%s: not a readable capture: %s", path, cf->base.err);
        file_close(&cf->base);
        return NULL;
    }
    if (!cf->pending)
        cf->base.err[0] = '\0';
    return &cf->base;
}

bool
capture_file_probe(const char *path)
{
    char err[CAPTURE_ERRBUF];
    struct cap_stream *s = cap_stream_open(path, err, sizeof(err));
    if (!s)
        return false;
    const uint8_t *p;
    size_t got = cap_stream_fill(s, 4, &p);
    bool yes = format_of(p, got) != 0;
    cap_stream_close(s);
    return yes;
}
