/*
 * test_outbox - the outbox state machine, without servers.
 *
 * Linked with -Wl,--wrap for the SMTP session (smtp_open, smtp_send,
 * smtp_close), the IMAP calls the outbox makes (imap_append,
 * imap_find_message_id, imap_special_folder) and the clock (clock_now,
 * clock_is_simulated, clock_set): outbox.c's calls land in the __wrap_
 * functions below, which play a script, so every state and every failure
 * return is reached in milliseconds.  The store is real (SQLite in memory,
 * or a file for the crash test), and so are the templates and rules.
 */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "imap.h"
#include "lifecycle.h"
#include "outbox.h"
#include "smtp.h"
#include "store.h"
#include "xalloc.h"

#define TZ "America/Denver"
#define MAXSENT 64

/* ---- the fakes */

struct step {
	int status;
	int code;
	int uncertain;
	const char *text;
};

static struct fake {
	time_t now;
	/* smtp */
	int open_status; /* what smtp_open returns */
	int opens, closes, sends;
	const struct step *script; /* one step per smtp_send; then OK */
	size_t nscript;
	int crash_at; /* smtp_send number that _exit()s (0 = none) */
	int stop_at;  /* smtp_send number that raises the stop flag */
	volatile int stop;
	char *sent_ids[MAXSENT]; /* Message-IDs handed over, in order */
	/* imap */
	int append_fails;
	int appends;
	char *sent_folder[MAXSENT]; /* Message-IDs in the fake Sent folder */
	int nsent_folder;
	int lookup_fails;
	int lookups;
	const char *sent_file; /* the crash test: Sent copies go to a file */
	/* outbox hook */
	int presends;
	int presend_fails;
} fk;

static char *
msgid_of(const char *msg, size_t len)
{
	const char *p = msg, *end = msg + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);

		if (n > 12 && strncasecmp(p, "Message-ID: ", 12) == 0) {
			while (n > 12 && (p[n - 1] == '\r' || p[n - 1] == ' '))
				n--;
			return xstrndup(p + 12, n - 12);
		}
		if (n == 0 || (n == 1 && *p == '\r'))
			break;
		p = eol ? eol + 1 : end;
	}
	return xstrdup("?");
}

time_t __wrap_clock_now(void);
int __wrap_clock_is_simulated(void);
void __wrap_clock_set(time_t t);
int __wrap_smtp_open(const struct smtp_params *p, struct smtp_session **out,
                     char **errstr);
int __wrap_smtp_send(struct smtp_session *s, const char *from_addr,
                     const char *const *rcpts, size_t nrcpt, const char *msg,
                     size_t len, struct smtp_result *res);
void __wrap_smtp_close(struct smtp_session *s);
int __wrap_imap_append(struct imap_conn *c, const char *folder, const char *msg,
                       size_t len, int seen, char **errstr);
int __wrap_imap_find_message_id(struct imap_conn *c, const char *folder,
                                const char *message_id, int *found,
                                char **errstr);
int __wrap_imap_special_folder(struct imap_conn *c, const char *use,
                               char **name, char **errstr);

time_t
__wrap_clock_now(void)
{
	return fk.now;
}

int
__wrap_clock_is_simulated(void)
{
	return 1;
}

void
__wrap_clock_set(time_t t)
{
	fk.now = t;
}

static int session; /* the fake session's address */

int
__wrap_smtp_open(const struct smtp_params *p, struct smtp_session **out,
                 char **errstr)
{
	(void)p;
	fk.opens++;
	if (fk.open_status != SMTP_OK) {
		*errstr = xstrdup("smtp_url: bad URL (fake)");
		return fk.open_status;
	}
	*out = (struct smtp_session *)(void *)&session;
	return SMTP_OK;
}

int
__wrap_smtp_send(struct smtp_session *s, const char *from_addr,
                 const char *const *rcpts, size_t nrcpt, const char *msg,
                 size_t len, struct smtp_result *res)
{
	const struct step *st = NULL;
	int i = fk.sends++;

	assert_ptr_equal(s, &session);
	assert_non_null(from_addr);
	assert_int_equal(nrcpt, 1);
	assert_non_null(rcpts[0]);
	if (fk.crash_at && fk.sends == fk.crash_at)
		_exit(9); /* kill -9 in the middle of a batch */
	if (fk.stop_at && fk.sends == fk.stop_at)
		fk.stop = 1; /* SIGTERM during this send */
	memset(res, 0, sizeof *res);
	if ((size_t)i < fk.nscript)
		st = &fk.script[i];
	res->status = st ? st->status : SMTP_OK;
	res->code = st ? st->code : 250;
	res->uncertain = st ? st->uncertain : 0;
	snprintf(res->text, sizeof res->text, "%s",
	         st && st->text ? st->text : "250 2.0.0 Ok: queued");
	if (res->status == SMTP_OK && i < MAXSENT)
		fk.sent_ids[i] = msgid_of(msg, len);
	return res->status;
}

void
__wrap_smtp_close(struct smtp_session *s)
{
	if (s)
		fk.closes++;
}

int
__wrap_imap_append(struct imap_conn *c, const char *folder, const char *msg,
                   size_t len, int seen, char **errstr)
{
	(void)c;
	(void)seen;
	assert_string_equal(folder, "Sent");
	fk.appends++;
	if (fk.append_fails) {
		*errstr =
		    xstrdup("APPEND: NO [OVERQUOTA] quota exceeded (fake)");
		return IMAP_EPROTO;
	}
	if (fk.sent_file) {
		FILE *f = fopen(fk.sent_file, "a");
		char *id = msgid_of(msg, len);

		assert_non_null(f);
		fprintf(f, "%s\n", id);
		fclose(f);
		free(id);
	} else if (fk.nsent_folder < MAXSENT)
		fk.sent_folder[fk.nsent_folder++] = msgid_of(msg, len);
	return IMAP_OK;
}

int
__wrap_imap_find_message_id(struct imap_conn *c, const char *folder,
                            const char *message_id, int *found, char **errstr)
{
	(void)c;
	assert_string_equal(folder, "Sent");
	fk.lookups++;
	*found = 0;
	if (fk.lookup_fails) {
		*errstr = xstrdup("connection lost (fake)");
		return IMAP_ENET;
	}
	if (fk.sent_file) {
		FILE *f = fopen(fk.sent_file, "r");
		char line[512];

		while (f && fgets(line, sizeof line, f)) {
			line[strcspn(line, "\n")] = '\0';
			if (strcmp(line, message_id) == 0)
				*found = 1;
		}
		if (f)
			fclose(f);
		return IMAP_OK;
	}
	for (int i = 0; i < fk.nsent_folder; i++)
		if (strcmp(fk.sent_folder[i], message_id) == 0)
			*found = 1;
	return IMAP_OK;
}

int
__wrap_imap_special_folder(struct imap_conn *c, const char *use, char **name,
                           char **errstr)
{
	(void)c;
	(void)use;
	*name = xstrdup("Sent");
	(void)errstr;
	return IMAP_OK;
}

static int
presend(void *arg, int64_t lead_id, char **errstr)
{
	(void)arg;
	(void)lead_id;
	fk.presends++;
	if (fk.presend_fails) {
		*errstr = xstrdup("IMAP: connection lost (fake)");
		return 1;
	}
	return 0;
}

/* ---- fixture */

struct fx {
	struct nudge n;
	struct outbox *ox;
	struct outbox_opts o;
	int imap; /* the fake IMAP connection's address */
	char dbfile[64];
};

static char *
srcpath(const char *rel)
{
	const char *top = getenv("top_srcdir");

	return xasprintf("%s/%s", top ? top : ".", rel);
}

static void
cfg(struct fx *f, const char *key, const char *value)
{
	char *err = NULL;

	if (config_set(f->n.cfg, key, value, &err) != CONFIG_OK)
		fail_msg("%s", err);
}

static void
fake_reset(void)
{
	for (int i = 0; i < MAXSENT; i++) {
		free(fk.sent_ids[i]);
		free(fk.sent_folder[i]);
	}
	memset(&fk, 0, sizeof fk);
	/* Wednesday 25 Nov 2026, 10:00 in Denver: inside the window */
	assert_int_equal(clock_parse_iso("2026-11-25T10:00", TZ, &fk.now, NULL),
	                 CLOCK_OK);
}

static void
fx_open_db(struct fx *f, const char *path)
{
	char *err = NULL;

	if (store_open(path, &f->n.st, &err) != STORE_OK)
		fail_msg("%s", err);
}

static int
setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof *f);
	char *err = NULL;

	fake_reset();
	f->n.cfg = config_new();
	f->n.tz = TZ;
	f->n.rules_dir = srcpath("rules");
	f->n.templates_dir = srcpath("templates");
	cfg(f, "from", "Sam Sales <sales@example.test>");
	cfg(f, "sender_phone", "+1 303 555 0100");
	cfg(f, "smtp_url", "smtp://127.0.0.1:2525");
	cfg(f, "sent_folder", "Sent");
	cfg(f, "vary_times", "off");
	cfg(f, "country_holidays", "off");
	cfg(f, "min_gap", "0");
	cfg(f, "jitter", "0");
	cfg(f, "send_batch", "8");
	if (window_parse("Mon-Fri 08:30-17:00", &f->n.win, &err) != 0)
		fail_msg("%s", err);
	fx_open_db(f, ":memory:");
	f->o.presend = presend;
	*state = f;
	return 0;
}

static void
fx_outbox(struct fx *f)
{
	char *err = NULL;

	outbox_close(f->ox);
	assert_int_equal(outbox_open(&f->n, &f->o, &f->ox, &err), OUTBOX_OK);
	outbox_set_imap(f->ox, (struct imap_conn *)(void *)&f->imap);
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	outbox_close(f->ox);
	lc_free(&f->n); /* the store, the config, the directories too */
	if (f->dbfile[0]) {
		char p[80];

		unlink(f->dbfile);
		snprintf(p, sizeof p, "%s-wal", f->dbfile);
		unlink(p);
		snprintf(p, sizeof p, "%s-shm", f->dbfile);
		unlink(p);
	}
	free(f);
	fake_reset();
	return 0;
}

/* add_leads: n active leads enrolled now (stage 1 due now) */
static void
add_leads(struct fx *f, int n)
{
	static int seq;

	for (int i = 0; i < n; i++) {
		struct lead *l = xcalloc(1, sizeof *l);
		char *err = NULL;

		l->email = xasprintf("lead%03d@example.com", seq++);
		l->name = xasprintf("Lead %d", i);
		l->company = xstrdup("Acme");
		l->status = LEAD_ACTIVE;
		l->prior_status = -1;
		l->created = l->updated = fk.now;
		if (store_lead_insert(f->n.st, l, &err) != STORE_OK ||
		    lc_enroll(&f->n, l, fk.now, &err) != LC_OK)
			fail_msg("%s", err);
		lead_free(l);
	}
}

/* first_email: lead 1's address */
static char *
first_email(struct fx *f)
{
	static char buf[128];
	struct lead *l = NULL;

	assert_int_equal(store_lead_get_id(f->n.st, 1, &l, NULL), STORE_OK);
	snprintf(buf, sizeof buf, "%s", l->email);
	lead_free(l);
	return buf;
}

/* the stage-1 email touches, in lead order */
struct tlist {
	struct store *st;
	struct touch *t[MAXSENT];
	int n;
};

static int
collect(const struct touch *t, const struct lead *l, void *arg)
{
	struct tlist *c = arg;
	char *err = NULL;

	(void)l;
	if (strcmp(t->channel, "email") != 0 || strcmp(t->stage, "1") != 0 ||
	    c->n >= MAXSENT)
		return 0;
	assert_int_equal(store_touch_get(c->st, t->id, &c->t[c->n], &err),
	                 STORE_OK);
	c->n++;
	return 0;
}

static void
touches(struct fx *f, struct tlist *c)
{
	memset(c, 0, sizeof *c);
	c->st = f->n.st;
	for (int64_t id = 1; id < 1000; id++) {
		struct lead *l = NULL;

		if (store_lead_get_id(f->n.st, id, &l, NULL) != STORE_OK)
			break;
		assert_int_equal(
		    store_touch_list_lead(f->n.st, id, collect, c, NULL),
		    STORE_OK);
		lead_free(l);
	}
}

static void
tlist_free(struct tlist *c)
{
	for (int i = 0; i < c->n; i++)
		touch_free(c->t[i]);
	c->n = 0;
}

static int
count_state(struct fx *f, int state)
{
	struct tlist c;
	int k = 0;

	touches(f, &c);
	for (int i = 0; i < c.n; i++)
		k += c.t[i]->state == state;
	tlist_free(&c);
	return k;
}

static int
run(struct fx *f, struct outbox_report *r)
{
	char *err = NULL;
	int rc;

	memset(r, 0, sizeof *r);
	if (f->ox == NULL)
		fx_outbox(f);
	rc = outbox_run(f->ox, r, &err);
	if (rc != OUTBOX_OK) {
		assert_non_null(err); /* every error says what */
		free(err);
	}
	return rc;
}

/* ---- the happy path and group commit */

static void
test_sent_and_copied(void **state)
{
	struct fx *f = *state;
	struct outbox_report r;
	struct tlist c;

	add_leads(f, 1);
	assert_int_equal(run(f, &r), OUTBOX_OK);
	assert_int_equal(r.sent, 1);
	assert_int_equal(fk.sends, 1);
	assert_int_equal(fk.appends, 1);
	touches(f, &c);
	assert_int_equal(c.t[0]->state, TOUCH_SENT);
	assert_int_equal(c.t[0]->attempts, 1);
	assert_string_equal(c.t[0]->message_id, fk.sent_ids[0]);
	assert_string_equal(fk.sent_folder[0], fk.sent_ids[0]);
	assert_true(c.t[0]->done_at == fk.now);
	tlist_free(&c);
}

static void
test_batch_one_session(void **state)
{
	struct fx *f = *state;
	struct outbox_report r;

	add_leads(f, 20);
	assert_int_equal(run(f, &r), OUTBOX_OK);
	assert_int_equal(r.sent, 20);
	assert_int_equal(fk.opens, 1);    /* one SMTP session */
	assert_int_equal(fk.presends, 3); /* batches of 8, 8, 4 */
	assert_int_equal(count_state(f, TOUCH_SENT), 20);
	for (int i = 0; i < 20; i++)
		for (int j = 0; j < i; j++)
			assert_string_not_equal(fk.sent_ids[i], fk.sent_ids[j]);
}

static void
test_batch_forced_to_one_by_gap(void **state)
{
	struct fx *f = *state;
	struct outbox_report r;
	time_t t0 = fk.now;

	cfg(f, "min_gap", "60");
	add_leads(f, 3);
	assert_int_equal(run(f, &r), OUTBOX_OK);
	assert_int_equal(r.sent, 3);
	assert_int_equal(fk.presends, 3); /* a batch per message */
	assert_true(fk.now - t0 == 120);  /* two gaps, simulated time */
}

static void
test_no_throttle_batches_despite_gap(void **state)
{
	struct fx *f = *state;
	struct outbox_report r;

	cfg(f, "min_gap", "60");
	f->o.no_throttle = 1;
	add_leads(f, 9);
	assert_int_equal(run(f, &r), OUTBOX_OK);
	assert_int_equal(r.sent, 9);
	assert_int_equal(fk.presends, 2);
}

static void
test_batch_size_one(void **state)
{
	struct fx *f = *state;
	struct outbox_report r;

	cfg(f, "send_batch", "1");
	add_leads(f, 3);
	assert_int_equal(run(f, &r), OUTBOX_OK);
	assert_int_equal(r.sent, 3);
	assert_int_equal(fk.presends, 3);
	assert_int_equal(fk.opens, 1);
}

static void
test_daily_cap_limits_batch(void **state)
{
	struct fx *f = *state;
	struct outbox_report r;

	cfg(f, "daily_cap", "3");
	add_leads(f, 5);
	assert_int_equal(run(f, &r), OUTBOX_OK);
	assert_int_equal(r.sent, 3);
	assert_int_equal(r.capped, 1);
	assert_int_equal(fk.sends, 3);
	assert_int_equal(count_state(f, TOUCH_PLANNED), 2);
	assert_int_equal(count_state(f, TOUCH_SENDING), 0);
}

static void
test_max_send_limits_batch(void **state)
{
	struct fx *f = *state;
	struct outbox_report r;

	f->o.max_send = 2;
	add_leads(f, 5);
	assert_int_equal(run(f, &r), OUTBOX_OK);
	assert_int_equal(r.sent, 2);
	assert_int_equal(fk.sends, 2);
	assert_int_equal(count_state(f, TOUCH_PLANNED), 3);
}

static void
test_dry_run_changes_nothing(void **state)
{
	struct fx *f = *state;
	struct outbox_report r;

	f->o.dry_run = 1;
	add_leads(f, 3);
	assert_int_equal(run(f, &r), OUTBOX_OK);
	assert_int_equal(r.sent, 3);
	assert_int_equal(fk.sends, 0);
	assert_int_equal(fk.opens, 0);
	assert_int_equal(fk.presends, 0);
	assert_int_equal(count_state(f, TOUCH_PLANNED), 3);
}

/* ---- failures */

static void
test_temp_fail_deferred_then_same_message(void **state)
{
	struct fx *f = *state;
	static const struct step s[] = {
	    {SMTP_TEMP, 451, 0, "451 4.3.0 greylisted, try later"}};
	struct outbox_report r;
	struct tlist c;
	char *id;
	time_t t0 = fk.now;

	fk.script = s;
	fk.nscript = 1;
	add_leads(f, 1);
	assert_int_equal(run(f, &r), OUTBOX_OK);
	assert_int_equal(r.deferred, 1);
	assert_int_equal(fk.appends, 0);
	touches(f, &c);
	assert_int_equal(c.t[0]->state, TOUCH_PLANNED);
	assert_int_equal(c.t[0]->attempts, 1);
	assert_true(c.t[0]->next_attempt == t0 + 300);
	assert_non_null(strstr(c.t[0]->error, "greylisted"));
	id = xstrdup(c.t[0]->message_id);
	tlist_free(&c);
	/* not before the backoff; then the stored message, same Message-ID */
	fk.now = t0 + 299;
	assert_int_equal(run(f, &r), OUTBOX_OK);
	assert_int_equal(fk.sends, 1);
	fk.now = t0 + 300;
	assert_int_equal(run(f, &r), OUTBOX_OK);
	assert_int_equal(r.sent, 1);
	assert_string_equal(fk.sent_ids[1], id);
	assert_int_equal(count_state(f, TOUCH_SENT), 1);
	free(id);
}

static void
test_temp_uncertain_unknown(void **state)
{
	struct fx *f = *state;
	static const struct step s[] = {{SMTP_TEMP, 0, 1, ""}};
	struct outbox_report r;

	fk.script = s;
	fk.nscript = 1;
	add_leads(f, 1);
	assert_int_equal(run(f, &r), OUTBOX_OK);
	assert_int_equal(r.unknown, 1);
	assert_int_equal(count_state(f, TOUCH_UNKNOWN), 1);
	/* never sent again by itself */
	fk.now += 86400;
	assert_int_equal(run(f, &r), OUTBOX_OK);
	assert_int_equal(fk.sends, 1);
}

static void
test_temp_fail_gives_up(void **state)
{
	struct fx *f = *state;
	static struct step s[8];
	struct outbox_report r;
	struct tlist c;

	for (int i = 0; i < 8; i++)
		s[i] = (struct step){SMTP_TEMP, 421, 0, "421 4.3.2 busy"};
	fk.script = s;
	fk.nscript = 8;
	add_leads(f, 1);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(run(f, &r), OUTBOX_OK);
		fk.now += 7 * 86400; /* past the backoff, a Wednesday again */
	}
	assert_int_equal(fk.sends, 8);
	touches(f, &c);
	assert_int_equal(c.t[0]->state, TOUCH_FAILED);
	assert_non_null(strstr(c.t[0]->error, "gave up after 8"));
	tlist_free(&c);
}

static void
test_perm_fail_rcpt_bounces_lead(void **state)
{
	struct fx *f = *state;
	static const struct step s[] = {
	    {SMTP_PERM, 550, 0,
	     "550 5.1.1 <x>: Recipient address rejected: User unknown"}};
	struct outbox_report r;
	struct lead *l = NULL;
	int yes = 0;

	fk.script = s;
	fk.nscript = 1;
	add_leads(f, 2);
	assert_int_equal(run(f, &r), OUTBOX_OK);
	assert_int_equal(r.failed, 1);
	assert_int_equal(r.sent, 1); /* the batch went on */
	assert_int_equal(count_state(f, TOUCH_FAILED), 1);
	assert_int_equal(store_lead_get_id(f->n.st, 1, &l, NULL), STORE_OK);
	assert_int_equal(l->status, LEAD_BOUNCED);
	assert_int_equal(
	    store_is_suppressed(f->n.st, l->email, &yes, NULL, NULL), STORE_OK);
	assert_int_equal(yes, 1);
	lead_free(l);
}

static void
test_perm_fail_policy_keeps_lead(void **state)
{
	struct fx *f = *state;
	static const struct step s[] = {
	    {SMTP_PERM, 554, 0, "554 5.7.1 message refused by policy"}};
	struct outbox_report r;
	struct lead *l = NULL;

	fk.script = s;
	fk.nscript = 1;
	add_leads(f, 1);
	assert_int_equal(run(f, &r), OUTBOX_OK);
	assert_int_equal(r.failed, 1);
	assert_int_equal(store_lead_get_id(f->n.st, 1, &l, NULL), STORE_OK);
	assert_int_equal(l->status, LEAD_ACTIVE);
	lead_free(l);
}

static void
test_connection_lost_mid_batch(void **state)
{
	struct fx *f = *state;
	static const struct step s[] = {
	    {SMTP_OK, 250, 0, NULL},
	    {SMTP_TEMP, 0, 0, "connection reset by peer"},
	    {SMTP_TEMP, 0, 0, "connection refused"},
	    {SMTP_OK, 250, 0, NULL}};
	struct outbox_report r;
	struct tlist c;

	fk.script = s;
	fk.nscript = 4;
	add_leads(f, 4);
	assert_int_equal(run(f, &r), OUTBOX_OK);
	assert_int_equal(fk.presends, 1); /* one batch */
	assert_int_equal(r.sent, 2);
	assert_int_equal(r.deferred, 2);
	touches(f, &c);
	assert_int_equal(c.t[0]->state, TOUCH_SENT);
	assert_int_equal(c.t[1]->state, TOUCH_PLANNED);
	assert_int_equal(c.t[2]->state, TOUCH_PLANNED);
	assert_int_equal(c.t[3]->state, TOUCH_SENT);
	assert_non_null(c.t[1]->message_id); /* kept for the retry */
	tlist_free(&c);
	assert_int_equal(count_state(f, TOUCH_SENDING), 0);
}

static void
test_tls_failure_stops_batch(void **state)
{
	struct fx *f = *state;
	static const struct step s[] = {
	    {SMTP_OK, 250, 0, NULL},
	    {SMTP_TLS, 0, 0, "certificate verify failed"}};
	struct outbox_report r;
	struct tlist c;

	fk.script = s;
	fk.nscript = 2;
	add_leads(f, 3);
	assert_int_equal(run(f, &r), OUTBOX_ECONFIG);
	assert_int_equal(fk.sends, 2); /* the third was not tried */
	touches(f, &c);
	assert_int_equal(c.t[0]->state, TOUCH_SENT);
	for (int i = 1; i < 3; i++) {
		assert_int_equal(c.t[i]->state, TOUCH_PLANNED);
		assert_int_equal(c.t[i]->attempts, 0);
		assert_non_null(strstr(c.t[i]->error, "SMTP tls"));
	}
	tlist_free(&c);
}

static void
test_smtp_open_fails_nothing_claimed(void **state)
{
	struct fx *f = *state;
	struct outbox_report r;

	fk.open_status = SMTP_EINVAL;
	add_leads(f, 2);
	assert_int_equal(run(f, &r), OUTBOX_ECONFIG);
	assert_int_equal(fk.sends, 0);
	assert_int_equal(count_state(f, TOUCH_PLANNED), 2);
}

static void
test_stop_mid_batch(void **state)
{
	struct fx *f = *state;
	struct outbox_report r;

	f->o.stop = &fk.stop;
	fk.stop_at = 2;
	add_leads(f, 5);
	assert_int_equal(run(f, &r), OUTBOX_OK);
	assert_int_equal(fk.sends, 2); /* the send under way finished */
	assert_int_equal(r.sent, 2);
	assert_int_equal(count_state(f, TOUCH_SENT), 2);
	assert_int_equal(count_state(f, TOUCH_PLANNED), 3);
	assert_int_equal(count_state(f, TOUCH_SENDING), 0);
}

static void
test_append_failure_still_sent(void **state)
{
	struct fx *f = *state;
	struct outbox_report r;

	fk.append_fails = 1;
	add_leads(f, 2);
	assert_int_equal(run(f, &r), OUTBOX_OK);
	assert_int_equal(r.sent, 2);
	assert_int_equal(fk.appends, 2);
	assert_int_equal(count_state(f, TOUCH_SENT), 2);
}

static void
test_no_copy_without_save_sent(void **state)
{
	struct fx *f = *state;
	struct outbox_report r;

	cfg(f, "save_sent", "off");
	add_leads(f, 2);
	assert_int_equal(run(f, &r), OUTBOX_OK);
	assert_int_equal(r.sent, 2);
	assert_int_equal(fk.appends, 0);
}

static void
test_presend_failure_claims_nothing(void **state)
{
	struct fx *f = *state;
	struct outbox_report r;

	fk.presend_fails = 1;
	add_leads(f, 2);
	assert_int_equal(run(f, &r), OUTBOX_ENET);
	assert_int_equal(fk.sends, 0);
	assert_int_equal(count_state(f, TOUCH_PLANNED), 2);
}

static void
test_suppressed_and_paused_skipped(void **state)
{
	struct fx *f = *state;
	struct outbox_report r;
	struct lead *l = NULL;
	char *err = NULL;

	add_leads(f, 3);
	assert_int_equal(
	    store_suppress_add(f->n.st, first_email(f), "test", fk.now, &err),
	    STORE_OK);
	/* a paused lead's touch waits, untouched */
	assert_int_equal(store_lead_get_id(f->n.st, 2, &l, NULL), STORE_OK);
	assert_int_equal(
	    lc_enter(&f->n, l, LEAD_PAUSED, fk.now, "test", NULL, &err), LC_OK);
	lead_free(l);
	assert_int_equal(run(f, &r), OUTBOX_OK);
	assert_int_equal(r.skipped, 1);
	assert_int_equal(r.sent, 1);
	assert_int_equal(count_state(f, TOUCH_SKIPPED), 1);
	assert_int_equal(count_state(f, TOUCH_PLANNED), 1);
}

static void
test_missing_template_holds(void **state)
{
	struct fx *f = *state;
	struct outbox_report r;
	struct tlist c;

	free(f->n.templates_dir);
	f->n.templates_dir = xstrdup("/nonexistent/templates");
	add_leads(f, 2);
	assert_int_equal(run(f, &r), OUTBOX_OK);
	assert_int_equal(r.held, 2);
	assert_int_equal(fk.sends, 0);
	assert_int_equal(fk.opens, 0); /* nothing to send: no session */
	touches(f, &c);
	assert_int_equal(c.t[0]->state, TOUCH_HELD);
	assert_non_null(strstr(c.t[0]->error, "/nonexistent/templates"));
	tlist_free(&c);
}

/* ---- recovery */

/* leave n touches in "sending", as a claim followed by a crash would */
static void
claimed_then_crashed(struct fx *f, int n)
{
	struct tlist c;
	char *err = NULL;

	add_leads(f, n);
	touches(f, &c);
	for (int i = 0; i < c.n; i++) {
		lc_touch_enter(c.t[i], TOUCH_SENDING);
		c.t[i]->message_id = xasprintf("<crash%d@example.test>", i);
		c.t[i]->message = xstrdup("Subject: x\r\n\r\nbody\r\n");
		c.t[i]->attempts = 1;
		assert_int_equal(store_touch_update(f->n.st, c.t[i], &err),
		                 STORE_OK);
	}
	tlist_free(&c);
}

static void
test_recover_found_and_not_found(void **state)
{
	struct fx *f = *state;
	struct outbox_report r;
	char *err = NULL;

	claimed_then_crashed(f, 3);
	fk.sent_folder[fk.nsent_folder++] = xstrdup("<crash0@example.test>");
	fk.sent_folder[fk.nsent_folder++] = xstrdup("<crash2@example.test>");
	fx_outbox(f);
	memset(&r, 0, sizeof r);
	assert_int_equal(outbox_recover(f->ox, &r, &err), OUTBOX_OK);
	assert_int_equal(fk.lookups, 3);
	assert_int_equal(r.recovered, 3);
	assert_int_equal(r.unknown, 1);
	assert_int_equal(count_state(f, TOUCH_SENT), 2);
	assert_int_equal(count_state(f, TOUCH_UNKNOWN), 1);
	/* nothing is sent again */
	assert_int_equal(run(f, &r), OUTBOX_OK);
	assert_int_equal(fk.sends, 0);
}

static void
test_recover_lookup_error_unknown(void **state)
{
	struct fx *f = *state;
	struct outbox_report r;
	char *err = NULL;

	claimed_then_crashed(f, 2);
	fk.lookup_fails = 1;
	fx_outbox(f);
	memset(&r, 0, sizeof r);
	assert_int_equal(outbox_recover(f->ox, &r, &err), OUTBOX_OK);
	assert_int_equal(r.unknown, 2);
	assert_int_equal(count_state(f, TOUCH_UNKNOWN), 2);
}

static void
test_recover_without_imap_unknown(void **state)
{
	struct fx *f = *state;
	struct outbox_report r;
	struct tlist c;
	char *err = NULL;

	claimed_then_crashed(f, 2);
	fx_outbox(f);
	outbox_set_imap(f->ox, NULL);
	memset(&r, 0, sizeof r);
	assert_int_equal(outbox_recover(f->ox, &r, &err), OUTBOX_OK);
	assert_int_equal(fk.lookups, 0);
	assert_int_equal(r.unknown, 2);
	touches(f, &c);
	assert_non_null(strstr(c.t[0]->error, "no Sent folder"));
	tlist_free(&c);
}

/* kill -9 in the middle of a batch, for real: a child process runs the
 * batch against a database file and dies at its 4th send; the parent
 * recovers from the fake Sent folder (a file the child appended to). */
static void
test_crash_mid_batch_reconciled(void **state)
{
	struct fx *f = *state;
	struct outbox_report r;
	char sent_file[64], *err = NULL;
	pid_t pid;
	int st, nsent;

	snprintf(f->dbfile, sizeof f->dbfile, "/tmp/test_outbox.%d.db",
	         (int)getpid());
	snprintf(sent_file, sizeof sent_file, "/tmp/test_outbox.%d.sent",
	         (int)getpid());
	unlink(sent_file);
	store_close(f->n.st);
	fx_open_db(f, f->dbfile);
	add_leads(f, 12);
	fk.sent_file = sent_file;
	fk.crash_at = 4 + 8; /* batch 1: 8 sent; batch 2: dies at its 4th */
	fflush(NULL);
	if ((pid = fork()) == 0) {
		fx_outbox(f);
		memset(&r, 0, sizeof r);
		outbox_run(f->ox, &r, &err);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 9);
	/* the child's second batch was claimed: 3 handed over and copied, the
	 * 4th died in smtp_send, the rest were claimed but never tried */
	assert_int_equal(count_state(f, TOUCH_SENT), 8);
	assert_int_equal(count_state(f, TOUCH_SENDING), 4);
	fk.crash_at = 0;
	fx_outbox(f);
	memset(&r, 0, sizeof r);
	assert_int_equal(outbox_recover(f->ox, &r, &err), OUTBOX_OK);
	assert_int_equal(r.recovered, 4);
	/* 3 found (sent); 1 never got to the sink nor the Sent copy */
	nsent = count_state(f, TOUCH_SENT);
	assert_int_equal(nsent, 11);
	assert_int_equal(count_state(f, TOUCH_UNKNOWN), 1);
	assert_int_equal(count_state(f, TOUCH_SENDING), 0);
	assert_int_equal(run(f, &r), OUTBOX_OK);
	assert_int_equal(fk.sends, 0); /* nothing resent */
	unlink(sent_file);
}

/* ---- the user's word */

static void
test_resolve(void **state)
{
	struct fx *f = *state;
	struct outbox_report r;
	struct tlist c;
	char *err = NULL;
	static const struct step s[] = {{SMTP_TEMP, 0, 1, ""},
	                                {SMTP_PERM, 554, 0, "554 5.7.1 no"}};

	fk.script = s;
	fk.nscript = 2;
	add_leads(f, 3);
	cfg(f, "send_batch", "2");
	assert_int_equal(run(f, &r), OUTBOX_OK);
	fk.nscript = 0;
	touches(f, &c);
	assert_int_equal(c.t[0]->state, TOUCH_UNKNOWN);
	assert_int_equal(c.t[1]->state, TOUCH_FAILED);
	/* an item in sending is refused (set by hand: sent -> sending is
	 * not a move the lifecycle allows) */
	c.t[2]->state = TOUCH_SENDING;
	assert_int_equal(store_touch_update(f->n.st, c.t[2], &err), STORE_OK);
	assert_int_equal(outbox_resolve(f->ox, c.t[2]->id, 1, &err),
	                 OUTBOX_ECONFIG);
	assert_non_null(strstr(err, "state sending"));
	free(err);
	err = NULL;
	/* unknown --resend: same message and Message-ID */
	assert_int_equal(outbox_resolve(f->ox, c.t[0]->id, 0, &err), OUTBOX_OK);
	/* failed --resend: rendered afresh */
	assert_int_equal(outbox_resolve(f->ox, c.t[1]->id, 0, &err), OUTBOX_OK);
	fk.sends = 0;
	assert_int_equal(run(f, &r), OUTBOX_OK);
	assert_int_equal(r.sent, 2);
	assert_string_equal(fk.sent_ids[0], c.t[0]->message_id);
	assert_string_not_equal(fk.sent_ids[1], c.t[1]->message_id);
	tlist_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    T(test_sent_and_copied),
	    T(test_batch_one_session),
	    T(test_batch_forced_to_one_by_gap),
	    T(test_no_throttle_batches_despite_gap),
	    T(test_batch_size_one),
	    T(test_daily_cap_limits_batch),
	    T(test_max_send_limits_batch),
	    T(test_dry_run_changes_nothing),
	    T(test_temp_fail_deferred_then_same_message),
	    T(test_temp_uncertain_unknown),
	    T(test_temp_fail_gives_up),
	    T(test_perm_fail_rcpt_bounces_lead),
	    T(test_perm_fail_policy_keeps_lead),
	    T(test_connection_lost_mid_batch),
	    T(test_tls_failure_stops_batch),
	    T(test_smtp_open_fails_nothing_claimed),
	    T(test_stop_mid_batch),
	    T(test_append_failure_still_sent),
	    T(test_no_copy_without_save_sent),
	    T(test_presend_failure_claims_nothing),
	    T(test_suppressed_and_paused_skipped),
	    T(test_missing_template_holds),
	    T(test_recover_found_and_not_found),
	    T(test_recover_lookup_error_unknown),
	    T(test_recover_without_imap_unknown),
	    T(test_crash_mid_batch_reconciled),
	    T(test_resolve),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
