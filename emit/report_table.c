/* report_table.c - report views as tables of typed cells; the text and CSV writers. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report_util.h"
#include "report_table.h"

void
rt_init(struct rtable *t, const char *id, const char *title, const char *note,
        const struct rt_col *cols, size_t ncols)
{
    memset(t, 0, sizeof(*t));
    t->id = id;
    t->title = title;
    t->note = note;
    t->cols = cols;
    t->ncols = ncols;
}

void
rt_fini(struct rtable *t)
{
    free(t->cells);
    t->cells = NULL;
    t->nrows = t->cap = 0;
}

size_t
rt_row(struct rtable *t)
{
    size_t cells_cap = t->cap * t->ncols;
    if (t->failed)
        return SIZE_MAX;
    if (rep_grow((void **)&t->cells, &cells_cap, (t->nrows + 1) * t->ncols, sizeof(*t->cells)) !=
        0) {
        t->failed = true;
        return SIZE_MAX;
    }
    t->cap = cells_cap / t->ncols;
    memset(&t->cells[t->nrows * t->ncols], 0, t->ncols * sizeof(*t->cells));
    return t->nrows++;
}

static struct rt_cell *
cell(struct rtable *t, size_t row, size_t col)
{
    if (row >= t->nrows || col >= t->ncols)
        return NULL;
    return &t->cells[row * t->ncols + col];
}

void
rt_text(struct rtable *t, size_t row, size_t col, const char *s)
{
    struct rt_cell *c = cell(t, row, col);
    if (c && s && *s) {
        c->s = s;
        c->set = true;
    }
}

void
rt_num(struct rtable *t, size_t row, size_t col, uint64_t n)
{
    struct rt_cell *c = cell(t, row, col);
    if (c) {
        c->n = n;
        c->set = true;
    }
}

void
rt_pct(struct rtable *t, size_t row, size_t col, double d)
{
    struct rt_cell *c = cell(t, row, col);
    if (c) {
        c->d = d;
        c->set = true;
    }
}

const struct rt_cell *
rt_cell(const struct rtable *t, size_t row, size_t col)
{
    return &t->cells[row * t->ncols + col];
}

const char *
rt_cell_text(const struct rtable *t, size_t row, size_t col, char *buf, size_t len)
{
    const struct rt_cell *c = rt_cell(t, row, col);
    if (!c->set)
        return "";
    switch (t->cols[col].type) {
    case RT_NUM:
        snprintf(buf, len, "%" PRIu64, c->n);
        return buf;
    case RT_PCT:
        snprintf(buf, len, "%.1f", c->d);
        return buf;
    case RT_TEXT:
        break;
    }
    return c->s ? c->s : "";
}

/* Display width: code points, counting a UTF-8 sequence once. */
static size_t
width(const char *s)
{
    size_t w = 0;
    for (; *s; s++) {
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    }
    return w;
}

static void
put_text(FILE *out, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        fputc(c < 0x20 || c == 0x7f ? '?' : c, out);
    }
}

static void
pad(FILE *out, size_t n)
{
    while (n--)
        fputc(' ', out);
}

static void
text_table(const struct rtable *t, FILE *out)
{
    size_t *w = calloc(t->ncols, sizeof(*w));
    char buf[32];
    if (!w)
        return;
    fprintf(out, "%s (%s): %zu row%s\n", t->title, t->id, t->nrows, t->nrows == 1 ? "" : "s");
    if (t->note && *t->note)
        fprintf(out, "  %s\n", t->note);
    if (t->omitted_why)
        fprintf(out, "  %" PRIu64 " more connections not listed: %s\n", t->omitted, t->omitted_why);
    if (t->nrows == 0) {
        fputc('\n', out);
        free(w);
        return;
    }
    for (size_t c = 0; c < t->ncols; c++) {
        w[c] = width(t->cols[c].name);
        for (size_t r = 0; r < t->nrows; r++) {
            size_t x = width(rt_cell_text(t, r, c, buf, sizeof(buf)));
            if (x > w[c])
                w[c] = x;
        }
    }
    for (int line = 0; line < 2; line++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *h = t->cols[c].name;
            bool right = t->cols[c].type != RT_TEXT;
            if (c)
                fputs("  ", out);
            if (line == 1) {
                for (size_t k = 0; k < w[c]; k++)
                    fputc('-', out);
                continue;
            }
            if (right)
                pad(out, w[c] - width(h));
            fputs(h, out);
            if (!right && c + 1 < t->ncols)
                pad(out, w[c] - width(h));
        }
        fputc('\n', out);
    }
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *s = rt_cell_text(t, r, c, buf, sizeof(buf));
            bool right = t->cols[c].type != RT_TEXT;
            if (c)
                fputs("  ", out);
            if (right)
                pad(out, w[c] - width(s));
            put_text(out, s);
            if (!right && c + 1 < t->ncols)
                pad(out, w[c] - width(s));
        }
        fputc('\n', out);
    }
    fputc('\n', out);
    free(w);
}

int
rt_write_text(const struct rtable *const *tables, size_t n, FILE *out)
{
    for (size_t i = 0; i < n; i++)
        text_table(tables[i], out);
    return ferror(out) ? -1 : 0;
}

static void
csv_field(FILE *out, const char *s, bool text)
{
    bool quote = text && (strpbrk(s, ",\"\r\n") != NULL);
    bool guard = text && (*s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t');
    if (!quote && !guard) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    if (guard)
        fputc('\'', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

int
rt_write_csv(const struct rtable *const *tables, size_t n, FILE *out)
{
    const char **names = NULL;
    size_t nnames = 0, cap = 0;
    char buf[32];
    int rc = 0;
    /* the union of the columns, in order of first appearance */
    for (size_t i = 0; i < n; i++) {
        for (size_t c = 0; c < tables[i]->ncols; c++) {
            size_t k;
            for (k = 0; k < nnames && strcmp(names[k], tables[i]->cols[c].name) != 0; k++)
                ;
            if (k < nnames)
                continue;
            if (rep_grow((void **)&names, &cap, nnames + 1, sizeof(*names)) != 0) {
                free(names);
                return -1;
            }
            names[nnames++] = tables[i]->cols[c].name;
        }
    }
    size_t *map = calloc(nnames ? nnames : 1, sizeof(*map));
    if (!map) {
        free(names);
        return -1;
    }
    fputs("view", out);
    for (size_t k = 0; k < nnames; k++) {
        fputc(',', out);
        fputs(names[k], out);
    }
    fputs("\r\n", out);
    for (size_t i = 0; i < n; i++) {
        const struct rtable *t = tables[i];
        for (size_t k = 0; k < nnames; k++) {
            map[k] = SIZE_MAX;
            for (size_t c = 0; c < t->ncols; c++) {
                if (strcmp(t->cols[c].name, names[k]) == 0)
                    map[k] = c;
            }
        }
        for (size_t r = 0; r < t->nrows; r++) {
            fputs(t->id, out);
            for (size_t k = 0; k < nnames; k++) {
                fputc(',', out);
                if (map[k] != SIZE_MAX)
                    csv_field(out, rt_cell_text(t, r, map[k], buf, sizeof(buf)),
                              t->cols[map[k]].type == RT_TEXT);
            }
            fputs("\r\n", out);
        }
    }
    if (ferror(out))
        rc = -1;
    free(map);
    free(names);
    return rc;
}
