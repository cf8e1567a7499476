/* records.c - -o DIR: zERT records to DIR/records.jsonl and DIR/zert.smf (RDW or VBS); -o -:
 * the JSON Lines alone, to standard output. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../conf/conf.h"
#include "../emit/emit_json.h"
#include "../emit/emit_smf.h"
#include "../emit/json_writer.h"
#include "outfile.h"
#include "records.h"

struct records {
    const struct conf *conf;
    int dirfd;                /* DIR, never through a link */
    struct outfile jsonl_out; /* DIR/records.jsonl, written as a temporary file until closed */
    struct outfile smf_out;   /* DIR/zert.smf, likewise */
    FILE *jsonl;
    FILE *smf_file;
    struct emit_smf_writer smf;
    struct emit_smf_conf smf_conf;
    struct json_writer jw;
    uint8_t buf[SMF_MAX_RECORD];
    struct records_stats st;
};

int
records_check_timezone(const char *tz, char *err, size_t errlen)
{
    struct smf_tz parsed;
    return emit_smf_tz_parse(&parsed, tz, err, errlen);
}

struct records *
records_open(const char *dir, const struct conf *conf, char *err, size_t errlen)
{
    struct records *r = calloc(1, sizeof(*r));
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->conf = conf;
    r->dirfd = -1;
    jw_init(&r->jw);
    emit_smf_conf_init(&r->smf_conf);
    r->smf_conf.zos25 = conf->smf_zos25;
    snprintf(r->smf_conf.sid, sizeof(r->smf_conf.sid), "%s", conf->smf_sid);
    if (emit_smf_tz_parse(&r->smf_conf.tz, conf->timezone, err, errlen) != 0)
        goto fail;
    if (strcmp(dir, "-") == 0) {
        /* -o -: JSON Lines on standard output, as tcpdump's -w -; no SMF file */
        r->jsonl = stdout;
        return r;
    }
    r->dirfd = outfile_dir_open(dir, err, errlen);
    if (r->dirfd < 0)
        goto fail;
    if (outfile_open_at(&r->jsonl_out, r->dirfd, dir, "records.jsonl", err, errlen) != 0)
        goto fail;
    r->jsonl = r->jsonl_out.f;
    if (outfile_open_at(&r->smf_out, r->dirfd, dir, "zert.smf", err, errlen) != 0)
        goto fail;
    r->smf_file = r->smf_out.f;
    if (emit_smf_writer_init(&r->smf, r->smf_file,
                             conf->smf_format == CONF_SMF_VBS ? EMIT_SMF_VBS : EMIT_SMF_RDW,
                             conf->vbs_block_size, err, errlen) != 0)
        goto fail;
    return r;
fail:
    if (r->jsonl)
        outfile_discard(&r->jsonl_out);
    if (r->smf_file)
        outfile_discard(&r->smf_out);
    if (r->dirfd >= 0)
        close(r->dirfd);
    jw_fini(&r->jw);
    free(r);
    return NULL;
}

static int
put_smf(struct records *r, size_t len, bool lossy)
{
    if (len == 0) {
        r->st.records_smf_too_big++;
        return 0; /* counted; the JSON line still carries the record */
    }
    if (lossy)
        r->st.records_smf_lossy++;
    r->st.records_smf++;
    return emit_smf_writer_put(&r->smf, r->buf, len);
}

/* SMF dates are 0cyydddF: 1900 to 2199. A record outside them has no SMF form (counted). */
#define SMF_END_US (7258118400ull * 1000000) /* 2200-01-01 */

static bool
smf_time_ok(uint64_t us)
{
    return us < SMF_END_US;
}

/* No SMF form: an extension record (JSON only), or times SMF dates cannot hold. */
static bool
json_only(struct records *r, bool ext, const uint64_t *times, int n)
{
    if (ext) {
        r->st.records_json_only++;
        return true;
    }
    for (int i = 0; i < n; i++) {
        if (!smf_time_ok(times[i])) {
            r->st.records_smf_out_of_range++;
            return true;
        }
    }
    return false;
}

static int
sink_detail(void *ctx, const struct zert_detail *d)
{
    struct records *r = ctx;
    bool lossy = false;
    int rc = emit_json_write_detail(&r->jw, r->jsonl, d);
    r->st.records_json++;
    const uint64_t t[] = {d->time_us, d->start_us, d->end_us};
    if (!r->smf_file || json_only(r, d->json_only, t, 3))
        return rc;
    size_t n = emit_smf_build_detail(&r->smf_conf, d, r->buf, sizeof(r->buf), &lossy);
    if (put_smf(r, n, lossy) != 0)
        rc = -1;
    return rc;
}

static int
sink_summary(void *ctx, const struct zert_summary *s)
{
    struct records *r = ctx;
    bool lossy = false;
    int rc = emit_json_write_summary(&r->jw, r->jsonl, s);
    r->st.records_json++;
    const uint64_t t[] = {s->time_us, s->interval_start_us, s->interval_end_us};
    if (!r->smf_file || json_only(r, s->json_only, t, 3))
        return rc;
    size_t n = emit_smf_build_summary(&r->smf_conf, s, r->buf, sizeof(r->buf), &lossy);
    if (put_smf(r, n, lossy) != 0)
        rc = -1;
    return rc;
}

void
records_get_stats(const struct records *r, struct records_stats *s)
{
    if (r)
        *s = r->st;
    else
        memset(s, 0, sizeof(*s));
}

struct zert_sink
records_sink(struct records *r)
{
    struct zert_sink s = {
        .ctx = r,
        .detail = r->conf->detail ? sink_detail : NULL,
        .summary = r->conf->summary ? sink_summary : NULL,
    };
    return s;
}

int
records_close(struct records *r, char *err, size_t errlen)
{
    if (!r)
        return 0;
    int rc = 0;
    if (r->jsonl == stdout) {
        if (fflush(stdout) != 0 || ferror(stdout)) {
            snprintf(err, errlen, "writing the records to standard output: %s", strerror(errno));
            rc = -1;
        }
        jw_fini(&r->jw);
        free(r);
        return rc;
    }
    if (emit_smf_writer_flush(&r->smf) != 0) {
        snprintf(err, errlen, "writing zert.smf: %s", strerror(errno));
        rc = -1;
    }
    emit_smf_writer_fini(&r->smf);
    char e2[256];
    if (outfile_close(&r->smf_out, rc == 0 ? err : e2, rc == 0 ? errlen : sizeof(e2)) != 0)
        rc = -1;
    if (outfile_close(&r->jsonl_out, rc == 0 ? err : e2, rc == 0 ? errlen : sizeof(e2)) != 0)
        rc = -1;
    /* the two files hold the same records: both are renamed into place, or neither */
    if (rc == 0 && outfile_publish(&r->jsonl_out, err, errlen) != 0) {
        outfile_discard(&r->smf_out);
        rc = -1;
    }
    if (rc == 0 && outfile_publish(&r->smf_out, err, errlen) != 0)
        rc = -1;
    if (rc != 0) {
        outfile_discard(&r->jsonl_out);
        outfile_discard(&r->smf_out);
    }
    if (rc == 0 && r->st.records_smf_too_big) {
        snprintf(err, errlen, "%llu records did not fit an SMF record and are only in JSON",
                 (unsigned long long)r->st.records_smf_too_big);
        rc = 1; /* a warning, not a failure */
    }
    close(r->dirfd);
    jw_fini(&r->jw);
    free(r);
    return rc;
}

void
records_discard(struct records *r)
{
    if (!r)
        return;
    if (r->jsonl == stdout) {
        jw_fini(&r->jw);
        free(r);
        return;
    }
    emit_smf_writer_fini(&r->smf);
    outfile_discard(&r->jsonl_out);
    outfile_discard(&r->smf_out);
    close(r->dirfd);
    jw_fini(&r->jw);
    free(r);
}
