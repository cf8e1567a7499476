/* decode.c - link (Ethernet, SLL, SLL2, raw, null/loop), VLAN, MPLS, IPv4/IPv6, tunnels,
 * TCP/UDP/ESP/AH. */
#include <arpa/inet.h>
#include <pcap/dlt.h>
#include <string.h>

#include "../dissectors/cursor.h"
#include "../emit/json_writer.h"
#include "decode.h"
#include "ipfrag.h"
#include "stats.h"

#define ETH_IPV4  0x0800
#define ETH_IPV6  0x86DD
#define ETH_VLAN  0x8100
#define ETH_QINQ  0x88A8
#define ETH_QINQ1 0x9100
#define ETH_QINQ2 0x9200
#define ETH_MPLS  0x8847
#define ETH_MPLSM 0x8848
#define ETH_PPPOE 0x8864
#define ETH_TEB   0x6558 /* transparent Ethernet bridging (GRE) */

#define MAX_ENCAP 4  /* tunnels removed from one packet */
#define MAX_VLAN  16 /* tags read before giving up */
#define MAX_MPLS  16

#define UDP_PORT_VXLAN  4789
#define UDP_PORT_TEREDO 3544
#define UDP_PORT_GTPU   2152 /* 3GPP TS 29.281 */
#define UDP_PORT_GENEVE 6081 /* RFC 8926 */

#define GTPU_G_PDU 255 /* the message type that carries a user datagram (T-PDU) */

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

struct decoder {
    struct packet *pkt;
    struct ipfrag *frag;
    bool snap_cut; /* the capture kept fewer bytes than the frame had on the wire */
};

static enum decode_result decode_ether(struct decoder *d, struct cursor c);
static enum decode_result decode_ethertype(struct decoder *d, uint16_t type, struct cursor c);
static enum decode_result decode_ip(struct decoder *d, struct cursor c);

bool
decode_linktype_supported(int dlt)
{
    switch (dlt) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
    case DLT_NULL:
    case DLT_LOOP:
        return true;
    default:
        return false;
    }
}

const char *
decode_addr_str(int family, const uint8_t addr[16], char *buf, size_t len)
{
    jw_addr_text(family == 6 ? 6 : 4, addr, buf, len);
    return buf;
}

/* ---- transport ---- */

static enum decode_result decode_transport(struct decoder *d, uint8_t proto, struct cursor c,
                                           uint32_t lost);

/*
 * A tunnel header that cannot be read: counted as bad unless the capture cut the datagram (then
 * the header is only missing). Either way the datagram stays plain UDP.
 */
static bool
tunnel_unreadable(struct decoder *d, uint64_t *bad_counter)
{
    if (d->pkt->payload_lost == 0)
        (*bad_counter)++;
    return false;
}

/* The inner datagram of a tunnel: IPv4 or IPv6 by its version nibble; else not decapsulated. */
static bool
inner_is_ip(struct cursor c)
{
    uint8_t b = 0;
    return cur_peek_at(&c, 0, &b) && ((b >> 4) == 4 || (b >> 4) == 6);
}

/*
 * GTP-U (3GPP TS 29.281 §5): flags (version 1, PT 1, E, S, PN), message type, length of what
 * follows the first 8 bytes, TEID; with any of E/S/PN, a sequence number, an N-PDU number and
 * the type of the first extension header; each extension header is a length in 4-byte units
 * (its own length and next-type bytes included), content, and the next type (0: the last).
 * A G-PDU then carries an IPv4 or IPv6 datagram. Other messages (echo, error indication, end
 * marker) are signalling: plain UDP.
 */
static bool
gtpu_inner(struct decoder *d, struct cursor c, struct cursor *inner)
{
    uint8_t flags = cur_get_u8(&c);
    uint8_t type = cur_get_u8(&c);
    uint16_t len = cur_get_be16(&c);
    cur_skip(&c, 4); /* TEID */
    if (!cur_ok(&c))
        return tunnel_unreadable(d, &g_stats.gtpu_bad_header);
    if ((flags >> 5) != 1 || !(flags & 0x10)) { /* GTPv1, PT 1 (GTP' is 0) */
        STAT_INC(gtpu_bad_header);
        return false;
    }
    if (type != GTPU_G_PDU)
        return false;
    if (len > cur_left(&c) && d->pkt->payload_lost == 0)
        return tunnel_unreadable(d, &g_stats.gtpu_bad_header);
    struct cursor body = cur_take(&c, len <= cur_left(&c) ? len : cur_left(&c));
    if (flags & 0x07) {
        cur_skip(&body, 3); /* sequence number, N-PDU number */
        uint8_t next = cur_get_u8(&body);
        while (next != 0 && cur_ok(&body)) {
            uint8_t units = cur_get_u8(&body);
            if (units == 0 && cur_ok(&body)) { /* a chain that cannot end */
                STAT_INC(gtpu_bad_header);
                return false;
            }
            cur_skip(&body, (size_t)units * 4 - 2);
            next = cur_get_u8(&body);
        }
    }
    if (!cur_ok(&body))
        return tunnel_unreadable(d, &g_stats.gtpu_bad_header);
    *inner = body;
    return inner_is_ip(body); /* an empty or non-IP T-PDU: not for us */
}

/*
 * GENEVE (RFC 8926 §3.4): version (0) and options length in 4-byte units, O and C flags,
 * protocol type, VNI; each option is a class, a type and a length in 4-byte units. The payload
 * is an Ethernet frame (0x6558) or an IP datagram (0x0800, 0x86DD); other protocols stay UDP.
 */
static bool
geneve_inner(struct decoder *d, struct cursor c, struct cursor *inner, uint16_t *ptype)
{
    uint8_t b0 = cur_get_u8(&c);
    cur_skip(&c, 1); /* O (control packet) and C (critical options) flags */
    *ptype = cur_get_be16(&c);
    cur_skip(&c, 4); /* VNI, reserved */
    struct cursor opts = cur_take(&c, (size_t)(b0 & 0x3f) * 4);
    while (cur_ok(&opts) && cur_left(&opts) > 0) {
        cur_skip(&opts, 3); /* class, type */
        cur_skip(&opts, (size_t)(cur_get_u8(&opts) & 0x1f) * 4);
    }
    if (cur_ok(&c) && (b0 >> 6) != 0) { /* version 0 is the only one */
        STAT_INC(geneve_bad_header);
        return false;
    }
    if (!cur_ok(&c) || !cur_ok(&opts))
        return tunnel_unreadable(d, &g_stats.geneve_bad_header);
    *inner = c;
    return *ptype == ETH_TEB || *ptype == ETH_IPV4 || *ptype == ETH_IPV6;
}

/*
 * UDP tunnels: VXLAN, Teredo, GTP-U and GENEVE. True when the datagram was a tunnel and was
 * decapsulated: *r is then the inner packet's result, whatever it is. False: plain UDP.
 */
static bool
decode_udp_tunnel(struct decoder *d, struct cursor payload, enum decode_result *r)
{
    struct packet *p = d->pkt;
    struct cursor inner;
    uint16_t ptype = ETH_IPV4;
    if (p->dport == UDP_PORT_VXLAN || p->sport == UDP_PORT_VXLAN) {
        struct cursor v = payload;
        uint8_t flags = cur_get_u8(&v);
        cur_skip(&v, 7);
        if (!cur_ok(&v) || !(flags & 0x08))
            return false;
        inner = v;
        ptype = ETH_TEB;
    } else if (p->dport == UDP_PORT_TEREDO || p->sport == UDP_PORT_TEREDO) {
        struct cursor t = payload;
        /* Teredo authentication (0x0001) and origin indication (0x0000) headers. */
        for (int i = 0; i < 2; i++) {
            uint8_t b0 = 0, b1 = 1;
            cur_peek_at(&t, 0, &b0);
            cur_peek_at(&t, 1, &b1);
            if (b0 == 0 && b1 == 1) {
                cur_skip(&t, 2);
                uint8_t idlen = cur_get_u8(&t), aulen = cur_get_u8(&t);
                cur_skip(&t, (size_t)idlen + aulen + 9);
            } else if (b0 == 0 && b1 == 0) {
                cur_skip(&t, 8);
            }
        }
        uint8_t b = 0;
        if (!cur_ok(&t) || cur_left(&t) < 40 || !cur_peek_at(&t, 0, &b) || (b >> 4) != 6)
            return false;
        inner = t;
        ptype = ETH_IPV6;
    } else if (p->dport == UDP_PORT_GTPU) {
        if (!gtpu_inner(d, payload, &inner))
            return false;
    } else if (p->dport == UDP_PORT_GENEVE) {
        if (!geneve_inner(d, payload, &inner, &ptype))
            return false;
    } else {
        return false;
    }
    if (p->encap_depth >= MAX_ENCAP) {
        STAT_INC(encap_too_deep);
        return false;
    }
    p->encap_depth++;
    STAT_INC(pkts_tunnel_decap);
    *r = ptype == ETH_TEB ? decode_ether(d, inner) : decode_ip(d, inner);
    return true;
}

static enum decode_result
decode_transport(struct decoder *d, uint8_t proto, struct cursor c, uint32_t lost)
{
    struct packet *p = d->pkt;
    p->proto = proto;
    p->payload_lost = lost;
    switch (proto) {
    case IPPROTO_NUM_TCP: {
        p->sport = cur_get_be16(&c);
        p->dport = cur_get_be16(&c);
        p->seq = cur_get_be32(&c);
        p->ack = cur_get_be32(&c);
        uint8_t off = cur_get_u8(&c) >> 4;
        p->tcp_flags = cur_get_u8(&c);
        cur_skip(&c, 6); /* window, checksum, urgent pointer */
        if (!cur_ok(&c) || off < 5) {
            STAT_INC(tcp_bad_header);
            return DECODE_BAD;
        }
        size_t optlen = (size_t)(off - 5) * 4;
        if (cur_left(&c) < optlen && (lost == 0 || !d->snap_cut)) {
            /* options missing from a whole frame were never sent: the header is bad */
            STAT_INC(tcp_bad_header);
            return DECODE_BAD;
        }
        if (cur_left(&c) < optlen) {
            /* the capture cut inside the options: nothing of the payload is here */
            if (lost < optlen - cur_left(&c)) {
                STAT_INC(tcp_bad_header);
                return DECODE_BAD;
            }
            p->payload_lost = lost - (uint32_t)(optlen - cur_left(&c));
            cur_skip(&c, cur_left(&c));
        } else {
            cur_skip(&c, optlen);
        }
        p->payload = cur_ptr(&c);
        p->payload_len = (uint32_t)cur_left(&c);
        STAT_INC(pkts_tcp);
        return DECODE_OK;
    }
    case IPPROTO_NUM_UDP: {
        p->sport = cur_get_be16(&c);
        p->dport = cur_get_be16(&c);
        uint16_t ulen = cur_get_be16(&c);
        cur_skip(&c, 2);
        if (!cur_ok(&c)) {
            STAT_INC(udp_bad_header);
            return DECODE_BAD;
        }
        size_t avail = cur_left(&c);
        if (ulen >= 8 && (size_t)(ulen - 8) < avail)
            avail = ulen - 8u; /* trailing bytes beyond the UDP length are padding */
        else if (ulen < 8 || (size_t)(ulen - 8) > avail + lost)
            STAT_INC(udp_bad_header); /* counted; the captured bytes are still used */
        struct cursor pl = cur_take(&c, avail);
        p->payload = cur_ptr(&pl);
        p->payload_len = (uint32_t)avail;
        enum decode_result r;
        if (decode_udp_tunnel(d, pl, &r))
            return r; /* the inner packet replaced this one, or was not for us */
        STAT_INC(pkts_udp);
        return DECODE_OK;
    }
    case IPPROTO_NUM_ESP: {
        p->spi = cur_get_be32(&c);
        p->esp_seq = cur_get_be32(&c);
        if (!cur_ok(&c)) {
            STAT_INC(esp_bad_header);
            return DECODE_BAD;
        }
        p->payload = cur_ptr(&c);
        p->payload_len = (uint32_t)cur_left(&c);
        STAT_INC(pkts_esp);
        return DECODE_OK;
    }
    default:
        STAT_INC(pkts_other_proto);
        return DECODE_SKIP;
    }
}

/*
 * AH (RFC 4302): next header, payload length in 4-byte words minus 2, SPI,
 * sequence, ICV. The protected payload after it is clear text, so decoding
 * continues into it; the packet remembers the AH SPI.
 */
static bool
skip_ah(struct decoder *d, struct cursor *c, uint8_t *next)
{
    struct cursor h = *c;
    *next = cur_get_u8(&h);
    uint8_t plen = cur_get_u8(&h);
    cur_skip(&h, 2);
    uint32_t spi = cur_get_be32(&h);
    uint32_t seq = cur_get_be32(&h);
    size_t total = ((size_t)plen + 2) * 4;
    if (!cur_ok(&h) || total < 12 || total - 12 > UINT8_MAX) {
        STAT_INC(ah_bad_header);
        return false;
    }
    cur_skip(c, total);
    if (!cur_ok(c)) {
        STAT_INC(ah_bad_header);
        return false;
    }
    d->pkt->has_ah = true;
    d->pkt->ah_spi = spi;
    d->pkt->ah_seq = seq;
    d->pkt->ah_icv_len = (uint8_t)(total - 12);
    STAT_INC(pkts_ah);
    return true;
}

/* After the IP header: AH, tunnels, fragments are handled here; `c` is the IP payload. */
static enum decode_result
decode_ip_payload(struct decoder *d, uint8_t proto, struct cursor c, uint32_t lost)
{
    struct packet *p = d->pkt;
    for (;;) {
        switch (proto) {
        case IPPROTO_NUM_AH:
            if (!skip_ah(d, &c, &proto))
                return DECODE_BAD;
            continue;
        case 4:  /* IPv4 in IP */
        case 41: /* IPv6 in IP */
            if (p->encap_depth >= MAX_ENCAP) {
                STAT_INC(encap_too_deep);
                return DECODE_SKIP;
            }
            p->encap_depth++;
            STAT_INC(pkts_tunnel_decap);
            return decode_ip(d, c);
        case 47: { /* GRE, versions 0 and 1 */
            if (p->encap_depth >= MAX_ENCAP) {
                STAT_INC(encap_too_deep);
                return DECODE_SKIP;
            }
            uint16_t flags = cur_get_be16(&c);
            uint16_t type = cur_get_be16(&c);
            if ((flags & 7) == 1) /* PPTP enhanced GRE */
                return DECODE_SKIP;
            if (flags & 0x8000)
                cur_skip(&c, 4);
            if (flags & 0x2000)
                cur_skip(&c, 4);
            if (flags & 0x1000)
                cur_skip(&c, 4);
            if (!cur_ok(&c))
                return DECODE_SKIP;
            p->encap_depth++;
            STAT_INC(pkts_tunnel_decap);
            if (type == ETH_TEB)
                return decode_ether(d, c);
            return decode_ethertype(d, type, c);
        }
        default:
            return decode_transport(d, proto, c, lost);
        }
    }
}

static enum decode_result
reassemble(struct decoder *d, uint8_t proto, uint32_t id, uint32_t offset, bool more,
           struct cursor c)
{
    struct packet *p = d->pkt;
    if (!d->frag)
        return DECODE_SKIP;
    struct ipfrag_id fid = {.family = p->family, .proto = proto, .id = id};
    memcpy(fid.src, p->src, 16);
    memcpy(fid.dst, p->dst, 16);
    const uint8_t *whole;
    size_t whole_len;
    size_t len = cur_left(&c);
    if (!ipfrag_add(d->frag, &fid, p->ts_us, offset, more, cur_ptr(&c), len, &whole, &whole_len))
        return DECODE_HELD;
    p->reassembled = true;
    p->l3 = NULL; /* the datagram exists only in pieces: no contiguous IP packet to show */
    p->l3_len = 0;
    p->ip_len += (uint32_t)whole_len - (uint32_t)len;
    return decode_ip_payload(d, proto, cur_init(whole, whole_len), 0);
}

static enum decode_result
decode_ipv4(struct decoder *d, struct cursor c)
{
    struct packet *p = d->pkt;
    const uint8_t *hdr = cur_ptr(&c);
    struct cursor h = c;
    uint8_t vihl = cur_get_u8(&h);
    cur_skip(&h, 1);
    uint16_t total = cur_get_be16(&h);
    uint16_t id = cur_get_be16(&h);
    uint16_t frag = cur_get_be16(&h);
    cur_skip(&h, 1);
    uint8_t proto = cur_get_u8(&h);
    cur_skip(&h, 2);
    const uint8_t *src = cur_get_bytes(&h, 4);
    const uint8_t *dst = cur_get_bytes(&h, 4);
    if (!cur_ok(&h)) {
        STAT_INC(ipv4_truncated);
        return DECODE_BAD;
    }
    size_t hlen = (size_t)(vihl & 0x0f) * 4;
    if ((vihl >> 4) != 4 || hlen < 20 || total < hlen) {
        STAT_INC(ipv4_bad_header);
        return DECODE_BAD;
    }
    if (cur_left(&c) < hlen) {
        STAT_INC(ipv4_truncated);
        return DECODE_BAD;
    }
    /* Outer headers of a tunnel are replaced by the inner ones. */
    p->family = 4;
    memset(p->src, 0, 16);
    memset(p->dst, 0, 16);
    memcpy(p->src, src, 4);
    memcpy(p->dst, dst, 4);
    p->ip_len = total;
    STAT_INC(pkts_ipv4);
    cur_skip(&c, hlen);
    size_t want = total - hlen;
    uint32_t lost = 0;
    if (cur_left(&c) < want) {
        lost = (uint32_t)(want - cur_left(&c));
        STAT_INC(ipv4_snaplen_cut);
        want = cur_left(&c);
    }
    struct cursor body = cur_take(&c, want); /* drops Ethernet padding */
    p->l3 = hdr; /* innermost so far: a tunnel's inner header replaces it */
    p->l3_len = (uint32_t)(hlen + want);
    uint32_t offset = (uint32_t)(frag & 0x1fff) * 8;
    bool more = (frag & 0x2000) != 0;
    if (offset || more) {
        if (lost) {
            STAT_INC(frag_bad);
            return DECODE_BAD;
        }
        return reassemble(d, proto, id, offset, more, body);
    }
    return decode_ip_payload(d, proto, body, lost);
}

static bool
ipv6_ext(uint8_t nh)
{
    return nh == 0 || nh == 43 || nh == 60 || nh == 44 || nh == 135 || nh == 139 || nh == 140;
}

static enum decode_result
decode_ipv6(struct decoder *d, struct cursor c)
{
    struct packet *p = d->pkt;
    const uint8_t *hdr = cur_ptr(&c);
    uint32_t vtf = cur_get_be32(&c);
    uint16_t plen = cur_get_be16(&c);
    uint8_t nh = cur_get_u8(&c);
    cur_skip(&c, 1);
    const uint8_t *src = cur_get_bytes(&c, 16);
    const uint8_t *dst = cur_get_bytes(&c, 16);
    if (!cur_ok(&c)) {
        STAT_INC(ipv6_truncated);
        return DECODE_BAD;
    }
    if ((vtf >> 28) != 6) {
        STAT_INC(ipv6_bad_header);
        return DECODE_BAD;
    }
    p->family = 6;
    memcpy(p->src, src, 16);
    memcpy(p->dst, dst, 16);
    STAT_INC(pkts_ipv6);
    size_t want = plen ? plen : cur_left(&c); /* 0: jumbogram, take what was captured */
    uint32_t lost = 0;
    if (cur_left(&c) < want) {
        lost = (uint32_t)(want - cur_left(&c));
        STAT_INC(ipv6_snaplen_cut);
        want = cur_left(&c);
    }
    p->ip_len = (uint32_t)(40 + (plen ? plen : want));
    struct cursor body = cur_take(&c, want);
    p->l3 = hdr; /* innermost so far: a tunnel's inner header replaces it */
    p->l3_len = (uint32_t)(40 + want);
    bool fragmented = false;
    uint32_t frag_off = 0, frag_id = 0;
    bool more = false;
    for (int n = 0; ipv6_ext(nh) && n < 16; n++) {
        uint8_t next = cur_get_u8(&body);
        if (nh == 44) {
            cur_skip(&body, 1);
            uint16_t fo = cur_get_be16(&body);
            frag_id = cur_get_be32(&body);
            frag_off = (uint32_t)(fo & 0xfff8);
            more = (fo & 1) != 0;
            fragmented = frag_off != 0 || more; /* an atomic fragment is a whole datagram */
        } else {
            uint8_t hl = cur_get_u8(&body);
            cur_skip(&body, (size_t)hl * 8 + 6);
        }
        if (!cur_ok(&body)) {
            STAT_INC(ipv6_bad_ext_header);
            return DECODE_BAD;
        }
        nh = next;
        if (fragmented)
            break;
    }
    if (ipv6_ext(nh)) {
        STAT_INC(ipv6_bad_ext_header);
        return DECODE_BAD;
    }
    if (fragmented) {
        if (lost) {
            STAT_INC(frag_bad);
            return DECODE_BAD;
        }
        return reassemble(d, nh, frag_id, frag_off, more, body);
    }
    return decode_ip_payload(d, nh, body, lost);
}

static enum decode_result
decode_ip(struct decoder *d, struct cursor c)
{
    uint8_t b = 0;
    if (!cur_peek_at(&c, 0, &b)) {
        STAT_INC(link_truncated);
        return DECODE_BAD;
    }
    if ((b >> 4) == 4)
        return decode_ipv4(d, c);
    if ((b >> 4) == 6)
        return decode_ipv6(d, c);
    STAT_INC(pkts_non_ip);
    return DECODE_SKIP;
}

static enum decode_result
decode_mpls(struct decoder *d, struct cursor c)
{
    struct packet *p = d->pkt;
    STAT_INC(pkts_mpls);
    for (int n = 0;; n++) {
        uint32_t label = cur_get_be32(&c);
        if (!cur_ok(&c) || n >= MAX_MPLS) {
            STAT_INC(mpls_bad);
            return DECODE_BAD;
        }
        p->mpls_depth++;
        if (label & 0x100) /* bottom of stack */
            break;
    }
    uint8_t b = 0;
    if (!cur_peek_at(&c, 0, &b)) {
        STAT_INC(mpls_bad);
        return DECODE_BAD;
    }
    if ((b >> 4) == 4 || (b >> 4) == 6)
        return decode_ip(d, c);
    if ((b >> 4) == 0 && p->encap_depth < MAX_ENCAP) {
        /* pseudowire control word, then an Ethernet frame */
        cur_skip(&c, 4);
        p->encap_depth++;
        return decode_ether(d, c);
    }
    STAT_INC(pkts_non_ip);
    return DECODE_SKIP;
}

static enum decode_result
decode_ethertype(struct decoder *d, uint16_t type, struct cursor c)
{
    struct packet *p = d->pkt;
    for (int n = 0; type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ1 || type == ETH_QINQ2;
         n++) {
        uint16_t tci = cur_get_be16(&c);
        type = cur_get_be16(&c);
        if (!cur_ok(&c)) {
            STAT_INC(link_truncated);
            return DECODE_BAD;
        }
        if (n >= MAX_VLAN) {
            STAT_INC(vlan_too_deep);
            return DECODE_BAD;
        }
        if (p->vlan_depth < PACKET_MAX_VLAN)
            p->vlan[p->vlan_depth] = tci & 0x0fff;
        if (p->vlan_depth < UINT8_MAX)
            p->vlan_depth++;
        if (n == 0)
            STAT_INC(pkts_vlan);
    }
    switch (type) {
    case ETH_IPV4:
    case ETH_IPV6:
        return decode_ip(d, c);
    case ETH_MPLS:
    case ETH_MPLSM:
        return decode_mpls(d, c);
    case ETH_PPPOE: {
        cur_skip(&c, 6);
        uint16_t ppp = cur_get_be16(&c);
        if (!cur_ok(&c)) {
            STAT_INC(link_truncated);
            return DECODE_BAD;
        }
        if (ppp == 0x0021 || ppp == 0x0057)
            return decode_ip(d, c);
        break;
    }
    default:
        break;
    }
    STAT_INC(pkts_non_ip);
    return DECODE_SKIP;
}

static enum decode_result
decode_ether(struct decoder *d, struct cursor c)
{
    cur_skip(&c, 12);
    uint16_t type = cur_get_be16(&c);
    if (!cur_ok(&c)) {
        STAT_INC(link_truncated);
        return DECODE_BAD;
    }
    if (type < 0x0600) {
        /* 802.3 length: IP only behind LLC/SNAP AA AA 03 + OUI */
        uint8_t dsap = cur_get_u8(&c), ssap = cur_get_u8(&c), ctl = cur_get_u8(&c);
        if (dsap != 0xAA || ssap != 0xAA || ctl != 0x03) {
            STAT_INC(pkts_non_ip);
            return DECODE_SKIP;
        }
        cur_skip(&c, 3);
        type = cur_get_be16(&c);
        if (!cur_ok(&c)) {
            STAT_INC(link_truncated);
            return DECODE_BAD;
        }
    }
    return decode_ethertype(d, type, c);
}

enum decode_result
decode_packet(int dlt, const uint8_t *data, size_t caplen, uint32_t wire_len, uint64_t ts_us,
              struct ipfrag *frag, struct packet *pkt)
{
    memset(pkt, 0, sizeof(*pkt));
    pkt->ts_us = ts_us;
    pkt->wire_len = wire_len;
    struct decoder d = {pkt, frag, caplen < wire_len};
    struct cursor c = cur_init(data, caplen);
    switch (dlt) {
    case DLT_EN10MB:
        return decode_ether(&d, c);
    case DLT_LINUX_SLL: {
        cur_skip(&c, 14);
        uint16_t proto = cur_get_be16(&c);
        if (!cur_ok(&c)) {
            STAT_INC(link_truncated);
            return DECODE_BAD;
        }
        return decode_ethertype(&d, proto, c);
    }
    case DLT_LINUX_SLL2: {
        uint16_t proto = cur_get_be16(&c);
        cur_skip(&c, 18);
        if (!cur_ok(&c)) {
            STAT_INC(link_truncated);
            return DECODE_BAD;
        }
        return decode_ethertype(&d, proto, c);
    }
    case DLT_NULL:
    case DLT_LOOP: {
        /* DLT_NULL is in the capturing host's byte order; DLT_LOOP in network order. */
        struct cursor h = c;
        uint32_t af = dlt == DLT_LOOP ? cur_get_be32(&h) : cur_get_le32(&h);
        cur_skip(&c, 4);
        if (!cur_ok(&c)) {
            STAT_INC(link_truncated);
            return DECODE_BAD;
        }
        if (dlt == DLT_NULL && (af & 0xffff) == 0)
            af = __builtin_bswap32(af);
        if (af == 2 || af == 24 || af == 28 || af == 30 || af == 10)
            return decode_ip(&d, c);
        STAT_INC(pkts_non_ip);
        return DECODE_SKIP;
    }
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
        return decode_ip(&d, c);
    default:
        STAT_INC(pkts_unsupported_linktype);
        return DECODE_SKIP;
    }
}
