/* json_writer.h - a small JSON Lines writer: keys in call order, strings escaped. */
#ifndef ZS_JSON_WRITER_H
#define ZS_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "zert_record.h"

#define JW_MAX_DEPTH 16

/* One JSON value built in memory; jw_write_line() writes it with a newline. */
struct json_writer {
    char *buf;
    size_t len, cap;
    bool failed; /* out of memory: the line is dropped and the caller told */
    int depth;
    bool first[JW_MAX_DEPTH]; /* no member written yet at this depth */
};

void jw_init(struct json_writer *w);
void jw_fini(struct json_writer *w);
void jw_reset(struct json_writer *w);

void jw_obj_open(struct json_writer *w);
void jw_obj_close(struct json_writer *w);
void jw_arr_open(struct json_writer *w);
void jw_arr_close(struct json_writer *w);
/* A key inside an object; the value call follows. */
void jw_key(struct json_writer *w, const char *key);
void jw_str(struct json_writer *w, const char *s);
void jw_strn(struct json_writer *w, const char *s, size_t n);
void jw_uint(struct json_writer *w, uint64_t v);
void jw_int(struct json_writer *w, int64_t v);
void jw_bool(struct json_writer *w, bool v);
void jw_null(struct json_writer *w);
/* The decimal digits of v, at the end of buf (not NUL-terminated): returns where they start. */
#define JW_U64_TEXT 20
const char *jw_u64_text(uint64_t v, char buf[JW_U64_TEXT], size_t *len);
/*
 * An address as text (dotted quad; IPv6 as inet_ntop writes it) in buf, cut to len; returns its
 * length, 0 (and "") for a family other than 4 or 6.
 */
size_t jw_addr_text(int family, const uint8_t ip[16], char *buf, size_t len);
/* RFC 3339 UTC with microseconds, from microseconds since the epoch. */
void jw_time(struct json_writer *w, uint64_t ts_us);

/*
 * A key, then its value, with the null rules of the record types (zert_record.h): every JSON
 * writer of the project (records, observations, flows) writes its members through these.
 */
void jw_key_str(struct json_writer *w, const char *key, const char *s);  /* NULL: null */
void jw_key_text(struct json_writer *w, const char *key, const char *s); /* NULL, "": null */
void jw_key_uint(struct json_writer *w, const char *key, uint64_t v);
void jw_key_bool(struct json_writer *w, const char *key, bool v);
/* "key": {"key_a": a, "key_b": b} (counters per direction, start and end). */
void jw_key_uint_pair(struct json_writer *w, const char *key, const char *key_a, uint64_t a,
                      const char *key_b, uint64_t b);
void jw_key_num(struct json_writer *w, const char *key, const struct zert_num *n);
void jw_key_tri(struct json_writer *w, const char *key, enum zert_tri t);
/* Lower-case hex of the bytes; null when not known. */
void jw_key_hex(struct json_writer *w, const char *key, const struct zert_bytes *b);
/* A 64-bit value as 16 lower-case hex digits (IKE SPIs); null when not known. */
void jw_key_hex64(struct json_writer *w, const char *key, const struct zert_num *n);
void jw_key_time(struct json_writer *w, const char *key, uint64_t ts_us);
void jw_key_time_or_null(struct json_writer *w, const char *key, uint64_t ts_us); /* 0: null */
/* The address text of e (null when the family is neither 4 nor 6). */
void jw_key_ip(struct json_writer *w, const char *key, const struct zert_endpoint *e);
/* {"ip": ..., "port": ...}; without "port" when with_port is false, port null when family 0. */
void jw_key_endpoint(struct json_writer *w, const char *key, const struct zert_endpoint *e,
                     bool with_port);
/* "tcp", "udp", "esp", "ah", null for 0, else the number. */
void jw_key_ip_proto(struct json_writer *w, const char *key, uint8_t proto);

/* Write the value and a newline; 0 on success, -1 on a write or memory error. */
int jw_write_line(struct json_writer *w, FILE *out);

/* RFC 3339 UTC text of a time (buf needs 32 bytes). */
const char *jw_format_time(uint64_t ts_us, char *buf, size_t len);

#endif
