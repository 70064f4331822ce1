/* test_csv - the RFC 4180 reader/writer, header mapping, address checks */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csv.h"
#include "xalloc.h"

#define MAXREC 6
#define MAXF 8

struct exp_rec {
	int rc;             /* CSV_OK, CSV_EBAD, or CSV_EOF to end the list */
	unsigned long line; /* where the record starts */
	const char *f[MAXF];
	const char *err; /* for CSV_EBAD: a substring of the message */
};

struct read_case {
	const char *what;
	const char *in;
	size_t inlen;
	struct exp_rec rec[MAXREC];
};

#define IN(s) s, sizeof(s) - 1
#define END                                                                    \
	{                                                                      \
		CSV_EOF, 0, {NULL}, NULL                                       \
	}

static const struct read_case read_cases[] = {
    {"simple LF",
     IN("a,b,c\n1,2,3\n"),
     {{CSV_OK, 1, {"a", "b", "c"}, NULL},
      {CSV_OK, 2, {"1", "2", "3"}, NULL},
      END}},
    {"CRLF",
     IN("a,b\r\nc,d\r\n"),
     {{CSV_OK, 1, {"a", "b"}, NULL}, {CSV_OK, 2, {"c", "d"}, NULL}, END}},
    {"bare CR",
     IN("a,b\rc,d\r"),
     {{CSV_OK, 1, {"a", "b"}, NULL}, {CSV_OK, 2, {"c", "d"}, NULL}, END}},
    {"no final newline",
     IN("a,b\nc,d"),
     {{CSV_OK, 1, {"a", "b"}, NULL}, {CSV_OK, 2, {"c", "d"}, NULL}, END}},
    {"BOM",
     IN("\xef\xbb\xbf"
        "Email,Name\nx@y.z,X\n"),
     {{CSV_OK, 1, {"Email", "Name"}, NULL},
      {CSV_OK, 2, {"x@y.z", "X"}, NULL},
      END}},
    {"BOM only later is data",
     IN("a\n\xef\xbb\xbf"
        "b\n"),
     {{CSV_OK, 1, {"a"}, NULL},
      {CSV_OK,
       2,
       {"\xef\xbb\xbf"
        "b"},
       NULL},
      END}},
    {"empty input", IN(""), {END}},
    {"only BOM", IN("\xef\xbb\xbf"), {END}},
    {"empty fields",
     IN(",,\na,,b\n,\n"),
     {{CSV_OK, 1, {"", "", ""}, NULL},
      {CSV_OK, 2, {"a", "", "b"}, NULL},
      {CSV_OK, 3, {"", ""}, NULL},
      END}},
    {"trailing comma", IN("a,\n"), {{CSV_OK, 1, {"a", ""}, NULL}, END}},
    {"blank lines skipped, lines counted",
     IN("\n\r\na\n\n\nb\n"),
     {{CSV_OK, 3, {"a"}, NULL}, {CSV_OK, 6, {"b"}, NULL}, END}},
    {"quoted fields",
     IN("\"a\",\"b c\",\"\"\n"),
     {{CSV_OK, 1, {"a", "b c", ""}, NULL}, END}},
    {"embedded comma",
     IN("\"Gardner, Smith & Co\",x\n"),
     {{CSV_OK, 1, {"Gardner, Smith & Co", "x"}, NULL}, END}},
    {"doubled quotes",
     IN("\"say \"\"hi\"\"\",\"\"\"\"\n"),
     {{CSV_OK, 1, {"say \"hi\"", "\""}, NULL}, END}},
    {"embedded newlines keep later lines right",
     IN("h1,h2\n\"line1\nline2\nline3\",x\nnext,y\n\"a\r\nb\",z\r\nlast,w"),
     {{CSV_OK, 1, {"h1", "h2"}, NULL},
      {CSV_OK, 2, {"line1\nline2\nline3", "x"}, NULL},
      {CSV_OK, 5, {"next", "y"}, NULL},
      {CSV_OK, 6, {"a\r\nb", "z"}, NULL},
      {CSV_OK, 8, {"last", "w"}, NULL},
      END}},
    {"bare quote in unquoted field is literal",
     IN("ab\"c,5\" screen\n"),
     {{CSV_OK, 1, {"ab\"c", "5\" screen"}, NULL}, END}},
    {"text after closing quote is appended",
     IN("\"a\"b,c\n"),
     {{CSV_OK, 1, {"ab", "c"}, NULL}, END}},
    {"spaces kept", IN(" a , b \n"), {{CSV_OK, 1, {" a ", " b "}, NULL}, END}},
    {"SQL and formulas verbatim",
     IN("\"Robert'); DROP TABLE leads;--\",=1+2,@SUM(A1),' OR 1=1 --\n"),
     {{CSV_OK,
       1,
       {"Robert'); DROP TABLE leads;--", "=1+2", "@SUM(A1)", "' OR 1=1 --"},
       NULL},
      END}},
    {"UTF-8 bytes verbatim",
     IN("Zo\xc3\xab,\xc3\x96kland\n"),
     {{CSV_OK, 1, {"Zo\xc3\xab", "\xc3\x96kland"}, NULL}, END}},
    {"NUL refused, next record read",
     IN("a,b\0c\nd,e\n"),
     {{CSV_EBAD, 1, {NULL}, "t:1: NUL byte in field 2"},
      {CSV_OK, 2, {"d", "e"}, NULL},
      END}},
    {"NUL in quoted multi-line field",
     IN("\"x\ny\0\",1\nok\n"),
     {{CSV_EBAD, 1, {NULL}, "t:1: NUL byte in field 1"},
      {CSV_OK, 3, {"ok"}, NULL},
      END}},
    /* a stray quote costs its own line, not the rest of the file */
    {"unterminated quote",
     IN("a\n\"open,\nb\nc\n"),
     {{CSV_OK, 1, {"a"}, NULL},
      {CSV_EBAD,
       2,
       {NULL},
       "t:2: quoted field 1 opened on line 2 is not closed; reading on from "
       "the next line"},
      {CSV_OK, 3, {"b"}, NULL},
      {CSV_OK, 4, {"c"}, NULL},
      END}},
    {"unterminated quote in a later field, CRLF",
     IN("a,\"b\r\nc\"\r\nx,\"y,z\r\nd,e\r\nf,g"),
     {{CSV_OK, 1, {"a", "b\r\nc"}, NULL},
      {CSV_EBAD, 3, {NULL}, "t:3: quoted field 2 opened on line 3"},
      {CSV_OK, 4, {"d", "e"}, NULL},
      {CSV_OK, 5, {"f", "g"}, NULL},
      END}},
    {"unterminated quote, a doubled quote after it read again literally",
     IN("\"a\nx\"\"y\nc\n"),
     {{CSV_EBAD, 1, {NULL}, "t:1: quoted field 1 opened on line 1"},
      {CSV_OK, 2, {"x\"\"y"}, NULL},
      {CSV_OK, 3, {"c"}, NULL},
      END}},
    /* nothing after the quote to read again: reread() once did a memcpy
     * from NULL here (UBSan, fuzz_csv) */
    {"a quote opened as the last byte",
     IN("a,\""),
     {{CSV_EBAD, 1, {NULL}, "t:1: quoted field 2 opened on line 1"}, END}},
};

static void
check_read(const struct read_case *c)
{
	FILE *fp =
	    fmemopen((void *)(uintptr_t)c->in, c->inlen ? c->inlen : 1, "r");
	struct csv_reader *r;
	struct csv_record rec;
	char *err;
	int i, rc;
	size_t j;

	assert_non_null(fp);
	if (c->inlen == 0) { /* fmemopen wants size > 0: read an empty one */
		fclose(fp);
		fp = fopen("/dev/null", "r");
		assert_non_null(fp);
	}
	r = csv_open(fp, "t");
	for (i = 0; i < MAXREC; i++) {
		const struct exp_rec *e = &c->rec[i];

		err = NULL;
		rc = csv_read(r, &rec, &err);
		if (rc != e->rc)
			fail_msg("%s: record %d: rc %d, want %d (%s)", c->what,
			         i, rc, e->rc, err ? err : "");
		if (rc == CSV_EOF)
			break;
		assert_int_equal(rec.line, e->line);
		if (rc == CSV_EBAD) {
			assert_non_null(err);
			if (strstr(err, e->err) == NULL)
				fail_msg("%s: error '%s' lacks '%s'", c->what,
				         err, e->err);
			free(err);
			continue;
		}
		assert_null(err);
		for (j = 0; e->f[j] != NULL; j++) {
			assert_true(j < rec.nfields);
			if (strcmp(rec.fields[j], e->f[j]) != 0)
				fail_msg("%s: record %d field %zu: '%s', want "
				         "'%s'",
				         c->what, i, j, rec.fields[j], e->f[j]);
		}
		if (j != rec.nfields)
			fail_msg("%s: record %d: %zu fields, want %zu", c->what,
			         i, rec.nfields, j);
		assert_null(rec.fields[rec.nfields]);
	}
	/* EOF is sticky */
	assert_int_equal(csv_read(r, &rec, &err), CSV_EOF);
	csv_close(r);
	fclose(fp);
}

static void
test_read_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(read_cases) / sizeof(read_cases[0]); i++)
		check_read(&read_cases[i]);
}

/* read all of text (len bytes); returns the reader for more checks */
static FILE *
memfile(const char *text, size_t len)
{
	FILE *fp = fmemopen((void *)(uintptr_t)text, len, "r");

	assert_non_null(fp);
	return fp;
}

static void
test_field_limit(void **state)
{
	struct buf b;
	struct csv_reader *r;
	struct csv_record rec;
	char *err = NULL;
	FILE *fp;
	size_t i;

	(void)state;
	buf_init(&b);
	/* line 1: exactly the limit, accepted */
	buf_adds(&b, "ok,");
	for (i = 0; i < CSV_MAX_FIELD; i++)
		buf_addc(&b, 'a');
	buf_adds(&b, "\n");
	/* line 2: one byte over, unquoted */
	buf_adds(&b, "x,");
	for (i = 0; i < CSV_MAX_FIELD + 1; i++)
		buf_addc(&b, 'b');
	buf_adds(&b, ",tail\n");
	/* line 3: one byte over, quoted, with a newline and commas inside */
	buf_adds(&b, "\"");
	for (i = 0; i < CSV_MAX_FIELD; i++)
		buf_addc(&b, i == 10 ? '\n' : (i % 7 == 0 ? ',' : 'c'));
	buf_adds(&b, "Z\",more\n");
	/* line 5: normal */
	buf_adds(&b, "next,record\n");

	fp = memfile(b.s, b.len);
	r = csv_open(fp, "big.csv");
	assert_int_equal(csv_read(r, &rec, &err), CSV_OK);
	assert_int_equal(rec.nfields, 2);
	assert_int_equal(strlen(rec.fields[1]), CSV_MAX_FIELD);

	assert_int_equal(csv_read(r, &rec, &err), CSV_EBAD);
	assert_string_equal(err, "big.csv:2: field 2 is longer than 1048576 "
	                         "bytes");
	assert_int_equal(rec.line, 2);
	free(err);
	err = NULL;

	assert_int_equal(csv_read(r, &rec, &err), CSV_EBAD);
	assert_string_equal(err, "big.csv:3: field 1 is longer than 1048576 "
	                         "bytes");
	free(err);
	err = NULL;

	assert_int_equal(csv_read(r, &rec, &err), CSV_OK);
	assert_int_equal(rec.line, 5);
	assert_int_equal(rec.nfields, 2);
	assert_string_equal(rec.fields[0], "next");
	assert_string_equal(rec.fields[1], "record");
	assert_int_equal(csv_read(r, &rec, &err), CSV_EOF);
	csv_close(r);
	fclose(fp);
	buf_free(&b);
}

static void
test_field_count_limit(void **state)
{
	struct buf b;
	struct csv_reader *r;
	struct csv_record rec;
	char *err = NULL;
	FILE *fp;
	int i;

	(void)state;
	buf_init(&b);
	for (i = 0; i < CSV_MAX_FIELDS; i++)
		buf_adds(&b, i ? ",f" : "f");
	buf_adds(&b, "\n");
	for (i = 0; i < CSV_MAX_FIELDS + 1; i++)
		buf_adds(&b, i ? ",g" : "g");
	buf_adds(&b, "\nlast\n");
	fp = memfile(b.s, b.len);
	r = csv_open(fp, "wide.csv");
	assert_int_equal(csv_read(r, &rec, &err), CSV_OK);
	assert_int_equal(rec.nfields, CSV_MAX_FIELDS);
	assert_int_equal(csv_read(r, &rec, &err), CSV_EBAD);
	assert_string_equal(err, "wide.csv:2: more than 1000 fields");
	free(err);
	err = NULL;
	assert_int_equal(csv_read(r, &rec, &err), CSV_OK);
	assert_int_equal(rec.line, 3);
	assert_string_equal(rec.fields[0], "last");
	csv_close(r);
	fclose(fp);
	buf_free(&b);
}

/* values that must survive write-then-read exactly */
static const char *roundtrip[] = {
    "plain",
    "",
    "with,comma",
    "with \"quotes\"",
    "\"",
    "multi\nline",
    "crlf\r\ninside",
    "bare\rcr",
    " leading space",
    "trailing space ",
    "\ttab",
    "=1+2",
    "+1 (555) 010-0000",
    "-5",
    "@handle",
    "Robert'); DROP TABLE leads;--",
    "Zo\xc3\xab \xc3\x96kland",
    "a\"b",
    "'quoted'",
    "#hash",
    "\xef\xbb\xbf"
    "bom-looking",
};

static void
test_roundtrip(void **state)
{
	size_t n = sizeof(roundtrip) / sizeof(roundtrip[0]), i;
	char *out = NULL, *err = NULL;
	size_t outlen = 0;
	struct csv_reader *r;
	struct csv_record rec;
	FILE *fp;

	(void)state;
	fp = open_memstream(&out, &outlen);
	assert_non_null(fp);
	/* one record with every value, then one record per value */
	/* the first record is the BOM-looking value alone, first in the file */
	assert_int_equal(csv_write_record(fp, &roundtrip[n - 1], 1, 0), 0);
	assert_int_equal(csv_write_record(fp, roundtrip, n, 0), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(csv_write_record(fp, &roundtrip[i], 1, 0), 0);
	fclose(fp);

	fp = memfile(out, outlen);
	r = csv_open(fp, "rt");
	assert_int_equal(csv_read(r, &rec, &err), CSV_OK);
	assert_int_equal(rec.nfields, 1);
	assert_string_equal(rec.fields[0], roundtrip[n - 1]);
	assert_int_equal(csv_read(r, &rec, &err), CSV_OK);
	assert_int_equal(rec.nfields, n);
	for (i = 0; i < n; i++)
		assert_string_equal(rec.fields[i], roundtrip[i]);
	for (i = 0; i < n; i++) {
		assert_int_equal(csv_read(r, &rec, &err), CSV_OK);
		assert_int_equal(rec.nfields, 1);
		assert_string_equal(rec.fields[0], roundtrip[i]);
	}
	assert_int_equal(csv_read(r, &rec, &err), CSV_EOF);
	csv_close(r);
	fclose(fp);
	free(out);
}

static const struct {
	const char *in;
	unsigned int flags;
	const char *out;
} write_cases[] = {
    {"plain", 0, "plain"},
    {"", 0, ""},
    {NULL, 0, ""},
    {"a,b", 0, "\"a,b\""},
    {"a\"b", 0, "\"a\"\"b\""},
    {"a\nb", 0, "\"a\nb\""},
    {" x", 0, "\" x\""},
    {"x ", 0, "\"x \""},
    {"=1+2", 0, "=1+2"},
    {"=1+2", CSV_SAFE, "'=1+2"},
    {"=HYPERLINK(\"http://e.example\",\"x\")", CSV_SAFE,
     "\"'=HYPERLINK(\"\"http://e.example\"\",\"\"x\"\")\""},
    {"@SUM(A1)", CSV_SAFE, "'@SUM(A1)"},
    {"-2+3+cmd|' /C calc'!A0", CSV_SAFE, "'-2+3+cmd|' /C calc'!A0"},
    {"+1 (555) 010-0000", CSV_SAFE, "+1 (555) 010-0000"},
    {"-5", CSV_SAFE, "-5"},
    {"-", CSV_SAFE, "'-"},
    {"\tx", CSV_SAFE, "\"'\tx\""},
    {"plain", CSV_SAFE, "plain"},
    /* the guard looks past leading quotes and white space (fuzz_export) */
    {"\"=cmd", CSV_SAFE, "\"'\"\"=cmd\""},
    {" =cmd", CSV_SAFE, "\"' =cmd\""},
    {"\n@x", CSV_SAFE, "\"'\n@x\""},
    {"'=cmd", CSV_SAFE, "''=cmd"},
    {"'-5", CSV_SAFE, "''-5"},
    {" -5", CSV_SAFE, "\" -5\""},
    {"\"", CSV_SAFE, "\"\"\"\""},
};

static void
test_write_table(void **state)
{
	char *out;
	size_t len, i;
	FILE *fp;

	(void)state;
	for (i = 0; i < sizeof(write_cases) / sizeof(write_cases[0]); i++) {
		out = NULL;
		fp = open_memstream(&out, &len);
		assert_non_null(fp);
		assert_int_equal(csv_write_field(fp, write_cases[i].in,
		                                 write_cases[i].flags),
		                 0);
		fclose(fp);
		if (strcmp(out, write_cases[i].out) != 0)
			fail_msg("write '%s': got '%s' want '%s'",
			         write_cases[i].in ? write_cases[i].in
			                           : "(null)",
			         out, write_cases[i].out);
		free(out);
	}
	/* a record: CRLF, a lone empty field is "" */
	{
		const char *f[] = {"a", "b,c", ""}, *e[] = {""};

		out = NULL;
		fp = open_memstream(&out, &len);
		csv_write_record(fp, f, 3, 0);
		csv_write_record(fp, e, 1, 0);
		csv_write_record(fp, e, 0, 0);
		fclose(fp);
		assert_string_equal(out, "a,\"b,c\",\r\n\"\"\r\n");
		free(out);
	}
}

static const struct {
	const char *column, *field;
} header_cases[] = {
    {"Email", "email"},
    {"E-mail", "email"},
    {"EMAIL", "email"},
    {"Email Address", "email"},
    {"email_address", "email"},
    {"Work Email", "email"},
    {"Primary Email", "email"},
    {" e-mail ", "email"},
    {"Name", "name"},
    {"Full Name", "name"},
    {"Contact Name", "name"},
    {"First Name", "first_name"},
    {"first_name", "first_name"},
    {"FirstName", "first_name"},
    {"Given Name", "first_name"},
    {"Last Name", "last_name"},
    {"last_name", "last_name"},
    {"Surname", "last_name"},
    {"Family Name", "last_name"},
    {"Company", "company"},
    {"Company Name", "company"},
    {"Organization", "company"},
    {"Organisation", "company"},
    {"Account Name", "company"},
    {"Phone", "phone"},
    {"Phone Number", "phone"},
    {"Mobile", "phone"},
    {"Mobile Phone", "phone"},
    {"Work Phone", "phone"},
    {"Time Zone", "tz"},
    {"Timezone", "tz"},
    {"TZ", "tz"},
    {"tz", "tz"},
    {"Lead Source", "source"},
    {"Source", "source"},
    {"Sequence", "sequence"},
    {"Status", "status"},
    {"Lead Status", "lead_status"},
    {"Rating", "rating"},
    {"Hot", "hot"},
    {"Hot Lead", "hot"},
    {"Interests", "interests"},
    {"Industry", "industry"},
    {"Mailing Address", "mailing_address"},
    {"Notes", "notes"},
    {"Description", "notes"},
    {"Title", "title"},
    {"Job Title", "title"},
    {"Website", "website"},
    {"Web Site", "website"},
    {"Domain", "domain"},
    {"Favourite Colour", NULL},
    {"", NULL},
    {"---", NULL},
    {"Emails", NULL},
    {"Prénom", NULL},
    {"a very long column name that is longer than our buffer by far, really",
     NULL},
};

/* encodings: UTF-8 checked, Latin-1 and Windows-1252 converted */
static const struct {
	const char *enc, *in, *want, *err;
} enc_cases[] = {
    {"utf-8", "Zo\xc3\xab,M\xc3\xbcller\n", "Zo\xc3\xab|M\xc3\xbcller", NULL},
    {"utf-8", "ok,Caf\xe9\n", NULL,
     "t:1: field 2 is not valid UTF-8 (byte 0xe9 at offset 3); for a "
     "Latin-1 or Windows file use --encoding latin1 or windows-1252"},
    {"utf-8", "\xc0\xaf\n", NULL, "field 1 is not valid UTF-8 (byte 0xc0"},
    {"utf-8", "\xed\xa0\x80\n", NULL, "not valid UTF-8"},
    {"latin1", "Caf\xe9,M\xfcller\n", "Caf\xc3\xa9|M\xc3\xbcller", NULL},
    {"LATIN-1", "\x80\n", "\xc2\x80", NULL},
    {"windows-1252", "\x93quoted\x94 \x80 5\n",
     "\xe2\x80\x9cquoted\xe2\x80\x9d \xe2\x82\xac 5", NULL},
    {"cp1252",
     "a\x81"
     "b\n",
     NULL,
     "field 1: byte 0x81 at offset 1 has no "
     "character in this encoding"},
};

static void
test_encoding(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(enc_cases) / sizeof(*enc_cases); i++) {
		FILE *fp = fmemopen((void *)(uintptr_t)enc_cases[i].in,
		                    strlen(enc_cases[i].in), "r");
		struct csv_reader *r = csv_open(fp, "t");
		struct csv_record rec;
		char *err = NULL;
		int rc;

		assert_int_equal(csv_set_encoding(r, enc_cases[i].enc, &err),
		                 CSV_OK);
		rc = csv_read(r, &rec, &err);
		if (enc_cases[i].err != NULL) {
			assert_int_equal(rc, CSV_EBAD);
			if (strstr(err, enc_cases[i].err) == NULL)
				fail_msg("case %zu: '%s' lacks '%s'", i, err,
				         enc_cases[i].err);
			free(err);
		} else {
			struct buf b;

			assert_int_equal(rc, CSV_OK);
			buf_init(&b);
			for (size_t j = 0; j < rec.nfields; j++)
				buf_printf(&b, "%s%s", j ? "|" : "",
				           rec.fields[j]);
			assert_string_equal(b.s, enc_cases[i].want);
			buf_free(&b);
		}
		csv_close(r);
		fclose(fp);
	}
	{
		struct csv_reader *r = csv_open(stdin, "t");
		char *err = NULL;

		assert_int_equal(csv_set_encoding(r, "ebcdic", &err), CSV_EBAD);
		assert_string_equal(err, "unknown encoding 'ebcdic' (utf-8, "
		                         "latin1 or windows-1252)");
		free(err);
		csv_close(r);
	}
	assert_true(csv_utf8_valid("Zo\xc3\xab \xf0\x9f\x98\x80"));
	assert_false(csv_utf8_valid("Zo\xeb"));
}

static void
test_keys(void **state)
{
	struct csv_keys *k = csv_keys_new();
	char key[32];

	(void)state;
	assert_int_equal(csv_keys_add(k, "Ann@Beta.example", 3), 0);
	assert_int_equal(csv_keys_add(k, "ann@beta.EXAMPLE", 9), 3);
	/* many keys: the table grows and keeps them all */
	for (unsigned long i = 0; i < 5000; i++) {
		snprintf(key, sizeof key, "u%lu@x.example", i);
		assert_int_equal(csv_keys_add(k, key, i + 10), 0);
	}
	for (unsigned long i = 0; i < 5000; i += 499) {
		snprintf(key, sizeof key, "U%lu@X.example", i);
		assert_int_equal(csv_keys_add(k, key, 1), i + 10);
		assert_int_equal(csv_keys_find(k, key), i + 10);
	}
	/* find never adds */
	assert_int_equal(csv_keys_find(k, "nobody@x.example"), 0);
	assert_int_equal(csv_keys_find(k, "nobody@x.example"), 0);
	assert_int_equal(csv_keys_add(k, "nobody@x.example", 7), 0);
	csv_keys_free(k);
}

/* import undoes exactly what CSV_SAFE does, nothing more */
static const struct {
	const char *in, *out;
} unguard_cases[] = {
    {"'=1+2", "=1+2"}, {"'@SUM(A1)", "@SUM(A1)"},
    {"'-", "-"},       {"'\tx", "\tx"},
    {"'+cmd", "+cmd"}, {"'-5", "'-5"}, /* CSV_SAFE never guards -5 */
    {"'abc", "'abc"},  {"'", "'"},
    {"=1+2", "=1+2"},  {"", ""},
    {"' =x", " =x"},   {"'\"=x", "\"=x"},
    {"''=x", "'=x"},   {"''-5", "'-5"},
    {"' -5", "' -5"},  {"'\"abc", "'\"abc"},
};

static void
test_unguard(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(unguard_cases) / sizeof(*unguard_cases);
	     i++)
		assert_string_equal(csv_unguard(unguard_cases[i].in),
		                    unguard_cases[i].out);
	/* every guarded write case reads back as it was */
	for (size_t i = 0; i < sizeof(write_cases) / sizeof(*write_cases);
	     i++) {
		const char *in = write_cases[i].in;
		char *out = NULL;
		size_t len;
		FILE *fp;
		struct csv_reader *r;
		struct csv_record rec;
		char *err = NULL;

		if (in == NULL || *in == '\0')
			continue;
		fp = open_memstream(&out, &len);
		assert_non_null(fp);
		csv_write_field(fp, in, CSV_SAFE);
		fclose(fp);
		fp = fmemopen(out, len, "r");
		assert_non_null(fp);
		r = csv_open(fp, "mem");
		assert_int_equal(csv_read(r, &rec, &err), CSV_OK);
		if (strcmp(csv_unguard(rec.fields[0]), in) != 0)
			fail_msg("'%s' read back as '%s'", in,
			         csv_unguard(rec.fields[0]));
		csv_close(r);
		fclose(fp);
		free(out);
	}
}

static void
test_map_header(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(header_cases) / sizeof(header_cases[0]);
	     i++) {
		const char *got = csv_map_header(header_cases[i].column);

		if (header_cases[i].field == NULL
		        ? got != NULL
		        : got == NULL ||
		              strcmp(got, header_cases[i].field) != 0)
			fail_msg("'%s' → %s, want %s", header_cases[i].column,
			         got ? got : "NULL",
			         header_cases[i].field ? header_cases[i].field
			                               : "NULL");
	}
}

static const struct {
	const char *addr;
	int valid;
	const char *domain; /* csv_email_domain, NULL = NULL */
} email_cases[] = {
    {"lenann@example.com", 1, "example.com"},
    {"First.Last+tag@Mail.Example.CO.UK", 1, "mail.example.co.uk"},
    {"o'brien@example.ie", 1, "example.ie"},
    {"z\xc3\xb6@example.de", 1, "example.de"},
    {"a@b.c", 1, "b.c"},
    {"", 0, NULL},
    {"plainaddress", 0, NULL},
    {"@example.com", 0, "example.com"},
    {"user@", 0, NULL},
    {"user@localhost", 0, "localhost"},
    {"user@@example.com", 0, "example.com"},
    {"a@b@example.com", 0, "example.com"},
    {"user name@example.com", 0, "example.com"},
    {"user@exa mple.com", 0, "exa mple.com"},
    {"user@example.com ", 0, "example.com "},
    {"user@.example.com", 0, ".example.com"},
    {"user@example.com.", 0, "example.com."},
    {"user@example..com", 0, "example..com"},
    {"user\n@example.com", 0, "example.com"},
    {"user@example.com\r\nBcc: x@evil.example", 0, "evil.example"},
    {"Lenann <lenann@example.com>", 0, "example.com>"},
    {"a,b@example.com", 0, "example.com"},
    {"\"quoted\"@example.com", 0, "example.com"},
};

static void
test_email(void **state)
{
	char *d;
	char longlocal[80], longaddr[300];

	(void)state;
	for (size_t i = 0; i < sizeof(email_cases) / sizeof(email_cases[0]);
	     i++) {
		if (csv_email_valid(email_cases[i].addr) !=
		    email_cases[i].valid)
			fail_msg("csv_email_valid('%s') != %d",
			         email_cases[i].addr, email_cases[i].valid);
		d = csv_email_domain(email_cases[i].addr);
		if (email_cases[i].domain == NULL)
			assert_null(d);
		else
			assert_string_equal(d, email_cases[i].domain);
		free(d);
	}
	/* length limits: local part 64, whole address 254 */
	memset(longlocal, 'l', 64);
	strcpy(longlocal + 64, "@example.com");
	assert_true(csv_email_valid(longlocal));
	memset(longlocal, 'l', 65);
	strcpy(longlocal + 65, "@example.com");
	assert_false(csv_email_valid(longlocal));
	strcpy(longaddr, "a@");
	memset(longaddr + 2, 'd', 248);
	strcpy(longaddr + 250, ".com"); /* 254 bytes */
	assert_true(csv_email_valid(longaddr));
	strcpy(longaddr + 250, ".comm");
	assert_false(csv_email_valid(longaddr));
	assert_false(csv_email_valid(NULL));
	assert_null(csv_email_domain(NULL));
}

/* sample exports in tests/data/csv */
static FILE *
open_sample(const char *name)
{
	const char *top = getenv("top_srcdir");
	char *path = xasprintf("%s/tests/data/csv/%s", top ? top : ".", name);
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		fail_msg("%s: cannot open (set top_srcdir)", path);
	free(path);
	return fp;
}

static void
test_sample_hubspot(void **state)
{
	FILE *fp = open_sample("hubspot-export.csv");
	struct csv_reader *r = csv_open(fp, "hubspot-export.csv");
	struct csv_record rec;
	char *err = NULL;
	const char *want[] = {"first_name", "last_name", "email", "company",
	                      "phone", "lead_status", "notes", NULL};

	(void)state;
	assert_int_equal(csv_read(r, &rec, &err), CSV_OK);
	assert_int_equal(rec.nfields, 8);
	for (size_t i = 0; i < 8; i++) {
		const char *m = csv_map_header(rec.fields[i]);

		if (want[i] == NULL)
			assert_null(m);
		else
			assert_string_equal(m, want[i]);
	}
	assert_int_equal(csv_read(r, &rec, &err), CSV_OK);
	assert_int_equal(rec.line, 2);
	assert_string_equal(rec.fields[3], "Gardner, Smith & Co");
	assert_string_equal(rec.fields[6],
	                    "Met at the expo.\r\nWants a demo \"next week\".");
	assert_int_equal(csv_read(r, &rec, &err), CSV_OK);
	assert_int_equal(rec.line, 4);
	assert_string_equal(rec.fields[0], "Zo\xc3\xab");
	assert_string_equal(rec.fields[5], "Open");
	assert_string_equal(rec.fields[7], "");
	assert_int_equal(csv_read(r, &rec, &err), CSV_OK);
	assert_int_equal(rec.line, 5);
	assert_string_equal(rec.fields[3],
	                    "=HYPERLINK(\"http://evil.example\",\"x\")");
	assert_string_equal(rec.fields[6], "Robert'); DROP TABLE leads;--");
	assert_int_equal(csv_read(r, &rec, &err), CSV_EOF);
	csv_close(r);
	fclose(fp);
}

static void
test_sample_lf(void **state)
{
	FILE *fp = open_sample("lf-nofinal.csv");
	struct csv_reader *r = csv_open(fp, "lf-nofinal.csv");
	struct csv_record rec;
	char *err = NULL;

	(void)state;
	assert_int_equal(csv_read(r, &rec, &err), CSV_OK);
	assert_string_equal(csv_map_header(rec.fields[2]), "tz");
	assert_int_equal(csv_read(r, &rec, &err), CSV_OK);
	assert_int_equal(rec.line, 2);
	assert_int_equal(csv_read(r, &rec, &err), CSV_OK);
	assert_int_equal(rec.line, 4);
	assert_string_equal(rec.fields[0], "bad\"quote@example.com");
	assert_false(csv_email_valid(rec.fields[0]));
	assert_string_equal(rec.fields[1], "Bad \"Q\" Name");
	assert_int_equal(csv_read(r, &rec, &err), CSV_OK);
	assert_int_equal(rec.line, 5);
	assert_string_equal(rec.fields[1], "Carl\nSecond line");
	assert_string_equal(rec.fields[2], "America/Denver");
	assert_int_equal(csv_read(r, &rec, &err), CSV_EOF);
	csv_close(r);
	fclose(fp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_table),
	    cmocka_unit_test(test_field_limit),
	    cmocka_unit_test(test_field_count_limit),
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_write_table),
	    cmocka_unit_test(test_unguard),
	    cmocka_unit_test(test_encoding),
	    cmocka_unit_test(test_keys),
	    cmocka_unit_test(test_map_header),
	    cmocka_unit_test(test_email),
	    cmocka_unit_test(test_sample_hubspot),
	    cmocka_unit_test(test_sample_lf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
