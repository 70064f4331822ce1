/*
 * lifecycle - a lead's way through its sequences: enrolment, stage done, the
 * reply and what it asks for (engaged, snoozed, nurtured, stopped), paused,
 * held for review, resumed, won, lost, retired.  It owns the rules of DESIGN
 * §1-§2 that join the store (rows) and the cadence (dates).
 *
 * The lead's status is an enum lead_status (store.h); it changes only in
 * lc_enter(), which checks the table of allowed transitions (as OpenSMTPD's
 * mta_enter_state does) and writes the change, with its reason and the
 * message or command that caused it, to the lead's timeline.
 *
 * struct nudge is the context every command works in: the loaded configuration,
 * the open store, the salesperson's zone, holidays and window, and a cache of the
 * sequences loaded from the rules directory.
 *
 * None of these functions opens a transaction: the caller wraps a command's
 * changes in store_begin()/store_commit() so that a failure leaves the database
 * as it was.  Errors: LC_OK or LC_E*, *errstr allocated on failure.
 */
#ifndef NUDGE_LIFECYCLE_H
#define NUDGE_LIFECYCLE_H

#include <stddef.h>
#include <time.h>

#include "cadence.h"
#include "config.h"
#include "store.h"

enum {
	LC_OK = 0,
	LC_ECONFIG = 1, /* a sequence or holiday file is missing or broken */
	LC_EDB = 2,	/* the store failed */
	LC_ESTATE = 3,	/* the lead is not in a state that allows this */
};

struct nudge {
	struct config *cfg;
	struct store *st;
	char *config_path;   /* the config file (may not exist) */
	char *db_path;
	char *rules_dir;
	char *templates_dir;
	const char *tz;	     /* the salesperson's zone (NULL = system) */
	struct holidays *hol;
	struct window win;
	struct sequence **seqs; /* loaded on demand */
	size_t nseqs;
	struct lc_hols *hols; /* each lead country's holidays (with the
	                         salesperson's own), loaded on demand */
	size_t nhols;
	int json;
	int verbose;
};

/* lc_sequence: the sequence called name (rules_dir/sequence-NAME.conf), loaded
 * once and kept in n.  LC_ECONFIG with "path:line: ..." when broken. */
int lc_sequence(struct nudge *n, const char *name, const struct sequence **out,
    char **errstr);

/* lc_sending: 1 if mail goes out to a lead in this status (active, engaged). */
int lc_sending(int status);
/* lc_can_enter: 1 if a lead may go from status `from` to `to` (the same
 * status is always allowed: a no-op). */
int lc_can_enter(int from, int to);

/*
 * lc_enter: the one transition function.  Moves l to status `to`, or returns
 * LC_ESTATE ("EMAIL is FROM; it cannot become TO") when the table does not
 * allow it.  Entering paused or review keeps the open touches and remembers
 * the status to return to (prior_status); entering a status that sends
 * nothing (snoozed, won, lost, retired, bounced, unsubscribed) skips them;
 * bounced and unsubscribed suppress the address for ever.  why is the event
 * text, message_id the message that caused it (may be NULL).
 */
int lc_enter(struct nudge *n, struct lead *l, int to, time_t now,
    const char *why, const char *message_id, char **errstr);

/*
 * lc_touch_can: 1 if a touch may go from state `from` to `to` (enum
 * touch_state; the same state is always allowed).  The outbox's machine:
 * planned <-> held, planned|held -> sending -> sent | failed | unknown |
 * planned (a temporary failure, retried); failed|unknown -> planned (sent
 * again on the salesperson's word) or sent (found in Sent, or confirmed);
 * planned|held -> done (logged by hand) or skipped.  sent, done, missed and
 * skipped are final.
 * lc_touch_enter: move t to `to` when allowed and return 0; otherwise
 * leave it, log the refusal (a bug) and return -1.
 */
int lc_touch_can(int from, int to);
int lc_touch_enter(struct touch *t, int to);

/*
 * lc_plan_due: when step l->step of seq falls due for lead l, counted from
 * `from` (the previous touch's done time, or the enrolment): business days
 * in the lead's zone skipping its country's holidays; with vary_times, a
 * time of the lead's day of its own (no two emails of stages 1-5 in the same
 * hour) and monthly steps moved 0-4 business days; a first step that
 * arrives in the last hour of the lead's working week waits for the next
 * working morning.  Deterministic per lead and stage.
 */
time_t lc_plan_due(struct nudge *n, const struct lead *l,
    const struct sequence *seq, time_t from);

/* lc_enroll: put lead l (already inserted) on its sequence at stage 1, due now.
 * l is updated in memory and in the store. */
int lc_enroll(struct nudge *n, struct lead *l, time_t now, char **errstr);
/* lc_enroll_in: (re-)enrol l in sequence `name` at stage 1: its open touches
 * are skipped, it becomes engaged for a "contact yes" sequence and active
 * otherwise.  LC_ESTATE for a suppressed address or a status that cannot
 * be left that way (bounced, unsubscribed). */
int lc_enroll_in(struct nudge *n, struct lead *l, const char *name,
    time_t now, const char *why, const char *message_id, char **errstr);

/* lc_stage_done: the lead's current stage was done at `at` (its email was sent,
 * or for a stage without email the salesperson logged it): schedule the next
 * stage counted from `at`, or retire the lead when the sequence is over. */
int lc_stage_done(struct nudge *n, struct lead *l, time_t at, const char *how,
    char **errstr);

/* lc_contact_made: contact was made (an interested reply, a call logged as
 * connected, an engagement signal the salesperson confirmed): the lead
 * becomes engaged and its cold sequence stops; unless the config's
 * after_contact is "none" (or the lead is in it already) the lead is then
 * enrolled in that sequence, which leads on to nurture. */
int lc_contact_made(struct nudge *n, struct lead *l, time_t now,
    const char *why, const char *message_id, char **errstr);

/*
 * lc_reply: a human reply from l with intent (classify.h enum reply_intent)
 * and, for "later", the day it names (-1: none, then snooze_days).  What
 * follows (DESIGN §2): interested -> lc_contact_made; later -> snoozed until
 * then, then the reopen sequence; not_fit -> engaged in nurture_slow; stop
 * -> unsubscribed (suppressed); referral and unclear -> engaged, nothing
 * planned.  Every reply but stop leaves a "reply to NAME" task (channel
 * "reply") holding text, which stays on the agenda until the salesperson
 * logs a touch.  rule names the rule that decided the intent (may be NULL).
 */
int lc_reply(struct nudge *n, struct lead *l, int intent, int day,
    const char *text, time_t now, const char *why, const char *rule,
    const char *message_id, char **errstr);

/* lc_reply_task: add the "reply to NAME" task (channel and stage "reply",
 * due now, text as its note) alone, changing nothing else. */
int lc_reply_task(struct nudge *n, struct lead *l, const char *text,
    time_t now, char **errstr);

/* lc_snooze: not now: nothing is sent until the start of civil day
 * until_day (salesperson's zone); then the lead wakes (lc_wake). */
int lc_snooze(struct nudge *n, struct lead *l, int until_day, time_t now,
    const char *why, const char *message_id, char **errstr);
/* lc_wake: a snoozed lead wakes: one snoozed by hand from its cold sequence
 * goes on at the same stage; one that had answered enters the reopen
 * sequence (a re-opening touch, then nurture). */
int lc_wake(struct nudge *n, struct lead *l, time_t now, const char *why,
    char **errstr);
/* lc_hold: hold l for review (nothing is sent until it is released). */
int lc_hold(struct nudge *n, struct lead *l, time_t now, const char *why,
    const char *message_id, char **errstr);

/* lc_log_touch: the salesperson made a touch on channel at now (by hand, or an
 * email found in the Sent folder): it closes the open task of that channel
 * (the oldest one due, else the current stage's; a touch beyond the plan is
 * recorded all the same), completes the stage when it is the stage's email
 * (or any touch of a stage without email), and with connected makes contact
 * (lc_contact_made).  outcome, note and message_id may be NULL. */
int lc_log_touch(struct nudge *n, struct lead *l, const char *channel,
    time_t now, const char *outcome, const char *note, int connected,
    const char *message_id, char **errstr);

/* lc_pause: pause l until the start of civil day `until_day` (in the
 * salesperson's zone); the open touches stay and are moved when it resumes. */
int lc_pause(struct nudge *n, struct lead *l, int until_day, time_t now,
    const char *why, const char *message_id, char **errstr);

/* lc_resume: a paused or held lead goes back to the status it had, at the
 * same stage; open touches become due at max(their due, now).  A snoozed
 * lead wakes (lc_wake); an engaged lead with nothing planned is enrolled
 * in nurture.  LC_ESTATE for any other status. */
int lc_resume(struct nudge *n, struct lead *l, time_t now, const char *why,
    char **errstr);

/* lc_resume_due: resume every paused lead whose pause has ended by now, and
 * wake every snoozed lead whose snooze has.  *count (may be NULL) gets how
 * many. */
int lc_resume_due(struct nudge *n, time_t now, int *count, char **errstr);

/* lc_skip_unlogged: call, note, research and other manual tasks (not the
 * "reply to" tasks) left unlogged for task_grace business days after they
 * fell due are recorded as skipped ("not logged"), never silently done. */
int lc_skip_unlogged(struct nudge *n, time_t now, char **errstr);

/* lc_template_path: the template file of a stage's channel (malloc'd):
 * templates/SEQ/STAGE.CHANNEL for a sequence other than 12345x, else
 * templates/STAGE.CHANNEL (stage lower-cased); a stage named X... (X2, XA)
 * falls back to the x template.  The path returned may not exist (the
 * caller's load error names it). */
char *lc_template_path(struct nudge *n, const char *seq, const char *stage,
    const char *channel);

/* lc_holidays: the days off of lead l: the salesperson's holiday file and
 * the public holidays of the lead's country (its custom field "country",
 * else its phone's calling code, else its time zone; see calendar.h), for
 * the years around now.  Cached in n; never NULL (an empty set when there
 * are none).  country_holidays off: the salesperson's file alone. */
const struct holidays *lc_holidays(struct nudge *n, const struct lead *l);
/* lc_country: the lead's country code as lc_holidays finds it, or NULL. */
const char *lc_country(struct nudge *n, const struct lead *l);

/* lc_stage_label: the label of the lead's current stage ("3", "X2") into buf. */
const char *lc_stage_label(struct nudge *n, const struct lead *l, char *buf,
    size_t len);

/* lc_free: release what n holds (config, store, sequences, holidays). */
void lc_free(struct nudge *n);

#endif
