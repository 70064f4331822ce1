/* log - see log.h */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "clock.h"
#include "log.h"
#include "xalloc.h"

static const char *prog = "nudge";
static int to_syslog;
static int verbosity;
static int quiet;
static char *debug_cats;

void
log_init(const char *progname, int use_syslog, int verbose)
{
	prog = progname;
	to_syslog = use_syslog;
	verbosity = verbose;
	if (to_syslog)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_MAIL);
	if (debug_cats == NULL && getenv("NUDGE_DEBUG") != NULL)
		log_set_debug(getenv("NUDGE_DEBUG"));
}

void
log_set_debug(const char *categories)
{
	free(debug_cats);
	debug_cats = categories ? xasprintf(",%s,", categories) : NULL;
}

void
log_set_quiet(int q)
{
	quiet = q;
}

int
log_debug_enabled(const char *category)
{
	char *pat;
	int hit;

	if (debug_cats == NULL)
		return verbosity > 1;
	if (strstr(debug_cats, ",all,") != NULL)
		return 1;
	pat = xasprintf(",%s,", category);
	hit = strstr(debug_cats, pat) != NULL;
	free(pat);
	return hit;
}

static void vlog(int, const char *, const char *, va_list, const char *)
    __attribute__((format(printf, 3, 0)));

static void
vlog(int pri, const char *tag, const char *fmt, va_list ap, const char *suffix)
{
	char *msg = xvasprintf(fmt, ap);

	/* one line per event: whatever came from the network cannot break a
	 * line or reach the terminal as a control sequence */
	log_scrub(msg, 0);
	if (to_syslog) {
		clock_tz_default(); /* syslog stamps in TZ */
		syslog(pri, "%s%s%s", msg, suffix ? ": " : "", suffix ? suffix : "");
	} else
		fprintf(stderr, "%s: %s%s%s%s\n", prog, tag, msg, suffix ? ": " : "",
		    suffix ? suffix : "");
	free(msg);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog(LOG_WARNING, "", fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, "", fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vlog(LOG_INFO, "", fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *category, const char *fmt, ...)
{
	va_list ap;
	char *tag;

	if (!log_debug_enabled(category))
		return;
	tag = xasprintf("debug %s: ", category);
	va_start(ap, fmt);
	vlog(LOG_DEBUG, tag, fmt, ap, NULL);
	va_end(ap);
	free(tag);
}

void
fatal(int code, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog(LOG_ERR, "", fmt, ap, strerror(saved));
	va_end(ap);
	exit(code);
}

void
fatalx(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, "", fmt, ap, NULL);
	va_end(ap);
	exit(code);
}

/* utf8_seq: see log.h */
size_t
utf8_seq(const unsigned char *p, size_t n, unsigned long *cp)
{
	size_t len, i;
	unsigned long c;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2;
		c = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3;
		c = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4;
		c = p[0] & 0x07;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

size_t
log_scrub_len(char *s, size_t len, int multiline)
{
	unsigned char *p = (unsigned char *)s;
	size_t r = 0, w = 0, k;
	unsigned long cp;

	while (r < len) {
		/* fast path: a run of printable ASCII, TAB and (multiline)
		 * LF passes unchanged, without decoding byte by byte */
		k = r;
		while (r < len && ((p[r] >= 0x20 && p[r] < 0x7f) ||
		                   p[r] == '\t' || (multiline && p[r] == '\n')))
			r++;
		if (r > k) {
			if (w != k)
				memmove(p + w, p + k, r - k);
			w += r - k;
			continue;
		}
		k = utf8_seq(p + r, len - r, &cp);
		if (k == 0) {
			p[w++] = '?'; /* one byte of invalid UTF-8 */
			r++;
			continue;
		}
		if ((cp < 0x20 && cp != '\t' && !(multiline && cp == '\n') &&
		     !(multiline && cp == '\r' && r + 1 < len &&
		       p[r + 1] == '\n')) ||
		    (cp >= 0x7f && cp <= 0x9f) ||
		    (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069)) {
			p[w++] = '?';
			r += k;
			continue;
		}
		memmove(p + w, p + r, k);
		w += k;
		r += k;
	}
	if (w < len)
		p[w] = '\0';
	return w;
}

char *
log_scrub(char *s, int multiline)
{
	log_scrub_len(s, strlen(s), multiline);
	return s;
}

int
out_write(FILE *fp, const char *s, size_t len)
{
	char *copy;
	size_t n;
	int rc;

	if (len == 0)
		return 0;
	copy = xmalloc(len + 1);
	memcpy(copy, s, len);
	copy[len] = '\0';
	n = log_scrub_len(copy, len, 1);
	rc = fwrite(copy, 1, n, fp) == n ? 0 : -1;
	free(copy);
	return rc;
}

int
out_printf(FILE *fp, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int rc;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	rc = out_write(fp, s, strlen(s));
	free(s);
	return rc;
}

/* ---- progress lines */

void
progress_init(struct progress *p, const char *what)
{
	p->what = what;
	p->start = p->last = clock_elapsed();
	p->tty = isatty(STDERR_FILENO);
	p->shown = 0;
}

void
progress_show(struct progress *p, const char *phase, long done, long total,
    const char *unit)
{
	double now, rate;

	if (!p->tty)
		return;
	now = clock_elapsed();
	if (now - p->start < 0.5 || now - p->last < 0.2)
		return;
	p->last = now;
	p->shown = 1;
	rate = (double)done / (now - p->start);
	if (total > 0)
		fprintf(stderr, "\r\033[K%s: %s %ld of %ld %s (%.0f%%, %.0f "
				"%s/s), ETA %.0f s",
		    p->what, phase, done, total, unit, 100.0 * done / total,
		    rate, unit, rate > 0 ? (double)(total - done) / rate : 0.0);
	else
		fprintf(stderr, "\r\033[K%s: %s %ld %s (%.0f %s/s)", p->what,
		    phase, done, unit, rate, unit);
}

void
progress_end(struct progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr);
	p->shown = 0;
}
