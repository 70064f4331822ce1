/* test_match - table-driven tests of lead matching with a fake store. */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "classify.h"
#include "match.h"
#include "mime.h"
#include "xalloc.h"

/* ------------------------------------------------------------ fake store */

struct fake_row {
	const char *key;
	int64_t lead;
};

static const struct fake_row sent_ids[] = {
    {"<20261124.stage2.8f3a@nudge-sales.example>", 7},
    {"<20261125.stage1.77aa@nudge-sales.example>", 9},
    {"<older.stage1@nudge-sales.example>", 7},
    {NULL, 0},
};
static const struct fake_row emails[] = {
    {"bob@acme.com", 1},
    {"old.contact@acme-widgets.example", 9},
    {"karen.lee@northwind.example", 3},
    {"mark.ellis@gmail.com", 4},
    {NULL, 0},
};
/* domains with exactly one active lead */
static const struct fake_row domains[] = {
    {"acme.com", 1},
    {"northwind.example", 3},
    {"gmail.com", 4}, /* the store would say yes: free-mail must stop it */
    {NULL, 0},
};

static int calls_domain;

static int
lookup(const struct fake_row *t, const char *k, int64_t *lead)
{
	for (; t->key != NULL; t++)
		if (strcmp(t->key, k) == 0) {
			*lead = t->lead;
			return 1;
		}
	return 0;
}

static int
f_msgid(void *arg, const char *id, int64_t *lead)
{
	(void)arg;
	return lookup(sent_ids, id, lead);
}

static int
f_email(void *arg, const char *a, int64_t *lead)
{
	(void)arg;
	return lookup(emails, a, lead);
}

static int
f_domain(void *arg, const char *d, int64_t *lead)
{
	(void)arg;
	calls_domain++;
	return lookup(domains, d, lead);
}

static void
f_why(void *arg, const char *id, char *buf, size_t len)
{
	(void)arg;
	if (strstr(id, "stage2") != NULL)
		snprintf(buf, len, "our stage 2 email");
}

static const struct match_ops ops = {NULL, f_msgid, f_email, f_domain, f_why};

static struct freemail *
load_fm(void)
{
	const char *top = getenv("top_srcdir");
	char *path =
	    xasprintf("%s/rules/freemail.domains", top && *top ? top : ".");
	struct freemail *fm = NULL;
	char *err = NULL;

	if (freemail_load(path, &fm, &err) != MATCH_OK)
		fail_msg("%s", err);
	free(path);
	return fm;
}

/* ------------------------------------------------------------ tests */

static void
test_normalize(void **state)
{
	static const struct {
		const char *in, *want;
	} rows[] = {
	    {"bob@acme.com", "bob@acme.com"},
	    {"Bob+x@Acme.COM", "bob@acme.com"},
	    {"\"Bob Smith\" <Bob+news@acme.com>", "bob@acme.com"},
	    {"=?utf-8?q?B=C3=B6b?= <bob@acme.com>", "bob@acme.com"},
	    {"+x@acme.com", "+x@acme.com"},
	    {"nobody", NULL},
	    {"", NULL},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char *got = match_normalize_addr(rows[i].in);
		if (rows[i].want == NULL) {
			if (got != NULL)
				fail_msg("row %zu: got %s, want NULL", i, got);
		} else if (got == NULL || strcmp(got, rows[i].want) != 0)
			fail_msg("row %zu: got %s, want %s", i,
			         got ? got : "NULL", rows[i].want);
		free(got);
	}
	assert_null(match_normalize_addr(NULL));
}

static void
test_freemail(void **state)
{
	static const struct {
		const char *domain;
		int want;
	} rows[] = {
	    {"gmail.com", 1},    {"GMAIL.COM", 1},     {"googlemail.com", 1},
	    {"hotmail.com", 1},  {"hotmail.co.uk", 1}, {"hotmail.fr", 1},
	    {"yahoo.co.jp", 1},  {"outlook.de", 1},    {"web.de", 1},
	    {"t-online.de", 1},  {"orange.fr", 1},     {"proton.me", 1},
	    {"gmx.net", 1},      {"icloud.com", 1},    {"mail.ru", 1},
	    {"libero.it", 1},    {"acme.com", 0},      {"hotmail", 0},
	    {"notgmail.com", 0}, {"mail.acme.com", 0}, {"", 0},
	};
	struct freemail *fm = load_fm();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		if (freemail_contains(fm, rows[i].domain) != rows[i].want)
			fail_msg("row %zu: %s", i, rows[i].domain);
	assert_int_equal(freemail_contains(NULL, "gmail.com"), 0);
	freemail_free(fm);
}

static void
test_freemail_errors(void **state)
{
	struct freemail *fm = NULL;
	char *err = NULL;

	(void)state;
	assert_int_equal(freemail_from_string(
	                     "f", "# c\ngmail.com\nbad domain\n", &fm, &err),
	                 MATCH_EINVAL);
	assert_string_equal(err, "f:3: bad domain \"bad domain\"");
	free(err);
	assert_int_equal(freemail_from_string("f", ".*\n", &fm, &err),
	                 MATCH_EINVAL);
	free(err);
	assert_int_equal(freemail_load("/nonexistent/fm", &fm, &err),
	                 MATCH_EIO);
	free(err);
	assert_int_equal(
	    freemail_from_string("f", "  x.com # trailing\n\n", &fm, &err),
	    MATCH_OK);
	assert_int_equal(freemail_contains(fm, "x.com"), 1);
	freemail_free(fm);
}

static const char bounce_msg[] =
    "From: MAILER-DAEMON@mx1.nudge-sales.example\n"
    "To: dana@nudge-sales.example\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status; "
    "boundary=\"b\"\n\n"
    "--b\nContent-Type: text/plain\n\nUser unknown.\n"
    "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx1\n\n"
    "Final-Recipient: rfc822; %s\nAction: failed\nStatus: 5.1.1\n"
    "--b\nContent-Type: message/rfc822\n\n"
    "From: dana@nudge-sales.example\nTo: %s\nMessage-ID: %s\nSubject: "
    "hi\n\nhi\n"
    "--b--\n";

static void
test_match_table(void **state)
{
	char *b1 = xasprintf(bounce_msg, "old.contact@acme-widgets.example",
	                     "old.contact@acme-widgets.example",
	                     "<20261125.stage1.77aa@nudge-sales.example>");
	char *b2 =
	    xasprintf(bounce_msg, "Old.Contact+x@acme-widgets.example",
	              "someone@else.example", "<unknown@nudge-sales.example>");
	char *b3 = xasprintf(bounce_msg, "nobody@nowhere.example",
	                     "nobody@nowhere.example",
	                     "<unknown@nudge-sales.example>");
	const struct {
		const char *name, *msg;
		int cls; /* -1: no classification passed */
		int same_domain;
		int found;
		int64_t lead;
		const char *rule, *why;
	} rows[] = {
	    {"in-reply-to",
	     "From: x@y.com\nIn-Reply-To: "
	     "<20261124.stage2.8f3a@nudge-sales.example>\n\nhi\n",
	     CLS_HUMAN_REPLY, 0, 1, 7, "in-reply-to",
	     "In-Reply-To <20261124.stage2.8f3a@nudge-sales.example> is our "
	     "stage 2 email"},
	    {"references newest last",
	     "From: x@y.com\nReferences: <older.stage1@nudge-sales.example> "
	     "<a@b> <20261125.stage1.77aa@nudge-sales.example>\n\nhi\n",
	     CLS_HUMAN_REPLY, 0, 1, 9, "references",
	     "References <20261125.stage1.77aa@nudge-sales.example> is our "
	     "email"},
	    {"in-reply-to beats from",
	     "From: bob@acme.com\nIn-Reply-To: "
	     "<older.stage1@nudge-sales.example>\n\nhi\n",
	     CLS_HUMAN_REPLY, 0, 1, 7, "in-reply-to", NULL},
	    {"unknown ids fall to from",
	     "From: Bob <bob@acme.com>\nIn-Reply-To: <zzz@elsewhere>\n\nhi\n",
	     CLS_HUMAN_REPLY, 0, 1, 1, "from",
	     "From bob@acme.com is a lead's address"},
	    {"plus tag and case", "From: Bob <BOB+sales@Acme.com>\n\nhi\n",
	     CLS_HUMAN_REPLY, 0, 1, 1, "from",
	     "From bob+sales@acme.com = lead bob@acme.com"},
	    {"same-domain off", "From: alice@acme.com\n\nhi\n", CLS_HUMAN_REPLY,
	     0, 0, 0, NULL, NULL},
	    {"same-domain on", "From: Alice <alice@acme.com>\n\nhi\n",
	     CLS_HUMAN_REPLY, 1, 1, 1, "same-domain",
	     "From alice@acme.com: the only active lead at acme.com"},
	    {"same-domain never free-mail",
	     "From: someone.else@gmail.com\n\nhi\n", CLS_HUMAN_REPLY, 1, 0, 0,
	     NULL, NULL},
	    {"nothing", "From: stranger@nowhere.example\n\nhi\n",
	     CLS_HUMAN_REPLY, 1, 0, 0, NULL, NULL},
	    {"no from", "Subject: x\n\nhi\n", CLS_OTHER, 1, 0, 0, NULL, NULL},
	    {"bounce: returned message-id", b1, CLS_BOUNCE_HARD, 0, 1, 9,
	     "returned-message-id",
	     "Returned message's Message-ID "
	     "<20261125.stage1.77aa@nudge-sales.example> is our email"},
	    {"bounce: dsn recipient", b2, CLS_BOUNCE_HARD, 0, 1, 9,
	     "dsn-recipient",
	     "DSN Final-Recipient old.contact+x@acme-widgets.example = lead "
	     "old.contact@acme-widgets.example"},
	    {"bounce without classification", b2, -1, 0, 1, 9, "dsn-recipient",
	     NULL},
	    {"bounce: nothing, and MAILER-DAEMON's domain is not used", b3,
	     CLS_BOUNCE_SOFT, 1, 0, 0, NULL, NULL},
	};
	struct freemail *fm = load_fm();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct mime_msg *m = NULL;
		struct classification cl;
		struct match_result r;
		char *err = NULL;
		int got;

		memset(&cl, 0, sizeof cl);
		cl.cls = rows[i].cls;
		cl.return_day = -1;
		assert_int_equal(mime_parse(rows[i].msg, strlen(rows[i].msg),
		                            NULL, &m, &err),
		                 MIME_OK);
		got = match_message(m, rows[i].cls >= 0 ? &cl : NULL, &ops, fm,
		                    rows[i].same_domain, &r);
		if (got != rows[i].found)
			fail_msg("%s: found %d (%s)", rows[i].name, got,
			         r.why ? r.why : "-");
		if (got) {
			if (r.lead_id != rows[i].lead ||
			    strcmp(r.rule, rows[i].rule) != 0)
				fail_msg("%s: lead %lld rule %s", rows[i].name,
				         (long long)r.lead_id, r.rule);
			if (rows[i].why != NULL &&
			    strcmp(r.why, rows[i].why) != 0)
				fail_msg("%s: why \"%s\"", rows[i].name, r.why);
		} else {
			assert_null(r.why);
			assert_null(r.rule);
		}
		match_result_free(&r);
		mime_free(m);
	}
	freemail_free(fm);
	free(b1);
	free(b2);
	free(b3);
}

/* With no free-mail list the same-domain rule never runs. */
static void
test_same_domain_needs_list(void **state)
{
	static const char msg[] = "From: someone.else@gmail.com\n\nhi\n";
	struct mime_msg *m = NULL;
	struct match_result r;
	char *err = NULL;

	(void)state;
	assert_int_equal(mime_parse(msg, sizeof msg - 1, NULL, &m, &err),
	                 MIME_OK);
	calls_domain = 0;
	assert_int_equal(match_message(m, NULL, &ops, NULL, 1, &r), 0);
	assert_int_equal(calls_domain, 0);
	mime_free(m);
}

/* NULL callbacks are skipped */
static void
test_null_ops(void **state)
{
	static const char msg[] =
	    "From: bob@acme.com\nIn-Reply-To: "
	    "<20261124.stage2.8f3a@nudge-sales.example>\n\nhi\n";
	struct match_ops none = {NULL, NULL, NULL, NULL, NULL};
	struct match_ops email_only = {NULL, NULL, f_email, NULL, NULL};
	struct mime_msg *m = NULL;
	struct match_result r;
	char *err = NULL;

	(void)state;
	assert_int_equal(mime_parse(msg, sizeof msg - 1, NULL, &m, &err),
	                 MIME_OK);
	assert_int_equal(match_message(m, NULL, &none, NULL, 1, &r), 0);
	assert_int_equal(match_message(m, NULL, &email_only, NULL, 0, &r), 1);
	assert_string_equal(r.rule, "from");
	match_result_free(&r);
	mime_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_normalize),
	    cmocka_unit_test(test_freemail),
	    cmocka_unit_test(test_freemail_errors),
	    cmocka_unit_test(test_match_table),
	    cmocka_unit_test(test_same_domain_needs_list),
	    cmocka_unit_test(test_null_ops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
