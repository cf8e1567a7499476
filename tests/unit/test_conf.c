/* test_conf.c - the configuration file: the shipped example, every key, errors with line numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../conf/conf.h"
#include "../../sensor/records.h"
#include "check.h"

static int
load_text(struct conf *c, const char *text, char *err, size_t errlen)
{
    char path[] = "/tmp/zs-conf-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return -2;
    if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
        close(fd);
        return -2;
    }
    close(fd);
    int rc = conf_load_file(c, path, err, errlen);
    /* messages name the file: replace the random name so tests can compare */
    char *p = strstr(err, path);
    if (p) {
        char rest[512];
        snprintf(rest, sizeof(rest), "%s", p + strlen(path));
        snprintf(err, errlen, "F%s", rest);
    }
    unlink(path);
    return rc;
}

static void
test_example(void)
{
    const char *src = getenv("ZS_SOURCE");
    char path[1024], err[512] = "";
    snprintf(path, sizeof(path), "%s/conf/zertsensor.conf.example", src ? src : ".");
    struct conf c;
    conf_init(&c);
    CHECK_EQ_INT(c.interval_s, 1800); /* the default: z/OS's SMF interval, 30 minutes */
    CHECK_EQ_INT(conf_load_file(&c, path, err, sizeof(err)), 0);
    if (err[0])
        fprintf(stderr, "%s\n", err);
    CHECK_EQ_STR(c.system, "SYSA");
    CHECK_EQ_STR(c.sysplex, "PLEX1");
    CHECK_EQ_STR(c.smf_sid, "SYSA");
    CHECK_EQ_INT(c.nnets, 2);
    CHECK_EQ_INT(c.njobs, 3);
    CHECK_EQ_INT(c.interval_s, 1800);
    CHECK(!c.smf_zos25);
    CHECK_EQ_INT(c.memcap, 128u << 20);
    uint8_t in[16] = {10, 1, 1, 77}, out[16] = {10, 1, 2, 1};
    CHECK(conf_is_local(&c, 4, in));
    CHECK(!conf_is_local(&c, 4, out));
    uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x10, 0xff};
    CHECK(conf_is_local(&c, 6, v6));
    v6[5] = 0x11;
    CHECK(!conf_is_local(&c, 6, v6));
    const struct conf_job *j = conf_job_for_port(&c, 5050);
    CHECK(j && !strcmp(j->job, "CICSPROD") && j->user[0] == '\0');
    j = conf_job_for_port(&c, 1414);
    CHECK(j && !strcmp(j->job, "CSQ1CHIN") && !strcmp(j->user, "MQUSER"));
    CHECK(conf_job_for_port(&c, 22) == NULL);
}

struct bad_case {
    const char *text;
    const char *error;
};

static const struct bad_case bad_cases[] = {
    {"system = SYSA\nsistem = SYSB\n", "F:2: unknown key 'sistem'"},
    {"smf_zos25 = maybe\n", "F:1: bad value 'maybe' for smf_zos25"},
    {"# c\n\ninterval = 7\n",
     "F:3: bad value '7' for interval (seconds, 60-86400, dividing a day)"},
    {"system = TOOLONGNAME\n", "F:1: bad value 'TOOLONGNAME' for system (1-8 of A-Z 0-9 @ # $)"},
    {"smf_sid = SYSAB\n", "F:1: bad value 'SYSAB' for smf_sid (1-4 of A-Z 0-9 @ # $)"},
    {"smf_sid = S-1\n", "F:1: bad value 'S-1' for smf_sid (1-4 of A-Z 0-9 @ # $)"},
    {"local_networks = 10.0.0.0/33\n", "F:1: bad network '10.0.0.0/33' in local_networks"},
    {"detail = maybe\n", "F:1: bad value 'maybe' for detail"},
    {"just words\n", "F:1: expected 'key = value'"},
    {"job.70000 = X\n", "F:1: bad port or port range in 'job.70000'"},
    {"job.21 = FTPD1 USER EXTRA\n",
     "F:1: bad value 'FTPD1 USER EXTRA' for job.21 (JOBNAME [USERID])"},
    {"smf_format = xml\n", "F:1: bad value 'xml' for smf_format (rdw or vbs)"},
    {"memcap = 12Q\n", "F:1: bad value '12Q' for memcap"},
};

static void
test_errors(void)
{
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        struct conf c;
        char err[512] = "";
        conf_init(&c);
        CHECK_EQ_INT(load_text(&c, bad_cases[i].text, err, sizeof(err)), -1);
        CHECK_EQ_STR(err, bad_cases[i].error);
    }
    struct conf c;
    char err[512];
    conf_init(&c);
    CHECK_EQ_INT(conf_load_file(&c, "/nonexistent/zs.conf", err, sizeof(err)), -1);
    CHECK_EQ_STR(
        err, "/nonexistent/zs.conf: cannot open the configuration file: No such file or directory");
}

static void
test_values(void)
{
    struct conf c;
    char err[512] = "";
    conf_init(&c);
    CHECK_EQ_INT(load_text(&c,
                           "stack = tcpip2  # lower case is folded\n"
                           "local_networks = 192.168.7.9/16\n"
                           "local_networks = ::1\n"
                           "summary = off\n"
                           "smf_format = vbs\n"
                           "tcp_timeout = 30\n",
                           err, sizeof(err)),
                 0);
    CHECK_EQ_STR(c.stack, "TCPIP2");
    CHECK_EQ_INT(c.nnets, 2);
    uint8_t a[16] = {192, 168, 200, 1}, lo[16] = {0};
    lo[15] = 1;
    CHECK(conf_is_local(&c, 4, a)); /* host bits in the CIDR are ignored */
    CHECK(conf_is_local(&c, 6, lo));
    CHECK(!c.summary && c.detail);
    CHECK_EQ_INT(c.smf_format, CONF_SMF_VBS);
    CHECK_EQ_INT(c.tcp_timeout_s, 30);
}

/*
 * Values are parsed whole, however long the line: 60 /24 networks on one line (more than
 * 1024 bytes: the 1024-byte copy made 192.168.156.0/24 a /2 and dropped the rest), and
 * CONF_MAX_NETS IPv6 networks on one line (more than the old 2048-byte line).
 */
static void
test_long_values(void)
{
    char text[8192], *p = text;
    p += sprintf(p, "local_networks =");
    for (int i = 0; i < 60; i++)
        p += sprintf(p, " 192.168.%d.0/24,", 100 + i);
    sprintf(p, "\n");
    CHECK(strlen(text) > 1024);
    struct conf c;
    char err[512] = "";
    conf_init(&c);
    CHECK_EQ_INT(load_text(&c, text, err, sizeof(err)), 0);
    CHECK_EQ_STR(err, "");
    CHECK_EQ_INT(c.nnets, 60);
    for (unsigned i = 0; i < c.nnets; i++) {
        CHECK_EQ_INT(c.nets[i].prefix, 24);
        CHECK_EQ_INT(c.nets[i].addr[2], 100 + i);
    }
    uint8_t last[16] = {192, 168, 159, 7}, outside[16] = {192, 168, 160, 7};
    CHECK(conf_is_local(&c, 4, last));
    CHECK(!conf_is_local(&c, 4, outside)); /* a /2 would have taken it in */

    p = text;
    p += sprintf(p, "local_networks = ");
    for (int i = 0; i < CONF_MAX_NETS; i++)
        p += sprintf(p, "2001:db8:1234:5678:9abc:def0:%x:1/128 ", 0x1000 + i);
    sprintf(p, "\n");
    CHECK(strlen(text) > 2048);
    conf_init(&c);
    CHECK_EQ_INT(load_text(&c, text, err, sizeof(err)), 0);
    CHECK_EQ_INT(c.nnets, CONF_MAX_NETS);
    uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78,
                      0x9a, 0xbc, 0xde, 0xf0, 0x10, 0x3f, 0x00, 0x01};
    CHECK(conf_is_local(&c, 6, v6)); /* the last one */

    /* CONF_MAX_JOBS entries are accepted */
    p = text;
    for (int i = 1; i <= CONF_MAX_JOBS; i++)
        p += sprintf(p, "job.%d = JOB%d USER%d\n", 2000 + i, i, i);
    conf_init(&c);
    CHECK_EQ_INT(load_text(&c, text, err, sizeof(err)), 0);
    CHECK_EQ_INT(c.njobs, CONF_MAX_JOBS);
    const struct conf_job *j = conf_job_for_port(&c, 2000 + CONF_MAX_JOBS);
    CHECK(j && !strcmp(j->job, "JOB64") && !strcmp(j->user, "USER64"));
}

/* timezone: with the SMF writer's check handed in, a bad zone is an error of the file's line. */
static void
test_timezone(void)
{
    struct conf c;
    char err[512] = "";
    conf_init(&c);
    c.check_timezone = records_check_timezone;
    CHECK_EQ_INT(load_text(&c, "timezone = +01:00\n", err, sizeof(err)), 0);
    CHECK_EQ_STR(c.timezone, "+01:00");
    CHECK_EQ_INT(load_text(&c, "\ntimezone = Mars/Olympus\n", err, sizeof(err)), -1);
    CHECK_EQ_STR(err, "F:2: bad value for timezone: unknown time zone: Mars/Olympus (want UTC, "
                      "+HH:MM or a TZ name)");
    CHECK_EQ_STR(c.timezone, "+01:00"); /* unchanged */
}

int
main(void)
{
    test_long_values();
    test_timezone();
    test_example();
    test_errors();
    test_values();
    return check_report();
}
