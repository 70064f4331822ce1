/* test_lifecycle - the transition table and what a reply leads to */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "classify.h"
#include "clock.h"
#include "lifecycle.h"
#include "store.h"
#include "xalloc.h"

#define TZ "America/Denver"

static char *
srcpath(const char *rel)
{
	const char *top = getenv("top_srcdir");

	return xasprintf("%s/%s", top ? top : ".", rel);
}

static void
setup_nudge(struct nudge *n)
{
	char *err = NULL;

	memset(n, 0, sizeof *n);
	n->cfg = config_new();
	n->tz = TZ;
	n->rules_dir = srcpath("rules");
	n->templates_dir = srcpath("templates");
	if (store_open(":memory:", &n->st, &err) != STORE_OK)
		fail_msg("%s", err);
	if (window_parse("Mon-Fri 08:30-17:00", &n->win, &err) != 0)
		fail_msg("%s", err);
}

static time_t
at(const char *iso)
{
	time_t t;

	if (clock_parse_iso(iso, TZ, &t, NULL) != CLOCK_OK)
		fail_msg("bad time %s", iso);
	return t;
}

static struct lead *
new_lead(struct nudge *n, const char *email, time_t now)
{
	struct lead *l = xcalloc(1, sizeof *l);
	char *err = NULL;

	l->email = xstrdup(email);
	l->status = LEAD_ACTIVE;
	l->prior_status = -1;
	l->created = l->updated = now;
	if (store_lead_insert(n->st, l, &err) != STORE_OK ||
	    lc_enroll(n, l, now, &err) != LC_OK)
		fail_msg("%s", err);
	return l;
}

struct counts {
	int open, email_open, reply_open;
};

static int
count_open(const struct touch *t, const struct lead *l, void *arg)
{
	struct counts *c = arg;

	(void)l;
	if (t->state != TOUCH_PLANNED)
		return 0;
	c->open++;
	if (strcmp(t->channel, "email") == 0)
		c->email_open++;
	if (strcmp(t->channel, "reply") == 0)
		c->reply_open++;
	return 0;
}

static struct counts
open_touches(struct nudge *n, const struct lead *l)
{
	struct counts c = {0, 0, 0};

	assert_int_equal(store_touch_list_lead(n->st, l->id, count_open, &c,
	                     NULL),
	                 STORE_OK);
	return c;
}

/* The table, row by row: from -> the statuses it may become.  Written out
 * here on purpose: a change to lifecycle.c's table must change this too. */
static const char *const table[LEAD__COUNT] = {
    [LEAD_ACTIVE] = "paused engaged bounced unsubscribed retired snoozed "
                    "review won lost",
    [LEAD_PAUSED] = "active engaged bounced unsubscribed retired snoozed "
                    "review won lost",
    [LEAD_ENGAGED] = "active paused bounced unsubscribed retired snoozed "
                     "review won lost",
    [LEAD_SNOOZED] = "active engaged bounced unsubscribed retired review "
                     "won lost",
    [LEAD_REVIEW] = "active paused engaged bounced unsubscribed retired "
                    "snoozed won lost",
    [LEAD_WON] = "active engaged bounced unsubscribed retired lost",
    [LEAD_LOST] = "active engaged bounced unsubscribed retired won",
    [LEAD_RETIRED] = "active engaged bounced unsubscribed won lost",
    [LEAD_BOUNCED] = "",
    [LEAD_UNSUBSCRIBED] = "",
};

static int
listed(const char *row, const char *name)
{
	size_t k = strlen(name);

	for (const char *p = row; (p = strstr(p, name)) != NULL; p += k)
		if ((p == row || p[-1] == ' ') && (p[k] == ' ' || p[k] == '\0'))
			return 1;
	return 0;
}

static void
test_table(void **state)
{
	(void)state;
	for (int from = 0; from < LEAD__COUNT; from++)
		for (int to = 0; to < LEAD__COUNT; to++) {
			int want = from == to ||
			           listed(table[from], lead_status_name(to));
			if (lc_can_enter(from, to) != want)
				fail_msg("%s -> %s: got %d, want %d",
				         lead_status_name(from),
				         lead_status_name(to),
				         lc_can_enter(from, to), want);
		}
	assert_false(lc_can_enter(-1, LEAD_ACTIVE));
	assert_false(lc_can_enter(LEAD_ACTIVE, LEAD__COUNT));
	for (int s = 0; s < LEAD__COUNT; s++) {
		assert_int_equal(lead_status_parse(lead_status_name(s)), s);
		assert_int_equal(lc_sending(s),
		                 s == LEAD_ACTIVE || s == LEAD_ENGAGED);
	}
	assert_int_equal(lead_status_parse("happy"), -1);
}

/* every transition through lc_enter on a real lead: the allowed ones land
 * and write the timeline, the refused ones change nothing */
static void
test_enter_walk(void **state)
{
	struct nudge n;
	time_t now = at("2026-12-01T09:00");
	char *err = NULL, email[64];

	(void)state;
	setup_nudge(&n);
	for (int from = 0; from < LEAD__COUNT; from++)
		for (int to = 0; to < LEAD__COUNT; to++) {
			struct lead *l, *got;
			int rc;

			snprintf(email, sizeof email, "l%d-%d@x.example", from,
			         to);
			l = new_lead(&n, email, now);
			l->status = from; /* put there directly */
			assert_int_equal(store_lead_update(n.st, l, NULL),
			                 STORE_OK);
			rc = lc_enter(&n, l, to, now, "test", NULL, &err);
			if (lc_can_enter(from, to)) {
				assert_int_equal(rc, LC_OK);
				assert_int_equal(l->status, to);
			} else {
				assert_int_equal(rc, LC_ESTATE);
				assert_non_null(strstr(err, "cannot become"));
				free(err);
				err = NULL;
				assert_int_equal(l->status, from);
			}
			assert_int_equal(store_lead_get_id(n.st, l->id, &got,
			                     NULL),
			                 STORE_OK);
			assert_int_equal(got->status, l->status);
			lead_free(got);
			lead_free(l);
		}
	lc_free(&n);
}

static void
test_suppress_and_skip(void **state)
{
	struct nudge n;
	time_t now = at("2026-12-01T09:00");
	struct lead *l;
	char *err = NULL;
	int yes = 0;

	(void)state;
	setup_nudge(&n);
	l = new_lead(&n, "u@x.example", now);
	assert_true(open_touches(&n, l).email_open == 1);
	/* paused and held keep the open touches; unsubscribed skips them */
	assert_int_equal(lc_hold(&n, l, now, "unsure", NULL, &err), LC_OK);
	assert_int_equal(l->prior_status, LEAD_ACTIVE);
	assert_true(open_touches(&n, l).email_open == 1);
	assert_int_equal(lc_resume(&n, l, now, "decided", &err), LC_OK);
	assert_int_equal(l->status, LEAD_ACTIVE);
	assert_int_equal(lc_enter(&n, l, LEAD_UNSUBSCRIBED, now, "stop", NULL,
	                     &err),
	                 LC_OK);
	assert_int_equal(open_touches(&n, l).open, 0);
	assert_int_equal(store_is_suppressed(n.st, "U@x.example", &yes, NULL,
	                     NULL),
	                 STORE_OK);
	assert_true(yes);
	/* nothing brings a suppressed address back */
	assert_int_equal(lc_enroll_in(&n, l, "12345x", now, NULL, NULL, &err),
	                 LC_ESTATE);
	free(err);
	lead_free(l);
	lc_free(&n);
}

static void
test_reply_intents(void **state)
{
	struct nudge n;
	time_t now = at("2026-12-01T09:00");
	struct lead *l;
	char *err = NULL;
	int march = 0, yes = 0;

	(void)state;
	setup_nudge(&n);

	/* interested: engaged, in after-contact, never retired, a reply task */
	l = new_lead(&n, "yes@x.example", now);
	assert_int_equal(lc_reply(&n, l, INTENT_INTERESTED, -1, "let's talk",
	                     now, "replied", "rule:x", NULL, &err),
	                 LC_OK);
	assert_int_equal(l->status, LEAD_ENGAGED);
	assert_string_equal(l->sequence, "after-contact");
	assert_true(l->next_due > now);
	assert_int_equal(open_touches(&n, l).reply_open, 1);
	/* a logged touch answers the reply task */
	assert_int_equal(lc_log_touch(&n, l, "email", now + 60, NULL, NULL, 0,
	                     NULL, &err),
	                 LC_OK);
	assert_int_equal(open_touches(&n, l).reply_open, 0);
	/* walking the whole after-contact sequence leads on to nurture */
	for (int i = 0; i < 3; i++)
		assert_int_equal(lc_stage_done(&n, l, l->next_due + 3600,
		                     "sent", &err),
		                 LC_OK);
	assert_int_equal(l->status, LEAD_ENGAGED);
	assert_string_equal(l->sequence, "nurture");
	for (int i = 0; i < 12; i++)
		assert_int_equal(lc_stage_done(&n, l, l->next_due + 3600,
		                     "sent", &err),
		                 LC_OK);
	assert_int_equal(l->status, LEAD_ENGAGED); /* never retired */
	lead_free(l);

	/* later, with a date: snoozed until then, then reopen */
	l = new_lead(&n, "later@x.example", now);
	assert_int_equal(clock_parse_date("2027-03-01", &march), CLOCK_OK);
	assert_int_equal(lc_reply(&n, l, INTENT_LATER, march, "try me in March",
	                     now, "replied", NULL, NULL, &err),
	                 LC_OK);
	assert_int_equal(l->status, LEAD_SNOOZED);
	assert_int_equal(open_touches(&n, l).email_open, 0);
	assert_int_equal(lc_resume_due(&n, at("2027-02-27T09:00"), NULL, &err),
	                 LC_OK);
	lead_free(l);
	assert_int_equal(store_lead_get_email(n.st, "later@x.example", &l,
	                     NULL),
	                 STORE_OK);
	assert_int_equal(l->status, LEAD_SNOOZED);
	assert_int_equal(lc_resume_due(&n, at("2027-03-01T09:00"), NULL, &err),
	                 LC_OK);
	lead_free(l);
	assert_int_equal(store_lead_get_email(n.st, "later@x.example", &l,
	                     NULL),
	                 STORE_OK);
	assert_int_equal(l->status, LEAD_ENGAGED);
	assert_string_equal(l->sequence, "reopen");
	assert_int_equal(open_touches(&n, l).email_open, 1);
	lead_free(l);

	/* later without a date: snooze_days */
	l = new_lead(&n, "later2@x.example", now);
	assert_int_equal(lc_reply(&n, l, INTENT_LATER, -1, "not now", now,
	                     "replied", NULL, NULL, &err),
	                 LC_OK);
	assert_int_equal(l->status, LEAD_SNOOZED);
	assert_true(l->paused_until >= now + 89 * 86400);
	lead_free(l);

	/* not a fit: slow nurture, no thank-you */
	l = new_lead(&n, "nofit@x.example", now);
	assert_int_equal(lc_reply(&n, l, INTENT_NOT_FIT, -1, "not a fit", now,
	                     "replied", NULL, NULL, &err),
	                 LC_OK);
	assert_int_equal(l->status, LEAD_ENGAGED);
	assert_string_equal(l->sequence, "nurture-slow");
	lead_free(l);

	/* stop: suppressed, no task */
	l = new_lead(&n, "stop@x.example", now);
	assert_int_equal(lc_reply(&n, l, INTENT_STOP, -1, "no thanks", now,
	                     "replied", NULL, NULL, &err),
	                 LC_OK);
	assert_int_equal(l->status, LEAD_UNSUBSCRIBED);
	assert_int_equal(open_touches(&n, l).open, 0);
	assert_int_equal(store_is_suppressed(n.st, l->email, &yes, NULL, NULL),
	                 STORE_OK);
	assert_true(yes);
	lead_free(l);

	/* unclear: engaged, nothing sent, the salesperson answers */
	l = new_lead(&n, "what@x.example", now);
	assert_int_equal(lc_reply(&n, l, INTENT_UNCLEAR, -1, "hm?", now,
	                     "replied", NULL, NULL, &err),
	                 LC_OK);
	assert_int_equal(l->status, LEAD_ENGAGED);
	assert_int_equal(open_touches(&n, l).email_open, 0);
	assert_int_equal(open_touches(&n, l).reply_open, 1);
	/* resume puts an engaged lead with nothing planned on nurture */
	assert_int_equal(lc_resume(&n, l, now, "by hand", &err), LC_OK);
	assert_string_equal(l->sequence, "nurture");
	lead_free(l);
	lc_free(&n);
}

/* after_contact none: contact made stops the cold sequence and plans
 * nothing more */
static void
test_contact_without_after_contact(void **state)
{
	struct nudge n;
	time_t now = at("2026-12-01T09:00");
	struct lead *l;
	char *err = NULL;

	(void)state;
	setup_nudge(&n);
	assert_int_equal(config_set(n.cfg, "after_contact", "none", &err),
	                 CONFIG_OK);
	l = new_lead(&n, "c@x.example", now);
	assert_int_equal(open_touches(&n, l).email_open, 1);
	assert_int_equal(lc_contact_made(&n, l, now, "call", NULL, &err),
	                 LC_OK);
	assert_int_equal(l->status, LEAD_ENGAGED);
	assert_int_equal(open_touches(&n, l).email_open, 0);
	assert_int_equal(l->next_due, 0);
	lead_free(l);
	lc_free(&n);
}

/* the touch table, written out: every allowed and every refused move */
static void
test_touch_table(void **state)
{
	static const char *const row[TOUCH__COUNT] = {
	    [TOUCH_PLANNED] = "held sending done skipped missed",
	    [TOUCH_HELD] = "planned sending done skipped",
	    [TOUCH_SENDING] = "sent failed unknown planned",
	    [TOUCH_FAILED] = "planned sent",
	    [TOUCH_UNKNOWN] = "planned sent",
	    [TOUCH_SENT] = "",
	    [TOUCH_DONE] = "",
	    [TOUCH_MISSED] = "",
	    [TOUCH_SKIPPED] = "",
	};
	struct touch t;

	(void)state;
	memset(&t, 0, sizeof t);
	t.stage = "1";
	t.channel = "email";
	for (int from = 0; from < TOUCH__COUNT; from++)
		for (int to = 0; to < TOUCH__COUNT; to++) {
			int want = from == to ||
			           listed(row[from], touch_state_name(to));
			if (lc_touch_can(from, to) != want)
				fail_msg("touch %s -> %s: got %d, want %d",
				         touch_state_name(from),
				         touch_state_name(to),
				         lc_touch_can(from, to), want);
			t.state = from;
			assert_int_equal(lc_touch_enter(&t, to), want ? 0 : -1);
			assert_int_equal(t.state, want ? to : from);
		}
	for (int s = 0; s < TOUCH__COUNT; s++)
		assert_int_equal(touch_state_parse(touch_state_name(s)), s);
	assert_int_equal(touch_state_parse("lost"), -1);
}

static void
test_snooze_cold_and_won(void **state)
{
	struct nudge n;
	time_t now = at("2026-12-01T09:00");
	struct lead *l;
	char *err = NULL;
	int day = 0;

	(void)state;
	setup_nudge(&n);
	l = new_lead(&n, "cold@x.example", now);
	assert_int_equal(lc_stage_done(&n, l, now + 3600, "sent", &err), LC_OK);
	assert_int_equal(l->step, 1);
	assert_int_equal(clock_parse_date("2027-01-11", &day), CLOCK_OK);
	assert_int_equal(lc_snooze(&n, l, day, now, "by hand", NULL, &err),
	                 LC_OK);
	assert_int_equal(l->prior_status, LEAD_ACTIVE);
	assert_int_equal(lc_wake(&n, l, at("2027-01-11T08:00"), "woke", &err),
	                 LC_OK);
	/* a cold lead snoozed by hand goes on at its stage */
	assert_int_equal(l->status, LEAD_ACTIVE);
	assert_string_equal(l->sequence, "12345x");
	assert_int_equal(l->step, 1);
	assert_int_equal(open_touches(&n, l).email_open, 1);
	assert_int_equal(lc_enter(&n, l, LEAD_WON, now, "bought", NULL, &err),
	                 LC_OK);
	assert_int_equal(open_touches(&n, l).open, 0);
	assert_int_equal(lc_enroll_in(&n, l, "nurture", now, "customer care",
	                     NULL, &err),
	                 LC_OK);
	assert_int_equal(l->status, LEAD_ENGAGED);
	lead_free(l);
	lc_free(&n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_touch_table),
	    cmocka_unit_test(test_enter_walk),
	    cmocka_unit_test(test_suppress_and_skip),
	    cmocka_unit_test(test_reply_intents),
	    cmocka_unit_test(test_snooze_cold_and_won),
	    cmocka_unit_test(test_contact_without_after_contact),
	};

	clock_set(at("2026-12-01T09:00"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
