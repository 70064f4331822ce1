/* classify_date - reading the dates a message states; see classify_date_p.h */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify_date_p.h"
#include "classify_p.h"
#include "clock.h"

/*
 * How a date is read (all counted from the message's own day, msg_day):
 *  - an absolute date: 12/24/2026, 24/12/2026 (the order from the sender's
 *    cues, see cls_day_first), 24.12.2026, 2026-12-24, "December 24",
 *    "24 December", "24. Dezember", "24 de diciembre", "24 grudnia"; a
 *    year is taken when stated, else the one that makes a stated weekday
 *    agree, else the next such date - unless it is only a little in the
 *    past: a forgotten out-of-office is stale, not next year's;
 *  - a month alone ("June 2027", "in January"): its first day ("until
 *    June" is away all June: back on July 1st);
 *  - a day alone with an ordinal ("on the 4th"): the next such day;
 *  - a weekday: the next one after msg_day ("next Monday" too);
 *  - "tomorrow", "next week" (its Monday), "in two weeks", "in 3 days",
 *    "in a month" in the nine languages.
 * A date that is past when the message was written, or whose weekday no
 * year near the message agrees with, is stale: -1, and *stale is set.
 */

/* ------------------------------------------------------------------ */
/* Words. */

static const char *fillers[] = {
    /* en */
    "the", "on", "to", "in", "at", "of", "office", "work", "my", "desk", "will",
    "be", "i", "i'll", "am", "inclusive", "including", "incl", "and", "from",
    "with", "again", "available", "vacation", "holiday", "leave", "is", "are",
    "next", "this", "coming", "office,",
    /* de */
    "zum", "zur", "dem", "den", "der", "einschließlich", "einschliesslich",
    "im", "büro", "buero", "erreichbar", "da", "und", "ich", "bin", "vom",
    "nächsten", "nächster", "naechsten", "kommenden", "am",
    /* fr */
    "le", "la", "au", "du", "bureau", "et", "je", "serai", "mon", "ma",
    "prochain", "prochaine", "inclus",
    /* es */
    "el", "de", "oficina", "y", "estaré", "estare", "mi", "lo", "los",
    "próximo", "proximo", "próxima", "proxima", "incluido",
    /* nl */
    "op", "en", "met", "kantoor", "aanwezig", "ik", "ben", "van", "volgende",
    "komende",
    /* it */
    "il", "al", "del", "sarò", "saro", "in", "ufficio", "lunedi", "prossimo",
    "incluso", "compreso",
    /* pt */
    "o", "a", "ao", "dia", "escritório", "escritorio", "estarei", "do", "da",
    "próximo", "próxima", "inclusive", "na", "no", "em",
    /* sv */
    "på", "kontoret", "jag", "är", "nästa", "kommande", "med",
    /* pl */
    "w", "we", "biurze", "jestem", "będę", "dnia", "przyszły", "przyszłym",
    "dans", "over", "binnen", "entro", "tra", "fra", "om", "za", "kommendem",
    "nächstem", "diesen", "diesem", "dentro", "giorno", "raggiungibile",
    "disponibile", "reachable", "joignable", "disponible", "localizable",
    "disponível", "tillgänglig", "anträffbar", "dostępny", "dostępna",
    "bereikbaar", "beschikbaar", "end", "ende", "fin", "final", "finales",
    "fine", "slutet", "końca", "eind", "einde", "wieder", "weer", "igen",
    "nuovo", "volta", "vuelta", "następny", "najbliższy", "włącznie", "r",
    "día", "poste", "travail", "fonctions", "mes", "przyszłego", "przyszłej",
    "najbliższego", "najbliższej", "następnego", "następnej", "another", "günü",
    "about", "around", "weitere", "weiteren", "otras", "altre", "mais", NULL};

/* what follows a number that is a time, not a day: "am 9 Uhr" */
static const char *hour_words[] = {
    "h",    "hour",  "hours",   "hrs", "uhr",    "heure",  "heures",
    "hora", "horas", "ore",     "uur", "timmar", "godzin", "godziny",
    "am",   "pm",    "o'clock", "a.m", "p.m",    NULL};

/* words before a bare number that make it a day of the month: "on the 9",
 * "am 9.", "le 9", "el 9", "il 9", "den 9", "de 9e" */
static const char *day_articles[] = {"the", "am", "zum", "vom", "le", "au",
                                     "du",  "el", "al",  "del", "il", "dal",
                                     "den", "de", "o",   "ao",  NULL};

const struct cls_nameval cls_dt_months[] = {
    /* en */
    {"january", 1},
    {"february", 2},
    {"march", 3},
    {"april", 4},
    {"may", 5},
    {"june", 6},
    {"july", 7},
    {"august", 8},
    {"september", 9},
    {"october", 10},
    {"november", 11},
    {"december", 12},
    {"jan", 1},
    {"feb", 2},
    {"mar", 3},
    {"apr", 4},
    {"jun", 6},
    {"jul", 7},
    {"aug", 8},
    {"sep", 9},
    {"sept", 9},
    {"oct", 10},
    {"nov", 11},
    {"dec", 12},
    /* de */
    {"januar", 1},
    {"jänner", 1},
    {"februar", 2},
    {"märz", 3},
    {"maerz", 3},
    {"mai", 5},
    {"juni", 6},
    {"juli", 7},
    {"oktober", 10},
    {"okt", 10},
    {"dezember", 12},
    {"dez", 12},
    /* fr */
    {"janvier", 1},
    {"février", 2},
    {"fevrier", 2},
    {"mars", 3},
    {"avril", 4},
    {"juin", 6},
    {"juillet", 7},
    {"août", 8},
    {"aout", 8},
    {"septembre", 9},
    {"octobre", 10},
    {"novembre", 11},
    {"décembre", 12},
    {"decembre", 12},
    /* es */
    {"enero", 1},
    {"febrero", 2},
    {"marzo", 3},
    {"abril", 4},
    {"mayo", 5},
    {"junio", 6},
    {"julio", 7},
    {"agosto", 8},
    {"septiembre", 9},
    {"setiembre", 9},
    {"octubre", 10},
    {"noviembre", 11},
    {"diciembre", 12},
    /* nl */
    {"januari", 1},
    {"februari", 2},
    {"maart", 3},
    {"mei", 5},
    {"augustus", 8},
    /* it */
    {"gennaio", 1},
    {"febbraio", 2},
    {"aprile", 4},
    {"maggio", 5},
    {"giugno", 6},
    {"luglio", 7},
    {"settembre", 9},
    {"ottobre", 10},
    {"dicembre", 12},
    /* pt */
    {"janeiro", 1},
    {"fevereiro", 2},
    {"março", 3},
    {"marco", 3},
    {"maio", 5},
    {"junho", 6},
    {"julho", 7},
    {"setembro", 9},
    {"outubro", 10},
    {"novembro", 11},
    {"dezembro", 12},
    /* sv */
    {"augusti", 8},
    {"maj", 5},
    /* pl: nominative and genitive */
    {"styczeń", 1},
    {"stycznia", 1},
    {"luty", 2},
    {"lutego", 2},
    {"marzec", 3},
    {"marca", 3},
    {"kwiecień", 4},
    {"kwietnia", 4},
    {"maja", 5},
    {"czerwiec", 6},
    {"czerwca", 6},
    {"lipiec", 7},
    {"lipca", 7},
    {"sierpień", 8},
    {"sierpnia", 8},
    {"wrzesień", 9},
    {"września", 9},
    {"październik", 10},
    {"października", 10},
    {"listopad", 11},
    {"listopada", 11},
    {"grudzień", 12},
    {"grudnia", 12},
    {"styczniu", 1},
    {"lutym", 2},
    {"marcu", 3},
    {"kwietniu", 4},
    {"maju", 5},
    {"czerwcu", 6},
    {"lipcu", 7},
    {"sierpniu", 8},
    {"wrześniu", 9},
    {"październiku", 10},
    {"listopadzie", 11},
    {"grudniu", 12},
    /* da, no */
    {"marts", 3},
    {"desember", 12},
    /* tr */
    {"ocak", 1},
    {"şubat", 2},
    {"nisan", 4},
    {"mayıs", 5},
    {"haziran", 6},
    {"temmuz", 7},
    {"ağustos", 8},
    {"eylül", 9},
    {"ekim", 10},
    {"kasım", 11},
    {"aralık", 12},
    {NULL, 0}};

const struct cls_nameval cls_dt_weekdays[] = {
    {"sunday", 0},
    {"monday", 1},
    {"tuesday", 2},
    {"wednesday", 3},
    {"thursday", 4},
    {"friday", 5},
    {"saturday", 6},
    {"sonntag", 0},
    {"montag", 1},
    {"dienstag", 2},
    {"mittwoch", 3},
    {"donnerstag", 4},
    {"freitag", 5},
    {"samstag", 6},
    {"sonnabend", 6},
    {"dimanche", 0},
    {"lundi", 1},
    {"mardi", 2},
    {"mercredi", 3},
    {"jeudi", 4},
    {"vendredi", 5},
    {"samedi", 6},
    {"domingo", 0},
    {"lunes", 1},
    {"martes", 2},
    {"miércoles", 3},
    {"miercoles", 3},
    {"jueves", 4},
    {"viernes", 5},
    {"sábado", 6},
    {"sabado", 6},
    {"zondag", 0},
    {"maandag", 1},
    {"dinsdag", 2},
    {"woensdag", 3},
    {"donderdag", 4},
    {"vrijdag", 5},
    {"zaterdag", 6},
    {"domenica", 0},
    {"lunedì", 1},
    {"martedì", 2},
    {"martedi", 2},
    {"mercoledì", 3},
    {"mercoledi", 3},
    {"giovedì", 4},
    {"giovedi", 4},
    {"venerdì", 5},
    {"venerdi", 5},
    {"sabato", 6},
    {"segunda", 1},
    {"terça", 2},
    {"terca", 2},
    {"quarta", 3},
    {"quinta", 4},
    {"sexta", 5},
    {"söndag", 0},
    {"måndag", 1},
    {"tisdag", 2},
    {"onsdag", 3},
    {"torsdag", 4},
    {"fredag", 5},
    {"lördag", 6},
    {"niedziela", 0},
    {"niedzielę", 0},
    {"poniedziałek", 1},
    {"wtorek", 2},
    {"środa", 3},
    {"środę", 3},
    {"czwartek", 4},
    {"piątek", 5},
    {"sobota", 6},
    {"sobotę", 6},
    /* pl genitive and locative: "do wtorku", "we wtorek" */
    {"poniedziałku", 1},
    {"wtorku", 2},
    {"środy", 3},
    {"środzie", 3},
    {"czwartku", 4},
    {"piątku", 5},
    {"soboty", 6},
    {"sobocie", 6},
    {"niedzieli", 0},
    /* da, no, tr */
    {"mandag", 1},
    {"tirsdag", 2},
    {"lørdag", 6},
    {"søndag", 0},
    {"pazartesi", 1},
    {"salı", 2},
    {"çarşamba", 3},
    {"perşembe", 4},
    {"cuma", 5},
    {"cumartesi", 6},
    {"pazar", 0},
    {NULL, 0}};

/* small numbers written out, for "in two weeks" */
static const struct cls_nameval numwords[] = {
    {"a", 1},      {"an", 1},    {"one", 1},     {"two", 2},    {"three", 3},
    {"four", 4},   {"six", 6},   {"ein", 1},     {"eine", 1},   {"einer", 1},
    {"einem", 1},  {"zwei", 2},  {"drei", 3},    {"vier", 4},   {"sechs", 6},
    {"un", 1},     {"une", 1},   {"deux", 2},    {"trois", 3},  {"quatre", 4},
    {"uno", 1},    {"una", 1},   {"dos", 2},     {"tres", 3},   {"cuatro", 4},
    {"due", 2},    {"tre", 3},   {"quattro", 4}, {"um", 1},     {"uma", 1},
    {"dois", 2},   {"duas", 2},  {"três", 3},    {"quatro", 4}, {"en", 1},
    {"ett", 1},    {"två", 2},   {"tre", 3},     {"fyra", 4},   {"jeden", 1},
    {"jedną", 1},  {"jedna", 1}, {"dwa", 2},     {"dwie", 2},   {"trzy", 3},
    {"cztery", 4}, {"een", 1},   {"twee", 2},    {"drie", 3},   {NULL, 0}};

/* units of "in N units": days, weeks, months (value: days, 30 = month)
 */
static const struct cls_nameval units[] = {
    {"day", 1},       {"days", 1},      {"tag", 1},       {"tage", 1},
    {"tagen", 1},     {"jour", 1},      {"jours", 1},     {"día", 1},
    {"días", 1},      {"dia", 1},       {"dias", 1},      {"giorno", 1},
    {"giorni", 1},    {"dag", 1},       {"dagar", 1},     {"dagen", 1},
    {"dzień", 1},     {"dni", 1},       {"week", 7},      {"weeks", 7},
    {"woche", 7},     {"wochen", 7},    {"semaine", 7},   {"semaines", 7},
    {"semana", 7},    {"semanas", 7},   {"settimana", 7}, {"settimane", 7},
    {"vecka", 7},     {"veckor", 7},    {"tydzień", 7},   {"tygodnie", 7},
    {"tygodni", 7},   {"weken", 7},     {"month", 30},    {"months", 30},
    {"monat", 30},    {"monate", 30},   {"monaten", 30},  {"mois", 30},
    {"mes", 30},      {"meses", 30},    {"mese", 30},     {"mesi", 30},
    {"mês", 30},      {"månad", 30},    {"månader", 30},  {"miesiąc", 30},
    {"miesiące", 30}, {"miesięcy", 30}, {"maand", 30},    {"maanden", 30},
    {NULL, 0}};

const char *cls_dt_tomorrow[] = {"tomorrow", "morgen", "demain",  "mañana",
                                 "domani",   "amanhã", "imorgon", "morgon",
                                 "jutro",    NULL};

const char *cls_dt_next_week[] = {"next week",
                                  "nächste woche",
                                  "naechste woche",
                                  "kommende woche",
                                  "semaine prochaine",
                                  "la semaine prochaine",
                                  "próxima semana",
                                  "proxima semana",
                                  "semana que viene",
                                  "la semana que viene",
                                  "volgende week",
                                  "settimana prossima",
                                  "la prossima settimana",
                                  "prossima settimana",
                                  "na próxima semana",
                                  "nästa vecka",
                                  "i nästa vecka",
                                  "w przyszłym tygodniu",
                                  "przyszłym tygodniu",
                                  "następnym tygodniu",
                                  "next monday",
                                  NULL};

/* "week 2", "KW 2", "vecka 2": an ISO week number */
const char *cls_dt_week_words[] = {"week",      "kw",       "kalenderwoche",
                                   "woche",     "semaine",  "semana",
                                   "settimana", "vecka",    "v",
                                   "tydzień",   "tygodniu", NULL};
/* "il giorno 3", "el día 3": the number that follows is a day */
static const char *day_words[] = {"giorno", "día",  "dia", "dnia", "dag",
                                  "dzień",  "jour", "tag", "day",  NULL};

int
cls_dt_is_wordc(unsigned char c)
{
	return isalnum(c) || c >= 0x80 || c == '\'';
}

/* cls_dt_word_at: length of the word (letters, digits, UTF-8, ') at s. */
size_t
cls_dt_word_at(const char *s)
{
	size_t n = 0;

	while (s[n] != '\0' && cls_dt_is_wordc((unsigned char)s[n]))
		n++;
	return n;
}

/* (the first byte first: these run at every word of a message) */
int
cls_dt_lookup(const struct cls_nameval *t, const char *w, size_t n)
{
	for (; t->s != NULL; t++)
		if (t->s[0] == w[0] && strncmp(t->s, w, n) == 0 &&
		    t->s[n] == '\0')
			return t->v;
	return -1;
}

int
cls_dt_in_list(const char **l, const char *w, size_t n)
{
	for (; *l != NULL; l++)
		if ((*l)[0] == w[0] && strncmp(*l, w, n) == 0 &&
		    (*l)[n] == '\0')
			return 1;
	return 0;
}

/* cls_dt_phrase_at: does one of l start at s, ending at a word boundary?  Its
 * length, or 0. */
size_t
cls_dt_phrase_at(const char **l, const char *s)
{
	size_t n;

	for (; *l != NULL; l++) {
		if ((*l)[0] != s[0])
			continue;
		n = strlen(*l);
		if (strncmp(s, *l, n) == 0 &&
		    !cls_dt_is_wordc((unsigned char)s[n]))
			return n;
	}
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

const char *
cls_dt_skip_sp(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' ||
	       *s == ',' || *s == ':' || *s == '(')
		s++;
	return s;
}

/* skip ordinal suffixes: st nd rd th er (1er) e º . */
static const char *
skip_ordinal(const char *s, int *had)
{
	*had = 0;
	if (strncmp(s, "st", 2) == 0 || strncmp(s, "nd", 2) == 0 ||
	    strncmp(s, "rd", 2) == 0 || strncmp(s, "th", 2) == 0 ||
	    strncmp(s, "er", 2) == 0) {
		if (!cls_dt_is_wordc((unsigned char)s[2])) {
			*had = 1;
			return s + 2;
		}
	}
	if (strncmp(s, "º", 2) == 0 || strncmp(s, "ª", 2) == 0) {
		*had = 1;
		return s + 2;
	}
	/* nl 9e 9de 1ste, fr 9e 9ème, sv 9:e 1:a, pl 9-go 9-ego */
	{
		static const char *const suf[] = {"ème", "eme", "ste",  "de",
		                                  ":e",  ":a",  "-ego", "-go",
		                                  "e",   NULL};
		int k;
		size_t n;

		for (k = 0; suf[k] != NULL; k++) {
			n = strlen(suf[k]);
			if (strncmp(s, suf[k], n) == 0 &&
			    !cls_dt_is_wordc((unsigned char)s[n])) {
				*had = 1;
				return s + n;
			}
		}
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

/* days a past date without a year may lie behind the message and still be
 * this year's (stale) rather than next year's */
#define STALE_WINDOW 60

/*
 * resolve: a day from (y or -1, m, d) given the message day and a stated
 * weekday (or -1); -1 if invalid or stale (then *stale = 1).
 */
static int
resolve(int y, int m, int d, int msg_day, int wday, int *stale)
{
	int my, mm, md, day, k, best = -1, past = 0;

	if (y >= 0 && y < 100)
		y += 2000;
	if (y < 0) {
		if (msg_day < 0)
			return -1;
		clock_civil_from_day(msg_day, &my, &mm, &md);
		if (wday >= 0) {
			/* the year that makes the weekday agree */
			for (k = my - 1; k <= my + 1; k++) {
				if (!valid_ymd(k, m, d))
					continue;
				day = clock_day_from_civil(k, m, d);
				if (clock_weekday(day) != wday ||
				    day > msg_day + 366 || day < msg_day - 366)
					continue;
				if (day >= msg_day) {
					if (best < 0 || day < best)
						best = day;
				} else
					past = 1;
			}
			if (best < 0 && (past || valid_ymd(my, m, d)))
				*stale = 1;
			return best;
		}
		day = valid_ymd(my, m, d) ? clock_day_from_civil(my, m, d) : -1;
		if (day >= 0 && day >= msg_day)
			return day;
		if (day >= 0 && msg_day - day <= STALE_WINDOW) {
			*stale = 1;
			return -1;
		}
		if (!valid_ymd(my + 1, m, d))
			return -1;
		return clock_day_from_civil(my + 1, m, d);
	}
	if (!valid_ymd(y, m, d))
		return -1;
	day = clock_day_from_civil(y, m, d);
	if (msg_day >= 0 && day > msg_day + 800)
		return -1;
	if (msg_day >= 0 && day < msg_day) {
		*stale = 1;
		return -1;
	}
	return day;
}

/* year_at: an optional ", 2026" / " 2026" / " de 2026" / " 2026 r." after
 * a date. */
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
	    !cls_dt_is_wordc((unsigned char)s[n])) {
		*sp = s + n;
		return v;
	}
	return -1;
}

int
cls_dt_is_filler(const char *w, size_t n)
{
	return cls_dt_in_list(fillers, w, n);
}

int
cls_dt_days_in_month(int y, int m)
{
	int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;

	return clock_day_from_civil(ny, nm, 1) - clock_day_from_civil(y, m, 1);
}

/*
 * cls_dt_month_only: month m (year y or -1) with no day: its first day, or its
 * last when until (away all of it).  Without a year, the next such month
 * that has not begun (the current one when until).
 */
int
cls_dt_month_only(int y, int m, int msg_day, int until, int *stale)
{
	int my, mm, md;

	if (y < 0) {
		if (msg_day < 0)
			return -1;
		clock_civil_from_day(msg_day, &my, &mm, &md);
		y = (m > mm || (until && m == mm)) ? my : my + 1;
	}
	if (!valid_ymd(y, m, 1))
		return -1;
	if (until)
		return resolve(y, m, cls_dt_days_in_month(y, m), msg_day, -1,
		               stale);
	return resolve(y, m, 1, msg_day, -1, stale);
}

/* iso_week_monday: the Monday of ISO week w: of msg_day's year if that is
 * not already past, else of the next year. */
static int
iso_week_monday(int w, int msg_day)
{
	int y, m, d, k, jan4, mon;

	clock_civil_from_day(msg_day, &y, &m, &d);
	for (k = 0; k < 2; k++, y++) {
		jan4 = clock_day_from_civil(y, 1, 4);
		mon = jan4 - (clock_weekday(jan4) + 6) % 7 + (w - 1) * 7;
		if (mon + 6 >= msg_day)
			return mon;
	}
	return -1;
}

/* cls_dt_next_weekday: the next day after msg_day that is weekday w. */
int
cls_dt_next_weekday(int msg_day, int w)
{
	int v = (w - clock_weekday(msg_day) + 7) % 7;

	return msg_day + (v == 0 ? 7 : v);
}

/* add_months: day of (msg_day's date + n months), clamped to the month.
 */
static int
add_months(int msg_day, int n)
{
	int y, m, d, dm;

	clock_civil_from_day(msg_day, &y, &m, &d);
	m += n;
	while (m > 12) {
		m -= 12;
		y++;
	}
	dm = cls_dt_days_in_month(y, m);
	return clock_day_from_civil(y, m, d > dm ? dm : d);
}

/* cls_dt_relative_at: "N units" / "two weeks" at s: the day, or -1. */
int
cls_dt_relative_at(const char *s, int msg_day, const char **endp)
{
	size_t n, n2;
	int k, u;
	const char *t;

	n = cls_dt_word_at(s);
	if (n == 0)
		return -1;
	if (isdigit((unsigned char)*s)) {
		k = num_at(s, &n2);
		if (k < 0 || n2 != n || k > 99)
			return -1;
	} else if ((k = cls_dt_lookup(numwords, s, n)) < 0)
		return -1;
	t = s + n;
	while (*t == ' ')
		t++;
	n2 = cls_dt_word_at(t);
	if ((u = cls_dt_lookup(units, t, n2)) < 0 || msg_day < 0)
		return -1;
	if (endp != NULL)
		*endp = t + n2;
	return u == 30 ? add_months(msg_day, k) : msg_day + k * u;
}

/*
 * cls_dt_parse_when: a date expression at s (lowercased text).  Returns the day
 * or -1 (with *stale set when it was a date, but a stale one); *is_until is
 * cleared when the expression names a first day back ("next week"), set
 * when it names a range whose end is the last day away ("July 10-31").
 */
int
cls_dt_parse_when(const char *s, int msg_day, int day_first, int *is_until,
                  int *stale, int *said_wday)
{
	int wday = -1, tok, v, a, b, c, m, d, y, had, dayword = 0, art = 0;
	size_t n, n2, n3;
	const char *t;

	for (tok = 0; tok < 8; tok++) {
		s = cls_dt_skip_sp(s);
		n = cls_dt_word_at(s);
		if (n == 0)
			goto weekday_only;
		if ((n2 = cls_dt_phrase_at(cls_dt_next_week, s)) > 0) {
			int mon;

			if (msg_day < 0)
				return -1;
			mon = cls_dt_next_weekday(msg_day, 1);
			/* "next week Tuesday", "Tuesday next week": that
			 * day of next week, an end like any named day */
			t = cls_dt_skip_sp(s + n2);
			if (wday < 0 &&
			    (v = cls_dt_lookup(cls_dt_weekdays, t,
			                       cls_dt_word_at(t))) >= 0)
				wday = v;
			if (wday >= 0 &&
			    !(n2 >= 11 && strncmp(s, "next monday", 11) == 0)) {
				*said_wday = 1;
				return mon + (wday + 6) % 7;
			}
			*is_until = 0;
			return mon;
		}
		if ((v = cls_dt_relative_at(s, msg_day, NULL)) >= 0) {
			*is_until = 0;
			return v;
		}
		if (isdigit((unsigned char)*s))
			break;
		if ((v = cls_dt_lookup(cls_dt_weekdays, s, n)) >= 0) {
			wday = v;
			*said_wday = 1;
			s += n;
			/* "segunda-feira" */
			if (strncmp(s, "-feira", 6) == 0)
				s += 6;
			continue;
		}
		if (cls_dt_lookup(cls_dt_months, s, n) >= 0) {
			/* "may" is also a verb: only with a day or year */
			break;
		}
		if (cls_dt_in_list(cls_dt_tomorrow, s, n))
			return msg_day < 0 ? -1 : msg_day + 1;
		if (cls_dt_in_list(cls_dt_week_words, s, n)) {
			t = cls_dt_skip_sp(s + n);
			if ((v = num_at(t, &n2)) >= 1 && v <= 53 &&
			    msg_day >= 0) {
				/* "until week 51": the whole week is away,
				 * its Sunday the last day; "back in week 52":
				 * its Monday, or the message's own day when
				 * that week has begun (fuzz_date) */
				int mon = iso_week_monday(v, msg_day);
				if (mon >= 0 && *is_until)
					return mon + 6;
				return mon >= 0 && mon < msg_day ? msg_day
				                                 : mon;
			}
		}
		if (cls_dt_in_list(day_words, s, n))
			dayword = 1;
		if (!cls_dt_is_filler(s, n))
			goto weekday_only;
		art = cls_dt_in_list(day_articles, s, n);
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
			return resolve(a, b, c, msg_day, wday, stale);
		if ((*t == '.' || *t == '/' || *t == '-') &&
		    (b = num_at(t + 1, &n2)) >= 0 && n <= 2 && n2 <= 2) {
			char sep = *t;
			const char *u = t + 1 + n2;
			y = -1;
			if (*u == sep && (c = num_at(u + 1, &n3)) >= 0 &&
			    (n3 == 4 || n3 == 2))
				y = c;
			else if (sep == '-')
				goto weekday_only; /* a range "10-18" */
			if (sep == '.' || sep == '-') {
				d = a;
				m = b;
			} else if (a > 12) {
				d = a;
				m = b;
			} else if (b > 12) {
				m = a;
				d = b;
			} else if (day_first) {
				d = a;
				m = b;
			} else {
				m = a;
				d = b;
			}
			/* "back Monday 7/12" from a sender whose cues said
			 * month-first, both orders a Monday: without a year,
			 * an out-of-office means the date within weeks, not
			 * the one half a year away */
			if (sep == '/' && y < 0 && a <= 12 && b <= 12 &&
			    a != b && msg_day >= 0) {
				int s1 = 0, s2 = 0;
				int r1 = resolve(y, m, d, msg_day, wday, &s1);
				int r2 = resolve(y, d, m, msg_day, wday, &s2);

				if (r2 >= 0 && r2 - msg_day <= 60 &&
				    (r1 < 0 || r1 - msg_day > 120))
					return r2;
			}
			return resolve(y, m, d, msg_day, wday, stale);
		}
		/* "24 December", "24. Dezember", "24 de diciembre", "1er mars"
		 */
		if (n <= 2) {
			t = skip_ordinal(t, &had);
			t = cls_dt_skip_sp(t);
			if (strncmp(t, "de ", 3) == 0)
				t += 3;
			else if (strncmp(t, "of ", 3) == 0)
				t += 3;
			n2 = cls_dt_word_at(t);
			if ((m = cls_dt_lookup(cls_dt_months, t, n2)) > 0) {
				t += n2;
				if (*t == '.')
					t++;
				y = year_at(&t);
				return resolve(y, m, a, msg_day, wday, stale);
			}
			/* "on the 4th", "am 4.", "le 4": a day of the month
			 * alone (not "back at 4", "in 4 hours") */
			if ((had || dayword ||
			     (art && cls_dt_lookup(units, t, n2) < 0 &&
			      !cls_dt_in_list(hour_words, t, n2))) &&
			    a >= 1 && a <= 31 && msg_day >= 0) {
				int my, mm, md, k;
				clock_civil_from_day(msg_day, &my, &mm, &md);
				for (k = 0; k < 3; k++) {
					int yy = my + (mm + k - 1) / 12;
					int mo = (mm + k - 1) % 12 + 1;
					if (valid_ymd(yy, mo, a) &&
					    clock_day_from_civil(yy, mo, a) >
					        msg_day)
						return clock_day_from_civil(
						    yy, mo, a);
				}
			}
		}
		goto weekday_only;
	}
	/* "December 24(th)(, 2026)", also "July 10-31", "June 2027" */
	m = cls_dt_lookup(cls_dt_months, s, n);
	t = s + n;
	if (*t == '.')
		t++;
	while (*t == ' ')
		t++;
	d = num_at(t, &n2);
	if (d >= 1970 && n2 == 4) {
		/* a month and a year */
		return cls_dt_month_only(d, m, msg_day, *is_until, stale);
	}
	if (d < 1 || n2 > 2) {
		/* a month alone: not "may", a verb too */
		if (n == 3 && strncmp(s, "may", 3) == 0)
			goto weekday_only;
		if (n <= 3)
			goto weekday_only;
		return cls_dt_month_only(-1, m, msg_day, *is_until, stale);
	}
	t = skip_ordinal(t + n2, &had);
	if ((*t == '-' || strncmp(t, "–", 3) == 0) && !*is_until) {
		const char *u = t + (*t == '-' ? 1 : 3);
		while (*u == ' ')
			u++;
		if ((b = num_at(u, &n3)) >= 1 && n3 <= 2 && b >= d) {
			u += n3;
			u = skip_ordinal(u, &had);
			y = year_at(&u);
			*is_until = 1;
			return resolve(y, m, b, msg_day, -1, stale);
		}
	}
	y = year_at(&t);
	return resolve(y, m, d, msg_day, wday, stale);
weekday_only:
	if (wday < 0 || msg_day < 0)
		return -1;
	return cls_dt_next_weekday(msg_day, wday);
}

/*
 * cls_day_first: read an ambiguous n/n/yyyy as day/month?  Day-first
 * unless the text is English (or has no words to tell) and the sender's
 * cues say America: a country-code domain decides (.us, .ca? no: .ca is
 * both; .ph month-first; every other ccTLD day-first), then the Date's UTC
 * offset (-0300 to -1000: month-first; east of UTC: day-first), else
 * month-first.
 */
int
cls_day_first(const char *text, const char *from_addr, const char *date_hdr)
{
	size_t n;
	const char *tld, *p;
	int en, off = 0, have_off = 0;

	en = cls_ci_strstr(text, " the ") != NULL ||
	     cls_ci_strstr(text, " will ") != NULL ||
	     cls_ci_strstr(text, "office") != NULL ||
	     cls_ci_strstr(text, " until ") != NULL ||
	     cls_ci_strstr(text, " back ") != NULL;
	if (!en)
		return 1;
	if (from_addr != NULL && (tld = strrchr(from_addr, '.')) != NULL) {
		tld++;
		n = strlen(tld);
		if (n == 2) {
			if (strcmp(tld, "us") == 0 || strcmp(tld, "ph") == 0)
				return 0;
			if (strcmp(tld, "ca") != 0)
				return 1;
		}
	}
	if (date_hdr != NULL) {
		/* the last "+hhmm" / "-hhmm" token */
		for (p = date_hdr; *p != '\0'; p++)
			if ((*p == '+' || *p == '-') &&
			    isdigit((unsigned char)p[1]) &&
			    isdigit((unsigned char)p[2]) &&
			    isdigit((unsigned char)p[3]) &&
			    isdigit((unsigned char)p[4]) &&
			    !isdigit((unsigned char)p[5])) {
				off = ((p[1] - '0') * 10 + (p[2] - '0')) * 60 +
				      (p[3] - '0') * 10 + (p[4] - '0');
				if (*p == '-')
					off = -off;
				have_off = 1;
			}
	}
	if (have_off && off > 0)
		return 1;
	return 0;
}
