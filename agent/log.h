/*
 * log - one line per event, to stderr in the foreground or syslog as a daemon.
 *
 * log_warn appends ": strerror(errno)"; the x variants do not.  fatal/fatalx log and
 * exit with the given sysexits code.  log_debug prints only when the category is
 * enabled (NUDGE_DEBUG=imap,smtp,... or "all", or log_set_debug()).
 * Never pass a secret to any of these.
 */
#ifndef NUDGE_LOG_H
#define NUDGE_LOG_H

#include <stdarg.h>

void log_init(const char *progname, int use_syslog, int verbose);
void log_set_debug(const char *categories);
int log_debug_enabled(const char *category);
void log_set_quiet(int quiet);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *category, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void fatal(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
void fatalx(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

#endif
