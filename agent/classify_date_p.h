/* classify_date_p.h - the date reader shared by classify_date.c (dates in
 * general), classify_return.c (an out-of-office's day back) and
 * classify_later.c (the time a "not now" names).  Private to them. */
#ifndef NUDGE_CLASSIFY_DATE_P_H
#define NUDGE_CLASSIFY_DATE_P_H

#include <stddef.h>

struct cls_nameval {
	const char *s;
	int v;
};

/* word lists, lowercased; NULL-terminated */
extern const struct cls_nameval cls_dt_months[], cls_dt_weekdays[];
extern const char *cls_dt_tomorrow[], *cls_dt_next_week[], *cls_dt_week_words[];

/* a word character (letters, digits, UTF-8, '); the length of the word at s */
int cls_dt_is_wordc(unsigned char c);
size_t cls_dt_word_at(const char *s);
/* the value of word w (n bytes) in t, or -1; whether it is in l */
int cls_dt_lookup(const struct cls_nameval *t, const char *w, size_t n);
int cls_dt_in_list(const char **l, const char *w, size_t n);
/* the length of the phrase of l that starts at s and ends a word, or 0 */
size_t cls_dt_phrase_at(const char **l, const char *s);
/* a word that may stand between a trigger and its date ("on the") */
int cls_dt_is_filler(const char *w, size_t n);
/* s past blanks and light punctuation */
const char *cls_dt_skip_sp(const char *s);
int cls_dt_days_in_month(int y, int m);
/* a month with no day: its first day, or its last when until */
int cls_dt_month_only(int y, int m, int msg_day, int until, int *stale);
/* the next day after msg_day that is weekday w (0 Sunday) */
int cls_dt_next_weekday(int msg_day, int w);
/* "two weeks", "3 days" at s: msg_day plus that, or -1; *endp past it */
int cls_dt_relative_at(const char *s, int msg_day, const char **endp);
/* a date expression at s (lowercased): the day or -1, *stale when it was
 * a date already past; *is_until cleared for a first day ("next week"),
 * set for a range's end; *said_wday when a weekday was named */
int cls_dt_parse_when(const char *s, int msg_day, int day_first, int *is_until,
                      int *stale, int *said_wday);

#endif
