/* test_log - log_scrub and out_write: text from the network or a file cannot
 * reach the terminal as a control sequence; json_str escapes the same */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"
#include "log.h"
#include "xalloc.h"

static const struct {
	const char *in;
	int multiline;
	const char *out;
} scrub_cases[] = {
    {"plain text", 0, "plain text"},
    {"tab\tkept", 0, "tab\tkept"},
    {"Jos\xc3\xa9 M\xc3\xbcller \xe2\x82\xac \xf0\x9f\x98\x80", 0,
     "Jos\xc3\xa9 M\xc3\xbcller \xe2\x82\xac \xf0\x9f\x98\x80"},
    /* OSC: set the window title; ESC loses its power, BEL goes */
    {"hi \x1b]0;pwned\x07 there", 0, "hi ?]0;pwned? there"},
    /* CSI: clear the screen, move home */
    {"\x1b[2J\x1b[H", 1, "?[2J?[H"},
    {"a\nb", 0, "a?b"},
    {"a\nb", 1, "a\nb"},
    {"a\r\nb", 1, "a\r\nb"},
    {"over\rwrite", 1, "over?write"},
    {"a\r", 1, "a?"},
    {"del\x7f", 0, "del?"},
    /* C1 controls: raw bytes and their UTF-8 form (U+009B is CSI) */
    {"x\x9b"
     "31m",
     0, "x?31m"},
    {"x\xc2\x9b"
     "31m",
     0, "x?31m"},
    {"x\xc2\x85y", 0, "x?y"},
    {"\xc2\xa0nbsp", 0, "\xc2\xa0nbsp"},
    /* bidirectional overrides reorder what is shown */
    {"abc\xe2\x80\xae"
     "fed",
     0, "abc?fed"},
    {"\xe2\x81\xa6x\xe2\x81\xa9", 0, "?x?"},
    /* invalid UTF-8: each byte */
    {"Latin-1 \xe9t\xe9", 0, "Latin-1 ?t?"},
    {"\xc0\xaf overlong", 0, "?? overlong"},
    {"\xed\xa0\x80 surrogate", 0, "??? surrogate"},
    {"cut \xe2\x82", 0, "cut ??"},
    {"", 0, ""},
};

static void
test_scrub(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(scrub_cases) / sizeof(*scrub_cases);
	     i++) {
		char *s = xstrdup(scrub_cases[i].in);

		log_scrub(s, scrub_cases[i].multiline);
		if (strcmp(s, scrub_cases[i].out) != 0)
			fail_msg("case %zu: got '%s' want '%s'", i, s,
			         scrub_cases[i].out);
		free(s);
	}
}

/* a NUL in the middle of a buffer is replaced too; the length is returned */
static void
test_scrub_len(void **state)
{
	char b[] = {'a', '\0', 'b', '\x1b', 'c'};

	(void)state;
	assert_int_equal(log_scrub_len(b, sizeof b, 1), 5);
	assert_memory_equal(b, "a?b?c", 5);
}

/* out_write scrubs a copy: the caller's text is untouched */
static void
test_out_write(void **state)
{
	const char text[] = "note: \x1b]0;x\x07\nline 2\n";
	char *got = NULL;
	size_t len;
	FILE *fp = open_memstream(&got, &len);

	(void)state;
	assert_non_null(fp);
	assert_int_equal(out_write(fp, text, sizeof text - 1), 0);
	assert_int_equal(out_printf(fp, "[%s]",
	                            "\x9b"
	                            "2J"),
	                 0);
	fclose(fp);
	assert_string_equal(got, "note: ?]0;x?\nline 2\n[?2J]");
	assert_int_equal(text[6], '\x1b');
	free(got);
}

/* --json keeps the raw text, escaped: nothing in it drives a terminal */
static void
test_json_escapes(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	json_str(&b, "\x1b]0;t\x07 \xc2\x9b \x7f \xe9");
	assert_string_equal(b.s, "\"\\u001b]0;t\\u0007 \\u009b \\u007f "
	                         "\\ufffd\"");
	buf_free(&b);
}

/* HTML output (templates, digest, report): markup characters become entities,
 * controls that could drive a terminal or break a line become '?' */
static void
test_html_escapes(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	buf_add_html(&b, "<a href=\"x\">Tom & Jerry's</a>\x1b[2J\x07\x7f\t\n\r\xc3\xa9");
	assert_string_equal(b.s, "&lt;a href=&quot;x&quot;&gt;Tom &amp; "
	                         "Jerry&#39;s&lt;/a&gt;?[2J??\t\n\r\xc3\xa9");
	buf_add_html(&b, "");
	assert_int_equal(b.len, strlen(b.s));
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scrub),
	    cmocka_unit_test(test_scrub_len),
	    cmocka_unit_test(test_out_write),
	    cmocka_unit_test(test_json_escapes),
	    cmocka_unit_test(test_html_escapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
