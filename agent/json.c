/* json - see json.h */
#include "autoconf.h"

#include <stdint.h>
#include <string.h>

#include "json.h"

/* utf8_len: length of the valid UTF-8 sequence at p (at most n bytes), 0 if
 * invalid. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = p[0] & 0x07;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void
json_str(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, k;

	if (s == NULL) {
		buf_adds(b, "null");
		return;
	}
	n = strlen(s);
	buf_addc(b, '"');
	while (n > 0) {
		if (*p == '"' || *p == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, (char)*p);
			k = 1;
		} else if (*p == '\n') {
			buf_adds(b, "\\n");
			k = 1;
		} else if (*p == '\t') {
			buf_adds(b, "\\t");
			k = 1;
		} else if (*p == '\r') {
			buf_adds(b, "\\r");
			k = 1;
		} else if (*p < 0x20 || *p == 0x7f) {
			buf_printf(b, "\\u%04x", *p);
			k = 1;
		} else if ((k = utf8_len(p, n)) == 0) {
			buf_adds(b, "\\ufffd");
			k = 1;
		} else if (k == 2 && p[0] == 0xc2 && p[1] <= 0x9f) {
			/* a C1 control (U+0080..U+009F): escaped, so that
			 * JSON shown on a terminal cannot drive it */
			buf_printf(b, "\\u%04x", p[1]);
		} else
			buf_add(b, p, k);
		p += k;
		n -= k;
	}
	buf_addc(b, '"');
}

void
json_key(struct buf *b, int *first, const char *key)
{
	if (!*first)
		buf_addc(b, ',');
	*first = 0;
	json_str(b, key);
	buf_addc(b, ':');
}

void
json_kv(struct buf *b, int *first, const char *key, const char *value)
{
	json_key(b, first, key);
	json_str(b, value);
}

void
json_ki(struct buf *b, int *first, const char *key, long long value)
{
	json_key(b, first, key);
	buf_printf(b, "%lld", value);
}

void
json_kb(struct buf *b, int *first, const char *key, int value)
{
	json_key(b, first, key);
	buf_adds(b, value ? "true" : "false");
}
