/* obs_record.h - observation lines as typed facts: dissectors fill them, emit_obs.c writes them. */
#ifndef ZS_OBS_RECORD_H
#define ZS_OBS_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "zert_record.h"

/*
 * One observation line per flow (emit_obs.c writes it, records-json.md's extras): the flow's
 * addresses and times, nDPI's opinion, the dissector's protocol block and the limits of the
 * observation. The conventions are zert_record.h's, so that memset(0) means "nothing known":
 * - text is a fixed-size, NUL-terminated copy ("" is written as null), or a pointer to a
 *   static name string (NULL is null); never a pointer into packets or dissector state.
 * - optional numbers are struct zert_num, optional booleans enum zert_tri.
 * - fields are at least as large as the dissector state they are copied from (dissectors
 *   static-assert it), so nothing is cut on the way.
 */

/* A value of a protocol registry and its name; name NULL: "unassigned (value)". */
struct obs_named {
    uint32_t value;
    const char *name;
};

/* ------------------------------------------------------------------ TLS */

#define OBS_TLS_MAX_SUITES    64
#define OBS_TLS_MAX_GROUPS    32
#define OBS_TLS_MAX_KS        8
#define OBS_TLS_MAX_SIGS      32
#define OBS_TLS_MAX_VERSIONS  16
#define OBS_TLS_MAX_PSK_MODES 4
#define OBS_TLS_MAX_ALERTS    8

/* A leaf certificate as libcrypto read it (dissectors/x509.c fills it). */
struct x509_facts {
    bool parsed;         /* libcrypto accepted the DER */
    char key_type[24];   /* RSA, EC, DSA, Ed25519, Ed448, RSA-PSS, ML-DSA-44, ... or the OID */
    uint32_t key_bits;   /* 0: unknown */
    char curve[32];      /* EC curve short name (prime256v1, secp384r1) */
    char sig_alg[64];    /* sha256WithRSAEncryption, ecdsa-with-SHA256, ML-DSA-44, ... */
    char digest[24];     /* SHA256, ...; empty when the algorithm has none (Ed25519, ML-DSA) */
    char serial[72];     /* lower-case hex, whole bytes (as in records) */
    char not_before[32]; /* RFC 3339 UTC */
    char not_after[32];  /* RFC 3339 UTC */
    char subject[256];   /* RFC 2253 text, cut at the buffer size */
    char issuer[256];
    char sha256[65]; /* fingerprint of the DER, lower-case hex (Zeek's x509 fingerprint) */
};

struct obs_tls_cert {
    bool present;        /* a leaf certificate was seen (parsed or not): else null */
    struct x509_facts x; /* written when x.parsed */
    uint32_t der_bytes;
    const char *error; /* why it was not parsed; NULL: no "error" key */
};

struct obs_tls_alert {
    const char *from; /* "client", "server" */
    bool encrypted;
    const char *level;       /* "warning", "fatal", "?"; NULL when encrypted */
    const char *description; /* the alert's name; NULL when encrypted or unknown */
};

struct obs_tls {
    char version[24]; /* the negotiated version's name (tls_version.h) */
    struct zert_num version_code;
    struct zert_num cipher_suite;
    const char *cipher_name;
    char kex[32];
    const char *auth;
    struct zert_num group;
    const char *group_name;
    struct zert_num dh_bits;
    const char *enc, *mac;
    const char *handshake; /* "full", "resumed" */
    bool hello_retry;
    struct zert_num hrr_group;
    char sni[256];
    char alpn[64];
    char ja4[40], ja4s[28]; /* FoxIO JA4 (ClientHello) and JA4S (ServerHello) */
    bool cert_observable;
    struct obs_tls_cert server_cert, client_cert;
    struct zert_bytes session_id;
    const char *client_hello_format; /* "TLS", "SSLv2" */
    struct zert_num client_version;
    uint16_t client_versions[OBS_TLS_MAX_VERSIONS];
    uint8_t n_client_versions;
    uint16_t client_suites[OBS_TLS_MAX_SUITES]; /* the first ones offered */
    uint8_t n_client_suites;
    uint32_t client_suites_count; /* offered in all */
    uint16_t client_groups[OBS_TLS_MAX_GROUPS];
    uint8_t n_client_groups;
    uint16_t key_share_groups[OBS_TLS_MAX_KS];
    uint8_t n_key_share_groups;
    uint16_t client_sig_algs[OBS_TLS_MAX_SIGS];
    uint8_t n_client_sig_algs;
    char client_alpn[128];
    struct zert_bytes client_session_id;
    uint32_t client_hellos;
    bool ticket_offered, psk_offered;
    uint8_t psk_modes[OBS_TLS_MAX_PSK_MODES];
    uint8_t n_psk_modes;
    bool early_data_offered, early_data_accepted, ech_offered, psk_accepted, ems, etm;
    bool secure_renegotiation, ticket_issued, ocsp_stapled, cert_request;
    enum zert_tri client_cert_sent;
    struct obs_tls_alert alerts[OBS_TLS_MAX_ALERTS];
    uint8_t n_alerts;
    uint32_t records_c2s, records_s2c;
};

/* ------------------------------------------------------------------ SSH */

#define OBS_SSH_VERSION_LEN 16
#define OBS_SSH_BANNER_LEN  256
#define OBS_SSH_NAME_LEN    65 /* an algorithm name (RFC 4251 §6: 64 at most) */
#define OBS_SSH_FP_LEN      64

/* An SSHv1 bit mask and the name of each bit: a set bit without a name is written as its number. */
struct obs_ssh_bits {
    uint32_t mask;
    const char *names[32];
};

/* What the clear-text SSHv1 exchange showed (the "v1" object). */
struct obs_ssh_v1 {
    bool public_key; /* SSH_SMSG_PUBLIC_KEY seen: the masks are written */
    struct zert_num server_key_bits, host_key_bits, ciphers_mask, auth_mask, protocol_flags;
    struct obs_ssh_bits ciphers, auths;
    const char *cipher; /* chosen by the client's SSH_CMSG_SESSION_KEY */
};

struct obs_ssh {
    char version[OBS_SSH_VERSION_LEN];
    char client_banner[OBS_SSH_BANNER_LEN], server_banner[OBS_SSH_BANNER_LEN];
    char kex[OBS_SSH_NAME_LEN], hostkey[OBS_SSH_NAME_LEN];
    char enc_c2s[OBS_SSH_NAME_LEN], enc_s2c[OBS_SSH_NAME_LEN];
    char mac_c2s[OBS_SSH_NAME_LEN], mac_s2c[OBS_SSH_NAME_LEN];
    char comp_c2s[OBS_SSH_NAME_LEN], comp_s2c[OBS_SSH_NAME_LEN];
    struct zert_num hostkey_bits;
    char hostkey_type[OBS_SSH_NAME_LEN];
    enum zert_tri hostkey_cert;
    char hostkey_fingerprint_sha256[OBS_SSH_FP_LEN], hostkey_fingerprint_md5[OBS_SSH_FP_LEN];
    char hassh[33], hassh_server[33]; /* HASSH and HASSHServer: lower-case hex MD5 */
    bool hostkey_malformed;           /* written only when true */
    enum zert_tri kex_pq, mac_implicit_c2s, mac_implicit_s2c, strict_kex;
    enum zert_tri ext_info_c, ext_info_s, client_pq_offered, server_pq_offered;
    struct zert_num client_kex_algorithms, server_kex_algorithms;
    const char *first_kex_packet_follows; /* "client", "server", "both"; NULL: not written */
    uint32_t dh_gex_bits;                 /* 0: not written */
    const char *no_common_algorithm;      /* the category key ("kex", "enc_c2s", ...) */
    enum zert_tri roles_reversed;
    bool disconnect; /* the two disconnect keys are written */
    const char *disconnect_by, *disconnect_reason;
    bool v1; /* the "v1" object is written */
    struct obs_ssh_v1 v1_facts;
    bool established;
    bool rekey_observable;
};

/* ------------------------------------------------------------------ IKE and IPsec */

#define OBS_IKE_MAX_SAS     32
#define OBS_IKE_MAX_VIDS    8
#define OBS_IKE_MAX_NOTIFY  12
#define OBS_IKE_MAX_ADDKE   7
#define OBS_IKE_MAX_OFFERED 8
#define OBS_IKE_EXCH_SLOTS  64
#define OBS_IPSEC_MAX_ESP   32
#define OBS_IPSEC_MAX_AH    16

/* A transform (or exchange, group) that may be unknown: "name" and "name_id" keys, or null. */
struct obs_ike_alg {
    bool known;
    struct obs_named n;
};

/* Messages of one exchange type; name NULL: the key is "other_<type>". */
struct obs_ike_exch {
    const char *name;
    uint8_t type;
    uint16_t messages;
};

struct obs_ike_addke {
    struct obs_named type, group;
};

/* One IKE SA as the clear-text messages showed it. */
struct obs_ike_sa {
    const char *ike_version; /* "1.0", "2.0" */
    struct obs_ike_alg exchange;
    struct zert_num spi_i, spi_r;
    bool transforms_observed; /* the responder's choice was seen */
    struct obs_ike_alg encr;
    struct zert_num key_bits;
    struct obs_ike_alg prf, integ, hash;
    struct obs_ike_alg dh_group; /* "dh_group" (number) and "dh_group_name" */
    struct obs_ike_alg auth;
    struct obs_ike_addke addke[OBS_IKE_MAX_ADDKE];
    uint8_t n_addke;
    bool lifetime; /* the "lifetime" object is written (else null) */
    struct zert_num life_seconds, life_kbytes;
    bool aggressive_psk;
    uint32_t offered_proposals, offered_transforms;
    bool ikev2; /* the IKEv2 keys (offered groups, KE payload groups, retries) are written */
    uint16_t offered_groups[OBS_IKE_MAX_OFFERED];
    uint8_t n_offered_groups;
    struct zert_num ke_group_i, ke_group_r;
    uint32_t retries, invalid_ke;
    struct zert_num requested_group;
    bool nat_detection, fragmentation, no_proposal_chosen;
    uint32_t clear_messages, encrypted_messages;
    struct obs_ike_exch exchanges[OBS_IKE_EXCH_SLOTS];
    uint8_t n_exchanges;
    struct obs_named notifies[OBS_IKE_MAX_NOTIFY];
    uint8_t n_notifies;
    uint64_t first_us, last_us;
};

struct obs_ike_vid {
    struct zert_bytes id; /* the bytes kept */
    uint32_t len;         /* bytes on the wire */
    const char *name;     /* a known vendor; NULL: null */
};

/*
 * The IKE facts of a flow or of a peer pair: the primary SA in flat keys, then every SA. The
 * SA slots are large and only the first n_sas are read: a filler clears each as it uses it.
 */
struct obs_ike {
    uint8_t n_sas; /* 0: the flat keys are null */
    uint8_t primary;
    uint32_t sas_overflow;
    struct obs_ike_vid vids[OBS_IKE_MAX_VIDS];
    uint8_t n_vids;
    uint32_t messages, malformed;
    struct obs_ike_sa sas[OBS_IKE_MAX_SAS]; /* last: see above */
};

/* The "ipsec" object of a UDP 500/4500 flow. */
struct obs_ike_flow {
    struct obs_ike ike;
    bool nat_t;
    uint32_t nat_keepalives;
    const char *child_sa; /* what is known of the child SAs: text */
};

/* One ESP or AH SA of a peer pair: an SPI in one direction. */
struct obs_ipsec_sa {
    uint32_t spi;
    uint8_t src;     /* index into obs_ipsec_pair.addr; the destination is the other */
    bool udp_encap;  /* ESP */
    uint8_t icv_len; /* AH */
    bool icv_varies; /* AH */
    uint64_t packets, bytes;
    uint32_t first_seq, max_seq, gaps;
    uint64_t missing;
    uint32_t replays, wraps;
    uint64_t first_us, last_us;
};

/* The observation line of one IPsec peer pair (dissectors/ipsec.c). */
struct obs_ipsec_pair {
    uint64_t pair_id;
    uint8_t ip_proto;             /* 50 (ESP), 51 (AH), 17 (ESP in UDP, or IKE only) */
    struct zert_endpoint addr[2]; /* addresses only */
    uint8_t client;               /* index of the client (the IKE initiator) in addr */
    bool roles_guessed;
    uint64_t start_us, end_us;
    const char *dissector;
    struct obs_ike ike;
    struct obs_ipsec_sa esp[OBS_IPSEC_MAX_ESP];
    uint8_t n_esp;
    struct obs_ipsec_sa ah[OBS_IPSEC_MAX_AH];
    uint8_t n_ah;
    bool nat_t;
    uint64_t nat_keepalives;
    const char *child_sa;
    uint64_t spis_overflow;
    bool established, incomplete;
    const char *incomplete_why;
};

/* ------------------------------------------------------------------ Enterprise Extender */

#define OBS_EE_MAX_SAPS  16
#define OBS_EE_MAX_TCIDS 64 /* RTP pipe directions; pipes are at most as many */
#define OBS_EE_FRAMES    6  /* LLC frame kinds */
#define OBS_EE_PRIOS     4  /* transmission priorities */

/* A counter and the key it is written under. */
struct obs_count {
    const char *name;
    uint32_t n;
};

struct obs_ee_prio {
    const char *name; /* "network", "high", "medium", "low" */
    uint32_t nlps;
    uint64_t dlf_bytes;
};

/* One direction of an RTP pipe: written "c2s:<TCID hex>". */
struct obs_ee_tcid {
    const char *dir; /* "c2s", "s2c" */
    uint8_t tcid[8];
};

/* One RTP pipe: its directions are tcids[first .. first + n_tcids) of struct obs_ee. */
struct obs_ee_pipe {
    uint8_t first, n_tcids;
    bool setup, teardown;
    uint32_t nlps;
    uint64_t dlf_bytes;
};

struct obs_ee {
    bool ports_known; /* else "ports" is null */
    uint16_t ports[2];
    uint8_t n_ports;
    uint8_t saps[OBS_EE_MAX_SAPS][2]; /* written "xx-yy" */
    uint8_t n_saps;
    uint32_t rtp_pipes;
    bool xid_seen;
    bool unprotected; /* EE in clear text on this segment */
    struct obs_count frames[OBS_EE_FRAMES];
    uint8_t n_frames;
    bool xid3_seen;
    uint32_t xid_done_request, xid_done_response;
    bool disc_seen, dm_seen;
    uint32_t nlp_count, fr_nlps, anr_nlps;
    struct obs_ee_prio prios[OBS_EE_PRIOS]; /* the priorities seen, highest first */
    uint8_t n_prios;
    uint32_t tpf_port_mismatch, pipes_setup, pipes_teardown;
    struct obs_ee_pipe pipes[OBS_EE_MAX_TCIDS];
    uint8_t n_pipes;
    struct obs_ee_tcid tcids[OBS_EE_MAX_TCIDS];
    uint8_t n_tcids;
    uint32_t route_setups, fragments, sessions;
    uint32_t status_segments, status_gap_reports, status_idle;
    uint32_t arb_segments, fault_segments, switch_segments;
    uint32_t bsn_gaps, bsn_retransmits, dlf_mismatch, ui_not_nlp, malformed;
    uint32_t overflow_saps, overflow_tcids, overflow_sessions;
};

/* ------------------------------------------------------------------ the line of a flow */

enum obs_kind {
    OBS_NONE = 0, /* no protocol object */
    OBS_TLS,
    OBS_SSH,
    OBS_IKE,
    OBS_EE,
};

/* What a dissector's fill_observation() fills: one member, named by `kind`. */
struct obs_proto {
    enum obs_kind kind;
    union {
        struct obs_tls tls;
        struct obs_ssh ssh;
        struct obs_ike_flow ike;
        struct obs_ee ee;
    };
};

/* The "observation" object: how far the observation went (records-json.md). */
struct obs_limits {
    bool established, failed, handshake_first;
    const char *starttls; /* the clear-text protocol TLS started from */
    bool midstream, rehandshake_suspected;
    uint32_t encrypted_handshake_records;
    bool early_close;
    uint64_t gaps; /* bytes never captured */
    bool incomplete;
    const char *incomplete_why;
};

/* One line of --observations: a flow that ended. */
struct obs_line {
    uint64_t conn_id;
    uint8_t ip_proto;
    bool ports; /* the endpoints are written with their ports */
    struct zert_endpoint client, server;
    uint64_t start_us, end_us;
    const char *dissector; /* the dissector's name; NULL: none claimed the flow */
    bool stream;           /* TCP: nDPI's opinion and the stream facts (limits) are written */
    char ndpi[32];         /* nDPI's protocol name */
    enum zert_tri ndpi_agrees;
    struct obs_limits limits;
    struct obs_proto proto; /* last: obs_line_reset() leaves it to fill_observation() */
};

/* Nothing known, no protocol block; the block itself is cleared by the dissector that fills it. */
static inline void
obs_line_reset(struct obs_line *l)
{
    memset(l, 0, offsetof(struct obs_line, proto));
    l->proto.kind = OBS_NONE;
}

#endif
