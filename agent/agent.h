/*
 * agent - one cycle of the hands-off loop, shared by `nudge tick` (one pass, for
 * cron) and `nudge run` (the daemon):
 *
 *   sync:  read what is new in the watched folders (IMAP), classify each message,
 *          match it to a lead, act (stop, pause, retire), record it once;
 *   send:  resume ended pauses, settle interrupted sends, then send every due
 *          email touch inside its window and the caps, re-reading the mailbox
 *          right before each send so a reply that just arrived stops it.
 *
 * The agent owns the IMAP connection, the outbox (with its SMTP session), the
 * compiled classification rules and the free-mail list.
 * Errors: AGENT_OK, AGENT_ECONFIG (fix the setup: TLS, login, templates, rules),
 * AGENT_ENET (a network fault: retry later), AGENT_EDB.
 */
#ifndef NUDGE_AGENT_H
#define NUDGE_AGENT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lifecycle.h"
#include "outbox.h"

enum {
	AGENT_OK = 0,
	AGENT_ECONFIG = 1,
	AGENT_ENET = 2,
	AGENT_EDB = 3,
};

struct agent_opts {
	int dry_run;
	int no_throttle;
	int no_sync;	 /* do not read the mailbox (no imap_url, or asked) */
	int max_send;
	volatile int *stop;
	int wake_fd;	 /* readable when a signal arrived (self-pipe), or -1 */
};

struct agent_report {
	int messages;	 /* new messages read */
	int replies, auto_replies, bounces, unsubscribes, others, unmatched;
	int reviews;	 /* messages put up for review */
	int resumed;
	struct outbox_report out;
};

struct agent;

int agent_open(struct nudge *n, const struct agent_opts *o, struct agent **out,
    char **errstr);
void agent_close(struct agent *a);

/* agent_sync: read and act on what is new in every watched folder. */
int agent_sync(struct agent *a, struct agent_report *r, char **errstr);

/* agent_tick: one whole pass (sync, then send). */
int agent_tick(struct agent *a, struct agent_report *r, char **errstr);

/* agent_run: the daemon loop until *stop or *reload; IDLE on the first
 * watched folder (or poll), wake for the next due touch.  cycles > 0 runs that
 * many passes back to back without waiting (tests: memory stays flat).
 * Returns 0, or -1 when the loop ended on a fault it cannot retry. */
int agent_run(struct agent *a, volatile int *stop, volatile int *reload,
    long cycles);

/*
 * agent_examine: classify one message (raw RFC 5322 bytes) and match it to a
 * lead without acting: what `nudge classify` prints.  *json or the text form
 * is appended to out.
 */
struct buf;
int agent_examine(struct agent *a, const char *name, const char *data,
    size_t len, int json, struct buf *out, char **errstr);

/* agent_process: classify, match and act on one message (idempotent by folder,
 * UIDVALIDITY, UID and Message-ID). */
int agent_process(struct agent *a, const char *folder, uint32_t uidvalidity,
    uint32_t uid, const char *data, size_t len, struct agent_report *r,
    char **errstr);

#endif
