/* test_config - the config file parser, its secrecy check, and secret_get */
#include "autoconf.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "secret.h"
#include "xalloc.h"

#define NAME "/etc/nudge/config"
#define FROM "from Lenann Gardner <lenann@example.com>\n"

/* a config value as text, for table comparisons */
static char *
show(const struct config *c, const char *key)
{
#define S(k)                                                                   \
	if (strcmp(key, #k) == 0)                                              \
		return xstrdup(c->k ? c->k : "(null)");
#define N(k)                                                                   \
	if (strcmp(key, #k) == 0)                                              \
		return xasprintf("%ld", (long)c->k);
	S(from)
	S(from_name)
	S(from_addr) S(imap_url) S(smtp_url) S(user) S(imap_user) S(smtp_user)
	    S(password) S(passwordeval) S(tls_trust_file) N(tls_verify)
	        S(sent_folder) N(save_sent) S(timezone) S(window) S(holidays)
	            N(daily_cap) N(min_gap) N(jitter) N(send_batch) S(sequence) S(templates)
	                S(rules) S(database) S(unsubscribe) N(fetch_max)
	                    N(ooo_pause_days) N(soft_bounce_retries)
	                        N(same_domain_match) N(idle_timeout) N(
	                            poll_interval) N(max_message) N(timeout)
	                            S(log_level) N(nwatch_folders)
#undef S
#undef N
	                                if (strcmp(key, "watch_folders") == 0)
	{
		struct buf b;

		buf_init(&b);
		for (size_t i = 0; i < c->nwatch_folders; i++)
			buf_printf(&b, "%s%s", i ? "|" : "",
			           c->watch_folders[i]);
		assert_null(c->watch_folders[c->nwatch_folders]);
		return buf_steal(&b);
	}
	fail_msg("show: no key %s", key);
	return NULL;
}

static void
expect(const struct config *c, const char *key, const char *want)
{
	char *got = show(c, key);

	if (strcmp(got, want) != 0)
		fail_msg("%s: got '%s', want '%s'", key, got, want);
	free(got);
}

static struct config *
parse_ok(const char *text)
{
	struct config *c = NULL;
	char *err = NULL;

	if (config_parse(NAME, text, &c, &err) != CONFIG_OK)
		fail_msg("parse failed: %s\n--\n%s", err, text);
	assert_null(err);
	return c;
}

static const struct {
	const char *key, *want;
} defaults[] = {
    {"from", "Lenann Gardner <lenann@example.com>"},
    {"from_name", "Lenann Gardner"},
    {"from_addr", "lenann@example.com"},
    {"imap_url", "(null)"},
    {"smtp_url", "(null)"},
    {"user", "(null)"},
    {"imap_user", "(null)"},
    {"smtp_user", "(null)"},
    {"password", "(null)"},
    {"passwordeval", "(null)"},
    {"tls_trust_file", "(null)"},
    {"tls_verify", "1"},
    {"watch_folders", "INBOX"},
    {"nwatch_folders", "1"},
    {"sent_folder", "(null)"},
    {"save_sent", "1"},
    {"timezone", "(null)"},
    {"window", "Mon-Fri 08:30-17:00"},
    {"holidays", "(null)"},
    {"daily_cap", "150"},
    {"min_gap", "60"},
    {"jitter", "30"},
    {"send_batch", "8"},
    {"sequence", "12345x"},
    {"templates", "(null)"},
    {"rules", "(null)"},
    {"database", "(null)"},
    {"unsubscribe", "lenann@example.com"},
    {"fetch_max", "65536"},
    {"ooo_pause_days", "3"},
    {"soft_bounce_retries", "3"},
    {"same_domain_match", "0"},
    {"idle_timeout", "1500"},
    {"poll_interval", "300"},
    {"max_message", "10485760"},
    {"timeout", "30"},
    {"log_level", "info"},
};

static void
test_defaults(void **state)
{
	struct config *c = parse_ok(FROM);

	(void)state;
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		expect(c, defaults[i].key, defaults[i].want);
	expect(c, "from", "Lenann Gardner <lenann@example.com>");
	assert_string_equal(c->path, NAME);
	config_free(c);
}

/* one line of config (after FROM), and a key to check with its value */
static const struct {
	const char *line, *key, *want;
} keycases[] = {
    {"imap_url imaps://imap.example.com", "imap_url",
     "imaps://imap.example.com"},
    {"imap_url imap://host:143", "imap_url", "imap://host:143"},
    {"smtp_url smtp://smtp.example.com:587", "smtp_url",
     "smtp://smtp.example.com:587"},
    {"smtp_url SMTPS://smtp.example.com:465", "smtp_url",
     "SMTPS://smtp.example.com:465"},
    {"user lenann@example.com", "user", "lenann@example.com"},
    {"user lenann@example.com", "imap_user", "lenann@example.com"},
    {"user lenann@example.com", "smtp_user", "lenann@example.com"},
    {"imap_user imapper", "imap_user", "imapper"},
    {"smtp_user smtpper", "smtp_user", "smtpper"},
    {"password p#ss word  ", "password", "p#ss word"},
    {"passwordeval pass show mail/lenann", "passwordeval",
     "pass show mail/lenann"},
    {"tls_trust_file /etc/ssl/ca.pem", "tls_trust_file", "/etc/ssl/ca.pem"},
    {"tls_trust_file ca.pem", "tls_trust_file", "/etc/nudge/ca.pem"},
    {"tls_verify off", "tls_verify", "0"},
    {"tls_verify No", "tls_verify", "0"},
    {"tls_verify TRUE", "tls_verify", "1"},
    {"watch_folders INBOX Junk\t Archive/2026", "watch_folders",
     "INBOX|Junk|Archive/2026"},
    {"watch_folders INBOX Junk\t Archive/2026", "nwatch_folders", "3"},
    {"sent_folder Sent Items", "sent_folder", "Sent Items"},
    {"save_sent false", "save_sent", "0"},
    {"timezone America/Denver", "timezone", "America/Denver"},
    {"window Mon-Sat 09:00-18:00", "window", "Mon-Sat 09:00-18:00"},
    {"holidays holidays.txt", "holidays", "/etc/nudge/holidays.txt"},
    {"holidays /var/lib/h", "holidays", "/var/lib/h"},
    {"daily_cap 50", "daily_cap", "50"},
    {"daily_cap 0", "daily_cap", "0"},
    {"min_gap 2m", "min_gap", "120"},
    {"min_gap 60", "min_gap", "60"},
    {"jitter 0", "jitter", "0"},
    {"jitter 45s", "jitter", "45"},
    {"send_batch 1", "send_batch", "1"},
    {"send_batch 100", "send_batch", "100"},
    {"sequence after-contact", "sequence", "after-contact"},
    {"templates tpl", "templates", "/etc/nudge/tpl"},
    {"rules ../rules", "rules", "/etc/nudge/../rules"},
    {"database /srv/nudge.db", "database", "/srv/nudge.db"},
    {"unsubscribe unsub@example.com", "unsubscribe", "unsub@example.com"},
    {"unsubscribe mailto:unsub@example.com", "unsubscribe",
     "unsub@example.com"},
    {"fetch_max 64k", "fetch_max", "65536"},
    {"fetch_max 2048", "fetch_max", "2048"},
    {"ooo_pause_days 5", "ooo_pause_days", "5"},
    {"soft_bounce_retries 0", "soft_bounce_retries", "0"},
    {"same_domain_match on", "same_domain_match", "1"},
    {"idle_timeout 28m", "idle_timeout", "1680"},
    {"poll_interval 1h", "poll_interval", "3600"},
    {"max_message 20M", "max_message", "20971520"},
    {"timeout 1m", "timeout", "60"},
    {"log_level debug", "log_level", "debug"},
    /* syntax */
    {"  daily_cap\t\t7  \r", "daily_cap", "7"},
    {"sent_folder \"  [Gmail]/Sent Mail \"", "sent_folder",
     "  [Gmail]/Sent Mail "},
    {"password \"a \\\"q\\\" \\\\ b\\n\"", "password", "a \"q\" \\ b\\n"},
    {"password \"#not a comment\"   ", "password", "#not a comment"},
    {"sent_folder \"\"", "sent_folder", "(null)"},
    {"watch_folders \"\"", "watch_folders", "INBOX"},
    {"window \"\"", "window", "Mon-Fri 08:30-17:00"},
    {"# daily_cap 9", "daily_cap", "150"},
    {"   # indented comment", "daily_cap", "150"},
    {"", "daily_cap", "150"},
};

static void
test_keys(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(keycases) / sizeof(keycases[0]); i++) {
		char *text = xasprintf(FROM "%s\n", keycases[i].line);
		struct config *c = parse_ok(text);

		expect(c, keycases[i].key, keycases[i].want);
		config_free(c);
		free(text);
	}
}

static void
test_from(void **state)
{
	static const struct {
		const char *line, *name, *addr;
	} cases[] = {
	    {"from lenann@example.com", "", "lenann@example.com"},
	    {"from <lenann@example.com>", "", "lenann@example.com"},
	    {"from Lenann <lenann@example.com>  ", "Lenann",
	     "lenann@example.com"},
	    {"from \"\\\"Gardner, Lenann\\\" <l@example.com>\"",
	     "Gardner, Lenann", "l@example.com"},
	    {"from Zo\xc3\xab \xc3\x96kland <zoe@example.se>",
	     "Zo\xc3\xab \xc3\x96kland", "zoe@example.se"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = xasprintf("%s\n", cases[i].line);
		struct config *c = parse_ok(text);

		expect(c, "from_name", cases[i].name);
		expect(c, "from_addr", cases[i].addr);
		expect(c, "unsubscribe", cases[i].addr);
		config_free(c);
		free(text);
	}
}

static const struct {
	const char *text;
	int rc;
	const char *err;
} errcases[] = {
    {FROM "foo bar\n", CONFIG_ESYNTAX, NAME ":2: unknown key 'foo'"},
    {"\n# c\n" FROM "Daily_cap 1\n", CONFIG_ESYNTAX,
     NAME ":4: unknown key 'Daily_cap'"},
    {FROM "daily_cap 1\n\ndaily_cap 2\n", CONFIG_ESYNTAX,
     NAME ":4: duplicate key 'daily_cap' (first set on line 2)"},
    {FROM FROM, CONFIG_ESYNTAX,
     NAME ":2: duplicate key 'from' (first set on line 1)"},
    {FROM "user\n", CONFIG_ESYNTAX, NAME ":2: missing value for 'user'"},
    {FROM "user   \r\n", CONFIG_ESYNTAX, NAME ":2: missing value for 'user'"},
    {FROM "window \"Mon-Fri\n", CONFIG_ESYNTAX,
     NAME ":2: window: unterminated quoted value"},
    {FROM "window \"Mon-Fri\" x\n", CONFIG_ESYNTAX,
     NAME ":2: window: text after the closing quote"},
    {FROM "tls_verify maybe\n", CONFIG_EVALUE,
     NAME ":2: tls_verify: 'maybe' is not a boolean (on/off, yes/no, "
          "true/false)"},
    {FROM "save_sent 1\n", CONFIG_EVALUE,
     NAME ":2: save_sent: '1' is not a boolean (on/off, yes/no, "
          "true/false)"},
    {FROM "daily_cap many\n", CONFIG_EVALUE,
     NAME ":2: daily_cap: 'many' is not a number"},
    {FROM "daily_cap -1\n", CONFIG_EVALUE,
     NAME ":2: daily_cap: '-1' is not a number"},
    {FROM "daily_cap 1.5\n", CONFIG_EVALUE,
     NAME ":2: daily_cap: '1.5' is not a number"},
    {FROM "daily_cap 99999999999999999999999\n", CONFIG_EVALUE,
     NAME ":2: daily_cap: '99999999999999999999999' is not a number"},
    {FROM "daily_cap 1000001\n", CONFIG_EVALUE,
     NAME ":2: daily_cap: 1000001 is out of range (0..1000000)"},
    {FROM "send_batch 0\n", CONFIG_EVALUE,
     NAME ":2: send_batch: 0 is out of range (1..100)"},
    {FROM "send_batch 101\n", CONFIG_EVALUE,
     NAME ":2: send_batch: 101 is out of range (1..100)"},
    {FROM "ooo_pause_days 366\n", CONFIG_EVALUE,
     NAME ":2: ooo_pause_days: 366 is out of range (0..365)"},
    {FROM "soft_bounce_retries x\n", CONFIG_EVALUE,
     NAME ":2: soft_bounce_retries: 'x' is not a number"},
    {FROM "min_gap 5x\n", CONFIG_EVALUE,
     NAME ":2: min_gap: '5x' is not a duration (e.g. 60, 60s, 2m, 1h, 1d)"},
    {FROM "jitter 1w\n", CONFIG_EVALUE,
     NAME ":2: jitter: '1w' is not a duration (e.g. 60, 60s, 2m, 1h, 1d)"},
    {FROM "idle_timeout 29m\n", CONFIG_EVALUE,
     NAME ":2: idle_timeout: 29m is out of range (1s..28m)"},
    {FROM "idle_timeout 0\n", CONFIG_EVALUE,
     NAME ":2: idle_timeout: 0 is out of range (1s..28m)"},
    {FROM "timeout 0s\n", CONFIG_EVALUE,
     NAME ":2: timeout: 0s is out of range (1s..1h)"},
    {FROM "poll_interval 8d\n", CONFIG_EVALUE,
     NAME ":2: poll_interval: 8d is out of range (1s..7d)"},
    {FROM "fetch_max 10\n", CONFIG_EVALUE,
     NAME ":2: fetch_max: 10 is out of range (1024..67108864 bytes)"},
    {FROM "max_message 1G\n", CONFIG_EVALUE,
     NAME ":2: max_message: '1G' is not a size (e.g. 65536, 64k, 10M)"},
    {FROM "password a\npasswordeval pass mail\n", CONFIG_EVALUE,
     NAME ":3: password and passwordeval are both set (the other on line "
          "2); keep one"},
    {FROM "passwordeval pass mail\npassword a\n", CONFIG_EVALUE,
     NAME ":3: password and passwordeval are both set (the other on line "
          "2); keep one"},
    {"user x\n", CONFIG_EVALUE, NAME ": required key 'from' is missing"},
    {"", CONFIG_EVALUE, NAME ": required key 'from' is missing"},
    {"from Lenann\n", CONFIG_EVALUE,
     NAME ":1: from: 'Lenann' is not a valid address (expected Name "
          "<user@example.com>)"},
    {"from Lenann <lenann@example.com\n", CONFIG_EVALUE,
     NAME ":1: from: 'Lenann <lenann@example.com' is not a valid address "
          "(expected Name <user@example.com>)"},
    {"from Lenann <lenann@example.com> x\n", CONFIG_EVALUE,
     NAME ":1: from: 'Lenann <lenann@example.com> x' is not a valid "
          "address (expected Name <user@example.com>)"},
    {"from <a@localhost>\n", CONFIG_EVALUE,
     NAME ":1: from: '<a@localhost>' is not a valid address (expected "
          "Name <user@example.com>)"},
    {FROM "unsubscribe nope\n", CONFIG_EVALUE,
     NAME ":2: unsubscribe: 'nope' is not a valid address"},
    {FROM "imap_url https://imap.example.com\n", CONFIG_EVALUE,
     NAME ":2: imap_url: 'https://imap.example.com' is not an imap:// or "
          "imaps:// URL"},
    {FROM "imap_url imaps://\n", CONFIG_EVALUE,
     NAME ":2: imap_url: 'imaps://' is not an imap:// or imaps:// URL"},
    {FROM "smtp_url imaps://x\n", CONFIG_EVALUE,
     NAME ":2: smtp_url: 'imaps://x' is not an smtp:// or smtps:// URL"},
    {FROM "log_level loud\n", CONFIG_EVALUE,
     NAME ":2: log_level: 'loud' is not one of error, warn, info, debug"},
    {FROM "sequence a\x1b[2Jb\n", CONFIG_EVALUE,
     NAME ":2: sequence: control character in value"},
};

static void
test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(errcases) / sizeof(errcases[0]); i++) {
		struct config *c = NULL;
		char *err = NULL;
		int rc = config_parse(NAME, errcases[i].text, &c, &err);

		if (rc != errcases[i].rc || err == NULL ||
		    strcmp(err, errcases[i].err) != 0)
			fail_msg("case %zu: rc %d err '%s', want %d '%s'", i,
			         rc, err ? err : "(null)", errcases[i].rc,
			         errcases[i].err);
		assert_null(c);
		free(err);
	}
}

/* an error never repeats a password */
static void
test_errors_hide_password(void **state)
{
	static const char *texts[] = {
	    FROM "password hunter2\npassword hunter3\n",
	    FROM "password hunter2\npasswordeval echo hunter3\n",
	    "password hunter2\n",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct config *c = NULL;
		char *err = NULL;

		assert_int_not_equal(config_parse(NAME, texts[i], &c, &err),
		                     CONFIG_OK);
		assert_non_null(err);
		assert_null(strstr(err, "hunter"));
		free(err);
	}
}

static const struct {
	const char *in;
	long want; /* -1: error */
} durations[] = {
    {"60", 60},
    {"60s", 60},
    {"2m", 120},
    {"1h", 3600},
    {"1d", 86400},
    {"0", 0},
    {"0s", 0},
    {"", 60}, /* the default */
    {"1.5m", -1},
    {"-1", -1},
    {" 5", -1},
    {"5 s", -1},
    {"5S", -1},
    {"5sec", -1},
    {"m", -1},
    {"2d", -1}, /* over min_gap's 1d maximum */
    {"184467440737095516160s", -1},
    {"307445734561825861m", -1},
};

static void
test_durations(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
		struct config *c = config_new();
		char *err = NULL;
		int rc = config_set(c, "min_gap", durations[i].in, &err);

		if (durations[i].want < 0) {
			if (rc != CONFIG_EVALUE)
				fail_msg("'%s' accepted as %ld",
				         durations[i].in, c->min_gap);
			assert_int_equal(c->min_gap, 60); /* unchanged */
			assert_non_null(strstr(err, "min_gap: "));
			free(err);
		} else {
			if (rc != CONFIG_OK)
				fail_msg("'%s': %s", durations[i].in, err);
			assert_int_equal(c->min_gap, durations[i].want);
		}
		config_free(c);
	}
}

static void
test_set(void **state)
{
	struct config *c = parse_ok(FROM "user lenann\nsmtp_user smtp-l\n"
	                                 "passwordeval pass x\n");
	char *err = NULL;

	(void)state;
	expect(c, "imap_user", "lenann");
	assert_int_equal(config_set(c, "daily_cap", "10", &err), CONFIG_OK);
	expect(c, "daily_cap", "10");
	/* user follows into imap_user (derived), not smtp_user (set) */
	assert_int_equal(config_set(c, "user", "other", &err), CONFIG_OK);
	expect(c, "imap_user", "other");
	expect(c, "smtp_user", "smtp-l");
	/* relative paths stay relative to the working directory */
	assert_int_equal(config_set(c, "templates", "tpl", &err), CONFIG_OK);
	expect(c, "templates", "tpl");
	/* from moves unsubscribe along */
	assert_int_equal(config_set(c, "from", "X <x@example.org>", &err),
	                 CONFIG_OK);
	expect(c, "unsubscribe", "x@example.org");
	assert_int_equal(config_set(c, "unsubscribe", "u@example.org", &err),
	                 CONFIG_OK);
	assert_int_equal(config_set(c, "from", "y@example.org", &err),
	                 CONFIG_OK);
	expect(c, "unsubscribe", "u@example.org");
	/* errors leave c unchanged */
	assert_int_equal(config_set(c, "nope", "1", &err), CONFIG_ESYNTAX);
	assert_string_equal(err, "unknown key 'nope'");
	free(err);
	err = NULL;
	assert_int_equal(config_set(c, "daily_cap", "x", &err), CONFIG_EVALUE);
	assert_string_equal(err, "daily_cap: 'x' is not a number");
	free(err);
	err = NULL;
	expect(c, "daily_cap", "10");
	assert_int_equal(config_set(c, "password", "pw", &err), CONFIG_EVALUE);
	assert_string_equal(err, "password and passwordeval are both set; "
	                         "keep one");
	free(err);
	err = NULL;
	expect(c, "password", "(null)");
	/* clearing passwordeval then allows password */
	assert_int_equal(config_set(c, "passwordeval", "", &err), CONFIG_OK);
	assert_int_equal(config_set(c, "password", "pw", &err), CONFIG_OK);
	assert_int_equal(config_check(c, &err), CONFIG_OK);
	config_free(c);

	c = config_new();
	assert_int_equal(config_check(c, &err), CONFIG_EVALUE);
	assert_string_equal(err, "config: required key 'from' is missing");
	free(err);
	err = NULL;
	assert_int_equal(config_set(c, "from", "a@example.com", &err),
	                 CONFIG_OK);
	assert_int_equal(config_check(c, &err), CONFIG_OK);
	expect(c, "unsubscribe", "a@example.com");
	config_free(c);
}

/* ---- files: loading, relative paths, secrecy */

static char tmpdir[PATH_MAX];

static int
setup_dir(void **state)
{
	char *real;
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_config.XXXXXX",
	         tmp != NULL && *tmp == '/' ? tmp : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	/* /tmp may be a symlink: compare against the real path */
	if ((real = realpath(tmpdir, NULL)) == NULL)
		return -1;
	snprintf(tmpdir, sizeof(tmpdir), "%s", real);
	free(real);
	return 0;
}

static int
teardown_dir(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	int rc;

	(void)state;
	rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : -1;
}

static char *
write_file(const char *name, const char *text, size_t len, mode_t mode)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static void
test_load(void **state)
{
	static const char text[] = FROM "password s3cret\n"
	                                "templates tpl\n"
	                                "database ~/nudge.db\n";
	struct config *c = NULL;
	char *err = NULL, *path, *want;
	const char *home = getenv("HOME");

	(void)state;
	path = write_file("ok", text, sizeof(text) - 1, 0600);
	if (config_load(path, &c, &err) != CONFIG_OK)
		fail_msg("%s", err);
	expect(c, "password", "s3cret");
	want = xasprintf("%s/tpl", tmpdir);
	expect(c, "templates", want);
	free(want);
	if (home != NULL && *home != '\0') {
		want = xasprintf("%s/nudge.db", home);
		expect(c, "database", want);
		free(want);
	}
	assert_string_equal(c->path, path);
	config_free(c);
	free(path);

	/* a relative config path resolves against its real directory */
	{
		char cwd[PATH_MAX];

		assert_non_null(getcwd(cwd, sizeof(cwd)));
		assert_int_equal(chdir(tmpdir), 0);
		c = NULL;
		assert_int_equal(config_load("ok", &c, &err), CONFIG_OK);
		want = xasprintf("%s/tpl", tmpdir);
		expect(c, "templates", want);
		free(want);
		config_free(c);
		assert_int_equal(chdir(cwd), 0);
	}
}

static void
test_load_errors(void **state)
{
	struct config *c = NULL;
	char *err = NULL, *path, *want;

	(void)state;
	path = xasprintf("%s/missing", tmpdir);
	assert_int_equal(config_load(path, &c, &err), CONFIG_EIO);
	want = xasprintf("%s: No such file or directory", path);
	assert_string_equal(err, want);
	free(want);
	free(err);
	free(path);

	assert_int_equal(config_load(tmpdir, &c, &err), CONFIG_EIO);
	want = xasprintf("%s: not a regular file", tmpdir);
	assert_string_equal(err, want);
	free(want);
	free(err);

	path = write_file("nul", FROM "user a\0b\n",
	                  sizeof(FROM "user a\0b\n") - 1, 0600);
	assert_int_equal(config_load(path, &c, &err), CONFIG_ESYNTAX);
	want = xasprintf("%s: contains a NUL byte", path);
	assert_string_equal(err, want);
	free(want);
	free(err);
	free(path);

	path = write_file("bad", FROM "\nfoo 1\n", sizeof(FROM "\nfoo 1\n") - 1,
	                  0600);
	assert_int_equal(config_load(path, &c, &err), CONFIG_ESYNTAX);
	want = xasprintf("%s:3: unknown key 'foo'", path);
	assert_string_equal(err, want);
	free(want);
	free(err);
	free(path);
	assert_null(c);
}

static const struct {
	mode_t mode;
	int with_password;
	int rc;
} secrecy[] = {
    {0600, 1, CONFIG_OK},
    {0400, 1, CONFIG_OK},
    {0700, 1, CONFIG_OK},
    {0644, 1, CONFIG_EINSECURE},
    {0640, 1, CONFIG_EINSECURE},
    {0604, 1, CONFIG_EINSECURE},
    {0620, 1, CONFIG_EINSECURE},
    {0601, 1, CONFIG_EINSECURE},
    {0644, 0, CONFIG_OK}, /* passwordeval: the file may be read */
    {0444, 0, CONFIG_OK},
    /* ... but not written by others: they could run any command as us */
    {0666, 0, CONFIG_EINSECURE},
    {0620, 0, CONFIG_EINSECURE},
    {0602, 0, CONFIG_EINSECURE},
};

static void
test_secrecy(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(secrecy) / sizeof(secrecy[0]); i++) {
		const char *text = secrecy[i].with_password
		                       ? FROM "password hunter2\n"
		                       : FROM "passwordeval pass mail\n";
		char *path =
		    write_file("sec", text, strlen(text), secrecy[i].mode);
		struct config *c = NULL;
		char *err = NULL, *want;
		int rc = config_load(path, &c, &err);

		if (rc != secrecy[i].rc)
			fail_msg("mode %04o: rc %d (%s)", secrecy[i].mode, rc,
			         err ? err : "");
		if (rc == CONFIG_EINSECURE) {
			if (secrecy[i].with_password)
				want = xasprintf("%s: holds a password but is "
				                 "accessible by others (mode "
				                 "%04o); chmod 600 it or use "
				                 "passwordeval",
				                 path, secrecy[i].mode);
			else
				want = xasprintf("%s: holds a passwordeval but "
				                 "is writable by others (mode "
				                 "%04o); chmod go-w it",
				                 path, secrecy[i].mode);
			assert_string_equal(err, want);
			assert_null(strstr(err, "hunter"));
			assert_null(c);
			free(want);
			free(err);
		} else
			config_free(c);
		unlink(path);
		free(path);
	}
}

/* the directory too: whoever can write it can swap the file for their own
 * (a sticky directory like /tmp only lets the owner replace a file) */
static const struct {
	mode_t mode;
	int rc;
} dir_secrecy[] = {
    {0700, CONFIG_OK},        {0755, CONFIG_OK},
    {0775, CONFIG_EINSECURE}, {0777, CONFIG_EINSECURE},
    {0757, CONFIG_EINSECURE}, {01777, CONFIG_OK},
};

static void
test_secrecy_dir(void **state)
{
	static const char text[] = FROM "passwordeval pass mail\n";
	char *dir = xasprintf("%s/d", tmpdir), *path, *err;

	(void)state;
	assert_int_equal(mkdir(dir, 0700), 0);
	path = xasprintf("%s/config", dir);
	for (size_t i = 0; i < sizeof(dir_secrecy) / sizeof(*dir_secrecy);
	     i++) {
		struct config *c = NULL;
		FILE *fp = fopen(path, "w");
		int rc;

		assert_non_null(fp);
		fputs(text, fp);
		assert_int_equal(fclose(fp), 0);
		assert_int_equal(chmod(path, 0600), 0);
		assert_int_equal(chmod(dir, dir_secrecy[i].mode), 0);
		err = NULL;
		rc = config_load(path, &c, &err);
		if (rc != dir_secrecy[i].rc)
			fail_msg("dir mode %04o: rc %d (%s)",
			         dir_secrecy[i].mode, rc, err ? err : "");
		if (rc == CONFIG_EINSECURE) {
			char *want = xasprintf("its directory %s is writable "
			                       "by others",
			                       dir);
			assert_non_null(strstr(err, want));
			free(want);
		}
		free(err);
		config_free(c);
	}
	/* a config without secret or command is not checked */
	{
		struct config *c = NULL;
		FILE *fp = fopen(path, "w");

		assert_non_null(fp);
		fputs(FROM, fp);
		assert_int_equal(fclose(fp), 0);
		assert_int_equal(chmod(path, 0666), 0);
		assert_int_equal(chmod(dir, 0777), 0);
		assert_int_equal(config_load(path, &c, &err), CONFIG_OK);
		config_free(c);
	}
	assert_int_equal(chmod(dir, 0700), 0);
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
}

/* owned by someone else: only root can arrange that */
static void
test_secrecy_owner(void **state)
{
	static const char text[] = FROM "password hunter2\n";
	struct config *c = NULL;
	char *err = NULL, *path;

	(void)state;
	if (geteuid() != 0)
		skip();
	path = write_file("owned", text, sizeof(text) - 1, 0600);
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(config_load(path, &c, &err), CONFIG_EINSECURE);
	assert_non_null(strstr(err, "owned by uid 65534, not by you"));
	free(err);
	free(path);
}

static void
test_default_path(void **state)
{
	char *p, *want;
	const char *home = getenv("HOME");
	char *saved = getenv("XDG_CONFIG_HOME")
	                  ? xstrdup(getenv("XDG_CONFIG_HOME"))
	                  : NULL;

	(void)state;
	setenv("XDG_CONFIG_HOME", "/xdg/conf", 1);
	p = config_default_path();
	assert_string_equal(p, "/xdg/conf/nudge/config");
	free(p);
	setenv("HOME", "/home/lenann", 1);
	unsetenv("XDG_CONFIG_HOME");
	p = config_default_path();
	assert_string_equal(p, "/home/lenann/.config/nudge/config");
	free(p);
	setenv("XDG_CONFIG_HOME", "relative/dir", 1); /* ignored, per XDG */
	p = config_default_path();
	assert_string_equal(p, "/home/lenann/.config/nudge/config");
	free(p);
	setenv("XDG_CONFIG_HOME", "", 1);
	want = xstrdup("/home/lenann/.config/nudge/config");
	p = config_default_path();
	assert_string_equal(p, want);
	free(p);
	free(want);
	if (home != NULL)
		setenv("HOME", home, 1);
	if (saved != NULL) {
		setenv("XDG_CONFIG_HOME", saved, 1);
		free(saved);
	} else
		unsetenv("XDG_CONFIG_HOME");
}

/* ---- secret_get */

static const struct {
	const char *cmd;
	int rc;
	const char *want; /* the secret, or a substring of the error */
} secrets[] = {
    {"echo s3cret", SECRET_OK, "s3cret"},
    {"printf 'a\\n\\n'", SECRET_OK, "a\n"}, /* ONE newline stripped */
    {"printf 'crlf\\r\\n'", SECRET_OK, "crlf"},
    {"printf 'no-newline'", SECRET_OK, "no-newline"},
    {"printf ' spaced \\n'", SECRET_OK, " spaced "},
    {"echo 'p#ss \"$HOME\"'", SECRET_OK, "p#ss \"$HOME\""},
    {"echo from-stdout; echo noise >&2", SECRET_OK, "from-stdout"},
    {"head -c 4096 /dev/zero | tr '\\000' x", SECRET_OK, NULL},
    {"false", SECRET_ECMD, "passwordeval: command exited with status 1"},
    {"echo topsecret; exit 3", SECRET_ECMD,
     "passwordeval: command exited with status 3"},
    {"kill -9 $$", SECRET_ECMD, "passwordeval: command killed by signal 9"},
    {"kill -TERM $$", SECRET_ECMD, "passwordeval: command killed by signal 15"},
    {"/nonexistent/command 2>/dev/null", SECRET_ECMD,
     "exited with status 127 (command not found?)"},
    {"true", SECRET_EOUTPUT, "passwordeval: command printed nothing"},
    {"echo", SECRET_EOUTPUT, "passwordeval: command printed nothing"},
    {"printf 'a\\000b'", SECRET_EOUTPUT, "holds a NUL byte"},
    {"head -c 4097 /dev/zero | tr '\\000' x", SECRET_EOUTPUT,
     "longer than 4096 bytes"},
    {"yes", SECRET_EOUTPUT, "longer than 4096 bytes"},
};

static void
test_secret_eval(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		struct config *c = config_new();
		char *pw = NULL, *err = NULL;
		int rc;

		assert_int_equal(
		    config_set(c, "passwordeval", secrets[i].cmd, &err),
		    CONFIG_OK);
		rc = secret_get(c, &pw, &err);
		if (rc != secrets[i].rc)
			fail_msg("'%s': rc %d (%s), want %d", secrets[i].cmd,
			         rc, err ? err : "", secrets[i].rc);
		if (rc == SECRET_OK) {
			assert_null(err);
			if (secrets[i].want != NULL)
				assert_string_equal(pw, secrets[i].want);
			else
				assert_int_equal(strlen(pw), SECRET_MAX);
			secret_free(pw);
		} else {
			assert_null(pw);
			if (strstr(err, secrets[i].want) == NULL)
				fail_msg("'%s': error '%s' lacks '%s'",
				         secrets[i].cmd, err, secrets[i].want);
			/* neither the output nor the command is repeated */
			assert_null(strstr(err, "topsecret"));
			assert_null(strstr(err, secrets[i].cmd));
			free(err);
		}
		config_free(c);
	}
}

static void
test_secret_literal(void **state)
{
	struct config *c = config_new();
	char *pw = NULL, *err = NULL;

	(void)state;
	assert_int_equal(secret_get(c, &pw, &err), SECRET_ENONE);
	assert_string_equal(err, "neither password nor passwordeval is set");
	free(err);
	err = NULL;
	assert_int_equal(config_set(c, "password", "lit eral", &err),
	                 CONFIG_OK);
	assert_int_equal(secret_get(c, &pw, &err), SECRET_OK);
	assert_string_equal(pw, "lit eral");
	secret_free(pw);
	secret_free(NULL);
	config_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_keys),
	    cmocka_unit_test(test_from),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_errors_hide_password),
	    cmocka_unit_test(test_durations),
	    cmocka_unit_test(test_set),
	    cmocka_unit_test(test_load),
	    cmocka_unit_test(test_load_errors),
	    cmocka_unit_test(test_secrecy),
	    cmocka_unit_test(test_secrecy_dir),
	    cmocka_unit_test(test_secrecy_owner),
	    cmocka_unit_test(test_default_path),
	    cmocka_unit_test(test_secret_eval),
	    cmocka_unit_test(test_secret_literal),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
