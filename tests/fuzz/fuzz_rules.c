/*
 * fuzz_rules - the rules-file reader (classify_load_string): the input is a
 * rules file; when it loads, three fixed messages are classified with it so
 * that what was compiled is also matched.
 */
#include "autoconf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "fuzz.h"
#include "log.h"

static const char *const msgs[] = {
    "From: Ann Lee <ann@example.com>\r\nTo: bob@example.org\r\n"
    "Subject: Re: our call\r\nDate: Tue, 24 Nov 2026 16:05:09 +0000\r\n"
    "In-Reply-To: <1@example.org>\r\n\r\n"
    "Sounds good, call me Thursday.\r\n\r\nOn Mon, Bob wrote:\r\n> hi\r\n",
    "From: Ann Lee <ann@example.com>\r\nSubject: Out of office\r\n"
    "Auto-Submitted: auto-replied\r\n\r\n"
    "I am out of the office until 3 December 2026.\r\n",
    "From: MAILER-DAEMON@example.net\r\nSubject: Undelivered Mail\r\n"
    "Content-Type: multipart/report; report-type=delivery-status; "
    "boundary=b\r\n\r\n--b\r\n\r\nUser unknown\r\n--b\r\n"
    "Content-Type: message/delivery-status\r\n\r\n"
    "Final-Recipient: rfc822; x@example.com\r\nAction: failed\r\n"
    "Status: 5.1.1\r\n--b--\r\n",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct classifier *c = NULL;
	struct classification cl;
	char *text, *err = NULL;
	size_t i;

	log_set_quiet(1);
	text = fuzz_strndup(data, size);
	if (classify_load_string("fuzz.rules", text, &c, &err) != CLASSIFY_OK) {
		fuzz_check(err != NULL && *err != '\0',
		           "error without message");
		free(err);
		free(text);
		return 0;
	}
	(void)classify_nrules(c);
	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		memset(&cl, 0, sizeof(cl));
		if (classify_buffer(c, msgs[i], strlen(msgs[i]), "UTC", &cl,
		                    &err) == CLASSIFY_OK)
			classification_free(&cl);
		else
			free(err);
	}
	classify_free(c);
	free(text);
	return 0;
}
