/* fuzz_engine.c - libFuzzer: a sequence of frames through decode, flows, reassembly, dissectors
 * and the zERT record path (records built as JSON and SMF in memory), with jumps of time. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <pcap/dlt.h>

#include "../../conf/conf.h"
#include "../../emit/emit_json.h"
#include "../../emit/emit_smf.h"
#include "../../emit/json_writer.h"
#include "../../sensor/engine.h"
#include "../../sensor/ndpi_opinion.h"

/* The records, built as the sensor writes them, into memory. */
struct mem_sink {
    struct json_writer jw;
    struct emit_smf_conf smf;
    uint8_t buf[SMF_MAX_RECORD];
    uint64_t n;
};

static int
mem_detail(void *ctx, const struct zert_detail *d)
{
    struct mem_sink *m = ctx;
    jw_reset(&m->jw);
    emit_json_build_detail(&m->jw, d);
    bool lossy;
    m->n += emit_smf_build_detail(&m->smf, d, m->buf, sizeof(m->buf), &lossy) > 0;
    return 0;
}

static int
mem_summary(void *ctx, const struct zert_summary *s)
{
    struct mem_sink *m = ctx;
    jw_reset(&m->jw);
    emit_json_build_summary(&m->jw, s);
    bool lossy;
    m->n += emit_smf_build_summary(&m->smf, s, m->buf, sizeof(m->buf), &lossy) > 0;
    return 0;
}

static const int dlts[] = {DLT_EN10MB, DLT_RAW, DLT_LINUX_SLL, 276, DLT_NULL, DLT_LOOP};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input: one byte choosing the link type, then frames as [len_hi len_lo time_step bytes...].
 * time_step 0..249 advances packet time by step * 50 ms; 250 jumps forward 30 years, 251
 * back a day, 252 to near 2^64 us, 253 back to 1970, 254..255 by step * 1 h. Small flow,
 * reassembly and session limits (max_sessions 4, 60 s intervals) make eviction, memcap and
 * early-flush paths reachable.
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
    static struct conf conf;
    static struct mem_sink sink;
    static bool sink_ready;
    if (!sink_ready) {
        jw_init(&sink.jw);
        emit_smf_conf_init(&sink.smf);
        sink_ready = true;
    }
    conf_init(&conf);
    conf.interval_s = 60;
    conf.max_sessions = 4;
    conf.report_routed = true;
    struct zert_sink zs = {.ctx = &sink, .detail = mem_detail, .summary = mem_summary};
    cfg.conf = &conf;
    cfg.zert_sink = &zs;
    struct engine *e = engine_new(&cfg, err, sizeof(err));
    if (!e)
        return 0;
    int dlt = dlts[data[0] % (sizeof(dlts) / sizeof(dlts[0]))];
    size_t off = 1;
    uint64_t ts = 1000000000ull * 1000000ull;
    while (off + 3 <= size) {
        size_t len = ((size_t)data[off] << 8 | data[off + 1]) % 4096;
        uint8_t step = data[off + 2];
        if (step < 250)
            ts += (uint64_t)step * 50000;
        else if (step == 250)
            ts += 30ull * 36525 * 864 * 1000000ull; /* 30 years */
        else if (step == 251)
            ts = ts > 86400000000ull ? ts - 86400000000ull : 0;
        else if (step == 252)
            ts = UINT64_MAX - 1000000;
        else if (step == 253)
            ts = 1;
        else
            ts += (uint64_t)(step - 253) * 3600000000ull;
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
