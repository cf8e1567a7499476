/* packet.h - one decoded packet as the flow layer sees it: addresses, ports, TCP state, payload. */
#ifndef ZS_PACKET_H
#define ZS_PACKET_H

#include <stdbool.h>
#include <stdint.h>

#define PACKET_MAX_VLAN 4 /* 802.1Q/802.1ad tags kept in struct packet */

/* TCP flag bits as on the wire. */
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20

#define IPPROTO_NUM_TCP 6
#define IPPROTO_NUM_UDP 17
#define IPPROTO_NUM_ESP 50
#define IPPROTO_NUM_AH  51

/*
 * What decode found. Addresses are 16 bytes; IPv4 uses the first four and
 * zeroes the rest. `payload` is borrowed: it points into the capture buffer
 * (or the fragment reassembly buffer) and is valid until the next packet.
 */
struct packet {
    uint64_t ts_us;      /* packet time, microseconds since the epoch */
    uint32_t wire_len;   /* length on the wire (pcap len) */
    uint8_t family;      /* 4 or 6 */
    uint8_t proto;       /* transport protocol: 6, 17, 50, 51 */
    uint8_t tcp_flags;   /* TCP only */
    uint8_t vlan_depth;  /* number of 802.1Q/802.1ad tags seen */
    uint8_t mpls_depth;  /* MPLS labels seen */
    uint8_t encap_depth; /* tunnels removed (IP-in-IP, GRE, VXLAN, Teredo) */
    bool reassembled;    /* IP fragments were reassembled into this packet */
    bool has_ah;         /* an AH header preceded the transport (ah_spi valid) */
    uint8_t src[16], dst[16];
    uint16_t sport, dport; /* TCP/UDP ports */
    uint32_t spi;          /* ESP or AH (when proto is 50/51) */
    uint32_t ah_spi;       /* AH SPI when has_ah */
    uint32_t ah_seq;       /* AH sequence number when has_ah */
    uint8_t ah_icv_len;    /* AH ICV bytes when has_ah */
    uint32_t esp_seq;      /* ESP sequence number (proto 50); payload starts after it */
    uint32_t seq, ack;     /* TCP */
    uint32_t ip_len;       /* bytes of the IP datagram (header + payload), as claimed */
    const uint8_t *payload;
    uint32_t payload_len;  /* transport payload bytes captured */
    uint32_t payload_lost; /* transport payload bytes the datagram had but the capture cut */
    const uint8_t *l3;     /* innermost IP header as captured (NULL after fragment reassembly) */
    uint32_t l3_len;       /* its bytes captured, up to the datagram's end (no link padding) */
    uint16_t vlan[PACKET_MAX_VLAN];
};

#endif
