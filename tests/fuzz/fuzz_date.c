/*
 * fuzz_date - the dates a message states (classify_date.c,
 * classify_return.c, classify_later.c): the first day back of an
 * out-of-office (classify_return_day, cls_return_day), the time a
 * "not now" names (cls_stated_day) and the day/month order (cls_day_first).
 *
 * Input: a first line "YYYY-MM-DD" (the day the message was sent) or "none"
 * (unknown), optionally followed by " d" (read n/n/yyyy day first); then the
 * text.  A first line that is neither is text too, sent on 2026-12-07.  The
 * word list for libFuzzer is date.dict beside this file.
 *
 * Checks: each day is -1 or a real day (the calendar round-trips it); with a
 * known message day, never before it and at most ~100 years after it ("in 99
 * years"); with none, no return day without a stated year (so no relative or
 * weekday answer: within 1970..2200) and no stated day; stale only with -1;
 * classify_return_day agrees with cls_return_day; the same input gives the
 * same answer twice; cls_day_first is 0 or 1.
 */
#include "autoconf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "classify_p.h"
#include "clock.h"
#include "fuzz.h"

/* the latest day valid_ymd accepts, plus one (until 2200-12-31) */
#define LAST_DAY (clock_day_from_civil(2201, 1, 1))

/* header: the message day from the first line, or -2 when it is no header */
static int
header(const char *s, size_t len, int *day_first, size_t *skip)
{
	int y, m, d, n = 0, day = -2;
	const char *nl = memchr(s, '\n', len);
	size_t l = nl ? (size_t)(nl - s) : len;

	*day_first = 0;
	if (l >= 4 && strncmp(s, "none", 4) == 0) {
		day = -1;
		n = 4;
	} else if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 &&
	           (size_t)n <= l && y >= 1970 && y <= 2200 && m >= 1 &&
	           m <= 12 && d >= 1 && d <= 31)
		day = clock_day_from_civil(y, m, d);
	else
		return -2;
	if ((size_t)n + 2 <= l && strncmp(s + n, " d", 2) == 0) {
		*day_first = 1;
		n += 2;
	}
	if ((size_t)n != l)
		return -2;
	*skip = nl ? l + 1 : l;
	return day;
}

/* check_day: day is -1 or a real day in range for msg_day */
static void
check_day(int day, int msg_day, int stale, const char *what)
{
	int y, m, d;

	if ((stale && day != -1) || (day != -1 && msg_day >= 0 &&
	                             (day < msg_day ||
	                              day > msg_day + 100 * 366 + 62)))
		fprintf(stderr, "fuzz_date: day %d, message day %d, stale %d\n",
		        day, msg_day, stale);
	if (stale)
		fuzz_check(day == -1, what);
	if (day == -1)
		return;
	fuzz_check(day >= 0 && day <= LAST_DAY + 40000, what);
	clock_civil_from_day(day, &y, &m, &d);
	fuzz_check(clock_day_from_civil(y, m, d) == day, what);
	if (msg_day >= 0) {
		fuzz_check(day >= msg_day, what);
		fuzz_check(day <= msg_day + 100 * 366 + 62, what);
	} else
		fuzz_check(day <= LAST_DAY, what);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size < 16384 ? size : 16384), *from;
	const char *text = s, *nl;
	size_t skip = 0;
	int day_first, msg_day, day, again, stale, stale2;

	msg_day = header(s, strlen(s), &day_first, &skip);
	if (msg_day == -2) {
		msg_day = clock_day_from_civil(2026, 12, 7);
		day_first = size > 0 && (data[size - 1] & 1);
	} else
		text += skip;

	day = cls_return_day(text, msg_day, day_first, &stale);
	check_day(day, msg_day, stale, "return day out of range");
	fuzz_check(classify_return_day(text, msg_day, day_first) == day,
	           "classify_return_day disagrees with cls_return_day");
	again = cls_return_day(text, msg_day, day_first, &stale2);
	fuzz_check(again == day && stale2 == stale,
	           "return day differs on the same input");

	day = cls_stated_day(text, msg_day, day_first, &stale);
	check_day(day, msg_day, stale, "stated day out of range");
	if (msg_day < 0)
		fuzz_check(day == -1 && !stale, "stated day without a msg day");

	/* the sender's cues: the text's first line as From, the second as
	 * Date */
	nl = strchr(text, '\n');
	from =
	    fuzz_strndup((const uint8_t *)text, nl ? (size_t)(nl - text) : 0);
	day = cls_day_first(text, from, nl ? nl + 1 : NULL);
	fuzz_check(day == 0 || day == 1, "day_first not 0 or 1");
	free(from);
	free(s);
	return 0;
}
