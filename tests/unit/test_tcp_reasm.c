/* test_tcp_reasm.c - table-driven TCP reassembly: retransmits, overlaps, wrap, gaps, SYN data, RST.
 */
#include <stdlib.h>
#include <string.h>

#include "../../flowtable/flow_table.h"
#include "../../flowtable/packet.h"
#include "../../flowtable/tcp_reasm.h"
#include "check.h"

/* What the consumer saw per direction: bytes, with gaps written as "[gap N]". */
struct seen {
    char out[2][512];
};

static void
on_data(void *ctx, struct flow *f, int dir, const uint8_t *data, size_t len)
{
    (void)f;
    struct seen *s = ctx;
    strncat(s->out[dir], (const char *)data, len);
}

static void
on_gap(void *ctx, struct flow *f, int dir, uint64_t len)
{
    (void)f;
    struct seen *s = ctx;
    char b[32];
    snprintf(b, sizeof(b), "[gap %llu]", (unsigned long long)len);
    strcat(s->out[dir], b);
}

/* One segment of a test: direction, flags, sequence relative to the base ISN, data. */
struct step {
    int dir;
    uint8_t flags;
    uint32_t rel_seq;
    uint32_t rel_ack;
    const char *data;
};

/* One case per block reads better than the formatter's layout. */
// clang-format off
#define END {-1, 0, 0, 0, NULL}
#define S   TCP_SYN
#define A   TCP_ACK
#define F   TCP_FIN
#define R   TCP_RST

struct reasm_case {
    const char *name;
    uint32_t isn;      /* client ISN; the server's is isn + 100000 */
    uint32_t flow_cap; /* 0: default 1 MB */
    struct step steps[12];
    const char *want_c2s;        /* after tcp_reasm_finish */
    const char *want_c2s_before; /* before finish (NULL: not checked) */
    const char *want_s2c;
    int retrans;
    int overlaps_bad;
};

/* Client data at ISN+1+k is rel_seq 1+k. Server steps use the server's ISN base. */
static const struct reasm_case cases[] = {
    {"in order", 1000, 0,
     {{0, S, 0, 0, ""}, {1, S | A, 0, 1, ""}, {0, A, 1, 1, "abc"}, {0, A, 4, 1, "def"}, END},
     "abcdef", NULL, "", 0, 0},
    {"retransmission", 1000, 0,
     {{0, S, 0, 0, ""}, {0, A, 1, 0, "abc"}, {0, A, 1, 0, "abc"}, {0, A, 4, 0, "def"}, END},
     "abcdef", NULL, "", 1, 0},
    {"partial retransmission", 1000, 0,
     {{0, S, 0, 0, ""}, {0, A, 1, 0, "abc"}, {0, A, 2, 0, "bcdef"}, END},
     "abcdef", NULL, "", 0, 0},
    {"out of order", 1000, 0,
     {{0, S, 0, 0, ""}, {0, A, 4, 0, "def"}, {0, A, 1, 0, "abc"}, END},
     "abcdef", "abcdef", "", 0, 0},
    {"inconsistent overlap, first wins", 1000, 0,
     {{0, S, 0, 0, ""}, {0, A, 4, 0, "XYZ"}, {0, A, 1, 0, "abcdef"}, END},
     "abcXYZ", "abcXYZ", "", 0, 1},
    {"consistent overlap", 1000, 0,
     {{0, S, 0, 0, ""}, {0, A, 4, 0, "def"}, {0, A, 1, 0, "abcdefg"}, END},
     "abcdefg", NULL, "", 0, 0},
    {"overlapping held segments", 1000, 0,
     {{0, S, 0, 0, ""}, {0, A, 3, 0, "cd"}, {0, A, 2, 0, "bcde"}, {0, A, 5, 0, "eQg"},
      {0, A, 1, 0, "a"}, END},
     "abcdeQg", NULL, "", 0, 0},
    {"appending after a hole, then filling it", 1000, 0,
     {{0, S, 0, 0, ""}, {0, A, 5, 0, "e"}, {0, A, 6, 0, "f"}, {0, A, 7, 0, "g"},
      {0, A, 1, 0, "abcd"}, END},
     "abcdefg", "abcdefg", "", 0, 0},
    {"inserting before the last held segment", 1000, 0,
     {{0, S, 0, 0, ""}, {0, A, 9, 0, "i"}, {0, A, 5, 0, "e"}, {0, A, 7, 0, "gh"},
      {0, A, 6, 0, "f"}, {0, A, 1, 0, "abcd"}, END},
     "abcdefghi", "abcdefghi", "", 0, 0},
    {"sequence wrap", 0xfffffffeu, 0,
     {{0, S, 0, 0, ""}, {0, A, 1, 0, "abc"}, {0, A, 4, 0, "def"}, {0, A, 7, 0, "ghi"}, END},
     "abcdefghi", NULL, "", 0, 0},
    {"out of order across wrap", 0xfffffffdu, 0,
     {{0, S, 0, 0, ""}, {0, A, 4, 0, "def"}, {0, A, 1, 0, "abc"}, END},
     "abcdef", NULL, "", 0, 0},
    {"gap filled at the end", 1000, 0,
     {{0, S, 0, 0, ""}, {0, A, 1, 0, "abc"}, {0, A, 7, 0, "ghi"}, {0, F | A, 10, 0, ""}, END},
     "abc[gap 3]ghi", "abc", "", 0, 0},
    {"gap declared by the peer's ACK", 1000, 0,
     {{0, S, 0, 0, ""}, {1, S | A, 0, 1, ""}, {0, A, 1, 1, "abc"}, {0, A, 7, 1, "ghi"},
      {1, A, 1, 10, ""}, END},
     "abc[gap 3]ghi", "abc[gap 3]ghi", "", 0, 0},
    {"SYN with data", 1000, 0,
     {{0, S, 0, 0, "abc"}, {0, A, 4, 0, "def"}, END}, "abcdef", NULL, "", 0, 0},
    {"RST mid-way: its text is not stream data", 1000, 0,
     {{0, S, 0, 0, ""}, {0, A, 1, 0, "abc"}, {0, R | A, 4, 0, "reset reason"}, END},
     "abc", NULL, "", 0, 0},
    {"mid-stream pick-up", 5000, 0,
     {{0, A, 10, 0, "abc"}, {0, A, 13, 0, "def"}, {1, A, 50, 16, "OK"}, END},
     "abcdef", NULL, "OK", 0, 0},
    {"flow cap forces a gap", 1000, 4,
     {{0, S, 0, 0, ""}, {0, A, 1, 0, "a"}, {0, A, 4, 0, "de"}, {0, A, 8, 0, "hi"},
      {0, A, 10, 0, "jk"}, END},
     "a[gap 2]de[gap 2]hijk", "a[gap 2]de", "", 0, 0},
    {"lost tail acknowledged by the peer", 1000, 0,
     {{0, S, 0, 0, ""}, {1, S | A, 0, 1, ""}, {0, A, 1, 1, "abc"}, {1, A, 1, 7, ""}, END},
     "abc[gap 3]", "abc", "", 0, 0},
    {"an uncaptured FIN is not a gap", 1000, 0,
     {{0, S, 0, 0, ""}, {1, S | A, 0, 1, ""}, {0, A, 1, 1, "abc"}, {1, A, 1, 5, ""}, END},
     "abc", NULL, "", 0, 0},
    {"FIN acknowledged: no gap", 1000, 0,
     {{0, S, 0, 0, ""}, {1, S | A, 0, 1, ""}, {0, F | A, 1, 1, "abc"}, {1, A, 1, 5, ""}, END},
     "abc", NULL, "", 0, 0},
    {"segment far beyond the window is dropped", 1000, 0,
     {{0, S, 0, 0, ""}, {0, A, 1, 0, "abc"}, {0, A, 0x40000000u, 0, "zzz"}, {0, A, 4, 0, "d"},
      END},
     "abcd", NULL, "", 0, 0},
    {"SYN retransmitted with a new ISN before data", 1000, 0,
     {{0, S, 0, 0, ""}, {0, S, 500, 0, ""}, {0, A, 501, 0, "abc"}, END},
     "abc", NULL, "", 0, 0},
    {"both directions", 1000, 0,
     {{0, S, 0, 0, ""}, {1, S | A, 0, 1, ""}, {0, A, 1, 1, "GET"}, {1, A, 1, 4, "200"},
      {1, A, 4, 4, " OK"}, {0, F | A, 4, 7, ""}, {1, F | A, 7, 5, ""}, END},
     "GET", NULL, "200 OK", 0, 0},
};
// clang-format on

static void
run_case(const struct reasm_case *tc)
{
    struct seen seen;
    memset(&seen, 0, sizeof(seen));
    char err[256];
    struct tcp_reasm_ops ops = {.ctx = &seen, .on_data = on_data, .on_gap = on_gap};
    struct tcp_reasm *r =
        tcp_reasm_new(1 << 20, tc->flow_cap ? tc->flow_cap : 1 << 20, &ops, err, sizeof(err));
    CHECK(r != NULL);
    if (!r)
        return;
    struct flow f;
    memset(&f, 0, sizeof(f));
    f.key.proto = IPPROTO_NUM_TCP;
    flow_tcp_init(&f);
    uint32_t base[2] = {tc->isn, tc->isn + 100000u};
    for (const struct step *s = tc->steps; s->dir >= 0; s++) {
        struct packet p;
        memset(&p, 0, sizeof(p));
        p.proto = IPPROTO_NUM_TCP;
        p.tcp_flags = s->flags;
        p.seq = base[s->dir] + s->rel_seq;
        p.ack = base[s->dir ^ 1] + s->rel_ack;
        p.payload = (const uint8_t *)s->data;
        p.payload_len = (uint32_t)strlen(s->data);
        tcp_reasm_packet(r, &f, s->dir, &p);
    }
    if (tc->want_c2s_before && strcmp(seen.out[0], tc->want_c2s_before) != 0) {
        fprintf(stderr, "case '%s' before finish: got \"%s\" want \"%s\"\n", tc->name, seen.out[0],
                tc->want_c2s_before);
        CHECK(0);
    }
    tcp_reasm_finish(r, &f);
    if (strcmp(seen.out[0], tc->want_c2s) != 0 || strcmp(seen.out[1], tc->want_s2c) != 0) {
        fprintf(stderr, "case '%s': got c2s \"%s\" s2c \"%s\", want \"%s\" / \"%s\"\n", tc->name,
                seen.out[0], seen.out[1], tc->want_c2s, tc->want_s2c);
        CHECK(0);
    }
    if ((int)f.tcp[0].retrans != tc->retrans || (int)f.tcp[0].overlaps_bad != tc->overlaps_bad) {
        fprintf(stderr, "case '%s': retrans %u overlaps_bad %u, want %d %d\n", tc->name,
                f.tcp[0].retrans, f.tcp[0].overlaps_bad, tc->retrans, tc->overlaps_bad);
        CHECK(0);
    }
    CHECK_EQ_INT(tcp_reasm_held(r), 0); /* finish released every held chunk */
    /* the reassembler's counters add up the flow's */
    struct tcp_reasm_stats st;
    tcp_reasm_get_stats(r, &st);
    CHECK_EQ_INT(st.tcp_retransmitted_segments, f.tcp[0].retrans + f.tcp[1].retrans);
    CHECK_EQ_INT(st.tcp_overlap_inconsistent, f.tcp[0].overlaps_bad + f.tcp[1].overlaps_bad);
    CHECK_EQ_INT(st.tcp_gaps, f.tcp[0].gaps + f.tcp[1].gaps);
    CHECK_EQ_INT(st.tcp_gap_bytes, f.tcp[0].gap_bytes + f.tcp[1].gap_bytes);
    tcp_reasm_free(r);
}

/* Client/server roles come from the handshake. */
static void
test_roles(void)
{
    char err[256];
    struct tcp_reasm_ops ops = {0};
    struct tcp_reasm *r = tcp_reasm_new(1 << 16, 1 << 16, &ops, err, sizeof(err));
    struct flow f;
    memset(&f, 0, sizeof(f));
    f.key.proto = IPPROTO_NUM_TCP;
    flow_tcp_init(&f);
    f.client_dir = FLOW_DIR_FWD;
    f.flags = FLOW_F_ROLES_GUESSED;
    struct packet p;
    memset(&p, 0, sizeof(p));
    p.tcp_flags = TCP_SYN | TCP_ACK; /* the first packet seen is the SYN-ACK, sent by dir 0 */
    p.seq = 7;
    tcp_reasm_packet(r, &f, FLOW_DIR_FWD, &p);
    CHECK_EQ_INT(f.client_dir, FLOW_DIR_REV);
    CHECK(!(f.flags & FLOW_F_ROLES_GUESSED));
    CHECK(!tcp_reasm_closed(&f));
    p.tcp_flags = TCP_RST;
    tcp_reasm_packet(r, &f, FLOW_DIR_REV, &p);
    CHECK(tcp_reasm_closed(&f));
    tcp_reasm_free(r);
}

/* The global memcap: a second flow cannot hold more than the pool; it skips ahead instead. */
static void
test_memcap(void)
{
    struct seen seen;
    memset(&seen, 0, sizeof(seen));
    char err[256];
    struct tcp_reasm_ops ops = {.ctx = &seen, .on_data = on_data, .on_gap = on_gap};
    struct tcp_reasm *r =
        tcp_reasm_new(2 * 1500, 1 << 20, &ops, err, sizeof(err)); /* room for ~2 chunks */
    struct flow f;
    memset(&f, 0, sizeof(f));
    f.key.proto = IPPROTO_NUM_TCP;
    flow_tcp_init(&f);
    struct packet p;
    memset(&p, 0, sizeof(p));
    p.tcp_flags = TCP_SYN;
    p.seq = 0;
    tcp_reasm_packet(r, &f, 0, &p);
    const char *segs[] = {"b", "d", "f", "h"};
    for (int i = 0; i < 4; i++) {
        p.tcp_flags = TCP_ACK;
        p.seq = 2 + 2 * (uint32_t)i; /* 2,4,6,8: every one out of order */
        p.payload = (const uint8_t *)segs[i];
        p.payload_len = 1;
        tcp_reasm_packet(r, &f, 0, &p);
    }
    tcp_reasm_finish(r, &f);
    CHECK_EQ_STR(seen.out[0], "[gap 1]b[gap 1]d[gap 1]f[gap 1]h");
    CHECK_EQ_INT(f.tcp[0].gap_bytes, 4);
    CHECK_EQ_INT(f.tcp[0].delivered, 4);
    struct tcp_reasm_stats st;
    tcp_reasm_get_stats(r, &st);
    CHECK_EQ_INT(st.tcp_ooo_segments, 4);
    CHECK_EQ_INT(st.tcp_memcap_hit, 2); /* "f" and "h" found the pool full */
    CHECK_EQ_INT(st.tcp_flow_cap_hit, 0);
    CHECK_EQ_INT(st.tcp_gaps, 4);
    CHECK_EQ_INT(st.tcp_gap_bytes, 4);
    tcp_reasm_free(r);
}

int
main(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        run_case(&cases[i]);
    test_roles();
    test_memcap();
    return check_report();
}
