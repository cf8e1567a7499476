/* fuzz_tls.c - libFuzzer target: two TLS byte streams (with gaps) through tls_dissector. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../dissectors/cursor.h"
#include "../../dissectors/tls.h"
#include "../../emit/emit_obs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input: frames [flags u8][length be16][bytes] (tests/tools/make_tls_seeds.py): flags bit 0
 * is the direction, bit 1 a gap of `length` bytes; bits 2-4 split each frame's bytes into
 * that many extra calls, so record and message boundaries land anywhere. The layer's
 * buffering (sensor/app.c) is reproduced: bytes a call did not consume are offered again
 * with the next frame appended, up to a bound.
 */
#define FUZZ_BUF 65536

struct fuzz_dir {
    uint8_t buf[FUZZ_BUF];
    size_t len;
    size_t need;
    int done;
};

static struct fuzz_dir fuzz_dirs[2];

static void
fuzz_feed(void *st, int dir, const uint8_t *p, size_t n, int *bad)
{
    struct fuzz_dir *d = &fuzz_dirs[dir];
    if (d->done || *bad)
        return;
    if (d->len + n > FUZZ_BUF) {
        tls_dissector.on_gap(st, dir, d->len + n);
        d->len = 0;
        d->need = 0;
        return;
    }
    struct cursor c = cur_init(p, n);
    cur_copy(&c, d->buf + d->len, n);
    d->len += n;
    while (d->len && d->len >= d->need && !d->done && !*bad) {
        struct dissect_result r = tls_dissector.on_data(st, dir, d->buf, d->len, 0);
        size_t used = r.consumed > d->len ? d->len : r.consumed;
        size_t before = d->len;
        memmove(d->buf, d->buf + used, d->len - used);
        d->len -= used;
        switch (r.status) {
        case DISSECT_BAD:
            *bad = 1;
            return;
        case DISSECT_DONE:
            d->done = 1;
            return;
        case DISSECT_NEED:
            d->need = d->len + r.needed;
            break;
        case DISSECT_OK:
            d->need = used == 0 ? before + 1 : 0;
            break;
        }
        if (used == 0)
            break;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cursor in = cur_init(data, size);
    void *st = tls_dissector.state_new();
    int bad = 0;
    if (!st)
        return 0;
    for (int i = 0; i < 2; i++) {
        fuzz_dirs[i].len = fuzz_dirs[i].need = 0;
        fuzz_dirs[i].done = 0;
    }
    while (cur_left(&in) >= 3) {
        uint8_t flags = cur_get_u8(&in);
        uint16_t len = cur_get_be16(&in);
        int dir = flags & 1;
        if (flags & 2) {
            if (!fuzz_dirs[dir].done && !bad) {
                fuzz_dirs[dir].len = fuzz_dirs[dir].need = 0;
                tls_dissector.on_gap(st, dir, len);
            }
            continue;
        }
        size_t n = len < cur_left(&in) ? len : cur_left(&in);
        struct cursor frame = cur_take(&in, n);
        size_t pieces = 1 + ((flags >> 2) & 7);
        size_t step = n / pieces + 1;
        while (cur_left(&frame)) {
            size_t k = step < cur_left(&frame) ? step : cur_left(&frame);
            fuzz_feed(st, dir, cur_get_bytes(&frame, k), k, &bad);
        }
    }
    tls_dissector.on_end(st, 0);
    static struct obs_proto p;
    p.kind = OBS_NONE;
    tls_dissector.fill_observation(st, &p);
    struct json_writer w;
    jw_init(&w);
    emit_obs_build_object(&w, &p);
    jw_fini(&w);
    struct observation_facts o = {0};
    tls_dissector.get_observation(st, &o);
    tls_dissector.state_free(st);
    return 0;
}
