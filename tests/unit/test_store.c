/* test_store - cmocka tests of the store module against real SQLite files */
#include "autoconf.h"

#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "xalloc.h"

static char tmpdir[4096];
static int dbcount;

/* A fresh database path in the test's temporary directory. */
static char *
new_path(void)
{
	return xasprintf("%s/t%d.db", tmpdir, ++dbcount);
}

static struct store *
open_new(char **pathp)
{
	struct store *st = NULL;
	char *err = NULL, *path = new_path();

	if (store_open(path, &st, &err) != STORE_OK)
		fail_msg("store_open: %s", err);
	if (pathp != NULL)
		*pathp = path;
	else
		free(path);
	return st;
}

static int
group_setup(void **state)
{
	const char *t = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_store.XXXXXX",
	         t != NULL && *t != '\0' ? t : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	log_set_quiet(1);
	return 0;
}

static int
group_teardown(void **state)
{
	DIR *d;
	struct dirent *de;

	(void)state;
	if ((d = opendir(tmpdir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		char *p;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		p = xasprintf("%s/%s", tmpdir, de->d_name);
		unlink(p);
		free(p);
	}
	closedir(d);
	return rmdir(tmpdir);
}

/* A raw SQLite query returning one text value, for checks from outside. */
static char *
raw_text(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	char *v = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		v = xstrdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static struct lead *
mklead(const char *email)
{
	struct lead *l = xcalloc(1, sizeof(*l));

	l->email = xstrdup(email);
	l->status = LEAD_ACTIVE;
	l->prior_status = -1;
	l->created = l->updated = 1000;
	return l;
}

static int64_t
add_lead(struct store *st, const char *email, const char *status)
{
	struct lead *l = mklead(email);
	int64_t id;

	l->status = lead_status_parse(status);
	assert_true(l->status >= 0);
	assert_int_equal(store_lead_insert(st, l, NULL), STORE_OK);
	id = l->id;
	lead_free(l);
	return id;
}

/* ---- open */

static void
test_open_mode_wal(void **state)
{
	struct store *st;
	struct stat sb;
	char *path, *mode, *err = NULL;
	int fd;

	(void)state;
	st = open_new(&path);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(store_meta_set(st, "k", "v", NULL), STORE_OK);
	mode = raw_text(path, "PRAGMA journal_mode");
	assert_string_equal(mode, "wal");
	free(mode);
	mode = xasprintf("%s-wal", path); /* SQLite copies the db's mode */
	assert_int_equal(stat(mode, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	free(mode);
	mode = raw_text(path, "PRAGMA user_version");
	assert_int_equal(atoi(mode), STORE_SCHEMA_VERSION);
	free(mode);
	store_close(st);
	free(path);

	/* an existing world-readable file: warned about, still opened */
	path = new_path();
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	close(fd);
	chmod(path, 0644);
	assert_int_equal(store_open(path, &st, &err), STORE_OK);
	store_close(st);
	free(path);

	/* a missing parent directory is an error, not created */
	path = xasprintf("%s/nodir/x.db", tmpdir);
	assert_int_equal(store_open(path, &st, &err), STORE_EDB);
	assert_null(st);
	assert_non_null(err);
	free(err);
	free(path);

	/* in memory */
	assert_int_equal(store_open(":memory:", &st, NULL), STORE_OK);
	assert_int_equal(add_lead(st, "m@x.org", "active") > 0, 1);
	store_close(st);
}

static void
test_too_new(void **state)
{
	struct store *st = (void *)1;
	sqlite3 *db;
	char *path = new_path(), *err = NULL;

	(void)state;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(path, &st, &err), STORE_EVERSION);
	assert_null(st);
	assert_non_null(err);
	assert_non_null(strstr(err, "99"));
	free(err);
	free(path);
}

static void
test_migrate_v1_v2(void **state)
{
	struct store *st;
	struct lead *l;
	struct touch t = {0}, *got;
	char *path = new_path(), *v, *err = NULL;
	int64_t id;

	(void)state;
	assert_int_equal(store_open_version(path, 1, &st, &err), STORE_OK);
	/* rows as a v1 program wrote them (this program's statements speak
	 * the current schema) */
	free(raw_text(path, "INSERT INTO leads (id, email, status, created,"
	                    " updated) VALUES (7, 'old@example.com', 'paused',"
	                    " 1, 1)"));
	id = 7;
	free(raw_text(path, "INSERT INTO lead_fields VALUES (7, 'city', 'Oslo')"));
	free(raw_text(path, "INSERT INTO notes (lead_id, at, kind, text)"
	                    " VALUES (7, 5, 'note', 'kept')"));
	/* touches do not exist yet at v1 */
	t.lead_id = id;
	t.stage = "1";
	t.channel = "email";
	assert_int_equal(store_touch_insert(st, &t, &err), STORE_EDB);
	free(err);
	err = NULL;
	store_close(st);
	v = raw_text(path, "PRAGMA user_version");
	assert_string_equal(v, "1");
	free(v);

	assert_int_equal(store_open(path, &st, &err), STORE_OK);
	v = raw_text(path, "PRAGMA user_version");
	assert_int_equal(atoi(v), STORE_SCHEMA_VERSION);
	free(v);
	assert_int_equal(store_lead_get_email(st, "OLD@example.com", &l, NULL),
	                 STORE_OK);
	assert_int_equal(l->id, id);
	assert_int_equal(l->status, LEAD_PAUSED);
	assert_int_equal(l->prior_status, -1);
	/* the v4 rebuild of the leads table cascaded nowhere */
	v = raw_text(path, "SELECT count(*) FROM notes WHERE lead_id = 7");
	assert_string_equal(v, "1");
	free(v);
	v = raw_text(path, "PRAGMA foreign_keys");
	free(v);
	assert_int_equal(l->nfields, 1);
	assert_string_equal(l->fields[0].value, "Oslo");
	lead_free(l);
	assert_int_equal(store_touch_insert(st, &t, NULL), STORE_OK);
	assert_int_equal(store_touch_get(st, t.id, &got, NULL), STORE_OK);
	assert_int_equal(got->state, TOUCH_PLANNED);
	touch_free(got);
	store_close(st);
	free(path);
}

/* ---- leads */

static void
check_same_lead(const struct lead *a, const struct lead *b)
{
	assert_int_equal(a->id, b->id);
	assert_string_equal(a->email, b->email);
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->first_name, b->first_name);
	assert_string_equal(a->company, b->company);
	assert_string_equal(a->domain, b->domain);
	assert_string_equal(a->phone, b->phone);
	assert_string_equal(a->tz, b->tz);
	assert_string_equal(a->source, b->source);
	assert_int_equal(a->status, b->status);
	assert_int_equal(a->prior_status, b->prior_status);
	assert_string_equal(a->sequence, b->sequence);
	assert_int_equal(a->step, b->step);
	assert_int_equal(a->xcount, b->xcount);
	assert_int_equal(a->next_due, b->next_due);
	assert_int_equal(a->paused_until, b->paused_until);
	assert_int_equal(a->created, b->created);
	assert_int_equal(a->updated, b->updated);
	assert_int_equal(a->last_done, b->last_done);
}

static void
test_lead_roundtrip(void **state)
{
	static const char hostile[] = "'); DROP TABLE leads;--";
	static const char nul[] = "abc\0def";
	struct store *st = open_new(NULL);
	struct lead l = {0}, *got;
	struct lead_field f[4];
	char *big = xmalloc(1024 * 1024 + 1);

	(void)state;
	memset(big, 'x', 1024 * 1024);
	big[1024 * 1024] = '\0';
	l.email = "Jane.Doe@Example.com";
	l.name = (char *)hostile;
	l.first_name = "O'Brien \"Jo\"";
	l.company = "Acme; DELETE FROM leads";
	l.domain = "example.com";
	l.phone = (char *)nul;
	l.tz = "America/Denver";
	l.source = "csv:leads.csv";
	l.status = LEAD_ACTIVE;
	l.prior_status = -1;
	l.sequence = "12345x";
	l.step = 2;
	l.xcount = 0;
	l.next_due = 1767225600;
	l.paused_until = 0;
	l.created = 1767000000;
	l.updated = 1767000001;
	l.last_done = 1767100000;
	f[0] = (struct lead_field){"title", "CTO"};
	f[1] = (struct lead_field){"big", big};
	f[2] = (struct lead_field){"quote'key", (char *)hostile};
	l.fields = f;
	l.nfields = 3;
	assert_int_equal(store_lead_insert(st, &l, NULL), STORE_OK);
	assert_true(l.id > 0);

	assert_int_equal(
	    store_lead_get_email(st, "jane.doe@EXAMPLE.COM", &got, NULL),
	    STORE_OK);
	l.phone = "abc"; /* the NUL ended the string */
	check_same_lead(&l, got);
	assert_int_equal(got->nfields, 3); /* ordered by key */
	assert_string_equal(got->fields[0].key, "big");
	assert_int_equal(strlen(got->fields[0].value), 1024 * 1024);
	assert_string_equal(got->fields[1].key, "quote'key");
	assert_string_equal(got->fields[1].value, hostile);
	assert_string_equal(got->fields[2].key, "title");
	lead_free(got);

	/* update: every column, fields replaced */
	l.status = LEAD_PAUSED;
	l.prior_status = LEAD_ENGAGED;
	l.paused_until = 1768000000;
	l.next_due = 0;
	l.step = 3;
	l.xcount = 4;
	l.name = NULL;
	l.company = "Acme";
	f[0] = (struct lead_field){"title", "CEO"};
	l.nfields = 1;
	assert_int_equal(store_lead_update(st, &l, NULL), STORE_OK);
	assert_int_equal(store_lead_get_id(st, l.id, &got, NULL), STORE_OK);
	assert_null(got->name);
	got->name = NULL;
	l.name = NULL;
	assert_int_equal(got->next_due, 0);
	assert_int_equal(got->paused_until, 1768000000);
	assert_int_equal(got->status, LEAD_PAUSED);
	assert_int_equal(got->prior_status, LEAD_ENGAGED);
	assert_int_equal(got->step, 3);
	assert_int_equal(got->xcount, 4);
	assert_string_equal(got->company, "Acme");
	assert_int_equal(got->nfields, 1);
	assert_string_equal(got->fields[0].value, "CEO");
	lead_free(got);

	/* update without fields keeps them; set/delete field */
	l.fields = NULL;
	l.nfields = 0;
	assert_int_equal(store_lead_update(st, &l, NULL), STORE_OK);
	assert_int_equal(store_lead_set_field(st, l.id, "city", "Denver", NULL),
	                 STORE_OK);
	assert_int_equal(
	    store_lead_set_field(st, l.id, "city", "Boulder", NULL), STORE_OK);
	assert_int_equal(store_lead_get_id(st, l.id, &got, NULL), STORE_OK);
	assert_int_equal(got->nfields, 2);
	assert_string_equal(got->fields[0].key, "city");
	assert_string_equal(got->fields[0].value, "Boulder");
	lead_free(got);
	assert_int_equal(store_lead_delete_field(st, l.id, "city", NULL),
	                 STORE_OK);
	assert_int_equal(store_lead_delete_field(st, l.id, "city", NULL),
	                 STORE_ENOTFOUND);
	assert_int_equal(store_lead_set_field(st, 9999, "k", "v", NULL),
	                 STORE_ENOTFOUND);

	/* the table is still there and holds one lead */
	assert_int_equal(store_lead_get_id(st, 9999, &got, NULL),
	                 STORE_ENOTFOUND);
	assert_null(got);
	l.id = 9999;
	assert_int_equal(store_lead_update(st, &l, NULL), STORE_ENOTFOUND);
	free(big);
	store_close(st);
}

static void
test_lead_unique_invalid(void **state)
{
	struct store *st = open_new(NULL);
	struct lead *l;
	char *err = NULL;
	int64_t id2;

	(void)state;
	add_lead(st, "Bob@Example.com", "active");
	l = mklead("bob@EXAMPLE.com");
	assert_int_equal(store_lead_insert(st, l, &err), STORE_EEXIST);
	assert_non_null(err);
	free(err);
	err = NULL;
	assert_int_equal(store_lead_insert(st, l, NULL), STORE_EEXIST);
	/* update to a taken email */
	id2 = add_lead(st, "carol@example.com", "active");
	l->id = id2;
	assert_int_equal(store_lead_update(st, l, &err), STORE_EEXIST);
	free(err);
	err = NULL;
	/* bad status, missing email */
	free(l->email);
	l->email = xstrdup("dave@example.com");
	l->status = 42;
	assert_int_equal(store_lead_insert(st, l, &err), STORE_EINVAL);
	free(err);
	free(l->email);
	l->email = NULL;
	assert_int_equal(store_lead_insert(st, l, NULL), STORE_EINVAL);
	lead_free(l);
	store_close(st);
}

struct names {
	char s[512];
	int stop_after;
	int n;
};

static int
lead_name_cb(const struct lead *l, void *arg)
{
	struct names *nm = arg;

	assert_int_equal(l->nfields, 0);
	strcat(nm->s, l->email);
	strcat(nm->s, " ");
	return ++nm->n == nm->stop_after;
}

static void
test_lead_list_count(void **state)
{
	struct store *st = open_new(NULL);
	struct names nm = {"", 0, 0};
	int counts[STORE_NSTATUS];

	(void)state;
	add_lead(st, "c@x.org", "active");
	add_lead(st, "A@x.org", "engaged");
	add_lead(st, "b@x.org", "active");
	add_lead(st, "d@x.org", "retired");
	assert_int_equal(store_lead_list(st, NULL, lead_name_cb, &nm, NULL),
	                 STORE_OK);
	assert_string_equal(nm.s, "A@x.org b@x.org c@x.org d@x.org ");
	memset(&nm, 0, sizeof(nm));
	assert_int_equal(store_lead_list(st, "active", lead_name_cb, &nm, NULL),
	                 STORE_OK);
	assert_string_equal(nm.s, "b@x.org c@x.org ");
	memset(&nm, 0, sizeof(nm));
	nm.stop_after = 1;
	assert_int_equal(store_lead_list(st, NULL, lead_name_cb, &nm, NULL),
	                 STORE_OK);
	assert_string_equal(nm.s, "A@x.org ");
	assert_int_equal(store_lead_count_by_status(st, counts, NULL),
	                 STORE_OK);
	assert_int_equal(counts[0], 2); /* active */
	assert_int_equal(counts[1], 0); /* paused */
	assert_int_equal(counts[2], 1); /* engaged */
	assert_int_equal(counts[5], 1); /* retired */
	assert_string_equal(store_lead_status[5], "retired");
	store_close(st);
}

/* ---- notes, events */

static int
note_cb(const struct note *n, void *arg)
{
	struct names *nm = arg;

	strcat(nm->s, n->kind);
	strcat(nm->s, ":");
	strcat(nm->s, n->text);
	strcat(nm->s, " ");
	return 0;
}

static int
event_cb(const struct event *e, void *arg)
{
	struct names *nm = arg;

	strcat(nm->s, e->type);
	strcat(nm->s, "/");
	strcat(nm->s, e->detail ? e->detail : "-");
	strcat(nm->s, "/");
	strcat(nm->s, e->message_id ? e->message_id : "-");
	strcat(nm->s, " ");
	return 0;
}

static void
test_notes_events(void **state)
{
	struct store *st = open_new(NULL);
	struct names nm = {"", 0, 0};
	int64_t id = add_lead(st, "n@x.org", "active"), nid;
	int64_t other = add_lead(st, "o@x.org", "active");

	(void)state;
	assert_int_equal(
	    store_note_add(st, id, 100, "note", "first", &nid, NULL), STORE_OK);
	assert_true(nid > 0);
	assert_int_equal(
	    store_note_add(st, id, 100, "reply", "second", NULL, NULL),
	    STORE_OK);
	assert_int_equal(
	    store_note_add(st, id, 50, "event", "earlier", NULL, NULL),
	    STORE_OK);
	assert_int_equal(
	    store_note_add(st, other, 10, "note", "not mine", NULL, NULL),
	    STORE_OK);
	assert_int_equal(store_note_add(st, id, 1, "memo", "x", NULL, NULL),
	                 STORE_EINVAL);
	assert_int_equal(store_note_add(st, 12345, 1, "note", "x", NULL, NULL),
	                 STORE_ENOTFOUND);
	assert_int_equal(store_note_list(st, id, note_cb, &nm, NULL), STORE_OK);
	assert_string_equal(nm.s, "event:earlier note:first reply:second ");

	memset(&nm, 0, sizeof(nm));
	assert_int_equal(store_event_add(st, id, 200, "status",
	                                 "active -> engaged", "<r1@lead>",
	                                 NULL),
	                 STORE_OK);
	assert_int_equal(
	    store_event_add(st, id, 150, "enrolled", NULL, NULL, NULL),
	    STORE_OK);
	assert_int_equal(store_event_add(st, 777, 150, "x", NULL, NULL, NULL),
	                 STORE_ENOTFOUND);
	assert_int_equal(store_event_list(st, id, event_cb, &nm, NULL),
	                 STORE_OK);
	assert_string_equal(nm.s,
	                    "enrolled/-/- status/active -> engaged/<r1@lead> ");
	store_close(st);
}

/* ---- touches */

static int64_t
add_touch(struct store *st, int64_t lead, const char *stage,
          const char *channel, time_t due, const char *tstate)
{
	struct touch t = {0};

	t.lead_id = lead;
	t.stage = (char *)stage;
	t.channel = (char *)channel;
	t.due = due;
	t.state = tstate ? touch_state_parse(tstate) : TOUCH_PLANNED;
	assert_true(t.state >= 0);
	assert_int_equal(store_touch_insert(st, &t, NULL), STORE_OK);
	return t.id;
}

static int
touch_ids_cb(const struct touch *t, const struct lead *l, void *arg)
{
	struct names *nm = arg;
	char b[64];

	assert_non_null(l);
	assert_int_equal(l->id, t->lead_id);
	snprintf(b, sizeof(b), "%lld:%s:%s ", (long long)t->id, t->stage,
	         l->email);
	strcat(nm->s, b);
	return 0;
}

static void
test_touch_roundtrip(void **state)
{
	static const char msg[] =
	    "From: a@b\r\nSubject: hi\r\n\r\nbody\xe2\x80\x94"
	    "\r\n";
	struct store *st = open_new(NULL);
	int64_t lead = add_lead(st, "t@x.org", "active");
	struct touch t = {0}, *got;
	char *err = NULL;
	int64_t tid;

	(void)state;
	tid = add_touch(st, lead, "1", "email", 1000, NULL);
	assert_int_equal(store_touch_get(st, tid, &got, NULL), STORE_OK);
	assert_int_equal(got->state, TOUCH_PLANNED);
	assert_null(got->message);
	assert_int_equal(got->done_at, 0);
	touch_free(got);

	t.id = tid;
	t.lead_id = lead;
	t.stage = "1";
	t.channel = "email";
	t.due = 1000;
	t.state = TOUCH_SENDING;
	t.message_id = "<m1@nudge>";
	t.subject = "Quick question";
	t.message = (char *)msg;
	t.message_len = sizeof(msg) - 1;
	t.attempts = 1;
	t.next_attempt = 2000;
	t.error = "451 try later";
	t.value_item = "case-study.md";
	t.in_reply_to = "<prev@nudge>";
	t.references = "<a@nudge> <prev@nudge>";
	t.outcome = NULL;
	t.note = "n";
	t.done_at = 1500;
	assert_int_equal(store_touch_update(st, &t, NULL), STORE_OK);
	assert_int_equal(
	    store_touch_by_message_id(st, "<m1@nudge>", &got, NULL), STORE_OK);
	assert_int_equal(got->id, tid);
	assert_int_equal(got->state, TOUCH_SENDING);
	assert_int_equal(got->message_len, sizeof(msg) - 1);
	assert_memory_equal(got->message, msg, sizeof(msg));
	assert_string_equal(got->subject, "Quick question");
	assert_int_equal(got->attempts, 1);
	assert_int_equal(got->next_attempt, 2000);
	assert_string_equal(got->error, "451 try later");
	assert_string_equal(got->value_item, "case-study.md");
	assert_string_equal(got->in_reply_to, "<prev@nudge>");
	assert_string_equal(got->references, "<a@nudge> <prev@nudge>");
	assert_string_equal(got->note, "n");
	assert_null(got->outcome);
	assert_int_equal(got->done_at, 1500);
	touch_free(got);

	assert_int_equal(store_touch_by_message_id(st, "<none@x>", &got, &err),
	                 STORE_ENOTFOUND);
	assert_null(got);
	free(err);
	/* message_id unique; bad state; unknown lead; unknown touch */
	t.id = 0;
	assert_int_equal(store_touch_insert(st, &t, NULL), STORE_EEXIST);
	t.message_id = NULL;
	t.state = 42;
	assert_int_equal(store_touch_insert(st, &t, NULL), STORE_EINVAL);
	t.state = TOUCH_PLANNED;
	t.lead_id = 4242;
	assert_int_equal(store_touch_insert(st, &t, NULL), STORE_ENOTFOUND);
	t.lead_id = lead;
	t.id = 4242;
	assert_int_equal(store_touch_update(st, &t, NULL), STORE_ENOTFOUND);
	store_close(st);
}

/* fields_cb: count the touches whose lead came with interests set */
static int
fields_cb(const struct touch *t, const struct lead *l, void *arg)
{
	int *n = arg;
	size_t i;

	(void)t;
	if (l->email[0] == 'a')
		assert_int_equal(l->nfields, 0);
	for (i = 0; i < l->nfields; i++)
		if (strcmp(l->fields[i].key, "interests") == 0 &&
		    strcmp(l->fields[i].value, "fly fishing") == 0)
			(*n)++;
	return 0;
}

static void
test_touches_due(void **state)
{
	struct store *st = open_new(NULL);
	int64_t a = add_lead(st, "a@x.org", "active");
	int64_t b = add_lead(st, "b@x.org", "active");
	int64_t p = add_lead(st, "p@x.org", "paused");
	int64_t e = add_lead(st, "e@x.org", "engaged");
	int64_t t1, t2, t3, t4, t5;
	struct names nm = {"", 0, 0};
	char want[512];
	int n = 0;

	(void)state;
	t1 = add_touch(st, a, "2", "email", 300, NULL);
	t2 = add_touch(st, b, "1", "email", 100, NULL);
	t3 = add_touch(st, a, "1", "call", 100, "held");
	add_touch(st, p, "1", "email", 50, NULL);   /* lead paused */
	add_touch(st, e, "4", "email", 5000, NULL); /* engaged, not yet due */
	add_touch(st, a, "1", "email", 60, "sent"); /* not open */
	add_touch(st, b, "3", "email", 5000, NULL); /* not yet due */
	t4 = add_touch(st, b, "2", "call", 300, NULL);
	t5 = add_touch(st, a, "X1", "email", 299, NULL);

	assert_int_equal(
	    store_touches_due(st, 300, NULL, touch_ids_cb, &nm, NULL),
	    STORE_OK);
	snprintf(want, sizeof(want),
	         "%lld:1:b@x.org %lld:1:a@x.org %lld:X1:a@x.org %lld:2:a@x.org "
	         "%lld:2:b@x.org ",
	         (long long)t2, (long long)t3, (long long)t5, (long long)t1,
	         (long long)t4);
	assert_string_equal(nm.s, want);

	/* the same list with each lead's custom fields */
	assert_int_equal(store_lead_set_field(st, b, "interests", "fly fishing",
	                                      NULL), STORE_OK);
	assert_int_equal(store_touches_due_whole(st, 300, NULL, fields_cb,
	                                         &n, NULL), STORE_OK);
	assert_int_equal(n, 2); /* b's two touches carry its one field */

	memset(&nm, 0, sizeof(nm));
	assert_int_equal(
	    store_touches_due(st, 300, "call", touch_ids_cb, &nm, NULL),
	    STORE_OK);
	snprintf(want, sizeof(want), "%lld:1:a@x.org %lld:2:b@x.org ",
	         (long long)t3, (long long)t4);
	assert_string_equal(nm.s, want);

	memset(&nm, 0, sizeof(nm));
	assert_int_equal(
	    store_touch_list_state(st, TOUCH_HELD, touch_ids_cb, &nm, NULL),
	    STORE_OK);
	snprintf(want, sizeof(want), "%lld:1:a@x.org ", (long long)t3);
	assert_string_equal(nm.s, want);

	/* skip_open stops a lead: its planned/held touches become skipped */
	assert_int_equal(store_touch_skip_open(st, a, &n, NULL), STORE_OK);
	assert_int_equal(n, 3);
	memset(&nm, 0, sizeof(nm));
	assert_int_equal(
	    store_touches_due(st, 300, NULL, touch_ids_cb, &nm, NULL),
	    STORE_OK);
	snprintf(want, sizeof(want), "%lld:1:b@x.org %lld:2:b@x.org ",
	         (long long)t2, (long long)t4);
	assert_string_equal(nm.s, want);
	memset(&nm, 0, sizeof(nm));
	assert_int_equal(store_touch_list_lead(st, b, touch_ids_cb, &nm, NULL),
	                 STORE_OK);
	assert_non_null(strstr(nm.s, ":3:b@x.org"));
	store_close(st);
}

/* A callback that writes while the due query is being listed: moves each
 * touch to "sending" (the outbox claim), which another connection must see
 * at once, and re-enters the same query. */
struct reenter {
	struct store *st;
	const char *path;
	int n;
};

static int
count_cb(const struct touch *t, const struct lead *l, void *arg)
{
	(void)t;
	(void)l;
	(*(int *)arg)++;
	return 0;
}

static int
claim_cb(const struct touch *t, const struct lead *l, void *arg)
{
	struct reenter *r = arg;
	struct touch c = *t;
	char sql[128], *v;
	int inner = 0;

	(void)l;
	assert_int_equal(
	    store_touches_due(r->st, 1000, NULL, count_cb, &inner, NULL),
	    STORE_OK);
	assert_true(inner >= 1);
	c.state = TOUCH_SENDING;
	assert_int_equal(store_touch_update(r->st, &c, NULL), STORE_OK);
	snprintf(sql, sizeof(sql), "SELECT state FROM touches WHERE id = %lld",
	         (long long)t->id);
	v = raw_text(r->path, sql);
	assert_string_equal(v, "sending"); /* committed at once */
	free(v);
	r->n++;
	return 0;
}

/* A streaming list whose callback re-enters the same (cached) query. */
static int
nested_lead_cb(const struct lead *l, void *arg)
{
	struct reenter *r = arg;
	struct names nm = {"", 0, 0};

	(void)l;
	assert_int_equal(store_lead_list(r->st, NULL, lead_name_cb, &nm, NULL),
	                 STORE_OK);
	assert_string_equal(nm.s, "a@x.org b@x.org ");
	r->n++;
	return 0;
}

static void
test_reentrant_callback(void **state)
{
	char *path;
	struct store *st = open_new(&path);
	int64_t a = add_lead(st, "a@x.org", "active");
	struct reenter r = {st, path, 0};
	int n = 0;

	(void)state;
	add_touch(st, a, "1", "email", 10, NULL);
	add_touch(st, a, "2", "email", 20, NULL);
	add_touch(st, a, "3", "email", 30, NULL);
	assert_int_equal(store_touches_due(st, 1000, NULL, claim_cb, &r, NULL),
	                 STORE_OK);
	assert_int_equal(r.n, 3);
	assert_int_equal(store_touches_due(st, 1000, NULL, count_cb, &n, NULL),
	                 STORE_OK);
	assert_int_equal(n, 0);

	add_lead(st, "b@x.org", "active");
	r.n = 0;
	assert_int_equal(store_lead_list(st, NULL, nested_lead_cb, &r, NULL),
	                 STORE_OK);
	assert_int_equal(r.n, 2);
	store_close(st);
	free(path);
}

static void
test_explain_due(void **state)
{
	struct store *st = open_new(NULL);
	struct buf b;
	char email[64];
	int i;

	(void)state;
	assert_int_equal(store_begin(st, NULL), STORE_OK);
	for (i = 0; i < 500; i++) {
		int64_t id;

		snprintf(email, sizeof(email), "l%d@x.org", i);
		id = add_lead(st, email, i % 3 ? "active" : "engaged");
		add_touch(st, id, "1", "email", i, i % 2 ? "sent" : NULL);
		add_touch(st, id, "2", "call", 1000 + i, NULL);
	}
	assert_int_equal(store_commit(st, NULL), STORE_OK);
	buf_init(&b);
	assert_int_equal(store_explain_due(st, &b, NULL), STORE_OK);
	assert_non_null(strstr(b.s, "touches_state_due"));
	assert_null(strstr(b.s, "SCAN t\n"));
	assert_null(strstr(b.s, "SCAN l\n"));
	assert_null(strstr(b.s, "SCAN touches"));
	assert_null(strstr(b.s, "SCAN leads"));
	assert_false(strncmp(b.s, "SCAN", 4) == 0 || strstr(b.s, "\nSCAN"));
	buf_free(&b);
	store_close(st);
}

static void
test_skip_unlogged(void **state)
{
	struct store *st = open_new(NULL);
	int64_t a = add_lead(st, "a@x.org", "active");
	int64_t b = add_lead(st, "b@x.org", "engaged");
	int64_t call1, note2, email1, reply1, call_b1;
	struct touch *t;
	int n;

	(void)state;
	call1 = add_touch(st, a, "1", "call", 100, NULL);
	email1 = add_touch(st, a, "1", "email", 100, NULL);
	note2 = add_touch(st, a, "2", "note", 200, NULL);
	reply1 = add_touch(st, a, "reply", "reply", 50, NULL);
	call_b1 = add_touch(st, b, "1", "call", 300, NULL);

	/* tasks due before 150: call1 only (email is the outbox's, a reply
	 * task waits until a touch is logged) */
	assert_int_equal(store_touch_skip_unlogged(st, 150, &n, NULL), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_touch_get(st, call1, &t, NULL), STORE_OK);
	assert_int_equal(t->state, TOUCH_SKIPPED);
	assert_string_equal(t->outcome, "not logged");
	touch_free(t);
	assert_int_equal(store_touch_get(st, email1, &t, NULL), STORE_OK);
	assert_int_equal(t->state, TOUCH_PLANNED);
	touch_free(t);
	assert_int_equal(store_touch_get(st, reply1, &t, NULL), STORE_OK);
	assert_int_equal(t->state, TOUCH_PLANNED);
	touch_free(t);
	assert_int_equal(store_touch_get(st, note2, &t, NULL), STORE_OK);
	assert_int_equal(t->state, TOUCH_PLANNED);
	touch_free(t);
	/* a task of another sequence is not compared by stage: only its own
	 * due date counts */
	assert_int_equal(store_touch_skip_unlogged(st, 250, &n, NULL), STORE_OK);
	assert_int_equal(n, 1); /* note2 */
	assert_int_equal(store_touch_get(st, call_b1, &t, NULL), STORE_OK);
	assert_int_equal(t->state, TOUCH_PLANNED);
	touch_free(t);
	assert_int_equal(store_touch_count_unlogged(st, &n, NULL), STORE_OK);
	assert_int_equal(n, 2);
	store_close(st);
}

static int
review_cb(const struct review *r, void *arg)
{
	int *count = arg;

	assert_non_null(r->guess);
	(*count)++;
	return 0;
}

static void
test_reviews(void **state)
{
	struct store *st = open_new(NULL);
	int64_t a = add_lead(st, "a@x.org", "review");
	struct review r, *got;
	int n = 0, count = 0;

	(void)state;
	memset(&r, 0, sizeof r);
	r.lead_id = a;
	r.at = 100;
	r.guess = "unsubscribe";
	r.why = "an unclear request";
	r.text = "maybe stop?";
	r.day = -1;
	assert_int_equal(store_review_add(st, &r, NULL), STORE_OK);
	assert_true(r.id > 0);
	r.guess = NULL;
	assert_int_equal(store_review_add(st, &r, NULL), STORE_EINVAL);
	assert_int_equal(store_review_count(st, a, &n, NULL), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_review_get(st, r.id, &got, NULL), STORE_OK);
	assert_string_equal(got->guess, "unsubscribe");
	assert_string_equal(got->text, "maybe stop?");
	assert_int_equal(got->day, -1);
	assert_int_equal(got->resolved_at, 0);
	review_free(got);
	assert_int_equal(store_review_resolve(st, r.id, "human_reply", 200,
	                     NULL),
	                 STORE_OK);
	assert_int_equal(store_review_resolve(st, r.id, "other", 300, NULL),
	                 STORE_ENOTFOUND);
	assert_int_equal(store_review_count(st, 0, &n, NULL), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_review_list(st, 0, review_cb, &count, NULL),
	                 STORE_OK);
	assert_int_equal(count, 0);
	assert_int_equal(store_review_list(st, 1, review_cb, &count, NULL),
	                 STORE_OK);
	assert_int_equal(count, 1);
	store_close(st);
}

static int
value_cb(const char *s, void *arg)
{
	struct names *nm = arg;

	strcat(nm->s, s);
	strcat(nm->s, " ");
	return 0;
}

static void
test_sent_queries(void **state)
{
	struct store *st = open_new(NULL);
	int64_t a = add_lead(st, "a@x.org", "active");
	int64_t b = add_lead(st, "b@x.org", "active");
	struct touch t = {0}, *got;
	struct names nm = {"", 0, 0};
	int n;

	(void)state;
	t.lead_id = a;
	t.channel = "email";
	t.state = TOUCH_SENT;
	t.stage = "1";
	t.subject = "Hello";
	t.message_id = "<1@n>";
	t.done_at = 1000;
	assert_int_equal(store_touch_insert(st, &t, NULL), STORE_OK);
	t.stage = "2";
	t.subject = "Re: Hello";
	t.message_id = "<2@n>";
	t.done_at = 2000;
	t.value_item = "v1";
	assert_int_equal(store_touch_insert(st, &t, NULL), STORE_OK);
	t.stage = "X1";
	t.message_id = "<3@n>";
	t.done_at = 3000;
	t.value_item = "v2";
	t.state = TOUCH_UNKNOWN;
	assert_int_equal(store_touch_insert(st, &t, NULL), STORE_OK);
	t.stage = "X2";
	t.message_id = NULL;
	t.done_at = 0;
	t.value_item = "v3";
	t.state = TOUCH_PLANNED;
	assert_int_equal(store_touch_insert(st, &t, NULL), STORE_OK);
	t.lead_id = b;
	t.stage = "1";
	t.message_id = "<4@n>";
	t.done_at = 2500;
	t.value_item = NULL;
	t.state = TOUCH_SENT;
	assert_int_equal(store_touch_insert(st, &t, NULL), STORE_OK);

	assert_int_equal(store_touch_count_sent_since(st, 2000, &n, NULL),
	                 STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(store_touch_count_sent_since(st, 0, &n, NULL),
	                 STORE_OK);
	assert_int_equal(n, 3);
	assert_int_equal(store_touch_last_sent(st, a, &got, NULL), STORE_OK);
	assert_string_equal(got->message_id, "<2@n>");
	touch_free(got);
	assert_int_equal(store_touch_first_sent(st, a, &got, NULL), STORE_OK);
	assert_string_equal(got->subject, "Hello");
	touch_free(got);
	assert_int_equal(store_touch_last_sent(st, 999, &got, NULL),
	                 STORE_ENOTFOUND);
	assert_int_equal(store_touch_values_used(st, a, value_cb, &nm, NULL),
	                 STORE_OK);
	assert_string_equal(nm.s, "v1 v2 ");
	store_close(st);
}

/* ---- suppression, folders, messages, meta */

static int
supp_cb(const char *entry, const char *reason, time_t at, void *arg)
{
	struct names *nm = arg;

	(void)at;
	strcat(nm->s, entry);
	strcat(nm->s, "=");
	strcat(nm->s, reason ? reason : "-");
	strcat(nm->s, " ");
	return 0;
}

static void
test_suppression(void **state)
{
	struct store *st = open_new(NULL);
	struct names nm = {"", 0, 0};
	char *reason;
	int yes;

	(void)state;
	assert_int_equal(
	    store_suppress_add(st, "Gone@Example.com", "bounce", 10, NULL),
	    STORE_OK);
	assert_int_equal(
	    store_suppress_add(st, "gone@example.com", "again", 20, NULL),
	    STORE_OK);
	assert_int_equal(
	    store_suppress_add(st, "@Competitor.io", "policy", 30, NULL),
	    STORE_OK);
	assert_int_equal(store_suppress_add(st, "a b@x", "x", 1, NULL),
	                 STORE_EINVAL);
	assert_int_equal(store_suppress_add(st, "", "x", 1, NULL),
	                 STORE_EINVAL);

	assert_int_equal(
	    store_is_suppressed(st, "GONE@example.COM", &yes, &reason, NULL),
	    STORE_OK);
	assert_int_equal(yes, 1);
	assert_string_equal(reason, "bounce");
	free(reason);
	assert_int_equal(
	    store_is_suppressed(st, "other@example.com", &yes, &reason, NULL),
	    STORE_OK);
	assert_int_equal(yes, 0);
	assert_null(reason);
	assert_int_equal(
	    store_is_suppressed(st, "ceo@competitor.IO", &yes, &reason, NULL),
	    STORE_OK);
	assert_int_equal(yes, 1);
	assert_string_equal(reason, "policy");
	free(reason);
	assert_int_equal(
	    store_is_suppressed(st, "x@sub.competitor.io", &yes, NULL, NULL),
	    STORE_OK);
	assert_int_equal(yes, 0);
	assert_int_equal(store_suppress_list(st, supp_cb, &nm, NULL), STORE_OK);
	assert_string_equal(nm.s,
	                    "Competitor.io=policy Gone@Example.com=bounce ");
	store_close(st);
}

static void
test_folders_msgs(void **state)
{
	struct store *st = open_new(NULL);
	int64_t lead = add_lead(st, "a@x.org", "active");
	uint32_t uv, last;
	int seen;

	(void)state;
	assert_int_equal(store_folder_get(st, "INBOX", &uv, &last, NULL),
	                 STORE_OK);
	assert_int_equal(uv, 0);
	assert_int_equal(last, 0);
	assert_int_equal(
	    store_folder_set(st, "INBOX", 4000000000u, 17, 5, NULL), STORE_OK);
	assert_int_equal(
	    store_folder_set(st, "INBOX", 4000000000u, 42, 6, NULL), STORE_OK);
	assert_int_equal(store_folder_get(st, "INBOX", &uv, &last, NULL),
	                 STORE_OK);
	assert_int_equal(uv, 4000000000u);
	assert_int_equal(last, 42);

	assert_int_equal(
	    store_msg_seen(st, "INBOX", 7, 1, "<a@b>", &seen, NULL), STORE_OK);
	assert_int_equal(seen, 0);
	assert_int_equal(store_msg_add(st, "INBOX", 7, 1, "<a@b>",
	                               "human_reply", lead, 9, NULL),
	                 STORE_OK);
	assert_int_equal(store_msg_add(st, "INBOX", 7, 1, "<a@b>",
	                               "human_reply", lead, 9, NULL),
	                 STORE_OK); /* idempotent */
	assert_int_equal(
	    store_msg_add(st, "INBOX", 7, 2, NULL, "other", 0, 9, NULL),
	    STORE_OK);
	/* by uid */
	assert_int_equal(store_msg_seen(st, "INBOX", 7, 2, NULL, &seen, NULL),
	                 STORE_OK);
	assert_int_equal(seen, 1);
	assert_int_equal(store_msg_seen(st, "INBOX", 7, 3, NULL, &seen, NULL),
	                 STORE_OK);
	assert_int_equal(seen, 0);
	/* by message id after a UIDVALIDITY change */
	assert_int_equal(
	    store_msg_seen(st, "INBOX", 8, 1, "<a@b>", &seen, NULL), STORE_OK);
	assert_int_equal(seen, 1);
	/* message ids are per folder */
	assert_int_equal(store_msg_seen(st, "Junk", 8, 1, "<a@b>", &seen, NULL),
	                 STORE_OK);
	assert_int_equal(seen, 0);
	store_close(st);
}

static void
test_meta(void **state)
{
	struct store *st = open_new(NULL);
	char *v, *err = NULL;

	(void)state;
	assert_int_equal(store_meta_get(st, "nope", &v, &err), STORE_ENOTFOUND);
	assert_null(v);
	free(err);
	assert_int_equal(store_meta_set(st, "k", "one", NULL), STORE_OK);
	assert_int_equal(store_meta_set(st, "k", "two", NULL), STORE_OK);
	assert_int_equal(store_meta_get(st, "k", &v, NULL), STORE_OK);
	assert_string_equal(v, "two");
	free(v);
	store_close(st);
}

static void
test_transactions(void **state)
{
	struct store *st = open_new(NULL);
	struct lead *l;
	struct lead_field f = {"k", "v"};
	char *err = NULL;
	int64_t id;

	(void)state;
	assert_int_equal(store_begin(st, NULL), STORE_OK);
	id = add_lead(st, "gone@x.org", "active");
	assert_int_equal(store_note_add(st, id, 1, "note", "x", NULL, NULL),
	                 STORE_OK);
	assert_int_equal(store_meta_set(st, "k", "v", NULL), STORE_OK);
	assert_int_equal(store_begin(st, &err), STORE_EDB); /* not nestable */
	free(err);
	assert_int_equal(store_rollback(st, NULL), STORE_OK);
	assert_int_equal(store_lead_get_email(st, "gone@x.org", &l, NULL),
	                 STORE_ENOTFOUND);
	assert_int_equal(store_meta_get(st, "k", &err, NULL), STORE_ENOTFOUND);

	/* a failing multi-row write inside a transaction undoes only itself */
	assert_int_equal(store_begin_durable(st, NULL), STORE_OK);
	add_lead(st, "kept@x.org", "active");
	l = mklead("KEPT@x.org");
	l->fields = &f;
	l->nfields = 1;
	assert_int_equal(store_lead_insert(st, l, NULL), STORE_EEXIST);
	l->fields = NULL;
	l->nfields = 0;
	lead_free(l);
	assert_int_equal(store_commit(st, NULL), STORE_OK);
	assert_int_equal(store_lead_get_email(st, "kept@x.org", &l, NULL),
	                 STORE_OK);
	assert_int_equal(l->nfields, 0);
	lead_free(l);
	store_close(st);
}

/* a bulk transaction: rows and fields written, an existing address is
 * EEXIST and writes nothing, and the relaxed checks come back after it */
static void
test_bulk(void **state)
{
	struct store *st = open_new(NULL);
	struct lead_field f[2] = {{"a", "1"}, {"b", "2"}};
	struct touch t = {.stage = "1", .channel = "email", .due = 5};
	struct lead *l;
	char *err = NULL;
	int64_t id;

	(void)state;
	id = add_lead(st, "old@x.org", "active");
	assert_int_equal(store_begin_bulk(st, 64, NULL), STORE_OK);
	l = mklead("new@x.org");
	l->fields = f;
	l->nfields = 2;
	assert_int_equal(store_lead_insert(st, l, NULL), STORE_OK);
	assert_true(l->id > id);
	t.lead_id = l->id;
	assert_int_equal(store_touch_insert(st, &t, NULL), STORE_OK);
	l->id = 0;
	free(l->email);
	l->email = xstrdup("OLD@x.org");
	assert_int_equal(store_lead_insert(st, l, &err), STORE_EEXIST);
	free(err);
	l->fields = NULL;
	l->nfields = 0;
	lead_free(l);
	assert_int_equal(store_commit(st, NULL), STORE_OK);
	assert_int_equal(store_lead_get_email(st, "new@x.org", &l, NULL),
	                 STORE_OK);
	assert_int_equal(l->nfields, 2);
	assert_string_equal(l->fields[1].value, "2");
	lead_free(l);
	assert_int_equal(store_lead_get_email(st, "old@x.org", &l, NULL),
	                 STORE_OK);
	assert_int_equal(l->nfields, 0); /* the refused insert wrote none */
	lead_free(l);
	/* after it: foreign keys and CHECK constraints hold again */
	t.lead_id = 999999;
	assert_int_equal(store_touch_insert(st, &t, &err), STORE_ENOTFOUND);
	free(err);
	err = NULL;
	t.lead_id = id;
	t.stage = "";
	assert_int_equal(store_touch_insert(st, &t, &err), STORE_EINVAL);
	free(err);
	assert_int_equal(store_note_add(st, 999999, 1, "note", "x", NULL, &err),
	                 STORE_ENOTFOUND);
	free(err);
	/* and a rollback undoes the whole batch */
	assert_int_equal(store_begin_bulk(st, 64, NULL), STORE_OK);
	add_lead(st, "rolled@x.org", "active");
	assert_int_equal(store_rollback(st, NULL), STORE_OK);
	assert_int_equal(store_lead_get_email(st, "rolled@x.org", &l, NULL),
	                 STORE_ENOTFOUND);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_mode_wal),
	    cmocka_unit_test(test_too_new),
	    cmocka_unit_test(test_migrate_v1_v2),
	    cmocka_unit_test(test_lead_roundtrip),
	    cmocka_unit_test(test_lead_unique_invalid),
	    cmocka_unit_test(test_lead_list_count),
	    cmocka_unit_test(test_notes_events),
	    cmocka_unit_test(test_touch_roundtrip),
	    cmocka_unit_test(test_touches_due),
	    cmocka_unit_test(test_reentrant_callback),
	    cmocka_unit_test(test_explain_due),
	    cmocka_unit_test(test_skip_unlogged),
	    cmocka_unit_test(test_reviews),
	    cmocka_unit_test(test_sent_queries),
	    cmocka_unit_test(test_suppression),
	    cmocka_unit_test(test_folders_msgs),
	    cmocka_unit_test(test_meta),
	    cmocka_unit_test(test_transactions),
	    cmocka_unit_test(test_bulk),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
