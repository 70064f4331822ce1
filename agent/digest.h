/*
 * digest - the morning digest: on the first tick/run pass of each working
 * day (a business day, with the sending window open), mail the salesperson
 * (config digest_to; off when unset) the day's agenda as text and HTML: the
 * emails nudge will send, the tasks by hand with the same details as
 * `agenda --full` (phone, local time, script, last notes), replies to
 * answer, and the reviews waiting.
 *
 * Once a day, never twice: the database's meta "digest" records
 * "YYYY-MM-DD sending" (committed) before SMTP starts and "YYYY-MM-DD sent"
 * after; a pass that finds today's date there sends nothing.  A crash
 * between the two therefore costs that day's digest (logged on the next
 * pass), never a second copy.  A temporary SMTP failure that certainly
 * delivered nothing clears the mark, so a later pass tries again.
 *
 * Error contract: DIGEST_OK, DIGEST_EDB or DIGEST_ESEND (*errstr malloc'd);
 * the digest never stops a pass (the caller logs and goes on).
 */
#ifndef NUDGE_DIGEST_H
#define NUDGE_DIGEST_H

#include <time.h>

#include "lifecycle.h"
#include "xalloc.h"

enum { DIGEST_OK = 0, DIGEST_EDB = 1, DIGEST_ESEND = 2 };

/* digest_render: the digest of the day of now (salesperson's zone): *subject
 * (malloc'd) and the text and HTML bodies appended to text and html. */
int digest_render(struct nudge *n, time_t now, char **subject, struct buf *text,
                  struct buf *html, char **errstr);

/* digest_maybe: send today's digest if it is due (see above); *sent (may
 * be NULL) = 1 when one went out in this call. */
int digest_maybe(struct nudge *n, time_t now, int *sent, char **errstr);

#endif
