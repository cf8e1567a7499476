/* fuzz_capture.c - libFuzzer: bytes as a capture file through the reader (pcap, pcapng, gzip,
 * xz, zstd; sections and damage). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../sensor/capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a file (memfd), read to its end or its damage; every frame's bytes touched. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz_capture", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64], err[CAPTURE_ERRBUF];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    struct capture *c = capture_file_open(path, err, sizeof(err));
    if (c) {
        struct capture_frame f;
        volatile uint8_t sink = 0;
        while (capture_next(c, &f) == CAPTURE_FRAME)
            for (uint32_t i = 0; i < f.caplen; i++)
                sink ^= f.data[i];
        (void)sink;
        capture_close(c);
    }
    close(fd);
    return 0;
}
