/* stream_dump.c - --dump-streams: each direction of a TCP connection to its own file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../flowtable/flow.h"
#include "decode.h"
#include "stream_dump.h"

/*
 * Flow state used: f->user[dir] is the stream offset written so far plus one
 * bit (bit 63) saying the file exists. One file stays open at a time: data of
 * a connection usually comes in runs.
 */
#define DUMP_EXISTS (1ull << 63)

#define STREAM_DUMP_ERRLEN 256 /* the first write failure, kept for stream_dump_error */

struct stream_dump {
    char dir[4096];
    int fd;
    uint64_t fd_flow;
    int fd_dir;
    char err[STREAM_DUMP_ERRLEN];
};

struct stream_dump *
stream_dump_new(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    if (stat(dir, &st) != 0 && mkdir(dir, 0750) != 0) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return NULL;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: not a directory", dir);
        return NULL;
    }
    struct stream_dump *d = calloc(1, sizeof(*d));
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(d->dir, sizeof(d->dir), "%s", dir);
    d->fd = -1;
    return d;
}

static void
close_cached(struct stream_dump *d)
{
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
}

void
stream_dump_free(struct stream_dump *d)
{
    if (!d)
        return;
    close_cached(d);
    free(d);
}

static void
path_of(const struct stream_dump *d, const struct flow *f, int dir, char *buf, size_t len)
{
    int c = f->client_dir, s = c ^ 1;
    char ca[64], sa[64];
    decode_addr_str(f->key.family, f->addr[c], ca, sizeof(ca));
    decode_addr_str(f->key.family, f->addr[s], sa, sizeof(sa));
    snprintf(buf, len, "%s/%llu-%s.%u-%s.%u.%s", d->dir, (unsigned long long)f->id, ca, f->port[c],
             sa, f->port[s], dir == c ? "c2s" : "s2c");
}

static int
fd_for(struct stream_dump *d, struct flow *f, int dir)
{
    if (d->fd >= 0 && d->fd_flow == f->id && d->fd_dir == dir)
        return d->fd;
    close_cached(d);
    char path[4352];
    path_of(d, f, dir, path, sizeof(path));
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | ((f->user[dir] & DUMP_EXISTS) ? 0 : O_TRUNC);
    d->fd = open(path, flags, 0640);
    if (d->fd < 0) {
        if (!d->err[0])
            snprintf(d->err, sizeof(d->err), "%s: %s", path, strerror(errno));
        return -1;
    }
    f->user[dir] |= DUMP_EXISTS;
    d->fd_flow = f->id;
    d->fd_dir = dir;
    return d->fd;
}

void
stream_dump_data(struct stream_dump *d, struct flow *f, int dir, const uint8_t *data, size_t len)
{
    uint64_t off = f->user[dir] & ~DUMP_EXISTS;
    int fd = fd_for(d, f, dir);
    if (fd >= 0) {
        ssize_t n = pwrite(fd, data, len, (off_t)off);
        if (n != (ssize_t)len && !d->err[0])
            snprintf(d->err, sizeof(d->err), "writing a stream: %s",
                     n < 0 ? strerror(errno) : "short write");
    }
    f->user[dir] += len;
}

void
stream_dump_gap(struct stream_dump *d, struct flow *f, int dir, uint64_t len)
{
    (void)d;
    f->user[dir] += len;
}

void
stream_dump_end(struct stream_dump *d, struct flow *f)
{
    for (int dir = 0; dir < 2; dir++) {
        if (!(f->user[dir] & DUMP_EXISTS))
            continue;
        int fd = fd_for(d, f, dir);
        if (fd >= 0 && ftruncate(fd, (off_t)(f->user[dir] & ~DUMP_EXISTS)) != 0 && !d->err[0])
            snprintf(d->err, sizeof(d->err), "extending a stream file: %s", strerror(errno));
    }
    if (d->fd_flow == f->id)
        close_cached(d);
}

int
stream_dump_error(const struct stream_dump *d, char *err, size_t errlen)
{
    if (!d->err[0])
        return 0;
    snprintf(err, errlen, "%s", d->err);
    return -1;
}
