/* cmd_agenda - nudge agenda and nudge log: the salesperson's day */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "clock.h"
#include "commands.h"
#include "json.h"
#include "log.h"
#include "xalloc.h"

static const char usage_agenda[] =
    "usage: nudge agenda [--date YYYY-MM-DD] [--json]\n"
    "\n"
    "What is due on the date (default: today, in the salesperson's zone) and\n"
    "before: the emails 'nudge tick' will send, emails held back or failed\n"
    "(with the reason), and the touches to make by hand (call, text, visit,\n"
    "handwritten note, research), each with the lead's phone and last note.\n"
    "Manual tasks of a stage are marked missed once the next stage is due.\n"
    "With --json: a list of items {email, name, company, phone, stage, channel,\n"
    "due, overdue, state, reason}.\n";

struct agenda_ctx {
	struct nudge *n;
	time_t day_start;
	struct buf email, manual, held, json;
	int nemail, nmanual, nheld;
	int first;
};

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
    const struct lead *l)
{
	int overdue = t->due < c->day_start;

	buf_printf(b, "  %-4s %-8s %s%s%s%s", t->stage, t->channel,
	    l->name ? l->name : l->email, l->name ? " <" : "",
	    l->name ? l->email : "", l->name ? ">" : "");
	if (l->company)
		buf_printf(b, ", %s", l->company);
	if (overdue)
		buf_printf(b, "  (overdue since %s)", cli_date(c->n, t->due));
	buf_addc(b, '\n');
}

/* json_item: one agenda item of the --json list. */
static void
json_item(struct agenda_ctx *c, const struct touch *t, const struct lead *l,
    int overdue)
{
	int f = 1;

	buf_adds(&c->json, c->first ? "[\n" : ",\n");
	buf_addc(&c->json, '{');
	json_kv(&c->json, &f, "email", l->email);
	json_kv(&c->json, &f, "name", l->name);
	json_kv(&c->json, &f, "company", l->company);
	json_kv(&c->json, &f, "phone", l->phone);
	json_kv(&c->json, &f, "stage", t->stage);
	json_kv(&c->json, &f, "channel", t->channel);
	json_kv(&c->json, &f, "due", cli_time(c->n, t->due));
	json_kb(&c->json, &f, "overdue", overdue);
	json_kv(&c->json, &f, "state", t->state);
	json_kv(&c->json, &f, "reason", t->error);
	buf_addc(&c->json, '}');
	c->first = 0;
}

static int
agenda_one(const struct touch *t, const struct lead *l, void *arg)
{
	struct agenda_ctx *c = arg;
	int email = strcmp(t->channel, "email") == 0;
	int held = strcmp(t->state, "held") == 0;

	if (c->n->json) {
		json_item(c, t, l, t->due < c->day_start);
		return 0;
	}
	if (held) {
		add_line(c, &c->held, t, l);
		buf_printf(&c->held, "         held: %s\n",
		    t->error ? t->error : "no reason recorded");
		c->nheld++;
	} else if (email) {
		add_line(c, &c->email, t, l);
		c->nemail++;
	} else {
		char *last = NULL, *err = NULL;

		add_line(c, &c->manual, t, l);
		if (l->phone)
			buf_printf(&c->manual, "         phone: %s\n", l->phone);
		if (store_note_list(c->n->st, l->id, keep_last, &last, &err) !=
		    STORE_OK)
			free(err);
		if (last) {
			char *nl = strchr(last, '\n');
			if (nl)
				*nl = '\0';
			buf_printf(&c->manual, "         last note: %.100s\n",
			    last);
			free(last);
		}
		c->nmanual++;
	}
	return 0;
}

static int
failed_one(const struct touch *t, const struct lead *l, void *arg)
{
	struct agenda_ctx *c = arg;

	if (c->n->json) {
		json_item(c, t, l, 1);
		return 0;
	}
	add_line(c, &c->held, t, l);
	buf_printf(&c->held, "         %s: %s\n", t->state,
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
	int rc, day;
	time_t now;

	if (cli_help(argc, argv, usage_agenda))
		return EX_OK;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--date") == 0 && i + 1 < argc)
			date = argv[++i];
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
	c.first = 1;
	c.day_start = clock_at(day, 0, n->tz);
	buf_init(&c.email);
	buf_init(&c.manual);
	buf_init(&c.held);
	buf_init(&c.json);
	/* bring the day up to date: pauses that ended, tasks the next stage
	 * overtook */
	if (store_begin(n->st, &err) != STORE_OK ||
	    lc_resume_due(n, now, NULL, &err) != LC_OK ||
	    store_touch_mark_missed(n->st, now, NULL, &err) != STORE_OK ||
	    store_commit(n->st, &err) != STORE_OK) {
		rc = cli_fail_tx(n, err, EX_SOFTWARE);
		goto out;
	}
	if (store_touches_due(n->st, clock_at(day + 1, 0, n->tz) - 1, NULL,
		agenda_one, &c, &err) != STORE_OK ||
	    store_touch_list_state(n->st, "failed", failed_one, &c, &err) !=
		STORE_OK ||
	    store_touch_list_state(n->st, "unknown", failed_one, &c, &err) !=
		STORE_OK) {
		fprintf(stderr, "nudge: %s\n", err);
		free(err);
		rc = EX_SOFTWARE;
		goto out;
	}
	if (n->json) {
		buf_adds(&c.json, c.first ? "[]\n" : "\n]\n");
		fwrite(c.json.s, 1, c.json.len, stdout);
	} else {
		char y[16];
		static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed",
		    "Thu", "Fri", "Sat"};

		clock_format_date(c.day_start, n->tz, y, sizeof y);
		printf("Agenda for %s %s%s%s\n", wd[clock_weekday(day)], y,
		    n->tz ? " " : "", n->tz ? n->tz : "");
		if (c.nemail + c.nmanual + c.nheld == 0)
			printf("\nNothing due.\n");
		if (c.nemail)
			out_printf(stdout, "\nEmails to send (%d; 'nudge tick' sends them "
			       "in each lead's window):\n%s",
			    c.nemail, c.email.s);
		if (c.nmanual)
			out_printf(stdout, "\nBy hand (%d; log each: nudge log EMAIL "
			       "CHANNEL [--connected]):\n%s",
			    c.nmanual, c.manual.s);
		if (c.nheld)
			out_printf(stdout, "\nNeeds your attention (%d):\n%s", c.nheld,
			    c.held.s);
	}
out:
	buf_free(&c.email);
	buf_free(&c.manual);
	buf_free(&c.held);
	buf_free(&c.json);
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
	if (strcmp(l->status, "active") == 0)
		printf("; next: stage %s due %s", label,
		    cli_date(n, l->next_due));
	else
		printf("; now %s", l->status);
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
