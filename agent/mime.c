/*
 * mime - see mime.h.
 *
 * The parser works on one flat buffer.  Recursion happens only for nested
 * entities (multipart children, message/rfc822 bodies) and is bounded by
 * max_depth (clamped to MIME_DEPTH_CAP); every allocation is bounded by the
 * input size (itself cut at max_size), the header cap and the part cap.
 */
#include "autoconf.h"

#include <sys/random.h>

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "clock.h"
#include "mime.h"
#include "xalloc.h"

#define MIME_DEPTH_CAP 100     /* hard cap whatever the caller asks */
#define MIME_HEADERS_CAP 10000 /* headers kept per entity */
#define MIME_MSGIDS_MAX 100
#define MIME_DSN_MAX 1000

struct hdr {
	char *name;
	char *raw; /* unfolded, trimmed; allocated with name */
	char *dec; /* RFC 2047 decoded, controls removed; made on first use
	              (mime_header_nth), NULL until then */
};

struct param {
	char *name; /* lowercased */
	char *value;
};

struct leaf {
	struct mime_part p;
	int in_msg;
};

struct mime_msg {
	struct hdr *hdrs;
	size_t nhdrs;
	char *ctype;
	struct param *params;
	size_t nparams;
	struct leaf *leaves;
	size_t nleaves, capleaves;
	struct mime_dsn *dsns;
	size_t ndsns, capdsns;
	struct mime_msg *returned;
	char *text;
	int truncated;
};

/* Parse state shared by one mime_parse call. */
struct ctx {
	struct mime_limits lim;
	struct mime_msg *m;
	int nparts;
	int want_returned; /* compute m->returned */
	const char *returned_buf;
	size_t returned_len;
	int returned_found;
	char *returned_owned; /* decoded copy of the returned part, if any */
};

void
mime_limits_default(struct mime_limits *lim)
{
	lim->max_size = 10u * 1024 * 1024;
	lim->max_depth = 20;
	lim->max_parts = 200;
	lim->max_header = 64u * 1024;
}

/* ---- small string helpers ---- */

static void
lower(char *s)
{
	for (; s && *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static int
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* memdup: a malloc'd copy of n bytes (may hold NULs), NUL-terminated. */
static char *
memdup(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* trim: a malloc'd copy of s[0..n) without leading/trailing whitespace. */
static char *
trimdup(const char *s, size_t n)
{
	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return xstrndup(s, n);
}

/* ---- fast appends to a struct buf (grown as xalloc.c's buf_add does) ---- */

/* breserve: room for extra more bytes and the NUL. */
static void
breserve(struct buf *b, size_t extra)
{
	size_t need, cap;

	if (b->cap - b->len > extra)
		return;
	if (extra > SIZE_MAX - b->len - 1)
		b->s = xreallocarray(b->s, SIZE_MAX / 2 + 1, 2); /* exits */
	need = b->len + extra + 1;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	b->s = xreallocarray(b->s, cap, 1);
	b->cap = cap;
}

/* bputc, badd: buf_addc and buf_add, without a call per byte. */
static inline void
bputc(struct buf *b, char c)
{
	if (b->cap - b->len < 2)
		breserve(b, 1);
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

static inline void
badd(struct buf *b, const char *p, size_t n)
{
	breserve(b, n);
	if (n)
		memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
put_utf8(struct buf *b, unsigned long cp)
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

/* utf8_len: length of the valid UTF-8 sequence at s (n bytes left), 0 if
 * invalid. */
static size_t
utf8_len(const unsigned char *s, size_t n)
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

/* add_sane_utf8: append s[0..n), invalid UTF-8 bytes replaced by U+FFFD. */
static void
add_sane_utf8(struct buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, start, l;

	if (n == 0)
		return;
	breserve(b, n);
	while (i < n) {
		start = i;
		for (;;) { /* the longest valid run */
			i += ascii_run(u + i, n - i);
			if (i >= n)
				break;
			if ((l = utf8_len(u + i, n - i)) == 0)
				break;
			i += l;
		}
		badd(b, s + start, i - start);
		if (i < n) {
			put_utf8(b, 0xFFFD);
			i++;
		}
	}
}

/*
 * to_utf8: convert n bytes of s from charset cs into b as UTF-8; unknown
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
	    (size_t)(op - out) != sizeof(in) || memcmp(in, out, sizeof(in)))
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

static void
to_utf8(struct buf *b, const char *cs, const char *s, size_t n)
{
	char name[64];
	size_t i, j;
	iconv_t cd;
	char *in, *out;
	size_t inleft, outleft, r;
	char tmp[4096];
	int ascii_ok;

	if (cs == NULL || *cs == '\0') {
		add_sane_utf8(b, s, n);
		return;
	}
	for (i = j = 0; cs[i] && j < sizeof(name) - 1; i++)
		if (isalnum((unsigned char)cs[i]) || strchr("-_.:", cs[i]))
			name[j++] = (char)tolower((unsigned char)cs[i]);
	name[j] = '\0';
	if (!strcmp(name, "utf-8") || !strcmp(name, "utf8") || j == 0) {
		add_sane_utf8(b, s, n);
		return;
	}
	if (!strcmp(name, "us-ascii") || !strcmp(name, "ascii") ||
	    !strcmp(name, "iso-8859-1") || !strcmp(name, "iso8859-1") ||
	    !strcmp(name, "latin1") || !strcmp(name, "iso_8859-1"))
		strcpy(name, "windows-1252");
	if ((cd = iconv_get(name, &ascii_ok)) == (iconv_t)-1) {
		add_sane_utf8(b, s, n);
		return;
	}
	if (ascii_ok && ascii_run((const unsigned char *)s, n) == n) {
		add_sane_utf8(b, s, n); /* what the converter would give */
		return;
	}
	iconv(cd, NULL, NULL, NULL, NULL);
	in = (char *)s;
	inleft = n;
	while (inleft > 0) {
		out = tmp;
		outleft = sizeof(tmp);
		r = iconv(cd, &in, &inleft, &out, &outleft);
		add_sane_utf8(b, tmp, (size_t)(out - tmp));
		if (r == (size_t)-1) {
			if (errno == E2BIG)
				continue;
			/* EILSEQ or EINVAL (truncated sequence): skip one byte
			 */
			put_utf8(b, 0xFFFD);
			in++;
			inleft--;
			iconv(cd, NULL, NULL, NULL, NULL);
		}
	}
	out = tmp;
	outleft = sizeof(tmp);
	iconv(cd, NULL, NULL, &out, &outleft);
	add_sane_utf8(b, tmp, (size_t)(out - tmp));
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

/* b64_decode: lenient: characters outside the alphabet are skipped; '=' ends
 * a group (so concatenated encodings decode too). */
static void
b64_decode(struct buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long acc = 0;
	int bits = 0, v;
	size_t k = 0;
	char *o;

	if (n == 0)
		return;
	breserve(b, n / 4 * 3 + 3); /* 6 bits in per character */
	o = b->s + b->len;
	while (k < n) {
		unsigned char c = u[k];
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

/* qp_decode: RFC 2045 quoted-printable; hdr = 1 for RFC 2047 "Q" ('_' = space).
 */
/* qp_special: the bytes a quoted-printable body run stops at. */
static const unsigned char qp_special[256] = {['='] = 1, [' '] = 1, ['\t'] = 1};

static void
qp_decode(struct buf *b, const char *s, size_t n, int hdr)
{
	size_t i = 0, j, r;
	int h1, h2;
	char *o;

	if (n == 0)
		return;
	breserve(b, n); /* the output is never longer */
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
				to_utf8(b, cs, raw.s, raw.len);
				raw.len = 0;
				pending = 0;
				badd(b, s + i, j - i);
				i = j;
				continue;
			}
			if (pending) {
				to_utf8(b, cs, raw.s, raw.len);
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
			/* another charset: flush what the previous words gave */
			to_utf8(b, cs, raw.s, raw.len);
			raw.len = 0;
		}
		memcpy(cs, ncs, sizeof(cs));
		if (enc == 'B')
			b64_decode(&raw, txt, txtlen);
		else
			qp_decode(&raw, txt, txtlen, 1);
		pending = 1;
		i += l;
	}
	if (pending)
		to_utf8(b, cs, raw.s, raw.len);
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
		l = utf8_len((const unsigned char *)s + i, n - i);
		if (l > 1)
			return 0;
		bad = 1;
		i++;
	}
	return bad;
}

/* decode_header_value: RFC 2047 decode + sanitize: controls removed, TAB ->
 * space. */
static char *
decode_header_value(const char *s, size_t n)
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
		return memdup(s, n);

	buf_init(&d);
	buf_init(&o);
	if (raw_is_legacy(s, n)) {
		/* raw 8-bit that is not UTF-8: read it as windows-1252 */
		struct buf w;
		buf_init(&w);
		to_utf8(&w, "windows-1252", s, n);
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
		add_sane_utf8(&d, s, n);
	if (d.len > 0)
		breserve(&o, d.len);
	for (i = 0; i < d.len;) {
		unsigned char c = (unsigned char)d.s[i];
		if (c == '\t' || c == '\r' || c == '\n') {
			bputc(&o, ' ');
			i++;
		} else if (c < 0x20 || c == 0x7f) {
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

/* ---- headers ---- */

struct hlist {
	struct hdr *v;
	size_t n, cap;
};

static void
hlist_free(struct hdr *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name); /* raw is in the same block */
		free(v[i].dec);
	}
	free(v);
}

static const char *
hlist_get(const struct hdr *v, size_t n, const char *name)
{
	size_t i;

	int c0 = tolower((unsigned char)name[0]);

	for (i = 0; i < n; i++)
		if (tolower((unsigned char)v[i].name[0]) == c0 &&
		    strcasecmp(v[i].name, name) == 0)
			return v[i].raw;
	return NULL;
}

/* line_end: index just past the line starting at p (LF, CRLF or end). */
static size_t
line_end(const char *s, size_t n, size_t p)
{
	const char *nl = memchr(s + p, '\n', n - p);

	return nl ? (size_t)(nl - s) + 1 : n;
}

/*
 * parse_headers: read the header block at s[0..n) into *out; return the offset
 * of the body.  A line that is neither a field nor a continuation ends the
 * block (so a bare body parses as a body).  A leading mbox "From " line is
 * skipped.
 */
static size_t
parse_headers(struct ctx *c, const char *s, size_t n, struct hlist *out)
{
	size_t p = 0, e, k, vstart;
	struct buf val;

	buf_init(&val);
	if (n >= 5 && memcmp(s, "From ", 5) == 0)
		p = line_end(s, n, 0);
	while (p < n) {
		e = line_end(s, n, p);
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
				size_t le = line_end(s, n, p), ve = le;
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
				/* name and raw value in one block (trimmed,
				 * cut at a NUL, as trimdup does) */
				const char *rv = val.s ? val.s : "";
				size_t rl = val.len;
				while (rl > 0 && isspace((unsigned char)*rv)) {
					rv++;
					rl--;
				}
				while (rl > 0 &&
				       isspace((unsigned char)rv[rl - 1]))
					rl--;
				rl = strnlen(rv, rl);
				h.name = xmalloc(nlen + 1 + rl + 1);
				memcpy(h.name, s + nstart, nlen);
				h.name[nlen] = '\0';
				h.raw = h.name + nlen + 1;
				memcpy(h.raw, rv, rl);
				h.raw[rl] = '\0';
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

struct plist {
	struct param *v;
	size_t n, cap;
};

static void
plist_free(struct param *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

/*
 * parse_ctype: "type/subtype; a=b; c="d"" -> *value (lowercased first token)
 * and the parameters (names lowercased, values unquoted, raw RFC 2231 forms
 * kept under their starred names).
 */
static void
parse_ctype(const char *s, char **value, struct plist *pl)
{
	const char *p = s, *q;
	struct buf v;

	while (*p && *p != ';')
		p++;
	*value = trimdup(s, (size_t)(p - s));
	lower(*value);
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
			pr.name = trimdup(p, (size_t)(q - p));
			lower(pr.name);
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
				pr.value = trimdup(p, (size_t)(q - p));
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

static const char *
plist_raw(const struct param *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return v[i].value;
	return NULL;
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
 * plist_get: parameter name, with RFC 2231 extended values and continuations
 * and RFC 2047 words (as some clients send) decoded; malloc'd or NULL.
 */
static char *
plist_get(const struct param *v, size_t n, const char *name)
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
		if ((r = plist_raw(v, n, name)) != NULL) {
			buf_adds(&raw, r);
			any = 1;
		}
	} else if (snprintf(key, sizeof(key), "%s*", name) > 0 &&
	           (r = plist_raw(v, n, key)) != NULL) {
		ext_decode(&raw, r, cs, sizeof(cs), 1);
		any = 1;
	} else if ((r = plist_raw(v, n, name)) != NULL) {
		buf_adds(&raw, r);
		any = 1;
		strcpy(cs, "");
	} else {
		for (i = 0; i < 100; i++) {
			snprintf(key, sizeof(key), "%s*%d*", name, i);
			if ((r = plist_raw(v, n, key)) != NULL) {
				ext_decode(&raw, r, cs, sizeof(cs), i == 0);
			} else {
				snprintf(key, sizeof(key), "%s*%d", name, i);
				if ((r = plist_raw(v, n, key)) == NULL)
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
		to_utf8(&out, cs, raw.s, raw.len);
	else
		buf_add(&out, raw.s, raw.len);
	buf_free(&raw);
	if (out.s == NULL)
		buf_adds(&out, "");
	r = decode_header_value(out.s, out.len);
	buf_free(&out);
	return (char *)r;
}

/* ---- DSN ---- */

static void
dsn_free_one(struct mime_dsn *d)
{
	free(d->reporting_mta);
	free(d->final_recipient);
	free(d->original_recipient);
	free(d->action);
	free(d->status);
	free(d->diagnostic);
}

/* dsn_addr: "rfc822; <User@X>" -> "user@x". */
static char *
dsn_addr(const char *v)
{
	const char *semi = strchr(v, ';');
	char *a;
	size_t l;

	if (semi)
		v = semi + 1;
	a = trimdup(v, strlen(v));
	l = strlen(a);
	if (l >= 2 && a[0] == '<' && a[l - 1] == '>') {
		memmove(a, a + 1, l - 2);
		a[l - 2] = '\0';
	}
	lower(a);
	return a;
}

/*
 * parse_dsn: groups of "Field: value" lines separated by blank lines.  The
 * group with Reporting-MTA is per-message; each group naming a recipient (or,
 * in a real delivery-status part, an Action or Status) becomes a record.
 * Non-field lines are ignored.  strict = 1 for text/plain parts (need a
 * Final-Recipient).
 */
static void
parse_dsn(struct ctx *c, const char *s, size_t n, int strict)
{
	struct mime_msg *m = c->m;
	char *mta = NULL;
	size_t p = 0;

	while (p < n) {
		struct hlist hl = {NULL, 0, 0};
		struct mime_dsn d;
		const char *v;
		size_t used;

		/* skip blank lines and non-field lines (until a field starts)
		 */
		while (p < n) {
			size_t e = line_end(s, n, p), k;
			for (k = p;
			     k < e && s[k] != ':' && (unsigned char)s[k] > 32 &&
			     (unsigned char)s[k] < 127;
			     k++)
				;
			if (k > p && k < e && s[k] == ':')
				break;
			p = e;
		}
		if (p >= n)
			break;
		used = parse_headers(c, s + p, n - p, &hl);
		if (used == 0)
			used = line_end(s, n, p) - p;
		p += used;
		memset(&d, 0, sizeof(d));
		if ((v = hlist_get(hl.v, hl.n, "Reporting-MTA")) != NULL) {
			free(mta);
			mta = xstrdup(v);
		}
		if ((v = hlist_get(hl.v, hl.n, "Final-Recipient")) != NULL)
			d.final_recipient = dsn_addr(v);
		if ((v = hlist_get(hl.v, hl.n, "Original-Recipient")) != NULL)
			d.original_recipient = dsn_addr(v);
		if ((v = hlist_get(hl.v, hl.n, "Action")) != NULL) {
			d.action = trimdup(v, strlen(v));
			lower(d.action);
		}
		if ((v = hlist_get(hl.v, hl.n, "Status")) != NULL) {
			size_t l = strcspn(v, " \t(");
			d.status = xstrndup(v, l);
		}
		if ((v = hlist_get(hl.v, hl.n, "Diagnostic-Code")) != NULL)
			d.diagnostic = xstrdup(v);
		hlist_free(hl.v, hl.n);
		if ((strict && !d.final_recipient) ||
		    (!d.final_recipient && !d.original_recipient && !d.action &&
		     !d.status) ||
		    m->ndsns >= MIME_DSN_MAX) {
			dsn_free_one(&d);
			continue;
		}
		d.reporting_mta = mta ? xstrdup(mta) : NULL;
		if (m->ndsns == m->capdsns) {
			m->capdsns = m->capdsns ? m->capdsns * 2 : 4;
			m->dsns = xreallocarray(m->dsns, m->capdsns,
			                        sizeof(*m->dsns));
		}
		m->dsns[m->ndsns++] = d;
	}
	free(mta);
}

/* ---- the entity walk ---- */

/*
 * find_boundary_line: the first line at or after p that starts with
 * "--boundary".  Returns its offset or n; *close = 1 when it is the close
 * delimiter.
 */
static size_t
find_delim(const char *s, size_t n, size_t p, const char *bd, size_t bl,
           int *close)
{
	char nd[3 + 256];

	if (bl <= 256) {
		/* only lines starting with "--boundary" can match: jump from
		 * one "\n--boundary" to the next (p is a line start) */
		nd[0] = '\n';
		nd[1] = nd[2] = '-';
		memcpy(nd + 3, bd, bl);
		while (p < n) {
			const char *hit;

			if (n - p >= bl + 2 && s[p] == '-' && s[p + 1] == '-' &&
			    memcmp(s + p + 2, bd, bl) == 0) {
				size_t q = p + 2 + bl;
				*close = (n - q >= 2 && s[q] == '-' &&
				          s[q + 1] == '-');
				if (*close || q == n ||
				    isspace((unsigned char)s[q]))
					return p;
			}
			hit = memmem(s + p, n - p, nd, bl + 3);
			if (hit == NULL)
				return n;
			p = (size_t)(hit - s) + 1;
		}
		return n;
	}
	while (p < n) {
		if (n - p >= bl + 2 && s[p] == '-' && s[p + 1] == '-' &&
		    memcmp(s + p + 2, bd, bl) == 0) {
			size_t q = p + 2 + bl;
			*close = (n - q >= 2 && s[q] == '-' && s[q + 1] == '-');
			/* "--b1" must not match "--b10": only "--", blanks or
			 * EOL may follow */
			if (*close || q == n || isspace((unsigned char)s[q]))
				return p;
		}
		{
			const char *nl = memchr(s + p, '\n', n - p);
			if (nl == NULL)
				return n;
			p = (size_t)(nl - s) + 1;
		}
	}
	return n;
}

static void parse_entity(struct ctx *c, const char *s, size_t n, int depth,
                         int in_msg, const char *dflt_type,
                         const char *report_type);

static void
add_leaf(struct ctx *c, struct leaf *lf)
{
	struct mime_msg *m = c->m;

	if (m->nleaves == m->capleaves) {
		m->capleaves = m->capleaves ? m->capleaves * 2 : 8;
		m->leaves =
		    xreallocarray(m->leaves, m->capleaves, sizeof(*m->leaves));
	}
	m->leaves[m->nleaves++] = *lf;
}

/* crlf_to_lf: in place; returns the new length. */
static size_t
crlf_to_lf(char *s, size_t n)
{
	size_t i, j;
	const char *cr = memchr(s, '\r', n);

	if (cr == NULL) {
		s[n] = '\0';
		return n;
	}
	for (i = j = (size_t)(cr - s); i < n; i++) {
		if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
			continue;
		s[j++] = s[i];
	}
	s[j] = '\0';
	return j;
}

static void
parse_entity(struct ctx *c, const char *s, size_t n, int depth, int in_msg,
             const char *dflt_type, const char *report_type)
{
	struct hlist hl = {NULL, 0, 0};
	struct plist pl = {NULL, 0, 0};
	size_t body;
	const char *v, *cte, *d;
	char *ctype = NULL;
	struct buf dec;
	size_t dlen;
	int top = (depth == 0), view;

	if (c->nparts >= c->lim.max_parts) {
		c->m->truncated = 1;
		return;
	}
	c->nparts++;
	body = parse_headers(c, s, n, &hl);
	if ((v = hlist_get(hl.v, hl.n, "Content-Type")) != NULL)
		parse_ctype(v, &ctype, &pl);
	if (ctype == NULL || strchr(ctype, '/') == NULL || ctype[0] == '/' ||
	    ctype[strlen(ctype) - 1] == '/') {
		free(ctype);
		ctype = xstrdup(dflt_type);
	}
	if (top) {
		c->m->hdrs = hl.v;
		c->m->nhdrs = hl.n;
		c->m->ctype = xstrdup(ctype);
		c->m->params = pl.v;
		c->m->nparams = pl.n;
	}
	s += body;
	n -= body;
	cte = hlist_get(hl.v, hl.n, "Content-Transfer-Encoding");

	if (strncmp(ctype, "multipart/", 10) == 0) {
		const char *bd = plist_raw(pl.v, pl.n, "boundary");
		size_t bl = bd ? strlen(bd) : 0, p, q, e;
		int close = 0, any = 0;
		const char *child_dflt = strcmp(ctype, "multipart/digest") == 0
		                             ? "message/rfc822"
		                             : "text/plain";
		const char *rt = NULL;

		if (strcmp(ctype, "multipart/report") == 0)
			rt = plist_raw(pl.v, pl.n, "report-type");
		if (bl > 0 && bl <= 200) {
			if (depth + 1 > c->lim.max_depth) {
				c->m->truncated = 1;
				goto out;
			}
			p = find_delim(s, n, 0, bd, bl, &close);
			while (p < n && !close) {
				p = line_end(s, n, p); /* start of the part */
				q = find_delim(s, n, p, bd, bl, &close);
				/* the CRLF before the delimiter belongs to it
				 */
				e = q;
				if (e > p && s[e - 1] == '\n')
					e--;
				if (e > p && s[e - 1] == '\r')
					e--;
				if (q > p || q < n)
					parse_entity(
					    c, s + p, e >= p ? e - p : 0,
					    depth + 1, in_msg, child_dflt, rt);
				any = 1;
				if (c->nparts >= c->lim.max_parts) {
					if (q < n && !close)
						c->m->truncated = 1;
					break;
				}
				p = q;
			}
		}
		if (any)
			goto out;
		/* no usable boundary: treat as text */
		free(ctype);
		ctype = xstrdup("text/plain");
	}

	/* the transfer-decoded body is d[0..dlen): dec, or s itself when
	 * there is nothing to decode (copied only where a copy is kept) */
	buf_init(&dec);
	view = 0;
	if (cte && strncasecmp(cte, "base64", 6) == 0)
		b64_decode(&dec, s, n);
	else if (cte && strncasecmp(cte, "quoted-printable", 16) == 0)
		qp_decode(&dec, s, n, 0);
	else
		view = 1;
	if (view) {
		d = s;
		dlen = n;
	} else {
		if (dec.s == NULL)
			buf_adds(&dec, "");
		d = dec.s;
		dlen = dec.len;
	}

	if (strcmp(ctype, "message/rfc822") == 0 ||
	    strcmp(ctype, "message/global") == 0) {
		if (view) {
			badd(&dec, s, n);
			d = dec.s;
			dlen = dec.len;
		}
		if (c->want_returned && !c->returned_found) {
			c->returned_found = 1;
			c->returned_owned = memdup(dec.s, dec.len);
			c->returned_len = dec.len;
		}
		if (depth + 1 > c->lim.max_depth)
			c->m->truncated = 1;
		else
			parse_entity(c, dec.s, dec.len, depth + 1, 1,
			             "text/plain", NULL);
		buf_free(&dec);
		goto out;
	}
	if (strcmp(ctype, "message/delivery-status") == 0 ||
	    strcmp(ctype, "message/global-delivery-status") == 0)
		parse_dsn(c, d, dlen, 0);
	else if (report_type &&
	         strcasecmp(report_type, "delivery-status") == 0 &&
	         strcmp(ctype, "text/plain") == 0 &&
	         memmem(d, dlen, "inal-", 5))
		parse_dsn(c, d, dlen, 1);
	if ((strcmp(ctype, "text/rfc822-headers") == 0 ||
	     strcmp(ctype, "message/rfc822-headers") == 0) &&
	    c->want_returned && !c->returned_found) {
		c->returned_found = 1;
		c->returned_owned = memdup(d, dlen);
		c->returned_len = dlen;
	}

	{
		struct leaf lf;
		struct plist dp = {NULL, 0, 0};
		char *disp = NULL;

		memset(&lf, 0, sizeof(lf));
		lf.in_msg = in_msg;
		lf.p.depth = depth;
		lf.p.content_type = ctype;
		ctype = NULL;
		lf.p.charset = plist_get(pl.v, pl.n, "charset");
		if (lf.p.charset) {
			char *t = trimdup(lf.p.charset, strlen(lf.p.charset));
			free(lf.p.charset);
			lf.p.charset = t;
			lower(lf.p.charset);
			if (!*lf.p.charset) {
				free(lf.p.charset);
				lf.p.charset = NULL;
			}
		}
		if ((v = hlist_get(hl.v, hl.n, "Content-Disposition")) !=
		    NULL) {
			parse_ctype(v, &disp, &dp);
			if (*disp)
				lf.p.disposition = disp;
			else
				free(disp);
			lf.p.filename = plist_get(dp.v, dp.n, "filename");
			plist_free(dp.v, dp.n);
		}
		if (lf.p.filename == NULL)
			lf.p.filename = plist_get(pl.v, pl.n, "name");
		if (strncmp(lf.p.content_type, "text/", 5) == 0) {
			struct buf u;
			buf_init(&u);
			to_utf8(&u, lf.p.charset, d, dlen);
			if (u.s == NULL)
				buf_adds(&u, "");
			u.len = crlf_to_lf(u.s, u.len);
			lf.p.body_len = u.len;
			lf.p.body = buf_steal(&u);
			buf_free(&dec);
		} else if (view) {
			lf.p.body_len = dlen;
			lf.p.body = memdup(d, dlen);
		} else {
			lf.p.body_len = dec.len;
			lf.p.body = buf_steal(&dec);
		}
		add_leaf(c, &lf);
	}
out:
	free(ctype);
	if (!top) {
		hlist_free(hl.v, hl.n);
		plist_free(pl.v, pl.n);
	}
}

static void
pick_text(struct mime_msg *m)
{
	size_t i;

	for (i = 0; i < m->nleaves; i++) {
		struct mime_part *p = &m->leaves[i].p;
		if (!m->leaves[i].in_msg &&
		    strcmp(p->content_type, "text/plain") == 0 &&
		    !(p->disposition &&
		      strcmp(p->disposition, "attachment") == 0)) {
			m->text = xstrdup(p->body);
			return;
		}
	}
	for (i = 0; i < m->nleaves; i++) {
		struct mime_part *p = &m->leaves[i].p;
		if (!m->leaves[i].in_msg &&
		    strcmp(p->content_type, "text/html") == 0 &&
		    !(p->disposition &&
		      strcmp(p->disposition, "attachment") == 0)) {
			m->text = mime_html_to_text(p->body, p->body_len);
			return;
		}
	}
	m->text = xstrdup("");
}

static struct mime_msg *parse_msg(const char *buf, size_t len,
                                  const struct mime_limits *lim,
                                  int want_returned);

/* is_field_line: "Name: ..." with a printable, blank-free name. */
static int
is_field_line(const char *s, size_t n)
{
	size_t k;

	for (k = 0; k < n && s[k] != ':' && (unsigned char)s[k] > 32 &&
	            (unsigned char)s[k] < 127;
	     k++)
		;
	return k > 0 && k < n && s[k] == ':';
}

/*
 * find_inline_original: many bounces (Exim, qmail, old Sendmail, Gmail) quote
 * the original inline in a text part instead of attaching it.  Find the first
 * line starting with "Message-ID:" in a text/plain leaf outside any attached
 * message, walk back to the start of its header block, and parse from there.
 */
static struct mime_msg *
find_inline_original(const struct mime_msg *m, const struct mime_limits *lim)
{
	size_t i;

	for (i = 0; i < m->nleaves; i++) {
		const struct mime_part *p = &m->leaves[i].p;
		const char *b = p->body, *hit = NULL, *q, *start;
		size_t n = p->body_len, pos = 0;
		struct mime_msg *r;

		if (m->leaves[i].in_msg ||
		    strcmp(p->content_type, "text/plain"))
			continue;
		while (pos < n) {
			const char *nl = memchr(b + pos, '\n', n - pos);
			size_t e = nl ? (size_t)(nl - b) : n;
			if (e - pos >= 11 &&
			    strncasecmp(b + pos, "Message-ID:", 11) == 0) {
				hit = b + pos;
				break;
			}
			pos = nl ? e + 1 : n;
		}
		if (hit == NULL)
			continue;
		/* walk back over field and continuation lines */
		start = hit;
		while (start > b) {
			q = start - 1; /* the '\n' ending the previous line */
			while (q > b && q[-1] != '\n')
				q--;
			if (q == start - 1 ||
			    (start - 1 - q == 1 && *q == '\r'))
				break; /* blank line */
			if (!is_field_line(q, (size_t)(start - 1 - q)) &&
			    !is_wsp((unsigned char)*q))
				break;
			start = q;
		}
		r = parse_msg(start, n - (size_t)(start - b), lim, 0);
		if (r->nhdrs > 0 && mime_header(r, "Message-ID"))
			return r;
		mime_free(r);
	}
	return NULL;
}

static struct mime_msg *
parse_msg(const char *buf, size_t len, const struct mime_limits *lim,
          int want_returned)
{
	struct ctx c;
	struct mime_msg *m = xcalloc(1, sizeof(*m));

	memset(&c, 0, sizeof(c));
	c.lim = *lim;
	c.m = m;
	c.want_returned = want_returned;
	if (len > c.lim.max_size) {
		len = c.lim.max_size;
		m->truncated = 1;
	}
	parse_entity(&c, buf, len, 0, 0, "text/plain", NULL);
	if (m->ctype == NULL)
		m->ctype = xstrdup("text/plain");
	pick_text(m);
	if (c.returned_owned) {
		struct mime_limits l2 = c.lim;
		l2.max_depth = c.lim.max_depth > 1 ? c.lim.max_depth - 1 : 1;
		m->returned =
		    parse_msg(c.returned_owned, c.returned_len, &l2, 0);
		free(c.returned_owned);
	} else if (want_returned) {
		m->returned = find_inline_original(m, &c.lim);
	}
	return m;
}

int
mime_parse(const char *buf, size_t len, const struct mime_limits *lim,
           struct mime_msg **out, char **errstr)
{
	struct mime_limits l;

	if (lim)
		l = *lim;
	else
		mime_limits_default(&l);
	if (l.max_depth < 1)
		l.max_depth = 1;
	if (l.max_depth > MIME_DEPTH_CAP)
		l.max_depth = MIME_DEPTH_CAP;
	if (l.max_parts < 1)
		l.max_parts = 1;
	if (l.max_header < 1)
		l.max_header = 1;
	if (buf == NULL || len == 0) {
		if (errstr)
			*errstr = xstrdup("mime: empty message");
		return MIME_EINVAL;
	}
	*out = parse_msg(buf, len, &l, 1);
	return MIME_OK;
}

void
mime_free(struct mime_msg *m)
{
	size_t i;

	if (m == NULL)
		return;
	hlist_free(m->hdrs, m->nhdrs);
	plist_free(m->params, m->nparams);
	free(m->ctype);
	for (i = 0; i < m->nleaves; i++) {
		struct mime_part *p = &m->leaves[i].p;
		free(p->content_type);
		free(p->charset);
		free(p->disposition);
		free(p->filename);
		free(p->body);
	}
	free(m->leaves);
	for (i = 0; i < m->ndsns; i++)
		dsn_free_one(&m->dsns[i]);
	free(m->dsns);
	mime_free(m->returned);
	free(m->text);
	free(m);
}

int
mime_truncated(const struct mime_msg *m)
{
	return m->truncated || (m->returned && m->returned->truncated);
}

const char *
mime_header_nth(const struct mime_msg *m, const char *name, size_t i)
{
	size_t k;

	int c0 = tolower((unsigned char)name[0]);

	for (k = 0; k < m->nhdrs; k++)
		if (tolower((unsigned char)m->hdrs[k].name[0]) == c0 &&
		    strcasecmp(m->hdrs[k].name, name) == 0 && i-- == 0) {
			struct hdr *h = &m->hdrs[k]; /* the cache is ours */
			if (h->dec == NULL)
				h->dec =
				    decode_header_value(h->raw, strlen(h->raw));
			return h->dec;
		}
	return NULL;
}

const char *
mime_header(const struct mime_msg *m, const char *name)
{
	return mime_header_nth(m, name, 0);
}

const char *
mime_header_raw(const struct mime_msg *m, const char *name)
{
	return hlist_get(m->hdrs, m->nhdrs, name);
}

size_t
mime_header_count(const struct mime_msg *m, const char *name)
{
	size_t k, c = 0;

	for (k = 0; k < m->nhdrs; k++)
		if (strcasecmp(m->hdrs[k].name, name) == 0)
			c++;
	return c;
}

size_t
mime_nparts(const struct mime_msg *m)
{
	return m->nleaves;
}

const struct mime_part *
mime_part(const struct mime_msg *m, size_t i)
{
	return i < m->nleaves ? &m->leaves[i].p : NULL;
}

const char *
mime_content_type(const struct mime_msg *m)
{
	return m->ctype;
}

const char *
mime_param(const struct mime_msg *m, const char *param)
{
	size_t i;

	for (i = 0; i < m->nparams; i++)
		if (strcasecmp(m->params[i].name, param) == 0)
			return m->params[i].value;
	return NULL;
}

const char *
mime_text(const struct mime_msg *m)
{
	return m->text ? m->text : "";
}

size_t
mime_dsn_count(const struct mime_msg *m)
{
	return m->ndsns;
}

const struct mime_dsn *
mime_dsn(const struct mime_msg *m, size_t i)
{
	return i < m->ndsns ? &m->dsns[i] : NULL;
}

const struct mime_msg *
mime_returned(const struct mime_msg *m)
{
	return m->returned;
}

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
					put_utf8(&o, cp);
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
		add_sane_utf8(&u, o.s, o.len);
		buf_free(&o);
		if (u.s == NULL)
			buf_adds(&u, "");
		return buf_steal(&u);
	}
}

/* ---- dates ---- */

static long
days_from_civil(long y, unsigned m, unsigned d)
{
	long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

time_t
mime_parse_date(const char *v)
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
			lower(tok);
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
	days = days_from_civil(year, (unsigned)mon + 1, (unsigned)day);
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

/* split_top: end of the element starting at s (top-level ',' outside quotes,
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
		char *a = trimdup(lt, (size_t)(gt - lt));
		char *colon =
		    strrchr(a, ':'); /* obsolete source route "@a,@b:" */
		if (colon && a[0] == '@')
			memmove(a, colon + 1, strlen(colon + 1) + 1);
		lower(a);
		if (!addr_ok(a)) {
			free(a);
			goto out;
		}
		*addr = a;
		if (name) {
			char *t = trimdup(ph.s, ph.len);
			if (*t == '\0') {
				free(t);
				t = trimdup(cm.s, cm.len);
			}
			if (*t) {
				*name = decode_header_value(t, strlen(t));
				free(t);
			} else {
				free(t);
				*name = NULL;
			}
		}
		ret = MIME_OK;
	} else {
		char *a = trimdup(bare.s, bare.len);
		lower(a);
		if (!addr_ok(a)) {
			free(a);
			goto out;
		}
		*addr = a;
		if (name) {
			char *t = trimdup(cm.s, cm.len);
			if (*t) {
				*name = decode_header_value(t, strlen(t));
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

static int
msgid_at(const char *p, size_t *len)
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
		if (msgid_at(p, &l)) {
			total++;
			p += l - 1;
		}
	if (total == 0)
		return 0;
	v = xcalloc(total < MIME_MSGIDS_MAX ? total : MIME_MSGIDS_MAX,
	            sizeof(*v));
	for (p = value, l = 0; *p; p++) {
		size_t i;
		if (!msgid_at(p, &l))
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

/* ---- composition ---- */

static int
fill_random(void *p, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = getrandom((char *)p + got, n - got, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

char *
mime_message_id(const char *domain, time_t now)
{
	static unsigned long counter;
	uint64_t r;
	char d[256];
	size_t i, j = 0;

	if (fill_random(&r, sizeof(r)) != 0)
		r = ((uint64_t)now << 20) ^ (uint64_t)clock();
	r ^= (uint64_t)++counter << 48;
	for (i = 0; domain && domain[i] && j < sizeof(d) - 1; i++)
		if (isalnum((unsigned char)domain[i]) || domain[i] == '.' ||
		    domain[i] == '-')
			d[j++] = domain[i];
	d[j] = '\0';
	return xasprintf("<%lld.%016llx@%s>", (long long)now,
	                 (unsigned long long)r, j ? d : "localhost");
}

/* check_value: no control characters (TAB included), valid UTF-8. */
static int
check_value(const char *field, const char *v, char **errstr)
{
	size_t i, n = strlen(v), l;

	for (i = 0; i < n; i += l) {
		unsigned char c = (unsigned char)v[i];
		if (c < 0x20 || c == 0x7f) {
			*errstr = xasprintf(
			    "mime: %s contains a control character (0x%02x): "
			    "refused (header injection?)",
			    field, c);
			return MIME_EINVAL;
		}
		if ((l = utf8_len((const unsigned char *)v + i, n - i)) == 0) {
			*errstr =
			    xasprintf("mime: %s is not valid UTF-8", field);
			return MIME_EINVAL;
		}
	}
	return MIME_OK;
}

/* addr_spec_ok: a plain dot-atom@domain. */
static int
addr_spec_ok(const char *a)
{
	const char *at = strchr(a, '@'), *p;
	static const char atext[] = "!#$%&'*+/=?^_`{|}~-";

	if (at == NULL || at == a || strchr(at + 1, '@') || strlen(a) > 254)
		return 0;
	for (p = a; p < at; p++)
		if (!(isalnum((unsigned char)*p) || strchr(atext, *p) ||
		      (*p == '.' && p != a && p + 1 != at && p[1] != '.')))
			return 0;
	p = at + 1;
	if (*p == '\0' || *p == '.' || *p == '-')
		return 0;
	for (; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '-' ||
		      (*p == '.' && p[1] != '.' && p[1] != '\0')))
			return 0;
	return 1;
}

static int
check_addr(const char *field, const char *a, char **errstr)
{
	if (a == NULL || !addr_spec_ok(a)) {
		*errstr = xasprintf(
		    "mime: %s is not a plain address (user@domain): refused",
		    field);
		return MIME_EINVAL;
	}
	return MIME_OK;
}

static int
check_msgids(const char *field, const char *v, int one, char **errstr)
{
	const char *p = v;
	size_t l, n = 0;

	if (check_value(field, v, errstr) != MIME_OK)
		return MIME_EINVAL;
	while (*p) {
		if (*p == ' ') {
			p++;
			continue;
		}
		if (!msgid_at(p, &l) || !memchr(p, '@', l)) {
			*errstr = xasprintf(
			    "mime: %s is not a list of <id@domain> tokens",
			    field);
			return MIME_EINVAL;
		}
		p += l;
		n++;
	}
	if (n == 0 || (one && n != 1)) {
		*errstr = xasprintf("mime: %s must hold %s <id@domain>", field,
		                    one ? "exactly one" : "at least one");
		return MIME_EINVAL;
	}
	return MIME_OK;
}

static int
needs_encoding(const char *s)
{
	const char *p;
	size_t w = 0;

	if (*s == ' ' || (*s && s[strlen(s) - 1] == ' ') || strstr(s, "=?") ||
	    strstr(s, "  "))
		return 1;
	for (p = s; *p; p++) {
		if ((unsigned char)*p >= 0x80)
			return 1;
		w = (*p == ' ') ? 0 : w + 1;
		if (w > 60)
			return 1;
	}
	return 0;
}

/*
 * add_encoded: RFC 2047 words for UTF-8 s, starting at column *col, folding so
 * no line exceeds 78.  Q for mostly-ASCII text, else B.
 */
static void
add_encoded(struct buf *b, const char *s, size_t *col)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(s), i = 0, hi = 0, k;
	int useb;

	for (k = 0; k < n; k++)
		if ((unsigned char)s[k] >= 0x80)
			hi++;
	useb = hi * 3 > n;
	while (i < n) {
		/* words after the first go on a new folded line (column 1) */
		size_t c0 = i > 0 ? 1 : *col;
		size_t room = c0 + 16 < 78 ? 78 - c0 : 16, cl, wl, start = i;
		struct buf w;
		if (room > 75)
			room = 75;
		/* "=?utf-8?X?" + "?=" = 12 chars of overhead */
		buf_init(&w);
		wl = 12;
		while (i < n) {
			cl = utf8_len((const unsigned char *)s + i, n - i);
			if (cl == 0)
				cl = 1;
			if (useb) {
				size_t bytes = i + cl - start;
				if (12 + 4 * ((bytes + 2) / 3) > room &&
				    i > start)
					break;
			} else {
				size_t add = 0;
				for (k = 0; k < cl; k++) {
					unsigned char c =
					    (unsigned char)s[i + k];
					add += (isalnum(c) || c == ' ' ||
					        strchr("!*+-/", c))
					           ? 1
					           : 3;
				}
				if (wl + add > room && i > start)
					break;
				wl += add;
			}
			i += cl;
		}
		buf_adds(&w, useb ? "=?utf-8?B?" : "=?utf-8?Q?");
		if (useb) {
			const unsigned char *q =
			    (const unsigned char *)s + start;
			size_t len = i - start, j;
			for (j = 0; j < len; j += 3) {
				unsigned long v = (unsigned long)q[j] << 16;
				if (j + 1 < len)
					v |= (unsigned long)q[j + 1] << 8;
				if (j + 2 < len)
					v |= q[j + 2];
				bputc(&w, b64[(v >> 18) & 63]);
				bputc(&w, b64[(v >> 12) & 63]);
				bputc(&w,
				      j + 1 < len ? b64[(v >> 6) & 63] : '=');
				bputc(&w, j + 2 < len ? b64[v & 63] : '=');
			}
		} else {
			for (k = start; k < i; k++) {
				unsigned char c = (unsigned char)s[k];
				if (c == ' ')
					bputc(&w, '_');
				else if (isalnum(c) || strchr("!*+-/", c))
					bputc(&w, (char)c);
				else
					buf_printf(&w, "=%02X", c);
			}
		}
		buf_adds(&w, "?=");
		if (start > 0) {
			buf_adds(b, "\r\n ");
			*col = 1;
		}
		buf_add(b, w.s, w.len);
		*col += w.len;
		buf_free(&w);
	}
}

/* add_folded: ASCII text folded at spaces so lines stay within 78 when
 * possible. */
static void
add_folded(struct buf *b, const char *s, size_t *col)
{
	const char *p = s;

	while (*p) {
		const char *sp = strchr(p + 1, ' ');
		size_t wl = sp ? (size_t)(sp - p) : strlen(p);
		if (*p == ' ' && *col + wl > 78 && *col > 1) {
			buf_adds(b, "\r\n");
			*col = 0;
		}
		buf_add(b, p, wl);
		*col += wl;
		p += wl;
	}
}

/* add_unstructured: "Name: value\r\n", encoded if needed. */
static void
add_unstructured(struct buf *b, const char *name, const char *v)
{
	size_t col;

	buf_printf(b, "%s: ", name);
	col = strlen(name) + 2;
	if (needs_encoding(v))
		add_encoded(b, v, &col);
	else
		add_folded(b, v, &col);
	buf_adds(b, "\r\n");
}

/* add_mailbox: "Name: display <addr>\r\n". */
static void
add_mailbox(struct buf *b, const char *field, const char *name,
            const char *addr)
{
	size_t col = strlen(field) + 2;
	const char *p;
	int plain = 1;

	buf_printf(b, "%s: ", field);
	if (name && *name) {
		if (needs_encoding(name)) {
			add_encoded(b, name, &col);
		} else {
			for (p = name; *p; p++)
				if (!(isalnum((unsigned char)*p) || *p == ' ' ||
				      strchr("!#$%&'*+-/=?^_`{|}~", *p)))
					plain = 0;
			if (plain) {
				add_folded(b, name, &col);
			} else {
				bputc(b, '"');
				for (p = name; *p; p++) {
					if (*p == '"' || *p == '\\')
						bputc(b, '\\');
					bputc(b, *p);
				}
				bputc(b, '"');
				col += strlen(name) + 2;
			}
		}
		if (col + strlen(addr) + 3 > 78)
			buf_adds(b, "\r\n");
		buf_printf(b, " <%s>\r\n", addr);
	} else {
		buf_printf(b, "%s\r\n", addr);
	}
}

/* add_list: a header whose value is space separated tokens, folded. */
static void
add_list(struct buf *b, const char *name, const char *v)
{
	size_t col = strlen(name) + 1;
	const char *p = v;

	buf_printf(b, "%s:", name);
	while (*p) {
		size_t l;
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		l = strcspn(p, " ");
		if (col + 1 + l > 78 && col > strlen(name) + 1) {
			buf_adds(b, "\r\n");
			col = 0;
		}
		bputc(b, ' ');
		buf_add(b, p, l);
		col += 1 + l;
		p += l;
	}
	buf_adds(b, "\r\n");
}

/*
 * qp_encode: quoted-printable, CRLF lines, no line over 76; a physical line
 * never starts with '.' or "From " and never ends in whitespace.
 */
static void
qp_encode(struct buf *b, const char *s)
{
	size_t n = strlen(s), i = 0, col = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		char tok[4];
		size_t tl;
		int eol;

		if (c == '\r' && i + 1 < n && s[i + 1] == '\n') {
			buf_adds(b, "\r\n");
			col = 0;
			i += 2;
			continue;
		}
		if (c == '\n') {
			buf_adds(b, "\r\n");
			col = 0;
			i++;
			continue;
		}
		eol = (i + 1 == n || s[i + 1] == '\n' ||
		       (s[i + 1] == '\r' && i + 2 < n && s[i + 2] == '\n'));
		if ((c == ' ' || c == '\t') && !eol) {
			tok[0] = (char)c;
			tl = 1;
		} else if (c > 32 && c < 127 && c != '=' &&
		           !(col == 0 && c == '.') &&
		           !(col == 0 && c == 'F' && n - i >= 5 &&
		             memcmp(s + i, "From ", 5) == 0)) {
			tok[0] = (char)c;
			tl = 1;
		} else {
			snprintf(tok, sizeof(tok), "=%02X", c);
			tl = 3;
		}
		/* soft break: leave room for '=' unless this token ends the
		 * line */
		if (col + tl > (eol ? 76 : 75)) {
			buf_adds(b, "=\r\n");
			col = 0;
			if (tl == 1 &&
			    (c == '.' || (c == 'F' && n - i >= 5 &&
			                  memcmp(s + i, "From ", 5) == 0))) {
				snprintf(tok, sizeof(tok), "=%02X", c);
				tl = 3;
			}
		}
		buf_add(b, tok, tl);
		col += tl;
		i++;
	}
}

static void
add_date(struct buf *b, time_t t, const char *tz)
{
	static const char *dn[] = {"Sun", "Mon", "Tue", "Wed",
	                           "Thu", "Fri", "Sat"};
	static const char *mn[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;
	long off;

	clock_localtime(t, tz, &tm);
	off = tm.tm_gmtoff / 60;
	buf_printf(b, "Date: %s, %d %s %d %02d:%02d:%02d %c%02ld%02ld\r\n",
	           dn[tm.tm_wday], tm.tm_mday, mn[tm.tm_mon], tm.tm_year + 1900,
	           tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
	           labs(off) / 60, labs(off) % 60);
}

/* check_extra: "Name: value" lines; returns them re-emitted (folded) into b. */
static int
add_extra(struct buf *b, const char *x, char **errstr)
{
	const char *p = x;

	while (*p) {
		size_t l = strcspn(p, "\n"), vl;
		const char *colon, *q;
		char *name, *val;
		int r;

		vl = l;
		if (vl > 0 && p[vl - 1] == '\r')
			vl--;
		if (vl == 0) {
			p += l + (p[l] ? 1 : 0);
			continue;
		}
		colon = memchr(p, ':', vl);
		for (q = p; colon && q < colon; q++)
			if ((unsigned char)*q <= 32 || (unsigned char)*q >= 127)
				break;
		if (colon == NULL || colon == p || q != colon) {
			*errstr = xstrdup("mime: extra_headers: a line is not "
			                  "\"Name: value\"");
			return MIME_EINVAL;
		}
		name = xstrndup(p, (size_t)(colon - p));
		val = trimdup(colon + 1, vl - (size_t)(colon + 1 - p));
		{
			char *f = xasprintf("extra header %s", name);
			r = check_value(f, val, errstr);
			free(f);
		}
		if (r == MIME_OK)
			add_unstructured(b, name, val);
		free(name);
		free(val);
		if (r != MIME_OK)
			return r;
		p += l + (p[l] ? 1 : 0);
	}
	return MIME_OK;
}

int
mime_compose(const struct mime_out *o, char **msg, size_t *len, char **errstr)
{
	struct buf b, tp, hp;
	int r = MIME_EINVAL;
	const char *subject = o->subject ? o->subject : "";
	char bd[64];

	buf_init(&b);
	buf_init(&tp);
	buf_init(&hp);
	if (check_addr("from_addr", o->from_addr, errstr) ||
	    check_addr("to_addr", o->to_addr, errstr) ||
	    (o->from_name && check_value("from_name", o->from_name, errstr)) ||
	    (o->to_name && check_value("to_name", o->to_name, errstr)) ||
	    check_value("subject", subject, errstr) ||
	    (o->list_unsubscribe &&
	     check_value("list_unsubscribe", o->list_unsubscribe, errstr)))
		goto out;
	if (o->cc && *o->cc) {
		const char *p = o->cc;
		if (check_value("cc", o->cc, errstr))
			goto out;
		while (*p) {
			size_t l = strcspn(p, ",");
			char *a = trimdup(p, l);
			int bad = check_addr("cc", a, errstr);
			free(a);
			if (bad)
				goto out;
			p += l + (p[l] ? 1 : 0);
		}
	}
	if (o->message_id == NULL) {
		*errstr = xstrdup("mime: message_id is required");
		goto out;
	}
	if (check_msgids("message_id", o->message_id, 1, errstr) ||
	    (o->in_reply_to && *o->in_reply_to &&
	     check_msgids("in_reply_to", o->in_reply_to, 0, errstr)) ||
	    (o->references && *o->references &&
	     check_msgids("references", o->references, 0, errstr)))
		goto out;
	if (o->list_unsubscribe && *o->list_unsubscribe &&
	    o->list_unsubscribe[0] != '<') {
		*errstr = xstrdup("mime: list_unsubscribe must be "
		                  "\"<mailto:...>\" (or <https:...>)");
		goto out;
	}

	add_date(&b, o->date, o->tz);
	add_mailbox(&b, "From", o->from_name, o->from_addr);
	add_mailbox(&b, "To", o->to_name, o->to_addr);
	if (o->cc && *o->cc) {
		struct buf cc;
		const char *p = o->cc;
		buf_init(&cc);
		while (*p) {
			size_t l = strcspn(p, ",");
			char *a = trimdup(p, l);
			buf_printf(&cc, "%s%s", cc.len ? ", " : "", a);
			free(a);
			p += l + (p[l] ? 1 : 0);
		}
		add_list(&b, "Cc", cc.s);
		buf_free(&cc);
	}
	add_unstructured(&b, "Subject", subject);
	buf_printf(&b, "Message-ID: %s\r\n", o->message_id);
	if (o->in_reply_to && *o->in_reply_to)
		add_list(&b, "In-Reply-To", o->in_reply_to);
	if (o->references && *o->references)
		add_list(&b, "References", o->references);
	if (o->list_unsubscribe && *o->list_unsubscribe)
		add_list(&b, "List-Unsubscribe", o->list_unsubscribe);
	if (o->extra_headers &&
	    add_extra(&b, o->extra_headers, errstr) != MIME_OK)
		goto out;
	buf_adds(&b, "MIME-Version: 1.0\r\n");

	buf_adds(&tp, "");
	buf_adds(&hp, "");
	qp_encode(&tp, o->text ? o->text : "");
	if (o->html == NULL) {
		buf_adds(&b,
		         "Content-Type: text/plain; charset=utf-8\r\n"
		         "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
		buf_add(&b, tp.s, tp.len);
		if (tp.len < 2 || memcmp(tp.s + tp.len - 2, "\r\n", 2) != 0)
			buf_adds(&b, "\r\n");
	} else {
		qp_encode(&hp, o->html);
		for (;;) {
			unsigned char rnd[12];
			size_t i;
			if (fill_random(rnd, sizeof(rnd)) != 0)
				for (i = 0; i < sizeof(rnd); i++)
					rnd[i] = (unsigned char)(rand() & 0xff);
			strcpy(bd, "=_nudge_");
			for (i = 0; i < sizeof(rnd); i++)
				snprintf(bd + 8 + 2 * i, 3, "%02x", rnd[i]);
			/* "=_" cannot occur in quoted-printable, but check
			 * anyway */
			if (!memmem(tp.s, tp.len, bd, strlen(bd)) &&
			    !memmem(hp.s, hp.len, bd, strlen(bd)))
				break;
		}
		buf_printf(&b,
		           "Content-Type: multipart/alternative;\r\n "
		           "boundary=\"%s\"\r\n\r\n",
		           bd);
		buf_printf(
		    &b,
		    "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
		    bd);
		buf_add(&b, tp.s, tp.len);
		buf_printf(
		    &b,
		    "\r\n--%s\r\nContent-Type: text/html; charset=utf-8\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
		    bd);
		buf_add(&b, hp.s, hp.len);
		buf_printf(&b, "\r\n--%s--\r\n", bd);
	}
	*len = b.len;
	*msg = buf_steal(&b);
	r = MIME_OK;
out:
	buf_free(&b);
	buf_free(&tp);
	buf_free(&hp);
	return r;
}
