/* conf_daemon.c - the configuration keys of the live daemon (docs/daemon.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

void
conf_daemon_init(struct conf_daemon *d)
{
    memset(d, 0, sizeof(*d));
    d->buffer_size = 64ull << 20;
    d->rotate_interval_s = 3600;
    d->output_queue = 65536;
    d->socket_mode = 0660;
    d->socket_queue = 4ull << 20;
    d->stats_interval_s = 300;
}

static int
set_path(char *dst, size_t len, const char *v, bool may_be_empty)
{
    if ((!v[0] && !may_be_empty) || strlen(v) >= len)
        return -1;
    snprintf(dst, len, "%s", v);
    return 0;
}

int
conf_daemon_set(struct conf_daemon *d, const char *key, const char *value, const char *where,
                char *err, size_t errlen)
{
    uint64_t n = 0;
    int bad = 0;
    if (!strcmp(key, "buffer_size")) {
        bad = conf_parse_u64(value, 0, 1ull << 31, &n);
        if (!bad)
            d->buffer_size = n;
    } else if (!strcmp(key, "rotate_interval")) {
        /* a divisor of a day, as the summary interval: files start on the clock's boundaries */
        bad = conf_parse_u64(value, 0, 86400, &n) || (n && 86400 % n);
        if (!bad)
            d->rotate_interval_s = (uint32_t)n;
    } else if (!strcmp(key, "rotate_size")) {
        bad = conf_parse_u64(value, 0, 1ull << 40, &n) || (n && n < 4096);
        if (!bad)
            d->rotate_size = n;
    } else if (!strcmp(key, "output_queue")) {
        bad = conf_parse_u64(value, 1, 1u << 24, &n);
        if (!bad)
            d->output_queue = (uint32_t)n;
    } else if (!strcmp(key, "socket_path")) {
        bad = set_path(d->socket_path, 108, value, true); /* sun_path holds 108 bytes */
    } else if (!strcmp(key, "socket_mode")) {
        char *end;
        errno = 0;
        unsigned long m = strtoul(value, &end, 8);
        bad = !value[0] || *end || errno || m > 0777;
        if (!bad)
            d->socket_mode = (uint32_t)m;
    } else if (!strcmp(key, "socket_queue")) {
        bad = conf_parse_u64(value, 4096, 1ull << 32, &n);
        if (!bad)
            d->socket_queue = n;
    } else if (!strcmp(key, "stats_interval")) {
        bad = conf_parse_u64(value, 0, 86400, &n);
        if (!bad)
            d->stats_interval_s = (uint32_t)n;
    } else if (!strcmp(key, "syslog")) {
        bad = conf_parse_bool(value, &d->syslog);
    } else if (!strcmp(key, "pid_file")) {
        bad = set_path(d->pid_file, sizeof(d->pid_file), value, true);
    } else if (!strcmp(key, "user")) {
        bad = set_path(d->user, sizeof(d->user), value, true);
    } else if (!strcmp(key, "chroot")) {
        bad = set_path(d->chroot, sizeof(d->chroot), value, true) || (value[0] && value[0] != '/');
    } else {
        return 1;
    }
    if (bad) {
        snprintf(err, errlen, "%s: bad value '%s' for %s", where, value, key);
        return -1;
    }
    return 0;
}
