/*
 * mime - see mime.h; the module's layout is in mime_p.h.
 *
 * This file holds the parse entry, the entity walk (multipart, message/rfc822,
 * DSN records, the returned original of a bounce), the limits and the
 * accessors.  The parser works on one flat buffer.  Recursion happens only for
 * nested entities (multipart children, message/rfc822 bodies) and is bounded
 * by max_depth (clamped to MIME_DEPTH_CAP); every allocation is bounded by the
 * input size (itself cut at max_size), the header cap and the part cap.
 */
#include "autoconf.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime.h"
#include "mime_p.h"
#include "xalloc.h"

void
mime_limits_default(struct mime_limits *lim)
{
	lim->max_size = 10u * 1024 * 1024;
	lim->max_depth = 64;
	lim->max_parts = 200;
	lim->max_header = 64u * 1024;
}

/* ---- small string helpers ---- */

void
mime_lower(char *s)
{
	for (; s && *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* mime_memdup: a malloc'd copy of n bytes (may hold NULs), NUL-terminated. */
char *
mime_memdup(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* mime_trimdup: a malloc'd copy of s[0..n) without leading/trailing whitespace.
 */
char *
mime_trimdup(const char *s, size_t n)
{
	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return xstrndup(s, n);
}

void
mime_nul_to_space(char *s, size_t n)
{
	char *p = s, *e = s + n;

	while ((p = memchr(p, '\0', (size_t)(e - p))) != NULL)
		*p++ = ' ';
}

/* ctl_map: 1 for the C0 controls mime_controls_to_space replaces. */
static const unsigned char ctl_map[256] = {
    [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1,
    [0x06] = 1, [0x07] = 1, [0x08] = 1, [0x0B] = 1, [0x0C] = 1, [0x0E] = 1,
    [0x0F] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1,
    [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1A] = 1,
    [0x1B] = 1, [0x1C] = 1, [0x1D] = 1, [0x1E] = 1, [0x1F] = 1,
};

void
mime_controls_to_space(char *s, size_t n)
{
	size_t i = 0, k;
	uint64_t w;

	/* eight bytes at a time: (w - 0x20..) & ~w & 0x80.. is zero only
	 * when no byte of w is below 0x20 (text: most words have none) */
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		if (((w - 0x2020202020202020u) & ~w & 0x8080808080808080u) == 0)
			continue;
		for (k = i; k < i + 8; k++)
			if (ctl_map[(unsigned char)s[k]])
				s[k] = ' ';
	}
	for (; i < n; i++)
		if (ctl_map[(unsigned char)s[i]])
			s[i] = ' ';
}

/* ---- fast appends to a struct buf (grown as xalloc.c's buf_add does) ---- */

/* mime_breserve: room for extra more bytes and the NUL. */
void
mime_breserve(struct buf *b, size_t extra)
{
	size_t need, cap;

	if (b->cap - b->len > extra)
		return;
	if (extra > SIZE_MAX - b->len - 1)
		b->s = xreallocarray(b->s, SIZE_MAX / 2 + 1, 2); /* exits */
	need = b->len + extra + 1;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	b->s = xreallocarray(b->s, cap, 1);
	b->cap = cap;
}

/* ---- DSN ---- */

static void
dsn_free_one(struct mime_dsn *d)
{
	free(d->reporting_mta);
	free(d->final_recipient);
	free(d->original_recipient);
	free(d->action);
	free(d->status);
	free(d->diagnostic);
}

/* dsn_addr: "rfc822; <User@X>" -> "user@x". */
static char *
dsn_addr(const char *v)
{
	const char *semi = strchr(v, ';');
	char *a;
	size_t l;

	if (semi)
		v = semi + 1;
	a = mime_trimdup(v, strlen(v));
	l = strlen(a);
	if (l >= 2 && a[0] == '<' && a[l - 1] == '>') {
		memmove(a, a + 1, l - 2);
		a[l - 2] = '\0';
	}
	mime_lower(a);
	return a;
}

/*
 * parse_dsn: groups of "Field: value" lines separated by blank lines.  The
 * group with Reporting-MTA is per-message; each group naming a recipient (or,
 * in a real delivery-status part, an Action or Status) becomes a record.
 * Non-field lines are ignored.  strict = 1 for text/plain parts (need a
 * Final-Recipient).
 */
static void
parse_dsn(struct ctx *c, const char *s, size_t n, int strict)
{
	struct mime_msg *m = c->m;
	char *mta = NULL;
	size_t p = 0;

	while (p < n) {
		struct hlist hl = {NULL, 0, 0};
		struct mime_dsn d;
		const char *v;
		size_t used;

		/* skip blank lines and non-field lines (until a field starts)
		 */
		while (p < n) {
			size_t e = mime_line_end(s, n, p), k;
			for (k = p;
			     k < e && s[k] != ':' && (unsigned char)s[k] > 32 &&
			     (unsigned char)s[k] < 127;
			     k++)
				;
			if (k > p && k < e && s[k] == ':')
				break;
			p = e;
		}
		if (p >= n)
			break;
		used = mime_parse_headers(c, s + p, n - p, &hl);
		if (used == 0)
			used = mime_line_end(s, n, p) - p;
		p += used;
		memset(&d, 0, sizeof(d));
		if ((v = mime_hlist_get(hl.v, hl.n, "Reporting-MTA")) != NULL) {
			free(mta);
			mta = xstrdup(v);
		}
		if ((v = mime_hlist_get(hl.v, hl.n, "Final-Recipient")) != NULL)
			d.final_recipient = dsn_addr(v);
		if ((v = mime_hlist_get(hl.v, hl.n, "Original-Recipient")) !=
		    NULL)
			d.original_recipient = dsn_addr(v);
		if ((v = mime_hlist_get(hl.v, hl.n, "Action")) != NULL) {
			d.action = mime_trimdup(v, strlen(v));
			mime_lower(d.action);
		}
		if ((v = mime_hlist_get(hl.v, hl.n, "Status")) != NULL) {
			size_t l = strcspn(v, " \t(");
			d.status = xstrndup(v, l);
		}
		if ((v = mime_hlist_get(hl.v, hl.n, "Diagnostic-Code")) != NULL)
			d.diagnostic = xstrdup(v);
		mime_hlist_free(hl.v, hl.n);
		if ((strict && !d.final_recipient) ||
		    (!d.final_recipient && !d.original_recipient && !d.action &&
		     !d.status) ||
		    m->ndsns >= MIME_DSN_MAX) {
			dsn_free_one(&d);
			continue;
		}
		d.reporting_mta = mta ? xstrdup(mta) : NULL;
		if (m->ndsns == m->capdsns) {
			m->capdsns = m->capdsns ? m->capdsns * 2 : 4;
			m->dsns = xreallocarray(m->dsns, m->capdsns,
			                        sizeof(*m->dsns));
		}
		m->dsns[m->ndsns++] = d;
	}
	free(mta);
}

/* ---- the entity walk ---- */

/*
 * find_delim: the first line at or after p that starts with
 * "--boundary".  Returns its offset or n; *close = 1 when it is the close
 * delimiter.
 */
static size_t
find_delim(const char *s, size_t n, size_t p, const char *bd, size_t bl,
           int *close)
{
	char nd[3 + 256];

	if (bl <= 256) {
		/* only lines starting with "--boundary" can match: jump from
		 * one "\n--boundary" to the next (p is a line start) */
		nd[0] = '\n';
		nd[1] = nd[2] = '-';
		memcpy(nd + 3, bd, bl);
		while (p < n) {
			const char *hit;

			if (n - p >= bl + 2 && s[p] == '-' && s[p + 1] == '-' &&
			    memcmp(s + p + 2, bd, bl) == 0) {
				size_t q = p + 2 + bl;
				*close = (n - q >= 2 && s[q] == '-' &&
				          s[q + 1] == '-');
				if (*close || q == n ||
				    isspace((unsigned char)s[q]))
					return p;
			}
			hit = memmem(s + p, n - p, nd, bl + 3);
			if (hit == NULL)
				return n;
			p = (size_t)(hit - s) + 1;
		}
		return n;
	}
	while (p < n) {
		if (n - p >= bl + 2 && s[p] == '-' && s[p + 1] == '-' &&
		    memcmp(s + p + 2, bd, bl) == 0) {
			size_t q = p + 2 + bl;
			*close = (n - q >= 2 && s[q] == '-' && s[q + 1] == '-');
			/* "--b1" must not match "--b10": only "--", blanks or
			 * EOL may follow */
			if (*close || q == n || isspace((unsigned char)s[q]))
				return p;
		}
		{
			const char *nl = memchr(s + p, '\n', n - p);
			if (nl == NULL)
				return n;
			p = (size_t)(nl - s) + 1;
		}
	}
	return n;
}

static void parse_entity(struct ctx *c, const char *s, size_t n, int depth,
                         int in_msg, const char *dflt_type,
                         const char *report_type);

static void
add_leaf(struct ctx *c, struct leaf *lf)
{
	struct mime_msg *m = c->m;

	if (m->nleaves == m->capleaves) {
		m->capleaves = m->capleaves ? m->capleaves * 2 : 8;
		m->leaves =
		    xreallocarray(m->leaves, m->capleaves, sizeof(*m->leaves));
	}
	m->leaves[m->nleaves++] = *lf;
}

/* crlf_to_lf: in place; returns the new length. */
static size_t
crlf_to_lf(char *s, size_t n)
{
	size_t i, j;
	const char *cr = memchr(s, '\r', n);

	if (cr == NULL) {
		s[n] = '\0';
		return n;
	}
	for (i = j = (size_t)(cr - s); i < n; i++) {
		if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
			continue;
		s[j++] = s[i];
	}
	s[j] = '\0';
	return j;
}

static void
parse_entity(struct ctx *c, const char *s, size_t n, int depth, int in_msg,
             const char *dflt_type, const char *report_type)
{
	struct hlist hl = {NULL, 0, 0};
	struct plist pl = {NULL, 0, 0};
	size_t body;
	const char *v, *cte, *d;
	char *ctype = NULL;
	struct buf dec;
	size_t dlen;
	int top = (depth == 0), view, kept = 0;

	if (c->nparts >= c->lim.max_parts) {
		c->m->truncated = 1;
		return;
	}
	c->nparts++;
	body = mime_parse_headers(c, s, n, &hl);
	if ((v = mime_hlist_get(hl.v, hl.n, "Content-Type")) != NULL)
		mime_parse_ctype(v, &ctype, &pl);
	if (ctype == NULL || strchr(ctype, '/') == NULL || ctype[0] == '/' ||
	    ctype[strlen(ctype) - 1] == '/') {
		free(ctype);
		ctype = xstrdup(dflt_type);
	}
	if (top) {
		c->m->hdrs = hl.v;
		c->m->nhdrs = hl.n;
		c->m->ctype = xstrdup(ctype);
		c->m->params = pl.v;
		c->m->nparams = pl.n;
		if (c->headers_only)
			goto out;
	}
	if (c->capture) {
		/* the returned original: its header block is all of it
		 * mime_returned() gives (the header blocks are the same as
		 * parse_head's) */
		struct mime_msg *r = xcalloc(1, sizeof(*r));
		c->capture = 0;
		r->hdrs = hl.v;
		r->nhdrs = hl.n;
		r->ctype = xstrdup(ctype);
		r->params = pl.v;
		r->nparams = pl.n;
		r->text = xstrdup("");
		c->returned_msg = r;
		kept = 1;
	}
	s += body;
	n -= body;
	cte = mime_hlist_get(hl.v, hl.n, "Content-Transfer-Encoding");

	if (strncmp(ctype, "multipart/", 10) == 0) {
		const char *bd = mime_plist_raw(pl.v, pl.n, "boundary");
		size_t bl = bd ? strlen(bd) : 0, p, q, e;
		int close = 0, any = 0;
		const char *child_dflt = strcmp(ctype, "multipart/digest") == 0
		                             ? "message/rfc822"
		                             : "text/plain";
		const char *rt = NULL;

		if (strcmp(ctype, "multipart/report") == 0)
			rt = mime_plist_raw(pl.v, pl.n, "report-type");
		if (bl > 0 && bl <= 200) {
			if (depth + 1 > c->lim.max_depth) {
				c->m->truncated = 1;
				goto out;
			}
			p = find_delim(s, n, 0, bd, bl, &close);
			while (p < n && !close) {
				p = mime_line_end(s, n,
				                  p); /* start of the part */
				q = find_delim(s, n, p, bd, bl, &close);
				/* the CRLF before the delimiter belongs to it
				 */
				e = q;
				if (e > p && s[e - 1] == '\n')
					e--;
				if (e > p && s[e - 1] == '\r')
					e--;
				if (q > p || q < n)
					parse_entity(
					    c, s + p, e >= p ? e - p : 0,
					    depth + 1, in_msg, child_dflt, rt);
				any = 1;
				if (c->nparts >= c->lim.max_parts) {
					if (q < n && !close)
						c->m->truncated = 1;
					break;
				}
				p = q;
			}
		}
		if (any)
			goto out;
		/* no usable boundary: treat as text */
		free(ctype);
		ctype = xstrdup("text/plain");
	}

	/* the transfer-decoded body is d[0..dlen): dec, or s itself when
	 * there is nothing to decode (copied only where a copy is kept) */
	buf_init(&dec);
	view = 0;
	if (cte && strncasecmp(cte, "base64", 6) == 0)
		mime_b64_decode(&dec, s, n);
	else if (cte && strncasecmp(cte, "quoted-printable", 16) == 0)
		mime_qp_decode(&dec, s, n, 0);
	else
		view = 1;
	if (view) {
		d = s;
		dlen = n;
	} else {
		if (dec.s == NULL)
			buf_adds(&dec, "");
		d = dec.s;
		dlen = dec.len;
	}

	if (strcmp(ctype, "message/rfc822") == 0 ||
	    strcmp(ctype, "message/global") == 0) {
		int capture = 0;

		if (view)
			badd(&dec, s, n);
		if (c->want_returned && !c->returned_found) {
			c->returned_found = 1;
			capture = 1;
		}
		if (depth + 1 > c->lim.max_depth || depth + 1 > MIME_MSG_DEPTH)
			c->m->truncated = 1;
		else {
			c->capture = capture;
			parse_entity(c, dec.s, dec.len, depth + 1, 1,
			             "text/plain", NULL);
			c->capture = 0;
		}
		if (capture && c->returned_msg == NULL) {
			/* not parsed there (a limit): on its own */
			c->returned_owned = mime_memdup(dec.s, dec.len);
			c->returned_len = dec.len;
		}
		buf_free(&dec);
		goto out;
	}
	if (strcmp(ctype, "message/delivery-status") == 0 ||
	    strcmp(ctype, "message/global-delivery-status") == 0)
		parse_dsn(c, d, dlen, 0);
	else if (report_type &&
	         strcasecmp(report_type, "delivery-status") == 0 &&
	         strcmp(ctype, "text/plain") == 0 &&
	         memmem(d, dlen, "inal-", 5))
		parse_dsn(c, d, dlen, 1);
	if ((strcmp(ctype, "text/rfc822-headers") == 0 ||
	     strcmp(ctype, "message/rfc822-headers") == 0) &&
	    c->want_returned && !c->returned_found) {
		c->returned_found = 1;
		c->returned_owned = mime_memdup(d, dlen);
		c->returned_len = dlen;
	}

	{
		struct leaf lf;
		struct plist dp = {NULL, 0, 0};
		char *disp = NULL;

		memset(&lf, 0, sizeof(lf));
		lf.in_msg = in_msg;
		lf.p.depth = depth;
		lf.p.content_type = ctype;
		ctype = NULL;
		lf.p.charset = mime_plist_get(pl.v, pl.n, "charset");
		if (lf.p.charset) {
			char *t =
			    mime_trimdup(lf.p.charset, strlen(lf.p.charset));
			free(lf.p.charset);
			lf.p.charset = t;
			mime_lower(lf.p.charset);
			if (!*lf.p.charset) {
				free(lf.p.charset);
				lf.p.charset = NULL;
			}
		}
		if ((v = mime_hlist_get(hl.v, hl.n, "Content-Disposition")) !=
		    NULL) {
			mime_parse_ctype(v, &disp, &dp);
			if (*disp)
				lf.p.disposition = disp;
			else
				free(disp);
			lf.p.filename = mime_plist_get(dp.v, dp.n, "filename");
			mime_plist_free(dp.v, dp.n);
		}
		if (lf.p.filename == NULL)
			lf.p.filename = mime_plist_get(pl.v, pl.n, "name");
		if (strncmp(lf.p.content_type, "text/", 5) == 0) {
			struct buf u;
			buf_init(&u);
			mime_to_utf8(&u, lf.p.charset, d, dlen);
			if (u.s == NULL)
				buf_adds(&u, "");
			u.len = crlf_to_lf(u.s, u.len);
			/* every transfer encoding and charset ends here */
			mime_controls_to_space(u.s, u.len);
			lf.p.body_len = u.len;
			lf.p.body = buf_steal(&u);
			buf_free(&dec);
		} else if (view) {
			lf.p.body_len = dlen;
			lf.p.body = mime_memdup(d, dlen);
		} else {
			lf.p.body_len = dec.len;
			lf.p.body = buf_steal(&dec);
		}
		add_leaf(c, &lf);
	}
out:
	free(ctype);
	if (!top && !kept) {
		mime_hlist_free(hl.v, hl.n);
		mime_plist_free(pl.v, pl.n);
	}
}

static void
pick_text(struct mime_msg *m)
{
	size_t i;

	for (i = 0; i < m->nleaves; i++) {
		struct mime_part *p = &m->leaves[i].p;
		if (!m->leaves[i].in_msg &&
		    strcmp(p->content_type, "text/plain") == 0 &&
		    !(p->disposition &&
		      strcmp(p->disposition, "attachment") == 0)) {
			m->text = xstrdup(p->body);
			return;
		}
	}
	for (i = 0; i < m->nleaves; i++) {
		struct mime_part *p = &m->leaves[i].p;
		if (!m->leaves[i].in_msg &&
		    strcmp(p->content_type, "text/html") == 0 &&
		    !(p->disposition &&
		      strcmp(p->disposition, "attachment") == 0)) {
			m->text = mime_html_to_text(p->body, p->body_len);
			return;
		}
	}
	m->text = xstrdup("");
}

/*
 * parse_head: a message's header block only, as the returned original of a
 * bounce is used (its Message-ID, In-Reply-To, References, To): no part is
 * transfer-decoded or converted, its text is "".
 */
static struct mime_msg *
parse_head(const char *buf, size_t len, const struct mime_limits *lim)
{
	struct ctx c;
	struct mime_msg *m = xcalloc(1, sizeof(*m));

	memset(&c, 0, sizeof(c));
	c.lim = *lim;
	c.m = m;
	c.headers_only = 1;
	if (len > c.lim.max_size) {
		len = c.lim.max_size;
		m->truncated = 1;
	}
	parse_entity(&c, buf, len, 0, 0, "text/plain", NULL);
	if (m->ctype == NULL)
		m->ctype = xstrdup("text/plain");
	m->text = xstrdup("");
	return m;
}

/* is_field_line: "Name: ..." with a printable, blank-free name. */
static int
is_field_line(const char *s, size_t n)
{
	size_t k;

	for (k = 0; k < n && s[k] != ':' && (unsigned char)s[k] > 32 &&
	            (unsigned char)s[k] < 127;
	     k++)
		;
	return k > 0 && k < n && s[k] == ':';
}

/*
 * find_inline_original: many bounces (Exim, qmail, old Sendmail, Gmail) quote
 * the original inline in a text part instead of attaching it.  Find the first
 * line starting with "Message-ID:" in a text/plain leaf outside any attached
 * message, walk back to the start of its header block, and parse from there.
 */
static struct mime_msg *
find_inline_original(const struct mime_msg *m, const struct mime_limits *lim)
{
	size_t i;

	for (i = 0; i < m->nleaves; i++) {
		const struct mime_part *p = &m->leaves[i].p;
		const char *b = p->body, *hit = NULL, *q, *start;
		size_t n = p->body_len, pos = 0;
		struct mime_msg *r;

		if (m->leaves[i].in_msg ||
		    strcmp(p->content_type, "text/plain") != 0)
			continue;
		while (pos < n) {
			const char *nl = memchr(b + pos, '\n', n - pos);
			size_t e = nl ? (size_t)(nl - b) : n;
			if (e - pos >= 11 && (b[pos] | 0x20) == 'm' &&
			    strncasecmp(b + pos, "Message-ID:", 11) == 0) {
				hit = b + pos;
				break;
			}
			pos = nl ? e + 1 : n;
		}
		if (hit == NULL)
			continue;
		/* walk back over field and continuation lines */
		start = hit;
		while (start > b) {
			q = start - 1; /* the '\n' ending the previous line */
			while (q > b && q[-1] != '\n')
				q--;
			if (q == start - 1 ||
			    (start - 1 - q == 1 && *q == '\r'))
				break; /* blank line */
			if (!is_field_line(q, (size_t)(start - 1 - q)) &&
			    !is_wsp((unsigned char)*q))
				break;
			start = q;
		}
		r = parse_head(start, n - (size_t)(start - b), lim);
		if (r->nhdrs > 0 && mime_header(r, "Message-ID"))
			return r;
		mime_free(r);
	}
	return NULL;
}

/* parse_msg: the whole message, with its returned original (headers). */
static struct mime_msg *
parse_msg(const char *buf, size_t len, const struct mime_limits *lim)
{
	struct ctx c;
	struct mime_msg *m = xcalloc(1, sizeof(*m));

	memset(&c, 0, sizeof(c));
	c.lim = *lim;
	c.m = m;
	c.want_returned = 1;
	if (len > c.lim.max_size) {
		len = c.lim.max_size;
		m->truncated = 1;
	}
	parse_entity(&c, buf, len, 0, 0, "text/plain", NULL);
	if (m->ctype == NULL)
		m->ctype = xstrdup("text/plain");
	pick_text(m);
	if (c.returned_msg != NULL)
		m->returned = c.returned_msg;
	else if (c.returned_owned) {
		struct mime_limits l2 = c.lim;
		l2.max_depth = c.lim.max_depth > 1 ? c.lim.max_depth - 1 : 1;
		m->returned = parse_head(c.returned_owned, c.returned_len, &l2);
		free(c.returned_owned);
	} else
		m->returned = find_inline_original(m, &c.lim);
	return m;
}

int
mime_parse(const char *buf, size_t len, const struct mime_limits *lim,
           struct mime_msg **out, char **errstr)
{
	struct mime_limits l;

	if (lim)
		l = *lim;
	else
		mime_limits_default(&l);
	if (l.max_depth < 1)
		l.max_depth = 1;
	if (l.max_depth > MIME_DEPTH_CAP)
		l.max_depth = MIME_DEPTH_CAP;
	if (l.max_parts < 1)
		l.max_parts = 1;
	if (l.max_header < 1)
		l.max_header = 1;
	if (buf == NULL || len == 0) {
		if (errstr)
			*errstr = xstrdup("mime: empty message");
		return MIME_EINVAL;
	}
	*out = parse_msg(buf, len, &l);
	return MIME_OK;
}

void
mime_free(struct mime_msg *m)
{
	size_t i;

	if (m == NULL)
		return;
	mime_hlist_free(m->hdrs, m->nhdrs);
	mime_plist_free(m->params, m->nparams);
	free(m->ctype);
	for (i = 0; i < m->nleaves; i++) {
		struct mime_part *p = &m->leaves[i].p;
		free(p->content_type);
		free(p->charset);
		free(p->disposition);
		free(p->filename);
		free(p->body);
	}
	free(m->leaves);
	for (i = 0; i < m->ndsns; i++)
		dsn_free_one(&m->dsns[i]);
	free(m->dsns);
	mime_free(m->returned);
	free(m->text);
	free(m);
}

int
mime_truncated(const struct mime_msg *m)
{
	return m->truncated || (m->returned && m->returned->truncated);
}

const char *
mime_header_nth(const struct mime_msg *m, const char *name, size_t i)
{
	size_t k;

	int c0 = tolower((unsigned char)name[0]);

	for (k = 0; k < m->nhdrs; k++)
		if (tolower((unsigned char)m->hdrs[k].name[0]) == c0 &&
		    strcasecmp(m->hdrs[k].name, name) == 0 && i-- == 0) {
			struct hdr *h = &m->hdrs[k]; /* the cache is ours */
			if (h->dec == NULL)
				h->dec = mime_decode_header_value(
				    h->raw, strlen(h->raw));
			return h->dec;
		}
	return NULL;
}

const char *
mime_header(const struct mime_msg *m, const char *name)
{
	return mime_header_nth(m, name, 0);
}

const char *
mime_header_raw(const struct mime_msg *m, const char *name)
{
	return mime_hlist_get(m->hdrs, m->nhdrs, name);
}

size_t
mime_header_count(const struct mime_msg *m, const char *name)
{
	size_t k, c = 0;

	for (k = 0; k < m->nhdrs; k++)
		if (strcasecmp(m->hdrs[k].name, name) == 0)
			c++;
	return c;
}

size_t
mime_nparts(const struct mime_msg *m)
{
	return m->nleaves;
}

const struct mime_part *
mime_part(const struct mime_msg *m, size_t i)
{
	return i < m->nleaves ? &m->leaves[i].p : NULL;
}

const char *
mime_content_type(const struct mime_msg *m)
{
	return m->ctype;
}

const char *
mime_param(const struct mime_msg *m, const char *param)
{
	size_t i;

	for (i = 0; i < m->nparams; i++)
		if (strcasecmp(m->params[i].name, param) == 0)
			return m->params[i].value;
	return NULL;
}

const char *
mime_text(const struct mime_msg *m)
{
	return m->text ? m->text : "";
}

size_t
mime_dsn_count(const struct mime_msg *m)
{
	return m->ndsns;
}

const struct mime_dsn *
mime_dsn(const struct mime_msg *m, size_t i)
{
	return i < m->ndsns ? &m->dsns[i] : NULL;
}

const struct mime_msg *
mime_returned(const struct mime_msg *m)
{
	return m->returned;
}
