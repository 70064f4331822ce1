/* cadence - see cadence.h */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cadence.h"
#include "clock.h"
#include "xalloc.h"

#define MAX_LINE 1023 /* bytes per line, without the newline */
#define MAX_WORDS 32  /* words per line */
#define MAX_STEPS 64
#define MAX_FILE (1024 * 1024) /* bytes per rules file */
#define WINDOW_SEARCH_DAYS 14

static const char *const channel_names[] = {
    "email", "call", "text", "visit", "note", "research", "social",
};
#define NCHANNELS (sizeof channel_names / sizeof channel_names[0])

static const char *const day_names[] = {
    "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
};

/* ---- shared helpers ---- */

/* perr: set *errstr to "file:line: msg" (or "file: msg" when line is 0) and
 * return CADENCE_ESYNTAX. */
static int __attribute__((format(printf, 4, 5)))
perr(char **errstr, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (errstr == NULL)
		return CADENCE_ESYNTAX;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (line > 0)
		*errstr = xasprintf("%s:%d: %s", file, line, msg);
	else
		*errstr = xasprintf("%s: %s", file, msg);
	free(msg);
	return CADENCE_ESYNTAX;
}

/* slurp: the whole of a (small, text) file as a NUL-terminated string. */
static int
slurp(const char *path, char **out, char **errstr)
{
	struct buf b;
	char *err = NULL;
	int rc = CADENCE_OK;

	buf_init(&b);
	if (buf_read_file(&b, path, MAX_FILE, &err) == -1) {
		if (errstr)
			*errstr = err;
		else
			free(err);
		buf_free(&b);
		return CADENCE_EIO;
	}
	if (b.len > MAX_FILE)
		rc = perr(errstr, path, 0, "file too large (max %d bytes)",
		    MAX_FILE);
	else if (b.len > 0 && memchr(b.s, '\0', b.len) != NULL)
		rc = perr(errstr, path, 0,
		    "contains a NUL byte (not a text file?)");
	else
		*out = buf_steal(&b);
	buf_free(&b);
	return rc;
}

/*
 * Line reader shared by the file parsers: next_line copies the next line of
 * *p into line (comment stripped) and splits it into words.  Returns 1 with a
 * line, 0 at the end of the text, -1 when the line is too long or has too
 * many words (*why says which).
 */
struct reader {
	const char *p;
	int lineno;
	char line[MAX_LINE + 1];
	char *w[MAX_WORDS];
	int nw;
};

static int
next_line(struct reader *r, const char **why)
{
	const char *e, *src;
	size_t len;
	char *s, *hash;

	/* r->p is never NULL (slurp() hands over at least ""); the analyzer
	 * does not follow the variadic perr() and thinks it may be */
	if (*r->p == '\0') /* NOLINT(clang-analyzer-core.NullDereference) */
		return 0;
	r->lineno++;
	e = strchr(r->p, '\n');
	len = e ? (size_t)(e - r->p) : strlen(r->p);
	src = r->p;
	r->p = e ? e + 1 : r->p + len;
	if (len > 0 && src[len - 1] == '\r')
		len--;
	if (len > MAX_LINE) {
		*why = "line too long (max 1023 bytes)";
		return -1;
	}
	memcpy(r->line, src, len);
	r->line[len] = '\0';
	if ((hash = strchr(r->line, '#')) != NULL)
		*hash = '\0';
	r->nw = 0;
	for (s = r->line;;) {
		s += strspn(s, " \t\v\f\r");
		if (*s == '\0')
			break;
		if (r->nw == MAX_WORDS) {
			*why = "too many words on the line";
			return -1;
		}
		r->w[r->nw++] = s;
		s += strcspn(s, " \t\v\f\r");
		if (*s != '\0')
			*s++ = '\0';
	}
	return 1;
}

/* parse_uint: a plain decimal number ("0", "12"; no sign, no spaces) in
 * [0, max].  Returns 0 or -1. */
static int
parse_uint(const char *s, int max, int *out)
{
	long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (*s - '0');
		if (v > max)
			return -1;
	}
	*out = (int)v;
	return 0;
}

/* ---- channels ---- */

const char *
cadence_channel_name(unsigned bit)
{
	for (size_t i = 0; i < NCHANNELS; i++)
		if (bit == 1u << i)
			return channel_names[i];
	return NULL;
}

unsigned
cadence_channel_parse(const char *name)
{
	for (size_t i = 0; i < NCHANNELS; i++)
		if (strcasecmp(name, channel_names[i]) == 0)
			return 1u << i;
	return 0;
}

int
cadence_step_has(const struct cadence_step *step, enum channel ch)
{
	return (step->channels & (unsigned)ch) != 0;
}

/* ---- sequences ---- */

void
sequence_free(struct sequence *seq)
{
	if (seq == NULL)
		return;
	free(seq->name);
	free(seq->then);
	free(seq->steps);
	free(seq);
}

static int
valid_seq_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return 0;
	return 1;
}

static int
valid_stage_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 3)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s))
			return 0;
	return 1;
}

/* is_label_of: 1 if s is the name of repeating step rep followed by digits
 * ("X1" for "X"), i.e. a label that would clash with rep's labels. */
static int
is_label_of(const char *s, const char *rep)
{
	size_t n = strlen(rep);

	if (strncasecmp(s, rep, n) != 0 || s[n] == '\0')
		return 0;
	for (s += n; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* delay_unit: the unit named by s and its largest amount, or -1. */
static int
delay_unit(const char *s, int *max)
{
	static const struct {
		const char *name;
		enum cadence_unit unit;
		int max;
	} units[] = {
	    {"business", CADENCE_BUSINESS, 250}, {"day", CADENCE_DAYS, 3660},
	    {"days", CADENCE_DAYS, 3660},        {"month", CADENCE_MONTHS, 120},
	    {"months", CADENCE_MONTHS, 120},
	};

	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(s, units[i].name) == 0) {
			if (max)
				*max = units[i].max;
			return (int)units[i].unit;
		}
	}
	return -1;
}

/* parse_stage: a "stage NAME after DELAY CHANNEL... [repeat]" line into st. */
static int
parse_stage(const char *file, struct reader *r, struct cadence_step *st,
            char **errstr)
{
	int ln = r->lineno, i;

	memset(st, 0, sizeof *st);
	if (r->nw < 2)
		return perr(errstr, file, ln, "stage: missing stage name");
	if (!valid_stage_name(r->w[1]))
		return perr(errstr, file, ln,
		            "bad stage name '%.40s' (1-3 letters or digits)",
		            r->w[1]);
	memcpy(st->name, r->w[1], strlen(r->w[1]) + 1);
	if (r->nw < 3 || strcmp(r->w[2], "after") != 0)
		return perr(errstr, file, ln,
		            "stage %s: expected 'after' after the stage name",
		            st->name);
	if (r->nw < 4)
		return perr(errstr, file, ln, "stage %s: missing delay",
		            st->name);
	if (strcmp(r->w[3], "0") == 0 &&
	    (r->nw < 5 || delay_unit(r->w[4], NULL) < 0)) {
		st->unit = CADENCE_NOW;
		i = 4;
	} else {
		int max = 0, u;
		const char *unit;

		if (r->nw < 5)
			return perr(errstr, file, ln,
			            "stage %s: missing delay unit after "
			            "'%.40s' (business, "
			            "days or months)",
			            st->name, r->w[3]);
		unit = r->w[4];
		if ((u = delay_unit(unit, &max)) < 0)
			return perr(errstr, file, ln,
			            "stage %s: unknown delay unit '%.40s' "
			            "(business, days "
			            "or months)",
			            st->name, unit);
		st->unit = (enum cadence_unit)u;
		if (parse_uint(r->w[3], max, &st->amount) != 0 ||
		    st->amount < 1)
			return perr(errstr, file, ln,
			            "stage %s: bad number '%.40s' (1 to %d %s, "
			            "or 'after "
			            "0' alone)",
			            st->name, r->w[3], max, unit);
		i = 5;
	}
	for (; i < r->nw; i++) {
		unsigned bit;

		if (strcmp(r->w[i], "repeat") == 0) {
			if (i != r->nw - 1)
				return perr(
				    errstr, file, ln,
				    "stage %s: 'repeat' must end the line",
				    st->name);
			st->repeat = 1;
			break;
		}
		if ((bit = cadence_channel_parse(r->w[i])) == 0)
			return perr(errstr, file, ln,
			            "stage %s: unknown channel '%.40s' (email, "
			            "call, text, "
			            "visit, note, research, social)",
			            st->name, r->w[i]);
		if (st->channels & bit)
			return perr(errstr, file, ln,
			            "stage %s: channel '%s' listed twice",
			            st->name, cadence_channel_name(bit));
		st->channels |= bit;
	}
	if (st->channels == 0)
		return perr(errstr, file, ln, "stage %s: no channel", st->name);
	return CADENCE_OK;
}

int
sequence_parse(const char *file, const char *text, struct sequence **out,
               char **errstr)
{
	struct reader r = {.p = text};
	struct sequence *seq = xcalloc(1, sizeof *seq);
	int lines[MAX_STEPS] = {0};
	int have_max = 0, repeat_line = 0, rc = CADENCE_OK, got;
	const char *why = NULL;

	while ((got = next_line(&r, &why)) != 0) {
		if (got < 0) {
			rc = perr(errstr, file, r.lineno, "%s", why);
			goto fail;
		}
		if (r.nw == 0)
			continue;
		if (strcmp(r.w[0], "name") == 0) {
			if (seq->name != NULL) {
				rc = perr(errstr, file, r.lineno,
				          "duplicate 'name'");
				goto fail;
			}
			if (r.nw != 2 || !valid_seq_name(r.w[1])) {
				rc = perr(errstr, file, r.lineno,
				          "name: want one word of 1-32 "
				          "letters, digits, "
				          "'-' or '_'");
				goto fail;
			}
			seq->name = xstrdup(r.w[1]);
		} else if (strcmp(r.w[0], "max_x") == 0) {
			if (have_max) {
				rc = perr(errstr, file, r.lineno,
				          "duplicate 'max_x'");
				goto fail;
			}
			if (r.nw != 2 ||
			    parse_uint(r.w[1], 100000, &seq->max_x) != 0) {
				rc = perr(
				    errstr, file, r.lineno,
				    "max_x: bad number '%.40s' (0 = unlimited, "
				    "up to 100000)",
				    r.nw > 1 ? r.w[1] : "");
				goto fail;
			}
			have_max = 1;
		} else if (strcmp(r.w[0], "then") == 0) {
			if (seq->then != NULL || r.nw != 2 ||
			    !valid_seq_name(r.w[1])) {
				rc = perr(errstr, file, r.lineno,
				          seq->then != NULL
				              ? "duplicate 'then'"
				              : "then: want one sequence name");
				goto fail;
			}
			seq->then = xstrdup(r.w[1]);
		} else if (strcmp(r.w[0], "contact") == 0) {
			if (r.nw != 2 || (strcmp(r.w[1], "yes") != 0 &&
			                  strcmp(r.w[1], "no") != 0)) {
				rc = perr(errstr, file, r.lineno,
				          "contact: want yes or no");
				goto fail;
			}
			seq->contact = strcmp(r.w[1], "yes") == 0;
		} else if (strcmp(r.w[0], "stage") == 0) {
			struct cadence_step st;

			if ((rc = parse_stage(file, &r, &st, errstr)) != 0)
				goto fail;
			for (size_t i = 0; i < seq->nsteps; i++) {
				if (strcasecmp(seq->steps[i].name, st.name) ==
				    0) {
					rc = perr(errstr, file, r.lineno,
					          "duplicate stage '%s' (first "
					          "on line "
					          "%d)",
					          st.name, lines[i]);
					goto fail;
				}
			}
			if (repeat_line) {
				rc = perr(errstr, file, repeat_line,
				          "stage %s repeats but is not the "
				          "last stage",
				          seq->steps[seq->nsteps - 1].name);
				goto fail;
			}
			if (seq->nsteps == MAX_STEPS) {
				rc =
				    perr(errstr, file, r.lineno,
				         "too many stages (max %d)", MAX_STEPS);
				goto fail;
			}
			seq->steps = xreallocarray(seq->steps, seq->nsteps + 1,
			                           sizeof *seq->steps);
			seq->steps[seq->nsteps] = st;
			lines[seq->nsteps++] = r.lineno;
			if (st.repeat)
				repeat_line = r.lineno;
		} else {
			rc = perr(errstr, file, r.lineno,
			          "unknown key '%.40s' (name, stage, max_x, "
			          "then, contact)",
			          r.w[0]);
			goto fail;
		}
	}
	if (seq->name == NULL) {
		rc = perr(errstr, file, 0, "no 'name' line");
		goto fail;
	}
	if (seq->nsteps == 0) {
		rc = perr(errstr, file, 0, "no stages");
		goto fail;
	}
	if (repeat_line) {
		const char *rep = seq->steps[seq->nsteps - 1].name;

		for (size_t i = 0; i + 1 < seq->nsteps; i++) {
			if (is_label_of(seq->steps[i].name, rep)) {
				rc =
				    perr(errstr, file, lines[i],
				         "stage name '%s' clashes with the "
				         "labels of "
				         "repeating stage '%s' (%s1, %s2, ...)",
				         seq->steps[i].name, rep, rep, rep);
				goto fail;
			}
		}
	}
	*out = seq;
	return CADENCE_OK;
fail:
	sequence_free(seq);
	return rc;
}

int
sequence_load(const char *path, struct sequence **out, char **errstr)
{
	char *text = NULL;
	int rc;

	if ((rc = slurp(path, &text, errstr)) != CADENCE_OK)
		return rc;
	rc = sequence_parse(path, text, out, errstr);
	free(text);
	return rc;
}

/* ---- stage labels ---- */

char *
cadence_stage_label(const struct sequence *seq, size_t step_index, int xcount,
                    char *buf, size_t len)
{
	const struct cadence_step *st;

	if (len == 0)
		return buf;
	if (step_index >= seq->nsteps) {
		snprintf(buf, len, "?");
		return buf;
	}
	st = &seq->steps[step_index];
	if (st->repeat)
		snprintf(buf, len, "%s%d", st->name,
		         xcount < 0 ? 1 : xcount + 1);
	else
		snprintf(buf, len, "%s", st->name);
	return buf;
}

int
cadence_stage_parse(const struct sequence *seq, const char *label,
                    size_t *step_index, int *xcount)
{
	for (size_t i = 0; i < seq->nsteps; i++) {
		if (!seq->steps[i].repeat &&
		    strcasecmp(seq->steps[i].name, label) == 0) {
			*step_index = i;
			*xcount = 0;
			return 0;
		}
	}
	for (size_t i = 0; i < seq->nsteps; i++) {
		const char *name = seq->steps[i].name, *rest;
		size_t n = strlen(name);
		int v;

		if (!seq->steps[i].repeat || strncasecmp(label, name, n) != 0)
			continue;
		rest = label + n;
		if (*rest == '\0') {
			v = 1;
		} else if (*rest == '0' ||
		           parse_uint(rest, INT_MAX - 1, &v) != 0) {
			continue;
		}
		*step_index = i;
		*xcount = v - 1;
		return 0;
	}
	return -1;
}

int
cadence_next(const struct sequence *seq, size_t step_index, int xcount,
             size_t *next_step, int *next_xcount)
{
	if (step_index >= seq->nsteps)
		return 0;
	if (step_index + 1 < seq->nsteps) {
		*next_step = step_index + 1;
		*next_xcount = 0;
		return 1;
	}
	if (!seq->steps[step_index].repeat)
		return 0;
	if (xcount < 0)
		xcount = 0;
	/* xcount + 1 touches of the repeating step are done now */
	if (seq->max_x > 0 && xcount + 1 >= seq->max_x)
		return 0;
	if (xcount == INT_MAX - 1)
		return 0;
	*next_step = step_index;
	*next_xcount = xcount + 1;
	return 1;
}

/* ---- holidays ---- */

void
holidays_free(struct holidays *h)
{
	if (h == NULL)
		return;
	free(h->days);
	free(h);
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

int
holidays_parse(const char *file, const char *text, struct holidays **out,
               char **errstr)
{
	struct reader r = {.p = text};
	struct holidays *h = xcalloc(1, sizeof *h);
	size_t cap = 0, j;
	const char *why = NULL;
	int got, day, rc = CADENCE_OK;

	while ((got = next_line(&r, &why)) != 0) {
		if (got < 0) {
			rc = perr(errstr, file, r.lineno, "%s", why);
			goto fail;
		}
		if (r.nw == 0)
			continue;
		if (clock_parse_date(r.w[0], &day) != CLOCK_OK) {
			rc = perr(errstr, file, r.lineno,
			          "bad date '%.40s' (want YYYY-MM-DD)", r.w[0]);
			goto fail;
		}
		if (r.nw > 1) {
			rc = perr(
			    errstr, file, r.lineno,
			    "unexpected '%.40s' after the date (comments start "
			    "with '#')",
			    r.w[1]);
			goto fail;
		}
		if (h->n == cap) {
			cap = cap ? cap * 2 : 32;
			h->days = xreallocarray(h->days, cap, sizeof *h->days);
		}
		h->days[h->n++] = day;
	}
	if (h->n > 1) {
		qsort(h->days, h->n, sizeof *h->days, cmp_int);
		for (size_t i = j = 1; i < h->n; i++)
			if (h->days[i] != h->days[j - 1])
				h->days[j++] = h->days[i];
		h->n = j;
	}
	*out = h;
	return CADENCE_OK;
fail:
	holidays_free(h);
	return rc;
}

int
holidays_load(const char *path, struct holidays **out, char **errstr)
{
	char *text = NULL;
	int rc;

	if ((rc = slurp(path, &text, errstr)) != CADENCE_OK)
		return rc;
	rc = holidays_parse(path, text, out, errstr);
	free(text);
	return rc;
}

int
holidays_contains(const struct holidays *h, int day)
{
	size_t lo = 0, hi;

	if (h == NULL)
		return 0;
	hi = h->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (h->days[mid] == day)
			return 1;
		if (h->days[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* ---- business days and months ---- */

int
cadence_is_business_day(const struct holidays *h, int day)
{
	int wd = clock_weekday(day);

	return wd != 0 && wd != 6 && !holidays_contains(h, day);
}

/* Terminates: a holiday list is finite, and every week has five weekdays. */
int
cadence_add_business_days(const struct holidays *h, int day, int n)
{
	if (n <= 0) {
		while (!cadence_is_business_day(h, day))
			day++;
		return day;
	}
	while (n > 0) {
		day++;
		if (cadence_is_business_day(h, day))
			n--;
	}
	return day;
}

int
cadence_next_business_day(const struct holidays *h, int day)
{
	return cadence_add_business_days(h, day, 1);
}

static int
days_in_month(int y, int m)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30,
	                            31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : mdays[m - 1];
}

int
cadence_add_months(int day, int n)
{
	int y, m, d, total, ny, nm, dim;

	clock_civil_from_day(day, &y, &m, &d);
	total = y * 12 + (m - 1) + n;
	ny = total >= 0 ? total / 12 : -((-total + 11) / 12);
	nm = total - ny * 12 + 1;
	dim = days_in_month(ny, nm);
	return clock_day_from_civil(ny, nm, d > dim ? dim : d);
}

/* ---- due dates ---- */

time_t
cadence_due(const struct sequence *seq, size_t step_index, time_t prev_done,
            const char *tz, const struct holidays *h)
{
	const struct cadence_step *st;
	int day;

	if (seq == NULL || step_index >= seq->nsteps)
		return (time_t)-1;
	st = &seq->steps[step_index];
	if (st->unit == CADENCE_NOW)
		return prev_done;
	day = clock_day_of(prev_done, tz);
	switch (st->unit) {
	case CADENCE_BUSINESS:
		day = cadence_add_business_days(h, day, st->amount);
		break;
	case CADENCE_DAYS:
		day = cadence_add_business_days(h, day + st->amount, 0);
		break;
	case CADENCE_MONTHS:
		day = cadence_add_business_days(
		    h, cadence_add_months(day, st->amount), 0);
		break;
	default:
		return (time_t)-1;
	}
	return clock_at(day, 0, tz);
}

/* ---- sending windows ---- */

static int
parse_day_name(const char *s, size_t n)
{
	if (n != 3)
		return -1;
	for (int i = 0; i < 7; i++)
		if (strncasecmp(s, day_names[i], 3) == 0)
			return i;
	return -1;
}

/* parse_hhmm: "8:30", "08:30", "24:00" -> minutes; advances *p. */
static int
parse_hhmm(const char **p, int *out)
{
	const char *s = *p;
	int h = 0, m, nd = 0;

	while (isdigit((unsigned char)*s) && nd < 2) {
		h = h * 10 + (*s++ - '0');
		nd++;
	}
	if (nd == 0 || *s++ != ':')
		return -1;
	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
		return -1;
	m = (s[0] - '0') * 10 + (s[1] - '0');
	s += 2;
	if (m > 59 || h > 24 || (h == 24 && m != 0))
		return -1;
	*out = h * 60 + m;
	*p = s;
	return 0;
}

int
window_parse(const char *spec, struct window *w, char **errstr)
{
	const char *p = spec, *e;
	struct window nw = {0, 0, 0};
	char *bad = NULL;

	if (spec == NULL)
		spec = p = "";
	p += strspn(p, " \t");
	e = p + strcspn(p, " \t");
	if (e == p) {
		bad = xstrdup("empty (want e.g. \"" WINDOW_DEFAULT "\")");
		goto fail;
	}
	/* days: Ddd or Ddd-Ddd, separated by commas */
	while (p < e) {
		size_t n = strcspn(p, ",");
		const char *dash;
		int a, b;

		if (p + n > e)
			n = (size_t)(e - p);
		dash = memchr(p, '-', n);
		if (dash == NULL) {
			a = b = parse_day_name(p, n);
		} else {
			a = parse_day_name(p, (size_t)(dash - p));
			b = parse_day_name(dash + 1,
			                   (size_t)(p + n - dash - 1));
		}
		if (a < 0 || b < 0) {
			bad =
			    xasprintf("bad day list '%.*s' (want e.g. Mon-Fri "
			              "or Mon,Wed,Fri)",
			              (int)(e - spec < 40 ? e - spec : 40),
			              spec + strspn(spec, " \t"));
			goto fail;
		}
		for (int d = a;; d = (d + 1) % 7) {
			nw.days |= 1u << d;
			if (d == b)
				break;
		}
		p += n;
		if (p < e && *p == ',') {
			p++;
			if (p == e) {
				bad = xstrdup("day list ends with ','");
				goto fail;
			}
		}
	}
	p = e + strspn(e, " \t");
	if (*p == '\0') {
		bad = xstrdup("missing hours (want e.g. 08:30-17:00)");
		goto fail;
	}
	if (parse_hhmm(&p, &nw.start) != 0 || *p++ != '-' ||
	    parse_hhmm(&p, &nw.end) != 0) {
		bad = xstrdup("bad hours (want HH:MM-HH:MM, e.g. 08:30-17:00)");
		goto fail;
	}
	p += strspn(p, " \t");
	if (*p != '\0') {
		bad = xasprintf("unexpected '%.20s' after the hours", p);
		goto fail;
	}
	if (nw.start >= nw.end) {
		bad =
		    xstrdup("the window must end after it starts (no overnight "
		            "windows)");
		goto fail;
	}
	*w = nw;
	return CADENCE_OK;
fail:
	if (errstr)
		*errstr = xasprintf("window '%.60s': %s", spec, bad);
	free(bad);
	return CADENCE_ESYNTAX;
}

char *
window_format(const struct window *w, char *buf, size_t len)
{
	static const int order[7] = {1, 2, 3, 4, 5, 6, 0}; /* Mon first */
	struct buf b;
	int i = 0, first = 1;

	buf_init(&b);
	while (i < 7) {
		int j = i;

		if (!(w->days & (1u << order[i]))) {
			i++;
			continue;
		}
		while (j + 1 < 7 && (w->days & (1u << order[j + 1])))
			j++;
		if (!first)
			buf_addc(&b, ',');
		first = 0;
		if (j - i >= 2)
			buf_printf(&b, "%s-%s", day_names[order[i]],
			           day_names[order[j]]);
		else
			for (int k = i; k <= j; k++)
				buf_printf(&b, "%s%s", k > i ? "," : "",
				           day_names[order[k]]);
		i = j + 1;
	}
	buf_printf(&b, " %02d:%02d-%02d:%02d", w->start / 60, w->start % 60,
	           w->end / 60, w->end % 60);
	snprintf(buf, len, "%s", b.s);
	buf_free(&b);
	return buf;
}

int
window_contains(const struct window *w, time_t t, const char *tz)
{
	struct tm tm;
	long sod;

	clock_localtime(t, tz, &tm);
	if (!(w->days & (1u << tm.tm_wday)))
		return 0;
	sod = tm.tm_hour * 3600L + tm.tm_min * 60L + tm.tm_sec;
	return sod >= w->start * 60L && sod < w->end * 60L;
}

static long
local_sod(time_t t, const char *tz, int *day)
{
	struct tm tm;

	clock_localtime(t, tz, &tm);
	*day =
	    clock_day_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	return tm.tm_hour * 3600L + tm.tm_min * 60L + tm.tm_sec;
}

/*
 * opening: the first instant of civil day d (in tz) whose local time is at
 * least `minutes` after midnight.  Usually clock_at(); but mktime moves a time
 * in a DST gap forward by the gap's length (02:30 -> 03:30), so when the local
 * time it gives is past the wanted one we search back for the end of the gap
 * (03:00).  For a time that occurs twice (the fall-back fold) the earlier one
 * is taken.
 */
static time_t
opening(int d, int minutes, const char *tz)
{
	time_t o = clock_at(d, minutes, tz), lo, hi;
	long want = minutes * 60L, sod;
	int od, ed;

	sod = local_sod(o, tz, &od);
	if (od == d && sod == want) {
		for (long back = 1800; back <= 7200; back += 1800) {
			if (local_sod(o - back, tz, &ed) == want && ed == d)
				return o - back;
		}
		return o;
	}
	/* in a gap: the answer is in (o - 4h, o]; local time is monotonic there
	 */
	lo = o - 4 * 3600;
	hi = o;
	while (hi - lo > 1) {
		time_t mid = lo + (hi - lo) / 2;

		sod = local_sod(mid, tz, &ed);
		if (ed > d || (ed == d && sod >= want))
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

/*
 * Walk the civil days from t's own: the first open, non-holiday day whose
 * opening lies after t wins; window_contains() checks that the opening (moved
 * by a DST gap) is still inside the window.
 */
time_t
window_next_open_h(const struct window *w, time_t t, const char *tz,
                   const struct holidays *h)
{
	int day0 = clock_day_of(t, tz);

	if (w->days == 0)
		return (time_t)-1;
	if (window_contains(w, t, tz) && !holidays_contains(h, day0))
		return t;
	for (int i = 0; i <= WINDOW_SEARCH_DAYS; i++) {
		int d = day0 + i;
		time_t o;

		if (!(w->days & (1u << clock_weekday(d))) ||
		    holidays_contains(h, d))
			continue;
		o = opening(d, w->start, tz);
		if (o > t && clock_day_of(o, tz) == d &&
		    window_contains(w, o, tz))
			return o;
	}
	return (time_t)-1;
}

time_t
window_next_open(const struct window *w, time_t t, const char *tz)
{
	return window_next_open_h(w, t, tz, NULL);
}
