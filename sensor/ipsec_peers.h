/* ipsec_peers.h - IPsec peer pairs: the ESP, AH, IKE and NAT-T traffic between two hosts. */
#ifndef ZS_IPSEC_PEERS_H
#define ZS_IPSEC_PEERS_H

#include <stdbool.h>
#include <stdint.h>

struct flow;
struct ike_state;
struct ipsec_pair_view;
struct obs_ipsec_pair;
struct packet;
struct peer;
struct peer_table;
struct zert_detail;
struct ipsec_peers;

/*
 * A pair lives while IPsec packets cross it: it ends when it was idle `idle_us` (the UDP
 * timeout, as its ESP and IKE flows do) or when the input ends, and on_end is its last
 * moment: its records and observation line are cut there, then it is freed. At most
 * `max_pairs` pairs live at once; packets of further pairs are counted (pairs_overflow).
 */
#define IPSEC_MAX_PAIRS_DEFAULT 65536

struct ipsec_peers_ops {
    void *ctx;
    void (*on_end)(void *ctx, struct peer *pair, uint64_t now);
};

/* The pairs are peers (sensor/peer.c) of kind PEER_IPSEC in `peers`, which the caller owns. */
struct ipsec_peers *ipsec_peers_new(struct peer_table *peers, unsigned max_pairs, uint64_t idle_us,
                                    const struct ipsec_peers_ops *ops);
void ipsec_peers_free(struct ipsec_peers *ip);

/*
 * Every decoded packet (and packets decode skipped after an AH header, so AH over ICMP/OSPF is
 * counted): ESP (proto 50), AH (has_ah), UDP 500/4500 IKE, UDP 4500 ESP-in-UDP and NAT-T
 * keepalives. Returns true when the UDP payload was ESP-in-UDP or a keepalive: it is not for
 * the datagram dissectors. *pair: the packet's pair, or NULL. IKE messages are not parsed
 * here: each UDP flow's IKE dissector parses them once (ipsec_peers_flow_*).
 */
bool ipsec_peers_packet(struct ipsec_peers *ip, const struct packet *p, struct peer **pair);
/* A packet of UDP flow f went to its IKE dissector (`ike`: its state): f joins its pair. */
void ipsec_peers_flow_seen(struct ipsec_peers *ip, struct flow *f, const struct ike_state *ike);
/* Flow f ended; `ike`: its IKE dissector's state, or NULL. Its IKE facts stay with the pair. */
void ipsec_peers_flow_end(struct ipsec_peers *ip, const struct flow *f,
                          const struct ike_state *ike);

/* When the next pair is due to end by idleness (UINT64_MAX: none). O(1). */
uint64_t ipsec_peers_next_expiry(const struct ipsec_peers *ip);
/* End the pairs idle at `now`, oldest first. O(pairs ended). */
void ipsec_peers_expire(struct ipsec_peers *ip, uint64_t now);
/* The input ended: every pair ends (end_of_capture), oldest activity first. */
void ipsec_peers_flush(struct ipsec_peers *ip, uint64_t now);

/* A pair's facts now: its view (addresses, volume) and its IPsec block into rec. */
void ipsec_peers_view(struct ipsec_peers *ip, const struct peer *pair, struct ipsec_pair_view *v,
                      struct zert_detail *rec);
/* The IPsec block of the pair between two addresses, for a connection AH protects. */
bool ipsec_peers_fill_between(struct ipsec_peers *ip, uint8_t family, const uint8_t a[16],
                              const uint8_t b[16], struct zert_detail *rec);
/* A pair's observation line. */
void ipsec_peers_observe(struct ipsec_peers *ip, const struct peer *pair, struct obs_ipsec_pair *o);

struct ipsec_peers_stats {
    uint64_t pairs;          /* pairs seen in the run */
    uint64_t pairs_overflow; /* packets of pairs that did not fit */
    uint64_t spis_overflow;  /* packets of SPIs that did not fit in their pair */
    uint64_t esp_packets, ah_packets, ike_packets, natt_esp_packets, natt_keepalives;
    uint64_t esp_short; /* ESP-in-UDP payloads too short for SPI and sequence */
};
void ipsec_peers_get_stats(const struct ipsec_peers *ip, struct ipsec_peers_stats *s);

#endif
