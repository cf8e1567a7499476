/* tls_version.h - TLS/SSL protocol version names: the one vocabulary of the dissector and SMF. */
#ifndef ZS_TLS_VERSION_H
#define ZS_TLS_VERSION_H

#include <stddef.h>
#include <stdint.h>

/*
 * The name of a wire version: "SSLv2" (0x0002, and IBM's X'0200'), "SSLv3", "TLSv1.0" to
 * "TLSv1.3", the TLS 1.3 drafts "TLSv1.3-draftNN" (0x7fNN, records-json.md), Google's
 * experiments "TLSv1.3-google-expNN" (0x7eNN), Facebook's "TLSv1.3-fb23" (0xfb17) and
 * "TLSv1.3-fb26" (0xfb1a), else "unknown-0xNNNN". Never NULL; names that are built are
 * written into buf (24 bytes are enough).
 */
const char *tls_version_name(uint16_t code, char *buf, size_t len);

/* The code of a name: "TLSv1.3-draftNN" gives 0x7fNN, "SSLv2" IBM's X'0200'; 0 when unknown. */
uint16_t tls_version_code(const char *name);

#endif
