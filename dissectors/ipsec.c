/* ipsec.c - the per-run IPsec peer-pair table: ESP/AH SPIs and counters merged with IKE facts. */
#include <stdlib.h>
#include <string.h>

#include "../emit/json_writer.h"
#include "../emit/zert_record.h"
#include "../flowtable/packet.h"
#include "../sensor/decode.h" /* decode_addr_str, for the JSON output only */
#include "cursor.h"
#include "ike.h"
#include "ipsec.h"

#define SEQ_WRAP_HIGH 0xf0000000u /* a drop from above this to below the next is a wrap */
#define SEQ_WRAP_LOW  0x10000000u

/* One SA as seen on the wire: an SPI in one direction of the pair. */
struct ipsec_sa_ctr {
    uint32_t spi;
    uint8_t dir;     /* 0: addr[0] -> addr[1], 1: the other way */
    uint8_t icv_len; /* AH: bytes of ICV (12: HMAC-*-96, 16/24/32: SHA-2, GMAC...) */
    bool udp_encap;  /* seen inside UDP 4500 */
    bool raw;        /* seen as IP protocol 50/51 */
    bool icv_varies; /* AH: the ICV length changed within the SA */
    uint64_t packets, bytes;
    uint32_t first_seq, max_seq;
    uint32_t gaps;    /* jumps forward by more than one */
    uint64_t missing; /* sequence numbers skipped by those jumps */
    uint32_t replays; /* a sequence number at or below the highest seen: replay or reorder */
    uint32_t wraps;   /* the 32-bit sequence wrapped (ESN) */
    uint64_t first_ts, last_ts;
};

struct ipsec_pair {
    uint8_t family;
    uint8_t addr[2][16]; /* [0]: the source of the pair's first packet */
    uint64_t id;
    uint64_t first_ts, last_ts;
    struct ipsec_sa_ctr esp[IPSEC_MAX_SPIS];
    struct ipsec_sa_ctr ah[IPSEC_MAX_AH_SPIS];
    uint8_t n_esp, n_ah;
    uint64_t spis_overflow;
    uint64_t keepalives;
    struct ike_state *ike; /* allocated with the pair's first IKE datagram */
};

struct ipsec_table {
    struct ipsec_pair **pairs; /* in creation order */
    unsigned n_pairs, max_pairs;
    uint32_t *slots;  /* open addressing: pair index + 1, 0 = empty */
    uint32_t n_slots; /* a power of two, at least twice max_pairs */
    struct ipsec_table_stats stats;
};

struct ipsec_table *
ipsec_table_new(unsigned max_pairs)
{
    if (max_pairs == 0)
        max_pairs = IPSEC_MAX_PAIRS_DEFAULT;
    struct ipsec_table *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->max_pairs = max_pairs;
    t->n_slots = 16;
    while (t->n_slots < 2u * max_pairs)
        t->n_slots *= 2;
    t->pairs = calloc(max_pairs, sizeof(*t->pairs));
    t->slots = calloc(t->n_slots, sizeof(*t->slots));
    if (!t->pairs || !t->slots) {
        ipsec_table_free(t);
        return NULL;
    }
    return t;
}

void
ipsec_table_free(struct ipsec_table *t)
{
    if (!t)
        return;
    for (unsigned i = 0; i < t->n_pairs; i++) {
        free(t->pairs[i]->ike);
        free(t->pairs[i]);
    }
    free(t->pairs);
    free(t->slots);
    free(t);
}

void
ipsec_table_get_stats(const struct ipsec_table *t, struct ipsec_table_stats *s)
{
    *s = t->stats;
    s->pairs = t->n_pairs;
}

/* FNV-1a over the family and the two addresses in a fixed order (direction-symmetric). */
static uint32_t
ipsec_pair_hash(uint8_t family, const uint8_t *a, const uint8_t *b)
{
    const uint8_t *lo = memcmp(a, b, 16) <= 0 ? a : b;
    const uint8_t *hi = lo == a ? b : a;
    uint32_t h = 2166136261u ^ family;
    h *= 16777619u;
    for (int i = 0; i < 16; i++) {
        h = (h ^ lo[i]) * 16777619u;
        h = (h ^ hi[i]) * 16777619u;
    }
    return h;
}

/* The pair of a packet (created when new and there is room) and the packet's direction. */
static struct ipsec_pair *
ipsec_pair_get(struct ipsec_table *t, const struct packet *p, int *dir)
{
    uint32_t mask = t->n_slots - 1;
    uint32_t i = ipsec_pair_hash(p->family, p->src, p->dst) & mask;
    for (;; i = (i + 1) & mask) {
        uint32_t s = t->slots[i];
        if (!s)
            break;
        struct ipsec_pair *pr = t->pairs[s - 1];
        if (pr->family != p->family)
            continue;
        if (!memcmp(pr->addr[0], p->src, 16) && !memcmp(pr->addr[1], p->dst, 16)) {
            *dir = 0;
            return pr;
        }
        if (!memcmp(pr->addr[1], p->src, 16) && !memcmp(pr->addr[0], p->dst, 16)) {
            *dir = 1;
            return pr;
        }
    }
    if (t->n_pairs >= t->max_pairs) {
        t->stats.pairs_overflow++;
        return NULL;
    }
    struct ipsec_pair *pr = calloc(1, sizeof(*pr));
    if (!pr) {
        t->stats.pairs_overflow++;
        return NULL;
    }
    pr->family = p->family;
    memcpy(pr->addr[0], p->src, 16);
    memcpy(pr->addr[1], p->dst, 16);
    pr->id = (uint64_t)t->n_pairs + 1;
    pr->first_ts = p->ts_us;
    t->pairs[t->n_pairs++] = pr;
    t->slots[i] = t->n_pairs;
    *dir = 0;
    return pr;
}

static struct ipsec_sa_ctr *
ipsec_sa_get(struct ipsec_pair *pr, struct ipsec_sa_ctr *arr, uint8_t *n, unsigned max,
             uint32_t spi, int dir)
{
    for (uint8_t i = 0; i < *n; i++)
        if (arr[i].spi == spi && arr[i].dir == dir)
            return &arr[i];
    if (*n >= max) {
        pr->spis_overflow++;
        return NULL;
    }
    struct ipsec_sa_ctr *s = &arr[(*n)++];
    memset(s, 0, sizeof(*s));
    s->spi = spi;
    s->dir = (uint8_t)dir;
    return s;
}

/* Per SA: the highest sequence number; a jump is a gap, a step back a replay or reorder. */
static void
ipsec_sa_count(struct ipsec_sa_ctr *s, uint32_t seq, uint64_t bytes, uint64_t ts)
{
    if (s->packets == 0) {
        s->first_seq = s->max_seq = seq;
        s->first_ts = ts;
    } else if (seq > s->max_seq) {
        if (seq - s->max_seq > 1) {
            s->gaps++;
            s->missing += seq - s->max_seq - 1;
        }
        s->max_seq = seq;
    } else if (s->max_seq >= SEQ_WRAP_HIGH && seq < SEQ_WRAP_LOW) {
        s->wraps++;
        s->max_seq = seq;
    } else {
        s->replays++;
    }
    s->packets++;
    s->bytes += bytes;
    s->last_ts = ts;
}

static void
ipsec_pair_touch(struct ipsec_pair *pr, uint64_t ts)
{
    if (ts > pr->last_ts)
        pr->last_ts = ts;
}

void
ipsec_table_esp(struct ipsec_table *t, const struct packet *p, bool udp_encap)
{
    uint32_t spi = p->spi, seq = p->esp_seq;
    if (udp_encap) {
        struct cursor c = cur_init(p->payload, p->payload_len);
        spi = cur_get_be32(&c);
        seq = cur_get_be32(&c);
        if (!cur_ok(&c)) {
            t->stats.esp_short++;
            return;
        }
        t->stats.natt_esp_packets++;
    } else {
        t->stats.esp_packets++;
    }
    int dir;
    struct ipsec_pair *pr = ipsec_pair_get(t, p, &dir);
    if (!pr)
        return;
    ipsec_pair_touch(pr, p->ts_us);
    struct ipsec_sa_ctr *s = ipsec_sa_get(pr, pr->esp, &pr->n_esp, IPSEC_MAX_SPIS, spi, dir);
    if (!s) {
        t->stats.spis_overflow++;
        return;
    }
    if (udp_encap)
        s->udp_encap = true;
    else
        s->raw = true;
    ipsec_sa_count(s, seq, p->ip_len, p->ts_us);
}

void
ipsec_table_ah(struct ipsec_table *t, const struct packet *p)
{
    if (!p->has_ah)
        return;
    t->stats.ah_packets++;
    int dir;
    struct ipsec_pair *pr = ipsec_pair_get(t, p, &dir);
    if (!pr)
        return;
    ipsec_pair_touch(pr, p->ts_us);
    struct ipsec_sa_ctr *s = ipsec_sa_get(pr, pr->ah, &pr->n_ah, IPSEC_MAX_AH_SPIS, p->ah_spi, dir);
    if (!s) {
        t->stats.spis_overflow++;
        return;
    }
    s->raw = true;
    if (s->packets && s->icv_len != p->ah_icv_len)
        s->icv_varies = true;
    s->icv_len = p->ah_icv_len;
    ipsec_sa_count(s, p->ah_seq, p->ip_len, p->ts_us);
}

void
ipsec_table_ike(struct ipsec_table *t, const struct packet *p)
{
    int dir;
    struct ipsec_pair *pr = ipsec_pair_get(t, p, &dir);
    if (!pr)
        return;
    if (!pr->ike) {
        pr->ike = malloc(sizeof(*pr->ike));
        if (!pr->ike)
            return;
        ike_state_init(pr->ike);
    }
    t->stats.ike_packets++;
    ipsec_pair_touch(pr, p->ts_us);
    ike_parse_datagram(pr->ike, dir, p->payload, p->payload_len, p->ts_us);
}

bool
ipsec_table_packet(struct ipsec_table *t, const struct packet *p)
{
    if (p->has_ah)
        ipsec_table_ah(t, p);
    if (p->proto == IPPROTO_NUM_ESP) {
        ipsec_table_esp(t, p, false);
        return false;
    }
    if (p->proto != IPPROTO_NUM_UDP || !p->payload_len)
        return false;
    if (p->sport == IKE_NATT_PORT || p->dport == IKE_NATT_PORT) {
        switch (ike_classify_natt(p->payload, p->payload_len)) {
        case IKE_NATT_KEEPALIVE: {
            int dir;
            struct ipsec_pair *pr = ipsec_pair_get(t, p, &dir);
            t->stats.natt_keepalives++;
            if (pr) {
                pr->keepalives++;
                ipsec_pair_touch(pr, p->ts_us);
            }
            return true;
        }
        case IKE_NATT_ESP:
            ipsec_table_esp(t, p, true);
            return true;
        case IKE_NATT_IKE:
            ipsec_table_ike(t, p);
            return false;
        case IKE_NATT_JUNK:
            return false;
        }
        return false;
    }
    if ((p->sport == IKE_PORT || p->dport == IKE_PORT) &&
        ike_dissector.probe(p->payload, p->payload_len, p->sport, p->dport) == PROBE_YES)
        ipsec_table_ike(t, p);
    return false;
}

/* ---- output ---- */

static void
ipsec_json_spi(struct json_writer *w, uint32_t spi)
{
    char buf[12];
    snprintf(buf, sizeof(buf), "%08x", (unsigned)spi);
    jw_str(w, buf);
}

static void
ipsec_json_ip(struct json_writer *w, const struct ipsec_pair *pr, int side)
{
    char a[64];
    jw_str(w, decode_addr_str(pr->family, pr->addr[side], a, sizeof(a)));
}

static void
ipsec_json_spi_list(struct json_writer *w, const char *key, const struct ipsec_sa_ctr *arr,
                    uint8_t n)
{
    jw_key(w, key);
    jw_arr_open(w);
    for (uint8_t i = 0; i < n; i++)
        ipsec_json_spi(w, arr[i].spi);
    jw_arr_close(w);
}

static void
ipsec_json_sas(struct json_writer *w, const char *key, const struct ipsec_pair *pr,
               const struct ipsec_sa_ctr *arr, uint8_t n, bool ah)
{
    jw_key(w, key);
    jw_arr_open(w);
    for (uint8_t i = 0; i < n; i++) {
        const struct ipsec_sa_ctr *s = &arr[i];
        jw_obj_open(w);
        jw_key(w, "spi");
        ipsec_json_spi(w, s->spi);
        jw_key(w, "src");
        ipsec_json_ip(w, pr, s->dir);
        jw_key(w, "dst");
        ipsec_json_ip(w, pr, s->dir ^ 1);
        if (!ah) {
            jw_key(w, "udp_encap");
            jw_bool(w, s->udp_encap);
        } else {
            jw_key(w, "icv_len");
            jw_uint(w, s->icv_len);
            jw_key(w, "icv_len_varies");
            jw_bool(w, s->icv_varies);
        }
        jw_key(w, "packets");
        jw_uint(w, s->packets);
        jw_key(w, "bytes");
        jw_uint(w, s->bytes);
        jw_key(w, "first_seq");
        jw_uint(w, s->first_seq);
        jw_key(w, "max_seq");
        jw_uint(w, s->max_seq);
        jw_key(w, "gaps");
        jw_uint(w, s->gaps);
        jw_key(w, "missing");
        jw_uint(w, s->missing);
        jw_key(w, "replays");
        jw_uint(w, s->replays);
        jw_key(w, "wraps");
        jw_uint(w, s->wraps);
        jw_key(w, "first");
        jw_time(w, s->first_ts);
        jw_key(w, "last");
        jw_time(w, s->last_ts);
        jw_obj_close(w);
    }
    jw_arr_close(w);
}

static int
ipsec_pair_write(const struct ipsec_pair *pr, FILE *out, struct json_writer *w)
{
    bool esp_raw = false, esp_udp = false;
    for (uint8_t i = 0; i < pr->n_esp; i++) {
        esp_raw |= pr->esp[i].raw;
        esp_udp |= pr->esp[i].udp_encap;
    }
    const struct ike_sa *sa = ike_primary_sa(pr->ike);
    int client = sa && sa->initiator_seen ? sa->init_dir : 0;
    jw_reset(w);
    jw_obj_open(w);
    jw_key(w, "pair_id");
    jw_uint(w, pr->id);
    jw_key(w, "ip_proto");
    jw_str(w, esp_raw ? "esp" : pr->n_ah ? "ah" : "udp");
    jw_key(w, "client");
    jw_obj_open(w);
    jw_key(w, "ip");
    ipsec_json_ip(w, pr, client);
    jw_obj_close(w);
    jw_key(w, "server");
    jw_obj_open(w);
    jw_key(w, "ip");
    ipsec_json_ip(w, pr, client ^ 1);
    jw_obj_close(w);
    jw_key(w, "roles_guessed");
    jw_bool(w, !(sa && sa->initiator_seen));
    jw_key(w, "start");
    jw_time(w, pr->first_ts);
    jw_key(w, "end");
    jw_time(w, pr->last_ts);
    jw_key(w, "dissector");
    jw_str(w, "ipsec");
    jw_key(w, "ipsec");
    jw_obj_open(w);
    ike_write_facts(pr->ike, w);
    ipsec_json_spi_list(w, "esp_spis", pr->esp, pr->n_esp);
    ipsec_json_spi_list(w, "ah_spis", pr->ah, pr->n_ah);
    jw_key(w, "nat_t");
    jw_bool(w, esp_udp || (pr->ike && pr->ike->nat_t));
    jw_key(w, "nat_keepalives");
    jw_uint(w, pr->keepalives);
    jw_key(w, "child_sa");
    jw_str(w, "unknown (encrypted negotiation)");
    ipsec_json_sas(w, "esp", pr, pr->esp, pr->n_esp, false);
    ipsec_json_sas(w, "ah", pr, pr->ah, pr->n_ah, true);
    jw_key(w, "spis_overflow");
    jw_uint(w, pr->spis_overflow);
    jw_obj_close(w);
    jw_key(w, "observation");
    jw_obj_open(w);
    jw_key(w, "source");
    jw_str(w, "observation");
    jw_key(w, "established");
    jw_bool(w, pr->n_esp || pr->n_ah);
    bool chosen = sa && sa->chosen;
    jw_key(w, "incomplete");
    jw_bool(w, !chosen);
    jw_key(w, "incomplete_why");
    jw_str(w, chosen ? NULL
              : sa   ? "IKE seen, but not the responder's chosen transform"
                     : "no IKE exchange seen for this pair");
    jw_obj_close(w);
    jw_obj_close(w);
    return jw_write_line(w, out);
}

int
ipsec_table_write_observations(struct ipsec_table *t, FILE *out, struct json_writer *w)
{
    int rc = 0;
    for (unsigned i = 0; i < t->n_pairs; i++)
        if (ipsec_pair_write(t->pairs[i], out, w) != 0)
            rc = -1;
    return rc;
}

unsigned
ipsec_table_pair_count(const struct ipsec_table *t)
{
    return t ? t->n_pairs : 0;
}

void
ipsec_table_pair(const struct ipsec_table *t, unsigned i, struct ipsec_pair_view *v,
                 struct zert_detail *rec)
{
    const struct ipsec_pair *pr = t->pairs[i];
    const struct ike_sa *sa = pr->ike ? ike_primary_sa(pr->ike) : NULL;
    memset(v, 0, sizeof(*v));
    v->family = pr->family;
    v->addr[0] = pr->addr[0];
    v->addr[1] = pr->addr[1];
    v->initiator = sa && sa->initiator_seen ? sa->init_dir : -1;
    v->first_ts = pr->first_ts;
    v->last_ts = pr->last_ts;
    bool esp_raw = false, esp_udp = false;
    for (unsigned k = 0; k < pr->n_esp; k++) {
        const struct ipsec_sa_ctr *c = &pr->esp[k];
        esp_raw |= c->raw;
        esp_udp |= c->udp_encap;
        v->bytes[c->dir & 1] += c->bytes;
        v->pkts[c->dir & 1] += c->packets;
    }
    for (unsigned k = 0; k < pr->n_ah; k++) {
        const struct ipsec_sa_ctr *c = &pr->ah[k];
        v->bytes[c->dir & 1] += c->bytes;
        v->pkts[c->dir & 1] += c->packets;
    }
    v->ip_proto = esp_raw ? 50 : pr->n_ah ? 51 : 17;
    v->protected_traffic = pr->n_esp || pr->n_ah;
    ike_fill_sa(sa, esp_udp || (pr->ike && pr->ike->nat_t), rec);
    struct zert_ipsec *z = &rec->ipsec;
    for (unsigned k = 0; k < pr->n_esp && z->esp_spi_count < ZERT_SPI_MAX; k++)
        z->esp_spis[z->esp_spi_count++] = pr->esp[k].spi;
    for (unsigned k = 0; k < pr->n_ah && z->ah_spi_count < ZERT_SPI_MAX; k++)
        z->ah_spis[z->ah_spi_count++] = pr->ah[k].spi;
    if (pr->n_esp > ZERT_SPI_MAX || pr->n_ah > ZERT_SPI_MAX)
        rec->truncated = true;
}
