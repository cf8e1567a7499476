/* peer.c - peer connections: the flows between one IP pair taken together (EE, IPsec). */
#include <stdlib.h>
#include <string.h>

#include "../flowtable/flow.h"
#include "peer.h"

#define PEER_BUCKETS 4096 /* hash chains; peers are few (one per IP pair and kind) */

struct peer_table {
    struct peer *buckets[PEER_BUCKETS];
    uint64_t refused;
};

struct peer_table *
peer_table_new(void)
{
    return calloc(1, sizeof(struct peer_table));
}

void
peer_table_free(struct peer_table *t)
{
    if (!t)
        return;
    for (unsigned b = 0; b < PEER_BUCKETS; b++) {
        for (struct peer *p = t->buckets[b], *n; p; p = n) {
            n = p->hnext;
            free(p);
        }
    }
    free(t);
}

uint64_t
peer_table_refused(const struct peer_table *t)
{
    return t->refused;
}

/* Direction-symmetric: the two addresses in memcmp order. */
static unsigned
bucket_of(uint8_t kind, uint8_t family, const uint8_t *a, const uint8_t *b)
{
    const uint8_t *lo = memcmp(a, b, 16) <= 0 ? a : b, *hi = lo == a ? b : a;
    uint32_t h = 2166136261u ^ kind ^ (uint32_t)family << 8; /* FNV-1a */
    for (int i = 0; i < 16; i++) {
        h = (h ^ lo[i]) * 16777619u;
        h = (h ^ hi[i]) * 16777619u;
    }
    return h % PEER_BUCKETS;
}

static bool
same_pair(const struct peer *p, uint8_t family, const uint8_t *a, const uint8_t *b)
{
    if (p->family != family)
        return false;
    return (!memcmp(p->addr[0], a, 16) && !memcmp(p->addr[1], b, 16)) ||
           (!memcmp(p->addr[1], a, 16) && !memcmp(p->addr[0], b, 16));
}

struct peer *
peer_find_addrs(struct peer_table *t, uint8_t kind, uint8_t family, const uint8_t a[16],
                const uint8_t b[16])
{
    for (struct peer *p = t->buckets[bucket_of(kind, family, a, b)]; p; p = p->hnext)
        if (p->kind == kind && same_pair(p, family, a, b))
            return p;
    return NULL;
}

struct peer *
peer_find(struct peer_table *t, uint8_t kind, const struct flow *f)
{
    return peer_find_addrs(t, kind, f->key.family, f->addr[0], f->addr[1]);
}

struct peer *
peer_create_addrs(struct peer_table *t, uint8_t kind, uint8_t family, const uint8_t src[16],
                  const uint8_t dst[16], uint64_t ts)
{
    struct peer *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    unsigned b = bucket_of(kind, family, src, dst);
    p->kind = kind;
    p->family = family;
    memcpy(p->addr[0], src, 16);
    memcpy(p->addr[1], dst, 16);
    p->first_ts = p->last_ts = ts;
    p->hnext = t->buckets[b];
    t->buckets[b] = p;
    return p;
}

struct peer *
peer_create(struct peer_table *t, uint8_t kind, const struct flow *f)
{
    struct peer *p = peer_create_addrs(t, kind, f->key.family, f->addr[0], f->addr[1], f->first_ts);
    if (p)
        memcpy(p->port, f->port, sizeof(p->port));
    return p;
}

bool
peer_attach(struct peer_table *t, struct peer *p, struct flow *f, unsigned *slot)
{
    unsigned i = 0;
    while (i < PEER_MEMBERS && p->members[i])
        i++;
    if (i == PEER_MEMBERS) {
        t->refused++;
        return false;
    }
    p->members[i] = f;
    p->swapped[i] = memcmp(f->addr[0], p->addr[0], 16) != 0;
    p->added_payload[i][0] = p->added_payload[i][1] = 0;
    p->added_pkts[i][0] = p->added_pkts[i][1] = 0;
    p->nmembers++;
    *slot = i;
    return true;
}

void
peer_update(struct peer *p, unsigned slot)
{
    const struct flow *f = p->members[slot];
    for (int d = 0; d < 2; d++) {
        int pd = p->swapped[slot] ? d ^ 1 : d;
        p->payload[pd] += f->payload[d] - p->added_payload[slot][d];
        p->pkts[pd] += f->pkts[d] - p->added_pkts[slot][d];
        p->added_payload[slot][d] = f->payload[d];
        p->added_pkts[slot][d] = f->pkts[d];
    }
    if (f->last_ts > p->last_ts)
        p->last_ts = f->last_ts;
}

bool
peer_leave(struct peer *p, unsigned slot)
{
    peer_update(p, slot);
    p->end_reason = p->members[slot]->end_reason; /* the last member's reason ends the peer */
    p->members[slot] = NULL;
    return --p->nmembers == 0;
}

void
peer_remove(struct peer_table *t, struct peer *p)
{
    unsigned b = bucket_of(p->kind, p->family, p->addr[0], p->addr[1]);
    for (struct peer **pp = &t->buckets[b]; *pp; pp = &(*pp)->hnext) {
        if (*pp == p) {
            *pp = p->hnext;
            break;
        }
    }
    free(p);
}

void
peer_merge_ee(struct zert_ee *dst, const struct zert_ee *src, bool swapped)
{
    if (!src->present)
        return;
    dst->present = true;
    for (unsigned i = 0; i < src->port_count; i++) {
        unsigned k = 0;
        while (k < dst->port_count && dst->ports[k] != src->ports[i])
            k++;
        if (k == dst->port_count && k < ZERT_EE_MAX)
            dst->ports[dst->port_count++] = src->ports[i];
    }
    for (unsigned i = 0; i < src->sap_count; i++) {
        uint8_t a = src->saps[i][swapped], b = src->saps[i][!swapped];
        unsigned k = 0;
        while (k < dst->sap_count && !(dst->saps[k][0] == a && dst->saps[k][1] == b))
            k++;
        if (k == dst->sap_count && k < ZERT_EE_MAX) {
            dst->saps[k][0] = a;
            dst->saps[k][1] = b;
            dst->sap_count++;
        }
    }
    if (src->rtp_pipes.known)
        zert_num_set(&dst->rtp_pipes, dst->rtp_pipes.v + src->rtp_pipes.v);
    if (src->xid_seen == ZERT_TRI_TRUE || dst->xid_seen == ZERT_TRI_UNKNOWN)
        dst->xid_seen = src->xid_seen;
}
