/* test_classify - rules loading, reply text, return dates, and the corpora:
 * $SHARED_DIR/corpus (real mail) and $top_srcdir/tests/data/mail (ours). */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "classify.h"
#include "clock.h"
#include "log.h"
#include "mime.h"
#include "xalloc.h"

/* minimum exact agreement on the shared corpus, per mille */
#define SHARED_MIN_PERMILLE 970

static const char *
srcdir(void)
{
	const char *s = getenv("top_srcdir");
	return s != NULL && *s != '\0' ? s : ".";
}

/* shareddir: $SHARED_DIR when it holds the corpus, else /work/shared (make
 * check sets SHARED_DIR to the source tree's sibling, which a git worktree
 * does not have: as judgement.sh does, fall back) */
static const char *
shareddir(void)
{
	const char *s = getenv("SHARED_DIR");
	char *p;
	FILE *f;

	if (s == NULL || *s == '\0')
		return "/work/shared";
	p = xasprintf("%s/corpus/labels.tsv", s);
	f = fopen(p, "r");
	free(p);
	if (f == NULL)
		return "/work/shared";
	fclose(f);
	return s;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char tmp[8192];
	size_t n;

	if (f == NULL)
		return NULL;
	buf_init(&b);
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	*len = b.len;
	return buf_steal(&b);
}

static struct classifier *
load_default(void)
{
	struct classifier *c = NULL;
	char *err = NULL,
	     *path = xasprintf("%s/rules/classify.rules", srcdir());

	if (classify_load(path, &c, &err) != CLASSIFY_OK) {
		fprintf(stderr, "%s\n", err);
		fail_msg("cannot load %s", path);
	}
	free(path);
	return c;
}

/* strip all white space, for whitespace-insensitive comparison */
static char *
squeeze(const char *s)
{
	char *r = xmalloc(strlen(s) + 1), *w = r;

	for (; *s != '\0'; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			*w++ = *s;
	*w = '\0';
	return r;
}

/* ------------------------------------------------------------ rules file */

static void
test_load_errors(void **state)
{
	static const struct {
		const char *text;
		const char *want; /* substring of the error */
	} rows[] = {
	    {"rule a human_reply body /x(/i\n",
	     "t.rules:1: rule a: bad regex: missing closing parenthesis at "
	     "offset 2"},
	    {"# c\n\nrule a nosuch body /x/\n",
	     "t.rules:3: unknown class \"nosuch\""},
	    {"rule a other nofield /x/\n", "t.rules:1: unknown field"},
	    {"rule a other body /x/q\n", "t.rules:1: unknown regex flag 'q'"},
	    {"rule a other body /x\n", "t.rules:1: unterminated regex"},
	    {"match a other body /x/\n", "t.rules:1: expected \"rule NAME"},
	    {"rule a other body x\n", "t.rules:1: expected a delimited regex"},
	    {"rule a/b other body /x/\n", "t.rules:1: bad rule name"},
	    {"rule a other body //\n", "t.rules:1: empty regex"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct classifier *c = NULL;
		char *err = NULL;
		assert_int_equal(
		    classify_load_string("t.rules", rows[i].text, &c, &err),
		    CLASSIFY_EINVAL);
		assert_null(c);
		assert_non_null(err);
		if (strstr(err, rows[i].want) == NULL)
			fail_msg("row %zu: got \"%s\", want \"%s\"", i, err,
			         rows[i].want);
		free(err);
	}
}

static void
test_load_ok(void **state)
{
	struct classifier *c = NULL;
	char *err = NULL;

	(void)state;
	assert_int_equal(
	    classify_load_string("t",
	                         "# x\nrule a other header:X-Foo |a/b|i\n"
	                         "rule b bounce subject /^fail/\n",
	                         &c, &err),
	    CLASSIFY_OK);
	assert_int_equal(classify_nrules(c), 2);
	classify_free(c);
	assert_int_equal(classify_load("/nonexistent/x.rules", &c, &err),
	                 CLASSIFY_EIO);
	assert_non_null(strstr(err, "/nonexistent/x.rules"));
	free(err);
	c = load_default();
	assert_true(classify_nrules(c) > 5);
	classify_free(c);
}

/* A long alternation runs alternative by alternative (split_branches in
 * classify_rules.c): the same decisions, and the same earliest match, as
 * the whole pattern (kept whole here by a trailing empty group). */
static void
test_split_same(void **state)
{
#define SPLIT_RULES(END)                                                       \
	"rule b bounce subject /^fail/\n"                                     \
	"rule s1 bounce_soft bounce /(quota exceeded|mailbox full|over "       \
	"quota|(?<!not )listed in |\\bspam|rate limit)" END "/i\n"           \
	"rule h1 bounce_hard bounce /(?m)(no such user|user ?unknown|"         \
	"unknown recipient|invalid (mailbox|address)|^bad address$)" END       \
	"/i\n"
	static const char *rules[2] = {SPLIT_RULES(""), SPLIT_RULES("(?:)")};
#undef SPLIT_RULES
	static const struct {
		const char *body;
		const char *rule;
	} rows[] = {
	    {"550 Mailbox full; later: user unknown", "rule:s1"},
	    {"550 User unknown; the mailbox full message was wrong",
	     "rule:h1"},
	    {"550 not listed in any list; no such user", "rule:h1"},
	    {"550 listed in a list; no such user", "rule:s1"},
	    {"550 antispam says: invalid address", "rule:h1"},
	    {"550 spamhaus: invalid address", "rule:s1"},
	    {"x\nbad address\nrate limit", "rule:h1"},
	    {"rate limit\nbad address", "rule:s1"},
	    /* plain alternatives are found without PCRE2 in ASCII text;
	     * other text goes through PCRE2 */
	    {"Caf\xc3\xa9 says: RATE LIMIT, then user unknown", "rule:s1"},
	    {"Caf\xc3\xa9 says: no such user, then rate limit", "rule:h1"},
	    {"USER UNKNOWN. Over Quota.", "rule:h1"},
	    {"nothing of the kind", NULL},
	};
	struct classifier *c[2];
	char *err = NULL;
	size_t i;
	int k;

	(void)state;
	for (k = 0; k < 2; k++)
		assert_int_equal(
		    classify_load_string("t", rules[k], &c[k], &err),
		    CLASSIFY_OK);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct classification cl[2];
		char *msg = xasprintf("From: MAILER-DAEMON@x.example\nSubject: "
		                      "failure\n\n%s\n",
		                      rows[i].body);
		for (k = 0; k < 2; k++) {
			struct mime_msg *m = NULL;
			assert_int_equal(
			    mime_parse(msg, strlen(msg), NULL, &m, &err),
			    MIME_OK);
			classify_message(c[k], m, "UTC", &cl[k]);
			mime_free(m);
		}
		if (cl[0].cls != cl[1].cls || strcmp(cl[0].rule, cl[1].rule))
			fail_msg("row %zu: split %s (%s), whole %s (%s)", i,
			         classify_class_name(cl[0].cls), cl[0].rule,
			         classify_class_name(cl[1].cls), cl[1].rule);
		if (rows[i].rule != NULL &&
		    strcmp(cl[0].rule, rows[i].rule) != 0)
			fail_msg("row %zu: got %s, want %s", i, cl[0].rule,
			         rows[i].rule);
		for (k = 0; k < 2; k++)
			classification_free(&cl[k]);
		free(msg);
	}
	for (k = 0; k < 2; k++)
		classify_free(c[k]);
}

static void
test_class_names(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < CLS__COUNT; i++)
		assert_int_equal(classify_class_parse(classify_class_name(i)),
		                 i);
	assert_int_equal(classify_class_parse("nope"), -1);
	assert_string_equal(classify_class_name(99), "?");
}

/* ------------------------------------------------------------ reply text */

static void
test_reply_text(void **state)
{
	static const struct {
		const char *in, *want;
	} rows[] = {
	    {"Sounds good.\n\nOn Mon, Nov 23, 2026 at 9:00 AM Ann <a@x.com> "
	     "wrote:\n> hi\n",
	     "Sounds good."},
	    {"Yes!\n\nOn Mon, Nov 23, 2026 at 9:00 AM Ann Example "
	     "<\nann@example.com> wrote:\n> hi\n",
	     "Yes!"},
	    {"Ok\n-----Original Message-----\nFrom: x\n", "Ok"},
	    {"Thanks\n\nFrom: Ann <a@x.com>\nSent: Monday\nTo: b\nSubject: "
	     "hi\n\nold",
	     "Thanks"},
	    {"Gerne.\n\nAm 23.11.2026 um 09:00 schrieb Ann <a@x.com>:\n> hi",
	     "Gerne."},
	    {"Oui.\n\nLe lun. 23 nov. 2026 à 09:00, Ann <a@x.com> a écrit :\n> "
	     "hi",
	     "Oui."},
	    {"Sí.\n\nEl lun, 23 nov 2026 a las 9:00, Ann (<a@x.com>) "
	     "escribió:\n> hi",
	     "Sí."},
	    {"Ja.\n\nOp ma 23 nov. 2026 om 09:00 schreef Ann <a@x.com>:\n> hi",
	     "Ja."},
	    {"Hello\n\nSent from my iPhone\n\n> On Nov 23 wrote:", "Hello"},
	    {"Hello\n\n-- \nBob\nCEO\n", "Hello"},
	    {"Sent from my desk, is much easier.\n",
	     "Sent from my desk, is much easier."},
	    {"Call me.\nThanks,\nBob\n", "Call me.\nThanks,\nBob"},
	    /* signature blocks: initials after a dash, then a company line;
	     * a full name, a title and an address; an HTML signature under
	     * the name without a blank line; a title alone stays */
	    {"Looks good.\n\n- O\n\nKestrel Print Ltd | Unit 4, Riverside "
	     "Works | Leeds LS9 8AB\nRegistered in England No. 01234567\n",
	     "Looks good.\n\n- O"},
	    {"2.\n\nHelen O'Brien\nOperations Manager, Emerald Linen\nUnit 4, "
	     "Ballymount Industrial Estate, Dublin 12\n",
	     "2."},
	    {"Yes.\nBest,\nEmily\nEmily Carter | Site Director | Oakfield\n",
	     "Yes.\nBest,\nEmily"},
	    {"Ok.\n\nMit freundlichen Grüßen\n\nMarkus Thiele\n\nElbtal "
	     "Logistik GmbH\nHafenstraße 22, 01067 Dresden\n",
	     "Ok.\n\nMit freundlichen Grüßen\n\nMarkus Thiele"},
	    {"Sì.\nCordiali saluti\nGiulia Bernardi\nGiulia Bernardi\n"
	     "Responsabile Flotta\nAi sensi del Regolamento UE 2016/679 le "
	     "informazioni contenute in questo messaggio sono riservate.\n",
	     "Sì.\nCordiali saluti\nGiulia Bernardi"},
	    {"Yes.\n\nCheers,\nLeo Chen\nPractice Manager\n",
	     "Yes.\n\nCheers,\nLeo Chen\nPractice Manager"},
	    {"Thanks,\nTom\n\nP.S. We need 12 licences by March, call me on "
	     "0113 496 0000\n",
	     "Thanks,\nTom\n\nP.S. We need 12 licences by March, call me on "
	     "0113 496 0000"},
	    /* bottom posting, and a greeting above an interleaved answer */
	    {"On Mon, Ann <a@x.com> wrote:\n> Hi\n> there\n\nHello back\n",
	     "Hello back"},
	    {"Hi,\nOn Mon, Ann <a@x.com> wrote:\n> question?\n\nAnswer.\n",
	     "Hi,\n\nAnswer."},
	    {"Hello\n-----Original Message-----\nFrom: a\nSent: b\n\nold "
	     "text\n",
	     "Hello"},
	    /* Android, wrapped and localized */
	    {"Hello\n02.04.2012 14:20 пользователь \"bob@x.org\" <\nbob@x.org> "
	     "написал:\n\n> Hi\n",
	     "Hello"},
	    /* a quoted header block without "-----Original Message-----" */
	    {"Fine.\n\nDate: Thu, 26 Jun 2014\nSubject: Test\nFrom: "
	     "a@x.com\nTo: b@x.com\n\nold\n",
	     "Fine."},
	    {"Reply\n\n ------------------------------\n\n*From:* A "
	     "[mailto:a@x.com]\n*Sent:* Thu\n*To:* b\n",
	     "Reply"},
	    {"", ""},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char *got = classify_reply_text(rows[i].in);
		if (strcmp(got, rows[i].want) != 0)
			fail_msg("row %zu: got \"%s\", want \"%s\"", i, got,
			         rows[i].want);
		free(got);
	}
}

/* ------------------------------------------------------------ return dates */

static void
test_return_day(void **state)
{
	/* message sent Wed 2026-11-25 */
	int msg = clock_day_from_civil(2026, 11, 25);
	static const struct {
		const char *text;
		int uk;
		int y, m, d; /* 0 = none */
	} rows[] = {
	    {"I am out of the office until 12/24/2026.", 0, 2026, 12, 25},
	    {"I am out of the office until 24/12/2026.", 1, 2026, 12, 25},
	    {"I will be back on December 24.", 0, 2026, 12, 24},
	    {"I will be back on 24 December.", 1, 2026, 12, 24},
	    {"I'm back on December 24th, 2026", 0, 2026, 12, 24},
	    {"Ich bin bis zum 24.12.2026 nicht im Büro.", 1, 2026, 12, 25},
	    {"Ab Montag, 7. Dezember bin ich wieder da.", 1, 2026, 12, 7},
	    {"Je serai absent jusqu'au 24 décembre.", 1, 2026, 12, 25},
	    {"Je serai de retour le lundi 4 janvier.", 1, 2027, 1, 4},
	    {"Estaré fuera hasta el 24 de diciembre.", 1, 2026, 12, 25},
	    {"Regresaré el lunes.", 1, 2026, 11, 30},
	    {"Ik ben afwezig tot en met 24 december.", 1, 2026, 12, 25},
	    {"Ik ben terug op maandag.", 1, 2026, 11, 30},
	    {"Back Monday.", 0, 2026, 11, 30},
	    {"Back tomorrow.", 0, 2026, 11, 26},
	    {"I'm away, back next week.", 0, 2026, 11, 30},
	    {"Out until Friday", 0, 2026, 11, 28},
	    {"I will be traveling on December 10-18.", 0, 2026, 12, 19},
	    {"Back on January 5", 0, 2027, 1, 5},
	    {"Zurück am 2026-12-01", 1, 2026, 12, 1},
	    {"Away until Dec 5. Returning to the office on December 5th.", 0,
	     2026, 12, 5},
	    {"Ich bin bis zum 4.12. im Urlaub und ab dem 7.12. wieder im Büro.",
	     1, 2026, 12, 7},
	    /* the date before the word for "back" (nl, de, pl) */
	    {"Ik ben de 9e weer terug op kantoor.", 1, 2026, 12, 9},
	    {"Ik ben in januari weer terug.", 1, 2027, 1, 1},
	    {"Ich bin am 9. wieder im Büro.", 1, 2026, 12, 9},
	    {"Ich habe am Montag frei, bin Dienstag wieder da.", 1, 2026, 12,
	     1},
	    {"9 grudnia będę z powrotem.", 1, 2026, 12, 9},
	    /* ... but not a date that belongs to an earlier "until" */
	    {"Ich bin bis zum 8. Dezember nicht im Büro und dann wieder "
	     "erreichbar.",
	     1, 2026, 12, 9},
	    /* a day alone after an article, in each language */
	    {"Je serai de retour le 9.", 1, 2026, 12, 9},
	    {"Estaré de vuelta el día 9.", 1, 2026, 12, 9},
	    {"Rientro il 9.", 1, 2026, 12, 9},
	    {"Jag är tillbaka den 9:e.", 1, 2026, 12, 9},
	    {"Wracam 9-go.", 1, 2026, 12, 9},
	    {"I'll be back on the 9th and will reply then.", 0, 2026, 12, 9},
	    {"Back on the 4th of January.", 0, 2027, 1, 4},
	    {"Ab 9 Uhr bin ich wieder da.", 1, 0, 0, 0},
	    /* a verb of return, a month alone */
	    {"Je suis en congé et reprendrai mon poste en janvier.", 1, 2027, 1,
	     1},
	    /* a weekday of next week; pl weekday cases */
	    {"Ik ben tot volgende week dinsdag afwezig.", 1, 2026, 12, 2},
	    {"Jestem nieobecny do przyszłego wtorku.", 1, 2026, 12, 2},
	    /* a length of absence, only when no date is stated */
	    {"I'm away for two weeks.", 0, 2026, 12, 9},
	    {"Je reviens dans deux semaines.", 1, 2026, 12, 9},
	    {"I'm out for 3 days, back on 10 December.", 1, 2026, 12, 10},
	    {"Thank you for your email. I am away.", 0, 0, 0, 0},
	    /* month-first cues, but the day-first reading is weeks away and
	     * the other half a year: the near one */
	    {"I'm out, back Monday 7/12.", 0, 2026, 12, 7},
	    {"I'm out, back 12/7.", 0, 2026, 12, 7},
	    /* beyond the nine: the return only */
	    {"Jeg er på vinterferie og tilbake på kontoret mandag 1. mars.", 1,
	     2027, 3, 1},
	    {"4 Ocak 2027 Pazartesi günü döneceğim.", 1, 2027, 1, 4},
	    {"I'll get back to you on Monday.", 0, 0, 0, 0},
	    {"I am out of the office.", 0, 0, 0, 0},
	    {"Thanks for your note, will reply soon.", 0, 0, 0, 0},
	};
	size_t i;
	int got, want;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		got = classify_return_day(rows[i].text, msg, rows[i].uk);
		want = rows[i].y ? clock_day_from_civil(rows[i].y, rows[i].m,
		                                        rows[i].d)
		                 : -1;
		if (got != want) {
			int y = 0, m = 0, d = 0;
			if (got >= 0)
				clock_civil_from_day(got, &y, &m, &d);
			fail_msg("row %zu \"%s\": got %04d-%02d-%02d (%d), "
			         "want %04d-%02d-%02d",
			         i, rows[i].text, y, m, d, got, rows[i].y,
			         rows[i].m, rows[i].d);
		}
	}
	/* no message date: only dates with a year */
	assert_int_equal(classify_return_day("back on December 24", -1, 0), -1);
	assert_int_equal(
	    classify_return_day("back on December 24, 2026", -1, 0),
	    clock_day_from_civil(2026, 12, 24));
}

/* ------------------------------------------------------------ corpora */

struct tally {
	int n, agree;
	int confusion[CLS__COUNT][CLS__COUNT];
	int human_misread; /* human_reply read as bounce or auto_reply */
	int rt_n, rt_ok;   /* reply-text comparisons */
	int rd_n, rd_ok;   /* return dates stated in the labels */
};

static struct mime_msg *
parse_file(const char *path, int body_only)
{
	size_t len;
	char *buf = slurp(path, &len), *err = NULL;
	struct mime_msg *m = NULL;

	if (buf == NULL)
		fail_msg("cannot read %s", path);
	if (body_only) {
		/* body-only fixtures: give them the headers of a plain reply */
		const char *ct =
		    strstr(path, ".html") != NULL ? "text/html" : "text/plain";
		char *full = xasprintf(
		    "From: Lead <lead@example.com>\nTo: us@example.org\n"
		    "Subject: Re: hello\nDate: Wed, 25 Nov 2026 10:00:00 "
		    "+0000\n"
		    "Content-Type: %s; charset=utf-8\n\n%s",
		    ct, buf);
		free(buf);
		buf = full;
		len = strlen(full);
	}
	if (mime_parse(buf, len, NULL, &m, &err) != MIME_OK) {
		fprintf(stderr, "%s: %s\n", path, err);
		free(err);
		m = NULL;
	}
	free(buf);
	return m;
}

/* expected_reply: the expected new text for talon's rows, or NULL. */
static char *
expected_reply(const char *extra, int *weak)
{
	const char *p;
	struct buf b;

	*weak = 0;
	if ((p = strstr(extra, "expected_reply_text=")) != NULL) {
		p += strlen("expected_reply_text=");
		buf_init(&b);
		if (*p == '\'') {
			for (p++; *p != '\0' && *p != '\''; p++) {
				if (p[0] == '\\' && p[1] == 'n') {
					buf_addc(&b, '\n');
					p++;
				} else
					buf_addc(&b, *p);
			}
		} else
			buf_add(&b, p, strcspn(p, " \t;("));
		return buf_steal(&b);
	}
	if (strstr(extra, "expected_reply_file=") != NULL)
		return xstrdup(
		    "Hello"); /* new text without signature, per the label */
	if (strstr(extra, "expected_text=body minus") != NULL ||
	    strstr(extra, "non-empty reply") != NULL) {
		*weak = 1;
		return NULL;
	}
	return NULL;
}

static void
check_reply_text(struct tally *t, const char *file, const char *extra,
                 const char *body_path, const char *got)
{
	int weak;
	char *want = expected_reply(extra, &weak), *a, *b;

	if (want == NULL && !weak && strstr(file, "replies/github/") != NULL) {
		/* no expected text: it must be non-empty and free of history */
		t->rt_n++;
		if (got[0] != '\0' && strstr(got, "wrote:") == NULL &&
		    strstr(got, "\n>") == NULL && got[0] != '>' &&
		    strstr(got, "-----Original") == NULL &&
		    strstr(got, "From:") == NULL)
			t->rt_ok++;
		else
			fprintf(stderr,
			        "REPLY-TEXT %s (history left): got \"%s\"\n",
			        file, got);
		return;
	}
	if (want == NULL && !weak)
		return;
	t->rt_n++;
	if (want != NULL) {
		a = squeeze(got);
		b = squeeze(want);
		if (strcmp(a, b) == 0)
			t->rt_ok++;
		else
			fprintf(stderr,
			        "REPLY-TEXT %s: got \"%s\" want \"%s\"\n", file,
			        got, want);
		free(a);
		free(b);
		free(want);
		return;
	}
	/* weak: non-empty, no "From" header line, and the body's first line */
	{
		size_t len;
		char *body = slurp(body_path, &len), *first;
		int ok = got[0] != '\0' && strstr(got, "From:") == NULL;
		if (body != NULL && strstr(extra, "expected_text=") != NULL) {
			first = xstrndup(body, strcspn(body, "\n"));
			ok = ok && strncmp(got, first, strlen(first)) == 0;
			free(first);
		}
		free(body);
		if (ok)
			t->rt_ok++;
		else
			fprintf(stderr, "REPLY-TEXT %s (weak): got \"%s\"\n",
			        file, got);
	}
}

/* run_labels: classify every row of a labels.tsv (file, class, extra). */
static void
run_labels(const struct classifier *c, const char *dir, const char *labels,
           struct tally *t, int check_dates)
{
	size_t len;
	char *tsv = slurp(labels, &len), *line, *save = NULL;

	assert_non_null(tsv);
	for (line = strtok_r(tsv, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *file = line, *cls, *extra, *path;
		int want, body_only;
		struct mime_msg *m;
		struct classification cl;

		if (line[0] == '#' || strncmp(line, "file\t", 5) == 0)
			continue;
		if ((cls = strchr(file, '\t')) == NULL)
			continue;
		*cls++ = '\0';
		if ((extra = strchr(cls, '\t')) != NULL)
			*extra++ = '\0';
		else
			extra = "";
		want = classify_class_parse(cls);
		if (want < 0)
			fail_msg("%s: bad class %s", file, cls);
		path = xasprintf("%s/%s", dir, file);
		body_only = strstr(file, ".eml") == NULL;
		m = parse_file(path, body_only);
		if (m == NULL) {
			t->n++;
			fprintf(stderr, "MISMATCH %s: want %s, cannot parse\n",
			        file, cls);
			free(path);
			continue;
		}
		classify_message(c, m, "UTC", &cl);
		t->n++;
		t->confusion[want][cl.cls]++;
		if (getenv("CLASSIFY_TRACE") != NULL)
			fprintf(stderr,
			        "TRACE %s want=%s got=%s rule=%s status=%s\n",
			        file, cls, classify_class_name(cl.cls), cl.rule,
			        cl.status ? cl.status : "-");
		if (cl.cls == want)
			t->agree++;
		else
			fprintf(stderr,
			        "MISMATCH %s: want %s got %s (%s) status=%s "
			        "diag=%.160s\n",
			        file, cls, classify_class_name(cl.cls), cl.rule,
			        cl.status ? cl.status : "-",
			        cl.diagnostic ? cl.diagnostic : "-");
		if (want == CLS_HUMAN_REPLY &&
		    (cl.cls == CLS_BOUNCE_HARD || cl.cls == CLS_BOUNCE_SOFT ||
		     cl.cls == CLS_AUTO_REPLY))
			t->human_misread++;
		if (want == CLS_HUMAN_REPLY && cl.cls == CLS_HUMAN_REPLY)
			check_reply_text(t, file, extra, path,
			                 cl.reply_text ? cl.reply_text : "");
		if (!check_dates && want == CLS_AUTO_REPLY &&
		    cl.cls == CLS_AUTO_REPLY) {
			/* shared labels: "return_date=May 5 (2005-05-05; ...)"
			 */
			const char *r = strstr(extra, "return_date=");
			const char *iso = r != NULL ? strchr(r, '(') : NULL;
			int y, mo, d;
			if (iso != NULL &&
			    sscanf(iso + 1, "%d-%d-%d", &y, &mo, &d) == 3) {
				t->rd_n++;
				if (cl.return_day ==
				    clock_day_from_civil(y, mo, d))
					t->rd_ok++;
				else
					fprintf(stderr,
					        "RETURN-DATE %s: got day %d\n",
					        file, cl.return_day);
			}
		}
		if (check_dates && want == CLS_AUTO_REPLY) {
			const char *r = strstr(extra, "return=");
			int y, mo, d, wantday = -1;
			if (r != NULL &&
			    sscanf(r + 7, "%d-%d-%d", &y, &mo, &d) == 3)
				wantday = clock_day_from_civil(y, mo, d);
			if (r != NULL && cl.return_day != wantday) {
				int gy = 0, gm = 0, gd = 0;
				if (cl.return_day >= 0)
					clock_civil_from_day(cl.return_day, &gy,
					                     &gm, &gd);
				fail_msg(
				    "%s: return day %04d-%02d-%02d, want %.10s",
				    file, gy, gm, gd, r + 7);
			}
		}
		if (check_dates &&
		    (want == CLS_BOUNCE_HARD || want == CLS_BOUNCE_SOFT)) {
			const char *r = strstr(extra, "rcpt=");
			if (r != NULL && (cl.failed_recipient == NULL ||
			                  strncmp(cl.failed_recipient, r + 5,
			                          strcspn(r + 5, ";")) != 0))
				fail_msg("%s: failed recipient %s", file,
				         cl.failed_recipient
				             ? cl.failed_recipient
				             : "(none)");
		}
		if (check_dates && want == CLS_HUMAN_REPLY) {
			const char *r = strstr(extra, "text=");
			if (r != NULL) {
				char *a = squeeze(cl.reply_text ? cl.reply_text
				                                : ""),
				     *b = squeeze(r + 5);
				if (strcmp(a, b) != 0)
					fail_msg("%s: reply text \"%s\"", file,
					         cl.reply_text);
				free(a);
				free(b);
			}
		}
		classification_free(&cl);
		mime_free(m);
		free(path);
	}
	free(tsv);
}

static void
print_confusion(const char *what, const struct tally *t)
{
	int i, j;

	fprintf(stderr, "%s: %d/%d agree (%.1f%%)\n", what, t->agree, t->n,
	        t->n ? 100.0 * t->agree / t->n : 0.0);
	fprintf(stderr, "%-12s", "want\\got");
	for (j = 0; j < CLS__COUNT; j++)
		fprintf(stderr, " %11s", classify_class_name(j));
	fprintf(stderr, "\n");
	for (i = 0; i < CLS__COUNT; i++) {
		fprintf(stderr, "%-12s", classify_class_name(i));
		for (j = 0; j < CLS__COUNT; j++)
			fprintf(stderr, " %11d", t->confusion[i][j]);
		fprintf(stderr, "\n");
	}
	if (t->rt_n)
		fprintf(stderr, "%s: reply text %d/%d (%.1f%%)\n", what,
		        t->rt_ok, t->rt_n, 100.0 * t->rt_ok / t->rt_n);
}

static void
test_shared_corpus(void **state)
{
	struct classifier *c;
	struct tally t;
	char *dir = xasprintf("%s/corpus", shareddir());
	char *labels = xasprintf("%s/labels.tsv", dir);
	FILE *f;

	(void)state;
	if ((f = fopen(labels, "r")) == NULL)
		fail_msg("%s: cannot open", labels);
	fclose(f);
	c = load_default();
	memset(&t, 0, sizeof t);
	run_labels(c, dir, labels, &t, 0);
	print_confusion("shared corpus", &t);
	{
		/* agreement when the two bounce classes count as one */
		int merged = t.agree +
		             t.confusion[CLS_BOUNCE_HARD][CLS_BOUNCE_SOFT] +
		             t.confusion[CLS_BOUNCE_SOFT][CLS_BOUNCE_HARD];
		fprintf(stderr,
		        "shared corpus, bounce_hard/bounce_soft merged: %d/%d "
		        "(%.1f%%)\n",
		        merged, t.n, 100.0 * merged / t.n);
		assert_true(merged * 100 >= t.n * 97);
	}
	assert_int_equal(t.human_misread, 0);
	/* The product requires 97% exact agreement.  The labels' hard/soft
	 * split follows sisimai's reasons; the rules port its decision order
	 * for "User unknown" texts (status code, SMTP phase, providers'
	 * replies) and reach 97.7%.  The misses left are reports where
	 * sisimai used per-host knowledge the text does not carry, e.g. two
	 * identical reports labelled differently. */
	assert_true(t.agree * 1000 >= t.n * SHARED_MIN_PERMILLE);
	assert_true(t.rt_ok * 100 >= t.rt_n * 90);
	fprintf(stderr, "shared corpus: return dates %d/%d\n", t.rd_ok, t.rd_n);
	assert_int_equal(t.rd_ok, t.rd_n);
	classify_free(c);
	free(dir);
	free(labels);
}

static void
test_own_corpus(void **state)
{
	struct classifier *c;
	struct tally t;
	char *dir = xasprintf("%s/tests/data/mail", srcdir());
	char *labels = xasprintf("%s/labels.tsv", dir);

	(void)state;
	c = load_default();
	memset(&t, 0, sizeof t);
	run_labels(c, dir, labels, &t, 1);
	print_confusion("tests/data/mail", &t);
	assert_true(t.n >= 20);
	assert_int_equal(t.human_misread, 0);
	assert_int_equal(t.agree, t.n);
	classify_free(c);
	free(dir);
	free(labels);
}

/* ------------------------------------------------------------ message level */

static void
test_messages(void **state)
{
	static const struct {
		const char *msg;
		int cls;
		const char *rule;
	} rows[] = {
	    {"From: a@x.com\nSubject: Re: hi\n\nSounds great, call me.\n",
	     CLS_HUMAN_REPLY, "default"},
	    {"From: a@x.com\nSubject: Re: hi\nAuto-Submitted: "
	     "auto-replied\n\nAway.\n",
	     CLS_AUTO_REPLY, "auto-submitted"},
	    {"From: a@x.com\nSubject: Re: hi\nAuto-Submitted: no\n\nHi.\n",
	     CLS_HUMAN_REPLY, "default"},
	    {"From: a@x.com\nSubject: News\nList-Id: <n.x.com>\n\nNews.\n",
	     CLS_OTHER, "list"},
	    {"From: a@x.com\nSubject: News\nPrecedence: bulk\n\nNews.\n",
	     CLS_OTHER, "precedence"},
	    {"From: a@x.com\nSubject: unsubscribe\n\n\n", CLS_UNSUBSCRIBE,
	     "rule:unsub-subject"},
	    {"From: a@x.com\nSubject: Re: hi\n\nPlease remove me from your "
	     "list.\n\nOn Mon, B wrote:\n> x\n",
	     CLS_UNSUBSCRIBE, "rule:unsub-body"},
	    /* a person writing about a bounce is still a person */
	    {"From: a@x.com\nSubject: Re: Undelivered Mail Returned to "
	     "Sender\n\nI got this bounce, "
	     "use my other address.\n\nOn Mon, B wrote:\n> Your message could "
	     "not be delivered "
	     "to one or more recipients.\n",
	     CLS_HUMAN_REPLY, "default"},
	    {"From: a@x.com\nSubject: Re: hi\n\nI'm out of the office until "
	     "Monday, but yes, "
	     "let's talk Tuesday.\n",
	     CLS_HUMAN_REPLY, "default"},
	    {"From: a@x.com\nSubject: Re: hi\n\nThank you for your email. I am "
	     "currently out of "
	     "the office with limited access to email.\n",
	     CLS_AUTO_REPLY, "rule:ooo-body-start"},
	    /* our own footer quoted back must not read as an opt-out */
	    {"From: a@x.com\nSubject: Re: hi\n\nYes, Tuesday works.\n\nOn Mon, "
	     "B wrote:\n> Reply STOP to opt out. unsubscribe me\n",
	     CLS_HUMAN_REPLY, "default"},
	    {"From: MAILER-DAEMON@x.com\nSubject: Undelivered Mail Returned to "
	     "Sender\n\n<a@x.com>: host x said: 550 5.1.1 <a@x.com>: Recipient "
	     "address rejected: User unknown in virtual mailbox table\n",
	     CLS_BOUNCE_HARD, "rule:user-unknown"},
	    {"From: MAILER-DAEMON@x.com\nSubject: Undelivered Mail Returned to "
	     "Sender\n\n<a@x.com>: host x said: 552 5.2.2 mailbox full\n",
	     CLS_BOUNCE_SOFT, "rule:full"},
	    /* "user unknown" is proof with an address status (above) or at
	     * RCPT TO; after DATA a filter said it (sisimai "filtered") */
	    {"From: MAILER-DAEMON@x.com\nSubject: Undelivered Mail Returned to "
	     "Sender\n\n<a@x.com>: host x said: 550 Unknown user a@x.com (in "
	     "reply to RCPT TO command)\n",
	     CLS_BOUNCE_HARD, "rule:user-unknown,rcpt"},
	    {"From: MAILER-DAEMON@x.com\nSubject: Undelivered Mail Returned to "
	     "Sender\n\n<a@x.com>: host x said: 550 Unknown user a@x.com (in "
	     "reply to end of DATA\n    command)\n",
	     CLS_BOUNCE_SOFT, "rule:user-unknown,after-data"},
	    {"From: MAILER-DAEMON@x.com\nSubject: Returned mail: see "
	     "transcript "
	     "for details\n\n... while talking to mx.x.com.:\n>>> DATA\n<<< "
	     "550 5.0.0 <a@x.com>... User unknown\n",
	     CLS_BOUNCE_SOFT, "rule:user-unknown,after-data"},
	    /* ... sendmail pipelining: an address status still decides */
	    {"From: MAILER-DAEMON@x.com\nSubject: Returned mail: see "
	     "transcript "
	     "for details\n\n... while talking to mx.x.com.:\n>>> DATA\n<<< "
	     "550 5.1.1 <a@x.com>... User unknown\n",
	     CLS_BOUNCE_HARD, "rule:user-unknown"},
	    /* a mailbox status: the mailbox exists but is disabled */
	    {"From: MAILER-DAEMON@x.com\nSubject: Delivery failure\n\n<a@x.com>"
	     " 550 5.2.1 <a@x.com>... User Unknown\n",
	     CLS_BOUNCE_SOFT, "rule:user-unknown,status"},
	    {"From: MAILER-DAEMON@x.com\nSubject: Failure Notice\n\n<a@x.com>:"
	     "\nRemote host said:\n550 5.2.1 <a@x.com>... User Unknown\n"
	     "[RCPT_TO]\n",
	     CLS_BOUNCE_HARD, "rule:user-unknown,rcpt"},
	    /* no status, no command: a gateway relaying words it does not
	     * place is no proof */
	    {"From: MAILER-DAEMON@x.com\nSubject: Delivery failure\n\n"
	     "a@x.com [User unknown]\n",
	     CLS_BOUNCE_SOFT, "rule:user-unknown,unconfirmed"},
	    {"From: MAILER-DAEMON@x.com\nSubject: Mail delivery failed\n\n"
	     "SMTP error from remote mail server after RCPT TO:<a@x.com>:\n"
	     "550 a@x.com... No such user\n",
	     CLS_BOUNCE_HARD, "rule:user-unknown,rcpt"},
	    {"From: MAILER-DAEMON@x.com\nSubject: Delivery failure\n\n"
	     "The account that you tried to reach is disabled.\n"
	     "550 5.1.1 <a@x.com>... User unknown\n",
	     CLS_BOUNCE_SOFT, "rule:suspended"},
	    /* providers' documented replies decide before status and phase */
	    {"From: MAILER-DAEMON@x.com\nSubject: Returned mail\n\n>>> DATA\n"
	     "<<< 554 delivery error: dd This user doesn't have a yahoo.com "
	     "account (a@yahoo.com) [0]\n",
	     CLS_BOUNCE_HARD, "rule:yahoo-unknown"},
	    {"From: MAILER-DAEMON@x.com\nSubject: Returned mail\n\n>>> DATA\n"
	     "<<< 550 5.5.0 Adresse d au moins un destinataire invalide. "
	     "Invalid recipient. LPN007_416\n",
	     CLS_BOUNCE_HARD, "rule:orange-unknown"},
	    {"From: MAILER-DAEMON@x.com\nSubject: Returned mail\n\n<a@x.com>: "
	     "550 5.5.0 Le compte du destinataire est bloque. The recipient "
	     "account isblocked. LPN007_426 (in reply to RCPT TO command)\n",
	     CLS_BOUNCE_SOFT, "rule:orange-other"},
	    {"From: MAILER-DAEMON@x.com\nSubject: Undeliverable\n\n"
	     "Remote server returned unknown recipient or mailbox unavailable "
	     "-> 550 : User unknown\n",
	     CLS_BOUNCE_SOFT, "rule:empty-user-unknown"},
	    /* a relay's summary status gives way to the remote server's own
	     * (after its SMTP reply code): 5.7.1, policy, not an address */
	    {"From: MAILER-DAEMON@x.com\nSubject: Delivery Status "
	     "Notification (Failure)\nMIME-Version: 1.0\nContent-Type: "
	     "multipart/report; report-type=delivery-status; boundary=b\n\n"
	     "--b\nContent-Type: text/plain\n\nThe message was undeliverable."
	     "\n--b\nContent-Type: message/delivery-status\n\n"
	     "Reporting-MTA: dns; x.com\n\nFinal-Recipient: rfc822; a@x.com\n"
	     "Action: failed\nStatus: 5.0.0\nDiagnostic-Code: smtp; 5.1.0 - "
	     "Unknown address error 550-'5.7.1 <b@y.com>... Access denied'\n"
	     "\n--b--\n",
	     CLS_BOUNCE_SOFT, "rule:user-unknown,status"},
	    /* ... without a reply code the first specific status stays */
	    {"From: MAILER-DAEMON@x.com\nSubject: Delivery Status "
	     "Notification (Failure)\nMIME-Version: 1.0\nContent-Type: "
	     "multipart/report; report-type=delivery-status; boundary=b\n\n"
	     "--b\nContent-Type: text/plain\n\nThe message was undeliverable."
	     "\n--b\nContent-Type: message/delivery-status\n\n"
	     "Reporting-MTA: dns; x.com\n\nFinal-Recipient: rfc822; a@x.com\n"
	     "Action: failed\nStatus: 5.0.0\nDiagnostic-Code: smtp; 5.1.1 "
	     "Unknown address; then 5.7.1 Access denied\n\n--b--\n",
	     CLS_BOUNCE_HARD, "rule:user-unknown"},
	    /* MTAs' and gateways' own stock wording */
	    {"From: postmaster@vtext.com\nSubject: Undeliverable Message\n\n"
	     "Message could not be delivered to mobile.\nError: No valid "
	     "recipients for this MM\n",
	     CLS_BOUNCE_HARD, "rule:verizon-no-recipient"},
	    {"From: MAILER-DAEMON@x.com\nSubject: Undeliverable Mail\n\n"
	     "Unknown user: a@x.com\n\nOriginal message follows.\n",
	     CLS_BOUNCE_HARD, "rule:imail-unknown-user"},
	    {"From: MAILER-DAEMON@x.com\nSubject: Undeliverable Mail\n\n"
	     "Remote host said: 550 Unknown user: a@x.com\n",
	     CLS_BOUNCE_SOFT, "rule:user-unknown,unconfirmed"},
	    {"From: postmaster@hotmail.com\nSubject: Delivery Status "
	     "Notification (Failure)\n\na@hotmail.com\nsmtp;550 Requested "
	     "action not taken: mailbox unavailable (-0000000022:2222:"
	     "-0000000022)\n",
	     CLS_BOUNCE_HARD, "rule:outlookcom-unavailable"},
	    /* a local part that spells "userunknown" is not a reason */
	    {"From: MAILER-DAEMON@x.com\nSubject: Delivery failure\n\n"
	     "userunknown@x.com: 552 5.2.2 Mailbox full\n",
	     CLS_BOUNCE_SOFT, "rule:full"},
	};
	struct classifier *c = load_default();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct mime_msg *m = NULL;
		struct classification cl;
		char *err = NULL;
		assert_int_equal(mime_parse(rows[i].msg, strlen(rows[i].msg),
		                            NULL, &m, &err),
		                 MIME_OK);
		classify_message(c, m, "UTC", &cl);
		if (cl.cls != rows[i].cls || strcmp(cl.rule, rows[i].rule) != 0)
			fail_msg("row %zu: got %s (%s), want %s (%s)", i,
			         classify_class_name(cl.cls), cl.rule,
			         classify_class_name(rows[i].cls),
			         rows[i].rule);
		classification_free(&cl);
		mime_free(m);
	}
	classify_free(c);
}

/* A pathological rule hits the match limit: no match, no hang, and the rules
 * after it still run. */
static void
test_match_limit(void **state)
{
	struct classifier *c = NULL;
	char *err = NULL;
	struct mime_msg *m = NULL;
	struct classification cl;
	struct buf b;
	int i;

	(void)state;
	assert_int_equal(
	    classify_load_string("t",
	                         "rule evil other body /^(a|aa)+$/\n"
	                         "rule fine unsubscribe body /b$/\n",
	                         &c, &err),
	    CLASSIFY_OK);
	buf_init(&b);
	buf_adds(&b, "From: a@x.com\nSubject: x\n\n");
	for (i = 0; i < 5000; i++)
		buf_addc(&b, 'a');
	buf_adds(&b, "b\n");
	assert_int_equal(mime_parse(b.s, b.len, NULL, &m, &err), MIME_OK);
	log_set_quiet(1);
	classify_message(c, m, "UTC", &cl);
	log_set_quiet(0);
	assert_int_equal(cl.cls, CLS_UNSUBSCRIBE);
	assert_string_equal(cl.rule, "rule:fine");
	classification_free(&cl);
	mime_free(m);
	buf_free(&b);
	classify_free(c);
}

/* classify_bench: the loop a benchmark can time (also a smoke test). */
static void
test_bench_hook(void **state)
{
	static const char msg[] =
	    "From: a@x.com\nSubject: Re: hi\n\nYes.\n\nOn Mon, B wrote:\n> x\n";
	struct classifier *c = load_default();
	struct mime_msg *m = NULL;
	struct classification cl;
	char *err = NULL;
	int i;

	(void)state;
	assert_int_equal(mime_parse(msg, sizeof msg - 1, NULL, &m, &err),
	                 MIME_OK);
	for (i = 0; i < 1000; i++) {
		classify_message(c, m, "UTC", &cl);
		assert_int_equal(cl.cls, CLS_HUMAN_REPLY);
		classification_free(&cl);
	}
	assert_int_equal(
	    classify_buffer(c, msg, sizeof msg - 1, "UTC", &cl, &err),
	    CLASSIFY_OK);
	assert_string_equal(cl.reply_text, "Yes.");
	classification_free(&cl);
	assert_int_equal(classify_buffer(c, "", 0, "UTC", &cl, &err),
	                 CLASSIFY_EINVAL);
	assert_non_null(err);
	free(err);
	mime_free(m);
	classify_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load_errors),
	    cmocka_unit_test(test_load_ok),
	    cmocka_unit_test(test_split_same),
	    cmocka_unit_test(test_class_names),
	    cmocka_unit_test(test_reply_text),
	    cmocka_unit_test(test_return_day),
	    cmocka_unit_test(test_messages),
	    cmocka_unit_test(test_shared_corpus),
	    cmocka_unit_test(test_own_corpus),
	    cmocka_unit_test(test_match_limit),
	    cmocka_unit_test(test_bench_hook),
	};

	char *labels = xasprintf("%s/corpus/labels.tsv", shareddir());
	FILE *f;
	int rc;

	if (getenv("NUDGE_DEBUG") != NULL)
		log_set_debug(getenv("NUDGE_DEBUG"));
	if ((f = fopen(labels, "r")) != NULL) {
		fclose(f);
		free(labels);
		return cmocka_run_group_tests(tests, NULL, NULL);
	}
	fprintf(stderr,
	        "\n*** SKIP: the shared corpus %s is missing (set SHARED_DIR); "
	        "running the other tests, then exiting 77 ***\n\n",
	        labels);
	free(labels);
	{
		struct CMUnitTest rest[sizeof tests / sizeof tests[0]];
		size_t i, n = 0;
		for (i = 0; i < sizeof tests / sizeof tests[0]; i++)
			if (tests[i].test_func != test_shared_corpus)
				rest[n++] = tests[i];
		rc = _cmocka_run_group_tests("test_classify", rest, n, NULL,
		                             NULL);
	}
	return rc == 0 ? 77 : rc;
}
