/* cmd_report - `nudge report` and `nudge export ics` (see report.h, ics.h) */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "commands.h"
#include "ics.h"
#include "log.h"
#include "report.h"
#include "xalloc.h"

static const char usage_report[] =
    "usage: nudge report [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--json]\n"
    "                    [--svg FILE] [--html FILE]\n"
    "\n"
    "The follow-up funnel of a period (default: the 90 days up to today, in\n"
    "the salesperson's zone; --until's day is included): leads entered,\n"
    "touches per stage and channel, replies per stage and the reply rate,\n"
    "the contacts it took before a first reply, the median business days to\n"
    "it, reply intents, out-of-office, bounces, opt-outs, reviews, and sends\n"
    "per day against the cap.  --json prints the figures (shape in nudge(1));\n"
    "--svg FILE writes the funnel and contacts charts; --html FILE writes one\n"
    "self-contained page (charts and tables, no scripts).  '-' is stdout.\n";

/* write_file: data to path ("-" = stdout) through a temporary file renamed
 * onto it.  Returns EX_OK or EX_CANTCREAT (printed). */
static int
write_file(const char *path, const char *data, size_t len)
{
	char *tmp;
	int fd;
	FILE *fp;

	if (strcmp(path, "-") == 0) {
		fwrite(data, 1, len, stdout);
		return EX_OK;
	}
	tmp = xasprintf("%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1)
		goto fail;
	if (fchmod(fd, 0600) == -1 || (fp = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(tmp);
		goto fail;
	}
	if (fwrite(data, 1, len, fp) != len || fclose(fp) != 0 ||
	    rename(tmp, path) == -1) {
		unlink(tmp);
		goto fail;
	}
	free(tmp);
	return EX_OK;
fail:
	fprintf(stderr, "nudge: %s: %s\n", path, strerror(errno));
	free(tmp);
	return EX_CANTCREAT;
}

/* ---- a progress line on a terminal (stderr), nothing otherwise */

static void
show(const char *phase, long done, long total, void *arg)
{
	struct progress *p = arg;

	if (phase == NULL)
		progress_end(p);
	else
		progress_show(p, phase, done, total, total > 0 ? "leads" : "rows");
}

int
cmd_report(struct nudge *n, int argc, char **argv)
{
	struct progress pg;
	const char *since_s = NULL, *until_s = NULL, *svg = NULL, *html = NULL;
	struct report r;
	struct buf b;
	char *err = NULL;
	int rc, d0, d1, json = 0;
	time_t now;

	if (cli_help(argc, argv, usage_report))
		return EX_OK;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--since") == 0 && i + 1 < argc)
			since_s = argv[++i];
		else if (strcmp(argv[i], "--until") == 0 && i + 1 < argc)
			until_s = argv[++i];
		else if (strcmp(argv[i], "--svg") == 0 && i + 1 < argc)
			svg = argv[++i];
		else if (strcmp(argv[i], "--html") == 0 && i + 1 < argc)
			html = argv[++i];
		else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else {
			fputs(usage_report, stderr);
			return EX_USAGE;
		}
	}
	if ((since_s && clock_parse_date(since_s, &d0) != CLOCK_OK) ||
	    (until_s && clock_parse_date(until_s, &d1) != CLOCK_OK)) {
		fprintf(stderr,
		        "nudge report: --since/--until '%s': want "
		        "YYYY-MM-DD\n",
		        since_s && clock_parse_date(since_s, &d0) != CLOCK_OK
		            ? since_s
		            : until_s);
		return EX_USAGE;
	}
	if ((rc = cli_open(n, 0)) != EX_OK)
		return rc;
	json |= n->json;
	now = clock_now();
	if (until_s == NULL)
		d1 = clock_day_of(now, n->tz);
	if (since_s == NULL)
		d0 = d1 - 89;
	if (d1 < d0) {
		fprintf(stderr, "nudge report: --until is before --since\n");
		return EX_USAGE;
	}
	progress_init(&pg, "nudge report");
	if (report_build(n->st, n->tz, n->hol, n->cfg->daily_cap,
	                 clock_at(d0, 0, n->tz), clock_at(d1 + 1, 0, n->tz),
	                 isatty(STDERR_FILENO) ? show : NULL, &pg, &r,
	                 &err) != REPORT_OK) {
		fprintf(stderr, "nudge report: %s\n", err);
		free(err);
		report_free(&r);
		return EX_SOFTWARE;
	}
	rc = EX_OK;
	buf_init(&b);
	if (svg) {
		report_svg(&r, 1, &b);
		rc = write_file(svg, b.s, b.len);
		b.len = 0;
	}
	if (html && rc == EX_OK) {
		report_html(&r, n->tz, "Follow-up report", &b);
		rc = write_file(html, b.s, b.len);
		b.len = 0;
	}
	if (rc == EX_OK && (json || (!svg && !html))) {
		if (json)
			report_json(&r, n->tz, &b);
		else
			report_text(&r, n->tz, &b);
		fwrite(b.s, 1, b.len, stdout);
	}
	buf_free(&b);
	report_free(&r);
	return rc;
}

static const char usage_ics[] =
    "usage: nudge export ics [--days N] [FILE]\n"
    "\n"
    "The tasks done by hand (call, text, visit, note, research, social, and\n"
    "replies to answer) due within N days (default 14; overdue ones too) as\n"
    "an iCalendar file (RFC 5545), one VTODO each with the lead's name,\n"
    "phone, local time, the script or draft and the last notes.  UIDs are\n"
    "stable: importing again updates the tasks instead of duplicating them.\n"
    "FILE defaults to stdout.\n";

int
cmd_export_ics(struct nudge *n, int argc, char **argv)
{
	const char *path = NULL;
	struct buf b;
	char *err = NULL, *end;
	long days = 14;
	int rc;

	if (cli_help(argc, argv, usage_ics))
		return EX_OK;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--days") == 0 && i + 1 < argc) {
			errno = 0;
			days = strtol(argv[++i], &end, 10);
			if (*end || errno || days < 0 || days > 3660) {
				fprintf(stderr,
				        "nudge export ics: --days '%s':"
				        " want 0 to 3660\n",
				        argv[i]);
				return EX_USAGE;
			}
		} else if (path == NULL &&
		           (argv[i][0] != '-' || argv[i][1] == '\0'))
			path = argv[i];
		else {
			fputs(usage_ics, stderr);
			return EX_USAGE;
		}
	}
	if ((rc = cli_open(n, 0)) != EX_OK)
		return rc;
	buf_init(&b);
	if (ics_export(n, clock_now(), (int)days, &b, &err) != ICS_OK) {
		fprintf(stderr, "nudge export ics: %s\n", err);
		free(err);
		buf_free(&b);
		return EX_SOFTWARE;
	}
	rc = write_file(path ? path : "-", b.s, b.len);
	buf_free(&b);
	return rc;
}
