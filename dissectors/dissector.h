/* dissector.h - the contract between the stream/datagram layer and protocol dissectors. */
#ifndef ZS_DISSECTOR_H
#define ZS_DISSECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct obs_proto;
struct zert_detail;

/* Direction of bytes relative to the connection's roles. */
#define DIR_C2S 0 /* client to server */
#define DIR_S2C 1

/*
 * Result of handing a dissector the bytes it has not consumed yet, in order,
 * for one direction (Suricata's OK / ERROR / INCOMPLETE):
 * - DISSECT_OK: `consumed` bytes were used (may be fewer than given: the rest
 *   is offered again with more data appended).
 * - DISSECT_NEED: `consumed` bytes were used and at least `needed` more bytes
 *   must be buffered before the call is worth repeating.
 * - DISSECT_BAD: the bytes are not this protocol (or are hostile past
 *   recovery): the layer stops feeding this dissector and flags the flow.
 * - DISSECT_DONE: everything observable was observed; later bytes of this
 *   direction need not be delivered (the dissector detaches).
 */
enum dissect_status {
    DISSECT_OK,
    DISSECT_NEED,
    DISSECT_BAD,
    DISSECT_DONE,
};

struct dissect_result {
    enum dissect_status status;
    size_t consumed;
    size_t needed;
};

static inline struct dissect_result
dissect_ok(size_t consumed)
{
    struct dissect_result r = {DISSECT_OK, consumed, 0};
    return r;
}

static inline struct dissect_result
dissect_need(size_t consumed, size_t needed)
{
    struct dissect_result r = {DISSECT_NEED, consumed, needed};
    return r;
}

static inline struct dissect_result
dissect_bad(void)
{
    struct dissect_result r = {DISSECT_BAD, 0, 0};
    return r;
}

static inline struct dissect_result
dissect_done(size_t consumed)
{
    struct dissect_result r = {DISSECT_DONE, consumed, 0};
    return r;
}

/* What probe() thinks of the first bytes of a direction. */
enum probe_verdict {
    PROBE_NO,    /* not this protocol */
    PROBE_MAYBE, /* too few bytes to tell: ask again with more */
    PROBE_YES,
};

/* What a dissector learned about the limits of its own observation (records-json.md). */
struct observation_facts {
    bool established;     /* the security session was set up (as far as the wire shows) */
    bool failed;          /* the handshake failed (fatal alert, disconnect, no reply) */
    bool handshake_first; /* the handshake was the first data on the connection */
    const char *starttls; /* "smtp", "imap", ... when TLS followed a clear-text upgrade */
    bool rehandshake_suspected;
    uint32_t encrypted_handshake_records;
    bool early_close;           /* the security session ended before the TCP connection */
    bool clear_after_end;       /* after that end, the connection carried data in clear */
    bool incomplete;            /* the handshake could not be fully observed */
    const char *incomplete_why; /* static text: "gap in client stream", "server side not seen" */
};

/*
 * A stream dissector (TLS, SSH). The layer above owns the state pointer
 * (the flow owns it; state_free is called exactly once, when the flow ends).
 * All byte pointers are borrowed for the call: copy what must be kept.
 */
struct stream_dissector {
    const char *name;
    /* The zERT protection (ZERT_PROT_* of zert_record.h) a session it sees established gives. */
    uint8_t protection;
    enum probe_verdict (*probe)(const uint8_t *data, size_t len, int dir);
    void *(*state_new)(void);
    void (*state_free)(void *st);
    struct dissect_result (*on_data)(void *st, int dir, const uint8_t *data, size_t len,
                                     uint64_t ts_us);
    /* `len` bytes of this direction were never captured; the stream goes on after them. */
    void (*on_gap)(void *st, int dir, uint64_t len);
    /* The connection ended (FIN/RST/timeout/end of input). */
    void (*on_end)(void *st, uint64_t ts_us);
    /*
     * The protocol block of the observation line (emit/obs_record.h): clear its member of *p,
     * fill it and set p->kind; leave *p alone when there is nothing to show. emit/ writes it.
     */
    void (*fill_observation)(const void *st, struct obs_proto *p);
    /* The limits of the observation; cheap, as the zERT layer asks for it too. */
    void (*get_observation)(const void *st, struct observation_facts *o);
    /* Put the observed facts into the record's protocol block (rec->tls or rec->ssh). */
    void (*fill_record)(const void *st, struct zert_detail *rec);
};

/*
 * How the stream layer (sensor/app.c) drives a stream dissector:
 * - Bytes arrive per direction, in stream order, interleaved between the two
 *   directions in capture order. The layer keeps the bytes a dissector did not
 *   consume and offers them again, with new bytes appended, up to the configuration's
 *   stream_buffer_max (default DISSECT_BUFFER_MAX) per direction; past that the flow is flagged and
 * the dissector gets on_gap() for the dropped bytes instead.
 * - After DISSECT_NEED(n) the layer waits until n more bytes are buffered.
 * - On a capture gap the layer drops what it buffered for that direction and
 *   calls on_gap(): the dissector resynchronises or gives up, never guesses.
 * - Dissectors never write output and never keep pointers into the bytes.
 */
#define DISSECT_BUFFER_MAX (256u * 1024u)

/*
 * A datagram dissector (IKE, Enterprise Extender): one call per UDP payload
 * (or ESP/AH packet), with the same ownership rules.
 */
struct datagram_dissector {
    const char *name;
    enum probe_verdict (*probe)(const uint8_t *data, size_t len, uint16_t sport, uint16_t dport);
    /* The ports of the flow's first datagram (its sender is DIR_C2S); 0, 0 when unknown. */
    void *(*state_new)(uint16_t sport, uint16_t dport);
    void (*state_free)(void *st);
    void (*on_packet)(void *st, int dir, const uint8_t *data, size_t len, uint64_t ts_us);
    void (*on_end)(void *st, uint64_t ts_us);
    /* The protocol block of the observation line, as for stream dissectors. */
    void (*fill_observation)(const void *st, struct obs_proto *p);
    /* Put the observed facts into the record's protocol block (rec->ipsec or rec->ee). */
    void (*fill_record)(const void *st, struct zert_detail *rec);
};

#endif
