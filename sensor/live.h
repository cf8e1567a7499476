/* live.h - zertsensor -i: the live daemon (event loop, signals, privileges, statistics). */
#ifndef ZS_LIVE_H
#define ZS_LIVE_H

#include <stdbool.h>

/* Does the command line ask for live capture (-i / --interface)? */
bool live_wanted(int argc, char **argv);

/* The whole daemon: its own options (docs/daemon.md); the exit status. */
int live_main(int argc, char **argv);

/* Gauges and capture counters the daemon adds to --stats (after LIVE_OUT/LIVE_SOCK ones). */
#define LIVE_COUNTERS(X)                                                                           \
    X(capture_received)     /* pcap_stats ps_recv, all interfaces (dropped ones included) */       \
    X(capture_kernel_drops) /* pcap_stats ps_drop, all interfaces */                               \
    X(capture_if_drops)     /* pcap_stats ps_ifdrop, all interfaces */                             \
    X(flows_active)         /* flows in the table now */                                           \
    X(reasm_bytes_held)     /* out-of-order TCP chunk memory held now */

#endif
