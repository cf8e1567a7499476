/* json_writer.c - a small JSON Lines writer: keys in call order, strings escaped. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json_writer.h"

void
jw_init(struct json_writer *w)
{
    memset(w, 0, sizeof(*w));
}

void
jw_fini(struct json_writer *w)
{
    free(w->buf);
    memset(w, 0, sizeof(*w));
}

void
jw_reset(struct json_writer *w)
{
    w->len = 0;
    w->failed = false;
    w->depth = 0;
}

/* Room for n more bytes and the NUL; false (and the line failed) when memory ran out. */
static bool
grow(struct json_writer *w, size_t n)
{
    if (w->failed)
        return false;
    size_t cap = w->cap ? w->cap : 512;
    while (cap < w->len + n + 1)
        cap *= 2;
    char *b = realloc(w->buf, cap);
    if (!b) {
        w->failed = true;
        return false;
    }
    w->buf = b;
    w->cap = cap;
    return true;
}

static inline void
put(struct json_writer *w, const char *s, size_t n)
{
    if (w->len + n + 1 > w->cap && !grow(w, n))
        return;
    if (w->failed)
        return;
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

static void
putc_(struct json_writer *w, char c)
{
    put(w, &c, 1);
}

/* Before a value: a comma unless it is the first member (keys put their own). */
static void
sep(struct json_writer *w)
{
    if (w->depth == 0)
        return;
    if (!w->first[w->depth])
        putc_(w, ',');
    w->first[w->depth] = false;
}

static void after_value(struct json_writer *w);

static void
open_(struct json_writer *w, char c)
{
    sep(w);
    putc_(w, c);
    if (w->depth + 1 < JW_MAX_DEPTH) {
        w->depth++;
        w->first[w->depth] = true;
    } else {
        w->failed = true;
    }
}

void
jw_obj_open(struct json_writer *w)
{
    open_(w, '{');
}

void
jw_obj_close(struct json_writer *w)
{
    putc_(w, '}');
    if (w->depth > 0)
        w->depth--;
    after_value(w);
}

void
jw_arr_open(struct json_writer *w)
{
    open_(w, '[');
}

void
jw_arr_close(struct json_writer *w)
{
    putc_(w, ']');
    if (w->depth > 0)
        w->depth--;
    after_value(w);
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 when it is not valid UTF-8. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return len;
}

/* Bytes written as they are inside a JSON string: printable ASCII but '"' and '\\'. Pure (the
 * records are written from a thread of their own: sensor/records.c). */
static inline bool
plain_byte(unsigned char c)
{
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/*
 * A JSON string. Wire text (banners, SNI, DNs) is not always UTF-8: a byte that does not start
 * valid UTF-8 is written as the text \xNN (as Zeek does), so the line stays valid JSON and
 * the byte stays visible.
 */
static void
quoted(struct json_writer *w, const char *str, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    putc_(w, '"');
    size_t run = 0; /* bytes that need no escape, written in one go */
    for (size_t i = 0; i < n;) {
        while (i < n && plain_byte(s[i]))
            i++;
        if (i == n)
            break;
        unsigned char c = s[i];
        if (c >= 0x80) {
            size_t len = utf8_len(s + i, n - i);
            if (len) {
                i += len;
                continue;
            }
        }
        put(w, str + run, i - run);
        if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t') {
            char e[2] = {'\\', c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : (char)c};
            put(w, e, 2);
        } else if (c >= 0x80) {
            char e[5] = {'\\', '\\', 'x', hex[c >> 4], hex[c & 15]};
            put(w, e, 5);
        } else {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            put(w, e, 6);
        }
        i++;
        run = i;
    }
    put(w, str + run, n - run);
    putc_(w, '"');
}

void
jw_key(struct json_writer *w, const char *key)
{
    /* keys are the program's own ASCII names: nothing to escape, copied in one go */
    size_t n = strlen(key);
    if (w->len + n + 5 > w->cap && !grow(w, n + 4))
        return;
    if (w->failed)
        return;
    char *p = w->buf + w->len;
    if (w->depth > 0 && !w->first[w->depth])
        *p++ = ',';
    *p++ = '"';
    memcpy(p, key, n);
    p += n;
    *p++ = '"';
    *p++ = ':';
    *p = '\0';
    w->len = (size_t)(p - w->buf);
    /* the value that follows must not add a comma */
    w->first[w->depth] = true;
}

static void
after_value(struct json_writer *w)
{
    if (w->depth > 0)
        w->first[w->depth] = false;
}

void
jw_strn(struct json_writer *w, const char *s, size_t n)
{
    sep(w);
    quoted(w, s, n);
    after_value(w);
}

void
jw_str(struct json_writer *w, const char *s)
{
    if (!s) {
        jw_null(w);
        return;
    }
    jw_strn(w, s, strlen(s));
}

const char *
jw_u64_text(uint64_t v, char buf[JW_U64_TEXT], size_t *len)
{
    /* by hand: snprintf was the largest cost of the flow log (bench/README.md) */
    size_t i = JW_U64_TEXT;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    *len = JW_U64_TEXT - i;
    return buf + i;
}

void
jw_uint(struct json_writer *w, uint64_t v)
{
    char b[JW_U64_TEXT];
    size_t n;
    const char *t = jw_u64_text(v, b, &n);
    sep(w);
    put(w, t, n);
    after_value(w);
}

void
jw_int(struct json_writer *w, int64_t v)
{
    char b[24];
    int n = snprintf(b, sizeof(b), "%" PRId64, v);
    sep(w);
    put(w, b, (size_t)n);
    after_value(w);
}

void
jw_bool(struct json_writer *w, bool v)
{
    sep(w);
    put(w, v ? "true" : "false", v ? 4 : 5);
    after_value(w);
}

void
jw_null(struct json_writer *w)
{
    sep(w);
    put(w, "null", 4);
    after_value(w);
}

/* Days since 1970-01-01 as a proleptic Gregorian date (H. Hinnant's civil_from_days). */
static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* n digits of v, zero-padded, at p. */
static char *
put_digits(char *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + n;
}

/*
 * By hand, not gmtime_r + snprintf: glibc's gmtime_r takes the time zone lock, and a record has
 * several times (bench/README.md, the records job's profile). Years past 9999 (packet times up
 * to 2^64 us) are written with all their digits.
 */
const char *
jw_format_time(uint64_t ts_us, char *buf, size_t len)
{
    char t[48];
    uint64_t secs = ts_us / 1000000;
    int64_t y;
    unsigned mo, d;
    civil_from_days((int64_t)(secs / 86400), &y, &mo, &d);
    uint64_t sod = secs % 86400;
    char *p = t;
    int ydig = 4;
    for (int64_t v = y / 10000; v > 0; v /= 10)
        ydig++;
    p = put_digits(p, (uint64_t)y, ydig);
    *p++ = '-';
    p = put_digits(p, mo, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    *p++ = 'T';
    p = put_digits(p, sod / 3600, 2);
    *p++ = ':';
    p = put_digits(p, sod / 60 % 60, 2);
    *p++ = ':';
    p = put_digits(p, sod % 60, 2);
    *p++ = '.';
    p = put_digits(p, ts_us % 1000000, 6);
    *p++ = 'Z';
    size_t n = (size_t)(p - t);
    if (len == 0)
        return buf;
    if (n >= len)
        n = len - 1; /* cut to the caller's buffer, as snprintf did */
    memcpy(buf, t, n);
    buf[n] = '\0';
    return buf;
}

void
jw_time(struct json_writer *w, uint64_t ts_us)
{
    char b[40];
    jw_str(w, jw_format_time(ts_us, b, sizeof(b)));
}

void
jw_key_str(struct json_writer *w, const char *key, const char *s)
{
    jw_key(w, key);
    jw_str(w, s);
}

void
jw_key_text(struct json_writer *w, const char *key, const char *s)
{
    jw_key(w, key);
    jw_str(w, s && *s ? s : NULL);
}

void
jw_key_uint(struct json_writer *w, const char *key, uint64_t v)
{
    jw_key(w, key);
    jw_uint(w, v);
}

void
jw_key_bool(struct json_writer *w, const char *key, bool v)
{
    jw_key(w, key);
    jw_bool(w, v);
}

/* The key, and null when the value is not known: true when the caller writes the value. */
static bool
key_known(struct json_writer *w, const char *key, bool known)
{
    jw_key(w, key);
    if (!known)
        jw_null(w);
    return known;
}

void
jw_key_uint_pair(struct json_writer *w, const char *key, const char *key_a, uint64_t a,
                 const char *key_b, uint64_t b)
{
    jw_key(w, key);
    jw_obj_open(w);
    jw_key_uint(w, key_a, a);
    jw_key_uint(w, key_b, b);
    jw_obj_close(w);
}

void
jw_key_num(struct json_writer *w, const char *key, const struct zert_num *n)
{
    if (key_known(w, key, n->known))
        jw_uint(w, n->v);
}

void
jw_key_tri(struct json_writer *w, const char *key, enum zert_tri t)
{
    if (key_known(w, key, t != ZERT_TRI_UNKNOWN))
        jw_bool(w, t == ZERT_TRI_TRUE);
}

void
jw_key_hex(struct json_writer *w, const char *key, const struct zert_bytes *b)
{
    static const char hex[] = "0123456789abcdef";
    char buf[2 * sizeof(b->b) + 1];
    if (!key_known(w, key, b->known))
        return;
    size_t n = b->len <= sizeof(b->b) ? b->len : sizeof(b->b);
    for (size_t i = 0; i < n; i++) {
        buf[2 * i] = hex[b->b[i] >> 4];
        buf[2 * i + 1] = hex[b->b[i] & 15];
    }
    jw_strn(w, buf, 2 * n);
}

void
jw_key_hex64(struct json_writer *w, const char *key, const struct zert_num *n)
{
    char buf[24];
    if (!key_known(w, key, n->known))
        return;
    snprintf(buf, sizeof(buf), "%016" PRIx64, n->v);
    jw_str(w, buf);
}

void
jw_key_time(struct json_writer *w, const char *key, uint64_t ts_us)
{
    jw_key(w, key);
    jw_time(w, ts_us);
}

void
jw_key_time_or_null(struct json_writer *w, const char *key, uint64_t ts_us)
{
    if (key_known(w, key, ts_us != 0))
        jw_time(w, ts_us);
}

size_t
jw_addr_text(int family, const uint8_t ip[16], char *buf, size_t len)
{
    char t[INET6_ADDRSTRLEN];
    size_t n = 0;
    if (family == 4) {
        /* by hand: inet_ntop (sprintf inside) was 3 % of the records job */
        for (int i = 0; i < 4; i++) {
            unsigned v = ip[i];
            if (i)
                t[n++] = '.';
            if (v >= 100)
                t[n++] = (char)('0' + v / 100);
            if (v >= 10)
                t[n++] = (char)('0' + v / 10 % 10);
            t[n++] = (char)('0' + v % 10);
        }
        t[n] = '\0';
    } else if (family == 6 && inet_ntop(AF_INET6, ip, t, sizeof(t))) {
        n = strlen(t);
    }
    if (len == 0)
        return 0;
    if (n >= len)
        n = len - 1;
    memcpy(buf, t, n);
    buf[n] = '\0';
    return n;
}

void
jw_key_ip(struct json_writer *w, const char *key, const struct zert_endpoint *e)
{
    char buf[INET6_ADDRSTRLEN];
    jw_key(w, key);
    size_t n = jw_addr_text(e->family, e->ip, buf, sizeof(buf));
    if (n)
        jw_strn(w, buf, n);
    else
        jw_null(w);
}

void
jw_key_endpoint(struct json_writer *w, const char *key, const struct zert_endpoint *e,
                bool with_port)
{
    jw_key(w, key);
    jw_obj_open(w);
    jw_key_ip(w, "ip", e);
    if (with_port) {
        jw_key(w, "port");
        if (e->family)
            jw_uint(w, e->port);
        else
            jw_null(w);
    }
    jw_obj_close(w);
}

void
jw_key_ip_proto(struct json_writer *w, const char *key, uint8_t proto)
{
    jw_key(w, key);
    switch (proto) {
    case 0:
        jw_null(w);
        break;
    case 6:
        jw_str(w, "tcp");
        break;
    case 17:
        jw_str(w, "udp");
        break;
    case 50:
        jw_str(w, "esp");
        break;
    case 51:
        jw_str(w, "ah");
        break;
    default:
        jw_uint(w, proto);
        break;
    }
}

int
jw_write_line(struct json_writer *w, FILE *out)
{
    if (w->failed)
        return -1;
    putc_(w, '\n');
    if (w->failed || fwrite(w->buf, 1, w->len, out) != w->len)
        return -1;
    return 0;
}
