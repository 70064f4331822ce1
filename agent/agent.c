/* agent - see agent.h */
#include "autoconf.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "agent.h"
#include "digest.h"
#include "classify.h"
#include "clock.h"
#include "imap.h"
#include "json.h"
#include "log.h"
#include "match.h"
#include "mime.h"
#include "react.h"
#include "secret.h"
#include "xalloc.h"

struct agent {
	struct nudge *n;
	struct agent_opts o;
	struct imap_conn *imap;
	char *password;
	int have_password;
	struct outbox *ox;
	struct classifier *cls;
	struct freemail *fm;
	int recovered;
	struct agent_report *cur; /* the report the pre-send sync adds to */
};

static int presend_sync(void *arg, int64_t lead_id, char **errstr);
struct imap_msg;
static int on_sent(const struct imap_msg *im, void *arg);

int
agent_open(struct nudge *n, const struct agent_opts *o, struct agent **out,
    char **errstr)
{
	struct agent *a = xcalloc(1, sizeof *a);
	struct outbox_opts oo;
	char *path, *err = NULL;

	a->n = n;
	if (o)
		a->o = *o;
	if (n->cfg->imap_url == NULL)
		a->o.no_sync = 1;
	path = xasprintf("%s/classify.rules", n->rules_dir);
	if (classify_load(path, &a->cls, &err) != CLASSIFY_OK) {
		*errstr = err;
		free(path);
		agent_close(a);
		return AGENT_ECONFIG;
	}
	free(path);
	path = xasprintf("%s/freemail.domains", n->rules_dir);
	if (freemail_load(path, &a->fm, &err) != MATCH_OK) {
		/* without the list, same-domain matching stays off */
		log_debug("match", "%s", err);
		free(err);
		a->fm = NULL;
	}
	free(path);
	memset(&oo, 0, sizeof oo);
	oo.dry_run = a->o.dry_run;
	oo.no_throttle = a->o.no_throttle;
	oo.max_send = a->o.max_send;
	oo.stop = a->o.stop;
	if (!a->o.no_sync) {
		oo.presend = presend_sync;
		oo.presend_arg = a;
	}
	outbox_open(n, &oo, &a->ox, errstr);
	*out = a;
	return AGENT_OK;
}

void
agent_close(struct agent *a)
{
	if (a == NULL)
		return;
	outbox_close(a->ox);
	imap_close(a->imap);
	classify_free(a->cls);
	freemail_free(a->fm);
	secret_free(a->password);
	free(a);
}

/* ---- IMAP */

static void
imap_drop(struct agent *a)
{
	imap_close(a->imap);
	a->imap = NULL;
	outbox_set_imap(a->ox, NULL);
}

static int
imap_ready(struct agent *a, char **errstr)
{
	struct config *c = a->n->cfg;
	struct imap_params p;
	char *err = NULL;
	int rc;

	if (a->imap || c->imap_url == NULL)
		return AGENT_OK;
	if (!a->have_password) {
		rc = secret_get(c, &a->password, &err);
		if (rc == SECRET_ENONE) {
			free(err);
			*errstr = xasprintf("%s: no password or passwordeval "
					    "for %s",
			    a->n->config_path, c->imap_url);
			return AGENT_ECONFIG;
		} else if (rc != SECRET_OK) {
			*errstr = err;
			return AGENT_ECONFIG;
		}
		a->have_password = 1;
	}
	if (!c->tls_verify)
		log_warnx("WARNING: tls_verify is off: the IMAP server's "
			  "certificate is NOT checked");
	memset(&p, 0, sizeof p);
	p.url = c->imap_url;
	p.user = c->imap_user;
	p.password = a->password;
	p.trust_file = c->tls_trust_file;
	p.verify = c->tls_verify;
	p.allow_plain = !c->tls_starttls;
	if (!c->tls_starttls)
		log_warnx("WARNING: tls_starttls is off: the IMAP login to %s "
			  "may go out in plain text", c->imap_url);
	p.timeout = (int)c->timeout;
	rc = imap_connect(&p, &a->imap, &err);
	if (rc != IMAP_OK) {
		*errstr = xasprintf("%s: %s", c->imap_url, err ? err : "failed");
		free(err);
		a->imap = NULL;
		return rc == IMAP_ENET ? AGENT_ENET : AGENT_ECONFIG;
	}
	outbox_set_imap(a->ox, a->imap);
	log_debug("imap", "connected to %s", c->imap_url);
	return AGENT_OK;
}

/* ---- matching through the store */

static int
by_message_id(void *arg, const char *mid, int64_t *lead_id)
{
	struct agent *a = arg;
	struct touch *t = NULL;

	if (store_touch_by_message_id(a->n->st, mid, &t, NULL) != STORE_OK)
		return 0;
	*lead_id = t->lead_id;
	touch_free(t);
	return 1;
}

static int
by_email(void *arg, const char *addr, int64_t *lead_id)
{
	struct agent *a = arg;
	struct lead *l = NULL;

	if (store_lead_get_email(a->n->st, addr, &l, NULL) != STORE_OK)
		return 0;
	*lead_id = l->id;
	lead_free(l);
	return 1;
}

static int
by_domain(void *arg, const char *domain, int64_t *lead_id)
{
	struct agent *a = arg;
	int count = 0;

	if (store_lead_by_domain(a->n->st, domain, lead_id, &count, NULL) !=
	    STORE_OK)
		return 0;
	return count == 1;
}

static void
why_msgid(void *arg, const char *mid, char *buf, size_t len)
{
	struct agent *a = arg;
	struct touch *t = NULL;

	if (store_touch_by_message_id(a->n->st, mid, &t, NULL) != STORE_OK)
		return;
	snprintf(buf, len, "our stage %s email", t->stage);
	touch_free(t);
}

/* ---- acting on a message */

static char *
first_msgid_of(const struct mime_msg *m, const char *field)
{
	const char *v = mime_header_raw(m, field);
	char **ids = NULL, *id = NULL;
	size_t n;

	if (v == NULL)
		return NULL;
	n = mime_msgids(v, &ids);
	if (n > 0)
		id = xstrdup(ids[0]);
	mime_strv_free(ids, n);
	return id;
}

static char *
first_msgid(const struct mime_msg *m)
{
	return first_msgid_of(m, "Message-ID");
}

int
agent_process(struct agent *a, const char *folder, uint32_t uidvalidity,
    uint32_t uid, const char *data, size_t len, struct agent_report *r,
    char **errstr)
{
	struct nudge *n = a->n;
	struct mime_limits lim;
	struct mime_msg *m = NULL;
	struct classification cl;
	struct match_result mr;
	struct match_ops ops = {a, by_message_id, by_email, by_domain,
	    why_msgid};
	struct lead *l = NULL;
	char *mid, *err = NULL;
	int seen = 0, rc = AGENT_OK, matched = 0;

	memset(&cl, 0, sizeof cl);
	memset(&mr, 0, sizeof mr);
	mime_limits_default(&lim);
	if (n->cfg->max_message)
		lim.max_size = n->cfg->max_message;
	if (mime_parse(data, len, &lim, &m, &err) != MIME_OK) {
		log_warnx("%s UID %u: unreadable message (%s); skipped", folder,
		    uid, err);
		free(err);
		err = NULL;
		m = NULL;
	}
	mid = m ? first_msgid(m) : NULL;
	if (store_msg_seen(n->st, folder, uidvalidity, uid, mid, &seen, &err) !=
	    STORE_OK) {
		*errstr = err;
		free(mid);
		mime_free(m);
		return AGENT_EDB;
	}
	if (seen) {
		free(mid);
		mime_free(m);
		return AGENT_OK;
	}
	r->messages++;
	if (store_begin(n->st, &err) != STORE_OK) {
		*errstr = err;
		free(mid);
		mime_free(m);
		return AGENT_EDB;
	}
	if (m) {
		classify_message(a->cls, m, n->tz, &cl);
		matched = match_message(m, &cl, &ops, a->fm,
		    n->cfg->same_domain_match, &mr);
	}
	if (matched &&
	    store_lead_get_id(n->st, mr.lead_id, &l, &err) == STORE_OK) {
		log_debug("agent", "%s UID %u: %s for %s (%s)", folder, uid,
		    classify_class_name(cl.cls), l->email, mr.rule);
		struct reaction x;
		char *irt = first_msgid_of(m, "In-Reply-To");
		char *from = NULL;

		mime_addr_parse(mime_header_raw(m, "From"), &from, NULL);
		memset(&x, 0, sizeof x);
		x.cl = &cl;
		x.match_rule = mr.rule;
		x.match_why = mr.why;
		x.message_id = mid;
		x.in_reply_to = irt;
		x.subject = mime_header(m, "Subject");
		x.sender = from;
		if ((cl.cls == CLS_BOUNCE_HARD || cl.cls == CLS_BOUNCE_SOFT) &&
		    strcmp(mr.rule, "returned-message-id") != 0) {
			const struct mime_msg *orig = mime_returned(m);
			x.cites_other = orig != NULL &&
			    mime_header_raw(orig, "Message-ID") != NULL;
		}
		rc = react(n, l, &x, clock_now(), r, &err);
		free(irt);
		free(from);
	} else {
		free(err);
		err = NULL;
		r->unmatched++;
	}
	if (rc == AGENT_OK &&
	    store_msg_add(n->st, folder, uidvalidity, uid, mid,
		m ? classify_class_name(cl.cls) : "unreadable",
		l ? l->id : 0, clock_now(), &err) != STORE_OK)
		rc = AGENT_EDB;
	if (rc == AGENT_OK && store_commit(n->st, &err) != STORE_OK)
		rc = AGENT_EDB;
	if (rc != AGENT_OK) {
		char *e2 = NULL;
		store_rollback(n->st, &e2);
		free(e2);
		*errstr = err ? err : xstrdup("acting on a message failed");
	}
	lead_free(l);
	match_result_free(&mr);
	classification_free(&cl);
	free(mid);
	mime_free(m);
	return rc;
}

/* ---- sync */

struct sync_ctx {
	struct agent *a;
	struct agent_report *r;
	char *err;
	int rc;
};

static int
on_message(const struct imap_msg *im, void *arg)
{
	struct sync_ctx *s = arg;

	s->rc = agent_process(s->a, im->folder, im->uidvalidity, im->uid,
	    im->data, im->len, s->r, &s->err);
	return s->rc != AGENT_OK;
}

int
agent_sync(struct agent *a, struct agent_report *r, char **errstr)
{
	struct nudge *n = a->n;
	char *err = NULL, stamp[32];
	int rc;

	if (a->o.no_sync)
		return AGENT_OK;
	if ((rc = imap_ready(a, errstr)) != AGENT_OK)
		return rc;
	for (size_t i = 0; i < n->cfg->nwatch_folders; i++) {
		const char *folder = n->cfg->watch_folders[i];
		struct sync_ctx s = {a, r, NULL, AGENT_OK};
		uint32_t uidv = 0, last = 0;

		if (store_folder_get(n->st, folder, &uidv, &last, &err)) {
			*errstr = err;
			return AGENT_EDB;
		}
		rc = imap_fetch_new(a->imap, folder, &uidv, &last,
		    n->cfg->fetch_max, on_message, &s, &err);
		if (s.rc != AGENT_OK) {
			free(err);
			*errstr = s.err;
			return s.rc;
		}
		if (rc == IMAP_ENOTFOUND) {
			log_warnx("watched folder %s: %s", folder, err);
			free(err);
			err = NULL;
			continue;
		}
		if (rc != IMAP_OK) {
			*errstr = xasprintf("reading %s: %s", folder, err);
			free(err);
			imap_drop(a);
			return AGENT_ENET;
		}
		if (store_folder_set(n->st, folder, uidv, last, clock_now(),
			&err) != STORE_OK) {
			*errstr = err;
			return AGENT_EDB;
		}
	}
	if (n->cfg->watch_sent && outbox_sent_folder(a->ox) != NULL) {
		const char *folder = outbox_sent_folder(a->ox);
		struct sync_ctx s = {a, r, NULL, AGENT_OK};
		uint32_t uidv = 0, last = 0;

		if (store_folder_get(n->st, folder, &uidv, &last, &err)) {
			*errstr = err;
			return AGENT_EDB;
		}
		rc = imap_fetch_new(a->imap, folder, &uidv, &last,
		    n->cfg->fetch_max, on_sent, &s, &err);
		if (s.rc != AGENT_OK) {
			free(err);
			*errstr = s.err;
			return s.rc;
		}
		if (rc != IMAP_OK) {
			*errstr = xasprintf("reading %s: %s", folder, err);
			free(err);
			imap_drop(a);
			return AGENT_ENET;
		}
		if (store_folder_set(n->st, folder, uidv, last, clock_now(),
			&err) != STORE_OK) {
			*errstr = err;
			return AGENT_EDB;
		}
	}
	snprintf(stamp, sizeof stamp, "%lld", (long long)clock_now());
	store_meta_set(n->st, "last_sync", stamp, NULL);
	return AGENT_OK;
}

/* ---- the Sent folder: mail the salesperson wrote by hand */

/* sent_one: a message in the Sent folder.  Our own copies are known by their
 * Message-ID; anything else addressed to an active lead counts as that
 * stage's email, sent by hand. */
static int
sent_one(struct agent *a, const struct imap_msg *im, struct agent_report *r,
    char **errstr)
{
	struct nudge *n = a->n;
	struct mime_msg *m = NULL;
	struct touch *t = NULL;
	struct lead *l = NULL;
	char *mid, *addr = NULL, *err = NULL, *norm = NULL;
	int seen = 0, rc = AGENT_OK;
	time_t at, now = clock_now();

	if (mime_parse(im->data, im->len, NULL, &m, &err) != MIME_OK) {
		free(err);
		return AGENT_OK;
	}
	mid = first_msgid(m);
	if (store_msg_seen(n->st, im->folder, im->uidvalidity, im->uid, mid,
		&seen, &err) != STORE_OK || seen)
		goto out;
	if (store_begin(n->st, &err) != STORE_OK) {
		rc = AGENT_EDB;
		goto out;
	}
	if (mid && store_touch_by_message_id(n->st, mid, &t, NULL) == STORE_OK)
		; /* our own copy */
	else if (mime_addr_parse(mime_header_raw(m, "To"), &addr, NULL) ==
		    MIME_OK &&
	    (norm = match_normalize_addr(addr)) != NULL &&
	    store_lead_get_email(n->st, norm, &l, NULL) == STORE_OK &&
	    lc_sending(l->status)) {
		at = mime_date(m);
		if (at <= 0 || at > now)
			at = now;
		log_info("%s: an email written by hand (%s) counts as a touch",
		    l->email, mid ? mid : "no Message-ID");
		if (lc_log_touch(n, l, "email", at, "sent by hand", NULL, 0,
			mid, &err) != LC_OK)
			rc = AGENT_EDB;
		r->others++;
	}
	if (rc == AGENT_OK &&
	    (store_msg_add(n->st, im->folder, im->uidvalidity, im->uid, mid,
		 t ? "own" : "sent", l ? l->id : 0, now, &err) != STORE_OK ||
		store_commit(n->st, &err) != STORE_OK))
		rc = AGENT_EDB;
	if (rc != AGENT_OK) {
		char *e2 = NULL;
		store_rollback(n->st, &e2);
		free(e2);
	}
out:
	if (rc != AGENT_OK)
		*errstr = err ? err : xstrdup("reading the Sent folder failed");
	else
		free(err);
	touch_free(t);
	lead_free(l);
	free(addr);
	free(norm);
	free(mid);
	mime_free(m);
	return rc;
}

static int
on_sent(const struct imap_msg *im, void *arg)
{
	struct sync_ctx *s = arg;

	s->rc = sent_one(s->a, im, s->r, &s->err);
	return s->rc != AGENT_OK;
}

static int
presend_sync(void *arg, int64_t lead_id, char **errstr)
{
	struct agent *a = arg;
	struct agent_report scratch;

	(void)lead_id;
	memset(&scratch, 0, sizeof scratch);
	return agent_sync(a, a->cur ? a->cur : &scratch, errstr);
}

/* stopped: a network fault while SIGTERM/SIGINT is pending is the signal
 * breaking a blocking IMAP or SMTP call off (EINTR): a clean stop, not a
 * fault to report or retry. */
static int
stopped(struct agent *a, int rc, char **errstr)
{
	if (rc != AGENT_ENET || a->o.stop == NULL || !*a->o.stop)
		return rc;
	log_info("stopped by a signal (%s)", *errstr ? *errstr : "-");
	free(*errstr);
	*errstr = NULL;
	imap_drop(a);
	return AGENT_OK;
}

int
agent_tick(struct agent *a, struct agent_report *r, char **errstr)
{
	struct nudge *n = a->n;
	char *err = NULL;
	int rc, rc2;

	a->cur = r;
	if (!a->o.dry_run) {
		if (store_begin(n->st, &err) != STORE_OK ||
		    lc_resume_due(n, clock_now(), &r->resumed, &err) != LC_OK ||
		    lc_skip_unlogged(n, clock_now(), &err) != LC_OK ||
		    store_commit(n->st, &err) != STORE_OK) {
			char *e2 = NULL;
			store_rollback(n->st, &e2);
			free(e2);
			*errstr = err;
			return AGENT_EDB;
		}
	}
	if ((rc = agent_sync(a, r, errstr)) != AGENT_OK)
		return stopped(a, rc, errstr);
	/* the morning digest, after the mailbox is read (digest.h) */
	if (!a->o.dry_run && digest_maybe(n, clock_now(), NULL, &err)) {
		log_warnx("digest: %s", err);
		free(err);
		err = NULL;
	}
	if (!a->recovered && !a->o.dry_run) {
		if (outbox_recover(a->ox, &r->out, errstr) != OUTBOX_OK)
			return AGENT_EDB;
		a->recovered = 1;
	}
	rc2 = outbox_run(a->ox, &r->out, errstr);
	a->cur = NULL;
	switch (rc2) {
	case OUTBOX_OK:
		return AGENT_OK;
	case OUTBOX_ENET:
		imap_drop(a);
		return stopped(a, AGENT_ENET, errstr);
	case OUTBOX_EDB:
		return AGENT_EDB;
	default:
		return AGENT_ECONFIG;
	}
}

/* ---- nudge classify */

int
agent_examine(struct agent *a, const char *name, const char *data, size_t len,
    int json, struct buf *out, char **errstr)
{
	struct nudge *n = a->n;
	struct mime_limits lim;
	struct mime_msg *m = NULL;
	struct classification cl;
	struct match_result mr;
	struct match_ops ops = {a, by_message_id, by_email, by_domain,
	    why_msgid};
	struct lead *l = NULL;
	char *err = NULL, date[16] = "";
	int f = 1, matched = 0;

	memset(&cl, 0, sizeof cl);
	memset(&mr, 0, sizeof mr);
	mime_limits_default(&lim);
	if (mime_parse(data, len, &lim, &m, &err) != MIME_OK) {
		*errstr = xasprintf("%s: %s", name, err);
		free(err);
		return AGENT_ECONFIG;
	}
	classify_message(a->cls, m, n->tz, &cl);
	if (n->st)
		matched = match_message(m, &cl, &ops, a->fm,
		    n->cfg->same_domain_match, &mr);
	if (matched && store_lead_get_id(n->st, mr.lead_id, &l, NULL) != STORE_OK)
		l = NULL;
	if (cl.return_day >= 0) {
		int y, mo, d;
		clock_civil_from_day(cl.return_day, &y, &mo, &d);
		snprintf(date, sizeof date, "%04d-%02d-%02d", y, mo, d);
	}
	if (json) {
		buf_addc(out, '{');
		json_kv(out, &f, "file", name);
		json_kv(out, &f, "class", classify_class_name(cl.cls));
		json_kv(out, &f, "rule", cl.rule);
		json_kv(out, &f, "lead", l ? l->email : NULL);
		json_kv(out, &f, "match", l ? mr.rule : NULL);
		json_kv(out, &f, "return_date", *date ? date : NULL);
		json_kv(out, &f, "failed_recipient", cl.failed_recipient);
		json_kv(out, &f, "status", cl.status);
		if (cl.cls == CLS_BOUNCE_HARD || cl.cls == CLS_BOUNCE_SOFT)
			/* what the agent trusts: does it cite our own mail? */
			json_kb(out, &f, "cites_nudge", matched && mr.rule &&
			    (strcmp(mr.rule, "returned-message-id") == 0 ||
				strcmp(mr.rule, "in-reply-to") == 0 ||
				strcmp(mr.rule, "references") == 0));
		json_kv(out, &f, "reply_text", cl.reply_text);
		json_kv(out, &f, "intent", cl.cls == CLS_HUMAN_REPLY ?
		    classify_intent_name(cl.intent) : NULL);
		json_kv(out, &f, "intent_rule", cl.intent_rule);
		if (cl.intent_day >= 0) {
			char idate[16];
			int y, mo, d;
			clock_civil_from_day(cl.intent_day, &y, &mo, &d);
			snprintf(idate, sizeof idate, "%04d-%02d-%02d", y, mo, d);
			json_kv(out, &f, "intent_date", idate);
		}
		if (cl.answer > 0)
			json_ki(out, &f, "answer", cl.answer);
		if (cl.nreferrals > 0) {
			json_key(out, &f, "referrals");
			buf_addc(out, '[');
			for (size_t k = 0; k < cl.nreferrals; k++) {
				if (k > 0)
					buf_addc(out, ',');
				json_str(out, cl.referrals[k]);
			}
			buf_addc(out, ']');
		}
		json_kv(out, &f, "signal", cl.signal);
		json_kv(out, &f, "reply_to", cl.reply_to);
		if (cl.review) {
			json_kb(out, &f, "review", 1);
			json_kv(out, &f, "review_why", cl.review_why);
		}
		buf_addc(out, '}');
	} else {
		buf_printf(out, "%s: %s (%s)\n", name,
		    classify_class_name(cl.cls), cl.rule ? cl.rule : "-");
		if (l)
			buf_printf(out, "  lead: %s (%s: %s)\n", l->email,
			    mr.rule, mr.why ? mr.why : "");
		if (*date)
			buf_printf(out, "  back on: %s\n", date);
		if (cl.failed_recipient || cl.status)
			buf_printf(out, "  failed: %s %s\n",
			    cl.failed_recipient ? cl.failed_recipient : "-",
			    cl.status ? cl.status : "");
		if (cl.diagnostic)
			buf_printf(out, "  diagnostic: %s\n", cl.diagnostic);
		if (cl.cls == CLS_HUMAN_REPLY)
			buf_printf(out, "  intent: %s (%s)\n",
			    classify_intent_name(cl.intent),
			    cl.intent_rule ? cl.intent_rule : "-");
		if (cl.signal)
			buf_printf(out, "  signal: %s%s%s\n", cl.signal,
			    cl.reply_to ? " from " : "",
			    cl.reply_to ? cl.reply_to : "");
		if (cl.review)
			buf_printf(out, "  review: %s\n",
			    cl.review_why ? cl.review_why : "unsure");
		if (cl.reply_text) {
			buf_adds(out, "  reply text:\n");
			for (const char *p = cl.reply_text; *p;) {
				const char *e = strchr(p, '\n');
				size_t k = e ? (size_t)(e - p) : strlen(p);
				buf_adds(out, "    | ");
				buf_add(out, p, k);
				buf_addc(out, '\n');
				p += k + (e != NULL);
			}
		}
	}
	lead_free(l);
	match_result_free(&mr);
	classification_free(&cl);
	mime_free(m);
	return AGENT_OK;
}

/* ---- the daemon */

static unsigned
rnd(unsigned max)
{
	unsigned r = 0;

	if (max == 0)
		return 0;
	if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
		r = (unsigned)getpid();
	return r % max;
}

/* drain: empty the self-pipe the signal handler writes to (non-blocking). */
static void
drain(int fd)
{
	char junk[64];

	if (fd < 0)
		return;
	while (read(fd, junk, sizeof junk) > 0)
		;
}

/* wait_for: sleep up to secs seconds, or until fd is readable (a signal). */
static void
wait_for(int fd, long secs)
{
	struct pollfd p = {fd, POLLIN, 0};

	if (secs <= 0)
		return;
	if (secs > 3600)
		secs = 3600;
	if (poll(&p, fd >= 0 ? 1 : 0, (int)(secs * 1000)) > 0)
		drain(fd);
}

int
agent_run(struct agent *a, volatile int *stop, volatile int *reload,
    long cycles)
{
	struct nudge *n = a->n;
	long delay = 0, fails = 0, done = 0;
	int wake_fd = a->o.wake_fd;

	while (!*stop && !*reload) {
		struct agent_report r;
		char *err = NULL;
		int rc;
		time_t now, next;
		long wait;

		memset(&r, 0, sizeof r);
		rc = agent_tick(a, &r, &err);
		if (rc != AGENT_OK) {
			/* exponential backoff with jitter, up to 5 minutes */
			fails++;
			delay = fails > 8 ? 300 : (1L << (fails - 1));
			if (delay > 300)
				delay = 300;
			delay += rnd((unsigned)delay / 2 + 1);
			log_warnx("%s; retrying in %ld s", err ? err : "failed",
			    delay);
			free(err);
			if (rc == AGENT_ENET || rc == AGENT_ECONFIG)
				imap_drop(a);
			wait_for(wake_fd, delay);
			continue;
		}
		fails = 0;
		if (r.messages || r.out.sent || r.out.failed || r.out.held)
			log_info("tick: %d new messages, %d sent, %d held, %d "
				 "failed",
			    r.messages, r.out.sent, r.out.held, r.out.failed);
		if (cycles > 0) {
			if (++done >= cycles)
				break;
			continue;
		}
		now = clock_now();
		/* sleep until the next due touch, the next window opening of
		 * one that is due, or tomorrow when the daily cap was hit */
		next = r.out.next_window;
		{
			struct touch *t = NULL;
			if (store_touch_next_due(n->st, now, &t, NULL) ==
			    STORE_OK) {
				if (next == 0 || t->due < next)
					next = t->due;
				touch_free(t);
			}
		}
		if (r.out.capped) {
			time_t tomorrow = clock_at(clock_day_of(now, n->tz) + 1,
			    0, n->tz);
			if (next == 0 || tomorrow < next)
				next = tomorrow;
		}
		wait = n->cfg->idle_timeout;
		if (next > now && next - now < wait)
			wait = (long)(next - now);
		if (*stop || *reload)
			break;
		if (a->imap && imap_has_idle(a->imap) && wait > 1) {
			int woke = 0;
			rc = imap_idle(a->imap, n->cfg->watch_folders[0],
			    (int)wait, wake_fd, &woke, &err);
			drain(wake_fd);
			if (rc != IMAP_OK) {
				log_warnx("IDLE: %s", err ? err : "failed");
				free(err);
				imap_drop(a);
			}
		} else
			wait_for(wake_fd, wait < n->cfg->poll_interval
				? wait
				: n->cfg->poll_interval);
	}
	return 0;
}
