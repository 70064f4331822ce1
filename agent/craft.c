/* craft - see craft.h */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "craft.h"
#include "log.h"
#include "xalloc.h"

#define NOTES_SHOWN 3     /* last_notes: this many of the newest notes */
#define NOTE_CHARS 200    /* each cut to about this many bytes */

const char *
craft_field(const struct lead *l, const char *key)
{
	for (size_t i = 0; i < l->nfields; i++)
		if (strcmp(l->fields[i].key, key) == 0)
			return l->fields[i].value && *l->fields[i].value
			    ? l->fields[i].value
			    : NULL;
	return NULL;
}

int
craft_is_hot(const struct lead *l)
{
	static const char *const keys[] = {"hot", "rating", "lead_status"};
	const char *v;

	for (size_t i = 0; i < 3; i++) {
		if ((v = craft_field(l, keys[i])) == NULL)
			continue;
		if (strcasestr(v, "hot") != NULL)
			return 1;
		if (i == 0 && (strcasecmp(v, "yes") == 0 ||
				  strcasecmp(v, "true") == 0 ||
				  strcmp(v, "1") == 0 || strcasecmp(v, "y") == 0))
			return 1;
	}
	return 0;
}

int
craft_is_x(const char *stage)
{
	return stage && (stage[0] == 'X' || stage[0] == 'x');
}

static const char *
sender_name(const struct config *c)
{
	if (c->sender_name && *c->sender_name)
		return c->sender_name;
	if (c->from_name && *c->from_name)
		return c->from_name;
	return NULL;
}

size_t
craft_sender_set(const struct config *c, const char **set)
{
	size_t n = 0;

	if (c->from_addr && *c->from_addr)
		set[n++] = "sender.email";
	if (sender_name(c)) {
		set[n++] = "sender.name";
		set[n++] = "sender.first_name";
	}
	if (c->sender_title && *c->sender_title)
		set[n++] = "sender.title";
	if (c->sender_phone && *c->sender_phone)
		set[n++] = "sender.phone";
	if ((c->signature && *c->signature) || sender_name(c))
		set[n++] = "sender.signature";
	return n;
}

/* keep_notes: collect the lead's notes (manual notes and reply texts, not
 * events), newest last, in a ring of NOTES_SHOWN. */
struct notes_ring {
	char *v[NOTES_SHOWN];
	size_t n;
};

static int
keep_note(const struct note *no, void *arg)
{
	struct notes_ring *r = arg;

	if (strcmp(no->kind, "event") == 0)
		return 0;
	if (r->n == NOTES_SHOWN) {
		free(r->v[0]);
		memmove(r->v, r->v + 1, (NOTES_SHOWN - 1) * sizeof r->v[0]);
		r->n--;
	}
	r->v[r->n++] = xstrdup(no->text);
	return 0;
}

static char *
notes_text(struct nudge *n, const struct lead *l)
{
	struct notes_ring r;
	struct buf b;
	char *err = NULL;

	memset(&r, 0, sizeof r);
	if (n->st == NULL || l->id == 0)
		return NULL;
	if (store_note_list(n->st, l->id, keep_note, &r, &err) != STORE_OK) {
		log_warnx("notes of %s: %s", l->email, err);
		free(err);
	}
	if (r.n == 0)
		return NULL;
	buf_init(&b);
	for (size_t i = 0; i < r.n; i++) {
		size_t len = strlen(r.v[i]);
		/* one line each: line breaks become spaces */
		for (char *p = r.v[i]; *p; p++)
			if (*p == '\n' || *p == '\r' || *p == '\t')
				*p = ' ';
		if (len > NOTE_CHARS) {
			/* cut at a UTF-8 boundary */
			size_t k = NOTE_CHARS;
			while (k > 0 && ((unsigned char)r.v[i][k] & 0xc0) == 0x80)
				k--;
			buf_printf(&b, "%s- %.*s...", b.len ? "\n" : "", (int)k,
			    r.v[i]);
		} else
			buf_printf(&b, "%s- %s", b.len ? "\n" : "", r.v[i]);
		free(r.v[i]);
	}
	return buf_steal(&b);
}

/* signature_text: the signature file (trailing white space cut), or the
 * name, title and phone one a line; NULL when neither can be had. */
static char *
signature_text(const struct config *c)
{
	struct buf b;
	char *err = NULL;

	buf_init(&b);
	if (c->signature && *c->signature) {
		if (buf_read_file(&b, c->signature, 64 * 1024, &err) == -1) {
			log_warnx("signature: %s", err);
			free(err);
			buf_free(&b);
			return NULL;
		}
		while (b.len && isspace((unsigned char)b.s[b.len - 1]))
			b.len--;
		buf_add(&b, "", 0);
		b.s[b.len] = '\0';
		if (b.len == 0) {
			log_warnx("signature: %s is empty", c->signature);
			buf_free(&b);
			return NULL;
		}
		return buf_steal(&b);
	}
	if (sender_name(c) == NULL)
		return NULL;
	buf_adds(&b, sender_name(c));
	if (c->sender_title && *c->sender_title)
		buf_printf(&b, "\n%s", c->sender_title);
	if (c->sender_phone && *c->sender_phone)
		buf_printf(&b, "\n%s", c->sender_phone);
	return buf_steal(&b);
}

void
craft_local_time(struct nudge *n, const struct lead *l, time_t now,
    char *buf, size_t len)
{
	static const char *const days[] = {"Sunday", "Monday", "Tuesday",
	    "Wednesday", "Thursday", "Friday", "Saturday"};
	const char *ltz = l->tz && *l->tz ? l->tz : n->tz;
	struct tm tm;

	clock_localtime(now, ltz, &tm);
	snprintf(buf, len, "%s %02d:%02d%s%.60s%s", days[tm.tm_wday],
	    tm.tm_hour, tm.tm_min, ltz ? " (" : "", ltz ? ltz : "",
	    ltz ? ")" : "");
}

void
craft_vars_init(struct craft_vars *v, struct nudge *n, const struct lead *l,
    const char *stage, time_t now)
{
	static const char *const months[] = {"January", "February", "March",
	    "April", "May", "June", "July", "August", "September", "October",
	    "November", "December"};
	static const char *const days[] = {"Sunday", "Monday", "Tuesday",
	    "Wednesday", "Thursday", "Friday", "Saturday"};
	const struct config *c = n->cfg;
	const char *nm = sender_name(c);
	struct tm tm;

	memset(v, 0, sizeof *v);
	v->n = n;
	v->l = l;
	v->stage = stage;
	v->now = now;
	clock_localtime(now, n->tz, &tm);
	snprintf(v->date, sizeof v->date, "%s %d, %d", months[tm.tm_mon],
	    tm.tm_mday, tm.tm_year + 1900);
	snprintf(v->weekday, sizeof v->weekday, "%s", days[tm.tm_wday]);
	craft_local_time(n, l, now, v->local_time, sizeof v->local_time);
	if (nm) {
		size_t k = strcspn(nm, " ");
		snprintf(v->sender_first, sizeof v->sender_first, "%.*s",
		    (int)(k < 100 ? k : 100), nm);
	}
	v->signature = signature_text(c);
	v->last_notes = notes_text(n, l);
	if (l->source && *l->source)
		v->ask_source = xasprintf("Ask %s about %s: what they know, "
		    "and whether they would introduce you.", l->source,
		    l->name && *l->name ? l->name : l->email);
}

void
craft_vars_free(struct craft_vars *v)
{
	free(v->signature);
	free(v->last_notes);
	free(v->ask_source);
	memset(v, 0, sizeof *v);
}

const char *
craft_lookup(void *arg, const char *var)
{
	struct craft_vars *v = arg;
	const struct lead *l = v->l;
	const struct config *c = v->n->cfg;

#define F(name, expr) if (strcmp(var, name) == 0) return expr
	F("email", l->email);
	F("name", l->name);
	F("first_name", l->first_name);
	F("company", l->company);
	F("domain", l->domain);
	F("phone", l->phone);
	F("tz", l->tz);
	F("source", l->source);
	F("stage", v->stage);
	F("date", v->date);
	F("weekday", v->weekday);
	F("local_time", v->local_time);
	F("last_notes", v->last_notes);
	F("ask_source", v->ask_source);
	F("sender.email", c->from_addr);
	F("sender.name", sender_name(c));
	F("sender.first_name", *v->sender_first ? v->sender_first : NULL);
	F("sender.title", c->sender_title);
	F("sender.phone", c->sender_phone);
	F("sender.signature", v->signature);
	if (v->value) {
		F("value.title", v->value->title);
		F("value.pitch", v->value->pitch);
		F("value.url", v->value->url);
		F("value.body", v->value->body);
		F("value.kind", value_kind_name(v->value->kind));
	}
#undef F
	return craft_field(l, var);
}

/* ---- the value pick */

struct used {
	char **v;
	size_t n;
};

static int
collect_used(const char *s, void *arg)
{
	struct used *u = arg;

	u->v = xreallocarray(u->v, u->n + 1, sizeof *u->v);
	u->v[u->n++] = xstrdup(s);
	return 0;
}

int
craft_value_pick(struct nudge *n, const struct value_item *items,
    size_t nitems, const struct lead *l, const char *stage,
    const struct value_item **out, char **why, char **errstr)
{
	struct used used = {NULL, 0};
	struct value_lead vl;
	char *notes = NULL, *err = NULL;
	int personal = stage && (strcmp(stage, "3") == 0 ||
				    strcmp(stage, "4") == 0);

	*out = NULL;
	if (!craft_is_x(stage) && !personal)
		return CRAFT_OK;
	/* the personal touch replaces stage 3 or 4 of the cold sequence only */
	if (personal && l->sequence && strcmp(l->sequence, "12345x") != 0)
		return CRAFT_OK;
	if (personal && craft_field(l, "interests") == NULL)
		return CRAFT_OK;
	if (l->id && store_touch_values_used(n->st, l->id, collect_used, &used,
			 &err) != STORE_OK) {
		*errstr = err;
		return CRAFT_EDB;
	}
	notes = notes_text(n, l);
	vl.interests = craft_field(l, "interests");
	vl.industry = craft_field(l, "industry");
	vl.notes = notes;
	if (personal)
		*out = value_pick_personal(items, nitems,
		    (const char *const *)used.v, used.n, &vl);
	else
		*out = value_pick(items, nitems, (const char *const *)used.v,
		    used.n, &vl, why);
	for (size_t i = 0; i < used.n; i++)
		free(used.v[i]);
	free(used.v);
	free(notes);
	return CRAFT_OK;
}

/* ---- manual tasks */

int
craft_render_task(struct nudge *n, const struct lead *l, const char *stage,
    const char *channel, time_t now, char **text, char **errstr)
{
	char step[16], *path = NULL, *err = NULL;
	struct template *t = NULL;
	struct template_output o;
	struct craft_vars v;
	size_t i;
	int rc;

	if (craft_is_x(stage))
		snprintf(step, sizeof step, "x");
	else {
		for (i = 0; i < sizeof step - 1 && stage[i]; i++)
			step[i] = (char)tolower((unsigned char)stage[i]);
		step[i] = '\0';
	}
	if (l->sequence && strcmp(l->sequence, "12345x") != 0) {
		path = xasprintf("%s/%s/%s.%s", n->templates_dir, l->sequence,
		    step, channel);
		if (access(path, R_OK) != 0) {
			free(path);
			path = NULL;
		}
	}
	if (path == NULL)
		path = xasprintf("%s/%s.%s", n->templates_dir, step, channel);
	if (access(path, R_OK) != 0) {
		*errstr = xasprintf("%s: no such template", path);
		free(path);
		return CRAFT_ENOFILE;
	}
	if (template_load(path, &t, &err) != TEMPLATE_OK) {
		*errstr = err;
		free(path);
		return CRAFT_ETEMPLATE;
	}
	free(path);
	craft_vars_init(&v, n, l, stage, now);
	rc = template_render(t, craft_lookup, &v, &o, &err);
	craft_vars_free(&v);
	template_free(t);
	if (rc != TEMPLATE_OK) {
		*errstr = err;
		return CRAFT_ETEMPLATE;
	}
	*text = o.text;
	o.text = NULL;
	template_output_free(&o);
	return CRAFT_OK;
}
