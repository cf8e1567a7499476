/* log.c - messages to stderr, prefixed with the program name. */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static int quiet;

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
    fprintf(stderr, "zertsensor: %s", level);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void
log_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit("", fmt, ap);
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
