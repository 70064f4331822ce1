/*
 * cli - git-style command line: global options, subcommand dispatch, exit codes
 * from sysexits.h.
 */
#ifndef NUDGE_CLI_H
#define NUDGE_CLI_H

/* cli_main: run the command line; returns the process exit status. */
int cli_main(int argc, char **argv);

#endif
