/* json - see json.h */
#include "autoconf.h"

#include <stdint.h>
#include <string.h>

#include "json.h"
#include "log.h"

void
json_str(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, k;
	unsigned long cp;

	if (s == NULL) {
		buf_adds(b, "null");
		return;
	}
	n = strlen(s);
	buf_addc(b, '"');
	while (n > 0) {
		/* a run of printable ASCII goes in at once */
		for (k = 0; k < n && p[k] >= 0x20 && p[k] < 0x7f && p[k] != '"' &&
		     p[k] != '\\'; k++)
			;
		if (k > 0) {
			buf_add(b, p, k);
			p += k;
			n -= k;
			continue;
		}
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
		} else if ((k = utf8_seq(p, n, &cp)) == 0) {
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
