/* emit_obs.c - observation lines (--observations) as JSON Lines, from the typed facts. */
#include "emit_obs.h"

static void
u16_array(struct json_writer *w, const char *key, const uint16_t *v, size_t n)
{
    jw_key(w, key);
    jw_arr_open(w);
    for (size_t i = 0; i < n; i++)
        jw_uint(w, v[i]);
    jw_arr_close(w);
}

/* ------------------------------------------------------------------ TLS */

static void
tls_cert(struct json_writer *w, const char *key, const struct obs_tls_cert *c)
{
    jw_key(w, key);
    if (!c->present) {
        jw_null(w);
        return;
    }
    jw_obj_open(w);
    if (c->x.parsed) {
        const struct x509_facts *x = &c->x;
        struct zert_num bits = {x->key_bits, x->key_bits != 0};
        jw_key_text(w, "key_type", x->key_type);
        jw_key_num(w, "key_bits", &bits);
        jw_key_text(w, "curve", x->curve);
        jw_key_text(w, "sig_alg", x->sig_alg);
        jw_key_text(w, "digest", x->digest);
        jw_key_text(w, "serial", x->serial);
        jw_key_text(w, "not_after", x->not_after);
        jw_key_text(w, "subject", x->subject);
        jw_key_text(w, "issuer", x->issuer);
        jw_key_text(w, "sha256", x->sha256);
    }
    jw_key_uint(w, "der_bytes", c->der_bytes);
    if (c->error)
        jw_key_str(w, "error", c->error);
    jw_obj_close(w);
}

static void
tls_alerts(struct json_writer *w, const struct obs_tls *t)
{
    jw_key(w, "alerts");
    jw_arr_open(w);
    for (size_t i = 0; i < t->n_alerts && i < OBS_TLS_MAX_ALERTS; i++) {
        const struct obs_tls_alert *a = &t->alerts[i];
        jw_obj_open(w);
        jw_key_str(w, "from", a->from);
        jw_key_bool(w, "encrypted", a->encrypted);
        jw_key_str(w, "level", a->level);
        jw_key_str(w, "description", a->description);
        jw_obj_close(w);
    }
    jw_arr_close(w);
}

static void
tls_block(struct json_writer *w, const struct obs_tls *t)
{
    jw_key(w, "tls");
    jw_obj_open(w);
    jw_key_text(w, "version", t->version);
    jw_key_num(w, "version_code", &t->version_code);
    jw_key_num(w, "cipher_suite", &t->cipher_suite);
    jw_key_str(w, "cipher_name", t->cipher_name);
    jw_key_text(w, "kex", t->kex);
    jw_key_str(w, "auth", t->auth);
    jw_key_num(w, "group", &t->group);
    jw_key_str(w, "group_name", t->group_name);
    jw_key_num(w, "dh_bits", &t->dh_bits);
    jw_key_str(w, "enc", t->enc);
    jw_key_str(w, "mac", t->mac);
    jw_key_str(w, "handshake", t->handshake);
    jw_key_bool(w, "hello_retry", t->hello_retry);
    jw_key_num(w, "hrr_group", &t->hrr_group);
    jw_key_text(w, "sni", t->sni);
    jw_key_text(w, "alpn", t->alpn);
    jw_key_bool(w, "cert_observable", t->cert_observable);
    tls_cert(w, "server_cert", &t->server_cert);
    tls_cert(w, "client_cert", &t->client_cert);
    jw_key_hex(w, "session_id", &t->session_id);
    jw_key_str(w, "client_hello_format", t->client_hello_format);
    jw_key_num(w, "client_version", &t->client_version);
    u16_array(w, "client_versions", t->client_versions, t->n_client_versions);
    u16_array(w, "client_suites", t->client_suites, t->n_client_suites);
    jw_key_uint(w, "client_suites_count", t->client_suites_count);
    u16_array(w, "client_groups", t->client_groups, t->n_client_groups);
    u16_array(w, "key_share_groups", t->key_share_groups, t->n_key_share_groups);
    u16_array(w, "client_sig_algs", t->client_sig_algs, t->n_client_sig_algs);
    jw_key_text(w, "client_alpn", t->client_alpn);
    jw_key_hex(w, "client_session_id", &t->client_session_id);
    jw_key_uint(w, "client_hellos", t->client_hellos);
    jw_key_bool(w, "ticket_offered", t->ticket_offered);
    jw_key_bool(w, "psk_offered", t->psk_offered);
    jw_key(w, "psk_modes");
    jw_arr_open(w);
    for (size_t i = 0; i < t->n_psk_modes && i < OBS_TLS_MAX_PSK_MODES; i++)
        jw_uint(w, t->psk_modes[i]);
    jw_arr_close(w);
    jw_key_bool(w, "early_data_offered", t->early_data_offered);
    jw_key_bool(w, "early_data_accepted", t->early_data_accepted);
    jw_key_bool(w, "ech_offered", t->ech_offered);
    jw_key_bool(w, "psk_accepted", t->psk_accepted);
    jw_key_bool(w, "ems", t->ems);
    jw_key_bool(w, "etm", t->etm);
    jw_key_bool(w, "secure_renegotiation", t->secure_renegotiation);
    jw_key_bool(w, "ticket_issued", t->ticket_issued);
    jw_key_bool(w, "ocsp_stapled", t->ocsp_stapled);
    jw_key_bool(w, "cert_request", t->cert_request);
    jw_key_tri(w, "client_cert_sent", t->client_cert_sent);
    tls_alerts(w, t);
    jw_key(w, "records");
    jw_obj_open(w);
    jw_key_uint(w, "c2s", t->records_c2s);
    jw_key_uint(w, "s2c", t->records_s2c);
    jw_obj_close(w);
    jw_obj_close(w);
}

void
emit_obs_build_proto(struct json_writer *w, const struct obs_proto *p)
{
    switch (p->kind) {
    case OBS_TLS:
        tls_block(w, &p->tls);
        break;
    case OBS_NONE:
        break;
    }
}
