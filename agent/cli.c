/* cli - see cli.h and commands.h */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "log.h"
#include "xalloc.h"

struct cli_globals cli_g;

static const char usage_main[] =
    "usage: nudge [-c CONFIG] [--db PATH] [--now ISO-8601] [--json] [-v|-q]\n"
    "             COMMAND [ARGS]\n"
    "\n"
    "A hands-off sales follow-up agent: the 1-2-3-4-5-X cadence, sent for you,\n"
    "stopped the moment a lead answers.\n"
    "\n"
    "Commands:\n"
    "  init [DIR]            create the config, database, templates/ and rules/\n"
    "  lead add|import|list|show|note|pause|resume|snooze|won|lost|\n"
    "       enroll|retire|set|hot|pick\n"
    "                        manage leads (nudge lead --help)\n"
    "  agenda [--date D]     what is due: emails queued and tasks to do by hand\n"
    "  log EMAIL CHANNEL     record a touch you made (--connected: they answered)\n"
    "  preview EMAIL         print the exact message the next touch would send\n"
    "  template check        lint every template\n"
    "  tick [--dry-run]      one pass: read the mailbox, act, send what is due\n"
    "  run                   the agent: IDLE on the mailbox, send on schedule\n"
    "  status                is an agent running, what is next, sends today\n"
    "  outbox [resolve ID --sent|--resend]\n"
    "                        sends that need your word\n"
    "  classify FILE.eml...  what nudge makes of a message\n"
    "  review [ID CLASS]     messages nudge was unsure about, and your word\n"
    "  sequences             the sequences there are, with their steps\n"
    "  export csv [--raw] [FILE]\n"
    "                        all leads as CSV (what import reads)\n"
    "  export ics [FILE]     tasks done by hand, for your calendar\n"
    "  report [--html FILE]  the follow-up funnel: sends, replies, charts\n"
    "\n"
    "Global options (anywhere on the line):\n"
    "  -c, --config PATH     config file (default $NUDGE_CONFIG, then\n"
    "                        $XDG_CONFIG_HOME/nudge/config)\n"
    "      --db PATH         database (default: the config's, then\n"
    "                        $XDG_DATA_HOME/nudge/nudge.db)\n"
    "      --now TIME        pretend it is TIME (also $NUDGE_NOW), e.g.\n"
    "                        2026-11-25T09:00 (salesperson's zone) or ...Z\n"
    "      --json            machine-readable output\n"
    "  -v, --verbose         more log lines;  -q, --quiet  fewer\n"
    "      --syslog          log to syslog (facility mail) instead of stderr\n"
    "  -h, --help            help (also after any command)\n"
    "      --version         print the version\n"
    "\n"
    "Exit codes follow sysexits.h. See nudge(1) and nudge-config(5).\n";

struct command {
	const char *name;
	int (*fn)(struct nudge *, int, char **);
};

static const struct command commands[] = {
	{"init", cmd_init},
	{"lead", cmd_lead},
	{"agenda", cmd_agenda},
	{"log", cmd_log},
	{"export", cmd_export},
	{"tick", cmd_tick},
	{"run", cmd_run},
	{"status", cmd_status},
	{"preview", cmd_preview},
	{"template", cmd_template},
	{"outbox", cmd_outbox},
	{"classify", cmd_classify},
	{"review", cmd_review},
	{"sequences", cmd_sequences},
	{"report", cmd_report},
};

/*
 * Take the global options out of argv wherever they stand (before "--"), so that
 * "nudge agenda --now X --json" and "nudge --now X agenda --json" both work.
 * Returns -1 on a usage error (printed).
 */
static int
take_globals(int *argcp, char **argv)
{
	int argc = *argcp, i, j = 1;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		int takes = 0;

		if (strcmp(a, "--") == 0) {
			while (i < argc)
				argv[j++] = argv[i++];
			break;
		}
		if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0 ||
		    strcmp(a, "--db") == 0 || strcmp(a, "--now") == 0)
			takes = 1;
		else if (strncmp(a, "--config=", 9) == 0)
			val = a + 9;
		else if (strncmp(a, "--db=", 5) == 0)
			val = a + 5;
		else if (strncmp(a, "--now=", 6) == 0)
			val = a + 6;
		if (takes) {
			if (i + 1 >= argc) {
				fprintf(stderr, "nudge: %s needs a value\n", a);
				return -1;
			}
			val = argv[++i];
		}
		if (val != NULL) {
			if (a[1] == 'c' || strncmp(a, "--config", 8) == 0)
				cli_g.config = val;
			else if (strncmp(a, "--db", 4) == 0)
				cli_g.db = val;
			else
				cli_g.now = val;
			continue;
		}
		if (strcmp(a, "--json") == 0)
			cli_g.json = 1;
		else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0)
			cli_g.verbose++;
		else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0)
			cli_g.quiet = 1;
		else if (strcmp(a, "--syslog") == 0)
			cli_g.syslog = 1;
		else
			argv[j++] = argv[i];
	}
	argv[j] = NULL;
	*argcp = j;
	return 0;
}

static int
is_dir(const char *p)
{
	struct stat sb;

	return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* has_data: dir holds templates/ and rules/ */
static int
has_data(const char *dir)
{
	char *t = xasprintf("%s/templates", dir), *r = xasprintf("%s/rules", dir);
	int yes = is_dir(t) && is_dir(r);

	free(t);
	free(r);
	return yes;
}

const char *
cli_datadir(void)
{
	const char *d = getenv("NUDGE_DATADIR");

	if (d && *d)
		return d;
	/* installed, the usual case; else a build tree not yet installed
	 * finds the source tree it was configured from */
	if (!has_data(NUDGE_DATADIR) && has_data(NUDGE_SRCDIR))
		return NUDGE_SRCDIR;
	return NUDGE_DATADIR;
}

/* mkdirs: mkdir -p with mode 0700 for what it creates. */
static int
mkdirs(const char *path)
{
	char *p = xstrdup(path), *s;
	int rc = 0;

	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) == -1 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (rc == 0 && mkdir(p, 0700) == -1 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static char *
default_db(void)
{
	const char *x = getenv("XDG_DATA_HOME"), *home = getenv("HOME");

	if (x && *x == '/')
		return xasprintf("%s/nudge/nudge.db", x);
	return xasprintf("%s/.local/share/nudge/nudge.db", home ? home : ".");
}

int
cli_open_nodb(struct nudge *n, int need_config)
{
	char *err = NULL, *base;
	const char *path = cli_g.config, *env = getenv("NUDGE_CONFIG");
	int explicit = path != NULL;

	memset(n, 0, sizeof *n);
	n->json = cli_g.json;
	n->verbose = cli_g.verbose;
	if (path == NULL && env != NULL && *env != '\0') {
		path = env;
		explicit = 1;
	}
	n->config_path = path ? xstrdup(path) : config_default_path();
	if (access(n->config_path, F_OK) == 0 || explicit || need_config) {
		int rc = config_load(n->config_path, &n->cfg, &err);

		if (rc != CONFIG_OK) {
			fprintf(stderr, "nudge: %s\n", err);
			if (rc == CONFIG_EIO && !explicit)
				fprintf(stderr, "nudge: run 'nudge init' to "
						"create one\n");
			free(err);
			return rc == CONFIG_EIO ? EX_NOINPUT : EX_CONFIG;
		}
	} else
		n->cfg = config_new();
	if (n->cfg->log_level && !cli_g.verbose && !cli_g.quiet) {
		if (strcmp(n->cfg->log_level, "debug") == 0)
			log_set_debug("all");
		else if (strcmp(n->cfg->log_level, "info") != 0)
			log_set_quiet(1);
	}
	n->tz = n->cfg->timezone;
	if (n->tz != NULL && !clock_tz_valid(n->tz)) {
		fprintf(stderr, "nudge: %s: timezone '%s' is not a known zone\n",
		    n->config_path, n->tz);
		return EX_CONFIG;
	}
	clock_set_default_tz(n->tz);
	if (clock_init(cli_g.now, n->tz, &err) != CLOCK_OK) {
		fprintf(stderr, "nudge: --now/NUDGE_NOW: %s\n", err);
		free(err);
		return EX_USAGE;
	}
	base = dir_of(n->config_path);
	if (n->cfg->rules)
		n->rules_dir = xstrdup(n->cfg->rules);
	else {
		n->rules_dir = xasprintf("%s/rules", base);
		if (!is_dir(n->rules_dir)) {
			free(n->rules_dir);
			n->rules_dir = xasprintf("%s/rules", cli_datadir());
		}
	}
	if (n->cfg->templates)
		n->templates_dir = xstrdup(n->cfg->templates);
	else {
		n->templates_dir = xasprintf("%s/templates", base);
		if (!is_dir(n->templates_dir)) {
			free(n->templates_dir);
			n->templates_dir =
			    xasprintf("%s/templates", cli_datadir());
		}
	}
	free(base);
	if (cli_g.db)
		n->db_path = xstrdup(cli_g.db);
	else if (n->cfg->database)
		n->db_path = xstrdup(n->cfg->database);
	else
		n->db_path = default_db();
	if (n->cfg->holidays &&
	    holidays_load(n->cfg->holidays, &n->hol, &err) != CADENCE_OK) {
		fprintf(stderr, "nudge: holidays: %s\n", err);
		free(err);
		return EX_CONFIG;
	}
	if (window_parse(n->cfg->window ? n->cfg->window : WINDOW_DEFAULT,
		&n->win, &err) != CADENCE_OK) {
		fprintf(stderr, "nudge: %s: %s\n", n->config_path, err);
		free(err);
		return EX_CONFIG;
	}
	return EX_OK;
}

int
cli_open(struct nudge *n, int need_config)
{
	char *err = NULL, *dir;
	int rc;

	if ((rc = cli_open_nodb(n, need_config)) != EX_OK)
		return rc;
	dir = dir_of(n->db_path);
	if (!is_dir(dir) && mkdirs(dir) == -1) {
		fprintf(stderr, "nudge: cannot create %s: %s\n", dir,
		    strerror(errno));
		free(dir);
		return EX_CANTCREAT;
	}
	free(dir);
	if ((rc = store_open(n->db_path, &n->st, &err)) != STORE_OK) {
		fprintf(stderr, "nudge: %s\n", err);
		free(err);
		if (rc == STORE_EDB && access(n->db_path, F_OK) == 0)
			return EX_IOERR; /* it is there but cannot be used */
		return rc == STORE_EVERSION ? EX_DATAERR
		    : rc == STORE_ELINKED   ? EX_CONFIG
		    : rc == STORE_EBUSY     ? EX_TEMPFAIL
					    : EX_CANTCREAT;
	}
	return EX_OK;
}

int
cli_fail_tx(struct nudge *n, char *err, int code)
{
	char *e2 = NULL;

	if (n->st != NULL && store_rollback(n->st, &e2) != STORE_OK)
		free(e2);
	fprintf(stderr, "nudge: %s\n", err ? err : "failed");
	free(err);
	return code;
}

int
cli_help(int argc, char **argv, const char *usage)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			fputs(usage, stdout);
			return 1;
		}
	}
	return 0;
}

struct lead *
cli_lead(struct nudge *n, const char *email)
{
	struct lead *l = NULL;
	char *err = NULL;
	int rc = store_lead_get_email(n->st, email, &l, &err);

	if (rc == STORE_ENOTFOUND)
		fprintf(stderr, "nudge: no lead %s\n", email);
	else if (rc != STORE_OK)
		fprintf(stderr, "nudge: %s\n", err);
	free(err);
	return rc == STORE_OK ? l : NULL;
}

const char *
cli_date(struct nudge *n, time_t t)
{
	static char bufs[4][16];
	static int k;
	char *b = bufs[k++ & 3];

	if (t == 0)
		return "-";
	clock_format_date(t, n->tz, b, 16);
	return b;
}

const char *
cli_time(struct nudge *n, time_t t)
{
	static char bufs[4][40];
	static int k;
	char *b = bufs[k++ & 3];

	if (t == 0)
		return NULL;
	clock_format_iso(t, n->tz, b, 40);
	return b;
}

/* ---- init */

static const char usage_init[] =
    "usage: nudge init [DIR] [--from 'Name <addr>'] [--tz ZONE] [--title T]\n"
    "                  [--phone NUMBER] [--signature FILE]\n"
    "\n"
    "Create DIR (default $XDG_CONFIG_HOME/nudge) with a config file, the\n"
    "database, and the default templates/ and rules/ to edit.  A file that is\n"
    "already there is never overwritten.  Then edit DIR/config (from, imap_url,\n"
    "smtp_url, user, passwordeval) and use 'nudge -c DIR/config ...' (or set\n"
    "NUDGE_CONFIG) when DIR is not the default.\n"
    "--title and --phone are how the templates sign ({{sender.title}},\n"
    "{{sender.phone}}: the shipped emails and voicemails give your number);\n"
    "--signature FILE is copied to DIR/signature, the sign-off under \"Best,\".\n"
    "On a terminal, init asks for the ones not given.\n";

/* copy_file: copy src to dst unless dst exists; 1 copied, 0 kept, -1 error. */
static int
copy_file(const char *src, const char *dst, mode_t mode)
{
	char buf[8192];
	ssize_t r;
	int in, out, rc = 1;

	if ((in = open(src, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("%s", src);
		return -1;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (out == -1) {
		close(in);
		if (errno == EEXIST)
			return 0;
		log_warn("%s", dst);
		return -1;
	}
	while ((r = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)r) != r) {
			rc = -1;
			break;
		}
	if (r < 0)
		rc = -1;
	if (close(out) == -1)
		rc = -1;
	close(in);
	if (rc == -1) {
		log_warn("copying %s", dst);
		unlink(dst);
	}
	return rc;
}

#include <dirent.h>

/* copy_tree: copy the regular files of src (and its subdirectories, one level
 * deep is all we ship, but recurse anyway) into dst, keeping existing files. */
static int
copy_tree(const char *src, const char *dst, int *copied, int *kept)
{
	DIR *d = opendir(src);
	struct dirent *e;
	int rc = 0;

	if (d == NULL) {
		log_warn("%s", src);
		return -1;
	}
	if (mkdirs(dst) == -1) {
		log_warn("%s", dst);
		closedir(d);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		char *s, *t;
		struct stat sb;

		if (e->d_name[0] == '.')
			continue;
		s = xasprintf("%s/%s", src, e->d_name);
		t = xasprintf("%s/%s", dst, e->d_name);
		if (stat(s, &sb) == 0 && S_ISDIR(sb.st_mode))
			rc |= copy_tree(s, t, copied, kept);
		else if (stat(s, &sb) == 0 && S_ISREG(sb.st_mode)) {
			int r = copy_file(s, t, 0644);
			if (r == 1)
				(*copied)++;
			else if (r == 0)
				(*kept)++;
			else
				rc = -1;
		}
		free(s);
		free(t);
	}
	closedir(d);
	return rc;
}

/* ask: on a terminal, prompt for a value; a malloc'd answer without the line
 * end, or NULL for an empty one. */
static char *
ask(const char *question)
{
	char line[512];
	size_t len;

	printf("%s ", question);
	fflush(stdout);
	if (fgets(line, sizeof line, stdin) == NULL)
		return NULL;
	len = strcspn(line, "\r\n");
	line[len] = '\0';
	while (len && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		line[--len] = '\0';
	return len ? xstrdup(line) : NULL;
}

/* config_value: v quoted for the config file when it needs it. */
static char *
config_value(const char *v)
{
	struct buf b;

	if (strpbrk(v, "\"\\#") == NULL && v[0] != ' ')
		return xstrdup(v);
	buf_init(&b);
	buf_addc(&b, '"');
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			buf_addc(&b, '\\');
		buf_addc(&b, *v);
	}
	buf_addc(&b, '"');
	return buf_steal(&b);
}

/* sender_lines: the sender_* and signature lines of a new config. */
static char *
sender_lines(const char *title, const char *phone, const char *sigfile)
{
	char *t = title ? config_value(title) : NULL;
	char *p = phone ? config_value(phone) : NULL;
	char *r = xasprintf(
	    "# How the templates sign: {{sender.title}}, {{sender.phone}},\n"
	    "# {{sender.signature}} (see nudge-config(5)).\n"
	    "%ssender_title %s\n"
	    "%ssender_phone %s\n"
	    "%ssignature %s\n",
	    t ? "" : "#", t ? t : "Account Manager", p ? "" : "#",
	    p ? p : "+1 303 555 0100", sigfile ? "" : "#",
	    sigfile ? "signature" : "signature");
	free(t);
	free(p);
	return r;
}

int
cmd_init(struct nudge *n, int argc, char **argv)
{
	const char *from = NULL, *tz = NULL, *title = NULL, *phone = NULL,
		   *sigfile = NULL;
	char *asked[3] = {NULL, NULL, NULL}, *senders = NULL;
	char *dir = NULL, *cfgpath, *src, *dst, *err = NULL, *dbpath;
	int copied = 0, kept = 0, i, fd, rc = EX_OK;
	struct store *st;

	(void)n;
	if (cli_help(argc, argv, usage_init))
		return EX_OK;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
			from = argv[++i];
		else if (strcmp(argv[i], "--tz") == 0 && i + 1 < argc)
			tz = argv[++i];
		else if (strcmp(argv[i], "--title") == 0 && i + 1 < argc)
			title = argv[++i];
		else if (strcmp(argv[i], "--phone") == 0 && i + 1 < argc)
			phone = argv[++i];
		else if (strcmp(argv[i], "--signature") == 0 && i + 1 < argc)
			sigfile = argv[++i];
		else if (argv[i][0] == '-') {
			fprintf(stderr, "nudge init: unknown option %s\n%s",
			    argv[i], usage_init);
			return EX_USAGE;
		} else if (dir == NULL)
			dir = xstrdup(argv[i]);
		else {
			fputs(usage_init, stderr);
			return EX_USAGE;
		}
	}
	if (tz != NULL && !clock_tz_valid(tz)) {
		fprintf(stderr, "nudge init: '%s' is not a known time zone\n",
		    tz);
		free(dir);
		return EX_USAGE;
	}
	if (dir == NULL) {
		char *p = config_default_path();
		dir = dir_of(p);
		free(p);
	}
	/* before anything is written: where the defaults come from */
	if (!has_data(cli_datadir())) {
		fprintf(stderr, "nudge init: no templates/ and rules/ in %s: run "
				"'make install', or set NUDGE_DATADIR to the "
				"source tree\n",
		    cli_datadir());
		free(dir);
		return EX_CONFIG;
	}
	if (mkdirs(dir) == -1) {
		fprintf(stderr, "nudge init: cannot create %s: %s\n", dir,
		    strerror(errno));
		free(dir);
		return EX_CANTCREAT;
	}
	cfgpath = xasprintf("%s/config", dir);
	dbpath = xasprintf("%s/nudge.db", dir);
	if (sigfile) {
		char *sd = xasprintf("%s/signature", dir);
		int r = copy_file(sigfile, sd, 0644);

		if (r == -1) {
			fprintf(stderr, "nudge init: --signature %s: cannot "
					"copy it to %s\n", sigfile, sd);
			free(sd);
			free(cfgpath);
			free(dbpath);
			free(dir);
			return EX_NOINPUT;
		}
		printf("%s %s\n", r == 1 ? "created" : "kept   ", sd);
		free(sd);
	}
	fd = open(cfgpath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0 && isatty(0) && isatty(1)) {
		/* a person at a terminal: ask for what the flags did not say */
		if (from == NULL)
			from = asked[0] = ask("Your name and address, as "
					      "'Name <you@example.com>':");
		if (title == NULL)
			title = asked[1] = ask("Your job title (optional, "
					       "Enter to skip):");
		if (phone == NULL)
			phone = asked[2] = ask("Your direct phone number (the "
					       "emails and voicemails give it):");
	}
	if (fd >= 0) {
		FILE *fp = fdopen(fd, "w");
		fprintf(fp,
		    "# nudge configuration - see nudge-config(5).\n"
		    "# The salesperson: who the follow-ups are from.\n"
		    "from %s\n"
		    "\n"
		    "# Where replies arrive and where mail is sent.\n"
		    "#imap_url imaps://imap.example.com\n"
		    "#smtp_url smtp://smtp.example.com:587\n"
		    "#user you@example.com\n"
		    "#passwordeval pass show mail\n"
		    "\n"
		    "%stimezone %s\n"
		    "#window Mon-Fri 08:30-17:00\n"
		    "#holidays holidays.txt   # one ISO date a line; see "
		    "rules/holidays.example\n"
		    "#daily_cap 150\n"
		    "sequence 12345x\n"
		    "database nudge.db\n"
		    "templates templates\n"
		    "rules rules\n"
		    "\n%s",
		    from ? from : "Your Name <you@example.com>",
		    tz ? "" : "#", tz ? tz : "America/Denver",
		    (senders = sender_lines(title, phone, sigfile)));
		free(senders);
		if (fclose(fp) != 0) {
			fprintf(stderr, "nudge init: %s: %s\n", cfgpath,
			    strerror(errno));
			rc = EX_IOERR;
		} else
			printf("created %s\n", cfgpath);
	} else if (errno == EEXIST) {
		printf("kept    %s (already there)\n", cfgpath);
		if (title || phone || sigfile)
			printf("note: the config was kept as it is: set "
			       "sender_title, sender_phone or signature in it "
			       "yourself\n");
	}
	else {
		fprintf(stderr, "nudge init: %s: %s\n", cfgpath,
		    strerror(errno));
		rc = EX_CANTCREAT;
	}
	for (i = 0; rc == EX_OK && i < 2; i++) {
		const char *what = i == 0 ? "templates" : "rules";

		src = xasprintf("%s/%s", cli_datadir(), what);
		dst = xasprintf("%s/%s", dir, what);
		copied = kept = 0;
		if (copy_tree(src, dst, &copied, &kept) == -1)
			rc = EX_IOERR;
		else
			printf("%s %s/ (%d files copied, %d kept)\n",
			    copied ? "created" : "kept   ", dst, copied, kept);
		free(src);
		free(dst);
	}
	if (rc == EX_OK) {
		if (store_open(dbpath, &st, &err) != STORE_OK) {
			fprintf(stderr, "nudge init: %s\n", err);
			free(err);
			rc = EX_CANTCREAT;
		} else {
			store_close(st);
			printf("ready   %s\n", dbpath);
		}
	}
	if (rc == EX_OK && from == NULL)
		printf("next: set 'from' in %s\n", cfgpath);
	if (rc == EX_OK && fd >= 0 && phone == NULL)
		printf("next: set sender_phone in %s: the shipped templates "
		       "give your number (nudge template check)\n", cfgpath);
	for (i = 0; i < 3; i++)
		free(asked[i]);
	free(cfgpath);
	free(dbpath);
	free(dir);
	return rc;
}

int
cli_main(int argc, char **argv)
{
	struct nudge n;
	size_t i;
	int rc;

	if (take_globals(&argc, argv) == -1)
		return EX_USAGE;
	log_init("nudge", cli_g.syslog, cli_g.verbose);
	log_set_quiet(cli_g.quiet);
	if (argc < 2) {
		fputs(usage_main, stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage_main, stdout);
		return EX_OK;
	}
	if (strcmp(argv[1], "--version") == 0 ||
	    strcmp(argv[1], "version") == 0) {
		printf("nudge %s\n", PACKAGE_VERSION);
		return EX_OK;
	}
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		memset(&n, 0, sizeof n);
		rc = commands[i].fn(&n, argc - 1, argv + 1);
		lc_free(&n);
		if (fflush(stdout) == EOF || ferror(stdout)) {
			fprintf(stderr, "nudge: writing output: %s\n",
			    strerror(errno));
			if (rc == EX_OK)
				rc = EX_IOERR;
		}
		return rc;
	}
	fprintf(stderr, "nudge: unknown command '%s'\n%s", argv[1], usage_main);
	return EX_USAGE;
}
