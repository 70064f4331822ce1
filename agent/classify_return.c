/* classify_return - the first day back an out-of-office states; see
 * classify.h (classify_return_day), classify_p.h (cls_return_day) */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify_date_p.h"
#include "classify_p.h"
#include "clock.h"

/* The words that announce the day back ("back on", "until", "bis", "hasta") and
 * how they read what follows. */
/* T_FOR: a length of absence ("for two weeks"): only a duration follows */
enum { T_BACK, T_UNTIL, T_FOR };

struct trigger {
	const char *s;
	int kind;
};

/* Longest first where one is a prefix of another. */
static const struct trigger triggers[] = {
    /* reopening, in the other languages */
    {"wieder geöffnet", T_BACK},
    {"réouverture", T_BACK},
    {"reabrimos", T_BACK},
    {"riapriamo", T_BACK},
    {"riapertura", T_BACK},
    {"öppnar igen", T_BACK},
    {"otwieramy", T_BACK},
    {"weer open", T_BACK},
    /* nl */
    {"tot en met", T_UNTIL},
    {"t/m", T_UNTIL},
    {"tot", T_UNTIL},
    {"terug", T_BACK},
    {"vanaf", T_BACK},
    {"weer", T_BACK},
    /* en */
    {"not return until", T_BACK},
    {"not be back until", T_BACK},
    {"not back until", T_BACK},
    {"reopen on", T_BACK},
    {"reopen", T_BACK},
    {"reopens", T_BACK},
    {"reopening", T_BACK},
    {"up to and including", T_UNTIL},
    {"up to", T_UNTIL},
    /* the end of a range "from X to Y", "du X au Y", "del X al Y" */
    {"to", T_UNTIL},
    {"au", T_UNTIL},
    {"al", T_UNTIL},
    {"until", T_UNTIL},
    {"till", T_UNTIL},
    {"through", T_UNTIL},
    {"thru", T_UNTIL},
    {"back", T_BACK},
    {"returning", T_BACK},
    {"return", T_BACK},
    {"returns", T_BACK},
    /* de */
    {"bis", T_UNTIL},
    {"zurück", T_BACK},
    {"zurueck", T_BACK},
    {"wieder", T_BACK},
    {"ab", T_BACK},
    /* fr */
    {"jusqu'au", T_UNTIL},
    {"jusqu'à", T_UNTIL},
    {"jusqu'a", T_UNTIL},
    {"de retour", T_BACK},
    {"retour", T_BACK},
    {"reprendrai", T_BACK},
    {"reprends", T_BACK},
    {"reprise", T_BACK},
    {"reviens", T_BACK},
    {"reviendrai", T_BACK},
    {"rentre", T_BACK},
    {"rentrerai", T_BACK},
    {"pendant", T_FOR},
    {"à partir du", T_BACK},
    {"à partir de", T_BACK},
    /* es, pt */
    {"hasta", T_UNTIL},
    {"até", T_UNTIL},
    {"a partir del", T_BACK},
    {"a partir do", T_BACK},
    {"a partir da", T_BACK},
    {"a partir dal", T_BACK},
    {"a partir de", T_BACK},
    {"a partir du", T_BACK},
    {"regresaré", T_BACK},
    {"regresare", T_BACK},
    {"regreso", T_BACK},
    {"regresa", T_BACK},
    {"de vuelta", T_BACK},
    {"vuelvo", T_BACK},
    {"volveré", T_BACK},
    {"de volta", T_BACK},
    {"volto", T_BACK},
    {"retorno", T_BACK},
    {"retornando", T_BACK},
    {"retornarei", T_BACK},
    {"retorno em", T_BACK},
    {"voltarei", T_BACK},
    {"voltando", T_BACK},
    {"regresso", T_BACK},
    {"regressarei", T_BACK},
    {"de regreso", T_BACK},
    {"me reincorporo", T_BACK},
    {"me reincorporaré", T_BACK},
    {"me incorporo", T_BACK},
    {"durante", T_FOR},
    {"por", T_FOR},
    /* it */
    {"fino al", T_UNTIL},
    {"fino a", T_UNTIL},
    {"fino all'", T_UNTIL},
    {"rientro", T_BACK},
    {"rientrerò", T_BACK},
    {"rientrero", T_BACK},
    {"di ritorno", T_BACK},
    {"di nuovo", T_BACK},
    {"a partire dal", T_BACK},
    {"dal", T_BACK},
    {"tornerò", T_BACK},
    {"tornero", T_BACK},
    {"torno", T_BACK},
    {"per", T_FOR},
    /* sv */
    {"till och med", T_UNTIL},
    {"t.o.m.", T_UNTIL},
    {"t.o.m", T_UNTIL},
    {"fram till", T_UNTIL},
    {"tillbaka", T_BACK},
    {"åter", T_BACK},
    {"från och med", T_BACK},
    {"fr.o.m.", T_BACK},
    /* pl */
    {"do", T_UNTIL},
    {"będę dostępny", T_BACK},
    {"będę dostępna", T_BACK},
    {"wracam", T_BACK},
    {"wrócę", T_BACK},
    {"z powrotem", T_BACK},
    {"powrót", T_BACK},
    {"od", T_BACK},
    {"przez", T_FOR},
    /* da, no, tr: the return only (their notices are read by the rules) */
    {"tilbage", T_BACK},
    {"tilbake", T_BACK},
    {"döneceğim", T_BACK},
    {"dönüyorum", T_BACK},
    {"döneceğiz", T_BACK},
    /* a length of absence, en de nl */
    {"for", T_FOR},
    {"für", T_FOR},
    {"voor", T_FOR},
    {NULL, 0},
};

/* negation_before: a negation word in the clause before p ("I will not
 * have access to e-mail until X", "no tendré acceso hasta X") */
static int
negation_before(const char *lt, const char *p)
{
	static const char *neg[] = {
	    "not", "no",  "won't", "nicht", "kein", "keinen", "ne",      "pas",
	    "non", "não", "inte",  "nie",   "niet", "geen",   "without", NULL};
	const char *b = p - 60 > lt ? p - 60 : lt, *q;
	size_t n;
	int k;

	for (q = p; q > b; q--)
		if (q[-1] == '.' || q[-1] == '!' || q[-1] == '\n' ||
		    q[-1] == ';')
			break;
	for (; q < p; q++) {
		if (q > lt && cls_dt_is_wordc((unsigned char)q[-1]))
			continue;
		n = cls_dt_word_at(q);
		for (k = 0; neg[k] != NULL; k++)
			if (strlen(neg[k]) == n && strncmp(q, neg[k], n) == 0)
				return 1;
	}
	return 0;
}

/* inclusive_after: "until Monday inclusive", "bis einschließlich" */
static int
inclusive_after(const char *p)
{
	static const char *w[] = {
	    "inclus",       "einschlie", "incluid",   "inclu",      "compres",
	    "włącznie",     "inklusive", "including", "tot en met", "t/m",
	    "till och med", "t.o.m",     "through",   "thru",       NULL};
	char buf[64];
	size_t n = strnlen(p, sizeof buf - 1);
	int k;

	memcpy(buf, p, n);
	buf[n] = '\0';
	for (k = 0; w[k] != NULL; k++)
		if (strstr(buf, w[k]) != NULL)
			return 1;
	return 0;
}

/* trigger_at: the trigger word that starts at p (a word start), or -1 */
static int
trigger_at(const char *p)
{
	size_t tl;
	int k;

	for (k = 0; triggers[k].s != NULL; k++) {
		if (triggers[k].s[0] != *p)
			continue;
		tl = strlen(triggers[k].s);
		if (strncmp(p, triggers[k].s, tl) == 0 &&
		    !cls_dt_is_wordc((unsigned char)p[tl]))
			return k;
	}
	return -1;
}

/* duration_at: "for two weeks", "pendant 3 jours": the day after that
 * long away, or -1 */
static int
duration_at(const char *s, int msg_day)
{
	int k, d;
	size_t n;

	for (k = 0; k < 4; k++) {
		s = cls_dt_skip_sp(s);
		n = cls_dt_word_at(s);
		if (n == 0)
			return -1;
		if ((d = cls_dt_relative_at(s, msg_day, NULL)) >= 0)
			return d;
		if (!cls_dt_is_filler(s, n))
			return -1;
		s += n;
	}
	return -1;
}

/*
 * date_before: Dutch, German, Swedish and Polish often put the date before
 * the word that says "back": "ik ben de 9e weer terug", "am 9. wieder im
 * Büro", "9 grudnia będę z powrotem".  The date nearest before p in its
 * clause, widened while the words before it still read as part of it; none
 * when another trigger stands in the clause (its date is its own).
 */
static int
date_before(const char *lt, const char *p, int msg_day, int day_first,
            int *stale)
{
	const char *b = p - 120 > lt ? p - 120 : lt, *q, *ws[32];
	int nw = 0, i, j, v, best = -1, until, wd, pass;

	for (q = p; q > b; q--) {
		if (q[-1] == '!' || q[-1] == '?' || q[-1] == ';')
			break;
		if (q[-1] == '.' &&
		    (q - 1 == lt || !isdigit((unsigned char)q[-2])))
			break;
		if (q[-1] == '\n' && q - 1 > lt && q[-2] == '\n')
			break;
	}
	for (; q < p && nw < 32; q++) {
		if ((q > lt && cls_dt_is_wordc((unsigned char)q[-1])) ||
		    !cls_dt_is_wordc((unsigned char)*q))
			continue;
		if (trigger_at(q) >= 0)
			return -1;
		ws[nw++] = q;
	}
	/* first a number or a month's name (a stated date), then anything
	 * (a weekday, "morgen") */
	for (pass = 0; pass < 2 && best < 0; pass++) {
		for (i = nw - 1; i >= 0 && best < 0; i--) {
			if (pass == 0 && !isdigit((unsigned char)*ws[i]) &&
			    cls_dt_lookup(cls_dt_months, ws[i],
			                  cls_dt_word_at(ws[i])) < 0)
				continue;
			until = 0;
			wd = 0;
			if ((v = cls_dt_parse_when(ws[i], msg_day, day_first,
			                           &until, stale, &wd)) < 0)
				continue;
			best = v;
			for (j = i - 1; j >= 0; j--) {
				until = 0;
				if ((v = cls_dt_parse_when(ws[j], msg_day,
				                           day_first, &until,
				                           stale, &wd)) < 0)
					break;
				best = v;
			}
		}
	}
	return best;
}

int
cls_return_day(const char *text, int msg_day, int day_first, int *stale)
{
	char *lt;
	const char *p;
	int k, day = -1, until, back = -1, first_until = -1, st = 0, wd;
	int dur = -1;
	size_t tl;

	*stale = 0;
	if (text == NULL)
		return -1;
	lt = cls_lower_utf8(text);
	/* An explicit "back on X" beats "until X" wherever it is: "Away until
	 * May 5 ... returning on May 5th" means back on the 5th. */
	for (p = lt; *p != '\0' && back < 0; p++) {
		if (p > lt && cls_dt_is_wordc((unsigned char)p[-1]))
			continue;
		if (!cls_dt_is_wordc((unsigned char)*p))
			continue;
		for (k = 0; triggers[k].s != NULL; k++) {
			if (triggers[k].s[0] != *p)
				continue;
			tl = strlen(triggers[k].s);
			if (strncmp(p, triggers[k].s, tl) != 0 ||
			    cls_dt_is_wordc((unsigned char)p[tl]))
				continue;
			until = triggers[k].kind == T_UNTIL;
			if (until && first_until >= 0)
				continue;
			wd = 0;
			if (triggers[k].kind == T_FOR) {
				/* a length: only when no date is stated */
				if (dur < 0 && msg_day >= 0)
					dur = duration_at(p + tl, msg_day);
				continue;
			}
			day = cls_dt_parse_when(p + tl, msg_day, day_first,
			                        &until, &st, &wd);
			if (day < 0 && triggers[k].kind == T_BACK)
				day =
				    date_before(lt, p, msg_day, day_first, &st);
			if (day < 0)
				continue;
			if (until) {
				/* "until X": away through X, back the day
				 * after; but "not ... until X", and "until
				 * Monday" (named, not "inclusive": people
				 * come back on a Monday), name the first day
				 * back */
				first_until = day + 1;
				if (negation_before(lt, p) ||
				    (wd && clock_weekday(day) == 1 &&
				     !inclusive_after(p)))
					first_until = day;
			} else if (msg_day >= 0 && day <= msg_day) {
				/* "ab 21.12. nicht im Büro" written on the
				 * 21st: from when away, not back */
				continue;
			} else
				back = day;
			break;
		}
	}
	day = back >= 0 ? back : first_until;
	/* fallback: a date range anywhere ("traveling July 10-31") */
	for (p = lt; *p != '\0' && day < 0; p++) {
		size_t n;
		if (p > lt && cls_dt_is_wordc((unsigned char)p[-1]))
			continue;
		n = cls_dt_word_at(p);
		if (n > 0 && cls_dt_lookup(cls_dt_months, p, n) > 0) {
			int st2 = 0;
			until = 0;
			wd = 0;
			day = cls_dt_parse_when(p, msg_day, day_first, &until,
			                        &st2, &wd);
			if (day >= 0 && !until)
				day = -1;
			else if (day >= 0)
				day++;
		}
	}
	/* "Morgen ben ik er weer", "Będę dostępny jutro": a tomorrow in
	 * an out-of-office is the day back */
	for (p = lt; *p != '\0' && day < 0 && msg_day >= 0; p++) {
		size_t n;
		if (p > lt && cls_dt_is_wordc((unsigned char)p[-1]))
			continue;
		n = cls_dt_word_at(p);
		if (n > 0 && cls_dt_in_list(cls_dt_tomorrow, p, n))
			day = msg_day + 1;
	}
	if (day < 0 && dur > msg_day)
		day = dur;
	free(lt);
	if (day < 0 && st)
		*stale = 1;
	return day;
}

int
classify_return_day(const char *text, int msg_day, int uk_order)
{
	int stale;

	return cls_return_day(text, msg_day, uk_order, &stale);
}
