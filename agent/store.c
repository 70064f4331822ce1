/* store - see store.h: opening, the schema and its migrations, transactions,
 * the statement cache and helpers shared through store_p.h, and meta */
#include "autoconf.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "store_p.h"
#include "xalloc.h"

const char *const store_lead_status[STORE_NSTATUS] = {
    "active", "paused",  "engaged", "bounced", "unsubscribed",
    "retired", "snoozed", "review",  "won",     "lost",
};

const char *
lead_status_name(int status)
{
	if (status < 0 || status >= STORE_NSTATUS)
		return "?";
	return store_lead_status[status];
}

int
lead_status_parse(const char *name)
{
	for (int i = 0; name != NULL && i < STORE_NSTATUS; i++)
		if (strcmp(name, store_lead_status[i]) == 0)
			return i;
	return -1;
}

/*
 * The schema, one entry per version: migrations[i] takes user_version i to
 * i + 1.  Append only; never edit a step that has shipped.
 */
static const char *const migrations[] = {
    /* v1: leads and what hangs off them */
    "CREATE TABLE meta ("
    "  key TEXT PRIMARY KEY NOT NULL,"
    "  value TEXT NOT NULL);"
    "CREATE TABLE leads ("
    "  id INTEGER PRIMARY KEY,"
    "  email TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (email <> ''),"
    "  name TEXT, first_name TEXT, company TEXT, domain TEXT, phone TEXT,"
    "  tz TEXT, source TEXT,"
    "  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active',"
    "    'paused', 'engaged', 'bounced', 'unsubscribed', 'retired')),"
    "  sequence TEXT,"
    "  step INTEGER NOT NULL DEFAULT 0,"
    "  xcount INTEGER NOT NULL DEFAULT 0,"
    "  next_due INTEGER,"
    "  paused_until INTEGER,"
    "  created INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL,"
    "  last_done INTEGER);"
    "CREATE INDEX leads_status ON leads (status, next_due);"
    "CREATE TABLE lead_fields ("
    "  lead_id INTEGER NOT NULL REFERENCES leads (id) ON DELETE CASCADE,"
    "  key TEXT NOT NULL CHECK (key <> ''),"
    "  value TEXT NOT NULL,"
    "  PRIMARY KEY (lead_id, key)) WITHOUT ROWID;"
    "CREATE TABLE notes ("
    "  id INTEGER PRIMARY KEY,"
    "  lead_id INTEGER NOT NULL REFERENCES leads (id) ON DELETE CASCADE,"
    "  at INTEGER NOT NULL,"
    "  kind TEXT NOT NULL CHECK (kind IN ('note', 'reply', 'event')),"
    "  text TEXT NOT NULL);"
    "CREATE INDEX notes_lead ON notes (lead_id, at);"
    "CREATE TABLE events ("
    "  id INTEGER PRIMARY KEY,"
    "  lead_id INTEGER NOT NULL REFERENCES leads (id) ON DELETE CASCADE,"
    "  at INTEGER NOT NULL,"
    "  type TEXT NOT NULL,"
    "  detail TEXT,"
    "  message_id TEXT);"
    "CREATE INDEX events_lead ON events (lead_id, at);"
    "CREATE TABLE suppression ("
    "  entry TEXT PRIMARY KEY NOT NULL COLLATE NOCASE,"
    "  reason TEXT,"
    "  at INTEGER NOT NULL);",

    /* v2: touches (and the outbox), IMAP sync state, processed messages */
    "CREATE TABLE touches ("
    "  id INTEGER PRIMARY KEY,"
    "  lead_id INTEGER NOT NULL REFERENCES leads (id) ON DELETE CASCADE,"
    "  stage TEXT NOT NULL CHECK (stage <> ''),"
    "  channel TEXT NOT NULL CHECK (channel <> ''),"
    "  due INTEGER NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'planned' CHECK (state IN ('planned',"
    "    'held', 'sending', 'sent', 'failed', 'unknown', 'done', 'missed',"
    "    'skipped')),"
    "  outcome TEXT,"
    "  done_at INTEGER,"
    "  note TEXT,"
    "  message_id TEXT UNIQUE,"
    "  subject TEXT,"
    "  message BLOB,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt INTEGER,"
    "  error TEXT,"
    "  value_item TEXT,"
    "  in_reply_to TEXT,"
    "  refs TEXT);"
    "CREATE INDEX touches_state_due ON touches (state, due);"
    "CREATE INDEX touches_lead ON touches (lead_id);"
    "CREATE TABLE folders ("
    "  name TEXT PRIMARY KEY NOT NULL,"
    "  uidvalidity INTEGER NOT NULL,"
    "  last_uid INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL);"
    "CREATE TABLE messages ("
    "  folder TEXT NOT NULL,"
    "  uidvalidity INTEGER NOT NULL,"
    "  uid INTEGER NOT NULL,"
    "  message_id TEXT,"
    "  class TEXT,"
    "  lead_id INTEGER REFERENCES leads (id) ON DELETE SET NULL,"
    "  at INTEGER NOT NULL,"
    "  PRIMARY KEY (folder, uidvalidity, uid));"
    "CREATE INDEX messages_mid ON messages (folder, message_id)"
    "  WHERE message_id IS NOT NULL;",
    /* v3: leads by domain, for the same-domain match of a colleague's reply */
    "CREATE INDEX leads_domain ON leads (domain COLLATE NOCASE);",

    /* v4: the relationship after a reply (snoozed, won, lost), the review
     * queue, and the status a paused or held lead returns to.  SQLite
     * cannot change a CHECK constraint: the leads table is rebuilt (with
     * foreign keys off, see migrate()). */
    "CREATE TABLE leads_v4 ("
    "  id INTEGER PRIMARY KEY,"
    "  email TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (email <> ''),"
    "  name TEXT, first_name TEXT, company TEXT, domain TEXT, phone TEXT,"
    "  tz TEXT, source TEXT,"
    "  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active',"
    "    'paused', 'engaged', 'bounced', 'unsubscribed', 'retired',"
    "    'snoozed', 'review', 'won', 'lost')),"
    "  sequence TEXT,"
    "  step INTEGER NOT NULL DEFAULT 0,"
    "  xcount INTEGER NOT NULL DEFAULT 0,"
    "  next_due INTEGER,"
    "  paused_until INTEGER,"
    "  created INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL,"
    "  last_done INTEGER,"
    "  prior_status TEXT);"
    "INSERT INTO leads_v4 (id, email, name, first_name, company, domain,"
    "  phone, tz, source, status, sequence, step, xcount, next_due,"
    "  paused_until, created, updated, last_done)"
    "  SELECT id, email, name, first_name, company, domain, phone, tz,"
    "  source, status, sequence, step, xcount, next_due, paused_until,"
    "  created, updated, last_done FROM leads;"
    "DROP TABLE leads;"
    "ALTER TABLE leads_v4 RENAME TO leads;"
    "CREATE INDEX leads_status ON leads (status, next_due);"
    "CREATE INDEX leads_domain ON leads (domain COLLATE NOCASE);"
    "CREATE TABLE reviews ("
    "  id INTEGER PRIMARY KEY,"
    "  lead_id INTEGER REFERENCES leads (id) ON DELETE CASCADE,"
    "  at INTEGER NOT NULL,"
    "  message_id TEXT,"
    "  sender TEXT,"
    "  subject TEXT,"
    "  guess TEXT NOT NULL,"
    "  intent TEXT,"
    "  signal TEXT,"
    "  why TEXT,"
    "  text TEXT,"
    "  day INTEGER,"
    "  resolved_at INTEGER,"
    "  resolution TEXT);"
    "CREATE INDEX reviews_open ON reviews (resolved_at, id);",

    /* v5 (report): what `nudge report` reads in one pass - a lead's done
     * touches in time order, reviews by date */
    "CREATE INDEX touches_lead_done ON touches (lead_id, done_at, state,"
    "  channel, stage);"
    "CREATE INDEX reviews_at ON reviews (at);",

    /* v6: the version of the template each email was rendered from, so the
     * report can compare two versions of a stage; the report's covering
     * index carries it */
    "ALTER TABLE touches ADD COLUMN template TEXT;"
    "DROP INDEX touches_lead_done;"
    "CREATE INDEX touches_lead_done ON touches (lead_id, done_at, state,"
    "  channel, stage, template);",

    /* v7: touches_lead (lead_id) is a prefix of touches_lead_done, which
     * serves every lookup by lead (and the cascade) as well: one index
     * fewer to write for each touch (issue 13, import) */
    "DROP INDEX touches_lead;",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))
_Static_assert(NMIGRATIONS == STORE_SCHEMA_VERSION,
               "one migration per schema version");

const char *const st_queries[Q_COUNT] = {
    [Q_LEAD_INSERT] =
        "INSERT INTO leads (email, name, first_name, company, domain, phone,"
        " tz, source, status, sequence, step, xcount, next_due, paused_until,"
        " created, updated, last_done, prior_status) VALUES (?1, ?2, ?3, ?4,"
        " ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?19)",
    [Q_LEAD_UPDATE] =
        "UPDATE leads SET email = ?1, name = ?2, first_name = ?3,"
        " company = ?4, domain = ?5, phone = ?6, tz = ?7, source = ?8,"
        " status = ?9, sequence = ?10, step = ?11, xcount = ?12,"
        " next_due = ?13, paused_until = ?14, created = ?15, updated = ?16,"
        " last_done = ?17, prior_status = ?19 WHERE id = ?18",
    [Q_LEAD_BY_EMAIL] = "SELECT " LEAD_COLS " FROM leads AS l"
                        " WHERE l.email = ?1",
    [Q_LEAD_BY_ID] = "SELECT " LEAD_COLS " FROM leads AS l WHERE l.id = ?1",
    /* two statements, not "?1 IS NULL OR status = ?1": an OR on a
     * parameter cannot use an index, and the agenda asks for the paused
     * leads (usually none) of a million on every run */
    [Q_LEAD_LIST] = "SELECT " LEAD_COLS " FROM leads AS l ORDER BY l.email",
    [Q_LEAD_LIST_STATUS] = "SELECT " LEAD_COLS " FROM leads AS l"
                           " WHERE l.status = ?1 ORDER BY l.email",
    [Q_LEAD_COUNT] = "SELECT status, count(*) FROM leads GROUP BY status",
    [Q_LEAD_MAX_ID] = "SELECT coalesce(max(id), 0) FROM leads",
    [Q_TOUCH_NEXT_DUE] = "SELECT t.id FROM touches AS t JOIN leads AS l"
                         " ON l.id = t.lead_id WHERE t.state = 'planned'"
                         " AND t.channel = 'email'"
                         " AND l.status IN ('active', 'engaged')"
                         " AND t.due > ?1 ORDER BY t.due LIMIT 1",
    [Q_LEAD_BY_DOMAIN] = "SELECT id FROM leads WHERE domain = ?1 COLLATE NOCASE"
                         " AND status IN ('active', 'paused', 'engaged',"
                         " 'review') LIMIT 2",
    [Q_FIELDS_GET] = "SELECT key, value FROM lead_fields WHERE lead_id = ?1"
                     " ORDER BY key",
    [Q_FIELDS_CLEAR] = "DELETE FROM lead_fields WHERE lead_id = ?1",
    [Q_FIELD_SET] = "INSERT INTO lead_fields (lead_id, key, value)"
                    " VALUES (?1, ?2, ?3) ON CONFLICT (lead_id, key)"
                    " DO UPDATE SET value = excluded.value",
    [Q_FIELD_DELETE] = "DELETE FROM lead_fields WHERE lead_id = ?1"
                       " AND key = ?2",
    [Q_LEAD_EXISTS] = "SELECT 1 FROM leads WHERE id = ?1",
    [Q_NOTE_ADD] = "INSERT INTO notes (lead_id, at, kind, text)"
                   " VALUES (?1, ?2, ?3, ?4)",
    [Q_NOTE_LIST] = "SELECT id, lead_id, at, kind, text FROM notes"
                    " WHERE lead_id = ?1 ORDER BY at, id",
    [Q_EVENT_ADD] = "INSERT INTO events (lead_id, at, type, detail,"
                    " message_id) VALUES (?1, ?2, ?3, ?4, ?5)",
    [Q_EVENT_LIST] = "SELECT id, lead_id, at, type, detail, message_id"
                     " FROM events WHERE lead_id = ?1 ORDER BY at, id",
    [Q_TOUCH_INSERT] =
        "INSERT INTO touches (lead_id, stage, channel, due, state, outcome,"
        " done_at, note, message_id, subject, message, attempts, next_attempt,"
        " error, value_item, in_reply_to, refs, template) VALUES (?1, ?2, ?3,"
        " ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
        " ?19)",
    [Q_TOUCH_UPDATE] =
        "UPDATE touches SET lead_id = ?1, stage = ?2, channel = ?3, due = ?4,"
        " state = ?5, outcome = ?6, done_at = ?7, note = ?8, message_id = ?9,"
        " subject = ?10, message = ?11, attempts = ?12, next_attempt = ?13,"
        " error = ?14, value_item = ?15, in_reply_to = ?16, refs = ?17,"
        " template = ?19 WHERE id = ?18",
    [Q_TOUCH_GET] = "SELECT " TOUCH_COLS ", " LEAD_COLS
                    " FROM touches AS t JOIN leads AS l ON l.id = t.lead_id"
                    " WHERE t.id = ?1",
    [Q_TOUCH_BY_MID] =
        "SELECT " TOUCH_COLS ", " LEAD_COLS " FROM touches AS t JOIN leads AS l"
        " ON l.id = t.lead_id WHERE t.message_id = ?1",
    [Q_TOUCH_LIST_LEAD] =
        "SELECT " TOUCH_COLS ", " LEAD_COLS " FROM touches AS t JOIN leads AS l"
        " ON l.id = t.lead_id WHERE t.lead_id = ?1"
        " ORDER BY t.id",
    [Q_TOUCH_LIST_STATE] =
        "SELECT " TOUCH_COLS ", " LEAD_COLS " FROM touches AS t JOIN leads AS l"
        " ON l.id = t.lead_id WHERE t.state = ?1"
        " ORDER BY t.due, t.id",
    [Q_TOUCH_DUE] = DUE_SQL,
    [Q_TOUCH_UNLOGGED] =
        "UPDATE touches SET state = 'skipped', outcome = 'not logged'"
        " WHERE state = 'planned' AND due < ?1"
        " AND channel NOT IN ('email', 'reply')",
    [Q_TOUCH_COUNT_UNLOGGED] = "SELECT count(*) FROM touches"
                               " WHERE state = 'skipped'"
                               " AND outcome = 'not logged'",
    [Q_LEAD_MAILED_SINCE] = "SELECT 1 FROM touches WHERE lead_id = ?1"
                            " AND channel = 'email' AND state IN ('sent',"
                            " 'sending', 'unknown') AND (done_at >= ?2"
                            " OR done_at IS NULL) LIMIT 1",
    [Q_LEAD_REPLY_WAITS] = "SELECT 1 FROM touches WHERE lead_id = ?1"
                           " AND done_at IS NULL AND state = 'planned'"
                           " AND channel = 'reply' LIMIT 1",
    [Q_REVIEW_ADD] = "INSERT INTO reviews (lead_id, at, message_id, sender,"
                     " subject, guess, intent, signal, why, text, day)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [Q_REVIEW_GET] = "SELECT " REVIEW_COLS " FROM reviews WHERE id = ?1",
    [Q_REVIEW_LIST] = "SELECT " REVIEW_COLS " FROM reviews"
                      " WHERE ?1 OR resolved_at IS NULL ORDER BY id",
    [Q_REVIEW_RESOLVE] = "UPDATE reviews SET resolved_at = ?2,"
                         " resolution = ?3 WHERE id = ?1"
                         " AND resolved_at IS NULL",
    [Q_REVIEW_COUNT] = "SELECT count(*) FROM reviews WHERE resolved_at IS NULL"
                       " AND (?1 = 0 OR lead_id = ?1)",
    [Q_TOUCH_SKIP] = "UPDATE touches SET state = 'skipped'"
                     " WHERE lead_id = ?1 AND state IN ('planned', 'held')",
    [Q_TOUCH_COUNT_SENT] = "SELECT count(*) FROM touches WHERE state = 'sent'"
                           " AND channel = 'email' AND done_at >= ?1",
    [Q_TOUCH_LAST_SENT] =
        "SELECT " TOUCH_COLS ", " LEAD_COLS " FROM touches AS t JOIN leads AS l"
        " ON l.id = t.lead_id WHERE t.lead_id = ?1"
        " AND t.state = 'sent' AND t.channel = 'email'"
        " ORDER BY t.done_at DESC, t.id DESC LIMIT 1",
    [Q_TOUCH_FIRST_SENT] =
        "SELECT " TOUCH_COLS ", " LEAD_COLS " FROM touches AS t JOIN leads AS l"
        " ON l.id = t.lead_id WHERE t.lead_id = ?1"
        " AND t.state = 'sent' AND t.channel = 'email'"
        " AND t.stage = '1'"
        " ORDER BY t.done_at, t.id LIMIT 1",
    [Q_TOUCH_VALUES] = "SELECT value_item FROM touches WHERE lead_id = ?1"
                       " AND channel = 'email' AND value_item IS NOT NULL"
                       " AND state IN ('sent', 'sending', 'unknown')"
                       " GROUP BY value_item ORDER BY min(id)",
    [Q_SUPP_ADD] = "INSERT INTO suppression (entry, reason, at)"
                   " VALUES (?1, ?2, ?3) ON CONFLICT (entry) DO NOTHING",
    [Q_SUPP_CHECK] = "SELECT reason FROM suppression WHERE entry IN (?1, ?2)"
                     " ORDER BY length(entry) DESC LIMIT 1",
    [Q_SUPP_LIST] = "SELECT entry, reason, at FROM suppression"
                    " ORDER BY entry",
    [Q_FOLDER_GET] = "SELECT uidvalidity, last_uid FROM folders"
                     " WHERE name = ?1",
    [Q_FOLDER_SET] =
        "INSERT INTO folders (name, uidvalidity, last_uid,"
        " updated) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name)"
        " DO UPDATE SET uidvalidity = excluded.uidvalidity,"
        " last_uid = excluded.last_uid, updated = excluded.updated",
    [Q_MSG_SEEN] = "SELECT 1 FROM messages WHERE folder = ?1"
                   " AND uidvalidity = ?2 AND uid = ?3"
                   " UNION ALL SELECT 1 FROM messages WHERE ?4 IS NOT NULL"
                   " AND folder = ?1 AND message_id = ?4 LIMIT 1",
    [Q_MSG_ADD] = "INSERT INTO messages (folder, uidvalidity, uid,"
                  " message_id, class, lead_id, at) VALUES (?1, ?2, ?3, ?4,"
                  " ?5, ?6, ?7) ON CONFLICT (folder, uidvalidity, uid)"
                  " DO NOTHING",
    [Q_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [Q_META_SET] = "INSERT INTO meta (key, value) VALUES (?1, ?2)"
                   " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
};

/* ---- errors */

void
st_set_err(char **errstr, const char *fmt, ...)
{
	va_list ap;

	if (errstr == NULL)
		return;
	va_start(ap, fmt);
	*errstr = xvasprintf(fmt, ap);
	va_end(ap);
}

/*
 * db_err: map the connection's last SQLite error to a STORE_E* code and
 * describe it as "PATH: what: sqlite message", with the system's reason
 * for an I/O failure.
 */
int
st_db_err(struct store *st, const char *what, char **errstr)
{
	int ext = sqlite3_extended_errcode(st->db);
	int code, sys = 0;

	switch (ext) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		code = STORE_EEXIST;
		break;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		code = STORE_ENOTFOUND;
		break;
	case SQLITE_CONSTRAINT_CHECK:
	case SQLITE_CONSTRAINT_NOTNULL:
	case SQLITE_TOOBIG:
	case SQLITE_RANGE:
		code = STORE_EINVAL;
		break;
	default:
		code = STORE_EDB;
	}
	st->busy = (ext & 0xff) == SQLITE_BUSY || (ext & 0xff) == SQLITE_LOCKED;
	/* the file and the reason: "PATH: COMMIT: database or disk is full
	 * (No space left on device)" - the errno only for I/O failures */
	switch (ext & 0xff) {
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
		sys = sqlite3_system_errno(st->db);
		break;
	}
	if (sys != 0)
		st_set_err(errstr, "%s: %s: %s (%s)", st->path, what,
		    sqlite3_errmsg(st->db), strerror(sys));
	else
		st_set_err(errstr, "%s: %s: %s", st->path, what,
		    sqlite3_errmsg(st->db));
	return code;
}

int
store_busy(const struct store *st)
{
	return st->busy;
}

/* ---- statements */

/*
 * stmt_get: the cached statement for q, prepared on first use.  If the cached
 * one is in the middle of a step loop (a callback re-entering the same
 * query), a private copy is prepared instead; stmt_put finalizes it.
 */
sqlite3_stmt *
st_stmt_get(struct store *st, int q, char **errstr)
{
	sqlite3_stmt *s = st->cache[q];

	if (s != NULL && !sqlite3_stmt_busy(s))
		return s;
	if (sqlite3_prepare_v2(st->db, st_queries[q], -1, &s, NULL) != SQLITE_OK) {
		st_db_err(st, "prepare", errstr);
		return NULL;
	}
	if (st->cache[q] == NULL)
		st->cache[q] = s;
	return s;
}

void
st_stmt_put(struct store *st, int q, sqlite3_stmt *s)
{
	if (s == NULL)
		return;
	if (s == st->cache[q]) {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
	} else
		sqlite3_finalize(s);
}

/* bind_text: v is not copied (SQLITE_STATIC): it must stay valid until the
 * statement is put back, which every function here does before it returns
 * (a copy per bound string was 8% of a lead import). */
int
st_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

/* bind_time: 0 ("none") is stored as NULL. */
int
st_bind_time_opt(sqlite3_stmt *s, int i, time_t t)
{
	if (t == 0)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_int64(s, i, (sqlite3_int64)t);
}

char *
st_col_str(sqlite3_stmt *s, int i)
{
	const unsigned char *v = sqlite3_column_text(s, i);

	return v != NULL ? xstrdup((const char *)v) : NULL;
}

/* col_status: a lead status column; the CHECK constraint keeps it valid, so
 * an unknown name (a newer program's) reads as retired: never sent to. */
int
st_col_status(sqlite3_stmt *s, int i)
{
	int st = lead_status_parse((const char *)sqlite3_column_text(s, i));

	return st >= 0 ? st : LEAD_RETIRED;
}

/* exec: run fixed SQL (never data) on the connection. */
int
st_exec(struct store *st, const char *sql, char **errstr)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return st_db_err(st, sql, errstr);
	return STORE_OK;
}

/* step_done: step a statement that returns no rows. */
int
st_step_done(struct store *st, sqlite3_stmt *s, const char *what, char **errstr)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_DONE)
		return st_db_err(st, what, errstr);
	return STORE_OK;
}

/*
 * Atomicity for functions that write several rows: a transaction of their
 * own when none is open, a savepoint inside the caller's.
 */
int
st_inner_begin(struct store *st, int *own, char **errstr)
{
	if (sqlite3_get_autocommit(st->db)) {
		*own = 1;
		return st_exec(st, "BEGIN IMMEDIATE", errstr);
	}
	if (st->bulk) {
		/* the bulk transaction's caller rolls back as a whole: a
		 * savepoint per row would cost a statement journal write */
		*own = 2;
		return STORE_OK;
	}
	*own = 0;
	return st_exec(st, "SAVEPOINT store_inner", errstr);
}

int
st_inner_end(struct store *st, int own, int ok, char **errstr)
{
	if (own == 2)
		return STORE_OK;
	if (own) {
		int rc;

		if (!ok) {
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			return STORE_OK;
		}
		/* a COMMIT that failed (disk full, I/O error) may leave the
		 * transaction open: end it, so the next write starts afresh */
		if ((rc = st_exec(st, "COMMIT", errstr)) != STORE_OK &&
		    !sqlite3_get_autocommit(st->db))
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	if (ok)
		return st_exec(st, "RELEASE store_inner", errstr);
	sqlite3_exec(st->db, "ROLLBACK TO store_inner; RELEASE store_inner",
	             NULL, NULL, NULL);
	return STORE_OK;
}

/* st_count_one: run a SELECT count(*) or SELECT 1 bound to up to two integers;
 * *n gets the first column of the first row (0 when there is none). */
int
st_count_one(struct store *st, int q, sqlite3_int64 a, sqlite3_int64 b, int *n,
          const char *what, char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	*n = 0;
	if ((s = st_stmt_get(st, q, errstr)) == NULL)
		return STORE_EDB;
	if (sqlite3_bind_parameter_count(s) >= 1)
		sqlite3_bind_int64(s, 1, a);
	if (sqlite3_bind_parameter_count(s) >= 2)
		sqlite3_bind_int64(s, 2, b);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*n = sqlite3_column_int(s, 0);
		rc = STORE_OK;
	} else if (rc == SQLITE_DONE)
		rc = STORE_OK;
	else
		rc = st_db_err(st, what, errstr);
	st_stmt_put(st, q, s);
	return rc;
}


/* ---- open, migrate, close */

static int

get_user_version(struct store *st, int *v, char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) !=
	    SQLITE_OK)
		return st_db_err(st, "user_version", errstr);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(s);
		return st_db_err(st, "user_version", errstr);
	}
	*v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return STORE_OK;
}

/*
 * migrate: take the schema from its version to target, one transaction per
 * step.  The version is re-read under the write lock so that two processes
 * opening the same new database do not both run a step.
 */
static int migrate_steps(struct store *st, int target, int *vp, int *fromp,
                         char **errstr);

static int
migrate(struct store *st, int target, char **errstr)
{
	int v = 0, rc, from = -1;

	/* a step may rebuild a table (v4): with foreign keys on, dropping the
	 * old table would cascade to every row that refers to it.  The pragma
	 * is a no-op inside a transaction, so it is set around the loop. */
	if ((rc = st_exec(st, "PRAGMA foreign_keys = OFF", errstr)) != STORE_OK)
		return rc;
	rc = migrate_steps(st, target, &v, &from, errstr);
	if (st_exec(st, "PRAGMA foreign_keys = ON", rc ? NULL : errstr) != STORE_OK &&
	    rc == STORE_OK)
		rc = STORE_EDB;
	return rc;
}

static int
migrate_steps(struct store *st, int target, int *vp, int *fromp,
              char **errstr)
{
	char sql[64];
	int v = 0, rc, from = *fromp;

	for (;;) {
		if ((rc = st_exec(st, "BEGIN IMMEDIATE", errstr)) != STORE_OK)
			return rc;
		if ((rc = get_user_version(st, &v, errstr)) != STORE_OK)
			goto fail;
		if (v > STORE_SCHEMA_VERSION) {
			st_set_err(errstr,
			        "%s: database schema version %d is newer than "
			        "this program's (%d); upgrade nudge",
			        st->path, v, STORE_SCHEMA_VERSION);
			rc = STORE_EVERSION;
			goto fail;
		}
		if (v < 0) {
			st_set_err(errstr, "%s: bad schema version %d", st->path,
			        v);
			rc = STORE_EDB;
			goto fail;
		}
		if (from == -1)
			from = v;
		*vp = v;
		*fromp = from;
		if (v >= target)
			return st_exec(st, "COMMIT", errstr);
		if (sqlite3_exec(st->db, migrations[v], NULL, NULL, NULL) !=
		    SQLITE_OK) {
			char *what = xasprintf("migration to schema "
			                       "version %d",
			                       v + 1);
			(void)st_db_err(st, what, errstr);
			free(what);
			rc = STORE_EDB;
			goto fail;
		}
		/* a constant integer, not data */
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if ((rc = st_exec(st, sql, errstr)) != STORE_OK)
			goto fail;
		if ((rc = st_exec(st, "COMMIT", errstr)) != STORE_OK)
			goto fail;
		if (from > 0)
			log_info("%s: database migrated to schema version %d",
			         st->path, v + 1);
	}
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/*
 * create_private: make sure the file exists, created 0600 by us (SQLite would
 * create it with 0644 & ~umask), and warn about a readable existing one.
 */
static int
create_private(const char *path, char **errstr)
{
	struct stat sb;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		st_set_err(errstr, "%s: %s", path, strerror(errno));
		return STORE_EDB;
	}
	if (fstat(fd, &sb) == -1) {
		st_set_err(errstr, "%s: %s", path, strerror(errno));
		close(fd);
		return STORE_EDB;
	}
	if (!S_ISREG(sb.st_mode)) {
		st_set_err(errstr, "%s: not a regular file", path);
		close(fd);
		return STORE_EDB;
	}
	/* SQLite keys its WAL and locks on the name: a second name for the
	 * same file would let two writers use two WAL files */
	if (sb.st_nlink > 1) {
		st_set_err(errstr, "%s: the database has %lu hard links; SQLite "
		        "would keep a separate journal per name: remove the "
		        "extra links", path, (unsigned long)sb.st_nlink);
		close(fd);
		return STORE_ELINKED;
	}
	if (sb.st_mode & (S_IRWXG | S_IRWXO))
		log_warnx("%s: database is accessible by group or others "
		          "(mode %04o); chmod 600 it",
		          path, (unsigned)(sb.st_mode & 07777));
	close(fd);
	return STORE_OK;
}

int
store_open_version(const char *path, int max_version, struct store **out,
                   char **errstr)
{
	struct store *st;
	sqlite3_stmt *s = NULL;
	int rc;

	*out = NULL;
	if (path == NULL || *path == '\0' || max_version < 1 ||
	    max_version > STORE_SCHEMA_VERSION) {
		st_set_err(errstr, "store_open: bad arguments");
		return STORE_EINVAL;
	}
	st = xcalloc(1, sizeof(*st));
	st->path = xstrdup(path);
	st->memory = strcmp(path, ":memory:") == 0;
	if (!st->memory && (rc = create_private(path, errstr)) != STORE_OK)
		goto fail;
	if (sqlite3_open_v2(path, &st->db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                        SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK) {
		if (st->db == NULL)
			st_set_err(errstr, "%s: cannot open database", path);
		else
			(void)st_db_err(st, "open", errstr);
		rc = STORE_EDB;
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 5000);
	if ((rc = st_exec(st, "PRAGMA foreign_keys = ON", errstr)) != STORE_OK)
		goto fail;
	if (!st->memory) {
		if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1,
		                       &s, NULL) != SQLITE_OK ||
		    sqlite3_step(s) != SQLITE_ROW) {
			(void)st_db_err(st, "journal_mode", errstr);
			rc = STORE_EDB;
			goto fail;
		}
		if (sqlite3_stricmp((const char *)sqlite3_column_text(s, 0),
		                    "wal") != 0)
			log_warnx("%s: cannot use WAL journal (got %s)", path,
			          (const char *)sqlite3_column_text(s, 0));
		sqlite3_finalize(s);
		s = NULL;
	}
	/* a bigger page cache: a bulk import touches many index pages */
	st_exec(st, "PRAGMA cache_size = -16000", NULL);
	if ((rc = st_exec(st, "PRAGMA synchronous = NORMAL", errstr)) != STORE_OK)
		goto fail;
	if ((rc = migrate(st, max_version, errstr)) != STORE_OK)
		goto fail;
	*out = st;
	return STORE_OK;
fail:
	if (rc == STORE_EDB && st->busy)
		rc = STORE_EBUSY;
	sqlite3_finalize(s);
	store_close(st);
	return rc;
}

int
store_open(const char *path, struct store **out, char **errstr)
{
	return store_open_version(path, STORE_SCHEMA_VERSION, out, errstr);
}

void
store_close(struct store *st)
{
	int i;

	if (st == NULL)
		return;
	for (i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(st->cache[i]);
	if (st->db != NULL && sqlite3_close(st->db) != SQLITE_OK)
		log_warnx("%s: close: %s", st->path, sqlite3_errmsg(st->db));
	free(st->path);
	free(st);
}

/* ---- transactions */

int
store_begin(struct store *st, char **errstr)
{
	return st_exec(st, "BEGIN IMMEDIATE", errstr);
}

int
store_begin_read(struct store *st, char **errstr)
{
	return st_exec(st, "BEGIN DEFERRED", errstr);
}

/* synchronous may not change inside a transaction: set it before BEGIN and
 * put it back after COMMIT/ROLLBACK. */
int
store_begin_durable(struct store *st, char **errstr)
{
	int rc;

	if ((rc = st_exec(st, "PRAGMA synchronous = FULL", errstr)) != STORE_OK)
		return rc;
	if ((rc = st_exec(st, "BEGIN IMMEDIATE", errstr)) != STORE_OK) {
		st_exec(st, "PRAGMA synchronous = NORMAL", NULL);
		return rc;
	}
	st->durable = 1;
	return STORE_OK;
}

int
store_begin_bulk(struct store *st, int cache_mib, char **errstr)
{
	char sql[64];
	int rc;

	if (cache_mib > 16) {
		snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d",
		         cache_mib * 1024);
		st_exec(st, sql, NULL);
	}
	/* the batch's rows hang off the leads it has just written: no
	 * parent lookup per row (the pragma only changes outside a
	 * transaction) */
	st_exec(st, "PRAGMA foreign_keys = OFF", NULL);
	/* nor CHECK constraints: each IN (...) list of one builds a temporary
	 * b-tree per row, and the batch's values are checked by the store
	 * functions (lead_check, touch_check) or come from nudge itself */
	st_exec(st, "PRAGMA ignore_check_constraints = ON", NULL);
	st_exec(st, "PRAGMA temp_store = MEMORY", NULL);
	if ((rc = st_exec(st, "BEGIN IMMEDIATE", errstr)) != STORE_OK) {
		st_exec(st, "PRAGMA ignore_check_constraints = OFF", NULL);
		st_exec(st, "PRAGMA foreign_keys = ON", NULL);
		st_exec(st, "PRAGMA cache_size = -16000", NULL);
		return rc;
	}
	st->bulk = 1;
	return STORE_OK;
}

static void
end_durable(struct store *st)
{
	if (st->durable) {
		st->durable = 0;
		st_exec(st, "PRAGMA synchronous = NORMAL", NULL);
	}
	if (st->bulk) {
		st->bulk = 0;
		st_exec(st, "PRAGMA ignore_check_constraints = OFF", NULL);
		st_exec(st, "PRAGMA foreign_keys = ON", NULL);
		st_exec(st, "PRAGMA cache_size = -16000", NULL);
	}
}

int
store_commit(struct store *st, char **errstr)
{
	int rc = st_exec(st, "COMMIT", errstr);

	if (rc == STORE_OK)
		end_durable(st);
	return rc;
}

int
store_rollback(struct store *st, char **errstr)
{
	int rc = st_exec(st, "ROLLBACK", errstr);

	end_durable(st);
	return rc;
}


/* ---- meta */
int
store_meta_get(struct store *st, const char *key, char **value, char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	*value = NULL;
	if ((s = st_stmt_get(st, Q_META_GET, errstr)) == NULL)
		return STORE_EDB;
	st_bind_text(s, 1, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*value = st_col_str(s, 0);
		rc = STORE_OK;
	} else if (rc == SQLITE_DONE) {
		st_set_err(errstr, "meta %s not set", key ? key : "(null)");
		rc = STORE_ENOTFOUND;
	} else
		rc = st_db_err(st, "meta", errstr);
	st_stmt_put(st, Q_META_GET, s);
	return rc;
}

int
store_meta_set(struct store *st, const char *key, const char *value,
               char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	if (key == NULL || value == NULL) {
		st_set_err(errstr, "meta: key and value are required");
		return STORE_EINVAL;
	}
	if ((s = st_stmt_get(st, Q_META_SET, errstr)) == NULL)
		return STORE_EDB;
	st_bind_text(s, 1, key);
	st_bind_text(s, 2, value);
	rc = st_step_done(st, s, "set meta", errstr);
	st_stmt_put(st, Q_META_SET, s);
	return rc;
}
