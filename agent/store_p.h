/*
 * store_p.h - private to the store: the handle, the statement table and the
 * helpers that store.c shares with store_lead.c, store_touch.c, store_mail.c
 * and store_report.c.  Nothing outside agent/store*.c includes it.
 *
 * Every statement is an entry of st_queries[], prepared on first use and
 * cached in the handle (st_stmt_get / st_stmt_put).  Errors follow store.h:
 * a STORE_E* code, and *errstr set from the connection (st_db_err).
 */
#ifndef NUDGE_STORE_P_H
#define NUDGE_STORE_P_H

#include <sqlite3.h>
#include <time.h>

#include "store.h"

#define LEAD_COLS                                                              \
	"l.id, l.email, l.name, l.first_name, l.company, l.domain, l.phone,"   \
	" l.tz, l.source, l.status, l.sequence, l.step, l.xcount, l.next_due," \
	" l.paused_until, l.created, l.updated, l.last_done, l.prior_status"
#define NLEAD_COLS 19
#define TOUCH_COLS                                                             \
	"t.id, t.lead_id, t.stage, t.channel, t.due, t.state, t.outcome,"      \
	" t.done_at, t.note, t.message_id, t.subject, t.message, t.attempts,"  \
	" t.next_attempt, t.error, t.value_item, t.in_reply_to, t.refs,"      \
	" t.template"
#define NTOUCH_COLS 19

#define REVIEW_COLS                                                            \
	"id, lead_id, at, message_id, sender, subject, guess, intent, signal," \
	" why, text, day, resolved_at, resolution"

/* The order of a stage: "1".."5" by number, then "X1", "X2", ... */
#define STAGE_ORD(c)                                                           \
	"(CASE WHEN substr(" c ", 1, 1) IN ('X', 'x') THEN 1000000 + "         \
	"CAST(substr(" c ", 2) AS INTEGER) ELSE CAST(" c " AS INTEGER) END)"

/* The due list: planned or held touches due by ?1 (of channel ?2, or all) of
 * leads being sent to; "reply" tasks whatever the lead's state.  An email of
 * a lead whose reply waits for the salesperson's answer (an open reply task)
 * is not due: nudge never mails someone who is waiting for an answer. */
#define DUE_SQL                                                                \
	"SELECT " TOUCH_COLS ", " LEAD_COLS                                    \
	" FROM touches AS t JOIN leads AS l ON l.id = t.lead_id"               \
	" WHERE t.state IN ('planned', 'held') AND t.due <= ?1"                \
	" AND (?2 IS NULL OR t.channel = ?2) AND (l.status IN ('active', 'engaged')" \
	" OR t.channel = 'reply')"                                           \
	" AND (t.channel <> 'email' OR NOT EXISTS (SELECT 1 FROM touches AS r" \
	" WHERE r.lead_id = t.lead_id AND r.done_at IS NULL"                   \
	" AND r.state = 'planned' AND r.channel = 'reply'))"                   \
	" ORDER BY t.due, t.id"

/* Every statement, prepared on first use and cached in the handle. */
enum {
	Q_LEAD_INSERT,
	Q_LEAD_UPDATE,
	Q_LEAD_BY_EMAIL,
	Q_LEAD_BY_ID,
	Q_LEAD_LIST,
	Q_LEAD_LIST_STATUS,
	Q_LEAD_COUNT,
	Q_LEAD_MAX_ID,
	Q_LEAD_BY_DOMAIN,
	Q_TOUCH_NEXT_DUE,
	Q_FIELDS_GET,
	Q_FIELDS_CLEAR,
	Q_FIELD_SET,
	Q_FIELD_DELETE,
	Q_LEAD_EXISTS,
	Q_NOTE_ADD,
	Q_NOTE_LIST,
	Q_EVENT_ADD,
	Q_EVENT_LIST,
	Q_TOUCH_INSERT,
	Q_TOUCH_UPDATE,
	Q_TOUCH_GET,
	Q_TOUCH_BY_MID,
	Q_TOUCH_LIST_LEAD,
	Q_TOUCH_LIST_STATE,
	Q_TOUCH_DUE,
	Q_TOUCH_UNLOGGED,
	Q_TOUCH_COUNT_UNLOGGED,
	Q_LEAD_MAILED_SINCE,
	Q_LEAD_REPLY_WAITS,
	Q_REVIEW_ADD,
	Q_REVIEW_GET,
	Q_REVIEW_LIST,
	Q_REVIEW_RESOLVE,
	Q_REVIEW_COUNT,
	Q_TOUCH_SKIP,
	Q_TOUCH_COUNT_SENT,
	Q_TOUCH_LAST_SENT,
	Q_TOUCH_FIRST_SENT,
	Q_TOUCH_VALUES,
	Q_SUPP_ADD,
	Q_SUPP_CHECK,
	Q_SUPP_LIST,
	Q_FOLDER_GET,
	Q_FOLDER_SET,
	Q_MSG_SEEN,
	Q_MSG_ADD,
	Q_META_GET,
	Q_META_SET,
	Q_COUNT
};

extern const char *const st_queries[Q_COUNT];

struct store {
	sqlite3 *db;
	char *path;
	int memory;  /* ":memory:" */
	int durable; /* a store_begin_durable() transaction is open */
	int bulk;    /* a store_bulk_begin() transaction is open */
	int busy;    /* the last error was a lock another connection holds */
	sqlite3_stmt *cache[Q_COUNT];
};

/* st_set_err: *errstr = the formatted message (errstr may be NULL). */
void st_set_err(char **errstr, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* st_db_err: map the connection's last SQLite error to a STORE_E* code and
 * describe it as "PATH: what: sqlite message (system reason)"; remembers
 * whether it was SQLITE_BUSY/LOCKED (store_busy). */
int st_db_err(struct store *st, const char *what, char **errstr);
/* st_stmt_get: the cached statement for q (NULL and *errstr on error);
 * st_stmt_put gives it back (reset, or finalized if it was a private copy). */
sqlite3_stmt *st_stmt_get(struct store *st, int q, char **errstr);
void st_stmt_put(struct store *st, int q, sqlite3_stmt *s);
/* st_bind_text: v is bound without a copy (valid until st_stmt_put);
 * NULL binds NULL.  st_bind_time_opt: 0 binds NULL. */
int st_bind_text(sqlite3_stmt *s, int i, const char *v);
int st_bind_time_opt(sqlite3_stmt *s, int i, time_t t);
/* st_col_str: a copy of column i, NULL for NULL.  st_col_status: column i
 * as an enum lead_status. */
char *st_col_str(sqlite3_stmt *s, int i);
int st_col_status(sqlite3_stmt *s, int i);
/* st_exec: run sql (no rows).  st_step_done: step s to SQLITE_DONE. */
int st_exec(struct store *st, const char *sql, char **errstr);
int st_step_done(struct store *st, sqlite3_stmt *s, const char *what,
    char **errstr);
/* st_inner_begin / st_inner_end: a transaction of our own unless one is
 * open already (*own says which); st_inner_end commits if ok, else rolls
 * back. */
int st_inner_begin(struct store *st, int *own, char **errstr);
int st_inner_end(struct store *st, int own, int ok, char **errstr);
/* st_count_one: run a SELECT count(*) or SELECT 1 bound to up to two
 * integers; *n gets the first column of the first row (0 when none). */
int st_count_one(struct store *st, int q, sqlite3_int64 a, sqlite3_int64 b,
    int *n, const char *what, char **errstr);
/* st_lead_row: fill l from LEAD_COLS starting at column off (store_lead.c);
 * st_lead_clear frees what l holds and zeroes it. */
void st_lead_row(sqlite3_stmt *s, int off, struct lead *l);
void st_lead_clear(struct lead *l);
/* st_fields_load: append the lead's custom fields to l (by l->id). */
int st_fields_load(struct store *st, struct lead *l, char **errstr);

#endif
