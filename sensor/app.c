/* app.c - the application layer: picks a dissector per flow and drives it (dissector.h). */
#include <stdlib.h>
#include <string.h>

#include "../emit/zert_why.h"
#include "../dissectors/ee.h"
#include "../dissectors/ike.h"
#include "../dissectors/ipsec.h"
#include "../dissectors/registry.h"
#include "../emit/emit_obs.h"
#include "../emit/zert_record.h"
#include "../flowtable/flow.h"
#include "app.h"
#include "decode.h"
#include "flow_log.h"
#include "ipsec_peers.h"
#include "ndpi_opinion.h"
#include "peer.h"
#include "stats.h"

/* Bytes a stream may show before we stop waiting for a probe to make up its mind. */
#define PROBE_LIMIT 512
/* Client bytes held while waiting for the server's first bytes when no probe knew the client's. */
#define CLIENT_FIRST_LIMIT 8192

struct app_buf {
    uint8_t *p;
    uint32_t len, cap;
    uint32_t need; /* wait until len reaches this before calling again */
    bool detached; /* the dissector said DONE for this direction */
};

/* Per-flow state, owned by the flow (f->app) and freed in app_flow_end. */
struct app_flow {
    const struct stream_dissector *sd;
    const struct datagram_dissector *dd;
    void *st;
    bool decided;  /* a dissector was chosen, or none will be */
    bool bad;      /* the dissector rejected the stream */
    bool overflow; /* buffered bytes passed stream_buffer_max (app_buffer_max) */
    bool closed;   /* the dissector's on_end was called */
    bool probed;   /* a probe claimed the stream (not the fallback by default) */
    uint64_t last_ts;
    struct ndpi_opinion_flow *ndpi_fs; /* nDPI's flow state, only while it classifies */
    struct ndpi_verdict ndpi;          /* nDPI's answer: all that stays */
    struct app_buf buf[2];             /* DIR_C2S, DIR_S2C */
    bool lost_first[2];                /* a direction began with a gap: its first bytes are lost */
    uint64_t seen[2];                  /* bytes offered per direction */
    struct app_verdict verdict;
};

struct app_layer {
    FILE *obs;
    struct json_writer jw;
    struct obs_line *line;     /* the line being written (large: IKE blocks hold every SA) */
    struct ndpi_opinion *ndpi; /* NULL: no second opinion (--no-ndpi, or nDPI failed) */
};

/* stream_buffer_max (app_new): what buf_append keeps per direction */
static uint32_t app_buffer_max = DISSECT_BUFFER_MAX;

struct app_layer *
app_new(FILE *observations, uint32_t buffer_max)
{
    app_buffer_max = buffer_max ? buffer_max : DISSECT_BUFFER_MAX;
    struct app_layer *a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    a->obs = observations;
    jw_init(&a->jw);
    a->line = malloc(sizeof(*a->line));
    if (!a->line) {
        free(a);
        return NULL;
    }
    /* nDPI's answer only appears in observation lines: no cost without them */
    if (observations && ndpi_opinion_is_enabled())
        a->ndpi = ndpi_opinion_new(); /* without it the lines say "ndpi": null */
    return a;
}

void
app_free(struct app_layer *a)
{
    if (!a)
        return;
    jw_fini(&a->jw);
    free(a->line);
    ndpi_opinion_free(a->ndpi);
    free(a);
}

static struct app_flow *
app_flow_get(struct flow *f)
{
    if (!f->app)
        f->app = calloc(1, sizeof(struct app_flow));
    return f->app;
}

static int
role_dir(const struct flow *f, int dir)
{
    return dir == f->client_dir ? DIR_C2S : DIR_S2C;
}

static void
buf_drop(struct app_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = b->need = 0;
}

/* Append, keeping at most app_buffer_max; false when that would be exceeded. */
static bool
buf_append(struct app_buf *b, const uint8_t *data, size_t len)
{
    if ((size_t)b->len + len > app_buffer_max)
        return false;
    if (b->len + len > b->cap) {
        uint32_t cap = b->cap ? b->cap : 2048;
        while (cap < b->len + len)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p)
            return false;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, len);
    b->len += (uint32_t)len;
    return true;
}

static void
buf_consume(struct app_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->p, b->p + n, b->len - n);
    b->len -= (uint32_t)n;
}

/*
 * Hand the dissector what is buffered for one direction (and `data`, when the
 * buffer is empty, without copying it first). Returns the bytes of `data` used.
 */
static void
feed(struct app_flow *af, int rd, const uint8_t *data, size_t len, uint64_t ts)
{
    struct app_buf *b = &af->buf[rd];
    if (af->bad || b->detached)
        return;
    if (b->len == 0 && len) {
        struct dissect_result r = af->sd->on_data(af->st, rd, data, len, ts);
        if (r.consumed > len)
            r.consumed = len;
        switch (r.status) {
        case DISSECT_BAD:
            af->bad = true;
            return;
        case DISSECT_DONE:
            b->detached = true;
            return;
        case DISSECT_NEED:
            b->need = (uint32_t)(len - r.consumed + r.needed);
            break;
        case DISSECT_OK:
            b->need = r.consumed == 0 ? (uint32_t)len + 1 : 0;
            break;
        }
        data += r.consumed;
        len -= r.consumed;
        if (!len)
            return;
    }
    if (len && !buf_append(b, data, len)) {
        af->overflow = true;
        uint64_t lost = (uint64_t)b->len + len;
        buf_drop(b);
        af->sd->on_gap(af->st, rd, lost);
        return;
    }
    while (b->len && b->len >= b->need && !af->bad && !b->detached) {
        struct dissect_result r = af->sd->on_data(af->st, rd, b->p, b->len, ts);
        if (r.consumed > b->len)
            r.consumed = b->len;
        switch (r.status) {
        case DISSECT_BAD:
            af->bad = true;
            buf_drop(&af->buf[0]);
            buf_drop(&af->buf[1]);
            return;
        case DISSECT_DONE:
            b->detached = true;
            buf_drop(b);
            return;
        case DISSECT_NEED:
            buf_consume(b, r.consumed);
            b->need = (uint32_t)(b->len + r.needed);
            break;
        case DISSECT_OK: {
            uint32_t before = b->len;
            buf_consume(b, r.consumed);
            b->need = r.consumed == 0 ? before + 1 : 0;
            break;
        }
        }
        if (r.consumed == 0)
            break;
    }
    if (b->len == 0 && b->cap > 16384)
        buf_drop(b); /* do not keep a large buffer around for an idle stream */
}

/* Choose the stream dissector from what both directions showed so far. */
static void
decide(struct app_flow *af)
{
    bool maybe = false;
    for (size_t i = 0; registry_streams[i] && !af->sd; i++) {
        for (int rd = 0; rd < 2; rd++) {
            const struct app_buf *b = &af->buf[rd];
            if (!b->len)
                continue;
            enum probe_verdict v = registry_streams[i]->probe(b->p, b->len, rd);
            if (v == PROBE_YES) {
                af->sd = registry_streams[i];
                af->probed = true;
                break;
            }
            if (v == PROBE_MAYBE && b->len < PROBE_LIMIT)
                maybe = true;
        }
    }
    if (!af->sd) {
        if (maybe)
            return;
        /*
         * The client spoke first and no probe knows it: wait for the server's first bytes
         * (an HTTP request to an SSH server is answered with an SSH banner), unless the
         * client already sent a lot.
         */
        if (!af->buf[DIR_S2C].len && af->buf[DIR_C2S].len < CLIENT_FIRST_LIMIT)
            return;
        af->sd = registry_stream_fallback;
    }
    af->decided = true;
    if (!af->sd)
        return;
    af->st = af->sd->state_new();
    if (!af->st) {
        af->sd = NULL;
        return;
    }
    /* Replay what was buffered while probing: client side first. */
    for (int rd = 0; rd < 2; rd++) {
        struct app_buf *b = &af->buf[rd];
        b->need = 0;
        feed(af, rd, NULL, 0, af->last_ts);
    }
}

/*
 * The protection verdict from what the dissector saw (docs/zert-model.md): the first
 * application bytes decide between a handshake and clear text; a handshake then ends
 * established, failed, or (when the wire lost part of it) unknown.
 */
static void
verdict_compute(const struct app_flow *af, struct app_verdict *v)
{
    memset(v, 0, sizeof(*v));
    v->state = APP_PROT_PENDING;
    if (!af->decided) {
        if (af->lost_first[DIR_C2S] || af->lost_first[DIR_S2C]) {
            v->state = APP_PROT_UNKNOWN;
            v->why = ZERT_WHY_FIRST_BYTES_LOST;
        }
        return;
    }
    if (!af->sd || !af->st) {
        v->state = af->overflow ? APP_PROT_UNKNOWN : APP_PROT_CLEAR;
        v->why = af->overflow ? ZERT_WHY_BUFFER_LIMIT : ZERT_WHY_NO_HANDSHAKE;
        return;
    }
    v->prot = af->sd->protection;
    struct observation_facts o = {.handshake_first = true};
    if (af->sd->get_observation)
        af->sd->get_observation(af->st, &o);
    if (o.established && !o.failed) {
        v->state = APP_PROT_ESTABLISHED;
        v->clear_first = !af->probed || !o.handshake_first || o.starttls != NULL;
        v->ended = o.clear_after_end;
        return;
    }
    if (!af->probed) {
        /* clear text came first; a handshake after it that did not complete changes nothing */
        v->state = APP_PROT_CLEAR;
        v->why = ZERT_WHY_NO_HANDSHAKE;
        return;
    }
    if (af->lost_first[DIR_C2S] || af->lost_first[DIR_S2C]) {
        v->state = APP_PROT_UNKNOWN;
        /* one side's first bytes were lost after the handshake began on the other (a server
         * flight not captured): the dissector calls it a gap during the handshake */
        v->why = o.incomplete && o.incomplete_why ? ZERT_WHY_INCOMPLETE : ZERT_WHY_FIRST_BYTES_LOST;
    } else if (o.failed && af->closed) {
        /* a dissector's "failed" is its final word: while the stream goes on, a handshake
         * that is not established yet is still under way */
        v->state = APP_PROT_FAILED;
        v->why = ZERT_WHY_HANDSHAKE_FAILED;
    } else if (af->bad) {
        v->state = APP_PROT_UNKNOWN;
        v->why = ZERT_WHY_MALFORMED;
    } else if (af->closed || af->overflow) {
        v->state = APP_PROT_UNKNOWN;
        v->why = ZERT_WHY_INCOMPLETE;
    } else {
        v->state = APP_PROT_HANDSHAKE;
    }
}

static void
verdict_update(struct app_flow *af)
{
    struct app_verdict v;
    verdict_compute(af, &v);
    v.epoch = af->verdict.epoch;
    if (memcmp(&v, &af->verdict, sizeof(v)) != 0) {
        af->verdict = v;
        af->verdict.epoch++;
    }
}

const struct app_verdict *
app_verdict(const struct flow *f)
{
    static const struct app_verdict none = {0, APP_PROT_PENDING, 0, false, false, NULL};
    const struct app_flow *af = f->app;
    return af ? &af->verdict : &none;
}

void
app_stream_data(struct app_layer *a, struct flow *f, int dir, const uint8_t *data, size_t len,
                uint64_t ts_us)
{
    (void)a;
    struct app_flow *af = app_flow_get(f);
    if (!af)
        return;
    af->last_ts = ts_us;
    int rd = role_dir(f, dir);
    af->seen[rd] += len;
    if (!af->decided) {
        if (!buf_append(&af->buf[rd], data, len)) {
            af->decided = true; /* cannot buffer: give up on this flow */
            af->overflow = true;
        } else {
            decide(af);
        }
    } else if (af->sd && af->st) {
        feed(af, rd, data, len, ts_us);
    }
    verdict_update(af);
}

void
app_stream_gap(struct app_layer *a, struct flow *f, int dir, uint64_t len)
{
    (void)a;
    struct app_flow *af = app_flow_get(f);
    if (!af)
        return;
    int rd = role_dir(f, dir);
    struct app_buf *b = &af->buf[rd];
    if (af->seen[rd] == 0)
        af->lost_first[rd] = true;
    af->seen[rd] += len;
    uint64_t lost = len + (af->decided ? b->len : 0);
    if (af->decided)
        buf_drop(b);
    if (af->sd && af->st && !af->bad && !b->detached)
        af->sd->on_gap(af->st, rd, lost);
    verdict_update(af);
}

void
app_datagram(struct app_layer *a, struct flow *f, int dir, const struct packet *p)
{
    (void)a;
    if (!p->payload_len)
        return;
    struct app_flow *af = f->app;
    if (!af) {
        /* the first datagram decides: probe with the ports of this packet */
        const struct datagram_dissector *dd = NULL;
        for (size_t i = 0; registry_datagrams[i] && !dd; i++)
            if (registry_datagrams[i]->probe(p->payload, p->payload_len, p->sport, p->dport) ==
                PROBE_YES)
                dd = registry_datagrams[i];
        if (!dd)
            return;
        af = app_flow_get(f);
        if (!af)
            return;
        af->dd = dd;
        af->decided = true;
        af->st = dd->state_new(p->sport, p->dport);
        if (!af->st)
            return;
    }
    af->last_ts = p->ts_us;
    if (af->dd && af->st)
        af->dd->on_packet(af->st, role_dir(f, dir), p->payload, p->payload_len, p->ts_us);
}

void
app_tcp_packet(struct app_layer *a, struct flow *f, const struct packet *p)
{
    if (!a->ndpi)
        return;
    struct app_flow *af = f->app;
    if (af && af->ndpi.done)
        return;
    /* nDPI starts at the first payload: handshake-only and idle connections cost nothing */
    if (!p->payload_len && (!af || !af->ndpi_fs))
        return;
    af = app_flow_get(f);
    if (af)
        ndpi_opinion_packet(a->ndpi, &af->ndpi_fs, &af->ndpi, p);
}

/*
 * Does nDPI agree with the stream dissector? 1: it names the same protocol (for TLS after a
 * clear-text start, the clear protocol counts too); 0: something else; -1: one side has no
 * opinion (nDPI found nothing, or no dissector claimed the stream or saw its handshake).
 */
static int
ndpi_agrees(const struct app_flow *af, const struct observation_facts *o)
{
    enum ndpi_family theirs = ndpi_opinion_family(&af->ndpi);
    if (theirs == NDPI_FAMILY_NONE || !af->sd || !af->st || af->bad ||
        !(af->probed || o->established))
        return -1;
    switch (af->sd->protection) {
    case ZERT_PROT_TLS:
        return theirs == NDPI_FAMILY_TLS || ndpi_opinion_names_clear(&af->ndpi, o->starttls);
    case ZERT_PROT_SSH:
        return theirs == NDPI_FAMILY_SSH;
    default:
        return -1;
    }
}

_Static_assert(sizeof(((struct obs_line *)0)->ndpi) >= sizeof(((struct ndpi_verdict *)0)->name),
               "the observation line holds nDPI's name uncut");

/* The flow's observation line: the flow, nDPI's opinion, the dissector's block and limits. */
static int
write_observation(struct app_layer *a, const struct flow *f, const struct app_flow *af)
{
    struct obs_line *l = a->line;
    int c = f->client_dir, s = c ^ 1;
    bool tcp = f->key.proto == IPPROTO_NUM_TCP;
    struct observation_facts o = {.handshake_first = true};
    if (af && af->sd && af->st && af->sd->get_observation)
        af->sd->get_observation(af->st, &o);
    obs_line_reset(l);
    l->conn_id = f->id;
    l->ip_proto = tcp ? IPPROTO_NUM_TCP : IPPROTO_NUM_UDP;
    l->ports = flow_log_endpoint(f, c, &l->client);
    flow_log_endpoint(f, s, &l->server);
    l->start_us = f->first_ts;
    l->end_us = f->last_ts;
    l->dissector = af && af->sd ? af->sd->name : af && af->dd ? af->dd->name : NULL;
    l->stream = tcp;
    if (tcp) {
        struct obs_limits *ob = &l->limits;
        int agrees = af ? ndpi_agrees(af, &o) : -1;
        if (af)
            zert_str_set(l->ndpi, sizeof(l->ndpi), af->ndpi.name, NULL);
        l->ndpi_agrees = agrees < 0 ? ZERT_TRI_UNKNOWN : zert_tri_from_bool(agrees);
        ob->established = o.established;
        ob->failed = o.failed;
        ob->handshake_first = o.handshake_first && !(f->flags & FLOW_F_MIDSTREAM);
        ob->starttls = o.starttls;
        ob->midstream = (f->flags & FLOW_F_MIDSTREAM) != 0;
        ob->rehandshake_suspected = o.rehandshake_suspected;
        ob->encrypted_handshake_records = o.encrypted_handshake_records;
        ob->early_close = o.early_close;
        ob->gaps = f->tcp[0].gap_bytes + f->tcp[1].gap_bytes;
        ob->incomplete = o.incomplete || (af && (af->bad || af->overflow));
        ob->incomplete_why = o.incomplete_why     ? o.incomplete_why
                             : af && af->overflow ? "stream buffer limit reached"
                             : af && af->bad      ? "dissector rejected the stream"
                                                  : NULL;
    }
    if (af && af->st) {
        if (af->sd && af->sd->fill_observation)
            af->sd->fill_observation(af->st, &l->proto);
        else if (af->dd && af->dd->fill_observation)
            af->dd->fill_observation(af->st, &l->proto);
    }
    return emit_obs_write_line(&a->jw, a->obs, l);
}

void
app_flow_close(struct app_layer *a, struct flow *f)
{
    (void)a;
    struct app_flow *af = f->app;
    if (!af || !af->st || af->closed)
        return;
    af->closed = true;
    if (af->sd && af->sd->on_end)
        af->sd->on_end(af->st, f->last_ts);
    else if (af->dd && af->dd->on_end)
        af->dd->on_end(af->st, f->last_ts);
    verdict_update(af);
}

uint8_t
app_protection(const struct flow *f, bool *clear_first, bool *ended_early)
{
    const struct app_flow *af = f->app;
    *clear_first = *ended_early = false;
    /* datagram flows protect nothing: EE in clear is unprotected, IKE alone protects no flow */
    if (!af || !af->st || !af->sd || !af->sd->get_observation)
        return 0;
    struct observation_facts o = {.handshake_first = true};
    af->sd->get_observation(af->st, &o);
    if (!o.established || o.failed)
        return 0;
    *clear_first = !o.handshake_first || o.starttls != NULL;
    *ended_early = o.clear_after_end;
    return af->sd->protection;
}

uint8_t
app_peer_kind(const struct flow *f)
{
    const struct app_flow *af = f->app;
    return af && af->dd == &ee_dissector ? PEER_EE : 0;
}

void
app_fill_record(const struct flow *f, struct zert_detail *rec)
{
    const struct app_flow *af = f->app;
    if (!af)
        return;
    /* the buffer limit cut what the flow could show, dissector or not */
    if (af->overflow)
        ZERT_STR_SET(rec, rec->obs.limit, "stream_buffer"); /* stream_buffer_max */
    if (!af->st)
        return;
    if (af->sd && af->sd->fill_record)
        af->sd->fill_record(af->st, rec);
    else if (af->dd && af->dd->fill_record)
        af->dd->fill_record(af->st, rec);
    if (!af->sd || !af->sd->get_observation)
        return;
    struct observation_facts o = {.handshake_first = true};
    af->sd->get_observation(af->st, &o);
    struct zert_observation *ob = &rec->obs;
    ob->present = true;
    ob->handshake_first = zert_tri_from_bool(o.handshake_first);
    if (o.starttls)
        ZERT_STR_SET(rec, ob->starttls, o.starttls);
    ob->rehandshake_suspected = zert_tri_from_bool(o.rehandshake_suspected);
    zert_num_set(&ob->encrypted_handshake_records, o.encrypted_handshake_records);
    ob->early_close = zert_tri_from_bool(o.early_close);
    ob->incomplete = zert_tri_from_bool(o.incomplete || af->bad || af->overflow);
}

int
app_write_ipsec_pair(struct app_layer *a, struct ipsec_peers *ip, const struct peer *pr)
{
    if (!a->obs || !ip)
        return 0;
    struct obs_ipsec_pair *o = malloc(sizeof(*o));
    if (!o)
        return -1;
    ipsec_peers_observe(ip, pr, o);
    int rc = emit_obs_write_pair(&a->jw, a->obs, o);
    free(o);
    return rc;
}

const struct ike_state *
app_ike_state(const struct flow *f)
{
    const struct app_flow *af = f->app;
    return af && af->st && af->dd == &ike_dissector ? af->st : NULL;
}

int
app_flow_end(struct app_layer *a, struct flow *f)
{
    struct app_flow *af = f->app;
    int rc = 0;
    if (af)
        ndpi_opinion_finish(a->ndpi, &af->ndpi_fs, &af->ndpi);
    app_flow_close(a, f);
    bool worth = af && (af->sd || af->dd);
    if (f->key.proto == IPPROTO_NUM_TCP && (f->payload[0] || f->payload[1]))
        worth = true;
    if (a->obs && worth)
        rc = write_observation(a, f, af);
    if (af) {
        if (af->st) {
            if (af->sd)
                af->sd->state_free(af->st);
            else if (af->dd)
                af->dd->state_free(af->st);
        }
        buf_drop(&af->buf[0]);
        buf_drop(&af->buf[1]);
        free(af);
        f->app = NULL;
    }
    return rc;
}
