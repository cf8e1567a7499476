/* fuzz_ike.c - libFuzzer target: ike_dissector and the IPsec pair table over datagrams. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../dissectors/cursor.h"
#include "../../dissectors/ike.h"
#include "../../dissectors/ipsec.h"
#include "../../emit/emit_obs.h"
#include "../../flowtable/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input: records of [length (2 bytes, big-endian, low 11 bits)][control (1 byte)][payload].
 * Control bit 0: direction; bit 1: UDP 4500 instead of 500; bit 2: IPv6 addresses;
 * bit 3: hand the payload to the table as raw ESP (proto 50) instead of UDP.
 * Each payload is copied into a buffer of its exact size so over-reads are caught.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    struct cursor c = cur_init(data, size);
    void *st = ike_dissector.state_new(500, 500);
    struct ipsec_table *t = ipsec_table_new(4);
    if (!st || !t) {
        ike_dissector.state_free(st);
        ipsec_table_free(t);
        return 0;
    }
    uint64_t ts = 1;
    while (cur_left(&c) >= 3) {
        size_t len = cur_get_be16(&c) & 0x7ff;
        uint8_t ctl = cur_get_u8(&c);
        if (len > cur_left(&c))
            len = cur_left(&c);
        const uint8_t *p = cur_get_bytes(&c, len);
        uint8_t *copy = malloc(len ? len : 1);
        if (!copy)
            break;
        if (len)
            memcpy(copy, p, len);
        uint16_t port = (ctl & 2) ? IKE_NATT_PORT : IKE_PORT;
        int dir = ctl & 1;
        if (ike_dissector.probe(copy, len, port, port) == PROBE_YES)
            ike_dissector.on_packet(st, dir, copy, len, ts);

        struct packet pk;
        memset(&pk, 0, sizeof(pk));
        pk.ts_us = ts++;
        pk.family = (ctl & 4) ? 6 : 4;
        pk.src[0] = dir ? 10 : 192;
        pk.dst[0] = dir ? 192 : 10;
        pk.ip_len = (uint32_t)len + 28;
        if (ctl & 8) {
            struct cursor e = cur_init(copy, len);
            pk.proto = IPPROTO_NUM_ESP;
            pk.spi = cur_get_be32(&e);
            pk.esp_seq = cur_get_be32(&e);
            pk.has_ah = (ctl & 16) != 0;
            pk.ah_spi = pk.spi ^ 1;
            pk.ah_seq = pk.esp_seq;
            pk.ah_icv_len = 12;
        } else {
            pk.proto = IPPROTO_NUM_UDP;
            pk.sport = pk.dport = port;
            pk.payload = copy;
            pk.payload_len = (uint32_t)len;
        }
        ipsec_table_packet(t, &pk);
        free(copy);
    }
    static struct obs_proto p;
    static struct obs_ipsec_pair pair;
    struct json_writer w;
    jw_init(&w);
    jw_obj_open(&w);
    ike_dissector.fill_observation(st, &p);
    emit_obs_build_proto(&w, &p);
    jw_obj_close(&w);
    if (devnull)
        jw_write_line(&w, devnull);
    for (unsigned i = 0; devnull && i < ipsec_table_pair_count(t); i++) {
        ipsec_table_observe_pair(t, i, &pair);
        emit_obs_write_pair(&w, devnull, &pair);
    }
    jw_fini(&w);
    ike_dissector.state_free(st);
    ipsec_table_free(t);
    return 0;
}
