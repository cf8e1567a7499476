/* ipsec.h - the per-run IPsec peer-pair table: ESP/AH SPIs and counters merged with IKE facts. */
#ifndef ZS_IPSEC_H
#define ZS_IPSEC_H

#include <stdbool.h>
#include <stdint.h>

struct packet;
struct ipsec_table;

/* Bounds: a fixed number of peer pairs and of SAs (SPIs) per pair; more are counted. */
#define IPSEC_MAX_PAIRS_DEFAULT 4096
#define IPSEC_MAX_SPIS          32 /* ESP SPIs per pair (both directions) */
#define IPSEC_MAX_AH_SPIS       16

struct ipsec_table *ipsec_table_new(unsigned max_pairs);
void ipsec_table_free(struct ipsec_table *t);

/*
 * The engine's one hook, for every decoded packet (and for packets decode skipped after
 * an AH header, so AH over ICMP/OSPF is counted): ESP (proto 50), AH (has_ah), UDP
 * 500/4500 IKE, UDP 4500 ESP-in-UDP and NAT-T keepalives. Returns true when the UDP
 * payload was ESP-in-UDP or a keepalive: it is not for the datagram dissectors.
 */
bool ipsec_table_packet(struct ipsec_table *t, const struct packet *p);

/* The parts, for tests: an ESP packet (udp_encap: the SPI starts the UDP payload). */
void ipsec_table_esp(struct ipsec_table *t, const struct packet *p, bool udp_encap);
void ipsec_table_ah(struct ipsec_table *t, const struct packet *p);
/* An IKE datagram (UDP 500, or 4500 after the non-ESP marker) between the pair. */
void ipsec_table_ike(struct ipsec_table *t, const struct packet *p);

struct obs_ipsec_pair;
/* The observation line of pair i (creation order, below ipsec_table_pair_count()). */
void ipsec_table_observe_pair(const struct ipsec_table *t, unsigned i, struct obs_ipsec_pair *o);

struct zert_detail;

/* One peer pair as the zERT layer needs it: addresses, times, volume per direction. */
struct ipsec_pair_view {
    uint8_t family;
    const uint8_t *addr[2]; /* [0]: the source of the pair's first packet */
    int initiator;          /* index of the IKE initiator, -1 when no IKE was seen */
    uint64_t first_ts, last_ts;
    uint64_t bytes[2], pkts[2]; /* ESP/AH sent by addr[i] */
    uint8_t ip_proto;           /* 50 raw ESP, 51 AH, 17 ESP-in-UDP or IKE only */
    bool protected_traffic;     /* ESP or AH was seen */
};
unsigned ipsec_table_pair_count(const struct ipsec_table *t);
/* Pair i (creation order): its view, and its facts into rec->ipsec. */
void ipsec_table_pair(const struct ipsec_table *t, unsigned i, struct ipsec_pair_view *v,
                      struct zert_detail *rec);

/* Counters (the run's totals): pairs not tracked because the table was full, and so on. */
struct ipsec_table_stats {
    uint64_t pairs;
    uint64_t pairs_overflow; /* packets of pairs that did not fit */
    uint64_t spis_overflow;  /* packets of SPIs that did not fit in their pair */
    uint64_t esp_packets, ah_packets, ike_packets, natt_esp_packets, natt_keepalives;
    uint64_t esp_short; /* ESP-in-UDP payloads too short for SPI and sequence */
};
void ipsec_table_get_stats(const struct ipsec_table *t, struct ipsec_table_stats *s);

#endif
