/* stats.h - named counters for packets, anomalies and resource limits, in one place. */
#ifndef ZS_STATS_H
#define ZS_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "live.h"               /* LIVE_COUNTERS */
#include "live_out.h"           /* LIVE_OUT_COUNTERS */
#include "live_sock.h"          /* LIVE_SOCK_COUNTERS */
#include "../dissectors/x509.h" /* X509_CACHE_COUNTERS */
#include "records.h"            /* RECORDS_COUNTERS */
#include "zert.h"               /* ZERT_COUNTERS */

/*
 * X-macro: every counter has one name, used for the struct field and for the
 * `--stats` JSON output, and this list is their order there. Hostile or
 * malformed traffic is never an error: it increments one of these.
 *
 * The flow layer keeps its own counters under the same names
 * (FLOW_TABLE_COUNTERS in flowtable/flow_table.h, TCP_REASM_COUNTERS in
 * flowtable/tcp_reasm.h); engine_collect_stats copies them in here before
 * they are printed. The sensor's own code counts with STAT_INC / STAT_ADD.
 */
#define ZS_COUNTERS(X)                                                                             \
    X(pkts_read)                                                                                   \
    X(bytes_read)                                                                                  \
    X(pkts_non_ip)                                                                                 \
    X(pkts_unsupported_linktype)                                                                   \
    X(pkts_ipv4)                                                                                   \
    X(pkts_ipv6)                                                                                   \
    X(pkts_tcp)                                                                                    \
    X(pkts_udp)                                                                                    \
    X(pkts_esp)                                                                                    \
    X(pkts_ah)                                                                                     \
    X(pkts_other_proto)                                                                            \
    X(pkts_tunnel_decap)                                                                           \
    X(pkts_vlan)                                                                                   \
    X(pkts_mpls)                                                                                   \
    X(link_truncated)                                                                              \
    X(vlan_too_deep)                                                                               \
    X(mpls_bad)                                                                                    \
    X(encap_too_deep)                                                                              \
    X(ipv4_truncated)                                                                              \
    X(ipv4_bad_header)                                                                             \
    X(ipv4_snaplen_cut)                                                                            \
    X(ipv6_truncated)                                                                              \
    X(ipv6_bad_header)                                                                             \
    X(ipv6_bad_ext_header)                                                                         \
    X(ipv6_snaplen_cut)                                                                            \
    X(tcp_bad_header)                                                                              \
    X(udp_bad_header)                                                                              \
    X(esp_bad_header)                                                                              \
    X(ah_bad_header)                                                                               \
    X(frag_fragments)                                                                              \
    X(frag_reassembled)                                                                            \
    X(frag_timeout)                                                                                \
    X(frag_no_slot)                                                                                \
    X(frag_too_big)                                                                                \
    X(frag_overlap_inconsistent)                                                                   \
    X(frag_bad)                                                                                    \
    X(flows_created)                                                                               \
    X(flows_ended)                                                                                 \
    X(flows_evicted)                                                                               \
    X(flows_timed_out)                                                                             \
    X(flows_reused)                                                                                \
    X(tcp_midstream)                                                                               \
    X(tcp_roles_guessed)                                                                           \
    X(tcp_retransmitted_segments)                                                                  \
    X(tcp_retransmitted_bytes)                                                                     \
    X(tcp_overlap_inconsistent)                                                                    \
    X(tcp_ooo_segments)                                                                            \
    X(tcp_gaps)                                                                                    \
    X(tcp_gap_bytes)                                                                               \
    X(tcp_seq_out_of_window)                                                                       \
    X(tcp_syn_seq_changed)                                                                         \
    X(tcp_flow_cap_hit)                                                                            \
    X(tcp_memcap_hit)                                                                              \
    X(pkts_time_backwards)                                                                         \
    X(pkts_filtered)                                                                               \
    X(capture_ts_saturated)                                                                        \
    X(gtpu_bad_header)                                                                             \
    X(geneve_bad_header)                                                                           \
    ZERT_COUNTERS(X)                                                                               \
    X509_CACHE_COUNTERS(X)                                                                         \
    X(compare_locals_overflow)                                                                     \
    X(compare_tunnels_overflow)                                                                    \
    X(compare_conflicts_overflow)                                                                  \
    RECORDS_COUNTERS(X)                                                                            \
    LIVE_OUT_COUNTERS(X) /* the daemon's (sensor/live*.h): zero for file runs */                   \
    LIVE_SOCK_COUNTERS(X)                                                                          \
    LIVE_COUNTERS(X)

struct stats {
#define ZS_STATS_FIELD(name) uint64_t name;
    ZS_COUNTERS(ZS_STATS_FIELD)
#undef ZS_STATS_FIELD
};

/* The process-wide counters; the sensor is single-threaded. */
extern struct stats g_stats;

#define STAT_INC(name)    (g_stats.name++)
#define STAT_ADD(name, n) (g_stats.name += (uint64_t)(n))

void stats_print_json(FILE *out);

#endif
