/* capture_file.c - pcap/pcapng input through libpcap, with gzip and stdin through zlib. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>
#include <zlib.h>

#include "capture.h"

struct capture_file {
    struct capture base; /* first: the generic part */
    pcap_t *pcap;
    gzFile gz; /* when reading through zlib (gzip or stdin) */
};

/* fopencookie read hook: libpcap reads the decompressed stream through a FILE. */
static ssize_t
gz_cookie_read(void *cookie, char *buf, size_t size)
{
    gzFile gz = cookie;
    if (size > (unsigned)INT32_MAX)
        size = INT32_MAX;
    int n = gzread(gz, buf, (unsigned)size);
    if (n < 0) {
        errno = EIO;
        return -1;
    }
    return n;
}

static int
gz_cookie_close(void *cookie)
{
    (void)cookie; /* the gzFile is closed by capture_file_close */
    return 0;
}

static enum capture_status
file_next(struct capture *c, struct capture_frame *f)
{
    struct capture_file *cf = (struct capture_file *)c;
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc = pcap_next_ex(cf->pcap, &h, &data);
    if (rc == 1) {
        f->ts_us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
        f->caplen = h->caplen;
        f->wire_len = h->len;
        f->data = data;
        return CAPTURE_FRAME;
    }
    if (rc == PCAP_ERROR_BREAK)
        return CAPTURE_END;
    snprintf(c->err, sizeof(c->err), "%s", pcap_geterr(cf->pcap));
    if (cf->gz) {
        int zerr = Z_OK;
        const char *zmsg = gzerror(cf->gz, &zerr);
        if (zerr != Z_OK && zerr != Z_STREAM_END)
            snprintf(c->err, sizeof(c->err), "gzip: %s", zmsg);
    }
    return CAPTURE_DAMAGED;
}

static void
file_close(struct capture *c)
{
    struct capture_file *cf = (struct capture_file *)c;
    if (cf->pcap)
        pcap_close(cf->pcap); /* closes the FILE (and so the cookie) */
    if (cf->gz)
        gzclose(cf->gz);
    free(cf);
}

static const struct capture_ops file_ops = {
    .next = file_next,
    .close = file_close,
};

static bool
is_gzip(FILE *fp)
{
    unsigned char m[2];
    size_t n = fread(m, 1, 2, fp);
    rewind(fp);
    return n == 2 && m[0] == 0x1f && m[1] == 0x8b;
}

struct capture *
capture_file_open(const char *path, char *err, size_t errlen)
{
    struct capture_file *cf = calloc(1, sizeof(*cf));
    if (!cf) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    cf->base.ops = &file_ops;
    cf->base.name = path;
    char perr[PCAP_ERRBUF_SIZE] = "";
    FILE *fp = NULL;
    bool from_stdin = strcmp(path, "-") == 0;
    if (!from_stdin) {
        fp = fopen(path, "rb");
        if (!fp) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            free(cf);
            return NULL;
        }
    }
    if (from_stdin || is_gzip(fp)) {
        /* zlib reads plain data through unchanged, so stdin may be either */
        int fd = from_stdin ? dup(STDIN_FILENO) : dup(fileno(fp));
        if (fp)
            fclose(fp);
        fp = NULL;
        cf->gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;
        if (!cf->gz) {
            if (fd >= 0)
                close(fd);
            snprintf(err, errlen, "%s: cannot open for reading", path);
            free(cf);
            return NULL;
        }
        gzbuffer(cf->gz, 1 << 17);
        cookie_io_functions_t io = {.read = gz_cookie_read, .close = gz_cookie_close};
        fp = fopencookie(cf->gz, "rb", io);
        if (!fp) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            gzclose(cf->gz);
            free(cf);
            return NULL;
        }
    }
    cf->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, perr);
    if (!cf->pcap) {
        snprintf(err, errlen, "%s: not a readable pcap or pcapng capture: %s", path, perr);
        fclose(fp);
        if (cf->gz)
            gzclose(cf->gz);
        free(cf);
        return NULL;
    }
    cf->base.dlt = pcap_datalink(cf->pcap);
    return &cf->base;
}
