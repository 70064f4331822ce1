/*
 * mime_decode - charsets (iconv, cached converters), UTF-8 sanitising,
 * base64, quoted-printable, RFC 2047 encoded words, RFC 2231 parameter
 * values, and header value decoding.  See mime_p.h.
 */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime.h"
#include "mime_p.h"
#include "xalloc.h"

void
mime_put_utf8(struct buf *b, unsigned long cp)
{
	char o[4];

	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0)
		cp = 0xFFFD;
	if (cp < 0x80) {
		bputc(b, (char)cp);
	} else if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3F));
		badd(b, o, 2);
	} else if (cp < 0x10000) {
		o[0] = (char)(0xE0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		badd(b, o, 3);
	} else {
		o[0] = (char)(0xF0 | (cp >> 18));
		o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[3] = (char)(0x80 | (cp & 0x3F));
		badd(b, o, 4);
	}
}

/* mime_utf8_len: length of the valid UTF-8 sequence at s (n bytes left), 0 if
 * invalid. */
size_t
mime_utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned long cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2, cp = s[0] & 0x1F;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3, cp = s[0] & 0x0F;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && cp < 0x800) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

/* ascii_run: length of the run of ASCII bytes at s (n bytes). */
static size_t
ascii_run(const unsigned char *s, size_t n)
{
	size_t i = 0;
	uint64_t w;

	while (n - i >= 8) {
		memcpy(&w, s + i, 8);
		if (w & UINT64_C(0x8080808080808080))
			break;
		i += 8;
	}
	while (i < n && s[i] < 0x80)
		i++;
	return i;
}

/* mime_add_sane_utf8: append s[0..n), invalid UTF-8 bytes replaced by U+FFFD.
 */
void
mime_add_sane_utf8(struct buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, start, l;

	if (n == 0)
		return;
	mime_breserve(b, n);
	while (i < n) {
		start = i;
		for (;;) { /* the longest valid run */
			i += ascii_run(u + i, n - i);
			if (i >= n)
				break;
			if ((l = mime_utf8_len(u + i, n - i)) == 0)
				break;
			i += l;
		}
		badd(b, s + start, i - start);
		if (i < n) {
			mime_put_utf8(b, 0xFFFD);
			i++;
		}
	}
}

/*
 * mime_to_utf8: convert n bytes of s from charset cs into b as UTF-8; unknown
 * charsets and invalid bytes give U+FFFD.  Latin-1 and ASCII labels are read as
 * windows-1252 (what senders mean, as browsers do).
 */
/*
 * Converters are cached: iconv_open loads a gconv module each time, which
 * cost more than the parse.  A converter is reset before each use (and
 * iconv_close'd only when evicted), so a conversion starts in the initial
 * state as with a fresh one.  Not thread-safe (nudge is single-threaded).
 */
#define ICONV_CACHE 8
static struct {
	char name[64];
	iconv_t cd;   /* (iconv_t)-1 when iconv_open failed */
	int ascii_ok; /* ASCII bytes convert to themselves, one by one */
} iconv_cache[ICONV_CACHE];
static size_t iconv_cache_n, iconv_cache_next;

/* ascii_transparent: 1 if name is a stateless single-byte charset whose
 * 0x00-0x7F are ASCII, checked on cd too. */
static int
ascii_transparent(const char *name, iconv_t cd)
{
	char in[128], out[512], *ip = in, *op = out;
	size_t il = sizeof(in), ol = sizeof(out), k;

	if (strncmp(name, "windows-125", 11) != 0 &&
	    strncmp(name, "iso-8859-", 9) != 0 &&
	    strncmp(name, "iso8859-", 8) != 0)
		return 0;
	for (k = 0; k < sizeof(in); k++)
		in[k] = (char)k;
	iconv(cd, NULL, NULL, NULL, NULL);
	if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 || il != 0 ||
	    (size_t)(op - out) != sizeof(in) ||
	    memcmp(in, out, sizeof(in)) != 0)
		return 0;
	op = out;
	ol = sizeof(out);
	if (iconv(cd, NULL, NULL, &op, &ol) == (size_t)-1 || op != out)
		return 0;
	return 1;
}

/* iconv_get: a converter from name to UTF-8, or (iconv_t)-1. */
static iconv_t
iconv_get(const char *name, int *ascii_ok)
{
	size_t i;
	iconv_t cd;

	for (i = 0; i < iconv_cache_n; i++)
		if (strcmp(iconv_cache[i].name, name) == 0) {
			*ascii_ok = iconv_cache[i].ascii_ok;
			return iconv_cache[i].cd;
		}
	errno = 0;
	cd = iconv_open("UTF-8", name);
	if (cd == (iconv_t)-1 && errno != EINVAL) {
		*ascii_ok = 0;
		return cd; /* out of memory or files: not remembered */
	}
	if (iconv_cache_n < ICONV_CACHE) {
		i = iconv_cache_n++;
	} else {
		i = iconv_cache_next;
		iconv_cache_next = (iconv_cache_next + 1) % ICONV_CACHE;
		if (iconv_cache[i].cd != (iconv_t)-1)
			iconv_close(iconv_cache[i].cd);
	}
	snprintf(iconv_cache[i].name, sizeof(iconv_cache[i].name), "%s", name);
	iconv_cache[i].cd = cd;
	iconv_cache[i].ascii_ok =
	    cd != (iconv_t)-1 && ascii_transparent(name, cd);
	*ascii_ok = iconv_cache[i].ascii_ok;
	return cd;
}

/* legacy_8bit: text with 8-bit bytes none of which forms a UTF-8
 * sequence: windows-1252 (or Latin-1) under a wrong or missing label.  One
 * valid sequence, and it is UTF-8 with damage: left to the U+FFFD repair. */
static int
legacy_8bit(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	int bad = 0;

	while (i < n) {
		i += ascii_run(u + i, n - i);
		if (i >= n)
			break;
		if (mime_utf8_len(u + i, n - i) > 0)
			return 0;
		bad = 1;
		i++;
	}
	return bad;
}

void
mime_to_utf8(struct buf *b, const char *cs, const char *s, size_t n)
{
	char name[64];
	size_t i, j;
	iconv_t cd;
	char *in, *out;
	size_t inleft, outleft, r;
	char tmp[4096];
	int ascii_ok;

	if (cs == NULL || *cs == '\0') {
		if (legacy_8bit(s, n))
			mime_to_utf8(b, "windows-1252", s, n);
		else
			mime_add_sane_utf8(b, s, n);
		return;
	}
	for (i = j = 0; cs[i] && j < sizeof(name) - 1; i++)
		if (isalnum((unsigned char)cs[i]) || strchr("-_.:", cs[i]))
			name[j++] = (char)tolower((unsigned char)cs[i]);
	name[j] = '\0';
	if (!strcmp(name, "utf-8") || !strcmp(name, "utf8") || j == 0) {
		/* a sender that labels windows-1252 text UTF-8 (or
		 * nothing): read it as what it is */
		if (legacy_8bit(s, n))
			mime_to_utf8(b, "windows-1252", s, n);
		else
			mime_add_sane_utf8(b, s, n);
		return;
	}
	if (!strcmp(name, "us-ascii") || !strcmp(name, "ascii") ||
	    !strcmp(name, "iso-8859-1") || !strcmp(name, "iso8859-1") ||
	    !strcmp(name, "latin1") || !strcmp(name, "iso_8859-1"))
		strcpy(name, "windows-1252");
	if ((cd = iconv_get(name, &ascii_ok)) == (iconv_t)-1) {
		mime_add_sane_utf8(b, s, n);
		return;
	}
	if (ascii_ok && ascii_run((const unsigned char *)s, n) == n) {
		mime_add_sane_utf8(b, s, n); /* what the converter would give */
		return;
	}
	iconv(cd, NULL, NULL, NULL, NULL);
	in = (char *)s;
	inleft = n;
	while (inleft > 0) {
		out = tmp;
		outleft = sizeof(tmp);
		r = iconv(cd, &in, &inleft, &out, &outleft);
		mime_add_sane_utf8(b, tmp, (size_t)(out - tmp));
		if (r == (size_t)-1) {
			if (errno == E2BIG)
				continue;
			/* EILSEQ or EINVAL (truncated sequence): skip one byte
			 */
			mime_put_utf8(b, 0xFFFD);
			in++;
			inleft--;
			iconv(cd, NULL, NULL, NULL, NULL);
		}
	}
	out = tmp;
	outleft = sizeof(tmp);
	iconv(cd, NULL, NULL, &out, &outleft);
	mime_add_sane_utf8(b, tmp, (size_t)(out - tmp));
}

/* ---- transfer decoding ---- */

/* b64tab: the 6-bit value of a base64 (or base64url) character, -1 if none.
 */
/* clang-format off */
static const signed char b64tab[256] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, 62, -1, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
	-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, 63,
	-1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};
/* clang-format on */

/* b64_line: the line [k, its end): *end where it ends (at its '\n' or n),
 * *vis its visible characters, *bad those outside the alphabet and '='
 * (and the gaps between words; and base64url's '-' and '_' when urlbad:
 * "--" is a separator, not data), *padded whether it ends in '=' */
static void
b64_line(const unsigned char *u, size_t k, size_t n, int urlbad, size_t *end,
         size_t *vis, size_t *bad, int *padded)
{
	int gap = 0; /* blanks after a visible character */

	*vis = *bad = 0;
	*padded = 0;
	for (; k < n && u[k] != '\n'; k++) {
		if (u[k] == ' ' || u[k] == '\t' || u[k] == '\r') {
			gap = *vis > 0;
			continue;
		}
		if (gap)
			(*bad)++; /* words: base64 has no inner blanks */
		gap = 0;
		(*vis)++;
		*padded = u[k] == '=';
		if ((b64tab[u[k]] < 0 && u[k] != '=') ||
		    (urlbad && (u[k] == '-' || u[k] == '_')))
			(*bad)++;
	}
	*end = k;
}

/* mime_b64_decode: lenient: a stray character is skipped, '=' ends a group
 * (so concatenated encodings decode too) and a missing final '=' is
 * forgiven; but a line that is mostly not base64, or one with anything
 * outside the alphabet after the data has ended (a short or padded line:
 * a footer a list server appended, garbage), is skipped whole rather than
 * decoded into garbage. */
void
mime_b64_decode(struct buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long acc = 0;
	int bits = 0, v, padded, ended = 0;
	size_t k = 0, eol = 0, vis, bad, full = 0;
	char *o;

	if (n == 0)
		return;
	mime_breserve(b, n / 4 * 3 + 3); /* 6 bits in per character */
	o = b->s + b->len;
	while (k < n) {
		unsigned char c = u[k];
		if (k >= eol && (k == 0 || u[k - 1] == '\n')) {
			b64_line(u, k, n, ended, &eol, &vis, &bad, &padded);
			if (bad > 0 && (ended || bad * 4 >= vis)) {
				k = eol;
				continue;
			}
			if (vis > 0) {
				if (full == 0)
					full = vis;
				else if (vis < full)
					ended = 1;
				if (padded)
					ended = 1;
			}
			eol++; /* past its '\n' */
		}
		if (bits == 0 && n - k >= 4) {
			/* a whole group of four: three bytes */
			int v0 = b64tab[c], v1 = b64tab[u[k + 1]],
			    v2 = b64tab[u[k + 2]], v3 = b64tab[u[k + 3]];
			if ((v0 | v1 | v2 | v3) >= 0) {
				acc = ((unsigned long)v0 << 18) |
				      ((unsigned long)v1 << 12) |
				      ((unsigned long)v2 << 6) |
				      (unsigned long)v3;
				*o++ = (char)(acc >> 16);
				*o++ = (char)((acc >> 8) & 0xFF);
				*o++ = (char)(acc & 0xFF);
				k += 4;
				continue;
			}
		}
		k++;
		if (c == '=') {
			acc = 0;
			bits = 0;
			continue;
		}
		if ((v = b64tab[c]) < 0)
			continue;
		acc = ((acc << 6) | (unsigned long)v) & 0xFFFFFF;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			*o++ = (char)((acc >> bits) & 0xFF);
		}
	}
	b->len = (size_t)(o - b->s);
	b->s[b->len] = '\0';
}

/* mime_qp_decode: RFC 2045 quoted-printable; hdr = 1 for RFC 2047 "Q" ('_' =
 * space).
 */
/* qp_special: the bytes a quoted-printable body run stops at. */
static const unsigned char qp_special[256] = {['='] = 1, [' '] = 1, ['\t'] = 1};

void
mime_qp_decode(struct buf *b, const char *s, size_t n, int hdr)
{
	size_t i = 0, j, r;
	int h1, h2;
	char *o;

	if (n == 0)
		return;
	mime_breserve(b, n); /* the output is never longer */
	o = b->s + b->len;
	while (i < n) {
		char c = s[i];
		/* a run of plain characters (in a body, blanks not at the
		 * end of a line are plain too) */
		r = i;
		if (hdr) {
			while (r < n && s[r] != '=' && s[r] != '_')
				r++;
		} else {
			for (;;) {
				while (r < n &&
				       !qp_special[(unsigned char)s[r]])
					r++;
				if (r >= n || s[r] == '=')
					break;
				j = r;
				while (j < n && is_wsp((unsigned char)s[j]))
					j++;
				if (j == n || s[j] == '\n' ||
				    (s[j] == '\r' && j + 1 < n &&
				     s[j + 1] == '\n'))
					break;
				r = j;
			}
		}
		if (r > i) {
			memcpy(o, s + i, r - i);
			o += r - i;
			i = r;
			continue;
		}
		if (c == '=') {
			if (i + 2 < n + 0 &&
			    (h1 = hexval((unsigned char)s[i + 1])) >= 0 &&
			    (h2 = hexval((unsigned char)s[i + 2])) >= 0) {
				*o++ = (char)(h1 * 16 + h2);
				i += 3;
				continue;
			}
			if (i + 2 == n && i + 1 < n &&
			    hexval((unsigned char)s[i + 1]) >= 0) {
				/* "=X" at the very end: bad, keep */
				*o++ = '=';
				i++;
				continue;
			}
			/* soft line break, possibly with transport padding */
			j = i + 1;
			while (j < n && is_wsp((unsigned char)s[j]))
				j++;
			if (j < n && s[j] == '\r')
				j++;
			if (j < n && s[j] == '\n') {
				i = j + 1;
				continue;
			}
			if (j == n) {
				i = j;
				continue;
			}
			*o++ = '=';
			i++;
			continue;
		}
		if (hdr && c == '_') {
			*o++ = ' ';
			i++;
			continue;
		}
		/* !hdr, whitespace: trailing whitespace on a line was added
		 * in transport */
		j = i;
		while (j < n && is_wsp((unsigned char)s[j]))
			j++;
		if (j == n || s[j] == '\n' ||
		    (s[j] == '\r' && j + 1 < n && s[j + 1] == '\n')) {
			i = j;
			continue;
		}
		memcpy(o, s + i, j - i);
		o += j - i;
		i = j;
	}
	b->len = (size_t)(o - b->s);
	b->s[b->len] = '\0';
}

/* ---- RFC 2047 ---- */

/*
 * ew_parse: if s[0..n) starts an encoded word "=?cs?X?text?=", fill the pieces
 * and return its length; else 0.
 */
static size_t
ew_parse(const char *s, size_t n, const char **cs, size_t *cslen, char *enc,
         const char **txt, size_t *txtlen)
{
	size_t i, q1, q2;

	if (n < 8 || s[0] != '=' || s[1] != '?')
		return 0;
	for (i = 2; i < n && i < 80 && s[i] != '?'; i++)
		if (isspace((unsigned char)s[i]) || (unsigned char)s[i] < 0x21)
			return 0;
	if (i >= n || s[i] != '?' || i == 2)
		return 0;
	q1 = i;
	if (q1 + 3 >= n || s[q1 + 2] != '?')
		return 0;
	*enc = (char)toupper((unsigned char)s[q1 + 1]);
	if (*enc != 'B' && *enc != 'Q')
		return 0;
	/* an encoded word is at most 75 chars; allow 500 (some mailers
	 * overrun), which also keeps a header full of "=?" linear */
	for (i = q1 + 3; i + 1 < n && i < q1 + 500; i++) {
		if (s[i] == '?' && s[i + 1] == '=')
			break;
		if (isspace((unsigned char)s[i]) || (unsigned char)s[i] < 0x21)
			return 0;
	}
	if (i + 1 >= n || s[i] != '?' || s[i + 1] != '=')
		return 0;
	q2 = i;
	*cs = s + 2;
	*cslen = q1 - 2;
	/* RFC 2231 language suffix: charset*lang */
	{
		const char *star = memchr(*cs, '*', *cslen);
		if (star)
			*cslen = (size_t)(star - *cs);
	}
	*txt = s + q1 + 3;
	*txtlen = q2 - (q1 + 3);
	return q2 + 2;
}

/*
 * rfc2047_decode: decode encoded words in s[0..n) into b.  Adjacent words of
 * the same charset are decoded together (a character may be split across them);
 * whitespace between encoded words is dropped.  Malformed words stay as they
 * are.
 */
static void
rfc2047_decode(struct buf *b, const char *s, size_t n)
{
	size_t i = 0, l, cslen, txtlen;
	struct buf raw; /* pending decoded bytes */
	char cs[64] = "", ncs[64];
	const char *csp, *txt;
	char enc;
	int pending = 0;

	buf_init(&raw);
	while (i < n) {
		l = (s[i] == '=') ? ew_parse(s + i, n - i, &csp, &cslen, &enc,
		                             &txt, &txtlen)
		                  : 0;
		if (l == 0) {
			if (pending && is_wsp((unsigned char)s[i])) {
				/* whitespace: dropped only if another word
				 * follows */
				size_t j = i;
				while (j < n && isspace((unsigned char)s[j]))
					j++;
				if (j < n && s[j] == '=' &&
				    ew_parse(s + j, n - j, &csp, &cslen, &enc,
				             &txt, &txtlen)) {
					i = j;
					continue;
				}
				mime_to_utf8(b, cs, raw.s, raw.len);
				raw.len = 0;
				pending = 0;
				badd(b, s + i, j - i);
				i = j;
				continue;
			}
			if (pending) {
				mime_to_utf8(b, cs, raw.s, raw.len);
				raw.len = 0;
				pending = 0;
			}
			if (s[i] != '=') {
				/* plain text up to the next '=' */
				const char *eq = memchr(s + i, '=', n - i);
				size_t k = eq ? (size_t)(eq - s) : n;
				badd(b, s + i, k - i);
				i = k;
				continue;
			}
			bputc(b, s[i]);
			i++;
			continue;
		}
		snprintf(ncs, sizeof(ncs), "%.*s",
		         (int)(cslen < 63 ? cslen : 63), csp);
		if (pending && strcasecmp(ncs, cs) != 0) {
			/* another charset: flush what the previous words gave
			 */
			mime_to_utf8(b, cs, raw.s, raw.len);
			raw.len = 0;
		}
		memcpy(cs, ncs, sizeof(cs));
		if (enc == 'B')
			mime_b64_decode(&raw, txt, txtlen);
		else
			mime_qp_decode(&raw, txt, txtlen, 1);
		pending = 1;
		i += l;
	}
	if (pending)
		mime_to_utf8(b, cs, raw.s, raw.len);
	buf_free(&raw);
}

/* raw_is_legacy: 1 if s holds 8-bit bytes and not one valid multi-byte UTF-8
 * sequence (so it is most likely Latin-1/windows-1252). */
static int
raw_is_legacy(const char *s, size_t n)
{
	size_t i = 0, l;
	int bad = 0;

	while (i < n) {
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		l = mime_utf8_len((const unsigned char *)s + i, n - i);
		if (l > 1)
			return 0;
		bad = 1;
		i++;
	}
	return bad;
}

/* mime_decode_header_value: RFC 2047 decode + sanitize: every C0 control
 * (NUL, TAB, CR, LF...) becomes a space, DEL is removed. */
char *
mime_decode_header_value(const char *s, size_t n)
{
	struct buf d, o;
	size_t i, k;

	/* plain printable ASCII without "=?" (most headers) stays as it is */
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f ||
		    (c == '=' && i + 1 < n && s[i + 1] == '?'))
			break;
	}
	if (i == n)
		return mime_memdup(s, n);

	buf_init(&d);
	buf_init(&o);
	if (raw_is_legacy(s, n)) {
		/* raw 8-bit that is not UTF-8: read it as windows-1252 */
		struct buf w;
		buf_init(&w);
		mime_to_utf8(&w, "windows-1252", s, n);
		if (w.s == NULL)
			buf_adds(&w, "");
		if (memmem(w.s, w.len, "=?", 2))
			rfc2047_decode(&d, w.s, w.len);
		else
			badd(&d, w.s, w.len);
		buf_free(&w);
	} else if (memmem(s, n, "=?", 2))
		rfc2047_decode(&d, s, n);
	else
		mime_add_sane_utf8(&d, s, n);
	if (d.len > 0)
		mime_breserve(&o, d.len);
	for (i = 0; i < d.len;) {
		unsigned char c = (unsigned char)d.s[i];
		if (c == '\t' || c == '\r' || c == '\n') {
			bputc(&o, ' ');
			i++;
		} else if (c < 0x20) {
			bputc(&o, ' '); /* a blank: words stay apart */
			i++;
		} else if (c == 0x7f) {
			i++;
		} else {
			for (k = i + 1; k < d.len; k++) {
				c = (unsigned char)d.s[k];
				if (c < 0x20 || c == 0x7f)
					break;
			}
			badd(&o, d.s + i, k - i);
			i = k;
		}
	}
	buf_free(&d);
	if (o.s == NULL || o.len == 0) {
		buf_free(&o);
		return xstrdup("");
	}
	return buf_steal(&o);
}

/* ext_decode: RFC 2231 "charset'lang'%XX..." (or a continuation without the
 * prefix when cs is given) -> bytes into raw; sets cs from the prefix. */
static void
ext_decode(struct buf *raw, const char *v, char *cs, size_t cslen, int first)
{
	const char *a, *b2;
	int h1, h2;

	if (first && (a = strchr(v, '\'')) && (b2 = strchr(a + 1, '\''))) {
		snprintf(cs, cslen, "%.*s", (int)(a - v), v);
		v = b2 + 1;
	}
	for (; *v; v++) {
		if (*v == '%' && (h1 = hexval((unsigned char)v[1])) >= 0 &&
		    (h2 = hexval((unsigned char)v[2])) >= 0) {
			bputc(raw, (char)(h1 * 16 + h2));
			v += 2;
		} else {
			bputc(raw, *v);
		}
	}
}

/*
 * mime_plist_get: parameter name, with RFC 2231 extended values and
 * continuations and RFC 2047 words (as some clients send) decoded; malloc'd or
 * NULL.
 */
char *
mime_plist_get(const struct param *v, size_t n, const char *name)
{
	const char *r;
	char key[96], cs[64] = "";
	struct buf raw, out;
	int i, any = 0, starred = 0;
	size_t nl = strlen(name), k;

	/* the RFC 2231 forms are "name*", "name*0*", "name*0"... */
	for (k = 0; k < n && !starred; k++)
		starred =
		    strncmp(v[k].name, name, nl) == 0 && v[k].name[nl] == '*';
	buf_init(&raw);
	buf_init(&out);
	if (!starred) {
		/* only the plain form can be there */
		if ((r = mime_plist_raw(v, n, name)) != NULL) {
			buf_adds(&raw, r);
			any = 1;
		}
	} else if (snprintf(key, sizeof(key), "%s*", name) > 0 &&
	           (r = mime_plist_raw(v, n, key)) != NULL) {
		ext_decode(&raw, r, cs, sizeof(cs), 1);
		any = 1;
	} else if ((r = mime_plist_raw(v, n, name)) != NULL) {
		buf_adds(&raw, r);
		any = 1;
		strcpy(cs, "");
	} else {
		for (i = 0; i < 100; i++) {
			snprintf(key, sizeof(key), "%s*%d*", name, i);
			if ((r = mime_plist_raw(v, n, key)) != NULL) {
				ext_decode(&raw, r, cs, sizeof(cs), i == 0);
			} else {
				snprintf(key, sizeof(key), "%s*%d", name, i);
				if ((r = mime_plist_raw(v, n, key)) == NULL)
					break;
				buf_adds(&raw, r);
			}
			any = 1;
		}
	}
	if (!any) {
		buf_free(&raw);
		return NULL;
	}
	if (raw.s == NULL)
		buf_adds(&raw, "");
	if (cs[0])
		mime_to_utf8(&out, cs, raw.s, raw.len);
	else
		buf_add(&out, raw.s, raw.len);
	buf_free(&raw);
	if (out.s == NULL)
		buf_adds(&out, "");
	r = mime_decode_header_value(out.s, out.len);
	buf_free(&out);
	return (char *)r;
}
