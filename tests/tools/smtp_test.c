/*
 * smtp_test - drive agent/smtp.c from integration tests: send N messages over
 * one session and print one line per message, then the number of connections
 * used.
 *
 * usage: smtp_test -U URL [-u USER] [-a PLAIN|LOGIN] [-c TRUSTFILE] [-k]
 *                  [-s require|try|never] [-t SECONDS] [-H HELO]
 *                  [-f FROM] -r RCPT [-r RCPT...] [-n COUNT] [-m FILE] [-i TAG]
 *                  [-w MILLISECONDS]
 *   -w waits that long between two messages (to let a server drop an idle
 * connection). The password is read from $SMTP_TEST_PASSWORD (never from argv).
 *   Without -m each message is generated with Message-ID
 * <TAG.I@smtp-test.example.test> (TAG defaults to the pid) and a body line
 * starting with a dot; with -m FILE the file is sent as-is, COUNT times.
 * output, per message:
 *   "msg I status=S code=C reused=R uncertain=U id=<MSGID> text=... detail=..."
 *   and at the end "connections=K ok=N failed=M".
 * exit: 0 all sent; else the status of the first failure: 1 temp, 2 perm, 3
 * tls, 4 auth, 5 einval (smtp_open refused the parameters too); 64 usage; 66 no
 * file.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "smtp.h"
#include "xalloc.h"

static void
usage(void)
{
	fputs("usage: smtp_test -U URL [-u USER] [-a PLAIN|LOGIN] [-c CAFILE]\n"
	      "         [-k] [-s require|try|never] [-t SECONDS] [-H HELO]\n"
	      "         [-f FROM] -r RCPT [-r RCPT...] [-n COUNT] [-m FILE]\n"
	      "         [-i TAG] [-w MILLISECONDS]\n"
	      "       password from $SMTP_TEST_PASSWORD\n",
	      stderr);
	exit(64);
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[4096];
	size_t n;

	if (f == NULL) {
		perror(path);
		exit(66);
	}
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return buf_steal(&b);
}

static char *
make_message(const char *from, const char *to, const char *tag, int i,
             size_t *len, char **msgid)
{
	char date[64];
	time_t now = time(NULL);
	char *m;

	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000",
	         gmtime(&now));
	*msgid = xasprintf("<%s.%d@smtp-test.example.test>", tag, i);
	m = xasprintf("Date: %s\r\n"
	              "From: <%s>\r\n"
	              "To: <%s>\r\n"
	              "Subject: smtp_test %s #%d\r\n"
	              "Message-ID: %s\r\n"
	              "MIME-Version: 1.0\r\n"
	              "Content-Type: text/plain; charset=utf-8\r\n"
	              "\r\n"
	              "Hello, message %d.\r\n"
	              ".a line that starts with a dot\r\n"
	              ".\r\n"
	              "the line above was a lone dot\r\n",
	              date, *from != '\0' ? from : "nobody@example.test", to,
	              tag, i, *msgid, i);
	*len = strlen(m);
	return m;
}

int
main(int argc, char **argv)
{
	struct smtp_params p;
	struct smtp_session *s = NULL;
	struct smtp_result r;
	const char **rcpts = NULL;
	size_t nrcpt = 0, len = 0;
	const char *from = "sales@example.test", *file = NULL;
	char *tag = NULL, *errstr = NULL, *filemsg = NULL;
	int ch, count = 1, i, first_fail = 0, ok = 0, failed = 0, rv,
	        wait_ms = 0;

	log_init("smtp_test", 0, 0);
	if (getenv("NUDGE_DEBUG") != NULL)
		log_set_debug(getenv("NUDGE_DEBUG"));
	memset(&p, 0, sizeof(p));
	while ((ch = getopt(argc, argv, "U:u:a:c:ks:t:H:f:r:n:m:i:w:")) != -1) {
		switch (ch) {
		case 'U':
			p.url = optarg;
			break;
		case 'u':
			p.user = optarg;
			break;
		case 'a':
			p.auth = optarg;
			break;
		case 'c':
			p.trust_file = optarg;
			break;
		case 'k':
			p.no_verify = 1;
			break;
		case 's':
			if (strcmp(optarg, "require") == 0)
				p.starttls = SMTP_STARTTLS_REQUIRE;
			else if (strcmp(optarg, "try") == 0)
				p.starttls = SMTP_STARTTLS_TRY;
			else if (strcmp(optarg, "never") == 0)
				p.starttls = SMTP_STARTTLS_NEVER;
			else
				usage();
			break;
		case 't':
			p.timeout = atoi(optarg);
			break;
		case 'H':
			p.helo = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		case 'r':
			rcpts = xreallocarray(rcpts, nrcpt + 1, sizeof(*rcpts));
			rcpts[nrcpt++] = optarg;
			break;
		case 'n':
			count = atoi(optarg);
			break;
		case 'm':
			file = optarg;
			break;
		case 'i':
			free(tag);
			tag = xstrdup(optarg);
			break;
		case 'w':
			wait_ms = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (p.url == NULL || nrcpt == 0 || count < 1 || optind != argc)
		usage();
	if (p.user != NULL &&
	    (p.password = getenv("SMTP_TEST_PASSWORD")) == NULL) {
		fprintf(stderr, "smtp_test: -u needs $SMTP_TEST_PASSWORD\n");
		exit(64);
	}
	if (tag == NULL)
		tag = xasprintf("%ld", (long)getpid());
	if (file != NULL)
		filemsg = read_file(file, &len);

	if ((rv = smtp_open(&p, &s, &errstr)) != SMTP_OK) {
		printf("open status=%s error=%s\n", smtp_status_name(rv),
		       errstr);
		free(errstr);
		smtp_global_cleanup();
		free(filemsg);
		free(tag);
		free(rcpts);
		return rv;
	}
	for (i = 1; i <= count; i++) {
		char *msg, *msgid = NULL;

		if (i > 1 && wait_ms > 0)
			usleep((useconds_t)wait_ms * 1000);
		if (filemsg != NULL) {
			msg = filemsg;
		} else {
			msg =
			    make_message(from, rcpts[0], tag, i, &len, &msgid);
		}
		rv = smtp_send(s, from, rcpts, nrcpt, msg, len, &r);
		printf("msg %d status=%s code=%d reused=%d uncertain=%d id=%s "
		       "text=%s detail=%s\n",
		       i, smtp_status_name(rv), r.code, r.reused, r.uncertain,
		       msgid != NULL ? msgid : "-", r.text, r.detail);
		if (rv == SMTP_OK) {
			ok++;
		} else {
			failed++;
			if (first_fail == 0)
				first_fail = rv;
		}
		if (msg != filemsg)
			free(msg);
		free(msgid);
	}
	printf("connections=%ld ok=%d failed=%d\n", smtp_connections(s), ok,
	       failed);
	smtp_close(s);
	smtp_global_cleanup();
	free(filemsg);
	free(tag);
	free(rcpts);
	return first_fail;
}
