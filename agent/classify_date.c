/* classify_date - dates a message states; see classify.h, classify_p.h */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify_p.h"
#include "clock.h"

/* ------------------------------------------------------------------ */
/* Return dates. */

enum { T_BACK, T_UNTIL };

struct trigger {
	const char *s;
	int kind;
};

/* Longest first where one is a prefix of another. */
static const struct trigger triggers[] = {
    {"tot en met", T_UNTIL}, {"t/m", T_UNTIL},
    {"tot", T_UNTIL},        {"until", T_UNTIL},
    {"till", T_UNTIL},       {"through", T_UNTIL},
    {"thru", T_UNTIL},       {"bis", T_UNTIL},
    {"jusqu'au", T_UNTIL},   {"jusqu'à", T_UNTIL},
    {"jusqu'a", T_UNTIL},    {"hasta", T_UNTIL},
    {"back", T_BACK},        {"returning", T_BACK},
    {"return", T_BACK},      {"returns", T_BACK},
    {"zurück", T_BACK},      {"zurueck", T_BACK},
    {"wieder", T_BACK},      {"ab", T_BACK},
    {"de retour", T_BACK},   {"retour", T_BACK},
    {"à partir du", T_BACK}, {"a partir du", T_BACK},
    {"à partir de", T_BACK}, {"a partir del", T_BACK},
    {"a partir de", T_BACK}, {"regresaré", T_BACK},
    {"regresare", T_BACK},   {"regreso", T_BACK},
    {"regresa", T_BACK},     {"de vuelta", T_BACK},
    {"vuelvo", T_BACK},      {"volveré", T_BACK},
    {"terug", T_BACK},       {"vanaf", T_BACK},
    {"weer", T_BACK},        {NULL, 0},
};

static const char *fillers[] = {"the",
                                "on",
                                "to",
                                "in",
                                "at",
                                "of",
                                "office",
                                "work",
                                "my",
                                "desk",
                                "will",
                                "be",
                                "i",
                                "i'll",
                                "am",
                                "zum",
                                "zur",
                                "dem",
                                "den",
                                "der",
                                "einschließlich",
                                "einschliesslich",
                                "inclusive",
                                "including",
                                "incl",
                                "op",
                                "en",
                                "met",
                                "im",
                                "büro",
                                "buero",
                                "erreichbar",
                                "da",
                                "le",
                                "la",
                                "au",
                                "du",
                                "el",
                                "de",
                                "bureau",
                                "oficina",
                                "kantoor",
                                "aanwezig",
                                "weer",
                                "and",
                                "from",
                                "with",
                                "y",
                                "et",
                                "und",
                                "en",
                                "estaré",
                                "estare",
                                "je",
                                "serai",
                                "ich",
                                "bin",
                                "ik",
                                "ben",
                                "again",
                                "office,",
                                "available",
                                "vacation",
                                "holiday",
                                "leave",
                                "mon",
                                "ma",
                                "mi",
                                "il",
                                "van",
                                "vom",
                                "ab",
                                "und",
                                "is",
                                "are",
                                "el",
                                "lo",
                                "los",
                                NULL};

struct nameval {
	const char *s;
	int v;
};

static const struct nameval months[] = {
    {"january", 1},   {"february", 2},   {"march", 3},      {"april", 4},
    {"may", 5},       {"june", 6},       {"july", 7},       {"august", 8},
    {"september", 9}, {"october", 10},   {"november", 11},  {"december", 12},
    {"jan", 1},       {"feb", 2},        {"mar", 3},        {"apr", 4},
    {"jun", 6},       {"jul", 7},        {"aug", 8},        {"sep", 9},
    {"sept", 9},      {"oct", 10},       {"nov", 11},       {"dec", 12},
    {"januar", 1},    {"jänner", 1},     {"februar", 2},    {"märz", 3},
    {"maerz", 3},     {"mai", 5},        {"juni", 6},       {"juli", 7},
    {"oktober", 10},  {"okt", 10},       {"dezember", 12},  {"dez", 12},
    {"janvier", 1},   {"février", 2},    {"fevrier", 2},    {"mars", 3},
    {"avril", 4},     {"juin", 6},       {"juillet", 7},    {"août", 8},
    {"aout", 8},      {"septembre", 9},  {"octobre", 10},   {"novembre", 11},
    {"décembre", 12}, {"decembre", 12},  {"enero", 1},      {"febrero", 2},
    {"marzo", 3},     {"abril", 4},      {"mayo", 5},       {"junio", 6},
    {"julio", 7},     {"agosto", 8},     {"septiembre", 9}, {"setiembre", 9},
    {"octubre", 10},  {"noviembre", 11}, {"diciembre", 12}, {"januari", 1},
    {"februari", 2},  {"maart", 3},      {"mei", 5},        {"augustus", 8},
    {NULL, 0}};

static const struct nameval weekdays[] = {
    {"sunday", 0},   {"monday", 1},    {"tuesday", 2},   {"wednesday", 3},
    {"thursday", 4}, {"friday", 5},    {"saturday", 6},  {"sonntag", 0},
    {"montag", 1},   {"dienstag", 2},  {"mittwoch", 3},  {"donnerstag", 4},
    {"freitag", 5},  {"samstag", 6},   {"sonnabend", 6}, {"dimanche", 0},
    {"lundi", 1},    {"mardi", 2},     {"mercredi", 3},  {"jeudi", 4},
    {"vendredi", 5}, {"samedi", 6},    {"domingo", 0},   {"lunes", 1},
    {"martes", 2},   {"miércoles", 3}, {"miercoles", 3}, {"jueves", 4},
    {"viernes", 5},  {"sábado", 6},    {"sabado", 6},    {"zondag", 0},
    {"maandag", 1},  {"dinsdag", 2},   {"woensdag", 3},  {"donderdag", 4},
    {"vrijdag", 5},  {"zaterdag", 6},  {NULL, 0}};

static int
is_wordc(unsigned char c)
{
	return isalnum(c) || c >= 0x80 || c == '\'';
}

/* word_at: length of the word (letters, digits, UTF-8, ') at s. */
static size_t
word_at(const char *s)
{
	size_t n = 0;

	while (s[n] != '\0' && is_wordc((unsigned char)s[n]))
		n++;
	return n;
}

static int
lookup(const struct nameval *t, const char *w, size_t n)
{
	for (; t->s != NULL; t++)
		if (strlen(t->s) == n && strncmp(t->s, w, n) == 0)
			return t->v;
	return -1;
}

static int
is_filler(const char *w, size_t n)
{
	int k;

	for (k = 0; fillers[k] != NULL; k++)
		if (strlen(fillers[k]) == n && strncmp(fillers[k], w, n) == 0)
			return 1;
	return 0;
}

/* num_at: a 1-4 digit number at s; its value, *n its length; -1 if none. */
static int
num_at(const char *s, size_t *n)
{
	int v = 0;
	size_t i = 0;

	while (i < 5 && isdigit((unsigned char)s[i]))
		v = v * 10 + (s[i++] - '0');
	if (i == 0 || i > 4)
		return -1;
	*n = i;
	return v;
}

static const char *
skip_sp(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' ||
	       *s == ',' || *s == ':' || *s == '(')
		s++;
	return s;
}

/* skip ordinal suffixes: st nd rd th er (1er) e . */
static const char *
skip_ordinal(const char *s)
{
	if (strncmp(s, "st", 2) == 0 || strncmp(s, "nd", 2) == 0 ||
	    strncmp(s, "rd", 2) == 0 || strncmp(s, "th", 2) == 0 ||
	    strncmp(s, "er", 2) == 0) {
		if (!is_wordc((unsigned char)s[2]))
			return s + 2;
	}
	if (*s == '.')
		return s + 1;
	return s;
}

static int
valid_ymd(int y, int m, int d)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30,
	                            31, 31, 30, 31, 30, 31};

	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || y < 1970 ||
	    y > 2200)
		return 0;
	if (m == 2 && d == 29 &&
	    !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 0;
	return 1;
}

/* resolve: a day from (y or -1, m, d) given the message day; -1 if invalid. */
static int
resolve(int y, int m, int d, int msg_day)
{
	int my, mm, md, day;

	if (y >= 0 && y < 100)
		y += 2000;
	if (y < 0) {
		if (msg_day < 0)
			return -1;
		clock_civil_from_day(msg_day, &my, &mm, &md);
		y = my;
		if (!valid_ymd(y, m, d) && !valid_ymd(y + 1, m, d))
			return -1;
		if (!valid_ymd(y, m, d) ||
		    clock_day_from_civil(y, m, d) < msg_day)
			y++;
		if (!valid_ymd(y, m, d))
			return -1;
		return clock_day_from_civil(y, m, d);
	}
	if (!valid_ymd(y, m, d))
		return -1;
	day = clock_day_from_civil(y, m, d);
	if (msg_day >= 0 && (day < msg_day - 1 || day > msg_day + 400))
		return -1;
	return day;
}

/* year_at: an optional ", 2026" / " 2026" / " de 2026" after a date. */
static int
year_at(const char **sp)
{
	const char *s = *sp;
	size_t n;
	int v;

	while (*s == ' ' || *s == ',')
		s++;
	if (strncmp(s, "de ", 3) == 0)
		s += 3;
	v = num_at(s, &n);
	if (v >= 1970 && v <= 2200 && n == 4 &&
	    !is_wordc((unsigned char)s[n])) {
		*sp = s + n;
		return v;
	}
	return -1;
}

/*
 * parse_when: a date expression at s (lowercased text).  Returns the day or
 * -1; *range_end is set (>= 0) when "X-Y" or "X to Y" names a range.
 */
static int
parse_when(const char *s, int msg_day, int uk_order, int *is_until)
{
	int wday = -1, tok, v, a, b, c, m, d, y;
	size_t n, n2, n3;
	const char *t;

	for (tok = 0; tok < 8; tok++) {
		s = skip_sp(s);
		n = word_at(s);
		if (n == 0)
			goto weekday_only;
		if (isdigit((unsigned char)*s))
			break;
		if ((v = lookup(weekdays, s, n)) >= 0) {
			wday = v;
			s += n;
			continue;
		}
		if (lookup(months, s, n) >= 0)
			break;
		/* relative words */
		if ((n == 8 && strncmp(s, "tomorrow", 8) == 0) ||
		    (n == 6 && strncmp(s, "morgen", 6) == 0) ||
		    (n == 6 && strncmp(s, "demain", 6) == 0) ||
		    (n == 7 && strncmp(s, "mañana", 7) == 0))
			return msg_day < 0 ? -1
			                   : msg_day + 1 - (*is_until ? 0 : 0);
		if ((strncmp(s, "next week", 9) == 0) ||
		    (strncmp(s, "nächste woche", 14) == 0) ||
		    (strncmp(s, "naechste woche", 14) == 0) ||
		    (strncmp(s, "semaine prochaine", 17) == 0) ||
		    (strncmp(s, "próxima semana", 15) == 0) ||
		    (strncmp(s, "proxima semana", 14) == 0) ||
		    (strncmp(s, "semana que viene", 16) == 0) ||
		    (strncmp(s, "volgende week", 13) == 0) ||
		    (strncmp(s, "next monday", 11) == 0)) {
			if (msg_day < 0)
				return -1;
			*is_until = 0;
			/* Monday of the following week */
			return msg_day +
			       ((8 - clock_weekday(msg_day)) % 7 == 0
			            ? 7
			            : (8 - clock_weekday(msg_day)) % 7);
		}
		if (!is_filler(s, n))
			goto weekday_only;
		s += n;
	}
	if (tok == 8)
		goto weekday_only;
	if (isdigit((unsigned char)*s)) {
		a = num_at(s, &n);
		if (a < 0)
			goto weekday_only;
		t = s + n;
		/* ISO */
		if (n == 4 && *t == '-' && (b = num_at(t + 1, &n2)) >= 0 &&
		    t[1 + n2] == '-' && (c = num_at(t + 2 + n2, &n3)) >= 0)
			return resolve(a, b, c, msg_day);
		if ((*t == '.' || *t == '/') && (b = num_at(t + 1, &n2)) >= 0 &&
		    n <= 2 && n2 <= 2) {
			char sep = *t;
			const char *u = t + 1 + n2;
			y = -1;
			if (*u == sep && (c = num_at(u + 1, &n3)) >= 0 &&
			    (n3 == 4 || n3 == 2))
				y = c;
			if (sep == '.') {
				d = a;
				m = b;
			} else if (a > 12) {
				d = a;
				m = b;
			} else if (b > 12) {
				m = a;
				d = b;
			} else if (uk_order) {
				d = a;
				m = b;
			} else {
				m = a;
				d = b;
			}
			return resolve(y, m, d, msg_day);
		}
		/* "24 December", "24. Dezember", "24 de diciembre", "1er mars"
		 */
		if (n <= 2) {
			t = skip_ordinal(t);
			t = skip_sp(t);
			if (strncmp(t, "de ", 3) == 0)
				t += 3;
			n2 = word_at(t);
			if ((m = lookup(months, t, n2)) > 0) {
				t += n2;
				if (*t == '.')
					t++;
				y = year_at(&t);
				return resolve(y, m, a, msg_day);
			}
		}
		goto weekday_only;
	}
	/* "December 24(th)(, 2026)", also "July 10-31" */
	m = lookup(months, s, n);
	t = s + n;
	if (*t == '.')
		t++;
	while (*t == ' ')
		t++;
	d = num_at(t, &n2);
	if (d < 1 || n2 > 2)
		goto weekday_only;
	t = skip_ordinal(t + n2);
	if ((*t == '-' || strncmp(t, "–", 3) == 0) && !*is_until) {
		const char *u = t + (*t == '-' ? 1 : 3);
		while (*u == ' ')
			u++;
		if ((b = num_at(u, &n3)) >= 1 && n3 <= 2 && b >= d) {
			u += n3;
			u = skip_ordinal(u);
			y = year_at(&u);
			*is_until = 1;
			return resolve(y, m, b, msg_day);
		}
	}
	y = year_at(&t);
	return resolve(y, m, d, msg_day);
weekday_only:
	if (wday < 0 || msg_day < 0)
		return -1;
	v = (wday - clock_weekday(msg_day) + 7) % 7;
	return msg_day + (v == 0 ? 7 : v);
}

int
classify_return_day(const char *text, int msg_day, int uk_order)
{
	char *lt;
	const char *p;
	int k, day = -1, until, back = -1, first_until = -1;
	size_t tl;

	if (text == NULL)
		return -1;
	lt = cls_lower_utf8(text);
	/* An explicit "back on X" beats "until X" wherever it is: "Away until
	 * May 5 ... returning on May 5th" means back on the 5th. */
	for (p = lt; *p != '\0' && back < 0; p++) {
		if (p > lt && is_wordc((unsigned char)p[-1]))
			continue;
		for (k = 0; triggers[k].s != NULL; k++) {
			tl = strlen(triggers[k].s);
			if (strncmp(p, triggers[k].s, tl) != 0 ||
			    is_wordc((unsigned char)p[tl]))
				continue;
			until = triggers[k].kind == T_UNTIL;
			if (until && first_until >= 0)
				continue;
			day = parse_when(p + tl, msg_day, uk_order, &until);
			if (day < 0)
				continue;
			if (until)
				first_until = day + 1;
			else
				back = day;
			break;
		}
	}
	day = back >= 0 ? back : first_until;
	/* fallback: a date range anywhere ("traveling July 10-31") */
	for (p = lt; *p != '\0' && day < 0; p++) {
		size_t n;
		if (p > lt && is_wordc((unsigned char)p[-1]))
			continue;
		n = word_at(p);
		if (n > 0 && lookup(months, p, n) > 0) {
			until = 0;
			day = parse_when(p, msg_day, uk_order, &until);
			if (day >= 0 && !until)
				day = -1;
			else if (day >= 0)
				day++;
		}
	}
	free(lt);
	return day;
}
