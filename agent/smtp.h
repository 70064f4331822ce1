/*
 * smtp - hand finished messages to a submission server (the only user of
 * libcurl).
 *
 * A session holds one libcurl handle, so consecutive smtp_send() calls reuse
 * one connection (one TCP + TLS handshake + AUTH for a whole batch).  TLS is
 * required by default: smtp://host:port upgrades with STARTTLS or sends
 * nothing, smtps://host:port is implicit TLS; the certificate is verified
 * against the trust file (or the system store) and the host name.  Nothing from
 * the AUTH exchange is logged or kept.
 *
 * Not thread-safe: one session per thread, and the first smtp_open()
 * initializes libcurl globally (see smtp_global_cleanup).
 */
#ifndef NUDGE_SMTP_H
#define NUDGE_SMTP_H

#include <stddef.h>

/*
 * Status of smtp_open/smtp_send; also stored in smtp_result.status.  What the
 * caller should do with each: SMTP_OK      the server accepted the message (250
 * after the data). SMTP_TEMP    try again later: a 4xx reply (421 included), a
 * refused/lost/timed-out connection.  If smtp_result.uncertain is set the whole
 * message had been handed over and the final reply never came: it MAY have been
 * delivered. SMTP_PERM    the server refused for good (5xx reply): record the
 * reply and give up. SMTP_TLS     no TLS, so nothing was sent: the certificate
 * did not verify, STARTTLS is not offered or failed, the handshake failed.  A
 * configuration problem. SMTP_AUTH    the server refused the credentials (or
 * offers no usable mechanism): a configuration problem; retrying with the same
 * password will not help. SMTP_EINVAL  bad parameters or arguments (smtp_open:
 * bad URL, unreadable trust file; smtp_send: bad address); nothing was sent.
 */
enum smtp_status {
	SMTP_OK = 0,
	SMTP_TEMP,
	SMTP_PERM,
	SMTP_TLS,
	SMTP_AUTH,
	SMTP_EINVAL,
};

/* How smtp:// URLs use STARTTLS (ignored for smtps://). */
enum smtp_starttls {
	SMTP_STARTTLS_REQUIRE = 0, /* default: STARTTLS, or nothing is sent */
	SMTP_STARTTLS_TRY,         /* if offered, else in clear: tests only */
	SMTP_STARTTLS_NEVER,       /* plain text: tests only */
};

/*
 * Connection parameters.  Zero-initialize and fill in; every zero value is the
 * safe default.  The strings are copied by smtp_open().
 */
struct smtp_params {
	/* "smtp://host[:port]" (STARTTLS) or "smtps://host[:port]", no path */
	const char *url;
	/* NULL: no AUTH; else with password (never logged) */
	const char *user;
	const char *password;
	/* "PLAIN", "LOGIN", or NULL: whatever the server offers */
	const char *auth;
	/* PEM file of trusted certificates (replaces the system's); NULL:
	 * the system's trust store */
	const char *trust_file;
	/* 1: do NOT verify the certificate nor the host name.  Only when the
	 * user configured it; smtp_open() warns loudly every time. */
	int no_verify;
	enum smtp_starttls starttls;
	/* seconds for connecting and for each server reply (0: 60); five times
	 * that for a whole message */
	int timeout;
	/* name for EHLO; NULL: libcurl's default (the local host name) */
	const char *helo;
};

/* Outcome of one smtp_send(). */
struct smtp_result {
	enum smtp_status status; /* same as smtp_send's return value */
	int code;                /* last SMTP reply code received, 0 if none */
	/* 1: (SMTP_TEMP only) the whole message was handed over but the final
	 * reply never came: it may have been delivered */
	int uncertain;
	int reused; /* 1: sent over an already open connection */
	/* the last server reply line with its code, e.g. "550 5.1.1 <x@y>:
	 * Recipient address rejected: User unknown"; control characters
	 * replaced by '?'; "" if none */
	char text[512];
	/* libcurl's description of the failure; "" on success */
	char detail[256];
};

struct smtp_session;

/*
 * smtp_open: check the parameters and prepare a session in *out (connecting
 * happens at the first smtp_send).  Returns SMTP_OK, or SMTP_EINVAL with
 * *errstr a malloc'd one-line message.  The caller frees the session with
 * smtp_close().
 */
int smtp_open(const struct smtp_params *p, struct smtp_session **out,
              char **errstr);

/*
 * smtp_send: send msg (len bytes of a complete RFC 5322 message with CRLF line
 * ends, sent as-is; dot-stuffing is done here) from envelope sender from_addr
 * (bare address, "" for the null sender) to the nrcpt bare addresses in rcpts.
 * If any recipient is refused, nothing is sent.  Reuses the session's
 * connection when it is still open, and reconnects once by itself if a reused
 * connection turns out dead before the server said anything.  Fills *res
 * (always) and returns res->status.
 */
int smtp_send(struct smtp_session *s, const char *from_addr,
              const char *const *rcpts, size_t nrcpt, const char *msg,
              size_t len, struct smtp_result *res);

/* smtp_connections: how many connections the session has opened so far. */
long smtp_connections(const struct smtp_session *s);

/* smtp_status_name: "ok", "temp", "perm", "tls", "auth", "einval". */
const char *smtp_status_name(int status);

/* smtp_close: say QUIT if connected and free the session (NULL is fine). */
void smtp_close(struct smtp_session *s);

/* smtp_global_cleanup: release libcurl's global state at exit (optional). */
void smtp_global_cleanup(void);

#endif
