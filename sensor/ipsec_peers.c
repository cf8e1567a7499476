/* ipsec_peers.c - IPsec peer pairs: the ESP, AH, IKE and NAT-T traffic between two hosts. */
#include <stdlib.h>
#include <string.h>

#include "../dissectors/dissector.h"
#include "../dissectors/ike.h"
#include "../dissectors/ipsec.h"
#include "../emit/obs_record.h"
#include "../emit/zert_record.h"
#include "../flowtable/flow.h"
#include "../flowtable/packet.h"
#include "ipsec_peers.h"
#include "peer.h"

struct ipsec_peers {
    struct peer_table *peers;
    struct peer *head, *tail; /* live pairs, least recently active first */
    unsigned live, max;
    uint64_t idle_us;
    uint64_t next_id;
    struct ipsec_peers_ops ops;
    struct ipsec_peers_stats st;
    struct ike_state scratch_ike; /* a pair's IKE facts with those of its live flows */
};

struct ipsec_peers *
ipsec_peers_new(struct peer_table *peers, unsigned max_pairs, uint64_t idle_us,
                const struct ipsec_peers_ops *ops)
{
    struct ipsec_peers *ip = calloc(1, sizeof(*ip));
    if (!ip)
        return NULL;
    ip->peers = peers;
    ip->max = max_pairs ? max_pairs : IPSEC_MAX_PAIRS_DEFAULT;
    ip->idle_us = idle_us;
    ip->next_id = 1;
    if (ops)
        ip->ops = *ops;
    return ip;
}

static void
unlink_pair(struct ipsec_peers *ip, struct peer *pr)
{
    if (pr->lprev)
        pr->lprev->lnext = pr->lnext;
    else
        ip->head = pr->lnext;
    if (pr->lnext)
        pr->lnext->lprev = pr->lprev;
    else
        ip->tail = pr->lprev;
    pr->lprev = pr->lnext = NULL;
}

static void
append_pair(struct ipsec_peers *ip, struct peer *pr)
{
    pr->lnext = NULL;
    pr->lprev = ip->tail;
    if (ip->tail)
        ip->tail->lnext = pr;
    else
        ip->head = pr;
    ip->tail = pr;
}

static void
free_pair(struct ipsec_peers *ip, struct peer *pr)
{
    unlink_pair(ip, pr);
    ipsec_pair_state_fini(pr->ipsec);
    free(pr->ipsec);
    peer_remove(ip->peers, pr);
    ip->live--;
}

void
ipsec_peers_free(struct ipsec_peers *ip)
{
    if (!ip)
        return;
    while (ip->head)
        free_pair(ip, ip->head);
    free(ip);
}

void
ipsec_peers_get_stats(const struct ipsec_peers *ip, struct ipsec_peers_stats *s)
{
    *s = ip->st;
}

/* The pair of a packet (created when new and there is room) and the packet's direction in it. */
static struct peer *
pair_get(struct ipsec_peers *ip, const struct packet *p, int *dir)
{
    struct peer *pr = peer_find_addrs(ip->peers, PEER_IPSEC, p->family, p->src, p->dst);
    if (pr) {
        *dir = memcmp(pr->addr[0], p->src, 16) == 0 ? 0 : 1;
        if (p->ts_us > pr->last_ts)
            pr->last_ts = p->ts_us;
        /* the most recently active at the tail: expiry looks at the head only */
        if (pr != ip->tail) {
            unlink_pair(ip, pr);
            append_pair(ip, pr);
        }
        return pr;
    }
    if (ip->live >= ip->max) {
        ip->st.pairs_overflow++;
        return NULL;
    }
    struct ipsec_pair_state *st = malloc(sizeof(*st));
    pr = st ? peer_create_addrs(ip->peers, PEER_IPSEC, p->family, p->src, p->dst, p->ts_us) : NULL;
    if (!pr) {
        free(st);
        ip->st.pairs_overflow++;
        return NULL;
    }
    ipsec_pair_state_init(st);
    pr->ipsec = st;
    pr->pair_id = ip->next_id++;
    append_pair(ip, pr);
    ip->live++;
    ip->st.pairs++;
    *dir = 0;
    return pr;
}

/* Protected volume: what ESP and AH carried, per direction (the pair's connection counters). */
static void
count(struct peer *pr, int dir, const struct packet *p)
{
    pr->payload[dir] += p->ip_len;
    pr->pkts[dir]++;
}

static struct peer *
esp(struct ipsec_peers *ip, const struct packet *p, bool udp_encap)
{
    uint32_t spi = p->spi, seq = p->esp_seq;
    if (udp_encap) {
        if (!ipsec_natt_esp_header(p->payload, p->payload_len, &spi, &seq)) {
            ip->st.esp_short++;
            return NULL;
        }
        ip->st.natt_esp_packets++;
    } else {
        ip->st.esp_packets++;
    }
    int dir;
    struct peer *pr = pair_get(ip, p, &dir);
    if (!pr)
        return NULL;
    if (!ipsec_pair_esp(pr->ipsec, dir, spi, seq, p->ip_len, p->ts_us, udp_encap))
        ip->st.spis_overflow++;
    count(pr, dir, p);
    return pr;
}

static struct peer *
ah(struct ipsec_peers *ip, const struct packet *p)
{
    ip->st.ah_packets++;
    int dir;
    struct peer *pr = pair_get(ip, p, &dir);
    if (!pr)
        return NULL;
    if (!ipsec_pair_ah(pr->ipsec, dir, p->ah_spi, p->ah_seq, p->ah_icv_len, p->ip_len, p->ts_us))
        ip->st.spis_overflow++;
    count(pr, dir, p);
    return pr;
}

static struct peer *
ike(struct ipsec_peers *ip, const struct packet *p)
{
    int dir;
    struct peer *pr = pair_get(ip, p, &dir);
    if (pr && ipsec_pair_ike_seen(pr->ipsec))
        ip->st.ike_packets++;
    return pr;
}

bool
ipsec_peers_packet(struct ipsec_peers *ip, const struct packet *p, struct peer **pair)
{
    *pair = NULL;
    if (p->has_ah)
        *pair = ah(ip, p);
    if (p->proto == IPPROTO_NUM_ESP) {
        *pair = esp(ip, p, false);
        return false;
    }
    if (p->proto != IPPROTO_NUM_UDP || !p->payload_len)
        return false;
    if (p->sport == IKE_NATT_PORT || p->dport == IKE_NATT_PORT) {
        switch (ike_classify_natt(p->payload, p->payload_len)) {
        case IKE_NATT_KEEPALIVE: {
            int dir;
            struct peer *pr = pair_get(ip, p, &dir);
            ip->st.natt_keepalives++;
            if (pr)
                pr->ipsec->keepalives++;
            *pair = pr;
            return true;
        }
        case IKE_NATT_ESP:
            *pair = esp(ip, p, true);
            return true;
        case IKE_NATT_IKE:
            *pair = ike(ip, p);
            return false;
        case IKE_NATT_JUNK:
            return false;
        }
        return false;
    }
    if ((p->sport == IKE_PORT || p->dport == IKE_PORT) &&
        ike_dissector.probe(p->payload, p->payload_len, p->sport, p->dport) == PROBE_YES)
        *pair = ike(ip, p);
    return false;
}

static struct peer *
pair_of_flow(struct ipsec_peers *ip, const struct flow *f)
{
    return peer_find_addrs(ip->peers, PEER_IPSEC, f->key.family, f->addr[0], f->addr[1]);
}

/* A flow's dir 0 is its first sender: the pair's addr[0] or not. */
static bool
flow_reversed(const struct peer *pr, const struct flow *f)
{
    return memcmp(pr->addr[0], f->addr[f->client_dir], 16) != 0;
}

void
ipsec_peers_flow_seen(struct ipsec_peers *ip, struct flow *f, const struct ike_state *st)
{
    if (!st || f->key.proto != IPPROTO_NUM_UDP)
        return;
    struct peer *pr = pair_of_flow(ip, f);
    if (!pr)
        return;
    for (unsigned i = 0; i < PEER_MEMBERS; i++)
        if (pr->members[i] == f)
            return;
    unsigned slot;
    if (peer_attach(ip->peers, pr, f, &slot)) {
        pr->swapped[slot] = flow_reversed(pr, f);
        pr->ike_live[slot] = st; /* valid until ipsec_peers_flow_end, before the state is freed */
    }
    /* a pair with more IKE flows than it can follow live gets their facts when they end */
}

void
ipsec_peers_flow_end(struct ipsec_peers *ip, const struct flow *f, const struct ike_state *st)
{
    if (!st || f->key.proto != IPPROTO_NUM_UDP)
        return;
    struct peer *pr = pair_of_flow(ip, f);
    if (!pr)
        return;
    ipsec_pair_add_ike(pr->ipsec, st, flow_reversed(pr, f));
    for (unsigned i = 0; i < PEER_MEMBERS; i++) {
        if (pr->members[i] == f) {
            pr->members[i] = NULL;
            pr->ike_live[i] = NULL;
            pr->nmembers--;
        }
    }
}

uint64_t
ipsec_peers_next_expiry(const struct ipsec_peers *ip)
{
    if (!ip->head)
        return UINT64_MAX;
    uint64_t t = ip->head->last_ts;
    return t > UINT64_MAX - ip->idle_us ? UINT64_MAX : t + ip->idle_us;
}

static void
end_pair(struct ipsec_peers *ip, struct peer *pr, uint8_t why, uint64_t now)
{
    pr->end_reason = why;
    if (ip->ops.on_end)
        ip->ops.on_end(ip->ops.ctx, pr, now);
    free_pair(ip, pr);
}

void
ipsec_peers_expire(struct ipsec_peers *ip, uint64_t now)
{
    while (ip->head && ipsec_peers_next_expiry(ip) <= now)
        end_pair(ip, ip->head, FLOW_END_IDLE, ipsec_peers_next_expiry(ip));
}

void
ipsec_peers_flush(struct ipsec_peers *ip, uint64_t now)
{
    while (ip->head)
        end_pair(ip, ip->head, FLOW_END_END_OF_CAPTURE, now);
}

/* The pair's state with the IKE facts of its live flows merged in (scratch, valid till next). */
static const struct ipsec_pair_state *
current(struct ipsec_peers *ip, const struct peer *pr, struct ipsec_pair_state *tmp)
{
    if (!pr->nmembers || !pr->ipsec->ike)
        return pr->ipsec;
    *tmp = *pr->ipsec;
    ip->scratch_ike = *pr->ipsec->ike;
    for (unsigned i = 0; i < PEER_MEMBERS; i++)
        if (pr->ike_live[i])
            ike_state_merge(&ip->scratch_ike, pr->ike_live[i], pr->swapped[i]);
    tmp->ike = &ip->scratch_ike;
    return tmp;
}

static void
pair_id(const struct peer *pr, struct ipsec_pair_id *id)
{
    id->id = pr->pair_id;
    id->family = pr->family;
    id->addr[0] = pr->addr[0];
    id->addr[1] = pr->addr[1];
    id->first_ts = pr->first_ts;
    id->last_ts = pr->last_ts;
}

void
ipsec_peers_view(struct ipsec_peers *ip, const struct peer *pr, struct ipsec_pair_view *v,
                 struct zert_detail *rec)
{
    struct ipsec_pair_state tmp;
    struct ipsec_pair_id id;
    pair_id(pr, &id);
    ipsec_pair_view(current(ip, pr, &tmp), &id, v, rec);
}

void
ipsec_peers_observe(struct ipsec_peers *ip, const struct peer *pr, struct obs_ipsec_pair *o)
{
    struct ipsec_pair_state tmp;
    struct ipsec_pair_id id;
    pair_id(pr, &id);
    ipsec_pair_observe(current(ip, pr, &tmp), &id, o);
}

bool
ipsec_peers_fill_between(struct ipsec_peers *ip, uint8_t family, const uint8_t a[16],
                         const uint8_t b[16], struct zert_detail *rec)
{
    const struct peer *pr = peer_find_addrs(ip->peers, PEER_IPSEC, family, a, b);
    if (!pr)
        return false;
    struct ipsec_pair_view v;
    ipsec_peers_view(ip, pr, &v, rec);
    return true;
}
