/* test_tls.c - TLS dissector on real connections (corpus bytes), split every way, plus damage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "../../dissectors/tls.h"
#include "../../emit/emit_obs.h"

/*
 * Inputs are the .bin files of tests/fuzz/corpus/tls/: one TCP connection of a corpus capture (or
 * of pcaps/), made by tests/tools/make_tls_seeds.py, as frames [flags][be16 len][bytes] (flags bit
 * 0: direction, bit 1: gap). The driver below reproduces sensor/app.c's buffering: unconsumed bytes
 * are offered again with the next bytes appended.
 */
#define BUF_MAX (256u * 1024u)

struct drive_dir {
    uint8_t *buf;
    size_t len, need;
    int done;
};

struct drive {
    void *st;
    struct drive_dir d[2];
    int bad;
};

static void
drive_feed(struct drive *dr, int dir, const uint8_t *p, size_t n)
{
    struct drive_dir *d = &dr->d[dir];
    if (d->done || dr->bad)
        return;
    memcpy(d->buf + d->len, p, n);
    d->len += n;
    while (d->len && d->len >= d->need && !d->done && !dr->bad) {
        struct dissect_result r = tls_dissector.on_data(dr->st, dir, d->buf, d->len, 0);
        size_t used = r.consumed > d->len ? d->len : r.consumed;
        size_t before = d->len;
        memmove(d->buf, d->buf + used, d->len - used);
        d->len -= used;
        if (r.status == DISSECT_BAD)
            dr->bad = 1;
        else if (r.status == DISSECT_DONE)
            d->done = 1;
        else if (r.status == DISSECT_NEED)
            d->need = d->len + r.needed;
        else
            d->need = used == 0 ? before + 1 : 0;
        if (used == 0)
            break;
    }
}

static void
drive_gap(struct drive *dr, int dir, uint64_t n)
{
    if (dr->d[dir].done || dr->bad)
        return;
    dr->d[dir].len = dr->d[dir].need = 0;
    tls_dissector.on_gap(dr->st, dir, n);
}

static uint8_t *
read_seed(const char *name, size_t *len)
{
    char path[512];
    const char *src = getenv("ZS_SOURCE");
    snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/tls/%s", src ? src : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return NULL;
    }
    uint8_t *p = malloc(BUF_MAX);
    *len = p ? fread(p, 1, BUF_MAX, f) : 0;
    fclose(f);
    return p;
}

/* Run frames through a fresh dissector; `chunk` splits each frame (0: whole); `stop_after`
 * frames (0: all); `gap_dir`/`gap_after`: inject a gap before that frame index (-1: none). */
struct run {
    char json[16384];
    struct observation_facts o;
};

static int
run_seed(const char *name, size_t chunk, size_t stop_after, int gap_dir, size_t gap_at,
         struct run *out)
{
    size_t len = 0;
    uint8_t *in = read_seed(name, &len);
    if (!in)
        return -1;
    struct drive dr = {0};
    dr.st = tls_dissector.state_new();
    dr.d[0].buf = malloc(BUF_MAX);
    dr.d[1].buf = malloc(BUF_MAX);
    size_t pos = 0, frame = 0;
    while (pos + 3 <= len && (!stop_after || frame < stop_after)) {
        uint8_t flags = in[pos];
        size_t n = ((size_t)in[pos + 1] << 8) | in[pos + 2];
        int dir = flags & 1;
        pos += 3;
        if (gap_dir >= 0 && frame == gap_at)
            drive_gap(&dr, gap_dir, 100);
        frame++;
        if (flags & 2) {
            drive_gap(&dr, dir, n);
            continue;
        }
        if (pos + n > len)
            n = len - pos;
        for (size_t off = 0; off < n;) {
            size_t k = chunk && chunk < n - off ? chunk : n - off;
            drive_feed(&dr, dir, in + pos + off, k);
            off += k;
        }
        pos += n;
    }
    tls_dissector.on_end(dr.st, 0);
    static struct obs_proto p;
    p.kind = OBS_NONE;
    tls_dissector.fill_observation(dr.st, &p);
    struct json_writer w;
    jw_init(&w);
    emit_obs_build_object(&w, &p);
    snprintf(out->json, sizeof(out->json), "%.*s", (int)w.len, w.buf ? w.buf : "");
    jw_fini(&w);
    memset(&out->o, 0, sizeof(out->o));
    out->o.handshake_first = true;
    tls_dissector.get_observation(dr.st, &out->o);
    tls_dissector.state_free(dr.st);
    free(dr.d[0].buf);
    free(dr.d[1].buf);
    free(in);
    return 0;
}

struct tls_case {
    const char *seed;
    const char *want[6]; /* substrings of the "tls" JSON object */
    bool established;
    const char *starttls;
    bool rehandshake;
};

static const struct tls_case cases[] = {
    {"hrr.bin",
     {"\"version_code\":772", "\"cipher_suite\":4866", "\"hello_retry\":true", "\"hrr_group\":23",
      "\"group\":23", "\"client_hellos\":2"},
     true,
     NULL,
     false},
    {"draft22-hrr.bin",
     {"\"version\":\"TLSv1.3-draft22\"", "\"hello_retry\":true"},
     true,
     NULL,
     false},
    {"sslv2.bin",
     {"\"version\":\"SSLv2\"", "\"cipher_suite\":458944", "\"client_hello_format\":\"SSLv2\"",
      "\"key_type\":\"RSA\"", "\"key_bits\":2048"},
     true,
     NULL,
     false},
    {"sslv2-upgrade.bin",
     {"\"client_hello_format\":\"SSLv2\"", "\"version\":\"TLSv1.0\"", "\"cipher_suite\":57",
      "\"dh_bits\":1024"},
     true,
     NULL,
     false},
    {"kyber.bin",
     {"\"group\":25497", "\"group_name\":\"X25519Kyber768Draft00\"", "\"cert_observable\":false"},
     true,
     NULL,
     false},
    {"mlkem-split-ch.bin",
     {"\"group\":4588", "\"group_name\":\"X25519MLKEM768\""},
     true,
     NULL,
     false},
    {"ecdsa-cert.bin",
     {"\"cipher_name\":\"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\"", "\"group_name\":\"secp384r1\"",
      "\"key_type\":\"EC\"", "\"curve\":\"secp384r1\"",
      "\"serial\":\"f0afbbf558bf4d1b71fed9cb33793ee4\""},
     true,
     NULL,
     false},
    {"smtp-starttls.bin",
     {"\"version\":\"TLSv1.2\"", "\"cipher_suite\":49199"},
     true,
     "smtp",
     false},
    {"pgsql.bin", {"\"version\":\"TLSv1.2\"", "\"cipher_suite\":49200"}, true, "postgres", false},
    {"renegotiation.bin", {"\"version\":\"TLSv1.2\""}, true, NULL, true},
};

static void
check_case(const struct tls_case *tc, size_t chunk)
{
    struct run r;
    CHECK_EQ_INT(run_seed(tc->seed, chunk, 0, -1, 0, &r), 0);
    for (size_t i = 0; i < 6 && tc->want[i]; i++) {
        bool found = strstr(r.json, tc->want[i]) != NULL;
        CHECK(found);
        if (!found)
            fprintf(stderr, "  %s (chunk %zu): missing %s in %s\n", tc->seed, chunk, tc->want[i],
                    r.json);
    }
    if (r.o.established != tc->established || r.o.incomplete)
        fprintf(stderr, "  %s (chunk %zu): established %d incomplete %s\n", tc->seed, chunk,
                r.o.established, r.o.incomplete_why ? r.o.incomplete_why : "-");
    CHECK_EQ_INT(r.o.established, tc->established);
    CHECK_EQ_STR(r.o.starttls, tc->starttls);
    CHECK_EQ_INT(r.o.handshake_first, tc->starttls == NULL);
    CHECK_EQ_INT(r.o.rehandshake_suspected, tc->rehandshake);
    CHECK_EQ_INT(r.o.incomplete, false);
}

int
main(void)
{
    /* every case whole, byte by byte, and in odd pieces: records and messages split anywhere */
    static const size_t chunks[] = {0, 1, 7, 300};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++)
            check_case(&cases[i], chunks[k]);

    struct run r;
    /* negative STARTTLS: PostgreSQL answers 'N' to SSLRequest: no TLS at all */
    CHECK_EQ_INT(run_seed("pgsql-disable.bin", 0, 0, -1, 0, &r), 0);
    CHECK(strstr(r.json, "\"tls\"") == NULL);
    CHECK_EQ_STR(r.o.starttls, NULL);

    /* truncated: the client's ClientHello only, no reply: failed, one-sided */
    CHECK_EQ_INT(run_seed("ecdsa-cert.bin", 0, 1, -1, 0, &r), 0);
    CHECK(strstr(r.json, "\"version\":null") != NULL);
    CHECK_EQ_INT(r.o.established, false);
    CHECK_EQ_INT(r.o.failed, true);
    CHECK_EQ_INT(r.o.incomplete, true);
    CHECK_EQ_STR(r.o.incomplete_why, "server side not seen");

    /* a capture gap in the server stream after its first bytes: incomplete, never guessed */
    CHECK_EQ_INT(run_seed("ecdsa-cert.bin", 0, 0, 1, 2, &r), 0);
    CHECK_EQ_INT(r.o.established, false);
    CHECK_EQ_INT(r.o.failed, false);
    CHECK_EQ_INT(r.o.incomplete, true);
    CHECK_EQ_STR(r.o.incomplete_why, "gap in server stream during handshake");

    /* a plain TLS 1.2 session is not a renegotiation */
    CHECK_EQ_INT(run_seed("ecdsa-cert.bin", 0, 0, -1, 0, &r), 0);
    CHECK_EQ_INT(r.o.rehandshake_suspected, false);
    CHECK_EQ_INT(r.o.encrypted_handshake_records, 0);
    return check_report();
}
