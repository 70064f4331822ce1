/*
 * report - the follow-up funnel of a period, from the database: what was
 * sent per stage and channel, who replied after how many contacts and how
 * many business days, what they meant, what bounced, opted out or went to
 * review, and the sends per day against the cap.  Rendered as a text table,
 * JSON (its shape is documented in nudge(1)), SVG charts drawn here, and one
 * self-contained HTML page (no scripts, no fetches).
 *
 * Definitions (nudge(1) says the same):
 *   touch      an email touch sent, or a manual touch logged done, with its
 *              done time in [since, until)
 *   reply      the first human reply a lead ever sent (a "message" event of
 *              class human_reply, or a review decided as a reply that nudge
 *              had guessed as something else), when it falls in the
 *              period; its stage is
 *              the stage of the lead's last touch before it, its contacts
 *              the number of touches the lead had received before it
 *   intents, out-of-office, bounces, opt-outs: events in the period
 * A touch belongs to the sequence the lead was last enrolled in before it
 * ("enrolled" events; else the lead's current sequence).
 *
 * Error contract: REPORT_OK or REPORT_EDB with *errstr malloc'd.
 */
#ifndef NUDGE_REPORT_H
#define NUDGE_REPORT_H

#include <time.h>

#include "cadence.h"
#include "store.h"
#include "xalloc.h"

enum { REPORT_OK = 0, REPORT_EDB = 1 };

/* channels counted, in this order; anything else counts as "other" */
#define REPORT_NCHAN 8
extern const char *const report_channels[REPORT_NCHAN];
/* contacts-to-reply buckets: 1..12, then 13 or more */
#define REPORT_NCONTACTS 13
/* intents as classify names them ("none" unused), then "other" */
#define REPORT_NINTENT 8
extern const char *const report_intents[REPORT_NINTENT];

struct report_stage {
	char label[16]; /* "1".."5", "X1", ... */
	int leads;      /* distinct leads touched at this stage */
	int touches;
	int channel[REPORT_NCHAN];
	int replies; /* first replies whose last touch was at this stage */
};

struct report_version {
	char stage[16];
	char version[12];
	int sent, replies;
};

struct report_seq {
	char *name;   /* "-" when unknown */
	int enrolled; /* enrollments in the period */
	int leads, touches, replies;
	struct report_stage *stages; /* in stage order */
	size_t nstages;
};

struct report {
	time_t since, until;  /* [since, until) */
	int first_day, ndays; /* clock days covered (salesperson's zone) */
	int entered;          /* leads created in the period */
	int leads_touched, touches, channel[REPORT_NCHAN];
	int replies;        /* leads whose first reply is in the period */
	int reply_messages; /* every human reply in the period */
	int contacts[REPORT_NCONTACTS];
	int replies_untouched; /* first replies before any touch */
	int nbdays;            /* replies with a business-day count */
	double median_bdays;   /* median business days, first touch to reply */
	int intents[REPORT_NINTENT];
	int out_of_office, bounce_hard, bounce_soft;
	int bounced, opted_out; /* leads that became bounced / unsubscribed */
	int reviews, reviews_open;
	long cap;          /* the daily cap in force */
	int *sent_per_day; /* ndays email sends per clock day */
	int sent_max, days_at_cap;
	struct report_stage *stages; /* all sequences together */
	size_t nstages;
	struct report_seq *seqs; /* by name */
	size_t nseqs;
	/* per template version of each stage's email (template_version()):
	 * emails sent in the period, and first replies whose last email was
	 * that one; in stage order, then by version */
	struct report_version *versions;
	size_t nversions;
};

/* report_progress_cb: called now and then while a report is built: phase
 * "reading" (done = rows read, total = 0: unknown) or "counting" (done of
 * total leads); phase NULL once at the end. */
typedef void (*report_progress_cb)(const char *phase, long done, long total,
                                   void *arg);

/*
 * report_build: compute r for [since, until) from st.  tz is the
 * salesperson's zone (days), hol their holidays (business days; NULL =
 * weekends only), cap the daily cap; progress (may be NULL) is told how far
 * it got.  r is zeroed first; free it with report_free (also after a
 * failure).  REPORT_EDB on a database error.
 */
int report_build(struct store *st, const char *tz, const struct holidays *hol,
                 long cap, time_t since, time_t until,
                 report_progress_cb progress, void *arg, struct report *r,
                 char **errstr);
/* report_free: the storage of r (not r itself); r is zeroed. */
void report_free(struct report *r);

/* report_rate: replies / leads as a fraction (0 when leads is 0). */
double report_rate(int replies, int leads);

/* report_text: the readable table, appended to b. */
void report_text(const struct report *r, const char *tz, struct buf *b);
/* report_json: one JSON object (the shape of nudge(1)), appended to b. */
void report_json(const struct report *r, const char *tz, struct buf *b);
/* report_svg: a standalone SVG document: the funnel (one bar per stage
 * present, marked class="bar stage" data-stage="LABEL") and the contacts
 * before the first reply (class="bar contacts").  standalone = 0 leaves
 * out the XML declaration (to inline it in HTML). */
void report_svg(const struct report *r, int standalone, struct buf *b);
/* report_html: one self-contained page: the charts inline, the tables; no
 * script, no stylesheet or image fetched.  title (may be NULL) heads it. */
void report_html(const struct report *r, const char *tz, const char *title,
                 struct buf *b);

#endif
