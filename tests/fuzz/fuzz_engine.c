/* fuzz_engine.c - libFuzzer: a sequence of frames through decode, flows, reassembly and dissectors.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <pcap/dlt.h>

#include "../../sensor/engine.h"
#include "../../sensor/ndpi_opinion.h"

static const int dlts[] = {DLT_EN10MB, DLT_RAW, DLT_LINUX_SLL, 276, DLT_NULL, DLT_LOOP};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input: one byte choosing the link type, then frames as [len_hi len_lo time_step bytes...].
 * Small flow/reassembly limits make eviction and memcap paths reachable.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull) {
        devnull = fopen("/dev/null", "w");
        ndpi_opinion_set_enabled(false); /* nDPI's 30 ms start-up per input; it is not ours */
    }
    if (size < 1)
        return 0;
    char err[256];
    struct engine_config cfg = {
        .flows = {.max_flows = 8,
                  .tcp_idle_us = 5000000,
                  .udp_idle_us = 2000000,
                  .closed_us = 1000000,
                  .seed = 1},
        .reasm_memcap = 16 * 1500,
        .reasm_flow_cap = 4096,
        .frag_slots = 4,
        .frag_timeout_us = 3000000,
        .flows_json = devnull,
        .observations = devnull,
    };
    struct engine *e = engine_new(&cfg, err, sizeof(err));
    if (!e)
        return 0;
    int dlt = dlts[data[0] % (sizeof(dlts) / sizeof(dlts[0]))];
    size_t off = 1;
    uint64_t ts = 1000000000ull * 1000000ull;
    while (off + 3 <= size) {
        size_t len = ((size_t)data[off] << 8 | data[off + 1]) % 4096;
        ts += (uint64_t)data[off + 2] * 50000;
        off += 3;
        if (len > size - off)
            len = size - off;
        struct capture_frame fr = {
            .ts_us = ts, .caplen = (uint32_t)len, .wire_len = (uint32_t)len, .data = data + off};
        engine_packet(e, dlt, &fr);
        off += len;
    }
    engine_finish(e);
    engine_free(e);
    return 0;
}
