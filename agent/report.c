/* report - see report.h.  The figures (this file) and their renderings
 * (report_render.c). */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "report.h"
#include "xalloc.h"

const char *const report_channels[REPORT_NCHAN] = {
    "email", "call", "text", "visit", "note", "research", "social", "other"};
const char *const report_intents[REPORT_NINTENT] = {
    "interested", "later",   "not_fit", "stop",
    "referral",   "unclear", "none",    "other"};

/* ---- what is read from the store, compacted */

struct rl { /* a lead */
	int64_t id;
	time_t created;
	char *sequence;
};

struct rt { /* a done touch */
	int64_t lead_id;
	time_t at;
	char stage[16];
	char version[12]; /* an email's template version, or "" */
	int chan;
};

enum { EV_REPLY, EV_OOO, EV_HARD, EV_SOFT, EV_STATUS, EV_ENROLLED };

struct re { /* an event that counts */
	int64_t lead_id;
	time_t at;
	int kind;
	int intent; /* EV_STATUS: report_intents index, -1 none */
	int to;     /* EV_STATUS: the status entered, -1 none */
	char *seq;  /* EV_ENROLLED: the sequence */
};

struct load {
	struct rl *l;
	size_t nl, capl;
	struct rt *t;
	size_t nt, capt;
	struct re *e;
	size_t ne, cape;
	struct report *r;
	report_progress_cb progress;
	void *arg;
};

/* grow: room for one more of *n elements of size sz in *v (capacity *cap),
 * doubling */
static void *
grow(void *v, size_t n, size_t *cap, size_t sz)
{
	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 1024;
	return xreallocarray(v, *cap, sz);
}

/* tick: tell the progress callback every 65536 rows read */
static void
tick(struct load *ld)
{
	size_t rows = ld->nl + ld->nt + ld->ne;

	if (ld->progress && (rows & 0xffff) == 0)
		ld->progress("reading", (long)rows, 0, ld->arg);
}

static int
chan_index(const char *c)
{
	for (int i = 0; i < REPORT_NCHAN - 1; i++)
		if (c && strcmp(c, report_channels[i]) == 0)
			return i;
	return REPORT_NCHAN - 1;
}

static int
intent_index(const char *name, size_t len)
{
	for (int i = 0; i < REPORT_NINTENT - 1; i++)
		if (strlen(report_intents[i]) == len &&
		    strncmp(name, report_intents[i], len) == 0)
			return i;
	return REPORT_NINTENT - 1;
}

static int
get_lead(const struct store_rlead *sl, void *arg)
{
	struct load *ld = arg;
	struct rl *l;

	ld->l = grow(ld->l, ld->nl, &ld->capl, sizeof *ld->l);
	l = &ld->l[ld->nl++];
	tick(ld);
	l->id = sl->id;
	l->created = sl->created;
	l->sequence =
	    xstrdup(sl->sequence && *sl->sequence ? sl->sequence : "-");
	return 0;
}

static int
get_touch(const struct store_rtouch *st, void *arg)
{
	struct load *ld = arg;
	struct rt *t;

	ld->t = grow(ld->t, ld->nt, &ld->capt, sizeof *ld->t);
	t = &ld->t[ld->nt++];
	tick(ld);
	t->lead_id = st->lead_id;
	t->at = st->done_at;
	snprintf(t->stage, sizeof t->stage, "%s", st->stage ? st->stage : "?");
	snprintf(t->version, sizeof t->version, "%s",
	    st->template_version ? st->template_version : "");
	t->chan = chan_index(st->channel);
	return 0;
}

static int
prefix(const char *s, const char *p)
{
	return s != NULL && strncmp(s, p, strlen(p)) == 0;
}

/* status_to: the status a "status" event entered: its detail reads
 * "FROM -> TO: why" or "FROM -> TO until DATE: why". */
static int
status_to(const char *d)
{
	const char *a = d ? strstr(d, " -> ") : NULL;
	char name[24];
	size_t n = 0;

	if (a == NULL || a - d > 16)
		return -1;
	for (a += 4; *a >= 'a' && *a <= 'z' && n + 1 < sizeof name; a++)
		name[n++] = *a;
	name[n] = '\0';
	return lead_status_parse(name);
}

/* status_intent: the intent in "... (intent NAME by RULE)", -1 if none. */
static int
status_intent(const char *d)
{
	const char *a = d ? strstr(d, "(intent ") : NULL;
	size_t n = 0;

	if (a == NULL)
		return -1;
	a += 8;
	while ((a[n] >= 'a' && a[n] <= 'z') || a[n] == '_')
		n++;
	return n ? intent_index(a, n) : -1;
}

static int
get_event(const struct store_revent *se, void *arg)
{
	struct load *ld = arg;
	struct re e;

	memset(&e, 0, sizeof e);
	e.lead_id = se->lead_id;
	e.at = se->at;
	e.intent = e.to = -1;
	if (strcmp(se->type, "message") == 0) {
		if (prefix(se->detail, "human_reply "))
			e.kind = EV_REPLY;
		else if (prefix(se->detail, "auto_reply "))
			e.kind = EV_OOO;
		else if (prefix(se->detail, "bounce_hard "))
			e.kind = EV_HARD;
		else if (prefix(se->detail, "bounce_soft "))
			e.kind = EV_SOFT;
		else
			return 0;
	} else if (strcmp(se->type, "status") == 0) {
		e.kind = EV_STATUS;
		e.to = status_to(se->detail);
		e.intent = status_intent(se->detail);
		if (e.to < 0 && e.intent < 0)
			return 0;
	} else if (strcmp(se->type, "review") == 0) {
		/* "review N decided: CHOICE (nudge guessed GUESS)": a message
		 * nudge held as something else that the salesperson called a
		 * reply is one, from the decision on */
		const char *d =
		    se->detail ? strstr(se->detail, " decided: ") : NULL;
		const char *g = d ? strstr(d, " (nudge guessed ") : NULL;
		size_t n;
		if (g == NULL || prefix(g + 16, "human_reply)"))
			return 0;
		d += 10;
		n = (size_t)(g - d);
		if (!(n == 11 && strncmp(d, "human_reply", n) == 0) &&
		    (intent_index(d, n) >= REPORT_NINTENT - 2))
			return 0; /* not a reply class nor a reply intent */
		e.kind = EV_REPLY;
	} else if (strcmp(se->type, "enrolled") == 0 &&
	           prefix(se->detail, "enrolled in sequence ")) {
		const char *s = se->detail + 21;
		size_t n = strcspn(s, ": ");
		e.kind = EV_ENROLLED;
		e.seq = xstrndup(s, n);
	} else
		return 0;
	ld->e = grow(ld->e, ld->ne, &ld->cape, sizeof *ld->e);
	ld->e[ld->ne++] = e;
	tick(ld);
	return 0;
}

static int
get_review(const char *guess, const char *resolution, void *arg)
{
	struct report *r = arg;

	(void)guess;
	r->reviews++;
	if (resolution == NULL)
		r->reviews_open++;
	return 0;
}

/* ---- stages and sequences */

/* stage_ord: "1".."5" by number, then "X1", "X2", ..., then the rest. */
static long
stage_ord(const char *s)
{
	char *end;
	long v;

	if (*s == 'X' || *s == 'x') {
		v = s[1] ? strtol(s + 1, &end, 10) : 0;
		return 1000000 + v;
	}
	v = strtol(s, &end, 10);
	return *end == '\0' && end != s ? v : 2000000;
}

static int
cmp_stage(const void *a, const void *b)
{
	const struct report_stage *x = a, *y = b;
	long ox = stage_ord(x->label), oy = stage_ord(y->label);

	if (ox != oy)
		return ox < oy ? -1 : 1;
	return strcmp(x->label, y->label);
}

static int
cmp_version(const void *a, const void *b)
{
	const struct report_version *x = a, *y = b;
	long ox = stage_ord(x->stage), oy = stage_ord(y->stage);

	if (ox != oy)
		return ox < oy ? -1 : 1;
	if (strcmp(x->stage, y->stage) != 0)
		return strcmp(x->stage, y->stage);
	return strcmp(x->version, y->version);
}

static struct report_stage *
stage_get(struct report_stage **v, size_t *n, const char *label)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i].label, label) == 0)
			return &(*v)[i];
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	memset(&(*v)[*n], 0, sizeof **v);
	snprintf((*v)[*n].label, sizeof(*v)[*n].label, "%s", label);
	return &(*v)[(*n)++];
}

static struct report_version *
version_get(struct report *r, const char *stage, const char *version)
{
	for (size_t i = 0; i < r->nversions; i++)
		if (strcmp(r->versions[i].stage, stage) == 0 &&
		    strcmp(r->versions[i].version, version) == 0)
			return &r->versions[i];
	r->versions =
	    xreallocarray(r->versions, r->nversions + 1, sizeof *r->versions);
	memset(&r->versions[r->nversions], 0, sizeof *r->versions);
	snprintf(r->versions[r->nversions].stage,
	    sizeof r->versions[r->nversions].stage, "%s", stage);
	snprintf(r->versions[r->nversions].version,
	    sizeof r->versions[r->nversions].version, "%s", version);
	return &r->versions[r->nversions++];
}

static struct report_seq *
seq_get(struct report *r, const char *name)
{
	for (size_t i = 0; i < r->nseqs; i++)
		if (strcmp(r->seqs[i].name, name) == 0)
			return &r->seqs[i];
	r->seqs = xreallocarray(r->seqs, r->nseqs + 1, sizeof *r->seqs);
	memset(&r->seqs[r->nseqs], 0, sizeof *r->seqs);
	r->seqs[r->nseqs].name = xstrdup(name);
	return &r->seqs[r->nseqs++];
}

static int
cmp_seq(const void *a, const void *b)
{
	return strcmp(((const struct report_seq *)a)->name,
	              ((const struct report_seq *)b)->name);
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* the (sequence, stage) pairs a lead has been counted at; the strings live
 * as long as the walk (the loaded rows, or literals) */
struct seen {
	const char *(*key)[2];
	size_t n;
};

/* seen_first: 1 the first time (a, b) is offered for this lead. */
static int
seen_first(struct seen *s, const char *a, const char *b)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->key[i][0], a) == 0 &&
		    strcmp(s->key[i][1], b) == 0)
			return 0;
	s->key = xreallocarray(s->key, s->n + 1, sizeof *s->key);
	s->key[s->n][0] = a;
	s->key[s->n++][1] = b;
	return 1;
}

struct walk {
	struct report *r;
	const char *tz;
	const struct holidays *hol;
	int *bdays;
	size_t nbdays;
};

static int
in_period(const struct report *r, time_t t)
{
	return t >= r->since && t < r->until;
}

static void
count_touch(struct walk *w, const struct rt *t, const char *seqname,
            struct seen *seen)
{
	struct report *r = w->r;
	struct report_seq *sq = seq_get(r, seqname);
	struct report_stage *all = stage_get(&r->stages, &r->nstages, t->stage);
	struct report_stage *one =
	    stage_get(&sq->stages, &sq->nstages, t->stage);

	r->touches++;
	r->channel[t->chan]++;
	all->touches++;
	all->channel[t->chan]++;
	sq->touches++;
	one->touches++;
	one->channel[t->chan]++;
	if (seen_first(seen, "\x1e", "lead"))
		r->leads_touched++;
	if (seen_first(seen, "\x1e", t->stage))
		all->leads++;
	if (seen_first(seen, seqname, "\x1e"))
		sq->leads++;
	if (seen_first(seen, seqname, t->stage))
		one->leads++;
	if (t->chan == 0 && t->version[0] != '\0')
		version_get(r, t->stage, t->version)->sent++;
	if (t->chan == 0) {
		int d = clock_day_of(t->at, w->tz) - r->first_day;
		if (d >= 0 && d < r->ndays)
			r->sent_per_day[d]++;
	}
}

/* one_lead: walk a lead's touches t[0..nt) and events e[0..ne), both in
 * time order, merged (a touch before an event of the same second). */
static void
one_lead(struct walk *w, const struct rl *l, const struct rt *t, size_t nt,
         const struct re *e, size_t ne)
{
	struct report *r = w->r;
	struct seen seen = {NULL, 0};
	const char *seq = l->sequence, *last_seq = NULL;
	const char *last_stage = NULL;
	const struct rt *last_email = NULL;
	size_t i = 0, j = 0;
	int ntouch = 0, replied = 0, first_day = 0;

	/* before its first enrollment the lead is in the first sequence it
	 * was enrolled in (or its current one) */
	for (size_t k = 0; k < ne; k++)
		if (e[k].kind == EV_ENROLLED) {
			seq = e[k].seq;
			break;
		}
	if (in_period(r, l->created))
		r->entered++;
	while (i < nt || j < ne) {
		if (i < nt && (j == ne || t[i].at <= e[j].at)) {
			if (in_period(r, t[i].at))
				count_touch(w, &t[i], seq, &seen);
			if (ntouch++ == 0)
				first_day = clock_day_of(t[i].at, w->tz);
			last_stage = t[i].stage;
			last_seq = seq;
			if (t[i].chan == 0)
				last_email = &t[i];
			i++;
			continue;
		}
		const struct re *ev = &e[j++];
		if (ev->kind == EV_ENROLLED) {
			seq = ev->seq;
			if (in_period(r, ev->at))
				seq_get(r, seq)->enrolled++;
			continue;
		}
		if (!in_period(r, ev->at)) {
			if (ev->kind == EV_REPLY)
				replied = 1;
			continue;
		}
		switch (ev->kind) {
		case EV_REPLY:
			r->reply_messages++;
			if (replied)
				break;
			replied = 1;
			r->replies++;
			if (ntouch == 0) {
				r->replies_untouched++;
				break;
			}
			r->contacts[ntouch > REPORT_NCONTACTS
			                ? REPORT_NCONTACTS - 1
			                : ntouch - 1]++;
			stage_get(&r->stages, &r->nstages, last_stage)
			    ->replies++;
			if (last_email && last_email->version[0] != '\0')
				version_get(r, last_email->stage,
				    last_email->version)
				    ->replies++;
			{
				struct report_seq *sq = seq_get(r, last_seq);
				sq->replies++;
				stage_get(&sq->stages, &sq->nstages, last_stage)
				    ->replies++;
			}
			{
				int d1 = clock_day_of(ev->at, w->tz), n = 0;
				for (int d = first_day + 1; d <= d1; d++)
					n += cadence_is_business_day(w->hol, d);
				w->bdays = xreallocarray(
				    w->bdays, w->nbdays + 1, sizeof *w->bdays);
				w->bdays[w->nbdays++] = n;
			}
			break;
		case EV_OOO:
			r->out_of_office++;
			break;
		case EV_HARD:
			r->bounce_hard++;
			break;
		case EV_SOFT:
			r->bounce_soft++;
			break;
		case EV_STATUS:
			if (ev->intent >= 0)
				r->intents[ev->intent]++;
			if (ev->to == LEAD_UNSUBSCRIBED)
				r->opted_out++;
			else if (ev->to == LEAD_BOUNCED)
				r->bounced++;
			break;
		}
	}
	free(seen.key);
}

int
report_build(struct store *st, const char *tz, const struct holidays *hol,
             long cap, time_t since, time_t until, report_progress_cb progress,
             void *arg, struct report *r, char **errstr)
{
	struct load ld;
	struct walk w;
	char *err = NULL;
	size_t ti = 0, ei = 0;

	memset(r, 0, sizeof *r);
	memset(&ld, 0, sizeof ld);
	memset(&w, 0, sizeof w);
	ld.progress = progress;
	ld.arg = arg;
	if (until <= since)
		until = since + 1;
	r->since = since;
	r->until = until;
	r->cap = cap;
	r->first_day = clock_day_of(since, tz);
	r->ndays = clock_day_of(until - 1, tz) - r->first_day + 1;
	r->sent_per_day = xcalloc((size_t)r->ndays, sizeof *r->sent_per_day);
	if (store_report_leads(st, get_lead, &ld, &err) != STORE_OK ||
	    store_report_touches(st, until, get_touch, &ld, &err) != STORE_OK ||
	    store_report_events(st, until, get_event, &ld, &err) != STORE_OK ||
	    store_report_reviews(st, since, until, get_review, r, &err) !=
	        STORE_OK) {
		*errstr = err;
		if (progress)
			progress(NULL, 0, 0, arg);
		for (size_t i = 0; i < ld.nl; i++)
			free(ld.l[i].sequence);
		for (size_t i = 0; i < ld.ne; i++)
			free(ld.e[i].seq);
		free(ld.l);
		free(ld.t);
		free(ld.e);
		return REPORT_EDB;
	}
	w.r = r;
	w.tz = tz;
	w.hol = hol;
	/* leads, touches and events all come ordered by lead id */
	for (size_t i = 0; i < ld.nl; i++) {
		const struct rl *l = &ld.l[i];
		size_t t0, e0;
		if (progress && (i & 0xfff) == 0)
			progress("counting", (long)i, (long)ld.nl, arg);
		while (ti < ld.nt && ld.t[ti].lead_id < l->id)
			ti++;
		while (ei < ld.ne && ld.e[ei].lead_id < l->id)
			ei++;
		t0 = ti;
		e0 = ei;
		while (ti < ld.nt && ld.t[ti].lead_id == l->id)
			ti++;
		while (ei < ld.ne && ld.e[ei].lead_id == l->id)
			ei++;
		if (in_period(r, l->created) || ti > t0 || ei > e0)
			one_lead(&w, l, &ld.t[t0], ti - t0, &ld.e[e0], ei - e0);
	}
	for (int d = 0; d < r->ndays; d++) {
		if (r->sent_per_day[d] > r->sent_max)
			r->sent_max = r->sent_per_day[d];
		if (cap > 0 && r->sent_per_day[d] >= cap)
			r->days_at_cap++;
	}
	if (w.nbdays > 0) {
		qsort(w.bdays, w.nbdays, sizeof *w.bdays, cmp_int);
		r->nbdays = (int)w.nbdays;
		/* integer halves are indexes; the mean of two is a double */
		/* NOLINTBEGIN(bugprone-integer-division) */
		r->median_bdays =
		    w.nbdays % 2
		        ? w.bdays[w.nbdays / 2]
		        : (w.bdays[w.nbdays / 2 - 1] + w.bdays[w.nbdays / 2]) /
		              2.0;
		/* NOLINTEND(bugprone-integer-division) */
	}
	/* (qsort wants a non-NULL base even for no element) */
	if (r->nstages > 1)
		qsort(r->stages, r->nstages, sizeof *r->stages, cmp_stage);
	if (r->nseqs > 1)
		qsort(r->seqs, r->nseqs, sizeof *r->seqs, cmp_seq);
	if (r->nversions > 1)
		qsort(r->versions, r->nversions, sizeof *r->versions,
		    cmp_version);
	for (size_t i = 0; i < r->nseqs; i++)
		if (r->seqs[i].nstages > 1)
			qsort(r->seqs[i].stages, r->seqs[i].nstages,
			      sizeof *r->seqs[i].stages, cmp_stage);
	if (progress)
		progress(NULL, 0, 0, arg);
	free(w.bdays);
	for (size_t i = 0; i < ld.nl; i++)
		free(ld.l[i].sequence);
	for (size_t i = 0; i < ld.ne; i++)
		free(ld.e[i].seq);
	free(ld.l);
	free(ld.t);
	free(ld.e);
	return REPORT_OK;
}

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nseqs; i++) {
		free(r->seqs[i].name);
		free(r->seqs[i].stages);
	}
	free(r->seqs);
	free(r->stages);
	free(r->versions);
	free(r->sent_per_day);
	memset(r, 0, sizeof *r);
}

double
report_rate(int replies, int leads)
{
	return leads > 0 ? (double)replies / leads : 0.0;
}
