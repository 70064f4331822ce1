/* classify_rules - the rules file, the PCRE2 wrapper, running the rules;
 * the literal prefilter and the alternation split are in classify_prefilter.c;
 * see classify_p.h */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify_p.h"
#include "log.h"

/* ------------------------------------------------------------------ */
/* The regex wrapper: compile once, match returning 1/0/-1 plus a cause. */

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
	/* JIT-compiled on first use: see rule_jit */
	r->offlimit = (flags & PCRE2_USE_OFFSET_LIMIT) != 0;
	return 0;
}

void
cls_re_free(struct re *r)
{
	if (r->code != NULL)
		pcre2_code_free(r->code);
	r->code = NULL;
}

/*
 * rule_jit: JIT-compile rule i on its first use.  JIT is an optimisation:
 * where it is unavailable the interpreter runs.  NUDGE_NO_JIT turns it off:
 * JIT code reads ahead with vector loads that valgrind reports as invalid
 * (tests/valgrind.sh sets it).  On first use, not at load: most rules never
 * run in a given process (`nudge classify` over bounces runs no intent
 * rule), and compiling them all was 5% of such a run.  (A classifier is
 * used by one thread at a time.)
 */
static void
rule_jit(const struct classifier *c, size_t i)
{
	if (c->jitted[i])
		return;
	c->jitted[i] = 1;
	if (getenv("NUDGE_NO_JIT") == NULL)
		(void)pcre2_jit_compile(c->rules[i].re.code,
		                        PCRE2_JIT_COMPLETE);
}

/* ascii_only: no byte of s[0..n) has its high bit set (so it is valid
 * UTF-8 without PCRE2's check); eight bytes at a time */
static int
ascii_only(const char *s, size_t n)
{
	uint64_t w, acc = 0;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		acc |= w;
	}
	for (; i < n; i++)
		acc |= (unsigned char)s[i];
	return (acc & 0x8080808080808080u) == 0;
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


static const struct {
	const char *name;
	int cls;
} pseudo_classes[] = {{"bounce", CLS_BOUNCE},
                      {"user_unknown", CLS_USER_UNKNOWN},
                      {"smtp_rcpt", CLS_SMTP_RCPT},
                      {"smtp_data", CLS_SMTP_DATA},
                      {"known_hard", CLS_KNOWN_HARD},
                      {"known_soft", CLS_KNOWN_SOFT},
                      {"optout_weak", CLS_OPTOUT_WEAK},
                      {"intent_interested", CLS_INTENT0 + INTENT_INTERESTED},
                      {"intent_later", CLS_INTENT0 + INTENT_LATER},
                      {"intent_not_fit", CLS_INTENT0 + INTENT_NOT_FIT},
                      {"intent_stop", CLS_INTENT0 + INTENT_STOP},
                      {"intent_referral", CLS_INTENT0 + INTENT_REFERRAL},
                      {"intent_unclear", CLS_INTENT0 + INTENT_UNCLEAR}};

static const char *class_names[] = {"other",       "human_reply", "auto_reply",
                                    "bounce_hard", "bounce_soft", "unsubscribe",
                                    "engagement"};
static const char *intent_names[] = {"none", "interested", "later",  "not_fit",
                                     "stop", "referral",   "unclear"};

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
	size_t i, j;

	if (c == NULL)
		return;
	for (i = 0; i < c->nrules; i++) {
		free(c->rules[i].name);
		free(c->rules[i].header);
		free(c->rules[i].signal);
		cls_re_free(&c->rules[i].re);
		for (j = 0; j < c->rules[i].nlits; j++)
			free(c->rules[i].lits[j]);
		free(c->rules[i].lits);
		free(c->rules[i].litlens);
		cls_branches_free(c->rules[i].br, c->rules[i].nbr);
	}
	free(c->rules);
	free(c->jitted);
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

/* earliest_class: a class that cls_run_rules_earliest looks at (see the want_
 * functions: cls_want_known, cls_want_bounce_kind, cls_want_phase) */
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
	if ((f = strchr(cls, '/')) != NULL) {
		/* "engagement/KIND", "other/KIND": a service notification */
		*f++ = '\0';
		for (n = 0; f[n] != '\0'; n++)
			if (!isalnum((unsigned char)f[n]) && f[n] != '-') {
				*why = xasprintf("bad signal \"%s\"", f);
				return -1;
			}
		if (n == 0 ||
		    (strcmp(cls, "engagement") != 0 &&
		     strcmp(cls, "other") != 0 && strcmp(cls, "notice") != 0)) {
			*why = xasprintf("expected engagement/KIND, other/KIND "
			                 "or notice/KIND");
			return -1;
		}
		/* notice/KIND: other, decided with the general rules (after
		 * the auto-reply headers) */
		r->cls = strcmp(cls, "engagement") == 0 ? CLS_SVC_ENGAGE
		         : strcmp(cls, "other") == 0    ? CLS_SVC_OTHER
		                                        : CLS_OTHER;
		r->signal = xstrdup(f);
	} else
		r->cls = classify_class_parse(cls);
	for (n = 0;
	     r->cls < 0 && n < sizeof pseudo_classes / sizeof pseudo_classes[0];
	     n++)
		if (strcmp(cls, pseudo_classes[n].name) == 0)
			r->cls = pseudo_classes[n].cls;
	if (r->cls < 0 || r->cls == CLS_ENGAGEMENT) {
		*why = xasprintf("unknown class \"%s\"", cls);
		goto fail;
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
		goto fail;
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
	/* the classes cls_run_rules_earliest looks at: later rules only need to
	 * match before the best match so far (pcre2_set_offset_limit) */
	if (earliest_class(r->cls))
		flags |= PCRE2_USE_OFFSET_LIMIT;
	if (re_compile(pat, (size_t)(end - pat), flags, &r->re, &cause) != 0) {
		*why = xasprintf("rule %s: bad regex: %s", name, cause);
		free(cause);
		goto fail;
	}
	cls_lit_extract(r, pat, (size_t)(end - pat), flags);
	r->name = xstrdup(name);
	cls_split_branches(r, pat, (size_t)(end - pat), flags);
	return 0;
fail:
	free(r->header);
	r->header = NULL;
	free(r->signal);
	r->signal = NULL;
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
	c->jitted = xcalloc(c->nrules > 0 ? c->nrules : 1, 1);
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
		c->utf_probe = pcre2_compile(
		    (PCRE2_SPTR) "", 0, PCRE2_UTF | PCRE2_UCP, &ec, &eo, NULL);
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
/* Running the rules on a message. */

/* cls_set_bounce: x->bounce = b, head its bounce_head (the old one is the
 * caller's) */
void
cls_set_bounce(struct ctx *x, char *b, size_t head)
{
	x->bounce = b;
	x->bounce_head = head;
	x->fs[F_BOUNCE].known = 0;
	free(x->lower[F_BOUNCE]);
	x->lower[F_BOUNCE] = NULL;
	free(x->tri[F_BOUNCE]);
	x->tri[F_BOUNCE] = NULL;
}

/* cls_ctx_body: the new text of the message, computed once. */
const char *
cls_ctx_body(struct ctx *x)
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
		v = cls_ctx_body(x);
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
		f->ascii = ascii_only(v, subject_len(v, f->len));
		f->utf = f->ascii ||
		         pcre2_match(x->c->utf_probe, (PCRE2_SPTR)v,
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
 * cls_run_rules: the first rule in file order whose class passes want() and
 * whose field matches; its index or -1.
 */
/* branch_prepare: compile (and JIT) an alternative on its first use; 0,
 * or -1 when it does not compile (state -1) */
static int
branch_prepare(struct branch *br)
{
	char *cause = NULL;

	if (re_compile(br->pat, strlen(br->pat), br->flags, &br->re, &cause) !=
	    0) {
		log_warnx("classify: alternative /%s/: %s", br->pat, cause);
		free(cause);
		br->state = -1;
		return -1;
	}
	br->state = 1;
	if (getenv("NUDGE_NO_JIT") == NULL)
		(void)pcre2_jit_compile(br->re.code, PCRE2_JIT_COMPLETE);
	return 0;
}

/*
 * rule_match: re_match of rule i on v (len bytes), searching for a match
 * that starts at or before limit (PCRE2_UNSET: anywhere; mc says the same
 * to PCRE2); on a match *so and *eo are its start and end.  For a split
 * rule (see split_branches) its alternatives whose strings occur, the
 * leftmost match kept (ties: the first alternative); a plain alternative
 * in an ASCII text is found with memmem in the text (lowercased when the
 * rule is caseless: in ASCII that is what PCRE2's caseless match is).
 */
static int
rule_match(struct ctx *x, size_t i, const char *v, size_t len, uint32_t opts,
           pcre2_match_context *mc, size_t limit, size_t *so, size_t *eo,
           char **cause)
{
	const struct rule *r = &x->c->rules[i];
	size_t b, slen = subject_len(v, len), s, e;
	PCRE2_SIZE *ov;
	/* fs has no entry for header:Name rules (F_HEADER) */
	int rc, found = 0, ascii = r->field < F_HEADER &&
	                            x->fs[r->field].known &&
	                            x->fs[r->field].ascii;

	if (r->nbr == 0) {
		rule_jit(x->c, i);
		rc = re_match(&r->re, v, len, opts, x->md, mc, cause);
		if (rc == 1) {
			ov = pcre2_get_ovector_pointer(x->md);
			*so = ov[0];
			*eo = ov[1];
		}
		return rc;
	}
	for (b = 0; b < r->nbr; b++) {
		struct branch *br = &r->br[b];
		if (!cls_lits_any(x, r->field, v, len, br->lits, br->litlens,
		              br->nlits))
			continue;
		if (br->plain && ascii) {
			const char *h = (br->flags & PCRE2_CASELESS)
			                    ? x->lower[r->field]
			                    : v;
			const char *at =
			    memmem(h, slen, br->lits[0], br->litlens[0]);
			if (at == NULL ||
			    (limit != PCRE2_UNSET && (size_t)(at - h) > limit))
				continue;
			s = (size_t)(at - h);
			e = s + br->litlens[0];
		} else {
			if ((br->state == 0 && branch_prepare(br) != 0) ||
			    br->state < 0) {
				/* not expected (the whole pattern compiled);
				 * if so, the whole pattern decides */
				r = NULL;
				break;
			}
			rc = re_match(&br->re, v, len, opts, x->md, mc, cause);
			if (rc < 0)
				return rc;
			if (rc == 0)
				continue;
			ov = pcre2_get_ovector_pointer(x->md);
			s = ov[0];
			e = ov[1];
		}
		if (!found || s < *so) {
			found = 1;
			*so = s;
			*eo = e;
		}
		if (*so == 0)
			break; /* a later alternative cannot start earlier,
			          and loses a tie */
	}
	if (r == NULL) {
		r = &x->c->rules[i];
		rule_jit(x->c, i);
		rc = re_match(&r->re, v, len, opts, x->md, mc, cause);
		if (rc == 1) {
			ov = pcre2_get_ovector_pointer(x->md);
			*so = ov[0];
			*eo = ov[1];
		}
		return rc;
	}
	return found;
}

/* run_rules: cls_run_rules, the rules passing want() or (want NULL) those
 * of class only */
static int
run_rules(struct ctx *x, int (*want)(int cls), int only)
{
	size_t i, len, so = 0, eo = 0;
	const char *v;
	char *cause = NULL;
	uint32_t opts;
	int rc;

	for (i = 0; i < x->c->nrules; i++) {
		const struct rule *r = &x->c->rules[i];
		if (want != NULL ? !want(r->cls) : r->cls != only)
			continue;
		if ((v = field_get(x, r, &len, &opts)) == NULL)
			continue;
		if (!cls_lit_pass(x, r, v, len))
			continue;
		rc = rule_match(x, i, v, len, opts, x->c->mctx, PCRE2_UNSET,
		                &so, &eo, &cause);
		if (rc == 1) {
			x->hit = v;
			x->hit_start = so;
			x->hit_end = eo;
			if (log_debug_enabled("classify")) {
				log_debug("classify",
				          "rule %s matched \"%.*s\"", r->name,
				          (int)(eo - so > 80 ? 80 : eo - so),
				          v + so);
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
 * earliest_pass: one pass of cls_run_rules_earliest over the rules passing
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
	size_t i, len, limit, so = 0, eo = 0;
	const char *v;
	char *cause = NULL;
	uint32_t opts;
	int rc;
	pcre2_match_context *mc;

	for (i = 0; i < x->c->nrules; i++) {
		const struct rule *r = &x->c->rules[i];
		if (done[i] || !want(r->cls))
			continue;
		if ((v = field_get(x, r, &len, &opts)) == NULL ||
		    !cls_lit_pass(x, r, v, len)) {
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
					fprintf(stderr,
					        "pcre2_match_context_"
					        "copy: out of memory\n");
					exit(71);
				}
			}
			pcre2_set_offset_limit(x->lmc, limit);
			mc = x->lmc;
		} else
			limit = PCRE2_UNSET;
		rc = rule_match(x, i, v, len, opts, mc, limit, &so, &eo,
		                &cause);
		if (rc == 1) {
			done[i] = 1;
			if (so < *best_off || (so == *best_off && (int)i < *best)) {
				*best_off = so;
				*best = (int)i;
				if (log_debug_enabled("classify"))
					log_debug(
					    "classify",
					    "rule %s matched at %zu \"%.*s\"",
					    r->name, so,
					    (int)(eo - so > 80 ? 80 : eo - so),
					    v + so);
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
 * cls_run_rules_earliest: among the rules passing want(), the one whose match
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
int
cls_run_rules_earliest(struct ctx *x, int (*want)(int cls))
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

int
cls_run_rules(struct ctx *x, int (*want)(int cls))
{
	return run_rules(x, want, -1);
}

int
cls_run_rules_class(struct ctx *x, int cls)
{
	return run_rules(x, NULL, cls);
}

int
cls_want_bounce_detect(int cls)
{
	return cls == CLS_BOUNCE;
}

int
cls_want_bounce_kind(int cls)
{
	return cls == CLS_BOUNCE_HARD || cls == CLS_BOUNCE_SOFT ||
	       cls == CLS_USER_UNKNOWN;
}

int
cls_want_known(int cls)
{
	return cls == CLS_KNOWN_HARD || cls == CLS_KNOWN_SOFT;
}

int
cls_want_phase(int cls)
{
	return cls == CLS_SMTP_RCPT || cls == CLS_SMTP_DATA;
}

int
cls_want_auto(int cls)
{
	return cls == CLS_AUTO_REPLY;
}

int
cls_want_general(int cls)
{
	return cls == CLS_HUMAN_REPLY || cls == CLS_AUTO_REPLY ||
	       cls == CLS_UNSUBSCRIBE || cls == CLS_OTHER ||
	       cls == CLS_OPTOUT_WEAK;
}

int
cls_want_service(int cls)
{
	return cls == CLS_SVC_ENGAGE || cls == CLS_SVC_OTHER;
}

int
cls_want_intent(int cls)
{
	return cls > CLS_INTENT0 && cls < CLS_INTENT0 + INTENT__COUNT;
}
