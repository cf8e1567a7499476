/* ipsec.c - an IPsec peer pair's facts: ESP/AH SAs and counters, and its merged IKE facts. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../emit/obs_record.h"
#include "../emit/zert_record.h"
#include "cursor.h"
#include "ike.h"
#include "ipsec.h"

#define SEQ_WRAP_HIGH 0xf0000000u /* a drop from above this to below the next is a wrap */
#define SEQ_WRAP_LOW  0x10000000u

void
ipsec_pair_state_init(struct ipsec_pair_state *st)
{
    memset(st, 0, sizeof(*st));
}

void
ipsec_pair_state_fini(struct ipsec_pair_state *st)
{
    free(st->ike);
    st->ike = NULL;
}

static struct ipsec_sa_ctr *
ipsec_sa_get(struct ipsec_pair_state *pr, struct ipsec_sa_ctr *arr, uint8_t *n, unsigned max,
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

bool
ipsec_pair_esp(struct ipsec_pair_state *st, int dir, uint32_t spi, uint32_t seq, uint64_t bytes,
               uint64_t ts, bool udp_encap)
{
    struct ipsec_sa_ctr *s = ipsec_sa_get(st, st->esp, &st->n_esp, IPSEC_MAX_SPIS, spi, dir);
    if (!s)
        return false;
    if (udp_encap)
        s->udp_encap = true;
    else
        s->raw = true;
    ipsec_sa_count(s, seq, bytes, ts);
    return true;
}

bool
ipsec_pair_ah(struct ipsec_pair_state *st, int dir, uint32_t spi, uint32_t seq, uint8_t icv_len,
              uint64_t bytes, uint64_t ts)
{
    struct ipsec_sa_ctr *s = ipsec_sa_get(st, st->ah, &st->n_ah, IPSEC_MAX_AH_SPIS, spi, dir);
    if (!s)
        return false;
    s->raw = true;
    if (s->packets && s->icv_len != icv_len)
        s->icv_varies = true;
    s->icv_len = icv_len;
    ipsec_sa_count(s, seq, bytes, ts);
    return true;
}

bool
ipsec_pair_ike_seen(struct ipsec_pair_state *st)
{
    if (!st->ike) {
        st->ike = malloc(sizeof(*st->ike));
        if (!st->ike)
            return false;
        ike_state_init(st->ike);
    }
    return true;
}

void
ipsec_pair_add_ike(struct ipsec_pair_state *st, const struct ike_state *flow, bool reversed)
{
    if (ipsec_pair_ike_seen(st))
        ike_state_merge(st->ike, flow, reversed);
}

bool
ipsec_natt_esp_header(const uint8_t *data, size_t len, uint32_t *spi, uint32_t *seq)
{
    struct cursor c = cur_init(data, len);
    *spi = cur_get_be32(&c);
    *seq = cur_get_be32(&c);
    return cur_ok(&c);
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
ipsec_pair_observe(const struct ipsec_pair_state *pr, const struct ipsec_pair_id *id,
                   struct obs_ipsec_pair *o)
{
    bool esp_raw = false, esp_udp = false;
    for (uint8_t k = 0; k < pr->n_esp; k++) {
        esp_raw |= pr->esp[k].raw;
        esp_udp |= pr->esp[k].udp_encap;
    }
    const struct ike_sa *sa = ike_primary_sa(pr->ike);
    memset(o, 0, offsetof(struct obs_ipsec_pair, ike));
    o->pair_id = id->id;
    o->ip_proto = esp_raw ? 50 : pr->n_ah ? 51 : 17;
    for (int k = 0; k < 2; k++) {
        o->addr[k].family = id->family;
        memcpy(o->addr[k].ip, id->addr[k], sizeof(o->addr[k].ip));
    }
    o->client = sa && sa->initiator_seen ? sa->init_dir : 0;
    o->roles_guessed = !(sa && sa->initiator_seen);
    o->start_us = id->first_ts;
    o->end_us = id->last_ts;
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

void
ipsec_pair_view(const struct ipsec_pair_state *pr, const struct ipsec_pair_id *id,
                struct ipsec_pair_view *v, struct zert_detail *rec)
{
    const struct ike_sa *sa = pr->ike ? ike_primary_sa(pr->ike) : NULL;
    memset(v, 0, sizeof(*v));
    v->family = id->family;
    v->addr[0] = id->addr[0];
    v->addr[1] = id->addr[1];
    v->initiator = sa && sa->initiator_seen ? sa->init_dir : -1;
    v->first_ts = id->first_ts;
    v->last_ts = id->last_ts;
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
