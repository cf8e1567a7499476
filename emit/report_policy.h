/* report_policy.h - the weak-crypto policy the report audits security sessions against. */
#ifndef ZS_REPORT_POLICY_H
#define ZS_REPORT_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report_attrs.h"

/*
 * A fixed set of rules, each testing one attribute of a security session (docs/report.md
 * lists them). A policy file (or the built-in default) sets, per rule, whether it is on,
 * its severity and its values: name patterns (fnmatch, case-insensitive), a minimum key
 * size, or a list of group numbers.
 */

enum policy_kind {
    POLICY_FLAG,     /* no values: the rule tests a state (no protection) */
    POLICY_PATTERNS, /* the attribute matches one of the patterns */
    POLICY_MIN_BITS, /* the key is smaller than the value */
    POLICY_NUMBERS,  /* the number is one of the values */
};

enum policy_severity {
    POLICY_HIGH,
    POLICY_MEDIUM,
    POLICY_LOW,
    POLICY_INFO,
};

/* Which records a rule is evaluated on. */
enum policy_source {
    POLICY_SUMMARY, /* every security session (summary records) */
    POLICY_DETAIL,  /* connections (detail records): attributes only they carry */
};

#define POLICY_MAX_VALUES 64 /* values a rule can list (more is a policy file error) */
#define POLICY_MAX_VALUE_LEN                                                                       \
    255 /* characters of one value (longer is an error); longer                                    \
           attribute text is matched on its first 255 characters */

struct policy_rule {
    const char *id;
    enum policy_kind kind;
    enum policy_source source;
    const char *what; /* one line for the report and --print-policy */
    bool enabled;
    enum policy_severity severity;
    char *values[POLICY_MAX_VALUES]; /* patterns, or numbers as text */
    uint64_t nums[POLICY_MAX_VALUES];
    size_t nvalues;
};

#define POLICY_NRULES 18

struct policy {
    struct policy_rule rules[POLICY_NRULES];
    char source[256]; /* "built-in" or the file name */
};

/* The built-in policy; -1 only when memory runs out. */
int policy_init(struct policy *p);
void policy_fini(struct policy *p);
/*
 * Apply a policy file on top of the built-in rules (or, with "defaults = off" first, on
 * top of none). -1 with "FILE:LINE: ..." in err on a bad line or an unreadable file.
 */
int policy_load(struct policy *p, const char *path, char *err, size_t errlen);
/* The policy in the file format (a file that loads back to the same policy). */
int policy_print(const struct policy *p, FILE *out);

const char *policy_severity_name(enum policy_severity s);

/* A finding: the rule and the value that broke it ("TLSv1.0", "RSA 1024", ...). */
typedef void (*policy_hit_fn)(void *ctx, const struct policy_rule *rule, const char *value);

/* Evaluate the rules of `source` on one security session or connection. */
void policy_eval(const struct policy *p, enum policy_source source, const struct rep_attrs *a,
                 policy_hit_fn hit, void *ctx);

#endif
