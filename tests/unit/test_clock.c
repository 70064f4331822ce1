/* test_clock - ISO-8601 parsing and formatting, civil days, zones, "now" */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "clock.h"

static const char *
utc(time_t t)
{
	static char buf[40];

	clock_format_iso(t, "UTC", buf, sizeof buf);
	return buf;
}

static void
test_parse_iso(void **state)
{
	static const struct {
		const char *in, *tz, *want; /* want: UTC */
	} t[] = {
	    {"2026-11-25T09:30:00Z", NULL, "2026-11-25T09:30:00+00:00"},
	    {"2026-11-25T09:30Z", NULL, "2026-11-25T09:30:00+00:00"},
	    {"2026-11-25t09:30z", NULL, NULL}, /* lower-case T refused */
	    {"2026-11-25T09:30:00z", NULL, "2026-11-25T09:30:00+00:00"},
	    {"2026-11-25T09:30:00+01:00", NULL, "2026-11-25T08:30:00+00:00"},
	    {"2026-11-25T09:30-0700", NULL, "2026-11-25T16:30:00+00:00"},
	    {"2026-11-25T09:30+05:45", NULL, "2026-11-25T03:45:00+00:00"},
	    {"2026-11-25 09:30:15-07:00", NULL, "2026-11-25T16:30:15+00:00"},
	    {"2026-11-25T23:30:00-07:00", "Europe/Berlin",
	     "2026-11-26T06:30:00+00:00"},
	    /* local in tz, DST-correct */
	    {"2026-11-25T09:30", "America/Denver", "2026-11-25T16:30:00+00:00"},
	    {"2026-07-01T09:30", "America/Denver", "2026-07-01T15:30:00+00:00"},
	    {"2026-07-01T09:30", "Europe/Berlin", "2026-07-01T07:30:00+00:00"},
	    {"2026-11-25T09:30:45", "UTC", "2026-11-25T09:30:45+00:00"},
	    /* date alone: 00:00 local */
	    {"2026-11-25", "America/Denver", "2026-11-25T07:00:00+00:00"},
	    {"2026-03-29", "Europe/Berlin", "2026-03-28T23:00:00+00:00"},
	    {"2026-03-30", "Europe/Berlin", "2026-03-29T22:00:00+00:00"},
	    {"2026-11-25Z", NULL, "2026-11-25T00:00:00+00:00"},
	    /* a local time in the spring-forward gap moves forward (mktime) */
	    {"2026-03-29T02:30", "Europe/Berlin", "2026-03-29T01:30:00+00:00"},
	    {"2026-03-08T02:30", "America/Denver", "2026-03-08T09:30:00+00:00"},
	    /* leap day, leap second */
	    {"2028-02-29T12:00Z", NULL, "2028-02-29T12:00:00+00:00"},
	    {"2026-12-31T23:59:60Z", NULL, "2027-01-01T00:00:00+00:00"},
	    {"1969-12-31T23:59:59Z", NULL, "1969-12-31T23:59:59+00:00"},
	};
	static const char *bad[] = {
	    "",
	    "2026",
	    "2026-11-2",
	    "2026-11-25T",
	    "2026-11-25T9:30",
	    "2026-11-25T09",
	    "2026-11-25T09:3",
	    "2026-11-25T24:00",
	    "2026-11-25T09:60",
	    "2026-11-25T09:30:61",
	    "2026-13-01",
	    "2026-00-10",
	    "2026-02-29",
	    "2026-04-31",
	    "2026-11-00",
	    "2026-11-25T09:30+25:00",
	    "2026-11-25T09:30+01",
	    "2026-11-25T09:30+01:60",
	    "2026-11-25T09:30 ",
	    "2026-11-25X",
	    "26-11-25",
	    "2026/11/25",
	    "2026-11-25T09:30Zjunk",
	    "now",
	    "2026-11-25T09:30:00ZZ",
	    "+2026-11-25",
	};
	time_t got;
	char *err;

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		err = NULL;
		int rc = clock_parse_iso(t[i].in, t[i].tz, &got, &err);
		if (t[i].want == NULL) {
			assert_int_equal(rc, CLOCK_EINVAL);
			free(err);
			continue;
		}
		if (rc != CLOCK_OK)
			fail_msg("'%s': %s", t[i].in, err);
		if (strcmp(utc(got), t[i].want) != 0)
			fail_msg("'%s' in %s: got %s, want %s", t[i].in,
			         t[i].tz ? t[i].tz : "(local)", utc(got),
			         t[i].want);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err = NULL;
		got = 12345;
		if (clock_parse_iso(bad[i], "UTC", &got, &err) != CLOCK_EINVAL)
			fail_msg("'%s' should be refused (got %s)", bad[i],
			         utc(got));
		assert_non_null(err);
		if (strstr(err, bad[i]) == NULL)
			fail_msg("message should quote the input: %s", err);
		free(err);
	}
	/* errstr may be NULL */
	assert_int_equal(clock_parse_iso("x", NULL, &got, NULL), CLOCK_EINVAL);
}

static void
test_format(void **state)
{
	static const struct {
		time_t t;
		const char *tz, *iso, *date;
	} t[] = {
	    {0, "UTC", "1970-01-01T00:00:00+00:00", "1970-01-01"},
	    {0, "America/Denver", "1969-12-31T17:00:00-07:00", "1969-12-31"},
	    {0, "Asia/Kolkata", "1970-01-01T05:30:00+05:30", "1970-01-01"},
	    {1795600000, "America/St_Johns", "2026-11-25T06:16:40-03:30",
	     "2026-11-25"},
	    {1795600000, "Europe/Berlin", "2026-11-25T10:46:40+01:00",
	     "2026-11-25"},
	    {1783000000, "Europe/Berlin", "2026-07-02T15:46:40+02:00",
	     "2026-07-02"},
	    {1783000000, "America/Denver", "2026-07-02T07:46:40-06:00",
	     "2026-07-02"},
	};
	char buf[40];

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		time_t back;

		clock_format_iso(t[i].t, t[i].tz, buf, sizeof buf);
		assert_string_equal(buf, t[i].iso);
		clock_format_date(t[i].t, t[i].tz, buf, sizeof buf);
		assert_string_equal(buf, t[i].date);
		/* what format_iso writes, parse_iso reads back */
		assert_int_equal(clock_parse_iso(t[i].iso, NULL, &back, NULL),
		                 CLOCK_OK);
		assert_int_equal(back, t[i].t);
	}
}

static void
test_civil(void **state)
{
	static const struct {
		int y, m, d, day, wday;
	} t[] = {
	    {1970, 1, 1, 0, 4},      {1969, 12, 31, -1, 3},
	    {1969, 12, 27, -5, 6},   {1969, 12, 28, -4, 0},
	    {2000, 1, 1, 10957, 6},  {2000, 2, 29, 11016, 2},
	    {2000, 3, 1, 11017, 3},  {1900, 3, 1, -25508, 4},
	    {1900, 1, 1, -25567, 1}, {2026, 11, 25, 20782, 3},
	    {2028, 2, 29, 21243, 2}, {2100, 3, 1, 47541, 1},
	};
	int y, m, d, prev;

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		assert_int_equal(clock_day_from_civil(t[i].y, t[i].m, t[i].d),
		                 t[i].day);
		clock_civil_from_day(t[i].day, &y, &m, &d);
		assert_int_equal(y, t[i].y);
		assert_int_equal(m, t[i].m);
		assert_int_equal(d, t[i].d);
		assert_int_equal(clock_weekday(t[i].day), t[i].wday);
	}
	/* round trip over 1700..2300, day by day, with weekdays in step */
	prev = clock_weekday(clock_day_from_civil(1700, 1, 1) - 1);
	for (int day = clock_day_from_civil(1700, 1, 1);
	     day < clock_day_from_civil(2300, 1, 1); day++) {
		clock_civil_from_day(day, &y, &m, &d);
		if (clock_day_from_civil(y, m, d) != day)
			fail_msg("day %d -> %d-%d-%d does not round-trip", day,
			         y, m, d);
		assert_int_equal(clock_weekday(day), (prev + 1) % 7);
		prev = clock_weekday(day);
	}
}

static void
test_parse_date(void **state)
{
	static const struct {
		const char *s;
		int ok;
	} t[] = {
	    {"2028-02-29", 1},  {"2000-02-29", 1},  {"1900-02-29", 0},
	    {"2027-02-29", 0},  {"2026-04-31", 0},  {"2026-12-31", 1},
	    {"2026-1-01", 0},   {"2026-01-01x", 0}, {"", 0},
	    {"2026-01-01 ", 0}, {"2026-00-01", 0},  {"2026-01-32", 0},
	};
	int day;

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int rc = clock_parse_date(t[i].s, &day);

		if ((rc == CLOCK_OK) != t[i].ok)
			fail_msg("'%s': rc %d", t[i].s, rc);
	}
	assert_int_equal(clock_parse_date("2026-11-25", &day), CLOCK_OK);
	assert_int_equal(day, 20782);
}

static void
test_tz_valid(void **state)
{
	static const struct {
		const char *tz;
		int ok;
	} t[] = {
	    {"America/Denver", 1},
	    {"Europe/Berlin", 1},
	    {"UTC", 1},
	    {"", 1},
	    {NULL, 1},
	    {"../etc/passwd", 0},
	    {"America/../../../etc/passwd", 0},
	    {"Nowhere/City", 0},
	    {"/etc/localtime", 0},
	    {":America/Denver", 0},
	    {"America", 0}, /* a directory */
	    {"America/Denver ", 0},
	    {"EST5EDT,M3.2.0,M11.1.0", 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (clock_tz_valid(t[i].tz) != t[i].ok)
			fail_msg("clock_tz_valid(\"%s\") != %d",
			         t[i].tz ? t[i].tz : "NULL", t[i].ok);
}

static void
test_day_of_and_at(void **state)
{
	const char *den = "America/Denver", *ber = "Europe/Berlin";
	time_t t;
	struct tm tm;

	(void)state;
	/* Denver: DST starts Sun 2026-03-08 at 02:00 MST (09:00Z) */
	assert_int_equal(clock_day_of(1772956800 /* 03-08 08:00Z */, den),
	                 clock_day_from_civil(2026, 3, 8));
	assert_int_equal(clock_day_of(1772953199 /* 03-08 06:59:59Z */, den),
	                 clock_day_from_civil(2026, 3, 7));
	t = clock_at(clock_day_from_civil(2026, 3, 8), 180, den);
	assert_string_equal(utc(t), "2026-03-08T09:00:00+00:00");
	t = clock_at(clock_day_from_civil(2026, 3, 8), 0, den);
	assert_string_equal(utc(t), "2026-03-08T07:00:00+00:00");
	t = clock_at(clock_day_from_civil(2026, 3, 9), 0, den);
	assert_string_equal(utc(t), "2026-03-09T06:00:00+00:00");
	/* 24:00 is the next day's 00:00 */
	t = clock_at(clock_day_from_civil(2026, 3, 8), 1440, den);
	assert_string_equal(utc(t), "2026-03-09T06:00:00+00:00");
	/* Berlin: a 23-hour and a 25-hour day */
	assert_int_equal(
	    clock_at(clock_day_from_civil(2026, 3, 30), 0, ber) -
	        clock_at(clock_day_from_civil(2026, 3, 29), 0, ber),
	    23 * 3600);
	assert_int_equal(
	    clock_at(clock_day_from_civil(2026, 10, 26), 0, ber) -
	        clock_at(clock_day_from_civil(2026, 10, 25), 0, ber),
	    25 * 3600);
	clock_localtime(clock_at(clock_day_from_civil(2026, 7, 1), 510, ber),
	                ber, &tm);
	assert_int_equal(tm.tm_hour, 8);
	assert_int_equal(tm.tm_min, 30);
	assert_int_equal(tm.tm_isdst, 1);
	tm.tm_isdst = 0; /* ignored */
	assert_int_equal(clock_mktime(&tm, ber),
	                 clock_at(clock_day_from_civil(2026, 7, 1), 510, ber));
}

static void
test_now(void **state)
{
	char *err = NULL;
	time_t t;

	(void)state;
	unsetenv("NUDGE_NOW");
	assert_int_equal(clock_init(NULL, NULL, &err), CLOCK_OK);
	assert_false(clock_is_simulated());
	t = time(NULL);
	assert_true(clock_now() >= t && clock_now() <= t + 5);

	assert_int_equal(clock_init("2026-11-25T09:30:00Z", NULL, &err),
	                 CLOCK_OK);
	assert_true(clock_is_simulated());
	assert_string_equal(utc(clock_now()), "2026-11-25T09:30:00+00:00");
	assert_string_equal(utc(clock_now()), "2026-11-25T09:30:00+00:00");
	clock_set(clock_now() + 86400);
	assert_string_equal(utc(clock_now()), "2026-11-26T09:30:00+00:00");

	/* --now without an offset is local in tz */
	assert_int_equal(clock_init("2026-11-25T09:30", "America/Denver", &err),
	                 CLOCK_OK);
	assert_string_equal(utc(clock_now()), "2026-11-25T16:30:00+00:00");

	/* NUDGE_NOW when there is no argument */
	setenv("NUDGE_NOW", "2027-01-02", 1);
	assert_int_equal(clock_init(NULL, "UTC", &err), CLOCK_OK);
	assert_string_equal(utc(clock_now()), "2027-01-02T00:00:00+00:00");
	assert_int_equal(clock_init("", "UTC", &err), CLOCK_OK);
	assert_string_equal(utc(clock_now()), "2027-01-02T00:00:00+00:00");
	/* the argument wins */
	assert_int_equal(clock_init("2026-01-01T00:00Z", "UTC", &err),
	                 CLOCK_OK);
	assert_string_equal(utc(clock_now()), "2026-01-01T00:00:00+00:00");
	unsetenv("NUDGE_NOW");

	assert_int_equal(clock_init("yesterday", NULL, &err), CLOCK_EINVAL);
	assert_non_null(strstr(err, "yesterday"));
	free(err);
}

/* Zones are switched lazily; NULL is always the process's own zone, and
 * clock_tz_default puts it back in TZ. */
static void
test_tz_restored(void **state)
{
	struct tm tm;
	char buf[40];

	(void)state;
	assert_string_equal(getenv("TZ"), "Asia/Tokyo");
	clock_localtime(0, "America/Denver", &tm);
	assert_int_equal(tm.tm_hour, 17);
	clock_format_iso(0, "Europe/Berlin", buf, sizeof buf);
	assert_string_equal(buf, "1970-01-01T01:00:00+01:00");
	(void)clock_at(20000, 0, "America/Denver");
	assert_string_equal(getenv("TZ"), "America/Denver"); /* still in force */
	/* NULL means the process's zone, whatever was in force */
	clock_format_iso(0, NULL, buf, sizeof buf);
	assert_string_equal(buf, "1970-01-01T09:00:00+09:00");
	clock_localtime(0, "Europe/Berlin", &tm);
	assert_int_equal(tm.tm_hour, 1);
	clock_tz_default();
	assert_string_equal(getenv("TZ"), "Asia/Tokyo");
	clock_localtime(0, "", &tm);
	assert_int_equal(tm.tm_hour, 9);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tz_restored),
	    cmocka_unit_test(test_parse_iso),
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_civil),
	    cmocka_unit_test(test_parse_date),
	    cmocka_unit_test(test_tz_valid),
	    cmocka_unit_test(test_day_of_and_at),
	    cmocka_unit_test(test_now),
	};

	/* a fixed process zone, so that "local" (NULL) is known */
	setenv("TZ", "Asia/Tokyo", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
