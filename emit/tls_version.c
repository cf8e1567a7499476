/* tls_version.c - TLS/SSL protocol version names: the one vocabulary of the dissector and SMF. */
#include <stdio.h>
#include <string.h>

#include "name_tab.h"
#include "tls_version.h"

static const struct name_tab tls_version_names[] = {
    {0x0002, "SSLv2"},        {0x0200, "SSLv2"},   {0x0300, "SSLv3"},   {0x0301, "TLSv1.0"},
    {0x0302, "TLSv1.1"},      {0x0303, "TLSv1.2"}, {0x0304, "TLSv1.3"}, {0xfb17, "TLSv1.3-fb23"},
    {0xfb1a, "TLSv1.3-fb26"}, {0, NULL},
};

const char *
tls_version_name(uint16_t code, char *buf, size_t len)
{
    const char *n = name_tab_lookup(tls_version_names, code);
    if (n)
        return n;
    if ((code >> 8) == 0x7f)
        snprintf(buf, len, "TLSv1.3-draft%u", (unsigned)(code & 0xff));
    else if ((code >> 8) == 0x7e)
        snprintf(buf, len, "TLSv1.3-google-exp%u", (unsigned)(code & 0xff));
    else
        snprintf(buf, len, "unknown-0x%04x", (unsigned)code);
    return buf;
}

uint16_t
tls_version_code(const char *name)
{
    unsigned d;
    if (!name || !*name)
        return 0;
    if (sscanf(name, "TLSv1.3-draft%u", &d) == 1 && d < 256)
        return (uint16_t)(0x7F00 | d);
    if (strcmp(name, "SSLv2") == 0)
        return 0x0200; /* IBM's code (smf119-zert.md §3.8); the SSLv2 wire value is 0x0002 */
    const struct name_tab *e = name_tab_find(tls_version_names, name);
    return e ? (uint16_t)e->value : 0;
}
