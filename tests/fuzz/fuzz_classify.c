/*
 * fuzz_classify - parse and classify a message with the shipped rules
 * (rules/classify.rules), then the reply-text extraction and the return-date
 * reader on the message's text and on the raw input.
 *
 * Checks: the class and intent are in range, an intent only on a human
 * reply, review_why exactly when review, answer 0..9.
 */
#include "autoconf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "fuzz.h"
#include "log.h"
#include "mime.h"

static struct classifier *cls;

static void
setup(void)
{
	char *path, *err = NULL;

	if (cls)
		return;
	setenv("TZ", "UTC", 1);
	log_set_quiet(1);
	path = fuzz_srcpath("rules/classify.rules");
	if (classify_load(path, &cls, &err) != CLASSIFY_OK) {
		fprintf(stderr, "fuzz_classify: %s\n", err);
		exit(1);
	}
	free(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct classification cl;
	char *err = NULL, *s, *r;
	int day;

	setup();
	memset(&cl, 0, sizeof(cl));
	if (classify_buffer(cls, (const char *)data, size, NULL, &cl, &err) ==
	    CLASSIFY_OK) {
		fuzz_check(cl.cls >= 0 && cl.cls < CLS__COUNT, "class range");
		fuzz_check(cl.intent >= 0 && cl.intent < INTENT__COUNT,
		           "intent range");
		fuzz_check(cl.cls == CLS_HUMAN_REPLY ||
		               cl.intent == INTENT_NONE,
		           "intent on a non-reply");
		fuzz_check(cl.answer >= 0 && cl.answer <= 9, "answer range");
		fuzz_check(!cl.review == !cl.review_why,
		           "review_why without review or the reverse");
		fuzz_check(strcmp(classify_class_name(cl.cls), "?") != 0,
		           "class name");
		classification_free(&cl);
	} else {
		free(err);
	}
	/* the text helpers on the raw input, as a salesperson's paste would */
	s = fuzz_strndup(data, size < 16384 ? size : 16384);
	r = classify_reply_text(s);
	free(r);
	day = size >= 2 ? (int)(data[0] << 8 | data[1]) + 20000 : -1;
	(void)classify_return_day(s, day, size > 2 && (data[2] & 1));
	free(s);
	return 0;
}
