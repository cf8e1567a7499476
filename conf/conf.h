/* conf.h - the configuration file: identity, local networks, intervals, limits, outputs. */
#ifndef ZS_CONF_H
#define ZS_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits of a configuration; reaching one is an error that names it (README.md, Configuration). */
#define CONF_MAX_NETS    64    /* local_networks entries, all lines together */
#define CONF_MAX_JOBS    64    /* job.PORT / job.LO-HI entries */
#define CONF_LINE_MAX    65536 /* bytes in one line of the file, newline excluded */
#define CONF_NAME_LEN    8     /* z/OS names: system, sysplex, stack, job, user */
#define CONF_SMF_SID_LEN 4     /* the SMF system id (SMFPRMxx SID) in every record header */
#define CONF_PATH_LEN    1024
#define CONF_TZ_LEN      64

/* A CIDR block; IPv4 uses the first 4 bytes of addr with family 4. */
struct conf_net {
    uint8_t family;
    uint8_t prefix;
    uint8_t addr[16];
};

/* The job and user that own a local port range (the wire cannot know them). */
struct conf_job {
    uint16_t port_lo, port_hi;
    char job[CONF_NAME_LEN + 1];
    char user[CONF_NAME_LEN + 1];
};

enum conf_smf_format { CONF_SMF_RDW, CONF_SMF_VBS };

/* Keys only the live daemon (zertsensor -i) reads; file runs accept and ignore them. */
struct conf_daemon {
    uint64_t buffer_size;       /* libpcap kernel buffer per interface, bytes */
    uint32_t rotate_interval_s; /* a new pair of output files every N seconds (0: never) */
    uint64_t rotate_size;       /* ... or when the JSON file reaches N bytes (0: never) */
    uint32_t output_queue;      /* records held per file while writes fail, then counted lost */
    char socket_path[CONF_PATH_LEN]; /* "": no record socket */
    uint32_t socket_mode;            /* permissions of the socket file */
    uint64_t socket_queue;           /* bytes queued for one reader before it is dropped */
    uint32_t stats_interval_s;       /* a statistics log line every N seconds (0: never) */
    bool syslog;                     /* log to syslog (daemon facility) instead of stderr */
    char pid_file[CONF_PATH_LEN];    /* with -D: "" for none */
    char user[64];                   /* drop to this user after start-up ("" : stay) */
    char chroot[CONF_PATH_LEN];      /* chroot here before dropping ("": none) */
};

/* 1: not a daemon key; 0: set; -1: bad value (message in err, prefixed with `where`). */
int conf_daemon_set(struct conf_daemon *d, const char *key, const char *value, const char *where,
                    char *err, size_t errlen);
void conf_daemon_init(struct conf_daemon *d);

/*
 * Checks a timezone value the way its user will read it (the SMF writer's parser): 0, or -1
 * with the reason in err. conf/ includes nothing of the project, so the program hands it in.
 */
typedef int (*conf_tz_check_fn)(const char *tz, char *err, size_t errlen);

struct conf {
    char system[CONF_NAME_LEN + 1];
    char sysplex[CONF_NAME_LEN + 1];
    char stack[CONF_NAME_LEN + 1];
    char smf_sid[CONF_SMF_SID_LEN + 1]; /* SMF header SID; "": the first 4 of `system` */
    struct conf_net nets[CONF_MAX_NETS];
    unsigned nnets;
    bool report_routed; /* also report traffic between two non-local hosts */
    struct conf_job jobs[CONF_MAX_JOBS];
    unsigned njobs;
    uint32_t interval_s;            /* summary interval, aligned to the clock of packet time */
    uint32_t short_conn_s;          /* TCP connections shorter than this are short_term */
    uint16_t ee_base_port;          /* Enterprise Extender: base .. base+4 */
    char output_dir[CONF_PATH_LEN]; /* "": no zERT records unless -o DIR */
    char timezone[CONF_TZ_LEN];     /* for the SMF header's local time, e.g. "Europe/Berlin" */
    bool detail;                    /* write subtype 11 records (SMFCONFIG ZERTDETAIL) */
    bool summary;                   /* write subtype 12 records (SMFCONFIG ZERTSUMMARY) */
    enum conf_smf_format smf_format;
    uint32_t vbs_block_size;
    bool smf_zos25; /* subtype 11 in the z/OS 2.5 form: 8 triplets, S7 zeroed */
    uint32_t max_flows;
    uint64_t memcap;
    uint32_t flow_memcap;
    uint32_t tcp_timeout_s, udp_timeout_s, closed_timeout_s;
    conf_tz_check_fn check_timezone; /* NULL: only the syntax of timezone is checked */
    uint64_t max_sessions; /* security sessions held at once before idle ones are written early */
    uint32_t tls_certificate_max;   /* DER bytes of a certificate handed to libcrypto (x509.h) */
    uint32_t stream_buffer_max;     /* bytes a flow direction buffers for its dissector (app.c) */
    struct conf_daemon daemon;      /* the live daemon's keys (conf_daemon.c, docs/daemon.md) */
    char codes_file[CONF_PATH_LEN]; /* learned IBM codes (docs/compare.md); "": provisional */
    /* --compare (docs/compare.md) */
    uint32_t compare_max_offset_s;    /* largest clock offset searched, either sign */
    uint32_t compare_skew_ms;         /* a pair may differ this much from the estimated offset */
    uint32_t compare_report_max;      /* findings per class printed on stdout */
    uint32_t compare_count_tolerance; /* percent by which byte/segment counts may differ */
};

/* The defaults: what a run without -c uses. */
void conf_init(struct conf *c);

/*
 * Read a configuration file over `c` (which holds defaults). Unknown keys, bad values,
 * values that do not fit, lines over CONF_LINE_MAX and NUL bytes are errors: -1 with
 * "FILE:LINE: message" in err ("FILE: message" when the file cannot be opened or is a
 * directory). A value is never cut to fit.
 */
int conf_load_file(struct conf *c, const char *path, char *err, size_t errlen);

/* Parse one "key = value" setting (also used for tests); `where` prefixes errors. */
int conf_set(struct conf *c, const char *key, const char *value, const char *where, char *err,
             size_t errlen);

/* A count with an optional k/m/g suffix (powers of 1024) within [min, max]: 0, or -1. */
int conf_parse_u64(const char *v, uint64_t min, uint64_t max, uint64_t *out);
/* on/yes/true or off/no/false: 0, or -1. */
int conf_parse_bool(const char *v, bool *out);

/* Is this address (16 bytes, family 4 or 6) inside a configured local network? */
bool conf_is_local(const struct conf *c, int family, const uint8_t addr[16]);

/* Job for a local port, or NULL. */
const struct conf_job *conf_job_for_port(const struct conf *c, uint16_t port);

#endif
