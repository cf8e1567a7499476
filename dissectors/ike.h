/* ike.h - IKEv1 (ISAKMP) and IKEv2 exchange facts, per UDP flow or per peer pair. */
#ifndef ZS_IKE_H
#define ZS_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissector.h"

#define IKE_PORT      500
#define IKE_NATT_PORT 4500

#define IKE_MAX_SAS     32 /* IKE SAs (SPI pairs) remembered per flow; more are counted */
#define IKE_MAX_VIDS    8  /* distinct vendor IDs remembered per flow */
#define IKE_VID_MAX     20 /* bytes of a vendor ID kept (MD5 + version words) */
#define IKE_MAX_NOTIFY  12 /* distinct notify types remembered per SA */
#define IKE_MAX_ADDKE   7  /* RFC 9370 ADDKE1..ADDKE7 */
#define IKE_MAX_OFFERED 8  /* KE groups offered by an IKEv2 initiator, remembered */
#define IKE_EXCH_SLOTS  64 /* exchange types counted one by one */

/* What kind of UDP payload arrived on port 4500 (RFC 3948). */
enum ike_natt_kind {
    IKE_NATT_IKE,       /* non-ESP marker (4 zero bytes), IKE follows */
    IKE_NATT_KEEPALIVE, /* the single 0xFF byte */
    IKE_NATT_ESP,       /* ESP in UDP: SPI first */
    IKE_NATT_JUNK,      /* too short to be any of them */
};

/* One IKE SA as the clear-text messages showed it. Numbers are IANA values; 0 = not seen. */
struct ike_sa {
    uint8_t spi_i[8], spi_r[8];
    uint8_t version;     /* major version: 1 or 2 */
    uint8_t exchange;    /* the exchange that set the SA up (main, aggressive, ike_sa_init) */
    bool offered;        /* the initiator's SA payload was seen */
    bool chosen;         /* the responder's SA payload (chosen transform) was seen */
    bool initiator_seen; /* which direction initiated: init_dir is valid */
    uint8_t init_dir;    /* dir (as given to on_packet) of the initiator's messages */
    uint8_t offered_proposals;
    uint8_t offered_transforms;
    uint16_t encr, key_bits, prf, integ, hash, auth, dh_group;
    bool integ_seen;               /* IKEv2: an INTEG transform was in the chosen proposal */
    uint16_t addke[IKE_MAX_ADDKE]; /* chosen ADDKEn groups (0: none) */
    uint16_t ke_payload_group[2];  /* IKEv2 KE payload group: [0] initiator, [1] responder */
    uint16_t offered_groups[IKE_MAX_OFFERED];
    uint8_t n_offered_groups;
    uint32_t life_seconds, life_kbytes; /* IKEv1 lifetime attributes of the chosen transform */
    bool offered_psk;                   /* IKEv1: a pre-shared key transform was offered */
    bool nat_detection;                 /* NAT-D payloads (v1) or NAT_DETECTION_* notifies (v2) */
    bool fragmentation; /* IKEV2_FRAGMENTATION_SUPPORTED, or IKEv1 fragment payloads */
    bool no_proposal_chosen;
    uint32_t cookie_retries;  /* IKE_SA_INIT requests that returned a COOKIE */
    uint32_t invalid_ke;      /* INVALID_KE_PAYLOAD responses */
    uint16_t requested_group; /* the group INVALID_KE_PAYLOAD asked for */
    uint32_t clear_messages, encrypted_messages;
    uint16_t exch_msgs[IKE_EXCH_SLOTS]; /* messages per exchange type (slot 0: >= 64) */
    uint16_t notify[IKE_MAX_NOTIFY];
    uint8_t n_notify;
    uint64_t first_ts, last_ts;
    uint64_t order, last_order; /* first and last message, in parse order over every flow */
};

struct ike_vid {
    uint8_t id[IKE_VID_MAX];
    uint8_t len;       /* bytes kept */
    uint16_t full_len; /* bytes on the wire */
};

/* Per-flow (or per-pair) state: what every IKE message of the flow contributed. */
struct ike_state {
    struct ike_sa sas[IKE_MAX_SAS];
    uint8_t n_sas;
    uint32_t sas_overflow; /* SAs beyond IKE_MAX_SAS: counted, not described */
    struct ike_vid vids[IKE_MAX_VIDS];
    uint8_t n_vids;
    uint32_t vids_overflow;
    uint32_t messages;   /* IKE messages parsed */
    uint32_t malformed;  /* messages whose header or payload chain did not parse */
    uint32_t keepalives; /* NAT-T keepalives (0xFF) */
    uint32_t not_ike;    /* datagrams that were neither IKE nor keepalives (ESP-in-UDP...) */
    bool nat_t;          /* IKE after the non-ESP marker (UDP 4500) was seen */
};

extern const struct datagram_dissector ike_dissector;

/* Classify a UDP 4500 payload (RFC 3948). */
enum ike_natt_kind ike_classify_natt(const uint8_t *data, size_t len);

void ike_state_init(struct ike_state *st);
/* Parse one UDP payload (with or without the non-ESP marker); `dir` is 0 or 1. */
void ike_parse_datagram(struct ike_state *st, int dir, const uint8_t *data, size_t len,
                        uint64_t ts_us);
/*
 * Fold the state of one flow into a peer pair's (docs/ipsec.md: a pair's IKE facts are those
 * of its UDP 500/4500 flows, each parsed once by that flow's dissector). SAs are matched by
 * version and initiator SPI; what a message set once is kept from the flow that had it;
 * counts add up; SAs end in order of their first message, as one parse of the pair would
 * have them. `reversed`: src's dir 0 is dst's dir 1.
 */
void ike_state_merge(struct ike_state *dst, const struct ike_state *src, bool reversed);
/* The SA reported in the flat keys: the first with a chosen transform, else the first. */
const struct ike_sa *ike_primary_sa(const struct ike_state *st);

/* What is known of the child SAs: their negotiation is encrypted (IKE_AUTH, quick mode). */
#define IKE_CHILD_SA_UNKNOWN "unknown (encrypted negotiation)"

struct obs_ike;
/* The IKE facts of a flow or peer pair for its observation line (st NULL: none seen). */
void ike_fill_obs(const struct ike_state *st, struct obs_ike *o);

struct zert_detail;
/* The record's IPsec block from an IKE SA (NULL: only what is known without one). */
void ike_fill_sa(const struct ike_sa *sa, bool nat_t, struct zert_detail *rec);

#endif
