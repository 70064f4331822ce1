/* store_mail - IMAP sync state, processed messages and the review queue
 * (see store.h) */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "store_p.h"
#include "xalloc.h"

/* ---- folders and processed messages */

int
store_folder_get(struct store *st, const char *folder, uint32_t *uidvalidity,
                 uint32_t *last_uid, char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	*uidvalidity = *last_uid = 0;
	if ((s = st_stmt_get(st, Q_FOLDER_GET, errstr)) == NULL)
		return STORE_EDB;
	st_bind_text(s, 1, folder);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*uidvalidity = (uint32_t)sqlite3_column_int64(s, 0);
		*last_uid = (uint32_t)sqlite3_column_int64(s, 1);
		rc = STORE_OK;
	} else if (rc == SQLITE_DONE)
		rc = STORE_OK;
	else
		rc = st_db_err(st, "folder state", errstr);
	st_stmt_put(st, Q_FOLDER_GET, s);
	return rc;
}

int
store_folder_set(struct store *st, const char *folder, uint32_t uidvalidity,
                 uint32_t last_uid, time_t at, char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	if (folder == NULL) {
		st_set_err(errstr, "folder: no name given");
		return STORE_EINVAL;
	}
	if ((s = st_stmt_get(st, Q_FOLDER_SET, errstr)) == NULL)
		return STORE_EDB;
	st_bind_text(s, 1, folder);
	sqlite3_bind_int64(s, 2, uidvalidity);
	sqlite3_bind_int64(s, 3, last_uid);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)at);
	rc = st_step_done(st, s, "set folder state", errstr);
	st_stmt_put(st, Q_FOLDER_SET, s);
	return rc;
}

int
store_msg_seen(struct store *st, const char *folder, uint32_t uidvalidity,
               uint32_t uid, const char *message_id, int *seen, char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	*seen = 0;
	if ((s = st_stmt_get(st, Q_MSG_SEEN, errstr)) == NULL)
		return STORE_EDB;
	st_bind_text(s, 1, folder);
	sqlite3_bind_int64(s, 2, uidvalidity);
	sqlite3_bind_int64(s, 3, uid);
	st_bind_text(s, 4, message_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*seen = 1;
		rc = STORE_OK;
	} else if (rc == SQLITE_DONE)
		rc = STORE_OK;
	else
		rc = st_db_err(st, "message seen", errstr);
	st_stmt_put(st, Q_MSG_SEEN, s);
	return rc;
}

int
store_msg_add(struct store *st, const char *folder, uint32_t uidvalidity,
              uint32_t uid, const char *message_id, const char *msgclass,
              int64_t lead_id, time_t at, char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	if (folder == NULL) {
		st_set_err(errstr, "message: no folder given");
		return STORE_EINVAL;
	}
	if ((s = st_stmt_get(st, Q_MSG_ADD, errstr)) == NULL)
		return STORE_EDB;
	st_bind_text(s, 1, folder);
	sqlite3_bind_int64(s, 2, uidvalidity);
	sqlite3_bind_int64(s, 3, uid);
	st_bind_text(s, 4, message_id);
	st_bind_text(s, 5, msgclass);
	if (lead_id != 0)
		sqlite3_bind_int64(s, 6, lead_id);
	else
		sqlite3_bind_null(s, 6);
	sqlite3_bind_int64(s, 7, (sqlite3_int64)at);
	rc = st_step_done(st, s, "record message", errstr);
	st_stmt_put(st, Q_MSG_ADD, s);
	return rc;
}

/* ---- reviews */

void
review_free(struct review *r)
{
	if (r == NULL)
		return;
	free(r->message_id);
	free(r->sender);
	free(r->subject);
	free(r->guess);
	free(r->intent);
	free(r->signal);
	free(r->why);
	free(r->text);
	free(r->resolution);
	free(r);
}

static void
review_row(sqlite3_stmt *s, struct review *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(s, 0);
	r->lead_id = sqlite3_column_int64(s, 1);
	r->at = (time_t)sqlite3_column_int64(s, 2);
	r->message_id = st_col_str(s, 3);
	r->sender = st_col_str(s, 4);
	r->subject = st_col_str(s, 5);
	r->guess = st_col_str(s, 6);
	r->intent = st_col_str(s, 7);
	r->signal = st_col_str(s, 8);
	r->why = st_col_str(s, 9);
	r->text = st_col_str(s, 10);
	r->day = sqlite3_column_type(s, 11) == SQLITE_NULL
	             ? -1
	             : sqlite3_column_int(s, 11);
	r->resolved_at = (time_t)sqlite3_column_int64(s, 12);
	r->resolution = st_col_str(s, 13);
}

int
store_review_add(struct store *st, struct review *r, char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	if (r->guess == NULL || *r->guess == '\0') {
		st_set_err(errstr, "review: a guess is required");
		return STORE_EINVAL;
	}
	if ((s = st_stmt_get(st, Q_REVIEW_ADD, errstr)) == NULL)
		return STORE_EDB;
	if (r->lead_id)
		sqlite3_bind_int64(s, 1, r->lead_id);
	else
		sqlite3_bind_null(s, 1);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)r->at);
	st_bind_text(s, 3, r->message_id);
	st_bind_text(s, 4, r->sender);
	st_bind_text(s, 5, r->subject);
	st_bind_text(s, 6, r->guess);
	st_bind_text(s, 7, r->intent);
	st_bind_text(s, 8, r->signal);
	st_bind_text(s, 9, r->why);
	st_bind_text(s, 10, r->text);
	if (r->day >= 0)
		sqlite3_bind_int(s, 11, r->day);
	else
		sqlite3_bind_null(s, 11);
	rc = st_step_done(st, s, "add review", errstr);
	if (rc == STORE_OK)
		r->id = sqlite3_last_insert_rowid(st->db);
	st_stmt_put(st, Q_REVIEW_ADD, s);
	return rc;
}

int
store_review_get(struct store *st, int64_t id, struct review **out,
                 char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	if ((s = st_stmt_get(st, Q_REVIEW_GET, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*out = xmalloc(sizeof **out);
		review_row(s, *out);
		rc = STORE_OK;
	} else if (rc == SQLITE_DONE) {
		st_set_err(errstr, "no review %lld", (long long)id);
		rc = STORE_ENOTFOUND;
	} else
		rc = st_db_err(st, "review", errstr);
	st_stmt_put(st, Q_REVIEW_GET, s);
	return rc;
}

int
store_review_list(struct store *st, int all, store_review_cb cb, void *arg,
                  char **errstr)
{
	sqlite3_stmt *s;
	struct review r;
	int rc, stop = 0;

	if ((s = st_stmt_get(st, Q_REVIEW_LIST, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int(s, 1, all != 0);
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		review_row(s, &r);
		stop = cb(&r, arg);
		free(r.message_id);
		free(r.sender);
		free(r.subject);
		free(r.guess);
		free(r.intent);
		free(r.signal);
		free(r.why);
		free(r.text);
		free(r.resolution);
	}
	rc = stop || rc == SQLITE_DONE ? STORE_OK
	                               : st_db_err(st, "list reviews", errstr);
	st_stmt_put(st, Q_REVIEW_LIST, s);
	return rc;
}

int
store_review_resolve(struct store *st, int64_t id, const char *resolution,
                     time_t at, char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	if ((s = st_stmt_get(st, Q_REVIEW_RESOLVE, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)at);
	st_bind_text(s, 3, resolution);
	rc = st_step_done(st, s, "resolve review", errstr);
	if (rc == STORE_OK && sqlite3_changes(st->db) == 0) {
		st_set_err(errstr, "no open review %lld", (long long)id);
		rc = STORE_ENOTFOUND;
	}
	st_stmt_put(st, Q_REVIEW_RESOLVE, s);
	return rc;
}

int
store_review_count(struct store *st, int64_t lead_id, int *n, char **errstr)
{
	return st_count_one(st, Q_REVIEW_COUNT, lead_id, 0, n, "count reviews",
	                 errstr);
}

