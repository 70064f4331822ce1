/* store - see store.h */
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
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))
_Static_assert(NMIGRATIONS == STORE_SCHEMA_VERSION,
               "one migration per schema version");

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

#define DUE_SQL                                                                \
	"SELECT " TOUCH_COLS ", " LEAD_COLS                                    \
	" FROM touches AS t JOIN leads AS l ON l.id = t.lead_id"               \
	" WHERE t.state IN ('planned', 'held') AND t.due <= ?1"                \
	" AND (?2 IS NULL OR t.channel = ?2) AND (l.status IN ('active', 'engaged')" \
	" OR t.channel = 'reply')"                                           \
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

static const char *const queries[Q_COUNT] = {
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

struct store {
	sqlite3 *db;
	char *path;
	int memory;  /* ":memory:" */
	int durable; /* a store_begin_durable() transaction is open */
	int bulk;    /* a store_bulk_begin() transaction is open */
	sqlite3_stmt *cache[Q_COUNT];
};

/* ---- errors */

static void set_err(char **errstr, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
set_err(char **errstr, const char *fmt, ...)
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
 * describe it as "what: sqlite message".
 */
static int
db_err(struct store *st, const char *what, char **errstr)
{
	int ext = sqlite3_extended_errcode(st->db);
	int code;

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
	set_err(errstr, "%s: %s", what, sqlite3_errmsg(st->db));
	return code;
}

/* ---- statements */

/*
 * stmt_get: the cached statement for q, prepared on first use.  If the cached
 * one is in the middle of a step loop (a callback re-entering the same
 * query), a private copy is prepared instead; stmt_put finalizes it.
 */
static sqlite3_stmt *
stmt_get(struct store *st, int q, char **errstr)
{
	sqlite3_stmt *s = st->cache[q];

	if (s != NULL && !sqlite3_stmt_busy(s))
		return s;
	if (sqlite3_prepare_v2(st->db, queries[q], -1, &s, NULL) != SQLITE_OK) {
		db_err(st, "prepare", errstr);
		return NULL;
	}
	if (st->cache[q] == NULL)
		st->cache[q] = s;
	return s;
}

static void
stmt_put(struct store *st, int q, sqlite3_stmt *s)
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
static int
bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

/* bind_time: 0 ("none") is stored as NULL. */
static int
bind_time_opt(sqlite3_stmt *s, int i, time_t t)
{
	if (t == 0)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_int64(s, i, (sqlite3_int64)t);
}

static char *
col_str(sqlite3_stmt *s, int i)
{
	const unsigned char *v = sqlite3_column_text(s, i);

	return v != NULL ? xstrdup((const char *)v) : NULL;
}

/* col_status: a lead status column; the CHECK constraint keeps it valid, so
 * an unknown name (a newer program's) reads as retired: never sent to. */
static int
col_status(sqlite3_stmt *s, int i)
{
	int st = lead_status_parse((const char *)sqlite3_column_text(s, i));

	return st >= 0 ? st : LEAD_RETIRED;
}

/* exec: run fixed SQL (never data) on the connection. */
static int
exec(struct store *st, const char *sql, char **errstr)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_err(st, sql, errstr);
	return STORE_OK;
}

/* step_done: step a statement that returns no rows. */
static int
step_done(struct store *st, sqlite3_stmt *s, const char *what, char **errstr)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_DONE)
		return db_err(st, what, errstr);
	return STORE_OK;
}

/*
 * Atomicity for functions that write several rows: a transaction of their
 * own when none is open, a savepoint inside the caller's.
 */
static int
inner_begin(struct store *st, int *own, char **errstr)
{
	if (sqlite3_get_autocommit(st->db)) {
		*own = 1;
		return exec(st, "BEGIN IMMEDIATE", errstr);
	}
	if (st->bulk) {
		/* the bulk transaction's caller rolls back as a whole: a
		 * savepoint per row would cost a statement journal write */
		*own = 2;
		return STORE_OK;
	}
	*own = 0;
	return exec(st, "SAVEPOINT store_inner", errstr);
}

static int
inner_end(struct store *st, int own, int ok, char **errstr)
{
	if (own == 2)
		return STORE_OK;
	if (own) {
		if (ok)
			return exec(st, "COMMIT", errstr);
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return STORE_OK;
	}
	if (ok)
		return exec(st, "RELEASE store_inner", errstr);
	sqlite3_exec(st->db, "ROLLBACK TO store_inner; RELEASE store_inner",
	             NULL, NULL, NULL);
	return STORE_OK;
}

/* ---- open, migrate, close */

static int
get_user_version(struct store *st, int *v, char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) !=
	    SQLITE_OK)
		return db_err(st, "user_version", errstr);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(s);
		return db_err(st, "user_version", errstr);
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
	if ((rc = exec(st, "PRAGMA foreign_keys = OFF", errstr)) != STORE_OK)
		return rc;
	rc = migrate_steps(st, target, &v, &from, errstr);
	if (exec(st, "PRAGMA foreign_keys = ON", rc ? NULL : errstr) != STORE_OK &&
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
		if ((rc = exec(st, "BEGIN IMMEDIATE", errstr)) != STORE_OK)
			return rc;
		if ((rc = get_user_version(st, &v, errstr)) != STORE_OK)
			goto fail;
		if (v > STORE_SCHEMA_VERSION) {
			set_err(errstr,
			        "%s: database schema version %d is newer than "
			        "this program's (%d); upgrade nudge",
			        st->path, v, STORE_SCHEMA_VERSION);
			rc = STORE_EVERSION;
			goto fail;
		}
		if (v < 0) {
			set_err(errstr, "%s: bad schema version %d", st->path,
			        v);
			rc = STORE_EDB;
			goto fail;
		}
		if (from == -1)
			from = v;
		*vp = v;
		*fromp = from;
		if (v >= target)
			return exec(st, "COMMIT", errstr);
		if (sqlite3_exec(st->db, migrations[v], NULL, NULL, NULL) !=
		    SQLITE_OK) {
			char *what = xasprintf("%s: migration to schema "
			                       "version %d",
			                       st->path, v + 1);
			(void)db_err(st, what, errstr);
			free(what);
			rc = STORE_EDB;
			goto fail;
		}
		/* a constant integer, not data */
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if ((rc = exec(st, sql, errstr)) != STORE_OK)
			goto fail;
		if ((rc = exec(st, "COMMIT", errstr)) != STORE_OK)
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
		set_err(errstr, "%s: %s", path, strerror(errno));
		return STORE_EDB;
	}
	if (fstat(fd, &sb) == -1) {
		set_err(errstr, "%s: %s", path, strerror(errno));
		close(fd);
		return STORE_EDB;
	}
	if (!S_ISREG(sb.st_mode)) {
		set_err(errstr, "%s: not a regular file", path);
		close(fd);
		return STORE_EDB;
	}
	/* SQLite keys its WAL and locks on the name: a second name for the
	 * same file would let two writers use two WAL files */
	if (sb.st_nlink > 1) {
		set_err(errstr, "%s: the database has %lu hard links; SQLite "
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
		set_err(errstr, "store_open: bad arguments");
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
		if (st->db == NULL) {
			set_err(errstr, "%s: cannot open database", path);
			rc = STORE_EDB;
		} else
			(void)db_err(st, path, errstr);
		rc = STORE_EDB;
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 5000);
	if ((rc = exec(st, "PRAGMA foreign_keys = ON", errstr)) != STORE_OK)
		goto fail;
	if (!st->memory) {
		if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1,
		                       &s, NULL) != SQLITE_OK ||
		    sqlite3_step(s) != SQLITE_ROW) {
			char *what = xasprintf("%s: journal_mode", path);
			(void)db_err(st, what, errstr);
			free(what);
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
	exec(st, "PRAGMA cache_size = -16000", NULL);
	if ((rc = exec(st, "PRAGMA synchronous = NORMAL", errstr)) != STORE_OK)
		goto fail;
	if ((rc = migrate(st, max_version, errstr)) != STORE_OK)
		goto fail;
	*out = st;
	return STORE_OK;
fail:
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
	return exec(st, "BEGIN IMMEDIATE", errstr);
}

int
store_begin_read(struct store *st, char **errstr)
{
	return exec(st, "BEGIN DEFERRED", errstr);
}

/* synchronous may not change inside a transaction: set it before BEGIN and
 * put it back after COMMIT/ROLLBACK. */
int
store_begin_durable(struct store *st, char **errstr)
{
	int rc;

	if ((rc = exec(st, "PRAGMA synchronous = FULL", errstr)) != STORE_OK)
		return rc;
	if ((rc = exec(st, "BEGIN IMMEDIATE", errstr)) != STORE_OK) {
		exec(st, "PRAGMA synchronous = NORMAL", NULL);
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
		exec(st, sql, NULL);
	}
	/* the batch's rows hang off the leads it has just written: no
	 * parent lookup per row (the pragma only changes outside a
	 * transaction) */
	exec(st, "PRAGMA foreign_keys = OFF", NULL);
	/* nor CHECK constraints: each IN (...) list of one builds a temporary
	 * b-tree per row, and the batch's values are checked by the store
	 * functions (lead_check, touch_check) or come from nudge itself */
	exec(st, "PRAGMA ignore_check_constraints = ON", NULL);
	exec(st, "PRAGMA temp_store = MEMORY", NULL);
	if ((rc = exec(st, "BEGIN IMMEDIATE", errstr)) != STORE_OK) {
		exec(st, "PRAGMA ignore_check_constraints = OFF", NULL);
		exec(st, "PRAGMA foreign_keys = ON", NULL);
		exec(st, "PRAGMA cache_size = -16000", NULL);
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
		exec(st, "PRAGMA synchronous = NORMAL", NULL);
	}
	if (st->bulk) {
		st->bulk = 0;
		exec(st, "PRAGMA ignore_check_constraints = OFF", NULL);
		exec(st, "PRAGMA foreign_keys = ON", NULL);
		exec(st, "PRAGMA cache_size = -16000", NULL);
	}
}

int
store_commit(struct store *st, char **errstr)
{
	int rc = exec(st, "COMMIT", errstr);

	if (rc == STORE_OK)
		end_durable(st);
	return rc;
}

int
store_rollback(struct store *st, char **errstr)
{
	int rc = exec(st, "ROLLBACK", errstr);

	end_durable(st);
	return rc;
}

/* ---- leads */

static void
lead_clear(struct lead *l)
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
	lead_clear(l);
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
static void
lead_row(sqlite3_stmt *s, int off, struct lead *l)
{
	memset(l, 0, sizeof(*l));
	l->id = sqlite3_column_int64(s, off + 0);
	l->email = col_str(s, off + 1);
	l->name = col_str(s, off + 2);
	l->first_name = col_str(s, off + 3);
	l->company = col_str(s, off + 4);
	l->domain = col_str(s, off + 5);
	l->phone = col_str(s, off + 6);
	l->tz = col_str(s, off + 7);
	l->source = col_str(s, off + 8);
	l->status = col_status(s, off + 9);
	l->sequence = col_str(s, off + 10);
	l->step = sqlite3_column_int(s, off + 11);
	l->xcount = sqlite3_column_int(s, off + 12);
	l->next_due = (time_t)sqlite3_column_int64(s, off + 13);
	l->paused_until = (time_t)sqlite3_column_int64(s, off + 14);
	l->created = (time_t)sqlite3_column_int64(s, off + 15);
	l->updated = (time_t)sqlite3_column_int64(s, off + 16);
	l->last_done = (time_t)sqlite3_column_int64(s, off + 17);
	l->prior_status = sqlite3_column_type(s, off + 18) == SQLITE_NULL
	                      ? -1
	                      : col_status(s, off + 18);
}


static int
lead_check(const struct lead *l, char **errstr)
{
	size_t i;

	if (l->email == NULL || *l->email == '\0') {
		set_err(errstr, "lead: email is required");
		return STORE_EINVAL;
	}
	if (l->status < 0 || l->status >= STORE_NSTATUS) {
		set_err(errstr, "lead %s: unknown status %d", l->email,
		        l->status);
		return STORE_EINVAL;
	}
	for (i = 0; l->fields != NULL && i < l->nfields; i++)
		if (l->fields[i].key == NULL || *l->fields[i].key == '\0' ||
		    l->fields[i].value == NULL) {
			set_err(errstr,
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
	bind_text(s, 1, l->email);
	bind_text(s, 2, l->name);
	bind_text(s, 3, l->first_name);
	bind_text(s, 4, l->company);
	bind_text(s, 5, l->domain);
	bind_text(s, 6, l->phone);
	bind_text(s, 7, l->tz);
	bind_text(s, 8, l->source);
	bind_text(s, 9, store_lead_status[l->status]);
	bind_text(s, 10, l->sequence);
	sqlite3_bind_int(s, 11, l->step);
	sqlite3_bind_int(s, 12, l->xcount);
	bind_time_opt(s, 13, l->next_due);
	bind_time_opt(s, 14, l->paused_until);
	sqlite3_bind_int64(s, 15, (sqlite3_int64)l->created);
	sqlite3_bind_int64(s, 16, (sqlite3_int64)l->updated);
	bind_time_opt(s, 17, l->last_done);
	if (l->prior_status >= 0 && l->prior_status < STORE_NSTATUS)
		bind_text(s, 19, store_lead_status[l->prior_status]);
	else
		sqlite3_bind_null(s, 19);
}

static int
field_set(struct store *st, int64_t lead_id, const char *key, const char *value,
          char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	if ((s = stmt_get(st, Q_FIELD_SET, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, lead_id);
	bind_text(s, 2, key);
	bind_text(s, 3, value);
	rc = step_done(st, s, "set lead field", errstr);
	stmt_put(st, Q_FIELD_SET, s);
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

	if ((s = stmt_get(st, Q_FIELDS_CLEAR, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, lead_id);
	rc = step_done(st, s, "clear lead fields", errstr);
	stmt_put(st, Q_FIELDS_CLEAR, s);
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
	if ((rc = inner_begin(st, &own, errstr)) != STORE_OK)
		return rc;
	if ((s = stmt_get(st, Q_LEAD_INSERT, errstr)) == NULL) {
		rc = STORE_EDB;
		goto out;
	}
	lead_bind(s, l);
	if (sqlite3_step(s) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(st->db) ==
		    SQLITE_CONSTRAINT_UNIQUE) {
			set_err(errstr, "lead %s already exists", l->email);
			rc = STORE_EEXIST;
		} else
			rc = db_err(st, "insert lead", errstr);
	} else
		id = sqlite3_last_insert_rowid(st->db);
	stmt_put(st, Q_LEAD_INSERT, s);
	/* a new row has no fields yet (a deleted lead's went with it: ON
	 * DELETE CASCADE), so nothing to clear first */
	for (size_t i = 0;
	     rc == STORE_OK && l->fields != NULL && i < l->nfields; i++)
		rc = field_set(st, id, l->fields[i].key, l->fields[i].value,
		               errstr);
out:
	inner_end(st, own, rc == STORE_OK, NULL);
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
	if ((rc = inner_begin(st, &own, errstr)) != STORE_OK)
		return rc;
	if ((s = stmt_get(st, Q_LEAD_UPDATE, errstr)) == NULL) {
		rc = STORE_EDB;
		goto out;
	}
	lead_bind(s, l);
	sqlite3_bind_int64(s, 18, l->id);
	if (sqlite3_step(s) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(st->db) ==
		    SQLITE_CONSTRAINT_UNIQUE) {
			set_err(errstr, "lead %s already exists", l->email);
			rc = STORE_EEXIST;
		} else
			rc = db_err(st, "update lead", errstr);
	} else if (sqlite3_changes(st->db) == 0) {
		set_err(errstr, "lead %lld not found", (long long)l->id);
		rc = STORE_ENOTFOUND;
	}
	stmt_put(st, Q_LEAD_UPDATE, s);
	if (rc == STORE_OK && l->fields != NULL)
		rc = fields_write(st, l->id, l, errstr);
out:
	inner_end(st, own, rc == STORE_OK, NULL);
	return rc;
}

static int
fields_load(struct store *st, struct lead *l, char **errstr)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;

	if ((s = stmt_get(st, Q_FIELDS_GET, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, l->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (l->nfields == cap) {
			cap = cap ? cap * 2 : 8;
			l->fields =
			    xreallocarray(l->fields, cap, sizeof(*l->fields));
		}
		l->fields[l->nfields].key = col_str(s, 0);
		l->fields[l->nfields].value = col_str(s, 1);
		l->nfields++;
	}
	rc = rc == SQLITE_DONE ? STORE_OK : db_err(st, "lead fields", errstr);
	stmt_put(st, Q_FIELDS_GET, s);
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
	if ((s = stmt_get(st, q, errstr)) == NULL)
		return STORE_EDB;
	if (email != NULL)
		bind_text(s, 1, email);
	else
		sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		l = xmalloc(sizeof(*l));
		lead_row(s, 0, l);
		rc = STORE_OK;
	} else if (rc == SQLITE_DONE) {
		if (email != NULL)
			set_err(errstr, "no lead %s", email);
		else
			set_err(errstr, "no lead %lld", (long long)id);
		rc = STORE_ENOTFOUND;
	} else
		rc = db_err(st, "get lead", errstr);
	stmt_put(st, q, s);
	if (rc != STORE_OK)
		return rc;
	if ((rc = fields_load(st, l, errstr)) != STORE_OK) {
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
		set_err(errstr, "lead: no email given");
		return STORE_EINVAL;
	}
	return lead_get(st, Q_LEAD_BY_EMAIL, email, 0, out, errstr);
}

int
store_touch_next_due(struct store *st, time_t after, struct touch **out,
                     char **errstr)
{
	sqlite3_stmt *s;
	int64_t id = 0;
	int rc;

	*out = NULL;
	if ((s = stmt_get(st, Q_TOUCH_NEXT_DUE, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)after);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE
	         ? STORE_OK
	         : db_err(st, "next due touch", errstr);
	stmt_put(st, Q_TOUCH_NEXT_DUE, s);
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
	if ((s = stmt_get(st, Q_LEAD_BY_DOMAIN, errstr)) == NULL)
		return STORE_EDB;
	bind_text(s, 1, domain);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*count == 0)
			*id = sqlite3_column_int64(s, 0);
		(*count)++;
	}
	rc = rc == SQLITE_DONE ? STORE_OK
	                       : db_err(st, "leads by domain", errstr);
	stmt_put(st, Q_LEAD_BY_DOMAIN, s);
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

	if ((s = stmt_get(st, q, errstr)) == NULL)
		return STORE_EDB;
	if (status != NULL)
		bind_text(s, 1, status);
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		lead_row(s, 0, &l);
		stop = cb(&l, arg);
		lead_clear(&l);
	}
	rc = stop || rc == SQLITE_DONE ? STORE_OK
	                               : db_err(st, "list leads", errstr);
	stmt_put(st, q, s);
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
	if ((s = stmt_get(st, Q_LEAD_COUNT, errstr)) == NULL)
		return STORE_EDB;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		status = (const char *)sqlite3_column_text(s, 0);
		for (i = 0; status != NULL && i < STORE_NSTATUS; i++)
			if (strcmp(status, store_lead_status[i]) == 0)
				counts[i] = sqlite3_column_int(s, 1);
	}
	rc = rc == SQLITE_DONE ? STORE_OK : db_err(st, "count leads", errstr);
	stmt_put(st, Q_LEAD_COUNT, s);
	return rc;
}

int
store_lead_set_field(struct store *st, int64_t lead_id, const char *key,
                     const char *value, char **errstr)
{
	if (key == NULL || *key == '\0' || value == NULL) {
		set_err(errstr, "lead field: key and value are required");
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
		set_err(errstr, "lead field: key is required");
		return STORE_EINVAL;
	}
	if ((s = stmt_get(st, Q_FIELD_DELETE, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, lead_id);
	bind_text(s, 2, key);
	rc = step_done(st, s, "delete lead field", errstr);
	if (rc == STORE_OK && sqlite3_changes(st->db) == 0) {
		set_err(errstr, "lead %lld has no field %s", (long long)lead_id,
		        key);
		rc = STORE_ENOTFOUND;
	}
	stmt_put(st, Q_FIELD_DELETE, s);
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
		set_err(errstr, "note: kind must be note, reply or event, "
		                "and text is required");
		return STORE_EINVAL;
	}
	if ((s = stmt_get(st, Q_NOTE_ADD, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, lead_id);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)at);
	bind_text(s, 3, kind);
	bind_text(s, 4, text);
	rc = step_done(st, s, "add note", errstr);
	if (rc == STORE_OK && id_out != NULL)
		*id_out = sqlite3_last_insert_rowid(st->db);
	stmt_put(st, Q_NOTE_ADD, s);
	return rc;
}

int
store_note_list(struct store *st, int64_t lead_id, store_note_cb cb, void *arg,
                char **errstr)
{
	sqlite3_stmt *s;
	struct note n;
	int rc, stop = 0;

	if ((s = stmt_get(st, Q_NOTE_LIST, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, lead_id);
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		n.id = sqlite3_column_int64(s, 0);
		n.lead_id = sqlite3_column_int64(s, 1);
		n.at = (time_t)sqlite3_column_int64(s, 2);
		n.kind = col_str(s, 3);
		n.text = col_str(s, 4);
		stop = cb(&n, arg);
		free(n.kind);
		free(n.text);
	}
	rc = stop || rc == SQLITE_DONE ? STORE_OK
	                               : db_err(st, "list notes", errstr);
	stmt_put(st, Q_NOTE_LIST, s);
	return rc;
}

int
store_event_add(struct store *st, int64_t lead_id, time_t at, const char *type,
                const char *detail, const char *message_id, char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	if (type == NULL || *type == '\0') {
		set_err(errstr, "event: type is required");
		return STORE_EINVAL;
	}
	if ((s = stmt_get(st, Q_EVENT_ADD, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, lead_id);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)at);
	bind_text(s, 3, type);
	bind_text(s, 4, detail);
	bind_text(s, 5, message_id);
	rc = step_done(st, s, "add event", errstr);
	stmt_put(st, Q_EVENT_ADD, s);
	return rc;
}

int
store_event_list(struct store *st, int64_t lead_id, store_event_cb cb,
                 void *arg, char **errstr)
{
	sqlite3_stmt *s;
	struct event e;
	int rc, stop = 0;

	if ((s = stmt_get(st, Q_EVENT_LIST, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, lead_id);
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		e.id = sqlite3_column_int64(s, 0);
		e.lead_id = sqlite3_column_int64(s, 1);
		e.at = (time_t)sqlite3_column_int64(s, 2);
		e.type = col_str(s, 3);
		e.detail = col_str(s, 4);
		e.message_id = col_str(s, 5);
		stop = cb(&e, arg);
		free(e.type);
		free(e.detail);
		free(e.message_id);
	}
	rc = stop || rc == SQLITE_DONE ? STORE_OK
	                               : db_err(st, "list events", errstr);
	stmt_put(st, Q_EVENT_LIST, s);
	return rc;
}

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
	t->stage = col_str(s, 2);
	t->channel = col_str(s, 3);
	t->due = (time_t)sqlite3_column_int64(s, 4);
	{
		/* the CHECK constraint keeps it valid; a newer program's
		 * state reads as unknown: never sent again unseen */
		int k = touch_state_parse((const char *)sqlite3_column_text(s, 5));
		t->state = k >= 0 ? k : TOUCH_UNKNOWN;
	}
	t->outcome = col_str(s, 6);
	t->done_at = (time_t)sqlite3_column_int64(s, 7);
	t->note = col_str(s, 8);
	t->message_id = col_str(s, 9);
	t->subject = col_str(s, 10);
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
	t->error = col_str(s, 14);
	t->value_item = col_str(s, 15);
	t->in_reply_to = col_str(s, 16);
	t->references = col_str(s, 17);
	t->template_version = col_str(s, 18);
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
		set_err(errstr, "touch: stage and channel are required");
		return STORE_EINVAL;
	}
	if (t->state >= 0 && t->state < TOUCH__COUNT)
		return STORE_OK;
	set_err(errstr, "touch: unknown state %d", t->state);
	return STORE_EINVAL;
}

static void
touch_bind(sqlite3_stmt *s, const struct touch *t)
{
	sqlite3_bind_int64(s, 1, t->lead_id);
	bind_text(s, 2, t->stage);
	bind_text(s, 3, t->channel);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)t->due);
	bind_text(s, 5, touch_states[t->state]);
	bind_text(s, 6, t->outcome);
	bind_time_opt(s, 7, t->done_at);
	bind_text(s, 8, t->note);
	bind_text(s, 9, t->message_id);
	bind_text(s, 10, t->subject);
	if (t->message == NULL)
		sqlite3_bind_null(s, 11);
	else
		sqlite3_bind_blob64(s, 11, t->message,
		                    t->message_len ? t->message_len
		                                   : strlen(t->message),
		                    SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 12, t->attempts);
	bind_time_opt(s, 13, t->next_attempt);
	bind_text(s, 14, t->error);
	bind_text(s, 15, t->value_item);
	bind_text(s, 16, t->in_reply_to);
	bind_text(s, 17, t->references);
	bind_text(s, 19, t->template_version);
}

int
store_touch_insert(struct store *st, struct touch *t, char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	if ((rc = touch_check(t, errstr)) != STORE_OK)
		return rc;
	if ((s = stmt_get(st, Q_TOUCH_INSERT, errstr)) == NULL)
		return STORE_EDB;
	touch_bind(s, t);
	rc = step_done(st, s, "insert touch", errstr);
	if (rc == STORE_OK)
		t->id = sqlite3_last_insert_rowid(st->db);
	stmt_put(st, Q_TOUCH_INSERT, s);
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
		if ((rc = exec(st, "PRAGMA synchronous = FULL", errstr)) !=
		    STORE_OK)
			return rc;
		full = 1;
	}
	if ((s = stmt_get(st, Q_TOUCH_UPDATE, errstr)) == NULL) {
		rc = STORE_EDB;
		goto out;
	}
	touch_bind(s, t);
	sqlite3_bind_int64(s, 18, t->id);
	rc = step_done(st, s, "update touch", errstr);
	if (rc == STORE_OK && sqlite3_changes(st->db) == 0) {
		set_err(errstr, "touch %lld not found", (long long)t->id);
		rc = STORE_ENOTFOUND;
	}
	stmt_put(st, Q_TOUCH_UPDATE, s);
out:
	if (full)
		exec(st, "PRAGMA synchronous = NORMAL", NULL);
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
	if ((s = stmt_get(st, q, errstr)) == NULL)
		return STORE_EDB;
	if (str != NULL)
		bind_text(s, 1, str);
	else
		sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*out = xmalloc(sizeof(**out));
		touch_row(s, *out);
		rc = STORE_OK;
	} else if (rc == SQLITE_DONE) {
		if (str != NULL)
			set_err(errstr, "%s %s not found", what, str);
		else
			set_err(errstr, "%s %lld not found", what,
			        (long long)id);
		rc = STORE_ENOTFOUND;
	} else
		rc = db_err(st, what, errstr);
	stmt_put(st, q, s);
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
		set_err(errstr, "touch: no Message-ID given");
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
touch_iter(struct store *st, int q, sqlite3_stmt *s, store_touch_cb cb,
           void *arg, const char *what, char **errstr)
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
		lead_row(s, NTOUCH_COLS, &rows[n].l);
		n++;
	}
	rc = rc == SQLITE_DONE ? STORE_OK : db_err(st, what, errstr);
	stmt_put(st, q, s);
	for (i = 0; i < n; i++) {
		if (rc == STORE_OK && cb(&rows[i].t, &rows[i].l, arg) != 0)
			rc = -1;
		touch_clear(&rows[i].t);
		lead_clear(&rows[i].l);
	}
	free(rows);
	return rc == -1 ? STORE_OK : rc;
}

int
store_touch_list_lead(struct store *st, int64_t lead_id, store_touch_cb cb,
                      void *arg, char **errstr)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, Q_TOUCH_LIST_LEAD, errstr)) == NULL)
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
		set_err(errstr, "touch list: no such state %d", state);
		return STORE_EINVAL;
	}
	if ((s = stmt_get(st, Q_TOUCH_LIST_STATE, errstr)) == NULL)
		return STORE_EDB;
	bind_text(s, 1, touch_states[state]);
	return touch_iter(st, Q_TOUCH_LIST_STATE, s, cb, arg, "list touches",
	                  errstr);
}

int
store_touches_due(struct store *st, time_t until, const char *channel,
                  store_touch_cb cb, void *arg, char **errstr)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, Q_TOUCH_DUE, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)until);
	bind_text(s, 2, channel);
	return touch_iter(st, Q_TOUCH_DUE, s, cb, arg, "due touches", errstr);
}

int
store_explain_due(struct store *st, struct buf *out, char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, "EXPLAIN QUERY PLAN " DUE_SQL, -1, &s,
	                       NULL) != SQLITE_OK)
		return db_err(st, "explain", errstr);
	sqlite3_bind_int64(s, 1, 0);
	sqlite3_bind_null(s, 2);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *d = sqlite3_column_text(s, 3);

		buf_adds(out, d != NULL ? (const char *)d : "");
		buf_addc(out, '\n');
	}
	rc = rc == SQLITE_DONE ? STORE_OK : db_err(st, "explain", errstr);
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

	if ((s = stmt_get(st, q, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, v);
	rc = step_done(st, s, what, errstr);
	if (rc == STORE_OK && count != NULL)
		*count = sqlite3_changes(st->db);
	stmt_put(st, q, s);
	return rc;
}

int
store_touch_skip_unlogged(struct store *st, time_t before, int *count,
                          char **errstr)
{
	return count_update(st, Q_TOUCH_UNLOGGED, (sqlite3_int64)before, count,
	                    "skip unlogged tasks", errstr);
}

/* count_one: run a SELECT count(*) or SELECT 1 bound to up to two integers;
 * *n gets the first column of the first row (0 when there is none). */
static int
count_one(struct store *st, int q, sqlite3_int64 a, sqlite3_int64 b, int *n,
          const char *what, char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	*n = 0;
	if ((s = stmt_get(st, q, errstr)) == NULL)
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
		rc = db_err(st, what, errstr);
	stmt_put(st, q, s);
	return rc;
}

int
store_touch_count_unlogged(struct store *st, int *n, char **errstr)
{
	return count_one(st, Q_TOUCH_COUNT_UNLOGGED, 0, 0, n, "count unlogged",
	                 errstr);
}

int
store_lead_mailed_since(struct store *st, int64_t lead_id, time_t since,
                        int *yes, char **errstr)
{
	return count_one(st, Q_LEAD_MAILED_SINCE, lead_id, (sqlite3_int64)since,
	                 yes, "mailed since", errstr);
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
	if ((s = stmt_get(st, Q_TOUCH_COUNT_SENT, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)since);
	if (sqlite3_step(s) == SQLITE_ROW) {
		*n = sqlite3_column_int(s, 0);
		rc = STORE_OK;
	} else
		rc = db_err(st, "count sent", errstr);
	stmt_put(st, Q_TOUCH_COUNT_SENT, s);
	return rc;
}

int
store_touch_values_used(struct store *st, int64_t lead_id, store_str_cb cb,
                        void *arg, char **errstr)
{
	sqlite3_stmt *s;
	int rc, stop = 0;

	if ((s = stmt_get(st, Q_TOUCH_VALUES, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, lead_id);
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		char *v = col_str(s, 0);

		stop = cb(v, arg);
		free(v);
	}
	rc = stop || rc == SQLITE_DONE ? STORE_OK
	                               : db_err(st, "values used", errstr);
	stmt_put(st, Q_TOUCH_VALUES, s);
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
		set_err(errstr, "suppress: empty address or domain");
		return STORE_EINVAL;
	}
	for (p = entry; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			set_err(errstr, "suppress: address or domain holds "
			                "a space or control character");
			return STORE_EINVAL;
		}
	if ((s = stmt_get(st, Q_SUPP_ADD, errstr)) == NULL)
		return STORE_EDB;
	bind_text(s, 1, entry);
	bind_text(s, 2, reason);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)at);
	rc = step_done(st, s, "suppress", errstr);
	stmt_put(st, Q_SUPP_ADD, s);
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
		set_err(errstr, "suppress: no address given");
		return STORE_EINVAL;
	}
	if ((s = stmt_get(st, Q_SUPP_CHECK, errstr)) == NULL)
		return STORE_EDB;
	at = strrchr(email, '@');
	bind_text(s, 1, email);
	bind_text(s, 2, at != NULL ? at + 1 : email);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*yes = 1;
		if (reason_out != NULL)
			*reason_out = col_str(s, 0);
		rc = STORE_OK;
	} else if (rc == SQLITE_DONE)
		rc = STORE_OK;
	else
		rc = db_err(st, "suppression check", errstr);
	stmt_put(st, Q_SUPP_CHECK, s);
	return rc;
}

int
store_suppress_list(struct store *st, store_suppress_cb cb, void *arg,
                    char **errstr)
{
	sqlite3_stmt *s;
	int rc, stop = 0;

	if ((s = stmt_get(st, Q_SUPP_LIST, errstr)) == NULL)
		return STORE_EDB;
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		char *e = col_str(s, 0), *r = col_str(s, 1);

		stop = cb(e, r, (time_t)sqlite3_column_int64(s, 2), arg);
		free(e);
		free(r);
	}
	rc = stop || rc == SQLITE_DONE ? STORE_OK
	                               : db_err(st, "list suppression", errstr);
	stmt_put(st, Q_SUPP_LIST, s);
	return rc;
}

/* ---- folders and processed messages */

int
store_folder_get(struct store *st, const char *folder, uint32_t *uidvalidity,
                 uint32_t *last_uid, char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	*uidvalidity = *last_uid = 0;
	if ((s = stmt_get(st, Q_FOLDER_GET, errstr)) == NULL)
		return STORE_EDB;
	bind_text(s, 1, folder);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*uidvalidity = (uint32_t)sqlite3_column_int64(s, 0);
		*last_uid = (uint32_t)sqlite3_column_int64(s, 1);
		rc = STORE_OK;
	} else if (rc == SQLITE_DONE)
		rc = STORE_OK;
	else
		rc = db_err(st, "folder state", errstr);
	stmt_put(st, Q_FOLDER_GET, s);
	return rc;
}

int
store_folder_set(struct store *st, const char *folder, uint32_t uidvalidity,
                 uint32_t last_uid, time_t at, char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	if (folder == NULL) {
		set_err(errstr, "folder: no name given");
		return STORE_EINVAL;
	}
	if ((s = stmt_get(st, Q_FOLDER_SET, errstr)) == NULL)
		return STORE_EDB;
	bind_text(s, 1, folder);
	sqlite3_bind_int64(s, 2, uidvalidity);
	sqlite3_bind_int64(s, 3, last_uid);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)at);
	rc = step_done(st, s, "set folder state", errstr);
	stmt_put(st, Q_FOLDER_SET, s);
	return rc;
}

int
store_msg_seen(struct store *st, const char *folder, uint32_t uidvalidity,
               uint32_t uid, const char *message_id, int *seen, char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	*seen = 0;
	if ((s = stmt_get(st, Q_MSG_SEEN, errstr)) == NULL)
		return STORE_EDB;
	bind_text(s, 1, folder);
	sqlite3_bind_int64(s, 2, uidvalidity);
	sqlite3_bind_int64(s, 3, uid);
	bind_text(s, 4, message_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*seen = 1;
		rc = STORE_OK;
	} else if (rc == SQLITE_DONE)
		rc = STORE_OK;
	else
		rc = db_err(st, "message seen", errstr);
	stmt_put(st, Q_MSG_SEEN, s);
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
		set_err(errstr, "message: no folder given");
		return STORE_EINVAL;
	}
	if ((s = stmt_get(st, Q_MSG_ADD, errstr)) == NULL)
		return STORE_EDB;
	bind_text(s, 1, folder);
	sqlite3_bind_int64(s, 2, uidvalidity);
	sqlite3_bind_int64(s, 3, uid);
	bind_text(s, 4, message_id);
	bind_text(s, 5, msgclass);
	if (lead_id != 0)
		sqlite3_bind_int64(s, 6, lead_id);
	else
		sqlite3_bind_null(s, 6);
	sqlite3_bind_int64(s, 7, (sqlite3_int64)at);
	rc = step_done(st, s, "record message", errstr);
	stmt_put(st, Q_MSG_ADD, s);
	return rc;
}

/* ---- meta */

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
	r->message_id = col_str(s, 3);
	r->sender = col_str(s, 4);
	r->subject = col_str(s, 5);
	r->guess = col_str(s, 6);
	r->intent = col_str(s, 7);
	r->signal = col_str(s, 8);
	r->why = col_str(s, 9);
	r->text = col_str(s, 10);
	r->day = sqlite3_column_type(s, 11) == SQLITE_NULL
	             ? -1
	             : sqlite3_column_int(s, 11);
	r->resolved_at = (time_t)sqlite3_column_int64(s, 12);
	r->resolution = col_str(s, 13);
}

int
store_review_add(struct store *st, struct review *r, char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	if (r->guess == NULL || *r->guess == '\0') {
		set_err(errstr, "review: a guess is required");
		return STORE_EINVAL;
	}
	if ((s = stmt_get(st, Q_REVIEW_ADD, errstr)) == NULL)
		return STORE_EDB;
	if (r->lead_id)
		sqlite3_bind_int64(s, 1, r->lead_id);
	else
		sqlite3_bind_null(s, 1);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)r->at);
	bind_text(s, 3, r->message_id);
	bind_text(s, 4, r->sender);
	bind_text(s, 5, r->subject);
	bind_text(s, 6, r->guess);
	bind_text(s, 7, r->intent);
	bind_text(s, 8, r->signal);
	bind_text(s, 9, r->why);
	bind_text(s, 10, r->text);
	if (r->day >= 0)
		sqlite3_bind_int(s, 11, r->day);
	else
		sqlite3_bind_null(s, 11);
	rc = step_done(st, s, "add review", errstr);
	if (rc == STORE_OK)
		r->id = sqlite3_last_insert_rowid(st->db);
	stmt_put(st, Q_REVIEW_ADD, s);
	return rc;
}

int
store_review_get(struct store *st, int64_t id, struct review **out,
                 char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	if ((s = stmt_get(st, Q_REVIEW_GET, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*out = xmalloc(sizeof **out);
		review_row(s, *out);
		rc = STORE_OK;
	} else if (rc == SQLITE_DONE) {
		set_err(errstr, "no review %lld", (long long)id);
		rc = STORE_ENOTFOUND;
	} else
		rc = db_err(st, "review", errstr);
	stmt_put(st, Q_REVIEW_GET, s);
	return rc;
}

int
store_review_list(struct store *st, int all, store_review_cb cb, void *arg,
                  char **errstr)
{
	sqlite3_stmt *s;
	struct review r;
	int rc, stop = 0;

	if ((s = stmt_get(st, Q_REVIEW_LIST, errstr)) == NULL)
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
	                               : db_err(st, "list reviews", errstr);
	stmt_put(st, Q_REVIEW_LIST, s);
	return rc;
}

int
store_review_resolve(struct store *st, int64_t id, const char *resolution,
                     time_t at, char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	if ((s = stmt_get(st, Q_REVIEW_RESOLVE, errstr)) == NULL)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)at);
	bind_text(s, 3, resolution);
	rc = step_done(st, s, "resolve review", errstr);
	if (rc == STORE_OK && sqlite3_changes(st->db) == 0) {
		set_err(errstr, "no open review %lld", (long long)id);
		rc = STORE_ENOTFOUND;
	}
	stmt_put(st, Q_REVIEW_RESOLVE, s);
	return rc;
}

int
store_review_count(struct store *st, int64_t lead_id, int *n, char **errstr)
{
	return count_one(st, Q_REVIEW_COUNT, lead_id, 0, n, "count reviews",
	                 errstr);
}

int
store_meta_get(struct store *st, const char *key, char **value, char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	*value = NULL;
	if ((s = stmt_get(st, Q_META_GET, errstr)) == NULL)
		return STORE_EDB;
	bind_text(s, 1, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*value = col_str(s, 0);
		rc = STORE_OK;
	} else if (rc == SQLITE_DONE) {
		set_err(errstr, "meta %s not set", key ? key : "(null)");
		rc = STORE_ENOTFOUND;
	} else
		rc = db_err(st, "meta", errstr);
	stmt_put(st, Q_META_GET, s);
	return rc;
}

int
store_meta_set(struct store *st, const char *key, const char *value,
               char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	if (key == NULL || value == NULL) {
		set_err(errstr, "meta: key and value are required");
		return STORE_EINVAL;
	}
	if ((s = stmt_get(st, Q_META_SET, errstr)) == NULL)
		return STORE_EDB;
	bind_text(s, 1, key);
	bind_text(s, 2, value);
	rc = step_done(st, s, "set meta", errstr);
	stmt_put(st, Q_META_SET, s);
	return rc;
}

/* ==== report queries (issue 12: nudge report, nudge export ics) ====
 * Read-only scans for the pipeline report; prepared per call (a report runs
 * them once), not cached in the handle. */

/* report_scan: prepare sql, bind ?1 = a and ?2 = b, and hand
 * each row to row(); a nonzero return stops. */
static int
report_scan(struct store *st, const char *sql, time_t a, time_t b,
    int (*row)(sqlite3_stmt *s, void *ctx), void *ctx, const char *what,
    char **errstr)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return db_err(st, what, errstr);
	/* binding a parameter the SQL lacks is a harmless SQLITE_RANGE */
	sqlite3_bind_int64(s, 1, (sqlite3_int64)a);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)b);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (row(s, ctx) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	if (rc != SQLITE_DONE)
		rc = db_err(st, what, errstr);
	else
		rc = STORE_OK;
	sqlite3_finalize(s);
	return rc;
}

struct rtouch_ctx {
	store_rtouch_cb cb;
	void *arg;
};

static int
rtouch_row(sqlite3_stmt *s, void *ctx)
{
	struct rtouch_ctx *c = ctx;
	struct store_rtouch t;
	const char *state = (const char *)sqlite3_column_text(s, 4);

	t.channel = (const char *)sqlite3_column_text(s, 2);
	/* an email counts once sent, a task by hand once done; a reply to
	 * answer is no touch (the covering index serves the scan, the filter
	 * is here) */
	if (t.channel == NULL || state == NULL ||
	    strcmp(t.channel, "reply") == 0 ||
	    (strcmp(t.channel, "email") == 0) != (strcmp(state, "sent") == 0))
		return 0;
	t.lead_id = sqlite3_column_int64(s, 0);
	t.stage = (const char *)sqlite3_column_text(s, 1);
	t.done_at = (time_t)sqlite3_column_int64(s, 3);
	t.template_version = (const char *)sqlite3_column_text(s, 5);
	return c->cb(&t, c->arg);
}

int
store_report_touches(struct store *st, time_t until, store_rtouch_cb cb,
    void *arg, char **errstr)
{
	struct rtouch_ctx c = {cb, arg};

	return report_scan(st,
	    "SELECT lead_id, stage, channel, done_at, state, template FROM touches"
	    " INDEXED BY touches_lead_done"
	    " WHERE done_at < ?1 AND state IN ('sent', 'done')"
	    " ORDER BY lead_id, done_at, id",
	    until, 0, rtouch_row, &c, "report touches", errstr);
}

struct revent_ctx {
	store_revent_cb cb;
	void *arg;
};

static int
revent_row(sqlite3_stmt *s, void *ctx)
{
	struct revent_ctx *c = ctx;
	struct store_revent e;

	e.lead_id = sqlite3_column_int64(s, 0);
	e.at = (time_t)sqlite3_column_int64(s, 1);
	e.type = (const char *)sqlite3_column_text(s, 2);
	e.detail = (const char *)sqlite3_column_text(s, 3);
	return c->cb(&e, c->arg);
}

int
store_report_events(struct store *st, time_t until, store_revent_cb cb,
    void *arg, char **errstr)
{
	struct revent_ctx c = {cb, arg};

	return report_scan(st,
	    "SELECT lead_id, at, type, detail FROM events"
	    " WHERE at < ?1"
	    " AND type IN ('message', 'status', 'enrolled', 'review')"
	    " ORDER BY lead_id, at, id",
	    until, 0, revent_row, &c, "report events", errstr);
}

struct rlead_ctx {
	store_rlead_cb cb;
	void *arg;
};

static int
rlead_row(sqlite3_stmt *s, void *ctx)
{
	struct rlead_ctx *c = ctx;
	struct store_rlead l;

	l.id = sqlite3_column_int64(s, 0);
	l.created = (time_t)sqlite3_column_int64(s, 1);
	l.sequence = (const char *)sqlite3_column_text(s, 2);
	l.status = col_status(s, 3);
	return c->cb(&l, c->arg);
}

int
store_report_leads(struct store *st, store_rlead_cb cb, void *arg,
    char **errstr)
{
	struct rlead_ctx c = {cb, arg};

	return report_scan(st,
	    "SELECT id, created, sequence, status FROM leads ORDER BY id", 0, 0,
	    rlead_row, &c, "report leads", errstr);
}

struct rreview_ctx {
	store_rreview_cb cb;
	void *arg;
};

static int
rreview_row(sqlite3_stmt *s, void *ctx)
{
	struct rreview_ctx *c = ctx;

	return c->cb((const char *)sqlite3_column_text(s, 0),
	    (const char *)sqlite3_column_text(s, 1), c->arg);
}

int
store_report_reviews(struct store *st, time_t since, time_t until,
    store_rreview_cb cb, void *arg, char **errstr)
{
	struct rreview_ctx c = {cb, arg};

	return report_scan(st,
	    "SELECT guess, resolution FROM reviews WHERE at >= ?1 AND at < ?2"
	    " ORDER BY id",
	    since, until, rreview_row, &c, "report reviews", errstr);
}
/* ==== end of report queries ==== */
