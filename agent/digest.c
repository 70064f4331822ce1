/* digest - see digest.h */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cadence.h"
#include "clock.h"
#include "digest.h"
#include "ics.h"
#include "log.h"
#include "mime.h"
#include "secret.h"
#include "smtp.h"
#include "store.h"
#include "xalloc.h"

#define META_KEY "digest"

struct digest_ctx {
	struct nudge *n;
	time_t now;
	struct buf emails, tasks, replies;    /* text */
	struct buf hemails, htasks, hreplies; /* HTML */
	int nemails, ntasks, nreplies;
	char *err;
};

/* who: "Name <email>, Company" */
static void
who(struct buf *b, const struct lead *l)
{
	if (l->name && *l->name)
		buf_printf(b, "%s <%s>", l->name, l->email);
	else
		buf_adds(b, l->email);
	if (l->company && *l->company)
		buf_printf(b, ", %s", l->company);
}

static void
indent(struct buf *b, const char *text, const char *pad)
{
	const char *p = text;

	while (*p) {
		size_t n = strcspn(p, "\n");
		buf_adds(b, pad);
		buf_add(b, p, n);
		buf_addc(b, '\n');
		p += n + (p[n] == '\n');
	}
}

static int
one(const struct touch *t, const struct lead *core, void *arg)
{
	struct digest_ctx *c = arg;
	struct lead *l = NULL;
	struct buf w, d;
	char *err = NULL;

	if (store_lead_get_id(c->n->st, core->id, &l, &err) != STORE_OK) {
		c->err = err;
		return 1;
	}
	buf_init(&w);
	buf_init(&d);
	who(&w, l);
	if (strcmp(t->channel, "email") == 0) {
		c->nemails++;
		buf_printf(&c->emails, "  %-4s %s\n", t->stage, w.s);
		buf_printf(&c->hemails, "<li>Stage %s: ", t->stage);
		buf_add_html(&c->hemails, w.s);
		buf_adds(&c->hemails, "</li>\n");
	} else {
		int reply = strcmp(t->channel, "reply") == 0;
		struct buf *tb = reply ? &c->replies : &c->tasks;
		struct buf *hb = reply ? &c->hreplies : &c->htasks;
		if (reply)
			c->nreplies++;
		else
			c->ntasks++;
		ics_task_describe(c->n, t, l, c->now, &d);
		buf_printf(tb, "  %s %s\n", ics_task_verb(t->channel), w.s);
		indent(tb, d.s, "      ");
		buf_addc(tb, '\n');
		buf_printf(hb, "<li><strong>%s ", ics_task_verb(t->channel));
		buf_add_html(hb, w.s);
		buf_adds(hb, "</strong><pre>");
		buf_add_html(hb, d.s);
		buf_adds(hb, "</pre></li>\n");
	}
	buf_free(&w);
	buf_free(&d);
	lead_free(l);
	return 0;
}

int
digest_render(struct nudge *n, time_t now, char **subject, struct buf *text,
              struct buf *html, char **errstr)
{
	static const char *const wd[] = {"Sunday",    "Monday",   "Tuesday",
	                                 "Wednesday", "Thursday", "Friday",
	                                 "Saturday"};
	struct digest_ctx c;
	char *err = NULL, date[16];
	int today = clock_day_of(now, n->tz), nreview = 0, rc;

	memset(&c, 0, sizeof c);
	c.n = n;
	c.now = now;
	buf_init(&c.emails);
	buf_init(&c.tasks);
	buf_init(&c.replies);
	buf_init(&c.hemails);
	buf_init(&c.htasks);
	buf_init(&c.hreplies);
	rc = store_touches_due(n->st, clock_at(today + 1, 0, n->tz) - 1, NULL,
	                       one, &c, &err);
	if (rc == STORE_OK && c.err != NULL) {
		err = c.err;
		rc = STORE_EDB;
	}
	if (rc == STORE_OK)
		rc = store_review_count(n->st, 0, &nreview, &err);
	if (rc != STORE_OK) {
		*errstr = err;
		rc = DIGEST_EDB;
		goto out;
	}
	clock_format_date(now, n->tz, date, sizeof date);
	*subject = xasprintf("Your day, %s %s: %d %s, %d %s by hand, %d %s "
	                     "to answer",
	                     wd[clock_weekday(today)], date, c.nemails,
	                     c.nemails == 1 ? "email" : "emails", c.ntasks,
	                     c.ntasks == 1 ? "task" : "tasks", c.nreplies,
	                     c.nreplies == 1 ? "reply" : "replies");

	buf_printf(text, "Good morning. Your follow-up for %s %s.\n\n",
	           wd[clock_weekday(today)], date);
	buf_printf(text, "Replies to answer (%d)\n", c.nreplies);
	buf_adds(text, c.nreplies ? c.replies.s : "  none\n\n");
	buf_printf(text, "By hand (%d)\n", c.ntasks);
	buf_adds(text, c.ntasks ? c.tasks.s : "  none\n\n");
	buf_printf(text, "Emails nudge sends today (%d)\n", c.nemails);
	buf_adds(text, c.nemails ? c.emails.s : "  none\n");
	if (nreview)
		buf_printf(text,
		           "\n%d %s nudge was unsure about: nudge "
		           "review\n",
		           nreview, nreview == 1 ? "message" : "messages");

	buf_adds(html, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	               "<style>body{font-family:Helvetica,Arial,sans-serif;"
	               "color:#222;max-width:720px}pre{white-space:pre-wrap;"
	               "font-family:inherit;color:#444;margin:.3em 0 1em}"
	               "h2{font-size:1.1em;margin-top:1.4em}</style></head>"
	               "<body>\n");
	buf_printf(html, "<h1>Your day, %s %s</h1>\n", wd[clock_weekday(today)],
	           date);
	buf_printf(html, "<h2>Replies to answer (%d)</h2>\n<ul>\n%s</ul>\n",
	           c.nreplies, c.nreplies ? c.hreplies.s : "<li>none</li>\n");
	buf_printf(html, "<h2>By hand (%d)</h2>\n<ul>\n%s</ul>\n", c.ntasks,
	           c.ntasks ? c.htasks.s : "<li>none</li>\n");
	buf_printf(html,
	           "<h2>Emails nudge sends today (%d)</h2>\n<ul>\n%s"
	           "</ul>\n",
	           c.nemails, c.nemails ? c.hemails.s : "<li>none</li>\n");
	if (nreview)
		buf_printf(html,
		           "<p>%d %s nudge was unsure about: "
		           "<code>nudge review</code></p>\n",
		           nreview, nreview == 1 ? "message" : "messages");
	buf_adds(html, "</body></html>\n");
	rc = DIGEST_OK;
out:
	buf_free(&c.emails);
	buf_free(&c.tasks);
	buf_free(&c.replies);
	buf_free(&c.hemails);
	buf_free(&c.htasks);
	buf_free(&c.hreplies);
	return rc;
}

static int
mark(struct nudge *n, const char *value, char **errstr)
{
	char *err = NULL;

	if (store_meta_set(n->st, META_KEY, value, &err) != STORE_OK) {
		*errstr = err;
		return DIGEST_EDB;
	}
	return DIGEST_OK;
}

/* deliver: hand msg to the configured SMTP server; *certain_not = 1 when
 * a failure certainly delivered nothing (worth trying again). */
static int
deliver(struct nudge *n, const char *msg, size_t len, int *certain_not,
        char **errstr)
{
	const struct config *c = n->cfg;
	struct smtp_params p;
	struct smtp_session *s = NULL;
	struct smtp_result res;
	const char *rcpt = c->digest_to;
	char *password = NULL, *err = NULL;
	int rc;

	*certain_not = 1;
	if (c->smtp_url == NULL) {
		*errstr = xstrdup("no smtp_url: the digest cannot go out");
		return DIGEST_ESEND;
	}
	rc = secret_get(c, &password, &err);
	if (rc == SECRET_ENONE) {
		free(err);
		password = NULL;
	} else if (rc != SECRET_OK) {
		*errstr = err;
		return DIGEST_ESEND;
	}
	memset(&p, 0, sizeof p);
	p.url = c->smtp_url;
	p.user = password ? c->smtp_user : NULL;
	p.password = password;
	p.trust_file = c->tls_trust_file;
	p.no_verify = !c->tls_verify;
	p.starttls =
	    c->tls_starttls ? SMTP_STARTTLS_REQUIRE : SMTP_STARTTLS_TRY;
	p.timeout = (int)c->timeout;
	if (smtp_open(&p, &s, &err) != SMTP_OK) {
		free(password);
		*errstr = err;
		return DIGEST_ESEND;
	}
	rc = smtp_send(s, c->from_addr, &rcpt, 1, msg, len, &res);
	smtp_close(s);
	free(password);
	if (rc == SMTP_OK)
		return DIGEST_OK;
	*certain_not = rc != SMTP_TEMP || !res.uncertain;
	*errstr = xasprintf("the digest to %s was not sent (%s): %s%s%s", rcpt,
	                    smtp_status_name(rc), res.text,
	                    *res.detail ? "; " : "", res.detail);
	return DIGEST_ESEND;
}

int
digest_maybe(struct nudge *n, time_t now, int *sent, char **errstr)
{
	const struct config *c = n->cfg;
	struct mime_out o;
	struct buf text, html;
	char *prev = NULL, *err = NULL, *subject = NULL, *mid = NULL;
	char *msg = NULL, *value, date[16];
	const char *at;
	size_t len = 0;
	int today = clock_day_of(now, n->tz), rc, retry;

	if (sent)
		*sent = 0;
	if (c == NULL || c->digest_to == NULL || *c->digest_to == '\0')
		return DIGEST_OK;
	/* a working day, with the sending window open */
	if (!cadence_is_business_day(n->hol, today) ||
	    window_next_open_h(&n->win, now, n->tz, n->hol) != now)
		return DIGEST_OK;
	clock_format_date(now, n->tz, date, sizeof date);
	rc = store_meta_get(n->st, META_KEY, &prev, &err);
	if (rc != STORE_OK && rc != STORE_ENOTFOUND) {
		*errstr = err;
		return DIGEST_EDB;
	}
	free(err);
	err = NULL;
	if (prev && strncmp(prev, date, strlen(date)) == 0) {
		/* today's is done, or was being sent when nudge stopped: the
		 * latter is said once, and never sent again */
		rc = DIGEST_OK;
		if (strstr(prev, " sending")) {
			log_warnx("the digest of %s was being sent when nudge "
			          "stopped: it may not have gone out; not "
			          "sending it twice",
			          date);
			value = xasprintf("%s lost", date);
			rc = mark(n, value, errstr);
			free(value);
		}
		free(prev);
		return rc;
	}
	buf_init(&text);
	buf_init(&html);
	if ((rc = digest_render(n, now, &subject, &text, &html, errstr)) !=
	    DIGEST_OK)
		goto out;
	at = c->from_addr ? strrchr(c->from_addr, '@') : NULL;
	mid = mime_message_id(at ? at + 1 : "nudge.invalid", now);
	memset(&o, 0, sizeof o);
	o.from_name = c->from_name && *c->from_name ? c->from_name : NULL;
	o.from_addr = c->from_addr;
	o.to_addr = c->digest_to;
	o.subject = subject;
	o.message_id = mid;
	o.text = text.s;
	o.html = html.s;
	o.extra_headers = "Auto-Submitted: auto-generated\nX-Nudge: digest";
	o.date = now;
	o.tz = n->tz;
	if (mime_compose(&o, &msg, &len, &err) != MIME_OK) {
		*errstr = xasprintf("digest: %s", err);
		free(err);
		rc = DIGEST_ESEND;
		goto out;
	}
	/* the mark goes first: a crash from here on never sends twice */
	value = xasprintf("%s sending", date);
	rc = mark(n, value, errstr);
	free(value);
	if (rc != DIGEST_OK)
		goto out;
	rc = deliver(n, msg, len, &retry, errstr);
	if (rc == DIGEST_OK) {
		value = xasprintf("%s sent", date);
		rc = mark(n, value, errstr);
		free(value);
		if (rc == DIGEST_OK && sent)
			*sent = 1;
		log_info("digest of %s sent to %s", date, c->digest_to);
	} else {
		/* certainly not delivered: a later pass may try again;
		 * maybe delivered: never again today */
		char *e2 = NULL;
		value = retry ? xstrdup(prev ? prev : "none")
		              : xasprintf("%s failed", date);
		if (mark(n, value, &e2) != DIGEST_OK)
			free(e2);
		free(value);
	}
out:
	free(prev);
	free(subject);
	free(mid);
	free(msg);
	buf_free(&text);
	buf_free(&html);
	return rc;
}
