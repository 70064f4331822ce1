/*
 * test_mime - parsing (RFC 5322/2045/2047/2231/3464), hostile input,
 * composition.
 *
 * Reads $SHARED_DIR/corpus (default /work/shared) and
 * $top_srcdir/tests/data/mime (default "."); exits 77 with a reason when the
 * shared corpus is absent.
 */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "mime.h"
#include "mime_p.h" /* the module's internals, tested directly below */
#include "xalloc.h"

static const char *shared_dir;

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char tmp[65536];
	size_t n;

	if (f == NULL)
		return NULL;
	buf_init(&b);
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	*len = b.len;
	return buf_steal(&b);
}

static char *
corpus_file(const char *rel, size_t *len)
{
	char *p = xasprintf("%s/corpus/%s", shared_dir, rel);
	char *s = slurp(p, len);

	if (s == NULL)
		fail_msg("cannot read %s", p);
	free(p);
	return s;
}

static struct mime_msg *
parse_str(const char *s)
{
	struct mime_msg *m = NULL;
	char *err = NULL;

	assert_int_equal(mime_parse(s, strlen(s), NULL, &m, &err), MIME_OK);
	assert_non_null(m);
	return m;
}

/* ---- RFC 2047 ---- */

static void
test_rfc2047(void **state)
{
	static const struct {
		const char *raw, *want;
	} t[] = {
	    {"=?ISO-8859-1?Q?Andr=E9?= Pirard", "Andr\xc3\xa9 Pirard"},
	    {"=?UTF-8?B?w6lsw6h2ZQ==?=", "\xc3\xa9l\xc3\xa8ve"},
	    {"=?utf-8?q?caf=C3=A9_au_lait?=", "caf\xc3\xa9 au lait"},
	    {"=?windows-1252?Q?=93quoted=94?=",
	     "\xe2\x80\x9cquoted\xe2\x80\x9d"},
	    {"=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=", "ab"},
	    {"=?ISO-8859-1?Q?a?=\r\n   =?ISO-8859-1?Q?b?=", "ab"},
	    {"=?ISO-8859-1?Q?a?= b", "a b"},
	    {"x =?ISO-8859-1?Q?a?=", "x a"},
	    {"=?UTF-8?Q?=C3?= =?UTF-8?Q?=A9?=",
	     "\xc3\xa9"}, /* char split over words */
	    {"=?UTF-8?B?w6k=?==?UTF-8?B?w6k=?=", "\xc3\xa9\xc3\xa9"},
	    {"=?iso-8859-1?q?=E9?= =?utf-8?q?=C3=A9?=", "\xc3\xa9\xc3\xa9"},
	    {"Re: =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=",
	     "Re: \xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88"},
	    {"=?utf-8*en?Q?lang?=", "lang"},
	    {"=?utf-8?Q?broken", "=?utf-8?Q?broken"},
	    {"=?utf-8?X?abc?=", "=?utf-8?X?abc?="},
	    {"=??Q?abc?=", "=??Q?abc?="},
	    {"=?utf-8?Q?has space?=", "=?utf-8?Q?has space?="},
	    {"=?no-such-charset?Q?abc?=", "abc"},
	    {"=?utf-8?Q?bad=ZZhex?=", "bad=ZZhex"},
	    {"plain \x01\x7f"
	     "ctl",
	     "plain  ctl"}, /* a C0 control is a blank, DEL goes */
	    {"tab\there", "tab here"},
	    {"raw latin-1 caf\xe9 \x93q\x94",
	     "raw latin-1 caf\xc3\xa9 \xe2\x80\x9cq\xe2\x80\x9d"},
	    {"utf-8 \xc3\xa9 and a bad byte \xff",
	     "utf-8 \xc3\xa9 and a bad byte \xef\xbf\xbd"},
	    {"raw \xe9 =?utf-8?Q?=C3=A9?=", "raw \xc3\xa9 \xc3\xa9"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *msg = xasprintf("Subject: %s\r\n\r\nbody\r\n", t[i].raw);
		struct mime_msg *m = parse_str(msg);
		const char *got = mime_header(m, "subject");
		if (got == NULL || strcmp(got, t[i].want) != 0)
			fail_msg("row %zu: %s -> [%s], want [%s]", i, t[i].raw,
			         got ? got : "(null)", t[i].want);
		mime_free(m);
		free(msg);
	}
}

static void
test_headers_folded(void **state)
{
	struct mime_msg *m = parse_str("From mbox-line Tue Nov 24 2026\n"
	                               "Received: from a\r\n\tby b\r\n"
	                               "Received: from c\r\n"
	                               "subject: one\r\n two\r\n\tthree\r\n"
	                               "X-Empty:\r\n"
	                               "Subject : second\r\n"
	                               "\r\n"
	                               "Body: not a header\r\n");

	(void)state;
	assert_string_equal(mime_header_raw(m, "SUBJECT"), "one two\tthree");
	assert_string_equal(mime_header(m, "Subject"), "one two three");
	assert_int_equal(mime_header_count(m, "subject"), 2);
	assert_string_equal(mime_header_nth(m, "subject", 1), "second");
	assert_null(mime_header_nth(m, "subject", 2));
	assert_int_equal(mime_header_count(m, "received"), 2);
	assert_string_equal(mime_header_nth(m, "Received", 0), "from a by b");
	assert_string_equal(mime_header(m, "x-empty"), "");
	assert_null(mime_header(m, "Body"));
	assert_null(mime_header(m, "X-Missing"));
	assert_string_equal(mime_content_type(m), "text/plain");
	assert_string_equal(mime_text(m), "Body: not a header\n");
	mime_free(m);
}

/* ---- structure ---- */

static void
test_multipart_nested(void **state)
{
	const char *top = getenv("top_srcdir");
	char *path =
	    xasprintf("%s/tests/data/mime/nested.eml", top ? top : ".");
	size_t len;
	char *s = slurp(path, &len), *err = NULL;
	struct mime_msg *m;
	const struct mime_part *p;
	char **ids;
	size_t n;

	(void)state;
	if (s == NULL)
		fail_msg("cannot read %s", path);
	assert_int_equal(mime_parse(s, len, NULL, &m, &err), MIME_OK);
	assert_string_equal(mime_content_type(m), "multipart/mixed");
	assert_string_equal(mime_param(m, "boundary"), "outer");
	assert_string_equal(mime_header(m, "Subject"),
	                    "Re: Angebot f\xc3\xbcr M\xc3\xbcnchen");
	assert_int_equal(mime_nparts(m), 4);
	p = mime_part(m, 0);
	assert_string_equal(p->content_type, "text/plain");
	assert_string_equal(p->charset, "iso-8859-1");
	assert_int_equal(p->depth, 2);
	assert_string_equal(
	    p->body, "Gr\xc3\xbc\xc3\x9f"
	             "e aus M\xc3\xbcnchen, a long line that is soft broken.");
	p = mime_part(m, 1);
	assert_string_equal(p->content_type, "text/html");
	assert_non_null(strstr(p->body, "<p>Hello &amp; welcome</p>"));
	p = mime_part(m, 2);
	assert_string_equal(p->content_type, "text/plain");
	assert_string_equal(p->body, "forwarded text");
	assert_int_equal(p->depth, 2);
	p = mime_part(m, 3);
	assert_string_equal(p->content_type, "application/pdf");
	assert_string_equal(p->disposition, "attachment");
	assert_string_equal(p->filename, "Pr\xc3\xa4sentation.pdf");
	assert_int_equal(p->body_len, 9);
	assert_memory_equal(p->body, "%PDF-1.4\n", 9);
	assert_null(mime_part(m, 4));
	assert_string_equal(
	    mime_text(m),
	    "Gr\xc3\xbc\xc3\x9f"
	    "e aus M\xc3\xbcnchen, a long line that is soft broken.");
	assert_non_null(mime_returned(m));
	assert_string_equal(mime_header(mime_returned(m), "Message-ID"),
	                    "<fwd@example.org>");
	assert_int_equal(mime_truncated(m), 0);
	assert_true(mime_date(m) == 1795536309); /* 2026-11-24 16:05:09Z */
	n = mime_msgids(mime_header(m, "References"), &ids);
	assert_int_equal(n, 2);
	assert_string_equal(ids[1], "<1790000000.abc@nudge.example>");
	mime_strv_free(ids, n);
	{
		char *a, *nm;
		assert_int_equal(
		    mime_addr_parse(mime_header_raw(m, "From"), &a, &nm),
		    MIME_OK);
		assert_string_equal(a, "juergen@example.de");
		assert_string_equal(nm, "J\xc3\xbcrgen M\xc3\xbcller");
		free(a);
		free(nm);
	}
	mime_free(m);
	free(s);
	free(path);
}

static void
test_html_only_text(void **state)
{
	struct mime_msg *m = parse_str(
	    "Content-Type: multipart/alternative; boundary=b\r\n\r\n"
	    "--b\r\nContent-Type: text/plain\r\nContent-Disposition: "
	    "attachment\r\n\r\nnot me\r\n"
	    "--b\r\nContent-Type: "
	    "text/html\r\n\r\n<div>Yes</div><div>please</div>\r\n--b--\r\n");

	(void)state;
	assert_string_equal(mime_text(m), "Yes\nplease");
	mime_free(m);
}

/* ---- transfer decoding and charsets ---- */

static void
test_transfer_decoding(void **state)
{
	static const struct {
		const char *cte, *ctype, *in, *want;
	} t[] = {
	    {"quoted-printable", "text/plain", "soft=\r\nbreak", "softbreak"},
	    {"quoted-printable", "text/plain", "soft=  \r\nbreak pad",
	     "softbreak pad"},
	    {"quoted-printable", "text/plain", "a=3Db=3db", "a=b=b"},
	    /* (a raw 8-bit byte without a charset is windows-1252: y") */
	    {"quoted-printable", "text/plain", "bad =ZZ and =\xff",
	     "bad =ZZ and =\xc3\xbf"},
	    {"quoted-printable", "text/plain", "trailing   \r\nx",
	     "trailing\nx"},
	    {"quoted-printable", "text/plain; charset=utf-8", "=C3=A9t=C3=A9",
	     "\xc3\xa9t\xc3\xa9"},
	    {"Quoted-Printable", "text/plain", "end=", "end"},
	    {"base64", "text/plain", "aGVs\r\nbG8=", "hello"},
	    {"base64", "text/plain", "aGV*sb!G8", "hello"},
	    {"base64", "text/plain", "aGk=aGk=", "hihi"},
	    /* the final '=' missing, then garbage or a list footer */
	    {"base64", "text/plain", "aGVsbG8gd29y\r\nbGQ\r\n!!notbase64!!",
	     "hello world"},
	    {"base64", "text/plain",
	     "aGVsbG8gd29y\r\nbGQ=\r\n--\r\nList mailing list\r\nList@x.org",
	     "hello world"},
	    /* windows-1252 text labelled UTF-8, or not labelled */
	    {"8bit", "text/plain; charset=utf-8", "caf\xe9 \x93ok\x94",
	     "caf\xc3\xa9 \xe2\x80\x9cok\xe2\x80\x9d"},
	    {"8bit", "text/plain", "Tack f\xf6r", "Tack f\xc3\xb6r"},
	    /* UTF-8 with one damaged byte stays UTF-8 */
	    {"8bit", "text/plain; charset=utf-8", "caf\xc3\xa9 \xff",
	     "caf\xc3\xa9 \xef\xbf\xbd"},
	    {"BASE64", "text/plain; charset=iso-8859-1", "6Q==", "\xc3\xa9"},
	    {"7bit", "text/plain", "line1\r\nline2", "line1\nline2"},
	    {"x-unknown", "text/plain", "as is", "as is"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *msg =
		    xasprintf("Content-Type: %s\r\nContent-Transfer-Encoding: "
		              "%s\r\n\r\n%s",
		              t[i].ctype, t[i].cte, t[i].in);
		struct mime_msg *m = parse_str(msg);
		const struct mime_part *p = mime_part(m, 0);
		assert_non_null(p);
		if (strcmp(p->body, t[i].want) != 0)
			fail_msg("row %zu: [%s] -> [%s], want [%s]", i, t[i].in,
			         p->body, t[i].want);
		mime_free(m);
		free(msg);
	}
}

static void
test_charsets(void **state)
{
	static const struct {
		const char *cs, *in, *want;
	} t[] = {
	    {"iso-8859-1", "caf\xe9", "caf\xc3\xa9"},
	    {"ISO-8859-15", "\xa4", "\xe2\x82\xac"},
	    {"windows-1252", "\x80 \x93x\x94",
	     "\xe2\x82\xac \xe2\x80\x9cx\xe2\x80\x9d"},
	    {"us-ascii", "plain", "plain"},
	    {"utf-8", "ok \xc3\xa9 bad \xc3 \xed\xa0\x80",
	     "ok \xc3\xa9 bad \xef\xbf\xbd "
	     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
	    {"koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4",
	     "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"},
	    {"shift_jis", "\x82\xa0", "\xe3\x81\x82"},
	    {"shift_jis", "\x82", "\xef\xbf\xbd"}, /* truncated sequence */
	    {"x-no-such", "a\xff", "a\xef\xbf\xbd"},
	    {"\"utf-8\"//TRANSLIT", "x", "x"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *msg =
		    xasprintf("Content-Type: text/plain; charset=%s\r\n\r\n%s",
		              t[i].cs, t[i].in);
		struct mime_msg *m = parse_str(msg);
		if (strcmp(mime_text(m), t[i].want) != 0)
			fail_msg("row %zu (%s): got [%s]", i, t[i].cs,
			         mime_text(m));
		mime_free(m);
		free(msg);
	}
}

static void
test_html_to_text(void **state)
{
	static const struct {
		const char *in, *want;
	} t[] = {
	    {"<p>Hello</p><p>World</p>", "Hello\nWorld"},
	    {"a<br>b<br/>c<BR >d", "a\nb\nc\nd"},
	    {"a<br><br>b<br><br><br><br>c", "a\n\nb\n\nc"},
	    {"<div>x</div>\n\n   <div>y</div>", "x\ny"},
	    {"<ul><li>one</li><li>two</li></ul>", "one\ntwo"},
	    {"<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>",
	     "a b\nc"},
	    {"<blockquote>quoted</blockquote>after", "quoted\nafter"},
	    {"<script>alert('<p>x</p>')</script>kept", "kept"},
	    {"<STYLE type=\"text/css\">p{}</STYLE>kept", "kept"},
	    {"<!-- <p>comment</p> -->kept", "kept"},
	    {"&amp; &lt; &gt; &quot; &#39; &apos;", "& < > \" ' '"},
	    {"a&nbsp;b", "a b"},
	    {"&#233;&#xE9;&#X20AC;", "\xc3\xa9\xc3\xa9\xe2\x82\xac"},
	    {"&#0; &#xD800; &#99999999;",
	     "\xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd"},
	    {"AT&T &unknown; &", "AT&T &unknown; &"},
	    {"<a href=\"x>y\">link</a> text", "link text"},
	    {"1 < 2", "1 < 2"},
	    {"  lots   of \n  space  ", "lots of space"},
	    {"<p>unclosed", "unclosed"},
	    {"<scr", ""},
	    {"", ""},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *got = mime_html_to_text(t[i].in, strlen(t[i].in));
		if (strcmp(got, t[i].want) != 0)
			fail_msg("row %zu: [%s] -> [%s], want [%s]", i, t[i].in,
			         got, t[i].want);
		free(got);
	}
}

/* ---- NUL and other control bytes ---- */

/* no_controls: 1 if s[0..n) holds no C0 control but TAB, LF, CR. */
static int
no_controls(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t' &&
		    s[i] != '\n' && s[i] != '\r')
			return 0;
	return 1;
}

/* A NUL in a body used to end the text there (it is handled as a C string),
 * hiding an opt-out after it: in every transfer encoding and charset path,
 * the decoded text must hold the whole sentence and no NUL. */
static void
test_nul_bytes(void **state)
{
#define M(s)                                                                   \
	{                                                                      \
		s, sizeof(s) - 1                                               \
	}
	static const struct {
		const char *msg;
		size_t len;
	} t[] = {
	    M("Subject: x\r\n\r\nHi\0 please remove me from your list\r\n"),
	    M("Content-Type: text/plain; charset=utf-8\r\n"
	      "Content-Transfer-Encoding: 8bit\r\n\r\n"
	      "Hi\0\0\0 please remove me from your list\r\n"),
	    M("Content-Type: text/plain; charset=windows-1252\r\n\r\n"
	      "Hi\0 please remove me\xa0"
	      "from your list\r\n"),
	    M("Content-Type: text/plain\r\n"
	      "Content-Transfer-Encoding: base64\r\n\r\n"
	      "SGkAIHBsZWFzZSByZW1vdmUgbWUgZnJvbSB5b3VyIGxpc3Q=\r\n"),
	    M("Content-Type: text/plain; charset=utf-8\r\n"
	      "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	      "Hi=00 please remove me =01from your list\r\n"),
	    M("Content-Type: text/plain; charset=utf-16le\r\n"
	      "Content-Transfer-Encoding: base64\r\n\r\n"
	      "SABpAAAAIABwAGwAZQBhAHMAZQAgAHIAZQBtAG8AdgBlACAAbQBlACAAZgBy"
	      "AG8AbQAgAHkAbwB1AHIAIABsAGkAcwB0AA==\r\n"),
	    M("Content-Type: text/plain; charset=iso-2022-jp\r\n\r\n"
	      "Hi\0 please remove me from your list\r\n"),
	    M("Content-Type: multipart/alternative; boundary=b\r\n\r\n"
	      "--b\r\nContent-Type: text/html\r\n\r\n"
	      "<p>Hi\0 please remove me&#1; from your list&#0;</p>\r\n"
	      "--b--\r\n"),
	    M("Content-Type: text/plain\r\n\r\n"
	      "Hi\x01\x1b\x7f please remove me from your list\r\n"),
	};
#undef M
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct mime_msg *m = NULL;
		char *err = NULL;
		const char *txt;
		const struct mime_part *p;

		assert_int_equal(mime_parse(t[i].msg, t[i].len, NULL, &m, &err),
		                 MIME_OK);
		txt = mime_text(m);
		if (strstr(txt, "please remove me") == NULL ||
		    strstr(txt, "list") == NULL)
			fail_msg("row %zu: text [%s]", i, txt);
		assert_true(no_controls(txt, strlen(txt)));
		p = mime_part(m, 0);
		assert_non_null(p);
		assert_int_equal(strlen(p->body), p->body_len);
		assert_true(no_controls(p->body, p->body_len));
		mime_free(m);
	}
}

/* Headers: a raw NUL no longer cuts the value, and decoded values hold no
 * control; non-text parts keep their bytes. */
static void
test_nul_headers(void **state)
{
	static const char msg[] =
	    "Subject: Hi\0 please remove me\r\n"
	    "X-Enc: =?utf-8?B?SGkAIHBsZWFzZSByZW1vdmUgbWU=?=\r\n"
	    "X-Q: =?utf-8?Q?a=00b=1Bc?=\r\n"
	    "From: =?utf-8?Q?Ann=00_Lee?= <ann@example.com>\r\n"
	    "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
	    "--b\r\nContent-Type: application/octet-stream\r\n\r\n"
	    "ab\0cd\r\n--b--\r\n";
	struct mime_msg *m = NULL;
	char *err = NULL, *addr = NULL, *name = NULL, *h;
	const struct mime_part *p;
	const char *v;

	(void)state;
	assert_int_equal(mime_parse(msg, sizeof(msg) - 1, NULL, &m, &err),
	                 MIME_OK);
	assert_string_equal(mime_header_raw(m, "Subject"),
	                    "Hi  please remove me");
	assert_string_equal(mime_header(m, "Subject"), "Hi  please remove me");
	v = mime_header(m, "X-Enc");
	assert_non_null(v);
	assert_string_equal(v, "Hi  please remove me");
	assert_string_equal(mime_header(m, "X-Q"), "a b c");
	assert_int_equal(
	    mime_addr_parse(mime_header_raw(m, "From"), &addr, &name), MIME_OK);
	assert_string_equal(addr, "ann@example.com");
	assert_string_equal(name, "Ann  Lee");
	free(addr);
	free(name);
	assert_int_equal(mime_nparts(m), 2);
	p = mime_part(m, 1);
	assert_int_equal(p->body_len, 5);
	assert_memory_equal(p->body, "ab\0cd", 5);
	mime_free(m);

	h = mime_html_to_text("a\0b&#1;c\x1b"
	                      "d",
	                      sizeof("a\0b&#1;c\x1b"
	                             "d") -
	                          1);
	assert_string_equal(h, "a b c d");
	free(h);
}

/* The shared helpers of mime_p.h, directly. */
static void
test_internals(void **state)
{
	char s[] = "a\0b\x01\tc\r\n\x1f\x7f";
	struct buf b;
	size_t l = 0;
	char *t;

	(void)state;
	mime_nul_to_space(s, sizeof(s) - 1);
	assert_memory_equal(s, "a b\x01\tc\r\n\x1f\x7f", sizeof(s) - 1);
	mime_controls_to_space(s, sizeof(s) - 1);
	assert_memory_equal(s, "a b \tc\r\n \x7f", sizeof(s) - 1);

	buf_init(&b);
	mime_b64_decode(&b, "aGVs bG8=aGk", 12); /* '=' ends a group */
	assert_string_equal(b.s, "hellohi");
	b.len = 0;
	mime_qp_decode(&b, "a=3Db=\r\nc  \r\nd_e", 17, 0);
	assert_string_equal(b.s, "a=bc\r\nd_e");
	b.len = 0;
	mime_qp_decode(&b, "d_e=41", 6, 1);
	assert_string_equal(b.s, "d eA");
	b.len = 0;
	mime_to_utf8(&b, "ISO-8859-1", "caf\xe9 \x80", 6);
	assert_string_equal(b.s, "caf\xc3\xa9 \xe2\x82\xac");
	buf_free(&b);

	assert_int_equal(mime_utf8_len((const unsigned char *)"\xc3\xa9", 2),
	                 2);
	assert_int_equal(mime_utf8_len((const unsigned char *)"\xc0\xaf", 2),
	                 0); /* overlong */
	assert_int_equal(mime_msgid_at("<a@b> x", &l), 1);
	assert_int_equal(l, 5);
	assert_int_equal(mime_msgid_at("<a b>", &l), 0);
	t = mime_trimdup("  x y \t\r\n", 9);
	assert_string_equal(t, "x y");
	free(t);
	assert_int_equal(mime_line_end("ab\ncd", 5, 0), 3);
	assert_int_equal(mime_line_end("ab\ncd", 5, 3), 5);
}

/* ---- dates, addresses, message ids ---- */

static void
test_dates(void **state)
{
	static const struct {
		const char *in;
		long long want;
	} t[] = {
	    {"Tue, 24 Nov 2026 17:05:09 +0100", 1795536309},
	    {"24 Nov 2026 16:05:09 +0000", 1795536309},
	    {"Tue, 24 Nov 2026 16:05:09 GMT", 1795536309},
	    {"Tue, 24 Nov 2026 08:05:09 PST", 1795536309},
	    {"Tue, 24 Nov 2026 11:05:09 -0500 (EST)", 1795536309},
	    {"Tue,24 Nov 26 16:05:09 UT", 1795536309},
	    {"Tue, 24 November 2026 16:05 +0000", 1795536300},
	    {"Tue, 024 Nov 2026 16:05:09 +0000", 1795536309},
	    {"Tue Nov 24 16:05:09 2026", 1795536309}, /* asctime */
	    {"24-11-2026 16:05", 1795536300},
	    {"2026-11-24 16:05:09 +0000", 1795536309},
	    {"Thu, 1 Jan 70 00:00:01 +0000", 1},
	    {"Mon, 1 Jan 99 00:00:00 +0000", 915148800},
	    {"(comment) Tue, 24 Nov 2026 16:05:09 +0000 (UTC)", 1795536309},
	    {"", 0},
	    {"garbage", 0},
	    {"Tue, 32 Nov 2026 16:05:09 +0000", 0},
	    {"Tue, 24 Foo 2026 16:05:09 +0000", 0},
	    {"Tue, 24 Nov 2026 25:05:09 +0000", 0},
	    {"24 Nov 2026", 0},
	};
	size_t i;
	struct mime_msg *m;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		long long got = (long long)mime_parse_date(t[i].in);
		if (got != t[i].want)
			fail_msg("row %zu: [%s] -> %lld, want %lld", i, t[i].in,
			         got, t[i].want);
	}
	m = parse_str("Date: Tue, 24 Nov 2026 16:05:09 +0000\r\n\r\nx");
	assert_true(mime_date(m) == 1795536309);
	mime_free(m);
	m = parse_str("Subject: no date\r\n\r\nx");
	assert_true(mime_date(m) == 0);
	mime_free(m);
	/* the day as its writer wrote it: 3 December in Sydney is still
	 * 2 December in UTC */
	assert_int_equal(mime_date_written_day("Thu, 3 Dec 2026 07:45 +1100"),
	                 clock_day_from_civil(2026, 12, 3));
	assert_true(mime_parse_date("Thu, 3 Dec 2026 07:45 +1100") <
	            (time_t)clock_day_from_civil(2026, 12, 3) * 86400);
	assert_int_equal(mime_date_written_day("not a date"), -1);
	assert_int_equal(mime_date_written_day(NULL), -1);
}

/* The civil-day arithmetic (clock_day_from_civil) against timegm, every
 * 13th day of 1970..2199 and the ends of the accepted range. */
static void
test_dates_calendar(void **state)
{
	static const char *mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	char v[64];
	time_t t;
	struct tm tm;
	long long n = 0;

	(void)state;
	for (t = 86400; t < (time_t)7258118400LL; t += 13 * 86400 + 3671) {
		gmtime_r(&t, &tm);
		snprintf(v, sizeof(v), "%d %s %d %02d:%02d:%02d +0000",
		         tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900,
		         tm.tm_hour, tm.tm_min, tm.tm_sec);
		if (mime_parse_date(v) != t)
			fail_msg("[%s] -> %lld, want %lld", v,
			         (long long)mime_parse_date(v), (long long)t);
		n++;
	}
	assert_true(n > 6000);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 9999 - 1900;
	tm.tm_mon = 11;
	tm.tm_mday = 31;
	tm.tm_hour = 23;
	tm.tm_min = 59;
	assert_true(mime_parse_date("31 Dec 9999 23:59:00 +0000") ==
	            timegm(&tm));
	assert_true(mime_parse_date("31 Dec 10000 23:59:00 +0000") == 0);
	assert_true(mime_parse_date("31 Dec 1969 23:59:00 +0000") == 0);
	/* 29 February: only in leap years (31 Jan + 29 days otherwise) */
	assert_true(mime_parse_date("29 Feb 2028 00:00:00 +0000") ==
	            mime_parse_date("1 Mar 2028 00:00:00 +0000") - 86400);
}

static void
test_addr_parse(void **state)
{
	static const struct {
		const char *in, *addr, *name; /* addr NULL = MIME_EINVAL */
	} t[] = {
	    {"user@example.com", "user@example.com", NULL},
	    {"John Doe <John.Doe@Example.COM>", "john.doe@example.com",
	     "John Doe"},
	    {"\"Doe, John\" <jd@x.org>, other@y.org", "jd@x.org", "Doe, John"},
	    {"\"Quote \\\"q\\\"\" <q@x.org>", "q@x.org", "Quote \"q\""},
	    {"jd@x.org (John Doe)", "jd@x.org", "John Doe"},
	    {"=?UTF-8?Q?J=C3=BCrgen?= <j@x.de>", "j@x.de", "J\xc3\xbcrgen"},
	    {"<bare@x.org>", "bare@x.org", NULL},
	    {"  <@relay.example:route@x.org>", "route@x.org", NULL},
	    {"undisclosed-recipients:;", NULL, NULL},
	    {"Team: a@x.org, b@x.org;", "a@x.org", NULL},
	    {"not an address, also not", NULL, NULL},
	    {"broken <no-at>, good@x.org", "good@x.org", NULL},
	    {"", NULL, NULL},
	    {"MAILER-DAEMON@mx.example.net (Mail Delivery System)",
	     "mailer-daemon@mx.example.net", "Mail Delivery System"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *a = NULL, *n = NULL;
		int r = mime_addr_parse(t[i].in, &a, &n);
		if (t[i].addr == NULL) {
			if (r != MIME_EINVAL)
				fail_msg("row %zu: [%s] parsed as %s", i,
				         t[i].in, a);
			continue;
		}
		if (r != MIME_OK)
			fail_msg("row %zu: [%s] rejected", i, t[i].in);
		assert_string_equal(a, t[i].addr);
		if (t[i].name == NULL)
			assert_null(n);
		else
			assert_string_equal(n, t[i].name);
		free(a);
		free(n);
	}
	assert_int_equal(mime_addr_parse(NULL, NULL, NULL), MIME_EINVAL);
}

static void
test_msgids(void **state)
{
	static const struct {
		const char *in;
		size_t n;
		const char *first, *last;
	} t[] = {
	    {"<a@x>", 1, "<a@x>", "<a@x>"},
	    {"<a@x> <b@y>\r\n\t<c@z>", 3, "<a@x>", "<c@z>"},
	    {"<a@x>(comment)<b@y>", 2, "<a@x>", "<b@y>"},
	    {"no ids here", 0, NULL, NULL},
	    {"<> <with space@x> <ok@x>", 1, "<ok@x>", "<ok@x>"},
	    {"<unclosed@x", 0, NULL, NULL},
	    {"<<nested@x>>", 1, "<nested@x>", "<nested@x>"},
	};
	size_t i, n;
	char **ids;
	struct buf b;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = mime_msgids(t[i].in, &ids);
		if (n != t[i].n)
			fail_msg("row %zu: [%s] -> %zu ids, want %zu", i,
			         t[i].in, n, t[i].n);
		if (n) {
			assert_string_equal(ids[0], t[i].first);
			assert_string_equal(ids[n - 1], t[i].last);
		} else {
			assert_null(ids);
		}
		mime_strv_free(ids, n);
	}
	/* bounded: 1000 ids keep the first and last 50 */
	buf_init(&b);
	for (i = 0; i < 1000; i++)
		buf_printf(&b, "<id%zu@x> ", i);
	n = mime_msgids(b.s, &ids);
	assert_int_equal(n, 100);
	assert_string_equal(ids[0], "<id0@x>");
	assert_string_equal(ids[49], "<id49@x>");
	assert_string_equal(ids[50], "<id950@x>");
	assert_string_equal(ids[99], "<id999@x>");
	mime_strv_free(ids, n);
	buf_free(&b);
	assert_int_equal(mime_msgids(NULL, &ids), 0);
}

/* ---- bounces (shared corpus) ---- */

static void
test_dsn_corpus(void **state)
{
	static const struct {
		const char *file;
		size_t idx, count;
		const char *mta, *final, *orig, *action, *status, *diag_part,
		    *returned_id;
	} t[] = {
	    {"bounces/lhost-amavis-01.eml", 0, 1, "dns; neko1.example.com",
	     "neko@example.co.jp", "neko@example.co.jp", "failed", "5.1.1",
	     "Recipient address rejected",
	     "<Qdmail.0.0.0e_8ed60e1eb3e559f02254e3437c3110b1@example.net>"},
	    {"bounces/lhost-postfix-02.eml", 1, 2, "dns; smtp.example.com",
	     "userunknown@example.co.jp", "userunknown@example.co.jp", "failed",
	     "5.1.1", "User Unknown", NULL},
	    {"bounces/lhost-sendmail-01.eml", 0, 1, "dns; smtpgw.example.jp",
	     "userunknown@bouncehammer.jp", NULL, "failed", "5.1.1",
	     "550 5.1.1", "<E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example.org>"},
	    {"bounces/lhost-amazonses-05.eml", 0, 1, NULL,
	     "bounce@simulator.amazonses.com", NULL, "failed", "5.1.1",
	     "user unknown",
	     "<01010157b3c0c026-110cf920-4be1-4c36-87c0-1f48d0cc6639-000000@us-"
	     "west-2.amazonses.com>"},
	};
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *s = corpus_file(t[i].file, &len), *err = NULL;
		struct mime_msg *m;
		const struct mime_dsn *d;

		assert_int_equal(mime_parse(s, len, NULL, &m, &err), MIME_OK);
		assert_string_equal(mime_content_type(m), "multipart/report");
		assert_string_equal(mime_param(m, "report-type"),
		                    "delivery-status");
		if (mime_dsn_count(m) != t[i].count)
			fail_msg("%s: %zu DSN records, want %zu", t[i].file,
			         mime_dsn_count(m), t[i].count);
		d = mime_dsn(m, t[i].idx);
		assert_non_null(d);
		if (t[i].mta)
			assert_string_equal(d->reporting_mta, t[i].mta);
		assert_string_equal(d->final_recipient, t[i].final);
		if (t[i].orig)
			assert_string_equal(d->original_recipient, t[i].orig);
		assert_string_equal(d->action, t[i].action);
		assert_string_equal(d->status, t[i].status);
		assert_non_null(d->diagnostic);
		if (strstr(d->diagnostic, t[i].diag_part) == NULL)
			fail_msg("%s: diagnostic [%s] lacks [%s]", t[i].file,
			         d->diagnostic, t[i].diag_part);
		if (t[i].returned_id) {
			const struct mime_msg *r = mime_returned(m);
			assert_non_null(r);
			assert_string_equal(mime_header(r, "Message-ID"),
			                    t[i].returned_id);
		}
		assert_null(mime_dsn(m, t[i].count));
		mime_free(m);
		free(s);
	}
}

/* bounces that quote the original inline rather than attach it */
static void
test_returned_inline(void **state)
{
	static const struct {
		const char *file, *id;
	} t[] = {
	    {"bounces/lhost-exim-01.eml", "<E1P1ce6-000Egt-GZ@e1.example.org>"},
	    {"bounces/lhost-gmail-01.eml",
	     "<D992C2C3-F175-4C4D-97E2-53A90E4E5BF5@gmail.com>"},
	    {"bounces/lhost-qmail-01.eml",
	     "<000000000.9999999999999.JavaMail.postmaster@mailhub>"},
	    {"replies/talon/standard_replies_outlook.eml", NULL},
	};
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *s = corpus_file(t[i].file, &len), *err = NULL;
		struct mime_msg *m;
		const struct mime_msg *r;

		assert_int_equal(mime_parse(s, len, NULL, &m, &err), MIME_OK);
		r = mime_returned(m);
		if (t[i].id == NULL) {
			assert_null(r);
		} else {
			if (r == NULL)
				fail_msg("%s: no returned original", t[i].file);
			assert_string_equal(mime_header(r, "Message-ID"),
			                    t[i].id);
		}
		mime_free(m);
		free(s);
	}
	/* inline, in a message built here */
	{
		struct mime_msg *m = parse_str(
		    "From: MAILER-DAEMON@mx.example\r\nSubject: failure "
		    "notice\r\n\r\n"
		    "Sorry, no mailbox here by that name.\r\n\r\n"
		    "--- Below this line is a copy of the message.\r\n\r\n"
		    "Return-Path: <ann@sales.example>\r\n"
		    "Received: from a\r\n\tby b\r\n"
		    "message-id: <1795536309.0123@sales.example>\r\n"
		    "To: bob@client.example\r\n\r\nHi Bob\r\n");
		const struct mime_msg *r = mime_returned(m);
		assert_non_null(r);
		assert_string_equal(mime_header(r, "Message-ID"),
		                    "<1795536309.0123@sales.example>");
		assert_string_equal(mime_header(r, "Return-Path"),
		                    "<ann@sales.example>");
		assert_string_equal(mime_header(r, "To"), "bob@client.example");
		/* its header block only */
		assert_string_equal(mime_text(r), "");
		assert_int_equal(mime_nparts(r), 0);
		mime_free(m);
	}
}

/* every file named in labels.tsv parses without error, and most bounces give
 * a DSN record or a returned original */
static void
test_corpus_all(void **state)
{
	size_t len, nfiles = 0, nbounce = 0, nfound = 0;
	char *tsv = corpus_file("labels.tsv", &len), *line, *save = NULL;

	(void)state;
	for (line = strtok_r(tsv, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t'), *s, *err = NULL;
		size_t flen;
		struct mime_msg *m = NULL;

		if (tab == NULL || strncmp(line, "file\t", 5) == 0)
			continue;
		*tab = '\0';
		s = corpus_file(line, &flen);
		if (mime_parse(s, flen, NULL, &m, &err) != MIME_OK)
			fail_msg("%s: %s", line, err);
		assert_non_null(mime_content_type(m));
		assert_non_null(mime_text(m));
		if (strncmp(tab + 1, "bounce", 6) == 0) {
			nbounce++;
			if (mime_dsn_count(m) > 0 || mime_returned(m))
				nfound++;
		}
		assert_int_equal(mime_truncated(m), 0);
		nfiles++;
		mime_free(m);
		free(s);
	}
	free(tsv);
	assert_true(nfiles >= 500);
	/* 90%: RFC 3464 reports, attached or inline-quoted originals */
	assert_true(nfound * 10 >= nbounce * 9);
	print_message("corpus: %zu files parsed, %zu/%zu bounces with DSN or "
	              "returned original\n",
	              nfiles, nfound, nbounce);
}

/* ---- hostile input ---- */

static void
test_hostile_deep(void **state)
{
	struct buf b;
	int i;
	struct mime_msg *m;
	char *err = NULL;

	(void)state;
	buf_init(&b);
	for (i = 0; i < 10000; i++)
		buf_printf(&b,
		           "Content-Type: multipart/mixed; "
		           "boundary=\"b%d\"\r\n\r\n--b%d\r\n",
		           i, i);
	buf_adds(&b, "Content-Type: text/plain\r\n\r\ndeep\r\n");
	assert_int_equal(mime_parse(b.s, b.len, NULL, &m, &err), MIME_OK);
	assert_int_equal(mime_truncated(m), 1);
	assert_true(mime_nparts(m) <= 200);
	mime_free(m);
	/* the same with message/rfc822 nesting */
	b.len = 0;
	for (i = 0; i < 10000; i++)
		buf_adds(&b, "Content-Type: message/rfc822\r\n\r\n");
	buf_adds(&b, "x");
	assert_int_equal(mime_parse(b.s, b.len, NULL, &m, &err), MIME_OK);
	assert_int_equal(mime_truncated(m), 1);
	mime_free(m);
	buf_free(&b);
}

static void
test_hostile_big(void **state)
{
	size_t n = 50u * 1024 * 1024, i;
	char *s = xmalloc(n), *err = NULL;
	struct mime_msg *m;
	struct mime_limits lim;
	const char *hdr = "Content-Type: multipart/mixed; boundary=x\r\n\r\n";

	(void)state;
	memcpy(s, hdr, strlen(hdr));
	for (i = strlen(hdr); i < n; i++)
		s[i] = (i % 100 == 0) ? '\n' : 'a';
	/* many tiny parts: the part limit holds */
	for (i = strlen(hdr); i + 6 < 1000000; i += 6)
		memcpy(s + i, "--x\r\n\n", 6);
	assert_int_equal(mime_parse(s, n, NULL, &m, &err), MIME_OK);
	assert_int_equal(mime_truncated(m), 1);
	assert_true(mime_nparts(m) <= 200);
	mime_free(m);
	/* a plain 50 MB body: cut at max_size */
	mime_limits_default(&lim);
	lim.max_size = 1024 * 1024;
	memcpy(s, "Subject: big\r\n\r\n", 16);
	assert_int_equal(mime_parse(s, n, &lim, &m, &err), MIME_OK);
	assert_int_equal(mime_truncated(m), 1);
	assert_true(mime_part(m, 0)->body_len <= lim.max_size);
	mime_free(m);
	free(s);
}

static void
test_hostile_misc(void **state)
{
	struct mime_msg *m;
	char *err = NULL, *s;
	size_t n = 1024 * 1024, i;

	(void)state;
	/* a boundary that never closes: the last part runs to the end */
	m = parse_str("Content-Type: multipart/mixed; boundary=never\r\n\r\n"
	              "--never\r\nContent-Type: text/plain\r\n\r\nfirst\r\n"
	              "--never\r\n\r\nsecond, no close");
	assert_int_equal(mime_nparts(m), 2);
	assert_string_equal(mime_part(m, 1)->body, "second, no close");
	assert_string_equal(mime_text(m), "first");
	mime_free(m);
	/* a boundary that is a prefix of another one */
	m = parse_str(
	    "Content-Type: multipart/mixed; boundary=b1\r\n\r\n"
	    "--b1\r\nContent-Type: multipart/mixed; boundary=b10\r\n\r\n"
	    "--b10\r\n\r\ninner1\r\n--b10 \r\n\r\ninner2\r\n--b10--\r\n"
	    "--b1\t\r\n\r\nouter2\r\n--b1--");
	assert_int_equal(mime_nparts(m), 3);
	assert_string_equal(mime_part(m, 1)->body, "inner2");
	assert_int_equal(mime_part(m, 1)->depth, 2);
	assert_string_equal(mime_part(m, 2)->body, "outer2");
	mime_free(m);
	/* a multipart without any delimiter is text */
	m = parse_str(
	    "Content-Type: multipart/mixed; boundary=zz\r\n\r\njust text");
	assert_int_equal(mime_nparts(m), 1);
	assert_string_equal(mime_text(m), "just text");
	mime_free(m);
	/* a header line of 1 MB: cut at max_header */
	s = xmalloc(n + 64);
	memcpy(s, "Subject: ", 9);
	memset(s + 9, 'x', n);
	memcpy(s + 9 + n, "\r\n\r\nbody", 9);
	assert_int_equal(mime_parse(s, strlen(s), NULL, &m, &err), MIME_OK);
	assert_int_equal(mime_truncated(m), 1);
	assert_true(strlen(mime_header(m, "Subject")) <= 64 * 1024);
	assert_string_equal(mime_text(m), "body");
	mime_free(m);
	/* a million folded continuation lines */
	for (i = 9; i + 3 <= n; i += 3)
		memcpy(s + i, "\r\n ", 3);
	assert_int_equal(mime_parse(s, strlen(s), NULL, &m, &err), MIME_OK);
	mime_free(m);
	free(s);
	/* headers built to make a naive RFC 2047 decoder quadratic */
	{
		struct buf b;
		buf_init(&b);
		buf_adds(&b, "Subject: ");
		while (b.len < 60000)
			buf_adds(&b, "=?a?Q?x");
		buf_adds(&b, "\r\nX-Spaces: =?utf-8?Q?x?=");
		for (i = 0; i < 60000; i++)
			buf_addc(&b, ' ');
		buf_adds(&b, "y\r\nTo: ");
		for (i = 0; i < 20000; i++)
			buf_adds(&b, "<a ");
		buf_adds(&b, "\r\n\r\n");
		assert_int_equal(mime_parse(b.s, b.len, NULL, &m, &err),
		                 MIME_OK);
		assert_int_equal(
		    strncmp(mime_header(m, "Subject"), "=?a?Q?x=?a?Q?x", 14),
		    0);
		assert_int_equal(strncmp(mime_header(m, "X-Spaces"), "x   ", 4),
		                 0);
		assert_int_equal(
		    mime_addr_parse(mime_header_raw(m, "To"), &s, NULL),
		    MIME_EINVAL);
		mime_free(m);
		buf_free(&b);
	}
	/* nothing usable */
	assert_int_equal(mime_parse("", 0, NULL, &m, &err), MIME_EINVAL);
	assert_non_null(err);
	free(err);
}

static uint32_t
rnd(uint32_t *st)
{
	*st ^= *st << 13;
	*st ^= *st >> 17;
	*st ^= *st << 5;
	return *st;
}

/* random bytes, and random mutations of a structured message */
static void
test_hostile_random(void **state)
{
	static const char *pieces[] = {
	    "Content-Type: multipart/mixed; boundary=a\r\n",
	    "--a\r\n",
	    "--a--\r\n",
	    "\r\n",
	    "Content-Transfer-Encoding: base64\r\n",
	    "Content-Transfer-Encoding: quoted-printable\r\n",
	    "=?utf-8?B?",
	    "?=",
	    "=\r\n",
	    "Content-Type: message/rfc822\r\n",
	    "Content-Type: message/delivery-status\r\n",
	    "Final-Recipient: rfc822; x@y\r\n",
	    "Status: 5.1.1\r\n",
	    " folded\r\n",
	    "Subject: =?iso-2022-jp?B?GyRC?=\r\n",
	    "charset=\"utf-16\"",
	    "\xff\xfe\x00",
	    "<p>&#x",
	    "Date: 32 Foo 99999\r\n"};
	uint32_t st = 12345;
	int iter;
	char buf[4096];

	(void)state;
	for (iter = 0; iter < 3000; iter++) {
		size_t n = rnd(&st) % sizeof(buf), i = 0;
		struct mime_msg *m = NULL;
		char *err = NULL, *h;

		if (iter % 2) {
			for (i = 0; i < n; i++)
				buf[i] = (char)rnd(&st);
		} else {
			while (i < n) {
				const char *p =
				    pieces[rnd(&st) % (sizeof(pieces) /
				                       sizeof(pieces[0]))];
				size_t l = strlen(p);
				if (i + l > n)
					break;
				memcpy(buf + i, p, l);
				i += l;
			}
			n = i;
		}
		if (mime_parse(buf, n, NULL, &m, &err) == MIME_OK) {
			size_t k;
			char *a, *nm, **ids;
			(void)mime_text(m);
			(void)mime_date(m);
			for (k = 0; k < mime_nparts(m); k++)
				assert_non_null(mime_part(m, k)->body);
			if (mime_addr_parse(mime_header(m, "Subject"), &a,
			                    &nm) == MIME_OK) {
				free(a);
				free(nm);
			}
			k = mime_msgids(mime_header_raw(m, "Subject"), &ids);
			mime_strv_free(ids, k);
			mime_free(m);
		} else {
			free(err);
		}
		h = mime_html_to_text(buf, n);
		free(h);
	}
}

/* ---- composition ---- */

static struct mime_out
base_out(void)
{
	struct mime_out o;

	memset(&o, 0, sizeof(o));
	o.from_name = "Ann Seller";
	o.from_addr = "ann@sales.example";
	o.to_name = "Bob Buyer";
	o.to_addr = "bob@client.example";
	o.subject = "Quick question";
	o.message_id = "<1795536309.0123456789abcdef@sales.example>";
	o.list_unsubscribe = "<mailto:ann@sales.example?subject=unsubscribe>";
	o.text = "Hi Bob,\n\nare you free = tomorrow?\n";
	o.date = 1795536309;
	o.tz = "America/Denver";
	return o;
}

static void
test_compose_golden(void **state)
{
	struct mime_out o = base_out();
	char *msg = NULL, *err = NULL;
	size_t len;
	const char *want =
	    "Date: Tue, 24 Nov 2026 09:05:09 -0700\r\n"
	    "From: Ann Seller <ann@sales.example>\r\n"
	    "To: Bob Buyer <bob@client.example>\r\n"
	    "Subject: Quick question\r\n"
	    "Message-ID: <1795536309.0123456789abcdef@sales.example>\r\n"
	    "List-Unsubscribe: "
	    "<mailto:ann@sales.example?subject=unsubscribe>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "\r\n"
	    "Hi Bob,\r\n"
	    "\r\n"
	    "are you free =3D tomorrow?\r\n";

	(void)state;
	assert_int_equal(mime_compose(&o, &msg, &len, &err), MIME_OK);
	assert_string_equal(msg, want);
	assert_int_equal(len, strlen(want));
	free(msg);
}

/* every line ends in CRLF and is at most max long */
static void
assert_lines(const char *msg, size_t max)
{
	const char *p = msg, *e;

	while (*p) {
		e = strstr(p, "\r\n");
		assert_non_null(e);
		if ((size_t)(e - p) > max)
			fail_msg("line over %zu: [%.*s]", max, (int)(e - p), p);
		assert_null(memchr(p, '\n', (size_t)(e - p)));
		p = e + 2;
	}
}

static void
test_compose_roundtrip(void **state)
{
	static const char *subjects[] = {
	    "Re: Angebot f\xc3\xbcr M\xc3\xbcnchen \xe2\x80\x94 n\xc3\xa4"
	    "chste Schritte",
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe4\xbb\xb6\xe5"
	    "\x90\x8d\xe3\x81\xa7"
	    "\xe3\x81\x99\xe3\x80\x82\xe3\x81\xa8\xe3\x81\xa6\xe3\x82\x82\xe9"
	    "\x95\xb7\xe3\x81\x84"
	    "\xe4\xbb\xb6\xe5\x90\x8d\xe3\x81\xa7\xe3\x81\x99\xe3\x80\x82\xe6"
	    "\x97\xa5\xe6\x9c\xac"
	    "\xe8\xaa\x9e\xe3\x81\xae\xe4\xbb\xb6\xe5\x90\x8d",
	    "a plain ASCII subject that is long enough to need folding across "
	    "more than one "
	    "line of the header",
	    "looks =?utf-8?Q?encoded?= but is not",
	    "  leading and  double spaces ",
	    "Supercalifragilisticexpialidocious-"
	    "Supercalifragilisticexpialidocious-Supercalifragilistic",
	    "\xf0\x9f\x98\x80 emoji",
	    "",
	};
	const char *body = "Hallo J\xc3\xbcrgen,\n"
	                   ".foo starts with a dot\n"
	                   "From me, a line that mbox would mangle\n"
	                   "trailing space   \n"
	                   "tab\tinside and trailing\t\n"
	                   "a very long line that goes on and on and on and on "
	                   "and on and on and on and on "
	                   "and on and on and on, with \xc3\xbcmlauts "
	                   "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc and = signs "
	                   "and .dots. at places where a soft break might "
	                   "land.....................................\n"
	                   "=3D literal\n";
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++) {
		struct mime_out o = base_out();
		char *msg = NULL, *err = NULL, *a, *n;
		size_t len;
		struct mime_msg *m;
		const char *p;

		o.subject = subjects[i];
		o.text = body;
		o.from_name = "J\xc3\xbcrgen \"JM\" M\xc3\xbcller";
		o.to_name = "Doe, John";
		o.in_reply_to = "<prev@sales.example>";
		o.references = "<root@sales.example> "
		               "<a-rather-long-message-id-1@sales.example> "
		               "<a-rather-long-message-id-2@sales.example> "
		               "<prev@sales.example>";
		o.cc = "carol@client.example";
		assert_int_equal(mime_compose(&o, &msg, &len, &err), MIME_OK);
		assert_lines(msg, 78);
		/* dot-stuffing and mbox never see a bare "." or "From " line
		 * start */
		for (p = msg; p; p = strstr(p, "\r\n")) {
			p = (p == msg) ? p : p + 2;
			assert_false(p[0] == '.');
			assert_false(strncmp(p, "From ", 5) == 0);
			if (!*p)
				break;
		}
		assert_int_equal(mime_parse(msg, len, NULL, &m, &err), MIME_OK);
		if (strcmp(mime_header(m, "Subject"), subjects[i]) != 0)
			fail_msg("subject %zu: [%s] -> [%s]\n%s", i,
			         subjects[i], mime_header(m, "Subject"), msg);
		assert_string_equal(mime_text(m), body);
		assert_int_equal(
		    mime_addr_parse(mime_header_raw(m, "From"), &a, &n),
		    MIME_OK);
		assert_string_equal(a, "ann@sales.example");
		assert_string_equal(n, o.from_name);
		free(a);
		free(n);
		assert_int_equal(
		    mime_addr_parse(mime_header_raw(m, "To"), &a, &n), MIME_OK);
		assert_string_equal(n, "Doe, John");
		free(a);
		free(n);
		assert_int_equal(
		    mime_msgids(mime_header(m, "References"), (char ***)&p), 4);
		mime_strv_free((char **)p, 4);
		assert_string_equal(mime_header(m, "Cc"),
		                    "carol@client.example");
		assert_true(mime_date(m) == o.date);
		mime_free(m);
		free(msg);
	}
}

static void
test_compose_html(void **state)
{
	struct mime_out o = base_out();
	char *msg = NULL, *err = NULL;
	size_t len;
	struct mime_msg *m;
	const char *bd;

	(void)state;
	o.html = "<p>Hi Bob,</p><p>are you free?</p>";
	assert_int_equal(mime_compose(&o, &msg, &len, &err), MIME_OK);
	assert_lines(msg, 78);
	assert_int_equal(mime_parse(msg, len, NULL, &m, &err), MIME_OK);
	assert_string_equal(mime_content_type(m), "multipart/alternative");
	bd = mime_param(m, "boundary");
	assert_non_null(bd);
	assert_true(strlen(bd) >= 20);
	assert_int_equal(mime_nparts(m), 2);
	assert_string_equal(mime_part(m, 0)->content_type, "text/plain");
	assert_string_equal(mime_part(m, 0)->charset, "utf-8");
	assert_string_equal(mime_part(m, 1)->content_type, "text/html");
	assert_string_equal(mime_part(m, 1)->body, o.html);
	assert_string_equal(mime_text(m), o.text);
	assert_string_equal(mime_header(m, "MIME-Version"), "1.0");
	mime_free(m);
	free(msg);
}

static void
test_compose_injection(void **state)
{
	static const struct {
		int field;
		const char *value, *named;
	} t[] = {
	    {0, "Ann\r\nBcc: x@evil", "from_name"},
	    {1, "Bob\nBcc: x@evil", "to_name"},
	    {2, "Hello\r\nBcc: x@evil", "subject"},
	    {2, "Hello\rBcc: x@evil", "subject"},
	    {2, "tab\tin subject", "subject"},
	    {2, "bad utf-8 \xff", "subject"},
	    {3, "bob@client.example\r\nBcc: x@evil", "to_addr"},
	    {3, "Bob <bob@client.example>", "to_addr"},
	    {3, "bob@client.example, x@evil", "to_addr"},
	    {3, "not-an-address", "to_addr"},
	    {3, "bob@", "to_addr"},
	    {3, "a..b@client.example", "to_addr"},
	    {4, "ann@sales.example\n", "from_addr"},
	    {5, "x@y\r\nBcc: x@evil", "cc"},
	    {6, "<id@x>\r\nBcc: x@evil", "message_id"},
	    {6, "no-brackets@x", "message_id"},
	    {7, "<a@x>\r\nBcc: x@evil", "references"},
	    {8, "<a@x>\nBcc: x@evil", "in_reply_to"},
	    {9, "<mailto:a@b>\r\nBcc: x@evil", "list_unsubscribe"},
	    {10, "X-Ok: fine\nX-Bad: a\rb", "extra header X-Bad"},
	    {10, "not a header line", "extra_headers"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct mime_out o = base_out();
		char *msg = NULL, *err = NULL;
		size_t len;

		switch (t[i].field) {
		case 0:
			o.from_name = t[i].value;
			break;
		case 1:
			o.to_name = t[i].value;
			break;
		case 2:
			o.subject = t[i].value;
			break;
		case 3:
			o.to_addr = t[i].value;
			break;
		case 4:
			o.from_addr = t[i].value;
			break;
		case 5:
			o.cc = t[i].value;
			break;
		case 6:
			o.message_id = t[i].value;
			break;
		case 7:
			o.references = t[i].value;
			break;
		case 8:
			o.in_reply_to = t[i].value;
			break;
		case 9:
			o.list_unsubscribe = t[i].value;
			break;
		case 10:
			o.extra_headers = t[i].value;
			break;
		}
		if (mime_compose(&o, &msg, &len, &err) != MIME_EINVAL)
			fail_msg("row %zu: [%s] accepted:\n%s", i, t[i].value,
			         msg);
		assert_null(msg);
		assert_non_null(err);
		if (strstr(err, t[i].named) == NULL)
			fail_msg("row %zu: error [%s] does not name %s", i, err,
			         t[i].named);
		free(err);
	}
	/* bodies may hold anything */
	{
		struct mime_out o = base_out();
		char *msg = NULL, *err = NULL;
		size_t len;
		struct mime_msg *m;

		o.text = "line\r\nBcc: x@evil\n\x01\x7f\ttab\n";
		o.extra_headers = "X-Campaign: q4\r\nX-Lead: 42\r\n";
		assert_int_equal(mime_compose(&o, &msg, &len, &err), MIME_OK);
		/* the header block (up to the first empty line) holds no Bcc */
		assert_true(strstr(msg, "\r\nBcc:") > strstr(msg, "\r\n\r\n"));
		assert_int_equal(mime_parse(msg, len, NULL, &m, &err), MIME_OK);
		/* (a C0 control other than TAB/LF/CR reads as a blank) */
		assert_string_equal(mime_text(m),
		                    "line\nBcc: x@evil\n \x7f\ttab\n");
		assert_string_equal(mime_header(m, "X-Lead"), "42");
		assert_null(mime_header(m, "Bcc"));
		mime_free(m);
		free(msg);
	}
}

static void
test_message_id(void **state)
{
	char *a = mime_message_id("sales.example", 1795536309);
	char *b = mime_message_id("sales.example", 1795536309);
	char *c = mime_message_id("bad\r\ndomain", 1);
	char **ids;

	(void)state;
	assert_string_not_equal(a, b);
	assert_int_equal(strncmp(a, "<1795536309.", 12), 0);
	assert_non_null(strstr(a, "@sales.example>"));
	assert_int_equal(mime_msgids(a, &ids), 1);
	mime_strv_free(ids, 1);
	assert_null(strpbrk(c, "\r\n"));
	free(a);
	free(b);
	free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc2047),
	    cmocka_unit_test(test_headers_folded),
	    cmocka_unit_test(test_multipart_nested),
	    cmocka_unit_test(test_html_only_text),
	    cmocka_unit_test(test_transfer_decoding),
	    cmocka_unit_test(test_charsets),
	    cmocka_unit_test(test_html_to_text),
	    cmocka_unit_test(test_internals),
	    cmocka_unit_test(test_nul_bytes),
	    cmocka_unit_test(test_nul_headers),
	    cmocka_unit_test(test_dates),
	    cmocka_unit_test(test_dates_calendar),
	    cmocka_unit_test(test_addr_parse),
	    cmocka_unit_test(test_msgids),
	    cmocka_unit_test(test_dsn_corpus),
	    cmocka_unit_test(test_returned_inline),
	    cmocka_unit_test(test_corpus_all),
	    cmocka_unit_test(test_hostile_deep),
	    cmocka_unit_test(test_hostile_big),
	    cmocka_unit_test(test_hostile_misc),
	    cmocka_unit_test(test_hostile_random),
	    cmocka_unit_test(test_compose_golden),
	    cmocka_unit_test(test_compose_roundtrip),
	    cmocka_unit_test(test_compose_html),
	    cmocka_unit_test(test_compose_injection),
	    cmocka_unit_test(test_message_id),
	};
	char *probe;

	shared_dir = getenv("SHARED_DIR");
	if (shared_dir == NULL || *shared_dir == '\0')
		shared_dir = "/work/shared";
	probe = xasprintf("%s/corpus/labels.tsv", shared_dir);
	if (access(probe, R_OK) != 0) {
		fprintf(stderr,
		        "test_mime: SKIP: shared corpus %s not found (set "
		        "SHARED_DIR)\n",
		        probe);
		free(probe);
		return 77;
	}
	free(probe);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
