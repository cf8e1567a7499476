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
    struct zert_counters start, end;
    bool early;
};

struct drec {
    int event;
    uint64_t time_us, end_us;
    uint8_t client;
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

/* One segment from the client (from_client) or the server, at time ts: raw IPv4. */
static void
seg(struct run *r, struct tcpc *c, uint64_t ts, bool from_client, uint8_t flags, size_t len)
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
    /* printable text: no dissector takes it for TLS or SSH */
    for (size_t i = 0; i < len; i++)
        t[20 + i] = (uint8_t)('a' + i % 26);
    c->seq[me] += (uint32_t)len + ((flags & (SYN | FIN)) ? 1 : 0);
    struct capture_frame fr = {
        .ts_us = ts, .caplen = (uint32_t)(40 + len), .wire_len = (uint32_t)(40 + len), .data = b};
    engine_packet(r->e, DLT_RAW, &fr);
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

int
main(void)
{
    test_spanning();
    test_aggregation();
    test_jump();
    test_cap_idle();
    test_cap_active();
    test_cap_time_back();
    return check_report();
}
