/* store_report - read-only scans for nudge report and export ics (see store.h) */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "store_p.h"
#include "xalloc.h"


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
		return st_db_err(st, what, errstr);
	/* binding a parameter the SQL lacks is a harmless SQLITE_RANGE */
	sqlite3_bind_int64(s, 1, (sqlite3_int64)a);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)b);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (row(s, ctx) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	if (rc != SQLITE_DONE)
		rc = st_db_err(st, what, errstr);
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
	l.status = st_col_status(s, 3);
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

