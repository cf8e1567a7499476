/* fuzz_decode.c - libFuzzer: one frame through decode_packet for every supported link type. */
#include <stdint.h>
#include <string.h>

#include <pcap/dlt.h>

#include "../../sensor/decode.h"
#include "../../sensor/ipfrag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ipfrag *frag;
    static const int dlts[] = {DLT_EN10MB, DLT_RAW,  DLT_LINUX_SLL, 276,
                               DLT_NULL,   DLT_LOOP, 228,           229};
    if (!frag)
        frag = ipfrag_new(8, 1000000);
    for (size_t i = 0; i < sizeof(dlts) / sizeof(dlts[0]); i++) {
        struct packet p;
        if (decode_packet(dlts[i], data, size, (uint32_t)size, i, frag, &p) == DECODE_OK &&
            p.payload_len) {
            /* the payload must lie inside the input or the reassembly buffer */
            volatile uint8_t sink = p.payload[p.payload_len - 1];
            (void)sink;
        }
    }
    return 0;
}
