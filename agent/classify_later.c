/* classify_later - the time a "not now" names; see classify_p.h
 * (cls_stated_day) */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify_date_p.h"
#include "classify_p.h"
#include "clock.h"

/* ------------------------------------------------------------------ */
/* The time a "not now" names. */

/* periods: "next quarter", "after the summer", "next year" ... */
enum {
	P_QUARTER,
	P_YEAR,
	P_MONTH,
	P_SUMMER,
	P_AUTUMN,
	P_SPRING,
	P_WINTER,
	P_WEEK,
	P_Q1,
	P_Q2,
	P_Q3,
	P_Q4
};

static const struct {
	const char *s;
	int p;
} periods[] = {{"next quarter", P_QUARTER},
               {"nächsten quartal", P_QUARTER},
               {"nächstes quartal", P_QUARTER},
               {"kommenden quartal", P_QUARTER},
               {"trimestre prochain", P_QUARTER},
               {"prochain trimestre", P_QUARTER},
               {"próximo trimestre", P_QUARTER},
               {"proximo trimestre", P_QUARTER},
               {"prossimo trimestre", P_QUARTER},
               {"nästa kvartal", P_QUARTER},
               {"następnym kwartale", P_QUARTER},
               {"przyszłym kwartale", P_QUARTER},
               {"volgend kwartaal", P_QUARTER},
               {"volgende kwartaal", P_QUARTER},
               {"next year", P_YEAR},
               {"nächstes jahr", P_YEAR},
               {"nächsten jahr", P_YEAR},
               {"naechstes jahr", P_YEAR},
               {"l'année prochaine", P_YEAR},
               {"l'an prochain", P_YEAR},
               {"año que viene", P_YEAR},
               {"próximo año", P_YEAR},
               {"proximo año", P_YEAR},
               {"l'anno prossimo", P_YEAR},
               {"anno prossimo", P_YEAR},
               {"prossimo anno", P_YEAR},
               {"próximo ano", P_YEAR},
               {"proximo ano", P_YEAR},
               {"ano que vem", P_YEAR},
               {"nästa år", P_YEAR},
               {"przyszłym roku", P_YEAR},
               {"następnym roku", P_YEAR},
               {"volgend jaar", P_YEAR},
               {"new year", P_YEAR},
               {"next month", P_MONTH},
               {"nächsten monat", P_MONTH},
               {"nächster monat", P_MONTH},
               {"mois prochain", P_MONTH},
               {"próximo mes", P_MONTH},
               {"mes que viene", P_MONTH},
               {"prossimo mese", P_MONTH},
               {"mese prossimo", P_MONTH},
               {"próximo mês", P_MONTH},
               {"nästa månad", P_MONTH},
               {"przyszłym miesiącu", P_MONTH},
               {"volgende maand", P_MONTH},
               {"after the summer", P_SUMMER},
               {"after summer", P_SUMMER},
               {"nach dem sommer", P_SUMMER},
               {"nach den sommerferien", P_SUMMER},
               {"après l'été", P_SUMMER},
               {"apres l'ete", P_SUMMER},
               {"después del verano", P_SUMMER},
               {"despues del verano", P_SUMMER},
               {"dopo l'estate", P_SUMMER},
               {"depois do verão", P_SUMMER},
               {"após o verão", P_SUMMER},
               {"efter sommaren", P_SUMMER},
               {"po wakacjach", P_SUMMER},
               {"po lecie", P_SUMMER},
               {"na de zomer", P_SUMMER},
               {"in the fall", P_AUTUMN},
               {"in the autumn", P_AUTUMN},
               {"im herbst", P_AUTUMN},
               {"à l'automne", P_AUTUMN},
               {"en otoño", P_AUTUMN},
               {"in autunno", P_AUTUMN},
               {"no outono", P_AUTUMN},
               {"i höst", P_AUTUMN},
               {"jesienią", P_AUTUMN},
               {"in het najaar", P_AUTUMN},
               {"in the spring", P_SPRING},
               {"im frühjahr", P_SPRING},
               {"im frühling", P_SPRING},
               {"au printemps", P_SPRING},
               {"en primavera", P_SPRING},
               {"in primavera", P_SPRING},
               {"na primavera", P_SPRING},
               {"i vår", P_SPRING},
               {"wiosną", P_SPRING},
               {"in het voorjaar", P_SPRING},
               {"in the new year", P_YEAR},
               {"nach neujahr", P_YEAR},
               {"efter nyår", P_YEAR},
               {"after the new year", P_YEAR},
               {"après le nouvel an", P_YEAR},
               {"después de año nuevo", P_YEAR},
               {"dopo capodanno", P_YEAR},
               {"depois do ano novo", P_YEAR},
               {"po nowym roku", P_YEAR},
               {"na de jaarwisseling", P_YEAR},
               {"na nieuwjaar", P_YEAR},
               {"im neuen jahr", P_YEAR},
               {"au nouvel an", P_YEAR},
               {"en el año nuevo", P_YEAR},
               {"con el año nuevo", P_YEAR},
               {"nel nuovo anno", P_YEAR},
               {"col nuovo anno", P_YEAR},
               {"no ano novo", P_YEAR},
               {"till nyår", P_YEAR},
               {"w nowym roku", P_YEAR},
               {"in het nieuwe jaar", P_YEAR},
               {"na het nieuwe jaar", P_YEAR},
               /* "after the holidays" names no date: which holidays? */
               {"in q1", P_Q1},
               {"in q2", P_Q2},
               {"in q3", P_Q3},
               {"in q4", P_Q4},
               {"im q1", P_Q1},
               {"im q2", P_Q2},
               {"im q3", P_Q3},
               {"im q4", P_Q4},
               {"au t1", P_Q1},
               {"au t2", P_Q2},
               {"au t3", P_Q3},
               {"au t4", P_Q4},
               {"premier trimestre", P_Q1},
               {"deuxième trimestre", P_Q2},
               {"troisième trimestre", P_Q3},
               {"quatrième trimestre", P_Q4},
               {"first quarter", P_Q1},
               {"second quarter", P_Q2},
               {"third quarter", P_Q3},
               {"fourth quarter", P_Q4},
               {"primer trimestre", P_Q1},
               {"segundo trimestre", P_Q2},
               {"tercer trimestre", P_Q3},
               {"cuarto trimestre", P_Q4},
               {"primo trimestre", P_Q1},
               {"secondo trimestre", P_Q2},
               {"terzo trimestre", P_Q3},
               {"quarto trimestre", P_Q4},
               {"primeiro trimestre", P_Q1},
               {"terceiro trimestre", P_Q3},
               {"pierwszym kwartale", P_Q1},
               {"drugim kwartale", P_Q2},
               {"trzecim kwartale", P_Q3},
               {"czwartym kwartale", P_Q4},
               {"första kvartalet", P_Q1},
               {"andra kvartalet", P_Q2},
               {"tredje kvartalet", P_Q3},
               {"fjärde kvartalet", P_Q4},
               {"eerste kwartaal", P_Q1},
               {"tweede kwartaal", P_Q2},
               {"derde kwartaal", P_Q3},
               {"vierde kwartaal", P_Q4},
               {"ersten quartal", P_Q1},
               {"zweiten quartal", P_Q2},
               {"dritten quartal", P_Q3},
               {"vierten quartal", P_Q4},
               {"in the winter", P_WINTER},
               {NULL, 0}};

static int
period_day(int p, int msg_day)
{
	int y, m, d, q;

	clock_civil_from_day(msg_day, &y, &m, &d);
	switch (p) {
	case P_QUARTER:
		q = (m - 1) / 3 + 1; /* this quarter; the next starts at */
		m = q * 3 + 1;
		if (m > 12) {
			m = 1;
			y++;
		}
		return clock_day_from_civil(y, m, 1);
	case P_YEAR:
		return clock_day_from_civil(y + 1, 1, 1);
	case P_MONTH:
		return m == 12 ? clock_day_from_civil(y + 1, 1, 1)
		               : clock_day_from_civil(y, m + 1, 1);
	case P_SUMMER:
		return clock_day_from_civil(m >= 9 ? y + 1 : y, 9, 1);
	case P_AUTUMN:
		return clock_day_from_civil(m >= 9 ? y + 1 : y, 9, 1);
	case P_SPRING:
		return clock_day_from_civil(m >= 3 ? y + 1 : y, 3, 1);
	case P_WINTER:
		return clock_day_from_civil(m == 12 ? y + 1 : y, 12, 1);
	case P_Q1:
	case P_Q2:
	case P_Q3:
	case P_Q4:
		q = (p - P_Q1) * 3 + 1; /* its first month */
		return clock_day_from_civil(m >= q ? y + 1 : y, q, 1);
	}
	return -1;
}

/* words that introduce a time in a "not now" */
static const char *time_words[] = {
    "in",     "on",      "after", "around",  "from",  "until",    "till",
    "by",     "before",  "im",    "am",      "ab",    "nach",     "bis",
    "en",     "à",       "après", "dès",     "le",    "jusqu'en", "a",
    "partir", "después", "hasta", "después", "desde", "dopo",     "da",
    "dal",    "nel",     "a",     "em",      "no",    "após",     "depois",
    "i",      "efter",   "från",  "om",      "w",     "po",       "od",
    "we",     "na",      "vanaf", "tot",     "begin", "early",    "mid",
    "end",    "of",      NULL};

/* "mid-March", "Mitte März", "metà gennaio"; "end of January", "fin
 * janvier" */
static const char *mid_words[] = {"mid",     "mitte",  "mi",     "mediados",
                                  "metà",    "meta",   "meados", "mitten",
                                  "połowie", "połowa", "half",   NULL};
static const char *end_words[] = {"end",   "ende",   "fin",   "finales", "fine",
                                  "final", "slutet", "końca", "koniec",  "eind",
                                  "einde", "late",   NULL};

int
cls_stated_day(const char *text, int msg_day, int day_first, int *stale)
{
	char *lt;
	const char *p;
	int k, day = -1, d, until, st = 0, wd, m, mod = 0, y, mm, dd;
	size_t n, pl;

	*stale = 0;
	if (text == NULL || msg_day < 0)
		return -1;
	lt = cls_lower_utf8(text);
	/* the last time the text names wins: "the budget is released in
	 * February; come back to me in March" */
	for (p = lt; *p != '\0'; p++) {
		if (p > lt && cls_dt_is_wordc((unsigned char)p[-1]))
			continue;
		if (!cls_dt_is_wordc((unsigned char)*p))
			continue;
		n = cls_dt_word_at(p);
		for (k = 0; periods[k].s != NULL; k++) {
			if (periods[k].s[0] != *p)
				continue;
			pl = strlen(periods[k].s);
			if (strncmp(p, periods[k].s, pl) == 0 &&
			    !cls_dt_is_wordc((unsigned char)p[pl]))
				break;
		}
		if (periods[k].s != NULL) {
			day = period_day(periods[k].p, msg_day);
			p += pl - 1;
			continue;
		}
		if ((pl = cls_dt_phrase_at(cls_dt_next_week, p)) > 0) {
			day = cls_dt_next_weekday(msg_day, 1);
			p += pl - 1;
			continue;
		}
		if (cls_dt_in_list(mid_words, p, n)) {
			mod = 1;
			continue;
		}
		if (cls_dt_in_list(end_words, p, n)) {
			mod = 2;
			continue;
		}
		/* a month named alone, with "mid" or "end" before it */
		if ((m = cls_dt_lookup(cls_dt_months, p, n)) > 0 &&
		    !isdigit((unsigned char)*cls_dt_skip_sp(p + n)) &&
		    (n > 3 || strncmp(p, "maj", 3) == 0 ||
		     strncmp(p, "mai", 3) == 0 || strncmp(p, "mei", 3) == 0)) {
			d = cls_dt_month_only(-1, m, msg_day, 0, &st);
			if (d >= 0 && mod) {
				clock_civil_from_day(d, &y, &mm, &dd);
				d = mod == 1
				        ? d + 14
				        : d + cls_dt_days_in_month(y, mm) - 1;
			}
			if (d >= 0)
				day = d;
			mod = 0;
			p += n - 1;
			continue;
		}
		if (!cls_dt_is_filler(p, n) &&
		    !cls_dt_in_list(time_words, p, n))
			mod = 0;
		if ((d = cls_dt_relative_at(p, msg_day, NULL)) >= 0) {
			day = d;
			continue;
		}
		/* a date, a weekday, "the 4th" */
		if (isdigit((unsigned char)*p) ||
		    cls_dt_lookup(cls_dt_weekdays, p, n) >= 0 ||
		    cls_dt_in_list(time_words, p, n) ||
		    cls_dt_in_list(cls_dt_week_words, p, n)) {
			wd = 0;
			until = 0;
			d = cls_dt_parse_when(p, msg_day, day_first, &until,
			                      &st, &wd);
			if (d >= 0)
				day = d;
		}
	}
	free(lt);
	if (day < 0 && st)
		*stale = 1;
	return day;
}
