/*
 * mime - parse incoming mail (RFC 5322 / MIME / RFC 2047 / RFC 3464 DSN) and
 * compose outgoing mail.
 *
 * Parsing is defensive: mime_parse never crashes, never recurses without bound
 * and never allocates without bound on hostile input.  Limits (struct
 * mime_limits) cut what exceeds them and set the truncated flag; the result is
 * a best-effort tree.  Everything a struct mime_msg hands out (strings, parts,
 * DSN records, the returned original) is owned by the message and lives until
 * mime_free.  Strings returned are NUL-terminated UTF-8 holding no NUL (the
 * bodies of non-text parts are raw bytes and may: use body_len).
 *
 * Only libc and iconv are used here.  Not thread-safe: mime_header decodes a
 * header into m on first use, and iconv converters are cached process-wide.
 */
#ifndef NUDGE_MIME_H
#define NUDGE_MIME_H

#include <stddef.h>
#include <time.h>

enum { MIME_OK = 0, MIME_EINVAL, MIME_ETOOBIG };

struct mime_limits {
	size_t max_size;   /* bytes parsed, default 10 MiB; the rest is ignored
	                      and   the truncated flag set */
	int max_depth;     /* multipart nesting, default 64 (message/rfc822
	                      nesting at most 20) */
	int max_parts;     /* parts (leaves and containers), default 200 */
	size_t max_header; /* one header's unfolded size, default 64 KiB */
};

/* mime_limits_default: fill *lim with the defaults above. */
void mime_limits_default(struct mime_limits *lim);

struct mime_part {
	char *content_type; /* lowercased "type/subtype", "text/plain" if absent
	                     */
	char *charset;      /* lowercased, or NULL */
	char *disposition;  /* lowercased "inline"/"attachment"..., or NULL */
	char *filename;     /* decoded (RFC 2231/2047), or NULL */
	char *body; /* transfer-decoded (QP/base64); text parts converted to
	               UTF-8 (invalid bytes -> U+FFFD) with CRLF -> LF and
	               every C0 control but TAB, LF and CR (NUL included)
	               made a space; other parts raw bytes; always
	               NUL-terminated */
	size_t body_len;
	int depth; /* 0 = top level */
};

struct mime_msg; /* opaque */

/*
 * mime_parse: parse len bytes of buf (a whole message, CRLF or LF line ends).
 * lim NULL = defaults.  On MIME_OK *out is a new message (free with mime_free).
 * Returns MIME_EINVAL (with *errstr allocated) only when nothing usable was
 * found (e.g. buf NULL or empty); otherwise a best-effort tree.
 */
int mime_parse(const char *buf, size_t len, const struct mime_limits *lim,
               struct mime_msg **out, char **errstr);
/* mime_free: release m and everything it handed out; NULL is fine. */
void mime_free(struct mime_msg *m);
/* mime_truncated: 1 if a limit cut something, else 0. */
int mime_truncated(const struct mime_msg *m);

/*
 * mime_header: the first header called name (case-insensitive), unfolded, RFC
 * 2047 encoded words decoded to UTF-8 (B and Q, any iconv charset, adjacent
 * encoded words joined), C0 control characters (NUL, TAB, CR, LF...) made
 * spaces and DEL removed,
 * raw 8-bit text that is not UTF-8 read as windows-1252, invalid UTF-8 bytes
 * replaced by U+FFFD.  NULL if absent.
 */
const char *mime_header(const struct mime_msg *m, const char *name);
/* mime_header_raw: as mime_header, unfolded but not decoded (a NUL byte
 * becomes a space; other controls stay). */
const char *mime_header_raw(const struct mime_msg *m, const char *name);
/* mime_header_count: how many headers called name. */
size_t mime_header_count(const struct mime_msg *m, const char *name);
/* mime_header_nth: the i-th (0-based) header called name, decoded; NULL if
 * none. */
const char *mime_header_nth(const struct mime_msg *m, const char *name,
                            size_t i);

/* mime_nparts: number of leaf parts, in document order (depth first). */
size_t mime_nparts(const struct mime_msg *m);
/* mime_part: leaf part i, or NULL if i is out of range. */
const struct mime_part *mime_part(const struct mime_msg *m, size_t i);
/* mime_content_type: top-level content type, lowercased ("text/plain" if
 * absent). */
const char *mime_content_type(const struct mime_msg *m);
/* mime_param: a top-level Content-Type parameter (e.g. "report-type",
 * "boundary"), name case-insensitive; NULL if absent. */
const char *mime_param(const struct mime_msg *m, const char *param);

/*
 * mime_text: the best plain-text body: the first text/plain leaf that is not an
 * attachment and not inside a message/rfc822, else the first such text/html
 * converted with mime_html_to_text; "" if none.  Owned by m.
 */
const char *mime_text(const struct mime_msg *m);

/*
 * mime_html_to_text: a malloc'd plain-text rendering of html (len bytes): drops
 * script/style and comments, turns <br>, <p>, <div>, <li>, <tr>, <blockquote>,
 * headings into newlines, decodes entities (&amp; &lt; &gt; &quot; &#39; &apos;
 * &nbsp; and numeric &#N; &#xN;).  The result is valid UTF-8 without NUL or
 * other C0 controls but TAB, LF and CR (they become spaces).  Never NULL.
 */
char *mime_html_to_text(const char *html, size_t len);

/* mime_date: the RFC 5322 Date (obsolete forms and zone names tolerated), or 0
 * if missing or unparseable. */
time_t mime_date(const struct mime_msg *m);
/* mime_parse_date: the same for a Date header value. */
time_t mime_parse_date(const char *value);
/* mime_date_written_day: the calendar day a Date value states, in its
 * writer's own zone (days since 1970-01-01), or -1 if it does not parse:
 * "Thu, 3 Dec 2026 07:45 +1100" is 3 December whatever the reader's zone. */
long mime_date_written_day(const char *value);

/*
 * mime_addr_parse: the first mailbox of an address header value (pass the
 * mime_header_raw value: a decoded display name may hold a comma).  On MIME_OK,
 * *addr is the malloc'd lowercased addr-spec and *name the malloc'd decoded
 * display name or NULL (name may be passed as NULL).  MIME_EINVAL if none.
 */
int mime_addr_parse(const char *value, char **addr, char **name);

/*
 * mime_msgids: all "<...>" tokens of an In-Reply-To/References/Message-ID value
 * (at most 100), as a malloc'd array of malloc'd strings including the
 * brackets. Returns the count; *ids is NULL when 0.  Free with mime_strv_free.
 */
size_t mime_msgids(const char *value, char ***ids);
/* mime_strv_free: free the n strings of v and v itself. */
void mime_strv_free(char **v, size_t n);

/*
 * Delivery status (RFC 3464), from any message/delivery-status part (also
 * message/global-delivery-status and the text/plain parts of a multipart/report
 * whose report-type is delivery-status).  One record per recipient block;
 * fields are NULL when absent.
 */
struct mime_dsn {
	char *reporting_mta;   /* "dns; mx.example" as given */
	char *final_recipient; /* the address, "rfc822;" stripped, lowercased */
	char *original_recipient; /* idem */
	char *action;             /* lowercased: failed, delayed, ... */
	char *status;             /* "5.1.1" */
	char *diagnostic;         /* Diagnostic-Code, as given (unfolded) */
};
size_t mime_dsn_count(const struct mime_msg *m);
/* mime_dsn: record i or NULL. */
const struct mime_dsn *mime_dsn(const struct mime_msg *m, size_t i);

/*
 * mime_returned: the returned original of a bounce: the first message/rfc822
 * (or message/global) or text/rfc822-headers part; failing that, an original
 * quoted inline in a text/plain part (Exim, qmail, Gmail, old Sendmail): the
 * header block around the first line starting with "Message-ID:"; else NULL.
 * Only its header block is parsed (mime_header*, mime_content_type,
 * mime_param): it has no parts, no DSN records and mime_text "" - its body
 * is in m's own parts (in_msg).  Owned by m.  Meant for bounces: a human
 * reply quoting full headers would yield one too.
 */
const struct mime_msg *mime_returned(const struct mime_msg *m);

/* composition (outgoing) */
struct mime_out {
	const char *from_name, *from_addr; /* name may be NULL */
	const char *to_name, *to_addr;     /* name may be NULL */
	const char *cc; /* NULL, or plain addr-specs, comma separated */
	const char *subject;
	const char *message_id;  /* "<...>", required */
	const char *in_reply_to; /* NULL or "<...>" */
	const char *references;  /* NULL or "<a> <b> ..." */
	const char *
	    list_unsubscribe; /* NULL or full value "<mailto:a@b?subject=..>" */
	const char *text;     /* UTF-8 body */
	const char *html;     /* NULL or UTF-8 HTML alternative */
	const char *extra_headers; /* NULL or "Name: value" lines (LF or CRLF
	                              separated), each checked */
	time_t date;
	const char *tz; /* zone for the Date header's offset; NULL/"" = local */
};

/*
 * mime_compose: render o as an RFC 5322 message with CRLF line ends into a
 * malloc'd *msg of *len bytes (also NUL-terminated).  Text bodies go out as
 * quoted-printable UTF-8 (LF or CRLF in text become CRLF; a final CRLF is
 * added when missing); with html, as multipart/alternative.  Returns
 * MIME_OK, or MIME_EINVAL with *errstr naming the field when a header value
 * holds CR, LF, NUL or another control character, an address is not a plain
 * addr-spec, a required field is missing or a value is not valid UTF-8.
 */
int mime_compose(const struct mime_out *o, char **msg, size_t *len,
                 char **errstr);

/* mime_message_id: a malloc'd "<timestamp.random@domain>" (random from
 * getrandom()), unique per call. */
char *mime_message_id(const char *domain, time_t now);

#endif
