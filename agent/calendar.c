/* calendar - see calendar.h */
#include "autoconf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "calendar.h"
#include "clock.h"
#include "xalloc.h"

#define MAX_LINE 1023 /* bytes per line, without the newline */
#define MAX_WORDS 64  /* words per line */
#define MAX_NAME 200  /* bytes of a holiday's name */
#define MAX_FILE (1024 * 1024)
#define MAX_RULES 1000

enum kind { K_FIXED, K_EASTER, K_NTH, K_DATE };
enum move { M_NONE, M_OBSERVED, M_SUBST, M_SUBST_SUN };

struct rule {
	enum kind kind;
	enum move move;
	int a, b, c, d; /* fixed: month, day; easter: offset; nth: n,
	                   weekday, month, day of the month or 0; date: the
	                   day number in a */
	int from, until;
	char *name;
};

struct calendar {
	struct rule *rules;
	size_t n;
};

static const char *const wd_names[] = {
    "sun", "mon", "tue", "wed", "thu", "fri", "sat",
};

/* ---- parsing ---- */

/* perr: set *errstr to "file:line: msg" ("file: msg" for line 0) and return
 * CALENDAR_ESYNTAX. */
static int __attribute__((format(printf, 4, 5)))
perr(char **errstr, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (errstr == NULL)
		return CALENDAR_ESYNTAX;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (line > 0)
		*errstr = xasprintf("%s:%d: %s", file, line, msg);
	else
		*errstr = xasprintf("%s: %s", file, msg);
	free(msg);
	return CALENDAR_ESYNTAX;
}

/* num: a decimal number of exactly ndigits digits (any number of digits when
 * ndigits is 0, an optional sign when sign is set) in [lo, hi]; 0 or -1. */
static int
num(const char *s, int ndigits, int sign, int lo, int hi, int *out)
{
	long v = 0;
	int neg = 0, k = 0;

	if (sign && (*s == '+' || *s == '-'))
		neg = *s++ == '-';
	for (; *s >= '0' && *s <= '9' && k < 6; s++, k++)
		v = v * 10 + (*s - '0');
	if (*s != '\0' || k == 0 || (ndigits && k != ndigits))
		return -1;
	if (neg)
		v = -v;
	if (v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

/* parse_mmdd: "12-25" -> month, day (02-29 allowed); 0 or -1. */
static int
parse_mmdd(const char *s, int *m, int *d)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30,
	                            31, 31, 30, 31, 30, 31};
	char mm[3], dd[3];

	if (strlen(s) != 5 || s[2] != '-')
		return -1;
	memcpy(mm, s, 2);
	mm[2] = '\0';
	memcpy(dd, s + 3, 2);
	dd[2] = '\0';
	if (num(mm, 2, 0, 1, 12, m) == -1 || num(dd, 2, 0, 1, 31, d) == -1)
		return -1;
	return *d <= mdays[*m - 1] ? 0 : -1;
}

static int
parse_weekday(const char *s)
{
	for (int i = 0; i < 7; i++)
		if (strcasecmp(s, wd_names[i]) == 0)
			return i;
	return -1;
}

/*
 * parse_when: the RULE part of words w[0..nw-1] into r; returns how many words
 * it took, or -1 with *why set.
 */
static int
parse_when(char **w, int nw, struct rule *r, char *why, size_t whylen)
{
	if (strcasecmp(w[0], "fixed") == 0) {
		r->kind = K_FIXED;
		if (nw < 2 || parse_mmdd(w[1], &r->a, &r->b) == -1) {
			snprintf(why, whylen,
			         "fixed wants a date MM-DD, as "
			         "12-25, not '%.40s'",
			         nw < 2 ? "" : w[1]);
			return -1;
		}
		return 2;
	}
	if (strcasecmp(w[0], "easter") == 0) {
		r->kind = K_EASTER;
		if (nw < 2 || num(w[1], 0, 1, -100, 100, &r->a) == -1) {
			snprintf(why, whylen,
			         "easter wants an offset in days, "
			         "-100..+100, not '%.40s'",
			         nw < 2 ? "" : w[1]);
			return -1;
		}
		return 2;
	}
	if (strcasecmp(w[0], "nth") == 0) {
		r->kind = K_NTH;
		if (nw < 2 || num(w[1], 0, 1, -5, 5, &r->a) == -1 ||
		    r->a == 0) {
			snprintf(why, whylen,
			         "nth wants a count 1..5 or -1..-5, "
			         "not '%.40s'",
			         nw < 2 ? "" : w[1]);
			return -1;
		}
		if (nw < 3 || (r->b = parse_weekday(w[2])) == -1) {
			snprintf(why, whylen,
			         "nth wants a weekday (mon..sun), "
			         "not '%.40s'",
			         nw < 3 ? "" : w[2]);
			return -1;
		}
		if (nw < 4 ||
		    (strlen(w[3]) > 2 ? parse_mmdd(w[3], &r->c, &r->d)
		                      : num(w[3], 0, 0, 1, 12, &r->c)) == -1) {
			snprintf(why, whylen,
			         "nth wants a month 01..12 or a "
			         "date MM-DD, not '%.40s'",
			         nw < 4 ? "" : w[3]);
			return -1;
		}
		return 4;
	}
	if (strcasecmp(w[0], "date") == 0) {
		r->kind = K_DATE;
		if (nw < 2 || clock_parse_date(w[1], &r->a) != CLOCK_OK) {
			snprintf(why, whylen,
			         "date wants a real date "
			         "YYYY-MM-DD, not '%.40s'",
			         nw < 2 ? "" : w[1]);
			return -1;
		}
		int y, m, d;
		clock_civil_from_day(r->a, &y, &m, &d);
		if (y < CALENDAR_YEAR_MIN || y > CALENDAR_YEAR_MAX) {
			snprintf(why, whylen, "year %d out of range %d..%d", y,
			         CALENDAR_YEAR_MIN, CALENDAR_YEAR_MAX);
			return -1;
		}
		return 2;
	}
	snprintf(why, whylen,
	         "unknown rule '%.40s' (want fixed, easter, nth or date)",
	         w[0]);
	return -1;
}

/* parse_bounds: strip trailing "from YYYY" / "until YYYY" pairs off the words
 * (*nw shrinks); 0, or -1 with *why set. */
static int
parse_bounds(char **w, int *nw, struct rule *r, char *why, size_t whylen)
{
	int seen_from = 0, seen_until = 0, y;

	r->from = CALENDAR_YEAR_MIN;
	r->until = CALENDAR_YEAR_MAX;
	while (*nw >= 2) {
		const char *kw = w[*nw - 2];
		int is_from = strcasecmp(kw, "from") == 0;

		if (!is_from && strcasecmp(kw, "until") != 0)
			break;
		if (num(w[*nw - 1], 4, 0, CALENDAR_YEAR_MIN, CALENDAR_YEAR_MAX,
		        &y) == -1) {
			snprintf(why, whylen,
			         "%s wants a year %d..%d, not "
			         "'%.40s'",
			         kw, CALENDAR_YEAR_MIN, CALENDAR_YEAR_MAX,
			         w[*nw - 1]);
			return -1;
		}
		if (is_from ? seen_from++ : seen_until++) {
			snprintf(why, whylen, "%s given twice", kw);
			return -1;
		}
		if (is_from)
			r->from = y;
		else
			r->until = y;
		*nw -= 2;
	}
	if (r->from > r->until) {
		snprintf(why, whylen, "from %d is after until %d", r->from,
		         r->until);
		return -1;
	}
	return 0;
}

/* parse_rule: one line's words into r (r->name malloc'd); 0, or -1 with
 * *why set. */
static int
parse_rule(char **w, int nw, struct rule *r, char *why, size_t whylen)
{
	struct buf b;
	int i;

	memset(r, 0, sizeof *r);
	if (parse_bounds(w, &nw, r, why, whylen) == -1)
		return -1;
	if ((i = parse_when(w, nw, r, why, whylen)) == -1)
		return -1;
	if (i < nw && strcasecmp(w[i], "observed") == 0)
		r->move = M_OBSERVED, i++;
	else if (i < nw && strcasecmp(w[i], "substitute") == 0)
		r->move = M_SUBST, i++;
	else if (i < nw && strcasecmp(w[i], "substitute-sunday") == 0)
		r->move = M_SUBST_SUN, i++;
	if (i == nw) {
		snprintf(why, whylen, "the holiday has no name");
		return -1;
	}
	buf_init(&b);
	for (; i < nw; i++) {
		if (b.len)
			buf_addc(&b, ' ');
		buf_adds(&b, w[i]);
	}
	if (b.len > MAX_NAME) {
		buf_free(&b);
		snprintf(why, whylen, "name too long (max %d bytes)", MAX_NAME);
		return -1;
	}
	r->name = buf_steal(&b);
	buf_free(&b);
	return 0;
}

/* split: the words of line (comment stripped, modified in place) into w;
 * returns their number, or -1 when there are more than MAX_WORDS. */
static int
split(char *line, char **w)
{
	char *s, *hash;
	int n = 0;

	if ((hash = strchr(line, '#')) != NULL)
		*hash = '\0';
	for (s = line;;) {
		s += strspn(s, " \t\v\f\r");
		if (*s == '\0')
			return n;
		if (n == MAX_WORDS)
			return -1;
		w[n++] = s;
		s += strcspn(s, " \t\v\f\r");
		if (*s != '\0')
			*s++ = '\0';
	}
}

void
calendar_free(struct calendar *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->rules[i].name);
	free(c->rules);
	free(c);
}

int
calendar_parse(const char *file, const char *text, struct calendar **out,
               char **errstr)
{
	struct calendar *c = xcalloc(1, sizeof *c);
	char line[MAX_LINE + 1], why[160], *w[MAX_WORDS];
	const char *p = text, *e;
	size_t len, line_len, cap = 0;
	int lineno = 0, nw, rc = CALENDAR_OK;
	struct rule r;

	for (; *p != '\0'; p = e ? e + 1 : p + len) {
		lineno++;
		e = strchr(p, '\n');
		len = e ? (size_t)(e - p) : strlen(p);
		line_len = len > 0 && p[len - 1] == '\r' ? len - 1 : len;
		if (line_len > MAX_LINE) {
			rc = perr(errstr, file, lineno,
			          "line too long (max %d bytes)", MAX_LINE);
			goto fail;
		}
		memcpy(line, p, line_len);
		line[line_len] = '\0';
		if ((nw = split(line, w)) == -1) {
			rc = perr(errstr, file, lineno, "too many words");
			goto fail;
		}
		if (nw == 0)
			continue;
		if (parse_rule(w, nw, &r, why, sizeof why) == -1) {
			rc = perr(errstr, file, lineno, "%s", why);
			goto fail;
		}
		if (c->n == MAX_RULES) {
			free(r.name);
			rc = perr(errstr, file, lineno,
			          "too many rules (max %d)", MAX_RULES);
			goto fail;
		}
		if (c->n == cap) {
			cap = cap ? cap * 2 : 16;
			c->rules =
			    xreallocarray(c->rules, cap, sizeof *c->rules);
		}
		c->rules[c->n++] = r;
	}
	*out = c;
	return CALENDAR_OK;
fail:
	calendar_free(c);
	return rc;
}

/* canon_cc: cc in upper case into buf[3], "UK" -> "GB"; 0, or -1 when cc is
 * not two ASCII letters. */
static int
canon_cc(const char *cc, char buf[3])
{
	for (int i = 0; i < 2; i++) {
		char ch = cc[i];

		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if (ch < 'A' || ch > 'Z')
			return -1;
		buf[i] = ch;
	}
	if (cc[2] != '\0')
		return -1;
	buf[2] = '\0';
	if (strcmp(buf, "UK") == 0)
		memcpy(buf, "GB", 3);
	return 0;
}

int
calendar_open(const char *dir, const char *cc, struct calendar **out,
              char **errstr)
{
	char code[3], *path, *err = NULL;
	struct buf b;
	struct stat sb;
	int rc = CALENDAR_OK;

	if (cc == NULL || canon_cc(cc, code) == -1) {
		*errstr = xasprintf("'%.40s' is not a two-letter country code",
		                    cc ? cc : "(null)");
		return CALENDAR_EINVAL;
	}
	path = xasprintf("%s/%s.conf", dir, code);
	if (stat(path, &sb) == -1 && errno == ENOENT) {
		*errstr =
		    xasprintf("%s: no holidays for country %s", path, code);
		free(path);
		return CALENDAR_ENOENT;
	}
	buf_init(&b);
	if (buf_read_file(&b, path, MAX_FILE, &err) == -1) {
		*errstr = err;
		rc = CALENDAR_EIO;
	} else if (b.len > MAX_FILE)
		rc = perr(errstr, path, 0, "file too large (max %d bytes)",
		          MAX_FILE);
	else if (b.len > 0 && memchr(b.s, '\0', b.len) != NULL)
		rc = perr(errstr, path, 0, "contains a NUL byte");
	else {
		buf_addc(&b, '\0');
		rc = calendar_parse(path, b.s, out, errstr);
	}
	buf_free(&b);
	free(path);
	return rc;
}

/* ---- computing the days ---- */

/* easter: the day number of Easter Sunday in year y (anonymous Gregorian
 * algorithm, Meeus/Jones/Butcher). */
static int
easter(int y)
{
	int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4;
	int f = (b + 8) / 25, g = (b - f + 1) / 3;
	int h = (19 * a + b - d - g + 15) % 30;
	int i = c / 4, k = c % 4;
	int l = (32 + 2 * e + 2 * i - h - k) % 7;
	int m = (a + 11 * h + 22 * l) / 451;
	int month = (h + l - 7 * m + 114) / 31;
	int day = (h + l - 7 * m + 114) % 31 + 1;

	return clock_day_from_civil(y, month, day);
}

static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* nth_weekday: the n-th (n < 0: from the end) weekday wd of month m of y, or
 * -1 when the month has no such day. */
static int
nth_weekday(int y, int m, int wd, int n)
{
	int first, last, day;

	if (n > 0) {
		first = clock_day_from_civil(y, m, 1);
		day = first + (wd - clock_weekday(first) + 7) % 7 + 7 * (n - 1);
		last = (m == 12 ? clock_day_from_civil(y + 1, 1, 1)
		                : clock_day_from_civil(y, m + 1, 1)) -
		       1;
		return day <= last ? day : -1;
	}
	last = (m == 12 ? clock_day_from_civil(y + 1, 1, 1)
	                : clock_day_from_civil(y, m + 1, 1)) -
	       1;
	day = last - (clock_weekday(last) - wd + 7) % 7 + 7 * (n + 1);
	first = clock_day_from_civil(y, m, 1);
	return day >= first ? day : -1;
}

/* anchored: the n-th weekday wd on or after (n > 0), or on or before (n < 0)
 * day. */
static int
anchored(int day, int wd, int n)
{
	if (n > 0)
		return day + (wd - clock_weekday(day) + 7) % 7 + 7 * (n - 1);
	return day - (clock_weekday(day) - wd + 7) % 7 + 7 * (n + 1);
}

/* rule_day: the date rule r falls on in year y, or -1 if none that year. */
static int
rule_day(const struct rule *r, int y)
{
	int ry, m, d;

	if (y < r->from || y > r->until)
		return -1;
	switch (r->kind) {
	case K_FIXED:
		if (r->a == 2 && r->b == 29 && !is_leap(y))
			return -1;
		return clock_day_from_civil(y, r->a, r->b);
	case K_EASTER:
		return easter(y) + r->a;
	case K_NTH:
		if (r->d == 0)
			return nth_weekday(y, r->c, r->b, r->a);
		if (r->c == 2 && r->d == 29 && !is_leap(y))
			return -1;
		return anchored(clock_day_from_civil(y, r->c, r->d), r->b,
		                r->a);
	case K_DATE:
		clock_civil_from_day(r->a, &ry, &m, &d);
		return ry == y ? r->a : -1;
	}
	return -1;
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static int
in_set(const int *set, size_t n, int day)
{
	return bsearch(&day, set, n, sizeof *set, cmp_int) != NULL;
}

/* A computed holiday, with the rule index to keep the file's order. */
struct hit {
	int day, actual;
	size_t rule;
};

static int
cmp_hit(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->day != y->day)
		return (x->day > y->day) - (x->day < y->day);
	if (x->actual != y->actual)
		return (x->actual > y->actual) - (x->actual < y->actual);
	return (x->rule > y->rule) - (x->rule < y->rule);
}

static int
check_years(int y0, int y1, char **errstr)
{
	if (y0 < CALENDAR_YEAR_MIN || y1 > CALENDAR_YEAR_MAX || y0 > y1 ||
	    y1 - y0 >= CALENDAR_MAX_YEARS) {
		*errstr = xasprintf("years %d..%d: want %d..%d, at most %d "
		                    "years",
		                    y0, y1, CALENDAR_YEAR_MIN,
		                    CALENDAR_YEAR_MAX, CALENDAR_MAX_YEARS);
		return CALENDAR_EINVAL;
	}
	return CALENDAR_OK;
}

/*
 * compute: every holiday of years y0-1..y1+1 (a move can cross the year's
 * end), in hits (malloc'd), sorted by actual date.  Fixed dates and US-style
 * observed days first; then the substitutes, in date order, each to the first
 * weekday after its date that no holiday yet takes, so that two weekend
 * holidays in a row land on Monday and Tuesday.
 */
static size_t
compute(const struct calendar *c, int y0, int y1, struct hit **out)
{
	size_t cap = 16, n = 0, nset = 0, i;
	struct hit *h = xreallocarray(NULL, cap, sizeof *h);
	int *set;

	for (int y = y0 - 1; y <= y1 + 1; y++)
		for (i = 0; i < c->n; i++) {
			int d = y < CALENDAR_YEAR_MIN || y > CALENDAR_YEAR_MAX
			            ? -1
			            : rule_day(&c->rules[i], y);
			if (d == -1)
				continue;
			if (n == cap)
				h = xreallocarray(h, cap *= 2, sizeof *h);
			h[n++] = (struct hit){d, d, i};
		}
	if (n > 1)
		qsort(h, n, sizeof *h, cmp_hit);
	set = xreallocarray(NULL, 2 * n + 1, sizeof *set);
	for (i = 0; i < n; i++) {
		int wd = clock_weekday(h[i].actual);

		set[nset++] = h[i].actual;
		if (c->rules[h[i].rule].move == M_OBSERVED && wd == 6)
			h[i].day = h[i].actual - 1;
		else if (c->rules[h[i].rule].move == M_OBSERVED && wd == 0)
			h[i].day = h[i].actual + 1;
		if (h[i].day != h[i].actual)
			set[nset++] = h[i].day;
	}
	if (nset > 1)
		qsort(set, nset, sizeof *set, cmp_int);
	for (i = 0; i < n; i++) {
		enum move mv = c->rules[h[i].rule].move;
		int wd = clock_weekday(h[i].actual), d;

		if (!((mv == M_SUBST && (wd == 0 || wd == 6)) ||
		      (mv == M_SUBST_SUN && wd == 0)))
			continue;
		d = h[i].actual + 1;
		while (clock_weekday(d) == 0 || clock_weekday(d) == 6 ||
		       in_set(set, nset, d))
			d++;
		h[i].day = d;
		set[nset++] = d;
		if (nset > 1)
			qsort(set, nset, sizeof *set, cmp_int);
	}
	free(set);
	*out = h;
	return n;
}

int
calendar_list(const struct calendar *c, int y0, int y1,
              struct calendar_day **out, size_t *nout, char **errstr)
{
	struct hit *h;
	size_t n, i, k = 0;
	int lo, hi, rc;

	if ((rc = check_years(y0, y1, errstr)) != CALENDAR_OK)
		return rc;
	lo = clock_day_from_civil(y0, 1, 1);
	hi = clock_day_from_civil(y1, 12, 31);
	n = compute(c, y0, y1, &h);
	if (n > 1)
		qsort(h, n, sizeof *h, cmp_hit);
	*out = NULL;
	for (i = 0; i < n; i++) {
		if ((h[i].day < lo || h[i].day > hi) &&
		    (h[i].actual < lo || h[i].actual > hi))
			continue;
		if (*out == NULL)
			*out = xreallocarray(NULL, n, sizeof **out);
		(*out)[k++] = (struct calendar_day){h[i].day, h[i].actual,
		                                    c->rules[h[i].rule].name};
	}
	free(h);
	*nout = k;
	return CALENDAR_OK;
}

int
calendar_days(const struct calendar *c, int y0, int y1, struct holidays **out,
              char **errstr)
{
	struct calendar_day *v;
	struct holidays one = {0}, *res;
	size_t n, i;
	int lo, hi, rc;

	if ((rc = calendar_list(c, y0, y1, &v, &n, errstr)) != CALENDAR_OK)
		return rc;
	lo = clock_day_from_civil(y0, 1, 1);
	hi = clock_day_from_civil(y1, 12, 31);
	one.days = xreallocarray(NULL, 2 * n + 1, sizeof *one.days);
	for (i = 0; i < n; i++) {
		if (v[i].day >= lo && v[i].day <= hi)
			one.days[one.n++] = v[i].day;
		if (v[i].actual != v[i].day && v[i].actual >= lo &&
		    v[i].actual <= hi)
			one.days[one.n++] = v[i].actual;
	}
	free(v);
	if (one.n > 1)
		qsort(one.days, one.n, sizeof *one.days, cmp_int);
	res = calendar_merge(&one, NULL);
	free(one.days);
	*out = res;
	return CALENDAR_OK;
}

int
calendar_load(const char *dir, const char *cc, int y0, int y1,
              struct holidays **out, char **errstr)
{
	struct calendar *c;
	int rc;

	if ((rc = calendar_open(dir, cc, &c, errstr)) != CALENDAR_OK)
		return rc;
	/* c is set: the analyzer does not follow perr(), which is variadic,
	 * and takes its CALENDAR_ESYNTAX for a possible CALENDAR_OK */
	/* NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage) */
	rc = calendar_days(c, y0, y1, out, errstr);
	calendar_free(c);
	return rc;
}

/* Both inputs are sorted and unique (a struct holidays promises it); the
 * result is their sorted, unique union. */
struct holidays *
calendar_merge(const struct holidays *a, const struct holidays *b)
{
	struct holidays *r = xcalloc(1, sizeof *r);
	size_t na = a ? a->n : 0, nb = b ? b->n : 0, i = 0, j = 0;

	if (na + nb == 0)
		return r;
	r->days = xreallocarray(NULL, na + nb, sizeof *r->days);
	while (i < na || j < nb) {
		int d;

		if (j == nb || (i < na && a->days[i] <= b->days[j]))
			d = a->days[i++];
		else
			d = b->days[j++];
		if (r->n == 0 || r->days[r->n - 1] != d)
			r->days[r->n++] = d;
	}
	return r;
}
