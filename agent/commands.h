/*
 * commands - the subcommands behind cli.c, and the helpers they share.
 *
 * Each cmd_* gets the argv of its subcommand (argv[0] = the subcommand's name,
 * global options already removed) and returns a sysexits.h code.  cli_open()
 * loads the configuration and opens the store; commands that need no database
 * (init, classify, template check) do not call it.
 */
#ifndef NUDGE_COMMANDS_H
#define NUDGE_COMMANDS_H

#include <stdio.h>

#include "lifecycle.h"

/* Global options, parsed by cli_main before the subcommand runs. */
struct cli_globals {
	const char *config;  /* -c */
	const char *db;      /* --db */
	const char *now;     /* --now */
	int json;            /* --json */
	int verbose;         /* -v, repeatable */
	int quiet;           /* -q */
	int syslog;          /* --syslog */
};

extern struct cli_globals cli_g;

/* cli_open: load the config (need_config: it must exist and be valid, else a
 * missing default config means defaults), set the clock, open the store.
 * Returns EX_OK or an exit code after printing the error. */
int cli_open(struct nudge *n, int need_config);
/* cli_open_nodb: the same without opening the store. */
int cli_open_nodb(struct nudge *n, int need_config);
/* cli_datadir: where the shipped templates/ and rules/ are ($NUDGE_DATADIR, or
 * the install location). */
const char *cli_datadir(void);
/* cli_fail_tx: roll back the open transaction, print err (and free it), return
 * code. */
int cli_fail_tx(struct nudge *n, char *err, int code);
/* cli_help: if argv asks for --help/-h, print usage to stdout and return 1. */
int cli_help(int argc, char **argv, const char *usage);
/* cli_lead: load the lead with this email, or print an error (EX_NOUSER... as
 * EX_DATAERR) and return NULL. */
struct lead *cli_lead(struct nudge *n, const char *email);
/* cli_date: format t as YYYY-MM-DD in the salesperson's zone (static buffer
 * rotation of 4). */
const char *cli_date(struct nudge *n, time_t t);
const char *cli_time(struct nudge *n, time_t t);

int cmd_init(struct nudge *n, int argc, char **argv);
int cmd_lead(struct nudge *n, int argc, char **argv);
int cmd_agenda(struct nudge *n, int argc, char **argv);
int cmd_log(struct nudge *n, int argc, char **argv);
int cmd_export(struct nudge *n, int argc, char **argv);
int cmd_tick(struct nudge *n, int argc, char **argv);
int cmd_run(struct nudge *n, int argc, char **argv);
int cmd_status(struct nudge *n, int argc, char **argv);
int cmd_preview(struct nudge *n, int argc, char **argv);
int cmd_template(struct nudge *n, int argc, char **argv);
int cmd_outbox(struct nudge *n, int argc, char **argv);
int cmd_classify(struct nudge *n, int argc, char **argv);
int cmd_review(struct nudge *n, int argc, char **argv);
int cmd_sequences(struct nudge *n, int argc, char **argv);
/* cmd_report.c: nudge report; nudge export ics (from cmd_export) */
int cmd_report(struct nudge *n, int argc, char **argv);
int cmd_export_ics(struct nudge *n, int argc, char **argv);

/* cmd_craft.c: lead subcommands, hooked into cmd_lead's dispatch with argv[0]
 * = "set", "hot" or "pick"; craft_usage_lead is their usage lines. */
extern const char craft_usage_lead[];
int craft_cmd_lead_set(struct nudge *n, int argc, char **argv);
int craft_cmd_lead_hot(struct nudge *n, int argc, char **argv);
int craft_cmd_lead_pick(struct nudge *n, int argc, char **argv);

#endif
