/* test_compare.c - --compare rules on made records: unknown protection, JSON only, reuse. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../conf/conf.h"
#include "../../emit/emit_smf.h"
#include "../../emit/smf_codes.h"
#include "../../sensor/compare.h"
#include "check.h"

/*
 * The sensor marks connections whose protection the wire could not show (prot_unknown: protection
 * null, and every record JSON only) and records that have no SMF form (json_only); neither may
 * ever be a protection_mismatch. An unknown connection zERT reports is a protection_unknown
 * finding; one zERT has no record of is missing on the mainframe, as any other. The records are
 * made here, one rule each: the mainframe's in an SMF dump written by the SMF writer, the wire's
 * fed to the sink (compare_mainframe.py checks the same on captures).
 */

#define T0 1700000000000000ull /* 2023-11-14T22:13:20Z */

static void
conn(struct zert_detail *d, unsigned port, uint8_t prot, uint64_t start)
{
    memset(d, 0, sizeof(*d));
    d->event = ZERT_EV_SHORT_TERM;
    d->ip_proto = 6;
    d->local.family = d->remote.family = 4;
    memcpy(d->local.ip, "\x0a\x01\x01\x01", 4);
    memcpy(d->remote.ip, "\x0a\x02\x02\x02", 4);
    d->local.port = 443;
    d->remote.port = (uint16_t)port;
    d->role = ZERT_ROLE_SERVER;
    d->conn_id = port;
    d->start_us = start;
    d->end_us = start + 2000000;
    d->time_us = d->end_us;
    d->bytes_in = d->bytes_out = 100;
    d->segs_in = d->segs_out = 4;
    d->protection = prot;
    if (prot & ZERT_PROT_TLS) {
        d->tls.present = true;
        zert_num_set(&d->tls.version_code, 0x0303);
        zert_num_set(&d->tls.cipher_suite, 0x009C);
        snprintf(d->tls.enc, sizeof(d->tls.enc), "AES-128-GCM");
        snprintf(d->tls.mac, sizeof(d->tls.mac), "AEAD");
        snprintf(d->tls.kex, sizeof(d->tls.kex), "RSA");
    }
    snprintf(d->obs.source, sizeof(d->obs.source), "observation");
    d->obs.present = true;
}

/* A summary of one interval [T0, T0 + 60 s) of a clear session to 10.1.1.1:443. */
static void
summary(struct zert_summary *s, enum zert_role role, bool guessed)
{
    memset(s, 0, sizeof(*s));
    s->event = ZERT_SEV_INTERVAL;
    s->interval_start_us = T0;
    s->interval_end_us = s->time_us = T0 + 60000000;
    s->ip_proto = 6;
    s->role = role;
    s->server.family = s->client.family = 4;
    memcpy(s->server.ip, "\x0a\x01\x01\x01", 4);
    memcpy(s->client.ip, "\x0a\x02\x02\x02", 4);
    s->server.port = 443;
    s->server_port_end = 443;
    s->end.conns = 1;
    s->local_guessed = guessed;
}

static const struct zert_summary *run_msum, *run_wsum; /* one summary each, or NULL */

/* Run one comparison: the mainframe's records m[], the wire's w[]; the findings' classes. */
static int
run(const struct zert_detail *m, size_t nm, const struct zert_detail *w, size_t nw, char *classes,
    size_t len)
{
    char dir[] = "/tmp/test_compare.XXXXXX", path[256], err[256], line[4096];
    struct emit_smf_conf sc;
    struct emit_smf_writer sw;
    uint8_t buf[SMF_MAX_RECORD];
    struct conf conf;
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/mf.smf", dir);
    FILE *f = fopen(path, "wb");
    emit_smf_conf_init(&sc);
    emit_smf_tz_parse(&sc.tz, "UTC", err, sizeof(err));
    CHECK(emit_smf_writer_init(&sw, f, EMIT_SMF_RDW, 0, err, sizeof(err)) == 0);
    for (size_t i = 0; i < nm; i++)
        emit_smf_writer_put(&sw, buf, emit_smf_build_detail(&sc, &m[i], buf, sizeof(buf), NULL));
    if (run_msum)
        emit_smf_writer_put(&sw, buf,
                            emit_smf_build_summary(&sc, run_msum, buf, sizeof(buf), NULL));
    emit_smf_writer_flush(&sw);
    emit_smf_writer_fini(&sw);
    fclose(f);
    conf_init(&conf);
    FILE *report = tmpfile();
    struct compare_config cc = {.mainframe = path, .dir = dir, .conf = &conf, .report = report};
    struct compare *c = compare_new(&cc, err, sizeof(err));
    CHECK(c != NULL);
    if (!c)
        return -1;
    struct zert_sink s = compare_sink(c);
    compare_clock(c, T0);
    for (size_t i = 0; i < nw; i++) {
        s.detail(s.ctx, &w[i]);
        compare_clock(c, w[i].time_us);
    }
    if (run_wsum) {
        s.summary(s.ctx, run_wsum);
        compare_clock(c, run_wsum->time_us);
    }
    int rc = compare_finish(c, err, sizeof(err));
    compare_free(c);
    fclose(report);
    snprintf(path, sizeof(path), "%s/compare.jsonl", dir);
    classes[0] = '\0';
    f = fopen(path, "r");
    while (f && fgets(line, sizeof(line), f)) {
        char *k = strstr(line, "\"class\":\""), *e = k ? strchr(k + 9, '"') : NULL;
        if (e)
            snprintf(classes + strlen(classes), len - strlen(classes), "%s%.*s",
                     classes[0] ? "," : "", (int)(e - k - 9), k + 9);
    }
    if (f)
        fclose(f);
    const char *names[] = {"compare.jsonl", "compare.csv", "learned-codes.txt", "mf.smf"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
    return rc;
}

int
main(void)
{
    struct zert_detail m[2], w[2];
    char classes[512];

    /* the control: TLS on the wire, clear on the mainframe */
    conn(&m[0], 5000, 0, T0 + 1000000);
    conn(&w[0], 5000, ZERT_PROT_TLS, T0 + 1000000);
    CHECK_EQ_INT(run(m, 1, w, 1, classes, sizeof(classes)), 1);
    CHECK_EQ_STR(classes, "protection_mismatch");

    /* the wire could not show the protection: not a mismatch, either way; its own class */
    conn(&m[0], 5001, ZERT_PROT_TLS, T0 + 1000000);
    conn(&w[0], 5001, 0, T0 + 1000000);
    w[0].prot_unknown = w[0].json_only = true;
    conn(&m[1], 5002, 0, T0 + 2000000);
    conn(&w[1], 5002, 0, T0 + 2000000);
    w[1].prot_unknown = w[1].json_only = true;
    CHECK_EQ_INT(run(m, 2, w, 2, classes, sizeof(classes)), 1);
    CHECK_EQ_STR(classes, "protection_unknown,protection_unknown");

    /* unknown, and zERT has no record of it: missing on the mainframe like any connection */
    conn(&m[0], 5001, ZERT_PROT_TLS, T0 + 1000000);
    conn(&w[0], 5001, ZERT_PROT_TLS, T0 + 1000000);
    conn(&w[1], 5002, 0, T0 + 2000000);
    w[1].prot_unknown = w[1].json_only = true;
    CHECK_EQ_INT(run(m, 1, w, 2, classes, sizeof(classes)), 1);
    CHECK_EQ_STR(classes, "missing_on_mainframe");

    /* ... unless the wire picked it up mid-stream: it began before the capture */
    w[1].obs.midstream = ZERT_TRI_TRUE;
    CHECK_EQ_INT(run(m, 1, w, 2, classes, sizeof(classes)), 0);
    CHECK_EQ_STR(classes, "");

    /* one 5-tuple used twice on the wire, once on the mainframe: the nearer start pairs,
     * whichever the comparison decides first (the second use picked up mid-stream) */
    conn(&m[0], 5005, ZERT_PROT_TLS, T0 + 1000000);
    conn(&w[0], 5005, ZERT_PROT_TLS, T0 + 1000000);
    conn(&w[1], 5005, 0, T0 + 5000000);
    w[1].conn_id = 99;
    w[1].prot_unknown = w[1].json_only = true;
    w[1].obs.midstream = ZERT_TRI_TRUE;
    w[0].time_us = w[1].time_us + 1; /* the first use's end comes last */
    CHECK_EQ_INT(run(m, 1, w, 2, classes, sizeof(classes)), 0);
    CHECK_EQ_STR(classes, "");

    /* records with no SMF form: no protection compared, none needed on the mainframe */
    conn(&m[0], 5003, 0, T0 + 1000000);
    conn(&w[0], 5003, ZERT_PROT_TLS, T0 + 1000000);
    w[0].json_only = true;
    conn(&w[1], 5004, ZERT_PROT_TLS, T0 + 2000000);
    w[1].json_only = true;
    CHECK_EQ_INT(run(m, 1, w, 2, classes, sizeof(classes)), 0);
    CHECK_EQ_STR(classes, "");

    /* a summary whose local role the sensor guessed (no local_networks): the mainframe was the
     * client; the server and client addresses are the same on both sides, and they pair */
    struct zert_summary ms, ws;
    summary(&ms, ZERT_ROLE_CLIENT, false);
    summary(&ws, ZERT_ROLE_SERVER, true);
    conn(&m[0], 5006, 0, T0 + 1000000);
    conn(&w[0], 5006, 0, T0 + 1000000);
    run_msum = &ms;
    run_wsum = &ws;
    CHECK_EQ_INT(run(m, 1, w, 1, classes, sizeof(classes)), 0);
    CHECK_EQ_STR(classes, "");
    /* ... but a role the sensor knew is part of the key: two sessions, one on each side */
    ws.local_guessed = false;
    CHECK_EQ_INT(run(m, 1, w, 1, classes, sizeof(classes)), 1);
    CHECK_EQ_STR(classes, "missing_on_mainframe,missing_on_wire");
    run_msum = run_wsum = NULL;

    /* a code table: only provisional codes, no value twice, no value of another algorithm */
    char err[256];
    smf_codes_forget();
    CHECK(smf_codes_learn(SMF_SPACE_ENC, SMF_ENC_AES128_GCM, 0x0C, err, sizeof(err)) == 0);
    CHECK_EQ_INT(smf_codes_find(smf_tls_enc_codes, "AES-128-GCM"), 0x0C);
    CHECK_EQ_INT(smf_codes_find(smf_ssh_enc_codes, "aes128-gcm@openssh.com"), 0x0C);
    CHECK_EQ_STR(smf_codes_name(smf_tls_enc_codes, 0x0C), "AES-128-GCM");
    CHECK_EQ_STR(smf_codes_name(smf_tls_enc_codes, SMF_ENC_AES128_GCM), "AES-128-GCM");
    CHECK(smf_codes_learn(SMF_SPACE_ENC, SMF_ENC_AES256_GCM, 0x0C, err, sizeof(err)) != 0);
    CHECK(smf_codes_learn(SMF_SPACE_ENC, SMF_ENC_AES256_GCM, SMF_ENC_3DES, err, sizeof(err)) != 0);
    CHECK(smf_codes_learn(SMF_SPACE_ENC, SMF_ENC_3DES, 0x0D, err, sizeof(err)) != 0);
    CHECK(smf_codes_learn(SMF_SPACE_ENC, SMF_ENC_AES128_GCM, 0x0D, err, sizeof(err)) != 0);
    smf_codes_forget();
    CHECK_EQ_INT(smf_codes_find(smf_tls_enc_codes, "AES-128-GCM"), SMF_ENC_AES128_GCM);
    char path[] = "/tmp/test_codes.XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs("# comment\nenc 0x000C AES-128-GCM\n\nssh_kex 7 curve25519-sha256  # x\n", f);
    fclose(f);
    CHECK(smf_codes_load(path, err, sizeof(err)) == 0);
    CHECK_EQ_INT(smf_codes_find(smf_ssh_kex_codes, "curve25519-sha256@libssh.org"), 7);
    f = fopen(path, "w");
    fputs("enc 0x000E AES-256-GCM\nenc 0x000F RC4-128\n", f);
    fclose(f);
    CHECK(smf_codes_load(path, err, sizeof(err)) != 0);
    CHECK(strstr(err, ":2: ") != NULL);
    CHECK_EQ_INT(smf_codes_find(smf_tls_enc_codes, "AES-256-GCM"), SMF_ENC_AES256_GCM);
    unlink(path);
    smf_codes_forget();
    return check_report();
}
