/* imap - see imap.h */
#include "autoconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>

#include "clock.h"
#include "imap.h"
#include "log.h"
#include "net.h"
#include "xalloc.h"

#define DEFAULT_TIMEOUT 30
#define MAX_CHAIN 16
#define SRV_TEXT_MAX 200
#define BATCH_MSGS 64                  /* messages per UID FETCH of bodies */
#define BATCH_BYTES (8u * 1024 * 1024) /* estimated bytes per such FETCH */
#define HEADER_GUESS 16384             /* header size assumed when batching */
#define IDLE_MAX (28 * 60)

struct imap_conn {
	mailimap *imap;
	char *host;
	int dead;
	unsigned long commands;
	int cap_idle, cap_uidplus, cap_special_use, cap_condstore;
};

/* ---- errors */

/* The server's last response text, made safe to print: printable ASCII only,
 * at most SRV_TEXT_MAX characters.  Returns buf. */
static const char *
srv_text(const struct imap_conn *c, char *buf, size_t len)
{
	const char *s = c->imap != NULL ? c->imap->imap_response : NULL;
	size_t i = 0;

	if (s == NULL || *s == '\0')
		s = "(no response text)";
	for (; *s != '\0' && i + 1 < len && i < SRV_TEXT_MAX; s++)
		buf[i++] =
		    ((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f)
		        ? *s
		        : '?';
	buf[i] = '\0';
	return buf;
}

static int fail(char **errstr, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char **errstr, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	*errstr = xvasprintf(fmt, ap);
	va_end(ap);
	return code;
}

/*
 * Map a libetpan result of command `what` to our codes.  Stream and connection
 * errors kill the connection (IMAP_ENET); a parse error leaves the stream in an
 * unknown state, so it kills it too, but reports IMAP_EPROTO.  Anything else is
 * the server refusing (NO/BAD): IMAP_EPROTO with its text, or `no` when given.
 */
static int
etpan_fail(struct imap_conn *c, int r, const char *what, int no, char **errstr)
{
	char t[SRV_TEXT_MAX + 1];

	switch (r) {
	case MAILIMAP_ERROR_STREAM:
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
	case MAILIMAP_ERROR_BAD_STATE:
	case MAILIMAP_ERROR_FATAL:
		c->dead = 1;
		return fail(errstr, IMAP_ENET,
		            "imap %s: %s: connection lost or timed out",
		            c->host, what);
	case MAILIMAP_ERROR_SSL:
		c->dead = 1;
		return fail(errstr, IMAP_ETLS,
		            "imap %s: %s: TLS handshake failed", c->host, what);
	case MAILIMAP_ERROR_PARSE:
		c->dead = 1;
		return fail(errstr, IMAP_EPROTO,
		            "imap %s: %s: unparsable server response", c->host,
		            what);
	default:
		return fail(errstr, no ? no : IMAP_EPROTO,
		            "imap %s: %s failed: %s", c->host, what,
		            srv_text(c, t, sizeof t));
	}
}

static int
etpan_ok(int r)
{
	return r == MAILIMAP_NO_ERROR || r == MAILIMAP_NO_ERROR_AUTHENTICATED ||
	       r == MAILIMAP_NO_ERROR_NON_AUTHENTICATED;
}

static int
check_alive(struct imap_conn *c, char **errstr)
{
	if (c->dead)
		return fail(errstr, IMAP_ENET, "imap %s: connection is closed",
		            c->host);
	return IMAP_OK;
}

/* ---- URL and TCP */

/* Parse imaps://host[:port][/] or imap://host[:port][/]; host may be [v6]. */
static int
parse_url(const char *url, int *tls, char **host, char **port, char **errstr)
{
	const char *p, *h, *he;
	size_t n;

	if (url == NULL)
		return fail(errstr, IMAP_EPROTO, "imap: no URL configured");
	if (strncasecmp(url, "imaps://", 8) == 0) {
		*tls = 1;
		p = url + 8;
	} else if (strncasecmp(url, "imap://", 7) == 0) {
		*tls = 0;
		p = url + 7;
	} else
		return fail(errstr, IMAP_EPROTO,
		            "imap: URL must start with imaps:// or imap://");
	if (*p == '[') {
		h = p + 1;
		he = strchr(h, ']');
		if (he == NULL)
			return fail(errstr, IMAP_EPROTO,
			            "imap: bad IPv6 address in URL");
		p = he + 1;
	} else {
		h = p;
		he = p + strcspn(p, ":/");
		p = he;
	}
	if (he == h)
		return fail(errstr, IMAP_EPROTO, "imap: no host in URL");
	n = 0;
	if (*p == ':') {
		p++;
		n = strspn(p, "0123456789");
		if (n == 0 || n > 5 || atoi(p) <= 0 || atoi(p) > 65535)
			return fail(errstr, IMAP_EPROTO,
			            "imap: bad port in URL");
	}
	if (p[n] != '\0' && strcmp(p + n, "/") != 0)
		return fail(errstr, IMAP_EPROTO,
		            "imap: unexpected path in URL");
	*host = xstrndup(h, (size_t)(he - h));
	*port = n ? xstrndup(p, n) : xstrdup(*tls ? "993" : "143");
	return IMAP_OK;
}

static double
mono_now(void)
{
	struct timespec ts;

	/* elapsed time for timeouts only; the wall clock stays in clock.c */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Connect with a timeout (libetpan's own connect has none); a blocking fd back.
 */
static int
tcp_connect(const char *host, const char *port, int timeout, int *fdp,
            char **errstr)
{
	struct addrinfo hints, *res = NULL, *ai;
	int fd = -1, r, err = 0, code = IMAP_ENET;
	socklen_t elen;
	struct pollfd pfd;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	r = getaddrinfo(host, port, &hints, &res);
	if (r != 0)
		return fail(errstr, IMAP_ENET, "imap %s: cannot resolve: %s",
		            host, gai_strerror(r));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		            ai->ai_protocol);
		if (fd == -1) {
			err = errno;
			continue;
		}
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		r = connect(fd, ai->ai_addr, ai->ai_addrlen);
		if (r == -1 && errno == EINPROGRESS) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			do
				r = poll(&pfd, 1, timeout * 1000);
			while (r == -1 && errno == EINTR);
			if (r == 0) {
				err = ETIMEDOUT;
				r = -1;
			} else if (r > 0) {
				elen = sizeof err;
				getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
				           &elen);
				r = err ? -1 : 0;
			} else
				err = errno;
		} else if (r == -1)
			err = errno;
		if (r == 0) {
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
			*fdp = fd;
			code = IMAP_OK;
			goto exit;
		}
		close(fd);
	}
	code = fail(errstr, IMAP_ENET, "imap %s port %s: cannot connect: %s",
	            host, port, strerror(err));
exit:
	freeaddrinfo(res);
	return code;
}

/* ---- TLS */

static int
is_ip_literal(const char *host, unsigned char *ip, size_t *iplen)
{
	if (inet_pton(AF_INET, host, ip) == 1) {
		*iplen = 4;
		return 1;
	}
	if (inet_pton(AF_INET6, host, ip) == 1) {
		*iplen = 16;
		return 1;
	}
	return 0;
}

/* libetpan callback: send SNI for host names (not for IP literals). */
static void
sni_cb(struct mailstream_ssl_context *ctx, void *data)
{
	unsigned char ip[16];
	size_t iplen;

	if (!is_ip_literal(data, ip, &iplen))
		mailstream_ssl_set_server_name(ctx, data);
}

/*
 * Verify the peer's chain (as the server sent it) against the trust file or the
 * system store, for TLS server use, and its name against host (IP SAN for an IP
 * literal).  IMAP_OK or IMAP_ETLS with the reason.
 */
static int
verify_peer(struct imap_conn *c, const char *trust_file, char **errstr)
{
	gnutls_x509_trust_list_t tl = NULL;
	gnutls_x509_crt_t crt[MAX_CHAIN];
	gnutls_datum_t d, out;
	gnutls_typed_vdata_st vd;
	carray *chain;
	unsigned char *der = NULL, ip[16];
	size_t iplen;
	unsigned n = 0, i, status = 0;
	ssize_t dlen;
	int code = IMAP_ETLS, r;

	chain = mailstream_get_certificate_chain(c->imap->imap_stream);
	if (chain != NULL) {
		for (i = 0; i < carray_count(chain) && n < MAX_CHAIN; i++) {
			MMAPString *s = carray_get(chain, i);

			d.data = (unsigned char *)s->str;
			d.size = (unsigned)s->len;
			if (gnutls_x509_crt_init(&crt[n]) < 0)
				break;
			if (gnutls_x509_crt_import(crt[n], &d,
			                           GNUTLS_X509_FMT_DER) < 0) {
				gnutls_x509_crt_deinit(crt[n]);
				break;
			}
			n++;
		}
		mailstream_certificate_chain_free(chain);
	}
	if (n == 0) {
		dlen =
		    mailstream_ssl_get_certificate(c->imap->imap_stream, &der);
		if (dlen > 0 && gnutls_x509_crt_init(&crt[0]) >= 0) {
			d.data = der;
			d.size = (unsigned)dlen;
			if (gnutls_x509_crt_import(crt[0], &d,
			                           GNUTLS_X509_FMT_DER) >= 0)
				n = 1;
			else
				gnutls_x509_crt_deinit(crt[0]);
		}
		free(der);
	}
	if (n == 0) {
		fail(errstr, IMAP_ETLS,
		     "imap %s: TLS: the server sent no usable certificate",
		     c->host);
		goto exit;
	}

	gnutls_x509_trust_list_init(&tl, 0);
	if (trust_file != NULL)
		r = gnutls_x509_trust_list_add_trust_file(
		    tl, trust_file, NULL, GNUTLS_X509_FMT_PEM, 0, 0);
	else
		r = gnutls_x509_trust_list_add_system_trust(tl, 0, 0);
	if (r <= 0) {
		fail(errstr, IMAP_ETLS,
		     "imap %s: TLS: no trusted certificates loaded from %s",
		     c->host,
		     trust_file != NULL ? trust_file : "the system store");
		goto exit;
	}
	memset(&vd, 0, sizeof vd);
	vd.type = GNUTLS_DT_KEY_PURPOSE_OID;
	vd.data = (void *)GNUTLS_KP_TLS_WWW_SERVER;
	r = gnutls_x509_trust_list_verify_crt2(tl, crt, n, &vd, 1, 0, &status,
	                                       NULL);
	if (r < 0 || status != 0) {
		char *why = NULL;

		if (r >= 0 && gnutls_certificate_verification_status_print(
		                  status, GNUTLS_CRT_X509, &out, 0) >= 0) {
			why = xstrndup((char *)out.data, out.size);
			gnutls_free(out.data);
			for (i = strlen(why);
			     i > 0 && (why[i - 1] == ' ' || why[i - 1] == '.');
			     i--)
				why[i - 1] = '\0';
		}
		fail(errstr, IMAP_ETLS,
		     "imap %s: TLS: server certificate did not verify against "
		     "%s (%s); "
		     "refusing to log in",
		     c->host,
		     trust_file != NULL ? trust_file : "the system trust store",
		     why != NULL ? why : gnutls_strerror(r));
		free(why);
		goto exit;
	}
	if (is_ip_literal(c->host, ip, &iplen))
		r = gnutls_x509_crt_check_ip(crt[0], ip, (unsigned)iplen, 0);
	else
		r = gnutls_x509_crt_check_hostname2(crt[0], c->host, 0);
	if (!r) {
		fail(errstr, IMAP_ETLS,
		     "imap %s: TLS: server certificate is not valid for this "
		     "host name; "
		     "refusing to log in",
		     c->host);
		goto exit;
	}
	code = IMAP_OK;
exit:
	for (i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crt[i]);
	if (tl != NULL)
		gnutls_x509_trust_list_deinit(tl, 1);
	return code;
}

/* libetpan only says the handshake failed: one that ran into the timeout, or
 * whose connection the peer closed or reset (a cut line, a server going
 * down), is a network problem (retry later); one still open is a server
 * that does not speak TLS, or not our TLS: a refusal. */
static int
tls_open_failed(struct imap_conn *c, int fd, double t0, int timeout,
                const char *what, char **errstr)
{
	if (mono_now() - t0 >= timeout - 0.2)
		return fail(errstr, IMAP_ENET,
		            "imap %s: %s: handshake timed out after %d s",
		            c->host, what, timeout);
	if (net_peer_gone(fd))
		return fail(errstr, IMAP_ENET,
		            "imap %s: %s: the connection was closed during "
		            "the handshake", c->host, what);
	return fail(errstr, IMAP_ETLS,
	            "imap %s: %s: handshake failed (not a TLS server?)",
	            c->host, what);
}

static int
capability(struct imap_conn *c, char **errstr)
{
	struct mailimap_capability_data *cd = NULL;
	int r;

	c->commands++;
	r = mailimap_capability(c->imap, &cd);
	if (!etpan_ok(r))
		return etpan_fail(c, r, "CAPABILITY", 0, errstr);
	mailimap_capability_data_free(cd);
	return IMAP_OK;
}

/* Plain stream -> STARTTLS -> TLS on the same socket (as libetpan's
 * mailimap_socket_starttls, plus a timeout, SNI and an injection check). */
static int
starttls(struct imap_conn *c, int timeout, char **errstr)
{
	mailstream_low *low, *tls;
	char t[SRV_TEXT_MAX + 1];
	double t0;
	int r, fd, code;

	if ((r = capability(c, errstr)) != IMAP_OK)
		return r;
	if (!mailimap_has_extension(c->imap, "STARTTLS"))
		return fail(errstr, IMAP_ETLS,
		            "imap %s: the server does not offer STARTTLS; "
		            "refusing to log in "
		            "without TLS (use imaps://)",
		            c->host);
	c->commands++;
	r = mailimap_starttls(c->imap);
	if (!etpan_ok(r)) {
		code = etpan_fail(c, r, "STARTTLS", IMAP_ETLS, errstr);
		if (code ==
		    IMAP_ETLS) { /* libetpan also lands here on injected data */
			free(*errstr);
			code = fail(
			    errstr, IMAP_ETLS,
			    "imap %s: STARTTLS failed (refused, or "
			    "data injected before TLS): %s; refusing to log in",
			    c->host, srv_text(c, t, sizeof t));
		}
		c->dead = 1; /* never go on in plaintext */
		return code;
	}
	/* Anything already buffered was sent before TLS: a man in the middle.
	 */
	if (c->imap->imap_stream->read_buffer_len != 0) {
		c->dead = 1;
		return fail(errstr, IMAP_ETLS,
		            "imap %s: data injected after STARTTLS; refusing",
		            c->host);
	}
	low = mailstream_get_low(c->imap->imap_stream);
	fd = mailstream_low_get_fd(low);
	t0 = mono_now();
	tls = mailstream_low_tls_open_with_callback_timeout(fd, timeout, sni_cb,
	                                                    c->host);
	if (tls == NULL) {
		c->dead = 1;
		return tls_open_failed(c, fd, t0, timeout, "STARTTLS",
		    errstr);
	}
	mailstream_low_free(low);
	mailstream_set_low(c->imap->imap_stream, tls);
	return IMAP_OK;
}

static void
cache_caps(struct imap_conn *c)
{
	c->cap_idle = mailimap_has_idle(c->imap);
	c->cap_uidplus = mailimap_has_uidplus(c->imap);
	c->cap_condstore = mailimap_has_condstore(c->imap);
	c->cap_special_use = mailimap_has_extension(c->imap, "SPECIAL-USE");
}

int
imap_connect(const struct imap_params *p, struct imap_conn **out, char **errstr)
{
	struct imap_conn *c;
	char *port = NULL;
	mailstream *s;
	int tls = 0, fd = -1, timeout, code, r;
	double t0;

	c = xcalloc(1, sizeof *c);
	code = parse_url(p->url, &tls, &c->host, &port, errstr);
	if (code != IMAP_OK)
		goto exit;
	if (p->user == NULL || p->password == NULL) {
		code = fail(errstr, IMAP_EAUTH, "imap %s: no user or password",
		            c->host);
		goto exit;
	}
	timeout = p->timeout > 0 ? p->timeout : DEFAULT_TIMEOUT;
	c->imap = mailimap_new(0, NULL);
	if (c->imap == NULL) {
		code =
		    fail(errstr, IMAP_ENET, "imap %s: out of memory", c->host);
		goto exit;
	}
	mailimap_set_timeout(c->imap, timeout);

	code = tcp_connect(c->host, port, timeout, &fd, errstr);
	if (code != IMAP_OK)
		goto exit;
	t0 = mono_now();
	if (tls)
		s = mailstream_ssl_open_with_callback_timeout(fd, timeout,
		                                              sni_cb, c->host);
	else
		s = mailstream_socket_open_timeout(fd, timeout);
	if (s == NULL) {
		code = tls_open_failed(c, fd, t0, timeout, "TLS", errstr);
		close(fd);
		goto exit;
	}
	r = mailimap_connect(c->imap, s); /* reads the greeting; owns s now */
	if (!etpan_ok(r)) {
		code = etpan_fail(c, r, "greeting", IMAP_ENET, errstr);
		goto exit;
	}
	if (!tls && !p->allow_plain) {
		code = starttls(c, timeout, errstr);
		if (code != IMAP_OK)
			goto exit;
		tls = 1;
	}
	if (tls && p->verify) {
		code = verify_peer(c, p->trust_file, errstr);
		if (code != IMAP_OK)
			goto exit;
	} else if (tls)
		log_warnx("imap %s: TLS certificate verification is OFF "
		          "(tls_verify off): "
		          "the password is sent to whoever answers",
		          c->host);
	else
		log_warnx("imap %s: plaintext IMAP without TLS (tests only)",
		          c->host);

	/* capabilities from before TLS cannot be trusted: ask again */
	code = capability(c, errstr);
	if (code != IMAP_OK)
		goto exit;
	c->commands++;
	if (mailimap_has_extension(c->imap, "LOGINDISABLED")) {
		r = mailimap_authenticate(c->imap, "PLAIN", c->host, NULL, NULL,
		                          p->user, p->user, p->password, NULL);
		if (!etpan_ok(r)) {
			code = etpan_fail(c, r, "AUTHENTICATE PLAIN",
			                  IMAP_EAUTH, errstr);
			goto exit;
		}
	} else {
		r = mailimap_login(c->imap, p->user, p->password);
		if (!etpan_ok(r)) {
			code = etpan_fail(c, r, "LOGIN", IMAP_EAUTH, errstr);
			goto exit;
		}
	}
	code = capability(c, errstr);
	if (code != IMAP_OK)
		goto exit;
	cache_caps(c);
	log_debug("imap",
	          "%s: logged in as %s; IDLE=%d UIDPLUS=%d SPECIAL-USE=%d "
	          "CONDSTORE=%d",
	          c->host, p->user, c->cap_idle, c->cap_uidplus,
	          c->cap_special_use, c->cap_condstore);
	*out = c;
	c = NULL;
exit:
	free(port);
	if (c != NULL) {
		c->dead = 1;
		imap_close(c);
	}
	return code;
}

void
imap_close(struct imap_conn *c)
{
	if (c == NULL)
		return;
	if (c->imap != NULL) {
		if (!c->dead && c->imap->imap_stream != NULL) {
			c->commands++;
			mailimap_logout(c->imap);
		}
		/* mailimap_free would say LOGOUT itself and wait for the
		 * answer: not on a dead or refused connection */
		if (c->imap->imap_stream != NULL) {
			mailstream_close(c->imap->imap_stream);
			c->imap->imap_stream = NULL;
		}
		mailimap_free(c->imap);
	}
	free(c->host);
	free(c);
}

int
imap_has_idle(const struct imap_conn *c)
{
	return c->cap_idle;
}

int
imap_has_uidplus(const struct imap_conn *c)
{
	return c->cap_uidplus;
}

int
imap_has_special_use(const struct imap_conn *c)
{
	return c->cap_special_use;
}

int
imap_has_condstore(const struct imap_conn *c)
{
	return c->cap_condstore;
}

void
imap_stats(const struct imap_conn *c, unsigned long *commands)
{
	*commands = c->commands;
}

/* ---- folders */

static int
examine(struct imap_conn *c, const char *folder, char **errstr)
{
	int r;

	c->commands++;
	r = mailimap_examine(c->imap, folder);
	if (!etpan_ok(r))
		return etpan_fail(c, r, "EXAMINE", IMAP_ENOTFOUND, errstr);
	if (c->imap->imap_selection_info == NULL)
		return fail(errstr, IMAP_EPROTO,
		            "imap %s: EXAMINE: no mailbox information",
		            c->host);
	return IMAP_OK;
}

/* ---- fetch */

struct uidsz {
	uint32_t uid, size;
};

struct fmsg {
	uint32_t uid, size;
	time_t date;
	const char *hdr, *text;
	size_t hlen, tlen;
};

static int
cmp_uidsz(const void *a, const void *b)
{
	uint32_t x = ((const struct uidsz *)a)->uid,
	         y = ((const struct uidsz *)b)->uid;

	return x < y ? -1 : x > y;
}

static int
cmp_fmsg(const void *a, const void *b)
{
	uint32_t x = ((const struct fmsg *)a)->uid,
	         y = ((const struct fmsg *)b)->uid;

	return x < y ? -1 : x > y;
}

static time_t
date_time(const struct mailimap_date_time *dt)
{
	long zone, off;

	/* a date the server cannot mean is no date (and keeps the int
	 * arithmetic of clock_day_from_civil in range) */
	if (dt == NULL || dt->dt_year < 0 || dt->dt_year > 9999 ||
	    dt->dt_month < 1 || dt->dt_month > 12 || dt->dt_day < 1 ||
	    dt->dt_day > 31)
		return 0;
	zone = dt->dt_zone < 0 ? -dt->dt_zone
	                       : dt->dt_zone; /* e.g. -700 = -07:00 */
	off = (zone / 100) * 3600 + (zone % 100) * 60;
	if (dt->dt_zone < 0)
		off = -off;
	return (time_t)((long)clock_day_from_civil(dt->dt_year, dt->dt_month,
	                                           dt->dt_day) *
	                    86400 +
	                dt->dt_hour * 3600 + dt->dt_min * 60 + dt->dt_sec -
	                off);
}

/* Walk one FETCH response item into f (fields not present stay as they are). */
static void
parse_att(const struct mailimap_msg_att *ma, struct fmsg *f)
{
	clistiter *j;

	for (j = clist_begin(ma->att_list); j != NULL; j = clist_next(j)) {
		struct mailimap_msg_att_item *it = clist_content(j);
		struct mailimap_msg_att_static *st;
		struct mailimap_msg_att_body_section *bs;
		struct mailimap_section_spec *spec;

		if (it->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue;
		st = it->att_data.att_static;
		switch (st->att_type) {
		case MAILIMAP_MSG_ATT_UID:
			f->uid = st->att_data.att_uid;
			break;
		case MAILIMAP_MSG_ATT_RFC822_SIZE:
			f->size = st->att_data.att_rfc822_size;
			break;
		case MAILIMAP_MSG_ATT_INTERNALDATE:
			f->date = date_time(st->att_data.att_internal_date);
			break;
		case MAILIMAP_MSG_ATT_BODY_SECTION:
			bs = st->att_data.att_body_section;
			if (bs == NULL || bs->sec_section == NULL)
				break;
			spec = bs->sec_section->sec_spec;
			if (spec == NULL ||
			    spec->sec_type !=
			        MAILIMAP_SECTION_SPEC_SECTION_MSGTEXT ||
			    spec->sec_data.sec_msgtext == NULL)
				break;
			if (spec->sec_data.sec_msgtext->sec_type ==
			    MAILIMAP_SECTION_MSGTEXT_HEADER) {
				f->hdr = bs->sec_body_part;
				f->hlen =
				    bs->sec_body_part ? bs->sec_length : 0;
			} else if (spec->sec_data.sec_msgtext->sec_type ==
			           MAILIMAP_SECTION_MSGTEXT_TEXT) {
				f->text = bs->sec_body_part;
				f->tlen =
				    bs->sec_body_part ? bs->sec_length : 0;
			}
			break;
		default:
			break;
		}
	}
}

/* UID FETCH from+1:* (UID RFC822.SIZE): the UIDs above from, ascending. */
static int
list_new(struct imap_conn *c, uint32_t from, struct uidsz **out, size_t *n,
         char **errstr)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	clist *res = NULL;
	clistiter *i;
	size_t cnt = 0;
	int r;

	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(
	    ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(
	    ft, mailimap_fetch_att_new_rfc822_size());
	set = mailimap_set_new_interval(from + 1, 0); /* 0 = "*" */
	c->commands++;
	r = mailimap_uid_fetch(c->imap, set, ft, &res);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (!etpan_ok(r))
		return etpan_fail(c, r, "UID FETCH (list)", 0, errstr);
	*out = xreallocarray(NULL, clist_count(res) + 1, sizeof **out);
	for (i = clist_begin(res); i != NULL; i = clist_next(i)) {
		struct fmsg f;

		memset(&f, 0, sizeof f);
		parse_att(clist_content(i), &f);
		/* "N:*" also returns the last message when N > the highest UID
		 */
		if (f.uid > from) {
			(*out)[cnt].uid = f.uid;
			(*out)[cnt++].size = f.size;
		}
	}
	mailimap_fetch_list_free(res);
	if (cnt > 1)
		qsort(*out, cnt, sizeof **out, cmp_uidsz);
	*n = cnt;
	return IMAP_OK;
}

/*
 * Fetch bodies of u[0..n) and hand them to cb in UID order.  *done counts the
 * messages handled (callback returned 0); *stop is set when a callback said
 * stop.
 */
static int
fetch_batch(struct imap_conn *c, const char *folder, const struct uidsz *u,
            size_t n, size_t max_bytes, uint32_t uidvalidity, int rescan,
            imap_msg_cb cb, void *arg, uint32_t *last_uid, int *stop,
            char **errstr)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	struct fmsg *m = NULL;
	struct buf b;
	clist *res = NULL;
	clistiter *i;
	size_t k, cnt = 0;
	int r, code = IMAP_OK;

	buf_init(&b);
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(
	    ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(
	    ft, mailimap_fetch_att_new_rfc822_size());
	mailimap_fetch_type_new_fetch_att_list_add(
	    ft, mailimap_fetch_att_new_internaldate());
	mailimap_fetch_type_new_fetch_att_list_add(
	    ft, mailimap_fetch_att_new_body_peek_section(
	            mailimap_section_new_header()));
	if (max_bytes > 0)
		mailimap_fetch_type_new_fetch_att_list_add(
		    ft, mailimap_fetch_att_new_body_peek_section_partial(
		            mailimap_section_new_text(), 0,
		            max_bytes > UINT32_MAX ? UINT32_MAX
		                                   : (uint32_t)max_bytes));
	set = mailimap_set_new_empty();
	for (k = 0; k < n; k++)
		mailimap_set_add_single(set, u[k].uid);
	c->commands++;
	r = mailimap_uid_fetch(c->imap, set, ft, &res);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (!etpan_ok(r)) {
		code = etpan_fail(c, r, "UID FETCH", 0, errstr);
		goto exit;
	}
	m = xcalloc(clist_count(res) + 1, sizeof *m);
	for (i = clist_begin(res); i != NULL; i = clist_next(i)) {
		memset(&m[cnt], 0, sizeof m[cnt]);
		parse_att(clist_content(i), &m[cnt]);
		if (m[cnt].uid > *last_uid && m[cnt].hdr != NULL)
			cnt++;
	}
	qsort(m, cnt, sizeof *m, cmp_fmsg);
	for (k = 0; k < cnt && !*stop; k++) {
		struct imap_msg msg;

		if (k > 0 && m[k].uid == m[k - 1].uid)
			continue;
		b.len = 0;
		buf_add(&b, m[k].hdr, m[k].hlen);
		/* BODY[HEADER] ends with the blank line; make sure of it */
		if (b.len < 2 || memcmp(b.s + b.len - 2, "\n\n", 2) != 0) {
			if (b.len < 4 ||
			    memcmp(b.s + b.len - 4, "\r\n\r\n", 4) != 0) {
				if (b.len > 0 && b.s[b.len - 1] != '\n')
					buf_adds(&b, "\r\n");
				buf_adds(&b, "\r\n");
			}
		}
		if (m[k].text != NULL)
			buf_add(&b, m[k].text, m[k].tlen);
		memset(&msg, 0, sizeof msg);
		msg.folder = folder;
		msg.uidvalidity = uidvalidity;
		msg.uid = m[k].uid;
		msg.data = b.s;
		msg.len = b.len;
		msg.size = m[k].size;
		msg.date = m[k].date;
		msg.rescan = rescan;
		msg.truncated = (uint64_t)m[k].hlen + m[k].tlen < m[k].size &&
		                (max_bytes == 0 || m[k].tlen >= max_bytes);
		if (cb(&msg, arg) != 0) {
			*stop = 1;
			break;
		}
		*last_uid = m[k].uid;
	}
exit:
	if (res != NULL)
		mailimap_fetch_list_free(res);
	free(m);
	buf_free(&b);
	return code;
}

int
imap_fetch_new(struct imap_conn *c, const char *folder, uint32_t *uidvalidity,
               uint32_t *last_uid, size_t max_bytes, imap_msg_cb cb, void *arg,
               char **errstr)
{
	struct mailimap_selection_info *si;
	struct uidsz *u = NULL;
	uint32_t uv, uidnext, from;
	size_t n = 0, k, start, est;
	int code, rescan, stop = 0;

	if ((code = check_alive(c, errstr)) != IMAP_OK)
		return code;
	if ((code = examine(c, folder, errstr)) != IMAP_OK)
		return code;
	si = c->imap->imap_selection_info;
	uv = si->sel_uidvalidity;
	uidnext = si->sel_uidnext;
	rescan = *uidvalidity != 0 && uv != *uidvalidity;
	if (rescan) {
		log_info("imap %s: folder %s: UIDVALIDITY changed (%u -> %u): "
		         "rescanning",
		         c->host, folder, *uidvalidity, uv);
		*last_uid = 0;
	} else
		*uidvalidity = uv;
	from = *last_uid;
	/* nothing newer: EXAMINE was the only round trip */
	if ((si->sel_has_exists && si->sel_exists == 0) ||
	    (uidnext != 0 && uidnext - 1 <= from))
		goto done;

	if ((code = list_new(c, from, &u, &n, errstr)) != IMAP_OK)
		goto exit;
	for (start = 0; start < n && !stop;) {
		est = 0;
		for (k = start; k < n && k - start < BATCH_MSGS; k++) {
			size_t one = u[k].size;

			if (max_bytes + HEADER_GUESS < one)
				one = max_bytes + HEADER_GUESS;
			if (k > start && est + one > BATCH_BYTES)
				break;
			est += one;
		}
		code =
		    fetch_batch(c, folder, u + start, k - start, max_bytes, uv,
		                rescan, cb, arg, last_uid, &stop, errstr);
		if (code != IMAP_OK)
			goto exit;
		start = k;
	}
	if (stop)
		goto exit;
done:
	*uidvalidity = uv; /* a rescan counts as done only once complete */
exit:
	free(u);
	return code;
}

int
imap_find_message_id(struct imap_conn *c, const char *folder,
                     const char *message_id, int *found, char **errstr)
{
	struct mailimap_search_key *key;
	clist *res = NULL;
	int code, r;

	if ((code = check_alive(c, errstr)) != IMAP_OK)
		return code;
	if (message_id == NULL || *message_id == '\0' ||
	    strpbrk(message_id, "\r\n") != NULL)
		return fail(errstr, IMAP_EPROTO,
		            "imap: invalid Message-ID to search for");
	if ((code = examine(c, folder, errstr)) != IMAP_OK)
		return code;
	key = mailimap_search_key_new_header(xstrdup("Message-ID"),
	                                     xstrdup(message_id));
	c->commands++;
	r = mailimap_uid_search(c->imap, NULL, key, &res);
	mailimap_search_key_free(key);
	if (!etpan_ok(r))
		return etpan_fail(c, r, "UID SEARCH", 0, errstr);
	*found = clist_count(res) > 0;
	mailimap_search_result_free(res);
	return IMAP_OK;
}

int
imap_append(struct imap_conn *c, const char *folder, const char *msg,
            size_t len, int seen, char **errstr)
{
	struct mailimap_flag_list *fl;
	struct buf b;
	size_t k;
	int code, r;

	if ((code = check_alive(c, errstr)) != IMAP_OK)
		return code;
	buf_init(&b);
	for (k = 0; k < len; k++) {
		if (msg[k] == '\n' && (k == 0 || msg[k - 1] != '\r'))
			buf_addc(&b, '\r');
		buf_addc(&b, msg[k]);
	}
	fl = mailimap_flag_list_new_empty();
	if (seen)
		mailimap_flag_list_add(fl, mailimap_flag_new_seen());
	c->commands++;
	r = mailimap_append(c->imap, folder, fl, NULL, b.s, b.len);
	mailimap_flag_list_free(fl);
	buf_free(&b);
	if (!etpan_ok(r))
		return etpan_fail(c, r, "APPEND", 0, errstr);
	return IMAP_OK;
}

/* 1 when the LIST entry carries flag use ("\\Sent"): libetpan keeps it without
 * the backslash. */
static int
has_flag(const struct mailimap_mailbox_list *mb, const char *use)
{
	clistiter *i;

	if (mb->mb_flag == NULL || mb->mb_flag->mbf_oflags == NULL)
		return 0;
	if (*use == '\\')
		use++;
	for (i = clist_begin(mb->mb_flag->mbf_oflags); i != NULL;
	     i = clist_next(i)) {
		struct mailimap_mbx_list_oflag *of = clist_content(i);

		if (of->of_type == MAILIMAP_MBX_LIST_OFLAG_FLAG_EXT &&
		    of->of_flag_ext != NULL &&
		    strcasecmp(of->of_flag_ext + (*of->of_flag_ext == '\\'),
		               use) == 0)
			return 1;
	}
	return 0;
}

int
imap_special_folder(struct imap_conn *c, const char *use, char **name,
                    char **errstr)
{
	static const char *const sent_names[] = {"Sent",          "Sent Items",
	                                         "Sent Messages", "INBOX.Sent",
	                                         "INBOX/Sent",    NULL};
	clist *res = NULL;
	clistiter *i;
	char *pick = NULL;
	int code, r, k;

	if ((code = check_alive(c, errstr)) != IMAP_OK)
		return code;
	c->commands++;
	r = mailimap_list(c->imap, "", "*", &res);
	if (!etpan_ok(r))
		return etpan_fail(c, r, "LIST", 0, errstr);
	for (i = clist_begin(res); i != NULL && pick == NULL;
	     i = clist_next(i)) {
		struct mailimap_mailbox_list *mb = clist_content(i);

		if (has_flag(mb, use))
			pick = xstrdup(mb->mb_name);
	}
	if (pick == NULL && strcasecmp(use, "\\Sent") == 0) {
		for (k = 0; sent_names[k] != NULL && pick == NULL; k++)
			for (i = clist_begin(res); i != NULL;
			     i = clist_next(i)) {
				struct mailimap_mailbox_list *mb =
				    clist_content(i);

				if (strcasecmp(mb->mb_name, sent_names[k]) ==
				    0) {
					pick = xstrdup(mb->mb_name);
					break;
				}
			}
	}
	mailimap_list_result_free(res);
	if (pick == NULL)
		return fail(errstr, IMAP_ENOTFOUND,
		            "imap %s: no folder flagged %s", c->host, use);
	*name = pick;
	return IMAP_OK;
}

int
imap_idle(struct imap_conn *c, const char *folder, int timeout_sec,
          int extra_fd, int *woke, char **errstr)
{
	struct pollfd pfd[2];
	double deadline, left;
	int code, r, nfd;

	*woke = 0;
	if ((code = check_alive(c, errstr)) != IMAP_OK)
		return code;
	if (!c->cap_idle)
		return fail(errstr, IMAP_ENOTSUP,
		            "imap %s: the server does not support IDLE",
		            c->host);
	if (timeout_sec < 1)
		timeout_sec = 1;
	if (timeout_sec > IDLE_MAX)
		timeout_sec = IDLE_MAX;
	if ((code = examine(c, folder, errstr)) != IMAP_OK)
		return code;
	c->commands++;
	r = mailimap_idle(c->imap);
	if (!etpan_ok(r))
		return etpan_fail(c, r, "IDLE", 0, errstr);

	/* libetpan may already hold server data read with the continuation */
	if (c->imap->imap_stream->read_buffer_len > 0)
		*woke = 1;
	deadline = mono_now() + timeout_sec;
	while (!*woke) {
		left = deadline - mono_now();
		if (left <= 0)
			break;
		pfd[0].fd = mailimap_idle_get_fd(c->imap);
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		nfd = 1;
		if (extra_fd >= 0) {
			pfd[1].fd = extra_fd;
			pfd[1].events = POLLIN;
			pfd[1].revents = 0;
			nfd = 2;
		}
		r = poll(pfd, nfd, (int)(left * 1000) + 1);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (r == 0)
			continue;
		if (pfd[0].revents)
			*woke = 1;
		if (nfd == 2 && pfd[1].revents)
			break;
	}
	r = mailimap_idle_done(c->imap);
	if (!etpan_ok(r))
		return etpan_fail(c, r, "IDLE DONE", 0, errstr);
	log_debug("imap", "%s: IDLE on %s ended: %s", c->host, folder,
	          *woke ? "server activity" : "timeout or wake-up");
	return IMAP_OK;
}
