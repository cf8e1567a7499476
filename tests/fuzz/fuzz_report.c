/* fuzz_report.c - libFuzzer target: records.jsonl lines through the JSON reader, the report model
 * and the three writers. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../emit/report_read.h"
#include "../../emit/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    static struct records_item item;
    struct report_opts o;
    struct policy p;
    char err[256];
    if (!sink)
        sink = fopen("/dev/null", "w");
    memset(&o, 0, sizeof(o));
    o.max_conns = 4;
    emit_smf_tz_parse(&o.tz, "UTC", err, sizeof(err));
    if (policy_init(&p) != 0)
        return 0;
    struct report *r = report_new(&p, &o);
    struct rep_input *in = r ? report_input(r, "fuzz", "jsonl") : NULL;
    /* every line is a record */
    for (size_t start = 0; in && start < size;) {
        const uint8_t *nl = memchr(data + start, '\n', size - start);
        size_t end = nl ? (size_t)(nl - data) : size;
        switch (
            records_read_line((const char *)data + start, end - start, &item, err, sizeof(err))) {
        case RECORDS_DETAIL:
            report_add_detail(r, in, &item.u.detail);
            break;
        case RECORDS_SUMMARY:
            report_add_summary(r, in, &item.u.summary);
            break;
        default:
            break;
        }
        start = end + 1;
    }
    if (r && report_finish(r) == 0) {
        const struct rtable *const *t;
        size_t n = report_tables(r, &t);
        rt_write_text(t, n, sink);
        rt_write_csv(t, n, sink);
        report_write_html(r, sink);
    }
    report_free(r);
    policy_fini(&p);
    return 0;
}
