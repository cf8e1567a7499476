/* report_policy.c - the weak-crypto policy: built-in rules, the policy file, evaluation. */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report_policy.h"

/*
 * The rules and their defaults: the project's policy of ee-zert-ipsec.md §B.7 (RFC 8996,
 * RFC 8247, RFC 9142 and NIST SP 800-131A Rev. 2), not IBM's (no IBM definition of
 * "weak" exists for zNA). docs/report.md explains each one.
 */
static const struct {
    const char *id;
    enum policy_kind kind;
    enum policy_source source;
    enum policy_severity severity;
    const char *values;
    const char *what;
} rule_defs[POLICY_NRULES] = {
    {"no_protection", POLICY_FLAG, POLICY_SUMMARY, POLICY_HIGH, "",
     "no recognised protection: neither TLS, SSH nor IPsec"},
    {"tls.version", POLICY_PATTERNS, POLICY_SUMMARY, POLICY_HIGH, "SSLv2, SSLv3, TLSv1.0, TLSv1.1",
     "TLS/SSL protocol version"},
    {"tls.cipher", POLICY_PATTERNS, POLICY_SUMMARY, POLICY_HIGH,
     "*NULL*, *EXPORT*, *RC4*, *RC2*, *DES*, *IDEA*",
     "TLS cipher suite (IANA name) or its bulk cipher"},
    {"tls.kex", POLICY_PATTERNS, POLICY_SUMMARY, POLICY_HIGH, "*anon*",
     "TLS key exchange (anonymous: no authentication)"},
    {"tls.mac", POLICY_PATTERNS, POLICY_SUMMARY, POLICY_MEDIUM, "*MD5*", "TLS record MAC"},
    {"tls.group", POLICY_PATTERNS, POLICY_SUMMARY, POLICY_MEDIUM,
     "sect163*, sect193*, secp160*, secp192*",
     "TLS key-exchange group under 224-bit ECC strength (JSON input only: SMF has no field)"},
    {"cert.sig", POLICY_PATTERNS, POLICY_SUMMARY, POLICY_MEDIUM, "*md2*, *md5*, *sha1*",
     "certificate signature algorithm or digest (server and client certificates)"},
    {"key.rsa_min_bits", POLICY_MIN_BITS, POLICY_SUMMARY, POLICY_HIGH, "2048",
     "RSA, DSA and DH keys (certificates, SSH host keys) smaller than this"},
    {"key.ec_min_bits", POLICY_MIN_BITS, POLICY_SUMMARY, POLICY_MEDIUM, "224",
     "EC keys smaller than this"},
    {"ssh.version", POLICY_PATTERNS, POLICY_SUMMARY, POLICY_HIGH, "1.*", "SSH protocol version"},
    {"ssh.cipher", POLICY_PATTERNS, POLICY_SUMMARY, POLICY_MEDIUM,
     "*-cbc, *-cbc@*, arcfour*, 3des*, des*, blowfish*, cast128*, none",
     "SSH cipher, either direction (CBC modes, RC4, 64-bit blocks, none)"},
    {"ssh.mac", POLICY_PATTERNS, POLICY_SUMMARY, POLICY_MEDIUM, "hmac-md5*, hmac-sha1*, none",
     "SSH MAC, either direction (MD5, SHA-1)"},
    {"ssh.kex", POLICY_PATTERNS, POLICY_SUMMARY, POLICY_MEDIUM,
     "diffie-hellman-group1-sha1, diffie-hellman-group14-sha1, "
     "diffie-hellman-group-exchange-sha1, gss-group1-sha1-*, gss-group14-sha1-*, gss-gex-sha1-*, "
     "rsa1024-sha1",
     "SSH key exchange (1024-bit group, SHA-1)"},
    {"ssh.hostkey", POLICY_PATTERNS, POLICY_SUMMARY, POLICY_MEDIUM, "DSA, DSA-CERT, RSA1",
     "SSH host key type"},
    {"ike.encr", POLICY_PATTERNS, POLICY_SUMMARY, POLICY_HIGH,
     "NULL*, DES*, 3DES*, IDEA*, RC5*, BLOWFISH*, CAST*", "IKE SA encryption"},
    {"ike.integ", POLICY_PATTERNS, POLICY_SUMMARY, POLICY_MEDIUM, "*MD5*, DES-MAC*, KPDK*",
     "IKE SA integrity or PRF"},
    {"ike.dh_group", POLICY_NUMBERS, POLICY_SUMMARY, POLICY_HIGH, "1, 2, 5, 22, 23, 24",
     "IKE Diffie-Hellman group (MODP under 2048 bits, or with a small subgroup)"},
    {"ike.aggressive", POLICY_PATTERNS, POLICY_DETAIL, POLICY_MEDIUM, "*",
     "IKEv1 aggressive mode, by authentication method (detail records in JSON only)"},
};

static const char *const severity_names[] = {"high", "medium", "low", "info"};

const char *
policy_severity_name(enum policy_severity s)
{
    return (unsigned)s < 4 ? severity_names[s] : "?";
}

static void
rule_clear(struct policy_rule *r)
{
    for (size_t i = 0; i < r->nvalues; i++)
        free(r->values[i]);
    r->nvalues = 0;
}

static char *
trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Parse "a, b, c" into the rule's values; checks numbers. */
static int
rule_set_values(struct policy_rule *r, const char *list, char *err, size_t errlen)
{
    char *copy = strdup(list), *save = NULL;
    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    rule_clear(r);
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *v = trim(tok);
        if (!*v)
            continue;
        if (strlen(v) > POLICY_MAX_VALUE_LEN) {
            snprintf(err, errlen, "%s: a value is longer than %d characters", r->id,
                     POLICY_MAX_VALUE_LEN);
            goto fail;
        }
        if (r->nvalues == POLICY_MAX_VALUES) {
            snprintf(err, errlen, "%s: more than %d values", r->id, POLICY_MAX_VALUES);
            goto fail;
        }
        if (r->kind == POLICY_MIN_BITS || r->kind == POLICY_NUMBERS) {
            char *end;
            errno = 0;
            unsigned long long n = strtoull(v, &end, 10);
            if (*end || errno || !isdigit((unsigned char)*v)) {
                snprintf(err, errlen, "%s: \"%s\" is not a number", r->id, v);
                goto fail;
            }
            r->nums[r->nvalues] = n;
        }
        r->values[r->nvalues] = strdup(v);
        if (!r->values[r->nvalues]) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        r->nvalues++;
    }
    free(copy);
    if (r->kind == POLICY_FLAG && r->nvalues) {
        snprintf(err, errlen, "%s takes no values", r->id);
        return -1;
    }
    if (r->kind == POLICY_MIN_BITS && r->nvalues != 1) {
        snprintf(err, errlen, "%s takes one number", r->id);
        return -1;
    }
    if ((r->kind == POLICY_PATTERNS || r->kind == POLICY_NUMBERS) && !r->nvalues) {
        snprintf(err, errlen, "%s needs at least one value", r->id);
        return -1;
    }
    return 0;
fail:
    free(copy);
    return -1;
}

int
policy_init(struct policy *p)
{
    char err[128];
    memset(p, 0, sizeof(*p));
    snprintf(p->source, sizeof(p->source), "built-in");
    for (size_t i = 0; i < POLICY_NRULES; i++) {
        struct policy_rule *r = &p->rules[i];
        r->id = rule_defs[i].id;
        r->kind = rule_defs[i].kind;
        r->source = rule_defs[i].source;
        r->what = rule_defs[i].what;
        r->enabled = true;
        r->severity = rule_defs[i].severity;
        if (rule_set_values(r, rule_defs[i].values, err, sizeof(err)) != 0)
            return -1;
    }
    return 0;
}

void
policy_fini(struct policy *p)
{
    for (size_t i = 0; i < POLICY_NRULES; i++)
        rule_clear(&p->rules[i]);
}

static struct policy_rule *
find_rule(struct policy *p, const char *id)
{
    for (size_t i = 0; i < POLICY_NRULES; i++) {
        if (strcmp(p->rules[i].id, id) == 0)
            return &p->rules[i];
    }
    return NULL;
}

/* One line: "defaults = on|off", "RULE = off" or "RULE = SEVERITY [VALUES]". */
static int
policy_line(struct policy *p, char *line, bool *seen_rule, char *err, size_t errlen)
{
    char *eq = strchr(line, '=');
    if (!eq) {
        snprintf(err, errlen, "expected \"rule = severity values\"");
        return -1;
    }
    *eq = '\0';
    char *key = trim(line), *val = trim(eq + 1);
    if (strcmp(key, "defaults") == 0) {
        if (*seen_rule) {
            snprintf(err, errlen, "\"defaults\" must come before any rule");
            return -1;
        }
        if (strcmp(val, "off") == 0) {
            for (size_t i = 0; i < POLICY_NRULES; i++) {
                p->rules[i].enabled = false;
                rule_clear(&p->rules[i]);
            }
        } else if (strcmp(val, "on") != 0) {
            snprintf(err, errlen, "defaults: on or off");
            return -1;
        }
        return 0;
    }
    struct policy_rule *r = find_rule(p, key);
    if (!r) {
        snprintf(err, errlen, "unknown rule \"%s\"", key);
        return -1;
    }
    *seen_rule = true;
    if (strcmp(val, "off") == 0) {
        r->enabled = false;
        return 0;
    }
    size_t n = strcspn(val, " \t");
    char *rest = val + n;
    if (*rest)
        *rest++ = '\0';
    int sev = -1;
    for (int i = 0; i < 4; i++) {
        if (strcmp(val, severity_names[i]) == 0)
            sev = i;
    }
    if (sev < 0) {
        snprintf(err, errlen, "%s: severity is high, medium, low or info (or the rule is off)",
                 r->id);
        return -1;
    }
    r->severity = (enum policy_severity)sev;
    rest = trim(rest);
    /* values may be left out to keep the current ones */
    if (*rest || r->kind == POLICY_FLAG || !r->nvalues) {
        if (rule_set_values(r, rest, err, errlen) != 0)
            return -1;
    }
    r->enabled = true;
    return 0;
}

int
policy_load(struct policy *p, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    char *line = NULL, msg[200];
    size_t cap = 0;
    unsigned lineno = 0;
    bool seen_rule = false;
    int rc = 0;
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    while (getline(&line, &cap, f) != -1) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *s = trim(line);
        if (!*s)
            continue;
        if (policy_line(p, s, &seen_rule, msg, sizeof(msg)) != 0) {
            snprintf(err, errlen, "%s:%u: %s", path, lineno, msg);
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        rc = -1;
    }
    free(line);
    fclose(f);
    if (rc == 0)
        snprintf(p->source, sizeof(p->source), "%s", path);
    return rc;
}

int
policy_print(const struct policy *p, FILE *out)
{
    fprintf(out,
            "# zertdump report policy (docs/report.md). Lines: RULE = SEVERITY [VALUES] or\n"
            "# RULE = off; severities high, medium, low, info; values are comma-separated\n"
            "# patterns (* and ?, case-insensitive) or numbers. \"defaults = off\" first\n"
            "# starts from no rules. Source of this policy: %s\n"
            "defaults = off\n",
            p->source);
    for (size_t i = 0; i < POLICY_NRULES; i++) {
        const struct policy_rule *r = &p->rules[i];
        fprintf(out, "\n# %s\n", r->what);
        if (!r->enabled)
            fprintf(out, "%s = off\n", r->id);
        else {
            fprintf(out, "%s = %s", r->id, policy_severity_name(r->severity));
            for (size_t k = 0; k < r->nvalues; k++)
                fprintf(out, "%s%s", k ? ", " : " ", r->values[k]);
            fputc('\n', out);
        }
    }
    return ferror(out) ? -1 : 0;
}

static void
lower(char *dst, size_t cap, const char *s)
{
    size_t i;
    for (i = 0; i + 1 < cap && s[i]; i++)
        dst[i] = (char)tolower((unsigned char)s[i]);
    dst[i] = '\0';
}

/* fnmatch() without FNM_CASEFOLD (a GNU extension): both sides lower-cased. */
static bool
matches(const struct policy_rule *r, const char *s)
{
    char text[POLICY_MAX_VALUE_LEN + 1], pat[POLICY_MAX_VALUE_LEN + 1];
    if (!s || !*s)
        return false;
    lower(text, sizeof(text), s);
    for (size_t i = 0; i < r->nvalues; i++) {
        lower(pat, sizeof(pat), r->values[i]);
        if (fnmatch(pat, text, 0) == 0)
            return true;
    }
    return false;
}

/* Report each value once per session, even when both directions have it. */
static void
hit_pattern(const struct policy_rule *r, const char *s, const char *prev, policy_hit_fn hit,
            void *ctx)
{
    if (matches(r, s) && !(prev && strcmp(prev, s) == 0 && matches(r, prev)))
        hit(ctx, r, s);
}

static bool
is_rsa_like(const char *t)
{
    return strcmp(t, "RSA") == 0 || strcmp(t, "DSA") == 0 || strcmp(t, "DH") == 0 ||
           strcmp(t, "RSA1") == 0 || strcmp(t, "RSA-CERT") == 0 || strcmp(t, "DSA-CERT") == 0 ||
           strcmp(t, "RSASSA-PSS") == 0;
}

static bool
is_ec(const char *t)
{
    return strcmp(t, "EC") == 0 || strcmp(t, "EC-CERT") == 0;
}

static void
check_key(const struct policy_rule *r, const char *prefix, const char *type,
          const struct zert_num *bits, bool (*kind)(const char *), policy_hit_fn hit, void *ctx)
{
    char buf[64];
    if (!bits->known || !kind(type) || bits->v >= r->nums[0])
        return;
    snprintf(buf, sizeof(buf), "%s%s %" PRIu64, prefix, type, bits->v);
    hit(ctx, r, buf);
}

static void
check_sig(const struct policy_rule *r, const char *prefix, const char *sig, const char *digest,
          policy_hit_fn hit, void *ctx)
{
    char buf[96];
    const char *v = matches(r, sig) ? sig : matches(r, digest) ? digest : NULL;
    if (!v)
        return;
    snprintf(buf, sizeof(buf), "%s%s", prefix, v);
    hit(ctx, r, buf);
}

static void
eval_rule(const struct policy_rule *r, const struct rep_attrs *a, policy_hit_fn hit, void *ctx)
{
    bool tls = a->protocol == ZERT_PROT_TLS, ssh = a->protocol == ZERT_PROT_SSH;
    bool ipsec = a->protocol == ZERT_PROT_IPSEC;
    char buf[96];
    const char *id = r->id;
    if (strcmp(id, "no_protection") == 0) {
        if (a->protocol == 0)
            hit(ctx, r, "clear");
    } else if (strcmp(id, "tls.version") == 0) {
        if (tls)
            hit_pattern(r, a->version, NULL, hit, ctx);
    } else if (strcmp(id, "tls.cipher") == 0) {
        if (tls && matches(r, a->suite))
            hit(ctx, r, a->suite);
        else if (tls)
            hit_pattern(r, a->enc, NULL, hit, ctx);
    } else if (strcmp(id, "tls.kex") == 0) {
        if (tls)
            hit_pattern(r, a->kex, NULL, hit, ctx);
    } else if (strcmp(id, "tls.mac") == 0) {
        if (tls)
            hit_pattern(r, a->mac, NULL, hit, ctx);
    } else if (strcmp(id, "tls.group") == 0) {
        if (tls)
            hit_pattern(r, a->group, NULL, hit, ctx);
    } else if (strcmp(id, "cert.sig") == 0) {
        if (tls) {
            check_sig(r, "", a->sig_alg, a->digest, hit, ctx);
            check_sig(r, "client ", a->csig_alg, a->cdigest, hit, ctx);
        }
    } else if (strcmp(id, "key.rsa_min_bits") == 0 || strcmp(id, "key.ec_min_bits") == 0) {
        bool (*kind)(const char *) = strcmp(id, "key.ec_min_bits") == 0 ? is_ec : is_rsa_like;
        if (tls || ssh)
            check_key(r, ssh ? "host key " : "", a->key_type, &a->key_bits, kind, hit, ctx);
        if (tls)
            check_key(r, "client ", a->ckey_type, &a->ckey_bits, kind, hit, ctx);
    } else if (strcmp(id, "ssh.version") == 0) {
        if (ssh)
            hit_pattern(r, a->version, NULL, hit, ctx);
    } else if (strcmp(id, "ssh.cipher") == 0) {
        if (ssh) {
            hit_pattern(r, a->enc, NULL, hit, ctx);
            hit_pattern(r, a->enc2, a->enc, hit, ctx);
        }
    } else if (strcmp(id, "ssh.mac") == 0) {
        if (ssh) {
            hit_pattern(r, a->mac, NULL, hit, ctx);
            hit_pattern(r, a->mac2, a->mac, hit, ctx);
        }
    } else if (strcmp(id, "ssh.kex") == 0) {
        if (ssh)
            hit_pattern(r, a->kex, NULL, hit, ctx);
    } else if (strcmp(id, "ssh.hostkey") == 0) {
        if (ssh)
            hit_pattern(r, a->key_type, NULL, hit, ctx);
    } else if (strcmp(id, "ike.encr") == 0) {
        if (ipsec)
            hit_pattern(r, a->enc, NULL, hit, ctx);
    } else if (strcmp(id, "ike.integ") == 0) {
        if (ipsec) {
            hit_pattern(r, a->mac, NULL, hit, ctx);
            hit_pattern(r, a->prf, a->mac, hit, ctx);
        }
    } else if (strcmp(id, "ike.dh_group") == 0) {
        if (ipsec && a->dh_group.known) {
            for (size_t i = 0; i < r->nvalues; i++) {
                if (r->nums[i] == a->dh_group.v) {
                    snprintf(buf, sizeof(buf), "group %" PRIu64, a->dh_group.v);
                    hit(ctx, r, buf);
                    break;
                }
            }
        }
    } else if (strcmp(id, "ike.aggressive") == 0) {
        if (strcmp(a->exchange, "aggressive") == 0 &&
            (matches(r, a->auth) || (!*a->auth && matches(r, "unknown")))) {
            snprintf(buf, sizeof(buf), "aggressive, %s", *a->auth ? a->auth : "auth unknown");
            hit(ctx, r, buf);
        }
    }
}

void
policy_eval(const struct policy *p, enum policy_source source, const struct rep_attrs *a,
            policy_hit_fn hit, void *ctx)
{
    for (size_t i = 0; i < POLICY_NRULES; i++) {
        const struct policy_rule *r = &p->rules[i];
        if (r->enabled && r->source == source)
            eval_rule(r, a, hit, ctx);
    }
}
