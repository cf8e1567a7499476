/* flow_log.c - --flows JSON lines and readable lines, one per ended flow. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../emit/community_id.h"
#include "../emit/json_writer.h"
#include "../flowtable/flow.h"
#include "decode.h"
#include "flow_log.h"

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

/* The flow's Community ID v1 (seed 0), the key that joins it to Zeek's and Suricata's logs. */
static void
flow_log_community_id(struct json_writer *w, const struct flow *f)
{
    struct zert_endpoint a, b;
    char cid[COMMUNITY_ID_LEN];
    flow_log_endpoint(f, 0, &a);
    flow_log_endpoint(f, 1, &b);
    community_id_v1(f->key.proto, &a, &b, 0, cid);
    jw_key_text(w, "community_id", cid); /* "" (ICMP, ...): null */
}

int
flow_log_json(struct json_writer *w, FILE *out, const struct flow *f)
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
    jw_key_str(w, "end_reason", flow_end_reason_name((enum flow_end_reason)f->end_reason));
    jw_obj_close(w);
    return jw_write_line(w, out);
}

int
flow_log_text(FILE *out, const struct flow *f)
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
    return fprintf(out, "  %s\n", flow_end_reason_name((enum flow_end_reason)f->end_reason)) < 0
               ? -1
               : 0;
}
