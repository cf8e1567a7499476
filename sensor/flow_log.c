/* flow_log.c - --flows JSON lines and readable lines, one per ended flow. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../emit/community_id.h"
#include "../emit/json_writer.h"
#include "../emit/tls_version.h"
#include "../emit/zert_record.h"
#include "../flowtable/flow.h"
#include "app.h"
#include "decode.h"
#include "flow_log.h"
#include "ipsec_peers.h"
#include "peer.h"

static const char *
proto_name(uint8_t proto)
{
    switch (proto) {
    case IPPROTO_NUM_TCP:
        return "tcp";
    case IPPROTO_NUM_UDP:
        return "udp";
    case IPPROTO_NUM_ESP:
        return "esp";
    case IPPROTO_NUM_AH:
        return "ah";
    default:
        return "ip";
    }
}

static bool
has_ports(const struct flow *f)
{
    return f->key.proto == IPPROTO_NUM_TCP || f->key.proto == IPPROTO_NUM_UDP;
}

bool
flow_log_endpoint(const struct flow *f, int side, struct zert_endpoint *e)
{
    e->family = f->key.family;
    memcpy(e->ip, f->addr[side], sizeof(e->ip));
    e->port = f->port[side];
    return has_ports(f);
}

static void
endpoint(struct json_writer *w, const char *key, const struct flow *f, int side)
{
    struct zert_endpoint e;
    bool ports = flow_log_endpoint(f, side, &e);
    jw_key_endpoint(w, key, &e, ports);
}

/* Per-direction counters as {"c2s": n, "s2c": n}. */
static void
pair(struct json_writer *w, const char *key, uint64_t c2s, uint64_t s2c)
{
    jw_key_uint_pair(w, key, "c2s", c2s, "s2c", s2c);
}

static const char *const prot_kind_names[FLOW_PROT_KINDS] = {"tls", "ssh", "ipsec", "clear",
                                                             "unknown"};

const char *
flow_prot_kind_name(enum flow_prot_kind k)
{
    return k < FLOW_PROT_KINDS ? prot_kind_names[k] : "unknown";
}

/* Append " text" to the detail (cut at its size: the line is a glance, the records say all). */
static void
detail_add(struct flow_prot *p, const char *text)
{
    size_t n = strlen(p->detail);
    if (!text || !*text || n + 1 >= sizeof(p->detail))
        return;
    snprintf(p->detail + n, sizeof(p->detail) - n, "%s%s", n ? " " : "", text);
}

static void
set_why(struct flow_prot *p, enum flow_prot_kind kind, const char *why, uint8_t attempted)
{
    p->kind = kind;
    snprintf(p->version, sizeof(p->version), "%s", why);
    if (strcmp(why, "unknown") != 0) /* "unknown unknown" says nothing more */
        detail_add(p, why);
    if (attempted & ZERT_PROT_TLS)
        detail_add(p, "(tls)");
    else if (attempted & ZERT_PROT_SSH)
        detail_add(p, "(ssh)");
}

/* "c2s" or "c2s/s2c" when the directions differ. */
static void
detail_pair(struct flow_prot *p, const char *c2s, const char *s2c)
{
    char both[2 * ZERT_ALG_LEN + 2];
    if (!*c2s || !*s2c || strcmp(c2s, s2c) == 0)
        detail_add(p, *c2s ? c2s : s2c);
    else {
        snprintf(both, sizeof(both), "%s/%s", c2s, s2c);
        detail_add(p, both);
    }
}

static void
prot_tls(struct flow_prot *p, const struct zert_tls *t)
{
    char buf[32];
    const char *v = t->version[0] ? t->version
                    : t->version_code.known
                        ? tls_version_name((uint16_t)t->version_code.v, buf, sizeof(buf))
                        : "?";
    snprintf(p->version, sizeof(p->version), "%s", v);
    detail_add(p, v);
    if (t->cipher_name[0]) {
        detail_add(p, t->cipher_name);
    } else if (t->cipher_suite.known) {
        snprintf(buf, sizeof(buf), "0x%04x", (unsigned)t->cipher_suite.v);
        detail_add(p, buf);
    }
}

static void
prot_ssh(struct flow_prot *p, const struct zert_ssh *s)
{
    snprintf(p->version, sizeof(p->version), "%s", s->version[0] ? s->version : "?");
    detail_add(p, p->version);
    detail_add(p, s->kex);
    detail_pair(p, s->enc_c2s, s->enc_s2c);
    detail_pair(p, s->mac_c2s, s->mac_s2c);
}

/* "IKEv2 AES-CBC-256 HMAC-SHA2-256-128" from an IPsec block; the version is the tally's. */
static void
prot_ipsec(struct flow_prot *p, const struct zert_ipsec *z, bool known)
{
    char buf[64];
    if (!known || !z->ike_version[0]) {
        snprintf(p->version, sizeof(p->version), "no_ike_seen");
        return;
    }
    snprintf(p->version, sizeof(p->version), "IKEv%c", z->ike_version[0]);
    detail_add(p, p->version);
    if (z->ike_version[0] == '1')
        detail_add(p, z->exchange); /* main or aggressive: IKEv2 has one way */
    if (z->encr[0] && z->key_bits.known) {
        snprintf(buf, sizeof(buf), "%s-%" PRIu64, z->encr, z->key_bits.v);
        detail_add(p, buf);
    } else {
        detail_add(p, z->encr);
    }
    detail_add(p, z->integ[0] ? z->integ : z->prf);
}

static bool
port_is(const struct flow *f, uint16_t port)
{
    return f->port[0] == port || f->port[1] == port;
}

void
flow_log_protection(const struct flow *f, struct ipsec_peers *ipsec, struct zert_detail *rec,
                    struct flow_prot *p)
{
    memset(p, 0, sizeof(*p));
    memset(rec, 0, sizeof(*rec));
    const struct app_verdict *v = app_verdict(f);
    uint8_t proto = f->key.proto;
    if (proto != IPPROTO_NUM_TCP) {
        bool natt =
            proto == IPPROTO_NUM_UDP && !app_ike_state(f) && !app_peer_kind(f) && port_is(f, 4500);
        if (proto == IPPROTO_NUM_ESP || proto == IPPROTO_NUM_AH || natt) {
            /* ESP/AH (or ESP-in-UDP): protected; the pair's IKE exchange says how */
            bool known = ipsec && ipsec_peers_fill_between(ipsec, f->key.family, f->addr[0],
                                                           f->addr[1], rec);
            p->kind = FLOW_PROT_IPSEC;
            detail_add(p, proto == IPPROTO_NUM_ESP  ? "esp"
                          : proto == IPPROTO_NUM_AH ? "ah"
                                                    : "nat-t");
            prot_ipsec(p, &rec->ipsec, known);
        } else if (app_ike_state(f)) {
            app_fill_record(f, rec);
            p->kind = FLOW_PROT_IPSEC;
            detail_add(p, "ike");
            prot_ipsec(p, &rec->ipsec, rec->ipsec.present);
        } else if (app_peer_kind(f) == PEER_EE) {
            set_why(p, FLOW_PROT_CLEAR, "not_tls_ssh_ipsec", 0);
            detail_add(p, "(ee)");
        } else {
            set_why(p, FLOW_PROT_UNKNOWN, "not_examined", 0); /* UDP nobody dissects */
        }
        return;
    }
    uint8_t st = v->state;
    if (st == APP_PROT_PENDING && (f->payload[0] || f->payload[1]))
        st = APP_PROT_UNKNOWN; /* data flowed, and no dissector could say what it was */
    if (st != APP_PROT_ESTABLISHED && (f->flags & FLOW_F_MIDSTREAM)) {
        set_why(p, FLOW_PROT_UNKNOWN, "midstream", v->prot); /* its start was not seen */
        return;
    }
    switch (st) {
    case APP_PROT_ESTABLISHED:
        app_fill_record(f, rec);
        if (v->prot & ZERT_PROT_SSH) {
            p->kind = FLOW_PROT_SSH;
            prot_ssh(p, &rec->ssh);
        } else {
            p->kind = FLOW_PROT_TLS;
            prot_tls(p, &rec->tls);
        }
        if (v->clear_first) {
            detail_add(p, "after clear");
            if (rec->obs.starttls[0] && strcmp(rec->obs.starttls, "unknown") != 0) {
                char label[40];
                snprintf(label, sizeof(label), "(%s)", rec->obs.starttls);
                detail_add(p, label);
            }
        }
        if (v->ended)
            detail_add(p, "then clear");
        break;
    case APP_PROT_PENDING:
        set_why(p, FLOW_PROT_CLEAR, "no_data", 0);
        break;
    case APP_PROT_FAILED:
        set_why(p, FLOW_PROT_CLEAR, "handshake_failed", v->prot);
        break;
    case APP_PROT_CLEAR:
        set_why(p, FLOW_PROT_CLEAR, v->why ? v->why : "no_handshake_seen", 0);
        break;
    case APP_PROT_HANDSHAKE:
        set_why(p, FLOW_PROT_UNKNOWN, "handshake_incomplete", v->prot);
        break;
    default:
        set_why(p, FLOW_PROT_UNKNOWN, v->why ? v->why : "unknown", v->prot);
        break;
    }
}

void
flow_tally_add(struct flow_tally *t, const struct flow_prot *p)
{
    enum flow_prot_kind k = p->kind < FLOW_PROT_KINDS ? p->kind : FLOW_PROT_UNKNOWN;
    t->flows++;
    t->kind[k]++;
    for (int i = 0; i < FLOW_TALLY_NAMES; i++) {
        if (t->sub[k][i].n == 0) {
            snprintf(t->sub[k][i].name, sizeof(t->sub[k][i].name), "%s", p->version);
            t->sub[k][i].n = 1;
            return;
        }
        if (strcmp(t->sub[k][i].name, p->version) == 0) {
            t->sub[k][i].n++;
            return;
        }
    }
    t->other[k]++;
}

/* The flow's Community ID v1 (seed 0), the key that joins it to Zeek's and Suricata's logs;
 * "" when the protocol has none here (ICMP, ...). */
static void
flow_community_id(const struct flow *f, char cid[COMMUNITY_ID_LEN])
{
    struct zert_endpoint a, b;
    flow_log_endpoint(f, 0, &a);
    flow_log_endpoint(f, 1, &b);
    if (!community_id_v1(f->key.proto, &a, &b, 0, cid))
        cid[0] = '\0';
}

static void
flow_log_community_id(struct json_writer *w, const struct flow *f)
{
    char cid[COMMUNITY_ID_LEN];
    flow_community_id(f, cid);
    jw_key_text(w, "community_id", cid); /* "" (ICMP, ...): null */
}

int
flow_tally_print(FILE *out, const struct flow_tally *t)
{
    for (int k = 0; k < FLOW_PROT_KINDS; k++) {
        if (!t->kind[k])
            continue;
        /* names by count, biggest first (a few, so a selection sort) */
        int order[FLOW_TALLY_NAMES], n = 0;
        for (int i = 0; i < FLOW_TALLY_NAMES && t->sub[k][i].n; i++)
            order[n++] = i;
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
                if (t->sub[k][order[j]].n > t->sub[k][order[i]].n) {
                    int x = order[i];
                    order[i] = order[j];
                    order[j] = x;
                }
        fprintf(out, "  %-8s %8" PRIu64 " ", prot_kind_names[k], t->kind[k]);
        for (int i = 0; i < n; i++)
            fprintf(out, "%s %s %" PRIu64, i ? "," : "",
                    t->sub[k][order[i]].name[0] ? t->sub[k][order[i]].name : "?",
                    t->sub[k][order[i]].n);
        if (t->other[k])
            fprintf(out, "%s other %" PRIu64, n ? "," : "", t->other[k]);
        if (fputc('\n', out) == EOF)
            return -1;
    }
    return 0;
}

int
flow_log_json(struct json_writer *w, FILE *out, const struct flow *f, const struct flow_prot *p)
{
    int c = f->client_dir, s = c ^ 1;
    const struct tcp_half *tc = &f->tcp[c], *ts = &f->tcp[s];
    bool tcp = f->key.proto == IPPROTO_NUM_TCP;
    jw_reset(w);
    jw_obj_open(w);
    jw_key_uint(w, "flow_id", f->id);
    jw_key_str(w, "proto", proto_name(f->key.proto));
    endpoint(w, "client", f, c);
    endpoint(w, "server", f, s);
    flow_log_community_id(w, f);
    if (!has_ports(f)) {
        char spi[16];
        snprintf(spi, sizeof(spi), "0x%08" PRIx32, f->key.spi);
        jw_key_str(w, "spi", spi);
    }
    jw_key_time(w, "start", f->first_ts);
    jw_key_time(w, "end", f->last_ts);
    pair(w, "pkts", f->pkts[c], f->pkts[s]);
    pair(w, "bytes", f->bytes[c], f->bytes[s]);
    pair(w, "payload_bytes", f->payload[c], f->payload[s]);
    if (tcp) {
        pair(w, "stream_bytes", tc->delivered, ts->delivered);
        pair(w, "gap_bytes", tc->gap_bytes, ts->gap_bytes);
        pair(w, "gaps", tc->gaps, ts->gaps);
        pair(w, "retransmits", tc->retrans, ts->retrans);
        pair(w, "overlaps_inconsistent", tc->overlaps_bad, ts->overlaps_bad);
        jw_key_bool(w, "syn", tc->syn_seen);
        jw_key_bool(w, "syn_ack", (f->flags & FLOW_F_SYNACK) != 0);
        pair(w, "fin", tc->fin_seen, ts->fin_seen);
        jw_key_bool(w, "rst", tc->rst_seen || ts->rst_seen);
        jw_key_bool(w, "midstream", (f->flags & FLOW_F_MIDSTREAM) != 0);
        jw_key_bool(w, "roles_guessed", (f->flags & FLOW_F_ROLES_GUESSED) != 0);
    }
    if (p) {
        jw_key_str(w, "protection", prot_kind_names[p->kind]);
        jw_key_str(w, "protection_detail", p->detail[0] ? p->detail : NULL);
    }
    jw_key_str(w, "end_reason", flow_end_reason_name((enum flow_end_reason)f->end_reason));
    jw_obj_close(w);
    return jw_write_line(w, out);
}

int
flow_log_text(FILE *out, const struct flow *f, const struct flow_prot *p)
{
    int c = f->client_dir, s = c ^ 1;
    char ca[64], sa[64], t[40];
    decode_addr_str(f->key.family, f->addr[c], ca, sizeof(ca));
    decode_addr_str(f->key.family, f->addr[s], sa, sizeof(sa));
    bool v6 = f->key.family == 6;
    double dur = (double)(f->last_ts - f->first_ts) / 1e6;
    int rc;
    if (has_ports(f))
        rc = fprintf(out, "%-4s %s%s%s:%u -> %s%s%s:%u", proto_name(f->key.proto), v6 ? "[" : "",
                     ca, v6 ? "]" : "", f->port[c], v6 ? "[" : "", sa, v6 ? "]" : "", f->port[s]);
    else
        rc = fprintf(out, "%-4s %s -> %s spi 0x%08" PRIx32, proto_name(f->key.proto), ca, sa,
                     f->key.spi);
    if (rc < 0)
        return -1;
    if (p &&
        fprintf(out, "  %s%s%s", prot_kind_names[p->kind], p->detail[0] ? " " : "", p->detail) < 0)
        return -1;
    rc = fprintf(
        out, "  %s %.3fs  c2s %" PRIu64 " pkts %" PRIu64 " B  s2c %" PRIu64 " pkts %" PRIu64 " B",
        jw_format_time(f->first_ts, t, sizeof(t)), dur, f->pkts[c], f->payload[c], f->pkts[s],
        f->payload[s]);
    if (rc < 0)
        return -1;
    if (f->key.proto == IPPROTO_NUM_TCP) {
        uint64_t gb = f->tcp[0].gap_bytes + f->tcp[1].gap_bytes;
        if (gb && fprintf(out, "  missing %" PRIu64 " B", gb) < 0)
            return -1;
        if ((f->flags & FLOW_F_MIDSTREAM) && fputs("  midstream", out) < 0)
            return -1;
    }
    char cid[COMMUNITY_ID_LEN];
    flow_community_id(f, cid);
    return fprintf(out, "  %s%s%s\n", flow_end_reason_name((enum flow_end_reason)f->end_reason),
                   cid[0] ? "  " : "", cid) < 0
               ? -1
               : 0;
}
