/* emit_json.c - writes zERT detail and summary records as JSON Lines (records-json.md). */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>

#include "emit_json.h"
#include "name_tab.h"
#include "smf_codes.h"
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

/* "" is unknown: null. */
static void
json_text(struct json_writer *w, const char *key, const char *s)
{
    jw_key(w, key);
    if (s && *s)
        jw_str(w, s);
    else
        jw_null(w);
}

static void
json_num(struct json_writer *w, const char *key, const struct zert_num *n)
{
    jw_key(w, key);
    if (n->known)
        jw_uint(w, n->v);
    else
        jw_null(w);
}

static void
json_tri(struct json_writer *w, const char *key, enum zert_tri t)
{
    jw_key(w, key);
    if (t == ZERT_TRI_UNKNOWN)
        jw_null(w);
    else
        jw_bool(w, t == ZERT_TRI_TRUE);
}

static void
json_hex(struct json_writer *w, const char *key, const struct zert_bytes *b)
{
    static const char hex[] = "0123456789abcdef";
    char buf[2 * sizeof(b->b) + 1];
    jw_key(w, key);
    if (!b->known) {
        jw_null(w);
        return;
    }
    size_t n = b->len <= sizeof(b->b) ? b->len : sizeof(b->b);
    for (size_t i = 0; i < n; i++) {
        buf[2 * i] = hex[b->b[i] >> 4];
        buf[2 * i + 1] = hex[b->b[i] & 15];
    }
    jw_strn(w, buf, 2 * n);
}

static void
json_ip(struct json_writer *w, const char *key, const struct zert_endpoint *e)
{
    char buf[INET6_ADDRSTRLEN];
    jw_key(w, key);
    if (e->family == 4 && inet_ntop(AF_INET, e->ip, buf, sizeof(buf)))
        jw_str(w, buf);
    else if (e->family == 6 && inet_ntop(AF_INET6, e->ip, buf, sizeof(buf)))
        jw_str(w, buf);
    else
        jw_null(w);
}

static void
json_endpoint(struct json_writer *w, const char *key, const struct zert_endpoint *e)
{
    jw_key(w, key);
    jw_obj_open(w);
    json_ip(w, "ip", e);
    jw_key(w, "port");
    if (e->family)
        jw_uint(w, e->port);
    else
        jw_null(w);
    jw_obj_close(w);
}

static void
json_time(struct json_writer *w, const char *key, uint64_t us)
{
    jw_key(w, key);
    if (us)
        jw_time(w, us);
    else
        jw_null(w);
}

static void
json_ip_proto(struct json_writer *w, uint8_t p)
{
    jw_key(w, "ip_proto");
    if (p == 6)
        jw_str(w, "tcp");
    else if (p == 17)
        jw_str(w, "udp");
    else if (p == 50)
        jw_str(w, "esp"); /* an IPsec peer pair seen as ESP (docs/ipsec.md) */
    else if (p == 51)
        jw_str(w, "ah");
    else if (p == 0)
        jw_null(w);
    else
        jw_uint(w, p);
}

static void
json_sensor(struct json_writer *w, const struct zert_sensor *s)
{
    jw_key(w, "sensor");
    jw_obj_open(w);
    json_text(w, "system", s->system);
    json_text(w, "sysplex", s->sysplex);
    json_text(w, "stack", s->stack);
    jw_obj_close(w);
}

/* Certificate "not after": RFC 3339 UTC to the second. */
static void
json_not_after(struct json_writer *w, const struct zert_num *t)
{
    char buf[32];
    struct tm tm;
    time_t secs = (time_t)t->v;
    jw_key(w, "not_after");
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
    json_text(w, "key_type", c->key_type);
    json_num(w, "key_bits", &c->key_bits);
    json_text(w, "curve", c->curve);
    json_text(w, "sig_alg", c->sig_alg);
    json_text(w, "digest", c->digest);
    if (!significant) {
        json_hex(w, "serial", &c->serial);
        json_not_after(w, &c->not_after);
    }
    json_text(w, "subject", c->subject);
    json_text(w, "issuer", c->issuer);
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
    json_text(w, "version", version);
    json_num(w, "version_code", &t->version_code);
    json_num(w, "cipher_suite", &t->cipher_suite);
    json_text(w, "cipher_name", t->cipher_name);
    json_text(w, "kex", t->kex);
    json_num(w, "group", &t->group);
    json_text(w, "group_name", t->group_name);
    json_text(w, "enc", t->enc);
    json_text(w, "mac", t->mac);
    if (!significant) {
        json_text(w, "handshake",
                  t->handshake == ZERT_HS_FULL      ? "full"
                  : t->handshake == ZERT_HS_RESUMED ? "resumed"
                                                    : NULL);
        json_tri(w, "hello_retry", t->hello_retry);
        json_text(w, "sni", t->sni);
        json_text(w, "alpn", t->alpn);
    }
    json_cert(w, "server_cert", &t->server_cert, significant);
    json_cert(w, "client_cert", &t->client_cert, significant);
    if (!significant)
        json_hex(w, "session_id", &t->session_id);
    jw_obj_close(w);
}

static void
json_ssh(struct json_writer *w, const struct zert_ssh *s, bool significant)
{
    const char *ktype = *s->hostkey_type ? s->hostkey_type : smf_codes_ssh_hostkey_type(s->hostkey);
    jw_key(w, "ssh");
    jw_obj_open(w);
    json_text(w, "version", s->version);
    if (!significant) {
        json_text(w, "client_banner", s->client_banner);
        json_text(w, "server_banner", s->server_banner);
    }
    json_text(w, "kex", s->kex);
    json_text(w, "hostkey", s->hostkey);
    json_text(w, "hostkey_type", ktype);
    json_text(w, "enc_c2s", s->enc_c2s);
    json_text(w, "enc_s2c", s->enc_s2c);
    json_text(w, "mac_c2s", s->mac_c2s);
    json_text(w, "mac_s2c", s->mac_s2c);
    if (!significant) {
        json_text(w, "comp_c2s", s->comp_c2s);
        json_text(w, "comp_s2c", s->comp_s2c);
    }
    json_num(w, "hostkey_bits", &s->hostkey_bits);
    if (!significant)
        json_hex(w, "hostkey_fp", &s->hostkey_fp);
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
json_spi64(struct json_writer *w, const char *key, const struct zert_num *n)
{
    char buf[24];
    jw_key(w, key);
    if (!n->known) {
        jw_null(w);
        return;
    }
    snprintf(buf, sizeof(buf), "%016" PRIx64, n->v);
    jw_str(w, buf);
}

static void
json_ipsec(struct json_writer *w, const struct zert_ipsec *p, bool significant)
{
    jw_key(w, "ipsec");
    jw_obj_open(w);
    json_text(w, "ike_version", p->ike_version);
    if (!significant) {
        json_text(w, "exchange", p->exchange);
        json_spi64(w, "spi_i", &p->spi_i);
        json_spi64(w, "spi_r", &p->spi_r);
    }
    json_text(w, "encr", p->encr);
    json_num(w, "key_bits", &p->key_bits);
    json_text(w, "prf", p->prf);
    json_text(w, "integ", p->integ);
    json_num(w, "dh_group", &p->dh_group);
    json_text(w, "auth", p->auth);
    if (!significant) {
        json_spis(w, "esp_spis", p->esp_spis, p->esp_spi_count);
        json_spis(w, "ah_spis", p->ah_spis, p->ah_spi_count);
        json_tri(w, "nat_t", p->nat_t);
        json_text(w, "child_sa", p->child_sa);
    }
    json_ip(w, "tunnel_local", &p->tunnel_local);
    json_ip(w, "tunnel_remote", &p->tunnel_remote);
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
    json_num(w, "rtp_pipes", &e->rtp_pipes);
    json_tri(w, "xid_seen", e->xid_seen);
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
    json_text(w, "source", o->source);
    json_tri(w, "handshake_first", o->handshake_first);
    json_text(w, "starttls", o->starttls);
    json_tri(w, "midstream", o->midstream);
    json_tri(w, "rehandshake_suspected", o->rehandshake_suspected);
    json_num(w, "encrypted_handshake_records", &o->encrypted_handshake_records);
    json_tri(w, "early_close", o->early_close);
    json_num(w, "gaps", &o->gaps);
    json_tri(w, "incomplete", o->incomplete);
    jw_obj_close(w);
}

static void
json_protection(struct json_writer *w, uint8_t prot)
{
    jw_key(w, "protection");
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
    jw_key(w, "role");
    jw_str(w, emit_json_role_name(r));
}

static void
json_extras(struct json_writer *w, const char *job, const char *user, bool truncated)
{
    json_text(w, "jobname", job);
    json_text(w, "userid", user);
    if (truncated) {
        jw_key(w, "truncated");
        jw_bool(w, true);
    }
}

void
emit_json_build_detail(struct json_writer *w, const struct zert_detail *d)
{
    jw_reset(w);
    jw_obj_open(w);
    jw_key(w, "record");
    jw_str(w, "detail");
    jw_key(w, "event");
    json_event(w, emit_json_detail_event_name((int)d->event), (int)d->event);
    json_time(w, "time", d->time_us);
    json_sensor(w, &d->sensor);
    json_ip_proto(w, d->ip_proto);
    json_endpoint(w, "local", &d->local);
    json_endpoint(w, "remote", &d->remote);
    json_role(w, d->role);
    jw_key(w, "conn_id");
    jw_uint(w, d->conn_id);
    json_time(w, "start", d->start_us);
    json_time(w, "end", d->end_us);
    json_text(w, "end_reason", d->end_reason);
    jw_key(w, "bytes_in");
    jw_uint(w, d->bytes_in);
    jw_key(w, "bytes_out");
    jw_uint(w, d->bytes_out);
    jw_key(w, "segs_in");
    jw_uint(w, d->segs_in);
    jw_key(w, "segs_out");
    jw_uint(w, d->segs_out);
    json_protection(w, d->protection);
    if (d->tls.present)
        json_tls(w, &d->tls, false);
    if (d->ssh.present)
        json_ssh(w, &d->ssh, false);
    if (d->ipsec.present)
        json_ipsec(w, &d->ipsec, false);
    if (d->ee.present)
        json_ee(w, &d->ee);
    json_observation(w, &d->obs);
    json_extras(w, d->job, d->user, d->truncated);
    jw_obj_close(w);
}

static void
json_counter(struct json_writer *w, const char *key, uint64_t start, uint64_t end)
{
    jw_key(w, key);
    jw_obj_open(w);
    jw_key(w, "start");
    jw_uint(w, start);
    jw_key(w, "end");
    jw_uint(w, end);
    jw_obj_close(w);
}

void
emit_json_build_summary(struct json_writer *w, const struct zert_summary *s)
{
    const char *protocol = s->protocol == ZERT_PROT_TLS     ? "tls"
                           : s->protocol == ZERT_PROT_SSH   ? "ssh"
                           : s->protocol == ZERT_PROT_IPSEC ? "ipsec"
                                                            : "none";
    jw_reset(w);
    jw_obj_open(w);
    jw_key(w, "record");
    jw_str(w, "summary");
    jw_key(w, "event");
    json_event(w, emit_json_summary_event_name((int)s->event), (int)s->event);
    json_time(w, "time", s->time_us);
    json_sensor(w, &s->sensor);
    json_time(w, "interval_start", s->interval_start_us);
    json_time(w, "interval_end", s->interval_end_us);
    json_ip_proto(w, s->ip_proto);
    json_role(w, s->role);
    jw_key(w, "server");
    jw_obj_open(w);
    json_ip(w, "ip", &s->server);
    jw_key(w, "port");
    if (s->server.family)
        jw_uint(w, s->server.port);
    else
        jw_null(w);
    if (s->server_port_end && s->server_port_end != s->server.port) {
        jw_key(w, "port_end");
        jw_uint(w, s->server_port_end);
    }
    jw_obj_close(w);
    jw_key(w, "client");
    jw_obj_open(w);
    json_ip(w, "ip", &s->client);
    jw_key(w, "port");
    jw_null(w);
    jw_obj_close(w);
    jw_key(w, "protocol");
    jw_str(w, protocol);
    json_text(w, "session_key", s->session_key);
    json_counter(w, "conns", s->start.conns, s->end.conns);
    json_counter(w, "partial_conns", s->start.partial_conns, s->end.partial_conns);
    json_counter(w, "short_conns", s->start.short_conns, s->end.short_conns);
    json_counter(w, "active_conns", s->start.active_conns, s->end.active_conns);
    json_counter(w, "bytes_in", s->start.bytes_in, s->end.bytes_in);
    json_counter(w, "bytes_out", s->start.bytes_out, s->end.bytes_out);
    json_counter(w, "segs_in", s->start.segs_in, s->end.segs_in);
    json_counter(w, "segs_out", s->start.segs_out, s->end.segs_out);
    if (s->tls.present)
        json_tls(w, &s->tls, true);
    if (s->ssh.present)
        json_ssh(w, &s->ssh, true);
    if (s->ipsec.present)
        json_ipsec(w, &s->ipsec, true);
    json_extras(w, s->job, s->user, s->truncated);
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
