/* capture.h - packet sources: an ops struct per backend (file now, live interface later). */
#ifndef ZS_CAPTURE_H
#define ZS_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#define CAPTURE_ERRLEN 256 /* struct capture's own message */

struct capture;

/* One captured frame; `data` is borrowed until the next call. */
struct capture_frame {
    uint64_t ts_us;
    uint32_t caplen;
    uint32_t wire_len;
    const uint8_t *data;
};

enum capture_status {
    CAPTURE_FRAME = 1,    /* a frame was read */
    CAPTURE_END = 0,      /* clean end of input */
    CAPTURE_DAMAGED = -1, /* the input is truncated or corrupt from here on */
};

struct capture_ops {
    enum capture_status (*next)(struct capture *c, struct capture_frame *f);
    void (*close)(struct capture *c);
};

struct capture {
    const struct capture_ops *ops;
    int dlt;                  /* libpcap link type */
    const char *name;         /* for messages: the file name or "-" */
    char err[CAPTURE_ERRLEN]; /* why next() returned CAPTURE_DAMAGED */
};

/*
 * Open a pcap or pcapng file, gzip-compressed or not; "-" is standard input.
 * NULL with a message in err (errlen bytes) when the file cannot be read as a capture.
 */
struct capture *capture_file_open(const char *path, char *err, size_t errlen);

static inline enum capture_status
capture_next(struct capture *c, struct capture_frame *f)
{
    return c->ops->next(c, f);
}

static inline void
capture_close(struct capture *c)
{
    if (c)
        c->ops->close(c);
}

#endif
