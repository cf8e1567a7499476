/* report_table.h - one view of the report as a table, and its text and CSV forms. */
#ifndef ZS_REPORT_TABLE_H
#define ZS_REPORT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Every view is built once into a table of typed cells; the text, CSV and HTML writers
 * only lay the same cells out, so the three formats cannot disagree.
 */

enum rt_type {
    RT_TEXT,
    RT_NUM, /* unsigned integer */
    RT_PCT, /* a share in percent, one decimal */
};

struct rt_col {
    const char *name; /* the CSV column and the HTML data-col */
    enum rt_type type;
};

struct rt_cell {
    const char *s; /* RT_TEXT: text that outlives the table (interned); NULL: empty */
    uint64_t n;
    double d;
    bool set; /* numbers: false is an empty cell (unknown) */
};

struct rtable {
    const char *id;    /* tcp_server, sessions, ... */
    const char *title; /* "TCP server traffic" */
    const char *note;  /* one sentence on what a row is */
    const struct rt_col *cols;
    size_t ncols;
    struct rt_cell *cells; /* row-major */
    size_t nrows, cap;
    uint64_t omitted; /* connections left out by --max-conns (said with omitted_why) */
    const char *omitted_why;
    bool failed; /* out of memory */
};

void rt_init(struct rtable *t, const char *id, const char *title, const char *note,
             const struct rt_col *cols, size_t ncols);
void rt_fini(struct rtable *t);
/* A new empty row; its index, or SIZE_MAX when memory ran out (t->failed). */
size_t rt_row(struct rtable *t);
void rt_text(struct rtable *t, size_t row, size_t col, const char *s);
void rt_num(struct rtable *t, size_t row, size_t col, uint64_t n);
void rt_pct(struct rtable *t, size_t row, size_t col, double d);
const struct rt_cell *rt_cell(const struct rtable *t, size_t row, size_t col);
/* A cell as text ("" when empty); buf needs 32 bytes for numbers. */
const char *rt_cell_text(const struct rtable *t, size_t row, size_t col, char *buf, size_t len);

/* Aligned tables for a terminal (control characters shown as '?'). */
int rt_write_text(const struct rtable *const *tables, size_t n, FILE *out);
/*
 * One CSV table (RFC 4180): a first column `view` naming the table a row belongs to, then
 * the union of every table's columns in order of first appearance (empty where a view has
 * no such column). Text starting with = + - @ is prefixed with ' (no formula injection).
 */
int rt_write_csv(const struct rtable *const *tables, size_t n, FILE *out);

#endif
