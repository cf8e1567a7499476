/* test_decode.c - link/IP/transport decoding, tunnels, fragments, and every truncation of a frame.
 */
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>

#include "../../sensor/decode.h"
#include "../../sensor/ipfrag.h"
#include "../../sensor/stats.h"
#include "check.h"

/* A frame under construction. */
struct frame {
    uint8_t b[2048];
    size_t n;
};

static void
put(struct frame *f, const void *p, size_t n)
{
    memcpy(f->b + f->n, p, n);
    f->n += n;
}

static void
put8(struct frame *f, uint8_t v)
{
    put(f, &v, 1);
}

static void
put16(struct frame *f, uint16_t v)
{
    put8(f, (uint8_t)(v >> 8));
    put8(f, (uint8_t)v);
}

static void
put32(struct frame *f, uint32_t v)
{
    put16(f, (uint16_t)(v >> 16));
    put16(f, (uint16_t)v);
}

static void
eth(struct frame *f, uint16_t type)
{
    static const uint8_t macs[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    put(f, macs, 12);
    put16(f, type);
}

/* IPv4 header with total length covering `payload` bytes; returns nothing, appends 20 bytes. */
static void
ipv4(struct frame *f, uint8_t proto, size_t payload, uint16_t id, uint16_t frag)
{
    put8(f, 0x45);
    put8(f, 0);
    put16(f, (uint16_t)(20 + payload));
    put16(f, id);
    put16(f, frag);
    put8(f, 64);
    put8(f, proto);
    put16(f, 0);
    put32(f, 0x0a000001); /* 10.0.0.1 */
    put32(f, 0x0a000002); /* 10.0.0.2 */
}

static void
ipv6(struct frame *f, uint8_t nh, size_t payload)
{
    put32(f, 0x60000000);
    put16(f, (uint16_t)payload);
    put8(f, nh);
    put8(f, 64);
    uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8};
    a[15] = 1;
    put(f, a, 16);
    a[15] = 2;
    put(f, a, 16);
}

static void
tcp(struct frame *f, uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags, const char *data)
{
    put16(f, sport);
    put16(f, dport);
    put32(f, seq);
    put32(f, 0);
    put8(f, 0x50);
    put8(f, flags);
    put16(f, 65535);
    put32(f, 0);
    put(f, data, strlen(data));
}

static enum decode_result
dec(int dlt, const struct frame *f, struct packet *p)
{
    return decode_packet(dlt, f->b, f->n, (uint32_t)f->n, 1000000, NULL, p);
}

static void
test_ethernet_vlan_qinq_ipv4_tcp(void)
{
    struct frame f = {0};
    eth(&f, 0x88a8); /* QinQ outer */
    put16(&f, 100);
    put16(&f, 0x8100);
    put16(&f, 200);
    put16(&f, 0x8100); /* a third tag: any depth is allowed */
    put16(&f, 300);
    put16(&f, 0x0800);
    ipv4(&f, 6, 20 + 5, 1, 0x4000);
    tcp(&f, 40000, 443, 12345, TCP_SYN, "hello");
    put(&f, "\0\0\0\0", 4); /* Ethernet padding must not become payload */
    struct packet p;
    CHECK_EQ_INT(dec(DLT_EN10MB, &f, &p), DECODE_OK);
    CHECK_EQ_INT(p.vlan_depth, 3);
    CHECK_EQ_INT(p.vlan[0], 100);
    CHECK_EQ_INT(p.vlan[2], 300);
    CHECK_EQ_INT(p.family, 4);
    CHECK_EQ_INT(p.proto, 6);
    CHECK_EQ_INT(p.sport, 40000);
    CHECK_EQ_INT(p.dport, 443);
    CHECK_EQ_INT(p.seq, 12345);
    CHECK_EQ_INT(p.tcp_flags, TCP_SYN);
    CHECK_EQ_INT(p.payload_len, 5);
    CHECK_MEM(p.payload, "hello", 5);
    CHECK_EQ_INT(p.ip_len, 45);
    CHECK(p.src[0] == 10 && p.src[3] == 1 && p.src[4] == 0);
}

static void
test_mpls_ipv6_ext_headers(void)
{
    struct frame f = {0};
    eth(&f, 0x8847);
    put32(&f, (16u << 12) | 0x40);  /* label 16, not bottom */
    put32(&f, (17u << 12) | 0x140); /* label 17, bottom of stack */
    /* IPv6 → hop-by-hop (8 bytes) → destination options (16 bytes) → TCP */
    ipv6(&f, 0, 8 + 16 + 20 + 2);
    put8(&f, 60);
    put8(&f, 0);
    put(&f, "\1\4\0\0\0\0", 6);
    put8(&f, 6);
    put8(&f, 1);
    put(&f, "\1\14\0\0\0\0\0\0\0\0\0\0\0\0", 14);
    tcp(&f, 22, 50000, 1, TCP_ACK, "ok");
    struct packet p;
    CHECK_EQ_INT(dec(DLT_EN10MB, &f, &p), DECODE_OK);
    CHECK_EQ_INT(p.mpls_depth, 2);
    CHECK_EQ_INT(p.family, 6);
    CHECK_EQ_INT(p.proto, 6);
    CHECK_EQ_INT(p.sport, 22);
    CHECK_EQ_INT(p.payload_len, 2);
    CHECK(p.src[0] == 0x20 && p.src[15] == 1 && p.dst[15] == 2);
}

static void
test_sll_sll2_null_raw(void)
{
    struct frame ip = {0};
    ipv4(&ip, 17, 8 + 3, 7, 0);
    put16(&ip, 500);
    put16(&ip, 500);
    put16(&ip, 11);
    put16(&ip, 0);
    put(&ip, "ike", 3);
    struct packet p;

    struct frame sll = {0};
    put(&sll, "\0\0\0\1\0\6\0\1\2\3\4\5\0\0", 14);
    put16(&sll, 0x0800);
    put(&sll, ip.b, ip.n);
    CHECK_EQ_INT(dec(DLT_LINUX_SLL, &sll, &p), DECODE_OK);
    CHECK_EQ_INT(p.proto, 17);
    CHECK_EQ_INT(p.payload_len, 3);

    struct frame sll2 = {0};
    put16(&sll2, 0x0800);
    put(&sll2, "\0\0\0\0\0\2\0\1\0\6\0\1\2\3\4\5\0\0", 18);
    put(&sll2, ip.b, ip.n);
    CHECK_EQ_INT(dec(276, &sll2, &p), DECODE_OK);
    CHECK_EQ_INT(p.sport, 500);

    struct frame null_le = {0}, null_be = {0}, loop = {0};
    put(&null_le, "\2\0\0\0", 4);
    put(&null_le, ip.b, ip.n);
    put(&null_be, "\0\0\0\2", 4);
    put(&null_be, ip.b, ip.n);
    put(&loop, "\0\0\0\2", 4);
    put(&loop, ip.b, ip.n);
    CHECK_EQ_INT(dec(DLT_NULL, &null_le, &p), DECODE_OK);
    CHECK_EQ_INT(dec(DLT_NULL, &null_be, &p), DECODE_OK);
    CHECK_EQ_INT(dec(DLT_LOOP, &loop, &p), DECODE_OK);
    CHECK_EQ_INT(dec(DLT_RAW, &ip, &p), DECODE_OK);
    CHECK_EQ_INT(p.dport, 500);
}

static void
test_esp_ah(void)
{
    struct frame f = {0};
    ipv4(&f, 50, 8 + 4, 1, 0);
    put32(&f, 0xc0ffee01);
    put32(&f, 42);
    put32(&f, 0xdeadbeef);
    struct packet p;
    CHECK_EQ_INT(dec(DLT_RAW, &f, &p), DECODE_OK);
    CHECK_EQ_INT(p.proto, 50);
    CHECK(p.spi == 0xc0ffee01u);
    CHECK_EQ_INT(p.esp_seq, 42);
    CHECK_EQ_INT(p.payload_len, 4);

    /* AH (ICV 12 bytes) protecting TCP: decoding continues into the TCP segment */
    struct frame g = {0};
    ipv4(&g, 51, 24 + 20, 1, 0);
    put8(&g, 6);
    put8(&g, 4); /* (4 + 2) * 4 = 24 bytes */
    put16(&g, 0);
    put32(&g, 0x1000);
    put32(&g, 9);
    put(&g, "ICVICVICVICV", 12);
    tcp(&g, 1, 2, 3, TCP_ACK, "");
    CHECK_EQ_INT(dec(DLT_RAW, &g, &p), DECODE_OK);
    CHECK_EQ_INT(p.proto, 6);
    CHECK(p.has_ah);
    CHECK_EQ_INT(p.ah_spi, 0x1000);
    CHECK_EQ_INT(p.ah_seq, 9);
    CHECK_EQ_INT(p.ah_icv_len, 12);
}

static void
test_tunnels(void)
{
    struct frame inner = {0};
    ipv4(&inner, 6, 20, 1, 0);
    tcp(&inner, 1111, 80, 1, TCP_SYN, "");
    struct packet p;

    struct frame gre = {0};
    ipv4(&gre, 47, 4 + inner.n, 1, 0);
    put16(&gre, 0);
    put16(&gre, 0x0800);
    put(&gre, inner.b, inner.n);
    CHECK_EQ_INT(dec(DLT_RAW, &gre, &p), DECODE_OK);
    CHECK_EQ_INT(p.encap_depth, 1);
    CHECK_EQ_INT(p.dport, 80);

    struct frame vx = {0};
    ipv4(&vx, 17, 8 + 8 + 14 + inner.n, 1, 0);
    put16(&vx, 5555);
    put16(&vx, 4789);
    put16(&vx, (uint16_t)(8 + 8 + 14 + inner.n));
    put16(&vx, 0);
    put32(&vx, 0x08000000);
    put32(&vx, 0x00000100);
    eth(&vx, 0x0800);
    put(&vx, inner.b, inner.n);
    CHECK_EQ_INT(dec(DLT_RAW, &vx, &p), DECODE_OK);
    CHECK_EQ_INT(p.proto, 6);
    CHECK_EQ_INT(p.sport, 1111);

    struct frame ipip = {0};
    ipv4(&ipip, 4, inner.n, 1, 0);
    put(&ipip, inner.b, inner.n);
    CHECK_EQ_INT(dec(DLT_RAW, &ipip, &p), DECODE_OK);
    CHECK_EQ_INT(p.dport, 80);
}

static void
udp_hdr(struct frame *f, uint16_t sport, uint16_t dport, size_t payload)
{
    put16(f, sport);
    put16(f, dport);
    put16(f, (uint16_t)(8 + payload));
    put16(f, 0);
}

/* An outer IPv4/UDP datagram to `dport` around `body` (raw IP link type). */
static void
wrap_udp(struct frame *out, uint16_t dport, const struct frame *body)
{
    ipv4(out, 17, 8 + body->n, 1, 0);
    udp_hdr(out, 40000, dport, body->n);
    put(out, body->b, body->n);
}

/* A GTP-U header: flags, message type, the length field for `rest` bytes after 8, TEID. */
static void
gtpu_hdr(struct frame *f, uint8_t flags, uint8_t type, size_t rest)
{
    put8(f, flags);
    put8(f, type);
    put16(f, (uint16_t)rest);
    put32(f, 0xdeadbeef);
}

/*
 * GTP-U (TS 29.281) and GENEVE (RFC 8926): table of headers around one inner packet. `decap`:
 * the inner TCP packet comes out; else the datagram stays UDP (or, `skip`, is not for us), and
 * `bad` says whether the tunnel's bad-header counter moved.
 */
static void
test_gtpu_geneve(void)
{
    struct frame in4 = {0}, in6 = {0}, icmp = {0};
    ipv4(&in4, 6, 20, 1, 0);
    tcp(&in4, 1111, 443, 1, TCP_SYN, "");
    ipv6(&in6, 6, 20);
    tcp(&in6, 2222, 443, 1, TCP_SYN, "");
    ipv4(&icmp, 1, 8, 1, 0);
    put32(&icmp, 0x08000000);
    put32(&icmp, 0);
    struct tunnel_case {
        const char *name;
        uint16_t port;
        const struct frame *inner;
        bool decap, skip, bad;
        struct frame body;
    };
    static struct tunnel_case cases[16];
    size_t n = 0;
#define CASE(nm, prt, inr, dc, sk, bd)                                                             \
    do {                                                                                           \
        cases[n] = (struct tunnel_case){nm, prt, inr, dc, sk, bd, {{0}, 0}};                       \
    } while (0)
    struct frame *b;

    CASE("gtpu g-pdu ipv4", 2152, &in4, true, false, false);
    b = &cases[n].body;
    gtpu_hdr(b, 0x30, 255, in4.n);
    put(b, in4.b, in4.n);
    n++;
    CASE("gtpu seq + two extension headers, ipv6", 2152, &in6, true, false, false);
    b = &cases[n].body;
    gtpu_hdr(b, 0x36, 255, 4 + 4 + 8 + in6.n);
    put16(b, 7);   /* sequence */
    put8(b, 0);    /* N-PDU */
    put8(b, 0x85); /* PDU session container */
    put8(b, 1);
    put16(b, 0x0009);
    put8(b, 0x40); /* next: UDP port extension */
    put8(b, 2);
    put32(b, 0x12345678);
    put16(b, 0x0000);
    put8(b, 0); /* no more */
    put(b, in6.b, in6.n);
    n++;
    CASE("gtpu echo request: signalling, udp", 2152, NULL, false, false, false);
    b = &cases[n].body;
    gtpu_hdr(b, 0x32, 1, 4);
    put32(b, 0x00010000);
    n++;
    CASE("gtpu version 2: bad", 2152, NULL, false, false, true);
    b = &cases[n].body;
    gtpu_hdr(b, 0x48, 255, in4.n);
    put(b, in4.b, in4.n);
    n++;
    CASE("gtpu extension header of length 0: bad", 2152, NULL, false, false, true);
    b = &cases[n].body;
    gtpu_hdr(b, 0x34, 255, 4 + 4 + in4.n);
    put32(b, 0x00000085);
    put32(b, 0);
    put(b, in4.b, in4.n);
    n++;
    CASE("gtpu extension header past the end: bad", 2152, NULL, false, false, true);
    b = &cases[n].body;
    gtpu_hdr(b, 0x34, 255, 4 + 4);
    put32(b, 0x00000085);
    put32(b, 0x09000000);
    n++;
    CASE("gtpu length over the datagram: bad", 2152, NULL, false, false, true);
    b = &cases[n].body;
    gtpu_hdr(b, 0x30, 255, in4.n + 10);
    put(b, in4.b, in4.n);
    n++;
    CASE("gtpu empty t-pdu: udp", 2152, NULL, false, false, false);
    b = &cases[n].body;
    gtpu_hdr(b, 0x30, 255, 0);
    n++;
    CASE("gtpu carrying icmp: not for us", 2152, NULL, false, true, false);
    b = &cases[n].body;
    gtpu_hdr(b, 0x30, 255, icmp.n);
    put(b, icmp.b, icmp.n);
    n++;
    CASE("geneve ethernet with options", 6081, &in4, true, false, false);
    b = &cases[n].body;
    put8(b, 3); /* 3 words of options */
    put8(b, 0);
    put16(b, 0x6558);
    put32(b, 0x00123400);
    put32(b, 0x01020301); /* class, type, length 1 */
    put32(b, 0xaabbccdd);
    put32(b, 0xffff0500); /* an option without data */
    eth(b, 0x0800);
    put(b, in4.b, in4.n);
    n++;
    CASE("geneve ipv6", 6081, &in6, true, false, false);
    b = &cases[n].body;
    put32(b, 0x000086dd);
    put32(b, 0);
    put(b, in6.b, in6.n);
    n++;
    CASE("geneve version 1: bad", 6081, NULL, false, false, true);
    b = &cases[n].body;
    put32(b, 0x40000800);
    put32(b, 0);
    put(b, in4.b, in4.n);
    n++;
    CASE("geneve option past the options: bad", 6081, NULL, false, false, true);
    b = &cases[n].body;
    put32(b, 0x01000800);
    put32(b, 0);
    put32(b, 0x01020302); /* claims 2 words of data, the options hold none */
    put(b, in4.b, in4.n);
    n++;
    CASE("geneve options past the datagram: bad", 6081, NULL, false, false, true);
    b = &cases[n].body;
    put32(b, 0x3f000800);
    put32(b, 0);
    n++;
    CASE("geneve other protocol: udp", 6081, NULL, false, false, false);
    b = &cases[n].body;
    put32(b, 0x000088b5);
    put32(b, 0);
    put(b, in4.b, in4.n);
    n++;
#undef CASE
    for (size_t i = 0; i < n; i++) {
        int failures = check_failures;
        struct frame f = {0};
        wrap_udp(&f, cases[i].port, &cases[i].body);
        uint64_t bad0 = g_stats.gtpu_bad_header + g_stats.geneve_bad_header;
        struct packet p;
        enum decode_result r = dec(DLT_RAW, &f, &p);
        uint64_t bad = g_stats.gtpu_bad_header + g_stats.geneve_bad_header - bad0;
        if (cases[i].decap) {
            CHECK_EQ_INT(r, DECODE_OK);
            CHECK_EQ_INT(p.encap_depth, 1);
            CHECK_EQ_INT(p.proto, 6);
            CHECK_EQ_INT(p.sport, cases[i].inner == &in4 ? 1111 : 2222);
        } else if (cases[i].skip) {
            CHECK_EQ_INT(r, DECODE_SKIP);
        } else {
            CHECK_EQ_INT(r, DECODE_OK);
            CHECK_EQ_INT(p.proto, 17);
            CHECK_EQ_INT(p.dport, cases[i].port);
            CHECK_EQ_INT(p.encap_depth, 0);
        }
        CHECK_EQ_INT(bad, cases[i].bad ? 1 : 0);
        /* every cut of it by the snap length: nothing read past the end (ASan), and a header
         * that is only cut short is not called bad */
        for (size_t cut = 20; cut < f.n; cut++) {
            uint8_t *copy = malloc(cut);
            memcpy(copy, f.b, cut);
            bad0 = g_stats.gtpu_bad_header + g_stats.geneve_bad_header;
            decode_packet(DLT_RAW, copy, cut, (uint32_t)f.n, 0, NULL, &p);
            free(copy);
            if (!cases[i].bad)
                CHECK_EQ_INT(g_stats.gtpu_bad_header + g_stats.geneve_bad_header - bad0, 0);
        }
        if (check_failures != failures)
            fprintf(stderr, "  in case: %s\n", cases[i].name);
    }

    /* tunnels in tunnels: the fifth is not removed (encap_too_deep), it stays UDP */
    struct frame nest = in4;
    for (int level = 0; level < 5; level++) {
        struct frame outer = {0}, body = {0};
        put32(&body, 0x00000800);
        put32(&body, 0);
        put(&body, nest.b, nest.n);
        wrap_udp(&outer, 6081, &body);
        nest = outer;
    }
    struct packet p;
    uint64_t deep = g_stats.encap_too_deep;
    CHECK_EQ_INT(dec(DLT_RAW, &nest, &p), DECODE_OK);
    CHECK_EQ_INT(p.encap_depth, 4);
    CHECK_EQ_INT(p.proto, 17);
    CHECK_EQ_INT(g_stats.encap_too_deep, deep + 1);
}

static void
test_snaplen_cut(void)
{
    struct frame f = {0};
    ipv4(&f, 6, 20 + 100, 1, 0);
    tcp(&f, 1, 2, 3, TCP_ACK, "0123456789"); /* 10 of the 100 payload bytes captured */
    struct packet p;
    CHECK_EQ_INT(dec(DLT_RAW, &f, &p), DECODE_OK);
    CHECK_EQ_INT(p.payload_len, 10);
    CHECK_EQ_INT(p.payload_lost, 90);
}

/*
 * A whole frame (caplen == wire length) whose IP length claims more than it has and whose TCP
 * header claims options that are not there is malformed, not cut by the snap length
 * (ndpi/reasm_crash_anon.pcapng frame 87; tshark drops it too).
 */
static void
test_whole_frame_lies(void)
{
    struct frame f = {0};
    ipv4(&f, 6, 32, 1, 0); /* IP claims 20 + 32 */
    tcp(&f, 1, 2, 3, TCP_ACK, "");
    f.b[20 + 12] = 0x80; /* data offset 8: 12 bytes of options that are not in the frame */
    struct packet p;
    uint64_t before = g_stats.tcp_bad_header;
    CHECK_EQ_INT(decode_packet(DLT_RAW, f.b, f.n, (uint32_t)f.n, 0, NULL, &p), DECODE_BAD);
    CHECK_EQ_INT(g_stats.tcp_bad_header, before + 1);
    /* the same bytes as the first 40 of a 52-byte frame cut by the snap length: accepted */
    CHECK_EQ_INT(decode_packet(DLT_RAW, f.b, f.n, 52, 0, NULL, &p), DECODE_OK);
    CHECK_EQ_INT(p.payload_len, 0);
}

/* Every prefix of valid frames decodes without reading past its end (ASan watches). */
static void
test_every_truncation(void)
{
    struct frame f = {0};
    eth(&f, 0x8100);
    put16(&f, 5);
    put16(&f, 0x86dd);
    ipv6(&f, 44, 8 + 20 + 4);
    put8(&f, 6);
    put8(&f, 0);
    put16(&f, 0); /* offset 0, M=0: an atomic fragment */
    put32(&f, 77);
    tcp(&f, 5, 6, 7, TCP_ACK, "data");
    struct packet p;
    CHECK_EQ_INT(dec(DLT_EN10MB, &f, &p), DECODE_OK);
    CHECK_EQ_INT(p.payload_len, 4);
    int bad = 0;
    for (size_t n = 0; n < f.n; n++) {
        /* an exact-size heap copy, so AddressSanitizer sees any read past the end */
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, f.b, n);
        enum decode_result r = decode_packet(DLT_EN10MB, copy, n, (uint32_t)f.n, 0, NULL, &p);
        free(copy);
        if (r == DECODE_OK && n < 14 + 4 + 40 + 8 + 20)
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
}

static void
test_fragments(void)
{
    struct ipfrag *fr = ipfrag_new(4, 30000000);
    /* A UDP datagram of 8 + 24 bytes in two fragments, the second first. */
    uint8_t udp[32];
    memset(udp, 'x', sizeof(udp));
    udp[0] = 0x01;
    udp[1] = 0xf4; /* 500 */
    udp[2] = 0x01;
    udp[3] = 0xf4;
    udp[4] = 0;
    udp[5] = 32;
    udp[6] = udp[7] = 0;
    struct frame a = {0}, b = {0};
    ipv4(&a, 17, 16, 99, 0x2000); /* MF, offset 0: 16 bytes */
    put(&a, udp, 16);
    ipv4(&b, 17, 16, 99, 2); /* offset 2*8 = 16, last */
    put(&b, udp + 16, 16);
    struct packet p;
    CHECK_EQ_INT(decode_packet(DLT_RAW, b.b, b.n, (uint32_t)b.n, 1, fr, &p), DECODE_HELD);
    CHECK_EQ_INT(ipfrag_pending(fr), 1);
    CHECK_EQ_INT(decode_packet(DLT_RAW, a.b, a.n, (uint32_t)a.n, 2, fr, &p), DECODE_OK);
    CHECK(p.reassembled);
    CHECK_EQ_INT(p.proto, 17);
    CHECK_EQ_INT(p.dport, 500);
    CHECK_EQ_INT(p.payload_len, 24);
    CHECK_EQ_INT(p.ip_len, 52);
    CHECK_EQ_INT(ipfrag_pending(fr), 0);
    /* A lone fragment times out by packet time and frees its slot. */
    CHECK_EQ_INT(decode_packet(DLT_RAW, a.b, a.n, (uint32_t)a.n, 10, fr, &p), DECODE_HELD);
    uint64_t before = g_stats.frag_timeout;
    CHECK_EQ_INT(decode_packet(DLT_RAW, b.b, b.n, (uint32_t)b.n, 10 + 31000000, fr, &p),
                 DECODE_HELD);
    CHECK_EQ_INT(g_stats.frag_timeout, before + 1);
    ipfrag_free(fr);
}

int
main(void)
{
    test_ethernet_vlan_qinq_ipv4_tcp();
    test_mpls_ipv6_ext_headers();
    test_sll_sll2_null_raw();
    test_esp_ah();
    test_tunnels();
    test_gtpu_geneve();
    test_snaplen_cut();
    test_whole_frame_lies();
    test_every_truncation();
    test_fragments();
    return check_report();
}
