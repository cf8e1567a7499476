/* fuzz_ike.c - libFuzzer target: ike_dissector and an IPsec pair's state over datagrams. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../dissectors/cursor.h"
#include "../../dissectors/ike.h"
#include "../../dissectors/ipsec.h"
#include "../../emit/emit_obs.h"
#include "../../emit/zert_record.h"
#include "../../flowtable/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input: records of [length (2 bytes, big-endian, low 11 bits)][control (1 byte)][payload].
 * Control bit 0: direction; bit 1: UDP 4500 instead of 500; bit 2: IPv6 addresses;
 * bit 3: hand the payload to the pair as an ESP header (raw, or in UDP 4500 with bit 1);
 * bit 4: with bit 3, an AH header as well.
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
    if (!st)
        return 0;
    struct ipsec_pair_state pair_st;
    ipsec_pair_state_init(&pair_st);
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

        if (ctl & 8) {
            uint32_t spi = 0, seq = 0;
            bool ok = true;
            if (ctl & 2)
                ok = ipsec_natt_esp_header(copy, len, &spi, &seq);
            else {
                struct cursor e = cur_init(copy, len);
                spi = cur_get_be32(&e);
                seq = cur_get_be32(&e);
            }
            if (ok)
                ipsec_pair_esp(&pair_st, dir, spi, seq, len + 28, ts, (ctl & 2) != 0);
            if (ctl & 16)
                ipsec_pair_ah(&pair_st, dir, spi ^ 1, seq, 12, len + 28, ts);
        } else if (ike_dissector.probe(copy, len, port, port) == PROBE_YES) {
            ipsec_pair_ike_seen(&pair_st);
        }
        ts++;
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
    /* The flow ends: its IKE facts join the pair's, as sensor/ipsec_peers.c does. */
    ipsec_pair_add_ike(&pair_st, (const struct ike_state *)st, false);
    static const uint8_t a[16] = {192, 0, 2, 1}, b[16] = {10, 0, 0, 1};
    struct ipsec_pair_id id = {.id = 1, .family = 4, .addr = {a, b}, .first_ts = 1, .last_ts = ts};
    ipsec_pair_observe(&pair_st, &id, &pair);
    if (devnull)
        emit_obs_write_pair(&w, devnull, &pair);
    static struct zert_detail rec;
    struct ipsec_pair_view v;
    memset(&rec, 0, sizeof(rec));
    ipsec_pair_view(&pair_st, &id, &v, &rec);
    jw_fini(&w);
    ike_dissector.state_free(st);
    ipsec_pair_state_fini(&pair_st);
    return 0;
}
