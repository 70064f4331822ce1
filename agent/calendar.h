/*
 * calendar - public holidays by country, computed from rule files
 * (rules/holidays/CC.conf), and the country of a lead.
 *
 * Pure: nothing here reads the wall clock; the only I/O is reading one rule
 * file in calendar_open() / calendar_load().  Days are clock.h day numbers
 * (days since 1970-01-01); the result of calendar_days() / calendar_load() is
 * the struct holidays of cadence.h that the scheduler uses.
 *
 * Errors follow the project contract: CALENDAR_OK (0) or a CALENDAR_E* code;
 * on failure *errstr is a malloc'd one-line message, "path:line: what is
 * wrong" for rule files; on success *errstr is untouched.
 *
 * ---- Rule file format: one file per country, DIR/CC.conf where CC is the
 * ISO 3166-1 alpha-2 code in upper case ("UK" is read as "GB").  One rule a
 * line; '#' starts a comment (also after a rule); blank lines are ignored;
 * lines are at most 1023 bytes; CRLF is accepted.
 *
 *     RULE [MOVE] NAME... [from YYYY] [until YYYY]
 *
 *   RULE, the day the holiday falls on in a year:
 *     fixed MM-DD              every year on that date ("fixed 12-25");
 *                              02-29 only in leap years
 *     easter N                 N days after Easter Sunday (Gregorian, the
 *                              anonymous algorithm), N in -100..+100:
 *                              "easter -2" Good Friday, "easter +1" Easter
 *                              Monday, "easter +39" Ascension
 *     nth N WEEKDAY MM         the N-th WEEKDAY of month MM, N 1..5, or -1..-5
 *                              counting from the month's end ("nth 3 mon 01",
 *                              "nth -1 mon 05"); a year without a 5th one has
 *                              no such holiday.  WEEKDAY: mon tue wed thu fri
 *                              sat sun (case-insensitive)
 *     nth N WEEKDAY MM-DD      the N-th WEEKDAY on or after MM-DD, or for
 *                              N < 0 on or before it ("nth -1 mon 05-24":
 *                              the Monday before 25 May, Canada's Victoria
 *                              Day)
 *     date YYYY-MM-DD          once, that year only (a coronation; Japan's
 *                              equinox days)
 *   MOVE, optional, for a holiday that falls on a weekend:
 *     observed                 Saturday -> the Friday before, Sunday -> the
 *                              Monday after (US federal style)
 *     substitute               Saturday or Sunday -> the next weekday that is
 *                              not already a holiday (GB, AU, CA style: Boxing
 *                              Day on a Sunday after Christmas on a Saturday
 *                              goes to the Tuesday)
 *     substitute-sunday        Sunday only -> the next weekday that is not
 *                              already a holiday (Japan's furikae kyujitsu)
 *   NAME: the holiday's name, one or more words (any UTF-8 text without '#').
 *   from YYYY / until YYYY: optional, at the end of the line, in either
 *   order: the rule applies in the years from..until (inclusive).  Hence a
 *   name cannot end in "from <year>" or "until <year>".  Years are
 *   1583..9999.
 *
 * A moved holiday is a holiday on both days: its own date (a Saturday) stays
 * a holiday for a seven-day sending window, and the weekday it moves to is one
 * too.
 */
#ifndef NUDGE_CALENDAR_H
#define NUDGE_CALENDAR_H

#include <stddef.h>

#include "cadence.h"

enum {
	CALENDAR_OK = 0,
	CALENDAR_EIO = 1,     /* the rule file could not be read */
	CALENDAR_ESYNTAX = 2, /* the rule file is malformed */
	CALENDAR_ENOENT = 3,  /* no rule file for that country */
	CALENDAR_EINVAL = 4,  /* a bad argument: country code, years */
};

#define CALENDAR_YEAR_MIN 1583
#define CALENDAR_YEAR_MAX 9999
#define CALENDAR_MAX_YEARS 400 /* y1 - y0 + 1 at most */

/* A country's parsed rules (opaque). */
struct calendar;

/* One holiday of a year.  day is when it is kept, actual the date it falls on
 * (day != actual when an observed/substitute rule moved it off a weekend).
 * name points into the calendar and lives as long as it. */
struct calendar_day {
	int day;
	int actual;
	const char *name;
};

/*
 * calendar_parse: parse the text of a rule file; name_for_errors prefixes the
 * messages ("name:line: ...").  On success *out is a new calendar (free with
 * calendar_free).  Returns CALENDAR_OK or CALENDAR_ESYNTAX.
 */
int calendar_parse(const char *name_for_errors, const char *text,
                   struct calendar **out, char **errstr);

/*
 * calendar_open: read and parse DIR/CC.conf (at most 1 MiB, no NUL bytes).
 * cc is a two-letter code, any case; "UK" means "GB".  Returns CALENDAR_OK,
 * CALENDAR_EINVAL (cc is not two ASCII letters), CALENDAR_ENOENT (no file for
 * that country: the caller then uses no country holidays), CALENDAR_EIO or
 * CALENDAR_ESYNTAX.
 */
int calendar_open(const char *dir, const char *cc, struct calendar **out,
                  char **errstr);

/* calendar_free: NULL is fine. */
void calendar_free(struct calendar *c);

/*
 * calendar_list: the holidays of years y0..y1 (inclusive), sorted by day,
 * then by the order of the rules: every entry whose day or actual date lies in
 * those years (so a New Year's Day 2028 observed on 2027-12-31 is listed for
 * 2027 and for 2028).  *out is malloc'd (free() it; NULL when *n is 0); the
 * names belong to c.  Returns CALENDAR_OK, or CALENDAR_EINVAL when the years
 * are out of CALENDAR_YEAR_MIN..MAX, y0 > y1, or more than CALENDAR_MAX_YEARS.
 */
int calendar_list(const struct calendar *c, int y0, int y1,
                  struct calendar_day **out, size_t *n, char **errstr);

/*
 * calendar_days: the holiday days of years y0..y1 as the scheduler wants them:
 * every day and actual date of calendar_list() that lies in those years,
 * sorted and unique.  Returns CALENDAR_OK with a new *out (holidays_free), or
 * CALENDAR_EINVAL as calendar_list.
 */
int calendar_days(const struct calendar *c, int y0, int y1,
                  struct holidays **out, char **errstr);

/*
 * calendar_load: calendar_open + calendar_days: the holidays of country cc in
 * years y0..y1 from DIR/CC.conf.  Returns what those return (CALENDAR_ENOENT
 * when there is no file for the country).
 */
int calendar_load(const char *dir, const char *cc, int y0, int y1,
                  struct holidays **out, char **errstr);

/*
 * calendar_country: the country of a lead, as a static upper-case ISO 3166
 * alpha-2 code, or NULL when none of the clues says.  In order:
 *   country_field  an explicit field: a code ("DE", "de", "UK" -> "GB"), an
 *                  alpha-3 code ("DEU", "USA"), or a name in English or the
 *                  country's language ("Germany", "Deutschland", "United
 *                  Kingdom", "England", "The Netherlands", "España"...);
 *                  case, dots and extra spaces do not matter;
 *   phone          an international number ("+49 30 1234", "0049 30 1234"):
 *                  its country calling code; +1 is CA for a Canadian area
 *                  code or a Canadian time zone, else US; a national number
 *                  ("030 1234") says nothing;
 *   tz             an IANA zone ("Europe/Berlin" -> DE, "America/Toronto" ->
 *                  CA, "Australia/Sydney" -> AU).
 * A clue that is NULL, empty or unknown is skipped.
 */
const char *calendar_country(const char *country_field, const char *phone,
                             const char *tz);

/* calendar_country_name: the English name of a code calendar_country can
 * return ("GB" -> "United Kingdom"; case-insensitive, "UK" too), or NULL.
 * The string is static. */
const char *calendar_country_name(const char *cc);

/*
 * calendar_merge: the union of two holiday sets (either may be NULL: no
 * holidays), e.g. the salesperson's own file and the lead's country.  Returns
 * a new set, never NULL (holidays_free it).
 */
struct holidays *calendar_merge(const struct holidays *a,
                                const struct holidays *b);

#endif
