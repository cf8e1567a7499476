/* ipsec_peers.c - IPsec peer pairs: the ESP, AH, IKE and NAT-T traffic between two hosts. */
#include <stdlib.h>
#include <string.h>

#include "../dissectors/dissector.h"
#include "../dissectors/ike.h"
#include "../dissectors/ipsec.h"
#include "../flowtable/flow.h"
#include "../flowtable/packet.h"
#include "ipsec_peers.h"
#include "peer.h"

struct ipsec_peers {
    struct peer_table *peers;
    struct peer **order; /* creation order */
    unsigned n, max;
    struct ipsec_peers_stats st;
};

struct ipsec_peers *
ipsec_peers_new(struct peer_table *peers, unsigned max_pairs)
{
    struct ipsec_peers *ip = calloc(1, sizeof(*ip));
    if (!ip)
        return NULL;
    ip->peers = peers;
    ip->max = max_pairs ? max_pairs : IPSEC_MAX_PAIRS_DEFAULT;
    ip->order = calloc(ip->max, sizeof(*ip->order));
    if (!ip->order) {
        free(ip);
        return NULL;
    }
    return ip;
}

void
ipsec_peers_free(struct ipsec_peers *ip)
{
    if (!ip)
        return;
    for (unsigned i = 0; i < ip->n; i++) {
        struct peer *p = ip->order[i];
        ipsec_pair_state_fini(p->ipsec);
        free(p->ipsec);
        peer_remove(ip->peers, p);
    }
    free(ip->order);
    free(ip);
}

unsigned
ipsec_peers_count(const struct ipsec_peers *ip)
{
    return ip ? ip->n : 0;
}

struct peer *
ipsec_peers_get(const struct ipsec_peers *ip, unsigned i)
{
    return ip->order[i];
}

void
ipsec_peers_get_stats(const struct ipsec_peers *ip, struct ipsec_peers_stats *s)
{
    *s = ip->st;
    s->pairs = ip->n;
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
        return pr;
    }
    if (ip->n >= ip->max) {
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
    pr->pair_id = (uint64_t)ip->n + 1;
    ip->order[ip->n++] = pr;
    *dir = 0;
    return pr;
}

static void
esp(struct ipsec_peers *ip, const struct packet *p, bool udp_encap)
{
    uint32_t spi = p->spi, seq = p->esp_seq;
    if (udp_encap) {
        if (!ipsec_natt_esp_header(p->payload, p->payload_len, &spi, &seq)) {
            ip->st.esp_short++;
            return;
        }
        ip->st.natt_esp_packets++;
    } else {
        ip->st.esp_packets++;
    }
    int dir;
    struct peer *pr = pair_get(ip, p, &dir);
    if (pr && !ipsec_pair_esp(pr->ipsec, dir, spi, seq, p->ip_len, p->ts_us, udp_encap))
        ip->st.spis_overflow++;
}

static void
ah(struct ipsec_peers *ip, const struct packet *p)
{
    ip->st.ah_packets++;
    int dir;
    struct peer *pr = pair_get(ip, p, &dir);
    if (pr &&
        !ipsec_pair_ah(pr->ipsec, dir, p->ah_spi, p->ah_seq, p->ah_icv_len, p->ip_len, p->ts_us))
        ip->st.spis_overflow++;
}

static void
ike(struct ipsec_peers *ip, const struct packet *p)
{
    int dir;
    struct peer *pr = pair_get(ip, p, &dir);
    if (pr && ipsec_pair_ike_seen(pr->ipsec))
        ip->st.ike_packets++;
}

bool
ipsec_peers_packet(struct ipsec_peers *ip, const struct packet *p)
{
    if (p->has_ah)
        ah(ip, p);
    if (p->proto == IPPROTO_NUM_ESP) {
        esp(ip, p, false);
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
            return true;
        }
        case IKE_NATT_ESP:
            esp(ip, p, true);
            return true;
        case IKE_NATT_IKE:
            ike(ip, p);
            return false;
        case IKE_NATT_JUNK:
            return false;
        }
        return false;
    }
    if ((p->sport == IKE_PORT || p->dport == IKE_PORT) &&
        ike_dissector.probe(p->payload, p->payload_len, p->sport, p->dport) == PROBE_YES)
        ike(ip, p);
    return false;
}

void
ipsec_peers_flow_end(struct ipsec_peers *ip, const struct flow *f, const struct ike_state *st)
{
    if (!st || f->key.proto != IPPROTO_NUM_UDP)
        return;
    struct peer *pr = peer_find_addrs(ip->peers, PEER_IPSEC, f->key.family, f->addr[0], f->addr[1]);
    if (!pr)
        return;
    /* the flow's dir 0 is its first sender: the pair's addr[0] or not */
    bool reversed = memcmp(pr->addr[0], f->addr[f->client_dir], 16) != 0;
    ipsec_pair_add_ike(pr->ipsec, st, reversed);
}
