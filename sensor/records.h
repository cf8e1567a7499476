/* records.h - -o DIR: zERT records to DIR/records.jsonl and DIR/zert.smf (RDW or VBS). */
#ifndef ZS_RECORDS_H
#define ZS_RECORDS_H

#include "zert.h"

struct conf;
struct records;

/*
 * Opens the outputs: DIR (created 0750 when missing; a symbolic link is refused) and in it
 * records.jsonl and zert.smf, each written as a new temporary file (sensor/outfile.h) that
 * records_close renames into place. NULL with err filled on failure.
 */
struct records *records_open(const char *dir, const struct conf *conf, char *err, size_t errlen);
/* Counters for --stats, by their --stats names. */
#define RECORDS_COUNTERS(X)                                                                        \
    X(records_json)             /* lines written to records.jsonl */                               \
    X(records_smf)              /* records written to zert.smf */                                  \
    X(records_json_only)        /* extension records with no SMF form (docs/zert-model.md) */      \
    X(records_smf_out_of_range) /* times SMF dates cannot hold (before 1900, from 2200) */         \
    X(records_smf_too_big)      /* over 32 760 bytes: JSON only */                                 \
    X(records_smf_lossy)        /* text cut to fit an SMF field */                                 \
    X(records_queue_waits)      /* the capture thread waited for room in the writer's queue */

struct records_stats {
#define RECORDS_STATS_FIELD(name) uint64_t name;
    RECORDS_COUNTERS(RECORDS_STATS_FIELD)
#undef RECORDS_STATS_FIELD
};
/* The counters so far (all zero for NULL); waits until every record handed over is written. */
void records_get_stats(const struct records *r, struct records_stats *s);

/* The sink for zert_new(): writes what the configuration turns on. */
struct zert_sink records_sink(struct records *r);
/*
 * Flush and close, and rename both files into place; -1 with err when something could not
 * be written (then neither file is replaced and the temporary files are removed), 1 with a
 * warning in err.
 */
int records_close(struct records *r, char *err, size_t errlen);
/* Abandon the outputs of a run that did not happen: the temporary files are removed. */
void records_discard(struct records *r);
/* The check of conf's timezone values (struct conf.check_timezone): the SMF writer's parser. */
int records_check_timezone(const char *tz, char *err, size_t errlen);

#endif
