/* cmd_lead - nudge lead add|import|list|show|note|pause|resume|retire, export csv */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "clock.h"
#include "commands.h"
#include "craft.h"
#include "csv.h"
#include "import.h"
#include "json.h"
#include "log.h"
#include "xalloc.h"

static const char usage_lead[] =
    "usage: nudge lead add EMAIL [--name N] [--first-name F] [--company C]\n"
    "                 [--phone P] [--tz ZONE] [--source S] [--sequence S]\n"
    "                 [--set KEY=VALUE]... [--note TEXT] [--hot]\n"
    "       nudge lead import FILE.csv [--map COLUMN=FIELD]... [--sequence S]\n"
    "                 [--encoding utf-8|latin1|windows-1252]\n"
    "       nudge lead list [--status S] [--json]\n"
    "       nudge lead show EMAIL [--json]\n"
    "       nudge lead note EMAIL TEXT...\n"
    "       nudge lead pause EMAIL [--until YYYY-MM-DD] [--reason TEXT]\n"
    "       nudge lead resume EMAIL [--reason TEXT]\n"
    "       nudge lead snooze EMAIL --until YYYY-MM-DD [--reason TEXT]\n"
    "       nudge lead won|lost|retire EMAIL [--reason TEXT]\n"
    "       nudge lead enroll EMAIL [--sequence NAME] [--reason TEXT]\n"
    "       nudge lead set EMAIL KEY=VALUE...   (KEY=  removes the field)\n"
    "       nudge lead hot EMAIL [--off]\n"
    "       nudge lead pick EMAIL [--stage S]\n"
    "\n"
    "add enrolls a lead in a sequence (default: the config's 'sequence'); its\n"
    "first touch is due at once.  import reads a CSV with a header row: common\n"
    "CRM column names are recognised, --map COLUMN=FIELD names the rest\n"
    "(FIELD '-' ignores a column), other columns become custom fields.\n"
    "Re-importing an address updates the lead.  The file must be UTF-8\n"
    "unless --encoding says otherwise.  Two columns for one field are an\n"
    "error (nothing is imported).  A bad row (invalid address or zone,\n"
    "invalid UTF-8, more cells than the header, an address already on an\n"
    "earlier line, a quote never closed) is reported as FILE:LINE and\n"
    "skipped; the rest is imported in one transaction, and the exit status\n"
    "is then 65.\n"
    "Suppressed addresses (bounced, unsubscribed) are never enrolled.\n"
    "\n"
    "pause holds a lead's sequence (until a date, or until resume); snooze is\n"
    "\"not now\": nothing is sent until the date, then the lead gets a\n"
    "re-opening touch and the nurture sequence (a lead snoozed before any\n"
    "contact goes on with its cold sequence).  resume also wakes a snoozed\n"
    "lead and puts an engaged lead with nothing planned on nurture.  won and\n"
    "lost end the follow-up; enroll (re)starts any lead that is not\n"
    "suppressed on a sequence (default: the config's 'sequence').  Every\n"
    "change is written to the lead's timeline ('nudge lead show').\n";

/* ---- helpers */

static void
set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s && *s ? xstrdup(s) : NULL;
}

/* first_word: the first name taken from a full name ("Dr. Jane Doe" -> the first
 * word that is not a title). */
static char *
first_word(const char *name)
{
	static const char *const titles[] = {"mr", "mrs", "ms", "dr", "prof",
	    "mr.", "mrs.", "ms.", "dr.", "prof.", "herr", "frau", NULL};
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
		if (!title || *e == '\0')
			return xstrndup(p, (size_t)(e - p));
		p = e;
	}
	return NULL;
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

/* custom_key_ok: custom field names are variables in templates: [a-z0-9_]. */
static int
custom_key_ok(const char *k)
{
	if (*k == '\0' || strlen(k) > 64)
		return 0;
	for (; *k; k++)
		if (!islower((unsigned char)*k) && !isdigit((unsigned char)*k) &&
		    *k != '_')
			return 0;
	return 1;
}

/*
 * lead_check: validate the fields of l that a user or a CSV gave.  Returns NULL
 * or a malloc'd reason.
 */
static char *
lead_check(struct nudge *n, struct lead *l)
{
	const struct sequence *seq;
	char *err = NULL;

	if (!csv_email_valid(l->email))
		return xasprintf("invalid email address '%s'", l->email);
	if (l->tz && !clock_tz_valid(l->tz))
		return xasprintf("unknown time zone '%s'", l->tz);
	if (has_ctl(l->name) || has_ctl(l->first_name) || has_ctl(l->company) ||
	    has_ctl(l->phone) || has_ctl(l->source))
		return xstrdup("control characters in a field");
	if (lc_sequence(n, l->sequence, &seq, &err) != LC_OK)
		return err;
	return NULL;
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

static void
lead_derive(struct lead *l)
{
	fold(l->name);
	fold(l->first_name);
	fold(l->company);
	fold(l->phone);
	fold(l->source);
	for (char *p = l->email; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (l->domain == NULL) {
		const char *at = strrchr(l->email, '@');
		if (at)
			l->domain = xstrdup(at + 1);
	}
	if (l->first_name == NULL && l->name != NULL)
		l->first_name = first_word(l->name);
}

static int
check_suppressed(struct nudge *n, const char *email, char **why)
{
	int yes = 0;
	char *reason = NULL, *err = NULL;

	if (store_is_suppressed(n->st, email, &yes, &reason, &err) != STORE_OK) {
		*why = err;
		return -1;
	}
	if (yes)
		*why = xasprintf("%s is suppressed (%s); not enrolled", email,
		    reason ? reason : "listed");
	free(reason);
	return yes;
}

/* ---- lead add */

static int
lead_add(struct nudge *n, int argc, char **argv)
{
	struct lead *l = xcalloc(1, sizeof *l);
	const char *note = NULL;
	char *err = NULL;
	time_t now;
	int i, rc;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (a[0] != '-') {
			if (l->email) {
				fprintf(stderr, "nudge lead add: one address "
						"at a time\n");
				goto usage;
			}
			l->email = xstrdup(a);
			continue;
		}
		if (strcmp(a, "--hot") == 0) {
			lead_field_set(l, "hot", "yes");
			continue;
		}
		if (v == NULL)
			goto usage;
		i++;
		if (strcmp(a, "--name") == 0)
			set_str(&l->name, v);
		else if (strcmp(a, "--first-name") == 0)
			set_str(&l->first_name, v);
		else if (strcmp(a, "--company") == 0)
			set_str(&l->company, v);
		else if (strcmp(a, "--phone") == 0)
			set_str(&l->phone, v);
		else if (strcmp(a, "--tz") == 0)
			set_str(&l->tz, v);
		else if (strcmp(a, "--source") == 0)
			set_str(&l->source, v);
		else if (strcmp(a, "--sequence") == 0)
			set_str(&l->sequence, v);
		else if (strcmp(a, "--note") == 0)
			note = v;
		else if (strcmp(a, "--set") == 0) {
			const char *eq = strchr(v, '=');
			char *k;
			if (eq == NULL) {
				fprintf(stderr, "nudge lead add: --set wants "
						"KEY=VALUE\n");
				goto usage;
			}
			k = xstrndup(v, (size_t)(eq - v));
			if (!custom_key_ok(k)) {
				fprintf(stderr, "nudge lead add: field name "
				    "'%s': use a-z, 0-9 and _\n", k);
				free(k);
				lead_free(l);
				return EX_USAGE;
			}
			lead_field_set(l, k, eq + 1);
			free(k);
		} else
			goto usage;
	}
	if (l->email == NULL)
		goto usage;
	if ((rc = cli_open(n, 0)) != EX_OK) {
		lead_free(l);
		return rc;
	}
	now = clock_now();
	if (l->sequence == NULL && n->cfg->sequence)
		l->sequence = xstrdup(n->cfg->sequence);
	lead_derive(l);
	if ((err = lead_check(n, l)) != NULL) {
		fprintf(stderr, "nudge lead add: %s\n", err);
		free(err);
		lead_free(l);
		return EX_DATAERR;
	}
	if (store_begin(n->st, &err) != STORE_OK)
		goto fail;
	if ((rc = check_suppressed(n, l->email, &err)) != 0) {
		lead_free(l);
		return cli_fail_tx(n, err, rc < 0 ? EX_SOFTWARE : EX_DATAERR);
	}
	l->created = l->updated = now;
	l->status = LEAD_ACTIVE;
	l->prior_status = -1;
	rc = store_lead_insert(n->st, l, &err);
	if (rc == STORE_EEXIST) {
		free(err);
		err = xasprintf("%s is already a lead (see: nudge lead show %s)",
		    l->email, l->email);
		lead_free(l);
		return cli_fail_tx(n, err, EX_DATAERR);
	}
	if (rc != STORE_OK)
		goto fail;
	if (store_event_add(n->st, l->id, now, "enrolled",
		l->source ? l->source : "added by hand", NULL, &err) ||
	    lc_enroll(n, l, now, &err) != LC_OK)
		goto fail;
	if (note && store_note_add(n->st, l->id, now, "note", note, NULL, &err))
		goto fail;
	if (store_commit(n->st, &err) != STORE_OK)
		goto fail;
	if (n->json)
		printf("{\"email\":\"%s\",\"id\":%lld}\n", l->email,
		    (long long)l->id);
	else
		printf("added %s (sequence %s, stage 1 due %s)\n", l->email,
		    l->sequence, cli_date(n, l->next_due));
	lead_free(l);
	return EX_OK;
fail:
	lead_free(l);
	return cli_fail_tx(n, err, EX_SOFTWARE);
usage:
	lead_free(l);
	fputs(usage_lead, stderr);
	return EX_USAGE;
}

/* ---- lead import: a front end to import_csv() */

struct import_ui {
	struct progress pg;
};

static void
import_report(void *arg, int kind, const char *msg)
{
	struct import_ui *ui = arg;

	progress_end(&ui->pg);
	out_printf(stderr, "%s%s\n",
	    kind == IMPORT_WARN ? "nudge lead import: " : "", msg);
}

static void
import_progress(void *arg, long rows, long bytes, long size)
{
	struct import_ui *ui = arg;

	/* the ETA from the bytes: rows are not known until read */
	if (size > 0 && bytes > 0)
		progress_show(&ui->pg, "importing", rows,
		    (long)((double)rows * (double)size / (double)bytes), "rows");
	else
		progress_show(&ui->pg, "importing", rows, 0, "rows");
}

static int
lead_import(struct nudge *n, int argc, char **argv)
{
	struct import_opts o = {.encoding = "utf-8", .report = import_report,
	    .progress = import_progress};
	struct import_result res;
	struct import_ui ui;
	const char *path = NULL;
	char **maps = NULL, *err = NULL;
	FILE *fp;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--map") == 0 && i + 1 < argc) {
			if (strchr(argv[i + 1], '=') == NULL) {
				fprintf(stderr, "nudge lead import: --map "
						"wants COLUMN=FIELD\n");
				free(maps);
				return EX_USAGE;
			}
			maps = xreallocarray(maps, o.nmaps + 1, sizeof *maps);
			maps[o.nmaps++] = argv[++i];
		} else if (strcmp(argv[i], "--sequence") == 0 && i + 1 < argc)
			o.sequence = argv[++i];
		else if (strcmp(argv[i], "--encoding") == 0 && i + 1 < argc)
			o.encoding = argv[++i];
		else if ((argv[i][0] == '-' && argv[i][1] != '\0') || path) {
			free(maps);
			fputs(usage_lead, stderr);
			return EX_USAGE;
		} else
			path = argv[i];
	}
	if (path == NULL) {
		free(maps);
		fputs(usage_lead, stderr);
		return EX_USAGE;
	}
	o.maps = maps;
	o.arg = &ui;
	o.name = strcmp(path, "-") == 0 ? "stdin" : path;
	if ((rc = cli_open(n, 0)) != EX_OK) {
		free(maps);
		return rc;
	}
	fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (fp == NULL) {
		fprintf(stderr, "nudge lead import: %s: %s\n", path,
		    strerror(errno));
		free(maps);
		return EX_NOINPUT;
	}
	progress_init(&ui.pg, "nudge lead import");
	rc = import_csv(n, fp, &o, &res, &err);
	free(maps);
	if (fp != stdin)
		fclose(fp);
	progress_end(&ui.pg);
	switch (rc) {
	case IMPORT_OK:
		break;
	case IMPORT_EUSAGE:
		out_printf(stderr, "nudge lead import: --encoding: %s\n", err);
		free(err);
		return EX_USAGE;
	case IMPORT_EDATA:
		out_printf(stderr, "nudge lead import: %s\n", err);
		free(err);
		return EX_DATAERR;
	default:
		fprintf(stderr, "nudge: %s\n", err ? err : "failed");
		free(err);
		return rc == IMPORT_EIO ? EX_IOERR : EX_SOFTWARE;
	}
	if (n->json)
		printf("{\"added\":%ld,\"updated\":%ld,\"skipped\":%ld}\n",
		    res.added, res.updated, res.skipped);
	else
		printf("%s: %ld added, %ld updated, %ld skipped\n", path,
		    res.added, res.updated, res.skipped);
	if (res.skipped > 0) {
		/* strict: a skipped row is data not imported */
		fprintf(stderr, "nudge lead import: %ld row%s skipped (listed "
				"above), %ld imported; fix those rows and "
				"import the file again (imported rows are "
				"updated, not duplicated)\n",
		    res.skipped, res.skipped == 1 ? "" : "s",
		    res.added + res.updated);
		return EX_DATAERR;
	}
	return EX_OK;
}

/* ---- lead list */

struct list_ctx {
	struct nudge *n;
	struct buf out;
	int first;
	long count;
};

static int
list_one(const struct lead *l, void *arg)
{
	struct list_ctx *c = arg;
	char label[16];
	int f = 1;

	lc_stage_label(c->n, l, label, sizeof label);
	if (c->n->json) {
		buf_adds(&c->out, c->first ? "[\n" : ",\n");
		buf_addc(&c->out, '{');
		json_kv(&c->out, &f, "email", l->email);
		json_kv(&c->out, &f, "name", l->name);
		json_kv(&c->out, &f, "company", l->company);
		json_kv(&c->out, &f, "status", lead_status_name(l->status));
		json_kv(&c->out, &f, "sequence", l->sequence);
		json_kv(&c->out, &f, "stage", label);
		json_kv(&c->out, &f, "next_due", cli_time(c->n, l->next_due));
		buf_addc(&c->out, '}');
	} else
		buf_printf(&c->out, "%-32s %-22.22s %-18.18s %-12s %-4s %s\n",
		    l->email, l->name ? l->name : "-",
		    l->company ? l->company : "-",
		    lead_status_name(l->status),
		    l->next_due != 0 || l->status == LEAD_PAUSED ? label : "-",
		    cli_date(c->n, l->next_due));
	c->first = 0;
	c->count++;
	if (c->out.len > 65536) {
		if (c->n->json)
			fwrite(c->out.s, 1, c->out.len, stdout);
		else
			out_write(stdout, c->out.s, c->out.len);
		c->out.len = 0;
	}
	return 0;
}

static int
lead_list(struct nudge *n, int argc, char **argv)
{
	struct list_ctx c = {n, {NULL, 0, 0}, 1, 0};
	const char *status = NULL;
	char *err = NULL;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--status") == 0 && i + 1 < argc)
			status = argv[++i];
		else {
			fputs(usage_lead, stderr);
			return EX_USAGE;
		}
	}
	if ((rc = cli_open(n, 0)) != EX_OK)
		return rc;
	buf_init(&c.out);
	if (!n->json)
		buf_printf(&c.out, "%-32s %-22s %-18s %-12s %-4s %s\n", "EMAIL",
		    "NAME", "COMPANY", "STATUS", "NEXT", "DUE");
	if (store_lead_list(n->st, status, list_one, &c, &err) != STORE_OK) {
		buf_free(&c.out);
		fprintf(stderr, "nudge: %s\n", err);
		free(err);
		return EX_SOFTWARE;
	}
	if (n->json) {
		buf_adds(&c.out, c.first ? "[]\n" : "\n]\n");
		fwrite(c.out.s, 1, c.out.len, stdout);
	} else
		out_write(stdout, c.out.s, c.out.len);
	buf_free(&c.out);
	return EX_OK;
}

/* ---- lead show */

struct show_ctx {
	struct nudge *n;
	struct buf *b;
	int first;
};

static int
show_touch(const struct touch *t, const struct lead *l, void *arg)
{
	struct show_ctx *c = arg;
	int f = 1;

	(void)l;
	if (c->n->json) {
		buf_adds(c->b, c->first ? "" : ",");
		buf_addc(c->b, '{');
		json_kv(c->b, &f, "stage", t->stage);
		json_kv(c->b, &f, "channel", t->channel);
		json_kv(c->b, &f, "state", touch_state_name(t->state));
		json_kv(c->b, &f, "due", cli_time(c->n, t->due));
		json_kv(c->b, &f, "done", cli_time(c->n, t->done_at));
		json_kv(c->b, &f, "outcome", t->outcome);
		json_kv(c->b, &f, "subject", t->subject);
		json_kv(c->b, &f, "message_id", t->message_id);
		json_kv(c->b, &f, "error", t->error);
		buf_addc(c->b, '}');
	} else {
		buf_printf(c->b, "  %-4s %-8s %-8s due %s", t->stage,
		    t->channel, touch_state_name(t->state), cli_date(c->n, t->due));
		if (t->done_at)
			buf_printf(c->b, "  done %s", cli_time(c->n, t->done_at));
		if (t->outcome)
			buf_printf(c->b, "  (%s)", t->outcome);
		if (t->subject)
			buf_printf(c->b, "  \"%s\"", t->subject);
		if (t->error)
			buf_printf(c->b, "  error: %s", t->error);
		buf_addc(c->b, '\n');
	}
	c->first = 0;
	return 0;
}

static int
show_note(const struct note *no, void *arg)
{
	struct show_ctx *c = arg;
	int f = 1;

	if (c->n->json) {
		buf_adds(c->b, c->first ? "" : ",");
		buf_addc(c->b, '{');
		json_kv(c->b, &f, "at", cli_time(c->n, no->at));
		json_kv(c->b, &f, "kind", no->kind);
		json_kv(c->b, &f, "text", no->text);
		buf_addc(c->b, '}');
	} else {
		const char *p = no->text;
		buf_printf(c->b, "  %s  [%s] ", cli_time(c->n, no->at), no->kind);
		for (; *p; p++) {
			buf_addc(c->b, *p);
			if (*p == '\n' && p[1])
				buf_adds(c->b, "      ");
		}
		if (p == no->text || p[-1] != '\n')
			buf_addc(c->b, '\n');
	}
	c->first = 0;
	return 0;
}

static int
show_event(const struct event *e, void *arg)
{
	struct show_ctx *c = arg;
	int f = 1;

	if (c->n->json) {
		buf_adds(c->b, c->first ? "" : ",");
		buf_addc(c->b, '{');
		json_kv(c->b, &f, "at", cli_time(c->n, e->at));
		json_kv(c->b, &f, "type", e->type);
		json_kv(c->b, &f, "detail", e->detail);
		json_kv(c->b, &f, "message_id", e->message_id);
		buf_addc(c->b, '}');
	} else
		buf_printf(c->b, "  %s  %-9s %s%s%s\n", cli_time(c->n, e->at),
		    e->type, e->detail ? e->detail : "",
		    e->message_id ? "  " : "",
		    e->message_id ? e->message_id : "");
	c->first = 0;
	return 0;
}

static int
lead_show(struct nudge *n, int argc, char **argv)
{
	struct lead *l;
	struct buf b;
	struct show_ctx c = {n, &b, 1};
	char label[16], *err = NULL;
	int rc, f = 1;

	if (argc != 2 || argv[1][0] == '-') {
		fputs(usage_lead, stderr);
		return EX_USAGE;
	}
	if ((rc = cli_open(n, 0)) != EX_OK)
		return rc;
	if ((l = cli_lead(n, argv[1])) == NULL)
		return EX_DATAERR;
	lc_stage_label(n, l, label, sizeof label);
	buf_init(&b);
	if (n->json) {
		buf_addc(&b, '{');
		json_kv(&b, &f, "email", l->email);
		json_kv(&b, &f, "name", l->name);
		json_kv(&b, &f, "first_name", l->first_name);
		json_kv(&b, &f, "company", l->company);
		json_kv(&b, &f, "domain", l->domain);
		json_kv(&b, &f, "phone", l->phone);
		json_kv(&b, &f, "tz", l->tz);
		json_kv(&b, &f, "source", l->source);
		json_kv(&b, &f, "status", lead_status_name(l->status));
		json_kv(&b, &f, "sequence", l->sequence);
		json_kv(&b, &f, "stage", label);
		json_kv(&b, &f, "next_due", cli_time(n, l->next_due));
		json_kv(&b, &f, "paused_until", cli_time(n, l->paused_until));
		json_key(&b, &f, "fields");
		buf_addc(&b, '{');
		int ff = 1;
		for (size_t i = 0; i < l->nfields; i++)
			json_kv(&b, &ff, l->fields[i].key, l->fields[i].value);
		buf_adds(&b, "},\"touches\":[");
	} else {
		buf_printf(&b, "%s%s%s%s\n", l->name ? l->name : l->email,
		    l->name ? " <" : "", l->name ? l->email : "",
		    l->name ? ">" : "");
		if (l->company)
			buf_printf(&b, "  company:   %s\n", l->company);
		if (l->phone)
			buf_printf(&b, "  phone:     %s\n", l->phone);
		buf_printf(&b, "  time zone: %s\n",
		    l->tz ? l->tz : "(the salesperson's)");
		if (l->source)
			buf_printf(&b, "  source:    %s\n", l->source);
		buf_printf(&b, "  status:    %s", lead_status_name(l->status));
		if (l->paused_until)
			buf_printf(&b, " until %s", cli_date(n, l->paused_until));
		buf_printf(&b, "\n  sequence:  %s, stage %s", l->sequence, label);
		if (l->next_due)
			buf_printf(&b, " due %s", cli_date(n, l->next_due));
		buf_addc(&b, '\n');
		for (size_t i = 0; i < l->nfields; i++)
			buf_printf(&b, "  %s: %s\n", l->fields[i].key,
			    l->fields[i].value);
		buf_adds(&b, "\nTouches:\n");
	}
	rc = store_touch_list_lead(n->st, l->id, show_touch, &c, &err);
	buf_adds(&b, n->json ? "],\"notes\":[" : "\nNotes:\n");
	c.first = 1;
	if (rc == STORE_OK)
		rc = store_note_list(n->st, l->id, show_note, &c, &err);
	buf_adds(&b, n->json ? "],\"timeline\":[" : "\nTimeline:\n");
	c.first = 1;
	if (rc == STORE_OK)
		rc = store_event_list(n->st, l->id, show_event, &c, &err);
	buf_adds(&b, n->json ? "]}\n" : "");
	lead_free(l);
	if (rc != STORE_OK) {
		buf_free(&b);
		fprintf(stderr, "nudge: %s\n", err);
		free(err);
		return EX_SOFTWARE;
	}
	if (n->json)
		fwrite(b.s, 1, b.len, stdout);
	else
		out_write(stdout, b.s, b.len);
	buf_free(&b);
	return EX_OK;
}

/* ---- note, pause, resume, retire */

static int
lead_note(struct nudge *n, int argc, char **argv)
{
	struct lead *l;
	struct buf text;
	char *err = NULL;
	int rc;

	if (argc < 3) {
		fputs(usage_lead, stderr);
		return EX_USAGE;
	}
	if ((rc = cli_open(n, 0)) != EX_OK)
		return rc;
	if ((l = cli_lead(n, argv[1])) == NULL)
		return EX_DATAERR;
	buf_init(&text);
	for (int i = 2; i < argc; i++) {
		if (i > 2)
			buf_addc(&text, ' ');
		buf_adds(&text, argv[i]);
	}
	rc = store_note_add(n->st, l->id, clock_now(), "note", text.s, NULL,
	    &err);
	buf_free(&text);
	lead_free(l);
	if (rc != STORE_OK) {
		fprintf(stderr, "nudge: %s\n", err);
		free(err);
		return EX_SOFTWARE;
	}
	return EX_OK;
}

static int
lead_state(struct nudge *n, int argc, char **argv)
{
	const char *verb = argv[0], *until = NULL, *reason = NULL, *email = NULL;
	const char *seq = NULL;
	struct lead *l;
	char *err = NULL, *why;
	time_t now;
	int rc, day = -1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--until") == 0 && i + 1 < argc &&
		    (strcmp(verb, "pause") == 0 || strcmp(verb, "snooze") == 0))
			until = argv[++i];
		else if (strcmp(argv[i], "--sequence") == 0 && i + 1 < argc &&
		    strcmp(verb, "enroll") == 0)
			seq = argv[++i];
		else if (strcmp(argv[i], "--reason") == 0 && i + 1 < argc)
			reason = argv[++i];
		else if (argv[i][0] != '-' && email == NULL)
			email = argv[i];
		else {
			fputs(usage_lead, stderr);
			return EX_USAGE;
		}
	}
	if (email == NULL || (strcmp(verb, "snooze") == 0 && until == NULL)) {
		fputs(usage_lead, stderr);
		return EX_USAGE;
	}
	if (until && clock_parse_date(until, &day) != CLOCK_OK) {
		fprintf(stderr, "nudge lead %s: --until '%s': want "
				"YYYY-MM-DD\n", verb, until);
		return EX_USAGE;
	}
	if ((rc = cli_open(n, 0)) != EX_OK)
		return rc;
	now = clock_now();
	if ((l = cli_lead(n, email)) == NULL)
		return EX_DATAERR;
	if (store_begin(n->st, &err) != STORE_OK) {
		lead_free(l);
		return cli_fail_tx(n, err, EX_SOFTWARE);
	}
	why = reason ? xstrdup(reason) : xasprintf("%s by hand", verb);
	if (strcmp(verb, "pause") == 0) {
		/* no date: paused until resumed by hand */
		if (day < 0)
			rc = lc_enter(n, l, LEAD_PAUSED, now, why, NULL, &err);
		else
			rc = lc_pause(n, l, day, now, why, NULL, &err);
	} else if (strcmp(verb, "snooze") == 0) {
		if (day <= clock_day_of(now, n->tz)) {
			err = xasprintf("--until %s is not in the future", until);
			rc = LC_ESTATE;
		} else
			rc = lc_snooze(n, l, day, now, why, NULL, &err);
	} else if (strcmp(verb, "resume") == 0)
		rc = lc_resume(n, l, now, why, &err);
	else if (strcmp(verb, "won") == 0)
		rc = lc_enter(n, l, LEAD_WON, now, why, NULL, &err);
	else if (strcmp(verb, "lost") == 0)
		rc = lc_enter(n, l, LEAD_LOST, now, why, NULL, &err);
	else if (strcmp(verb, "enroll") == 0)
		rc = lc_enroll_in(n, l,
		    seq ? seq : n->cfg && n->cfg->sequence ? n->cfg->sequence
							     : "12345x",
		    now, why, NULL, &err);
	else
		rc = lc_enter(n, l, LEAD_RETIRED, now, why, NULL, &err);
	free(why);
	if (rc != LC_OK) {
		lead_free(l);
		return cli_fail_tx(n, err,
		    rc == LC_ESTATE	 ? EX_DATAERR
			: rc == LC_ECONFIG ? EX_CONFIG
					   : EX_SOFTWARE);
	}
	if (store_commit(n->st, &err) != STORE_OK) {
		lead_free(l);
		return cli_fail_tx(n, err, EX_SOFTWARE);
	}
	printf("%s: %s", l->email, lead_status_name(l->status));
	if (l->paused_until)
		printf(" until %s", cli_date(n, l->paused_until));
	if (l->next_due)
		printf(" (sequence %s, next touch %s)",
		    l->sequence ? l->sequence : "?", cli_date(n, l->next_due));
	putchar('\n');
	lead_free(l);
	return EX_OK;
}

int
cmd_lead(struct nudge *n, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(usage_lead, argc < 2 ? stderr : stdout);
		return argc < 2 ? EX_USAGE : EX_OK;
	}
	if (cli_help(argc - 1, argv + 1, usage_lead))
		return EX_OK;
	argc--;
	argv++;
	if (strcmp(argv[0], "add") == 0)
		return lead_add(n, argc, argv);
	if (strcmp(argv[0], "import") == 0)
		return lead_import(n, argc, argv);
	if (strcmp(argv[0], "list") == 0)
		return lead_list(n, argc, argv);
	if (strcmp(argv[0], "show") == 0)
		return lead_show(n, argc, argv);
	if (strcmp(argv[0], "note") == 0)
		return lead_note(n, argc, argv);
	if (strcmp(argv[0], "pause") == 0 || strcmp(argv[0], "resume") == 0 ||
	    strcmp(argv[0], "retire") == 0 || strcmp(argv[0], "snooze") == 0 ||
	    strcmp(argv[0], "won") == 0 || strcmp(argv[0], "lost") == 0 ||
	    strcmp(argv[0], "enroll") == 0)
		return lead_state(n, argc, argv);
	if (strcmp(argv[0], "set") == 0)
		return craft_cmd_lead_set(n, argc, argv);
	if (strcmp(argv[0], "hot") == 0)
		return craft_cmd_lead_hot(n, argc, argv);
	if (strcmp(argv[0], "pick") == 0)
		return craft_cmd_lead_pick(n, argc, argv);
	fprintf(stderr, "nudge lead: unknown subcommand '%s'\n%s", argv[0],
	    usage_lead);
	return EX_USAGE;
}

/* ---- export csv */

static const char usage_export[] =
    "usage: nudge export csv [--raw] [FILE]\n"
    "       nudge export ics [--days N] [FILE]   (nudge export ics --help)\n"
    "\n"
    "Write every lead as CSV (to FILE, or standard output): the columns that\n"
    "'nudge lead import' reads, custom fields included, then status, stage and\n"
    "next_due for reading (import ignores those three).  FILE is created with\n"
    "mode 0600 (as the database) and appears whole or not at all.  A cell\n"
    "starting with = + - @ TAB or CR (also after spaces or quotes) gets a\n"
    "leading single quote so that a spreadsheet does not run it as a formula\n"
    "(plain numbers and phone numbers are left alone; import takes the quote\n"
    "off again); --raw writes cells exactly as stored.\n";

/* export_open: a temporary file next to path, mode 0600, to be renamed onto
 * path when complete.  Returns the stream (and *tmp, malloc'd) or NULL with
 * errno set. */
static FILE *
export_open(const char *path, char **tmp)
{
	FILE *fp;
	int fd;

	*tmp = xasprintf("%s.XXXXXX", path);
	if ((fd = mkstemp(*tmp)) == -1) {
		free(*tmp);
		*tmp = NULL;
		return NULL;
	}
	if (fchmod(fd, 0600) == -1 || (fp = fdopen(fd, "w")) == NULL) {
		int e = errno;
		close(fd);
		unlink(*tmp);
		free(*tmp);
		*tmp = NULL;
		errno = e;
		return NULL;
	}
	return fp;
}

struct export_ctx {
	struct nudge *n;
	char **keys;
	size_t nkeys;
	int64_t *ids;
	size_t nids;
};

static int
collect_ids(const struct lead *l, void *arg)
{
	struct export_ctx *c = arg;

	c->ids = xreallocarray(c->ids, c->nids + 1, sizeof *c->ids);
	c->ids[c->nids++] = l->id;
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
cmd_export(struct nudge *n, int argc, char **argv)
{
	static const char *const head[] = {"email", "name", "first_name",
	    "company", "domain", "phone", "tz", "source", "sequence", "status",
	    "stage", "next_due"};
	struct export_ctx c = {n, NULL, 0, NULL, 0};
	const size_t nhead = sizeof head / sizeof head[0];
	const char **row = NULL, *path = NULL;
	char *err = NULL, label[16], *tmp = NULL;
	FILE *out = stdout;
	unsigned int flags = CSV_SAFE;
	int rc = EX_OK;

	if (argc >= 2 && strcmp(argv[1], "ics") == 0)
		return cmd_export_ics(n, argc, argv);
	if (cli_help(argc, argv, usage_export))
		return EX_OK;
	if (argc < 2 || strcmp(argv[1], "csv") != 0) {
		fputs(usage_export, stderr);
		return EX_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--raw") == 0)
			flags &= ~(unsigned int)CSV_SAFE;
		else if (path == NULL && (argv[i][0] != '-' || argv[i][1] == '\0'))
			path = argv[i];
		else {
			fputs(usage_export, stderr);
			return EX_USAGE;
		}
	}
	if (path != NULL && strcmp(path, "-") == 0)
		path = NULL;
	if ((rc = cli_open(n, 0)) != EX_OK)
		return rc;
	if (store_lead_list(n->st, NULL, collect_ids, &c, &err) != STORE_OK)
		goto dberr;
	/* the custom field names over all leads make the extra columns */
	for (size_t i = 0; i < c.nids; i++) {
		struct lead *l;
		if (store_lead_get_id(n->st, c.ids[i], &l, &err) != STORE_OK)
			goto dberr;
		for (size_t k = 0; k < l->nfields; k++) {
			size_t j;
			for (j = 0; j < c.nkeys; j++)
				if (strcmp(c.keys[j], l->fields[k].key) == 0)
					break;
			if (j == c.nkeys) {
				c.keys = xreallocarray(c.keys, c.nkeys + 1,
				    sizeof *c.keys);
				c.keys[c.nkeys++] = xstrdup(l->fields[k].key);
			}
		}
		lead_free(l);
	}
	if (c.nkeys > 1)
		qsort(c.keys, c.nkeys, sizeof *c.keys, cmp_str);
	if (path != NULL && (out = export_open(path, &tmp)) == NULL) {
		fprintf(stderr, "nudge export: %s: %s\n", path,
		    strerror(errno));
		out = stdout;
		rc = EX_CANTCREAT;
		goto done;
	}
	row = xcalloc(nhead + c.nkeys, sizeof *row);
	for (size_t i = 0; i < nhead; i++)
		row[i] = head[i];
	for (size_t k = 0; k < c.nkeys; k++)
		row[nhead + k] = c.keys[k];
	csv_write_record(out, row, nhead + c.nkeys, flags);
	for (size_t i = 0; i < c.nids; i++) {
		struct lead *l;
		if (store_lead_get_id(n->st, c.ids[i], &l, &err) != STORE_OK)
			goto dberr;
		lc_stage_label(n, l, label, sizeof label);
		row[0] = l->email;
		row[1] = l->name ? l->name : "";
		row[2] = l->first_name ? l->first_name : "";
		row[3] = l->company ? l->company : "";
		row[4] = l->domain ? l->domain : "";
		row[5] = l->phone ? l->phone : "";
		row[6] = l->tz ? l->tz : "";
		row[7] = l->source ? l->source : "";
		row[8] = l->sequence ? l->sequence : "";
		row[9] = lead_status_name(l->status);
		row[10] = label;
		row[11] = l->next_due ? cli_time(n, l->next_due) : "";
		for (size_t k = 0; k < c.nkeys; k++) {
			row[nhead + k] = "";
			for (size_t j = 0; j < l->nfields; j++)
				if (strcmp(l->fields[j].key, c.keys[k]) == 0)
					row[nhead + k] = l->fields[j].value;
		}
		csv_write_record(out, row, nhead + c.nkeys, flags);
		lead_free(l);
	}
	if (out != stdout) {
		/* the whole file, on disk, then under its name */
		int bad = fflush(out) != 0 || ferror(out) ||
		    fsync(fileno(out)) == -1;
		if (fclose(out) != 0)
			bad = 1;
		out = stdout;
		if (bad || rename(tmp, path) == -1) {
			fprintf(stderr, "nudge export: %s: %s\n", path,
			    strerror(errno));
			rc = EX_IOERR;
		} else {
			free(tmp);
			tmp = NULL;
		}
	}
	goto done;
dberr:
	fprintf(stderr, "nudge: %s\n", err);
	free(err);
	rc = EX_SOFTWARE;
done:
	if (out != stdout)
		fclose(out);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	for (size_t k = 0; k < c.nkeys; k++)
		free(c.keys[k]);
	free(c.keys);
	free(c.ids);
	free(row);
	return rc;
}
