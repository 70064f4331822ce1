/*
 * fuzz_dsn - the delivery-status (RFC 3464) parser and the returned original
 * of a bounce.  The input is parsed as a whole message, then wrapped as the
 * message/delivery-status part of a multipart/report (so every input reaches
 * the DSN field parser), then as a text/plain part of a report (the strict
 * path) and as its message/rfc822 part (the returned original).
 */
#include "autoconf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mime.h"
#include "xalloc.h"

static void
check(const char *buf, size_t len)
{
	struct mime_msg *m = NULL;
	const struct mime_msg *r;
	char *err = NULL;
	size_t i;

	if (mime_parse(buf, len, NULL, &m, &err) != MIME_OK) {
		free(err);
		return;
	}
	for (i = 0; i < mime_dsn_count(m); i++) {
		const struct mime_dsn *d = mime_dsn(m, i);
		fuzz_check(d != NULL, "mime_dsn within count");
		fuzz_check(d->final_recipient || d->original_recipient ||
		               d->action || d->status,
		           "empty DSN record");
		if (d->final_recipient)
			(void)strlen(d->final_recipient);
		if (d->diagnostic)
			(void)strlen(d->diagnostic);
	}
	fuzz_check(mime_dsn(m, mime_dsn_count(m)) == NULL, "mime_dsn bound");
	if ((r = mime_returned(m)) != NULL) {
		(void)mime_header(r, "Message-ID");
		(void)mime_header(r, "To");
		(void)mime_text(r);
		(void)mime_dsn_count(r);
	}
	mime_free(m);
}

static void
wrapped(const char *pre, const uint8_t *data, size_t size)
{
	static const char post[] = "\r\n--b--\r\n";
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "From: MAILER-DAEMON@example.com\r\n"
	             "Content-Type: multipart/report; "
	             "report-type=delivery-status; boundary=b\r\n\r\n--b\r\n");
	buf_adds(&b, pre);
	buf_add(&b, (const char *)data, size);
	buf_add(&b, post, sizeof(post) - 1);
	check(b.s, b.len);
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check((const char *)data, size);
	wrapped("Content-Type: message/delivery-status\r\n\r\n", data, size);
	wrapped("Content-Type: text/plain\r\n\r\n", data, size);
	wrapped("Content-Type: message/rfc822\r\n\r\n", data, size);
	return 0;
}
