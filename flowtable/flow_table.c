/* flow_table.c - fixed-size flow table: seeded symmetric hash, preallocated pool, packet-time
 * expiry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow_table.h"
#include "packet.h"

/*
 * Expiry lists, each ordered by last activity (least recent at the head), so
 * expiry and LRU eviction only ever look at list heads. One list per timeout.
 */
enum { LIST_TCP, LIST_UDP, LIST_CLOSED, LIST_COUNT, LIST_NONE = 0xff };

struct flow_list {
    uint32_t head, tail;
};

struct flow_table {
    struct flow_table_config cfg;
    struct flow_consumer consumer;
    struct flow *pool;  /* cfg.max_flows entries, touched only as used */
    uint32_t used_hwm;  /* entries [0, used_hwm) have been handed out at least once */
    uint32_t free_head; /* recycled entries, chained through hnext */
    uint32_t active;
    uint32_t *buckets; /* heads of hash chains */
    uint32_t nbuckets; /* power of two */
    struct flow_list lists[LIST_COUNT];
    uint64_t next_id;
    uint64_t now; /* latest packet time seen */
    /*
     * No list head is due before this: expiry returns at once until the clock passes it (it
     * was 3 % of the capture thread, reading every list's head for every packet). Lowered by
     * every flow that becomes a head or joins a list; recomputed from the heads by expiry.
     */
    uint64_t next_due;
    struct flow_table_stats stats;
};

static uint64_t timeout_of(const struct flow_table *t, uint8_t list);

/* When flow f (in list `list`) is due to expire: the first time past last_ts + its timeout. */
static uint64_t
due_of(const struct flow_table *t, const struct flow *f, uint8_t list)
{
    uint64_t to = timeout_of(t, list);
    return f->last_ts > UINT64_MAX - to ? UINT64_MAX : f->last_ts + to;
}

struct flow_table *
flow_table_new(const struct flow_table_config *cfg, const struct flow_consumer *consumer, char *err,
               size_t errlen)
{
    if (cfg->max_flows == 0 || cfg->max_flows >= FLOW_NONE / 2) {
        snprintf(err, errlen, "max flows must be between 1 and %u", FLOW_NONE / 2 - 1);
        return NULL;
    }
    struct flow_table *t = calloc(1, sizeof(*t));
    if (!t) {
        snprintf(err, errlen, "out of memory for the flow table");
        return NULL;
    }
    t->cfg = *cfg;
    t->consumer = *consumer;
    t->nbuckets = 1;
    while (t->nbuckets < cfg->max_flows)
        t->nbuckets <<= 1;
    /* calloc: pages of the pool are only touched as flows use them */
    t->pool = calloc(cfg->max_flows, sizeof(struct flow));
    t->buckets = malloc((size_t)t->nbuckets * sizeof(uint32_t));
    if (!t->pool || !t->buckets) {
        snprintf(err, errlen, "out of memory for %u flows", cfg->max_flows);
        flow_table_free(t);
        return NULL;
    }
    memset(t->buckets, 0xff, (size_t)t->nbuckets * sizeof(uint32_t));
    t->free_head = FLOW_NONE;
    for (int i = 0; i < LIST_COUNT; i++)
        t->lists[i].head = t->lists[i].tail = FLOW_NONE;
    t->next_due = UINT64_MAX;
    t->next_id = 1;
    return t;
}

void
flow_table_free(struct flow_table *t)
{
    if (!t)
        return;
    free(t->pool);
    free(t->buckets);
    free(t);
}

void
flow_table_get_stats(const struct flow_table *t, struct flow_table_stats *s)
{
    *s = t->stats;
}

uint32_t
flow_table_active(const struct flow_table *t)
{
    return t->active;
}

uint64_t
flow_table_mem(const struct flow_table *t)
{
    return (uint64_t)t->used_hwm * sizeof(struct flow) + (uint64_t)t->nbuckets * sizeof(uint32_t);
}

static uint32_t
idx_of(const struct flow_table *t, const struct flow *f)
{
    return (uint32_t)(f - t->pool);
}

static void
list_unlink(struct flow_table *t, struct flow *f)
{
    if (f->list == LIST_NONE)
        return;
    struct flow_list *l = &t->lists[f->list];
    if (f->lprev != FLOW_NONE) {
        t->pool[f->lprev].lnext = f->lnext;
    } else {
        l->head = f->lnext;
        if (l->head != FLOW_NONE) {
            uint64_t d = due_of(t, &t->pool[l->head], f->list);
            if (d < t->next_due)
                t->next_due = d;
        }
    }
    if (f->lnext != FLOW_NONE)
        t->pool[f->lnext].lprev = f->lprev;
    else
        l->tail = f->lprev;
    f->list = LIST_NONE;
    f->lprev = f->lnext = FLOW_NONE;
}

static void
list_append(struct flow_table *t, struct flow *f, uint8_t which)
{
    struct flow_list *l = &t->lists[which];
    uint32_t i = idx_of(t, f);
    uint64_t d = due_of(t, f, which);
    if (d < t->next_due)
        t->next_due = d;
    f->list = which;
    f->lnext = FLOW_NONE;
    f->lprev = l->tail;
    if (l->tail != FLOW_NONE)
        t->pool[l->tail].lnext = i;
    else
        l->head = i;
    l->tail = i;
}

static uint8_t
open_list_for(const struct flow *f)
{
    return f->key.proto == IPPROTO_NUM_TCP ? LIST_TCP : LIST_UDP;
}

static uint64_t
timeout_of(const struct flow_table *t, uint8_t list)
{
    switch (list) {
    case LIST_TCP:
        return t->cfg.tcp_idle_us;
    case LIST_UDP:
        return t->cfg.udp_idle_us;
    default:
        return t->cfg.closed_us;
    }
}

static void
bucket_unlink(struct flow_table *t, struct flow *f)
{
    uint32_t i = idx_of(t, f);
    uint32_t *pp = &t->buckets[f->hash & (t->nbuckets - 1)];
    while (*pp != FLOW_NONE) {
        if (*pp == i) {
            *pp = f->hnext;
            return;
        }
        pp = &t->pool[*pp].hnext;
    }
}

void
flow_table_end(struct flow_table *t, struct flow *f, enum flow_end_reason why)
{
    if (why == FLOW_END_IDLE && (f->flags & FLOW_F_CLOSED))
        why = (f->tcp[0].rst_seen || f->tcp[1].rst_seen) ? FLOW_END_RST : FLOW_END_FIN;
    f->end_reason = (uint8_t)why;
    list_unlink(t, f);
    bucket_unlink(t, f);
    t->stats.flows_ended++;
    if (t->consumer.on_end)
        t->consumer.on_end(t->consumer.ctx, f);
    memset(f, 0, sizeof(*f));
    f->list = LIST_NONE;
    f->hnext = t->free_head;
    t->free_head = idx_of(t, f);
    t->active--;
}

static struct flow *
evict_one(struct flow_table *t)
{
    /* Closed flows go first; then the least recently active open flow. */
    uint32_t victim = t->lists[LIST_CLOSED].head;
    if (victim == FLOW_NONE) {
        uint32_t a = t->lists[LIST_TCP].head, b = t->lists[LIST_UDP].head;
        if (a == FLOW_NONE)
            victim = b;
        else if (b == FLOW_NONE)
            victim = a;
        else
            victim = t->pool[a].last_ts <= t->pool[b].last_ts ? a : b;
    }
    if (victim == FLOW_NONE)
        return NULL;
    struct flow *f = &t->pool[victim];
    t->stats.flows_evicted++;
    flow_table_end(t, f, (f->flags & FLOW_F_CLOSED) ? FLOW_END_IDLE : FLOW_END_EVICTED);
    return f;
}

static struct flow *
alloc_entry(struct flow_table *t)
{
    if (t->free_head != FLOW_NONE) {
        struct flow *f = &t->pool[t->free_head];
        t->free_head = f->hnext;
        return f;
    }
    if (t->used_hwm < t->cfg.max_flows)
        return &t->pool[t->used_hwm++];
    if (!evict_one(t))
        return NULL;
    return alloc_entry(t);
}

/* Client/server by ports, used until (unless) the TCP handshake says otherwise. */
static uint8_t
guess_client_dir(const struct packet *p)
{
    bool s_low = p->sport < 1024, d_low = p->dport < 1024;
    if (d_low != s_low)
        return d_low ? FLOW_DIR_FWD : FLOW_DIR_REV;
    if (p->sport != p->dport)
        return p->dport < p->sport ? FLOW_DIR_FWD : FLOW_DIR_REV;
    return FLOW_DIR_FWD;
}

struct flow *
flow_table_lookup(struct flow_table *t, const struct packet *p, int *dir)
{
    struct flow_key k;
    flow_key_from_packet(p, &k);
    uint32_t h = flow_key_hash(&k, t->cfg.seed);
    for (uint32_t i = t->buckets[h & (t->nbuckets - 1)]; i != FLOW_NONE; i = t->pool[i].hnext) {
        struct flow *f = &t->pool[i];
        if (f->hash == h && flow_key_equal(&f->key, &k)) {
            *dir = (memcmp(f->addr[0], p->src, 16) == 0 && f->port[0] == p->sport) ? FLOW_DIR_FWD
                                                                                   : FLOW_DIR_REV;
            return f;
        }
    }
    struct flow *f = alloc_entry(t);
    if (!f)
        return NULL;
    memset(f, 0, sizeof(*f));
    f->key = k;
    f->hash = h;
    memcpy(f->addr[0], p->src, 16);
    memcpy(f->addr[1], p->dst, 16);
    f->port[0] = p->sport;
    f->port[1] = p->dport;
    f->id = t->next_id++;
    f->first_ts = f->last_ts = p->ts_us;
    f->list = LIST_NONE;
    f->lprev = f->lnext = FLOW_NONE;
    flow_tcp_init(f);
    if (p->proto == IPPROTO_NUM_TCP) {
        if (p->tcp_flags & TCP_SYN) {
            /* SYN: sender is the client; SYN-ACK: receiver is */
            f->client_dir = (p->tcp_flags & TCP_ACK) ? FLOW_DIR_REV : FLOW_DIR_FWD;
        } else {
            f->client_dir = guess_client_dir(p);
            f->flags |= FLOW_F_ROLES_GUESSED | FLOW_F_MIDSTREAM;
            t->stats.tcp_midstream++;
            t->stats.tcp_roles_guessed++;
        }
    } else {
        f->client_dir = FLOW_DIR_FWD; /* UDP and IPsec: the first sender initiates */
    }
    uint32_t i = idx_of(t, f);
    uint32_t *b = &t->buckets[h & (t->nbuckets - 1)];
    f->hnext = *b;
    *b = i;
    list_append(t, f, open_list_for(f));
    t->active++;
    t->stats.flows_created++;
    *dir = FLOW_DIR_FWD;
    if (t->consumer.on_new)
        t->consumer.on_new(t->consumer.ctx, f, p);
    return f;
}

void
flow_table_touch(struct flow_table *t, struct flow *f, int dir, const struct packet *p)
{
    f->pkts[dir]++;
    f->bytes[dir] += p->ip_len;
    f->payload[dir] += (uint64_t)p->payload_len + p->payload_lost;
    if (p->ts_us > f->last_ts)
        f->last_ts = p->ts_us;
    uint8_t which = f->list;
    list_unlink(t, f);
    list_append(t, f, which == LIST_NONE ? open_list_for(f) : which);
}

void
flow_table_mark_closed(struct flow_table *t, struct flow *f)
{
    if (f->flags & FLOW_F_CLOSED)
        return;
    f->flags |= FLOW_F_CLOSED;
    list_unlink(t, f);
    list_append(t, f, LIST_CLOSED);
}

void
flow_table_expire(struct flow_table *t, uint64_t now)
{
    if (now < t->now) {
        t->stats.pkts_time_backwards++;
        return; /* expiry follows the latest packet time, never goes back */
    }
    t->now = now;
    if (now <= t->next_due)
        return;
    for (uint8_t l = 0; l < LIST_COUNT; l++) {
        uint64_t to = timeout_of(t, l);
        while (t->lists[l].head != FLOW_NONE) {
            struct flow *f = &t->pool[t->lists[l].head];
            /* saturating: a timestamp near 2^64 must not wrap to an early expiry */
            if (f->last_ts >= now || now - f->last_ts <= to)
                break;
            if (l != LIST_CLOSED)
                t->stats.flows_timed_out++;
            flow_table_end(t, f, FLOW_END_IDLE);
        }
    }
    t->next_due = UINT64_MAX;
    for (uint8_t l = 0; l < LIST_COUNT; l++) {
        if (t->lists[l].head != FLOW_NONE) {
            uint64_t d = due_of(t, &t->pool[t->lists[l].head], l);
            if (d < t->next_due)
                t->next_due = d;
        }
    }
}

static int
cmp_id(const void *a, const void *b)
{
    uint64_t x = (*(struct flow *const *)a)->id, y = (*(struct flow *const *)b)->id;
    return x < y ? -1 : x > y;
}

void
flow_table_flush(struct flow_table *t)
{
    if (t->active == 0)
        return;
    struct flow **all = malloc((size_t)t->active * sizeof(*all));
    size_t n = 0;
    if (!all) {
        /* no memory to sort: still end every flow, in list order */
        for (uint8_t l = 0; l < LIST_COUNT; l++)
            while (t->lists[l].head != FLOW_NONE)
                flow_table_end(t, &t->pool[t->lists[l].head], FLOW_END_END_OF_CAPTURE);
        return;
    }
    for (uint8_t l = 0; l < LIST_COUNT; l++)
        for (uint32_t i = t->lists[l].head; i != FLOW_NONE; i = t->pool[i].lnext)
            all[n++] = &t->pool[i];
    qsort(all, n, sizeof(*all), cmp_id);
    for (size_t i = 0; i < n; i++) {
        struct flow *f = all[i];
        flow_table_end(t, f, (f->flags & FLOW_F_CLOSED) ? FLOW_END_IDLE : FLOW_END_END_OF_CAPTURE);
    }
    free(all);
}
