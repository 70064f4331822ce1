/*
 * clock - the only module that reads the wall clock, and the time-zone arithmetic.
 *
 * Commands call clock_init() once with the --now argument (or NULL): it falls back
 * to $NUDGE_NOW, then to the real clock.  Everything else asks clock_now().
 * A fixed "now" does not tick: simulated time moves only when the caller says so
 * (clock_set), which is what lets tests walk months of cadence in seconds.
 *
 * Time zones are IANA names ("America/Denver"); NULL or "" means the process's
 * local zone.  Civil days are counted as "day numbers": days since 1970-01-01.
 */
#ifndef NUDGE_CLOCK_H
#define NUDGE_CLOCK_H

#include <stddef.h>
#include <time.h>

enum { CLOCK_OK = 0, CLOCK_EINVAL = 1 };

/* clock_init: arg (ISO-8601, may be NULL), interpreted in zone tz when it carries no
 * offset.  Returns CLOCK_OK or CLOCK_EINVAL with *errstr allocated. */
int clock_init(const char *arg, const char *tz, char **errstr);
time_t clock_now(void);
/* clock_elapsed: seconds on a monotonic clock, for measuring how long work
 * takes (progress lines); never for a decision, which takes clock_now(). */
double clock_elapsed(void);
/* clock_set: pin "now" to t (simulated time). */
void clock_set(time_t t);
/* clock_is_simulated: 1 when now came from --now/NUDGE_NOW/clock_set. */
int clock_is_simulated(void);

/*
 * clock_parse_iso: "2026-11-25", "2026-11-25T09:30", "2026-11-25 09:30:15",
 * with an optional "Z" or "+01:00"/"-0700" offset.  Without an offset the time is
 * local in tz (DST-correct); a date alone is 00:00 local.  Returns CLOCK_OK or
 * CLOCK_EINVAL with *errstr allocated.
 */
int clock_parse_iso(const char *s, const char *tz, time_t *out, char **errstr);

/* clock_format_iso: "2026-11-25T09:30:00-07:00" in zone tz; buf of >= 32 bytes. */
void clock_format_iso(time_t t, const char *tz, char *buf, size_t len);
/* clock_format_date: "2026-11-25" in zone tz; buf of >= 11 bytes. */
void clock_format_date(time_t t, const char *tz, char *buf, size_t len);

/* clock_set_default_tz: make tz (e.g. the salesperson's zone) the process's
 * own (TZ), so that conversions in it need no zone switch.  NULL/"": no
 * change. */
void clock_set_default_tz(const char *tz);
/* clock_tz_default: put the default zone back in force (TZ).  Conversions
 * switch zones lazily and leave the last one in force, so code that lets libc
 * read TZ itself (syslog's timestamps, a child process) calls this first. */
void clock_tz_default(void);
/* clock_tz_valid: 1 if tz names a zone in the system's zoneinfo, else 0. */
int clock_tz_valid(const char *tz);
/* clock_localtime: broken-down local time of t in tz. */
void clock_localtime(time_t t, const char *tz, struct tm *out);
/* clock_mktime: the instant that tm (local, in tz) names; tm_isdst is ignored and
 * a time in a DST gap is moved forward, as mktime does. */
time_t clock_mktime(const struct tm *tm, const char *tz);

/*
 * Civil day numbers (proleptic Gregorian; the one calendar of nudge: mime, imap
 * and the cadence all use these).  clock_day_from_civil: the day number of
 * y-m-d, for m 1..12, d 1..31 and |y| below 5,000,000 (the int arithmetic
 * stays in range); a day past the month's end counts on (Feb 30 = Mar 1 or 2).
 * clock_civil_from_day: the inverse, for any day number of such a date.
 */
int clock_day_from_civil(int y, int m, int d);
void clock_civil_from_day(int day, int *y, int *m, int *d);
/* clock_weekday: 0 = Sunday ... 6 = Saturday. */
int clock_weekday(int day);
/* clock_day_of: the civil day of instant t in tz. */
int clock_day_of(time_t t, const char *tz);
/* clock_at: the instant of 00:00 of civil day `day` in tz, plus `minutes` of wall
 * clock time (1440 = the next day's 00:00); a time in a DST gap moves forward
 * as in clock_mktime. */
time_t clock_at(int day, int minutes, const char *tz);
/* clock_parse_date: "YYYY-MM-DD" -> *day; CLOCK_OK, or CLOCK_EINVAL if malformed
 * or not a real date (2027-02-29). */
int clock_parse_date(const char *s, int *day);

#endif
