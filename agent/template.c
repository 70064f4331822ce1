/* template - see template.h */
#include "autoconf.h"

#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"
#include "xalloc.h"

enum { PART_SUBJECT, PART_FROM, PART_CC, PART_TEXT, PART_HTML, NPARTS };

static const char *const part_names[NPARTS] = {"Subject", "From", "Cc", "text",
                                               "html"};

/* One token: a literal run, or a variable with an optional fallback. */
struct ttok {
	const char *s; /* literal text, or the variable name (NUL-terminated) */
	size_t len;
	const char *fb; /* fallback (NUL-terminated) when has_fb */
	size_t fblen;
	int line;
	unsigned char is_var;
	unsigned char has_fb;
};

struct tpart {
	struct ttok *toks;
	size_t n, cap;
	int present;
	size_t litlen; /* sum of literal lengths: the render buffer's first
	                  guess */
};

struct template
{
	char *name;
	enum template_kind kind;
	int thread;
	const char *answers[10]; /* Answers: N=intent, static strings */
	int answers_line;
	char version[9]; /* FNV-1a of the file's text, 8 hex digits */
	struct tpart parts[NPARTS];
	/* All token strings live here; sized up front so pointers never move.
	 */
	char *arena;
	size_t arena_used, arena_cap;
};

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

static const char *
basename_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static enum template_kind
kind_of(const char *name)
{
	const char *dot = strrchr(basename_of(name), '.');

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
static int
normalize(const char *name, const char *s, size_t len, char **out,
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

/* A header key and where its value sits in the normalized text. */
struct hdr {
	const char *key;
	int required;
	const char *v;
	size_t vlen;
	int line;
	int seen;
};

static int
is_blank_line(const char *s, size_t n)
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
static int
parse_headers(const char *name, const char *s, size_t len, struct hdr *h,
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
		if (is_blank_line(s + i, llen)) {
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

static void
trim(const char **s, size_t *n)
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
				trim(&fb, &fblen);
			}
			trim(&in, &nlen);
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

	if ((rc = normalize(name, text, len, &norm, &nlen, errstr)) != 0)
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
	t->kind = kind_of(name);
	/* Every output byte comes from at most one input byte; plus NULs. */
	t->arena_cap = 2 * nlen + 16;
	t->arena = xmalloc(t->arena_cap);

	if (t->kind == TEMPLATE_KIND_EMAIL) {
		struct hdr h[] = {{"Subject", 1, NULL, 0, 0, 0},
		                  {"Thread", 0, NULL, 0, 0, 0},
		                  {"From", 0, NULL, 0, 0, 0},
		                  {"Cc", 0, NULL, 0, 0, 0},
		                  {"Answers", 0, NULL, 0, 0, 0}};

		rc = parse_headers(name, norm, nlen, h, 5, &body_off,
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
static int
read_file(const char *path, char **data, size_t *len, char **errstr)
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

	if ((rc = read_file(path, &data, &len, errstr)) != 0)
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

static void
add_html_escaped(struct buf *b, const char *s)
{
	const char *run = s;

	for (; *s; s++) {
		const char *e;

		switch (*s) {
		case '&':
			e = "&amp;";
			break;
		case '<':
			e = "&lt;";
			break;
		case '>':
			e = "&gt;";
			break;
		case '"':
			e = "&quot;";
			break;
		case '\'':
			e = "&#39;";
			break;
		default:
			continue;
		}
		buf_add(b, run, (size_t)(s - run));
		buf_adds(b, e);
		run = s + 1;
	}
	buf_add(b, run, (size_t)(s - run));
}

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
					    part_names[part]);
					buf_free(&b);
					return TEMPLATE_EINVAL;
				}
			buf_adds(&b, v);
		} else if (mode == MODE_HTML)
			add_html_escaped(&b, v);
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
	int i, is_x = strncmp(basename_of(t->name), "x.", 2) == 0 ||
	              strcmp(basename_of(t->name), "personal.email") == 0;
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

/* ---- value library */

static const char *const kind_names[] = {"article", "video", "guide",
                                         "personal"};

const char *
value_kind_name(enum value_kind k)
{
	return (unsigned)k < 4 ? kind_names[k] : "article";
}

/* split_tags: "Fly fishing, trout ,golf" -> {"fly fishing", "trout", "golf"}. */
static void
split_tags(struct value_item *it, const char *v, size_t len)
{
	size_t i = 0;

	while (i < len) {
		const char *s = v + i;
		const char *comma = memchr(s, ',', len - i);
		size_t n = comma ? (size_t)(comma - s) : len - i, q;

		i += n + 1;
		trim(&s, &n);
		if (n == 0)
			continue;
		it->tags = xreallocarray(it->tags, it->ntags + 1,
		                         sizeof(*it->tags));
		it->tags[it->ntags] = xstrndup(s, n);
		for (q = 0; q < n; q++)
			if (it->tags[it->ntags][q] >= 'A' &&
			    it->tags[it->ntags][q] <= 'Z')
				it->tags[it->ntags][q] += 'a' - 'A';
		it->ntags++;
	}
}

int
value_parse(const char *name, const char *text, size_t len,
            struct value_item *item, char **errstr)
{
	struct hdr h[] = {{"Title", 1, NULL, 0, 0, 0},
	                  {"Pitch", 0, NULL, 0, 0, 0},
	                  {"URL", 1, NULL, 0, 0, 0},
	                  {"Tags", 0, NULL, 0, 0, 0},
	                  {"Kind", 0, NULL, 0, 0, 0},
	                  {"Draft", 0, NULL, 0, 0, 0}};
	char *norm;
	const char *base, *dot;
	size_t nlen, off, blen, k;
	int line, rc, kind = VALUE_ARTICLE, draft = 0;

	memset(item, 0, sizeof(*item));
	if ((rc = normalize(name, text, len, &norm, &nlen, errstr)) != 0)
		return rc;
	rc = parse_headers(name, norm, nlen, h, 6, &off, &line, errstr);
	if (rc) {
		free(norm);
		return rc;
	}
	if (h[4].seen) {
		for (kind = -1, k = 0; k < 4; k++)
			if (h[4].vlen == strlen(kind_names[k]) &&
			    strncasecmp(h[4].v, kind_names[k], h[4].vlen) == 0)
				kind = (int)k;
		if (kind < 0) {
			*errstr = xasprintf("%s:%d: Kind must be article, "
			                    "video, guide or personal",
			                    name, h[4].line);
			free(norm);
			return TEMPLATE_ESYNTAX;
		}
	}
	if (h[5].seen) {
		if (h[5].vlen == 3 && strncasecmp(h[5].v, "yes", 3) == 0)
			draft = 1;
		else if (!(h[5].vlen == 2 && strncasecmp(h[5].v, "no", 2) == 0)) {
			*errstr = xasprintf("%s:%d: Draft must be \"yes\" or "
			                    "\"no\"",
			                    name, h[5].line);
			free(norm);
			return TEMPLATE_ESYNTAX;
		}
	}
	base = basename_of(name);
	dot = strrchr(base, '.');
	item->name = xstrndup(base, dot ? (size_t)(dot - base) : strlen(base));
	item->title = xstrndup(h[0].v, h[0].vlen);
	item->pitch = h[1].seen ? xstrndup(h[1].v, h[1].vlen) : xstrdup("");
	item->url = xstrndup(h[2].v, h[2].vlen);
	if (h[3].seen)
		split_tags(item, h[3].v, h[3].vlen);
	item->kind = (enum value_kind)kind;
	item->draft = draft;
	blen = nlen - off;
	while (blen &&
	       (norm[off + blen - 1] == '\n' || norm[off + blen - 1] == ' ' ||
	        norm[off + blen - 1] == '\t'))
		blen--;
	item->body = xstrndup(norm + off, blen);
	free(norm);
	return TEMPLATE_OK;
}

void
value_item_clear(struct value_item *it)
{
	size_t i;

	free(it->name);
	free(it->title);
	free(it->pitch);
	free(it->url);
	free(it->body);
	for (i = 0; i < it->ntags; i++)
		free(it->tags[i]);
	free(it->tags);
	memset(it, 0, sizeof(*it));
}

void
value_free(struct value_item *items, size_t n)
{
	size_t i;

	for (i = 0; items && i < n; i++)
		value_item_clear(&items[i]);
	free(items);
}

/* names_example: 1 if s mentions a host example.com/.org/.net (or a
 * subdomain of one), the documentation domains of RFC 2606. */
static int
names_example(const char *s)
{
	static const char *const doms[] = {"example.com", "example.org",
	                                   "example.net"};
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; i < 3; i++) {
		const char *p = s;
		size_t n = strlen(doms[i]);

		while ((p = strcasestr(p, doms[i])) != NULL) {
			char before = p == s ? ' ' : p[-1];
			char after = p[n];

			if ((before == ' ' || before == '/' || before == '.' ||
			     before == '@' || before == '\n' || before == '(' ||
			     before == '<') &&
			    !((after >= 'a' && after <= 'z') ||
			      (after >= 'A' && after <= 'Z') ||
			      (after >= '0' && after <= '9') || after == '-'))
				return 1;
			p += n;
		}
	}
	return 0;
}

const char *
value_blocked(const struct value_item *it)
{
	if (it->draft)
		return "it is a draft (Draft: yes): write your own piece, then "
		       "set Draft: no";
	if (names_example(it->url) || names_example(it->body) ||
	    names_example(it->pitch))
		return "it links to an example domain (example.com/.org/.net): "
		       "put your real link in Url:";
	return NULL;
}

/* word_hit: 1 if tag occurs in text at the start of a word, any case. */
static int
word_hit(const char *text, const char *tag)
{
	const char *p = text;
	size_t n = strlen(tag);

	if (text == NULL || n == 0)
		return 0;
	while ((p = strcasestr(p, tag)) != NULL) {
		unsigned char b = p == text ? ' ' : (unsigned char)p[-1];

		if (!((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
		      (b >= '0' && b <= '9') || b >= 0x80))
			return 1;
		p += n;
	}
	return 0;
}

int
value_score(const struct value_item *it, const struct value_lead *lead,
            int *interest_hit)
{
	int score = 0, ih = 0;
	size_t i;

	for (i = 0; lead && i < it->ntags; i++) {
		if (word_hit(lead->interests, it->tags[i])) {
			score += 4;
			ih = 1;
		}
		if (word_hit(lead->industry, it->tags[i]))
			score += 2;
		if (word_hit(lead->notes, it->tags[i]))
			score += 1;
	}
	if (interest_hit)
		*interest_hit = ih;
	return score;
}

static int
is_used(const char *name, const char *const *used, size_t nused)
{
	size_t j;

	for (j = 0; j < nused; j++)
		if (used[j] && strcmp(used[j], name) == 0)
			return 1;
	return 0;
}

const struct value_item *
value_pick(const struct value_item *items, size_t n, const char *const *used,
           size_t nused, const struct value_lead *lead, char **why)
{
	const struct value_item *best = NULL;
	size_t i, nused_items = 0, nblocked = 0, npersonal = 0;
	int best_score = -1;

	for (i = 0; i < n; i++) {
		int score, ih;

		if (is_used(items[i].name, used, nused)) {
			nused_items++;
			continue;
		}
		if (value_blocked(&items[i])) {
			nblocked++;
			continue;
		}
		score = value_score(&items[i], lead, &ih);
		if (items[i].kind == VALUE_PERSONAL && !ih) {
			npersonal++;
			continue;
		}
		if (score > best_score) {
			best = &items[i];
			best_score = score;
		}
	}
	if (best == NULL && why) {
		if (n == 0)
			*why = xstrdup("the value library is empty: add an "
			               "item to templates/value/");
		else
			*why = xasprintf(
			    "no value item left to send: of %zu, %zu already "
			    "sent to this lead, %zu draft or example "
			    "(see nudge template check), %zu personal "
			    "without a matching interest; add a new item to "
			    "templates/value/",
			    n, nused_items, nblocked, npersonal);
	}
	return best;
}

const struct value_item *
value_pick_personal(const struct value_item *items, size_t n,
                    const char *const *used, size_t nused,
                    const struct value_lead *lead)
{
	const struct value_item *best = NULL;
	size_t i;
	int best_score = 0;

	for (i = 0; i < n; i++)
		if (items[i].kind == VALUE_PERSONAL &&
		    is_used(items[i].name, used, nused))
			return NULL; /* one personal touch per lead */
	for (i = 0; i < n; i++) {
		int score, ih;

		if (items[i].kind != VALUE_PERSONAL ||
		    value_blocked(&items[i]))
			continue;
		score = value_score(&items[i], lead, &ih);
		if (ih && score > best_score) {
			best = &items[i];
			best_score = score;
		}
	}
	return best;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
value_load_dir(const char *dir, struct value_item **items, size_t *n,
               char **errstr)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t nn = 0, i, len, ni = 0;
	struct value_item *it = NULL;
	int rc = TEMPLATE_OK;

	if ((d = opendir(dir)) == NULL) {
		*errstr = xasprintf("%s: %s", dir, strerror(errno));
		return TEMPLATE_EIO;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 4 ||
		    strcmp(de->d_name + len - 3, ".md") != 0)
			continue;
		names = xreallocarray(names, nn + 1, sizeof(*names));
		names[nn++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (nn)
		qsort(names, nn, sizeof(*names), cmp_str);
	it = xcalloc(nn ? nn : 1, sizeof(*it));
	for (i = 0; i < nn; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]), *data;

		rc = read_file(path, &data, &len, errstr);
		if (rc == 0) {
			rc = value_parse(path, data, len, &it[ni], errstr);
			free(data);
		}
		free(path);
		if (rc)
			break;
		ni++;
	}
	for (i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	if (rc) {
		value_free(it, ni);
		return rc;
	}
	*items = it;
	*n = ni;
	return TEMPLATE_OK;
}

