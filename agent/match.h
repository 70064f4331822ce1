/*
 * match - which lead an incoming message belongs to.  Pure: the store is
 * reached through callbacks (struct match_ops), so this module reads no
 * database and no network.
 *
 * Strongest evidence first:
 *   1. In-Reply-To, then References, naming a Message-ID we sent;
 *   2. for bounces: the returned original's Message-ID (and its In-Reply-To
 *      / References), then the DSN's Final-Recipient / Original-Recipient;
 *   3. the From address (case-insensitive, "+tag" ignored), then the
 *      person a notification was sent for (classification reply_to);
 *   4. optionally, the From domain when exactly one active lead has it -
 *      never for free-mail domains (rules/freemail.domains).
 */
#ifndef NUDGE_MATCH_H
#define NUDGE_MATCH_H

#include <stddef.h>
#include <stdint.h>

struct mime_msg;
struct classification;

enum { MATCH_OK = 0, MATCH_EIO, MATCH_EINVAL };

/*
 * The store's side.  Each callback returns 1 and sets *lead_id when found,
 * 0 when not.  by_message_id gets the id with its angle brackets
 * ("<abc@x>"); by_email a normalized address (see match_normalize_addr);
 * by_domain a lowercased domain and returns 1 only when exactly one active
 * lead has that domain.  Any callback may be NULL (that rule is skipped).
 * why_msgid, if set, may fill buf (size len) with a description of the
 * message we sent ("our stage 2 email"); otherwise "our email" is used.
 */
struct match_ops {
	void *arg;
	int (*by_message_id)(void *arg, const char *msgid, int64_t *lead_id);
	int (*by_email)(void *arg, const char *addr, int64_t *lead_id);
	int (*by_domain)(void *arg, const char *domain, int64_t *lead_id);
	void (*why_msgid)(void *arg, const char *msgid, char *buf, size_t len);
};

struct match_result {
	int64_t lead_id;
	const char *
	    rule; /* static: "in-reply-to", "references", "returned-message-id",
	             "dsn-recipient", "from", "reply-to",
	             "same-domain" */
	char *why; /* malloc'd, e.g. "In-Reply-To <abc@x> is our stage 2 email",
	              "From bob+x@acme.com = lead bob@acme.com" */
};

struct freemail; /* opaque set of free-mail domains */

/*
 * freemail_load: read a domain list (one per line, '#' comments, "hotmail.*"
 * matches any top-level part after "hotmail.").  MATCH_OK with *out set, or
 * MATCH_EIO / MATCH_EINVAL with *errstr "path:line: ...".
 */
int freemail_load(const char *path, struct freemail **out, char **errstr);
/* freemail_from_string: the same from text (name is used in messages). */
int freemail_from_string(const char *name, const char *text,
                         struct freemail **out, char **errstr);
void freemail_free(struct freemail *fm);
/* freemail_contains: 1 if domain (any case) is free-mail, else 0; NULL fm: 0.
 */
int freemail_contains(const struct freemail *fm, const char *domain);

/*
 * match_normalize_addr: a malloc'd lowercased addr-spec with a "+tag" in
 * the local part removed ("Bob+x@Acme.COM" -> "bob@acme.com"); accepts a
 * bare address or a header value ("Bob <bob@acme.com>").  NULL if there is
 * no address.
 */
char *match_normalize_addr(const char *addr);

/*
 * match_message: find the lead of m.  c is the message's classification
 * (NULL: unknown); the bounce rules run only when c says bounce_hard or
 * bounce_soft, or when c is NULL and m carries a DSN.  The same-domain rule
 * runs only when same_domain != 0 and fm is not NULL (without the free-mail
 * list it would be unsafe).
 * Returns 1 with *out filled (free with match_result_free), or 0 if no lead
 * matched (*out zeroed).
 */
int match_message(const struct mime_msg *m, const struct classification *c,
                  const struct match_ops *ops, const struct freemail *fm,
                  int same_domain, struct match_result *out);
void match_result_free(struct match_result *r);

#endif
