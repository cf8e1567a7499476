/* privdrop.c - after start-up: chroot, then drop to an unprivileged user, and prove it. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "privdrop.h"

/* glibc declares these with _GNU_SOURCE only; they are in every libc this builds on. */
int setresuid(uid_t r, uid_t e, uid_t s);
int setresgid(gid_t r, gid_t e, gid_t s);
int getresuid(uid_t *r, uid_t *e, uid_t *s);

int
privdrop_lookup(const char *user, struct privdrop *pd, char *err, size_t errlen)
{
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        char *end;
        errno = 0;
        unsigned long id = strtoul(user, &end, 10);
        if (user[0] && !*end && !errno)
            pw = getpwuid((uid_t)id);
    }
    if (!pw) {
        snprintf(err, errlen, "-u %s: no such user", user);
        return -1;
    }
    pd->uid = pw->pw_uid;
    pd->gid = pw->pw_gid;
    snprintf(pd->name, sizeof(pd->name), "%s", pw->pw_name);
    return 0;
}

int
privdrop_apply(const struct privdrop *pd, const char *dir, bool allow_root, char *err,
               size_t errlen)
{
    if (dir && dir[0]) {
        if (chroot(dir) != 0 || chdir("/") != 0) {
            snprintf(err, errlen, "--chroot %s: %s", dir, strerror(errno));
            return -1;
        }
    }
    if (pd) {
        if ((geteuid() == 0 && initgroups(pd->name, pd->gid) != 0 && setgroups(1, &pd->gid) != 0) ||
            setresgid(pd->gid, pd->gid, pd->gid) != 0 ||
            setresuid(pd->uid, pd->uid, pd->uid) != 0) {
            snprintf(err, errlen, "-u %s: cannot become the user: %s", pd->name, strerror(errno));
            return -1;
        }
    }
    uid_t r, e, s;
    if (getresuid(&r, &e, &s) != 0) {
        snprintf(err, errlen, "getresuid: %s", strerror(errno));
        return -1;
    }
    if (!allow_root && (r == 0 || e == 0 || s == 0)) {
        snprintf(err, errlen,
                 "refusing to go on as root after start-up (uids %u/%u/%u): give "
                 "-u USER, or --allow-root",
                 (unsigned)r, (unsigned)e, (unsigned)s);
        return -1;
    }
    if (pd && pd->uid != 0 && setuid(0) == 0) { /* a drop that could be undone is no drop */
        snprintf(err, errlen, "-u %s: root could be regained", pd->name);
        return -1;
    }
    return 0;
}
