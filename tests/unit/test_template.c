/*
 * test_template - parsing, rendering, lint and the value library.
 *
 * Shipped templates are read from $top_srcdir/templates (default ".").
 * "test_template --bench [N]" times N renders (default 200000) of
 * templates/1.email and prints renders/second; it is not part of the test run.
 */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <time.h>

#include <cmocka.h>

#include "template.h"
#include "xalloc.h"

/* A lead as a NULL-terminated list of name/value pairs. */
struct kv {
	const char *k, *v;
};

static const char *
kv_lookup(void *arg, const char *var)
{
	const struct kv *p;

	for (p = arg; p && p->k; p++)
		if (strcmp(p->k, var) == 0)
			return p->v;
	return NULL;
}

static const struct kv full_lead[] = {
    {"email", "dana@acme.example"},
    {"name", "Dana Reyes"},
    {"first_name", "Dana"},
    {"last_name", "Reyes"},
    {"company", "Acme Tools"},
    {"domain", "acme.example"},
    {"phone", "+1 303 555 0142"},
    {"tz", "America/Denver"},
    {"source", "trade show"},
    {"stage", "1"},
    {"sender.name", "Lenann Gardner"},
    {"sender.first_name", "Lenann"},
    {"sender.email", "lenann@example.com"},
    {"sender.title", "Account Manager"},
    {"sender.phone", "+1 720 555 0199"},
    {"sender.signature", "Lenann Gardner\nAccount Manager\n+1 720 555 0199"},
    {"interests", "fly fishing"},
    {"industry", "manufacturing"},
    {"mailing_address", "1 Main St, Denver CO"},
    {"local_time", "Wednesday 09:30 (America/Denver)"},
    {"last_notes", "- met Dana at the trade show"},
    {"ask_source", "Ask Jo Smith about Dana Reyes."},
    {"date", "Wednesday, November 25, 2026"},
    {"weekday", "Wednesday"},
    {"value.title", "A useful article"},
    {"value.pitch", "Why it matters, in one line."},
    {"value.url", "https://nudge.test/a"},
    {"value.body", "Two sentences of body."},
    {NULL, NULL},
};

/* A lead with nothing but an address (sender.* always come from the config). */
static const struct kv bare_lead[] = {
    {"email", "someone@example.org"},
    {"first_name", ""},
    {"sender.name", "Lenann Gardner"},
    {"sender.first_name", "Lenann"},
    {"sender.phone", "+1 720 555 0199"},
    {"sender.signature", "Lenann Gardner"},
    {"value.title", "A useful article"},
    {"value.pitch", "Why it matters, in one line."},
    {"value.url", "https://nudge.test/a"},
    {"value.body", "Two sentences of body."},
    {NULL, NULL},
};

static const char *
srcdir(void)
{
	const char *s = getenv("top_srcdir");

	return s && *s ? s : ".";
}

static struct template *
parse_ok(const char *name, const char *text)
{
	struct template *t = NULL;
	char *err = NULL;
	int rc = template_parse(name, text, strlen(text), &t, &err);

	if (rc != TEMPLATE_OK || t == NULL)
		fail_msg("%s: unexpected parse error: %s", name, err);
	/* cppcheck reads "struct template" as the C++ keyword */
	/* cppcheck-suppress CastIntegerToAddressAtReturn */
	return t;
}

/* ---- rendering, table-driven */

struct render_case {
	const char *name, *text;
	const struct kv *lead;
	int rc;
	const char *subject, *body, *html, *err;
	int thread;
};

static const struct kv lead_dana[] = {{"first_name", "Dana"},
                                      {"company", "Acme"},
                                      {"sender.name", "Lee"},
                                      {NULL, NULL}};
static const struct kv lead_empty_name[] = {
    {"first_name", ""}, {"sender.name", "Lee"}, {NULL, NULL}};
static const struct kv lead_html[] = {
    {"first_name", "Dana <script>"}, {"company", "A&B \"Co\""}, {NULL, NULL}};
static const struct kv lead_inject[] = {
    {"company", "Acme\r\nBcc: victim@example.com"}, {NULL, NULL}};
static const struct kv lead_inject_lf[] = {{"first_name", "Dana\nX-Evil: 1"},
                                           {NULL, NULL}};
static const struct kv lead_none[] = {{NULL, NULL}};

static const struct render_case render_cases[] = {
    /* plain value, threaded */
    {"t/1.email",
     "Subject: Hi {{first_name}}\nThread: yes\n\nHi {{first_name}}, "
     "from {{sender.name}}.\n",
     lead_dana, TEMPLATE_OK, "Hi Dana", "Hi Dana, from Lee.\n", NULL, NULL, 1},
    /* fallback used when the value is missing or empty */
    {"t/1.email",
     "Subject: Idea for {{company|your team}}\n\nHi {{first_name|there}},\n",
     lead_empty_name, TEMPLATE_OK, "Idea for your team", "Hi there,\n", NULL,
     NULL, 0},
    /* fallback ignored when there is a value */
    {"t/1.email",
     "Subject: Idea for {{company|your team}}\n\nHi {{first_name|there}},\n",
     lead_dana, TEMPLATE_OK, "Idea for Acme", "Hi Dana,\n", NULL, NULL, 0},
    /* empty fallback */
    {"t/1.email", "Subject: x\n\nHi{{first_name|}}!\n", lead_none, TEMPLATE_OK,
     "x", "Hi!\n", NULL, NULL, 0},
    /* white space inside the braces, around name and fallback */
    {"t/1.email",
     "Subject: x\n\n[{{  first_name  }}] [{{ company | the team }}]\n",
     lead_empty_name, TEMPLATE_EMISSING, NULL, NULL, NULL,
     "t/1.email:3: no value for {{first_name}} and no fallback", 0},
    {"t/1.email",
     "Subject: x\n\n[{{  first_name  }}] [{{ company | the team }}]\n",
     lead_dana, TEMPLATE_OK, "x", "[Dana] [Acme]\n", NULL, NULL, 0},
    {"t/1.email", "Subject: x\n\n[{{ company | the team }}]\n", lead_none,
     TEMPLATE_OK, "x", "[the team]\n", NULL, NULL, 0},
    /* escapes */
    {"t/1.email",
     "Subject: {{{{x}}}}\n\nUse {{{{first_name}}}} for {{first_name}}; "
     "{ single } braces stay.\n",
     lead_dana, TEMPLATE_OK, "{{x}}",
     "Use {{first_name}} for Dana; { single } braces stay.\n", NULL, NULL, 0},
    /* missing variable names file:line */
    {"templates/1.email", "Subject: Hello\nThread: no\n\nHi {{first_name}},\n",
     lead_empty_name, TEMPLATE_EMISSING, NULL, NULL, NULL,
     "templates/1.email:4: no value for {{first_name}} and no fallback", 0},
    {"templates/1.email", "Subject: Hello {{company}}\n\nHi,\n", lead_none,
     TEMPLATE_EMISSING, NULL, NULL, NULL,
     "templates/1.email:1: no value for {{company}} and no fallback", 0},
    /* HTML part: values escaped there, verbatim in text */
    {"t/2.email",
     "Subject: s\nThread: yes\n\nHi {{first_name}} of {{company}}\n"
     "--- html ---  \n<p>Hi {{first_name}} of {{company|x}}</p>\n",
     lead_html, TEMPLATE_OK, "s", "Hi Dana <script> of A&B \"Co\"\n",
     "<p>Hi Dana &lt;script&gt; of A&amp;B &quot;Co&quot;</p>\n", NULL, 1},
    /* header injection through a value in Subject */
    {"t/1.email", "Subject: Idea for {{company}}\n\nHi.\n", lead_inject,
     TEMPLATE_EINVAL, NULL, NULL, NULL,
     "t/1.email:1: value of {{company}} contains a line break; refused in "
     "Subject",
     0},
    {"t/1.email", "Subject: Hi {{first_name}}\n\nHi.\n", lead_inject_lf,
     TEMPLATE_EINVAL, NULL, NULL, NULL, NULL, 0},
    /* ... but the body takes the value verbatim */
    {"t/1.email", "Subject: Hi\n\n{{company}}\n", lead_inject, TEMPLATE_OK,
     "Hi", "Acme\r\nBcc: victim@example.com\n", NULL, NULL, 0},
    /* plain kinds: no header block, everything is body */
    {"t/1.call", "Subject: not a header here\n{{first_name|Hi}}\n", lead_dana,
     TEMPLATE_OK, NULL, "Subject: not a header here\nDana\n", NULL, NULL, 0},
    /* CRLF files, comments in the header block, BOM */
    {"t/1.email",
     "\xef\xbb\xbf# comment\r\nsubject: Hi\r\nTHREAD: Yes\r\n\r\nA\r\nB\r\n",
     lead_none, TEMPLATE_OK, "Hi", "A\nB\n", NULL, NULL, 1},
    /* UTF-8 passes through */
    {"t/1.email",
     "Subject: Caf\xc3\xa9 \xe2\x98\x95\n\n{{first_name|Gr\xc3\xbc\xc3\x9f "
     "Gott}}\n",
     lead_none, TEMPLATE_OK, "Caf\xc3\xa9 \xe2\x98\x95",
     "Gr\xc3\xbc\xc3\x9f Gott\n", NULL, NULL, 0},
};

static void
test_render_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(render_cases) / sizeof(render_cases[0]); i++) {
		const struct render_case *c = &render_cases[i];
		struct template *t = parse_ok(c->name, c->text);
		struct template_output o;
		char *err = NULL;
		int rc;

		rc = template_render(t, kv_lookup, (void *)c->lead, &o, &err);
		if (rc != c->rc)
			fail_msg("case %zu: rc %d, want %d (%s)", i, rc, c->rc,
			         err ? err : "");
		if (rc == TEMPLATE_OK) {
			assert_null(err);
			if (c->subject)
				assert_string_equal(o.subject, c->subject);
			else
				assert_null(o.subject);
			assert_string_equal(o.text, c->body);
			if (c->html)
				assert_string_equal(o.html, c->html);
			else
				assert_null(o.html);
			assert_int_equal(o.thread, c->thread);
			assert_int_equal(template_has_html(t), c->html != NULL);
		} else {
			assert_non_null(err);
			if (c->err)
				assert_string_equal(err, c->err);
			assert_null(o.subject);
			assert_null(o.text);
		}
		template_output_free(&o);
		free(err);
		template_free(t);
	}
}

/* ---- parse errors, table-driven */

struct parse_case {
	const char *name, *text, *err;
};

static const struct parse_case parse_cases[] = {
    {"t/1.email", "Subject: a\n\nHi {{first_name,\n",
     "t/1.email:3: \"{{\" without \"}}\" on the same line"},
    {"t/1.email", "Subject: a\n\nline\nHi {{first_name\n}}\n",
     "t/1.email:4: \"{{\" without \"}}\" on the same line"},
    {"t/1.email", "Subject: a\n\nHi {{a {{b}}\n",
     "t/1.email:3: \"{{\" without \"}}\" on the same line"},
    {"t/1.email", "Subject: a\n\n\n\nbye }} now\n",
     "t/1.email:5: stray \"}}\" (write \"}}}}\" for a literal \"}}\")"},
    {"t/1.email", "Subject: a }}\n\n",
     "t/1.email:1: stray \"}}\" (write \"}}}}\" for a literal \"}}\")"},
    {"t/1.email", "Subject: a\n\n{{First}}\n",
     "t/1.email:3: bad variable name \"First\" (use a-z, 0-9, _ and .)"},
    {"t/1.email", "Subject: a\n\n{{first name|x}}\n",
     "t/1.email:3: bad variable name \"first name\" (use a-z, 0-9, _ and .)"},
    {"t/1.email", "Subject: a\n\n{{ | x}}\n",
     "t/1.email:3: bad variable name \"\" (use a-z, 0-9, _ and .)"},
    {"t/1.email", "Subject: a\n\n{{.x}}\n",
     "t/1.email:3: bad variable name \".x\" (use a-z, 0-9, _ and .)"},
    {"t/1.email", "Subject: a\nBcc: x@example.com\n\nHi\n",
     "t/1.email:2: unknown header key \"Bcc\""},
    /* Cc: the envelope is the lead alone, so a Cc'd person never got it */
    {"t/1.email", "Subject: a\nCc: boss@example.com\n\nHi\n",
     "t/1.email:2: Cc is not supported: nudge sends each message to the lead "
     "only, so a Cc'd person would never get it; remove the Cc: line (add "
     "that person as a lead instead)"},
    {"t/1.email", "Subject: a\ncc: {{assistant_email}}\n\nHi\n",
     "t/1.email:2: Cc is not supported: nudge sends each message to the lead "
     "only, so a Cc'd person would never get it; remove the Cc: line (add "
     "that person as a lead instead)"},
    {"t/1.email", "Thread: yes\n\nHi\n", "t/1.email:1: missing Subject header"},
    {"t/1.email", "",
     "t/1.email:1: header block not followed by a blank line and a body"},
    {"t/1.email", "Subject:   \n\nHi\n", "t/1.email:1: empty Subject header"},
    {"t/1.email", "Subject: a\nSubject: b\n\nHi\n",
     "t/1.email:2: duplicate header \"Subject\""},
    {"t/1.email", "Subject: a\nThread: maybe\n\nHi\n",
     "t/1.email:2: Thread must be \"yes\" or \"no\""},
    {"t/1.email", "Subject: a\nHi {{first_name}},\n",
     "t/1.email:2: expected \"Key: value\" or a blank line ending the header "
     "block"},
    {"t/1.email", "Subject: a\nThread: no",
     "t/1.email:2: header block not followed by a blank line and a body"},
    {"t/1.email", "Hi there,\n\nbody\n",
     "t/1.email:1: expected a header line such as \"Subject: ...\""},
    {"t/1.email", "Subject: a\n\nok\nCaf\xc3 au lait\n",
     "t/1.email:4: invalid UTF-8"},
    {"t/1.email", "Subject: a\n\nok\n\xed\xa0\x80 surrogate\n",
     "t/1.email:4: invalid UTF-8"},
    {"t/1.email", "Subject: a\n\n\xc0\xaf overlong\n",
     "t/1.email:3: invalid UTF-8"},
    {"t/1.text", "ok\n\xf4\x90\x80\x80 too big\n", "t/1.text:2: invalid UTF-8"},
    {"t/1.text", "ok\nbell\a\n", "t/1.text:2: control character 0x07"},
    {"t/1.text", "ok\rno\n", "t/1.text:1: control character 0x0d"},
    {"t/a.md", "Title: t\nPitch: p\n\nbody\n", "t/a.md:1: missing URL header"},
    {"t/a.md", "Title: t\nURL: u\nKind: podcast\n\nb\n",
     "t/a.md:3: Kind must be article, video, guide or personal"},
    {"t/a.md", "Title: t\nURL: u\nDraft: maybe\n\nb\n",
     "t/a.md:3: Draft must be \"yes\" or \"no\""},
    {"t/4.email", "Subject: s\nAnswers: 1=interested 2=sometime\n\nb\n",
     "t/4.email:2: Answers: unknown intent \"sometime\" (use interested, "
     "later, not_fit, stop, referral or unclear)"},
    {"t/4.email", "Subject: s\nAnswers: 1=stop 1=later\n\nb\n",
     "t/4.email:2: Answers: 1 is given twice"},
    {"t/4.email", "Subject: s\nAnswers: one=stop\n\nb\n",
     "t/4.email:2: Answers: \"one=stop\" is not N=INTENT (e.g. \"Answers: "
     "1=interested 2=later 3=stop\")"},
    {"t/4.email", "Subject: s\nAnswers: 12=stop\n\nb\n",
     "t/4.email:2: Answers: \"12=stop\" is not N=INTENT (e.g. \"Answers: "
     "1=interested 2=later 3=stop\")"},
    {"t/4.email", "Subject: s\nAnswers:  \n\nb\n",
     "t/4.email:2: empty Answers header"},
};

static void
test_parse_errors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		struct template *t = NULL;
		char *err = NULL;
		int rc =
		    template_parse(c->name, c->text, strlen(c->text), &t, &err);

		if (rc != TEMPLATE_ESYNTAX)
			fail_msg("case %zu: rc %d, want ESYNTAX", i, rc);
		assert_null(t);
		assert_non_null(err);
		if (strcmp(err, c->err) != 0)
			fail_msg("case %zu:\n got  %s\n want %s", i, err,
			         c->err);
		free(err);
	}
}

/* NUL inside the text is refused too (the length is explicit). */
static void
test_parse_nul(void **state)
{
	static const char text[] = "Subject: a\n\nx\0y\n";
	struct template *t = NULL;
	char *err = NULL;

	(void)state;
	assert_int_equal(
	    template_parse("t/1.email", text, sizeof(text) - 1, &t, &err),
	    TEMPLATE_ESYNTAX);
	assert_string_equal(err, "t/1.email:3: control character 0x00");
	free(err);
}

/* ---- broken files on disk: the error names the path and line */

static void
test_broken_files(void **state)
{
	static const struct {
		const char *file, *err_suffix;
	} cases[] = {
	    {"bad-utf8.email", "bad-utf8.email:6: invalid UTF-8"},
	    {"no-blank-line.email",
	     "no-blank-line.email:2: expected \"Key: value\" or a blank line "
	     "ending the header block"},
	    {"unknown-header.email",
	     "unknown-header.email:2: unknown header key \"Bcc\""},
	    {"no-subject.email", "no-subject.email:1: missing Subject header"},
	    {"unclosed-braces.email",
	     "unclosed-braces.email:5: \"{{\" without \"}}\" on the same line"},
	    {"stray-braces.email", "stray-braces.email:5: stray \"}}\" (write "
	                           "\"}}}}\" for a literal \"}}\")"},
	    {"bad-variable.email", "bad-variable.email:1: bad variable name "
	                           "\"First Name\" (use a-z, 0-9, _ and .)"},
	    {"no-url.md", "no-url.md:1: missing URL header"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *path = xasprintf("%s/tests/data/templates/%s", srcdir(),
		                       cases[i].file);
		char *want = xasprintf("%s/tests/data/templates/%s", srcdir(),
		                       cases[i].err_suffix);
		struct template *t = NULL;
		char *err = NULL;

		assert_int_equal(template_load(path, &t, &err),
		                 TEMPLATE_ESYNTAX);
		assert_string_equal(err, want);
		free(err);
		free(path);
		free(want);
	}
}

static void
test_load_missing_file(void **state)
{
	struct template *t = NULL;
	char *err = NULL;

	(void)state;
	assert_int_equal(template_load("/nonexistent/1.email", &t, &err),
	                 TEMPLATE_EIO);
	assert_non_null(strstr(err, "/nonexistent/1.email: "));
	free(err);
}

/* ---- template_vars and template_check */

struct var_seen {
	char names[512];
	int nfb;
};

static void
collect_var(void *arg, const char *var, int has_fallback, int line)
{
	struct var_seen *s = arg;
	char one[64];

	snprintf(one, sizeof(one), "%s@%d ", var, line);
	strcat(s->names, one);
	s->nfb += has_fallback;
}

static void
test_vars(void **state)
{
	struct template *t =
	    parse_ok("t/x.email",
	             "Subject: {{value.title}}\nThread: yes\n\nHi "
	             "{{first_name|there}},\n"
	             "{{value.body}}\n--- html ---\n<p>{{value.url}}</p>\n");
	struct var_seen s;

	(void)state;
	memset(&s, 0, sizeof(s));
	template_vars(t, collect_var, &s);
	assert_string_equal(
	    s.names, "value.title@1 first_name@4 value.body@5 value.url@7 ");
	assert_int_equal(s.nfb, 1);
	template_free(t);
}

/* HTML: where a variable lands decides whether escaping protects it */
static const struct {
	const char *html; /* the HTML part (after "--- html ---") */
	const char *want; /* a substring of the one warning, or NULL: none */
} html_cases[] = {
    {"<p>Hi {{first_name}}</p>\n", NULL},
    {"<p title=\"{{company}}\">x</p>\n", NULL},
    {"<p title='{{company}}'>x</p>\n", NULL},
    {"<a href=\"https://acme.example/?c={{company}}\">x</a>\n", NULL},
    {"<!-- {{company}} -->\n", NULL},
    {"<p title={{company}}>x</p>\n",
     "t/1.email:5: warning: {{company}} in the unquoted attribute title: a "
     "value with a space could add attributes; quote it "
     "(title=\"{{company}}\")"},
    {"<p class=big title=x{{company}}>x</p>\n",
     "{{company}} in the unquoted attribute title"},
    {"<a href=\"{{website}}\">x</a>\n",
     "t/1.email:5: warning: {{website}} in href before any scheme: a value "
     "could be a javascript: or data: URL"},
    {"<img\n  SRC='{{logo}}'>\n", "t/1.email:6: warning: {{logo}} in src"},
    {"<a href=\"//{{domain}}/x\">x</a>\n", "{{domain}} in href"},
    {"<p onclick=\"go('{{company}}')\">x</p>\n",
     "{{company}} in the onclick attribute"},
    {"<p style=\"color: {{colour}}\">x</p>\n",
     "{{colour}} in the style attribute"},
    {"<p {{attr}}>x</p>\n", "{{attr}} inside a tag but not in a quoted"},
    {"<script>var c = \"{{company}}\";</script>\n",
     "{{company}} inside <script>"},
    {"<style>p { color: red }</style><p>{{company}}</p>\n", NULL},
    {"<STYLE>b{}</style ><p title={{x|a}}>\n", "unquoted attribute title"},
};

static void
test_check_html(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(html_cases) / sizeof(*html_cases); i++) {
		char *text = xasprintf("Subject: a\n\nHi\n--- html ---\n%s",
		                       html_cases[i].html);
		struct template *t = parse_ok("t/1.email", text);
		char **msgs = NULL;
		size_t n = 0;
		static const char *const known[] = {"website", "logo", "attr",
		                                    "colour", "x"};

		template_check(t, known, 5, &msgs, &n);
		if (html_cases[i].want == NULL && n != 0)
			fail_msg("case %zu: unexpected '%s'", i, msgs[0]);
		if (html_cases[i].want != NULL &&
		    (n != 1 || strstr(msgs[0], html_cases[i].want) == NULL))
			fail_msg("case %zu: got %zu warnings ('%s'), want '%s'",
			         i, n, n ? msgs[0] : "", html_cases[i].want);
		for (size_t j = 0; j < n; j++)
			free(msgs[j]);
		free(msgs);
		template_free(t);
		free(text);
	}
}

/* rendering escapes a value in HTML text and in a quoted attribute; the text
 * part keeps it verbatim */
static void
test_render_html_escapes(void **state)
{
	static const struct kv evil[] = {
	    {"company", "\"><script>alert('x')</script>&"}, {NULL, NULL}};
	struct template *t =
	    parse_ok("t/1.email", "Subject: a\n\n{{company}}\n--- html ---\n"
	                          "<p title=\"{{company}}\">{{company}}</p>\n");
	struct template_output o;
	char *err = NULL;

	(void)state;
	assert_int_equal(template_render(t, kv_lookup, (void *)evil, &o, &err),
	                 TEMPLATE_OK);
	assert_string_equal(
	    o.html, "<p title=\"&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)"
	            "&lt;/script&gt;&amp;\">&quot;&gt;&lt;script&gt;"
	            "alert(&#39;x&#39;)&lt;/script&gt;&amp;</p>\n");
	assert_string_equal(o.text, "\"><script>alert('x')</script>&\n");
	template_output_free(&o);
	template_free(t);
}

static void
test_check(void **state)
{
	static const char *const custom[] = {"deal_size"};
	struct template *t = parse_ok(
	    "t/1.email",
	    "Subject: Hi {{frist_name}}\n\n{{deal_size}} {{colour|blue}}\n"
	    "{{value.url}}\n");
	char **msgs = NULL;
	size_t n = 0, i;

	(void)state;
	assert_int_equal(template_check(t, custom, 1, &msgs, &n), 2);
	assert_int_equal(n, 2);
	assert_string_equal(
	    msgs[0], "t/1.email:1: warning: unknown variable {{frist_name}}");
	assert_string_equal(msgs[1], "t/1.email:4: warning: {{value.url}} is "
	                             "only set in X templates (x.*)");
	for (i = 0; i < n; i++)
		free(msgs[i]);
	free(msgs);
	template_free(t);

	/* an empty body, and an overlong text draft */
	t = parse_ok("t/3.email", "Subject: a\n\n\n");
	msgs = NULL, n = 0;
	assert_int_equal(template_check(t, NULL, 0, &msgs, &n), 1);
	assert_string_equal(msgs[0], "t/3.email:1: warning: empty body");
	free(msgs[0]);
	free(msgs);
	template_free(t);
	{
		char longtext[400];

		memset(longtext, 'a', sizeof(longtext) - 1);
		longtext[sizeof(longtext) - 1] = '\0';
		t = parse_ok("t/1.text", longtext);
		msgs = NULL, n = 0;
		assert_int_equal(template_check(t, NULL, 0, &msgs, &n), 1);
		assert_non_null(
		    strstr(msgs[0], "t/1.text:1: warning: text message"));
		free(msgs[0]);
		free(msgs);
		template_free(t);
	}
}

/* ---- value library */

/* an item for the pick tests: name, tags (comma list), kind, draft */
static struct value_item
mk(const char *name, const char *tags, enum value_kind kind, int draft)
{
	char *text = xasprintf("Title: %s title\nURL: https://nudge.test/%s\n"
	                       "Tags: %s\nKind: %s\nDraft: %s\n\nBody.\n",
	                       name, name, tags, value_kind_name(kind),
	                       draft ? "yes" : "no");
	char *path = xasprintf("v/%s.md", name), *err = NULL;
	struct value_item it;

	if (value_parse(path, text, strlen(text), &it, &err) != TEMPLATE_OK)
		fail_msg("%s", err);
	free(text);
	free(path);
	return it;
}

static void
test_value_pick(void **state)
{
	struct value_item it[6];
	const struct value_lead fisher = {"fly fishing, jazz", "retail", NULL};
	const struct value_lead maker = {NULL, "Manufacturing",
	                                 "- wants fewer supplier delays"};
	const struct value_lead nobody = {NULL, NULL, NULL};
	const char *used[4];
	char *why = NULL;
	size_t i;

	(void)state;
	it[0] = mk("a-general", "", VALUE_ARTICLE, 0);
	it[1] = mk("b-suppliers", "supplier, purchasing", VALUE_GUIDE, 0);
	it[2] = mk("c-factory", "manufacturing", VALUE_VIDEO, 0);
	it[3] = mk("d-draft-fishing", "fishing", VALUE_ARTICLE, 1);
	it[4] = mk("e-fishing", "fishing, trout", VALUE_ARTICLE, 0);
	it[5] = mk("f-golf", "golf", VALUE_PERSONAL, 0);

	/* no match: file order; personal items only with a matching interest */
	assert_string_equal(value_pick(it, 6, NULL, 0, &nobody, NULL)->name,
	                    "a-general");
	/* interests beat industry beat notes; a draft never goes */
	assert_string_equal(value_pick(it, 6, NULL, 0, &fisher, NULL)->name,
	                    "e-fishing");
	/* industry 2 + notes 1 ("supplier" at the start of "supplier") */
	assert_string_equal(value_pick(it, 6, NULL, 0, &maker, NULL)->name,
	                    "c-factory");
	used[0] = "c-factory";
	assert_string_equal(value_pick(it, 6, used, 1, &maker, NULL)->name,
	                    "b-suppliers");
	/* never twice: when everything sendable is used, NULL and why */
	used[0] = "a-general", used[1] = "b-suppliers", used[2] = "c-factory",
	used[3] = "e-fishing";
	assert_null(value_pick(it, 6, used, 4, &fisher, &why));
	assert_non_null(why);
	assert_non_null(strstr(why, "4 already sent"));
	assert_non_null(strstr(why, "1 draft or example"));
	free(why);
	why = NULL;
	assert_null(value_pick(it, 0, NULL, 0, &fisher, &why));
	assert_non_null(strstr(why, "empty"));
	free(why);
	/* the personal pick: a matching interest, once per lead */
	{
		const struct value_lead golfer = {"Golf, sailing", NULL, NULL};
		const char *u[1] = {"f-golf"};

		assert_null(value_pick_personal(it, 6, NULL, 0, &fisher));
		assert_string_equal(
		    value_pick_personal(it, 6, NULL, 0, &golfer)->name,
		    "f-golf");
		assert_null(value_pick_personal(it, 6, u, 1, &golfer));
		/* and at X it is a candidate only for the golfer */
		assert_string_equal(
		    value_pick(it, 6, NULL, 0, &golfer, NULL)->name, "f-golf");
	}
	for (i = 0; i < 6; i++)
		value_item_clear(&it[i]);
}

/* Twelve X touches, a fly fisher and a library of 14 items: the first is the
 * fishing item, and no item comes twice. */
static void
test_value_twelve_touches(void **state)
{
	static const char *const tags[14] = {
	    "pricing", "hiring", "logistics", "fishing", "golf", "retail",
	    "finance", "marketing", "", "safety", "exports", "training",
	    "energy", "software"};
	struct value_item it[14];
	const struct value_lead fisher = {"fly fishing", "retail", NULL};
	const char *used[12];
	char name[32];
	size_t i, j;

	(void)state;
	for (i = 0; i < 14; i++) {
		snprintf(name, sizeof name, "item-%02zu", i);
		it[i] = mk(name, tags[i], VALUE_ARTICLE, 0);
	}
	for (i = 0; i < 12; i++) {
		const struct value_item *v =
		    value_pick(it, 14, used, i, &fisher, NULL);

		assert_non_null(v);
		used[i] = v->name;
		for (j = 0; j < i; j++)
			assert_string_not_equal(used[j], used[i]);
	}
	assert_string_equal(used[0], "item-03"); /* fishing */
	assert_string_equal(used[1], "item-05"); /* retail: the industry */
	/* the same lead, the same picks: deterministic */
	assert_string_equal(value_pick(it, 14, used, 2, &fisher, NULL)->name,
	                    value_pick(it, 14, used, 2, &fisher, NULL)->name);
	for (i = 0; i < 14; i++)
		value_item_clear(&it[i]);
}

static void
test_value_blocked(void **state)
{
	static const struct {
		const char *url, *body;
		int draft, blocked;
	} cases[] = {
	    {"https://nudge.test/a", "fine", 0, 0},
	    {"https://nudge.test/a", "fine", 1, 1},
	    {"https://example.com/a", "fine", 0, 1},
	    {"https://www.example.org/a", "fine", 0, 1},
	    {"http://example.net", "fine", 0, 1},
	    {"https://nudge.test/a", "see https://example.com/b", 0, 1},
	    {"https://myexample.com/a", "fine", 0, 0},
	    {"https://example.community/a", "fine", 0, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct value_item it;

		memset(&it, 0, sizeof it);
		it.url = (char *)cases[i].url;
		it.body = (char *)cases[i].body;
		it.pitch = (char *)"";
		it.draft = cases[i].draft;
		if ((value_blocked(&it) != NULL) != cases[i].blocked)
			fail_msg("case %zu: blocked %d", i, !cases[i].blocked);
	}
}

static void
test_value_parse(void **state)
{
	static const char text[] =
	    "# a comment\nTitle:  A case study \nPitch: One line.\n"
	    "url: https://nudge.test/x\nTags: Fly Fishing , trout,,\n"
	    "Kind: Personal\nDraft: no\n\nBody line.\n\n\n";
	struct value_item it;
	char *err = NULL;

	(void)state;
	assert_int_equal(
	    value_parse("lib/case-study.md", text, strlen(text), &it, &err),
	    TEMPLATE_OK);
	assert_string_equal(it.name, "case-study");
	assert_string_equal(it.title, "A case study");
	assert_string_equal(it.pitch, "One line.");
	assert_string_equal(it.url, "https://nudge.test/x");
	assert_string_equal(it.body, "Body line.");
	assert_int_equal(it.ntags, 2);
	assert_string_equal(it.tags[0], "fly fishing");
	assert_string_equal(it.tags[1], "trout");
	assert_int_equal(it.kind, VALUE_PERSONAL);
	assert_int_equal(it.draft, 0);
	assert_null(value_blocked(&it));
	value_item_clear(&it);
}

/* ---- Answers: and the sender check */

static void
test_answers(void **state)
{
	struct template *t;
	char **msgs = NULL;
	size_t n = 0;

	(void)state;
	t = parse_ok("t/4.email", "Subject: s\nAnswers: 1=interested, 2=later "
	                          "3=not_fit 4=stop\n\nPick one:\n1. yes\n  "
	                          "2) later\n3 = no\n");
	assert_string_equal(template_answer(t, 1), "interested");
	assert_string_equal(template_answer(t, 2), "later");
	assert_string_equal(template_answer(t, 3), "not_fit");
	assert_string_equal(template_answer(t, 4), "stop");
	assert_null(template_answer(t, 5));
	assert_null(template_answer(t, 0));
	assert_null(template_answer(t, -1));
	assert_null(template_answer(t, 12));
	/* 4 is declared but not offered in the body */
	assert_int_equal(template_check(t, NULL, 0, &msgs, &n), 1);
	assert_string_equal(msgs[0], "t/4.email:2: warning: Answers: 4=stop, "
	                             "but the body offers no choice \"4.\"");
	free(msgs[0]);
	free(msgs);
	template_free(t);
	t = parse_ok("t/1.email", "Subject: s\n\nbody\n");
	assert_null(template_answer(t, 1));
	template_free(t);
}

static void
test_sender_check(void **state)
{
	struct template *t;
	struct template_output o;
	char **msgs = NULL, *err = NULL;
	size_t n = 0;
	const char *set[] = {"sender.name", "sender.email"};
	static const struct kv nophone[] = {{"sender.name", "Lenann"},
	                                    {NULL, NULL}};

	(void)state;
	t = parse_ok("t/1.email",
	             "Subject: s\n\nCall {{sender.phone}} or {{sender.phone}}"
	             "\n{{sender.title|}}\n{{sender.name}}\n");
	assert_int_equal(template_check_sender(t, set, 2, &msgs, &n), 1);
	assert_string_equal(msgs[0], "t/1.email:3: error: {{sender.phone}} is "
	                             "not configured: set sender_phone in the "
	                             "config (nudge init --phone)");
	free(msgs[0]);
	free(msgs);
	/* and the send is held with the same words, never a blank */
	assert_int_equal(template_render(t, kv_lookup, (void *)nophone, &o,
	                                 &err),
	                 TEMPLATE_EMISSING);
	assert_string_equal(err, "t/1.email:3: {{sender.phone}} is not "
	                         "configured: set sender_phone in the config "
	                         "(nudge init --phone)");
	free(err);
	assert_null(template_sender_hint("first_name"));
	template_free(t);
}

static void
test_value_load_errors(void **state)
{
	struct value_item *items = NULL;
	size_t n = 0;
	char *err = NULL;
	char *dir = xasprintf("%s/tests/data/templates", srcdir());

	(void)state;
	assert_int_equal(value_load_dir(dir, &items, &n, &err),
	                 TEMPLATE_ESYNTAX);
	assert_non_null(strstr(err, "/no-url.md:1: missing URL header"));
	free(err);
	err = NULL;
	assert_int_equal(value_load_dir("/nonexistent-dir", &items, &n, &err),
	                 TEMPLATE_EIO);
	free(err);
	free(dir);
}

/* ---- every shipped template */

static int
is_template_file(const char *f)
{
	const char *dot = strrchr(f, '.');

	return f[0] != '.' && dot &&
	       (strcmp(dot, ".email") == 0 || strcmp(dot, ".call") == 0 ||
	        strcmp(dot, ".note") == 0 || strcmp(dot, ".text") == 0 ||
	        strcmp(dot, ".research") == 0);
}

static void
check_rendered(const char *path, const char *s)
{
	if (s == NULL)
		return;
	if (strstr(s, "{{") || strstr(s, "}}"))
		fail_msg("%s: braces left in output: %s", path, s);
	if (strstr(s, "Hi ,") || strstr(s, "Hi  ") || strstr(s, " ,"))
		fail_msg("%s: empty greeting in output: %s", path, s);
	if (strstr(s, "lorem") || strstr(s, "Lorem") || strstr(s, "TODO"))
		fail_msg("%s: placeholder text in output", path);
	/* honest copy: no placeholder number or link, no time it cannot know */
	if (strstr(s, "(your number)") || strstr(s, "your number)") ||
	    strstr(s, "example.com") || strstr(s, "example.org") ||
	    strstr(s, "earlier this week") || strstr(s, "XXX") ||
	    strstr(s, "[your") || strstr(s, "<your"))
		fail_msg("%s: placeholder in output: %s", path, s);
}

/* Lead fields may be empty; sender.* (config) and value.* (library) may not. */
static void
require_fallback(void *arg, const char *var, int has_fallback, int line)
{
	if (!has_fallback && strncmp(var, "sender.", 7) != 0 &&
	    strncmp(var, "value.", 6) != 0)
		fail_msg("%s:%d: {{%s}} needs a fallback", (const char *)arg,
		         line, var);
}

static void
test_shipped_templates(void **state)
{
	char *dir = xasprintf("%s/templates", srcdir());
	DIR *d = opendir(dir);
	struct dirent *de;
	int count = 0, emails = 0;

	(void)state;
	if (d == NULL)
		fail_msg("cannot open %s", dir);
	while ((de = readdir(d)) != NULL) {
		char *path, *err = NULL, **msgs = NULL;
		struct template *t = NULL;
		struct template_output o;
		size_t n = 0, i;
		int rc;

		if (!is_template_file(de->d_name))
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		rc = template_load(path, &t, &err);
		if (rc)
			fail_msg("%s", err);
		/* every lead field may be empty: each has a fallback */
		template_vars(t, require_fallback, path);
		/* no lint warnings */
		template_check(t, NULL, 0, &msgs, &n);
		for (i = 0; i < n; i++)
			print_message("%s\n", msgs[i]);
		assert_int_equal(n, 0);
		free(msgs);

		/* full lead */
		rc = template_render(t, kv_lookup, (void *)full_lead, &o, &err);
		if (rc)
			fail_msg("%s", err);
		assert_true(strlen(o.text) > 40);
		assert_non_null(strstr(o.text, "Dana") ? o.text : NULL);
		check_rendered(path, o.subject);
		check_rendered(path, o.text);
		if (template_kind(t) == TEMPLATE_KIND_EMAIL) {
			emails++;
			assert_non_null(o.subject);
			assert_true(strlen(o.subject) < 78);
			assert_non_null(strstr(o.text, "Lenann"));
			/* stage 1 starts the thread, 2-5 follow it; value
			 * touches (x, personal) start afresh */
			assert_int_equal(o.thread, de->d_name[0] >= '2' &&
			                               de->d_name[0] <= '5');
			/* a numbered choice comes with its Answers: */
			if (de->d_name[0] == '4' || de->d_name[0] == '5') {
				assert_string_equal(template_answer(t, 1),
				                    "interested");
				assert_non_null(template_answer(t, 3));
			}
		}
		template_output_free(&o);

		/* a lead with nothing but an address */
		rc = template_render(t, kv_lookup, (void *)bare_lead, &o, &err);
		if (rc)
			fail_msg("bare lead: %s", err);
		check_rendered(path, o.subject);
		check_rendered(path, o.text);
		template_output_free(&o);

		template_free(t);
		free(path);
		count++;
	}
	closedir(d);
	/* 7 emails (1-5, x, personal), 5 calls, 1 note, 5 texts, 1 research */
	assert_int_equal(emails, 7);
	assert_int_equal(count, 19);
	free(dir);
}

/* x.email with each item of the shipped library, via value_pick. */
struct x_lookup {
	const struct value_item *v;
};

static const char *
x_lookup_fn(void *arg, const char *var)
{
	const struct value_item *v = ((struct x_lookup *)arg)->v;

	if (strcmp(var, "value.title") == 0)
		return v->title;
	if (strcmp(var, "value.pitch") == 0)
		return v->pitch;
	if (strcmp(var, "value.url") == 0)
		return v->url;
	if (strcmp(var, "value.body") == 0)
		return v->body;
	return kv_lookup((void *)full_lead, var);
}

static void
test_shipped_value_library(void **state)
{
	char *dir = xasprintf("%s/templates/value", srcdir());
	char *path = xasprintf("%s/templates/x.email", srcdir());
	struct value_item *items;
	struct template *t;
	const struct value_lead fisher = {"fly fishing", NULL, NULL};
	size_t n, i, personal = 0;
	char *err = NULL, *why = NULL;

	(void)state;
	assert_int_equal(value_load_dir(dir, &items, &n, &err), TEMPLATE_OK);
	assert_true(n >= 6);
	assert_int_equal(template_load(path, &t, &err), TEMPLATE_OK);
	for (i = 0; i < n; i++) {
		struct x_lookup xl = {&items[i]};
		struct template_output o;

		if (i)
			assert_true(strcmp(items[i - 1].name, items[i].name) <
			            0);
		assert_true(*items[i].title && *items[i].body);
		assert_true(items[i].ntags >= 1);
		/* shipped as examples: drafts, never sent */
		assert_int_equal(items[i].draft, 1);
		assert_non_null(value_blocked(&items[i]));
		personal += items[i].kind == VALUE_PERSONAL;
		assert_int_equal(template_render(t, x_lookup_fn, &xl, &o, &err),
		                 TEMPLATE_OK);
		assert_string_equal(o.subject, items[i].title);
		assert_non_null(strstr(o.text, items[i].url));
		assert_non_null(strstr(o.text, items[i].body));
		assert_int_equal(o.thread, 0);
		template_output_free(&o);
	}
	assert_true(personal >= 1);
	/* so a fresh init holds every X touch, and says why */
	assert_null(value_pick(items, n, NULL, 0, &fisher, &why));
	assert_non_null(strstr(why, "draft or example"));
	free(why);
	template_free(t);
	value_free(items, n);
	free(dir);
	free(path);
}

/* ---- benchmark (not run by make check) */

static int
bench(long iters)
{
	char *path = xasprintf("%s/templates/1.email", srcdir());
	struct template *t;
	struct template_output o;
	struct timespec a, b;
	char *err = NULL;
	double secs;
	long i;

	if (template_load(path, &t, &err)) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < iters; i++) {
		if (template_render(t, kv_lookup, (void *)full_lead, &o,
		                    &err)) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		template_output_free(&o);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	printf("%ld renders of %s in %.3f s: %.0f renders/second\n", iters,
	       path, secs, iters / secs);
	template_free(t);
	free(path);
	return 0;
}

/* the version a send records: the same text, the same version; any edit,
 * another */
static void
test_version(void **state)
{
	static const char a[] = "Subject: Hi\n\nHello {{first_name|there}}\n";
	static const char b[] = "Subject: Hi\n\nHello {{first_name|you}}\n";
	struct template *t1, *t2, *t3;

	(void)state;
	assert_int_equal(template_parse("a", a, sizeof a - 1, &t1, NULL), 0);
	assert_int_equal(template_parse("a2", a, sizeof a - 1, &t2, NULL), 0);
	assert_int_equal(template_parse("b", b, sizeof b - 1, &t3, NULL), 0);
	assert_int_equal(strlen(template_version(t1)), 8);
	assert_string_equal(template_version(t1), template_version(t2));
	assert_string_not_equal(template_version(t1), template_version(t3));
	template_free(t1);
	template_free(t2);
	template_free(t3);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_version),
	    cmocka_unit_test(test_render_table),
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_parse_nul),
	    cmocka_unit_test(test_broken_files),
	    cmocka_unit_test(test_load_missing_file),
	    cmocka_unit_test(test_vars),
	    cmocka_unit_test(test_check),
	    cmocka_unit_test(test_check_html),
	    cmocka_unit_test(test_render_html_escapes),
	    cmocka_unit_test(test_value_pick),
	    cmocka_unit_test(test_value_twelve_touches),
	    cmocka_unit_test(test_value_blocked),
	    cmocka_unit_test(test_answers),
	    cmocka_unit_test(test_sender_check),
	    cmocka_unit_test(test_value_parse),
	    cmocka_unit_test(test_value_load_errors),
	    cmocka_unit_test(test_shipped_templates),
	    cmocka_unit_test(test_shipped_value_library),
	};

	if (argc >= 2 && strcmp(argv[1], "--bench") == 0)
		return bench(argc >= 3 ? atol(argv[2]) : 200000);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
