/* template - see template.h: parse, load and render templates (the lint is
 * template_check.c, the value library template_value.c) */
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

const char *const tp_part_names[NPARTS] = {"Subject", "From", "Cc", "text",
                                          "html"};

const char *const template_known_vars[] = {
    "email",           "name",          "first_name",
    "last_name",       "company",       "domain",
    "phone",           "tz",            "source",
    "stage",           "date",          "weekday",
    "local_time",      "mailing_address", "interests",
    "industry",        "hot",           "last_notes",
    "ask_source",      "sender.name",   "sender.first_name",
    "sender.email",    "sender.title",  "sender.phone",
    "sender.signature", "value.title",  "value.pitch",
    "value.url",       "value.body",    "value.kind",
};
const size_t template_nknown_vars =
    sizeof(template_known_vars) / sizeof(template_known_vars[0]);

const char *const template_intents[] = {
    "interested", "later", "not_fit", "stop", "referral", "unclear", NULL,
};

static const struct {
	const char *var, *hint;
} sender_hints[] = {
    {"sender.name", "set sender_name in the config, or give from a name "
                    "(\"Name <addr>\")"},
    {"sender.first_name", "set sender_name in the config, or give from a "
                          "name (\"Name <addr>\")"},
    {"sender.email", "set from in the config"},
    {"sender.title", "set sender_title in the config (nudge init --title)"},
    {"sender.phone", "set sender_phone in the config (nudge init --phone)"},
    {"sender.signature", "set signature (a file) or sender_name in the "
                         "config (nudge init --signature FILE)"},
};

const char *
template_sender_hint(const char *var)
{
	size_t i;

	for (i = 0; i < sizeof(sender_hints) / sizeof(sender_hints[0]); i++)
		if (strcmp(var, sender_hints[i].var) == 0)
			return sender_hints[i].hint;
	return NULL;
}

const char *
tp_basename_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

enum template_kind
tp_kind_of(const char *name)
{
	const char *dot = strrchr(tp_basename_of(name), '.');

	if (dot && strcmp(dot, ".email") == 0)
		return TEMPLATE_KIND_EMAIL;
	if (dot && strcmp(dot, ".md") == 0)
		return TEMPLATE_KIND_VALUE;
	return TEMPLATE_KIND_PLAIN;
}

/*
 * normalize: validate text (UTF-8, no NUL or control characters but tab and
 * line ends) and return a NUL-terminated copy with CRLF made LF and a leading
 * BOM dropped.  The first fault is reported with its line.
 */
int
tp_normalize(const char *name, const char *s, size_t len, char **out,
          size_t *outlen, char **errstr)
{
	const unsigned char *p = (const unsigned char *)s;
	char *d;
	size_t i = 0, o = 0;
	int line = 1;

	if (len > TEMPLATE_MAX_SIZE) {
		*errstr = xasprintf("%s: larger than %d bytes", name,
		                    TEMPLATE_MAX_SIZE);
		return TEMPLATE_ESYNTAX;
	}
	if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	d = xmalloc(len + 1);
	while (i < len) {
		unsigned c = p[i];
		size_t n, k;
		unsigned cp, min;

		if (c == '\n') {
			line++;
			d[o++] = '\n';
			i++;
			continue;
		}
		if (c == '\r' && i + 1 < len && p[i + 1] == '\n') {
			i++;
			continue;
		}
		if (c < 0x80) {
			if ((c < 0x20 && c != '\t') || c == 0x7f) {
				*errstr = xasprintf("%s:%d: control character "
				                    "0x%02x",
				                    name, line, c);
				free(d);
				return TEMPLATE_ESYNTAX;
			}
			d[o++] = (char)c;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1, cp = c & 0x1f, min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2, cp = c & 0x0f, min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3, cp = c & 0x07, min = 0x10000;
		} else
			goto bad;
		for (k = 1; k <= n; k++) {
			if (i + k >= len || (p[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		memcpy(d + o, p + i, n + 1);
		o += n + 1;
		i += n + 1;
	}
	d[o] = '\0';
	*out = d;
	*outlen = o;
	return TEMPLATE_OK;
bad:
	*errstr = xasprintf("%s:%d: invalid UTF-8", name, line);
	free(d);
	return TEMPLATE_ESYNTAX;
}


int
tp_is_blank_line(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

/*
 * parse_headers: the "Key: value" block at the start of s, up to the first
 * blank line.  Fills h[] (keys matched case-insensitively) and the body's
 * offset and first line.  Missing required keys are reported on line 1.
 */
int
tp_parse_headers(const char *name, const char *s, size_t len, struct hdr *h,
              size_t nh, size_t *body_off, int *body_line, char **errstr)
{
	size_t i = 0, j, k, llen;
	int line = 1;
	const char *eol;

	for (;; line++) {
		if (i >= len) {
			*errstr = xasprintf("%s:%d: header block not followed "
			                    "by a blank line and a body",
			                    name, line > 1 ? line - 1 : 1);
			return TEMPLATE_ESYNTAX;
		}
		eol = memchr(s + i, '\n', len - i);
		llen = eol ? (size_t)(eol - (s + i)) : len - i;
		if (tp_is_blank_line(s + i, llen)) {
			*body_off = eol ? i + llen + 1 : len;
			*body_line = line + 1;
			break;
		}
		if (s[i] == '#')
			goto next;
		k = 0;
		if ((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z'))
			for (k = 1; k < llen; k++) {
				char c = s[i + k];

				if (!((c >= 'A' && c <= 'Z') ||
				      (c >= 'a' && c <= 'z') ||
				      (c >= '0' && c <= '9') || c == '-'))
					break;
			}
		if (k == 0 || k >= llen || s[i + k] != ':') {
			if (line == 1)
				*errstr = xasprintf("%s:1: expected a header "
				                    "line such as \"%s: ...\"",
				                    name, h[0].key);
			else
				*errstr = xasprintf(
				    "%s:%d: expected \"Key: value\" or a "
				    "blank line ending the header block",
				    name, line);
			return TEMPLATE_ESYNTAX;
		}
		for (j = 0; j < nh; j++)
			if (strlen(h[j].key) == k &&
			    strncasecmp(h[j].key, s + i, k) == 0)
				break;
		if (j == nh) {
			*errstr =
			    xasprintf("%s:%d: unknown header key \"%.*s\"",
			              name, line, (int)k, s + i);
			return TEMPLATE_ESYNTAX;
		}
		if (h[j].seen) {
			*errstr = xasprintf("%s:%d: duplicate header \"%s\"",
			                    name, line, h[j].key);
			return TEMPLATE_ESYNTAX;
		}
		h[j].seen = 1;
		h[j].line = line;
		h[j].v = s + i + k + 1;
		h[j].vlen = llen - k - 1;
		while (h[j].vlen && (*h[j].v == ' ' || *h[j].v == '\t'))
			h[j].v++, h[j].vlen--;
		while (h[j].vlen && (h[j].v[h[j].vlen - 1] == ' ' ||
		                     h[j].v[h[j].vlen - 1] == '\t'))
			h[j].vlen--;
	next:
		i += llen + 1;
	}
	for (j = 0; j < nh; j++) {
		if (!h[j].required)
			continue;
		if (!h[j].seen) {
			*errstr = xasprintf("%s:1: missing %s header", name,
			                    h[j].key);
			return TEMPLATE_ESYNTAX;
		}
		if (h[j].vlen == 0) {
			*errstr = xasprintf("%s:%d: empty %s header", name,
			                    h[j].line, h[j].key);
			return TEMPLATE_ESYNTAX;
		}
	}
	return TEMPLATE_OK;
}

static struct ttok *
push_tok(struct tpart *p)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 8;
		p->toks = xreallocarray(p->toks, p->cap, sizeof(*p->toks));
	}
	memset(&p->toks[p->n], 0, sizeof(p->toks[0]));
	return &p->toks[p->n++];
}

/* arena_str: copy n bytes into the arena, NUL-terminated. */
static const char *
arena_str(struct template *t, const char *s, size_t n)
{
	char *d = t->arena + t->arena_used;

	memcpy(d, s, n);
	d[n] = '\0';
	t->arena_used += n + 1;
	return d;
}

void
tp_trim(const char **s, size_t *n)
{
	while (*n && (**s == ' ' || **s == '\t'))
		(*s)++, (*n)--;
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

static int
valid_var_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '.'))
			return 0;
	return 1;
}

/*
 * tokenize: split s (len bytes starting on line `line`) into literal and
 * variable tokens appended to part p.  Literal bytes accumulate in the arena
 * (escapes collapse there) and are flushed as one token before each variable.
 */
static int
tokenize(struct template *t, struct tpart *p, const char *s, size_t len,
         int line, char **errstr)
{
	size_t i = 0, j;
	char *lit = t->arena + t->arena_used;
	size_t litlen = 0;
	struct ttok *tok;

	p->present = 1;
#define FLUSH()                                                                \
	do {                                                                   \
		if (litlen) {                                                  \
			tok = push_tok(p);                                     \
			tok->s = lit;                                          \
			tok->len = litlen;                                     \
			tok->line = line;                                      \
			lit[litlen] = '\0';                                    \
			t->arena_used += litlen + 1;                           \
			p->litlen += litlen;                                   \
			litlen = 0;                                            \
		}                                                              \
		lit = t->arena + t->arena_used;                                \
	} while (0)

	while (i < len) {
		char c = s[i];

		if (c == '{' && i + 1 < len && s[i + 1] == '{') {
			const char *in, *bar, *fb = NULL;
			size_t inlen, nlen, fblen = 0;

			if (i + 3 < len && s[i + 2] == '{' && s[i + 3] == '{') {
				lit[litlen++] = '{';
				lit[litlen++] = '{';
				i += 4;
				continue;
			}
			for (j = i + 2; j < len && s[j] != '\n'; j++) {
				if (j + 1 < len && s[j] == '}' &&
				    s[j + 1] == '}')
					break;
				if (j + 1 < len && s[j] == '{' &&
				    s[j + 1] == '{')
					break;
			}
			if (j >= len || s[j] != '}') {
				*errstr = xasprintf("%s:%d: \"{{\" without "
				                    "\"}}\" on the same line",
				                    t->name, line);
				return TEMPLATE_ESYNTAX;
			}
			in = s + i + 2;
			inlen = j - (i + 2);
			bar = memchr(in, '|', inlen);
			nlen = bar ? (size_t)(bar - in) : inlen;
			if (bar) {
				fb = bar + 1;
				fblen = inlen - nlen - 1;
				tp_trim(&fb, &fblen);
			}
			tp_trim(&in, &nlen);
			if (!valid_var_name(in, nlen)) {
				*errstr =
				    xasprintf("%s:%d: bad variable name "
				              "\"%.*s\" (use a-z, 0-9, _ "
				              "and .)",
				              t->name, line, (int)nlen, in);
				return TEMPLATE_ESYNTAX;
			}
			FLUSH();
			tok = push_tok(p);
			tok->is_var = 1;
			tok->line = line;
			tok->s = arena_str(t, in, nlen);
			tok->len = nlen;
			if (bar) {
				tok->has_fb = 1;
				tok->fb = arena_str(t, fb, fblen);
				tok->fblen = fblen;
				p->litlen += fblen;
			}
			lit = t->arena + t->arena_used;
			i = j + 2;
			continue;
		}
		if (c == '}' && i + 1 < len && s[i + 1] == '}') {
			if (i + 3 < len && s[i + 2] == '}' && s[i + 3] == '}') {
				lit[litlen++] = '}';
				lit[litlen++] = '}';
				i += 4;
				continue;
			}
			*errstr = xasprintf("%s:%d: stray \"}}\" (write "
			                    "\"}}}}\" for a literal \"}}\")",
			                    t->name, line);
			return TEMPLATE_ESYNTAX;
		}
		if (c == '\n')
			line++;
		lit[litlen++] = c;
		i++;
	}
	FLUSH();
#undef FLUSH
	return TEMPLATE_OK;
}

/* find_html: offset of the "--- html ---" line in body, or -1; *after is the
 * offset of the line after it. */
static long
find_html(const char *s, size_t len, size_t *after, int *lines_before)
{
	size_t i = 0;
	int lines = 0;

	while (i < len) {
		const char *eol = memchr(s + i, '\n', len - i);
		size_t llen = eol ? (size_t)(eol - (s + i)) : len - i;
		size_t n = llen;

		while (n && (s[i + n - 1] == ' ' || s[i + n - 1] == '\t'))
			n--;
		if (n == 12 && memcmp(s + i, "--- html ---", 12) == 0) {
			*after = eol ? i + llen + 1 : len;
			*lines_before = lines;
			return (long)i;
		}
		lines++;
		i += llen + 1;
	}
	return -1;
}

/*
 * parse_answers: the value of an Answers: header, "1=interested 2=later
 * 3=stop" (blanks or commas between pairs), into t->answers.
 */
static int
parse_answers(struct template *t, const char *v, size_t len, int line,
              char **errstr)
{
	size_t i = 0, j, k;
	int any = 0;

	t->answers_line = line;
	while (i < len) {
		const char *intent = NULL;
		int num;

		if (v[i] == ' ' || v[i] == '\t' || v[i] == ',') {
			i++;
			continue;
		}
		for (j = i; j < len && v[j] != ' ' && v[j] != '\t' &&
		            v[j] != ',';
		     j++)
			;
		/* the pair is v[i..j) */
		if (j - i < 3 || v[i] < '0' || v[i] > '9' || v[i + 1] != '=')
			goto bad;
		num = v[i] - '0';
		for (k = 0; template_intents[k]; k++)
			if (strlen(template_intents[k]) == j - i - 2 &&
			    strncmp(template_intents[k], v + i + 2, j - i - 2) ==
			        0)
				intent = template_intents[k];
		if (intent == NULL) {
			*errstr = xasprintf(
			    "%s:%d: Answers: unknown intent \"%.*s\" (use "
			    "interested, later, not_fit, stop, referral or "
			    "unclear)",
			    t->name, line, (int)(j - i - 2), v + i + 2);
			return TEMPLATE_ESYNTAX;
		}
		if (t->answers[num]) {
			*errstr = xasprintf("%s:%d: Answers: %d is given twice",
			                    t->name, line, num);
			return TEMPLATE_ESYNTAX;
		}
		t->answers[num] = intent;
		any = 1;
		i = j;
		continue;
	bad:
		*errstr = xasprintf("%s:%d: Answers: \"%.*s\" is not N=INTENT "
		                    "(e.g. \"Answers: 1=interested 2=later "
		                    "3=stop\")",
		                    t->name, line, (int)(j - i), v + i);
		return TEMPLATE_ESYNTAX;
	}
	if (!any) {
		*errstr = xasprintf("%s:%d: empty Answers header", t->name,
		                    line);
		return TEMPLATE_ESYNTAX;
	}
	return TEMPLATE_OK;
}

int
template_parse(const char *name, const char *text, size_t len,
               struct template **out, char **errstr)
{
	struct template *t;
	char *norm = NULL;
	size_t nlen, body_off = 0, after;
	int body_line = 1, rc, lines_before;
	long html;

	if ((rc = tp_normalize(name, text, len, &norm, &nlen, errstr)) != 0)
		return rc;
	t = xcalloc(1, sizeof(*t));
	t->name = xstrdup(name);
	{
		/* the version a send records: the text as the user wrote it */
		unsigned h = 2166136261u;
		for (size_t i = 0; i < len; i++)
			h = (h ^ (unsigned char)text[i]) * 16777619u;
		snprintf(t->version, sizeof t->version, "%08x", h);
	}
	t->kind = tp_kind_of(name);
	/* Every output byte comes from at most one input byte; plus NULs. */
	t->arena_cap = 2 * nlen + 16;
	t->arena = xmalloc(t->arena_cap);

	if (t->kind == TEMPLATE_KIND_EMAIL) {
		struct hdr h[] = {{"Subject", 1, NULL, 0, 0, 0},
		                  {"Thread", 0, NULL, 0, 0, 0},
		                  {"From", 0, NULL, 0, 0, 0},
		                  {"Cc", 0, NULL, 0, 0, 0},
		                  {"Answers", 0, NULL, 0, 0, 0}};

		rc = tp_parse_headers(name, norm, nlen, h, 5, &body_off,
		                   &body_line, errstr);
		if (rc)
			goto fail;
		if (h[4].seen && (rc = parse_answers(t, h[4].v, h[4].vlen,
		                                     h[4].line, errstr)) != 0)
			goto fail;
		if (h[1].seen) {
			if (h[1].vlen == 3 &&
			    strncasecmp(h[1].v, "yes", 3) == 0)
				t->thread = 1;
			else if (h[1].vlen == 2 &&
			         strncasecmp(h[1].v, "no", 2) == 0)
				t->thread = 0;
			else {
				*errstr = xasprintf("%s:%d: Thread must be "
				                    "\"yes\" or \"no\"",
				                    name, h[1].line);
				rc = TEMPLATE_ESYNTAX;
				goto fail;
			}
		}
		if ((rc = tokenize(t, &t->parts[PART_SUBJECT], h[0].v,
		                   h[0].vlen, h[0].line, errstr)) != 0)
			goto fail;
		if (h[2].seen &&
		    (rc = tokenize(t, &t->parts[PART_FROM], h[2].v, h[2].vlen,
		                   h[2].line, errstr)) != 0)
			goto fail;
		if (h[3].seen) {
			/* nudge sends to the lead alone: a Cc header without
			 * the envelope would promise a copy nobody gets, and a
			 * reply or bounce from a Cc'd address would be taken
			 * for the lead's.  Refused until Cc is delivered. */
			*errstr =
			    xasprintf("%s:%d: Cc is not supported: nudge "
			              "sends each message to the lead "
			              "only, so a Cc'd person would never "
			              "get it; remove the Cc: line (add "
			              "that person as a lead instead)",
			              name, h[3].line);
			rc = TEMPLATE_ESYNTAX;
			goto fail;
		}
	} else if (t->kind == TEMPLATE_KIND_VALUE) {
		struct value_item it;

		/* Parsed for its checks; the body is not a template. */
		if ((rc = value_parse(name, norm, nlen, &it, errstr)) != 0)
			goto fail;
		value_item_clear(&it);
		t->parts[PART_TEXT].present = 1;
		goto done;
	}

	html = t->kind == TEMPLATE_KIND_EMAIL
	           ? find_html(norm + body_off, nlen - body_off, &after,
	                       &lines_before)
	           : -1;
	if (html >= 0) {
		rc = tokenize(t, &t->parts[PART_TEXT], norm + body_off,
		              (size_t)html, body_line, errstr);
		if (rc)
			goto fail;
		rc = tokenize(t, &t->parts[PART_HTML], norm + body_off + after,
		              nlen - body_off - after,
		              body_line + lines_before + 1, errstr);
	} else
		rc = tokenize(t, &t->parts[PART_TEXT], norm + body_off,
		              nlen - body_off, body_line, errstr);
	if (rc)
		goto fail;
done:
	free(norm);
	*out = t;
	return TEMPLATE_OK;
fail:
	free(norm);
	template_free(t);
	return rc;
}

/* read_file: the whole of path, malloc'd, at most TEMPLATE_MAX_SIZE + 1 bytes
 * (so the parser can refuse an oversized file). */
int
tp_read_file(const char *path, char **data, size_t *len, char **errstr)
{
	struct buf b;

	buf_init(&b);
	if (buf_read_file(&b, path, TEMPLATE_MAX_SIZE, errstr) == -1) {
		buf_free(&b);
		return TEMPLATE_EIO;
	}
	*len = b.len;
	*data = buf_steal(&b);
	return TEMPLATE_OK;
}

int
template_load(const char *path, struct template **out, char **errstr)
{
	char *data;
	size_t len;
	int rc;

	if ((rc = tp_read_file(path, &data, &len, errstr)) != 0)
		return rc;
	rc = template_parse(path, data, len, out, errstr);
	free(data);
	return rc;
}

void
template_free(struct template *t)
{
	int i;

	if (t == NULL)
		return;
	for (i = 0; i < NPARTS; i++)
		free(t->parts[i].toks);
	free(t->arena);
	free(t->name);
	free(t);
}

const char *
template_name(const struct template *t)
{
	return t->name;
}

enum template_kind
template_kind(const struct template *t)
{
	return t->kind;
}

int
template_thread(const struct template *t)
{
	return t->thread;
}

int
template_has_html(const struct template *t)
{
	return t->parts[PART_HTML].present;
}

const char *
template_version(const struct template *t)
{
	return t->version;
}

const char *
template_answer(const struct template *t, int answer)
{
	if (t == NULL || answer < 0 || answer > 9)
		return NULL;
	return t->answers[answer];
}

enum { MODE_TEXT, MODE_HEADER, MODE_HTML };

/* render_part: one pass over the tokens of p. */
static int
render_part(const struct template *t, int part, template_lookup lookup,
            void *arg, char **res, char **errstr)
{
	const struct tpart *p = &t->parts[part];
	int mode = part == PART_HTML   ? MODE_HTML
	           : part == PART_TEXT ? MODE_TEXT
	                               : MODE_HEADER;
	struct buf b;
	size_t i;

	buf_init(&b);
	buf_add(&b, "", 0);
	if (p->litlen + 16 * p->n > b.cap) {
		/* one allocation for the usual case */
		b.cap = p->litlen + 16 * p->n + 1;
		b.s = xreallocarray(b.s, b.cap, 1);
	}
	for (i = 0; i < p->n; i++) {
		const struct ttok *k = &p->toks[i];
		const char *v;

		if (!k->is_var) {
			buf_add(&b, k->s, k->len);
			continue;
		}
		v = lookup(arg, k->s);
		if (v == NULL || *v == '\0') {
			if (!k->has_fb) {
				const char *hint = template_sender_hint(k->s);

				if (hint)
					*errstr = xasprintf(
					    "%s:%d: {{%s}} is not configured: "
					    "%s",
					    t->name, k->line, k->s, hint);
				else
					*errstr = xasprintf(
					    "%s:%d: no value for {{%s}} and no "
					    "fallback",
					    t->name, k->line, k->s);
				buf_free(&b);
				return TEMPLATE_EMISSING;
			}
			buf_add(&b, k->fb, k->fblen);
			continue;
		}
		if (mode == MODE_HEADER) {
			const unsigned char *u;

			for (u = (const unsigned char *)v; *u; u++)
				if ((*u < 0x20 && *u != '\t') || *u == 0x7f) {
					*errstr = xasprintf(
					    "%s:%d: value of {{%s}} contains "
					    "a %s; refused in %s",
					    t->name, k->line, k->s,
					    *u == '\r' || *u == '\n'
					        ? "line break"
					        : "control character",
					    tp_part_names[part]);
					buf_free(&b);
					return TEMPLATE_EINVAL;
				}
			buf_adds(&b, v);
		} else if (mode == MODE_HTML)
			buf_add_html(&b, v);
		else
			buf_adds(&b, v);
	}
	*res = buf_steal(&b);
	return TEMPLATE_OK;
}

int
template_render(const struct template *t, template_lookup lookup, void *arg,
                struct template_output *out, char **errstr)
{
	char **dst[NPARTS];
	int i, rc = TEMPLATE_OK;

	memset(out, 0, sizeof(*out));
	dst[PART_SUBJECT] = &out->subject;
	dst[PART_FROM] = &out->from;
	dst[PART_CC] = &out->cc;
	dst[PART_TEXT] = &out->text;
	dst[PART_HTML] = &out->html;
	out->thread = t->thread;
	if (t->kind == TEMPLATE_KIND_VALUE) {
		*errstr =
		    xasprintf("%s: a value item is not rendered", t->name);
		return TEMPLATE_EINVAL;
	}
	for (i = 0; i < NPARTS; i++) {
		if (!t->parts[i].present)
			continue;
		if ((rc = render_part(t, i, lookup, arg, dst[i], errstr)) != 0)
			break;
	}
	if (rc)
		template_output_free(out);
	return rc;
}

void
template_output_free(struct template_output *out)
{
	free(out->subject);
	free(out->from);
	free(out->cc);
	free(out->text);
	free(out->html);
	memset(out, 0, sizeof(*out));
}

void
template_vars(const struct template *t,
              void (*cb)(void *arg, const char *var, int has_fallback,
                         int line),
              void *arg)
{
	int i;
	size_t j;

	for (i = 0; i < NPARTS; i++)
		for (j = 0; j < t->parts[i].n; j++) {
			const struct ttok *k = &t->parts[i].toks[j];

			if (k->is_var)
				cb(arg, k->s, k->has_fb, k->line);
		}
}

