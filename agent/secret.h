/*
 * secret - obtain the mail password from the config: the literal `password`,
 * or the standard output of the `passwordeval` command.
 *
 * The command runs as /bin/sh -c CMD in a child (fork/exec; never popen, never
 * on a command line of ours), with our stdin and stderr (so pinentry-style
 * prompts and error messages reach the user) and its stdout on a pipe.  The
 * output is read up to SECRET_MAX bytes; ONE trailing "\n" (or "\r\n") is
 * stripped, so `printf 'a\n\n'` yields "a\n" -- other white space is part of
 * the secret.  The command fails when it exits non-zero, is killed by a signal,
 * prints nothing (after the strip), prints more than SECRET_MAX bytes, or
 * prints a NUL byte.  There is no timeout: a command waiting for a passphrase
 * waits.  Neither the secret nor the command text appears in any message.
 */
#ifndef NUDGE_SECRET_H
#define NUDGE_SECRET_H

#include "config.h"

#define SECRET_MAX 4096

enum {
	SECRET_OK = 0,
	SECRET_ENONE,   /* neither password nor passwordeval is set */
	SECRET_ESYS,    /* pipe, fork or read failed */
	SECRET_ECMD,    /* the command exited non-zero or was killed */
	SECRET_EOUTPUT, /* empty, over SECRET_MAX bytes, or holds a NUL */
};

/*
 * secret_get: on SECRET_OK *password is a malloc'd NUL-terminated secret, to be
 * released with secret_free.  On failure returns a SECRET_E* code and *errstr
 * is a malloc'd message such as "passwordeval: command exited with status 1"
 * or "passwordeval: command killed by signal 9 (Killed)".
 */
int secret_get(const struct config *c, char **password, char **errstr);

/* secret_free: overwrite the secret with zeros and free it (NULL is fine). */
void secret_free(char *password);

#endif
