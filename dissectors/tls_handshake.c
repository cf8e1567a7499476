/* tls_handshake.c - TLS handshake message parsers: ClientHello, ServerHello, Certificate, SKE. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../emit/digest.h"
#include "../emit/tls_tables.h"
#include "tls_handshake.h"

#define TLS_EXT_SERVER_NAME    0
#define TLS_EXT_STATUS_REQUEST 5
#define TLS_EXT_GROUPS         10
#define TLS_EXT_SIG_ALGS       13
#define TLS_EXT_ALPN           16
#define TLS_EXT_ETM            22
#define TLS_EXT_EMS            23
#define TLS_EXT_TICKET         35
#define TLS_EXT_KEY_SHARE_OLD  40 /* key_share in TLS 1.3 drafts before 23 */
#define TLS_EXT_PSK            41
#define TLS_EXT_EARLY_DATA     42
#define TLS_EXT_VERSIONS       43
#define TLS_EXT_PSK_MODES      45
#define TLS_EXT_KEY_SHARE      51
#define TLS_EXT_ECH            0xfe0d
#define TLS_EXT_RENEGOTIATION  0xff01

/* The HelloRetryRequest marker in ServerHello.random (RFC 8446 4.1.3). */
static const uint8_t tls_hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* Copy a length-delimited name into a C string, replacing control bytes. */
static void
tls_copy_text(char *dst, size_t cap, struct cursor *c, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t b = cur_get_u8(c);
        if (k + 1 < cap)
            dst[k++] = (char)(b < 0x20 || b == 0x7f ? '?' : b);
    }
    dst[k] = '\0';
}

/* ------------------------------------------------------------------ ClientHello */

static void
tls_add_u16(uint16_t *arr, uint8_t *n, size_t max, uint16_t v)
{
    if (*n < max)
        arr[(*n)++] = v;
}

static void
tls_parse_alpn(struct cursor e, char *dst, size_t cap)
{
    struct cursor list = cur_take(&e, cur_get_be16(&e));
    size_t k = 0;
    dst[0] = '\0';
    while (cur_left(&list) > 0 && cur_ok(&list)) {
        uint8_t n = cur_get_u8(&list);
        struct cursor name = cur_take(&list, n);
        if (!cur_ok(&list))
            break;
        if (k && k + 1 < cap)
            dst[k++] = ',';
        if (k < cap)
            tls_copy_text(dst + k, cap - k, &name, n);
        k = strlen(dst);
    }
}

static void
tls_parse_client_ext(struct tls_client_hello *ch, uint16_t type, struct cursor e)
{
    switch (type) {
    case TLS_EXT_SERVER_NAME: {
        struct cursor list = cur_take(&e, cur_get_be16(&e));
        while (cur_left(&list) >= 3) {
            uint8_t kind = cur_get_u8(&list);
            uint16_t n = cur_get_be16(&list);
            struct cursor name = cur_take(&list, n);
            if (!cur_ok(&list))
                break;
            if (kind == 0 && !ch->sni[0])
                tls_copy_text(ch->sni, sizeof(ch->sni), &name, n);
        }
        break;
    }
    case TLS_EXT_GROUPS: {
        struct cursor list = cur_take(&e, cur_get_be16(&e));
        while (cur_left(&list) >= 2)
            tls_add_u16(ch->groups, &ch->n_groups, TLS_MAX_GROUPS, cur_get_be16(&list));
        break;
    }
    case TLS_EXT_SIG_ALGS: {
        struct cursor list = cur_take(&e, cur_get_be16(&e));
        while (cur_left(&list) >= 2)
            tls_add_u16(ch->sigs, &ch->n_sigs, TLS_MAX_SIGS, cur_get_be16(&list));
        break;
    }
    case TLS_EXT_ALPN:
        tls_parse_alpn(e, ch->alpn, sizeof(ch->alpn));
        break;
    case TLS_EXT_ETM:
        ch->etm = true;
        break;
    case TLS_EXT_EMS:
        ch->ems = true;
        break;
    case TLS_EXT_STATUS_REQUEST:
        ch->status_request = true;
        break;
    case TLS_EXT_TICKET:
        ch->ticket_ext = true;
        ch->ticket_sent = cur_left(&e) > 0;
        break;
    case TLS_EXT_PSK:
        ch->psk = true;
        break;
    case TLS_EXT_EARLY_DATA:
        ch->early_data = true;
        break;
    case TLS_EXT_VERSIONS: {
        struct cursor list = cur_take(&e, cur_get_u8(&e));
        while (cur_left(&list) >= 2)
            tls_add_u16(ch->versions, &ch->n_versions, TLS_MAX_VERSIONS, cur_get_be16(&list));
        break;
    }
    case TLS_EXT_PSK_MODES: {
        struct cursor list = cur_take(&e, cur_get_u8(&e));
        while (cur_left(&list) >= 1) {
            uint8_t m = cur_get_u8(&list);
            if (ch->n_psk_modes < sizeof(ch->psk_modes))
                ch->psk_modes[ch->n_psk_modes++] = m;
        }
        break;
    }
    case TLS_EXT_KEY_SHARE_OLD:
    case TLS_EXT_KEY_SHARE: {
        struct cursor list = cur_take(&e, cur_get_be16(&e));
        uint16_t groups[TLS_MAX_KS];
        uint8_t n = 0;
        while (cur_left(&list) >= 4) {
            uint16_t g = cur_get_be16(&list);
            cur_take(&list, cur_get_be16(&list));
            tls_add_u16(groups, &n, TLS_MAX_KS, g);
        }
        if (cur_ok(&list) && cur_ok(&e) && cur_left(&e) == 0 && n) {
            memcpy(ch->ks_groups, groups, sizeof(groups[0]) * n);
            ch->n_ks = n;
        }
        break;
    }
    case TLS_EXT_ECH:
        ch->ech = true;
        break;
    case TLS_EXT_RENEGOTIATION:
        ch->reneg = true;
        break;
    default:
        break;
    }
}

/* ------------------------------------------------------------------ JA4, JA4S (FoxIO) */

/* The version as JA4 writes it: 13, 12, 11, 10, s3, s2; 00 for anything else. */
static const char *
tls_ja4_version(uint16_t v)
{
    switch (v) {
    case 0x0304:
        return "13";
    case 0x0303:
        return "12";
    case 0x0302:
        return "11";
    case 0x0301:
        return "10";
    case 0x0300:
        return "s3";
    case 0x0002:
        return "s2";
    default:
        return "00";
    }
}

static bool
tls_ja4_alnum(uint8_t b)
{
    return (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z');
}

/* The first and last characters of the first ALPN value ("00" without one); hex when either
 * byte is not alphanumeric: the first nibble of the first byte, the last of the last byte. */
static void
tls_ja4_alpn(struct cursor alpn, bool seen, char out[3])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t n = cur_get_u8(&alpn);
    const uint8_t *v = cur_get_bytes(&alpn, n);
    memcpy(out, "00", 3);
    if (!seen || !v || !n)
        return;
    struct cursor name = cur_init(v, n);
    uint8_t first = cur_get_u8(&name), last = first;
    if (n > 1) {
        cur_skip(&name, (size_t)n - 2);
        last = cur_get_u8(&name);
    }
    if (tls_ja4_alnum(first) && tls_ja4_alnum(last)) {
        out[0] = (char)first;
        out[1] = (char)last;
    } else {
        out[0] = hex[first >> 4];
        out[1] = hex[last & 15];
    }
}

static int
tls_ja4_cmp(const void *a, const void *b)
{
    uint16_t x, y; /* values of the local arrays below, not wire bytes */
    memcpy(&x, a, sizeof(x));
    memcpy(&y, b, sizeof(y));
    return x < y ? -1 : x > y;
}

/* Ascending order; insertion sort for the usual short lists, qsort for long (hostile) ones. */
static void
tls_ja4_sort(uint16_t *v, size_t n)
{
    if (n > 32) {
        qsort(v, n, sizeof(v[0]), tls_ja4_cmp);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        uint16_t x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

/* One JA4 list item: the separator (none when 0) and four lower-case hex digits. */
static size_t
tls_ja4_item(char item[8], char sep, uint16_t v)
{
    static const char hex[] = "0123456789abcdef";
    size_t k = 0;
    if (sep)
        item[k++] = sep;
    for (int shift = 12; shift >= 0; shift -= 4)
        item[k++] = hex[(v >> shift) & 15];
    return k;
}

/* The first 12 hex digits of SHA-256 over "xxxx,xxxx,..." (then "_" and `more`, when given);
 * "000000000000" for an empty list. */
static void
tls_ja4_hash(const uint16_t *v, size_t n, const uint16_t *more, size_t n_more, char out[13])
{
    static const char hex[] = "0123456789abcdef";
    /* the text hashed, built whole: one digest call, not one per item */
    char text[2 * TLS_JA4_MAX_ITEMS * 5];
    unsigned char md[32];
    size_t len = 0;
    memcpy(out, "000000000000", 13);
    if (!n || n > TLS_JA4_MAX_ITEMS || n_more > TLS_JA4_MAX_ITEMS)
        return;
    for (size_t i = 0; i < n; i++)
        len += tls_ja4_item(text + len, i ? ',' : 0, v[i]);
    for (size_t i = 0; i < n_more; i++)
        len += tls_ja4_item(text + len, i ? ',' : '_', more[i]);
    if (!digest_bytes(DIGEST_SHA256, text, len, md, sizeof(md)))
        return;
    for (unsigned i = 0; i < 6; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[12] = '\0';
}

/*
 * JA4 of a ClientHello body over TCP (FoxIO's JA4 specification): t, the highest version
 * (supported_versions, else the legacy field), d/i (SNI or not), suite and extension counts
 * (at most 99), the ALPN's ends; then the sorted suites' hash; then the hash of the sorted
 * extensions (without SNI and ALPN) and the signature algorithms in their order. GREASE is
 * left out everywhere. "" when the message does not parse or lists more than
 * TLS_JA4_MAX_ITEMS entries.
 */
static void
tls_ja4(struct cursor c, char out[TLS_JA4_LEN])
{
    uint16_t suites[TLS_JA4_MAX_ITEMS], exts[TLS_JA4_MAX_ITEMS], sigs[TLS_JA4_MAX_ITEMS];
    size_t n_suites = 0, n_exts = 0, n_exts_all = 0, n_sigs = 0;
    uint16_t version = cur_get_be16(&c), best = 0;
    bool sni = false, alpn_seen = false, too_many = false;
    struct cursor alpn = cur_init(NULL, 0);
    char alpn_chars[3], h_suites[13], h_exts[13];
    out[0] = '\0';
    cur_skip(&c, 32);
    cur_take(&c, cur_get_u8(&c)); /* session id */
    struct cursor sc = cur_take(&c, cur_get_be16(&c));
    cur_take(&c, cur_get_u8(&c)); /* compression methods */
    if (!cur_ok(&c))
        return;
    while (cur_left(&sc) >= 2) {
        uint16_t s = cur_get_be16(&sc);
        if (tls_is_grease(s))
            continue;
        if (n_suites == TLS_JA4_MAX_ITEMS)
            too_many = true;
        else
            suites[n_suites++] = s;
    }
    if (cur_left(&c) >= 2) {
        struct cursor ec = cur_take(&c, cur_get_be16(&c));
        while (cur_left(&ec) >= 4) {
            uint16_t type = cur_get_be16(&ec);
            struct cursor e = cur_take(&ec, cur_get_be16(&ec));
            if (!cur_ok(&ec))
                return;
            if (tls_is_grease(type))
                continue;
            n_exts_all++;
            if (type == TLS_EXT_SERVER_NAME) {
                sni = true;
            } else if (type == TLS_EXT_ALPN) {
                alpn_seen = true;
                alpn = e;
                cur_get_be16(&alpn); /* the list's length */
            } else if (n_exts == TLS_JA4_MAX_ITEMS) {
                too_many = true;
            } else {
                exts[n_exts++] = type;
            }
            if (type == TLS_EXT_SIG_ALGS) {
                struct cursor l = cur_take(&e, cur_get_be16(&e));
                while (cur_left(&l) >= 2) {
                    uint16_t s = cur_get_be16(&l);
                    if (tls_is_grease(s))
                        continue;
                    if (n_sigs == TLS_JA4_MAX_ITEMS)
                        too_many = true;
                    else
                        sigs[n_sigs++] = s;
                }
            } else if (type == TLS_EXT_VERSIONS) {
                struct cursor l = cur_take(&e, cur_get_u8(&e));
                while (cur_left(&l) >= 2) {
                    uint16_t v = cur_get_be16(&l);
                    if (!tls_is_grease(v) && v > best)
                        best = v;
                }
            }
        }
    }
    if (too_many)
        return;
    tls_ja4_alpn(alpn, alpn_seen, alpn_chars);
    tls_ja4_sort(suites, n_suites);
    tls_ja4_sort(exts, n_exts);
    tls_ja4_hash(suites, n_suites, NULL, 0, h_suites);
    tls_ja4_hash(exts, n_exts, sigs, n_sigs, h_exts);
    snprintf(out, TLS_JA4_LEN, "t%s%c%02u%02u%s_%s_%s", tls_ja4_version(best ? best : version),
             sni ? 'd' : 'i', (unsigned)(n_suites > 99 ? 99 : n_suites),
             (unsigned)(n_exts_all > 99 ? 99 : n_exts_all), alpn_chars, h_suites, h_exts);
}

/* JA4S of a ServerHello's extensions (the cursor at the extensions' length), FoxIO's spec:
 * t, the chosen version, the extension count, the chosen ALPN's ends, the suite, and the hash
 * of the extensions in their order. */
static void
tls_ja4s(struct cursor c, uint16_t version, uint16_t suite, char out[TLS_JA4S_LEN])
{
    uint16_t exts[TLS_JA4_MAX_ITEMS];
    size_t n = 0;
    struct cursor alpn = cur_init(NULL, 0);
    bool alpn_seen = false;
    char alpn_chars[3], h[13];
    out[0] = '\0';
    if (cur_left(&c) >= 2) {
        struct cursor ec = cur_take(&c, cur_get_be16(&c));
        while (cur_left(&ec) >= 4) {
            uint16_t type = cur_get_be16(&ec);
            struct cursor e = cur_take(&ec, cur_get_be16(&ec));
            if (!cur_ok(&ec) || n == TLS_JA4_MAX_ITEMS)
                return;
            if (tls_is_grease(type))
                continue;
            exts[n++] = type;
            if (type == TLS_EXT_ALPN) {
                alpn_seen = true;
                alpn = e;
                cur_get_be16(&alpn);
            }
        }
    }
    tls_ja4_alpn(alpn, alpn_seen, alpn_chars);
    tls_ja4_hash(exts, n, NULL, 0, h);
    snprintf(out, TLS_JA4S_LEN, "t%s%02u%s_%04x_%s", tls_ja4_version(version),
             (unsigned)(n > 99 ? 99 : n), alpn_chars, suite, h);
}

bool
tls_parse_client_hello(struct cursor c, struct tls_client_hello *ch)
{
    struct cursor whole = c;
    uint16_t version = cur_get_be16(&c);
    cur_skip(&c, 32);
    uint8_t sid_len = cur_get_u8(&c);
    struct cursor sid = cur_take(&c, sid_len);
    struct cursor suites = cur_take(&c, cur_get_be16(&c));
    cur_take(&c, cur_get_u8(&c)); /* compression methods */
    if (!cur_ok(&c) || sid_len > 32)
        return false;
    memset(ch, 0, sizeof(*ch));
    ch->seen = true;
    ch->version = version;
    tls_ja4(whole, ch->ja4);
    ch->sid_len = sid_len;
    cur_copy(&sid, ch->sid, sid_len);
    while (cur_left(&suites) >= 2) {
        uint16_t s = cur_get_be16(&suites);
        if (ch->n_suites < TLS_MAX_SUITES)
            ch->suites[ch->n_suites] = s;
        if (ch->n_suites < UINT16_MAX)
            ch->n_suites++;
    }
    if (cur_left(&c) < 2)
        return true;
    struct cursor exts = cur_take(&c, cur_get_be16(&c));
    while (cur_left(&exts) >= 4) {
        uint16_t type = cur_get_be16(&exts);
        struct cursor e = cur_take(&exts, cur_get_be16(&exts));
        if (!cur_ok(&exts))
            break;
        tls_parse_client_ext(ch, type, e);
    }
    return true;
}

/* ------------------------------------------------------------------ ServerHello, HelloRetryRequest
 */

static void
tls_parse_server_ext(struct tls_server_ext *sx, uint16_t type, struct cursor e)
{
    switch (type) {
    case TLS_EXT_VERSIONS:
        sx->version = cur_get_be16(&e);
        sx->versions_seen = cur_ok(&e);
        break;
    case TLS_EXT_KEY_SHARE_OLD:
    case TLS_EXT_KEY_SHARE:
        /* ServerHello: group + key; HelloRetryRequest: the group alone */
        sx->ks_group = cur_get_be16(&e);
        sx->ks_seen = cur_ok(&e);
        break;
    case TLS_EXT_PSK:
        sx->psk = true;
        break;
    case TLS_EXT_EMS:
        sx->ems = true;
        break;
    case TLS_EXT_ETM:
        sx->etm = true;
        break;
    case TLS_EXT_RENEGOTIATION:
        sx->reneg = true;
        break;
    case TLS_EXT_TICKET:
        sx->ticket = true;
        break;
    case TLS_EXT_EARLY_DATA:
        sx->early_data = true;
        break;
    case TLS_EXT_STATUS_REQUEST:
        sx->status = true;
        break;
    case TLS_EXT_ALPN:
        tls_parse_alpn(e, sx->alpn, sizeof(sx->alpn));
        break;
    default:
        break;
    }
}

/* Extensions block: true when it parses exactly (the layout guess was right). */
static bool
tls_parse_server_exts(struct tls_server_ext *sx, struct cursor *c)
{
    memset(sx, 0, sizeof(*sx));
    if (cur_left(c) == 0)
        return true;
    struct cursor exts = cur_take(c, cur_get_be16(c));
    if (!cur_ok(c) || cur_left(c) != 0)
        return false;
    while (cur_left(&exts) >= 4) {
        uint16_t type = cur_get_be16(&exts);
        struct cursor e = cur_take(&exts, cur_get_be16(&exts));
        if (!cur_ok(&exts))
            return false;
        tls_parse_server_ext(sx, type, e);
    }
    return cur_left(&exts) == 0;
}

/*
 * ServerHello in one of two layouts: RFC (version, random, session id, suite,
 * compression, extensions) or the TLS 1.3 drafts before 22 and Google's
 * experiments (version, random, suite, extensions). The layout whose lengths
 * add up wins; sh is written only then.
 */
static bool
tls_parse_sh_layout(struct cursor c, bool short_form, struct tls_server_hello *sh)
{
    uint16_t version = cur_get_be16(&c);
    const uint8_t *random = cur_get_bytes(&c, 32);
    uint8_t sid_len = 0;
    struct cursor sid = cur_init(NULL, 0);
    if (!short_form) {
        sid_len = cur_get_u8(&c);
        sid = cur_take(&c, sid_len);
    }
    uint16_t suite = cur_get_be16(&c);
    if (!short_form)
        cur_get_u8(&c); /* compression */
    if (!cur_ok(&c) || sid_len > 32 || !random)
        return false;
    struct tls_server_ext sx;
    struct cursor exts = c;
    if (!tls_parse_server_exts(&sx, &c))
        return false;
    memset(sh, 0, sizeof(*sh));
    sh->hrr = memcmp(random, tls_hrr_random, sizeof(tls_hrr_random)) == 0;
    sh->legacy_version = version;
    sh->version = sx.versions_seen ? sx.version : version;
    sh->suite = suite;
    sh->sid_len = sid_len;
    cur_copy(&sid, sh->sid, sid_len);
    sh->sx = sx;
    if (!short_form)
        tls_ja4s(exts, sh->version, suite, sh->ja4s);
    return true;
}

bool
tls_parse_server_hello(struct cursor c, struct tls_server_hello *sh)
{
    uint8_t hi = 0;
    cur_peek_at(&c, 0, &hi);
    bool draft_short = hi == 0x7e || hi == 0x7f;
    return tls_parse_sh_layout(c, draft_short, sh) || tls_parse_sh_layout(c, !draft_short, sh);
}

bool
tls_parse_hrr_draft(struct cursor c, struct tls_server_hello *sh)
{
    uint16_t version = cur_get_be16(&c);
    struct tls_server_ext sx;
    struct cursor alt = c;
    if (!tls_parse_server_exts(&sx, &c)) {
        cur_get_be16(&alt); /* drafts 19-21 carry the cipher suite */
        if (!tls_parse_server_exts(&sx, &alt))
            return false;
    }
    memset(sh, 0, sizeof(*sh));
    sh->hrr = true;
    sh->legacy_version = version;
    sh->version = sx.versions_seen ? sx.version : version;
    sh->sx = sx;
    return true;
}

/* ------------------------------------------------------------------ Certificate, ServerKeyExchange
 */

bool
tls_parse_certificate(struct cursor c, bool truncated, bool *empty, struct tls_leaf_cert *leaf)
{
    uint32_t list_len = cur_get_be24(&c);
    if (!cur_ok(&c))
        return false;
    *empty = list_len == 0;
    if (list_len == 0 || leaf->facts)
        return true;
    uint32_t len = cur_get_be24(&c);
    if (!cur_ok(&c))
        return true;
    leaf->der_len = len;
    if (len > x509_der_max()) {
        leaf->err = "certificate larger than the parsing limit";
        return true;
    }
    const uint8_t *der = cur_get_bytes(&c, len);
    if (!der) {
        leaf->err = truncated ? "certificate message cut" : "certificate length error";
        return true;
    }
    leaf->facts = malloc(sizeof(*leaf->facts));
    if (!leaf->facts)
        return true;
    if (x509_parse_facts(der, len, leaf->facts) != 0)
        leaf->err = "certificate not parsed by libcrypto";
    return true;
}

static uint32_t
tls_bignum_bits(struct cursor p)
{
    while (cur_left(&p) > 0 && cur_peek_u8(&p) == 0)
        cur_get_u8(&p);
    size_t n = cur_left(&p);
    if (n == 0)
        return 0;
    uint8_t top = cur_get_u8(&p);
    uint32_t bits = (uint32_t)(n - 1) * 8;
    while (top) {
        bits++;
        top >>= 1;
    }
    return bits;
}

void
tls_parse_server_keyx(struct cursor c, const char *kex, struct tls_server_keyx *out)
{
    memset(out, 0, sizeof(*out));
    if (strcmp(kex, "ECDHE_PSK") == 0 || strcmp(kex, "DHE_PSK") == 0)
        cur_take(&c, cur_get_be16(&c)); /* psk_identity_hint */
    if (strncmp(kex, "ECDH", 4) == 0) {
        uint8_t curve_type = cur_get_u8(&c);
        uint16_t named = curve_type == 3 ? cur_get_be16(&c) : (uint16_t)(0xff00 + curve_type);
        if (cur_ok(&c) && curve_type >= 1 && curve_type <= 3) {
            out->group_known = true;
            out->group = named;
        }
    } else if (strncmp(kex, "DH", 2) == 0) {
        struct cursor p = cur_take(&c, cur_get_be16(&c));
        if (cur_ok(&c)) {
            out->dh_known = true;
            out->dh_bits = tls_bignum_bits(p);
        }
    }
}
