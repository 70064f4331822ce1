/* cmd_mail - the mail commands: tick, run, status, preview, template, outbox,
 * classify */
#include "autoconf.h"

#include <stdio.h>
#include <sysexits.h>

#include "commands.h"

static int
not_yet(const char *what)
{
	fprintf(stderr, "nudge %s: not available in this build yet\n", what);
	return EX_UNAVAILABLE;
}

int cmd_tick(struct nudge *n, int argc, char **argv) { (void)n; (void)argc; (void)argv; return not_yet("tick"); }
int cmd_run(struct nudge *n, int argc, char **argv) { (void)n; (void)argc; (void)argv; return not_yet("run"); }
int cmd_status(struct nudge *n, int argc, char **argv) { (void)n; (void)argc; (void)argv; return not_yet("status"); }
int cmd_preview(struct nudge *n, int argc, char **argv) { (void)n; (void)argc; (void)argv; return not_yet("preview"); }
int cmd_template(struct nudge *n, int argc, char **argv) { (void)n; (void)argc; (void)argv; return not_yet("template"); }
int cmd_outbox(struct nudge *n, int argc, char **argv) { (void)n; (void)argc; (void)argv; return not_yet("outbox"); }
int cmd_classify(struct nudge *n, int argc, char **argv) { (void)n; (void)argc; (void)argv; return not_yet("classify"); }
