/* flow_key.c - direction-symmetric flow key and its seeded hash. */
#include <string.h>

#include "flow.h"
#include "packet.h"

static const char *const end_names[] = {
    [FLOW_END_NONE] = "none",
    [FLOW_END_FIN] = "fin",
    [FLOW_END_RST] = "rst",
    [FLOW_END_IDLE] = "idle_timeout",
    [FLOW_END_EVICTED] = "evicted",
    [FLOW_END_REUSED] = "reused",
    [FLOW_END_END_OF_CAPTURE] = "end_of_capture",
};

const char *
flow_end_reason_name(enum flow_end_reason r)
{
    if ((unsigned)r >= sizeof(end_names) / sizeof(end_names[0]))
        return "unknown";
    return end_names[r];
}

void
flow_key_from_packet(const struct packet *p, struct flow_key *k)
{
    memset(k, 0, sizeof(*k));
    k->family = p->family;
    k->proto = p->proto;
    uint16_t sp = 0, dp = 0;
    if (p->proto == IPPROTO_NUM_TCP || p->proto == IPPROTO_NUM_UDP) {
        sp = p->sport;
        dp = p->dport;
    } else {
        k->spi = p->spi;
    }
    int c = memcmp(p->src, p->dst, 16);
    if (c < 0 || (c == 0 && sp <= dp)) {
        memcpy(k->addr_lo, p->src, 16);
        memcpy(k->addr_hi, p->dst, 16);
        k->port_lo = sp;
        k->port_hi = dp;
    } else {
        memcpy(k->addr_lo, p->dst, 16);
        memcpy(k->addr_hi, p->src, 16);
        k->port_lo = dp;
        k->port_hi = sp;
    }
}

bool
flow_key_equal(const struct flow_key *a, const struct flow_key *b)
{
    return memcmp(a, b, sizeof(*a)) == 0;
}

static inline uint64_t
mix64(uint64_t x)
{
    /* splitmix64 finaliser: every input bit affects every output bit */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

uint32_t
flow_key_hash(const struct flow_key *k, uint64_t seed)
{
    /* The key is 48 bytes with no padding holes (pad[] is zeroed): hash it as words. */
    _Static_assert(sizeof(struct flow_key) % 8 == 0, "flow_key must be a whole number of words");
    const unsigned char *b = (const unsigned char *)k;
    uint64_t h = seed ^ 0x9e3779b97f4a7c15ULL;
    for (size_t i = 0; i < sizeof(*k); i += 8) {
        uint64_t w;
        memcpy(&w, b + i, 8);
        h = mix64(h ^ w);
    }
    return (uint32_t)(h ^ (h >> 32));
}
