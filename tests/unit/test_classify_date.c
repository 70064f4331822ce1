/* test_classify_date - dates a message states (classify_date.c,
 * classify_return.c, classify_later.c): return dates in the nine languages, the weekday and stale rules, relative dates,
 * a month or a day alone; the time a "later" reply names; day-first cues. */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "classify_p.h"
#include "clock.h"

struct row {
	const char *text;
	int day_first;
	int y, m, d; /* 0: none */
	int stale;   /* expected *stale */
};

static void
run_rows(const struct row *rows, size_t n, int msg,
         int (*fn)(const char *, int, int, int *))
{
	size_t i;
	int got, want, stale, y, m, d;

	for (i = 0; i < n; i++) {
		got = fn(rows[i].text, msg, rows[i].day_first, &stale);
		want = rows[i].y ? clock_day_from_civil(rows[i].y, rows[i].m,
		                                        rows[i].d)
		                 : -1;
		if (got != want || stale != rows[i].stale) {
			y = m = d = 0;
			if (got >= 0)
				clock_civil_from_day(got, &y, &m, &d);
			fail_msg("row %zu \"%s\": got %04d-%02d-%02d stale %d, "
			         "want %04d-%02d-%02d stale %d",
			         i, rows[i].text, y, m, d, stale, rows[i].y,
			         rows[i].m, rows[i].d, rows[i].stale);
		}
	}
}

/* a message written on Wednesday 2026-11-18 */
static void
test_return_dates(void **state)
{
	static const struct row rows[] = {
	    /* en: the weekday decides the year; past is stale */
	    {"I will be back on Monday, November 16.", 0, 0, 0, 0, 1},
	    {"Back on Monday, November 23.", 0, 2026, 11, 23, 0},
	    {"Back on Tuesday, November 23.", 0, 0, 0, 0, 1},
	    {"I am out of the office until November 16.", 0, 0, 0, 0, 1},
	    {"Back on January 5", 0, 2027, 1, 5, 0},
	    {"Back on January 5, 2026", 0, 0, 0, 0, 1},
	    {"Back tomorrow.", 0, 2026, 11, 19, 0},
	    {"Back next Monday.", 0, 2026, 11, 23, 0},
	    {"I'll be back in two weeks.", 0, 2026, 12, 2, 0},
	    {"Back in 3 days.", 0, 2026, 11, 21, 0},
	    {"I am on leave until June 2027.", 0, 2027, 7, 1, 0},
	    {"I will be back in January.", 0, 2027, 1, 1, 0},
	    {"Back on the 4th.", 0, 2026, 12, 4, 0},
	    {"Out until Friday.", 0, 2026, 11, 21, 0},
	    {"Out until Monday.", 0, 2026, 11, 23, 0},
	    {"Out until Monday inclusive.", 0, 2026, 11, 24, 0},
	    {"Out until 12/24/2026.", 0, 2026, 12, 25, 0},
	    {"Out until 04/12/2026.", 1, 2026, 12, 5, 0},
	    {"Out until 04/12/2026.", 0, 0, 0, 0, 1},
	    {"I will not have access to e-mail until December 1.", 0, 2026, 12,
	     1, 0},
	    {"Away until after the holidays.", 0, 0, 0, 0, 0},
	    {"I am on annual leave up to and including Friday 4 December.", 1,
	     2026, 12, 5, 0},
	    {"I will be out of the office from 16 November to 24 November "
	     "inclusive.",
	     0, 2026, 11, 25, 0},
	    {"I will reply to your email on my return.", 0, 0, 0, 0, 0},
	    /* de */
	    {"Ich bin bis einschließlich 27.11. nicht im Büro.", 1, 2026, 11,
	     28, 0},
	    {"Ich bin ab kommendem Montag wieder erreichbar.", 1, 2026, 11, 23,
	     0},
	    {"Zurück am Montag, 16. November.", 1, 0, 0, 0, 1},
	    {"Ab morgen wieder im Büro.", 1, 2026, 11, 19, 0},
	    {"Ich werde ab 18.11.2026 nicht im Büro sein. Ich kehre zurück am "
	     "07.01.2027.",
	     1, 2027, 1, 7, 0},
	    /* fr */
	    {"Je serai de retour dans deux semaines.", 1, 2026, 12, 2, 0},
	    {"Absent jusqu'au 24 décembre inclus.", 1, 2026, 12, 25, 0},
	    {"De retour le lundi 23 novembre.", 1, 2026, 11, 23, 0},
	    {"Absente du 16 au 27 novembre.", 1, 2026, 11, 28, 0},
	    /* es */
	    {"Regresaré el próximo lunes.", 1, 2026, 11, 23, 0},
	    {"Estaré fuera hasta el 24 de diciembre.", 1, 2026, 12, 25, 0},
	    {"Volveré dentro de dos semanas.", 1, 2026, 12, 2, 0},
	    {"No tendré acceso al correo hasta el 30 de noviembre.", 1, 2026,
	     11, 30, 0},
	    /* it */
	    {"Rientrerò lunedì 23 novembre.", 1, 2026, 11, 23, 0},
	    {"Sarò fuori ufficio fino al 30 novembre.", 1, 2026, 12, 1, 0},
	    {"Sarò di nuovo raggiungibile domani.", 1, 2026, 11, 19, 0},
	    {"Rientrerò in ufficio il giorno 3.", 1, 2026, 12, 3, 0},
	    /* pt */
	    {"Retorno na segunda-feira, 23 de novembro.", 1, 2026, 11, 23, 0},
	    {"Estarei de férias até 30 de novembro.", 1, 2026, 12, 1, 0},
	    {"Volto em duas semanas.", 1, 2026, 12, 2, 0},
	    /* an explicit return beats the "until" before it */
	    {"Fora do escritório até 27 de novembro, retornando no dia 30.", 1,
	     2026, 11, 30, 0},
	    {"De licença até sexta, voltarei em 1 de dezembro.", 1, 2026, 12,
	     1, 0},
	    /* sv */
	    {"Jag är tillbaka måndag 23 november.", 1, 2026, 11, 23, 0},
	    {"Jag är ledig till och med 30 november.", 1, 2026, 12, 1, 0},
	    {"Jag är tillbaka vecka 49.", 1, 2026, 11, 30, 0},
	    /* a whole week away: back the Monday after it */
	    {"Jag är borta till och med vecka 49.", 1, 2026, 12, 7, 0},
	    {"Ich bin bis einschließlich KW 49 im Urlaub.", 1, 2026, 12, 7, 0},
	    {"Jag är tillbaka i morgon.", 1, 2026, 11, 19, 0},
	    /* pl */
	    {"Wracam w poniedziałek 23 listopada.", 1, 2026, 11, 23, 0},
	    {"Jestem na urlopie do 30 listopada.", 1, 2026, 12, 1, 0},
	    {"Dziś jestem poza biurem. Będę dostępny jutro.", 1, 2026, 11, 19,
	     0},
	    {"Przebywam na urlopie do końca grudnia 2026 r.", 1, 2027, 1, 1, 0},
	    {"W dniach 18.11.2026 - 27.11.2026 przebywam na urlopie. Wracam "
	     "30.11.2026.",
	     1, 2026, 11, 30, 0},
	    /* nl */
	    {"Ik ben terug op maandag 23 november.", 1, 2026, 11, 23, 0},
	    {"Ik ben afwezig tot en met 30 november.", 1, 2026, 12, 1, 0},
	    {"Ik ben vandaag niet op kantoor. Morgen ben ik er weer.", 1, 2026,
	     11, 19, 0},
	    {"Ik ben terug over twee weken.", 1, 2026, 12, 2, 0},
	    /* nothing */
	    {"I am out of the office.", 0, 0, 0, 0, 0},
	    {"Thanks for your note, will reply soon.", 0, 0, 0, 0, 0},
	};

	(void)state;
	run_rows(rows, sizeof rows / sizeof rows[0],
	         clock_day_from_civil(2026, 11, 18), cls_return_day);
}

/* the time a "later" names, from a message of Thursday 2026-12-10 */
static void
test_stated_days(void **state)
{
	static const struct row rows[] = {
	    {"Let's talk next quarter.", 0, 2027, 1, 1, 0},
	    {"Not now, but send me info in March.", 0, 2027, 3, 1, 0},
	    {"Try me again after the summer.", 0, 2027, 9, 1, 0},
	    {"Maybe next year.", 0, 2027, 1, 1, 0},
	    {"Ping me in two weeks.", 0, 2026, 12, 24, 0},
	    {"Check back with me in Q2.", 0, 2027, 4, 1, 0},
	    {"Unser Budget wird erst im Februar freigegeben. Bitte kommen Sie "
	     "im März wieder auf mich zu.",
	     1, 2027, 3, 1, 0},
	    {"Revenez vers moi en septembre.", 1, 2027, 9, 1, 0},
	    {"Rien ne bougera avant fin janvier.", 1, 2027, 1, 31, 0},
	    {"Mi riscriva a metà gennaio.", 1, 2027, 1, 15, 0},
	    {"Vuelve a contactarme en marzo.", 1, 2027, 3, 1, 0},
	    {"Vamos conversar em janeiro?", 1, 2027, 1, 1, 0},
	    {"Hör av dig vecka 3.", 1, 2027, 1, 18, 0},
	    /* this week: the message's day, not its Monday before it */
	    {"Hör av dig vecka 50.", 1, 2026, 12, 10, 0},
	    {"Hör av dig igen i maj.", 1, 2027, 5, 1, 0},
	    {"Proszę napisać w marcu.", 1, 2027, 3, 1, 0},
	    {"Mail me in april nog eens.", 1, 2027, 4, 1, 0},
	    {"We'll see.", 0, 0, 0, 0, 0},
	    {"Let's talk after the holidays.", 0, 0, 0, 0, 0},
	    {"Mi riscriva a gennaio, dopo le feste.", 1, 2027, 1, 1, 0},
	};

	(void)state;
	run_rows(rows, sizeof rows / sizeof rows[0],
	         clock_day_from_civil(2026, 12, 10), cls_stated_day);
}

static void
test_day_first(void **state)
{
	(void)state;
	/* not English: day first */
	assert_int_equal(cls_day_first("Ich bin bis 04/12 weg", NULL, NULL), 1);
	/* English: the sender's country code, then the Date's offset */
	assert_int_equal(
	    cls_day_first("I am out of the office", "a@b.co.uk", NULL), 1);
	assert_int_equal(cls_day_first("I am out of the office", "a@b.us",
	                               "Wed, 18 Nov 2026 09:00:00 +0100"),
	                 0);
	assert_int_equal(cls_day_first("I am out of the office", "a@b.com",
	                               "Wed, 18 Nov 2026 09:00:00 -0500"),
	                 0);
	assert_int_equal(cls_day_first("I am out of the office", "a@b.com",
	                               "Wed, 18 Nov 2026 09:00:00 +0200"),
	                 1);
	assert_int_equal(
	    cls_day_first("I am out of the office", "a@b.com", NULL), 0);
}

/* the public wrapper keeps its contract: no message date, only dates
 * with a year */
static void
test_public(void **state)
{
	(void)state;
	assert_int_equal(classify_return_day("back on December 24", -1, 0), -1);
	assert_int_equal(
	    classify_return_day("back on December 24, 2026", -1, 0),
	    clock_day_from_civil(2026, 12, 24));
	assert_int_equal(classify_return_day(NULL, 0, 0), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_return_dates),
	    cmocka_unit_test(test_stated_days),
	    cmocka_unit_test(test_day_first),
	    cmocka_unit_test(test_public),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
