/* zertdump.h - zertdump's work: read an SMF dump, print its zERT records as JSON Lines or text. */
#ifndef ZS_ZERTDUMP_H
#define ZS_ZERTDUMP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "emit_smf.h"
#include "smf_reader.h"

struct zertdump_opts {
    bool text;
    enum smf_format fmt;
    struct smf_tz tz;
};

struct zertdump_stats {
    uint64_t records, detail, summary, other_type, other_subtype, bad;
};

/*
 * Print every zERT record of `in` to `out`; problems go to `errout` as
 * "zertdump: offset N: ...". Returns 0 when the input was clean, 1 when it
 * was not (records before the problem are still printed), 2 on a read or
 * write error (also said on `errout`).
 */
int zertdump_run(FILE *in, FILE *out, FILE *errout, const struct zertdump_opts *o,
                 struct zertdump_stats *st);

#endif
