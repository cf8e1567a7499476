/* test_report_model.c - the report's model on records as the sensor cuts them: intervals of a
 * session counted once, an early flush (max_sessions) counted with the record after it, the
 * same records read twice counted once, unknown protection apart from clear text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "../../emit/report.h"

#define MIN_US (60ull * 1000000ull)
#define T0     1700000100000000ull /* an interval boundary (900 s) */

static struct zert_summary
summary(uint64_t start, uint64_t end, uint32_t c0, uint32_t c1, uint64_t b0, uint64_t b1)
{
    struct zert_summary s;
    memset(&s, 0, sizeof(s));
    s.event = ZERT_SEV_INTERVAL;
    s.time_us = end;
    s.interval_start_us = start;
    s.interval_end_us = end;
    s.ip_proto = 6;
    s.role = ZERT_ROLE_SERVER;
    s.server.family = 4;
    memcpy(s.server.ip, "\x0a\x00\x00\x01", 4);
    s.server.port = 443;
    s.server_port_end = 443;
    s.client.family = 4;
    memcpy(s.client.ip, "\x0a\x00\x00\x02", 4);
    s.protocol = 0; /* clear text */
    s.start.conns = c0;
    s.end.conns = c1;
    s.start.bytes_in = b0;
    s.end.bytes_in = b1;
    return s;
}

/* The cell of a table's row by column name, as text. */
static const char *
cell(const struct rtable *t, size_t row, const char *col, char *buf)
{
    for (size_t c = 0; c < t->ncols; c++) {
        if (strcmp(t->cols[c].name, col) == 0)
            return rt_cell_text(t, row, c, buf, 32);
    }
    return "(no column)";
}

static const struct rtable *
table(const struct report *r, const char *id)
{
    const struct rtable *const *tabs;
    size_t n = report_tables(r, &tabs);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(tabs[i]->id, id) == 0)
            return tabs[i];
    }
    return NULL;
}

static void
test_early_flush(void)
{
    struct policy p;
    struct report_opts o;
    char buf[32];
    memset(&o, 0, sizeof(o));
    CHECK_EQ_INT(policy_init(&p), 0);
    struct report *r = report_new(&p, &o);
    struct rep_input *in = report_input(r, "records", "jsonl");
    /*
     * As zert_session.c cuts them: max_sessions reached 5 minutes into the interval, the idle
     * session is written (early_flush) and freed; its key comes back and the interval's end
     * writes it again from the same interval start, counting from zero; then the next
     * interval. Read twice (JSON and SMF of one run): the second reading adds nothing.
     */
    struct zert_summary s[3];
    s[0] = summary(T0, T0 + 5 * MIN_US, 0, 3, 0, 300);
    s[0].early_flush = true;
    s[1] = summary(T0, T0 + 15 * MIN_US, 0, 2, 0, 200);
    s[2] = summary(T0 + 15 * MIN_US, T0 + 30 * MIN_US, 2, 4, 200, 250);
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < 3; i++)
            report_add_summary(r, in, &s[i]);
    }
    CHECK_EQ_INT(in->summary, 3);
    CHECK_EQ_INT(in->duplicates, 3);
    CHECK_EQ_INT(report_finish(r), 0);
    const struct rtable *t = table(r, "sessions");
    CHECK(t != NULL && t->nrows == 1);
    if (t && t->nrows == 1) {
        CHECK_EQ_STR(cell(t, 0, "intervals", buf), "3");
        CHECK_EQ_STR(cell(t, 0, "conns", buf), "7");
        CHECK_EQ_STR(cell(t, 0, "bytes_in", buf), "550");
        CHECK_EQ_STR(cell(t, 0, "protection", buf), "clear");
    }
    report_free(r);
    policy_fini(&p);
}

/* A connection the wire could not show the protection of: "unknown", never "clear". */
static void
test_unknown(void)
{
    struct policy p;
    struct report_opts o;
    char buf[32];
    memset(&o, 0, sizeof(o));
    CHECK_EQ_INT(policy_init(&p), 0);
    struct report *r = report_new(&p, &o);
    struct rep_input *in = report_input(r, "records", "jsonl");
    struct zert_detail d;
    memset(&d, 0, sizeof(d));
    d.ip_proto = 6;
    d.role = ZERT_ROLE_SERVER;
    d.local.family = d.remote.family = 4;
    memcpy(d.local.ip, "\x0a\x00\x00\x01", 4);
    memcpy(d.remote.ip, "\x0a\x00\x00\x02", 4);
    d.local.port = 443;
    d.remote.port = 50000;
    d.start_us = T0;
    d.prot_unknown = true;
    d.json_only = true;
    d.obs.present = true;
    d.obs.midstream = ZERT_TRI_TRUE;
    strcpy(d.obs.why, "midstream");
    strcpy(d.obs.seen, "tls");
    /* init, then term with more bytes: one connection in its latest state */
    d.event = ZERT_EV_INIT;
    d.time_us = T0 + 10000000;
    d.bytes_in = 10;
    report_add_detail(r, in, &d);
    d.event = ZERT_EV_TERM;
    d.time_us = d.end_us = T0 + 20000000;
    d.bytes_in = 70;
    report_add_detail(r, in, &d);
    CHECK_EQ_INT(report_finish(r), 0);
    const struct rtable *t = table(r, "tcp_server");
    CHECK(t != NULL && t->nrows == 1);
    if (t && t->nrows == 1) {
        CHECK_EQ_STR(cell(t, 0, "protection", buf), "unknown");
        CHECK_EQ_STR(cell(t, 0, "sessions", buf), "0");
        CHECK_EQ_STR(cell(t, 0, "conns", buf), "1");
        CHECK_EQ_STR(cell(t, 0, "partial_conns", buf), "1");
        CHECK_EQ_STR(cell(t, 0, "bytes_in", buf), "70");
        CHECK_EQ_STR(cell(t, 0, "clients", buf), "1");
    }
    t = table(r, "overview");
    CHECK(t != NULL && t->nrows == 1);
    if (t && t->nrows == 1)
        CHECK_EQ_STR(cell(t, 0, "protection", buf), "unknown");
    t = table(r, "connections");
    CHECK(t != NULL && t->nrows == 1);
    if (t && t->nrows == 1) {
        CHECK_EQ_STR(cell(t, 0, "protection", buf), "unknown");
        CHECK_EQ_STR(cell(t, 0, "why", buf), "midstream");
        CHECK_EQ_STR(cell(t, 0, "seen", buf), "tls");
    }
    /* no_protection is about clear text: nothing found in an unknown connection */
    t = table(r, "findings");
    CHECK(t != NULL && t->nrows == 0);
    report_free(r);
    policy_fini(&p);
}

int
main(void)
{
    test_early_flush();
    test_unknown();
    return check_report();
}
