/* smtp - see smtp.h */
#include "autoconf.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "log.h"
#include "net.h"
#include "smtp.h"
#include "xalloc.h"

#define SMTP_DEFAULT_TIMEOUT 60

struct smtp_session {
	CURL *curl;
	char *url; /* the URL handed to libcurl (with the EHLO name as path) */
	char *display;  /* the URL as configured, for messages */
	char *password; /* our copy, wiped at close */
	long connects;  /* connections opened so far */
	char errbuf[CURL_ERROR_SIZE];

	/* per smtp_send() */
	const char *msg;
	size_t left;
	int body_done;        /* the read callback has handed over every byte */
	int reply_after_body; /* a server reply arrived after that */
	int nreplies;         /* server reply lines seen in this transfer */
	int in_auth;      /* between our AUTH and the server's final answer */
	int quitting;     /* we said QUIT: the 221 is not the answer we keep */
	int data_started; /* we said DATA: the message may be on its way */
	int open;         /* a connection stayed open after the last transfer */
	int peer_gone;    /* the peer had closed or reset the connection when
	                     libcurl closed it */
	struct smtp_result *res;
};

static int curl_ready;

const char *
smtp_status_name(int status)
{
	switch (status) {
	case SMTP_OK:
		return "ok";
	case SMTP_TEMP:
		return "temp";
	case SMTP_PERM:
		return "perm";
	case SMTP_TLS:
		return "tls";
	case SMTP_AUTH:
		return "auth";
	case SMTP_EINVAL:
		return "einval";
	}
	return "unknown";
}

/* copy at most dstsz-1 bytes of src[0..n), replacing control characters with
 * '?' */
static void
copy_clean(char *dst, size_t dstsz, const char *src, size_t n)
{
	size_t i;

	if (n >= dstsz)
		n = dstsz - 1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	dst[n] = '\0';
}

/* An envelope address: printable, no spaces, no angle brackets (we add them).
 */
static int
address_ok(const char *a, int empty_ok)
{
	const unsigned char *p;

	if (a == NULL || (*a == '\0' && !empty_ok) || strlen(a) > 320)
		return 0;
	for (p = (const unsigned char *)a; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>')
			return 0;
	return 1;
}

/* An EHLO name: a host name or an address literal. */
static int
helo_ok(const char *h)
{
	const char *p;

	if (*h == '\0' || strlen(h) > 255)
		return 0;
	for (p = h; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr(".-[]:", *p) != NULL))
			return 0;
	return 1;
}

static size_t
read_cb(char *buf, size_t size, size_t nitems, void *ud)
{
	struct smtp_session *s = ud;
	size_t n = size * nitems;

	if (n > s->left)
		n = s->left;
	memcpy(buf, s->msg, n);
	s->msg += n;
	s->left -= n;
	if (s->left == 0)
		s->body_done = 1;
	return n;
}

/* One server reply line: remember it as the last reply (code and text). */
static void
server_line(struct smtp_session *s, const char *line, size_t n)
{
	struct smtp_result *r = s->res;
	int code;

	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	if (n < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' ||
	    line[1] > '9' || line[2] < '0' || line[2] > '9')
		return;
	code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	s->nreplies++;
	if (s->body_done)
		s->reply_after_body = 1;
	if (s->in_auth && code != 334)
		s->in_auth = 0;
	if (r != NULL && !s->quitting) {
		r->code = code;
		copy_clean(r->text, sizeof(r->text), line, n);
	}
	if (log_debug_enabled("smtp")) {
		char buf[512];

		copy_clean(buf, sizeof(buf), line, n);
		log_debug("smtp", "S: %s", buf);
	}
}

/* Server data, possibly several lines at once. */
static void
server_lines(struct smtp_session *s, const char *data, size_t size)
{
	size_t i, start = 0;

	for (i = 0; i < size; i++) {
		if (data[i] == '\n') {
			server_line(s, data + start, i + 1 - start);
			start = i + 1;
		}
	}
	if (start < size)
		server_line(s, data + start, size - start);
}

/*
 * The only place we see the dialogue.  Server lines are kept (last one wins);
 * our own lines are only logged, by verb, and never during AUTH: the
 * credentials travel there.
 */
static int
debug_cb(CURL *c, curl_infotype type, char *data, size_t size, void *ud)
{
	struct smtp_session *s = ud;

	(void)c;
	if (type == CURLINFO_HEADER_IN) {
		server_lines(s, data, size);
	} else if (type == CURLINFO_HEADER_OUT) {
		static const char *const verbs[] = {"EHLO", "HELO", "STARTTLS",
		                                    "MAIL", "RCPT", "DATA",
		                                    "RSET", "QUIT", "NOOP"};
		const char *shown = "<redacted>";
		size_t k;

		if (size >= 4 && strncasecmp(data, "QUIT", 4) == 0)
			s->quitting = 1;
		if (size >= 4 && strncasecmp(data, "DATA", 4) == 0)
			s->data_started = 1;
		if (size >= 4 && strncasecmp(data, "AUTH", 4) == 0) {
			s->in_auth = 1;
			shown = "AUTH <redacted>";
		} else if (!s->in_auth) {
			for (k = 0; k < sizeof(verbs) / sizeof(verbs[0]); k++)
				if (size >= strlen(verbs[k]) &&
				    strncasecmp(data, verbs[k],
				                strlen(verbs[k])) == 0)
					shown = NULL;
		}
		if (log_debug_enabled("smtp")) {
			char buf[512];

			if (shown == NULL) {
				size_t n = size;

				while (n > 0 && (data[n - 1] == '\n' ||
				                 data[n - 1] == '\r'))
					n--;
				copy_clean(buf, sizeof(buf), data, n);
				shown = buf;
			}
			log_debug("smtp", "C: %s", shown);
		}
	} else if (type == CURLINFO_TEXT && log_debug_enabled("smtp")) {
		char buf[512];
		size_t n = size;

		while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r'))
			n--;
		copy_clean(buf, sizeof(buf), data, n);
		log_debug("smtp", "* %s", buf);
	}
	return 0;
}

/* libcurl closes a connection that failed before curl_easy_perform()
 * returns: look at its state first (see cut_handshake()). */
static int
close_cb(void *ud, curl_socket_t fd)
{
	struct smtp_session *s = ud;

	s->peer_gone = net_peer_gone(fd);
	return close(fd);
}

static int
is_tls_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_USE_SSL_FAILED:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_SHUTDOWN_FAILED:
		return 1;
	default:
		return 0;
	}
}

/*
 * libcurl reports a STARTTLS or smtps handshake that failed alike whether
 * the server refused our TLS (a configuration problem) or the line was cut
 * while it ran (a server going down: retry later).  A reset or a closed
 * connection says which.
 */
static int
cut_handshake(struct smtp_session *s, CURLcode rc)
{
	long oserr = 0;

	/* a certificate we refused, or a fatal alert the server sent, is a
	 * verdict whatever happened to the line afterwards */
	if (rc != CURLE_SSL_CONNECT_ERROR || strcasestr(s->errbuf, "alert"))
		return 0;
	if (curl_easy_getinfo(s->curl, CURLINFO_OS_ERRNO, &oserr) != CURLE_OK)
		oserr = 0;
	return s->peer_gone || oserr == ECONNRESET || oserr == EPIPE ||
	       oserr == ECONNABORTED || oserr == ETIMEDOUT;
}

/* Map libcurl's verdict plus the last reply to a status. */
static enum smtp_status
classify(struct smtp_session *s, CURLcode rc, const struct smtp_result *r)
{
	if (rc == CURLE_OK)
		return SMTP_OK;
	if (is_tls_error(rc))
		return cut_handshake(s, rc) ? SMTP_TEMP : SMTP_TLS;
	if (rc == CURLE_LOGIN_DENIED)
		return r->code >= 400 && r->code < 500 ? SMTP_TEMP : SMTP_AUTH;
	switch (rc) {
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_NOT_BUILT_IN:
	case CURLE_BAD_FUNCTION_ARGUMENT:
		return SMTP_EINVAL;
	default:
		break;
	}
	/* libcurl stops at the first reply it did not want: that reply says why
	 */
	if (r->code >= 500 && r->code < 600)
		return SMTP_PERM;
	return SMTP_TEMP; /* 4xx, or the connection failed/closed/timed out */
}

static void
wipe(char *p)
{
	if (p != NULL) {
		explicit_bzero(p, strlen(p));
		free(p);
	}
}

/* Build the URL libcurl gets: scheme smtp/smtps only, no path, EHLO name as
 * path. */
static int
make_url(const struct smtp_params *p, char **url, int *implicit_tls,
         char **errstr)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *path = NULL, *out = NULL;
	int rv = SMTP_EINVAL;

	if (u == NULL) {
		*errstr = xstrdup("smtp: out of memory");
		return SMTP_EINVAL;
	}
	if (curl_url_set(u, CURLUPART_URL, p->url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
		*errstr = xasprintf("smtp: %s: not a valid URL", p->url);
		goto out;
	}
	if (strcasecmp(scheme, "smtp") != 0 &&
	    strcasecmp(scheme, "smtps") != 0) {
		*errstr = xasprintf(
		    "smtp: %s: the URL must start with smtp:// or smtps://",
		    p->url);
		goto out;
	}
	*implicit_tls = strcasecmp(scheme, "smtps") == 0;
	if (curl_url_get(u, CURLUPART_USER, &path, 0) == CURLUE_OK) {
		*errstr = xasprintf(
		    "smtp: the URL must not hold credentials: use user and "
		    "password");
		goto out;
	}
	curl_free(path);
	path = NULL;
	if (curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK &&
	    strcmp(path, "/") != 0 && path[0] != '\0') {
		*errstr =
		    xasprintf("smtp: %s: the URL must not have a path", p->url);
		goto out;
	}
	if (p->helo != NULL) {
		char *hp;

		if (!helo_ok(p->helo)) {
			*errstr =
			    xasprintf("smtp: bad EHLO name \"%s\"", p->helo);
			goto out;
		}
		hp = xasprintf("/%s", p->helo);
		if (curl_url_set(u, CURLUPART_PATH, hp, 0) != CURLUE_OK) {
			free(hp);
			*errstr =
			    xasprintf("smtp: bad EHLO name \"%s\"", p->helo);
			goto out;
		}
		free(hp);
	}
	if (curl_url_get(u, CURLUPART_URL, &out, 0) != CURLUE_OK) {
		*errstr = xasprintf("smtp: %s: not a valid URL", p->url);
		goto out;
	}
	*url = xstrdup(out);
	rv = SMTP_OK;
out:
	curl_free(scheme);
	curl_free(path);
	curl_free(out);
	curl_url_cleanup(u);
	return rv;
}

int
smtp_open(const struct smtp_params *p, struct smtp_session **out, char **errstr)
{
	struct smtp_session *s = NULL;
	int implicit_tls = 0, rv = SMTP_EINVAL;
	long timeout;
	char *url = NULL;

	if (p->url == NULL) {
		*errstr = xstrdup("smtp: no server URL");
		return SMTP_EINVAL;
	}
	if ((p->user == NULL) != (p->password == NULL)) {
		*errstr = xstrdup(
		    "smtp: a user needs a password and a password a user");
		return SMTP_EINVAL;
	}
	if (p->auth != NULL && strcasecmp(p->auth, "PLAIN") != 0 &&
	    strcasecmp(p->auth, "LOGIN") != 0) {
		*errstr = xasprintf(
		    "smtp: unknown AUTH mechanism \"%s\" (PLAIN or LOGIN)",
		    p->auth);
		return SMTP_EINVAL;
	}
	if (p->trust_file != NULL && access(p->trust_file, R_OK) != 0) {
		*errstr = xasprintf("smtp: %s: cannot read the trust file",
		                    p->trust_file);
		return SMTP_EINVAL;
	}
	if (p->timeout < 0) {
		*errstr = xstrdup("smtp: negative timeout");
		return SMTP_EINVAL;
	}
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			*errstr =
			    xstrdup("smtp: libcurl initialization failed");
			return SMTP_EINVAL;
		}
		curl_ready = 1;
	}
	if ((rv = make_url(p, &url, &implicit_tls, errstr)) != SMTP_OK)
		return rv;

	s = xcalloc(1, sizeof(*s));
	s->url = url;
	s->display = xstrdup(p->url);
	if ((s->curl = curl_easy_init()) == NULL) {
		*errstr = xstrdup("smtp: libcurl handle creation failed");
		rv = SMTP_EINVAL;
		goto fail;
	}
	timeout = p->timeout > 0 ? p->timeout : SMTP_DEFAULT_TIMEOUT;

	curl_easy_setopt(s->curl, CURLOPT_URL, s->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
	curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS,
	                 (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
	curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(s->curl, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(s->curl, CURLOPT_READDATA, s);
	curl_easy_setopt(s->curl, CURLOPT_DEBUGFUNCTION, debug_cb);
	curl_easy_setopt(s->curl, CURLOPT_DEBUGDATA, s);
	/* VERBOSE only feeds debug_cb: nothing is printed by libcurl */
	curl_easy_setopt(s->curl, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(s->curl, CURLOPT_CLOSESOCKETFUNCTION, close_cb);
	curl_easy_setopt(s->curl, CURLOPT_CLOSESOCKETDATA, s);
	curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT, timeout);
	curl_easy_setopt(s->curl, CURLOPT_SERVER_RESPONSE_TIMEOUT, timeout);
	/* a hard ceiling per message as well, generous for large messages */
	curl_easy_setopt(s->curl, CURLOPT_TIMEOUT, timeout * 5);

	if (!implicit_tls) {
		long use_ssl = CURLUSESSL_ALL;

		if (p->starttls == SMTP_STARTTLS_TRY)
			use_ssl = CURLUSESSL_TRY;
		else if (p->starttls == SMTP_STARTTLS_NEVER)
			use_ssl = CURLUSESSL_NONE;
		curl_easy_setopt(s->curl, CURLOPT_USE_SSL, use_ssl);
		if (use_ssl != CURLUSESSL_ALL && p->user != NULL)
			log_warnx("smtp: %s: TLS is not required: the "
			          "password may be sent in clear text",
			          p->url);
	}
	if (p->trust_file != NULL) {
		/* the trust file replaces the system store */
		curl_easy_setopt(s->curl, CURLOPT_CAINFO, p->trust_file);
		curl_easy_setopt(s->curl, CURLOPT_CAPATH, NULL);
	}
	if (p->no_verify) {
		log_warnx("smtp: %s: certificate verification is DISABLED "
		          "(configured): anyone on the path can read the "
		          "password and the mail",
		          p->url);
		curl_easy_setopt(s->curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(s->curl, CURLOPT_SSL_VERIFYHOST, 0L);
	} else {
		curl_easy_setopt(s->curl, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(s->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	}
	if (p->user != NULL) {
		s->password = xstrdup(p->password);
		curl_easy_setopt(s->curl, CURLOPT_USERNAME, p->user);
		curl_easy_setopt(s->curl, CURLOPT_PASSWORD, s->password);
		if (p->auth != NULL) {
			char *opt = xasprintf("AUTH=%s", p->auth);

			curl_easy_setopt(s->curl, CURLOPT_LOGIN_OPTIONS, opt);
			free(opt);
		}
	}
	*out = s;
	return SMTP_OK;
fail:
	smtp_close(s);
	return rv;
}

/* One attempt; fills *res. */
static enum smtp_status
send_once(struct smtp_session *s, struct curl_slist *rl, const char *msg,
          size_t len, struct smtp_result *res)
{
	CURLcode rc;
	long nconn = 0;

	memset(res, 0, sizeof(*res));
	s->msg = msg;
	s->left = len;
	s->body_done = len == 0;
	s->reply_after_body = 0;
	s->nreplies = 0;
	s->in_auth = 0;
	s->quitting = 0;
	s->data_started = 0;
	s->peer_gone = 0;
	s->res = res;
	s->errbuf[0] = '\0';

	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, rl);
	curl_easy_setopt(s->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	rc = curl_easy_perform(s->curl);
	s->res = NULL;

	if (curl_easy_getinfo(s->curl, CURLINFO_NUM_CONNECTS, &nconn) ==
	    CURLE_OK)
		s->connects += nconn;
	/* libcurl closes the connection after any failed transfer */
	res->reused = s->open && nconn == 0;
	s->open = rc == CURLE_OK;
	res->status = classify(s, rc, res);
	if (rc != CURLE_OK) {
		const char *d =
		    s->errbuf[0] != '\0' ? s->errbuf : curl_easy_strerror(rc);

		copy_clean(res->detail, sizeof(res->detail), d, strlen(d));
		res->uncertain = res->status == SMTP_TEMP && s->body_done &&
		                 !s->reply_after_body && len > 0;
	}
	return res->status;
}

int
smtp_send(struct smtp_session *s, const char *from_addr,
          const char *const *rcpts, size_t nrcpt, const char *msg, size_t len,
          struct smtp_result *res)
{
	struct curl_slist *rl = NULL, *n;
	size_t i;
	enum smtp_status st;

	memset(res, 0, sizeof(*res));
	if (!address_ok(from_addr, 1) || nrcpt == 0 || msg == NULL) {
		snprintf(res->detail, sizeof(res->detail),
		         "bad sender address or no recipient");
		return res->status = SMTP_EINVAL;
	}
	for (i = 0; i < nrcpt; i++) {
		if (!address_ok(rcpts[i], 0)) {
			snprintf(res->detail, sizeof(res->detail),
			         "bad recipient address");
			curl_slist_free_all(rl);
			return res->status = SMTP_EINVAL;
		}
		if ((n = curl_slist_append(rl, rcpts[i])) == NULL) {
			curl_slist_free_all(rl);
			fatalx(EX_OSERR, "smtp: out of memory");
		}
		rl = n;
	}
	/* "" is the null sender; libcurl sends "<>" for a NULL MAIL_FROM */
	curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM,
	                 *from_addr != '\0' ? from_addr : NULL);

	st = send_once(s, rl, msg, len, res);
	/*
	 * A kept-open connection the server has meanwhile given up on (idle
	 * timeout) fails at our first command, with no reply or a 421.  We had
	 * not said DATA, so nothing was sent and one attempt on a fresh
	 * connection is safe.
	 */
	if (st == SMTP_TEMP && res->reused && !s->data_started &&
	    (s->nreplies == 0 || res->code == 421)) {
		log_debug("smtp",
		          "reused connection was dead (%s); reconnecting",
		          res->detail);
		st = send_once(s, rl, msg, len, res);
	}
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(rl);
	if (st != SMTP_OK)
		log_debug("smtp", "%s: %s (%s) %s", s->display,
		          smtp_status_name(st), res->detail, res->text);
	return st;
}

long
smtp_connections(const struct smtp_session *s)
{
	return s->connects;
}

void
smtp_close(struct smtp_session *s)
{
	if (s == NULL)
		return;
	/* says QUIT on an open connection */
	if (s->curl != NULL)
		curl_easy_cleanup(s->curl);
	wipe(s->password);
	free(s->url);
	free(s->display);
	free(s);
}

void
smtp_global_cleanup(void)
{
	if (curl_ready) {
		curl_global_cleanup();
		curl_ready = 0;
	}
}
