/* flow_table.h - fixed-size flow table: seeded symmetric hash, preallocated pool, packet-time
 * expiry. */
#ifndef ZS_FLOW_TABLE_H
#define ZS_FLOW_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow.h"

struct packet;
struct flow_table;

/*
 * The table's counters, named as in --stats (sensor/stats.h gives their order there). X-macro:
 * one list for the fields and for whoever copies them out.
 */
#define FLOW_TABLE_COUNTERS(X)                                                                     \
    X(flows_created)                                                                               \
    X(flows_ended)                                                                                 \
    X(flows_evicted)                                                                               \
    X(flows_timed_out)                                                                             \
    X(tcp_midstream)                                                                               \
    X(tcp_roles_guessed)                                                                           \
    X(pkts_time_backwards)

struct flow_table_stats {
#define FLOW_TABLE_STATS_FIELD(name) uint64_t name;
    FLOW_TABLE_COUNTERS(FLOW_TABLE_STATS_FIELD)
#undef FLOW_TABLE_STATS_FIELD
};

struct flow_table_config {
    uint32_t max_flows;   /* the pool; when full the least recently used flow is evicted */
    uint64_t tcp_idle_us; /* open TCP flow without packets for this long ends as idle */
    uint64_t udp_idle_us; /* UDP, ESP, AH */
    uint64_t closed_us;   /* after FIN both ways or RST, how long late packets still count */
    uint64_t seed;        /* hash seed */
};

/*
 * The consumer learns of every flow that ends, whatever the reason, exactly
 * once; after on_end returns the flow's memory is reused. Nothing ends silently.
 */
struct flow_consumer {
    void *ctx;
    void (*on_new)(void *ctx, struct flow *f, const struct packet *p);
    void (*on_end)(void *ctx, struct flow *f);
};

/* NULL with a message in err (errlen bytes) when the table cannot be made. */
struct flow_table *flow_table_new(const struct flow_table_config *cfg,
                                  const struct flow_consumer *consumer, char *err, size_t errlen);
void flow_table_free(struct flow_table *t);

/*
 * Find the packet's flow or create it (evicting when full). *dir is the
 * packet's direction in the flow (FLOW_DIR_FWD: from the first packet's source).
 */
struct flow *flow_table_lookup(struct flow_table *t, const struct packet *p, int *dir);

/* Account a packet to its flow and keep the expiry order. */
void flow_table_touch(struct flow_table *t, struct flow *f, int dir, const struct packet *p);

/* The connection closed (FIN both ways or RST): expire after the closed timeout. */
void flow_table_mark_closed(struct flow_table *t, struct flow *f);

/* End one flow now, with a reason: the consumer is told and the entry is freed. */
void flow_table_end(struct flow_table *t, struct flow *f, enum flow_end_reason why);

/* End every flow whose timeout passed at packet time `now`. */
void flow_table_expire(struct flow_table *t, uint64_t now);

/* End every remaining flow (end of input), in creation order. */
void flow_table_flush(struct flow_table *t);

uint32_t flow_table_active(const struct flow_table *t);
/* Bytes the table itself holds (pool + buckets) at its high-water mark. */
uint64_t flow_table_mem(const struct flow_table *t);
/* The counters since the table was made. */
void flow_table_get_stats(const struct flow_table *t, struct flow_table_stats *s);

#endif
