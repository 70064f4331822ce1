/* test_cadence - sequences, holidays, business days, due dates, windows */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cadence.h"
#include "clock.h"

#define DENVER "America/Denver"
#define BERLIN "Europe/Berlin"

static const char *seq12345x =
    "# 1-2-3-4-5-X\n"
    "name      12345x\n"
    "stage 1   after 0            email call\n"
    "stage 2   after 2 business   email call note\n"
    "stage 3   after 3 business   email call\n"
    "stage 4   after 4 business   email call\n"
    "stage 5   after 5 business   email call\n"
    "stage X   after 1 month      email research   repeat\n"
    "max_x     0                  # 0 = unlimited\n";

/* ---- helpers ---- */

static int
D(const char *s)
{
	int day;

	if (clock_parse_date(s, &day) != CLOCK_OK)
		fail_msg("bad test date %s", s);
	return day;
}

static time_t
T(const char *s, const char *tz)
{
	time_t t;
	char *err = NULL;

	if (clock_parse_iso(s, tz, &t, &err) != CLOCK_OK)
		fail_msg("bad test time %s: %s", s, err);
	return t;
}

static const char *
iso(time_t t, const char *tz)
{
	static char buf[4][40];
	static int n;

	n = (n + 1) % 4;
	if (t == (time_t)-1)
		return "(-1)";
	clock_format_iso(t, tz, buf[n], sizeof buf[n]);
	return buf[n];
}

static const char *
date(int day)
{
	static char buf[4][40];
	static int n;
	int y, m, d;

	n = (n + 1) % 4;
	clock_civil_from_day(day, &y, &m, &d);
	snprintf(buf[n], sizeof buf[n], "%04d-%02d-%02d", y, m, d);
	return buf[n];
}

static struct sequence *
seq_of(const char *text)
{
	struct sequence *seq = NULL;
	char *err = NULL;

	if (sequence_parse("t.conf", text, &seq, &err) != CADENCE_OK)
		fail_msg("sequence_parse: %s", err);
	return seq;
}

static struct holidays *
hol_of(const char *text)
{
	struct holidays *h = NULL;
	char *err = NULL;

	if (holidays_parse("h", text, &h, &err) != CADENCE_OK)
		fail_msg("holidays_parse: %s", err);
	return h;
}

static char *
srcpath(const char *rel)
{
	const char *top = getenv("top_srcdir");
	static char buf[4096];

	snprintf(buf, sizeof buf, "%s/%s", top && *top ? top : ".", rel);
	return buf;
}

/* ---- channels ---- */

static void
test_channels(void **state)
{
	static const struct {
		const char *name;
		unsigned bit;
	} t[] = {
	    {"email", CHANNEL_EMAIL},   {"call", CHANNEL_CALL},
	    {"text", CHANNEL_TEXT},     {"visit", CHANNEL_VISIT},
	    {"note", CHANNEL_NOTE},     {"research", CHANNEL_RESEARCH},
	    {"social", CHANNEL_SOCIAL},
	};
	unsigned all = 0;

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		assert_int_equal(cadence_channel_parse(t[i].name), t[i].bit);
		assert_string_equal(cadence_channel_name(t[i].bit), t[i].name);
		all |= t[i].bit;
	}
	assert_int_equal(all, CHANNEL_ALL);
	assert_int_equal(cadence_channel_parse("EMAIL"), CHANNEL_EMAIL);
	assert_int_equal(cadence_channel_parse("fax"), 0);
	assert_int_equal(cadence_channel_parse(""), 0);
	assert_null(cadence_channel_name(0));
	assert_null(cadence_channel_name(CHANNEL_EMAIL | CHANNEL_CALL));
	assert_null(cadence_channel_name(1u << 7));
}

/* ---- sequence parsing ---- */

static void
test_sequence_parse_ok(void **state)
{
	struct sequence *seq;
	const struct cadence_step *s;

	(void)state;
	seq = seq_of(seq12345x);
	assert_string_equal(seq->name, "12345x");
	assert_int_equal(seq->nsteps, 6);
	assert_int_equal(seq->max_x, 0);
	static const struct {
		const char *name;
		enum cadence_unit unit;
		int amount;
		unsigned ch;
		int repeat;
	} want[] = {
	    {"1", CADENCE_NOW, 0, CHANNEL_EMAIL | CHANNEL_CALL, 0},
	    {"2", CADENCE_BUSINESS, 2,
	     CHANNEL_EMAIL | CHANNEL_CALL | CHANNEL_NOTE, 0},
	    {"3", CADENCE_BUSINESS, 3, CHANNEL_EMAIL | CHANNEL_CALL, 0},
	    {"4", CADENCE_BUSINESS, 4, CHANNEL_EMAIL | CHANNEL_CALL, 0},
	    {"5", CADENCE_BUSINESS, 5, CHANNEL_EMAIL | CHANNEL_CALL, 0},
	    {"X", CADENCE_MONTHS, 1, CHANNEL_EMAIL | CHANNEL_RESEARCH, 1},
	};
	for (size_t i = 0; i < 6; i++) {
		s = &seq->steps[i];
		assert_string_equal(s->name, want[i].name);
		assert_int_equal(s->unit, want[i].unit);
		assert_int_equal(s->amount, want[i].amount);
		assert_int_equal(s->channels, want[i].ch);
		assert_int_equal(s->repeat, want[i].repeat);
	}
	assert_true(cadence_step_has(&seq->steps[1], CHANNEL_NOTE));
	assert_false(cadence_step_has(&seq->steps[2], CHANNEL_NOTE));
	sequence_free(seq);
}

static void
test_sequence_parse_ok2(void **state)
{
	struct sequence *seq;

	(void)state;
	seq = seq_of("name\ta-b_c\r\n\r\n  # c\r\n"
	             "stage A after 1 day text # x\r\n"
	             "stage b2\tafter 10 days visit social\r\n"
	             "stage Z after 2 months note repeat\r\n"
	             "max_x 3");
	assert_string_equal(seq->name, "a-b_c");
	assert_int_equal(seq->nsteps, 3);
	assert_int_equal(seq->steps[0].unit, CADENCE_DAYS);
	assert_int_equal(seq->steps[0].amount, 1);
	assert_int_equal(seq->steps[1].amount, 10);
	assert_int_equal(seq->steps[1].channels,
	                 CHANNEL_VISIT | CHANNEL_SOCIAL);
	assert_int_equal(seq->steps[2].unit, CADENCE_MONTHS);
	assert_int_equal(seq->steps[2].amount, 2);
	assert_true(seq->steps[2].repeat);
	assert_int_equal(seq->max_x, 3);
	sequence_free(seq);
	sequence_free(NULL);
}

static void
test_sequence_errors(void **state)
{
	static const struct {
		const char *text;
		const char *err; /* expected message prefix */
	} t[] = {
	    {"name a\nstage 1 after 0 email\nfoo bar\n",
	     "t.conf:3: unknown key 'foo'"},
	    {"name a\nname b\nstage 1 after 0 email\n",
	     "t.conf:2: duplicate 'name'"},
	    {"name a b\nstage 1 after 0 email\n", "t.conf:1: name:"},
	    {"name a/b\nstage 1 after 0 email\n", "t.conf:1: name:"},
	    {"name\n", "t.conf:1: name:"},
	    {"stage 1 after 0 email\n", "t.conf: no 'name' line"},
	    {"name a\n# nothing\n\n", "t.conf: no stages"},
	    {"name a\nstage\n", "t.conf:2: stage: missing stage name"},
	    {"name a\nstage 1234 after 0 email\n",
	     "t.conf:2: bad stage name '1234'"},
	    {"name a\nstage 1- after 0 email\n", "t.conf:2: bad stage name"},
	    {"name a\nstage 1 before 0 email\n",
	     "t.conf:2: stage 1: expected 'after'"},
	    {"name a\nstage 1 after\n", "t.conf:2: stage 1: missing delay"},
	    {"name a\nstage 1 after 2\n",
	     "t.conf:2: stage 1: missing delay unit"},
	    {"name a\nstage 1 after 2 weeks email\n",
	     "t.conf:2: stage 1: unknown delay unit 'weeks'"},
	    {"name a\nstage 1 after two business email\n",
	     "t.conf:2: stage 1: bad number 'two'"},
	    {"name a\nstage 1 after -2 business email\n",
	     "t.conf:2: stage 1: bad number '-2'"},
	    {"name a\nstage 1 after 0 business email\n",
	     "t.conf:2: stage 1: bad number '0'"},
	    {"name a\nstage 1 after 251 business email\n",
	     "t.conf:2: stage 1: bad number '251'"},
	    {"name a\nstage 1 after 121 months email\n",
	     "t.conf:2: stage 1: bad number '121'"},
	    {"name a\nstage 1 after 99999999999 days email\n",
	     "t.conf:2: stage 1: bad number"},
	    {"name a\nstage 1 after 0\n", "t.conf:2: stage 1: no channel"},
	    {"name a\nstage 1 after 0 repeat\n",
	     "t.conf:2: stage 1: no channel"},
	    {"name a\nstage 1 after 0 email fax\n",
	     "t.conf:2: stage 1: unknown channel 'fax'"},
	    {"name a\nstage 1 after 0 email call email\n",
	     "t.conf:2: stage 1: channel 'email' listed twice"},
	    {"name a\nstage 1 after 0 email repeat call\n",
	     "t.conf:2: stage 1: 'repeat' must end the line"},
	    {"name a\nstage 1 after 0 email\n\nstage 1 after 1 day email\n",
	     "t.conf:4: duplicate stage '1' (first on line 2)"},
	    {"name a\nstage x after 0 email\nstage X after 1 day email\n",
	     "t.conf:3: duplicate stage 'X'"},
	    {"name a\nstage X after 0 email repeat\n# c\nstage 2 after 1 day "
	     "email\n",
	     "t.conf:2: stage X repeats but is not the last stage"},
	    {"name a\nstage X1 after 0 email\nstage X after 1 month email "
	     "repeat\n",
	     "t.conf:2: stage name 'X1' clashes"},
	    {"name a\nstage 1 after 0 email\nmax_x -1\n",
	     "t.conf:3: max_x: bad number '-1'"},
	    {"name a\nstage 1 after 0 email\nmax_x\n",
	     "t.conf:3: max_x: bad number"},
	    {"name a\nmax_x 1\nmax_x 2\n", "t.conf:3: duplicate 'max_x'"},
	    {"name a\nstage 1 after 0 email\nStage 2 after 1 day email\n",
	     "t.conf:3: unknown key 'Stage'"},
	};
	char long_text[2200];
	char many[400];
	struct sequence *seq;
	char *err;

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		seq = NULL;
		err = NULL;
		assert_int_equal(
		    sequence_parse("t.conf", t[i].text, &seq, &err),
		    CADENCE_ESYNTAX);
		assert_null(seq);
		assert_non_null(err);
		if (strncmp(err, t[i].err, strlen(t[i].err)) != 0)
			fail_msg("case %zu: got \"%s\", want prefix \"%s\"", i,
			         err, t[i].err);
		free(err);
	}

	/* a line over 1023 bytes */
	snprintf(long_text, sizeof long_text,
	         "name a\n# %01100d\nstage 1 after 0 email\n", 0);
	err = NULL;
	assert_int_equal(sequence_parse("t.conf", long_text, &seq, &err),
	                 CADENCE_ESYNTAX);
	assert_string_equal(err, "t.conf:2: line too long (max 1023 bytes)");
	free(err);

	/* too many words */
	strcpy(many, "name a\nstage 1 after 0");
	for (int i = 0; i < 40; i++)
		strcat(many, " email");
	err = NULL;
	assert_int_equal(sequence_parse("t.conf", many, &seq, &err),
	                 CADENCE_ESYNTAX);
	assert_string_equal(err, "t.conf:2: too many words on the line");
	free(err);

	/* errstr may be NULL */
	assert_int_equal(sequence_parse("t.conf", "bogus", &seq, NULL),
	                 CADENCE_ESYNTAX);
}

static void
test_sequence_load(void **state)
{
	struct sequence *seq = NULL;
	char *err = NULL;
	char path[] = "/tmp/cad-test-XXXXXX";
	int fd;

	(void)state;
	assert_int_equal(sequence_load("/nonexistent/seq.conf", &seq, &err),
	                 CADENCE_EIO);
	assert_string_equal(err,
	                    "/nonexistent/seq.conf: No such file or directory");
	free(err);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "name a\nstage 1 after 0 email\n\0x\n", 32),
	                 32);
	close(fd);
	err = NULL;
	assert_int_equal(sequence_load(path, &seq, &err), CADENCE_ESYNTAX);
	assert_non_null(strstr(err, "NUL byte"));
	free(err);
	unlink(path);
}

/* ---- labels and next ---- */

static void
test_labels(void **state)
{
	static const struct {
		const char *label;
		int ok;
		size_t step;
		int xcount;
	} t[] = {
	    {"1", 1, 0, 0},   {"5", 1, 4, 0},   {"X1", 1, 5, 0},
	    {"x1", 1, 5, 0},  {"X2", 1, 5, 1},  {"X12", 1, 5, 11},
	    {"X", 1, 5, 0},   {"X0", 0, 0, 0},  {"X01", 0, 0, 0},
	    {"X-1", 0, 0, 0}, {"6", 0, 0, 0},   {"", 0, 0, 0},
	    {"1X", 0, 0, 0},  {"X1a", 0, 0, 0}, {"X99999999999", 0, 0, 0},
	};
	struct sequence *seq = seq_of(seq12345x);
	char buf[40];
	size_t step;
	int xc;

	(void)state;
	assert_string_equal(cadence_stage_label(seq, 0, 0, buf, sizeof buf),
	                    "1");
	assert_string_equal(cadence_stage_label(seq, 4, 0, buf, sizeof buf),
	                    "5");
	assert_string_equal(cadence_stage_label(seq, 5, 0, buf, sizeof buf),
	                    "X1");
	assert_string_equal(cadence_stage_label(seq, 5, 1, buf, sizeof buf),
	                    "X2");
	assert_string_equal(cadence_stage_label(seq, 5, 41, buf, sizeof buf),
	                    "X42");
	assert_string_equal(cadence_stage_label(seq, 9, 0, buf, sizeof buf),
	                    "?");
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		step = 99;
		xc = -7;
		int rc = cadence_stage_parse(seq, t[i].label, &step, &xc);
		if (!t[i].ok) {
			if (rc != -1)
				fail_msg("label '%s' should not parse",
				         t[i].label);
			continue;
		}
		if (rc != 0)
			fail_msg("label '%s' should parse", t[i].label);
		assert_int_equal(step, t[i].step);
		assert_int_equal(xc, t[i].xcount);
	}
	/* round trip */
	for (size_t i = 0; i < 6; i++)
		for (int x = 0; x < 3; x++) {
			cadence_stage_label(seq, i, x, buf, sizeof buf);
			assert_int_equal(
			    cadence_stage_parse(seq, buf, &step, &xc), 0);
			assert_int_equal(step, i);
			assert_int_equal(xc, seq->steps[i].repeat ? x : 0);
		}
	sequence_free(seq);
}

static void
test_next(void **state)
{
	struct sequence *seq = seq_of(seq12345x);
	struct sequence *lim =
	    seq_of("name l\nstage 1 after 0 email\n"
	           "stage X after 1 month email repeat\nmax_x 2\n");
	struct sequence *once = seq_of("name o\nstage 1 after 0 email\n"
	                               "stage 2 after 1 business email\n");
	size_t ns;
	int nx;

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(cadence_next(seq, i, 0, &ns, &nx), 1);
		assert_int_equal(ns, i + 1);
		assert_int_equal(nx, 0);
	}
	assert_int_equal(cadence_next(seq, 5, 0, &ns, &nx), 1);
	assert_int_equal(ns, 5);
	assert_int_equal(nx, 1);
	assert_int_equal(cadence_next(seq, 5, 500, &ns, &nx), 1);
	assert_int_equal(nx, 501);
	assert_int_equal(cadence_next(seq, 6, 0, &ns, &nx), 0);

	/* max_x 2: X1 then X2, then over */
	assert_int_equal(cadence_next(lim, 0, 0, &ns, &nx), 1);
	assert_int_equal(cadence_next(lim, 1, 0, &ns, &nx), 1);
	assert_int_equal(nx, 1);
	assert_int_equal(cadence_next(lim, 1, 1, &ns, &nx), 0);

	assert_int_equal(cadence_next(once, 0, 0, &ns, &nx), 1);
	assert_int_equal(cadence_next(once, 1, 0, &ns, &nx), 0);
	sequence_free(seq);
	sequence_free(lim);
	sequence_free(once);
}

/* ---- holidays ---- */

static void
test_holidays_parse(void **state)
{
	struct holidays *h;

	(void)state;
	h = hol_of("# sample\n\n2026-12-25   # Christmas\r\n2026-01-01\n"
	           "  2026-12-25\n2028-02-29\n");
	assert_int_equal(h->n, 3);
	assert_true(h->days[0] < h->days[1] && h->days[1] < h->days[2]);
	assert_true(holidays_contains(h, D("2026-12-25")));
	assert_true(holidays_contains(h, D("2026-01-01")));
	assert_true(holidays_contains(h, D("2028-02-29")));
	assert_false(holidays_contains(h, D("2026-12-24")));
	assert_false(holidays_contains(h, D("2026-12-26")));
	assert_false(holidays_contains(h, D("1970-01-01")));
	assert_false(holidays_contains(NULL, D("2026-12-25")));
	holidays_free(h);
	h = hol_of("");
	assert_int_equal(h->n, 0);
	assert_false(holidays_contains(h, 0));
	holidays_free(h);
	holidays_free(NULL);
}

static void
test_holidays_errors(void **state)
{
	static const struct {
		const char *text;
		const char *err;
	} t[] = {
	    {"2026-13-01\n", "h:1: bad date '2026-13-01'"},
	    {"2026-01-01\n2026-02-30\n", "h:2: bad date '2026-02-30'"},
	    {"2026-01-01\n\n# x\n2027-02-29\n", "h:4: bad date '2027-02-29'"},
	    {"26-01-01\n", "h:1: bad date '26-01-01'"},
	    {"2026/01/01\n", "h:1: bad date"},
	    {"christmas\n", "h:1: bad date 'christmas'"},
	    {"2026-12-25 Christmas\n",
	     "h:1: unexpected 'Christmas' after the date"},
	};
	struct holidays *h = NULL;
	char *err;

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		err = NULL;
		assert_int_equal(holidays_parse("h", t[i].text, &h, &err),
		                 CADENCE_ESYNTAX);
		if (err == NULL ||
		    strncmp(err, t[i].err, strlen(t[i].err)) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err,
			         t[i].err);
		free(err);
	}
	err = NULL;
	assert_int_equal(holidays_load("/nonexistent/h", &h, &err),
	                 CADENCE_EIO);
	assert_non_null(strstr(err, "/nonexistent/h: "));
	free(err);
}

/* ---- business days ---- */

/* Every weekday of the week of Mon 2026-03-02 as a start, n = 0..5. */
static void
test_business_days_weekdays(void **state)
{
	static const struct {
		const char *start;
		const char *want[6]; /* n = 0, 1, ... 5 */
	} t[] = {
	    {"2026-03-02",
	     {"2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05",
	      "2026-03-06", "2026-03-09"}},
	    {"2026-03-03",
	     {"2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06",
	      "2026-03-09", "2026-03-10"}},
	    {"2026-03-04",
	     {"2026-03-04", "2026-03-05", "2026-03-06", "2026-03-09",
	      "2026-03-10", "2026-03-11"}},
	    {"2026-03-05",
	     {"2026-03-05", "2026-03-06", "2026-03-09", "2026-03-10",
	      "2026-03-11", "2026-03-12"}},
	    {"2026-03-06",
	     {"2026-03-06", "2026-03-09", "2026-03-10", "2026-03-11",
	      "2026-03-12", "2026-03-13"}},
	    {"2026-03-07",
	     {"2026-03-09", "2026-03-09", "2026-03-10", "2026-03-11",
	      "2026-03-12", "2026-03-13"}},
	    {"2026-03-08",
	     {"2026-03-09", "2026-03-09", "2026-03-10", "2026-03-11",
	      "2026-03-12", "2026-03-13"}},
	};
	(void)state;
	for (size_t i = 0; i < 7; i++) {
		int s = D(t[i].start);

		assert_int_equal(clock_weekday(s), (int)(i + 1) % 7);
		assert_int_equal(cadence_is_business_day(NULL, s), i < 5);
		for (int n = 0; n <= 5; n++)
			assert_string_equal(
			    date(cadence_add_business_days(NULL, s, n)),
			    t[i].want[n]);
		assert_string_equal(date(cadence_next_business_day(NULL, s)),
		                    t[i].want[1]);
	}
	/* a long stretch: 250 business days = 50 weeks */
	assert_string_equal(
	    date(cadence_add_business_days(NULL, D("2026-03-02"), 250)),
	    "2027-02-15");
}

static void
test_business_days_holidays(void **state)
{
	static const struct {
		const char *start;
		int n;
		const char *want;
	} t[] = {
	    /* Thanksgiving Thu 26 alone, then with Fri 27 too (two in a row) */
	    {"2026-11-25", 1, "2026-11-27"},
	    {"2026-11-24", 2, "2026-11-27"},
	    {"2026-11-26", 0, "2026-11-27"}, /* starts on a holiday */
	    {"2026-11-26", 1, "2026-11-27"},
	    /* MLK Mon Jan 19 after a weekend */
	    {"2026-01-16", 1, "2026-01-20"},
	    {"2026-01-16", 2, "2026-01-21"},
	    {"2026-01-19", 0, "2026-01-20"},
	    /* Independence Day observed Fri Jul 3 */
	    {"2026-07-02", 1, "2026-07-06"},
	    /* Christmas Fri Dec 25, New Year Fri Jan 1 */
	    {"2026-12-24", 2, "2026-12-29"},
	    {"2026-12-31", 1, "2027-01-04"},
	};
	struct holidays *h = hol_of("2026-01-19\n2026-07-03\n2026-11-26\n"
	                            "2026-12-25\n2027-01-01\n");
	struct holidays *h2 = hol_of("2026-11-26\n2026-11-27\n");

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		assert_string_equal(
		    date(cadence_add_business_days(h, D(t[i].start), t[i].n)),
		    t[i].want);
	/* two holidays in a row (Thu + Fri): Wed -> Mon */
	assert_string_equal(
	    date(cadence_add_business_days(h2, D("2026-11-25"), 1)),
	    "2026-11-30");
	assert_string_equal(
	    date(cadence_add_business_days(h2, D("2026-11-25"), 2)),
	    "2026-12-01");
	assert_false(cadence_is_business_day(h2, D("2026-11-27")));
	assert_true(cadence_is_business_day(h2, D("2026-11-25")));
	holidays_free(h);
	holidays_free(h2);
}

static void
test_add_months(void **state)
{
	static const struct {
		const char *from;
		int n;
		const char *want;
	} t[] = {
	    {"2026-01-31", 1, "2026-02-28"},  {"2028-01-31", 1, "2028-02-29"},
	    {"2027-01-31", 1, "2027-02-28"},  {"2026-03-31", 1, "2026-04-30"},
	    {"2026-12-15", 1, "2027-01-15"},  {"2026-01-31", 13, "2027-02-28"},
	    {"2026-03-31", -1, "2026-02-28"}, {"2026-01-15", -1, "2025-12-15"},
	    {"2024-02-29", 12, "2025-02-28"}, {"2000-02-29", 48, "2004-02-29"},
	    {"2100-01-31", 1, "2100-02-28"},  {"2026-05-10", 0, "2026-05-10"},
	    {"1969-12-31", 2, "1970-02-28"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		assert_string_equal(
		    date(cadence_add_months(D(t[i].from), t[i].n)), t[i].want);
}

/* ---- due dates ---- */

static void
assert_midnight(time_t t, const char *tz, const char *day)
{
	struct tm tm;
	char buf[40];

	clock_localtime(t, tz, &tm);
	snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday);
	if (strcmp(buf, day) != 0 || tm.tm_hour || tm.tm_min || tm.tm_sec)
		fail_msg("%s: got %s, want %sT00:00 local", tz, iso(t, tz),
		         day);
}

/* Each stage delay of 12345x from every weekday, in two zones. */
static void
test_due_each_weekday(void **state)
{
	static const char *starts[7] = {
	    "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05",
	    "2026-03-06", "2026-03-07", "2026-03-08",
	};
	/* [start][stage 2..5 then X] */
	static const char *want[7][5] = {
	    {"2026-03-04", "2026-03-05", "2026-03-06", "2026-03-09",
	     "2026-04-02"},
	    {"2026-03-05", "2026-03-06", "2026-03-09", "2026-03-10",
	     "2026-04-03"},
	    {"2026-03-06", "2026-03-09", "2026-03-10", "2026-03-11",
	     "2026-04-06"},
	    {"2026-03-09", "2026-03-10", "2026-03-11", "2026-03-12",
	     "2026-04-06"},
	    {"2026-03-10", "2026-03-11", "2026-03-12", "2026-03-13",
	     "2026-04-06"},
	    {"2026-03-10", "2026-03-11", "2026-03-12", "2026-03-13",
	     "2026-04-07"},
	    {"2026-03-10", "2026-03-11", "2026-03-12", "2026-03-13",
	     "2026-04-08"},
	};
	static const char *zones[] = {"UTC", BERLIN};
	struct sequence *seq = seq_of(seq12345x);
	char buf[32];

	(void)state;
	for (size_t z = 0; z < 2; z++)
		for (size_t i = 0; i < 7; i++) {
			snprintf(buf, sizeof buf, "%sT15:45", starts[i]);
			time_t done = T(buf, zones[z]);

			assert_int_equal(
			    cadence_due(seq, 0, done, zones[z], NULL), done);
			for (size_t s = 1; s < 6; s++)
				assert_midnight(
				    cadence_due(seq, s, done, zones[z], NULL),
				    zones[z], want[i][s - 1]);
		}
	assert_int_equal(cadence_due(seq, 6, 0, "UTC", NULL), (time_t)-1);
	sequence_free(seq);
}

static void
test_due_months(void **state)
{
	static const struct {
		const char *done;
		const char *want;
	} t[] = {
	    {"2028-01-31T10:00", "2028-02-29"}, /* leap year, a Tuesday */
	    {"2027-01-31T10:00", "2027-03-01"}, /* Feb 28 is a Sunday */
	    {"2026-01-31T10:00", "2026-03-02"}, /* Feb 28 is a Saturday */
	    {"2026-01-30T10:00", "2026-03-02"}, /* same */
	    {"2026-02-28T10:00", "2026-03-30"}, /* X2 after a clamped X1 */
	    {"2026-01-16T10:00", "2026-02-17"}, /* Feb 16 is a holiday */
	    {"2026-10-26T10:00",
	     "2026-11-30"}, /* Thu 26 + Fri 27 off, rolled */
	};
	struct sequence *seq = seq_of(seq12345x);
	struct holidays *h = hol_of("2026-02-16\n2026-11-26\n2026-11-27\n");

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		time_t done = T(t[i].done, DENVER);

		assert_midnight(cadence_due(seq, 5, done, DENVER, h), DENVER,
		                t[i].want);
	}
	/* calendar days roll too */
	struct sequence *d = seq_of("name d\nstage 1 after 0 email\n"
	                            "stage 2 after 21 days email\n");
	assert_midnight(
	    cadence_due(d, 1, T("2026-01-07T10:00", DENVER), DENVER, NULL),
	    DENVER, "2026-01-28");
	assert_midnight(
	    cadence_due(d, 1, T("2026-01-10T10:00", DENVER), DENVER, NULL),
	    DENVER, "2026-02-02"); /* Jan 31 is a Saturday */
	sequence_free(d);
	sequence_free(seq);
	holidays_free(h);
}

/* A stage done late moves the later ones. */
static void
test_due_slipped(void **state)
{
	struct sequence *seq = seq_of(seq12345x);
	time_t t;

	(void)state;
	/* stage 1 done Wed Jan 7: stage 2 due Fri Jan 9 */
	t = cadence_due(seq, 1, T("2026-01-07T09:00", DENVER), DENVER, NULL);
	assert_midnight(t, DENVER, "2026-01-09");
	/* on time: stage 3 due Wed Jan 14 */
	t = cadence_due(seq, 2, T("2026-01-09T09:00", DENVER), DENVER, NULL);
	assert_midnight(t, DENVER, "2026-01-14");
	/* stage 2 slipped to Tue Jan 13 (machine off): stage 3 due Fri 16 */
	t = cadence_due(seq, 2, T("2026-01-13T11:00", DENVER), DENVER, NULL);
	assert_midnight(t, DENVER, "2026-01-16");
	/* and stage 4 from there: Thu Jan 22 */
	t = cadence_due(seq, 3, T("2026-01-16T09:00", DENVER), DENVER, NULL);
	assert_midnight(t, DENVER, "2026-01-22");
	sequence_free(seq);
}

/* Due dates across DST changes; prev_done late in the evening, so that the UTC
 * day and the local day differ. */
static void
test_due_dst(void **state)
{
	static const struct {
		const char *tz;
		const char *done; /* with offset */
		size_t step;
		const char *want;
	} t[] = {
	    /* Denver: DST starts Sun 2026-03-08, ends Sun 2026-11-01 */
	    {DENVER, "2026-03-06T16:00:00-07:00", 1,
	     "2026-03-10T00:00:00-06:00"},
	    {DENVER, "2026-03-05T22:30:00-07:00", 1,
	     "2026-03-09T00:00:00-06:00"},
	    {DENVER, "2026-03-06T22:30:00-07:00", 2,
	     "2026-03-11T00:00:00-06:00"},
	    {DENVER, "2026-10-29T23:00:00-06:00", 1,
	     "2026-11-02T00:00:00-07:00"},
	    {DENVER, "2026-10-30T23:00:00-06:00", 4,
	     "2026-11-06T00:00:00-07:00"},
	    {DENVER, "2026-02-09T09:00:00-07:00", 5,
	     "2026-03-09T00:00:00-06:00"},
	    {DENVER, "2026-10-01T20:00:00-06:00", 5,
	     "2026-11-02T00:00:00-07:00"},
	    /* Berlin: DST starts Sun 2026-03-29, ends Sun 2026-10-25 */
	    {BERLIN, "2026-03-26T23:30:00+01:00", 1,
	     "2026-03-30T00:00:00+02:00"},
	    {BERLIN, "2026-03-27T00:15:00+01:00", 1,
	     "2026-03-31T00:00:00+02:00"},
	    {BERLIN, "2026-10-22T00:15:00+02:00", 1,
	     "2026-10-26T00:00:00+01:00"},
	    {BERLIN, "2026-10-23T00:15:00+02:00", 3,
	     "2026-10-29T00:00:00+01:00"},
	    {BERLIN, "2026-02-27T09:00:00+01:00", 5,
	     "2026-03-27T00:00:00+01:00"},
	    {BERLIN, "2026-02-28T09:00:00+01:00", 5,
	     "2026-03-30T00:00:00+02:00"},
	    {BERLIN, "2026-09-25T09:00:00+02:00", 5,
	     "2026-10-26T00:00:00+01:00"},
	};
	struct sequence *seq = seq_of(seq12345x);

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		time_t done = T(t[i].done, NULL);
		time_t due = cadence_due(seq, t[i].step, done, t[i].tz, NULL);

		if (strcmp(iso(due, t[i].tz), t[i].want) != 0)
			fail_msg("case %zu: got %s, want %s", i,
			         iso(due, t[i].tz), t[i].want);
	}
	/* the day of prev_done is taken in tz, not in UTC: Thu 22:30 in Denver
	 * is Fri 05:30 UTC */
	time_t done = T("2026-03-05T22:30:00-07:00", NULL);
	assert_string_equal(iso(cadence_due(seq, 1, done, "UTC", NULL), "UTC"),
	                    "2026-03-10T00:00:00+00:00");
	sequence_free(seq);
}

/* ---- windows ---- */

static void
test_window_parse(void **state)
{
	static const struct {
		const char *spec;
		unsigned days;
		int start, end;
		const char *canon;
	} ok[] = {
	    {"Mon-Fri 08:30-17:00", 0x3e, 510, 1020, "Mon-Fri 08:30-17:00"},
	    {"Mon,Wed,Fri 09:00-12:00", 0x2a, 540, 720,
	     "Mon,Wed,Fri 09:00-12:00"},
	    {"Mon-Sun 00:00-24:00", 0x7f, 0, 1440, "Mon-Sun 00:00-24:00"},
	    {"  mon-fri   8:30-17:00  ", 0x3e, 510, 1020,
	     "Mon-Fri 08:30-17:00"},
	    {"Sat-Sun 10:00-11:00", 0x41, 600, 660, "Sat,Sun 10:00-11:00"},
	    {"Fri-Mon 10:00-11:00", 0x63, 600, 660, "Mon,Fri-Sun 10:00-11:00"},
	    {"Sun 00:00-00:01", 0x01, 0, 1, "Sun 00:00-00:01"},
	    {"Tue,Thu-Sat 09:00-17:00", 0x74, 540, 1020,
	     "Tue,Thu-Sat 09:00-17:00"},
	};
	static const char *bad[] = {
	    "",
	    "   ",
	    "Mon-Fri",
	    "Mon-Fri ",
	    "Mon-Fri 08:30",
	    "Mon-Fri 8:30-17",
	    "Mon-Fri 17:00-08:30",
	    "Mon-Fri 08:30-08:30",
	    "Mun-Fri 08:30-17:00",
	    "Mon-Fri 08:60-17:00",
	    "Mon-Fri 24:30-25:00",
	    "Mon-Fri 08:30-25:00",
	    "Mon-Fri 24:00-24:00",
	    "Mon,,Fri 09:00-10:00",
	    "Mon, 09:00-10:00",
	    "Mon-Fri 08:30-17:00 x",
	    "Monday 09:00-10:00",
	    "Mon-Fri 08:30 17:00",
	    "Mon-Fri 123:00-124:00",
	    "Mon-Fri -08:30-17:00",
	    "Mon- 09:00-10:00",
	    "08:30-17:00",
	};
	struct window w;
	char buf[48], *err;

	(void)state;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		err = NULL;
		if (window_parse(ok[i].spec, &w, &err) != CADENCE_OK)
			fail_msg("'%s': %s", ok[i].spec, err);
		assert_int_equal(w.days, ok[i].days);
		assert_int_equal(w.start, ok[i].start);
		assert_int_equal(w.end, ok[i].end);
		assert_string_equal(window_format(&w, buf, sizeof buf),
		                    ok[i].canon);
		/* the canonical form parses to the same window */
		struct window w2;
		assert_int_equal(window_parse(buf, &w2, NULL), CADENCE_OK);
		assert_memory_equal(&w, &w2, sizeof w);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err = NULL;
		if (window_parse(bad[i], &w, &err) != CADENCE_ESYNTAX)
			fail_msg("'%s' should be refused", bad[i]);
		assert_non_null(err);
		assert_true(strncmp(err, "window '", 8) == 0);
		free(err);
	}
	assert_int_equal(window_parse(WINDOW_DEFAULT, &w, NULL), CADENCE_OK);
	assert_int_equal(window_parse(NULL, &w, NULL), CADENCE_ESYNTAX);
}

static void
test_window_contains(void **state)
{
	static const struct {
		const char *spec, *tz, *t;
		int in;
	} t[] = {
	    {WINDOW_DEFAULT, DENVER, "2026-03-04T08:29:59-07:00", 0},
	    {WINDOW_DEFAULT, DENVER, "2026-03-04T08:30:00-07:00", 1},
	    {WINDOW_DEFAULT, DENVER, "2026-03-04T16:59:59-07:00", 1},
	    {WINDOW_DEFAULT, DENVER, "2026-03-04T17:00:00-07:00", 0},
	    {WINDOW_DEFAULT, DENVER, "2026-03-07T10:00:00-07:00", 0}, /* Sat */
	    {"Mon-Sun 08:30-17:00", DENVER, "2026-03-07T10:00:00-07:00", 1},
	    /* Denver spring forward Sun 2026-03-08: 15:00Z is 09:00 MDT (would
	     * be 08:00 MST), 23:30Z is 17:30 MDT (16:30 MST) */
	    {"Mon-Sun 08:30-17:00", DENVER, "2026-03-08T15:00:00Z", 1},
	    {"Mon-Sun 08:30-17:00", DENVER, "2026-03-08T14:00:00Z", 0},
	    {"Mon-Sun 08:30-17:00", DENVER, "2026-03-08T23:30:00Z", 0},
	    {"Mon-Sun 08:30-17:00", DENVER, "2026-03-08T22:30:00Z", 1},
	    /* Denver fall back Sun 2026-11-01: 15:00Z is 08:00 MST */
	    {"Mon-Sun 08:30-17:00", DENVER, "2026-11-01T15:00:00Z", 0},
	    {"Mon-Sun 08:30-17:00", DENVER, "2026-11-01T16:30:00Z", 1},
	    {"Mon-Sun 08:30-17:00", DENVER, "2026-11-01T23:30:00Z", 1},
	    {"Mon-Sun 08:30-17:00", DENVER, "2026-11-02T00:00:00Z", 0},
	    /* Berlin spring forward Sun 2026-03-29: 07:00Z is 09:00 CEST */
	    {"Mon-Sun 08:30-17:00", BERLIN, "2026-03-29T07:00:00Z", 1},
	    {"Mon-Sun 08:30-17:00", BERLIN, "2026-03-29T06:00:00Z", 0},
	    {"Mon-Sun 08:30-17:00", BERLIN, "2026-03-29T15:30:00Z", 0},
	    /* Berlin fall back Sun 2026-10-25: 07:00Z is 08:00 CET */
	    {"Mon-Sun 08:30-17:00", BERLIN, "2026-10-25T07:00:00Z", 0},
	    {"Mon-Sun 08:30-17:00", BERLIN, "2026-10-25T15:30:00Z", 1},
	    /* a full-day window holds all of a 23- and a 25-hour day */
	    {"Mon-Sun 00:00-24:00", BERLIN, "2026-03-29T00:30:00Z", 1},
	    {"Mon-Sun 00:00-24:00", BERLIN, "2026-10-25T00:30:00Z", 1},
	    {"Mon-Sun 00:00-24:00", DENVER, "2026-11-01T07:30:00Z", 1},
	    {"Mon-Sun 00:00-24:00", DENVER, "2026-11-01T08:30:00Z", 1},
	    {"Sun 00:00-24:00", DENVER, "2026-11-02T06:59:59Z", 1},
	    {"Sun 00:00-24:00", DENVER, "2026-11-02T07:00:00Z", 0},
	};
	struct window w;

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		assert_int_equal(window_parse(t[i].spec, &w, NULL), CADENCE_OK);
		if (window_contains(&w, T(t[i].t, NULL), t[i].tz) != t[i].in)
			fail_msg("case %zu: %s at %s in %s: want %d", i,
			         t[i].spec, t[i].t, t[i].tz, t[i].in);
	}
}

static void
test_window_next_open(void **state)
{
	static const struct {
		const char *spec, *tz, *t, *want, *hol;
	} t[] = {
	    /* inside: t itself */
	    {WINDOW_DEFAULT, DENVER, "2026-03-04T10:00:00-07:00",
	     "2026-03-04T10:00:00-07:00", NULL},
	    /* before the opening, after the close, at the close */
	    {WINDOW_DEFAULT, DENVER, "2026-03-04T06:00:00-07:00",
	     "2026-03-04T08:30:00-07:00", NULL},
	    {WINDOW_DEFAULT, DENVER, "2026-03-04T18:00:00-07:00",
	     "2026-03-05T08:30:00-07:00", NULL},
	    {WINDOW_DEFAULT, DENVER, "2026-03-04T17:00:00-07:00",
	     "2026-03-05T08:30:00-07:00", NULL},
	    /* Friday evening over the DST weekend */
	    {WINDOW_DEFAULT, DENVER, "2026-03-06T18:00:00-07:00",
	     "2026-03-09T08:30:00-06:00", NULL},
	    {WINDOW_DEFAULT, DENVER, "2026-10-30T18:00:00-06:00",
	     "2026-11-02T08:30:00-07:00", NULL},
	    {WINDOW_DEFAULT, BERLIN, "2026-03-27T18:00:00+01:00",
	     "2026-03-30T08:30:00+02:00", NULL},
	    {WINDOW_DEFAULT, BERLIN, "2026-10-23T18:00:00+02:00",
	     "2026-10-26T08:30:00+01:00", NULL},
	    /* on the DST days themselves */
	    {"Mon-Sun 08:30-17:00", DENVER, "2026-03-08T00:00:00-07:00",
	     "2026-03-08T08:30:00-06:00", NULL},
	    {"Mon-Sun 08:30-17:00", DENVER, "2026-11-01T00:00:00-06:00",
	     "2026-11-01T08:30:00-07:00", NULL},
	    {"Mon-Sun 08:30-17:00", BERLIN, "2026-03-29T00:00:00+01:00",
	     "2026-03-29T08:30:00+02:00", NULL},
	    {"Mon-Sun 08:30-17:00", BERLIN, "2026-10-25T00:00:00+02:00",
	     "2026-10-25T08:30:00+01:00", NULL},
	    {"Mon-Sun 08:30-17:00", BERLIN, "2026-03-28T17:00:00+01:00",
	     "2026-03-29T08:30:00+02:00", NULL},
	    /* an opening inside the spring-forward gap opens at its end */
	    {"Sun 02:30-04:00", DENVER, "2026-03-08T00:00:00-07:00",
	     "2026-03-08T03:00:00-06:00", NULL},
	    {"Sun 02:15-04:00", BERLIN, "2026-03-29T00:00:00+01:00",
	     "2026-03-29T03:00:00+02:00", NULL},
	    /* a window wholly inside the gap does not open that day */
	    {"Sun 02:10-02:50", BERLIN, "2026-03-29T00:00:00+01:00",
	     "2026-04-05T02:10:00+02:00", NULL},
	    /* an opening in the fall-back fold: the first of the two */
	    {"Sun 01:30-05:00", DENVER, "2026-11-01T00:00:00-06:00",
	     "2026-11-01T01:30:00-06:00", NULL},
	    {"Sun 02:30-05:00", BERLIN, "2026-10-25T00:00:00+02:00",
	     "2026-10-25T02:30:00+02:00", NULL},
	    /* day lists */
	    {"Mon,Wed,Fri 09:00-12:00", DENVER, "2026-03-03T10:00:00-07:00",
	     "2026-03-04T09:00:00-07:00", NULL},
	    {"Mon,Wed,Fri 09:00-12:00", DENVER, "2026-03-06T12:00:00-07:00",
	     "2026-03-09T09:00:00-06:00", NULL},
	    /* holidays: Thanksgiving + Friday */
	    {WINDOW_DEFAULT, DENVER, "2026-11-25T18:00:00-07:00",
	     "2026-11-30T08:30:00-07:00", "2026-11-26\n2026-11-27\n"},
	    {WINDOW_DEFAULT, DENVER, "2026-11-26T10:00:00-07:00",
	     "2026-11-30T08:30:00-07:00", "2026-11-26\n2026-11-27\n"},
	    {WINDOW_DEFAULT, DENVER, "2026-11-25T10:00:00-07:00",
	     "2026-11-25T10:00:00-07:00", "2026-11-26\n2026-11-27\n"},
	    /* the holiday is a civil day in the window's zone */
	    {WINDOW_DEFAULT, BERLIN, "2026-12-24T18:00:00+01:00",
	     "2026-12-28T08:30:00+01:00", "2026-12-25\n"},
	    /* nothing within 14 days */
	    {"Mon 09:00-10:00", DENVER, "2026-01-06T10:00:00-07:00", "(-1)",
	     "2026-01-12\n2026-01-19\n"},
	};
	struct window w;

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct holidays *h = t[i].hol ? hol_of(t[i].hol) : NULL;
		time_t from = T(t[i].t, NULL), got;

		assert_int_equal(window_parse(t[i].spec, &w, NULL), CADENCE_OK);
		got = h ? window_next_open_h(&w, from, t[i].tz, h)
		        : window_next_open(&w, from, t[i].tz);
		if (strcmp(iso(got, t[i].tz), t[i].want) != 0)
			fail_msg("case %zu (%s from %s): got %s, want %s", i,
			         t[i].spec, t[i].t, iso(got, t[i].tz),
			         t[i].want);
		if (got != (time_t)-1)
			assert_true(window_contains(&w, got, t[i].tz));
		holidays_free(h);
	}
}

/* ---- the shipped files ---- */

static void
walk(const struct sequence *seq, const struct holidays *h, const char **want,
     size_t nwant)
{
	/* each touch is done at 10:00 local on the day it is due */
	time_t done = T("2026-01-07T10:00", DENVER);
	size_t step = 0;
	int xc = 0;
	char label[16];

	for (size_t i = 0; i < nwant; i++) {
		time_t due = cadence_due(seq, step, done, DENVER, h);
		char got[48];

		cadence_stage_label(seq, step, xc, label, sizeof label);
		snprintf(got, sizeof got, "%s %s", label, iso(due, DENVER));
		if (strncmp(got, want[i], strlen(want[i])) != 0)
			fail_msg("touch %zu: got %s, want %s", i, got, want[i]);
		if (i == 0)
			assert_int_equal(due, done);
		else
			assert_midnight(due, DENVER, strchr(want[i], ' ') + 1);
		done = clock_at(clock_day_of(due, DENVER), 600, DENVER);
		if (!cadence_next(seq, step, xc, &step, &xc))
			fail_msg("sequence ended early");
	}
}

static void
test_shipped_sequence(void **state)
{
	static const char *plain[] = {
	    "1 2026-01-07T10:00:00-07:00",
	    "2 2026-01-09",
	    "3 2026-01-14",
	    "4 2026-01-20",
	    "5 2026-01-27",
	    "X1 2026-02-27",
	    "X2 2026-03-27",
	    "X3 2026-04-27",
	};
	/* with the US holidays: MLK Mon Jan 19 */
	static const char *us[] = {
	    "1 2026-01-07T10:00:00-07:00",
	    "2 2026-01-09",
	    "3 2026-01-14",
	    "4 2026-01-21",
	    "5 2026-01-28",
	    "X1 2026-03-02",
	    "X2 2026-04-02",
	};
	struct sequence *seq = NULL, *ac = NULL;
	struct holidays *h = NULL;
	char *err = NULL;

	(void)state;
	if (sequence_load(srcpath("rules/sequence-12345x.conf"), &seq, &err) !=
	    0)
		fail_msg("%s", err);
	assert_string_equal(seq->name, "12345x");
	assert_int_equal(seq->nsteps, 6);
	assert_int_equal(seq->max_x, 0);
	assert_true(seq->steps[5].repeat);
	assert_true(cadence_step_has(&seq->steps[1], CHANNEL_NOTE));
	if (holidays_load(srcpath("rules/holidays.example"), &h, &err) != 0)
		fail_msg("%s", err);
	assert_int_equal(h->n, 23);
	assert_true(holidays_contains(h, D("2026-11-26")));

	walk(seq, NULL, plain, sizeof plain / sizeof plain[0]);
	walk(seq, h, us, sizeof us / sizeof us[0]);

	if (sequence_load(srcpath("rules/sequence-after-contact.conf"), &ac,
	                  &err) != 0)
		fail_msg("%s", err);
	assert_string_equal(ac->name, "after-contact");
	assert_int_equal(ac->nsteps, 3);
	assert_true(ac->contact);
	assert_string_equal(ac->then, "nurture");
	for (size_t i = 0; i < ac->nsteps; i++)
		assert_false(ac->steps[i].repeat);
	/* contact on Wed Nov 25: thank-you within 4 business days (Thanksgiving
	 * and the day after are off), second follow-up within 30 days */
	{
		time_t contact = T("2026-11-25T15:00", DENVER);
		time_t d1 = cadence_due(ac, 0, contact, DENVER, h);
		time_t d2;

		assert_true(d1 <= clock_at(cadence_add_business_days(
		                               h, D("2026-11-25"), 4),
		                           0, DENVER));
		time_t d3;

		/* three contacts in the first month: the follow-up within four
		 * business days of the thank-you, the next within 30 days */
		d2 = cadence_due(ac, 1, d1 + 10 * 3600, DENVER, h);
		assert_midnight(d2, DENVER, "2026-12-03");
		d3 = cadence_due(ac, 2, d2 + 10 * 3600, DENVER, h);
		assert_true(d3 - contact < 30 * 86400);
		assert_midnight(d3, DENVER, "2026-12-17");
	}
	sequence_free(seq);
	sequence_free(ac);
	/* the other shipped sequences after contact: each parses, is marked
	 * for contact, and none retires a lead */
	{
		static const char *const names[] = {"nurture", "nurture-slow",
		                                    "reopen"};
		for (size_t i = 0; i < 3; i++) {
			char rel[64];
			snprintf(rel, sizeof rel, "rules/sequence-%s.conf",
			         names[i]);
			if (sequence_load(srcpath(rel), &ac, &err) != 0)
				fail_msg("%s", err);
			assert_string_equal(ac->name, names[i]);
			assert_true(ac->contact);
			assert_true(ac->then != NULL ||
			            ac->steps[ac->nsteps - 1].repeat);
			assert_int_equal(ac->max_x, 0);
			sequence_free(ac);
		}
	}
	holidays_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_channels),
	    cmocka_unit_test(test_sequence_parse_ok),
	    cmocka_unit_test(test_sequence_parse_ok2),
	    cmocka_unit_test(test_sequence_errors),
	    cmocka_unit_test(test_sequence_load),
	    cmocka_unit_test(test_labels),
	    cmocka_unit_test(test_next),
	    cmocka_unit_test(test_holidays_parse),
	    cmocka_unit_test(test_holidays_errors),
	    cmocka_unit_test(test_business_days_weekdays),
	    cmocka_unit_test(test_business_days_holidays),
	    cmocka_unit_test(test_add_months),
	    cmocka_unit_test(test_due_each_weekday),
	    cmocka_unit_test(test_due_months),
	    cmocka_unit_test(test_due_slipped),
	    cmocka_unit_test(test_due_dst),
	    cmocka_unit_test(test_window_parse),
	    cmocka_unit_test(test_window_contains),
	    cmocka_unit_test(test_window_next_open),
	    cmocka_unit_test(test_shipped_sequence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
