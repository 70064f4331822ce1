#!/bin/sh
# valgrind.sh PROGRAM ARGS... - run a test program under valgrind; any error fails it.
# Used as automake's LOG_COMPILER by `./quickstart valgrind`, and as $NUDGE_WRAP by the
# shell tests so that every nudge they start runs under valgrind too.
# PCRE2's JIT reads ahead with vector loads valgrind cannot tell from bugs
export NUDGE_NO_JIT=1
case "$1" in
*.sh) exec "$@" ;;   # a shell test: its nudge runs go through $NUDGE_WRAP
esac
exec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
	--track-fds=no --suppressions="$(dirname "$0")/valgrind.supp" "$@"
