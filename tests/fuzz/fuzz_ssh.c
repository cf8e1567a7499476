/* fuzz_ssh.c - libFuzzer target: two SSH byte streams through every ssh_dissector callback. */
#include <stdlib.h>
#include <string.h>

#include "../../dissectors/ssh.h"
#include "../../emit/emit_obs.h"

/*
 * Input: byte 0 is a delimiter, byte 1 flags; the rest is the client stream
 * up to the first delimiter byte, then the server stream. Flags: bits 0-5
 * chunk size - 1, bit 6 a gap in the server stream half way, bit 7 the
 * server's chunks go first. The streams are fed in interleaved chunks with
 * the buffering sensor/app.c does (DISSECT_NEED waits, DONE detaches).
 */

struct fuzz_dir {
    const uint8_t *src;
    size_t len, off;
    uint8_t *pend;
    size_t have;
    size_t need;
    bool done;
};

static bool fuzz_bad;

static void
fuzz_step(void *st, struct fuzz_dir *d, int dir, size_t chunk)
{
    if (d->done)
        d->off = d->len; /* detached: the rest of this direction is not delivered */
    if (d->done || fuzz_bad || d->off >= d->len)
        return;
    size_t n = d->len - d->off < chunk ? d->len - d->off : chunk;
    memcpy(d->pend + d->have, d->src + d->off, n);
    d->have += n;
    d->off += n;
    while (d->have && d->have >= d->need && !d->done && !fuzz_bad) {
        struct dissect_result r = ssh_dissector.on_data(st, dir, d->pend, d->have, 0);
        if (r.consumed > d->have)
            abort(); /* contract: never more than offered */
        switch (r.status) {
        case DISSECT_BAD:
            fuzz_bad = true;
            return;
        case DISSECT_DONE:
            d->done = true;
            return;
        case DISSECT_NEED:
            memmove(d->pend, d->pend + r.consumed, d->have - r.consumed);
            d->have -= r.consumed;
            d->need = d->have + r.needed;
            if (r.needed == 0)
                abort(); /* NEED must ask for more */
            break;
        case DISSECT_OK: {
            size_t before = d->have;
            memmove(d->pend, d->pend + r.consumed, d->have - r.consumed);
            d->have -= r.consumed;
            d->need = r.consumed == 0 ? before + 1 : 0;
            break;
        }
        }
        if (r.consumed == 0)
            break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint8_t delim = data[0], flags = data[1];
    const uint8_t *rest = data + 2;
    size_t n = size - 2, cut = n;
    for (size_t i = 0; i < n; i++)
        if (rest[i] == delim) {
            cut = i;
            break;
        }
    struct fuzz_dir dirs[2] = {
        {.src = rest, .len = cut},
        {.src = rest + (cut < n ? cut + 1 : n), .len = cut < n ? n - cut - 1 : 0},
    };
    dirs[0].pend = malloc(dirs[0].len + 1);
    dirs[1].pend = malloc(dirs[1].len + 1);
    size_t chunk = (size_t)(flags & 63) + 1;
    bool gap = flags & 64, server_first = flags & 128;
    fuzz_bad = false;

    /* probe as the stream layer does, on whatever each side shows first */
    for (int d = 0; d < 2; d++)
        (void)ssh_dissector.probe(dirs[d].src, dirs[d].len, d);

    void *st = ssh_dissector.state_new();
    if (!st)
        abort();
    bool gapped = false;
    while (!fuzz_bad && (dirs[0].off < dirs[0].len || dirs[1].off < dirs[1].len)) {
        int first = server_first ? DIR_S2C : DIR_C2S;
        fuzz_step(st, &dirs[first], first, chunk);
        if (gap && !gapped && dirs[1].off >= dirs[1].len / 2) {
            gapped = true;
            if (!dirs[1].done) {
                /* the layer drops what it buffered and reports it with the hole */
                ssh_dissector.on_gap(st, DIR_S2C, 37 + dirs[1].have);
                dirs[1].have = 0;
                dirs[1].need = 0;
            }
        }
        fuzz_step(st, &dirs[first ^ 1], first ^ 1, chunk);
    }
    ssh_dissector.on_end(st, 0);

    static struct obs_proto p;
    p.kind = OBS_NONE;
    ssh_dissector.fill_observation(st, &p);
    struct json_writer w;
    jw_init(&w);
    emit_obs_build_object(&w, &p);
    if (w.depth != 0)
        abort(); /* unbalanced objects */
    jw_fini(&w);
    struct observation_facts o = {.handshake_first = true};
    ssh_dissector.get_observation(st, &o);
    if (o.incomplete && !o.incomplete_why)
        abort(); /* every incomplete observation says why */
    ssh_dissector.state_free(st);
    free(dirs[0].pend);
    free(dirs[1].pend);
    return 0;
}
