/* stream_dump.h - --dump-streams: each direction of a TCP connection to its own file. */
#ifndef ZS_STREAM_DUMP_H
#define ZS_STREAM_DUMP_H

#include <stddef.h>
#include <stdint.h>

struct flow;
struct stream_dump;

/* File offset = stream offset: a gap leaves a hole of that many bytes (read back as zeros). */
struct stream_dump *stream_dump_new(const char *dir, char *err, size_t errlen);
void stream_dump_free(struct stream_dump *d);
void stream_dump_data(struct stream_dump *d, struct flow *f, int dir, const uint8_t *data,
                      size_t len);
void stream_dump_gap(struct stream_dump *d, struct flow *f, int dir, uint64_t len);
/* The flow ended: extend files whose stream ends in a gap, release the file. */
void stream_dump_end(struct stream_dump *d, struct flow *f);
int stream_dump_error(const struct stream_dump *d, char *err, size_t errlen);

#endif
