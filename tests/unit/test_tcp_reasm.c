/* test_tcp_reasm.c - table-driven TCP reassembly: retransmits, overlaps, wrap, gaps, SYN data, RST.
 */
#include <stdbool.h>
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
    uint32_t flow_chunks; /* flow cap in held chunks (tcp_reasm_chunk_bytes()); 0: 1 MB, ~0: <1 */
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
    /* the cap counts chunks held, not payload: two tiny segments fill a 2-chunk cap */
    {"flow cap forces a gap", 1000, 2,
     {{0, S, 0, 0, ""}, {0, A, 1, 0, "a"}, {0, A, 4, 0, "de"}, {0, A, 8, 0, "hi"},
      {0, A, 10, 0, "jk"}, END},
     "a[gap 2]de[gap 2]hijk", "a[gap 2]de", "", 0, 0},
    {"flow cap of one chunk: the next tiny segment forces a gap", 1000, 1,
     {{0, S, 0, 0, ""}, {0, A, 1, 0, "a"}, {0, A, 3, 0, "c"}, {0, A, 5, 0, "e"},
      {0, A, 4, 0, "d"}, END},
     "a[gap 1]cde", "a[gap 1]cde", "", 0, 0},
    {"flow cap too small for any chunk: every hole is a gap at once", 1000, 0xffffffffu,
     {{0, S, 0, 0, ""}, {0, A, 1, 0, "a"}, {0, A, 3, 0, "c"}, {0, A, 2, 0, "b"},
      {0, A, 5, 0, "e"}, END},
     "a[gap 1]c[gap 1]e", "a[gap 1]c[gap 1]e", "", 1, 0},
    /* where a held segment goes: head, middle, tail of what is held, and around held data */
    {"insert before the first held segment", 1000, 0,
     {{0, S, 0, 0, ""}, {0, A, 5, 0, "e"}, {0, A, 7, 0, "g"}, {0, A, 3, 0, "c"},
      {0, A, 2, 0, "b"}, {0, A, 6, 0, "f"}, {0, A, 4, 0, "d"}, {0, A, 1, 0, "a"}, END},
     "abcdefg", "abcdefg", "", 0, 0},
    {"insert between held segments", 1000, 0,
     {{0, S, 0, 0, ""}, {0, A, 2, 0, "b"}, {0, A, 12, 0, "l"}, {0, A, 7, 0, "g"},
      {0, A, 4, 0, "d"}, {0, A, 10, 0, "j"}, {0, A, 3, 0, "c"}, {0, A, 5, 0, "ef"},
      {0, A, 8, 0, "hi"}, {0, A, 11, 0, "k"}, {0, A, 1, 0, "a"}, END},
     "abcdefghijkl", "abcdefghijkl", "", 0, 0},
    {"overlap on the left of a held segment", 1000, 0,
     {{0, S, 0, 0, ""}, {0, A, 4, 0, "def"}, {0, A, 2, 0, "bcD"}, {0, A, 1, 0, "a"}, END},
     "abcdef", "abcdef", "", 0, 1},
    {"overlap on the right of a held segment", 1000, 0,
     {{0, S, 0, 0, ""}, {0, A, 3, 0, "cde"}, {0, A, 5, 0, "Efg"}, {0, A, 1, 0, "ab"}, END},
     "abcdefg", "abcdefg", "", 0, 1},
    {"one segment over several held ones and the holes between", 1000, 0,
     {{0, S, 0, 0, ""}, {0, A, 3, 0, "c"}, {0, A, 5, 0, "e"}, {0, A, 7, 0, "g"},
      {0, A, 2, 0, "bCdEfGh"}, {0, A, 1, 0, "a"}, END},
     "abcdefgh", "abcdefgh", "", 0, 3},
    {"a segment inside a held one", 1000, 0,
     {{0, S, 0, 0, ""}, {0, A, 3, 0, "cdefg"}, {0, A, 4, 0, "dXf"}, {0, A, 1, 0, "ab"}, END},
     "abcdefg", "abcdefg", "", 0, 1},
    {"duplicate held segment", 1000, 0,
     {{0, S, 0, 0, ""}, {0, A, 4, 0, "def"}, {0, A, 4, 0, "def"}, {0, A, 4, 0, "xyz"},
      {0, A, 1, 0, "abc"}, {0, A, 4, 0, "def"}, END},
     "abcdef", "abcdef", "", 1, 1},
    {"held segments on both sides of the wrap, in any order", 0xfffffff8u, 0,
     {{0, S, 0, 0, ""}, {0, A, 10, 0, "jk"}, {0, A, 6, 0, "fg"}, {0, A, 12, 0, "l"},
      {0, A, 8, 0, "hi"}, {0, A, 3, 0, "cde"}, {0, A, 2, 0, "b"}, {0, A, 1, 0, "a"}, END},
     "abcdefghijkl", "abcdefghijkl", "", 0, 0},
    {"gap by the peer's ACK with held segments across the wrap", 0xfffffffau, 0,
     {{0, S, 0, 0, ""}, {1, S | A, 0, 1, ""}, {0, A, 9, 1, "ij"}, {0, A, 4, 1, "de"},
      {0, A, 6, 1, "f"}, {1, A, 1, 7, ""}, {1, A, 1, 9, ""}, END},
     "[gap 3]def[gap 2]ij", "[gap 3]def", "", 0, 0},
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
    uint32_t flow_cap = 1 << 20;
    if (tc->flow_chunks == 0xffffffffu)
        flow_cap = tcp_reasm_chunk_bytes() - 1;
    else if (tc->flow_chunks)
        flow_cap = tc->flow_chunks * tcp_reasm_chunk_bytes();
    struct tcp_reasm *r = tcp_reasm_new(1 << 20, flow_cap, &ops, err, sizeof(err));
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

/* A consumer for one long stream (flow `only`, direction 0): the bytes, each gap as that many '#'.
 */
struct big_seen {
    const struct flow *only;
    uint8_t out[1 << 16];
    size_t len;
    uint64_t gap_notices;
};

static void
big_on_data(void *ctx, struct flow *f, int dir, const uint8_t *data, size_t len)
{
    struct big_seen *s = ctx;
    if (f != s->only)
        return;
    if (dir != 0 || s->len + len > sizeof(s->out)) {
        CHECK(0);
        return;
    }
    memcpy(s->out + s->len, data, len);
    s->len += len;
}

static void
big_on_gap(void *ctx, struct flow *f, int dir, uint64_t len)
{
    struct big_seen *s = ctx;
    if (f != s->only)
        return;
    if (dir != 0 || s->len + len > sizeof(s->out)) {
        CHECK(0);
        return;
    }
    memset(s->out + s->len, '#', len);
    s->len += len;
    s->gap_notices++;
}

/* A small deterministic generator (xorshift32) for shuffles. */
static uint32_t
rnd(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

static void
send_seg(struct tcp_reasm *r, struct flow *f, uint8_t flags, uint32_t seq, const uint8_t *data,
         uint32_t len)
{
    struct packet p;
    memset(&p, 0, sizeof(p));
    p.proto = IPPROTO_NUM_TCP;
    p.tcp_flags = flags;
    p.seq = seq;
    p.payload = data;
    p.payload_len = len;
    tcp_reasm_packet(r, f, 0, &p);
}

static void
new_flow(struct flow *f)
{
    memset(f, 0, sizeof(*f));
    f->key.proto = IPPROTO_NUM_TCP;
    flow_tcp_init(f);
}

/*
 * Issue 10: one flow of tiny out-of-order segments after a lost first one. The flow cap counts
 * chunk memory, so the flow never holds more than its cap (the flood turns into counted gaps,
 * every byte accounted for), and a second flow still finds room in the pool.
 */
static void
test_tiny_segment_flood(void)
{
    enum { N = 2000, SEG = 10, FLOW_CAP = 100000 };
    struct big_seen *seen = calloc(1, sizeof(*seen));
    char err[256];
    struct tcp_reasm_ops ops = {.ctx = seen, .on_data = big_on_data, .on_gap = big_on_gap};
    struct tcp_reasm *r = tcp_reasm_new(1 << 20, FLOW_CAP, &ops, err, sizeof(err));
    struct flow fa, fb;
    new_flow(&fa);
    new_flow(&fb);
    seen->only = &fa;
    const uint32_t isn = 0xfffff000u; /* the sequence numbers wrap midway */
    send_seg(r, &fa, TCP_SYN, isn, NULL, 0);
    send_seg(r, &fb, TCP_SYN, 7, NULL, 0);
    static uint32_t order[N];
    for (uint32_t k = 0; k < N; k++)
        order[k] = k + 1; /* segment 0 is lost */
    uint32_t st = 10;
    for (uint32_t k = N - 1; k > 0; k--) {
        uint32_t j = rnd(&st) % (k + 1), t = order[k];
        order[k] = order[j];
        order[j] = t;
    }
    uint64_t max_held = 0;
    for (uint32_t k = 0; k < N; k++) {
        char seg[SEG + 1];
        snprintf(seg, sizeof(seg), "%09u\n", order[k]);
        send_seg(r, &fa, TCP_ACK, isn + 1 + SEG * order[k], (const uint8_t *)seg, SEG);
        CHECK(tcp_reasm_check(r, &fa, 0) >= 0);
        uint64_t held = tcp_reasm_held(r);
        max_held = held > max_held ? held : max_held;
        if (k == N / 2) { /* meanwhile, flow B: one segment out of order, then the hole filled */
            send_seg(r, &fb, TCP_ACK, 12, (const uint8_t *)"efgh", 4);
            send_seg(r, &fb, TCP_ACK, 8, (const uint8_t *)"abcd", 4);
        }
    }
    CHECK(max_held <= FLOW_CAP);
    CHECK(max_held > FLOW_CAP / 2);
    struct tcp_reasm_stats s;
    tcp_reasm_get_stats(r, &s);
    CHECK(s.tcp_flow_cap_hit > 0);
    CHECK_EQ_INT(s.tcp_memcap_hit, 0);
    CHECK_EQ_INT(fb.tcp[0].gaps, 0); /* B was not starved by A */
    CHECK_EQ_INT(fb.tcp[0].delivered, 8);
    tcp_reasm_finish(r, &fa);
    CHECK_EQ_INT(tcp_reasm_held(r), 0);
    /* every byte is either delivered in its place or announced as a gap */
    CHECK_EQ_INT(seen->len, SEG * (N + 1));
    CHECK_EQ_INT(fa.tcp[0].delivered + fa.tcp[0].gap_bytes, SEG * (N + 1));
    CHECK_EQ_INT(fa.tcp[0].gaps, seen->gap_notices);
    CHECK(fa.tcp[0].gaps > 1);
    uint64_t lost = 0, wrong = 0;
    for (uint32_t k = 0; k <= N && seen->len == SEG * (N + 1); k++) {
        char want[SEG + 1];
        snprintf(want, sizeof(want), "%09u\n", k);
        if (!memcmp(seen->out + SEG * k, "##########", SEG))
            lost += SEG;
        else if (memcmp(seen->out + SEG * k, want, SEG) != 0)
            wrong++;
    }
    CHECK_EQ_INT(wrong, 0);
    CHECK_EQ_INT(lost, fa.tcp[0].gap_bytes);
    tcp_reasm_free(r);
    free(seen);
}

/*
 * The tree stays balanced whatever the arrival order: an AVL tree of n nodes is at most
 * 1.44 log2(n + 2) high, an unbalanced one fed in descending or ascending order n high.
 * Arrivals only at the head or only at the tail need no tree at all (the list does it in O(1)).
 */
static void
test_tree_balance(void)
{
    enum { N = 4095 };
    static struct big_seen seen;
    static const char *const names[] = {"descending after the lowest",
                                        "ascending after the highest",
                                        "from both ends to the middle", "descending", "ascending"};
    const int max_height = 17; /* 1.44 log2(4097) - 0.33, rounded down */
    for (int order = 0; order < 5; order++) {
        memset(&seen, 0, sizeof(seen));
        char err[256];
        struct tcp_reasm_ops ops = {.ctx = &seen, .on_data = big_on_data, .on_gap = big_on_gap};
        struct tcp_reasm *r = tcp_reasm_new(8 << 20, 8 << 20, &ops, err, sizeof(err));
        struct flow f;
        new_flow(&f);
        seen.only = &f;
        send_seg(r, &f, TCP_SYN, 0x7fffff00u, NULL, 0);
        for (uint32_t k = 1; k <= N; k++) {
            uint32_t i; /* the k-th arrival carries stream byte i (byte 0 comes last) */
            switch (order) {
            case 0:
                i = k == 1 ? 1 : N + 2 - k;
                break;
            case 1:
                i = k == 1 ? N : k - 1;
                break;
            case 2:
                i = k % 2 ? k / 2 + 1 : N + 1 - k / 2;
                break;
            case 3:
                i = N + 1 - k;
                break;
            default:
                i = k;
                break;
            }
            uint8_t b = (uint8_t)('a' + i % 26);
            send_seg(r, &f, TCP_ACK, 0x7fffff00u + 1 + i, &b, 1);
            if (k % 61 == 0 || k < 70)
                CHECK(tcp_reasm_check(r, &f, 0) >= 0);
        }
        CHECK_EQ_INT(tcp_reasm_held(r), (uint64_t)N * tcp_reasm_chunk_bytes());
        int h = tcp_reasm_check(r, &f, 0);
        if (order < 3 ? h < 1 || h > max_height : h != 0) {
            fprintf(stderr, "%s: tree height %d for %d chunks\n", names[order], h, N);
            CHECK(0);
        }
        send_seg(r, &f, TCP_ACK, 0x7fffff00u + 1, (const uint8_t *)"a", 1);
        CHECK_EQ_INT(tcp_reasm_held(r), 0);
        CHECK_EQ_INT(tcp_reasm_check(r, &f, 0), 0);
        CHECK_EQ_INT(seen.len, N + 1);
        int bad = 0;
        for (uint32_t i = 0; i < seen.len; i++)
            bad += seen.out[i] != 'a' + i % 26;
        CHECK_EQ_INT(bad, 0);
        tcp_reasm_free(r);
    }
}

/*
 * Random segments (random places and lengths, some longer than a chunk, overlapping, with
 * contents that differ between arrivals) against the policy's model: each byte is the first
 * arrival's, and a byte no segment carried is a gap. With a flow cap, a byte may instead be part
 * of a gap (one declared at the cap), never another arrival's byte; the held memory never
 * exceeds the cap.
 */
static void
test_random_against_model(void)
{
    enum { L = 4000, SEGS = 80, ROUNDS = 300 };
    static struct big_seen seen;
    uint8_t model[L];
    bool have[L];
    uint8_t seg[L];
    uint32_t st = 2024;
    int with_tree = 0; /* rounds that held enough chunks for the tree (not only the short list) */
    for (int round = 0; round < ROUNDS; round++) {
        bool tree = false;
        memset(&seen, 0, sizeof(seen));
        memset(have, 0, sizeof(have));
        uint32_t chunk = tcp_reasm_chunk_bytes();
        uint32_t cap = round % 2 ? (1 + rnd(&st) % 6) * chunk + rnd(&st) % chunk : 1 << 20;
        char err[256];
        struct tcp_reasm_ops ops = {.ctx = &seen, .on_data = big_on_data, .on_gap = big_on_gap};
        struct tcp_reasm *r = tcp_reasm_new(1 << 20, cap, &ops, err, sizeof(err));
        struct flow f;
        new_flow(&f);
        seen.only = &f;
        uint32_t isn = round % 3 ? 0xffffffffu - rnd(&st) % 3000 : rnd(&st);
        send_seg(r, &f, TCP_SYN, isn, NULL, 0);
        uint32_t end = 0;
        for (int a = 0; a < SEGS; a++) {
            uint32_t off = rnd(&st) % L;
            uint32_t max = L - off, len;
            switch (rnd(&st) % 8) {
            case 0:
                len = 1 + rnd(&st) % max; /* anything up to the end, often over a chunk */
                break;
            case 1:
                off = 0; /* the next byte in order, sometimes */
                max = L;
                /* fall through */
            default:
                len = 1 + rnd(&st) % (max < 40 ? max : 40);
                break;
            }
            for (uint32_t i = 0; i < len; i++) {
                seg[i] = (uint8_t)('a' + (off + i + (rnd(&st) % 4 ? 0 : a)) % 26);
                if (!have[off + i]) {
                    have[off + i] = true;
                    model[off + i] = seg[i];
                }
            }
            end = off + len > end ? off + len : end;
            send_seg(r, &f, TCP_ACK, isn + 1 + off, seg, len);
            CHECK(tcp_reasm_held(r) <= cap);
            int h = tcp_reasm_check(r, &f, 0);
            CHECK(h >= 0);
            tree = tree || h > 0;
        }
        with_tree += tree;
        tcp_reasm_finish(r, &f);
        CHECK_EQ_INT(tcp_reasm_held(r), 0);
        CHECK_EQ_INT(seen.len, end);
        uint32_t bad = 0;
        for (uint32_t i = 0; i < seen.len && i < L; i++) {
            bool gap_ok = !have[i] || cap != (1u << 20);
            if (seen.out[i] == '#' ? !gap_ok : !have[i] || seen.out[i] != model[i])
                bad++;
        }
        if (bad) {
            fprintf(stderr, "random round %d (cap %u): %u bytes differ from the model\n", round,
                    cap, bad);
            CHECK(0);
        }
        CHECK_EQ_INT(f.tcp[0].delivered + f.tcp[0].gap_bytes, end);
        tcp_reasm_free(r);
    }
    CHECK(with_tree > ROUNDS / 4);
    CHECK(with_tree < ROUNDS);
}

int
main(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        run_case(&cases[i]);
    test_roles();
    test_memcap();
    test_tiny_segment_flood();
    test_tree_balance();
    test_random_against_model();
    return check_report();
}
