/* match - see match.h */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify.h"
#include "match.h"
#include "mime.h"
#include "xalloc.h"

struct freemail {
	char **exact; /* lowercased domains */
	size_t nexact;
	char **prefix; /* "hotmail." for "hotmail.*" */
	size_t nprefix;
};

void
freemail_free(struct freemail *fm)
{
	size_t i;

	if (fm == NULL)
		return;
	for (i = 0; i < fm->nexact; i++)
		free(fm->exact[i]);
	for (i = 0; i < fm->nprefix; i++)
		free(fm->prefix[i]);
	free(fm->exact);
	free(fm->prefix);
	free(fm);
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* valid_domain: letters, digits, '-', '.', not starting or ending with '.' */
static int
valid_domain(const char *d)
{
	size_t n = strlen(d), i;

	if (n == 0 || n > 253 || d[0] == '.' || d[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)d[i]) && d[i] != '-' && d[i] != '.')
			return 0;
	return 1;
}

int
freemail_from_string(const char *name, const char *text, struct freemail **out,
                     char **errstr)
{
	struct freemail *fm = xcalloc(1, sizeof *fm);
	const char *p = text, *nl;
	size_t capx = 0, capp = 0, n, i;
	int lineno = 0;
	char *line, *s, *e;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		line = xstrndup(p, (size_t)(nl - p));
		p = *nl != '\0' ? nl + 1 : nl;
		lineno++;
		if ((s = strchr(line, '#')) != NULL)
			*s = '\0';
		for (s = line; isspace((unsigned char)*s); s++)
			;
		for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]);
		     e--)
			;
		*e = '\0';
		if (*s == '\0') {
			free(line);
			continue;
		}
		for (i = 0; s[i] != '\0'; i++)
			s[i] = (char)tolower((unsigned char)s[i]);
		n = strlen(s);
		if (n > 2 && strcmp(s + n - 2, ".*") == 0) {
			s[n - 2] = '\0';
			if (!valid_domain(s)) {
				*errstr = xasprintf(
				    "%s:%d: bad domain pattern \"%s.*\"", name,
				    lineno, s);
				free(line);
				freemail_free(fm);
				return MATCH_EINVAL;
			}
			s[n - 2] = '.';
			s[n - 1] = '\0'; /* keep the dot: "hotmail." */
			if (fm->nprefix == capp) {
				capp = capp ? capp * 2 : 8;
				fm->prefix = xreallocarray(fm->prefix, capp,
				                           sizeof *fm->prefix);
			}
			fm->prefix[fm->nprefix++] = xstrdup(s);
		} else {
			if (!valid_domain(s)) {
				*errstr = xasprintf("%s:%d: bad domain \"%s\"",
				                    name, lineno, s);
				free(line);
				freemail_free(fm);
				return MATCH_EINVAL;
			}
			if (fm->nexact == capx) {
				capx = capx ? capx * 2 : 64;
				fm->exact = xreallocarray(fm->exact, capx,
				                          sizeof *fm->exact);
			}
			fm->exact[fm->nexact++] = xstrdup(s);
		}
		free(line);
	}
	if (fm->nexact > 0)
		qsort(fm->exact, fm->nexact, sizeof *fm->exact, cmpstr);
	*out = fm;
	return MATCH_OK;
}

int
freemail_load(const char *path, struct freemail **out, char **errstr)
{
	struct buf b;
	int rc;

	buf_init(&b);
	if (buf_read_file(&b, path, 1024 * 1024, errstr) == -1) {
		buf_free(&b);
		return MATCH_EIO;
	}
	if (b.len > 1024 * 1024) {
		*errstr = xasprintf("%s: file too large", path);
		buf_free(&b);
		return MATCH_EIO;
	}
	if (memchr(b.s ? b.s : "", '\0', b.len) != NULL) {
		*errstr = xasprintf("%s: contains a NUL byte", path);
		buf_free(&b);
		return MATCH_EIO;
	}
	rc = freemail_from_string(path, b.s ? b.s : "", out, errstr);
	buf_free(&b);
	return rc;
}

int
freemail_contains(const struct freemail *fm, const char *domain)
{
	char *d, *key;
	size_t i, n;
	int found = 0;

	if (fm == NULL || domain == NULL || *domain == '\0')
		return 0;
	d = xstrdup(domain);
	for (i = 0; d[i] != '\0'; i++)
		d[i] = (char)tolower((unsigned char)d[i]);
	n = strlen(d);
	if (n > 0 && d[n - 1] == '.')
		d[--n] = '\0';
	key = d;
	if (fm->nexact > 0 && bsearch(&key, fm->exact, fm->nexact,
	                              sizeof *fm->exact, cmpstr) != NULL)
		found = 1;
	/* "hotmail.*": hotmail.<anything without further dots>, also
	 * hotmail.co.uk */
	for (i = 0; !found && i < fm->nprefix; i++) {
		size_t k = strlen(fm->prefix[i]);
		if (n > k && strncmp(d, fm->prefix[i], k) == 0)
			found = 1;
	}
	free(d);
	return found;
}

char *
match_normalize_addr(const char *addr)
{
	char *a = NULL, *at, *plus, *r;
	size_t i;

	if (addr == NULL)
		return NULL;
	if (mime_addr_parse(addr, &a, NULL) != MIME_OK || a == NULL) {
		free(a);
		return NULL;
	}
	for (i = 0; a[i] != '\0'; i++)
		a[i] = (char)tolower((unsigned char)a[i]);
	at = strrchr(a, '@');
	if (at == NULL || at == a || at[1] == '\0') {
		free(a);
		return NULL;
	}
	plus = memchr(a, '+', (size_t)(at - a));
	if (plus != NULL && plus != a) {
		r = xasprintf("%.*s%s", (int)(plus - a), a, at);
		free(a);
		return r;
	}
	return a;
}

void
match_result_free(struct match_result *r)
{
	if (r == NULL)
		return;
	free(r->why);
	r->why = NULL;
	r->rule = NULL;
	r->lead_id = 0;
}

static char *
describe(const struct match_ops *ops, const char *msgid)
{
	char buf[256];

	buf[0] = '\0';
	if (ops->why_msgid != NULL)
		ops->why_msgid(ops->arg, msgid, buf, sizeof buf);
	if (buf[0] == '\0')
		return xstrdup("our email");
	return xstrdup(buf);
}

/*
 * by_ids: the first "<id>" of header value v (newest last in References, so
 * those are tried from the end) that names a message we sent.
 */
static int
by_ids(const struct match_ops *ops, const char *v, int newest_last,
       const char *hname, const char *rule, struct match_result *out)
{
	char **ids = NULL;
	size_t n, i, k;
	int64_t lead;
	int found = 0;

	if (v == NULL || ops->by_message_id == NULL)
		return 0;
	n = mime_msgids(v, &ids);
	for (k = 0; k < n && !found; k++) {
		i = newest_last ? n - 1 - k : k;
		if (ops->by_message_id(ops->arg, ids[i], &lead) == 1) {
			char *d = describe(ops, ids[i]);
			out->lead_id = lead;
			out->rule = rule;
			out->why = xasprintf("%s %s is %s", hname, ids[i], d);
			free(d);
			found = 1;
		}
	}
	mime_strv_free(ids, n);
	return found;
}

static int
is_bounce(const struct mime_msg *m, const struct classification *c)
{
	if (c != NULL)
		return c->cls == CLS_BOUNCE_HARD || c->cls == CLS_BOUNCE_SOFT;
	return mime_dsn_count(m) > 0;
}

static int
by_addr(const struct match_ops *ops, const char *value, const char *label,
        const char *rule, struct match_result *out)
{
	char *norm = match_normalize_addr(value), *raw = NULL;
	int64_t lead;
	int found = 0;

	if (norm == NULL || ops->by_email == NULL) {
		free(norm);
		return 0;
	}
	if (ops->by_email(ops->arg, norm, &lead) == 1) {
		if (mime_addr_parse(value, &raw, NULL) != MIME_OK) {
			free(raw);
			raw = xstrdup(norm);
		}
		out->lead_id = lead;
		out->rule = rule;
		if (strcmp(raw, norm) == 0)
			out->why =
			    xasprintf("%s %s is a lead's address", label, raw);
		else
			out->why =
			    xasprintf("%s %s = lead %s", label, raw, norm);
		found = 1;
	}
	free(raw);
	free(norm);
	return found;
}

int
match_message(const struct mime_msg *m, const struct classification *c,
              const struct match_ops *ops, const struct freemail *fm,
              int same_domain, struct match_result *out)
{
	const struct mime_msg *orig;
	const char *from = mime_header(m, "From");
	size_t i, n;

	memset(out, 0, sizeof *out);
	/* 1. our Message-IDs */
	if (by_ids(ops, mime_header(m, "In-Reply-To"), 0, "In-Reply-To",
	           "in-reply-to", out) ||
	    by_ids(ops, mime_header(m, "References"), 1, "References",
	           "references", out))
		return 1;
	/* 2. bounces: the returned original, then the DSN recipients */
	if (is_bounce(m, c)) {
		if ((orig = mime_returned(m)) != NULL) {
			if (by_ids(ops, mime_header(orig, "Message-ID"), 0,
			           "Returned message's Message-ID",
			           "returned-message-id", out) ||
			    by_ids(ops, mime_header(orig, "In-Reply-To"), 0,
			           "Returned message's In-Reply-To",
			           "returned-message-id", out) ||
			    by_ids(ops, mime_header(orig, "References"), 1,
			           "Returned message's References",
			           "returned-message-id", out))
				return 1;
		}
		n = mime_dsn_count(m);
		for (i = 0; i < n; i++) {
			const struct mime_dsn *d = mime_dsn(m, i);
			if (d == NULL)
				continue;
			if (d->final_recipient != NULL &&
			    by_addr(ops, d->final_recipient,
			            "DSN Final-Recipient", "dsn-recipient",
			            out))
				return 1;
			if (d->original_recipient != NULL &&
			    by_addr(ops, d->original_recipient,
			            "DSN Original-Recipient", "dsn-recipient",
			            out))
				return 1;
		}
		if (c != NULL && c->failed_recipient != NULL &&
		    by_addr(ops, c->failed_recipient, "Failed recipient",
		            "dsn-recipient", out))
			return 1;
		if (orig != NULL &&
		    by_addr(ops, mime_header(orig, "To"),
		            "Returned message's To", "dsn-recipient", out))
			return 1;
		/* a bounce comes from MAILER-DAEMON: its From says nothing */
		return 0;
	}
	/* 3. the sender */
	if (from != NULL && by_addr(ops, from, "From", "from", out))
		return 1;
	/* 3b. a notification sent for a person (a document they shared, a
	 * meeting they booked) names that person: Reply-To, ORGANIZER */
	if (c != NULL && c->reply_to != NULL &&
	    by_addr(ops, c->reply_to, "Notification on behalf of", "reply-to",
	            out))
		return 1;
	/* 4. a colleague at the same company */
	if (same_domain && fm != NULL && ops->by_domain != NULL &&
	    from != NULL) {
		char *norm = match_normalize_addr(from);
		const char *dom = norm != NULL ? strrchr(norm, '@') : NULL;
		int64_t lead;
		if (dom != NULL && !freemail_contains(fm, dom + 1) &&
		    ops->by_domain(ops->arg, dom + 1, &lead) == 1) {
			out->lead_id = lead;
			out->rule = "same-domain";
			out->why =
			    xasprintf("From %s: the only active lead at %s",
			              norm, dom + 1);
			free(norm);
			return 1;
		}
		free(norm);
	}
	return 0;
}
