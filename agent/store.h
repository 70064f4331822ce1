/*
 * store - every byte of SQL in nudge: leads, notes, events, touches (which are
 * also the outbox), suppression, IMAP sync state, processed messages, meta.
 *
 * One SQLite database (WAL, foreign keys on, busy timeout 5 s).  The schema is
 * versioned with PRAGMA user_version and migrated forward on open, one
 * transaction per step.  Statements are always prepared and bound, never
 * built from data; each is prepared once and cached in the handle.
 *
 * Error contract: every fallible function returns STORE_OK (0) or a STORE_E*
 * code; on failure, if errstr != NULL, *errstr is a malloc'd one-line message
 * (untouched on success).  STORE_ENOTFOUND is a normal answer ("no such row"),
 * not a fault.
 *
 * Strings in the structs below are malloc'd and owned by the struct; free a
 * struct with lead_free()/touch_free().  Time values are time_t seconds;
 * 0 means "none" for the optional ones (stored as NULL).
 *
 * List functions call cb once per row with a temporary struct (valid only
 * during the call: copy what you keep).  A nonzero return from cb stops the
 * iteration; the list function then still returns STORE_OK.  A callback may
 * call other store functions, including writes (each commits at once when
 * no store_begin() transaction is open).  The touch lists read all their
 * rows before the first callback, so a callback may change the touches
 * being listed (e.g. claim them as "sending") without disturbing the scan.
 *
 * Durability: synchronous=NORMAL (safe against a process crash; a power loss
 * may lose the last commits).  Outbox transitions are committed with
 * synchronous=FULL: store_touch_update() of a touch whose state is
 * sending/sent/failed/unknown does so by itself when no transaction is open;
 * inside a transaction, open it with store_begin_durable().
 */
#ifndef NUDGE_STORE_H
#define NUDGE_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "xalloc.h"

enum {
	STORE_OK = 0,
	STORE_ENOTFOUND = 1, /* no such row */
	STORE_EEXIST = 2,    /* unique key already present (e.g. lead email) */
	STORE_EINVAL = 3,    /* bad argument or a CHECK/NOT NULL violation */
	STORE_EDB = 4,       /* SQLite or I/O failure */
	STORE_EVERSION = 5,  /* database schema newer than this program */
	STORE_ELINKED = 6,   /* the database file has more than one hard link */
	STORE_EBUSY = 7,     /* store_open only: another connection holds a lock */
};

/* The schema version this program writes (PRAGMA user_version). */
#define STORE_SCHEMA_VERSION 7

struct store;

/*
 * store_open: open (creating with mode 0600 if missing) the database at path
 * and migrate it to STORE_SCHEMA_VERSION.  The parent directory must exist.
 * An existing file with group/other permission bits is opened with a warning.
 * ":memory:" opens a private in-memory database (no WAL).
 * Returns STORE_OK with *out set, STORE_EVERSION if the file's schema is
 * newer than STORE_SCHEMA_VERSION, STORE_ELINKED if the file has a second
 * hard link (SQLite keys its WAL on the name: two names, two journals),
 * STORE_EBUSY if another connection held a lock past the busy timeout,
 * STORE_EDB on any other failure.
 */
int store_open(const char *path, struct store **out, char **errstr);
/* store_open_version: store_open, but migrate no further than max_version
 * (1..STORE_SCHEMA_VERSION).  For tests of the migrations: it creates an
 * old-schema database that a later store_open() migrates. */
int store_open_version(const char *path, int max_version, struct store **out,
                       char **errstr);
/* store_close: finalize cached statements and close; NULL is a no-op. */
void store_close(struct store *st);

/*
 * Transactions (not nestable).  store_begin: BEGIN IMMEDIATE (takes the write
 * lock now, waiting up to the busy timeout).  store_begin_durable: the same
 * with synchronous=FULL for this transaction (outbox transitions).
 * store_commit / store_rollback end it.  Functions that write several rows
 * are atomic by themselves, inside or outside such a transaction.
 */
int store_begin(struct store *st, char **errstr);
/* store_begin_read: a read transaction (BEGIN DEFERRED) for many reads in a
 * row: one snapshot, one lock instead of one per statement.  End it with
 * store_commit (or store_rollback).  A write inside it may fail with
 * STORE_EDB (busy) if another connection wrote since: read only. */
int store_begin_read(struct store *st, char **errstr);
int store_begin_durable(struct store *st, char **errstr);
/* store_begin_bulk: BEGIN IMMEDIATE for a large batch of writes (lead
 * import): the page cache grows to cache_mib MiB (when more than the usual
 * 16) until the transaction ends, foreign keys and CHECK constraints are
 * not checked (the batch writes only rows of leads it has written or read,
 * with values the store functions check in C), and functions that
 * write several rows take no savepoint of their own.  So a failing write may
 * leave part of its rows: after any error but STORE_EEXIST from
 * store_lead_insert (which writes nothing then) the caller must
 * store_rollback() the whole batch. */
int store_begin_bulk(struct store *st, int cache_mib, char **errstr);
int store_commit(struct store *st, char **errstr);
int store_rollback(struct store *st, char **errstr);
/* store_busy: nonzero when the last STORE_EDB was a lock that another
 * connection held past the busy timeout (SQLITE_BUSY/LOCKED): worth a retry
 * later (EX_TEMPFAIL), unlike an I/O failure (EX_IOERR).  Every STORE_EDB
 * message names the database file and the reason. */
int store_busy(const struct store *st);

/* ---- leads */

/*
 * Lead statuses (DESIGN §2).  The enum is what the program works with; the
 * names exist only here, at the store's edge (and in JSON and the CLI).
 * Which status may follow which is lifecycle's business (lc_enter()).
 */
enum lead_status {
	LEAD_ACTIVE = 0,   /* in its cold sequence */
	LEAD_PAUSED,       /* out of office (or by hand) until paused_until */
	LEAD_ENGAGED,      /* contact made: after-contact or nurture sequence */
	LEAD_BOUNCED,      /* hard bounce: address suppressed */
	LEAD_UNSUBSCRIBED, /* asked to stop: address suppressed */
	LEAD_RETIRED,      /* by hand, or its sequence ended */
	LEAD_SNOOZED,      /* "not now": until paused_until, then nurture */
	LEAD_REVIEW,       /* held until the salesperson decides a message */
	LEAD_WON,          /* bought */
	LEAD_LOST,         /* the salesperson gave up */
	LEAD__COUNT
};
/* Lead statuses, in the order used by store_lead_count_by_status(). */
#define STORE_NSTATUS LEAD__COUNT
extern const char *const store_lead_status[STORE_NSTATUS];
/* lead_status_name: "active", ...; "?" for a bad value.  lead_status_parse:
 * the inverse, -1 for an unknown name (or NULL). */
const char *lead_status_name(int status);
int lead_status_parse(const char *name);

struct lead_field {
	char *key;
	char *value;
};

struct lead {
	int64_t id;
	char *email; /* required; unique, case-insensitive */
	char *name, *first_name, *company, *domain, *phone, *tz, *source;
	int status;   /* enum lead_status (0 = LEAD_ACTIVE) */
	int prior_status; /* the status a paused, snoozed or held lead returns
	                     to; -1 = none (stored as NULL) */
	char *sequence;  /* sequence name, e.g. "12345x" */
	int step;        /* index of the next sequence step to do (0-based) */
	int xcount;      /* number of X (repeating) touches done */
	time_t next_due; /* 0 = none */
	time_t paused_until; /* 0 = none */
	time_t created, updated;
	time_t last_done;          /* 0 = none */
	struct lead_field *fields; /* custom fields, ordered by key */
	size_t nfields;
};

/* lead_field_set: set custom field key of l in memory to a copy of value;
 * NULL or "" removes it.  l->fields is never NULL afterwards, so that
 * store_lead_update() writes the set as it now is. */
void lead_field_set(struct lead *l, const char *key, const char *value);
/* lead_free: free l, its strings and fields; NULL is a no-op. */
void lead_free(struct lead *l);

typedef int (*store_lead_cb)(const struct lead *l, void *arg);

/* store_lead_insert: insert l with its custom fields (atomically) and set
 * l->id.  STORE_EEXIST if the email is taken (any case), STORE_EINVAL if
 * email is NULL/empty or status is not a known one. */
int store_lead_insert(struct store *st, struct lead *l, char **errstr);
/* store_lead_update: rewrite every column of lead l->id; if l->fields != NULL
 * replace all custom fields by l->fields[0..nfields) (nfields 0 clears them).
 * STORE_ENOTFOUND, STORE_EEXIST (email taken), STORE_EINVAL. */
int store_lead_update(struct store *st, const struct lead *l, char **errstr);
/* store_lead_max_id: the highest lead id so far (0 with none); leads added
 * later get higher ones. */
int store_lead_max_id(struct store *st, int64_t *id, char **errstr);
/* store_lead_get_email / _id: *out is a new lead with its custom fields
 * (caller frees with lead_free).  The email match ignores ASCII case.
 * STORE_ENOTFOUND if there is none. */
int store_lead_get_email(struct store *st, const char *email, struct lead **out,
                         char **errstr);
int store_lead_get_id(struct store *st, int64_t id, struct lead **out,
                      char **errstr);
/* store_lead_by_domain: *count = how many active or paused leads have this
 * domain (counting stops at 2); *id = the first one's id (0 if none). */
int store_lead_by_domain(struct store *st, const char *domain, int64_t *id,
    int *count, char **errstr);
/* store_lead_list: leads with the given status (NULL = all), ordered by email
 * (case-insensitive); custom fields are not loaded (nfields 0). */
int store_lead_list(struct store *st, const char *status, store_lead_cb cb,
                    void *arg, char **errstr);
/* store_lead_count_by_status: counts[i] = number of leads whose status is
 * store_lead_status[i]. */
int store_lead_count_by_status(struct store *st, int counts[STORE_NSTATUS],
                               char **errstr);
/* store_lead_set_field: insert or replace custom field key of a lead.
 * STORE_ENOTFOUND if the lead does not exist, STORE_EINVAL if key is empty. */
int store_lead_set_field(struct store *st, int64_t lead_id, const char *key,
                         const char *value, char **errstr);
/* store_lead_delete_field: STORE_ENOTFOUND if the field is not set. */
int store_lead_delete_field(struct store *st, int64_t lead_id, const char *key,
                            char **errstr);

/* ---- notes: an append-only log per lead (no update or delete) */

struct note {
	int64_t id, lead_id;
	time_t at;
	char *kind; /* "note", "reply", "event" */
	char *text;
};
typedef int (*store_note_cb)(const struct note *n, void *arg);

/* store_note_add: STORE_EINVAL for an unknown kind, STORE_ENOTFOUND if the
 * lead does not exist.  *id_out (may be NULL) gets the new note's id. */
int store_note_add(struct store *st, int64_t lead_id, time_t at,
                   const char *kind, const char *text, int64_t *id_out,
                   char **errstr);
/* store_note_list: the lead's notes ordered by time, then insertion. */
int store_note_list(struct store *st, int64_t lead_id, store_note_cb cb,
                    void *arg, char **errstr);

/* ---- events: the lead's timeline (status transitions and their causes) */

struct event {
	int64_t id, lead_id;
	time_t at;
	char *type;       /* e.g. "status", "sent", "reply", "match" */
	char *detail;     /* may be NULL */
	char *message_id; /* the message that caused it, or NULL */
};
typedef int (*store_event_cb)(const struct event *e, void *arg);

/* store_event_add: STORE_ENOTFOUND if the lead does not exist. */
int store_event_add(struct store *st, int64_t lead_id, time_t at,
                    const char *type, const char *detail,
                    const char *message_id, char **errstr);
/* store_event_list: ordered by time, then insertion. */
int store_event_list(struct store *st, int64_t lead_id, store_event_cb cb,
                     void *arg, char **errstr);

/* ---- touches: one row per stage per channel; email touches are the outbox */

/*
 * Touch states.  The enum is what the program works with; the names exist
 * only here, at the store's edge (and in JSON and the CLI).  Which state may
 * follow which is lifecycle's business (lc_touch_enter()).  Channels: email,
 * call, text, visit, note, research, social, reply.
 */
enum touch_state {
	TOUCH_PLANNED = 0, /* due at t->due */
	TOUCH_HELD,        /* not sent: t->error says why (retried) */
	TOUCH_SENDING,     /* claimed by the outbox: the message is on disk */
	TOUCH_SENT,
	TOUCH_FAILED,      /* refused for good: t->error */
	TOUCH_UNKNOWN,     /* a crash mid-send: not proven sent */
	TOUCH_DONE,        /* a manual touch logged */
	TOUCH_MISSED,      /* (databases before v4) */
	TOUCH_SKIPPED,     /* the sequence stopped, or not logged in time */
	TOUCH__COUNT
};
/* touch_state_name: "planned", ...; "?" for a bad value.  touch_state_parse:
 * the inverse, -1 for an unknown name (or NULL). */
const char *touch_state_name(int state);
int touch_state_parse(const char *name);
struct touch {
	int64_t id, lead_id;
	char *stage; /* "1".."5", "X1", "X2", ... */
	char *channel;
	time_t due;
	int state;      /* enum touch_state (0 = TOUCH_PLANNED) */
	char *outcome;  /* e.g. "connected", "voicemail"; may be NULL */
	time_t done_at; /* 0 = not done */
	char *note;
	/* outbox */
	char *message_id; /* unique when not NULL */
	char *subject;
	char *message; /* the full rendered RFC 5322 text, NUL-terminated */
	size_t message_len; /* 0 with message != NULL: strlen(message) */
	int attempts;
	time_t next_attempt; /* 0 = none */
	char *error;
	char *value_item; /* value-library item used by an X email */
	char *template_version; /* template_version() it was rendered from */
	char *in_reply_to;
	char *references;
};

/* touch_free: free t and its strings; NULL is a no-op. */
void touch_free(struct touch *t);

/* lead: the touch's lead, core columns only (no custom fields). */
typedef int (*store_touch_cb)(const struct touch *t, const struct lead *lead,
                              void *arg);

/* store_touch_insert: sets t->id.  STORE_ENOTFOUND (no such lead),
 * STORE_EEXIST (message_id taken), STORE_EINVAL (unknown state, missing
 * stage/channel). */
int store_touch_insert(struct store *st, struct touch *t, char **errstr);
/* store_touch_update: rewrite every column of touch t->id (lead_id too).
 * Outbox states are committed durably (see the top of this file).
 * STORE_ENOTFOUND, STORE_EEXIST, STORE_EINVAL as above. */
int store_touch_update(struct store *st, const struct touch *t, char **errstr);
/* store_touch_get / _by_message_id: *out is a new touch (touch_free).
 * STORE_ENOTFOUND if there is none. */
int store_touch_get(struct store *st, int64_t id, struct touch **out,
                    char **errstr);
int store_touch_by_message_id(struct store *st, const char *message_id,
                              struct touch **out, char **errstr);
/* store_touch_list_lead: the lead's touches ordered by id. */
int store_touch_list_lead(struct store *st, int64_t lead_id, store_touch_cb cb,
                          void *arg, char **errstr);
/* store_touch_list_state: touches in a state, ordered by due, then id. */
int store_touch_list_state(struct store *st, int state,
                           store_touch_cb cb, void *arg, char **errstr);
/* store_touches_due: touches in state planned or held with due <= until,
 * of the given channel (NULL = any), whose lead is active; ordered by due,
 * then id.  Served by the index touches(state, due). */
int store_touches_due(struct store *st, time_t until, const char *channel,
                      store_touch_cb cb, void *arg, char **errstr);
/* store_touches_due_whole: the same, with each lead's custom fields loaded
 * (one index lookup per lead instead of a second read of the whole lead). */
int store_touches_due_whole(struct store *st, time_t until,
    const char *channel, store_touch_cb cb, void *arg, char **errstr);
/* store_explain_due: append the EXPLAIN QUERY PLAN of the due query to out,
 * one "detail" line per plan step (for tests and benchmarks). */
int store_explain_due(struct store *st, struct buf *out, char **errstr);
/* store_touch_next_due: the planned email touch of an active lead that falls
 * due first after `after` (the daemon's next wake-up); STORE_ENOTFOUND if
 * none. */
int store_touch_next_due(struct store *st, time_t after, struct touch **out,
    char **errstr);
/* store_touch_skip_unlogged: manual (non-email) touches still planned that
 * fell due before `before` (now less the task grace) become "skipped" with
 * the outcome "not logged": never silently done.  *count (may be NULL) gets
 * the number of touches changed. */
int store_touch_skip_unlogged(struct store *st, time_t before, int *count,
                              char **errstr);
/* store_touch_count_unlogged: *n = manual touches skipped as not logged. */
int store_touch_count_unlogged(struct store *st, int *n, char **errstr);
/* store_lead_mailed_since: *yes = 1 if an email touch of the lead was sent
 * (or may have been: sending, unknown) at or after since. */
int store_lead_mailed_since(struct store *st, int64_t lead_id, time_t since,
                            int *yes, char **errstr);
/* store_lead_reply_waits: *yes = 1 while the lead's reply waits for the
 * salesperson's answer (an open "reply" task); no automatic email goes to
 * such a lead (the due list leaves its emails out). */
int store_lead_reply_waits(struct store *st, int64_t lead_id, int *yes,
                           char **errstr);
/* store_touch_skip_open: every planned/held touch of the lead becomes
 * "skipped" (the sequence stopped).  *count (may be NULL) as above. */
int store_touch_skip_open(struct store *st, int64_t lead_id, int *count,
                          char **errstr);
/* store_touch_count_sent_since: *n = email touches in state sent with
 * done_at >= since (for the daily cap). */
int store_touch_count_sent_since(struct store *st, time_t since, int *n,
                                 char **errstr);
/* store_touch_last_sent: the lead's latest sent email touch (by done_at, then
 * id), for In-Reply-To/References.  store_touch_first_sent: its earliest
 * sent email touch of stage "1", for "Re: <first subject>".  *out as for
 * store_touch_get; STORE_ENOTFOUND if there is none. */
int store_touch_last_sent(struct store *st, int64_t lead_id, struct touch **out,
                          char **errstr);
int store_touch_first_sent(struct store *st, int64_t lead_id,
                           struct touch **out, char **errstr);
/* store_touch_values_used: cb(value_item) for each distinct value item of
 * the lead's email touches that are sent, sending or unknown (anything that
 * may have reached the lead), in first-use order. */
typedef int (*store_str_cb)(const char *s, void *arg);
int store_touch_values_used(struct store *st, int64_t lead_id, store_str_cb cb,
                            void *arg, char **errstr);

/* ---- suppression: addresses and domains nothing is ever sent to */

/* store_suppress_add: entry is "user@domain" or a bare "domain" (a leading
 * '@' is dropped); matching ignores ASCII case.  Adding an entry already
 * listed is STORE_OK and keeps the first reason.  STORE_EINVAL for an empty
 * entry or one holding whitespace or control characters. */
int store_suppress_add(struct store *st, const char *entry, const char *reason,
                       time_t at, char **errstr);
/* store_is_suppressed: *yes = 1 if email or its domain (after the last '@')
 * is listed; if reason_out != NULL and *yes, *reason_out is the reason
 * (malloc'd, may be NULL), else NULL. */
int store_is_suppressed(struct store *st, const char *email, int *yes,
                        char **reason_out, char **errstr);
typedef int (*store_suppress_cb)(const char *entry, const char *reason,
                                 time_t at, void *arg);
/* store_suppress_list: ordered by entry. */
int store_suppress_list(struct store *st, store_suppress_cb cb, void *arg,
                        char **errstr);

/* ---- IMAP sync state per folder */

/* store_folder_get: 0/0 if the folder was never synced (STORE_OK). */
int store_folder_get(struct store *st, const char *folder,
                     uint32_t *uidvalidity, uint32_t *last_uid, char **errstr);
int store_folder_set(struct store *st, const char *folder, uint32_t uidvalidity,
                     uint32_t last_uid, time_t at, char **errstr);

/* ---- processed messages (idempotency of the mail-in pipeline) */

/* store_msg_seen: *seen = 1 if (folder, uidvalidity, uid) was recorded, or
 * message_id (may be NULL) was already recorded in that folder (under any
 * UIDVALIDITY: a rescan after a UIDVALIDITY change). */
int store_msg_seen(struct store *st, const char *folder, uint32_t uidvalidity,
                   uint32_t uid, const char *message_id, int *seen,
                   char **errstr);
/* store_msg_add: record a processed message; recording the same
 * (folder, uidvalidity, uid) again is STORE_OK and changes nothing.
 * lead_id 0 = matched no lead. */
int store_msg_add(struct store *st, const char *folder, uint32_t uidvalidity,
                  uint32_t uid, const char *message_id, const char *msgclass,
                  int64_t lead_id, time_t at, char **errstr);

/* ---- the review queue: messages nudge was unsure about */

struct review {
	int64_t id;
	int64_t lead_id; /* 0 = matched no lead */
	time_t at;
	char *message_id, *sender, *subject;
	char *guess;  /* nudge's class, e.g. "unsubscribe", "bounce_hard" */
	char *intent; /* its reply intent, or NULL */
	char *signal; /* the deciding signal or rule */
	char *why;    /* why it is held */
	char *text;   /* the new text, or NULL */
	int day;      /* a date the message states (clock day), -1 = none */
	time_t resolved_at; /* 0 = open */
	char *resolution;   /* the class the salesperson chose */
};
void review_free(struct review *r);
typedef int (*store_review_cb)(const struct review *r, void *arg);

/* store_review_add: r->id is set.  STORE_EINVAL without a guess. */
int store_review_add(struct store *st, struct review *r, char **errstr);
/* store_review_get: *out as for store_lead_get_id; STORE_ENOTFOUND. */
int store_review_get(struct store *st, int64_t id, struct review **out,
                     char **errstr);
/* store_review_list: open reviews (all of them when all != 0), oldest
 * first. */
int store_review_list(struct store *st, int all, store_review_cb cb, void *arg,
                      char **errstr);
/* store_review_resolve: mark review id decided as resolution at `at`.
 * STORE_ENOTFOUND if there is no open review with that id. */
int store_review_resolve(struct store *st, int64_t id, const char *resolution,
                         time_t at, char **errstr);
/* store_review_count: *n = open reviews (of lead_id, or all when 0). */
int store_review_count(struct store *st, int64_t lead_id, int *n,
                       char **errstr);

/* ---- meta: small key/value settings of the database */

/* store_meta_get: *value malloc'd; STORE_ENOTFOUND if key is unset. */
int store_meta_get(struct store *st, const char *key, char **value,
                   char **errstr);
int store_meta_set(struct store *st, const char *key, const char *value,
                   char **errstr);

/* ==== report queries (issue 12: nudge report, nudge export ics) ==== */

/* A done touch: an email touch in state sent, or a manual one in state done
 * (reply tasks excluded).  Strings valid during the callback only. */
struct store_rtouch {
	int64_t lead_id;
	const char *stage, *channel;
	const char *template_version; /* an email's, or NULL */
	time_t done_at;
};
typedef int (*store_rtouch_cb)(const struct store_rtouch *t, void *arg);
/* store_report_touches: every done touch with done_at < until, ordered by
 * lead, then done_at, then id (a scan of the covering index
 * touches(lead_id, done_at, state, channel, stage), no sort). */
int store_report_touches(struct store *st, time_t until, store_rtouch_cb cb,
                         void *arg, char **errstr);

/* An event of type "message", "status", "enrolled" or "review" (detail may
 * be NULL). */
struct store_revent {
	int64_t lead_id;
	time_t at;
	const char *type, *detail;
};
typedef int (*store_revent_cb)(const struct store_revent *e, void *arg);
/* store_report_events: those events with at < until, ordered by lead, then
 * time, then insertion. */
int store_report_events(struct store *st, time_t until, store_revent_cb cb,
                        void *arg, char **errstr);

struct store_rlead {
	int64_t id;
	time_t created;
	const char *sequence; /* may be NULL */
	int status;           /* enum lead_status */
};
typedef int (*store_rlead_cb)(const struct store_rlead *l, void *arg);
/* store_report_leads: every lead (core columns for the report), by id. */
int store_report_leads(struct store *st, store_rlead_cb cb, void *arg,
                       char **errstr);

/* store_report_reviews: cb(guess, resolution or NULL) for each review
 * opened in [since, until), oldest first. */
typedef int (*store_rreview_cb)(const char *guess, const char *resolution,
                                void *arg);
int store_report_reviews(struct store *st, time_t since, time_t until,
                         store_rreview_cb cb, void *arg, char **errstr);
/* ==== end of report queries ==== */

#endif
