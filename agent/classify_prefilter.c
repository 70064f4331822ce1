/* classify_prefilter - what a rule's pattern requires of a text, read at
 * load: the literal prefilter and the split of long alternations, used by
 * classify_rules.c to skip regexes that cannot match; see classify_p.h */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify_p.h"
#include "log.h"
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
void
cls_lit_extract(struct rule *r, const char *pat, size_t len, uint32_t flags)
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
int
cls_lits_any(struct ctx *x, enum field f, const char *v, size_t len,
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

int
cls_lit_pass(struct ctx *x, const struct rule *r, const char *v, size_t len)
{
	if (r->nlits == 0 || r->field == F_HEADER)
		return 1;
	return cls_lits_any(x, r->field, v, len, r->lits, r->litlens, r->nlits);
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

void
cls_branches_free(struct branch *br, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		free(br[i].pat);
		cls_re_free(&br[i].re);
		for (j = 0; j < br[i].nlits; j++)
			free(br[i].lits[j]);
		free(br[i].lits);
		free(br[i].litlens);
	}
	free(br);
}

void
cls_split_branches(struct rule *r, const char *pat, size_t len, uint32_t flags)
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
	cls_branches_free(br, nalt);
}
