/* secret - see secret.h */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "secret.h"
#include "xalloc.h"

void
secret_free(char *password)
{
	if (password == NULL)
		return;
	explicit_bzero(password, strlen(password));
	free(password);
}

/*
 * Run cmd with /bin/sh -c, its stdout on a pipe.  Reads at most SECRET_MAX + 1
 * bytes into buf (sized SECRET_MAX + 1) and waits for the child.
 */
static int
run_command(const char *cmd, char *buf, size_t *len, char **errstr)
{
	int fds[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t pid, w;

	if (pipe2(fds, O_CLOEXEC) == -1) {
		*errstr = xasprintf("passwordeval: pipe: %s", strerror(errno));
		return SECRET_ESYS;
	}
	clock_tz_default(); /* the command sees the process's own TZ */
	if ((pid = fork()) == -1) {
		*errstr = xasprintf("passwordeval: fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return SECRET_ESYS;
	}
	if (pid == 0) {
		/* child: stdout to the pipe (dup2 clears close-on-exec),
		   default SIGPIPE and an empty signal mask for the command */
		sigset_t none;

		if (fds[1] == STDOUT_FILENO)
			(void)fcntl(fds[1], F_SETFD, 0);
		else if (dup2(fds[1], STDOUT_FILENO) == -1)
			_exit(127);

		signal(SIGPIPE, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while (got <= SECRET_MAX) {
		n = read(fds[0], buf + got, SECRET_MAX + 1 - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			*errstr = xasprintf("passwordeval: read: %s",
			                    strerror(errno));
			break;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	/* closing first lets a command that writes too much die of SIGPIPE */
	close(fds[0]);
	while ((w = waitpid(pid, &status, 0)) == -1 && errno == EINTR)
		;
	if (*errstr != NULL)
		return SECRET_ESYS;
	if (w == -1) {
		*errstr =
		    xasprintf("passwordeval: waitpid: %s", strerror(errno));
		return SECRET_ESYS;
	}
	*len = got;
	if (got > SECRET_MAX) {
		*errstr = xasprintf("passwordeval: command output is longer "
		                    "than %d bytes",
		                    SECRET_MAX);
		return SECRET_EOUTPUT;
	}
	if (WIFSIGNALED(status)) {
		*errstr =
		    xasprintf("passwordeval: command killed by signal "
		              "%d (%s)",
		              WTERMSIG(status), strsignal(WTERMSIG(status)));
		return SECRET_ECMD;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		*errstr = xasprintf(
		    "passwordeval: command exited with status "
		    "%d%s",
		    WEXITSTATUS(status),
		    WEXITSTATUS(status) == 127 ? " (command not found?)" : "");
		return SECRET_ECMD;
	}
	return SECRET_OK;
}

int
secret_get(const struct config *c, char **password, char **errstr)
{
	char buf[SECRET_MAX + 1];
	char *err = NULL;
	size_t len = 0;
	int rc;

	if (c->password != NULL) {
		if (*c->password == '\0') {
			*errstr = xstrdup("password: empty");
			return SECRET_EOUTPUT;
		}
		*password = xstrdup(c->password);
		return SECRET_OK;
	}
	if (c->passwordeval == NULL) {
		*errstr = xstrdup("neither password nor passwordeval is set");
		return SECRET_ENONE;
	}
	if ((rc = run_command(c->passwordeval, buf, &len, &err)) != SECRET_OK)
		goto done;
	if (len > 0 && buf[len - 1] == '\n') {
		len--;
		if (len > 0 && buf[len - 1] == '\r')
			len--;
	}
	if (len == 0) {
		err = xstrdup("passwordeval: command printed nothing");
		rc = SECRET_EOUTPUT;
	} else if (memchr(buf, '\0', len) != NULL) {
		err = xstrdup("passwordeval: command output holds a NUL byte");
		rc = SECRET_EOUTPUT;
	} else
		*password = xstrndup(buf, len);
done:
	explicit_bzero(buf, sizeof(buf));
	if (rc != SECRET_OK)
		*errstr = err;
	return rc;
}
