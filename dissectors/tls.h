/* tls.h - the TLS/SSL stream dissector: SSLv2 to TLS 1.3, STARTTLS, and the limits of observation.
 */
#ifndef ZS_TLS_H
#define ZS_TLS_H

#include "dissector.h"

/* Clear text scanned per direction for a TLS handshake before the dissector gives up. */
#define TLS_CLEAR_MAX (64u * 1024u)
/* Largest TLS record body accepted (RFC 5246 6.2.3: 2^14 + 2048). */
#define TLS_RECORD_MAX (16384u + 2048u)

extern const struct stream_dissector tls_dissector;

#endif
