/* peer.h - peer connections: the flows between one IP pair taken together (EE, IPsec). */
#ifndef ZS_PEER_H
#define ZS_PEER_H

#include <stdbool.h>
#include <stdint.h>

#include "../emit/zert_record.h"

struct flow;
struct peer_table;

/*
 * Some zERT connections are not one flow but every flow of a kind between two hosts: an
 * Enterprise Extender connection is the UDP flows of an IP pair on the EE ports (one per
 * priority, spec §A.5). A peer is such an IP pair. Its member flows live in the flow table;
 * the peer adds up their counters (oriented as the peer's first flow: addr[0] sent it) and
 * keeps the facts of members that ended. It lives while it has a member.
 */
enum peer_kind {
    PEER_EE = 1,
    PEER_IPSEC, /* ESP, AH, IKE and NAT-T between two hosts (sensor/ipsec_peers.c) */
};

struct ike_state;
struct ipsec_pair_state;

#define PEER_MEMBERS 8 /* concurrent member flows per peer; more are counted, not joined */

struct peer {
    struct peer *hnext;
    uint8_t kind;
    uint8_t family;
    uint8_t addr[2][16]; /* [0]: the source of the first member's first packet */
    uint16_t port[2];    /* the first member's ports */
    uint8_t end_reason;  /* enum flow_end_reason of the member that ended last */
    uint64_t first_ts, last_ts;
    uint64_t payload[2], pkts[2]; /* sums over members, [i]: sent by addr[i] */
    unsigned nmembers;
    struct flow *members[PEER_MEMBERS];
    bool swapped[PEER_MEMBERS]; /* the member's FLOW_DIR_FWD is the peer's direction 1 */
    uint64_t added_payload[PEER_MEMBERS][2], added_pkts[PEER_MEMBERS][2];
    struct zert_ee ended;                           /* EE facts of members that ended */
    void *user;                                     /* the zERT connection built on the peer */
    bool user_refused; /* no connection for it (routed traffic): asked once */
    struct ipsec_pair_state *ipsec;                 /* PEER_IPSEC: the pair's SAs and IKE facts */
    const struct ike_state *ike_live[PEER_MEMBERS]; /* PEER_IPSEC: members' IKE dissector states */
    uint64_t pair_id;                               /* PEER_IPSEC: in creation order, from 1 */
    struct peer *lprev, *lnext; /* PEER_IPSEC: by last activity, for idle expiry */
};

struct peer_table *peer_table_new(void);
void peer_table_free(struct peer_table *t);

/* The peer of kind `kind` between two addresses (either order), or NULL. O(1). */
struct peer *peer_find_addrs(struct peer_table *t, uint8_t kind, uint8_t family,
                             const uint8_t a[16], const uint8_t b[16]);
/* A new peer between src (its addr[0]) and dst, first seen at ts. NULL: no memory. */
struct peer *peer_create_addrs(struct peer_table *t, uint8_t kind, uint8_t family,
                               const uint8_t src[16], const uint8_t dst[16], uint64_t ts);
/* The peer of kind `kind` for flow f's IP pair, or NULL. O(1). */
struct peer *peer_find(struct peer_table *t, uint8_t kind, const struct flow *f);
/* A new peer for f's IP pair, oriented as f (addr[0] is f's first sender). NULL: no memory. */
struct peer *peer_create(struct peer_table *t, uint8_t kind, const struct flow *f);
/*
 * f becomes a member: true with its member index in *slot, false when the peer already has
 * PEER_MEMBERS members (counted in peer_table_refused).
 */
bool peer_attach(struct peer_table *t, struct peer *p, struct flow *f, unsigned *slot);
/* Bring the peer's counters up to date with member `slot`. O(1). */
void peer_update(struct peer *p, unsigned slot);
/* Member `slot` ended (its counters are added first). True when it was the last member. */
bool peer_leave(struct peer *p, unsigned slot);
/* The peer ended (no member left): forget and free it. */
void peer_remove(struct peer_table *t, struct peer *p);

/*
 * EE facts of one member, oriented as the peer (SAP pairs flipped for swapped members),
 * merged into dst: sets of ports and SAP pairs, pipes summed, XID seen by any.
 */
void peer_merge_ee(struct zert_ee *dst, const struct zert_ee *src, bool swapped);

/* Members refused because a peer had PEER_MEMBERS already (counted for --stats). */
uint64_t peer_table_refused(const struct peer_table *t);

#endif
