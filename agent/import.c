/* import - leads from a CRM's CSV export (see import.h) */
#include "autoconf.h"

#include <sys/stat.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "csv.h"
#include "import.h"
#include "xalloc.h"

/* The page cache of the import's transaction, in MiB: the indexes of a
 * large import stay in memory (a fixed size: memory does not grow with the
 * file). */
#define IMPORT_CACHE_MIB 128

enum { F_IGNORE = -1, F_CUSTOM = -2 };
enum {
	C_EMAIL,
	C_NAME,
	C_FIRST,
	C_LAST,
	C_COMPANY,
	C_PHONE,
	C_TZ,
	C_SOURCE,
	C_SEQUENCE,
	C_NOTES,
	C_DOMAIN
};
static const char *const core_fields[] = {
    "email", "name",   "first_name", "last_name", "company", "phone",
    "tz",    "source", "sequence",   "notes",     "domain",  NULL};

struct colmap {
	int field;    /* index in core_fields, F_IGNORE or F_CUSTOM */
	char *custom; /* the custom field key */
};

/* What enrolling in a sequence writes, the same for every new lead of one
 * import (one clock, one salesperson's zone): computed once per sequence. */
struct plan {
	const struct sequence *seq;
	time_t due;
	char label[16];
	char *detail; /* "stage 1 due 2026-11-25T10:00:00-07:00" */
};

struct imp {
	struct nudge *n;
	const struct import_opts *o;
	struct import_result *res;
	time_t now;
	char *source; /* "import NAME" */
	const char *seqname;
	struct colmap *cols;
	size_t ncols;
	size_t ecol; /* the email column */
	/* the same address twice in one file, found without a set of every
	 * address (memory would grow with the file): a lead with an id past
	 * base_id is new in this import, and an older one updated by it has
	 * its bit set; the later rows are reported at the end */
	int64_t base_id;
	unsigned char *updated; /* base_id + 1 bits, made on first use */
	struct dup {
		char *email;
		unsigned long line;
	} *dups;
	size_t ndups, dupcap;
	int any_suppressed;
	struct plan *plans;
	size_t nplans;
	/* the row being imported: pointers into the record or into scratch */
	struct lead l;
	struct lead_field *fields; /* ncols + 1 */
	struct buf first, name;
	const char *last, *notes;
};

static void say(struct imp *im, int kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
say(struct imp *im, int kind, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (im->o->report == NULL)
		return;
	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	im->o->report(im->o->arg, kind, s);
	free(s);
}

static int
core_index(const char *f)
{
	for (int i = 0; core_fields[i]; i++)
		if (strcmp(core_fields[i], f) == 0)
			return i;
	return F_CUSTOM;
}

/* custom_key_ok: custom field names are variables in templates: [a-z0-9_]. */
static int
custom_key_ok(const char *k)
{
	if (*k == '\0' || strlen(k) > 64)
		return 0;
	for (; *k; k++)
		if (!islower((unsigned char)*k) &&
		    !isdigit((unsigned char)*k) && *k != '_')
			return 0;
	return 1;
}

/* custom_key: a column name made into a field name ("Deal Size ($)" ->
 * "deal_size"). */
static char *
custom_key(const char *col)
{
	struct buf b;
	int us = 0;

	buf_init(&b);
	for (; *col && b.len < 64; col++) {
		unsigned char c = (unsigned char)*col;
		if (isalnum(c)) {
			if (us && b.len)
				buf_addc(&b, '_');
			us = 0;
			buf_addc(&b, (char)tolower(c));
		} else
			us = 1;
	}
	return buf_steal(&b);
}

/* has_ctl: 1 if s holds a control character (a value for a single-line
 * field). */
static int
has_ctl(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* fold: a line break or tab inside a one-line field (a CSV cell may hold
 * one) becomes a space; other control characters are refused later. */
static void
fold(char *s)
{
	for (; s && *s; s++)
		if (*s == '\r' || *s == '\n' || *s == '\t')
			*s = ' ';
}

/* first_word: into b, the first name taken from a full name ("Dr. Jane Doe"
 * -> the first word that is not a title); 0 if there is none. */
static int
first_word(const char *name, struct buf *b)
{
	static const char *const titles[] = {
	    "mr",  "mrs", "ms",    "dr",   "prof", "mr.", "mrs.",
	    "ms.", "dr.", "prof.", "herr", "frau", NULL};
	const char *p = name, *e;

	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		for (e = p; *e && *e != ' ' && *e != '\t'; e++)
			;
		if (e == p)
			break;
		int title = 0;
		for (int i = 0; titles[i]; i++)
			if ((size_t)(e - p) == strlen(titles[i]) &&
			    strncasecmp(p, titles[i], (size_t)(e - p)) == 0)
				title = 1;
		if (!title || *e == '\0') {
			b->len = 0;
			buf_add(b, p, (size_t)(e - p));
			return 1;
		}
		p = e;
	}
	return 0;
}

/* ---- the header */

static int
map_header(struct imp *im, const struct csv_record *rec, char **errstr)
{
	const struct import_opts *o = im->o;
	struct csv_keys *dest = csv_keys_new();
	int ecol = -1, rc = IMPORT_OK;

	im->ncols = rec->nfields;
	im->cols = xcalloc(im->ncols, sizeof *im->cols);
	for (size_t c = 0; c < im->ncols; c++) {
		const char *col = rec->fields[c], *f = NULL;
		struct colmap *cm = &im->cols[c];

		for (size_t m = 0; m < o->nmaps; m++) {
			const char *eq = strchr(o->maps[m], '=');
			if (eq != NULL &&
			    strlen(col) == (size_t)(eq - o->maps[m]) &&
			    strncasecmp(col, o->maps[m],
			                (size_t)(eq - o->maps[m])) == 0)
				f = eq + 1;
		}
		if (f != NULL && strcmp(f, "-") == 0) {
			cm->field = F_IGNORE;
			continue;
		}
		if (f == NULL)
			f = csv_map_header(col);
		if (f != NULL &&
		    (strcmp(f, "status") == 0 || strcmp(f, "stage") == 0 ||
		     strcmp(f, "next_due") == 0)) {
			/* nudge's own state is not imported (export writes it
			 * for reading, import ignores it) */
			cm->field = F_IGNORE;
			continue;
		}
		cm->field = f ? core_index(f) : F_CUSTOM;
		if (cm->field == F_CUSTOM) {
			cm->custom = custom_key(f ? f : col);
			if (!custom_key_ok(cm->custom)) {
				cm->field = F_IGNORE;
				if (*col != '\0')
					say(im, IMPORT_WARN,
					    "%s:%lu: column "
					    "%zu (\"%s\") is ignored: its name "
					    "makes no field name (use --map "
					    "'%s=FIELD')",
					    o->name, rec->line, c + 1, col,
					    col);
				continue;
			}
		}
		/* two columns for one field: which one wins would be luck */
		const char *key =
		    cm->field == F_CUSTOM ? cm->custom : core_fields[cm->field];
		unsigned long other = csv_keys_add(dest, key, c + 1);

		if (other != 0) {
			*errstr = xasprintf(
			    "%s:%lu: columns %lu (\"%s\") and "
			    "%zu (\"%s\") both give the field %s; drop one, "
			    "or --map one of them to '-' to ignore it; "
			    "nothing imported",
			    o->name, rec->line, other, rec->fields[other - 1],
			    c + 1, col, key);
			rc = IMPORT_EDATA;
			break;
		}
		if (cm->field == C_EMAIL && ecol < 0)
			ecol = (int)c;
	}
	csv_keys_free(dest);
	im->ecol = ecol < 0 ? 0 : (size_t)ecol;
	if (rc == IMPORT_OK && ecol < 0) {
		*errstr = xasprintf("%s:%lu: no email column (name one with "
		                    "--map COLUMN=email)",
		                    o->name, rec->line);
		rc = IMPORT_EDATA;
	}
	return rc;
}

/* ---- one row */

/* plan_for: what enrolling in the sequence called name writes (the sequence
 * is checked and loaded on first use).  NULL with *why when it cannot be. */
static const struct plan *
plan_for(struct imp *im, const char *name, char **why)
{
	const struct sequence *seq;
	struct nudge *n = im->n;
	struct plan *p;
	char date[40];

	for (size_t i = 0; i < im->nplans; i++)
		if (strcmp(im->plans[i].seq->name, name) == 0)
			return &im->plans[i];
	if (lc_sequence(n, name, &seq, why) != LC_OK)
		return NULL;
	for (size_t i = 0; i < im->nplans; i++) /* an alias of a known one */
		if (im->plans[i].seq == seq)
			return &im->plans[i];
	im->plans = xreallocarray(im->plans, im->nplans + 1, sizeof *im->plans);
	p = &im->plans[im->nplans++];
	p->seq = seq;
	p->due = cadence_due(seq, 0, im->now, n->tz, n->hol);
	cadence_stage_label(seq, 0, 0, p->label, sizeof p->label);
	clock_format_iso(p->due, n->tz, date, sizeof date);
	p->detail = xasprintf("stage %s due %s", p->label, date);
	return p;
}

/* take: cell value v into the row's lead (pointers into the record). */
static void
take(struct imp *im, const struct colmap *cm, char *v)
{
	struct lead *l = &im->l;

	switch (cm->field) {
	case C_EMAIL:
		l->email = v;
		break;
	case C_NAME:
		l->name = v;
		break;
	case C_FIRST:
		l->first_name = v;
		break;
	case C_LAST:
		im->last = v;
		break;
	case C_COMPANY:
		l->company = v;
		break;
	case C_PHONE:
		l->phone = v;
		break;
	case C_TZ:
		l->tz = v;
		break;
	case C_SOURCE:
		l->source = v;
		break;
	case C_SEQUENCE:
		l->sequence = v;
		break;
	case C_NOTES:
		im->notes = v;
		break;
	case C_DOMAIN:
		l->domain = v;
		break;
	case F_CUSTOM:
		im->fields[l->nfields].key = cm->custom;
		im->fields[l->nfields].value = v;
		l->nfields++;
		break;
	default:
		break;
	}
}

/* write_new: insert the row's lead, enrolled (its final state: no update
 * after the insert), with its timeline and touches, as lc_enroll() would
 * write them.  STORE_EEXIST when the address is already a lead. */
static int
write_new(struct imp *im, const struct plan *p, char **err)
{
	struct store *st = im->n->st;
	struct lead *l = &im->l;
	struct touch t;
	char *detail = NULL;
	time_t due;
	int rc;

	l->created = l->updated = im->now;
	l->status = p->seq->contact ? LEAD_ENGAGED : LEAD_ACTIVE;
	l->prior_status = -1;
	l->sequence = p->seq->name;
	l->step = 0;
	l->xcount = 0;
	/* as lc_enroll plans it: the lead's zone, its working week */
	due = lc_plan_due(im->n, l, p->seq, im->now);
	l->next_due = due;
	l->paused_until = 0;
	if ((rc = store_lead_insert(st, l, err)) != STORE_OK)
		return rc;
	if ((rc = store_event_add(st, l->id, im->now, "enrolled", l->source,
	                          NULL, err)) != STORE_OK)
		return rc;
	for (unsigned bit = 1; bit <= CHANNEL_ALL; bit <<= 1) {
		if (!(p->seq->steps[0].channels & bit))
			continue;
		memset(&t, 0, sizeof t);
		t.lead_id = l->id;
		t.stage = (char *)p->label;
		t.channel = (char *)cadence_channel_name(bit);
		t.due = due;
		if ((rc = store_touch_insert(st, &t, err)) != STORE_OK)
			return rc;
	}
	if (due != p->due || (l->tz && *l->tz && im->n->tz &&
				 strcmp(l->tz, im->n->tz) != 0)) {
		/* as schedule() words it: the date in the lead's zone */
		char date[40];
		clock_format_iso(due, l->tz && *l->tz ? l->tz : im->n->tz, date,
		    sizeof date);
		detail = xasprintf("stage %s due %s", p->label, date);
	}
	rc = store_event_add(st, l->id, im->now, "scheduled",
	    detail ? detail : p->detail, NULL, err);
	free(detail);
	if (rc != STORE_OK)
		return rc;
	if (im->notes &&
	    (rc = store_note_add(st, l->id, im->now, "note", im->notes, NULL,
	                         err)) != STORE_OK)
		return rc;
	return STORE_OK;
}

static void
replace(char **dst, const char *s)
{
	if (s != NULL) {
		free(*dst);
		*dst = xstrdup(s);
	}
}

/* write_update: the row's address is already a lead (old): what the row
 * gives replaces what was there. */
static int
write_update(struct imp *im, struct lead *old, char **err)
{
	struct lead *l = &im->l;
	int rc;

	replace(&old->name, l->name);
	replace(&old->first_name, l->first_name);
	replace(&old->company, l->company);
	replace(&old->phone, l->phone);
	replace(&old->tz, l->tz);
	replace(&old->domain, l->domain);
	for (size_t k = 0; k < l->nfields; k++)
		lead_field_set(old, l->fields[k].key, l->fields[k].value);
	old->updated = im->now;
	if ((rc = store_lead_update(im->n->st, old, err)) != STORE_OK)
		return rc;
	if (im->notes)
		rc = store_note_add(im->n->st, old->id, im->now, "note",
		                    im->notes, NULL, err);
	return rc;
}

/* cell_text: a cell as the import reads it: without leading blanks or the
 * guard export put before a formula character. */
static char *
cell_text(char *v)
{
	v += strspn(v, " \t");
	return (char *)csv_unguard(v);
}

/* trim_blanks: s without its trailing blanks (an address). */
static void
trim_blanks(char *s)
{
	char *e;

	for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t'); e--)
		e[-1] = '\0';
}

/* this_file: whether the lead was written by an earlier row of this file */
static int
this_file(const struct imp *im, int64_t id)
{
	if (id > im->base_id)
		return 1;
	return im->updated != NULL && id > 0 &&
	       (im->updated[id / 8] & (1u << (id % 8))) != 0;
}

static void
mark_updated(struct imp *im, int64_t id)
{
	if (id <= 0 || id > im->base_id)
		return;
	if (im->updated == NULL)
		im->updated = xcalloc((size_t)(im->base_id / 8) + 1, 1);
	im->updated[id / 8] |= (unsigned char)(1u << (id % 8));
}

static void
add_dup(struct imp *im, const char *email, unsigned long line)
{
	if (im->ndups == im->dupcap) {
		im->dupcap = im->dupcap ? 2 * im->dupcap : 16;
		im->dups = xreallocarray(im->dups, im->dupcap, sizeof *im->dups);
	}
	im->dups[im->ndups].email = xstrdup(email);
	im->dups[im->ndups].line = line;
	im->ndups++;
	im->res->skipped++;
}

/*
 * row: import one record.  Returns IMPORT_OK (imported, or skipped with
 * *why set: a malloc'd reason) or IMPORT_EDB with *errstr.
 */
static int
row(struct imp *im, const struct csv_record *rec, char **why, char **errstr)
{
	struct lead *l = &im->l;
	const struct plan *p;
	struct lead *old = NULL;
	char *err = NULL, *e;
	int rc, yes = 0;

	memset(l, 0, sizeof *l);
	l->fields = im->fields;
	im->last = im->notes = NULL;
	/* a cell past the header's last column would be lost */
	for (size_t c = im->ncols; c < rec->nfields; c++)
		if (rec->fields[c][strspn(rec->fields[c], " \t")] != '\0') {
			*why = xasprintf("%zu cells but the header has %zu "
			                 "columns (cell %zu is \"%.40s\")",
			                 rec->nfields, im->ncols, c + 1,
			                 rec->fields[c]);
			return IMPORT_OK;
		}
	for (size_t c = 0; c < im->ncols && c < rec->nfields; c++) {
		char *v = cell_text(rec->fields[c]);

		if (*v != '\0')
			take(im, &im->cols[c], v);
	}
	if (l->email == NULL) {
		*why = xstrdup("no email address");
		return IMPORT_OK;
	}
	trim_blanks(l->email);
	if (im->last)
		im->fields[l->nfields++] =
		    (struct lead_field){(char *)"last_name", (char *)im->last};
	if (l->name == NULL && (l->first_name || im->last)) {
		im->name.len = 0;
		buf_printf(&im->name, "%s%s%s",
		           l->first_name ? l->first_name : "",
		           l->first_name && im->last ? " " : "",
		           im->last ? im->last : "");
		l->name = im->name.s;
	}
	if (l->sequence == NULL)
		l->sequence = (char *)im->seqname;
	if (l->source == NULL)
		l->source = im->source;
	/* derive: one-line fields, the address in lower case, its domain, a
	 * first name from the full name */
	fold(l->name);
	fold(l->first_name);
	fold(l->company);
	fold(l->phone);
	fold(l->source);
	for (e = l->email; *e; e++)
		*e = (char)tolower((unsigned char)*e);
	if (l->domain == NULL && (e = strrchr(l->email, '@')) != NULL)
		l->domain = e + 1;
	if (l->first_name == NULL && l->name != NULL &&
	    first_word(l->name, &im->first))
		l->first_name = im->first.s;
	/* check */
	if (!csv_email_valid(l->email)) {
		*why = xasprintf("invalid email address '%s'", l->email);
		return IMPORT_OK;
	}
	if (l->tz && !clock_tz_valid(l->tz)) {
		*why = xasprintf("unknown time zone '%s'", l->tz);
		return IMPORT_OK;
	}
	if (has_ctl(l->name) || has_ctl(l->first_name) || has_ctl(l->company) ||
	    has_ctl(l->phone) || has_ctl(l->source)) {
		*why = xstrdup("control characters in a field");
		return IMPORT_OK;
	}
	if ((p = plan_for(im, l->sequence, why)) == NULL)
		return IMPORT_OK;
	/* a new address is inserted and enrolled at once; an address already
	 * there (EEXIST) takes the update path below */
	if (im->any_suppressed) {
		char *reason = NULL;

		if (store_is_suppressed(im->n->st, l->email, &yes, &reason,
		                        &err) != STORE_OK) {
			*why = err;
			return IMPORT_OK;
		}
		if (yes)
			*why = xasprintf("%s is suppressed (%s); not enrolled",
			                 l->email, reason ? reason : "listed");
		free(reason);
	}
	if (!yes) {
		rc = write_new(im, p, &err);
		if (rc == STORE_OK) {
			im->res->added++;
			return IMPORT_OK;
		}
		if (rc != STORE_EEXIST) {
			*errstr = err;
			return IMPORT_EDB;
		}
		free(err);
		err = NULL;
	}
	rc = store_lead_get_email(im->n->st, l->email, &old, &err);
	if (rc == STORE_OK) {
		free(*why);
		*why = NULL;
		/* the same address twice in one file: the first row is kept,
		 * the later one reported */
		if (this_file(im, old->id)) {
			add_dup(im, l->email, rec->line);
			lead_free(old);
			return IMPORT_OK;
		}
		/* a suppressed address that is a lead is updated, not
		 * enrolled */
		rc = write_update(im, old, &err);
		mark_updated(im, old->id);
		lead_free(old);
		if (rc != STORE_OK) {
			*errstr = err;
			return IMPORT_EDB;
		}
		im->res->updated++;
		return IMPORT_OK;
	}
	if (rc == STORE_ENOTFOUND && yes) {
		free(err); /* suppressed and not a lead: why says so */
		return IMPORT_OK;
	}
	free(*why);
	*why = NULL;
	*errstr = err;
	return IMPORT_EDB;
}

/* report_dups: name each later row of an address with the line of its first
 * one, found by reading the file once more (when it can be rewound; rows
 * with the address are few, so this costs nothing when there are none). */
static void
report_dups(struct imp *im, FILE *fp)
{
	struct csv_keys *want;
	struct csv_reader *r;
	struct csv_record rec;
	unsigned long *first;
	size_t left = 0;
	char *err = NULL;

	if (im->ndups == 0)
		return;
	want = csv_keys_new();
	for (size_t i = 0; i < im->ndups; i++)
		if (csv_keys_add(want, im->dups[i].email, left + 1) == 0)
			left++;
	first = xcalloc(left, sizeof *first);
	if (fseek(fp, 0, SEEK_SET) == 0) {
		r = csv_open(fp, im->o->name);
		if (csv_set_encoding(r, im->o->encoding ? im->o->encoding
		                                         : "utf-8",
		                     &err) == CSV_OK &&
		    csv_read(r, &rec, &err) == CSV_OK) {
			for (;;) {
				int crc = csv_read(r, &rec, &err);
				unsigned long k;
				char *v;

				if (crc == CSV_EOF || crc == CSV_EIO)
					break;
				free(err);
				err = NULL;
				if (crc != CSV_OK || im->ecol >= rec.nfields)
					continue;
				/* the address as row() reads it */
				v = cell_text(rec.fields[im->ecol]);
				trim_blanks(v);
				k = csv_keys_find(want, v);
				if (k != 0 && first[k - 1] == 0) {
					first[k - 1] = rec.line;
					if (--left == 0)
						break;
				}
			}
		}
		free(err);
		csv_close(r);
	}
	for (size_t i = 0; i < im->ndups; i++) {
		const struct dup *d = &im->dups[i];
		unsigned long f = first[csv_keys_find(want, d->email) - 1];

		if (f != 0 && f < d->line)
			say(im, IMPORT_SKIP,
			    "%s:%lu: %s is already on line %lu of this file; "
			    "this row is not imported (skipped)",
			    im->o->name, d->line, d->email, f);
		else
			say(im, IMPORT_SKIP,
			    "%s:%lu: %s is already earlier in this file; this "
			    "row is not imported (skipped)",
			    im->o->name, d->line, d->email);
	}
	free(first);
	csv_keys_free(want);
}

static int
any_entry(const char *entry, const char *reason, time_t at, void *arg)
{
	(void)entry, (void)reason, (void)at;
	*(int *)arg = 1;
	return 1;
}

int
import_csv(struct nudge *n, FILE *fp, const struct import_opts *o,
           struct import_result *res, char **errstr)
{
	long size = 0;
	struct imp im;
	struct csv_reader *r;
	struct csv_record rec;
	char *err = NULL;
	int rc;

	memset(res, 0, sizeof *res);
	memset(&im, 0, sizeof im);
	im.n = n;
	im.o = o;
	im.res = res;
	im.now = clock_now();
	buf_init(&im.first);
	buf_init(&im.name);
	im.seqname = o->sequence        ? o->sequence
	             : n->cfg->sequence ? n->cfg->sequence
	                                : "12345x";
	r = csv_open(fp, o->name);
	if (csv_set_encoding(r, o->encoding ? o->encoding : "utf-8", &err) !=
	    CSV_OK) {
		*errstr = err;
		rc = IMPORT_EUSAGE;
		goto out;
	}
	rc = csv_read(r, &rec, &err);
	if (rc != CSV_OK) {
		*errstr =
		    rc == CSV_EOF ? xstrdup("empty file: no header row") : err;
		rc = rc == CSV_EIO ? IMPORT_EIO : IMPORT_EDATA;
		goto out;
	}
	if ((rc = map_header(&im, &rec, errstr)) != IMPORT_OK)
		goto out;
	im.fields = xcalloc(im.ncols + 1, sizeof *im.fields);
	im.source = xasprintf("import %s", o->name);
	fold(im.source);
	if (store_suppress_list(n->st, any_entry, &im.any_suppressed, &err) !=
	        STORE_OK ||
	    store_begin_bulk(n->st, IMPORT_CACHE_MIB, &err) != STORE_OK) {
		*errstr = err;
		rc = IMPORT_EDB;
		goto out;
	}
	if (store_lead_max_id(n->st, &im.base_id, &err) != STORE_OK) {
		store_rollback(n->st, NULL);
		*errstr = err;
		rc = IMPORT_EDB;
		goto out;
	}
	{
		struct stat sb;
		if (fstat(fileno(fp), &sb) == 0 && S_ISREG(sb.st_mode))
			size = (long)sb.st_size;
	}
	for (;;) {
		char *why = NULL;
		int crc = csv_read(r, &rec, &err);

		rc = IMPORT_OK;
		if (crc == CSV_EOF)
			break;
		if (crc == CSV_EIO) {
			*errstr = err;
			rc = IMPORT_EIO;
			break;
		}
		res->rows++;
		if (o->progress && res->rows % 1000 == 0) {
			long at = ftell(fp);
			o->progress(o->arg, res->rows, at > 0 ? at : 0, size);
		}
		if (crc == CSV_EBAD) {
			say(&im, IMPORT_SKIP, "%s (skipped)", err);
			free(err);
			err = NULL;
			res->skipped++;
			continue;
		}
		if ((rc = row(&im, &rec, &why, errstr)) != IMPORT_OK)
			break;
		if (why != NULL) {
			say(&im, IMPORT_SKIP, "%s:%lu: %s (skipped)", o->name,
			    rec.line, why);
			free(why);
			res->skipped++;
		}
	}
	if (rc == IMPORT_OK)
		report_dups(&im, fp);
	if (rc == IMPORT_OK && store_commit(n->st, errstr) != STORE_OK)
		rc = IMPORT_EDB;
	if (rc != IMPORT_OK)
		store_rollback(n->st, NULL);
out:
	free(im.updated);
	for (size_t i = 0; i < im.ndups; i++)
		free(im.dups[i].email);
	free(im.dups);
	for (size_t c = 0; c < im.ncols; c++)
		free(im.cols[c].custom);
	free(im.cols);
	free(im.fields);
	for (size_t i = 0; i < im.nplans; i++)
		free(im.plans[i].detail);
	free(im.plans);
	free(im.source);
	buf_free(&im.first);
	buf_free(&im.name);
	csv_close(r);
	return rc;
}
