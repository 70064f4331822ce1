/* log - see log.h */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

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
	size_t i;

	/* one line per event: whatever came from the network cannot break a line */
	for (i = 0; msg[i]; i++)
		if ((unsigned char)msg[i] < 0x20 && msg[i] != '\t')
			msg[i] = '?';
	if (to_syslog)
		syslog(pri, "%s%s%s", msg, suffix ? ": " : "", suffix ? suffix : "");
	else
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
