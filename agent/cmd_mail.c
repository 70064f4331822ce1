/* cmd_mail - the mail commands: tick, run, status, preview, template check,
 * outbox, classify */
#include "autoconf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "agent.h"
#include "clock.h"
#include "commands.h"
#include "craft.h"
#include "json.h"
#include "log.h"
#include "template.h"
#include "xalloc.h"

/* ---- one agent per database: a lock on the database file itself
 *
 * The lock is flock(2) on the database file, so every name that reaches it (a
 * symlink, another path) finds it taken; a database with a second hard link is
 * refused outright, because SQLite names its WAL after the path and two names
 * would mean two WAL files for one database.  flock and SQLite's own fcntl
 * locks do not interact on Linux.  The descriptor is never closed before exit:
 * closing any descriptor of the file would drop SQLite's fcntl locks in this
 * process.  DB.lock (next to the real file) only records the holder's pid for
 * messages. */

static int lock_fd = -1;

/* lock_open: open the database file for locking (once per process), check it
 * is a regular file with one link.  Returns the descriptor or -1 after
 * printing why (*code = the exit status). */
static int
lock_open(struct nudge *n, const char *what, int *code)
{
	struct stat sb;

	if (lock_fd != -1)
		return lock_fd;
	lock_fd = open(n->db_path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (lock_fd == -1 || fstat(lock_fd, &sb) == -1) {
		fprintf(stderr, "nudge %s: %s: %s\n", what, n->db_path,
		    strerror(errno));
		*code = EX_NOINPUT;
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		fprintf(stderr, "nudge %s: %s: not a regular file\n", what,
		    n->db_path);
		*code = EX_CONFIG;
		goto fail;
	}
	if (sb.st_nlink > 1) {
		fprintf(stderr, "nudge %s: %s has %lu hard links: two names for "
				"one database would give it two write-ahead logs; "
				"remove the other links (use a symbolic link)\n",
		    what, n->db_path, (unsigned long)sb.st_nlink);
		*code = EX_CONFIG;
		goto fail;
	}
	return lock_fd;
fail:
	if (lock_fd != -1)
		close(lock_fd); /* nothing of SQLite is locked yet here */
	lock_fd = -1;
	return -1;
}

/* pid_path: DB.lock next to the real database file (symlinks resolved). */
static char *
pid_path(struct nudge *n)
{
	char *real = realpath(n->db_path, NULL), *p;

	p = xasprintf("%s.lock", real ? real : n->db_path);
	free(real);
	return p;
}

static long
read_pid(struct nudge *n)
{
	char *path = pid_path(n), buf[32];
	ssize_t k = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	free(path);
	if (fd != -1) {
		k = read(fd, buf, sizeof buf - 1);
		close(fd);
	}
	buf[k > 0 ? k : 0] = '\0';
	return atol(buf);
}

/* agent_lock: lock the database file; on failure say who holds it.  Returns
 * EX_OK, EX_TEMPFAIL (another agent), or EX_CONFIG/EX_NOINPUT. */
static int
agent_lock(struct nudge *n, const char *what)
{
	char *path, buf[32];
	long pid;
	int fd, code = EX_OK;

	if ((fd = lock_open(n, what, &code)) == -1)
		return code;
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		pid = read_pid(n);
		if (pid > 0)
			snprintf(buf, sizeof buf, "pid %ld", pid);
		else
			snprintf(buf, sizeof buf, "pid ?");
		fprintf(stderr, "nudge %s: another agent (%s) is working on "
				"%s\n",
		    what, buf, n->db_path);
		return EX_TEMPFAIL;
	}
	path = pid_path(n);
	snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1 || write(fd, buf, strlen(buf)) == -1)
		log_warn("%s", path);
	if (fd != -1)
		close(fd);
	free(path);
	return EX_OK;
}

/* lock_holder: the pid of a running agent, -1 when one runs but its pid is
 * unknown, or 0. */
static long
lock_holder(struct nudge *n)
{
	int fd, code;
	long pid;

	if ((fd = lock_open(n, "status", &code)) == -1)
		return 0;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		flock(fd, LOCK_UN);
		return 0;
	}
	pid = read_pid(n);
	return pid > 0 ? pid : -1;
}

/* agent_exit: the exit code for an AGENT_* result; a database fault is
 * EX_TEMPFAIL when another process held a lock, else EX_IOERR. */
static int
agent_exit(struct nudge *n, int rc)
{
	switch (rc) {
	case AGENT_OK: return EX_OK;
	case AGENT_ENET: return EX_TEMPFAIL;
	case AGENT_ECONFIG: return EX_CONFIG;
	case AGENT_EDB: return store_busy(n->st) ? EX_TEMPFAIL : EX_IOERR;
	default: return EX_SOFTWARE;
	}
}

static void
report_text(const struct agent_report *r, int dry)
{
	printf("%s%d new message%s (%d replies, %d out of office, %d bounces, "
	       "%d unsubscribes); %d %ssent, %d deferred, %d held, %d failed, "
	       "%d unknown%s\n",
	    dry ? "dry run: " : "", r->messages, r->messages == 1 ? "" : "s",
	    r->replies, r->auto_replies, r->bounces, r->unsubscribes,
	    r->out.sent, dry ? "would be " : "", r->out.deferred, r->out.held,
	    r->out.failed, r->out.unknown,
	    r->out.capped ? " (daily cap reached)" : "");
}

static void
report_json(const struct agent_report *r)
{
	struct buf b;
	int f = 1;

	buf_init(&b);
	buf_addc(&b, '{');
	json_ki(&b, &f, "messages", r->messages);
	json_ki(&b, &f, "replies", r->replies);
	json_ki(&b, &f, "auto_replies", r->auto_replies);
	json_ki(&b, &f, "bounces", r->bounces);
	json_ki(&b, &f, "unsubscribes", r->unsubscribes);
	json_ki(&b, &f, "sent", r->out.sent);
	json_ki(&b, &f, "deferred", r->out.deferred);
	json_ki(&b, &f, "held", r->out.held);
	json_ki(&b, &f, "failed", r->out.failed);
	json_ki(&b, &f, "unknown", r->out.unknown);
	json_ki(&b, &f, "skipped", r->out.skipped);
	json_kb(&b, &f, "capped", r->out.capped);
	buf_adds(&b, "}\n");
	fputs(b.s, stdout);
	buf_free(&b);
}

/* num_arg: OPT's value s as a whole number in min..max into *out; else says
 * so on stderr and returns -1 (EX_USAGE for the caller). */
static int
num_arg(const char *cmd, const char *opt, const char *s, long min, long max,
    long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max) {
		fprintf(stderr, "nudge %s: %s '%s': want a number from %ld "
				"to %ld\n",
		    cmd, opt, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* ---- tick */

static const char usage_tick[] =
    "usage: nudge tick [--dry-run] [--no-throttle] [--no-sync] [--max N]\n"
    "\n"
    "One pass, for cron or a systemd timer: read what is new in the watched\n"
    "folders and act on it (a reply stops the lead, an out-of-office pauses\n"
    "it, a bounce or an unsubscribe retires it), then send every email touch\n"
    "that is due, inside each lead's sending window and the daily cap.  The\n"
    "mailbox is read again right before each send.\n"
    "  --dry-run      render and report; send nothing, change nothing\n"
    "  --no-throttle  no daily cap and no gap between sends (tests, benches)\n"
    "  --no-sync      do not read the mailbox first\n"
    "  --max N        send at most N messages in this pass\n";

static volatile int stop_flag;
static volatile int reload_flag;
static int wake_pipe[2] = {-1, -1};

static void
on_signal(int sig)
{
	int saved = errno;

	if (sig == SIGHUP)
		reload_flag = 1;
	else
		stop_flag = 1;
	if (wake_pipe[1] != -1 && write(wake_pipe[1], "x", 1) == -1) {
		/* the pipe is full: a wake-up is pending anyway */
	}
	errno = saved;
}

static void
catch_signals(void)
{
	struct sigaction sa;

	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) == -1)
		wake_pipe[0] = wake_pipe[1] = -1;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* warn_no_imap: once per tick or run: without imap_url no reply is seen. */
static void
warn_no_imap(struct nudge *n)
{
	if (n->cfg->imap_url == NULL)
		log_warnx("no imap_url in %s: replies cannot be detected, so "
			  "leads who answer keep getting follow-ups",
		    n->config_path);
}

int
cmd_tick(struct nudge *n, int argc, char **argv)
{
	struct agent_opts o;
	struct agent_report r;
	struct agent *a = NULL;
	char *err = NULL;
	int rc, i;

	if (cli_help(argc, argv, usage_tick))
		return EX_OK;
	memset(&o, 0, sizeof o);
	o.wake_fd = -1;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0)
			o.dry_run = 1;
		else if (strcmp(argv[i], "--no-throttle") == 0)
			o.no_throttle = 1;
		else if (strcmp(argv[i], "--no-sync") == 0)
			o.no_sync = 1;
		else if (strcmp(argv[i], "--max") == 0 && i + 1 < argc) {
			long v;
			if (num_arg("tick", "--max", argv[++i], 1, 1000000,
				&v) == -1)
				return EX_USAGE;
			o.max_send = (int)v;
		} else {
			fputs(usage_tick, stderr);
			return EX_USAGE;
		}
	}
	catch_signals(); /* first: a SIGTERM from here on is a clean stop */
	if ((rc = cli_open(n, 1)) != EX_OK)
		return rc;
	if (!o.dry_run && (rc = agent_lock(n, "tick")) != EX_OK)
		return rc;
	warn_no_imap(n);
	o.stop = &stop_flag;
	if (agent_open(n, &o, &a, &err) != AGENT_OK) {
		fprintf(stderr, "nudge tick: %s\n", err);
		free(err);
		return EX_CONFIG;
	}
	memset(&r, 0, sizeof r);
	rc = agent_tick(a, &r, &err);
	if (n->json)
		report_json(&r);
	else
		report_text(&r, o.dry_run);
	if (rc != AGENT_OK) {
		fprintf(stderr, "nudge tick: %s\n", err ? err : "failed");
		free(err);
	}
	agent_close(a);
	return agent_exit(n, rc);
}

/* ---- run */

static const char usage_run[] =
    "usage: nudge run [--syslog] [--no-throttle] [--cycles N]\n"
    "\n"
    "The agent: watch the mailbox with IMAP IDLE (polling where the server\n"
    "has none), act on every answer within seconds, send what is due inside\n"
    "the sending window, and sleep until the next due touch.  Network faults\n"
    "are retried with exponential backoff.  SIGTERM or SIGINT finish the\n"
    "current send and exit; SIGHUP reloads the config, templates and rules.\n"
    "One agent per database: a second one says which process holds it.\n"
    "Logs go to stderr, or to syslog (facility mail) with --syslog.\n"
    "--cycles N runs N passes back to back and exits, printing the peak\n"
    "memory (a test aid: memory must stay flat).\n";

int
cmd_run(struct nudge *n, int argc, char **argv)
{
	struct agent_opts o;
	struct agent *a = NULL;
	char *err = NULL;
	long cycles = 0;
	int rc;

	if (cli_help(argc, argv, usage_run))
		return EX_OK;
	memset(&o, 0, sizeof o);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--no-throttle") == 0)
			o.no_throttle = 1;
		else if (strcmp(argv[i], "--cycles") == 0 && i + 1 < argc) {
			if (num_arg("run", "--cycles", argv[++i], 1, 100000000,
				&cycles) == -1)
				return EX_USAGE;
		} else {
			fputs(usage_run, stderr);
			return EX_USAGE;
		}
	}
	catch_signals(); /* first: a SIGTERM from here on is a clean stop */
	if ((rc = cli_open(n, 1)) != EX_OK)
		return rc;
	if ((rc = agent_lock(n, "run")) != EX_OK)
		return rc;
	warn_no_imap(n);
	o.stop = &stop_flag;
	o.wake_fd = wake_pipe[0];
	for (;;) {
		if (agent_open(n, &o, &a, &err) != AGENT_OK) {
			fprintf(stderr, "nudge run: %s\n", err);
			free(err);
			return EX_CONFIG;
		}
		log_info("agent started (pid %ld, database %s)", (long)getpid(),
		    n->db_path);
		rc = agent_run(a, &stop_flag, &reload_flag, cycles);
		agent_close(a);
		a = NULL;
		if (stop_flag || cycles > 0)
			break;
		if (reload_flag) {
			/* SIGHUP: a new configuration, or the old one if the
			 * new one is broken */
			struct nudge fresh;
			reload_flag = 0;
			if (cli_open(&fresh, 1) != EX_OK) {
				log_warnx("reload failed; keeping the running "
					  "configuration");
				lc_free(&fresh);
			} else {
				lc_free(n);
				*n = fresh;
				log_info("configuration reloaded");
			}
		}
	}
	if (cycles > 0) {
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		printf("%ld cycles, max RSS %ld KB\n", cycles, ru.ru_maxrss);
	}
	log_info("agent stopped");
	return rc == 0 ? EX_OK : EX_SOFTWARE;
}

/* ---- status */

static const char usage_status[] =
    "usage: nudge status [--json]\n"
    "\n"
    "Is an agent running, when the mailbox was last read (and whether replies\n"
    "can be detected at all: not without imap_url), the next due touch,\n"
    "emails sent today against the daily cap, outbox items awaiting your\n"
    "review, messages in the review queue, manual tasks skipped because\n"
    "they were not logged in time, and leads by status.\n";

struct count_ctx {
	int n;
};

static int
count_one(const struct touch *t, const struct lead *l, void *arg)
{
	(void)t;
	(void)l;
	((struct count_ctx *)arg)->n++;
	return 0;
}

int
cmd_status(struct nudge *n, int argc, char **argv)
{
	int counts[STORE_NSTATUS], sent = 0, rc, reviews = 0, unlogged = 0;
	struct count_ctx unknown = {0}, failed = {0};
	struct touch *next = NULL;
	struct lead *nl = NULL;
	char *last = NULL, *err = NULL;
	long pid;
	time_t now;

	if (cli_help(argc, argv, usage_status))
		return EX_OK;
	if (argc > 1) {
		fputs(usage_status, stderr);
		return EX_USAGE;
	}
	if ((rc = cli_open(n, 0)) != EX_OK)
		return rc;
	now = clock_now();
	pid = lock_holder(n);
	if (store_lead_count_by_status(n->st, counts, &err) != STORE_OK ||
	    store_touch_count_sent_since(n->st,
		clock_at(clock_day_of(now, n->tz), 0, n->tz), &sent, &err) !=
		STORE_OK ||
	    store_touch_list_state(n->st, TOUCH_UNKNOWN, count_one, &unknown,
		&err) != STORE_OK ||
	    store_touch_list_state(n->st, TOUCH_FAILED, count_one, &failed, &err) !=
		STORE_OK ||
	    store_review_count(n->st, 0, &reviews, &err) != STORE_OK ||
	    store_touch_count_unlogged(n->st, &unlogged, &err) != STORE_OK) {
		fprintf(stderr, "nudge: %s\n", err);
		free(err);
		return EX_SOFTWARE;
	}
	if (store_touch_next_due(n->st, 0, &next, NULL) == STORE_OK)
		store_lead_get_id(n->st, next->lead_id, &nl, NULL);
	store_meta_get(n->st, "last_sync", &last, NULL);
	if (n->json) {
		struct buf b;
		int f = 1, g = 1;

		buf_init(&b);
		buf_addc(&b, '{');
		json_kb(&b, &f, "running", pid != 0);
		json_kb(&b, &f, "replies_detected", n->cfg->imap_url != NULL);
		json_ki(&b, &f, "pid", pid > 0 ? pid : 0);
		json_kv(&b, &f, "last_sync",
		    last ? cli_time(n, (time_t)atoll(last)) : NULL);
		json_kv(&b, &f, "next_due", next ? cli_time(n, next->due) : NULL);
		json_kv(&b, &f, "next_lead", nl ? nl->email : NULL);
		json_ki(&b, &f, "sent_today", sent);
		json_ki(&b, &f, "daily_cap", n->cfg->daily_cap);
		json_ki(&b, &f, "outbox_unknown", unknown.n);
		json_ki(&b, &f, "outbox_failed", failed.n);
		json_ki(&b, &f, "reviews", reviews);
		json_ki(&b, &f, "tasks_skipped", unlogged);
		json_key(&b, &f, "leads");
		buf_addc(&b, '{');
		for (int i = 0; i < STORE_NSTATUS; i++)
			json_ki(&b, &g, store_lead_status[i], counts[i]);
		buf_adds(&b, "}}\n");
		fputs(b.s, stdout);
		buf_free(&b);
	} else {
		if (pid > 0)
			printf("agent:      running (pid %ld)\n", pid);
		else
			printf("agent:      %s\n", pid ? "running" : "not running");
		printf("last sync:  %s\n",
		    last ? cli_time(n, (time_t)atoll(last)) : "never");
		if (n->cfg->imap_url == NULL)
			printf("replies:    NOT DETECTED: no imap_url is "
			       "configured, so leads who answer keep getting "
			       "follow-ups\n");
		if (next)
			out_printf(stdout, "next due:   %s stage %s to %s\n",
			    cli_time(n, next->due), next->stage,
			    nl ? nl->email : "?");
		else
			printf("next due:   nothing planned\n");
		printf("sent today: %d of %ld\n", sent, n->cfg->daily_cap);
		printf("outbox:     %d awaiting review, %d failed%s\n",
		    unknown.n, failed.n,
		    unknown.n + failed.n ? " (nudge outbox)" : "");
		printf("review:     %d message%s%s\n", reviews,
		    reviews == 1 ? "" : "s",
		    reviews ? " awaiting your decision (nudge review)" : "");
		printf("tasks:      %d skipped, not logged within %d business "
		       "day%s\n",
		    unlogged, n->cfg->task_grace,
		    n->cfg->task_grace == 1 ? "" : "s");
		printf("leads:     ");
		for (int i = 0; i < STORE_NSTATUS; i++)
			printf(" %d %s%s", counts[i], store_lead_status[i],
			    i + 1 < STORE_NSTATUS ? "," : "\n");
	}
	free(last);
	touch_free(next);
	lead_free(nl);
	return EX_OK;
}

/* ---- preview */

static const char usage_preview[] =
    "usage: nudge preview EMAIL [--stage S]\n"
    "\n"
    "Print the exact message the lead's next email touch (or stage S) would\n"
    "send now, headers included.  Nothing is sent or changed (the Message-ID\n"
    "shown is a fresh one).\n";

int
cmd_preview(struct nudge *n, int argc, char **argv)
{
	const char *email = NULL, *stage = NULL;
	const struct sequence *seq;
	struct outbox *ox = NULL;
	struct outbox_msg m;
	struct touch t;
	struct lead *l;
	char label[16], *err = NULL;
	int rc;

	if (cli_help(argc, argv, usage_preview))
		return EX_OK;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--stage") == 0 && i + 1 < argc)
			stage = argv[++i];
		else if (argv[i][0] != '-' && email == NULL)
			email = argv[i];
		else {
			fputs(usage_preview, stderr);
			return EX_USAGE;
		}
	}
	if (email == NULL) {
		fputs(usage_preview, stderr);
		return EX_USAGE;
	}
	if ((rc = cli_open(n, 1)) != EX_OK)
		return rc;
	if ((l = cli_lead(n, email)) == NULL)
		return EX_DATAERR;
	if (lc_sequence(n, l->sequence, &seq, &err) != LC_OK) {
		lead_free(l);
		return cli_fail_tx(n, err, EX_CONFIG);
	}
	if (stage) {
		size_t step;
		int x;
		if (cadence_stage_parse(seq, stage, &step, &x) != 0) {
			fprintf(stderr, "nudge preview: no stage '%s' in "
					"sequence %s\n", stage, seq->name);
			lead_free(l);
			return EX_USAGE;
		}
		l->step = (int)step;
		l->xcount = x;
	} else if ((size_t)l->step >= seq->nsteps) {
		fprintf(stderr, "nudge preview: %s has no next stage\n", email);
		lead_free(l);
		return EX_DATAERR;
	}
	cadence_stage_label(seq, (size_t)l->step, l->xcount, label, sizeof label);
	if (!cadence_step_has(&seq->steps[l->step], CHANNEL_EMAIL)) {
		fprintf(stderr, "nudge preview: stage %s has no email\n", label);
		lead_free(l);
		return EX_DATAERR;
	}
	memset(&t, 0, sizeof t);
	t.lead_id = l->id;
	t.stage = label;
	t.channel = (char *)"email";
	outbox_open(n, NULL, &ox, &err);
	rc = outbox_render(ox, &t, l, clock_now(), &m, &err);
	outbox_close(ox);
	lead_free(l);
	if (rc != OUTBOX_OK) {
		fprintf(stderr, "nudge preview: %s\n", err);
		free(err);
		return rc == OUTBOX_EHOLD ? EX_DATAERR : EX_CONFIG;
	}
	if (m.value_item)
		fprintf(stderr, "nudge preview: stage %s carries value item "
				"%s (%s/value/%s.md)\n",
		    label, m.value_item, n->templates_dir, m.value_item);
	/* the exact bytes into a file or a pipe; made safe for a terminal */
	if (isatty(STDOUT_FILENO))
		out_write(stdout, m.text, m.len);
	else
		fwrite(m.text, 1, m.len, stdout);
	outbox_msg_free(&m);
	return EX_OK;
}

/* ---- template check */

static const char usage_template[] =
    "usage: nudge template check [DIR]\n"
    "\n"
    "Lint every template in DIR (default: the configured templates/, and its\n"
    "sequence subdirectories such as after-contact/): unknown\n"
    "variables, a missing Subject, bad UTF-8, unbalanced braces, a bad\n"
    "Answers: header, a sender variable ({{sender.phone}}) the config does\n"
    "not set, and the value library (each draft or example item is named: it\n"
    "is never sent).  Each problem is printed as file:line.  Exit 65 if any\n"
    "template is broken or uses an unconfigured sender variable (warnings\n"
    "alone exit 0).\n";

/* scan_templates: add the template files of dir (and, at the top, of its
 * subdirectories other than value/) to names. */
static void
scan_templates(const char *dir, char ***names, size_t *n, int top)
{
	struct dirent *e;
	struct stat sb;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char *path;

		if (e->d_name[0] == '.' || strcmp(e->d_name, "README") == 0)
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			if (top && strcmp(e->d_name, "value") != 0)
				scan_templates(path, names, n, 0);
			free(path);
			continue;
		}
		if (strchr(e->d_name, '.') == NULL) {
			free(path);
			continue;
		}
		*names = xreallocarray(*names, *n + 1, sizeof **names);
		(*names)[(*n)++] = path;
	}
	closedir(d);
}

static int
cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
cmd_template(struct nudge *n, int argc, char **argv)
{
	const char *dir = NULL;
	char **names = NULL, **msgs = NULL, *err = NULL, *vdir;
	size_t nnames = 0, nmsgs = 0, nvalues = 0;
	struct value_item *values = NULL;
	const char *sender[8];
	size_t nsender = 0;
	int errors = 0, rc;
	DIR *d;

	if (cli_help(argc, argv, usage_template))
		return EX_OK;
	if (argc < 2 || strcmp(argv[1], "check") != 0 || argc > 3) {
		fputs(usage_template, stderr);
		return EX_USAGE;
	}
	if (argc == 3) {
		dir = argv[2];
		/* the config, when there is one, says which sender.* values
		 * are configured */
		if (cli_open_nodb(n, 0) != EX_OK)
			n->cfg = NULL;
	} else {
		if ((rc = cli_open_nodb(n, 0)) != EX_OK)
			return rc;
		dir = n->templates_dir;
	}
	if (n->cfg && n->cfg->from_addr)
		nsender = craft_sender_set(n->cfg, sender);
	else
		printf("note: no config: the sender.* variables are not "
		       "checked\n");
	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "nudge template check: %s: %s\n", dir,
		    strerror(errno));
		return EX_NOINPUT;
	}
	closedir(d);
	/* the templates in dir, and in its sequence subdirectories
	 * (templates/after-contact/); value/ is the value library */
	scan_templates(dir, &names, &nnames, 1);
	if (nnames > 1)
		qsort(names, nnames, sizeof *names, cmp_strp);
	for (size_t i = 0; i < nnames; i++) {
		struct template *t;
		if (template_load(names[i], &t, &err) != TEMPLATE_OK) {
			printf("%s\n", err);
			free(err);
			err = NULL;
			errors++;
		} else {
			template_check(t, NULL, 0, &msgs, &nmsgs);
			if (n->cfg && n->cfg->from_addr)
				errors += (int)template_check_sender(t, sender,
				    nsender, &msgs, &nmsgs);
			template_free(t);
		}
		free(names[i]);
	}
	free(names);
	for (size_t i = 0; i < nmsgs; i++) {
		printf("%s\n", msgs[i]);
		free(msgs[i]);
	}
	free(msgs);
	msgs = NULL;
	vdir = xasprintf("%s/value", dir);
	if (value_load_dir(vdir, &values, &nvalues, &err) != TEMPLATE_OK) {
		printf("%s\n", err);
		free(err);
		errors++;
	} else if (nvalues < 1) {
		printf("%s: warning: the value library is empty: X emails "
		       "have nothing to offer\n", vdir);
		nmsgs++;
	} else {
		size_t ok = 0;
		for (size_t i = 0; i < nvalues; i++) {
			const char *why = value_blocked(&values[i]);
			if (why) {
				printf("%s/%s.md: warning: never sent: %s\n",
				    vdir, values[i].name, why);
				nmsgs++;
			} else
				ok++;
		}
		if (ok == 0)
			printf("%s: warning: no item can be sent yet: every X "
			       "touch will be held until you add one\n", vdir);
	}
	value_free(values, nvalues);
	free(vdir);
	printf("%zu template%s checked: %d broken, %zu warning%s\n",
		    nnames, nnames == 1 ? "" : "s", errors, nmsgs,
		    nmsgs == 1 ? "" : "s");
	return errors ? EX_DATAERR : EX_OK;
}

/* ---- outbox */

static const char usage_outbox[] =
    "usage: nudge outbox [--json]\n"
    "       nudge outbox resolve ID --sent|--resend\n"
    "\n"
    "List the sends that need your word: 'unknown' ones (the process stopped\n"
    "mid-send, or the server did not answer after the message went out: it may\n"
    "or may not have arrived) and 'failed' ones (the server refused; the reason\n"
    "is shown).  Nothing of these is ever sent again by itself.\n"
    "  resolve ID --sent     it did arrive: record it as sent (the stage is done)\n"
    "  resolve ID --resend   send it again: an unknown one unchanged (same\n"
    "                        Message-ID), a failed one rendered afresh\n"
    "An item in state 'sending' is never resolved by hand: the next tick or\n"
    "run settles it (sent if found in the Sent folder, else unknown).\n";

struct outbox_ctx {
	struct nudge *n;
	struct buf b;
	int first, count;
};

static int
outbox_one(const struct touch *t, const struct lead *l, void *arg)
{
	struct outbox_ctx *c = arg;
	int f = 1;

	if (strcmp(t->channel, "email") != 0)
		return 0;
	if (c->n->json) {
		buf_adds(&c->b, c->first ? "[\n" : ",\n");
		buf_addc(&c->b, '{');
		json_ki(&c->b, &f, "id", t->id);
		json_kv(&c->b, &f, "email", l->email);
		json_kv(&c->b, &f, "stage", t->stage);
		json_kv(&c->b, &f, "state", touch_state_name(t->state));
		json_kv(&c->b, &f, "subject", t->subject);
		json_kv(&c->b, &f, "message_id", t->message_id);
		json_kv(&c->b, &f, "error", t->error);
		buf_addc(&c->b, '}');
	} else
		buf_printf(&c->b, "%6lld  %-8s %-4s %-30s %s\n        %s\n",
		    (long long)t->id, touch_state_name(t->state), t->stage, l->email,
		    t->message_id ? t->message_id : "-",
		    t->error ? t->error : "");
	c->first = 0;
	c->count++;
	return 0;
}

int
cmd_outbox(struct nudge *n, int argc, char **argv)
{
	struct outbox_ctx c;
	char *err = NULL;
	int rc;

	if (cli_help(argc, argv, usage_outbox))
		return EX_OK;
	if (argc >= 2 && strcmp(argv[1], "resolve") == 0) {
		struct outbox *ox = NULL;
		int sent;
		char *end;
		long long id;

		if (argc != 4 || (strcmp(argv[3], "--sent") != 0 &&
				     strcmp(argv[3], "--resend") != 0)) {
			fputs(usage_outbox, stderr);
			return EX_USAGE;
		}
		id = strtoll(argv[2], &end, 10);
		if (*end != '\0' || id <= 0) {
			fprintf(stderr, "nudge outbox: '%s' is not an item "
					"number\n", argv[2]);
			return EX_USAGE;
		}
		sent = strcmp(argv[3], "--sent") == 0;
		if ((rc = cli_open(n, 1)) != EX_OK)
			return rc;
		outbox_open(n, NULL, &ox, &err);
		rc = outbox_resolve(ox, (int64_t)id, sent, &err);
		outbox_close(ox);
		if (rc != OUTBOX_OK) {
			fprintf(stderr, "nudge outbox: %s\n", err);
			free(err);
			return rc == OUTBOX_ECONFIG ? EX_DATAERR : EX_SOFTWARE;
		}
		printf("item %lld: %s\n", id,
		    sent ? "recorded as sent" : "queued to be sent again");
		return EX_OK;
	}
	if (argc > 1) {
		fputs(usage_outbox, stderr);
		return EX_USAGE;
	}
	if ((rc = cli_open(n, 0)) != EX_OK)
		return rc;
	memset(&c, 0, sizeof c);
	c.n = n;
	c.first = 1;
	buf_init(&c.b);
	if (store_touch_list_state(n->st, TOUCH_UNKNOWN, outbox_one, &c, &err) !=
		STORE_OK ||
	    store_touch_list_state(n->st, TOUCH_SENDING, outbox_one, &c, &err) !=
		STORE_OK ||
	    store_touch_list_state(n->st, TOUCH_FAILED, outbox_one, &c, &err) !=
		STORE_OK) {
		buf_free(&c.b);
		fprintf(stderr, "nudge: %s\n", err);
		free(err);
		return EX_SOFTWARE;
	}
	if (n->json)
		buf_adds(&c.b, c.first ? "[]\n" : "\n]\n");
	else if (c.count == 0)
		buf_adds(&c.b, "Nothing awaits your review.\n");
	if (n->json)
		fwrite(c.b.s, 1, c.b.len, stdout);
	else
		out_write(stdout, c.b.s, c.b.len);
	buf_free(&c.b);
	return EX_OK;
}

/* ---- classify */

enum { CLASSIFY_TXN_FILES = 1000 };

static const char usage_classify[] =
    "usage: nudge classify [--json] FILE.eml...\n"
    "\n"
    "What nudge makes of each message: its class (human_reply, auto_reply,\n"
    "bounce_hard, bounce_soft, unsubscribe, other), the rule that decided, the\n"
    "return date of an out-of-office, the failed recipient and status of a\n"
    "bounce, the new text of a reply, and the lead it matches when a database\n"
    "exists.  Nothing is changed.  '-' reads standard input.  With --json: one\n"
    "object per message (an array when several files are given) with the keys\n"
    "file, class, rule, lead, return_date, failed_recipient, status,\n"
    "reply_text.\n";

/* slurp: a message file, cut at max bytes (the parser is bounded too): one
 * read of a regular file's size (as fstat gives it), not stdio's chunks. */
static char *
slurp(const char *path, size_t max, size_t *len, char **errstr)
{
	struct buf b;
	struct stat sb;
	size_t cap, n = 0, size = 0;
	ssize_t r;
	char *s;
	int fd;

	if (strcmp(path, "-") == 0) {
		buf_init(&b);
		if (buf_read_file(&b, path, max, errstr) == -1) {
			buf_free(&b);
			return NULL;
		}
		if (b.len > max) {
			b.len = max;
			b.s[max] = '\0';
		}
		if (b.s == NULL)
			buf_adds(&b, "");
		*len = b.len;
		return buf_steal(&b);
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		*errstr = xasprintf("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0)
		size = (size_t)sb.st_size;
	cap = size > 0 ? size : 16384;
	if (cap > max)
		cap = max;
	s = xmalloc(cap + 1);
	for (;;) {
		if (n == cap) {
			if (cap >= max)
				break;
			cap = cap > max / 2 ? max : cap * 2;
			s = xreallocarray(s, cap + 1, 1);
		}
		if ((r = read(fd, s + n, cap - n)) == -1) {
			if (errno == EINTR)
				continue;
			*errstr = xasprintf("%s: %s", path, strerror(errno));
			close(fd);
			free(s);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (size > 0 && n >= size)
			break; /* all of it */
	}
	close(fd);
	s[n] = '\0';
	*len = n;
	return s;
}

/* classify_store: the database classify matches against, or NULL when there
 * is none or it holds no lead (then no lookup can match: none is made).
 * Its reads run in one read transaction (see cmd_classify). */
static struct store *
classify_store(struct nudge *n)
{
	struct store *st = NULL;
	int counts[STORE_NSTATUS], total = 0;
	char *err = NULL;

	if (access(n->db_path, F_OK) != 0)
		return NULL;
	if (store_open(n->db_path, &st, &err) != STORE_OK) {
		log_warnx("%s", err);
		free(err);
		return NULL;
	}
	if (store_lead_count_by_status(st, counts, &err) != STORE_OK) {
		log_warnx("%s", err);
		free(err);
		return st; /* the lookups will say what is wrong */
	}
	for (int i = 0; i < STORE_NSTATUS; i++)
		total += counts[i];
	if (total == 0) {
		store_close(st);
		return NULL;
	}
	return st;
}

int
cmd_classify(struct nudge *n, int argc, char **argv)
{
	struct agent_opts o;
	struct agent *a = NULL;
	struct buf out;
	char *err = NULL;
	int nfiles = 0, bad = 0, rc, intxn;

	if (cli_help(argc, argv, usage_classify))
		return EX_OK;
	for (int i = 1; i < argc; i++)
		nfiles++;
	if (nfiles == 0) {
		fputs(usage_classify, stderr);
		return EX_USAGE;
	}
	if ((rc = cli_open_nodb(n, 0)) != EX_OK)
		return rc;
	/* a database is used for matching when there is one with leads;
	 * its lookups share one read transaction (one snapshot and lock, not
	 * one per statement), renewed every CLASSIFY_TXN_FILES files so that
	 * a long run does not hold a checkpoint back */
	n->st = classify_store(n);
	memset(&o, 0, sizeof o);
	o.no_sync = 1;
	o.wake_fd = -1;
	if (agent_open(n, &o, &a, &err) != AGENT_OK) {
		out_printf(stderr, "nudge classify: %s\n", err);
		free(err);
		return EX_CONFIG;
	}
	if (n->st != NULL && store_begin_read(n->st, &err) != STORE_OK) {
		log_warnx("%s", err);
		free(err);
		err = NULL;
		intxn = 0;
	} else
		intxn = n->st != NULL;
	buf_init(&out);
	if (n->json && nfiles > 1)
		buf_adds(&out, "[\n");
	for (int i = 1; i < argc; i++) {
		size_t len;
		char *data = slurp(argv[i], n->cfg->max_message, &len, &err);

		if (data == NULL ||
		    agent_examine(a, argv[i], data, len, n->json, &out, &err) !=
			AGENT_OK) {
			out_printf(stderr, "nudge classify: %s\n", err);
			free(err);
			err = NULL;
			bad++;
			if (n->json) {
				int f = 1;
				buf_addc(&out, '{');
				json_kv(&out, &f, "file", argv[i]);
				json_kv(&out, &f, "class", NULL);
				buf_addc(&out, '}');
			}
		}
		free(data);
		if (n->json)
			buf_adds(&out, i + 1 < argc ? ",\n" : "\n");
		if (intxn && i % CLASSIFY_TXN_FILES == 0 &&
		    (store_commit(n->st, &err) != STORE_OK ||
		     store_begin_read(n->st, &err) != STORE_OK)) {
			log_warnx("%s", err);
			free(err);
			err = NULL;
			intxn = 0;
		}
	}
	if (intxn && store_commit(n->st, &err) != STORE_OK) {
		log_warnx("%s", err);
		free(err);
		err = NULL;
	}
	if (n->json && nfiles > 1)
		buf_adds(&out, "]\n");
	if (n->json)
		fwrite(out.s ? out.s : "", 1, out.len, stdout);
	else
		out_write(stdout, out.s, out.len);
	buf_free(&out);
	agent_close(a);
	return bad ? EX_DATAERR : EX_OK;
}
