#!/usr/bin/env bash
# smtp.sh - agent/smtp.c against real Postfix (tests/mailstack.sh), through the driver
# tests/tools/smtp_test ($SMTP_TEST, else $top_builddir/tests/tools/smtp_test, else
# built here from the sources).
# shellcheck disable=SC2317 # the helpers below are run through `check`
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

ms_require
T=${SMTP_TEST:-$top_builddir/tests/tools/smtp_test}
if [ ! -x "$T" ]; then
	# not built by make (yet): build the driver from the sources into our temp dir
	inc=$top_builddir
	if [ ! -f "$inc/autoconf.h" ]; then
		inc=$TEST_TMP
		echo '#define _GNU_SOURCE 1' >"$inc/autoconf.h"
	fi
	pkg-config --exists libcurl || skip "libcurl development files are not installed"
	T=$TEST_TMP/smtp_test
	# shellcheck disable=SC2046 # pkg-config output is meant to be split
	${CC:-cc} -std=gnu11 -Wall -Wextra -I"$inc" -I"$top_srcdir/agent" \
		"$top_srcdir"/agent/{xalloc,log,net,smtp}.c "$top_srcdir/tests/tools/smtp_test.c" \
		$(pkg-config --cflags --libs libcurl) -o "$T" || fail "cannot build smtp_test"
fi

ms_start
CA=$MAILSTACK_CAFILE
BAD=$MAILSTACK_BADCA
out() { echo "$TEST_TMP/out-$1"; } # driver output of a named step

# run the driver, keep its output, and require exit status $1 (0 ok, 1 temp, 2 perm,
# 3 tls, 4 auth, 5 einval)
send() {
	local want=$1 name=$2 rc=0
	shift 2
	"$T" "$@" >"$(out "$name")" 2>"$(out "$name").err" || rc=$?
	cat "$(out "$name")" "$(out "$name").err"
	[ "$rc" = "$want" ] || { echo "exit status $rc, wanted $want"; return 1; }
}
with_pw() { SMTP_TEST_PASSWORD=$1 "${@:2}"; }
has() { grep -q -- "$2" "$(out "$1")"; } # has STEP PATTERN
stays_empty() { sleep "${3:-1}"; [ "$(imap_count "$1" "${2:-INBOX}")" = 0 ]; }

# the delivered file holds our Message-ID once and the dot lines un-stuffed
delivered_intact() { # USER MSGID
	local f n
	wait_count "$1" INBOX 1 5 || { echo "nothing delivered to $1"; return 1; }
	# shellcheck disable=SC2046 # maildir file names hold no blanks
	f=$(grep -l -F -- "$2" $(imap_files "$1")) || { echo "$2 not in $1's INBOX"; return 1; }
	n=$(grep -c -i "^Message-ID: $2" "$f")
	[ "$n" = 1 ] || { echo "Message-ID $2 found $n times"; return 1; }
	grep -q '^\.a line that starts with a dot' "$f" || { echo "dot line damaged"; return 1; }
	tr -d '\r' <"$f" | grep -qx '\.' || { echo "lone-dot line lost"; return 1; }
	grep -q '^\.\.' "$f" && { echo "dot-stuffing left in the stored message"; return 1; }
	return 0
}

# --- plain port: STARTTLS offered, required by default, verified against the CA
check "open port, STARTTLS required + verified: sent" \
	send 0 plain -U "$MAILSTACK_SMTP" -c "$CA" -r alice@example.test -i plain
check "  delivered to alice, Message-ID once, dots intact" \
	delivered_intact alice "<plain.1@smtp-test.example.test>"
check "  IMAP SEARCH finds that Message-ID once" \
	bash -c "[ \"\$1\" = 1 ]" _ "$(imap_search alice INBOX HEADER Message-ID '<plain.1@smtp-test.example.test>')"
check "port without STARTTLS: refused (tls), nothing sent" \
	send 3 notls -U "$MAILSTACK_SMTP_NOTLS" -r lead1@example.test
check "  detail names STARTTLS" has notls "STARTTLS"
check "port without STARTTLS, starttls=never (explicit): sent" \
	send 0 notls-never -U "$MAILSTACK_SMTP_NOTLS" -s never -r lead2@example.test
check "  lead2 got it" wait_count lead2 INBOX 1 5
check "  lead1 got nothing" stays_empty lead1 INBOX 0

# --- submission: STARTTLS + AUTH
check "submission STARTTLS + AUTH (any mechanism): sent" \
	with_pw salespw send 0 subm -U "$MAILSTACK_SUBMISSION" -u sales -c "$CA" -r bob@example.test -i subm
check "  delivered to bob" delivered_intact bob "<subm.1@smtp-test.example.test>"
check "submission AUTH PLAIN and LOGIN: sent" bash -c "
	SMTP_TEST_PASSWORD=salespw '$T' -U '$MAILSTACK_SUBMISSION' -u sales -a PLAIN -c '$CA' -r bob@example.test &&
	SMTP_TEST_PASSWORD=salespw '$T' -U '$MAILSTACK_SUBMISSION' -u sales@example.test -a LOGIN -c '$CA' -r bob@example.test"
check "wrong password: auth (exit 4), 535 kept" \
	with_pw wrongpw send 4 badpw -U "$MAILSTACK_SUBMISSION" -u sales -c "$CA" -r carol@example.test
check "  reply text is the server's 535" has badpw "code=535 .*text=535 "
check "  password never printed" not grep -rq wrongpw "$(out badpw)" "$(out badpw).err"
check "untrusted CA on submission: tls (exit 3)" \
	with_pw salespw send 3 badca -U "$MAILSTACK_SUBMISSION" -u sales -c "$BAD" -r carol@example.test
check "  detail says verification failed" has badca "verification failed"
check "no trust file, self-signed server: tls (exit 3)" \
	with_pw salespw send 3 nocafile -U "$MAILSTACK_SUBMISSION" -u sales -r carol@example.test
check "  carol got nothing" stays_empty carol INBOX 0.5
check "no_verify (explicit): sent, with a loud warning" \
	with_pw salespw send 0 noverify -U "$MAILSTACK_SUBMISSION" -u sales -c "$BAD" -k -r dave@example.test
check "  warning on stderr" grep -q "verification is DISABLED" "$(out noverify).err"

# --- implicit TLS
check "smtps:// + AUTH: sent" \
	with_pw salespw send 0 smtps -U "$MAILSTACK_SMTPS" -u sales -c "$CA" -r erin@example.test -i smtps
check "  delivered to erin" delivered_intact erin "<smtps.1@smtp-test.example.test>"
check "smtps:// with the untrusted CA: tls (exit 3)" \
	with_pw salespw send 3 smtps-bad -U "$MAILSTACK_SMTPS" -u sales -c "$BAD" -r erin@example.test

# --- one connection for a batch
check "batch of 50 over submission: all sent" \
	with_pw salespw send 0 batch -U "$MAILSTACK_SUBMISSION" -u sales -c "$CA" -r lead3@example.test -n 50 -i batch
check "  one connection (connections=1), 49 reused" \
	bash -c "grep -q '^connections=1 ok=50 failed=0' '$(out batch)' && [ \$(grep -c 'reused=1' '$(out batch)') = 49 ]"
check "  50 delivered to lead3" wait_count lead3 INBOX 50 10

# --- refusals
check "unknown user at RCPT: perm (exit 2)" \
	send 2 nosuch -U "$MAILSTACK_SMTP" -c "$CA" -r nosuch@example.test
check "  code 550 and the server's text" has nosuch "code=550 .*User unknown"
check "access map 550: perm (exit 2)" \
	send 2 permfail -U "$MAILSTACK_SMTP" -c "$CA" -r permfail@example.test
check "  text 'no such user'" has permfail "code=550 .*no such user"
check "one bad recipient among good ones: perm, nothing sent" \
	send 2 mixed -U "$MAILSTACK_SMTP" -c "$CA" -r lead4@example.test -r nosuch@example.test
check "  lead4 got nothing" stays_empty lead4 INBOX 0.5
check "451 at RCPT: temp (exit 1)" \
	send 1 tempfail -U "$MAILSTACK_SMTP" -c "$CA" -r tempfail@example.test
check "  code 451 'try later', not uncertain" has tempfail "code=451 .*uncertain=0.*try later"
check "421 and hang-up at RCPT, twice: temp, reconnects" \
	send 1 disconnect -U "$MAILSTACK_SMTP" -c "$CA" -r disconnect@example.test -n 2
check "  code 421 both times, 2 connections" \
	bash -c "[ \$(grep -c 'status=temp code=421' '$(out disconnect)') = 2 ] && grep -q '^connections=2' '$(out disconnect)'"
check "nothing listening: temp (exit 1)" \
	send 1 refused -U "smtp://127.0.0.1:$((MAILSTACK_PORT_BASE + 1))" -r alice@example.test -t 5

# --- bad parameters
check "http:// URL: einval (exit 5)" send 5 http -U "http://127.0.0.1:$MAILSTACK_SMTP_PORT" -r a@example.test
check "URL with a path: einval (exit 5)" send 5 path -U "$MAILSTACK_SMTP/x" -r a@example.test
check "unreadable trust file: einval (exit 5)" send 5 nofile -U "$MAILSTACK_SMTP" -c /nonexistent -r a@example.test
check "recipient with CR/LF: einval (exit 5)" send 5 crlf -U "$MAILSTACK_SMTP" -c "$CA" -r $'a@example.test\r\nRCPT TO:<b@example.test>'

# --- routing of the stack itself
check "other domain lands in sink" bash -c "
	'$T' -U '$MAILSTACK_SMTP' -c '$CA' -r someone@elsewhere.test >/dev/null"
check "  sink got it" wait_count sink INBOX 1 5
check "bounce@ accepted, then a real DSN reaches the sender" bash -c "
	'$T' -U '$MAILSTACK_SMTP' -c '$CA' -f lead5@example.test -r bounce@example.test >/dev/null"
got_dsn() {
	local f
	f=$(imap_files lead5)
	# shellcheck disable=SC2086 # maildir file names hold no blanks
	[ -n "$f" ] && grep -q 'Undelivered Mail Returned' $f
}
check "  lead5 got 'Undelivered Mail Returned to Sender'" wait_for got_dsn 5

# --- what happens after the data: a scripted fake server on 127.0.0.1 (Postfix always
# answers), one connection per run.  MODE: drop (hang up after the final dot), 452
# (answer 452 after it), hang (never answer), greet-drop (hang up before the greeting);
# tls-rst and tls-fin (offer STARTTLS, say 220, then reset or close the line: a server
# going down mid-handshake), tls-plain (say 220, then answer in plain text and stay).
fake_server() { # MODE PORT READYFILE
	python3 - "$@" <<'PY'
import socket, struct, sys, time
mode, port, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port)); ls.listen(1); ls.settimeout(10)
open(ready, "w").close()
c, _ = ls.accept(); f = c.makefile("rb")
def say(l): c.sendall(l.encode() + b"\r\n")
if mode == "greet-drop":
    c.close(); sys.exit(0)
say("220 fake ESMTP")
while True:
    l = f.readline()
    if not l: break
    v = l[:4].upper()
    if v in (b"EHLO", b"HELO"): say("250-fake\r\n250 STARTTLS")
    elif v == b"STAR":
        say("220 2.0.0 Ready to start TLS")
        if mode == "tls-rst":
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            break
        if mode == "tls-fin": break
        say("250 this is not TLS"); time.sleep(3); break
    elif v == b"QUIT": say("221 bye"); break
    elif v == b"DATA":
        say("354 go on")
        while f.readline() not in (b".\r\n", b""): pass
        if mode == "drop": break
        if mode == "hang": f.readline(); break
        say("452 4.3.1 Insufficient system storage")
    else: say("250 ok")
c.close()
PY
}
fake_run() { # STEP MODE WANT_EXIT driver-args...
	local step=$1 mode=$2 want=$3 port=$((MAILSTACK_PORT_BASE + 30)) pid rc=0
	shift 3
	rm -f "$TEST_TMP/ready"
	fake_server "$mode" "$port" "$TEST_TMP/ready" &
	pid=$!
	wait_for "[ -e '$TEST_TMP/ready' ]" 5 || { kill "$pid"; return 1; }
	send "$want" "$step" -U "smtp://127.0.0.1:$port" -s never -r lead6@example.test "$@" || rc=1
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return "$rc"
}
check "hang-up after the final dot: temp" fake_run fdrop drop 1
check "  ... and uncertain=1 (may have been delivered)" has fdrop "status=temp .*uncertain=1"
check "no answer after the final dot (timeout 1 s): temp, uncertain" fake_run fhang hang 1 -t 1
check "  uncertain=1" has fhang "status=temp .*uncertain=1"
check "452 after the final dot: temp, certain" fake_run f452 452 1
check "  code 452, uncertain=0" has f452 "status=temp code=452 .*uncertain=0"
check "hang-up before the greeting: temp, certain" fake_run fgreet greet-drop 1
check "  uncertain=0" has fgreet "status=temp .*uncertain=0"
# the server going down during the STARTTLS handshake is a line to retry, not a TLS
# refusal; a server still there that answers in plain text is a refusal
check "reset during the STARTTLS handshake: temp, not tls" fake_run frst tls-rst 1 -s require
check "closed during the STARTTLS handshake: temp, not tls" fake_run ffin tls-fin 1 -s require
check "plain text after STARTTLS, line kept open: tls (exit 3)" fake_run fplain tls-plain 3 -s require
check "550 after the final dot (header_checks magic subject): perm" bash -c "
	printf 'From: <sales@example.test>\r\nTo: <lead7@example.test>\r\nSubject: x [reject-at-data]\r\nMessage-ID: <rj@t>\r\n\r\nbody\r\n' >'$TEST_TMP/rj.eml'
	'$T' -U '$MAILSTACK_SMTP' -c '$CA' -r lead7@example.test -m '$TEST_TMP/rj.eml' >'$(out rj)'; [ \$? = 2 ]"
check "  code 550 'content rejected'" has rj "code=550 .*content rejected"
check "server drops the idle connection (1 s): next messages reconnect and go" \
	send 0 idle -U "$MAILSTACK_SMTP_SHORT" -c "$CA" -r lead8@example.test -n 3 -w 1300
check "  3 sent over 3 connections" has idle "^connections=3 ok=3 failed=0"
check "null sender (-f ''): sent" send 0 nullsender -U "$MAILSTACK_SMTP" -c "$CA" -f "" -r lead9@example.test
check "  delivered with Return-Path: <>" bash -c "
	for i in \$(seq 100); do f=\$(bash '$MAILSTACK' files lead9); [ -n \"\$f\" ] && grep -q '^Return-Path: <>' \$f && exit 0; sleep 0.05; done; exit 1"

finish
