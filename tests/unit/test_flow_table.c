/* test_flow_table.c - symmetric lookup, eviction, packet-time expiry, flush order. */
#include <string.h>

#include "../../flowtable/flow_table.h"
#include "../../flowtable/packet.h"
#include "check.h"

struct ended {
    int n;
    uint64_t ids[16];
    uint8_t reasons[16];
};

static void
on_end(void *ctx, struct flow *f)
{
    struct ended *e = ctx;
    if (e->n < 16) {
        e->ids[e->n] = f->id;
        e->reasons[e->n] = f->end_reason;
    }
    e->n++;
}

static struct packet
pkt(uint8_t a, uint8_t b, uint16_t sp, uint16_t dp, uint8_t proto, uint64_t ts)
{
    struct packet p;
    memset(&p, 0, sizeof(p));
    p.family = 4;
    p.proto = proto;
    p.src[0] = 10;
    p.src[3] = a;
    p.dst[0] = 10;
    p.dst[3] = b;
    p.sport = sp;
    p.dport = dp;
    p.ts_us = ts;
    p.ip_len = 40;
    return p;
}

static struct flow_table *
table(struct ended *e, uint32_t max)
{
    char err[256];
    struct flow_table_config cfg = {
        .max_flows = max, .tcp_idle_us = 100, .udp_idle_us = 50, .closed_us = 5, .seed = 42};
    struct flow_consumer c = {.ctx = e, .on_end = on_end};
    return flow_table_new(&cfg, &c, err, sizeof(err));
}

static void
test_symmetric(void)
{
    struct ended e = {0};
    struct flow_table *t = table(&e, 8);
    struct packet a = pkt(1, 2, 40000, 443, 6, 1);
    struct packet b = pkt(2, 1, 443, 40000, 6, 2);
    int da, db;
    struct flow *fa = flow_table_lookup(t, &a, &da);
    struct flow *fb = flow_table_lookup(t, &b, &db);
    CHECK(fa == fb);
    CHECK_EQ_INT(da, FLOW_DIR_FWD);
    CHECK_EQ_INT(db, FLOW_DIR_REV);
    /* no SYN: roles from ports, 443 is the server */
    CHECK_EQ_INT(fa->client_dir, FLOW_DIR_FWD);
    CHECK(fa->flags & FLOW_F_ROLES_GUESSED);
    flow_table_touch(t, fa, da, &a);
    flow_table_touch(t, fb, db, &b);
    CHECK_EQ_INT(fa->pkts[0], 1);
    CHECK_EQ_INT(fa->pkts[1], 1);
    CHECK_EQ_INT(flow_table_active(t), 1);
    /* a different port is a different flow; the same key with a different seed hashes apart */
    struct packet c = pkt(1, 2, 40001, 443, 6, 3);
    int dc;
    CHECK(flow_table_lookup(t, &c, &dc) != fa);
    struct flow_key k;
    flow_key_from_packet(&a, &k);
    CHECK(flow_key_hash(&k, 1) != flow_key_hash(&k, 2));
    struct flow_key k2;
    flow_key_from_packet(&b, &k2);
    CHECK(flow_key_equal(&k, &k2));
    CHECK(flow_key_hash(&k, 7) == flow_key_hash(&k2, 7));
    flow_table_free(t);
}

static void
test_eviction_and_expiry(void)
{
    struct ended e = {0};
    struct flow_table *t = table(&e, 2);
    int d;
    struct packet p1 = pkt(1, 2, 1000, 80, 6, 10);
    struct packet p2 = pkt(1, 3, 1000, 80, 6, 20);
    struct packet p3 = pkt(1, 4, 1000, 80, 6, 30);
    struct flow *f1 = flow_table_lookup(t, &p1, &d);
    flow_table_touch(t, f1, d, &p1);
    struct flow *f2 = flow_table_lookup(t, &p2, &d);
    flow_table_touch(t, f2, d, &p2);
    uint64_t id1 = f1->id;
    p1.ts_us = 25; /* flow 1 becomes the most recently used */
    flow_table_touch(t, f1, FLOW_DIR_FWD, &p1);
    struct flow *f3 = flow_table_lookup(t, &p3, &d); /* table full: flow 2 (LRU) goes */
    CHECK(f3 != NULL);
    CHECK_EQ_INT(e.n, 1);
    CHECK_EQ_INT(e.ids[0], 2);
    CHECK_EQ_INT(e.reasons[0], FLOW_END_EVICTED);
    flow_table_touch(t, f3, d, &p3);
    /* packet time 130: flow 1 (last 25) idle > 100, flow 3 (last 30) not yet */
    flow_table_expire(t, 130);
    CHECK_EQ_INT(e.n, 2);
    CHECK_EQ_INT(e.ids[1], id1);
    CHECK_EQ_INT(e.reasons[1], FLOW_END_IDLE);
    /* time going backwards expires nothing */
    flow_table_expire(t, 5);
    CHECK_EQ_INT(e.n, 2);
    /* closed flows use the closed timeout and end with their closing reason */
    flow_table_mark_closed(t, f3);
    f3->tcp[0].fin_seen = f3->tcp[1].fin_seen = 1;
    flow_table_expire(t, 136);
    CHECK_EQ_INT(e.n, 3);
    CHECK_EQ_INT(e.reasons[2], FLOW_END_FIN);
    CHECK_EQ_INT(flow_table_active(t), 0);
    /* the table's own counters: the closed flow's end is not an idle timeout */
    struct flow_table_stats s;
    flow_table_get_stats(t, &s);
    CHECK_EQ_INT(s.flows_created, 3);
    CHECK_EQ_INT(s.flows_ended, 3);
    CHECK_EQ_INT(s.flows_evicted, 1);
    CHECK_EQ_INT(s.flows_timed_out, 1);
    CHECK_EQ_INT(s.pkts_time_backwards, 1);
    CHECK_EQ_INT(s.tcp_midstream, 3); /* no SYN in any of them */
    CHECK_EQ_INT(s.tcp_roles_guessed, 3);
    flow_table_free(t);
}

static void
test_flush_order_and_udp(void)
{
    struct ended e = {0};
    struct flow_table *t = table(&e, 16);
    int d;
    for (uint8_t i = 0; i < 5; i++) {
        struct packet p = pkt(1, (uint8_t)(10 + i), 5000, 53, i % 2 ? 17 : 6, 100 + i);
        struct flow *f = flow_table_lookup(t, &p, &d);
        flow_table_touch(t, f, d, &p);
    }
    /* UDP flows (2 and 4) idle out after 50, TCP ones after 100 */
    flow_table_expire(t, 104 + 51);
    CHECK_EQ_INT(e.n, 2);
    CHECK_EQ_INT(e.ids[0], 2);
    CHECK_EQ_INT(e.ids[1], 4);
    flow_table_flush(t);
    CHECK_EQ_INT(e.n, 5);
    CHECK_EQ_INT(e.ids[2], 1);
    CHECK_EQ_INT(e.ids[3], 3);
    CHECK_EQ_INT(e.ids[4], 5);
    CHECK_EQ_INT(e.reasons[4], FLOW_END_END_OF_CAPTURE);
    flow_table_free(t);
}

static void
test_esp_key(void)
{
    struct packet a = pkt(1, 2, 0, 0, 50, 1), b = pkt(2, 1, 0, 0, 50, 1);
    a.spi = 0x100;
    b.spi = 0x200;
    struct flow_key ka, kb;
    flow_key_from_packet(&a, &ka);
    flow_key_from_packet(&b, &kb);
    CHECK(!flow_key_equal(&ka, &kb)); /* each SPI is its own flow */
    b.spi = 0x100;
    flow_key_from_packet(&b, &kb);
    CHECK(flow_key_equal(&ka, &kb));
}

int
main(void)
{
    CHECK(sizeof(struct flow) <= 512);
    test_symmetric();
    test_eviction_and_expiry();
    test_flush_order_and_udp();
    test_esp_key();
    return check_report();
}
