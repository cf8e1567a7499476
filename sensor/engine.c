/* engine.c - one packet in: decode, flow lookup, TCP reassembly, and the outputs they feed. */
#include <stdlib.h>
#include <string.h>

#include "../dissectors/ipsec.h"
#include "../conf/conf.h"
#include "../emit/json_writer.h"
#include "../flowtable/tcp_reasm.h"
#include "app.h"
#include "decode.h"
#include "engine.h"
#include "flow_log.h"
#include "ipfrag.h"
#include "ipsec_peers.h"
#include "peer.h"
#include "stats.h"
#include "stream_dump.h"
#include "zert.h"
#include "../emit/zert_record.h"

#define ENGINE_ERRLEN 256

struct engine {
    struct engine_config cfg;
    struct flow_table *flows;
    struct tcp_reasm *reasm;
    struct ipfrag *frag;
    struct stream_dump *dump;
    struct app_layer *app;
    struct zert_layer *zert;
    struct peer_table *peers;  /* peer connections: EE (zERT layer) and IPsec pairs */
    struct ipsec_peers *ipsec; /* ESP/AH/IKE per peer pair (with --observations or -o) */
    uint64_t now_ts;           /* time of the packet being processed */
    uint64_t clock; /* packet time of what is being processed: expiry runs at boundaries too */
    struct json_writer jw;
    struct zert_detail *scratch; /* the flow lines' protection: the dissector's facts */
    char err[ENGINE_ERRLEN];     /* the first output failure */
};

static void
note_error(struct engine *e, const char *what)
{
    if (!e->err[0])
        snprintf(e->err, sizeof(e->err), "%s", what);
}

static void
on_data(void *ctx, struct flow *f, int dir, const uint8_t *data, size_t len)
{
    struct engine *e = ctx;
    if (e->dump)
        stream_dump_data(e->dump, f, dir, data, len);
    if (e->app)
        app_stream_data(e->app, f, dir, data, len, e->now_ts);
}

static void
on_gap(void *ctx, struct flow *f, int dir, uint64_t len)
{
    struct engine *e = ctx;
    if (e->dump)
        stream_dump_gap(e->dump, f, dir, len);
    if (e->app)
        app_stream_gap(e->app, f, dir, len);
}

/* When the end was due: a timeout ends a flow at its deadline, not at the packet that noticed. */
static uint64_t
end_time(const struct engine *e, const struct flow *f)
{
    uint64_t due = e->clock;
    const struct flow_table_config *c = &e->cfg.flows;
    switch (f->end_reason) {
    case FLOW_END_FIN:
    case FLOW_END_RST:
        due = f->last_ts > UINT64_MAX - c->closed_us ? UINT64_MAX : f->last_ts + c->closed_us;
        break;
    case FLOW_END_IDLE: {
        uint64_t to = f->key.proto == IPPROTO_NUM_TCP ? c->tcp_idle_us : c->udp_idle_us;
        due = f->last_ts > UINT64_MAX - to ? UINT64_MAX : f->last_ts + to;
    } break;
    default:
        break;
    }
    return due < e->clock ? due : e->clock;
}

/* Every flow ends here exactly once, whatever the reason. */
static void
on_end(void *ctx, struct flow *f)
{
    struct engine *e = ctx;
    tcp_reasm_finish(e->reasm, f);
    if (e->dump)
        stream_dump_end(e->dump, f);
    if (e->app)
        app_flow_close(e->app, f); /* the dissector finishes before the records are cut */
    if (e->ipsec)
        ipsec_peers_flow_end(e->ipsec, f, app_ike_state(f)); /* its IKE facts join its pair */
    if (e->zert)
        zert_flow_end(e->zert, f, end_time(e, f));
    /* the protection at a glance, while the dissector's state is still there */
    struct flow_prot prot, *pp = NULL;
    if (e->scratch) {
        flow_log_protection(f, e->ipsec, e->scratch, &prot);
        pp = &prot;
        if (e->cfg.tally)
            flow_tally_add(e->cfg.tally, &prot);
    }
    if (e->app && app_flow_end(e->app, f) != 0)
        note_error(e, "writing the --observations output failed");
    if (e->cfg.flows_json && flow_log_json(&e->jw, e->cfg.flows_json, f, pp) != 0)
        note_error(e, "writing the --flows output failed");
    if (e->cfg.flows_text && flow_log_text(e->cfg.flows_text, f, pp) != 0)
        note_error(e, "writing the flow lines failed");
}

/* An IPsec pair ended (idle, or the end of input): its records and its observation line. */
static void
on_pair_end(void *ctx, struct peer *pair, uint64_t now)
{
    struct engine *e = ctx;
    if (e->zert)
        zert_pair_end(e->zert, pair, now);
    if (e->app && e->cfg.observations && app_write_ipsec_pair(e->app, e->ipsec, pair) != 0)
        note_error(e, "writing the --observations output failed");
}

static void
pair_view(void *ctx, const struct peer *pair, struct ipsec_pair_view *v, struct zert_detail *rec)
{
    ipsec_peers_view(ctx, pair, v, rec);
}

static bool
ipsec_between(void *ctx, uint8_t family, const uint8_t a[16], const uint8_t b[16],
              struct zert_detail *rec)
{
    return ctx && ipsec_peers_fill_between(ctx, family, a, b, rec);
}

struct engine *
engine_new(const struct engine_config *cfg, char *err, size_t errlen)
{
    struct engine *e = calloc(1, sizeof(*e));
    if (!e) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    e->cfg = *cfg;
    jw_init(&e->jw);
    struct flow_consumer fc = {.ctx = e, .on_end = on_end};
    struct tcp_reasm_ops ro = {.ctx = e, .on_data = on_data, .on_gap = on_gap};
    e->flows = flow_table_new(&cfg->flows, &fc, err, errlen);
    if (!e->flows)
        goto fail;
    e->reasm = tcp_reasm_new(cfg->reasm_memcap, cfg->reasm_flow_cap, &ro, err, errlen);
    if (!e->reasm)
        goto fail;
    e->frag = ipfrag_new(cfg->frag_slots, cfg->frag_timeout_us);
    if (!e->frag) {
        snprintf(err, errlen, "out of memory for IP fragment reassembly");
        goto fail;
    }
    /* flow lines and the tally say each flow's protection: the dissectors run for them too */
    bool glance = cfg->flows_json || cfg->flows_text || cfg->tally;
    if (glance) {
        e->scratch = malloc(sizeof(*e->scratch));
        if (!e->scratch) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
    }
    if (cfg->observations || cfg->zert_sink || glance) {
        e->app = app_new(cfg->observations, cfg->conf ? cfg->conf->stream_buffer_max : 0);
        if (cfg->conf)
            x509_set_der_max(cfg->conf->tls_certificate_max);
        if (!e->app) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        /* IPsec peer pairs, written at the end of the run (also as zERT records) */
        e->peers = peer_table_new();
        struct ipsec_peers_ops po = {.ctx = e, .on_end = on_pair_end};
        e->ipsec = e->peers ? ipsec_peers_new(e->peers, 0, cfg->flows.udp_idle_us, &po) : NULL;
        if (!e->ipsec) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
    }
    if (cfg->zert_sink) {
        struct zert_probe probe = {
            .ctx = e->ipsec,
            .verdict = app_verdict,
            .fill = app_fill_record,
            .peer_kind = app_peer_kind,
            .pair_view = pair_view,
            .ipsec_between = ipsec_between,
        };
        e->zert = zert_new(cfg->conf, cfg->zert_sink, &probe, e->peers);
        if (!e->zert) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        zert_set_interval_phase(e->zert, cfg->interval_phase_us);
    }
    if (cfg->dump_dir) {
        e->dump = stream_dump_new(cfg->dump_dir, err, errlen);
        if (!e->dump)
            goto fail;
    }
    return e;
fail:
    engine_free(e);
    return NULL;
}

void
engine_tick(struct engine *e, uint64_t now)
{
    if (now < e->clock) {
        flow_table_expire(e->flows, now); /* counts it: the clock never goes back */
        return;
    }
    /*
     * Deadlines in time order with flow expiry: due zERT records and interval boundaries, IPsec
     * pairs gone idle; what ended before a deadline is in it. Each costs what it writes.
     */
    for (;;) {
        uint64_t d = e->zert ? zert_next_deadline(e->zert) : UINT64_MAX;
        uint64_t pd = e->ipsec ? ipsec_peers_next_expiry(e->ipsec) : UINT64_MAX;
        if (pd < d)
            d = pd;
        if (d > now || d == UINT64_MAX)
            break;
        e->clock = d;
        flow_table_expire(e->flows, d);
        if (e->ipsec)
            ipsec_peers_expire(e->ipsec, d);
        if (e->zert)
            zert_tick(e->zert, d, now);
    }
    e->clock = now;
    flow_table_expire(e->flows, now);
}

void
engine_packet(struct engine *e, int dlt, const struct capture_frame *fr)
{
    struct packet p;
    STAT_INC(pkts_read);
    e->now_ts = fr->ts_us;
    STAT_ADD(bytes_read, fr->wire_len);
    engine_tick(e, fr->ts_us);
    enum decode_result dr =
        decode_packet(dlt, fr->data, fr->caplen, fr->wire_len, fr->ts_us, e->frag, &p);
    /* IPsec hook: ESP, AH (also over protocols decode skips), IKE; true: ESP-in-UDP/keepalive */
    struct peer *pair = NULL;
    bool ipsec_only = e->ipsec && (dr == DECODE_OK || (dr == DECODE_SKIP && p.has_ah)) &&
                      ipsec_peers_packet(e->ipsec, &p, &pair);
    if (pair && e->zert)
        zert_pair_packet(e->zert, pair, p.ts_us);
    if (dr != DECODE_OK)
        return;
    int dir;
    struct flow *f = flow_table_lookup(e->flows, &p, &dir);
    if (!f)
        return;
    if (p.proto == IPPROTO_NUM_TCP && (p.tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN &&
        tcp_reasm_closed(f)) {
        /* a new connection on the 5-tuple of a closed one: the old one ends first */
        STAT_INC(flows_reused);
        flow_table_end(e->flows, f, FLOW_END_REUSED);
        f = flow_table_lookup(e->flows, &p, &dir);
        if (!f)
            return;
    }
    flow_table_touch(e->flows, f, dir, &p);
    if (p.proto == IPPROTO_NUM_TCP) {
        if (e->app)
            app_tcp_packet(e->app, f, &p); /* nDPI's second opinion; freed by app_flow_end */
        tcp_reasm_packet(e->reasm, f, dir, &p);
        if (tcp_reasm_closed(f))
            flow_table_mark_closed(e->flows, f);
    } else if (e->app && !ipsec_only) { /* ESP-in-UDP and keepalives are not datagrams */
        app_datagram(e->app, f, dir, &p);
        if (e->ipsec)
            ipsec_peers_flow_seen(e->ipsec, f, app_ike_state(f)); /* an IKE flow joins its pair */
    }
    if (e->zert)
        zert_packet(e->zert, f, &p);
}

void
engine_finish(struct engine *e)
{
    flow_table_flush(e->flows);
    /* IPsec pairs end after their flows: every IKE flow's facts are with its pair by then */
    if (e->ipsec)
        ipsec_peers_flush(e->ipsec, e->clock);
    if (e->zert)
        zert_finish(e->zert, e->clock);
}

void
engine_collect_stats(const struct engine *e, struct stats *s)
{
    struct flow_table_stats fs;
    struct tcp_reasm_stats rs;
    flow_table_get_stats(e->flows, &fs);
    tcp_reasm_get_stats(e->reasm, &rs);
#define ENGINE_STATS_COPY_FLOW(name)  s->name = fs.name;
#define ENGINE_STATS_COPY_REASM(name) s->name = rs.name;
    FLOW_TABLE_COUNTERS(ENGINE_STATS_COPY_FLOW)
    TCP_REASM_COUNTERS(ENGINE_STATS_COPY_REASM)
    s->flows_active = flow_table_active(e->flows); /* gauges: zero once the input has ended */
    s->reasm_bytes_held = tcp_reasm_held(e->reasm);
#undef ENGINE_STATS_COPY_FLOW
#undef ENGINE_STATS_COPY_REASM
    struct x509_cache_stats xs;
    x509_cache_get_stats(&xs);
#define ENGINE_STATS_COPY_X509(name) s->name = xs.name;
    X509_CACHE_COUNTERS(ENGINE_STATS_COPY_X509)
#undef ENGINE_STATS_COPY_X509
    if (e->zert) {
        struct zert_stats zs;
        zert_get_stats(e->zert, &zs);
#define ENGINE_STATS_COPY_ZERT(name) s->name = zs.name;
        ZERT_COUNTERS(ENGINE_STATS_COPY_ZERT)
#undef ENGINE_STATS_COPY_ZERT
    }
}

int
engine_output_error(const struct engine *e, char *err, size_t errlen)
{
    if (e->err[0]) {
        snprintf(err, errlen, "%s", e->err);
        return -1;
    }
    if (e->dump && stream_dump_error(e->dump, err, errlen) != 0)
        return -1;
    if (e->zert && zert_sink_failed(e->zert) != 0) {
        snprintf(err, errlen, "writing zERT records failed");
        return -1;
    }
    return 0;
}

void
engine_free(struct engine *e)
{
    if (!e)
        return;
    flow_table_free(e->flows);
    tcp_reasm_free(e->reasm);
    ipfrag_free(e->frag);
    stream_dump_free(e->dump);
    zert_free(e->zert);
    app_free(e->app);
    ipsec_peers_free(e->ipsec);
    peer_table_free(e->peers);
    jw_fini(&e->jw);
    free(e->scratch);
    free(e);
}
