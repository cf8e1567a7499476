/* ipsec.c - the per-run IPsec peer-pair table: ESP/AH SPIs and counters merged with IKE facts. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../emit/obs_record.h"
#include "../emit/zert_record.h"
#include "../flowtable/packet.h"
#include "cursor.h"
#include "ike.h"
#include "ipsec.h"

#define SEQ_WRAP_HIGH 0xf0000000u /* a drop from above this to below the next is a wrap */
#define SEQ_WRAP_LOW  0x10000000u

/* One SA as seen on the wire: an SPI in one direction of the pair. */
struct ipsec_sa_ctr {
    uint32_t spi;
    uint8_t dir;     /* 0: addr[0] -> addr[1], 1: the other way */
    uint8_t icv_len; /* AH: bytes of ICV (12: HMAC-*-96, 16/24/32: SHA-2, GMAC...) */
    bool udp_encap;  /* seen inside UDP 4500 */
    bool raw;        /* seen as IP protocol 50/51 */
    bool icv_varies; /* AH: the ICV length changed within the SA */
    uint64_t packets, bytes;
    uint32_t first_seq, max_seq;
    uint32_t gaps;    /* jumps forward by more than one */
    uint64_t missing; /* sequence numbers skipped by those jumps */
    uint32_t replays; /* a sequence number at or below the highest seen: replay or reorder */
    uint32_t wraps;   /* the 32-bit sequence wrapped (ESN) */
    uint64_t first_ts, last_ts;
};

struct ipsec_pair {
    uint8_t family;
    uint8_t addr[2][16]; /* [0]: the source of the pair's first packet */
    uint64_t id;
    uint64_t first_ts, last_ts;
    struct ipsec_sa_ctr esp[IPSEC_MAX_SPIS];
    struct ipsec_sa_ctr ah[IPSEC_MAX_AH_SPIS];
    uint8_t n_esp, n_ah;
    uint64_t spis_overflow;
    uint64_t keepalives;
    struct ike_state *ike; /* allocated with the pair's first IKE datagram */
};

struct ipsec_table {
    struct ipsec_pair **pairs; /* in creation order */
    unsigned n_pairs, max_pairs;
    uint32_t *slots;  /* open addressing: pair index + 1, 0 = empty */
    uint32_t n_slots; /* a power of two, at least twice max_pairs */
    struct ipsec_table_stats stats;
};

struct ipsec_table *
ipsec_table_new(unsigned max_pairs)
{
    if (max_pairs == 0)
        max_pairs = IPSEC_MAX_PAIRS_DEFAULT;
    struct ipsec_table *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->max_pairs = max_pairs;
    t->n_slots = 16;
    while (t->n_slots < 2u * max_pairs)
        t->n_slots *= 2;
    t->pairs = calloc(max_pairs, sizeof(*t->pairs));
    t->slots = calloc(t->n_slots, sizeof(*t->slots));
    if (!t->pairs || !t->slots) {
        ipsec_table_free(t);
        return NULL;
    }
    return t;
}

void
ipsec_table_free(struct ipsec_table *t)
{
    if (!t)
        return;
    for (unsigned i = 0; i < t->n_pairs; i++) {
        free(t->pairs[i]->ike);
        free(t->pairs[i]);
    }
    free(t->pairs);
    free(t->slots);
    free(t);
}

void
ipsec_table_get_stats(const struct ipsec_table *t, struct ipsec_table_stats *s)
{
    *s = t->stats;
    s->pairs = t->n_pairs;
}

/* FNV-1a over the family and the two addresses in a fixed order (direction-symmetric). */
static uint32_t
ipsec_pair_hash(uint8_t family, const uint8_t *a, const uint8_t *b)
{
    const uint8_t *lo = memcmp(a, b, 16) <= 0 ? a : b;
    const uint8_t *hi = lo == a ? b : a;
    uint32_t h = 2166136261u ^ family;
    h *= 16777619u;
    for (int i = 0; i < 16; i++) {
        h = (h ^ lo[i]) * 16777619u;
        h = (h ^ hi[i]) * 16777619u;
    }
    return h;
}

/* The pair of a packet (created when new and there is room) and the packet's direction. */
static struct ipsec_pair *
ipsec_pair_get(struct ipsec_table *t, const struct packet *p, int *dir)
{
    uint32_t mask = t->n_slots - 1;
    uint32_t i = ipsec_pair_hash(p->family, p->src, p->dst) & mask;
    for (;; i = (i + 1) & mask) {
        uint32_t s = t->slots[i];
        if (!s)
            break;
        struct ipsec_pair *pr = t->pairs[s - 1];
        if (pr->family != p->family)
            continue;
        if (!memcmp(pr->addr[0], p->src, 16) && !memcmp(pr->addr[1], p->dst, 16)) {
            *dir = 0;
            return pr;
        }
        if (!memcmp(pr->addr[1], p->src, 16) && !memcmp(pr->addr[0], p->dst, 16)) {
            *dir = 1;
            return pr;
        }
    }
    if (t->n_pairs >= t->max_pairs) {
        t->stats.pairs_overflow++;
        return NULL;
    }
    struct ipsec_pair *pr = calloc(1, sizeof(*pr));
    if (!pr) {
        t->stats.pairs_overflow++;
        return NULL;
    }
    pr->family = p->family;
    memcpy(pr->addr[0], p->src, 16);
    memcpy(pr->addr[1], p->dst, 16);
    pr->id = (uint64_t)t->n_pairs + 1;
    pr->first_ts = p->ts_us;
    t->pairs[t->n_pairs++] = pr;
    t->slots[i] = t->n_pairs;
    *dir = 0;
    return pr;
}

static struct ipsec_sa_ctr *
ipsec_sa_get(struct ipsec_pair *pr, struct ipsec_sa_ctr *arr, uint8_t *n, unsigned max,
             uint32_t spi, int dir)
{
    for (uint8_t i = 0; i < *n; i++)
        if (arr[i].spi == spi && arr[i].dir == dir)
            return &arr[i];
    if (*n >= max) {
        pr->spis_overflow++;
        return NULL;
    }
    struct ipsec_sa_ctr *s = &arr[(*n)++];
    memset(s, 0, sizeof(*s));
    s->spi = spi;
    s->dir = (uint8_t)dir;
    return s;
}

/* Per SA: the highest sequence number; a jump is a gap, a step back a replay or reorder. */
static void
ipsec_sa_count(struct ipsec_sa_ctr *s, uint32_t seq, uint64_t bytes, uint64_t ts)
{
    if (s->packets == 0) {
        s->first_seq = s->max_seq = seq;
        s->first_ts = ts;
    } else if (seq > s->max_seq) {
        if (seq - s->max_seq > 1) {
            s->gaps++;
            s->missing += seq - s->max_seq - 1;
        }
        s->max_seq = seq;
    } else if (s->max_seq >= SEQ_WRAP_HIGH && seq < SEQ_WRAP_LOW) {
        s->wraps++;
        s->max_seq = seq;
    } else {
        s->replays++;
    }
    s->packets++;
    s->bytes += bytes;
    s->last_ts = ts;
}

static void
ipsec_pair_touch(struct ipsec_pair *pr, uint64_t ts)
{
    if (ts > pr->last_ts)
        pr->last_ts = ts;
}

void
ipsec_table_esp(struct ipsec_table *t, const struct packet *p, bool udp_encap)
{
    uint32_t spi = p->spi, seq = p->esp_seq;
    if (udp_encap) {
        struct cursor c = cur_init(p->payload, p->payload_len);
        spi = cur_get_be32(&c);
        seq = cur_get_be32(&c);
        if (!cur_ok(&c)) {
            t->stats.esp_short++;
            return;
        }
        t->stats.natt_esp_packets++;
    } else {
        t->stats.esp_packets++;
    }
    int dir;
    struct ipsec_pair *pr = ipsec_pair_get(t, p, &dir);
    if (!pr)
        return;
    ipsec_pair_touch(pr, p->ts_us);
    struct ipsec_sa_ctr *s = ipsec_sa_get(pr, pr->esp, &pr->n_esp, IPSEC_MAX_SPIS, spi, dir);
    if (!s) {
        t->stats.spis_overflow++;
        return;
    }
    if (udp_encap)
        s->udp_encap = true;
    else
        s->raw = true;
    ipsec_sa_count(s, seq, p->ip_len, p->ts_us);
}

void
ipsec_table_ah(struct ipsec_table *t, const struct packet *p)
{
    if (!p->has_ah)
        return;
    t->stats.ah_packets++;
    int dir;
    struct ipsec_pair *pr = ipsec_pair_get(t, p, &dir);
    if (!pr)
        return;
    ipsec_pair_touch(pr, p->ts_us);
    struct ipsec_sa_ctr *s = ipsec_sa_get(pr, pr->ah, &pr->n_ah, IPSEC_MAX_AH_SPIS, p->ah_spi, dir);
    if (!s) {
        t->stats.spis_overflow++;
        return;
    }
    s->raw = true;
    if (s->packets && s->icv_len != p->ah_icv_len)
        s->icv_varies = true;
    s->icv_len = p->ah_icv_len;
    ipsec_sa_count(s, p->ah_seq, p->ip_len, p->ts_us);
}

void
ipsec_table_ike(struct ipsec_table *t, const struct packet *p)
{
    int dir;
    struct ipsec_pair *pr = ipsec_pair_get(t, p, &dir);
    if (!pr)
        return;
    if (!pr->ike) {
        pr->ike = malloc(sizeof(*pr->ike));
        if (!pr->ike)
            return;
        ike_state_init(pr->ike);
    }
    t->stats.ike_packets++;
    ipsec_pair_touch(pr, p->ts_us);
    ike_parse_datagram(pr->ike, dir, p->payload, p->payload_len, p->ts_us);
}

bool
ipsec_table_packet(struct ipsec_table *t, const struct packet *p)
{
    if (p->has_ah)
        ipsec_table_ah(t, p);
    if (p->proto == IPPROTO_NUM_ESP) {
        ipsec_table_esp(t, p, false);
        return false;
    }
    if (p->proto != IPPROTO_NUM_UDP || !p->payload_len)
        return false;
    if (p->sport == IKE_NATT_PORT || p->dport == IKE_NATT_PORT) {
        switch (ike_classify_natt(p->payload, p->payload_len)) {
        case IKE_NATT_KEEPALIVE: {
            int dir;
            struct ipsec_pair *pr = ipsec_pair_get(t, p, &dir);
            t->stats.natt_keepalives++;
            if (pr) {
                pr->keepalives++;
                ipsec_pair_touch(pr, p->ts_us);
            }
            return true;
        }
        case IKE_NATT_ESP:
            ipsec_table_esp(t, p, true);
            return true;
        case IKE_NATT_IKE:
            ipsec_table_ike(t, p);
            return false;
        case IKE_NATT_JUNK:
            return false;
        }
        return false;
    }
    if ((p->sport == IKE_PORT || p->dport == IKE_PORT) &&
        ike_dissector.probe(p->payload, p->payload_len, p->sport, p->dport) == PROBE_YES)
        ipsec_table_ike(t, p);
    return false;
}

/* ---- the observation line ---- */

_Static_assert(OBS_IPSEC_MAX_ESP >= IPSEC_MAX_SPIS && OBS_IPSEC_MAX_AH >= IPSEC_MAX_AH_SPIS,
               "the observation line holds every SA a pair keeps");

static void
ipsec_obs_sas(struct obs_ipsec_sa *dst, const struct ipsec_sa_ctr *src, uint8_t n)
{
    for (uint8_t i = 0; i < n; i++) {
        const struct ipsec_sa_ctr *s = &src[i];
        struct obs_ipsec_sa *o = &dst[i];
        o->spi = s->spi;
        o->src = s->dir;
        o->udp_encap = s->udp_encap;
        o->icv_len = s->icv_len;
        o->icv_varies = s->icv_varies;
        o->packets = s->packets;
        o->bytes = s->bytes;
        o->first_seq = s->first_seq;
        o->max_seq = s->max_seq;
        o->gaps = s->gaps;
        o->missing = s->missing;
        o->replays = s->replays;
        o->wraps = s->wraps;
        o->first_us = s->first_ts;
        o->last_us = s->last_ts;
    }
}

void
ipsec_table_observe_pair(const struct ipsec_table *t, unsigned i, struct obs_ipsec_pair *o)
{
    const struct ipsec_pair *pr = t->pairs[i];
    bool esp_raw = false, esp_udp = false;
    for (uint8_t k = 0; k < pr->n_esp; k++) {
        esp_raw |= pr->esp[k].raw;
        esp_udp |= pr->esp[k].udp_encap;
    }
    const struct ike_sa *sa = ike_primary_sa(pr->ike);
    memset(o, 0, offsetof(struct obs_ipsec_pair, ike));
    o->pair_id = pr->id;
    o->ip_proto = esp_raw ? 50 : pr->n_ah ? 51 : 17;
    for (int k = 0; k < 2; k++) {
        o->addr[k].family = pr->family;
        memcpy(o->addr[k].ip, pr->addr[k], sizeof(o->addr[k].ip));
    }
    o->client = sa && sa->initiator_seen ? sa->init_dir : 0;
    o->roles_guessed = !(sa && sa->initiator_seen);
    o->start_us = pr->first_ts;
    o->end_us = pr->last_ts;
    o->dissector = "ipsec";
    ike_fill_obs(pr->ike, &o->ike);
    ipsec_obs_sas(o->esp, pr->esp, pr->n_esp);
    o->n_esp = pr->n_esp;
    ipsec_obs_sas(o->ah, pr->ah, pr->n_ah);
    o->n_ah = pr->n_ah;
    o->nat_t = esp_udp || (pr->ike && pr->ike->nat_t);
    o->nat_keepalives = pr->keepalives;
    o->child_sa = IKE_CHILD_SA_UNKNOWN;
    o->spis_overflow = pr->spis_overflow;
    bool chosen = sa && sa->chosen;
    o->established = pr->n_esp || pr->n_ah;
    o->incomplete = !chosen;
    o->incomplete_why = chosen ? NULL
                        : sa   ? "IKE seen, but not the responder's chosen transform"
                               : "no IKE exchange seen for this pair";
}

unsigned
ipsec_table_pair_count(const struct ipsec_table *t)
{
    return t ? t->n_pairs : 0;
}

void
ipsec_table_pair(const struct ipsec_table *t, unsigned i, struct ipsec_pair_view *v,
                 struct zert_detail *rec)
{
    const struct ipsec_pair *pr = t->pairs[i];
    const struct ike_sa *sa = pr->ike ? ike_primary_sa(pr->ike) : NULL;
    memset(v, 0, sizeof(*v));
    v->family = pr->family;
    v->addr[0] = pr->addr[0];
    v->addr[1] = pr->addr[1];
    v->initiator = sa && sa->initiator_seen ? sa->init_dir : -1;
    v->first_ts = pr->first_ts;
    v->last_ts = pr->last_ts;
    bool esp_raw = false, esp_udp = false;
    for (unsigned k = 0; k < pr->n_esp; k++) {
        const struct ipsec_sa_ctr *c = &pr->esp[k];
        esp_raw |= c->raw;
        esp_udp |= c->udp_encap;
        v->bytes[c->dir & 1] += c->bytes;
        v->pkts[c->dir & 1] += c->packets;
    }
    for (unsigned k = 0; k < pr->n_ah; k++) {
        const struct ipsec_sa_ctr *c = &pr->ah[k];
        v->bytes[c->dir & 1] += c->bytes;
        v->pkts[c->dir & 1] += c->packets;
    }
    v->ip_proto = esp_raw ? 50 : pr->n_ah ? 51 : 17;
    v->protected_traffic = pr->n_esp || pr->n_ah;
    ike_fill_sa(sa, esp_udp || (pr->ike && pr->ike->nat_t), rec);
    struct zert_ipsec *z = &rec->ipsec;
    for (unsigned k = 0; k < pr->n_esp && z->esp_spi_count < ZERT_SPI_MAX; k++)
        z->esp_spis[z->esp_spi_count++] = pr->esp[k].spi;
    for (unsigned k = 0; k < pr->n_ah && z->ah_spi_count < ZERT_SPI_MAX; k++)
        z->ah_spis[z->ah_spi_count++] = pr->ah[k].spi;
    if (pr->n_esp > ZERT_SPI_MAX || pr->n_ah > ZERT_SPI_MAX)
        rec->truncated = true;
}
