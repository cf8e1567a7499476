/* capture.h - packet sources: an ops struct per backend (files now, live interfaces later). */
#ifndef ZS_CAPTURE_H
#define ZS_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAPTURE_ERRBUF 512

/*
 * The largest frame a capture file may hold (captured bytes of one record), as libpcap's and
 * Wireshark's readers take it for the link types the sensor decodes: a record that claims more
 * is damage, not a frame.
 */
#define CAPTURE_MAX_CAPLEN 262144u

/*
 * Frame times are microseconds since 1970. A file time the microsecond scale cannot hold, or one
 * after 9999-12-31T23:59:59.999999Z (the last RFC 3339 time), or before 1970, is saturated to
 * this range and counted (`capture_ts_saturated`).
 */
#define CAPTURE_TS_MAX_US 253402300799999999ull

struct capture;
struct capture_filter;

/* One captured frame; `data` is borrowed until the next call on the same capture. */
struct capture_frame {
    uint64_t ts_us;
    uint32_t caplen;
    uint32_t wire_len;
    int dlt; /* this frame's link type: its pcapng interface's, or its pcap section's */
    const uint8_t *data;
};

enum capture_status {
    CAPTURE_AGAIN = 2,    /* live: nothing ready now; wait until the fd is readable */
    CAPTURE_FRAME = 1,    /* a frame was read */
    CAPTURE_END = 0,      /* clean end of input */
    CAPTURE_DAMAGED = -1, /* an input is truncated or corrupt from here on (see err) */
};

/* Counters of the source itself (libpcap's pcap_stats for a live source). */
struct capture_stats {
    uint64_t frames;     /* frames handed out */
    uint64_t received;   /* seen by the capture, dropped ones included (live: ps_recv) */
    uint64_t dropped;    /* lost by the kernel or the capture buffer (live) */
    uint64_t if_dropped; /* lost by the interface or its driver (live) */
};

typedef void (*capture_frame_fn)(void *ctx, const struct capture_frame *f);

/*
 * One backend. Files implement `next` and `close`; the others may be NULL and the inline
 * helpers below fall back to `next`.
 *
 * The live daemon (issue 13) adds capture_pcap.c for `-i IFACE`: pcap_create/pcap_activate
 * with immediate mode, then pcap_setnonblock. Its `selectable_fd` is pcap_get_selectable_fd,
 * on which a libevent loop keeps one persistent read event; when it fires the loop calls
 * capture_dispatch(c, N, ...), which runs pcap_dispatch (non-blocking: it returns what the
 * kernel buffer holds, CAPTURE_AGAIN when nothing) and hands each frame to the callback with
 * its DLT; `stats` fills struct capture_stats from pcap_stats (ps_recv, ps_drop, ps_ifdrop).
 * A BPF filter is set in the kernel there (pcap_setfilter) instead of capture_filter.
 */
struct capture_ops {
    /* the next frame; blocking for files (a live source returns CAPTURE_AGAIN) */
    enum capture_status (*next)(struct capture *c, struct capture_frame *f);
    /* up to `max` frames to `fn` without blocking; *done is how many */
    enum capture_status (*dispatch)(struct capture *c, unsigned max, capture_frame_fn fn, void *ctx,
                                    unsigned *done);
    /* a descriptor to poll for readability; -1: always ready (files) */
    int (*selectable_fd)(struct capture *c);
    /* 0 and *st filled, or -1 with c->err set */
    int (*stats)(struct capture *c, struct capture_stats *st);
    void (*close)(struct capture *c);
    /* input bytes read so far and in all (files); both 0 when unknown. May be NULL. */
    void (*progress)(struct capture *c, uint64_t *done, uint64_t *total);
};

struct capture {
    const struct capture_ops *ops;
    int dlt;                       /* link type of the first section or interface */
    const char *name;              /* for messages: the file name or "-" */
    struct capture_filter *filter; /* frames that do not match are skipped (capture_next) */
    uint64_t frames;               /* frames handed out */
    uint64_t frames_read;          /* frames read from the source (before the filter) */
    /*
     * With CAPTURE_DAMAGED: the whole message, naming the input, the packets read from it and
     * the byte offset. The damaged input ends there (next() then says CAPTURE_END), but a merge
     * goes on with its other inputs: call next() again until CAPTURE_END.
     */
    char err[CAPTURE_ERRBUF];
};

/*
 * Open a pcap or pcapng file, plain or compressed with gzip, xz or zstd (recognized by their
 * magic bytes); "-" is standard input. A stream may hold several captures one after the other
 * (cat a.pcap b.pcapng): each file header starts a new section with its own link types, byte
 * order and time resolution. NULL with `err` filled when the input cannot be read as a capture.
 */
struct capture *capture_file_open(const char *path, char *err, size_t errlen);

/* Does the file begin like a capture (after decompression)? For -r DIR: which files to read. */
bool capture_file_probe(const char *path);

/*
 * Several captures read as one, in time order (as mergecap does): the frame with the smallest
 * time goes first; of equal times, the one from the input listed last, as mergecap orders them
 * (and within one input, file order). The merge owns the inputs (closed with it), all open at once.
 * A damaged input ends alone: next() says CAPTURE_DAMAGED once for it, and the others go on.
 */
struct capture *capture_merge_new(struct capture **in, unsigned n, char *err, size_t errlen);

/*
 * A BPF filter expression (tcpdump syntax) for file input: compiled per link type with
 * pcap_open_dead the first time a frame of that link type comes, applied with
 * pcap_offline_filter. capture_filter_new compiles it for `dlt` to catch a bad expression at
 * once. Frames that do not match are counted (`pkts_filtered`) and skipped by capture_next.
 */
struct capture_filter *capture_filter_new(const char *expr, int dlt, char *err, size_t errlen);
bool capture_filter_match(struct capture_filter *flt, const struct capture_frame *f);
void capture_filter_free(struct capture_filter *flt);

/* The next frame that passes the filter, if any. */
static inline enum capture_status
capture_next(struct capture *c, struct capture_frame *f)
{
    for (;;) {
        enum capture_status st = c->ops->next(c, f);
        if (st != CAPTURE_FRAME)
            return st;
        if (!c->filter || capture_filter_match(c->filter, f)) {
            c->frames++;
            return st;
        }
    }
}

/*
 * Up to `max` frames to `fn`: what a daemon's read event does. Files return CAPTURE_FRAME
 * while frames may remain, CAPTURE_DAMAGED when an input is damaged (call again: a merge goes
 * on), then CAPTURE_END.
 */
static inline enum capture_status
capture_dispatch(struct capture *c, unsigned max, capture_frame_fn fn, void *ctx)
{
    unsigned done = 0;
    if (c->ops->dispatch)
        return c->ops->dispatch(c, max, fn, ctx, &done);
    struct capture_frame f;
    enum capture_status st = CAPTURE_FRAME;
    while (done < max && (st = capture_next(c, &f)) == CAPTURE_FRAME) {
        fn(ctx, &f);
        done++;
    }
    return st;
}

static inline int
capture_selectable_fd(struct capture *c)
{
    return c->ops->selectable_fd ? c->ops->selectable_fd(c) : -1;
}

static inline int
capture_stats(struct capture *c, struct capture_stats *st)
{
    if (c->ops->stats)
        return c->ops->stats(c, st);
    *st = (struct capture_stats){.frames = c->frames};
    return 0;
}

/* For a progress display: input bytes read and their total (0 and 0: unknown, e.g. a pipe). */
static inline void
capture_progress(struct capture *c, uint64_t *done, uint64_t *total)
{
    *done = *total = 0;
    if (c->ops->progress)
        c->ops->progress(c, done, total);
}

static inline void
capture_close(struct capture *c)
{
    if (c) {
        capture_filter_free(c->filter);
        c->ops->close(c);
    }
}

#endif
