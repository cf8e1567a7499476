/* registry.c - which dissectors exist: the stream and datagram lists the engine tries. */
#include <stddef.h>

#include "registry.h"

/*
 * Weak references: a dissector that is not linked in yet is simply absent,
 * so each protocol lands on its own. Defining the symbol registers it.
 */
extern const struct stream_dissector ssh_dissector __attribute__((weak));
extern const struct stream_dissector tls_dissector __attribute__((weak));
extern const struct datagram_dissector ike_dissector __attribute__((weak));
extern const struct datagram_dissector ee_dissector __attribute__((weak));

const struct stream_dissector *registry_streams[REGISTRY_MAX];
const struct stream_dissector *registry_stream_fallback;
const struct datagram_dissector *registry_datagrams[REGISTRY_MAX];

void
registry_init(void)
{
    /* SSH first: its banner is unambiguous; TLS also scans clear text, so it comes last. */
    const struct stream_dissector *streams[] = {&ssh_dissector, &tls_dissector};
    const struct datagram_dissector *grams[] = {&ike_dissector, &ee_dissector};
    size_t n = 0;
    for (size_t i = 0; i < sizeof(streams) / sizeof(streams[0]); i++)
        if (streams[i])
            registry_streams[n++] = streams[i];
    registry_streams[n] = NULL;
    registry_stream_fallback = &tls_dissector;
    n = 0;
    for (size_t i = 0; i < sizeof(grams) / sizeof(grams[0]); i++)
        if (grams[i])
            registry_datagrams[n++] = grams[i];
    registry_datagrams[n] = NULL;
}
