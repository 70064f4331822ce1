/* test_report - the funnel figures against hand-counted ones on a database
 * built here with known sends, replies, bounces and reviews; the SVG's bars;
 * the iCalendar escaping and folding. */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "config.h"
#include "digest.h"
#include "ics.h"
#include "report.h"
#include "store.h"
#include "xalloc.h"

#define TZ "UTC"

static time_t
at(const char *iso)
{
	time_t t;

	if (clock_parse_iso(iso, TZ, &t, NULL) != CLOCK_OK)
		fail_msg("bad time %s", iso);
	return t;
}

static int64_t
lead(struct store *st, const char *email, const char *seq, const char *made)
{
	struct lead l;
	char *err = NULL;

	memset(&l, 0, sizeof l);
	l.email = (char *)email;
	l.sequence = (char *)seq;
	l.prior_status = -1;
	l.created = l.updated = at(made);
	if (store_lead_insert(st, &l, &err) != STORE_OK)
		fail_msg("%s", err);
	return l.id;
}

static void
touch(struct store *st, int64_t id, const char *stage, const char *channel,
      const char *when)
{
	struct touch t;
	char *err = NULL;

	memset(&t, 0, sizeof t);
	t.lead_id = id;
	t.stage = (char *)stage;
	t.channel = (char *)channel;
	t.due = at(when);
	t.done_at = at(when);
	t.state = strcmp(channel, "email") == 0 ? TOUCH_SENT : TOUCH_DONE;
	if (store_touch_insert(st, &t, &err) != STORE_OK)
		fail_msg("%s", err);
}

static void
event(struct store *st, int64_t id, const char *type, const char *detail,
      const char *when)
{
	char *err = NULL;

	if (store_event_add(st, id, at(when), type, detail, NULL, &err))
		fail_msg("%s", err);
}

#define REPLY "human_reply (r; matched by thread: In-Reply-To)"

static struct store *
build(void)
{
	struct store *st;
	struct review rv;
	char *err = NULL;
	int64_t a, b, c, d, e, f, g, h;
	static const char *hstage[] = {"1",  "2",  "3",  "4",  "5",
	                               "X1", "X2", "X3", "X4", "X5",
	                               "X6", "X7", "X8", "X9"};

	if (store_open(":memory:", &st, &err) != STORE_OK)
		fail_msg("%s", err);
	/* A: 3 touches (one a call), replies at stage 2, intent interested */
	a = lead(st, "a@x.test", "12345x", "2026-11-02T08:00Z");
	event(st, a, "enrolled", "enrolled in sequence 12345x",
	      "2026-11-02T08:00Z");
	touch(st, a, "1", "email", "2026-11-02T10:00Z");
	touch(st, a, "1", "call", "2026-11-02T11:00Z");
	touch(st, a, "2", "email", "2026-11-04T10:00Z");
	event(st, a, "message", REPLY, "2026-11-05T09:00Z");
	event(st, a, "status",
	      "active -> engaged: replied (intent interested by r)",
	      "2026-11-05T09:00Z");
	/* B: 5 emails, replies at stage 5, and again later (intent later) */
	b = lead(st, "b@x.test", "12345x", "2026-11-02T08:00Z");
	touch(st, b, "1", "email", "2026-11-02T10:05Z");
	touch(st, b, "2", "email", "2026-11-04T10:05Z");
	touch(st, b, "3", "email", "2026-11-09T10:05Z");
	touch(st, b, "4", "email", "2026-11-11T10:05Z");
	touch(st, b, "5", "email", "2026-11-16T10:05Z");
	event(st, b, "message", REPLY, "2026-11-20T12:00Z");
	event(st, b, "message", REPLY, "2026-11-23T12:00Z");
	event(st, b, "status",
	      "engaged -> snoozed until 2027-02-01: x (intent later by r)",
	      "2026-11-23T12:00Z");
	/* C: replied before the period, again in it: a message, not a reply */
	c = lead(st, "c@x.test", "12345x", "2026-10-01T08:00Z");
	touch(st, c, "1", "email", "2026-10-01T10:00Z");
	touch(st, c, "2", "email", "2026-10-05T10:00Z");
	event(st, c, "message", REPLY, "2026-10-10T10:00Z");
	touch(st, c, "3", "email", "2026-11-03T10:00Z");
	event(st, c, "message", REPLY, "2026-11-10T10:00Z");
	/* D: a hard bounce */
	d = lead(st, "d@x.test", "12345x", "2026-11-03T08:00Z");
	touch(st, d, "1", "email", "2026-11-03T10:00Z");
	event(st, d, "message", "bounce_hard (dsn; matched by dsn: x)",
	      "2026-11-03T11:00Z");
	event(st, d, "status", "active -> bounced: hard bounce 5.1.1",
	      "2026-11-03T11:00Z");
	/* E: out of office, a soft bounce, then opts out */
	e = lead(st, "e@x.test", "12345x", "2026-11-03T08:00Z");
	touch(st, e, "1", "email", "2026-11-03T10:00Z");
	event(st, e, "message", "auto_reply (ooo; matched by thread: x)",
	      "2026-11-04T08:00Z");
	event(st, e, "status", "active -> paused until 2026-11-10: ooo",
	      "2026-11-04T08:00Z");
	touch(st, e, "2", "email", "2026-11-12T10:00Z");
	event(st, e, "message", "bounce_soft (dsn; matched by dsn: x)",
	      "2026-11-12T11:00Z");
	event(st, e, "message", "unsubscribe (u; matched by thread: x)",
	      "2026-11-13T08:00Z");
	event(st, e, "status", "active -> unsubscribed: asked to unsubscribe",
	      "2026-11-13T08:00Z");
	/* F: after the period: nothing counts */
	f = lead(st, "f@x.test", "12345x", "2026-12-01T08:00Z");
	touch(st, f, "1", "email", "2026-12-01T10:00Z");
	event(st, f, "message", REPLY, "2026-12-02T10:00Z");
	/* G: another sequence; replies after X1 */
	g = lead(st, "g@x.test", "fast", "2026-11-02T08:00Z");
	event(st, g, "enrolled", "enrolled in sequence fast: by hand",
	      "2026-11-02T08:00Z");
	touch(st, g, "1", "email", "2026-11-02T10:10Z");
	touch(st, g, "X1", "email", "2026-11-16T10:10Z");
	event(st, g, "message", REPLY, "2026-11-17T10:00Z");
	/* H: 14 touches before the period, then its first reply */
	h = lead(st, "h@x.test", "12345x", "2026-01-01T08:00Z");
	for (int i = 0; i < 14; i++) {
		char when[32];
		/* the 5th and the 15th of January to July */
		snprintf(when, sizeof when, "2026-%02d-%02dT10:00Z", i / 2 + 1,
		         i % 2 ? 15 : 5);
		touch(st, h, hstage[i], "email", when);
	}
	event(st, h, "message", REPLY, "2026-11-18T10:00Z");
	/* reviews: one open, one decided in the period; one before it */
	memset(&rv, 0, sizeof rv);
	rv.lead_id = a;
	rv.guess = "unsubscribe";
	rv.at = at("2026-11-06T10:00Z");
	if (store_review_add(st, &rv, &err) != STORE_OK)
		fail_msg("%s", err);
	rv.at = at("2026-11-07T10:00Z");
	if (store_review_add(st, &rv, &err) != STORE_OK ||
	    store_review_resolve(st, rv.id, "other", at("2026-11-08T10:00Z"),
	                         &err) != STORE_OK)
		fail_msg("%s", err);
	rv.at = at("2026-10-01T10:00Z");
	if (store_review_add(st, &rv, &err) != STORE_OK)
		fail_msg("%s", err);
	return st;
}

static const struct report_stage *
stage(const struct report_stage *s, size_t n, const char *label)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s[i].label, label) == 0)
			return &s[i];
	fail_msg("no stage %s", label);
	return NULL;
}

static void
test_figures(void **state)
{
	struct store *st = build();
	struct report r;
	char *err = NULL;
	static const char *order[] = {"1", "2", "3", "4", "5", "X1", "X9"};
	static const int contacts[REPORT_NCONTACTS] = {0, 1, 1, 0, 1, 0, 0,
	                                               0, 0, 0, 0, 0, 1};
	/* stage: leads, touches, email, call, replies (counted by hand) */
	static const int want[][5] = {
	    {5, 6, 5, 1, 0}, {3, 3, 3, 0, 1}, {2, 2, 2, 0, 0}, {1, 1, 1, 0, 0},
	    {1, 1, 1, 0, 1}, {1, 1, 1, 0, 1}, {0, 0, 0, 0, 1}};
	static const int per_day[] = {3, 3, 2, 0, 0, 0, 0, 1,
	                              0, 1, 1, 0, 0, 0, 2};

	(void)state;
	assert_int_equal(report_build(st, TZ, NULL, 3, at("2026-11-02T00:00Z"),
	                              at("2026-11-30T00:00Z"), NULL, NULL, &r,
	                              &err),
	                 REPORT_OK);
	assert_int_equal(r.ndays, 28);
	assert_int_equal(r.entered, 5);
	assert_int_equal(r.leads_touched, 6);
	assert_int_equal(r.touches, 14);
	assert_int_equal(r.channel[0], 13);
	assert_int_equal(r.channel[1], 1);
	assert_int_equal(r.replies, 4);
	assert_int_equal(r.reply_messages, 6);
	assert_int_equal(r.replies_untouched, 0);
	assert_memory_equal(r.contacts, contacts, sizeof contacts);
	assert_int_equal(r.nbdays, 4);
	assert_true(r.median_bdays == 12.5);
	assert_int_equal(r.intents[0], 1); /* interested */
	assert_int_equal(r.intents[1], 1); /* later */
	assert_int_equal(r.intents[2] + r.intents[3] + r.intents[4] +
	                     r.intents[5] + r.intents[6] + r.intents[7],
	                 0);
	assert_int_equal(r.out_of_office, 1);
	assert_int_equal(r.bounce_hard, 1);
	assert_int_equal(r.bounce_soft, 1);
	assert_int_equal(r.bounced, 1);
	assert_int_equal(r.opted_out, 1);
	assert_int_equal(r.reviews, 2);
	assert_int_equal(r.reviews_open, 1);
	assert_int_equal(r.sent_max, 3);
	assert_int_equal(r.days_at_cap, 2);
	for (size_t i = 0; i < sizeof per_day / sizeof per_day[0]; i++)
		assert_int_equal(r.sent_per_day[i], per_day[i]);
	assert_int_equal(r.nstages, 7);
	for (size_t i = 0; i < 7; i++) {
		assert_string_equal(r.stages[i].label, order[i]);
		assert_int_equal(r.stages[i].leads, want[i][0]);
		assert_int_equal(r.stages[i].touches, want[i][1]);
		assert_int_equal(r.stages[i].channel[0], want[i][2]);
		assert_int_equal(r.stages[i].channel[1], want[i][3]);
		assert_int_equal(r.stages[i].replies, want[i][4]);
	}
	/* per sequence: 12345x (A-E and H), fast (G) */
	assert_int_equal(r.nseqs, 2);
	assert_string_equal(r.seqs[0].name, "12345x");
	assert_int_equal(r.seqs[0].enrolled, 1);
	assert_int_equal(r.seqs[0].leads, 5);
	assert_int_equal(r.seqs[0].touches, 12);
	assert_int_equal(r.seqs[0].replies, 3);
	assert_int_equal(stage(r.seqs[0].stages, r.seqs[0].nstages, "1")->leads,
	                 4);
	assert_string_equal(r.seqs[1].name, "fast");
	assert_int_equal(r.seqs[1].enrolled, 1);
	assert_int_equal(r.seqs[1].leads, 1);
	assert_int_equal(r.seqs[1].touches, 2);
	assert_int_equal(r.seqs[1].replies, 1);
	assert_int_equal(
	    stage(r.seqs[1].stages, r.seqs[1].nstages, "X1")->replies, 1);
	report_free(&r);

	/* a period before everything: nothing, and no stage */
	assert_int_equal(report_build(st, TZ, NULL, 3, at("2025-01-01T00:00Z"),
	                              at("2025-02-01T00:00Z"), NULL, NULL, &r,
	                              &err),
	                 REPORT_OK);
	assert_int_equal(r.touches + r.replies + r.entered, 0);
	assert_int_equal(r.nstages, 0);
	report_free(&r);
	store_close(st);
}

/* two versions of a stage's email, compared: sends and the first replies
 * that followed each */
static void
test_versions(void **state)
{
	static const struct {
		const char *email, *version;
		int replied;
	} rows[] = {
	    {"v1@x.test", "aaaa0001", 1}, {"v2@x.test", "aaaa0001", 0},
	    {"v3@x.test", "aaaa0001", 0}, {"v4@x.test", "bbbb0002", 1},
	    {"v5@x.test", "bbbb0002", 1},
	};
	struct store *st;
	struct report r;
	char *err = NULL;

	(void)state;
	if (store_open(":memory:", &st, &err) != STORE_OK)
		fail_msg("%s", err);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		int64_t id = lead(st, rows[i].email, "12345x",
		                  "2026-11-02T08:00Z");
		struct touch t;

		memset(&t, 0, sizeof t);
		t.lead_id = id;
		t.stage = "2";
		t.channel = "email";
		t.due = t.done_at = at("2026-11-04T10:00Z");
		t.state = TOUCH_SENT;
		t.template_version = (char *)rows[i].version;
		if (store_touch_insert(st, &t, &err) != STORE_OK)
			fail_msg("%s", err);
		if (rows[i].replied)
			event(st, id, "message", REPLY, "2026-11-05T10:00Z");
	}
	assert_int_equal(report_build(st, TZ, NULL, 0, at("2026-11-02T00:00Z"),
	                              at("2026-11-30T00:00Z"), NULL, NULL, &r,
	                              &err),
	                 REPORT_OK);
	assert_int_equal(r.nversions, 2);
	assert_string_equal(r.versions[0].version, "aaaa0001");
	assert_int_equal(r.versions[0].sent, 3);
	assert_int_equal(r.versions[0].replies, 1);
	assert_string_equal(r.versions[1].version, "bbbb0002");
	assert_int_equal(r.versions[1].sent, 2);
	assert_int_equal(r.versions[1].replies, 2);
	report_free(&r);
	store_close(st);
}

/* a message nudge held for review as something else, that the salesperson
 * decided is a reply (or a reply's intent), counts as the reply, at the
 * decision; a reply nudge guessed itself is not counted twice */
static void
test_review_reply(void **state)
{
	struct store *st;
	struct report r;
	char *err = NULL;
	int64_t a, b, c;

	(void)state;
	if (store_open(":memory:", &st, &err) != STORE_OK)
		fail_msg("%s", err);
	a = lead(st, "a@x.test", "12345x", "2026-11-02T08:00Z");
	touch(st, a, "1", "email", "2026-11-02T10:00Z");
	event(st, a, "message", "unsubscribe (u; matched by thread: x)",
	      "2026-11-03T10:00Z");
	event(st, a, "review",
	      "review 1 decided: later (nudge guessed "
	      "unsubscribe)",
	      "2026-11-04T10:00Z");
	b = lead(st, "b@x.test", "12345x", "2026-11-02T08:00Z");
	touch(st, b, "1", "email", "2026-11-02T10:00Z");
	event(st, b, "message", REPLY, "2026-11-03T10:00Z");
	event(st, b, "review",
	      "review 2 decided: human_reply (nudge guessed "
	      "human_reply)",
	      "2026-11-04T10:00Z");
	c = lead(st, "c@x.test", "12345x", "2026-11-02T08:00Z");
	touch(st, c, "1", "email", "2026-11-02T10:00Z");
	event(st, c, "message", "auto_reply (ooo; matched by thread: x)",
	      "2026-11-03T10:00Z");
	event(st, c, "review",
	      "review 3 decided: auto_reply (nudge guessed "
	      "other)",
	      "2026-11-04T10:00Z");
	assert_int_equal(report_build(st, TZ, NULL, 0, at("2026-11-02T00:00Z"),
	                              at("2026-11-30T00:00Z"), NULL, NULL, &r,
	                              &err),
	                 REPORT_OK);
	assert_int_equal(r.replies, 2);
	assert_int_equal(r.reply_messages, 2);
	assert_int_equal(r.contacts[0], 2);
	assert_int_equal(r.out_of_office, 1);
	report_free(&r);
	store_close(st);
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void
test_renderings(void **state)
{
	struct store *st = build();
	struct report r;
	struct buf b;
	char *err = NULL;

	(void)state;
	assert_int_equal(report_build(st, TZ, NULL, 3, at("2026-11-02T00:00Z"),
	                              at("2026-11-30T00:00Z"), NULL, NULL, &r,
	                              &err),
	                 REPORT_OK);
	buf_init(&b);
	report_svg(&r, 1, &b);
	assert_int_equal(count(b.s, "class=\"bar stage\""), 7);
	assert_int_equal(count(b.s, "class=\"bar contacts\""), 4);
	assert_non_null(strstr(b.s, "data-stage=\"X9\""));
	assert_int_equal(count(b.s, "<svg"), 1);
	assert_int_equal(count(b.s, "</svg>"), 1);
	b.len = 0;
	report_html(&r, TZ, "Report <&>", &b);
	assert_null(strstr(b.s, "<script"));
	assert_null(strstr(b.s, "src="));
	assert_null(strstr(b.s, "href="));
	assert_null(strstr(b.s, "url("));
	assert_non_null(strstr(b.s, "Report &lt;&amp;&gt;"));
	assert_null(strstr(b.s, "<?xml"));
	b.len = 0;
	report_json(&r, TZ, &b);
	assert_non_null(strstr(b.s, "\"since\":\"2026-11-02\",\"until\":"
	                            "\"2026-11-29\",\"days\":28"));
	assert_non_null(strstr(b.s, "\"contacts_to_reply\":[0,1,1,0,1,0,0,0,"
	                            "0,0,0,0,1]"));
	assert_non_null(strstr(b.s, "\"median_business_days_to_reply\":12.5"));
	b.len = 0;
	report_text(&r, TZ, &b);
	assert_non_null(strstr(b.s, "Replies            4 (66.7% of leads "
	                            "touched; 6 reply messages)"));
	buf_free(&b);
	report_free(&r);
	store_close(st);
}

static void
test_ics_text(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	ics_text(&b, "a,b;c\\d\r\ne\x01"
	             "f");
	assert_string_equal(b.s, "a\\,b\\;c\\\\d\\ne f");
	buf_free(&b);
}

static void
test_ics_fold(void **state)
{
	struct buf b, in;
	size_t col = 0;

	(void)state;
	buf_init(&b);
	buf_init(&in);
	buf_adds(&in, "DESCRIPTION:");
	for (int i = 0; i < 60; i++)
		buf_adds(&in, "\xc3\xa9t\xe2\x82\xac"); /* é t € */
	ics_line(&b, in.s);
	/* every physical line at most 75 octets, CRLF-ended, no UTF-8
	 * sequence split, and unfolding gives the line back */
	for (size_t i = 0; i < b.len; i++) {
		if (b.s[i] == '\r') {
			assert_int_equal(b.s[i + 1], '\n');
			assert_true(col <= 75);
			col = 0;
			i++;
			if (i + 1 < b.len) {
				assert_int_equal(b.s[i + 1], ' ');
				assert_true(
				    ((unsigned char)b.s[i + 2] & 0xc0) != 0x80);
			}
			continue;
		}
		assert_int_not_equal(b.s[i], '\n');
		col++;
	}
	assert_true(b.len > 3 * 75);
	{
		struct buf u;
		buf_init(&u);
		for (size_t i = 0; i < b.len; i++) {
			if (b.s[i] == '\r' && i + 2 < b.len) {
				i += 2; /* CRLF and the space */
				continue;
			}
			if (b.s[i] == '\r')
				break;
			buf_addc(&u, b.s[i]);
		}
		assert_string_equal(u.s, in.s);
		buf_free(&u);
	}
	buf_free(&b);
	buf_free(&in);
}

static void
planned(struct store *st, int64_t id, const char *stage, const char *channel,
        const char *due, const char *note)
{
	struct touch t;
	char *err = NULL;

	memset(&t, 0, sizeof t);
	t.lead_id = id;
	t.stage = (char *)stage;
	t.channel = (char *)channel;
	t.due = at(due);
	t.note = (char *)note;
	if (store_touch_insert(st, &t, &err) != STORE_OK)
		fail_msg("%s", err);
}

/* the digest of a day: what is due, with the task's details, escaped */
static void
test_digest_render(void **state)
{
	struct nudge n;
	struct lead l, l2;
	struct buf text, html;
	char *err = NULL, *subject = NULL;
	const char *top = getenv("top_srcdir");

	(void)state;
	memset(&n, 0, sizeof n);
	n.cfg = config_new();
	n.tz = TZ;
	n.rules_dir = xasprintf("%s/rules", top ? top : ".");
	n.templates_dir = xasprintf("%s/templates", top ? top : ".");
	if (store_open(":memory:", &n.st, &err) != STORE_OK)
		fail_msg("%s", err);
	memset(&l, 0, sizeof l);
	l.email = "jo@acme.example";
	l.name = "Jo <Boss> & Co";
	l.phone = "+1 555 0199";
	l.sequence = "12345x";
	l.prior_status = -1;
	l.created = l.updated = at("2026-12-01T08:00Z");
	if (store_lead_insert(n.st, &l, &err) != STORE_OK ||
	    store_note_add(n.st, l.id, at("2026-12-02T08:00Z"), "note",
	                   "met at the expo", NULL, &err) != STORE_OK)
		fail_msg("%s", err);
	planned(n.st, l.id, "2", "email", "2026-12-07T00:00Z", NULL);
	planned(n.st, l.id, "2", "call", "2026-12-04T00:00Z", NULL);
	planned(n.st, l.id, "reply", "reply", "2026-12-07T07:00Z",
	        "Sounds good, call me");
	planned(n.st, l.id, "3", "call", "2026-12-09T00:00Z", NULL);
	/* Jo's email waits while Jo's reply does; Kim's goes */
	memset(&l2, 0, sizeof l2);
	l2.email = "kim@acme.example";
	l2.name = "Kim";
	l2.sequence = "12345x";
	l2.prior_status = -1;
	l2.created = l2.updated = at("2026-12-01T08:00Z");
	if (store_lead_insert(n.st, &l2, &err) != STORE_OK)
		fail_msg("%s", err);
	planned(n.st, l2.id, "2", "email", "2026-12-07T00:00Z", NULL);
	buf_init(&text);
	buf_init(&html);
	assert_int_equal(digest_render(&n, at("2026-12-07T09:00Z"), &subject,
	                               &text, &html, &err),
	                 DIGEST_OK);
	assert_string_equal(subject, "Your day, Monday 2026-12-07: 1 email, "
	                             "1 task by hand, 1 reply to answer");
	assert_non_null(
	    strstr(text.s, "Call Jo <Boss> & Co <jo@acme.example>"));
	assert_non_null(strstr(text.s, "Overdue since 2026-12-04."));
	assert_non_null(strstr(text.s, "Phone: +1 555 0199"));
	assert_non_null(strstr(text.s, "2026-12-02: met at the expo"));
	assert_non_null(strstr(text.s, "Sounds good, call me"));
	assert_null(strstr(text.s, "Stage 3")); /* Wednesday's call */
	assert_non_null(strstr(html.s, "Jo &lt;Boss&gt; &amp; Co"));
	assert_null(strstr(html.s, "<Boss>"));
	buf_free(&text);
	buf_free(&html);
	free(subject);
	store_close(n.st);
	config_free(n.cfg);
	free(n.rules_dir);
	free(n.templates_dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_figures),
	    cmocka_unit_test(test_renderings),
	    cmocka_unit_test(test_review_reply),
	    cmocka_unit_test(test_versions),
	    cmocka_unit_test(test_ics_text),
	    cmocka_unit_test(test_ics_fold),
	    cmocka_unit_test(test_digest_render),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
