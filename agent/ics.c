/* ics - see ics.h */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "craft.h"
#include "ics.h"
#include "store.h"
#include "xalloc.h"

void
ics_text(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	for (; *p; p++) {
		switch (*p) {
		case '\\':
			buf_adds(b, "\\\\");
			break;
		case ';':
			buf_adds(b, "\\;");
			break;
		case ',':
			buf_adds(b, "\\,");
			break;
		case '\n':
			buf_adds(b, "\\n");
			break;
		case '\r':
			break;
		default:
			if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
				buf_addc(b, ' ');
			else
				buf_addc(b, (char)*p);
		}
	}
}

void
ics_line(struct buf *b, const char *line)
{
	const unsigned char *p = (const unsigned char *)line;
	size_t col = 0;

	while (*p) {
		size_t k = 1;
		/* the octets of this character: never fold inside one */
		if (*p >= 0xc0)
			while (k < 4 && (p[k] & 0xc0) == 0x80)
				k++;
		if (col + k > 75) {
			buf_adds(b, "\r\n ");
			col = 1;
		}
		buf_add(b, p, k);
		col += k;
		p += k;
	}
	buf_adds(b, "\r\n");
}

/* prop: NAME:escaped text value, folded */
static void
prop(struct buf *out, const char *name, const char *value)
{
	struct buf l;

	buf_init(&l);
	buf_adds(&l, name);
	buf_addc(&l, ':');
	ics_text(&l, value);
	ics_line(out, l.s);
	buf_free(&l);
}

struct ics_ctx {
	struct nudge *n;
	time_t now;
	int today;
	char host[256]; /* the sender's domain, for UIDs */
	struct buf *out;
	char *err;
	int rc;
};

static const char *
verb(const char *channel)
{
	static const char *const v[][2] = {
	    {"call", "Call"},         {"text", "Text"},
	    {"visit", "Visit"},       {"note", "Handwritten note to"},
	    {"research", "Research"}, {"social", "Social touch:"},
	    {"reply", "Reply to"}};

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		if (strcmp(channel, v[i][0]) == 0)
			return v[i][1];
	return channel;
}

struct notes {
	char *text[3];
	time_t at[3];
	int n;
};

/* keep the last three notes */
static int
keep_note(const struct note *no, void *arg)
{
	struct notes *k = arg;

	if (k->n == 3) {
		free(k->text[0]);
		memmove(&k->text[0], &k->text[1], 2 * sizeof k->text[0]);
		memmove(&k->at[0], &k->at[1], 2 * sizeof k->at[0]);
		k->n = 2;
	}
	k->text[k->n] = xstrdup(no->text);
	k->at[k->n++] = no->at;
	return 0;
}

static void
ymd(int day, char *buf, size_t len)
{
	int y, m, d;

	clock_civil_from_day(day, &y, &m, &d);
	snprintf(buf, len, "%04d%02d%02d", y, m, d);
}

void
ics_task_describe(struct nudge *n, const struct touch *t, const struct lead *l,
                  time_t now, struct buf *d)
{
	struct notes k;
	char *text = NULL, *err = NULL, lt[96], date[16];
	const char *who = l->name && *l->name ? l->name : l->email;
	int today = clock_day_of(now, n->tz), due;

	memset(&k, 0, sizeof k);
	if (store_note_list(n->st, l->id, keep_note, &k, &err) != STORE_OK) {
		buf_printf(d, "(notes unavailable: %s)\n", err);
		free(err);
		err = NULL;
	}
	due = clock_day_of(t->due, n->tz);
	if (strcmp(t->channel, "reply") == 0)
		buf_adds(d, "They replied: answer them yourself.\n");
	else
		buf_printf(d, "Stage %s %s.\n", t->stage, t->channel);
	if (due < today) {
		clock_format_date(t->due, n->tz, date, sizeof date);
		buf_printf(d, "Overdue since %s.\n", date);
		due = today;
	}
	buf_printf(d, "Lead: %s <%s>\n", who, l->email);
	buf_printf(d, "Phone: %s\n",
	           l->phone && *l->phone ? l->phone : "none on file");
	craft_local_time(n, l, clock_at(due, 9 * 60, n->tz), lt, sizeof lt);
	buf_printf(d, "Their time at 09:00 yours: %s\n", lt);
	if (strcmp(t->channel, "note") == 0 || strcmp(t->channel, "visit") == 0)
		buf_printf(d, "Mailing address: %s\n",
		           craft_field(l, "mailing_address")
		               ? craft_field(l, "mailing_address")
		               : "none on file");
	if (strcmp(t->channel, "reply") == 0 && t->note)
		buf_printf(d, "\nTheir reply:\n%s\n", t->note);
	else if (craft_render_task(n, l, t->stage, t->channel, now, &text,
	                           &err) == CRAFT_OK)
		buf_printf(d, "\nScript:\n%s\n", text);
	free(text);
	free(err);
	if (k.n > 0) {
		buf_adds(d, "\nLast notes:\n");
		for (int i = k.n - 1; i >= 0; i--) {
			clock_format_date(k.at[i], n->tz, date, sizeof date);
			buf_printf(d, "%s: %s\n", date, k.text[i]);
			free(k.text[i]);
		}
	}
}

const char *
ics_task_verb(const char *channel)
{
	return verb(channel);
}

static int
one_task(const struct touch *t, const struct lead *core, void *arg)
{
	struct ics_ctx *c = arg;
	struct nudge *n = c->n;
	struct lead *l = NULL;
	struct buf d, s;
	char *err = NULL, day[16];
	const char *who;
	int due;

	if (strcmp(t->channel, "email") == 0)
		return 0;
	if (store_lead_get_id(n->st, core->id, &l, &err) != STORE_OK) {
		c->err = err;
		c->rc = ICS_EDB;
		return 1;
	}
	who = l->name && *l->name ? l->name : l->email;
	due = clock_day_of(t->due, n->tz);
	if (due < c->today)
		due = c->today;
	buf_init(&d);
	buf_init(&s);
	buf_printf(&s, "%s %s", verb(t->channel), who);
	if (l->company && *l->company)
		buf_printf(&s, " (%s)", l->company);
	ics_task_describe(n, t, l, c->now, &d);

	ics_line(c->out, "BEGIN:VEVENT");
	{
		char *uid = xasprintf("UID:nudge-touch-%lld@%s",
		                      (long long)t->id, c->host);
		ics_line(c->out, uid);
		free(uid);
	}
	{
		struct tm tm;
		char stamp[32];
		gmtime_r(&c->now, &tm);
		strftime(stamp, sizeof stamp, "DTSTAMP:%Y%m%dT%H%M%SZ", &tm);
		ics_line(c->out, stamp);
	}
	ymd(due, day, sizeof day);
	{
		char line[48];
		snprintf(line, sizeof line, "DTSTART;VALUE=DATE:%s", day);
		ics_line(c->out, line);
		ymd(due + 1, day, sizeof day);
		snprintf(line, sizeof line, "DTEND;VALUE=DATE:%s", day);
		ics_line(c->out, line);
	}
	prop(c->out, "SUMMARY", s.s);
	prop(c->out, "DESCRIPTION", d.s);
	if (strcmp(t->channel, "reply") == 0)
		prop(c->out, "CATEGORIES", "nudge");
	else {
		struct buf cat;
		buf_init(&cat);
		buf_adds(&cat, "CATEGORIES:nudge,");
		ics_text(&cat, t->channel);
		ics_line(c->out, cat.s);
		buf_free(&cat);
	}
	ics_line(c->out, "TRANSP:TRANSPARENT");
	ics_line(c->out, "END:VEVENT");
	buf_free(&d);
	buf_free(&s);
	lead_free(l);
	return 0;
}

int
ics_export(struct nudge *n, time_t now, int days, struct buf *out,
           char **errstr)
{
	struct ics_ctx c;
	const char *from = n->cfg && n->cfg->from_addr ? n->cfg->from_addr : "";
	const char *at = strrchr(from, '@');
	char *err = NULL, *prodid;
	int rc;

	memset(&c, 0, sizeof c);
	c.n = n;
	c.now = now;
	c.today = clock_day_of(now, n->tz);
	/* the UID's domain: host-name characters of the sender's domain
	 * only (a configured address is not a place for anything else) */
	{
		size_t k = 0;

		for (at = at ? at + 1 : "";
		     k < sizeof c.host - 1 &&
		     (isalnum((unsigned char)*at) || *at == '.' || *at == '-');
		     at++)
			c.host[k++] = *at;
		c.host[k] = '\0';
		if (k == 0)
			snprintf(c.host, sizeof c.host, "nudge.invalid");
	}
	c.out = out;
	ics_line(out, "BEGIN:VCALENDAR");
	ics_line(out, "VERSION:2.0");
	prodid = xasprintf("PRODID:-//nudge//nudge %s//EN", PACKAGE_VERSION);
	ics_line(out, prodid);
	free(prodid);
	ics_line(out, "CALSCALE:GREGORIAN");
	ics_line(out, "METHOD:PUBLISH");
	ics_line(out, "X-WR-CALNAME:nudge tasks");
	rc =
	    store_touches_due(n->st, clock_at(c.today + days + 1, 0, n->tz) - 1,
	                      NULL, one_task, &c, &err);
	if (rc != STORE_OK) {
		*errstr = err;
		return ICS_EDB;
	}
	if (c.rc != ICS_OK) {
		*errstr = c.err;
		return c.rc;
	}
	ics_line(out, "END:VCALENDAR");
	return ICS_OK;
}
