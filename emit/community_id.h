/* community_id.h - Community ID v1 flow hashes (corelight/community-id-spec), the SOC join key. */
#ifndef ZS_COMMUNITY_ID_H
#define ZS_COMMUNITY_ID_H

#include <stdbool.h>
#include <stdint.h>

#include "zert_record.h"

/* "1:" + base64 of a SHA-1 digest (28 characters) + NUL */
#define COMMUNITY_ID_LEN 31

/*
 * The Community ID v1 of the flow between `a` and `b` over IP protocol `proto`, with the seed
 * the spec's tools use by default (0), written to `out`. The order of `a` and `b` does not
 * matter. TCP, UDP and SCTP hash their ports; other protocols hash the addresses alone. ICMP
 * and ICMPv6 need the message type and code, which no flow or record here keeps: for them,
 * and for endpoints of unknown or different families, there is no ID (false, out = "").
 */
bool community_id_v1(uint8_t proto, const struct zert_endpoint *a, const struct zert_endpoint *b,
                     uint16_t seed, char out[COMMUNITY_ID_LEN]);

#endif
