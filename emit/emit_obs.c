/* emit_obs.c - observation lines (--observations) as JSON Lines, from the typed facts. */
#include <stdio.h>

#include "emit_obs.h"

/* An array of numbers, after its key (key NULL: the key is already written). */
static void
u16_array(struct json_writer *w, const char *key, const uint16_t *v, size_t n)
{
    if (key)
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
        jw_key_text(w, "not_before", x->not_before);
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
    jw_key_text(w, "ja4", t->ja4);
    jw_key_text(w, "ja4s", t->ja4s);
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
    jw_key_uint_pair(w, "records", "c2s", t->records_c2s, "s2c", t->records_s2c);
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
    jw_key_text(w, "hassh", s->hassh);
    jw_key_text(w, "hassh_server", s->hassh_server);
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

/* ------------------------------------------------------------------ IKE and IPsec */

/* A registry value's name, or "unassigned (N)" for numbers the registry does not know. */
static void
ike_name(struct json_writer *w, const struct obs_named *n)
{
    char buf[32];
    if (n->name) {
        jw_str(w, n->name);
        return;
    }
    snprintf(buf, sizeof(buf), "unassigned (%u)", (unsigned)n->value);
    jw_str(w, buf);
}

/* key: the name; key_id (when not NULL): the number; both null when not known. */
static void
ike_alg(struct json_writer *w, const char *key, const char *key_id, const struct obs_ike_alg *a)
{
    jw_key(w, key);
    if (a->known)
        ike_name(w, &a->n);
    else
        jw_null(w);
    if (!key_id)
        return;
    jw_key(w, key_id);
    if (a->known)
        jw_uint(w, a->n.value);
    else
        jw_null(w);
}

/* The keys of one SA; sa NULL (no SA seen): the keys every SA has, null. */
static void
ike_sa(struct json_writer *w, const struct obs_ike_sa *sa)
{
    static const struct obs_ike_sa none;
    const struct obs_ike_sa *s = sa ? sa : &none;
    char buf[24];
    jw_key_str(w, "ike_version", s->ike_version);
    ike_alg(w, "exchange", NULL, &s->exchange);
    jw_key_hex64(w, "spi_i", &s->spi_i);
    jw_key_hex64(w, "spi_r", &s->spi_r);
    jw_key_bool(w, "transforms_observed", s->transforms_observed);
    ike_alg(w, "encr", "encr_id", &s->encr);
    jw_key_num(w, "key_bits", &s->key_bits);
    ike_alg(w, "prf", "prf_id", &s->prf);
    ike_alg(w, "integ", "integ_id", &s->integ);
    ike_alg(w, "hash", "hash_id", &s->hash);
    struct zert_num group = {s->dh_group.n.value, s->dh_group.known};
    jw_key_num(w, "dh_group", &group);
    ike_alg(w, "dh_group_name", NULL, &s->dh_group);
    ike_alg(w, "auth", "auth_id", &s->auth);
    jw_key(w, "addke");
    jw_arr_open(w);
    for (size_t i = 0; i < s->n_addke && i < OBS_IKE_MAX_ADDKE; i++) {
        jw_obj_open(w);
        jw_key(w, "type");
        ike_name(w, &s->addke[i].type);
        jw_key_uint(w, "group", s->addke[i].group.value);
        jw_key(w, "name");
        ike_name(w, &s->addke[i].group);
        jw_obj_close(w);
    }
    jw_arr_close(w);
    jw_key(w, "lifetime");
    if (s->lifetime) {
        jw_obj_open(w);
        jw_key_num(w, "seconds", &s->life_seconds);
        jw_key_num(w, "kilobytes", &s->life_kbytes);
        jw_obj_close(w);
    } else {
        jw_null(w);
    }
    jw_key_bool(w, "aggressive_psk", s->aggressive_psk);
    if (!sa)
        return;
    jw_key_uint(w, "offered_proposals", s->offered_proposals);
    jw_key_uint(w, "offered_transforms", s->offered_transforms);
    if (s->ikev2) {
        u16_array(w, "offered_groups", s->offered_groups, s->n_offered_groups);
        jw_key_num(w, "ke_group_i", &s->ke_group_i);
        jw_key_num(w, "ke_group_r", &s->ke_group_r);
        jw_key_uint(w, "retries", s->retries);
        jw_key_uint(w, "invalid_ke", s->invalid_ke);
        jw_key_num(w, "requested_group", &s->requested_group);
    }
    jw_key_bool(w, "nat_detection", s->nat_detection);
    jw_key_bool(w, "fragmentation", s->fragmentation);
    jw_key_bool(w, "no_proposal_chosen", s->no_proposal_chosen);
    jw_key_uint(w, "clear_messages", s->clear_messages);
    jw_key_uint(w, "encrypted_messages", s->encrypted_messages);
    jw_key(w, "exchanges");
    jw_obj_open(w);
    for (size_t i = 0; i < s->n_exchanges && i < OBS_IKE_EXCH_SLOTS; i++) {
        const struct obs_ike_exch *x = &s->exchanges[i];
        const char *name = x->name;
        if (!name) {
            snprintf(buf, sizeof(buf), "other_%u", (unsigned)x->type);
            name = buf;
        }
        jw_key_uint(w, name, x->messages);
    }
    jw_obj_close(w);
    jw_key(w, "notifies");
    jw_arr_open(w);
    for (size_t i = 0; i < s->n_notifies && i < OBS_IKE_MAX_NOTIFY; i++)
        ike_name(w, &s->notifies[i]);
    jw_arr_close(w);
    jw_key_time(w, "first", s->first_us);
    jw_key_time(w, "last", s->last_us);
}

/* The IKE keys of an "ipsec" object (records-json.md), then every SA and vendor ID. */
static void
ike_facts(struct json_writer *w, const struct obs_ike *k)
{
    ike_sa(w, k->n_sas && k->primary < k->n_sas ? &k->sas[k->primary] : NULL);
    jw_key(w, "ike_sas");
    jw_arr_open(w);
    for (size_t i = 0; i < k->n_sas && i < OBS_IKE_MAX_SAS; i++) {
        jw_obj_open(w);
        ike_sa(w, &k->sas[i]);
        jw_obj_close(w);
    }
    jw_arr_close(w);
    jw_key_uint(w, "ike_sas_overflow", k->sas_overflow);
    jw_key(w, "vendor_ids");
    jw_arr_open(w);
    for (size_t i = 0; i < k->n_vids && i < OBS_IKE_MAX_VIDS; i++) {
        const struct obs_ike_vid *v = &k->vids[i];
        jw_obj_open(w);
        jw_key_hex(w, "id", &v->id);
        jw_key_uint(w, "len", v->len);
        jw_key_str(w, "name", v->name);
        jw_obj_close(w);
    }
    jw_arr_close(w);
    jw_key_uint(w, "ike_messages", k->messages);
    jw_key_uint(w, "ike_malformed", k->malformed);
}

static void
ike_block(struct json_writer *w, const struct obs_ike_flow *f)
{
    jw_key(w, "ipsec");
    jw_obj_open(w);
    ike_facts(w, &f->ike);
    jw_key_bool(w, "nat_t", f->nat_t);
    jw_key_uint(w, "nat_keepalives", f->nat_keepalives);
    jw_key_str(w, "child_sa", f->child_sa);
    jw_obj_close(w);
}

static void
spi_text(struct json_writer *w, uint32_t spi)
{
    char buf[12];
    snprintf(buf, sizeof(buf), "%08x", (unsigned)spi);
    jw_str(w, buf);
}

static void
ipsec_spis(struct json_writer *w, const char *key, const struct obs_ipsec_sa *sas, size_t n)
{
    jw_key(w, key);
    jw_arr_open(w);
    for (size_t i = 0; i < n; i++)
        spi_text(w, sas[i].spi);
    jw_arr_close(w);
}

static void
ipsec_sas(struct json_writer *w, const char *key, const struct obs_ipsec_pair *p,
          const struct obs_ipsec_sa *sas, size_t n, bool ah)
{
    jw_key(w, key);
    jw_arr_open(w);
    for (size_t i = 0; i < n; i++) {
        const struct obs_ipsec_sa *s = &sas[i];
        jw_obj_open(w);
        jw_key(w, "spi");
        spi_text(w, s->spi);
        jw_key_ip(w, "src", &p->addr[s->src & 1]);
        jw_key_ip(w, "dst", &p->addr[(s->src & 1) ^ 1]);
        if (!ah) {
            jw_key_bool(w, "udp_encap", s->udp_encap);
        } else {
            jw_key_uint(w, "icv_len", s->icv_len);
            jw_key_bool(w, "icv_len_varies", s->icv_varies);
        }
        jw_key_uint(w, "packets", s->packets);
        jw_key_uint(w, "bytes", s->bytes);
        jw_key_uint(w, "first_seq", s->first_seq);
        jw_key_uint(w, "max_seq", s->max_seq);
        jw_key_uint(w, "gaps", s->gaps);
        jw_key_uint(w, "missing", s->missing);
        jw_key_uint(w, "replays", s->replays);
        jw_key_uint(w, "wraps", s->wraps);
        jw_key_time(w, "first", s->first_us);
        jw_key_time(w, "last", s->last_us);
        jw_obj_close(w);
    }
    jw_arr_close(w);
}

void
emit_obs_build_pair(struct json_writer *w, const struct obs_ipsec_pair *p)
{
    size_t n_esp = p->n_esp < OBS_IPSEC_MAX_ESP ? p->n_esp : OBS_IPSEC_MAX_ESP;
    size_t n_ah = p->n_ah < OBS_IPSEC_MAX_AH ? p->n_ah : OBS_IPSEC_MAX_AH;
    jw_reset(w);
    jw_obj_open(w);
    jw_key_uint(w, "pair_id", p->pair_id);
    jw_key_ip_proto(w, "ip_proto", p->ip_proto);
    jw_key_endpoint(w, "client", &p->addr[p->client & 1], false);
    jw_key_endpoint(w, "server", &p->addr[(p->client & 1) ^ 1], false);
    jw_key_bool(w, "roles_guessed", p->roles_guessed);
    jw_key_time(w, "start", p->start_us);
    jw_key_time(w, "end", p->end_us);
    jw_key_str(w, "dissector", p->dissector);
    jw_key(w, "ipsec");
    jw_obj_open(w);
    ike_facts(w, &p->ike);
    ipsec_spis(w, "esp_spis", p->esp, n_esp);
    ipsec_spis(w, "ah_spis", p->ah, n_ah);
    jw_key_bool(w, "nat_t", p->nat_t);
    jw_key_uint(w, "nat_keepalives", p->nat_keepalives);
    jw_key_str(w, "child_sa", p->child_sa);
    ipsec_sas(w, "esp", p, p->esp, n_esp, false);
    ipsec_sas(w, "ah", p, p->ah, n_ah, true);
    jw_key_uint(w, "spis_overflow", p->spis_overflow);
    jw_obj_close(w);
    jw_key(w, "observation");
    jw_obj_open(w);
    jw_key_str(w, "source", "observation");
    jw_key_bool(w, "established", p->established);
    jw_key_bool(w, "incomplete", p->incomplete);
    jw_key_str(w, "incomplete_why", p->incomplete_why);
    jw_obj_close(w);
    jw_obj_close(w);
}

int
emit_obs_write_pair(struct json_writer *w, FILE *out, const struct obs_ipsec_pair *p)
{
    emit_obs_build_pair(w, p);
    return jw_write_line(w, out);
}

/* ------------------------------------------------------------------ Enterprise Extender */

static void
ee_pipes(struct json_writer *w, const struct obs_ee *e)
{
    static const char hex[] = "0123456789abcdef";
    char s[24];
    jw_key(w, "pipes");
    jw_arr_open(w);
    for (size_t p = 0; p < e->n_pipes && p < OBS_EE_MAX_TCIDS; p++) {
        const struct obs_ee_pipe *pp = &e->pipes[p];
        jw_obj_open(w);
        jw_key(w, "tcids");
        jw_arr_open(w);
        for (size_t i = pp->first; i < (size_t)pp->first + pp->n_tcids && i < OBS_EE_MAX_TCIDS;
             i++) {
            const struct obs_ee_tcid *t = &e->tcids[i];
            size_t n = (size_t)snprintf(s, sizeof(s), "%s:", t->dir ? t->dir : "");
            for (int k = 0; k < 8 && n + 2 < sizeof(s); k++) {
                s[n++] = hex[t->tcid[k] >> 4];
                s[n++] = hex[t->tcid[k] & 15];
            }
            jw_strn(w, s, n);
        }
        jw_arr_close(w);
        jw_key_bool(w, "setup", pp->setup);
        jw_key_bool(w, "teardown", pp->teardown);
        jw_key_uint(w, "nlps", pp->nlps);
        jw_key_uint(w, "dlf_bytes", pp->dlf_bytes);
        jw_obj_close(w);
    }
    jw_arr_close(w);
}

static void
ee_block(struct json_writer *w, const struct obs_ee *e)
{
    char s[8];
    jw_key(w, "ee");
    jw_obj_open(w);
    jw_key(w, "ports");
    if (e->ports_known)
        u16_array(w, NULL, e->ports, e->n_ports < 2 ? e->n_ports : 2);
    else
        jw_null(w);
    jw_key(w, "saps");
    jw_arr_open(w);
    for (size_t i = 0; i < e->n_saps && i < OBS_EE_MAX_SAPS; i++) {
        snprintf(s, sizeof(s), "%02x-%02x", e->saps[i][0], e->saps[i][1]);
        jw_str(w, s);
    }
    jw_arr_close(w);
    jw_key_uint(w, "rtp_pipes", e->rtp_pipes);
    jw_key_bool(w, "xid_seen", e->xid_seen);
    jw_key_bool(w, "unprotected", e->unprotected);
    jw_key(w, "frames");
    jw_obj_open(w);
    for (size_t i = 0; i < e->n_frames && i < OBS_EE_FRAMES; i++)
        jw_key_uint(w, e->frames[i].name, e->frames[i].n);
    jw_obj_close(w);
    jw_key_bool(w, "xid3_seen", e->xid3_seen);
    jw_key_uint_pair(w, "xid_done", "request", e->xid_done_request, "response",
                     e->xid_done_response);
    jw_key_bool(w, "disc_seen", e->disc_seen);
    jw_key_bool(w, "dm_seen", e->dm_seen);
    jw_key_uint(w, "nlp_count", e->nlp_count);
    jw_key_uint(w, "fr_nlps", e->fr_nlps);
    jw_key_uint(w, "anr_nlps", e->anr_nlps);
    size_t n_prios = e->n_prios < OBS_EE_PRIOS ? e->n_prios : OBS_EE_PRIOS;
    jw_key(w, "priorities");
    jw_arr_open(w);
    for (size_t i = 0; i < n_prios; i++)
        jw_str(w, e->prios[i].name);
    jw_arr_close(w);
    jw_key(w, "by_priority");
    jw_obj_open(w);
    for (size_t i = 0; i < n_prios; i++) {
        jw_key(w, e->prios[i].name);
        jw_obj_open(w);
        jw_key_uint(w, "nlps", e->prios[i].nlps);
        jw_key_uint(w, "dlf_bytes", e->prios[i].dlf_bytes);
        jw_obj_close(w);
    }
    jw_obj_close(w);
    jw_key_uint(w, "tpf_port_mismatch", e->tpf_port_mismatch);
    jw_key_uint(w, "pipes_setup", e->pipes_setup);
    jw_key_uint(w, "pipes_teardown", e->pipes_teardown);
    ee_pipes(w, e);
    jw_key_uint(w, "route_setups", e->route_setups);
    jw_key_uint(w, "fragments", e->fragments);
    jw_key_uint(w, "sessions", e->sessions);
    jw_key(w, "status");
    jw_obj_open(w);
    jw_key_uint(w, "segments", e->status_segments);
    jw_key_uint(w, "gap_reports", e->status_gap_reports);
    jw_key_uint(w, "idle", e->status_idle);
    jw_obj_close(w);
    jw_key_uint(w, "arb_segments", e->arb_segments);
    jw_key_uint(w, "fault_segments", e->fault_segments);
    jw_key_uint(w, "switch_segments", e->switch_segments);
    jw_key_uint(w, "bsn_gaps", e->bsn_gaps);
    jw_key_uint(w, "bsn_retransmits", e->bsn_retransmits);
    jw_key_uint(w, "dlf_mismatch", e->dlf_mismatch);
    jw_key_uint(w, "ui_not_nlp", e->ui_not_nlp);
    jw_key_uint(w, "malformed", e->malformed);
    jw_key(w, "overflow");
    jw_obj_open(w);
    jw_key_uint(w, "saps", e->overflow_saps);
    jw_key_uint(w, "tcids", e->overflow_tcids);
    jw_key_uint(w, "sessions", e->overflow_sessions);
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
    case OBS_SSH:
        ssh_block(w, &p->ssh);
        break;
    case OBS_IKE:
        ike_block(w, &p->ike);
        break;
    case OBS_EE:
        ee_block(w, &p->ee);
        break;
    case OBS_NONE:
        break;
    }
}

void
emit_obs_build_object(struct json_writer *w, const struct obs_proto *p)
{
    jw_reset(w);
    jw_obj_open(w);
    emit_obs_build_proto(w, p);
    jw_obj_close(w);
}

/* ------------------------------------------------------------------ the line of a flow */

static void
limits(struct json_writer *w, const struct obs_limits *o, bool stream)
{
    jw_key(w, "observation");
    jw_obj_open(w);
    jw_key_str(w, "source", "observation");
    if (stream) {
        jw_key_bool(w, "established", o->established);
        jw_key_bool(w, "failed", o->failed);
        jw_key_bool(w, "handshake_first", o->handshake_first);
        jw_key_str(w, "starttls", o->starttls);
        jw_key_bool(w, "midstream", o->midstream);
        jw_key_bool(w, "rehandshake_suspected", o->rehandshake_suspected);
        jw_key_uint(w, "encrypted_handshake_records", o->encrypted_handshake_records);
        jw_key_bool(w, "early_close", o->early_close);
        jw_key_uint(w, "gaps", o->gaps);
        jw_key_bool(w, "incomplete", o->incomplete);
        jw_key_str(w, "incomplete_why", o->incomplete_why);
    }
    jw_obj_close(w);
}

void
emit_obs_build_line(struct json_writer *w, const struct obs_line *l)
{
    jw_reset(w);
    jw_obj_open(w);
    jw_key_uint(w, "conn_id", l->conn_id);
    jw_key_ip_proto(w, "ip_proto", l->ip_proto);
    jw_key_endpoint(w, "client", &l->client, l->ports);
    jw_key_endpoint(w, "server", &l->server, l->ports);
    jw_key_time(w, "start", l->start_us);
    jw_key_time(w, "end", l->end_us);
    jw_key_str(w, "dissector", l->dissector);
    if (l->stream) {
        jw_key_text(w, "ndpi", l->ndpi);
        jw_key_tri(w, "ndpi_agrees", l->ndpi_agrees);
    }
    emit_obs_build_proto(w, &l->proto);
    limits(w, &l->limits, l->stream);
    jw_obj_close(w);
}

int
emit_obs_write_line(struct json_writer *w, FILE *out, const struct obs_line *l)
{
    emit_obs_build_line(w, l);
    return jw_write_line(w, out);
}
