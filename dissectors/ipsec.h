/* ipsec.h - an IPsec peer pair's facts: ESP/AH SAs and counters, and its merged IKE facts. */
#ifndef ZS_IPSEC_H
#define ZS_IPSEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ike_state;

/* Bounds: a fixed number of SAs (SPIs) per pair; more are counted (spis_overflow). */
#define IPSEC_MAX_SPIS    32 /* ESP SPIs per pair (both directions) */
#define IPSEC_MAX_AH_SPIS 16

/* One SA as seen on the wire: an SPI in one direction of the pair. */
struct ipsec_sa_ctr {
    uint32_t spi;
    uint8_t dir;     /* 0: addr[0] -> addr[1], 1: the other way */
    uint8_t icv_len; /* AH: bytes of ICV (12: HMAC-*-96, 16/24/32: SHA-2, GMAC...) */
    bool udp_encap;  /* seen inside UDP 4500 */
    bool raw;        /* seen as IP protocol 50/51 */
    bool icv_varies; /* AH: the ICV length changed within the SA */
    uint64_t packets, bytes;
    uint32_t first_seq, max_seq;
    uint32_t gaps;    /* jumps forward by more than one */
    uint64_t missing; /* sequence numbers skipped by those jumps */
    uint32_t replays; /* a sequence number at or below the highest seen: replay or reorder */
    uint32_t wraps;   /* the 32-bit sequence wrapped (ESN) */
    uint64_t first_ts, last_ts;
};

/*
 * What the wire shows of IPsec between two hosts (a peer pair, sensor/ipsec_peers.c): the
 * ESP and AH SAs with their counters, NAT-T keepalives, and the IKE facts of the pair's UDP
 * 500/4500 flows, merged from what each flow's IKE dissector parsed (parsed once).
 * Directions: 0 is addr[0] -> addr[1] of the pair.
 */
struct ipsec_pair_state {
    struct ipsec_sa_ctr esp[IPSEC_MAX_SPIS];
    struct ipsec_sa_ctr ah[IPSEC_MAX_AH_SPIS];
    uint8_t n_esp, n_ah;
    uint64_t spis_overflow;
    uint64_t keepalives;
    struct ike_state *ike; /* allocated with the pair's first IKE datagram */
};

void ipsec_pair_state_init(struct ipsec_pair_state *st);
void ipsec_pair_state_fini(struct ipsec_pair_state *st);
/* One ESP packet (SPI and sequence from its header); false when the SPI did not fit. */
bool ipsec_pair_esp(struct ipsec_pair_state *st, int dir, uint32_t spi, uint32_t seq,
                    uint64_t bytes, uint64_t ts, bool udp_encap);
/* One AH header; false when the SPI did not fit. */
bool ipsec_pair_ah(struct ipsec_pair_state *st, int dir, uint32_t spi, uint32_t seq,
                   uint8_t icv_len, uint64_t bytes, uint64_t ts);
/* An IKE datagram crossed the pair: its facts come later, from its flow (false: no memory). */
bool ipsec_pair_ike_seen(struct ipsec_pair_state *st);
/* A UDP flow of the pair ended: its IKE state joins the pair's. */
void ipsec_pair_add_ike(struct ipsec_pair_state *st, const struct ike_state *flow, bool reversed);
/* ESP in UDP (RFC 3948): SPI and sequence at the start of the UDP payload; false when short. */
bool ipsec_natt_esp_header(const uint8_t *data, size_t len, uint32_t *spi, uint32_t *seq);

/* Who the pair is, for its line and records. */
struct ipsec_pair_id {
    uint64_t id; /* in creation order, from 1 */
    uint8_t family;
    const uint8_t *addr[2]; /* [0]: the source of the pair's first packet */
    uint64_t first_ts, last_ts;
};

struct obs_ipsec_pair;
/* The observation line of a pair. */
void ipsec_pair_observe(const struct ipsec_pair_state *st, const struct ipsec_pair_id *id,
                        struct obs_ipsec_pair *o);

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
/* A pair's view and its facts into rec->ipsec. */
void ipsec_pair_view(const struct ipsec_pair_state *st, const struct ipsec_pair_id *id,
                     struct ipsec_pair_view *v, struct zert_detail *rec);

#endif
