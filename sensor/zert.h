/* zert.h - the zERT model: connections, security sessions, detail events and interval summaries. */
#ifndef ZS_ZERT_H
#define ZS_ZERT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct conf;
struct flow;
struct packet;
struct peer_table;
struct zert_detail;
struct zert_summary;
struct zert_layer;

/*
 * Where records go. Either callback may be NULL (the record kind is off, as
 * SMFCONFIG ZERTDETAIL / ZERTSUMMARY switch them). Return -1 on a write error.
 */
struct zert_sink {
    void *ctx;
    int (*detail)(void *ctx, const struct zert_detail *d);
    int (*summary)(void *ctx, const struct zert_summary *s);
};

/*
 * What the application layer knows about a connection's protection now:
 * ZERT_PROT_* bits of established sessions, and the record facts.
 */
struct zert_probe {
    uint8_t (*protection)(const struct flow *f, bool *clear_first, bool *ended_early);
    void (*fill)(const struct flow *f, struct zert_detail *rec);
    /* The peer kind (sensor/peer.h: PEER_EE) of a UDP flow, from the dissector that claimed it;
     * 0 when the flow is no part of a peer connection. */
    uint8_t (*peer_kind)(const struct flow *f);
};

/* EE connections are peers (sensor/peer.h) of kind PEER_EE in `peers`, which the caller owns. */
struct zert_layer *zert_new(const struct conf *conf, const struct zert_sink *sink,
                            const struct zert_probe *probe, struct peer_table *peers);
void zert_free(struct zert_layer *z);

/* The next summary interval boundary after the last one processed (UINT64_MAX before traffic). */
uint64_t zert_next_boundary(const struct zert_layer *z);
/* Close the interval ending at `boundary`: byte accounting, due init records, summary records. */
void zert_boundary(struct zert_layer *z, uint64_t boundary);

/* A packet of flow f (after reassembly and dissectors saw it). */
void zert_packet(struct zert_layer *z, struct flow *f, const struct packet *p);
/* Flow f ended at packet time `now` (its dissector state is still there). */
void zert_flow_end(struct zert_layer *z, struct flow *f, uint64_t now);
/*
 * An IPsec peer pair as a connection (docs/ipsec.md): `facts` holds ip_proto, protection and
 * the ipsec block; the layer picks the local side(s), writes init and term, and adds it to its
 * security session. `responder` is the index (0/1) of the IKE responder, -1 when unknown.
 */
void zert_peer_pair(struct zert_layer *z, const struct zert_detail *facts, uint8_t family,
                    const uint8_t *addr[2], int responder, uint64_t first_ts, uint64_t last_ts,
                    const uint64_t bytes[2], const uint64_t pkts[2]);

/* End of input at packet time `now`: the final summary set. */
void zert_finish(struct zert_layer *z, uint64_t now);

/* Records written, and -1 once a sink failed. */
uint64_t zert_details_written(const struct zert_layer *z);
uint64_t zert_summaries_written(const struct zert_layer *z);
int zert_sink_failed(const struct zert_layer *z);

#endif
