/*
 * imap_test - drive agent/imap.c from the shell (integration tests,
 * benchmarks).
 *
 * usage: imap_test [-u URL] [-l USER] [-p PASS] [-t TRUSTFILE|system] [-k] [-P]
 *                  [-T SECS] COMMAND ARGS...
 *   fetch FOLDER SINCE_UID [UIDVALIDITY [MAX_BYTES [REPEAT [STOP_AFTER]]]]
 *        one line per message: "msg uid=.. size=.. len=.. truncated=..
 * rescan=.. uidvalidity=.. subject=..", then per pass "pass N: fetched=..
 * last_uid=.. uidvalidity=.. commands=.." (commands of that pass; REPEAT passes
 * reuse the connection and the returned state; STOP_AFTER: the callback stops
 *        after that many messages)
 *   find FOLDER MESSAGE-ID         "found=1" or "found=0"
 *   append FOLDER FILE             APPEND FILE with \Seen: "appended"
 *   idle FOLDER SECS [WAKE_MS]     "idle woke=W after S.SSS s at=EPOCH.SSS"
 *                                  (WAKE_MS: extra_fd becomes readable then)
 *   special [USE]                  "special \Sent=NAME"
 *   caps                           "caps idle=.. uidplus=.. special_use=..
 * condstore=.." Defaults come from the environment: IMAP_URL IMAP_USER
 * IMAP_PASS IMAP_TRUST (a PEM file, or "system"), IMAP_VERIFY=0 (= -k),
 * IMAP_ALLOW_PLAIN=1 (= -P). Every command also prints "connect commands=N".
 * Exit: 0 ok, 2 usage, 10 + the IMAP_E* code (11 ENET, 12 ETLS, 13 EAUTH,
 * 14 EPROTO, 15 ENOTFOUND, 16 ENOTSUP).
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "imap.h"
#include "log.h"
#include "xalloc.h"

struct fstate {
	unsigned long n;
	unsigned long stop_after;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* the Subject header's first line, printable ASCII only */
static void
subject(const char *d, size_t len, char *out, size_t olen)
{
	size_t i = 0, k;

	*out = '\0';
	for (k = 0; k + 8 < len; k++) {
		if ((k == 0 || d[k - 1] == '\n') &&
		    strncasecmp(d + k, "Subject:", 8) == 0) {
			k += 8;
			while (k < len && d[k] == ' ')
				k++;
			for (; k < len && d[k] != '\r' && d[k] != '\n' &&
			       i + 1 < olen;
			     k++)
				out[i++] =
				    (d[k] >= 0x20 && d[k] < 0x7f) ? d[k] : '?';
			out[i] = '\0';
			return;
		}
		if ((k == 0 || d[k - 1] == '\n') &&
		    (d[k] == '\r' || d[k] == '\n'))
			return; /* end of header */
	}
}

static int
print_msg(const struct imap_msg *m, void *arg)
{
	struct fstate *st = arg;
	char subj[120];

	if (st->stop_after > 0 && st->n >= st->stop_after)
		return 1;
	subject(m->data, m->len, subj, sizeof subj);
	printf(
	    "msg uid=%u size=%u len=%zu truncated=%d rescan=%d uidvalidity=%u "
	    "subject=%s\n",
	    m->uid, m->size, m->len, m->truncated, m->rescan, m->uidvalidity,
	    subj);
	if (getenv("IMAP_TEST_DUMP") != NULL) {
		fwrite(m->data, 1, m->len, stdout);
		printf("\n--end--\n");
	}
	st->n++;
	return 0;
}

static int
usage(void)
{
	fprintf(
	    stderr,
	    "usage: imap_test [-u URL] [-l USER] [-p PASS] [-t TRUST|system] "
	    "[-k] [-P] [-T SECS] fetch|find|append|idle|special|caps "
	    "ARGS...\n");
	return 2;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char tmp[8192];
	size_t n;

	if (f == NULL)
		return NULL;
	buf_init(&b);
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	*len = b.len;
	return buf_steal(&b);
}

int
main(int argc, char **argv)
{
	struct imap_params p;
	struct imap_conn *c = NULL;
	char *errstr = NULL, *trust;
	unsigned long before, after;
	int ch, code = IMAP_OK;
	double t0;

	log_init("imap_test", 0, 0);
	memset(&p, 0, sizeof p);
	p.url = getenv("IMAP_URL");
	p.user = getenv("IMAP_USER");
	p.password = getenv("IMAP_PASS");
	trust = getenv("IMAP_TRUST");
	p.verify = getenv("IMAP_VERIFY") == NULL ||
	           strcmp(getenv("IMAP_VERIFY"), "0") != 0;
	p.allow_plain = getenv("IMAP_ALLOW_PLAIN") != NULL &&
	                strcmp(getenv("IMAP_ALLOW_PLAIN"), "1") == 0;
	p.timeout = 10;
	while ((ch = getopt(argc, argv, "u:l:p:t:kPT:")) != -1) {
		switch (ch) {
		case 'u':
			p.url = optarg;
			break;
		case 'l':
			p.user = optarg;
			break;
		case 'p':
			p.password = optarg;
			break;
		case 't':
			trust = optarg;
			break;
		case 'k':
			p.verify = 0;
			break;
		case 'P':
			p.allow_plain = 1;
			break;
		case 'T':
			p.timeout = atoi(optarg);
			break;
		default:
			return usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return usage();
	p.trust_file =
	    (trust == NULL || strcmp(trust, "system") == 0) ? NULL : trust;

	t0 = now();
	code = imap_connect(&p, &c, &errstr);
	if (code != IMAP_OK)
		goto exit;
	imap_stats(c, &before);
	printf("connect commands=%lu time=%.3f\n", before, now() - t0);

	if (strcmp(argv[0], "fetch") == 0 && argc >= 3) {
		uint32_t uv =
		    argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 0;
		uint32_t last = (uint32_t)strtoul(argv[2], NULL, 10);
		size_t max = argc > 4 ? strtoul(argv[4], NULL, 10) : 65536;
		int pass, passes = argc > 5 ? atoi(argv[5]) : 1;
		struct fstate st = {0,
		                    argc > 6 ? strtoul(argv[6], NULL, 10) : 0};

		for (pass = 1; pass <= passes && code == IMAP_OK; pass++) {
			imap_stats(c, &before);
			st.n = 0;
			t0 = now();
			code = imap_fetch_new(c, argv[1], &uv, &last, max,
			                      print_msg, &st, &errstr);
			imap_stats(c, &after);
			if (code == IMAP_OK)
				printf("pass %d: fetched=%lu last_uid=%u "
				       "uidvalidity=%u commands=%lu "
				       "time=%.4f\n",
				       pass, st.n, last, uv, after - before,
				       now() - t0);
		}
	} else if (strcmp(argv[0], "find") == 0 && argc == 3) {
		int found = 0;

		code =
		    imap_find_message_id(c, argv[1], argv[2], &found, &errstr);
		if (code == IMAP_OK)
			printf("found=%d\n", found);
	} else if (strcmp(argv[0], "append") == 0 && argc == 3) {
		size_t len;
		char *msg = slurp(argv[2], &len);

		if (msg == NULL) {
			perror(argv[2]);
			code = IMAP_EPROTO;
			goto exit;
		}
		code = imap_append(c, argv[1], msg, len, 1, &errstr);
		free(msg);
		if (code == IMAP_OK)
			printf("appended\n");
	} else if (strcmp(argv[0], "idle") == 0 && (argc == 3 || argc == 4)) {
		int woke = 0, pfd[2] = {-1, -1};
		pid_t kid = -1;

		/* WAKE_MS: a child writes to a pipe after that long (the
		 * self-pipe a signal handler would use) */
		if (argc == 4) {
			if (pipe(pfd) == -1) {
				perror("pipe");
				return 1;
			}
			kid = fork();
			if (kid == 0) {
				usleep((useconds_t)atoi(argv[3]) * 1000);
				if (write(pfd[1], "x", 1) != 1)
					_exit(1);
				_exit(0);
			}
		}
		printf("idle start\n");
		fflush(stdout);
		t0 = now();
		code = imap_idle(c, argv[1], atoi(argv[2]), pfd[0], &woke,
		                 &errstr);
		if (code == IMAP_OK) {
			struct timespec wall;

			clock_gettime(CLOCK_REALTIME, &wall);
			printf("idle woke=%d after %.3f s at=%.3f\n", woke,
			       now() - t0,
			       (double)wall.tv_sec + wall.tv_nsec / 1e9);
		}
		if (kid > 0)
			waitpid(kid, NULL, 0);
		if (pfd[0] != -1) {
			close(pfd[0]);
			close(pfd[1]);
		}
	} else if (strcmp(argv[0], "special") == 0 && argc <= 2) {
		const char *use = argc == 2 ? argv[1] : "\\Sent";
		char *name = NULL;

		code = imap_special_folder(c, use, &name, &errstr);
		if (code == IMAP_OK)
			printf("special %s=%s\n", use, name);
		free(name);
	} else if (strcmp(argv[0], "caps") == 0) {
		printf("caps idle=%d uidplus=%d special_use=%d condstore=%d\n",
		       imap_has_idle(c), imap_has_uidplus(c),
		       imap_has_special_use(c), imap_has_condstore(c));
	} else {
		imap_close(c);
		return usage();
	}
exit:
	if (code != IMAP_OK) {
		printf("error code=%d: %s\n", code, errstr);
		fprintf(stderr, "imap_test: %s\n", errstr);
		free(errstr);
	}
	imap_close(c);
	fflush(stdout);
	return code == IMAP_OK ? 0 : 10 + code;
}
