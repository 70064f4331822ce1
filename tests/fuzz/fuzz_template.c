/*
 * fuzz_template - the template parser and renderer: the first input byte
 * picks the kind (.email, .md value item, .call plain), the rest is the
 * file; a template that parses is checked (template_check), its variables
 * listed, and rendered with a fixed lookup that knows some variables, not
 * others, and gives one value holding CR/LF (header injection).
 *
 * Checks: a render that succeeds has a subject for an .email and puts no CR
 * or LF into Subject, From or Cc; a failed render leaves the output zeroed.
 */
#include "autoconf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "template.h"

static const char *
lookup(void *arg, const char *var)
{
	int evil = *(int *)arg;

	if (strcmp(var, "first_name") == 0)
		return evil ? "Ann\r\nBcc: x@evil.example" : "Ann";
	if (strcmp(var, "company") == 0)
		return "Acme & <Sons> \"Ltd\"";
	if (strcmp(var, "sender.name") == 0)
		return "Bob Seller";
	if (strcmp(var, "sender.email") == 0)
		return "bob@example.org";
	if (strcmp(var, "empty") == 0)
		return "";
	if (strncmp(var, "value.", 6) == 0)
		return "{{not a variable}}";
	return NULL;
}

static void
count_var(void *arg, const char *var, int has_fallback, int line)
{
	(void)var;
	(void)has_fallback;
	fuzz_check(line >= 1, "variable line");
	(*(size_t *)arg)++;
}

static int
no_crlf(const char *s)
{
	return s == NULL || strpbrk(s, "\r\n") == NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"t/1.email", "t/value/v.md",
	                                    "t/1.call", "t/x.email"};
	static const char *const extra[] = {"title", "website"};
	struct template *t = NULL;
	struct template_output out;
	struct value_item item;
	char *err = NULL, **msgs = NULL;
	size_t nmsgs = 0, nvars = 0, i;
	const char *name;
	int evil, r;

	if (size == 0)
		return 0;
	name = names[data[0] % 4];
	evil = (data[0] >> 2) & 1;
	data++;
	size--;
	if (template_parse(name, (const char *)data, size, &t, &err) !=
	    TEMPLATE_OK) {
		fuzz_check(err != NULL, "parse error without message");
		free(err);
	} else {
		(void)template_name(t);
		(void)template_kind(t);
		(void)template_thread(t);
		(void)template_has_html(t);
		for (i = 0; i <= 10; i++)
			(void)template_answer(t, (int)i);
		template_vars(t, count_var, &nvars);
		template_check(t, extra, 2, &msgs, &nmsgs);
		for (i = 0; i < nmsgs; i++)
			free(msgs[i]);
		free(msgs);
		memset(&out, 0, sizeof(out));
		err = NULL;
		r = template_render(t, lookup, &evil, &out, &err);
		if (r == TEMPLATE_OK) {
			fuzz_check(out.text != NULL, "render without text");
			fuzz_check(template_kind(t) != TEMPLATE_KIND_EMAIL ||
			               out.subject != NULL,
			           "email rendered without subject");
			fuzz_check(no_crlf(out.subject) && no_crlf(out.from) &&
			               no_crlf(out.cc),
			           "CR/LF rendered into a header");
			template_output_free(&out);
		} else {
			fuzz_check(out.text == NULL && out.subject == NULL &&
			               out.html == NULL,
			           "failed render left output");
			free(err);
		}
		template_free(t);
	}
	err = NULL;
	memset(&item, 0, sizeof(item));
	if (value_parse("t/value/v.md", (const char *)data, size, &item,
	                &err) == TEMPLATE_OK)
		value_item_clear(&item);
	else
		free(err);
	return 0;
}
