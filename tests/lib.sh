# lib.sh - sourced (by bash) from tests/integration/*.sh.
#
#   . "$(dirname "$0")/../lib.sh"
#   ms_start                        # real Postfix+Dovecot on free loopback ports; stopped at exit
#   check "plain send delivered" "$SMTP_TEST" ...   # counts, prints ok/not ok, keeps going
#   check "bad CA refused" not "$SMTP_TEST" ...     # `not` inverts an exit status
#   wait_for 'test "$(imap_count alice)" -ge 1' 5
#   finish                          # summary; exit 1 if any check failed
#
# Functions
#   skip REASON          "SKIP: REASON" to stderr, exit 77 (only: not root / daemons missing)
#   fail MSG             "FAIL: MSG" to stderr, exit 1
#   check DESC CMD...    run CMD (output in $TEST_TMP/check-N.log, shown on failure)
#   not CMD...           succeeds when CMD fails
#   finish               print "N passed, M failed", exit accordingly
#   at_exit CMD          run the string CMD at exit (last registered runs first)
#   ms_require           skip unless root and postfix, dovecot, openssl, python3 exist
#   ms_start             start tests/mailstack.sh and export every MAILSTACK_* variable
#                        (see `mailstack.sh env`); the port base is $MAILSTACK_PORT_BASE
#                        if set, otherwise picked from a hash of the test's name among
#                        10000..31000 (step 1000), claimed with a lock so parallel tests
#                        never share one; stopped (SIGKILL, state deleted) at exit
#   ms CMD...            run tests/mailstack.sh CMD... against this test's stack
#   imap_count USER [FOLDER]          messages on disk in USER's FOLDER (default INBOX)
#   imap_files USER [FOLDER]          their paths, one a line
#   imap_search USER FOLDER [CRITERIA...]  count via real IMAPS (python3 imaplib, CA
#                                     verified, password USERpw), e.g. imap_search sales
#                                     INBOX HEADER Message-ID '<a@b>'; prints the count
#   wait_for CMD TIMEOUT              eval CMD every 0.05 s until it succeeds or TIMEOUT
#                                     seconds (decimals ok) pass; returns 1 on timeout
#   wait_count USER FOLDER N [TIMEOUT]  wait until USER's FOLDER holds >= N messages (5 s)
# Variables: TEST_NAME, TEST_TMP (a private temp dir, removed at exit unless a check
# failed or KEEP_TMP=1), MAILSTACK (path of mailstack.sh), top_srcdir, top_builddir.

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${top_srcdir:=$(cd "$LIB_DIR/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
MAILSTACK=$top_srcdir/tests/mailstack.sh
TEST_NAME=$(basename "$0" .sh)
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/nudge-$TEST_NAME.XXXXXX")
_lib_pass=0
_lib_fail=0
_lib_n=0
_lib_exit_cmds=()

_lib_on_exit() {
	local rc=$? i
	for ((i = ${#_lib_exit_cmds[@]} - 1; i >= 0; i--)); do eval "${_lib_exit_cmds[i]}" || true; done
	if [ "$_lib_fail" = 0 ] && [ "$rc" != 1 ] && [ "${KEEP_TMP:-0}" != 1 ]; then
		rm -rf "$TEST_TMP"
	else
		echo "# $TEST_NAME: logs kept in $TEST_TMP" >&2
	fi
	exit "$rc"
}
trap _lib_on_exit EXIT
trap 'exit 130' INT TERM

at_exit() { _lib_exit_cmds+=("$1"); }

skip() {
	echo "SKIP: $TEST_NAME: $*" >&2
	exit 77
}

fail() {
	echo "FAIL: $TEST_NAME: $*" >&2
	_lib_fail=$((_lib_fail + 1))
	exit 1
}

not() { ! "$@"; }

check() {
	local desc=$1 t0 ms
	shift
	_lib_n=$((_lib_n + 1))
	t0=$(date +%s%N)
	if "$@" >"$TEST_TMP/check-$_lib_n.log" 2>&1; then
		ms=$((($(date +%s%N) - t0) / 1000000))
		_lib_pass=$((_lib_pass + 1))
		echo "ok $_lib_n - $desc (${ms} ms)"
		return 0
	fi
	ms=$((($(date +%s%N) - t0) / 1000000))
	_lib_fail=$((_lib_fail + 1))
	echo "not ok $_lib_n - $desc (${ms} ms)"
	echo "#   command: $*"
	sed 's/^/#   /' "$TEST_TMP/check-$_lib_n.log"
	return 1
}

finish() {
	echo "# $TEST_NAME: $_lib_pass passed, $_lib_fail failed"
	[ "$_lib_fail" = 0 ] || exit 1
	exit 0
}

wait_for() {
	local cmd=$1 timeout=${2:-5} deadline
	deadline=$(($(date +%s%N) + $(awk -v t="$timeout" 'BEGIN { printf "%.0f", t * 1e9 }')))
	while :; do
		if eval "$cmd"; then return 0; fi
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

ms_require() {
	[ "$(id -u)" = 0 ] || skip "the mail stack needs root (Postfix and Dovecot drop privileges)"
	local p
	for p in postfix dovecot openssl python3 postconf; do
		PATH=$PATH:/usr/sbin:/sbin command -v "$p" >/dev/null ||
			skip "$p is not installed (apt-get install postfix dovecot-imapd dovecot-lmtpd openssl python3)"
	done
	[ -x /usr/lib/dovecot/lmtp ] || skip "dovecot-lmtpd is not installed"
	id postfix >/dev/null 2>&1 || skip "no postfix user (is postfix installed?)"
}

ms() { bash "$MAILSTACK" "$@"; }

# is something listening on 127.0.0.1:$1?
_lib_port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# claim a port base: a lock directory per base; a lock whose owner died is reclaimed
_lib_claim_base() {
	local base=$1 lock=${TMPDIR:-/tmp}/mailstack-ports/$1 owner p
	mkdir -p "${lock%/*}"
	if ! mkdir "$lock" 2>/dev/null; then
		owner=$(cat "$lock/pid" 2>/dev/null || true)
		if [ -n "$owner" ] && kill -0 "$owner" 2>/dev/null; then return 1; fi
		rm -rf "$lock"
		mkdir "$lock" 2>/dev/null || return 1
	fi
	echo $$ >"$lock/pid"
	for p in 25 26 27 143 465 587 993; do
		if _lib_port_busy $((base + p)); then
			rm -rf "$lock"
			return 1
		fi
	done
	at_exit "rm -rf '$lock'"
	return 0
}

ms_start() {
	ms_require
	PATH=$PATH:/usr/sbin:/sbin
	export PATH
	local base slot i
	if [ -n "${MAILSTACK_PORT_BASE:-}" ]; then
		base=$MAILSTACK_PORT_BASE
	else
		slot=$(($(printf '%s' "$TEST_NAME" | cksum | cut -d' ' -f1) % 22))
		for i in $(seq 0 21); do
			base=$((10000 + ((slot + i) % 22) * 1000))
			if _lib_claim_base "$base"; then break; fi
			base=
		done
		[ -n "$base" ] || fail "no free mail stack port base in 10000..31000"
	fi
	export MAILSTACK_PORT_BASE=$base
	export MAILSTACK_DIR=$TEST_TMP/mailstack
	chmod 755 "$TEST_TMP" # the daemons' unprivileged processes traverse it
	at_exit "bash '$MAILSTACK' kill"
	bash "$MAILSTACK" start || fail "mail stack did not start (logs: $MAILSTACK_DIR/log)"
	local line
	while IFS= read -r line; do export "${line?}"; done < <(bash "$MAILSTACK" env)
}

imap_count() { bash "$MAILSTACK" count "$1" "${2:-INBOX}"; }
imap_files() { bash "$MAILSTACK" files "$1" "${2:-INBOX}"; }

imap_search() {
	python3 - "$MAILSTACK_IMAPS_PORT" "$MAILSTACK_CAFILE" "$@" <<'PY'
import imaplib, ssl, sys
port, ca, user, folder = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
crit = sys.argv[5:] or ["ALL"]
ctx = ssl.create_default_context(cafile=ca)
m = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=ctx)
m.login(user, user + "pw")
typ, _ = m.select('"%s"' % folder, readonly=True)
if typ != "OK":
    sys.exit("imap_search: cannot select " + folder)
args = ['"%s"' % a.replace('"', '\\"') if (" " in a or a.startswith("<")) else a for a in crit]
typ, data = m.search(None, *args)
print(len(data[0].split()) if typ == "OK" else -1)
m.logout()
PY
}

wait_count() {
	wait_for "[ \"\$(imap_count '$1' '$2')\" -ge $3 ]" "${4:-5}"
}

# ---- nudge itself
# nudge ARGS...        the program under test ($NUDGE, through $NUDGE_WRAP when set,
#                      e.g. valgrind)
# nudge_setup [KEY VALUE]...
#                      a nudge home in $TEST_TMP/home (NUDGE_CONFIG exported) whose
#                      config points at this test's mail stack: the salesperson is
#                      sales@example.test (phone +1 303 555 0100; the value items of
#                      tests/data/value/ added to the drafts), submission with STARTTLS+AUTH, IMAPS, the
#                      stack's CA as trust file, America/Denver, no gap between sends;
#                      extra KEY VALUE pairs are appended
# db_query SQL         run a read-only query on the test's database (python3 sqlite3)
: "${NUDGE:=$top_builddir/nudge}"
export NUDGE_DATADIR=${NUDGE_DATADIR:-$top_srcdir}
unset NUDGE_NOW
nudge() { ${NUDGE_WRAP:-} "$NUDGE" "$@"; }

nudge_setup() {
	export NH=$TEST_TMP/home
	export NUDGE_CONFIG=$NH/config
	[ -x "$NUDGE" ] || fail "no nudge binary at $NUDGE"
	"$NUDGE" init "$NH" --from "Sam Sales <sales@example.test>" --tz America/Denver \
		--phone "+1 303 555 0100" </dev/null >/dev/null || fail "nudge init failed"
	# the shipped value library is drafts (never sent): give X touches real items
	cp "$top_srcdir"/tests/data/value/*.md "$NH/templates/value/"
	{
		echo "smtp_url $MAILSTACK_SUBMISSION"
		echo "imap_url $MAILSTACK_IMAPS"
		echo "user sales"
		echo "password salespw"
		echo "tls_trust_file $MAILSTACK_CAFILE"
		echo "min_gap 0"
		echo "jitter 0"
		echo "timeout 10s"
		while [ $# -ge 2 ]; do echo "$1 $2"; shift 2; done
	} >>"$NH/config"
	chmod 600 "$NH/config"
}

# nudge_clone DIR: a second nudge home in DIR sharing $NH's templates and rules but
# with its own database, open all week (real-time tests); prints nothing
nudge_clone() {
	mkdir -p "$1"
	sed -e "s|^database .*|database $1/nudge.db|" -e "s|^templates .*|templates $NH/templates|" \
		-e "s|^rules .*|rules $NH/rules|" "$NH/config" >"$1/config"
	echo "window Mon-Sun 00:00-24:00" >>"$1/config"
	chmod 600 "$1/config"
}

# realtime_clone DIR: nudge_clone for a test in real time, whatever the hour
# it runs at: a zone where it is about noon now, so that a new lead's first
# email is due at once
realtime_clone() {
	nudge_clone "$1"
	sed -i "s|^timezone .*|timezone $(noon_tz)|" "$1/config"
}

# noon_tz: an Etc/GMT zone where it is about noon now
noon_tz() {
	local o=$(((12 - 10#$(date -u +%H) + 36) % 24 - 12))
	if [ "$o" -gt 0 ]; then echo "Etc/GMT-$o"; elif [ "$o" -lt 0 ]; then echo "Etc/GMT+$((-o))"; else echo Etc/GMT; fi
}

db_query() {
	python3 - "$NH/nudge.db" "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
for row in db.execute(sys.argv[2]):
    print("|".join("" if v is None else str(v) for v in row))
PY
}

# checks often run `bash -c "..."`: let them call the helpers too
export NUDGE MAILSTACK
export -f nudge db_query wait_for wait_count imap_count imap_files imap_search
