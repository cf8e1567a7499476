/* community_id.c - Community ID v1 flow hashes (corelight/community-id-spec), the SOC join key. */
#include <openssl/evp.h>
#include <string.h>

#include "community_id.h"
#include "digest.h"

#define PROTO_ICMP   1
#define PROTO_TCP    6
#define PROTO_UDP    17
#define PROTO_ICMPV6 58
#define PROTO_SCTP   132

/* Does (ip, port) of x sort before or equal to that of y (the spec's "is_lt" ordering)? */
static bool
endpoint_first(const struct zert_endpoint *x, const struct zert_endpoint *y, size_t alen,
               bool ports)
{
    int c = memcmp(x->ip, y->ip, alen);
    if (c != 0)
        return c < 0;
    return !ports || x->port <= y->port;
}

bool
community_id_v1(uint8_t proto, const struct zert_endpoint *a, const struct zert_endpoint *b,
                uint16_t seed, char out[COMMUNITY_ID_LEN])
{
    /* seed (2) + two IPv6 addresses (32) + proto (1) + pad (1) + two ports (4) */
    uint8_t buf[2 + 32 + 2 + 4];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    size_t n = 0, alen;
    bool ports = proto == PROTO_TCP || proto == PROTO_UDP || proto == PROTO_SCTP;
    out[0] = '\0';
    if (!a->family || a->family != b->family || proto == PROTO_ICMP || proto == PROTO_ICMPV6)
        return false;
    alen = a->family == 4 ? 4 : 16;
    if (!endpoint_first(a, b, alen, ports)) {
        const struct zert_endpoint *t = a;
        a = b;
        b = t;
    }
    buf[n++] = (uint8_t)(seed >> 8);
    buf[n++] = (uint8_t)seed;
    memcpy(buf + n, a->ip, alen);
    n += alen;
    memcpy(buf + n, b->ip, alen);
    n += alen;
    buf[n++] = proto;
    buf[n++] = 0;
    if (ports) {
        buf[n++] = (uint8_t)(a->port >> 8);
        buf[n++] = (uint8_t)a->port;
        buf[n++] = (uint8_t)(b->port >> 8);
        buf[n++] = (uint8_t)b->port;
    }
    if (!digest_bytes(DIGEST_SHA1, buf, n, md, 20))
        return false;
    mdlen = 20;
    memcpy(out, "1:", 2);
    /* 20 bytes encode to 28 characters and a NUL: 31 in all */
    EVP_EncodeBlock((unsigned char *)out + 2, md, (int)mdlen);
    return true;
}
