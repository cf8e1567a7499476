/* report.c - the report model: security sessions and connections, and the views built from them. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report_read.h"
#include "report.h"

/* Rows of the traffic views (tcp_server, tcp_client, peer) and of the overview. */
enum view_kind {
    VIEW_SERVER,
    VIEW_CLIENT,
    VIEW_PEER,
    VIEW_NKINDS,
};

static const char *const view_ids[VIEW_NKINDS] = {"tcp_server", "tcp_client", "peer"};

/* One security session: every summary record with the same identity, over all intervals. */
struct rep_range;

struct rep_session {
    const char *system, *stack, *job;
    uint8_t ip_proto;
    enum zert_role role;
    const char *server_ip, *server_key, *client_ip, *client_key;
    uint16_t port, port_end;
    struct rep_attrs a;
    uint64_t intervals, conns, partial, shorts, active, bytes_in, bytes_out, segs_in, segs_out;
    uint64_t first_us, last_us, active_at_us;
    uint32_t rules; /* bit i: policy rule i found something */
    /* the intervals counted, as disjoint [lo, hi) ranges of 1/100 s, sorted: consecutive
     * intervals merge, so this stays small (one range per stretch without a gap) */
    struct rep_range *ranges;
    size_t nranges, capranges;
};

struct rep_range {
    uint64_t lo, hi;
};

/* One connection: every detail record of it. */
struct rep_conn {
    const char *system;
    uint64_t conn_id;
    uint8_t ip_proto;
    enum zert_role role;
    const char *local_ip, *local_key, *remote_ip;
    uint16_t lport, rport;
    uint64_t start_us, end_us, time_cs;
    int last_event;
    uint8_t events; /* bit per detail event 1..4 */
    const char *end_reason, *sni, *starttls, *why, *seen;
    struct rep_attrs a;
    uint64_t bytes_in, bytes_out;
};

/*
 * A connection whose protection the wire could not show ("protection": null, JSON only):
 * it is in no security session, so the traffic views count it from its detail records, in
 * the latest state read, under the protection "unknown".
 */
struct rep_unknown {
    enum view_kind kind;
    uint8_t ip_proto;
    const char *a_ip, *a_key, *b_ip, *b_key; /* as struct rep_row */
    const char *remote_key;                  /* counted distinct per row (clients) */
    uint16_t port;
    uint64_t time_cs;
    int last_event;
    bool midstream;
    uint64_t bytes_in, bytes_out, segs_in, segs_out, first_us, last_us;
};

/* A row of a traffic view. */
struct rep_row {
    enum view_kind kind;
    uint8_t ip_proto;
    const char *a_ip, *a_key, *b_ip, *b_key; /* server/local, then client/remote ("" if none) */
    uint16_t port, port_end;
    const char *category;
    uint64_t clients, sessions, conns, partial, shorts, active, bytes_in, bytes_out, segs_in,
        segs_out, first_us, last_us;
    uint32_t rules;
};

struct rep_finding {
    int rule;
    const char *value;
    enum zert_role role;
    uint8_t ip_proto;
    const char *local_ip, *local_key, *remote_ip, *remote_key;
    uint16_t port, port_end;
    uint64_t clients, sessions, conns, bytes_in, bytes_out, first_us, last_us;
};

/* The views in the order they are written. */
struct rep_hitconn {
    uint64_t bytes_in, bytes_out, time_cs;
};

enum table_index {
    T_OVERVIEW,
    T_FINDINGS,
    T_SERVER,
    T_CLIENT,
    T_PEER,
    T_SESSIONS,
    T_CONNS,
    T_POLICY,
    T_INPUTS,
    T_COUNT,
};

struct report {
    const struct policy *policy;
    struct report_opts o;
    struct rep_pool pool;
    struct rep_buf key, ckey;
    struct rep_map sess_map, conn_map, row_map, find_map, seen_map;
    struct rep_session *sess;
    size_t nsess, capsess;
    struct rep_conn *conns;
    size_t nconns, capconns;
    struct rep_map unk_map;
    struct rep_unknown *unk;
    size_t nunk, capunk;
    struct rep_row *rows;
    size_t nrows, caprows;
    struct rep_finding *finds;
    size_t nfinds, capfinds;
    struct rep_input *inputs;
    size_t ninputs, capinputs;
    /* connections a detail-record rule found something in: (finding, bytes, time) */
    struct rep_hitconn *hitconns;
    size_t nhitconns, caphitconns;
    uint64_t conns_omitted, conns_omitted_records; /* past --max-conns */
    struct rtable tables[T_COUNT];
    const struct rtable *table_ptrs[T_COUNT];
    struct rep_chart chart;
    bool failed;
};

struct report *
report_new(const struct policy *policy, const struct report_opts *o)
{
    struct report *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->policy = policy;
    r->o = *o;
    rep_pool_init(&r->pool);
    rep_buf_init(&r->key);
    rep_buf_init(&r->ckey);
    rep_map_init(&r->sess_map);
    rep_map_init(&r->conn_map);
    rep_map_init(&r->unk_map);
    rep_map_init(&r->row_map);
    rep_map_init(&r->find_map);
    rep_map_init(&r->seen_map);
    return r;
}

void
report_free(struct report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < T_COUNT; i++)
        rt_fini(&r->tables[i]);
    rep_map_fini(&r->sess_map);
    rep_map_fini(&r->conn_map);
    rep_map_fini(&r->unk_map);
    rep_map_fini(&r->row_map);
    rep_map_fini(&r->find_map);
    rep_map_fini(&r->seen_map);
    rep_buf_fini(&r->key);
    rep_buf_fini(&r->ckey);
    rep_pool_fini(&r->pool);
    for (size_t i = 0; i < r->nsess; i++)
        free(r->sess[i].ranges);
    free(r->sess);
    free(r->conns);
    free(r->unk);
    free(r->hitconns);
    free(r->rows);
    free(r->finds);
    free(r->inputs);
    free(r->chart.bars);
    free(r);
}

struct rep_input *
report_input(struct report *r, const char *name, const char *format)
{
    if (rep_grow((void **)&r->inputs, &r->capinputs, r->ninputs + 1, sizeof(*r->inputs)) != 0) {
        r->failed = true;
        return NULL;
    }
    struct rep_input *in = &r->inputs[r->ninputs++];
    memset(in, 0, sizeof(*in));
    in->name = rep_pool_str(&r->pool, name);
    in->format = rep_pool_str(&r->pool, format);
    return in;
}

/* Address text, and a key that sorts addresses numerically (IPv4 before IPv6). */
static void
ip_fields(struct report *r, const struct zert_endpoint *e, const char **text, const char **key)
{
    char buf[64], k[40];
    rep_ip_text(e, buf, sizeof(buf));
    *text = rep_pool_str(&r->pool, buf);
    k[0] = (char)('0' + (e->family == 4 ? 4 : e->family == 6 ? 6 : 0));
    size_t n = e->family == 4 ? 4 : e->family == 6 ? 16 : 0;
    for (size_t i = 0; i < n; i++)
        snprintf(k + 1 + 2 * i, sizeof(k) - 1 - 2 * i, "%02x", e->ip[i]);
    k[1 + 2 * n] = '\0';
    *key = rep_pool_str(&r->pool, k);
}

/* Length-prefixed fields: a key no field's content can forge. */
static void
key_s(struct report *r, const char *s)
{
    rep_buf_addf(&r->key, "%zu:%s|", strlen(s ? s : ""), s ? s : "");
}

static void
key_n(struct report *r, uint64_t n)
{
    rep_buf_addf(&r->key, "%" PRIu64 "|", n);
}

static void
key_num(struct report *r, const struct zert_num *n)
{
    if (n->known)
        key_n(r, n->v);
    else
        rep_buf_add(&r->key, "-|");
}

/* The significant attributes: what makes two sessions different (subject and TLS group are
 * shown, not compared: SMF has no TLS group, and zERT's key is the certificate's key). */
static void
key_attrs(struct report *r, const struct rep_attrs *a)
{
    key_n(r, a->protocol);
    key_s(r, a->category);
    key_s(r, a->version);
    key_s(r, a->suite);
    key_s(r, a->kex);
    key_s(r, a->enc);
    key_s(r, a->enc2);
    key_s(r, a->mac);
    key_s(r, a->mac2);
    key_s(r, a->prf);
    key_s(r, a->auth);
    key_num(r, &a->dh_group);
    key_s(r, a->key_type);
    key_num(r, &a->key_bits);
    key_s(r, a->sig_alg);
    key_s(r, a->digest);
    key_s(r, a->ckey_type);
    key_num(r, &a->ckey_bits);
    key_s(r, a->csig_alg);
    key_s(r, a->cdigest);
}

static uint64_t
delta(uint64_t start, uint64_t end)
{
    return end >= start ? end - start : end; /* a counter that went back was reset */
}

/*
 * Count [lo, hi) in the session's ranges: 0 when it was new, 1 when it lies within intervals
 * already counted (a duplicate), -1 out of memory. A record that overlaps counted time without
 * lying within it is new: when max_sessions is reached the sensor writes a session's interval
 * so far (early_flush) and frees it, and a later record of the same session starts at the same
 * interval start, counting from zero. O(log n + n moved) in the ranges.
 */
static int
range_add(struct rep_session *x, uint64_t lo, uint64_t hi)
{
    size_t a = 0, b = x->nranges;
    while (a < b) { /* the first range that ends at or after lo (touches or overlaps) */
        size_t mid = (a + b) / 2;
        if (x->ranges[mid].hi < lo)
            a = mid + 1;
        else
            b = mid;
    }
    if (a < x->nranges && x->ranges[a].lo <= lo && hi <= x->ranges[a].hi)
        return 1;
    /* ranges a .. b-1 touch or overlap [lo, hi): they become one */
    for (b = a; b < x->nranges && x->ranges[b].lo <= hi; b++) {
        if (x->ranges[b].lo < lo)
            lo = x->ranges[b].lo;
        if (x->ranges[b].hi > hi)
            hi = x->ranges[b].hi;
    }
    if (b == a) {
        if (rep_grow((void **)&x->ranges, &x->capranges, x->nranges + 1, sizeof(*x->ranges)) != 0)
            return -1;
        memmove(&x->ranges[a + 1], &x->ranges[a], (x->nranges - a) * sizeof(*x->ranges));
        x->nranges++;
    } else if (b > a + 1) {
        memmove(&x->ranges[a + 1], &x->ranges[b], (x->nranges - b) * sizeof(*x->ranges));
        x->nranges -= b - a - 1;
    }
    x->ranges[a].lo = lo;
    x->ranges[a].hi = hi;
    return 0;
}

void
report_add_summary(struct report *r, struct rep_input *in, const struct zert_summary *s)
{
    struct rep_attrs a;
    const char *sip, *skey, *cip, *ckey;
    if (s->event != ZERT_SEV_INTERVAL) {
        in->events++;
        return;
    }
    in->summary++;
    rep_attrs_from_summary(&a, s, &r->pool);
    ip_fields(r, &s->server, &sip, &skey);
    ip_fields(r, &s->client, &cip, &ckey);
    uint16_t port_end = s->server_port_end ? s->server_port_end : s->server.port;

    rep_buf_reset(&r->key);
    key_s(r, s->sensor.system);
    key_s(r, s->sensor.stack);
    key_n(r, s->ip_proto);
    key_n(r, s->role);
    key_s(r, skey);
    key_n(r, s->server.port);
    key_n(r, port_end);
    key_s(r, ckey);
    key_s(r, s->job);
    key_attrs(r, &a);
    bool added;
    size_t i = rep_map_put(&r->sess_map, rep_buf_str(&r->key), r->nsess, &added);
    if (i == SIZE_MAX) {
        r->failed = true;
        return;
    }
    if (added) {
        if (rep_grow((void **)&r->sess, &r->capsess, r->nsess + 1, sizeof(*r->sess)) != 0) {
            r->failed = true;
            return;
        }
        struct rep_session *n = &r->sess[r->nsess++];
        memset(n, 0, sizeof(*n));
        n->system = rep_pool_str(&r->pool, s->sensor.system);
        n->stack = rep_pool_str(&r->pool, s->sensor.stack);
        n->job = rep_pool_str(&r->pool, s->job);
        n->ip_proto = s->ip_proto;
        n->role = s->role;
        n->server_ip = sip;
        n->server_key = skey;
        n->client_ip = cip;
        n->client_key = ckey;
        n->port = s->server.port;
        n->port_end = port_end;
        n->a = a;
        n->first_us = s->interval_start_us;
    }
    struct rep_session *x = &r->sess[i];
    /* the same interval of the same session twice (one run given as JSON and as SMF, or a
     * dump read twice) is counted once; times compared to the 1/100 s SMF keeps */
    uint64_t lo = s->interval_start_us / 10000, hi = s->interval_end_us / 10000;
    if (hi <= lo)
        hi = lo + 1;
    switch (range_add(x, lo, hi)) {
    case -1:
        r->failed = true;
        return;
    case 1:
        in->duplicates++;
        in->summary--;
        return;
    }
    x->intervals++;
    x->conns += delta(s->start.conns, s->end.conns);
    x->partial += delta(s->start.partial_conns, s->end.partial_conns);
    x->shorts += delta(s->start.short_conns, s->end.short_conns);
    x->bytes_in += delta(s->start.bytes_in, s->end.bytes_in);
    x->bytes_out += delta(s->start.bytes_out, s->end.bytes_out);
    x->segs_in += delta(s->start.segs_in, s->end.segs_in);
    x->segs_out += delta(s->start.segs_out, s->end.segs_out);
    if (s->interval_start_us < x->first_us)
        x->first_us = s->interval_start_us;
    if (s->interval_end_us > x->last_us)
        x->last_us = s->interval_end_us;
    if (s->interval_end_us >= x->active_at_us) {
        x->active_at_us = s->interval_end_us;
        x->active = s->end.active_conns;
    }
    /* the TLS group is shown, not compared: keep the first one known */
    if (!*x->a.group && *a.group)
        x->a.group = a.group;
    if (!*x->a.subject && *a.subject)
        x->a.subject = a.subject;
}

/* ------------------------------------------------------------------ inputs */

/* The first few problems of an input are said; the rest are counted (the inputs view). */
#define REPORT_WARN_MAX 10

static void warn(FILE *errout, const char *name, uint64_t *shown, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
warn(FILE *errout, const char *name, uint64_t *shown, const char *fmt, ...)
{
    va_list ap;
    if (!errout || (*shown)++ >= REPORT_WARN_MAX)
        return;
    fprintf(errout, "zertdump: %s: ", name);
    va_start(ap, fmt);
    vfprintf(errout, fmt, ap);
    va_end(ap);
    fputc('\n', errout);
}

static int
read_jsonl(struct report *r, FILE *f, const char *name, FILE *errout, char *err, size_t errlen)
{
    struct records_reader rd;
    struct records_item *it = malloc(sizeof(*it));
    struct rep_input *in = report_input(r, name, "jsonl");
    char msg[256];
    uint64_t shown = 0;
    int rc = 0, n;
    if (!it || !in) {
        free(it);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    records_reader_init(&rd, f);
    while ((n = records_reader_next(&rd, it, msg, sizeof(msg))) == 1) {
        in->records++;
        switch (it->kind) {
        case RECORDS_BAD:
            in->bad++;
            rc = 1;
            warn(errout, name, &shown, "line %lu: %s", rd.line, msg);
            break;
        case RECORDS_OTHER:
            in->other++;
            break;
        case RECORDS_DETAIL:
        case RECORDS_SUMMARY:
            if (!it->in_smf && r->o.smf_scope) {
                in->json_only++;
                break;
            }
            if (it->kind == RECORDS_DETAIL)
                report_add_detail(r, in, &it->u.detail);
            else
                report_add_summary(r, in, &it->u.summary);
            break;
        }
    }
    if (shown > REPORT_WARN_MAX && errout)
        fprintf(errout, "zertdump: %s: %" PRIu64 " malformed lines in all\n", name, in->bad);
    if (n < 0) {
        snprintf(err, errlen, "%s: %s", name, msg);
        rc = -1;
    }
    records_reader_fini(&rd);
    free(it);
    return rc;
}

static int
read_smf(struct report *r, FILE *f, const char *name, FILE *errout, char *err, size_t errlen)
{
    struct smf_reader *rd = smf_reader_new(f, r->o.smf_fmt);
    struct smf_decoded *dec = malloc(sizeof(*dec));
    struct rep_input *in = NULL;
    char msg[SMF_READER_ERRLEN];
    uint64_t shown = 0;
    int rc = 0, n;
    if (!rd || !dec) {
        smf_reader_free(rd);
        free(dec);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    while ((n = smf_reader_next(rd)) == 1) {
        if (!in)
            in = report_input(r, name, rd->fmt == SMF_FMT_VBS ? "vbs" : "rdw");
        if (!in)
            break;
        in->records++;
        switch (smf_reader_decode(rd->rec, rd->rec_len, &r->o.tz, dec, msg, sizeof(msg))) {
        case SMF_KIND_OTHER_TYPE:
        case SMF_KIND_OTHER_SUBTYPE:
            in->other++;
            break;
        case SMF_KIND_DETAIL:
            report_add_detail(r, in, &dec->u.detail);
            break;
        case SMF_KIND_SUMMARY:
            report_add_summary(r, in, &dec->u.summary);
            break;
        case SMF_KIND_BAD:
            in->bad++;
            rc = 1;
            warn(errout, name, &shown, "offset %" PRIu64 ": %s", rd->rec_off, msg);
            break;
        }
    }
    if (!in)
        in = report_input(r, name, rd->fmt == SMF_FMT_VBS ? "vbs" : "rdw");
    if (n < 0 && in) {
        /* the reader cannot find the next record after a broken one: the rest is lost */
        in->bad++;
        rc = 1;
        if (errout)
            fprintf(errout, "zertdump: %s: %s (the rest of the file is not read)\n", name, rd->err);
    }
    smf_reader_free(rd);
    free(dec);
    if (!in) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return rc;
}

int
report_read(struct report *r, const char *path, FILE *errout, char *err, size_t errlen)
{
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    int rc;
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    /*
     * records.jsonl starts with '{'; an SMF dump with a binary length, whose first byte can
     * be a blank (a record or block of 0x09xx, 0x0Axx, 0x0Dxx or 0x20xx bytes). Blank lines
     * before the first record are looked past only in a file that can be read again from its
     * start (not in a pipe).
     */
    int ch = getc(f);
    bool blank = ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
    if (blank && fseek(f, 0, SEEK_CUR) == 0) {
        while ((ch = getc(f)) == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
            ;
        if (ch != '{') {
            ch = 0; /* not JSON: read from the start as SMF */
            if (fseek(f, 0, SEEK_SET) != 0) {
                snprintf(err, errlen, "%s: %s", path, strerror(errno));
                if (!is_stdin)
                    fclose(f);
                return -1;
            }
        } else {
            ungetc(ch, f);
        }
    } else if (ch != EOF) {
        ungetc(ch, f);
    }
    if (ch == '{')
        rc = read_jsonl(r, f, is_stdin ? "(stdin)" : path, errout, err, errlen);
    else if (ch == EOF) {
        rc = report_input(r, is_stdin ? "(stdin)" : path, "empty") ? 0 : -1;
    } else
        rc = read_smf(r, f, is_stdin ? "(stdin)" : path, errout, err, errlen);
    if (!is_stdin)
        fclose(f);
    return rc;
}

/* ------------------------------------------------------------------ findings */

/* A finding about to be counted: the row it goes to, and what it adds. */
struct hit_ctx {
    struct report *r;
    struct rep_finding tmpl; /* rule and value are filled per hit */
    const char *client_key;  /* counted distinct per row */
    uint32_t *rules;         /* the session's rule bits, or NULL */
    const char *conn_key;    /* detail records: the connection, counted once */
    uint64_t time_cs;
};

static const char *
role_name(enum zert_role role)
{
    return role == ZERT_ROLE_SERVER   ? "server"
           : role == ZERT_ROLE_CLIENT ? "client"
           : role == ZERT_ROLE_PEER   ? "peer"
                                      : "";
}

static const char *
proto_name(struct report *r, uint8_t p)
{
    return p == 6    ? "tcp"
           : p == 17 ? "udp"
           : p == 50 ? "esp"
           : p == 51 ? "ah"
           : p == 0  ? ""
                     : rep_pool_fmt(&r->pool, "%u", p);
}

static size_t
finding_row(struct report *r, const struct rep_finding *f)
{
    rep_buf_reset(&r->key);
    key_n(r, (uint64_t)f->rule);
    key_s(r, f->value);
    key_n(r, f->role);
    key_n(r, f->ip_proto);
    key_s(r, f->local_key);
    key_s(r, f->remote_key);
    key_n(r, f->port);
    key_n(r, f->port_end);
    bool added;
    size_t i = rep_map_put(&r->find_map, rep_buf_str(&r->key), r->nfinds, &added);
    if (i == SIZE_MAX || r->key.failed)
        return SIZE_MAX;
    if (added) {
        if (rep_grow((void **)&r->finds, &r->capfinds, r->nfinds + 1, sizeof(*r->finds)) != 0)
            return SIZE_MAX;
        r->finds[r->nfinds] = *f;
        r->finds[r->nfinds].sessions = r->finds[r->nfinds].conns = 0;
        r->finds[r->nfinds].bytes_in = r->finds[r->nfinds].bytes_out = 0;
        r->nfinds++;
    }
    return i;
}

/* Seen before under this key? (distinct clients, connections) */
static bool seen(struct report *r, size_t *val, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool
seen(struct report *r, size_t *val, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    bool added;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    size_t v = rep_map_put(&r->seen_map, buf, val ? *val : 0, &added);
    if (v == SIZE_MAX) {
        r->failed = true;
        return true;
    }
    if (val)
        *val = v;
    return !added;
}

static void
on_hit(void *vctx, const struct policy_rule *rule, const char *value)
{
    struct hit_ctx *h = vctx;
    struct report *r = h->r;
    int ri = (int)(rule - r->policy->rules);
    struct rep_finding f = h->tmpl;
    f.rule = ri;
    f.value = rep_pool_str(&r->pool, value);
    if (h->rules)
        *h->rules |= 1u << ri;
    size_t i = finding_row(r, &f);
    if (i == SIZE_MAX) {
        r->failed = true;
        return;
    }
    struct rep_finding *x = &r->finds[i];
    if (h->conn_key) {
        /* a connection's records (init, change, term) count it once, with its last bytes */
        size_t k = r->nhitconns;
        if (!seen(r, &k, "c%zu|%s", i, h->conn_key)) {
            if (rep_grow((void **)&r->hitconns, &r->caphitconns, r->nhitconns + 1,
                         sizeof(*r->hitconns)) != 0) {
                r->failed = true;
                return;
            }
            memset(&r->hitconns[r->nhitconns++], 0, sizeof(*r->hitconns));
            x->conns++;
        }
        struct rep_hitconn *hc = &r->hitconns[k];
        if (h->time_cs < hc->time_cs)
            return;
        x->bytes_in += f.bytes_in - hc->bytes_in;
        x->bytes_out += f.bytes_out - hc->bytes_out;
        hc->bytes_in = f.bytes_in;
        hc->bytes_out = f.bytes_out;
        hc->time_cs = h->time_cs;
    } else {
        x->sessions += f.sessions;
        x->conns += f.conns;
        x->bytes_in += f.bytes_in;
        x->bytes_out += f.bytes_out;
    }
    if (f.first_us && (!x->first_us || f.first_us < x->first_us))
        x->first_us = f.first_us;
    if (f.last_us > x->last_us)
        x->last_us = f.last_us;
    if (!seen(r, NULL, "f%zu|%s", i, h->client_key))
        x->clients++;
}

/* The summary rules on every security session (at the end: sessions are complete). */
static void
evaluate(struct report *r)
{
    for (size_t i = 0; i < r->nsess; i++) {
        struct rep_session *s = &r->sess[i];
        struct hit_ctx h;
        memset(&h, 0, sizeof(h));
        h.r = r;
        h.rules = &s->rules;
        h.client_key = s->client_key;
        struct rep_finding *f = &h.tmpl;
        f->role = s->role;
        f->ip_proto = s->ip_proto;
        f->port = s->port;
        f->port_end = s->port_end;
        f->sessions = 1;
        f->conns = s->conns;
        f->bytes_in = s->bytes_in;
        f->bytes_out = s->bytes_out;
        f->first_us = s->first_us;
        f->last_us = s->last_us;
        if (s->role == ZERT_ROLE_CLIENT) {
            f->local_ip = s->client_ip, f->local_key = s->client_key;
            f->remote_ip = s->server_ip, f->remote_key = s->server_key;
            h.client_key = s->server_key; /* distinct remote servers */
        } else if (s->role == ZERT_ROLE_SERVER) {
            f->local_ip = s->server_ip, f->local_key = s->server_key;
            f->remote_ip = f->remote_key = "";
        } else {
            f->local_ip = s->server_ip, f->local_key = s->server_key;
            f->remote_ip = s->client_ip, f->remote_key = s->client_key;
        }
        policy_eval(r->policy, POLICY_SUMMARY, &s->a, on_hit, &h);
    }
}

/* The detail rules on one detail record, as it is read. */
static void
evaluate_detail(struct report *r, const struct zert_detail *d, const struct rep_attrs *a,
                const char *lip, const char *lkey, const char *rip, const char *rkey,
                const char *conn_key)
{
    struct hit_ctx h;
    memset(&h, 0, sizeof(h));
    h.r = r;
    h.conn_key = conn_key;
    h.client_key = rkey;
    h.time_cs = d->time_us / 10000;
    struct rep_finding *f = &h.tmpl;
    f->role = d->role;
    f->ip_proto = d->ip_proto;
    f->port = f->port_end = d->role == ZERT_ROLE_CLIENT ? d->remote.port : d->local.port;
    f->bytes_in = d->bytes_in;
    f->bytes_out = d->bytes_out;
    f->first_us = d->start_us;
    f->last_us = d->end_us ? d->end_us : d->time_us;
    f->local_ip = lip, f->local_key = lkey;
    if (d->role == ZERT_ROLE_SERVER)
        f->remote_ip = f->remote_key = "";
    else
        f->remote_ip = rip, f->remote_key = rkey;
    policy_eval(r->policy, POLICY_DETAIL, a, on_hit, &h);
}

static int
event_rank(int ev)
{
    return ev == ZERT_EV_INIT ? 1 : ev == ZERT_EV_CHANGE ? 2 : 3;
}

static const char *
keep(const char *old, const char *new_)
{
    return *new_ ? new_ : old;
}

/* A detail record of a connection whose protection is unknown: its latest state is counted. */
static void
add_unknown(struct report *r, const struct zert_detail *d, const char *conn_key, const char *lip,
            const char *lkey, const char *rip, const char *rkey)
{
    bool added;
    size_t i = rep_map_put(&r->unk_map, conn_key, r->nunk, &added);
    if (i == SIZE_MAX) {
        r->failed = true;
        return;
    }
    if (added) {
        if (rep_grow((void **)&r->unk, &r->capunk, r->nunk + 1, sizeof(*r->unk)) != 0) {
            r->failed = true;
            return;
        }
        struct rep_unknown *n = &r->unk[r->nunk++];
        memset(n, 0, sizeof(*n));
        n->ip_proto = d->ip_proto;
        if (d->ip_proto == 6 && d->role == ZERT_ROLE_SERVER) {
            n->kind = VIEW_SERVER;
            n->a_ip = lip, n->a_key = lkey;
            n->b_ip = n->b_key = "";
            n->port = d->local.port;
        } else {
            n->kind = d->ip_proto == 6 && d->role == ZERT_ROLE_CLIENT ? VIEW_CLIENT : VIEW_PEER;
            n->a_ip = lip, n->a_key = lkey;
            n->b_ip = rip, n->b_key = rkey;
            n->port = n->kind == VIEW_CLIENT ? d->remote.port : d->local.port;
        }
        n->remote_key = rkey;
        n->first_us = d->start_us;
    }
    struct rep_unknown *x = &r->unk[i];
    uint64_t t = d->time_us / 10000;
    if (x->last_event &&
        (t < x->time_cs || (t == x->time_cs && event_rank(d->event) < event_rank(x->last_event))))
        return; /* an older state of the connection */
    x->time_cs = t;
    x->last_event = d->event;
    x->midstream = d->obs.present && d->obs.midstream == ZERT_TRI_TRUE;
    x->bytes_in = d->bytes_in;
    x->bytes_out = d->bytes_out;
    x->segs_in = d->segs_in;
    x->segs_out = d->segs_out;
    x->last_us = d->end_us ? d->end_us : d->time_us;
}

void
report_add_detail(struct report *r, struct rep_input *in, const struct zert_detail *d)
{
    const char *lip, *lkey, *rip, *rkey;
    struct rep_attrs a;
    if (d->event < ZERT_EV_INIT || d->event > ZERT_EV_SHORT_TERM) {
        in->events++;
        return;
    }
    in->detail++;
    ip_fields(r, &d->local, &lip, &lkey);
    ip_fields(r, &d->remote, &rip, &rkey);
    rep_attrs_from_detail(&a, d, &r->pool);
    /* a connection: its local side, remote side and start (to the 1/100 s SMF keeps) */
    struct rep_buf *k = &r->ckey;
    rep_buf_reset(k);
    rep_buf_addf(k, "%zu:%s|%zu:%s|%u|%s|%u|%s|%u|%" PRIu64, strlen(d->sensor.system),
                 d->sensor.system, strlen(d->sensor.stack), d->sensor.stack, d->ip_proto, lkey,
                 d->local.port, rkey, d->remote.port, d->start_us / 10000);
    const char *conn_key = rep_buf_str(k);
    if (k->failed) {
        r->failed = true;
        return;
    }
    evaluate_detail(r, d, &a, lip, lkey, rip, rkey, conn_key);
    if (d->prot_unknown)
        add_unknown(r, d, conn_key, lip, lkey, rip, rkey);

    size_t i = rep_map_get(&r->conn_map, conn_key);
    if (i == SIZE_MAX) {
        if (r->o.max_conns && r->nconns >= r->o.max_conns) {
            /* the connections view is full: counted, not kept */
            r->conns_omitted_records++;
            if (d->event == ZERT_EV_TERM || d->event == ZERT_EV_SHORT_TERM)
                r->conns_omitted++;
            return;
        }
        if (rep_map_put(&r->conn_map, conn_key, r->nconns, NULL) == SIZE_MAX ||
            rep_grow((void **)&r->conns, &r->capconns, r->nconns + 1, sizeof(*r->conns)) != 0) {
            r->failed = true;
            return;
        }
        i = r->nconns++;
        struct rep_conn *n = &r->conns[i];
        memset(n, 0, sizeof(*n));
        n->system = rep_pool_str(&r->pool, d->sensor.system);
        n->ip_proto = d->ip_proto;
        n->local_ip = lip;
        n->local_key = lkey;
        n->remote_ip = rip;
        n->lport = d->local.port;
        n->rport = d->remote.port;
        n->start_us = d->start_us;
        n->end_reason = n->sni = n->starttls = n->why = n->seen = "";
    }
    struct rep_conn *c = &r->conns[i];
    uint64_t t = d->time_us / 10000;
    c->events |= (uint8_t)(1u << d->event);
    if (c->last_event &&
        (t < c->time_cs || (t == c->time_cs && event_rank(d->event) < event_rank(c->last_event))))
        return; /* an older state of the connection */
    c->time_cs = t;
    c->last_event = d->event;
    c->conn_id = d->conn_id;
    if (d->role != ZERT_ROLE_UNKNOWN || !c->role)
        c->role = d->role;
    if (d->end_us)
        c->end_us = d->end_us;
    c->bytes_in = d->bytes_in;
    c->bytes_out = d->bytes_out;
    c->a = a;
    c->end_reason = keep(c->end_reason, rep_pool_str(&r->pool, d->end_reason));
    c->sni = keep(c->sni, rep_pool_str(&r->pool, d->tls.present ? d->tls.sni : ""));
    c->starttls = keep(c->starttls, rep_pool_str(&r->pool, d->obs.present ? d->obs.starttls : ""));
    /* why it has no protection (or an unknown one): the latest observation's, as the
     * protection is; SMF records carry no observation and leave it as it was */
    if (d->obs.present) {
        c->why = rep_pool_str(&r->pool, d->obs.why);
        c->seen = rep_pool_str(&r->pool, d->obs.seen);
    }
}

/* ------------------------------------------------------------------ views */

static enum view_kind
kind_of(const struct rep_session *s)
{
    if (s->ip_proto == 6 && s->role == ZERT_ROLE_SERVER)
        return VIEW_SERVER;
    if (s->ip_proto == 6 && s->role == ZERT_ROLE_CLIENT)
        return VIEW_CLIENT;
    return VIEW_PEER;
}

/* The row of a traffic view a row key falls in (created empty, first_us set, when new). */
static struct rep_row *
row_for(struct report *r, const struct rep_row *row)
{
    rep_buf_reset(&r->key);
    key_n(r, row->kind);
    key_n(r, row->ip_proto);
    key_s(r, row->a_key);
    key_s(r, row->b_key);
    key_n(r, row->port);
    key_n(r, row->port_end);
    key_s(r, row->category);
    bool added;
    size_t k = rep_map_put(&r->row_map, rep_buf_str(&r->key), r->nrows, &added);
    if (k == SIZE_MAX) {
        r->failed = true;
        return NULL;
    }
    if (added) {
        if (rep_grow((void **)&r->rows, &r->caprows, r->nrows + 1, sizeof(*r->rows)) != 0) {
            r->failed = true;
            return NULL;
        }
        r->rows[r->nrows++] = *row;
    }
    return &r->rows[k];
}

/*
 * A connection of unknown protection, in the row of its endpoint under "unknown": no session
 * (sessions and active_conns stay 0), the connection, partial when picked up mid-stream, short
 * when its last record is short_term, its latest bytes and segments.
 */
static void
unknown_row(struct report *r, const struct rep_unknown *u)
{
    struct rep_row row;
    memset(&row, 0, sizeof(row));
    row.kind = u->kind;
    row.ip_proto = u->ip_proto;
    row.port = row.port_end = u->port;
    row.category = "unknown";
    row.a_ip = u->a_ip, row.a_key = u->a_key;
    row.b_ip = u->b_ip, row.b_key = u->b_key;
    row.first_us = u->first_us;
    struct rep_row *x = row_for(r, &row);
    if (!x)
        return;
    size_t k = (size_t)(x - r->rows);
    x->conns++;
    x->partial += u->midstream;
    x->shorts += u->last_event == ZERT_EV_SHORT_TERM;
    x->bytes_in += u->bytes_in;
    x->bytes_out += u->bytes_out;
    x->segs_in += u->segs_in;
    x->segs_out += u->segs_out;
    if (u->first_us < x->first_us)
        x->first_us = u->first_us;
    if (u->last_us > x->last_us)
        x->last_us = u->last_us;
    bool added;
    rep_buf_reset(&r->key);
    rep_buf_addf(&r->key, "r%zu|%s", k, u->remote_key);
    if (rep_map_put(&r->seen_map, rep_buf_str(&r->key), 0, &added) != SIZE_MAX && added)
        x->clients++;
}

static void
build_rows(struct report *r)
{
    for (size_t i = 0; i < r->nsess; i++) {
        const struct rep_session *s = &r->sess[i];
        struct rep_row row;
        memset(&row, 0, sizeof(row));
        row.kind = kind_of(s);
        row.ip_proto = s->ip_proto;
        row.port = s->port;
        row.port_end = s->port_end;
        row.category = s->a.category;
        if (row.kind == VIEW_SERVER) {
            row.a_ip = s->server_ip, row.a_key = s->server_key;
            row.b_ip = row.b_key = "";
        } else {
            row.a_ip = s->role == ZERT_ROLE_CLIENT ? s->client_ip : s->server_ip;
            row.a_key = s->role == ZERT_ROLE_CLIENT ? s->client_key : s->server_key;
            row.b_ip = s->role == ZERT_ROLE_CLIENT ? s->server_ip : s->client_ip;
            row.b_key = s->role == ZERT_ROLE_CLIENT ? s->server_key : s->client_key;
        }
        row.first_us = s->first_us;
        struct rep_row *x = row_for(r, &row);
        if (!x)
            return;
        size_t k = (size_t)(x - r->rows);
        bool added;
        x->sessions++;
        x->conns += s->conns;
        x->partial += s->partial;
        x->shorts += s->shorts;
        x->active += s->active;
        x->bytes_in += s->bytes_in;
        x->bytes_out += s->bytes_out;
        x->segs_in += s->segs_in;
        x->segs_out += s->segs_out;
        if (s->first_us < x->first_us)
            x->first_us = s->first_us;
        if (s->last_us > x->last_us)
            x->last_us = s->last_us;
        x->rules |= s->rules;
        rep_buf_reset(&r->key);
        rep_buf_addf(&r->key, "r%zu|%s", k,
                     s->role == ZERT_ROLE_CLIENT ? s->server_key : s->client_key);
        if (rep_map_put(&r->seen_map, rep_buf_str(&r->key), 0, &added) != SIZE_MAX && added)
            x->clients++;
    }
    for (size_t i = 0; i < r->nunk; i++)
        unknown_row(r, &r->unk[i]);
}

static int
cmp_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

#define CMP(a, b)                                                                                  \
    do {                                                                                           \
        if ((a) != (b))                                                                            \
            return (a) < (b) ? -1 : 1;                                                             \
    } while (0)

#define CMPS(a, b)                                                                                 \
    do {                                                                                           \
        int c_ = cmp_str((a), (b));                                                                \
        if (c_)                                                                                    \
            return c_;                                                                             \
    } while (0)

static int
cmp_row(const void *pa, const void *pb)
{
    const struct rep_row *a = pa, *b = pb;
    CMP(a->kind, b->kind);
    CMP(a->ip_proto, b->ip_proto);
    CMPS(a->a_key, b->a_key);
    CMPS(a->b_key, b->b_key);
    CMP(a->port, b->port);
    CMP(a->port_end, b->port_end);
    CMP(rep_category_rank(a->category), rep_category_rank(b->category));
    CMPS(a->category, b->category);
    return 0;
}

static int
cmp_session(const void *pa, const void *pb)
{
    const struct rep_session *a = pa, *b = pb;
    CMP(kind_of(a), kind_of(b));
    CMP(a->ip_proto, b->ip_proto);
    CMPS(a->server_key, b->server_key);
    CMP(a->port, b->port);
    CMP(a->port_end, b->port_end);
    CMPS(a->client_key, b->client_key);
    CMP(rep_category_rank(a->a.category), rep_category_rank(b->a.category));
    CMPS(a->a.version, b->a.version);
    CMPS(a->a.suite, b->a.suite);
    CMPS(a->a.kex, b->a.kex);
    CMPS(a->a.enc, b->a.enc);
    CMPS(a->a.enc2, b->a.enc2);
    CMPS(a->a.mac, b->a.mac);
    CMPS(a->a.mac2, b->a.mac2);
    CMPS(a->a.key_type, b->a.key_type);
    CMP(a->a.key_bits.v, b->a.key_bits.v);
    CMPS(a->system, b->system);
    CMPS(a->stack, b->stack);
    CMPS(a->job, b->job);
    CMP(a->first_us, b->first_us);
    return 0;
}

static int
cmp_finding(const void *pa, const void *pb)
{
    const struct rep_finding *a = pa, *b = pb;
    CMP(a->rule, b->rule);
    CMPS(a->value, b->value);
    CMP(b->conns, a->conns); /* most connections first */
    CMP(a->role, b->role);
    CMP(a->ip_proto, b->ip_proto);
    CMPS(a->local_key, b->local_key);
    CMPS(a->remote_key, b->remote_key);
    CMP(a->port, b->port);
    CMP(a->port_end, b->port_end);
    return 0;
}

static int
cmp_conn(const void *pa, const void *pb)
{
    const struct rep_conn *a = pa, *b = pb;
    CMP(a->start_us / 10000, b->start_us / 10000);
    CMPS(a->local_key, b->local_key);
    CMP(a->lport, b->lport);
    CMPS(a->remote_ip, b->remote_ip);
    CMP(a->rport, b->rport);
    CMP(a->ip_proto, b->ip_proto);
    CMPS(a->system, b->system);
    return 0;
}

static const char *
rules_text(struct report *r, uint32_t rules)
{
    rep_buf_reset(&r->key);
    for (int i = 0; i < POLICY_NRULES; i++) {
        if (rules & (1u << i)) {
            if (r->key.len)
                rep_buf_add(&r->key, ",");
            rep_buf_add(&r->key, r->policy->rules[i].id);
        }
    }
    return rep_pool_str(&r->pool, rep_buf_str(&r->key));
}

static const char *
time_text(struct report *r, uint64_t us)
{
    char buf[32];
    return rep_pool_str(&r->pool, rep_time_text(us, buf, sizeof(buf)));
}

/* "a/b" when the two directions differ */
static const char *
both_ways(struct report *r, const char *a, const char *b)
{
    if (!*b || strcmp(a, b) == 0)
        return a;
    return rep_pool_fmt(&r->pool, "%s/%s", a, b);
}

#define NCOLS(c) (sizeof(c) / sizeof((c)[0]))

static const struct rt_col overview_cols[] = {
    {"traffic", RT_TEXT},    {"protection", RT_TEXT}, {"sessions", RT_NUM},
    {"conns", RT_NUM},       {"conns_share", RT_PCT}, {"partial_conns", RT_NUM},
    {"short_conns", RT_NUM}, {"bytes_in", RT_NUM},    {"bytes_out", RT_NUM},
    {"bytes_share", RT_PCT},
};

static const struct rt_col server_cols[] = {
    {"server_ip", RT_TEXT},   {"port", RT_NUM},          {"port_end", RT_NUM},
    {"protection", RT_TEXT},  {"clients", RT_NUM},       {"sessions", RT_NUM},
    {"conns", RT_NUM},        {"partial_conns", RT_NUM}, {"short_conns", RT_NUM},
    {"active_conns", RT_NUM}, {"bytes_in", RT_NUM},      {"bytes_out", RT_NUM},
    {"segs_in", RT_NUM},      {"segs_out", RT_NUM},      {"first", RT_TEXT},
    {"last", RT_TEXT},        {"findings", RT_TEXT},
};

static const struct rt_col client_cols[] = {
    {"client_ip", RT_TEXT},   {"server_ip", RT_TEXT},    {"port", RT_NUM},
    {"port_end", RT_NUM},     {"protection", RT_TEXT},   {"sessions", RT_NUM},
    {"conns", RT_NUM},        {"partial_conns", RT_NUM}, {"short_conns", RT_NUM},
    {"active_conns", RT_NUM}, {"bytes_in", RT_NUM},      {"bytes_out", RT_NUM},
    {"segs_in", RT_NUM},      {"segs_out", RT_NUM},      {"first", RT_TEXT},
    {"last", RT_TEXT},        {"findings", RT_TEXT},
};

static const struct rt_col peer_cols[] = {
    {"ip_proto", RT_TEXT},   {"local_ip", RT_TEXT},    {"remote_ip", RT_TEXT},
    {"port", RT_NUM},        {"port_end", RT_NUM},     {"protection", RT_TEXT},
    {"sessions", RT_NUM},    {"conns", RT_NUM},        {"partial_conns", RT_NUM},
    {"short_conns", RT_NUM}, {"active_conns", RT_NUM}, {"bytes_in", RT_NUM},
    {"bytes_out", RT_NUM},   {"segs_in", RT_NUM},      {"segs_out", RT_NUM},
    {"first", RT_TEXT},      {"last", RT_TEXT},        {"findings", RT_TEXT},
};

static const struct rt_col session_cols[] = {
    {"system", RT_TEXT},       {"ip_proto", RT_TEXT},   {"role", RT_TEXT},
    {"server_ip", RT_TEXT},    {"port", RT_NUM},        {"port_end", RT_NUM},
    {"client_ip", RT_TEXT},    {"job", RT_TEXT},        {"protection", RT_TEXT},
    {"version", RT_TEXT},      {"suite", RT_TEXT},      {"kex", RT_TEXT},
    {"group", RT_TEXT},        {"enc", RT_TEXT},        {"mac", RT_TEXT},
    {"prf", RT_TEXT},          {"auth", RT_TEXT},       {"key_type", RT_TEXT},
    {"key_bits", RT_NUM},      {"sig_alg", RT_TEXT},    {"cert_subject", RT_TEXT},
    {"client_key", RT_TEXT},   {"intervals", RT_NUM},   {"conns", RT_NUM},
    {"partial_conns", RT_NUM}, {"short_conns", RT_NUM}, {"active_conns", RT_NUM},
    {"bytes_in", RT_NUM},      {"bytes_out", RT_NUM},   {"first", RT_TEXT},
    {"last", RT_TEXT},         {"findings", RT_TEXT},
};

static const struct rt_col finding_cols[] = {
    {"severity", RT_TEXT}, {"rule", RT_TEXT},     {"value", RT_TEXT},     {"role", RT_TEXT},
    {"ip_proto", RT_TEXT}, {"local_ip", RT_TEXT}, {"remote_ip", RT_TEXT}, {"port", RT_NUM},
    {"port_end", RT_NUM},  {"clients", RT_NUM},   {"sessions", RT_NUM},   {"conns", RT_NUM},
    {"bytes_in", RT_NUM},  {"bytes_out", RT_NUM}, {"first", RT_TEXT},     {"last", RT_TEXT},
};

static const struct rt_col conn_cols[] = {
    {"system", RT_TEXT},     {"conn_id", RT_NUM},     {"ip_proto", RT_TEXT},
    {"role", RT_TEXT},       {"local_ip", RT_TEXT},   {"local_port", RT_NUM},
    {"remote_ip", RT_TEXT},  {"remote_port", RT_NUM}, {"start", RT_TEXT},
    {"end", RT_TEXT},        {"end_reason", RT_TEXT}, {"events", RT_TEXT},
    {"protection", RT_TEXT}, {"version", RT_TEXT},    {"suite", RT_TEXT},
    {"sni", RT_TEXT},        {"starttls", RT_TEXT},   {"why", RT_TEXT},
    {"seen", RT_TEXT},       {"bytes_in", RT_NUM},    {"bytes_out", RT_NUM},
};

static const struct rt_col policy_cols[] = {
    {"rule", RT_TEXT},   {"severity", RT_TEXT},    {"values", RT_TEXT}, {"checks", RT_TEXT},
    {"source", RT_TEXT}, {"finding_rows", RT_NUM}, {"conns", RT_NUM},
};

static const struct rt_col input_cols[] = {
    {"file", RT_TEXT},      {"format", RT_TEXT}, {"records", RT_NUM}, {"detail", RT_NUM},
    {"summary", RT_NUM},    {"events", RT_NUM},  {"other", RT_NUM},   {"json_only", RT_NUM},
    {"duplicates", RT_NUM}, {"bad", RT_NUM},
};

/* Columns shared by the traffic views, from `protection` on (offset by the key columns). */
static void
fill_counts(struct report *r, struct rtable *t, size_t row, size_t c, const struct rep_row *x,
            bool clients)
{
    rt_text(t, row, c++, x->category);
    if (clients)
        rt_num(t, row, c++, x->clients);
    rt_num(t, row, c++, x->sessions);
    rt_num(t, row, c++, x->conns);
    rt_num(t, row, c++, x->partial);
    rt_num(t, row, c++, x->shorts);
    rt_num(t, row, c++, x->active);
    rt_num(t, row, c++, x->bytes_in);
    rt_num(t, row, c++, x->bytes_out);
    rt_num(t, row, c++, x->segs_in);
    rt_num(t, row, c++, x->segs_out);
    rt_text(t, row, c++, time_text(r, x->first_us));
    rt_text(t, row, c++, time_text(r, x->last_us));
    rt_text(t, row, c, rules_text(r, x->rules));
}

static void
table_traffic(struct report *r)
{
    struct rtable *ts = &r->tables[T_SERVER], *tc = &r->tables[T_CLIENT], *tp = &r->tables[T_PEER];
    rt_init(ts, "tcp_server", "TCP server traffic",
            "Local TCP servers: one row per server address, port (or port range) and protection, "
            "over every security session and interval.",
            server_cols, NCOLS(server_cols));
    rt_init(tc, "tcp_client", "TCP client traffic",
            "Local TCP clients and the remote servers they reach: one row per client, server, "
            "port and protection.",
            client_cols, NCOLS(client_cols));
    rt_init(tp, "peer", "EE and other peer traffic",
            "Enterprise Extender (UDP 12000-12004) and IPsec peer pairs: one row per local and "
            "remote address, port range and protection.",
            peer_cols, NCOLS(peer_cols));
    for (size_t i = 0; i < r->nrows; i++) {
        const struct rep_row *x = &r->rows[i];
        struct rtable *t = x->kind == VIEW_SERVER ? ts : x->kind == VIEW_CLIENT ? tc : tp;
        size_t row = rt_row(t), c = 0;
        if (row == SIZE_MAX)
            return;
        if (x->kind == VIEW_PEER)
            rt_text(t, row, c++, proto_name(r, x->ip_proto));
        rt_text(t, row, c++, x->a_ip);
        if (x->kind != VIEW_SERVER)
            rt_text(t, row, c++, x->b_ip);
        rt_num(t, row, c++, x->port);
        rt_num(t, row, c++, x->port_end);
        fill_counts(r, t, row, c, x, x->kind == VIEW_SERVER);
    }
}

static void
table_overview(struct report *r)
{
    struct rtable *t = &r->tables[T_OVERVIEW];
    struct agg {
        uint64_t sessions, conns, partial, shorts, bytes_in, bytes_out;
    } agg[VIEW_NKINDS][REP_NCAT], tot[VIEW_NKINDS];
    memset(agg, 0, sizeof(agg));
    memset(tot, 0, sizeof(tot));
    rt_init(t, "overview", "Protection at a glance",
            "Connections and bytes by protection, for each kind of traffic. A connection that "
            "changed protection (STARTTLS) counts once in each security session it used.",
            overview_cols, NCOLS(overview_cols));
    for (size_t i = 0; i < r->nrows; i++) {
        const struct rep_row *x = &r->rows[i];
        int cat = rep_category_rank(x->category);
        struct agg *a = &agg[x->kind][cat];
        a->sessions += x->sessions;
        a->conns += x->conns;
        a->partial += x->partial;
        a->shorts += x->shorts;
        a->bytes_in += x->bytes_in;
        a->bytes_out += x->bytes_out;
        tot[x->kind].conns += x->conns;
        tot[x->kind].bytes_in += x->bytes_in + x->bytes_out;
    }
    for (int k = 0; k < VIEW_NKINDS; k++) {
        for (int cat = 0; cat < REP_NCAT; cat++) {
            const struct agg *a = &agg[k][cat];
            if (!a->sessions && !a->conns)
                continue; /* unknown rows have connections and no session */
            size_t row = rt_row(t), c = 0;
            if (row == SIZE_MAX)
                return;
            rt_text(t, row, c++, view_ids[k]);
            rt_text(t, row, c++, r->chart.cats[cat]);
            rt_num(t, row, c++, a->sessions);
            rt_num(t, row, c++, a->conns);
            if (tot[k].conns)
                rt_pct(t, row, c, 100.0 * (double)a->conns / (double)tot[k].conns);
            c++;
            rt_num(t, row, c++, a->partial);
            rt_num(t, row, c++, a->shorts);
            rt_num(t, row, c++, a->bytes_in);
            rt_num(t, row, c++, a->bytes_out);
            if (tot[k].bytes_in)
                rt_pct(t, row, c,
                       100.0 * (double)(a->bytes_in + a->bytes_out) / (double)tot[k].bytes_in);
        }
    }
}

static void
table_sessions(struct report *r)
{
    struct rtable *t = &r->tables[T_SESSIONS];
    rt_init(t, "sessions", "Security sessions",
            "The drill-down: one row per security session (zERT summary key: server, client, "
            "port, job, role and significant crypto attributes) over all its intervals.",
            session_cols, NCOLS(session_cols));
    for (size_t i = 0; i < r->nsess; i++) {
        const struct rep_session *s = &r->sess[i];
        const struct rep_attrs *a = &s->a;
        size_t row = rt_row(t), c = 0;
        if (row == SIZE_MAX)
            return;
        rt_text(t, row, c++, s->system);
        rt_text(t, row, c++, proto_name(r, s->ip_proto));
        rt_text(t, row, c++, role_name(s->role));
        rt_text(t, row, c++, s->server_ip);
        rt_num(t, row, c++, s->port);
        rt_num(t, row, c++, s->port_end);
        rt_text(t, row, c++, s->client_ip);
        rt_text(t, row, c++, s->job);
        rt_text(t, row, c++, a->category);
        rt_text(t, row, c++, a->version);
        rt_text(t, row, c++, a->suite);
        rt_text(t, row, c++, a->kex);
        rt_text(t, row, c++, a->group);
        rt_text(t, row, c++, both_ways(r, a->enc, a->enc2));
        rt_text(t, row, c++, both_ways(r, a->mac, a->mac2));
        rt_text(t, row, c++, a->prf);
        rt_text(t, row, c++, a->auth);
        rt_text(t, row, c++, a->key_type);
        if (a->key_bits.known)
            rt_num(t, row, c, a->key_bits.v);
        c++;
        rt_text(t, row, c++, a->sig_alg);
        rt_text(t, row, c++, a->subject);
        if (*a->ckey_type)
            rt_text(t, row, c,
                    a->ckey_bits.known
                        ? rep_pool_fmt(&r->pool, "%s %" PRIu64, a->ckey_type, a->ckey_bits.v)
                        : a->ckey_type);
        c++;
        rt_num(t, row, c++, s->intervals);
        rt_num(t, row, c++, s->conns);
        rt_num(t, row, c++, s->partial);
        rt_num(t, row, c++, s->shorts);
        rt_num(t, row, c++, s->active);
        rt_num(t, row, c++, s->bytes_in);
        rt_num(t, row, c++, s->bytes_out);
        rt_text(t, row, c++, time_text(r, s->first_us));
        rt_text(t, row, c++, time_text(r, s->last_us));
        rt_text(t, row, c, rules_text(r, s->rules));
    }
}

static void
table_findings(struct report *r)
{
    struct rtable *t = &r->tables[T_FINDINGS];
    rt_init(t, "findings", "Weak-crypto findings",
            "One row per rule, offending value and endpoint (a local server with its clients "
            "counted, or a local client or peer with the remote side).",
            finding_cols, NCOLS(finding_cols));
    for (size_t i = 0; i < r->nfinds; i++) {
        const struct rep_finding *f = &r->finds[i];
        const struct policy_rule *rule = &r->policy->rules[f->rule];
        size_t row = rt_row(t), c = 0;
        if (row == SIZE_MAX)
            return;
        rt_text(t, row, c++, policy_severity_name(rule->severity));
        rt_text(t, row, c++, rule->id);
        rt_text(t, row, c++, f->value);
        rt_text(t, row, c++, role_name(f->role));
        rt_text(t, row, c++, proto_name(r, f->ip_proto));
        rt_text(t, row, c++, f->local_ip);
        rt_text(t, row, c++, f->remote_ip);
        rt_num(t, row, c++, f->port);
        rt_num(t, row, c++, f->port_end);
        rt_num(t, row, c++, f->clients);
        rt_num(t, row, c++, f->sessions);
        rt_num(t, row, c++, f->conns);
        rt_num(t, row, c++, f->bytes_in);
        rt_num(t, row, c++, f->bytes_out);
        rt_text(t, row, c++, time_text(r, f->first_us));
        rt_text(t, row, c, time_text(r, f->last_us));
    }
}

static const char *
events_text(struct report *r, uint8_t ev)
{
    static const char *const names[] = {"", "init", "change", "term", "short_term"};
    rep_buf_reset(&r->key);
    for (int i = 1; i <= 4; i++) {
        if (ev & (1u << i)) {
            if (r->key.len)
                rep_buf_add(&r->key, ",");
            rep_buf_add(&r->key, names[i]);
        }
    }
    return rep_pool_str(&r->pool, rep_buf_str(&r->key));
}

static void
table_conns(struct report *r)
{
    struct rtable *t = &r->tables[T_CONNS];
    rt_init(t, "connections", "Connections",
            "From detail records (subtype 11): one row per connection, in its last known state.",
            conn_cols, NCOLS(conn_cols));
    size_t n = r->nconns;
    if (r->conns_omitted_records) {
        t->omitted = r->conns_omitted;
        t->omitted_why = rep_pool_fmt(
            &r->pool,
            "the view keeps the first %" PRIu64 " connections read (--max-conns N, 0 for all); "
            "%" PRIu64 " detail records of later connections were counted, not kept, and the "
            "number above is how many of those ended (term or short_term)",
            r->o.max_conns, r->conns_omitted_records);
    }
    for (size_t i = 0; i < n; i++) {
        const struct rep_conn *x = &r->conns[i];
        size_t row = rt_row(t), c = 0;
        if (row == SIZE_MAX)
            return;
        rt_text(t, row, c++, x->system);
        rt_num(t, row, c++, x->conn_id);
        rt_text(t, row, c++, proto_name(r, x->ip_proto));
        rt_text(t, row, c++, role_name(x->role));
        rt_text(t, row, c++, x->local_ip);
        rt_num(t, row, c++, x->lport);
        rt_text(t, row, c++, x->remote_ip);
        rt_num(t, row, c++, x->rport);
        rt_text(t, row, c++, time_text(r, x->start_us));
        rt_text(t, row, c++, time_text(r, x->end_us));
        rt_text(t, row, c++, x->end_reason);
        rt_text(t, row, c++, events_text(r, x->events));
        rt_text(t, row, c++, x->a.category);
        rt_text(t, row, c++, x->a.version);
        rt_text(t, row, c++, x->a.suite);
        rt_text(t, row, c++, x->sni);
        rt_text(t, row, c++, x->starttls);
        rt_text(t, row, c++, x->why);
        rt_text(t, row, c++, x->seen);
        rt_num(t, row, c++, x->bytes_in);
        rt_num(t, row, c, x->bytes_out);
    }
}

static void
table_policy(struct report *r)
{
    struct rtable *t = &r->tables[T_POLICY];
    uint64_t rows[POLICY_NRULES] = {0}, conns[POLICY_NRULES] = {0};
    rt_init(
        t, "policy", "Policy",
        rep_pool_fmt(&r->pool, "The rules the findings come from (policy: %s).", r->policy->source),
        policy_cols, NCOLS(policy_cols));
    for (size_t i = 0; i < r->nfinds; i++) {
        rows[r->finds[i].rule]++;
        conns[r->finds[i].rule] += r->finds[i].conns;
    }
    for (int i = 0; i < POLICY_NRULES; i++) {
        const struct policy_rule *rule = &r->policy->rules[i];
        size_t row = rt_row(t), c = 0;
        if (row == SIZE_MAX)
            return;
        rep_buf_reset(&r->key);
        for (size_t k = 0; k < rule->nvalues; k++) {
            if (k)
                rep_buf_add(&r->key, ", ");
            rep_buf_add(&r->key, rule->values[k]);
        }
        rt_text(t, row, c++, rule->id);
        rt_text(t, row, c++, rule->enabled ? policy_severity_name(rule->severity) : "off");
        rt_text(t, row, c++, rep_pool_str(&r->pool, rep_buf_str(&r->key)));
        rt_text(t, row, c++, rule->what);
        rt_text(t, row, c++, rule->source == POLICY_DETAIL ? "detail" : "summary");
        rt_num(t, row, c++, rows[i]);
        rt_num(t, row, c, conns[i]);
    }
}

static void
table_inputs(struct report *r)
{
    struct rtable *t = &r->tables[T_INPUTS];
    rt_init(t, "inputs", "Inputs",
            "What was read: records used (detail, summary), records without traffic (events), "
            "other records skipped, JSON-only records left out, duplicates and malformed records.",
            input_cols, NCOLS(input_cols));
    for (size_t i = 0; i < r->ninputs; i++) {
        const struct rep_input *in = &r->inputs[i];
        size_t row = rt_row(t), c = 0;
        if (row == SIZE_MAX)
            return;
        rt_text(t, row, c++, in->name);
        rt_text(t, row, c++, in->format);
        rt_num(t, row, c++, in->records);
        rt_num(t, row, c++, in->detail);
        rt_num(t, row, c++, in->summary);
        rt_num(t, row, c++, in->events);
        rt_num(t, row, c++, in->other);
        rt_num(t, row, c++, in->json_only);
        rt_num(t, row, c++, in->duplicates);
        rt_num(t, row, c, in->bad);
    }
}

static int
cmp_bar(const void *pa, const void *pb)
{
    const struct rep_bar *a = pa, *b = pb;
    CMP(b->total, a->total);
    CMPS(a->label, b->label);
    return 0;
}

static void
build_chart(struct report *r)
{
    struct rep_chart *ch = &r->chart;
    struct rep_map ports;
    size_t cap = 0;
    rep_map_init(&ports);
    for (size_t i = 0; i < r->nrows; i++) {
        const struct rep_row *x = &r->rows[i];
        if (x->kind != VIEW_SERVER)
            continue;
        const char *label = x->port == x->port_end
                                ? rep_pool_fmt(&r->pool, "%u", x->port)
                                : rep_pool_fmt(&r->pool, "%u-%u", x->port, x->port_end);
        bool added;
        size_t k = rep_map_put(&ports, label, ch->nbars, &added);
        if (k == SIZE_MAX) {
            r->failed = true;
            break;
        }
        if (added) {
            if (rep_grow((void **)&ch->bars, &cap, ch->nbars + 1, sizeof(*ch->bars)) != 0) {
                r->failed = true;
                break;
            }
            memset(&ch->bars[ch->nbars], 0, sizeof(*ch->bars));
            ch->bars[ch->nbars++].label = label;
        }
        struct rep_bar *b = &ch->bars[k];
        b->total += x->conns;
        b->bytes += x->bytes_in + x->bytes_out;
        b->by_cat[rep_category_rank(x->category)] += x->conns;
    }
    rep_map_fini(&ports);
    if (ch->nbars)
        qsort(ch->bars, ch->nbars, sizeof(*ch->bars), cmp_bar);
    if (ch->nbars > REPORT_CHART_PORTS) {
        for (size_t i = REPORT_CHART_PORTS; i < ch->nbars; i++)
            ch->omitted_conns += ch->bars[i].total;
        ch->omitted_ports = ch->nbars - REPORT_CHART_PORTS;
        ch->nbars = REPORT_CHART_PORTS;
    }
}

int
report_finish(struct report *r)
{
    static const char *const cats[REP_NCAT] = {"clear",   "SSLv2",   "SSLv3",   "TLSv1.0",
                                               "TLSv1.1", "TLSv1.2", "TLSv1.3", "TLS",
                                               "SSH",     "IPsec",   "unknown"};
    for (int i = 0; i < REP_NCAT; i++)
        r->chart.cats[i] = cats[i];
    evaluate(r);
    build_rows(r);
    if (r->nrows)
        qsort(r->rows, r->nrows, sizeof(*r->rows), cmp_row);
    if (r->nsess)
        qsort(r->sess, r->nsess, sizeof(*r->sess), cmp_session);
    if (r->nfinds)
        qsort(r->finds, r->nfinds, sizeof(*r->finds), cmp_finding);
    if (r->nconns)
        qsort(r->conns, r->nconns, sizeof(*r->conns), cmp_conn);
    build_chart(r);
    table_overview(r);
    table_traffic(r);
    table_sessions(r);
    table_findings(r);
    table_conns(r);
    table_policy(r);
    table_inputs(r);
    for (int i = 0; i < T_COUNT; i++) {
        r->table_ptrs[i] = &r->tables[i];
        if (r->tables[i].failed)
            r->failed = true;
    }
    if (r->pool.failed || r->key.failed)
        r->failed = true;
    return r->failed ? -1 : 0;
}

size_t
report_tables(const struct report *r, const struct rtable *const **tables)
{
    *tables = r->table_ptrs;
    return T_COUNT;
}

const struct rep_chart *
report_chart(const struct report *r)
{
    return &r->chart;
}

const struct policy *
report_policy(const struct report *r)
{
    return r->policy;
}

const char *
report_title(const struct report *r)
{
    return r->o.title ? r->o.title : "zERT network report";
}
