/* classify_dsn - bounce reports: hard or soft; see classify_p.h and
 * rules/classify.rules */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify_p.h"
#include "log.h"
#include "mime.h"

/* add_cut: append the explanation part of a bounce text, without the copy
 * of the original that many MTAs append inline. */
static void
add_cut(struct buf *b, const char *t, size_t max)
{
	static const char *marks[] = {
	    "\n------ This is a copy of the message",
	    "\n--- Below this line is a copy of the message",
	    "\n----- Original message -----",
	    "\n------ Original message",
	    "\n   ----- Unsent message follows -----",
	    "\n----- Unsent message follows",
	    "\n--- Original message follows",
	    "\nOriginal message follows",
	    "\n------- Returned Message --------",
	    "\nReturn-Path:",
	    "\nReceived: from",
	    "\nContent-Type: message/rfc822",
	    "\n----- The following addresses had",
	    "\nThe original message was received",
	    NULL};
	enum { NMARKS = sizeof marks / sizeof marks[0] - 1 };
	size_t mlen[NMARKS];
	int m1[NMARKS];
	size_t n = strlen(t), k, off;
	const char *p = t, *end = t + n;
	unsigned seen = 0;
	int c1;

	/* The cut is at the first occurrence of a mark, among those whose
	 * first occurrence (cls_ci_strstr) is more than 40 bytes in.  Every
	 * mark starts with "\n", so one pass over the newlines finds them all:
	 * the first newline past 40 where a mark not seen before matches. */
	for (k = 0; k < NMARKS; k++) {
		m1[k] = tolower((unsigned char)marks[k][1]);
		mlen[k] = strlen(marks[k]);
	}
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		off = (size_t)(p - t);
		c1 = tolower((unsigned char)p[1]);
		for (k = 0; k < NMARKS; k++) {
			if ((seen & (1u << k)) || c1 != m1[k] ||
			    strncasecmp(p, marks[k], mlen[k]) != 0)
				continue;
			seen |= 1u << k;
			if (off > 40)
				break;
		}
		if (k < NMARKS && off > 40) {
			n = off;
			break;
		}
		p++;
	}
	if (n > max)
		n = max;
	buf_add(b, t, n);
	buf_addc(b, '\n');
}

const struct mime_dsn *
cls_failed_dsn(const struct mime_msg *m, int *all_ok, size_t *nrec)
{
	size_t i, n = mime_dsn_count(m);
	const struct mime_dsn *d, *first = NULL, *fail = NULL;

	*all_ok = n > 0;
	*nrec = n;
	for (i = 0; i < n; i++) {
		d = mime_dsn(m, i);
		if (d == NULL)
			continue;
		if (first == NULL)
			first = d;
		if (d->action != NULL && (strcmp(d->action, "delivered") == 0 ||
		                          strcmp(d->action, "relayed") == 0 ||
		                          strcmp(d->action, "expanded") == 0))
			continue;
		*all_ok = 0;
		if (fail == NULL)
			fail = d;
	}
	return fail != NULL ? fail : first;
}

/* build_diag: status and diagnostic of the deciding DSN record, or NULL. */
static char *
build_diag(const struct mime_dsn *d)
{
	if (d == NULL || (d->status == NULL && d->diagnostic == NULL))
		return NULL;
	return xasprintf("Status: %s\nDiagnostic-Code: %s\n",
	                 d->status ? d->status : "",
	                 d->diagnostic ? d->diagnostic : "");
}

/* build_bounce: every failed record's status and diagnostic, the subject and
 * the human-readable explanation (without the returned original); *head is
 * the length of the status and diagnostic lines it starts with. */
static char *
build_bounce(struct ctx *x, const struct mime_dsn *d, size_t *head)
{
	struct buf b;
	size_t i, n = mime_dsn_count(x->m), np;
	const struct mime_part *pt;
	int used = 0;

	buf_init(&b);
	for (i = 0; i < n; i++) {
		const struct mime_dsn *r = mime_dsn(x->m, i);
		if (r == NULL || (d != NULL && r != d && r->action != NULL &&
		                  strcmp(r->action, "failed") != 0))
			continue;
		if (r->status != NULL)
			buf_printf(&b, "Status: %s\n", r->status);
		if (r->diagnostic != NULL)
			buf_printf(&b, "Diagnostic-Code: %s\n", r->diagnostic);
	}
	*head = b.len;
	/* the human-readable explanation: text leaves before any returned
	 * message (depth 0 or 1, not message/ *) */
	np = mime_nparts(x->m);
	for (i = 0; i < np && used < 2; i++) {
		pt = mime_part(x->m, i);
		if (pt == NULL || pt->depth > 1)
			continue;
		if (strcmp(pt->content_type, "text/plain") == 0 ||
		    strcmp(pt->content_type, "text/html") == 0) {
			if (strcmp(pt->content_type, "text/html") == 0) {
				char *t =
				    mime_html_to_text(pt->body, pt->body_len);
				add_cut(&b, t, 16384);
				free(t);
			} else
				add_cut(&b, pt->body, 16384);
			used++;
		} else if (strncmp(pt->content_type, "message/", 8) == 0 ||
		           strcmp(pt->content_type, "text/rfc822-headers") == 0)
			break;
	}
	if (used == 0)
		add_cut(&b, x->text, 16384);
	if (x->subject != NULL)
		buf_printf(&b, "Subject: %s\n", x->subject);
	return buf_steal(&b);
}

/* status_class: hard/soft from an enhanced status code alone. */
static int
status_class(const char *st)
{
	if (st == NULL || strlen(st) < 5)
		return -1;
	if (st[0] == '4')
		return CLS_BOUNCE_SOFT;
	if (st[0] != '5')
		return -1;
	if (strcmp(st, "5.1.1") == 0 || strcmp(st, "5.1.2") == 0 ||
	    strcmp(st, "5.1.3") == 0 || strcmp(st, "5.1.6") == 0 ||
	    strcmp(st, "5.1.10") == 0 || strcmp(st, "5.1.0") == 0 ||
	    strcmp(st, "5.4.4") == 0 || strcmp(st, "5.4.1") == 0)
		return CLS_BOUNCE_HARD;
	return CLS_BOUNCE_SOFT;
}

/* permanent_only: X.1.1, X.1.2, X.1.3, X.1.6 - details RFC 3463 says are
 * "only useful for permanent failures" */
static int
permanent_only(const char *st)
{
	return strlen(st) == 5 && st[1] == '.' && st[2] == '1' &&
	       st[3] == '.' &&
	       (st[4] == '1' || st[4] == '2' || st[4] == '3' || st[4] == '6');
}

/* address_status: X.1.x about the destination (not X.1.7, X.1.8: the
 * sender) */
static int
address_status(const char *st)
{
	return st != NULL && strlen(st) >= 5 && st[1] == '.' && st[2] == '1' &&
	       st[3] == '.' && strcmp(st + 4, "7") != 0 &&
	       strcmp(st + 4, "8") != 0;
}

/* find a status code (x.y.z) in free text */
static char *
find_status(const char *t)
{
	const char *p;
	size_t n;

	for (p = t; *p != '\0'; p++) {
		if ((*p == '4' || *p == '5') && p[1] == '.' &&
		    (p == t || !isdigit((unsigned char)p[-1]))) {
			n = 2;
			while (isdigit((unsigned char)p[n]))
				n++;
			if (n == 2 || n > 5 || p[n] != '.')
				continue;
			n++;
			if (!isdigit((unsigned char)p[n]))
				continue;
			while (isdigit((unsigned char)p[n]))
				n++;
			if (n > 9 || isdigit((unsigned char)p[n]) ||
			    p[n] == '.')
				continue;
			return xstrndup(p, n);
		}
	}
	return NULL;
}

/*
 * run_deciding: cls_run_rules_earliest on the bounce report; in a report on
 * several recipients first on the deciding record's own status and
 * diagnostic alone (the others may have failed otherwise), then - if
 * fallback is set or the record has no diagnostic - on the whole report.
 */
static int
run_deciding(struct ctx *x, const struct mime_dsn *d, size_t nrec,
             int (*want)(int cls), int fallback)
{
	char *diag, *whole;
	int i = -1;

	if (nrec > 1 && (diag = build_diag(d)) != NULL) {
		size_t head = x->bounce_head;
		struct fstate fs = x->fs[F_BOUNCE];
		whole = x->bounce;
		cls_set_bounce(x, diag, strlen(diag));
		i = cls_run_rules_earliest(x, want);
		cls_set_bounce(x, whole, head);
		x->fs[F_BOUNCE] = fs; /* what was known of whole */
		free(diag);
		if (!fallback && d->diagnostic != NULL)
			return i;
	}
	if (i < 0)
		i = cls_run_rules_earliest(x, want);
	return i;
}

/* smtp_phase: the smtp_rcpt or smtp_data rule that matches earliest in the
 * report (the command the failure answered), or -1 when it does not say. */
static int
smtp_phase(struct ctx *x)
{
	return cls_run_rules_earliest(x, cls_want_phase);
}

/*
 * user_unknown: the report says the mailbox does not exist.  As sisimai
 * does (Reason::UserUnknown, Reason::Filtered), that is proof only when
 * the status code is an address status (X.1.x, and the list of
 * status_class) or the server said it in reply to RCPT TO.  The same words
 * in reply to DATA come from a content or per-user filter - the address
 * had been accepted - and with a status of another subject (the mailbox
 * exists but is disabled: X.2.x; the mail system, the content, policy) or
 * with no evidence at all (a gateway relaying a reply it does not place)
 * they are not proof either: soft, retry or flag but do not retire.
 * Providers' and MTAs' own unambiguous wording is in known_hard rules.
 */
static void
user_unknown(struct ctx *x, struct classification *out, const char *st,
             const char *name)
{
	int i;

	out->cls = CLS_BOUNCE_HARD;
	if (status_class(st) == CLS_BOUNCE_HARD || address_status(st))
		return;
	if ((i = smtp_phase(x)) >= 0 && x->c->rules[i].cls == CLS_SMTP_RCPT) {
		cls_set_rule(out, "rule:", name, ",rcpt");
		return;
	}
	out->cls = CLS_BOUNCE_SOFT;
	if (i >= 0)
		cls_set_rule(out, "rule:", name, ",after-data");
	else if (st != NULL && st[0] == '5' && st[1] == '.' && st[2] != '0')
		cls_set_rule(out, "rule:", name, ",status");
	else
		cls_set_rule(out, "rule:", name, ",unconfirmed");
}

/* after_reply_code: the status at p follows an SMTP reply code of class
 * cls ("550 5.7.1", "550-5.7.1", "550-'5.7.1"): the remote server's own. */
static int
after_reply_code(const char *t, const char *p, char cls)
{
	if (p > t && (p[-1] == '\'' || p[-1] == '"'))
		p--;
	return p - t >= 4 && (p[-1] == ' ' || p[-1] == '-') &&
	       p[-4] == cls && isdigit((unsigned char)p[-3]) &&
	       isdigit((unsigned char)p[-2]) &&
	       (p - t == 4 || !isalnum((unsigned char)p[-5]));
}

/* find_specific_status: the status code of class cls ('4', '5') in t that
 * is not X.0.0 - the first one that follows an SMTP reply code (a relay's
 * summary such as SES's "5.1.0 - Unknown address error 550-'5.7.1 ..."
 * comes before the remote server's own), else the first - malloc'd, or
 * NULL. */
static char *
find_specific_status(const char *t, char cls)
{
	const char *p = t, *at;
	char *f, *first = NULL;

	while ((f = find_status(p)) != NULL) {
		at = strstr(p, f);
		p = at + strlen(f);
		if (f[0] == cls && strcmp(f + 1, ".0.0") != 0) {
			if (after_reply_code(t, at, cls)) {
				free(first);
				return f;
			}
			if (first == NULL) {
				first = f;
				continue;
			}
		}
		free(f);
	}
	return first;
}

/* addr_at: the address around the '@' at p in t, lower-cased, or NULL */
static char *
addr_at(const char *t, const char *p)
{
	const char *b = p, *e = p + 1;
	char *a, *q;

	while (b > t && (isalnum((unsigned char)b[-1]) ||
	                 strchr("._%+-'", b[-1]) != NULL))
		b--;
	while (isalnum((unsigned char)*e) || *e == '.' || *e == '-')
		e++;
	while (e > p + 1 && (e[-1] == '.' || e[-1] == '-'))
		e--;
	if (b == p || e == p + 1 || memchr(p, '.', (size_t)(e - p)) == NULL)
		return NULL;
	a = xstrndup(b, (size_t)(e - b));
	for (q = a; *q != '\0'; q++)
		*q = (char)tolower((unsigned char)*q);
	return a;
}

/*
 * text_recipient: the failed address of a report without a DSN record:
 * "RCPT TO:<addr>" in a transcript, else the first address in the report's
 * explanation that is neither the message's sender nor its recipient (the
 * salesperson) nor a mail system's (postmaster, mailer-daemon), else the
 * To of the returned original.  malloc'd or NULL.
 */
static char *
text_recipient(struct ctx *x)
{
	const char *t = x->bounce, *p, *v;
	const struct mime_msg *ret;
	char *a, *skip1 = NULL, *skip2 = NULL;

	if (t == NULL)
		return NULL;
	if ((p = cls_ci_strstr(t, "rcpt to:")) != NULL) {
		p += 8;
		while (*p == ' ' || *p == '<')
			p++;
		v = strchr(p, '@');
		if (v != NULL && v - p < 80 && (a = addr_at(t, v)) != NULL)
			return a;
	}
	if ((v = mime_header_raw(x->m, "From")) != NULL &&
	    mime_addr_parse(v, &skip1, NULL) != MIME_OK)
		skip1 = NULL;
	if ((v = mime_header_raw(x->m, "To")) != NULL &&
	    mime_addr_parse(v, &skip2, NULL) != MIME_OK)
		skip2 = NULL;
	for (p = t; (p = strchr(p, '@')) != NULL; p++) {
		if ((a = addr_at(t, p)) == NULL)
			continue;
		if ((skip1 == NULL || strcmp(a, skip1) != 0) &&
		    (skip2 == NULL || strcmp(a, skip2) != 0) &&
		    strncmp(a, "postmaster@", 11) != 0 &&
		    strncmp(a, "mailer-daemon@", 14) != 0 &&
		    strstr(a, "noreply") == NULL &&
		    strstr(a, "no-reply") == NULL) {
			free(skip1);
			free(skip2);
			return a;
		}
		free(a);
	}
	free(skip1);
	free(skip2);
	if ((ret = mime_returned(x->m)) != NULL &&
	    (v = mime_header_raw(ret, "To")) != NULL &&
	    mime_addr_parse(v, &a, NULL) == MIME_OK)
		return a;
	return NULL;
}

/* cls_decide_bounce: hard or soft, with the failed recipient and status. */
void
cls_decide_bounce(struct ctx *x, struct classification *out, const char *signal)
{
	int all_ok, i, sc;
	size_t nrec;
	const struct mime_dsn *d = cls_failed_dsn(x->m, &all_ok, &nrec);
	const char *st = NULL;
	char *found = NULL, *b;
	size_t head;

	b = build_bounce(x, d, &head);
	cls_set_bounce(x, b, head);
	if (log_debug_enabled("classify"))
		log_debug("classify", "bounce text: %.2000s", x->bounce);
	if (d != NULL) {
		if (d->final_recipient != NULL)
			out->failed_recipient = xstrdup(d->final_recipient);
		else if (d->original_recipient != NULL)
			out->failed_recipient = xstrdup(d->original_recipient);
		if (d->status != NULL)
			st = d->status;
		if (d->diagnostic != NULL)
			out->diagnostic = cls_one_line(d->diagnostic, 500);
	}
	/* no DSN record naming it: the report's own words, then the returned
	 * original's To */
	if (out->failed_recipient == NULL)
		out->failed_recipient = text_recipient(x);
	if (st == NULL && (found = find_status(x->bounce)) != NULL)
		st = found;
	/* "5.0.0" says nothing: the remote server's own, more specific code in
	 * the diagnostic ("550 5.3.0 ..."), or in the report when the record
	 * has no diagnostic, is the better one */
	else if (st != NULL && strlen(st) == 5 && strcmp(st + 1, ".0.0") == 0 &&
	         d != NULL &&
	         (found = find_specific_status(
	              d->diagnostic != NULL ? d->diagnostic : x->bounce,
	              st[0])) != NULL)
		st = found;
	if (st != NULL)
		out->status = xstrdup(st);
	if (out->diagnostic == NULL)
		out->diagnostic = cls_one_line(x->bounce, 300);
	/* a 2.x.x status is a success report */
	if (st != NULL && st[0] == '2' && st[1] == '.') {
		out->cls = CLS_OTHER;
		cls_set_rule(out, "", signal, ",success");
		goto done;
	}
	/* temporary: delayed, or a 4.x.x status, whatever the text says (the
	 * MTA may try again, and a DNS failure may be transient) - except a
	 * final failure (Action: failed) with a detail that RFC 3463 calls
	 * "only useful for permanent failures" (bad mailbox, bad system, bad
	 * syntax, moved): that answer will not change */
	if ((d != NULL && d->action != NULL &&
	     strcmp(d->action, "delayed") == 0) ||
	    (st != NULL && st[0] == '4' &&
	     !(d != NULL && d->action != NULL &&
	       strcmp(d->action, "failed") == 0 && permanent_only(st)))) {
		out->cls = CLS_BOUNCE_SOFT;
		cls_set_rule(out, "", signal, ",temporary");
		goto done;
	}
	/* 1. a provider's or MTA's documented reply decides first: it means
	 * the same whatever the status code or the SMTP phase */
	if ((i = run_deciding(x, d, nrec, cls_want_known, 0)) >= 0) {
		out->cls = x->c->rules[i].cls == CLS_KNOWN_HARD
		               ? CLS_BOUNCE_HARD
		               : CLS_BOUNCE_SOFT;
		cls_set_rule(out, "rule:", x->c->rules[i].name, "");
		goto done;
	}
	/* 2. the text rules: the match that starts earliest wins */
	if ((i = run_deciding(x, d, nrec, cls_want_bounce_kind, 1)) >= 0) {
		const struct rule *r = &x->c->rules[i];
		out->cls = r->cls;
		cls_set_rule(out, "rule:", r->name, "");
		if (r->cls == CLS_USER_UNKNOWN)
			user_unknown(x, out, st, r->name);
		goto done;
	}
	/* 3. no rule: the status code, or a refusal after DATA (the
	 * address had been accepted) */
	sc = status_class(st);
	if (sc != CLS_BOUNCE_HARD && (i = smtp_phase(x)) >= 0 &&
	    x->c->rules[i].cls == CLS_SMTP_DATA) {
		out->cls = CLS_BOUNCE_SOFT;
		cls_set_rule(out, "rule:", x->c->rules[i].name, "");
		goto done;
	}
	out->cls = sc >= 0 ? sc : CLS_BOUNCE_SOFT;
	cls_set_rule(out, "", signal, sc >= 0 ? ",status" : ",default-soft");
done:
	free(found);
}
