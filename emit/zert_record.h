/* zert_record.h - protocol-neutral zERT records (SMF 119 subtypes 11 and 12) in memory. */
#ifndef ZS_ZERT_RECORD_H
#define ZS_ZERT_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * What a zERT record is, independent of how it is written (emit_json.c,
 * emit_smf.c) or read back (smf_reader.c). The event logic fills one of
 * these when it cuts a record; dissectors supply the protocol blocks.
 *
 * Conventions, so that memset(0) means "nothing known":
 * - strings are fixed-size, NUL-terminated, copied (never pointers into
 *   packets); "" means unknown and is written as JSON null. zert_str_set()
 *   copies and sets the record's `truncated` flag when text was cut.
 * - optional numbers are struct zert_num {v, known}; unknown is null, not 0.
 * - optional booleans are enum zert_tri; ZERT_TRI_UNKNOWN is null.
 * - each protocol block has a `present` flag; absent blocks are not written.
 * - times are microseconds since the epoch, UTC.
 * - addresses are 16 bytes; IPv4 uses the first four (family 4).
 * Names (enc, mac, kex, key types, ...) use the spellings of the tables in
 * smf_codes.c, which is also how they map to IBM codes.
 */

#define ZERT_NAME_LEN   32   /* system, sysplex, stack (SMF keeps 8) */
#define ZERT_JOB_LEN    16   /* job name, user id (SMF keeps 8) */
#define ZERT_ALG_LEN    48   /* algorithm names */
#define ZERT_TEXT_LEN   256  /* SNI, banners */
#define ZERT_DN_LEN     512  /* certificate subject / issuer */
#define ZERT_KEY_LEN    1536 /* summary session key text */
#define ZERT_SERIAL_MAX 32   /* certificate serial bytes (RFC 5280: at most 20) */
#define ZERT_SPI_MAX    8    /* ESP/AH SPIs kept per record */
#define ZERT_EE_MAX     8    /* EE ports and SAP pairs kept */

/* Detail event types: the SMF119SC_SAEvent_Type codes. */
enum zert_detail_event {
    ZERT_EV_NONE = 0,
    ZERT_EV_INIT = 1,
    ZERT_EV_CHANGE = 2,
    ZERT_EV_TERM = 3,
    ZERT_EV_SHORT_TERM = 4,
    ZERT_EV_ENABLED = 5,
    ZERT_EV_DISABLED = 6,
    ZERT_EV_ENFORCEMENT = 7, /* z/OS 2.5+ policy audit; read from IBM dumps only */
};

/* Summary event types: the SMF119SS_SAEvent_Type codes. */
enum zert_summary_event {
    ZERT_SEV_NONE = 0,
    ZERT_SEV_INTERVAL = 1,
    ZERT_SEV_AGGR_ENABLED = 2,
    ZERT_SEV_AGGR_DISABLED = 3,
};

/* Protection bits: the SASecProtos bits (detail: any set; summary: one). */
#define ZERT_PROT_TLS   0x80
#define ZERT_PROT_SSH   0x40
#define ZERT_PROT_IPSEC 0x20

enum zert_role {
    ZERT_ROLE_UNKNOWN = 0,
    ZERT_ROLE_SERVER,
    ZERT_ROLE_CLIENT,
    ZERT_ROLE_PEER, /* Enterprise Extender and other peer-to-peer UDP */
};

enum zert_tri {
    ZERT_TRI_UNKNOWN = 0,
    ZERT_TRI_FALSE,
    ZERT_TRI_TRUE,
};

enum zert_handshake {
    ZERT_HS_UNKNOWN = 0,
    ZERT_HS_FULL,
    ZERT_HS_RESUMED,
};

struct zert_num {
    uint64_t v;
    bool known;
};

/* Raw bytes shown as hex (session ids, serials, fingerprints). */
struct zert_bytes {
    uint8_t b[64];
    uint8_t len;
    bool known;
};

struct zert_endpoint {
    uint8_t family; /* 4 or 6; 0: unknown */
    uint8_t ip[16];
    uint16_t port;
};

struct zert_sensor {
    char system[ZERT_NAME_LEN];
    char sysplex[ZERT_NAME_LEN];
    char stack[ZERT_NAME_LEN];
};

/* A leaf certificate as the wire showed it. */
struct zert_cert {
    bool present;
    char key_type[24]; /* RSA, DSA, DH, EC, Ed25519, ML-DSA-44, ... */
    struct zert_num key_bits;
    char curve[32];
    char sig_alg[ZERT_ALG_LEN]; /* sha256WithRSAEncryption, ecdsa-with-SHA384, ... */
    char digest[16];            /* MD5, SHA1, SHA256, ... */
    struct zert_bytes serial;   /* len <= ZERT_SERIAL_MAX */
    struct zert_num not_after;  /* seconds since the epoch, UTC */
    struct zert_num not_before; /* seconds since the epoch, UTC; JSON only */
    struct zert_bytes sha256;   /* SHA-256 of the DER (the fingerprint); JSON only */
    char subject[ZERT_DN_LEN];
    char issuer[ZERT_DN_LEN];
};

struct zert_tls {
    bool present;
    char version[24];             /* TLSv1.2 ...; "" derives it from version_code */
    struct zert_num version_code; /* wire value, 0x0303 */
    struct zert_num cipher_suite; /* IANA number */
    char cipher_name[64];
    char kex[24];          /* RSA, DHE, ECDHE, PSK, ECDHE_PSK, ... */
    char auth[16];         /* the suite's authentication: RSA, ECDSA, DSS, PSK, anon; "" TLS 1.3 */
    struct zert_num group; /* IANA named group */
    char group_name[32];
    char enc[ZERT_ALG_LEN]; /* AES-256-GCM, ... */
    char mac[24];           /* AEAD, HMAC-SHA1, ... */
    enum zert_handshake handshake;
    enum zert_tri hello_retry;
    char sni[ZERT_TEXT_LEN];
    char alpn[64];
    struct zert_bytes session_id; /* len <= 32 */
    struct zert_cert server_cert;
    struct zert_cert client_cert;
    char ja4[40];  /* FoxIO JA4 of the ClientHello; JSON only */
    char ja4s[28]; /* FoxIO JA4S of the ServerHello; JSON only */
};

struct zert_ssh {
    bool present;
    char version[8]; /* 1.5, 1.99, 2.0 */
    char client_banner[ZERT_TEXT_LEN];
    char server_banner[ZERT_TEXT_LEN];
    char kex[ZERT_ALG_LEN];
    char hostkey[ZERT_ALG_LEN]; /* negotiated host key algorithm */
    char hostkey_type[24];      /* RSA, DSA, EC, Ed25519, ...; "" derives it from hostkey */
    char enc_c2s[ZERT_ALG_LEN], enc_s2c[ZERT_ALG_LEN];
    char mac_c2s[ZERT_ALG_LEN], mac_s2c[ZERT_ALG_LEN]; /* "" with an AEAD cipher */
    char comp_c2s[32], comp_s2c[32];
    struct zert_num hostkey_bits;
    struct zert_bytes hostkey_fp; /* fingerprint (hash), len <= 64 */
    char hassh[33];               /* HASSH of the client's KEXINIT (lower-case hex MD5) */
    char hassh_server[33];        /* HASSHServer of the server's KEXINIT */
};

struct zert_ipsec {
    bool present;
    char ike_version[8]; /* 1.0, 2.0 */
    char exchange[24];   /* main, aggressive, ike_sa_init */
    struct zert_num spi_i, spi_r;
    char encr[32]; /* AES-CBC, AES-GCM-16, 3DES, ... (key length apart) */
    struct zert_num key_bits;
    char prf[32];             /* HMAC-SHA2-256, ... */
    char integ[32];           /* HMAC-SHA2-256-128, ...; "" with AEAD */
    struct zert_num dh_group; /* IANA number */
    char auth[24];            /* PSK, RSA-SIG, ECDSA-256, ... */
    uint32_t esp_spis[ZERT_SPI_MAX];
    uint8_t esp_spi_count;
    uint32_t ah_spis[ZERT_SPI_MAX];
    uint8_t ah_spi_count;
    enum zert_tri nat_t;
    char child_sa[48];
    struct zert_endpoint tunnel_local, tunnel_remote; /* IKE peers (port unused) */
};

struct zert_ee {
    bool present;
    uint16_t ports[ZERT_EE_MAX];
    uint8_t port_count;
    uint8_t saps[ZERT_EE_MAX][2]; /* (local SAP, remote SAP) */
    uint8_t sap_count;
    struct zert_num rtp_pipes;
    enum zert_tri xid_seen;
};

struct zert_observation {
    bool present;
    char source[16]; /* "observation" (wire), "provider" (from an IBM CPP record) */
    enum zert_tri handshake_first;
    char starttls[16];
    enum zert_tri midstream;
    enum zert_tri rehandshake_suspected;
    struct zert_num encrypted_handshake_records;
    enum zert_tri early_close;
    struct zert_num gaps;
    enum zert_tri incomplete;
    char why[24]; /* why the record shows no protection: no_handshake_seen, handshake_failed, ... */
    char seen[8]; /* protection unknown: the protocol the bytes suggested (tls, ssh) */
    char limit[40]; /* a limit cut the facts: tls_certificate_size, stream_buffer (docs) */
};

/* SMF 119 subtype 11: one record per event per connection. */
struct zert_detail {
    enum zert_detail_event event;
    uint64_t time_us; /* when the record was cut (packet time) */
    struct zert_sensor sensor;
    uint8_t ip_proto; /* 6 TCP, 17 UDP */
    struct zert_endpoint local, remote;
    enum zert_role role;
    uint64_t conn_id;
    uint64_t start_us;
    uint64_t end_us; /* 0: not ended (only term / short_term carry it) */
    /* term / short_term: why the connection ended (fin, rst, idle_timeout, evicted, reused,
     * end_of_capture); JSON only, SMF has no field for it */
    char end_reason[16];
    uint64_t bytes_in, bytes_out, segs_in, segs_out;
    char job[ZERT_JOB_LEN];
    char user[ZERT_JOB_LEN];
    uint8_t protection; /* ZERT_PROT_* bits */
    struct zert_tls tls;
    struct zert_ssh ssh;
    struct zert_ipsec ipsec;
    struct zert_ee ee;
    struct zert_observation obs;
    bool truncated;     /* some text did not fit its field */
    bool prot_unknown;  /* the wire could not show the protection: `protection` is null */
    bool json_only;     /* no SMF form (IBM's layout has no place for it): records.jsonl only */
    bool local_guessed; /* no local_networks: the responder was taken as the local side */
};

struct zert_counters {
    uint32_t conns, partial_conns, short_conns, active_conns;
    uint64_t bytes_in, bytes_out, segs_in, segs_out;
};

/* SMF 119 subtype 12: one record per security session per interval. */
struct zert_summary {
    enum zert_summary_event event;
    uint64_t time_us; /* when cut; the SMF form takes interval_end from it */
    struct zert_sensor sensor;
    uint64_t interval_start_us, interval_end_us;
    uint8_t ip_proto;
    enum zert_role role;                 /* local role */
    struct zert_endpoint server, client; /* client.port unused */
    uint16_t server_port_end;            /* == server.port unless a range */
    uint8_t protocol;                    /* one ZERT_PROT_* bit, or 0 (clear text) */
    char session_key[ZERT_KEY_LEN];
    char job[ZERT_JOB_LEN];
    char user[ZERT_JOB_LEN];
    struct zert_counters start, end;
    struct zert_tls tls; /* only the significant attributes are written */
    struct zert_ssh ssh;
    struct zert_ipsec ipsec;
    bool truncated;
    bool early_flush;   /* written before the interval ended: max_sessions was reached */
    bool json_only;     /* no SMF form: records.jsonl only */
    bool local_guessed; /* no local_networks: the responder was taken as the local side */
};

/* Copy text into a fixed field; sets *truncated when it had to be cut. NULL copies "". */
static inline void
zert_str_set(char *dst, size_t cap, const char *src, bool *truncated)
{
    size_t n = src ? strlen(src) : 0;
    if (cap == 0)
        return;
    if (n >= cap) {
        n = cap - 1;
        /* do not cut a UTF-8 sequence in half */
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
        if (truncated)
            *truncated = true;
    }
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

#define ZERT_STR_SET(rec, field, src) zert_str_set((field), sizeof(field), (src), &(rec)->truncated)

static inline void
zert_num_set(struct zert_num *n, uint64_t v)
{
    n->v = v;
    n->known = true;
}

/* Copy raw bytes (at most sizeof b and `max`); sets *truncated when cut. */
static inline void
zert_bytes_set(struct zert_bytes *d, const uint8_t *src, size_t n, size_t max, bool *truncated)
{
    if (max > sizeof(d->b))
        max = sizeof(d->b);
    if (n > max) {
        n = max;
        if (truncated)
            *truncated = true;
    }
    if (n)
        memcpy(d->b, src, n);
    d->len = (uint8_t)n;
    d->known = true;
}

static inline enum zert_tri
zert_tri_from_bool(bool b)
{
    return b ? ZERT_TRI_TRUE : ZERT_TRI_FALSE;
}

#endif
