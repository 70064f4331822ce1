/*
 * fuzz_ics - the calendar export (ics_export, `nudge export ics`) as a round
 * trip: a lead and one planned task built from the input go into a fresh
 * in-memory database, the VCALENDAR is rendered, then read back here.
 *
 * Input: a first byte choosing the task (bits 0-2: channel call, text,
 * visit, note, research, social, reply, email; bits 3-5: stage 1 + n % 5;
 * bit 6: overdue by three days), then NUL-separated fields: name, company,
 * phone, email, mailing_address, a note (the reply to answer for a reply
 * task, else a note on the lead), and the config's `from` (used only when
 * config_set takes it).  Missing fields are unset.
 *
 * Checks, on the output: every physical line ends with CRLF, holds no other
 * CR or LF and no NUL, is at most 75 octets, a continuation starts with one
 * space and, when every field is valid UTF-8, not inside a UTF-8 sequence;
 * unfolded, every line is NAME[;params]:value, the calendar holds exactly
 * one VEVENT (none for an email task), and every TEXT value (SUMMARY,
 * DESCRIPTION, CATEGORIES) has each backslash, semicolon and comma escaped
 * and no control character but TAB; unescaped, SUMMARY is the verb and the
 * lead's name (and company) as given, with CR dropped and other control
 * characters as spaces, and DESCRIPTION holds the lead, phone and reply
 * lines the same way.
 */
#include "autoconf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "csv.h"
#include "fuzz.h"
#include "ics.h"
#include "lifecycle.h"
#include "log.h"
#include "store.h"
#include "xalloc.h"

enum { F_NAME, F_COMPANY, F_PHONE, F_EMAIL, F_ADDRESS, F_NOTE, F_FROM, NF };

static const char *const channels[] = {"call",     "text",   "visit", "note",
                                       "research", "social", "reply", "email"};

static struct nudge n;

static void
setup(void)
{
	if (n.rules_dir != NULL)
		return;
	setenv("TZ", "UTC", 1);
	log_set_quiet(1);
	n.tz = "UTC";
	n.rules_dir = fuzz_srcpath("rules");
	n.templates_dir = fuzz_srcpath("templates");
}

/* scrub: s as ics_text keeps it, unescaped: CR dropped, control characters
 * other than TAB and LF as spaces (written here apart from ics.c) */
static void
scrub(struct buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\r')
			continue;
		buf_addc(b, (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f
		                ? ' '
		                : (char)c);
	}
}

/* physical: the output's lines as RFC 5545 wants them; returns the
 * unfolded text with each logical line ended by LF */
static char *
physical(const struct buf *out, int utf8)
{
	struct buf u;
	size_t i = 0, start;

	buf_init(&u);
	fuzz_check(out->len >= 2 && out->s[out->len - 2] == '\r' &&
	               out->s[out->len - 1] == '\n',
	           "output does not end with CRLF");
	while (i < out->len) {
		start = i;
		while (i < out->len && out->s[i] != '\r' && out->s[i] != '\n') {
			fuzz_check(out->s[i] != '\0', "NUL in the output");
			i++;
		}
		fuzz_check(i + 1 < out->len && out->s[i] == '\r' &&
		               out->s[i + 1] == '\n',
		           "bare CR or LF in the output");
		fuzz_check(i - start <= 75, "line longer than 75 octets");
		if (start > 0 && out->s[start] == ' ') {
			/* a continuation: never starts inside a character */
			fuzz_check(i - start > 1, "empty continuation line");
			if (utf8)
				fuzz_check(((unsigned char)out->s[start + 1] &
				            0xc0) != 0x80,
				           "folded inside a UTF-8 sequence");
			if (u.len > 0)
				u.len--; /* the LF of the line it continues */
			buf_add(&u, out->s + start + 1, i - start - 1);
		} else
			buf_add(&u, out->s + start, i - start);
		buf_addc(&u, '\n');
		i += 2;
	}
	return u.s;
}

/* unescape: the TEXT value v (up to LF) unescaped into b; checks escapes.
 * In CATEGORIES (list) an unescaped comma separates values. */
static void
unescape(struct buf *b, const char *v, int list)
{
	for (; *v != '\n' && *v != '\0'; v++) {
		unsigned char c = (unsigned char)*v;
		if (c == '\\') {
			v++;
			fuzz_check(*v == '\\' || *v == ';' || *v == ',' ||
			               *v == 'n',
			           "bad escape in a TEXT value");
			buf_addc(b, *v == 'n' ? '\n' : *v);
			continue;
		}
		fuzz_check(c != ';' && (list || c != ','),
		           "unescaped ; or , in a TEXT value");
		fuzz_check(c >= 0x20 || c == '\t',
		           "control character in a TEXT value");
		fuzz_check(c != 0x7f, "DEL in a TEXT value");
		buf_addc(b, (char)c);
	}
}

/* value: the unescaped value of the first property name in text */
static int
value(const char *text, const char *name, int list, struct buf *b)
{
	const char *p = text;
	size_t nl = strlen(name);

	for (; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (strncmp(p, name, nl) == 0 && p[nl] == ':') {
			unescape(b, p + nl + 1, list);
			return 1;
		}
	return 0;
}

/* logical: every unfolded line is NAME[;params]:value; counts VEVENTs */
static int
logical(const char *text)
{
	const char *p = text;
	int events = 0, open = 0;

	fuzz_check(strncmp(text, "BEGIN:VCALENDAR\n", 16) == 0,
	           "no BEGIN:VCALENDAR first");
	while (*p != '\0') {
		const char *e = strchr(p, '\n');
		size_t k = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ-");

		fuzz_check(e != NULL, "unterminated line");
		fuzz_check(k > 0 && (p[k] == ':' || p[k] == ';'),
		           "a line is not NAME:value");
		if (strncmp(p, "BEGIN:VEVENT\n", 13) == 0) {
			fuzz_check(!open, "nested VEVENT");
			open = 1;
			events++;
		} else if (strncmp(p, "END:VEVENT\n", 11) == 0) {
			fuzz_check(open, "END:VEVENT without BEGIN");
			open = 0;
		}
		if (e[1] == '\0')
			fuzz_check(strncmp(p, "END:VCALENDAR\n", 14) == 0,
			           "no END:VCALENDAR last");
		p = e + 1;
	}
	fuzz_check(!open, "VEVENT not closed");
	return events;
}

/* contains: the DESCRIPTION holds pre + scrubbed s + post */
static void
contains(const char *desc, const char *pre, const char *s, const char *post,
         const char *what)
{
	struct buf e;

	buf_init(&e);
	buf_adds(&e, pre);
	scrub(&e, s);
	buf_adds(&e, post);
	fuzz_check(strstr(desc, e.s) != NULL, what);
	buf_free(&e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *f[NF] = {NULL}, *err = NULL, *text;
	const char *channel, *who;
	struct lead l;
	struct touch t;
	struct buf out, sum, desc, want;
	time_t now;
	size_t at = 1, i;
	int utf8 = 1, events;

	if (size == 0)
		return 0;
	setup();
	channel = channels[data[0] & 7];
	for (i = 0; i < NF && at <= size; i++) {
		const uint8_t *nul = memchr(data + at, '\0', size - at);
		size_t len = nul ? (size_t)(nul - (data + at)) : size - at;

		f[i] = fuzz_strndup(data + at, len);
		utf8 &= csv_utf8_valid(f[i]);
		at += len + 1;
	}
	if (f[F_EMAIL] == NULL || *f[F_EMAIL] == '\0') {
		free(f[F_EMAIL]);
		f[F_EMAIL] = xstrdup("lead@example.com");
	}
	n.cfg = config_new();
	if (f[F_FROM] != NULL &&
	    config_set(n.cfg, "from", f[F_FROM], &err) != CONFIG_OK) {
		free(err);
		err = NULL;
	}
	if (store_open(":memory:", &n.st, &err) != STORE_OK) {
		fprintf(stderr, "fuzz_ics: %s\n", err);
		abort();
	}
	clock_parse_iso("2026-12-07T09:00Z", "UTC", &now, NULL);

	memset(&l, 0, sizeof l);
	l.email = f[F_EMAIL];
	l.name = f[F_NAME];
	l.company = f[F_COMPANY];
	l.phone = f[F_PHONE];
	l.sequence = "12345x";
	l.prior_status = -1;
	l.created = l.updated = now - 86400 * 30;
	if (f[F_ADDRESS] != NULL && *f[F_ADDRESS] != '\0')
		lead_field_set(&l, "mailing_address", f[F_ADDRESS]);
	fuzz_check(store_lead_insert(n.st, &l, &err) == STORE_OK,
	           "store_lead_insert");
	if (f[F_NOTE] != NULL && strcmp(channel, "reply") != 0)
		fuzz_check(store_note_add(n.st, l.id, now - 86400, "note",
		                          f[F_NOTE], NULL, &err) == STORE_OK,
		           "store_note_add");
	memset(&t, 0, sizeof t);
	t.lead_id = l.id;
	{
		char stage[2] = {(char)('1' + ((data[0] >> 3) & 7) % 5), '\0'};
		t.stage = strcmp(channel, "reply") == 0 ? "reply" : stage;
		t.channel = (char *)channel;
		t.due = data[0] & 0x40 ? now - 3 * 86400 : now;
		t.note = strcmp(channel, "reply") == 0 ? f[F_NOTE] : NULL;
		fuzz_check(store_touch_insert(n.st, &t, &err) == STORE_OK,
		           "store_touch_insert");
	}

	buf_init(&out);
	fuzz_check(ics_export(&n, now, 14, &out, &err) == ICS_OK,
	           "ics_export failed");
	text = physical(&out, utf8);
	events = logical(text);
	fuzz_check(events == (strcmp(channel, "email") == 0 ? 0 : 1),
	           "not one VEVENT for the task");
	buf_init(&sum);
	buf_init(&desc);
	buf_init(&want);
	if (events == 1) {
		fuzz_check(value(text, "SUMMARY", 0, &sum), "no SUMMARY");
		fuzz_check(value(text, "DESCRIPTION", 0, &desc),
		           "no DESCRIPTION");
		fuzz_check(value(text, "CATEGORIES", 1, &want),
		           "no CATEGORIES");
		buf_free(&want);
		buf_init(&want);
		who = l.name != NULL && *l.name != '\0' ? l.name : l.email;
		buf_adds(&want, ics_task_verb(channel));
		buf_addc(&want, ' ');
		scrub(&want, who);
		if (l.company != NULL && *l.company != '\0') {
			buf_adds(&want, " (");
			scrub(&want, l.company);
			buf_addc(&want, ')');
		}
		if (strcmp(sum.s ? sum.s : "", want.s) != 0)
			fprintf(stderr, "fuzz_ics: SUMMARY '%s', want '%s'\n",
			        sum.s ? sum.s : "", want.s);
		fuzz_check(strcmp(sum.s ? sum.s : "", want.s) == 0,
		           "SUMMARY is not the name given");
		contains(desc.s, "Lead: ", who, "",
		         "DESCRIPTION lost the lead");
		contains(desc.s, " <", l.email, ">\n",
		         "DESCRIPTION lost the email");
		if (l.phone != NULL && *l.phone != '\0')
			contains(desc.s, "Phone: ", l.phone, "\n",
			         "DESCRIPTION lost the phone");
		if (t.note != NULL && *t.note != '\0')
			contains(desc.s, "\nTheir reply:\n", t.note, "\n",
			         "DESCRIPTION lost the reply");
	}
	buf_free(&sum);
	buf_free(&desc);
	buf_free(&want);
	free(text);
	buf_free(&out);
	for (i = 0; i < l.nfields; i++) {
		free(l.fields[i].key);
		free(l.fields[i].value);
	}
	free(l.fields);
	store_close(n.st);
	n.st = NULL;
	config_free(n.cfg);
	n.cfg = NULL;
	for (i = 0; i < NF; i++)
		free(f[i]);
	return 0;
}
