/* conf.c - the configuration file: identity, local networks, intervals, limits, outputs. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf.h"

void
conf_init(struct conf *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->system, sizeof(c->system), "ZSENSOR");
    snprintf(c->sysplex, sizeof(c->sysplex), "ZSPLEX");
    snprintf(c->stack, sizeof(c->stack), "TCPIP");
    c->interval_s = 1800; /* z/OS's SMF default interval, 30 minutes */
    c->short_conn_s = 10;
    c->ee_base_port = 12000;
    /* output_dir stays empty: records are written only when it (or -o) is given */
    snprintf(c->timezone, sizeof(c->timezone), "UTC");
    c->detail = true;
    c->summary = true;
    c->smf_format = CONF_SMF_RDW;
    c->vbs_block_size = 27998;
    c->max_flows = 1u << 19;
    c->memcap = 128ull << 20;
    c->flow_memcap = 4u << 20;
    c->tcp_timeout_s = 600;
    c->udp_timeout_s = 120;
    c->closed_timeout_s = 5;
    c->max_sessions = 65536;
    c->tls_certificate_max = 64u << 10;
    c->stream_buffer_max = 256u << 10;
    conf_daemon_init(&c->daemon);
    c->compare_max_offset_s = 900;
    c->compare_skew_ms = 2000;
    c->compare_report_max = 20;
}

static int fail(char *err, size_t errlen, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "WHERE: message" into err: always returns -1 */
static int
fail(char *err, size_t errlen, const char *where, const char *fmt, ...)
{
    int n = snprintf(err, errlen, "%s: ", where);
    if (n >= 0 && (size_t)n < errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int
conf_parse_u64(const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!isdigit((unsigned char)v[0]))
        return -1;
    unsigned long long n = strtoull(v, &end, 10);
    uint64_t mult = 1;
    if (*end == 'k' || *end == 'K')
        mult = 1ull << 10;
    else if (*end == 'm' || *end == 'M')
        mult = 1ull << 20;
    else if (*end == 'g' || *end == 'G')
        mult = 1ull << 30;
    if (mult != 1)
        end++;
    if (errno || *end || n > max / mult || n * mult < min || n * mult > max)
        return -1;
    *out = n * mult;
    return 0;
}

int
conf_parse_bool(const char *v, bool *out)
{
    if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true")) {
        *out = true;
        return 0;
    }
    if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false")) {
        *out = false;
        return 0;
    }
    return -1;
}

/* A z/OS name: 1-8 of A-Z 0-9 @ # $, not starting with a digit. Lower case is folded up. */
static int
parse_name(const char *v, char out[CONF_NAME_LEN + 1])
{
    size_t n = strlen(v);
    if (n == 0 || n > CONF_NAME_LEN || isdigit((unsigned char)v[0]))
        return -1;
    for (size_t i = 0; i < n; i++) {
        int ch = toupper((unsigned char)v[i]);
        if (!isalnum(ch) && ch != '@' && ch != '#' && ch != '$')
            return -1;
        out[i] = (char)ch;
    }
    out[n] = '\0';
    return 0;
}

/*
 * The next token of *s, words separated by any of `seps`: 1 with it copied into out (and *s
 * moved past it), 0 at the end, -1 when it does not fit outlen (*tok, *toklen: the whole
 * token, for the message). A value is never cut: a token too long is an error.
 */
static int
next_token(const char **s, const char *seps, char *out, size_t outlen, const char **tok,
           size_t *toklen)
{
    *s += strspn(*s, seps);
    size_t n = strcspn(*s, seps);
    *tok = *s;
    *toklen = n;
    if (n == 0)
        return 0;
    *s += n;
    if (n >= outlen)
        return -1;
    memcpy(out, *tok, n);
    out[n] = '\0';
    return 1;
}

/* The longest network text: a full IPv6 address with an embedded IPv4 one and a prefix. */
#define CONF_NET_TEXT_MAX 64

static int
parse_net(const char *v, struct conf_net *net)
{
    char buf[CONF_NET_TEXT_MAX];
    if (strlen(v) >= sizeof(buf))
        return -1; /* no address fits: never parse a cut copy */
    snprintf(buf, sizeof(buf), "%s", v);
    char *slash = strchr(buf, '/');
    if (slash)
        *slash++ = '\0';
    memset(net, 0, sizeof(*net));
    unsigned max;
    if (inet_pton(AF_INET, buf, net->addr) == 1) {
        net->family = 4;
        max = 32;
    } else if (inet_pton(AF_INET6, buf, net->addr) == 1) {
        net->family = 6;
        max = 128;
    } else {
        return -1;
    }
    uint64_t p = max;
    if (slash && conf_parse_u64(slash, 0, max, &p))
        return -1;
    net->prefix = (uint8_t)p;
    /* keep only the network part, so a host address with a prefix still matches its network */
    for (unsigned bit = net->prefix; bit < max; bit++)
        net->addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
    return 0;
}

/* "1414" or "5000-5100" after "job." */
static int
parse_port_range(const char *v, uint16_t *lo, uint16_t *hi)
{
    char buf[32];
    if (strlen(v) >= sizeof(buf))
        return -1; /* no port range is that long: never parse a cut copy */
    snprintf(buf, sizeof(buf), "%s", v);
    char *dash = strchr(buf, '-');
    if (dash)
        *dash++ = '\0';
    uint64_t a, b;
    if (conf_parse_u64(buf, 1, 65535, &a) || (dash && conf_parse_u64(dash, a, 65535, &b)))
        return -1;
    *lo = (uint16_t)a;
    *hi = dash ? (uint16_t)b : (uint16_t)a;
    return 0;
}

int
conf_set(struct conf *c, const char *key, const char *value, const char *where, char *err,
         size_t errlen)
{
    uint64_t n;
    if (!strcmp(key, "system") || !strcmp(key, "sysplex") || !strcmp(key, "stack")) {
        char *dst = !strcmp(key, "system")    ? c->system
                    : !strcmp(key, "sysplex") ? c->sysplex
                                              : c->stack;
        if (parse_name(value, dst))
            return fail(err, errlen, where, "bad value '%s' for %s (1-8 of A-Z 0-9 @ # $)", value,
                        key);
    } else if (!strcmp(key, "smf_sid")) {
        /* SMFPRMxx SID(xxxx): 1-4 of A-Z 0-9 @ # $ (a leading digit is allowed there) */
        size_t len = strlen(value);
        bool ok = len >= 1 && len <= CONF_SMF_SID_LEN;
        for (size_t i = 0; ok && i < len; i++) {
            int ch = toupper((unsigned char)value[i]);
            ok = isalnum(ch) || ch == '@' || ch == '#' || ch == '$';
            c->smf_sid[i] = (char)ch;
        }
        if (!ok) {
            c->smf_sid[0] = '\0';
            return fail(err, errlen, where, "bad value '%s' for %s (1-4 of A-Z 0-9 @ # $)", value,
                        key);
        }
        c->smf_sid[len] = '\0';
    } else if (!strcmp(key, "local_networks")) {
        /* a comma- or space-separated list of any length; the key may repeat to add more */
        char net[CONF_NET_TEXT_MAX];
        const char *s = value, *tok;
        size_t toklen;
        int r;
        while ((r = next_token(&s, ", \t", net, sizeof(net), &tok, &toklen)) != 0) {
            struct conf_net parsed;
            if (r < 0 || parse_net(net, &parsed))
                return fail(err, errlen, where, "bad network '%.*s' in %s", (int)toklen, tok, key);
            if (c->nnets >= CONF_MAX_NETS)
                return fail(err, errlen, where,
                            "more than %d local networks (the limit CONF_MAX_NETS): '%.*s' and "
                            "those after it do not fit",
                            CONF_MAX_NETS, (int)toklen, tok);
            c->nets[c->nnets++] = parsed;
        }
    } else if (!strncmp(key, "job.", 4)) {
        struct conf_job j = {0};
        if (parse_port_range(key + 4, &j.port_lo, &j.port_hi))
            return fail(err, errlen, where, "bad port or port range in '%s'", key);
        /* JOBNAME [USERID]: each a z/OS name, so a longer word is an error, never cut */
        char job[CONF_NAME_LEN + 1], user[CONF_NAME_LEN + 1], extra[2];
        const char *s = value, *tok;
        size_t toklen;
        int rj = next_token(&s, " \t", job, sizeof(job), &tok, &toklen);
        int ru = next_token(&s, " \t", user, sizeof(user), &tok, &toklen);
        int rx = next_token(&s, " \t", extra, sizeof(extra), &tok, &toklen);
        if (rj != 1 || parse_name(job, j.job) || ru < 0 || (ru == 1 && parse_name(user, j.user)) ||
            rx != 0)
            return fail(err, errlen, where, "bad value '%s' for %s (JOBNAME [USERID])", value, key);
        if (c->njobs >= CONF_MAX_JOBS)
            return fail(err, errlen, where, "more than %d job entries (the limit CONF_MAX_JOBS)",
                        CONF_MAX_JOBS);
        c->jobs[c->njobs++] = j;
    } else if (!strcmp(key, "report_routed")) {
        if (conf_parse_bool(value, &c->report_routed))
            return fail(err, errlen, where, "bad value '%s' for %s", value, key);
    } else if (!strcmp(key, "detail") || !strcmp(key, "summary")) {
        if (conf_parse_bool(value, !strcmp(key, "detail") ? &c->detail : &c->summary))
            return fail(err, errlen, where, "bad value '%s' for %s", value, key);
    } else if (!strcmp(key, "interval")) {
        /* must divide a day so intervals align to the clock */
        if (conf_parse_u64(value, 60, 86400, &n) || 86400 % n)
            return fail(err, errlen, where,
                        "bad value '%s' for %s (seconds, 60-86400, dividing a day)", value, key);
        c->interval_s = (uint32_t)n;
    } else if (!strcmp(key, "short_connection")) {
        if (conf_parse_u64(value, 1, 3600, &n))
            return fail(err, errlen, where, "bad value '%s' for %s", value, key);
        c->short_conn_s = (uint32_t)n;
    } else if (!strcmp(key, "ee_base_port")) {
        if (conf_parse_u64(value, 1, 65531, &n))
            return fail(err, errlen, where, "bad value '%s' for %s", value, key);
        c->ee_base_port = (uint16_t)n;
    } else if (!strcmp(key, "output_dir")) {
        if (!value[0])
            return fail(err, errlen, where, "bad value '%s' for %s", value, key);
        if (strlen(value) >= sizeof(c->output_dir))
            return fail(err, errlen, where, "%s is longer than %d bytes", key, CONF_PATH_LEN - 1);
        snprintf(c->output_dir, sizeof(c->output_dir), "%s", value);
    } else if (!strcmp(key, "timezone")) {
        if (!value[0] || strlen(value) >= sizeof(c->timezone) || strstr(value, ".."))
            return fail(err, errlen, where, "bad value '%s' for %s", value, key);
        char why[256] = "";
        if (c->check_timezone && c->check_timezone(value, why, sizeof(why)) != 0)
            return fail(err, errlen, where, "bad value for %s: %s", key, why);
        snprintf(c->timezone, sizeof(c->timezone), "%s", value);
    } else if (!strcmp(key, "smf_format")) {
        if (!strcmp(value, "rdw"))
            c->smf_format = CONF_SMF_RDW;
        else if (!strcmp(value, "vbs"))
            c->smf_format = CONF_SMF_VBS;
        else
            return fail(err, errlen, where, "bad value '%s' for %s (rdw or vbs)", value, key);
    } else if (!strcmp(key, "smf_zos25")) {
        if (conf_parse_bool(value, &c->smf_zos25))
            return fail(err, errlen, where, "bad value '%s' for %s", value, key);
    } else if (!strcmp(key, "vbs_block_size")) {
        if (conf_parse_u64(value, 64, 32760, &n))
            return fail(err, errlen, where, "bad value '%s' for %s", value, key);
        c->vbs_block_size = (uint32_t)n;
    } else if (!strcmp(key, "max_flows")) {
        if (conf_parse_u64(value, 1, 1u << 30, &n))
            return fail(err, errlen, where, "bad value '%s' for %s", value, key);
        c->max_flows = (uint32_t)n;
    } else if (!strcmp(key, "memcap")) {
        if (conf_parse_u64(value, 0, 1ull << 40, &n))
            return fail(err, errlen, where, "bad value '%s' for %s", value, key);
        c->memcap = n;
    } else if (!strcmp(key, "flow_memcap")) {
        if (conf_parse_u64(value, 0, UINT32_MAX, &n))
            return fail(err, errlen, where, "bad value '%s' for %s", value, key);
        c->flow_memcap = (uint32_t)n;
    } else if (!strcmp(key, "tls_certificate_max")) {
        if (conf_parse_u64(value, 1u << 10, 16u << 20, &n))
            return fail(err, errlen, where, "bad value '%s' for %s (1k to 16m)", value, key);
        c->tls_certificate_max = (uint32_t)n;
    } else if (!strcmp(key, "stream_buffer_max")) {
        if (conf_parse_u64(value, 4u << 10, 64u << 20, &n))
            return fail(err, errlen, where, "bad value '%s' for %s (4k to 64m)", value, key);
        c->stream_buffer_max = (uint32_t)n;
    } else if (!strcmp(key, "max_sessions")) {
        if (conf_parse_u64(value, 1, 1ull << 32, &n))
            return fail(err, errlen, where, "bad value '%s' for %s", value, key);
        c->max_sessions = n;
    } else if (!strcmp(key, "tcp_timeout") || !strcmp(key, "udp_timeout") ||
               !strcmp(key, "closed_timeout")) {
        if (conf_parse_u64(value, 1, 365ull * 86400, &n))
            return fail(err, errlen, where, "bad value '%s' for %s", value, key);
        uint32_t *dst = key[0] == 't'   ? &c->tcp_timeout_s
                        : key[0] == 'u' ? &c->udp_timeout_s
                                        : &c->closed_timeout_s;
        *dst = (uint32_t)n;
    } else if (!strcmp(key, "codes_file")) {
        if (!value[0] || strlen(value) >= sizeof(c->codes_file))
            return fail(err, errlen, where, "bad value '%s' for %s", value, key);
        snprintf(c->codes_file, sizeof(c->codes_file), "%s", value);
    } else if (!strcmp(key, "compare_max_offset")) {
        if (conf_parse_u64(value, 0, 7 * 86400, &n))
            return fail(err, errlen, where, "bad value '%s' for %s (seconds, 0-604800)", value,
                        key);
        c->compare_max_offset_s = (uint32_t)n;
    } else if (!strcmp(key, "compare_skew_ms")) {
        if (conf_parse_u64(value, 1, 3600000, &n))
            return fail(err, errlen, where, "bad value '%s' for %s (milliseconds)", value, key);
        c->compare_skew_ms = (uint32_t)n;
    } else if (!strcmp(key, "compare_report_max")) {
        if (conf_parse_u64(value, 0, 1000000, &n))
            return fail(err, errlen, where, "bad value '%s' for %s", value, key);
        c->compare_report_max = (uint32_t)n;
    } else if (!strcmp(key, "compare_count_tolerance")) {
        if (conf_parse_u64(value, 0, 100, &n))
            return fail(err, errlen, where, "bad value '%s' for %s (percent)", value, key);
        c->compare_count_tolerance = (uint32_t)n;
    } else {
        int rc = conf_daemon_set(&c->daemon, key, value, where, err, errlen);
        if (rc <= 0)
            return rc;
        return fail(err, errlen, where, "unknown key '%s'", key);
    }
    return 0;
}

static char *
trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

/*
 * One line of f into buf (at most CONF_LINE_MAX bytes, newline dropped): its length, or
 * -1 at the end of the file, -2 when too long, -3 on a read error. *nul: a NUL byte was read.
 */
static long
read_line(FILE *f, char *buf, bool *nul)
{
    size_t n = 0;
    int ch;
    *nul = false;
    while ((ch = getc(f)) != EOF && ch != '\n') {
        if (n == CONF_LINE_MAX)
            return -2;
        if (ch == '\0')
            *nul = true;
        buf[n++] = (char)ch;
    }
    if (ch == EOF && ferror(f))
        return -3;
    if (ch == EOF && n == 0)
        return -1;
    buf[n] = '\0';
    return (long)n;
}

int
conf_load_file(struct conf *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open the configuration file: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: is a directory, not a configuration file", path);
        fclose(f);
        return -1;
    }
    char *line = malloc(CONF_LINE_MAX + 1);
    if (!line) {
        snprintf(err, errlen, "%s: out of memory", path);
        fclose(f);
        return -1;
    }
    char where[CONF_PATH_LEN + 32];
    unsigned lineno = 0;
    int rc = 0;
    for (;;) {
        bool nul;
        errno = 0;
        long n = read_line(f, line, &nul);
        if (n == -1)
            break;
        lineno++;
        snprintf(where, sizeof(where), "%s:%u", path, lineno);
        if (n == -3) {
            rc = fail(err, errlen, where, "cannot read the configuration file: %s",
                      strerror(errno ? errno : EIO));
            break;
        }
        if (n == -2) {
            rc = fail(err, errlen, where, "line longer than %d bytes (the limit CONF_LINE_MAX)",
                      CONF_LINE_MAX);
            break;
        }
        if (nul) {
            rc = fail(err, errlen, where, "NUL byte: a configuration file is text");
            break;
        }
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *s = trim(line);
        if (!*s)
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            rc = fail(err, errlen, where, "expected 'key = value'");
            break;
        }
        *eq = '\0';
        rc = conf_set(c, trim(s), trim(eq + 1), where, err, errlen);
        if (rc != 0)
            break;
    }
    free(line);
    fclose(f);
    return rc;
}

bool
conf_is_local(const struct conf *c, int family, const uint8_t addr[16])
{
    for (unsigned i = 0; i < c->nnets; i++) {
        const struct conf_net *n = &c->nets[i];
        if (n->family != family)
            continue;
        unsigned full = n->prefix / 8, rest = n->prefix % 8;
        if (memcmp(n->addr, addr, full) != 0)
            continue;
        if (rest && ((addr[full] ^ n->addr[full]) & (uint8_t)(0xff00u >> rest)))
            continue;
        return true;
    }
    return false;
}

const struct conf_job *
conf_job_for_port(const struct conf *c, uint16_t port)
{
    for (unsigned i = 0; i < c->njobs; i++)
        if (port >= c->jobs[i].port_lo && port <= c->jobs[i].port_hi)
            return &c->jobs[i];
    return NULL;
}
