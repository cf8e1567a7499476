/* report_read.c - reads the sensor's records.jsonl back into struct zert_detail / zert_summary. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <jansson.h>

#include "emit_json.h"
#include "report_read.h"
#include "report_util.h"

/* One decode: the first problem wins and makes the line malformed. */
struct rd {
    bool bad;
    bool *truncated;
    char *err;
    size_t errlen;
};

static void rd_fail(struct rd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
rd_fail(struct rd *c, const char *fmt, ...)
{
    va_list ap;
    if (c->bad)
        return;
    c->bad = true;
    va_start(ap, fmt);
    vsnprintf(c->err, c->errlen, fmt, ap);
    va_end(ap);
}

/* The member, or NULL when absent or null. */
static json_t *
member(json_t *o, const char *key)
{
    json_t *v = o ? json_object_get(o, key) : NULL;
    return v && !json_is_null(v) ? v : NULL;
}

static void
get_str(struct rd *c, json_t *o, const char *key, char *dst, size_t cap)
{
    json_t *v = member(o, key);
    dst[0] = '\0';
    if (!v)
        return;
    if (!json_is_string(v)) {
        rd_fail(c, "%s: expected a string", key);
        return;
    }
    /* an embedded NUL (JSON \u0000) ends the text, as the C field would */
    zert_str_set(dst, cap, json_string_value(v), c->truncated);
}

static bool
get_u64(struct rd *c, json_t *o, const char *key, uint64_t *dst, bool *known)
{
    json_t *v = member(o, key);
    *dst = 0;
    if (known)
        *known = false;
    if (!v)
        return false;
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        rd_fail(c, "%s: expected a non-negative integer", key);
        return false;
    }
    *dst = (uint64_t)json_integer_value(v);
    if (known)
        *known = true;
    return true;
}

static void
get_num(struct rd *c, json_t *o, const char *key, struct zert_num *n)
{
    get_u64(c, o, key, &n->v, &n->known);
}

static uint32_t
get_u32(struct rd *c, json_t *o, const char *key)
{
    uint64_t v;
    get_u64(c, o, key, &v, NULL);
    if (v > UINT32_MAX)
        rd_fail(c, "%s: above 32 bits", key);
    return (uint32_t)v;
}

static void
get_tri(struct rd *c, json_t *o, const char *key, enum zert_tri *t)
{
    json_t *v = member(o, key);
    *t = ZERT_TRI_UNKNOWN;
    if (!v)
        return;
    if (!json_is_boolean(v)) {
        rd_fail(c, "%s: expected true or false", key);
        return;
    }
    *t = zert_tri_from_bool(json_is_true(v));
}

static bool
digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* RFC 3339 ("2014-05-15T15:39:57.119053Z", a fraction of any length, Z or +hh:mm). */
static bool
parse_time(const char *s, uint64_t *us)
{
    int y, mo, d, h, mi, sec, oh = 0, om = 0;
    uint64_t frac = 0;
    if (strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
        s[7] != '-' || !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
        !digits(s + 17, 2, &sec))
        return false;
    const char *p = s + 19;
    if (*p == '.') {
        int n = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, n++) {
            if (n < 6)
                frac = frac * 10 + (uint64_t)(*p - '0');
        }
        if (n == 0)
            return false;
        for (; n < 6; n++)
            frac *= 10;
    }
    int sign = 0;
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
        sign = 0;
    else if ((*p == '+' || *p == '-') && digits(p + 1, 2, &oh) && p[3] == ':' &&
             digits(p + 4, 2, &om) && p[6] == '\0')
        sign = *p == '+' ? 1 : -1;
    else
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || y < 1970)
        return false;
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    int64_t t = (int64_t)timegm(&tm) - sign * (int64_t)(oh * 3600 + om * 60);
    if (t < 0)
        return false;
    *us = (uint64_t)t * 1000000u + frac;
    return true;
}

static void
get_time(struct rd *c, json_t *o, const char *key, uint64_t *us)
{
    json_t *v = member(o, key);
    *us = 0;
    if (!v)
        return;
    if (!json_is_string(v) || !parse_time(json_string_value(v), us))
        rd_fail(c, "%s: expected an RFC 3339 time", key);
}

static void
parse_ip(struct rd *c, json_t *v, const char *key, struct zert_endpoint *e)
{
    e->family = 0;
    memset(e->ip, 0, sizeof(e->ip));
    if (!v || json_is_null(v))
        return;
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    if (s && inet_pton(AF_INET, s, e->ip) == 1)
        e->family = 4;
    else if (s && inet_pton(AF_INET6, s, e->ip) == 1)
        e->family = 6;
    else
        rd_fail(c, "%s: expected an IP address", key);
}

static void
get_endpoint(struct rd *c, json_t *o, const char *key, struct zert_endpoint *e)
{
    json_t *v = member(o, key);
    memset(e, 0, sizeof(*e));
    if (!v)
        return;
    if (!json_is_object(v)) {
        rd_fail(c, "%s: expected an object", key);
        return;
    }
    parse_ip(c, json_object_get(v, "ip"), key, e);
    uint64_t port;
    get_u64(c, v, "port", &port, NULL);
    if (port > 65535)
        rd_fail(c, "%s.port: above 65535", key);
    e->port = (uint16_t)port;
}

static int
hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static void
get_hex(struct rd *c, json_t *o, const char *key, struct zert_bytes *b, size_t max)
{
    json_t *v = member(o, key);
    uint8_t tmp[sizeof(b->b)];
    memset(b, 0, sizeof(*b));
    if (!v)
        return;
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    size_t n = s ? strlen(s) : 1;
    if (!s || n % 2) {
        rd_fail(c, "%s: expected hex text", key);
        return;
    }
    if (n / 2 > sizeof(tmp))
        n = 2 * sizeof(tmp); /* zert_bytes_set() marks the record truncated */
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            rd_fail(c, "%s: expected hex text", key);
            return;
        }
        tmp[i] = (uint8_t)(hi << 4 | lo);
    }
    zert_bytes_set(b, tmp, strlen(s) / 2, max, c->truncated);
}

/* An SSH host-key fingerprint: OpenSSH's "SHA256:<base64 without padding>", or hex bytes. */
static void
get_fp(struct rd *c, json_t *o, const char *key, struct zert_bytes *b, size_t max)
{
    json_t *v = member(o, key);
    const char *s = v && json_is_string(v) ? json_string_value(v) : NULL;
    if (!s || strncmp(s, "SHA256:", 7) != 0) {
        get_hex(c, o, key, b, max);
        return;
    }
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t tmp[sizeof(b->b)];
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;
    memset(b, 0, sizeof(*b));
    for (const char *p = s + 7; *p; p++) {
        const char *q = strchr(b64, *p);
        if (!q) {
            rd_fail(c, "%s: expected SHA256:base64", key);
            return;
        }
        acc = acc << 6 | (uint32_t)(q - b64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n < sizeof(tmp))
                tmp[n++] = (uint8_t)(acc >> bits);
        }
    }
    zert_bytes_set(b, tmp, n, max, c->truncated);
}

static bool
hex_u64(const char *s, size_t maxdigits, uint64_t *out)
{
    size_t n = strlen(s);
    uint64_t v = 0;
    if (n == 0 || n > maxdigits)
        return false;
    for (size_t i = 0; i < n; i++) {
        int x = hexval(s[i]);
        if (x < 0)
            return false;
        v = v << 4 | (uint64_t)x;
    }
    *out = v;
    return true;
}

static void
get_spi64(struct rd *c, json_t *o, const char *key, struct zert_num *n)
{
    json_t *v = member(o, key);
    n->known = false;
    n->v = 0;
    if (!v)
        return;
    if (!json_is_string(v) || !hex_u64(json_string_value(v), 16, &n->v))
        rd_fail(c, "%s: expected hex text", key);
    else
        n->known = true;
}

static uint8_t
get_spis(struct rd *c, json_t *o, const char *key, uint32_t *spis)
{
    json_t *v = member(o, key), *e;
    size_t i;
    uint8_t n = 0;
    if (!v)
        return 0;
    if (!json_is_array(v)) {
        rd_fail(c, "%s: expected an array", key);
        return 0;
    }
    json_array_foreach(v, i, e)
    {
        uint64_t spi;
        if (!json_is_string(e) || !hex_u64(json_string_value(e), 8, &spi)) {
            rd_fail(c, "%s: expected hex SPIs", key);
            return n;
        }
        if (n < ZERT_SPI_MAX)
            spis[n++] = (uint32_t)spi;
        else
            *c->truncated = true;
    }
    return n;
}

static json_t *
get_obj(struct rd *c, json_t *o, const char *key)
{
    json_t *v = member(o, key);
    if (v && !json_is_object(v)) {
        rd_fail(c, "%s: expected an object", key);
        return NULL;
    }
    return v;
}

static void
read_cert(struct rd *c, json_t *o, const char *key, struct zert_cert *cert)
{
    json_t *v = get_obj(c, o, key);
    memset(cert, 0, sizeof(*cert));
    if (!v)
        return;
    cert->present = true;
    get_str(c, v, "key_type", cert->key_type, sizeof(cert->key_type));
    get_num(c, v, "key_bits", &cert->key_bits);
    get_str(c, v, "curve", cert->curve, sizeof(cert->curve));
    get_str(c, v, "sig_alg", cert->sig_alg, sizeof(cert->sig_alg));
    get_str(c, v, "digest", cert->digest, sizeof(cert->digest));
    get_hex(c, v, "serial", &cert->serial, ZERT_SERIAL_MAX);
    get_hex(c, v, "sha256", &cert->sha256, 32);
    json_t *nb = member(v, "not_before");
    if (nb) {
        uint64_t us;
        if (!json_is_string(nb) || !parse_time(json_string_value(nb), &us))
            rd_fail(c, "not_before: expected an RFC 3339 time");
        else
            zert_num_set(&cert->not_before, us / 1000000u);
    }
    json_t *na = member(v, "not_after");
    if (na) {
        uint64_t us;
        if (!json_is_string(na) || !parse_time(json_string_value(na), &us))
            rd_fail(c, "not_after: expected an RFC 3339 time");
        else
            zert_num_set(&cert->not_after, us / 1000000u);
    }
    get_str(c, v, "subject", cert->subject, sizeof(cert->subject));
    get_str(c, v, "issuer", cert->issuer, sizeof(cert->issuer));
}

static void
read_tls(struct rd *c, json_t *o, struct zert_tls *t)
{
    json_t *v = get_obj(c, o, "tls");
    char hs[16];
    if (!v)
        return;
    t->present = true;
    get_str(c, v, "version", t->version, sizeof(t->version));
    get_num(c, v, "version_code", &t->version_code);
    get_num(c, v, "cipher_suite", &t->cipher_suite);
    get_str(c, v, "cipher_name", t->cipher_name, sizeof(t->cipher_name));
    get_str(c, v, "kex", t->kex, sizeof(t->kex));
    get_str(c, v, "auth", t->auth, sizeof(t->auth));
    get_num(c, v, "group", &t->group);
    get_str(c, v, "group_name", t->group_name, sizeof(t->group_name));
    get_str(c, v, "enc", t->enc, sizeof(t->enc));
    get_str(c, v, "mac", t->mac, sizeof(t->mac));
    get_str(c, v, "handshake", hs, sizeof(hs));
    t->handshake = strcmp(hs, "full") == 0      ? ZERT_HS_FULL
                   : strcmp(hs, "resumed") == 0 ? ZERT_HS_RESUMED
                                                : ZERT_HS_UNKNOWN;
    get_tri(c, v, "hello_retry", &t->hello_retry);
    get_str(c, v, "sni", t->sni, sizeof(t->sni));
    get_str(c, v, "alpn", t->alpn, sizeof(t->alpn));
    get_hex(c, v, "session_id", &t->session_id, 32);
    get_str(c, v, "ja4", t->ja4, sizeof(t->ja4));
    get_str(c, v, "ja4s", t->ja4s, sizeof(t->ja4s));
    read_cert(c, v, "server_cert", &t->server_cert);
    read_cert(c, v, "client_cert", &t->client_cert);
}

static void
read_ssh(struct rd *c, json_t *o, struct zert_ssh *s)
{
    json_t *v = get_obj(c, o, "ssh");
    if (!v)
        return;
    s->present = true;
    get_str(c, v, "version", s->version, sizeof(s->version));
    get_str(c, v, "client_banner", s->client_banner, sizeof(s->client_banner));
    get_str(c, v, "server_banner", s->server_banner, sizeof(s->server_banner));
    get_str(c, v, "kex", s->kex, sizeof(s->kex));
    get_str(c, v, "hostkey", s->hostkey, sizeof(s->hostkey));
    get_str(c, v, "hostkey_type", s->hostkey_type, sizeof(s->hostkey_type));
    get_str(c, v, "enc_c2s", s->enc_c2s, sizeof(s->enc_c2s));
    get_str(c, v, "enc_s2c", s->enc_s2c, sizeof(s->enc_s2c));
    get_str(c, v, "mac_c2s", s->mac_c2s, sizeof(s->mac_c2s));
    get_str(c, v, "mac_s2c", s->mac_s2c, sizeof(s->mac_s2c));
    get_str(c, v, "comp_c2s", s->comp_c2s, sizeof(s->comp_c2s));
    get_str(c, v, "comp_s2c", s->comp_s2c, sizeof(s->comp_s2c));
    get_num(c, v, "hostkey_bits", &s->hostkey_bits);
    get_fp(c, v, "hostkey_fp", &s->hostkey_fp, sizeof(s->hostkey_fp.b));
    get_str(c, v, "hassh", s->hassh, sizeof(s->hassh));
    get_str(c, v, "hassh_server", s->hassh_server, sizeof(s->hassh_server));
}

static void
read_ipsec(struct rd *c, json_t *o, struct zert_ipsec *p)
{
    json_t *v = get_obj(c, o, "ipsec");
    if (!v)
        return;
    p->present = true;
    get_str(c, v, "ike_version", p->ike_version, sizeof(p->ike_version));
    get_str(c, v, "exchange", p->exchange, sizeof(p->exchange));
    get_spi64(c, v, "spi_i", &p->spi_i);
    get_spi64(c, v, "spi_r", &p->spi_r);
    get_str(c, v, "encr", p->encr, sizeof(p->encr));
    get_num(c, v, "key_bits", &p->key_bits);
    get_str(c, v, "prf", p->prf, sizeof(p->prf));
    get_str(c, v, "integ", p->integ, sizeof(p->integ));
    get_num(c, v, "dh_group", &p->dh_group);
    get_str(c, v, "auth", p->auth, sizeof(p->auth));
    p->esp_spi_count = get_spis(c, v, "esp_spis", p->esp_spis);
    p->ah_spi_count = get_spis(c, v, "ah_spis", p->ah_spis);
    get_tri(c, v, "nat_t", &p->nat_t);
    get_str(c, v, "child_sa", p->child_sa, sizeof(p->child_sa));
    parse_ip(c, json_object_get(v, "tunnel_local"), "tunnel_local", &p->tunnel_local);
    parse_ip(c, json_object_get(v, "tunnel_remote"), "tunnel_remote", &p->tunnel_remote);
}

static void
read_ee(struct rd *c, json_t *o, struct zert_ee *e)
{
    json_t *v = get_obj(c, o, "ee"), *a, *x;
    size_t i;
    if (!v)
        return;
    e->present = true;
    a = member(v, "ports");
    if (a && !json_is_array(a))
        rd_fail(c, "ee.ports: expected an array");
    else if (a) {
        json_array_foreach(a, i, x)
        {
            if (!json_is_integer(x) || json_integer_value(x) < 0 || json_integer_value(x) > 65535) {
                rd_fail(c, "ee.ports: expected port numbers");
                break;
            }
            if (e->port_count < ZERT_EE_MAX)
                e->ports[e->port_count++] = (uint16_t)json_integer_value(x);
            else
                *c->truncated = true;
        }
    }
    a = member(v, "saps");
    if (a && !json_is_array(a))
        rd_fail(c, "ee.saps: expected an array");
    else if (a) {
        json_array_foreach(a, i, x)
        {
            const char *s = json_is_string(x) ? json_string_value(x) : "";
            int h0 = hexval(s[0]), h1 = h0 < 0 ? -1 : hexval(s[1]);
            int h2 = h1 < 0 || s[2] != '-' ? -1 : hexval(s[3]);
            int h3 = h2 < 0 ? -1 : hexval(s[4]);
            if (h3 < 0 || s[5] != '\0') {
                rd_fail(c, "ee.saps: expected \"xx-yy\"");
                break;
            }
            if (e->sap_count < ZERT_EE_MAX) {
                e->saps[e->sap_count][0] = (uint8_t)(h0 << 4 | h1);
                e->saps[e->sap_count][1] = (uint8_t)(h2 << 4 | h3);
                e->sap_count++;
            } else {
                *c->truncated = true;
            }
        }
    }
    get_num(c, v, "rtp_pipes", &e->rtp_pipes);
    get_tri(c, v, "xid_seen", &e->xid_seen);
}

static void
read_observation(struct rd *c, json_t *o, struct zert_observation *ob)
{
    json_t *v = get_obj(c, o, "observation");
    if (!v)
        return;
    ob->present = true;
    get_str(c, v, "source", ob->source, sizeof(ob->source));
    get_tri(c, v, "handshake_first", &ob->handshake_first);
    get_str(c, v, "starttls", ob->starttls, sizeof(ob->starttls));
    get_tri(c, v, "midstream", &ob->midstream);
    get_tri(c, v, "rehandshake_suspected", &ob->rehandshake_suspected);
    get_num(c, v, "encrypted_handshake_records", &ob->encrypted_handshake_records);
    get_tri(c, v, "early_close", &ob->early_close);
    get_num(c, v, "gaps", &ob->gaps);
    get_tri(c, v, "incomplete", &ob->incomplete);
    get_str(c, v, "why", ob->why, sizeof(ob->why));
    get_str(c, v, "seen", ob->seen, sizeof(ob->seen));
    get_str(c, v, "limit", ob->limit, sizeof(ob->limit));
}

/* A boolean that is false unless the key says true. */
static bool
get_flag(struct rd *c, json_t *o, const char *key)
{
    enum zert_tri t;
    get_tri(c, o, key, &t);
    return t == ZERT_TRI_TRUE;
}

static void
read_sensor(struct rd *c, json_t *o, struct zert_sensor *s)
{
    json_t *v = get_obj(c, o, "sensor");
    get_str(c, v, "system", s->system, sizeof(s->system));
    get_str(c, v, "sysplex", s->sysplex, sizeof(s->sysplex));
    get_str(c, v, "stack", s->stack, sizeof(s->stack));
}

/* An event as its name, or the number emit_json writes for codes without one. */
static int
read_event(struct rd *c, json_t *o, const char *(*name_of)(int))
{
    json_t *v = member(o, "event");
    if (!v)
        return 0;
    if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 255)
        return (int)json_integer_value(v);
    if (json_is_string(v)) {
        for (int ev = 1; ev < 256; ev++) {
            const char *n = name_of(ev);
            if (n && strcmp(n, json_string_value(v)) == 0)
                return ev;
        }
    }
    rd_fail(c, "event: unknown value");
    return 0;
}

static enum zert_role
read_role(struct rd *c, json_t *o)
{
    json_t *v = member(o, "role");
    if (!v)
        return ZERT_ROLE_UNKNOWN;
    for (int r = ZERT_ROLE_SERVER; r <= ZERT_ROLE_PEER; r++) {
        if (json_is_string(v) && strcmp(json_string_value(v), emit_json_role_name(r)) == 0)
            return (enum zert_role)r;
    }
    rd_fail(c, "role: unknown value");
    return ZERT_ROLE_UNKNOWN;
}

static uint8_t
read_ip_proto(struct rd *c, json_t *o)
{
    static const struct {
        const char *name;
        uint8_t num;
    } protos[] = {{"tcp", 6}, {"udp", 17}, {"esp", 50}, {"ah", 51}};
    json_t *v = member(o, "ip_proto");
    if (!v)
        return 0;
    if (json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) <= 255)
        return (uint8_t)json_integer_value(v);
    for (size_t i = 0; json_is_string(v) && i < sizeof(protos) / sizeof(protos[0]); i++) {
        if (strcmp(json_string_value(v), protos[i].name) == 0)
            return protos[i].num;
    }
    rd_fail(c, "ip_proto: unknown value");
    return 0;
}

static void
read_detail(struct rd *c, json_t *o, struct zert_detail *d)
{
    json_t *v;
    size_t i;
    d->event = (enum zert_detail_event)read_event(c, o, emit_json_detail_event_name);
    get_time(c, o, "time", &d->time_us);
    read_sensor(c, o, &d->sensor);
    d->ip_proto = read_ip_proto(c, o);
    get_endpoint(c, o, "local", &d->local);
    get_endpoint(c, o, "remote", &d->remote);
    d->role = read_role(c, o);
    get_u64(c, o, "conn_id", &d->conn_id, NULL);
    get_time(c, o, "start", &d->start_us);
    get_time(c, o, "end", &d->end_us);
    get_str(c, o, "end_reason", d->end_reason, sizeof(d->end_reason));
    get_u64(c, o, "bytes_in", &d->bytes_in, NULL);
    get_u64(c, o, "bytes_out", &d->bytes_out, NULL);
    get_u64(c, o, "segs_in", &d->segs_in, NULL);
    get_u64(c, o, "segs_out", &d->segs_out, NULL);
    v = json_object_get(o, "protection");
    if (v && json_is_null(v))
        d->prot_unknown = true; /* the wire could not show it: not "no protection" */
    else if (v && !json_is_array(v))
        rd_fail(c, "protection: expected an array");
    else if (v) {
        json_t *x;
        json_array_foreach(v, i, x)
        {
            const char *s = json_is_string(x) ? json_string_value(x) : "";
            if (strcmp(s, "tls") == 0)
                d->protection |= ZERT_PROT_TLS;
            else if (strcmp(s, "ssh") == 0)
                d->protection |= ZERT_PROT_SSH;
            else if (strcmp(s, "ipsec") == 0)
                d->protection |= ZERT_PROT_IPSEC;
            else
                rd_fail(c, "protection: unknown value");
        }
    }
    read_tls(c, o, &d->tls);
    read_ssh(c, o, &d->ssh);
    read_ipsec(c, o, &d->ipsec);
    read_ee(c, o, &d->ee);
    read_observation(c, o, &d->obs);
    get_str(c, o, "jobname", d->job, sizeof(d->job));
    get_str(c, o, "userid", d->user, sizeof(d->user));
    d->local_guessed = get_flag(c, o, "local_guessed");
}

static void
read_counter(struct rd *c, json_t *o, const char *key, uint64_t *start, uint64_t *end)
{
    json_t *v = get_obj(c, o, key);
    get_u64(c, v, "start", start, NULL);
    get_u64(c, v, "end", end, NULL);
}

static void
read_counter32(struct rd *c, json_t *o, const char *key, uint32_t *start, uint32_t *end)
{
    json_t *v = get_obj(c, o, key);
    *start = get_u32(c, v, "start");
    *end = get_u32(c, v, "end");
}

static void
read_summary(struct rd *c, json_t *o, struct zert_summary *s)
{
    char proto[16];
    s->event = (enum zert_summary_event)read_event(c, o, emit_json_summary_event_name);
    get_time(c, o, "time", &s->time_us);
    read_sensor(c, o, &s->sensor);
    get_time(c, o, "interval_start", &s->interval_start_us);
    get_time(c, o, "interval_end", &s->interval_end_us);
    s->ip_proto = read_ip_proto(c, o);
    s->role = read_role(c, o);
    get_endpoint(c, o, "server", &s->server);
    s->server_port_end = s->server.port;
    json_t *srv = member(o, "server");
    if (srv && json_is_object(srv) && member(srv, "port_end")) {
        uint64_t pe;
        get_u64(c, srv, "port_end", &pe, NULL);
        if (pe > 65535)
            rd_fail(c, "server.port_end: above 65535");
        s->server_port_end = (uint16_t)pe;
    }
    json_t *cli = get_obj(c, o, "client");
    parse_ip(c, cli ? json_object_get(cli, "ip") : NULL, "client", &s->client);
    get_str(c, o, "protocol", proto, sizeof(proto));
    if (strcmp(proto, "tls") == 0)
        s->protocol = ZERT_PROT_TLS;
    else if (strcmp(proto, "ssh") == 0)
        s->protocol = ZERT_PROT_SSH;
    else if (strcmp(proto, "ipsec") == 0)
        s->protocol = ZERT_PROT_IPSEC;
    else if (*proto && strcmp(proto, "none") != 0)
        rd_fail(c, "protocol: unknown value");
    get_str(c, o, "session_key", s->session_key, sizeof(s->session_key));
    read_counter32(c, o, "conns", &s->start.conns, &s->end.conns);
    read_counter32(c, o, "partial_conns", &s->start.partial_conns, &s->end.partial_conns);
    read_counter32(c, o, "short_conns", &s->start.short_conns, &s->end.short_conns);
    read_counter32(c, o, "active_conns", &s->start.active_conns, &s->end.active_conns);
    read_counter(c, o, "bytes_in", &s->start.bytes_in, &s->end.bytes_in);
    read_counter(c, o, "bytes_out", &s->start.bytes_out, &s->end.bytes_out);
    read_counter(c, o, "segs_in", &s->start.segs_in, &s->end.segs_in);
    read_counter(c, o, "segs_out", &s->start.segs_out, &s->end.segs_out);
    s->early_flush = get_flag(c, o, "early_flush");
    read_tls(c, o, &s->tls);
    read_ssh(c, o, &s->ssh);
    read_ipsec(c, o, &s->ipsec);
    get_str(c, o, "jobname", s->job, sizeof(s->job));
    get_str(c, o, "userid", s->user, sizeof(s->user));
    s->local_guessed = get_flag(c, o, "local_guessed");
}

enum records_kind
records_read_line(const char *line, size_t len, struct records_item *out, char *err, size_t errlen)
{
    json_error_t je;
    struct rd c = {false, NULL, err, errlen};
    memset(out, 0, sizeof(*out));
    out->in_smf = true;
    err[0] = '\0';
    json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    if (!o) {
        snprintf(err, errlen, "column %d: %s", je.column, je.text);
        return out->kind = RECORDS_BAD;
    }
    if (!json_is_object(o)) {
        snprintf(err, errlen, "not a JSON object");
        json_decref(o);
        return out->kind = RECORDS_BAD;
    }
    json_t *rec = json_object_get(o, "record");
    json_t *in_smf = json_object_get(o, "in_smf");
    if (in_smf && json_is_false(in_smf))
        out->in_smf = false;
    if (!rec || !json_is_string(rec)) {
        snprintf(err, errlen, "no \"record\" key");
        out->kind = RECORDS_BAD;
    } else if (strcmp(json_string_value(rec), "detail") == 0) {
        out->kind = RECORDS_DETAIL;
        c.truncated = &out->u.detail.truncated;
        read_detail(&c, o, &out->u.detail);
        if (json_is_true(json_object_get(o, "truncated")))
            out->u.detail.truncated = true;
        out->u.detail.json_only = !out->in_smf;
    } else if (strcmp(json_string_value(rec), "summary") == 0) {
        out->kind = RECORDS_SUMMARY;
        c.truncated = &out->u.summary.truncated;
        read_summary(&c, o, &out->u.summary);
        if (json_is_true(json_object_get(o, "truncated")))
            out->u.summary.truncated = true;
        out->u.summary.json_only = !out->in_smf;
    } else {
        out->kind = RECORDS_OTHER;
        zert_str_set(out->other, sizeof(out->other), json_string_value(rec), NULL);
    }
    if (c.bad)
        out->kind = RECORDS_BAD;
    json_decref(o);
    return out->kind;
}

void
records_reader_init(struct records_reader *r, FILE *in)
{
    memset(r, 0, sizeof(*r));
    r->in = in;
}

void
records_reader_fini(struct records_reader *r)
{
    free(r->buf);
    memset(r, 0, sizeof(*r));
}

int
records_reader_next(struct records_reader *r, struct records_item *out, char *err, size_t errlen)
{
    for (;;) {
        size_t len = 0;
        bool toolong = false;
        int ch;
        if (r->eof)
            return 0;
        while ((ch = getc_unlocked(r->in)) != EOF && ch != '\n') {
            if (len + 1 >= RECORDS_MAX_LINE) {
                toolong = true; /* read on to the newline, keeping nothing */
                continue;
            }
            if (len + 1 >= r->cap && rep_grow((void **)&r->buf, &r->cap, len + 2, 1) != 0) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            r->buf[len++] = (char)ch;
        }
        if (ch == EOF) {
            if (ferror(r->in)) {
                snprintf(err, errlen, "read error: %s", strerror(errno));
                return -1;
            }
            r->eof = true;
            if (len == 0 && !toolong)
                return 0;
        }
        r->line++;
        if (toolong) {
            memset(out, 0, sizeof(*out));
            out->kind = RECORDS_BAD;
            snprintf(err, errlen, "line longer than %u bytes", RECORDS_MAX_LINE);
            return 1;
        }
        if (len && r->buf[len - 1] == '\r')
            len--;
        size_t k = 0;
        while (k < len && (r->buf[k] == ' ' || r->buf[k] == '\t'))
            k++;
        if (k == len)
            continue; /* blank line */
        records_read_line(r->buf, len, out, err, errlen);
        return 1;
    }
}
