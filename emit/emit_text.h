/* emit_text.h - zERT records as readable text (zertdump -t). */
#ifndef ZS_EMIT_TEXT_H
#define ZS_EMIT_TEXT_H

#include <stdint.h>
#include <stdio.h>

#include "zert_record.h"

/*
 * One record as a header line naming it and the byte offset `off` where it was read, then
 * one "  key value" line per known field (tests/golden/records/NAME/zert.smf.txt).
 */
void emit_text_detail(FILE *out, const struct zert_detail *d, uint64_t off);
void emit_text_summary(FILE *out, const struct zert_summary *m, uint64_t off);

#endif
