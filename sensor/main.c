/* main.c - command line, input loop and exit status of the zertsensor binary. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "../conf/conf.h"
#include "../dissectors/ee.h"
#include "../emit/compare_out.h"
#include "../emit/smf_codes.h"
#include "capture.h"
#include "capture_stream.h"
#include "compare.h"
#include "decode.h"
#include "engine.h"
#include "live.h"
#include "flow_log.h"
#include "log.h"
#include "ndpi_opinion.h"
#include "outfile.h"
#include "records.h"
#include "stats.h"

#ifndef ZS_VERSION
#define ZS_VERSION "0.1.0" /* CMake passes the project's version */
#endif

/*
 * Exit status, as zertdump's (docs/man/zertsensor.8, EXIT STATUS): 0 all input read and every
 * output written; 1 partial: an input was damaged part-way, everything before the damage was
 * processed and the outputs are complete and valid; 2 nothing useful: a usage error, an input
 * that cannot be opened or an output that cannot be written. A run ended by SIGINT or SIGTERM
 * closes its outputs (complete and valid), says "interrupted" and then dies of that signal,
 * so that the shell sees it (128 + the signal number) and a script stops as the user meant.
 */
enum { EXIT_OK = 0, EXIT_DAMAGED = 1, EXIT_FAIL = 2 };

#define USAGE_LINE "usage: zertsensor -r FILE [options] [filter expression]\n"

/* After a one-line message naming the problem: the synopsis and where the rest is. */
static void
short_usage(void)
{
    fputs(USAGE_LINE "       zertsensor --help for the options, man zertsensor for the rest\n",
          stderr);
}

static void
usage(FILE *out)
{
    fputs(
        USAGE_LINE
        "       zertsensor -i IFACE [options] [filter expression]   (live: -i IFACE -h)\n"
        "  -r FILE              read a pcap or pcapng capture (gzip, xz or zstd allowed; - is\n"
        "                       stdin); several -r, or a directory, are read as one run in time\n"
        "                       order; a BPF filter expression (tcpdump syntax) may follow\n"
        "  -c FILE              configuration file (conf/zertsensor.conf.example)\n"
        "  --flows FILE         one JSON line per ended flow (- for stdout)\n"
        "  -o DIR               zERT records: DIR/records.jsonl and DIR/zert.smf; -o - writes\n"
        "                       the JSON Lines records to stdout (no SMF)\n"
        "  --smf-format F       zert.smf as an rdw stream (default) or vbs blocks\n"
        "  --observations FILE  one JSON line per connection: what TLS/SSH/IPsec the wire showed\n"
        "  --no-ndpi            no nDPI second opinion in --observations (\"ndpi\": null)\n"
        "  --compare SMF        compare the wire with a mainframe's zERT SMF dump "
        "(docs/compare.md):\n"
        "                       report on stdout, with -o DIR also DIR/compare.jsonl, "
        "compare.csv,\n"
        "                       learned-codes.txt; exit 0 agree, 1 findings, 2 error\n"
        "  --clock-offset S     with --compare: mainframe time = capture time + S seconds (given,\n"
        "                       not estimated)\n"
        "  --codes FILE         IBM codes in place of the provisional ones (learned-codes.txt)\n"
        "  --dump-streams DIR   write each TCP direction's reassembled bytes to DIR\n"
        "  -q, --quiet          no readable flow lines, progress, tally or messages\n"
        "  --stats              print counters (anomalies, limits) as JSON on stderr at the end\n"
        "  --seed N             flow hash seed (default: fixed 0, for reproducible runs)\n"
        "  --max-flows N        flow table size (default 524288)\n"
        "  --memcap BYTES       out-of-order TCP data held, all flows (default 128M)\n"
        "  --flow-memcap BYTES  the same, per direction of one flow (default 4M)\n"
        "  --tcp-timeout S      idle TCP flows end after S seconds of packet time (600)\n"
        "  --udp-timeout S      idle UDP/ESP/AH flows (120)\n"
        "  --closed-timeout S   after FIN both ways or RST (5)\n"
        "  -V, --version        print the version\n"
        "  -h, --help           this text\n"
        "Exit status: 0 done, 1 an input was damaged (the outputs hold what came before), 2 usage\n"
        "or I/O error; SIGINT/SIGTERM end the run cleanly and the process dies of the signal.\n",
        out);
}

static int
parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || *s == '-' || v > max)
        return -1;
    *out = v;
    return 0;
}

/* The capture's loss counters so far (--compare puts them beside missing_on_wire findings). */
static void
compare_drops_now(void *ctx, struct compare_drops *d)
{
    struct engine *const *eng = ctx; /* made after the comparison that asks */
    struct stats s = g_stats;
    if (*eng)
        engine_collect_stats(*eng, &s);
    compare_drops_from_stats(d, &s);
}

/*
 * An output file (--flows, --observations): a new file 0640 beside PATH, renamed over it by
 * output_close (sensor/outfile.h); "-" is stdout. NULL (and a message) on failure.
 */
static FILE *
output_open(struct outfile *o, const char *path)
{
    char err[512];
    if (outfile_open(o, path, err, sizeof(err)) != 0) {
        log_err("%s", err);
        return NULL;
    }
    return o->f;
}

/* Flush, close and rename into place; -1 (and a message) when the output could not be written. */
static int
output_close(struct outfile *o, FILE *f)
{
    char err[512];
    if (!f)
        return 0;
    if (outfile_commit(o, err, sizeof(err)) != 0) {
        log_err("%s", err);
        return -1;
    }
    return 0;
}

/* A run that stops before reading its input: nothing is renamed into place. */
static void
output_discard(struct outfile *o, FILE *f)
{
    if (f)
        outfile_discard(o);
}

/* What each frame goes to: the engine, and with --compare the comparison's clock. */
struct frame_sink {
    struct engine *eng;
    struct compare *cmp;
};

/* Each frame with its own link type (pcapng interfaces, sections of a stream may differ). */
static void
on_frame(void *ctx, const struct capture_frame *f)
{
    const struct frame_sink *fs = ctx;
    engine_packet(fs->eng, f->dlt, f);
    if (fs->cmp)
        compare_clock(fs->cmp, f->ts_us);
}

/* The -r arguments: files, "-", or directories (every capture file in them, by name). */
struct inputs {
    char **path;
    unsigned n, cap;
};

static int
inputs_push(struct inputs *in, const char *path)
{
    if (in->n == in->cap) {
        unsigned ncap = in->cap ? in->cap * 2 : 4;
        char **np = realloc(in->path, ncap * sizeof(*np));
        if (!np)
            return -1;
        in->path = np;
        in->cap = ncap;
    }
    if (!(in->path[in->n] = strdup(path)))
        return -1;
    in->n++;
    return 0;
}

static void
inputs_free(struct inputs *in)
{
    for (unsigned i = 0; i < in->n; i++)
        free(in->path[i]);
    free(in->path);
    *in = (struct inputs){0};
}

static int
cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One -r argument; a directory adds its capture files (not hidden, not in subdirectories). */
static int
inputs_add_arg(struct inputs *in, const char *arg)
{
    struct stat st;
    if (strcmp(arg, "-") == 0 || stat(arg, &st) != 0 || !S_ISDIR(st.st_mode)) {
        if (inputs_push(in, arg) == 0)
            return 0;
        log_err("out of memory");
        return -1;
    }
    DIR *d = opendir(arg);
    if (!d) {
        log_err("%s: %s", arg, strerror(errno));
        return -1;
    }
    struct inputs found = {0};
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", arg, e->d_name) >= sizeof(path))
            continue;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (!capture_file_probe(path)) {
            log_info("%s: not a capture file, skipped", path);
            continue;
        }
        rc = inputs_push(&found, path);
    }
    closedir(d);
    if (rc == 0 && found.n == 0) {
        log_err("%s: no capture files in the directory", arg);
        rc = -1;
    }
    if (rc == 0)
        qsort(found.path, found.n, sizeof(*found.path), cmp_name);
    for (unsigned i = 0; rc == 0 && i < found.n; i++)
        rc = inputs_push(in, found.path[i]);
    inputs_free(&found);
    return rc;
}

/* File scope: capture names point into it until exit. */
static struct inputs inputs;

/* Open every input (one message and NULL on the first that fails); several become a merge. */
static struct capture *
open_inputs(const struct inputs *in)
{
    char err[CAPTURE_ERRBUF];
    struct capture **caps = calloc(in->n, sizeof(*caps));
    if (!caps) {
        log_err("out of memory");
        return NULL;
    }
    unsigned stdin_uses = 0;
    for (unsigned i = 0; i < in->n; i++) {
        if (strcmp(in->path[i], "-") == 0 && ++stdin_uses > 1) {
            log_err("-: standard input can be read only once");
            goto fail;
        }
        caps[i] = capture_file_open(in->path[i], err, sizeof(err));
        if (!caps[i]) {
            log_err("%s", err);
            goto fail;
        }
        /* the first link type of each input: names and keeps its file in messages */
        caps[i]->name = in->path[i];
        int dlt = caps[i]->dlt;
        const char *n = pcap_datalink_val_to_name(dlt);
        if (dlt >= 0 && !decode_linktype_supported(dlt)) {
            log_err("%s: unsupported link type %d (%s)", in->path[i], dlt, n ? n : "unknown");
            goto fail;
        }
        log_info("reading from file %s, link-type %s", in->path[i], n ? n : "none");
    }
    if (in->n == 1) {
        struct capture *c = caps[0];
        free(caps);
        return c;
    }
    struct capture *m = capture_merge_new(caps, in->n, err, sizeof(err));
    free(caps);
    if (!m)
        log_err("%s", err);
    return m;
fail:
    for (unsigned i = 0; i < in->n; i++)
        capture_close(caps[i]);
    free(caps);
    return NULL;
}

/* SIGINT/SIGTERM: the number of the signal; the input loop stops between two batches. */
static volatile sig_atomic_t stop_signal;

static void
on_stop_signal(int sig)
{
    stop_signal = sig;
}

static void
catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    /*
     * SA_RESTART keeps writes whole; a read blocked on a pipe waits in poll(), which the signal
     * interrupts, and the input ends there (cap_stream_stop_on). Otherwise the loop sees the
     * flag between two batches.
     */
    sa.sa_flags = SA_RESTART;
    cap_stream_stop_on(&stop_signal);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* After the outputs are closed: die of the signal that stopped the run (see the exit status). */
static void
die_of_signal(int sig)
{
    signal(sig, SIG_DFL);
    raise(sig);
}

/*
 * Progress of an offline run on a terminal: input bytes read of their total, packets per
 * second and the time left, redrawn at most PROGRESS_HZ times a second on one line of stderr,
 * erased at the end. Only when stderr is a terminal, -q is not given, and the flow lines do
 * not go to that terminal (then they are the progress).
 */
#define PROGRESS_HZ 4

struct progress {
    bool on;
    bool drawn;
    struct timespec start, last;
};

static double
elapsed(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* 435.2 MB, 12.0 kB: bytes as a person reads them. */
static void
fmt_bytes(char *buf, size_t len, uint64_t b)
{
    static const char *const unit[] = {"B", "kB", "MB", "GB", "TB"};
    double v = (double)b;
    int u = 0;
    while (v >= 1000 && u < 4) {
        v /= 1000;
        u++;
    }
    snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

static void
progress_start(struct progress *p, bool on)
{
    memset(p, 0, sizeof(*p));
    p->on = on;
    clock_gettime(CLOCK_MONOTONIC, &p->start);
    p->last = p->start;
}

static void
progress_update(struct progress *p, struct capture *cap, uint64_t pkts)
{
    if (!p->on)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (elapsed(&p->last, &now) < 1.0 / PROGRESS_HZ)
        return;
    p->last = now;
    double t = elapsed(&p->start, &now);
    uint64_t done, total;
    capture_progress(cap, &done, &total);
    char line[160], d[32], tt[32];
    int n;
    fmt_bytes(d, sizeof(d), done);
    if (total) {
        fmt_bytes(tt, sizeof(tt), total);
        n = snprintf(line, sizeof(line), "%s of %s (%.0f%%)", d, tt,
                     100.0 * (double)done / (double)total);
    } else {
        n = snprintf(line, sizeof(line), "%" PRIu64 " packets", pkts);
    }
    if (n > 0 && (size_t)n < sizeof(line) && t > 0)
        n += snprintf(line + n, sizeof(line) - (size_t)n, "  %.0f packets/s", (double)pkts / t);
    if (n > 0 && (size_t)n < sizeof(line) && total && done && done < total && t > 1) {
        double left = t * (double)(total - done) / (double)done;
        n += snprintf(line + n, sizeof(line) - (size_t)n, "  ETA %dm%02ds", (int)(left / 60),
                      (int)left % 60);
    }
    fprintf(stderr, "\r%s\033[K", line);
    p->drawn = true;
}

static void
progress_end(struct progress *p)
{
    if (p->drawn)
        fputs("\r\033[K", stderr);
    p->drawn = false;
}

/* Two paths name the same terminal (stdout and stderr on one tty: flow lines are progress). */
static bool
same_tty(int a, int b)
{
    struct stat sa, sb;
    return isatty(a) && isatty(b) && fstat(a, &sa) == 0 && fstat(b, &sb) == 0 &&
           sa.st_rdev == sb.st_rdev;
}

/* A word of the command line that names an existing file: a capture given without -r? */
static const char *
file_among(int argc, char **argv, int from)
{
    struct stat st;
    for (int i = from; i < argc; i++)
        if (stat(argv[i], &st) == 0 && (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
            return argv[i];
    return NULL;
}

enum {
    OPT_FLOWS = 256,
    OPT_OBS,
    OPT_DUMP,
    OPT_STATS,
    OPT_SEED,
    OPT_MAX_FLOWS,
    OPT_MEMCAP,
    OPT_FLOW_MEMCAP,
    OPT_TCP_TO,
    OPT_UDP_TO,
    OPT_CLOSED_TO,
    OPT_NO_NDPI,
    OPT_SMF_FORMAT,
    OPT_COMPARE,
    OPT_CLOCK_OFFSET,
    OPT_CODES,
};

/* Leading ':': a missing value is told apart from an unknown option (our own messages). */
#define OPTSTRING ":r:c:o:qVh"

static const struct option long_opts[] = {
    {"read", required_argument, NULL, 'r'},
    {"config", required_argument, NULL, 'c'},
    {"output", required_argument, NULL, 'o'},
    {"flows", required_argument, NULL, OPT_FLOWS},
    {"observations", required_argument, NULL, OPT_OBS},
    {"dump-streams", required_argument, NULL, OPT_DUMP},
    {"quiet", no_argument, NULL, 'q'},
    {"stats", no_argument, NULL, OPT_STATS},
    {"seed", required_argument, NULL, OPT_SEED},
    {"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
    {"memcap", required_argument, NULL, OPT_MEMCAP},
    {"flow-memcap", required_argument, NULL, OPT_FLOW_MEMCAP},
    {"tcp-timeout", required_argument, NULL, OPT_TCP_TO},
    {"udp-timeout", required_argument, NULL, OPT_UDP_TO},
    {"closed-timeout", required_argument, NULL, OPT_CLOSED_TO},
    {"smf-format", required_argument, NULL, OPT_SMF_FORMAT},
    {"no-ndpi", no_argument, NULL, OPT_NO_NDPI},
    {"compare", required_argument, NULL, OPT_COMPARE},
    {"clock-offset", required_argument, NULL, OPT_CLOCK_OFFSET},
    {"codes", required_argument, NULL, OPT_CODES},
    {"version", no_argument, NULL, 'V'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Options that are also configuration keys: the command line overrides the file. */
static const struct {
    int opt;
    const char *key;
} conf_opts[] = {
    {OPT_MAX_FLOWS, "max_flows"},
    {OPT_MEMCAP, "memcap"},
    {OPT_FLOW_MEMCAP, "flow_memcap"},
    {OPT_SMF_FORMAT, "smf_format"},
    {OPT_TCP_TO, "tcp_timeout"},
    {OPT_UDP_TO, "udp_timeout"},
    {OPT_CLOSED_TO, "closed_timeout"},
    {OPT_CODES, "codes_file"},
    {0, NULL},
};

int
main(int argc, char **argv)
{
    const char *flows_path = NULL, *obs_path = NULL, *conf_path = NULL;
    const char *compare_path = NULL;
    bool quiet = false, want_stats = false, offset_fixed = false;
    int64_t offset_us = 0;
    struct conf conf;
    char err[512]; /* every operational failure below, reported by log_err */
    conf_init(&conf);
    conf.check_timezone = records_check_timezone; /* timezone errors at load, with file:line */
    struct engine_config cfg = {
        .frag_slots = 256,
        .frag_timeout_us = 30ull * 1000000,
    };
    if (live_wanted(argc, argv))
        return live_main(argc, argv); /* the daemon has its own options: sensor/live.c */
    int c;
    /* First pass: only -c, so the file gives the defaults that later options override (and
     * --compare, whose failures are status 2: status 1 means findings there). */
    opterr = 0;
    while ((c = getopt_long(argc, argv, OPTSTRING, long_opts, NULL)) != -1) {
        if (c == 'c')
            conf_path = optarg;
        else if (c == OPT_COMPARE)
            compare_path = optarg;
    }
    int fail_status = compare_path ? 2 : EXIT_FAIL;
    if (conf_path && conf_load_file(&conf, conf_path, err, sizeof(err)) != 0) {
        log_err("%s", err);
        /* tcpdump's -c is a packet count: say which -c this is */
        size_t k = 0;
        while (isdigit((unsigned char)conf_path[k]))
            k++;
        if (k && !conf_path[k])
            log_err("-c names the configuration file (tcpdump's -c COUNT is not an option here)");
        return fail_status;
    }
    optind = 1;
    while ((c = getopt_long(argc, argv, OPTSTRING, long_opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            break;
        case '?':
            if (optopt)
                log_err("unknown option -%c", optopt);
            else
                log_err("unknown option %s", argv[optind - 1]);
            short_usage();
            return EXIT_FAIL;
        case ':':
            if (optopt && optopt < 256)
                log_err("option -%c needs a value", optopt);
            else
                log_err("option %s needs a value", argv[optind - 1]);
            short_usage();
            return EXIT_FAIL;
        case 'r':
            if (inputs_add_arg(&inputs, optarg) != 0)
                return fail_status;
            break;
        case 'o':
            if (conf_set(&conf, "output_dir", optarg, "option -o", err, sizeof(err)) != 0) {
                log_err("%s", err);
                return fail_status;
            }
            break;
        case 'q':
            quiet = true;
            break;
        case 'V':
            printf("zertsensor %s (%s)\n", ZS_VERSION, pcap_lib_version());
            return EXIT_OK;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        case OPT_FLOWS:
            flows_path = optarg;
            break;
        case OPT_OBS:
            obs_path = optarg;
            break;
        case OPT_DUMP:
            cfg.dump_dir = optarg;
            break;
        case OPT_STATS:
            want_stats = true;
            break;
        case OPT_NO_NDPI:
            ndpi_opinion_set_enabled(false);
            break;
        case OPT_COMPARE:
            compare_path = optarg;
            break;
        case OPT_CLOCK_OFFSET:
            if (compare_parse_offset(optarg, &offset_us) != 0) {
                log_err("bad value for --clock-offset: '%s' (seconds, e.g. -317.25)", optarg);
                return fail_status;
            }
            offset_fixed = true;
            break;
        case OPT_SEED:
            if (parse_uint(optarg, UINT64_MAX, &cfg.flows.seed)) {
                log_err("bad value for --seed: '%s'", optarg);
                return fail_status;
            }
            break;
        default: {
            size_t i = 0;
            while (conf_opts[i].key && conf_opts[i].opt != c)
                i++;
            if (!conf_opts[i].key) {
                short_usage();
                return fail_status;
            }
            char where[64];
            const struct option *o = long_opts;
            while (o->name && o->val != c)
                o++;
            snprintf(where, sizeof(where), "option --%s", o->name ? o->name : "?");
            if (conf_set(&conf, conf_opts[i].key, optarg, where, err, sizeof(err)) != 0) {
                log_err("%s", err);
                return fail_status;
            }
        }
        }
    }
    if (inputs.n == 0) {
        const char *f = file_among(argc, argv, optind);
        if (f)
            log_err("no input: to read %s, say -r %s", f, f);
        else
            log_err("no input: give -r FILE (a capture file, a directory of them, or - for stdin)");
        short_usage();
        return fail_status;
    }
    if (offset_fixed && !compare_path) {
        log_err("--clock-offset goes with --compare");
        short_usage();
        return fail_status;
    }
    if (conf.codes_file[0] && smf_codes_load(conf.codes_file, err, sizeof(err)) != 0) {
        log_err("%s", err);
        return fail_status;
    }
    cfg.flows.max_flows = conf.max_flows;
    cfg.flows.tcp_idle_us = (uint64_t)conf.tcp_timeout_s * 1000000;
    cfg.flows.udp_idle_us = (uint64_t)conf.udp_timeout_s * 1000000;
    cfg.flows.closed_us = (uint64_t)conf.closed_timeout_s * 1000000;
    cfg.reasm_memcap = conf.memcap;
    cfg.reasm_flow_cap = conf.flow_memcap;
    cfg.conf = &conf;
    ee_set_base_port(conf.ee_base_port);
    log_set_quiet(quiet);

    struct capture *cap = open_inputs(&inputs);
    if (!cap)
        return fail_status;
    if (optind < argc) {
        /* the filter expression: the remaining words, as tcpdump joins them */
        char expr[4096] = "";
        for (int i = optind; i < argc; i++) {
            if (strlen(expr) + strlen(argv[i]) + 2 > sizeof(expr)) {
                log_err("filter expression too long (over %zu bytes)", sizeof(expr) - 1);
                capture_close(cap);
                return fail_status;
            }
            if (i > optind)
                strcat(expr, " ");
            strcat(expr, argv[i]);
        }
        char ferr[CAPTURE_ERRBUF];
        cap->filter = capture_filter_new(expr, cap->dlt, ferr, sizeof(ferr));
        if (!cap->filter) {
            /* a capture named after the options reads as a filter: say what was meant */
            const char *f = file_among(argc, argv, optind);
            if (f)
                log_err("%s: the words after the options are a filter expression; to read the "
                        "capture, say -r %s",
                        f, f);
            else
                log_err("%s", ferr);
            capture_close(cap);
            return fail_status;
        }
    }

    bool records_stdout = strcmp(conf.output_dir, "-") == 0;
    int to_stdout = records_stdout + (flows_path && strcmp(flows_path, "-") == 0) +
                    (obs_path && strcmp(obs_path, "-") == 0);
    if (to_stdout > 1) {
        log_err("only one of -o, --flows and --observations can be - (standard output)");
        capture_close(cap);
        return EXIT_FAIL;
    }
    FILE *flows_out = NULL, *obs_out = NULL;
    struct outfile flows_file, obs_file;
    if ((flows_path && !(flows_out = output_open(&flows_file, flows_path))) ||
        (obs_path && !(obs_out = output_open(&obs_file, obs_path)))) {
        output_discard(&flows_file, flows_out);
        capture_close(cap);
        return fail_status;
    }
    struct records *records = NULL;
    struct zert_sink sink;
    if (conf.output_dir[0]) {
        records = records_open(conf.output_dir, &conf, err, sizeof(err));
        if (!records) {
            log_err("%s", err);
            output_discard(&flows_file, flows_out);
            output_discard(&obs_file, obs_out);
            capture_close(cap);
            return fail_status;
        }
        sink = records_sink(records);
        cfg.zert_sink = &sink;
    }
    /* --compare: every record goes to the comparison first, then to the -o DIR files */
    struct compare *cmp = NULL;
    struct zert_sink cmp_sink;
    struct engine *eng = NULL;
    if (compare_path) {
        struct compare_config cc = {
            .mainframe = compare_path,
            .dir = conf.output_dir[0] ? conf.output_dir : NULL,
            .conf = &conf,
            .offset_fixed = offset_fixed,
            .offset_us = offset_us,
            .report = stdout,
            .drops = compare_drops_now,
            .drops_ctx = &eng,
            .next = records ? &sink : NULL,
        };
        cmp = compare_new(&cc, err, sizeof(err));
        if (!cmp) {
            log_err("%s", err);
            output_discard(&flows_file, flows_out);
            output_discard(&obs_file, obs_out);
            records_discard(records);
            capture_close(cap);
            return fail_status;
        }
        cmp_sink = compare_sink(cmp);
        cfg.zert_sink = &cmp_sink;
    }
    if (cmp && offset_fixed && conf.interval_s) {
        /* the mainframe's intervals end at multiples of the interval on its clock */
        int64_t iv = (int64_t)conf.interval_s * 1000000;
        cfg.interval_phase_us = (uint64_t)(((offset_us % iv) + iv) % iv);
    }
    cfg.flows_json = flows_out;
    cfg.observations = obs_out;
    /* with --compare, stdout carries the comparison's report */
    cfg.flows_text = (!quiet && !to_stdout && !cmp) ? stdout : NULL;
    struct flow_tally tally;
    memset(&tally, 0, sizeof(tally));
    cfg.tally = quiet ? NULL : &tally; /* said on stderr at the end, as tcpdump's counts */

    mode_t old = umask(027);
    eng = engine_new(&cfg, err, sizeof(err));
    umask(old);
    if (!eng) {
        log_err("%s", err);
        output_discard(&flows_file, flows_out);
        output_discard(&obs_file, obs_out);
        records_discard(records);
        compare_free(cmp);
        capture_close(cap);
        return fail_status;
    }

    int status = EXIT_OK;
    enum capture_status cs;
    struct progress prog;
    progress_start(&prog, !quiet && isatty(STDERR_FILENO) &&
                              !(cfg.flows_text && same_tty(STDOUT_FILENO, STDERR_FILENO)));
    catch_stop_signals();
    old = umask(027);
    /* batches of 256 frames: a signal is seen within one batch, progress a few times a second */
    struct frame_sink fs = {eng, cmp};
    while (!stop_signal && (cs = capture_dispatch(cap, 256, on_frame, &fs)) != CAPTURE_END) {
        if (cs == CAPTURE_DAMAGED && stop_signal)
            break; /* a record cut by the signal, not damage */
        if (cs == CAPTURE_DAMAGED) {
            /* that input ends; the others of a merged run go on */
            progress_end(&prog);
            log_err("%s", cap->err);
            status = EXIT_DAMAGED;
        }
        progress_update(&prog, cap, cap->frames);
    }
    progress_end(&prog);
    /* interrupted or not: every flow ends and every record is cut, whole */
    engine_finish(eng);
    umask(old);
    engine_collect_stats(eng, &g_stats);
    {
        struct records_stats rs;
        records_get_stats(records, &rs);
#define MAIN_STATS_COPY_RECORDS(name) g_stats.name = rs.name;
        RECORDS_COUNTERS(MAIN_STATS_COPY_RECORDS)
#undef MAIN_STATS_COPY_RECORDS
    }

    if (engine_output_error(eng, err, sizeof(err)) != 0) {
        log_err("%s", err);
        status = fail_status;
    }
    if (output_close(&flows_file, flows_out) != 0)
        status = fail_status;
    if (output_close(&obs_file, obs_out) != 0)
        status = fail_status;
    int rrc = records_close(records, err, sizeof(err));
    if (rrc < 0) {
        log_err("%s", err);
        status = fail_status;
    } else if (rrc > 0) {
        log_warn("%s", err);
    }
    log_info("%" PRIu64 " packets, %" PRIu64 " flows%s", g_stats.pkts_read, g_stats.flows_ended,
             cfg.tally && tally.flows ? ", by protection:" : "");
    if (cfg.tally)
        flow_tally_print(stderr, &tally);
    if (cmp) {
        int crc = compare_finish(cmp, err, sizeof(err));
        if (crc == 2)
            log_err("%s", err);
        if (crc > status)
            status = crc;
        compare_free(cmp);
    }
    if (want_stats)
        stats_print_json(stderr);
    engine_free(eng);
    capture_close(cap);
    inputs_free(&inputs);
    if (stop_signal) {
        /* said even with -q: the outputs stop short of the input's end */
        log_err("interrupted by %s: the outputs hold what was read before it",
                stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
        fflush(stdout);
        die_of_signal(stop_signal);
    }
    return status;
}
