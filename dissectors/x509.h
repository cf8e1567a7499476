/* x509.h - the facts zertsensor reports about a certificate, parsed by libcrypto (never by hand).
 */
#ifndef ZS_X509_H
#define ZS_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../emit/obs_record.h" /* struct x509_facts: the facts are part of the observation */

/* Certificates larger than this are not handed to the parser. */
#define X509_DER_MAX (64u * 1024u)

/* Parse one DER certificate (at most X509_DER_MAX bytes); 0 on success, -1 when rejected. */
int x509_parse_facts(const uint8_t *der, size_t len, struct x509_facts *out);

#endif
