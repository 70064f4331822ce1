/*
 * mime_compose - outgoing mail: mime_compose and mime_message_id (see
 * mime.h).  Every header value is checked before it is written.
 */
#include "autoconf.h"

#include <sys/random.h>

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "mime.h"
#include "mime_p.h"
#include "xalloc.h"

/* ---- composition ---- */

static int
fill_random(void *p, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = getrandom((char *)p + got, n - got, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

char *
mime_message_id(const char *domain, time_t now)
{
	static unsigned long counter;
	uint64_t r;
	char d[256];
	size_t i, j = 0;

	if (fill_random(&r, sizeof(r)) != 0)
		r = ((uint64_t)now << 20) ^ (uint64_t)clock();
	r ^= (uint64_t)++counter << 48;
	for (i = 0; domain && domain[i] && j < sizeof(d) - 1; i++)
		if (isalnum((unsigned char)domain[i]) || domain[i] == '.' ||
		    domain[i] == '-')
			d[j++] = domain[i];
	d[j] = '\0';
	return xasprintf("<%lld.%016llx@%s>", (long long)now,
	                 (unsigned long long)r, j ? d : "localhost");
}

/* check_value: no control characters (TAB included), valid UTF-8. */
static int
check_value(const char *field, const char *v, char **errstr)
{
	size_t i, n = strlen(v), l;

	for (i = 0; i < n; i += l) {
		unsigned char c = (unsigned char)v[i];
		if (c < 0x20 || c == 0x7f) {
			*errstr = xasprintf(
			    "mime: %s contains a control character (0x%02x): "
			    "refused (header injection?)",
			    field, c);
			return MIME_EINVAL;
		}
		if ((l = mime_utf8_len((const unsigned char *)v + i, n - i)) ==
		    0) {
			*errstr =
			    xasprintf("mime: %s is not valid UTF-8", field);
			return MIME_EINVAL;
		}
	}
	return MIME_OK;
}

/* addr_spec_ok: a plain dot-atom@domain. */
static int
addr_spec_ok(const char *a)
{
	const char *at = strchr(a, '@'), *p;
	static const char atext[] = "!#$%&'*+/=?^_`{|}~-";

	if (at == NULL || at == a || strchr(at + 1, '@') || strlen(a) > 254)
		return 0;
	for (p = a; p < at; p++)
		if (!(isalnum((unsigned char)*p) || strchr(atext, *p) ||
		      (*p == '.' && p != a && p + 1 != at && p[1] != '.')))
			return 0;
	p = at + 1;
	if (*p == '\0' || *p == '.' || *p == '-')
		return 0;
	for (; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '-' ||
		      (*p == '.' && p[1] != '.' && p[1] != '\0')))
			return 0;
	return 1;
}

static int
check_addr(const char *field, const char *a, char **errstr)
{
	if (a == NULL || !addr_spec_ok(a)) {
		*errstr = xasprintf(
		    "mime: %s is not a plain address (user@domain): refused",
		    field);
		return MIME_EINVAL;
	}
	return MIME_OK;
}

static int
check_msgids(const char *field, const char *v, int one, char **errstr)
{
	const char *p = v;
	size_t l, n = 0;

	if (check_value(field, v, errstr) != MIME_OK)
		return MIME_EINVAL;
	while (*p) {
		if (*p == ' ') {
			p++;
			continue;
		}
		if (!mime_msgid_at(p, &l) || !memchr(p, '@', l)) {
			*errstr = xasprintf(
			    "mime: %s is not a list of <id@domain> tokens",
			    field);
			return MIME_EINVAL;
		}
		p += l;
		n++;
	}
	if (n == 0 || (one && n != 1)) {
		*errstr = xasprintf("mime: %s must hold %s <id@domain>", field,
		                    one ? "exactly one" : "at least one");
		return MIME_EINVAL;
	}
	return MIME_OK;
}

static int
needs_encoding(const char *s)
{
	const char *p;
	size_t w = 0;

	if (*s == ' ' || (*s && s[strlen(s) - 1] == ' ') || strstr(s, "=?") ||
	    strstr(s, "  "))
		return 1;
	for (p = s; *p; p++) {
		if ((unsigned char)*p >= 0x80)
			return 1;
		w = (*p == ' ') ? 0 : w + 1;
		if (w > 60)
			return 1;
	}
	return 0;
}

/*
 * add_encoded: RFC 2047 words for UTF-8 s, starting at column *col, folding so
 * no line exceeds 78.  Q for mostly-ASCII text, else B.
 */
static void
add_encoded(struct buf *b, const char *s, size_t *col)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(s), i = 0, hi = 0, k;
	int useb;

	for (k = 0; k < n; k++)
		if ((unsigned char)s[k] >= 0x80)
			hi++;
	useb = hi * 3 > n;
	while (i < n) {
		/* words after the first go on a new folded line (column 1) */
		size_t c0 = i > 0 ? 1 : *col;
		size_t room = c0 + 16 < 78 ? 78 - c0 : 16, cl, wl, start = i;
		struct buf w;
		if (room > 75)
			room = 75;
		/* "=?utf-8?X?" + "?=" = 12 chars of overhead */
		buf_init(&w);
		wl = 12;
		while (i < n) {
			cl = mime_utf8_len((const unsigned char *)s + i, n - i);
			if (cl == 0)
				cl = 1;
			if (useb) {
				size_t bytes = i + cl - start;
				if (12 + 4 * ((bytes + 2) / 3) > room &&
				    i > start)
					break;
			} else {
				size_t add = 0;
				for (k = 0; k < cl; k++) {
					unsigned char c =
					    (unsigned char)s[i + k];
					add += (isalnum(c) || c == ' ' ||
					        strchr("!*+-/", c))
					           ? 1
					           : 3;
				}
				if (wl + add > room && i > start)
					break;
				wl += add;
			}
			i += cl;
		}
		buf_adds(&w, useb ? "=?utf-8?B?" : "=?utf-8?Q?");
		if (useb) {
			const unsigned char *q =
			    (const unsigned char *)s + start;
			size_t len = i - start, j;
			for (j = 0; j < len; j += 3) {
				unsigned long v = (unsigned long)q[j] << 16;
				if (j + 1 < len)
					v |= (unsigned long)q[j + 1] << 8;
				if (j + 2 < len)
					v |= q[j + 2];
				bputc(&w, b64[(v >> 18) & 63]);
				bputc(&w, b64[(v >> 12) & 63]);
				bputc(&w,
				      j + 1 < len ? b64[(v >> 6) & 63] : '=');
				bputc(&w, j + 2 < len ? b64[v & 63] : '=');
			}
		} else {
			for (k = start; k < i; k++) {
				unsigned char c = (unsigned char)s[k];
				if (c == ' ')
					bputc(&w, '_');
				else if (isalnum(c) || strchr("!*+-/", c))
					bputc(&w, (char)c);
				else
					buf_printf(&w, "=%02X", c);
			}
		}
		buf_adds(&w, "?=");
		if (start > 0) {
			buf_adds(b, "\r\n ");
			*col = 1;
		}
		buf_add(b, w.s, w.len);
		*col += w.len;
		buf_free(&w);
	}
}

/* add_folded: ASCII text folded at spaces so lines stay within 78 when
 * possible. */
static void
add_folded(struct buf *b, const char *s, size_t *col)
{
	const char *p = s;

	while (*p) {
		const char *sp = strchr(p + 1, ' ');
		size_t wl = sp ? (size_t)(sp - p) : strlen(p);
		if (*p == ' ' && *col + wl > 78 && *col > 1) {
			buf_adds(b, "\r\n");
			*col = 0;
		}
		buf_add(b, p, wl);
		*col += wl;
		p += wl;
	}
}

/* add_unstructured: "Name: value\r\n", encoded if needed. */
static void
add_unstructured(struct buf *b, const char *name, const char *v)
{
	size_t col;

	buf_printf(b, "%s: ", name);
	col = strlen(name) + 2;
	if (needs_encoding(v))
		add_encoded(b, v, &col);
	else
		add_folded(b, v, &col);
	buf_adds(b, "\r\n");
}

/* add_mailbox: "Name: display <addr>\r\n". */
static void
add_mailbox(struct buf *b, const char *field, const char *name,
            const char *addr)
{
	size_t col = strlen(field) + 2;
	const char *p;
	int plain = 1;

	buf_printf(b, "%s: ", field);
	if (name && *name) {
		if (needs_encoding(name)) {
			add_encoded(b, name, &col);
		} else {
			for (p = name; *p; p++)
				if (!(isalnum((unsigned char)*p) || *p == ' ' ||
				      strchr("!#$%&'*+-/=?^_`{|}~", *p)))
					plain = 0;
			if (plain) {
				add_folded(b, name, &col);
			} else {
				bputc(b, '"');
				for (p = name; *p; p++) {
					if (*p == '"' || *p == '\\')
						bputc(b, '\\');
					bputc(b, *p);
				}
				bputc(b, '"');
				col += strlen(name) + 2;
			}
		}
		if (col + strlen(addr) + 3 > 78)
			buf_adds(b, "\r\n");
		buf_printf(b, " <%s>\r\n", addr);
	} else {
		buf_printf(b, "%s\r\n", addr);
	}
}

/* add_list: a header whose value is space separated tokens, folded. */
static void
add_list(struct buf *b, const char *name, const char *v)
{
	size_t col = strlen(name) + 1;
	const char *p = v;

	buf_printf(b, "%s:", name);
	while (*p) {
		size_t l;
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		l = strcspn(p, " ");
		if (col + 1 + l > 78 && col > strlen(name) + 1) {
			buf_adds(b, "\r\n");
			col = 0;
		}
		bputc(b, ' ');
		buf_add(b, p, l);
		col += 1 + l;
		p += l;
	}
	buf_adds(b, "\r\n");
}

/*
 * qp_encode: quoted-printable, CRLF lines, no line over 76; a physical line
 * never starts with '.' or "From " and never ends in whitespace.
 */
static void
qp_encode(struct buf *b, const char *s)
{
	size_t n = strlen(s), i = 0, col = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		char tok[4];
		size_t tl;
		int eol;

		if (c == '\r' && i + 1 < n && s[i + 1] == '\n') {
			buf_adds(b, "\r\n");
			col = 0;
			i += 2;
			continue;
		}
		if (c == '\n') {
			buf_adds(b, "\r\n");
			col = 0;
			i++;
			continue;
		}
		eol = (i + 1 == n || s[i + 1] == '\n' ||
		       (s[i + 1] == '\r' && i + 2 < n && s[i + 2] == '\n'));
		if ((c == ' ' || c == '\t') && !eol) {
			tok[0] = (char)c;
			tl = 1;
		} else if (c > 32 && c < 127 && c != '=' &&
		           !(col == 0 && c == '.') &&
		           !(col == 0 && c == 'F' && n - i >= 5 &&
		             memcmp(s + i, "From ", 5) == 0)) {
			tok[0] = (char)c;
			tl = 1;
		} else {
			snprintf(tok, sizeof(tok), "=%02X", c);
			tl = 3;
		}
		/* soft break: leave room for '=' unless this token ends the
		 * line */
		if (col + tl > (eol ? 76 : 75)) {
			buf_adds(b, "=\r\n");
			col = 0;
			if (tl == 1 &&
			    (c == '.' || (c == 'F' && n - i >= 5 &&
			                  memcmp(s + i, "From ", 5) == 0))) {
				snprintf(tok, sizeof(tok), "=%02X", c);
				tl = 3;
			}
		}
		buf_add(b, tok, tl);
		col += tl;
		i++;
	}
}

static void
add_date(struct buf *b, time_t t, const char *tz)
{
	static const char *dn[] = {"Sun", "Mon", "Tue", "Wed",
	                           "Thu", "Fri", "Sat"};
	static const char *mn[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;
	long off;

	clock_localtime(t, tz, &tm);
	off = tm.tm_gmtoff / 60;
	buf_printf(b, "Date: %s, %d %s %d %02d:%02d:%02d %c%02ld%02ld\r\n",
	           dn[tm.tm_wday], tm.tm_mday, mn[tm.tm_mon], tm.tm_year + 1900,
	           tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
	           labs(off) / 60, labs(off) % 60);
}

/* check_extra: "Name: value" lines; returns them re-emitted (folded) into b. */
static int
add_extra(struct buf *b, const char *x, char **errstr)
{
	const char *p = x;

	while (*p) {
		size_t l = strcspn(p, "\n"), vl;
		const char *colon, *q;
		char *name, *val;
		int r;

		vl = l;
		if (vl > 0 && p[vl - 1] == '\r')
			vl--;
		if (vl == 0) {
			p += l + (p[l] ? 1 : 0);
			continue;
		}
		colon = memchr(p, ':', vl);
		for (q = p; colon && q < colon; q++)
			if ((unsigned char)*q <= 32 || (unsigned char)*q >= 127)
				break;
		if (colon == NULL || colon == p || q != colon) {
			*errstr = xstrdup("mime: extra_headers: a line is not "
			                  "\"Name: value\"");
			return MIME_EINVAL;
		}
		name = xstrndup(p, (size_t)(colon - p));
		val = mime_trimdup(colon + 1, vl - (size_t)(colon + 1 - p));
		{
			char *f = xasprintf("extra header %s", name);
			r = check_value(f, val, errstr);
			free(f);
		}
		if (r == MIME_OK)
			add_unstructured(b, name, val);
		free(name);
		free(val);
		if (r != MIME_OK)
			return r;
		p += l + (p[l] ? 1 : 0);
	}
	return MIME_OK;
}

int
mime_compose(const struct mime_out *o, char **msg, size_t *len, char **errstr)
{
	struct buf b, tp, hp;
	int r = MIME_EINVAL;
	const char *subject = o->subject ? o->subject : "";
	char bd[64];

	buf_init(&b);
	buf_init(&tp);
	buf_init(&hp);
	if (check_addr("from_addr", o->from_addr, errstr) ||
	    check_addr("to_addr", o->to_addr, errstr) ||
	    (o->from_name && check_value("from_name", o->from_name, errstr)) ||
	    (o->to_name && check_value("to_name", o->to_name, errstr)) ||
	    check_value("subject", subject, errstr) ||
	    (o->list_unsubscribe &&
	     check_value("list_unsubscribe", o->list_unsubscribe, errstr)))
		goto out;
	if (o->cc && *o->cc) {
		const char *p = o->cc;
		if (check_value("cc", o->cc, errstr))
			goto out;
		while (*p) {
			size_t l = strcspn(p, ",");
			char *a = mime_trimdup(p, l);
			int bad = check_addr("cc", a, errstr);
			free(a);
			if (bad)
				goto out;
			p += l + (p[l] ? 1 : 0);
		}
	}
	if (o->message_id == NULL) {
		*errstr = xstrdup("mime: message_id is required");
		goto out;
	}
	if (check_msgids("message_id", o->message_id, 1, errstr) ||
	    (o->in_reply_to && *o->in_reply_to &&
	     check_msgids("in_reply_to", o->in_reply_to, 0, errstr)) ||
	    (o->references && *o->references &&
	     check_msgids("references", o->references, 0, errstr)))
		goto out;
	if (o->list_unsubscribe && *o->list_unsubscribe &&
	    o->list_unsubscribe[0] != '<') {
		*errstr = xstrdup("mime: list_unsubscribe must be "
		                  "\"<mailto:...>\" (or <https:...>)");
		goto out;
	}

	add_date(&b, o->date, o->tz);
	add_mailbox(&b, "From", o->from_name, o->from_addr);
	add_mailbox(&b, "To", o->to_name, o->to_addr);
	if (o->cc && *o->cc) {
		struct buf cc;
		const char *p = o->cc;
		buf_init(&cc);
		while (*p) {
			size_t l = strcspn(p, ",");
			char *a = mime_trimdup(p, l);
			buf_printf(&cc, "%s%s", cc.len ? ", " : "", a);
			free(a);
			p += l + (p[l] ? 1 : 0);
		}
		add_list(&b, "Cc", cc.s);
		buf_free(&cc);
	}
	add_unstructured(&b, "Subject", subject);
	buf_printf(&b, "Message-ID: %s\r\n", o->message_id);
	if (o->in_reply_to && *o->in_reply_to)
		add_list(&b, "In-Reply-To", o->in_reply_to);
	if (o->references && *o->references)
		add_list(&b, "References", o->references);
	if (o->list_unsubscribe && *o->list_unsubscribe)
		add_list(&b, "List-Unsubscribe", o->list_unsubscribe);
	if (o->extra_headers &&
	    add_extra(&b, o->extra_headers, errstr) != MIME_OK)
		goto out;
	buf_adds(&b, "MIME-Version: 1.0\r\n");

	buf_adds(&tp, "");
	buf_adds(&hp, "");
	qp_encode(&tp, o->text ? o->text : "");
	if (o->html == NULL) {
		buf_adds(&b,
		         "Content-Type: text/plain; charset=utf-8\r\n"
		         "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
		buf_add(&b, tp.s, tp.len);
		if (tp.len < 2 || memcmp(tp.s + tp.len - 2, "\r\n", 2) != 0)
			buf_adds(&b, "\r\n");
	} else {
		qp_encode(&hp, o->html);
		for (;;) {
			unsigned char rnd[12];
			size_t i;
			if (fill_random(rnd, sizeof(rnd)) != 0)
				for (i = 0; i < sizeof(rnd); i++)
					rnd[i] = (unsigned char)(rand() & 0xff);
			strcpy(bd, "=_nudge_");
			for (i = 0; i < sizeof(rnd); i++)
				snprintf(bd + 8 + 2 * i, 3, "%02x", rnd[i]);
			/* "=_" cannot occur in quoted-printable, but check
			 * anyway */
			if (!memmem(tp.s, tp.len, bd, strlen(bd)) &&
			    !memmem(hp.s, hp.len, bd, strlen(bd)))
				break;
		}
		buf_printf(&b,
		           "Content-Type: multipart/alternative;\r\n "
		           "boundary=\"%s\"\r\n\r\n",
		           bd);
		buf_printf(
		    &b,
		    "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
		    bd);
		buf_add(&b, tp.s, tp.len);
		buf_printf(
		    &b,
		    "\r\n--%s\r\nContent-Type: text/html; charset=utf-8\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
		    bd);
		buf_add(&b, hp.s, hp.len);
		buf_printf(&b, "\r\n--%s--\r\n", bd);
	}
	*len = b.len;
	*msg = buf_steal(&b);
	r = MIME_OK;
out:
	buf_free(&b);
	buf_free(&tp);
	buf_free(&hp);
	return r;
}
