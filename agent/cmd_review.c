/* cmd_review - the review queue: the messages nudge was unsure about */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "agent.h"
#include "clock.h"
#include "commands.h"
#include "json.h"
#include "react.h"
#include "store.h"
#include "xalloc.h"

static const char usage_review[] =
    "usage: nudge review [--all] [--json]\n"
    "       nudge review ID CLASS [--until YYYY-MM-DD]\n"
    "\n"
    "Lists the messages nudge was unsure about, with its guess, the signal\n"
    "that decided, why it is held, and the new text.  Until an entry is\n"
    "decided, nothing more is sent to its lead.  --all lists decided ones too.\n"
    "\n"
    "With ID and CLASS: decide it.  CLASS is what the message really is:\n"
    "  human_reply, auto_reply, bounce_hard, bounce_soft, unsubscribe, other,\n"
    "  engagement (the lead's own action: contact was made),\n"
    "or what a reply asks for:\n"
    "  interested, later, not_fit, stop, referral, unclear.\n"
    "The lead is released and the decision applied as if nudge had known it\n"
    "(--until gives the return date of an auto_reply or the date of later).\n";

struct list_ctx {
	struct nudge *n;
	struct buf b;
	int count, first;
};

static void
add_text(struct buf *b, const char *label, const char *s)
{
	if (s == NULL || *s == '\0')
		return;
	buf_printf(b, "  %-8s ", label);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\n')
			buf_adds(b, "\n           ");
		else if (c < 0x20 || c == 0x7f)
			buf_addc(b, ' '); /* no terminal control from mail */
		else
			buf_addc(b, (char)c);
	}
	buf_addc(b, '\n');
}

static int
list_one(const struct review *r, void *arg)
{
	struct list_ctx *c = arg;
	struct lead *l = NULL;
	char day[16] = "";

	if (r->lead_id)
		store_lead_get_id(c->n->st, r->lead_id, &l, NULL);
	if (r->day >= 0) {
		int y, m, d;
		clock_civil_from_day(r->day, &y, &m, &d);
		snprintf(day, sizeof day, "%04d-%02d-%02d", y, m, d);
	}
	c->count++;
	if (c->n->json) {
		int f = 1;
		buf_adds(&c->b, c->first ? "[\n" : ",\n");
		c->first = 0;
		buf_addc(&c->b, '{');
		json_ki(&c->b, &f, "id", r->id);
		json_kv(&c->b, &f, "at", cli_time(c->n, r->at));
		json_kv(&c->b, &f, "lead", l ? l->email : NULL);
		json_kv(&c->b, &f, "sender", r->sender);
		json_kv(&c->b, &f, "subject", r->subject);
		json_kv(&c->b, &f, "guess", r->guess);
		json_kv(&c->b, &f, "intent", r->intent);
		json_kv(&c->b, &f, "signal", r->signal);
		json_kv(&c->b, &f, "why", r->why);
		json_kv(&c->b, &f, "text", r->text);
		json_kv(&c->b, &f, "date", *day ? day : NULL);
		json_kv(&c->b, &f, "message_id", r->message_id);
		json_kv(&c->b, &f, "decided", r->resolution);
		buf_addc(&c->b, '}');
	} else {
		buf_printf(&c->b, "#%lld  %s  %s  guess: %s%s%s%s\n",
		    (long long)r->id, cli_time(c->n, r->at),
		    l ? l->email : "(no lead)", r->guess,
		    r->intent ? " (" : "", r->intent ? r->intent : "",
		    r->intent ? ")" : "");
		add_text(&c->b, "from", r->sender);
		add_text(&c->b, "subject", r->subject);
		add_text(&c->b, "signal", r->signal);
		add_text(&c->b, "why", r->why);
		add_text(&c->b, "date", *day ? day : NULL);
		add_text(&c->b, "text", r->text);
		if (r->resolution)
			add_text(&c->b, "decided", r->resolution);
		buf_addc(&c->b, '\n');
	}
	lead_free(l);
	return 0;
}

int
cmd_review(struct nudge *n, int argc, char **argv)
{
	const char *id_s = NULL, *choice = NULL, *until = NULL;
	int all = 0, rc, day = -1;
	char *err = NULL, *end;

	if (cli_help(argc, argv, usage_review))
		return EX_OK;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0)
			all = 1;
		else if (strcmp(argv[i], "--until") == 0 && i + 1 < argc)
			until = argv[++i];
		else if (argv[i][0] != '-' && id_s == NULL)
			id_s = argv[i];
		else if (argv[i][0] != '-' && choice == NULL)
			choice = argv[i];
		else {
			fputs(usage_review, stderr);
			return EX_USAGE;
		}
	}
	if ((id_s != NULL) != (choice != NULL)) {
		fputs(usage_review, stderr);
		return EX_USAGE;
	}
	if (until && clock_parse_date(until, &day) != CLOCK_OK) {
		fprintf(stderr, "nudge review: --until '%s': want YYYY-MM-DD\n",
		    until);
		return EX_USAGE;
	}
	if ((rc = cli_open(n, 0)) != EX_OK)
		return rc;
	if (id_s == NULL) {
		struct list_ctx c = {n, {NULL, 0, 0}, 0, 1};

		buf_init(&c.b);
		if (store_review_list(n->st, all, list_one, &c, &err) !=
		    STORE_OK) {
			fprintf(stderr, "nudge: %s\n", err);
			free(err);
			buf_free(&c.b);
			return EX_SOFTWARE;
		}
		if (n->json)
			buf_adds(&c.b, c.first ? "[]\n" : "\n]\n");
		else if (c.count == 0)
			buf_adds(&c.b, "Nothing awaits your review.\n");
		fwrite(c.b.s ? c.b.s : "", 1, c.b.len, stdout);
		buf_free(&c.b);
		return EX_OK;
	}
	long long id = strtoll(id_s + (*id_s == '#'), &end, 10);
	if (*end != '\0' || id <= 0) {
		fprintf(stderr, "nudge review: '%s' is not a review number\n",
		    id_s);
		return EX_USAGE;
	}
	if (store_begin(n->st, &err) != STORE_OK)
		return cli_fail_tx(n, err, EX_SOFTWARE);
	rc = react_decide(n, id, choice, day, clock_now(), &err);
	if (rc != AGENT_OK)
		return cli_fail_tx(n, err,
		    rc == AGENT_ECONFIG ? EX_DATAERR : EX_SOFTWARE);
	if (store_commit(n->st, &err) != STORE_OK)
		return cli_fail_tx(n, err, EX_SOFTWARE);
	printf("review %lld: %s\n", id, choice);
	return EX_OK;
}
