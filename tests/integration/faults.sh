#!/usr/bin/env bash
# faults.sh - randomised fault injection against the real mail stack (issue 14).
#
# Each trial gives one fresh nudge home (its own IMAP user fN, its leads at
# tN.test, delivered to the sink) one fault while it works, then a clean
# rerun, and checks:
#   - nothing sent twice: no Message-ID submitted twice (Postfix's log), none
#     delivered twice unless Postfix itself redelivered it after being stopped
#     mid-delivery, no lead mailed two different messages;
#   - no touch lost: after the rerun (unknown sends reconciled against the sink
#     with `outbox resolve`, then one more rerun) every lead's first email is
#     sent and delivered exactly once, and a lead that had replied got none;
#   - the agent recovered or stopped with a clear message: an exit code from
#     sysexits.h (or 0), a message naming the database for a database fault,
#     no crash, no sanitizer report.
#
# Kinds (FAULT_KINDS, comma separated; default all):
#   diskfull  write/fsync on the database fail with ENOSPC after N calls (faultfs)
#   tmpfull   the same on the WAL and temporary files only
#   rofs      the same with EROFS: the file system went read-only mid-run
#   busy      another process holds the database's write lock for 0.5-7 s
#   imapfetch the IMAP connection is cut after N bytes from the server (mid-FETCH)
#   imapcut   the IMAP connection is cut N ms after it opened
#   imapidle  `nudge run` idles; its connection is cut; a reply must still stop the lead
#   postfix   Postfix is stopped in the middle of a batch
#   sighup    `nudge run`, a broken template, SIGHUP; fixed, SIGHUP again
#   sigterm   SIGTERM to `nudge tick` or `nudge run` at a random moment
#   kill9     SIGKILL at a random moment
#
# Reproduce a run: FAULT_SEED=S FAULT_TRIALS=N FAULT_KINDS=a,b (all printed).
. "$(dirname "$0")/../lib.sh"

ALL_KINDS="diskfull tmpfull rofs busy imapfetch imapcut imapidle postfix sighup sigterm kill9"
: "${FAULT_SEED:=$(($(date +%s%N) % 2147483647))}"
# under valgrind (NUDGE_WRAP) one round of every kind: each nudge is ~20x slower
if [ -n "${NUDGE_WRAP:-}" ]; then : "${FAULT_TRIALS:=11}"; else : "${FAULT_TRIALS:=55}"; fi
: "${FAULT_KINDS:=${ALL_KINDS// /,}}"
read -r -a KINDS <<<"${FAULT_KINDS//,/ }"
for k in "${KINDS[@]}"; do
	case " $ALL_KINDS " in *" $k "*) ;; *) fail "FAULT_KINDS: unknown kind '$k' (kinds: $ALL_KINDS)" ;; esac
done
RANDOM=$FAULT_SEED
echo "# faults: FAULT_SEED=$FAULT_SEED FAULT_TRIALS=$FAULT_TRIALS FAULT_KINDS=$FAULT_KINDS"

users=""
for ((i = 1; i <= FAULT_TRIALS; i++)); do users="$users f$i"; done
export MAILSTACK_EXTRA_USERS=$users
ms_start
nudge_setup
SINK=$MAILSTACK_DIR/mail/sink/Maildir

# the shim, built for this run with the compiler the tree was configured with
FAULTFS=$TEST_TMP/faultfs.so
${CC:-cc} -shared -fPIC -O1 -o "$FAULTFS" "$top_srcdir/tests/tools/faultfs.c" -ldl ||
	fail "cannot build tests/tools/faultfs.c"
# a sanitized nudge wants its runtime first; the shim comes after it
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
CUTPROXY=$top_srcdir/tests/tools/cutproxy.py
PROXY_PORT=$((MAILSTACK_PORT_BASE + 994))

o=$(((12 - 10#$(date -u +%H) + 36) % 24 - 12))
if [ "$o" -gt 0 ]; then NOON_TZ=Etc/GMT-$o; elif [ "$o" -lt 0 ]; then NOON_TZ=Etc/GMT+$((-o)); else NOON_TZ=Etc/GMT; fi

rnd() { echo $((RANDOM % ($2 - $1 + 1) + $1)); } # rnd MIN MAX
later() { date -u -d "+$1 hours" +%Y-%m-%dT%H:%MZ; }

# home I: a nudge home for trial I in $TEST_TMP/tI (user fI, own database and
# templates), with $2 leads leadJ@tI.test; sets D and exports NUDGE_CONFIG
home() {
	D=$TEST_TMP/t$1
	mkdir -p "$D/tmp"
	cp -r "$NH/templates" "$D/templates"
	sed -e "s|^database .*|database $D/nudge.db|" -e "s|^templates .*|templates $D/templates|" \
		-e "s|^rules .*|rules $NH/rules|" -e "s|^user .*|user f$1|" -e "s|^password .*|password f$1pw|" \
		-e "s|^from .*|from Sam Sales <f$1@example.test>|" "$NH/config" >"$D/config"
	# a zone where it is about noon now: the first email is due at once
	# whatever the hour the test runs at
	echo "window Mon-Sun 00:00-24:00" >>"$D/config"
	sed -i "s|^timezone .*|timezone $NOON_TZ|" "$D/config"
	chmod 600 "$D/config"
	export NUDGE_CONFIG=$D/config
	python3 -c 'import sys
print("Email,Name,Company")
for j in range(int(sys.argv[1])): print("lead%d@t%s.test,Lead %d,Co %d" % (j, sys.argv[2], j, j))' "$2" "$1" >"$D/leads.csv"
	nudge lead import "$D/leads.csv" >/dev/null 2>&1 || fail "trial $1: lead import failed"
}

# mail I FROM SUBJECT BODY: deliver a message to fI's INBOX
mail() {
	printf 'From: %s\nTo: f%s@example.test\nSubject: %s\nMessage-ID: <%s.%s@t%s.test>\nDate: %s\n\n%s\n' \
		"$2" "$1" "$3" "$RANDOM" "$RANDOM" "$1" "$(date -R)" "$4" >"$D/in.eml"
	ms deliver "f$1" "$D/in.eml" >/dev/null || fail "trial $1: delivery to f$1 failed"
}

# replies I N: N filler messages (a few KB each) and a reply from lead0 in fI's INBOX;
# REPLIED lists the leads that answered
replies() {
	local k
	for ((k = 0; k < $2; k++)); do
		mail "$1" "News $k <news@else.test>" "Weekly digest $k" "$(python3 -c 'import random,sys; random.seed(int(sys.argv[1])); print("\n".join(" ".join(random.choice(["alpha","beta","gamma","delta","market","pipeline"]) for _ in range(12)) for _ in range(60)))' "$RANDOM")"
	done
	mail "$1" "Lead 0 <lead0@t$1.test>" "your note" "Hi Sam, sounds interesting - call me on Tuesday."
	REPLIED=lead0@t$1.test
}

# proxy ARGS...: cutproxy.py in front of Dovecot's IMAPS, this trial's config through it
proxy() {
	rm -f "$D/proxy.ready"
	python3 "$CUTPROXY" "$PROXY_PORT" "$MAILSTACK_IMAPS_PORT" --ready "$D/proxy.ready" \
		--log "$D/proxy.log" "$@" &
	PROXY=$!
	wait_for "test -e '$D/proxy.ready'" 5 || fail "cutproxy did not start"
	sed -i "s|^imap_url .*|imap_url imaps://127.0.0.1:$PROXY_PORT|" "$D/config"
}
unproxy() {
	if [ -n "${PROXY:-}" ]; then kill "$PROXY" 2>/dev/null; wait "$PROXY" 2>/dev/null; fi
	PROXY=
	sed -i "s|^imap_url .*|imap_url $MAILSTACK_IMAPS|" "$D/config"
}
at_exit 'unproxy 2>/dev/null || true'

# faulty CMD...: run nudge under the shim ($FF_* set by the caller); exit code in RC
faulty() {
	set +e
	FAULTFS_MATCH=$FF_MATCH FAULTFS_AFTER=$FF_AFTER FAULTFS_ERRNO=$FF_ERRNO FAULTFS_LOG=$D/faultfs.log \
		LD_PRELOAD=$FAULTFS${LD_PRELOAD:+:$LD_PRELOAD} TMPDIR=$D/tmp SQLITE_TMPDIR=$D/tmp \
		${NUDGE_WRAP:-} "$NUDGE" "$@" >>"$D/fault.out" 2>>"$D/fault.err"
	RC=$?
}

# bg CMD...: start nudge in the background (pid in BG); finish: wait for it, RC
bg() {
	${NUDGE_WRAP:-} "$NUDGE" "$@" >>"$D/fault.out" 2>>"$D/fault.err" &
	BG=$!
}
finish_bg() {
	local t=${1:-30}
	wait_for "! kill -0 $BG 2>/dev/null" "$t" || { kill -9 "$BG" 2>/dev/null; echo "timeout: killed after $t s" >>"$D/fault.err"; }
	wait "$BG" 2>/dev/null
	RC=$?
}

# taken MID: Postfix queued the message MID (waits up to 5 s for qmgr)
taken() {
	local log=$MAILSTACK_DIR/log/postfix.log qid i
	for qid in $(grep -F "message-id=$1" "$log" | sed -nE 's/.*: ([0-9A-F]+): message-id=.*/\1/p'); do
		for ((i = 0; i < 25; i++)); do
			grep -Eq "qmgr\[[0-9]+\]: $qid: from=" "$log" && return 0
			sleep 0.2
		done
	done
	return 1
}

# settle I: the clean rerun; reconcile unknown sends against the sink; rerun
settle() {
	local id mid n=
	nudge --now "$(later 3)" tick --no-throttle >>"$D/rerun.out" 2>&1
	echo "rerun exit $?" >>"$D/rerun.out"
	sleep 0.2
	for id in $(NH=$D db_query "SELECT id FROM touches WHERE state = 'unknown'"); do
		mid=$(NH=$D db_query "SELECT message_id FROM touches WHERE id = $id")
		# what the operator checks: did the server take it?  (Postfix may
		# still hold it in its queue, so not the sink.)  cleanup logs the
		# Message-ID before the queue file is complete: a message cut off
		# before the server's final answer is never queued, so taken
		# means queued, which qmgr logs as "QID: from=<...>"
		if taken "$mid"; then
			nudge outbox resolve "$id" --sent >>"$D/rerun.out" 2>&1
		else
			nudge outbox resolve "$id" --resend >>"$D/rerun.out" 2>&1
		fi
		UNKNOWN=$((UNKNOWN + 1))
		n=resolved
	done
	if [ "$n" = resolved ]; then
		nudge --now "$(later 4)" tick --no-throttle >>"$D/rerun.out" 2>&1
		echo "rerun exit $?" >>"$D/rerun.out"
	fi
}

# errline: the message the faulted run ended with ("nudge tick: ..."), else its
# last warning ("nudge: ..."), shortened
errline() {
	{ grep -E '^nudge (tick|run): ' "$D/fault.err" || grep -E '^nudge: ' "$D/fault.err"; } |
		tail -n1 | cut -c1-140
}

# verify I EXPECT: the checks above; EXPECT lists the acceptable exit codes
verify() {
	local i=$1 expect=$2
	case " $expect " in *" $RC "*) ;; *)
		echo "exit $RC, want one of: $expect"; cat "$D/fault.err"; return 1 ;;
	esac
	if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:|Segmentation|Aborted|ERROR SUMMARY: [1-9]' "$D/fault.err" "$D/rerun.out"; then
		echo "a crash or a sanitizer report:"; cat "$D/fault.err"; return 1
	fi
	if [ "$RC" != 0 ] && [ "$RC" != 137 ] && [ "$RC" != 143 ] && [ -z "$(errline)" ]; then
		echo "exit $RC without a message"; cat "$D/fault.err"; return 1
	fi
	if [ "$RC" = 74 ] || [ "$RC" = 75 ] && [ -n "${DBFAULT:-}" ] && ! grep -q "$D/nudge.db" "$D/fault.err"; then
		echo "database fault (exit $RC) without the database's name:"; cat "$D/fault.err"; return 1
	fi
	# Postfix may still be delivering what it queued
	wait_for "python3 '$top_srcdir/tests/tools/faults_check.py' '$SINK' '$D/nudge.db' t$i.test '${REPLIED:-}' '$MAILSTACK_DIR/log/postfix.log' >'$D/verify.out' 2>&1" 8
	local ok=$?
	cat "$D/verify.out"
	return $ok
}

# ---- the trials
declare -A DONE_KIND
DUPS=0 LOST=0 UNKNOWN=0 REDELIVERED=0
for ((i = 1; i <= FAULT_TRIALS; i++)); do
	# every kind once per round, in a random order each round
	if [ $(((i - 1) % ${#KINDS[@]})) = 0 ]; then
		read -r -a ROUND < <(for k in "${KINDS[@]}"; do echo "$RANDOM $k"; done | sort -n | cut -d' ' -f2 | tr '\n' ' ')
	fi
	kind=${ROUND[$(((i - 1) % ${#KINDS[@]}))]}
	nleads=$(rnd 4 8)
	REPLIED= DBFAULT= PROXY= RC=0
	home "$i" "$nleads"
	: >"$D/fault.out" >"$D/fault.err" >"$D/rerun.out"
	expect="0"
	case $kind in
	diskfull | tmpfull | rofs)
		DBFAULT=1
		FF_ERRNO=ENOSPC FF_MATCH=$D/nudge.db
		[ "$kind" = rofs ] && FF_ERRNO=EROFS
		[ "$kind" = tmpfull ] && FF_MATCH=$D/nudge.db-wal,$D/nudge.db-journal,$D/tmp/
		FF_AFTER=$(rnd 0 120)
		param="after $FF_AFTER writes"
		faulty tick --no-throttle
		expect="0 74"
		;;
	busy)
		DBFAULT=1
		hold=$(rnd 5 70)
		param="lock held $((hold / 10)).$((hold % 10)) s"
		python3 -c 'import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("UPDATE meta SET value = value WHERE key = (SELECT min(key) FROM meta)")
open(sys.argv[3], "w").write("locked\n")
time.sleep(float(sys.argv[2]))
db.execute("COMMIT")' "$D/nudge.db" "$((hold / 10)).$((hold % 10))" "$D/locked" &
		holder=$!
		wait_for "test -e '$D/locked'" 5
		faulty tick --no-throttle
		wait "$holder"
		expect="0 75"
		;;
	imapfetch)
		replies "$i" "$(rnd 2 5)"
		cut=$(rnd 200 12000)
		param="cut after $cut bytes"
		proxy --after-bytes "$cut" --cuts 100
		faulty tick --no-throttle
		unproxy
		expect="0 75"
		;;
	imapcut)
		replies "$i" "$(rnd 1 4)"
		cut=$(rnd 5 300)
		param="cut after $cut ms"
		proxy --after-ms "$cut" --cuts 100
		faulty tick --no-throttle
		unproxy
		expect="0 75"
		;;
	imapidle)
		param="IDLE cut, then a reply"
		proxy --cuts 0
		bg run --no-throttle
		wait_for "test \"\$(NH=$D db_query \"SELECT count(*) FROM touches WHERE channel = 'email' AND state = 'sent'\")\" = $nleads" 15
		sleep 0.$(rnd 2 9)
		kill -USR1 "$PROXY"
		sleep 0.$(rnd 1 5)
		mail "$i" "Lead 1 <lead1@t$i.test>" "Re: your note" "Thanks Sam, please call me next week."
		if wait_for "test \"\$(NH=$D db_query \"SELECT status FROM leads WHERE email = 'lead1@t$i.test'\")\" != active" 15; then
			param="$param: lead stopped"
		else
			param="$param: REPLY NOT SEEN"
			echo "the reply after the IDLE cut was not acted on" >>"$D/fault.err"
		fi
		kill -TERM "$BG"
		finish_bg
		unproxy
		grep -q 'agent stopped' "$D/fault.err" || RC=1
		[ "$param" = "IDLE cut, then a reply: lead stopped" ] || RC=1
		;;
	postfix)
		nleads=$(rnd 10 16)
		python3 -c 'import sys
for j in range(8, int(sys.argv[1])): print("lead%d@t%s.test,Lead %d,Co %d" % (j, sys.argv[2], j, j))' "$nleads" "$i" |
			sed '1i Email,Name,Company' >"$D/more.csv"
		nudge lead import "$D/more.csv" >/dev/null 2>&1
		delay=$(rnd 0 40)
		param="postfix stopped after 0.$(printf %02d "$delay") s"
		bg tick --no-throttle
		sleep "0.$(printf %02d "$delay")"
		postfix -c "$MAILSTACK_DIR/postfix" stop >/dev/null 2>&1
		finish_bg
		postfix -c "$MAILSTACK_DIR/postfix" start >/dev/null 2>&1
		wait_for "(exec 3<>/dev/tcp/127.0.0.1/$MAILSTACK_SUBM_PORT) 2>/dev/null" 10 || fail "postfix did not come back"
		expect="0 75"
		;;
	sighup)
		# the daemon runs with no leads yet; the template breaks; leads come; SIGHUP
		rm -f "$D/nudge.db"*
		param="broken template, SIGHUP"
		bg run --no-throttle
		wait_for "test -e '$D/nudge.db'" 5
		sleep 0.2
		cp "$D/templates/1.email" "$D/1.email.good"
		sed -i 's/^Subject:.*/Subjekt: oops/' "$D/templates/1.email"
		nudge lead import "$D/leads.csv" >/dev/null 2>&1
		kill -HUP "$BG"
		if wait_for "grep -q 'templates/1.email:[0-9]' '$D/fault.err'" 10 && kill -0 "$BG" 2>/dev/null; then
			param="$param: held, naming the file:line"
		else
			param="$param: NOT HELD CLEARLY"
			RC=1
		fi
		cp "$D/1.email.good" "$D/templates/1.email"
		kill -HUP "$BG"
		wait_for "test \"\$(NH=$D db_query \"SELECT count(*) FROM touches WHERE channel = 'email' AND state = 'sent'\")\" = $nleads" 15 &&
			param="$param; fixed, SIGHUP: sent"
		kill -TERM "$BG"
		finish_bg
		[ "$RC" = 0 ] && ! grep -q 'agent stopped' "$D/fault.err" && RC=1
		;;
	sigterm | kill9)
		sig=TERM
		[ "$kind" = kill9 ] && sig=KILL
		delay=0.$(printf %03d "$(rnd 0 600)")
		if [ $((RANDOM % 2)) = 0 ]; then what=tick; else what=run; fi
		# half the time with mail to read and the signal within the first
		# 60 ms: it lands in an IMAP operation (connect, LOGIN, FETCH)
		if [ $((RANDOM % 2)) = 0 ]; then
			replies "$i" "$(rnd 1 3)"
			delay=0.$(printf %03d "$(rnd 5 60)")
		fi
		param="SIG$sig to $what after $delay s"
		bg "$what" --no-throttle
		sleep "$delay"
		kill -$sig "$BG" 2>/dev/null
		finish_bg
		# 143: the signal came before nudge set up its handlers (it had
		# not opened the database yet; under valgrind that is its first
		# second or so), so it has nothing to say
		expect="0 143"
		if [ "$kind" = kill9 ]; then
			expect="0 137"
		elif [ "$what" = run ]; then
			grep -q 'agent stopped' "$D/fault.err" || [ "$RC" != 0 ] || RC=1
		fi
		;;
	esac
	DONE_KIND[$kind]=$((${DONE_KIND[$kind]:-0} + 1))
	settle "$i"
	msg=
	[ "$RC" = 0 ] || [ "$RC" = 137 ] || msg=$(errline)
	check "trial $i $kind ($param): exit $RC${msg:+ \"$msg\"}" verify "$i" "$expect"
	d=$(sed -n 's/^dup \([0-9]*\) lost \([0-9]*\).*/\1/p' "$D/verify.out" 2>/dev/null)
	l=$(sed -n 's/^dup \([0-9]*\) lost \([0-9]*\).*/\2/p' "$D/verify.out" 2>/dev/null)
	DUPS=$((DUPS + ${d:-0})) LOST=$((LOST + ${l:-0}))
	r=$(grep -c '^note: ' "$D/verify.out" 2>/dev/null)
	REDELIVERED=$((REDELIVERED + ${r:-0}))
done

summary=""
for k in $ALL_KINDS; do [ -n "${DONE_KIND[$k]:-}" ] && summary="$summary $k=${DONE_KIND[$k]}"; done
echo "# faults: $FAULT_TRIALS trials:$summary; $DUPS sent twice, $LOST lost, $UNKNOWN unknown reconciled, $REDELIVERED redelivered by Postfix itself (FAULT_SEED=$FAULT_SEED)"
check "no message sent twice in $FAULT_TRIALS trials" test "$DUPS" = 0
check "no touch lost in $FAULT_TRIALS trials" test "$LOST" = 0
finish
