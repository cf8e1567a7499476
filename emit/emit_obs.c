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

/* ------------------------------------------------------------------ SSH */

static void
ssh_bits(struct json_writer *w, const char *key, const struct obs_ssh_bits *b)
{
    jw_key(w, key);
    jw_arr_open(w);
    for (uint32_t bit = 0; bit < 32; bit++) {
        if (!(b->mask & (1u << bit)))
            continue;
        if (b->names[bit])
            jw_str(w, b->names[bit]);
        else
            jw_uint(w, bit);
    }
    jw_arr_close(w);
}

static void
ssh_v1(struct json_writer *w, const struct obs_ssh_v1 *v)
{
    jw_key(w, "v1");
    jw_obj_open(w);
    jw_key_num(w, "server_key_bits", &v->server_key_bits);
    jw_key_num(w, "host_key_bits", &v->host_key_bits);
    jw_key_num(w, "ciphers_mask", &v->ciphers_mask);
    if (v->public_key)
        ssh_bits(w, "ciphers", &v->ciphers);
    jw_key_num(w, "auth_mask", &v->auth_mask);
    if (v->public_key)
        ssh_bits(w, "auths", &v->auths);
    jw_key_num(w, "protocol_flags", &v->protocol_flags);
    jw_key_str(w, "cipher", v->cipher);
    jw_obj_close(w);
}

static void
ssh_block(struct json_writer *w, const struct obs_ssh *s)
{
    jw_key(w, "ssh");
    jw_obj_open(w);
    jw_key_text(w, "version", s->version);
    jw_key_text(w, "client_banner", s->client_banner);
    jw_key_text(w, "server_banner", s->server_banner);
    jw_key_text(w, "kex", s->kex);
    jw_key_text(w, "hostkey", s->hostkey);
    jw_key_text(w, "enc_c2s", s->enc_c2s);
    jw_key_text(w, "enc_s2c", s->enc_s2c);
    jw_key_text(w, "mac_c2s", s->mac_c2s);
    jw_key_text(w, "mac_s2c", s->mac_s2c);
    jw_key_text(w, "comp_c2s", s->comp_c2s);
    jw_key_text(w, "comp_s2c", s->comp_s2c);
    jw_key_num(w, "hostkey_bits", &s->hostkey_bits);
    jw_key_text(w, "hostkey_type", s->hostkey_type);
    jw_key_tri(w, "hostkey_cert", s->hostkey_cert);
    jw_key_text(w, "hostkey_fingerprint_sha256", s->hostkey_fingerprint_sha256);
    jw_key_text(w, "hostkey_fingerprint_md5", s->hostkey_fingerprint_md5);
    if (s->hostkey_malformed)
        jw_key_bool(w, "hostkey_malformed", true);
    jw_key_tri(w, "kex_pq", s->kex_pq);
    jw_key_tri(w, "mac_implicit_c2s", s->mac_implicit_c2s);
    jw_key_tri(w, "mac_implicit_s2c", s->mac_implicit_s2c);
    jw_key_tri(w, "strict_kex", s->strict_kex);
    jw_key_tri(w, "ext_info_c", s->ext_info_c);
    jw_key_tri(w, "ext_info_s", s->ext_info_s);
    jw_key_tri(w, "client_pq_offered", s->client_pq_offered);
    jw_key_tri(w, "server_pq_offered", s->server_pq_offered);
    jw_key_num(w, "client_kex_algorithms", &s->client_kex_algorithms);
    jw_key_num(w, "server_kex_algorithms", &s->server_kex_algorithms);
    if (s->first_kex_packet_follows)
        jw_key_str(w, "first_kex_packet_follows", s->first_kex_packet_follows);
    if (s->dh_gex_bits)
        jw_key_uint(w, "dh_gex_bits", s->dh_gex_bits);
    jw_key_str(w, "no_common_algorithm", s->no_common_algorithm);
    jw_key_tri(w, "roles_reversed", s->roles_reversed);
    if (s->disconnect) {
        jw_key_str(w, "disconnect_by", s->disconnect_by);
        jw_key_str(w, "disconnect_reason", s->disconnect_reason);
    }
    if (s->v1)
        ssh_v1(w, &s->v1_facts);
    jw_key_bool(w, "established", s->established);
    jw_key_bool(w, "rekey_observable", s->rekey_observable);
    jw_obj_close(w);
}

void
emit_obs_build_proto(struct json_writer *w, const struct obs_proto *p)
{
    switch (p->kind) {
    case OBS_TLS:
        tls_block(w, &p->tls);
        break;
    case OBS_SSH:
        ssh_block(w, &p->ssh);
        break;
    case OBS_NONE:
        break;
    }
}
