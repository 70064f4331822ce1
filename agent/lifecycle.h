/*
 * lifecycle - a lead's way through its sequence: enrolment, stage done, engaged,
 * paused, resumed, retired.  It owns the rules of DESIGN §1-§2 that join the store
 * (rows) and the cadence (dates); every transition writes an event to the lead's
 * timeline with its reason.
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
	int json;
	int verbose;
};

/* lc_sequence: the sequence called name (rules_dir/sequence-NAME.conf), loaded
 * once and kept in n.  LC_ECONFIG with "path:line: ..." when broken. */
int lc_sequence(struct nudge *n, const char *name, const struct sequence **out,
    char **errstr);

/* lc_enroll: put lead l (already inserted) on its sequence at stage 1, due now.
 * l is updated in memory and in the store. */
int lc_enroll(struct nudge *n, struct lead *l, time_t now, char **errstr);

/* lc_stage_done: the lead's current stage was done at `at` (its email was sent,
 * or for a stage without email the salesperson logged it): schedule the next
 * stage counted from `at`, or retire the lead when the sequence is over. */
int lc_stage_done(struct nudge *n, struct lead *l, time_t at, const char *how,
    char **errstr);

/* lc_set_status: move l to status (engaged, bounced, unsubscribed, retired,
 * active...).  Leaving "active" skips the open touches; bounced and
 * unsubscribed suppress the address.  why is the event text, message_id the
 * message that caused it (may be NULL). */
int lc_set_status(struct nudge *n, struct lead *l, const char *status,
    time_t now, const char *why, const char *message_id, char **errstr);

/* lc_contact_made: contact was made (a reply, or a call logged as
 * connected): the lead becomes engaged and its sequence stops; when the config
 * names an after_contact sequence (and the lead is not already in it), the
 * lead is then enrolled in that one. */
int lc_contact_made(struct nudge *n, struct lead *l, time_t now,
    const char *why, const char *message_id, char **errstr);

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

/* lc_resume: back to active at the same stage; open touches of the stage
 * become due at max(their due, now). */
int lc_resume(struct nudge *n, struct lead *l, time_t now, const char *why,
    char **errstr);

/* lc_resume_due: resume every paused lead whose pause has ended by now.
 * *count (may be NULL) gets how many. */
int lc_resume_due(struct nudge *n, time_t now, int *count, char **errstr);

/* lc_stage_label: the label of the lead's current stage ("3", "X2") into buf. */
const char *lc_stage_label(struct nudge *n, const struct lead *l, char *buf,
    size_t len);

/* lc_free: release what n holds (config, store, sequences, holidays). */
void lc_free(struct nudge *n);

#endif
