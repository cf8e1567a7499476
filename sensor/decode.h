/* decode.h - link, network and transport decoding of one captured packet. */
#ifndef ZS_DECODE_H
#define ZS_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../flowtable/packet.h"

struct ipfrag;

enum decode_result {
    DECODE_OK,   /* a TCP/UDP/ESP/AH packet was decoded into struct packet */
    DECODE_SKIP, /* not for us (non-IP, other protocol); counted */
    DECODE_HELD, /* an IP fragment, held for reassembly */
    DECODE_BAD,  /* malformed or truncated; counted */
};

/* Is this libpcap DLT supported? */
bool decode_linktype_supported(int dlt);

/*
 * Decode one captured frame of link type `dlt`. `frag` holds IP fragments
 * across calls (may be NULL: fragments are then skipped).
 */
enum decode_result decode_packet(int dlt, const uint8_t *data, size_t caplen, uint32_t wire_len,
                                 uint64_t ts_us, struct ipfrag *frag, struct packet *pkt);

/* Text form of an address (inet_ntop); buf needs 46 bytes. */
const char *decode_addr_str(int family, const uint8_t addr[16], char *buf, size_t len);

#endif
