/* react - see react.h */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cadence.h"
#include "clock.h"
#include "log.h"
#include "react.h"
#include "store.h"
#include "template.h"
#include "xalloc.h"

static int
lc_rc(int rc)
{
	if (rc == LC_OK)
		return AGENT_OK;
	return rc == LC_EDB ? AGENT_EDB : AGENT_ECONFIG;
}

static int
db_rc(int rc, char *err, char **errstr)
{
	if (rc == STORE_OK)
		return AGENT_OK;
	*errstr = err ? err : xstrdup("database error");
	return AGENT_EDB;
}

/* oneline: s with line breaks and tabs as spaces, cut to fit buf. */
static const char *
oneline(const char *s, char *buf, size_t len)
{
	size_t i = 0;

	if (s == NULL)
		return "";
	for (; *s && i + 1 < len; s++)
		buf[i++] = (*s == '\n' || *s == '\r' || *s == '\t') ? ' ' : *s;
	buf[i] = '\0';
	return buf;
}

static void
day_iso(int day, char *buf, size_t len)
{
	int y, m, d;

	clock_civil_from_day(day, &y, &m, &d);
	snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
}

/* held: the message is put up for review with nudge's guess; with hold, a
 * lead that can be held (it is sent to, or paused) is held until the
 * salesperson decides; otherwise it only gets the review entry. */
static int
held(struct nudge *n, struct lead *l, const struct reaction *x,
    const char *guess, int day, const char *why, int hold, time_t now,
    struct agent_report *r, char **errstr)
{
	const struct classification *cl = x->cl;
	struct review rv;
	char *err = NULL, *detail;
	int rc;

	memset(&rv, 0, sizeof rv);
	rv.lead_id = l ? l->id : 0;
	rv.at = now;
	rv.message_id = (char *)x->message_id;
	rv.sender = (char *)x->sender;
	rv.subject = (char *)x->subject;
	rv.guess = (char *)guess;
	rv.intent = cl->intent != INTENT_NONE
	    ? (char *)classify_intent_name(cl->intent)
	    : NULL;
	rv.signal = cl->signal ? cl->signal : cl->rule;
	rv.why = (char *)why;
	rv.text = cl->reply_text;
	rv.day = day;
	if ((rc = store_review_add(n->st, &rv, &err)) != STORE_OK)
		return db_rc(rc, err, errstr);
	if (r)
		r->reviews++;
	if (l == NULL)
		return AGENT_OK;
	detail = xasprintf("review %lld: %s (nudge's guess: %s)",
	    (long long)rv.id, why, guess);
	if (hold && (lc_sending(l->status) || l->status == LEAD_PAUSED)) {
		rc = lc_hold(n, l, now, detail, x->message_id, errstr);
		free(detail);
		log_info("%s: held for review: %s", l->email, why);
		return lc_rc(rc);
	}
	rc = store_event_add(n->st, l->id, now, "review", detail,
	    x->message_id, &err);
	free(detail);
	return db_rc(rc, err, errstr);
}

/* ---- a bare answer to a template's numbered choices */

/* answer_intent: the intent the answered template gives to the bare
 * choice number, or INTENT_NONE.  The answered email is the one the reply's
 * In-Reply-To names, else the lead's last one sent.  *rule gets a
 * description (malloc'd) when an intent is found. */
static int
answer_intent(struct nudge *n, const struct lead *l, const struct reaction *x,
    char **rule)
{
	struct touch *t = NULL;
	struct template *tpl = NULL;
	const char *name;
	char *path, *err = NULL;
	int intent = INTENT_NONE;

	if (x->in_reply_to == NULL ||
	    store_touch_by_message_id(n->st, x->in_reply_to, &t, NULL) !=
		STORE_OK ||
	    t->lead_id != l->id) {
		touch_free(t);
		t = NULL;
		if (store_touch_last_sent(n->st, l->id, &t, NULL) != STORE_OK)
			return INTENT_NONE;
	}
	path = lc_template_path(n, l->sequence, t->stage, "email");
	if (template_load(path, &tpl, &err) == TEMPLATE_OK &&
	    (name = template_answer(tpl, x->cl->answer)) != NULL &&
	    (intent = classify_intent_parse(name)) > 0)
		*rule = xasprintf("answer %d to the stage %s email (%s)",
		    x->cl->answer, t->stage, path);
	else
		intent = INTENT_NONE;
	free(err);
	free(path);
	template_free(tpl);
	touch_free(t);
	return intent;
}

/* ---- referrals: the people a reply names */

static int
add_referral(struct nudge *n, struct lead *from, const char *addr,
    const char *text, time_t now, char **errstr)
{
	struct lead nl, *have = NULL;
	char *err = NULL, *note, *at;
	int rc, yes = 0;

	if (store_lead_get_email(n->st, addr, &have, NULL) == STORE_OK) {
		note = xasprintf("%s named %s in a reply; already a lead (%s)",
		    from->email, addr, lead_status_name(have->status));
		lead_free(have);
		rc = store_event_add(n->st, from->id, now, "referral", note,
		    NULL, &err);
		free(note);
		return db_rc(rc, err, errstr);
	}
	if ((rc = store_is_suppressed(n->st, addr, &yes, NULL, &err)))
		return db_rc(rc, err, errstr);
	if (yes)
		return AGENT_OK;
	memset(&nl, 0, sizeof nl);
	nl.email = (char *)addr;
	at = strrchr(addr, '@');
	nl.domain = at ? at + 1 : NULL;
	nl.company = from->company;
	nl.tz = from->tz;
	nl.source = from->email;
	nl.status = LEAD_ACTIVE;
	nl.prior_status = -1;
	nl.sequence = n->cfg && n->cfg->sequence ? n->cfg->sequence : NULL;
	nl.created = nl.updated = now;
	if ((rc = store_lead_insert(n->st, &nl, &err)) != STORE_OK)
		return db_rc(rc, err, errstr);
	note = xasprintf("referred by %s: %s", from->email, text ? text : "");
	rc = store_note_add(n->st, nl.id, now, "note", note, NULL, &err);
	free(note);
	if (rc == STORE_OK) {
		note = xasprintf("new lead from a referral by %s", from->email);
		rc = store_event_add(n->st, nl.id, now, "referral", note, NULL,
		    &err);
		free(note);
	}
	if (rc == STORE_OK) {
		note = xasprintf("named %s: added as a lead", addr);
		rc = store_event_add(n->st, from->id, now, "referral", note,
		    NULL, &err);
		free(note);
	}
	if (rc != STORE_OK)
		return db_rc(rc, err, errstr);
	nl.sequence = nl.sequence ? xstrdup(nl.sequence) : NULL;
	rc = lc_enroll(n, &nl, now, errstr);
	free(nl.sequence);
	log_info("%s named %s: added as a lead", from->email, addr);
	return lc_rc(rc);
}

/* ---- soft bounces */

/* soft_bounces: count this one and return how many the lead has had. */
static int
soft_bounces(struct nudge *n, int64_t lead_id)
{
	char key[64], val[16], *v = NULL;
	int k = 0;

	snprintf(key, sizeof key, "soft_bounces:%lld", (long long)lead_id);
	if (store_meta_get(n->st, key, &v, NULL) == STORE_OK)
		k = atoi(v);
	free(v);
	snprintf(val, sizeof val, "%d", ++k);
	store_meta_set(n->st, key, val, NULL);
	return k;
}

struct pending {
	const char *stage;
	int found;
};

static int
pending_cb(const struct touch *t, const struct lead *lead, void *arg)
{
	struct pending *p = arg;

	(void)lead;
	if (strcmp(t->channel, "email") == 0 && strcmp(t->stage, p->stage) == 0 &&
	    (t->state == TOUCH_PLANNED || t->state == TOUCH_HELD))
		p->found = 1;
	return 0;
}

/*
 * soft_resend: the lead's last email did not arrive for a passing reason
 * (mailbox full, greylisted, host down): send its stage again after 1, 2, 4
 * ... days (at most a week), as a new touch rendered afresh.  Once per
 * bounce, never while a copy of that stage is still waiting.  The sequence
 * does not move when it goes (outbox: a late stage does not advance).
 */
static int
soft_resend(struct nudge *n, struct lead *l, int count, time_t now,
    char **errstr)
{
	struct touch *last = NULL, t;
	struct pending p;
	char *err = NULL, when[40];
	int rc, days = count >= 4 ? 7 : 1 << (count - 1);

	rc = store_touch_last_sent(n->st, l->id, &last, &err);
	if (rc == STORE_ENOTFOUND) {
		free(err);
		return AGENT_OK; /* nothing of ours to send again */
	}
	if (rc != STORE_OK)
		return db_rc(rc, err, errstr);
	p.stage = last->stage;
	p.found = 0;
	rc = store_touch_list_lead(n->st, l->id, pending_cb, &p, &err);
	if (rc == STORE_OK && !p.found) {
		memset(&t, 0, sizeof t);
		t.lead_id = l->id;
		t.stage = last->stage;
		t.channel = "email";
		t.due = now + (time_t)days * 86400;
		t.state = TOUCH_PLANNED;
		t.note = xasprintf("sent again after soft bounce %d", count);
		rc = store_touch_insert(n->st, &t, &err);
		free(t.note);
		if (rc == STORE_OK) {
			clock_format_iso(t.due, n->tz, when, sizeof when);
			t.note = xasprintf("stage %s email to be sent again "
					   "on %.10s (soft bounce %d of %d)",
			    last->stage, when, count,
			    n->cfg->soft_bounce_retries);
			rc = store_event_add(n->st, l->id, now, "planned",
			    t.note, NULL, &err);
			log_info("%s: %s", l->email, t.note);
			free(t.note);
		}
	}
	touch_free(last);
	return rc == STORE_OK ? AGENT_OK : db_rc(rc, err, errstr);
}

/* ---- one reaction per class */

static int
on_reply(struct nudge *n, struct lead *l, const struct reaction *x,
    time_t now, struct agent_report *r, char **errstr)
{
	const struct classification *cl = x->cl;
	char *rule = NULL, *why, line[200];
	int intent = cl->intent, rc;

	if (r)
		r->replies++;
	if (l->status == LEAD_BOUNCED || l->status == LEAD_UNSUBSCRIBED)
		return AGENT_OK; /* suppressed: the note is kept, nothing else */
	if (cl->answer > 0) {
		int a = answer_intent(n, l, x, &rule);
		if (a != INTENT_NONE)
			intent = a;
	}
	if (cl->review && rule == NULL)
		return held(n, l, x, "human_reply", cl->intent_day,
		    cl->review_why ? cl->review_why : "unsure what it asks", 1,
		    now, r, errstr);
	if (l->status == LEAD_WON)
		return lc_rc(lc_reply_task(n, l, cl->reply_text, now, errstr));
	if (intent == INTENT_NONE)
		intent = INTENT_UNCLEAR;
	why = xasprintf("replied: \"%s\"", oneline(x->subject, line, sizeof line));
	rc = lc_reply(n, l, intent, cl->intent_day, cl->reply_text, now, why,
	    rule ? rule : cl->intent_rule, x->message_id, errstr);
	free(why);
	free(rule);
	log_info("%s replied (%s): now %s", l->email,
	    classify_intent_name(intent), lead_status_name(l->status));
	if (rc != LC_OK)
		return lc_rc(rc);
	if (intent == INTENT_REFERRAL)
		for (size_t i = 0; i < cl->nreferrals; i++)
			if (strcasecmp(cl->referrals[i], l->email) != 0 &&
			    (rc = add_referral(n, l, cl->referrals[i],
				 cl->reply_text, now, errstr)) != AGENT_OK)
				return rc;
	return AGENT_OK;
}

static int
on_auto_reply(struct nudge *n, struct lead *l, const struct reaction *x,
    time_t now, struct agent_report *r, char **errstr)
{
	const struct classification *cl = x->cl;
	int today = clock_day_of(now, n->tz), resume, cap, rc, capped = 0;
	char d[16], *why;

	if (r)
		r->auto_replies++;
	if (!lc_sending(l->status) && l->status != LEAD_PAUSED)
		return AGENT_OK;
	if (cl->return_day >= 0)
		resume = cadence_next_business_day(lc_holidays(n, l), cl->return_day);
	else
		resume = cadence_add_business_days(lc_holidays(n, l), today,
		    n->cfg->ooo_pause_days);
	if (resume <= today)
		return AGENT_OK; /* back already */
	cap = today + n->cfg->ooo_max_pause;
	if (cl->return_day >= 0) {
		day_iso(cl->return_day, d, sizeof d);
		why = xasprintf("out of office, back %s", d);
	} else
		why = xasprintf("out of office, no return date: pausing %d "
				"business days",
		    n->cfg->ooo_pause_days);
	if (resume > cap) {
		char *w2;
		resume = cadence_next_business_day(lc_holidays(n, l), cap);
		w2 = xasprintf("%s: more than %d days away, paused for %d "
			       "days only",
		    why, n->cfg->ooo_max_pause, n->cfg->ooo_max_pause);
		free(why);
		why = w2;
		capped = 1;
	}
	rc = lc_pause(n, l, resume, now, why, x->message_id, errstr);
	log_info("%s: %s", l->email, why);
	free(why);
	if (rc != LC_OK)
		return lc_rc(rc);
	if (!capped && !cl->review)
		return AGENT_OK;
	/* the pause stands; the salesperson is asked to check it */
	why = xasprintf("check the pause: %s",
	    cl->review ? (cl->review_why ? cl->review_why : "unsure")
		       : "a long absence, capped by ooo_max_pause");
	rc = held(n, l, x, "auto_reply", cl->return_day, why, 0, now, r,
	    errstr);
	free(why);
	return rc;
}

/* trusted_bounce: does this report cite nudge's own mail, or name a lead
 * nudge mailed recently?  *why gets a description. */
static int
trusted_bounce(struct nudge *n, const struct lead *l, const struct reaction *x,
    time_t now, const char **why)
{
	const char *rule = x->match_rule ? x->match_rule : "";
	int yes = 0;

	if (strcmp(rule, "returned-message-id") == 0 ||
	    strcmp(rule, "in-reply-to") == 0 || strcmp(rule, "references") == 0) {
		*why = "it cites a message nudge sent";
		return 1;
	}
	if (x->cites_other) {
		*why = NULL; /* it cites a message, and not one of ours */
		return 0;
	}
	if (store_lead_mailed_since(n->st, l->id,
		now - (time_t)n->cfg->bounce_window * 86400, &yes, NULL) ==
		STORE_OK &&
	    yes) {
		*why = "nudge mailed this address recently";
		return 1;
	}
	*why = NULL;
	return 0;
}

static int
on_bounce(struct nudge *n, struct lead *l, const struct reaction *x,
    time_t now, struct agent_report *r, char **errstr)
{
	const struct classification *cl = x->cl;
	const char *trust = NULL;
	char *why, line[200], *err = NULL;
	int rc = LC_OK, count;

	if (r)
		r->bounces++;
	if (l->status == LEAD_BOUNCED || l->status == LEAD_UNSUBSCRIBED)
		return AGENT_OK;
	if (cl->cls == CLS_BOUNCE_HARD) {
		if (!trusted_bounce(n, l, x, now, &trust)) {
			why = x->cites_other
			    ? xasprintf("a hard bounce%s%s about a message "
					"nudge never sent: forged or "
					"misdirected? the lead goes on",
				  cl->status ? " " : "",
				  cl->status ? cl->status : "")
			    : xasprintf("a hard bounce%s%s that cites no "
					"message nudge sent, for an address "
					"not mailed in %d days: forged or "
					"stale? the lead goes on",
				  cl->status ? " " : "",
				  cl->status ? cl->status : "",
				  n->cfg->bounce_window);
			rc = held(n, l, x, "bounce_hard", -1, why, 0, now, r,
			    errstr);
			free(why);
			return rc;
		}
		why = xasprintf("hard bounce%s%s%s%s (%s)",
		    cl->status ? " " : "", cl->status ? cl->status : "",
		    cl->diagnostic ? ": " : "",
		    cl->diagnostic ? oneline(cl->diagnostic, line, sizeof line)
				   : "",
		    trust);
		rc = lc_enter(n, l, LEAD_BOUNCED, now, why, x->message_id,
		    errstr);
		log_info("%s: %s", l->email, why);
		free(why);
		return lc_rc(rc);
	}
	/* a soft bounce counts only when it can be trusted, as a hard one:
	 * otherwise a few forged reports would retire the lead */
	if (!trusted_bounce(n, l, x, now, &trust)) {
		why = xasprintf("a soft bounce%s%s that %s: not counted, the "
				"lead goes on",
		    cl->status ? " " : "", cl->status ? cl->status : "",
		    x->cites_other ? "cites a message nudge never sent"
				   : "cites no message nudge sent, for an "
				     "address not mailed recently");
		rc = store_event_add(n->st, l->id, now, "bounce", why,
		    x->message_id, &err);
		log_info("%s: %s", l->email, why);
		free(why);
		return rc == STORE_OK ? AGENT_OK : db_rc(rc, err, errstr);
	}
	count = soft_bounces(n, l->id);
	why = xasprintf("soft bounce %d of %d%s%s", count,
	    n->cfg->soft_bounce_retries, cl->status ? ": " : "",
	    cl->status ? cl->status : "");
	rc = store_event_add(n->st, l->id, now, "bounce", why, x->message_id,
	    &err);
	free(why);
	if (rc != STORE_OK)
		return db_rc(rc, err, errstr);
	if (count < n->cfg->soft_bounce_retries)
		return soft_resend(n, l, count, now, errstr);
	if (!lc_can_enter(l->status, LEAD_RETIRED))
		return AGENT_OK;
	why = xasprintf("retired after %d soft bounces (last: %s%s%s): check "
			"the address, then 'nudge lead enroll'",
	    count, cl->status ? cl->status : "no status",
	    cl->diagnostic ? " " : "",
	    cl->diagnostic ? oneline(cl->diagnostic, line, sizeof line) : "");
	rc = lc_enter(n, l, LEAD_RETIRED, now, why, x->message_id, errstr);
	log_info("%s: %s", l->email, why);
	free(why);
	return lc_rc(rc);
}

/* own_match: the message was matched by the lead's own address or thread,
 * not only by its domain. */
static int
own_match(const struct reaction *x)
{
	const char *r = x->match_rule ? x->match_rule : "";

	return strcmp(r, "same-domain") != 0 && *r != '\0';
}

int
react(struct nudge *n, struct lead *l, const struct reaction *x, time_t now,
    struct agent_report *r, char **errstr)
{
	const struct classification *cl = x->cl;
	char *why, *err = NULL;
	int rc;

	why = xasprintf("%s (%s; matched by %s: %s)%s%s",
	    classify_class_name(cl->cls), cl->rule ? cl->rule : "-",
	    x->match_rule ? x->match_rule : "-",
	    x->match_why ? x->match_why : "", cl->signal ? " signal " : "",
	    cl->signal ? cl->signal : "");
	rc = store_event_add(n->st, l->id, now, "message", why, x->message_id,
	    &err);
	free(why);
	if (rc != STORE_OK)
		return db_rc(rc, err, errstr);
	if (cl->cls == CLS_HUMAN_REPLY) {
		rc = store_note_add(n->st, l->id, now, "reply",
		    cl->reply_text && *cl->reply_text
			? cl->reply_text
			: "(a reply with no new text)",
		    NULL, &err);
		if (rc != STORE_OK)
			return db_rc(rc, err, errstr);
	}
	switch (cl->cls) {
	case CLS_HUMAN_REPLY:
		return on_reply(n, l, x, now, r, errstr);
	case CLS_AUTO_REPLY:
		return on_auto_reply(n, l, x, now, r, errstr);
	case CLS_BOUNCE_HARD:
	case CLS_BOUNCE_SOFT:
		return on_bounce(n, l, x, now, r, errstr);
	case CLS_UNSUBSCRIBE:
		if (r)
			r->unsubscribes++;
		if (l->status == LEAD_UNSUBSCRIBED || l->status == LEAD_BOUNCED)
			return AGENT_OK;
		if (cl->review)
			return held(n, l, x, "unsubscribe", -1,
			    cl->review_why ? cl->review_why
					   : "an unclear request to stop",
			    1, now, r, errstr);
		rc = lc_enter(n, l, LEAD_UNSUBSCRIBED, now,
		    "asked to unsubscribe", x->message_id, errstr);
		log_info("%s asked to unsubscribe: suppressed", l->email);
		return lc_rc(rc);
	case CLS_ENGAGEMENT:
		if (r)
			r->others++;
		if (!own_match(x) ||
		    (!lc_sending(l->status) && l->status != LEAD_PAUSED &&
			l->status != LEAD_SNOOZED))
			return AGENT_OK;
		why = xasprintf("%s from the lead: was contact made? (nudge "
				"review ID engagement = yes, other = no)",
		    cl->signal ? cl->signal : "an engagement signal");
		rc = held(n, l, x, "engagement", -1, why, 1, now, r, errstr);
		free(why);
		return rc;
	default:
		if (r)
			r->others++;
		if (cl->review && own_match(x))
			return held(n, l, x, classify_class_name(cl->cls), -1,
			    cl->review_why ? cl->review_why : "unsure", 1, now,
			    r, errstr);
		return AGENT_OK;
	}
}

/* ---- the salesperson decides */

int
react_decide(struct nudge *n, int64_t id, const char *choice, int until_day,
    time_t now, char **errstr)
{
	struct review *rv = NULL;
	struct lead *l = NULL;
	char *err = NULL, *why = NULL;
	int cls = classify_class_parse(choice), intent = -1, rc = AGENT_OK;
	int open = 0, day;

	if (cls < 0 && (intent = classify_intent_parse(choice)) <= 0) {
		*errstr = xasprintf("unknown decision '%s': want a class "
				    "(human_reply, auto_reply, bounce_hard, "
				    "bounce_soft, unsubscribe, other, "
				    "engagement) or an intent (interested, "
				    "later, not_fit, stop, referral, unclear)",
		    choice);
		return AGENT_ECONFIG;
	}
	if ((rc = store_review_get(n->st, id, &rv, &err)) != STORE_OK) {
		*errstr = err;
		return rc == STORE_ENOTFOUND ? AGENT_ECONFIG : AGENT_EDB;
	}
	if (rv->resolved_at != 0) {
		*errstr = xasprintf("review %lld was decided already (%s)",
		    (long long)id, rv->resolution ? rv->resolution : "?");
		review_free(rv);
		return AGENT_ECONFIG;
	}
	if ((rc = store_review_resolve(n->st, id, choice, now, &err))) {
		review_free(rv);
		return db_rc(rc, err, errstr);
	}
	if (rv->lead_id == 0 ||
	    store_lead_get_id(n->st, rv->lead_id, &l, &err) != STORE_OK) {
		free(err);
		review_free(rv);
		return AGENT_OK;
	}
	why = xasprintf("review %lld decided: %s (nudge guessed %s)",
	    (long long)id, choice, rv->guess);
	if ((rc = store_event_add(n->st, l->id, now, "review", why,
		 rv->message_id, &err)) != STORE_OK) {
		rc = db_rc(rc, err, errstr);
		goto out;
	}
	/* release the lead when this was the last thing holding it */
	if (store_review_count(n->st, l->id, &open, &err) != STORE_OK) {
		rc = db_rc(STORE_EDB, err, errstr);
		goto out;
	}
	if (l->status == LEAD_REVIEW && open == 0 &&
	    (rc = lc_rc(lc_resume(n, l, now, why, errstr))) != AGENT_OK)
		goto out;
	day = until_day >= 0 ? until_day : rv->day;
	if (intent > 0) {
		rc = lc_rc(lc_reply(n, l, intent, day, rv->text, now, why,
		    "the salesperson", rv->message_id, errstr));
		goto out;
	}
	switch (cls) {
	case CLS_HUMAN_REPLY:
		intent = rv->intent ? classify_intent_parse(rv->intent) : -1;
		rc = lc_rc(lc_reply(n, l, intent > 0 ? intent : INTENT_UNCLEAR,
		    day, rv->text, now, why, "the salesperson",
		    rv->message_id, errstr));
		break;
	case CLS_ENGAGEMENT:
		rc = lc_rc(lc_contact_made(n, l, now, why, rv->message_id,
		    errstr));
		break;
	case CLS_AUTO_REPLY:
		if (day < 0)
			day = cadence_add_business_days(lc_holidays(n, l),
			    clock_day_of(now, n->tz), n->cfg->ooo_pause_days);
		else
			day = cadence_next_business_day(lc_holidays(n, l), day);
		if (lc_sending(l->status) || l->status == LEAD_PAUSED)
			rc = lc_rc(lc_pause(n, l, day, now, why,
			    rv->message_id, errstr));
		break;
	case CLS_BOUNCE_HARD:
		rc = lc_rc(lc_enter(n, l, LEAD_BOUNCED, now, why,
		    rv->message_id, errstr));
		break;
	case CLS_UNSUBSCRIBE:
		rc = lc_rc(lc_enter(n, l, LEAD_UNSUBSCRIBED, now, why,
		    rv->message_id, errstr));
		break;
	default: /* other, bounce_soft: nothing more than the release */
		break;
	}
out:
	free(why);
	lead_free(l);
	review_free(rv);
	return rc;
}
