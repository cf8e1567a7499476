/* zert.c - the zERT model: connections, security sessions, detail events and interval summaries. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../conf/conf.h"
#include "../emit/zert_record.h"
#include "../flowtable/flow.h"
#include "decode.h"
#include "peer.h"
#include "zert.h"

/*
 * The rules (shared/spec/ee-zert-ipsec.md §B, smf119-zert.md §6), as applied
 * here; docs/zert-model.md explains each choice:
 * - A connection is a TCP flow, or an Enterprise Extender connection: the UDP
 *   flows the EE dissector claimed between one IP pair (a peer, sensor/peer.c),
 *   seen from its local side(s).
 * - Detail: `init` once a TCP connection has lived short_connection seconds
 *   (at once for EE); `short_term` alone for a TCP connection that ended sooner
 *   with no protection change; `term` at its end; `change` when the
 *   protection changes (STARTTLS upgrade, TLS ended with TCP going on).
 * - A connection joins a security session when its protection is decided:
 *   a handshake completed, or clear text by the time of init, a boundary or
 *   the end. A change moves it to another session (partial in both).
 * - Summary: per interval aligned to the clock of packet time, one record per
 *   session that had a connection during it, with cumulative start/end counters.
 */

#define ZERT_MAX_SESSIONS 65536
#define SESSION_BUCKETS   4096

struct zsession {
    struct zsession *hnext;     /* hash chain */
    struct zsession *next;      /* all sessions, in creation order */
    char key[512];              /* the whole aggregation key (tmpl.session_key may be cut) */
    struct zert_summary tmpl;   /* identity and significant attributes */
    struct zert_counters cum;   /* cumulative now */
    struct zert_counters start; /* at the start of the current interval */
    uint32_t active;
    bool touched; /* had a connection during the current interval */
};

struct zconn {
    struct zconn *prev, *next; /* active connections */
    const struct flow *flow;   /* a TCP connection: its flow */
    struct peer *peer;         /* a peer connection (EE): its members are flows */
    uint64_t conn_id;
    uint8_t local; /* index of the local side in addr[] / pkts[] of the flow or peer */
    enum zert_role role;
    uint8_t ip_proto;
    bool decided; /* joined a session */
    bool init_done;
    bool changed;
    uint8_t prot; /* protection now (ZERT_PROT_*) */
    bool ah_seen; /* AH authenticated this connection's packets: IPsec */
    struct zsession *sess;
    uint64_t acct_bytes[2], acct_segs[2];
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

struct zert_layer {
    const struct conf *conf;
    struct zert_sink sink;
    struct zert_probe probe;
    struct zconn *active; /* list head */
    struct zsession *buckets[SESSION_BUCKETS];
    struct zsession *sessions, *sessions_tail;
    uint32_t nsessions;
    uint64_t sessions_overflow;
    uint64_t interval_us;
    uint64_t interval_start; /* start of the current interval; 0 before traffic */
    uint64_t next_conn_id;
    uint64_t details, summaries;
    bool failed;
    struct peer_table *peers; /* EE connections in progress */
    struct zert_detail rec;   /* scratch: records are large */
    struct zert_detail tmp;   /* scratch for EE member facts */
};

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
    z->next_conn_id = 1;
    z->peers = peers;
    return z;
}

void
zert_free(struct zert_layer *z)
{
    if (!z)
        return;
    for (struct zsession *s = z->sessions, *n; s; s = n) {
        n = s->next;
        free(s);
    }
    for (struct zconn *c = z->active, *n; c; c = n) {
        n = c->next;
        if (c->peer)
            free(c); /* a peer's connection is its own allocation; flows' are in struct zflow */
    }
    free(z);
}

uint64_t
zert_details_written(const struct zert_layer *z)
{
    return z->details;
}

uint64_t
zert_summaries_written(const struct zert_layer *z)
{
    return z->summaries;
}

int
zert_sink_failed(const struct zert_layer *z)
{
    return z->failed ? -1 : 0;
}

uint64_t
zert_next_boundary(const struct zert_layer *z)
{
    return z->interval_start ? z->interval_start + z->interval_us : UINT64_MAX;
}

static void peer_end(struct zert_layer *z, struct peer *p, uint64_t now);

/* ---- which flows are connections, and from whose side ---- */

/* Bit i set: side i (f->addr[i]) is a monitored host. */
static unsigned
local_sides(const struct zert_layer *z, const struct flow *f)
{
    /* the responder: the TCP server, or for UDP the side that received the first datagram */
    unsigned responder = 1u << (f->key.proto == IPPROTO_NUM_TCP ? flow_server_dir(f) : 1);
    if (z->conf->nnets == 0)
        return responder;
    unsigned m = 0;
    for (int i = 0; i < 2; i++)
        if (conf_is_local(z->conf, f->key.family, f->addr[i]))
            m |= 1u << i;
    if (!m && z->conf->report_routed)
        m = responder;
    return m;
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

/* A detail record of connection c as it stands now. */
static struct zert_detail *
build_detail(struct zert_layer *z, const struct zconn *c, enum zert_detail_event ev, uint64_t when)
{
    struct zert_detail *r = &z->rec;
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
    if (c->peer)
        peer_fill(z, c->peer, r);
    else if (z->probe.fill)
        z->probe.fill(c->flow, r);
    r->protection = c->prot;
    /* what the flow layer knows about the limits of the observation */
    r->obs.present = true;
    if (!r->obs.source[0])
        ZERT_STR_SET(r, r->obs.source, "observation");
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

static void
write_detail(struct zert_layer *z, const struct zconn *c, enum zert_detail_event ev, uint64_t when)
{
    if (!z->sink.detail)
        return;
    struct zert_detail *r = build_detail(z, c, ev, when);
    if (z->sink.detail(z->sink.ctx, r) != 0)
        z->failed = true;
    z->details++;
}

/* ---- security sessions ---- */

static uint32_t
key_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static const char *
proto_word(uint8_t prot)
{
    return prot & ZERT_PROT_TLS     ? "tls"
           : prot & ZERT_PROT_SSH   ? "ssh"
           : prot & ZERT_PROT_IPSEC ? "ipsec"
                                    : "none";
}

/*
 * The aggregation key in text: endpoints, role, job and the significant
 * attributes (those that change protection strength); informational ones
 * (session ids, SPIs, times) are left out, as zERT does.
 */
static void
session_key(const struct zert_detail *r, uint8_t prot, char *out, size_t len)
{
    char sip[64], cip[64], attrs[400] = "";
    const struct zert_endpoint *srv = r->role == ZERT_ROLE_CLIENT ? &r->remote : &r->local;
    const struct zert_endpoint *cli = r->role == ZERT_ROLE_CLIENT ? &r->local : &r->remote;
    decode_addr_str(srv->family, srv->ip, sip, sizeof(sip));
    decode_addr_str(cli->family, cli->ip, cip, sizeof(cip));
    if ((prot & ZERT_PROT_TLS) && r->tls.present)
        snprintf(attrs, sizeof(attrs),
                 "v=%04" PRIx64 ",cs=%04" PRIx64 ",g=%" PRIu64 ",cert=%s%" PRIu64,
                 r->tls.version_code.v, r->tls.cipher_suite.v, r->tls.group.v,
                 r->tls.server_cert.key_type, r->tls.server_cert.key_bits.v);
    else if ((prot & ZERT_PROT_SSH) && r->ssh.present)
        snprintf(attrs, sizeof(attrs), "v=%s,kex=%s,hk=%s,enc=%s/%s,mac=%s/%s", r->ssh.version,
                 r->ssh.kex, r->ssh.hostkey, r->ssh.enc_c2s, r->ssh.enc_s2c, r->ssh.mac_c2s,
                 r->ssh.mac_s2c);
    else if ((prot & ZERT_PROT_IPSEC) && r->ipsec.present)
        snprintf(attrs, sizeof(attrs), "ike=%s,encr=%s/%" PRIu64 ",prf=%s,integ=%s,dh=%" PRIu64,
                 r->ipsec.ike_version, r->ipsec.encr, r->ipsec.key_bits.v, r->ipsec.prf,
                 r->ipsec.integ, r->ipsec.dh_group.v);
    const char *tr = r->ip_proto == IPPROTO_NUM_UDP   ? "udp"
                     : r->ip_proto == IPPROTO_NUM_ESP ? "esp"
                     : r->ip_proto == IPPROTO_NUM_AH  ? "ah"
                                                      : "tcp";
    snprintf(out, len, "%s|%s|%s:%u|%s|%s|%s|%s", tr,
             r->role == ZERT_ROLE_CLIENT ? "client"
             : r->role == ZERT_ROLE_PEER ? "peer"
                                         : "server",
             sip, srv->port, cip, r->job, proto_word(prot), attrs);
}

static struct zsession *
session_get(struct zert_layer *z, const struct zert_detail *r, uint8_t prot)
{
    char key[sizeof(((struct zsession *)0)->key)];
    session_key(r, prot, key, sizeof(key));
    uint32_t b = key_hash(key) % SESSION_BUCKETS;
    for (struct zsession *s = z->buckets[b]; s; s = s->hnext)
        if (strcmp(s->key, key) == 0)
            return s;
    if (z->nsessions >= ZERT_MAX_SESSIONS) {
        z->sessions_overflow++;
        return NULL;
    }
    struct zsession *s = calloc(1, sizeof(*s));
    if (!s) {
        z->sessions_overflow++;
        return NULL;
    }
    struct zert_summary *t = &s->tmpl;
    snprintf(s->key, sizeof(s->key), "%s", key);
    zert_str_set(t->session_key, sizeof(t->session_key), key, &t->truncated);
    fill_identity(z, &t->sensor);
    t->ip_proto = r->ip_proto;
    t->role = r->role;
    bool client = r->role == ZERT_ROLE_CLIENT;
    t->server = client ? r->remote : r->local;
    t->client = client ? r->local : r->remote;
    t->client.port = 0;
    t->server_port_end = t->server.port;
    t->protocol = prot & ZERT_PROT_TLS     ? ZERT_PROT_TLS
                  : prot & ZERT_PROT_SSH   ? ZERT_PROT_SSH
                  : prot & ZERT_PROT_IPSEC ? ZERT_PROT_IPSEC
                                           : 0;
    if (r->ip_proto == IPPROTO_NUM_UDP) {
        /* Enterprise Extender: the whole port range base .. base+4 (spec §A.5) */
        t->server.port = z->conf->ee_base_port;
        t->server_port_end = (uint16_t)(z->conf->ee_base_port + 4);
    }
    zert_str_set(t->job, sizeof(t->job), r->job, &t->truncated);
    zert_str_set(t->user, sizeof(t->user), r->user, &t->truncated);
    if (t->protocol == ZERT_PROT_TLS)
        t->tls = r->tls;
    else if (t->protocol == ZERT_PROT_SSH)
        t->ssh = r->ssh;
    else if (t->protocol == ZERT_PROT_IPSEC)
        t->ipsec = r->ipsec;
    s->hnext = z->buckets[b];
    z->buckets[b] = s;
    if (z->sessions_tail)
        z->sessions_tail->next = s;
    else
        z->sessions = s;
    z->sessions_tail = s;
    z->nsessions++;
    return s;
}

/* Bytes and segments since the last accounting go to the connection's session. */
static void
account(struct zconn *c)
{
    struct zsrc f;
    conn_src(c, &f);
    int l = c->local, rm = l ^ 1;
    if (c->sess) {
        c->sess->cum.bytes_in += f.payload[rm] - c->acct_bytes[rm];
        c->sess->cum.bytes_out += f.payload[l] - c->acct_bytes[l];
        c->sess->cum.segs_in += f.pkts[rm] - c->acct_segs[rm];
        c->sess->cum.segs_out += f.pkts[l] - c->acct_segs[l];
    }
    for (int d = 0; d < 2; d++) {
        c->acct_bytes[d] = f.payload[d];
        c->acct_segs[d] = f.pkts[d];
    }
}

static void
join(struct zert_layer *z, struct zconn *c, uint8_t prot, bool partial, uint64_t when)
{
    struct zert_detail *r = build_detail(z, c, ZERT_EV_NONE, when);
    c->prot = prot;
    r->protection = prot;
    c->sess = session_get(z, r, prot);
    c->decided = true;
    if (!c->sess)
        return;
    c->sess->cum.conns++;
    if (partial || (c->flow && (c->flow->flags & FLOW_F_MIDSTREAM)))
        c->sess->cum.partial_conns++;
    c->sess->active++;
    c->sess->cum.active_conns = c->sess->active;
    c->sess->touched = true;
}

static void
leave(struct zconn *c, bool partial)
{
    account(c);
    if (!c->sess)
        return;
    if (partial)
        c->sess->cum.partial_conns++;
    c->sess->active--;
    c->sess->cum.active_conns = c->sess->active;
    c->sess = NULL;
}

/* Decide, init and change, at packet time `now`. */
static void
evaluate(struct zert_layer *z, struct zconn *c, uint64_t now, bool final)
{
    bool clear_first = false, ended_early = false;
    /* a peer connection (EE) is in clear: only IPsec could protect it, and ESP would hide it */
    uint8_t prot = z->probe.protection && c->flow
                       ? z->probe.protection(c->flow, &clear_first, &ended_early)
                       : 0;
    uint64_t first_ts = c->flow ? c->flow->first_ts : c->peer->first_ts;
    if (c->ah_seen)
        prot |= ZERT_PROT_IPSEC;
    /* the session ended and clear data followed: the connection is clear text from then */
    if (ended_early)
        prot &= ZERT_PROT_IPSEC;
    uint64_t init_at = first_ts + (uint64_t)z->conf->short_conn_s * 1000000;
    bool is_tcp = c->ip_proto == IPPROTO_NUM_TCP;
    if (!c->decided) {
        if (prot && clear_first) {
            join(z, c, 0, false, now); /* clear text came first: the upgrade is a change */
        } else if (prot) {
            join(z, c, prot, false, now);
        } else if (final || !is_tcp || now >= init_at) {
            join(z, c, 0, false, now);
        }
    }
    if (c->decided && prot != c->prot && (prot || c->prot)) {
        /* a change is only a change after the initial state: write the init first */
        if (!c->init_done) {
            write_detail(z, c, ZERT_EV_INIT, now < init_at || !is_tcp ? now : init_at);
            c->init_done = true;
        }
        leave(c, true);
        join(z, c, prot, true, now);
        c->changed = true;
        write_detail(z, c, ZERT_EV_CHANGE, now);
    }
    if (!c->init_done && !final && (!is_tcp || now >= init_at)) {
        write_detail(z, c, ZERT_EV_INIT, is_tcp ? init_at : first_ts);
        c->init_done = true;
    }
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

/* The EE connection of flow f's IP pair (a peer), made with its first flow. */
static struct peer *
ee_peer_get(struct zert_layer *z, struct flow *f)
{
    struct peer *p = peer_find(z->peers, PEER_EE, f);
    if (p)
        return p;
    unsigned m = local_sides(z, f);
    if (!m)
        return NULL;
    struct zconn *c = calloc(1, sizeof(*c));
    p = c ? peer_create(z->peers, PEER_EE, f) : NULL;
    if (!p) {
        free(c);
        return NULL;
    }
    c->peer = p;
    c->conn_id = z->next_conn_id++;
    c->local = (m & 1) ? 0 : 1; /* both local: reported from the first packet's sender */
    c->ip_proto = IPPROTO_NUM_UDP;
    c->role = ZERT_ROLE_PEER;
    conn_link(z, c);
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
    if (!tcp) {
        /* UDP is a connection only when it is Enterprise Extender: the EE dissector claimed it */
        if (!z->probe.peer_kind || z->probe.peer_kind(f) != PEER_EE)
            return NULL;
        p = ee_peer_get(z, f);
        if (!p || !peer_attach(z->peers, p, f, &slot))
            return NULL; /* more concurrent port flows than EE has ports: counted */
    } else if (!local_sides(z, f)) {
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
    unsigned m = local_sides(z, f);
    for (int side = 0; side < 2; side++) {
        if (!(m & (1u << side)))
            continue;
        struct zconn *c = &zf->c[zf->n++];
        c->flow = f;
        c->conn_id = z->next_conn_id++;
        c->local = (uint8_t)side;
        c->ip_proto = f->key.proto;
        c->role = side == flow_server_dir(f) ? ZERT_ROLE_SERVER : ZERT_ROLE_CLIENT;
        conn_link(z, c);
    }
    return zf;
}

void
zert_packet(struct zert_layer *z, struct flow *f, const struct packet *p)
{
    if (!z->interval_start && z->interval_us)
        z->interval_start = p->ts_us - p->ts_us % z->interval_us;
    struct zflow *zf = zflow_get(z, f);
    if (!zf)
        return;
    if (zf->peer) {
        peer_update(zf->peer, zf->slot);
        evaluate(z, zf->peer->user, p->ts_us, false);
        return;
    }
    for (int i = 0; i < zf->n; i++) {
        struct zconn *c = &zf->c[i];
        if (p->has_ah)
            c->ah_seen = true;
        /* roles may settle after the first packet (SYN-ACK seen later) */
        if (c->ip_proto == IPPROTO_NUM_TCP && !c->init_done && !c->decided)
            c->role = c->local == flow_server_dir(f) ? ZERT_ROLE_SERVER : ZERT_ROLE_CLIENT;
        evaluate(z, c, p->ts_us, false);
    }
}

/* Write init (if due and not written) and term for c, which ends at `now`. */
static void
conn_end(struct zert_layer *z, struct zconn *c, uint64_t now)
{
    struct zsrc f;
    conn_src(c, &f);
    evaluate(z, c, now, true);
    bool tcp = c->ip_proto == IPPROTO_NUM_TCP;
    uint64_t life = f.last_ts - f.first_ts;
    bool is_short =
        tcp && !c->init_done && !c->changed && life < (uint64_t)z->conf->short_conn_s * 1000000;
    if (is_short) {
        if (c->sess)
            c->sess->cum.short_conns++;
        write_detail(z, c, ZERT_EV_SHORT_TERM, now);
    } else {
        if (!c->init_done) {
            uint64_t init_at =
                tcp ? f.first_ts + (uint64_t)z->conf->short_conn_s * 1000000 : f.first_ts;
            write_detail(z, c, ZERT_EV_INIT, init_at);
            c->init_done = true;
        }
        write_detail(z, c, ZERT_EV_TERM, now);
    }
    leave(c, false);
    conn_unlink(z, c);
}

/* A peer's last member ended: so does its connection. */
static void
peer_end(struct zert_layer *z, struct peer *p, uint64_t now)
{
    struct zconn *c = p->user;
    conn_end(z, c, now < p->last_ts ? p->last_ts : now);
    free(c);
    peer_remove(z->peers, p);
}

void
zert_flow_end(struct zert_layer *z, struct flow *f, uint64_t now)
{
    struct zflow *zf = f->zert;
    if (!zf)
        return;
    if (now < f->last_ts)
        now = f->last_ts;
    if (zf->peer) {
        struct peer *p = zf->peer;
        peer_member_facts(z, p, zf->slot, &p->ended); /* the member's facts outlive it */
        if (peer_leave(p, zf->slot))
            peer_end(z, p, now);
    }
    for (int i = 0; i < zf->n; i++)
        conn_end(z, &zf->c[i], now);
    free(zf);
    f->zert = NULL;
}

void
zert_peer_pair(struct zert_layer *z, const struct zert_detail *facts, uint8_t family,
               const uint8_t *addr[2], int responder, uint64_t first_ts, uint64_t last_ts,
               const uint64_t bytes[2], const uint64_t pkts[2])
{
    unsigned m = 0;
    for (int i = 0; i < 2; i++)
        if (z->conf->nnets && conf_is_local(z->conf, family, addr[i]))
            m |= 1u << i;
    if (!m && (!z->conf->nnets || z->conf->report_routed))
        m = 1u << (responder >= 0 ? responder : 1);
    for (int side = 0; side < 2; side++) {
        if (!(m & (1u << side)))
            continue;
        struct zert_detail *r = &z->rec;
        *r = *facts;
        fill_identity(z, &r->sensor);
        r->local.family = r->remote.family = family;
        memcpy(r->local.ip, addr[side], 16);
        memcpy(r->remote.ip, addr[side ^ 1], 16);
        r->role = ZERT_ROLE_PEER;
        r->conn_id = z->next_conn_id++;
        r->start_us = first_ts;
        r->bytes_out = bytes[side];
        r->bytes_in = bytes[side ^ 1];
        r->segs_out = pkts[side];
        r->segs_in = pkts[side ^ 1];
        r->obs.present = true;
        ZERT_STR_SET(r, r->obs.source, "observation");
        struct zsession *s = session_get(z, r, r->protection);
        if (s) {
            s->cum.conns++;
            s->cum.bytes_in += r->bytes_in;
            s->cum.bytes_out += r->bytes_out;
            s->cum.segs_in += r->segs_in;
            s->cum.segs_out += r->segs_out;
            s->touched = true;
        }
        if (!z->sink.detail)
            continue;
        r->event = ZERT_EV_INIT;
        r->time_us = first_ts;
        int rc = z->sink.detail(z->sink.ctx, r);
        r->event = ZERT_EV_TERM;
        r->time_us = last_ts;
        r->end_us = last_ts;
        ZERT_STR_SET(r, r->end_reason, flow_end_reason_name(FLOW_END_END_OF_CAPTURE));
        if (rc != 0 || z->sink.detail(z->sink.ctx, r) != 0)
            z->failed = true;
        z->details += 2;
    }
}

static void
write_summaries(struct zert_layer *z, uint64_t end)
{
    for (struct zsession *s = z->sessions; s; s = s->next) {
        if (!s->touched)
            continue;
        if (z->sink.summary) {
            struct zert_summary out = s->tmpl;
            out.event = ZERT_SEV_INTERVAL;
            out.time_us = end;
            out.interval_start_us = z->interval_start;
            out.interval_end_us = end;
            out.start = s->start;
            out.end = s->cum;
            out.end.active_conns = s->active;
            if (z->sink.summary(z->sink.ctx, &out) != 0)
                z->failed = true;
            z->summaries++;
        }
        s->start = s->cum;
        s->start.active_conns = s->active;
        s->touched = s->active > 0;
    }
}

void
zert_boundary(struct zert_layer *z, uint64_t boundary)
{
    for (struct zconn *c = z->active; c; c = c->next) {
        evaluate(z, c, boundary, false);
        account(c);
    }
    write_summaries(z, boundary);
    z->interval_start = boundary;
}

void
zert_finish(struct zert_layer *z, uint64_t now)
{
    for (struct zconn *c = z->active; c; c = c->next)
        account(c);
    if (z->interval_start && now >= z->interval_start)
        write_summaries(z, now);
}
