/* zert.c - the zERT model: connections, detail events, security sessions and intervals. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../emit/zert_why.h"
#include "../conf/conf.h"
#include "../dissectors/ipsec.h"
#include "../emit/zert_record.h"
#include "../flowtable/flow.h"
#include "app.h"
#include "decode.h"
#include "peer.h"
#include "zert.h"
#include "zert_session.h"

/*
 * The rules (shared/spec/ee-zert-ipsec.md §B, smf119-zert.md §6), as applied here;
 * docs/zert-model.md explains each choice:
 * - A connection is an established TCP flow (handshake completed or data seen), or an
 *   Enterprise Extender connection: the UDP flows the EE dissector claimed between one IP
 *   pair (a peer, sensor/peer.c), seen from its local side(s).
 * - Its protection is decided by its first application bytes (app.c's verdict): a handshake
 *   that completes, clear text, a failed handshake (clear), or unknown when the wire cannot
 *   tell (picked up mid-stream, first bytes lost, handshake cut). Unknown connections get
 *   JSON records with protection null, and are in no SMF record and no security session.
 * - Detail: `init` once a decided TCP connection has lived short_connection seconds (at
 *   once for EE; an undecided one waits for its decision); `short_term` alone for a TCP
 *   connection that ended sooner with no change; `term` at its end; `change` when the
 *   protection changes (STARTTLS upgrade, TLS ended with TCP going on). A connection cut by
 *   the end of the capture gets its `init` and a JSON-only `term` (end_of_capture).
 * - Summary: per interval aligned to the clock, one record per living security session that
 *   had a connection in it (zert_session.c), with cumulative counters; a connection that left
 *   a session by a change holds it until it comes back or ends, so that it counts once there;
 *   `enabled`/`aggregation_enabled` at the first packet and `disabled`/`aggregation_disabled`
 *   at the end say when the sensor watched.
 */

/* Security sessions a connection can be in at once: clear text, or TLS, SSH and IPsec. */
enum { ZS_CLEAR, ZS_TLS, ZS_SSH, ZS_IPSEC, ZS_SLOTS };
static const uint8_t zs_bit[ZS_SLOTS] = {0, ZERT_PROT_TLS, ZERT_PROT_SSH, ZERT_PROT_IPSEC};

/*
 * Sessions a connection remembers joining, to count it once in each. While the connection
 * lives, each one it remembers is alive: it is either in the session (sess[], counted in
 * active) or holds it as away (a protection change took it out and it may come back; counted
 * in away), so the pointers are never stale and their comparison is an identity.
 */
#define ZC_VISITED 8
_Static_assert(ZC_VISITED <= 8, "struct zconn.held has a bit per visited session");

enum zc_state {
    ZC_PENDING, /* protection not decided yet */
    ZC_KNOWN,   /* decided: prot is the protection now */
    ZC_UNKNOWN, /* the wire cannot show it */
};

struct zconn {
    struct zconn *prev, *next;   /* active connections */
    struct zconn *tprev, *tnext; /* waiting for their init time, in order of it */
    const struct flow *flow;     /* a TCP connection: its flow */
    struct peer *peer;           /* a peer connection (EE): its members are flows */
    uint64_t conn_id;
    uint64_t init_at; /* when init is due (first packet + short_connection; EE: at once) */
    uint8_t local;    /* index of the local side in addr[] / pkts[] of the flow or peer */
    uint8_t ip_proto;
    uint8_t state; /* enum zc_state */
    uint8_t prot;  /* protection now (ZERT_PROT_*) when ZC_KNOWN */
    enum zert_role role;
    bool init_done, changed, ah_seen, ah_applied, timed, cut;
    bool local_guessed; /* no local_networks: the responder was taken as the local side */
    uint32_t epoch;     /* the app verdict last acted on */
    const char *why;    /* no protection, or unknown: why (static text) */
    const char *seen;   /* unknown: the protocol the bytes suggested */
    struct zsession *sess[ZS_SLOTS];
    struct zsession *visited[ZC_VISITED]; /* sessions joined (counted once each) */
    bool vpartial[ZC_VISITED];            /* ... and counted as partial there */
    uint8_t nvisited;
    uint8_t held; /* bit i: left visited[i] by a change, and holds it (its away count) */
    uint64_t acct_bytes[2], acct_segs[2]; /* counters already given to sessions */
};

/* Per flow: one connection per local side (both sides may be local), or a peer membership. */
struct zflow {
    struct zconn c[2];
    uint8_t n;
    struct peer *peer;
    unsigned slot;
};

/* What records read of a connection: its flow's counters or its peer's. */
struct zsrc {
    uint8_t family;
    const uint8_t (*addr)[16];
    const uint16_t *port;
    const uint64_t *payload, *pkts;
    uint64_t first_ts, last_ts;
    uint8_t end_reason;
};

struct zert_layer {
    const struct conf *conf;
    struct zert_sink sink;
    struct zert_probe probe;
    struct zconn *active;        /* list head */
    struct zconn *thead, *ttail; /* init timers */
    struct zconn *cut;           /* ended by the end of the capture: still active */
    struct zert_sessions *sessions;
    struct peer_table *peers; /* EE connections in progress */
    uint64_t interval_us;
    uint64_t interval_phase_us; /* boundaries at k * interval_us - phase */
    uint64_t next_boundary;     /* UINT64_MAX: none (before traffic, or time ran out) */
    bool started;               /* the first packet was seen (1970-01-01 is a time too) */
    uint64_t first_ts, last_ts; /* of the run, for the coverage events */
    uint64_t next_conn_id;
    bool failed;
    struct zert_stats st;
    struct zert_detail rec; /* scratch: records are large */
    struct zert_detail tmp; /* scratch for peer member facts */
};

static void fill_identity(const struct zert_layer *z, struct zert_sensor *s);
static void unhold_all(struct zconn *c);

static int
sink_summary(void *ctx, const struct zert_summary *s)
{
    struct zert_layer *z = ctx;
    if (!z->sink.summary)
        return 0;
    z->st.zert_summaries++;
    return z->sink.summary(z->sink.ctx, s);
}

/* The sink's slot for the next summary record (the sessions table builds it there). */
static struct zert_summary *
summary_place(void *ctx)
{
    struct zert_layer *z = ctx;
    return z->sink.summary_slot(z->sink.ctx);
}

struct zert_layer *
zert_new(const struct conf *conf, const struct zert_sink *sink, const struct zert_probe *probe,
         struct peer_table *peers)
{
    struct zert_layer *z = calloc(1, sizeof(*z));
    if (!z)
        return NULL;
    z->conf = conf;
    z->sink = *sink;
    z->probe = *probe;
    z->interval_us = (uint64_t)conf->interval_s * 1000000;
    z->next_boundary = UINT64_MAX;
    z->next_conn_id = 1;
    z->peers = peers;
    struct zert_sensor id;
    fill_identity(z, &id);
    z->sessions = zert_sessions_new(&id, conf->max_sessions, sink_summary, z);
    if (!z->peers || !z->sessions) {
        zert_free(z);
        return NULL;
    }
    if (z->sink.summary && z->sink.summary_slot)
        zert_sessions_set_slot(z->sessions, summary_place);
    return z;
}

void
zert_free(struct zert_layer *z)
{
    if (!z)
        return;
    for (struct zconn *c = z->active, *n; c; c = n) {
        n = c->next;
        if (c->peer) {
            unhold_all(c); /* before the sessions are freed below */
            free(c); /* a peer's connection is its own allocation; flows' are in struct zflow */
        }
    }
    for (struct zconn *c = z->cut, *n; c; c = n) {
        n = c->next;
        free(c); /* each its own allocation */
    }
    zert_sessions_free(z->sessions);
    free(z);
}

void
zert_get_stats(const struct zert_layer *z, struct zert_stats *s)
{
    struct zert_session_stats ss;
    zert_sessions_get_stats(z->sessions, &ss);
    *s = z->st;
    s->zert_sessions_created = ss.created;
    s->zert_sessions_tls = ss.created_by[ZSK_TLS];
    s->zert_sessions_ssh = ss.created_by[ZSK_SSH];
    s->zert_sessions_ipsec = ss.created_by[ZSK_IPSEC];
    s->zert_sessions_clear = ss.created_by[ZSK_CLEAR];
    s->zert_sessions_ee = ss.created_by[ZSK_EE];
    s->zert_sessions_freed = ss.freed;
    s->zert_sessions_live = ss.live;
    s->zert_sessions_live_tls = ss.live_by[ZSK_TLS];
    s->zert_sessions_live_ssh = ss.live_by[ZSK_SSH];
    s->zert_sessions_live_ipsec = ss.live_by[ZSK_IPSEC];
    s->zert_sessions_live_clear = ss.live_by[ZSK_CLEAR];
    s->zert_sessions_live_ee = ss.live_by[ZSK_EE];
    s->zert_sessions_live_max = ss.live_max;
    s->zert_sessions_early_flushes = ss.early_flushes;
    s->zert_sessions_over_cap = ss.over_cap;
    s->zert_peers_refused = peer_table_refused(z->peers);
}

int
zert_sink_failed(const struct zert_layer *z)
{
    return z->failed || zert_sessions_failed(z->sessions) ? -1 : 0;
}

/* Time arithmetic saturates: a timestamp near 2^64 must not wrap to 1970. */
static uint64_t
t_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t
short_us(const struct zert_layer *z)
{
    return (uint64_t)z->conf->short_conn_s * 1000000;
}

static void
conn_src(const struct zconn *c, struct zsrc *s)
{
    if (c->peer) {
        const struct peer *p = c->peer;
        *s = (struct zsrc){p->family, p->addr,     p->port,    p->payload,
                           p->pkts,   p->first_ts, p->last_ts, p->end_reason};
    } else {
        const struct flow *f = c->flow;
        *s = (struct zsrc){f->key.family, f->addr,     f->port,    f->payload,
                           f->pkts,       f->first_ts, f->last_ts, f->end_reason};
    }
}

/* ---- which flows are connections, and from whose side ---- */

/* Multicast and broadcast addresses are never a monitored host's own. */
static bool
is_group_addr(uint8_t family, const uint8_t *a)
{
    if (family == 6)
        return a[0] == 0xff;
    return (a[0] & 0xf0) == 0xe0 || (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255);
}

/*
 * Bit i set: side i (addr[i]) is a monitored host. `responder` is the index of the side that
 * answered (the TCP server, the receiver of a peer's first datagram): without local_networks
 * it is taken as local (*guessed set).
 */
static unsigned
local_sides(const struct zert_layer *z, uint8_t family, const uint8_t (*addr)[16], int responder,
            bool *guessed)
{
    *guessed = false;
    unsigned m = 0;
    for (int i = 0; z->conf->nnets && i < 2; i++)
        if (conf_is_local(z->conf, family, addr[i]))
            m |= 1u << i;
    if (!m && (!z->conf->nnets || z->conf->report_routed)) {
        if (is_group_addr(family, addr[responder]))
            responder ^= 1;
        if (is_group_addr(family, addr[responder]))
            return 0;
        m = 1u << responder;
        *guessed = true;
    }
    return m;
}

static unsigned
flow_local_sides(const struct zert_layer *z, const struct flow *f, bool *guessed)
{
    int responder = f->key.proto == IPPROTO_NUM_TCP ? flow_server_dir(f) : 1;
    return local_sides(z, f->key.family, f->addr, responder, guessed);
}

/*
 * zERT records established connections only (smf119-zert.md §6.2): the SYN's sender
 * acknowledged the SYN-ACK, or data flowed. A refused or scanned port is no connection.
 */
static bool
tcp_established(const struct flow *f)
{
    if (f->payload[0] || f->payload[1])
        return true;
    return (f->flags & FLOW_F_SYNACK) && f->tcp[f->client_dir].ack_seen &&
           !f->tcp[f->client_dir].rst_seen;
}

/* ---- records ---- */

static void
put_endpoint(struct zert_endpoint *e, const struct zsrc *s, int side)
{
    e->family = s->family;
    memcpy(e->ip, s->addr[side], 16);
    e->port = s->port[side];
}

static void
fill_identity(const struct zert_layer *z, struct zert_sensor *s)
{
    zert_str_set(s->system, sizeof(s->system), z->conf->system, NULL);
    zert_str_set(s->sysplex, sizeof(s->sysplex), z->conf->sysplex, NULL);
    zert_str_set(s->stack, sizeof(s->stack), z->conf->stack, NULL);
}

/* One member flow's EE facts, oriented as the peer, merged into out. */
static void
peer_member_facts(struct zert_layer *z, const struct peer *p, unsigned slot, struct zert_ee *out)
{
    memset(&z->tmp, 0, sizeof(z->tmp));
    if (z->probe.fill)
        z->probe.fill(p->members[slot], &z->tmp);
    peer_merge_ee(out, &z->tmp.ee, p->swapped[slot]);
}

/* The EE block of a peer connection: members that ended, then the live ones. */
static void
peer_fill(struct zert_layer *z, const struct peer *p, struct zert_detail *r)
{
    struct zert_ee all = p->ended;
    for (unsigned i = 0; i < PEER_MEMBERS; i++)
        if (p->members[i])
            peer_member_facts(z, p, i, &all);
    r->ee = all;
}

/*
 * A record describes only the security sessions protecting the connection at its event: the
 * blocks of other protocols (a TLS attempt that failed, a session that ended) are dropped.
 */
static void
keep_protected_blocks(struct zert_detail *r, uint8_t prot)
{
    if (!(prot & ZERT_PROT_TLS))
        memset(&r->tls, 0, sizeof(r->tls));
    if (!(prot & ZERT_PROT_SSH))
        memset(&r->ssh, 0, sizeof(r->ssh));
    if (!(prot & ZERT_PROT_IPSEC))
        memset(&r->ipsec, 0, sizeof(r->ipsec));
}

/* A detail record of connection c as it stands now. */
static struct zert_detail *
build_detail_in(struct zert_layer *z, struct zert_detail *r, const struct zconn *c,
                enum zert_detail_event ev, uint64_t when)
{
    struct zsrc f;
    conn_src(c, &f);
    int l = c->local, rm = l ^ 1;
    memset(r, 0, sizeof(*r));
    r->event = ev;
    r->time_us = when;
    fill_identity(z, &r->sensor);
    r->ip_proto = c->ip_proto;
    put_endpoint(&r->local, &f, l);
    put_endpoint(&r->remote, &f, rm);
    r->role = c->role;
    r->conn_id = c->conn_id;
    r->start_us = f.first_ts;
    if (ev == ZERT_EV_TERM || ev == ZERT_EV_SHORT_TERM) {
        r->end_us = f.last_ts;
        ZERT_STR_SET(r, r->end_reason, flow_end_reason_name((enum flow_end_reason)f.end_reason));
    }
    r->bytes_in = f.payload[rm];
    r->bytes_out = f.payload[l];
    r->segs_in = f.pkts[rm];
    r->segs_out = f.pkts[l];
    const struct conf_job *j = conf_job_for_port(z->conf, f.port[l]);
    if (j) {
        ZERT_STR_SET(r, r->job, j->job);
        ZERT_STR_SET(r, r->user, j->user);
    }
    if (c->peer && c->peer->kind == PEER_IPSEC) {
        /* an IPsec pair: the IKE SA's attributes; records of it are extensions (JSON only) */
        struct ipsec_pair_view v;
        if (z->probe.pair_view)
            z->probe.pair_view(z->probe.ctx, c->peer, &v, r);
        r->ip_proto = v.ip_proto;
        r->json_only = true;
    } else if (c->peer) {
        peer_fill(z, c->peer, r);
    } else if (z->probe.fill) {
        z->probe.fill(c->flow, r);
    }
    /* AH authenticates this connection's packets: the IPsec attributes of its hosts' pair */
    if (c->ah_seen && !c->peer && z->probe.ipsec_between)
        z->probe.ipsec_between(z->probe.ctx, f.family, f.addr[0], f.addr[1], r);
    r->local_guessed = c->local_guessed;
    if (c->state == ZC_KNOWN) {
        r->protection = c->prot;
        keep_protected_blocks(r, c->prot);
    } else {
        /*
         * pending (only while a session is being chosen) or unknown: no session protects it.
         * An unknown connection keeps the section of the protocol its bytes showed (`seen`):
         * the facts the wire gave (a client certificate after a lost server flight, say),
         * in a JSON-only record whose protection stays null.
         */
        r->prot_unknown = c->state == ZC_UNKNOWN;
        r->json_only |= r->prot_unknown;
        uint8_t seen = 0;
        if (c->state == ZC_UNKNOWN && c->seen)
            seen = !strcmp(c->seen, "tls")   ? ZERT_PROT_TLS
                   : !strcmp(c->seen, "ssh") ? ZERT_PROT_SSH
                                             : 0;
        keep_protected_blocks(r, seen);
    }
    /* what the flow layer knows about the limits of the observation */
    r->obs.present = true;
    if (!r->obs.source[0])
        ZERT_STR_SET(r, r->obs.source, "observation");
    if (c->why && !(c->state == ZC_KNOWN && c->prot))
        ZERT_STR_SET(r, r->obs.why, c->why);
    if (c->state == ZC_UNKNOWN && c->seen)
        ZERT_STR_SET(r, r->obs.seen, c->seen);
    if (c->ip_proto == IPPROTO_NUM_TCP) {
        const struct flow *tf = c->flow;
        bool mid = (tf->flags & FLOW_F_MIDSTREAM) != 0;
        r->obs.midstream = zert_tri_from_bool(mid);
        zert_num_set(&r->obs.gaps, tf->tcp[0].gap_bytes + tf->tcp[1].gap_bytes);
        if (mid)
            r->obs.handshake_first = ZERT_TRI_FALSE;
    }
    return r;
}

static struct zert_detail *
build_detail(struct zert_layer *z, const struct zconn *c, enum zert_detail_event ev, uint64_t when)
{
    return build_detail_in(z, &z->rec, c, ev, when);
}

/* Where the next detail record is built: the sink's slot, or the layer's own. */
static struct zert_detail *
detail_place(struct zert_layer *z)
{
    struct zert_detail *r = z->sink.detail_slot ? z->sink.detail_slot(z->sink.ctx) : NULL;
    return r ? r : &z->rec;
}

static void
write_detail(struct zert_layer *z, const struct zconn *c, enum zert_detail_event ev, uint64_t when)
{
    if (!z->sink.detail)
        return;
    struct zert_detail *r = build_detail_in(z, detail_place(z), c, ev, when);
    if (c->cut && ev == ZERT_EV_TERM)
        r->json_only = true; /* the connection did not end: the capture did */
    if (z->sink.detail(z->sink.ctx, r) != 0)
        z->failed = true;
    z->st.zert_details++;
}

/* ---- security sessions ---- */

/* Bytes and segments since the last accounting go to the connection's sessions. O(1). */
static void
account(struct zconn *c)
{
    if (c->state == ZC_PENDING)
        return; /* held until the connection joins its first session */
    struct zsrc f;
    conn_src(c, &f);
    int l = c->local, rm = l ^ 1;
    for (int i = 0; i < ZS_SLOTS; i++) {
        struct zsession *s = c->sess[i];
        if (!s)
            continue;
        s->cum.bytes_in += f.payload[rm] - c->acct_bytes[rm];
        s->cum.bytes_out += f.payload[l] - c->acct_bytes[l];
        s->cum.segs_in += f.pkts[rm] - c->acct_segs[rm];
        s->cum.segs_out += f.pkts[l] - c->acct_segs[l];
    }
    for (int d = 0; d < 2; d++) {
        c->acct_bytes[d] = f.payload[d];
        c->acct_segs[d] = f.pkts[d];
    }
}

/* c no longer holds visited[i] (it came back, ended, or forgot it): the session may be freed. */
static void
unhold(struct zconn *c, uint8_t i)
{
    if (!(c->held & (1u << i)))
        return;
    c->held &= (uint8_t) ~(1u << i);
    c->visited[i]->away--;
}

/* c ends: every session it left by a change may be freed (at the next scan). */
static void
unhold_all(struct zconn *c)
{
    for (uint8_t i = 0; i < c->nvisited; i++)
        unhold(c, i);
}

/*
 * Count c in session s: once as a connection, and once as partial when `partial` (its
 * protection changed during its life). A connection that changes more often than
 * ZC_VISITED sessions can remember is counted again: counted in --stats, never lost.
 * Returns the index of s in c->visited.
 */
static uint8_t
count_in(struct zert_layer *z, struct zconn *c, struct zsession *s, bool conn, bool partial)
{
    uint8_t i = 0;
    while (i < c->nvisited && c->visited[i] != s)
        i++;
    if (i == c->nvisited) {
        if (i == ZC_VISITED) {
            z->st.zert_visits_forgotten++;
            i = ZC_VISITED - 1;
            unhold(c, i);
        } else {
            c->nvisited++;
        }
        c->visited[i] = s;
        c->vpartial[i] = false;
        if (conn)
            s->cum.conns++;
    }
    if (partial && !c->vpartial[i]) {
        c->vpartial[i] = true;
        s->cum.partial_conns++;
    }
    return i;
}

/*
 * Connection c joins the sessions of protection `prot` (one per protocol bit, or the
 * clear-text one). It counts once in each session it ever joins, and as partial there when
 * its protection changed during its life (`partial`) or it is in a session again: a session
 * it left by a change is still there (it held it), and it comes back to it.
 */
static void
join(struct zert_layer *z, struct zconn *c, uint8_t prot, bool partial, uint64_t when)
{
    /* the session is chosen from the facts of the protection it is for (c->prot == prot) */
    struct zert_detail *r = build_detail(z, c, ZERT_EV_NONE, when);
    uint16_t ee_lo = z->conf->ee_base_port;
    for (int i = 0; i < ZS_SLOTS; i++) {
        if (i == ZS_CLEAR ? prot != 0 : !(prot & zs_bit[i]))
            continue;
        bool ee = c->peer && c->peer->kind == PEER_EE;
        struct zsession *s = zert_session_get(z->sessions, r, zs_bit[i], ee, ee_lo, when);
        c->sess[i] = s;
        if (!s)
            continue;
        unhold(c, count_in(z, c, s, true, partial));
        s->active++;
    }
}

/*
 * c leaves every session it is in (its bytes so far stay there). `partial`: by a protection
 * change, the connection going on: it holds each session it leaves (away) until it comes
 * back or ends, so that coming back it finds the same session and is not counted again.
 */
static void
leave(struct zert_layer *z, struct zconn *c, bool partial)
{
    account(c);
    for (int i = 0; i < ZS_SLOTS; i++) {
        struct zsession *s = c->sess[i];
        if (!s)
            continue;
        if (partial) {
            uint8_t v = count_in(z, c, s, false, true); /* its protection changed while in s */
            if (!(c->held & (1u << v))) {
                c->held |= (uint8_t)(1u << v);
                s->away++;
            }
        }
        s->active--;
        c->sess[i] = NULL;
    }
}

/* ---- init timers: connections waiting for their init time, oldest first ---- */

static void
timer_add(struct zert_layer *z, struct zconn *c)
{
    c->timed = true;
    c->tnext = NULL;
    c->tprev = z->ttail;
    if (z->ttail)
        z->ttail->tnext = c;
    else
        z->thead = c;
    z->ttail = c;
}

static void
timer_remove(struct zert_layer *z, struct zconn *c)
{
    if (!c->timed)
        return;
    if (c->tprev)
        c->tprev->tnext = c->tnext;
    else
        z->thead = c->tnext;
    if (c->tnext)
        c->tnext->tprev = c->tprev;
    else
        z->ttail = c->tprev;
    c->tprev = c->tnext = NULL;
    c->timed = false;
}

/* ---- decisions and events ---- */

static void
write_init(struct zert_layer *z, struct zconn *c, uint64_t when)
{
    timer_remove(z, c);
    write_detail(z, c, ZERT_EV_INIT, when);
    c->init_done = true;
}

/* The protection the verdict shows now, for a decided connection. */
static uint8_t
verdict_prot(const struct zconn *c, const struct app_verdict *v)
{
    uint8_t prot = c->ah_seen ? ZERT_PROT_IPSEC : 0;
    if (v && v->state == APP_PROT_ESTABLISHED && !v->ended)
        prot |= v->prot;
    return prot;
}

static const char *
seen_name(uint8_t prot)
{
    return prot & ZERT_PROT_TLS ? "tls" : prot & ZERT_PROT_SSH ? "ssh" : NULL;
}

/* The connection's protection can no longer be known. */
static void
set_unknown(struct zert_layer *z, struct zconn *c, const char *why, const struct app_verdict *v)
{
    c->state = ZC_UNKNOWN;
    c->why = why;
    c->seen = v ? seen_name(v->prot) : NULL;
    z->st.zert_conns_unknown++;
    z->st.zert_conns_live_unknown++;
    account(c); /* its bytes are in no session */
}

/* The initial protection, from the first application bytes (docs/zert-model.md). */
static void
decide(struct zert_layer *z, struct zconn *c, const struct app_verdict *v, uint64_t now, bool final)
{
    if (c->peer && c->peer->kind == PEER_IPSEC) {
        /* a pair protects once ESP or AH crossed it; one that never carried them did not */
        const struct ipsec_pair_state *ps = c->peer->ipsec;
        bool protected_traffic = ps->n_esp || ps->n_ah;
        if (!protected_traffic && !final)
            return;
        c->state = ZC_KNOWN;
        c->prot = protected_traffic ? ZERT_PROT_IPSEC : 0;
        c->why = ZERT_WHY_NO_ESP_AH;
        join(z, c, c->prot, false, now);
        return;
    }
    if (c->peer) {
        /* EE in clear: only IPsec could protect it, and ESP would hide it */
        c->state = ZC_KNOWN;
        c->prot = c->ah_seen ? ZERT_PROT_IPSEC : 0;
        c->ah_applied = c->ah_seen;
        c->why = ZERT_WHY_NOT_TLS_SSH_IPSEC;
        join(z, c, c->prot, false, now);
        return;
    }
    if (c->flow->flags & FLOW_F_MIDSTREAM) {
        set_unknown(z, c, ZERT_WHY_MIDSTREAM,
                    v); /* its start, and so its protection, was not seen */
        return;
    }
    uint8_t st = v ? v->state : APP_PROT_PENDING;
    if (final && st == APP_PROT_PENDING && (c->flow->payload[0] || c->flow->payload[1]))
        st = APP_PROT_UNKNOWN; /* data flowed, and no dissector could say what it was */
    switch (st) {
    case APP_PROT_PENDING:
        if (!final)
            return;
        c->why = ZERT_WHY_NO_DATA; /* no application data at all: nothing was protected */
        break;
    case APP_PROT_HANDSHAKE:
        if (!final)
            return;
        set_unknown(z, c, ZERT_WHY_INCOMPLETE, v);
        return;
    case APP_PROT_UNKNOWN:
        set_unknown(z, c, v && v->why ? v->why : ZERT_WHY_UNKNOWN, v);
        return;
    case APP_PROT_FAILED:
        c->why = ZERT_WHY_HANDSHAKE_FAILED;
        break;
    case APP_PROT_CLEAR:
        c->why = v->why ? v->why : ZERT_WHY_NO_HANDSHAKE;
        break;
    case APP_PROT_ESTABLISHED:
        c->why = ZERT_WHY_NO_HANDSHAKE; /* shown only while clear text came first */
        break;
    }
    c->state = ZC_KNOWN;
    c->ah_applied = c->ah_seen;
    /* clear text came first (STARTTLS): the initial state is clear, the upgrade a change */
    if (st == APP_PROT_ESTABLISHED && v->clear_first)
        c->prot = c->ah_seen ? ZERT_PROT_IPSEC : 0;
    else
        c->prot = verdict_prot(c, v);
    join(z, c, c->prot, false, now);
}

/*
 * Act on what the application layer says now (at time `now`; `final`: the connection ends):
 * decide the initial protection, then write changes. O(1) when nothing changed.
 */
static void
evaluate(struct zert_layer *z, struct zconn *c, uint64_t now, bool final)
{
    const struct app_verdict *v = c->flow && z->probe.verdict ? z->probe.verdict(c->flow) : NULL;
    bool fresh = (v && v->epoch != c->epoch) || c->ah_seen != c->ah_applied || final;
    if (v)
        c->epoch = v->epoch;
    if (c->state == ZC_PENDING) {
        decide(z, c, v, now, final);
    } else if (c->state == ZC_KNOWN && !c->peer && fresh) {
        c->ah_applied = c->ah_seen;
        uint8_t prot = verdict_prot(c, v);
        if (prot != c->prot) {
            /* a change is only a change after the initial state: write the init first */
            if (!c->init_done)
                write_init(z, c, now < c->init_at ? now : c->init_at);
            leave(z, c, true);
            c->prot = prot;
            join(z, c, prot, true, now);
            c->changed = true;
            write_detail(z, c, ZERT_EV_CHANGE, now);
        }
    }
    /* init is due once decided and old enough; a late decision writes it at once */
    if (!final && !c->init_done && c->state != ZC_PENDING && now >= c->init_at)
        write_init(z, c, c->timed ? c->init_at : now);
}

static void
conn_link(struct zert_layer *z, struct zconn *c)
{
    c->prev = NULL;
    c->next = z->active;
    if (z->active)
        z->active->prev = c;
    z->active = c;
}

static void
conn_unlink(struct zert_layer *z, struct zconn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        z->active = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
}

static void
conn_start(struct zert_layer *z, struct zconn *c, uint64_t first_ts, bool peer)
{
    c->conn_id = z->next_conn_id++;
    c->init_at = peer ? first_ts : t_add(first_ts, short_us(z));
    z->st.zert_conns++;
    conn_link(z, c);
    if (!peer)
        timer_add(z, c);
}

static void peer_end(struct zert_layer *z, struct peer *p, uint64_t now);

/* The EE connection of flow f's IP pair (a peer), made with its first flow. */
static struct peer *
ee_peer_get(struct zert_layer *z, struct flow *f)
{
    struct peer *p = peer_find(z->peers, PEER_EE, f);
    if (p)
        return p;
    bool guessed;
    unsigned m = flow_local_sides(z, f, &guessed);
    if (!m)
        return NULL;
    struct zconn *c = calloc(1, sizeof(*c));
    p = c ? peer_create(z->peers, PEER_EE, f) : NULL;
    if (!p) {
        free(c);
        return NULL;
    }
    c->peer = p;
    c->local = (m & 1) ? 0 : 1; /* both local: reported from the first packet's sender */
    c->local_guessed = guessed;
    c->ip_proto = IPPROTO_NUM_UDP;
    c->role = ZERT_ROLE_PEER;
    conn_start(z, c, f->first_ts, true);
    p->user = c;
    return p;
}

static struct zflow *
zflow_get(struct zert_layer *z, struct flow *f)
{
    if (f->zert)
        return f->zert;
    bool tcp = f->key.proto == IPPROTO_NUM_TCP;
    struct peer *p = NULL;
    unsigned slot = 0;
    bool guessed;
    if (!tcp) {
        /* UDP is a connection only when it is Enterprise Extender: the EE dissector claimed it */
        if (!z->probe.peer_kind || z->probe.peer_kind(f) != PEER_EE)
            return NULL;
        p = ee_peer_get(z, f);
        if (!p || !peer_attach(z->peers, p, f, &slot))
            return NULL; /* more concurrent port flows than EE has ports: counted */
    } else if (!tcp_established(f) || !flow_local_sides(z, f, &guessed)) {
        return NULL;
    }
    struct zflow *zf = calloc(1, sizeof(*zf));
    if (!zf) {
        if (p && peer_leave(p, slot))
            peer_end(z, p, f->last_ts);
        return NULL;
    }
    f->zert = zf;
    if (p) {
        zf->peer = p;
        zf->slot = slot;
        return zf;
    }
    unsigned m = flow_local_sides(z, f, &guessed);
    for (int side = 0; side < 2; side++) {
        if (!(m & (1u << side)))
            continue;
        struct zconn *c = &zf->c[zf->n++];
        c->flow = f;
        c->local = (uint8_t)side;
        c->local_guessed = guessed;
        c->ip_proto = f->key.proto;
        c->role = side == flow_server_dir(f) ? ZERT_ROLE_SERVER : ZERT_ROLE_CLIENT;
        conn_start(z, c, f->first_ts, false);
    }
    return zf;
}

/* The start of the interval that holds ts: boundaries fall at k * interval - phase. */
static uint64_t
interval_start(const struct zert_layer *z, uint64_t ts)
{
    uint64_t r = (ts % z->interval_us + z->interval_phase_us) % z->interval_us;
    return r <= ts ? ts - r : 0;
}

void
zert_set_interval_phase(struct zert_layer *z, uint64_t phase_us)
{
    z->interval_phase_us = z->interval_us ? phase_us % z->interval_us : 0;
}

/* zERT's coverage events at `ts`: the detail one (enabled/disabled), then the summary one. */
static void
coverage_events(struct zert_layer *z, uint64_t ts, enum zert_detail_event dev,
                enum zert_summary_event sev)
{
    if (z->sink.detail) {
        struct zert_detail *r = detail_place(z);
        memset(r, 0, sizeof(*r));
        r->event = dev;
        r->time_us = ts;
        fill_identity(z, &r->sensor);
        if (z->sink.detail(z->sink.ctx, r) != 0)
            z->failed = true;
        z->st.zert_details++;
    }
    struct zert_summary m;
    memset(&m, 0, sizeof(m));
    m.event = sev;
    m.time_us = m.interval_start_us = m.interval_end_us = ts;
    fill_identity(z, &m.sensor);
    if (sink_summary(z, &m) != 0)
        z->failed = true;
}

/* The first packet of the run: the interval clock starts, and the coverage events. */
static void
start_run(struct zert_layer *z, uint64_t ts)
{
    z->started = true;
    z->first_ts = z->last_ts = ts;
    uint64_t start = z->interval_us ? interval_start(z, ts) : ts;
    zert_sessions_begin(z->sessions, start);
    z->next_boundary = z->interval_us ? t_add(start, z->interval_us) : UINT64_MAX;
    coverage_events(z, ts, ZERT_EV_ENABLED, ZERT_SEV_AGGR_ENABLED);
}

void
zert_packet(struct zert_layer *z, struct flow *f, const struct packet *p)
{
    if (!z->started)
        start_run(z, p->ts_us);
    if (p->ts_us > z->last_ts)
        z->last_ts = p->ts_us;
    struct zflow *zf = zflow_get(z, f);
    if (!zf)
        return;
    if (zf->peer) {
        struct zconn *c = zf->peer->user;
        peer_update(zf->peer, zf->slot);
        evaluate(z, c, p->ts_us, false);
        account(c);
        return;
    }
    for (int i = 0; i < zf->n; i++) {
        struct zconn *c = &zf->c[i];
        if (p->has_ah)
            c->ah_seen = true;
        /* roles may settle after the first packet (SYN-ACK seen later) */
        if (!c->init_done && c->state == ZC_PENDING)
            c->role = c->local == flow_server_dir(f) ? ZERT_ROLE_SERVER : ZERT_ROLE_CLIENT;
        evaluate(z, c, p->ts_us, false);
        account(c);
    }
}

/* Write init (if due and not written) and term for c, which ends at `now`. */
static void
conn_end(struct zert_layer *z, struct zconn *c, uint64_t now)
{
    struct zsrc f;
    conn_src(c, &f);
    evaluate(z, c, now, true);
    timer_remove(z, c);
    bool tcp = c->ip_proto == IPPROTO_NUM_TCP;
    c->cut = f.end_reason == FLOW_END_END_OF_CAPTURE;
    uint64_t life = f.last_ts - f.first_ts;
    bool is_short = tcp && !c->cut && !c->init_done && !c->changed && life < short_us(z);
    if (is_short) {
        for (int i = 0; i < ZS_SLOTS; i++)
            if (c->sess[i])
                c->sess[i]->cum.short_conns++;
        write_detail(z, c, ZERT_EV_SHORT_TERM, now);
    } else {
        if (!c->init_done)
            write_init(z, c, now < c->init_at ? now : c->init_at);
        write_detail(z, c, ZERT_EV_TERM, now);
    }
    conn_unlink(z, c);
    if (c->state == ZC_UNKNOWN && !c->cut)
        z->st.zert_conns_live_unknown--; /* a cut one stays, as its sessions would */
    if (c->cut) {
        /* still active as far as the wire shows: counted so in the final summaries */
        account(c);
        z->st.zert_conns_cut_by_end++;
    } else {
        leave(z, c, false);
    }
    unhold_all(c); /* it will not come back to the sessions it left */
}

/* A peer ended (EE: its last member flow; IPsec: idle or end of input): so does its connection.
 * The caller frees the peer. */
static void
peer_conn_end(struct zert_layer *z, struct peer *p, uint64_t now)
{
    struct zconn *c = p->user;
    conn_end(z, c, now < p->last_ts ? p->last_ts : now);
    p->user = NULL;
    if (c->cut) {
        /* keep the connection (its sessions count it as active) until zert_finish */
        c->next = z->cut;
        z->cut = c;
        c->peer = NULL;
        c->flow = NULL;
    } else {
        free(c);
    }
}

static void
peer_end(struct zert_layer *z, struct peer *p, uint64_t now)
{
    peer_conn_end(z, p, now);
    peer_remove(z->peers, p);
}

void
zert_flow_end(struct zert_layer *z, struct flow *f, uint64_t now)
{
    struct zflow *zf = f->zert;
    if (!zf) {
        bool guessed;
        if (f->key.proto == IPPROTO_NUM_TCP && !tcp_established(f) &&
            flow_local_sides(z, f, &guessed))
            z->st.zert_conns_not_established++;
        return;
    }
    if (now < f->last_ts)
        now = f->last_ts;
    if (zf->peer) {
        struct peer *p = zf->peer;
        peer_member_facts(z, p, zf->slot, &p->ended); /* the member's facts outlive it */
        if (peer_leave(p, zf->slot))
            peer_end(z, p, now);
    }
    bool keep = false;
    for (int i = 0; i < zf->n; i++) {
        conn_end(z, &zf->c[i], now);
        keep |= zf->c[i].cut;
    }
    f->zert = NULL;
    if (!keep) {
        free(zf);
        return;
    }
    /* connections cut by the end of the capture stay in their sessions until zert_finish */
    for (int i = 0; i < zf->n; i++) {
        struct zconn *c = malloc(sizeof(*c));
        if (!c) {
            leave(z, &zf->c[i], false);
            continue;
        }
        *c = zf->c[i];
        c->flow = NULL;
        c->next = z->cut;
        z->cut = c;
    }
    free(zf);
}

/* The connection of an IPsec pair, made with its first packet. */
void
zert_pair_packet(struct zert_layer *z, struct peer *p, uint64_t ts)
{
    if (!z->started)
        start_run(z, ts);
    if (ts > z->last_ts)
        z->last_ts = ts;
    struct zconn *c = p->user;
    if (!c) {
        if (p->user_refused)
            return;
        bool guessed;
        /* the responder: the receiver of the pair's first packet (the IKE responder, usually) */
        unsigned m = local_sides(z, p->family, p->addr, 1, &guessed);
        c = m ? calloc(1, sizeof(*c)) : NULL;
        if (!c) {
            p->user_refused = true; /* routed traffic, or no memory: no connection */
            return;
        }
        c->peer = p;
        c->local = (m & 1) ? 0 : 1;
        c->local_guessed = guessed;
        c->ip_proto = IPPROTO_NUM_UDP; /* build_detail reads the pair's own (50, 51 or 17) */
        c->role = ZERT_ROLE_PEER;
        /* like TCP, its init waits short_connection seconds: the IKE SA is known by then */
        conn_start(z, c, p->first_ts, false);
        p->user = c;
    }
    evaluate(z, c, ts, false);
    account(c);
}

void
zert_pair_end(struct zert_layer *z, struct peer *p, uint64_t now)
{
    if (p->user)
        peer_conn_end(z, p, now);
}

/* ---- time ---- */

uint64_t
zert_next_deadline(const struct zert_layer *z)
{
    uint64_t t = z->next_boundary;
    if (z->thead && z->thead->init_at < t)
        t = z->thead->init_at;
    return t;
}

/* The interval ending at `b` is over: its records, then the next boundary. */
static void
boundary(struct zert_layer *z, uint64_t b, uint64_t now)
{
    zert_sessions_interval(z->sessions, b);
    uint64_t next = t_add(b, z->interval_us);
    if (!z->active && zert_sessions_empty(z->sessions) && now >= next) {
        /* nothing lives: skip to the interval of `now` (a jump of time costs nothing) */
        uint64_t start = interval_start(z, now);
        z->st.zert_time_jumps++;
        zert_sessions_begin(z->sessions, start);
        next = t_add(start, z->interval_us);
    }
    z->next_boundary = next == b ? UINT64_MAX : next;
}

void
zert_tick(struct zert_layer *z, uint64_t t, uint64_t now)
{
    /* due init records, oldest first: each costs what it writes */
    while (z->thead && z->thead->init_at <= t) {
        struct zconn *c = z->thead;
        timer_remove(z, c);
        c->timed = true; /* evaluate writes the init at its due time */
        evaluate(z, c, c->init_at, false);
        c->timed = false;
    }
    if (z->next_boundary <= t)
        boundary(z, z->next_boundary, now);
}

void
zert_finish(struct zert_layer *z, uint64_t now)
{
    if (!z->started)
        return;
    if (now < z->last_ts)
        now = z->last_ts;
    for (struct zconn *c = z->active; c; c = c->next)
        account(c);
    zert_sessions_interval(z->sessions, now);
    /* connections cut by the end of the capture leave their sessions now */
    for (struct zconn *c = z->cut, *n; c; c = n) {
        n = c->next;
        for (int i = 0; i < ZS_SLOTS; i++)
            if (c->sess[i])
                c->sess[i]->active--;
        free(c);
    }
    z->cut = NULL;
    coverage_events(z, now, ZERT_EV_DISABLED, ZERT_SEV_AGGR_DISABLED);
}
