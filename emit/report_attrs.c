/* report_attrs.c - a record's crypto attributes in the spelling of the shared code table. */
#include <stdio.h>
#include <string.h>

#include "tls_tables.h"
#include "smf_codes.h"
#include "report_attrs.h"

/* The canonical spelling of a name the table knows (its code's first name), else the name. */
static const char *
canon(struct rep_pool *p, const struct name_tab *tab, const char *name)
{
    const char *n = smf_codes_name(tab, smf_codes_find(tab, name));
    return rep_pool_str(p, n ? n : name);
}

static const char *
ssh_mac(struct rep_pool *p, const char *name)
{
    char buf[64];
    bool etm = false;
    uint16_t code = smf_codes_ssh_mac_find(name, &etm);
    const char *n = smf_codes_ssh_mac_name(code, etm, buf, sizeof(buf));
    return rep_pool_str(p, n ? n : name);
}

/* SMF keeps the SSH version as 1.5 or 2.0 (1.99 is a 2.0 server that accepts 1.x clients). */
static const char *
ssh_version(struct rep_pool *p, const char *v)
{
    if (strcmp(v, "1.99") == 0 || strcmp(v, "2.0") == 0)
        return rep_pool_str(p, "2.0");
    if (strncmp(v, "1.", 2) == 0)
        return rep_pool_str(p, "1.5");
    return rep_pool_str(p, v);
}

static const char *
tls_category(struct rep_pool *p, const char *version)
{
    if (strncmp(version, "TLSv1.3", 7) == 0)
        return rep_pool_str(p, "TLSv1.3"); /* drafts too */
    if (*version && strncmp(version, "0x", 2) != 0)
        return version;
    return rep_pool_str(p, "TLS");
}

static void
cert_attrs(struct rep_pool *p, const struct zert_cert *c, const char **type, struct zert_num *bits,
           const char **sig, const char **digest)
{
    *type = *sig = *digest = "";
    memset(bits, 0, sizeof(*bits));
    if (!c->present)
        return;
    *type = canon(p, smf_cert_key_codes, c->key_type);
    *bits = c->key_bits;
    *sig = canon(p, smf_cert_sig_codes, c->sig_alg);
    *digest = canon(p, smf_cert_digest_codes, c->digest);
}

static void
tls_attrs(struct rep_attrs *a, const struct zert_tls *t, struct rep_pool *p)
{
    char buf[32];
    const char *v = NULL;
    if (t->version_code.known)
        v = smf_codes_tls_version_name((uint16_t)t->version_code.v, buf, sizeof(buf));
    if (!v && t->version_code.known) {
        snprintf(buf, sizeof(buf), "0x%04X", (unsigned)t->version_code.v);
        v = buf;
    }
    a->version = rep_pool_str(p, v);
    a->category = tls_category(p, a->version);
    if (t->cipher_suite.known) {
        const struct tls_suite *s = tls_find_suite((uint32_t)t->cipher_suite.v);
        a->suite_code = rep_pool_fmt(p, "0x%04X", (unsigned)t->cipher_suite.v);
        a->suite = s ? rep_pool_str(p, s->name) : a->suite_code;
    } else {
        a->suite = rep_pool_str(p, t->cipher_name);
    }
    a->kex = canon(p, smf_tls_kex_codes, t->kex);
    if (*t->group_name) {
        a->group = rep_pool_str(p, t->group_name);
    } else if (t->group.known) {
        const struct tls_group *g = tls_find_group((uint16_t)t->group.v);
        a->group = g ? rep_pool_str(p, g->name) : rep_pool_fmt(p, "%u", (unsigned)t->group.v);
    }
    a->enc = canon(p, smf_tls_enc_codes, t->enc);
    a->mac = canon(p, smf_tls_mac_codes, t->mac);
    cert_attrs(p, &t->server_cert, &a->key_type, &a->key_bits, &a->sig_alg, &a->digest);
    a->subject = rep_pool_str(p, t->server_cert.present ? t->server_cert.subject : "");
    cert_attrs(p, &t->client_cert, &a->ckey_type, &a->ckey_bits, &a->csig_alg, &a->cdigest);
}

static void
ssh_attrs(struct rep_attrs *a, const struct zert_ssh *s, struct rep_pool *p)
{
    const char *ktype = *s->hostkey_type ? s->hostkey_type : smf_codes_ssh_hostkey_type(s->hostkey);
    a->category = rep_pool_str(p, "SSH");
    a->version = ssh_version(p, s->version);
    a->kex = canon(p, smf_ssh_kex_codes, s->kex);
    a->enc = canon(p, smf_ssh_enc_codes, s->enc_c2s);
    a->enc2 = canon(p, smf_ssh_enc_codes, s->enc_s2c);
    a->mac = ssh_mac(p, s->mac_c2s);
    a->mac2 = ssh_mac(p, s->mac_s2c);
    a->key_type = canon(p, smf_ssh_key_type_codes, ktype);
    a->key_bits = s->hostkey_bits;
}

static void
ipsec_attrs(struct rep_attrs *a, const struct zert_ipsec *i, struct rep_pool *p)
{
    const char *name = NULL;
    uint16_t bits = 0;
    a->category = rep_pool_str(p, "IPsec");
    a->version = rep_pool_str(p, i->ike_version);
    if (smf_codes_ike_encr_name(smf_codes_ike_encr_find(i->encr, i->key_bits.v, i->key_bits.known),
                                &name, &bits)) {
        a->enc = bits ? rep_pool_fmt(p, "%s-%u", name, (unsigned)bits) : rep_pool_str(p, name);
    } else if (*i->encr) {
        a->enc = i->key_bits.known ? rep_pool_fmt(p, "%s-%u", i->encr, (unsigned)i->key_bits.v)
                                   : rep_pool_str(p, i->encr);
    }
    a->mac = canon(p, smf_ike_integ_codes, i->integ);
    a->prf = canon(p, smf_ike_prf_codes, i->prf);
    a->auth = canon(p, smf_ike_auth_codes, i->auth);
    a->exchange = rep_pool_str(p, i->exchange);
    a->dh_group = i->dh_group;
    if (i->dh_group.known)
        a->group = rep_pool_fmt(p, "%u", (unsigned)i->dh_group.v);
}

static void
attrs_init(struct rep_attrs *a)
{
    memset(a, 0, sizeof(*a));
    a->category = a->version = a->suite = a->suite_code = a->kex = a->group = "";
    a->enc = a->enc2 = a->mac = a->mac2 = a->prf = a->auth = a->exchange = "";
    a->key_type = a->sig_alg = a->digest = a->subject = "";
    a->ckey_type = a->csig_alg = a->cdigest = "";
}

/* A summary describes one security session: its one protocol block. */
void
rep_attrs_from_summary(struct rep_attrs *a, const struct zert_summary *s, struct rep_pool *pool)
{
    attrs_init(a);
    a->protocol = s->protocol;
    if (s->protocol == ZERT_PROT_TLS) {
        a->category = rep_pool_str(pool, "TLS");
        if (s->tls.present)
            tls_attrs(a, &s->tls, pool);
    } else if (s->protocol == ZERT_PROT_SSH) {
        a->category = rep_pool_str(pool, "SSH");
        if (s->ssh.present)
            ssh_attrs(a, &s->ssh, pool);
    } else if (s->protocol == ZERT_PROT_IPSEC) {
        a->category = rep_pool_str(pool, "IPsec");
        if (s->ipsec.present)
            ipsec_attrs(a, &s->ipsec, pool);
    } else {
        a->category = rep_pool_str(pool, "clear");
    }
}

/*
 * A detail record's protection at the time it was cut: TLS first, then SSH, then IPsec
 * (a connection protected by two, such as TLS inside AH, is listed by the innermost).
 */
void
rep_attrs_from_detail(struct rep_attrs *a, const struct zert_detail *d, struct rep_pool *pool)
{
    attrs_init(a);
    if (d->prot_unknown) {
        /* the wire could not show the protection ("protection": null): never clear text */
        a->category = rep_pool_str(pool, "unknown");
    } else if (d->protection & ZERT_PROT_TLS) {
        a->protocol = ZERT_PROT_TLS;
        a->category = rep_pool_str(pool, "TLS");
        if (d->tls.present)
            tls_attrs(a, &d->tls, pool);
    } else if (d->protection & ZERT_PROT_SSH) {
        a->protocol = ZERT_PROT_SSH;
        a->category = rep_pool_str(pool, "SSH");
        if (d->ssh.present)
            ssh_attrs(a, &d->ssh, pool);
    } else if (d->protection & ZERT_PROT_IPSEC) {
        a->protocol = ZERT_PROT_IPSEC;
        a->category = rep_pool_str(pool, "IPsec");
        if (d->ipsec.present)
            ipsec_attrs(a, &d->ipsec, pool);
    } else {
        a->category = rep_pool_str(pool, "clear");
        /* an IKE peer pair whose ESP was not seen: its IKE SA is still worth auditing */
        if (d->ipsec.present) {
            ipsec_attrs(a, &d->ipsec, pool);
            a->category = rep_pool_str(pool, "clear");
        }
    }
}

int
rep_category_rank(const char *c)
{
    static const char *const order[] = {"clear",   "SSLv2",   "SSLv3",   "TLSv1.0",
                                        "TLSv1.1", "TLSv1.2", "TLSv1.3", "TLS",
                                        "SSH",     "IPsec",   "unknown"};
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        if (strcmp(order[i], c) == 0)
            return (int)i;
    }
    return 7; /* other TLS versions sort with TLS */
}
