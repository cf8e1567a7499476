/* live_sock.c - the record socket: JSON Lines to local readers as records are cut. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "live_out.h"
#include "live_sock.h"
#include "log.h"

#define LIVE_SOCK_REQUEST_MAX 64 /* bytes of a request line: "detail", "summary", "both" */

struct reader {
    struct live_sock *s;
    struct bufferevent *bev;
    struct reader *next, *prev;
    uint64_t id;
    int want; /* LIVE_KIND_* bits; 0: no request yet */
};

struct live_sock {
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    int fd;
    uint64_t queue_max;
    struct event_base *base;
    struct evconnlistener *lev;
    const struct live_out *out;
    struct reader *readers;
    uint64_t next_id;
    struct live_sock_stats st;
};

struct live_sock *
live_sock_open(const char *path, unsigned mode, uid_t uid, gid_t gid, uint64_t queue_max, char *err,
               size_t errlen)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path)) {
        snprintf(err, errlen, "%s: socket path too long (%zu bytes at most)", path,
                 sizeof(sa.sun_path) - 1);
        return NULL;
    }
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            snprintf(err, errlen, "%s: exists and is not a socket: refused", path);
            return NULL;
        }
        unlink(path); /* a stale socket of an earlier run */
    }
    struct live_sock *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(s->path, sizeof(s->path), "%s", path);
    s->queue_max = queue_max;
    s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s->fd < 0) {
        snprintf(err, errlen, "%s: socket: %s", path, strerror(errno));
        free(s);
        return NULL;
    }
    /* bound with no permissions at all, then opened up: no window with the umask's */
    mode_t old = umask(0777);
    int rc = bind(s->fd, (struct sockaddr *)&sa, sizeof(sa));
    umask(old);
    if (rc != 0 || chmod(path, mode) != 0 ||
        ((uid != (uid_t)-1 || gid != (gid_t)-1) && lchown(path, uid, gid) != 0) ||
        listen(s->fd, 64) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (rc == 0)
            unlink(path);
        close(s->fd);
        free(s);
        return NULL;
    }
    return s;
}

static void
reader_free(struct reader *r, const char *why)
{
    struct live_sock *s = r->s;
    if (why)
        log_warn("record socket: reader %llu dropped: %s", (unsigned long long)r->id, why);
    if (r->prev)
        r->prev->next = r->next;
    else
        s->readers = r->next;
    if (r->next)
        r->next->prev = r->prev;
    bufferevent_free(r->bev);
    s->st.socket_readers--;
    free(r);
}

static void
send_active(void *ctx, const char *line, size_t len)
{
    struct reader *r = ctx;
    bufferevent_write(r->bev, line, len);
    r->s->st.socket_lines++;
}

static void
on_read(struct bufferevent *bev, void *ctx)
{
    struct reader *r = ctx;
    struct evbuffer *in = bufferevent_get_input(bev);
    char *line;
    size_t n;
    while ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_ANY)) != NULL) {
        int want = !strcmp(line, "detail")    ? LIVE_KIND_DETAIL
                   : !strcmp(line, "summary") ? LIVE_KIND_SUMMARY
                   : !strcmp(line, "both")    ? LIVE_KIND_DETAIL | LIVE_KIND_SUMMARY
                                              : 0;
        free(line);
        if (!want) {
            r->s->st.socket_readers_dropped++;
            reader_free(r, "bad request (detail, summary or both, one per line)");
            return;
        }
        bool first = r->want == 0;
        r->want = want;
        if (first && (want & LIVE_KIND_DETAIL) && r->s->out)
            live_out_each_active(r->s->out, send_active, r);
    }
    if (evbuffer_get_length(in) > LIVE_SOCK_REQUEST_MAX) {
        r->s->st.socket_readers_dropped++;
        reader_free(r, "request line too long");
    }
}

static void
on_event(struct bufferevent *bev, short what, void *ctx)
{
    struct reader *r = ctx;
    (void)bev;
    if ((what & BEV_EVENT_EOF) && r->want) {
        bufferevent_disable(r->bev, EV_READ); /* it asked and closed its side: it still reads */
        return;
    }
    reader_free(r, NULL); /* it went away */
}

static void
on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int salen, void *ctx)
{
    struct live_sock *s = ctx;
    (void)lev;
    (void)sa;
    (void)salen;
    struct reader *r = calloc(1, sizeof(*r));
    struct bufferevent *bev = r ? bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE) : NULL;
    if (!bev) {
        log_err("record socket: out of memory for a reader");
        free(r);
        close(fd);
        return;
    }
    r->s = s;
    r->bev = bev;
    r->id = ++s->next_id;
    r->next = s->readers;
    if (s->readers)
        s->readers->prev = r;
    s->readers = r;
    s->st.socket_readers++;
    s->st.socket_readers_total++;
    bufferevent_setcb(bev, on_read, NULL, on_event, r);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
}

int
live_sock_start(struct live_sock *s, struct event_base *base, const struct live_out *out, char *err,
                size_t errlen)
{
    s->base = base;
    s->out = out;
    s->lev = evconnlistener_new(base, on_accept, s, LEV_OPT_CLOSE_ON_FREE, -1, s->fd);
    if (!s->lev) {
        snprintf(err, errlen, "%s: cannot listen: %s", s->path, strerror(errno));
        return -1;
    }
    s->fd = -1; /* the listener's now */
    return 0;
}

void
live_sock_line(void *ctx, int kind, const char *line, size_t len)
{
    struct live_sock *s = ctx;
    for (struct reader *r = s->readers, *nx; r; r = nx) {
        nx = r->next;
        if (!(r->want & kind))
            continue;
        size_t queued = evbuffer_get_length(bufferevent_get_output(r->bev));
        if (queued + len > s->queue_max) {
            char why[160];
            snprintf(why, sizeof(why),
                     "too slow: %zu bytes waiting, the next %zu would pass socket_queue (%llu); "
                     "capture goes on",
                     queued, len, (unsigned long long)s->queue_max);
            s->st.socket_readers_dropped++;
            reader_free(r, why);
            continue;
        }
        bufferevent_write(r->bev, line, len);
        s->st.socket_lines++;
    }
}

void
live_sock_set_queue_max(struct live_sock *s, uint64_t queue_max)
{
    s->queue_max = queue_max;
}

void
live_sock_get_stats(const struct live_sock *s, struct live_sock_stats *st)
{
    if (s)
        *st = s->st;
    else
        memset(st, 0, sizeof(*st));
}

/* A reader's output drained while closing: it is done. */
static void
on_drained(struct bufferevent *bev, void *ctx)
{
    (void)bev;
    reader_free(ctx, NULL);
}

void
live_sock_close(struct live_sock *s, unsigned grace_ms)
{
    if (!s)
        return;
    if (s->lev)
        evconnlistener_free(s->lev);
    if (s->fd >= 0)
        close(s->fd);
    if (s->base && s->readers) {
        for (struct reader *r = s->readers, *nx; r; r = nx) {
            nx = r->next;
            if (evbuffer_get_length(bufferevent_get_output(r->bev)) == 0) {
                reader_free(r, NULL);
                continue;
            }
            bufferevent_disable(r->bev, EV_READ);
            bufferevent_setcb(r->bev, NULL, on_drained, on_event, r);
        }
        struct timeval tv = {grace_ms / 1000, (grace_ms % 1000) * 1000};
        event_base_loopexit(s->base, &tv);
        while (s->readers && event_base_loop(s->base, EVLOOP_ONCE) == 0 &&
               !event_base_got_exit(s->base))
            ;
    }
    while (s->readers)
        reader_free(s->readers, "the sensor stops: records not taken are lost");
    unlink(s->path);
    free(s);
}
