/* cmd_sequences - nudge sequences: the sequences there are, with their steps */
#include "autoconf.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "commands.h"
#include "json.h"
#include "xalloc.h"

static const char usage_sequences[] =
    "usage: nudge sequences [--json]\n"
    "\n"
    "The sequences in the rules directory (rules/sequence-NAME.conf), each\n"
    "with its steps: the stage, when it falls due, its channels, and for the\n"
    "repeating stage how often.  'contact' marks the sequences for leads who\n"
    "answered (they become engaged, never retired by the sequence); 'then'\n"
    "names the sequence that follows.  The config's 'sequence' is the\n"
    "default for new leads; enroll a lead in another with\n"
    "'nudge lead enroll EMAIL --sequence NAME'.\n";

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
delay(const struct cadence_step *st, char *buf, size_t len)
{
	const char *unit = st->unit == CADENCE_BUSINESS ? "business day"
	    : st->unit == CADENCE_DAYS			  ? "day"
							  : "month";

	if (st->unit == CADENCE_NOW)
		snprintf(buf, len, "at once");
	else
		snprintf(buf, len, "%d %s%s", st->amount, unit,
		    st->amount == 1 ? "" : "s");
}

int
cmd_sequences(struct nudge *n, int argc, char **argv)
{
	char **names = NULL, *err = NULL;
	size_t nn = 0;
	struct buf b;
	DIR *d;
	struct dirent *e;
	int rc, first = 1;

	if (cli_help(argc, argv, usage_sequences))
		return EX_OK;
	if (argc > 1) {
		fputs(usage_sequences, stderr);
		return EX_USAGE;
	}
	if ((rc = cli_open_nodb(n, 0)) != EX_OK)
		return rc;
	if ((d = opendir(n->rules_dir)) == NULL) {
		fprintf(stderr, "nudge sequences: %s: cannot open\n",
		    n->rules_dir);
		return EX_CONFIG;
	}
	while ((e = readdir(d)) != NULL) {
		size_t k = strlen(e->d_name);
		if (k > 14 && strncmp(e->d_name, "sequence-", 9) == 0 &&
		    strcmp(e->d_name + k - 5, ".conf") == 0) {
			names = xreallocarray(names, nn + 1, sizeof *names);
			names[nn++] = xasprintf("%.*s", (int)(k - 14),
			    e->d_name + 9);
		}
	}
	closedir(d);
	if (nn > 1)
		qsort(names, nn, sizeof *names, by_name);
	buf_init(&b);
	rc = EX_OK;
	for (size_t i = 0; i < nn; i++) {
		const struct sequence *seq;
		char label[16], when[40];

		if (lc_sequence(n, names[i], &seq, &err) != LC_OK) {
			fprintf(stderr, "nudge sequences: %s\n", err);
			free(err);
			err = NULL;
			rc = EX_DATAERR;
			continue;
		}
		if (n->json) {
			int f = 1;
			buf_adds(&b, first ? "[\n" : ",\n");
			first = 0;
			buf_addc(&b, '{');
			json_kv(&b, &f, "name", seq->name);
			json_kb(&b, &f, "default", n->cfg && n->cfg->sequence &&
			    strcmp(n->cfg->sequence, seq->name) == 0);
			json_kb(&b, &f, "contact", seq->contact);
			json_kv(&b, &f, "then", seq->then);
			json_ki(&b, &f, "max_x", seq->max_x);
			json_key(&b, &f, "steps");
			buf_addc(&b, '[');
			for (size_t s = 0; s < seq->nsteps; s++) {
				const struct cadence_step *st = &seq->steps[s];
				int g = 1, h = 1;
				delay(st, when, sizeof when);
				buf_adds(&b, s ? ",{" : "{");
				json_kv(&b, &g, "stage", st->name);
				json_kv(&b, &g, "after", when);
				json_kb(&b, &g, "repeat", st->repeat);
				json_key(&b, &g, "channels");
				buf_addc(&b, '[');
				for (unsigned bit = 1; bit <= CHANNEL_ALL; bit <<= 1)
					if (st->channels & bit) {
						buf_adds(&b, h ? "" : ",");
						h = 0;
						buf_printf(&b, "\"%s\"",
						    cadence_channel_name(bit));
					}
				buf_adds(&b, "]}");
			}
			buf_adds(&b, "]}");
			continue;
		}
		buf_printf(&b, "%s%s%s%s%s\n", seq->name,
		    n->cfg && n->cfg->sequence &&
			    strcmp(n->cfg->sequence, seq->name) == 0
			? " (default for new leads)"
			: "",
		    seq->contact ? " (after contact)" : "",
		    seq->then ? ", then " : "", seq->then ? seq->then : "");
		for (size_t s = 0; s < seq->nsteps; s++) {
			const struct cadence_step *st = &seq->steps[s];
			delay(st, when, sizeof when);
			snprintf(label, sizeof label, "%s%s", st->name,
			    st->repeat ? "*" : "");
			buf_printf(&b, "  %-4s %-17s", label, when);
			for (unsigned bit = 1; bit <= CHANNEL_ALL; bit <<= 1)
				if (st->channels & bit)
					buf_printf(&b, " %s",
					    cadence_channel_name(bit));
			buf_addc(&b, '\n');
		}
		if (seq->steps[seq->nsteps - 1].repeat)
			buf_printf(&b, "  (* repeats%s)\n",
			    seq->max_x	  ? ", up to max_x times"
				: seq->contact ? " until the lead is won or lost "
						 "or asks to stop"
					       : " until the lead answers");
		buf_addc(&b, '\n');
	}
	if (n->json)
		buf_adds(&b, first ? "[]\n" : "\n]\n");
	fwrite(b.s ? b.s : "", 1, b.len, stdout);
	buf_free(&b);
	for (size_t i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	return rc;
}
