/* lifecycle - see lifecycle.h */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <unistd.h>

#include "classify.h"
#include "calendar.h"
#include "clock.h"
#include "craft.h"
#include "lifecycle.h"
#include "log.h"
#include "xalloc.h"

int
lc_sequence(struct nudge *n, const char *name, const struct sequence **out,
    char **errstr)
{
	struct sequence *seq;
	char *path, *err = NULL;
	size_t i;

	if (name == NULL || *name == '\0')
		name = n->cfg && n->cfg->sequence ? n->cfg->sequence : "12345x";
	for (i = 0; i < n->nseqs; i++)
		if (strcmp(n->seqs[i]->name, name) == 0) {
			*out = n->seqs[i];
			return LC_OK;
		}
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == '.') {
			*errstr = xasprintf("invalid sequence name '%s'", name);
			return LC_ECONFIG;
		}
	path = xasprintf("%s/sequence-%s.conf", n->rules_dir, name);
	if (sequence_load(path, &seq, &err) != CADENCE_OK) {
		*errstr = xasprintf("sequence '%s': %s", name, err);
		free(err);
		free(path);
		return LC_ECONFIG;
	}
	if (strcmp(seq->name, name) != 0) {
		*errstr = xasprintf("%s: says 'name %s', expected '%s'", path,
		    seq->name, name);
		sequence_free(seq);
		free(path);
		return LC_ECONFIG;
	}
	free(path);
	/* an array of pointers: the element is a pointer */
	n->seqs = xreallocarray(n->seqs, n->nseqs + 1,
	    sizeof *n->seqs); /* NOLINT(bugprone-sizeof-expression) */
	n->seqs[n->nseqs++] = seq;
	*out = seq;
	return LC_OK;
}

static int
db_err(int rc, char *err, char **errstr)
{
	if (rc == STORE_OK)
		return LC_OK;
	*errstr = err ? err : xstrdup("database error");
	return LC_EDB;
}

static void
set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? xstrdup(s) : NULL;
}

static int save_state(struct nudge *n, struct lead *l, char **err);
static int lead_hot(struct nudge *n, const struct lead *l);

/* lead_hot: the lead is marked hot (craft_is_hot on its custom fields,
 * which a lead read from a list does not carry: read it whole then). */
static int
lead_hot(struct nudge *n, const struct lead *l)
{
	struct lead *whole = NULL;
	int hot;

	if (l->nfields > 0 || l->id == 0)
		return craft_is_hot(l);
	if (store_lead_get_id(n->st, l->id, &whole, NULL) != STORE_OK)
		return 0;
	hot = craft_is_hot(whole);
	lead_free(whole);
	return hot;
}

/* ---- the transition table */

#define B(s) (1u << (s))
#define ALL_BUT(x) (((1u << LEAD__COUNT) - 1) & ~(x))
static const unsigned allowed[LEAD__COUNT] = {
    [LEAD_ACTIVE] = ALL_BUT(B(LEAD_ACTIVE)),
    [LEAD_PAUSED] = ALL_BUT(B(LEAD_PAUSED)),
    [LEAD_ENGAGED] = ALL_BUT(B(LEAD_ENGAGED)),
    [LEAD_SNOOZED] = ALL_BUT(B(LEAD_SNOOZED) | B(LEAD_PAUSED)),
    [LEAD_REVIEW] = ALL_BUT(B(LEAD_REVIEW)),
    [LEAD_WON] = B(LEAD_ACTIVE) | B(LEAD_ENGAGED) | B(LEAD_LOST) |
                 B(LEAD_RETIRED) | B(LEAD_BOUNCED) | B(LEAD_UNSUBSCRIBED),
    [LEAD_LOST] = B(LEAD_ACTIVE) | B(LEAD_ENGAGED) | B(LEAD_WON) |
                  B(LEAD_RETIRED) | B(LEAD_BOUNCED) | B(LEAD_UNSUBSCRIBED),
    [LEAD_RETIRED] = B(LEAD_ACTIVE) | B(LEAD_ENGAGED) | B(LEAD_WON) |
                     B(LEAD_LOST) | B(LEAD_BOUNCED) | B(LEAD_UNSUBSCRIBED),
    /* suppressed for ever: nothing follows */
    [LEAD_BOUNCED] = 0,
    [LEAD_UNSUBSCRIBED] = 0,
};

static const unsigned touch_allowed[TOUCH__COUNT] = {
    [TOUCH_PLANNED] = B(TOUCH_HELD) | B(TOUCH_SENDING) | B(TOUCH_DONE) |
                      B(TOUCH_SKIPPED) | B(TOUCH_MISSED),
    [TOUCH_HELD] = B(TOUCH_PLANNED) | B(TOUCH_SENDING) | B(TOUCH_DONE) |
                   B(TOUCH_SKIPPED),
    [TOUCH_SENDING] = B(TOUCH_SENT) | B(TOUCH_FAILED) | B(TOUCH_UNKNOWN) |
                      B(TOUCH_PLANNED),
    [TOUCH_FAILED] = B(TOUCH_PLANNED) | B(TOUCH_SENT),
    [TOUCH_UNKNOWN] = B(TOUCH_PLANNED) | B(TOUCH_SENT),
    [TOUCH_SENT] = 0,
    [TOUCH_DONE] = 0,
    [TOUCH_MISSED] = 0,
    [TOUCH_SKIPPED] = 0,
};

int
lc_touch_can(int from, int to)
{
	if (from < 0 || from >= TOUCH__COUNT || to < 0 || to >= TOUCH__COUNT)
		return 0;
	return from == to || (touch_allowed[from] & B(to)) != 0;
}

int
lc_touch_enter(struct touch *t, int to)
{
	if (!lc_touch_can(t->state, to)) {
		log_warnx("touch %lld (stage %s %s): %s -> %s refused",
		    (long long)t->id, t->stage ? t->stage : "?",
		    t->channel ? t->channel : "?", touch_state_name(t->state),
		    touch_state_name(to));
		return -1;
	}
	t->state = to;
	return 0;
}

int
lc_sending(int status)
{
	return status == LEAD_ACTIVE || status == LEAD_ENGAGED;
}

int
lc_can_enter(int from, int to)
{
	if (from < 0 || from >= LEAD__COUNT || to < 0 || to >= LEAD__COUNT)
		return 0;
	return from == to || (allowed[from] & B(to)) != 0;
}

int
lc_enter(struct nudge *n, struct lead *l, int to, time_t now, const char *why,
    const char *message_id, char **errstr)
{
	int from = l->status, rc;
	char *detail, *err = NULL;

	if (from == to)
		return LC_OK;
	if (!lc_can_enter(from, to)) {
		*errstr = xasprintf("%s is %s; it cannot become %s", l->email,
		    lead_status_name(from), lead_status_name(to));
		return LC_ESTATE;
	}
	switch (to) {
	case LEAD_PAUSED:
	case LEAD_REVIEW:
		/* the open touches wait; remember where to return */
		if (lc_sending(from))
			l->prior_status = from;
		else if (l->prior_status < 0)
			l->prior_status = LEAD_ACTIVE;
		break;
	case LEAD_ACTIVE:
	case LEAD_ENGAGED:
		l->prior_status = -1;
		break;
	case LEAD_SNOOZED:
		if ((rc = store_touch_skip_open(n->st, l->id, NULL, &err)))
			return db_err(rc, err, errstr);
		l->next_due = 0;
		if (lc_sending(from))
			l->prior_status = from;
		else if (l->prior_status < 0 || !lc_sending(l->prior_status))
			l->prior_status = LEAD_ENGAGED;
		break;
	default:
		if ((rc = store_touch_skip_open(n->st, l->id, NULL, &err)))
			return db_err(rc, err, errstr);
		l->next_due = 0;
		l->prior_status = -1;
		break;
	}
	if (to == LEAD_BOUNCED || to == LEAD_UNSUBSCRIBED) {
		rc = store_suppress_add(n->st, l->email, lead_status_name(to),
		    now, &err);
		if (rc != STORE_OK)
			return db_err(rc, err, errstr);
	}
	if (to != LEAD_PAUSED && to != LEAD_SNOOZED)
		l->paused_until = 0;
	if (to == LEAD_PAUSED || to == LEAD_SNOOZED) {
		char date[16];
		clock_format_date(l->paused_until, n->tz, date, sizeof date);
		detail = xasprintf("%s -> %s until %s: %s",
		    lead_status_name(from), lead_status_name(to), date,
		    why ? why : "");
	} else
		detail = xasprintf("%s -> %s: %s", lead_status_name(from),
		    lead_status_name(to), why ? why : "");
	l->status = to;
	l->updated = now;
	rc = save_state(n, l, &err);
	if (rc == STORE_OK)
		rc = store_event_add(n->st, l->id, now, "status", detail,
		    message_id, &err);
	free(detail);
	return db_err(rc, err, errstr);
}

const char *
lc_stage_label(struct nudge *n, const struct lead *l, char *buf, size_t len)
{
	const struct sequence *seq;
	char *err = NULL;

	if (lc_sequence(n, l->sequence, &seq, &err) != LC_OK ||
	    (size_t)l->step >= seq->nsteps) {
		free(err);
		snprintf(buf, len, "%d", l->step + 1);
		return buf;
	}
	return cadence_stage_label(seq, (size_t)l->step, l->xcount, buf, len);
}

/* save_state: write the lead's columns; its custom fields are not touched
 * (they do not change here, and rewriting them costs). */
static int
save_state(struct nudge *n, struct lead *l, char **err)
{
	struct lead_field *f = l->fields;
	size_t nf = l->nfields;
	int rc;

	l->fields = NULL;
	l->nfields = 0;
	rc = store_lead_update(n->st, l, err);
	l->fields = f;
	l->nfields = nf;
	return rc;
}

/* ---- when a touch is planned (DESIGN §1: the lead's zone, its holidays,
 * a different part of its day for each touch, X touches moving through the
 * week; deterministic per lead and stage, so a re-run plans the same) */

static const char *
lead_zone(const struct nudge *n, const struct lead *l)
{
	return l->tz && *l->tz ? l->tz : n->tz;
}

struct lc_hols {
	char cc[4]; /* "" = no country known */
	struct holidays *h;
};

const char *
lc_country(struct nudge *n, const struct lead *l)
{
	const char *field = NULL;
	struct lead *whole = NULL;
	const char *cc;

	for (size_t i = 0; i < l->nfields; i++)
		if (strcmp(l->fields[i].key, "country") == 0)
			field = l->fields[i].value;
	if (field == NULL && l->nfields == 0 && l->id != 0 &&
	    store_lead_get_id(n->st, l->id, &whole, NULL) == STORE_OK)
		for (size_t i = 0; i < whole->nfields; i++)
			if (strcmp(whole->fields[i].key, "country") == 0)
				field = whole->fields[i].value;
	cc = calendar_country(field, l->phone, lead_zone(n, l));
	lead_free(whole);
	return cc;
}

const struct holidays *
lc_holidays(struct nudge *n, const struct lead *l)
{
	const char *cc = NULL;
	struct holidays *country = NULL;
	char *dir, *err = NULL;
	size_t i;
	int y;

	if (n->cfg == NULL || n->cfg->country_holidays)
		cc = lc_country(n, l);
	if (cc == NULL)
		cc = "";
	for (i = 0; i < n->nhols; i++)
		if (strcmp(n->hols[i].cc, cc) == 0)
			return n->hols[i].h;
	if (*cc != '\0' && n->rules_dir != NULL) {
		/* the years around now: cadence looks a few months ahead, a
		 * snooze or a nurture sequence a year or two */
		{
			int m, d;
			clock_civil_from_day(clock_day_of(clock_now(), n->tz),
			    &y, &m, &d);
		}
		dir = xasprintf("%s/holidays", n->rules_dir);
		if (calendar_load(dir, cc, y - 1, y + 3, &country, &err) !=
		    CALENDAR_OK) {
			if (err && !strstr(err, "No such file"))
				log_warnx("%s", err);
			free(err);
			country = NULL;
		}
		free(dir);
	}
	n->hols = xreallocarray(n->hols, n->nhols + 1, sizeof *n->hols);
	snprintf(n->hols[n->nhols].cc, sizeof n->hols[n->nhols].cc, "%s", cc);
	n->hols[n->nhols].h = calendar_merge(n->hol, country);
	holidays_free(country);
	return n->hols[n->nhols++].h;
}

static const struct holidays *
lead_holidays(struct nudge *n, const struct lead *l)
{
	return lc_holidays(n, l);
}

/* mix: a small integer hash (splitmix32's finaliser), for the choices that
 * must look varied but be the same on every run. */
static unsigned
mix(unsigned a, unsigned b)
{
	unsigned x = a * 0x9e3779b9u ^ (b + 0x7f4a7c15u);

	x ^= x >> 16;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	x *= 0xc2b2ae35u;
	x ^= x >> 16;
	return x;
}

struct used_hours {
	const char *tz;
	unsigned mask; /* bit h: an email of stage 1-5 is planned at hour h */
};

static int
collect_hours(const struct touch *t, const struct lead *l, void *arg)
{
	struct used_hours *u = arg;
	struct tm tm;

	(void)l;
	if (strcmp(t->channel, "email") != 0 || t->state == TOUCH_SKIPPED ||
	    t->stage[0] < '1' || t->stage[0] > '5' || t->stage[1] != '\0')
		return 0;
	clock_localtime(t->due, u->tz, &tm);
	u->mask |= 1u << tm.tm_hour;
	return 0;
}

/* slot_minute: the minute of the lead's day for touch k of its sequence:
 * the window's hours are split in three parts (morning, midday,
 * afternoon); touch k prefers part (seed + k) % 3, and takes the first hour
 * there, in a seeded order, that none of the lead's emails of stages 1-5
 * already uses; the minute inside the hour is seeded too. */
static int
slot_minute(struct nudge *n, const struct lead *l, int k, int day)
{
	const struct window *w = &n->win;
	struct used_hours u = {lead_zone(n, l), 0};
	unsigned seed = mix((unsigned)l->id, (unsigned)k);
	int first = (w->start + 59) / 60, last = (w->end - 15) / 60;
	int nh, part, h, m;

	if (first > w->start / 60 && w->start % 60 <= 30)
		first = w->start / 60; /* 08:30-09:00 counts as the 8 o'clock */
	if (last < first)
		return w->start;
	nh = last - first + 1;
	store_touch_list_lead(n->st, l->id, collect_hours, &u, NULL);
	(void)day;
	for (int p = 0; p < 3; p++) {
		int pfirst, plen;

		part = (int)((mix((unsigned)l->id, 0) + (unsigned)k + (unsigned)p) %
		    3);
		pfirst = first + part * nh / 3;
		plen = first + (part + 1) * nh / 3 - pfirst;
		for (int i = 0; i < plen; i++) {
			h = pfirst + (int)((seed + (unsigned)i) % (unsigned)plen);
			if (u.mask & (1u << h))
				continue;
			/* a minute inside both the hour and the window */
			int lo = h * 60 < w->start ? w->start : h * 60;
			int hi = (h + 1) * 60 > w->end - 10 ? w->end - 10
							     : (h + 1) * 60;
			if (hi <= lo)
				continue;
			m = lo + (int)(mix(seed, 7) % (unsigned)(hi - lo));
			return m;
		}
	}
	return w->start + (int)(seed % 30);
}

/* lc_plan_due (see lifecycle.h): when the lead's current step falls due, counted from `from`
 * (the previous touch's done time, or the enrolment). */
/* str_hash: FNV-1a, for seeds that must not depend on the row id */
static unsigned
str_hash(const char *s)
{
	unsigned h = 2166136261u;

	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

time_t
lc_plan_due(struct nudge *n, const struct lead *l, const struct sequence *seq,
    time_t from)
{
	const struct cadence_step *st = &seq->steps[l->step];
	const char *tz = lead_zone(n, l);
	const struct holidays *h = lead_holidays(n, l);
	const struct window *w = &n->win;
	time_t due = cadence_due(seq, (size_t)l->step, from, tz, h);
	int day, vary = n->cfg == NULL || n->cfg->vary_times;

	if (due == (time_t)-1)
		return from;
	if (st->unit == CADENCE_NOW) {
		/* at once; but one that arrives in the last hour of the lead's
		 * working week waits for the next working morning */
		struct tm tm;
		int min, next;

		clock_localtime(from, tz, &tm);
		min = tm.tm_hour * 60 + tm.tm_min;
		day = clock_day_of(from, tz);
		next = cadence_next_business_day(h, day);
		if (window_contains(w, from, tz) && w->end - min <= 60 &&
		    next > day + 1)
			return clock_at(next, w->start +
				(vary ? (int)(mix(str_hash(l->email), 1) % 45)
				      : 0),
			    tz);
		return from;
	}
	if (!vary)
		return due;
	day = clock_day_of(due, tz);
	if (st->unit == CADENCE_MONTHS)
		/* the monthly touches move through the week and the month */
		day = cadence_add_business_days(h, day,
		    (int)(mix((unsigned)l->id, 100u + (unsigned)l->xcount) % 5));
	return clock_at(day,
	    slot_minute(n, l, (int)l->step + l->xcount, day), tz);
}

/* schedule: create the touches of the lead's current stage, due at `due`.
 * A hot lead's repeating stage keeps a call each time as well (seed 000:
 * hot leads are worked hardest). */
static int
schedule(struct nudge *n, struct lead *l, const struct sequence *seq,
    time_t due, time_t now, char **errstr)
{
	const struct cadence_step *step = &seq->steps[l->step];
	char label[16], date[40], *err = NULL, *detail;
	unsigned channels = step->channels;
	struct touch t;
	int rc;

	if (step->repeat && !(channels & CHANNEL_CALL) && lead_hot(n, l))
		channels |= CHANNEL_CALL;
	cadence_stage_label(seq, (size_t)l->step, l->xcount, label, sizeof label);
	for (unsigned bit = 1; bit <= CHANNEL_ALL; bit <<= 1) {
		if (!(channels & bit))
			continue;
		memset(&t, 0, sizeof t);
		t.lead_id = l->id;
		t.stage = label;
		t.channel = (char *)cadence_channel_name(bit);
		t.due = due;
		if ((rc = store_touch_insert(n->st, &t, &err)) != STORE_OK)
			return db_err(rc, err, errstr);
	}
	l->next_due = due;
	l->updated = now;
	if ((rc = save_state(n, l, &err)) != STORE_OK)
		return db_err(rc, err, errstr);
	clock_format_iso(due, lead_zone(n, l), date, sizeof date);
	detail = xasprintf("stage %s due %s", label, date);
	rc = store_event_add(n->st, l->id, now, "scheduled", detail, NULL, &err);
	free(detail);
	return db_err(rc, err, errstr);
}

int
lc_enroll(struct nudge *n, struct lead *l, time_t now, char **errstr)
{
	const struct sequence *seq;
	int rc;

	if ((rc = lc_sequence(n, l->sequence, &seq, errstr)) != LC_OK)
		return rc;
	set_str(&l->sequence, seq->name);
	l->status = seq->contact ? LEAD_ENGAGED : LEAD_ACTIVE;
	l->step = 0;
	l->xcount = 0;
	l->paused_until = 0;
	return schedule(n, l, seq, lc_plan_due(n, l, seq, now), now, errstr);
}

int
lc_enroll_in(struct nudge *n, struct lead *l, const char *name, time_t now,
    const char *why, const char *message_id, char **errstr)
{
	const struct sequence *seq;
	char *detail, *err = NULL;
	int rc, yes = 0, to;

	if ((rc = lc_sequence(n, name, &seq, errstr)) != LC_OK)
		return rc;
	if ((rc = store_is_suppressed(n->st, l->email, &yes, NULL, &err)))
		return db_err(rc, err, errstr);
	if (yes) {
		*errstr = xasprintf("%s is suppressed: nothing is ever sent "
				    "to it", l->email);
		return LC_ESTATE;
	}
	to = seq->contact ? LEAD_ENGAGED : LEAD_ACTIVE;
	if (!lc_can_enter(l->status, to)) {
		*errstr = xasprintf("%s is %s; it cannot be enrolled",
		    l->email, lead_status_name(l->status));
		return LC_ESTATE;
	}
	if ((rc = store_touch_skip_open(n->st, l->id, NULL, &err)))
		return db_err(rc, err, errstr);
	detail = xasprintf("enrolled in sequence %s%s%s", seq->name,
	    why ? ": " : "", why ? why : "");
	rc = store_event_add(n->st, l->id, now, "enrolled", detail, message_id,
	    &err);
	free(detail);
	if (rc != STORE_OK)
		return db_err(rc, err, errstr);
	if ((rc = lc_enter(n, l, to, now, why, message_id, errstr)) != LC_OK)
		return rc;
	set_str(&l->sequence, seq->name);
	l->step = 0;
	l->xcount = 0;
	l->paused_until = 0;
	return schedule(n, l, seq, lc_plan_due(n, l, seq, now), now, errstr);
}

int
lc_stage_done(struct nudge *n, struct lead *l, time_t at, const char *how,
    char **errstr)
{
	const struct sequence *seq;
	char label[16], *detail, *err = NULL;
	size_t next_step;
	int next_x, rc;

	if ((rc = lc_sequence(n, l->sequence, &seq, errstr)) != LC_OK)
		return rc;
	cadence_stage_label(seq, (size_t)l->step, l->xcount, label, sizeof label);
	detail = xasprintf("stage %s done (%s)", label, how);
	rc = store_event_add(n->st, l->id, at, "done", detail, NULL, &err);
	free(detail);
	if (rc != STORE_OK)
		return db_err(rc, err, errstr);
	l->last_done = at;
	if (!cadence_next(seq, (size_t)l->step, l->xcount, &next_step,
		&next_x)) {
		if (seq->then) {
			detail = xasprintf("sequence %s complete", seq->name);
			rc = lc_enroll_in(n, l, seq->then, at, detail, NULL,
			    errstr);
			free(detail);
			return rc;
		}
		if (seq->contact) {
			/* a lead who answered is never retired by a sequence */
			l->next_due = 0;
			if ((rc = save_state(n, l, &err)) != STORE_OK)
				return db_err(rc, err, errstr);
			detail = xasprintf("sequence %s complete: nothing more "
					   "planned ('nudge lead enroll' to "
					   "go on)",
			    seq->name);
			rc = store_event_add(n->st, l->id, at, "done", detail,
			    NULL, &err);
			free(detail);
			return db_err(rc, err, errstr);
		}
		return lc_enter(n, l, LEAD_RETIRED, at,
		    seq->max_x ? "sequence complete (max_x reached)"
			       : "sequence complete",
		    NULL, errstr);
	}
	l->step = (int)next_step;
	l->xcount = next_x;
	return schedule(n, l, seq, lc_plan_due(n, l, seq, at), at, errstr);
}

/* seq_off: a sequence key of the config that is unset or "none". */
static int
seq_off(const char *name)
{
	return name == NULL || *name == '\0' || strcmp(name, "none") == 0 ||
	    strcmp(name, "off") == 0;
}

int
lc_contact_made(struct nudge *n, struct lead *l, time_t now, const char *why,
    const char *message_id, char **errstr)
{
	const char *next = n->cfg ? n->cfg->after_contact : NULL;
	char *err = NULL;
	int rc;

	if (l->status != LEAD_ENGAGED) {
		/* the cold sequence stops here */
		if (!lc_can_enter(l->status, LEAD_ENGAGED)) {
			*errstr = xasprintf("%s is %s; it cannot become engaged",
			    l->email, lead_status_name(l->status));
			return LC_ESTATE;
		}
		if ((rc = store_touch_skip_open(n->st, l->id, NULL, &err)))
			return db_err(rc, err, errstr);
		l->next_due = 0;
		if ((rc = lc_enter(n, l, LEAD_ENGAGED, now, why, message_id,
			 errstr)) != LC_OK)
			return rc;
	}
	if (seq_off(next) || (l->sequence && strcmp(l->sequence, next) == 0 &&
				 l->next_due != 0))
		return LC_OK;
	return lc_enroll_in(n, l, next, now, "contact made", message_id,
	    errstr);
}

/* reply_task: the "reply to NAME" task for the salesperson, holding the
 * reply's text; it stays on the agenda until a touch is logged. */
int
lc_reply_task(struct nudge *n, struct lead *l, const char *text, time_t now,
    char **errstr)
{
	struct touch t;
	char *err = NULL;
	int rc;

	memset(&t, 0, sizeof t);
	t.lead_id = l->id;
	t.stage = "reply";
	t.channel = "reply";
	t.due = now;
	t.note = (char *)(text && *text ? text : "(no new text)");
	if ((rc = store_touch_insert(n->st, &t, &err)) != STORE_OK)
		return db_err(rc, err, errstr);
	return LC_OK;
}

int
lc_reply(struct nudge *n, struct lead *l, int intent, int day,
    const char *text, time_t now, const char *why, const char *rule,
    const char *message_id, char **errstr)
{
	char *what = NULL, *err = NULL;
	const char *iname = classify_intent_name(intent);
	int rc = LC_OK;

	what = xasprintf("%s (intent %s%s%s)", why ? why : "replied", iname,
	    rule ? " by " : "", rule ? rule : "");
	switch (intent) {
	case INTENT_STOP:
		rc = lc_enter(n, l, LEAD_UNSUBSCRIBED, now, what, message_id,
		    errstr);
		free(what);
		return rc;
	case INTENT_LATER: {
		int today = clock_day_of(now, n->tz);

		if (day <= today)
			day = today + (n->cfg ? n->cfg->snooze_days : 90);
		/* contact was made: the lead wakes into reopen, not into its
		 * cold sequence */
		if (l->status != LEAD_ENGAGED && l->status != LEAD_SNOOZED &&
		    lc_can_enter(l->status, LEAD_ENGAGED) &&
		    (rc = lc_enter(n, l, LEAD_ENGAGED, now, what, message_id,
			 errstr)) != LC_OK)
			break;
		rc = lc_snooze(n, l, day, now, what, message_id, errstr);
		break;
	}
	case INTENT_NOT_FIT:
		if (n->cfg && !seq_off(n->cfg->nurture_slow))
			rc = lc_enroll_in(n, l, n->cfg->nurture_slow, now, what,
			    message_id, errstr);
		else
			rc = lc_enter(n, l, LEAD_ENGAGED, now, what, message_id,
			    errstr);
		break;
	case INTENT_INTERESTED:
		rc = lc_contact_made(n, l, now, what, message_id, errstr);
		break;
	default: /* referral, unclear: the salesperson answers */
		if (lc_can_enter(l->status, LEAD_ENGAGED) &&
		    l->status != LEAD_ENGAGED) {
			if ((rc = store_touch_skip_open(n->st, l->id, NULL,
				 &err)) != STORE_OK) {
				free(what);
				return db_err(rc, err, errstr);
			}
			l->next_due = 0;
		}
		rc = lc_enter(n, l, LEAD_ENGAGED, now, what, message_id,
		    errstr);
		break;
	}
	free(what);
	if (rc != LC_OK)
		return rc;
	return lc_reply_task(n, l, text, now, errstr);
}

/* redate: a paused or snoozed lead gets the new l->paused_until; the
 * timeline says so ("paused until DATE: why"). */
static int
redate(struct nudge *n, struct lead *l, const char *what, time_t now,
    const char *why, const char *message_id, char **errstr)
{
	char *detail, *err = NULL, date[16];
	int rc;

	clock_format_date(l->paused_until, n->tz, date, sizeof date);
	detail = xasprintf("%s until %s: %s", what, date, why ? why : "");
	l->updated = now;
	rc = save_state(n, l, &err);
	if (rc == STORE_OK)
		rc = store_event_add(n->st, l->id, now, "status", detail,
		    message_id, &err);
	free(detail);
	return db_err(rc, err, errstr);
}

int
lc_snooze(struct nudge *n, struct lead *l, int until_day, time_t now,
    const char *why, const char *message_id, char **errstr)
{
	time_t old = l->paused_until;
	int rc;

	l->paused_until = clock_at(until_day, 0, n->tz);
	if (l->status == LEAD_SNOOZED) /* a new date, same status */
		return redate(n, l, "snoozed", now, why, message_id, errstr);
	rc = lc_enter(n, l, LEAD_SNOOZED, now, why, message_id, errstr);
	if (rc != LC_OK)
		l->paused_until = old;
	return rc;
}

int
lc_wake(struct nudge *n, struct lead *l, time_t now, const char *why,
    char **errstr)
{
	const struct sequence *seq;
	int rc;

	if (l->status != LEAD_SNOOZED) {
		*errstr = xasprintf("%s is %s, not snoozed", l->email,
		    lead_status_name(l->status));
		return LC_ESTATE;
	}
	if (l->prior_status == LEAD_ACTIVE) {
		/* snoozed by hand before any contact: the cold sequence goes
		 * on at the stage it had reached */
		if ((rc = lc_sequence(n, l->sequence, &seq, errstr)) != LC_OK)
			return rc;
		if ((size_t)l->step >= seq->nsteps)
			l->step = (int)seq->nsteps - 1;
		if ((rc = lc_enter(n, l, LEAD_ACTIVE, now, why, NULL,
			 errstr)) != LC_OK)
			return rc;
		return schedule(n, l, seq, now, now, errstr);
	}
	if (n->cfg && !seq_off(n->cfg->reopen))
		return lc_enroll_in(n, l, n->cfg->reopen, now, why, NULL,
		    errstr);
	return lc_enter(n, l, LEAD_ENGAGED, now, why, NULL, errstr);
}

int
lc_hold(struct nudge *n, struct lead *l, time_t now, const char *why,
    const char *message_id, char **errstr)
{
	return lc_enter(n, l, LEAD_REVIEW, now, why, message_id, errstr);
}

int
lc_pause(struct nudge *n, struct lead *l, int until_day, time_t now,
    const char *why, const char *message_id, char **errstr)
{
	time_t old = l->paused_until;
	int rc;

	if (!lc_sending(l->status) && l->status != LEAD_PAUSED) {
		*errstr = xasprintf("%s is %s, not active", l->email,
		    lead_status_name(l->status));
		return LC_ESTATE;
	}
	l->paused_until = clock_at(until_day, 0, n->tz);
	if (l->status == LEAD_PAUSED)
		return redate(n, l, "paused", now, why, message_id, errstr);
	rc = lc_enter(n, l, LEAD_PAUSED, now, why, message_id, errstr);
	if (rc != LC_OK)
		l->paused_until = old;
	return rc;
}

struct idlist {
	int64_t *v;
	size_t n;
};

static void
idlist_add(struct idlist *l, int64_t id)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	l->v[l->n++] = id;
}

static int
collect_open(const struct touch *t, const struct lead *lead, void *arg)
{
	(void)lead;
	if ((t->state == TOUCH_PLANNED || t->state == TOUCH_HELD)
	    && strcmp(t->channel, "reply") != 0)
		idlist_add(arg, t->id);
	return 0;
}

int
lc_resume(struct nudge *n, struct lead *l, time_t now, const char *why,
    char **errstr)
{
	struct idlist ids = {NULL, 0};
	struct touch *t;
	char *err = NULL;
	time_t from = now;
	int rc, to;

	if (l->status == LEAD_SNOOZED)
		return lc_wake(n, l, now, why ? why : "resumed", errstr);
	if (l->status == LEAD_ENGAGED) {
		if (l->next_due != 0) {
			*errstr = xasprintf("%s is engaged and its sequence "
					    "%s is running", l->email,
			    l->sequence ? l->sequence : "?");
			return LC_ESTATE;
		}
		if (n->cfg == NULL || seq_off(n->cfg->nurture)) {
			*errstr = xasprintf("%s: no nurture sequence is "
					    "configured", l->email);
			return LC_ESTATE;
		}
		return lc_enroll_in(n, l, n->cfg->nurture, now,
		    why ? why : "resumed", NULL, errstr);
	}
	if (l->status != LEAD_PAUSED && l->status != LEAD_REVIEW) {
		*errstr = xasprintf("%s is %s, not paused", l->email,
		    lead_status_name(l->status));
		return LC_ESTATE;
	}
	if (l->status == LEAD_PAUSED && l->paused_until != 0 &&
	    l->paused_until <= now)
		from = l->paused_until; /* the pause ended: resume at its end */
	rc = store_touch_list_lead(n->st, l->id, collect_open, &ids, &err);
	for (size_t i = 0; rc == STORE_OK && i < ids.n; i++) {
		if ((rc = store_touch_get(n->st, ids.v[i], &t, &err)))
			break;
		if (t->due < from) {
			t->due = from;
			rc = store_touch_update(n->st, t, &err);
		}
		touch_free(t);
	}
	free(ids.v);
	if (rc != STORE_OK)
		return db_err(rc, err, errstr);
	if (l->next_due != 0 && l->next_due < from)
		l->next_due = from;
	to = lc_sending(l->prior_status) ? l->prior_status : LEAD_ACTIVE;
	return lc_enter(n, l, to, now, why ? why : "resumed", NULL, errstr);
}

struct due_paused {
	struct idlist ids;
	time_t now;
};

static int
collect_paused(const struct lead *l, void *arg)
{
	struct due_paused *d = arg;

	if (l->paused_until != 0 && l->paused_until <= d->now)
		idlist_add(&d->ids, l->id);
	return 0;
}

int
lc_resume_due(struct nudge *n, time_t now, int *count, char **errstr)
{
	struct due_paused d = {{NULL, 0}, now};
	struct lead *l;
	char *err = NULL;
	int rc;

	rc = store_lead_list(n->st, "paused", collect_paused, &d, &err);
	if (rc == STORE_OK)
		rc = store_lead_list(n->st, "snoozed", collect_paused, &d,
		    &err);
	if (rc != STORE_OK) {
		free(d.ids.v);
		return db_err(rc, err, errstr);
	}
	for (size_t i = 0; i < d.ids.n; i++) {
		if ((rc = store_lead_get_id(n->st, d.ids.v[i], &l, &err))) {
			free(d.ids.v);
			return db_err(rc, err, errstr);
		}
		rc = l->status == LEAD_SNOOZED
		    ? lc_wake(n, l, now, "snooze ended", errstr)
		    : lc_resume(n, l, now, "pause ended", errstr);
		lead_free(l);
		if (rc != LC_OK) {
			free(d.ids.v);
			return rc;
		}
	}
	if (count)
		*count = (int)d.ids.n;
	free(d.ids.v);
	return LC_OK;
}

/* ---- a touch the salesperson made */

struct find_open {
	const char *channel;
	const char *stage;
	time_t now;
	int64_t due_id;	  /* the oldest open task already due */
	time_t due_at;
	int64_t stage_id; /* the open task of the current stage */
};

/* find_open: which open task a logged touch closes: the oldest one of that
 * channel that is due (what the agenda showed), else the current stage's. */
static int
find_open(const struct touch *t, const struct lead *l, void *arg)
{
	struct find_open *f = arg;

	(void)l;
	if (strcmp(t->channel, f->channel) != 0)
		return 0;
	if (t->state != TOUCH_PLANNED && t->state != TOUCH_HELD)
		return 0;
	if (t->due <= f->now && (f->due_id == 0 || t->due < f->due_at)) {
		f->due_id = t->id;
		f->due_at = t->due;
	}
	if (strcmp(t->stage, f->stage) == 0)
		f->stage_id = t->id;
	return 0;
}

static int
collect_reply(const struct touch *t, const struct lead *lead, void *arg)
{
	(void)lead;
	if (strcmp(t->channel, "reply") == 0 && t->state == TOUCH_PLANNED)
		idlist_add(arg, t->id);
	return 0;
}

/* later_of: t moved on by wait, and no sooner than a day after now. */
static time_t
later_of(time_t t, time_t wait, time_t now)
{
	t += wait;
	return t < now + 86400 ? now + 86400 : t;
}

/* shift_open: the lead's sequence clock stood still while its reply waited
 * (no email goes to a lead whose reply is unanswered, see DUE_SQL): every
 * open touch moves on by the wait, and none comes sooner than a day after
 * the salesperson's answer, so the next automatic email does not follow
 * their own on its heels. */
static int
shift_open(struct nudge *n, struct lead *l, time_t wait, time_t now,
    char **err)
{
	struct idlist ids = {NULL, 0};
	struct touch *t;
	int rc;

	rc = store_touch_list_lead(n->st, l->id, collect_open, &ids, err);
	for (size_t i = 0; rc == STORE_OK && i < ids.n; i++) {
		if ((rc = store_touch_get(n->st, ids.v[i], &t, err)))
			break;
		t->due = later_of(t->due, wait, now);
		rc = store_touch_update(n->st, t, err);
		touch_free(t);
	}
	if (rc == STORE_OK && ids.n > 0) {
		char *d = xasprintf("reply answered: %zu planned touch%s moved "
				    "on by %lld h, the time the reply waited",
		    ids.n, ids.n == 1 ? "" : "es", (long long)(wait / 3600));
		rc = store_event_add(n->st, l->id, now, "planned", d, NULL,
		    err);
		free(d);
	}
	free(ids.v);
	if (rc == STORE_OK && l->next_due != 0) {
		l->next_due = later_of(l->next_due, wait, now);
		l->updated = now;
		rc = save_state(n, l, err);
	}
	return rc;
}

/* close_reply_tasks: a touch the salesperson logged answers the lead's
 * open "reply to" tasks; the rest of the plan moves on by the wait. */
static int
close_reply_tasks(struct nudge *n, struct lead *l, const char *channel,
    time_t now, char **errstr)
{
	struct idlist ids = {NULL, 0};
	struct touch *t;
	char *err = NULL;
	time_t asked = now;
	int rc;

	rc = store_touch_list_lead(n->st, l->id, collect_reply, &ids, &err);
	for (size_t i = 0; rc == STORE_OK && i < ids.n; i++) {
		if ((rc = store_touch_get(n->st, ids.v[i], &t, &err)))
			break;
		if (t->due < asked)
			asked = t->due;
		lc_touch_enter(t, TOUCH_DONE);
		t->done_at = now;
		free(t->outcome);
		t->outcome = xasprintf("answered by %s", channel);
		rc = store_touch_update(n->st, t, &err);
		touch_free(t);
	}
	if (rc == STORE_OK && ids.n > 0) /* a touch logged with an earlier
					  * date waited for nothing */
		rc = shift_open(n, l, now > asked ? now - asked : 0, now, &err);
	free(ids.v);
	return db_err(rc, err, errstr);
}

int
lc_log_touch(struct nudge *n, struct lead *l, const char *channel, time_t now,
    const char *outcome, const char *note, int connected,
    const char *message_id, char **errstr)
{
	const struct sequence *seq;
	struct find_open fo;
	struct touch *t = NULL;
	char label[16], *err = NULL, *detail;
	int rc;

	lc_stage_label(n, l, label, sizeof label);
	memset(&fo, 0, sizeof fo);
	fo.channel = channel;
	fo.stage = label;
	fo.now = now;
	if ((rc = store_touch_list_lead(n->st, l->id, find_open, &fo, &err)))
		goto fail;
	if (fo.due_id != 0 || fo.stage_id != 0) {
		rc = store_touch_get(n->st, fo.due_id ? fo.due_id : fo.stage_id,
		    &t, &err);
		if (rc != STORE_OK)
			goto fail;
	} else {
		/* a touch beyond the plan: recorded all the same */
		t = xcalloc(1, sizeof *t);
		t->lead_id = l->id;
		t->stage = xstrdup(label);
		t->channel = xstrdup(channel);
		t->due = now;
		t->state = TOUCH_DONE;
		if ((rc = store_touch_insert(n->st, t, &err)) != STORE_OK)
			goto fail;
	}
	lc_touch_enter(t, TOUCH_DONE);
	t->done_at = now;
	set_str(&t->outcome, connected ? "connected" : outcome ? outcome
							       : "done");
	if (note)
		set_str(&t->note, note);
	if ((rc = store_touch_update(n->st, t, &err)) != STORE_OK)
		goto fail;
	detail = xasprintf("%s (stage %s) logged: %s%s%s", channel, t->stage,
	    t->outcome, note ? " - " : "", note ? note : "");
	rc = store_event_add(n->st, l->id, now, "logged", detail, message_id,
	    &err);
	free(detail);
	if (rc != STORE_OK)
		goto fail;
	if (note && (rc = store_note_add(n->st, l->id, now, "note", note, NULL,
			 &err)) != STORE_OK)
		goto fail;
	if (connected) {
		char *why = xasprintf("contact made by %s", channel);
		if ((rc = close_reply_tasks(n, l, channel, now, &err))) {
			free(why);
			touch_free(t);
			*errstr = err;
			return rc;
		}
		rc = lc_contact_made(n, l, now, why, message_id, errstr);
		free(why);
		touch_free(t);
		return rc;
	}
	if ((rc = close_reply_tasks(n, l, channel, now, &err)) != LC_OK) {
		touch_free(t);
		*errstr = err;
		return rc;
	}
	if (lc_sending(l->status) && strcmp(t->stage, label) == 0 &&
	    lc_sequence(n, l->sequence, &seq, &err) == LC_OK) {
		const struct cadence_step *step = &seq->steps[l->step];
		/* the stage is done by its email; a stage with no email is
		 * done when any of its touches is logged */
		if (strcmp(channel, "email") == 0 ||
		    !cadence_step_has(step, CHANNEL_EMAIL)) {
			touch_free(t);
			return lc_stage_done(n, l, now,
			    strcmp(channel, "email") == 0 ? "email sent by hand"
							  : "logged",
			    errstr);
		}
	}
	free(err);
	touch_free(t);
	return LC_OK;
fail:
	touch_free(t);
	return db_err(rc, err, errstr);
}

char *
lc_template_path(struct nudge *n, const char *seq, const char *stage,
    const char *channel)
{
	char step[8], *path;
	size_t i;
	int pass;

	for (i = 0; i < sizeof step - 1 && stage[i]; i++)
		step[i] = (char)tolower((unsigned char)stage[i]);
	step[i] = '\0';
	if (step[0] == 'x' && step[1] >= '0' && step[1] <= '9')
		step[1] = '\0'; /* a label of the repeating stage: X2 -> x */
	/* the sequence's own directory, then the top; for a stage named X...
	 * its own file, then x */
	for (pass = 0; pass < 2; pass++) {
		const char *name = pass == 0 ? step : "x";
		if (pass == 1 && (step[0] != 'x' || step[1] == '\0'))
			break;
		if (seq != NULL && strcmp(seq, "12345x") != 0) {
			path = xasprintf("%s/%s/%s.%s", n->templates_dir, seq,
			    name, channel);
			if (access(path, R_OK) == 0)
				return path;
			free(path);
		}
		path = xasprintf("%s/%s.%s", n->templates_dir, name, channel);
		if (access(path, R_OK) == 0 || (pass == 0 && step[0] != 'x'))
			return path;
		free(path);
	}
	return xasprintf("%s/%s.%s", n->templates_dir, step, channel);
}

int
lc_skip_unlogged(struct nudge *n, time_t now, char **errstr)
{
	int day = clock_day_of(now, n->tz), grace = n->cfg ? n->cfg->task_grace
							: 2;
	char *err = NULL;
	int rc;

	for (int k = grace; k > 0;)
		if (cadence_is_business_day(n->hol, --day))
			k--;
	rc = store_touch_skip_unlogged(n->st, clock_at(day, 0, n->tz), NULL,
	    &err);
	return db_err(rc, err, errstr);
}

void
lc_free(struct nudge *n)
{
	for (size_t i = 0; i < n->nseqs; i++)
		sequence_free(n->seqs[i]);
	free(n->seqs);
	for (size_t i = 0; i < n->nhols; i++)
		holidays_free(n->hols[i].h);
	free(n->hols);
	holidays_free(n->hol);
	store_close(n->st);
	config_free(n->cfg);
	free(n->config_path);
	free(n->db_path);
	free(n->rules_dir);
	free(n->templates_dir);
	memset(n, 0, sizeof *n);
}
