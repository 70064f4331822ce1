/* clock - see clock.h */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "clock.h"
#include "xalloc.h"

static time_t fixed_now = (time_t)-1;

/*
 * The process's TZ is switched to evaluate a zone (single-threaded program).
 * glibc re-reads the zone file whenever TZ changes, so the switch is lazy:
 * the zone last asked for stays in force until another is asked for, and a
 * NULL zone means the default one (the salesperson's, clock_set_default_tz,
 * else the TZ the process started with).  A lead's dozen conversions then
 * cost one read of its zone file, not two per call (an import of 100k leads
 * in many zones spent 43% of its time in tzset).
 */
static char *orig_tz;	/* the default zone (NULL: TZ unset) */
static char *cur_tz;	/* the zone in force now (NULL: TZ unset) */
static int orig_saved;

static void
save_orig(void)
{
	if (!orig_saved) {
		const char *o = getenv("TZ");
		orig_tz = o ? xstrdup(o) : NULL;
		cur_tz = o ? xstrdup(o) : NULL;
		orig_saved = 1;
	}
}

static int
streq_null(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* tz_use: make tz (NULL or "" = the default zone) the one in force. */
static void
tz_use(const char *tz)
{
	const char *want;

	save_orig();
	want = tz == NULL || *tz == '\0' ? orig_tz : tz;
	if (streq_null(want, cur_tz))
		return;
	free(cur_tz);
	cur_tz = want ? xstrdup(want) : NULL;
	if (cur_tz != NULL)
		setenv("TZ", cur_tz, 1);
	else
		unsetenv("TZ");
	tzset();
}

void
clock_tz_default(void)
{
	tz_use(NULL);
}

void
clock_set_default_tz(const char *tz)
{
	save_orig();
	if (tz == NULL || *tz == '\0' || streq_null(orig_tz, tz))
		return;
	free(orig_tz);
	orig_tz = xstrdup(tz);
	tz_use(NULL);
}

int
clock_init(const char *arg, const char *tz, char **errstr)
{
	time_t t;

	if (arg == NULL || *arg == '\0')
		arg = getenv("NUDGE_NOW");
	if (arg == NULL || *arg == '\0') {
		fixed_now = (time_t)-1;
		return CLOCK_OK;
	}
	if (clock_parse_iso(arg, tz, &t, errstr) != CLOCK_OK)
		return CLOCK_EINVAL;
	fixed_now = t;
	return CLOCK_OK;
}

time_t
clock_now(void)
{
	if (fixed_now != (time_t)-1)
		return fixed_now;
	return time(NULL);
}

void
clock_set(time_t t)
{
	fixed_now = t;
}

int
clock_is_simulated(void)
{
	return fixed_now != (time_t)-1;
}

int
clock_day_from_civil(int y, int m, int d)
{
	/* Howard Hinnant's days_from_civil */
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
clock_civil_from_day(int z, int *y, int *m, int *d)
{
	int era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

int
clock_weekday(int day)
{
	return day >= -4 ? (day + 4) % 7 : (day + 5) % 7 + 6;
}

void
clock_localtime(time_t t, const char *tz, struct tm *out)
{
	tz_use(tz);
	localtime_r(&t, out);
}

time_t
clock_mktime(const struct tm *tm, const char *tz)
{
	struct tm c = *tm;
	time_t t;

	c.tm_isdst = -1;
	tz_use(tz);
	t = mktime(&c);
	return t;
}

int
clock_day_of(time_t t, const char *tz)
{
	struct tm tm;

	clock_localtime(t, tz, &tm);
	return clock_day_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

time_t
clock_at(int day, int minutes, const char *tz)
{
	struct tm tm;
	int y, m, d;

	clock_civil_from_day(day, &y, &m, &d);
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = minutes / 60;
	tm.tm_min = minutes % 60;
	return clock_mktime(&tm, tz);
}

int
clock_tz_valid(const char *tz)
{
	/* the last few zones asked about (an import asks for the same few
	 * zones over and over) */
	static char *known[8];
	static unsigned next;
	const char *dir = getenv("TZDIR");
	struct stat sb;
	char *path;
	int ok;

	for (unsigned i = 0; tz && i < 8; i++)
		if (known[i] && strcmp(known[i], tz) == 0)
			return 1;

	if (tz == NULL || *tz == '\0' || strcmp(tz, "UTC") == 0)
		return 1;
	/* IANA names only: no absolute paths, no "..", no POSIX TZ strings */
	if (tz[0] == '/' || tz[0] == ':' || strstr(tz, "..") != NULL)
		return 0;
	for (const char *p = tz; *p; p++)
		if (!isalnum((unsigned char)*p) && strchr("/_+-", *p) == NULL)
			return 0;
	path = xasprintf("%s/%s", dir ? dir : "/usr/share/zoneinfo", tz);
	ok = stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
	free(path);
	if (ok) {
		free(known[next % 8]);
		known[next++ % 8] = xstrdup(tz);
	}
	return ok;
}

static int
digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	*out = v;
	return 0;
}

int
clock_parse_date(const char *s, int *day)
{
	int y, m, d;
	const char *p = s;

	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &m) || *p++ != '-' ||
	    digits(&p, 2, &d) || *p != '\0')
		return CLOCK_EINVAL;
	if (m < 1 || m > 12 || d < 1 || d > 31)
		return CLOCK_EINVAL;
	*day = clock_day_from_civil(y, m, d);
	{
		int y2, m2, d2;
		clock_civil_from_day(*day, &y2, &m2, &d2);
		if (y2 != y || m2 != m || d2 != d)
			return CLOCK_EINVAL; /* Feb 30 and friends */
	}
	return CLOCK_OK;
}

int
clock_parse_iso(const char *s, const char *tz, time_t *out, char **errstr)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, se = 0, oh = 0, om = 0, sign = 0, day;
	char date[11];

	if (strlen(s) < 10)
		goto bad;
	memcpy(date, s, 10);
	date[10] = '\0';
	if (clock_parse_date(date, &day) != CLOCK_OK)
		goto bad;
	clock_civil_from_day(day, &y, &mo, &d);
	p = s + 10;
	if (*p == 'T' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
			goto bad;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &se))
				goto bad;
		}
		if (h > 23 || mi > 59 || se > 60)
			goto bad;
	}
	if (*p == 'Z' || *p == 'z') {
		sign = 1;
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		p++;
		if (digits(&p, 2, &oh))
			goto bad;
		if (*p == ':')
			p++;
		if (digits(&p, 2, &om) || oh > 23 || om > 59)
			goto bad;
	}
	if (*p != '\0')
		goto bad;
	if (sign != 0) {
		*out = (time_t)day * 86400 + h * 3600 + mi * 60 + se -
		    sign * (oh * 3600 + om * 60);
	} else {
		struct tm tm;

		memset(&tm, 0, sizeof tm);
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		tm.tm_hour = h;
		tm.tm_min = mi;
		tm.tm_sec = se;
		*out = clock_mktime(&tm, tz);
	}
	return CLOCK_OK;
bad:
	if (errstr)
		*errstr = xasprintf("invalid time '%s' (want ISO-8601, e.g. "
		    "2026-11-25T09:30 or 2026-11-25T09:30:00-07:00)", s);
	return CLOCK_EINVAL;
}

void
clock_format_iso(time_t t, const char *tz, char *buf, size_t len)
{
	struct tm tm;
	long off;

	clock_localtime(t, tz, &tm);
	off = tm.tm_gmtoff / 60;
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

void
clock_format_date(time_t t, const char *tz, char *buf, size_t len)
{
	struct tm tm;

	clock_localtime(t, tz, &tm);
	snprintf(buf, len, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday);
}

double
clock_elapsed(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
