/* zert_session.c - zERT security sessions: aggregation key, lifetime counters, interval records. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../emit/json_writer.h"
#include "../emit/smf_codes.h"
#include "decode.h"
#include "log.h"
#include "zert_session.h"

struct zert_sessions {
    struct zsession **buckets;
    uint32_t nbuckets; /* a power of two; grows with the living sessions */
    struct zsession *head, *tail;
    uint64_t max_sessions;
    uint64_t flush_at; /* live sessions at which the cap scans for idle ones (set_flush_at) */
    uint64_t next_id;
    uint64_t interval_start;
    int (*write)(void *ctx, const struct zert_summary *s);
    void *ctx;
    bool failed;
    bool cap_logged; /* max_sessions reached: said once */
    struct zert_session_stats st;
    struct zert_sensor sensor;
    struct zert_summary out; /* scratch: a record is built here when it is written */
    struct zert_summary *(*slot)(void *ctx); /* or in the sink's slot */
};

struct zert_sessions *
zert_sessions_new(const struct zert_sensor *sensor, uint64_t max_sessions,
                  int (*write)(void *ctx, const struct zert_summary *s), void *ctx)
{
    struct zert_sessions *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->sensor = *sensor;
    t->nbuckets = 1024;
    t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
    if (!t->buckets) {
        free(t);
        return NULL;
    }
    t->max_sessions = max_sessions ? max_sessions : UINT64_MAX;
    t->flush_at = t->max_sessions;
    t->write = write;
    t->ctx = ctx;
    t->next_id = 1;
    return t;
}

void
zert_sessions_set_slot(struct zert_sessions *t, struct zert_summary *(*slot)(void *ctx))
{
    t->slot = slot;
}

void
zert_sessions_free(struct zert_sessions *t)
{
    if (!t)
        return;
    for (struct zsession *s = t->head, *n; s; s = n) {
        n = s->lnext;
        free(s->block);
        free(s);
    }
    free(t->buckets);
    free(t);
}

bool
zert_sessions_empty(const struct zert_sessions *t)
{
    return t->head == NULL;
}

bool
zert_sessions_failed(const struct zert_sessions *t)
{
    return t->failed;
}

void
zert_sessions_get_stats(const struct zert_sessions *t, struct zert_session_stats *s)
{
    *s = t->st;
}

void
zert_sessions_begin(struct zert_sessions *t, uint64_t start)
{
    t->interval_start = start;
}

static enum zert_session_kind
session_kind(const struct zsession *s)
{
    switch (s->protocol) {
    case ZERT_PROT_TLS:
        return ZSK_TLS;
    case ZERT_PROT_SSH:
        return ZSK_SSH;
    case ZERT_PROT_IPSEC:
        return ZSK_IPSEC;
    default:
        return ZSK_CLEAR;
    }
}

/* The counts by protection as s is made (+1) or freed (-1). */
static void
count_kind(struct zert_sessions *t, const struct zsession *s, int d)
{
    enum zert_session_kind k = session_kind(s);
    t->st.live_by[k] += (uint64_t)(int64_t)d;
    if (s->ee)
        t->st.live_by[ZSK_EE] += (uint64_t)(int64_t)d;
    if (d > 0) {
        t->st.created_by[k]++;
        if (s->ee)
            t->st.created_by[ZSK_EE]++;
    }
}

static uint32_t
key_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static const char *
proto_word(uint8_t protocol)
{
    return protocol == ZERT_PROT_TLS     ? "tls"
           : protocol == ZERT_PROT_SSH   ? "ssh"
           : protocol == ZERT_PROT_IPSEC ? "ipsec"
                                         : "none";
}

/*
 * Text cut at the buffer's end as snprintf cuts it, built without snprintf: the session key is
 * made for every connection that joins a session, and snprintf/inet_ntop were 3.5 % of the
 * records job.
 */
struct keybuf {
    char *p;
    size_t len, cap; /* cap >= 1: always NUL-terminated */
};

static void
kb_put(struct keybuf *k, const char *s, size_t n)
{
    size_t room = k->cap - 1 - k->len;
    if (n > room)
        n = room;
    memcpy(k->p + k->len, s, n);
    k->len += n;
    k->p[k->len] = '\0';
}

static void
kb_str(struct keybuf *k, const char *s)
{
    kb_put(k, s, strlen(s));
}

static void
kb_dec(struct keybuf *k, uint64_t v)
{
    char b[JW_U64_TEXT];
    size_t n;
    const char *t = jw_u64_text(v, b, &n);
    kb_put(k, t, n);
}

/* At least four lower-case hex digits (%04x). */
static void
kb_hex4(struct keybuf *k, uint64_t v)
{
    static const char hex[] = "0123456789abcdef";
    char b[20];
    size_t i = sizeof(b);
    do {
        b[--i] = hex[v & 15];
        v >>= 4;
    } while (v || sizeof(b) - i < 4);
    kb_put(k, b + i, sizeof(b) - i);
}

static void
kb_addr(struct keybuf *k, const struct zert_endpoint *e)
{
    char b[64];
    kb_put(k, b, jw_addr_text(e->family == 6 ? 6 : 4, e->ip, b, sizeof(b)));
}

/* A certificate as subtype 12 reports it: signature, key type and size, digest, DNs. */
static void
cert_key(struct keybuf *k, const char *who, const struct zert_cert *c)
{
    kb_str(k, ",");
    kb_str(k, who);
    if (!c->present) {
        kb_str(k, "=-");
        return;
    }
    kb_str(k, "=");
    kb_str(k, c->sig_alg);
    kb_str(k, "/");
    kb_str(k, c->key_type);
    kb_dec(k, c->key_bits.v);
    kb_str(k, "/");
    kb_str(k, c->digest);
    kb_str(k, "/");
    kb_str(k, c->subject);
    kb_str(k, "/");
    kb_str(k, c->issuer);
}

/*
 * The aggregation key in text: transport, local role, server IP and port (or range), client
 * IP, job, protocol and exactly the attributes subtype 12 carries for it (smf119-zert.md §4.2-
 * 4.5): TLS version, cipher suite (and with it encryption, MAC and key exchange), the
 * certificates' signature, key and digest and their DNs; SSH version, key exchange, ciphers
 * and MACs per direction, host key type and size; IKE version, tunnel endpoints,
 * authentication, integrity, encryption and key size, DH group, PRF, ESP or AH. Not the ECDHE
 * group, session ids, SPIs or times: no subtype 12 field holds them. The attributes are cut at
 * 1399 bytes, the whole at len - 1.
 */
void
zert_session_key(const struct zert_detail *r, uint8_t protocol, bool ee_range, char *out,
                 size_t len)
{
    char attrs_buf[1400] = "";
    struct keybuf a = {attrs_buf, 0, sizeof(attrs_buf)};
    const struct zert_endpoint *srv = r->role == ZERT_ROLE_CLIENT ? &r->remote : &r->local;
    const struct zert_endpoint *cli = r->role == ZERT_ROLE_CLIENT ? &r->local : &r->remote;
    if (protocol == ZERT_PROT_TLS && r->tls.present) {
        const struct zert_tls *t = &r->tls;
        kb_str(&a, "v=");
        kb_hex4(&a, t->version_code.v);
        kb_str(&a, ",cs=");
        kb_hex4(&a, t->cipher_suite.v);
        kb_str(&a, ",kex=");
        kb_str(&a, t->kex);
        kb_str(&a, "/");
        kb_str(&a, t->auth);
        cert_key(&a, "scert", &t->server_cert);
        cert_key(&a, "ccert", &t->client_cert);
    } else if (protocol == ZERT_PROT_SSH && r->ssh.present) {
        const struct zert_ssh *h = &r->ssh;
        const char *kt =
            h->hostkey_type[0] ? h->hostkey_type : smf_codes_ssh_hostkey_type(h->hostkey);
        const char *parts[] = {
            "v=", h->version, ",kex=", h->kex,     ",hk=", kt ? kt : "", NULL, ",enc=", h->enc_c2s,
            "/",  h->enc_s2c, ",mac=", h->mac_c2s, "/",    h->mac_s2c};
        for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
            if (parts[i])
                kb_str(&a, parts[i]);
            else
                kb_dec(&a, h->hostkey_bits.v);
        }
    } else if (protocol == ZERT_PROT_IPSEC && r->ipsec.present) {
        const struct zert_ipsec *p = &r->ipsec;
        kb_str(&a, "ike=");
        kb_str(&a, p->ike_version);
        kb_str(&a, ",tun=");
        if (p->tunnel_local.family)
            kb_addr(&a, &p->tunnel_local);
        kb_str(&a, "/");
        if (p->tunnel_remote.family)
            kb_addr(&a, &p->tunnel_remote);
        kb_str(&a, ",auth=");
        kb_str(&a, p->auth);
        kb_str(&a, ",encr=");
        kb_str(&a, p->encr);
        kb_str(&a, "/");
        kb_dec(&a, p->key_bits.v);
        kb_str(&a, ",prf=");
        kb_str(&a, p->prf);
        kb_str(&a, ",integ=");
        kb_str(&a, p->integ);
        kb_str(&a, ",dh=");
        kb_dec(&a, p->dh_group.v);
        kb_str(&a, ",");
        kb_str(&a, p->esp_spi_count ? "esp" : p->ah_spi_count ? "ah" : "");
    }
    struct keybuf k = {out, 0, len};
    if (len == 0)
        return;
    out[0] = '\0';
    kb_str(&k, r->ip_proto == 17   ? "udp"
               : r->ip_proto == 50 ? "esp"
               : r->ip_proto == 51 ? "ah"
                                   : "tcp");
    kb_str(&k, "|");
    kb_str(&k, r->role == ZERT_ROLE_CLIENT ? "client"
               : r->role == ZERT_ROLE_PEER ? "peer"
                                           : "server");
    kb_str(&k, "|");
    kb_addr(&k, srv);
    kb_str(&k, ":");
    if (ee_range)
        kb_str(&k, "ee");
    else
        kb_dec(&k, srv->port);
    kb_str(&k, "|");
    kb_addr(&k, cli);
    kb_str(&k, "|");
    kb_str(&k, r->job);
    kb_str(&k, "|");
    kb_str(&k, proto_word(protocol));
    kb_str(&k, "|");
    kb_put(&k, a.p, a.len);
}

static void
hash_grow(struct zert_sessions *t)
{
    uint32_t n = t->nbuckets * 2;
    struct zsession **b = calloc(n, sizeof(*b));
    if (!b)
        return; /* chains get longer; nothing is lost */
    for (struct zsession *s = t->head; s; s = s->lnext) {
        uint32_t i = s->hash & (n - 1);
        s->hnext = b[i];
        b[i] = s;
    }
    free(t->buckets);
    t->buckets = b;
    t->nbuckets = n;
}

static void
unlink_session(struct zert_sessions *t, struct zsession *s)
{
    for (struct zsession **pp = &t->buckets[s->hash & (t->nbuckets - 1)]; *pp; pp = &(*pp)->hnext) {
        if (*pp == s) {
            *pp = s->hnext;
            break;
        }
    }
    if (s->lprev)
        s->lprev->lnext = s->lnext;
    else
        t->head = s->lnext;
    if (s->lnext)
        s->lnext->lprev = s->lprev;
    else
        t->tail = s->lprev;
    t->st.live--;
    t->st.freed++;
    count_kind(t, s, -1);
    free(s->block);
    free(s);
}

static void
write_record(struct zert_sessions *t, struct zsession *s, uint64_t end, bool early)
{
    s->cum.active_conns = s->active;
    if (t->write) {
        struct zert_summary *m = t->slot ? t->slot(t->ctx) : NULL;
        if (!m)
            m = &t->out;
        memset(m, 0, sizeof(*m));
        m->event = ZERT_SEV_INTERVAL;
        m->time_us = end;
        m->sensor = t->sensor;
        m->interval_start_us = t->interval_start;
        m->interval_end_us = end;
        m->ip_proto = s->ip_proto;
        m->role = s->role;
        m->server = s->server;
        m->client = s->client;
        m->server_port_end = s->server_port_end;
        m->protocol = s->protocol;
        zert_str_set(m->session_key, sizeof(m->session_key), s->key, &m->truncated);
        memcpy(m->job, s->job, sizeof(m->job));
        memcpy(m->user, s->user, sizeof(m->user));
        if (s->protocol == ZERT_PROT_TLS && s->block)
            m->tls = *(const struct zert_tls *)s->block;
        else if (s->protocol == ZERT_PROT_SSH && s->block)
            m->ssh = *(const struct zert_ssh *)s->block;
        else if (s->protocol == ZERT_PROT_IPSEC && s->block)
            m->ipsec = *(const struct zert_ipsec *)s->block;
        m->start = s->start;
        m->end = s->cum;
        m->truncated |= s->truncated;
        m->early_flush = early;
        m->json_only = s->json_only;
        m->local_guessed = s->local_guessed;
        if (t->write(t->ctx, m) != 0)
            t->failed = true;
        t->st.records++;
        if (early)
            t->st.early_records++;
    }
    s->start = s->cum;
    s->joined = false;
}

/*
 * No connection was in s during the current interval: none was active at its start (the
 * snapshot of its last record; an interval skipped since had none either), none joined since,
 * none is now. Only a session held by away connections can be so; it gets no record
 * (one per session that protected a connection in the interval, smf119-zert.md §6.3), and its
 * counters, unchanged, are carried to the next record it gets.
 */
static bool
quiet(const struct zsession *s)
{
    return !s->active && !s->start.active_conns && !s->joined;
}

/*
 * Write the record of every session that had a connection in the interval and free the idle
 * ones (no active or away connection): at an interval's end; or `early` (the cap), the idle
 * ones only. True when a record was written.
 */
static bool
write_and_free(struct zert_sessions *t, uint64_t end, bool early)
{
    bool wrote = false;
    for (struct zsession *s = t->head, *n; s; s = n) {
        n = s->lnext;
        bool idle = !s->active && !s->away;
        if (early && !idle)
            continue;
        if (!quiet(s)) {
            write_record(t, s, end, early);
            wrote = true;
        }
        if (idle)
            unlink_session(t, s);
    }
    return wrote;
}

/*
 * After a scan for idle sessions (an early flush, or an interval's end), every session left holds
 * an active or an away connection. When they are max_sessions or more (the live connections
 * bound them: the flow table bounds those, and each is active in at most ZS_SLOTS sessions
 * and away from at most ZC_VISITED, sensor/zert.c), scanning them again for each new session
 * would cost O(live) per session (2 ms each past 65 536 active ones): the next scan waits
 * until the table has doubled, O(1) amortised.
 */
static void
set_flush_at(struct zert_sessions *t)
{
    t->flush_at = t->st.live < t->max_sessions ? t->max_sessions : 2 * t->st.live;
}

/*
 * The cap: write the records of the idle sessions now (the interval so far) and free them.
 * A session held by an away connection is not idle: the connection may come back, and must
 * find it. An early flush is counted when it wrote a record: with every session active or
 * held it writes none.
 */
static void
early_flush(struct zert_sessions *t, uint64_t now)
{
    if (!t->cap_logged) {
        t->cap_logged = true;
        log_warn("max_sessions (%" PRIu64 ") reached: summaries of idle sessions are written "
                 "before the interval ends (early_flush in their records); sessions held by open "
                 "connections are kept past it (zert_sessions_over_cap in --stats)",
                 t->max_sessions);
    }
    /* a packet whose time went back (counted as pkts_time_backwards) reached the cap: the
     * interval so far does not end before it began */
    if (now < t->interval_start)
        now = t->interval_start;
    if (write_and_free(t, now, true))
        t->st.early_flushes++;
}

struct zsession *
zert_session_get(struct zert_sessions *t, const struct zert_detail *r, uint8_t protocol, bool ee,
                 uint16_t ee_lo, uint64_t now)
{
    char key[ZERT_KEY_LEN];
    zert_session_key(r, protocol, ee, key, sizeof(key));
    uint32_t h = key_hash(key);
    for (struct zsession *s = t->buckets[h & (t->nbuckets - 1)]; s; s = s->hnext) {
        if (s->hash == h && strcmp(s->key, key) == 0) {
            s->joined = true;
            return s;
        }
    }
    if (t->st.live >= t->flush_at) {
        early_flush(t, now);
        set_flush_at(t);
    }
    if (t->st.live >= t->max_sessions)
        t->st.over_cap++;
    size_t klen = strlen(key) + 1;
    struct zsession *s = calloc(1, sizeof(*s) + klen);
    if (!s)
        return NULL;
    s->id = t->next_id++;
    s->hash = h;
    s->joined = true;
    memcpy(s->key, key, klen);
    s->ip_proto = r->ip_proto;
    s->role = r->role;
    s->local_guessed = r->local_guessed;
    s->json_only = r->json_only;
    bool client = r->role == ZERT_ROLE_CLIENT;
    s->server = client ? r->remote : r->local;
    s->client = client ? r->local : r->remote;
    s->client.port = 0;
    s->server_port_end = s->server.port;
    s->protocol = protocol;
    s->ee = ee;
    if (ee) {
        /* Enterprise Extender: the whole port range base .. base+4 (spec §A.5) */
        s->server.port = ee_lo;
        s->server_port_end = (uint16_t)(ee_lo + 4);
    }
    zert_str_set(s->job, sizeof(s->job), r->job, &s->truncated);
    zert_str_set(s->user, sizeof(s->user), r->user, &s->truncated);
    /* only what subtype 12 reports, the attributes of the key: nothing of one connection */
    if (protocol == ZERT_PROT_TLS) {
        struct zert_tls *k = calloc(1, sizeof(*k));
        const struct zert_tls *rt = &r->tls;
        if (k) {
            k->present = true;
            memcpy(k->version, rt->version, sizeof(k->version));
            k->version_code = rt->version_code;
            k->cipher_suite = rt->cipher_suite;
            memcpy(k->cipher_name, rt->cipher_name, sizeof(k->cipher_name));
            memcpy(k->kex, rt->kex, sizeof(k->kex));
            memcpy(k->auth, rt->auth, sizeof(k->auth));
            memcpy(k->enc, rt->enc, sizeof(k->enc));
            memcpy(k->mac, rt->mac, sizeof(k->mac));
            k->server_cert = rt->server_cert;
            k->client_cert = rt->client_cert;
            memset(&k->server_cert.serial, 0, sizeof(k->server_cert.serial));
            memset(&k->client_cert.serial, 0, sizeof(k->client_cert.serial));
            memset(&k->server_cert.not_after, 0, sizeof(k->server_cert.not_after));
            memset(&k->client_cert.not_after, 0, sizeof(k->client_cert.not_after));
        }
        s->block = k;
    } else if (protocol == ZERT_PROT_SSH) {
        struct zert_ssh *k = malloc(sizeof(*k));
        if (k) {
            *k = r->ssh;
            memset(k->client_banner, 0, sizeof(k->client_banner));
            memset(k->server_banner, 0, sizeof(k->server_banner));
            memset(&k->hostkey_fp, 0, sizeof(k->hostkey_fp));
        }
        s->block = k;
    } else if (protocol == ZERT_PROT_IPSEC) {
        struct zert_ipsec *k = malloc(sizeof(*k));
        if (k) {
            *k = r->ipsec;
            memset(&k->spi_i, 0, sizeof(k->spi_i));
            memset(&k->spi_r, 0, sizeof(k->spi_r));
        }
        s->block = k;
    }
    if (protocol && !s->block) {
        free(s);
        return NULL;
    }
    if (t->st.live >= t->nbuckets)
        hash_grow(t);
    uint32_t b = h & (t->nbuckets - 1);
    s->hnext = t->buckets[b];
    t->buckets[b] = s;
    s->lprev = t->tail;
    if (t->tail)
        t->tail->lnext = s;
    else
        t->head = s;
    t->tail = s;
    t->st.created++;
    count_kind(t, s, +1);
    if (++t->st.live > t->st.live_max)
        t->st.live_max = t->st.live;
    return s;
}

void
zert_sessions_interval(struct zert_sessions *t, uint64_t end)
{
    write_and_free(t, end, false);
    set_flush_at(t);
    t->interval_start = end;
}
