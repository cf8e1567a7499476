/* compare_out.c - the outputs of --compare: findings (JSON Lines, CSV), code table, report. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compare_out.h"
#include "json_writer.h"

static const char *const class_names[COMPARE_CLASS_COUNT] = {
    [COMPARE_ATTRIBUTE_MISMATCH] = "attribute_mismatch",
    [COMPARE_PROTECTION_MISMATCH] = "protection_mismatch",
    [COMPARE_MISSING_ON_MAINFRAME] = "missing_on_mainframe",
    [COMPARE_MISSING_ON_WIRE] = "missing_on_wire",
    [COMPARE_COUNT_MISMATCH] = "count_mismatch",
    [COMPARE_CODE_CONFLICT] = "code_conflict",
    [COMPARE_ZERT_BLIND_SPOT] = "zert_blind_spot",
    [COMPARE_PROTECTION_UNKNOWN] = "protection_unknown",
};

const char *
compare_class_name(enum compare_class c)
{
    return (unsigned)c < COMPARE_CLASS_COUNT ? class_names[c] : "?";
}

/* ---- files: new name in DIR, renamed into place ---------------------------------------- */

enum { OUT_JSONL, OUT_CSV, OUT_CODES, OUT_COUNT };

static const char *const out_names[OUT_COUNT] = {"compare.jsonl", "compare.csv",
                                                 "learned-codes.txt"};

struct compare_out {
    char dir[4096];
    int dirfd; /* DIR, held open: files are made and renamed in it even after a chdir or chroot
                  (the daemon's -D and --chroot); -1: no files */
    FILE *f[OUT_COUNT];
    char tmp[OUT_COUNT][4200];    /* DIR/.NAME.<pid>.<n>, for messages; "" none */
    char tmpname[OUT_COUNT][300]; /* .NAME.<pid>.<n> in dirfd */
    struct json_writer jw;
    bool failed;
};

/*
 * A new file DIR/.NAME.<pid>.<n> that did not exist (O_EXCL: a planted file or link makes the
 * open fail, and O_NOFOLLOW refuses a link even where O_EXCL would not be honoured), mode 0640
 * whatever the umask.
 */
static FILE *
create_tmp(struct compare_out *o, int i, char *err, size_t errlen)
{
    static unsigned seq;
    for (int tries = 0; tries < 100; tries++) {
        snprintf(o->tmpname[i], sizeof(o->tmpname[i]), ".%s.%ld.%u", out_names[i], (long)getpid(),
                 seq++);
        snprintf(o->tmp[i], sizeof(o->tmp[i]), "%s/%s", o->dir, o->tmpname[i]);
        int fd = openat(o->dirfd, o->tmpname[i],
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
        if (fd < 0 && errno == EEXIST)
            continue;
        if (fd < 0 || fchmod(fd, 0640) != 0) {
            snprintf(err, errlen, "%s: %s", o->tmp[i], strerror(errno));
            if (fd >= 0) {
                close(fd);
                unlinkat(o->dirfd, o->tmpname[i], 0);
            }
            o->tmp[i][0] = '\0';
            return NULL;
        }
        FILE *f = fdopen(fd, "w");
        if (!f) {
            snprintf(err, errlen, "%s: %s", o->tmp[i], strerror(errno));
            close(fd);
            unlinkat(o->dirfd, o->tmpname[i], 0);
            o->tmp[i][0] = '\0';
        }
        return f;
    }
    snprintf(err, errlen, "%s: no free temporary name", o->dir);
    o->tmp[i][0] = '\0';
    return NULL;
}

static const char csv_header[] =
    "class,kind,why,ip_proto,a_ip,a_port,b_ip,b_port,port_end,role,wire_time,mainframe_time,"
    "mainframe_offset,wire_conn_id,wire_protection,mainframe_protection,events,count,fields,"
    "text\n";

struct compare_out *
compare_out_open(const char *dir, char *err, size_t errlen)
{
    struct compare_out *o = calloc(1, sizeof(*o));
    if (!o) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    o->dirfd = -1;
    jw_init(&o->jw);
    if (!dir)
        return o;
    struct stat st;
    if (stat(dir, &st) != 0 && mkdir(dir, 0750) != 0) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        compare_out_free(o);
        return NULL;
    }
    snprintf(o->dir, sizeof(o->dir), "%s", dir);
    o->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (o->dirfd < 0) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        compare_out_free(o);
        return NULL;
    }
    for (int i = 0; i < OUT_COUNT; i++) {
        o->f[i] = create_tmp(o, i, err, errlen);
        if (!o->f[i]) {
            compare_out_free(o);
            return NULL;
        }
    }
    if (fputs(csv_header, o->f[OUT_CSV]) < 0)
        o->failed = true;
    return o;
}

void
compare_out_free(struct compare_out *o)
{
    if (!o)
        return;
    for (int i = 0; i < OUT_COUNT; i++) {
        if (o->f[i])
            fclose(o->f[i]);
        if (o->tmp[i][0])
            unlinkat(o->dirfd, o->tmpname[i], 0);
    }
    if (o->dirfd >= 0)
        close(o->dirfd);
    jw_fini(&o->jw);
    free(o);
}

int
compare_out_commit(struct compare_out *o, char *err, size_t errlen)
{
    int rc = o->failed ? -1 : 0;
    if (rc)
        snprintf(err, errlen, "%s: writing the comparison failed", o->dir);
    for (int i = 0; i < OUT_COUNT; i++) {
        if (!o->f[i])
            continue;
        if ((fflush(o->f[i]) != 0 || ferror(o->f[i])) && rc == 0) {
            snprintf(err, errlen, "%s: %s", o->tmp[i], strerror(errno));
            rc = -1;
        }
        if (fclose(o->f[i]) != 0 && rc == 0) {
            snprintf(err, errlen, "%s: %s", o->tmp[i], strerror(errno));
            rc = -1;
        }
        o->f[i] = NULL;
    }
    for (int i = 0; i < OUT_COUNT && rc == 0; i++) {
        char final[4200];
        if (!o->tmp[i][0])
            continue;
        snprintf(final, sizeof(final), "%s/%s", o->dir, out_names[i]);
        if (renameat(o->dirfd, o->tmpname[i], o->dirfd, out_names[i]) != 0) {
            snprintf(err, errlen, "%s: %s", final, strerror(errno));
            rc = -1;
            break;
        }
        o->tmp[i][0] = '\0';
    }
    return rc;
}

/* ---- one finding ----------------------------------------------------------------------- */

static const char *
ip_text(const struct zert_endpoint *e, char *buf, size_t len)
{
    buf[0] = '\0';
    if (e->family == 4 || e->family == 6)
        inet_ntop(e->family == 4 ? AF_INET : AF_INET6, e->ip, buf, (socklen_t)len);
    return buf;
}

static const char *
proto_text(uint8_t p)
{
    return p == 6 ? "tcp" : p == 17 ? "udp" : p == 50 ? "esp" : p == 51 ? "ah" : "?";
}

/* The JSON names of the two endpoints by kind of finding. */
static void
endpoint_names(const struct compare_finding *f, const char **a, const char **b)
{
    if (f->kind && !strcmp(f->kind, "summary")) {
        *a = "server";
        *b = "client";
    } else if (f->kind && !strcmp(f->kind, "tunnel")) {
        *a = "peer_a";
        *b = "peer_b";
    } else {
        *a = "local";
        *b = "remote";
    }
}

static void
jw_endpoint(struct json_writer *w, const char *key, const struct zert_endpoint *e, bool port)
{
    char ip[64];
    jw_key(w, key);
    if (!e->family) {
        jw_null(w);
        return;
    }
    jw_obj_open(w);
    jw_key(w, "ip");
    jw_str(w, ip_text(e, ip, sizeof(ip)));
    if (port) {
        jw_key(w, "port");
        jw_uint(w, e->port);
    }
    jw_obj_close(w);
}

static void
jw_opt_str(struct json_writer *w, const char *key, const char *s)
{
    jw_key(w, key);
    if (s && *s)
        jw_str(w, s);
    else
        jw_null(w);
}

static void
jw_opt_time(struct json_writer *w, const char *key, uint64_t us)
{
    jw_key(w, key);
    if (us)
        jw_time(w, us);
    else
        jw_null(w);
}

static int
write_json(struct compare_out *o, const struct compare_finding *f)
{
    struct json_writer *w = &o->jw;
    const char *an, *bn;
    bool summary = f->kind && !strcmp(f->kind, "summary");
    endpoint_names(f, &an, &bn);
    jw_reset(w);
    jw_obj_open(w);
    jw_key(w, "class");
    jw_str(w, compare_class_name(f->cls));
    jw_opt_str(w, "kind", f->kind);
    jw_opt_str(w, "why", f->why);
    jw_key(w, "ip_proto");
    if (f->ip_proto)
        jw_str(w, proto_text(f->ip_proto));
    else
        jw_null(w);
    bool tunnel = f->kind && !strcmp(f->kind, "tunnel");
    jw_endpoint(w, an, &f->a, !tunnel);
    jw_endpoint(w, bn, &f->b, !summary && !tunnel);
    if (summary) {
        jw_key(w, "server_port_end");
        jw_uint(w, f->port_end);
        jw_opt_str(w, "role", f->role);
    }
    jw_opt_time(w, "wire_time", f->wire_us);
    jw_opt_time(w, "mainframe_time", f->mf_us);
    jw_key(w, "mainframe_offset");
    if (f->mf_offset_known)
        jw_uint(w, f->mf_offset);
    else
        jw_null(w);
    jw_key(w, "wire_conn_id");
    if (f->wire_conn_id)
        jw_uint(w, f->wire_conn_id);
    else
        jw_null(w);
    jw_opt_str(w, "wire_protection", f->wire_prot);
    jw_opt_str(w, "mainframe_protection", f->mf_prot);
    jw_opt_str(w, "events", f->events);
    jw_key(w, "count");
    if (f->count)
        jw_uint(w, f->count);
    else
        jw_null(w);
    jw_key(w, "fields");
    jw_arr_open(w);
    for (unsigned i = 0; i < f->nfields; i++) {
        jw_obj_open(w);
        jw_key(w, "field");
        jw_str(w, f->fields[i].name);
        jw_opt_str(w, "wire", f->fields[i].wire);
        jw_opt_str(w, "mainframe", f->fields[i].mainframe);
        jw_obj_close(w);
    }
    jw_arr_close(w);
    jw_key(w, "capture_loss");
    if (f->drops.known) {
        jw_obj_open(w);
        jw_key(w, "tcp_gaps");
        jw_uint(w, f->drops.tcp_gaps);
        jw_key(w, "tcp_gap_bytes");
        jw_uint(w, f->drops.tcp_gap_bytes);
        jw_key(w, "flows_evicted");
        jw_uint(w, f->drops.flows_evicted);
        jw_key(w, "tcp_memcap_hit");
        jw_uint(w, f->drops.tcp_memcap_hit);
        jw_key(w, "tcp_flow_cap_hit");
        jw_uint(w, f->drops.tcp_flow_cap_hit);
        if (f->drops.kernel_known) {
            jw_key(w, "kernel_drops");
            jw_uint(w, f->drops.kernel_drops);
            jw_key(w, "interface_drops");
            jw_uint(w, f->drops.if_drops);
        }
        jw_obj_close(w);
    } else {
        jw_null(w);
    }
    jw_key(w, "text");
    jw_str(w, f->text);
    jw_obj_close(w);
    return jw_write_line(w, o->f[OUT_JSONL]);
}

/* A CSV cell: quoted, quotes doubled; NULL and "" are an empty cell. */
static void
csv_cell(FILE *out, const char *s, bool last)
{
    if (s && *s) {
        fputc('"', out);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', out);
            fputc(*s == '\n' ? ' ' : *s, out);
        }
        fputc('"', out);
    }
    fputc(last ? '\n' : ',', out);
}

static void
csv_uint(FILE *out, bool known, uint64_t v)
{
    if (known)
        fprintf(out, "%" PRIu64, v);
    fputc(',', out);
}

static int
write_csv(struct compare_out *o, const struct compare_finding *f)
{
    FILE *out = o->f[OUT_CSV];
    char ip[64], t[40], fields[COMPARE_FIELDS_MAX * 112];
    size_t n = 0;
    fields[0] = '\0';
    for (unsigned i = 0; i < f->nfields && n < sizeof(fields); i++) {
        int k = snprintf(fields + n, sizeof(fields) - n, "%s%s=%s/%s", i ? "; " : "",
                         f->fields[i].name, f->fields[i].wire[0] ? f->fields[i].wire : "-",
                         f->fields[i].mainframe[0] ? f->fields[i].mainframe : "-");
        if (k < 0)
            break;
        n += (size_t)k;
    }
    csv_cell(out, compare_class_name(f->cls), false);
    csv_cell(out, f->kind, false);
    csv_cell(out, f->why, false);
    csv_cell(out, f->ip_proto ? proto_text(f->ip_proto) : NULL, false);
    csv_cell(out, ip_text(&f->a, ip, sizeof(ip)), false);
    csv_uint(out, f->a.family != 0, f->a.port);
    csv_cell(out, ip_text(&f->b, ip, sizeof(ip)), false);
    csv_uint(out, f->b.family != 0, f->b.port);
    csv_uint(out, f->port_end != 0, f->port_end);
    csv_cell(out, f->role, false);
    csv_cell(out, f->wire_us ? jw_format_time(f->wire_us, t, sizeof(t)) : NULL, false);
    csv_cell(out, f->mf_us ? jw_format_time(f->mf_us, t, sizeof(t)) : NULL, false);
    csv_uint(out, f->mf_offset_known, f->mf_offset);
    csv_uint(out, f->wire_conn_id != 0, f->wire_conn_id);
    csv_cell(out, f->wire_prot, false);
    csv_cell(out, f->mf_prot, false);
    csv_cell(out, f->events, false);
    csv_uint(out, f->count != 0, f->count);
    csv_cell(out, fields, false);
    csv_cell(out, f->text, true);
    return ferror(out) ? -1 : 0;
}

int
compare_out_finding(struct compare_out *o, const struct compare_finding *f)
{
    if (!o->f[OUT_JSONL])
        return 0;
    if (write_json(o, f) != 0 || write_csv(o, f) != 0)
        o->failed = true;
    return o->failed ? -1 : 0;
}

int
compare_out_codes(struct compare_out *o, const struct compare_totals *t)
{
    FILE *out = o->f[OUT_CODES];
    char comment[96];
    if (!out)
        return 0;
    fprintf(out,
            "# zertsensor IBM zERT code table (docs/compare.md), learned by zertsensor --compare\n"
            "# from %s. Give it to zertsensor and zertdump with --codes FILE (or codes_file).\n"
            "# SPACE      CODE    ALGORITHM\n",
            t->mainframe ? t->mainframe : "-");
    for (size_t i = 0; i < t->nlearned; i++) {
        const struct compare_learned *l = &t->learned[i];
        if (l->loaded && !l->count)
            snprintf(comment, sizeof(comment), "provisional X'%04X'; given with --codes", l->prov);
        else
            snprintf(comment, sizeof(comment), "provisional X'%04X'; %" PRIu64 " record%s%s",
                     l->prov, l->count, l->count == 1 ? "" : "s",
                     l->loaded ? "; given with --codes" : "");
        if (smf_codes_write_line(out, l->space, l->prov, l->ibm, comment) != 0)
            o->failed = true;
    }
    if (ferror(out))
        o->failed = true;
    return o->failed ? -1 : 0;
}

/* ---- the report ------------------------------------------------------------------------ */

static const char *
time_text(uint64_t us, char *buf, size_t len)
{
    if (!us) {
        snprintf(buf, len, "-");
        return buf;
    }
    return jw_format_time(us, buf, len);
}

static void
signed_seconds(char *buf, size_t len, int64_t us)
{
    uint64_t a = us < 0 ? (uint64_t)(-(us + 1)) + 1 : (uint64_t)us;
    snprintf(buf, len, "%s%" PRIu64 ".%06" PRIu64, us < 0 ? "-" : "+", a / 1000000, a % 1000000);
}

/* One finding as an indented line (two when it has fields). */
/* The end of a capture loss line: the kernel's drops when the capture was live. */
static void
kernel_drops(FILE *out, const struct compare_drops *d)
{
    if (d->kernel_known)
        fprintf(out, ", kernel drops %" PRIu64 ", interface drops %" PRIu64, d->kernel_drops,
                d->if_drops);
    fputc('\n', out);
}

static void
report_finding(FILE *out, const struct compare_finding *f)
{
    fprintf(out, "  - %s", f->text);
    if (f->why)
        fprintf(out, " [%s]", f->why);
    fputc('\n', out);
    for (unsigned i = 0; i < f->nfields; i++)
        fprintf(out, "      %-26s wire %-20s mainframe %s\n", f->fields[i].name,
                f->fields[i].wire[0] ? f->fields[i].wire : "-",
                f->fields[i].mainframe[0] ? f->fields[i].mainframe : "-");
    if (f->drops.known) {
        fprintf(out,
                "      capture loss: %" PRIu64 " gaps (%" PRIu64 " bytes), %" PRIu64
                " flows evicted, memcap hit %" PRIu64 "+%" PRIu64,
                f->drops.tcp_gaps, f->drops.tcp_gap_bytes, f->drops.flows_evicted,
                f->drops.tcp_memcap_hit, f->drops.tcp_flow_cap_hit);
        kernel_drops(out, &f->drops);
    }
}

void
compare_out_report(FILE *out, const struct compare_totals *t,
                   const struct compare_finding *const *shown, size_t nshown)
{
    char a[40], b[40], off[48];
    uint64_t total = 0;
    for (int c = 0; c < COMPARE_CLASS_COUNT; c++)
        total += t->findings[c];
    fprintf(out, "zertsensor --compare %s\n", t->mainframe ? t->mainframe : "-");
    fprintf(out,
            "  mainframe dump  %" PRIu64 " records: %" PRIu64 " detail, %" PRIu64
            " summary, %" PRIu64 " zERT events; skipped %" PRIu64 " of other types, %" PRIu64
            " of other 119 subtypes; %" PRIu64 " bad\n",
            t->mf_records, t->mf_detail, t->mf_summary, t->mf_events, t->mf_other_type,
            t->mf_other_subtype, t->mf_bad);
    fprintf(out, "                  %s .. %s (mainframe clock)\n",
            time_text(t->mf_first_us, a, sizeof(a)), time_text(t->mf_last_us, b, sizeof(b)));
    if (t->mf_error[0])
        fprintf(out, "  DUMP DAMAGED    %s; compared what was read before it\n", t->mf_error);
    if (t->mf_bad)
        fprintf(out, "  BAD RECORDS     %" PRIu64 ", the first: %s\n", t->mf_bad, t->mf_bad_first);
    fprintf(out,
            "  wire            %s .. %s; %" PRIu64 " detail records (%" PRIu64
            " JSON only), %" PRIu64 " summaries\n",
            time_text(t->w_first_us, a, sizeof(a)), time_text(t->w_last_us, b, sizeof(b)),
            t->w_detail, t->w_json_only, t->w_summary);
    if (t->offset_known) {
        signed_seconds(off, sizeof(off), t->offset_us);
        char lo[32], hi[32];
        signed_seconds(lo, sizeof(lo), t->offset_dev_min_us);
        signed_seconds(hi, sizeof(hi), t->offset_dev_max_us);
        fprintf(out,
                "  clock offset    mainframe = capture %s s (%s; %" PRIu64
                " matched connections, spread %s .. %s s)\n",
                off, t->offset_fixed ? "given with --clock-offset" : "estimated", t->offset_pairs,
                lo, hi);
    } else {
        fprintf(out, "  clock offset    unknown: no connection seen on both sides\n");
    }
    fprintf(out,
            "  connections     %" PRIu64 " on the wire, %" PRIu64 " in the dump; %" PRIu64
            " matched, %" PRIu64 " of them agree\n",
            t->conn_wire, t->conn_mf, t->conn_matched, t->conn_agree);
    fprintf(out,
            "                  not compared: %" PRIu64 " outside the dump's time, %" PRIu64
            " outside the capture's, %" PRIu64 " not to or from a local address, %" PRIu64
            " JSON only, %" PRIu64 " inside IPsec seen on the wire; %" PRIu64 " late records\n",
            t->conn_outside_dump, t->conn_outside_capture, t->conn_not_local, t->conn_json_only,
            t->conn_inside_ipsec, t->late_records);
    if (t->conn_prot_unknown)
        fprintf(out, "                  %" PRIu64 " whose protection the wire could not show\n",
                t->conn_prot_unknown);
    fprintf(out,
            "  summaries       %" PRIu64 " on the wire, %" PRIu64 " in the dump; %" PRIu64
            " matched; counts compared for %" PRIu64 " (%" PRIu64 " intervals not aligned, %" PRIu64
            " partly outside the capture); %" PRIu64 " outside\n",
            t->sum_wire, t->sum_mf, t->sum_matched, t->sum_counts_compared, t->sum_misaligned,
            t->sum_partial, t->sum_outside);
    if (t->sum_json_only || t->sum_early_folded)
        fprintf(out,
                "                  not compared: %" PRIu64 " JSON only (IPsec peer pairs); %" PRIu64
                " written early (early_flush) and folded into the interval's later record\n",
                t->sum_json_only, t->sum_early_folded);
    fprintf(out, "  learned codes   %zu%s\n", t->nlearned,
            t->nlearned && t->dir ? " (written to learned-codes.txt)" : "");
    for (size_t i = 0; i < t->nlearned; i++) {
        const struct compare_learned *l = &t->learned[i];
        fprintf(out,
                "                  %-11s %-32s X'%04X' (provisional X'%04X'; %" PRIu64
                " records%s)\n",
                smf_code_space_name(l->space), smf_codes_space_name_of(l->space, l->prov), l->ibm,
                l->prov, l->count, l->loaded ? "; given with --codes" : "");
    }
    fprintf(out, "  held at once    %" PRIu64 " connections, %" PRIu64 " summaries\n",
            t->held_peak_conns, t->held_peak_summaries);
    fprintf(out,
            "  capture loss    %" PRIu64 " TCP gaps (%" PRIu64 " bytes), %" PRIu64
            " flows evicted, memcap hit %" PRIu64 "+%" PRIu64,
            t->drops.tcp_gaps, t->drops.tcp_gap_bytes, t->drops.flows_evicted,
            t->drops.tcp_memcap_hit, t->drops.tcp_flow_cap_hit);
    kernel_drops(out, &t->drops);
    fprintf(out, "  findings        %" PRIu64, total);
    const char *sep = ":";
    for (int c = 0; c < COMPARE_CLASS_COUNT; c++)
        if (t->findings[c]) {
            fprintf(out, "%s %s %" PRIu64, sep, compare_class_name((enum compare_class)c),
                    t->findings[c]);
            sep = ",";
        }
    fputc('\n', out);
    for (int c = 0; c < COMPARE_CLASS_COUNT; c++) {
        if (!t->findings[c])
            continue;
        fprintf(out, "\n%s (%" PRIu64 ")\n", compare_class_name((enum compare_class)c),
                t->findings[c]);
        for (size_t i = 0; i < nshown; i++)
            if (shown[i]->cls == (enum compare_class)c)
                report_finding(out, shown[i]);
        if (t->shown[c] < t->findings[c])
            fprintf(out, "  ... %" PRIu64 " more %s\n", t->findings[c] - t->shown[c],
                    t->dir ? "in compare.jsonl" : "(-o DIR writes all of them)");
    }
}
