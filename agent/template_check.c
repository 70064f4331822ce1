/* template_check - template_check, template_vars and the HTML-context lint
 * (see template.h) */
#include "autoconf.h"

#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"
#include "template_p.h"
#include "xalloc.h"

static void
add_msg(char ***msgs, size_t *nmsgs, char *m)
{
	*msgs = xreallocarray(*msgs, *nmsgs + 1, sizeof(**msgs));
	(*msgs)[(*nmsgs)++] = m;
}

static int
in_list(const char *s, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i] && strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

/* offers_choice: 1 if text has a line starting (after blanks) with the digit
 * d followed by '.', ')', ':' or " =". */
static int
offers_choice(const char *text, int d)
{
	const char *p = text;

	while (p && *p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '0' + d &&
		    (p[1] == '.' || p[1] == ')' || p[1] == ':' ||
		     (p[1] == ' ' && p[2] == '=')))
			return 1;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

/* check_answers: each declared answer must be a choice the body offers. */
static void
check_answers(const struct template *t, char ***msgs, size_t *nmsgs)
{
	const struct tpart *body = &t->parts[PART_TEXT];
	struct buf b;
	size_t j;
	int d;

	if (t->answers_line == 0)
		return;
	buf_init(&b);
	buf_add(&b, "", 0);
	for (j = 0; j < body->n; j++)
		buf_adds(&b, body->toks[j].is_var ? "x" : body->toks[j].s);
	for (d = 0; d <= 9; d++)
		if (t->answers[d] && !offers_choice(b.s, d))
			add_msg(msgs, nmsgs,
			        xasprintf("%s:%d: warning: Answers: %d=%s, but "
			                  "the body offers no choice \"%d.\"",
			                  t->name, t->answers_line, d,
			                  t->answers[d], d));
	buf_free(&b);
}

size_t
template_check_sender(const struct template *t, const char *const *set,
                      size_t nset, char ***msgs, size_t *nmsgs)
{
	size_t before = *nmsgs, j;
	int i;

	for (i = 0; i < NPARTS; i++)
		for (j = 0; j < t->parts[i].n; j++) {
			const struct ttok *k = &t->parts[i].toks[j];
			const char *hint;

			size_t q;
			int seen = 0;

			if (!k->is_var || k->has_fb ||
			    (hint = template_sender_hint(k->s)) == NULL ||
			    in_list(k->s, set, nset))
				continue;
			/* once per variable and line */
			for (q = 0; q < j; q++)
				if (t->parts[i].toks[q].is_var &&
				    t->parts[i].toks[q].line == k->line &&
				    strcmp(t->parts[i].toks[q].s, k->s) == 0)
					seen = 1;
			if (seen)
				continue;
			add_msg(msgs, nmsgs,
			        xasprintf("%s:%d: error: {{%s}} is not "
			                  "configured: %s",
			                  t->name, k->line, k->s, hint));
		}
	return *nmsgs - before;
}

/* ---- HTML contexts: where in the markup a variable lands */

enum html_state {
	H_TEXT,      /* character data */
	H_TAG,       /* inside a tag, outside any attribute value */
	H_ATTRNAME,  /* reading an attribute name */
	H_AFTERNAME, /* after a name, before '=' or the next attribute */
	H_BEFOREVAL, /* after '=' */
	H_VAL_DQ,    /* "value" */
	H_VAL_SQ,    /* 'value' */
	H_VAL_UQ,    /* unquoted value */
	H_COMMENT,   /* <!-- ... --> */
	H_RAW,       /* inside <script> or <style> */
};

struct html_lint {
	enum html_state st;
	char tag[16]; /* the current tag name, lower case */
	size_t taglen;
	int closing;   /* </tag> */
	char attr[32]; /* the current attribute name, lower case */
	size_t attrlen;
	int scheme;      /* the literal part of this value holds a ':' */
	char raw[8];     /* "script" or "style" while in H_RAW */
	size_t rawmatch; /* bytes of "</raw" matched so far */
	size_t dashes;   /* trailing '-' seen in a comment */
};

/* an attribute whose value is a URL: a value there picks the scheme */
static int
url_attr(const char *a)
{
	static const char *const names[] = {
	    "href",     "src",      "action",  "formaction", "background",
	    "poster",   "cite",     "data",    "srcset",     "xlink:href",
	    "longdesc", "usemap",   "ping",    "manifest",   "lowsrc",
	    "dynsrc",   "codebase", "archive", "profile",    "classid"};

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (strcmp(a, names[i]) == 0)
			return 1;
	return 0;
}

static void
html_start_tag(struct html_lint *h)
{
	h->tag[h->taglen < sizeof(h->tag) ? h->taglen : sizeof(h->tag) - 1] =
	    '\0';
	if (!h->closing &&
	    (strcmp(h->tag, "script") == 0 || strcmp(h->tag, "style") == 0)) {
		strcpy(h->raw, h->tag);
		h->rawmatch = 0;
		h->st = H_RAW;
	} else
		h->st = H_TEXT;
}

/* html_feed: advance h over len bytes of literal markup. */
static void
html_feed(struct html_lint *h, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int sp = c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		         c == '\f';

		switch (h->st) {
		case H_TEXT:
			if (c != '<')
				break;
			if (i + 3 < len && memcmp(s + i, "<!--", 4) == 0) {
				h->st = H_COMMENT;
				h->dashes = 0;
				i += 3;
				break;
			}
			h->st = H_TAG;
			h->taglen = 0;
			h->closing = 0;
			if (i + 1 < len && s[i + 1] == '/') {
				h->closing = 1;
				i++;
			}
			/* the tag name */
			while (i + 1 < len &&
			       (isalnum((unsigned char)s[i + 1]) ||
			        s[i + 1] == '-')) {
				i++;
				if (h->taglen < sizeof(h->tag) - 1)
					h->tag[h->taglen++] =
					    (char)tolower((unsigned char)s[i]);
			}
			h->tag[h->taglen] = '\0';
			break;
		case H_COMMENT:
			if (c == '>' && h->dashes >= 2)
				h->st = H_TEXT;
			h->dashes = c == '-' ? h->dashes + 1 : 0;
			break;
		case H_RAW: {
			/* wait for "</script" or "</style" */
			char want[10];
			size_t wl =
			    (size_t)snprintf(want, sizeof want, "</%s", h->raw);
			if (tolower(c) == (unsigned char)want[h->rawmatch]) {
				if (++h->rawmatch == wl) {
					h->st = H_TAG;
					h->closing = 1;
					h->tag[0] = '\0';
					h->taglen = 0;
				}
			} else
				h->rawmatch = c == '<' ? 1 : 0;
			break;
		}
		case H_TAG:
		case H_AFTERNAME:
			if (c == '>')
				html_start_tag(h);
			else if (c == '=' && h->st == H_AFTERNAME)
				h->st = H_BEFOREVAL;
			else if (!sp && c != '/') {
				h->st = H_ATTRNAME;
				h->attrlen = 0;
				h->attr[h->attrlen++] = (char)tolower(c);
				h->attr[h->attrlen] = '\0';
			}
			break;
		case H_ATTRNAME:
			if (c == '=')
				h->st = H_BEFOREVAL;
			else if (c == '>')
				html_start_tag(h);
			else if (sp)
				h->st = H_AFTERNAME;
			else if (h->attrlen < sizeof(h->attr) - 1) {
				h->attr[h->attrlen++] = (char)tolower(c);
				h->attr[h->attrlen] = '\0';
			}
			break;
		case H_BEFOREVAL:
			h->scheme = 0;
			if (c == '"')
				h->st = H_VAL_DQ;
			else if (c == '\'')
				h->st = H_VAL_SQ;
			else if (c == '>')
				html_start_tag(h);
			else if (!sp) {
				h->st = H_VAL_UQ;
				h->scheme = c == ':';
			}
			break;
		case H_VAL_DQ:
		case H_VAL_SQ:
			if (c == (h->st == H_VAL_DQ ? '"' : '\''))
				h->st = H_TAG;
			else if (c == ':')
				h->scheme = 1;
			break;
		case H_VAL_UQ:
			if (sp)
				h->st = H_TAG;
			else if (c == '>')
				html_start_tag(h);
			else if (c == ':')
				h->scheme = 1;
			break;
		}
	}
}

/* html_var: the warning for a variable at h's position, or NULL. */
static char *
html_var(const struct html_lint *h, const struct template *t,
         const struct ttok *k)
{
	const char *a = h->attr;

	switch (h->st) {
	case H_TEXT:
	case H_COMMENT:
		return NULL;
	case H_RAW:
		return xasprintf("%s:%d: warning: {{%s}} inside <%s>: HTML "
		                 "escaping does not make a value safe there; "
		                 "keep lead data out of scripts and styles",
		                 t->name, k->line, k->s, h->raw);
	case H_TAG:
	case H_ATTRNAME:
	case H_AFTERNAME:
		return xasprintf("%s:%d: warning: {{%s}} inside a tag but not "
		                 "in a quoted attribute value: a value could "
		                 "add attributes",
		                 t->name, k->line, k->s);
	case H_BEFOREVAL:
	case H_VAL_UQ:
		return xasprintf("%s:%d: warning: {{%s}} in the unquoted "
		                 "attribute %s: a value with a space could add "
		                 "attributes; quote it (%s=\"{{%s}}\")",
		                 t->name, k->line, k->s, a, a, k->s);
	case H_VAL_DQ:
	case H_VAL_SQ:
		break;
	}
	if (strncmp(a, "on", 2) == 0 || strcmp(a, "style") == 0)
		return xasprintf("%s:%d: warning: {{%s}} in the %s attribute: "
		                 "HTML escaping does not make a value safe "
		                 "there",
		                 t->name, k->line, k->s, a);
	if (url_attr(a) && !h->scheme)
		return xasprintf(
		    "%s:%d: warning: {{%s}} in %s before any "
		    "scheme: a value could be a javascript: or "
		    "data: URL; write the scheme and host "
		    "literally (%s=\"https://example.com/{{%s}}\")",
		    t->name, k->line, k->s, a, a, k->s);
	return NULL;
}

/* check_html: the warnings for variables in dangerous HTML contexts. */
static void
check_html(const struct template *t, char ***msgs, size_t *nmsgs)
{
	const struct tpart *p = &t->parts[PART_HTML];
	struct html_lint h;

	memset(&h, 0, sizeof h);
	for (size_t j = 0; j < p->n; j++) {
		const struct ttok *k = &p->toks[j];
		char *m;

		if (!k->is_var) {
			html_feed(&h, k->s, k->len);
			continue;
		}
		if ((m = html_var(&h, t, k)) != NULL)
			add_msg(msgs, nmsgs, m);
		/* what the variable puts there counts as value text (a
		 * fallback is literal and was written by the author) */
		if (h.st == H_BEFOREVAL) {
			h.st = H_VAL_UQ;
			h.scheme = 0;
		}
		if (k->has_fb)
			html_feed(&h, k->fb, k->fblen);
	}
}

size_t
template_check(const struct template *t, const char *const *extra_vars,
               size_t nextra, char ***msgs, size_t *nmsgs)
{
	size_t before = *nmsgs, j, chars = 0;
	const struct tpart *body = &t->parts[PART_TEXT];
	int i, is_x = strncmp(tp_basename_of(t->name), "x.", 2) == 0 ||
	              strcmp(tp_basename_of(t->name), "personal.email") == 0;
	int empty = 1;

	if (t->kind == TEMPLATE_KIND_VALUE)
		return 0;
	for (i = 0; i < NPARTS; i++)
		for (j = 0; j < t->parts[i].n; j++) {
			const struct ttok *k = &t->parts[i].toks[j];

			if (!k->is_var)
				continue;
			if (!k->has_fb &&
			    !in_list(k->s, template_known_vars,
			             template_nknown_vars) &&
			    !in_list(k->s, extra_vars, nextra))
				add_msg(msgs, nmsgs,
				        xasprintf("%s:%d: warning: unknown "
				                  "variable {{%s}}",
				                  t->name, k->line, k->s));
			if (!is_x && strncmp(k->s, "value.", 6) == 0)
				add_msg(
				    msgs, nmsgs,
				    xasprintf("%s:%d: warning: {{%s}} is only "
				              "set in X templates (x.*)",
				              t->name, k->line, k->s));
		}
	for (j = 0; j < body->n; j++) {
		const struct ttok *k = &body->toks[j];
		const char *s = k->is_var ? k->fb : k->s;
		size_t n = k->is_var ? k->fblen : k->len, m;

		if (k->is_var) {
			empty = 0;
			chars += 10; /* a typical value */
			continue;
		}
		for (m = 0; m < n; m++) {
			if ((s[m] & 0xc0) != 0x80)
				chars++;
			if (s[m] != ' ' && s[m] != '\t' && s[m] != '\n')
				empty = 0;
		}
	}
	check_answers(t, msgs, nmsgs);
	if (t->parts[PART_HTML].present)
		check_html(t, msgs, nmsgs);
	if (empty)
		add_msg(msgs, nmsgs,
		        xasprintf("%s:1: warning: empty body", t->name));
	else if (strcmp(strrchr(t->name, '.') ? strrchr(t->name, '.') : "",
	                ".text") == 0 &&
	         chars > 320)
		add_msg(msgs, nmsgs,
		        xasprintf("%s:1: warning: text message of about %zu "
		                  "characters; keep it under 320 (two SMS)",
		                  t->name, chars));
	return *nmsgs - before;
}

