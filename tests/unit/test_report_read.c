/* test_report_read.c - records.jsonl read back into records: malformed and extended lines; with
 * ZS_RECORDS_DIR, every DIR/NAME/records.jsonl round trips byte for byte through emit_json. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "../../emit/emit_json.h"
#include "../../emit/json_writer.h"
#include "../../emit/report_read.h"

/*
 * ZS_RECORDS_DIR/NAME/records.jsonl are the sensor's records, made fresh by
 * tests/tools/report_roundtrip.sh (CTest report.roundtrip) from the captures of the golden
 * list. Reading a line and writing the record again with emit/emit_json.c must give the
 * same line: the reader loses nothing the writer writes. A field added to the writer and
 * not to the reader fails here, by name of the file and line.
 */
static void
test_roundtrip(const char *dirpath)
{
    char path[1200], err[256];
    struct json_writer w;
    struct records_item *it = malloc(sizeof(*it));
    int files = 0, lines = 0;
    DIR *dir = opendir(dirpath);
    CHECK(dir != NULL);
    if (!dir || !it) {
        free(it);
        return;
    }
    jw_init(&w);
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s/records.jsonl", dirpath, de->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        files++;
        struct records_reader rd;
        records_reader_init(&rd, f);
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        FILE *again = fopen(path, "r"); /* the original lines, to compare with */
        while (records_reader_next(&rd, it, err, sizeof(err)) == 1) {
            n = getline(&line, &cap, again);
            CHECK(n > 0);
            if (n <= 0)
                break;
            lines++;
            if (it->kind == RECORDS_DETAIL)
                emit_json_build_detail(&w, &it->u.detail);
            else if (it->kind == RECORDS_SUMMARY)
                emit_json_build_summary(&w, &it->u.summary);
            else {
                fprintf(stderr, "%s:%lu: %s\n", path, rd.line, err);
                CHECK(!"a line of the sensor did not read");
                continue;
            }
            line[strcspn(line, "\n")] = '\0';
            check_count++;
            if (strcmp(w.buf, line) != 0) {
                check_failures++;
                fprintf(stderr, "%s:%lu: written back differently:\n  got  %s\n  want %s\n", path,
                        rd.line, w.buf, line);
            }
        }
        free(line);
        fclose(again);
        records_reader_fini(&rd);
        fclose(f);
    }
    closedir(dir);
    jw_fini(&w);
    free(it);
    printf("round trip: %d files, %d lines\n", files, lines);
    CHECK(files >= 10);
    CHECK(lines >= 100);
}

static enum records_kind
read1(const char *line, struct records_item *it, char *err)
{
    return records_read_line(line, strlen(line), it, err, 256);
}

static void
test_lines(void)
{
    struct records_item *it = malloc(sizeof(*it));
    char err[256];
    if (!it)
        return;
    /* unknown keys (anywhere) are ignored; a JSON-only record kind is not an error */
    CHECK_EQ_INT(read1("{\"record\":\"summary\",\"event\":\"interval\",\"future\":{\"x\":[1,2]},"
                       "\"server\":{\"ip\":\"10.0.0.1\",\"port\":443,\"new\":1},"
                       "\"conns\":{\"start\":1,\"end\":5},\"protocol\":\"tls\","
                       "\"tls\":{\"version_code\":772,\"later\":true}}",
                       it, err),
                 RECORDS_SUMMARY);
    CHECK_EQ_INT(it->u.summary.end.conns, 5);
    CHECK_EQ_INT(it->u.summary.server.port, 443);
    CHECK_EQ_INT(it->u.summary.server_port_end, 443);
    CHECK_EQ_INT(it->u.summary.tls.version_code.v, 772);
    CHECK(it->in_smf);
    CHECK_EQ_INT(read1("{\"record\":\"observation\",\"in_smf\":false}", it, err), RECORDS_OTHER);
    CHECK_EQ_STR(it->other, "observation");
    CHECK_EQ_INT(read1("{\"record\":\"detail\",\"event\":\"term\",\"in_smf\":false,"
                       "\"why\":\"handshake_failed\",\"protection\":[]}",
                       it, err),
                 RECORDS_DETAIL);
    CHECK(!it->in_smf);
    CHECK_EQ_INT(it->u.detail.event, ZERT_EV_TERM);
    /* zert2's semantics: protection unknown is null (not []), with why and seen */
    CHECK_EQ_INT(read1("{\"record\":\"detail\",\"event\":\"short_term\",\"protection\":null,"
                       "\"observation\":{\"why\":\"midstream\",\"seen\":\"tls\"},"
                       "\"local_guessed\":true,\"in_smf\":false}",
                       it, err),
                 RECORDS_DETAIL);
    CHECK(it->u.detail.prot_unknown);
    CHECK(it->u.detail.json_only);
    CHECK(it->u.detail.local_guessed);
    CHECK_EQ_STR(it->u.detail.obs.why, "midstream");
    CHECK_EQ_STR(it->u.detail.obs.seen, "tls");
    CHECK_EQ_INT(read1("{\"record\":\"detail\",\"event\":\"term\",\"protection\":[]}", it, err),
                 RECORDS_DETAIL);
    CHECK(!it->u.detail.prot_unknown);
    CHECK(!it->u.detail.json_only);
    CHECK_EQ_INT(
        read1("{\"record\":\"summary\",\"event\":\"interval\",\"early_flush\":true}", it, err),
        RECORDS_SUMMARY);
    CHECK(it->u.summary.early_flush);
    /* a coverage event is a short record: an event, a time, the sensor */
    CHECK_EQ_INT(read1("{\"record\":\"summary\",\"event\":\"aggregation_enabled\","
                       "\"time\":\"2014-05-15T15:39:57Z\",\"sensor\":{\"system\":\"S1\"}}",
                       it, err),
                 RECORDS_SUMMARY);
    CHECK_EQ_INT(it->u.summary.event, ZERT_SEV_AGGR_ENABLED);
    CHECK_EQ_STR(it->u.summary.sensor.system, "S1");
    /* an event code without a name is written as its number */
    CHECK_EQ_INT(read1("{\"record\":\"detail\",\"event\":7}", it, err), RECORDS_DETAIL);
    CHECK_EQ_INT(it->u.detail.event, ZERT_EV_ENFORCEMENT);
    /* times: microseconds, other fractions, an offset */
    CHECK_EQ_INT(read1("{\"record\":\"detail\",\"time\":\"2014-05-15T15:39:57.119053Z\","
                       "\"start\":\"2014-05-15T17:39:57.5+02:00\"}",
                       it, err),
                 RECORDS_DETAIL);
    CHECK_EQ_INT(it->u.detail.time_us, 1400168397119053ULL);
    CHECK_EQ_INT(it->u.detail.start_us, 1400168397500000ULL);

    /* malformed: each says why */
    static const struct {
        const char *line, *why;
    } bad[] = {
        {"{\"record\":\"detail\"", "column"},
        {"[1,2]", "not a JSON object"},
        {"{\"event\":\"init\"}", "no \"record\""},
        {"{\"record\":\"detail\",\"conn_id\":\"7\"}", "conn_id: expected a non-negative integer"},
        {"{\"record\":\"detail\",\"bytes_in\":-1}", "bytes_in: expected a non-negative integer"},
        {"{\"record\":\"detail\",\"local\":{\"ip\":\"10.0.0.300\",\"port\":1}}", "local: expected"},
        {"{\"record\":\"detail\",\"local\":{\"ip\":\"10.0.0.3\",\"port\":70000}}", "above 65535"},
        {"{\"record\":\"detail\",\"time\":\"2014-05-15 15:39:57Z\"}", "time: expected"},
        {"{\"record\":\"detail\",\"role\":\"master\"}", "role: unknown value"},
        {"{\"record\":\"detail\",\"protection\":[\"wep\"]}", "protection: unknown value"},
        {"{\"record\":\"detail\",\"tls\":[]}", "tls: expected an object"},
        {"{\"record\":\"summary\",\"protocol\":\"quic\"}", "protocol: unknown value"},
        {"{\"record\":\"summary\",\"conns\":{\"start\":0,\"end\":4294967296}}", "above 32 bits"},
        {"{\"record\":\"detail\",\"ipsec\":{\"esp_spis\":[\"xyz\"]}}", "esp_spis"},
        {"{\"record\":\"detail\",\"record\":\"summary\"}", "duplicate"},
        {"{\"record\":\"detail\",\"bytes_in\":18446744073709551615}", "column"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_EQ_INT(read1(bad[i].line, it, err), RECORDS_BAD);
        CHECK(strstr(err, bad[i].why) != NULL);
        if (!strstr(err, bad[i].why))
            fprintf(stderr, "  %s: got \"%s\"\n", bad[i].line, err);
    }

    /* the file reader: blank lines skipped, bad lines reported and passed, CRLF accepted */
    const char *text = "\n{\"record\":\"detail\",\"event\":\"init\"}\r\n  \nnot json\n"
                       "{\"record\":\"summary\",\"event\":\"interval\"}";
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    struct records_reader rd;
    records_reader_init(&rd, f);
    CHECK_EQ_INT(records_reader_next(&rd, it, err, sizeof(err)), 1);
    CHECK_EQ_INT(it->kind, RECORDS_DETAIL);
    CHECK_EQ_INT(rd.line, 2);
    CHECK_EQ_INT(records_reader_next(&rd, it, err, sizeof(err)), 1);
    CHECK_EQ_INT(it->kind, RECORDS_BAD);
    CHECK_EQ_INT(rd.line, 4);
    CHECK_EQ_INT(records_reader_next(&rd, it, err, sizeof(err)), 1);
    CHECK_EQ_INT(it->kind, RECORDS_SUMMARY);
    CHECK_EQ_INT(records_reader_next(&rd, it, err, sizeof(err)), 0);
    records_reader_fini(&rd);
    fclose(f);
    free(it);
}

int
main(void)
{
    const char *dir = getenv("ZS_RECORDS_DIR");
    test_lines();
    if (dir)
        test_roundtrip(dir);
    return check_report();
}
