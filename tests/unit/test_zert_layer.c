/*
 * test_zert_layer.c - the zERT layer's security sessions and intervals, driven through the
 * engine with TCP connections built in memory: exact records and session counts per step.
 */
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>

#include "../../conf/conf.h"
#include "../../emit/zert_record.h"
#include "../../sensor/engine.h"
#include "../../sensor/stats.h"
#include "check.h"

#define SEC  1000000ull
#define T0   (1700000040ull * SEC) /* a multiple of 60 s */
#define IV   (60 * SEC)
#define NREC 64

/* ---- what the layer wrote: the sink keeps the fields the tests read ---- */

struct srec {
    uint64_t start_us, end_us;
    uint8_t client; /* last byte of the client address */
    uint16_t server_port;
    uint8_t protocol; /* ZERT_PROT_TLS, or 0: clear text */
    struct zert_counters start, end;
    bool early;
};

struct drec {
    int event;
    uint64_t time_us, end_us;
    uint8_t client;
    uint8_t protection;
    char end_reason[16];
};

struct sink {
    int nsum, nev, ndet;
    struct srec s[NREC];
    int events[4]; /* summary events by type */
    struct drec d[NREC];
};

static int
on_summary(void *ctx, const struct zert_summary *m)
{
    struct sink *k = ctx;
    if (m->event >= 0 && m->event < 4)
        k->events[m->event]++;
    if (m->event != ZERT_SEV_INTERVAL)
        return 0;
    if (k->nsum < NREC) {
        struct srec *r = &k->s[k->nsum];
        r->start_us = m->interval_start_us;
        r->end_us = m->interval_end_us;
        r->client = m->client.ip[3];
        r->server_port = m->server.port;
        r->protocol = m->protocol;
        r->start = m->start;
        r->end = m->end;
        r->early = m->early_flush;
    }
    k->nsum++;
    return 0;
}

static int
on_detail(void *ctx, const struct zert_detail *d)
{
    struct sink *k = ctx;
    if (d->event == ZERT_EV_ENABLED || d->event == ZERT_EV_DISABLED)
        return 0;
    if (k->ndet < NREC) {
        struct drec *r = &k->d[k->ndet];
        r->event = d->event;
        r->time_us = d->time_us;
        r->end_us = d->end_us;
        r->client = d->remote.ip[3];
        r->protection = d->protection;
        memcpy(r->end_reason, d->end_reason, sizeof(r->end_reason));
    }
    k->ndet++;
    return 0;
}

/* ---- the engine, as the sensor configures it (60 s intervals, 1 s closed timeout) ---- */

struct run {
    struct conf conf;
    struct sink sink;
    struct zert_sink zs;
    struct engine *e;
};

static void
run_start(struct run *r, uint64_t max_sessions)
{
    memset(r, 0, sizeof(*r));
    conf_init(&r->conf);
    r->conf.interval_s = 60;
    r->conf.max_sessions = max_sessions;
    r->zs = (struct zert_sink){.ctx = &r->sink, .detail = on_detail, .summary = on_summary};
    struct engine_config cfg = {
        .flows = {.max_flows = 1024,
                  .tcp_idle_us = 3600 * SEC,
                  .udp_idle_us = 60 * SEC,
                  .closed_us = 1 * SEC,
                  .seed = 1},
        .reasm_memcap = 1 << 20,
        .reasm_flow_cap = 1 << 16,
        .frag_slots = 4,
        .frag_timeout_us = 3 * SEC,
        .conf = &r->conf,
        .zert_sink = &r->zs,
    };
    char err[256];
    r->e = engine_new(&cfg, err, sizeof(err));
    CHECK(r->e != NULL);
    if (!r->e)
        abort();
}

static struct stats
run_stats(const struct run *r)
{
    struct stats s;
    memset(&s, 0, sizeof(s));
    engine_collect_stats(r->e, &s);
    return s;
}

static void
run_end(struct run *r)
{
    engine_finish(r->e);
    engine_free(r->e);
    r->e = NULL;
}

/* ---- TCP connections to the local server 10.0.0.1:25 from 10.1.0.CLIENT ---- */

struct tcpc {
    uint8_t client;
    uint16_t cport;
    uint32_t seq[2]; /* next sequence number: [0] client, [1] server */
};

enum { FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10 };

static void
put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

/* One segment carrying `data` from the client (from_client) or the server, at ts: raw IPv4. */
static void
seg_data(struct run *r, struct tcpc *c, uint64_t ts, bool from_client, uint8_t flags,
         const uint8_t *data, size_t len)
{
    uint8_t b[40 + 256];
    memset(b, 0, sizeof(b));
    if (len > 256)
        len = 256;
    const uint8_t srv[4] = {10, 0, 0, 1}, cli[4] = {10, 1, 0, c->client};
    b[0] = 0x45;
    put16(b + 2, (uint16_t)(40 + len));
    b[8] = 64;
    b[9] = 6;
    memcpy(b + 12, from_client ? cli : srv, 4);
    memcpy(b + 16, from_client ? srv : cli, 4);
    uint8_t *t = b + 20;
    put16(t, from_client ? c->cport : 25);
    put16(t + 2, from_client ? 25 : c->cport);
    int me = from_client ? 0 : 1;
    put32(t + 4, c->seq[me]);
    put32(t + 8, (flags & ACK) ? c->seq[me ^ 1] : 0);
    t[12] = 5 << 4;
    t[13] = flags;
    put16(t + 14, 65535);
    if (len)
        memcpy(t + 20, data, len);
    c->seq[me] += (uint32_t)len + ((flags & (SYN | FIN)) ? 1 : 0);
    struct capture_frame fr = {
        .ts_us = ts, .caplen = (uint32_t)(40 + len), .wire_len = (uint32_t)(40 + len), .data = b};
    engine_packet(r->e, DLT_RAW, &fr);
}

/* A segment of `len` bytes of printable text: no dissector takes it for TLS or SSH. */
static void
seg(struct run *r, struct tcpc *c, uint64_t ts, bool from_client, uint8_t flags, size_t len)
{
    uint8_t text[256];
    for (size_t i = 0; i < sizeof(text); i++)
        text[i] = (uint8_t)('a' + i % 26);
    seg_data(r, c, ts, from_client, flags, text, len);
}

/* The handshake and the server's greeting (11 bytes): clear text, decided at the greeting. */
static struct tcpc
open_conn(struct run *r, uint8_t client, uint16_t cport, uint64_t ts)
{
    struct tcpc c = {client, cport, {1000, 5000}};
    seg(r, &c, ts, true, SYN, 0);
    seg(r, &c, ts, false, SYN | ACK, 0);
    seg(r, &c, ts, true, ACK, 0);
    seg(r, &c, ts, false, PSH | ACK, 11);
    return c;
}

/* FIN both ways and the last ACK: the flow ends 1 s later (closed_us). */
static void
close_conn(struct run *r, struct tcpc *c, uint64_t ts)
{
    seg(r, c, ts, true, FIN | ACK, 0);
    seg(r, c, ts, false, FIN | ACK, 0);
    seg(r, c, ts, true, ACK, 0);
}

/*
 * STARTTLS on an open connection at ts: the client asks, the server agrees, then a TLS 1.2
 * handshake (ECDHE-RSA-AES128-GCM-SHA256, no certificate) whose Finished messages are opaque.
 * The connection changes to TLS at the server's Finished. Client bytes: 10 + 50 + 62 = 122;
 * server bytes: 11 + 51 + 51 = 113.
 */
static void
starttls(struct run *r, struct tcpc *c, uint64_t ts)
{
    static const uint8_t hello_random[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    uint8_t ch[50] = {0x16, 3, 1, 0,  45, /* handshake record: ClientHello (1) of 41 bytes */
                      1,    0, 0, 41, 3,  3};
    memcpy(ch + 11, hello_random, 32);
    memcpy(ch + 43, (const uint8_t[]){0, 0, 2, 0xc0, 0x2f, 1, 0}, 7); /* sid, 1 suite, null */
    uint8_t sh[51] = {0x16, 3, 3, 0,  46, /* ServerHello (2) of 38 bytes, ServerHelloDone (14) */
                      2,    0, 0, 38, 3,  3};
    memcpy(sh + 11, hello_random, 32);
    memcpy(sh + 43, (const uint8_t[]){0, 0xc0, 0x2f, 0, 14, 0, 0, 0}, 8);
    uint8_t cfin[62] = {0x16, 3, 3, 0, 6, 16, 0, 0, 2, 1, 0xaa, /* ClientKeyExchange */
                        0x14, 3, 3, 0, 1, 1,                    /* ChangeCipherSpec */
                        0x16, 3, 3, 0, 40};                     /* Finished, encrypted */
    uint8_t sfin[51] = {0x14, 3, 3, 0, 1, 1, 0x16, 3, 3, 0, 40};
    seg_data(r, c, ts, true, PSH | ACK, (const uint8_t *)"STARTTLS\r\n", 10);
    seg_data(r, c, ts, false, PSH | ACK, (const uint8_t *)"220 ready\r\n", 11);
    seg_data(r, c, ts, true, PSH | ACK, ch, sizeof(ch));
    seg_data(r, c, ts, false, PSH | ACK, sh, sizeof(sh));
    seg_data(r, c, ts, true, PSH | ACK, cfin, sizeof(cfin));
    seg_data(r, c, ts, false, PSH | ACK, sfin, sizeof(sfin));
}

/*
 * The TLS session ends with close_notify both ways (encrypted alerts) and the connection goes
 * on in clear text: it changes back to clear at the client's "QUIT". Client bytes: 31 + 6;
 * server bytes: 31 + 9.
 */
static void
tls_unwrap(struct run *r, struct tcpc *c, uint64_t ts)
{
    uint8_t alert[31] = {0x15, 3, 3, 0, 26};
    seg_data(r, c, ts, true, PSH | ACK, alert, sizeof(alert));
    seg_data(r, c, ts, false, PSH | ACK, alert, sizeof(alert));
    seg_data(r, c, ts, true, PSH | ACK, (const uint8_t *)"QUIT\r\n", 6);
    seg_data(r, c, ts, false, PSH | ACK, (const uint8_t *)"221 bye\r\n", 9);
}

#define CHECK_SESSIONS(r, created_, freed_, live_, live_max_, intervals_)                          \
    do {                                                                                           \
        struct stats st_ = run_stats(r);                                                           \
        CHECK_EQ_INT(st_.zert_sessions_created, created_);                                         \
        CHECK_EQ_INT(st_.zert_sessions_clear, created_);                                           \
        CHECK_EQ_INT(st_.zert_sessions_freed, freed_);                                             \
        CHECK_EQ_INT(st_.zert_sessions_live, live_);                                               \
        CHECK_EQ_INT(st_.zert_sessions_live_clear, live_);                                         \
        CHECK_EQ_INT(st_.zert_sessions_live_max, live_max_);                                       \
        CHECK_EQ_INT((r)->sink.nsum, intervals_);                                                  \
    } while (0)

/* A record's counters at its interval's start and end. */
static void
check_counts(const struct srec *s, const uint32_t conns[2], const uint32_t active[2],
             const uint32_t shorts[2], const uint64_t in[2], const uint64_t out[2],
             const uint64_t segs_in[2], const uint64_t segs_out[2], int rec)
{
    const uint64_t got[] = {
        s->start.conns,       s->end.conns,       s->start.active_conns,  s->end.active_conns,
        s->start.short_conns, s->end.short_conns, s->start.bytes_in,      s->end.bytes_in,
        s->start.bytes_out,   s->end.bytes_out,   s->start.segs_in,       s->end.segs_in,
        s->start.segs_out,    s->end.segs_out,    s->start.partial_conns, s->end.partial_conns};
    const uint64_t want[] = {conns[0],    conns[1],    active[0], active[1], shorts[0],  shorts[1],
                             in[0],       in[1],       out[0],    out[1],    segs_in[0], segs_in[1],
                             segs_out[0], segs_out[1], 0,         0};
    static const char *const names[] = {
        "conns.start",     "conns.end",     "active.start",   "active.end",
        "short.start",     "short.end",     "bytes_in.start", "bytes_in.end",
        "bytes_out.start", "bytes_out.end", "segs_in.start",  "segs_in.end",
        "segs_out.start",  "segs_out.end",  "partial.start",  "partial.end"};
    for (size_t i = 0; i < sizeof(got) / sizeof(got[0]); i++) {
        check_count++;
        if (got[i] != want[i]) {
            check_failures++;
            fprintf(stderr, "%s: record %d: %s = %llu, want %llu\n", __FILE__, rec, names[i],
                    (unsigned long long)got[i], (unsigned long long)want[i]);
        }
    }
}

/*
 * One connection active across three boundaries (opened at T0+5 s, closed at T0+190 s, 60 s
 * intervals): four interval records, one per interval it was active in; counters cumulative
 * (an interval's activity is end - start), active_conns snapshots at the boundaries. The
 * session lives while the connection does and is freed at the first boundary after its end.
 * Then 30 years of nothing: no record, one skip.
 */
static void
test_spanning(void)
{
    struct run r;
    run_start(&r, 0);
    struct tcpc c = open_conn(&r, 5, 40000, T0 + 5 * SEC);
    seg(&r, &c, T0 + 6 * SEC, true, PSH | ACK, 8);
    CHECK_SESSIONS(&r, 1, 0, 1, 1, 0);
    engine_tick(r.e, T0 + IV);
    CHECK_SESSIONS(&r, 1, 0, 1, 1, 1);
    seg(&r, &c, T0 + 70 * SEC, true, PSH | ACK, 5);
    engine_tick(r.e, T0 + 2 * IV);
    CHECK_SESSIONS(&r, 1, 0, 1, 1, 2);
    seg(&r, &c, T0 + 130 * SEC, false, PSH | ACK, 7);
    engine_tick(r.e, T0 + 3 * IV);
    CHECK_SESSIONS(&r, 1, 0, 1, 1, 3); /* still active: not freed */
    seg(&r, &c, T0 + 190 * SEC, true, PSH | ACK, 3);
    close_conn(&r, &c, T0 + 190 * SEC);
    engine_tick(r.e, T0 + 4 * IV - 1);
    CHECK_SESSIONS(&r, 1, 0, 1, 1, 3); /* ended, its last interval not over: not freed */
    engine_tick(r.e, T0 + 4 * IV);
    CHECK_SESSIONS(&r, 1, 1, 0, 1, 4);

    /* client: SYN, ACK, 8, 5, 3 bytes, FIN, ACK; server: SYN-ACK, 11 bytes, 7 bytes, FIN */
    static const uint32_t conns[4][2] = {{0, 1}, {1, 1}, {1, 1}, {1, 1}};
    static const uint32_t active[4][2] = {{0, 1}, {1, 1}, {1, 1}, {1, 0}};
    static const uint32_t shorts[2] = {0, 0};
    static const uint64_t in[4][2] = {{0, 8}, {8, 13}, {13, 13}, {13, 16}};
    static const uint64_t out[4][2] = {{0, 11}, {11, 11}, {11, 18}, {18, 18}};
    static const uint64_t segs_in[4][2] = {{0, 3}, {3, 4}, {4, 4}, {4, 7}};
    static const uint64_t segs_out[4][2] = {{0, 2}, {2, 2}, {2, 3}, {3, 4}};
    for (int i = 0; i < 4 && i < r.sink.nsum; i++) {
        const struct srec *s = &r.sink.s[i];
        CHECK_EQ_INT(s->start_us, T0 + (uint64_t)i * IV);
        CHECK_EQ_INT(s->end_us, T0 + (uint64_t)(i + 1) * IV);
        CHECK_EQ_INT(s->client, 5);
        CHECK_EQ_INT(s->server_port, 25);
        CHECK(!s->early);
        check_counts(s, conns[i], active[i], shorts, in[i], out[i], segs_in[i], segs_out[i], i);
    }
    /* the connection's own records: init at T0+15 s (short_connection), term at its end */
    CHECK_EQ_INT(r.sink.ndet, 2);
    CHECK_EQ_INT(r.sink.d[0].event, ZERT_EV_INIT);
    CHECK_EQ_INT(r.sink.d[0].time_us, T0 + 15 * SEC);
    CHECK_EQ_INT(r.sink.d[1].event, ZERT_EV_TERM);
    CHECK_EQ_INT(r.sink.d[1].end_us, T0 + 190 * SEC);
    CHECK_EQ_STR(r.sink.d[1].end_reason, "fin");

    /* 30 years with nothing in them: no record, the intervals skipped, not walked */
    uint64_t later = T0 + 30ull * 36525 * 864 * SEC;
    engine_tick(r.e, later);
    CHECK_SESSIONS(&r, 1, 1, 0, 1, 4);
    CHECK_EQ_INT(run_stats(&r).zert_time_jumps, 1);
    CHECK_EQ_INT(run_stats(&r).zert_conns, 1);
    run_end(&r);
    CHECK_EQ_INT(r.sink.nsum, 4);
    CHECK_EQ_INT(r.sink.events[ZERT_SEV_AGGR_ENABLED], 1);
    CHECK_EQ_INT(r.sink.events[ZERT_SEV_AGGR_DISABLED], 1);
}

/*
 * Connections of one key in one interval: one session, one record; other clients: sessions
 * and records of their own. Each of these is short (< 10 s): short_term, counted as short.
 */
static void
test_aggregation(void)
{
    struct run r;
    run_start(&r, 0);
    uint64_t ts = T0 + SEC;
    for (int i = 0; i < 3; i++, ts += 3 * SEC) {
        struct tcpc c = open_conn(&r, 1, (uint16_t)(40000 + i), ts);
        close_conn(&r, &c, ts + SEC);
    }
    for (uint8_t cl = 2; cl <= 4; cl++, ts += 3 * SEC) {
        struct tcpc c = open_conn(&r, cl, 40000, ts);
        close_conn(&r, &c, ts + SEC);
    }
    CHECK_SESSIONS(&r, 4, 0, 4, 4, 0);
    engine_tick(r.e, T0 + IV);
    CHECK_SESSIONS(&r, 4, 4, 0, 4, 4);
    CHECK_EQ_INT(r.sink.nsum, 4);
    uint32_t conns = 0;
    for (int i = 0; i < 4 && i < r.sink.nsum; i++) {
        const struct srec *s = &r.sink.s[i];
        uint32_t n = i == 0 ? 3 : 1;
        CHECK_EQ_INT(s->client, i + 1);
        CHECK_EQ_INT(s->end.conns - s->start.conns, n);
        CHECK_EQ_INT(s->end.short_conns - s->start.short_conns, n);
        CHECK_EQ_INT(s->end.active_conns, 0);
        CHECK_EQ_INT(s->end.bytes_out, 11 * n);
        CHECK_EQ_INT(s->end.segs_in, 4 * n); /* SYN, ACK, FIN, ACK */
        conns += s->end.conns - s->start.conns;
    }
    CHECK_EQ_INT(conns, 6);
    CHECK_EQ_INT(r.sink.ndet, 6);
    for (int i = 0; i < r.sink.ndet && i < NREC; i++)
        CHECK_EQ_INT(r.sink.d[i].event, ZERT_EV_SHORT_TERM);
    engine_tick(r.e, T0 + 10 * IV);
    run_end(&r);
    CHECK_EQ_INT(r.sink.nsum, 4);
}

/*
 * Two connections thirty years apart: a record for each, every empty interval between them
 * skipped, and the end of input writes nothing more.
 */
static void
test_jump(void)
{
    struct run r;
    run_start(&r, 0);
    struct tcpc a = open_conn(&r, 1, 40000, T0 + SEC);
    close_conn(&r, &a, T0 + 2 * SEC);
    uint64_t later = T0 + 30ull * 36525 * 864 * SEC + 7 * SEC;
    struct tcpc b = open_conn(&r, 2, 40000, later);
    CHECK_SESSIONS(&r, 2, 1, 1, 1, 1);
    CHECK_EQ_INT(run_stats(&r).zert_time_jumps, 1);
    close_conn(&r, &b, later + SEC);
    engine_tick(r.e, later + 5 * SEC);
    CHECK_SESSIONS(&r, 2, 1, 1, 1, 1); /* ended; its interval is not over */
    struct stats st = run_stats(&r);
    run_end(&r); /* the end of input closes the interval */
    CHECK_EQ_INT(r.sink.nsum, 2);
    CHECK_EQ_INT(st.zert_conns, 2);
    if (r.sink.nsum == 2) {
        CHECK_EQ_INT(r.sink.s[0].client, 1);
        CHECK_EQ_INT(r.sink.s[0].start_us, T0);
        CHECK_EQ_INT(r.sink.s[0].end_us, T0 + IV);
        CHECK_EQ_INT(r.sink.s[1].client, 2);
        CHECK_EQ_INT(r.sink.s[1].start_us, later - 7 * SEC);
        CHECK_EQ_INT(r.sink.s[1].end_us, later + 5 * SEC);
        CHECK_EQ_INT(r.sink.s[1].end.conns, 1);
    }
}

/*
 * max_sessions = 3 driven past by 7 clients in one interval, each connection over before the
 * next begins: the 4th and 7th sessions reach the cap, and the idle sessions before them are
 * written early (flagged) and freed. Every connection is in exactly one record.
 */
static void
test_cap_idle(void)
{
    struct run r;
    run_start(&r, 3);
    uint64_t join_ts[8] = {0};
    for (uint8_t cl = 1; cl <= 7; cl++) {
        join_ts[cl] = T0 + 3 * cl * SEC;
        struct tcpc c = open_conn(&r, cl, 40000, join_ts[cl]);
        close_conn(&r, &c, join_ts[cl] + SEC);
        struct stats st = run_stats(&r);
        CHECK_EQ_INT(st.zert_sessions_early_flushes, cl >= 7 ? 2 : cl >= 4 ? 1 : 0);
        CHECK_EQ_INT(st.zert_sessions_over_cap, 0);
        CHECK_EQ_INT(st.zert_sessions_created, cl);
        CHECK_EQ_INT(st.zert_sessions_freed, cl >= 7 ? 6 : cl >= 4 ? 3 : 0);
        CHECK_EQ_INT(st.zert_sessions_live, cl >= 7 ? 1 : cl >= 4 ? cl - 3 : cl);
        CHECK_EQ_INT(r.sink.nsum, cl >= 7 ? 6 : cl >= 4 ? 3 : 0);
    }
    engine_tick(r.e, T0 + IV);
    CHECK_SESSIONS(&r, 7, 7, 0, 3, 7);
    uint32_t conns = 0;
    unsigned seen = 0;
    for (int i = 0; i < r.sink.nsum && i < 7; i++) {
        const struct srec *s = &r.sink.s[i];
        CHECK_EQ_INT(s->client, i + 1);
        seen |= 1u << s->client;
        conns += s->end.conns - s->start.conns;
        CHECK_EQ_INT(s->end.conns, 1);
        CHECK_EQ_INT(s->end.short_conns, 1);
        CHECK_EQ_INT(s->end.bytes_out, 11);
        CHECK_EQ_INT(s->start_us, T0);
        CHECK_EQ_INT(s->early, i < 6);
        /* written when the 4th, then the 7th, joined (at its greeting) */
        CHECK_EQ_INT(s->end_us, i < 3 ? join_ts[4] : i < 6 ? join_ts[7] : T0 + IV);
    }
    CHECK_EQ_INT(conns, 7);
    CHECK_EQ_INT(seen, 0xfe); /* clients 1 .. 7 */
    run_end(&r);
    CHECK_EQ_INT(r.sink.nsum, 7);
}

/*
 * max_sessions = 3 with every session holding an active connection: nothing can be written
 * early, the sessions past the cap are made anyway (over_cap) and none is dropped; each gets
 * its interval records, and all are freed at the boundary after their connections end.
 */
static void
test_cap_active(void)
{
    struct run r;
    run_start(&r, 3);
    struct tcpc c[6];
    for (uint8_t cl = 1; cl <= 5; cl++)
        c[cl] = open_conn(&r, cl, 40000, T0 + cl * SEC);
    struct stats st = run_stats(&r);
    CHECK_EQ_INT(st.zert_sessions_over_cap, 2);
    CHECK_EQ_INT(st.zert_sessions_early_flushes, 0);
    CHECK_SESSIONS(&r, 5, 0, 5, 5, 0);
    engine_tick(r.e, T0 + IV);
    CHECK_SESSIONS(&r, 5, 0, 5, 5, 5);
    for (uint8_t cl = 1; cl <= 5; cl++)
        close_conn(&r, &c[cl], T0 + IV + cl * SEC);
    engine_tick(r.e, T0 + 2 * IV);
    CHECK_SESSIONS(&r, 5, 5, 0, 5, 10);
    for (int i = 0; i < r.sink.nsum && i < 10; i++) {
        const struct srec *s = &r.sink.s[i];
        CHECK_EQ_INT(s->client, i % 5 + 1);
        CHECK(!s->early);
        CHECK_EQ_INT(s->start.conns, i < 5 ? 0 : 1);
        CHECK_EQ_INT(s->end.conns, 1);
        CHECK_EQ_INT(s->start.active_conns, i < 5 ? 0 : 1);
        CHECK_EQ_INT(s->end.active_conns, i < 5 ? 1 : 0);
    }
    st = run_stats(&r);
    CHECK_EQ_INT(st.zert_sessions_over_cap, 2);
    CHECK_EQ_INT(st.zert_sessions_early_flushes, 0);
    run_end(&r);
    CHECK_EQ_INT(r.sink.nsum, 10);
}

/*
 * The cap reached by a packet whose time went back before the current interval (a clock
 * step, captures merged out of order): the idle session is written early, and its record's
 * interval does not end before it began.
 */
static void
test_cap_time_back(void)
{
    struct run r;
    run_start(&r, 1);
    struct tcpc a = open_conn(&r, 1, 40000, T0 + 5 * SEC);
    close_conn(&r, &a, T0 + 6 * SEC);
    engine_tick(r.e, T0 + IV);
    CHECK_SESSIONS(&r, 1, 1, 0, 1, 1);
    struct tcpc b = open_conn(&r, 2, 40000, T0 + 70 * SEC);
    close_conn(&r, &b, T0 + 71 * SEC);
    engine_tick(r.e, T0 + 75 * SEC);
    CHECK_SESSIONS(&r, 2, 1, 1, 1, 1);      /* client 2's session: idle, its interval not over */
    open_conn(&r, 3, 40000, T0 + 30 * SEC); /* 45 s back */
    struct stats st = run_stats(&r);
    CHECK_EQ_INT(st.pkts_time_backwards, 4);
    CHECK_EQ_INT(st.zert_sessions_early_flushes, 1);
    CHECK_SESSIONS(&r, 3, 2, 1, 1, 2);
    if (r.sink.nsum == 2) {
        const struct srec *s = &r.sink.s[1];
        CHECK_EQ_INT(s->client, 2);
        CHECK(s->early);
        CHECK_EQ_INT(s->start_us, T0 + IV);
        CHECK_EQ_INT(s->end_us, T0 + IV); /* not the packet's time, 30 s before it began */
        CHECK_EQ_INT(s->end.conns, 1);
    }
    run_end(&r);
    CHECK_EQ_INT(r.sink.nsum, 3);
}

/* ---- connections that leave a session by a protection change and come back ---- */

/* The sums over the records of one session key (client, protection) of its interval deltas. */
struct key_sums {
    int records;
    uint64_t conns, partial;
};

static struct key_sums
key_sums(const struct sink *k, uint8_t client, uint8_t protocol)
{
    struct key_sums t = {0, 0, 0};
    for (int i = 0; i < k->nsum && i < NREC; i++) {
        const struct srec *s = &k->s[i];
        if (s->client != client || s->protocol != protocol)
            continue;
        t.records++;
        t.conns += s->end.conns - s->start.conns;
        t.partial += s->end.partial_conns - s->start.partial_conns;
    }
    return t;
}

#define CHECK_KEY(k, client, protocol, records_, conns_, partial_)                                 \
    do {                                                                                           \
        struct key_sums ks_ = key_sums(k, client, protocol);                                       \
        CHECK_EQ_INT(ks_.records, records_);                                                       \
        CHECK_EQ_INT(ks_.conns, conns_);                                                           \
        CHECK_EQ_INT(ks_.partial, partial_);                                                       \
    } while (0)

/* One record's key, counters and flag: conns, partial and active at its start and end. */
static void
check_rec(const struct sink *k, int i, uint8_t client, uint8_t protocol, bool early,
          const uint32_t want[6])
{
    CHECK(i < k->nsum);
    if (i >= k->nsum || i >= NREC)
        return;
    const struct srec *s = &k->s[i];
    CHECK_EQ_INT(s->client, client);
    CHECK_EQ_INT(s->protocol, protocol);
    CHECK_EQ_INT(s->early, early);
    const uint64_t got[6] = {s->start.conns,       s->end.conns,          s->start.partial_conns,
                             s->end.partial_conns, s->start.active_conns, s->end.active_conns};
    for (int j = 0; j < 6; j++)
        CHECK_EQ_INT(got[j], want[j]);
}

/* The detail events of client `client`'s connections, in order, with their protection. */
static void
check_events(const struct sink *k, uint8_t client, const int *events, const uint8_t *prot, int n)
{
    int m = 0;
    for (int i = 0; i < k->ndet && i < NREC; i++) {
        if (k->d[i].client != client)
            continue;
        CHECK(m < n);
        if (m < n) {
            CHECK_EQ_INT(k->d[i].event, events[m]);
            CHECK_EQ_INT(k->d[i].protection, prot[m]);
        }
        m++;
    }
    CHECK_EQ_INT(m, n);
}

/* The detail records of a connection that went clear -> TLS -> clear. */
static const int round_trip_events[4] = {ZERT_EV_INIT, ZERT_EV_CHANGE, ZERT_EV_CHANGE,
                                         ZERT_EV_TERM};
static const uint8_t round_trip_prot[4] = {0, ZERT_PROT_TLS, 0, 0};

/*
 * Clear text -> TLS (STARTTLS) -> clear text (close_notify, TCP going on), with an early
 * flush while the connection is in TLS: max_sessions = 3, client 1's connection A in its
 * clear session S1 then its TLS session T1; client 2's short connection makes the third
 * session, and client 3's the fourth: the cap writes the idle sessions early. S1 is held by A
 * (away), not idle: it is kept, and A coming back to clear text finds it, so A counts once
 * in it. Before, S1 was written early and freed, and A made a new S1 counted again: two
 * records of the clear key, with conns and partial 2 in all.
 */
static void
test_away_early_flush(void)
{
    struct run r;
    run_start(&r, 3);
    struct tcpc a = open_conn(&r, 1, 40000, T0 + 1 * SEC);
    starttls(&r, &a, T0 + 2 * SEC);
    struct stats st = run_stats(&r);
    CHECK_EQ_INT(st.zert_sessions_created, 2);
    CHECK_EQ_INT(st.zert_sessions_tls, 1);
    CHECK_EQ_INT(st.zert_sessions_live, 2);
    struct tcpc b = open_conn(&r, 2, 40000, T0 + 3 * SEC);
    close_conn(&r, &b, T0 + 4 * SEC);
    struct tcpc c = open_conn(&r, 3, 40000, T0 + 6 * SEC); /* B ended at T0+5 s: the cap */
    st = run_stats(&r);
    CHECK_EQ_INT(st.zert_sessions_early_flushes, 1);
    CHECK_EQ_INT(st.zert_sessions_over_cap, 0);
    CHECK_EQ_INT(st.zert_sessions_created, 4);
    CHECK_EQ_INT(st.zert_sessions_freed, 1); /* B's session only: S1 is held, T1 active */
    CHECK_EQ_INT(st.zert_sessions_live, 3);
    CHECK_EQ_INT(r.sink.nsum, 1);
    tls_unwrap(&r, &a, T0 + 7 * SEC);
    st = run_stats(&r);
    CHECK_EQ_INT(st.zert_sessions_created, 4); /* A found S1 again */
    CHECK_EQ_INT(st.zert_sessions_live, 3);
    close_conn(&r, &a, T0 + 8 * SEC);
    close_conn(&r, &c, T0 + 8 * SEC);
    engine_tick(r.e, T0 + IV);
    st = run_stats(&r);
    CHECK_EQ_INT(st.zert_sessions_created, 4);
    CHECK_EQ_INT(st.zert_sessions_tls, 1);
    CHECK_EQ_INT(st.zert_sessions_clear, 3);
    CHECK_EQ_INT(st.zert_sessions_freed, 4);
    CHECK_EQ_INT(st.zert_sessions_live, 0);
    CHECK_EQ_INT(st.zert_sessions_live_max, 3);
    CHECK_EQ_INT(st.zert_sessions_early_flushes, 1);
    CHECK_EQ_INT(r.sink.nsum, 4);
    /* B's early; then S1, T1 and C's at the boundary: conns, partial, active start/end */
    check_rec(&r.sink, 0, 2, 0, true, (const uint32_t[]){0, 1, 0, 0, 0, 0});
    check_rec(&r.sink, 1, 1, 0, false, (const uint32_t[]){0, 1, 0, 1, 0, 0});
    check_rec(&r.sink, 2, 1, ZERT_PROT_TLS, false, (const uint32_t[]){0, 1, 0, 1, 0, 0});
    check_rec(&r.sink, 3, 3, 0, false, (const uint32_t[]){0, 1, 0, 0, 0, 0});
    CHECK_KEY(&r.sink, 1, 0, 1, 1, 1);
    CHECK_KEY(&r.sink, 1, ZERT_PROT_TLS, 1, 1, 1);
    /* every payload byte of A is in S1 or T1: in, the client's (STARTTLS and handshake 122,
     * close_notify and QUIT 37); out, the server's (greeting 11, handshake 113, then 40) */
    if (r.sink.nsum >= 3) {
        CHECK_EQ_INT(r.sink.s[1].end.bytes_in + r.sink.s[2].end.bytes_in, 122 + 37);
        CHECK_EQ_INT(r.sink.s[1].end.bytes_out + r.sink.s[2].end.bytes_out, 11 + 113 + 40);
    }
    check_events(&r.sink, 1, round_trip_events, round_trip_prot, 4);
    run_end(&r);
    CHECK_EQ_INT(r.sink.nsum, 4);
}

/*
 * The same connection across interval boundaries, no cap: clear in interval 1, TLS from
 * T0+2 s through interval 2, back to clear at T0+130 s, closed at T0+135 s. S1 is held by A
 * while A is in TLS: it is written at the end of interval 1 (A was in it), has no record for
 * interval 2 (no connection was in it), and its record for interval 3 carries on its
 * counters: one session, A counted once. Before, S1 was freed at the first boundary and A's
 * return made a new session counting A again.
 */
static void
test_away_interval(void)
{
    struct run r;
    run_start(&r, 0);
    struct tcpc a = open_conn(&r, 1, 40000, T0 + 1 * SEC);
    starttls(&r, &a, T0 + 2 * SEC);
    engine_tick(r.e, T0 + IV);
    struct stats st = run_stats(&r);
    CHECK_EQ_INT(r.sink.nsum, 2);
    CHECK_EQ_INT(st.zert_sessions_live, 2); /* S1 held by A */
    CHECK_EQ_INT(st.zert_sessions_freed, 0);
    seg(&r, &a, T0 + 70 * SEC, true, PSH | ACK, 0); /* a bare ACK in interval 2 */
    engine_tick(r.e, T0 + 2 * IV);
    st = run_stats(&r);
    CHECK_EQ_INT(r.sink.nsum, 3); /* T1 only */
    CHECK_EQ_INT(st.zert_sessions_live, 2);
    CHECK_EQ_INT(st.zert_sessions_freed, 0);
    tls_unwrap(&r, &a, T0 + 130 * SEC);
    st = run_stats(&r);
    CHECK_EQ_INT(st.zert_sessions_created, 2);
    CHECK_EQ_INT(st.zert_sessions_live, 2);
    close_conn(&r, &a, T0 + 135 * SEC);
    engine_tick(r.e, T0 + 3 * IV);
    st = run_stats(&r);
    CHECK_EQ_INT(st.zert_sessions_created, 2);
    CHECK_EQ_INT(st.zert_sessions_freed, 2);
    CHECK_EQ_INT(st.zert_sessions_live, 0);
    CHECK_EQ_INT(st.zert_sessions_live_max, 2);
    CHECK_EQ_INT(r.sink.nsum, 5);
    check_rec(&r.sink, 0, 1, 0, false, (const uint32_t[]){0, 1, 0, 1, 0, 0});
    check_rec(&r.sink, 1, 1, ZERT_PROT_TLS, false, (const uint32_t[]){0, 1, 0, 1, 0, 1});
    check_rec(&r.sink, 2, 1, ZERT_PROT_TLS, false, (const uint32_t[]){1, 1, 1, 1, 1, 1});
    check_rec(&r.sink, 3, 1, 0, false, (const uint32_t[]){1, 1, 1, 1, 0, 0});
    check_rec(&r.sink, 4, 1, ZERT_PROT_TLS, false, (const uint32_t[]){1, 1, 1, 1, 1, 0});
    static const uint64_t ends[5] = {T0 + IV, T0 + IV, T0 + 2 * IV, T0 + 3 * IV, T0 + 3 * IV};
    static const uint64_t starts[5] = {T0, T0, T0 + IV, T0 + 2 * IV, T0 + 2 * IV};
    for (int i = 0; i < 5 && i < r.sink.nsum; i++) {
        CHECK_EQ_INT(r.sink.s[i].start_us, starts[i]);
        CHECK_EQ_INT(r.sink.s[i].end_us, ends[i]);
    }
    /* S1's second record starts where its first ended: its counters carried over interval 2 */
    if (r.sink.nsum >= 4) {
        CHECK_EQ_INT(r.sink.s[3].start.bytes_in, r.sink.s[0].end.bytes_in);
        CHECK_EQ_INT(r.sink.s[3].start.bytes_out, r.sink.s[0].end.bytes_out);
    }
    CHECK_KEY(&r.sink, 1, 0, 2, 1, 1);
    CHECK_KEY(&r.sink, 1, ZERT_PROT_TLS, 3, 1, 1);
    check_events(&r.sink, 1, round_trip_events, round_trip_prot, 4);
    run_end(&r);
    CHECK_EQ_INT(r.sink.nsum, 5);
}

/*
 * A connection that ends while away (in TLS, never back to clear) lets its clear session go:
 * (1) no cap: S1 held across the first boundary, freed at the boundary after A's end, with no
 * record there (no connection was in it); (2) max_sessions = 3: S1, released by A's end, is
 * idle at the next scan and written early and freed with T1 and B's session.
 */
static void
test_away_ended(void)
{
    struct run r;
    run_start(&r, 0);
    struct tcpc a = open_conn(&r, 1, 40000, T0 + 1 * SEC);
    starttls(&r, &a, T0 + 2 * SEC);
    engine_tick(r.e, T0 + IV);
    struct stats st = run_stats(&r);
    CHECK_EQ_INT(r.sink.nsum, 2);
    CHECK_EQ_INT(st.zert_sessions_live, 2);
    CHECK_EQ_INT(st.zert_sessions_freed, 0);
    close_conn(&r, &a, T0 + 70 * SEC);
    engine_tick(r.e, T0 + 2 * IV - 1);
    st = run_stats(&r);
    CHECK_EQ_INT(st.zert_sessions_live, 2); /* A ended: nothing is freed before a scan */
    engine_tick(r.e, T0 + 2 * IV);
    st = run_stats(&r);
    CHECK_EQ_INT(st.zert_sessions_created, 2);
    CHECK_EQ_INT(st.zert_sessions_freed, 2);
    CHECK_EQ_INT(st.zert_sessions_live, 0);
    CHECK_EQ_INT(st.zert_sessions_live_tls, 0);
    CHECK_EQ_INT(st.zert_sessions_live_clear, 0);
    CHECK_EQ_INT(r.sink.nsum, 3); /* S1, T1; then T1 alone */
    check_rec(&r.sink, 0, 1, 0, false, (const uint32_t[]){0, 1, 0, 1, 0, 0});
    check_rec(&r.sink, 1, 1, ZERT_PROT_TLS, false, (const uint32_t[]){0, 1, 0, 1, 0, 1});
    check_rec(&r.sink, 2, 1, ZERT_PROT_TLS, false, (const uint32_t[]){1, 1, 1, 1, 1, 0});
    CHECK_KEY(&r.sink, 1, 0, 1, 1, 1);
    CHECK_KEY(&r.sink, 1, ZERT_PROT_TLS, 2, 1, 1);
    static const int ev[3] = {ZERT_EV_INIT, ZERT_EV_CHANGE, ZERT_EV_TERM};
    static const uint8_t prot[3] = {0, ZERT_PROT_TLS, ZERT_PROT_TLS};
    check_events(&r.sink, 1, ev, prot, 3);
    engine_tick(r.e, T0 + 3 * IV);
    run_end(&r);
    CHECK_EQ_INT(r.sink.nsum, 3);

    run_start(&r, 3);
    a = open_conn(&r, 1, 40000, T0 + 1 * SEC);
    starttls(&r, &a, T0 + 2 * SEC);
    struct tcpc b = open_conn(&r, 2, 40000, T0 + 3 * SEC);
    close_conn(&r, &b, T0 + 4 * SEC);
    close_conn(&r, &a, T0 + 5 * SEC);
    st = run_stats(&r);
    CHECK_EQ_INT(st.zert_sessions_live, 3);
    CHECK_EQ_INT(st.zert_sessions_freed, 0);
    open_conn(&r, 3, 40000, T0 + 8 * SEC); /* A and B ended at T0+6 s and T0+5 s */
    st = run_stats(&r);
    CHECK_EQ_INT(st.zert_sessions_early_flushes, 1);
    CHECK_EQ_INT(st.zert_sessions_created, 4);
    CHECK_EQ_INT(st.zert_sessions_freed, 3);
    CHECK_EQ_INT(st.zert_sessions_live, 1);
    CHECK_EQ_INT(r.sink.nsum, 3);
    check_rec(&r.sink, 0, 1, 0, true, (const uint32_t[]){0, 1, 0, 1, 0, 0});
    check_rec(&r.sink, 1, 1, ZERT_PROT_TLS, true, (const uint32_t[]){0, 1, 0, 1, 0, 0});
    check_rec(&r.sink, 2, 2, 0, true, (const uint32_t[]){0, 1, 0, 0, 0, 0});
    run_end(&r);
    CHECK_EQ_INT(r.sink.nsum, 4);
}

int
main(void)
{
    test_spanning();
    test_aggregation();
    test_jump();
    test_cap_idle();
    test_cap_active();
    test_cap_time_back();
    test_away_early_flush();
    test_away_interval();
    test_away_ended();
    return check_report();
}
