/*
 * test_capture_stream.c - a mapped capture file cut while it is read: the frames before the cut,
 * exactly, then the damage. Bytes past a new end of file read as zeros up to the end of their
 * page (mmap); none of them may be taken for a frame.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "../../sensor/capture.h"

#define NREC    60
#define DATALEN 200
#define RECLEN  (16 + DATALEN)
#define HDRLEN  24

static void
put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4); /* the file is written in this host's order; the magic says which */
}

/* A classic pcap of NREC Ethernet frames of DATALEN bytes (0xab), frame i at second 1000 + i. */
static void
write_capture(const char *path)
{
    static uint8_t buf[HDRLEN + NREC * RECLEN];
    memset(buf, 0, sizeof(buf));
    put32(buf, 0xa1b2c3d4u);
    uint16_t v[2] = {2, 4}; /* version 2.4 */
    memcpy(buf + 4, v, 4);
    put32(buf + 16, 65535);
    put32(buf + 20, 1);
    for (int i = 0; i < NREC; i++) {
        uint8_t *r = buf + HDRLEN + i * RECLEN;
        put32(r, 1000u + (uint32_t)i);
        put32(r + 4, 0);
        put32(r + 8, DATALEN);
        put32(r + 12, DATALEN);
        memset(r + 16, 0xab, DATALEN);
    }
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK_EQ_INT(fwrite(buf, 1, sizeof(buf), f), sizeof(buf));
    fclose(f);
}

/*
 * Read `before` frames, cut the file to `cut` bytes, read on. Every frame handed out must be
 * whole (its data all 0xab, its time 1000 + its index), `want` of them in all, and the input
 * must end as damaged, naming the new size.
 */
static void
cut_while_reading(int before, long cut, int want)
{
    char path[] = "/tmp/zs-test-capture-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    close(fd);
    write_capture(path);
    char err[256];
    struct capture *c = capture_file_open(path, err, sizeof(err));
    CHECK(c != NULL);
    if (!c) {
        unlink(path);
        return;
    }
    struct capture_frame f;
    int n = 0, bad = 0;
    enum capture_status st;
    while ((st = capture_next(c, &f)) == CAPTURE_FRAME) {
        bool whole = f.caplen == DATALEN && f.ts_us == (1000u + (uint64_t)n) * 1000000u;
        for (uint32_t i = 0; whole && i < f.caplen; i++)
            whole = f.data[i] == 0xab;
        bad += !whole;
        if (++n == before)
            CHECK_EQ_INT(truncate(path, cut), 0);
    }
    CHECK_EQ_INT(n, want);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(st, CAPTURE_DAMAGED);
    char says[64];
    snprintf(says, sizeof(says), "the file shrank to %ld bytes", cut);
    CHECK(strstr(c->err, says) != NULL);
    if (!strstr(c->err, says))
        fprintf(stderr, "  message: %s\n", c->err);
    capture_close(c);
    unlink(path);
}

int
main(void)
{
    /* frame 30 cut in its data (byte 6604, page 1): the rest of page 1 reads as zeros and
     * page 2 faults. Frames 0-29 are whole; frame 30 and the zeros after it are no frames. */
    cut_while_reading(10, HDRLEN + 30 * RECLEN + 100, 30);
    /* the cut between two records (frame 25 is the last) */
    cut_while_reading(10, HDRLEN + 25 * RECLEN, 25);
    /* the cut in the mapping's last page (frame 58's data, byte 12652): no page after it to
     * fault, the file's size is asked */
    cut_while_reading(50, HDRLEN + 58 * RECLEN + 100, 58);
    return check_report();
}
