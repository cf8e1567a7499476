/* fuzz_ee.c - libFuzzer: Enterprise Extender datagrams through probe, the parsers and the state. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../dissectors/ee.h"
#include "../../emit/emit_obs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input: a sequence of datagrams, each [dir:1][len:2 big-endian][bytes]; a short
 * tail is one more datagram. The first decides the probe, as app_datagram does.
 * Two flow states are fed and merged both ways, then written as JSON.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cursor c = cur_init(data, size);
    struct ee_state *st = NULL, *other = ee_dissector.state_new(0, 0);
    int k = 0;
    while (cur_left(&c) && k++ < 256) {
        uint8_t hdr = cur_get_u8(&c);
        uint16_t len = cur_get_be16(&c);
        if (!cur_ok(&c))
            break;
        if (len > cur_left(&c))
            len = (uint16_t)cur_left(&c);
        const uint8_t *p = cur_get_bytes(&c, len);
        /* a private copy, so reads past `len` are caught by ASan */
        uint8_t *copy = malloc(len ? len : 1);
        if (!copy)
            break;
        if (len)
            memcpy(copy, p, len);
        struct cursor pc = cur_init(copy, len);
        struct ee_llc l;
        struct ee_nlp n;
        if (ee_parse_llc(&pc, &l))
            (void)ee_parse_nlp(&pc, &n);
        if (!st) {
            uint16_t port = (uint16_t)(12000 + (hdr >> 4) % 6);
            (void)ee_dissector.probe(copy, len, port, port);
            st = ee_dissector.state_new(port, port);
        }
        if (st)
            ee_dissector.on_packet((hdr & 1) ? st : other, (hdr >> 1) & 1, copy, len, k);
        free(copy);
    }
    if (st && other) {
        ee_state_merge(st, other, true);
        ee_state_merge(other, st, false);
        static struct obs_proto p;
        struct json_writer w;
        jw_init(&w);
        jw_obj_open(&w);
        ee_dissector.fill_observation(st, &p);
        emit_obs_build_proto(&w, &p);
        ee_dissector.fill_observation(other, &p);
        emit_obs_build_proto(&w, &p);
        jw_obj_close(&w);
        jw_fini(&w);
        ee_dissector.on_end(st, 0);
    }
    ee_dissector.state_free(st);
    ee_dissector.state_free(other);
    return 0;
}
