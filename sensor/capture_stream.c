/* capture_stream.c - the bytes of a capture file: plain, gzip, xz or zstd, from a file or stdin. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "../dissectors/cursor.h"
#include "capture_stream.h"

#define STREAM_BUF_INIT (1u << 20) /* decompressed bytes held; grows to the largest record */
#define STREAM_IN_SIZE  (1u << 18) /* compressed bytes read at once */

/*
 * A plain regular file is mapped whole instead of read: read() copied every byte from the page
 * cache, 15 % of the capture thread's time on the bench capture (bench/README.md). A prefetch
 * thread keeps the next STREAM_MAP_AHEAD bytes in the page tables and drops what lies more than
 * STREAM_MAP_BEHIND behind the read position, so the process holds a few MiB of the file (its
 * resident pages count in its RSS) and the capture thread neither copies nor faults. The file
 * is read as large as it was when opened (bytes appended later are not read).
 */
#define STREAM_MAP_AHEAD  (4u << 20)
#define STREAM_MAP_BEHIND (1u << 20)
#define STREAM_MAP_STEP   (1u << 20) /* the read position is published this often */

enum compression { COMP_NONE, COMP_GZIP, COMP_XZ, COMP_ZSTD };

struct cap_stream {
    int fd;
    bool own_fd;
    enum compression comp;
    /* decompressed data: buf[pos, end) is available; `off` is the stream offset of buf[pos] */
    uint8_t *buf;
    size_t cap, pos, end;
    uint64_t off;
    bool eof;      /* no more data will come (end, or an error in err) */
    bool pollable; /* a pipe or terminal: wait with poll() (cap_stream_stop_on) */
    char err[160];
    /* compressed input (and, for plain data, the bytes read to find the magic) */
    uint8_t *in;
    size_t in_pos, in_end;
    bool in_eof;
    z_stream z;
    bool z_ready;
    lzma_stream lz;
    bool lz_ready;
    ZSTD_DStream *zs;
    size_t zs_pending; /* ZSTD_decompressStream's last hint: 0 at a frame's end */
    /* a mapped plain file: map[0, map_len) is the file (file_size bytes at open); `off` is the
     * read position */
    uint8_t *map;
    size_t map_len;
    uint64_t file_size;
    uint64_t page; /* the page size (sysconf is no call for a signal handler) */
    bool mapped;
    /* the prefetcher: pf_at is the read position as last published (under pf_lock) */
    pthread_t pf_thread;
    pthread_mutex_t pf_lock;
    pthread_cond_t pf_more;
    uint64_t pf_at, pf_mark;
    _Atomic uint64_t shrunk_to; /* the prefetcher saw the file this small (UINT64_MAX: not) */
    bool pf_running, pf_stop;
    /* set by the SIGBUS handler, in whichever thread faulted (lock-free atomics) */
    _Atomic int map_lost;        /* the file shrank under the map */
    _Atomic uint64_t lost_from;  /* the first byte the handler replaced by zeros */
    bool shrunk;                 /* the file shrank: file_size is what is left */
    bool lost_seen;              /* map_lost taken into file_size */
    struct cap_stream *map_next; /* the mapped streams, for the SIGBUS handler */
};

static const volatile sig_atomic_t *stop_flag;

void
cap_stream_stop_on(const volatile sig_atomic_t *flag)
{
    stop_flag = flag;
}

static bool
stop_requested(void)
{
    return stop_flag && *stop_flag;
}

/* Before a read of a pipe or terminal: false when the program asked to stop while waiting. */
static bool
wait_readable(const struct cap_stream *s)
{
    if (!s->pollable || !stop_flag)
        return !stop_requested();
    struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
    while (!stop_requested()) {
        int n = poll(&pfd, 1, -1);
        if (n > 0 || (n < 0 && errno != EINTR))
            return true; /* readable, or let read() say what is wrong */
    }
    return false;
}

static void set_error(struct cap_stream *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
set_error(struct cap_stream *s, const char *fmt, ...)
{
    if (!s->err[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->err, sizeof(s->err), fmt, ap);
        va_end(ap);
    }
    s->eof = true;
}

/* At least `k` bytes of compressed input at in_pos (k is small); false at its end or on error. */
static bool
raw_need(struct cap_stream *s, size_t k)
{
    if (s->in_end - s->in_pos >= k)
        return true;
    memmove(s->in, s->in + s->in_pos, s->in_end - s->in_pos);
    s->in_end -= s->in_pos;
    s->in_pos = 0;
    while (s->in_end < k && !s->in_eof) {
        if (!wait_readable(s)) {
            s->in_eof = true; /* stopped: the data ends here */
            break;
        }
        ssize_t n = read(s->fd, s->in + s->in_end, STREAM_IN_SIZE - s->in_end);
        if (n > 0) {
            s->in_end += (size_t)n;
        } else if (n == 0) {
            s->in_eof = true;
        } else if (errno != EINTR) {
            set_error(s, "read error: %s", strerror(errno));
            s->in_eof = true;
        }
    }
    return s->in_end - s->in_pos >= k;
}

static size_t
produce_plain(struct cap_stream *s, uint8_t *dst, size_t room)
{
    if (s->in_pos < s->in_end) { /* the bytes read to look for a magic number */
        size_t n = s->in_end - s->in_pos;
        if (n > room)
            n = room;
        memcpy(dst, s->in + s->in_pos, n);
        s->in_pos += n;
        return n;
    }
    while (!s->in_eof) {
        if (!wait_readable(s)) {
            s->in_eof = true;
            break;
        }
        ssize_t n = read(s->fd, dst, room);
        if (n > 0)
            return (size_t)n;
        if (n == 0) {
            s->in_eof = true;
        } else if (errno != EINTR) {
            set_error(s, "read error: %s", strerror(errno));
            s->in_eof = true;
        }
    }
    return 0;
}

static size_t
produce_gzip(struct cap_stream *s, uint8_t *dst, size_t room)
{
    if (room > UINT32_MAX)
        room = UINT32_MAX;
    s->z.next_out = dst;
    s->z.avail_out = (uInt)room;
    while (s->z.avail_out > 0) {
        if (!raw_need(s, 1)) {
            set_error(s, "%s: unexpected end of compressed data", "gzip");
            break;
        }
        s->z.next_in = s->in + s->in_pos;
        s->z.avail_in = (uInt)(s->in_end - s->in_pos);
        int rc = inflate(&s->z, Z_NO_FLUSH);
        s->in_pos = s->in_end - s->z.avail_in;
        if (rc == Z_STREAM_END) {
            /* another member may follow (gzip -c a b); anything else after one is ignored */
            if (raw_need(s, 2)) {
                struct cursor m = cur_init(s->in + s->in_pos, s->in_end - s->in_pos);
                if (cur_get_u8(&m) == 0x1f && cur_get_u8(&m) == 0x8b) {
                    inflateReset(&s->z);
                    continue;
                }
            }
            s->eof = true;
            break;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            set_error(s, "gzip: %s", s->z.msg ? s->z.msg : "corrupt data");
            break;
        }
    }
    return room - s->z.avail_out;
}

static size_t
produce_xz(struct cap_stream *s, uint8_t *dst, size_t room)
{
    s->lz.next_out = dst;
    s->lz.avail_out = room;
    while (s->lz.avail_out > 0) {
        if (s->lz.avail_in == 0 && raw_need(s, 1)) {
            s->lz.next_in = s->in + s->in_pos;
            s->lz.avail_in = s->in_end - s->in_pos;
            s->in_pos = s->in_end; /* held by lz until avail_in is 0 again */
        }
        lzma_ret rc = lzma_code(&s->lz, s->lz.avail_in == 0 ? LZMA_FINISH : LZMA_RUN);
        if (rc == LZMA_OK)
            continue;
        if (rc == LZMA_STREAM_END)
            s->eof = true;
        else if (rc == LZMA_MEMLIMIT_ERROR)
            set_error(s, "%s: the data needs more memory than the limit of 512 MiB", "xz");
        else if (rc == LZMA_BUF_ERROR)
            set_error(s, "%s: unexpected end of compressed data", "xz");
        else if (rc == LZMA_FORMAT_ERROR || rc == LZMA_OPTIONS_ERROR)
            set_error(s, "%s: not a supported xz stream", "xz");
        else
            set_error(s, "%s: corrupt data", "xz");
        break;
    }
    return room - s->lz.avail_out;
}

static size_t
produce_zstd(struct cap_stream *s, uint8_t *dst, size_t room)
{
    ZSTD_outBuffer out = {dst, room, 0};
    while (out.pos < out.size) {
        if (s->in_pos == s->in_end)
            raw_need(s, 1);
        ZSTD_inBuffer in = {s->in, s->in_end, s->in_pos};
        size_t out_before = out.pos, in_before = in.pos;
        size_t rc = ZSTD_decompressStream(s->zs, &out, &in);
        s->in_pos = in.pos;
        if (ZSTD_isError(rc)) {
            set_error(s, "zstd: %s", ZSTD_getErrorName(rc));
            break;
        }
        if (out.pos != out_before || in.pos != in_before) {
            s->zs_pending = rc; /* 0: a frame ended and all of it is out */
        } else if (s->in_eof) {
            if (s->zs_pending != 0)
                set_error(s, "%s: unexpected end of compressed data", "zstd");
            s->eof = true;
            break;
        }
    }
    return out.pos;
}

static size_t
produce(struct cap_stream *s, uint8_t *dst, size_t room)
{
    if (s->eof)
        return 0;
    size_t n = 0;
    switch (s->comp) {
    case COMP_NONE:
        n = produce_plain(s, dst, room);
        if (n == 0)
            s->eof = true;
        break;
    case COMP_GZIP:
        n = produce_gzip(s, dst, room);
        break;
    case COMP_XZ:
        n = produce_xz(s, dst, room);
        break;
    case COMP_ZSTD:
        n = produce_zstd(s, dst, room);
        break;
    }
    return n;
}

/* ---- mapped files ---- */

static struct cap_stream *mapped_streams; /* read by the SIGBUS handler */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2 && ATOMIC_LONG_LOCK_FREE == 2,
               "the SIGBUS handler's atomics must be lock-free (async-signal-safe)");
static struct sigaction bus_old;
static bool bus_installed;

/*
 * A mapped file that shrinks (truncated while it is read): the prefetcher checks the file's size
 * each time the reader moves on (every STREAM_MAP_STEP) and the reader then stops at the new end,
 * as at the end of a truncated file. A cut within the step the reader is in faults with SIGBUS
 * on the pages past the new end. The handler puts zero pages
 * there, so the access that faulted completes, and marks the stream: the reader goes on to the
 * file's new end (or the first zeroed page, when that is before it) and then ends the data with
 * an error, as for a truncated file.
 * Bytes from the new end of the file to the end of its page read as zeros without a fault (what
 * mmap gives): the reader reads a byte of the page after the bytes it hands out first
 * (map_check_end), so that zeros are never taken for data.
 * A fault outside every map is not ours: the previous disposition takes it.
 */
static void
on_sigbus(int sig, siginfo_t *si, void *uc)
{
    uint8_t *a = si->si_addr;
    for (struct cap_stream *s = mapped_streams; s; s = s->map_next) {
        if (s->map && a >= s->map && a < s->map + s->map_len) {
            uint8_t *from = (uint8_t *)((uintptr_t)a & ~(uintptr_t)(s->page - 1));
            size_t len = (size_t)(s->map + s->map_len - from);
            if (mmap(from, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
                MAP_FAILED) {
                uint64_t at = (uint64_t)(from - s->map);
                uint64_t was = atomic_load(&s->lost_from);
                while (at < was && !atomic_compare_exchange_weak(&s->lost_from, &was, at))
                    ;
                atomic_store(&s->map_lost, 1);
                return;
            }
        }
    }
    if (bus_old.sa_flags & SA_SIGINFO && bus_old.sa_sigaction) {
        bus_old.sa_sigaction(sig, si, uc);
        return;
    }
    if (bus_old.sa_handler != SIG_DFL && bus_old.sa_handler != SIG_IGN) {
        bus_old.sa_handler(sig);
        return;
    }
    signal(SIGBUS, SIG_DFL);
    raise(SIGBUS);
}

/*
 * The prefetcher: keeps the pages from the read position to STREAM_MAP_AHEAD past it in the
 * page tables (so the capture thread never takes a page fault) and drops those more than
 * STREAM_MAP_BEHIND before it (so the process holds a few MiB of the file, not all of it that
 * it has read). It is only about speed: a page it has not reached yet is faulted in by the
 * reader, one it dropped too early is read again.
 */
static void
map_populate(struct cap_stream *s, uint64_t from, uint64_t to)
{
    from &= ~(s->page - 1); /* madvise takes a page-aligned start (EINVAL otherwise) */
    if (from >= to)
        return;
#ifdef MADV_POPULATE_READ
    /* the page tables in one call (an older kernel says EINVAL: the reads below fault) */
    if (madvise(s->map + from, (size_t)(to - from), MADV_POPULATE_READ) != 0 && errno == EFAULT)
        return; /* the file shrank: the reader's SIGBUS handler takes it from here */
#endif
    /*
     * And a byte of every page read here. On the VMs this is built and measured on (a PVM
     * guest kernel), the first access of the process to each page cost about 2 us even after
     * MADV_POPULATE_READ: without these reads the capture thread paid it, a third of its time
     * (perf, bench capture). Read here, it is paid on this thread's core; elsewhere the reads
     * bring each page's first line into the shared cache.
     */
    volatile const uint8_t *m = s->map;
    for (uint64_t at = from; at < to && !atomic_load(&s->map_lost); at += s->page)
        (void)m[at];
}

static void *
prefetch_main(void *arg)
{
    struct cap_stream *s = arg;
    uint64_t page = s->page;
    uint64_t ahead = 0, dropped = 0, seen = UINT64_MAX;
    for (;;) {
        pthread_mutex_lock(&s->pf_lock);
        while (!s->pf_stop && s->pf_at == seen)
            pthread_cond_wait(&s->pf_more, &s->pf_lock);
        bool stop = s->pf_stop;
        uint64_t at = seen = s->pf_at;
        pthread_mutex_unlock(&s->pf_lock);
        if (stop)
            return NULL;
        /* a file that shrinks: the reader stops at its new end before it gets there */
        struct stat st;
        if (fstat(s->fd, &st) == 0 && (uint64_t)st.st_size < s->map_len)
            atomic_store_explicit(&s->shrunk_to, (uint64_t)st.st_size, memory_order_relaxed);
        uint64_t to = at + STREAM_MAP_AHEAD < s->map_len ? at + STREAM_MAP_AHEAD : s->map_len;
        if (ahead < (at & ~(page - 1)))
            ahead = at & ~(page - 1);
        map_populate(s, ahead, to);
        if (to > ahead)
            ahead = to;
        uint64_t drop_to = at > STREAM_MAP_BEHIND ? (at - STREAM_MAP_BEHIND) & ~(page - 1) : 0;
        if (drop_to > dropped) {
            madvise(s->map + dropped, (size_t)(drop_to - dropped), MADV_DONTNEED);
            dropped = drop_to;
        }
    }
}

static void
prefetch_start(struct cap_stream *s)
{
    if (pthread_mutex_init(&s->pf_lock, NULL) != 0)
        return;
    if (pthread_cond_init(&s->pf_more, NULL) != 0) {
        pthread_mutex_destroy(&s->pf_lock);
        return;
    }
    sigset_t all, old;
    sigfillset(&all);
    sigdelset(&all, SIGBUS); /* its own faults: the handler above */
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&s->pf_thread, NULL, prefetch_main, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        pthread_cond_destroy(&s->pf_more);
        pthread_mutex_destroy(&s->pf_lock);
        return;
    }
    s->pf_running = true;
}

static void
prefetch_stop(struct cap_stream *s)
{
    if (!s->pf_running)
        return;
    pthread_mutex_lock(&s->pf_lock);
    s->pf_stop = true;
    pthread_cond_signal(&s->pf_more);
    pthread_mutex_unlock(&s->pf_lock);
    pthread_join(s->pf_thread, NULL);
    pthread_cond_destroy(&s->pf_more);
    pthread_mutex_destroy(&s->pf_lock);
    s->pf_running = false;
}

/* Map the whole file (size `size`, > 0); false: it stays with read(). */
static bool
map_start(struct cap_stream *s, uint64_t size)
{
    if (size > SIZE_MAX)
        return false;
    void *m = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, s->fd, 0);
    if (m == MAP_FAILED)
        return false; /* no address space for it (a 32-bit build): read() */
    if (!bus_installed) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_sigaction = on_sigbus;
        sa.sa_flags = SA_SIGINFO;
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGBUS, &sa, &bus_old) != 0) {
            munmap(m, (size_t)size);
            return false;
        }
        bus_installed = true;
    }
    madvise(m, (size_t)size, MADV_SEQUENTIAL);
    s->map = m;
    s->map_len = (size_t)size;
    s->page = (uint64_t)sysconf(_SC_PAGESIZE);
    s->file_size = size;
    atomic_init(&s->lost_from, UINT64_MAX);
    atomic_init(&s->shrunk_to, UINT64_MAX);
    s->mapped = true;
    s->map_next = mapped_streams;
    mapped_streams = s;
    s->pf_mark = STREAM_MAP_STEP;
    if (size > STREAM_MAP_AHEAD)
        prefetch_start(s);
    return true;
}

static void
map_stop(struct cap_stream *s)
{
    prefetch_stop(s);
    for (struct cap_stream **pp = &mapped_streams; *pp; pp = &(*pp)->map_next) {
        if (*pp == s) {
            *pp = s->map_next;
            break;
        }
    }
    if (s->map)
        munmap(s->map, s->map_len);
    s->map = NULL;
}

/* The file is `size` bytes now: the reader stops there when that is before its old end. */
static void
map_shrink(struct cap_stream *s, uint64_t size)
{
    if (size < s->file_size) {
        s->file_size = size;
        s->shrunk = true;
    }
}

/* The handler zeroed pages of s: the file's new size (at most the first zeroed page). */
static void
map_take_loss(struct cap_stream *s)
{
    if (!atomic_load(&s->map_lost) || s->lost_seen)
        return;
    s->lost_seen = s->shrunk = true;
    struct stat st;
    uint64_t now = fstat(s->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
    uint64_t lost = atomic_load(&s->lost_from);
    map_shrink(s, now < lost ? now : lost);
}

/*
 * Are the bytes [off, end) still in the file? The bytes from a new end of the file to the end
 * of its page read as zeros without a fault, so before they are handed out the first byte of
 * the next page is read: past a new end, it faults (the handler marks the stream). In the last
 * page of the mapping there is no next page: the file's size is asked instead (the last 4 KiB
 * only). What is left is a cut made while the frame is being dissected.
 */
static void
map_check_end(struct cap_stream *s, uint64_t end)
{
    uint64_t probe = ((end - 1) & ~(s->page - 1)) + s->page;
    if (probe < s->map_len) {
        /* the page after it into the cache ahead: the read below is then never a miss (the
         * same line for every frame of a page, first read a page ahead) */
        if (probe + s->page < s->map_len)
            __builtin_prefetch(s->map + probe + s->page);
        (void)*(volatile const uint8_t *)(s->map + probe);
        map_take_loss(s);
        return;
    }
    struct stat st;
    if (fstat(s->fd, &st) == 0)
        map_shrink(s, (uint64_t)st.st_size);
}

static size_t
map_fill(struct cap_stream *s, size_t n, const uint8_t **p)
{
    map_shrink(s, atomic_load_explicit(&s->shrunk_to, memory_order_relaxed));
    map_take_loss(s);
    if (n && s->off < s->file_size)
        map_check_end(s, s->off + (n < s->file_size - s->off ? n : s->file_size - s->off));
    uint64_t left = s->off < s->file_size ? s->file_size - s->off : 0;
    size_t want = left < n ? (size_t)left : n;
    if (s->off >= s->pf_mark && s->pf_running) {
        /* every STREAM_MAP_STEP: the prefetcher moves on with the read position */
        s->pf_mark = s->off + STREAM_MAP_STEP;
        pthread_mutex_lock(&s->pf_lock);
        s->pf_at = s->off;
        pthread_cond_signal(&s->pf_more);
        pthread_mutex_unlock(&s->pf_lock);
    }
    if (s->shrunk && want < n)
        set_error(s, "the file shrank to %llu bytes while it was read",
                  (unsigned long long)s->file_size);
    static const uint8_t none[1];
    *p = want ? s->map + s->off : none;
    return want;
}

size_t
cap_stream_fill(struct cap_stream *s, size_t n, const uint8_t **p)
{
    if (s->mapped)
        return map_fill(s, n, p);
    size_t have = s->end - s->pos;
    if (have < n && !s->eof) {
        if (n > s->cap - s->pos) {
            memmove(s->buf, s->buf + s->pos, have);
            s->pos = 0;
            s->end = have;
        }
        if (n > s->cap) {
            size_t ncap = s->cap * 2 > n ? s->cap * 2 : n;
            uint8_t *nb = realloc(s->buf, ncap);
            if (!nb) {
                set_error(s, "%s", "out of memory");
                *p = s->buf + s->pos;
                return have;
            }
            s->buf = nb;
            s->cap = ncap;
        }
        while (s->end - s->pos < n) {
            size_t got = produce(s, s->buf + s->end, s->cap - s->end);
            if (got == 0)
                break;
            s->end += got;
        }
        have = s->end - s->pos;
    }
    *p = s->buf + s->pos;
    return have < n ? have : n;
}

void
cap_stream_consume(struct cap_stream *s, size_t n)
{
    s->pos += n;
    s->off += n;
}

uint64_t
cap_stream_skip(struct cap_stream *s, uint64_t n)
{
    if (s->mapped) {
        uint64_t left = s->off < s->file_size ? s->file_size - s->off : 0;
        if (n > left)
            n = left;
        s->off += n;
        return n;
    }
    uint64_t done = 0;
    while (done < n) {
        if (s->pos == s->end) {
            s->pos = s->end = 0;
            size_t got = produce(s, s->buf, s->cap);
            if (got == 0)
                break;
            s->end = got;
        }
        size_t step = s->end - s->pos;
        if (step > n - done)
            step = (size_t)(n - done);
        cap_stream_consume(s, step);
        done += step;
    }
    return done;
}

uint64_t
cap_stream_offset(const struct cap_stream *s)
{
    return s->off;
}

const char *
cap_stream_error(const struct cap_stream *s)
{
    return s->err[0] ? s->err : NULL;
}

const char *
cap_stream_compression(const struct cap_stream *s)
{
    static const char *const names[] = {NULL, "gzip", "xz", "zstd"};
    return names[s->comp];
}

static int
start_decoder(struct cap_stream *s)
{
    switch (s->comp) {
    case COMP_NONE:
        return 0;
    case COMP_GZIP:
        if (inflateInit2(&s->z, 15 + 16) != Z_OK)
            return -1;
        s->z_ready = true;
        return 0;
    case COMP_XZ:
        if (lzma_stream_decoder(&s->lz, CAP_STREAM_MAX_DECODER_MEM, LZMA_CONCATENATED) != LZMA_OK)
            return -1;
        s->lz_ready = true;
        return 0;
    case COMP_ZSTD:
        s->zs = ZSTD_createDStream();
        if (!s->zs)
            return -1;
        /* the window a frame may ask for, in the same bound as xz's dictionary */
        ZSTD_DCtx_setParameter(s->zs, ZSTD_d_windowLogMax, 29);
        s->zs_pending = 1;
        return 0;
    }
    return -1;
}

struct cap_stream *
cap_stream_open(const char *path, char *err, size_t errlen)
{
    struct cap_stream *s = calloc(1, sizeof(*s));
    if (s) {
        s->buf = malloc(STREAM_BUF_INIT);
        s->in = malloc(STREAM_IN_SIZE);
        s->cap = STREAM_BUF_INIT;
        s->lz = (lzma_stream)LZMA_STREAM_INIT;
    }
    if (!s || !s->buf || !s->in) {
        snprintf(err, errlen, "%s: out of memory", path);
        cap_stream_close(s);
        return NULL;
    }
    if (strcmp(path, "-") == 0) {
        s->fd = STDIN_FILENO;
        struct stat st;
        s->pollable = fstat(s->fd, &st) != 0 || !S_ISREG(st.st_mode);
    } else {
        s->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (s->fd < 0) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            free(s->buf);
            free(s->in);
            free(s);
            return NULL;
        }
        s->own_fd = true;
        struct stat st;
        if (fstat(s->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "%s: is a directory", path);
            cap_stream_close(s);
            return NULL;
        }
        s->pollable = fstat(s->fd, &st) == 0 && !S_ISREG(st.st_mode); /* a FIFO */
    }
    /* the first bytes say how the data is compressed */
    while (s->in_end < 6 && !s->in_eof) {
        ssize_t n = read(s->fd, s->in + s->in_end, STREAM_IN_SIZE - s->in_end);
        if (n > 0)
            s->in_end += (size_t)n;
        else if (n == 0)
            s->in_eof = true;
        else if (errno != EINTR) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            cap_stream_close(s);
            return NULL;
        }
    }
    static const uint8_t gz[] = {0x1f, 0x8b}, xz[] = {0xfd, '7', 'z', 'X', 'Z', 0x00},
                         zst[] = {0x28, 0xb5, 0x2f, 0xfd};
    struct cursor c = cur_init(s->in, s->in_end);
    const uint8_t *m = cur_get_bytes(&c, s->in_end);
    if (s->in_end >= sizeof(gz) && memcmp(m, gz, sizeof(gz)) == 0)
        s->comp = COMP_GZIP;
    else if (s->in_end >= sizeof(xz) && memcmp(m, xz, sizeof(xz)) == 0)
        s->comp = COMP_XZ;
    else if (s->in_end >= sizeof(zst) && memcmp(m, zst, sizeof(zst)) == 0)
        s->comp = COMP_ZSTD;
    struct stat st;
    if (s->comp == COMP_NONE && s->own_fd && fstat(s->fd, &st) == 0 && S_ISREG(st.st_mode) &&
        st.st_size > 0 && map_start(s, (uint64_t)st.st_size)) {
        free(s->buf); /* the map holds the bytes */
        s->buf = NULL;
        s->cap = 0;
    }
    if (start_decoder(s) != 0) {
        snprintf(err, errlen, "%s: cannot start the %s decoder", path, cap_stream_compression(s));
        cap_stream_close(s);
        return NULL;
    }
    return s;
}

void
cap_stream_input_progress(const struct cap_stream *s, uint64_t *done, uint64_t *total)
{
    struct stat st;
    off_t at;
    *done = *total = 0;
    if (s->mapped) {
        *done = s->off;
        *total = s->file_size;
        return;
    }
    if (fstat(s->fd, &st) != 0 || !S_ISREG(st.st_mode) || (at = lseek(s->fd, 0, SEEK_CUR)) < 0)
        return;
    *done = (uint64_t)at;
    *total = (uint64_t)st.st_size;
}

void
cap_stream_close(struct cap_stream *s)
{
    if (!s)
        return;
    if (s->z_ready)
        inflateEnd(&s->z);
    if (s->lz_ready)
        lzma_end(&s->lz);
    ZSTD_freeDStream(s->zs);
    if (s->mapped)
        map_stop(s);
    if (s->own_fd)
        close(s->fd);
    free(s->buf);
    free(s->in);
    free(s);
}
