/* compare_out.h - the outputs of --compare: findings (JSON Lines, CSV), code table, report. */
#ifndef ZS_COMPARE_OUT_H
#define ZS_COMPARE_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "smf_codes.h"
#include "zert_record.h"

/*
 * What sensor/compare.c decides, in the form the outputs need: one finding per
 * difference between the mainframe's zERT records and the wire's (docs/compare.md
 * explains every class), the totals, and the IBM codes learned from the dump.
 * This file only writes; it decides nothing.
 */

/* Classes, in the order the report lists them (the most serious first). */
enum compare_class {
    COMPARE_ATTRIBUTE_MISMATCH,
    COMPARE_PROTECTION_MISMATCH,
    COMPARE_MISSING_ON_MAINFRAME,
    COMPARE_MISSING_ON_WIRE,
    COMPARE_COUNT_MISMATCH,
    COMPARE_CODE_CONFLICT,
    COMPARE_ZERT_BLIND_SPOT,
    COMPARE_PROTECTION_UNKNOWN,
    COMPARE_CLASS_COUNT,
};

const char *compare_class_name(enum compare_class c);

/* The capture's loss figures beside a missing_on_wire finding (counters of --stats). */
struct compare_drops {
    bool known;
    uint64_t tcp_gaps, tcp_gap_bytes, flows_evicted, tcp_memcap_hit, tcp_flow_cap_hit;
    /* live capture (zertsensor -i): pcap_stats' ps_drop and ps_ifdrop, all interfaces; a file
     * run has no such figures and writes no such keys */
    bool kernel_known;
    uint64_t kernel_drops, if_drops;
};

#define COMPARE_FIELDS_MAX 24
#define COMPARE_VALUE_LEN  48

/* One attribute or count the two sides disagree on. */
struct compare_field {
    const char *name; /* static: "tls.cipher_suite", "bytes_in", ... */
    char wire[COMPARE_VALUE_LEN];
    char mainframe[COMPARE_VALUE_LEN];
};

struct compare_finding {
    enum compare_class cls;
    const char *kind; /* "connection", "summary", "tunnel", "code" */
    const char *why;  /* the blind spot or reason; NULL: none */
    char text[320];   /* one readable sentence */
    uint8_t ip_proto;
    /* connection: local, remote; summary: server, client (port_end ends the server range);
     * tunnel: the two IPsec peers */
    struct zert_endpoint a, b;
    uint16_t port_end;
    const char *role; /* summary: the local role */
    uint64_t wire_us; /* wire (capture clock): connection start, or interval end; 0: none */
    uint64_t mf_us;   /* mainframe clock: the same; 0: none */
    bool mf_offset_known;
    uint64_t mf_offset; /* byte offset of the mainframe record in the dump */
    uint64_t wire_conn_id;
    char wire_prot[24], mf_prot[24]; /* "tls", "tls+ipsec", "none", "unknown"; "" no side */
    char events[48];                 /* records missing on one side: "init,term" */
    uint64_t count;                  /* tunnel and code findings: connections or records */
    struct compare_field fields[COMPARE_FIELDS_MAX];
    unsigned nfields;
    struct compare_drops drops; /* missing_on_wire */
};

/* A code learned from the dump (or loaded with --codes and confirmed by it). */
struct compare_learned {
    enum smf_code_space space;
    uint16_t prov; /* the sensor's provisional code */
    uint16_t ibm;  /* the dump's code */
    uint64_t count;
    bool loaded; /* given with --codes */
};

struct compare_totals {
    const char *mainframe; /* the dump's path */
    const char *dir;       /* -o DIR, NULL: no files */
    /* the dump */
    uint64_t mf_records, mf_detail, mf_summary, mf_events, mf_other_type, mf_other_subtype;
    uint64_t mf_bad; /* records that did not decode (first message below) */
    char mf_bad_first[320];
    char mf_error[320];               /* the dump could not be read on from here ("" clean) */
    uint64_t mf_first_us, mf_last_us; /* header times, mainframe clock */
    /* the wire */
    uint64_t w_detail, w_summary, w_json_only;
    uint64_t w_first_us, w_last_us; /* packet times */
    /* connections */
    uint64_t conn_wire, conn_mf, conn_matched, conn_agree;
    uint64_t conn_outside_dump, conn_outside_capture, conn_not_local, conn_json_only;
    uint64_t conn_prot_unknown, conn_inside_ipsec, late_records;
    /* summaries */
    uint64_t sum_wire, sum_mf, sum_matched, sum_counts_compared, sum_misaligned, sum_partial;
    uint64_t sum_outside;
    uint64_t sum_json_only;    /* wire summaries with no SMF form (IPsec peer pairs' sessions) */
    uint64_t sum_early_folded; /* wire summaries written early (early_flush) and folded */
    /* the clock offset: mainframe time = capture time + offset */
    bool offset_known, offset_fixed;
    int64_t offset_us;
    uint64_t offset_pairs;
    int64_t offset_dev_min_us, offset_dev_max_us; /* of the pairs used, around the offset */
    /* memory: what was held at once */
    uint64_t held_peak_conns, held_peak_summaries;
    uint64_t findings[COMPARE_CLASS_COUNT];
    uint64_t shown[COMPARE_CLASS_COUNT]; /* of which printed on stdout */
    const struct compare_learned *learned;
    size_t nlearned;
    struct compare_drops drops;
};

struct compare_out;

/*
 * DIR/compare.jsonl, DIR/compare.csv and DIR/learned-codes.txt: each written to a new file in
 * DIR (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0640) and renamed into place by compare_out_commit, so
 * a link planted under the final name is never followed. dir NULL: no files (stdout only).
 */
struct compare_out *compare_out_open(const char *dir, char *err, size_t errlen);
int compare_out_finding(struct compare_out *o, const struct compare_finding *f);
/* The learned code table (its header, then one smf_codes_write_line each). */
int compare_out_codes(struct compare_out *o, const struct compare_totals *t);
/* Flush, close and rename the files into place; -1 with err on a write error. */
int compare_out_commit(struct compare_out *o, char *err, size_t errlen);
/* Close and remove what was not committed; NULL is a no-op. */
void compare_out_free(struct compare_out *o);

/* The readable report: totals first, then the findings kept for it, most serious first. */
void compare_out_report(FILE *out, const struct compare_totals *t,
                        const struct compare_finding *const *shown, size_t nshown);

#endif
