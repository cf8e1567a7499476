/* log.c - messages to stderr, prefixed with the program name (or to syslog: the daemon). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

static int quiet;
static int use_syslog;

void
log_use_syslog(int on)
{
    if (on && !use_syslog)
        openlog("zertsensor", LOG_PID | LOG_NDELAY, LOG_DAEMON);
    else if (!on && use_syslog)
        closelog();
    use_syslog = on;
}

void
log_set_quiet(int q)
{
    quiet = q;
}

static void emit(const char *level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
emit(const char *level, const char *fmt, va_list ap)
{
    if (use_syslog) {
        char msg[1024];
        vsnprintf(msg, sizeof(msg), fmt, ap);
        int prio = !level[0] ? LOG_INFO : strncmp(level, "warning", 7) == 0 ? LOG_WARNING : LOG_ERR;
        syslog(prio, "%s%s", level, msg);
        return;
    }
    fprintf(stderr, "zertsensor: %s", level);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void
log_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(use_syslog ? "error: " : "", fmt, ap);
    va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit("warning: ", fmt, ap);
    va_end(ap);
}

void
log_info(const char *fmt, ...)
{
    if (quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    emit("", fmt, ap);
    va_end(ap);
}
