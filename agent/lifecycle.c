/* lifecycle - see lifecycle.h */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
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
	n->seqs = xreallocarray(n->seqs, n->nseqs + 1, sizeof *n->seqs);
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

/* schedule: create the touches of the lead's current stage, due at `due`. */
static int
schedule(struct nudge *n, struct lead *l, const struct sequence *seq,
    time_t due, time_t now, char **errstr)
{
	const struct cadence_step *step = &seq->steps[l->step];
	char label[16], date[40], *err = NULL, *detail;
	struct touch t;
	int rc;

	cadence_stage_label(seq, (size_t)l->step, l->xcount, label, sizeof label);
	for (unsigned bit = 1; bit <= CHANNEL_ALL; bit <<= 1) {
		if (!(step->channels & bit))
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
	clock_format_iso(due, n->tz, date, sizeof date);
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
	set_str(&l->status, "active");
	l->step = 0;
	l->xcount = 0;
	l->paused_until = 0;
	return schedule(n, l, seq, cadence_due(seq, 0, now, n->tz, n->hol), now,
	    errstr);
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
	if (!cadence_next(seq, (size_t)l->step, l->xcount, &next_step, &next_x))
		return lc_set_status(n, l, "retired", at,
		    seq->max_x ? "sequence complete (max_x reached)"
			       : "sequence complete",
		    NULL, errstr);
	l->step = (int)next_step;
	l->xcount = next_x;
	return schedule(n, l, seq,
	    cadence_due(seq, next_step, at, n->tz, n->hol), at, errstr);
}

int
lc_set_status(struct nudge *n, struct lead *l, const char *status, time_t now,
    const char *why, const char *message_id, char **errstr)
{
	char *detail, *err = NULL;
	int rc;

	if (l->status != NULL && strcmp(l->status, status) == 0)
		return LC_OK;
	/* a pause keeps the open touches (they resume at the same stage); any
	 * other way out of "active" ends the sequence */
	if (strcmp(status, "active") != 0 && strcmp(status, "paused") != 0) {
		if ((rc = store_touch_skip_open(n->st, l->id, NULL, &err)))
			return db_err(rc, err, errstr);
		l->next_due = 0;
	}
	if (strcmp(status, "bounced") == 0 ||
	    strcmp(status, "unsubscribed") == 0) {
		rc = store_suppress_add(n->st, l->email, status, now, &err);
		if (rc != STORE_OK)
			return db_err(rc, err, errstr);
	}
	detail = xasprintf("%s -> %s: %s", l->status ? l->status : "new",
	    status, why ? why : "");
	set_str(&l->status, status);
	if (strcmp(status, "paused") != 0)
		l->paused_until = 0;
	l->updated = now;
	rc = save_state(n, l, &err);
	if (rc == STORE_OK)
		rc = store_event_add(n->st, l->id, now, "status", detail,
		    message_id, &err);
	free(detail);
	return db_err(rc, err, errstr);
}

int
lc_contact_made(struct nudge *n, struct lead *l, time_t now, const char *why,
    const char *message_id, char **errstr)
{
	const char *next = n->cfg ? n->cfg->after_contact : NULL;
	char *err = NULL, *detail;
	int rc;

	if ((rc = lc_set_status(n, l, "engaged", now, why, message_id,
		 errstr)) != LC_OK)
		return rc;
	if (next == NULL || *next == '\0' ||
	    (l->sequence && strcmp(l->sequence, next) == 0))
		return LC_OK;
	set_str(&l->sequence, next);
	detail = xasprintf("contact made: enrolled in sequence %s", next);
	rc = store_event_add(n->st, l->id, now, "enrolled", detail, message_id,
	    &err);
	free(detail);
	if (rc != STORE_OK)
		return db_err(rc, err, errstr);
	return lc_enroll(n, l, now, errstr);
}

int
lc_pause(struct nudge *n, struct lead *l, int until_day, time_t now,
    const char *why, const char *message_id, char **errstr)
{
	char *detail, *err = NULL, date[16];
	const char *old = l->status ? l->status : "active";
	int rc;

	if (strcmp(old, "active") != 0 && strcmp(old, "paused") != 0) {
		*errstr = xasprintf("%s is %s, not active", l->email, old);
		return LC_ESTATE;
	}
	l->paused_until = clock_at(until_day, 0, n->tz);
	clock_format_date(l->paused_until, n->tz, date, sizeof date);
	detail = xasprintf("%s -> paused until %s: %s", old, date,
	    why ? why : "");
	set_str(&l->status, "paused");
	l->updated = now;
	rc = save_state(n, l, &err);
	if (rc == STORE_OK)
		rc = store_event_add(n->st, l->id, now, "status", detail,
		    message_id, &err);
	free(detail);
	return db_err(rc, err, errstr);
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
	if (strcmp(t->state, "planned") == 0 || strcmp(t->state, "held") == 0)
		idlist_add(arg, t->id);
	return 0;
}

int
lc_resume(struct nudge *n, struct lead *l, time_t now, const char *why,
    char **errstr)
{
	struct idlist ids = {NULL, 0};
	struct touch *t;
	char *detail, *err = NULL;
	time_t from = now;
	int rc;

	if (l->status == NULL || strcmp(l->status, "paused") != 0) {
		*errstr = xasprintf("%s is %s, not paused", l->email,
		    l->status ? l->status : "?");
		return LC_ESTATE;
	}
	if (l->paused_until != 0 && l->paused_until <= now)
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
	if (l->next_due < from)
		l->next_due = from;
	l->paused_until = 0;
	detail = xasprintf("paused -> active: %s", why ? why : "resumed");
	set_str(&l->status, "active");
	l->updated = now;
	rc = save_state(n, l, &err);
	if (rc == STORE_OK)
		rc = store_event_add(n->st, l->id, now, "status", detail, NULL,
		    &err);
	free(detail);
	return db_err(rc, err, errstr);
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
	if (rc != STORE_OK)
		return db_err(rc, err, errstr);
	for (size_t i = 0; i < d.ids.n; i++) {
		if ((rc = store_lead_get_id(n->st, d.ids.v[i], &l, &err))) {
			free(d.ids.v);
			return db_err(rc, err, errstr);
		}
		rc = lc_resume(n, l, now, "pause ended", errstr);
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
	if (strcmp(t->state, "planned") != 0 && strcmp(t->state, "held") != 0)
		return 0;
	if (t->due <= f->now && (f->due_id == 0 || t->due < f->due_at)) {
		f->due_id = t->id;
		f->due_at = t->due;
	}
	if (strcmp(t->stage, f->stage) == 0)
		f->stage_id = t->id;
	return 0;
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
		t->state = xstrdup("done");
		if ((rc = store_touch_insert(n->st, t, &err)) != STORE_OK)
			goto fail;
	}
	set_str(&t->state, "done");
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
		rc = lc_contact_made(n, l, now, why, message_id, errstr);
		free(why);
		touch_free(t);
		return rc;
	}
	if (strcmp(l->status, "active") == 0 && strcmp(t->stage, label) == 0 &&
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

void
lc_free(struct nudge *n)
{
	for (size_t i = 0; i < n->nseqs; i++)
		sequence_free(n->seqs[i]);
	free(n->seqs);
	holidays_free(n->hol);
	store_close(n->st);
	config_free(n->cfg);
	free(n->config_path);
	free(n->db_path);
	free(n->rules_dir);
	free(n->templates_dir);
	memset(n, 0, sizeof *n);
}
