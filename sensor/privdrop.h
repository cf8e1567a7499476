/* privdrop.h - after start-up: chroot, then drop to an unprivileged user, and prove it. */
#ifndef ZS_PRIVDROP_H
#define ZS_PRIVDROP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The user to become: looked up before anything is dropped (a chroot has no passwd). */
struct privdrop {
    uid_t uid;
    gid_t gid;
    char name[64];
};

/* Look USER up (a name, or a numeric uid); -1 with err when there is no such user. */
int privdrop_lookup(const char *user, struct privdrop *pd, char *err, size_t errlen);

/*
 * chroot to `dir` (NULL: none), then set the groups, gid and uid (real, effective and saved)
 * to pd's (NULL: no change), then check: -1 with err when any of the three uids is still 0 and
 * `allow_root` is false, or when a step failed.
 */
int privdrop_apply(const struct privdrop *pd, const char *dir, bool allow_root, char *err,
                   size_t errlen);

#endif
