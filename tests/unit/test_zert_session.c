/* test_zert_session.c - the security-session table: lifecycle, interval records, max_sessions. */
#include <stdlib.h>
#include <string.h>

#include "../../sensor/zert_session.h"
#include "check.h"

/*
 * The table is driven as the zERT layer (sensor/zert.c) drives it: a connection joins its
 * session (zert_session_get, then cum.conns++ and active++), its bytes go to cum, and it
 * leaves (active--). The records the table writes are kept by the sink, the real interface.
 */

#define SEC  1000000ull
#define T0   (1700000040ull * SEC) /* a multiple of 60 s */
#define IV   (60 * SEC)
#define NREC 64

struct rec {
    uint64_t start_us, end_us, time_us;
    uint8_t client; /* last byte of the client address */
    struct zert_counters start, end;
    bool early;
    int event;
};

struct sink {
    int n;
    struct rec r[NREC];
};

static int
sink_write(void *ctx, const struct zert_summary *s)
{
    struct sink *k = ctx;
    if (k->n < NREC) {
        struct rec *r = &k->r[k->n];
        r->start_us = s->interval_start_us;
        r->end_us = s->interval_end_us;
        r->time_us = s->time_us;
        r->client = s->client.ip[3];
        r->start = s->start;
        r->end = s->end;
        r->early = s->early_flush;
        r->event = s->event;
    }
    k->n++;
    return 0;
}

static const struct zert_sensor sensor = {"SYS1", "PLEX1", "TCPIP"};

/* A clear-text TCP connection to the local server 10.0.0.1:80 from client 10.1.0.CLIENT. */
static struct zert_detail *
conn(uint8_t client, uint16_t cport)
{
    static struct zert_detail d;
    memset(&d, 0, sizeof(d));
    d.ip_proto = 6;
    d.role = ZERT_ROLE_SERVER;
    d.local.family = 4;
    memcpy(d.local.ip, (uint8_t[]){10, 0, 0, 1}, 4);
    d.local.port = 80;
    d.remote.family = 4;
    memcpy(d.remote.ip, (uint8_t[]){10, 1, 0, client}, 4);
    d.remote.port = cport;
    return &d;
}

/* A connection joins its session at `now`, with `in` bytes so far. */
static struct zsession *
join(struct zert_sessions *t, uint8_t client, uint16_t cport, uint64_t in, uint64_t now)
{
    struct zsession *s = zert_session_get(t, conn(client, cport), 0, false, 0, now);
    if (s) {
        s->cum.conns++;
        s->active++;
        s->cum.bytes_in += in;
        s->cum.segs_in++;
    }
    return s;
}

static void
leave(struct zsession *s)
{
    s->active--;
}

static struct zert_session_stats
stats(const struct zert_sessions *t)
{
    struct zert_session_stats st;
    zert_sessions_get_stats(t, &st);
    return st;
}

#define CHECK_STATS(t, created_, freed_, live_, live_max_, records_)                               \
    do {                                                                                           \
        struct zert_session_stats st_ = stats(t);                                                  \
        CHECK_EQ_INT(st_.created, created_);                                                       \
        CHECK_EQ_INT(st_.freed, freed_);                                                           \
        CHECK_EQ_INT(st_.live, live_);                                                             \
        CHECK_EQ_INT(st_.live_max, live_max_);                                                     \
        CHECK_EQ_INT(st_.records, records_);                                                       \
        CHECK_EQ_INT(st_.created_by[ZSK_CLEAR], created_);                                         \
        CHECK_EQ_INT(st_.live_by[ZSK_CLEAR], live_);                                               \
    } while (0)

/* The session key: what subtype 12 aggregates by; the client's port is no part of it. */
static void
test_key(void)
{
    char k[ZERT_KEY_LEN];
    zert_session_key(conn(7, 40000), 0, false, k, sizeof(k));
    CHECK_EQ_STR(k, "tcp|server|10.0.0.1:80|10.1.0.7||none|");
    zert_session_key(conn(7, 40001), 0, false, k, sizeof(k));
    CHECK_EQ_STR(k, "tcp|server|10.0.0.1:80|10.1.0.7||none|");
    zert_session_key(conn(7, 40001), 0, true, k, sizeof(k));
    CHECK_EQ_STR(k, "tcp|server|10.0.0.1:ee|10.1.0.7||none|");
    char small[12];
    zert_session_key(conn(7, 40000), 0, false, small, sizeof(small));
    CHECK_EQ_STR(small, "tcp|server|"); /* cut at len - 1 */
}

/*
 * One connection active across three boundaries: one record per interval (four: the three
 * it was active across and the one it ended in), counters cumulative (the interval's
 * activity is end - start), active_conns snapshots at the boundaries; the session lives as
 * long as the connection and is freed at the first boundary after it ended.
 */
static void
test_lifecycle(void)
{
    struct sink k = {0};
    struct zert_sessions *t = zert_sessions_new(&sensor, 0, sink_write, &k);
    zert_sessions_begin(t, T0);
    CHECK(zert_sessions_empty(t));
    struct zsession *s = join(t, 5, 40000, 100, T0 + 5 * SEC);
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_EQ_INT(s->id, 1);
    CHECK(!zert_sessions_empty(t));
    CHECK_STATS(t, 1, 0, 1, 1, 0);

    zert_sessions_interval(t, T0 + IV);
    CHECK_EQ_INT(k.n, 1);
    CHECK_STATS(t, 1, 0, 1, 1, 1);
    s->cum.bytes_in += 50; /* the connection's bytes in the second interval */
    zert_sessions_interval(t, T0 + 2 * IV);
    CHECK_EQ_INT(k.n, 2);
    CHECK_STATS(t, 1, 0, 1, 1, 2);
    zert_sessions_interval(t, T0 + 3 * IV); /* no bytes in the third: still a record */
    CHECK_EQ_INT(k.n, 3);
    CHECK_STATS(t, 1, 0, 1, 1, 3);
    s->cum.bytes_in += 7;
    leave(s); /* the connection ends in the fourth interval */
    CHECK_STATS(t, 1, 0, 1, 1, 3);
    zert_sessions_interval(t, T0 + 4 * IV);
    CHECK_EQ_INT(k.n, 4);
    CHECK_STATS(t, 1, 1, 0, 1, 4);
    CHECK(zert_sessions_empty(t));
    zert_sessions_interval(t, T0 + 5 * IV); /* nothing lives: nothing is written */
    CHECK_EQ_INT(k.n, 4);
    CHECK_STATS(t, 1, 1, 0, 1, 4);

    /* conns, active_conns and bytes_in at each interval's start and end */
    static const uint32_t conns[4][2] = {{0, 1}, {1, 1}, {1, 1}, {1, 1}};
    static const uint32_t active[4][2] = {{0, 1}, {1, 1}, {1, 1}, {1, 0}};
    static const uint64_t in[4][2] = {{0, 100}, {100, 150}, {150, 150}, {150, 157}};
    for (int i = 0; i < 4 && i < k.n; i++) {
        const struct rec *r = &k.r[i];
        CHECK_EQ_INT(r->event, ZERT_SEV_INTERVAL);
        CHECK_EQ_INT(r->start_us, T0 + (uint64_t)i * IV);
        CHECK_EQ_INT(r->end_us, T0 + (uint64_t)(i + 1) * IV);
        CHECK_EQ_INT(r->time_us, r->end_us);
        CHECK_EQ_INT(r->client, 5);
        CHECK_EQ_INT(r->start.conns, conns[i][0]);
        CHECK_EQ_INT(r->end.conns, conns[i][1]);
        CHECK_EQ_INT(r->start.active_conns, active[i][0]);
        CHECK_EQ_INT(r->end.active_conns, active[i][1]);
        CHECK_EQ_INT(r->start.bytes_in, in[i][0]);
        CHECK_EQ_INT(r->end.bytes_in, in[i][1]);
        CHECK_EQ_INT(r->start.segs_in, i == 0 ? 0 : 1);
        CHECK_EQ_INT(r->end.segs_in, 1);
        CHECK(!r->early);
    }

    /* the same key later: a new session, counting from zero */
    s = join(t, 5, 40002, 9, T0 + 5 * IV + SEC);
    CHECK(s != NULL && s->id == 2);
    if (s)
        leave(s);
    zert_sessions_interval(t, T0 + 6 * IV);
    CHECK_EQ_INT(k.n, 5);
    CHECK_STATS(t, 2, 2, 0, 1, 5);
    if (k.n == 5) {
        CHECK_EQ_INT(k.r[4].start.conns, 0);
        CHECK_EQ_INT(k.r[4].end.conns, 1);
        CHECK_EQ_INT(k.r[4].start.bytes_in, 0);
        CHECK_EQ_INT(k.r[4].end.bytes_in, 9);
        CHECK_EQ_INT(k.r[4].end.active_conns, 0);
    }
    zert_sessions_free(t);
}

/*
 * Connections of one key in one interval are one session and one record; different clients
 * are different sessions and records.
 */
static void
test_aggregation(void)
{
    struct sink k = {0};
    struct zert_sessions *t = zert_sessions_new(&sensor, 0, sink_write, &k);
    zert_sessions_begin(t, T0);
    struct zsession *a[3];
    for (int i = 0; i < 3; i++)
        a[i] = join(t, 1, (uint16_t)(40000 + i), 10, T0 + (uint64_t)(i + 1) * SEC);
    CHECK(a[0] && a[0] == a[1] && a[1] == a[2]);
    CHECK_STATS(t, 1, 0, 1, 1, 0);
    for (uint8_t c = 2; c <= 5; c++)
        CHECK(join(t, c, 40000, 10, T0 + 10 * SEC) != NULL);
    CHECK_STATS(t, 5, 0, 5, 5, 0);
    if (a[0])
        leave(a[0]); /* one of client 1's connections ended; two go on */
    zert_sessions_interval(t, T0 + IV);
    CHECK_EQ_INT(k.n, 5);
    CHECK_STATS(t, 5, 0, 5, 5, 5);
    uint32_t conns = 0;
    for (int i = 0; i < k.n && i < 5; i++) {
        /* creation order */
        CHECK_EQ_INT(k.r[i].client, i + 1);
        conns += k.r[i].end.conns - k.r[i].start.conns;
    }
    CHECK_EQ_INT(conns, 7);
    CHECK_EQ_INT(k.r[0].end.conns, 3);
    CHECK_EQ_INT(k.r[0].end.active_conns, 2);
    CHECK_EQ_INT(k.r[0].end.bytes_in, 30);
    CHECK_EQ_INT(k.r[0].end.segs_in, 3);
    zert_sessions_free(t);
}

/* An interval with no activity writes nothing, however many there are. */
static void
test_empty_intervals(void)
{
    struct sink k = {0};
    struct zert_sessions *t = zert_sessions_new(&sensor, 4, sink_write, &k);
    zert_sessions_begin(t, T0);
    for (uint64_t i = 1; i <= 100000; i++)
        zert_sessions_interval(t, T0 + i * IV);
    CHECK_EQ_INT(k.n, 0);
    CHECK_STATS(t, 0, 0, 0, 0, 0);
    CHECK(zert_sessions_empty(t));
    CHECK(!zert_sessions_failed(t));
    zert_sessions_free(t);

    /* summaries off (no sink): sessions live and die the same, nothing is counted as written */
    t = zert_sessions_new(&sensor, 0, NULL, NULL);
    zert_sessions_begin(t, T0);
    struct zsession *s = join(t, 1, 1, 1, T0);
    if (s)
        leave(s);
    zert_sessions_interval(t, T0 + IV);
    CHECK_STATS(t, 1, 1, 0, 1, 0);
    zert_sessions_free(t);
}

/*
 * max_sessions = 3 driven past by 7 sessions in one interval, each connection over before the
 * next begins: reaching the cap writes the idle sessions' records early (flagged), frees
 * them, and every connection is in exactly one record.
 */
static void
test_cap_idle(void)
{
    struct sink k = {0};
    struct zert_sessions *t = zert_sessions_new(&sensor, 3, sink_write, &k);
    zert_sessions_begin(t, T0);
    for (uint8_t c = 1; c <= 7; c++) {
        struct zsession *s = join(t, c, 40000, c, T0 + c * SEC);
        CHECK(s != NULL);
        if (s)
            leave(s);
        struct zert_session_stats st = stats(t);
        /* the 4th and 7th reach the cap: the three idle ones before them are written */
        CHECK_EQ_INT(st.early_flushes, c >= 7 ? 2 : c >= 4 ? 1 : 0);
        CHECK_EQ_INT(st.early_records, c >= 7 ? 6 : c >= 4 ? 3 : 0);
        CHECK_EQ_INT(st.records, st.early_records);
        CHECK_EQ_INT(st.over_cap, 0);
        CHECK_EQ_INT(st.live, c >= 7 ? 1 : c >= 4 ? c - 3 : c);
        CHECK_EQ_INT(st.freed, c >= 7 ? 6 : c >= 4 ? 3 : 0);
        CHECK_EQ_INT(st.created, c);
        CHECK_EQ_INT(k.n, st.records);
    }
    zert_sessions_interval(t, T0 + IV);
    struct zert_session_stats st = stats(t);
    CHECK_EQ_INT(st.records, 7);
    CHECK_EQ_INT(st.early_records, 6);
    CHECK_EQ_INT(st.live_max, 3);
    CHECK_EQ_INT(st.live, 0);
    CHECK_EQ_INT(st.freed, 7);
    CHECK_EQ_INT(k.n, 7);
    uint32_t conns = 0;
    for (int i = 0; i < k.n && i < 7; i++) {
        const struct rec *r = &k.r[i];
        CHECK_EQ_INT(r->client, i + 1); /* every client, once, in order */
        conns += r->end.conns - r->start.conns;
        CHECK_EQ_INT(r->end.bytes_in, i + 1);
        CHECK_EQ_INT(r->start_us, T0);
        CHECK_EQ_INT(r->early, i < 6);
        /* an early record ends when the cap was reached: at the 4th and the 7th join */
        CHECK_EQ_INT(r->end_us, i < 3 ? T0 + 4 * SEC : i < 6 ? T0 + 7 * SEC : T0 + IV);
        CHECK_EQ_INT(r->time_us, r->end_us);
    }
    CHECK_EQ_INT(conns, 7);
    zert_sessions_free(t);
}

/*
 * The cap reached with a mix: sessions that still hold a connection are kept (their record is
 * the interval's), the idle ones are written early. Then the kept one lives on.
 */
static void
test_cap_mixed(void)
{
    struct sink k = {0};
    struct zert_sessions *t = zert_sessions_new(&sensor, 3, sink_write, &k);
    zert_sessions_begin(t, T0);
    struct zsession *s1 = join(t, 1, 40000, 1, T0 + 1 * SEC); /* stays active */
    struct zsession *s2 = join(t, 2, 40000, 2, T0 + 2 * SEC);
    struct zsession *s3 = join(t, 3, 40000, 3, T0 + 3 * SEC);
    if (s2)
        leave(s2);
    if (s3)
        leave(s3);
    struct zsession *s4 = join(t, 4, 40000, 4, T0 + 4 * SEC);
    CHECK(s4 != NULL);
    struct zert_session_stats st = stats(t);
    CHECK_EQ_INT(st.early_flushes, 1);
    CHECK_EQ_INT(st.early_records, 2);
    CHECK_EQ_INT(st.live, 2);
    CHECK_EQ_INT(st.freed, 2);
    CHECK_EQ_INT(k.n, 2);
    CHECK_EQ_INT(k.r[0].client, 2);
    CHECK_EQ_INT(k.r[1].client, 3);
    /* the kept session is the same: a later connection of client 1 joins it */
    CHECK(join(t, 1, 40001, 10, T0 + 5 * SEC) == s1);
    CHECK_EQ_INT(stats(t).created, 4);
    if (s4)
        leave(s4);
    zert_sessions_interval(t, T0 + IV);
    CHECK_EQ_INT(k.n, 4);
    if (k.n == 4) {
        CHECK_EQ_INT(k.r[2].client, 1);
        CHECK_EQ_INT(k.r[2].end.conns, 2);
        CHECK_EQ_INT(k.r[2].end.active_conns, 2);
        CHECK_EQ_INT(k.r[2].end.bytes_in, 11);
        CHECK(!k.r[2].early);
        CHECK_EQ_INT(k.r[3].client, 4);
        CHECK(!k.r[3].early);
    }
    st = stats(t);
    CHECK_EQ_INT(st.live, 1); /* client 1's session: two connections go on */
    CHECK_EQ_INT(st.freed, 3);
    CHECK_EQ_INT(st.records, 4);
    CHECK_EQ_INT(st.early_records, 2);
    zert_sessions_free(t);
}

/*
 * The cap reached while every session holds an active connection: nothing can be written
 * early, so the new session is made past the cap (over_cap), never dropped; every session gets
 * its interval record.
 */
static void
test_cap_all_active(void)
{
    struct sink k = {0};
    struct zert_sessions *t = zert_sessions_new(&sensor, 3, sink_write, &k);
    zert_sessions_begin(t, T0);
    for (uint8_t c = 1; c <= 5; c++)
        CHECK(join(t, c, 40000, c, T0 + c * SEC) != NULL);
    struct zert_session_stats st = stats(t);
    CHECK_EQ_INT(st.created, 5);
    CHECK_EQ_INT(st.live, 5);
    CHECK_EQ_INT(st.live_max, 5);
    CHECK_EQ_INT(st.over_cap, 2);
    CHECK_EQ_INT(st.early_records, 0);
    CHECK_EQ_INT(st.early_flushes, 0); /* the cap was reached, nothing could be written early */
    CHECK_EQ_INT(k.n, 0);
    zert_sessions_interval(t, T0 + IV);
    CHECK_EQ_INT(k.n, 5);
    for (int i = 0; i < k.n && i < 5; i++) {
        CHECK_EQ_INT(k.r[i].client, i + 1);
        CHECK_EQ_INT(k.r[i].end.conns, 1);
        CHECK_EQ_INT(k.r[i].end.active_conns, 1);
        CHECK(!k.r[i].early);
    }
    st = stats(t);
    CHECK_EQ_INT(st.live, 5);
    CHECK_EQ_INT(st.freed, 0);
    CHECK_EQ_INT(st.records, 5);
    zert_sessions_free(t);
}

#define CHECK_CAP(t, live_, over_cap_, early_flushes_, early_records_, records_)                   \
    do {                                                                                           \
        struct zert_session_stats st_ = stats(t);                                                  \
        CHECK_EQ_INT(st_.live, live_);                                                             \
        CHECK_EQ_INT(st_.over_cap, over_cap_);                                                     \
        CHECK_EQ_INT(st_.early_flushes, early_flushes_);                                           \
        CHECK_EQ_INT(st_.early_records, early_records_);                                           \
        CHECK_EQ_INT(st_.records, records_);                                                       \
    } while (0)

/*
 * Past the cap with every session active, the next scan for idle sessions waits until the
 * sessions held have doubled (a scan per new session would cost O(live) each); an interval's
 * end, which frees the idle ones, brings the cap back to max_sessions.
 */
static void
test_cap_rescan(void)
{
    struct sink k = {0};
    struct zert_sessions *t = zert_sessions_new(&sensor, 3, sink_write, &k);
    zert_sessions_begin(t, T0);
    struct zsession *s[12] = {0};
    for (uint8_t c = 1; c <= 3; c++)
        s[c] = join(t, c, 40000, 1, T0 + c * SEC);
    s[4] = join(t, 4, 40000, 1, T0 + 4 * SEC); /* scans: none idle; the next scan at 6 */
    CHECK_CAP(t, 4, 1, 0, 0, 0);
    s[5] = join(t, 5, 40000, 1, T0 + 5 * SEC);
    CHECK_CAP(t, 5, 2, 0, 0, 0);
    for (int c = 1; c <= 3; c++)
        if (s[c])
            leave(s[c]);
    s[6] = join(t, 6, 40000, 1, T0 + 6 * SEC); /* 5 held: no scan, 1 .. 3 stay */
    CHECK_CAP(t, 6, 3, 0, 0, 0);
    s[7] = join(t, 7, 40000, 1, T0 + 7 * SEC); /* 6 held: 1 .. 3 written early */
    CHECK_CAP(t, 4, 4, 1, 3, 3);
    for (int i = 0; i < k.n && i < 3; i++) {
        CHECK_EQ_INT(k.r[i].client, i + 1);
        CHECK(k.r[i].early);
        CHECK_EQ_INT(k.r[i].end_us, T0 + 7 * SEC);
    }
    zert_sessions_interval(t, T0 + IV); /* 4 .. 7: active, kept */
    CHECK_CAP(t, 4, 4, 1, 3, 7);
    for (int c = 4; c <= 7; c++)
        if (s[c])
            leave(s[c]);
    zert_sessions_interval(t, T0 + 2 * IV); /* their last records; all freed */
    CHECK_CAP(t, 0, 4, 1, 3, 11);
    /* the cap is max_sessions again: the 4th new session flushes the three idle ones */
    for (uint8_t c = 8; c <= 11; c++) {
        s[c] = join(t, c, 40000, 1, T0 + 2 * IV + c * SEC);
        if (s[c])
            leave(s[c]);
    }
    CHECK_CAP(t, 1, 4, 2, 6, 14);
    zert_sessions_interval(t, T0 + 3 * IV);
    CHECK_CAP(t, 0, 4, 2, 6, 15);
    CHECK_STATS(t, 11, 11, 0, 6, 15);
    uint32_t conns = 0;
    for (int i = 0; i < k.n && i < NREC; i++)
        conns += k.r[i].end.conns - k.r[i].start.conns;
    CHECK_EQ_INT(conns, 11);
    zert_sessions_free(t);
}

/* A connection in s leaves it by a protection change and goes on: it holds s (away). */
static void
leave_away(struct zsession *s)
{
    s->active--;
    s->away++;
}

/* That connection comes back to the session of its key at `now`: not counted again. */
static struct zsession *
come_back(struct zert_sessions *t, uint8_t client, uint16_t cport, uint64_t in, uint64_t now)
{
    struct zsession *s = zert_session_get(t, conn(client, cport), 0, false, 0, now);
    if (s) {
        s->away--;
        s->active++;
        s->cum.bytes_in += in;
    }
    return s;
}

/*
 * Sessions held by away connections (zert_session.h): not idle for the cap (the scan writes
 * nothing and the new session is made past it), not freed at a boundary, no record for an
 * interval in which no connection was in them, found again by the connection that comes back
 * (the same session, its counters carried on); freed at the first scan after the last
 * connection leaves or the away one ends, with no record when they were quiet.
 */
static void
test_away(void)
{
    struct sink k = {0};
    struct zert_sessions *t = zert_sessions_new(&sensor, 2, sink_write, &k);
    zert_sessions_begin(t, T0);
    struct zsession *s1 = join(t, 1, 40000, 5, T0 + 1 * SEC);
    struct zsession *s2 = join(t, 2, 40000, 7, T0 + 2 * SEC);
    CHECK(s1 && s2);
    if (!s1 || !s2)
        return;
    leave_away(s1);
    struct zsession *s3 = join(t, 3, 40000, 1, T0 + 3 * SEC); /* the cap: s1 held, s2 active */
    CHECK(s3 != NULL);
    CHECK_CAP(t, 3, 1, 0, 0, 0);
    if (s3)
        leave(s3);
    zert_sessions_interval(t, T0 + IV); /* s1, s2, s3 written; s3 freed */
    CHECK_CAP(t, 2, 1, 0, 0, 3);
    zert_sessions_interval(t, T0 + 2 * IV); /* s1 quiet: no record, kept */
    CHECK_CAP(t, 2, 1, 0, 0, 4);
    CHECK(come_back(t, 1, 40000, 3, T0 + 2 * IV + SEC) == s1);
    CHECK_EQ_INT(stats(t).created, 3);
    leave(s1);                              /* the connection ends in s1 */
    zert_sessions_interval(t, T0 + 3 * IV); /* s1 written and freed */
    CHECK_CAP(t, 1, 1, 0, 0, 6);
    leave_away(s2);
    zert_sessions_interval(t, T0 + 4 * IV); /* s2 had its connection: written, held */
    CHECK_CAP(t, 1, 1, 0, 0, 7);
    s2->away--;                             /* the connection ends while away */
    zert_sessions_interval(t, T0 + 5 * IV); /* quiet: freed with no record */
    CHECK_CAP(t, 0, 1, 0, 0, 7);
    CHECK_STATS(t, 3, 3, 0, 3, 7);
    CHECK(zert_sessions_empty(t));
    /* client, interval end, conns, active and bytes in at the record's start and end */
    static const struct {
        uint8_t client;
        uint64_t end;
        uint32_t conns[2], active[2];
        uint64_t in[2];
    } want[7] = {
        {1, T0 + IV, {0, 1}, {0, 0}, {0, 5}},     {2, T0 + IV, {0, 1}, {0, 1}, {0, 7}},
        {3, T0 + IV, {0, 1}, {0, 0}, {0, 1}},     {2, T0 + 2 * IV, {1, 1}, {1, 1}, {7, 7}},
        {1, T0 + 3 * IV, {1, 1}, {0, 0}, {5, 8}}, {2, T0 + 3 * IV, {1, 1}, {1, 1}, {7, 7}},
        {2, T0 + 4 * IV, {1, 1}, {1, 0}, {7, 7}},
    };
    CHECK_EQ_INT(k.n, 7);
    for (int i = 0; i < k.n && i < 7; i++) {
        const struct rec *r = &k.r[i];
        CHECK_EQ_INT(r->client, want[i].client);
        CHECK_EQ_INT(r->end_us, want[i].end);
        CHECK_EQ_INT(r->start_us, want[i].end - IV);
        CHECK_EQ_INT(r->start.conns, want[i].conns[0]);
        CHECK_EQ_INT(r->end.conns, want[i].conns[1]);
        CHECK_EQ_INT(r->start.active_conns, want[i].active[0]);
        CHECK_EQ_INT(r->end.active_conns, want[i].active[1]);
        CHECK_EQ_INT(r->start.bytes_in, want[i].in[0]);
        CHECK_EQ_INT(r->end.bytes_in, want[i].in[1]);
        CHECK(!r->early);
    }
    zert_sessions_free(t);

    /* a held session released while quiet, then the cap: freed by the scan, no record, and
     * no early flush counted (nothing was written) */
    k.n = 0;
    t = zert_sessions_new(&sensor, 2, sink_write, &k);
    zert_sessions_begin(t, T0);
    s1 = join(t, 1, 40000, 5, T0 + 1 * SEC);
    CHECK(s1 != NULL);
    if (!s1)
        return;
    leave_away(s1);
    zert_sessions_interval(t, T0 + IV);
    CHECK_CAP(t, 1, 0, 0, 0, 1);
    s1->away--;
    CHECK(join(t, 2, 40000, 1, T0 + IV + 1 * SEC) != NULL);
    CHECK(join(t, 3, 40000, 1, T0 + IV + 2 * SEC) != NULL); /* the cap: s1 idle and quiet */
    CHECK_CAP(t, 2, 0, 0, 0, 1);
    CHECK_STATS(t, 3, 1, 2, 2, 1);
    zert_sessions_free(t);
}

int
main(void)
{
    test_key();
    test_lifecycle();
    test_aggregation();
    test_empty_intervals();
    test_cap_idle();
    test_cap_mixed();
    test_cap_all_active();
    test_cap_rescan();
    test_away();
    return check_report();
}
