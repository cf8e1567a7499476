/* fuzz_zertdump.c - libFuzzer target: SMF dump reading, VBS reassembly and 119 record decoding. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../emit/zertdump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    struct zertdump_opts o;
    char err[64];
    if (size == 0)
        return 0;
    if (!sink)
        sink = fopen("/dev/null", "w");
    memset(&o, 0, sizeof(o));
    emit_smf_tz_parse(&o.tz, "UTC", err, sizeof(err));
    /* the first byte picks the format and output form; the rest is the file */
    o.fmt = data[0] % 3 == 0 ? SMF_FMT_AUTO : data[0] % 3 == 1 ? SMF_FMT_RDW : SMF_FMT_VBS;
    o.text = data[0] & 0x80;
    FILE *in = size > 1 ? fmemopen((void *)(data + 1), size - 1, "rb") : fopen("/dev/null", "rb");
    if (!in)
        return 0;
    zertdump_run(in, sink, sink, &o, NULL);
    fclose(in);
    return 0;
}
