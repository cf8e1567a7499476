/* test_conf.c - the configuration file: the shipped example, every key, errors with line numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../conf/conf.h"
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
    CHECK_EQ_INT(conf_load_file(&c, path, err, sizeof(err)), 0);
    if (err[0])
        fprintf(stderr, "%s\n", err);
    CHECK_EQ_STR(c.system, "SYSA");
    CHECK_EQ_STR(c.sysplex, "PLEX1");
    CHECK_EQ_INT(c.nnets, 2);
    CHECK_EQ_INT(c.njobs, 3);
    CHECK_EQ_INT(c.interval_s, 900);
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
    {"# c\n\ninterval = 7\n",
     "F:3: bad value '7' for interval (seconds, 60-86400, dividing a day)"},
    {"system = TOOLONGNAME\n", "F:1: bad value 'TOOLONGNAME' for system (1-8 of A-Z 0-9 @ # $)"},
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
    CHECK_EQ_STR(err, "/nonexistent/zs.conf: No such file or directory");
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

int
main(void)
{
    test_example();
    test_errors();
    test_values();
    return check_report();
}
