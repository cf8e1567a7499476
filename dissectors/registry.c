/* registry.c - which dissectors exist: the stream and datagram lists the engine tries. */
#include <stddef.h>

#include "ee.h"
#include "ike.h"
#include "registry.h"
#include "ssh.h"
#include "tls.h"

/* SSH first: its banner is unambiguous; TLS also scans clear text, so it comes last. */
const struct stream_dissector *const registry_streams[] = {&ssh_dissector, &tls_dissector, NULL};
const struct stream_dissector *const registry_stream_fallback = &tls_dissector;

const struct datagram_dissector *const registry_datagrams[] = {&ike_dissector, &ee_dissector, NULL};
