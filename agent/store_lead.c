/* store_lead - leads, their fields, notes, events and the suppression list
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


/* ---- leads */

void
st_lead_clear(struct lead *l)
{
	size_t i;

	free(l->email);
	free(l->name);
	free(l->first_name);
	free(l->company);
	free(l->domain);
	free(l->phone);
	free(l->tz);
	free(l->source);
	free(l->sequence);
	for (i = 0; i < l->nfields; i++) {
		free(l->fields[i].key);
		free(l->fields[i].value);
	}
	free(l->fields);
	memset(l, 0, sizeof(*l));
}

void
lead_free(struct lead *l)
{
	if (l == NULL)
		return;
	st_lead_clear(l);
	free(l);
}

void
lead_field_set(struct lead *l, const char *key, const char *value)
{
	size_t i;

	for (i = 0; i < l->nfields; i++)
		if (strcmp(l->fields[i].key, key) == 0)
			break;
	if (i < l->nfields) {
		free(l->fields[i].value);
		if (value && *value) {
			l->fields[i].value = xstrdup(value);
			return;
		}
		free(l->fields[i].key);
		memmove(&l->fields[i], &l->fields[i + 1],
		    (l->nfields - i - 1) * sizeof *l->fields);
		l->nfields--;
	} else if (value && *value) {
		l->fields = xreallocarray(l->fields, l->nfields + 1,
		    sizeof *l->fields);
		l->fields[l->nfields].key = xstrdup(key);
		l->fields[l->nfields].value = xstrdup(value);
		l->nfields++;
	}
	if (l->fields == NULL)
		l->fields = xcalloc(1, sizeof *l->fields);
}

/* lead_row: fill l from LEAD_COLS starting at column off. */
void
st_lead_row(sqlite3_stmt *s, int off, struct lead *l)
{
	memset(l, 0, sizeof(*l));
	l->id = sqlite3_column_int64(s, off + 0);
	l->email = st_col_str(s, off + 1);
	l->name = st_col_str(s, off + 2);
	l->first_name = st_col_str(s, off + 3);
	l->company = st_col_str(s, off + 4);
	l->domain = st_col_str(s, off + 5);
	l->phone = st_col_str(s, off + 6);
	l->tz = st_col_str(s, off + 7);
	l->source = st_col_str(s, off + 8);
	l->status = st_col_status(s, off + 9);
	l->sequence = st_col_str(s, off + 10);
	l->step = sqlite3_column_int(s, off + 11);
	l->xcount = sqlite3_column_int(s, off + 12);
	l->next_due = (time_t)sqlite3_column_int64(s, off + 13);
	l->paused_until = (time_t)sqlite3_column_int64(s, off + 14);
	l->created = (time_t)sqlite3_column_int64(s, off + 15);
	l->updated = (time_t)sqlite3_column_int64(s, off + 16);
	l->last_done = (time_t)sqlite3_column_int64(s, off + 17);
	l->prior_status = sqlite3_column_type(s, off + 18) == SQLITE_NULL
	                      ? -1
	                      : st_col_status(s, off + 18);
}


static int
lead_check(const struct lead *l, char **errstr)
{
	size_t i;

	if (l->email == NULL || *l->email == '\0') {
		st_set_err(errstr, "lead: email is required");
		return STORE_EINVAL;
	}
	if (l->status < 0 || l->status >= STORE_NSTATUS) {
		st_set_err(errstr, "lead %s: unknown status %d", l->email,
		        l->status);
		return STORE_EINVAL;
	}
	for (i = 0; l->fields != NULL && i < l->nfields; i++)
		if (l->fields[i].key == NULL || *l->fields[i].key == '\0' ||
		    l->fields[i].value == NULL) {
			st_set_err(errstr,
			        "lead %s: custom field %zu has no "
			        "key or value",
			        l->email, i);
			return STORE_EINVAL;
		}
	return STORE_OK;
}

static void
lead_bind(sqlite3_stmt *s, const struct lead *l)
{
	st_bind_text(s, 1, l->email);
	st_bind_text(s, 2, l->name);
	st_bind_text(s, 3, l->first_name);
	st_bind_text(s, 4, l->company);
	st_bind_text(s, 5, l->domain);
	st_bind_text(s, 6, l->phone);
	st_bind_text(s, 7, l->tz);
	st_bind_text(s, 8, l->source);
	st_bind_text(s, 9, store_lead_status[l->status]);
	st_bind_text(s, 10, l->sequence);
	sqlite3_bind_int(s, 11, l->step);
	sqlite3_bind_int(s, 12, l->xcount);
	st_bind_time_opt(s, 13, l->next_due);
	st_bind_time_opt(s, 14, l->paused_until);
	sqlite3_bind_int64(s, 15, (sqlite3_int64)l->created);
	sqlite3_bind_int64(s, 16, (sqlite3_int64)l->updated);
	st_bind_time_opt(s, 17, l->last_done);
	if (l->prior_status >= 0 && l->prior_status < STORE_NSTATUS)
		st_bind_text(s, 19, store_lead_status[l->prior_status]);
	else
		sqlite3_bind_null(s, 19);
}

static int
field_set(struct store *st, int64_t lead_id, const char *key, const char *value,
          char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	if ((s = st_stmt_get(st, Q_FIELD_SET, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, lead_id);
	st_bind_text(s, 2, key);
	st_bind_text(s, 3, value);
	rc = st_step_done(st, s, "set lead field", errstr);
	st_stmt_put(st, Q_FIELD_SET, s);
	return rc;
}

/* fields_write: replace all custom fields of a lead (inside a transaction). */
static int
fields_write(struct store *st, int64_t lead_id, const struct lead *l,
             char **errstr)
{
	sqlite3_stmt *s;
	size_t i;
	int rc;

	if ((s = st_stmt_get(st, Q_FIELDS_CLEAR, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, lead_id);
	rc = st_step_done(st, s, "clear lead fields", errstr);
	st_stmt_put(st, Q_FIELDS_CLEAR, s);
	for (i = 0; rc == STORE_OK && i < l->nfields; i++)
		rc = field_set(st, lead_id, l->fields[i].key,
		               l->fields[i].value, errstr);
	return rc;
}

int
store_lead_insert(struct store *st, struct lead *l, char **errstr)
{
	sqlite3_stmt *s;
	int rc, own;
	int64_t id = 0;

	if ((rc = lead_check(l, errstr)) != STORE_OK)
		return rc;
	if ((rc = st_inner_begin(st, &own, errstr)) != STORE_OK)
		return rc;
	if ((s = st_stmt_get(st, Q_LEAD_INSERT, errstr)) == NULL) {
		rc = STORE_EDB;
		goto out;
	}
	lead_bind(s, l);
	if (sqlite3_step(s) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(st->db) ==
		    SQLITE_CONSTRAINT_UNIQUE) {
			st_set_err(errstr, "lead %s already exists", l->email);
			rc = STORE_EEXIST;
		} else
			rc = st_db_err(st, "insert lead", errstr);
	} else
		id = sqlite3_last_insert_rowid(st->db);
	st_stmt_put(st, Q_LEAD_INSERT, s);
	/* a new row has no fields yet (a deleted lead's went with it: ON
	 * DELETE CASCADE), so nothing to clear first */
	for (size_t i = 0;
	     rc == STORE_OK && l->fields != NULL && i < l->nfields; i++)
		rc = field_set(st, id, l->fields[i].key, l->fields[i].value,
		               errstr);
out:
	/* the COMMIT (or RELEASE) can fail too (disk full, I/O error):
	 * then nothing was written */
	if (rc == STORE_OK)
		rc = st_inner_end(st, own, 1, errstr);
	else
		st_inner_end(st, own, 0, NULL);
	if (rc == STORE_OK)
		l->id = id;
	return rc;
}

int
store_lead_update(struct store *st, const struct lead *l, char **errstr)
{
	sqlite3_stmt *s;
	int rc, own;

	if ((rc = lead_check(l, errstr)) != STORE_OK)
		return rc;
	if ((rc = st_inner_begin(st, &own, errstr)) != STORE_OK)
		return rc;
	if ((s = st_stmt_get(st, Q_LEAD_UPDATE, errstr)) == NULL) {
		rc = STORE_EDB;
		goto out;
	}
	lead_bind(s, l);
	sqlite3_bind_int64(s, 18, l->id);
	if (sqlite3_step(s) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(st->db) ==
		    SQLITE_CONSTRAINT_UNIQUE) {
			st_set_err(errstr, "lead %s already exists", l->email);
			rc = STORE_EEXIST;
		} else
			rc = st_db_err(st, "update lead", errstr);
	} else if (sqlite3_changes(st->db) == 0) {
		st_set_err(errstr, "lead %lld not found", (long long)l->id);
		rc = STORE_ENOTFOUND;
	}
	st_stmt_put(st, Q_LEAD_UPDATE, s);
	if (rc == STORE_OK && l->fields != NULL)
		rc = fields_write(st, l->id, l, errstr);
out:
	if (rc == STORE_OK)
		rc = st_inner_end(st, own, 1, errstr);
	else
		st_inner_end(st, own, 0, NULL);
	return rc;
}

int
st_fields_load(struct store *st, struct lead *l, char **errstr)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;

	if ((s = st_stmt_get(st, Q_FIELDS_GET, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, l->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (l->nfields == cap) {
			cap = cap ? cap * 2 : 8;
			l->fields =
			    xreallocarray(l->fields, cap, sizeof(*l->fields));
		}
		l->fields[l->nfields].key = st_col_str(s, 0);
		l->fields[l->nfields].value = st_col_str(s, 1);
		l->nfields++;
	}
	rc = rc == SQLITE_DONE ? STORE_OK : st_db_err(st, "lead fields", errstr);
	st_stmt_put(st, Q_FIELDS_GET, s);
	return rc;
}

/* lead_get: run lookup query q bound by bindfn, load fields. */
static int
lead_get(struct store *st, int q, const char *email, int64_t id,
         struct lead **out, char **errstr)
{
	sqlite3_stmt *s;
	struct lead *l = NULL;
	int rc;

	*out = NULL;
	if ((s = st_stmt_get(st, q, errstr)) == NULL)
		return STORE_EDB;
	if (email != NULL)
		st_bind_text(s, 1, email);
	else
		sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		l = xmalloc(sizeof(*l));
		st_lead_row(s, 0, l);
		rc = STORE_OK;
	} else if (rc == SQLITE_DONE) {
		if (email != NULL)
			st_set_err(errstr, "no lead %s", email);
		else
			st_set_err(errstr, "no lead %lld", (long long)id);
		rc = STORE_ENOTFOUND;
	} else
		rc = st_db_err(st, "get lead", errstr);
	st_stmt_put(st, q, s);
	if (rc != STORE_OK || l == NULL)
		return rc != STORE_OK ? rc : STORE_EDB;
	if ((rc = st_fields_load(st, l, errstr)) != STORE_OK) {
		lead_free(l);
		return rc;
	}
	*out = l;
	return STORE_OK;
}

int
store_lead_get_email(struct store *st, const char *email, struct lead **out,
                     char **errstr)
{
	if (email == NULL) {
		*out = NULL;
		st_set_err(errstr, "lead: no email given");
		return STORE_EINVAL;
	}
	return lead_get(st, Q_LEAD_BY_EMAIL, email, 0, out, errstr);
}

int
store_lead_max_id(struct store *st, int64_t *id, char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	*id = 0;
	if ((s = st_stmt_get(st, Q_LEAD_MAX_ID, errstr)) == NULL)
		return STORE_EDB;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		rc = STORE_OK;
	} else
		rc = st_db_err(st, "max lead id", errstr);
	st_stmt_put(st, Q_LEAD_MAX_ID, s);
	return rc;
}

int
store_touch_next_due(struct store *st, time_t after, struct touch **out,
                     char **errstr)
{
	sqlite3_stmt *s;
	int64_t id = 0;
	int rc;

	*out = NULL;
	if ((s = st_stmt_get(st, Q_TOUCH_NEXT_DUE, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)after);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE
	         ? STORE_OK
	         : st_db_err(st, "next due touch", errstr);
	st_stmt_put(st, Q_TOUCH_NEXT_DUE, s);
	if (rc != STORE_OK)
		return rc;
	if (id == 0)
		return STORE_ENOTFOUND;
	return store_touch_get(st, id, out, errstr);
}

int
store_lead_by_domain(struct store *st, const char *domain, int64_t *id,
                     int *count, char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	*id = 0;
	*count = 0;
	if ((s = st_stmt_get(st, Q_LEAD_BY_DOMAIN, errstr)) == NULL)
		return STORE_EDB;
	st_bind_text(s, 1, domain);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*count == 0)
			*id = sqlite3_column_int64(s, 0);
		(*count)++;
	}
	rc = rc == SQLITE_DONE ? STORE_OK
	                       : st_db_err(st, "leads by domain", errstr);
	st_stmt_put(st, Q_LEAD_BY_DOMAIN, s);
	return rc;
}

int
store_lead_get_id(struct store *st, int64_t id, struct lead **out,
                  char **errstr)
{
	return lead_get(st, Q_LEAD_BY_ID, NULL, id, out, errstr);
}

int
store_lead_list(struct store *st, const char *status, store_lead_cb cb,
                void *arg, char **errstr)
{
	sqlite3_stmt *s;
	struct lead l;
	int rc, stop = 0;

	int q = status != NULL ? Q_LEAD_LIST_STATUS : Q_LEAD_LIST;

	if ((s = st_stmt_get(st, q, errstr)) == NULL)
		return STORE_EDB;
	if (status != NULL)
		st_bind_text(s, 1, status);
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		st_lead_row(s, 0, &l);
		stop = cb(&l, arg);
		st_lead_clear(&l);
	}
	rc = stop || rc == SQLITE_DONE ? STORE_OK
	                               : st_db_err(st, "list leads", errstr);
	st_stmt_put(st, q, s);
	return rc;
}

int
store_lead_count_by_status(struct store *st, int counts[STORE_NSTATUS],
                           char **errstr)
{
	sqlite3_stmt *s;
	const char *status;
	int rc, i;

	for (i = 0; i < STORE_NSTATUS; i++)
		counts[i] = 0;
	if ((s = st_stmt_get(st, Q_LEAD_COUNT, errstr)) == NULL)
		return STORE_EDB;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		status = (const char *)sqlite3_column_text(s, 0);
		for (i = 0; status != NULL && i < STORE_NSTATUS; i++)
			if (strcmp(status, store_lead_status[i]) == 0)
				counts[i] = sqlite3_column_int(s, 1);
	}
	rc = rc == SQLITE_DONE ? STORE_OK : st_db_err(st, "count leads", errstr);
	st_stmt_put(st, Q_LEAD_COUNT, s);
	return rc;
}

int
store_lead_set_field(struct store *st, int64_t lead_id, const char *key,
                     const char *value, char **errstr)
{
	if (key == NULL || *key == '\0' || value == NULL) {
		st_set_err(errstr, "lead field: key and value are required");
		return STORE_EINVAL;
	}
	return field_set(st, lead_id, key, value, errstr);
}

int
store_lead_delete_field(struct store *st, int64_t lead_id, const char *key,
                        char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	if (key == NULL) {
		st_set_err(errstr, "lead field: key is required");
		return STORE_EINVAL;
	}
	if ((s = st_stmt_get(st, Q_FIELD_DELETE, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, lead_id);
	st_bind_text(s, 2, key);
	rc = st_step_done(st, s, "delete lead field", errstr);
	if (rc == STORE_OK && sqlite3_changes(st->db) == 0) {
		st_set_err(errstr, "lead %lld has no field %s", (long long)lead_id,
		        key);
		rc = STORE_ENOTFOUND;
	}
	st_stmt_put(st, Q_FIELD_DELETE, s);
	return rc;
}

/* ---- notes and events */

int
store_note_add(struct store *st, int64_t lead_id, time_t at, const char *kind,
               const char *text, int64_t *id_out, char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	if (kind == NULL || text == NULL ||
	    (strcmp(kind, "note") != 0 && strcmp(kind, "reply") != 0 &&
	     strcmp(kind, "event") != 0)) {
		st_set_err(errstr, "note: kind must be note, reply or event, "
		                "and text is required");
		return STORE_EINVAL;
	}
	if ((s = st_stmt_get(st, Q_NOTE_ADD, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, lead_id);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)at);
	st_bind_text(s, 3, kind);
	st_bind_text(s, 4, text);
	rc = st_step_done(st, s, "add note", errstr);
	if (rc == STORE_OK && id_out != NULL)
		*id_out = sqlite3_last_insert_rowid(st->db);
	st_stmt_put(st, Q_NOTE_ADD, s);
	return rc;
}

int
store_note_list(struct store *st, int64_t lead_id, store_note_cb cb, void *arg,
                char **errstr)
{
	sqlite3_stmt *s;
	struct note n;
	int rc, stop = 0;

	if ((s = st_stmt_get(st, Q_NOTE_LIST, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, lead_id);
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		n.id = sqlite3_column_int64(s, 0);
		n.lead_id = sqlite3_column_int64(s, 1);
		n.at = (time_t)sqlite3_column_int64(s, 2);
		n.kind = st_col_str(s, 3);
		n.text = st_col_str(s, 4);
		stop = cb(&n, arg);
		free(n.kind);
		free(n.text);
	}
	rc = stop || rc == SQLITE_DONE ? STORE_OK
	                               : st_db_err(st, "list notes", errstr);
	st_stmt_put(st, Q_NOTE_LIST, s);
	return rc;
}

int
store_event_add(struct store *st, int64_t lead_id, time_t at, const char *type,
                const char *detail, const char *message_id, char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	if (type == NULL || *type == '\0') {
		st_set_err(errstr, "event: type is required");
		return STORE_EINVAL;
	}
	if ((s = st_stmt_get(st, Q_EVENT_ADD, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, lead_id);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)at);
	st_bind_text(s, 3, type);
	st_bind_text(s, 4, detail);
	st_bind_text(s, 5, message_id);
	rc = st_step_done(st, s, "add event", errstr);
	st_stmt_put(st, Q_EVENT_ADD, s);
	return rc;
}

int
store_event_list(struct store *st, int64_t lead_id, store_event_cb cb,
                 void *arg, char **errstr)
{
	sqlite3_stmt *s;
	struct event e;
	int rc, stop = 0;

	if ((s = st_stmt_get(st, Q_EVENT_LIST, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, lead_id);
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		e.id = sqlite3_column_int64(s, 0);
		e.lead_id = sqlite3_column_int64(s, 1);
		e.at = (time_t)sqlite3_column_int64(s, 2);
		e.type = st_col_str(s, 3);
		e.detail = st_col_str(s, 4);
		e.message_id = st_col_str(s, 5);
		stop = cb(&e, arg);
		free(e.type);
		free(e.detail);
		free(e.message_id);
	}
	rc = stop || rc == SQLITE_DONE ? STORE_OK
	                               : st_db_err(st, "list events", errstr);
	st_stmt_put(st, Q_EVENT_LIST, s);
	return rc;
}


/* ---- suppression */

int
store_suppress_add(struct store *st, const char *entry, const char *reason,
                   time_t at, char **errstr)
{
	sqlite3_stmt *s;
	const char *p;
	int rc;

	if (entry != NULL && *entry == '@')
		entry++;
	if (entry == NULL || *entry == '\0') {
		st_set_err(errstr, "suppress: empty address or domain");
		return STORE_EINVAL;
	}
	for (p = entry; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			st_set_err(errstr, "suppress: address or domain holds "
			                "a space or control character");
			return STORE_EINVAL;
		}
	if ((s = st_stmt_get(st, Q_SUPP_ADD, errstr)) == NULL)
		return STORE_EDB;
	st_bind_text(s, 1, entry);
	st_bind_text(s, 2, reason);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)at);
	rc = st_step_done(st, s, "suppress", errstr);
	st_stmt_put(st, Q_SUPP_ADD, s);
	return rc;
}

int
store_is_suppressed(struct store *st, const char *email, int *yes,
                    char **reason_out, char **errstr)
{
	sqlite3_stmt *s;
	const char *at;
	int rc;

	*yes = 0;
	if (reason_out != NULL)
		*reason_out = NULL;
	if (email == NULL) {
		st_set_err(errstr, "suppress: no address given");
		return STORE_EINVAL;
	}
	if ((s = st_stmt_get(st, Q_SUPP_CHECK, errstr)) == NULL)
		return STORE_EDB;
	at = strrchr(email, '@');
	st_bind_text(s, 1, email);
	st_bind_text(s, 2, at != NULL ? at + 1 : email);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*yes = 1;
		if (reason_out != NULL)
			*reason_out = st_col_str(s, 0);
		rc = STORE_OK;
	} else if (rc == SQLITE_DONE)
		rc = STORE_OK;
	else
		rc = st_db_err(st, "suppression check", errstr);
	st_stmt_put(st, Q_SUPP_CHECK, s);
	return rc;
}

int
store_suppress_list(struct store *st, store_suppress_cb cb, void *arg,
                    char **errstr)
{
	sqlite3_stmt *s;
	int rc, stop = 0;

	if ((s = st_stmt_get(st, Q_SUPP_LIST, errstr)) == NULL)
		return STORE_EDB;
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		char *e = st_col_str(s, 0), *r = st_col_str(s, 1);

		stop = cb(e, r, (time_t)sqlite3_column_int64(s, 2), arg);
		free(e);
		free(r);
	}
	rc = stop || rc == SQLITE_DONE ? STORE_OK
	                               : st_db_err(st, "list suppression", errstr);
	st_stmt_put(st, Q_SUPP_LIST, s);
	return rc;
}

