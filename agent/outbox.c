/* outbox - see outbox.h */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "craft.h"
#include "imap.h"
#include "log.h"
#include "mime.h"
#include "outbox.h"
#include "secret.h"
#include "smtp.h"
#include "template.h"
#include "xalloc.h"

#define MAX_TEMP_ATTEMPTS 8	/* then the touch fails */
#define REFS_MAX 20		/* Message-IDs kept in References */

struct tcache {
	char *path;
	struct template *t;
};

struct outbox {
	struct nudge *n;
	struct outbox_opts o;
	struct smtp_session *smtp;
	struct imap_conn *imap;
	char *sent_folder;
	char *password;
	int have_password;
	struct tcache *tc;
	size_t ntc;
	struct value_item *values;
	size_t nvalues;
	int values_loaded;
	time_t last_send;
};

int
outbox_open(struct nudge *n, const struct outbox_opts *o, struct outbox **out,
    char **errstr)
{
	struct outbox *ox = xcalloc(1, sizeof *ox);

	(void)errstr;
	ox->n = n;
	if (o)
		ox->o = *o;
	*out = ox;
	return OUTBOX_OK;
}

void
outbox_set_imap(struct outbox *ox, struct imap_conn *c)
{
	ox->imap = c;
	if (c == NULL) {
		free(ox->sent_folder);
		ox->sent_folder = NULL;
	}
}

void
outbox_close(struct outbox *ox)
{
	if (ox == NULL)
		return;
	smtp_close(ox->smtp);
	for (size_t i = 0; i < ox->ntc; i++) {
		free(ox->tc[i].path);
		template_free(ox->tc[i].t);
	}
	free(ox->tc);
	value_free(ox->values, ox->nvalues);
	secret_free(ox->password);
	free(ox->sent_folder);
	free(ox);
}

void
outbox_msg_free(struct outbox_msg *m)
{
	free(m->message_id);
	free(m->subject);
	free(m->in_reply_to);
	free(m->references);
	free(m->value_item);
	free(m->template_version);
	free(m->text);
	memset(m, 0, sizeof *m);
}

/* ---- rendering */

/* template_for: the .email template of a stage: templates/SEQ/STEP.email for a
 * sequence other than the default, else templates/STEP.email (lower case). */
static int
template_for(struct outbox *ox, const struct lead *l, const struct template **out,
    char **errstr)
{
	const struct sequence *seq;
	char *path = NULL;
	struct template *t;
	size_t i;

	if (lc_sequence(ox->n, l->sequence, &seq, errstr) != LC_OK)
		return OUTBOX_ECONFIG;
	if ((size_t)l->step >= seq->nsteps) {
		*errstr = xasprintf("%s: no stage %d in sequence %s", l->email,
		    l->step + 1, seq->name);
		return OUTBOX_ECONFIG;
	}
	path = lc_template_path(ox->n, seq->name, seq->steps[l->step].name,
	    "email");
	for (i = 0; i < ox->ntc; i++)
		if (strcmp(ox->tc[i].path, path) == 0) {
			free(path);
			*out = ox->tc[i].t;
			return OUTBOX_OK;
		}
	if (template_load(path, &t, errstr) != TEMPLATE_OK) {
		free(path);
		return OUTBOX_ECONFIG;
	}
	ox->tc = xreallocarray(ox->tc, ox->ntc + 1, sizeof *ox->tc);
	ox->tc[ox->ntc].path = path;
	ox->tc[ox->ntc].t = t;
	ox->ntc++;
	*out = t;
	return OUTBOX_OK;
}

static char *
domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return xstrdup(at ? at + 1 : "localhost");
}

/* personal_template: templates/personal.email, the stage-3/4 email that
 * carries an item about the lead's own interest (seed 003). */
static int
personal_template(struct outbox *ox, const struct template **out,
    char **errstr)
{
	char *path = xasprintf("%s/personal.email", ox->n->templates_dir);
	struct template *t;

	for (size_t i = 0; i < ox->ntc; i++)
		if (strcmp(ox->tc[i].path, path) == 0) {
			free(path);
			*out = ox->tc[i].t;
			return OUTBOX_OK;
		}
	if (template_load(path, &t, errstr) != TEMPLATE_OK) {
		free(path);
		return OUTBOX_ECONFIG;
	}
	ox->tc = xreallocarray(ox->tc, ox->ntc + 1, sizeof *ox->tc);
	ox->tc[ox->ntc].path = path;
	ox->tc[ox->ntc].t = t;
	ox->ntc++;
	*out = t;
	return OUTBOX_OK;
}

int
outbox_render(struct outbox *ox, const struct touch *t, const struct lead *l,
    time_t now, struct outbox_msg *out, char **errstr)
{
	struct nudge *n = ox->n;
	const struct template *tpl;
	struct template_output to;
	struct touch *first = NULL, *last = NULL;
	struct mime_out mo;
	struct craft_vars v;
	const struct value_item *value = NULL;
	char *err = NULL, *dom, *unsub = NULL, *subject = NULL, *why = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = template_for(ox, l, &tpl, errstr)) != OUTBOX_OK)
		return rc;
	/* the value library: an item for X touches, a personal one at 3-4 of
	 * a cold sequence (after contact, stage 3 is a conversation's) */
	if (craft_is_x(t->stage) ||
	    ((strcmp(t->stage, "3") == 0 || strcmp(t->stage, "4") == 0) &&
		l->status == LEAD_ACTIVE)) {
		if (!ox->values_loaded) {
			char *dir = xasprintf("%s/value", n->templates_dir);
			if (value_load_dir(dir, &ox->values, &ox->nvalues,
				&err) != TEMPLATE_OK) {
				log_warnx("%s", err);
				free(err);
				err = NULL;
			}
			/* say once per run which items can never go out */
			for (size_t i = 0; i < ox->nvalues; i++)
				if (value_blocked(&ox->values[i]) &&
				    craft_is_x(t->stage))
					log_warnx("%s/%s.md: not sent: %s", dir,
					    ox->values[i].name,
					    value_blocked(&ox->values[i]));
			free(dir);
			ox->values_loaded = 1;
		}
		if (t->value_item) {
			/* a retry re-renders the item chosen before */
			for (size_t i = 0; i < ox->nvalues; i++)
				if (strcmp(ox->values[i].name, t->value_item) == 0)
					value = &ox->values[i];
		} else if (craft_value_pick(n, ox->values, ox->nvalues, l,
			       t->stage, &value, &why, &err) != CRAFT_OK) {
			*errstr = err;
			return OUTBOX_EDB;
		}
		if (value == NULL && craft_is_x(t->stage)) {
			*errstr = xasprintf("stage %s: %s", t->stage,
			    why ? why : "no value item");
			free(why);
			return OUTBOX_EHOLD;
		}
		if (value && !craft_is_x(t->stage)) {
			/* no personal.email (templates from an older nudge):
			 * the stage's own email goes */
			char *pp = xasprintf("%s/personal.email",
			    n->templates_dir);
			int have = access(pp, R_OK) == 0;

			free(pp);
			if (!have)
				value = NULL;
			else if ((rc = personal_template(ox, &tpl, errstr)) !=
			    OUTBOX_OK)
				return rc;
		}
	}
	craft_vars_init(&v, n, l, t->stage, now);
	v.value = value;
	rc = template_render(tpl, craft_lookup, &v, &to, &err);
	craft_vars_free(&v);
	if (rc != TEMPLATE_OK) {
		*errstr = err;
		return OUTBOX_EHOLD;
	}
	/* threading: Re: the first subject, in reply to the last one sent */
	if (to.thread &&
	    store_touch_first_sent(n->st, l->id, &first, NULL) == STORE_OK &&
	    store_touch_last_sent(n->st, l->id, &last, NULL) == STORE_OK &&
	    first->subject && last->message_id) {
		const char *s = first->subject;
		struct buf refs;
		char **ids = NULL;
		size_t nids = 0, from = 0;

		subject = strncasecmp(s, "Re:", 3) == 0 ? xstrdup(s)
							  : xasprintf("Re: %s", s);
		out->in_reply_to = xstrdup(last->message_id);
		buf_init(&refs);
		if (last->references)
			nids = mime_msgids(last->references, &ids);
		if (nids + 1 > REFS_MAX)
			from = nids + 1 - REFS_MAX + 1; /* keep the first */
		for (size_t i = 0; i < nids; i++)
			if (i == 0 || i >= from)
				buf_printf(&refs, "%s%s", refs.len ? " " : "",
				    ids[i]);
		mime_strv_free(ids, nids);
		buf_printf(&refs, "%s%s", refs.len ? " " : "", last->message_id);
		out->references = buf_steal(&refs);
	} else
		subject = xstrdup(to.subject ? to.subject : "");
	touch_free(first);
	touch_free(last);
	dom = domain_of(n->cfg->from_addr);
	out->message_id = t->message_id ? xstrdup(t->message_id)
					 : mime_message_id(dom, now);
	free(dom);
	if (n->cfg->unsubscribe && *n->cfg->unsubscribe)
		unsub = xasprintf("<mailto:%s?subject=unsubscribe>",
		    n->cfg->unsubscribe);
	memset(&mo, 0, sizeof mo);
	if (to.from) {
		/* a template's own From: (an alias of the salesperson) */
		char *fa = NULL, *fn = NULL;
		if (mime_addr_parse(to.from, &fa, &fn) == MIME_OK) {
			free(to.from);
			to.from = fa;
			mo.from_name = fn; /* freed below */
		}
	}
	mo.from_name = mo.from_name ? mo.from_name
		       : (n->cfg->from_name && *n->cfg->from_name
				 ? n->cfg->from_name
				 : NULL);
	mo.from_addr = to.from ? to.from : n->cfg->from_addr;
	mo.to_name = l->name;
	mo.to_addr = l->email;
	mo.cc = to.cc;
	mo.subject = subject;
	mo.message_id = out->message_id;
	mo.in_reply_to = out->in_reply_to;
	mo.references = out->references;
	mo.list_unsubscribe = unsub;
	mo.text = to.text;
	mo.html = to.html;
	mo.date = now;
	mo.tz = n->tz;
	rc = mime_compose(&mo, &out->text, &out->len, &err);
	if (mo.from_name && mo.from_name != n->cfg->from_name)
		free((char *)mo.from_name);
	free(unsub);
	template_output_free(&to);
	if (rc != MIME_OK) {
		/* lead data that would break the message: hold, say why */
		*errstr = xasprintf("cannot compose: %s", err);
		free(err);
		free(subject);
		outbox_msg_free(out);
		return OUTBOX_EHOLD;
	}
	out->subject = subject;
	out->template_version = xstrdup(template_version(tpl));
	if (value)
		out->value_item = xstrdup(value->name);
	return OUTBOX_OK;
}

/* ---- connections */

static int
smtp_ready(struct outbox *ox, char **errstr)
{
	struct config *c = ox->n->cfg;
	struct smtp_params p;
	char *err = NULL;
	int rc;

	if (ox->smtp)
		return OUTBOX_OK;
	if (c->smtp_url == NULL) {
		*errstr = xasprintf("%s: no smtp_url: nudge cannot send",
		    ox->n->config_path);
		return OUTBOX_ECONFIG;
	}
	if (!ox->have_password) {
		rc = secret_get(c, &ox->password, &err);
		if (rc == SECRET_ENONE) {
			free(err);
			ox->password = NULL;
		} else if (rc != SECRET_OK) {
			*errstr = err;
			return OUTBOX_ECONFIG;
		}
		ox->have_password = 1;
	}
	memset(&p, 0, sizeof p);
	p.url = c->smtp_url;
	p.user = ox->password ? c->smtp_user : NULL;
	p.password = ox->password;
	p.trust_file = c->tls_trust_file;
	p.no_verify = !c->tls_verify;
	p.starttls = c->tls_starttls ? SMTP_STARTTLS_REQUIRE : SMTP_STARTTLS_TRY;
	if (!c->tls_starttls)
		log_warnx("WARNING: tls_starttls is off: mail to %s may go "
			  "out in plain text", c->smtp_url);
	p.timeout = (int)c->timeout;
	if (smtp_open(&p, &ox->smtp, &err) != SMTP_OK) {
		*errstr = err;
		return OUTBOX_ECONFIG;
	}
	return OUTBOX_OK;
}

static const char *
sent_folder(struct outbox *ox)
{
	char *err = NULL;

	if (ox->imap == NULL)
		return NULL;
	if (ox->sent_folder)
		return ox->sent_folder;
	if (ox->n->cfg->sent_folder)
		ox->sent_folder = xstrdup(ox->n->cfg->sent_folder);
	else if (imap_special_folder(ox->imap, "\\Sent", &ox->sent_folder,
		     &err) != IMAP_OK) {
		log_warnx("no Sent folder found: %s", err ? err : "?");
		free(err);
		ox->sent_folder = NULL;
	}
	return ox->sent_folder;
}

const char *
outbox_sent_folder(struct outbox *ox)
{
	return sent_folder(ox);
}

/* ---- the state machine */

/* db: a STORE_* code as an OUTBOX_* one; on failure *err (the message the
 * store call set, or NULL) moves to *errstr.  It takes the address of the
 * caller's err and reads it here, after the store call in its first argument
 * has run: db(f(&err), err, ...) would read err before f sets it. */
static int
db(int rc, char **err, char **errstr)
{
	if (rc == STORE_OK)
		return OUTBOX_OK;
	*errstr = *err ? *err : xstrdup("database error");
	*err = NULL;
	return OUTBOX_EDB;
}

/* end_tx: commit when rc is STORE_OK; when it is not, or the commit fails,
 * roll back (its own error is dropped: the first one is the story).
 * Returns the store status. */
static int
end_tx(struct store *st, int rc, char **err)
{
	char *e2 = NULL;

	if (rc == STORE_OK)
		rc = store_commit(st, err);
	if (rc != STORE_OK) {
		store_rollback(st, &e2);
		free(e2);
	}
	return rc;
}

static void
set(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? xstrdup(s) : NULL;
}

/* record_sent_tx: the touch went out: sent, and its stage done, inside the
 * caller's transaction (which need not be synced: only "sending" must be);
 * returns a STORE_* code with *err on failure. */
static int
record_sent_tx(struct outbox *ox, struct touch *t, struct lead *known,
    time_t at, const char *how, char **err)
{
	struct store *st = ox->n->st;
	struct lead *l = known;
	char *detail;
	int rc;

	lc_touch_enter(t, TOUCH_SENT);
	set(&t->error, NULL);
	t->done_at = at;
	rc = store_touch_update(st, t, err);
	/* the caller's lead, when it has it: no second read on the send path */
	if (rc == STORE_OK && l == NULL)
		rc = store_lead_get_id(st, t->lead_id, &l, err);
	if (rc == STORE_OK) {
		detail = xasprintf("stage %s email %s: \"%s\"", t->stage, how,
		    t->subject ? t->subject : "");
		rc = store_event_add(st, l->id, at, "sent", detail,
		    t->message_id, err);
		free(detail);
	}
	if (rc == STORE_OK && lc_sending(l->status)) {
		char label[16];
		lc_stage_label(ox->n, l, label, sizeof label);
		/* a late resolution of an earlier stage does not move the
		 * sequence */
		if (strcmp(label, t->stage) == 0 &&
		    lc_stage_done(ox->n, l, at, how, err) != LC_OK)
			rc = STORE_EDB;
	}
	if (l != known)
		lead_free(l);
	return rc;
}

struct recover_ctx {
	int64_t *ids;
	size_t n;
};

static int
collect_touch(const struct touch *t, const struct lead *l, void *arg)
{
	struct recover_ctx *c = arg;

	(void)l;
	if (strcmp(t->channel, "email") != 0)
		return 0;
	c->ids = xreallocarray(c->ids, c->n + 1, sizeof *c->ids);
	c->ids[c->n++] = t->id;
	return 0;
}

/*
 * outbox_recover: the rows an earlier process left in "sending" (with group
 * commit, at most send_batch of them).  Each is looked up by Message-ID in
 * the Sent folder first (network, no transaction open), then all are settled
 * in one transaction: found = sent (the copy is made right after the server
 * accepts a message, before its outcome is recorded), not found or no way to
 * look = unknown, which only the user's word sends again.
 */
int
outbox_recover(struct outbox *ox, struct outbox_report *r, char **errstr)
{
	struct recover_ctx c = {NULL, 0};
	struct store *st = ox->n->st;
	struct touch **ts = NULL;
	int *found = NULL;
	char *err = NULL;
	time_t now = clock_now();
	const char *folder;
	int rc;

	if ((rc = store_touch_list_state(st, TOUCH_SENDING, collect_touch, &c,
		 &err)) != STORE_OK)
		return db(rc, &err, errstr);
	if (c.n == 0)
		return OUTBOX_OK;
	ts = xcalloc(c.n, sizeof *ts); /* NOLINT(bugprone-sizeof-expression): an array of pointers */
	found = xcalloc(c.n, sizeof *found);
	folder = sent_folder(ox);
	for (size_t i = 0; i < c.n; i++) {
		if ((rc = store_touch_get(st, c.ids[i], &ts[i], &err)) !=
		    STORE_OK)
			goto out;
		if (folder && ts[i]->message_id &&
		    imap_find_message_id(ox->imap, folder, ts[i]->message_id,
			&found[i], &err) != IMAP_OK) {
			log_warnx("recovering %s: %s", ts[i]->message_id, err);
			free(err);
			err = NULL;
			found[i] = 0;
		}
	}
	if ((rc = store_begin(st, &err)) != STORE_OK)
		goto out;
	for (size_t i = 0; i < c.n && rc == STORE_OK; i++) {
		struct touch *t = ts[i];

		if (found[i]) {
			log_info("%s: stage %s was sent before the last stop "
				 "(found in %s)", t->message_id, t->stage,
			    folder);
			rc = record_sent_tx(ox, t, NULL,
			    t->done_at ? t->done_at : now,
			    "sent (found in the Sent folder after a restart)",
			    &err);
		} else {
			log_warnx("%s: interrupted while sending stage %s; "
				  "marked unknown: check and run 'nudge outbox "
				  "resolve %lld --sent|--resend'",
			    t->message_id ? t->message_id : "?", t->stage,
			    (long long)t->id);
			lc_touch_enter(t, TOUCH_UNKNOWN);
			set(&t->error, folder ? "interrupted while sending; not "
						"found in the Sent folder"
					      : "interrupted while sending; no "
						"Sent folder to look in");
			rc = store_touch_update(st, t, &err);
			if (rc == STORE_OK)
				rc = store_event_add(st, t->lead_id, now,
				    "unknown", t->error, t->message_id, &err);
		}
	}
	if ((rc = end_tx(st, rc, &err)) != STORE_OK)
		goto out;
	for (size_t i = 0; i < c.n; i++) {
		r->recovered++;
		r->unknown += !found[i];
	}
out:
	for (size_t i = 0; i < c.n; i++)
		touch_free(ts[i]);
	free(ts);
	free(found);
	free(c.ids);
	return db(rc, &err, errstr);
}

/* The sending window's next opening per zone: the same for every lead of a
 * zone at one `now`, and each computation switches the process's zone (a
 * tzset() that reads the zone file) - it was half of a pass over 20,000 due
 * touches. */
#define ZONE_CACHE 32

struct due_ctx {
	struct outbox *ox;
	time_t now;
	int64_t *ids;
	size_t n;
	struct outbox_report *r;
	struct {
		char *tz;
		const struct holidays *h;
		time_t open;
	} zones[ZONE_CACHE];
	size_t nzones;
};

/* window_open: window_next_open_h for the zone tz and the days off h (a
 * lead country's, lc_holidays) at c->now, cached per zone and days off. */
static time_t
window_open(struct due_ctx *c, const char *tz, const struct holidays *h)
{
	struct nudge *n = c->ox->n;
	const char *key = tz ? tz : "";
	time_t open;

	for (size_t i = 0; i < c->nzones; i++)
		if (c->zones[i].h == h && strcmp(c->zones[i].tz, key) == 0)
			return c->zones[i].open;
	open = window_next_open_h(&n->win, c->now, tz, h);
	if (c->nzones < ZONE_CACHE) {
		c->zones[c->nzones].tz = xstrdup(key);
		c->zones[c->nzones].h = h;
		c->zones[c->nzones++].open = open;
	}
	return open;
}

static void
due_ctx_free(struct due_ctx *c)
{
	free(c->ids);
	for (size_t i = 0; i < c->nzones; i++)
		free(c->zones[i].tz);
}

static int
collect_due(const struct touch *t, const struct lead *l, void *arg)
{
	struct due_ctx *c = arg;
	struct nudge *n = c->ox->n;
	const char *tz = l->tz ? l->tz : n->tz;
	time_t open;

	if (t->next_attempt > c->now) {
		if (c->r->next_window == 0 || t->next_attempt < c->r->next_window)
			c->r->next_window = t->next_attempt;
		return 0;
	}
	open = window_open(c, tz, lc_holidays(n, l));
	if (open != c->now) {
		if (open != (time_t)-1 &&
		    (c->r->next_window == 0 || open < c->r->next_window))
			c->r->next_window = open;
		return 0;
	}
	c->ids = xreallocarray(c->ids, c->n + 1, sizeof *c->ids);
	c->ids[c->n++] = t->id;
	return 0;
}

static time_t
backoff(int attempts)
{
	time_t d = 300; /* 5 min, 10, 20, ... at most 6 h */

	while (--attempts > 0 && d < 6 * 3600)
		d *= 2;
	return d > 6 * 3600 ? 6 * 3600 : d;
}

static unsigned
jitter(long max)
{
	unsigned r = 0;

	if (max <= 0)
		return 0;
	if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
		r = (unsigned)clock_now();
	return r % (unsigned)(max + 1);
}

/* pause_between: the minimum gap (with jitter) between two sends; simulated
 * time just moves on. */
static void
pause_between(struct outbox *ox)
{
	struct config *c = ox->n->cfg;
	long gap;

	if (ox->o.no_throttle || c->min_gap <= 0 || ox->last_send == 0)
		return;
	gap = c->min_gap + (long)jitter(c->jitter);
	if (clock_is_simulated()) {
		clock_set(clock_now() + gap);
		return;
	}
	for (long left = gap; left > 0 && !(ox->o.stop && *ox->o.stop); left--)
		sleep(1);
}

/* address_invalid: a permanent refusal that says the mailbox does not exist
 * (RFC 3463 5.1.x, or the words servers use for it). */
static int
address_invalid(const char *text)
{
	static const char *const says[] = {" 5.1.1", " 5.1.0", " 5.1.2",
	    " 5.1.3", " 5.1.10", "User unknown", "user unknown",
	    "no such user", "No such user", "does not exist", NULL};

	for (int i = 0; text && says[i]; i++)
		if (strstr(text, says[i]) != NULL)
			return 1;
	return 0;
}

/* ---- group commit: a batch of due touches per transaction
 *
 * A batch goes through three steps: prepare (read each touch and lead, check
 * the lead still receives, render; no write), claim (one durable transaction:
 * held and skipped ones written, the ones to send committed in "sending" with
 * their message and Message-ID), send (one SMTP session; each accepted message
 * is copied to the Sent folder at once, so that recovery finds it), record
 * (one transaction with every outcome).  A crash between claim and record
 * leaves at most the batch in "sending", which outbox_recover() settles from
 * the Sent folder by Message-ID, never by sending again. */

enum { ITEM_NONE, ITEM_SKIP, ITEM_HELD, ITEM_SEND };
#define NOT_SENT (-1) /* an item the send step did not reach */

struct item {
	struct touch *t;
	struct lead *l;
	int act;	/* ITEM_* */
	int status;	/* SMTP status of the send step, or NOT_SENT */
	time_t at;	/* when it was handed over */
	struct smtp_result res;
};

/* prepare: item->t and ->l of touch id, and what the claim does with it;
 * counts skipped and held, prints the dry run.  Returns OUTBOX_OK or an
 * error that ends the batch. */
static int
prepare(struct outbox *ox, int64_t id, time_t now, struct item *it,
    struct outbox_report *r, char **errstr)
{
	struct nudge *n = ox->n;
	struct store *st = n->st;
	struct touch *t;
	struct outbox_msg m;
	char *err = NULL;
	int rc, yes = 0;

	memset(it, 0, sizeof *it);
	it->status = NOT_SENT;
	if ((rc = db(store_touch_get(st, id, &it->t, &err), &err, errstr)))
		return rc;
	t = it->t;
	if ((rc = db(store_lead_get_id(st, t->lead_id, &it->l, &err), &err,
		 errstr)))
		return rc;
	/* the mailbox was just read: a reply that arrived a second ago stopped
	 * the lead and skipped this touch */
	if (!lc_sending(it->l->status) ||
	    (t->state != TOUCH_PLANNED && t->state != TOUCH_HELD)) {
		r->skipped++;
		return OUTBOX_OK;
	}
	/* nor does it go while a reply of the lead waits for an answer (an
	 * engaged lead's reply leaves its plan, see DUE_SQL); it stays
	 * planned, and answering moves it on */
	if ((rc = db(store_lead_reply_waits(st, it->l->id, &yes, &err), &err,
		 errstr)))
		return rc;
	if (yes) {
		r->skipped++;
		return OUTBOX_OK;
	}
	if ((rc = db(store_is_suppressed(st, it->l->email, &yes, NULL, &err),
		 &err, errstr)))
		return rc;
	if (yes) {
		if (!ox->o.dry_run) {
			lc_touch_enter(t, TOUCH_SKIPPED);
			set(&t->error, "address suppressed");
			it->act = ITEM_SKIP;
		}
		r->skipped++;
		return OUTBOX_OK;
	}
	if (t->message != NULL) {
		/* a retry: the stored message, Message-ID included */
		if (ox->o.dry_run) {
			printf("would send stage %s to %s again: \"%s\"\n",
			    t->stage, it->l->email, t->subject ? t->subject : "");
			r->sent++;
		} else
			it->act = ITEM_SEND;
		return OUTBOX_OK;
	}
	rc = outbox_render(ox, t, it->l, now, &m, &err);
	/* a broken or missing template holds the touches that need it, with
	 * the file and line; the rest of the batch goes on */
	if (rc == OUTBOX_EHOLD || rc == OUTBOX_ECONFIG) {
		log_warnx("%s: stage %s held: %s", it->l->email, t->stage, err);
		if (!ox->o.dry_run &&
		    (t->error == NULL || strcmp(t->error, err) != 0)) {
			lc_touch_enter(t, TOUCH_HELD);
			set(&t->error, err);
			it->act = ITEM_HELD;
		}
		free(err);
		r->held++;
		return OUTBOX_OK;
	}
	if (rc != OUTBOX_OK) {
		*errstr = err;
		return rc;
	}
	if (ox->o.dry_run) {
		printf("would send stage %s to %s: \"%s\" (%zu bytes)\n",
		    t->stage, it->l->email, m.subject, m.len);
		r->sent++;
		outbox_msg_free(&m);
		return OUTBOX_OK;
	}
	set(&t->message_id, m.message_id);
	set(&t->subject, m.subject);
	set(&t->in_reply_to, m.in_reply_to);
	set(&t->references, m.references);
	set(&t->value_item, m.value_item);
	set(&t->template_version, m.template_version);
	free(t->message);
	t->message = m.text;
	t->message_len = m.len;
	m.text = NULL;
	outbox_msg_free(&m);
	it->act = ITEM_SEND;
	return OUTBOX_OK;
}

/* claim: one transaction writes the held and skipped items and commits the
 * ones to send in "sending", with their message, before the first byte goes
 * out (durably when anything is to be sent: this is the one sync of a batch).
 * On failure nothing was written and nothing may be sent. */
static int
claim(struct outbox *ox, struct item *its, size_t n, time_t now,
    char **errstr)
{
	struct store *st = ox->n->st;
	char *err = NULL;
	size_t nsend = 0;
	int rc;

	for (size_t i = 0; i < n; i++)
		nsend += its[i].act == ITEM_SEND;
	rc = nsend ? store_begin_durable(st, &err) : store_begin(st, &err);
	if (rc != STORE_OK)
		return db(rc, &err, errstr);
	for (size_t i = 0; i < n && rc == STORE_OK; i++) {
		struct touch *t = its[i].t;

		switch (its[i].act) {
		case ITEM_SKIP:
		case ITEM_HELD:
			rc = store_touch_update(st, t, &err);
			if (rc == STORE_OK)
				rc = store_event_add(st, t->lead_id, now,
				    its[i].act == ITEM_SKIP ? "skipped" : "held",
				    t->error, t->message_id, &err);
			break;
		case ITEM_SEND:
			lc_touch_enter(t, TOUCH_SENDING);
			set(&t->error, NULL);
			t->attempts++;
			rc = store_touch_update(st, t, &err);
			break;
		}
	}
	if ((rc = end_tx(st, rc, &err)) != STORE_OK) {
		for (size_t i = 0; i < n; i++)
			if (its[i].act == ITEM_SEND)
				its[i].act = ITEM_NONE;
		return db(rc, &err, errstr);
	}
	return OUTBOX_OK;
}

/* send_items: the claimed items through one SMTP session, in order.  An
 * accepted message is copied to the Sent folder right away.  A configuration
 * failure (TLS, AUTH, a bad address) or the stop flag ends the batch: the
 * rest stay NOT_SENT. */
static void
send_items(struct outbox *ox, struct item *its, size_t n)
{
	struct config *c = ox->n->cfg;

	for (size_t i = 0; i < n; i++) {
		struct item *it = &its[i];
		struct touch *t = it->t;
		const char *rcpt[1];
		char *err = NULL;
		size_t len;

		if (it->act != ITEM_SEND)
			continue;
		/* SIGTERM: the send under way finishes, the rest of the batch
		 * goes back to planned */
		if (ox->o.stop && *ox->o.stop)
			break;
		len = t->message_len ? t->message_len : strlen(t->message);
		rcpt[0] = it->l->email;
		it->at = clock_now();
		it->status = smtp_send(ox->smtp, c->from_addr, rcpt, 1,
		    t->message, len, &it->res);
		ox->last_send = it->at;
		if (it->status == SMTP_OK && c->save_sent && sent_folder(ox) &&
		    imap_append(ox->imap, sent_folder(ox), t->message, len, 1,
			&err) != IMAP_OK) {
			log_warnx("copy to %s: %s", sent_folder(ox), err);
			free(err);
		}
		if (it->status != SMTP_OK && it->status != SMTP_TEMP &&
		    it->status != SMTP_PERM)
			break;
	}
}

/* record_one: the outcome of one claimed item, inside the record
 * transaction.  Returns a STORE_* code with *err; *cfgerr is set (once) when
 * the item met a configuration failure that ends the pass. */
static int
record_one(struct outbox *ox, struct item *it, struct outbox_report *r,
    char **cfgerr, char **err)
{
	struct nudge *n = ox->n;
	struct store *st = n->st;
	struct touch *t = it->t;
	struct lead *l = it->l;
	struct smtp_result *res = &it->res;
	char *detail;
	int rc = STORE_OK;

	switch (it->status) {
	case SMTP_OK:
		log_info("sent stage %s to %s %s", t->stage, l->email,
		    t->message_id);
		rc = record_sent_tx(ox, t, l, it->at, "sent", err);
		r->sent++;
		break;
	case SMTP_TEMP:
		detail = xasprintf("%s%s%s", res->text,
		    *res->text && *res->detail ? " - " : "", res->detail);
		if (res->uncertain) {
			/* the data went out and no answer came: it may have
			 * been delivered; only the user can tell */
			lc_touch_enter(t, TOUCH_UNKNOWN);
			set(&t->error, detail);
			r->unknown++;
			log_warnx("%s: stage %s: no final answer after the "
				  "message was sent (%s); marked unknown",
			    l->email, t->stage, detail);
		} else if (t->attempts >= MAX_TEMP_ATTEMPTS) {
			lc_touch_enter(t, TOUCH_FAILED);
			free(t->error);
			t->error = xasprintf("gave up after %d temporary "
					     "failures: %s",
			    t->attempts, detail);
			r->failed++;
		} else {
			char when[40];

			lc_touch_enter(t, TOUCH_PLANNED);
			set(&t->error, detail);
			t->next_attempt = it->at + backoff(t->attempts);
			r->deferred++;
			clock_format_iso(t->next_attempt, n->tz, when,
			    sizeof when);
			log_warnx("%s: stage %s deferred: %s; retry at %s",
			    l->email, t->stage, detail, when);
		}
		rc = store_touch_update(st, t, err);
		if (rc == STORE_OK)
			rc = store_event_add(st, t->lead_id, it->at, "deferred",
			    detail, t->message_id, err);
		free(detail);
		break;
	case SMTP_PERM:
		lc_touch_enter(t, TOUCH_FAILED);
		set(&t->error, *res->text ? res->text : res->detail);
		log_warnx("%s: stage %s failed: %s", l->email, t->stage,
		    t->error);
		rc = store_touch_update(st, t, err);
		if (rc == STORE_OK)
			rc = store_event_add(st, t->lead_id, it->at, "failed",
			    t->error, t->message_id, err);
		r->failed++;
		/* the server says the address does not exist: as a hard
		 * bounce, the lead is retired and the address suppressed */
		if (rc == STORE_OK && address_invalid(t->error)) {
			if (lc_enter(n, l, LEAD_BOUNCED, it->at, t->error,
				t->message_id, err) != LC_OK)
				rc = STORE_EDB;
			else
				log_info("%s: address refused; lead bounced and "
					 "suppressed", l->email);
		}
		break;
	case NOT_SENT:
		/* after a configuration failure earlier in the batch, or a
		 * stop: it was never handed over and waits for the next pass */
		lc_touch_enter(t, TOUCH_PLANNED);
		t->attempts--;
		if (*cfgerr)
			set(&t->error, *cfgerr);
		rc = store_touch_update(st, t, err);
		break;
	default:
		/* TLS, authentication, a bad address: nothing went out; the
		 * touch waits for the configuration to be fixed */
		lc_touch_enter(t, TOUCH_PLANNED);
		t->attempts--;
		if (*cfgerr == NULL)
			*cfgerr = xasprintf("SMTP %s: %s%s%s",
			    smtp_status_name(it->status), res->text,
			    *res->text ? " - " : "", res->detail);
		set(&t->error, *cfgerr);
		rc = store_touch_update(st, t, err);
		break;
	}
	return rc;
}

/* record: every claimed item's outcome in one transaction (not synced: if a
 * power loss undid it, the rows would be back in "sending", which recovery
 * settles - never resends). */
static int
record(struct outbox *ox, struct item *its, size_t n,
    struct outbox_report *r, char **errstr)
{
	struct store *st = ox->n->st;
	char *err = NULL, *cfgerr = NULL;
	int rc;

	if ((rc = store_begin(st, &err)) != STORE_OK)
		return db(rc, &err, errstr);
	for (size_t i = 0; i < n && rc == STORE_OK; i++)
		if (its[i].act == ITEM_SEND)
			rc = record_one(ox, &its[i], r, &cfgerr, &err);
	if ((rc = end_tx(st, rc, &err)) != STORE_OK) {
		free(cfgerr);
		return db(rc, &err, errstr);
	}
	if (cfgerr) {
		*errstr = cfgerr;
		return OUTBOX_ECONFIG;
	}
	return OUTBOX_OK;
}

/* send_batch: the n due touches ids through prepare, claim, send and
 * record.  Returns OUTBOX_OK (each touch was dealt with, whatever became of
 * it), or an error that ends the pass. */
static int
send_batch(struct outbox *ox, const int64_t *ids, size_t n,
    struct outbox_report *r, char **errstr)
{
	struct item *its = xcalloc(n, sizeof *its);
	char *err = NULL;
	size_t nsend = 0;
	time_t now;
	int rc = OUTBOX_OK;

	/* the gap first, so that the mailbox is read right before the send */
	if (!ox->o.dry_run)
		pause_between(ox);
	if (ox->o.stop && *ox->o.stop)
		goto out;
	if (ox->o.presend && !ox->o.dry_run &&
	    ox->o.presend(ox->o.presend_arg, 0, &err) != 0) {
		*errstr = err;
		rc = OUTBOX_ENET;
		goto out;
	}
	now = clock_now();
	for (size_t i = 0; i < n; i++) {
		if ((rc = prepare(ox, ids[i], now, &its[i], r, errstr)) !=
		    OUTBOX_OK)
			goto out;
		nsend += its[i].act == ITEM_SEND;
	}
	if (ox->o.dry_run)
		goto out;
	/* SMTP set up before anything is claimed: a configuration error
	 * leaves the touches planned (held and skipped ones are written) */
	if (nsend && (rc = smtp_ready(ox, errstr)) != OUTBOX_OK) {
		for (size_t i = 0; i < n; i++)
			if (its[i].act == ITEM_SEND)
				its[i].act = ITEM_NONE;
		if (claim(ox, its, n, now, &err) != OUTBOX_OK)
			free(err);
		goto out;
	}
	if ((rc = claim(ox, its, n, now, errstr)) != OUTBOX_OK)
		goto out;
	if (nsend == 0)
		goto out;
	send_items(ox, its, n);
	rc = record(ox, its, n, r, errstr);
out:
	for (size_t i = 0; i < n; i++) {
		touch_free(its[i].t);
		lead_free(its[i].l);
	}
	free(its);
	return rc;
}

/* batch_size: send_batch, or 1 when a gap spaces the sends. */
static size_t
batch_size(const struct outbox *ox)
{
	const struct config *c = ox->n->cfg;

	if (!ox->o.no_throttle && c->min_gap > 0)
		return 1;
	return c->send_batch > 1 ? (size_t)c->send_batch : 1;
}

int
outbox_run(struct outbox *ox, struct outbox_report *r, char **errstr)
{
	struct nudge *n = ox->n;
	struct due_ctx c;
	char *err = NULL;
	int rc = OUTBOX_OK, sent_today = 0, day;
	time_t now = clock_now();
	size_t k = batch_size(ox);

	memset(&c, 0, sizeof c);
	c.ox = ox;
	c.now = now;
	c.r = r;
	if ((rc = db(store_touches_due(n->st, now, "email", collect_due, &c,
		      &err), &err, errstr)))
		return rc;
	day = clock_day_of(now, n->tz);
	if (!ox->o.no_throttle &&
	    (rc = db(store_touch_count_sent_since(n->st, clock_at(day, 0, n->tz),
			  &sent_today, &err), &err, errstr))) {
		due_ctx_free(&c);
		return rc;
	}
	for (size_t i = 0, m; i < c.n; i += m) {
		if (ox->o.stop && *ox->o.stop)
			break;
		if (ox->o.max_send && r->sent >= ox->o.max_send)
			break;
		if (!ox->o.no_throttle &&
		    sent_today + r->sent >= n->cfg->daily_cap) {
			r->capped = 1;
			log_info("daily cap of %ld reached; %zu due emails wait "
				 "for tomorrow",
			    n->cfg->daily_cap, c.n - i);
			break;
		}
		/* a batch never goes past the cap nor max_send */
		m = c.n - i < k ? c.n - i : k;
		if (ox->o.max_send && (size_t)(ox->o.max_send - r->sent) < m)
			m = (size_t)(ox->o.max_send - r->sent);
		if (!ox->o.no_throttle &&
		    (size_t)(n->cfg->daily_cap - sent_today - r->sent) < m)
			m = (size_t)(n->cfg->daily_cap - sent_today - r->sent);
		if ((rc = send_batch(ox, c.ids + i, m, r, errstr)) != OUTBOX_OK)
			break;
	}
	due_ctx_free(&c);
	return rc;
}

/*
 * outbox_resolve: the user's word, read and written in one write transaction
 * (BEGIN IMMEDIATE), so no agent can move the item between our check and our
 * write.  An item in "sending" is never touched: an agent may be in the
 * middle of its SMTP dialogue, and if none is, recovery at the next tick or
 * run settles it (sent when found in the Sent folder, else unknown).
 */
int
outbox_resolve(struct outbox *ox, int64_t touch_id, int sent, char **errstr)
{
	struct store *st = ox->n->st;
	struct touch *t = NULL;
	char *err = NULL;
	int rc;
	time_t now = clock_now();

	if ((rc = store_begin(st, &err)) != STORE_OK)
		return db(rc, &err, errstr);
	if ((rc = store_touch_get(st, touch_id, &t, &err)) != STORE_OK) {
		if (rc == STORE_ENOTFOUND) {
			free(err);
			err = NULL;
			*errstr = xasprintf("no outbox item %lld",
			    (long long)touch_id);
			rc = OUTBOX_ECONFIG;
		} else
			rc = db(rc, &err, errstr);
		goto fail;
	}
	if (strcmp(t->channel, "email") == 0 &&
	    t->state == TOUCH_SENDING) {
		*errstr = xasprintf("item %lld is being sent (state sending) "
				    "and is not changed by hand: the agent "
				    "sending it settles it, or, if it was "
				    "interrupted, the next 'nudge tick' or "
				    "'nudge run' does (sent if found in the "
				    "Sent folder, else unknown, which you can "
				    "then resolve)",
		    (long long)touch_id);
		rc = OUTBOX_ECONFIG;
		goto fail;
	}
	if (strcmp(t->channel, "email") != 0 ||
	    (t->state != TOUCH_UNKNOWN && t->state != TOUCH_FAILED)) {
		*errstr = xasprintf("item %lld is %s; only unknown or failed "
				    "items are resolved",
		    (long long)touch_id, touch_state_name(t->state));
		rc = OUTBOX_ECONFIG;
		goto fail;
	}
	if (sent)
		rc = record_sent_tx(ox, t, NULL, now,
		    "sent (confirmed by the user)", &err);
	else {
		if (t->state == TOUCH_FAILED) {
			/* refused by the server, so it never went out: render
			 * it again (the data may have been fixed), with a new
			 * Message-ID */
			set(&t->message_id, NULL);
			set(&t->subject, NULL);
			free(t->message);
			t->message = NULL;
			t->message_len = 0;
		}
		/* an unknown one keeps its message and Message-ID: if the first
		 * copy did arrive, the recipient's client sees one message */
		lc_touch_enter(t, TOUCH_PLANNED);
		set(&t->error, NULL);
		t->next_attempt = 0;
		t->attempts = 0;
		rc = store_touch_update(st, t, &err);
		if (rc == STORE_OK)
			rc = store_event_add(st, t->lead_id, now, "resend",
			    "queued again by the user", t->message_id, &err);
	}
	if (rc != STORE_OK) {
		rc = db(rc, &err, errstr);
		goto fail;
	}
	touch_free(t);
	return db(end_tx(st, STORE_OK, &err), &err, errstr);
fail:
	touch_free(t);
	{
		char *e2 = NULL;
		if (store_rollback(st, &e2) != STORE_OK)
			free(e2);
	}
	return rc;
}
