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

static void
usage(FILE *f)
{
    fprintf(f, "usage: zertdump [-t] [-s] [-f auto|rdw|vbs] [-z TZ] [--codes FILE] [FILE...]\n"
               "       zertdump --report text|csv|html [-o FILE] INPUT... (--report --help)\n"
               "  Reads SMF dump files (RDW stream as from FTP SITE RDW, or RECFM=VBS blocks;\n"
               "  detected automatically) and prints SMF 119 subtype 11/12 (zERT) records as\n"
               "  JSON Lines, or as text with -t. Other records are skipped and counted (-s).\n"
               "  -z TZ  time zone of the SMF header times: UTC (default), +HH:MM, or a name\n"
               "         such as Europe/Berlin\n"
               "  --codes FILE  IBM codes in place of the provisional ones (the code table\n"
               "         zertsensor --compare learns, docs/compare.md)\n"
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
                fprintf(stderr, "zertdump: unknown format %s\n", f);
                return 2;
            }
        } else if (strcmp(a, "-z") == 0 && i + 1 < argc) {
            if (emit_smf_tz_parse(&o.tz, argv[++i], err, sizeof(err)) != 0) {
                fprintf(stderr, "zertdump: %s\n", err);
                return 2;
            }
        } else if (strcmp(a, "--codes") == 0 && i + 1 < argc) {
            char cerr[512];
            if (smf_codes_load(argv[++i], cerr, sizeof(cerr)) != 0) {
                fprintf(stderr, "zertdump: %s\n", cerr);
                return 2;
            }
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
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
