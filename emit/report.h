/* report.h - zertdump --report: zNA-style views and weak-crypto findings over zERT records. */
#ifndef ZS_REPORT_H
#define ZS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "smf_reader.h"
#include "report_policy.h"
#include "report_table.h"

/*
 * The model: every input record, from records.jsonl or from an SMF dump, is decoded into
 * struct zert_summary / zert_detail and folded into security sessions (summary records,
 * one row per session over all its intervals) and connections (detail records). The
 * views of docs/report.md are computed from these once, then written as text, CSV or HTML.
 * Memory: one entry per distinct security session and per connection, not per record.
 */

#define REPORT_DEFAULT_MAX_CONNS 10000 /* rows of the connections view (--max-conns) */
#define REPORT_CHART_PORTS       30    /* server ports drawn in the HTML chart */

struct report_opts {
    enum smf_format smf_fmt;
    struct smf_tz tz;   /* of SMF header times */
    bool smf_scope;     /* JSON: leave out records marked "in_smf": false */
    uint64_t max_conns; /* rows of the connections view; 0: all */
    const char *title;
};

/* One input file and what was read from it. */
struct rep_input {
    const char *name;
    const char *format; /* jsonl, rdw, vbs */
    uint64_t records, detail, summary;
    uint64_t events;    /* records without traffic (zERT enabled/disabled, aggregation events,
                           enforcement audits): counted, not in the views */
    uint64_t other;     /* not zERT: other SMF types/subtypes, JSON-only record kinds */
    uint64_t json_only; /* "in_smf": false records left out (--smf-scope) */
    uint64_t duplicates;
    uint64_t bad;
};

/* The HTML chart: per server port, connections by protection. */
#define REP_NCAT 11

struct rep_bar {
    const char *label; /* "443", "12000-12004" */
    uint64_t total, bytes;
    uint64_t by_cat[REP_NCAT];
};

struct rep_chart {
    const char *cats[REP_NCAT]; /* category names, in rep_category_rank order */
    struct rep_bar *bars;
    size_t nbars;
    uint64_t omitted_ports, omitted_conns;
};

struct report;

struct report *report_new(const struct policy *policy, const struct report_opts *o);
void report_free(struct report *r);

/*
 * Read one input ("-": standard input): records.jsonl (first byte '{') or an SMF dump.
 * Returns 0 when it was clean, 1 when some of it was malformed (counted, said on errout,
 * the rest is still used), -1 when it could not be read at all (err).
 */
int report_read(struct report *r, const char *path, FILE *errout, char *err, size_t errlen);

/* Fold one record in (the readers call these; tests may too). */
void report_add_summary(struct report *r, struct rep_input *in, const struct zert_summary *s);
void report_add_detail(struct report *r, struct rep_input *in, const struct zert_detail *d);
struct rep_input *report_input(struct report *r, const char *name, const char *format);

/* Build the views; -1 when memory ran out. */
int report_finish(struct report *r);
size_t report_tables(const struct report *r, const struct rtable *const **tables);
const struct rep_chart *report_chart(const struct report *r);
const struct policy *report_policy(const struct report *r);
const char *report_title(const struct report *r);

int report_write_html(const struct report *r, FILE *out);

/* Whether a zertdump command line asks for a report (--report, --print-policy). */
bool report_wanted(int argc, char **argv);
/* zertdump --report FORMAT [options] INPUT...: the whole command (exit status). */
int report_main(int argc, char **argv);

#endif
