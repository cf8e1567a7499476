/* emit_smf.h - byte-exact SMF type 119 subtype 11/12 (zERT) records and dump-file writers. */
#ifndef ZS_EMIT_SMF_H
#define ZS_EMIT_SMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "zert_record.h"

#define SMF_TYPE_ZERT    119
#define SMF_ST_DETAIL    11
#define SMF_ST_SUMMARY   12
#define SMF_MAX_RECORD   32760 /* LRECL: a logical record, RDW included */
#define SMF_HDR_LEN      24    /* RDW + standard header, subtype form */
#define SMF_ID_LEN       64    /* TCP/IP identification section */
#define SMF_ST11_S1_LEN  128
#define SMF_ST11_IPF_LEN 100
#define SMF_ST11_TLS_LEN 168
#define SMF_ST11_SSH_LEN 284
#define SMF_ST11_IPS_LEN 236
#define SMF_ST12_S1_LEN  204
#define SMF_ST12_TLS_LEN 36
#define SMF_ST12_SSH_LEN 46
#define SMF_ST12_IPS_LEN 74
#define SMF_DN_TEXT_MAX  1024
#define SMF_FLAG_DEFAULT 0x5E /* subtypes used + version bits */

/* ID section reason codes (SMF119TI_Reason). */
#define SMF_REASON_EVENT    0x08
#define SMF_REASON_INTERVAL 0x80

/* DN types (SMF119SC_DN_Type). */
#define SMF_DN_TLS_SERVER_SUBJECT 5
#define SMF_DN_TLS_SERVER_ISSUER  6
#define SMF_DN_TLS_CLIENT_SUBJECT 7
#define SMF_DN_TLS_CLIENT_ISSUER  8

/*
 * Time zone of the SMF header time and date (z/OS writes them in local
 * time; connection times in subtype 11 are always UTC). Either a fixed
 * offset ("UTC", "+01:00", "-0530") or a TZ database name / POSIX TZ string
 * ("Europe/Berlin", "CET-1CEST,M3.5.0,M10.5.0/3"). A name is read once by
 * emit_smf_tz_parse (the TZif file of $TZDIR or /usr/share/zoneinfo, or the
 * string): every change of its UTC offset from 1970 to 2200 is listed here,
 * and a conversion is a lookup in that list. TZ is never set.
 */
#define SMF_TZ_MAX_CHANGES 1024 /* offset changes of one zone, 1970..2200 (Berlin: about 440) */

/* A POSIX TZ rule date: Jn (kind 'J'), n ('D') or Mm.w.d ('M'), at `time` local seconds. */
struct smf_tz_date {
    char kind;
    int m, w, n;
    int32_t time;
};

/* A POSIX TZ string: offsets in seconds east of UTC, daylight saving from start to end. */
struct smf_tz_rule {
    bool dst;
    int32_t std_off, dst_off;
    struct smf_tz_date start, end;
};

struct smf_tz {
    bool fixed;
    int offset_min; /* local = UTC + offset (fixed only) */
    char name[64];
    /* a named zone: offset before the first change, then off[i] from UTC second at[i] on */
    int32_t first_off;
    size_t n;
    int64_t at[SMF_TZ_MAX_CHANGES];
    int32_t off[SMF_TZ_MAX_CHANGES];
    bool has_rule;     /* times from rule_from on apply the rule directly */
    int64_t rule_from; /* after the listed changes */
    struct smf_tz_rule rule;
};

int emit_smf_tz_parse(struct smf_tz *tz, const char *spec, char *err, size_t errlen);
/* UTC microseconds -> local year, day of year (1..366), 1/100 s since local midnight. */
void emit_smf_tz_local(const struct smf_tz *tz, uint64_t utc_us, int *year, int *yday,
                       uint32_t *hundredths);
/*
 * The reverse. A local time the clock skipped or passed twice in a change of offset resolves
 * with the offset in effect before the change (02:30 on the day Berlin moves to summer time
 * reads as 01:30 UTC; 02:30 on the day it moves back as 00:30 UTC, the first of the two).
 */
uint64_t emit_smf_tz_utc(const struct smf_tz *tz, int year, int yday, uint32_t hundredths);

/* The same for UTC (the connection times of subtype 11); 0 is returned for times before 1970. */
void emit_smf_utc_split(uint64_t utc_us, int *year, int *yday, uint32_t *hundredths);
uint64_t emit_smf_utc_join(int year, int yday, uint32_t hundredths);

/* Days since 1970-01-01 of a civil (proleptic Gregorian) date. */
int64_t emit_smf_days_from_civil(int64_t y, int m, int d);

/* Packed 0cyydddF date; year 0 (no date) gives X'0000000F'. */
uint32_t emit_smf_pack_date(int year, int yday);
/* The reverse (sign F or C); false for "no date" and malformed values. */
bool emit_smf_unpack_date(uint32_t v, int *year, int *yday);

/* Writer settings that are not part of the record (sensor identity is in the record). */
struct emit_smf_conf {
    char sid[8];      /* SMF119SID, 4 chars; "" uses the first 4 of the system name */
    char ssi[8];      /* SMF119SSI, 4 chars; blank by default */
    char release[16]; /* SMF119TI_ReleaseID, 8 chars */
    char asname[16];  /* SMF119TI_ASName; "" uses the stack name */
    char userid[16];  /* SMF119TI_UserID */
    uint16_t asid;
    bool zos25; /* subtype 11 with 8 triplets (z/OS 2.5 form; S7 zeroed) instead of 7 */
    struct smf_tz tz;
};

void emit_smf_conf_init(struct emit_smf_conf *c);

/*
 * Build one record into buf (cap >= SMF_MAX_RECORD is always enough).
 * Returns the record length (RDW included), 0 when it does not fit.
 * `lossy`, if not NULL, is set when text had to be cut or replaced.
 */
size_t emit_smf_build_detail(const struct emit_smf_conf *c, const struct zert_detail *d,
                             uint8_t *buf, size_t cap, bool *lossy);
size_t emit_smf_build_summary(const struct emit_smf_conf *c, const struct zert_summary *s,
                              uint8_t *buf, size_t cap, bool *lossy);

/* The summary SASessionID text (42 chars at most) for a session key. */
void emit_smf_session_id(const char *key, uint8_t protocol, char *out, size_t len);

/* Dump-file writers: an RDW stream (FTP SITE RDW form) or RECFM=VBS blocks. */
enum emit_smf_format {
    EMIT_SMF_RDW,
    EMIT_SMF_VBS,
};

struct emit_smf_writer {
    FILE *out;
    enum emit_smf_format fmt;
    size_t blksize; /* VBS BLKSIZE, BDW included (e.g. 27998) */
    uint8_t *block; /* VBS block being filled */
    size_t used;    /* bytes in block, BDW included */
    uint64_t records, blocks, segments;
};

int emit_smf_writer_init(struct emit_smf_writer *w, FILE *out, enum emit_smf_format fmt,
                         size_t blksize, char *err, size_t errlen);
/* One logical record (RDW first); 0 or -1 on a write error. */
int emit_smf_writer_put(struct emit_smf_writer *w, const uint8_t *rec, size_t len);
/* Write the partial VBS block, then fflush; 0 or -1. */
int emit_smf_writer_flush(struct emit_smf_writer *w);
void emit_smf_writer_fini(struct emit_smf_writer *w);

#endif
