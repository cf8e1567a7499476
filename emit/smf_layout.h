/* smf_layout.h - the SMF 119 zERT record layout, described once and run to write or to read. */
#ifndef ZS_SMF_LAYOUT_H
#define ZS_SMF_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zert_record.h"

/*
 * Every field of the header, the self-defining section and the sections of
 * subtypes 11 and 12 is named once, at its offset of smf119-zert.md, in a
 * function that moves it between the record struct and the bytes in either
 * direction (as Sun's XDR routines encode and decode with one description):
 * emit_smf.c runs the layouts with SMF_WRITE, smf_reader.c with SMF_READ.
 * A field added to a section is one line here, and writer and reader agree.
 *
 * Conversions that are not symmetric stay next to their field: names are
 * written as IBM codes and read back as the canonical name of the code;
 * fields the record does not hold (JobID, rule names, the provider text) are
 * written as constants and not read; some fields guide the reading of others
 * (IPv6 flags, SSH direction by local role).
 *
 * In the SMF_WRITE direction the record is only read: emit_smf.c hands its
 * const record in with the const cast away.
 */

enum smf_dir {
    SMF_WRITE, /* record struct -> bytes (the section was zeroed) */
    SMF_READ,  /* bytes -> record struct (the struct was zeroed) */
};

struct smf_io {
    enum smf_dir dir;
    uint8_t *out;      /* SMF_WRITE: the bytes */
    const uint8_t *in; /* SMF_READ: the bytes */
    size_t len;        /* bytes past len read as zeros (a shorter section of an older release) */
    bool *lossy;       /* SMF_WRITE: set when record text had to be cut or replaced; may be NULL */
};

struct smf_io smf_io_writer(uint8_t *p, size_t len, bool *lossy);
struct smf_io smf_io_reader(const uint8_t *p, size_t len);

/* ---- header and self-defining section (§1) ---- */

#define SMF_HDR_TRN       24 /* SMF119SD_TRN, then 2 reserved bytes, then the triplets */
#define SMF_TRIPLET_AT(i) (SMF_HDR_LEN + 4 + 8 * (size_t)(i))

/* Triplets: how many this writer emits and which one holds the variable DN section. */
#define SMF_ST11_TRN       7 /* ID, S1..S6 (V2R3/V2R4 form) */
#define SMF_ST11_TRN_ZOS25 8 /* ... and S7, zeroed (z/OS 2.5 form) */
#define SMF_ST11_DN        6
#define SMF_ST12_TRN       6 /* ID, S1..S5 */
#define SMF_ST12_DN        5

struct smf_header {
    uint16_t len; /* SMF119LEN: the RDW's length, the whole record */
    uint8_t type;
    uint32_t time;         /* 1/100 s since local midnight */
    uint32_t date;         /* packed 0cyydddF, local */
    const char *sid, *ssi; /* SMF_WRITE only (not read back) */
    uint16_t subtype;
    uint16_t trn; /* triplets that follow */
};

/* io over the whole record. */
void smf_layout_header(struct smf_io *io, struct smf_header *h);

struct smf_triplet {
    uint32_t off; /* from the RDW */
    uint16_t len; /* of one instance */
    uint16_t num; /* instances; 0: absent */
};

/* Triplet i (0 = ID section); io over the whole record. */
void smf_layout_triplet(struct smf_io *io, unsigned i, struct smf_triplet *t);

/* ---- TCP/IP identification section (§2) ---- */

/* The ID fields that come from the writer's settings, not from the record (SMF_WRITE only). */
struct smf_id_extra {
    const char *release, *asname, *userid;
    uint16_t asid;
    uint8_t reason; /* SMF_REASON_* */
};

void smf_layout_id(struct smf_io *io, struct zert_sensor *sn, const struct smf_id_extra *x);

/* ---- the fixed sections of subtypes 11 and 12 ---- */

/*
 * The sections in triplet order (S2 of subtype 11, the IP filter section, is
 * never written: the wire shows no filter rules). The reader runs them in this
 * order too: the TLS section's role byte decides how SSH in/out is read.
 */
struct smf_detail_section {
    unsigned triplet;
    uint16_t len;                                 /* of this release's layout */
    bool required;                                /* the reader rejects a record without it */
    bool (*present)(const struct zert_detail *d); /* SMF_WRITE: whether to write it */
    void (*layout)(struct smf_io *io, struct zert_detail *d);
};

struct smf_summary_section {
    unsigned triplet;
    uint16_t len;
    bool required;
    bool (*present)(const struct zert_summary *m);
    /* SMF_READ: m->time_us (the header time) is set before; it gives the interval end */
    void (*layout)(struct smf_io *io, struct zert_summary *m);
};

extern const struct smf_detail_section smf_detail_sections[];   /* ends with layout NULL */
extern const struct smf_summary_section smf_summary_sections[]; /* ends with layout NULL */

/* After all sections were read: what the record implies but no field says. */
void smf_layout_detail_done(struct zert_detail *d);

/* ---- certificate DNs (§3.7, §4.5): entries Len(2, header included) Type(2) EBCDIC text ---- */

#define SMF_DN_HDR 4

/* io over one entry's 4-byte header. */
void smf_layout_dn_entry(struct smf_io *io, uint16_t *len, uint16_t *type);

/* The DN types this record holds, in the order they are written. */
struct smf_dn_kind {
    uint16_t type; /* SMF_DN_* */
    bool client;   /* client certificate, else server */
    bool issuer;   /* issuer, else subject */
};

extern const struct smf_dn_kind smf_dn_kinds[4];

/* The kind of a DN type; NULL for types the record has no field for (IPsec, SSH). */
const struct smf_dn_kind *smf_dn_kind_find(uint16_t type);
/* The certificate and the text field (ZERT_DN_LEN bytes) a kind names. */
struct zert_cert *smf_dn_cert(struct zert_tls *t, const struct smf_dn_kind *k);
char *smf_dn_text(struct zert_tls *t, const struct smf_dn_kind *k);

#endif
