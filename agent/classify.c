/* classify - the public entry: structured signals, deciding; see classify.h */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify_p.h"
#include "clock.h"
#include "log.h"
#include "mime.h"

/* cls_set_rule: the rule that decided is pre + name + post (name may be NULL). */
void
cls_set_rule(struct classification *out, const char *pre, const char *name,
    const char *post)
{
	free(out->rule);
	out->rule = xasprintf("%s%s%s", pre, name ? name : "", post);
}

/* part_field: the value of "Name:" in a part body (for ARF), malloc'd. */
static char *
part_field(const char *body, const char *name)
{
	const char *p = body;
	size_t n = strlen(name), e;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ' || *p == '\t')
				p++;
			e = strcspn(p, "\r\n;");
			while (e > 0 && isspace((unsigned char)p[e - 1]))
				e--;
			return xstrndup(p, e);
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return NULL;
}

/* arf_type: the Feedback-Type of an ARF report, or NULL. */
static char *
arf_type(const struct mime_msg *m)
{
	size_t i, n = mime_nparts(m);
	const struct mime_part *p;

	for (i = 0; i < n; i++) {
		p = mime_part(m, i);
		if (p != NULL &&
		    strcmp(p->content_type, "message/feedback-report") == 0)
			return part_field(p->body, "Feedback-Type");
	}
	for (i = 0; i < n; i++) {
		p = mime_part(m, i);
		if (p != NULL && p->depth <= 1 &&
		    strncmp(p->content_type, "text/", 5) == 0) {
			char *t = part_field(p->body, "Feedback-Type");
			if (t != NULL)
				return t;
		}
	}
	return NULL;
}

static int
has_part(const struct mime_msg *m, const char *ct)
{
	size_t i, n = mime_nparts(m);
	const struct mime_part *p;

	for (i = 0; i < n; i++)
		if ((p = mime_part(m, i)) != NULL &&
		    strcmp(p->content_type, ct) == 0)
			return 1;
	return 0;
}

static int
hdr_is(const struct mime_msg *m, const char *name, const char *val)
{
	const char *v = mime_header(m, name);

	if (v == NULL)
		return 0;
	while (*v == ' ' || *v == '\t')
		v++;
	return strncasecmp(v, val, strlen(val)) == 0;
}

/* bounce_sender: MAILER-DAEMON, postmaster, "Mail Delivery Subsystem". */
static int
bounce_sender(const char *from)
{
	if (from == NULL)
		return 0;
	return cls_ci_strstr(from, "mailer-daemon") != NULL ||
	       cls_ci_strstr(from, "postmaster@") != NULL ||
	       cls_ci_strstr(from, "mailer daemon") != NULL ||
	       cls_ci_strstr(from, "post_master@") != NULL ||
	       cls_ci_strstr(from, "mail delivery subsystem") != NULL ||
	       cls_ci_strstr(from, "mail delivery system") != NULL;
}

/* english: a rough test that the text is English (for n/n/yyyy order). */
static int
uk_order_for(const char *text, const char *from)
{
	char *addr = NULL;
	size_t n;
	int uk = 0, en;

	en = cls_ci_strstr(text, " the ") != NULL ||
	     cls_ci_strstr(text, " will ") != NULL ||
	     cls_ci_strstr(text, "office") != NULL;
	if (!en)
		return 1;
	if (from != NULL && mime_addr_parse(from, &addr, NULL) == MIME_OK) {
		n = strlen(addr);
		uk = (n > 3 && (strcmp(addr + n - 3, ".uk") == 0 ||
		                strcmp(addr + n - 3, ".ie") == 0 ||
		                strcmp(addr + n - 3, ".au") == 0 ||
		                strcmp(addr + n - 3, ".nz") == 0 ||
		                strcmp(addr + n - 3, ".za") == 0 ||
		                strcmp(addr + n - 3, ".in") == 0));
		free(addr);
	}
	return uk;
}

/* return_day: from the subject and text, then Apple's vacation header. */
static int
return_day(struct ctx *x, const char *tz)
{
	time_t date = mime_date(x->m);
	int msg_day = date != 0 ? clock_day_of(date, tz) : -1;
	char *all;
	const char *ap, *e;
	int day;

	all =
	    xasprintf("%s\n%s", x->subject != NULL ? x->subject : "", x->text);
	day = classify_return_day(all, msg_day, uk_order_for(all, x->from));
	free(all);
	if (day < 0 && (ap = mime_header(x->m, "X-Apple-Criteria")) != NULL &&
	    (e = strstr(ap, "endDate=")) != NULL) {
		char iso[32];
		time_t t;
		char *err = NULL;
		size_t n = strcspn(e + 8, ",}");
		if (n < sizeof iso) {
			memcpy(iso, e + 8, n);
			iso[n] = '\0';
			if (clock_parse_iso(iso, "UTC", &t, &err) == CLOCK_OK)
				day = clock_day_of(t, tz) + 1;
			free(err);
		}
	}
	return day;
}

void
classification_free(struct classification *cl)
{
	if (cl == NULL)
		return;
	free(cl->rule);
	free(cl->failed_recipient);
	free(cl->status);
	free(cl->diagnostic);
	free(cl->reply_text);
	free(cl->intent_rule);
	for (size_t i = 0; i < cl->nreferrals; i++)
		free(cl->referrals[i]);
	free(cl->referrals);
	free(cl->signal);
	free(cl->reply_to);
	free(cl->review_why);
	memset(cl, 0, sizeof *cl);
	cl->return_day = -1;
	cl->intent_day = -1;
}

int
classify_message(const struct classifier *c, const struct mime_msg *m,
                 const char *tz, struct classification *out)
{
	struct ctx x;
	const char *ct = mime_content_type(m),
	           *rt = mime_param(m, "report-type"), *v;
	char *arf;
	int i;

	memset(out, 0, sizeof *out);
	out->return_day = -1;
	out->intent_day = -1;
	memset(&x, 0, sizeof x);
	x.c = c;
	x.m = m;
	x.subject = mime_header(m, "Subject");
	x.from = mime_header(m, "From");
	x.text = mime_text(m);
	if (x.text == NULL)
		x.text = "";
	x.md = pcre2_match_data_create(4, NULL);
	if (x.md == NULL) {
		fprintf(stderr, "pcre2_match_data_create: out of memory\n");
		exit(71);
	}

	/* 1. reports */
	if (strcmp(ct, "multipart/report") == 0 && rt != NULL &&
	    strcasecmp(rt, "feedback-report") == 0) {
		goto arf;
	}
	if ((strcmp(ct, "multipart/report") == 0 && rt != NULL &&
	     strcasecmp(rt, "disposition-notification") == 0) ||
	    has_part(m, "message/disposition-notification")) {
		out->cls = CLS_OTHER;
		cls_set_rule(out, "read-receipt", NULL, "");
		goto done;
	}
	if (mime_dsn_count(m) > 0) {
		int all_ok;
		size_t nrec;
		(void)cls_failed_dsn(m, &all_ok, &nrec);
		if (all_ok) {
			out->cls = CLS_OTHER;
			cls_set_rule(out, "dsn-success", NULL, "");
			goto done;
		}
		cls_decide_bounce(&x, out, "dsn");
		goto done;
	}
	if (has_part(m, "message/feedback-report"))
		goto arf;
	/* 2. bounces without a DSN */
	if (bounce_sender(x.from)) {
		cls_decide_bounce(&x, out, "bounce-sender");
		goto done;
	}
	if ((i = cls_run_rules(&x, cls_want_bounce_detect)) >= 0) {
		char *sig = xasprintf("rule:%s", c->rules[i].name);
		cls_decide_bounce(&x, out, sig);
		free(sig);
		goto done;
	}
	/* Apple Mail's one-click "Unsubscribe" sends an auto-submitted mail */
	if (hdr_is(m, "X-Apple-Unsubscribe", "true")) {
		out->cls = CLS_UNSUBSCRIBE;
		cls_set_rule(out, "apple-unsubscribe", NULL, "");
		goto done;
	}
	/* 3. RFC 3834 and vendor auto-reply headers */
	v = NULL;
	if ((mime_header(m, "Auto-Submitted") != NULL &&
	     !hdr_is(m, "Auto-Submitted", "no") && (v = "auto-submitted")) ||
	    (mime_header(m, "X-Autoreply") != NULL && (v = "x-autoreply")) ||
	    (mime_header(m, "X-Autorespond") != NULL &&
	     (v = "x-autorespond")) ||
	    (hdr_is(m, "X-Apple-Action", "vacation") &&
	     (v = "apple-vacation")) ||
	    (hdr_is(m, "X-Mailer", "vacation") && (v = "vacation"))) {
		out->cls = CLS_AUTO_REPLY;
		cls_set_rule(out, v, NULL, "");
		/* an autoresponder that carries an unsubscribe confirmation or
		 * a list's welcome is still automatic: auto_reply */
		goto autoreply;
	}
	/* 4. weak signals: bulk or suppressed auto-responses count as an
	 * auto-reply only when an auto-reply rule agrees; lists are other */
	if (mime_header(m, "X-Auto-Response-Suppress") != NULL ||
	    hdr_is(m, "Precedence", "bulk") ||
	    hdr_is(m, "Precedence", "junk") ||
	    hdr_is(m, "Precedence", "list")) {
		if ((i = cls_run_rules(&x, cls_want_auto)) >= 0) {
			out->cls = CLS_AUTO_REPLY;
			cls_set_rule(out, "rule:", c->rules[i].name, "");
			goto autoreply;
		}
		if (mime_header(m, "X-Auto-Response-Suppress") == NULL ||
		    mime_header(m, "List-Id") != NULL) {
			out->cls = CLS_OTHER;
			cls_set_rule(out, "precedence", NULL, "");
			goto done;
		}
	}
	if (mime_header(m, "List-Id") != NULL ||
	    mime_header(m, "List-Unsubscribe") != NULL) {
		out->cls = CLS_OTHER;
		cls_set_rule(out, "list", NULL, "");
		goto done;
	}
	/* 5. the rules */
	if ((i = cls_run_rules(&x, cls_want_general)) >= 0) {
		out->cls = c->rules[i].cls;
		cls_set_rule(out, "rule:", c->rules[i].name, "");
		if (out->cls == CLS_AUTO_REPLY)
			goto autoreply;
		if (out->cls == CLS_HUMAN_REPLY)
			goto human;
		goto done;
	}
	/* 6. a person wrote it */
	out->cls = CLS_HUMAN_REPLY;
	cls_set_rule(out, "default", NULL, "");
human:
	out->reply_text = (char *)cls_ctx_body(&x);
	x.body = NULL;
	goto done;
autoreply:
	out->return_day = return_day(&x, tz);
	goto done;
arf:
	arf = arf_type(m);
	if (arf != NULL && (strcasecmp(arf, "opt-out") == 0 ||
	                    strcasecmp(arf, "unsubscribe") == 0)) {
		out->cls = CLS_UNSUBSCRIBE;
		cls_set_rule(out, "arf-opt-out", NULL, "");
	} else {
		out->cls = CLS_OTHER;
		cls_set_rule(out, "arf", NULL, "");
	}
	free(arf);
done:
	pcre2_match_data_free(x.md);
	if (x.lmc != NULL)
		pcre2_match_context_free(x.lmc);
	free(x.body);
	free(x.bounce);
	return CLASSIFY_OK;
}

int
classify_buffer(const struct classifier *c, const char *buf, size_t len,
                const char *tz, struct classification *out, char **errstr)
{
	struct mime_msg *m = NULL;
	char *err = NULL;

	if (mime_parse(buf, len, NULL, &m, &err) != MIME_OK) {
		*errstr = xasprintf("cannot parse the message: %s",
		                    err != NULL ? err : "?");
		free(err);
		memset(out, 0, sizeof *out);
		out->return_day = -1;
		out->intent_day = -1;
		return CLASSIFY_EINVAL;
	}
	classify_message(c, m, tz, out);
	mime_free(m);
	return CLASSIFY_OK;
}
