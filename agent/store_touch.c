/* store_touch - touches: the cadence's plan and the outbox rows (see store.h) */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "store_p.h"
#include "xalloc.h"


/* ---- touches */

static void
touch_clear(struct touch *t)
{
	free(t->stage);
	free(t->channel);
	free(t->outcome);
	free(t->note);
	free(t->message_id);
	free(t->subject);
	free(t->message);
	free(t->error);
	free(t->value_item);
	free(t->template_version);
	free(t->in_reply_to);
	free(t->references);
	memset(t, 0, sizeof(*t));
}

void
touch_free(struct touch *t)
{
	if (t == NULL)
		return;
	touch_clear(t);
	free(t);
}

static void
touch_row(sqlite3_stmt *s, struct touch *t)
{
	const void *blob;
	int n;

	memset(t, 0, sizeof(*t));
	t->id = sqlite3_column_int64(s, 0);
	t->lead_id = sqlite3_column_int64(s, 1);
	t->stage = st_col_str(s, 2);
	t->channel = st_col_str(s, 3);
	t->due = (time_t)sqlite3_column_int64(s, 4);
	{
		/* the CHECK constraint keeps it valid; a newer program's
		 * state reads as unknown: never sent again unseen */
		int k = touch_state_parse((const char *)sqlite3_column_text(s, 5));
		t->state = k >= 0 ? k : TOUCH_UNKNOWN;
	}
	t->outcome = st_col_str(s, 6);
	t->done_at = (time_t)sqlite3_column_int64(s, 7);
	t->note = st_col_str(s, 8);
	t->message_id = st_col_str(s, 9);
	t->subject = st_col_str(s, 10);
	if (sqlite3_column_type(s, 11) != SQLITE_NULL) {
		blob = sqlite3_column_blob(s, 11);
		n = sqlite3_column_bytes(s, 11);
		t->message = xmalloc((size_t)n + 1);
		if (n > 0)
			memcpy(t->message, blob, (size_t)n);
		t->message[n] = '\0';
		t->message_len = (size_t)n;
	}
	t->attempts = sqlite3_column_int(s, 12);
	t->next_attempt = (time_t)sqlite3_column_int64(s, 13);
	t->error = st_col_str(s, 14);
	t->value_item = st_col_str(s, 15);
	t->in_reply_to = st_col_str(s, 16);
	t->references = st_col_str(s, 17);
	t->template_version = st_col_str(s, 18);
}

static const char *const touch_states[TOUCH__COUNT] = {
    "planned", "held", "sending", "sent",    "failed",
    "unknown", "done", "missed",  "skipped",
};

const char *
touch_state_name(int state)
{
	if (state < 0 || state >= TOUCH__COUNT)
		return "?";
	return touch_states[state];
}

int
touch_state_parse(const char *name)
{
	for (int i = 0; name != NULL && i < TOUCH__COUNT; i++)
		if (strcmp(name, touch_states[i]) == 0)
			return i;
	return -1;
}

static int
touch_check(const struct touch *t, char **errstr)
{
	if (t->stage == NULL || *t->stage == '\0' || t->channel == NULL ||
	    *t->channel == '\0') {
		st_set_err(errstr, "touch: stage and channel are required");
		return STORE_EINVAL;
	}
	if (t->state >= 0 && t->state < TOUCH__COUNT)
		return STORE_OK;
	st_set_err(errstr, "touch: unknown state %d", t->state);
	return STORE_EINVAL;
}

static void
touch_bind(sqlite3_stmt *s, const struct touch *t)
{
	sqlite3_bind_int64(s, 1, t->lead_id);
	st_bind_text(s, 2, t->stage);
	st_bind_text(s, 3, t->channel);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)t->due);
	st_bind_text(s, 5, touch_states[t->state]);
	st_bind_text(s, 6, t->outcome);
	st_bind_time_opt(s, 7, t->done_at);
	st_bind_text(s, 8, t->note);
	st_bind_text(s, 9, t->message_id);
	st_bind_text(s, 10, t->subject);
	if (t->message == NULL)
		sqlite3_bind_null(s, 11);
	else
		sqlite3_bind_blob64(s, 11, t->message,
		                    t->message_len ? t->message_len
		                                   : strlen(t->message),
		                    SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 12, t->attempts);
	st_bind_time_opt(s, 13, t->next_attempt);
	st_bind_text(s, 14, t->error);
	st_bind_text(s, 15, t->value_item);
	st_bind_text(s, 16, t->in_reply_to);
	st_bind_text(s, 17, t->references);
	st_bind_text(s, 19, t->template_version);
}

int
store_touch_insert(struct store *st, struct touch *t, char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	if ((rc = touch_check(t, errstr)) != STORE_OK)
		return rc;
	if ((s = st_stmt_get(st, Q_TOUCH_INSERT, errstr)) == NULL)
		return STORE_EDB;
	touch_bind(s, t);
	rc = st_step_done(st, s, "insert touch", errstr);
	if (rc == STORE_OK)
		t->id = sqlite3_last_insert_rowid(st->db);
	st_stmt_put(st, Q_TOUCH_INSERT, s);
	return rc;
}

static int
state_is_outbox(int state)
{
	return state == TOUCH_SENDING || state == TOUCH_SENT ||
	       state == TOUCH_FAILED || state == TOUCH_UNKNOWN;
}

int
store_touch_update(struct store *st, const struct touch *t, char **errstr)
{
	sqlite3_stmt *s;
	int rc, full = 0;

	if ((rc = touch_check(t, errstr)) != STORE_OK)
		return rc;
	/* An outbox transition outside a transaction: commit it with
	 * synchronous=FULL (the pragma cannot change inside one). */
	if (state_is_outbox(t->state) && sqlite3_get_autocommit(st->db)) {
		if ((rc = st_exec(st, "PRAGMA synchronous = FULL", errstr)) !=
		    STORE_OK)
			return rc;
		full = 1;
	}
	if ((s = st_stmt_get(st, Q_TOUCH_UPDATE, errstr)) == NULL) {
		rc = STORE_EDB;
		goto out;
	}
	touch_bind(s, t);
	sqlite3_bind_int64(s, 18, t->id);
	rc = st_step_done(st, s, "update touch", errstr);
	if (rc == STORE_OK && sqlite3_changes(st->db) == 0) {
		st_set_err(errstr, "touch %lld not found", (long long)t->id);
		rc = STORE_ENOTFOUND;
	}
	st_stmt_put(st, Q_TOUCH_UPDATE, s);
out:
	if (full)
		st_exec(st, "PRAGMA synchronous = NORMAL", NULL);
	return rc;
}

/* touch_one: run a query returning at most one touch row (bound to an id or a
 * string). */
static int
touch_one(struct store *st, int q, int64_t id, const char *str,
          struct touch **out, const char *what, char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	if ((s = st_stmt_get(st, q, errstr)) == NULL)
		return STORE_EDB;
	if (str != NULL)
		st_bind_text(s, 1, str);
	else
		sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*out = xmalloc(sizeof(**out));
		touch_row(s, *out);
		rc = STORE_OK;
	} else if (rc == SQLITE_DONE) {
		if (str != NULL)
			st_set_err(errstr, "%s %s not found", what, str);
		else
			st_set_err(errstr, "%s %lld not found", what,
			        (long long)id);
		rc = STORE_ENOTFOUND;
	} else
		rc = st_db_err(st, what, errstr);
	st_stmt_put(st, q, s);
	return rc;
}

int
store_touch_get(struct store *st, int64_t id, struct touch **out, char **errstr)
{
	return touch_one(st, Q_TOUCH_GET, id, NULL, out, "touch", errstr);
}

int
store_touch_by_message_id(struct store *st, const char *message_id,
                          struct touch **out, char **errstr)
{
	if (message_id == NULL) {
		*out = NULL;
		st_set_err(errstr, "touch: no Message-ID given");
		return STORE_EINVAL;
	}
	return touch_one(st, Q_TOUCH_BY_MID, 0, message_id, out,
	                 "touch with Message-ID", errstr);
}

int
store_touch_last_sent(struct store *st, int64_t lead_id, struct touch **out,
                      char **errstr)
{
	return touch_one(st, Q_TOUCH_LAST_SENT, lead_id, NULL, out,
	                 "sent email to lead", errstr);
}

int
store_touch_first_sent(struct store *st, int64_t lead_id, struct touch **out,
                       char **errstr)
{
	return touch_one(st, Q_TOUCH_FIRST_SENT, lead_id, NULL, out,
	                 "sent stage-1 email to lead", errstr);
}

/*
 * touch_iter: step a touch+lead query already bound, collecting every row,
 * then reset the statement and call cb per row.  The callbacks thus may
 * update the very rows (and index entries) being listed, e.g. the outbox
 * claiming a due touch as "sending", without the scan skipping or
 * revisiting rows.
 */
static int
touch_iter_fields(struct store *st, int q, sqlite3_stmt *s, int fields,
    store_touch_cb cb, void *arg, const char *what, char **errstr)
{
	struct row {
		struct touch t;
		struct lead l;
	} *rows = NULL;
	size_t n = 0, cap = 0, i;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			rows = xreallocarray(rows, cap, sizeof(*rows));
		}
		touch_row(s, &rows[n].t);
		st_lead_row(s, NTOUCH_COLS, &rows[n].l);
		n++;
	}
	rc = rc == SQLITE_DONE ? STORE_OK : st_db_err(st, what, errstr);
	st_stmt_put(st, q, s);
	for (i = 0; i < n; i++) {
		if (rc == STORE_OK && fields)
			rc = st_fields_load(st, &rows[i].l, errstr);
		if (rc == STORE_OK && cb(&rows[i].t, &rows[i].l, arg) != 0)
			rc = -1;
		touch_clear(&rows[i].t);
		st_lead_clear(&rows[i].l);
	}
	free(rows);
	return rc == -1 ? STORE_OK : rc;
}

static int
touch_iter(struct store *st, int q, sqlite3_stmt *s, store_touch_cb cb,
    void *arg, const char *what, char **errstr)
{
	return touch_iter_fields(st, q, s, 0, cb, arg, what, errstr);
}

int
store_touch_list_lead(struct store *st, int64_t lead_id, store_touch_cb cb,
                      void *arg, char **errstr)
{
	sqlite3_stmt *s;

	if ((s = st_stmt_get(st, Q_TOUCH_LIST_LEAD, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, lead_id);
	return touch_iter(st, Q_TOUCH_LIST_LEAD, s, cb, arg, "list touches",
	                  errstr);
}

int
store_touch_list_state(struct store *st, int state, store_touch_cb cb,
                       void *arg, char **errstr)
{
	sqlite3_stmt *s;

	if (state < 0 || state >= TOUCH__COUNT) {
		st_set_err(errstr, "touch list: no such state %d", state);
		return STORE_EINVAL;
	}
	if ((s = st_stmt_get(st, Q_TOUCH_LIST_STATE, errstr)) == NULL)
		return STORE_EDB;
	st_bind_text(s, 1, touch_states[state]);
	return touch_iter(st, Q_TOUCH_LIST_STATE, s, cb, arg, "list touches",
	                  errstr);
}

int
store_touches_due(struct store *st, time_t until, const char *channel,
                  store_touch_cb cb, void *arg, char **errstr)
{
	sqlite3_stmt *s;

	if ((s = st_stmt_get(st, Q_TOUCH_DUE, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)until);
	st_bind_text(s, 2, channel);
	return touch_iter(st, Q_TOUCH_DUE, s, cb, arg, "due touches", errstr);
}

int
store_touches_due_whole(struct store *st, time_t until, const char *channel,
    store_touch_cb cb, void *arg, char **errstr)
{
	sqlite3_stmt *s;

	if ((s = st_stmt_get(st, Q_TOUCH_DUE, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)until);
	st_bind_text(s, 2, channel);
	return touch_iter_fields(st, Q_TOUCH_DUE, s, 1, cb, arg, "due touches",
	    errstr);
}

int
store_explain_due(struct store *st, struct buf *out, char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, "EXPLAIN QUERY PLAN " DUE_SQL, -1, &s,
	                       NULL) != SQLITE_OK)
		return st_db_err(st, "explain", errstr);
	sqlite3_bind_int64(s, 1, 0);
	sqlite3_bind_null(s, 2);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *d = sqlite3_column_text(s, 3);

		buf_adds(out, d != NULL ? (const char *)d : "");
		buf_addc(out, '\n');
	}
	rc = rc == SQLITE_DONE ? STORE_OK : st_db_err(st, "explain", errstr);
	sqlite3_finalize(s);
	return rc;
}

/* count_update: run an UPDATE bound to one integer, report rows changed. */
static int
count_update(struct store *st, int q, sqlite3_int64 v, int *count,
             const char *what, char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	if ((s = st_stmt_get(st, q, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, v);
	rc = st_step_done(st, s, what, errstr);
	if (rc == STORE_OK && count != NULL)
		*count = sqlite3_changes(st->db);
	st_stmt_put(st, q, s);
	return rc;
}

int
store_touch_skip_unlogged(struct store *st, time_t before, int *count,
                          char **errstr)
{
	return count_update(st, Q_TOUCH_UNLOGGED, (sqlite3_int64)before, count,
	                    "skip unlogged tasks", errstr);
}

int
store_touch_count_unlogged(struct store *st, int *n, char **errstr)
{
	return st_count_one(st, Q_TOUCH_COUNT_UNLOGGED, 0, 0, n, "count unlogged",
	                 errstr);
}

int
store_lead_mailed_since(struct store *st, int64_t lead_id, time_t since,
                        int *yes, char **errstr)
{
	return st_count_one(st, Q_LEAD_MAILED_SINCE, lead_id, (sqlite3_int64)since,
	                 yes, "mailed since", errstr);
}

int
store_lead_reply_waits(struct store *st, int64_t lead_id, int *yes,
                       char **errstr)
{
	return st_count_one(st, Q_LEAD_REPLY_WAITS, lead_id, 0, yes,
	                 "reply waiting", errstr);
}

int
store_touch_skip_open(struct store *st, int64_t lead_id, int *count,
                      char **errstr)
{
	return count_update(st, Q_TOUCH_SKIP, lead_id, count,
	                    "skip open touches", errstr);
}

int
store_touch_count_sent_since(struct store *st, time_t since, int *n,
                             char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	*n = 0;
	if ((s = st_stmt_get(st, Q_TOUCH_COUNT_SENT, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)since);
	if (sqlite3_step(s) == SQLITE_ROW) {
		*n = sqlite3_column_int(s, 0);
		rc = STORE_OK;
	} else
		rc = st_db_err(st, "count sent", errstr);
	st_stmt_put(st, Q_TOUCH_COUNT_SENT, s);
	return rc;
}

int
store_touch_values_used(struct store *st, int64_t lead_id, store_str_cb cb,
                        void *arg, char **errstr)
{
	sqlite3_stmt *s;
	int rc, stop = 0;

	if ((s = st_stmt_get(st, Q_TOUCH_VALUES, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, lead_id);
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		char *v = st_col_str(s, 0);

		stop = cb(v, arg);
		free(v);
	}
	rc = stop || rc == SQLITE_DONE ? STORE_OK
	                               : st_db_err(st, "values used", errstr);
	st_stmt_put(st, Q_TOUCH_VALUES, s);
	return rc;
}
