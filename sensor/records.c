/* records.c - -o DIR: zERT records to DIR/records.jsonl and DIR/zert.smf (RDW or VBS); -o -:
 * the JSON Lines alone, to standard output. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../conf/conf.h"
#include "../emit/emit_json.h"
#include "../emit/emit_smf.h"
#include "../emit/json_writer.h"
#include "outfile.h"
#include "records.h"

/*
 * The writer thread. Building the JSON and SMF forms of a record and writing them was a third
 * of the records job's time (bench/README.md); the sink copies each record into a bounded ring
 * and one thread serialises and writes them, in the order they came, while the capture thread
 * goes on. A full ring makes the sink wait (nothing is dropped). Counters and the first write
 * error are published under the lock; records_close drains the ring and joins the thread.
 */
/*
 * Records in flight: 512 x about 7 KiB, touched only as far as a burst reaches. Records come in
 * bursts (an interval boundary writes every living session's summary at once): on the bench
 * capture a ring of 32 made the capture thread wait 1 070 times, 256 11 times, 512 never. A
 * full ring waits (records_queue_waits in --stats), it never drops.
 */
#define RECORDS_RING 512

struct records_item {
    bool summary;
    union {
        struct zert_detail d;
        struct zert_summary s;
    } u;
};

struct records {
    const struct conf *conf;
    int dirfd;                /* DIR, never through a link */
    struct outfile jsonl_out; /* DIR/records.jsonl, written as a temporary file until closed */
    struct outfile smf_out;   /* DIR/zert.smf, likewise */
    FILE *jsonl;
    FILE *smf_file;
    struct emit_smf_writer smf;
    struct emit_smf_conf smf_conf;
    struct json_writer jw;
    uint8_t buf[SMF_MAX_RECORD];
    struct records_stats st; /* the writer's own (the writer thread's, when there is one) */
    /* the writer thread: ring[head..tail) waiting, under lock */
    bool threaded;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t more, room;
    struct records_item *ring;
    unsigned head, tail; /* counts; the slot is % RECORDS_RING */
    bool closing;
    bool writer_waits, sink_waits; /* who sleeps on `more` / `room`: signalled only then */
    bool failed;                   /* a write failed (sticky) */
    struct records_stats st_pub;   /* st as of the last record written */
    uint64_t queue_waits;          /* the sink's own (under lock) */
};

static bool writer_start(struct records *r);

int
records_check_timezone(const char *tz, char *err, size_t errlen)
{
    struct smf_tz parsed;
    return emit_smf_tz_parse(&parsed, tz, err, errlen);
}

struct records *
records_open(const char *dir, const struct conf *conf, char *err, size_t errlen)
{
    struct records *r = calloc(1, sizeof(*r));
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->conf = conf;
    r->dirfd = -1;
    jw_init(&r->jw);
    emit_smf_conf_init(&r->smf_conf);
    r->smf_conf.zos25 = conf->smf_zos25;
    snprintf(r->smf_conf.sid, sizeof(r->smf_conf.sid), "%s", conf->smf_sid);
    if (emit_smf_tz_parse(&r->smf_conf.tz, conf->timezone, err, errlen) != 0)
        goto fail;
    if (strcmp(dir, "-") == 0) {
        /* -o -: JSON Lines on standard output, as tcpdump's -w -; no SMF file */
        r->jsonl = stdout;
        writer_start(r);
        return r;
    }
    r->dirfd = outfile_dir_open(dir, err, errlen);
    if (r->dirfd < 0)
        goto fail;
    if (outfile_open_at(&r->jsonl_out, r->dirfd, dir, "records.jsonl", err, errlen) != 0)
        goto fail;
    r->jsonl = r->jsonl_out.f;
    if (outfile_open_at(&r->smf_out, r->dirfd, dir, "zert.smf", err, errlen) != 0)
        goto fail;
    r->smf_file = r->smf_out.f;
    if (emit_smf_writer_init(&r->smf, r->smf_file,
                             conf->smf_format == CONF_SMF_VBS ? EMIT_SMF_VBS : EMIT_SMF_RDW,
                             conf->vbs_block_size, err, errlen) != 0)
        goto fail;
    writer_start(r);
    return r;
fail:
    if (r->jsonl)
        outfile_discard(&r->jsonl_out);
    if (r->smf_file)
        outfile_discard(&r->smf_out);
    if (r->dirfd >= 0)
        close(r->dirfd);
    jw_fini(&r->jw);
    free(r);
    return NULL;
}

static int
put_smf(struct records *r, size_t len, bool lossy)
{
    if (len == 0) {
        r->st.records_smf_too_big++;
        return 0; /* counted; the JSON line still carries the record */
    }
    if (lossy)
        r->st.records_smf_lossy++;
    r->st.records_smf++;
    return emit_smf_writer_put(&r->smf, r->buf, len);
}

/* SMF dates are 0cyydddF: 1900 to 2199. A record outside them has no SMF form (counted). */
#define SMF_END_US (7258118400ull * 1000000) /* 2200-01-01 */

static bool
smf_time_ok(uint64_t us)
{
    return us < SMF_END_US;
}

/* No SMF form: an extension record (JSON only), or times SMF dates cannot hold. */
static bool
json_only(struct records *r, bool ext, const uint64_t *times, int n)
{
    if (ext) {
        r->st.records_json_only++;
        return true;
    }
    for (int i = 0; i < n; i++) {
        if (!smf_time_ok(times[i])) {
            r->st.records_smf_out_of_range++;
            return true;
        }
    }
    return false;
}

static int
write_detail(struct records *r, const struct zert_detail *d)
{
    bool lossy = false;
    int rc = emit_json_write_detail(&r->jw, r->jsonl, d);
    r->st.records_json++;
    const uint64_t t[] = {d->time_us, d->start_us, d->end_us};
    if (!r->smf_file || json_only(r, d->json_only, t, 3))
        return rc;
    size_t n = emit_smf_build_detail(&r->smf_conf, d, r->buf, sizeof(r->buf), &lossy);
    if (put_smf(r, n, lossy) != 0)
        rc = -1;
    return rc;
}

static int
write_summary(struct records *r, const struct zert_summary *s)
{
    bool lossy = false;
    int rc = emit_json_write_summary(&r->jw, r->jsonl, s);
    r->st.records_json++;
    const uint64_t t[] = {s->time_us, s->interval_start_us, s->interval_end_us};
    if (!r->smf_file || json_only(r, s->json_only, t, 3))
        return rc;
    size_t n = emit_smf_build_summary(&r->smf_conf, s, r->buf, sizeof(r->buf), &lossy);
    if (put_smf(r, n, lossy) != 0)
        rc = -1;
    return rc;
}

/* The writer wakes when this many records wait, at close, or after RECORDS_WAKE_MS. */
#define RECORDS_WAKE_BATCH (RECORDS_RING / 4)
#define RECORDS_WAKE_MS    100

static void *
writer_main(void *arg)
{
    struct records *r = arg;
    pthread_mutex_lock(&r->lock);
    for (;;) {
        while (r->head == r->tail && !r->closing) {
            /* a sleep bounded in time: a record waits at most RECORDS_WAKE_MS (a slow pipe) */
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += RECORDS_WAKE_MS * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            r->writer_waits = true;
            pthread_cond_timedwait(&r->more, &r->lock, &until);
            r->writer_waits = false;
        }
        if (r->head == r->tail)
            break; /* closing, and nothing left */
        /* the records from head to tail are the writer's until head moves past them */
        unsigned first = r->head, n = r->tail - r->head;
        pthread_mutex_unlock(&r->lock);
        bool failed = false;
        for (unsigned i = 0; i < n; i++) {
            struct records_item *it = &r->ring[(first + i) % RECORDS_RING];
            if ((it->summary ? write_summary(r, &it->u.s) : write_detail(r, &it->u.d)) != 0)
                failed = true;
        }
        pthread_mutex_lock(&r->lock);
        if (failed)
            r->failed = true;
        r->st_pub = r->st;
        r->head += n;
        if (r->sink_waits)
            pthread_cond_signal(&r->room);
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

/* Start the writer; false (and the records are written inline) when a thread cannot be had. */
static bool
writer_start(struct records *r)
{
    r->ring = malloc(RECORDS_RING * sizeof(*r->ring));
    if (!r->ring)
        return false;
    if (pthread_mutex_init(&r->lock, NULL) != 0)
        goto no_lock;
    if (pthread_cond_init(&r->more, NULL) != 0)
        goto no_more;
    if (pthread_cond_init(&r->room, NULL) != 0)
        goto no_room;
    /* signals stay with the capture thread: its poll() on a pipe must see SIGINT/SIGTERM */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&r->thread, NULL, writer_main, r);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc == 0) {
        r->threaded = true;
        return true;
    }
    pthread_cond_destroy(&r->room);
no_room:
    pthread_cond_destroy(&r->more);
no_more:
    pthread_mutex_destroy(&r->lock);
no_lock:
    free(r->ring);
    r->ring = NULL;
    return false;
}

/* Drain the ring and join the writer (before the files are flushed and closed). */
static void
writer_stop(struct records *r)
{
    if (!r->threaded)
        return;
    pthread_mutex_lock(&r->lock);
    r->closing = true;
    pthread_cond_signal(&r->more);
    pthread_mutex_unlock(&r->lock);
    pthread_join(r->thread, NULL);
    pthread_cond_destroy(&r->room);
    pthread_cond_destroy(&r->more);
    pthread_mutex_destroy(&r->lock);
    free(r->ring);
    r->ring = NULL;
    r->threaded = false;
}

/* A free slot of the ring (waiting for one), to fill and then hand over with enqueue_done. */
static struct records_item *
enqueue_slot(struct records *r)
{
    pthread_mutex_lock(&r->lock);
    if (r->tail - r->head == RECORDS_RING)
        r->queue_waits++;
    while (r->tail - r->head == RECORDS_RING) {
        r->sink_waits = true;
        pthread_cond_wait(&r->room, &r->lock);
        r->sink_waits = false;
    }
    struct records_item *it = &r->ring[r->tail % RECORDS_RING];
    pthread_mutex_unlock(&r->lock);
    return it;
}

/* -1 once a write has failed, as the inline sink returns it. */
static int
enqueue_done(struct records *r)
{
    pthread_mutex_lock(&r->lock);
    r->tail++;
    bool failed = r->failed;
    if (r->writer_waits && r->tail - r->head >= RECORDS_WAKE_BATCH)
        pthread_cond_signal(&r->more);
    pthread_mutex_unlock(&r->lock);
    return failed ? -1 : 0;
}

/*
 * Hand record `rec` (a detail or a summary, `size` bytes) to the writer. The slot at tail is this
 * thread's (only it moves tail): the record was built there (detail_slot/summary_slot), or it is
 * copied there.
 */
static int
enqueue_record(struct records *r, const void *rec, size_t size, bool summary)
{
    struct records_item *it = &r->ring[r->tail % RECORDS_RING];
    if (rec != (const void *)&it->u) {
        it = enqueue_slot(r);
        memcpy(&it->u, rec, size);
    }
    it->summary = summary;
    return enqueue_done(r);
}

static int
sink_detail(void *ctx, const struct zert_detail *d)
{
    struct records *r = ctx;
    if (!r->threaded)
        return write_detail(r, d);
    return enqueue_record(r, d, sizeof(*d), false);
}

/* The slot the next record goes to: the zERT layer builds it there (struct zert_sink). */
static struct zert_detail *
slot_detail(void *ctx)
{
    struct records *r = ctx;
    return r->threaded ? &enqueue_slot(r)->u.d : NULL;
}

static struct zert_summary *
slot_summary(void *ctx)
{
    struct records *r = ctx;
    return r->threaded ? &enqueue_slot(r)->u.s : NULL;
}

static int
sink_summary(void *ctx, const struct zert_summary *s)
{
    struct records *r = ctx;
    if (!r->threaded)
        return write_summary(r, s);
    return enqueue_record(r, s, sizeof(*s), true);
}

void
records_get_stats(const struct records *r, struct records_stats *s)
{
    if (!r) {
        memset(s, 0, sizeof(*s));
        return;
    }
    if (!r->threaded) {
        *s = r->st;
        return;
    }
    /* every record handed over so far is written first: the counts are exact at this call */
    struct records *w = (struct records *)r; /* the ring drains; the records do not change */
    pthread_mutex_lock(&w->lock);
    while (w->head != w->tail) {
        pthread_cond_signal(&w->more);
        w->sink_waits = true;
        pthread_cond_wait(&w->room, &w->lock);
        w->sink_waits = false;
    }
    *s = w->st_pub;
    s->records_queue_waits = w->queue_waits;
    pthread_mutex_unlock(&w->lock);
}

struct zert_sink
records_sink(struct records *r)
{
    struct zert_sink s = {
        .ctx = r,
        .detail = r->conf->detail ? sink_detail : NULL,
        .summary = r->conf->summary ? sink_summary : NULL,
        .detail_slot = slot_detail,
        .summary_slot = slot_summary,
    };
    return s;
}

int
records_close(struct records *r, char *err, size_t errlen)
{
    if (!r)
        return 0;
    writer_stop(r);
    int rc = 0;
    if (r->jsonl == stdout) {
        if (fflush(stdout) != 0 || ferror(stdout)) {
            snprintf(err, errlen, "writing the records to standard output: %s", strerror(errno));
            rc = -1;
        }
        jw_fini(&r->jw);
        free(r);
        return rc;
    }
    if (emit_smf_writer_flush(&r->smf) != 0) {
        snprintf(err, errlen, "writing zert.smf: %s", strerror(errno));
        rc = -1;
    }
    emit_smf_writer_fini(&r->smf);
    char e2[256];
    if (outfile_close(&r->smf_out, rc == 0 ? err : e2, rc == 0 ? errlen : sizeof(e2)) != 0)
        rc = -1;
    if (outfile_close(&r->jsonl_out, rc == 0 ? err : e2, rc == 0 ? errlen : sizeof(e2)) != 0)
        rc = -1;
    /* the two files hold the same records: both are renamed into place, or neither */
    if (rc == 0 && outfile_publish(&r->jsonl_out, err, errlen) != 0) {
        outfile_discard(&r->smf_out);
        rc = -1;
    }
    if (rc == 0 && outfile_publish(&r->smf_out, err, errlen) != 0)
        rc = -1;
    if (rc != 0) {
        outfile_discard(&r->jsonl_out);
        outfile_discard(&r->smf_out);
    }
    if (rc == 0 && r->st.records_smf_too_big) {
        snprintf(err, errlen, "%llu records did not fit an SMF record and are only in JSON",
                 (unsigned long long)r->st.records_smf_too_big);
        rc = 1; /* a warning, not a failure */
    }
    close(r->dirfd);
    jw_fini(&r->jw);
    free(r);
    return rc;
}

void
records_discard(struct records *r)
{
    if (!r)
        return;
    writer_stop(r);
    if (r->jsonl == stdout) {
        jw_fini(&r->jw);
        free(r);
        return;
    }
    emit_smf_writer_fini(&r->smf);
    outfile_discard(&r->jsonl_out);
    outfile_discard(&r->smf_out);
    close(r->dirfd);
    jw_fini(&r->jw);
    free(r);
}
