/* config - see config.h */
#include "autoconf.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "xalloc.h"

#define CONFIG_MAX_SIZE (1024 * 1024) /* a config file larger is refused */
#define SET_BY_OVERRIDE UINT_MAX      /* set_line value for config_set */

enum type {
	T_STR,    /* char *, may be NULL */
	T_SECRET, /* char *, never echoed in messages */
	T_PATH,   /* char *, ~ and relative resolution */
	T_BOOL,   /* int */
	T_INT,    /* int in [min, max] */
	T_LONG,   /* long in [min, max] */
	T_DUR,    /* long seconds in [min, max] */
	T_SIZE,   /* size_t bytes in [min, max] */
	T_FROM,   /* from, from_name, from_addr */
	T_ADDR,   /* char *, an address */
	T_IMAPURL,
	T_SMTPURL,
	T_LIST,  /* watch_folders */
	T_LEVEL, /* log_level */
};

struct key {
	const char *name;
	enum type type;
	size_t off;
	long min, max;
	const char *def; /* default as the string config_set would take */
};

#define O(f) offsetof(struct config, f)

static const struct key keys[] = {
    {"from", T_FROM, O(from), 0, 0, NULL},
    {"imap_url", T_IMAPURL, O(imap_url), 0, 0, NULL},
    {"smtp_url", T_SMTPURL, O(smtp_url), 0, 0, NULL},
    {"user", T_STR, O(user), 0, 0, NULL},
    {"imap_user", T_STR, O(imap_user), 0, 0, NULL},
    {"smtp_user", T_STR, O(smtp_user), 0, 0, NULL},
    {"password", T_SECRET, O(password), 0, 0, NULL},
    {"passwordeval", T_STR, O(passwordeval), 0, 0, NULL},
    {"tls_trust_file", T_PATH, O(tls_trust_file), 0, 0, NULL},
    {"tls_verify", T_BOOL, O(tls_verify), 0, 0, "on"},
    {"tls_starttls", T_BOOL, O(tls_starttls), 0, 0, "on"},
    {"watch_folders", T_LIST, O(watch_folders), 0, 0, "INBOX"},
    {"sent_folder", T_STR, O(sent_folder), 0, 0, NULL},
    {"save_sent", T_BOOL, O(save_sent), 0, 0, "on"},
    {"timezone", T_STR, O(timezone), 0, 0, NULL},
    {"window", T_STR, O(window), 0, 0, "Mon-Fri 08:30-17:00"},
    {"holidays", T_PATH, O(holidays), 0, 0, NULL},
    {"daily_cap", T_LONG, O(daily_cap), 0, 1000000, "150"},
    {"min_gap", T_DUR, O(min_gap), 0, 86400, "60s"},
    {"jitter", T_DUR, O(jitter), 0, 86400, "30s"},
    {"send_batch", T_LONG, O(send_batch), 1, 100, "8"},
    {"sequence", T_STR, O(sequence), 0, 0, "12345x"},
    {"templates", T_PATH, O(templates), 0, 0, NULL},
    {"rules", T_PATH, O(rules), 0, 0, NULL},
    {"database", T_PATH, O(database), 0, 0, NULL},
    {"unsubscribe", T_ADDR, O(unsubscribe), 0, 0, NULL},
    {"fetch_max", T_SIZE, O(fetch_max), 1024, 64L * 1024 * 1024, "65536"},
    {"ooo_pause_days", T_INT, O(ooo_pause_days), 0, 365, "3"},
    {"soft_bounce_retries", T_INT, O(soft_bounce_retries), 0, 100, "3"},
    {"same_domain_match", T_BOOL, O(same_domain_match), 0, 0, "off"},
    {"after_contact", T_STR, O(after_contact), 0, 0, "after-contact"},
    {"nurture", T_STR, O(nurture), 0, 0, "nurture"},
    {"nurture_slow", T_STR, O(nurture_slow), 0, 0, "nurture-slow"},
    {"reopen", T_STR, O(reopen), 0, 0, "reopen"},
    {"snooze_days", T_INT, O(snooze_days), 1, 3650, "90"},
    {"ooo_max_pause", T_INT, O(ooo_max_pause), 1, 3650, "60"},
    {"bounce_window", T_INT, O(bounce_window), 1, 3650, "30"},
    {"task_grace", T_INT, O(task_grace), 0, 365, "2"},
    {"vary_times", T_BOOL, O(vary_times), 0, 0, "on"},
    {"country_holidays", T_BOOL, O(country_holidays), 0, 0, "on"},
    {"watch_sent", T_BOOL, O(watch_sent), 0, 0, "off"},
    {"idle_timeout", T_DUR, O(idle_timeout), 1, 28 * 60, "25m"},
    {"poll_interval", T_DUR, O(poll_interval), 1, 7 * 86400, "5m"},
    {"max_message", T_SIZE, O(max_message), 1024, 1024L * 1024 * 1024, "10M"},
    {"timeout", T_DUR, O(timeout), 1, 3600, "30s"},
    {"log_level", T_LEVEL, O(log_level), 0, 0, "info"},
    {"sender_name", T_STR, O(sender_name), 0, 0, NULL},
    {"sender_title", T_STR, O(sender_title), 0, 0, NULL},
    {"sender_phone", T_STR, O(sender_phone), 0, 0, NULL},
    {"signature", T_PATH, O(signature), 0, 0, NULL},
    {"digest_to", T_STR, O(digest_to), 0, 0, NULL},
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const char *levels[] = {"error", "warn", "info", "debug", NULL};

#define FIELD(c, k, t) (*(t *)(void *)((char *)(c) + (k)->off))

static const struct key *
find_key(const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static size_t
key_index(const char *name)
{
	return (size_t)(find_key(name) - keys);
}

static int
has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return 1;
	return 0;
}

/*
 * A pragmatic address check (the same rules as csv_email_valid): one '@', a
 * non-empty local part, a dotted domain without empty labels, no white space,
 * control or header-breaking characters, at most 254 bytes.
 */
static int
addr_valid(const char *s)
{
	const char *at, *p;
	size_t len = strlen(s);

	if (len == 0 || len > 254)
		return 0;
	if ((at = strchr(s, '@')) == NULL || strchr(at + 1, '@') != NULL)
		return 0;
	if (at == s || at - s > 64 || at[1] == '\0')
		return 0;
	for (p = s; *p != '\0'; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch <= 0x20 || ch == 0x7f || strchr("<>()[],;:\\\"", ch))
			return 0;
	}
	p = at + 1;
	if (*p == '.' || s[len - 1] == '.' || strstr(p, "..") != NULL ||
	    strchr(p, '.') == NULL)
		return 0;
	return 1;
}

/* home directory: $HOME, else the password database; NULL if neither. */
static const char *
home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h != NULL && *h != '\0')
		return h;
	if ((pw = getpwuid(getuid())) != NULL && pw->pw_dir != NULL &&
	    *pw->pw_dir != '\0')
		return pw->pw_dir;
	return NULL;
}

/* "~/x" → "$HOME/x"; relative → "base/x" when base is given. */
static char *
resolve_path(const char *v, const char *base, char **err)
{
	const char *home;

	if (v[0] == '~' && (v[1] == '/' || v[1] == '\0')) {
		if ((home = home_dir()) == NULL) {
			*err = xstrdup("cannot expand '~': no home directory");
			return NULL;
		}
		return xasprintf("%s%s", home, v + 1);
	}
	if (v[0] != '/' && base != NULL)
		return xasprintf("%s/%s", base, v);
	return xstrdup(v);
}

/* Digits only, no sign or space; 0 on success with *n set. */
static int
parse_digits(const char *s, const char **end, unsigned long long *n)
{
	unsigned long long v = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		if (v > (ULLONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (unsigned long long)(*s - '0');
	}
	*end = s;
	*n = v;
	return 0;
}

static int
parse_bool(const char *v, int *out)
{
	static const char *yes[] = {"on", "yes", "true"},
	                  *no[] = {"off", "no", "false"};
	size_t i;

	for (i = 0; i < 3; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

static int
parse_number(const char *v, unsigned long long *out)
{
	const char *end;

	if (parse_digits(v, &end, out) == -1 || *end != '\0')
		return -1;
	return 0;
}

static int
parse_duration(const char *v, unsigned long long *out)
{
	const char *end;
	unsigned long long n, mul;

	if (parse_digits(v, &end, &n) == -1)
		return -1;
	if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
		mul = 1;
	else if (strcmp(end, "m") == 0)
		mul = 60;
	else if (strcmp(end, "h") == 0)
		mul = 3600;
	else if (strcmp(end, "d") == 0)
		mul = 86400;
	else
		return -1;
	if (n > ULLONG_MAX / mul)
		return -1;
	*out = n * mul;
	return 0;
}

static int
parse_size(const char *v, unsigned long long *out)
{
	const char *end;
	unsigned long long n, mul;

	if (parse_digits(v, &end, &n) == -1)
		return -1;
	if (strcmp(end, "") == 0)
		mul = 1;
	else if (strcmp(end, "k") == 0 || strcmp(end, "K") == 0)
		mul = 1024;
	else if (strcmp(end, "M") == 0)
		mul = 1024 * 1024;
	else
		return -1;
	if (n > ULLONG_MAX / mul)
		return -1;
	*out = n * mul;
	return 0;
}

static char *
fmt_duration(long s)
{
	if (s % 86400 == 0 && s >= 86400)
		return xasprintf("%ldd", s / 86400);
	if (s % 3600 == 0 && s >= 3600)
		return xasprintf("%ldh", s / 3600);
	if (s % 60 == 0 && s >= 60)
		return xasprintf("%ldm", s / 60);
	return xasprintf("%lds", s);
}

/*
 * "Name <addr>", "\"Name, Inc\" <addr>", "<addr>" or "addr" into a malloc'd
 * name ("" when none) and address; -1 when malformed.
 */
static int
parse_from(const char *v, char **name, char **addr)
{
	const char *lt, *gt, *p;
	char *n, *a;
	size_t nlen;
	struct buf b;

	if ((lt = strchr(v, '<')) == NULL) {
		a = xstrdup(v);
		n = xstrdup("");
	} else {
		if ((gt = strchr(lt, '>')) == NULL)
			return -1;
		for (p = gt + 1; *p != '\0'; p++)
			if (!isspace((unsigned char)*p))
				return -1;
		a = xstrndup(lt + 1, (size_t)(gt - lt - 1));
		for (p = v; p < lt && isspace((unsigned char)*p); p++)
			;
		nlen = (size_t)(lt - p);
		while (nlen > 0 && isspace((unsigned char)p[nlen - 1]))
			nlen--;
		if (nlen >= 2 && p[0] == '"' && p[nlen - 1] == '"') {
			buf_init(&b);
			for (size_t i = 1; i < nlen - 1; i++) {
				if (p[i] == '\\' && i + 1 < nlen - 1)
					i++;
				buf_addc(&b, p[i]);
			}
			n = buf_steal(&b);
		} else
			n = xstrndup(p, nlen);
	}
	if (!addr_valid(a) || has_ctl(n) || strchr(n, '<') || strchr(n, '>')) {
		free(a);
		free(n);
		return -1;
	}
	*name = n;
	*addr = a;
	return 0;
}

static int
url_valid(const char *v, const char *s1, const char *s2)
{
	size_t l;

	if (strncasecmp(v, s1, (l = strlen(s1))) != 0 &&
	    strncasecmp(v, s2, (l = strlen(s2))) != 0)
		return 0;
	if (v[l] == '\0' || v[l] == '/' || v[l] == ':')
		return 0;
	for (; *v != '\0'; v++)
		if ((unsigned char)*v <= 0x20 || *v == 0x7f)
			return 0;
	return 1;
}

static void
free_list(char **l)
{
	if (l == NULL)
		return;
	for (char **p = l; *p != NULL; p++)
		free(*p);
	free(l);
}

static char **
split_list(const char *v, size_t *n)
{
	char **l = NULL;
	size_t cnt = 0;
	const char *p = v, *start;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		start = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		l = xreallocarray(l, cnt + 2, sizeof(*l));
		l[cnt++] = xstrndup(start, (size_t)(p - start));
		l[cnt] = NULL;
	}
	*n = cnt;
	return l;
}

/*
 * Derived defaults: imap_user/smtp_user follow user and unsubscribe follows
 * from_addr unless they were given a value of their own.
 */
static void
derive(struct config *c)
{
	static const struct {
		const char *key;
		size_t dst, src;
	} d[] = {
	    {"imap_user", O(imap_user), O(user)},
	    {"smtp_user", O(smtp_user), O(user)},
	    {"unsubscribe", O(unsubscribe), O(from_addr)},
	};
	size_t i;

	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		char **dst = (char **)(void *)((char *)c + d[i].dst);
		char *src = *(char **)(void *)((char *)c + d[i].src);

		if (c->set_line[key_index(d[i].key)] != 0 && *dst != NULL)
			continue;
		free(*dst);
		*dst = src != NULL ? xstrdup(src) : NULL;
	}
}

/* free a string field, overwriting it first when it is the password */
static void
free_field(const struct key *k, char *p)
{
	if (p != NULL && k->type == T_SECRET)
		explicit_bzero(p, strlen(p));
	free(p);
}

/*
 * Parse value for key k and store it in c.  base resolves relative paths
 * (NULL: leave them relative).  On error returns a CONFIG_E* code and *err (a
 * message without location) and leaves c unchanged.  An empty value restores
 * the default.
 */
static int
set_value(struct config *c, const struct key *k, const char *v,
          const char *base, char **err)
{
	unsigned long long n;
	char *s, *s2;
	size_t cnt;
	char **l;
	int b;

	if (*v == '\0')
		v = k->def != NULL ? k->def : NULL;
	if (v == NULL) {
		if (k->type == T_FROM) {
			free(c->from_name);
			free(c->from_addr);
			c->from_name = c->from_addr = NULL;
		}
		free_field(k, FIELD(c, k, char *));
		FIELD(c, k, char *) = NULL;
		return CONFIG_OK;
	}
	if (k->type != T_SECRET && has_ctl(v)) {
		*err = xasprintf("%s: control character in value", k->name);
		return CONFIG_EVALUE;
	}
	switch (k->type) {
	case T_SECRET:
		if (strchr(v, '\n') != NULL || strchr(v, '\r') != NULL) {
			*err = xasprintf("%s: line break in value", k->name);
			return CONFIG_EVALUE;
		}
		/* FALLTHROUGH */
	case T_STR:
		if ((k->type == T_SECRET && c->passwordeval != NULL) ||
		    (strcmp(k->name, "passwordeval") == 0 &&
		     c->password != NULL)) {
			*err = xstrdup("password and passwordeval are both set;"
			               " keep one");
			return CONFIG_EVALUE;
		}
		free_field(k, FIELD(c, k, char *));
		FIELD(c, k, char *) = xstrdup(v);
		break;
	case T_PATH:
		if ((s = resolve_path(v, base, err)) == NULL)
			return CONFIG_EVALUE;
		free(FIELD(c, k, char *));
		FIELD(c, k, char *) = s;
		break;
	case T_BOOL:
		if (parse_bool(v, &b) == -1) {
			*err = xasprintf("%s: '%s' is not a boolean "
			                 "(on/off, yes/no, true/false)",
			                 k->name, v);
			return CONFIG_EVALUE;
		}
		FIELD(c, k, int) = b;
		break;
	case T_INT:
	case T_LONG:
		if (parse_number(v, &n) == -1) {
			*err =
			    xasprintf("%s: '%s' is not a number", k->name, v);
			return CONFIG_EVALUE;
		}
		if (n < (unsigned long long)k->min ||
		    n > (unsigned long long)k->max) {
			*err = xasprintf("%s: %s is out of range (%ld..%ld)",
			                 k->name, v, k->min, k->max);
			return CONFIG_EVALUE;
		}
		if (k->type == T_INT)
			FIELD(c, k, int) = (int)n;
		else
			FIELD(c, k, long) = (long)n;
		break;
	case T_DUR:
		if (parse_duration(v, &n) == -1) {
			*err = xasprintf("%s: '%s' is not a duration "
			                 "(e.g. 60, 60s, 2m, 1h, 1d)",
			                 k->name, v);
			return CONFIG_EVALUE;
		}
		if (n < (unsigned long long)k->min ||
		    n > (unsigned long long)k->max) {
			s = fmt_duration(k->min);
			s2 = fmt_duration(k->max);
			*err = xasprintf("%s: %s is out of range (%s..%s)",
			                 k->name, v, s, s2);
			free(s);
			free(s2);
			return CONFIG_EVALUE;
		}
		FIELD(c, k, long) = (long)n;
		break;
	case T_SIZE:
		if (parse_size(v, &n) == -1) {
			*err = xasprintf("%s: '%s' is not a size "
			                 "(e.g. 65536, 64k, 10M)",
			                 k->name, v);
			return CONFIG_EVALUE;
		}
		if (n < (unsigned long long)k->min ||
		    n > (unsigned long long)k->max) {
			*err = xasprintf("%s: %s is out of range (%ld..%ld "
			                 "bytes)",
			                 k->name, v, k->min, k->max);
			return CONFIG_EVALUE;
		}
		FIELD(c, k, size_t) = (size_t)n;
		break;
	case T_FROM:
		if (parse_from(v, &s, &s2) == -1) {
			*err = xasprintf("from: '%s' is not a valid address "
			                 "(expected Name <user@example.com>)",
			                 v);
			return CONFIG_EVALUE;
		}
		free(c->from);
		free(c->from_name);
		free(c->from_addr);
		c->from = xstrdup(v);
		c->from_name = s;
		c->from_addr = s2;
		break;
	case T_ADDR:
		if (strncasecmp(v, "mailto:", 7) == 0)
			v += 7;
		if (!addr_valid(v)) {
			*err = xasprintf("%s: '%s' is not a valid address",
			                 k->name, v);
			return CONFIG_EVALUE;
		}
		free(FIELD(c, k, char *));
		FIELD(c, k, char *) = xstrdup(v);
		break;
	case T_IMAPURL:
	case T_SMTPURL:
		if (!url_valid(v,
		               k->type == T_IMAPURL ? "imaps://" : "smtps://",
		               k->type == T_IMAPURL ? "imap://" : "smtp://")) {
			*err = xasprintf(
			    "%s: '%s' is not an %s URL", k->name, v,
			    k->type == T_IMAPURL ? "imap:// or imaps://"
			                         : "smtp:// or smtps://");
			return CONFIG_EVALUE;
		}
		free(FIELD(c, k, char *));
		FIELD(c, k, char *) = xstrdup(v);
		break;
	case T_LIST:
		if ((l = split_list(v, &cnt)) == NULL) {
			*err = xasprintf("%s: empty list", k->name);
			return CONFIG_EVALUE;
		}
		free_list(c->watch_folders);
		c->watch_folders = l;
		c->nwatch_folders = cnt;
		break;
	case T_LEVEL:
		for (cnt = 0; levels[cnt] != NULL; cnt++)
			if (strcmp(levels[cnt], v) == 0)
				break;
		if (levels[cnt] == NULL) {
			*err = xasprintf("%s: '%s' is not one of error, warn, "
			                 "info, debug",
			                 k->name, v);
			return CONFIG_EVALUE;
		}
		free(c->log_level);
		c->log_level = xstrdup(v);
		break;
	}
	return CONFIG_OK;
}

struct config *
config_new(void)
{
	struct config *c = xcalloc(1, sizeof(*c));
	char *err = NULL;
	size_t i;

	c->set_line = xcalloc(NKEYS, sizeof(*c->set_line));
	for (i = 0; i < NKEYS; i++)
		if (keys[i].def != NULL &&
		    set_value(c, &keys[i], keys[i].def, NULL, &err) != 0)
			abort(); /* a default that does not parse is a bug */
	return c;
}

void
config_free(struct config *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < NKEYS; i++) {
		switch (keys[i].type) {
		case T_STR:
		case T_SECRET:
		case T_PATH:
		case T_FROM:
		case T_ADDR:
		case T_IMAPURL:
		case T_SMTPURL:
		case T_LEVEL:
			free_field(&keys[i], FIELD(c, &keys[i], char *));
			break;
		case T_LIST:
			free_list(c->watch_folders);
			break;
		default:
			break;
		}
	}
	free(c->path);
	free(c->from_name);
	free(c->from_addr);
	free(c->set_line);
	free(c);
}

int
config_set(struct config *c, const char *key, const char *value, char **errstr)
{
	const struct key *k;
	char *err = NULL;
	int rc;

	if ((k = find_key(key)) == NULL) {
		*errstr = xasprintf("unknown key '%s'", key);
		return CONFIG_ESYNTAX;
	}
	if ((rc = set_value(c, k, value, NULL, &err)) != CONFIG_OK) {
		*errstr = err;
		return rc;
	}
	c->set_line[k - keys] = SET_BY_OVERRIDE;
	derive(c);
	return CONFIG_OK;
}

int
config_check(const struct config *c, char **errstr)
{
	const char *name = c->path != NULL ? c->path : "config";

	if (c->from_addr == NULL) {
		*errstr = xasprintf("%s: required key 'from' is missing", name);
		return CONFIG_EVALUE;
	}
	if (c->password != NULL && c->passwordeval != NULL) {
		*errstr = xasprintf("%s: password and passwordeval are both "
		                    "set; keep one",
		                    name);
		return CONFIG_EVALUE;
	}
	return CONFIG_OK;
}

/*
 * Unquote a value starting at the opening '"' at *p.  Returns the malloc'd
 * value, or NULL with *err set when the quote is not closed or something other
 * than white space follows it.
 */
static char *
unquote(const char *p, const char *end, char **err)
{
	struct buf b;

	buf_init(&b);
	for (p++; p < end && *p != '"'; p++) {
		if (*p == '\\' && p + 1 < end && (p[1] == '"' || p[1] == '\\'))
			p++;
		buf_addc(&b, *p);
	}
	if (p >= end) {
		buf_free(&b);
		*err = xstrdup("unterminated quoted value");
		return NULL;
	}
	for (p++; p < end; p++)
		if (!isspace((unsigned char)*p)) {
			buf_free(&b);
			*err = xstrdup("text after the closing quote");
			return NULL;
		}
	return buf_steal(&b);
}

/* the directory part of name, or NULL when it has none */
static char *
dir_of(const char *name)
{
	const char *slash = strrchr(name, '/');

	if (slash == NULL)
		return NULL;
	if (slash == name)
		return xstrdup("/");
	return xstrndup(name, (size_t)(slash - name));
}

static int
parse_text(const char *name, const char *text, const char *base,
           struct config **out, char **errstr)
{
	struct config *c = config_new();
	const char *p = text, *eol, *end, *ks, *ke, *vs;
	const struct key *k;
	unsigned int line = 0;
	char *key = NULL, *val = NULL, *err = NULL;
	int rc = CONFIG_OK;

	c->path = xstrdup(name);
	for (; *p != '\0'; p = *eol != '\0' ? eol + 1 : eol) {
		line++;
		eol = strchr(p, '\n');
		if (eol == NULL)
			eol = p + strlen(p);
		end = eol;
		if (end > p && end[-1] == '\r')
			end--;
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (p == end || *p == '#')
			continue;
		for (ks = p; p < end && !isspace((unsigned char)*p); p++)
			;
		ke = p;
		while (p < end && isspace((unsigned char)*p))
			p++;
		vs = p;
		while (end > vs && isspace((unsigned char)end[-1]))
			end--;
		key = xstrndup(ks, (size_t)(ke - ks));
		if ((k = find_key(key)) == NULL) {
			*errstr = xasprintf("%s:%u: unknown key '%s'", name,
			                    line, key);
			rc = CONFIG_ESYNTAX;
			goto fail;
		}
		if (c->set_line[k - keys] != 0) {
			*errstr =
			    xasprintf("%s:%u: duplicate key '%s' (first "
			              "set on line %u)",
			              name, line, key, c->set_line[k - keys]);
			rc = CONFIG_ESYNTAX;
			goto fail;
		}
		if (vs == end) {
			*errstr = xasprintf("%s:%u: missing value for '%s'",
			                    name, line, key);
			rc = CONFIG_ESYNTAX;
			goto fail;
		}
		if (*vs == '"') {
			if ((val = unquote(vs, end, &err)) == NULL) {
				*errstr = xasprintf("%s:%u: %s: %s", name, line,
				                    key, err);
				rc = CONFIG_ESYNTAX;
				goto fail;
			}
		} else
			val = xstrndup(vs, (size_t)(end - vs));
		if ((rc = set_value(c, k, val, base, &err)) != CONFIG_OK) {
			if ((k->type == T_SECRET && c->passwordeval != NULL) ||
			    (strcmp(key, "passwordeval") == 0 &&
			     c->password != NULL)) {
				free(err);
				err = xasprintf(
				    "password and passwordeval are"
				    " both set (the other on line "
				    "%u); keep one",
				    c->set_line[key_index(k->type == T_SECRET
				                              ? "passwordeval"
				                              : "password")]);
			}
			*errstr = xasprintf("%s:%u: %s", name, line, err);
			goto fail;
		}
		c->set_line[k - keys] = line;
		if (k->type == T_SECRET)
			explicit_bzero(val, strlen(val));
		free(val);
		free(key);
		val = key = NULL;
	}
	derive(c);
	if ((rc = config_check(c, errstr)) != CONFIG_OK)
		goto fail;
	*out = c;
	return CONFIG_OK;
fail:
	if (val != NULL)
		explicit_bzero(val, strlen(val));
	free(val);
	free(key);
	free(err);
	config_free(c);
	return rc;
}

int
config_parse(const char *name, const char *text, struct config **out,
             char **errstr)
{
	char *base = dir_of(name);
	int rc;

	rc = parse_text(name, text, base, out, errstr);
	free(base);
	return rc;
}

/*
 * The keys whose value is a secret or a command nudge runs.  A file that sets
 * one must belong to us and be writable by nobody else, and so must the
 * directories it is found through: whoever can write the file (or swap it in
 * its directory) can run commands as us or read what we send.
 */
static const char *const sensitive_keys[] = {"password", "passwordeval"};

/* a directory others cannot use to swap our file: ours or root's, not
 * group/world writable unless sticky (like /tmp, where only the owner of a
 * file can replace it) */
static int
check_dir(const char *path, const char *dir, const char *what, char **errstr)
{
	struct stat ds;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd == -1 || fstat(dfd, &ds) == -1) {
		*errstr = xasprintf("%s: directory %s: %s", path, dir,
		                    strerror(errno));
		if (dfd != -1)
			close(dfd);
		return CONFIG_EIO;
	}
	close(dfd);
	if (ds.st_uid != geteuid() && ds.st_uid != 0) {
		*errstr = xasprintf("%s: sets %s but its directory %s is owned "
		                    "by uid %lu, not by you or root",
		                    path, what, dir, (unsigned long)ds.st_uid);
		return CONFIG_EINSECURE;
	}
	if ((ds.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
	    (ds.st_mode & S_ISVTX) == 0) {
		*errstr =
		    xasprintf("%s: sets %s but its directory %s is "
		              "writable by others (mode %04o); chmod go-w "
		              "it",
		              path, what, dir, (unsigned)(ds.st_mode & 07777));
		return CONFIG_EINSECURE;
	}
	return CONFIG_OK;
}

/*
 * check_secrecy: st is the fstat of the opened file, lexdir the real path of
 * the directory it was named in.  A literal password needs mode 0600 or
 * stricter; any sensitive key needs the file owned by us, with no group/other
 * write bit, in directories (the one named and, through a symlink, the real
 * one) that pass check_dir.
 */
static int
check_secrecy(const char *path, const struct stat *st, const char *lexdir,
              const struct config *c, char **errstr)
{
	const char *what = NULL;
	char *real, *rdir;
	int rc;

	for (size_t i = 0; i < sizeof(sensitive_keys) / sizeof(*sensitive_keys);
	     i++)
		if (FIELD(c, find_key(sensitive_keys[i]), char *) != NULL) {
			what = sensitive_keys[i];
			break;
		}
	if (what == NULL)
		return CONFIG_OK;
	if (st->st_uid != geteuid()) {
		*errstr = xasprintf("%s: holds a %s but is owned by uid %lu, "
		                    "not by you; fix it%s",
		                    path, what, (unsigned long)st->st_uid,
		                    c->password ? " or use passwordeval" : "");
		return CONFIG_EINSECURE;
	}
	if (c->password != NULL && (st->st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		*errstr = xasprintf("%s: holds a password but is "
		                    "accessible by others (mode %04o);"
		                    " chmod 600 it or use passwordeval",
		                    path, (unsigned)(st->st_mode & 07777));
		return CONFIG_EINSECURE;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		*errstr =
		    xasprintf("%s: holds a %s but is writable by others "
		              "(mode %04o); chmod go-w it",
		              path, what, (unsigned)(st->st_mode & 07777));
		return CONFIG_EINSECURE;
	}
	if ((rc = check_dir(path, lexdir, what, errstr)) != CONFIG_OK)
		return rc;
	if ((real = realpath(path, NULL)) == NULL)
		return CONFIG_OK; /* the lexical directory was checked */
	rdir = dir_of(real);
	rc = CONFIG_OK;
	if (rdir != NULL && strcmp(rdir, lexdir) != 0)
		rc = check_dir(path, rdir, what, errstr);
	free(rdir);
	free(real);
	return rc;
}

int
config_load(const char *path, struct config **out, char **errstr)
{
	struct config *c = NULL;
	struct stat st;
	struct buf b;
	char chunk[4096], *dir = NULL, *base = NULL;
	ssize_t n;
	int fd, rc = CONFIG_EIO;

	buf_init(&b);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		*errstr = xasprintf("%s: %s", path, strerror(errno));
		goto done;
	}
	if (fstat(fd, &st) == -1) {
		*errstr = xasprintf("%s: %s", path, strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		*errstr = xasprintf("%s: not a regular file", path);
		goto done;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			*errstr = xasprintf("%s: %s", path, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		if (memchr(chunk, '\0', (size_t)n) != NULL) {
			*errstr = xasprintf("%s: contains a NUL byte", path);
			rc = CONFIG_ESYNTAX;
			goto done;
		}
		buf_add(&b, chunk, (size_t)n);
		if (b.len > CONFIG_MAX_SIZE) {
			*errstr = xasprintf("%s: larger than %d bytes", path,
			                    CONFIG_MAX_SIZE);
			rc = CONFIG_ESYNTAX;
			goto done;
		}
	}
	/* resolve relative paths against the file's real directory */
	if ((dir = dir_of(path)) == NULL)
		dir = xstrdup(".");
	if ((base = realpath(dir, NULL)) == NULL)
		base = xstrdup(dir);
	if ((rc = parse_text(path, b.s != NULL ? b.s : "", base, &c, errstr)) !=
	    CONFIG_OK)
		goto done;
	if ((rc = check_secrecy(path, &st, base, c, errstr)) != CONFIG_OK)
		goto done;
	*out = c;
	c = NULL;
	rc = CONFIG_OK;
done:
	if (fd != -1)
		close(fd);
	if (b.s != NULL)
		explicit_bzero(b.s, b.len);
	buf_free(&b);
	explicit_bzero(chunk, sizeof(chunk));
	config_free(c);
	free(dir);
	free(base);
	return rc;
}

char *
config_default_path(void)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *home;

	if (x != NULL && x[0] == '/')
		return xasprintf("%s/nudge/config", x);
	if ((home = home_dir()) == NULL)
		return NULL;
	return xasprintf("%s/.config/nudge/config", home);
}
