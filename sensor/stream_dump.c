/* stream_dump.c - --dump-streams: each direction of a TCP connection to its own file. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../flowtable/flow.h"
#include "decode.h"
#include "outfile.h"
#include "stream_dump.h"

/*
 * Flow state used: f->user[dir] is the stream offset written so far plus two bits: the
 * file exists (bit 63) and writing it failed (bit 62: the rest is not written and the
 * file is removed at the end). One file stays open at a time: data of a connection
 * usually comes in runs.
 *
 * Files are written in a directory of our own, DIR/streams.partial-XXXXXX (mode 0700,
 * created by this run, held by descriptor), and renamed into DIR when their flow ends: a
 * file is closed and reopened as data comes, and only a directory no one else can write
 * makes reopening it by name safe. A link planted at DIR/NAME is refused and never
 * followed; a regular file there is replaced. At the end the directory is removed.
 */
#define DUMP_EXISTS (1ull << 63)
#define DUMP_FAILED (1ull << 62)
#define DUMP_FLAGS  (DUMP_EXISTS | DUMP_FAILED)

#define STREAM_DUMP_ERRLEN 256 /* the first write failure, kept for stream_dump_error */

struct stream_dump {
    char dir[4096];
    int dirfd;  /* DIR */
    int workfd; /* DIR/streams.partial-XXXXXX, ours */
    char work[NAME_MAX + 1];
    int fd;
    uint64_t fd_flow;
    int fd_dir;
    char err[STREAM_DUMP_ERRLEN];
};

struct stream_dump *
stream_dump_new(const char *dir, char *err, size_t errlen)
{
    struct stream_dump *d = calloc(1, sizeof(*d));
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->fd = -1;
    d->workfd = -1;
    snprintf(d->dir, sizeof(d->dir), "%s", dir);
    d->dirfd = outfile_dir_open(dir, err, errlen);
    if (d->dirfd < 0) {
        free(d);
        return NULL;
    }
    d->workfd = outfile_create_tmp_dir(d->dirfd, "streams", d->work, sizeof(d->work));
    if (d->workfd < 0) {
        snprintf(err, errlen, "%s: cannot create a working directory in it: %s", dir,
                 strerror(errno));
        close(d->dirfd);
        free(d);
        return NULL;
    }
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
    /* files of flows that never ended (a run stopped early) are incomplete: removed */
    int fd = dup(d->workfd);
    DIR *w = fd >= 0 ? fdopendir(fd) : NULL;
    if (!w && fd >= 0)
        close(fd);
    for (struct dirent *e; w && (e = readdir(w));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            unlinkat(d->workfd, e->d_name, 0);
    if (w)
        closedir(w);
    close(d->workfd);
    unlinkat(d->dirfd, d->work, AT_REMOVEDIR);
    close(d->dirfd);
    free(d);
}

/* The file's name in DIR: <flow_id>-<client>.<cport>-<server>.<sport>.c2s or .s2c */
static void
name_of(const struct flow *f, int dir, char *buf, size_t len)
{
    int c = f->client_dir, s = c ^ 1;
    char ca[64], sa[64];
    decode_addr_str(f->key.family, f->addr[c], ca, sizeof(ca));
    decode_addr_str(f->key.family, f->addr[s], sa, sizeof(sa));
    snprintf(buf, len, "%llu-%s.%u-%s.%u.%s", (unsigned long long)f->id, ca, f->port[c], sa,
             f->port[s], dir == c ? "c2s" : "s2c");
}

static void
note_error(struct stream_dump *d, const char *name, const char *what)
{
    if (!d->err[0])
        snprintf(d->err, sizeof(d->err), "%s/%s: %s", d->dir, name, what);
}

static int
fd_for(struct stream_dump *d, struct flow *f, int dir)
{
    if (d->fd >= 0 && d->fd_flow == f->id && d->fd_dir == dir)
        return d->fd;
    close_cached(d);
    if (f->user[dir] & DUMP_FAILED)
        return -1;
    char name[NAME_MAX + 1];
    name_of(f, dir, name, sizeof(name));
    /* created new (never through a link), then reopened in our own directory only */
    bool exists = f->user[dir] & DUMP_EXISTS;
    d->fd = exists ? openat(d->workfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)
                   : openat(d->workfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                            0640);
    if (d->fd >= 0 && !exists && fchmod(d->fd, 0640) != 0) /* whatever the umask */
        close_cached(d);
    if (d->fd < 0) {
        note_error(d, name, strerror(errno));
        f->user[dir] |= DUMP_FAILED;
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
    uint64_t off = f->user[dir] & ~DUMP_FLAGS;
    int fd = fd_for(d, f, dir);
    if (fd >= 0) {
        ssize_t n = pwrite(fd, data, len, (off_t)off);
        if (n != (ssize_t)len) {
            char name[NAME_MAX + 1];
            name_of(f, dir, name, sizeof(name));
            note_error(d, name, n < 0 ? strerror(errno) : "short write");
            f->user[dir] |= DUMP_FAILED;
            close_cached(d);
        }
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
        char name[NAME_MAX + 1];
        name_of(f, dir, name, sizeof(name));
        int fd = fd_for(d, f, dir);
        if (fd >= 0 && ftruncate(fd, (off_t)(f->user[dir] & ~DUMP_FLAGS)) != 0) {
            note_error(d, name, strerror(errno));
            f->user[dir] |= DUMP_FAILED;
        }
        close_cached(d);
        char why[STREAM_DUMP_ERRLEN], shown[NAME_MAX + 16];
        snprintf(shown, sizeof(shown), "%s", name);
        if (f->user[dir] & DUMP_FAILED) {
            unlinkat(d->workfd, name, 0); /* incomplete: not put in place */
        } else if (outfile_check_target(d->dirfd, name, shown, why, sizeof(why)) != 0) {
            if (!d->err[0])
                snprintf(d->err, sizeof(d->err), "%s/%s", d->dir, why);
            unlinkat(d->workfd, name, 0);
        } else if (renameat(d->workfd, name, d->dirfd, name) != 0) {
            note_error(d, name, strerror(errno));
            unlinkat(d->workfd, name, 0);
        }
        f->user[dir] &= ~DUMP_EXISTS;
    }
}

int
stream_dump_error(const struct stream_dump *d, char *err, size_t errlen)
{
    if (!d->err[0])
        return 0;
    snprintf(err, errlen, "%s", d->err);
    return -1;
}
