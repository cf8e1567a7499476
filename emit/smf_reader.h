/* smf_reader.h - reads SMF dump files (RDW stream or VBS blocks) and decodes zERT records. */
#ifndef ZS_SMF_READER_H
#define ZS_SMF_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "emit_smf.h"
#include "zert_record.h"

enum smf_format {
    SMF_FMT_AUTO,
    SMF_FMT_RDW, /* logical records, each starting with its RDW (FTP SITE RDW) */
    SMF_FMT_VBS, /* BDW blocks of SDW segments, records may span blocks */
};

#define SMF_READER_ERRLEN 256

/*
 * Reads logical records one at a time from a stream (nothing else is kept
 * in memory). Every length is checked before it is used; a record that
 * does not add up stops the reader with an error naming the byte offset.
 */
struct smf_reader {
    FILE *in;
    enum smf_format fmt;
    uint64_t pos;     /* bytes consumed from the input */
    uint8_t look[16]; /* first bytes, kept for format detection */
    size_t look_len, look_pos;
    bool eof;
    uint8_t block[65536]; /* current VBS block (BDW excluded) */
    size_t blk_len, blk_pos;
    uint64_t blk_off;   /* file offset of the block's first byte after the BDW */
    uint8_t rec[65540]; /* current logical record, RDW first */
    size_t rec_len;
    uint64_t rec_off; /* file offset where the record (or its first segment) started */
    uint64_t records;
    int read_errno; /* the input could not be read (errno); err says where */
    char err[SMF_READER_ERRLEN];
};

struct smf_reader *smf_reader_new(FILE *in, enum smf_format fmt);
void smf_reader_free(struct smf_reader *r);

/*
 * The next logical record: 1 (r->rec, r->rec_len, r->rec_off), 0 at a clean
 * end of input, -1 on malformed input or a read error (r->err says what and
 * where; r->read_errno is set for a read error).
 */
int smf_reader_next(struct smf_reader *r);

/* What one logical record decoded to. */
enum smf_kind {
    SMF_KIND_OTHER_TYPE,    /* not type 119: skipped */
    SMF_KIND_OTHER_SUBTYPE, /* type 119, not subtype 11 or 12: skipped */
    SMF_KIND_DETAIL,
    SMF_KIND_SUMMARY,
    SMF_KIND_BAD, /* err filled */
};

struct smf_decoded {
    enum smf_kind kind;
    uint8_t type;
    uint16_t subtype;
    uint16_t triplets;         /* SMF119SD_TRN */
    uint16_t unknown_triplets; /* triplets past the ones this reader knows (skipped) */
    uint64_t header_us;        /* any record type: the header's time and date (UTC); 0 none */
    union {
        struct zert_detail detail;
        struct zert_summary summary;
    } u;
};

/* Decode one record (RDW first) through its triplets; header times use `tz`. */
enum smf_kind smf_reader_decode(const uint8_t *rec, size_t len, const struct smf_tz *tz,
                                struct smf_decoded *out, char *err, size_t errlen);

#endif
