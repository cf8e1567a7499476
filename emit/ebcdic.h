/* ebcdic.h - IBM code page 1047 text: the SMF character set. */
#ifndef ZS_EBCDIC_H
#define ZS_EBCDIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EBCDIC_BLANK 0x40

/* One character: IBM-1047 <-> ISO-8859-1 (a bijection of 0..255). */
uint8_t ebcdic_from_latin1(uint8_t c);
uint8_t ebcdic_to_latin1(uint8_t c);

/*
 * UTF-8 text -> IBM-1047, at most dst_len bytes, no padding. Characters above
 * U+00FF become '?'. Returns true when the whole text fitted exactly.
 */
bool ebcdic_from_utf8(uint8_t *dst, size_t dst_len, const char *src, size_t *written);

/* A fixed-width SMF character field: converted, blank (X'40') padded; false if cut or lossy. */
bool ebcdic_put_field(uint8_t *dst, size_t width, const char *src);

/*
 * IBM-1047 -> NUL-terminated UTF-8 (Latin-1 range), trailing blanks and NULs
 * trimmed when `trim`. Returns the length written (cut to fit dst_len - 1).
 */
size_t ebcdic_to_utf8(char *dst, size_t dst_len, const uint8_t *src, size_t n, bool trim);

#endif
