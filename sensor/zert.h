/* zert.h - the zERT model: connections, detail events, security sessions and intervals. */
#ifndef ZS_ZERT_H
#define ZS_ZERT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct app_verdict;
struct conf;
struct flow;
struct packet;
struct peer_table;
struct zert_detail;
struct zert_summary;
struct zert_layer;

/*
 * Where records go. Either callback may be NULL (the record kind is off, as
 * SMFCONFIG ZERTDETAIL / ZERTSUMMARY switch them). Return -1 on a write error.
 */
struct zert_sink {
    void *ctx;
    int (*detail)(void *ctx, const struct zert_detail *d);
    int (*summary)(void *ctx, const struct zert_summary *s);
    /*
     * Optional: where to build the next record (NULL: in the layer's own memory). The record is
     * then handed over by detail()/summary() with that same pointer, which the sink recognises:
     * a record of several KiB is built where it is written from, not copied there. A slot not
     * handed over is given again by the next call.
     */
    struct zert_detail *(*detail_slot)(void *ctx);
    struct zert_summary *(*summary_slot)(void *ctx);
};

struct ipsec_pair_view;
struct peer;

/* What the zERT layer asks the layers beside it (the application layer, the IPsec pairs). */
struct zert_probe {
    void *ctx; /* for the IPsec calls */
    /* The protection verdict, current after every dissector call (sensor/app.h). */
    const struct app_verdict *(*verdict)(const struct flow *f);
    /* The dissector's facts into a record's protocol blocks. */
    void (*fill)(const struct flow *f, struct zert_detail *rec);
    /* The peer kind (sensor/peer.h: PEER_EE) of a UDP flow, from the dissector that claimed it;
     * 0 when the flow is no part of a peer connection. */
    uint8_t (*peer_kind)(const struct flow *f);
    /* An IPsec pair's facts now: view and IPsec block (sensor/ipsec_peers.h). */
    void (*pair_view)(void *ctx, const struct peer *pair, struct ipsec_pair_view *v,
                      struct zert_detail *rec);
    /* The IPsec block of the pair between two hosts (a connection AH protects); false: none. */
    bool (*ipsec_between)(void *ctx, uint8_t family, const uint8_t a[16], const uint8_t b[16],
                          struct zert_detail *rec);
};

/* EE connections are peers (sensor/peer.h) of kind PEER_EE in `peers`, which the caller owns. */
struct zert_layer *zert_new(const struct conf *conf, const struct zert_sink *sink,
                            const struct zert_probe *probe, struct peer_table *peers);
void zert_free(struct zert_layer *z);
/*
 * Summary boundaries at k * interval - phase instead of whole intervals of the capture's clock:
 * where a mainframe's fall when its clock is ahead of the capture's by `phase_us` (--compare
 * --clock-offset). Before the first packet; 0 (the default) is whole intervals.
 */
void zert_set_interval_phase(struct zert_layer *z, uint64_t phase_us);

/*
 * Time. The engine calls zert_tick with every deadline up to the packet time, in order with
 * flow expiry, so that what ended before a deadline is in it. A deadline is the next interval
 * boundary or the next due `init` record. O(1) to ask; a tick costs what it writes.
 */
uint64_t zert_next_deadline(const struct zert_layer *z);
/*
 * Process deadlines up to `t`. `now` is the newest packet time: after a jump of time, the
 * intervals with nothing in them are skipped (computed, not walked).
 */
void zert_tick(struct zert_layer *z, uint64_t t, uint64_t now);

/* A packet of flow f (after reassembly and dissectors saw it). */
void zert_packet(struct zert_layer *z, struct flow *f, const struct packet *p);
/* Flow f ended at packet time `now` (its dissector state is still there). */
void zert_flow_end(struct zert_layer *z, struct flow *f, uint64_t now);
/*
 * IPsec peer pairs are connections of their own (docs/zert-model.md, IPsec): a packet of the
 * pair (ESP, AH, IKE, NAT-T) at time `ts`, and the pair's end (idle, or the end of input). Their
 * records are JSON-only extensions: IBM's SMF layout has no connection for them.
 */
void zert_pair_packet(struct zert_layer *z, struct peer *pair, uint64_t ts);
void zert_pair_end(struct zert_layer *z, struct peer *pair, uint64_t now);

/* End of input at packet time `now`, after every flow ended: the final records. */
void zert_finish(struct zert_layer *z, uint64_t now);

/*
 * Counters for --stats, by their --stats names: one list for the fields and their copies.
 * The gauges (zert_sessions_live*, zert_conns_live_unknown) say what is alive now: the daemon
 * logs them; at the end of a file run they are what the end of the capture cut (sessions that
 * still held connections at the last interval, unknown connections still open).
 */
#define ZERT_COUNTERS(X)                                                                           \
    X(zert_details)               /* detail records cut */                                         \
    X(zert_summaries)             /* summary records cut */                                        \
    X(zert_conns)                 /* connections (TCP established, EE peers, IPsec pairs) */       \
    X(zert_conns_unknown)         /* protection the wire could not show: JSON records only */      \
    X(zert_conns_cut_by_end)      /* still active when the input ended */                          \
    X(zert_conns_not_established) /* local TCP flows that never became connections */              \
    X(zert_conns_live_unknown)    /* active now and unknown (in no session); see below */          \
    X(zert_sessions_created)                                                                       \
    X(zert_sessions_tls) /* created, by protection: the four add up to zert_sessions_created */    \
    X(zert_sessions_ssh)                                                                           \
    X(zert_sessions_ipsec)                                                                         \
    X(zert_sessions_clear)                                                                         \
    X(zert_sessions_ee) /* ... the Enterprise Extender ones among them (clear or IPsec) */         \
    X(zert_sessions_freed)                                                                         \
    X(zert_sessions_live)     /* alive now: created - freed (a file run: at its end, see below) */ \
    X(zert_sessions_live_tls) /* alive now, by protection, as zert_sessions_tls ... */             \
    X(zert_sessions_live_ssh)                                                                      \
    X(zert_sessions_live_ipsec)                                                                    \
    X(zert_sessions_live_clear)                                                                    \
    X(zert_sessions_live_ee)                                                                       \
    X(zert_sessions_live_max)      /* the most sessions alive at once */                           \
    X(zert_sessions_early_flushes) /* max_sessions reached: idle sessions written early */         \
    X(zert_sessions_over_cap) /* a session made past max_sessions: all had active connections */   \
    X(zert_peers_refused)     /* EE flows beyond PEER_MEMBERS of one IP pair */                    \
    X(zert_time_jumps)        /* empty intervals skipped after a jump of time */                   \
    X(zert_visits_forgotten)  /* a connection changed protection more often than remembered */

struct zert_stats {
#define ZERT_STATS_FIELD(name) uint64_t name;
    ZERT_COUNTERS(ZERT_STATS_FIELD)
#undef ZERT_STATS_FIELD
};
void zert_get_stats(const struct zert_layer *z, struct zert_stats *s);
int zert_sink_failed(const struct zert_layer *z);

#endif
