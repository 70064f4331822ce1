/*
 * mime_html - HTML to plain text (mime_html_to_text, see mime.h).
 */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime.h"
#include "mime_p.h"
#include "xalloc.h"

/* ---- HTML to text ---- */

static const struct {
	const char *name;
	unsigned long cp;
} entities[] = {
    {"amp", '&'},       {"lt", '<'},       {"gt", '>'},       {"quot", '"'},
    {"apos", '\''},     {"nbsp", ' '},     {"copy", 0xA9},    {"reg", 0xAE},
    {"hellip", 0x2026}, {"mdash", 0x2014}, {"ndash", 0x2013}, {"lsquo", 0x2018},
    {"rsquo", 0x2019},  {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"euro", 0x20AC},
    {"bull", 0x2022},   {"middot", 0xB7},  {"laquo", 0xAB},   {"raquo", 0xBB},
    {"shy", 0},
};

/* is_block: tags that break lines. */
static int
is_block(const char *t)
{
	static const char *b[] = {"br",         "p",   "div", "li", "tr",
	                          "blockquote", "h1",  "h2",  "h3", "h4",
	                          "h5",         "h6",  "ul",  "ol", "table",
	                          "hr",         "pre", "dt",  "dd", NULL};
	int i;

	for (i = 0; b[i]; i++)
		if (strcmp(t, b[i]) == 0)
			return 1;
	return 0;
}

/* add_nl: append a newline, none at the start; a block tag gives at most one
 * (no blank lines), <br> at most two in a row. */
static void
add_nl(struct buf *o, int br)
{
	while (o->len > 0 && o->s[o->len - 1] == ' ')
		o->s[--o->len] = '\0';
	if (o->len == 0)
		return;
	if (!br && o->s[o->len - 1] == '\n')
		return;
	if (o->len >= 2 && o->s[o->len - 1] == '\n' && o->s[o->len - 2] == '\n')
		return;
	bputc(o, '\n');
}

char *
mime_html_to_text(const char *h, size_t n)
{
	struct buf o;
	size_t i = 0, j;
	char tag[16];

	buf_init(&o);
	buf_adds(&o, "");
	while (i < n) {
		unsigned char ch = (unsigned char)h[i];
		if (ch == '<') {
			const char *e;
			size_t k = 0;
			int closing = 0;

			if (n - i >= 4 && memcmp(h + i, "<!--", 4) == 0) {
				e = memmem(h + i + 4, n - i - 4, "-->", 3);
				i = e ? (size_t)(e - h) + 3 : n;
				continue;
			}
			j = i + 1;
			if (j < n && h[j] == '/') {
				closing = 1;
				j++;
			}
			while (j < n && k < sizeof(tag) - 1 &&
			       isalnum((unsigned char)h[j]))
				tag[k++] = (char)tolower((unsigned char)h[j++]);
			tag[k] = '\0';
			if (k == 0 &&
			    !(j < n && (h[j] == '!' || h[j] == '?'))) {
				/* a lone '<' in text */
				bputc(&o, '<');
				i++;
				continue;
			}
			/* skip to the end of the tag, honouring quoted
			 * attributes */
			{
				char q = 0;
				while (j < n && (q || h[j] != '>')) {
					if (q && h[j] == q)
						q = 0;
					else if (!q &&
					         (h[j] == '"' || h[j] == '\''))
						q = h[j];
					j++;
				}
				i = j < n ? j + 1 : n;
			}
			if (!closing &&
			    (!strcmp(tag, "script") || !strcmp(tag, "style") ||
			     !strcmp(tag, "title") || !strcmp(tag, "head"))) {
				/* drop everything up to the matching close tag
				 */
				char close[24];
				size_t cl = (size_t)snprintf(
				    close, sizeof(close), "</%s", tag);
				while (i < n) {
					if (h[i] == '<' && n - i >= cl &&
					    strncasecmp(h + i, close, cl) == 0)
						break;
					i++;
				}
				continue;
			}
			if (is_block(tag))
				add_nl(&o, strcmp(tag, "br") == 0);
			else if ((!strcmp(tag, "td") || !strcmp(tag, "th")) &&
			         !closing && o.len > 0 &&
			         o.s[o.len - 1] != '\n' &&
			         o.s[o.len - 1] != ' ')
				bputc(&o, ' ');
			continue;
		}
		if (ch == '&') {
			unsigned long cp = 0;
			size_t k;
			int ok = 0;

			j = i + 1;
			if (j < n && h[j] == '#') {
				int hex = 0, digits = 0;
				j++;
				if (j < n && (h[j] == 'x' || h[j] == 'X')) {
					hex = 1;
					j++;
				}
				while (j < n && digits < 8 &&
				       (hex ? isxdigit((unsigned char)h[j])
				            : isdigit((unsigned char)h[j]))) {
					cp = cp * (hex ? 16 : 10) +
					     (unsigned long)hexval(
					         (unsigned char)h[j]);
					j++;
					digits++;
				}
				if (digits > 0) {
					ok = 1;
					if (j < n && h[j] == ';')
						j++;
					if (cp == 0xA0)
						cp = ' ';
				}
			} else {
				for (k = 0;
				     k < sizeof(entities) / sizeof(entities[0]);
				     k++) {
					size_t l = strlen(entities[k].name);
					if (n - j >= l &&
					    memcmp(h + j, entities[k].name,
					           l) == 0 &&
					    (n - j == l || h[j + l] == ';' ||
					     !isalnum(
					         (unsigned char)h[j + l]))) {
						cp = entities[k].cp;
						j += l;
						if (j < n && h[j] == ';')
							j++;
						ok = 2;
						break;
					}
				}
			}
			if (ok) {
				if (cp == ' ') {
					if (o.len > 0 &&
					    o.s[o.len - 1] != ' ' &&
					    o.s[o.len - 1] != '\n')
						bputc(&o, ' ');
					else
						bputc(&o, ' ');
				} else if (!(ok == 2 && cp == 0)) {
					mime_put_utf8(&o, cp);
				}
				i = j;
				continue;
			}
			bputc(&o, '&');
			i++;
			continue;
		}
		if (isspace(ch)) {
			if (o.len > 0 && o.s[o.len - 1] != ' ' &&
			    o.s[o.len - 1] != '\n')
				bputc(&o, ' ');
			i++;
			continue;
		}
		/* a run of plain text */
		for (j = i + 1; j < n && h[j] != '<' && h[j] != '&' &&
		                !isspace((unsigned char)h[j]);
		     j++)
			;
		badd(&o, h + i, j - i);
		i = j;
	}
	/* trim trailing whitespace */
	while (o.len > 0 && (o.s[o.len - 1] == ' ' || o.s[o.len - 1] == '\n'))
		o.s[--o.len] = '\0';
	{
		/* a sanitised copy: valid UTF-8 */
		struct buf u;
		buf_init(&u);
		mime_add_sane_utf8(&u, o.s, o.len);
		buf_free(&o);
		if (u.s == NULL)
			buf_adds(&u, "");
		/* and no NUL or other control (raw or from &#1;) */
		mime_controls_to_space(u.s, u.len);
		return buf_steal(&u);
	}
}
