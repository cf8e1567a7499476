/* capture_pcapng.c - pcapng blocks (draft-ietf-opsawg-pcapng): sections, interfaces, packets. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/dlt.h>

#include "../dissectors/cursor.h"
#include "capture_pcapng.h"
#include "capture_stream.h"
#include "stats.h"

#define BT_IDB 0x00000001u /* interface description */
#define BT_PB  0x00000002u /* packet (obsolete) */
#define BT_SPB 0x00000003u /* simple packet */
#define BT_EPB 0x00000006u /* enhanced packet */
#define BOM    0x1A2B3C4Du

#define OPT_ENDOFOPT    0
#define OPT_IF_TSRESOL  9
#define OPT_IF_TSOFFSET 14

/* One interface: its link type and how its time stamps become microseconds. */
struct pcapng_if {
    int dlt;
    uint32_t snaplen;
    bool binary;      /* units are 2^-exp seconds (else 10^-exp) */
    uint8_t exp;      /* if_tsresol */
    int64_t offset_s; /* if_tsoffset */
};

struct pcapng {
    bool be; /* the current section is big-endian */
    bool in_section;
    struct pcapng_if *ifs;
    uint32_t n_if, cap_if;
    int first_dlt;
    uint64_t last_ts;  /* for simple packet blocks, which carry no time */
    const char *where; /* after a byte offset in messages: "" or " of the decompressed data" */
};

struct pcapng *
pcapng_new(void)
{
    struct pcapng *ng = calloc(1, sizeof(*ng));
    if (ng) {
        ng->first_dlt = -1;
        ng->where = "";
    }
    return ng;
}

void
pcapng_free(struct pcapng *ng)
{
    if (ng) {
        free(ng->ifs);
        free(ng);
    }
}

void
pcapng_set_offset_note(struct pcapng *ng, const char *where)
{
    ng->where = where;
}

int
pcapng_first_dlt(const struct pcapng *ng)
{
    return ng->first_dlt;
}

bool
capture_is_pcap_magic(uint32_t w)
{
    switch (w) {
    case 0xA1B2C3D4u: /* microseconds */
    case 0xD4C3B2A1u:
    case 0xA1B23C4Du: /* nanoseconds */
    case 0x4D3CB2A1u:
    case 0xA1B2CD34u: /* Kuznetsov's patched libpcap */
    case 0x34CDB2A1u:
        return true;
    default:
        return false;
    }
}

int
capture_linktype_to_dlt(uint32_t linktype)
{
    /* LINKTYPE_ values that are not the DLT_ value of the same number (libpcap's table) */
    switch (linktype) {
    case 100:
        return DLT_ATM_RFC1483;
    case 101:
        return DLT_RAW;
    case 102:
        return DLT_SLIP_BSDOS;
    case 103:
        return DLT_PPP_BSDOS;
    case 106:
        return DLT_ATM_CLIP;
    default:
        return (int)(linktype & 0x7fffffff);
    }
}

uint64_t
capture_ts_clamp(__int128 us)
{
    if (us < 0) {
        STAT_INC(capture_ts_saturated);
        return 0;
    }
    if (us > (__int128)CAPTURE_TS_MAX_US) {
        STAT_INC(capture_ts_saturated);
        return CAPTURE_TS_MAX_US;
    }
    return (uint64_t)us;
}

static uint16_t
rd16(struct cursor *c, bool be)
{
    return be ? cur_get_be16(c) : cur_get_le16(c);
}

static uint32_t
rd32(struct cursor *c, bool be)
{
    return be ? cur_get_be32(c) : cur_get_le32(c);
}

static uint64_t
rd64(struct cursor *c, bool be)
{
    uint64_t a = rd32(c, be), b = rd32(c, be);
    return be ? a << 32 | b : b << 32 | a;
}

/* Time stamp units of an interface to microseconds since 1970, with if_tsoffset. */
static uint64_t
if_time(const struct pcapng_if *in, uint64_t t)
{
    __int128 us;
    if (!in->binary && in->exp == 6 && in->offset_s == 0 && t <= CAPTURE_TS_MAX_US)
        return t; /* the default resolution: nothing to convert */
    if (in->binary) {
        us = (__int128)(((unsigned __int128)t * 1000000u) >> in->exp);
    } else if (in->exp <= 6) {
        unsigned __int128 m = 1;
        for (unsigned i = in->exp; i < 6; i++)
            m *= 10;
        us = (__int128)((unsigned __int128)t * m);
    } else if (in->exp - 6 > 19) {
        us = 0; /* units smaller than 10^-26 s: any 64-bit count is under a microsecond */
    } else {
        uint64_t d = 1;
        for (unsigned i = 6; i < in->exp; i++)
            d *= 10;
        us = (__int128)(t / d);
    }
    us += (__int128)in->offset_s * 1000000;
    return capture_ts_clamp(us);
}

static int damaged(const struct pcapng *ng, char *err, size_t errlen, uint64_t at, const char *fmt,
                   ...) __attribute__((format(printf, 5, 6)));

/* Fill err with what is wrong with the block at byte `at`; returns CAPTURE_DAMAGED. */
static int
damaged(const struct pcapng *ng, char *err, size_t errlen, uint64_t at, const char *fmt, ...)
{
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "pcapng: block at byte %" PRIu64 "%s: %s", at, ng->where, what);
    return CAPTURE_DAMAGED;
}

/* The options of an IDB: if_tsresol and if_tsoffset; false when one overruns the block. */
static bool
read_if_options(struct cursor *c, bool be, struct pcapng_if *in)
{
    while (cur_left(c) >= 4) {
        uint16_t code = rd16(c, be), len = rd16(c, be);
        struct cursor v = cur_take(c, len);
        cur_skip(c, (4 - len % 4) % 4);
        if (!cur_ok(c))
            return false;
        if (code == OPT_ENDOFOPT)
            break;
        if (code == OPT_IF_TSRESOL && len >= 1) {
            uint8_t r = cur_get_u8(&v);
            in->binary = (r & 0x80) != 0;
            in->exp = r & 0x7f;
        } else if (code == OPT_IF_TSOFFSET && len >= 8) {
            in->offset_s = (int64_t)rd64(&v, be);
        }
    }
    return true;
}

static int
add_interface(struct pcapng *ng, struct cursor body, uint64_t at, char *err, size_t errlen)
{
    struct pcapng_if in = {.exp = 6};
    uint16_t linktype = rd16(&body, ng->be);
    cur_skip(&body, 2);
    in.snaplen = rd32(&body, ng->be);
    if (!cur_ok(&body) || !read_if_options(&body, ng->be, &in))
        return damaged(ng, err, errlen, at, "interface description options overrun the block");
    in.dlt = capture_linktype_to_dlt(linktype);
    if (ng->n_if >= PCAPNG_MAX_INTERFACES)
        return damaged(ng, err, errlen, at, "more than %u interfaces in one section",
                       PCAPNG_MAX_INTERFACES);
    if (ng->n_if == ng->cap_if) {
        uint32_t ncap = ng->cap_if ? ng->cap_if * 2 : 8;
        struct pcapng_if *n = realloc(ng->ifs, ncap * sizeof(*n));
        if (!n)
            return damaged(ng, err, errlen, at, "out of memory for interface %u", ng->n_if);
        ng->ifs = n;
        ng->cap_if = ncap;
    }
    ng->ifs[ng->n_if++] = in;
    if (ng->first_dlt < 0)
        ng->first_dlt = in.dlt;
    return CAPTURE_FRAME;
}

/* A section header: its byte order, version and a fresh interface table. */
static int
read_shb(struct pcapng *ng, struct cap_stream *s, uint64_t at, char *err, size_t errlen)
{
    const uint8_t *p;
    size_t got = cap_stream_fill(s, 12, &p);
    if (got < 12)
        return damaged(ng, err, errlen, at, "section header truncated (%zu of 12 bytes)", got);
    struct cursor c = cur_init(p, got);
    cur_skip(&c, 4);
    struct cursor lenc = c;
    cur_skip(&c, 4);
    uint32_t bom = cur_get_be32(&c);
    bool be;
    if (bom == BOM)
        be = true;
    else if (bom == __builtin_bswap32(BOM))
        be = false;
    else
        return damaged(ng, err, errlen, at, "section header with a bad byte-order magic 0x%08x",
                       bom);
    uint32_t len = rd32(&lenc, be);
    if (len < 28 || len % 4 || len > CAP_STREAM_MAX_HOLD)
        return damaged(ng, err, errlen, at, "section header length %u is not valid", len);
    got = cap_stream_fill(s, len, &p);
    if (got < len)
        return damaged(ng, err, errlen, at, "section header truncated (%zu of %u bytes)", got, len);
    c = cur_init(p, len);
    cur_skip(&c, 12);
    uint16_t major = rd16(&c, be);
    cur_skip(&c, len - 12 - 2 - 4);
    uint32_t trail = rd32(&c, be);
    if (trail != len)
        return damaged(ng, err, errlen, at, "trailing length %u differs from %u", trail, len);
    if (major != 1)
        return damaged(ng, err, errlen, at, "unsupported pcapng version %u", (unsigned)major);
    cap_stream_consume(s, len);
    ng->be = be;
    ng->in_section = true;
    ng->n_if = 0;
    return CAPTURE_FRAME;
}

int
pcapng_next(struct pcapng *ng, struct cap_stream *s, struct capture_frame *f, bool headers_only,
            char *err, size_t errlen)
{
    for (;;) {
        uint64_t at = cap_stream_offset(s);
        const uint8_t *p;
        size_t got = cap_stream_fill(s, 8, &p);
        if (got < 8) {
            if (got == 0 && !cap_stream_error(s))
                return CAPTURE_END;
            return damaged(ng, err, errlen, at, "truncated block header (%zu of 8 bytes)", got);
        }
        struct cursor c = cur_init(p, 8);
        uint32_t raw = cur_get_be32(&c);
        if (raw == PCAPNG_SHB_TYPE) {
            int rc = read_shb(ng, s, at, err, errlen);
            if (rc != CAPTURE_FRAME)
                return rc;
            continue;
        }
        if (capture_is_pcap_magic(raw))
            return PCAPNG_CLASSIC_PCAP;
        if (!ng->in_section)
            return damaged(ng, err, errlen, at, "no section header before block type 0x%08x", raw);
        c = cur_init(p, 8);
        uint32_t type = rd32(&c, ng->be), len = rd32(&c, ng->be);
        if (len < 12 || len % 4)
            return damaged(ng, err, errlen, at, "block length %u is not valid (type 0x%08x)", len,
                           type);
        bool packet = type == BT_EPB || type == BT_SPB || type == BT_PB;
        if (packet && headers_only)
            return CAPTURE_END;
        if (!packet && type != BT_IDB) {
            /* name resolution, statistics, decryption secrets, custom, unknown: not held */
            uint64_t want = len - 4;
            if (cap_stream_skip(s, want) < want)
                return damaged(ng, err, errlen, at, "truncated block (type 0x%08x, %u bytes)", type,
                               len);
            got = cap_stream_fill(s, 4, &p);
            c = cur_init(p, got);
            uint32_t trail = rd32(&c, ng->be);
            if (!cur_ok(&c))
                return damaged(ng, err, errlen, at, "truncated block (type 0x%08x, %u bytes)", type,
                               len);
            if (trail != len)
                return damaged(ng, err, errlen, at, "trailing length %u differs from %u", trail,
                               len);
            cap_stream_consume(s, 4);
            continue;
        }
        if (len > CAP_STREAM_MAX_HOLD)
            return damaged(ng, err, errlen, at, "block length %u is over the limit of %u bytes",
                           len, CAP_STREAM_MAX_HOLD);
        got = cap_stream_fill(s, len, &p);
        if (got < len)
            return damaged(ng, err, errlen, at, "truncated block (%zu of %u bytes)", got, len);
        c = cur_init(p, len);
        cur_skip(&c, 8);
        struct cursor body = cur_take(&c, len - 12);
        uint32_t trail = rd32(&c, ng->be);
        if (trail != len)
            return damaged(ng, err, errlen, at, "trailing length %u differs from %u", trail, len);
        if (type == BT_IDB) {
            int rc = add_interface(ng, body, at, err, errlen);
            if (rc != CAPTURE_FRAME)
                return rc;
            cap_stream_consume(s, len);
            continue;
        }
        uint32_t ifid = 0, caplen, origlen;
        uint64_t t = 0;
        if (type == BT_EPB || type == BT_PB) {
            ifid = type == BT_EPB ? rd32(&body, ng->be) : rd16(&body, ng->be);
            if (type == BT_PB)
                cur_skip(&body, 2); /* drops count */
            uint64_t hi = rd32(&body, ng->be), lo = rd32(&body, ng->be);
            t = hi << 32 | lo;
            caplen = rd32(&body, ng->be);
            origlen = rd32(&body, ng->be);
            if (!cur_ok(&body))
                return damaged(ng, err, errlen, at, "packet block too short (%u bytes)", len);
        } else {
            origlen = rd32(&body, ng->be);
            if (!cur_ok(&body))
                return damaged(ng, err, errlen, at, "packet block too short (%u bytes)", len);
            caplen = origlen;
            if (ng->n_if > 0 && ng->ifs[0].snaplen && caplen > ng->ifs[0].snaplen)
                caplen = ng->ifs[0].snaplen;
            if (caplen > cur_left(&body))
                caplen = (uint32_t)cur_left(&body);
        }
        if (ifid >= ng->n_if)
            return damaged(ng, err, errlen, at, "packet of interface %u, but the section has %u",
                           ifid, ng->n_if);
        if (caplen > CAPTURE_MAX_CAPLEN)
            return damaged(ng, err, errlen, at, "captured length %u is over the maximum of %u",
                           caplen, CAPTURE_MAX_CAPLEN);
        const uint8_t *data = cur_get_bytes(&body, caplen);
        if (!cur_ok(&body))
            return damaged(ng, err, errlen, at, "captured length %u overruns the block of %u bytes",
                           caplen, len);
        const struct pcapng_if *in = &ng->ifs[ifid];
        f->ts_us = type == BT_SPB ? ng->last_ts : if_time(in, t);
        ng->last_ts = f->ts_us;
        f->caplen = caplen;
        f->wire_len = origlen;
        f->dlt = in->dlt;
        f->data = data;
        cap_stream_consume(s, len);
        return CAPTURE_FRAME;
    }
}
