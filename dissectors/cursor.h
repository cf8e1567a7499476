/* cursor.h - the one bounds-checked reader for packet and stream bytes. */
#ifndef ZS_CURSOR_H
#define ZS_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Every read of wire bytes goes through a cursor. A read that would pass the
 * end sets `bad`, empties the cursor and returns 0; errors are sticky, so a
 * parser reads a whole structure in straight-line code and checks cur_ok()
 * once. Length fields are validated by cur_take(), never by subtraction.
 *
 * `p` is never NULL: an empty cursor (cur_init(NULL, 0), a failed cur_take)
 * points at a static empty byte, so even a zero-length skip, view or copy does
 * no arithmetic on a null pointer (undefined behaviour, even when adding 0),
 * and a zero-length view of an empty cursor is a valid pointer, not NULL.
 */
struct cursor {
    const uint8_t *p;
    size_t left;
    bool bad;
};

/* What an empty cursor points at (never read: its length is 0). */
static inline const uint8_t *
cur_empty_ptr(void)
{
    return (const uint8_t *)"";
}

static inline struct cursor
cur_init(const uint8_t *p, size_t len)
{
    struct cursor c = {p ? p : cur_empty_ptr(), p ? len : 0, false};
    return c;
}

static inline bool
cur_ok(const struct cursor *c)
{
    return !c->bad;
}

static inline size_t
cur_left(const struct cursor *c)
{
    return c->left;
}

static inline const uint8_t *
cur_ptr(const struct cursor *c)
{
    return c->p ? c->p : cur_empty_ptr();
}

static inline void
cur_fail(struct cursor *c)
{
    c->bad = true;
    c->left = 0;
}

static inline bool
cur_need(struct cursor *c, size_t n)
{
    if (c->bad || c->left < n) {
        cur_fail(c);
        return false;
    }
    return true;
}

/*
 * Move past n bytes cur_need() has checked. n == 0 moves nothing, so a cursor built
 * by hand with a NULL pointer (not through cur_init) is still never offset.
 */
static inline void
cur_advance(struct cursor *c, size_t n)
{
    if (n == 0)
        return;
    c->p += n;
    c->left -= n;
}

static inline uint8_t
cur_get_u8(struct cursor *c)
{
    if (!cur_need(c, 1))
        return 0;
    uint8_t v = c->p[0];
    cur_advance(c, 1);
    return v;
}

static inline uint16_t
cur_get_be16(struct cursor *c)
{
    if (!cur_need(c, 2))
        return 0;
    uint16_t v = (uint16_t)((c->p[0] << 8) | c->p[1]);
    cur_advance(c, 2);
    return v;
}

static inline uint32_t
cur_get_be24(struct cursor *c)
{
    if (!cur_need(c, 3))
        return 0;
    uint32_t v = ((uint32_t)c->p[0] << 16) | ((uint32_t)c->p[1] << 8) | c->p[2];
    cur_advance(c, 3);
    return v;
}

static inline uint32_t
cur_get_be32(struct cursor *c)
{
    if (!cur_need(c, 4))
        return 0;
    uint32_t v =
        ((uint32_t)c->p[0] << 24) | ((uint32_t)c->p[1] << 16) | ((uint32_t)c->p[2] << 8) | c->p[3];
    cur_advance(c, 4);
    return v;
}

static inline uint64_t
cur_get_be64(struct cursor *c)
{
    uint64_t hi = cur_get_be32(c);
    uint64_t lo = cur_get_be32(c);
    return c->bad ? 0 : (hi << 32) | lo;
}

static inline uint16_t
cur_get_le16(struct cursor *c)
{
    if (!cur_need(c, 2))
        return 0;
    uint16_t v = (uint16_t)(c->p[0] | (c->p[1] << 8));
    cur_advance(c, 2);
    return v;
}

static inline uint32_t
cur_get_le32(struct cursor *c)
{
    if (!cur_need(c, 4))
        return 0;
    uint32_t v = (uint32_t)c->p[0] | ((uint32_t)c->p[1] << 8) | ((uint32_t)c->p[2] << 16) |
                 ((uint32_t)c->p[3] << 24);
    cur_advance(c, 4);
    return v;
}

/* Look at the next byte without consuming it; 0 and sticky failure past the end. */
static inline uint8_t
cur_peek_u8(struct cursor *c)
{
    if (!cur_need(c, 1))
        return 0;
    return c->p[0];
}

/* Look at byte `off` ahead without consuming; does not fail the cursor. */
static inline bool
cur_peek_at(const struct cursor *c, size_t off, uint8_t *out)
{
    if (c->bad || off >= c->left)
        return false;
    *out = c->p[off];
    return true;
}

static inline void
cur_skip(struct cursor *c, size_t n)
{
    if (!cur_need(c, n))
        return;
    cur_advance(c, n);
}

/*
 * Consume bytes at which no wanted pair starts: the pair (b, next) is wanted when
 * first[b] & second[next] is not 0. At most `max` bytes are consumed, and never the cursor's
 * last byte (it has no next). Returns the count consumed and leaves the last byte consumed in
 * *last (unchanged when none). For scans that look at few of the bytes they pass (clear text
 * before STARTTLS).
 */
static inline size_t
cur_skip_until_pair(struct cursor *c, const uint32_t first[256], const uint32_t second[256],
                    size_t max, uint8_t *last)
{
    if (c->bad || c->left < 2)
        return 0;
    size_t n = max < c->left - 1 ? max : c->left - 1;
    size_t i = 0;
    while (i < n && !(first[c->p[i]] & second[c->p[i + 1]]))
        i++;
    if (i > 0) {
        *last = c->p[i - 1];
        cur_advance(c, i);
    }
    return i;
}

/* A view of the next n bytes (borrowed: valid only during the call). NULL on failure. */
static inline const uint8_t *
cur_get_bytes(struct cursor *c, size_t n)
{
    if (!cur_need(c, n))
        return NULL;
    const uint8_t *v = c->p ? c->p : cur_empty_ptr();
    cur_advance(c, n);
    return v;
}

/* Copy n bytes into dst; zero-fills dst and fails the cursor when short. */
static inline bool
cur_copy(struct cursor *c, void *dst, size_t n)
{
    const uint8_t *v = cur_get_bytes(c, n);
    unsigned char *d = dst;
    for (size_t i = 0; i < n; i++)
        d[i] = v ? v[i] : 0;
    return v != NULL;
}

/* A child cursor over the next n bytes; the parent moves past them. */
static inline struct cursor
cur_take(struct cursor *c, size_t n)
{
    struct cursor child = {cur_empty_ptr(), 0, true};
    if (!cur_need(c, n))
        return child;
    child.p = c->p ? c->p : cur_empty_ptr();
    child.left = n;
    child.bad = false;
    cur_advance(c, n);
    return child;
}

/* The rest of the cursor as a child; the parent is left empty (not failed). */
static inline struct cursor
cur_rest(struct cursor *c)
{
    return cur_take(c, c->bad ? 1 : c->left);
}

#endif
