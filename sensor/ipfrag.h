/* ipfrag.h - bounded IPv4/IPv6 fragment reassembly. */
#ifndef ZS_IPFRAG_H
#define ZS_IPFRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest reassembled payload: an IP datagram cannot be longer. */
#define IPFRAG_MAX_PAYLOAD 65535u

struct ipfrag;

struct ipfrag_id {
    uint8_t family;
    uint8_t proto;
    uint32_t id;
    uint8_t src[16], dst[16];
};

/*
 * `slots` datagrams may be in reassembly at once (their buffers are
 * allocated once, on first use, and reused); a datagram not completed within
 * `timeout_us` of packet time after its first fragment is dropped.
 */
struct ipfrag *ipfrag_new(unsigned slots, uint64_t timeout_us);
void ipfrag_free(struct ipfrag *f);

/*
 * Add one fragment: `offset` is the byte offset of `data` in the original
 * payload, `more` the MF flag. Returns true when the datagram is complete;
 * then *out / *out_len is the whole payload (valid until the next call).
 */
bool ipfrag_add(struct ipfrag *f, const struct ipfrag_id *id, uint64_t ts_us, uint32_t offset,
                bool more, const uint8_t *data, size_t len, const uint8_t **out, size_t *out_len);

/* Datagrams now held (for tests and stats). */
unsigned ipfrag_pending(const struct ipfrag *f);

#endif
