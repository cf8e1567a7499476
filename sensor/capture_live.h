/* capture_live.h - a live interface as a capture source (libpcap, for the daemon's event loop). */
#ifndef ZS_CAPTURE_LIVE_H
#define ZS_CAPTURE_LIVE_H

#include <stddef.h>
#include <stdint.h>

struct capture;

struct capture_live_conf {
    const char *iface;
    const char *filter;   /* BPF expression set in the kernel; NULL or "": everything */
    int promisc;          /* 1: promiscuous (the default: a SPAN port is not addressed to us) */
    uint64_t buffer_size; /* kernel buffer in bytes; 0: libpcap's default */
};

/*
 * Open IFACE with pcap_create/pcap_activate: full snap length (CAPTURE_MAX_CAPLEN), immediate
 * mode, then non-blocking. Frames come only through capture_dispatch, which returns
 * CAPTURE_AGAIN when the kernel holds nothing: poll capture_selectable_fd for readability
 * first. capture_stats gives pcap_stats' kernel (ps_drop) and interface (ps_ifdrop) drops.
 * NULL with "IFACE: what: why" in err.
 */
struct capture *capture_live_open(const struct capture_live_conf *lc, char *err, size_t errlen);

#endif
