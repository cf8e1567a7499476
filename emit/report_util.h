/* report_util.h - what the report keeps its model in: interned strings and string-keyed maps. */
#ifndef ZS_REPORT_UTIL_H
#define ZS_REPORT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zert_record.h"

/*
 * A string-keyed hash map (open addressing, FNV-1a, doubling at 1/2 load) whose keys
 * are copied and whose values are indexes the caller assigns (into its own array).
 * Lookup and insert are O(1) on average; memory is the keys plus 16 bytes a slot.
 */
struct rep_map {
    char **keys;
    size_t *vals;
    size_t cap, count;
    bool failed; /* out of memory: inserts fail from then on */
};

void rep_map_init(struct rep_map *m);
void rep_map_fini(struct rep_map *m);
/* The value stored under key, or SIZE_MAX. */
size_t rep_map_get(const struct rep_map *m, const char *key);
/* Store key -> val when absent. Returns the value now stored (an existing one wins), or
 * SIZE_MAX when memory ran out. *added tells whether the key was new. */
size_t rep_map_put(struct rep_map *m, const char *key, size_t val, bool *added);

/*
 * Interned strings: one copy of each distinct text, kept for the pool's life, so model
 * rows hold `const char *` that compare by pointer and cost nothing to keep.
 */
struct rep_pool {
    struct rep_map map;
    char **strs;
    size_t n, cap;
    bool failed;
};

void rep_pool_init(struct rep_pool *p);
void rep_pool_fini(struct rep_pool *p);
/* The interned copy of s (NULL gives ""); "" on out-of-memory (p->failed is set). */
const char *rep_pool_str(struct rep_pool *p, const char *s);
/* printf into the pool. */
const char *rep_pool_fmt(struct rep_pool *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A growing text buffer for building keys. */
struct rep_buf {
    char *s;
    size_t len, cap;
    bool failed;
};

void rep_buf_init(struct rep_buf *b);
void rep_buf_fini(struct rep_buf *b);
void rep_buf_reset(struct rep_buf *b);
void rep_buf_add(struct rep_buf *b, const char *s);
void rep_buf_addf(struct rep_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text ("" when empty). */
const char *rep_buf_str(const struct rep_buf *b);

/* Grow an array of `size`-byte elements to hold at least `need`; 0 or -1 (out of memory). */
int rep_grow(void **arr, size_t *cap, size_t need, size_t size);

/* An endpoint's address as text ("" when unknown). buf needs 46 bytes. */
const char *rep_ip_text(const struct zert_endpoint *e, char *buf, size_t len);
/* RFC 3339 UTC to the second ("" for 0). buf needs 24 bytes. */
const char *rep_time_text(uint64_t us, char *buf, size_t len);

#endif
