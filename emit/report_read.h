/* report_read.h - reads the sensor's records.jsonl back into struct zert_detail / zert_summary. */
#ifndef ZS_REPORT_READ_H
#define ZS_REPORT_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "zert_record.h"

/*
 * The inverse of emit/emit_json.c: one JSON Lines record (records-json.md) decoded into
 * the same in-memory record the SMF reader gives, so the report has one model whatever
 * the input. Parsing is jansson's (strict RFC 8259, UTF-8 checked). Unknown keys are
 * ignored; a known key with a value of the wrong type makes the line malformed.
 */

/* Longest line read (bytes); a longer one is malformed and skipped. */
#define RECORDS_MAX_LINE (16u << 20)

enum records_kind {
    RECORDS_DETAIL,
    RECORDS_SUMMARY,
    RECORDS_OTHER, /* a `record` value other than detail/summary (a JSON-only extension) */
    RECORDS_BAD,   /* err says why */
};

struct records_item {
    enum records_kind kind;
    bool in_smf;    /* false when the line says "in_smf": false (no SMF twin exists) */
    char other[32]; /* RECORDS_OTHER: the `record` value */
    union {
        struct zert_detail detail;
        struct zert_summary summary;
    } u;
};

/* Decode one line (without its newline). */
enum records_kind records_read_line(const char *line, size_t len, struct records_item *out,
                                    char *err, size_t errlen);

/* Reads a file line by line; blank lines are skipped. */
struct records_reader {
    FILE *in;
    char *buf;
    size_t cap;
    unsigned long line; /* number of the line last returned */
    bool eof;
};

void records_reader_init(struct records_reader *r, FILE *in);
void records_reader_fini(struct records_reader *r);
/*
 * The next record: 1 (out filled; out->kind may be RECORDS_BAD with err set, reading goes
 * on), 0 at the end, -1 on a read error (err set).
 */
int records_reader_next(struct records_reader *r, struct records_item *out, char *err,
                        size_t errlen);

#endif
