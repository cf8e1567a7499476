/* live_out.h - the daemon's records: rotated files, a bounded retry queue, stdout, the socket. */
#ifndef ZS_LIVE_OUT_H
#define ZS_LIVE_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "zert.h"

struct conf;
struct live_out;

/* Where a record line goes besides the files: the record socket (sensor/live_sock.h). */
struct live_out_tap {
    void *ctx;
    /* one JSON line (newline included) of kind LIVE_KIND_DETAIL or LIVE_KIND_SUMMARY */
    void (*line)(void *ctx, int kind, const char *line, size_t len);
};
enum { LIVE_KIND_DETAIL = 1, LIVE_KIND_SUMMARY = 2 };

/*
 * Outputs of the daemon. With `dir` (NULL: no files): DIR/records-STAMP.jsonl and
 * DIR/zert-STAMP.smf (RDW stream), STAMP the UTC time the pair was opened
 * (YYYYmmddTHHMMSSZ). Each is written as NAME.partial-XXXXXX (0640) and renamed when the pair
 * is rotated or closed. `json_stdout`: every JSON line also to standard output. NULL with err.
 */
struct live_out *live_out_new(const char *dir, bool json_stdout, const struct conf *conf,
                              uint64_t now_us, char *err, size_t errlen);
struct zert_sink live_out_sink(struct live_out *o);
void live_out_set_tap(struct live_out *o, const struct live_out_tap *tap);

/* The conf may have changed (HUP): rotation settings are read from it again. */
void live_out_set_conf(struct live_out *o, const struct conf *conf);

/* From now on, term records of connections still open (end_of_capture) say "shutdown". */
void live_out_set_shutdown(struct live_out *o);

/* Write what is queued; a failure starts an episode (logged once), success ends it. */
void live_out_flush(struct live_out *o);
/* The clock (wall time): retry, and rotate when the interval or the size says so. */
void live_out_tick(struct live_out *o, uint64_t now_us);
/* Rotate now (HUP): the current pair is renamed into place and a new pair opened. */
void live_out_rotate(struct live_out *o, uint64_t now_us);

/*
 * Every active connection's `init` line, for a new socket reader: fn is called once per
 * connection that has had its init record and no term yet.
 */
void live_out_each_active(const struct live_out *o,
                          void (*fn)(void *ctx, const char *line, size_t len), void *ctx);

/* Counters for --stats, by their --stats names. */
#define LIVE_OUT_COUNTERS(X)                                                                       \
    X(records_jsonl_written)      /* JSON lines written completely to the rotated files */         \
    X(records_jsonl_not_written)  /* lost: queue full while writes failed, or at exit */           \
    X(records_smf_written)        /* SMF records written completely */                             \
    X(records_smf_not_written)    /* likewise lost */                                              \
    X(records_stdout_not_written) /* --json -: standard output failed */                           \
    X(output_write_failures)      /* episodes: writes failed, then resumed or never did */         \
    X(output_queue_max)           /* the most records held at once for one file */                 \
    X(output_rotations)           /* pairs of files renamed into place */                          \
    X(active_init_lines)          /* connections remembered for socket readers (now) */

struct live_out_stats {
#define LIVE_OUT_STATS_FIELD(name) uint64_t name;
    LIVE_OUT_COUNTERS(LIVE_OUT_STATS_FIELD)
#undef LIVE_OUT_STATS_FIELD
};
void live_out_get_stats(const struct live_out *o, struct live_out_stats *s);
/* The records.c counters (records_json, records_smf, ...) of what was built. */
struct records_stats;
void live_out_get_records_stats(const struct live_out *o, struct records_stats *s);

/*
 * The end: write what is queued (retrying for at most `grace_ms`), rename the files into
 * place; records still not written are counted and logged. The last counters in `final` (may be
 * NULL). 0, or -1 when records were lost during the run or now.
 */
int live_out_close(struct live_out *o, unsigned grace_ms, struct live_out_stats *final);

#endif
