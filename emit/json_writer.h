/* json_writer.h - a small JSON Lines writer: keys in call order, strings escaped. */
#ifndef ZS_JSON_WRITER_H
#define ZS_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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
/* RFC 3339 UTC with microseconds, from microseconds since the epoch. */
void jw_time(struct json_writer *w, uint64_t ts_us);

/* Write the value and a newline; 0 on success, -1 on a write or memory error. */
int jw_write_line(struct json_writer *w, FILE *out);

/* RFC 3339 UTC text of a time (buf needs 32 bytes). */
const char *jw_format_time(uint64_t ts_us, char *buf, size_t len);

#endif
