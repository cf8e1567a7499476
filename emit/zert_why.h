/* zert_why.h - the one list of `why` values: why a record shows no protection, or none known. */
#ifndef ZS_ZERT_WHY_H
#define ZS_ZERT_WHY_H

/*
 * observation.why in records.jsonl (docs/records-extensions.md explains each). The sensor's
 * app verdict (sensor/app.c) and the zERT layer (sensor/zert.c) pick one of these and
 * nothing else; tests/tools/check_vocabulary.py holds every record to this list.
 * Clear text (protection []):
 */
#define ZERT_WHY_NO_DATA           "no_data"           /* no application byte either way */
#define ZERT_WHY_NO_HANDSHAKE      "no_handshake_seen" /* the first bytes were not a handshake */
#define ZERT_WHY_HANDSHAKE_FAILED  "handshake_failed"  /* a handshake began and failed */
#define ZERT_WHY_NOT_TLS_SSH_IPSEC "not_tls_ssh_ipsec" /* EE: only IPsec could protect it */
#define ZERT_WHY_NO_ESP_AH         "no_esp_ah_seen"    /* an IKE pair that carried no ESP/AH */
/* Protection unknown (protection null): */
#define ZERT_WHY_MIDSTREAM        "midstream"            /* the connection's start was not seen */
#define ZERT_WHY_FIRST_BYTES_LOST "first_bytes_lost"     /* a gap hid the first bytes */
#define ZERT_WHY_BUFFER_LIMIT     "stream_buffer_limit"  /* probing buffer full, undecided */
#define ZERT_WHY_MALFORMED        "malformed_handshake"  /* the handshake did not parse */
#define ZERT_WHY_INCOMPLETE       "handshake_incomplete" /* ended before it did, or part was lost */
#define ZERT_WHY_UNKNOWN          "unknown"              /* no dissector could tell */

/*
 * The values by kind, so that a reader of records can tell them apart without a list of its
 * own (sensor/compare.c takes the unknown ones as the reasons of protection_unknown). A new
 * value goes into one of these two lists; ZERT_WHY_LIST is both.
 */
#define ZERT_WHY_CLEAR_LIST                                                                        \
    ZERT_WHY_NO_DATA, ZERT_WHY_NO_HANDSHAKE, ZERT_WHY_HANDSHAKE_FAILED,                            \
        ZERT_WHY_NOT_TLS_SSH_IPSEC, ZERT_WHY_NO_ESP_AH
#define ZERT_WHY_UNKNOWN_LIST                                                                      \
    ZERT_WHY_MIDSTREAM, ZERT_WHY_FIRST_BYTES_LOST, ZERT_WHY_BUFFER_LIMIT, ZERT_WHY_MALFORMED,      \
        ZERT_WHY_INCOMPLETE, ZERT_WHY_UNKNOWN
#define ZERT_WHY_LIST ZERT_WHY_CLEAR_LIST, ZERT_WHY_UNKNOWN_LIST

#endif
