/* zert_session.h - zERT security sessions: aggregation key, lifetime counters, interval records. */
#ifndef ZS_ZERT_SESSION_H
#define ZS_ZERT_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "../emit/zert_record.h"

struct zert_sessions;

/*
 * A security session (smf119-zert.md §6.3, ee-zert-ipsec.md §B.4) is one protection (TLS,
 * SSH, IPsec, or none) as applied to the connections of one server IP and port (or port
 * range), client IP, local role and job, with the same significant attributes: exactly the
 * attributes a subtype 12 record reports. Its counters are cumulative over its life.
 *
 * Lifecycle, as zERT's: a session lives while it has active connections or activity in the
 * current interval, and also while it is held by `away` connections: connections still alive
 * that left it by a protection change (STARTTLS, then the TLS session ended) and may come
 * back. A returning connection finds the same session, so it is counted once in it. At an
 * interval boundary every living session that had a connection during the interval gets its
 * record (one held only by away connections since the interval began has none); then a
 * session with no active and no away connection is freed. Memory is therefore bounded by the
 * live connections (which the flow table bounds; each holds at most a few sessions) plus the
 * sessions touched in one interval; the latter are capped by `max_sessions`: reaching it
 * writes the records of the idle sessions early (flagged `early_flush`) and frees them.
 * Nothing is dropped: when max_sessions or more sessions all hold active or away
 * connections, new ones are made past the cap (over_cap), and the next scan for idle ones
 * waits until the table has doubled.
 */
struct zsession {
    struct zsession *hnext;         /* hash chain */
    struct zsession *lprev, *lnext; /* every living session, in creation order */
    uint64_t id;                    /* unique in the run */
    uint32_t hash;
    struct zert_counters cum;   /* cumulative now */
    struct zert_counters start; /* at the start of the current interval */
    uint32_t active;            /* connections in the session now */
    uint32_t away;              /* live connections that left it by a change: may come back */
    bool joined;                /* a connection joined it in the current interval */
    /* identity: what the summary record says besides its counters */
    uint8_t ip_proto, protocol;
    enum zert_role role;
    bool json_only, local_guessed, truncated;
    bool ee; /* Enterprise Extender: the server port is a range */
    uint16_t server_port_end;
    struct zert_endpoint server, client;
    char job[ZERT_JOB_LEN], user[ZERT_JOB_LEN];
    void *block; /* the protocol's attributes: struct zert_tls, zert_ssh or zert_ipsec; or NULL */
    char key[];  /* the whole aggregation key */
};

/*
 * Sessions by protection, as --stats names them (zert_sessions_tls ...): each session is in
 * one of TLS, SSH, IPsec and clear; ZSK_EE counts the Enterprise Extender ones among them
 * again (EE is clear or IPsec: ESP would hide it).
 */
enum zert_session_kind { ZSK_TLS, ZSK_SSH, ZSK_IPSEC, ZSK_CLEAR, ZSK_EE, ZSK_KINDS };

/*
 * records: summary records written (early ones included); early_flushes: times reaching
 * max_sessions wrote idle sessions early, early_records: the records so written; over_cap:
 * sessions made while max_sessions or more lived, every one holding an active or an away
 * connection when they were last scanned.
 */
struct zert_session_stats {
    uint64_t created, freed, records, early_flushes, early_records, over_cap;
    uint64_t live, live_max;
    uint64_t created_by[ZSK_KINDS], live_by[ZSK_KINDS];
};

/*
 * `write`: called for every summary record (may be NULL: summaries are off); `sensor`: the
 * identity every record carries.
 */
struct zert_sessions *zert_sessions_new(const struct zert_sensor *sensor, uint64_t max_sessions,
                                        int (*write)(void *ctx, const struct zert_summary *s),
                                        void *ctx);
void zert_sessions_free(struct zert_sessions *t);
/* Where to build each summary record before `write` gets it (NULL, or a NULL result: the
 * table's own memory); struct zert_sink.summary_slot. */
void zert_sessions_set_slot(struct zert_sessions *t, struct zert_summary *(*slot)(void *ctx));

/*
 * The session of a connection described by `r` (endpoints, role, job, ip_proto and the
 * protocol block of `protocol`: one ZERT_PROT_* bit, or 0 for clear text), created when new;
 * the caller joins the connection to it (active++, and away-- when the connection comes back
 * to a session it held). `ee`: an Enterprise Extender connection: the server port is the
 * range [ee_lo, ee_lo + 4]. `now` (the interval so far) is needed when the cap forces an early
 * flush. Never NULL but when out of memory.
 *
 * Sessions are freed only by the scans (an early flush here, zert_sessions_interval) and only
 * with active == 0 and away == 0: a pointer held through an active or away count stays valid.
 */
struct zsession *zert_session_get(struct zert_sessions *t, const struct zert_detail *r,
                                  uint8_t protocol, bool ee, uint16_t ee_lo, uint64_t now);

/* The current interval starts at `start` (the first traffic, or after a jump of time). */
void zert_sessions_begin(struct zert_sessions *t, uint64_t start);
/*
 * The interval ends at `end`: a record for every living session that had a connection during
 * the interval (O(living sessions)); those with no active and no away connection are freed;
 * the next interval starts at `end`.
 */
void zert_sessions_interval(struct zert_sessions *t, uint64_t end);
/* True when no session lives. */
bool zert_sessions_empty(const struct zert_sessions *t);
/* A write failed (the sink returned -1). */
bool zert_sessions_failed(const struct zert_sessions *t);
void zert_sessions_get_stats(const struct zert_sessions *t, struct zert_session_stats *s);

/* The aggregation key text of a record's significant attributes (exposed for tests). */
void zert_session_key(const struct zert_detail *r, uint8_t protocol, bool ee_range, char *out,
                      size_t len);

#endif
