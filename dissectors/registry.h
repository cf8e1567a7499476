/* registry.h - which dissectors exist: the stream and datagram lists the engine tries. */
#ifndef ZS_REGISTRY_H
#define ZS_REGISTRY_H

#include "dissector.h"

/*
 * Stream dissectors in probe order, NULL-terminated. `registry_stream_fallback`
 * gets a stream no probe claimed (TLS: it looks for a handshake that starts
 * after clear text, STARTTLS-style); NULL when there is none.
 */
extern const struct stream_dissector *const registry_streams[];
extern const struct stream_dissector *const registry_stream_fallback;
/* Datagram dissectors in probe order, NULL-terminated: the first whose probe says yes. */
extern const struct datagram_dissector *const registry_datagrams[];

#endif
