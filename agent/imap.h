/*
 * imap - read the salesperson's mailbox over IMAP (libetpan + GnuTLS live only
 * here).
 *
 * The agent never changes the mailbox: folders are opened with EXAMINE
 * (read-only), bodies are read with BODY.PEEK, no flag is set.  The only write
 * is imap_append (a copy of a sent message into the Sent folder).
 *
 * TLS: imaps:// is implicit TLS (port 993), imap:// requires STARTTLS (port
 * 143) unless params.allow_plain (tests only).  libetpan does not verify
 * certificates: this module verifies the peer chain with GnuTLS against
 * params.trust_file (or the system store) and the host name / IP address, and
 * refuses with IMAP_ETLS before any credential is sent.  params.verify = 0
 * skips that (logged loudly).
 *
 * Errors: every function returns IMAP_OK or one of the codes below; on failure
 * *errstr is a malloc'd one-line message (server text sanitized and bounded),
 * on success it is untouched.  After IMAP_ENET the connection is dead: every
 * later call on it returns IMAP_ENET; close it and reconnect later.
 */
#ifndef NUDGE_IMAP_H
#define NUDGE_IMAP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum {
	IMAP_OK = 0,
	IMAP_ENET,      /* connection failed, lost or timed out: retry later */
	IMAP_ETLS,      /* certificate not verified, handshake failed, STARTTLS
	                   missing: refuse (nothing secret was sent) */
	IMAP_EAUTH,     /* login rejected */
	IMAP_EPROTO,    /* the server said NO/BAD, or sent something unusable;
	                   also a bad URL or argument */
	IMAP_ENOTFOUND, /* no such folder (imap_special_folder: none found) */
	IMAP_ENOTSUP    /* the server lacks the extension (IDLE) */
};

struct imap_conn;

struct imap_params {
	const char *url; /* imaps://host[:993] or imap://host[:143] */
	const char *user;
	const char *password;
	const char *trust_file; /* PEM CA file; NULL = the system trust store */
	int verify; /* set to 1 (tls_verify): a zeroed struct does NOT verify */
	int allow_plain; /* imap:// without STARTTLS: tests only */
	int timeout;     /* seconds for connect and every read; <= 0: 30 */
};

/*
 * imap_connect: connect, negotiate TLS, verify the certificate, log in (LOGIN,
 * or AUTHENTICATE PLAIN when the server advertises LOGINDISABLED) and cache the
 * capabilities.  On IMAP_OK *out is a new connection for imap_close.
 * Errors: IMAP_ENET, IMAP_ETLS, IMAP_EAUTH, IMAP_EPROTO (bad URL, server
 * refused).
 */
int imap_connect(const struct imap_params *p, struct imap_conn **out,
                 char **errstr);

/* imap_close: LOGOUT (best effort, skipped when the connection is dead) and
 * free. NULL is a no-op. */
void imap_close(struct imap_conn *c);

/* Capabilities seen after login: 1 or 0. */
int imap_has_idle(const struct imap_conn *c);
int imap_has_uidplus(const struct imap_conn *c);
int imap_has_special_use(const struct imap_conn *c);
int imap_has_condstore(const struct imap_conn *c);

/* imap_stats: IMAP commands sent on this connection so far (login included). */
void imap_stats(const struct imap_conn *c, unsigned long *commands);

/*
 * One fetched message, valid only during the callback.  data is the header
 * (with its terminating blank line) followed by the first max_bytes of the body
 * text: a complete RFC 5322 message when truncated is 0.  size is RFC822.SIZE.
 * rescan is 1 when the folder's UIDVALIDITY changed: the caller must
 * deduplicate (Message-ID).
 */
struct imap_msg {
	const char *folder;
	uint32_t uidvalidity;
	uint32_t uid;
	const char *data;
	size_t len;
	int truncated;
	uint32_t size;
	time_t date; /* INTERNALDATE: when the server received it */
	int rescan;
};

/* Return 0 to go on (the message counts as handled), nonzero to stop. */
typedef int (*imap_msg_cb)(const struct imap_msg *m, void *arg);

/*
 * imap_fetch_new: hand every message of folder with UID > *last_uid to cb, in
 * UID order.  *uidvalidity is the stored value (0 = none yet) and comes back as
 * the folder's current one; *last_uid advances past each message whose callback
 * returned 0, so a crash or a stop never skips mail.
 * When the stored UIDVALIDITY differs, every message is handed over again from
 * UID 1 with rescan = 1; *uidvalidity is updated only once that pass completed
 * (a pass cut short is repeated as a rescan next time). With nothing new this
 * costs one command (EXAMINE; UIDNEXT shows there is nothing newer).  Messages
 * are fetched in bounded batches (body text: max_bytes each; 0 = headers only).
 * A callback that stops makes the call return IMAP_OK. Errors: IMAP_ENET,
 * IMAP_ENOTFOUND (no such folder), IMAP_EPROTO.
 */
int imap_fetch_new(struct imap_conn *c, const char *folder,
                   uint32_t *uidvalidity, uint32_t *last_uid, size_t max_bytes,
                   imap_msg_cb cb, void *arg, char **errstr);

/*
 * imap_find_message_id: *found = 1 when a message in folder has this Message-ID
 * (give it with its angle brackets, as in the header), else 0.
 * Errors: IMAP_ENET, IMAP_ENOTFOUND, IMAP_EPROTO (also for an id holding
 * CR/LF).
 */
int imap_find_message_id(struct imap_conn *c, const char *folder,
                         const char *message_id, int *found, char **errstr);

/*
 * imap_append: store msg (len bytes; bare LF line ends are sent as CRLF) in
 * folder, flagged \Seen when seen is nonzero. Errors: IMAP_ENET, IMAP_EPROTO
 * (server refused, e.g. no such folder).
 */
int imap_append(struct imap_conn *c, const char *folder, const char *msg,
                size_t len, int seen, char **errstr);

/*
 * imap_special_folder: the name of the folder flagged use ("\\Sent",
 * "\\Drafts", ...) by SPECIAL-USE (RFC 6154) in the LIST result; for "\\Sent"
 * without such a flag, the first existing of "Sent", "Sent Items", "Sent
 * Messages", "INBOX.Sent", "INBOX/Sent". On IMAP_OK *name is malloc'd (the
 * caller frees it). Errors: IMAP_ENET, IMAP_EPROTO, IMAP_ENOTFOUND (nothing
 * found).
 */
int imap_special_folder(struct imap_conn *c, const char *use, char **name,
                        char **errstr);

/*
 * imap_idle: EXAMINE folder, IDLE, and wait until the server sends something
 * (*woke = 1: new mail, an expunge or a keepalive - the caller then runs
 * imap_fetch_new), extra_fd (-1 = none; e.g. a self-pipe written by a signal
 * handler; it is not read) becomes readable, or timeout_sec passes (clamped to
 * 1..1680 s, under the 29 minutes of RFC 2177); then DONE.  *woke = 0
 * otherwise. Errors: IMAP_ENOTSUP (no IDLE: poll instead), IMAP_ENET,
 * IMAP_ENOTFOUND, IMAP_EPROTO.
 */
int imap_idle(struct imap_conn *c, const char *folder, int timeout_sec,
              int extra_fd, int *woke, char **errstr);

#endif
