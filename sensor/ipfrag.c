/* ipfrag.c - bounded IPv4/IPv6 fragment reassembly: fixed slots, first data wins. */
#include <stdlib.h>
#include <string.h>

#include "ipfrag.h"
#include "stats.h"

#define UNITS ((IPFRAG_MAX_PAYLOAD + 7) / 8)

struct frag_slot {
    bool in_use;
    struct ipfrag_id id;
    uint64_t first_ts;
    uint32_t total; /* payload length, known once the last fragment arrived */
    bool total_known;
    uint8_t *buf; /* IPFRAG_MAX_PAYLOAD bytes, allocated on first use */
    uint8_t have[(UNITS + 7) / 8];
};

struct ipfrag {
    unsigned nslots;
    unsigned pending;
    uint64_t timeout_us;
    struct frag_slot *slots;
};

struct ipfrag *
ipfrag_new(unsigned slots, uint64_t timeout_us)
{
    struct ipfrag *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->slots = calloc(slots ? slots : 1, sizeof(*f->slots));
    if (!f->slots) {
        free(f);
        return NULL;
    }
    f->nslots = slots ? slots : 1;
    f->timeout_us = timeout_us;
    return f;
}

void
ipfrag_free(struct ipfrag *f)
{
    if (!f)
        return;
    for (unsigned i = 0; i < f->nslots; i++)
        free(f->slots[i].buf);
    free(f->slots);
    free(f);
}

unsigned
ipfrag_pending(const struct ipfrag *f)
{
    return f->pending;
}

static void
slot_release(struct ipfrag *f, struct frag_slot *s)
{
    s->in_use = false;
    s->total_known = false;
    s->total = 0;
    memset(s->have, 0, sizeof(s->have));
    f->pending--;
}

static bool
unit_has(const struct frag_slot *s, uint32_t u)
{
    return (s->have[u >> 3] >> (u & 7)) & 1;
}

static void
unit_set(struct frag_slot *s, uint32_t u)
{
    s->have[u >> 3] |= (uint8_t)(1u << (u & 7));
}

static bool
slot_complete(const struct frag_slot *s)
{
    if (!s->total_known)
        return false;
    uint32_t units = (s->total + 7) / 8;
    for (uint32_t u = 0; u < units; u++)
        if (!unit_has(s, u))
            return false;
    return true;
}

static void
expire(struct ipfrag *f, uint64_t now)
{
    for (unsigned i = 0; i < f->nslots && f->pending; i++) {
        struct frag_slot *s = &f->slots[i];
        if (s->in_use && now > s->first_ts + f->timeout_us) {
            STAT_INC(frag_timeout);
            slot_release(f, s);
        }
    }
}

static struct frag_slot *
slot_find(struct ipfrag *f, const struct ipfrag_id *id, uint64_t ts)
{
    struct frag_slot *free_slot = NULL;
    for (unsigned i = 0; i < f->nslots; i++) {
        struct frag_slot *s = &f->slots[i];
        if (!s->in_use) {
            if (!free_slot)
                free_slot = s;
            continue;
        }
        if (s->id.family == id->family && s->id.proto == id->proto && s->id.id == id->id &&
            memcmp(s->id.src, id->src, 16) == 0 && memcmp(s->id.dst, id->dst, 16) == 0)
            return s;
    }
    if (!free_slot) {
        STAT_INC(frag_no_slot);
        return NULL;
    }
    if (!free_slot->buf) {
        free_slot->buf = malloc(IPFRAG_MAX_PAYLOAD);
        if (!free_slot->buf) {
            STAT_INC(frag_no_slot);
            return NULL;
        }
    }
    free_slot->in_use = true;
    free_slot->id = *id;
    free_slot->first_ts = ts;
    f->pending++;
    return free_slot;
}

bool
ipfrag_add(struct ipfrag *f, const struct ipfrag_id *id, uint64_t ts_us, uint32_t offset, bool more,
           const uint8_t *data, size_t len, const uint8_t **out, size_t *out_len)
{
    STAT_INC(frag_fragments);
    expire(f, ts_us);
    if ((uint64_t)offset + len > IPFRAG_MAX_PAYLOAD) {
        STAT_INC(frag_too_big);
        return false;
    }
    /* Only the last fragment may end off an 8-byte boundary. */
    if (more && (len == 0 || (len & 7))) {
        STAT_INC(frag_bad);
        return false;
    }
    struct frag_slot *s = slot_find(f, id, ts_us);
    if (!s)
        return false;
    uint32_t end = offset + (uint32_t)len;
    if (!more) {
        if (s->total_known && s->total != end) {
            STAT_INC(frag_bad);
            slot_release(f, s);
            return false;
        }
        s->total = end;
        s->total_known = true;
    }
    if (s->total_known && end > s->total) {
        STAT_INC(frag_bad);
        slot_release(f, s);
        return false;
    }
    /* First data wins: copy only units not yet held; compare the rest. */
    for (uint32_t u = offset / 8; u * 8 < end; u++) {
        uint32_t a = u * 8, b = a + 8 < end ? a + 8 : end;
        const uint8_t *src = data + (a - offset);
        if (unit_has(s, u)) {
            if (memcmp(s->buf + a, src, b - a) != 0)
                STAT_INC(frag_overlap_inconsistent);
            continue;
        }
        memcpy(s->buf + a, src, b - a);
        unit_set(s, u);
    }
    if (!slot_complete(s))
        return false;
    *out = s->buf;
    *out_len = s->total;
    STAT_INC(frag_reassembled);
    /* The buffer stays valid until the next call: release the slot now, reuse later. */
    slot_release(f, s);
    return true;
}
