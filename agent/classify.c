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

/* cls_set_rule: the rule that decided is pre + name + post (name may be NULL).
 */
void
cls_set_rule(struct classification *out, const char *pre, const char *name,
             const char *post)
{
	free(out->rule);
	out->rule = xasprintf("%s%s%s", pre, name ? name : "", post);
}

/* set_review: hold the lead for the salesperson, saying why (the first
 * reason stays). */
static void
set_review(struct classification *out, const char *why)
{
	out->review = 1;
	if (out->review_why == NULL)
		out->review_why = xstrdup(why);
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

/* msg_day: the day the message was written, on the writer's calendar (the
 * Date header's own date: "back tomorrow" counts from there), else in tz;
 * -1 if undated. */
static int
msg_day_of(const struct mime_msg *m, const char *tz)
{
	time_t date = mime_date(m);
	long d = mime_date_written_day(mime_header(m, "Date"));

	if (d >= 0 && d < 1000000)
		return (int)d;
	return date != 0 ? clock_day_of(date, tz) : -1;
}

/* return_day: from the subject and text, then Apple's vacation header; a
 * stale stated date is -1 and held for review. */
static int
return_day(struct ctx *x, const char *tz, struct classification *out)
{
	char *all;
	const char *ap, *e;
	int day, stale = 0;

	all =
	    xasprintf("%s\n%s", x->subject != NULL ? x->subject : "", x->text);
	day = cls_return_day(
	    all, x->msg_day,
	    cls_day_first(all, x->from_addr, mime_header(x->m, "Date")),
	    &stale);
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
	if (day < 0 && stale)
		set_review(out, "stale return date");
	return day;
}

/* ------------------------------------------------------------------ */
/* Service notifications. */

/* service_addr: an address of a notification system, not a person's */
static int
service_addr(const char *a)
{
	static const char *local[] = {"noreply",
	                              "no-reply",
	                              "no_reply",
	                              "donotreply",
	                              "do-not-reply",
	                              "notification",
	                              "notify",
	                              "mailer",
	                              "invitations",
	                              "messages-noreply",
	                              "drive-shares",
	                              "calendar-server",
	                              "dse",
	                              "echosign",
	                              "adobesign",
	                              "support",
	                              "alerts",
	                              "news",
	                              NULL};
	static const char *domains[] = {
	    "google.com",    "docusign.net",    "docusign.com",
	    "dropbox.com",   "dropboxmail.com", "box.com",
	    "linkedin.com",  "calendly.com",    "sharepointonline.com",
	    "microsoft.com", "hellosign.com",   "adobesign.com",
	    "echosign.com",  "zendesk.com",     "freshdesk.com",
	    "atlassian.net", "onedrive.com",    NULL};
	const char *at = strchr(a, '@');
	size_t n;
	int k;

	if (at == NULL)
		return 1;
	for (k = 0; local[k] != NULL; k++)
		if (cls_ci_strstr(a, local[k]) != NULL &&
		    cls_ci_strstr(a, local[k]) < at)
			return 1;
	for (k = 0; domains[k] != NULL; k++) {
		n = strlen(domains[k]);
		if (strlen(at + 1) >= n &&
		    strcasecmp(at + 1 + strlen(at + 1) - n, domains[k]) == 0 &&
		    (strlen(at + 1) == n || at[strlen(at + 1) - n] == '.'))
			return 1;
	}
	return 0;
}

/* person_behind: the person behind a notification: a Reply-To that is a
 * person's address, else prefer (ORGANIZER, attendee), else the From when
 * it is a person's; malloc'd or NULL. */
static char *
person_behind(struct ctx *x, const char *prefer)
{
	const char *v = mime_header_raw(x->m, "Reply-To");
	char *a = NULL;

	if (v != NULL && mime_addr_parse(v, &a, NULL) == MIME_OK) {
		if (!service_addr(a))
			return a;
		free(a);
	}
	if (prefer != NULL && !service_addr(prefer))
		return xstrdup(prefer);
	if (x->from_addr != NULL && !service_addr(x->from_addr))
		return xstrdup(x->from_addr);
	return NULL;
}

/* ics_value: the value of property name (with parameters) in an unfolded
 * iCalendar text, copied to buf; params (up to the ':') to pbuf. */
static int
ics_prop(const char *ics, const char *name, size_t nth, char *pbuf, size_t plen,
         char *vbuf, size_t vlen)
{
	const char *p = ics, *e, *colon;
	size_t n = strlen(name), k;

	while (*p != '\0') {
		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		if (strncasecmp(p, name, n) == 0 &&
		    (p[n] == ':' || p[n] == ';')) {
			if (nth-- == 0) {
				colon = memchr(p + n, ':', (size_t)(e - p - n));
				if (colon == NULL)
					return 0;
				k = (size_t)(colon - p - n);
				if (k >= plen)
					k = plen - 1;
				memcpy(pbuf, p + n, k);
				pbuf[k] = '\0';
				k = (size_t)(e - colon - 1);
				while (k > 0 && (colon[k] == '\r'))
					k--;
				if (k >= vlen)
					k = vlen - 1;
				memcpy(vbuf, colon + 1, k);
				vbuf[k] = '\0';
				return 1;
			}
		}
		p = *e != '\0' ? e + 1 : e;
	}
	return 0;
}

/* decline_note: does the new text of a declined invitation hold a note
 * from the person?  Calendar systems' own wording is not one. */
static int
decline_note(struct ctx *x)
{
	static const char *stock[] = {"has declined this invitation",
	                              "declined this invitation",
	                              "invitation from google calendar",
	                              "hat diese einladung abgelehnt",
	                              "a refusé cette invitation",
	                              "ha rechazado esta invitación",
	                              "ha rifiutato questo invito",
	                              "recusou este convite",
	                              "har tackat nej",
	                              "odrzucił",
	                              "heeft deze uitnodiging afgewezen",
	                              NULL};
	const char *b = cls_ctx_body(x);
	int k;

	if (b == NULL || cls_words(b, strlen(b)) <= 2)
		return 0;
	if (cls_ci_strstr(b, "with note") != NULL ||
	    cls_ci_strstr(b, "mit notiz") != NULL ||
	    cls_ci_strstr(b, "avec une note") != NULL ||
	    cls_ci_strstr(b, "con una nota") != NULL ||
	    cls_ci_strstr(b, "com uma nota") != NULL)
		return 1;
	for (k = 0; stock[k] != NULL; k++)
		if (cls_ci_strstr(b, stock[k]) != NULL)
			break;
	if (stock[k] == NULL)
		return 1;
	/* the system's wording with a note inside it: a note says what the
	 * person wants ("not me - talk to Eva") */
	return cls_run_rules_class(x, CLS_INTENT0 + INTENT_STOP) >= 0 ||
	       cls_run_rules_class(x, CLS_INTENT0 + INTENT_REFERRAL) >= 0 ||
	       cls_run_rules_class(x, CLS_INTENT0 + INTENT_LATER) >= 0 ||
	       cls_run_rules_class(x, CLS_INTENT0 + INTENT_NOT_FIT) >= 0;
}

/* mailto: the address of a "mailto:a@b" value, lowercased, malloc'd */
static char *
mailto(const char *v)
{
	char *r, *p;

	if (strncasecmp(v, "mailto:", 7) == 0)
		v += 7;
	r = xstrdup(v);
	for (p = r; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	while (p > r && isspace((unsigned char)p[-1]))
		*--p = '\0';
	return r;
}

/* addressed_to: is a one of the message's To/Cc addresses? */
static int
addressed_to(const struct mime_msg *m, const char *a)
{
	char **l = NULL;
	size_t n = 0, i;
	int r = 0;

	cls_addr_list(mime_header_raw(m, "To"), &l, &n);
	cls_addr_list(mime_header_raw(m, "Cc"), &l, &n);
	for (i = 0; i < n; i++)
		if (strcmp(l[i], a) == 0)
			r = 1;
	mime_strv_free(l, n);
	return r;
}

/*
 * calendar: a text/calendar part (an invitation, an answer to one).  An
 * invitation from the sender, or an acceptance of the recipient's, is
 * engagement; a decline or a cancellation is other, held for review.
 * Returns 1 when decided.
 */
static int
calendar(struct ctx *x, struct classification *out)
{
	size_t i, np = mime_nparts(x->m), k;
	const struct mime_part *pt = NULL;
	struct buf u;
	char par[512], val[512], method[64] = "", *who = NULL;
	int rc = 0;

	for (i = 0; i < np; i++) {
		const struct mime_part *q = mime_part(x->m, i);
		if (q != NULL &&
		    (strcmp(q->content_type, "text/calendar") == 0 ||
		     strcmp(q->content_type, "application/ics") == 0)) {
			pt = q;
			break;
		}
	}
	if (pt == NULL || pt->body == NULL)
		return 0;
	/* unfold */
	buf_init(&u);
	for (k = 0; k < pt->body_len && k < 256 * 1024; k++) {
		char c = pt->body[k];
		if (c == '\r')
			continue;
		if (c == '\n' && k + 1 < pt->body_len &&
		    (pt->body[k + 1] == ' ' || pt->body[k + 1] == '\t')) {
			k++;
			continue;
		}
		if (c == '\0')
			c = ' ';
		buf_addc(&u, c);
	}
	buf_addc(&u, '\0');
	if (ics_prop(u.s, "METHOD", 0, par, sizeof par, method, sizeof method))
		for (k = 0; method[k] != '\0'; k++)
			method[k] = (char)toupper((unsigned char)method[k]);
	if (strcmp(method, "REQUEST") == 0 || strcmp(method, "PUBLISH") == 0 ||
	    strcmp(method, "ADD") == 0) {
		if (ics_prop(u.s, "ORGANIZER", 0, par, sizeof par, val,
		             sizeof val))
			who = mailto(val);
		if (who != NULL && addressed_to(x->m, who)) {
			/* the recipient's own meeting, sent back: an update */
			out->cls = CLS_OTHER;
			out->signal = xstrdup("calendar-update");
		} else {
			out->cls = CLS_ENGAGEMENT;
			out->signal = xstrdup("calendar-invite");
			out->reply_to = person_behind(x, who);
		}
		rc = 1;
	} else if (strcmp(method, "REPLY") == 0 ||
	           strcmp(method, "COUNTER") == 0) {
		const char *sig = "calendar-accepted";
		int cls = CLS_ENGAGEMENT;
		for (k = 0; ics_prop(u.s, "ATTENDEE", k, par, sizeof par, val,
		                     sizeof val);
		     k++) {
			free(who);
			who = mailto(val);
			if (cls_ci_strstr(par, "PARTSTAT=DECLINED") != NULL) {
				sig = "calendar-declined";
				cls = CLS_OTHER;
				break;
			}
			if (cls_ci_strstr(par, "PARTSTAT=TENTATIVE") != NULL)
				sig = "calendar-tentative";
			if (cls_ci_strstr(par, "PARTSTAT=ACCEPTED") != NULL)
				break;
		}
		if (strcmp(method, "COUNTER") == 0)
			sig = "calendar-counter";
		out->cls = cls;
		out->signal = xstrdup(sig);
		out->reply_to = person_behind(x, who);
		if (cls == CLS_OTHER) {
			set_review(out, "meeting declined");
			/* a note with the decline ("not this week, how about
			 * the 14th?") is a person answering */
			if (decline_note(x))
				out->cls = CLS_HUMAN_REPLY;
		}
		rc = 1;
	} else if (strcmp(method, "CANCEL") == 0) {
		out->cls = CLS_OTHER;
		out->signal = xstrdup("calendar-cancelled");
		if (ics_prop(u.s, "ORGANIZER", 0, par, sizeof par, val,
		             sizeof val))
			who = mailto(val);
		out->reply_to = person_behind(x, who);
		set_review(out, "meeting cancelled");
		rc = 1;
	}
	if (rc)
		cls_set_rule(out, "calendar-", method, "");
	free(who);
	buf_free(&u);
	return rc;
}

/* service: a notification from a document, e-signature, calendar,
 * scheduling, social or ticket system (the "engagement/KIND" and
 * "other/KIND" rules).  Returns 1 when decided. */
static int greets_recipient(struct ctx *x);

static int
service(struct ctx *x, struct classification *out)
{
	int i;

	if (calendar(x, out))
		return 1;
	if ((i = cls_run_rules(x, cls_want_service)) < 0)
		return 0;
	/* stock wording in the text, but it greets the salesperson by name:
	 * a person wrote it */
	if (x->c->rules[i].field == F_BODY && greets_recipient(x))
		return 0;
	out->signal = xstrdup(x->c->rules[i].signal);
	cls_set_rule(out, "rule:", x->c->rules[i].name, "");
	if (x->c->rules[i].cls == CLS_SVC_ENGAGE) {
		out->cls = CLS_ENGAGEMENT;
		out->reply_to = person_behind(x, NULL);
	} else {
		out->cls = CLS_OTHER;
		if (strstr(out->signal, "declined") != NULL ||
		    strstr(out->signal, "cancel") != NULL)
			set_review(out, out->signal);
	}
	return 1;
}

/* ------------------------------------------------------------------ */
/* Opt-outs. */

/* word_next: the first place at or after p in lo (a lowercased text)
 * where word or phrase w stands whole: not inside another word.  A w that
 * ends in '\'' ("n'") needs no end; one that ends in '*' is a prefix
 * ("jusqu*" for jusqu'au, jusqu'à). */
static const char *
word_next(const char *lo, const char *p, const char *w)
{
	size_t m = strlen(w);
	int prefix = m > 1 && w[m - 1] == '*';

	if (prefix)
		m--;
	for (; *p != '\0'; p++) {
		if (*p != *w || strncmp(p, w, m) != 0)
			continue;
		if (p > lo && (isalnum((unsigned char)p[-1]) ||
		               (unsigned char)p[-1] >= 0x80))
			continue;
		if (prefix || w[m - 1] == '\'' ||
		    !(isalnum((unsigned char)p[m]) ||
		      (unsigned char)p[m] >= 0x80))
			return p;
	}
	return NULL;
}

/*
 * negated: is the match at [start, end) of t negated in its own clause
 * ("please don't remove me", "ich möchte mich nicht abmelden", "ne me
 * désinscrivez pas")?  Looks back to the clause's start (at most 60 bytes)
 * for a negation word.
 */
static int
negated(const char *t, size_t start, size_t end)
{
	static const char *neg[] = {
	    "don't",   "dont",  "do not",   "never", "not",     "no",
	    "nicht",   "kein",  "keine",    "nie",   "niemals", "ne",
	    "n'",      "pas",   "jamais",   "non",   "nunca",   "niet",
	    "geen",    "nooit", "não",      "nao",   "inte",    "aldrig",
	    "ej",      "mai",   "wouldn't", "won't", "didn't",  "doesn't",
	    "without", "ohne",  "sans",     "sin",   "senza",   "sem",
	    "utan",    "bez",   "zonder",   NULL};
	size_t b = start > 60 ? start - 60 : 0, e = 0, i;
	char *seg, *lo;
	int k, r = 0;

	/* the clause: back to a sentence end, a comma or a colon ("Not
	 * interested, remove me from your list" is a request) */
	for (i = start; i > b; i--)
		if (t[i - 1] == '.' || t[i - 1] == '!' || t[i - 1] == '?' ||
		    t[i - 1] == '\n' || t[i - 1] == ';' || t[i - 1] == ',' ||
		    t[i - 1] == ':')
			break;
	b = i;
	(void)end;
	(void)e;
	/* the clause before the match (the match itself may hold the
	 * negation that is the request: "ne plus me contacter") */
	seg = xstrndup(t + b, start - b);
	lo = cls_lower_utf8(seg);
	for (k = 0; neg[k] != NULL && !r; k++)
		r = word_next(lo, lo, neg[k]) != NULL;
	free(seg);
	free(lo);
	return r;
}

/*
 * greets_recipient: does the new text's first line greet the salesperson
 * by the first name of the To display name ("Hi Dana,")?  "Seller, Dana"
 * gives Dana.
 */
static int
greets_recipient(struct ctx *x)
{
	const char *v = mime_header_raw(x->m, "To"), *b, *p, *comma;
	char *addr = NULL, *name = NULL, first[64], line[160];
	size_t n, k;
	int r = 0;

	if (v == NULL || mime_addr_parse(v, &addr, &name) != MIME_OK ||
	    name == NULL)
		goto out;
	p = name;
	if ((comma = strchr(name, ',')) != NULL)
		p = comma + 1;
	while (*p == ' ' || *p == '"')
		p++;
	for (n = 0;
	     p[n] != '\0' && p[n] != ' ' && p[n] != '"' && n < sizeof first - 1;
	     n++)
		first[n] = p[n];
	first[n] = '\0';
	if (n < 2 || (b = cls_ctx_body(x)) == NULL)
		goto out;
	k = strcspn(b, "\n");
	if (k >= sizeof line)
		k = sizeof line - 1;
	memcpy(line, b, k);
	line[k] = '\0';
	for (p = line; (p = cls_ci_strstr(p, first)) != NULL; p++)
		if ((p == line || !isalnum((unsigned char)p[-1])) &&
		    !isalnum((unsigned char)p[n]) &&
		    (unsigned char)p[n] < 0x80) {
			r = 1;
			break;
		}
out:
	free(addr);
	free(name);
	return r;
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

/*
 * text_of: the message's best text body, and *own a copy to free when the
 * text had to be mended: a NUL byte inside a body (mime hands out
 * NUL-terminated strings, with the length beside them) would otherwise
 * hide the rest of the text from every rule; it becomes a space.
 */
static const char *
text_of(const struct mime_msg *m, char **own)
{
	const char *t = mime_text(m);
	size_t i, np = mime_nparts(m), k;
	const struct mime_part *pt;
	char *copy;
	int plain = 0;

	*own = NULL;
	if (t == NULL)
		return "";
	/* mime_text is a copy of the chosen text/plain body up to its first
	 * NUL (mime.c copies it as a string), or the first text/html body
	 * rendered as text: find that part by its content */
	for (i = 0; i < np; i++) {
		pt = mime_part(m, i);
		if (pt == NULL || pt->body == NULL ||
		    strcmp(pt->content_type, "text/plain") != 0 ||
		    (pt->disposition != NULL &&
		     strcmp(pt->disposition, "attachment") == 0))
			continue;
		plain = 1;
		if (strcmp(pt->body, t) != 0)
			continue;
		if (pt->body_len > strlen(t)) {
			*own = xmalloc(pt->body_len + 1);
			memcpy(*own, pt->body, pt->body_len);
			for (k = 0; k < pt->body_len; k++)
				if ((*own)[k] == '\0')
					(*own)[k] = ' ';
			(*own)[pt->body_len] = '\0';
			return *own;
		}
		break;
	}
	for (i = 0; !plain && i < np; i++) {
		pt = mime_part(m, i);
		if (pt == NULL || pt->body == NULL ||
		    strcmp(pt->content_type, "text/html") != 0 ||
		    (pt->disposition != NULL &&
		     strcmp(pt->disposition, "attachment") == 0))
			continue;
		if (memchr(pt->body, '\0', pt->body_len) != NULL) {
			copy = xmalloc(pt->body_len + 1);
			memcpy(copy, pt->body, pt->body_len);
			for (k = 0; k < pt->body_len; k++)
				if (copy[k] == '\0')
					copy[k] = ' ';
			copy[pt->body_len] = '\0';
			*own = mime_html_to_text(copy, pt->body_len);
			free(copy);
			return *own;
		}
		break;
	}
	return t;
}

/* other_address: the new text names an e-mail address that is not the
 * sender's own */
static int
other_address(struct ctx *x)
{
	const char *b = cls_ctx_body(x), *p, *s, *e;
	size_t fl = x->from_addr != NULL ? strlen(x->from_addr) : 0;

	if (b == NULL)
		return 0;
	for (p = b; (s = cls_next_addr(b, p, &e)) != NULL; p = e)
		if (fl == 0 || (size_t)(e - s) != fl ||
		    strncasecmp(s, x->from_addr, fl) != 0)
			return 1;
	return 0;
}

/*
 * time_limited: does the sentence around the match [start, end) of t put a
 * time on the request ("please don't email me until March", "bitte vorerst
 * nicht mehr", "ne plus me contacter avant janvier")?  That is a "later",
 * not an opt-out.  Only the words outside the match count (a rule's own
 * "do mnie" is no "do").
 */
/* set_phrase: a limit word that is part of a set phrase at p ("vor allem"
 * is "above all", "tot ziens" goodbye) */
static int
set_phrase(const char *p)
{
	static const char *set[] = {"vor allem", "tot ziens",   "tot zover",
	                            "bis bald",  "hasta luego", "hasta pronto",
	                            "até logo",  "até mais",    "before you",
	                            "until you", NULL};
	int k;

	for (k = 0; set[k] != NULL; k++)
		if (strncmp(p, set[k], strlen(set[k])) == 0)
			return 1;
	return 0;
}

int
cls_time_limited(const char *t, size_t start, size_t end)
{
	static const char *lim[] = {"until",
	                            "before",
	                            "for now",
	                            "for the time being",
	                            "for a while",
	                            "for the next",
	                            "this year",
	                            "this quarter",
	                            "this month",
	                            "right now",
	                            "at the moment",
	                            "bis",
	                            "vor",
	                            "vorerst",
	                            "vorläufig",
	                            "zurzeit",
	                            "derzeit",
	                            "momentan",
	                            "erst",
	                            "dieses jahr",
	                            "avant",
	                            "jusqu*",
	                            "pour le moment",
	                            "pour l'instant",
	                            "cette année",
	                            "d'ici",
	                            "hasta",
	                            "antes de",
	                            "por ahora",
	                            "por el momento",
	                            "este año",
	                            "fino a",
	                            "fino al",
	                            "prima di",
	                            "per ora",
	                            "per il momento",
	                            "quest'anno",
	                            "até",
	                            "por enquanto",
	                            "por agora",
	                            "este ano",
	                            "tot",
	                            "voorlopig",
	                            "voor nu",
	                            "dit jaar",
	                            "förrän",
	                            "tills",
	                            "innan",
	                            "för tillfället",
	                            "just nu",
	                            "i år",
	                            "przed",
	                            "na razie",
	                            "do końca",
	                            "do przyszł*",
	                            "w tym roku",
	                            NULL};
	size_t b = start, e = end, n = strlen(t);
	char *seg, *lo;
	const char *p;
	int k, r = 0;

	while (b > 0 && start - b < 120 && !strchr(".!?;\n", t[b - 1]))
		b--;
	while (e < n && e - end < 120 && !strchr(".!?;\n", t[e]))
		e++;
	/* the words before the match, a gap, the words after it */
	seg = xasprintf("%.*s \x01 %.*s", (int)(start - b), t + b,
	                (int)(e - end), t + end);
	lo = cls_lower_utf8(seg);
	for (k = 0; lim[k] != NULL && !r; k++)
		for (p = lo; (p = word_next(lo, p, lim[k])) != NULL; p++)
			if (!set_phrase(p)) {
				r = 1;
				break;
			}
	free(seg);
	free(lo);
	return r;
}

/*
 * opt_out: an unsubscribe or weak opt-out rule matched (rule i).  Only an
 * explicit request that is not negated, in the new text, unsubscribes: a
 * negated one ("please don't remove me") is a human reply; weaker wording,
 * or an opt-out subject over a message that says something else, is a
 * human reply held for review - a false opt-out loses the lead for ever.
 */
static void
opt_out(struct ctx *x, struct classification *out, int i)
{
	const struct rule *r = &x->c->rules[i];
	const char *b;
	char *why;

	cls_set_rule(out, "rule:", r->name, "");
	if (r->field == F_BODY && negated(x->hit, x->hit_start, x->hit_end)) {
		out->cls = CLS_HUMAN_REPLY;
		cls_set_rule(out, "rule:", r->name, ",negated");
		return;
	}
	if (r->field == F_BODY &&
	    cls_time_limited(x->hit, x->hit_start, x->hit_end)) {
		/* "not until March": a later, which the intent reads */
		out->cls = CLS_HUMAN_REPLY;
		cls_set_rule(out, "rule:", r->name, ",time-limited");
		return;
	}
	if (r->cls == CLS_OPTOUT_WEAK) {
		out->cls = CLS_HUMAN_REPLY;
		why = xasprintf("unclear opt-out wording: \"%.*s\"",
		                (int)(x->hit_end - x->hit_start > 80
		                          ? 80
		                          : x->hit_end - x->hit_start),
		                x->hit + x->hit_start);
		set_review(out, why);
		free(why);
		return;
	}
	if (r->field == F_BODY && other_address(x)) {
		/* "don't write to me any more, write to orders@..." sends
		 * the salesperson elsewhere: a person to ask, not an opt-out */
		out->cls = CLS_HUMAN_REPLY;
		cls_set_rule(out, "rule:", r->name, ",names-address");
		set_review(out, "opt-out wording, and another address named");
		return;
	}
	out->cls = CLS_UNSUBSCRIBE;
	b = cls_ctx_body(x);
	if (r->field == F_SUBJECT && b != NULL && cls_words(b, strlen(b)) > 3) {
		/* the body would have matched first if it asked too */
		out->cls = CLS_HUMAN_REPLY;
		cls_set_rule(out, "rule:", r->name, ",subject-only");
		set_review(out, "opt-out in the subject only");
	}
}

int
classify_message(const struct classifier *c, const struct mime_msg *m,
                 const char *tz, struct classification *out)
{
	struct ctx x;
	const char *ct = mime_content_type(m),
	           *rt = mime_param(m, "report-type"), *v;
	char *arf, *own_text = NULL;
	int i, bounce = 0;

	memset(out, 0, sizeof *out);
	out->return_day = -1;
	out->intent_day = -1;
	memset(&x, 0, sizeof x);
	x.c = c;
	x.m = m;
	x.subject = mime_header(m, "Subject");
	x.from = mime_header(m, "From");
	if ((v = mime_header_raw(m, "From")) == NULL ||
	    mime_addr_parse(v, &x.from_addr, NULL) != MIME_OK)
		x.from_addr = NULL;
	x.text = text_of(m, &own_text);
	x.msg_day = msg_day_of(m, tz);
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
		out->signal = xstrdup("read-receipt");
		cls_set_rule(out, "read-receipt", NULL, "");
		goto done;
	}
	if (mime_dsn_count(m) > 0) {
		int all_ok;
		size_t nrec;
		(void)cls_failed_dsn(m, &all_ok, &nrec);
		if (all_ok) {
			out->cls = CLS_OTHER;
			out->signal = xstrdup("delivery-success");
			cls_set_rule(out, "dsn-success", NULL, "");
			goto done;
		}
		cls_decide_bounce(&x, out, "dsn");
		bounce = 1;
		goto done;
	}
	if (has_part(m, "message/feedback-report"))
		goto arf;
	/* 2. bounces without a DSN (a mail system's "Delivered:" notice
	 * comes from postmaster too) */
	if (x.subject != NULL &&
	    (strncasecmp(x.subject, "Delivered:", 10) == 0 ||
	     strncasecmp(x.subject, "Relayed:", 8) == 0)) {
		out->cls = CLS_OTHER;
		out->signal = xstrdup("delivery-success");
		cls_set_rule(out, "delivered-subject", NULL, "");
		goto done;
	}
	if (bounce_sender(x.from)) {
		cls_decide_bounce(&x, out, "bounce-sender");
		bounce = 1;
		goto done;
	}
	if ((i = cls_run_rules(&x, cls_want_bounce_detect)) >= 0) {
		char *sig = xasprintf("rule:%s", c->rules[i].name);
		cls_decide_bounce(&x, out, sig);
		free(sig);
		bounce = 1;
		goto done;
	}
	/* Apple Mail's one-click "Unsubscribe" sends an auto-submitted mail */
	if (hdr_is(m, "X-Apple-Unsubscribe", "true")) {
		out->cls = CLS_UNSUBSCRIBE;
		cls_set_rule(out, "apple-unsubscribe", NULL, "");
		goto done;
	}
	/* 3. service notifications: calendars, documents, e-signatures,
	 * scheduling, social networks, tickets (often auto-submitted too) */
	if (service(&x, out)) {
		if (out->cls == CLS_HUMAN_REPLY)
			goto human;
		goto done;
	}
	/* 4. RFC 3834 and vendor auto-reply headers */
	v = NULL;
	if ((mime_header(m, "Auto-Submitted") != NULL &&
	     !hdr_is(m, "Auto-Submitted", "no") && (v = "auto-submitted")) ||
	    (mime_header(m, "X-Autoreply") != NULL && (v = "x-autoreply")) ||
	    (mime_header(m, "X-Autorespond") != NULL &&
	     (v = "x-autorespond")) ||
	    (hdr_is(m, "X-Apple-Action", "vacation") &&
	     (v = "apple-vacation")) ||
	    (hdr_is(m, "X-Mailer", "vacation") && (v = "vacation"))) {
		/* RFC 3834 "auto-generated" is not an answer to any message:
		 * a shop's or a system's notice, unless it answers ours
		 * (Exchange marks its out-of-office so) or reads like one */
		if (strcmp(v, "auto-submitted") == 0 &&
		    hdr_is(m, "Auto-Submitted", "auto-generated") &&
		    mime_header(m, "In-Reply-To") == NULL &&
		    mime_header(m, "References") == NULL &&
		    cls_run_rules(&x, cls_want_auto) < 0) {
			out->cls = CLS_OTHER;
			out->signal = xstrdup("notification");
			cls_set_rule(out, "auto-generated", NULL, "");
			goto done;
		}
		out->cls = CLS_AUTO_REPLY;
		cls_set_rule(out, v, NULL, "");
		/* an autoresponder that carries an unsubscribe confirmation or
		 * a list's welcome is still automatic: auto_reply */
		goto autoreply;
	}
	/* 5. weak signals: bulk or suppressed auto-responses count as an
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
			out->signal = xstrdup("newsletter");
			cls_set_rule(out, "precedence", NULL, "");
			goto done;
		}
	}
	if (mime_header(m, "List-Id") != NULL ||
	    mime_header(m, "List-Unsubscribe") != NULL) {
		out->cls = CLS_OTHER;
		out->signal = xstrdup("newsletter");
		cls_set_rule(out, "list", NULL, "");
		goto done;
	}
	/* 6. the rules */
	if ((i = cls_run_rules(&x, cls_want_general)) >= 0) {
		out->cls = c->rules[i].cls;
		if (out->cls == CLS_UNSUBSCRIBE ||
		    out->cls == CLS_OPTOUT_WEAK) {
			opt_out(&x, out, i);
			if (out->cls == CLS_HUMAN_REPLY)
				goto human;
			goto done;
		}
		cls_set_rule(out, "rule:", c->rules[i].name, "");
		if (c->rules[i].signal != NULL)
			out->signal = xstrdup(c->rules[i].signal);
		if (out->cls == CLS_AUTO_REPLY && c->rules[i].field == F_BODY &&
		    greets_recipient(&x)) {
			/* stock wording, but it greets the salesperson by
			 * name: an autoresponder does not know it */
			out->cls = CLS_HUMAN_REPLY;
			cls_set_rule(out, "rule:", c->rules[i].name,
			             ",greets-by-name");
			goto human;
		}
		if (out->cls == CLS_AUTO_REPLY)
			goto autoreply;
		if (out->cls == CLS_HUMAN_REPLY)
			goto human;
		goto done;
	}
	/* 7. a person wrote it */
	out->cls = CLS_HUMAN_REPLY;
	cls_set_rule(out, "default", NULL, "");
human:
	out->reply_text = (char *)cls_ctx_body(&x);
	cls_intent(&x, out); /* its rules read the body too */
	x.body = NULL;
	goto done;
autoreply:
	out->return_day = return_day(&x, tz, out);
	goto done;
arf:
	arf = arf_type(m);
	if (arf != NULL && (strcasecmp(arf, "opt-out") == 0 ||
	                    strcasecmp(arf, "unsubscribe") == 0)) {
		out->cls = CLS_UNSUBSCRIBE;
		cls_set_rule(out, "arf-opt-out", NULL, "");
	} else {
		out->cls = CLS_OTHER;
		out->signal = xstrdup("abuse-report");
		cls_set_rule(out, "arf", NULL, "");
	}
	free(arf);
	bounce = 1;
done:
	/* the new text of anything a person may have written */
	if (out->reply_text == NULL && !bounce) {
		const char *b = cls_ctx_body(&x);
		if (b != NULL && *b != '\0') {
			out->reply_text = x.body;
			x.body = NULL;
		}
	}
	pcre2_match_data_free(x.md);
	if (x.lmc != NULL)
		pcre2_match_context_free(x.lmc);
	free(x.body);
	free(x.bounce);
	free(x.from_addr);
	for (i = 0; i < F_HEADER; i++) {
		free(x.lower[i]);
		free(x.tri[i]);
	}
	free(own_text);
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
