/* ike.c - IKEv1 (ISAKMP) and IKEv2 dissector: SPIs, chosen IKE SA transforms, NAT-T, retries. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../emit/obs_record.h"
#include "../emit/zert_record.h"
#include "cursor.h"
#include "ike.h"
#include "ipsec_tables.h"

#define IKE_HDR_LEN      28
#define IKE_MAX_PAYLOADS 64 /* payloads walked per message (a chain cannot loop, but be sure) */
#define IKE_MAX_ITEMS    64 /* proposals, transforms or attributes walked per container */

/* ISAKMP header flags. */
#define IKEV1_F_ENCRYPTED 0x01
#define IKEV2_F_INITIATOR 0x08
#define IKEV2_F_RESPONSE  0x20

#define IKE_PROTO_ISAKMP 1 /* proposal protocol id of an IKE SA */

struct ike_hdr {
    uint8_t spi_i[8], spi_r[8];
    uint8_t np, version, exchange, flags;
    uint32_t msg_id, length;
};

/* One message being parsed: the SA it belongs to and what it is. */
struct ike_msg {
    struct ike_state *st;
    struct ike_sa *sa;
    const struct ike_hdr *h;
    int dir;
    bool response; /* IKEv2 R flag; IKEv1: the responder cookie is set */
};

static bool
ike_read_hdr(struct cursor *c, struct ike_hdr *h)
{
    cur_copy(c, h->spi_i, 8);
    cur_copy(c, h->spi_r, 8);
    h->np = cur_get_u8(c);
    h->version = cur_get_u8(c);
    h->exchange = cur_get_u8(c);
    h->flags = cur_get_u8(c);
    h->msg_id = cur_get_be32(c);
    h->length = cur_get_be32(c);
    return cur_ok(c);
}

/* A header that looks like ISAKMP: major version 1 or 2 and a sane length. */
static bool
ike_hdr_plausible(const struct ike_hdr *h)
{
    uint8_t major = h->version >> 4;
    return (major == 1 || major == 2) && h->length >= IKE_HDR_LEN && h->exchange != 0;
}

static bool
ike_spi_zero(const uint8_t spi[8])
{
    static const uint8_t zero[8];
    return memcmp(spi, zero, 8) == 0;
}

/*
 * Where the ISAKMP header starts: after the non-ESP marker when the first four bytes are
 * zero and a plausible header follows, else at 0. Sets *marker accordingly.
 */
static bool
ike_locate(const uint8_t *data, size_t len, struct cursor *out, struct ike_hdr *h, bool *marker)
{
    struct cursor c = cur_init(data, len);
    struct cursor m = c;
    *marker = false;
    if (cur_get_be32(&m) == 0 && cur_ok(&m)) {
        struct cursor t = m;
        if (ike_read_hdr(&t, h) && ike_hdr_plausible(h)) {
            *marker = true;
            *out = m;
            return true;
        }
    }
    struct cursor t = c;
    if (ike_read_hdr(&t, h) && ike_hdr_plausible(h)) {
        *out = c;
        return true;
    }
    return false;
}

enum ike_natt_kind
ike_classify_natt(const uint8_t *data, size_t len)
{
    struct cursor c = cur_init(data, len);
    if (len == 1)
        return cur_get_u8(&c) == 0xff ? IKE_NATT_KEEPALIVE : IKE_NATT_JUNK;
    uint32_t first = cur_get_be32(&c);
    if (!cur_ok(&c))
        return IKE_NATT_JUNK;
    if (first == 0)
        return IKE_NATT_IKE;
    return len >= 8 ? IKE_NATT_ESP : IKE_NATT_JUNK;
}

void
ike_state_init(struct ike_state *st)
{
    memset(st, 0, sizeof(*st));
}

/*
 * Messages parsed by every IKE state of the process, in order: merged per-flow states keep
 * their SAs in the order one parse of all the pair's datagrams would have (capture times may
 * go back, so times cannot order them). The sensor is single-threaded.
 */
static uint64_t ike_parse_order;

static struct ike_sa *
ike_sa_get(struct ike_state *st, const struct ike_hdr *h, uint64_t ts)
{
    uint8_t version = h->version >> 4;
    for (uint8_t i = 0; i < st->n_sas; i++) {
        struct ike_sa *sa = &st->sas[i];
        if (sa->version == version && memcmp(sa->spi_i, h->spi_i, 8) == 0)
            return sa;
    }
    if (st->n_sas >= IKE_MAX_SAS) {
        st->sas_overflow++;
        return NULL;
    }
    struct ike_sa *sa = &st->sas[st->n_sas++];
    memset(sa, 0, sizeof(*sa));
    memcpy(sa->spi_i, h->spi_i, 8);
    sa->version = version;
    sa->first_ts = ts;
    sa->order = ike_parse_order;
    return sa;
}

/*
 * A proposal or transform substructure (RFC 2408 3.5/3.6, RFC 7296 3.3.1/3.3.2): next (1),
 * reserved (1), length (2), then the body as a child cursor. False when the length does not
 * fit or is below the 8 bytes every such substructure has.
 */
static bool
ike_take_sub(struct cursor *c, uint8_t *next, struct cursor *body)
{
    *next = cur_get_u8(c);
    cur_skip(c, 1);
    uint16_t len = cur_get_be16(c);
    *body = cur_take(c, len >= 4 ? len - 4u : 0u);
    return cur_ok(c) && len >= 8;
}

static void
ike_add_notify(struct ike_sa *sa, uint16_t type)
{
    for (uint8_t i = 0; i < sa->n_notify; i++)
        if (sa->notify[i] == type)
            return;
    if (sa->n_notify < IKE_MAX_NOTIFY)
        sa->notify[sa->n_notify++] = type;
}

static void
ike_add_vid(struct ike_state *st, struct cursor body)
{
    struct ike_vid v;
    memset(&v, 0, sizeof(v));
    size_t n = cur_left(&body);
    v.full_len = n > UINT16_MAX ? UINT16_MAX : (uint16_t)n;
    v.len = (uint8_t)(n < IKE_VID_MAX ? n : IKE_VID_MAX);
    cur_copy(&body, v.id, v.len);
    for (uint8_t i = 0; i < st->n_vids; i++)
        if (st->vids[i].len == v.len && st->vids[i].full_len == v.full_len &&
            memcmp(st->vids[i].id, v.id, v.len) == 0)
            return;
    if (st->n_vids >= IKE_MAX_VIDS) {
        st->vids_overflow++;
        return;
    }
    st->vids[st->n_vids++] = v;
}

/* A big-endian integer of up to 8 bytes (IKEv1 variable-length attribute values). */
static uint64_t
ike_read_uint(struct cursor *c, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | cur_get_u8(c);
    return v;
}

/* ---- IKEv1 ---- */

static bool
ikev1_auth_is_psk(uint16_t auth)
{
    return auth == IKEV1_AUTH_PSK || auth == IKEV1_AUTH_XAUTH_INIT_PSK ||
           auth == IKEV1_AUTH_XAUTH_RESP_PSK;
}

/* The attributes of one Phase 1 transform; `sa` is NULL when only offered. */
static void
ikev1_transform_attrs(struct ike_msg *m, struct cursor *t, bool chosen)
{
    struct ike_sa *sa = m->sa;
    uint16_t life_type = 0;
    for (int n = 0; cur_left(t) && n < IKE_MAX_ITEMS; n++) {
        uint16_t type = cur_get_be16(t);
        uint64_t value;
        if (type & 0x8000) {
            value = cur_get_be16(t);
        } else {
            uint16_t alen = cur_get_be16(t);
            struct cursor v = cur_take(t, alen);
            value = alen <= 8 ? ike_read_uint(&v, alen) : 0;
        }
        if (!cur_ok(t))
            break;
        uint16_t cls = type & 0x7fff;
        if (cls == IKEV1_ATTR_AUTH && ikev1_auth_is_psk((uint16_t)value))
            sa->offered_psk = true;
        if (!chosen)
            continue;
        uint16_t v16 = value > UINT16_MAX ? UINT16_MAX : (uint16_t)value;
        switch (cls) {
        case IKEV1_ATTR_ENCR:
            sa->encr = v16;
            break;
        case IKEV1_ATTR_HASH:
            sa->hash = v16;
            break;
        case IKEV1_ATTR_AUTH:
            sa->auth = v16;
            break;
        case IKEV1_ATTR_GROUP_DESC:
            sa->dh_group = v16;
            break;
        case IKEV1_ATTR_LIFE_TYPE:
            life_type = v16;
            break;
        case IKEV1_ATTR_LIFE_DUR: {
            uint32_t v32 = value > UINT32_MAX ? UINT32_MAX : (uint32_t)value;
            if (life_type == IKEV1_LIFE_SECONDS)
                sa->life_seconds = v32;
            else if (life_type == IKEV1_LIFE_KILOBYTES)
                sa->life_kbytes = v32;
            break;
        }
        case IKEV1_ATTR_PRF:
            sa->prf = v16;
            break;
        case IKEV1_ATTR_KEY_LEN:
            sa->key_bits = v16;
            break;
        default:
            break;
        }
    }
}

/* IKEv1 SA payload: DOI, situation, proposals of transforms (RFC 2408 §3.4-3.6). */
static void
ikev1_sa_payload(struct ike_msg *m, struct cursor *p)
{
    struct ike_sa *sa = m->sa;
    uint32_t doi = cur_get_be32(p);
    if (doi == 1)
        cur_skip(p, 4); /* situation */
    uint8_t exch = m->h->exchange;
    bool phase1 = exch == IKE_EXCH_BASE || exch == IKE_EXCH_MAIN || exch == IKE_EXCH_AUTH_ONLY ||
                  exch == IKE_EXCH_AGGRESSIVE;
    bool take_chosen = phase1 && m->response && !sa->chosen;
    bool first = true;
    for (int n = 0; cur_left(p) && n < IKE_MAX_ITEMS; n++) {
        uint8_t next;
        struct cursor prop;
        if (!ike_take_sub(p, &next, &prop)) {
            m->st->malformed++;
            return;
        }
        cur_skip(&prop, 1); /* proposal number */
        uint8_t proto = cur_get_u8(&prop);
        uint8_t spi_size = cur_get_u8(&prop);
        uint8_t ntrans = cur_get_u8(&prop);
        cur_skip(&prop, spi_size);
        if (!m->response && phase1) {
            sa->offered = true;
            sa->offered_proposals++;
            sa->offered_transforms = (uint8_t)(sa->offered_transforms + ntrans);
        }
        for (int k = 0; cur_left(&prop) && k < IKE_MAX_ITEMS; k++) {
            uint8_t tnext;
            struct cursor t;
            if (!ike_take_sub(&prop, &tnext, &t)) {
                m->st->malformed++;
                return;
            }
            cur_skip(&t, 4); /* transform number, id (KEY_IKE), reserved */
            bool chosen = take_chosen && first && proto == IKE_PROTO_ISAKMP;
            if (phase1)
                ikev1_transform_attrs(m, &t, chosen);
            if (chosen) {
                sa->chosen = true;
                first = false;
            }
            if (tnext == 0)
                break;
        }
        if (next == 0)
            break;
    }
}

static void
ikev1_notify(struct ike_msg *m, struct cursor *p)
{
    cur_skip(p, 4); /* DOI */
    cur_skip(p, 2); /* protocol id, SPI size */
    uint16_t type = cur_get_be16(p);
    if (cur_ok(p))
        ike_add_notify(m->sa, type);
}

static void
ikev1_payload(struct ike_msg *m, uint8_t type, struct cursor *p)
{
    switch (type) {
    case IKEV1_PL_SA:
        ikev1_sa_payload(m, p);
        break;
    case IKEV1_PL_N:
        ikev1_notify(m, p);
        break;
    case IKEV1_PL_VID:
        ike_add_vid(m->st, *p);
        break;
    case IKEV1_PL_NATD:
    case IKEV1_PL_NATD_D:
        m->sa->nat_detection = true;
        break;
    case IKEV1_PL_FRAG:
        m->sa->fragmentation = true;
        break;
    default:
        break;
    }
}

/* ---- IKEv2 ---- */

static void
ikev2_add_offered_group(struct ike_sa *sa, uint16_t g)
{
    for (uint8_t i = 0; i < sa->n_offered_groups; i++)
        if (sa->offered_groups[i] == g)
            return;
    if (sa->n_offered_groups < IKE_MAX_OFFERED)
        sa->offered_groups[sa->n_offered_groups++] = g;
}

/* The chosen proposal of an IKEv2 response, committed only when it is well formed. */
struct ikev2_choice {
    uint16_t encr, key_bits, prf, integ, ke;
    uint16_t addke[IKE_MAX_ADDKE];
    uint32_t types_seen; /* bit per transform type */
    bool integ_seen;
    bool repeated; /* a transform type appeared twice: not a choice */
};

static void
ikev2_choice_add(struct ikev2_choice *ch, uint8_t ttype, uint16_t tid, uint16_t key_bits)
{
    uint32_t bit = ttype < 32 ? 1u << ttype : 0;
    if (ch->types_seen & bit)
        ch->repeated = true;
    ch->types_seen |= bit;
    switch (ttype) {
    case IKEV2_TT_ENCR:
        ch->encr = tid;
        ch->key_bits = key_bits;
        break;
    case IKEV2_TT_PRF:
        ch->prf = tid;
        break;
    case IKEV2_TT_INTEG:
        ch->integ = tid;
        ch->integ_seen = true;
        break;
    case IKEV2_TT_KE:
        ch->ke = tid;
        break;
    default:
        if (ttype >= IKEV2_TT_ADDKE1 && ttype <= IKEV2_TT_ADDKE7)
            ch->addke[ttype - IKEV2_TT_ADDKE1] = tid;
        break;
    }
}

/*
 * IKEv2 SA payload (RFC 7296 §3.3). A response holds exactly one proposal with one
 * transform per type: that is the choice; anything else in a response is not taken.
 */
static void
ikev2_sa_payload(struct ike_msg *m, struct cursor *p)
{
    struct ike_sa *sa = m->sa;
    bool init = m->h->exchange == IKE_EXCH_IKE_SA_INIT;
    struct ikev2_choice ch;
    memset(&ch, 0, sizeof(ch));
    int proposals = 0;
    for (int n = 0; cur_left(p) && n < IKE_MAX_ITEMS; n++) {
        uint8_t next;
        struct cursor prop;
        if (!ike_take_sub(p, &next, &prop)) {
            m->st->malformed++;
            return;
        }
        proposals++;
        cur_skip(&prop, 1); /* proposal number */
        uint8_t proto = cur_get_u8(&prop);
        uint8_t spi_size = cur_get_u8(&prop);
        uint8_t ntrans = cur_get_u8(&prop);
        cur_skip(&prop, spi_size);
        if (proto != IKE_PROTO_ISAKMP)
            ch.repeated = true; /* not an IKE SA proposal: no choice to take */
        if (init && !m->response) {
            sa->offered = true;
            sa->offered_proposals++;
            sa->offered_transforms = (uint8_t)(sa->offered_transforms + ntrans);
        }
        for (int k = 0; cur_left(&prop) && k < IKE_MAX_ITEMS; k++) {
            uint8_t tnext;
            struct cursor t;
            if (!ike_take_sub(&prop, &tnext, &t)) {
                m->st->malformed++;
                return;
            }
            uint8_t ttype = cur_get_u8(&t);
            cur_skip(&t, 1);
            uint16_t tid = cur_get_be16(&t);
            uint16_t key_bits = 0;
            for (int a = 0; cur_left(&t) && a < IKE_MAX_ITEMS; a++) {
                uint16_t atype = cur_get_be16(&t);
                if (atype & 0x8000) {
                    uint16_t v = cur_get_be16(&t);
                    if ((atype & 0x7fff) == IKEV2_TA_KEY_LENGTH)
                        key_bits = v;
                } else {
                    cur_skip(&t, cur_get_be16(&t));
                }
            }
            if (init && !m->response && ttype == IKEV2_TT_KE)
                ikev2_add_offered_group(sa, tid);
            ikev2_choice_add(&ch, ttype, tid, key_bits);
            if (tnext == 0)
                break;
        }
        if (next == 0)
            break;
    }
    if (!init || !m->response || sa->chosen)
        return;
    if (proposals != 1 || ch.repeated || !ch.types_seen) {
        m->st->malformed++; /* a response must carry exactly one choice */
        return;
    }
    sa->chosen = true;
    sa->encr = ch.encr;
    sa->key_bits = ch.key_bits;
    sa->prf = ch.prf;
    sa->integ = ch.integ;
    sa->integ_seen = ch.integ_seen;
    sa->dh_group = ch.ke;
    memcpy(sa->addke, ch.addke, sizeof(sa->addke));
}

static void
ikev2_notify(struct ike_msg *m, struct cursor *p)
{
    struct ike_sa *sa = m->sa;
    cur_skip(p, 1); /* protocol id */
    uint8_t spi_size = cur_get_u8(p);
    uint16_t type = cur_get_be16(p);
    cur_skip(p, spi_size);
    if (!cur_ok(p))
        return;
    ike_add_notify(sa, type);
    switch (type) {
    case IKEV2_N_NAT_DETECTION_SOURCE_IP:
    case IKEV2_N_NAT_DETECTION_DESTINATION_IP:
        sa->nat_detection = true;
        break;
    case IKEV2_N_COOKIE:
        if (!m->response)
            sa->cookie_retries++; /* the initiator returns the responder's cookie */
        break;
    case IKEV2_N_INVALID_KE_PAYLOAD:
        if (m->response) {
            sa->invalid_ke++;
            uint16_t g = cur_get_be16(p);
            if (cur_ok(p))
                sa->requested_group = g;
        }
        break;
    case IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED:
        sa->fragmentation = true;
        break;
    case IKEV2_N_NO_PROPOSAL_CHOSEN:
        sa->no_proposal_chosen = true;
        break;
    default:
        break;
    }
}

static void
ikev2_payload(struct ike_msg *m, uint8_t type, struct cursor *p)
{
    switch (type) {
    case IKEV2_PL_SA:
        ikev2_sa_payload(m, p);
        break;
    case IKEV2_PL_KE: {
        uint16_t g = cur_get_be16(p);
        if (cur_ok(p))
            m->sa->ke_payload_group[m->response ? 1 : 0] = g;
        break;
    }
    case IKEV2_PL_N:
        ikev2_notify(m, p);
        break;
    case IKEV2_PL_V:
        ike_add_vid(m->st, *p);
        break;
    default:
        break;
    }
}

/* ---- messages ---- */

/* Walk the generic payload chain (RFC 2408 §3.2, RFC 7296 §3.2); stops at SK/SKF. */
static void
ike_walk_payloads(struct ike_msg *m, uint8_t np, struct cursor *body)
{
    bool v2 = m->sa->version == 2;
    for (int n = 0; np != 0 && n < IKE_MAX_PAYLOADS; n++) {
        if (v2 && (np == IKEV2_PL_SK || np == IKEV2_PL_SKF)) {
            m->sa->encrypted_messages++;
            return;
        }
        uint8_t next = cur_get_u8(body);
        cur_skip(body, 1);
        uint16_t plen = cur_get_be16(body);
        struct cursor p = cur_take(body, plen >= 4 ? plen - 4u : 0u);
        if (!cur_ok(body) || plen < 4) {
            m->st->malformed++;
            return;
        }
        if (v2)
            ikev2_payload(m, np, &p);
        else
            ikev1_payload(m, np, &p);
        np = next;
    }
}

void
ike_parse_datagram(struct ike_state *st, int dir, const uint8_t *data, size_t len, uint64_t ts_us)
{
    if (ike_classify_natt(data, len) == IKE_NATT_KEEPALIVE) {
        st->keepalives++;
        return;
    }
    struct cursor c;
    struct ike_hdr h;
    bool marker;
    if (!ike_locate(data, len, &c, &h, &marker)) {
        st->not_ike++;
        return;
    }
    ike_parse_order++;
    cur_skip(&c, IKE_HDR_LEN);
    st->messages++;
    if (marker)
        st->nat_t = true;
    struct ike_sa *sa = ike_sa_get(st, &h, ts_us);
    if (!sa)
        return;
    sa->last_ts = ts_us;
    sa->last_order = ike_parse_order;
    if (ike_spi_zero(sa->spi_r) && !ike_spi_zero(h.spi_r))
        memcpy(sa->spi_r, h.spi_r, 8);
    sa->exch_msgs[h.exchange < IKE_EXCH_SLOTS ? h.exchange : 0]++;

    /* the message body, as the header's length says (a capture may have cut it) */
    size_t blen = h.length - IKE_HDR_LEN;
    if (blen > cur_left(&c)) {
        st->malformed++;
        blen = cur_left(&c);
    }
    struct cursor body = cur_take(&c, blen);
    struct ike_msg m = {st, sa, &h, dir, false};

    if (sa->version == 1) {
        m.response = !ike_spi_zero(h.spi_r);
        if (!sa->initiator_seen && (!m.response || h.np == IKEV1_PL_SA)) {
            sa->initiator_seen = true;
            sa->init_dir = (uint8_t)(m.response ? dir ^ 1 : dir);
        }
        bool phase1 = h.exchange == IKE_EXCH_BASE || h.exchange == IKE_EXCH_MAIN ||
                      h.exchange == IKE_EXCH_AUTH_ONLY || h.exchange == IKE_EXCH_AGGRESSIVE;
        if (phase1 && !sa->exchange)
            sa->exchange = h.exchange;
        if (h.flags & IKEV1_F_ENCRYPTED) {
            sa->encrypted_messages++;
            return;
        }
        sa->clear_messages++;
        ike_walk_payloads(&m, h.np, &body);
        return;
    }
    m.response = (h.flags & IKEV2_F_RESPONSE) != 0;
    if (!sa->initiator_seen) {
        sa->initiator_seen = true;
        sa->init_dir = (uint8_t)((h.flags & IKEV2_F_INITIATOR) ? dir : dir ^ 1);
    }
    if (h.exchange == IKE_EXCH_IKE_SA_INIT)
        sa->exchange = h.exchange;
    if (h.np != IKEV2_PL_SK && h.np != IKEV2_PL_SKF)
        sa->clear_messages++;
    ike_walk_payloads(&m, h.np, &body);
}

static void
ike_sa_merge(struct ike_sa *d, const struct ike_sa *s, bool reversed)
{
    if (ike_spi_zero(d->spi_r))
        memcpy(d->spi_r, s->spi_r, sizeof(d->spi_r));
    if (!d->exchange)
        d->exchange = s->exchange;
    if (!d->offered && s->offered) {
        d->offered = true;
        d->offered_proposals = s->offered_proposals;
        d->offered_transforms = s->offered_transforms;
        memcpy(d->offered_groups, s->offered_groups, sizeof(d->offered_groups));
        d->n_offered_groups = s->n_offered_groups;
        d->offered_psk = s->offered_psk;
    }
    if (!d->chosen && s->chosen) {
        d->chosen = true;
        d->encr = s->encr;
        d->key_bits = s->key_bits;
        d->prf = s->prf;
        d->integ = s->integ;
        d->hash = s->hash;
        d->auth = s->auth;
        d->dh_group = s->dh_group;
        d->integ_seen = s->integ_seen;
        memcpy(d->addke, s->addke, sizeof(d->addke));
        d->life_seconds = s->life_seconds;
        d->life_kbytes = s->life_kbytes;
    }
    if (!d->initiator_seen && s->initiator_seen) {
        d->initiator_seen = true;
        d->init_dir = (uint8_t)(reversed ? s->init_dir ^ 1 : s->init_dir);
    }
    for (int i = 0; i < 2; i++)
        if (!d->ke_payload_group[i])
            d->ke_payload_group[i] = s->ke_payload_group[i];
    if (!d->requested_group)
        d->requested_group = s->requested_group;
    d->nat_detection |= s->nat_detection;
    d->fragmentation |= s->fragmentation;
    d->no_proposal_chosen |= s->no_proposal_chosen;
    d->cookie_retries += s->cookie_retries;
    d->invalid_ke += s->invalid_ke;
    d->clear_messages += s->clear_messages;
    d->encrypted_messages += s->encrypted_messages;
    for (int i = 0; i < IKE_EXCH_SLOTS; i++)
        d->exch_msgs[i] = (uint16_t)(d->exch_msgs[i] + s->exch_msgs[i]);
    for (uint8_t i = 0; i < s->n_notify; i++) {
        uint8_t k = 0;
        while (k < d->n_notify && d->notify[k] != s->notify[i])
            k++;
        if (k == d->n_notify && k < IKE_MAX_NOTIFY)
            d->notify[d->n_notify++] = s->notify[i];
    }
    if (s->order < d->order) {
        d->order = s->order;
        d->first_ts = s->first_ts;
    }
    if (s->last_order > d->last_order) {
        d->last_order = s->last_order;
        d->last_ts = s->last_ts;
    }
}

void
ike_state_merge(struct ike_state *dst, const struct ike_state *src, bool reversed)
{
    for (uint8_t i = 0; i < src->n_sas; i++) {
        const struct ike_sa *s = &src->sas[i];
        uint8_t k = 0;
        while (k < dst->n_sas &&
               !(dst->sas[k].version == s->version && !memcmp(dst->sas[k].spi_i, s->spi_i, 8)))
            k++;
        if (k < dst->n_sas) {
            ike_sa_merge(&dst->sas[k], s, reversed);
        } else if (dst->n_sas < IKE_MAX_SAS) {
            struct ike_sa *d = &dst->sas[dst->n_sas++];
            *d = *s;
            if (reversed && d->initiator_seen)
                d->init_dir ^= 1;
        } else {
            dst->sas_overflow++;
        }
    }
    /* first message order: insertion sort (merges are few and SAs at most IKE_MAX_SAS) */
    for (uint8_t i = 1; i < dst->n_sas; i++) {
        struct ike_sa t = dst->sas[i];
        uint8_t k = i;
        while (k > 0 && dst->sas[k - 1].order > t.order) {
            dst->sas[k] = dst->sas[k - 1];
            k--;
        }
        dst->sas[k] = t;
    }
    for (uint8_t i = 0; i < src->n_vids; i++) {
        const struct ike_vid *v = &src->vids[i];
        uint8_t k = 0;
        while (k < dst->n_vids &&
               !(dst->vids[k].len == v->len && !memcmp(dst->vids[k].id, v->id, v->len)))
            k++;
        if (k < dst->n_vids)
            continue;
        if (dst->n_vids < IKE_MAX_VIDS)
            dst->vids[dst->n_vids++] = *v;
        else
            dst->vids_overflow++;
    }
    dst->sas_overflow += src->sas_overflow;
    dst->vids_overflow += src->vids_overflow;
    dst->messages += src->messages;
    dst->malformed += src->malformed;
    dst->keepalives += src->keepalives;
    dst->not_ike += src->not_ike;
    dst->nat_t |= src->nat_t;
}

const struct ike_sa *
ike_primary_sa(const struct ike_state *st)
{
    if (!st || !st->n_sas)
        return NULL;
    for (uint8_t i = 0; i < st->n_sas; i++)
        if (st->sas[i].chosen)
            return &st->sas[i];
    for (uint8_t i = 0; i < st->n_sas; i++)
        if (st->sas[i].exchange)
            return &st->sas[i];
    return &st->sas[0];
}

/* ---- the observation block ---- */

_Static_assert(OBS_IKE_MAX_SAS >= IKE_MAX_SAS && OBS_IKE_MAX_VIDS >= IKE_MAX_VIDS &&
                   OBS_IKE_MAX_NOTIFY >= IKE_MAX_NOTIFY && OBS_IKE_MAX_ADDKE >= IKE_MAX_ADDKE &&
                   OBS_IKE_MAX_OFFERED >= IKE_MAX_OFFERED && OBS_IKE_EXCH_SLOTS >= IKE_EXCH_SLOTS &&
                   sizeof(((struct zert_bytes *)0)->b) >= IKE_VID_MAX,
               "the observation block holds every SA, vendor ID and list the IKE state keeps");

static uint64_t
ike_spi_u64(const uint8_t spi[8])
{
    uint64_t v = 0;
    for (int k = 0; k < 8; k++)
        v = v << 8 | spi[k];
    return v;
}

static void
ike_obs_named(struct obs_named *n, const struct name_tab *tab, uint32_t v)
{
    n->value = v;
    n->name = name_tab_lookup(tab, v);
}

static void
ike_obs_alg(struct obs_ike_alg *a, const struct name_tab *tab, uint32_t v, bool seen)
{
    a->known = seen;
    if (seen)
        ike_obs_named(&a->n, tab, v);
}

static void
ike_obs_sa(const struct ike_sa *sa, struct obs_ike_sa *o)
{
    bool v1 = sa->version == 1, v2 = sa->version == 2;
    bool ch = sa->chosen;
    o->ike_version = v1 ? "1.0" : v2 ? "2.0" : NULL;
    ike_obs_alg(&o->exchange, ike_exchange_names, sa->exchange, sa->exchange != 0);
    zert_num_set(&o->spi_i, ike_spi_u64(sa->spi_i));
    if (!ike_spi_zero(sa->spi_r))
        zert_num_set(&o->spi_r, ike_spi_u64(sa->spi_r));
    o->transforms_observed = ch;
    ike_obs_alg(&o->encr, v1 ? ikev1_encr_names : ikev2_encr_names, sa->encr, ch && sa->encr);
    if (ch && sa->key_bits)
        zert_num_set(&o->key_bits, sa->key_bits);
    /* IKEv1: the PRF is the HMAC of the negotiated hash unless the PRF class was sent */
    ike_obs_alg(&o->prf, v1 ? ikev1_prf_names : ikev2_prf_names, sa->prf, ch && sa->prf);
    ike_obs_alg(&o->integ, ikev2_integ_names, sa->integ, ch && v2 && sa->integ_seen);
    ike_obs_alg(&o->hash, ikev1_hash_names, sa->hash, ch && v1 && sa->hash);
    ike_obs_alg(&o->dh_group, ike_group_names, sa->dh_group, ch && sa->dh_group);
    /* IKEv2 authentication is inside IKE_AUTH (encrypted): never observable */
    ike_obs_alg(&o->auth, ikev1_auth_names, sa->auth, ch && v1 && sa->auth);
    for (int i = 0; ch && i < IKE_MAX_ADDKE; i++) {
        if (!sa->addke[i])
            continue;
        struct obs_ike_addke *a = &o->addke[o->n_addke++];
        ike_obs_named(&a->type, ikev2_transform_type_names, (uint32_t)(IKEV2_TT_ADDKE1 + i));
        ike_obs_named(&a->group, ike_group_names, sa->addke[i]);
    }
    o->lifetime = ch && v1 && (sa->life_seconds || sa->life_kbytes);
    if (o->lifetime && sa->life_seconds)
        zert_num_set(&o->life_seconds, sa->life_seconds);
    if (o->lifetime && sa->life_kbytes)
        zert_num_set(&o->life_kbytes, sa->life_kbytes);
    bool agg = v1 && sa->exchange == IKE_EXCH_AGGRESSIVE;
    o->aggressive_psk = agg && (ch ? ikev1_auth_is_psk(sa->auth) : sa->offered_psk);
    o->offered_proposals = sa->offered_proposals;
    o->offered_transforms = sa->offered_transforms;
    o->ikev2 = v2;
    memcpy(o->offered_groups, sa->offered_groups, sa->n_offered_groups * sizeof(uint16_t));
    o->n_offered_groups = sa->n_offered_groups;
    if (sa->ke_payload_group[0])
        zert_num_set(&o->ke_group_i, sa->ke_payload_group[0]);
    if (sa->ke_payload_group[1])
        zert_num_set(&o->ke_group_r, sa->ke_payload_group[1]);
    o->retries = sa->cookie_retries;
    o->invalid_ke = sa->invalid_ke;
    if (sa->requested_group)
        zert_num_set(&o->requested_group, sa->requested_group);
    o->nat_detection = sa->nat_detection;
    o->fragmentation = sa->fragmentation;
    o->no_proposal_chosen = sa->no_proposal_chosen;
    o->clear_messages = sa->clear_messages;
    o->encrypted_messages = sa->encrypted_messages;
    for (int i = 0; i < IKE_EXCH_SLOTS; i++) {
        if (!sa->exch_msgs[i])
            continue;
        struct obs_ike_exch *x = &o->exchanges[o->n_exchanges++];
        x->type = (uint8_t)i;
        x->name = i ? name_tab_lookup(ike_exchange_names, (uint32_t)i) : NULL; /* 0: >= 64 */
        x->messages = sa->exch_msgs[i];
    }
    for (uint8_t i = 0; i < sa->n_notify; i++)
        ike_obs_named(&o->notifies[i], v1 ? ikev1_notify_names : ikev2_notify_names, sa->notify[i]);
    o->n_notifies = sa->n_notify;
    o->first_us = sa->first_ts;
    o->last_us = sa->last_ts;
}

void
ike_fill_obs(const struct ike_state *st, struct obs_ike *o)
{
    memset(o, 0, offsetof(struct obs_ike, sas)); /* the SA slots are cleared as they are used */
    if (!st)
        return;
    const struct ike_sa *primary = ike_primary_sa(st);
    for (uint8_t i = 0; i < st->n_sas; i++) {
        memset(&o->sas[i], 0, sizeof(o->sas[i]));
        ike_obs_sa(&st->sas[i], &o->sas[i]);
        if (&st->sas[i] == primary)
            o->primary = i;
    }
    o->n_sas = st->n_sas;
    o->sas_overflow = st->sas_overflow;
    for (uint8_t i = 0; i < st->n_vids; i++) {
        const struct ike_vid *v = &st->vids[i];
        struct obs_ike_vid *ov = &o->vids[i];
        zert_bytes_set(&ov->id, v->id, v->len, IKE_VID_MAX, NULL);
        ov->len = v->full_len;
        ov->name = ipsec_vendor_name(v->id, v->len);
    }
    o->n_vids = st->n_vids;
    o->messages = st->messages;
    o->malformed = st->malformed;
}

/* ---- the datagram dissector ---- */

static enum probe_verdict
ike_probe(const uint8_t *data, size_t len, uint16_t sport, uint16_t dport)
{
    bool p500 = sport == IKE_PORT || dport == IKE_PORT;
    bool p4500 = sport == IKE_NATT_PORT || dport == IKE_NATT_PORT;
    if (!p500 && !p4500)
        return PROBE_NO;
    struct cursor c;
    struct ike_hdr h;
    bool marker;
    if (p4500 && ike_classify_natt(data, len) == IKE_NATT_KEEPALIVE)
        return PROBE_YES;
    if (!ike_locate(data, len, &c, &h, &marker))
        return PROBE_NO;
    if (marker && !p4500)
        return PROBE_NO; /* the non-ESP marker belongs to UDP 4500 only */
    return PROBE_YES;
}

static void *
ike_state_new(uint16_t sport, uint16_t dport)
{
    (void)sport; /* IKE learns NAT-T from the marker, not the port */
    (void)dport;
    struct ike_state *st = malloc(sizeof(*st));
    if (st)
        ike_state_init(st);
    return st;
}

static void
ike_state_free(void *st)
{
    free(st);
}

static void
ike_on_packet(void *st, int dir, const uint8_t *data, size_t len, uint64_t ts_us)
{
    ike_parse_datagram(st, dir, data, len, ts_us);
}

static void
ike_on_end(void *st, uint64_t ts_us)
{
    (void)st;
    (void)ts_us;
}

static void
ike_fill_observation(const void *vst, struct obs_proto *p)
{
    const struct ike_state *st = vst;
    struct obs_ike_flow *f = &p->ike;
    p->kind = OBS_IKE;
    ike_fill_obs(st, &f->ike);
    f->nat_t = st->nat_t;
    f->nat_keepalives = st->keepalives;
    f->child_sa = IKE_CHILD_SA_UNKNOWN;
}

/* Text of a table value; "unassigned (N)" for numbers the table does not know. */
static const char *
ike_alg_text(const struct name_tab *tab, uint32_t v, char *buf, size_t len)
{
    const char *name = name_tab_lookup(tab, v);
    if (name)
        return name;
    snprintf(buf, len, "unassigned (%u)", (unsigned)v);
    return buf;
}

void
ike_fill_sa(const struct ike_sa *sa, bool nat_t, struct zert_detail *rec)
{
    struct zert_ipsec *z = &rec->ipsec;
    char buf[32];
    z->present = true;
    z->nat_t = zert_tri_from_bool(nat_t);
    ZERT_STR_SET(rec, z->child_sa, IKE_CHILD_SA_UNKNOWN);
    if (!sa)
        return;
    bool v1 = sa->version == 1, v2 = sa->version == 2, ch = sa->chosen;
    ZERT_STR_SET(rec, z->ike_version, v1 ? "1.0" : v2 ? "2.0" : NULL);
    if (sa->exchange)
        ZERT_STR_SET(rec, z->exchange,
                     ike_alg_text(ike_exchange_names, sa->exchange, buf, sizeof(buf)));
    uint64_t spi = 0;
    for (int k = 0; k < 8; k++)
        spi = spi << 8 | sa->spi_i[k];
    zert_num_set(&z->spi_i, spi);
    if (!ike_spi_zero(sa->spi_r)) {
        spi = 0;
        for (int k = 0; k < 8; k++)
            spi = spi << 8 | sa->spi_r[k];
        zert_num_set(&z->spi_r, spi);
    }
    if (!ch)
        return;
    if (sa->encr)
        ZERT_STR_SET(
            rec, z->encr,
            ike_alg_text(v1 ? ikev1_encr_names : ikev2_encr_names, sa->encr, buf, sizeof(buf)));
    if (sa->key_bits)
        zert_num_set(&z->key_bits, sa->key_bits);
    if (sa->prf)
        ZERT_STR_SET(
            rec, z->prf,
            ike_alg_text(v1 ? ikev1_prf_names : ikev2_prf_names, sa->prf, buf, sizeof(buf)));
    if (v2 && sa->integ_seen)
        ZERT_STR_SET(rec, z->integ, ike_alg_text(ikev2_integ_names, sa->integ, buf, sizeof(buf)));
    if (sa->dh_group)
        zert_num_set(&z->dh_group, sa->dh_group);
    if (v1 && sa->auth) /* IKEv2 authentication is inside the encrypted IKE_AUTH */
        ZERT_STR_SET(rec, z->auth, ike_alg_text(ikev1_auth_names, sa->auth, buf, sizeof(buf)));
}

static void
ike_fill_record(const void *stp, struct zert_detail *rec)
{
    const struct ike_state *st = stp;
    ike_fill_sa(ike_primary_sa(st), st->nat_t, rec);
}

const struct datagram_dissector ike_dissector = {
    .name = "ike",
    .probe = ike_probe,
    .state_new = ike_state_new,
    .state_free = ike_state_free,
    .on_packet = ike_on_packet,
    .on_end = ike_on_end,
    .fill_observation = ike_fill_observation,
    .fill_record = ike_fill_record,
};
