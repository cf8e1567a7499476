/* live_out.c - the daemon's records: rotated files, a bounded retry queue, stdout, the socket. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "../conf/conf.h"
#include "../emit/emit_json.h"
#include "../emit/emit_smf.h"
#include "../emit/json_writer.h"
#include "live_out.h"
#include "log.h"
#include "outfile.h"
#include "records.h"

#define LIVE_IOV 64 /* records per writev */

/* glibc declares it with _GNU_SOURCE only (2.28 and later); Linux 3.15 and later have it. */
int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
              unsigned int flags);
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1u
#endif

/* One record's bytes, waiting to be written. */
struct item {
    uint8_t *buf;
    uint32_t len;
};

/*
 * One output (a rotated file, or standard output): a FIFO of records not yet written, at most
 * conf output_queue. Records leave it only when all their bytes are written, so a file holds
 * whole records; a record cut by a short write is finished when writing works again.
 */
struct lfile {
    const char *prefix, *ext; /* records-STAMP.jsonl */
    bool rotated;             /* a file in the output directory (false: standard output) */
    int fd;                   /* -1: none open (yet) */
    char tmp[NAME_MAX + 1];   /* its temporary name */
    char stamp[32];
    uint64_t size; /* bytes of whole records in it */
    struct item *q;
    uint32_t head, n, cap;
    uint32_t head_off; /* bytes of q[head] already written */
    bool failing;
    uint64_t episode_lost, episode_held;
    uint64_t *written, *lost; /* its counters in struct live_out_stats */
};

/* A connection that has had its init record: its line, for late socket readers. */
struct active {
    uint64_t conn_id;
    struct active *next;
    size_t len;
    char line[]; /* flexible: the init line */
};

struct live_out {
    const struct conf *conf;
    char dir[PATH_MAX];
    int dirfd; /* -1: no files */
    struct lfile jsonl, smf, out;
    bool json_stdout;
    bool shutdown;
    uint64_t next_rotate_us; /* the next interval boundary (0: none) */
    bool rotate_due;         /* postponed until the queues are empty */
    struct emit_smf_conf smf_conf;
    struct json_writer jw;
    struct zert_detail *scratch; /* a term record rewritten as ended by shutdown */
    uint8_t smfbuf[SMF_MAX_RECORD];
    char *line;
    size_t line_cap;
    struct active **act;
    size_t act_buckets, act_n;
    struct live_out_tap tap;
    struct live_out_stats st;
    struct records_stats rst;
};

/* ---- one output ---- */

static void
lfile_init(struct lfile *lf, const char *prefix, const char *ext, bool rotated, uint32_t cap,
           uint64_t *written, uint64_t *lost)
{
    memset(lf, 0, sizeof(*lf));
    lf->prefix = prefix;
    lf->ext = ext;
    lf->rotated = rotated;
    lf->fd = rotated ? -1 : STDOUT_FILENO;
    lf->cap = cap;
    lf->written = written;
    lf->lost = lost;
}

static void
stamp_of(uint64_t now_us, char *buf, size_t len)
{
    time_t t = (time_t)(now_us / 1000000u);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y%m%dT%H%M%SZ", &tm);
}

static void
final_name(const struct lfile *lf, int n, char *buf, size_t len)
{
    if (n == 0)
        snprintf(buf, len, "%s-%s%s", lf->prefix, lf->stamp, lf->ext);
    else
        snprintf(buf, len, "%s-%s-%d%s", lf->prefix, lf->stamp, n, lf->ext);
}

/* Start a new temporary file; -1 (errno) when it cannot be made now (retried at the tick). */
static int
lfile_open(struct live_out *o, struct lfile *lf, uint64_t now_us)
{
    char name[NAME_MAX + 1];
    stamp_of(now_us, lf->stamp, sizeof(lf->stamp));
    final_name(lf, 0, name, sizeof(name));
    lf->fd = outfile_create_tmp(o->dirfd, name, lf->tmp, sizeof(lf->tmp));
    lf->size = 0;
    return lf->fd < 0 ? -1 : 0;
}

/*
 * Close and rename into place, never over an existing file (NAME-1, NAME-2 ... instead): a
 * file with no record is removed.
 */
static void
lfile_publish(struct live_out *o, struct lfile *lf)
{
    if (lf->fd < 0)
        return;
    close(lf->fd);
    lf->fd = -1;
    if (lf->size == 0) {
        unlinkat(o->dirfd, lf->tmp, 0);
        return;
    }
    char name[NAME_MAX + 1];
    for (int i = 0; i < 1000; i++) {
        final_name(lf, i, name, sizeof(name));
        /* not link+unlink: the first pair is root's, and protected_hardlinks refuses USER */
        int rc = renameat2(o->dirfd, lf->tmp, o->dirfd, name, RENAME_NOREPLACE);
        if (rc != 0 && errno == EINVAL) { /* a file system without it: check, then rename */
            struct stat st;
            if (fstatat(o->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                errno = EEXIST;
            } else {
                rc = renameat(o->dirfd, lf->tmp, o->dirfd, name);
            }
        }
        if (rc == 0) {
            o->st.output_rotations++;
            return;
        }
        if (errno != EEXIST)
            break;
    }
    log_err("%s/%s: cannot rename into place: %s; the records stay in %s/%s", o->dir, name,
            strerror(errno), o->dir, lf->tmp);
}

static void
lfile_episode_start(struct live_out *o, struct lfile *lf, const char *what, int err)
{
    if (lf->failing)
        return;
    lf->failing = true;
    lf->episode_lost = 0;
    lf->episode_held = lf->n; /* what was queued when writing stopped waits too */
    o->st.output_write_failures++;
    if (lf->rotated)
        log_err("%s/%s: %s: %s; holding up to %u records and retrying every second", o->dir,
                lf->fd >= 0 ? lf->tmp : lf->prefix, what, strerror(err), lf->cap);
    else
        log_err("standard output: %s: %s; holding up to %u records and retrying", what,
                strerror(err), lf->cap);
}

static void
lfile_episode_end(struct live_out *o, struct lfile *lf)
{
    if (!lf->failing)
        return;
    lf->failing = false;
    log_info("%s%s%s: writing again: %llu records were held and written, %llu could not be "
             "held and are lost",
             lf->rotated ? o->dir : "standard output", lf->rotated ? "/" : "",
             lf->rotated ? lf->tmp : "", (unsigned long long)lf->episode_held,
             (unsigned long long)lf->episode_lost);
}

static void lfile_flush(struct live_out *o, struct lfile *lf, uint64_t now_us);
static uint64_t wall_us(void);

static void
lfile_push(struct live_out *o, struct lfile *lf, const void *bytes, size_t len)
{
    /* the queue is also the write buffer: full with writes working, it is written first */
    if (lf->n == lf->cap && !lf->failing)
        lfile_flush(o, lf, wall_us());
    if (lf->n == lf->cap) {
        (*lf->lost)++;
        lf->episode_lost++;
        return;
    }
    uint8_t *b = malloc(len);
    if (!b) {
        (*lf->lost)++;
        lf->episode_lost++;
        return;
    }
    memcpy(b, bytes, len);
    if (!lf->q) {
        lf->q = calloc(lf->cap, sizeof(*lf->q));
        if (!lf->q) {
            free(b);
            (*lf->lost)++;
            return;
        }
    }
    lf->q[(lf->head + lf->n) % lf->cap] = (struct item){b, (uint32_t)len};
    lf->n++;
    if (lf->failing)
        lf->episode_held++;
    if (lf->n > o->st.output_queue_max)
        o->st.output_queue_max = lf->n;
}

/* Write what is queued, in order, until done or the first failure. */
static void
lfile_flush(struct live_out *o, struct lfile *lf, uint64_t now_us)
{
    if (lf->n == 0)
        return;
    if (lf->fd < 0 && lfile_open(o, lf, now_us) != 0) {
        lfile_episode_start(o, lf, "cannot create the file", errno);
        return;
    }
    while (lf->n > 0) {
        struct iovec iov[LIVE_IOV];
        int k = 0;
        for (uint32_t i = 0; i < lf->n && k < LIVE_IOV; i++, k++) {
            struct item *it = &lf->q[(lf->head + i) % lf->cap];
            uint32_t off = i == 0 ? lf->head_off : 0;
            iov[k] = (struct iovec){it->buf + off, it->len - off};
        }
        ssize_t w = writev(lf->fd, iov, k);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return; /* standard output is full: later */
            lfile_episode_start(o, lf, "cannot write", errno);
            return;
        }
        size_t left = (size_t)w;
        while (left > 0) {
            struct item *it = &lf->q[lf->head];
            size_t rest = it->len - lf->head_off;
            if (left < rest) {
                lf->head_off += (uint32_t)left;
                break;
            }
            left -= rest;
            lf->size += it->len;
            (*lf->written)++;
            free(it->buf);
            lf->head = (lf->head + 1) % lf->cap;
            lf->n--;
            lf->head_off = 0;
        }
    }
    lfile_episode_end(o, lf);
}

/* The end: what is still queued is lost; a record cut part-way is cut off the file. */
static void
lfile_abandon(struct live_out *o, struct lfile *lf)
{
    if (lf->n && lf->rotated)
        log_err("%s/%s-%s%s: %u records could not be written and are lost", o->dir, lf->prefix,
                lf->stamp, lf->ext, lf->n);
    else if (lf->n)
        log_err("standard output: %u records could not be written and are lost", lf->n);
    if (lf->head_off && lf->fd >= 0 && lf->rotated && ftruncate(lf->fd, (off_t)lf->size) != 0)
        log_err("%s/%s: cannot cut off a partly written record: %s", o->dir, lf->tmp,
                strerror(errno));
    while (lf->n) {
        free(lf->q[lf->head].buf);
        lf->head = (lf->head + 1) % lf->cap;
        lf->n--;
        (*lf->lost)++;
    }
    lf->head_off = 0;
    free(lf->q);
    lf->q = NULL;
}

/* ---- active connections (for late socket readers) ---- */

static size_t
act_slot(const struct live_out *o, uint64_t id)
{
    id ^= id >> 33;
    id *= 0xff51afd7ed558ccdull;
    id ^= id >> 33;
    return (size_t)(id & (o->act_buckets - 1));
}

static void
act_remove(struct live_out *o, uint64_t id)
{
    if (!o->act_buckets)
        return;
    struct active **pp = &o->act[act_slot(o, id)];
    while (*pp && (*pp)->conn_id != id)
        pp = &(*pp)->next;
    if (*pp) {
        struct active *a = *pp;
        *pp = a->next;
        free(a);
        o->act_n--;
    }
}

static void
act_put(struct live_out *o, uint64_t id, const char *line, size_t len)
{
    if (o->act_n >= o->act_buckets) {
        size_t nb = o->act_buckets ? o->act_buckets * 2 : 1024;
        struct active **na = calloc(nb, sizeof(*na));
        if (!na)
            return; /* a late reader misses this one: counted as not remembered below */
        struct active **old = o->act;
        size_t ob = o->act_buckets;
        o->act = na;
        o->act_buckets = nb;
        for (size_t i = 0; i < ob; i++) {
            for (struct active *a = old[i], *nx; a; a = nx) {
                nx = a->next;
                size_t s = act_slot(o, a->conn_id);
                a->next = na[s];
                na[s] = a;
            }
        }
        free(old);
    }
    act_remove(o, id);
    struct active *a = malloc(sizeof(*a) + len);
    if (!a)
        return;
    a->conn_id = id;
    a->len = len;
    memcpy(a->line, line, len);
    size_t s = act_slot(o, id);
    a->next = o->act[s];
    o->act[s] = a;
    o->act_n++;
}

void
live_out_each_active(const struct live_out *o, void (*fn)(void *ctx, const char *line, size_t len),
                     void *ctx)
{
    for (size_t i = 0; i < o->act_buckets; i++)
        for (const struct active *a = o->act[i]; a; a = a->next)
            fn(ctx, a->line, a->len);
}

/* ---- the sink ---- */

/* jw's object as one line with its newline in o->line; its length, 0 when it failed. */
static size_t
take_line(struct live_out *o)
{
    if (o->jw.failed)
        return 0;
    if (o->jw.len + 2 > o->line_cap) {
        size_t nc = (o->jw.len + 2) * 2;
        char *nl = realloc(o->line, nc);
        if (!nl)
            return 0;
        o->line = nl;
        o->line_cap = nc;
    }
    memcpy(o->line, o->jw.buf, o->jw.len);
    o->line[o->jw.len] = '\n';
    return o->jw.len + 1;
}

static void
put_line(struct live_out *o, int kind, size_t len)
{
    if (o->dirfd >= 0)
        lfile_push(o, &o->jsonl, o->line, len);
    if (o->json_stdout)
        lfile_push(o, &o->out, o->line, len);
    if (o->tap.line)
        o->tap.line(o->tap.ctx, kind, o->line, len);
    o->rst.records_json++;
}

#define SMF_END_US (7258118400ull * 1000000) /* 2200-01-01: SMF dates end there */

/* SMF: only for records that have an SMF form (records.c's rules, counted the same way). */
static void
put_smf(struct live_out *o, bool json_only, const uint64_t t[3], size_t n, bool lossy)
{
    if (json_only) {
        o->rst.records_json_only++;
        return;
    }
    for (int i = 0; i < 3; i++) {
        if (t[i] >= SMF_END_US) {
            o->rst.records_smf_out_of_range++;
            return;
        }
    }
    if (n == 0) {
        o->rst.records_smf_too_big++;
        return;
    }
    if (lossy)
        o->rst.records_smf_lossy++;
    o->rst.records_smf++;
    if (o->dirfd >= 0)
        lfile_push(o, &o->smf, o->smfbuf, n);
}

static int
sink_detail(void *ctx, const struct zert_detail *d)
{
    struct live_out *o = ctx;
    if (o->shutdown && (d->event == ZERT_EV_TERM || d->event == ZERT_EV_SHORT_TERM) &&
        !strcmp(d->end_reason, "end_of_capture")) {
        *o->scratch = *d;
        snprintf(o->scratch->end_reason, sizeof(o->scratch->end_reason), "shutdown");
        d = o->scratch;
    }
    emit_json_build_detail(&o->jw, d);
    size_t len = take_line(o);
    if (len) {
        if (d->event == ZERT_EV_INIT)
            act_put(o, d->conn_id, o->line, len);
        else if (d->event == ZERT_EV_TERM || d->event == ZERT_EV_SHORT_TERM)
            act_remove(o, d->conn_id);
        put_line(o, LIVE_KIND_DETAIL, len);
    }
    bool lossy = false;
    const uint64_t t[3] = {d->time_us, d->start_us, d->end_us};
    size_t n = d->json_only
                   ? 0
                   : emit_smf_build_detail(&o->smf_conf, d, o->smfbuf, sizeof(o->smfbuf), &lossy);
    put_smf(o, d->json_only, t, n, lossy);
    return 0;
}

static int
sink_summary(void *ctx, const struct zert_summary *s)
{
    struct live_out *o = ctx;
    emit_json_build_summary(&o->jw, s);
    size_t len = take_line(o);
    if (len)
        put_line(o, LIVE_KIND_SUMMARY, len);
    bool lossy = false;
    const uint64_t t[3] = {s->time_us, s->interval_start_us, s->interval_end_us};
    size_t n = s->json_only
                   ? 0
                   : emit_smf_build_summary(&o->smf_conf, s, o->smfbuf, sizeof(o->smfbuf), &lossy);
    put_smf(o, s->json_only, t, n, lossy);
    return 0;
}

struct zert_sink
live_out_sink(struct live_out *o)
{
    return (struct zert_sink){
        .ctx = o,
        .detail = o->conf->detail ? sink_detail : NULL,
        .summary = o->conf->summary ? sink_summary : NULL,
    };
}

/* ---- the whole ---- */

static void
schedule(struct live_out *o, uint64_t now_us)
{
    uint64_t iv = (uint64_t)o->conf->daemon.rotate_interval_s * 1000000u;
    o->next_rotate_us = iv ? (now_us / iv + 1) * iv : 0;
}

struct live_out *
live_out_new(const char *dir, bool json_stdout, const struct conf *conf, uint64_t now_us, char *err,
             size_t errlen)
{
    struct live_out *o = calloc(1, sizeof(*o));
    if (!o || !(o->scratch = malloc(sizeof(*o->scratch)))) {
        free(o);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    o->conf = conf;
    o->dirfd = -1;
    o->json_stdout = json_stdout;
    jw_init(&o->jw);
    emit_smf_conf_init(&o->smf_conf);
    uint32_t cap = conf->daemon.output_queue;
    lfile_init(&o->jsonl, "records", ".jsonl", true, cap, &o->st.records_jsonl_written,
               &o->st.records_jsonl_not_written);
    lfile_init(&o->smf, "zert", ".smf", true, cap, &o->st.records_smf_written,
               &o->st.records_smf_not_written);
    static uint64_t stdout_written; /* not a --stats counter: the reader of the pipe counts */
    lfile_init(&o->out, "stdout", "", false, cap, &stdout_written,
               &o->st.records_stdout_not_written);
    if (emit_smf_tz_parse(&o->smf_conf.tz, conf->timezone, err, errlen) != 0)
        goto fail;
    if (dir) {
        snprintf(o->dir, sizeof(o->dir), "%s", dir);
        o->dirfd = outfile_dir_open(dir, err, errlen);
        if (o->dirfd < 0)
            goto fail;
        /* the first pair now, so that a directory we cannot write stops the start-up */
        if (lfile_open(o, &o->jsonl, now_us) != 0 || lfile_open(o, &o->smf, now_us) != 0) {
            snprintf(err, errlen, "%s: cannot create an output file: %s", dir, strerror(errno));
            goto fail;
        }
    }
    schedule(o, now_us);
    return o;
fail:
    if (o->jsonl.fd >= 0) {
        close(o->jsonl.fd);
        unlinkat(o->dirfd, o->jsonl.tmp, 0);
    }
    if (o->dirfd >= 0)
        close(o->dirfd);
    jw_fini(&o->jw);
    free(o->scratch);
    free(o);
    return NULL;
}

void
live_out_set_tap(struct live_out *o, const struct live_out_tap *tap)
{
    o->tap = *tap;
}

void
live_out_set_conf(struct live_out *o, const struct conf *conf)
{
    o->conf = conf;
}

void
live_out_set_shutdown(struct live_out *o)
{
    o->shutdown = true;
}

static uint64_t
wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void
live_out_flush(struct live_out *o)
{
    uint64_t now = wall_us();
    if (o->dirfd >= 0) {
        lfile_flush(o, &o->jsonl, now);
        lfile_flush(o, &o->smf, now);
        uint64_t rs = o->conf->daemon.rotate_size;
        if (rs && o->jsonl.size >= rs)
            o->rotate_due = true;
    }
    if (o->json_stdout)
        lfile_flush(o, &o->out, now);
}

static void
rotate_now(struct live_out *o, uint64_t now_us)
{
    lfile_publish(o, &o->jsonl);
    lfile_publish(o, &o->smf);
    o->rotate_due = false;
    /* the new pair is created when its first record comes (or at once if it can be) */
    if (lfile_open(o, &o->jsonl, now_us) != 0)
        o->jsonl.fd = -1;
    if (lfile_open(o, &o->smf, now_us) != 0)
        o->smf.fd = -1;
}

void
live_out_rotate(struct live_out *o, uint64_t now_us)
{
    if (o->dirfd < 0)
        return;
    o->rotate_due = true;
    live_out_tick(o, now_us);
}

void
live_out_tick(struct live_out *o, uint64_t now_us)
{
    live_out_flush(o);
    if (o->dirfd < 0)
        return;
    if (o->next_rotate_us && now_us >= o->next_rotate_us) {
        o->rotate_due = true;
        schedule(o, now_us);
    }
    /* records queued belong to the files open now: rotate once they are written */
    if (o->rotate_due && o->jsonl.n == 0 && o->smf.n == 0)
        rotate_now(o, now_us);
}

void
live_out_get_stats(const struct live_out *o, struct live_out_stats *s)
{
    *s = o->st;
    s->active_init_lines = o->act_n;
}

void
live_out_get_records_stats(const struct live_out *o, struct records_stats *s)
{
    *s = o->rst;
}

int
live_out_close(struct live_out *o, unsigned grace_ms, struct live_out_stats *final)
{
    if (!o)
        return 0;
    uint64_t until = wall_us() + (uint64_t)grace_ms * 1000u;
    for (;;) {
        live_out_flush(o);
        if ((o->jsonl.n | o->smf.n | o->out.n) == 0 || wall_us() >= until)
            break;
        struct timespec ts = {0, 100 * 1000000};
        nanosleep(&ts, NULL);
    }
    lfile_abandon(o, &o->jsonl);
    lfile_abandon(o, &o->smf);
    lfile_abandon(o, &o->out);
    if (o->dirfd >= 0) {
        lfile_publish(o, &o->jsonl);
        lfile_publish(o, &o->smf);
        close(o->dirfd);
    }
    uint64_t lost = o->st.records_jsonl_not_written + o->st.records_smf_not_written +
                    o->st.records_stdout_not_written;
    if (final)
        live_out_get_stats(o, final);
    for (size_t i = 0; i < o->act_buckets; i++)
        for (struct active *a = o->act[i], *nx; a; a = nx) {
            nx = a->next;
            free(a);
        }
    free(o->act);
    free(o->line);
    free(o->scratch);
    jw_fini(&o->jw);
    free(o);
    return lost ? -1 : 0;
}
