/*
 * outbox - render, compose and send the due email touches, exactly once.
 *
 * Every email touch row is an outbox item with this state machine (DESIGN §4):
 *
 *   planned --render--> sending --SMTP ok--> sent        (stage done, Sent copy)
 *      ^  |                |   --5xx-------> failed      (reason kept)
 *      |  +--no value----> held (reason; rendered again each pass)
 *      +----4xx, nothing handed over--------+ (retry later with backoff)
 *                          +--4xx after the data went out, or a crash--> unknown
 *
 * The Message-ID and the full rendered message are committed (durably) in the
 * row BEFORE the SMTP transaction starts, so a process killed at any point leaves
 * either a planned row (never sent) or a sending row that outbox_recover() settles
 * by looking for its Message-ID in the Sent folder: found means sent, anything
 * else means unknown, which only the user's word (outbox_resolve) sends again.
 * A retry sends the stored message unchanged, Message-ID included.
 *
 * Group commit: outbox_run claims up to send_batch due touches (config.h) in
 * one durable transaction (the one disk sync of the batch), sends them in one
 * SMTP session, copies each accepted one to the Sent folder at once, and
 * records every outcome in a second transaction.  A crash in between leaves at
 * most send_batch rows in sending, settled as above.  With a gap between sends
 * (min_gap > 0 and no no_throttle) the batch is 1.  The presend hook (the
 * mailbox re-read) runs once per batch.
 *
 * Suppressed addresses and domains are never sent to, whatever the state.
 * Errors: OUTBOX_OK, OUTBOX_ECONFIG (templates, SMTP or TLS setup: stop the
 * batch), OUTBOX_EDB, OUTBOX_EHOLD (outbox_render: a variable has no value).
 */
#ifndef NUDGE_OUTBOX_H
#define NUDGE_OUTBOX_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lifecycle.h"

enum {
	OUTBOX_OK = 0,
	OUTBOX_ECONFIG = 1,
	OUTBOX_EDB = 2,
	OUTBOX_EHOLD = 3,
	OUTBOX_ENET = 4,
};

struct outbox;
struct imap_conn;

struct outbox_opts {
	int dry_run;	 /* render and report; send and change nothing */
	int no_throttle; /* no daily cap, no gap between sends (tests, benches) */
	int max_send;	 /* stop after this many sends in one pass (0 = no limit) */
	/* presend: called right before each send with the lead's id; the agent
	 * re-reads the mailbox there.  Nonzero = stop the batch (fault). */
	int (*presend)(void *arg, int64_t lead_id, char **errstr);
	void *presend_arg;
	/* stop: polled between sends (SIGTERM); nonzero ends the batch. */
	volatile int *stop;
};

struct outbox_report {
	int sent, held, failed, deferred, unknown, skipped, recovered;
	int capped;	     /* 1 if the daily cap stopped the batch */
	time_t next_window;  /* earliest instant a due touch may go (0 = none) */
};

/* The rendered message of a touch (outbox_render, nudge preview). */
struct outbox_msg {
	char *message_id;
	char *subject;
	char *in_reply_to;
	char *references;
	char *value_item;
	char *template_version; /* template_version() of what rendered it */
	char *text;	/* the whole RFC 5322 message */
	size_t len;
};

int outbox_open(struct nudge *n, const struct outbox_opts *o,
    struct outbox **out, char **errstr);
/* outbox_set_imap: the connection used for Sent copies and recovery (borrowed;
 * NULL = none: copies are skipped and interrupted sends become unknown). */
void outbox_set_imap(struct outbox *ox, struct imap_conn *c);
void outbox_close(struct outbox *ox);
/* outbox_sent_folder: the Sent folder (configured, or found by SPECIAL-USE),
 * or NULL without IMAP or when none was found. */
const char *outbox_sent_folder(struct outbox *ox);

/* outbox_render: the exact message touch t of lead l would send at `now`
 * (threading, value item and Message-ID included).  OUTBOX_EHOLD with the
 * reason when a variable has no value. */
int outbox_render(struct outbox *ox, const struct touch *t,
    const struct lead *l, time_t now, struct outbox_msg *out, char **errstr);
void outbox_msg_free(struct outbox_msg *m);

/* outbox_recover: settle the rows left in "sending" by an earlier process. */
int outbox_recover(struct outbox *ox, struct outbox_report *r, char **errstr);

/* outbox_run: send every email touch due at `now` whose lead's window is open,
 * within the daily cap; r accumulates what happened. */
int outbox_run(struct outbox *ox, struct outbox_report *r, char **errstr);

/* outbox_resolve: the user's word on an unknown (or failed) touch: sent = 1
 * records it as sent (the stage is done); sent = 0 queues it to be sent again,
 * with the same message and Message-ID (a failed one is rendered afresh).
 * Checked and written in one write transaction.  An item in "sending" is
 * refused (OUTBOX_ECONFIG, *errstr says why): an agent may be sending it, and
 * recovery settles it otherwise; so is any state but unknown and failed. */
int outbox_resolve(struct outbox *ox, int64_t touch_id, int sent,
    char **errstr);

#endif
