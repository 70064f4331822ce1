/* classify - see classify.h */
#include "autoconf.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include <ctype.h>
#include <errno.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify.h"
#include "clock.h"
#include "log.h"
#include "mime.h"
#include "xalloc.h"

#define RE_MATCH_LIMIT 200000
#define RE_DEPTH_LIMIT 5000
#define MAX_SUBJECT_LEN (256 * 1024) /* bytes of a field a rule looks at */

/* ------------------------------------------------------------------ */
/* The regex wrapper: compile once, match returning 1/0/-1 plus a cause. */

struct re {
	pcre2_code *code;
	int jit;
	int offlimit; /* compiled with PCRE2_USE_OFFSET_LIMIT */
};

/* re_compile: 0 and *r filled, or -1 with *cause "PCRE2 message at offset N".
 */
static int
re_compile(const char *pat, size_t len, uint32_t flags, struct re *r,
           char **cause)
{
	int errcode;
	PCRE2_SIZE erroff;
	PCRE2_UCHAR msg[256];

	r->code =
	    pcre2_compile((PCRE2_SPTR)pat, len, flags | PCRE2_UTF | PCRE2_UCP,
	                  &errcode, &erroff, NULL);
	if (r->code == NULL) {
		pcre2_get_error_message(errcode, msg, sizeof msg);
		*cause =
		    xasprintf("%s at offset %zu", (char *)msg, (size_t)erroff);
		return -1;
	}
	/* JIT is an optimisation: where it is unavailable the interpreter runs.
	 * NUDGE_NO_JIT turns it off: JIT code reads ahead with vector loads that
	 * valgrind reports as invalid (tests/valgrind.sh sets it). */
	r->jit = getenv("NUDGE_NO_JIT") == NULL &&
	    pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE) == 0;
	r->offlimit = (flags & PCRE2_USE_OFFSET_LIMIT) != 0;
	return 0;
}

static void
re_free(struct re *r)
{
	if (r->code != NULL)
		pcre2_code_free(r->code);
	r->code = NULL;
}

/* subject_len: the bytes of s (len bytes) a rule looks at: at most
 * MAX_SUBJECT_LEN, cut on a character boundary. */
static size_t
subject_len(const char *s, size_t len)
{
	if (len > MAX_SUBJECT_LEN) {
		/* cut on a character boundary */
		len = MAX_SUBJECT_LEN;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	return len;
}

/*
 * re_match: 1 if r matches s (len bytes, at most MAX_SUBJECT_LEN are looked
 * at), 0 if not, -1 with *cause allocated when matching failed (match or
 * depth limit hit, or the subject is not valid UTF-8: PCRE2 checks it unless
 * opts has PCRE2_NO_UTF_CHECK, which the caller passes only for a subject
 * it has already seen PCRE2 accept).
 */
static int
re_match(const struct re *r, const char *s, size_t len, uint32_t opts,
         pcre2_match_data *md, pcre2_match_context *mc, char **cause)
{
	PCRE2_UCHAR msg[256];
	int rc;

	len = subject_len(s, len);
	rc = pcre2_match(r->code, (PCRE2_SPTR)s, len, 0, opts, md, mc);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	/* match or depth limit, or invalid UTF-8 in the subject */
	pcre2_get_error_message(rc, msg, sizeof msg);
	*cause = xasprintf("%s", (char *)msg);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Rules. */

enum field {
	F_SUBJECT,
	F_FROM,
	F_BODY,   /* the new text of the message (quotes removed) */
	F_TEXT,   /* the whole text body */
	F_BOUNCE, /* a bounce's report: status, diagnostics, explanation */
	F_HEADER  /* header:Name */
};

/*
 * Rule-only pseudo classes (see rules/classify.rules): "it is a bounce";
 * the text says the mailbox does not exist (hard or soft by status code and
 * SMTP phase); the failure answered RCPT TO, or DATA; a provider's or MTA's
 * documented reply, hard or soft whatever the status code says.
 */
#define CLS_BOUNCE CLS__COUNT
#define CLS_USER_UNKNOWN (CLS__COUNT + 1)
#define CLS_SMTP_RCPT (CLS__COUNT + 2)
#define CLS_SMTP_DATA (CLS__COUNT + 3)
#define CLS_KNOWN_HARD (CLS__COUNT + 4)
#define CLS_KNOWN_SOFT (CLS__COUNT + 5)

static const struct {
	const char *name;
	int cls;
} pseudo_classes[] = {
    {"bounce", CLS_BOUNCE},         {"user_unknown", CLS_USER_UNKNOWN},
    {"smtp_rcpt", CLS_SMTP_RCPT},   {"smtp_data", CLS_SMTP_DATA},
    {"known_hard", CLS_KNOWN_HARD}, {"known_soft", CLS_KNOWN_SOFT}};

struct rule {
	char *name;
	int cls;
	enum field field;
	char *header; /* F_HEADER */
	struct re re;
	int line;
};

struct classifier {
	struct rule *rules;
	size_t nrules;
	pcre2_match_context *mctx;
	/* the empty pattern in UTF mode: matching it is PCRE2's own UTF-8
	 * check of a subject, done once per field instead of once per rule */
	pcre2_code *utf_probe;
};

static const char *class_names[] = {"other",       "human_reply",
                                    "auto_reply",  "bounce_hard",
                                    "bounce_soft", "unsubscribe",
                                    "engagement"};
static const char *intent_names[] = {"none", "interested", "later",
                                     "not_fit", "stop", "referral",
                                     "unclear"};

const char *
classify_intent_name(int intent)
{
	if (intent < 0 || intent >= INTENT__COUNT)
		return "?";
	return intent_names[intent];
}

int
classify_intent_parse(const char *s)
{
	int i;

	if (s == NULL)
		return -1;
	for (i = 0; i < INTENT__COUNT; i++)
		if (strcmp(s, intent_names[i]) == 0)
			return i;
	return -1;
}

const char *
classify_class_name(int cls)
{
	if (cls < 0 || cls >= CLS__COUNT)
		return "?";
	return class_names[cls];
}

int
classify_class_parse(const char *s)
{
	int i;

	if (s == NULL)
		return -1;
	for (i = 0; i < CLS__COUNT; i++)
		if (strcmp(s, class_names[i]) == 0)
			return i;
	return -1;
}

size_t
classify_nrules(const struct classifier *c)
{
	return c->nrules;
}

void
classify_free(struct classifier *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nrules; i++) {
		free(c->rules[i].name);
		free(c->rules[i].header);
		re_free(&c->rules[i].re);
	}
	free(c->rules);
	if (c->mctx != NULL)
		pcre2_match_context_free(c->mctx);
	if (c->utf_probe != NULL)
		pcre2_code_free(c->utf_probe);
	free(c);
}

/* next_word: the next blank-separated word of *p, NUL-terminated in place. */
static char *
next_word(char **p)
{
	char *s = *p, *w;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return NULL;
	w = s;
	while (*s != '\0' && *s != ' ' && *s != '\t')
		s++;
	if (*s != '\0')
		*s++ = '\0';
	*p = s;
	return w;
}

/* earliest_class: a class that run_rules_earliest looks at (see the want_
 * functions: want_known, want_bounce_kind, want_phase) */
static int
earliest_class(int cls)
{
	return cls == CLS_KNOWN_HARD || cls == CLS_KNOWN_SOFT ||
	       cls == CLS_BOUNCE_HARD || cls == CLS_BOUNCE_SOFT ||
	       cls == CLS_USER_UNKNOWN || cls == CLS_SMTP_RCPT ||
	       cls == CLS_SMTP_DATA;
}

/*
 * parse_rule: one non-comment line "rule NAME CLASS FIELD /regex/flags".
 * Returns 0, or -1 with *why allocated (without the path:line prefix).
 */
static int
parse_rule(char *line, struct rule *r, char **why)
{
	char *p = line, *kw, *name, *cls, *field, *pat, *end, *f;
	uint32_t flags = 0;
	char delim, *cause = NULL;
	size_t n;

	memset(r, 0, sizeof *r);
	kw = next_word(&p);
	if (kw == NULL || strcmp(kw, "rule") != 0) {
		*why = xasprintf(
		    "expected \"rule NAME CLASS FIELD /regex/flags\"");
		return -1;
	}
	name = next_word(&p);
	cls = next_word(&p);
	field = next_word(&p);
	if (name == NULL || cls == NULL || field == NULL) {
		*why = xasprintf(
		    "expected \"rule NAME CLASS FIELD /regex/flags\"");
		return -1;
	}
	for (n = 0; name[n] != '\0'; n++)
		if (!isalnum((unsigned char)name[n]) && name[n] != '-' &&
		    name[n] != '_') {
			*why = xasprintf("bad rule name \"%s\"", name);
			return -1;
		}
	r->cls = classify_class_parse(cls);
	for (n = 0;
	     r->cls < 0 && n < sizeof pseudo_classes / sizeof pseudo_classes[0];
	     n++)
		if (strcmp(cls, pseudo_classes[n].name) == 0)
			r->cls = pseudo_classes[n].cls;
	if (r->cls < 0) {
		*why = xasprintf("unknown class \"%s\"", cls);
		return -1;
	}
	if (strcmp(field, "subject") == 0)
		r->field = F_SUBJECT;
	else if (strcmp(field, "from") == 0)
		r->field = F_FROM;
	else if (strcmp(field, "body") == 0)
		r->field = F_BODY;
	else if (strcmp(field, "text") == 0)
		r->field = F_TEXT;
	else if (strcmp(field, "bounce") == 0)
		r->field = F_BOUNCE;
	else if (strncmp(field, "header:", 7) == 0 && field[7] != '\0') {
		r->field = F_HEADER;
		r->header = xstrdup(field + 7);
	} else {
		*why = xasprintf(
		    "unknown field \"%s\" (subject, from, body, text, bounce, "
		    "header:NAME)",
		    field);
		return -1;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	delim = *p;
	if (delim == '\0' || isalnum((unsigned char)delim) || delim == '\\') {
		*why = xasprintf("expected a delimited regex, e.g. /.../i");
		goto fail;
	}
	pat = p + 1;
	end = strrchr(pat, delim);
	if (end == NULL) {
		*why = xasprintf("unterminated regex (no closing %c)", delim);
		goto fail;
	}
	for (f = end + 1; *f != '\0'; f++) {
		switch (*f) {
		case 'i':
			flags |= PCRE2_CASELESS;
			break;
		case 'm':
			flags |= PCRE2_MULTILINE;
			break;
		case 's':
			flags |= PCRE2_DOTALL;
			break;
		case 'x':
			flags |= PCRE2_EXTENDED;
			break;
		case ' ':
		case '\t':
			break;
		default:
			*why = xasprintf("unknown regex flag '%c' (i, m, s, x)",
			                 *f);
			goto fail;
		}
	}
	if (end == pat) {
		*why = xasprintf("empty regex");
		goto fail;
	}
	/* the classes run_rules_earliest looks at: later rules only need to
	 * match before the best match so far (pcre2_set_offset_limit) */
	if (earliest_class(r->cls))
		flags |= PCRE2_USE_OFFSET_LIMIT;
	if (re_compile(pat, (size_t)(end - pat), flags, &r->re, &cause) != 0) {
		*why = xasprintf("rule %s: bad regex: %s", name, cause);
		free(cause);
		goto fail;
	}
	r->name = xstrdup(name);
	return 0;
fail:
	free(r->header);
	r->header = NULL;
	return -1;
}

int
classify_load_string(const char *name, const char *text,
                     struct classifier **out, char **errstr)
{
	struct classifier *c;
	const char *p = text, *nl;
	char *line, *why = NULL, *s;
	size_t cap = 0;
	int lineno = 0, rc = CLASSIFY_OK;
	struct rule r;

	c = xcalloc(1, sizeof *c);
	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		line = xstrndup(p, (size_t)(nl - p));
		p = *nl != '\0' ? nl + 1 : nl;
		lineno++;
		if ((s = strchr(line, '\r')) != NULL && s[1] == '\0')
			*s = '\0';
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		if (*s == '\0' || *s == '#') {
			free(line);
			continue;
		}
		if (parse_rule(s, &r, &why) != 0) {
			*errstr = xasprintf("%s:%d: %s", name, lineno, why);
			free(why);
			free(line);
			rc = CLASSIFY_EINVAL;
			goto out;
		}
		free(line);
		r.line = lineno;
		if (c->nrules == cap) {
			cap = cap ? cap * 2 : 32;
			c->rules =
			    xreallocarray(c->rules, cap, sizeof *c->rules);
		}
		c->rules[c->nrules++] = r;
	}
	c->mctx = pcre2_match_context_create(NULL);
	if (c->mctx == NULL) {
		fprintf(stderr, "pcre2_match_context_create: out of memory\n");
		exit(71);
	}
	pcre2_set_match_limit(c->mctx, RE_MATCH_LIMIT);
	pcre2_set_depth_limit(c->mctx, RE_DEPTH_LIMIT);
	{
		int ec;
		PCRE2_SIZE eo;
		c->utf_probe = pcre2_compile((PCRE2_SPTR) "", 0,
		                             PCRE2_UTF | PCRE2_UCP, &ec, &eo,
		                             NULL);
		if (c->utf_probe == NULL) {
			fprintf(stderr, "pcre2_compile: out of memory\n");
			exit(71);
		}
	}
out:
	if (rc != CLASSIFY_OK)
		classify_free(c);
	else
		*out = c;
	return rc;
}

int
classify_load(const char *rules_path, struct classifier **out, char **errstr)
{
	struct buf b;
	int rc;

	buf_init(&b);
	if (buf_read_file(&b, rules_path, 4 * 1024 * 1024, errstr) == -1) {
		buf_free(&b);
		return CLASSIFY_EIO;
	}
	if (b.len > 4 * 1024 * 1024) {
		*errstr = xasprintf("%s: file too large", rules_path);
		buf_free(&b);
		return CLASSIFY_EINVAL;
	}
	if (b.len > 0 && memchr(b.s, '\0', b.len) != NULL) {
		*errstr = xasprintf("%s: contains a NUL byte", rules_path);
		buf_free(&b);
		return CLASSIFY_EINVAL;
	}
	rc = classify_load_string(rules_path, b.s ? b.s : "", out, errstr);
	buf_free(&b);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Small text helpers. */

static int
ci_prefix(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static const char *
ci_strstr(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	int c0 = tolower((unsigned char)needle[0]);

	if (n == 0)
		return hay;
	/* the first byte first: strncasecmp at every offset is slow */
	for (; *hay != '\0'; hay++)
		if (tolower((unsigned char)*hay) == c0 &&
		    strncasecmp(hay, needle, n) == 0)
			return hay;
	return NULL;
}

/* lower_utf8: a malloc'd copy with ASCII and Latin-1 capitals lowercased. */
static char *
lower_utf8(const char *s)
{
	char *r = xstrdup(s);
	unsigned char *p;

	for (p = (unsigned char *)r; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (unsigned char)(*p + 32);
		else if (*p == 0xc3 && p[1] >= 0x80 && p[1] <= 0x9e &&
		         p[1] != 0x97) {
			p[1] = (unsigned char)(p[1] + 0x20);
			p++;
		} else if (*p == 0xe2 && p[1] == 0x80 && p[2] == 0x99) {
			/* ’ -> ' (three bytes into one, padded with spaces
			 * would shift offsets; keep the length: "'  ") */
			p[0] = '\'';
			p[1] = 0x01;
			p[2] = 0x01;
			p += 2;
		}
	}
	/* drop the 0x01 padding */
	{
		char *w = r, *q;
		for (q = r; *q != '\0'; q++)
			if (*q != 0x01)
				*w++ = *q;
		*w = '\0';
	}
	return r;
}

/* one_line: a malloc'd copy of s with runs of white space made one space, at
 * most max bytes (not cutting a UTF-8 sequence). */
static char *
one_line(const char *s, size_t max)
{
	char *r = xmalloc(max + 2); /* each step adds at most 2 bytes */
	size_t len = 0;
	int sp = 0;

	for (; *s != '\0' && len < max; s++) {
		if (isspace((unsigned char)*s)) {
			sp = 1;
			continue;
		}
		if (sp && len > 0)
			r[len++] = ' ';
		sp = 0;
		r[len++] = *s;
	}
	while (len > 0 && ((unsigned char)r[len - 1] & 0xc0) == 0x80)
		len--; /* may leave a lead byte: drop it too */
	if (len > 0 && ((unsigned char)r[len - 1] & 0xc0) == 0xc0)
		len--;
	r[len] = '\0';
	return r;
}

/* ------------------------------------------------------------------ */
/* Reply text. */

static int
is_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isspace((unsigned char)s[i]) &&
		    (unsigned char)s[i] != 0xc2 && (unsigned char)s[i] != 0xa0)
			return 0;
	return 1;
}

/* line_ends_with: does the line (trailing blanks ignored) end with suffix? */
static int
line_ends_with(const char *l, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	while (n > 0 && isspace((unsigned char)l[n - 1]))
		n--;
	return n >= k && strncasecmp(l + n - k, suffix, k) == 0;
}

static int
line_has(const char *l, size_t n, const char *needle)
{
	char *t = xstrndup(l, n);
	int r = ci_strstr(t, needle) != NULL;

	free(t);
	return r;
}

/* strip leading blanks and stars (bold markers) of a line */
static const char *
skip_lead(const char *l, size_t *n)
{
	while (*n > 0 && (*l == ' ' || *l == '\t' || *l == '*')) {
		l++;
		(*n)--;
	}
	return l;
}

/* header_line: "Name: ..." for the header names mail clients quote. */
static int
header_line(const char *l, size_t n)
{
	static const char *names[] = {
	    "from:",       "von:",    "de:",      "van:",       "от:",
	    "От:",         "date:",   "datum:",   "sent:",      "gesendet:",
	    "envoyé :",    "envoyé:", "enviado:", "verzonden:", "отправлено:",
	    "Отправлено:", "to:",     "an:",      "à :",        "à:",
	    "para:",       "aan:",    "кому:",    "Кому:",      "subject:",
	    "betreff:",    "objet :", "objet:",   "asunto:",    "onderwerp:",
	    "тема:",       "Тема:",   "cc:",      "sent by:",   NULL};
	int k;
	size_t m;

	for (k = 0; names[k] != NULL; k++) {
		m = strlen(names[k]);
		if (n >= m && strncasecmp(l, names[k], m) == 0)
			return 1;
	}
	return 0;
}

/*
 * quote_header: does the line at lines[i] start the quoted history?  Looks at
 * up to three lines for the wrapped "On ...\n... wrote:" form and Outlook's
 * From:/Sent: block.
 */
static int
quote_header(const char **ls, const size_t *ln, size_t nl, size_t i)
{
	size_t n = ln[i], j;
	const char *l = skip_lead(ls[i], &n);
	static const char *seps[] = {"-----original message-----",
	                             "----- original message -----",
	                             "-------- original message --------",
	                             "--------- original message ---------",
	                             "begin forwarded message:",
	                             "-------- message d'origine --------",
	                             "----- ursprüngliche nachricht -----",
	                             "-----ursprüngliche nachricht-----",
	                             "-------- mensaje original --------",
	                             "----- oorspronkelijk bericht -----",
	                             "---- on ",
	                             "-------- forwarded message",
	                             "---------- forwarded message",
	                             NULL};
	static const char *wrote[] = {
	    "wrote:",   "schrieb:",    "a écrit :", "a écrit:",   "escribió:",
	    "schreef:", "ha scritto:", "skrev:",    "kirjoitti:", "napisał(a):",
	    "написал:", "пишет:",      NULL};
	int k;

	if (n == 0)
		return 0;
	for (k = 0; seps[k] != NULL; k++)
		if (n >= strlen(seps[k]) &&
		    strncasecmp(l, seps[k], strlen(seps[k])) == 0)
			return 1;
	/* "On <date>, <name> wrote:", possibly wrapped over up to 3 lines;
	 * localized forms start with Am/Le/El/Op/Il/Den. */
	if (ci_prefix(l, "on ") || ci_prefix(l, "am ") || ci_prefix(l, "le ") ||
	    ci_prefix(l, "el ") || ci_prefix(l, "op ") || ci_prefix(l, "il ") ||
	    ci_prefix(l, "den ") || ci_prefix(l, "em ")) {
		for (j = i; j < nl && j < i + 3; j++) {
			if (j > i && is_blank(ls[j], ln[j]))
				break;
			for (k = 0; wrote[k] != NULL; k++)
				if (line_ends_with(ls[j], ln[j], wrote[k]) ||
				    (j == i &&
				     line_has(ls[j], ln[j], wrote[k])))
					return 1;
		}
	}
	/* Outlook: "From: ..." followed by Sent:/Date:/To: within 4 lines;
	 * also localized Von:/De:/Van:. */
	if (ci_prefix(l, "from:") || ci_prefix(l, "von:") ||
	    ci_prefix(l, "de:") || ci_prefix(l, "van:") ||
	    ci_prefix(l, "от:")) {
		for (j = i + 1; j < nl && j < i + 5; j++) {
			size_t m = ln[j];
			const char *t = skip_lead(ls[j], &m);
			if (ci_prefix(t, "sent:") || ci_prefix(t, "date:") ||
			    ci_prefix(t, "gesendet:") ||
			    ci_prefix(t, "envoyé :") ||
			    ci_prefix(t, "envoyé:") ||
			    ci_prefix(t, "enviado:") ||
			    ci_prefix(t, "verzonden:") ||
			    ci_prefix(t, "datum:") || ci_prefix(t, "to:") ||
			    ci_prefix(t, "subject:"))
				return 1;
		}
	}
	/* a block of at least three mail header lines (From:/Date:/To:/
	 * Subject:..., localized) within five lines: a quoted message */
	if (header_line(l, n)) {
		int hits = 1;
		for (j = i + 1; j < nl && j < i + 5; j++) {
			size_t m = ln[j];
			const char *t = skip_lead(ls[j], &m);
			if (header_line(t, m))
				hits++;
		}
		if (hits >= 3)
			return 1;
	}
	/* "<date> <name> <addr@x> wrote:" on its own, possibly wrapped onto
	 * the next line (Android, localized clients) */
	for (j = i; j < nl && j < i + 2; j++) {
		if (j > i && is_blank(ls[j], ln[j]))
			break;
		for (k = 0; wrote[k] != NULL; k++)
			if (line_ends_with(ls[j], ln[j], wrote[k]) &&
			    line_has(ls[i], ln[i], "@") && ln[i] < 200)
				return 1;
	}
	/* Outlook's rule line followed by a From: line */
	if (n >= 20 && strspn(l, "_") >= 20 && i + 1 < nl) {
		for (j = i + 1; j < nl && j < i + 3; j++) {
			size_t m = ln[j];
			const char *t = skip_lead(ls[j], &m);
			if (ci_prefix(t, "from:") || ci_prefix(t, "von:") ||
			    ci_prefix(t, "de:"))
				return 1;
		}
	}
	/* "<date>, <name> <addr@x>:" (mail.ru, yandex and friends) */
	if (line_ends_with(l, n, ">:") && line_has(l, n, "@") && n < 200)
		return 1;
	return 0;
}

/* signature_start: does the line start a signature that is not the reply? */
static int
signature_start(const char *l, size_t n)
{
	static const char *sent[] = {"sent from my ",
	                             "sent from mail for windows",
	                             "sent from outlook",
	                             "get outlook for ",
	                             "sent with sparrow",
	                             "sent from yahoo mail",
	                             "sent via ",
	                             "envoyé de mon ",
	                             "von meinem ",
	                             "enviado desde mi ",
	                             "verzonden vanaf mijn ",
	                             "verstuurd vanaf mijn ",
	                             "sent from samsung",
	                             NULL};
	int k, words = 0;
	size_t i;

	if ((n == 3 && strncmp(l, "-- ", 3) == 0) ||
	    (n == 2 && strncmp(l, "--", 2) == 0))
		return 1;
	while (n > 0 && isspace((unsigned char)l[n - 1]))
		n--;
	for (k = 0; sent[k] != NULL; k++)
		if (n >= strlen(sent[k]) &&
		    strncasecmp(l, sent[k], strlen(sent[k])) == 0)
			break;
	if (sent[k] == NULL)
		return 0;
	/* "Sent from my desk, is much easier..." is text: a device line is
	 * short and has no sentence punctuation after it. */
	for (i = 0; i < n; i++) {
		if (l[i] == ' ')
			words++;
		if (l[i] == ',' || l[i] == ';')
			return 0;
	}
	return words <= 8;
}

/* rule_line: a separator of dashes, underscores, '=' or '*' only */
static int
rule_line(const char *l, size_t n)
{
	size_t i, marks = 0;

	for (i = 0; i < n; i++) {
		if (l[i] == '-' || l[i] == '_' || l[i] == '=' || l[i] == '*')
			marks++;
		else if (l[i] != ' ' && l[i] != '\t' && l[i] != '\r')
			return 0;
	}
	return marks >= 3;
}

static char *reply_text(const char *text, int depth);

char *
classify_reply_text(const char *text)
{
	return reply_text(text, 0);
}

static char *
reply_text(const char *text, int depth)
{
	const char **ls = NULL;
	size_t *ln = NULL, nl = 0, cap = 0, i, cut, start, end;
	const char *p = text, *e;
	struct buf b;
	int seen_text = 0;

	if (text == NULL)
		return xstrdup("");
	while (*p != '\0') {
		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		if (nl == cap) {
			cap = cap ? cap * 2 : 64;
			ls = xreallocarray(ls, cap, sizeof *ls);
			ln = xreallocarray(ln, cap, sizeof *ln);
		}
		ls[nl] = p;
		ln[nl] = (size_t)(e - p);
		if (ln[nl] > 0 && p[ln[nl] - 1] == '\r')
			ln[nl]--;
		nl++;
		p = *e != '\0' ? e + 1 : e;
	}
	cut = nl;
	for (i = 0; i < nl; i++) {
		size_t n = ln[i];
		const char *l = ls[i];

		while (n > 0 && (*l == ' ' || *l == '\t')) {
			l++;
			n--;
		}
		if (n > 0 && *l == '>') {
			/* a quoted line: history starts here (a quote
			 * before any text is skipped over: interleaved
			 * answers below it are the reply) */
			if (seen_text) {
				cut = i;
				/* a header line just above ("... wrote:"
				 * unrecognised) stays; fine */
				break;
			}
			continue;
		}
		if (quote_header(ls, ln, nl, i)) {
			cut = i;
			break;
		}
		if (signature_start(ls[i], ln[i])) {
			cut = i;
			break;
		}
		if (!is_blank(ls[i], ln[i]))
			seen_text = 1;
	}
	/* nothing before the history: the answer is below it (bottom
	 * posting).  Drop the attribution and the quoted lines, and look
	 * again at what remains. */
	if (cut < nl && depth < 4) {
		size_t k2, before = 0, blen = 0;
		for (k2 = 0; k2 < cut; k2++)
			if (!is_blank(ls[k2], ln[k2]) &&
			    !(ln[k2] > 0 && ls[k2][0] == '>')) {
				before++;
				blen += ln[k2];
			}
		/* nothing, or just a greeting ("Hi,") above a '>'-quoted
		 * history */
		int greeting = 0, quoted = 0;
		if (before == 1 && blen < 20) {
			for (k2 = 0; k2 < cut; k2++)
				if (!is_blank(ls[k2], ln[k2]))
					greeting =
					    line_ends_with(ls[k2], ln[k2], ",");
		}
		for (k2 = cut; k2 < nl && k2 < cut + 5; k2++)
			if (ln[k2] > 0 && ls[k2][0] == '>')
				quoted = 1;
		if ((before == 0 || greeting) && quoted) {
			struct buf rest;
			char *r;
			size_t j2 = cut;
			/* the attribution: up to the line ending with ':' (<=
			 * 3) */
			for (k2 = cut; k2 < nl && k2 < cut + 3; k2++)
				if (line_ends_with(ls[k2], ln[k2], ":")) {
					j2 = k2;
					break;
				}
			buf_init(&rest);
			for (k2 = j2 + 1; k2 < nl; k2++) {
				size_t n2 = ln[k2];
				const char *l2 = ls[k2];
				while (n2 > 0 && (*l2 == ' ' || *l2 == '\t')) {
					l2++;
					n2--;
				}
				if (n2 > 0 && *l2 == '>')
					continue;
				buf_add(&rest, ls[k2], ln[k2]);
				buf_addc(&rest, '\n');
			}
			if (rest.len > 0 && !is_blank(rest.s, rest.len)) {
				r = reply_text(rest.s, depth + 1);
				buf_free(&rest);
				if (before > 0 && *r != '\0') {
					/* keep the greeting */
					for (k2 = 0; k2 < cut; k2++)
						if (!is_blank(ls[k2], ln[k2]) &&
						    !(ln[k2] > 0 &&
						      ls[k2][0] == '>'))
							break;
					char *g =
					    xasprintf("%.*s\n\n%s", (int)ln[k2],
					              ls[k2], r);
					free(r);
					r = g;
				}
				free(ls);
				free(ln);
				return r;
			}
			buf_free(&rest);
		}
	}
	/* trim blank lines at both ends, and leading '>' lines */
	start = 0;
	while (start < cut && (is_blank(ls[start], ln[start]) ||
	                       (ln[start] > 0 && ls[start][0] == '>')))
		start++;
	end = cut;
	while (end > start && (is_blank(ls[end - 1], ln[end - 1]) ||
	                       rule_line(ls[end - 1], ln[end - 1])))
		end--;
	buf_init(&b);
	for (i = start; i < end; i++) {
		size_t n = ln[i];
		while (n > 0 && isspace((unsigned char)ls[i][n - 1]))
			n--;
		if (i > start)
			buf_addc(&b, '\n');
		buf_add(&b, ls[i], n);
	}
	free(ls);
	free(ln);
	return buf_steal(&b);
}

/* ------------------------------------------------------------------ */
/* Return dates. */

enum { T_BACK, T_UNTIL };

struct trigger {
	const char *s;
	int kind;
};

/* Longest first where one is a prefix of another. */
static const struct trigger triggers[] = {
    {"tot en met", T_UNTIL}, {"t/m", T_UNTIL},
    {"tot", T_UNTIL},        {"until", T_UNTIL},
    {"till", T_UNTIL},       {"through", T_UNTIL},
    {"thru", T_UNTIL},       {"bis", T_UNTIL},
    {"jusqu'au", T_UNTIL},   {"jusqu'à", T_UNTIL},
    {"jusqu'a", T_UNTIL},    {"hasta", T_UNTIL},
    {"back", T_BACK},        {"returning", T_BACK},
    {"return", T_BACK},      {"returns", T_BACK},
    {"zurück", T_BACK},      {"zurueck", T_BACK},
    {"wieder", T_BACK},      {"ab", T_BACK},
    {"de retour", T_BACK},   {"retour", T_BACK},
    {"à partir du", T_BACK}, {"a partir du", T_BACK},
    {"à partir de", T_BACK}, {"a partir del", T_BACK},
    {"a partir de", T_BACK}, {"regresaré", T_BACK},
    {"regresare", T_BACK},   {"regreso", T_BACK},
    {"regresa", T_BACK},     {"de vuelta", T_BACK},
    {"vuelvo", T_BACK},      {"volveré", T_BACK},
    {"terug", T_BACK},       {"vanaf", T_BACK},
    {"weer", T_BACK},        {NULL, 0},
};

static const char *fillers[] = {"the",
                                "on",
                                "to",
                                "in",
                                "at",
                                "of",
                                "office",
                                "work",
                                "my",
                                "desk",
                                "will",
                                "be",
                                "i",
                                "i'll",
                                "am",
                                "zum",
                                "zur",
                                "dem",
                                "den",
                                "der",
                                "einschließlich",
                                "einschliesslich",
                                "inclusive",
                                "including",
                                "incl",
                                "op",
                                "en",
                                "met",
                                "im",
                                "büro",
                                "buero",
                                "erreichbar",
                                "da",
                                "le",
                                "la",
                                "au",
                                "du",
                                "el",
                                "de",
                                "bureau",
                                "oficina",
                                "kantoor",
                                "aanwezig",
                                "weer",
                                "and",
                                "from",
                                "with",
                                "y",
                                "et",
                                "und",
                                "en",
                                "estaré",
                                "estare",
                                "je",
                                "serai",
                                "ich",
                                "bin",
                                "ik",
                                "ben",
                                "again",
                                "office,",
                                "available",
                                "vacation",
                                "holiday",
                                "leave",
                                "mon",
                                "ma",
                                "mi",
                                "il",
                                "van",
                                "vom",
                                "ab",
                                "und",
                                "is",
                                "are",
                                "el",
                                "lo",
                                "los",
                                NULL};

struct nameval {
	const char *s;
	int v;
};

static const struct nameval months[] = {
    {"january", 1},   {"february", 2},   {"march", 3},      {"april", 4},
    {"may", 5},       {"june", 6},       {"july", 7},       {"august", 8},
    {"september", 9}, {"october", 10},   {"november", 11},  {"december", 12},
    {"jan", 1},       {"feb", 2},        {"mar", 3},        {"apr", 4},
    {"jun", 6},       {"jul", 7},        {"aug", 8},        {"sep", 9},
    {"sept", 9},      {"oct", 10},       {"nov", 11},       {"dec", 12},
    {"januar", 1},    {"jänner", 1},     {"februar", 2},    {"märz", 3},
    {"maerz", 3},     {"mai", 5},        {"juni", 6},       {"juli", 7},
    {"oktober", 10},  {"okt", 10},       {"dezember", 12},  {"dez", 12},
    {"janvier", 1},   {"février", 2},    {"fevrier", 2},    {"mars", 3},
    {"avril", 4},     {"juin", 6},       {"juillet", 7},    {"août", 8},
    {"aout", 8},      {"septembre", 9},  {"octobre", 10},   {"novembre", 11},
    {"décembre", 12}, {"decembre", 12},  {"enero", 1},      {"febrero", 2},
    {"marzo", 3},     {"abril", 4},      {"mayo", 5},       {"junio", 6},
    {"julio", 7},     {"agosto", 8},     {"septiembre", 9}, {"setiembre", 9},
    {"octubre", 10},  {"noviembre", 11}, {"diciembre", 12}, {"januari", 1},
    {"februari", 2},  {"maart", 3},      {"mei", 5},        {"augustus", 8},
    {NULL, 0}};

static const struct nameval weekdays[] = {
    {"sunday", 0},   {"monday", 1},    {"tuesday", 2},   {"wednesday", 3},
    {"thursday", 4}, {"friday", 5},    {"saturday", 6},  {"sonntag", 0},
    {"montag", 1},   {"dienstag", 2},  {"mittwoch", 3},  {"donnerstag", 4},
    {"freitag", 5},  {"samstag", 6},   {"sonnabend", 6}, {"dimanche", 0},
    {"lundi", 1},    {"mardi", 2},     {"mercredi", 3},  {"jeudi", 4},
    {"vendredi", 5}, {"samedi", 6},    {"domingo", 0},   {"lunes", 1},
    {"martes", 2},   {"miércoles", 3}, {"miercoles", 3}, {"jueves", 4},
    {"viernes", 5},  {"sábado", 6},    {"sabado", 6},    {"zondag", 0},
    {"maandag", 1},  {"dinsdag", 2},   {"woensdag", 3},  {"donderdag", 4},
    {"vrijdag", 5},  {"zaterdag", 6},  {NULL, 0}};

static int
is_wordc(unsigned char c)
{
	return isalnum(c) || c >= 0x80 || c == '\'';
}

/* word_at: length of the word (letters, digits, UTF-8, ') at s. */
static size_t
word_at(const char *s)
{
	size_t n = 0;

	while (s[n] != '\0' && is_wordc((unsigned char)s[n]))
		n++;
	return n;
}

static int
lookup(const struct nameval *t, const char *w, size_t n)
{
	for (; t->s != NULL; t++)
		if (strlen(t->s) == n && strncmp(t->s, w, n) == 0)
			return t->v;
	return -1;
}

static int
is_filler(const char *w, size_t n)
{
	int k;

	for (k = 0; fillers[k] != NULL; k++)
		if (strlen(fillers[k]) == n && strncmp(fillers[k], w, n) == 0)
			return 1;
	return 0;
}

/* num_at: a 1-4 digit number at s; its value, *n its length; -1 if none. */
static int
num_at(const char *s, size_t *n)
{
	int v = 0;
	size_t i = 0;

	while (i < 5 && isdigit((unsigned char)s[i]))
		v = v * 10 + (s[i++] - '0');
	if (i == 0 || i > 4)
		return -1;
	*n = i;
	return v;
}

static const char *
skip_sp(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' ||
	       *s == ',' || *s == ':' || *s == '(')
		s++;
	return s;
}

/* skip ordinal suffixes: st nd rd th er (1er) e . */
static const char *
skip_ordinal(const char *s)
{
	if (strncmp(s, "st", 2) == 0 || strncmp(s, "nd", 2) == 0 ||
	    strncmp(s, "rd", 2) == 0 || strncmp(s, "th", 2) == 0 ||
	    strncmp(s, "er", 2) == 0) {
		if (!is_wordc((unsigned char)s[2]))
			return s + 2;
	}
	if (*s == '.')
		return s + 1;
	return s;
}

static int
valid_ymd(int y, int m, int d)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30,
	                            31, 31, 30, 31, 30, 31};

	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || y < 1970 ||
	    y > 2200)
		return 0;
	if (m == 2 && d == 29 &&
	    !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 0;
	return 1;
}

/* resolve: a day from (y or -1, m, d) given the message day; -1 if invalid. */
static int
resolve(int y, int m, int d, int msg_day)
{
	int my, mm, md, day;

	if (y >= 0 && y < 100)
		y += 2000;
	if (y < 0) {
		if (msg_day < 0)
			return -1;
		clock_civil_from_day(msg_day, &my, &mm, &md);
		y = my;
		if (!valid_ymd(y, m, d) && !valid_ymd(y + 1, m, d))
			return -1;
		if (!valid_ymd(y, m, d) ||
		    clock_day_from_civil(y, m, d) < msg_day)
			y++;
		if (!valid_ymd(y, m, d))
			return -1;
		return clock_day_from_civil(y, m, d);
	}
	if (!valid_ymd(y, m, d))
		return -1;
	day = clock_day_from_civil(y, m, d);
	if (msg_day >= 0 && (day < msg_day - 1 || day > msg_day + 400))
		return -1;
	return day;
}

/* year_at: an optional ", 2026" / " 2026" / " de 2026" after a date. */
static int
year_at(const char **sp)
{
	const char *s = *sp;
	size_t n;
	int v;

	while (*s == ' ' || *s == ',')
		s++;
	if (strncmp(s, "de ", 3) == 0)
		s += 3;
	v = num_at(s, &n);
	if (v >= 1970 && v <= 2200 && n == 4 &&
	    !is_wordc((unsigned char)s[n])) {
		*sp = s + n;
		return v;
	}
	return -1;
}

/*
 * parse_when: a date expression at s (lowercased text).  Returns the day or
 * -1; *range_end is set (>= 0) when "X-Y" or "X to Y" names a range.
 */
static int
parse_when(const char *s, int msg_day, int uk_order, int *is_until)
{
	int wday = -1, tok, v, a, b, c, m, d, y;
	size_t n, n2, n3;
	const char *t;

	for (tok = 0; tok < 8; tok++) {
		s = skip_sp(s);
		n = word_at(s);
		if (n == 0)
			goto weekday_only;
		if (isdigit((unsigned char)*s))
			break;
		if ((v = lookup(weekdays, s, n)) >= 0) {
			wday = v;
			s += n;
			continue;
		}
		if (lookup(months, s, n) >= 0)
			break;
		/* relative words */
		if ((n == 8 && strncmp(s, "tomorrow", 8) == 0) ||
		    (n == 6 && strncmp(s, "morgen", 6) == 0) ||
		    (n == 6 && strncmp(s, "demain", 6) == 0) ||
		    (n == 7 && strncmp(s, "mañana", 7) == 0))
			return msg_day < 0 ? -1
			                   : msg_day + 1 - (*is_until ? 0 : 0);
		if ((strncmp(s, "next week", 9) == 0) ||
		    (strncmp(s, "nächste woche", 14) == 0) ||
		    (strncmp(s, "naechste woche", 14) == 0) ||
		    (strncmp(s, "semaine prochaine", 17) == 0) ||
		    (strncmp(s, "próxima semana", 15) == 0) ||
		    (strncmp(s, "proxima semana", 14) == 0) ||
		    (strncmp(s, "semana que viene", 16) == 0) ||
		    (strncmp(s, "volgende week", 13) == 0) ||
		    (strncmp(s, "next monday", 11) == 0)) {
			if (msg_day < 0)
				return -1;
			*is_until = 0;
			/* Monday of the following week */
			return msg_day +
			       ((8 - clock_weekday(msg_day)) % 7 == 0
			            ? 7
			            : (8 - clock_weekday(msg_day)) % 7);
		}
		if (!is_filler(s, n))
			goto weekday_only;
		s += n;
	}
	if (tok == 8)
		goto weekday_only;
	if (isdigit((unsigned char)*s)) {
		a = num_at(s, &n);
		if (a < 0)
			goto weekday_only;
		t = s + n;
		/* ISO */
		if (n == 4 && *t == '-' && (b = num_at(t + 1, &n2)) >= 0 &&
		    t[1 + n2] == '-' && (c = num_at(t + 2 + n2, &n3)) >= 0)
			return resolve(a, b, c, msg_day);
		if ((*t == '.' || *t == '/') && (b = num_at(t + 1, &n2)) >= 0 &&
		    n <= 2 && n2 <= 2) {
			char sep = *t;
			const char *u = t + 1 + n2;
			y = -1;
			if (*u == sep && (c = num_at(u + 1, &n3)) >= 0 &&
			    (n3 == 4 || n3 == 2))
				y = c;
			if (sep == '.') {
				d = a;
				m = b;
			} else if (a > 12) {
				d = a;
				m = b;
			} else if (b > 12) {
				m = a;
				d = b;
			} else if (uk_order) {
				d = a;
				m = b;
			} else {
				m = a;
				d = b;
			}
			return resolve(y, m, d, msg_day);
		}
		/* "24 December", "24. Dezember", "24 de diciembre", "1er mars"
		 */
		if (n <= 2) {
			t = skip_ordinal(t);
			t = skip_sp(t);
			if (strncmp(t, "de ", 3) == 0)
				t += 3;
			n2 = word_at(t);
			if ((m = lookup(months, t, n2)) > 0) {
				t += n2;
				if (*t == '.')
					t++;
				y = year_at(&t);
				return resolve(y, m, a, msg_day);
			}
		}
		goto weekday_only;
	}
	/* "December 24(th)(, 2026)", also "July 10-31" */
	m = lookup(months, s, n);
	t = s + n;
	if (*t == '.')
		t++;
	while (*t == ' ')
		t++;
	d = num_at(t, &n2);
	if (d < 1 || n2 > 2)
		goto weekday_only;
	t = skip_ordinal(t + n2);
	if ((*t == '-' || strncmp(t, "–", 3) == 0) && !*is_until) {
		const char *u = t + (*t == '-' ? 1 : 3);
		while (*u == ' ')
			u++;
		if ((b = num_at(u, &n3)) >= 1 && n3 <= 2 && b >= d) {
			u += n3;
			u = skip_ordinal(u);
			y = year_at(&u);
			*is_until = 1;
			return resolve(y, m, b, msg_day);
		}
	}
	y = year_at(&t);
	return resolve(y, m, d, msg_day);
weekday_only:
	if (wday < 0 || msg_day < 0)
		return -1;
	v = (wday - clock_weekday(msg_day) + 7) % 7;
	return msg_day + (v == 0 ? 7 : v);
}

int
classify_return_day(const char *text, int msg_day, int uk_order)
{
	char *lt;
	const char *p;
	int k, day = -1, until, back = -1, first_until = -1;
	size_t tl;

	if (text == NULL)
		return -1;
	lt = lower_utf8(text);
	/* An explicit "back on X" beats "until X" wherever it is: "Away until
	 * May 5 ... returning on May 5th" means back on the 5th. */
	for (p = lt; *p != '\0' && back < 0; p++) {
		if (p > lt && is_wordc((unsigned char)p[-1]))
			continue;
		for (k = 0; triggers[k].s != NULL; k++) {
			tl = strlen(triggers[k].s);
			if (strncmp(p, triggers[k].s, tl) != 0 ||
			    is_wordc((unsigned char)p[tl]))
				continue;
			until = triggers[k].kind == T_UNTIL;
			if (until && first_until >= 0)
				continue;
			day = parse_when(p + tl, msg_day, uk_order, &until);
			if (day < 0)
				continue;
			if (until)
				first_until = day + 1;
			else
				back = day;
			break;
		}
	}
	day = back >= 0 ? back : first_until;
	/* fallback: a date range anywhere ("traveling July 10-31") */
	for (p = lt; *p != '\0' && day < 0; p++) {
		size_t n;
		if (p > lt && is_wordc((unsigned char)p[-1]))
			continue;
		n = word_at(p);
		if (n > 0 && lookup(months, p, n) > 0) {
			until = 0;
			day = parse_when(p, msg_day, uk_order, &until);
			if (day >= 0 && !until)
				day = -1;
			else if (day >= 0)
				day++;
		}
	}
	free(lt);
	return day;
}

/* ------------------------------------------------------------------ */
/* Classification. */

/* what is known of one field's text in this message */
struct fstate {
	int known;  /* len and utf are set */
	size_t len; /* strlen */
	int utf;    /* 1: PCRE2 accepted its first subject_len() bytes */
};

struct ctx {
	const struct classifier *c;
	const struct mime_msg *m;
	pcre2_match_data *md;
	pcre2_match_context *lmc; /* c->mctx plus an offset limit, on demand */
	const char *subject, *from;
	char *body; /* new text, computed on demand (body_done) */
	int body_done;
	const char *text;
	char *bounce; /* built on demand; change it with set_bounce() */
	size_t bounce_head; /* bytes of DSN Status/Diagnostic lines it starts
	                       with (where the deciding words usually are) */
	struct fstate fs[F_HEADER]; /* by enum field, F_HEADER excluded */
};

/* set_bounce: x->bounce = b, head its bounce_head (the old one is the
 * caller's) */
static void
set_bounce(struct ctx *x, char *b, size_t head)
{
	x->bounce = b;
	x->bounce_head = head;
	x->fs[F_BOUNCE].known = 0;
}

/* ctx_body: the new text of the message, computed once. */
static const char *
ctx_body(struct ctx *x)
{
	if (!x->body_done) {
		x->body = classify_reply_text(x->text);
		x->body_done = 1;
	}
	return x->body;
}

/*
 * field_get: the text rule r looks at (NULL if the message has none), with
 * *len its length and *opts the pcre2_match options to use with it:
 * PCRE2_NO_UTF_CHECK when PCRE2 already checked that text in this message
 * (the check is the same for every rule: all are compiled in UTF mode).
 */
static const char *
field_get(struct ctx *x, const struct rule *r, size_t *len, uint32_t *opts)
{
	const char *v = NULL;
	struct fstate *f;

	*opts = 0;
	switch (r->field) {
	case F_SUBJECT:
		v = x->subject;
		break;
	case F_FROM:
		v = x->from;
		break;
	case F_BODY:
		v = ctx_body(x);
		break;
	case F_TEXT:
		v = x->text;
		break;
	case F_BOUNCE:
		v = x->bounce;
		break;
	case F_HEADER:
		v = mime_header(x->m, r->header);
		if (v != NULL)
			*len = strlen(v);
		return v;
	}
	if (v == NULL)
		return NULL;
	f = &x->fs[r->field];
	if (!f->known) {
		f->len = strlen(v);
		f->utf = pcre2_match(x->c->utf_probe, (PCRE2_SPTR)v,
		                     subject_len(v, f->len), 0, 0, x->md,
		                     NULL) >= 0;
		f->known = 1;
	}
	*len = f->len;
	if (f->utf)
		*opts = PCRE2_NO_UTF_CHECK;
	return v;
}

/*
 * run_rules: the first rule in file order whose class passes want() and
 * whose field matches; its index or -1.
 */
static int
run_rules(struct ctx *x, int (*want)(int cls))
{
	size_t i, len;
	const char *v;
	char *cause = NULL;
	uint32_t opts;
	int rc;

	for (i = 0; i < x->c->nrules; i++) {
		const struct rule *r = &x->c->rules[i];
		if (!want(r->cls))
			continue;
		if ((v = field_get(x, r, &len, &opts)) == NULL)
			continue;
		rc = re_match(&r->re, v, len, opts, x->md, x->c->mctx, &cause);
		if (rc == 1) {
			if (log_debug_enabled("classify")) {
				PCRE2_SIZE *ov =
				    pcre2_get_ovector_pointer(x->md);
				log_debug("classify",
				          "rule %s matched \"%.*s\"", r->name,
				          (int)(ov[1] - ov[0] > 80
				                    ? 80
				                    : ov[1] - ov[0]),
				          v + ov[0]);
			}
			return (int)i;
		}
		if (rc < 0) {
			log_warnx("classify: rule %s (line %d): %s", r->name,
			          r->line, cause);
			free(cause);
			cause = NULL;
		}
	}
	return -1;
}

/*
 * earliest_pass: one pass of run_rules_earliest over the rules passing
 * want() that are still open (done[i] == 0), in file order, each searched
 * for a match starting at or before window (PCRE2_UNSET: anywhere) and
 * before the best match so far (*best, at *best_off; the earlier rule wins
 * a tie).  A rule is done when its search was complete (a match found is
 * the leftmost one: PCRE2 tries the start positions in order; no match
 * with the whole subject covered) or failed (logged, as an unlimited search
 * would fail the same way on its way there).
 */
static void
earliest_pass(struct ctx *x, int (*want)(int cls), size_t window,
              unsigned char *done, int *best, size_t *best_off)
{
	size_t i, len, limit;
	const char *v;
	char *cause = NULL;
	uint32_t opts;
	int rc;
	pcre2_match_context *mc;

	for (i = 0; i < x->c->nrules; i++) {
		const struct rule *r = &x->c->rules[i];
		if (done[i] || !want(r->cls))
			continue;
		if ((v = field_get(x, r, &len, &opts)) == NULL) {
			done[i] = 1;
			continue;
		}
		/* a match that starts after limit cannot win (its start, and
		 * so ov[0], would be past the best so far) */
		limit = window;
		if (*best >= 0) {
			if ((int)i > *best && *best_off == 0)
				continue; /* cannot win */
			if ((int)i > *best && *best_off - 1 < limit)
				limit = *best_off - 1;
			else if ((int)i < *best && *best_off < limit)
				limit = *best_off;
		}
		mc = x->c->mctx;
		if (limit != PCRE2_UNSET && r->re.offlimit) {
			if (x->lmc == NULL) {
				x->lmc = pcre2_match_context_copy(x->c->mctx);
				if (x->lmc == NULL) {
					fprintf(stderr, "pcre2_match_context_"
					                "copy: out of memory\n");
					exit(71);
				}
			}
			pcre2_set_offset_limit(x->lmc, limit);
			mc = x->lmc;
		} else
			limit = PCRE2_UNSET;
		rc = re_match(&r->re, v, len, opts, x->md, mc, &cause);
		if (rc == 1) {
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(x->md);
			done[i] = 1;
			if ((size_t)ov[0] < *best_off ||
			    ((size_t)ov[0] == *best_off && (int)i < *best)) {
				*best_off = ov[0];
				*best = (int)i;
				if (log_debug_enabled("classify"))
					log_debug(
					    "classify",
					    "rule %s matched at %zu \"%.*s\"",
					    r->name, (size_t)ov[0],
					    (int)(ov[1] - ov[0] > 80
					              ? 80
					              : ov[1] - ov[0]),
					    v + ov[0]);
			}
		} else if (rc < 0) {
			done[i] = 1;
			log_warnx("classify: rule %s (line %d): %s", r->name,
			          r->line, cause);
			free(cause);
			cause = NULL;
		} else if (limit == PCRE2_UNSET || limit >= subject_len(v, len))
			done[i] = 1;
	}
}

/*
 * run_rules_earliest: among the rules passing want(), the one whose match
 * starts earliest in its field (ties: file order); its index or -1.  Used
 * for bounce reports, which put the remote server's own words first.
 *
 * The same answer as matching every rule against the whole text, faster:
 * a first pass looks only for matches starting in the report's DSN Status
 * and Diagnostic-Code lines (x->bounce_head bytes: the server's own words);
 * when one is found there, no match that starts later can win.  Otherwise
 * the rules still open search the rest.  Every search stops at the best
 * match so far.
 */
static int
run_rules_earliest(struct ctx *x, int (*want)(int cls))
{
	unsigned char small[64], *done = small;
	size_t best_off = (size_t)-1, window = x->bounce_head;
	int best = -1;

	if (x->c->nrules > sizeof small)
		done = xcalloc(x->c->nrules, 1);
	else
		memset(small, 0, sizeof small);
	if (window > 0)
		earliest_pass(x, want, window, done, &best, &best_off);
	/* a later pass finds only matches starting after the window */
	if (!(best >= 0 && best_off <= window + 1))
		earliest_pass(x, want, PCRE2_UNSET, done, &best, &best_off);
	if (done != small)
		free(done);
	return best;
}

static int
want_bounce_detect(int cls)
{
	return cls == CLS_BOUNCE;
}

static int
want_bounce_kind(int cls)
{
	return cls == CLS_BOUNCE_HARD || cls == CLS_BOUNCE_SOFT ||
	       cls == CLS_USER_UNKNOWN;
}

static int
want_known(int cls)
{
	return cls == CLS_KNOWN_HARD || cls == CLS_KNOWN_SOFT;
}

static int
want_phase(int cls)
{
	return cls == CLS_SMTP_RCPT || cls == CLS_SMTP_DATA;
}

static int
want_auto(int cls)
{
	return cls == CLS_AUTO_REPLY;
}

static int
want_general(int cls)
{
	return cls == CLS_HUMAN_REPLY || cls == CLS_AUTO_REPLY ||
	       cls == CLS_UNSUBSCRIBE || cls == CLS_OTHER;
}

/* set_rule: the rule that decided is pre + name + post (name may be NULL). */
static void
set_rule(struct classification *out, const char *pre, const char *name,
    const char *post)
{
	free(out->rule);
	out->rule = xasprintf("%s%s%s", pre, name ? name : "", post);
}

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
	 * first occurrence (ci_strstr) is more than 40 bytes in.  Every mark
	 * starts with "\n", so one pass over the newlines finds them all:
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

static const struct mime_dsn *
failed_dsn(const struct mime_msg *m, int *all_ok, size_t *nrec)
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
 * run_deciding: run_rules_earliest on the bounce report; in a report on
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
		set_bounce(x, diag, strlen(diag));
		i = run_rules_earliest(x, want);
		set_bounce(x, whole, head);
		x->fs[F_BOUNCE] = fs; /* what was known of whole */
		free(diag);
		if (!fallback && d->diagnostic != NULL)
			return i;
	}
	if (i < 0)
		i = run_rules_earliest(x, want);
	return i;
}

/* smtp_phase: the smtp_rcpt or smtp_data rule that matches earliest in the
 * report (the command the failure answered), or -1 when it does not say. */
static int
smtp_phase(struct ctx *x)
{
	return run_rules_earliest(x, want_phase);
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
		set_rule(out, "rule:", name, ",rcpt");
		return;
	}
	out->cls = CLS_BOUNCE_SOFT;
	if (i >= 0)
		set_rule(out, "rule:", name, ",after-data");
	else if (st != NULL && st[0] == '5' && st[1] == '.' && st[2] != '0')
		set_rule(out, "rule:", name, ",status");
	else
		set_rule(out, "rule:", name, ",unconfirmed");
}

/* find_specific_status: the first status code of class cls ('4', '5') in
 * t that is not X.0.0, malloc'd, or NULL. */
static char *
find_specific_status(const char *t, char cls)
{
	const char *p = t;
	char *f;

	while ((f = find_status(p)) != NULL) {
		if (f[0] == cls && strcmp(f + 1, ".0.0") != 0)
			return f;
		p = strstr(p, f) + strlen(f);
		free(f);
	}
	return NULL;
}

/* decide_bounce: hard or soft, with the failed recipient and status. */
static void
decide_bounce(struct ctx *x, struct classification *out, const char *signal)
{
	int all_ok, i, sc;
	size_t nrec;
	const struct mime_dsn *d = failed_dsn(x->m, &all_ok, &nrec);
	const char *st = NULL;
	char *found = NULL, *b;
	size_t head;

	b = build_bounce(x, d, &head);
	set_bounce(x, b, head);
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
			out->diagnostic = one_line(d->diagnostic, 500);
	}
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
		out->diagnostic = one_line(x->bounce, 300);
	/* a 2.x.x status is a success report */
	if (st != NULL && st[0] == '2' && st[1] == '.') {
		out->cls = CLS_OTHER;
		set_rule(out, "", signal, ",success");
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
		set_rule(out, "", signal, ",temporary");
		goto done;
	}
	/* 1. a provider's or MTA's documented reply decides first: it means
	 * the same whatever the status code or the SMTP phase */
	if ((i = run_deciding(x, d, nrec, want_known, 0)) >= 0) {
		out->cls = x->c->rules[i].cls == CLS_KNOWN_HARD
		               ? CLS_BOUNCE_HARD
		               : CLS_BOUNCE_SOFT;
		set_rule(out, "rule:", x->c->rules[i].name, "");
		goto done;
	}
	/* 2. the text rules: the match that starts earliest wins */
	if ((i = run_deciding(x, d, nrec, want_bounce_kind, 1)) >= 0) {
		const struct rule *r = &x->c->rules[i];
		out->cls = r->cls;
		set_rule(out, "rule:", r->name, "");
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
		set_rule(out, "rule:", x->c->rules[i].name, "");
		goto done;
	}
	out->cls = sc >= 0 ? sc : CLS_BOUNCE_SOFT;
	set_rule(out, "", signal, sc >= 0 ? ",status" : ",default-soft");
done:
	free(found);
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
	return ci_strstr(from, "mailer-daemon") != NULL ||
	       ci_strstr(from, "postmaster@") != NULL ||
	       ci_strstr(from, "mailer daemon") != NULL ||
	       ci_strstr(from, "post_master@") != NULL ||
	       ci_strstr(from, "mail delivery subsystem") != NULL ||
	       ci_strstr(from, "mail delivery system") != NULL;
}

/* english: a rough test that the text is English (for n/n/yyyy order). */
static int
uk_order_for(const char *text, const char *from)
{
	char *addr = NULL;
	size_t n;
	int uk = 0, en;

	en = ci_strstr(text, " the ") != NULL ||
	     ci_strstr(text, " will ") != NULL ||
	     ci_strstr(text, "office") != NULL;
	if (!en)
		return 1;
	if (from != NULL && mime_addr_parse(from, &addr, NULL) == MIME_OK) {
		n = strlen(addr);
		uk = (n > 3 && (strcmp(addr + n - 3, ".uk") == 0 ||
		                strcmp(addr + n - 3, ".ie") == 0 ||
		                strcmp(addr + n - 3, ".au") == 0 ||
		                strcmp(addr + n - 3, ".nz") == 0 ||
		                strcmp(addr + n - 3, ".za") == 0 ||
		                strcmp(addr + n - 3, ".in") == 0));
		free(addr);
	}
	return uk;
}

/* return_day: from the subject and text, then Apple's vacation header. */
static int
return_day(struct ctx *x, const char *tz)
{
	time_t date = mime_date(x->m);
	int msg_day = date != 0 ? clock_day_of(date, tz) : -1;
	char *all;
	const char *ap, *e;
	int day;

	all =
	    xasprintf("%s\n%s", x->subject != NULL ? x->subject : "", x->text);
	day = classify_return_day(all, msg_day, uk_order_for(all, x->from));
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
	return day;
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

int
classify_message(const struct classifier *c, const struct mime_msg *m,
                 const char *tz, struct classification *out)
{
	struct ctx x;
	const char *ct = mime_content_type(m),
	           *rt = mime_param(m, "report-type"), *v;
	char *arf;
	int i;

	memset(out, 0, sizeof *out);
	out->return_day = -1;
	out->intent_day = -1;
	memset(&x, 0, sizeof x);
	x.c = c;
	x.m = m;
	x.subject = mime_header(m, "Subject");
	x.from = mime_header(m, "From");
	x.text = mime_text(m);
	if (x.text == NULL)
		x.text = "";
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
		set_rule(out, "read-receipt", NULL, "");
		goto done;
	}
	if (mime_dsn_count(m) > 0) {
		int all_ok;
		size_t nrec;
		(void)failed_dsn(m, &all_ok, &nrec);
		if (all_ok) {
			out->cls = CLS_OTHER;
			set_rule(out, "dsn-success", NULL, "");
			goto done;
		}
		decide_bounce(&x, out, "dsn");
		goto done;
	}
	if (has_part(m, "message/feedback-report"))
		goto arf;
	/* 2. bounces without a DSN */
	if (bounce_sender(x.from)) {
		decide_bounce(&x, out, "bounce-sender");
		goto done;
	}
	if ((i = run_rules(&x, want_bounce_detect)) >= 0) {
		char *sig = xasprintf("rule:%s", c->rules[i].name);
		decide_bounce(&x, out, sig);
		free(sig);
		goto done;
	}
	/* Apple Mail's one-click "Unsubscribe" sends an auto-submitted mail */
	if (hdr_is(m, "X-Apple-Unsubscribe", "true")) {
		out->cls = CLS_UNSUBSCRIBE;
		set_rule(out, "apple-unsubscribe", NULL, "");
		goto done;
	}
	/* 3. RFC 3834 and vendor auto-reply headers */
	v = NULL;
	if ((mime_header(m, "Auto-Submitted") != NULL &&
	     !hdr_is(m, "Auto-Submitted", "no") && (v = "auto-submitted")) ||
	    (mime_header(m, "X-Autoreply") != NULL && (v = "x-autoreply")) ||
	    (mime_header(m, "X-Autorespond") != NULL &&
	     (v = "x-autorespond")) ||
	    (hdr_is(m, "X-Apple-Action", "vacation") &&
	     (v = "apple-vacation")) ||
	    (hdr_is(m, "X-Mailer", "vacation") && (v = "vacation"))) {
		out->cls = CLS_AUTO_REPLY;
		set_rule(out, v, NULL, "");
		/* an autoresponder that carries an unsubscribe confirmation or
		 * a list's welcome is still automatic: auto_reply */
		goto autoreply;
	}
	/* 4. weak signals: bulk or suppressed auto-responses count as an
	 * auto-reply only when an auto-reply rule agrees; lists are other */
	if (mime_header(m, "X-Auto-Response-Suppress") != NULL ||
	    hdr_is(m, "Precedence", "bulk") ||
	    hdr_is(m, "Precedence", "junk") ||
	    hdr_is(m, "Precedence", "list")) {
		if ((i = run_rules(&x, want_auto)) >= 0) {
			out->cls = CLS_AUTO_REPLY;
			set_rule(out, "rule:", c->rules[i].name, "");
			goto autoreply;
		}
		if (mime_header(m, "X-Auto-Response-Suppress") == NULL ||
		    mime_header(m, "List-Id") != NULL) {
			out->cls = CLS_OTHER;
			set_rule(out, "precedence", NULL, "");
			goto done;
		}
	}
	if (mime_header(m, "List-Id") != NULL ||
	    mime_header(m, "List-Unsubscribe") != NULL) {
		out->cls = CLS_OTHER;
		set_rule(out, "list", NULL, "");
		goto done;
	}
	/* 5. the rules */
	if ((i = run_rules(&x, want_general)) >= 0) {
		out->cls = c->rules[i].cls;
		set_rule(out, "rule:", c->rules[i].name, "");
		if (out->cls == CLS_AUTO_REPLY)
			goto autoreply;
		if (out->cls == CLS_HUMAN_REPLY)
			goto human;
		goto done;
	}
	/* 6. a person wrote it */
	out->cls = CLS_HUMAN_REPLY;
	set_rule(out, "default", NULL, "");
human:
	out->reply_text = (char *)ctx_body(&x);
	x.body = NULL;
	goto done;
autoreply:
	out->return_day = return_day(&x, tz);
	goto done;
arf:
	arf = arf_type(m);
	if (arf != NULL && (strcasecmp(arf, "opt-out") == 0 ||
	                    strcasecmp(arf, "unsubscribe") == 0)) {
		out->cls = CLS_UNSUBSCRIBE;
		set_rule(out, "arf-opt-out", NULL, "");
	} else {
		out->cls = CLS_OTHER;
		set_rule(out, "arf", NULL, "");
	}
	free(arf);
done:
	pcre2_match_data_free(x.md);
	if (x.lmc != NULL)
		pcre2_match_context_free(x.lmc);
	free(x.body);
	free(x.bounce);
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
