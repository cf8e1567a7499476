/* live.c - zertsensor -i: the live daemon (event loop, signals, privileges, statistics). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <pcap/pcap.h>

#include "../conf/conf.h"
#include "../dissectors/ee.h"
#include "../emit/compare_out.h"
#include "../emit/smf_codes.h"
#include "capture.h"
#include "capture_live.h"
#include "compare.h"
#include "decode.h"
#include "engine.h"
#include "live.h"
#include "live_out.h"
#include "live_sock.h"
#include "log.h"
#include "outfile.h"
#include "privdrop.h"
#include "records.h"
#include "stats.h"

#define LIVE_MAX_IFACES 16
#define LIVE_BATCH      1024       /* frames per pcap_dispatch */
#define LIVE_BATCHES    16         /* dispatches per read event, then the loop's other events */
#define LIVE_LAG_US     1000000ull /* the clock ticks this far behind the wall: packets first */
#define LIVE_STOP_MS    1500       /* TERM: the budget for what is left, under the 2 s promised */
#define LIVE_MAX_SETS   64         /* option values that override the configuration file */

struct live {
    struct conf conf;
    const char *conf_path; /* absolute, for HUP */
    struct {
        char key[32], value[CONF_PATH_LEN], where[48];
    } sets[LIVE_MAX_SETS];
    unsigned nsets;
    struct capture *caps[LIVE_MAX_IFACES];
    const char *ifaces[LIVE_MAX_IFACES];
    struct event *rd[LIVE_MAX_IFACES];
    unsigned ncaps;
    struct engine *eng;
    struct live_out *out;
    struct live_sock *sock;
    struct compare *cmp;   /* --compare: the mainframe's dump against what is captured */
    struct outfile report; /* its report, when standard output cannot take it (-D, --json -) */
    int report_dirfd;      /* -1: the report goes to standard output */
    const char *compare_path;
    bool offset_fixed; /* --clock-offset */
    int64_t offset_us;
    struct event_base *base;
    struct event *timer, *sigs[5];
    uint64_t max_ts;     /* the newest packet time */
    uint64_t next_stats; /* wall time of the next statistics line */
    int status;
};

bool
live_wanted(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            return false;
        if (!strncmp(argv[i], "-i", 2) || !strcmp(argv[i], "--interface") ||
            !strncmp(argv[i], "--interface=", 12))
            return true;
    }
    return false;
}

static void
usage(FILE *out)
{
    fputs("usage: zertsensor -i IFACE [-i IFACE ...] [options] [filter expression]\n"
          "  -i IFACE             capture live on IFACE (promiscuous); several -i are one run\n"
          "  -c FILE              configuration file (reloaded on SIGHUP)\n"
          "  -o DIR               zERT records: DIR/records-STAMP.jsonl and DIR/zert-STAMP.smf,\n"
          "                       rotated (rotate_interval, rotate_size) and on SIGHUP\n"
          "  --json -             every record as a JSON line on standard output too\n"
          "  --socket PATH        the record socket (socket_path): JSON Lines to local readers\n"
          "  -u USER              drop to USER after opening the capture and outputs\n"
          "  --chroot DIR         chroot to DIR before dropping privileges\n"
          "  --allow-root         go on as root when no -u is given (not advised)\n"
          "  -D, --daemon         detach; log to syslog\n"
          "  --pid-file FILE      with -D: write the process id there\n"
          "  --syslog             log to syslog instead of standard error\n"
          "  --no-promisc         do not put the interfaces in promiscuous mode\n"
          "  --stats              print counters as JSON on stderr at the end\n"
          "  -q, --quiet          no informational messages (errors still go out)\n"
          "  --compare SMF        compare with a mainframe's zERT SMF dump, opened at start-up\n"
          "                       (docs/compare.md); at TERM/INT the report on stdout (with\n"
          "                       -D or --json -: DIR/compare-report.txt), DIR/compare.jsonl,\n"
          "                       compare.csv, learned-codes.txt; exit 0 agree, 1 findings\n"
          "  --clock-offset S     with --compare: mainframe time = capture time + S seconds\n"
          "  --codes FILE         IBM codes in place of the provisional ones (codes_file)\n"
          "  --seed N, --max-flows N, --memcap B, --flow-memcap B, --tcp-timeout S,\n"
          "  --udp-timeout S, --closed-timeout S   as for -r (zertsensor -h)\n"
          "Signals: TERM/INT stop (open connections end as \"shutdown\"), HUP reloads the\n"
          "configuration and rotates the files, USR1 logs statistics (and how --compare\n"
          "stands). See docs/daemon.md.\n",
          out);
}

enum {
    O_JSON = 300,
    O_SOCKET,
    O_CHROOT,
    O_ALLOW_ROOT,
    O_PIDFILE,
    O_SYSLOG,
    O_NOPROMISC,
    O_STATS,
    O_SEED,
    O_MAX_FLOWS,
    O_MEMCAP,
    O_FLOW_MEMCAP,
    O_TCP_TO,
    O_UDP_TO,
    O_CLOSED_TO,
    O_COMPARE,
    O_CLOCK_OFFSET,
    O_CODES,
};

#define LIVE_OPTSTRING "i:c:o:u:DqhV"

static const struct option live_opts[] = {
    {"interface", required_argument, NULL, 'i'},
    {"config", required_argument, NULL, 'c'},
    {"output", required_argument, NULL, 'o'},
    {"user", required_argument, NULL, 'u'},
    {"daemon", no_argument, NULL, 'D'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"json", required_argument, NULL, O_JSON},
    {"socket", required_argument, NULL, O_SOCKET},
    {"chroot", required_argument, NULL, O_CHROOT},
    {"allow-root", no_argument, NULL, O_ALLOW_ROOT},
    {"pid-file", required_argument, NULL, O_PIDFILE},
    {"syslog", no_argument, NULL, O_SYSLOG},
    {"no-promisc", no_argument, NULL, O_NOPROMISC},
    {"stats", no_argument, NULL, O_STATS},
    {"seed", required_argument, NULL, O_SEED},
    {"max-flows", required_argument, NULL, O_MAX_FLOWS},
    {"memcap", required_argument, NULL, O_MEMCAP},
    {"flow-memcap", required_argument, NULL, O_FLOW_MEMCAP},
    {"tcp-timeout", required_argument, NULL, O_TCP_TO},
    {"udp-timeout", required_argument, NULL, O_UDP_TO},
    {"closed-timeout", required_argument, NULL, O_CLOSED_TO},
    {"compare", required_argument, NULL, O_COMPARE},
    {"clock-offset", required_argument, NULL, O_CLOCK_OFFSET},
    {"codes", required_argument, NULL, O_CODES},
    {NULL, 0, NULL, 0},
};

/* Options that are configuration keys: kept, and applied again over a reloaded file. */
static const struct {
    int opt;
    const char *key;
} live_keys[] = {
    {'o', "output_dir"},
    {'u', "user"},
    {O_SOCKET, "socket_path"},
    {O_CHROOT, "chroot"},
    {O_PIDFILE, "pid_file"},
    {O_MAX_FLOWS, "max_flows"},
    {O_MEMCAP, "memcap"},
    {O_FLOW_MEMCAP, "flow_memcap"},
    {O_TCP_TO, "tcp_timeout"},
    {O_UDP_TO, "udp_timeout"},
    {O_CLOSED_TO, "closed_timeout"},
    {O_CODES, "codes_file"},
    {0, NULL},
};

static uint64_t
wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int
apply_sets(struct live *L, struct conf *c, char *err, size_t errlen)
{
    for (unsigned i = 0; i < L->nsets; i++)
        if (conf_set(c, L->sets[i].key, L->sets[i].value, L->sets[i].where, err, errlen) != 0)
            return -1;
    return 0;
}

/* The file (if any) under the option values: the configuration at start-up and on HUP. */
static int
load_conf(struct live *L, struct conf *c, char *err, size_t errlen)
{
    conf_init(c);
    c->check_timezone = records_check_timezone;
    if (L->conf_path && conf_load_file(c, L->conf_path, err, errlen) != 0)
        return -1;
    return apply_sets(L, c, err, errlen);
}

/* ---- statistics ---- */

static void
collect(struct live *L)
{
    engine_collect_stats(L->eng, &g_stats);
    struct records_stats rs;
    live_out_get_records_stats(L->out, &rs);
#define LIVE_COPY_R(name) g_stats.name = rs.name;
    RECORDS_COUNTERS(LIVE_COPY_R)
#undef LIVE_COPY_R
    struct live_out_stats os;
    live_out_get_stats(L->out, &os);
#define LIVE_COPY_O(name) g_stats.name = os.name;
    LIVE_OUT_COUNTERS(LIVE_COPY_O)
#undef LIVE_COPY_O
    struct live_sock_stats ss;
    live_sock_get_stats(L->sock, &ss);
#define LIVE_COPY_S(name) g_stats.name = ss.name;
    LIVE_SOCK_COUNTERS(LIVE_COPY_S)
#undef LIVE_COPY_S
    g_stats.capture_received = g_stats.capture_kernel_drops = g_stats.capture_if_drops = 0;
    for (unsigned i = 0; i < L->ncaps; i++) {
        struct capture_stats cs;
        if (capture_stats(L->caps[i], &cs) == 0) {
            g_stats.capture_received += cs.received;
            g_stats.capture_kernel_drops += cs.dropped;
            g_stats.capture_if_drops += cs.if_dropped;
        }
    }
}

/* Each interface's pcap_stats as libpcap gives them, beside the frames read from it. */
static void
log_capture_stats(struct live *L)
{
    for (unsigned i = 0; i < L->ncaps; i++) {
        struct capture_stats cs;
        if (capture_stats(L->caps[i], &cs) != 0) {
            log_warn("%s", L->caps[i]->err);
            continue;
        }
        log_info("%s: pcap_stats: ps_recv %" PRIu64 ", ps_drop %" PRIu64 ", ps_ifdrop %" PRIu64
                 "; %" PRIu64 " frames read",
                 L->ifaces[i], cs.received, cs.dropped, cs.if_dropped, cs.frames);
    }
}

static void
log_stats(struct live *L)
{
    collect(L);
    const struct stats *s = &g_stats;
    log_info(
        "stats: %" PRIu64 " packets, %" PRIu64 " bytes, kernel drops %" PRIu64
        ", interface drops %" PRIu64 "; flows %" PRIu64 " active, %" PRIu64
        " evicted; sessions %" PRIu64 " live (tls %" PRIu64 ", ssh %" PRIu64 ", ipsec %" PRIu64
        ", clear %" PRIu64 "; ee %" PRIu64 " of them), connections of unknown protection %" PRIu64
        "; records %" PRIu64 " json, %" PRIu64 " smf written, %" PRIu64
        " not written, queue max %" PRIu64 "; socket readers %" PRIu64 " (%" PRIu64
        " dropped); reassembly %" PRIu64 " bytes",
        s->pkts_read, s->bytes_read, s->capture_kernel_drops, s->capture_if_drops, s->flows_active,
        s->flows_evicted, s->zert_sessions_live, s->zert_sessions_live_tls,
        s->zert_sessions_live_ssh, s->zert_sessions_live_ipsec, s->zert_sessions_live_clear,
        s->zert_sessions_live_ee, s->zert_conns_live_unknown, s->records_jsonl_written,
        s->records_smf_written,
        s->records_jsonl_not_written + s->records_smf_not_written + s->records_stdout_not_written,
        s->output_queue_max, s->socket_readers, s->socket_readers_dropped, s->reasm_bytes_held);
    if (L->cmp) {
        char line[512];
        compare_status(L->cmp, line, sizeof(line));
        log_info("%s", line);
    }
}

/*
 * --compare: the capture's loss so far beside a missing_on_wire finding, the kernel's drops
 * included (what a live capture loses most).
 */
static void
compare_drops_now(void *ctx, struct compare_drops *d)
{
    const struct live *L = ctx;
    struct stats s = g_stats;
    if (L->eng)
        engine_collect_stats(L->eng, &s);
    compare_drops_from_stats(d, &s);
    d->kernel_known = true;
    d->kernel_drops = d->if_drops = 0;
    for (unsigned i = 0; i < L->ncaps; i++) {
        struct capture_stats cs;
        if (capture_stats(L->caps[i], &cs) == 0) {
            d->kernel_drops += cs.dropped;
            d->if_drops += cs.if_dropped;
        }
    }
}

/* ---- the loop ---- */

/* As a file run feeds them: the engine, then the comparison's clock (packet time). */
static void
on_frame(void *ctx, const struct capture_frame *f)
{
    struct live *L = ctx;
    if (f->ts_us > L->max_ts)
        L->max_ts = f->ts_us;
    engine_packet(L->eng, f->dlt, f);
    if (L->cmp)
        compare_clock(L->cmp, f->ts_us);
}

/* Take what the kernel holds for capture i: false when the capture failed. */
static bool
drain(struct live *L, unsigned i, unsigned batches)
{
    for (unsigned b = 0; b < batches; b++) {
        enum capture_status st = capture_dispatch(L->caps[i], LIVE_BATCH, on_frame, L);
        if (st == CAPTURE_AGAIN)
            break;
        if (st == CAPTURE_DAMAGED || st == CAPTURE_END) {
            log_err("%s", L->caps[i]->err);
            return false;
        }
    }
    return true;
}

static void
on_readable(evutil_socket_t fd, short what, void *ctx)
{
    struct live *L = ctx;
    (void)what;
    for (unsigned i = 0; i < L->ncaps; i++) {
        if (capture_selectable_fd(L->caps[i]) != fd)
            continue;
        if (!drain(L, i, LIVE_BATCHES)) {
            L->status = 1;
            event_base_loopbreak(L->base);
        }
    }
    live_out_flush(L->out);
}

static void
on_timer(evutil_socket_t fd, short what, void *ctx)
{
    struct live *L = ctx;
    (void)fd;
    (void)what;
    uint64_t now = wall_us();
    /* the clock runs behind the packets, never before them: expiry and interval boundaries */
    if (now - LIVE_LAG_US > L->max_ts) {
        engine_tick(L->eng, now - LIVE_LAG_US);
        /* the records that tick cut are in; the comparison's clock goes as far */
        if (L->cmp)
            compare_clock(L->cmp, now - LIVE_LAG_US);
    }
    live_out_tick(L->out, now);
    /* pcap_stats every second: its 32-bit counters are summed into 64-bit ones (capture_live.c)
     * and must not wrap twice between two looks */
    for (unsigned i = 0; i < L->ncaps; i++) {
        struct capture_stats cs;
        (void)capture_stats(L->caps[i], &cs);
    }
    uint64_t iv = (uint64_t)L->conf.daemon.stats_interval_s * 1000000u;
    if (iv && now >= L->next_stats) {
        log_stats(L);
        L->next_stats = (now / iv + 1) * iv;
    }
}

/* HUP: the configuration again (what needs a restart keeps its value, said so), new files. */
static void
reload(struct live *L)
{
    char err[512];
    struct conf *nc = malloc(sizeof(*nc));
    if (!nc) {
        log_err("SIGHUP: out of memory: the configuration is unchanged");
        return;
    }
    if (load_conf(L, nc, err, sizeof(err)) != 0) {
        log_err("SIGHUP: %s: the configuration is unchanged", err);
        free(nc);
        return;
    }
    /* what the running layers were built with: a restart changes it */
    struct conf keep;
    memcpy(&keep, &L->conf, sizeof(keep)); /* padding too: the two are compared bytewise */
    memcpy(keep.system, nc->system, sizeof(keep.system));
    memcpy(keep.sysplex, nc->sysplex, sizeof(keep.sysplex));
    memcpy(keep.stack, nc->stack, sizeof(keep.stack));
    memcpy(keep.nets, nc->nets, sizeof(keep.nets));
    keep.nnets = nc->nnets;
    keep.report_routed = nc->report_routed;
    memcpy(keep.jobs, nc->jobs, sizeof(keep.jobs));
    keep.njobs = nc->njobs;
    keep.short_conn_s = nc->short_conn_s;
    keep.daemon.rotate_interval_s = nc->daemon.rotate_interval_s;
    keep.daemon.rotate_size = nc->daemon.rotate_size;
    keep.daemon.socket_queue = nc->daemon.socket_queue;
    keep.daemon.stats_interval_s = nc->daemon.stats_interval_s;
    if (memcmp(&keep, nc, sizeof(keep)) != 0)
        log_warn("SIGHUP: limits, timeouts, interval, outputs, socket, user and capture keys "
                 "take effect at the next start; the running values are kept");
    memcpy(&L->conf, &keep, sizeof(keep));
    free(nc);
    live_out_set_conf(L->out, &L->conf);
    if (L->sock)
        live_sock_set_queue_max(L->sock, L->conf.daemon.socket_queue);
    log_info("SIGHUP: configuration reloaded%s%s", L->conf_path ? " from " : "",
             L->conf_path ? L->conf_path : "");
}

static void
on_signal(evutil_socket_t sig, short what, void *ctx)
{
    struct live *L = ctx;
    (void)what;
    switch (sig) {
    case SIGTERM:
    case SIGINT:
        log_info("signal %d: stopping", (int)sig);
        event_base_loopbreak(L->base);
        break;
    case SIGHUP:
        reload(L);
        live_out_rotate(L->out, wall_us());
        break;
    case SIGUSR1:
        log_stats(L);
        break;
    default:
        break;
    }
}

/* ---- start-up ---- */

static int
write_pid_file(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        log_err("%s: %s", path, strerror(errno));
        return -1;
    }
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
    int rc = write(fd, buf, (size_t)n) == n ? 0 : -1;
    if (close(fd) != 0 || rc != 0) {
        log_err("%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int
daemonize(void)
{
    pid_t pid = fork();
    if (pid < 0) {
        log_err("fork: %s", strerror(errno));
        return -1;
    }
    if (pid > 0)
        _exit(0);
    setsid();
    if (chdir("/") != 0)
        return -1;
    int fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        if (fd > 2)
            close(fd);
    }
    return 0;
}

/*
 * The output directory must be writable by USER after the drop: a directory root owns and
 * nobody else may write is given to USER (never a shared one like /tmp).
 */
static int
give_dir(const char *dir, const struct privdrop *pd)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        log_err("%s: %s", dir, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int rc = 0;
    if (st.st_uid == 0 && !(st.st_mode & (S_IWOTH | S_ISVTX)) &&
        fchown(fd, pd->uid, pd->gid) != 0) {
        log_err("%s: cannot give it to %s: %s", dir, pd->name, strerror(errno));
        rc = -1;
    }
    close(fd);
    return rc;
}

static int
parse_args(struct live *L, int argc, char **argv, const char **ifaces, unsigned *nifaces,
           struct capture_live_conf *lc, bool *json_stdout, bool *allow_root, bool *detach,
           bool *want_stats, bool *syslog_opt, bool *quiet, uint64_t *seed)
{
    char err[512];
    int c;
    optind = 1;
    opterr = 1;
    while ((c = getopt_long(argc, argv, LIVE_OPTSTRING, live_opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            if (*nifaces == LIVE_MAX_IFACES) {
                log_err("too many -i (%d at most)", LIVE_MAX_IFACES);
                return -1;
            }
            ifaces[(*nifaces)++] = optarg;
            break;
        case 'c':
            L->conf_path = optarg;
            break;
        case 'D':
            *detach = true;
            break;
        case 'q':
            *quiet = true;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        case O_JSON:
            if (strcmp(optarg, "-") != 0) {
                log_err("--json takes - (standard output); files are -o DIR");
                return -1;
            }
            *json_stdout = true;
            break;
        case O_ALLOW_ROOT:
            *allow_root = true;
            break;
        case O_SYSLOG:
            *syslog_opt = true;
            break;
        case O_NOPROMISC:
            lc->promisc = 0;
            break;
        case O_STATS:
            *want_stats = true;
            break;
        case O_COMPARE:
            L->compare_path = optarg;
            break;
        case O_CLOCK_OFFSET:
            if (compare_parse_offset(optarg, &L->offset_us) != 0) {
                log_err("bad value for --clock-offset: '%s' (seconds, e.g. -317.25)", optarg);
                return -1;
            }
            L->offset_fixed = true;
            break;
        case O_SEED: {
            char *end;
            errno = 0;
            *seed = strtoull(optarg, &end, 10);
            if (errno || !*optarg || *end) {
                log_err("bad value for --seed: '%s'", optarg);
                return -1;
            }
        } break;
        default: {
            size_t k = 0;
            while (live_keys[k].key && live_keys[k].opt != c)
                k++;
            if (!live_keys[k].key || L->nsets == LIVE_MAX_SETS) {
                usage(stderr);
                return -1;
            }
            const struct option *o = live_opts;
            while (o->name && o->val != c)
                o++;
            snprintf(L->sets[L->nsets].key, sizeof(L->sets[0].key), "%s", live_keys[k].key);
            if (strlen(optarg) >= sizeof(L->sets[0].value)) {
                log_err("option --%s: value too long", o->name);
                return -1;
            }
            snprintf(L->sets[L->nsets].value, sizeof(L->sets[0].value), "%s", optarg);
            snprintf(L->sets[L->nsets].where, sizeof(L->sets[0].where), "option --%s", o->name);
            L->nsets++;
        }
        }
    }
    (void)err;
    return 0;
}

int
live_main(int argc, char **argv)
{
    static struct live L0; /* big (the configuration): not on the stack */
    struct live *L = &L0;
    char err[512];
    const char *ifaces[LIVE_MAX_IFACES];
    unsigned nifaces = 0;
    struct capture_live_conf lc = {.promisc = 1};
    bool json_stdout = false, allow_root = false, detach = false, want_stats = false,
         syslog_opt = false, quiet = false;
    uint64_t seed = 0;
    static char conf_abs[PATH_MAX];
    static char filter[4096];
    L->report_dirfd = -1;

    if (parse_args(L, argc, argv, ifaces, &nifaces, &lc, &json_stdout, &allow_root, &detach,
                   &want_stats, &syslog_opt, &quiet, &seed) != 0)
        return 2; /* nothing useful could be done: main.c EXIT_FAIL */
    log_set_quiet(quiet);
    if (L->conf_path) {
        if (!realpath(L->conf_path, conf_abs)) {
            log_err("%s: %s", L->conf_path, strerror(errno));
            return 2; /* nothing useful could be done: main.c EXIT_FAIL */
        }
        L->conf_path = conf_abs;
    }
    if (load_conf(L, &L->conf, err, sizeof(err)) != 0) {
        log_err("%s", err);
        return 2; /* nothing useful could be done: main.c EXIT_FAIL */
    }
    const struct conf_daemon *dc = &L->conf.daemon;
    for (int i = optind; i < argc; i++) {
        if (strlen(filter) + strlen(argv[i]) + 2 > sizeof(filter)) {
            log_err("filter expression too long (over %zu bytes)", sizeof(filter) - 1);
            return 2; /* nothing useful could be done: main.c EXIT_FAIL */
        }
        if (i > optind)
            strcat(filter, " ");
        strcat(filter, argv[i]);
    }
    bool have_files = L->conf.output_dir[0] != 0;
    if (have_files && L->conf.smf_format == CONF_SMF_VBS) {
        log_err("smf_format vbs: the daemon writes RDW streams (docs/daemon.md); convert "
                "rotated files when VBS is needed");
        return 2; /* nothing useful could be done: main.c EXIT_FAIL */
    }
    if (!have_files && !json_stdout && !dc->socket_path[0]) {
        log_err("no output: give -o DIR, --json - or --socket PATH (docs/daemon.md)");
        return 2; /* nothing useful could be done: main.c EXIT_FAIL */
    }
    if (detach && json_stdout) {
        log_err("-D and --json - do not go together: a daemon has no standard output");
        return 2; /* nothing useful could be done: main.c EXIT_FAIL */
    }
    if (L->offset_fixed && !L->compare_path) {
        log_err("--clock-offset goes with --compare");
        return 2; /* nothing useful could be done: main.c EXIT_FAIL */
    }
    /* the report takes standard output; a daemon without one, or one whose standard output
     * carries the records, writes it into DIR */
    bool report_in_dir = L->compare_path && (detach || json_stdout);
    if (report_in_dir && !have_files) {
        log_err("--compare with %s writes its report to DIR/compare-report.txt: give -o DIR",
                detach ? "-D" : "--json -");
        return 2; /* nothing useful could be done: main.c EXIT_FAIL */
    }
    if (L->conf.codes_file[0] && smf_codes_load(L->conf.codes_file, err, sizeof(err)) != 0) {
        log_err("%s", err);
        return 2; /* nothing useful could be done: main.c EXIT_FAIL */
    }
    struct privdrop pd;
    bool drop = dc->user[0] != 0;
    if (!drop && !allow_root && geteuid() == 0) { /* before anything is opened or created */
        log_err("refusing to run as root after start-up: give -u USER, or --allow-root");
        return 2; /* nothing useful could be done: main.c EXIT_FAIL */
    }
    if (drop && privdrop_lookup(dc->user, &pd, err, sizeof(err)) != 0) {
        log_err("%s", err);
        return 2; /* nothing useful could be done: main.c EXIT_FAIL */
    }
    if (syslog_opt || dc->syslog || detach)
        log_use_syslog(1);
    signal(SIGPIPE, SIG_IGN); /* a reader that goes away is an error to handle, not death */
    ee_set_base_port(L->conf.ee_base_port);

    /* 1. the captures (privileged) */
    lc.filter = filter;
    lc.buffer_size = dc->buffer_size;
    for (unsigned i = 0; i < nifaces; i++) {
        lc.iface = ifaces[i];
        L->caps[i] = capture_live_open(&lc, err, sizeof(err));
        if (!L->caps[i]) {
            log_err("%s", err);
            goto fail;
        }
        L->ifaces[L->ncaps++] = ifaces[i];
        int dlt = L->caps[i]->dlt;
        const char *n = pcap_datalink_val_to_name(dlt);
        if (!decode_linktype_supported(dlt)) {
            log_err("%s: unsupported link type %d (%s)", ifaces[i], dlt, n ? n : "unknown");
            goto fail;
        }
        log_info("listening on %s, link-type %s, snapshot length %u%s%s", ifaces[i], n ? n : "?",
                 CAPTURE_MAX_CAPLEN, filter[0] ? ", filter: " : "", filter);
    }
    /* 2. the outputs */
    mode_t old = umask(027);
    L->out = live_out_new(have_files ? L->conf.output_dir : NULL, json_stdout, &L->conf, wall_us(),
                          err, sizeof(err));
    umask(old);
    if (!L->out) {
        log_err("%s", err);
        goto fail;
    }
    if (drop && have_files && give_dir(L->conf.output_dir, &pd) != 0)
        goto fail;
    if (dc->socket_path[0]) {
        L->sock = live_sock_open(dc->socket_path, dc->socket_mode, drop ? pd.uid : (uid_t)-1,
                                 drop ? pd.gid : (gid_t)-1, dc->socket_queue, err, sizeof(err));
        if (!L->sock) {
            log_err("%s", err);
            goto fail;
        }
        struct live_out_tap tap = {.ctx = L->sock, .line = live_sock_line};
        live_out_set_tap(L->out, &tap);
    }
    /* 3. the comparison: the dump is opened now, before the privileges that may be needed
     * to read it are given up; every record goes to it first, then to the outputs */
    struct zert_sink sink = live_out_sink(L->out), cmp_sink;
    if (L->compare_path) {
        if (report_in_dir) {
            L->report_dirfd = outfile_dir_open(L->conf.output_dir, err, sizeof(err));
            if (L->report_dirfd < 0 ||
                outfile_open_at(&L->report, L->report_dirfd, L->conf.output_dir,
                                "compare-report.txt", err, sizeof(err)) != 0) {
                log_err("%s", err);
                goto fail;
            }
        }
        struct compare_config cc = {
            .mainframe = L->compare_path,
            .dir = have_files ? L->conf.output_dir : NULL,
            .conf = &L->conf,
            .offset_fixed = L->offset_fixed,
            .offset_us = L->offset_us,
            .report = L->report.f ? L->report.f : stdout,
            .drops = compare_drops_now,
            .drops_ctx = L,
            .next = &sink,
        };
        L->cmp = compare_new(&cc, err, sizeof(err));
        if (!L->cmp) {
            log_err("%s", err);
            goto fail;
        }
        cmp_sink = compare_sink(L->cmp);
        log_info("comparing with %s%s", L->compare_path,
                 report_in_dir ? "; the report goes to compare-report.txt" : "");
    }
    /* 4. the engine */
    struct engine_config cfg = {
        .flows =
            {
                .seed = seed,
                .max_flows = L->conf.max_flows,
                .tcp_idle_us = (uint64_t)L->conf.tcp_timeout_s * 1000000,
                .udp_idle_us = (uint64_t)L->conf.udp_timeout_s * 1000000,
                .closed_us = (uint64_t)L->conf.closed_timeout_s * 1000000,
            },
        .reasm_memcap = L->conf.memcap,
        .reasm_flow_cap = L->conf.flow_memcap,
        .frag_slots = 256,
        .frag_timeout_us = 30ull * 1000000,
        .conf = &L->conf,
        .zert_sink = L->cmp ? &cmp_sink : &sink,
    };
    if (L->cmp && L->offset_fixed && L->conf.interval_s) {
        /* the mainframe's intervals end at multiples of the interval on its clock */
        int64_t iv = (int64_t)L->conf.interval_s * 1000000;
        cfg.interval_phase_us = (uint64_t)(((L->offset_us % iv) + iv) % iv);
    }
    L->eng = engine_new(&cfg, err, sizeof(err));
    if (!L->eng) {
        log_err("%s", err);
        goto fail;
    }
    /* 5. detach, then give up what start-up needed */
    if (detach && daemonize() != 0)
        goto fail;
    if (dc->pid_file[0] && write_pid_file(dc->pid_file) != 0)
        goto fail;
    if (privdrop_apply(drop ? &pd : NULL, dc->chroot[0] ? dc->chroot : NULL, allow_root, err,
                       sizeof(err)) != 0) {
        log_err("%s", err);
        goto fail;
    }
    if (drop)
        log_info("running as %s (uid %u)", pd.name, (unsigned)pd.uid);

    /* 6. the loop */
    L->base = event_base_new();
    if (!L->base) {
        log_err("cannot make the event loop");
        goto fail;
    }
    if (L->sock && live_sock_start(L->sock, L->base, L->out, err, sizeof(err)) != 0) {
        log_err("%s", err);
        goto fail;
    }
    for (unsigned i = 0; i < L->ncaps; i++) {
        L->rd[i] = event_new(L->base, capture_selectable_fd(L->caps[i]), EV_READ | EV_PERSIST,
                             on_readable, L);
        if (!L->rd[i] || event_add(L->rd[i], NULL) != 0) {
            log_err("cannot watch %s", ifaces[i]);
            goto fail;
        }
    }
    struct timeval sec = {1, 0};
    L->timer = event_new(L->base, -1, EV_PERSIST, on_timer, L);
    if (!L->timer || event_add(L->timer, &sec) != 0)
        goto fail;
    const int sigs[5] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1, 0};
    for (int i = 0; sigs[i]; i++) {
        L->sigs[i] = evsignal_new(L->base, sigs[i], on_signal, L);
        if (!L->sigs[i] || event_add(L->sigs[i], NULL) != 0)
            goto fail;
    }
    uint64_t iv = (uint64_t)dc->stats_interval_s * 1000000u;
    L->next_stats = iv ? (wall_us() / iv + 1) * iv : 0;
    event_base_dispatch(L->base);

    /* 7. the end: what the kernel still holds, then every open connection ends */
    uint64_t t0 = wall_us();
    for (unsigned i = 0; i < L->ncaps; i++)
        if (L->rd[i])
            event_del(L->rd[i]);
    for (unsigned i = 0; i < L->ncaps && L->status == 0; i++)
        drain(L, i, 64);
    live_out_set_shutdown(L->out);
    uint64_t now = wall_us();
    engine_tick(L->eng, now > L->max_ts ? now : L->max_ts);
    if (L->cmp) /* the wire was watched until now */
        compare_clock(L->cmp, now > L->max_ts ? now : L->max_ts);
    engine_finish(L->eng);
    collect(L);
    for (unsigned i = 0; i < L->ncaps; i++)
        if (L->rd[i])
            event_free(L->rd[i]);
    event_free(L->timer);
    for (int i = 0; L->sigs[i]; i++)
        event_free(L->sigs[i]);
    uint64_t spent_ms = (wall_us() - t0) / 1000;
    unsigned left = spent_ms < LIVE_STOP_MS ? (unsigned)(LIVE_STOP_MS - spent_ms) : 0;
    live_sock_close(L->sock, left / 2);
    struct live_out_stats os;
    if (live_out_close(L->out, left / 2, &os) != 0)
        L->status = 1;
    L->out = NULL;
#define LIVE_COPY_FINAL(name) g_stats.name = os.name;
    LIVE_OUT_COUNTERS(LIVE_COPY_FINAL)
#undef LIVE_COPY_FINAL
    /* the records are safe; now the comparison: the rest of the dump, then every decision,
     * its files and the report (exit status 0 agree, 1 findings, 2 error, as a file run's) */
    if (L->cmp) {
        int crc = compare_finish(L->cmp, err, sizeof(err));
        if (crc == 2)
            log_err("%s", err);
        if (L->report_dirfd >= 0 && outfile_commit(&L->report, err, sizeof(err)) != 0) {
            log_err("%s", err);
            crc = 2;
        }
        if (crc > L->status)
            L->status = crc;
        compare_free(L->cmp);
        L->cmp = NULL;
    }
    if (L->report_dirfd >= 0)
        close(L->report_dirfd);
    /* the final counters: what the closes could not write is in them */
    log_capture_stats(L);
    log_info("%" PRIu64 " packets, %" PRIu64 " flows, %" PRIu64 " records", g_stats.pkts_read,
             g_stats.flows_ended, g_stats.records_json);
    if (want_stats)
        stats_print_json(stderr);
    if (dc->pid_file[0])
        unlink(dc->pid_file);
    engine_free(L->eng);
    for (unsigned i = 0; i < L->ncaps; i++)
        capture_close(L->caps[i]);
    event_base_free(L->base);
    return L->status;
fail:
    compare_free(L->cmp);
    if (L->report.f)
        outfile_discard(&L->report);
    if (L->report_dirfd >= 0)
        close(L->report_dirfd);
    live_sock_close(L->sock, 0);
    if (L->out)
        live_out_close(L->out, 0, NULL);
    engine_free(L->eng);
    for (unsigned i = 0; i < L->ncaps; i++)
        capture_close(L->caps[i]);
    return 2; /* start-up failed: the shared exit status of both tools (zertsensor(8)) */
}
