/* outfile.c - output files created new beside their name and renamed into place when complete. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "outfile.h"

#define OUTFILE_MODE     0640
#define OUTFILE_DIR_MODE 0750
#define OUTFILE_TRIES    100 /* names tried before giving up (each taken one is EEXIST) */

int
outfile_dir_open(const char *dir, char *err, size_t errlen)
{
    char d[PATH_MAX];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof(d)) {
        snprintf(err, errlen, "%s: bad directory name", dir);
        return -1;
    }
    memcpy(d, dir, n + 1);
    while (n > 1 && d[n - 1] == '/') /* "out/" would follow a link named out */
        d[--n] = '\0';
    struct stat st;
    bool made = false;
    if (lstat(d, &st) != 0) {
        if (errno != ENOENT || mkdir(d, OUTFILE_DIR_MODE) != 0) {
            snprintf(err, errlen, "%s: %s", dir, strerror(errno));
            return -1;
        }
        made = true;
    } else if (S_ISLNK(st.st_mode)) {
        snprintf(err, errlen, "%s: is a symbolic link: refused (outputs never follow links)", dir);
        return -1;
    } else if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: not a directory", dir);
        return -1;
    }
    int fd = open(d, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ELOOP)
            snprintf(err, errlen, "%s: is a symbolic link: refused (outputs never follow links)",
                     dir);
        else
            snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    /* 0750 whatever the umask, on the directory we made (not one swapped in since) */
    if (made && fstat(fd, &st) == 0 && st.st_uid == geteuid())
        fchmod(fd, OUTFILE_DIR_MODE);
    return fd;
}

/* Six characters of [A-Za-z0-9] that another run cannot guess. */
static void
random_suffix(char out[7])
{
    static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    static uint64_t counter;
    uint8_t r[6];
    if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
        /* no entropy yet: still unique in this run; O_EXCL keeps a guessed name harmless */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x =
            (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32) ^ ++counter * 0x9e3779b97f4a7c15ull;
        for (size_t i = 0; i < sizeof(r); i++, x >>= 8)
            r[i] = (uint8_t)x;
    }
    for (size_t i = 0; i < sizeof(r); i++)
        out[i] = set[r[i] % (sizeof(set) - 1)];
    out[6] = '\0';
}

/* NAME.partial-XXXXXX into tmp: 0, or -1 when it does not fit a file name. */
static int
tmp_name(const char *name, char *tmp, size_t tmplen)
{
    char sfx[7];
    random_suffix(sfx);
    int n = snprintf(tmp, tmplen, "%s" OUTFILE_PARTIAL "%s", name, sfx);
    if (n < 0 || (size_t)n >= tmplen || (size_t)n > NAME_MAX) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

int
outfile_create_tmp(int dirfd, const char *name, char *tmp, size_t tmplen)
{
    for (int i = 0; i < OUTFILE_TRIES; i++) {
        if (tmp_name(name, tmp, tmplen) != 0)
            return -1;
        int fd =
            openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, OUTFILE_MODE);
        if (fd < 0 && errno == EEXIST)
            continue;
        if (fd < 0)
            return -1;
        if (fchmod(fd, OUTFILE_MODE) != 0) { /* the umask may have taken bits away */
            int e = errno;
            close(fd);
            unlinkat(dirfd, tmp, 0);
            errno = e;
            return -1;
        }
        return fd;
    }
    errno = EEXIST;
    return -1;
}

int
outfile_create_tmp_dir(int dirfd, const char *name, char *tmp, size_t tmplen)
{
    for (int i = 0; i < OUTFILE_TRIES; i++) {
        if (tmp_name(name, tmp, tmplen) != 0)
            return -1;
        if (mkdirat(dirfd, tmp, 0700) != 0) {
            if (errno == EEXIST)
                continue;
            return -1;
        }
        int fd = openat(dirfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (fd >= 0 && fstat(fd, &st) == 0 && st.st_uid == geteuid() && (st.st_mode & 077) == 0)
            return fd;
        /* swapped since mkdirat for a link or a directory of someone else: not ours */
        if (fd >= 0)
            close(fd);
        errno = EEXIST;
        return -1;
    }
    errno = EEXIST;
    return -1;
}

int
outfile_check_target(int dirfd, const char *name, const char *shown, char *err, size_t errlen)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "%s: %s", shown, strerror(errno));
        return -1;
    }
    if (S_ISREG(st.st_mode))
        return 0;
    if (S_ISLNK(st.st_mode))
        snprintf(err, errlen,
                 "%s: is a symbolic link: refused (outputs never write through or replace a link)",
                 shown);
    else if (S_ISDIR(st.st_mode))
        snprintf(err, errlen, "%s: is a directory", shown);
    else
        snprintf(err, errlen, "%s: not a regular file", shown);
    return -1;
}

static void
reset(struct outfile *o)
{
    o->f = NULL;
    o->vbuf = NULL;
    o->dirfd = -1;
    o->own_dirfd = false;
    o->path[0] = o->name[0] = o->tmp[0] = '\0';
}

static int open_in(struct outfile *o, int dirfd, const char *name, const char *shown, char *err,
                   size_t errlen);

int
outfile_open(struct outfile *o, const char *path, char *err, size_t errlen)
{
    reset(o);
    if (strcmp(path, "-") == 0) {
        o->f = stdout;
        snprintf(o->path, sizeof(o->path), "%s", "standard output");
        return 0;
    }
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    char dir[PATH_MAX];
    if (!*name || !strcmp(name, ".") || !strcmp(name, "..")) {
        snprintf(err, errlen, "%s: not a file name", path);
        return -1;
    }
    if (!slash)
        snprintf(dir, sizeof(dir), ".");
    else if (slash == path)
        snprintf(dir, sizeof(dir), "/");
    else if ((size_t)(slash - path) < sizeof(dir))
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    else {
        snprintf(err, errlen, "%s: %s", path, strerror(ENAMETOOLONG));
        return -1;
    }
    /* links in the directory part are the user's own path; only the file's name is guarded */
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    if (open_in(o, dirfd, name, path, err, errlen) != 0) {
        close(dirfd);
        return -1;
    }
    o->own_dirfd = true;
    return 0;
}

int
outfile_open_at(struct outfile *o, int dirfd, const char *dir, const char *name, char *err,
                size_t errlen)
{
    char shown[PATH_MAX];
    snprintf(shown, sizeof(shown), "%s/%s", dir, name);
    return open_in(o, dirfd, name, shown, err, errlen);
}

/* NAME in dirfd, `shown` as its path in messages. */
static int
open_in(struct outfile *o, int dirfd, const char *name, const char *shown, char *err, size_t errlen)
{
    reset(o);
    snprintf(o->path, sizeof(o->path), "%s", shown);
    if (strlen(name) >= sizeof(o->name)) {
        snprintf(err, errlen, "%s: %s", o->path, strerror(ENAMETOOLONG));
        return -1;
    }
    snprintf(o->name, sizeof(o->name), "%s", name);
    o->dirfd = dirfd;
    int fd;
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
        /* /dev/null or a pipe: written in place, nothing is stored or replaced */
        fd = openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
        if (fd >= 0 && (fstat(fd, &st) != 0 || !(S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)))) {
            close(fd); /* swapped for something else since: never write into it */
            snprintf(err, errlen, "%s: changed while it was opened", o->path);
            return -1;
        }
        if (fd < 0) {
            snprintf(err, errlen, "%s: %s", o->path, strerror(errno));
            return -1;
        }
    } else {
        if (outfile_check_target(dirfd, name, o->path, err, errlen) != 0)
            return -1;
        fd = outfile_create_tmp(dirfd, name, o->tmp, sizeof(o->tmp));
        if (fd < 0) {
            snprintf(err, errlen, "%s: cannot create a file beside it: %s", o->path,
                     strerror(errno));
            o->tmp[0] = '\0';
            return -1;
        }
    }
    o->f = fdopen(fd, "w");
    if (!o->f) {
        snprintf(err, errlen, "%s: %s", o->path, strerror(errno));
        close(fd);
        if (o->tmp[0])
            unlinkat(dirfd, o->tmp, 0);
        o->tmp[0] = '\0';
        return -1;
    }
    /* a file written in one go (-o DIR: 64 MiB from the bench capture): few large writes (glibc
     * ignores the size unless it is given the buffer) */
    o->vbuf = malloc(OUTFILE_BUFFER);
    if (o->vbuf)
        setvbuf(o->f, o->vbuf, _IOFBF, OUTFILE_BUFFER);
    return 0;
}

int
outfile_close(struct outfile *o, char *err, size_t errlen)
{
    if (!o->f)
        return 0;
    int rc = 0;
    errno = 0;
    if (fflush(o->f) != 0 || ferror(o->f)) {
        snprintf(err, errlen, "%s: %s", o->path, errno ? strerror(errno) : "write error");
        rc = -1;
    }
    if (o->f != stdout && fclose(o->f) != 0 && rc == 0) {
        snprintf(err, errlen, "%s: %s", o->path, strerror(errno));
        rc = -1;
    }
    o->f = NULL;
    free(o->vbuf); /* after fclose: the stream used it to the end */
    o->vbuf = NULL;
    return rc;
}

static void
release_dir(struct outfile *o)
{
    if (o->own_dirfd && o->dirfd >= 0)
        close(o->dirfd);
    o->dirfd = -1;
    o->own_dirfd = false;
}

int
outfile_publish(struct outfile *o, char *err, size_t errlen)
{
    int rc = 0;
    if (o->tmp[0] && renameat(o->dirfd, o->tmp, o->dirfd, o->name) != 0) {
        snprintf(err, errlen, "%s: %s", o->path, strerror(errno));
        unlinkat(o->dirfd, o->tmp, 0);
        rc = -1;
    }
    o->tmp[0] = '\0';
    release_dir(o);
    return rc;
}

int
outfile_commit(struct outfile *o, char *err, size_t errlen)
{
    if (outfile_close(o, err, errlen) != 0) {
        outfile_discard(o);
        return -1;
    }
    return outfile_publish(o, err, errlen);
}

void
outfile_discard(struct outfile *o)
{
    if (o->f && o->f != stdout)
        fclose(o->f);
    else if (o->f)
        fflush(o->f);
    o->f = NULL;
    free(o->vbuf);
    o->vbuf = NULL;
    if (o->tmp[0] && o->dirfd >= 0)
        unlinkat(o->dirfd, o->tmp, 0);
    o->tmp[0] = '\0';
    release_dir(o);
}
