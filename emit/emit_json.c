/* emit_json.c - writes zERT detail and summary records as JSON Lines (records-json.md). */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "community_id.h"
#include "emit_json.h"
#include "name_tab.h"
#include "smf_codes.h"
#include "tls_tables.h"
#include "tls_version.h"

static const struct name_tab detail_event_names[] = {
    {ZERT_EV_INIT, "init"},
    {ZERT_EV_CHANGE, "change"},
    {ZERT_EV_TERM, "term"},
    {ZERT_EV_SHORT_TERM, "short_term"},
    {ZERT_EV_ENABLED, "enabled"},
    {ZERT_EV_DISABLED, "disabled"},
    {ZERT_EV_ENFORCEMENT, "enforcement"},
    {0, NULL},
};

static const struct name_tab summary_event_names[] = {
    {ZERT_SEV_INTERVAL, "interval"},
    {ZERT_SEV_AGGR_ENABLED, "aggregation_enabled"},
    {ZERT_SEV_AGGR_DISABLED, "aggregation_disabled"},
    {0, NULL},
};

static const struct name_tab role_names[] = {
    {ZERT_ROLE_SERVER, "server"},
    {ZERT_ROLE_CLIENT, "client"},
    {ZERT_ROLE_PEER, "peer"},
    {0, NULL},
};

const char *
emit_json_detail_event_name(int ev)
{
    return name_tab_lookup(detail_event_names, (uint32_t)ev);
}

const char *
emit_json_summary_event_name(int ev)
{
    return name_tab_lookup(summary_event_names, (uint32_t)ev);
}

const char *
emit_json_role_name(enum zert_role r)
{
    return name_tab_lookup(role_names, (uint32_t)r);
}

/* A name, or the number when the code has none (unknown codes are shown, not hidden). */
static void
json_event(struct json_writer *w, const char *name, int code)
{
    if (name)
        jw_str(w, name);
    else if (code == 0)
        jw_null(w);
    else
        jw_int(w, code);
}

static void
json_sensor(struct json_writer *w, const struct zert_sensor *s)
{
    jw_key(w, "sensor");
    jw_obj_open(w);
    jw_key_text(w, "system", s->system);
    jw_key_text(w, "sysplex", s->sysplex);
    jw_key_text(w, "stack", s->stack);
    jw_obj_close(w);
}

/* 9999-12-31T23:59:59Z: up to here the year has four digits. */
#define JSON_CERT_TIME_FAST_MAX 253402300799ull

/* A certificate time ("not_before", "not_after"): RFC 3339 UTC to the second. */
static void
json_cert_time(struct json_writer *w, const char *key, const struct zert_num *t)
{
    char buf[32];
    struct tm tm;
    time_t secs = (time_t)t->v;
    jw_key(w, key);
    if (t->known && t->v <= JSON_CERT_TIME_FAST_MAX) {
        /* jw_format_time's text without the microseconds: no gmtime_r lock, no snprintf */
        char full[40];
        jw_format_time(t->v * 1000000, full, sizeof(full));
        memcpy(buf, full, 19);
        buf[19] = 'Z';
        jw_strn(w, buf, 20);
        return;
    }
    if (!t->known || !gmtime_r(&secs, &tm)) {
        jw_null(w);
        return;
    }
    snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    jw_str(w, buf);
}

static void
json_cert(struct json_writer *w, const char *key, const struct zert_cert *c, bool significant)
{
    jw_key(w, key);
    if (!c->present) {
        jw_null(w);
        return;
    }
    jw_obj_open(w);
    jw_key_text(w, "key_type", c->key_type);
    jw_key_num(w, "key_bits", &c->key_bits);
    jw_key_text(w, "curve", c->curve);
    jw_key_text(w, "sig_alg", c->sig_alg);
    jw_key_text(w, "digest", c->digest);
    if (!significant) {
        jw_key_hex(w, "serial", &c->serial);
        json_cert_time(w, "not_before", &c->not_before);
        json_cert_time(w, "not_after", &c->not_after);
        jw_key_hex(w, "sha256", &c->sha256);
    }
    jw_key_text(w, "subject", c->subject);
    jw_key_text(w, "issuer", c->issuer);
    jw_obj_close(w);
}

static void
json_tls(struct json_writer *w, const struct zert_tls *t, bool significant)
{
    char vbuf[32];
    const char *version = t->version;
    if (!*version && t->version_code.known)
        version = tls_version_name((uint16_t)t->version_code.v, vbuf, sizeof(vbuf));
    jw_key(w, "tls");
    jw_obj_open(w);
    jw_key_text(w, "version", version);
    jw_key_num(w, "version_code", &t->version_code);
    jw_key_num(w, "cipher_suite", &t->cipher_suite);
    /* from the shared suite table when the record has the number alone (read from SMF) */
    const struct tls_suite *suite = !*t->cipher_name && t->cipher_suite.known
                                        ? tls_find_suite((uint32_t)t->cipher_suite.v)
                                        : NULL;
    jw_key_text(w, "cipher_name", suite ? suite->name : t->cipher_name);
    jw_key_text(w, "kex", t->kex);
    jw_key_text(w, "auth", t->auth);
    if (!significant) {
        /* the key-exchange group: no subtype 12 field holds it, so no summary shows it */
        jw_key_num(w, "group", &t->group);
        jw_key_text(w, "group_name", t->group_name);
    }
    jw_key_text(w, "enc", smf_codes_spelling("tls_enc", t->enc));
    jw_key_text(w, "mac", t->mac);
    if (!significant) {
        jw_key_text(w, "handshake",
                    t->handshake == ZERT_HS_FULL      ? "full"
                    : t->handshake == ZERT_HS_RESUMED ? "resumed"
                                                      : NULL);
        jw_key_tri(w, "hello_retry", t->hello_retry);
        jw_key_text(w, "sni", t->sni);
        jw_key_text(w, "alpn", t->alpn);
    }
    json_cert(w, "server_cert", &t->server_cert, significant);
    json_cert(w, "client_cert", &t->client_cert, significant);
    if (!significant) {
        jw_key_hex(w, "session_id", &t->session_id);
        jw_key_text(w, "ja4", t->ja4);
        jw_key_text(w, "ja4s", t->ja4s);
    }
    jw_obj_close(w);
}

/* The host key fingerprint as OpenSSH shows it: "SHA256:" and unpadded base64 of the digest. */
static void
json_ssh_fp(struct json_writer *w, const struct zert_bytes *fp)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char buf[8 + 44];
    size_t n = 0;
    if (!fp->known || fp->len != 32) {
        jw_key_hex(w, "hostkey_fp", fp); /* not a SHA-256 digest: its bytes as they are */
        return;
    }
    memcpy(buf, "SHA256:", 7);
    n = 7;
    for (unsigned i = 0; i < 32; i += 3) {
        uint32_t v = (uint32_t)fp->b[i] << 16;
        unsigned left = 32 - i;
        if (left > 1)
            v |= (uint32_t)fp->b[i + 1] << 8;
        if (left > 2)
            v |= fp->b[i + 2];
        buf[n++] = b64[(v >> 18) & 63];
        buf[n++] = b64[(v >> 12) & 63];
        if (left > 1)
            buf[n++] = b64[(v >> 6) & 63];
        if (left > 2)
            buf[n++] = b64[v & 63];
    }
    buf[n] = '\0';
    jw_key_str(w, "hostkey_fp", buf);
}

static void
json_ssh(struct json_writer *w, const struct zert_ssh *s, bool significant)
{
    const char *ktype = *s->hostkey_type ? s->hostkey_type : smf_codes_ssh_hostkey_type(s->hostkey);
    jw_key(w, "ssh");
    jw_obj_open(w);
    jw_key_text(w, "version", s->version);
    if (!significant) {
        jw_key_text(w, "client_banner", s->client_banner);
        jw_key_text(w, "server_banner", s->server_banner);
    }
    jw_key_text(w, "kex", smf_codes_spelling("ssh_kex", s->kex));
    if (!significant)
        jw_key_text(w, "hostkey",
                    s->hostkey); /* subtype 12 keeps the key type, not the algorithm */
    jw_key_text(w, "hostkey_type", ktype);
    jw_key_text(w, "enc_c2s", smf_codes_spelling("ssh_enc", s->enc_c2s));
    jw_key_text(w, "enc_s2c", smf_codes_spelling("ssh_enc", s->enc_s2c));
    jw_key_text(w, "mac_c2s", s->mac_c2s);
    jw_key_text(w, "mac_s2c", s->mac_s2c);
    if (!significant) {
        jw_key_text(w, "comp_c2s", s->comp_c2s);
        jw_key_text(w, "comp_s2c", s->comp_s2c);
    }
    jw_key_num(w, "hostkey_bits", &s->hostkey_bits);
    if (!significant) {
        json_ssh_fp(w, &s->hostkey_fp);
        jw_key_text(w, "hassh", s->hassh);
        jw_key_text(w, "hassh_server", s->hassh_server);
    }
    jw_obj_close(w);
}

static void
json_spis(struct json_writer *w, const char *key, const uint32_t *spis, unsigned n)
{
    char buf[16];
    jw_key(w, key);
    jw_arr_open(w);
    for (unsigned i = 0; i < n && i < ZERT_SPI_MAX; i++) {
        snprintf(buf, sizeof(buf), "%08" PRIx32, spis[i]);
        jw_str(w, buf);
    }
    jw_arr_close(w);
}

static void
json_ipsec(struct json_writer *w, const struct zert_ipsec *p, bool significant)
{
    jw_key(w, "ipsec");
    jw_obj_open(w);
    jw_key_text(w, "ike_version", p->ike_version);
    if (!significant) {
        jw_key_text(w, "exchange", p->exchange);
        jw_key_hex64(w, "spi_i", &p->spi_i);
        jw_key_hex64(w, "spi_r", &p->spi_r);
    }
    jw_key_text(w, "encr", smf_codes_spelling("ike_encr", p->encr));
    jw_key_num(w, "key_bits", &p->key_bits);
    jw_key_text(w, "prf", p->prf);
    jw_key_text(w, "integ", p->integ);
    jw_key_num(w, "dh_group", &p->dh_group);
    jw_key_text(w, "auth", smf_codes_spelling("ike_auth", p->auth));
    if (!significant) {
        json_spis(w, "esp_spis", p->esp_spis, p->esp_spi_count);
        json_spis(w, "ah_spis", p->ah_spis, p->ah_spi_count);
        jw_key_tri(w, "nat_t", p->nat_t);
        jw_key_text(w, "child_sa", p->child_sa);
    }
    jw_key_ip(w, "tunnel_local", &p->tunnel_local);
    jw_key_ip(w, "tunnel_remote", &p->tunnel_remote);
    jw_obj_close(w);
}

static void
json_ee(struct json_writer *w, const struct zert_ee *e)
{
    char buf[8];
    jw_key(w, "ee");
    jw_obj_open(w);
    jw_key(w, "ports");
    jw_arr_open(w);
    for (unsigned i = 0; i < e->port_count && i < ZERT_EE_MAX; i++)
        jw_uint(w, e->ports[i]);
    jw_arr_close(w);
    jw_key(w, "saps");
    jw_arr_open(w);
    for (unsigned i = 0; i < e->sap_count && i < ZERT_EE_MAX; i++) {
        snprintf(buf, sizeof(buf), "%02x-%02x", e->saps[i][0], e->saps[i][1]);
        jw_str(w, buf);
    }
    jw_arr_close(w);
    jw_key_num(w, "rtp_pipes", &e->rtp_pipes);
    jw_key_tri(w, "xid_seen", e->xid_seen);
    jw_obj_close(w);
}

static void
json_observation(struct json_writer *w, const struct zert_observation *o)
{
    jw_key(w, "observation");
    if (!o->present) {
        jw_null(w);
        return;
    }
    jw_obj_open(w);
    jw_key_text(w, "source", o->source);
    jw_key_tri(w, "handshake_first", o->handshake_first);
    jw_key_text(w, "starttls", o->starttls);
    jw_key_tri(w, "midstream", o->midstream);
    jw_key_tri(w, "rehandshake_suspected", o->rehandshake_suspected);
    jw_key_num(w, "encrypted_handshake_records", &o->encrypted_handshake_records);
    jw_key_tri(w, "early_close", o->early_close);
    jw_key_num(w, "gaps", &o->gaps);
    jw_key_tri(w, "incomplete", o->incomplete);
    jw_key_text(w, "why", o->why);
    if (o->limit[0])
        jw_key_text(w, "limit", o->limit); /* only when one was hit: docs/zert-model.md */
    if (o->seen[0])
        jw_key_text(w, "seen", o->seen);
    jw_obj_close(w);
}

static void
json_protection(struct json_writer *w, uint8_t prot, bool unknown)
{
    jw_key(w, "protection");
    if (unknown) {
        jw_null(w); /* the wire could not show it: not "no protection" */
        return;
    }
    jw_arr_open(w);
    if (prot & ZERT_PROT_TLS)
        jw_str(w, "tls");
    if (prot & ZERT_PROT_SSH)
        jw_str(w, "ssh");
    if (prot & ZERT_PROT_IPSEC)
        jw_str(w, "ipsec");
    jw_arr_close(w);
}

static void
json_role(struct json_writer *w, enum zert_role r)
{
    jw_key_str(w, "role", emit_json_role_name(r));
}

static void
json_extras(struct json_writer *w, const char *job, const char *user, bool truncated,
            bool local_guessed, bool json_only)
{
    jw_key_text(w, "jobname", job);
    jw_key_text(w, "userid", user);
    jw_key_bool(w, "local_guessed", local_guessed);
    jw_key_bool(w, "in_smf", !json_only);
    if (truncated) {
        jw_key_bool(w, "truncated", true);
    }
}

/* A record of the sensor's own coverage (enabled, disabled, aggregation on/off): no connection. */
static bool
coverage_event(struct json_writer *w, const char *kind, const char *ev, int code, uint64_t t,
               const struct zert_sensor *sn)
{
    jw_reset(w);
    jw_obj_open(w);
    jw_key_str(w, "record", kind);
    jw_key(w, "event");
    json_event(w, ev, code);
    jw_key_time_or_null(w, "time", t);
    json_sensor(w, sn);
    jw_obj_close(w);
    return true;
}

/* Community ID v1 (seed 0) from the record's own endpoints: the SMF form gives the same. */
static void
json_community_id(struct json_writer *w, const struct zert_detail *d)
{
    char cid[COMMUNITY_ID_LEN];
    community_id_v1(d->ip_proto, &d->local, &d->remote, 0, cid);
    jw_key_text(w, "community_id", cid); /* "": null */
}

void
emit_json_build_detail(struct json_writer *w, const struct zert_detail *d)
{
    if (d->event == ZERT_EV_ENABLED || d->event == ZERT_EV_DISABLED) {
        coverage_event(w, "detail", emit_json_detail_event_name((int)d->event), (int)d->event,
                       d->time_us, &d->sensor);
        return;
    }
    jw_reset(w);
    jw_obj_open(w);
    jw_key_str(w, "record", "detail");
    jw_key(w, "event");
    json_event(w, emit_json_detail_event_name((int)d->event), (int)d->event);
    jw_key_time_or_null(w, "time", d->time_us);
    json_sensor(w, &d->sensor);
    jw_key_ip_proto(w, "ip_proto", d->ip_proto);
    jw_key_endpoint(w, "local", &d->local, true);
    jw_key_endpoint(w, "remote", &d->remote, true);
    json_community_id(w, d);
    json_role(w, d->role);
    jw_key_uint(w, "conn_id", d->conn_id);
    jw_key_time_or_null(w, "start", d->start_us);
    jw_key_time_or_null(w, "end", d->end_us);
    jw_key_text(w, "end_reason", d->end_reason);
    jw_key_uint(w, "bytes_in", d->bytes_in);
    jw_key_uint(w, "bytes_out", d->bytes_out);
    jw_key_uint(w, "segs_in", d->segs_in);
    jw_key_uint(w, "segs_out", d->segs_out);
    json_protection(w, d->protection, d->prot_unknown);
    if (d->tls.present)
        json_tls(w, &d->tls, false);
    if (d->ssh.present)
        json_ssh(w, &d->ssh, false);
    if (d->ipsec.present)
        json_ipsec(w, &d->ipsec, false);
    if (d->ee.present)
        json_ee(w, &d->ee);
    json_observation(w, &d->obs);
    json_extras(w, d->job, d->user, d->truncated, d->local_guessed, d->json_only);
    jw_obj_close(w);
}

static void
json_counter(struct json_writer *w, const char *key, uint64_t start, uint64_t end)
{
    jw_key_uint_pair(w, key, "start", start, "end", end);
}

void
emit_json_build_summary(struct json_writer *w, const struct zert_summary *s)
{
    const char *protocol = s->protocol == ZERT_PROT_TLS     ? "tls"
                           : s->protocol == ZERT_PROT_SSH   ? "ssh"
                           : s->protocol == ZERT_PROT_IPSEC ? "ipsec"
                                                            : "none";
    if (s->event == ZERT_SEV_AGGR_ENABLED || s->event == ZERT_SEV_AGGR_DISABLED) {
        coverage_event(w, "summary", emit_json_summary_event_name((int)s->event), (int)s->event,
                       s->time_us, &s->sensor);
        return;
    }
    jw_reset(w);
    jw_obj_open(w);
    jw_key_str(w, "record", "summary");
    jw_key(w, "event");
    json_event(w, emit_json_summary_event_name((int)s->event), (int)s->event);
    jw_key_time_or_null(w, "time", s->time_us);
    json_sensor(w, &s->sensor);
    jw_key_time_or_null(w, "interval_start", s->interval_start_us);
    jw_key_time_or_null(w, "interval_end", s->interval_end_us);
    jw_key_ip_proto(w, "ip_proto", s->ip_proto);
    json_role(w, s->role);
    jw_key(w, "server");
    jw_obj_open(w);
    jw_key_ip(w, "ip", &s->server);
    jw_key(w, "port");
    if (s->server.family)
        jw_uint(w, s->server.port);
    else
        jw_null(w);
    if (s->server_port_end && s->server_port_end != s->server.port) {
        jw_key_uint(w, "port_end", s->server_port_end);
    }
    jw_obj_close(w);
    jw_key(w, "client");
    jw_obj_open(w);
    jw_key_ip(w, "ip", &s->client);
    jw_key(w, "port");
    jw_null(w);
    jw_obj_close(w);
    jw_key_str(w, "protocol", protocol);
    jw_key_text(w, "session_key", s->session_key);
    json_counter(w, "conns", s->start.conns, s->end.conns);
    json_counter(w, "partial_conns", s->start.partial_conns, s->end.partial_conns);
    json_counter(w, "short_conns", s->start.short_conns, s->end.short_conns);
    json_counter(w, "active_conns", s->start.active_conns, s->end.active_conns);
    json_counter(w, "bytes_in", s->start.bytes_in, s->end.bytes_in);
    json_counter(w, "bytes_out", s->start.bytes_out, s->end.bytes_out);
    json_counter(w, "segs_in", s->start.segs_in, s->end.segs_in);
    json_counter(w, "segs_out", s->start.segs_out, s->end.segs_out);
    if (s->early_flush)
        jw_key_bool(w, "early_flush", true); /* max_sessions reached: the interval so far */
    if (s->tls.present)
        json_tls(w, &s->tls, true);
    if (s->ssh.present)
        json_ssh(w, &s->ssh, true);
    if (s->ipsec.present)
        json_ipsec(w, &s->ipsec, true);
    json_extras(w, s->job, s->user, s->truncated, s->local_guessed, s->json_only);
    jw_obj_close(w);
}

int
emit_json_write_detail(struct json_writer *w, FILE *out, const struct zert_detail *d)
{
    emit_json_build_detail(w, d);
    return jw_write_line(w, out);
}

int
emit_json_write_summary(struct json_writer *w, FILE *out, const struct zert_summary *s)
{
    emit_json_build_summary(w, s);
    return jw_write_line(w, out);
}
