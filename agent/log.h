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
#include <stddef.h>
#include <stdio.h>

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

/*
 * Text that came from the network or from a file (a reply stored as a note, a
 * CSV cell, a lead field) must not reach the operator's terminal as control
 * sequences: an OSC title sequence, a screen wipe, a carriage return that
 * overprints a line.  Human-readable output of such text goes through these;
 * the database and --json keep the raw text (JSON escapes it).
 *
 * log_scrub: replace in place, each by one '?', every C0 control except TAB
 * (and LF when multiline; CR only as part of CRLF when multiline), DEL, every
 * C1 control (a raw byte 0x80-0x9f or the UTF-8 form of U+0080..U+009F), the
 * bidirectional overrides U+202A..U+202E and U+2066..U+2069 (they reorder
 * what is shown), and each byte of invalid UTF-8.  ESC is a C0 control, so an
 * escape sequence loses its introducer and shows as plain text.  The text
 * may shrink (a multi-byte control becomes one '?'); returns s.
 */
char *log_scrub(char *s, int multiline);

/* log_scrub_len: log_scrub on len bytes (NUL bytes become '?'); returns the
 * new length. */
size_t log_scrub_len(char *s, size_t len, int multiline);

/* out_write: write len bytes of human-readable, multi-line text to fp,
 * scrubbed (the caller's buffer is left as it is).  Returns 0, or -1 on a
 * write error. */
int out_write(FILE *fp, const char *s, size_t len);

/* out_printf: printf to fp, the result scrubbed as by out_write. */
int out_printf(FILE *fp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* utf8_seq: the length of the valid UTF-8 sequence at p (n bytes left, n >=
 * 1) and its code point in *cp, or 0 when invalid (overlong, surrogate,
 * beyond U+10FFFF, truncated).  The one UTF-8 decoder of the output paths
 * (log_scrub, json_str). */
size_t utf8_seq(const unsigned char *p, size_t n, unsigned long *cp);

/*
 * A progress line on standard error, for long work on a terminal: nothing
 * when stderr is not a terminal, nothing for work that takes less than half
 * a second, at most five updates a second.  progress_show: done of total
 * (total 0: unknown) in unit ("rows", "leads"), with the rate and, when the
 * total is known, the ETA.  progress_end: clear the line if one was shown.
 */
struct progress {
	const char *what; /* "nudge lead import" */
	double start, last;
	int tty, shown;
};
void progress_init(struct progress *p, const char *what);
void progress_show(struct progress *p, const char *phase, long done,
    long total, const char *unit);
void progress_end(struct progress *p);

#endif
