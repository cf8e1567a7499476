/* compare_codes.c - --compare's view of protocol sections as IBM codes, and codes learned. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../emit/tls_tables.h"
#include "compare_codes.h"
#include "stats.h"

/* ---- attributes as IBM codes ----------------------------------------------------------- */

#define SP_NONE SMF_SPACE_COUNT

struct cfield {
    const char *name;
    uint8_t prot;
    enum smf_code_space sp;
    size_t off;
    size_t size;
};

#define CF(n, p, sp, m)                                                                            \
    {                                                                                              \
        n, p, sp, offsetof(struct compare_attrs, m), sizeof(((struct compare_attrs *)0)->m)        \
    }

static const struct cfield cfields[] = {
    CF("tls.version", ZERT_PROT_TLS, SP_NONE, tls_ver),
    CF("tls.cipher_suite", ZERT_PROT_TLS, SP_NONE, suite),
    CF("tls.enc", ZERT_PROT_TLS, SMF_SPACE_ENC, tls_enc),
    CF("tls.mac", ZERT_PROT_TLS, SMF_SPACE_MAC, tls_mac),
    CF("tls.kex", ZERT_PROT_TLS, SMF_SPACE_TLS_KEX, tls_kex),
    CF("tls.server_cert.sig", ZERT_PROT_TLS, SMF_SPACE_CERT_SIG, scert.sig),
    CF("tls.server_cert.key_type", ZERT_PROT_TLS, SMF_SPACE_CERT_KEY, scert.key),
    CF("tls.server_cert.key_bits", ZERT_PROT_TLS, SP_NONE, scert.bits),
    CF("tls.server_cert.digest", ZERT_PROT_TLS, SMF_SPACE_CERT_DIGEST, scert.digest),
    CF("tls.client_cert.sig", ZERT_PROT_TLS, SMF_SPACE_CERT_SIG, ccert.sig),
    CF("tls.client_cert.key_type", ZERT_PROT_TLS, SMF_SPACE_CERT_KEY, ccert.key),
    CF("tls.client_cert.key_bits", ZERT_PROT_TLS, SP_NONE, ccert.bits),
    CF("tls.client_cert.digest", ZERT_PROT_TLS, SMF_SPACE_CERT_DIGEST, ccert.digest),
    CF("ssh.version", ZERT_PROT_SSH, SP_NONE, ssh_ver),
    CF("ssh.kex", ZERT_PROT_SSH, SMF_SPACE_SSH_KEX, ssh_kex),
    CF("ssh.enc_c2s", ZERT_PROT_SSH, SMF_SPACE_ENC, ssh_enc_c2s),
    CF("ssh.enc_s2c", ZERT_PROT_SSH, SMF_SPACE_ENC, ssh_enc_s2c),
    CF("ssh.mac_c2s", ZERT_PROT_SSH, SMF_SPACE_MAC, ssh_mac_c2s),
    CF("ssh.mac_s2c", ZERT_PROT_SSH, SMF_SPACE_MAC, ssh_mac_s2c),
    CF("ssh.host_key_type", ZERT_PROT_SSH, SMF_SPACE_SSH_KEY, ssh_key),
    CF("ssh.host_key_bits", ZERT_PROT_SSH, SP_NONE, ssh_bits),
    CF("ipsec.ike_version", ZERT_PROT_IPSEC, SP_NONE, ike_ver),
    CF("ipsec.encr", ZERT_PROT_IPSEC, SMF_SPACE_ENC, ike_encr),
    CF("ipsec.integ", ZERT_PROT_IPSEC, SMF_SPACE_MAC, ike_integ),
    CF("ipsec.prf", ZERT_PROT_IPSEC, SMF_SPACE_IKE_PRF, ike_prf),
    CF("ipsec.dh_group", ZERT_PROT_IPSEC, SP_NONE, ike_dh),
    CF("ipsec.auth", ZERT_PROT_IPSEC, SMF_SPACE_IKE_AUTH, ike_auth),
};

#define NCFIELDS (sizeof(cfields) / sizeof(cfields[0]))

static uint32_t
cfield_get(const struct compare_attrs *a, const struct cfield *f)
{
    const uint8_t *p = (const uint8_t *)a + f->off;
    if (f->size == 4) {
        uint32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

/* The code of a name as the reader gave it: "unknown(0xNNNN)" or a table name. */
static uint16_t
code_of(const struct name_tab *tab, const char *name)
{
    unsigned v;
    if (!name || !*name)
        return 0;
    if (sscanf(name, "unknown(0x%4x)", &v) == 1)
        return (uint16_t)v;
    return smf_codes_find(tab, name);
}

static uint16_t
ssh_mac_code(const char *name)
{
    unsigned v;
    bool etm;
    if (!name || !*name)
        return 0;
    if (sscanf(name, "unknown(0x%4x)", &v) == 1)
        return (uint16_t)v;
    return smf_codes_ssh_mac_find(name, &etm);
}

static uint16_t
clamp16(const struct zert_num *n)
{
    return !n->known ? 0 : n->v > 0xFFFF ? 0xFFFF : (uint16_t)n->v;
}

static void
attrs_cert(const struct zert_cert *c, struct compare_cert *o)
{
    memset(o, 0, sizeof(*o));
    if (!c->present)
        return;
    o->sig = code_of(smf_cert_sig_codes, c->sig_alg);
    o->key = code_of(smf_cert_key_codes, c->key_type);
    o->digest = code_of(smf_cert_digest_codes, c->digest);
    o->bits = clamp16(&c->key_bits);
}

static void
attrs_tls(const struct zert_tls *t, struct compare_attrs *a)
{
    if (!t->present)
        return;
    a->secs |= ZERT_PROT_TLS;
    a->tls_ver = clamp16(&t->version_code);
    a->suite =
        t->cipher_suite.known && t->cipher_suite.v < 0xFFFFFF ? (uint32_t)t->cipher_suite.v + 1 : 0;
    a->tls_enc = code_of(smf_tls_enc_codes, t->enc);
    a->tls_mac = code_of(smf_tls_mac_codes, t->mac);
    /* suite-style, as the SMF writer composes it from the suite (or kex and auth) */
    unsigned v;
    if (sscanf(t->kex, "unknown(0x%4x)", &v) == 1)
        a->tls_kex = (uint16_t)v;
    else
        a->tls_kex = t->kex[0] ? smf_codes_tls_kex(t->cipher_name, t->kex, t->auth) : 0;
    attrs_cert(&t->server_cert, &a->scert);
    attrs_cert(&t->client_cert, &a->ccert);
}

static void
attrs_ssh(const struct zert_ssh *h, struct compare_attrs *a)
{
    if (!h->present)
        return;
    a->secs |= ZERT_PROT_SSH;
    a->ssh_ver = !strcmp(h->version, "2.0") || !strcmp(h->version, "1.99") ? 2
                 : !strncmp(h->version, "1.", 2)                           ? 1
                                                                           : 0;
    a->ssh_kex = code_of(smf_ssh_kex_codes, h->kex);
    a->ssh_enc_c2s = code_of(smf_ssh_enc_codes, h->enc_c2s);
    a->ssh_enc_s2c = code_of(smf_ssh_enc_codes, h->enc_s2c);
    a->ssh_mac_c2s = ssh_mac_code(h->mac_c2s);
    a->ssh_mac_s2c = ssh_mac_code(h->mac_s2c);
    a->ssh_key = code_of(smf_ssh_key_type_codes, h->hostkey_type);
    if (!a->ssh_key)
        a->ssh_key = code_of(smf_ssh_hostkey_codes, h->hostkey);
    a->ssh_bits = clamp16(&h->hostkey_bits);
}

static void
attrs_ipsec(const struct zert_ipsec *p, struct compare_attrs *a)
{
    unsigned maj = 0, min = 0, v;
    if (!p->present)
        return;
    a->secs |= ZERT_PROT_IPSEC;
    if (sscanf(p->ike_version, "%u.%u", &maj, &min) >= 1 && maj < 16 && min < 16)
        a->ike_ver = (uint16_t)(maj << 4 | min);
    if (sscanf(p->encr, "unknown(0x%4x)", &v) == 1)
        a->ike_encr = (uint16_t)v;
    else
        a->ike_encr = smf_codes_ike_encr_find(p->encr, p->key_bits.v, p->key_bits.known);
    a->ike_integ = code_of(smf_ike_integ_codes, p->integ);
    a->ike_prf = code_of(smf_ike_prf_codes, p->prf);
    a->ike_dh = clamp16(&p->dh_group);
    a->ike_auth = code_of(smf_ike_auth_codes, p->auth);
}

/* Copy one protocol's part of src into dst (the later record's view of that protocol). */
void
compare_attrs_merge(struct compare_attrs *dst, const struct compare_attrs *src)
{
    if (src->secs & ZERT_PROT_TLS) {
        dst->tls_ver = src->tls_ver;
        dst->tls_enc = src->tls_enc;
        dst->tls_mac = src->tls_mac;
        dst->tls_kex = src->tls_kex;
        dst->suite = src->suite;
        dst->scert = src->scert;
        dst->ccert = src->ccert;
    }
    if (src->secs & ZERT_PROT_SSH) {
        dst->ssh_ver = src->ssh_ver;
        dst->ssh_kex = src->ssh_kex;
        dst->ssh_enc_c2s = src->ssh_enc_c2s;
        dst->ssh_enc_s2c = src->ssh_enc_s2c;
        dst->ssh_mac_c2s = src->ssh_mac_c2s;
        dst->ssh_mac_s2c = src->ssh_mac_s2c;
        dst->ssh_key = src->ssh_key;
        dst->ssh_bits = src->ssh_bits;
    }
    if (src->secs & ZERT_PROT_IPSEC) {
        dst->ike_ver = src->ike_ver;
        dst->ike_encr = src->ike_encr;
        dst->ike_integ = src->ike_integ;
        dst->ike_prf = src->ike_prf;
        dst->ike_dh = src->ike_dh;
        dst->ike_auth = src->ike_auth;
    }
    dst->secs |= src->secs;
}

/* ---- learning -------------------------------------------------------------------------- */

static void
learn_add(struct compare_learn *l, enum smf_code_space sp, uint16_t prov, uint16_t ibm,
          uint64_t off)
{
    struct compare_lslot *s = NULL;
    for (unsigned i = 0; i < l->nslot[sp]; i++)
        if (l->slot[sp][i].prov == prov)
            s = &l->slot[sp][i];
    if (!s) {
        if (l->nslot[sp] == COMPARE_LEARN_MAX)
            return; /* a space has fewer provisional codes than this */
        s = &l->slot[sp][l->nslot[sp]++];
        memset(s, 0, sizeof(*s));
        s->prov = prov;
    }
    for (unsigned i = 0; i < s->k; i++) {
        if (s->ibm[i] == ibm) {
            s->n[i]++;
            return;
        }
    }
    if (s->k == COMPARE_LEARN_VALUES) {
        s->n[COMPARE_LEARN_VALUES -
             1]++; /* a fifth value: counted with the last, still a conflict */
        return;
    }
    s->ibm[s->k] = ibm;
    s->n[s->k] = 1;
    s->first_off[s->k] = off;
    s->k++;
}

/* A provisional-only difference: the wire's code is provisional and the dump's names nothing. */
static bool
provisional_only(enum smf_code_space sp, uint32_t w, uint32_t m)
{
    return sp != SP_NONE && w >= SMF_CODE_PROVISIONAL && !smf_codes_learned(sp, (uint16_t)w) &&
           !smf_codes_space_name_of(sp, (uint16_t)m);
}

/* One algorithm written two ways: its provisional code and the learned one (--codes). */
static bool
same_code(enum smf_code_space sp, uint32_t a, uint32_t b)
{
    return sp != SP_NONE &&
           smf_codes_canonical(sp, (uint16_t)a) == smf_codes_canonical(sp, (uint16_t)b);
}

/* A mainframe TLS section: its cipher suite names the enc and mac its codes must be. */
void
compare_learn_suite(struct compare_learn *l, const struct compare_attrs *a, uint64_t off)
{
    const struct tls_suite *s = a->suite ? tls_find_suite(a->suite - 1) : NULL;
    if (!s || !(a->secs & ZERT_PROT_TLS))
        return;
    const struct {
        enum smf_code_space sp;
        const struct name_tab *tab;
        const char *name;
        uint16_t code;
    } parts[] = {
        {SMF_SPACE_ENC, smf_tls_enc_codes, s->enc, a->tls_enc},
        {SMF_SPACE_MAC, smf_tls_mac_codes, s->mac, a->tls_mac},
    };
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        uint16_t want = smf_codes_find(parts[i].tab, parts[i].name), got = parts[i].code;
        if (!want || !got || want == got || same_code(parts[i].sp, want, got))
            continue;
        if (provisional_only(parts[i].sp, want, got)) {
            learn_add(l, parts[i].sp, want, got, off);
            continue;
        }
        unsigned k = 0;
        while (k < l->nbad && !(l->bad[k].sp == parts[i].sp && l->bad[k].suite == a->suite - 1 &&
                                l->bad[k].code == got))
            k++;
        if (k == l->nbad) {
            if (k == COMPARE_SUITE_BAD) {
                STAT_INC(compare_conflicts_overflow);
                continue;
            }
            l->nbad++;
            l->bad[k] = (struct compare_suite_bad){parts[i].sp, a->suite - 1, got, want, 0, off};
        }
        l->bad[k].count++;
    }
}

static void
field_value(const struct cfield *fd, uint32_t v, char *buf, size_t len)
{
    char tmp[32];
    const char *n;
    if (!v) {
        buf[0] = '\0';
    } else if (fd->sp != SP_NONE) {
        n = smf_codes_space_name_of(fd->sp, (uint16_t)v);
        if (n && v < SMF_CODE_PROVISIONAL)
            snprintf(buf, len, "%s", n);
        else if (n)
            snprintf(buf, len, "%s (X'%04X')", n, v);
        else
            snprintf(buf, len, "X'%04X'", v);
    } else if (!strcmp(fd->name, "tls.version")) {
        n = smf_codes_tls_version_name((uint16_t)v, tmp, sizeof(tmp));
        snprintf(buf, len, "%s", n ? n : "?");
        if (!n)
            snprintf(buf, len, "X'%04X'", v);
    } else if (!strcmp(fd->name, "tls.cipher_suite")) {
        snprintf(buf, len, v - 1 > 0xFFFF ? "%06X" : "%04X", v - 1);
    } else if (!strcmp(fd->name, "ipsec.ike_version")) {
        snprintf(buf, len, "%u.%u", v >> 4, v & 15);
    } else {
        snprintf(buf, len, "%u", v);
    }
}

void
compare_finding_field(struct compare_finding *f, const char *name, const char *w, const char *m)
{
    if (f->nfields >= COMPARE_FIELDS_MAX)
        return;
    struct compare_field *x = &f->fields[f->nfields++];
    x->name = name;
    snprintf(x->wire, sizeof(x->wire), "%s", w);
    snprintf(x->mainframe, sizeof(x->mainframe), "%s", m);
}

/* ---- comparing attributes -------------------------------------------------------------- */

/*
 * The fields of the protocols both sides have that disagree, into f; provisional-only
 * differences are learned, not listed. Returns the number of fields listed.
 */
unsigned
compare_attrs_diff(struct compare_learn *l, const struct compare_attrs *w,
                   const struct compare_attrs *m, uint8_t protos, uint64_t mf_off,
                   struct compare_finding *f)
{
    unsigned n = 0;
    for (size_t i = 0; i < NCFIELDS; i++) {
        const struct cfield *fd = &cfields[i];
        if (!(fd->prot & protos & w->secs & m->secs))
            continue;
        uint32_t wv = cfield_get(w, fd), mv = cfield_get(m, fd);
        if (wv == mv || !wv || !mv || same_code(fd->sp, wv, mv))
            continue;
        if (provisional_only(fd->sp, wv, mv)) {
            learn_add(l, fd->sp, (uint16_t)wv, (uint16_t)mv, mf_off);
            continue;
        }
        char a[COMPARE_VALUE_LEN], b[COMPARE_VALUE_LEN];
        field_value(fd, wv, a, sizeof(a));
        field_value(fd, mv, b, sizeof(b));
        compare_finding_field(f, fd->name, a, b);
        n++;
    }
    return n;
}

/* How many fields of the wire's w and the mainframe's m disagree (provisional-only aside). */
unsigned
compare_attrs_distance(const struct compare_attrs *w, const struct compare_attrs *m)
{
    unsigned n = (w->secs != m->secs);
    for (size_t i = 0; i < NCFIELDS; i++) {
        uint32_t wv = cfield_get(w, &cfields[i]), mv = cfield_get(m, &cfields[i]);
        if (wv != mv && wv && mv && !same_code(cfields[i].sp, wv, mv) &&
            !provisional_only(cfields[i].sp, wv, mv))
            n++;
    }
    return n;
}

bool
compare_attrs_same(const struct compare_attrs *a, const struct compare_attrs *b)
{
    if (a->secs != b->secs)
        return false;
    for (size_t i = 0; i < NCFIELDS; i++)
        if (cfield_get(a, &cfields[i]) != cfield_get(b, &cfields[i]))
            return false;
    return true;
}

void
compare_attrs_read(const struct zert_tls *t, const struct zert_ssh *h, const struct zert_ipsec *p,
                   struct compare_attrs *a)
{
    memset(a, 0, sizeof(*a));
    attrs_tls(t, a);
    attrs_ssh(h, a);
    attrs_ipsec(p, a);
}

/* ---- the learned codes ------------------------------------------------------------------ */

static struct compare_finding *
code_finding(struct compare_finding *f, enum smf_code_space sp, uint64_t off, uint64_t count)
{
    memset(f, 0, sizeof(*f));
    f->cls = COMPARE_CODE_CONFLICT;
    f->kind = "code";
    f->why = smf_code_space_name(sp);
    f->mf_offset_known = true;
    f->mf_offset = off;
    f->count = count;
    return f;
}

size_t
compare_learn_finish(const struct compare_learn *l, struct compare_learned *out, size_t cap,
                     struct compare_finding *f, void (*emit)(void *ctx, struct compare_finding *f),
                     void *ctx)
{
    size_t n = 0;
    for (unsigned sp = 0; sp < SMF_SPACE_COUNT; sp++) {
        enum smf_code_space s_ = (enum smf_code_space)sp;
        /* codes given with --codes (every provisional code is in X'8000'..X'80FF') */
        for (unsigned prov = SMF_CODE_PROVISIONAL; prov < SMF_CODE_PROVISIONAL + 0x100; prov++) {
            uint16_t ibm = smf_codes_learned(s_, (uint16_t)prov);
            if (ibm && n < cap)
                out[n++] = (struct compare_learned){s_, (uint16_t)prov, ibm, 0, true};
        }
        for (unsigned i = 0; i < l->nslot[sp]; i++) {
            const struct compare_lslot *s = &l->slot[sp][i];
            const char *name = smf_codes_space_name_of(s_, s->prov);
            bool shared = false;
            for (unsigned j = 0; j < l->nslot[sp] && s->k == 1; j++) {
                const struct compare_lslot *o = &l->slot[sp][j];
                if (j == i || o->k != 1 || o->ibm[0] != s->ibm[0])
                    continue;
                shared = true;
                if (j < i)
                    continue; /* reported with the first of the pair */
                code_finding(f, s_, s->first_off[0], s->n[0] + o->n[0]);
                snprintf(f->text, sizeof(f->text),
                         "the dump writes X'%04X' for two algorithms the sensor tells apart: %s "
                         "and %s (%s codes); neither is learned",
                         s->ibm[0], name, smf_codes_space_name_of(s_, o->prov),
                         smf_code_space_name(s_));
                emit(ctx, f);
            }
            if (s->k > 1) {
                char what[256];
                uint64_t count = 0;
                int k = snprintf(what, sizeof(what), "the dump writes %s (provisional X'%04X') as",
                                 name, s->prov);
                for (unsigned v = 0; v < s->k && k > 0 && (size_t)k < sizeof(what); v++) {
                    k += snprintf(what + k, sizeof(what) - (size_t)k, "%s X'%04X' (%" PRIu64 ")",
                                  v ? "," : "", s->ibm[v], s->n[v]);
                    count += s->n[v];
                }
                code_finding(f, s_, s->first_off[1], count);
                snprintf(f->text, sizeof(f->text), "%s; not learned", what);
                emit(ctx, f);
            } else if (!shared && n < cap) {
                out[n++] = (struct compare_learned){s_, s->prov, s->ibm[0], s->n[0], false};
            }
        }
    }
    for (unsigned i = 0; i < l->nbad; i++) {
        const struct compare_suite_bad *b = &l->bad[i];
        const char *wn = smf_codes_space_name_of(b->sp, b->expected);
        const char *gn = smf_codes_space_name_of(b->sp, b->code);
        code_finding(f, b->sp, b->first_off, b->count);
        snprintf(f->text, sizeof(f->text),
                 "%" PRIu64 " TLS section(s) with cipher suite %04X carry %s code X'%04X' (%s); "
                 "the suite's is X'%04X' (%s)",
                 b->count, b->suite, smf_code_space_name(b->sp), b->code, gn ? gn : "unknown",
                 b->expected, wn ? wn : "?");
        emit(ctx, f);
    }
    return n;
}
