/*
 * classify - what kind of message came in: a human reply, an auto-reply (with
 * the return date where one is stated), a hard or soft bounce, an unsubscribe
 * request, engagement through a service, or something else; and what a human
 * reply wants (its intent).
 *
 * Costs decide.  Missing a human reply (mailing someone who answered) is the
 * worst mistake; a false opt-out loses the lead for ever; a false "reply"
 * silently stops the follow-up.  So: an opt-out is only an explicit,
 * un-negated request in the new text (never the quoted history, a signature
 * or a footer); weaker wording is a human reply with review set.  A stale or
 * doubtful date is no date, with review set.  When unsure, set review: the
 * agent stops sending to that lead and asks the salesperson.  Service mail
 * is other unless the lead's own action caused it (engagement); a person
 * who merely mentions a service, or being away, is a human reply.
 *
 * Structured signals come first (multipart/report DSN, ARF feedback reports,
 * read receipts, bounce senders, text/calendar parts, RFC 3834
 * Auto-Submitted, X-Autoreply, Precedence, List-Id), then the ordered, named
 * PCRE2 rules of a rules file (see rules/classify.rules for the format).
 * classify*.c are the only modules that use PCRE2 (classify_p.h lists them);
 * every pattern is compiled once at load, JIT-compiled on first use where
 * the platform allows, and matched with match and depth limits; a rule
 * whose required literals (read from its pattern at load) are all missing
 * from the text is not run.  A classifier is used by one thread at a time.
 */
#ifndef NUDGE_CLASSIFY_H
#define NUDGE_CLASSIFY_H

#include <stddef.h>

struct mime_msg;

enum { CLASSIFY_OK = 0, CLASSIFY_EIO, CLASSIFY_EINVAL };

enum classify_class {
	CLS_OTHER = 0,
	CLS_HUMAN_REPLY,
	CLS_AUTO_REPLY,
	CLS_BOUNCE_HARD,
	CLS_BOUNCE_SOFT,
	CLS_UNSUBSCRIBE,
	CLS_ENGAGEMENT, /* a service notification caused by the sender's own
	                   action towards the salesperson: a meeting booked or
	                   accepted, a document shared, an envelope to sign, a
	                   connection accepted (see signal) */
	CLS__COUNT
};

/*
 * What a human reply wants (DESIGN §2).  Decided by the "intent" rules of
 * the rules file on the new text of a human reply; INTENT_NONE for any other
 * class.
 */
enum reply_intent {
	INTENT_NONE = 0,
	INTENT_INTERESTED, /* wants to talk, a meeting, a demo, a price */
	INTENT_LATER,      /* not now; intent_day says until when if stated */
	INTENT_NOT_FIT,    /* not a fit, went elsewhere, no budget */
	INTENT_STOP,       /* "no thanks", "please stop": ends and suppresses */
	INTENT_REFERRAL,   /* names someone else to talk to (referrals) */
	INTENT_UNCLEAR,    /* a reply, but what it wants is not clear */
	INTENT__COUNT
};

struct classifier; /* opaque: the compiled rules */

/*
 * classify_load: read and compile the rules file at rules_path.  On
 * CLASSIFY_OK *out is a new classifier (free with classify_free).  Returns
 * CLASSIFY_EIO when the file cannot be read, CLASSIFY_EINVAL for a bad line;
 * *errstr is then "path:line: what is wrong" (with PCRE2's message and the
 * offset in the pattern for a bad regex).
 */
int classify_load(const char *rules_path, struct classifier **out,
                  char **errstr);
/* classify_load_string: the same from a string; name is used in messages. */
int classify_load_string(const char *name, const char *text,
                         struct classifier **out, char **errstr);
/* classify_free: NULL is fine. */
void classify_free(struct classifier *c);
/* classify_nrules: number of rules loaded. */
size_t classify_nrules(const struct classifier *c);

struct classification {
	int cls;        /* enum classify_class */
	char *rule;     /* the signal or rule that decided, e.g.
	                   "dsn-status", "auto-submitted", "rule:ooo-subject" */
	int return_day; /* auto_reply: clock.h day number of the first day
	                   back, -1 if none stated */
	char *failed_recipient; /* bounces: the failed address, or NULL */
	char *status;           /* bounces: "5.1.1" or NULL */
	char *diagnostic; /* bounces: diagnostic text (one line) or NULL */
	char *reply_text; /* the new text only (quoted history, signature
	                     and legal footers removed) of any message that
	                     has one, whatever its class; or NULL */
	int intent;       /* human_reply: enum reply_intent, else INTENT_NONE */
	char *intent_rule; /* the rule that decided the intent, or NULL */
	int intent_day;    /* INTENT_LATER: clock.h day number from which to
	                      follow up again, -1 if the reply states no time */
	int answer;        /* human_reply whose whole new text is a bare choice
	                      number ("2", "3."), 1..9; 0 otherwise.  The
	                      caller maps it through the template's Answers: */
	char **referrals;  /* INTENT_REFERRAL: addresses named in the new text
	                      (never the sender's own), lower-cased, malloc'd */
	size_t nreferrals;
	char *signal;     /* engagement or notification kind, e.g.
	                     "calendar-invite", "calendar-accepted",
	                     "document-share", "esignature", "connection",
	                     "read-receipt", "newsletter"; or NULL */
	char *reply_to;   /* a notification's Reply-To address (the person
	                     behind it, e.g. who shared the document), or NULL */
	int review;       /* 1: nudge is unsure; the agent holds the lead for
	                     the salesperson instead of acting on cls alone */
	char *review_why; /* review: one line saying why, else NULL */
};

/*
 * classify_message: classify m.  tz is the zone used to turn the message's
 * Date into a day (NULL/"" = local).  Fills *out (free its strings with
 * classification_free); all its strings are malloc'd and owned by *out.
 * Returns CLASSIFY_OK; a rule that fails at match time (match limit hit) is
 * logged and treated as not matching.
 */
int classify_message(const struct classifier *c, const struct mime_msg *m,
                     const char *tz, struct classification *out);
/*
 * classify_buffer: parse the raw message buf (len bytes) with the default
 * MIME limits and classify it - the one call a benchmark or a "nudge
 * classify FILE" command needs.  CLASSIFY_OK, or CLASSIFY_EINVAL with *errstr
 * when nothing could be parsed.
 */
int classify_buffer(const struct classifier *c, const char *buf, size_t len,
                    const char *tz, struct classification *out, char **errstr);
/* classification_free: free the strings of *cl (not cl itself); resets it. */
void classification_free(struct classification *cl);

/* classify_class_name: "human_reply", "auto_reply", "bounce_hard",
 * "bounce_soft", "unsubscribe", "other", "engagement"; "?" for an unknown
 * value. */
const char *classify_class_name(int cls);
/* classify_class_parse: the inverse; -1 if s names no class. */
int classify_class_parse(const char *s);
/* classify_intent_name: "none", "interested", "later", "not_fit", "stop",
 * "referral", "unclear"; "?" for an unknown value.  classify_intent_parse:
 * the inverse, -1 if s names no intent. */
const char *classify_intent_name(int intent);
int classify_intent_parse(const char *s);

/*
 * classify_reply_text: the new text of a reply: without the quoted history
 * ("On ... wrote:", also wrapped over two lines; "-----Original Message-----";
 * Outlook "From:/Sent:" blocks; "Am ... schrieb", "Le ... a écrit", "El ...
 * escribió", "Op ... schreef"; ">" lines) and without a "-- " signature or a
 * "Sent from my iPhone" line, a legal disclaimer, a newsletter footer, or a
 * signature block under the name, in the nine languages (it, pt, sv, pl
 * too).  Sign-offs ("Thanks,\nAlex") are kept.  Returns a malloc'd, trimmed
 * string (possibly empty).
 */
char *classify_reply_text(const char *text);

/*
 * classify_return_day: the first day back stated in an out-of-office text, as
 * a clock.h day number, or -1.  msg_day is the day the message was sent (-1 if
 * unknown: then only dates with a year are used).  uk_order: 1 to read an
 * ambiguous n/n/yyyy as day/month.  In English, German, French, Spanish,
 * Italian, Dutch, Portuguese, Swedish and Polish:
 *   "back/return(ing) (on) X", "zurück am X", "ab X", "de retour le X",
 *   "regresaré el X", "rientrerò X", "retorno X", "tillbaka X", "wracam X",
 *   "terug op X", "reopen X", "not ... until X"  -> X is the first day back;
 *   "until/till/through X", "bis (zum) X", "jusqu'au X", "hasta (el) X",
 *   "fino al X", "até X", "till och med X", "do X", "tot (en met) X", a
 *   range "X-Y"                                   -> X is the last day away:
 *                                                   back the next day
 *   ("until Monday", named, is back that Monday).
 * X is an absolute date (12/24/2026, 24/12/2026, 24.12.2026, 2026-12-24,
 * December 24, 24 December, 24. Dezember, 24 de diciembre, 24 grudnia...),
 * a month alone ("until June 2027": back July 1st), a day alone ("on the
 * 4th"), an ISO week ("vecka 2": its Monday), a weekday (the next one after
 * msg_day), "tomorrow", "next week" (its Monday), "in two weeks", "in 3
 * days".  A stated weekday picks the year that agrees with it; a date that
 * is already past when the message was written is stale: -1 (the message is
 * then held for review by classify_message).
 */
int classify_return_day(const char *text, int msg_day, int uk_order);

#endif
