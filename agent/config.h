/*
 * config - the nudge configuration file (msmtp-like "key value" lines).
 *
 * Syntax
 *   One setting per line: a key, white space, then the value, which is the rest
 *   of the line with leading and trailing white space removed.  Blank lines and
 *   lines whose first non-blank character is '#' are ignored; '#' elsewhere is
 *   part of the value (a password may contain it).  A value that starts with
 *   a double quote runs to the matching closing quote; inside it \" is a quote
 *   and \\ a backslash (any other backslash is kept as is); only white space
 *   may follow the closing quote.  Quote a value to keep leading/trailing
 *   spaces.  An empty quoted value ("") restores the key's default.  A key
 *   with no value at all is an error.  Control characters are refused (except
 *   in password).
 *   CRLF line ends are accepted.  A key may appear only once.
 *
 *   Booleans: on/off, yes/no, true/false (any case).
 *   Durations: a non-negative integer with an optional unit s (the default),
 *     m, h or d: "60", "60s", "2m", "1h".
 *   Sizes: a non-negative integer number of bytes with an optional k or M unit
 *     (1024-based: "64k", "10M").
 *   Paths (tls_trust_file, holidays, templates, rules, database): "~/" is the
 *     home directory; a relative path is taken relative to the directory of the
 *     config file (config_set leaves it relative to the working directory).
 *
 * Keys (default in brackets)
 *   from            required.  The salesperson: "Name <addr>" or a bare
 *                   address; parsed into from_name ("" when absent) and
 *                   from_addr.  A name with a comma needs quotes:
 *                   from "\"Gardner, Lenann\" <lenann@example.com>"
 *   imap_url        [none] imaps://host[:port] or imap://host[:port] (STARTTLS
 *                   then required).  Needed by commands that read mail.
 *   smtp_url        [none] smtps://host[:465] or smtp://host[:587] (STARTTLS).
 *   user            [none] login for both servers.
 *   imap_user       [user] IMAP login.
 *   smtp_user       [user] SMTP login.
 *   password        [none] the literal secret.  The file must then be owned by
 *                   the user and have no group/other permission bits (0600),
 *                   else config_load refuses it.  Not with passwordeval.
 *   passwordeval    [none] a /bin/sh command whose standard output is the
 *                   secret (see secret.h).  Not with password.  The file
 *                   must be owned by the user and have no group/other write
 *                   bit, else config_load refuses it.
 *   tls_trust_file  [system store] PEM file of CAs to trust.
 *   tls_verify      [on] verify server certificates.  "off" is allowed for
 *                   testing; callers must warn loudly when tls_verify is 0.
 *   tls_starttls    [on] smtp:// and imap:// URLs must switch to TLS with
 *                   STARTTLS before anything is sent.  "off" allows plain
 *                   text, for a relay on the same machine or a test sink
 *                   only; it is logged as a warning at every connection.
 *   watch_folders   [INBOX] space-separated list of folders read for replies
 *                   (folder names containing spaces cannot be given).
 *   sent_folder     [discover via SPECIAL-USE \Sent] where sent copies go.
 *   save_sent       [on] APPEND a copy of each sent message to sent_folder.
 *   timezone        [system zone] the salesperson's zone, e.g. America/Denver.
 *   window          [Mon-Fri 08:30-17:00] sending window (kept as a string;
 *                   cadence parses it).
 *   holidays        [none] path of a file of ISO dates.
 *   daily_cap       [150] messages per day per mailbox; 0 sends nothing
 *                   (0..1000000).
 *   min_gap         [60s] minimum duration between two sends (0..1d).
 *   jitter          [30s] random extra delay added to min_gap (0..1d).
 *   send_batch      [8] messages claimed, sent in one SMTP session and
 *                   recorded per transaction (group commit, 1..100); only
 *                   with min_gap 0 or --no-throttle, else 1 (outbox.h).
 *   sequence        [12345x] default sequence for new leads.
 *   templates       [none: caller picks the XDG default] templates directory.
 *   rules           [none: caller picks the XDG default] rules directory.
 *   database        [none: caller picks the XDG default] SQLite file.
 *   unsubscribe     [from_addr] mailto address put in List-Unsubscribe (a
 *                   leading "mailto:" is dropped).
 *   fetch_max       [65536] bytes of text fetched per message when classifying
 *                   (1k..64M).
 *   ooo_pause_days  [3] business days to pause after an out-of-office reply
 *                   that states no return date (0..365).
 *   soft_bounce_retries [3] soft bounces after which the lead is paused and
 *                   flagged for the salesperson to check (0..100).
 *   same_domain_match [off] a reply from the lead's domain counts as a reply.
 *   after_contact   [after-contact] the sequence a lead is enrolled in when
 *                   it replies with interest ("three contacts in the first
 *                   month"); "none": the lead is engaged and nothing more is
 *                   planned but the reply task.
 *   nurture         [nurture] the sequence after after-contact and after a
 *                   snooze ends: value every month, then every quarter.
 *   nurture_slow    [nurture-slow] the sequence for "not a fit" replies.
 *   reopen          [reopen] the sequence a snoozed lead wakes into: one
 *                   re-opening touch, then nurture.
 *   snooze_days     [90] how long "not now" without a stated time snoozes.
 *   ooo_max_pause   [60] days; a longer out-of-office pause is capped and
 *                   put on the agenda for review (1..3650).
 *   bounce_window   [30] days; a hard bounce that cites no message nudge
 *                   sent retires the lead only if nudge mailed it this
 *                   recently; otherwise it is held for review.
 *   country_holidays [on] skip the public holidays of each lead's country
 *                   (rules/holidays/CC.conf) as well as the holidays file.
 *   vary_times      [on] plan each touch of a lead at a different time of
 *                   its day (and X touches on different weekdays); off:
 *                   every touch is due at the start of its day.
 *   task_grace      [2] business days an unlogged call, note or research
 *                   task stays on the agenda as overdue before it is
 *                   recorded as skipped (0..365).
 *   watch_sent      [off] also read the Sent folder: a mail the salesperson
 *                   wrote to a lead by hand counts as that stage's email.
 *   idle_timeout    [25m] re-issue IDLE after this long (1s..28m, RFC 2177).
 *   poll_interval   [5m] polling period when IDLE is unavailable (1s..7d).
 *   max_message     [10M] larger incoming messages are not fetched (1k..1024M).
 *   timeout         [30s] network timeout (1s..1h).
 *   log_level       [info] one of error, warn, info, debug.
 *   digest_to       [none] mail the day's agenda here on the first pass of
 *                   each working day (digest.h); unset = no digest.
 *   sender_name     [from's display name] the salesperson's name as the
 *                   templates sign it ({{sender.name}}, {{sender.first_name}}).
 *   sender_title    [none] job title ({{sender.title}}).
 *   sender_phone    [none] direct phone number ({{sender.phone}}).
 *   signature       [none] path of a text file: the sign-off block under
 *                   "Best," ({{sender.signature}}); without it the signature
 *                   is the name, title and phone, one a line.
 */
#ifndef NUDGE_CONFIG_H
#define NUDGE_CONFIG_H

#include <stddef.h>

enum {
	CONFIG_OK = 0,
	CONFIG_EIO,       /* the file cannot be opened or read */
	CONFIG_ESYNTAX,   /* a line is malformed, a key unknown or repeated */
	CONFIG_EVALUE,    /* a value is invalid, a required key missing, or
	                     password and passwordeval are both set */
	CONFIG_EINSECURE, /* a password or passwordeval in a file (or
	                     directory) others can write, or a password in one
	                     they can read, or that belongs to someone else */
};

struct config {
	char *path;      /* the file loaded, or the name given to parse */
	char *from;      /* as written */
	char *from_name; /* display name, "" when none */
	char *from_addr; /* bare address */
	char *imap_url;
	char *smtp_url;
	char *user;
	char *imap_user; /* user when not set */
	char *smtp_user; /* user when not set */
	char *password;
	char *passwordeval;
	char *tls_trust_file;
	int tls_verify;       /* 1, or 0 when "off": callers must warn */
	int tls_starttls;     /* 1, or 0 when "off": plain text allowed */
	char **watch_folders; /* nwatch_folders names, NULL-terminated */
	size_t nwatch_folders;
	char *sent_folder; /* NULL = discover via SPECIAL-USE */
	int save_sent;
	char *timezone; /* NULL = the system's */
	char *window;
	char *holidays; /* NULL = none */
	long daily_cap;
	long min_gap; /* seconds */
	long jitter;  /* seconds */
	long send_batch; /* 1..100 */
	char *sequence;
	char *templates;   /* NULL = caller's default */
	char *rules;       /* NULL = caller's default */
	char *database;    /* NULL = caller's default */
	char *unsubscribe; /* from_addr when not set */
	size_t fetch_max;  /* bytes */
	int ooo_pause_days;
	int soft_bounce_retries;
	int same_domain_match;
	char *after_contact;   /* sequence name, or NULL/"none" */
	char *nurture, *nurture_slow, *reopen; /* sequence names */
	int snooze_days;
	int ooo_max_pause;  /* days */
	int bounce_window;  /* days */
	int task_grace;     /* business days */
	int vary_times;     /* plan each touch at its own time of the day */
	int country_holidays; /* each lead's country's public holidays */
	int watch_sent;
	long idle_timeout;  /* seconds */
	long poll_interval; /* seconds */
	size_t max_message; /* bytes */
	long timeout;       /* seconds */
	char *log_level;    /* "error", "warn", "info" or "debug" */
	char *sender_name;  /* NULL = from_name */
	char *sender_title; /* NULL = none */
	char *sender_phone; /* NULL = none */
	char *signature;    /* path of the signature file, NULL = none */
	char *digest_to;    /* the morning digest's address, NULL = off */

	/* internal: line each key was set on (0 = default), and which were set
	   explicitly; do not use */
	unsigned int *set_line;
};

/*
 * config_load: read and parse the file at path into a new *out (free it with
 * config_free).  The file is opened once and its secrecy checked on the open
 * descriptor: if it sets `password`, it must be owned by the effective user
 * and have no group/other permission bits; if it sets `passwordeval` (a
 * command we run), owned by the effective user with no group/other write bit.
 * Either way the directory it is named in, and the real file's directory
 * when it is reached through a symlink, must be owned by the effective user
 * or root and not group/other writable unless sticky.  Else CONFIG_EINSECURE
 * ("path: holds a passwordeval but is writable by others (mode 0666); ...").  Relative
 * paths in values are resolved against the file's real directory.  On failure
 * returns a CONFIG_E* code, *out is untouched, and *errstr is a malloc'd line
 * such as "path:12: unknown key 'foo'".
 */
int config_load(const char *path, struct config **out, char **errstr);

/*
 * config_parse: like config_load, for text already in memory (NUL-terminated).
 * name is used in messages and its directory part resolves relative paths.
 * No secrecy check is made (there is no file).  Checks that from is set.
 */
int config_parse(const char *name, const char *text, struct config **out,
                 char **errstr);

/*
 * config_new: a config holding only the defaults (from unset); never NULL.
 * Fill it with config_set and validate it with config_check.
 */
struct config *config_new(void);

/*
 * config_set: set key to value (raw: no quoting, no comment handling), as for
 * a command-line override; overriding a key set in the file is allowed.
 * Derived defaults follow (setting user changes imap_user/smtp_user unless
 * they were set; setting from changes unsubscribe unless it was set).  Returns
 * CONFIG_OK, or CONFIG_ESYNTAX (unknown key) / CONFIG_EVALUE with *errstr such
 * as "daily_cap: 'x' is not a number"; on failure c is unchanged.
 */
int config_set(struct config *c, const char *key, const char *value,
               char **errstr);

/*
 * config_check: CONFIG_OK when c is complete (from set), else CONFIG_EVALUE
 * and *errstr.  config_load and config_parse call it.
 */
int config_check(const struct config *c, char **errstr);

/* config_free: release c and everything it holds (NULL is fine). */
void config_free(struct config *c);

/*
 * config_default_path: a malloc'd "$XDG_CONFIG_HOME/nudge/config", or
 * "$HOME/.config/nudge/config" when XDG_CONFIG_HOME is unset, empty or
 * relative; NULL when no home directory can be found.
 */
char *config_default_path(void);

#endif
