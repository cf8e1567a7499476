/* log.h - messages to stderr, prefixed with the program name (or to syslog). */
#ifndef ZS_LOG_H
#define ZS_LOG_H

void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_set_quiet(int quiet);
/* On: messages go to syslog (facility daemon, ident zertsensor) instead of stderr. */
void log_use_syslog(int on);

#endif
