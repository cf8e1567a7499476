/* ipsec_peers.h - IPsec peer pairs: the ESP, AH, IKE and NAT-T traffic between two hosts. */
#ifndef ZS_IPSEC_PEERS_H
#define ZS_IPSEC_PEERS_H

#include <stdbool.h>
#include <stdint.h>

struct flow;
struct ike_state;
struct packet;
struct peer;
struct peer_table;
struct ipsec_peers;

/* At most this many pairs are tracked; packets of further pairs are counted (pairs_overflow). */
#define IPSEC_MAX_PAIRS_DEFAULT 4096

/* The pairs are peers (sensor/peer.c) of kind PEER_IPSEC in `peers`, which the caller owns. */
struct ipsec_peers *ipsec_peers_new(struct peer_table *peers, unsigned max_pairs);
void ipsec_peers_free(struct ipsec_peers *ip);

/*
 * Every decoded packet (and packets decode skipped after an AH header, so AH over ICMP/OSPF is
 * counted): ESP (proto 50), AH (has_ah), UDP 500/4500 IKE, UDP 4500 ESP-in-UDP and NAT-T
 * keepalives. Returns true when the UDP payload was ESP-in-UDP or a keepalive: it is not for
 * the datagram dissectors. IKE messages are not parsed here: each UDP flow's IKE dissector
 * parses them once, and ipsec_peers_flow_end adds its facts to the pair.
 */
bool ipsec_peers_packet(struct ipsec_peers *ip, const struct packet *p);
/* A flow ended; `ike`: its IKE dissector's state, or NULL. */
void ipsec_peers_flow_end(struct ipsec_peers *ip, const struct flow *f,
                          const struct ike_state *ike);

/* The pairs in creation order. */
unsigned ipsec_peers_count(const struct ipsec_peers *ip);
struct peer *ipsec_peers_get(const struct ipsec_peers *ip, unsigned i);

struct ipsec_peers_stats {
    uint64_t pairs;
    uint64_t pairs_overflow; /* packets of pairs that did not fit */
    uint64_t spis_overflow;  /* packets of SPIs that did not fit in their pair */
    uint64_t esp_packets, ah_packets, ike_packets, natt_esp_packets, natt_keepalives;
    uint64_t esp_short; /* ESP-in-UDP payloads too short for SPI and sequence */
};
void ipsec_peers_get_stats(const struct ipsec_peers *ip, struct ipsec_peers_stats *s);

#endif
