/* capture_stream.h - the bytes of a capture file: plain, gzip, xz or zstd, from a file or stdin. */
#ifndef ZS_CAPTURE_STREAM_H
#define ZS_CAPTURE_STREAM_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The most bytes one record may need at once (a pcapng block is read whole). A block that claims
 * more is reported as damage; blocks the reader skips (unknown types) are not held and may be of
 * any size.
 */
#define CAP_STREAM_MAX_HOLD (16u << 20)

/* Memory a decompressor may use (xz dictionary, zstd window): more is an error that says so. */
#define CAP_STREAM_MAX_DECODER_MEM (512ull << 20)

struct cap_stream;

/*
 * While *flag is non-zero the data ends where it is: how SIGINT/SIGTERM stop a run blocked on a
 * pipe that brings nothing. A pipe or terminal is waited on with poll(), which a signal always
 * interrupts (even with SA_RESTART, which keeps writes whole); a regular file never blocks long.
 * The flag is the program's (sensor/main.c); NULL (the default) waits as long as it takes.
 */
void cap_stream_stop_on(const volatile sig_atomic_t *flag);

/* Open `path` ("-": standard input); the compression is found by magic bytes. */
struct cap_stream *cap_stream_open(const char *path, char *err, size_t errlen);
void cap_stream_close(struct cap_stream *s);

/*
 * Make `n` bytes available at the read position; *p points at them, valid until the next call
 * that moves or fills the stream. Returns how many are available: fewer than `n` only at the
 * end of the data or after an error (cap_stream_error).
 */
size_t cap_stream_fill(struct cap_stream *s, size_t n, const uint8_t **p);

/* Move the read position by `n` bytes, which cap_stream_fill made available. */
void cap_stream_consume(struct cap_stream *s, size_t n);

/* Move the read position by `n` bytes without holding them; returns how many were skipped. */
uint64_t cap_stream_skip(struct cap_stream *s, uint64_t n);

/* Offset of the read position in the (decompressed) data. */
uint64_t cap_stream_offset(const struct cap_stream *s);

/*
 * How far the input file has been read, in its own (compressed) bytes, and its size: for a
 * progress display. Both 0 when that cannot be known (standard input, a pipe).
 */
void cap_stream_input_progress(const struct cap_stream *s, uint64_t *done, uint64_t *total);

/* NULL, or why reading stopped early (a read or decompression error). */
const char *cap_stream_error(const struct cap_stream *s);

/* "gzip", "xz", "zstd" or NULL for plain data: damage offsets then count decompressed bytes. */
const char *cap_stream_compression(const struct cap_stream *s);

#endif
