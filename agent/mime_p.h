/*
 * mime_p - what the files of the mime module share (not part of the API:
 * callers use mime.h; only agent/mime*.c and the mime tests include this).
 *
 * The module is split by concern, as isync splits drv_imap.c/imap_p.h:
 *   mime.c         parse entry, the entity walk, DSN records, limits, accessors
 *   mime_decode.c  charsets (iconv), base64, quoted-printable, RFC 2047/2231
 *   mime_hdr.c     RFC 5322 header blocks, parameters, dates, addresses,
 *                  message ids
 *   mime_html.c    HTML to text
 *   mime_compose.c composition of outgoing mail
 *
 * Strings built here are NUL-terminated; struct buf (xalloc.h) grows with
 * mime_breserve.  Nothing here reports errors: the parser is best-effort and
 * every function below succeeds (allocation failure exits, as xalloc does).
 */
#ifndef NUDGE_MIME_P_H
#define NUDGE_MIME_P_H

#include <stddef.h>
#include <string.h>

#include "mime.h"
#include "xalloc.h"

#define MIME_DEPTH_CAP 100 /* hard cap whatever the caller asks */
/* a message/rfc822 part is copied (decoded) at each level: that nesting
 * stays shallow whatever max_depth allows multiparts */
#define MIME_MSG_DEPTH 20
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
	int headers_only;  /* the top-level header block only: no body, no
	                      parts (the returned original) */
	const char *returned_buf;
	size_t returned_len;
	int returned_found;
	char *returned_owned; /* decoded copy of the returned part, if any */
	int capture;          /* the next entity is the returned original:
	                         its header block becomes returned_msg */
	struct mime_msg *returned_msg;
};

/* A growing list of headers / of Content-Type parameters. */
struct hlist {
	struct hdr *v;
	size_t n, cap;
};

struct plist {
	struct param *v;
	size_t n, cap;
};

/* ---- mime.c: small string and buffer helpers ---- */

/* mime_lower: lowercase s (ASCII) in place; NULL is fine. */
void mime_lower(char *s);
/* mime_memdup: a malloc'd copy of n bytes (may hold NULs), NUL-terminated. */
char *mime_memdup(const char *s, size_t n);
/* mime_trimdup: a malloc'd copy of s[0..n) without leading/trailing
 * whitespace, cut at the first NUL. */
char *mime_trimdup(const char *s, size_t n);
/* mime_breserve: make room in b for extra more bytes and the NUL. */
void mime_breserve(struct buf *b, size_t extra);
/* mime_nul_to_space: replace each NUL of s[0..n) by a space, in place. */
void mime_nul_to_space(char *s, size_t n);
/* mime_controls_to_space: replace each C0 control of s[0..n) but TAB, LF
 * and CR (NUL included) by a space, in place: decoded text never holds a NUL
 * that would hide the rest of it from string functions. */
void mime_controls_to_space(char *s, size_t n);

/* is_wsp: 1 for SP and HTAB (RFC 5322 WSP). */
static inline int
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

/* hexval: the value of hex digit c, -1 if c is none. */
static inline int
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

/* bputc, badd: buf_addc and buf_add, without a call per byte. */
static inline void
bputc(struct buf *b, char c)
{
	if (b->cap - b->len < 2)
		mime_breserve(b, 1);
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

static inline void
badd(struct buf *b, const char *p, size_t n)
{
	mime_breserve(b, n);
	if (n)
		memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* ---- mime_decode.c ---- */

/* mime_put_utf8: append code point cp as UTF-8; NUL, surrogates and values
 * past U+10FFFF become U+FFFD. */
void mime_put_utf8(struct buf *b, unsigned long cp);
/* mime_utf8_len: length of the valid UTF-8 sequence at s (n bytes left), 0 if
 * invalid (overlong forms and surrogates are invalid). */
size_t mime_utf8_len(const unsigned char *s, size_t n);
/* mime_add_sane_utf8: append s[0..n), invalid UTF-8 bytes replaced by
 * U+FFFD. */
void mime_add_sane_utf8(struct buf *b, const char *s, size_t n);
/* mime_to_utf8: append n bytes of s converted from charset cs (NULL or "" =
 * UTF-8) as valid UTF-8; unknown charsets and invalid bytes give U+FFFD;
 * Latin-1 and ASCII labels are read as windows-1252. */
void mime_to_utf8(struct buf *b, const char *cs, const char *s, size_t n);
/* mime_b64_decode: append the bytes of base64 text s[0..n) (lenient:
 * characters outside the alphabet are skipped, '=' ends a group). */
void mime_b64_decode(struct buf *b, const char *s, size_t n);
/* mime_qp_decode: append the bytes of quoted-printable s[0..n) (RFC 2045);
 * hdr = 1 for RFC 2047 "Q" ('_' is a space). */
void mime_qp_decode(struct buf *b, const char *s, size_t n, int hdr);
/* mime_decode_header_value: a malloc'd UTF-8 copy of header value s[0..n):
 * RFC 2047 words decoded, raw 8-bit non-UTF-8 read as windows-1252, every C0
 * control (NUL, TAB, CR, LF...) made a space, DEL removed. */
char *mime_decode_header_value(const char *s, size_t n);
/* mime_plist_get: parameter name of v[0..n), with RFC 2231 extended values
 * and continuations and RFC 2047 words decoded; malloc'd, or NULL if absent. */
char *mime_plist_get(const struct param *v, size_t n, const char *name);

/* ---- mime_hdr.c ---- */

/* mime_line_end: index just past the line starting at p (LF, CRLF or end). */
size_t mime_line_end(const char *s, size_t n, size_t p);
/* mime_parse_headers: read the header block at s[0..n) into *out (bounded
 * by c's limits, which set c->m->truncated); returns the offset of the body.
 * A line that is neither a field nor a continuation ends the block; a
 * leading mbox "From " line is skipped. */
size_t mime_parse_headers(struct ctx *c, const char *s, size_t n,
                          struct hlist *out);
/* mime_hlist_free: free headers v[0..n) and v. */
void mime_hlist_free(struct hdr *v, size_t n);
/* mime_hlist_get: the raw value of the first header called name
 * (case-insensitive) in v[0..n), or NULL. */
const char *mime_hlist_get(const struct hdr *v, size_t n, const char *name);
/* mime_parse_ctype: "type/subtype; a=b; c="d"" -> *value (malloc'd,
 * lowercased first token) and parameters appended to *pl (names lowercased,
 * values unquoted, RFC 2231 forms kept under their starred names). */
void mime_parse_ctype(const char *s, char **value, struct plist *pl);
/* mime_plist_free: free parameters v[0..n) and v. */
void mime_plist_free(struct param *v, size_t n);
/* mime_plist_raw: the value of parameter name (exact, lowercase) in v[0..n)
 * as given, or NULL. */
const char *mime_plist_raw(const struct param *v, size_t n, const char *name);
/* mime_msgid_at: 1 if a "<...>" message-id token without blanks or controls
 * (3 to 998 bytes) starts at p, with its length in *len; else 0. */
int mime_msgid_at(const char *p, size_t *len);

#endif
