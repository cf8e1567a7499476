/* capture_live.c - a live interface through libpcap: non-blocking dispatch for an event loop. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "capture.h"
#include "capture_live.h"

struct capture_live {
    struct capture base; /* first: the generic part */
    pcap_t *p;
    char name[64];
    capture_frame_fn fn; /* the callback of the dispatch in progress */
    void *ctx;
    /*
     * pcap_stats' counters are 32-bit (u_int) and wrap after 2^32 frames, a few days of a busy
     * SPAN port: each call adds what moved since the last one (mod 2^32) to 64-bit totals. Right
     * while fewer than 2^32 frames pass between two calls (the daemon asks every second).
     */
    struct pcap_stat last;
    uint64_t recv, drop, ifdrop;
};

/* pcap_dispatch's callback: one frame to the caller's, with its link type. */
static void
on_pcap(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct capture_live *cl = (struct capture_live *)(void *)user;
    struct capture_frame f = {
        .ts_us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec,
        .caplen = h->caplen,
        .wire_len = h->len,
        .dlt = cl->base.dlt,
        .data = bytes,
    };
    cl->base.frames_read++;
    cl->base.frames++;
    cl->fn(cl->ctx, &f);
}

static enum capture_status
live_dispatch(struct capture *c, unsigned max, capture_frame_fn fn, void *ctx, unsigned *done)
{
    struct capture_live *cl = (struct capture_live *)c;
    cl->fn = fn;
    cl->ctx = ctx;
    int n = pcap_dispatch(cl->p, (int)max, on_pcap, (u_char *)(void *)cl);
    if (n < 0) {
        snprintf(c->err, sizeof(c->err), "%s: %s", cl->name,
                 n == PCAP_ERROR_BREAK ? "capture stopped" : pcap_geterr(cl->p));
        *done = 0;
        return CAPTURE_DAMAGED;
    }
    *done = (unsigned)n;
    return n == 0 ? CAPTURE_AGAIN : CAPTURE_FRAME;
}

/* Live sources hand frames out only through dispatch; next is what a file loop would call. */
static enum capture_status
live_next(struct capture *c, struct capture_frame *f)
{
    (void)f;
    snprintf(c->err, sizeof(c->err), "%s: a live capture is read through its event loop",
             ((struct capture_live *)c)->name);
    return CAPTURE_AGAIN;
}

static int
live_fd(struct capture *c)
{
    return pcap_get_selectable_fd(((struct capture_live *)c)->p);
}

static int
live_stats(struct capture *c, struct capture_stats *st)
{
    struct capture_live *cl = (struct capture_live *)c;
    struct pcap_stat ps;
    if (pcap_stats(cl->p, &ps) != 0) {
        snprintf(c->err, sizeof(c->err), "%s: %s", cl->name, pcap_geterr(cl->p));
        return -1;
    }
    cl->recv += (uint32_t)(ps.ps_recv - cl->last.ps_recv);
    cl->drop += (uint32_t)(ps.ps_drop - cl->last.ps_drop);
    cl->ifdrop += (uint32_t)(ps.ps_ifdrop - cl->last.ps_ifdrop);
    cl->last = ps;
    st->frames = c->frames;
    st->received = cl->recv;
    st->dropped = cl->drop;
    st->if_dropped = cl->ifdrop;
    return 0;
}

static void
live_close(struct capture *c)
{
    struct capture_live *cl = (struct capture_live *)c;
    pcap_close(cl->p);
    free(cl);
}

static const struct capture_ops live_ops = {
    .next = live_next,
    .dispatch = live_dispatch,
    .selectable_fd = live_fd,
    .stats = live_stats,
    .close = live_close,
};

/* "IFACE: what failed: why" into err; the handle is closed. */
static struct capture *
open_fail(pcap_t *p, const char *iface, const char *what, const char *why, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: %s: %s", iface, what, why);
    if (p)
        pcap_close(p);
    return NULL;
}

struct capture *
capture_live_open(const struct capture_live_conf *lc, char *err, size_t errlen)
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    const char *iface = lc->iface;
    pcap_t *p = pcap_create(iface, perr);
    if (!p)
        return open_fail(NULL, iface, "cannot open", perr, err, errlen);
    if (pcap_set_snaplen(p, (int)CAPTURE_MAX_CAPLEN) != 0 ||
        pcap_set_promisc(p, lc->promisc) != 0 || pcap_set_immediate_mode(p, 1) != 0 ||
        (lc->buffer_size && pcap_set_buffer_size(p, (int)lc->buffer_size) != 0))
        return open_fail(p, iface, "cannot set capture options", pcap_geterr(p), err, errlen);
    int rc = pcap_activate(p);
    if (rc < 0) {
        const char *why = rc == PCAP_ERROR ? pcap_geterr(p) : pcap_statustostr(rc);
        if (rc == PCAP_ERROR_PERM_DENIED || rc == PCAP_ERROR_NO_SUCH_DEVICE ||
            rc == PCAP_ERROR_IFACE_NOT_UP)
            why = pcap_geterr(p)[0] ? pcap_geterr(p) : pcap_statustostr(rc);
        char whybuf[PCAP_ERRBUF_SIZE];
        snprintf(whybuf, sizeof(whybuf), "%s", why);
        return open_fail(p, iface, "cannot start capturing", whybuf, err, errlen);
    }
    if (lc->filter && lc->filter[0]) {
        struct bpf_program prog;
        if (pcap_compile(p, &prog, lc->filter, 1, PCAP_NETMASK_UNKNOWN) != 0)
            return open_fail(p, iface, "bad filter expression", pcap_geterr(p), err, errlen);
        int frc = pcap_setfilter(p, &prog);
        pcap_freecode(&prog);
        if (frc != 0)
            return open_fail(p, iface, "cannot set the filter", pcap_geterr(p), err, errlen);
    }
    if (pcap_setnonblock(p, 1, perr) != 0)
        return open_fail(p, iface, "cannot make non-blocking", perr, err, errlen);
    if (pcap_get_selectable_fd(p) < 0)
        return open_fail(p, iface, "no selectable descriptor", "not supported here", err, errlen);
    struct capture_live *cl = calloc(1, sizeof(*cl));
    if (!cl)
        return open_fail(p, iface, "cannot open", strerror(ENOMEM), err, errlen);
    cl->p = p;
    snprintf(cl->name, sizeof(cl->name), "%s", iface);
    cl->base.ops = &live_ops;
    cl->base.dlt = pcap_datalink(p);
    cl->base.name = cl->name;
    return &cl->base;
}
