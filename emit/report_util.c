/* report_util.c - interned strings, string-keyed maps and text helpers of the report model. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "report_util.h"

static uint64_t
hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

void
rep_map_init(struct rep_map *m)
{
    memset(m, 0, sizeof(*m));
}

void
rep_map_fini(struct rep_map *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof(*m));
}

static size_t
slot_of(char *const *keys, size_t cap, const char *key)
{
    size_t i = (size_t)hash_str(key) & (cap - 1);
    while (keys[i] && strcmp(keys[i], key) != 0)
        i = (i + 1) & (cap - 1);
    return i;
}

size_t
rep_map_get(const struct rep_map *m, const char *key)
{
    if (!m->cap)
        return SIZE_MAX;
    size_t i = slot_of(m->keys, m->cap, key);
    return m->keys[i] ? m->vals[i] : SIZE_MAX;
}

static int
map_resize(struct rep_map *m, size_t cap)
{
    char **keys = calloc(cap, sizeof(*keys));
    size_t *vals = calloc(cap, sizeof(*vals));
    if (!keys || !vals) {
        free(keys);
        free(vals);
        return -1;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        size_t j = slot_of(keys, cap, m->keys[i]);
        keys[j] = m->keys[i];
        vals[j] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = keys;
    m->vals = vals;
    m->cap = cap;
    return 0;
}

size_t
rep_map_put(struct rep_map *m, const char *key, size_t val, bool *added)
{
    if (added)
        *added = false;
    if (m->failed)
        return SIZE_MAX;
    if (2 * (m->count + 1) > m->cap && map_resize(m, m->cap ? 2 * m->cap : 64) != 0) {
        m->failed = true;
        return SIZE_MAX;
    }
    size_t i = slot_of(m->keys, m->cap, key);
    if (m->keys[i])
        return m->vals[i];
    m->keys[i] = strdup(key);
    if (!m->keys[i]) {
        m->failed = true;
        return SIZE_MAX;
    }
    m->vals[i] = val;
    m->count++;
    if (added)
        *added = true;
    return val;
}

void
rep_pool_init(struct rep_pool *p)
{
    memset(p, 0, sizeof(*p));
    rep_map_init(&p->map);
}

void
rep_pool_fini(struct rep_pool *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->strs[i]);
    free(p->strs);
    rep_map_fini(&p->map);
    memset(p, 0, sizeof(*p));
}

const char *
rep_pool_str(struct rep_pool *p, const char *s)
{
    if (!s || !*s)
        return "";
    size_t i = rep_map_get(&p->map, s);
    if (i != SIZE_MAX)
        return p->strs[i];
    if (rep_grow((void **)&p->strs, &p->cap, p->n + 1, sizeof(*p->strs)) != 0)
        goto fail;
    char *copy = strdup(s);
    if (!copy)
        goto fail;
    if (rep_map_put(&p->map, s, p->n, NULL) == SIZE_MAX) {
        free(copy);
        goto fail;
    }
    p->strs[p->n] = copy;
    return p->strs[p->n++];
fail:
    p->failed = true;
    return "";
}

const char *
rep_pool_fmt(struct rep_pool *p, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return rep_pool_str(p, buf);
}

void
rep_buf_init(struct rep_buf *b)
{
    memset(b, 0, sizeof(*b));
}

void
rep_buf_fini(struct rep_buf *b)
{
    free(b->s);
    memset(b, 0, sizeof(*b));
}

void
rep_buf_reset(struct rep_buf *b)
{
    b->len = 0;
    if (b->s)
        b->s[0] = '\0';
}

static void
buf_put(struct rep_buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (rep_grow((void **)&b->s, &b->cap, b->len + n + 1, 1) != 0) {
        b->failed = true;
        return;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void
rep_buf_add(struct rep_buf *b, const char *s)
{
    if (s)
        buf_put(b, s, strlen(s));
}

void
rep_buf_addf(struct rep_buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(tmp)) {
        buf_put(b, tmp, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->failed = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf_put(b, big, (size_t)n);
    free(big);
}

const char *
rep_buf_str(const struct rep_buf *b)
{
    return b->s ? b->s : "";
}

int
rep_grow(void **arr, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *a = realloc(*arr, n * size);
    if (!a)
        return -1;
    *arr = a;
    *cap = n;
    return 0;
}

const char *
rep_ip_text(const struct zert_endpoint *e, char *buf, size_t len)
{
    buf[0] = '\0';
    if (e->family == 4)
        inet_ntop(AF_INET, e->ip, buf, (socklen_t)len);
    else if (e->family == 6)
        inet_ntop(AF_INET6, e->ip, buf, (socklen_t)len);
    return buf;
}

const char *
rep_time_text(uint64_t us, char *buf, size_t len)
{
    time_t secs = (time_t)(us / 1000000);
    struct tm tm;
    buf[0] = '\0';
    if (us && gmtime_r(&secs, &tm))
        snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}
