/* zertdump_main.c - zertdump: prints the zERT records (SMF 119 subtypes 11/12) of SMF dump files.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report.h"
#include "smf_codes.h"
#include "zertdump.h"

#ifndef ZS_VERSION
#define ZS_VERSION "0.1.0" /* CMake passes the project's version */
#endif

/* Exit status, as zertsensor's (docs/man/zertdump.1): 0 clean input; 1 malformed or damaged
 * input, the records before the problem printed; 2 usage error, or a file that cannot be read
 * or an output that cannot be written. */
enum { ZD_OK = 0, ZD_MALFORMED = 1, ZD_FAIL = 2 };

#define ZD_USAGE_LINE "usage: zertdump [-t] [-s] [-f auto|rdw|vbs] [-z TZ] [--codes FILE] [FILE...]\n"

/* After a one-line message naming the problem: the synopsis and where the rest is. */
static void
short_usage(void)
{
    fputs(ZD_USAGE_LINE "       zertdump --help for the options, man zertdump for the rest\n",
          stderr);
}

static void
usage(FILE *f)
{
    fprintf(f, ZD_USAGE_LINE
            "       zertdump --report text|csv|html [-o FILE] INPUT... (--report --help)\n"
            "  Reads SMF dump files (RDW stream as from FTP SITE RDW, or RECFM=VBS blocks;\n"
            "  detected automatically) and prints SMF 119 subtype 11/12 (zERT) records as\n"
            "  JSON Lines, or as text with -t. Other records are skipped and counted (-s).\n"
            "  -z TZ  time zone of the SMF header times: UTC (default), +HH:MM, or a name\n"
            "         such as Europe/Berlin\n"
            "  --codes FILE  IBM codes in place of the provisional ones (the code table\n"
            "         zertsensor --compare learns, docs/compare.md)\n"
            "  -V, --version  print the version\n"
            "  Exit status: 0 clean input, 1 malformed input (earlier records printed),\n"
            "  2 usage or I/O error.\n");
}

int
main(int argc, char **argv)
{
    struct zertdump_opts o;
    char err[128];
    bool stats = false;
    int i, status = 0;
    /* --report and --print-policy are the report's command (report_main.c) */
    if (report_wanted(argc, argv))
        return report_main(argc, argv);
    memset(&o, 0, sizeof(o));
    o.fmt = SMF_FMT_AUTO;
    emit_smf_tz_parse(&o.tz, "UTC", err, sizeof(err));
    for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        } else if (strcmp(a, "-t") == 0) {
            o.text = true;
        } else if (strcmp(a, "-s") == 0) {
            stats = true;
        } else if (strcmp(a, "-f") == 0 && i + 1 < argc) {
            const char *f = argv[++i];
            if (strcmp(f, "auto") == 0)
                o.fmt = SMF_FMT_AUTO;
            else if (strcmp(f, "rdw") == 0)
                o.fmt = SMF_FMT_RDW;
            else if (strcmp(f, "vbs") == 0)
                o.fmt = SMF_FMT_VBS;
            else {
                fprintf(stderr, "zertdump: unknown format '%s' for -f (auto, rdw or vbs)\n", f);
                short_usage();
                return ZD_FAIL;
            }
        } else if (strcmp(a, "-z") == 0 && i + 1 < argc) {
            if (emit_smf_tz_parse(&o.tz, argv[++i], err, sizeof(err)) != 0) {
                fprintf(stderr, "zertdump: %s\n", err);
                return ZD_FAIL;
            }
        } else if (strcmp(a, "--codes") == 0 && i + 1 < argc) {
            char cerr[512];
            if (smf_codes_load(argv[++i], cerr, sizeof(cerr)) != 0) {
                fprintf(stderr, "zertdump: %s\n", cerr);
                return 2;
            }
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return ZD_OK;
        } else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
            printf("zertdump %s\n", ZS_VERSION);
            return ZD_OK;
        } else if (strcmp(a, "-f") == 0 || strcmp(a, "-z") == 0) {
            fprintf(stderr, "zertdump: option %s needs a value\n", a);
            short_usage();
            return ZD_FAIL;
        } else {
            fprintf(stderr, "zertdump: unknown option %s\n", a);
            short_usage();
            return ZD_FAIL;
        }
    }
    int nfiles = argc - i;
    for (int k = 0; k < (nfiles ? nfiles : 1); k++) {
        const char *name = nfiles ? argv[i + k] : "-";
        FILE *in = strcmp(name, "-") == 0 ? stdin : fopen(name, "rb");
        struct zertdump_stats st;
        struct stat sb;
        if (!in) {
            fprintf(stderr, "zertdump: %s: cannot open: %s\n", name, strerror(errno));
            status = 2;
            continue;
        }
        /* a directory opens and then reads as nothing: refuse it by name */
        if (fstat(fileno(in), &sb) == 0 && S_ISDIR(sb.st_mode)) {
            fprintf(stderr, "zertdump: %s: is a directory, not an SMF dump file\n", name);
            if (in != stdin)
                fclose(in);
            status = 2;
            continue;
        }
        if (nfiles > 1)
            fprintf(stderr, "zertdump: %s\n", name);
        int rc = zertdump_run(in, stdout, stderr, &o, &st);
        if (in != stdin)
            fclose(in);
        if (stats)
            fprintf(stderr,
                    "zertdump: %s: %" PRIu64 " records: %" PRIu64 " detail, %" PRIu64
                    " summary, %" PRIu64 " other types skipped, %" PRIu64
                    " other 119 subtypes skipped, %" PRIu64 " bad\n",
                    name, st.records, st.detail, st.summary, st.other_type, st.other_subtype,
                    st.bad);
        if (rc > status)
            status = rc;
        if (ferror(stdout))
            break; /* said once; the other files would fail the same way */
    }
    return status;
}
