/* cmd_agenda - nudge agenda and nudge log: the salesperson's day */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "clock.h"
#include "commands.h"
#include "config.h"
#include "craft.h"
#include "log.h"
#include "json.h"
#include "log.h"
#include "xalloc.h"

static const char usage_agenda[] =
    "usage: nudge agenda [--date YYYY-MM-DD] [--full] [--json]\n"
    "\n"
    "What is due on the date (default: today, in the salesperson's zone) and\n"
    "before: the emails 'nudge tick' will send (with the value item an X\n"
    "email will carry), emails held back or failed (with the reason), and the\n"
    "touches to make by hand (call, text, visit, handwritten note, research),\n"
    "each with the lead's phone and last note.  Hot leads come first.\n"
    "A manual task stays on the agenda, overdue, for task_grace business days\n"
    "(default 2), then is recorded as skipped.  Every human reply leaves a\n"
    "'reply' task with its text until you log a touch with that lead.  The\n"
    "number of messages awaiting your review ('nudge review') is shown.\n"
    "--full adds, per task done by hand, the lead's local time, the mailing\n"
    "address for a note, and the script or draft rendered for that lead\n"
    "(templates/STAGE.CHANNEL).\n"
    "With --json: a list of items {email, name, company, phone, stage, channel,\n"
    "due, overdue, state, reason, hot, value_item, value_title}; with --full\n"
    "also local_time, mailing_address and script.\n";

/* Each section has two buffers: hot leads first (0), then the rest (1). */
struct agenda_ctx {
	struct nudge *n;
	time_t day_start, now;
	int full;
	struct buf email[2], manual[2], held[2], json[2];
	int nemail, nmanual, nheld, njson;
	struct value_item *values;
	size_t nvalues;
	int values_loaded;
	struct lead *cached; /* the last lead read whole (custom fields) */
	int whole;	     /* the leads handed over have their fields */
};

/* whole: the lead with its custom fields (hot, interests, mailing_address):
 * the due list loads them itself (c->whole); the failed and unknown lists
 * carry only the columns, and the last lead read for them is kept. */
static const struct lead *
whole(struct agenda_ctx *c, const struct lead *l)
{
	char *err = NULL;

	if (c->whole)
		return l;
	if (c->cached && c->cached->id == l->id)
		return c->cached;
	lead_free(c->cached);
	c->cached = NULL;
	if (store_lead_get_id(c->n->st, l->id, &c->cached, &err) != STORE_OK) {
		free(err);
		c->cached = NULL;
		return l;
	}
	return c->cached;
}

/* last_note: the lead's latest note (for the call sheet), or NULL. */
static int
keep_last(const struct note *no, void *arg)
{
	char **last = arg;

	free(*last);
	*last = xstrdup(no->text);
	return 0;
}

static void
add_line(struct agenda_ctx *c, struct buf *b, const struct touch *t,
    const struct lead *l, int hot)
{
	int overdue = t->due < c->day_start;

	buf_printf(b, "  %-4s %-8s %s%s%s%s", t->stage, t->channel,
	    l->name ? l->name : l->email, l->name ? " <" : "",
	    l->name ? l->email : "", l->name ? ">" : "");
	if (l->company)
		buf_printf(b, ", %s", l->company);
	if (hot)
		buf_adds(b, "  [HOT]");
	if (overdue)
		buf_printf(b, "  (overdue since %s)", cli_date(c->n, t->due));
	buf_addc(b, '\n');
}

/* value_for: the value item an email touch will carry (X: the pick; 3-4:
 * a personal item), or NULL with *why set when an X touch has none. */
static const struct value_item *
value_for(struct agenda_ctx *c, const struct touch *t, const struct lead *l,
    char **why)
{
	const struct value_item *v = NULL;
	char *err = NULL;

	*why = NULL;
	if (!craft_is_x(t->stage) && strcmp(t->stage, "3") != 0 &&
	    strcmp(t->stage, "4") != 0)
		return NULL;
	if (!c->values_loaded) {
		char *dir = xasprintf("%s/value", c->n->templates_dir);
		if (value_load_dir(dir, &c->values, &c->nvalues, &err) !=
		    TEMPLATE_OK) {
			log_warnx("%s", err);
			free(err);
			err = NULL;
		}
		free(dir);
		c->values_loaded = 1;
	}
	if (t->value_item) {
		for (size_t i = 0; i < c->nvalues; i++)
			if (strcmp(c->values[i].name, t->value_item) == 0)
				v = &c->values[i];
		return v;
	}
	if (craft_value_pick(c->n, c->values, c->nvalues, l, t->stage, &v, why,
		&err) != CRAFT_OK) {
		*why = err;
		return NULL;
	}
	return v;
}

/* indent: add text to b, each line after `pad` blanks. */
static void
indent(struct buf *b, const char *text, const char *pad)
{
	const char *p = text;

	while (*p) {
		size_t n = strcspn(p, "\n");
		buf_printf(b, "%s%.*s\n", n ? pad : "", (int)n, p);
		p += n;
		if (*p == '\n')
			p++;
	}
}

/* json_item: one agenda item of the --json list (hot leads first). */
static void
json_item(struct agenda_ctx *c, const struct touch *t, const struct lead *l,
    int overdue)
{
	int hot, f = 1;
	struct buf *b;

	l = whole(c, l);
	hot = craft_is_hot(l);
	b = &c->json[hot ? 0 : 1];
	const struct value_item *v = NULL;
	char *why = NULL;

	buf_adds(b, ",\n{");
	json_kv(b, &f, "email", l->email);
	json_kv(b, &f, "name", l->name);
	json_kv(b, &f, "company", l->company);
	json_kv(b, &f, "phone", l->phone);
	json_kv(b, &f, "stage", t->stage);
	json_kv(b, &f, "channel", t->channel);
	json_kv(b, &f, "due", cli_time(c->n, t->due));
	json_kb(b, &f, "overdue", overdue);
	json_kv(b, &f, "state", touch_state_name(t->state));
	json_kv(b, &f, "reason", t->error);
	json_kb(b, &f, "hot", hot);
	if (strcmp(t->channel, "email") == 0 &&
	    t->state == TOUCH_PLANNED)
		v = value_for(c, t, l, &why);
	json_kv(b, &f, "value_item", v ? v->name : NULL);
	json_kv(b, &f, "value_title", v ? v->title : NULL);
	if (why && craft_is_x(t->stage))
		json_kv(b, &f, "value_hold", why);
	free(why);
	if (c->full && strcmp(t->channel, "email") != 0) {
		char lt[96], *text = NULL, *err = NULL;

		craft_local_time(c->n, l, c->now, lt, sizeof lt);
		json_kv(b, &f, "local_time", lt);
		json_kv(b, &f, "mailing_address",
		    craft_field(l, "mailing_address"));
		if (craft_render_task(c->n, l, t->stage, t->channel, c->now,
			&text, &err) == CRAFT_OK)
			json_kv(b, &f, "script", text);
		else if (err && strstr(err, "no such template") == NULL)
			json_kv(b, &f, "script_error", err);
		free(text);
		free(err);
	}
	buf_addc(b, '}');
	c->njson++;
}

/* manual_extra: what --full adds to a task done by hand. */
static void
manual_extra(struct agenda_ctx *c, struct buf *b, const struct touch *t,
    const struct lead *l)
{
	char lt[96], *text = NULL, *err = NULL;
	int rc;

	craft_local_time(c->n, l, c->now, lt, sizeof lt);
	buf_printf(b, "         their time now: %s\n", lt);
	if (strcmp(t->channel, "note") == 0 || strcmp(t->channel, "visit") == 0)
		buf_printf(b, "         mailing address: %s\n",
		    craft_field(l, "mailing_address")
			? craft_field(l, "mailing_address")
			: "none on file (nudge lead set EMAIL "
			  "mailing_address=...)");
	rc = craft_render_task(c->n, l, t->stage, t->channel, c->now, &text,
	    &err);
	if (rc == CRAFT_OK) {
		buf_adds(b, "         ----\n");
		indent(b, text, "         ");
		buf_adds(b, "         ----\n");
	} else if (rc != CRAFT_ENOFILE)
		buf_printf(b, "         script: cannot render: %s\n", err);
	free(text);
	free(err);
}

static int
agenda_one(const struct touch *t, const struct lead *l, void *arg)
{
	struct agenda_ctx *c = arg;
	int email = strcmp(t->channel, "email") == 0;
	int held = t->state == TOUCH_HELD;
	int hot, k;

	if (c->n->json) {
		json_item(c, t, l, t->due < c->day_start);
		return 0;
	}
	l = whole(c, l);
	hot = craft_is_hot(l);
	k = hot ? 0 : 1;
	if (held) {
		add_line(c, &c->held[k], t, l, hot);
		buf_printf(&c->held[k], "         held: %s\n",
		    t->error ? t->error : "no reason recorded");
		c->nheld++;
	} else if (email) {
		const struct value_item *v;
		char *why = NULL;

		add_line(c, &c->email[k], t, l, hot);
		v = value_for(c, t, l, &why);
		if (v)
			buf_printf(&c->email[k], "         %s: %s (%s)\n",
			    craft_is_x(t->stage) ? "value" : "personal",
			    v->title, v->name);
		else if (why && craft_is_x(t->stage))
			buf_printf(&c->email[k], "         will be held: %s\n",
			    why);
		free(why);
		c->nemail++;
	} else {
		char *last = NULL, *err = NULL;
		struct buf *b = &c->manual[k];

		add_line(c, b, t, l, hot);
		if (strcmp(t->channel, "reply") == 0 && t->note) {
			buf_adds(b, "         replied: ");
			for (const char *p = t->note; *p && p - t->note < 300;
			     p++)
				buf_addc(b, (*p == '\n' || (unsigned char)*p < 0x20)
					? ' '
					: *p);
			buf_addc(b, '\n');
		}
		if (l->phone)
			buf_printf(b, "         phone: %s\n", l->phone);
		if (store_note_list(c->n->st, l->id, keep_last, &last, &err) !=
		    STORE_OK)
			free(err);
		if (last) {
			char *nl = strchr(last, '\n');
			if (nl)
				*nl = '\0';
			buf_printf(b, "         last note: %.100s\n", last);
			free(last);
		}
		if (c->full)
			manual_extra(c, b, t, l);
		c->nmanual++;
	}
	return 0;
}

static int
failed_one(const struct touch *t, const struct lead *l, void *arg)
{
	struct agenda_ctx *c = arg;
	int hot, k;

	c->whole = 0; /* these lists come without the custom fields */
	if (c->n->json) {
		json_item(c, t, l, 1);
		return 0;
	}
	l = whole(c, l);
	hot = craft_is_hot(l);
	k = hot ? 0 : 1;
	add_line(c, &c->held[k], t, l, hot);
	buf_printf(&c->held[k], "         %s: %s\n", touch_state_name(t->state),
	    t->error ? t->error : "awaiting your review (nudge outbox)");
	c->nheld++;
	return 0;
}

int
cmd_agenda(struct nudge *n, int argc, char **argv)
{
	struct agenda_ctx c;
	const char *date = NULL;
	char *err = NULL;
	int rc, day, full = 0, nreview = 0;
	time_t now;

	if (cli_help(argc, argv, usage_agenda))
		return EX_OK;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--date") == 0 && i + 1 < argc)
			date = argv[++i];
		else if (strcmp(argv[i], "--full") == 0)
			full = 1;
		else {
			fputs(usage_agenda, stderr);
			return EX_USAGE;
		}
	}
	if (date && clock_parse_date(date, &day) != CLOCK_OK) {
		fprintf(stderr, "nudge agenda: --date '%s': want YYYY-MM-DD\n",
		    date);
		return EX_USAGE;
	}
	if ((rc = cli_open(n, 0)) != EX_OK)
		return rc;
	now = clock_now();
	if (date == NULL)
		day = clock_day_of(now, n->tz);
	memset(&c, 0, sizeof c);
	c.n = n;
	c.now = now;
	c.full = full;
	c.day_start = clock_at(day, 0, n->tz);
	for (int k = 0; k < 2; k++) {
		buf_init(&c.email[k]);
		buf_init(&c.manual[k]);
		buf_init(&c.held[k]);
		buf_init(&c.json[k]);
	}
	/* bring the day up to date: pauses and snoozes that ended, tasks left
	 * unlogged past their grace */
	if (store_begin(n->st, &err) != STORE_OK ||
	    lc_resume_due(n, now, NULL, &err) != LC_OK ||
	    lc_skip_unlogged(n, now, &err) != LC_OK ||
	    store_commit(n->st, &err) != STORE_OK) {
		rc = cli_fail_tx(n, err, EX_SOFTWARE);
		goto out;
	}
	/* the listing only reads: one snapshot, one lock (not one per lead) */
	c.whole = 1;
	if (store_begin_read(n->st, &err) != STORE_OK ||
	    store_touches_due_whole(n->st, clock_at(day + 1, 0, n->tz) - 1,
		NULL, agenda_one, &c, &err) != STORE_OK ||
	    store_touch_list_state(n->st, TOUCH_FAILED, failed_one, &c, &err) !=
		STORE_OK ||
	    store_touch_list_state(n->st, TOUCH_UNKNOWN, failed_one, &c, &err) !=
		STORE_OK || store_commit(n->st, &err) != STORE_OK) {
		char *e2 = NULL;

		if (store_rollback(n->st, &e2) != STORE_OK)
			free(e2);
		fprintf(stderr, "nudge: %s\n", err);
		free(err);
		rc = EX_SOFTWARE;
		goto out;
	}
	if (n->json) {
		buf_add(&c.json[0], c.json[1].s ? c.json[1].s : "",
		    c.json[1].len);
		if (c.njson == 0)
			fputs("[]\n", stdout);
		else
			printf("[\n%s\n]\n", c.json[0].s + 2);
	} else {
		char y[16];
		static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed",
		    "Thu", "Fri", "Sat"};

		clock_format_date(c.day_start, n->tz, y, sizeof y);
		printf("Agenda for %s %s%s%s\n", wd[clock_weekday(day)], y,
		    n->tz ? " " : "", n->tz ? n->tz : "");
		if (n->cfg && n->cfg->imap_url == NULL)
			printf("\nNo imap_url configured: replies cannot be "
			       "detected, so follow-up goes on even after a "
			       "lead answers.\n");
		if (c.nemail + c.nmanual + c.nheld == 0)
			printf("\nNothing due.\n");
		if (c.nemail)
			out_printf(stdout, "\nEmails to send (%d; 'nudge tick' "
			    "sends them in each lead's window):\n%s%s",
			    c.nemail, c.email[0].len ? c.email[0].s : "",
			    c.email[1].len ? c.email[1].s : "");
		if (c.nmanual)
			out_printf(stdout, "\nBy hand (%d; log each: nudge log "
			    "EMAIL CHANNEL [--connected]):\n%s%s",
			    c.nmanual, c.manual[0].len ? c.manual[0].s : "",
			    c.manual[1].len ? c.manual[1].s : "");
		if (c.nheld)
			out_printf(stdout, "\nNeeds your attention (%d):\n%s%s",
			    c.nheld, c.held[0].len ? c.held[0].s : "",
			    c.held[1].len ? c.held[1].s : "");
		if (store_review_count(n->st, 0, &nreview, NULL) == STORE_OK &&
		    nreview > 0)
			printf("\n%d message%s await%s your review: nudge "
			       "review\n",
			    nreview, nreview == 1 ? "" : "s",
			    nreview == 1 ? "s" : "");
	}
out:
	for (int k = 0; k < 2; k++) {
		buf_free(&c.email[k]);
		buf_free(&c.manual[k]);
		buf_free(&c.held[k]);
		buf_free(&c.json[k]);
	}
	value_free(c.values, c.nvalues);
	lead_free(c.cached);
	return rc;
}

/* ---- log */

static const char usage_log[] =
    "usage: nudge log EMAIL CHANNEL [--connected] [--outcome TEXT] [--note T]\n"
    "\n"
    "Record a touch you made by hand: CHANNEL is email, call, text, visit,\n"
    "note (handwritten), research or social.  It closes the lead's open task\n"
    "for that channel.  --connected means contact was made: the lead becomes\n"
    "engaged and its sequence stops.  A stage without an email is done when\n"
    "you log it; 'log EMAIL email' records an email you sent yourself, which\n"
    "completes the stage.\n";

int
cmd_log(struct nudge *n, int argc, char **argv)
{
	const char *email = NULL, *channel = NULL, *outcome = NULL,
		   *note = NULL;
	int connected = 0, rc, i;
	struct lead *l = NULL;
	char label[16], *err = NULL;
	time_t now;

	if (cli_help(argc, argv, usage_log))
		return EX_OK;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--connected") == 0)
			connected = 1;
		else if (strcmp(argv[i], "--outcome") == 0 && i + 1 < argc)
			outcome = argv[++i];
		else if (strcmp(argv[i], "--note") == 0 && i + 1 < argc)
			note = argv[++i];
		else if (argv[i][0] == '-')
			goto usage;
		else if (email == NULL)
			email = argv[i];
		else if (channel == NULL)
			channel = argv[i];
		else
			goto usage;
	}
	if (email == NULL || channel == NULL)
		goto usage;
	if (cadence_channel_parse(channel) == 0) {
		fprintf(stderr, "nudge log: unknown channel '%s' (email, call, "
				"text, visit, note, research, social)\n",
		    channel);
		return EX_USAGE;
	}
	channel = cadence_channel_name(cadence_channel_parse(channel));
	if ((rc = cli_open(n, 0)) != EX_OK)
		return rc;
	now = clock_now();
	if ((l = cli_lead(n, email)) == NULL)
		return EX_DATAERR;
	if (store_begin(n->st, &err) != STORE_OK ||
	    lc_log_touch(n, l, channel, now, outcome, note, connected, NULL,
		&err) != LC_OK)
		goto fail;
	free(err);
	err = NULL;
	if (store_commit(n->st, &err) != STORE_OK)
		goto fail;
	lc_stage_label(n, l, label, sizeof label);
	out_printf(stdout, "%s: %s logged", l->email, channel);
	if (l->status != LEAD_ACTIVE)
		printf("; now %s", lead_status_name(l->status));
	if (lc_sending(l->status) && l->next_due)
		printf("%s stage %s%s%s due %s",
		    l->status != LEAD_ACTIVE ? ", next:" : "; next:", label,
		    l->status != LEAD_ACTIVE ? " of " : "",
		    l->status != LEAD_ACTIVE ? l->sequence : "",
		    cli_date(n, l->next_due));
	putchar('\n');
	lead_free(l);
	return EX_OK;
fail:
	lead_free(l);
	return cli_fail_tx(n, err, EX_SOFTWARE);
usage:
	fputs(usage_log, stderr);
	return EX_USAGE;
}
