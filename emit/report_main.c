/* report_main.c - zertdump --report: options, inputs, and the output file written in one piece. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: zertdump --report text|csv|html [-o FILE] [--policy FILE] [--smf-scope]\n"
            "                [--max-conns N] [--title TEXT] [-f auto|rdw|vbs] [-z TZ] INPUT...\n"
            "       zertdump --print-policy [--policy FILE]\n"
            "  INPUT is a records.jsonl of zertsensor or an SMF dump (RDW or VBS, the sensor's\n"
            "  zert.smf or one written by z/OS); - is standard input. Several inputs make one\n"
            "  report: zNA-style views (TCP server, TCP client, EE/peer traffic, security\n"
            "  sessions, connections) and weak-crypto findings (docs/report.md).\n"
            "  -o FILE         write the report to FILE (mode 0640, replaced in one piece)\n"
            "  --policy FILE   weak-crypto policy applied on top of the built-in one\n"
            "  --print-policy  print the policy in its file format and exit\n"
            "  --smf-scope     leave out JSON records marked \"in_smf\": false\n"
            "  --max-conns N   rows of the connections view (default %d, 0: all)\n"
            "  Exit status: 0 clean input, 1 malformed input (the report is still written),\n"
            "  2 usage or I/O error.\n",
            REPORT_DEFAULT_MAX_CONNS);
}

bool
report_wanted(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return false;
        if (strcmp(argv[i], "--report") == 0 || strncmp(argv[i], "--report=", 9) == 0 ||
            strcmp(argv[i], "--print-policy") == 0)
            return true;
    }
    return false;
}

/*
 * A new file beside `path`, created exclusively (O_EXCL|O_NOFOLLOW: never a planted link),
 * mode 0640. The caller renames it over `path` when it is complete.
 */
static FILE *
create_temp(const char *path, char *tmp, size_t len, char *err, size_t errlen)
{
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path + 1) : 0;
    for (int tries = 0; tries < 100; tries++) {
        uint64_t rnd;
        if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
            rnd = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)tries;
        int n = snprintf(tmp, len, "%.*s.%s.%016" PRIx64 ".tmp", dirlen, path,
                         slash ? slash + 1 : path, rnd);
        if (n < 0 || (size_t)n >= len) {
            snprintf(err, errlen, "%s: name too long", path);
            return NULL;
        }
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
        if (fd < 0 && errno == EEXIST)
            continue;
        if (fd < 0) {
            snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
            return NULL;
        }
        FILE *f = fchmod(fd, 0640) == 0 ? fdopen(fd, "w") : NULL;
        if (!f) {
            snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
            close(fd);
            unlink(tmp);
            return NULL;
        }
        return f;
    }
    snprintf(err, errlen, "%s: no free temporary name", path);
    return NULL;
}

static int
write_report(const struct report *r, const char *format, FILE *out)
{
    const struct rtable *const *tables;
    size_t n = report_tables(r, &tables);
    if (strcmp(format, "text") == 0)
        return rt_write_text(tables, n, out);
    if (strcmp(format, "csv") == 0)
        return rt_write_csv(tables, n, out);
    return report_write_html(r, out);
}

static int
parse_count(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(s, &end, 10);
    if (!*s || *end || errno || *s == '-')
        return -1;
    *v = n;
    return 0;
}

int
report_main(int argc, char **argv)
{
    struct report_opts o;
    struct policy policy;
    const char *format = NULL, *outpath = NULL, *policy_path = NULL;
    bool print_policy = false;
    char err[512];
    int i, status = 0;
    memset(&o, 0, sizeof(o));
    o.smf_fmt = SMF_FMT_AUTO;
    o.max_conns = REPORT_DEFAULT_MAX_CONNS;
    emit_smf_tz_parse(&o.tz, "UTC", err, sizeof(err));
    for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        }
    }
    for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        const char *a = argv[i];
        bool has_arg = i + 1 < argc;
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        } else if (strncmp(a, "--report=", 9) == 0) {
            format = a + 9;
        } else if (strcmp(a, "--report") == 0 && has_arg) {
            format = argv[++i];
        } else if (strcmp(a, "--print-policy") == 0) {
            print_policy = true;
        } else if (strcmp(a, "-o") == 0 && has_arg) {
            outpath = argv[++i];
        } else if (strcmp(a, "--policy") == 0 && has_arg) {
            policy_path = argv[++i];
        } else if (strcmp(a, "--smf-scope") == 0) {
            o.smf_scope = true;
        } else if (strcmp(a, "--title") == 0 && has_arg) {
            o.title = argv[++i];
        } else if (strcmp(a, "--max-conns") == 0 && has_arg) {
            if (parse_count(argv[++i], &o.max_conns) != 0) {
                fprintf(stderr, "zertdump: --max-conns: not a number: %s\n", argv[i]);
                return 2;
            }
        } else if (strcmp(a, "-f") == 0 && has_arg) {
            const char *f = argv[++i];
            if (strcmp(f, "auto") == 0)
                o.smf_fmt = SMF_FMT_AUTO;
            else if (strcmp(f, "rdw") == 0)
                o.smf_fmt = SMF_FMT_RDW;
            else if (strcmp(f, "vbs") == 0)
                o.smf_fmt = SMF_FMT_VBS;
            else {
                fprintf(stderr, "zertdump: unknown format %s\n", f);
                return 2;
            }
        } else if (strcmp(a, "-z") == 0 && has_arg) {
            if (emit_smf_tz_parse(&o.tz, argv[++i], err, sizeof(err)) != 0) {
                fprintf(stderr, "zertdump: %s\n", err);
                return 2;
            }
        } else {
            fprintf(stderr, "zertdump: %s: %s\n", a,
                    has_arg || a[1] != '-' ? "unknown option" : "needs an argument");
            usage(stderr);
            return 2;
        }
    }
    if (policy_init(&policy) != 0) {
        fprintf(stderr, "zertdump: out of memory\n");
        return 2;
    }
    if (policy_path && policy_load(&policy, policy_path, err, sizeof(err)) != 0) {
        fprintf(stderr, "zertdump: %s\n", err);
        policy_fini(&policy);
        return 2;
    }
    if (print_policy) {
        status = policy_print(&policy, stdout) == 0 && fflush(stdout) == 0 ? 0 : 2;
        policy_fini(&policy);
        return status;
    }
    if (!format || (strcmp(format, "text") != 0 && strcmp(format, "csv") != 0 &&
                    strcmp(format, "html") != 0)) {
        fprintf(stderr, "zertdump: --report needs text, csv or html\n");
        policy_fini(&policy);
        return 2;
    }
    if (i >= argc) {
        fprintf(stderr, "zertdump: --report needs at least one INPUT (- for standard input)\n");
        policy_fini(&policy);
        return 2;
    }
    struct report *r = report_new(&policy, &o);
    if (!r) {
        fprintf(stderr, "zertdump: out of memory\n");
        policy_fini(&policy);
        return 2;
    }
    for (; i < argc; i++) {
        int rc = report_read(r, argv[i], stderr, err, sizeof(err));
        if (rc < 0) {
            fprintf(stderr, "zertdump: %s\n", err);
            status = 2;
        } else if (rc > status) {
            status = rc;
        }
    }
    if (status == 2 || report_finish(r) != 0) {
        if (status != 2)
            fprintf(stderr, "zertdump: out of memory\n");
        report_free(r);
        policy_fini(&policy);
        return 2;
    }
    const struct rtable *const *tables;
    size_t nt = report_tables(r, &tables);
    for (size_t k = 0; k < nt; k++) {
        if (tables[k]->omitted_why)
            fprintf(stderr, "zertdump: %s: %" PRIu64 " more connections not listed: %s\n",
                    tables[k]->id, tables[k]->omitted, tables[k]->omitted_why);
    }
    if (!outpath || strcmp(outpath, "-") == 0) {
        if (write_report(r, format, stdout) != 0 || fflush(stdout) != 0) {
            fprintf(stderr, "zertdump: standard output: write error\n");
            status = 2;
        }
    } else {
        char tmp[4096];
        FILE *f = create_temp(outpath, tmp, sizeof(tmp), err, sizeof(err));
        if (!f) {
            fprintf(stderr, "zertdump: %s\n", err);
            status = 2;
        } else {
            int wrc = write_report(r, format, f);
            if (fclose(f) != 0)
                wrc = -1;
            if (wrc != 0 || rename(tmp, outpath) != 0) {
                fprintf(stderr, "zertdump: %s: %s\n", outpath,
                        wrc != 0 ? "write error" : strerror(errno));
                unlink(tmp);
                status = 2;
            }
        }
    }
    report_free(r);
    policy_fini(&policy);
    return status;
}
