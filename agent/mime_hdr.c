/*
 * mime_hdr - RFC 5322 header blocks, Content-Type parameters, dates,
 * addresses and message ids.  See mime.h and mime_p.h.
 */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "clock.h"
#include "mime.h"
#include "mime_p.h"
#include "xalloc.h"

/* ---- headers ---- */

void
mime_hlist_free(struct hdr *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name); /* raw is in the same block */
		free(v[i].dec);
	}
	free(v);
}

const char *
mime_hlist_get(const struct hdr *v, size_t n, const char *name)
{
	size_t i;

	int c0 = tolower((unsigned char)name[0]);

	for (i = 0; i < n; i++)
		if (tolower((unsigned char)v[i].name[0]) == c0 &&
		    strcasecmp(v[i].name, name) == 0)
			return v[i].raw;
	return NULL;
}

/* mime_line_end: index just past the line starting at p (LF, CRLF or end). */
size_t
mime_line_end(const char *s, size_t n, size_t p)
{
	const char *nl = memchr(s + p, '\n', n - p);

	return nl ? (size_t)(nl - s) + 1 : n;
}

/*
 * mime_parse_headers: read the header block at s[0..n) into *out; return the
 * offset of the body.  A line that is neither a field nor a continuation ends
 * the block (so a bare body parses as a body).  A leading mbox "From " line is
 * skipped.
 */
size_t
mime_parse_headers(struct ctx *c, const char *s, size_t n, struct hlist *out)
{
	size_t p = 0, e, k, vstart;
	struct buf val;

	buf_init(&val);
	if (n >= 5 && memcmp(s, "From ", 5) == 0)
		p = mime_line_end(s, n, 0);
	while (p < n) {
		e = mime_line_end(s, n, p);
		if (s[p] == '\n' ||
		    (s[p] == '\r' && p + 1 < n && s[p + 1] == '\n')) {
			p = e; /* the blank line */
			break;
		}
		if (is_wsp((unsigned char)s[p])) {
			/* continuation without a field: ignore */
			p = e;
			continue;
		}
		for (k = p; k < e && s[k] != ':' && (unsigned char)s[k] > 32 &&
		            (unsigned char)s[k] < 127;
		     k++)
			;
		vstart = k;
		while (vstart < e && is_wsp((unsigned char)s[vstart]))
			vstart++;
		if (k == p || vstart >= e || s[vstart] != ':')
			break; /* not a header: the body starts here */
		{
			size_t nlen = k - p, nstart = p;
			struct hdr h;

			val.len = 0;
			p = vstart + 1;
			/* gather the value and its continuation lines */
			for (;;) {
				size_t le = mime_line_end(s, n, p), ve = le;
				while (ve > p &&
				       (s[ve - 1] == '\n' || s[ve - 1] == '\r'))
					ve--;
				if (val.len + (ve - p) > c->lim.max_header) {
					if (val.len < c->lim.max_header)
						buf_add(&val, s + p,
						        c->lim.max_header -
						            val.len);
					c->m->truncated = 1;
				} else {
					buf_add(&val, s + p, ve - p);
				}
				p = le;
				if (p < n && is_wsp((unsigned char)s[p]))
					continue;
				break;
			}
			if (out->n >= MIME_HEADERS_CAP) {
				c->m->truncated = 1;
				continue;
			}
			{
				/* name and raw value in one block, trimmed; a
				 * NUL is a blank (a C string cannot hold it,
				 * and cutting there would hide the rest) */
				const char *rv = val.s ? val.s : "";
				size_t rl = val.len;
				while (rl > 0 &&
				       (*rv == '\0' ||
				        isspace((unsigned char)*rv))) {
					rv++;
					rl--;
				}
				while (rl > 0 &&
				       (rv[rl - 1] == '\0' ||
				        isspace((unsigned char)rv[rl - 1])))
					rl--;
				h.name = xmalloc(nlen + 1 + rl + 1);
				memcpy(h.name, s + nstart, nlen);
				h.name[nlen] = '\0';
				h.raw = h.name + nlen + 1;
				memcpy(h.raw, rv, rl);
				h.raw[rl] = '\0';
				mime_nul_to_space(h.raw, rl);
			}
			h.dec = NULL; /* decoded when asked for */
			if (out->n == out->cap) {
				out->cap = out->cap ? out->cap * 2 : 16;
				out->v = xreallocarray(out->v, out->cap,
				                       sizeof(*out->v));
			}
			out->v[out->n++] = h;
		}
	}
	buf_free(&val);
	return p;
}

/* ---- Content-Type / Content-Disposition parameters ---- */

void
mime_plist_free(struct param *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

/*
 * mime_parse_ctype: "type/subtype; a=b; c="d"" -> *value (lowercased first
 * token) and the parameters (names lowercased, values unquoted, raw RFC 2231
 * forms kept under their starred names).
 */
void
mime_parse_ctype(const char *s, char **value, struct plist *pl)
{
	const char *p = s, *q;
	struct buf v;

	while (*p && *p != ';')
		p++;
	*value = mime_trimdup(s, (size_t)(p - s));
	mime_lower(*value);
	buf_init(&v);
	while (*p == ';' && pl->n < 64) {
		p++;
		while (isspace((unsigned char)*p) || *p == ';')
			p++;
		if (*p == '\0')
			break;
		q = p;
		while (*q && *q != '=' && *q != ';')
			q++;
		if (*q != '=') {
			p = q;
			continue;
		}
		{
			struct param pr;
			pr.name = mime_trimdup(p, (size_t)(q - p));
			mime_lower(pr.name);
			p = q + 1;
			while (isspace((unsigned char)*p))
				p++;
			v.len = 0;
			buf_adds(&v, "");
			if (*p == '"') {
				p++;
				while (*p && *p != '"') {
					if (*p == '\\' && p[1])
						p++;
					bputc(&v, *p++);
				}
				if (*p == '"')
					p++;
				while (*p && *p != ';')
					p++;
				pr.value = xstrdup(v.s);
			} else {
				q = p;
				while (*q && *q != ';')
					q++;
				pr.value = mime_trimdup(p, (size_t)(q - p));
				p = q;
			}
			if (pl->n == pl->cap) {
				pl->cap = pl->cap ? pl->cap * 2 : 8;
				pl->v = xreallocarray(pl->v, pl->cap,
				                      sizeof(*pl->v));
			}
			pl->v[pl->n++] = pr;
		}
	}
	buf_free(&v);
}

const char *
mime_plist_raw(const struct param *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return v[i].value;
	return NULL;
}

/* ---- dates ---- */

/* parse_date: a Date value as a time (0 if invalid), and *written_day the
 * civil day number of the date as written: the writer's own calendar day */
static time_t parse_date(const char *v, long *written_day);

time_t
mime_parse_date(const char *v)
{
	long d;

	return parse_date(v, &d);
}

long
mime_date_written_day(const char *v)
{
	long d = -1;

	return parse_date(v, &d) != 0 ? d : -1;
}

static time_t
parse_date(const char *v, long *written_day)
{
	static const char *months[] = {"jan", "feb", "mar", "apr",
	                               "may", "jun", "jul", "aug",
	                               "sep", "oct", "nov", "dec"};
	static const struct {
		const char *n;
		int off; /* minutes */
	} zones[] = {{"ut", 0},     {"utc", 0},    {"gmt", 0},    {"z", 0},
	             {"est", -300}, {"edt", -240}, {"cst", -360}, {"cdt", -300},
	             {"mst", -420}, {"mdt", -360}, {"pst", -480}, {"pdt", -420},
	             {"cet", 60},   {"cest", 120}, {"bst", 60},   {"met", 60},
	             {"mest", 120}, {"jst", 540},  {"ist", 330},  {"eet", 120},
	             {"eest", 180}, {"wet", 0},    {"west", 60}};
	int day = -1, mon = -1, hh = -1, mi = -1, ss = 0, depth = 0;
	long year = -1;
	int off = 0;
	char tok[32];
	size_t k, i;
	const char *p;
	long days;

	if (v == NULL)
		return 0;
	for (p = v; *p;) {
		if (*p == '(') {
			depth++;
			p++;
			continue;
		}
		if (*p == ')') {
			if (depth > 0)
				depth--;
			p++;
			continue;
		}
		if (depth > 0 || isspace((unsigned char)*p) || *p == ',') {
			p++;
			continue;
		}
		for (k = 0; *p && !isspace((unsigned char)*p) && *p != ',' &&
		            *p != '(' && k < sizeof(tok) - 1;)
			tok[k++] = *p++;
		tok[k] = '\0';
		while (*p && !isspace((unsigned char)*p) && *p != ',' &&
		       *p != '(')
			p++;
		if (strchr(tok, ':')) {
			int a = -1, b = -1, c = 0;
			if (sscanf(tok, "%d:%d:%d", &a, &b, &c) >= 2 &&
			    hh < 0) {
				hh = a;
				mi = b;
				ss = c;
			}
		} else if ((tok[0] == '+' || tok[0] == '-') &&
		           isdigit((unsigned char)tok[1])) {
			if (strlen(tok) == 5 &&
			    strspn(tok + 1, "0123456789") == 4) {
				int z = atoi(tok + 1);
				off = (z / 100) * 60 + z % 100;
				if (tok[0] == '-')
					off = -off;
			}
		} else if (isdigit((unsigned char)tok[0])) {
			int y2, m2, d2;
			if (strchr(tok, '-') &&
			    sscanf(tok, "%d-%d-%d", &y2, &m2, &d2) == 3) {
				if (y2 <= 31) { /* dd-mm-yyyy */
					int t2 = y2;
					y2 = d2;
					d2 = t2;
				}
				year = y2;
				mon = m2 - 1;
				day = d2;
			} else if (strspn(tok, "0123456789") == strlen(tok)) {
				long x = atol(tok);
				if (day < 0 &&
				    (k <= 2 || (k == 3 && tok[0] == '0')) &&
				    x >= 1 && x <= 31)
					day = (int)x;
				else if (year < 0) {
					year = x;
					if (k <= 2)
						year += year < 50 ? 2000 : 1900;
					else if (k == 3)
						year += 1900;
				}
			}
		} else if (isalpha((unsigned char)tok[0])) {
			mime_lower(tok);
			for (i = 0; i < 12; i++)
				if (strncmp(tok, months[i], 3) == 0)
					break;
			if (i < 12 && mon < 0) {
				mon = (int)i;
			} else if (i == 12) {
				for (i = 0;
				     i < sizeof(zones) / sizeof(zones[0]); i++)
					if (strcmp(tok, zones[i].n) == 0) {
						off = zones[i].off;
						break;
					}
			}
		}
	}
	if (day < 1 || day > 31 || mon < 0 || mon > 11 || year < 1970 ||
	    year > 9999 || hh < 0 || hh > 23 || mi < 0 || mi > 59 || ss < 0 ||
	    ss > 60)
		return 0;
	days = clock_day_from_civil((int)year, mon + 1, day);
	*written_day = days;
	{
		long long t = (long long)days * 86400 + hh * 3600 + mi * 60 +
		              ss - off * 60;
		if (t <= 0)
			return 0;
		return (time_t)t;
	}
}

time_t
mime_date(const struct mime_msg *m)
{
	return mime_parse_date(mime_header(m, "Date"));
}

/* ---- addresses and message ids ---- */

/* elem_end: end of the element starting at s (top-level ',' outside quotes,
 * angle brackets and comments). */
static const char *
elem_end(const char *s)
{
	int q = 0, ang = 0, par = 0;

	for (; *s; s++) {
		if (q) {
			if (*s == '\\' && s[1])
				s++;
			else if (*s == '"')
				q = 0;
			continue;
		}
		if (*s == '"')
			q = 1;
		else if (*s == '(')
			par++;
		else if (*s == ')' && par > 0)
			par--;
		else if (par == 0 && *s == '<')
			ang = 1;
		else if (par == 0 && *s == '>')
			ang = 0;
		else if (*s == '\\' && s[1])
			s++;
		else if (par == 0 && !ang && (*s == ',' || *s == ';'))
			return s;
	}
	return s;
}

static int
addr_ok(const char *a)
{
	const char *at = strrchr(a, '@');
	const char *p;

	if (at == NULL || at == a || at[1] == '\0' || strlen(a) > 320)
		return 0;
	for (p = a; *p; p++)
		if ((unsigned char)*p <= ' ' || strchr("<>()[],;\\", *p))
			if (!(*p == ' ' && a[0] == '"'))
				return 0;
	return 1;
}

/*
 * mailbox: parse one element; phrase/comment text collected as the name.
 */
static int
mailbox(const char *s, size_t n, char **addr, char **name)
{
	struct buf ph, cm, bare;
	const char *lt = NULL, *gt = NULL;
	size_t i;
	int q = 0, par = 0, ret = MIME_EINVAL;

	buf_init(&ph);
	buf_init(&cm);
	buf_init(&bare);
	buf_adds(&ph, "");
	buf_adds(&cm, "");
	buf_adds(&bare, "");
	/* group "name:" prefix */
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			q = !q;
		else if (!q && (s[i] == '<' || s[i] == '@' || s[i] == '('))
			break;
		else if (!q && s[i] == ':') {
			s += i + 1;
			n -= i + 1;
			break;
		}
	}
	q = 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (q) {
			if (c == '\\' && i + 1 < n)
				c = s[++i];
			else if (c == '"') {
				q = 0;
				continue;
			}
			if (!lt)
				bputc(&ph, c);
			bputc(&bare, c);
			continue;
		}
		if (par) {
			if (c == '(')
				par++;
			else if (c == ')') {
				if (--par == 0) {
					bputc(&cm, ' ');
					continue;
				}
			}
			bputc(&cm, c);
			continue;
		}
		if (c == '(') {
			par = 1;
			continue;
		}
		if (c == '"') {
			q = 1;
			bputc(&bare, '"');
			continue;
		}
		if (c == '<' && !lt) {
			lt = s + i + 1;
			gt = memchr(lt, '>', n - i - 1);
			if (gt == NULL)
				gt = s + n;
			i = (size_t)(gt - s);
			continue;
		}
		if (!lt)
			bputc(&ph, c);
		bputc(&bare, c);
	}
	if (lt) {
		char *a = mime_trimdup(lt, (size_t)(gt - lt));
		char *colon =
		    strrchr(a, ':'); /* obsolete source route "@a,@b:" */
		if (colon && a[0] == '@')
			memmove(a, colon + 1, strlen(colon + 1) + 1);
		mime_lower(a);
		if (!addr_ok(a)) {
			free(a);
			goto out;
		}
		*addr = a;
		if (name) {
			char *t = mime_trimdup(ph.s, ph.len);
			if (*t == '\0') {
				free(t);
				t = mime_trimdup(cm.s, cm.len);
			}
			if (*t) {
				*name = mime_decode_header_value(t, strlen(t));
				free(t);
			} else {
				free(t);
				*name = NULL;
			}
		}
		ret = MIME_OK;
	} else {
		char *a = mime_trimdup(bare.s, bare.len);
		mime_lower(a);
		if (!addr_ok(a)) {
			free(a);
			goto out;
		}
		*addr = a;
		if (name) {
			char *t = mime_trimdup(cm.s, cm.len);
			if (*t) {
				*name = mime_decode_header_value(t, strlen(t));
				free(t);
			} else {
				free(t);
				*name = NULL;
			}
		}
		ret = MIME_OK;
	}
out:
	buf_free(&ph);
	buf_free(&cm);
	buf_free(&bare);
	return ret;
}

int
mime_addr_parse(const char *value, char **addr, char **name)
{
	const char *p, *e;
	int n = 0;

	if (value == NULL)
		return MIME_EINVAL;
	for (p = value; *p && n < 1000; p = *e ? e + 1 : e, n++) {
		e = elem_end(p);
		if (mailbox(p, (size_t)(e - p), addr, name) == MIME_OK)
			return MIME_OK;
	}
	return MIME_EINVAL;
}

int
mime_msgid_at(const char *p, size_t *len)
{
	const char *e;
	size_t l;

	if (*p != '<')
		return 0;
	for (e = p + 1; *e && *e != '>' && *e != '<'; e++)
		if (isspace((unsigned char)*e) || (unsigned char)*e < 0x20)
			return 0;
	if (*e != '>')
		return 0;
	l = (size_t)(e - p) + 1;
	if (l <= 2 || l > 998)
		return 0;
	*len = l;
	return 1;
}

size_t
mime_msgids(const char *value, char ***ids)
{
	size_t total = 0, k = 0, l;
	const char *p;
	char **v;

	*ids = NULL;
	if (value == NULL)
		return 0;
	for (p = value; *p; p++)
		if (mime_msgid_at(p, &l)) {
			total++;
			p += l - 1;
		}
	if (total == 0)
		return 0;
	v = xcalloc(total < MIME_MSGIDS_MAX ? total : MIME_MSGIDS_MAX,
	            sizeof(*v));
	for (p = value, l = 0; *p; p++) {
		size_t i;
		if (!mime_msgid_at(p, &l))
			continue;
		/* keep the first and last halves: the thread root and the
		 * parent */
		i = k++;
		if (total <= MIME_MSGIDS_MAX || i < MIME_MSGIDS_MAX / 2 ||
		    i >= total - MIME_MSGIDS_MAX / 2) {
			size_t slot =
			    (total <= MIME_MSGIDS_MAX ||
			     i < MIME_MSGIDS_MAX / 2)
			        ? i
			        : MIME_MSGIDS_MAX / 2 +
			              (i - (total - MIME_MSGIDS_MAX / 2));
			v[slot] = xstrndup(p, l);
		}
		p += l - 1;
	}
	*ids = v;
	return total < MIME_MSGIDS_MAX ? total : MIME_MSGIDS_MAX;
}

void
mime_strv_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
