/* fuzz_tcp_reasm.c - libFuzzer: segments in any order through TCP reassembly, against its model.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../flowtable/flow_table.h"
#include "../../flowtable/packet.h"
#include "../../flowtable/tcp_reasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STREAM 4096 /* stream bytes a test case can reach */

/* What the consumer saw of direction 0: bytes, each gap as that many '#'. */
struct seen {
    uint8_t out[STREAM];
    size_t len;
    bool overflow;
};

static void
on_data(void *ctx, struct flow *f, int dir, const uint8_t *d, size_t len)
{
    (void)f;
    struct seen *s = ctx;
    if (dir != 0)
        return;
    if (s->len + len > sizeof(s->out)) {
        s->overflow = true;
        return;
    }
    memcpy(s->out + s->len, d, len);
    s->len += len;
}

static void
on_gap(void *ctx, struct flow *f, int dir, uint64_t len)
{
    (void)f;
    struct seen *s = ctx;
    if (dir != 0)
        return;
    if (s->len + len > sizeof(s->out)) {
        s->overflow = true;
        return;
    }
    memset(s->out + s->len, '#', len);
    s->len += len;
}

/*
 * Input: a header byte (bit 0: a flow cap of 3 to 42 chunks, else the 1 MB pool's 706; bits
 * 1-7: where the sequence numbers start, near the 2^32 wrap for most values), then segments of
 * 4 bytes each [offset_hi offset_lo len_hi len_lo]: stream offset (below STREAM) and length
 * (1..64, or 1..2048 when len_hi's top bit is set; cut at STREAM). The content of byte k of a
 * segment is a function of its stream offset and, for some segments, of their index, so overlaps
 * sometimes disagree.
 *
 * The model (HACKING.md, TCP reassembly policy): each byte delivered is the first arrival's; a
 * byte no segment carried is a gap; once a cap was reached a byte may be part of a gap instead,
 * never another arrival's. The held chunks stay under the flow cap and pass tcp_reasm_check()
 * (ordered, counted, the tree consistent and balanced) after each of the first 64 segments and
 * every 16th after that (it is O(n)).
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct seen seen;
    static uint8_t model[STREAM], seg[2048];
    static bool have[STREAM];
    if (size < 1)
        return 0;
    memset(&seen, 0, sizeof(seen));
    memset(have, 0, sizeof(have));
    bool capped = data[0] & 1;
    uint32_t chunk = tcp_reasm_chunk_bytes();
    uint32_t cap = capped ? (3 + (data[0] >> 1) % 40) * chunk : 64u << 20;
    uint32_t isn = (data[0] >> 1) < 100 ? 0xffffffffu - (data[0] >> 1) * 97u : 0x1000u;
    char err[256];
    struct tcp_reasm_ops ops = {.ctx = &seen, .on_data = on_data, .on_gap = on_gap};
    struct tcp_reasm *r = tcp_reasm_new(1u << 20, cap, &ops, err, sizeof(err)); /* 706 chunks */
    if (!r)
        abort();
    struct flow f;
    memset(&f, 0, sizeof(f));
    f.key.proto = IPPROTO_NUM_TCP;
    flow_tcp_init(&f);
    struct packet p;
    memset(&p, 0, sizeof(p));
    p.proto = IPPROTO_NUM_TCP;
    p.tcp_flags = TCP_SYN;
    p.seq = isn;
    tcp_reasm_packet(r, &f, 0, &p);
    uint32_t end = 0;
    for (size_t off = 1, k = 0; off + 4 <= size; off += 4, k++) {
        uint32_t at = ((uint32_t)data[off] << 8 | data[off + 1]) % STREAM;
        uint32_t len = 1 + ((uint32_t)data[off + 2] << 8 | data[off + 3]) % 2048;
        if (!(data[off + 2] & 0x80))
            len = 1 + data[off + 3] % 64;
        if (len > STREAM - at)
            len = STREAM - at;
        for (uint32_t i = 0; i < len; i++) {
            seg[i] = (uint8_t)('a' + (at + i + (k % 3 ? 0 : k)) % 26);
            if (!have[at + i]) {
                have[at + i] = true;
                model[at + i] = seg[i];
            }
        }
        end = at + len > end ? at + len : end;
        memset(&p, 0, sizeof(p));
        p.proto = IPPROTO_NUM_TCP;
        p.tcp_flags = TCP_ACK;
        p.seq = isn + 1 + at;
        p.payload = seg;
        p.payload_len = len;
        tcp_reasm_packet(r, &f, 0, &p);
        if (f.tcp[0].ooo_held > cap)
            abort();
        if ((k < 64 || k % 16 == 0) && tcp_reasm_check(r, &f, 0) < 0)
            abort();
    }
    tcp_reasm_finish(r, &f);
    struct tcp_reasm_stats st;
    tcp_reasm_get_stats(r, &st);
    bool gaps_ok = capped || st.tcp_memcap_hit > 0; /* a byte may be in a gap declared at a cap */
    if (tcp_reasm_held(r) != 0 || seen.overflow || seen.len != end ||
        f.tcp[0].delivered + f.tcp[0].gap_bytes != end)
        abort();
    for (uint32_t i = 0; i < end; i++) {
        bool ok = seen.out[i] == '#' ? !have[i] || gaps_ok : have[i] && seen.out[i] == model[i];
        if (!ok)
            abort();
    }
    tcp_reasm_free(r);
    return 0;
}
