/* live_sock.h - the record socket: JSON Lines to local readers as records are cut. */
#ifndef ZS_LIVE_SOCK_H
#define ZS_LIVE_SOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct event_base;
struct live_out;
struct live_sock;

/*
 * A UNIX-domain stream socket at `path` (a stale socket there is replaced; anything else
 * refuses), permissions `mode`, owned by uid/gid when they are not -1. Bound now (before
 * privileges are dropped); readers are accepted once live_sock_start has given it its loop.
 * NULL with err.
 *
 * The protocol (docs/daemon.md): a reader sends one line, "detail", "summary" or "both"; it
 * then gets the `init` line of every active connection (when it asked for detail records),
 * then every record of its choice as it is cut. Another such line changes the choice. A
 * reader with more than `queue_max` bytes not yet taken is dropped, with a log line saying so.
 */
struct live_sock *live_sock_open(const char *path, unsigned mode, uid_t uid, gid_t gid,
                                 uint64_t queue_max, char *err, size_t errlen);
/* Start accepting on `base`; `out` gives the active connections to new readers. */
int live_sock_start(struct live_sock *s, struct event_base *base, const struct live_out *out,
                    char *err, size_t errlen);
/* The tap of live_out (struct live_out_tap's line). */
void live_sock_line(void *ctx, int kind, const char *line, size_t len);
/* The HUP'd configuration: the byte limit per reader. */
void live_sock_set_queue_max(struct live_sock *s, uint64_t queue_max);

#define LIVE_SOCK_COUNTERS(X)                                                                      \
    X(socket_readers)         /* connected now */                                                  \
    X(socket_readers_total)   /* ever connected */                                                 \
    X(socket_readers_dropped) /* dropped for being slow (socket_queue) or a bad request */         \
    X(socket_lines)           /* lines queued to readers */

struct live_sock_stats {
#define LIVE_SOCK_STATS_FIELD(name) uint64_t name;
    LIVE_SOCK_COUNTERS(LIVE_SOCK_STATS_FIELD)
#undef LIVE_SOCK_STATS_FIELD
};
void live_sock_get_stats(const struct live_sock *s, struct live_sock_stats *st);

/*
 * Stop accepting, give readers up to `grace_ms` to take what is queued, then close them all
 * and remove the socket file (when it can).
 */
void live_sock_close(struct live_sock *s, unsigned grace_ms);

#endif
