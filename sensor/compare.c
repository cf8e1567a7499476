/* compare.c - --compare: a mainframe's zERT SMF dump against the sensor's records of the wire. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../conf/conf.h"
#include "../emit/compare_out.h"
#include "../emit/emit_smf.h"
#include "../emit/json_writer.h"
#include "../emit/smf_codes.h"
#include "../emit/smf_reader.h"
#include "../emit/zert_record.h"
#include "../emit/zert_why.h"
#include "compare.h"
#include "compare_codes.h"
#include "decode.h"
#include "stats.h"

/*
 * How the comparison works (docs/compare.md says it for users):
 *
 * - Both inputs are streams in time order: the sensor's records through the sink, the dump read
 *   record by record, never further ahead of the packet clock than the clock offset can reach.
 * - A connection is the set of records with one key (protocol and the two endpoints; UDP
 *   without ports) and one start: the wire's grouped by the sensor's connection id, the
 *   mainframe's by SASTime and ConnID. Each side's connection is an entry in one hash table.
 * - An entry waits until nothing can still join it: until its side has its termination and the
 *   other side's clock has passed that time by the largest offset still possible. Then it is
 *   paired with the other side's entry of the same key whose start is nearest the clock offset,
 *   both are judged and freed, and the pair is remembered (tombstones) so that a straggling
 *   record does not start a new entry. Deadlines sit in a binary heap: deciding costs
 *   O(log n) per entry, and memory is what the time window holds.
 * - The clock offset (mainframe = capture + offset) is the running median of the start-time
 *   differences of connections seen once on each side; once CMP_SETTLE pairs agree the windows
 *   narrow from +-compare_max_offset to +-compare_skew_ms around it.
 * - Summaries are paired the same way, by server, client, port range, role, protocol and the
 *   interval that overlaps most; counts are compared only for intervals that line up and that
 *   the capture saw whole.
 * - Codes: both sides' sections are compared as IBM codes (the wire's record goes through the
 *   SMF writer and reader first, so it is compared as it would be written). A wire code that is
 *   provisional against a code the tables do not know is evidence of IBM's code, not a
 *   mismatch; so is every mainframe TLS section, whose cipher suite names its enc and mac
 *   (compare_codes.c).
 */

#define CMP_BUCKETS     65536 /* connection and summary hash buckets (chains grow past it) */
#define CMP_TOMB_MAX    65536 /* decided connections remembered for late records */
#define CMP_LOCAL_MAX   4096  /* mainframe local addresses learned from the dump */
#define CMP_TUNNEL_MAX  4096  /* IPsec tunnel aggregates per side */
#define CMP_OFFSET_RING 255   /* recent start-time differences for the running median */
#define CMP_SETTLE      5     /* differences before the offset estimate narrows the windows */
#define CMP_COVER_MAX   256   /* enabled/disabled changes kept per side */
#define CMP_SECOND      1000000ll
#define CMP_HUNDREDTH   10000u /* SMF times are cut to hundredths of a second */

/* ---- times ----------------------------------------------------------------------------- */

static uint64_t
tadd(uint64_t t, int64_t d)
{
    if (d < 0)
        return t > (uint64_t)(-(d + 1)) + 1 ? t - ((uint64_t)(-(d + 1)) + 1) : 0;
    return UINT64_MAX - t > (uint64_t)d ? t + (uint64_t)d : UINT64_MAX;
}

static int64_t
tdiff(uint64_t a, uint64_t b)
{
    return a >= b ? (int64_t)(a - b) : -(int64_t)(b - a);
}

static int64_t
iabs64(int64_t v)
{
    return v < 0 ? -v : v;
}

/*
 * Mainframe start minus wire start. SMF keeps 1/100 s and cuts the rest: the middle of the
 * mainframe's hundredth is the unbiased value (else every difference is 5 ms short on average).
 */
static int64_t
start_diff(uint64_t mf_start, uint64_t wire_start)
{
    return tdiff(mf_start + 5000, wire_start);
}

/* ---- keys ------------------------------------------------------------------------------ */

/* A connection key: protocol and the two endpoints sorted (UDP: addresses only). */
struct ckey {
    uint8_t proto, family;
    uint8_t ip[2][16];
    uint16_t port[2];
};

static void
ckey_make(struct ckey *k, uint8_t proto, const struct zert_endpoint *a,
          const struct zert_endpoint *b)
{
    memset(k, 0, sizeof(*k));
    k->proto = proto;
    k->family = a->family;
    bool udp = proto == 17;
    int c = memcmp(a->ip, b->ip, 16);
    if (c == 0 && !udp)
        c = a->port < b->port ? -1 : a->port > b->port;
    const struct zert_endpoint *lo = c <= 0 ? a : b, *hi = c <= 0 ? b : a;
    memcpy(k->ip[0], lo->ip, 16);
    memcpy(k->ip[1], hi->ip, 16);
    k->port[0] = udp ? 0 : lo->port;
    k->port[1] = udp ? 0 : hi->port;
}

static uint64_t
fnv64(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

#define FNV_INIT 14695981039346656037ull

static uint64_t
ckey_hash(const struct ckey *k)
{
    return fnv64(FNV_INIT, k, sizeof(*k));
}

static bool
ep_same(const struct zert_endpoint *a, const struct zert_endpoint *b, bool ports)
{
    return a->family == b->family && !memcmp(a->ip, b->ip, 16) && (!ports || a->port == b->port);
}

/*
 * A summary key: the aggregation key zERT reports (job aside: the wire has none; the local role
 * apart, in struct csum: where the sensor guessed the local side, the server and client are the
 * same on both sides but the role may not be).
 */
struct skey {
    uint8_t proto, family, protocol;
    uint8_t srv[16], cli[16];
    uint16_t port, port_end;
};

static uint64_t
skey_hash(const struct skey *k)
{
    return fnv64(FNV_INIT ^ 0x5355, k, sizeof(*k));
}

/* ---- entries --------------------------------------------------------------------------- */

/* A deadline in the heap: due in packet time; hpos is its index + 1 (0: not in the heap). */
struct cnode {
    uint64_t due;
    size_t hpos;
    bool summary;
};

/* Observation marks of the wire. */
#define CO_REHANDSHAKE 0x01
#define CO_MIDSTREAM   0x02

#define EV_BIT(e) (1u << (e))
#define EV_LONG   (EV_BIT(ZERT_EV_INIT) | EV_BIT(ZERT_EV_TERM))
#define EV_SHORT  EV_BIT(ZERT_EV_SHORT_TERM)

/* One side's view of one connection, kept small: a day of them may wait in the window. */
struct cside {
    bool terminal;      /* term or short_term seen */
    bool capture_cut;   /* wire: its end is the end of the capture, not of the connection */
    bool prot_unknown;  /* wire: protection not shown (a JSON-only connection) */
    bool local_guessed; /* wire: no local_networks */
    uint8_t events;     /* EV_BIT of records with an SMF form */
    uint8_t prot_first, prot_last, prot_any;
    uint8_t obs;
    uint8_t ip_proto;
    struct zert_endpoint local, remote;
    uint64_t start_us, end_us;
    uint64_t first_us, last_us;         /* times of the records with an SMF form (0: none) */
    uint64_t any_first_us, any_last_us; /* times of every record, JSON-only ones too */
    uint64_t ev_us[5];                  /* time of each event's record */
    uint64_t term_us;                   /* time of the terminal record */
    uint64_t bytes_in, bytes_out, segs_in, segs_out, gaps;
    uint64_t rec_off;                  /* mainframe: byte offset of its first record */
    struct zert_endpoint tun_a, tun_b; /* mainframe: the IKE tunnel's endpoints (0: none) */
    char starttls[16];
    /* wire, protection unknown: why (midstream, ...); the bytes suggested seen */
    char why[sizeof(((struct zert_observation *)0)->why)];
    char seen[sizeof(((struct zert_observation *)0)->seen)];
    struct compare_attrs a;
};

struct cconn {
    struct cnode node; /* first: the heap holds node pointers */
    struct cconn *hnext;
    uint64_t hash;
    struct ckey key;
    bool mf;
    uint64_t conn_id;
    struct cside s;
};

struct csum_side {
    uint64_t start_us, end_us; /* the interval, own clock */
    struct zert_counters start, end;
    struct compare_attrs a;
    bool early_flush;
    bool local_guessed; /* wire: no local_networks, the responder taken as local */
    uint64_t rec_off;
    uint64_t sid; /* hash of SASessionID: only breaks ties between equal candidates */
};

struct csum {
    struct cnode node;
    struct csum *hnext;
    uint64_t hash;
    struct skey key;
    bool mf;
    uint8_t role; /* the local role (enum zert_role) */
    struct csum_side s;
};

/* An IPsec tunnel: the wire's peer pairs, or the mainframe's connections that said IPsec. */
struct ctun {
    uint8_t family;
    uint8_t ip[2][16];
    struct compare_attrs a;
    uint64_t count, first_us, last_us, rec_off;
};

/* ---- coverage: when each side was watching --------------------------------------------- */

struct cover {
    struct {
        uint64_t t;
        bool on;
    } ch[CMP_COVER_MAX];
    unsigned n;
};

static void
cover_add(struct cover *c, uint64_t t, bool on)
{
    if (c->n == CMP_COVER_MAX) { /* the oldest change goes: decisions run in time order */
        memmove(c->ch, c->ch + 1, sizeof(c->ch[0]) * (CMP_COVER_MAX - 1));
        c->n--;
    }
    c->ch[c->n].t = t;
    c->ch[c->n].on = on;
    c->n++;
}

/* Was the side watching at t? *since: when its last enabling happened (0: always). */
static bool
cover_on(const struct cover *c, uint64_t t, uint64_t *since)
{
    *since = 0;
    if (!c->n)
        return true;
    for (unsigned i = c->n; i-- > 0;) {
        /* an enabling at t has happened; a disabling only once t is past it by SMF's
         * hundredth (its time is cut to one), as the records of that instant come before it */
        if (c->ch[i].on ? c->ch[i].t <= t : c->ch[i].t + CMP_HUNDREDTH < t) {
            if (c->ch[i].on)
                *since = c->ch[i].t;
            return c->ch[i].on;
        }
    }
    return !c->ch[0].on; /* before the first change: the opposite of it */
}

/* ---- the comparison -------------------------------------------------------------------- */

struct compare {
    struct compare_config cfg;
    const struct conf *conf;
    struct zert_sink next;
    FILE *mf_file;
    struct smf_reader *rd;
    struct smf_tz tz;
    struct emit_smf_conf smf_conf;
    struct compare_out *out;
    struct compare_totals t;

    /* clocks */
    bool meof, weof, mhave, whave;
    uint64_t mcur;          /* the latest header time read (mainframe clock) */
    uint64_t mfirst, mlast; /* the dump's first and last header times */
    uint64_t wclock, wfirst;
    struct cover mcover, acover, wcover; /* zERT, zERT aggregation, the sensor */

    /* windows (µs) */
    int64_t max_off, skew, lag_wire;

    /* the offset */
    int64_t ring[CMP_OFFSET_RING];
    unsigned ring_n, ring_head;
    uint64_t samples, since_median;
    int64_t median;
    bool settled;
    double pair_sum;
    uint64_t pair_n;
    int64_t pair_min, pair_max;

    /* entries */
    struct cconn **cb;
    struct csum **sb;
    struct cnode **heap;
    size_t nheap, capheap;
    uint64_t nconns, nsums;

    /* tombstones: fingerprints of decided connections, oldest overwritten first */
    uint64_t tomb[CMP_TOMB_MAX];
    uint32_t tomb_next[CMP_TOMB_MAX];
    uint32_t *tomb_bucket; /* CMP_TOMB_MAX buckets of index + 1 */
    unsigned tomb_head, tomb_n;

    /* mainframe local addresses */
    struct {
        uint8_t family;
        uint8_t ip[16];
    } locals[CMP_LOCAL_MAX];
    unsigned nlocals;

    struct ctun *wtun, *mtun;
    unsigned nwtun, nmtun;

    struct compare_learn learn;
    struct compare_learned learned[2 * SMF_SPACE_COUNT * COMPARE_LEARN_MAX]; /* loaded, learned */

    /* findings kept for the report */
    struct compare_finding **shown;
    size_t nshown;

    bool out_failed;
    char out_err[256];

    /* scratch (records are large) */
    uint8_t buf[SMF_MAX_RECORD];
    struct smf_decoded dec;
    struct compare_finding f;
};

/* ---- the offset ------------------------------------------------------------------------ */

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void
offset_sample(struct compare *c, int64_t d)
{
    if (c->cfg.offset_fixed)
        return;
    c->ring[c->ring_head] = d;
    c->ring_head = (c->ring_head + 1) % CMP_OFFSET_RING;
    if (c->ring_n < CMP_OFFSET_RING)
        c->ring_n++;
    c->samples++;
    /* the median again after every sample at first, then every 32 (a sort of 255) */
    if (c->samples <= 64 || ++c->since_median >= 32) {
        int64_t tmp[CMP_OFFSET_RING];
        memcpy(tmp, c->ring, sizeof(tmp[0]) * c->ring_n);
        qsort(tmp, c->ring_n, sizeof(tmp[0]), cmp_i64);
        c->median = tmp[c->ring_n / 2];
        c->since_median = 0;
    }
    if (c->samples >= CMP_SETTLE)
        c->settled = true;
}

static int64_t
offset_est(const struct compare *c)
{
    if (c->cfg.offset_fixed)
        return c->cfg.offset_us;
    return c->settled ? c->median : 0;
}

/* The offsets still possible: [lo, hi]. */
static void
offset_bounds(const struct compare *c, int64_t *lo, int64_t *hi)
{
    if (c->cfg.offset_fixed || c->settled) {
        *lo = offset_est(c) - c->skew;
        *hi = offset_est(c) + c->skew;
    } else {
        *lo = -c->max_off - c->skew;
        *hi = c->max_off + c->skew;
    }
}

/* How far one connection's start difference may stray from the estimate when pairing. */
static int64_t
pair_window(const struct compare *c)
{
    return c->cfg.offset_fixed || c->settled ? c->skew : c->max_off + c->skew;
}

/* ---- the heap of deadlines ------------------------------------------------------------- */

static void
heap_swap(struct compare *c, size_t i, size_t j)
{
    struct cnode *t = c->heap[i];
    c->heap[i] = c->heap[j];
    c->heap[j] = t;
    c->heap[i]->hpos = i + 1;
    c->heap[j]->hpos = j + 1;
}

static void
heap_up(struct compare *c, size_t i)
{
    while (i > 0 && c->heap[(i - 1) / 2]->due > c->heap[i]->due) {
        heap_swap(c, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void
heap_down(struct compare *c, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < c->nheap && c->heap[l]->due < c->heap[m]->due)
            m = l;
        if (r < c->nheap && c->heap[r]->due < c->heap[m]->due)
            m = r;
        if (m == i)
            return;
        heap_swap(c, i, m);
        i = m;
    }
}

static bool
heap_set(struct compare *c, struct cnode *n, uint64_t due)
{
    if (!n->hpos) {
        if (c->nheap == c->capheap) {
            size_t cap = c->capheap ? 2 * c->capheap : 1024;
            struct cnode **h = realloc(c->heap, cap * sizeof(*h));
            if (!h)
                return false;
            c->heap = h;
            c->capheap = cap;
        }
        c->heap[c->nheap++] = n;
        n->hpos = c->nheap;
        n->due = due;
        heap_up(c, c->nheap - 1);
        return true;
    }
    uint64_t old = n->due;
    n->due = due;
    if (due < old)
        heap_up(c, n->hpos - 1);
    else
        heap_down(c, n->hpos - 1);
    return true;
}

static void
heap_remove(struct compare *c, struct cnode *n)
{
    if (!n->hpos)
        return;
    size_t i = n->hpos - 1;
    n->hpos = 0;
    c->nheap--;
    if (i == c->nheap)
        return;
    c->heap[i] = c->heap[c->nheap];
    c->heap[i]->hpos = i + 1;
    heap_up(c, i);
    heap_down(c, c->heap[i]->hpos - 1);
}

/* ---- tombstones ------------------------------------------------------------------------ */

static uint64_t
tomb_fp(const struct cconn *e)
{
    uint64_t h = fnv64(e->hash, &e->mf, 1);
    h = fnv64(h, &e->conn_id, sizeof(e->conn_id));
    if (e->mf)
        h = fnv64(h, &e->s.start_us, sizeof(e->s.start_us));
    return h ? h : 1;
}

static bool
tomb_has(const struct compare *c, uint64_t fp)
{
    for (uint32_t i = c->tomb_bucket[fp % CMP_TOMB_MAX]; i; i = c->tomb_next[i - 1])
        if (c->tomb[i - 1] == fp)
            return true;
    return false;
}

static void
tomb_add(struct compare *c, uint64_t fp)
{
    unsigned slot = c->tomb_head;
    if (c->tomb_n == CMP_TOMB_MAX) { /* unlink the oldest */
        uint32_t *pp = &c->tomb_bucket[c->tomb[slot] % CMP_TOMB_MAX];
        while (*pp && *pp != slot + 1)
            pp = &c->tomb_next[*pp - 1];
        if (*pp)
            *pp = c->tomb_next[slot];
    } else {
        c->tomb_n++;
    }
    c->tomb[slot] = fp;
    c->tomb_next[slot] = c->tomb_bucket[fp % CMP_TOMB_MAX];
    c->tomb_bucket[fp % CMP_TOMB_MAX] = slot + 1;
    c->tomb_head = (slot + 1) % CMP_TOMB_MAX;
}

/* ---- local addresses ------------------------------------------------------------------- */

static bool
local_known(const struct compare *c, const struct zert_endpoint *e)
{
    for (unsigned i = 0; i < c->nlocals; i++)
        if (c->locals[i].family == e->family && !memcmp(c->locals[i].ip, e->ip, 16))
            return true;
    return false;
}

static void
local_add(struct compare *c, const struct zert_endpoint *e)
{
    if (!e->family || local_known(c, e))
        return;
    if (c->nlocals == CMP_LOCAL_MAX) {
        STAT_INC(compare_locals_overflow);
        return;
    }
    c->locals[c->nlocals].family = e->family;
    memcpy(c->locals[c->nlocals].ip, e->ip, 16);
    c->nlocals++;
}

/* To or from a local address: a configured local network, or one the dump shows as local. */
static bool
is_local(const struct compare *c, const struct zert_endpoint *a, const struct zert_endpoint *b)
{
    if (c->conf->nnets &&
        (conf_is_local(c->conf, a->family, a->ip) || conf_is_local(c->conf, b->family, b->ip)))
        return true;
    return local_known(c, a) || local_known(c, b);
}

/* ---- findings -------------------------------------------------------------------------- */

static void
emit(struct compare *c, struct compare_finding *f)
{
    c->t.findings[f->cls]++;
    if (c->out && compare_out_finding(c->out, f) != 0 && !c->out_failed) {
        c->out_failed = true;
        snprintf(c->out_err, sizeof(c->out_err), "writing compare.jsonl/compare.csv failed");
    }
    if (c->t.shown[f->cls] >= c->conf->compare_report_max)
        return;
    struct compare_finding *k = malloc(sizeof(*k));
    struct compare_finding **v = realloc(c->shown, (c->nshown + 1) * sizeof(*v));
    if (!k || !v) {
        free(k);
        if (v)
            c->shown = v;
        return;
    }
    *k = *f;
    c->shown = v;
    c->shown[c->nshown++] = k;
    c->t.shown[f->cls]++;
}

static void
emit_cb(void *ctx, struct compare_finding *f)
{
    emit(ctx, f);
}

static const char *
prot_text(uint8_t p, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s%s", p & ZERT_PROT_TLS ? "tls+" : "", p & ZERT_PROT_SSH ? "ssh+" : "",
             p & ZERT_PROT_IPSEC ? "ipsec+" : "", p ? "" : "none");
    size_t n = strlen(buf);
    if (n && buf[n - 1] == '+')
        buf[n - 1] = '\0';
    return buf;
}

static const char *
ep_text(const struct zert_endpoint *e, bool port, char *buf, size_t len)
{
    char ip[64];
    decode_addr_str(e->family, e->ip, ip, sizeof(ip));
    if (!port)
        snprintf(buf, len, "%s", ip);
    else if (e->family == 6)
        snprintf(buf, len, "[%s]:%u", ip, e->port);
    else
        snprintf(buf, len, "%s:%u", ip, e->port);
    return buf;
}

static const char *
proto_name(uint8_t p)
{
    return p == 6 ? "tcp" : p == 17 ? "udp" : p == 50 ? "esp" : p == 51 ? "ah" : "ip";
}

static void
add_field_num(struct compare_finding *f, const char *name, uint64_t w, uint64_t m)
{
    char a[24], b[24];
    snprintf(a, sizeof(a), "%" PRIu64, w);
    snprintf(b, sizeof(b), "%" PRIu64, m);
    compare_finding_field(f, name, a, b);
}

/* A new finding about a connection; w or m may be NULL. */
static struct compare_finding *
conn_finding(struct compare *c, enum compare_class cls, const struct cside *w,
             const struct cside *m, const struct cconn *we)
{
    struct compare_finding *f = &c->f;
    const struct cside *s = w ? w : m;
    memset(f, 0, sizeof(*f));
    f->cls = cls;
    f->kind = "connection";
    f->ip_proto = s->ip_proto;
    f->a = s->local;
    f->b = s->remote;
    if (w) {
        f->wire_us = w->start_us;
        f->wire_conn_id = we->conn_id;
        if (w->prot_unknown)
            snprintf(f->wire_prot, sizeof(f->wire_prot), "unknown");
        else
            prot_text(w->prot_any, f->wire_prot, sizeof(f->wire_prot));
    }
    if (m) {
        f->mf_us = m->start_us;
        f->mf_offset_known = true;
        f->mf_offset = m->rec_off;
        prot_text(m->prot_any, f->mf_prot, sizeof(f->mf_prot));
    }
    return f;
}

/* "tcp 10.1.1.1:443 - 192.0.2.9:50123 started 2024-...Z: " */
static int
conn_prefix(const struct compare_finding *f, char *buf, size_t len)
{
    char a[80], b[80], t[40];
    return snprintf(buf, len, "%s %s - %s started %s%s: ", proto_name(f->ip_proto),
                    ep_text(&f->a, f->ip_proto != 17, a, sizeof(a)),
                    ep_text(&f->b, f->ip_proto != 17, b, sizeof(b)),
                    jw_format_time(f->wire_us ? f->wire_us : f->mf_us, t, sizeof(t)),
                    f->wire_us ? "" : " (mainframe clock)");
}

static void finding_text(struct compare_finding *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
finding_text(struct compare_finding *f, const char *fmt, ...)
{
    int n = 0;
    if (!strcmp(f->kind, "connection"))
        n = conn_prefix(f, f->text, sizeof(f->text));
    if (n < 0 || (size_t)n >= sizeof(f->text))
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->text + n, sizeof(f->text) - (size_t)n, fmt, ap);
    va_end(ap);
}

static void
fill_drops(struct compare *c, struct compare_drops *d)
{
    memset(d, 0, sizeof(*d));
    if (c->cfg.drops)
        c->cfg.drops(c->cfg.drops_ctx, d);
}

static const char *
field_list(const struct compare_finding *f, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < f->nfields && n < len; i++) {
        int k = snprintf(buf + n, len - n, "%s%s", i ? ", " : "", f->fields[i].name);
        if (k < 0)
            break;
        n += (size_t)k;
    }
    return buf;
}

static bool
tls13(uint16_t v)
{
    return v == 0x0304 || (v & 0xFF00) == 0x7F00;
}

/* ---- judging a connection -------------------------------------------------------------- */

static bool
mf_covers(struct compare *c, uint64_t t_cap, uint64_t start_cap, const char **why)
{
    int64_t est = offset_est(c);
    uint64_t t = tadd(t_cap, est), since;
    *why = NULL;
    if (!c->mhave || t + (uint64_t)c->skew < c->mfirst ||
        (c->meof && t > c->mlast + (uint64_t)c->skew))
        return false;
    /* a damaged dump: the records of its last time read may be past the damage too */
    if (c->meof && c->t.mf_error[0] && t + (uint64_t)c->skew >= c->mlast)
        return false;
    if (!cover_on(&c->mcover, t, &since))
        *why = "zert_disabled";
    else if (since && tadd(start_cap, est) < since)
        *why = "started_before_zert_enabled";
    return true;
}

static bool
wire_covers(struct compare *c, uint64_t t_mf)
{
    uint64_t t = tadd(t_mf, -offset_est(c)), since;
    if (!c->whave || t + (uint64_t)c->skew < c->wfirst ||
        (c->weof && t > c->wclock + (uint64_t)c->skew))
        return false;
    return cover_on(&c->wcover, t, &since);
}

static void
events_text(uint8_t ev, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s", ev & EV_BIT(ZERT_EV_INIT) ? "init," : "",
             ev & EV_BIT(ZERT_EV_TERM) ? "term," : "",
             ev & EV_BIT(ZERT_EV_SHORT_TERM) ? "short_term," : "");
    size_t n = strlen(buf);
    if (n)
        buf[n - 1] = '\0';
}

static bool
within_tolerance(const struct compare *c, uint64_t a, uint64_t b)
{
    uint64_t d = a > b ? a - b : b - a, big = a > b ? a : b;
    return d * 100 <= big * c->conf->compare_count_tolerance;
}

/*
 * Why the wire could not show a connection's protection, as zert.c named it: one of
 * emit/zert_why.h's unknown values; otherwise (none, or ZERT_WHY_UNKNOWN itself) midstream when
 * the wire missed the start, else unknown.
 */
static const char *
unknown_why(const struct cside *w)
{
    static const char *const known[] = {ZERT_WHY_UNKNOWN_LIST};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (!strcmp(w->why, known[i]) && strcmp(known[i], ZERT_WHY_UNKNOWN) != 0)
            return known[i];
    return (w->obs & CO_MIDSTREAM) ? ZERT_WHY_MIDSTREAM : ZERT_WHY_UNKNOWN;
}

static void
judge_pair(struct compare *c, struct cconn *we, struct cconn *me)
{
    struct cside *w = &we->s, *m = &me->s;
    uint64_t before = 0, after = 0;
    char a[32], b[32], fl[256];
    for (int k = 0; k < COMPARE_CLASS_COUNT; k++)
        before += c->t.findings[k];
    c->t.conn_matched++;
    if (!(w->obs & CO_MIDSTREAM)) {
        int64_t d = start_diff(m->start_us, w->start_us);
        c->pair_sum += (double)d;
        if (!c->pair_n || d < c->pair_min)
            c->pair_min = d;
        if (!c->pair_n || d > c->pair_max)
            c->pair_max = d;
        c->pair_n++;
    }
    /*
     * protection: never a mismatch where the wire could not show it (picked up mid-stream,
     * first bytes lost or undecided: zert.c writes protection null, JSON only); that is a
     * finding of its own, protection_unknown, which says what zERT reports
     */
    if (w->prot_unknown) {
        c->t.conn_prot_unknown++;
        struct compare_finding *f = conn_finding(c, COMPARE_PROTECTION_UNKNOWN, w, m, we);
        f->why = unknown_why(w);
        finding_text(f,
                     "the wire could not show its protection (%s%s%s); zERT reports %s, which "
                     "the capture can neither confirm nor contradict",
                     f->why, w->seen[0] ? "; the bytes suggested " : "", w->seen,
                     prot_text(m->prot_any, a, sizeof(a)));
        emit(c, f);
    } else if (!w->first_us) {
        c->t.conn_json_only++;
    } else {
        uint8_t mism = 0;
        for (uint8_t bit = ZERT_PROT_TLS; bit >= ZERT_PROT_IPSEC; bit >>= 1) {
            bool wa = w->prot_any & bit, ma = m->prot_any & bit;
            bool wl = w->prot_last & bit, ml = m->prot_last & bit;
            if (wa && !ma && !(w->prot_first & bit) && bit != ZERT_PROT_IPSEC) {
                struct compare_finding *f = conn_finding(c, COMPARE_ZERT_BLIND_SPOT, w, m, we);
                char how[32] = "";
                if (w->starttls[0])
                    snprintf(how, sizeof(how), " (%s)", w->starttls);
                f->why = "starttls";
                finding_text(f,
                             "%s started after clear text%s; stream observation reports the "
                             "connection as %s",
                             bit == ZERT_PROT_TLS ? "TLS" : "SSH", how,
                             prot_text(m->prot_any, a, sizeof(a)));
                emit(c, f);
            } else if (wa != ma) {
                mism |= bit;
            } else if (wa && wl != ml && !(w->capture_cut && !wl)) {
                struct compare_finding *f = conn_finding(c, COMPARE_ZERT_BLIND_SPOT, w, m, we);
                f->why = "early_termination";
                finding_text(f,
                             "%s ended before the connection on the %s side only (the wire: %s at "
                             "the end, the mainframe: %s); stream observation cannot see an early "
                             "end",
                             bit == ZERT_PROT_TLS   ? "TLS"
                             : bit == ZERT_PROT_SSH ? "SSH"
                                                    : "IPsec",
                             wl ? "mainframe" : "wire", prot_text(w->prot_last, a, sizeof(a)),
                             prot_text(m->prot_last, b, sizeof(b)));
                emit(c, f);
            }
        }
        if (mism) {
            struct compare_finding *f = conn_finding(c, COMPARE_PROTECTION_MISMATCH, w, m, we);
            finding_text(f, "the wire shows %s, zERT reports %s",
                         prot_text(w->prot_any, a, sizeof(a)),
                         prot_text(m->prot_any, b, sizeof(b)));
            emit(c, f);
        }
    }
    /* attributes of the protocols both sides show */
    uint8_t both = w->a.secs & m->a.secs;
    if (both) {
        struct compare_finding *f = conn_finding(c, COMPARE_ATTRIBUTE_MISMATCH, w, m, we);
        bool hidden_cert = (both & ZERT_PROT_TLS) && tls13(w->a.tls_ver) && !w->a.scert.key &&
                           !w->a.scert.sig && (m->a.scert.key || m->a.scert.sig);
        if (compare_attrs_diff(&c->learn, &w->a, &m->a, both, m->rec_off, f)) {
            if (w->obs & CO_REHANDSHAKE) {
                f->cls = COMPARE_ZERT_BLIND_SPOT;
                f->why = "renegotiation";
                finding_text(f,
                             "attributes differ (%s) and the wire saw a second handshake; stream "
                             "observation reports the first only",
                             field_list(f, fl, sizeof(fl)));
            } else {
                finding_text(f, "attributes differ: %s", field_list(f, fl, sizeof(fl)));
            }
            emit(c, f);
        }
        if (hidden_cert) {
            f = conn_finding(c, COMPARE_ZERT_BLIND_SPOT, w, m, we);
            f->why = "tls13_encrypted_certificate";
            const char *kt = smf_codes_space_name_of(SMF_SPACE_CERT_KEY, m->a.scert.key);
            compare_finding_field(f, "tls.server_cert.key_type", "", kt ? kt : "?");
            finding_text(f, "TLS 1.3 encrypts the certificate: the wire cannot show what zERT's "
                            "provider reports");
            emit(c, f);
        }
    }
    /* records and counts */
    uint8_t wlong = w->events & EV_LONG, mlong = m->events & EV_LONG;
    bool wshort = w->events & EV_SHORT, mshort = m->events & EV_SHORT;
    bool whole = !w->capture_cut && !(w->obs & CO_MIDSTREAM); /* the wire saw all of it */
    /* the local side the sensor guessed may be the mainframe's remote: then in is out */
    bool swapped = !ep_same(&w->local, &m->local, w->ip_proto != 17);
    struct compare_finding *f = conn_finding(c, COMPARE_COUNT_MISMATCH, w, m, we);
    if (whole && ((wshort && mlong && !mshort) || (mshort && wlong && !wshort)))
        compare_finding_field(f, "short_term", wshort ? "yes" : "no", mshort ? "yes" : "no");
    if (w->terminal && m->terminal && whole) {
        const struct {
            const char *name;
            uint64_t wv, mv;
        } counts[] = {
            {"bytes_in", swapped ? w->bytes_out : w->bytes_in, m->bytes_in},
            {"bytes_out", swapped ? w->bytes_in : w->bytes_out, m->bytes_out},
            {"segs_in", swapped ? w->segs_out : w->segs_in, m->segs_in},
            {"segs_out", swapped ? w->segs_in : w->segs_out, m->segs_out},
        };
        for (size_t i = 0; i < 4; i++)
            if (!within_tolerance(c, counts[i].wv, counts[i].mv))
                add_field_num(f, counts[i].name, counts[i].wv, counts[i].mv);
    }
    if (f->nfields) {
        if (w->gaps)
            finding_text(f, "counts differ: %s (the capture lost %" PRIu64 " bytes of it)",
                         field_list(f, fl, sizeof(fl)), w->gaps);
        else
            finding_text(f, "counts differ: %s", field_list(f, fl, sizeof(fl)));
        emit(c, f);
    }
    /* records one side has and the other should */
    /* a wire connection whose records are all JSON only has nothing SMF would carry */
    if (!wshort && !mshort && w->first_us) {
        uint8_t miss_m = 0, miss_w = 0;
        const char *why;
        for (int e = ZERT_EV_INIT; e <= ZERT_EV_TERM; e += ZERT_EV_TERM - ZERT_EV_INIT) {
            if ((w->events & EV_BIT(e)) && !(m->events & EV_BIT(e)) &&
                !(e == ZERT_EV_TERM && w->capture_cut) &&
                mf_covers(c, w->ev_us[e], w->start_us, &why))
                miss_m |= (uint8_t)EV_BIT(e);
            if ((m->events & EV_BIT(e)) && !(w->events & EV_BIT(e)) &&
                !(e == ZERT_EV_TERM && w->capture_cut) &&
                !(e == ZERT_EV_INIT && (w->obs & CO_MIDSTREAM)) && wire_covers(c, m->ev_us[e]))
                miss_w |= (uint8_t)EV_BIT(e);
        }
        if (miss_m) {
            f = conn_finding(c, COMPARE_MISSING_ON_MAINFRAME, w, m, we);
            events_text(miss_m, f->events, sizeof(f->events));
            finding_text(f, "zERT has no %s record of a connection it reports", f->events);
            emit(c, f);
        }
        if (miss_w) {
            f = conn_finding(c, COMPARE_MISSING_ON_WIRE, w, m, we);
            events_text(miss_w, f->events, sizeof(f->events));
            fill_drops(c, &f->drops);
            finding_text(f, "the wire has no %s record of a connection zERT reports", f->events);
            emit(c, f);
        }
    }
    for (int k = 0; k < COMPARE_CLASS_COUNT; k++)
        after += c->t.findings[k];
    if (after == before)
        c->t.conn_agree++;
}

/* ---- IPsec tunnels --------------------------------------------------------------------- */

static void
tun_add(struct compare *c, bool mf, uint8_t family, const uint8_t *x, const uint8_t *y,
        const struct compare_attrs *a, uint64_t t, uint64_t rec_off)
{
    struct ctun **list = mf ? &c->mtun : &c->wtun;
    unsigned *n = mf ? &c->nmtun : &c->nwtun;
    const uint8_t *lo = memcmp(x, y, 16) <= 0 ? x : y, *hi = lo == x ? y : x;
    struct compare_attrs ip;
    memset(&ip, 0, sizeof(ip));
    compare_attrs_merge(&ip, a);
    ip.secs &= ZERT_PROT_IPSEC;
    for (unsigned i = 0; i < *n; i++) {
        struct ctun *u = &(*list)[i];
        if (u->family == family && !memcmp(u->ip[0], lo, 16) && !memcmp(u->ip[1], hi, 16) &&
            (!mf || compare_attrs_same(&u->a, &ip))) {
            u->count++;
            if (t < u->first_us)
                u->first_us = t;
            if (t > u->last_us)
                u->last_us = t;
            if (!mf)
                compare_attrs_merge(&u->a, &ip);
            return;
        }
    }
    if (*n == CMP_TUNNEL_MAX) {
        STAT_INC(compare_tunnels_overflow);
        return;
    }
    if (!(*n & (*n - 1)) || !*n) {
        size_t cap = *n ? 2 * (size_t)*n : 16;
        struct ctun *v = realloc(*list, cap * sizeof(*v));
        if (!v)
            return;
        *list = v;
    }
    struct ctun *u = &(*list)[(*n)++];
    memset(u, 0, sizeof(*u));
    u->family = family;
    memcpy(u->ip[0], lo, 16);
    memcpy(u->ip[1], hi, 16);
    u->a = ip;
    u->count = 1;
    u->first_us = u->last_us = t;
    u->rec_off = rec_off;
}

/* The mainframe connections said IPsec and the wire showed no such connection (ESP hides it). */
static void
tun_from_conn(struct compare *c, const struct cside *m)
{
    /* tunnel mode: the tunnel's endpoints, which the wire sees; transport mode: the hosts */
    const struct zert_endpoint *x = m->tun_a.family ? &m->tun_a : &m->local;
    const struct zert_endpoint *y = m->tun_b.family ? &m->tun_b : &m->remote;
    tun_add(c, true, x->family, x->ip, y->ip, &m->a, m->start_us, m->rec_off);
}

static void
tun_finish(struct compare *c)
{
    char fl[256], pa[64], pb[64];
    for (unsigned i = 0; i < c->nmtun; i++) {
        struct ctun *mt = &c->mtun[i], *wt = NULL;
        for (unsigned j = 0; j < c->nwtun && !wt; j++)
            if (c->wtun[j].family == mt->family && !memcmp(c->wtun[j].ip, mt->ip, sizeof(mt->ip)))
                wt = &c->wtun[j];
        struct compare_finding *f = &c->f;
        memset(f, 0, sizeof(*f));
        f->kind = "tunnel";
        f->a.family = f->b.family = mt->family;
        memcpy(f->a.ip, mt->ip[0], 16);
        memcpy(f->b.ip, mt->ip[1], 16);
        f->mf_us = mt->first_us;
        f->mf_offset_known = true;
        f->mf_offset = mt->rec_off;
        f->count = mt->count;
        snprintf(f->mf_prot, sizeof(f->mf_prot), "ipsec");
        ep_text(&f->a, false, pa, sizeof(pa));
        ep_text(&f->b, false, pb, sizeof(pb));
        if (wt) {
            c->t.conn_inside_ipsec += mt->count;
            snprintf(f->wire_prot, sizeof(f->wire_prot), "ipsec");
            f->wire_us = wt->first_us;
            f->cls = COMPARE_ATTRIBUTE_MISMATCH;
            if (compare_attrs_diff(&c->learn, &wt->a, &mt->a, ZERT_PROT_IPSEC, mt->rec_off, f)) {
                finding_text(f,
                             "IPsec tunnel %s - %s (%" PRIu64
                             " connections inside): attributes differ: %s",
                             pa, pb, mt->count, field_list(f, fl, sizeof(fl)));
                emit(c, f);
            }
        } else if (wire_covers(c, mt->first_us) || wire_covers(c, mt->last_us)) {
            f->cls = COMPARE_MISSING_ON_WIRE;
            fill_drops(c, &f->drops);
            finding_text(f,
                         "zERT reports %" PRIu64
                         " connection(s) protected by IPsec between %s and %s; the capture shows "
                         "no IPsec traffic between them",
                         mt->count, pa, pb);
            emit(c, f);
        } else {
            c->t.conn_outside_capture += mt->count;
        }
    }
}

/* ---- deciding connections -------------------------------------------------------------- */

static void
conn_unlink(struct compare *c, struct cconn *e)
{
    struct cconn **pp = &c->cb[e->hash % CMP_BUCKETS];
    while (*pp && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = e->hnext;
    heap_remove(c, &e->node);
    tomb_add(c, tomb_fp(e));
    c->nconns--;
    free(e);
}

/*
 * How near two entries are: the start first, in SMF's hundredths (a 5-tuple reused within 10 ms
 * gives two connections with one SASTime); then the end, in hundredths; then the byte counts;
 * then the same connection id (the sensor's own dump).
 */
struct pair_dist {
    uint64_t start, end, bytes;
    bool other_id;
};

static bool
pair_nearer(const struct pair_dist *a, const struct pair_dist *b)
{
    if (a->start != b->start)
        return a->start < b->start;
    if (a->end != b->end)
        return a->end < b->end;
    if (a->bytes != b->bytes)
        return a->bytes < b->bytes;
    return !a->other_id && b->other_id;
}

static uint64_t
udiff(uint64_t a, uint64_t b)
{
    return a > b ? a - b : b - a;
}

/* Could we and this other-side entry be one connection? */
static bool
conn_may_pair(const struct compare *c, const struct cconn *x, const struct cconn *y,
              struct pair_dist *dist)
{
    if (y == x || y->mf == x->mf || y->hash != x->hash || memcmp(&y->key, &x->key, sizeof(x->key)))
        return false;
    const struct cconn *w = x->mf ? y : x, *m = x->mf ? x : y;
    bool ports = w->s.ip_proto != 17;
    if (!ep_same(&w->s.local, &m->s.local, ports) &&
        !(w->s.local_guessed && ep_same(&w->s.local, &m->s.remote, ports)))
        return false;
    int64_t d = start_diff(m->s.start_us, w->s.start_us) - offset_est(c);
    if (w->s.obs & CO_MIDSTREAM) {
        /* the wire's start is its first packet: the connection began at or before it */
        if (d > pair_window(c))
            return false;
    } else if (iabs64(d) > pair_window(c)) {
        return false;
    }
    /* one connection: neither ended before the other began (a 5-tuple used again) */
    if (m->s.terminal && m->s.end_us &&
        start_diff(m->s.end_us, w->s.start_us) - offset_est(c) < -pair_window(c))
        return false;
    if (w->s.terminal && w->s.end_us && !w->s.capture_cut &&
        start_diff(m->s.start_us, w->s.end_us) - offset_est(c) > pair_window(c))
        return false;
    bool ends = w->s.terminal && m->s.terminal && w->s.end_us && m->s.end_us;
    dist->start = (uint64_t)iabs64(d) / 10000;
    dist->end =
        ends ? (uint64_t)iabs64(start_diff(m->s.end_us, w->s.end_us) - offset_est(c)) / 10000 : 0;
    dist->bytes = ends ? udiff(w->s.bytes_in + w->s.bytes_out, m->s.bytes_in + m->s.bytes_out) : 0;
    dist->other_id = w->conn_id != m->conn_id;
    return true;
}

/* The other side's entry nearest x (NULL: none). */
static struct cconn *
conn_best(const struct compare *c, const struct cconn *x)
{
    struct cconn *best = NULL;
    struct pair_dist bd = {0}, d;
    for (struct cconn *y = c->cb[x->hash % CMP_BUCKETS]; y; y = y->hnext)
        if (conn_may_pair(c, x, y, &d) && (!best || pair_nearer(&d, &bd))) {
            best = y;
            bd = d;
        }
    return best;
}

static bool conn_ready(const struct compare *c, const struct cconn *e);
static void conn_settle(struct compare *c, struct cconn *x, struct cconn *best);

/*
 * Decide x: pair it with its nearest partner, unless that partner is nearer to another entry of
 * x's side (a 5-tuple used again: the entry decided first is not always the partner's own).
 * That other entry takes the partner first when it is ready; when it is not, x waits for it.
 */
static void
conn_decide(struct compare *c, struct cconn *x, bool all)
{
    for (;;) {
        struct cconn *best = conn_best(c, x);
        struct cconn *back = best ? conn_best(c, best) : NULL;
        if (!best || back == x || !back) {
            conn_settle(c, x, best);
            return;
        }
        if (!all && !conn_ready(c, back)) {
            heap_set(c, &x->node, c->wclock + CMP_SECOND);
            return;
        }
        conn_settle(c, back, best);
    }
}

/* Judge x with its partner (or alone) and forget both. */
static void
conn_settle(struct compare *c, struct cconn *x, struct cconn *best)
{
    struct cconn *we = x->mf ? best : x, *me = x->mf ? x : best;
    if (we && me) {
        judge_pair(c, we, me);
    } else if (we) {
        struct cside *w = &we->s;
        const char *why;
        if (!w->first_us && !w->prot_unknown) {
            c->t.conn_json_only++;
        } else if (w->obs & CO_MIDSTREAM) {
            c->t.conn_outside_capture++; /* it began before the capture */
        } else if (!is_local(c, &w->local, &w->remote)) {
            c->t.conn_not_local++;
        } else if (!mf_covers(c, w->any_first_us, w->start_us, &why) &&
                   !mf_covers(c, w->any_last_us, w->start_us, &why)) {
            c->t.conn_outside_dump++;
        } else {
            /* zERT sees every established connection from its start: it should have this one,
             * whatever the wire could tell of its protection */
            char p[48];
            struct compare_finding *f = conn_finding(c, COMPARE_MISSING_ON_MAINFRAME, w, NULL, we);
            f->why = why;
            events_text(w->events, f->events, sizeof(f->events));
            if (w->prot_unknown)
                snprintf(p, sizeof(p), "protection not shown: %s", unknown_why(w));
            else
                prot_text(w->prot_any, p, sizeof(p));
            finding_text(f, "the wire saw it (%s%s), zERT has no record of it", p,
                         w->local_guessed ? "; local side guessed" : "");
            emit(c, f);
        }
    } else {
        struct cside *m = &me->s;
        if (m->prot_any & ZERT_PROT_IPSEC) {
            tun_from_conn(c, m);
        } else if (!wire_covers(c, m->start_us) || (m->first_us && !wire_covers(c, m->first_us))) {
            c->t.conn_outside_capture++;
        } else {
            char p[32];
            struct compare_finding *f = conn_finding(c, COMPARE_MISSING_ON_WIRE, NULL, m, NULL);
            events_text(m->events, f->events, sizeof(f->events));
            fill_drops(c, &f->drops);
            finding_text(f, "zERT reports it (%s), the capture did not show it",
                         prot_text(m->prot_any, p, sizeof(p)));
            emit(c, f);
        }
    }
    if (best)
        conn_unlink(c, best);
    conn_unlink(c, x);
}

/* The deadline of an entry in packet time (UINT64_MAX: waits for more records). */
static uint64_t
conn_due(const struct compare *c, const struct cconn *e)
{
    int64_t lo, hi;
    if (!e->s.terminal)
        return UINT64_MAX;
    offset_bounds(c, &lo, &hi);
    if (!e->mf)
        return e->s.term_us;
    return tadd(tadd(e->s.term_us, -lo), c->lag_wire);
}

/*
 * Is the offset known well enough to pair something of packet time t? Until CMP_SETTLE pairs
 * agree, an entry waits while more pairs may still come: until both inputs end, or until the
 * packet clock is past t by twice the largest offset.
 */
static bool
offset_ready(const struct compare *c, uint64_t t)
{
    return c->cfg.offset_fixed || c->settled || (c->weof && c->meof) ||
           c->wclock >= tadd(t, 2 * c->max_off + c->skew);
}

/* Has the other side's clock passed everything that could still join the entry? */
static bool
conn_ready(const struct compare *c, const struct cconn *e)
{
    int64_t lo, hi;
    offset_bounds(c, &lo, &hi);
    if (!e->s.terminal)
        return c->weof && c->meof;
    if (!e->mf)
        return offset_ready(c, e->s.term_us) &&
               (c->meof || c->mcur >= tadd(tadd(e->s.term_us, hi), c->skew));
    return offset_ready(c, tadd(e->s.term_us, -lo)) &&
           (c->weof || c->wclock >= tadd(tadd(e->s.term_us, -lo), c->lag_wire));
}

/* ---- summaries ------------------------------------------------------------------------- */

static void
sum_unlink(struct compare *c, struct csum *e)
{
    struct csum **pp = &c->sb[e->hash % CMP_BUCKETS];
    while (*pp && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = e->hnext;
    heap_remove(c, &e->node);
    c->nsums--;
    free(e);
}

static uint64_t
sum_len(const struct compare *c, const struct csum *e)
{
    uint64_t len = e->s.end_us - e->s.start_us, conf = (uint64_t)c->conf->interval_s * 1000000;
    return len > conf ? len : conf;
}

static uint64_t
sum_due(const struct compare *c, const struct csum *e)
{
    int64_t lo, hi;
    offset_bounds(c, &lo, &hi);
    if (!e->mf)
        return tadd(e->s.end_us, (int64_t)sum_len(c, e));
    return tadd(tadd(e->s.end_us, -lo), c->skew + (int64_t)sum_len(c, e));
}

static bool
sum_ready(const struct compare *c, const struct csum *e)
{
    int64_t lo, hi;
    offset_bounds(c, &lo, &hi);
    if (!e->mf)
        return offset_ready(c, e->s.end_us) &&
               (c->meof ||
                c->mcur >= tadd(tadd(e->s.end_us, hi), c->skew + (int64_t)sum_len(c, e)));
    return offset_ready(c, tadd(e->s.end_us, -lo)) && (c->weof || c->wclock >= sum_due(c, e));
}

static struct compare_finding *
sum_finding(struct compare *c, enum compare_class cls, const struct csum *w, const struct csum *m)
{
    struct compare_finding *f = &c->f;
    const struct csum *s = w ? w : m;
    memset(f, 0, sizeof(*f));
    f->cls = cls;
    f->kind = "summary";
    f->ip_proto = s->key.proto;
    f->a.family = f->b.family = s->key.family;
    memcpy(f->a.ip, s->key.srv, 16);
    memcpy(f->b.ip, s->key.cli, 16);
    f->a.port = s->key.port;
    f->port_end = s->key.port_end;
    f->role = s->role == ZERT_ROLE_SERVER   ? "server"
              : s->role == ZERT_ROLE_CLIENT ? "client"
              : s->role == ZERT_ROLE_PEER   ? "peer"
                                            : NULL;
    if (w) {
        f->wire_us = w->s.end_us;
        prot_text(w->key.protocol, f->wire_prot, sizeof(f->wire_prot));
    }
    if (m) {
        f->mf_us = m->s.end_us;
        f->mf_offset_known = true;
        f->mf_offset = m->s.rec_off;
        prot_text(m->key.protocol, f->mf_prot, sizeof(f->mf_prot));
    }
    return f;
}

static void
sum_text(struct compare_finding *f, const char *what)
{
    char a[80], b[80], t[40], port[24];
    if (f->port_end && f->port_end != f->a.port)
        snprintf(port, sizeof(port), "%u-%u", f->a.port, f->port_end);
    else
        snprintf(port, sizeof(port), "%u", f->a.port);
    snprintf(f->text, sizeof(f->text),
             "%s session %s - %s%s%s (%s, local %s), interval ending %s: %s",
             proto_name(f->ip_proto), ep_text(&f->b, false, b, sizeof(b)),
             ep_text(&f->a, false, a, sizeof(a)), f->a.family == 6 ? " port " : ":", port,
             f->wire_prot[0] ? f->wire_prot : f->mf_prot, f->role ? f->role : "role unknown",
             jw_format_time(f->wire_us ? f->wire_us : f->mf_us, t, sizeof(t)), what);
}

static void
sum_judge(struct compare *c, struct csum *w, struct csum *m)
{
    char fl[256];
    c->t.sum_matched++;
    struct compare_finding *f = sum_finding(c, COMPARE_ATTRIBUTE_MISMATCH, w, m);
    if (compare_attrs_diff(&c->learn, &w->s.a, &m->s.a, w->key.protocol, m->s.rec_off, f)) {
        char what[300];
        snprintf(what, sizeof(what), "attributes differ: %s", field_list(f, fl, sizeof(fl)));
        sum_text(f, what);
        emit(c, f);
    }
    int64_t est = offset_est(c);
    uint64_t ms = tadd(m->s.start_us, -est), me = tadd(m->s.end_us, -est);
    bool aligned =
        iabs64(tdiff(ms, w->s.start_us)) <= c->skew && iabs64(tdiff(me, w->s.end_us)) <= c->skew;
    bool whole = w->s.start_us + (uint64_t)c->skew >= c->wfirst &&
                 w->s.end_us <= c->wclock + (uint64_t)c->skew && !w->s.early_flush &&
                 !m->s.early_flush;
    if (!aligned) {
        c->t.sum_misaligned++;
        return;
    }
    if (!whole) {
        c->t.sum_partial++;
        return;
    }
    c->t.sum_counts_compared++;
    f = sum_finding(c, COMPARE_COUNT_MISMATCH, w, m);
    const struct zert_counters *ws = &w->s.start, *we = &w->s.end, *mst = &m->s.start,
                               *mend = &m->s.end;
    if (we->conns - ws->conns != mend->conns - mst->conns)
        add_field_num(f, "conns", we->conns - ws->conns, mend->conns - mst->conns);
    if (we->short_conns - ws->short_conns != mend->short_conns - mst->short_conns)
        add_field_num(f, "short_conns", we->short_conns - ws->short_conns,
                      mend->short_conns - mst->short_conns);
    if (we->active_conns != mend->active_conns)
        add_field_num(f, "active_conns", we->active_conns, mend->active_conns);
    const struct {
        const char *name;
        uint64_t wv, mv;
    } counts[] = {
        {"bytes_in", we->bytes_in - ws->bytes_in, mend->bytes_in - mst->bytes_in},
        {"bytes_out", we->bytes_out - ws->bytes_out, mend->bytes_out - mst->bytes_out},
        {"segs_in", we->segs_in - ws->segs_in, mend->segs_in - mst->segs_in},
        {"segs_out", we->segs_out - ws->segs_out, mend->segs_out - mst->segs_out},
    };
    for (size_t i = 0; i < 4; i++)
        if (!within_tolerance(c, counts[i].wv, counts[i].mv))
            add_field_num(f, counts[i].name, counts[i].wv, counts[i].mv);
    if (f->nfields) {
        char what[300];
        snprintf(what, sizeof(what), "interval counts differ: %s", field_list(f, fl, sizeof(fl)));
        sum_text(f, what);
        emit(c, f);
    }
}

/* Which of two candidates pairs better with x: the same local role (another only where the
 * sensor guessed it), fewer differing attributes, then the same session id, then closer
 * connection counts, then the larger overlap of the intervals. */
struct sum_score {
    bool same_role;
    unsigned distance;
    bool same_sid;
    uint64_t dconns;
    int64_t overlap;
};

static bool
sum_better(const struct sum_score *a, const struct sum_score *b)
{
    if (a->same_role != b->same_role)
        return a->same_role;
    if (a->distance != b->distance)
        return a->distance < b->distance;
    if (a->same_sid != b->same_sid)
        return a->same_sid;
    if (a->dconns != b->dconns)
        return a->dconns < b->dconns;
    return a->overlap > b->overlap;
}

/*
 * A wire summary written early (max_sessions reached: the session's records so far, then the
 * session freed) and a later record of the same session key and interval: zERT has one record
 * for the interval, so the early one is folded into the later, whose counts then cover only
 * part of the interval and are not compared. True when x was folded (and is gone).
 */
static bool
sum_fold_early(struct compare *c, struct csum *x)
{
    if (x->mf || !x->s.early_flush)
        return false;
    for (struct csum *y = c->sb[x->hash % CMP_BUCKETS]; y; y = y->hnext) {
        if (y == x || y->mf || y->hash != x->hash || memcmp(&y->key, &x->key, sizeof(x->key)) ||
            y->role != x->role || y->s.start_us != x->s.start_us || y->s.end_us < x->s.end_us)
            continue;
        y->s.early_flush = true;
        c->t.sum_early_folded++;
        sum_unlink(c, x);
        return true;
    }
    return false;
}

static void
sum_decide(struct compare *c, struct csum *x)
{
    if (sum_fold_early(c, x))
        return;
    struct csum *best = NULL;
    struct sum_score bs = {0}, sc;
    int64_t est = offset_est(c);
    for (struct csum *y = c->sb[x->hash % CMP_BUCKETS]; y; y = y->hnext) {
        if (y == x || y->mf == x->mf || y->hash != x->hash ||
            memcmp(&y->key, &x->key, sizeof(x->key)))
            continue;
        const struct csum *w = x->mf ? y : x, *m = x->mf ? x : y;
        sc.same_role = w->role == m->role;
        if (!sc.same_role && !w->s.local_guessed)
            continue;
        uint64_t ms = tadd(m->s.start_us, -est), me = tadd(m->s.end_us, -est);
        uint64_t lo = ms > w->s.start_us ? ms : w->s.start_us;
        uint64_t hi = me < w->s.end_us ? me : w->s.end_us;
        sc.overlap = tdiff(hi, lo);
        if (sc.overlap < 0 && iabs64(tdiff(me, w->s.end_us)) > c->skew)
            continue;
        uint32_t wc = w->s.end.conns - w->s.start.conns, mc = m->s.end.conns - m->s.start.conns;
        sc.distance = compare_attrs_distance(&w->s.a, &m->s.a);
        sc.same_sid = w->s.sid == m->s.sid;
        sc.dconns = wc > mc ? wc - mc : mc - wc;
        if (!best || sum_better(&sc, &bs)) {
            best = y;
            bs = sc;
        }
    }
    struct csum *w = x->mf ? best : x, *m = x->mf ? x : best;
    if (w && m) {
        sum_judge(c, w, m);
    } else if (w) {
        const char *why;
        uint32_t conns = w->s.end.conns - w->s.start.conns;
        uint32_t partial = w->s.end.partial_conns - w->s.start.partial_conns;
        if (w->key.proto != 6 && w->key.proto != 17) {
            c->t.sum_outside++; /* no SMF form in IBM's layout */
        } else if (!mf_covers(c, w->s.end_us, w->s.start_us, &why)) {
            c->t.sum_outside++;
        } else if (w->key.protocol && conns && partial >= conns) {
            struct compare_finding *f = sum_finding(c, COMPARE_ZERT_BLIND_SPOT, w, NULL);
            f->why = "protection_change";
            sum_text(f, "a session only of connections whose protection changed part-way "
                        "(TLS after clear text, or ended early); stream observation does not "
                        "see such changes");
            emit(c, f);
        } else {
            uint64_t since;
            struct compare_finding *f = sum_finding(c, COMPARE_MISSING_ON_MAINFRAME, w, NULL);
            if (!cover_on(&c->acover, tadd(w->s.end_us, est), &since))
                f->why = "aggregation_disabled";
            sum_text(f, "the wire has this session, zERT has no summary of it");
            emit(c, f);
        }
    } else {
        uint32_t conns = m->s.end.conns - m->s.start.conns;
        if (!conns || !wire_covers(c, m->s.start_us) || !wire_covers(c, m->s.end_us) ||
            (m->key.proto != 6 && m->key.proto != 17)) {
            c->t.sum_outside++;
        } else {
            struct compare_finding *f = sum_finding(c, COMPARE_MISSING_ON_WIRE, NULL, m);
            fill_drops(c, &f->drops);
            sum_text(f, "zERT has this session, the wire has no summary of it");
            emit(c, f);
        }
    }
    if (best)
        sum_unlink(c, best);
    sum_unlink(c, x);
}

/* ---- deciding what is due -------------------------------------------------------------- */

static void
decide_due(struct compare *c, bool all)
{
    while (c->nheap && (all || c->heap[0]->due <= c->wclock)) {
        struct cnode *n = c->heap[0];
        bool ready = n->summary ? sum_ready(c, (struct csum *)n) : conn_ready(c, (struct cconn *)n);
        if (!ready && !all) {
            heap_set(c, n, c->wclock + CMP_SECOND);
            continue;
        }
        if (n->summary)
            sum_decide(c, (struct csum *)n);
        else
            conn_decide(c, (struct cconn *)n, all);
    }
}

static void
note_held(struct compare *c)
{
    if (c->nconns > c->t.held_peak_conns)
        c->t.held_peak_conns = c->nconns;
    if (c->nsums > c->t.held_peak_summaries)
        c->t.held_peak_summaries = c->nsums;
}

/* ---- records in ------------------------------------------------------------------------ */

static void
side_add(struct cside *s, const struct zert_detail *d, const struct compare_attrs *a, bool smf_form,
         uint64_t t)
{
    enum zert_detail_event ev = d->event;
    if (!s->ip_proto) {
        s->ip_proto = d->ip_proto;
        s->local = d->local;
        s->remote = d->remote;
        s->start_us = d->start_us;
        s->prot_first = d->protection;
    }
    s->prot_last = d->protection;
    s->prot_any |= d->protection;
    s->prot_unknown |= d->prot_unknown;
    s->local_guessed |= d->local_guessed;
    if (d->prot_unknown && d->obs.why[0])
        snprintf(s->why, sizeof(s->why), "%s", d->obs.why);
    if (d->prot_unknown && d->obs.seen[0])
        snprintf(s->seen, sizeof(s->seen), "%s", d->obs.seen);
    if (!s->any_first_us || t < s->any_first_us)
        s->any_first_us = t;
    if (t > s->any_last_us)
        s->any_last_us = t;
    if (smf_form && ev >= ZERT_EV_INIT && ev <= ZERT_EV_SHORT_TERM) {
        s->events |= (uint8_t)EV_BIT(ev);
        s->ev_us[ev] = t;
        if (!s->first_us || t < s->first_us)
            s->first_us = t;
        if (t > s->last_us)
            s->last_us = t;
    }
    if (ev == ZERT_EV_TERM || ev == ZERT_EV_SHORT_TERM) {
        s->terminal = true;
        s->term_us = t;
        s->end_us = d->end_us;
        s->bytes_in = d->bytes_in;
        s->bytes_out = d->bytes_out;
        s->segs_in = d->segs_in;
        s->segs_out = d->segs_out;
        /* the term zert.c writes JSON-only for a connection the end of the capture cut */
        if (!strcmp(d->end_reason, "end_of_capture"))
            s->capture_cut = true;
    }
    if (d->obs.rehandshake_suspected == ZERT_TRI_TRUE)
        s->obs |= CO_REHANDSHAKE;
    if (d->obs.midstream == ZERT_TRI_TRUE)
        s->obs |= CO_MIDSTREAM;
    if (d->obs.gaps.known && d->obs.gaps.v > s->gaps)
        s->gaps = d->obs.gaps.v;
    if (d->obs.starttls[0])
        snprintf(s->starttls, sizeof(s->starttls), "%s", d->obs.starttls);
    compare_attrs_merge(&s->a, a);
    if (d->ipsec.present && d->ipsec.tunnel_local.family) {
        s->tun_a = d->ipsec.tunnel_local;
        s->tun_b = d->ipsec.tunnel_remote;
    }
}

/* A new connection entry; samples the offset when the other side has exactly one candidate. */
static struct cconn *
conn_new(struct compare *c, const struct ckey *k, uint64_t hash, bool mf, uint64_t conn_id,
         const struct zert_detail *d)
{
    struct cconn *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->key = *k;
    e->hash = hash;
    e->mf = mf;
    e->conn_id = conn_id;
    e->s.start_us = d->start_us;
    struct cconn *only = NULL;
    unsigned n = 0;
    for (struct cconn *y = c->cb[hash % CMP_BUCKETS]; y; y = y->hnext) {
        if (y->mf == mf || y->hash != hash || memcmp(&y->key, k, sizeof(*k)))
            continue;
        int64_t dd =
            mf ? start_diff(d->start_us, y->s.start_us) : start_diff(y->s.start_us, d->start_us);
        if (iabs64(dd) <= c->max_off + c->skew) {
            only = y;
            n++;
        }
    }
    if (n == 1 && k->proto == 6 && d->obs.midstream != ZERT_TRI_TRUE &&
        !(only->s.obs & CO_MIDSTREAM))
        offset_sample(c, mf ? start_diff(d->start_us, only->s.start_us)
                            : start_diff(only->s.start_us, d->start_us));
    e->hnext = c->cb[hash % CMP_BUCKETS];
    c->cb[hash % CMP_BUCKETS] = e;
    c->nconns++;
    note_held(c);
    return e;
}

static struct cconn *
conn_find(struct compare *c, const struct ckey *k, uint64_t hash, bool mf, uint64_t conn_id,
          uint64_t start_us)
{
    for (struct cconn *y = c->cb[hash % CMP_BUCKETS]; y; y = y->hnext)
        if (y->mf == mf && y->hash == hash && y->conn_id == conn_id &&
            (!mf || y->s.start_us == start_us) && !memcmp(&y->key, k, sizeof(*k)))
            return y;
    return NULL;
}

/* One detail record of either side (wire: `a` from the record as SMF would carry it). */
static void
conn_record(struct compare *c, bool mf, const struct zert_detail *d, const struct compare_attrs *a,
            bool smf_form, uint64_t t, uint64_t rec_off)
{
    struct ckey k;
    ckey_make(&k, d->ip_proto, &d->local, &d->remote);
    uint64_t hash = ckey_hash(&k);
    struct cconn *e = conn_find(c, &k, hash, mf, d->conn_id, d->start_us);
    if (!e) {
        struct cconn probe;
        probe.hash = hash;
        probe.mf = mf;
        probe.conn_id = d->conn_id;
        probe.s.start_us = d->start_us;
        if (tomb_has(c, tomb_fp(&probe))) {
            c->t.late_records++;
            return;
        }
        e = conn_new(c, &k, hash, mf, d->conn_id, d);
        if (!e)
            return;
        if (mf) {
            e->s.rec_off = rec_off;
            c->t.conn_mf++;
        } else {
            c->t.conn_wire++;
        }
    }
    side_add(&e->s, d, a, smf_form, t);
    heap_set(c, &e->node, conn_due(c, e));
}

static void
summary_record(struct compare *c, bool mf, const struct zert_summary *s,
               const struct compare_attrs *a, uint64_t start_us, uint64_t end_us, uint64_t rec_off,
               const struct zert_summary *wire)
{
    struct csum *e = calloc(1, sizeof(*e));
    if (!e)
        return;
    e->node.summary = true;
    e->mf = mf;
    e->key.proto = s->ip_proto;
    e->key.family = s->server.family;
    e->role = (uint8_t)s->role;
    e->s.local_guessed = wire && wire->local_guessed; /* JSON only: not in the SMF form */
    e->key.protocol = s->protocol;
    memcpy(e->key.srv, s->server.ip, 16);
    memcpy(e->key.cli, s->client.ip, 16);
    e->key.port = s->server.port;
    e->key.port_end = s->server_port_end ? s->server_port_end : s->server.port;
    e->hash = skey_hash(&e->key);
    e->s.start_us = start_us;
    e->s.end_us = end_us;
    e->s.start = s->start;
    e->s.end = s->end;
    e->s.a = *a;
    e->s.early_flush = wire && wire->early_flush;
    e->s.rec_off = rec_off;
    e->s.sid = fnv64(FNV_INIT, s->session_key, strlen(s->session_key));
    e->hnext = c->sb[e->hash % CMP_BUCKETS];
    c->sb[e->hash % CMP_BUCKETS] = e;
    c->nsums++;
    note_held(c);
    heap_set(c, &e->node, sum_due(c, e));
}

/* ---- the wire: the sensor's records ---------------------------------------------------- */

/*
 * An IPsec peer pair written as a connection (ESP/AH, or UDP without ports: IKE and NAT-T
 * peers; an Enterprise Extender connection always has its ports). The sensor writes these when
 * the capture ends, not in time order; they are matched as tunnels.
 */
static bool
peer_pair(const struct zert_detail *d)
{
    return (d->ip_proto != 6 && d->ip_proto != 17) ||
           (d->ip_proto == 17 && !d->local.port && !d->remote.port);
}

/* The record as its SMF form would carry it: written and read back (NULL: no SMF form fits). */
static const struct smf_decoded *
roundtrip(struct compare *c, bool summary, const void *rec)
{
    char err[128];
    size_t n = summary ? emit_smf_build_summary(&c->smf_conf, rec, c->buf, sizeof(c->buf), NULL)
                       : emit_smf_build_detail(&c->smf_conf, rec, c->buf, sizeof(c->buf), NULL);
    if (!n)
        return NULL;
    enum smf_kind k = smf_reader_decode(c->buf, n, &c->tz, &c->dec, err, sizeof(err));
    return k == SMF_KIND_DETAIL || k == SMF_KIND_SUMMARY ? &c->dec : NULL;
}

static int
sink_detail(void *ctx, const struct zert_detail *d)
{
    struct compare *c = ctx;
    int rc = c->next.detail ? c->next.detail(c->next.ctx, d) : 0;
    struct compare_attrs a;
    memset(&a, 0, sizeof(a));
    c->t.w_detail++;
    if (d->json_only)
        c->t.w_json_only++;
    if (d->event == ZERT_EV_ENABLED || d->event == ZERT_EV_DISABLED) {
        cover_add(&c->wcover, d->time_us, d->event == ZERT_EV_ENABLED);
        return rc;
    }
    if (d->event < ZERT_EV_INIT || d->event > ZERT_EV_SHORT_TERM)
        return rc;
    const struct smf_decoded *dec = roundtrip(c, false, d);
    const struct zert_detail *v = dec ? &dec->u.detail : d;
    compare_attrs_read(&v->tls, &v->ssh, &v->ipsec, &a);
    if (peer_pair(d)) {
        /* an IPsec peer pair: a tunnel, not a connection zERT could report */
        if (d->event == ZERT_EV_INIT || d->event == ZERT_EV_SHORT_TERM)
            tun_add(c, false, d->local.family, d->local.ip, d->remote.ip, &a, d->start_us, 0);
        return rc;
    }
    int64_t lo, hi;
    offset_bounds(c, &lo, &hi);
    if (c->mhave && tadd(tadd(d->time_us, hi), c->skew) < c->mfirst) {
        if (d->event == ZERT_EV_INIT || d->event == ZERT_EV_SHORT_TERM)
            c->t.conn_outside_dump++; /* before the dump began, whatever the offset */
        return rc;
    }
    conn_record(c, false, d, &a, !d->json_only, d->time_us, 0);
    return rc;
}

static int
sink_summary(void *ctx, const struct zert_summary *s)
{
    struct compare *c = ctx;
    int rc = c->next.summary ? c->next.summary(c->next.ctx, s) : 0;
    struct compare_attrs a;
    memset(&a, 0, sizeof(a));
    if (s->event != ZERT_SEV_INTERVAL)
        return rc;
    c->t.w_summary++;
    if (s->json_only) {
        /* no SMF form (an IPsec peer pair's session): nothing zERT would write to compare */
        c->t.sum_json_only++;
        return rc;
    }
    c->t.sum_wire++;
    const struct smf_decoded *dec = roundtrip(c, true, s);
    const struct zert_summary *v = dec ? &dec->u.summary : s;
    compare_attrs_read(&v->tls, &v->ssh, &v->ipsec, &a);
    summary_record(c, false, v, &a, s->interval_start_us, s->interval_end_us, 0, s);
    return rc;
}

struct zert_sink
compare_sink(struct compare *c)
{
    struct zert_sink s = {.ctx = c, .detail = sink_detail, .summary = sink_summary};
    return s;
}

/* ---- the mainframe: the dump ----------------------------------------------------------- */

static void
mf_time(struct compare *c, uint64_t t)
{
    if (!t)
        return;
    if (!c->mhave || t < c->mfirst)
        c->mfirst = t;
    if (!c->mhave || t > c->mlast)
        c->mlast = t;
    if (t > c->mcur)
        c->mcur = t;
    c->mhave = true;
}

static void
mf_detail(struct compare *c, struct zert_detail *d, uint64_t off)
{
    struct compare_attrs a;
    int64_t lo, hi;
    memset(&a, 0, sizeof(a));
    mf_time(c, d->time_us);
    c->t.mf_detail++;
    if (d->event == ZERT_EV_ENABLED || d->event == ZERT_EV_DISABLED) {
        c->t.mf_events++;
        cover_add(&c->mcover, d->time_us, d->event == ZERT_EV_ENABLED);
        return;
    }
    if (d->event < ZERT_EV_INIT || d->event > ZERT_EV_SHORT_TERM) {
        c->t.mf_events++; /* enforcement (7) and codes this reader does not know */
        return;
    }
    local_add(c, &d->local);
    compare_attrs_read(&d->tls, &d->ssh, &d->ipsec, &a);
    compare_learn_suite(&c->learn, &a, off);
    if (peer_pair(d)) { /* not in IBM's layout: a sensor's peer pair, compared as a tunnel */
        if (d->event == ZERT_EV_INIT || d->event == ZERT_EV_SHORT_TERM)
            tun_add(c, true, d->local.family, d->local.ip, d->remote.ip, &a, d->start_us, off);
        return;
    }
    /* a connection that began, whatever the offset, before the capture or after its end */
    offset_bounds(c, &lo, &hi);
    bool first = d->event == ZERT_EV_INIT || d->event == ZERT_EV_SHORT_TERM;
    if (c->whave && (tadd(tadd(d->start_us, -lo), c->skew) < c->wfirst ||
                     (c->weof && tadd(tadd(d->start_us, -hi), -c->skew) > c->wclock))) {
        if (first)
            c->t.conn_outside_capture++;
        return;
    }
    conn_record(c, true, d, &a, true, d->time_us, off);
}

static void
mf_summary(struct compare *c, struct zert_summary *s, uint64_t off)
{
    struct compare_attrs a;
    int64_t lo, hi;
    memset(&a, 0, sizeof(a));
    mf_time(c, s->time_us);
    if (s->event == ZERT_SEV_AGGR_ENABLED || s->event == ZERT_SEV_AGGR_DISABLED) {
        c->t.mf_events++;
        cover_add(&c->acover, s->time_us, s->event == ZERT_SEV_AGGR_ENABLED);
        return;
    }
    c->t.mf_summary++;
    if (s->event != ZERT_SEV_INTERVAL)
        return;
    c->t.sum_mf++;
    compare_attrs_read(&s->tls, &s->ssh, &s->ipsec, &a);
    compare_learn_suite(&c->learn, &a, off);
    offset_bounds(c, &lo, &hi);
    if (c->whave && (tadd(tadd(s->interval_end_us, -lo), c->skew) < c->wfirst ||
                     (c->weof && tadd(tadd(s->interval_start_us, -hi), -c->skew) > c->wclock))) {
        c->t.sum_outside++;
        return;
    }
    summary_record(c, true, s, &a, s->interval_start_us, s->interval_end_us, off, NULL);
}

/* Read records of the dump until its clock passes `until` (mainframe time) or it ends. */
static void
mf_read(struct compare *c, uint64_t until)
{
    char err[SMF_READER_ERRLEN];
    while (!c->meof && (!c->mhave || c->mcur < until)) {
        int rc = smf_reader_next(c->rd);
        if (rc <= 0) {
            c->meof = true;
            if (rc < 0)
                snprintf(c->t.mf_error, sizeof(c->t.mf_error), "%s", c->rd->err);
            break;
        }
        c->t.mf_records++;
        uint64_t off = c->rd->rec_off;
        enum smf_kind kind =
            smf_reader_decode(c->rd->rec, c->rd->rec_len, &c->tz, &c->dec, err, sizeof(err));
        /* every record's header time says what span the dump covers (the dump header too) */
        mf_time(c, c->dec.header_us);
        switch (kind) {
        case SMF_KIND_OTHER_TYPE:
            c->t.mf_other_type++;
            break;
        case SMF_KIND_OTHER_SUBTYPE:
            c->t.mf_other_subtype++;
            break;
        case SMF_KIND_BAD:
            if (!c->t.mf_bad++)
                snprintf(c->t.mf_bad_first, sizeof(c->t.mf_bad_first),
                         "offset %" PRIu64 ": record %" PRIu64 " (type %u subtype %u): %s", off,
                         c->rd->records, c->dec.type, c->dec.subtype, err);
            break;
        case SMF_KIND_DETAIL:
            mf_detail(c, &c->dec.u.detail, off);
            break;
        case SMF_KIND_SUMMARY:
            mf_summary(c, &c->dec.u.summary, off);
            break;
        }
    }
}

/* ---- the run --------------------------------------------------------------------------- */

int
compare_parse_offset(const char *s, int64_t *us)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || v < -7 * 86400.0 || v > 7 * 86400.0)
        return -1;
    *us = (int64_t)(v * 1e6 + (v < 0 ? -0.5 : 0.5));
    return 0;
}

struct compare *
compare_new(const struct compare_config *cfg, char *err, size_t errlen)
{
    struct compare *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->cfg = *cfg;
    c->conf = cfg->conf;
    if (cfg->next)
        c->next = *cfg->next;
    c->t.mainframe = cfg->mainframe;
    c->t.dir = cfg->dir;
    c->max_off = (int64_t)c->conf->compare_max_offset_s * CMP_SECOND;
    c->skew = (int64_t)c->conf->compare_skew_ms * 1000;
    c->lag_wire =
        (int64_t)(c->conf->tcp_timeout_s + c->conf->closed_timeout_s + c->conf->short_conn_s) *
        CMP_SECOND;
    c->cb = calloc(CMP_BUCKETS, sizeof(*c->cb));
    c->sb = calloc(CMP_BUCKETS, sizeof(*c->sb));
    c->tomb_bucket = calloc(CMP_TOMB_MAX, sizeof(*c->tomb_bucket));
    if (!c->cb || !c->sb || !c->tomb_bucket) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    emit_smf_conf_init(&c->smf_conf);
    if (emit_smf_tz_parse(&c->tz, c->conf->timezone, err, errlen) != 0)
        goto fail;
    c->smf_conf.tz = c->tz;
    c->mf_file = fopen(cfg->mainframe, "rb");
    if (!c->mf_file) {
        snprintf(err, errlen, "%s: %s", cfg->mainframe, strerror(errno));
        goto fail;
    }
    c->rd = smf_reader_new(c->mf_file, SMF_FMT_AUTO);
    if (!c->rd) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    c->out = compare_out_open(cfg->dir, err, errlen);
    if (!c->out)
        goto fail;
    return c;
fail:
    compare_free(c);
    return NULL;
}

void
compare_clock(struct compare *c, uint64_t ts_us)
{
    int64_t lo, hi;
    if (!c->whave || ts_us < c->wfirst)
        c->wfirst = ts_us;
    c->whave = true;
    if (ts_us > c->wclock)
        c->wclock = ts_us;
    offset_bounds(c, &lo, &hi);
    mf_read(c, tadd(tadd(c->wclock, hi), c->skew));
    decide_due(c, false);
}

int
compare_finish(struct compare *c, char *err, size_t errlen)
{
    c->weof = true;
    mf_read(c, UINT64_MAX);
    decide_due(c, true);
    tun_finish(c);
    c->t.learned = c->learned;
    c->t.nlearned = compare_learn_finish(
        &c->learn, c->learned, sizeof(c->learned) / sizeof(c->learned[0]), &c->f, emit_cb, c);
    c->t.mf_first_us = c->mhave ? c->mfirst : 0;
    c->t.mf_last_us = c->mhave ? c->mlast : 0;
    c->t.w_first_us = c->whave ? c->wfirst : 0;
    c->t.w_last_us = c->whave ? c->wclock : 0;
    if (c->cfg.offset_fixed) {
        c->t.offset_known = true;
        c->t.offset_fixed = true;
        c->t.offset_us = c->cfg.offset_us;
    } else if (c->pair_n) {
        c->t.offset_known = true;
        c->t.offset_us = (int64_t)(c->pair_sum / (double)c->pair_n);
    }
    if (c->pair_n) {
        c->t.offset_pairs = c->pair_n;
        c->t.offset_dev_min_us = c->pair_min - c->t.offset_us;
        c->t.offset_dev_max_us = c->pair_max - c->t.offset_us;
    }
    fill_drops(c, &c->t.drops);
    int rc = 0;
    if (compare_out_codes(c->out, &c->t) != 0 && !c->out_failed) {
        c->out_failed = true;
        snprintf(c->out_err, sizeof(c->out_err), "writing learned-codes.txt failed");
    }
    compare_out_report(c->cfg.report, &c->t, (const struct compare_finding *const *)c->shown,
                       c->nshown);
    fflush(c->cfg.report);
    if (!c->out_failed && c->cfg.dir && compare_out_commit(c->out, err, errlen) != 0)
        return 2;
    if (c->out_failed) {
        snprintf(err, errlen, "%s", c->out_err);
        return 2;
    }
    if (c->t.mf_error[0]) {
        snprintf(err, errlen, "%s: %s", c->cfg.mainframe, c->t.mf_error);
        return 2;
    }
    if (c->t.mf_bad) {
        snprintf(err, errlen, "%s: %" PRIu64 " bad records, the first at %s", c->cfg.mainframe,
                 c->t.mf_bad, c->t.mf_bad_first);
        return 2;
    }
    for (int k = 0; k < COMPARE_CLASS_COUNT; k++)
        if (c->t.findings[k])
            rc = 1;
    return rc;
}

void
compare_status(const struct compare *c, char *buf, size_t len)
{
    uint64_t total = 0;
    for (int k = 0; k < COMPARE_CLASS_COUNT; k++)
        total += c->t.findings[k];
    int n = snprintf(buf, len,
                     "compare: %" PRIu64 " dump records read%s; connections %" PRIu64
                     " wire, %" PRIu64 " mainframe, %" PRIu64 " matched; summaries %" PRIu64
                     " wire, %" PRIu64 " mainframe, %" PRIu64 " matched; held %" PRIu64
                     " connections, %" PRIu64 " summaries; findings %" PRIu64,
                     c->t.mf_records, c->meof ? " (all)" : "", c->t.conn_wire, c->t.conn_mf,
                     c->t.conn_matched, c->t.sum_wire, c->t.sum_mf, c->t.sum_matched, c->nconns,
                     c->nsums, total);
    const char *sep = ":";
    for (int k = 0; k < COMPARE_CLASS_COUNT && n > 0 && (size_t)n < len; k++) {
        if (!c->t.findings[k])
            continue;
        n += snprintf(buf + n, len - (size_t)n, "%s %s %" PRIu64, sep,
                      compare_class_name((enum compare_class)k), c->t.findings[k]);
        sep = ",";
    }
    if (n > 0 && (size_t)n < len && (c->cfg.offset_fixed || c->settled))
        snprintf(buf + n, len - (size_t)n, "; clock offset %+.2f s%s", (double)offset_est(c) / 1e6,
                 c->cfg.offset_fixed ? " (given)" : " (estimate)");
}

void
compare_free(struct compare *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < CMP_BUCKETS && c->cb; i++)
        for (struct cconn *e = c->cb[i], *n; e; e = n) {
            n = e->hnext;
            free(e);
        }
    for (size_t i = 0; i < CMP_BUCKETS && c->sb; i++)
        for (struct csum *e = c->sb[i], *n; e; e = n) {
            n = e->hnext;
            free(e);
        }
    for (size_t i = 0; i < c->nshown; i++)
        free(c->shown[i]);
    free(c->shown);
    free(c->cb);
    free(c->sb);
    free(c->heap);
    free(c->tomb_bucket);
    free(c->wtun);
    free(c->mtun);
    compare_out_free(c->out);
    smf_reader_free(c->rd);
    if (c->mf_file)
        fclose(c->mf_file);
    free(c);
}

void
compare_drops_from_stats(struct compare_drops *d, const struct stats *s)
{
    d->known = true;
    d->tcp_gaps = s->tcp_gaps;
    d->tcp_gap_bytes = s->tcp_gap_bytes;
    d->flows_evicted = s->flows_evicted;
    d->tcp_memcap_hit = s->tcp_memcap_hit;
    d->tcp_flow_cap_hit = s->tcp_flow_cap_hit;
}
