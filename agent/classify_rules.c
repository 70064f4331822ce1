/* classify_rules - the rules file, the PCRE2 wrapper, running the rules;
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

static void
re_free(struct re *r)
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

/* ------------------------------------------------------------------ */
/*
 * The literal prefilter.  At load, lit_extract reads a rule's pattern for
 * a set of ASCII strings one of which every match must contain (a
 * required literal, or one per branch of an alternation); at match time a
 * rule whose strings all miss the field's lowercased text is not run.  It
 * only ever skips a regex that cannot match: whatever the pattern says that
 * the reader does not understand (a class, \w, a non-ASCII letter, an
 * optional part, a lookaround) is taken to require nothing, and a pattern
 * with syntax it does not know gets no prefilter at all.  Both sides are
 * lowercased in ASCII only, so case flags do not matter.  (PCRE2's caseless
 * UCP matching also folds the Kelvin sign to k and the long s to s; a
 * text spelling a required k or s that way is not matched here.)
 */

#define LIT_MIN 3      /* shortest string worth a search */
#define LIT_MAX_SET 64 /* more strings than this: cheaper to run the regex */
#define LIT_LEN 64

struct lset {
	char **s;
	size_t n;
	int any; /* nothing known to be required */
};

static void
lset_free(struct lset *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->s[i]);
	free(l->s);
	l->s = NULL;
	l->n = 0;
	l->any = 1;
}

static size_t
lset_minlen(const struct lset *l)
{
	size_t i, m = (size_t)-1;

	for (i = 0; i < l->n; i++)
		if (strlen(l->s[i]) < m)
			m = strlen(l->s[i]);
	return l->n ? m : 0;
}

/* lset_usable: a set worth searching for */
static int
lset_usable(const struct lset *l)
{
	return !l->any && l->n > 0 && l->n <= LIT_MAX_SET &&
	       lset_minlen(l) >= LIT_MIN;
}

/* lset_keep: *best becomes the better of *best and *cand (both are
 * requirements of the same sequence: either will do); *cand is consumed */
static void
lset_keep(struct lset *best, struct lset *cand)
{
	int take;

	if (!lset_usable(cand)) {
		lset_free(cand);
		return;
	}
	take = !lset_usable(best) || cand->n < best->n ||
	       (cand->n == best->n && lset_minlen(cand) > lset_minlen(best));
	if (take) {
		lset_free(best);
		*best = *cand;
	} else
		lset_free(cand);
	cand->s = NULL;
	cand->n = 0;
	cand->any = 1;
}

/* quant: the quantifier at *pp (skipped): its minimum count, 1 when there
 * is none, -1 for a '{' that is not a quantifier */
static int
quant(const char **pp, const char *end)
{
	const char *p = *pp;
	int min = 1;

	if (p >= end)
		return 1;
	if (*p == '?' || *p == '*') {
		min = 0;
		p++;
	} else if (*p == '+') {
		p++;
	} else if (*p == '{') {
		const char *q = p + 1;
		long lo = 0;
		int digits = 0;
		while (q < end && isdigit((unsigned char)*q)) {
			lo = lo * 10 + (*q++ - '0');
			if (lo > 100000)
				return -1;
			digits++;
		}
		if (q < end && *q == ',') {
			q++;
			while (q < end && isdigit((unsigned char)*q))
				q++, digits++;
		}
		if (digits == 0 || q >= end || *q != '}')
			return -1;
		min = lo > 0;
		p = q + 1;
	} else
		return 1;
	if (p < end && (*p == '?' || *p == '+'))
		p++;
	*pp = p;
	return min;
}

static int lit_alt(const char **pp, const char *end, int depth,
                   struct lset *out);

/* lit_seq: one branch, up to '|', ')' or end; -1: syntax not known */
static int
lit_seq(const char **pp, const char *end, int depth, struct lset *out)
{
	const char *p = *pp;
	char run[LIT_LEN + 1];
	size_t rn = 0;
	struct lset best = {NULL, 0, 1}, cand;
	int q;

#define FLUSH()                                                                \
	do {                                                                   \
		if (rn >= LIT_MIN) {                                           \
			cand.s = xcalloc(1, sizeof *cand.s);                   \
			cand.s[0] = xstrndup(run, rn);                         \
			cand.n = 1;                                            \
			cand.any = 0;                                          \
			lset_keep(&best, &cand);                               \
		}                                                              \
		rn = 0;                                                        \
	} while (0)

	while (p < end && *p != '|' && *p != ')') {
		unsigned char c = (unsigned char)*p;
		if (c == '(') {
			int zero = 0;
			FLUSH();
			p++;
			if (p < end && *p == '*')
				goto bail; /* verbs */
			if (p < end && *p == '?') {
				p++;
				if (p >= end)
					goto bail;
				if (*p == ':' || *p == '|' || *p == '>') {
					p++;
				} else if (*p == '=' || *p == '!') {
					p++, zero = 1;
				} else if (*p == '<' && p + 1 < end &&
				           (p[1] == '=' || p[1] == '!')) {
					p += 2, zero = 1;
				} else if (*p == '<' || *p == '\'' ||
				           (*p == 'P' && p + 1 < end &&
				            p[1] == '<')) {
					/* a named group: (?<n> (?'n' (?P<n> */
					p += *p == 'P' ? 2 : 1;
					while (p < end && *p != '>' &&
					       *p != '\'')
						p++;
					if (p >= end)
						goto bail;
					p++;
				} else if (*p == '#') {
					while (p < end && *p != ')')
						p++;
					if (p >= end)
						goto bail;
					p++;
					continue;
				} else {
					/* (?i) (?m-s) or (?i: ... ) */
					while (p < end &&
					       (isalpha((unsigned char)*p) ||
					        *p == '-' || *p == '^')) {
						if (*p == 'x')
							goto bail;
						p++;
					}
					if (p >= end)
						goto bail;
					if (*p == ')') {
						p++;
						continue;
					}
					if (*p != ':')
						goto bail;
					p++;
				}
			}
			if (lit_alt(&p, end, depth + 1, &cand) != 0)
				goto bail;
			if (p >= end || *p != ')') {
				lset_free(&cand);
				goto bail;
			}
			p++;
			if ((q = quant(&p, end)) < 0) {
				lset_free(&cand);
				goto bail;
			}
			if (zero || q == 0)
				lset_free(&cand);
			else
				lset_keep(&best, &cand);
			continue;
		}
		if (c == '[') {
			FLUSH();
			p++;
			if (p < end && *p == '^')
				p++;
			if (p < end && *p == ']')
				p++;
			while (p < end && *p != ']') {
				if (*p == '\\')
					p++;
				else if (*p == '[' && p + 1 < end &&
				         p[1] == ':') {
					const char *e = strstr(p + 2, ":]");
					if (e == NULL || e >= end)
						goto bail;
					p = e + 1;
				}
				p++;
			}
			if (p >= end)
				goto bail;
			p++;
			if (quant(&p, end) < 0)
				goto bail;
			continue;
		}
		if (c == '\\') {
			unsigned char e;
			if (p + 1 >= end)
				goto bail;
			e = (unsigned char)p[1];
			p += 2;
			if (strchr("bBAzZG", e) != NULL && e != '\0') {
				FLUSH(); /* zero-width */
				continue;
			}
			if (strchr("dDwWsShHvVRNXntrf", e) != NULL &&
			    e != '\0') {
				FLUSH(); /* one character, not a literal */
				if (quant(&p, end) < 0)
					goto bail;
				continue;
			}
			if (e == 'p' || e == 'P') {
				FLUSH();
				if (p < end && *p == '{') {
					while (p < end && *p != '}')
						p++;
					if (p >= end)
						goto bail;
				}
				p++;
				if (quant(&p, end) < 0)
					goto bail;
				continue;
			}
			if (isalnum(e) || e >= 0x80)
				goto bail; /* \x, \Q, \1, \k, ... */
			c = e; /* an escaped punctuation character */
			p--;   /* treated below as the literal at p */
			goto literal;
		}
		if (c == '.' || c >= 0x80) {
			FLUSH();
			p++;
			while (c >= 0x80 && p < end &&
			       ((unsigned char)*p & 0xc0) == 0x80)
				p++;
			if (quant(&p, end) < 0)
				goto bail;
			continue;
		}
		if (c == '^' || c == '$') {
			FLUSH();
			p++;
			continue;
		}
		if (c == '*' || c == '+' || c == '?' || c == '{' || c == ']' ||
		    c == '}')
			goto bail; /* not where the reader expects it */
	literal:
		p++;
		{
			const char *b = p;
			if ((q = quant(&p, end)) < 0)
				goto bail;
			if (q == 0) {
				FLUSH(); /* optional: not required */
				continue;
			}
			if (rn < LIT_LEN)
				run[rn++] = (char)tolower(c);
			else
				FLUSH();
			if (p != b)
				FLUSH(); /* repeated: what follows is not
				            adjacent */
		}
	}
	FLUSH();
#undef FLUSH
	*pp = p;
	*out = best;
	return 0;
bail:
	lset_free(&best);
	return -1;
}

/* lit_alt: branches separated by '|', up to ')' or end */
static int
lit_alt(const char **pp, const char *end, int depth, struct lset *out)
{
	struct lset u = {NULL, 0, 0}, b;
	size_t i;

	if (depth > 50)
		return -1;
	for (;;) {
		if (lit_seq(pp, end, depth, &b) != 0) {
			lset_free(&u);
			return -1;
		}
		if (b.any || !lset_usable(&b) || u.any ||
		    u.n + b.n > LIT_MAX_SET) {
			lset_free(&b);
			lset_free(&u);
			u.any = 1;
		} else {
			u.s = xreallocarray(u.s, u.n + b.n, sizeof *u.s);
			for (i = 0; i < b.n; i++)
				u.s[u.n++] = b.s[i];
			free(b.s);
		}
		if (*pp < end && **pp == '|') {
			(*pp)++;
			continue;
		}
		break;
	}
	*out = u;
	return 0;
}

/* lit_lengths: a malloc'd array of the lengths of s[0..n) */
static size_t *
lit_lengths(char *const *s, size_t n)
{
	size_t *l = xreallocarray(NULL, n > 0 ? n : 1, sizeof *l), i;

	for (i = 0; i < n; i++)
		l[i] = strlen(s[i]);
	return l;
}

/* lit_extract: r->lits from the pattern pat (len bytes); flags: the rule's
 * compile flags */
static void
lit_extract(struct rule *r, const char *pat, size_t len, uint32_t flags)
{
	const char *p = pat, *end = pat + len;
	struct lset l;

	if (flags & PCRE2_EXTENDED)
		return;
	if (lit_alt(&p, end, 0, &l) != 0)
		return;
	if (p != end || !lset_usable(&l)) {
		lset_free(&l);
		return;
	}
	r->lits = l.s;
	r->nlits = l.n;
	r->litlens = lit_lengths(l.s, l.n);
}

#define TRI_BITS 14 /* the 3-byte window filter: 2 KiB a field */

/* tri_hash: the filter bit of the 3 bytes at s */
static unsigned
tri_hash(const char *s)
{
	uint32_t v = (uint32_t)(unsigned char)s[0] << 16 |
	             (uint32_t)(unsigned char)s[1] << 8 | (unsigned char)s[2];
	return (unsigned)((v * 2654435761u) >> (32 - TRI_BITS));
}

/*
 * lit_pass: may rule r match v (len bytes, field r->field)?  0 when none of
 * its literals occurs in v lowercased.  The first rule that asks makes the
 * field's lowercased copy and a filter with a bit set for every 3-byte
 * window of it; a literal with a window whose bit is clear is not there, so
 * most literals are ruled out without a search.
 */
/* lits_any: whether one of lits[0..n) occurs in field f's text v (len
 * bytes), lowercased; builds the field's lowercased copy and filter on
 * first use */
static int
lits_any(struct ctx *x, enum field f, const char *v, size_t len,
         char *const *lits, const size_t *litlens, size_t nlits)
{
	char *lo;
	unsigned char *tri;
	size_t i, j, n;

	if ((lo = x->lower[f]) == NULL) {
		lo = x->lower[f] = xmalloc(len + 1);
		for (i = 0; i < len; i++)
			lo[i] = (char)(v[i] >= 'A' && v[i] <= 'Z' ? v[i] + 32
			                                          : v[i]);
		lo[len] = '\0';
		tri = x->tri[f] = xcalloc(1, 1u << (TRI_BITS - 3));
		for (i = 0; i + 3 <= len; i++) {
			unsigned h = tri_hash(lo + i);
			tri[h >> 3] |= (unsigned char)(1u << (h & 7));
		}
	}
	tri = x->tri[f];
	for (i = 0; i < nlits; i++) {
		const char *l = lits[i];
		n = litlens[i];
		for (j = 0; j + 3 <= n; j++) {
			unsigned h = tri_hash(l + j);
			if (!(tri[h >> 3] & (1u << (h & 7))))
				break;
		}
		if (j + 3 <= n)
			continue; /* a window of it is not in the text */
		if (memmem(lo, len, l, n) != NULL)
			return 1;
	}
	return 0;
}

static int
lit_pass(struct ctx *x, const struct rule *r, const char *v, size_t len)
{
	if (r->nlits == 0 || r->field == F_HEADER)
		return 1;
	return lits_any(x, r->field, v, len, r->lits, r->litlens, r->nlits);
}

/*
 * The branch split.  A pattern that is one long alternation, A|B|C or
 * (A|B|C) after leading option settings such as (?m), is tried at every
 * position of the text with every alternative: the bounce rules' lists of
 * phrases cost more than the rest of classify together.  When every
 * alternative has its own literal set (lit_alt), each is also compiled
 * alone (with the same leading options and flags) and at match time only
 * the alternatives whose strings occur in the text run.  The answer is the
 * whole pattern's: its leftmost match starts where the earliest of the
 * alternatives' leftmost matches starts, and there PCRE2 takes the first
 * alternative in order that matches - the one rule_match keeps on a tie.
 * Patterns whose alternatives are not independent are not split: options
 * set or groups named after the start, back references, recursion,
 * conditions, branch resets, verbs, callouts.
 */
#define SPLIT_MIN 4 /* fewer alternatives: not worth it */
#define SPLIT_MAX 128

/* class_end: the index of the ']' closing the character class opened at
 * p[i] ('['), or n */
static size_t
class_end(const char *p, size_t n, size_t i)
{
	const char *e;

	i++;
	if (i < n && p[i] == '^')
		i++;
	if (i < n && p[i] == ']')
		i++;
	for (; i < n && p[i] != ']'; i++) {
		if (p[i] == '\\')
			i++;
		else if (p[i] == '[' && i + 1 < n && p[i + 1] == ':') {
			if ((e = memmem(p + i + 2, n - i - 2, ":]", 2)) == NULL)
				return n;
			i = (size_t)(e - p) + 1;
		}
	}
	return i < n ? i : n;
}

/* group_end: the index of the ')' closing the group opened at p[i] ('('),
 * or n; escapes and character classes are skipped */
static size_t
group_end(const char *p, size_t n, size_t i)
{
	int depth = 0;

	for (; i < n; i++) {
		if (p[i] == '\\')
			i++;
		else if (p[i] == '[')
			i = class_end(p, n, i);
		else if (p[i] == '(')
			depth++;
		else if (p[i] == ')' && --depth == 0)
			return i;
	}
	return n;
}

/* plain_literal: p[0..n) is printable ASCII without a regex
 * metacharacter: it matches itself only */
static int
plain_literal(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] >= 0x7f ||
		    strchr("\\.^$|?*+()[]{}#", p[i]) != NULL)
			return 0;
	return n > 0;
}

static void
branches_free(struct branch *br, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		free(br[i].pat);
		re_free(&br[i].re);
		for (j = 0; j < br[i].nlits; j++)
			free(br[i].lits[j]);
		free(br[i].lits);
		free(br[i].litlens);
	}
	free(br);
}

static void
split_branches(struct rule *r, const char *pat, size_t len, uint32_t flags)
{
	static const char *no[] = {"(?R", "(?&", "(?P", "(?|", "(?(", "(?C",
	                           "(?'", "(*", "\\g", "\\k", "\\Q",
	                           "(?<", NULL};
	const char *p = pat, *body, *alt[SPLIT_MAX + 1], *q, *e;
	size_t n = len, k, i, nalt = 0, pre;
	struct branch *br;

	if ((flags & PCRE2_EXTENDED) || r->field == F_HEADER)
		return;
	/* leading option settings: (?m) (?i) (?-s) */
	while (n > 3 && p[0] == '(' && p[1] == '?' &&
	       (isalpha((unsigned char)p[2]) || p[2] == '-' || p[2] == '^')) {
		for (k = 2; k < n && (isalpha((unsigned char)p[k]) ||
		                      p[k] == '-' || p[k] == '^');
		     k++)
			;
		if (k >= n || p[k] != ')')
			return;
		p += k + 1;
		n -= k + 1;
	}
	pre = (size_t)(p - pat);
	for (i = 0; no[i] != NULL; i++) {
		e = memmem(p, n, no[i], strlen(no[i]));
		/* lookbehind (?<= (?<! is fine; (?<name> is not */
		while (e != NULL && strcmp(no[i], "(?<") == 0 &&
		       (size_t)(e - p) + 3 < n && (e[3] == '=' || e[3] == '!'))
			e = memmem(e + 3, n - (size_t)(e + 3 - p), no[i], 3);
		if (e != NULL)
			return;
	}
	/* no option set later, nor a back reference \1 */
	for (q = p; (q = memmem(q, n - (size_t)(q - p), "(?", 2)) != NULL;
	     q += 2)
		if ((size_t)(q - p) + 2 < n &&
		    (isalpha((unsigned char)q[2]) || q[2] == '-' || q[2] == '^'))
			return;
	for (q = p; q < p + n; q++)
		if (*q == '\\' && q + 1 < p + n &&
		    isdigit((unsigned char)*++q))
			return;
	/* (A|B|C) covering the whole pattern, or A|B|C */
	body = p;
	if (n > 2 && p[0] == '(' && group_end(p, n, 0) == n - 1) {
		if (p[1] == '?' && (n < 4 || p[2] != ':'))
			return; /* a lookaround or the like */
		body = p[1] == '?' ? p + 3 : p + 1;
		n = (size_t)(p + n - 1 - body);
	}
	alt[nalt++] = body;
	for (i = 0; i < n; i++) {
		if (body[i] == '\\')
			i++;
		else if (body[i] == '[')
			i = class_end(body, n, i);
		else if (body[i] == '(')
			i = group_end(body, n, i);
		else if (body[i] == ')')
			return; /* unbalanced */
		else if (body[i] == '|') {
			if (nalt == SPLIT_MAX)
				return;
			alt[nalt++] = body + i + 1;
		}
		if (i >= n)
			return; /* unclosed */
	}
	alt[nalt] = body + n + 1;
	if (nalt < SPLIT_MIN)
		return;
	br = xcalloc(nalt, sizeof *br);
	for (i = 0; i < nalt; i++) {
		const char *a = alt[i], *ae = alt[i + 1] - 1, *ap = a;
		struct lset l;

		if (lit_alt(&ap, ae, 1, &l) != 0)
			goto fail;
		if (ap != ae || !lset_usable(&l)) {
			lset_free(&l);
			goto fail;
		}
		br[i].lits = l.s;
		br[i].nlits = l.n;
		br[i].litlens = lit_lengths(l.s, l.n);
		/* compiled on first use (most alternatives never run) */
		br[i].pat = xasprintf("%.*s%.*s", (int)pre, pat,
		                      (int)(ae - a), a);
		br[i].flags = flags;
		br[i].plain = plain_literal(a, (size_t)(ae - a)) &&
		              memchr(pat, 'i', pre) == NULL &&
		              br[i].nlits == 1 &&
		              br[i].litlens[0] == (size_t)(ae - a) &&
		              ((flags & PCRE2_CASELESS) ||
		               memcmp(br[i].lits[0], a, br[i].litlens[0]) == 0);
	}
	r->br = br;
	r->nbr = nalt;
	for (i = k = 0; i < nalt; i++)
		k += br[i].plain;
	log_debug("classify", "rule %s: %zu alternatives, run alone (%zu plain)",
	          r->name, nalt, k);
	return;
fail:
	branches_free(br, nalt);
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
		re_free(&c->rules[i].re);
		for (j = 0; j < c->rules[i].nlits; j++)
			free(c->rules[i].lits[j]);
		free(c->rules[i].lits);
		free(c->rules[i].litlens);
		branches_free(c->rules[i].br, c->rules[i].nbr);
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
	lit_extract(r, pat, (size_t)(end - pat), flags);
	r->name = xstrdup(name);
	split_branches(r, pat, (size_t)(end - pat), flags);
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
		if (!lits_any(x, r->field, v, len, br->lits, br->litlens,
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
		if (!lit_pass(x, r, v, len))
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
		    !lit_pass(x, r, v, len)) {
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
