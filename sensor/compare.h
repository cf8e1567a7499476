/* compare.h - --compare: a mainframe's zERT SMF dump against the sensor's records of the wire. */
#ifndef ZS_COMPARE_H
#define ZS_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "zert.h"

struct conf;
struct compare;
struct compare_drops;

struct compare_config {
    const char *mainframe;   /* the SMF dump (RDW or VBS, detected) */
    const char *dir;         /* -o DIR: compare.jsonl, compare.csv, learned-codes.txt; NULL none */
    const struct conf *conf; /* local networks, timeouts, interval, time zone, compare_* keys */
    bool offset_fixed;       /* --clock-offset: the offset is known, not estimated */
    int64_t offset_us;       /* mainframe time = capture time + offset */
    FILE *report;            /* the readable report (stdout) */
    /* the capture's loss counters so far, for missing_on_wire findings; may be NULL */
    void (*drops)(void *ctx, struct compare_drops *d);
    void *drops_ctx;
    /* records also go here (the -o DIR record files); NULL or callbacks NULL: nowhere */
    const struct zert_sink *next;
};

struct stats;
/* The loss counters of `s` (g_stats with the engine's collected in) into d; kernel drops apart. */
void compare_drops_from_stats(struct compare_drops *d, const struct stats *s);

/* --clock-offset: signed seconds with up to 6 decimals ("-317.25") as microseconds; -1 bad. */
int compare_parse_offset(const char *s, int64_t *us);

/* Opens the dump and the output files; NULL with err filled on failure. */
struct compare *compare_new(const struct compare_config *cfg, char *err, size_t errlen);

/* The sink for zert_new(): every detail and summary record the sensor cuts. */
struct zert_sink compare_sink(struct compare *c);

/*
 * Packet time after each packet: reads the dump ahead of it (no further than the clock offset
 * can reach) and decides what can no longer find a partner. Cost: the records read and the
 * entries decided; nothing is scanned.
 */
void compare_clock(struct compare *c, uint64_t ts_us);

/*
 * End of the capture: reads the rest of the dump, decides everything, writes the outputs and
 * the report. Returns 0 when both sides agree, 1 when there are findings, 2 on an error (the
 * dump damaged or unreadable, an output not written; err says what).
 */
int compare_finish(struct compare *c, char *err, size_t errlen);

/*
 * One line of how the comparison stands (the daemon logs it with its statistics, on USR1):
 * records read, connections and summaries seen and matched, held now, findings so far by
 * class. Nothing is decided by it.
 */
void compare_status(const struct compare *c, char *buf, size_t len);

void compare_free(struct compare *c);

#endif
