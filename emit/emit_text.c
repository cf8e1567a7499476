/* emit_text.c - zERT records as readable text (zertdump -t): one block of "key value" lines each.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/socket.h>

#include "emit_json.h"
#include "emit_text.h"
#include "json_writer.h"
#include "smf_codes.h"

static void
text_line(FILE *out, const char *key, const char *val)
{
    if (val && *val)
        fprintf(out, "  %-22s %s\n", key, val);
}

static void
text_num(FILE *out, const char *key, const struct zert_num *n)
{
    if (n->known)
        fprintf(out, "  %-22s %" PRIu64 "\n", key, n->v);
}

static const char *
text_ip(const struct zert_endpoint *e, char *buf, size_t len)
{
    buf[0] = '\0';
    if (e->family == 4 || e->family == 6)
        inet_ntop(e->family == 4 ? AF_INET : AF_INET6, e->ip, buf, (socklen_t)len);
    return buf;
}

static void
text_cert(FILE *out, const char *what, const struct zert_cert *c)
{
    char key[40];
    if (!c->present)
        return;
    snprintf(key, sizeof(key), "%s.key", what);
    fprintf(out, "  %-22s %s %s%" PRIu64 "\n", key, c->key_type, c->key_bits.known ? "" : "?",
            c->key_bits.v);
    snprintf(key, sizeof(key), "%s.sig_alg", what);
    text_line(out, key, c->sig_alg);
    snprintf(key, sizeof(key), "%s.digest", what);
    text_line(out, key, c->digest);
    snprintf(key, sizeof(key), "%s.subject", what);
    text_line(out, key, c->subject);
    snprintf(key, sizeof(key), "%s.issuer", what);
    text_line(out, key, c->issuer);
}

static void
text_blocks(FILE *out, const struct zert_tls *t, const struct zert_ssh *h,
            const struct zert_ipsec *p)
{
    char buf[64];
    if (t->present) {
        const char *v =
            t->version_code.known
                ? smf_codes_tls_version_name((uint16_t)t->version_code.v, buf, sizeof(buf))
                : NULL;
        text_line(out, "tls.version", v ? v : t->version);
        if (t->cipher_suite.known)
            fprintf(out, "  %-22s 0x%04" PRIX64 "\n", "tls.cipher_suite", t->cipher_suite.v);
        text_line(out, "tls.kex", t->kex);
        text_line(out, "tls.enc", t->enc);
        text_line(out, "tls.mac", t->mac);
        text_line(out, "tls.handshake",
                  t->handshake == ZERT_HS_FULL      ? "full"
                  : t->handshake == ZERT_HS_RESUMED ? "resumed"
                                                    : NULL);
        text_cert(out, "tls.server_cert", &t->server_cert);
        text_cert(out, "tls.client_cert", &t->client_cert);
    }
    if (h->present) {
        text_line(out, "ssh.version", h->version);
        text_line(out, "ssh.kex", h->kex);
        text_line(out, "ssh.hostkey_type", h->hostkey_type);
        text_num(out, "ssh.hostkey_bits", &h->hostkey_bits);
        text_line(out, "ssh.enc_c2s", h->enc_c2s);
        text_line(out, "ssh.enc_s2c", h->enc_s2c);
        text_line(out, "ssh.mac_c2s", h->mac_c2s);
        text_line(out, "ssh.mac_s2c", h->mac_s2c);
    }
    if (p->present) {
        text_line(out, "ipsec.ike_version", p->ike_version);
        text_line(out, "ipsec.encr", p->encr);
        text_num(out, "ipsec.key_bits", &p->key_bits);
        text_line(out, "ipsec.prf", p->prf);
        text_line(out, "ipsec.integ", p->integ);
        text_num(out, "ipsec.dh_group", &p->dh_group);
        text_line(out, "ipsec.auth", p->auth);
        if (p->tunnel_local.family)
            text_line(out, "ipsec.tunnel_local", text_ip(&p->tunnel_local, buf, sizeof(buf)));
        if (p->tunnel_remote.family)
            text_line(out, "ipsec.tunnel_remote", text_ip(&p->tunnel_remote, buf, sizeof(buf)));
    }
}

/* "10.1.1.1:443", "[2001:db8::1]:443" (RFC 3986 brackets an IPv6 address with a port) */
static const char *
text_hostport(const struct zert_endpoint *e, char *buf, size_t len)
{
    char ip[INET6_ADDRSTRLEN];
    text_ip(e, ip, sizeof(ip));
    if (e->family == 6)
        snprintf(buf, len, "[%s]:%u", ip, e->port);
    else
        snprintf(buf, len, "%s:%u", ip, e->port);
    return buf;
}

static const char *
text_role(enum zert_role r)
{
    const char *n = emit_json_role_name(r);
    return n ? n : "not in record";
}

static const char *
text_proto(uint8_t p)
{
    return p == 6 ? "tcp" : p == 17 ? "udp" : "ip";
}

/* A lifetime counter at the interval's start and end: "0→3 (+3)". */
static void
text_life(FILE *out, const char *what, uint64_t start, uint64_t end)
{
    if (*what)
        fprintf(out, "%s ", what);
    if (end >= start)
        fprintf(out, "%" PRIu64 "\u2192%" PRIu64 " (+%" PRIu64 ")", start, end, end - start);
    else
        fprintf(out, "%" PRIu64 "\u2192%" PRIu64 " (-%" PRIu64 ")", start, end, start - end);
}

void
emit_text_detail(FILE *out, const struct zert_detail *d, uint64_t off)
{
    char t[40], a[80], b[80];
    const char *ev = emit_json_detail_event_name((int)d->event);
    fprintf(out, "SMF 119.11 zERT detail at offset %" PRIu64 ": %s%s", off, ev ? ev : "event ",
            ev ? "" : "?");
    fprintf(out, " %s %s/%s/%s\n", jw_format_time(d->time_us, t, sizeof(t)), d->sensor.system,
            d->sensor.sysplex, d->sensor.stack);
    if (d->event == ZERT_EV_ENABLED || d->event == ZERT_EV_DISABLED)
        return; /* the sensor's own coverage: no connection in it */
    fprintf(out, "  %-22s %s %s -> %s (local -> remote), role %s\n", "connection",
            text_proto(d->ip_proto), text_hostport(&d->local, a, sizeof(a)),
            text_hostport(&d->remote, b, sizeof(b)), text_role(d->role));
    fprintf(out, "  %-22s %" PRIu64 "\n", "conn_id", d->conn_id);
    fprintf(out, "  %-22s %s\n", "start", jw_format_time(d->start_us, t, sizeof(t)));
    if (d->end_us)
        fprintf(out, "  %-22s %s\n", "end", jw_format_time(d->end_us, t, sizeof(t)));
    fprintf(out,
            "  %-22s in %" PRIu64 " / out %" PRIu64 " bytes, in %" PRIu64 " / out %" PRIu64
            " segments\n",
            "traffic", d->bytes_in, d->bytes_out, d->segs_in, d->segs_out);
    fprintf(out, "  %-22s%s%s%s%s\n", "protection", d->protection & ZERT_PROT_TLS ? " tls" : "",
            d->protection & ZERT_PROT_SSH ? " ssh" : "",
            d->protection & ZERT_PROT_IPSEC ? " ipsec" : "", d->protection ? "" : " none");
    text_line(out, "jobname", d->job);
    text_line(out, "userid", d->user);
    text_blocks(out, &d->tls, &d->ssh, &d->ipsec);
}

void
emit_text_summary(FILE *out, const struct zert_summary *m, uint64_t off)
{
    char t1[40], t2[40], a[64], b[64];
    const char *ev = emit_json_summary_event_name((int)m->event);
    fprintf(out, "SMF 119.12 zERT summary at offset %" PRIu64 ": %s%s %s/%s/%s\n", off,
            ev ? ev : "event ", ev ? "" : "?", m->sensor.system, m->sensor.sysplex,
            m->sensor.stack);
    if (m->event == ZERT_SEV_AGGR_ENABLED || m->event == ZERT_SEV_AGGR_DISABLED) {
        fprintf(out, "  %-22s %s\n", "time", jw_format_time(m->interval_end_us, t1, sizeof(t1)));
        return; /* the sensor's own coverage: no session in it */
    }
    fprintf(out, "  %-22s %s .. %s\n", "interval",
            jw_format_time(m->interval_start_us, t1, sizeof(t1)),
            jw_format_time(m->interval_end_us, t2, sizeof(t2)));
    text_ip(&m->server, a, sizeof(a));
    fprintf(out, "  %-22s %s server %s%s%s:%u-%u client %s, local role %s\n", "session",
            text_proto(m->ip_proto), m->server.family == 6 ? "[" : "", a,
            m->server.family == 6 ? "]" : "", m->server.port, m->server_port_end,
            text_ip(&m->client, b, sizeof(b)), text_role(m->role));
    text_line(out, "session_key", m->session_key);
    fprintf(out, "  %-22s ", "conns");
    text_life(out, "", m->start.conns, m->end.conns);
    fputs(", ", out);
    text_life(out, "partial", m->start.partial_conns, m->end.partial_conns);
    fputs(", ", out);
    text_life(out, "short", m->start.short_conns, m->end.short_conns);
    fprintf(out, ", active %u at start, %u at end\n", m->start.active_conns,
            m->end.active_conns);
    fprintf(out, "  %-22s ", "bytes");
    text_life(out, "in", m->start.bytes_in, m->end.bytes_in);
    fputs(", ", out);
    text_life(out, "out", m->start.bytes_out, m->end.bytes_out);
    fputc('\n', out);
    fprintf(out, "  %-22s ", "segments");
    text_life(out, "in", m->start.segs_in, m->end.segs_in);
    fputs(", ", out);
    text_life(out, "out", m->start.segs_out, m->end.segs_out);
    fputc('\n', out);
    text_line(out, "jobname", m->job);
    text_line(out, "userid", m->user);
    text_blocks(out, &m->tls, &m->ssh, &m->ipsec);
}
