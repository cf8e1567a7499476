/* tcp_reasm.h - per-direction TCP reassembly: ordered bytes and explicit gap notices. */
#ifndef ZS_TCP_REASM_H
#define ZS_TCP_REASM_H

#include <stddef.h>
#include <stdint.h>

#include "flow.h"

struct packet;
struct tcp_reasm;

/*
 * The reassembler's counters (all flows), named as in --stats (sensor/stats.h gives their order
 * there). X-macro: one list for the fields and for whoever copies them out.
 */
#define TCP_REASM_COUNTERS(X)                                                                      \
    X(tcp_retransmitted_segments)                                                                  \
    X(tcp_retransmitted_bytes)                                                                     \
    X(tcp_overlap_inconsistent)                                                                    \
    X(tcp_ooo_segments)                                                                            \
    X(tcp_gaps)                                                                                    \
    X(tcp_gap_bytes)                                                                               \
    X(tcp_seq_out_of_window)                                                                       \
    X(tcp_syn_seq_changed)                                                                         \
    X(tcp_flow_cap_hit)                                                                            \
    X(tcp_memcap_hit)

struct tcp_reasm_stats {
#define TCP_REASM_STATS_FIELD(name) uint64_t name;
    TCP_REASM_COUNTERS(TCP_REASM_STATS_FIELD)
#undef TCP_REASM_STATS_FIELD
};

/*
 * The consumer sees each direction of a connection as one byte stream:
 * on_data with the next bytes in order, or on_gap with the count of bytes
 * that were never captured (the stream offset moves on by that much).
 * `dir` is the flow direction (FLOW_DIR_FWD/REV); compare with f->client_dir.
 */
struct tcp_reasm_ops {
    void *ctx;
    void (*on_data)(void *ctx, struct flow *f, int dir, const uint8_t *data, size_t len);
    void (*on_gap)(void *ctx, struct flow *f, int dir, uint64_t len);
};

/*
 * Out-of-order data is held in chunks of up to TCP_REASM_CHUNK_DATA bytes (a segment longer than
 * that takes several). Each held chunk costs tcp_reasm_chunk_bytes() of memory, its data and its
 * index entry, whatever its length: that is what the caps count, so ten tiny segments held cost
 * ten chunks.
 */
#define TCP_REASM_CHUNK_DATA 1460

/*
 * `memcap`: bytes of chunk memory for all flows together (the pool, allocated here, its pages
 * touched as used); `flow_cap`: the chunk memory one direction of one flow may hold. Past either,
 * the oldest hole is declared a gap (tcp_flow_cap_hit / tcp_memcap_hit count it) and the held
 * data is delivered. NULL with a message in err (errlen bytes) when the pool cannot be allocated.
 */
struct tcp_reasm *tcp_reasm_new(uint64_t memcap, uint32_t flow_cap, const struct tcp_reasm_ops *ops,
                                char *err, size_t errlen);
void tcp_reasm_free(struct tcp_reasm *r);

/* Process one TCP segment of flow f in direction dir. */
void tcp_reasm_packet(struct tcp_reasm *r, struct flow *f, int dir, const struct packet *p);

/* The flow is ending: deliver what is held, announcing every remaining hole as a gap. */
void tcp_reasm_finish(struct tcp_reasm *r, struct flow *f);

/* True once both sides sent FIN or either sent RST. */
bool tcp_reasm_closed(const struct flow *f);

/* Bytes of chunk memory held now, all flows (what memcap counts; for tests and stats). */
uint64_t tcp_reasm_held(const struct tcp_reasm *r);

/*
 * For tests: check what direction dir of f holds (chunks in order, not overlapping, past the
 * next byte, counted; their tree, if there is one, ordered like the list, linked both ways and
 * balanced). The tree's height (0: no tree), or -1 if anything is wrong. O(n).
 */
int tcp_reasm_check(const struct tcp_reasm *r, const struct flow *f, int dir);

/* The memory one held chunk costs against the caps: TCP_REASM_CHUNK_DATA and its index entry. */
uint32_t tcp_reasm_chunk_bytes(void);

/* The counters since the reassembler was made. */
void tcp_reasm_get_stats(const struct tcp_reasm *r, struct tcp_reasm_stats *s);

#endif
