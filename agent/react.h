/*
 * react - what a classified message does to its lead, and what the
 * salesperson's decision on a held message does (DESIGN §2-§3).
 *
 * Costs decide, and they are not equal.  Mailing someone who answered is the
 * worst mistake; a false opt-out loses a lead for ever; a false "reply"
 * silently stops follow-up.  So:
 *   - a human reply always stops the cold sequence, and what follows is its
 *     intent (lc_reply); a bare choice number ("3") is read through the
 *     Answers: header of the template it answers;
 *   - an unsubscribe suppresses only when the classifier is sure; when it
 *     is not (review set), the lead is held for review, never suppressed;
 *   - a hard bounce retires the lead only when it can be trusted: it cites a
 *     message nudge sent (the returned original's Message-ID, In-Reply-To or
 *     References), or cites no message at all but names a lead nudge mailed
 *     in the last bounce_window days.  Anyone can forge a report naming an
 *     address: an untrusted one goes to the review queue and the lead stays
 *     as it was (a forger cannot stop a sequence either);
 *   - an engagement signal (a meeting booked, a document shared) from the
 *     lead's own address holds the lead and asks whether contact was made;
 *     one that matches only by domain changes nothing;
 *   - an out-of-office pauses until the day after the stated return; a
 *     pause longer than ooo_max_pause is capped and put up for review.
 * Holding a lead (status review) stops its sends until `nudge review ID
 * CLASS` decides; the open touches wait, as in a pause.
 *
 * Every function runs inside the caller's transaction.  Errors: AGENT_OK or
 * AGENT_E*, with *errstr allocated on failure.
 */
#ifndef NUDGE_REACT_H
#define NUDGE_REACT_H

#include <time.h>

#include "agent.h"
#include "classify.h"
#include "lifecycle.h"

struct reaction {
	const struct classification *cl;
	const char *match_rule; /* match.h rule that found the lead */
	const char *match_why;
	const char *message_id;  /* the message's own, or NULL */
	const char *in_reply_to; /* the first id of its In-Reply-To, or NULL */
	const char *subject;
	const char *sender; /* the From address */
	int cites_other;    /* a bounce whose returned original carries a
	                       Message-ID that is not one nudge sent */
};

/*
 * react: act on message x for lead l (loaded by the caller; updated in
 * memory).  Counts go to r (may be NULL).  New leads named by a referral are
 * inserted and enrolled.
 */
int react(struct nudge *n, struct lead *l, const struct reaction *x,
    time_t now, struct agent_report *r, char **errstr);

/*
 * react_decide: the salesperson's decision on review id: choice is a class
 * name (human_reply, auto_reply, bounce_hard, bounce_soft, unsubscribe,
 * other, engagement) or a reply intent (interested, later, not_fit, stop,
 * referral, unclear).  until_day (clock day, -1 = none) gives the date for
 * auto_reply and later.  The lead is released if it was held, then the
 * decision is applied as if nudge had known it.  AGENT_ECONFIG with *errstr
 * for an unknown choice or review, AGENT_EDB for a store failure (LC_ESTATE
 * errors come back as AGENT_ECONFIG too: the lead cannot take that action).
 */
int react_decide(struct nudge *n, int64_t id, const char *choice,
    int until_day, time_t now, char **errstr);

#endif
