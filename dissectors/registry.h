/* registry.h - which dissectors exist: the stream and datagram lists the engine tries. */
#ifndef ZS_REGISTRY_H
#define ZS_REGISTRY_H

#include "dissector.h"

#define REGISTRY_MAX 8

/*
 * Stream dissectors in probe order, NULL-terminated. `registry_stream_fallback`
 * gets a stream no probe claimed (TLS: it looks for a handshake that starts
 * after clear text, STARTTLS-style); NULL when there is none.
 */
extern const struct stream_dissector *registry_streams[REGISTRY_MAX];
extern const struct stream_dissector *registry_stream_fallback;
extern const struct datagram_dissector *registry_datagrams[REGISTRY_MAX];

void registry_init(void);

#endif
