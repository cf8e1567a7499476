/* ee.h - Enterprise Extender (SNA HPR over UDP): LLC, NLP parsing and per-flow observation. */
#ifndef ZS_EE_H
#define ZS_EE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"
#include "dissector.h"

/*
 * What is parsed and reported, and the choices made where the sources are
 * silent, are in docs/ee.md. Layouts: ../shared/spec/ee-zert-ipsec.md A.2.
 */

#define EE_BASE_PORT_DEFAULT 12000
#define EE_PORT_COUNT        5 /* signalling, network, high, medium, low */

#define EE_MAX_SAPS     16 /* distinct SAP pairs per flow */
#define EE_MAX_TCIDS    64 /* distinct (direction, TCID) per flow */
#define EE_MAX_SESSIONS 32 /* distinct FID5 session addresses per flow */
#define EE_MAX_SEGS     16 /* optional segment types remembered per NLP */

/* LLC U-frame kinds (control byte with the P/F bit 0x10 masked). */
enum ee_frame {
    EE_FRAME_UI,
    EE_FRAME_XID,
    EE_FRAME_TEST,
    EE_FRAME_DISC,
    EE_FRAME_DM,
    EE_FRAME_OTHER, /* another U-frame (not in LDLC's subset) */
    EE_FRAME_N,
};

#define EE_LLC_UI   0x03
#define EE_LLC_XID  0xAF
#define EE_LLC_TEST 0xE3
#define EE_LLC_DISC 0x43
#define EE_LLC_DM   0x0F
#define EE_LLC_PF   0x10

/* NHDR switching mode (byte 0 >> 5) */
#define EE_SM_FR  5
#define EE_SM_ANR 6

/* FR header values for FT = 1 (LDLC) */
#define EE_FRH_XID_DONE_RQ  0x03
#define EE_FRH_XID_DONE_RSP 0x04

/* THDR byte 8 and byte 9 flags */
#define EE_THDR_SETUPI 0x40
#define EE_THDR_SOMI   0x20
#define EE_THDR_EOMI   0x10
#define EE_THDR_SRI    0x08
#define EE_THDR_RASAPI 0x04
#define EE_THDR_RETRYI 0x02
#define EE_THDR_LMI    0x80
#define EE_THDR_CQFI   0x08
#define EE_THDR_OSI    0x04

/* Optional segment types */
#define EE_SEG_SETUP  0x0D
#define EE_SEG_STATUS 0x0E
#define EE_SEG_OOB    0x0F
#define EE_SEG_TCID   0x10
#define EE_SEG_FAULT  0x12
#define EE_SEG_SWITCH 0x14
#define EE_SEG_ARB    0x22

/* 0x0F client out-of-band bits */
#define EE_OOB_DEACT_REQ    0x0001
#define EE_OOB_DEACT_OK     0x8000
#define EE_OOB_DEACT_REJECT 0x8004

struct ee_llc {
    uint8_t dsap, ssap, control;
    enum ee_frame type;
};

/* What follows the THDR. */
enum ee_payload {
    EE_PL_NONE,        /* no bytes after the THDR */
    EE_PL_FID5,        /* FID5 TH + RH */
    EE_PL_ROUTE_SETUP, /* GDS 0x12CE */
    EE_PL_FRAGMENT,    /* SOMI = 0 and DLF != 0: continuation of a message */
    EE_PL_OTHER,
};

/* One HPR network layer packet, as far as it parsed. */
struct ee_nlp {
    uint8_t sm, tpf, ft;
    uint8_t nlabels; /* ANR/FR label bytes before the 0xFF (capped at 255) */
    bool has_frh;
    uint8_t frh;
    bool has_thdr;
    uint8_t tcid[8];
    uint8_t flags8, flags9;
    uint16_t offset_words;
    uint32_t dlf, bsn;
    bool dlf_mismatch; /* DLF differs from the bytes after the THDR */
    uint8_t nsegs;
    uint8_t seg_types[EE_MAX_SEGS];
    bool has_setup;
    uint8_t setup_flags;
    uint16_t setup_version;
    bool has_status;
    uint8_t status_flags; /* 0x80 gap detected, 0x40 idle */
    uint32_t status_rseq;
    bool has_oob;
    uint16_t oob_bits;
    bool has_peer_tcid;
    uint8_t peer_tcid[8];
    bool has_fault, has_switch, has_arb;
    uint8_t arb_type; /* byte 2 >> 6 */
    enum ee_payload payload;
    uint8_t session_addr[8]; /* FID5 */
    uint16_t gds_type;
};

/* The configured base port (default 12000); EE ports are base..base+4. */
void ee_set_base_port(uint16_t base);
uint16_t ee_base_port(void);
bool ee_port_in_range(uint16_t port);

/* The 3-byte LLC header. False when short or not a U-frame. */
bool ee_parse_llc(struct cursor *c, struct ee_llc *out);
/* A UI frame's payload as an NLP. False when malformed (out holds what parsed). */
bool ee_parse_nlp(struct cursor *c, struct ee_nlp *out);
/* True when the first byte starts an NLP (high nibble 0xA-0xD, as Wireshark decides). */
bool ee_is_nlp(uint8_t b0);

struct ee_sap_pair {
    uint8_t c_sap, s_sap; /* SAP of the flow's first sender, SAP of the other side */
};

/* An RTP pipe direction: the TCID carried in THDRs of one direction. */
struct ee_tcid_ent {
    uint8_t tcid[8];
    uint8_t dir;
    bool has_peer; /* a 0x10 segment named the other direction's TCID */
    uint8_t peer[8];
    bool setup, teardown;
    bool bsn_known;
    uint32_t next_bsn;
    uint32_t nlps;
    uint64_t dlf_bytes;
};

/* Per-flow (one UDP 5-tuple) EE observation. */
struct ee_state {
    bool ports_known;
    uint16_t port[2]; /* [DIR_C2S] = first sender's port */
    uint32_t frames[EE_FRAME_N];
    uint32_t frames_dir[2];
    uint64_t bytes_dir[2];
    uint8_t nsaps;
    struct ee_sap_pair saps[EE_MAX_SAPS];
    uint32_t sap_overflow;
    bool xid_seen, xid3_seen, disc_seen, dm_seen;
    uint32_t xid_done_rq, xid_done_rsp;
    uint32_t nlp_count, fr_count, anr_count;
    uint32_t route_setups, fragments, fid5_count, ui_not_nlp;
    uint32_t status_segs, status_gap_reports, idle_segs, arb_segs, fault_segs, switch_segs;
    uint32_t nlps_by_tpf[4];
    uint64_t dlf_by_tpf[4];
    uint32_t tpf_port_mismatch;
    uint32_t dlf_mismatch;
    uint8_t ntcids;
    struct ee_tcid_ent tcids[EE_MAX_TCIDS];
    uint32_t tcid_overflow;
    uint32_t bsn_gaps, bsn_retransmits;
    uint8_t nsessions;
    uint8_t sessions[EE_MAX_SESSIONS][8];
    uint32_t session_overflow;
    uint32_t malformed;
    uint64_t first_ts, last_ts;
};

/* Feed one datagram of a flow (dir: DIR_C2S = the flow's first sender). */
void ee_state_packet(struct ee_state *st, int dir, const uint8_t *data, size_t len, uint64_t ts_us);
/*
 * Fold the state of another flow of the same IP pair into dst (docs/ee.md, aggregation).
 * `reversed`: src's first sender is dst's other side (directions and SAP pairs are flipped).
 */
void ee_state_merge(struct ee_state *dst, const struct ee_state *src, bool reversed);
/* RTP pipes: (direction, TCID) entries joined through 0x10 segments. */
unsigned ee_state_pipes(const struct ee_state *st, unsigned *setup, unsigned *teardown);

extern const struct datagram_dissector ee_dissector;

#endif
