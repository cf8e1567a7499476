/* main.c - command line, input loop and exit status of the zertsensor binary. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pcap/pcap.h>

#include "../conf/conf.h"
#include "../dissectors/ee.h"
#include "capture.h"
#include "decode.h"
#include "engine.h"
#include "log.h"
#include "ndpi_opinion.h"
#include "outfile.h"
#include "records.h"
#include "stats.h"

#define ZS_VERSION "0.1.0"

/* Exit status: 0 all input read; 1 nothing useful (usage, unreadable input, output failure);
 * 2 the input was damaged part-way: everything before the damage was processed and output. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_DAMAGED = 2 };

static void
usage(FILE *out)
{
    fputs(
        "usage: zertsensor -r FILE [options]\n"
        "  -r FILE              read a pcap or pcapng capture (gzip allowed; - is stdin)\n"
        "  -c FILE              configuration file (conf/zertsensor.conf.example)\n"
        "  --flows FILE         one JSON line per ended flow (- for stdout)\n"
        "  -o DIR               zERT records: DIR/records.jsonl and DIR/zert.smf\n"
        "  --smf-format F       zert.smf as an rdw stream (default) or vbs blocks\n"
        "  --observations FILE  one JSON line per connection: what TLS/SSH/IPsec the wire showed\n"
        "  --no-ndpi            no nDPI second opinion in --observations (\"ndpi\": null)\n"
        "  --dump-streams DIR   write each TCP direction's reassembled bytes to DIR\n"
        "  -q, --quiet          no readable flow lines or progress messages\n"
        "  --stats              print counters (anomalies, limits) as JSON on stderr at the end\n"
        "  --seed N             flow hash seed (default: fixed 0, for reproducible runs)\n"
        "  --max-flows N        flow table size (default 524288)\n"
        "  --memcap BYTES       out-of-order TCP data held, all flows (default 128M)\n"
        "  --flow-memcap BYTES  the same, per direction of one flow (default 4M)\n"
        "  --tcp-timeout S      idle TCP flows end after S seconds of packet time (600)\n"
        "  --udp-timeout S      idle UDP/ESP/AH flows (120)\n"
        "  --closed-timeout S   after FIN both ways or RST (5)\n"
        "  -V, --version        print the version\n"
        "  -h, --help           this text\n",
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
};

#define OPTSTRING "r:c:o:qVh"

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
    {"version", no_argument, NULL, 'V'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Options that are also configuration keys: the command line overrides the file. */
static const struct {
    int opt;
    const char *key;
} conf_opts[] = {
    {OPT_MAX_FLOWS, "max_flows"},      {OPT_MEMCAP, "memcap"},
    {OPT_FLOW_MEMCAP, "flow_memcap"},  {OPT_SMF_FORMAT, "smf_format"},
    {OPT_TCP_TO, "tcp_timeout"},       {OPT_UDP_TO, "udp_timeout"},
    {OPT_CLOSED_TO, "closed_timeout"}, {0, NULL},
};

int
main(int argc, char **argv)
{
    const char *input = NULL, *flows_path = NULL, *obs_path = NULL, *conf_path = NULL;
    bool quiet = false, want_stats = false;
    struct conf conf;
    char err[512]; /* every operational failure below, reported by log_err */
    conf_init(&conf);
    conf.check_timezone = records_check_timezone; /* timezone errors at load, with file:line */
    struct engine_config cfg = {
        .frag_slots = 256,
        .frag_timeout_us = 30ull * 1000000,
    };
    int c;
    /* First pass: only -c, so the file gives the defaults that later options override. */
    opterr = 0;
    while ((c = getopt_long(argc, argv, OPTSTRING, long_opts, NULL)) != -1)
        if (c == 'c')
            conf_path = optarg;
    if (conf_path && conf_load_file(&conf, conf_path, err, sizeof(err)) != 0) {
        log_err("%s", err);
        return EXIT_FAIL;
    }
    optind = 1;
    opterr = 1;
    while ((c = getopt_long(argc, argv, OPTSTRING, long_opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            break;
        case 'r':
            input = optarg;
            break;
        case 'o':
            if (conf_set(&conf, "output_dir", optarg, "option -o", err, sizeof(err)) != 0) {
                log_err("%s", err);
                return EXIT_FAIL;
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
        case OPT_SEED:
            if (parse_uint(optarg, UINT64_MAX, &cfg.flows.seed)) {
                log_err("bad value for --seed: '%s'", optarg);
                return EXIT_FAIL;
            }
            break;
        default: {
            size_t i = 0;
            while (conf_opts[i].key && conf_opts[i].opt != c)
                i++;
            if (!conf_opts[i].key) {
                usage(stderr);
                return EXIT_FAIL;
            }
            char where[64];
            const struct option *o = long_opts;
            while (o->name && o->val != c)
                o++;
            snprintf(where, sizeof(where), "option --%s", o->name ? o->name : "?");
            if (conf_set(&conf, conf_opts[i].key, optarg, where, err, sizeof(err)) != 0) {
                log_err("%s", err);
                return EXIT_FAIL;
            }
        }
        }
    }
    if (!input || optind != argc) {
        usage(stderr);
        return EXIT_FAIL;
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

    struct capture *cap = capture_file_open(input, err, sizeof(err));
    if (!cap) {
        log_err("%s", err);
        return EXIT_FAIL;
    }
    if (!decode_linktype_supported(cap->dlt)) {
        const char *n = pcap_datalink_val_to_name(cap->dlt);
        log_err("%s: unsupported link type %d (%s)", input, cap->dlt, n ? n : "unknown");
        capture_close(cap);
        return EXIT_FAIL;
    }
    log_info("reading from file %s, link-type %s", input, pcap_datalink_val_to_name(cap->dlt));

    FILE *flows_out = NULL, *obs_out = NULL;
    struct outfile flows_file, obs_file;
    if ((flows_path && !(flows_out = output_open(&flows_file, flows_path))) ||
        (obs_path && !(obs_out = output_open(&obs_file, obs_path)))) {
        output_discard(&flows_file, flows_out);
        capture_close(cap);
        return EXIT_FAIL;
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
            return EXIT_FAIL;
        }
        sink = records_sink(records);
        cfg.zert_sink = &sink;
    }
    cfg.flows_json = flows_out;
    cfg.observations = obs_out;
    cfg.flows_text = (!quiet && flows_out != stdout && obs_out != stdout) ? stdout : NULL;

    mode_t old = umask(027);
    struct engine *eng = engine_new(&cfg, err, sizeof(err));
    umask(old);
    if (!eng) {
        log_err("%s", err);
        output_discard(&flows_file, flows_out);
        output_discard(&obs_file, obs_out);
        records_discard(records);
        capture_close(cap);
        return EXIT_FAIL;
    }

    int status = EXIT_OK;
    struct capture_frame fr;
    enum capture_status cs;
    old = umask(027);
    while ((cs = capture_next(cap, &fr)) == CAPTURE_FRAME)
        engine_packet(eng, cap->dlt, &fr);
    if (cs == CAPTURE_DAMAGED) {
        log_err("%s: input damaged after %" PRIu64 " packets, the rest is not read: %s", input,
                g_stats.pkts_read, cap->err);
        status = EXIT_DAMAGED;
    }
    engine_finish(eng);
    umask(old);
    engine_collect_stats(eng, &g_stats);

    if (engine_output_error(eng, err, sizeof(err)) != 0) {
        log_err("%s", err);
        status = EXIT_FAIL;
    }
    if (output_close(&flows_file, flows_out) != 0)
        status = EXIT_FAIL;
    if (output_close(&obs_file, obs_out) != 0)
        status = EXIT_FAIL;
    int rrc = records_close(records, err, sizeof(err));
    if (rrc < 0) {
        log_err("%s", err);
        status = EXIT_FAIL;
    } else if (rrc > 0) {
        log_warn("%s", err);
    }
    log_info("%" PRIu64 " packets, %" PRIu64 " flows", g_stats.pkts_read, g_stats.flows_ended);
    if (want_stats)
        stats_print_json(stderr);
    engine_free(eng);
    capture_close(cap);
    return status;
}
