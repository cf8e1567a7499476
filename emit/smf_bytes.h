/* smf_bytes.h - big-endian integers of SMF records, dump files and TZif files at checked offsets.
 */
#ifndef ZS_SMF_BYTES_H
#define ZS_SMF_BYTES_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * emit/ reads bytes it did not write (SMF dumps from z/OS, TZif files) and never
 * parses packets, so it has its own accessors instead of dissectors/cursor.h:
 * a field is named by its offset in a buffer of known length, as the SMF
 * layouts (smf119-zert.md) name them.
 *
 * Reading past the end gives zero bytes: a section written by an older release
 * is shorter than the layout, and its missing fields read as 0, "unknown".
 * Callers that must tell a short buffer from a zero check smf_fits() first.
 * Writing past the end is a bug in a layout: an assert, and nothing is written
 * when asserts are compiled out.
 */

/* Whether n bytes at off lie inside a buffer of len bytes (no overflow on the way). */
static inline bool
smf_fits(size_t len, size_t off, size_t n)
{
    return off <= len && n <= len - off;
}

/* An n-byte (1..8) big-endian unsigned integer; bytes past len read as 0. */
static inline uint64_t
smf_get(const uint8_t *p, size_t len, size_t off, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | (smf_fits(len, off + i, 1) ? p[off + i] : 0);
    return v;
}

static inline uint8_t
smf_get8(const uint8_t *p, size_t len, size_t off)
{
    return (uint8_t)smf_get(p, len, off, 1);
}

static inline uint16_t
smf_get16(const uint8_t *p, size_t len, size_t off)
{
    return (uint16_t)smf_get(p, len, off, 2);
}

static inline uint32_t
smf_get32(const uint8_t *p, size_t len, size_t off)
{
    return (uint32_t)smf_get(p, len, off, 4);
}

static inline uint64_t
smf_get64(const uint8_t *p, size_t len, size_t off)
{
    return smf_get(p, len, off, 8);
}

/* n bytes at off into dst; the part past len reads as zeros. */
static inline void
smf_get_bytes(const uint8_t *p, size_t len, size_t off, uint8_t *dst, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = smf_fits(len, off + i, 1) ? p[off + i] : 0;
}

/* Whether n bytes at off are all zero (bytes past len are). */
static inline bool
smf_all_zero(const uint8_t *p, size_t len, size_t off, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (smf_get8(p, len, off + i))
            return false;
    }
    return true;
}

/* Store the low n (1..8) bytes of v big-endian at off. */
static inline void
smf_put(uint8_t *p, size_t len, size_t off, size_t n, uint64_t v)
{
    assert(smf_fits(len, off, n));
    if (!smf_fits(len, off, n))
        return;
    for (size_t i = n; i-- > 0; v >>= 8)
        p[off + i] = (uint8_t)v;
}

static inline void
smf_put8(uint8_t *p, size_t len, size_t off, uint8_t v)
{
    smf_put(p, len, off, 1, v);
}

static inline void
smf_put16(uint8_t *p, size_t len, size_t off, uint16_t v)
{
    smf_put(p, len, off, 2, v);
}

static inline void
smf_put32(uint8_t *p, size_t len, size_t off, uint32_t v)
{
    smf_put(p, len, off, 4, v);
}

static inline void
smf_put_bytes(uint8_t *p, size_t len, size_t off, const uint8_t *src, size_t n)
{
    assert(smf_fits(len, off, n));
    if (!smf_fits(len, off, n))
        return;
    for (size_t i = 0; i < n; i++)
        p[off + i] = src[i];
}

#endif
