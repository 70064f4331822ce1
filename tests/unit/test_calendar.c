/* test_calendar - holiday rules, the shipped countries, country detection */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cadence.h"
#include "calendar.h"
#include "clock.h"
#include "xalloc.h"

/* ---- helpers ---- */

static int
D(const char *s)
{
	int day;

	if (clock_parse_date(s, &day) != CLOCK_OK)
		fail_msg("bad test date %s", s);
	return day;
}

static const char *
holidays_dir(void)
{
	const char *top = getenv("top_srcdir");
	static char buf[4096];

	snprintf(buf, sizeof buf, "%s/rules/holidays", top && *top ? top : ".");
	return buf;
}

/* fmt_date: "MM-DD" when day is in year y, else "YYYY-MM-DD". */
static void
fmt_date(struct buf *b, int day, int year)
{
	int y, m, d;

	clock_civil_from_day(day, &y, &m, &d);
	if (y == year)
		buf_printf(b, "%02d-%02d", m, d);
	else
		buf_printf(b, "%04d-%02d-%02d", y, m, d);
}

/* list: the holidays of year as "01-01 07-03=07-04 ...": the day kept, and
 * "=actual" when a rule moved it.  Malloc'd. */
static char *
list(const struct calendar *c, int year)
{
	struct calendar_day *v;
	struct buf b;
	size_t n;
	char *err = NULL;

	if (calendar_list(c, year, year, &v, &n, &err) != CALENDAR_OK)
		fail_msg("calendar_list %d: %s", year, err);
	buf_init(&b);
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_addc(&b, ' ');
		fmt_date(&b, v[i].day, year);
		if (v[i].actual != v[i].day) {
			buf_addc(&b, '=');
			fmt_date(&b, v[i].actual, year);
		}
		assert_non_null(v[i].name);
		assert_true(v[i].name[0] != '\0');
	}
	free(v);
	buf_addc(&b, '\0');
	return buf_steal(&b);
}

static struct calendar *
parse_ok(const char *text)
{
	struct calendar *c = NULL;
	char *err = NULL;

	if (calendar_parse("t.conf", text, &c, &err) != CALENDAR_OK)
		fail_msg("parse: %s", err);
	return c;
}

/* ---- Easter ---- */

static void
test_easter(void **state)
{
	/* Easter Sundays from published tables. */
	static const struct {
		int year;
		const char *date;
	} t[] = {
	    {1818, "03-22"}, {1943, "04-25"}, {2000, "04-23"}, {2008, "03-23"},
	    {2011, "04-24"}, {2019, "04-21"}, {2024, "03-31"}, {2025, "04-20"},
	    {2026, "04-05"}, {2027, "03-28"}, {2028, "04-16"}, {2029, "04-01"},
	    {2030, "04-21"}, {2038, "04-25"}, {2285, "03-22"},
	};
	struct calendar *c = parse_ok("easter 0 Easter Sunday\n");
	(void)state;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char *got = list(c, t[i].year);

		if (strcmp(got, t[i].date) != 0)
			fail_msg("Easter %d: got %s, want %s", t[i].year, got,
			         t[i].date);
		free(got);
	}
	calendar_free(c);
}

/* ---- the shipped countries, 2026-2028, checked by hand against the
 * governments' published lists ---- */

static const struct {
	const char *cc;
	int year;
	const char *want;
} shipped[] = {
    /* US federal: observed on the Friday before a Saturday, the Monday after
     * a Sunday; New Year's Day 2028 (Saturday) on 2027-12-31 */
    {"US", 2026,
     "01-01 01-19 02-16 05-25 06-19 07-03=07-04 09-07 10-12 "
     "11-11 11-26 12-25"},
    {"US", 2027,
     "01-01 01-18 02-15 05-31 06-18=06-19 07-05=07-04 09-06 "
     "10-11 11-11 11-25 12-24=12-25 12-31=2028-01-01"},
    {"US", 2028,
     "2027-12-31=01-01 01-17 02-21 05-29 06-19 07-04 09-04 "
     "10-09 11-10=11-11 11-23 12-25"},
    /* England & Wales: substitute days (Boxing Day 2026 -> Mon 28) */
    {"GB", 2026, "01-01 04-03 04-06 05-04 05-25 08-31 12-25 12-28=12-26"},
    {"GB", 2027,
     "01-01 03-26 03-29 05-03 05-31 08-30 12-27=12-25 "
     "12-28=12-26"},
    {"GB", 2028, "01-03=01-01 04-14 04-17 05-01 05-29 08-28 12-25 12-26"},
    {"UK", 2026, "01-01 04-03 04-06 05-04 05-25 08-31 12-25 12-28=12-26"},
    /* Germany: nationwide days, Ascension and Whit Monday from Easter */
    {"DE", 2026, "01-01 04-03 04-06 05-01 05-14 05-25 10-03 12-25 12-26"},
    {"DE", 2027, "01-01 03-26 03-29 05-01 05-06 05-17 10-03 12-25 12-26"},
    {"DE", 2028, "01-01 04-14 04-17 05-01 05-25 06-05 10-03 12-25 12-26"},
    {"FR", 2026,
     "01-01 04-06 05-01 05-08 05-14 05-25 07-14 08-15 11-01 "
     "11-11 12-25"},
    {"FR", 2027,
     "01-01 03-29 05-01 05-06 05-08 05-17 07-14 08-15 11-01 "
     "11-11 12-25"},
    {"FR", 2028,
     "01-01 04-17 05-01 05-08 05-25 06-05 07-14 08-15 11-01 "
     "11-11 12-25"},
    {"ES", 2026,
     "01-01 01-06 04-03 05-01 08-15 10-12 11-01 12-06 12-08 "
     "12-25"},
    {"ES", 2027,
     "01-01 01-06 03-26 05-01 08-15 10-12 11-01 12-06 12-08 "
     "12-25"},
    {"ES", 2028,
     "01-01 01-06 04-14 05-01 08-15 10-12 11-01 12-06 12-08 "
     "12-25"},
    /* Italy: 4 October again from 2026 */
    {"IT", 2026,
     "01-01 01-06 04-06 04-25 05-01 06-02 08-15 10-04 11-01 "
     "12-08 12-25 12-26"},
    {"IT", 2027,
     "01-01 01-06 03-29 04-25 05-01 06-02 08-15 10-04 11-01 "
     "12-08 12-25 12-26"},
    {"IT", 2028,
     "01-01 01-06 04-17 04-25 05-01 06-02 08-15 10-04 11-01 "
     "12-08 12-25 12-26"},
    {"NL", 2026, "01-01 04-06 04-27 05-14 05-25 12-25 12-26"},
    {"NL", 2027, "01-01 03-29 04-27 05-06 05-17 12-25 12-26"},
    {"NL", 2028, "01-01 04-17 04-27 05-25 06-05 12-25 12-26"},
    /* Canada: Victoria Day the Monday before 25 May; Canada Day 2028 on
     * a Saturday -> Monday 3 July */
    {"CA", 2026, "01-01 04-03 05-18 07-01 09-07 10-12 12-25"},
    {"CA", 2027, "01-01 03-26 05-24 07-01 09-06 10-11 12-27=12-25"},
    {"CA", 2028, "01-03=01-01 04-14 05-22 07-03=07-01 09-04 10-09 12-25"},
    /* Australia: Anzac Day not moved, the others substituted */
    {"AU", 2026, "01-01 01-26 04-03 04-06 04-25 12-25 12-28=12-26"},
    {"AU", 2027, "01-01 01-26 03-26 03-29 04-25 12-27=12-25 12-28=12-26"},
    {"AU", 2028, "01-03=01-01 01-26 04-14 04-17 04-25 12-25 12-26"},
    /* Japan: Constitution Day 2026 (Sunday) -> Wed 6 May after Greenery
     * and Children's Day; the citizens' holiday 2026-09-22; vernal equinox
     * 2027 (Sunday) -> Monday; 2028-01-01 a Saturday: not moved */
    {"JP", 2026,
     "01-01 01-12 02-11 02-23 03-20 04-29 05-04 05-05 "
     "05-06=05-03 07-20 08-11 09-21 09-22 09-23 10-12 11-03 "
     "11-23"},
    {"JP", 2027,
     "01-01 01-11 02-11 02-23 03-22=03-21 04-29 05-03 05-04 "
     "05-05 07-19 08-11 09-20 09-23 10-11 11-03 11-23"},
    {"JP", 2028,
     "01-01 01-10 02-11 02-23 03-20 04-29 05-03 05-04 05-05 "
     "07-17 08-11 09-18 09-22 10-09 11-03 11-23"},
};

static void
test_shipped_countries(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
		struct calendar *c = NULL;
		char *err = NULL, *got;

		if (calendar_open(holidays_dir(), shipped[i].cc, &c, &err) !=
		    CALENDAR_OK)
			fail_msg("%s: %s", shipped[i].cc, err);
		got = list(c, shipped[i].year);
		if (strcmp(got, shipped[i].want) != 0)
			fail_msg("%s %d:\n got  %s\n want %s", shipped[i].cc,
			         shipped[i].year, got, shipped[i].want);
		free(got);
		calendar_free(c);
	}
}

/* Every shipped file parses and yields holidays for a century. */
static void
test_shipped_parse(void **state)
{
	static const char *const cc[] = {"US", "GB", "DE", "FR", "ES",
	                                 "IT", "NL", "CA", "AU", "JP"};
	(void)state;

	for (size_t i = 0; i < sizeof cc / sizeof cc[0]; i++) {
		struct holidays *h = NULL;
		char *err = NULL;

		if (calendar_load(holidays_dir(), cc[i], 2000, 2099, &h,
		                  &err) != CALENDAR_OK)
			fail_msg("%s: %s", cc[i], err);
		assert_true(h->n >= 100 * 5);
		for (size_t j = 1; j < h->n; j++)
			assert_true(h->days[j - 1] < h->days[j]);
		holidays_free(h);
	}
}

/* ---- the scheduler's view: calendar_load ---- */

static void
test_load(void **state)
{
	struct holidays *h = NULL;
	char *err = NULL;
	(void)state;

	/* a moved holiday is a holiday on both days */
	assert_int_equal(
	    calendar_load(holidays_dir(), "us", 2026, 2026, &h, &err),
	    CALENDAR_OK);
	assert_true(holidays_contains(h, D("2026-07-03")));
	assert_true(holidays_contains(h, D("2026-07-04")));
	assert_false(holidays_contains(h, D("2026-07-06")));
	assert_int_equal(h->n, 12);
	assert_int_equal(cadence_next_business_day(h, D("2026-07-02")),
	                 D("2026-07-06"));
	holidays_free(h);

	/* only days inside the years: 2027 has 2027-12-31 (New Year's Day
	 * 2028 observed) but not 2028-01-01 */
	assert_int_equal(
	    calendar_load(holidays_dir(), "US", 2027, 2027, &h, &err),
	    CALENDAR_OK);
	assert_true(holidays_contains(h, D("2027-12-31")));
	assert_false(holidays_contains(h, D("2028-01-01")));
	assert_true(holidays_contains(h, D("2027-01-01")));
	assert_false(holidays_contains(h, D("2026-12-25")));
	holidays_free(h);

	/* "UK" is GB */
	assert_int_equal(
	    calendar_load(holidays_dir(), "UK", 2026, 2026, &h, &err),
	    CALENDAR_OK);
	assert_true(holidays_contains(h, D("2026-12-28")));
	assert_true(holidays_contains(h, D("2026-12-26")));
	holidays_free(h);
}

static void
test_load_errors(void **state)
{
	static const struct {
		const char *cc;
		int y0, y1, rc;
		const char *msg;
	} t[] = {
	    {"XX", 2026, 2026, CALENDAR_ENOENT, "no holidays for country XX"},
	    {"zz", 2026, 2026, CALENDAR_ENOENT, "ZZ.conf: no holidays"},
	    {"GBR", 2026, 2026, CALENDAR_EINVAL, "two-letter country code"},
	    {"G", 2026, 2026, CALENDAR_EINVAL, "two-letter country code"},
	    {"..", 2026, 2026, CALENDAR_EINVAL, "two-letter country code"},
	    {"", 2026, 2026, CALENDAR_EINVAL, "two-letter country code"},
	    {"US", 2027, 2026, CALENDAR_EINVAL, "years 2027..2026"},
	    {"US", 1000, 2026, CALENDAR_EINVAL, "years 1000..2026"},
	    {"US", 2026, 10000, CALENDAR_EINVAL, "years 2026..10000"},
	    {"US", 2000, 2400, CALENDAR_EINVAL, "at most 400 years"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct holidays *h = NULL;
		char *err = NULL;
		int rc = calendar_load(holidays_dir(), t[i].cc, t[i].y0,
		                       t[i].y1, &h, &err);

		if (rc != t[i].rc || err == NULL ||
		    strstr(err, t[i].msg) == NULL)
			fail_msg("%s %d..%d: rc %d '%s', want %d '%s'", t[i].cc,
			         t[i].y0, t[i].y1, rc, err ? err : "", t[i].rc,
			         t[i].msg);
		assert_null(h);
		free(err);
	}
	{
		char *err = NULL;
		struct calendar *c = NULL;

		assert_int_equal(calendar_open(holidays_dir(), NULL, &c, &err),
		                 CALENDAR_EINVAL);
		free(err);
	}
}

/* A file that cannot be read is CALENDAR_EIO; NUL bytes are a syntax
 * error. */
static void
test_load_io(void **state)
{
	char tmpl[] = "/tmp/test_calendar.XXXXXX", *dir, *p, *err = NULL;
	struct calendar *c = NULL;
	FILE *f;
	(void)state;

	dir = mkdtemp(tmpl);
	assert_non_null(dir);
	p = xasprintf("%s/DE.conf", dir);
	assert_int_equal(mkdir(p, 0700), 0); /* a directory: read fails */
	assert_int_equal(calendar_open(dir, "DE", &c, &err), CALENDAR_EIO);
	assert_non_null(strstr(err, "DE.conf"));
	free(err);
	rmdir(p);
	free(p);

	p = xasprintf("%s/FR.conf", dir);
	f = fopen(p, "w");
	assert_non_null(f);
	fwrite("fixed 01-01 X\n\0", 1, 15, f);
	fclose(f);
	err = NULL;
	assert_int_equal(calendar_open(dir, "FR", &c, &err), CALENDAR_ESYNTAX);
	assert_non_null(strstr(err, "NUL"));
	free(err);
	unlink(p);
	free(p);

	p = xasprintf("%s/IT.conf", dir);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("# ok\nfixed 01-01 New Year\nnth 9 mon 01 Bad\n", f);
	fclose(f);
	err = NULL;
	assert_int_equal(calendar_open(dir, "it", &c, &err), CALENDAR_ESYNTAX);
	assert_non_null(strstr(err, "/IT.conf:3: nth wants a count"));
	free(err);
	unlink(p);
	free(p);
	rmdir(dir);
}

/* ---- the rules ---- */

static void
test_rules(void **state)
{
	static const struct {
		const char *text;
		int year;
		const char *want;
	} t[] = {
	    /* nth: 5th Friday only in months that have one */
	    {"nth 5 fri 01 X\n", 2027, "01-29"},
	    {"nth 5 fri 01 X\n", 2026, "01-30"},
	    {"nth 5 fri 02 X\n", 2026, ""},
	    {"nth 5 sun 02 X\n", 2026, ""},
	    {"nth 4 sun 02 X\n", 2026, "02-22"},
	    {"nth 1 sun 02 X\n", 2026, "02-01"},
	    {"nth -1 sat 02 X\n", 2026, "02-28"},
	    {"nth -5 sun 03 X\n", 2026, "03-01"},
	    {"nth -5 wed 03 X\n", 2026, ""},
	    {"nth 1 Mon 9 Labor Day\n", 2026, "09-07"},
	    /* anchored: on or before / after a date */
	    {"nth -1 mon 05-24 Victoria\n", 2027, "05-24"},
	    {"nth -1 mon 05-24 Victoria\n", 2026, "05-18"},
	    {"nth 1 sat 06-20 Midsummer\n", 2026, "06-20"},
	    {"nth 1 sat 06-20 Midsummer\n", 2027, "06-26"},
	    {"nth 2 sat 06-20 Second\n", 2027, "07-03"},
	    {"nth -2 mon 05-24 X\n", 2026, "05-11"},
	    /* 29 February only in leap years */
	    {"fixed 02-29 Leap\n", 2028, "02-29"},
	    {"fixed 02-29 Leap\n", 2027, ""},
	    {"fixed 02-29 observed Leap\n", 2032, "03-01=02-29"},
	    /* bounds */
	    {"fixed 06-19 Juneteenth from 2021\n", 2020, ""},
	    {"fixed 06-19 Juneteenth from 2021\n", 2021, "06-19"},
	    {"fixed 04-30 Q until 2013\nfixed 04-27 K from 2014\n", 2013,
	     "04-30"},
	    {"fixed 04-30 Q until 2013\nfixed 04-27 K from 2014\n", 2014,
	     "04-27"},
	    {"fixed 01-01 X until 2030 from 2026\n", 2031, ""},
	    {"fixed 01-01 X until 2030 from 2026\n", 2030, "01-01"},
	    {"date 2023-05-08 Coronation\n", 2023, "05-08"},
	    {"date 2023-05-08 Coronation\n", 2024, ""},
	    /* observed: both directions, and across the year's end */
	    {"fixed 01-01 observed NY\n", 2022, "2021-12-31=01-01"},
	    {"fixed 01-01 observed NY\n", 2021, "01-01 12-31=2022-01-01"},
	    {"fixed 01-01 observed NY\n", 2023, "01-02=01-01"},
	    /* substitute: Saturday and Sunday; a chain of them */
	    {"fixed 12-25 substitute C\nfixed 12-26 substitute B\n", 2021,
	     "12-27=12-25 12-28=12-26"},
	    {"fixed 12-31 substitute Eve\n", 2022, "2023-01-02=12-31"},
	    /* substitute skips a holiday on the next weekday (JP Golden Week)
	     */
	    {"fixed 05-03 substitute-sunday A\nfixed 05-04 B\nfixed 05-05 C\n",
	     2026, "05-04 05-05 05-06=05-03"},
	    /* substitute-sunday leaves Saturday alone */
	    {"fixed 01-01 substitute-sunday NY\n", 2028, "01-01"},
	    {"fixed 01-01 substitute-sunday NY\n", 2023, "01-02=01-01"},
	    /* duplicates from two rules both listed */
	    {"fixed 05-14 A\neaster +39 B\n", 2026, "05-14 05-14"},
	    /* CRLF and comments */
	    {"# c\r\n\r\nfixed 01-06 Epiphany # x\r\n", 2026, "01-06"},
	    {"", 2026, ""},
	};
	(void)state;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct calendar *c = parse_ok(t[i].text);
		char *got = list(c, t[i].year);

		if (strcmp(got, t[i].want) != 0)
			fail_msg("%s in %d: got '%s', want '%s'", t[i].text,
			         t[i].year, got, t[i].want);
		free(got);
		calendar_free(c);
	}
}

/* Names and order of a listing. */
static void
test_names(void **state)
{
	struct calendar *c =
	    parse_ok("fixed 12-26 substitute  Boxing   Day\t # sub\n"
	             "fixed 12-25 substitute Christmas Day\n"
	             "fixed 12-25 Also Christmas\n");
	struct calendar_day *v;
	size_t n;
	char *err = NULL;
	(void)state;

	assert_int_equal(calendar_list(c, 2027, 2027, &v, &n, &err),
	                 CALENDAR_OK);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].name, "Also Christmas"); /* by day */
	assert_int_equal(v[0].day, D("2027-12-25"));
	assert_int_equal(v[0].actual, D("2027-12-25"));
	assert_string_equal(v[1].name, "Christmas Day");
	assert_int_equal(v[1].day, D("2027-12-27"));
	assert_int_equal(v[1].actual, D("2027-12-25"));
	assert_string_equal(v[2].name, "Boxing Day"); /* spaces squeezed */
	assert_int_equal(v[2].day, D("2027-12-28"));
	assert_int_equal(v[2].actual, D("2027-12-26"));
	free(v);

	assert_int_equal(calendar_list(c, 2026, 2026, &v, &n, &err),
	                 CALENDAR_OK);
	free(v);
	assert_int_equal(calendar_list(c, 2026, 2025, &v, &n, &err),
	                 CALENDAR_EINVAL);
	assert_non_null(err);
	free(err);
	calendar_free(c);
}

static void
test_parse_errors(void **state)
{
	static const struct {
		const char *text, *msg;
	} t[] = {
	    {"fixed 13-01 X\n", "t.conf:1: fixed wants a date MM-DD"},
	    {"fixed 02-30 X\n", "t.conf:1: fixed wants a date MM-DD"},
	    {"fixed 04-31 X\n", "t.conf:1: fixed wants a date MM-DD"},
	    {"fixed 1-1 X\n", "t.conf:1: fixed wants a date MM-DD, as 12-25, "
	                      "not '1-1'"},
	    {"\n# c\nfixed\n", "t.conf:3: fixed wants a date MM-DD"},
	    {"fixed 12-25\n", "t.conf:1: the holiday has no name"},
	    {"fixed 12-25 observed\n", "t.conf:1: the holiday has no name"},
	    {"fixed 12-25 from 2020\n", "t.conf:1: the holiday has no name"},
	    {"easter\n", "t.conf:1: easter wants an offset"},
	    {"easter +101 X\n", "t.conf:1: easter wants an offset in days, "
	                        "-100..+100, not '+101'"},
	    {"easter 1x X\n", "t.conf:1: easter wants an offset"},
	    {"nth 0 mon 01 X\n", "t.conf:1: nth wants a count 1..5"},
	    {"nth 6 mon 01 X\n", "t.conf:1: nth wants a count 1..5"},
	    {"nth 1 monday 01 X\n", "t.conf:1: nth wants a weekday (mon..sun), "
	                            "not 'monday'"},
	    {"nth 1 mon 13 X\n",
	     "t.conf:1: nth wants a month 01..12 or a date"},
	    {"nth 1 mon 001 X\n", "t.conf:1: nth wants a month"},
	    {"nth 1 mon\n", "t.conf:1: nth wants a month"},
	    {"date 2027-02-29 X\n", "t.conf:1: date wants a real date "
	                            "YYYY-MM-DD, not '2027-02-29'"},
	    {"date 1500-01-01 X\n", "t.conf:1: year 1500 out of range"},
	    {"fixed 01-01 X from 20\n",
	     "t.conf:1: from wants a year 1583..9999, "
	     "not '20'"},
	    {"fixed 01-01 X until 12345\n", "t.conf:1: until wants a year"},
	    {"fixed 01-01 X from 2020 from 2021\n",
	     "t.conf:1: from given twice"},
	    {"fixed 01-01 X from 2021 until 2020\n",
	     "t.conf:1: from 2021 is after until 2020"},
	    {"fixed 01-01 ok\nweekly mon X\n",
	     "t.conf:2: unknown rule 'weekly' "
	     "(want fixed, easter, nth or "
	     "date)"},
	    {"01-01 X\n", "t.conf:1: unknown rule '01-01'"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct calendar *c = NULL;
		char *err = NULL;
		int rc = calendar_parse("t.conf", t[i].text, &c, &err);

		if (rc != CALENDAR_ESYNTAX || err == NULL ||
		    strstr(err, t[i].msg) != err)
			fail_msg("'%s': rc %d '%s', want '%s'", t[i].text, rc,
			         err ? err : "", t[i].msg);
		assert_null(c);
		free(err);
	}
}

static void
test_parse_limits(void **state)
{
	struct buf b;
	struct calendar *c = NULL;
	char *err = NULL;
	(void)state;

	/* a line of 1024 bytes */
	buf_init(&b);
	buf_adds(&b, "fixed 01-01 ");
	while (b.len < 1024)
		buf_addc(&b, 'x');
	buf_addc(&b, '\0');
	assert_int_equal(calendar_parse("t.conf", b.s, &c, &err),
	                 CALENDAR_ESYNTAX);
	assert_string_equal(err, "t.conf:1: line too long (max 1023 bytes)");
	free(err);
	buf_free(&b);

	/* 1023 bytes and a CR are fine */
	buf_init(&b);
	buf_adds(&b, "fixed 01-01 ");
	while (b.len < 1023)
		buf_addc(&b, 'x');
	buf_adds(&b, "\r\n");
	err = NULL;
	assert_int_equal(calendar_parse("t.conf", b.s, &c, &err),
	                 CALENDAR_ESYNTAX);
	assert_string_equal(err, "t.conf:1: name too long (max 200 bytes)");
	free(err);
	buf_free(&b);

	/* a name of more than 200 bytes */
	buf_init(&b);
	buf_adds(&b, "fixed 01-01");
	for (int i = 0; i < 30; i++)
		buf_adds(&b, " abcdefgh");
	buf_addc(&b, '\0');
	err = NULL;
	assert_int_equal(calendar_parse("t.conf", b.s, &c, &err),
	                 CALENDAR_ESYNTAX);
	assert_non_null(strstr(err, "name too long"));
	free(err);
	buf_free(&b);

	/* a name that ends in a year needs no bounds: only "from N" counts */
	c = parse_ok("date 2022-06-03 Jubilee of 1952\n");
	{
		struct calendar_day *v;
		size_t n;

		assert_int_equal(calendar_list(c, 2022, 2022, &v, &n, &err),
		                 CALENDAR_OK);
		assert_int_equal(n, 1);
		assert_string_equal(v[0].name, "Jubilee of 1952");
		free(v);
	}
	calendar_free(c);
}

/* ---- the lead's country ---- */

static void
test_country(void **state)
{
	static const struct {
		const char *field, *phone, *tz, *want;
	} t[] = {
	    /* explicit fields */
	    {"DE", NULL, NULL, "DE"},
	    {"de", NULL, NULL, "DE"},
	    {"Germany", NULL, NULL, "DE"},
	    {"Deutschland", NULL, NULL, "DE"},
	    {"DEU", NULL, NULL, "DE"},
	    {"United Kingdom", NULL, NULL, "GB"},
	    {"UK", NULL, NULL, "GB"},
	    {"U.K.", NULL, NULL, "GB"},
	    {"GB", NULL, NULL, "GB"},
	    {"england", NULL, NULL, "GB"},
	    {"USA", NULL, NULL, "US"},
	    {"U.S.A.", NULL, NULL, "US"},
	    {"  united   states ", NULL, NULL, "US"},
	    {"United States of America", NULL, NULL, "US"},
	    {"The Netherlands", NULL, NULL, "NL"},
	    {"Holland", NULL, NULL, "NL"},
	    {"España", NULL, NULL, "ES"},
	    {"Espana", NULL, NULL, "ES"},
	    {"Italia", NULL, NULL, "IT"},
	    {"France", NULL, NULL, "FR"},
	    {"Canada", NULL, NULL, "CA"},
	    {"Australia", NULL, NULL, "AU"},
	    {"Japan", NULL, NULL, "JP"},
	    {"日本", NULL, NULL, "JP"},
	    {"Österreich", NULL, NULL, "AT"},
	    {"Ireland", NULL, NULL, "IE"},
	    /* the field wins over the phone and the zone */
	    {"France", "+49 30 123456", "Europe/Berlin", "FR"},
	    /* an unknown field falls back to the phone, then the zone */
	    {"Narnia", "+49 30 123456", NULL, "DE"},
	    {"", "+33 1 23 45 67 89", NULL, "FR"},
	    {NULL, "+44 20 7946 0000", NULL, "GB"},
	    {NULL, "0049 (0)30 123456", NULL, "DE"},
	    {NULL, "+34 912 345 678", NULL, "ES"},
	    {NULL, "+39 06 1234 5678", NULL, "IT"},
	    {NULL, "+31 20 123 4567", NULL, "NL"},
	    {NULL, "+61 2 9876 5432", NULL, "AU"},
	    {NULL, "+81 3-1234-5678", NULL, "JP"},
	    {NULL, "+353 1 234 5678", NULL, "IE"},
	    {NULL, "+351 21 123 4567", NULL, "PT"},
	    {NULL, "+358 9 123 456", NULL, "FI"},
	    /* +1: US, unless the area code or the zone is Canadian */
	    {NULL, "+1 303 555 0100", NULL, "US"},
	    {NULL, "+1 (303) 555-0100", "America/Denver", "US"},
	    {NULL, "+1 416 555 0100", NULL, "CA"},
	    {NULL, "+1-604-555-0100", "America/Los_Angeles", "CA"},
	    {NULL, "+1 303 555 0100", "America/Toronto", "CA"},
	    {NULL, "001 212 555 0100", "America/New_York", "US"},
	    /* a national number says nothing: the zone decides */
	    {NULL, "030 123456", "Europe/Berlin", "DE"},
	    {NULL, "(303) 555-0100", NULL, NULL},
	    {NULL, "+999 123", NULL, NULL},
	    {NULL, "+", NULL, NULL},
	    /* zones */
	    {NULL, NULL, "Europe/Berlin", "DE"},
	    {NULL, NULL, "Europe/London", "GB"},
	    {NULL, NULL, "America/Toronto", "CA"},
	    {NULL, NULL, "America/Vancouver", "CA"},
	    {NULL, NULL, "America/New_York", "US"},
	    {NULL, NULL, "America/Indiana/Indianapolis", "US"},
	    {NULL, NULL, "Pacific/Honolulu", "US"},
	    {NULL, NULL, "Asia/Tokyo", "JP"},
	    {NULL, NULL, "Australia/Sydney", "AU"},
	    {NULL, NULL, "Australia/Perth", "AU"},
	    {NULL, NULL, "Europe/Paris", "FR"},
	    {NULL, NULL, "Atlantic/Canary", "ES"},
	    {NULL, NULL, "Europe/Rome", "IT"},
	    {NULL, NULL, "Europe/Amsterdam", "NL"},
	    {NULL, NULL, "America/Indiana", NULL},
	    {NULL, NULL, "Europe/Berlinx", NULL},
	    {NULL, NULL, "UTC", NULL},
	    {NULL, NULL, "", NULL},
	    {NULL, NULL, NULL, NULL},
	    {"Narnia", "12345", "Mars/Olympus", NULL},
	};
	(void)state;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const char *got =
		    calendar_country(t[i].field, t[i].phone, t[i].tz);

		if (got == NULL && t[i].want == NULL)
			continue;
		if (got == NULL || t[i].want == NULL ||
		    strcmp(got, t[i].want) != 0)
			fail_msg("%s | %s | %s: got %s, want %s",
			         t[i].field ? t[i].field : "-",
			         t[i].phone ? t[i].phone : "-",
			         t[i].tz ? t[i].tz : "-", got ? got : "NULL",
			         t[i].want ? t[i].want : "NULL");
	}
	assert_string_equal(calendar_country_name("gb"), "United Kingdom");
	assert_string_equal(calendar_country_name("UK"), "United Kingdom");
	assert_string_equal(calendar_country_name("JP"), "Japan");
	assert_null(calendar_country_name("XX"));
	assert_null(calendar_country_name(NULL));
}

/* Every code calendar_country can name for the shipped countries has a
 * rule file, and every shipped file's country is detected from its zone. */
static void
test_country_files(void **state)
{
	static const struct {
		const char *tz, *cc;
	} t[] = {
	    {"America/Chicago", "US"},     {"Europe/London", "GB"},
	    {"Europe/Berlin", "DE"},       {"Europe/Paris", "FR"},
	    {"Europe/Madrid", "ES"},       {"Europe/Rome", "IT"},
	    {"Europe/Amsterdam", "NL"},    {"America/Winnipeg", "CA"},
	    {"Australia/Melbourne", "AU"}, {"Asia/Tokyo", "JP"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const char *cc = calendar_country(NULL, NULL, t[i].tz);
		struct holidays *h = NULL;
		char *err = NULL;

		assert_non_null(cc);
		assert_string_equal(cc, t[i].cc);
		if (calendar_load(holidays_dir(), cc, 2026, 2026, &h, &err) !=
		    CALENDAR_OK)
			fail_msg("%s: %s", cc, err);
		assert_true(h->n >= 5);
		holidays_free(h);
	}
}

/* ---- merge ---- */

static void
test_merge(void **state)
{
	int a_days[] = {1, 3, 5, 7}, b_days[] = {2, 3, 8};
	struct holidays a = {a_days, 4}, b = {b_days, 3}, e = {NULL, 0};
	struct holidays *m;
	static const int want[] = {1, 2, 3, 5, 7, 8};
	(void)state;

	m = calendar_merge(&a, &b);
	assert_int_equal(m->n, 6);
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(m->days[i], want[i]);
	holidays_free(m);

	m = calendar_merge(&b, &a);
	assert_int_equal(m->n, 6);
	assert_int_equal(m->days[5], 8);
	holidays_free(m);

	m = calendar_merge(NULL, &b);
	assert_int_equal(m->n, 3);
	assert_true(holidays_contains(m, 8));
	holidays_free(m);

	m = calendar_merge(&a, &e);
	assert_int_equal(m->n, 4);
	holidays_free(m);

	m = calendar_merge(NULL, NULL);
	assert_non_null(m);
	assert_int_equal(m->n, 0);
	assert_false(holidays_contains(m, 1));
	holidays_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_easter),
	    cmocka_unit_test(test_shipped_countries),
	    cmocka_unit_test(test_shipped_parse),
	    cmocka_unit_test(test_load),
	    cmocka_unit_test(test_load_errors),
	    cmocka_unit_test(test_load_io),
	    cmocka_unit_test(test_rules),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_parse_limits),
	    cmocka_unit_test(test_country),
	    cmocka_unit_test(test_country_files),
	    cmocka_unit_test(test_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
