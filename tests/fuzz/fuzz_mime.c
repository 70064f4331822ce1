/*
 * fuzz_mime - the MIME parser (mime_parse and every accessor), address and
 * message-id parsing, dates and HTML to text.
 *
 * Checks, beyond "no crash, no leak, no UB": the text and every text part
 * hold no NUL or other C0 control but TAB/LF/CR, and decoded header values
 * no C0 control at all (mime.h).
 */
#include "autoconf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mime.h"

/* clean: 1 if s[0..n) holds no C0 control (but TAB/LF/CR when body). */
static int
clean(const char *s, size_t n, int body)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 &&
		    !(body && (c == '\t' || c == '\n' || c == '\r')))
			return 0;
	}
	return 1;
}

static void
walk(const struct mime_msg *m, int level)
{
	static const char *names[] = {
	    "From",       "To",         "Subject",      "Date",
	    "Message-ID", "References", "Content-Type", "Auto-Submitted"};
	const char *t = mime_text(m), *v;
	char *a, *n, **ids;
	size_t i, k, j;

	fuzz_check(clean(t, strlen(t), 1), "mime_text holds a control");
	(void)mime_date(m);
	(void)mime_content_type(m);
	(void)mime_param(m, "boundary");
	(void)mime_truncated(m);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		k = mime_header_count(m, names[i]);
		for (j = 0; j < k && j < 4; j++) {
			v = mime_header_nth(m, names[i], j);
			fuzz_check(v != NULL, "mime_header_nth within count");
			fuzz_check(clean(v, strlen(v), 0),
			           "decoded header holds a control");
		}
		v = mime_header_raw(m, names[i]);
		if (mime_addr_parse(v, &a, &n) == MIME_OK) {
			free(a);
			free(n);
		}
		k = mime_msgids(v, &ids);
		mime_strv_free(ids, k);
	}
	for (i = 0; i < mime_nparts(m); i++) {
		const struct mime_part *p = mime_part(m, i);
		if (strncmp(p->content_type, "text/", 5) == 0) {
			fuzz_check(strlen(p->body) == p->body_len,
			           "text part body holds a NUL");
			fuzz_check(clean(p->body, p->body_len, 1),
			           "text part body holds a control");
		}
	}
	fuzz_check(mime_part(m, mime_nparts(m)) == NULL, "mime_part bound");
	for (i = 0; i < mime_dsn_count(m); i++)
		(void)mime_dsn(m, i);
	if (mime_returned(m) && level < 2)
		walk(mime_returned(m), level + 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_msg *m = NULL;
	struct mime_limits lim;
	char *err = NULL, *t, *s;

	mime_limits_default(&lim);
	lim.max_parts = 50;
	if (mime_parse((const char *)data, size, &lim, &m, &err) != MIME_OK) {
		free(err);
		return 0;
	}
	walk(m, 0);
	mime_free(m);
	t = mime_html_to_text((const char *)data, size);
	fuzz_check(clean(t, strlen(t), 1), "html_to_text holds a control");
	free(t);
	s = fuzz_strndup(data, size < 200 ? size : 200);
	(void)mime_parse_date(s);
	free(s);
	return 0;
}
