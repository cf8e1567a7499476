/* ee.c - Enterprise Extender: LLC U-frames, HPR NLPs (NHDR, THDR, optional segments), per flow. */
#include <stdlib.h>
#include <string.h>

#include "../emit/name_tab.h"
#include "../emit/obs_record.h"
#include "../emit/zert_record.h"
#include "ee.h"

/* The one place the EE base port lives; configuration changes it through ee_set_base_port(). */
static uint16_t ee_base = EE_BASE_PORT_DEFAULT;

static const struct name_tab ee_frame_names[] = {
    {EE_FRAME_UI, "ui"},
    {EE_FRAME_XID, "xid"},
    {EE_FRAME_TEST, "test"},
    {EE_FRAME_DISC, "disc"},
    {EE_FRAME_DM, "dm"},
    {EE_FRAME_OTHER, "other"},
    {0, NULL},
};

static const struct name_tab ee_tpf_names[] = {
    {3, "network"}, {2, "high"}, {1, "medium"}, {0, "low"}, {0, NULL},
};

/* LLC control bytes of LDLC's frame subset, P/F bit masked (spec A.2.1). */
static const struct name_tab ee_llc_controls[] = {
    {EE_LLC_UI, "ui"},     {EE_LLC_XID, "xid"}, {EE_LLC_TEST, "test"},
    {EE_LLC_DISC, "disc"}, {EE_LLC_DM, "dm"},   {0, NULL},
};

void
ee_set_base_port(uint16_t base)
{
    if (base <= 65535 - (EE_PORT_COUNT - 1))
        ee_base = base;
}

uint16_t
ee_base_port(void)
{
    return ee_base;
}

bool
ee_port_in_range(uint16_t port)
{
    return port >= ee_base && port - ee_base < EE_PORT_COUNT;
}

static enum ee_frame
ee_classify_control(uint8_t ctl)
{
    switch (ctl & (uint8_t)~EE_LLC_PF) {
    case EE_LLC_UI:
        return EE_FRAME_UI;
    case EE_LLC_XID:
        return EE_FRAME_XID;
    case EE_LLC_TEST:
        return EE_FRAME_TEST;
    case EE_LLC_DISC:
        return EE_FRAME_DISC;
    case EE_LLC_DM:
        return EE_FRAME_DM;
    default:
        return EE_FRAME_OTHER;
    }
}

bool
ee_parse_llc(struct cursor *c, struct ee_llc *out)
{
    memset(out, 0, sizeof(*out));
    out->dsap = cur_get_u8(c);
    out->ssap = cur_get_u8(c);
    out->control = cur_get_u8(c);
    if (!cur_ok(c))
        return false;
    /* U-format: the two low bits of the (1-byte) control field are 11 */
    if ((out->control & 0x03) != 0x03)
        return false;
    out->type = ee_classify_control(out->control);
    return true;
}

bool
ee_is_nlp(uint8_t b0)
{
    uint8_t hi = b0 >> 4;
    return hi >= 0xA && hi <= 0xD;
}

/* Optional segments, each [len in words][type]...; a zero length ends the list as malformed. */
static bool
ee_parse_segments(struct cursor *c, struct ee_nlp *n)
{
    while (cur_left(c)) {
        uint8_t words = 0, type = 0;
        if (!cur_peek_at(c, 0, &words) || words == 0)
            return false;
        struct cursor s = cur_take(c, (size_t)words * 4);
        if (!cur_ok(&s))
            return false;
        cur_skip(&s, 1);
        type = cur_get_u8(&s);
        if (n->nsegs < EE_MAX_SEGS)
            n->seg_types[n->nsegs++] = type;
        switch (type) {
        case EE_SEG_SETUP:
            n->setup_version = cur_get_be16(&s);
            n->setup_flags = cur_get_u8(&s);
            n->has_setup = cur_ok(&s);
            break;
        case EE_SEG_STATUS:
            n->status_flags = cur_get_u8(&s);
            cur_skip(&s, 5); /* ABSP count, status report number, status ack number */
            n->status_rseq = cur_get_be32(&s);
            n->has_status = cur_ok(&s);
            break;
        case EE_SEG_OOB:
            n->oob_bits = cur_get_be16(&s);
            n->has_oob = cur_ok(&s);
            break;
        case EE_SEG_TCID:
            cur_skip(&s, 2);
            n->has_peer_tcid = cur_copy(&s, n->peer_tcid, 8);
            break;
        case EE_SEG_FAULT:
            n->has_fault = true;
            break;
        case EE_SEG_SWITCH:
            n->has_switch = true;
            break;
        case EE_SEG_ARB:
            n->arb_type = cur_get_u8(&s) >> 6;
            n->has_arb = cur_ok(&s);
            break;
        default:
            break;
        }
        if (!cur_ok(&s))
            return false;
    }
    return true;
}

/* The THDR and what follows it (spec A.2.2; Wireshark's dissect_nlp order). */
static bool
ee_parse_thdr(struct cursor *c, struct ee_nlp *n)
{
    struct cursor peek = *c;
    cur_skip(&peek, 10);
    uint16_t words = cur_get_be16(&peek);
    if (!cur_ok(&peek) || words < 5)
        return false;
    struct cursor t = cur_take(c, (size_t)words * 4);
    if (!cur_ok(&t))
        return false;
    cur_copy(&t, n->tcid, 8);
    n->flags8 = cur_get_u8(&t);
    n->flags9 = cur_get_u8(&t);
    n->offset_words = cur_get_be16(&t);
    n->dlf = cur_get_be32(&t);
    n->bsn = cur_get_be32(&t);
    if (!cur_ok(&t))
        return false;
    n->has_thdr = true;
    if ((n->flags9 & 0x18) == EE_THDR_CQFI && cur_left(&t)) {
        uint8_t qlen = cur_get_u8(&t);
        cur_skip(&t, (size_t)qlen + 1);
        if (!cur_ok(&t))
            return false;
    }
    if ((n->flags9 & EE_THDR_OSI) && cur_left(&t) && !ee_parse_segments(&t, n))
        return false;

    size_t rest = cur_left(c);
    n->dlf_mismatch = rest != n->dlf;
    if (rest == 0) {
        n->payload = EE_PL_NONE;
    } else if (!(n->flags8 & EE_THDR_SOMI) && n->dlf) {
        n->payload = EE_PL_FRAGMENT;
    } else {
        uint8_t b0 = 0, b2 = 0, b3 = 0;
        cur_peek_at(c, 0, &b0);
        if (b0 >> 4 == 5) {
            n->payload = EE_PL_FID5;
            cur_skip(c, 4); /* FID/MPF/EFI, reserved, sequence number */
            cur_copy(c, n->session_addr, 8);
            cur_skip(c, 3); /* RH */
            if (!cur_ok(c))
                return false;
        } else if (cur_peek_at(c, 2, &b2) && cur_peek_at(c, 3, &b3) && b2 == 0x12 && b3 == 0xCE) {
            n->payload = EE_PL_ROUTE_SETUP;
            n->gds_type = 0x12CE;
        } else {
            n->payload = EE_PL_OTHER;
        }
    }
    return true;
}

bool
ee_parse_nlp(struct cursor *c, struct ee_nlp *n)
{
    memset(n, 0, sizeof(*n));
    uint8_t b0 = cur_get_u8(c);
    uint8_t b1 = cur_get_u8(c);
    if (!cur_ok(c) || !ee_is_nlp(b0))
        return false;
    n->sm = b0 >> 5;
    n->tpf = (b0 >> 1) & 0x03;
    n->ft = b1 >> 4;
    /* ANR labels or FR address entries up to and including 0xFF, then a reserved byte */
    unsigned labels = 0;
    for (;;) {
        uint8_t x = cur_get_u8(c);
        if (!cur_ok(c))
            return false;
        if (x == 0xFF)
            break;
        labels++;
    }
    n->nlabels = labels > 255 ? 255 : (uint8_t)labels;
    cur_skip(c, 1);
    if (!cur_ok(c))
        return false;
    if (n->sm == EE_SM_FR && n->ft == 1) {
        n->frh = cur_get_u8(c);
        n->has_frh = cur_ok(c);
        return n->has_frh;
    }
    return ee_parse_thdr(c, n);
}

/* --- per-flow state ----------------------------------------------------------------------- */

static void
ee_note_sap(struct ee_state *st, int dir, const struct ee_llc *l)
{
    struct ee_sap_pair p;
    uint8_t src = l->ssap & 0xFE, dst = l->dsap;
    p.c_sap = dir == DIR_C2S ? src : dst;
    p.s_sap = dir == DIR_C2S ? dst : src;
    for (unsigned i = 0; i < st->nsaps; i++)
        if (st->saps[i].c_sap == p.c_sap && st->saps[i].s_sap == p.s_sap)
            return;
    if (st->nsaps < EE_MAX_SAPS)
        st->saps[st->nsaps++] = p;
    else
        st->sap_overflow++;
}

static struct ee_tcid_ent *
ee_tcid_get(struct ee_state *st, int dir, const uint8_t tcid[8], bool create)
{
    for (unsigned i = 0; i < st->ntcids; i++)
        if (st->tcids[i].dir == dir && memcmp(st->tcids[i].tcid, tcid, 8) == 0)
            return &st->tcids[i];
    if (!create)
        return NULL;
    if (st->ntcids >= EE_MAX_TCIDS) {
        st->tcid_overflow++;
        return NULL;
    }
    struct ee_tcid_ent *e = &st->tcids[st->ntcids++];
    memset(e, 0, sizeof(*e));
    memcpy(e->tcid, tcid, 8);
    e->dir = (uint8_t)dir;
    return e;
}

static void
ee_note_session(struct ee_state *st, const uint8_t sa[8])
{
    for (unsigned i = 0; i < st->nsessions; i++)
        if (memcmp(st->sessions[i], sa, 8) == 0)
            return;
    if (st->nsessions < EE_MAX_SESSIONS)
        memcpy(st->sessions[st->nsessions++], sa, 8);
    else
        st->session_overflow++;
}

/* BSN per (direction, TCID): a jump forward is a gap, a step back with data a retransmission. */
static void
ee_track_bsn(struct ee_state *st, struct ee_tcid_ent *e, const struct ee_nlp *n)
{
    uint32_t end = n->bsn + n->dlf;
    if (e->bsn_known) {
        int32_t d = (int32_t)(n->bsn - e->next_bsn);
        if (d > 0)
            st->bsn_gaps++;
        else if (d < 0 && n->dlf)
            st->bsn_retransmits++;
        if ((int32_t)(end - e->next_bsn) > 0)
            e->next_bsn = end;
    } else {
        e->bsn_known = true;
        e->next_bsn = end;
    }
}

static void
ee_note_nlp(struct ee_state *st, int dir, const struct ee_nlp *n)
{
    st->nlp_count++;
    if (n->sm == EE_SM_FR)
        st->fr_count++;
    else
        st->anr_count++;
    st->nlps_by_tpf[n->tpf]++;
    /* TPF should match the priority port (spec A.1); the signalling port carries LDLC only */
    if (st->ports_known) {
        uint16_t p = st->port[dir ^ 1]; /* the receiver's port: the destination port */
        if (ee_port_in_range(p) && p != ee_base && (unsigned)(p - ee_base) != 4u - n->tpf)
            st->tpf_port_mismatch++;
    }
    if (n->has_frh) {
        st->xid_seen = true;
        if (n->frh == EE_FRH_XID_DONE_RQ)
            st->xid_done_rq++;
        else if (n->frh == EE_FRH_XID_DONE_RSP)
            st->xid_done_rsp++;
        return;
    }
    if (!n->has_thdr)
        return;
    st->dlf_by_tpf[n->tpf] += n->dlf;
    if (n->dlf_mismatch)
        st->dlf_mismatch++;
    if (n->has_status) {
        st->status_segs++;
        if (n->status_flags & 0x80)
            st->status_gap_reports++;
        if (n->status_flags & 0x40)
            st->idle_segs++;
    }
    st->arb_segs += n->has_arb;
    st->fault_segs += n->has_fault;
    st->switch_segs += n->has_switch;
    if (n->payload == EE_PL_FID5) {
        st->fid5_count++;
        ee_note_session(st, n->session_addr);
    } else if (n->payload == EE_PL_FRAGMENT) {
        st->fragments++;
    }
    /* Route Setup travels before the RTP connection exists: not a pipe (docs/ee.md) */
    if (n->payload == EE_PL_ROUTE_SETUP && !(n->flags8 & EE_THDR_SETUPI)) {
        st->route_setups++;
        return;
    }
    struct ee_tcid_ent *e = ee_tcid_get(st, dir, n->tcid, true);
    if (!e)
        return;
    e->nlps++;
    e->dlf_bytes += n->dlf;
    if ((n->flags8 & EE_THDR_SETUPI) || n->has_setup)
        e->setup = true;
    if (n->has_oob && (n->oob_bits == EE_OOB_DEACT_REQ || n->oob_bits == EE_OOB_DEACT_OK ||
                       n->oob_bits == EE_OOB_DEACT_REJECT))
        e->teardown = true;
    if (n->has_peer_tcid && !e->has_peer) {
        e->has_peer = true;
        memcpy(e->peer, n->peer_tcid, 8);
    }
    ee_track_bsn(st, e, n);
}

void
ee_state_packet(struct ee_state *st, int dir, const uint8_t *data, size_t len, uint64_t ts_us)
{
    dir = dir == DIR_S2C ? DIR_S2C : DIR_C2S;
    if (!st->first_ts)
        st->first_ts = ts_us;
    st->last_ts = ts_us;
    st->frames_dir[dir]++;
    st->bytes_dir[dir] += len;
    struct cursor c = cur_init(data, len);
    struct ee_llc l;
    if (!ee_parse_llc(&c, &l)) {
        st->malformed++;
        return;
    }
    st->frames[l.type]++;
    ee_note_sap(st, dir, &l);
    switch (l.type) {
    case EE_FRAME_XID: {
        st->xid_seen = true;
        uint8_t b0 = 0;
        if (cur_peek_at(&c, 0, &b0) && b0 >> 4 == 3)
            st->xid3_seen = true;
        break;
    }
    case EE_FRAME_DISC:
        st->disc_seen = true;
        break;
    case EE_FRAME_DM:
        st->dm_seen = true;
        break;
    case EE_FRAME_UI: {
        uint8_t b0 = 0;
        if (!cur_peek_at(&c, 0, &b0) || !ee_is_nlp(b0)) {
            st->ui_not_nlp++;
            break;
        }
        struct ee_nlp n;
        if (ee_parse_nlp(&c, &n))
            ee_note_nlp(st, dir, &n);
        else
            st->malformed++;
        break;
    }
    default:
        break;
    }
}

/* --- pipes: union of (dir, TCID) entries linked by 0x10 segments ------------------------- */

static unsigned
ee_uf_find(uint8_t *parent, unsigned i)
{
    while (parent[i] != i)
        i = parent[i] = parent[parent[i]];
    return i;
}

static void
ee_pipes_build(const struct ee_state *st, uint8_t *root)
{
    uint8_t parent[EE_MAX_TCIDS];
    for (unsigned i = 0; i < st->ntcids; i++)
        parent[i] = (uint8_t)i;
    for (unsigned i = 0; i < st->ntcids; i++) {
        const struct ee_tcid_ent *e = &st->tcids[i];
        if (!e->has_peer)
            continue;
        for (unsigned j = 0; j < st->ntcids; j++) {
            const struct ee_tcid_ent *o = &st->tcids[j];
            if (o->dir != e->dir && memcmp(o->tcid, e->peer, 8) == 0) {
                unsigned a = ee_uf_find(parent, i), b = ee_uf_find(parent, j);
                if (a != b)
                    parent[a > b ? a : b] = (uint8_t)(a < b ? a : b);
            }
        }
    }
    for (unsigned i = 0; i < st->ntcids; i++)
        root[i] = (uint8_t)ee_uf_find(parent, i);
}

unsigned
ee_state_pipes(const struct ee_state *st, unsigned *setup, unsigned *teardown)
{
    uint8_t root[EE_MAX_TCIDS];
    ee_pipes_build(st, root);
    unsigned n = 0, s = 0, t = 0;
    for (unsigned r = 0; r < st->ntcids; r++) {
        if (root[r] != r)
            continue;
        bool su = false, td = false;
        for (unsigned i = 0; i < st->ntcids; i++) {
            if (root[i] != r)
                continue;
            su |= st->tcids[i].setup;
            td |= st->tcids[i].teardown;
        }
        n++;
        s += su;
        t += td;
    }
    if (setup)
        *setup = s;
    if (teardown)
        *teardown = t;
    return n;
}

void
ee_state_merge(struct ee_state *dst, const struct ee_state *src, bool reversed)
{
    for (int d = 0; d < 2; d++) {
        int dd = reversed ? d ^ 1 : d;
        dst->frames_dir[dd] += src->frames_dir[d];
        dst->bytes_dir[dd] += src->bytes_dir[d];
    }
    if (!dst->ports_known && src->ports_known) {
        dst->ports_known = true;
        dst->port[0] = src->port[reversed ? 1 : 0];
        dst->port[1] = src->port[reversed ? 0 : 1];
    }
    for (int i = 0; i < EE_FRAME_N; i++)
        dst->frames[i] += src->frames[i];
    for (unsigned i = 0; i < src->nsaps; i++) {
        struct ee_llc l = {0};
        /* re-express the pair as a frame from src's first sender, then note it in dst */
        l.ssap = src->saps[i].c_sap;
        l.dsap = src->saps[i].s_sap;
        ee_note_sap(dst, reversed ? DIR_S2C : DIR_C2S, &l);
    }
    dst->sap_overflow += src->sap_overflow;
    dst->xid_seen |= src->xid_seen;
    dst->xid3_seen |= src->xid3_seen;
    dst->disc_seen |= src->disc_seen;
    dst->dm_seen |= src->dm_seen;
    dst->xid_done_rq += src->xid_done_rq;
    dst->xid_done_rsp += src->xid_done_rsp;
    dst->nlp_count += src->nlp_count;
    dst->fr_count += src->fr_count;
    dst->anr_count += src->anr_count;
    dst->route_setups += src->route_setups;
    dst->fragments += src->fragments;
    dst->fid5_count += src->fid5_count;
    dst->ui_not_nlp += src->ui_not_nlp;
    dst->status_segs += src->status_segs;
    dst->status_gap_reports += src->status_gap_reports;
    dst->idle_segs += src->idle_segs;
    dst->arb_segs += src->arb_segs;
    dst->fault_segs += src->fault_segs;
    dst->switch_segs += src->switch_segs;
    for (int i = 0; i < 4; i++) {
        dst->nlps_by_tpf[i] += src->nlps_by_tpf[i];
        dst->dlf_by_tpf[i] += src->dlf_by_tpf[i];
    }
    dst->tpf_port_mismatch += src->tpf_port_mismatch;
    dst->dlf_mismatch += src->dlf_mismatch;
    for (unsigned i = 0; i < src->ntcids; i++) {
        const struct ee_tcid_ent *s = &src->tcids[i];
        int d = reversed ? s->dir ^ 1 : s->dir;
        struct ee_tcid_ent *e = ee_tcid_get(dst, d, s->tcid, true);
        if (!e)
            continue;
        e->setup |= s->setup;
        e->teardown |= s->teardown;
        e->nlps += s->nlps;
        e->dlf_bytes += s->dlf_bytes;
        if (!e->has_peer && s->has_peer) {
            e->has_peer = true;
            memcpy(e->peer, s->peer, 8);
        }
        if (!e->bsn_known && s->bsn_known) {
            e->bsn_known = true;
            e->next_bsn = s->next_bsn;
        }
    }
    dst->tcid_overflow += src->tcid_overflow;
    dst->bsn_gaps += src->bsn_gaps;
    dst->bsn_retransmits += src->bsn_retransmits;
    for (unsigned i = 0; i < src->nsessions; i++)
        ee_note_session(dst, src->sessions[i]);
    dst->session_overflow += src->session_overflow;
    dst->malformed += src->malformed;
    if (src->first_ts && (!dst->first_ts || src->first_ts < dst->first_ts))
        dst->first_ts = src->first_ts;
    if (src->last_ts > dst->last_ts)
        dst->last_ts = src->last_ts;
}

/* --- the dissector contract --------------------------------------------------------------- */

static enum probe_verdict
ee_probe(const uint8_t *data, size_t len, uint16_t sport, uint16_t dport)
{
    if (!ee_port_in_range(sport) && !ee_port_in_range(dport))
        return PROBE_NO;
    struct cursor c = cur_init(data, len);
    struct ee_llc l;
    if (!ee_parse_llc(&c, &l) || !name_tab_lookup(ee_llc_controls, l.control & (uint8_t)~EE_LLC_PF))
        return PROBE_NO;
    return PROBE_YES;
}

static void *
ee_state_new(uint16_t sport, uint16_t dport)
{
    struct ee_state *st = calloc(1, sizeof(*st));
    if (st && (sport || dport)) {
        st->ports_known = true;
        st->port[DIR_C2S] = sport;
        st->port[DIR_S2C] = dport;
    }
    return st;
}

static void
ee_state_free(void *st)
{
    free(st);
}

static void
ee_on_packet(void *st, int dir, const uint8_t *data, size_t len, uint64_t ts_us)
{
    ee_state_packet(st, dir, data, len, ts_us);
}

static void
ee_on_end(void *st, uint64_t ts_us)
{
    (void)st;
    (void)ts_us;
}

_Static_assert(OBS_EE_MAX_SAPS >= EE_MAX_SAPS && OBS_EE_MAX_TCIDS >= EE_MAX_TCIDS &&
                   OBS_EE_FRAMES >= EE_FRAME_N,
               "the observation block holds every SAP pair, pipe direction and frame kind");

/* RTP pipes: the directions of each, in the order of their first direction. */
static void
ee_obs_pipes(const struct ee_state *st, struct obs_ee *o)
{
    uint8_t root[EE_MAX_TCIDS];
    ee_pipes_build(st, root);
    for (unsigned r = 0; r < st->ntcids; r++) {
        if (root[r] != r)
            continue;
        struct obs_ee_pipe *p = &o->pipes[o->n_pipes++];
        p->first = o->n_tcids;
        for (unsigned i = 0; i < st->ntcids; i++) {
            const struct ee_tcid_ent *e = &st->tcids[i];
            if (root[i] != r)
                continue;
            struct obs_ee_tcid *t = &o->tcids[o->n_tcids++];
            t->dir = e->dir == DIR_C2S ? "c2s" : "s2c";
            memcpy(t->tcid, e->tcid, sizeof(t->tcid));
            p->n_tcids++;
            p->setup |= e->setup;
            p->teardown |= e->teardown;
            p->nlps += e->nlps;
            p->dlf_bytes += e->dlf_bytes;
        }
    }
}

/* The observation block: link activation, NLPs by kind and priority, pipes, anomalies. */
static void
ee_fill_observation(const void *vst, struct obs_proto *p)
{
    const struct ee_state *st = vst;
    struct obs_ee *o = &p->ee;
    memset(o, 0, sizeof(*o));
    p->kind = OBS_EE;
    o->ports_known = st->ports_known;
    if (st->ports_known) {
        uint16_t a = st->port[0], b = st->port[1];
        if (a > b) {
            uint16_t t = a;
            a = b;
            b = t;
        }
        if (ee_port_in_range(a))
            o->ports[o->n_ports++] = a;
        if (b != a && ee_port_in_range(b))
            o->ports[o->n_ports++] = b;
    }
    for (unsigned i = 0; i < st->nsaps; i++) {
        o->saps[i][0] = st->saps[i].c_sap;
        o->saps[i][1] = st->saps[i].s_sap;
    }
    o->n_saps = st->nsaps;
    unsigned setup = 0, teardown = 0;
    o->rtp_pipes = ee_state_pipes(st, &setup, &teardown);
    o->xid_seen = st->xid_seen;
    o->unprotected = true; /* EE seen in clear text on this segment */
    for (int i = 0; i < EE_FRAME_N; i++) {
        o->frames[i].name = name_tab_lookup(ee_frame_names, (unsigned)i);
        o->frames[i].n = st->frames[i];
    }
    o->n_frames = EE_FRAME_N;
    o->xid3_seen = st->xid3_seen;
    o->xid_done_request = st->xid_done_rq;
    o->xid_done_response = st->xid_done_rsp;
    o->disc_seen = st->disc_seen;
    o->dm_seen = st->dm_seen;
    o->nlp_count = st->nlp_count;
    o->fr_nlps = st->fr_count;
    o->anr_nlps = st->anr_count;
    for (int tpf = 3; tpf >= 0; tpf--) {
        if (!st->nlps_by_tpf[tpf])
            continue;
        struct obs_ee_prio *pr = &o->prios[o->n_prios++];
        pr->name = name_tab_lookup(ee_tpf_names, (unsigned)tpf);
        pr->nlps = st->nlps_by_tpf[tpf];
        pr->dlf_bytes = st->dlf_by_tpf[tpf];
    }
    o->tpf_port_mismatch = st->tpf_port_mismatch;
    o->pipes_setup = setup;
    o->pipes_teardown = teardown;
    ee_obs_pipes(st, o);
    o->route_setups = st->route_setups;
    o->fragments = st->fragments;
    o->sessions = st->nsessions;
    o->status_segments = st->status_segs;
    o->status_gap_reports = st->status_gap_reports;
    o->status_idle = st->idle_segs;
    o->arb_segments = st->arb_segs;
    o->fault_segments = st->fault_segs;
    o->switch_segments = st->switch_segs;
    o->bsn_gaps = st->bsn_gaps;
    o->bsn_retransmits = st->bsn_retransmits;
    o->dlf_mismatch = st->dlf_mismatch;
    o->ui_not_nlp = st->ui_not_nlp;
    o->malformed = st->malformed;
    o->overflow_saps = st->sap_overflow;
    o->overflow_tcids = st->tcid_overflow;
    o->overflow_sessions = st->session_overflow;
}

/* The zERT record's EE block: ports, SAP pairs, pipes, link activation. */
static void
ee_fill_record(const void *stp, struct zert_detail *rec)
{
    const struct ee_state *st = stp;
    struct zert_ee *e = &rec->ee;
    e->present = true;
    if (st->ports_known)
        for (int d = 0; d < 2 && e->port_count < ZERT_EE_MAX; d++)
            if (ee_port_in_range(st->port[d]) && (d == 0 || st->port[1] != st->port[0]))
                e->ports[e->port_count++] = st->port[d];
    for (unsigned i = 0; i < st->nsaps && e->sap_count < ZERT_EE_MAX; i++) {
        e->saps[e->sap_count][0] = st->saps[i].c_sap;
        e->saps[e->sap_count][1] = st->saps[i].s_sap;
        e->sap_count++;
    }
    unsigned setup = 0, teardown = 0;
    zert_num_set(&e->rtp_pipes, ee_state_pipes(st, &setup, &teardown));
    e->xid_seen = zert_tri_from_bool(st->xid_seen);
}

const struct datagram_dissector ee_dissector = {
    .name = "ee",
    .probe = ee_probe,
    .state_new = ee_state_new,
    .state_free = ee_state_free,
    .on_packet = ee_on_packet,
    .on_end = ee_on_end,
    .fill_observation = ee_fill_observation,
    .fill_record = ee_fill_record,
};
