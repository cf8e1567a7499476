/* compare_codes.h - --compare's view of protocol sections as IBM codes, and codes learned. */
#ifndef ZS_COMPARE_CODES_H
#define ZS_COMPARE_CODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../emit/compare_out.h"
#include "../emit/smf_codes.h"
#include "../emit/zert_record.h"

/*
 * sensor/compare.c compares the two sides' protocol sections in the form SMF carries them:
 * IBM codes and numbers. This part turns a record's sections into that form, lists the fields
 * that differ, and learns IBM's values of the sensor's provisional codes from the evidence the
 * differences and the dump's own TLS sections give (docs/compare.md).
 */

#define COMPARE_LEARN_MAX    64  /* provisional codes per code space */
#define COMPARE_LEARN_VALUES 4   /* distinct IBM codes kept per provisional code */
#define COMPARE_SUITE_BAD    256 /* (suite, field, code) contradictions kept */

struct compare_cert {
    uint16_t sig, key, digest, bits;
};

/* The protocol sections of a record in their SMF form: codes and numbers, 0 unknown. */
struct compare_attrs {
    uint8_t secs; /* ZERT_PROT_* of the sections present */
    uint16_t tls_ver, tls_enc, tls_mac, tls_kex;
    uint32_t suite; /* IANA number + 1 (0: unknown; TLS_NULL_WITH_NULL_NULL is 0) */
    struct compare_cert scert, ccert;
    uint16_t ssh_ver, ssh_kex, ssh_enc_c2s, ssh_enc_s2c, ssh_mac_c2s, ssh_mac_s2c, ssh_key,
        ssh_bits;
    uint16_t ike_ver, ike_encr, ike_integ, ike_prf, ike_dh, ike_auth;
};

/* Evidence for one provisional code: the IBM values the dump gave it. */
struct compare_lslot {
    uint16_t prov;
    uint8_t k;
    uint16_t ibm[COMPARE_LEARN_VALUES];
    uint64_t n[COMPARE_LEARN_VALUES];
    uint64_t first_off[COMPARE_LEARN_VALUES];
};

/* A mainframe TLS section whose code contradicts its own cipher suite. */
struct compare_suite_bad {
    enum smf_code_space sp;
    uint32_t suite;
    uint16_t code, expected;
    uint64_t count, first_off;
};

/* What the dump said about codes (embedded in the comparison; zeroed is empty). */
struct compare_learn {
    struct compare_lslot slot[SMF_SPACE_COUNT][COMPARE_LEARN_MAX];
    unsigned nslot[SMF_SPACE_COUNT];
    struct compare_suite_bad bad[COMPARE_SUITE_BAD];
    unsigned nbad;
};

/* The sections of a record (as the SMF reader gave them, names or "unknown(0xNNNN)"). */
void compare_attrs_read(const struct zert_tls *t, const struct zert_ssh *h,
                        const struct zert_ipsec *p, struct compare_attrs *a);
/* Copy the protocols src has into dst (a later record's view of them). */
void compare_attrs_merge(struct compare_attrs *dst, const struct compare_attrs *src);

/*
 * The fields of the protocols in `protos` that both sides have and that disagree, added to f
 * (at most COMPARE_FIELDS_MAX); a difference only a provisional code makes is learned (the
 * mainframe record at byte offset mf_off as evidence), not listed. Returns the fields added.
 */
unsigned compare_attrs_diff(struct compare_learn *l, const struct compare_attrs *w,
                            const struct compare_attrs *m, uint8_t protos, uint64_t mf_off,
                            struct compare_finding *f);
/* How many fields of the wire's w and the mainframe's m disagree (provisional-only aside). */
unsigned compare_attrs_distance(const struct compare_attrs *w, const struct compare_attrs *m);
/* Whether every field is the same. */
bool compare_attrs_same(const struct compare_attrs *a, const struct compare_attrs *b);

/* One field both sides disagree on, as text. */
void compare_finding_field(struct compare_finding *f, const char *name, const char *wire,
                           const char *mainframe);

/* A mainframe TLS section: its cipher suite names the enc and mac its codes must be. */
void compare_learn_suite(struct compare_learn *l, const struct compare_attrs *a, uint64_t off);

/*
 * The end: into out (cap entries; 2 * SMF_SPACE_COUNT * COMPARE_LEARN_MAX is enough) the codes
 * given with --codes and those learned, each provisional code seen with one IBM value shared
 * with no other; every contradiction is a code_conflict finding built in *f and handed to emit.
 * Returns the number of entries.
 */
size_t compare_learn_finish(const struct compare_learn *l, struct compare_learned *out, size_t cap,
                            struct compare_finding *f,
                            void (*emit)(void *ctx, struct compare_finding *f), void *ctx);

#endif
