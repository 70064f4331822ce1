#!/usr/bin/env bash
# imap.sh - agent/imap.c against the real loopback Dovecot (tests/mailstack.sh),
# driven through tests/tools/imap_test: TLS verification (implicit and STARTTLS,
# refusal before LOGIN), incremental fetch with constant round trips, read-only
# access (\Seen untouched), partial fetch, APPEND + Message-ID search, SPECIAL-USE,
# IDLE wake-up, UIDVALIDITY rescan, timeouts.
. "$(dirname "$0")/../lib.sh"

ms_require
IMAP_TEST=${IMAP_TEST:-$top_builddir/tests/tools/imap_test}
[ -x "$IMAP_TEST" ] || fail "$IMAP_TEST is not built (make check builds it; or set IMAP_TEST)"

ms_start

export IMAP_USER=alice IMAP_PASS=alicepw IMAP_TRUST=$MAILSTACK_CAFILE
unset IMAP_VERIFY IMAP_ALLOW_PLAIN
IMAPS=$MAILSTACK_IMAPS
IMAP=$MAILSTACK_IMAP
DOVELOG=$MAILSTACK_DIR/log/dovecot.log
T=$TEST_TMP

# NUDGE_WRAP (e.g. tests/valgrind.sh) wraps every run; time limits then stretch
WRAP=${NUDGE_WRAP:-}
SLOW=1
[ -z "$WRAP" ] || SLOW=3
it() { $WRAP "$IMAP_TEST" -T 5 "$@"; }

# mkmsg FILE N [BODY_BYTES]: a message with Subject "msg N", Message-ID <msgN@imap.test>
mkmsg() {
	python3 - "$@" <<'EOF'
import sys
path, n = sys.argv[1], sys.argv[2]
size = int(sys.argv[3] or 0) if len(sys.argv) > 3 else 0
body = "hello %s\r\n" % n
if size:
    line = ("x" * 76) + "\r\n"
    body = line * (size // len(line) + 1)
with open(path, "w", newline="") as f:
    f.write("From: Bob <bob@example.test>\r\nTo: alice@example.test\r\n"
            "Subject: msg %s\r\nMessage-ID: <msg%s@imap.test>\r\n"
            "Date: Wed, 25 Nov 2026 10:00:00 +0000\r\n\r\n%s" % (n, n, body))
EOF
}

deliver() { # deliver USER N [BODY_BYTES]
	mkmsg "$T/m$2.eml" "$2" "${3:-}" && ms deliver "$1" "$T/m$2.eml"
}

# flags FOLDER: "uid flags" per message, read-only, \Recent left out
flags() {
	python3 - "$MAILSTACK_IMAP" "$1" <<'EOF'
import imaplib, sys, re
port = int(sys.argv[1].rsplit(":", 1)[1])
m = imaplib.IMAP4("127.0.0.1", port)
m.login("alice", "alicepw")
m.select(sys.argv[2], readonly=True)
typ, data = m.uid("FETCH", "1:*", "(FLAGS)")
for d in data:
    if d:
        s = d.decode()
        uid = re.search(r"UID (\d+)", s).group(1)
        fl = sorted(f for f in re.search(r"FLAGS \(([^)]*)\)", s).group(1).split() if f != "\\Recent")
        print(uid, " ".join(fl))
m.logout()
EOF
}

# imapcmd PYTHON...: run statements with `m` logged in as alice (plain, loopback)
imapcmd() {
	python3 - "$MAILSTACK_IMAP" "$1" <<'EOF'
import imaplib, sys
port = int(sys.argv[1].rsplit(":", 1)[1])
m = imaplib.IMAP4("127.0.0.1", port)
m.login("alice", "alicepw")
exec(sys.argv[2])
m.logout()
EOF
}

logins() { grep -c 'imap-login: .*Login: user=<alice>' "$DOVELOG" || true; }
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" | tail -n 1; }

for i in 1 2 3; do deliver alice $i || fail "LMTP delivery failed"; done
deliver bob 100 || fail "LMTP delivery failed"

# ---- TLS
t_imaps() {
	it -u "$IMAPS" fetch INBOX 0 >"$T/imaps.out" || return 1
	cat "$T/imaps.out"
	[ "$(grep -c '^msg ' "$T/imaps.out")" = 3 ] &&
		grep -q 'uid=1 .*subject=msg 1' "$T/imaps.out" &&
		grep -q 'uid=3 .*subject=msg 3' "$T/imaps.out" &&
		grep -q '^pass 1: fetched=3 last_uid=3 ' "$T/imaps.out"
}
check "imaps:// with the trusted CA fetches the 3 messages in UID order" t_imaps

t_starttls() {
	it -u "$IMAP" fetch INBOX 0 >"$T/starttls.out" || return 1
	cat "$T/starttls.out"
	[ "$(grep -c '^msg ' "$T/starttls.out")" = 3 ]
}
check "imap:// upgrades with STARTTLS, verifies, fetches" t_starttls

check "imaps://localhost (DNS SAN) verifies too" \
	it -u "imaps://localhost:${IMAPS##*:}" caps

# refused URL: exit 12 (IMAP_ETLS), the text says why, and no LOGIN reached Dovecot
t_refused() {
	local url=$1 trust=$2 want=$3 before after rc=0
	before=$(logins)
	it -u "$url" -t "$trust" fetch INBOX 0 >"$T/refused.out" 2>&1 || rc=$?
	cat "$T/refused.out"
	sleep 0.2
	after=$(logins)
	echo "exit $rc, alice logins before $before after $after"
	[ "$rc" = 12 ] && grep -q "$want" "$T/refused.out" && grep -q 'refusing' "$T/refused.out" &&
		[ "$before" = "$after" ] && ! grep -q '^msg ' "$T/refused.out"
}
check "imaps:// with an untrusted CA: IMAP_ETLS before LOGIN" \
	t_refused "$IMAPS" "$MAILSTACK_BADCA" 'did not verify'
check "STARTTLS with an untrusted CA: IMAP_ETLS before LOGIN" \
	t_refused "$IMAP" "$MAILSTACK_BADCA" 'did not verify'
check "host name not in the certificate (127.1): IMAP_ETLS before LOGIN" \
	t_refused "imaps://127.1:${IMAPS##*:}" "$MAILSTACK_CAFILE" 'not valid for this host'
check "a logged-in session shows up in Dovecot's log (the check above can fail)" \
	bash -c "[ \$(grep -c 'imap-login: .*Login: user=<alice>' '$DOVELOG') -ge 3 ]"

t_badpass() {
	local rc=0
	it -u "$IMAPS" -p wrong caps >"$T/badpass.out" 2>&1 || rc=$?
	cat "$T/badpass.out"
	[ "$rc" = 13 ]
}
check "wrong password: IMAP_EAUTH" t_badpass

# ---- incremental fetch, read-only
flags INBOX >"$T/flags.before"
t_incremental() {
	local uv
	it -u "$IMAPS" fetch INBOX 0 0 65536 3 >"$T/inc.out" || return 1
	cat "$T/inc.out"
	grep -q '^pass 1: fetched=3 ' "$T/inc.out" &&
		grep -q '^pass 2: fetched=0 last_uid=3 .* commands=1 ' "$T/inc.out" &&
		grep -q '^pass 3: fetched=0 last_uid=3 .* commands=1 ' "$T/inc.out" || return 1
	uv=$(grep '^pass 1' "$T/inc.out" | field uidvalidity)
	echo "$uv" >"$T/uidvalidity"
	# a fresh connection with the stored state: nothing, one command (EXAMINE)
	it -u "$IMAPS" fetch INBOX 3 "$uv" >"$T/inc2.out" || return 1
	cat "$T/inc2.out"
	grep -q '^pass 1: fetched=0 last_uid=3 .* commands=1 ' "$T/inc2.out"
}
check "unchanged mailbox: second fetch returns nothing with 1 command (EXAMINE)" t_incremental

t_seen() {
	flags INBOX >"$T/flags.after"
	echo "before:"; cat "$T/flags.before"; echo "after:"; cat "$T/flags.after"
	[ -s "$T/flags.before" ] && cmp -s "$T/flags.before" "$T/flags.after" &&
		! grep -q 'Seen' "$T/flags.after"
}
check "flags unchanged after fetching (no \\Seen set)" t_seen

t_new_alone() {
	deliver alice 4 || return 1
	it -u "$IMAPS" fetch INBOX 3 "$(cat "$T/uidvalidity")" >"$T/new.out" || return 1
	cat "$T/new.out"
	[ "$(grep -c '^msg ' "$T/new.out")" = 1 ] && grep -q '^msg uid=4 .*subject=msg 4' "$T/new.out" &&
		grep -q '^pass 1: fetched=1 last_uid=4 ' "$T/new.out"
}
check "a new message is fetched alone" t_new_alone

t_stop() {
	it -u "$IMAPS" fetch INBOX 1 "$(cat "$T/uidvalidity")" 65536 1 2 >"$T/stop.out" || return 1
	cat "$T/stop.out"
	grep -q '^pass 1: fetched=2 last_uid=3 ' "$T/stop.out"
}
check "a callback that stops: last_uid stays at the last handled message" t_stop

t_partial() {
	local len size
	deliver alice 5 1100000 || return 1
	it -u "$IMAPS" fetch INBOX 4 "$(cat "$T/uidvalidity")" 4096 >"$T/big.out" || return 1
	cat "$T/big.out"
	len=$(grep '^msg uid=5' "$T/big.out" | field len)
	size=$(grep '^msg uid=5' "$T/big.out" | field size)
	echo "len=$len size=$size"
	grep -q '^msg uid=5 .*truncated=1' "$T/big.out" && [ "$len" -le $((4096 + 1024)) ] &&
		[ "$len" -gt 4096 ] && [ "$size" -gt 1000000 ]
}
check "1 MB message: text fetch bounded by max_bytes (4096), truncated=1" t_partial

t_complete() {
	IMAP_TEST_DUMP=1 it -u "$IMAPS" fetch INBOX 0 "$(cat "$T/uidvalidity")" 65536 >"$T/dump.out" || return 1
	grep -q '^msg uid=1 .*truncated=0' "$T/dump.out" && grep -q '^hello 1' "$T/dump.out" &&
		grep -q '^Message-ID: <msg1@imap.test>' "$T/dump.out"
}
check "a small message comes whole: header, blank line, text" t_complete

check "empty folder (Drafts): nothing, 1 command" \
	bash -c "$WRAP '$IMAP_TEST' -u '$IMAPS' fetch Drafts 0 | grep -q '^pass 1: fetched=0 last_uid=0 .* commands=1 '"

t_nofolder() {
	local rc=0
	it -u "$IMAPS" fetch NoSuchFolder 0 >"$T/nf.out" 2>&1 || rc=$?
	cat "$T/nf.out"
	[ "$rc" = 15 ]
}
check "missing folder: IMAP_ENOTFOUND" t_nofolder

# ---- Sent: SPECIAL-USE, APPEND, search by Message-ID
check "SPECIAL-USE discovery finds Sent" \
	bash -c "$WRAP '$IMAP_TEST' -u '$IMAPS' special | grep -qx 'special \\\\Sent=Sent'"

t_append() {
	mkmsg "$T/sent.eml" sent1 || return 1
	it -u "$IMAPS" append Sent "$T/sent.eml" >"$T/app.out" || return 1
	it -u "$IMAPS" find Sent '<msgsent1@imap.test>' >>"$T/app.out" || return 1
	it -u "$IMAPS" find Sent '<nosuch@imap.test>' >>"$T/app.out" || return 1
	flags Sent >>"$T/app.out"
	cat "$T/app.out"
	grep -q '^appended' "$T/app.out" && grep -qx 'found=1' "$T/app.out" &&
		grep -qx 'found=0' "$T/app.out" && grep -qx '1 \\Seen' "$T/app.out"
}
check "APPEND to Sent with \\Seen, then found by Message-ID (and a stranger not)" t_append

# ---- IDLE
t_idle() {
	local t_del t_end lat pid
	it -u "$IMAPS" idle INBOX 10 >"$T/idle.out" 2>&1 &
	pid=$!
	wait_for "grep -q 'idle start' '$T/idle.out'" 5 || return 1
	sleep 0.5 # EXAMINE + IDLE
	t_del=$(date +%s.%N)
	deliver alice 6 || return 1
	wait "$pid" || return 1
	cat "$T/idle.out"
	t_end=$(field at <"$T/idle.out")
	lat=$(awk -v a="$t_del" -v b="$t_end" 'BEGIN { printf "%.3f", b - a }')
	echo "IDLE wake latency after delivery: $lat s"
	echo "$lat" >"$T/idle.latency"
	grep -q 'idle woke=1' "$T/idle.out" && awk -v l="$lat" -v s="$SLOW" 'BEGIN { exit !(l < 5.0 * s) }'
}
check "IDLE wakes within 5 s of a delivery (its timeout is 10 s)" t_idle
[ -s "$T/idle.latency" ] && echo "# IDLE wake latency: $(cat "$T/idle.latency") s"

t_idle_timeout() {
	it -u "$IMAPS" idle INBOX 1 >"$T/idle2.out" || return 1
	cat "$T/idle2.out"
	grep -q 'idle woke=0 after 1\.' "$T/idle2.out"
}
check "IDLE without activity returns woke=0 after its timeout" t_idle_timeout

t_idle_extra() {
	it -u "$IMAPS" idle INBOX 10 300 >"$T/idle3.out" || return 1
	cat "$T/idle3.out"
	grep -q 'idle woke=0 after 0\.[3-9]' "$T/idle3.out"
}
check "IDLE returns when extra_fd (a self-pipe) becomes readable" t_idle_extra

# ---- UIDVALIDITY change
t_uidvalidity() {
	local uv1 uv2
	imapcmd "m.create('Recreated')
for n in (1, 2): m.append('Recreated', None, None, b'Subject: r%d\r\nMessage-ID: <r%d@imap.test>\r\n\r\nx\r\n' % (n, n))" || return 1
	it -u "$IMAPS" fetch Recreated 0 >"$T/uv1.out" || return 1
	uv1=$(grep '^pass 1' "$T/uv1.out" | field uidvalidity)
	imapcmd "m.delete('Recreated'); m.create('Recreated')
for n in (1, 2): m.append('Recreated', None, None, b'Subject: r%d\r\nMessage-ID: <r%d@imap.test>\r\n\r\nx\r\n' % (n, n))" || return 1
	# interrupted rescan: the stored UIDVALIDITY is kept, so it is redone
	it -u "$IMAPS" fetch Recreated 2 "$uv1" 65536 1 1 >"$T/uv2.out" || return 1
	cat "$T/uv1.out" "$T/uv2.out"
	grep -q '^msg uid=1 .*rescan=1' "$T/uv2.out" &&
		grep -q "^pass 1: fetched=1 last_uid=1 uidvalidity=$uv1 " "$T/uv2.out" || return 1
	it -u "$IMAPS" fetch Recreated 1 "$uv1" >"$T/uv3.out" || return 1
	cat "$T/uv3.out"
	uv2=$(grep '^pass 1' "$T/uv3.out" | field uidvalidity)
	echo "uidvalidity $uv1 -> $uv2"
	[ "$uv1" != "$uv2" ] && [ "$(grep -c '^msg .*rescan=1' "$T/uv3.out")" = 2 ] &&
		grep -q '^pass 1: fetched=2 last_uid=2 ' "$T/uv3.out"
}
check "UIDVALIDITY change: rescan=1 from UID 1; stored value kept until complete" t_uidvalidity

# ---- a dead server must not hang the caller
t_dead() {
	local port pid rc=0 t0 t1
	python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(5)
print(s.getsockname()[1], flush=True); time.sleep(30)' >"$T/dead.port" &
	pid=$!
	wait_for "[ -s '$T/dead.port' ]" 5 || { kill "$pid"; return 1; }
	port=$(cat "$T/dead.port")
	t0=$(date +%s%N)
	$WRAP "$IMAP_TEST" -T 1 -u "imaps://127.0.0.1:$port" caps || rc=$?
	$WRAP "$IMAP_TEST" -T 1 -u "imap://127.0.0.1:$port" caps || rc=$((rc * 100 + $?))
	t1=$(date +%s%N)
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	echo "exit codes $rc, $(((t1 - t0) / 1000000)) ms for both"
	[ "$rc" = 1111 ] && [ $(((t1 - t0) / 1000000)) -lt $((3500 * SLOW)) ]
}
check "a silent server (TLS and plain): IMAP_ENET within the timeout" t_dead

# ---- a fake server: no STARTTLS, or STARTTLS with injected plaintext.  It records
# every line it receives: the password must never be among them.
t_fake() {
	local mode=$1 want=$2 pid port rc=0 scheme
	: >"$T/fake-$mode.log"
	python3 - "$mode" "$T/fake-$mode.log" >"$T/fake-$mode.port" <<'EOF' &
import socket, sys
mode, log = sys.argv[1], sys.argv[2]
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
s.settimeout(10)
c, _ = s.accept(); c.settimeout(10)
c.sendall(b"* OK fake IMAP ready\r\n")
f = c.makefile("rb")
for line in f:
    open(log, "ab").write(line)
    tag, cmd = (line.split(b" ", 2) + [b""])[:2]
    cmd = cmd.strip().upper()
    if cmd == b"CAPABILITY":
        caps = b"IMAP4rev1 AUTH=PLAIN" + (b" STARTTLS" if mode == "inject" else b"")
        c.sendall(b"* CAPABILITY " + caps + b"\r\n" + tag + b" OK done\r\n")
    elif cmd == b"STARTTLS":
        c.sendall(tag + b" OK begin TLS\r\n* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n")
    elif cmd == b"LOGOUT":
        c.sendall(b"* BYE\r\n" + tag + b" OK bye\r\n"); break
    else:
        c.sendall(tag + b" OK whatever\r\n")
EOF
	pid=$!
	wait_for "[ -s '$T/fake-$mode.port' ]" 5 || { kill "$pid"; return 1; }
	port=$(cat "$T/fake-$mode.port")
	scheme=imap
	[ "$mode" = plaintls ] && scheme=imaps
	$WRAP "$IMAP_TEST" -T 2 -u "$scheme://127.0.0.1:$port" -p secretpw caps >"$T/fake.out" 2>&1 || rc=$?
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	cat "$T/fake.out"
	echo "server received:"
	cat "$T/fake-$mode.log"
	[ "$rc" = 12 ] && grep -q "$want" "$T/fake.out" &&
		! grep -qi 'login\|authenticate\|secretpw\|logout' "$T/fake-$mode.log"
}
check "server without STARTTLS: IMAP_ETLS, no credentials sent" t_fake nostarttls 'does not offer STARTTLS'
check "plaintext injected after STARTTLS: IMAP_ETLS, no credentials sent" t_fake inject 'injected'
# a plain IMAP server behind an imaps:// URL stays connected: a refusal (not
# a cut line to retry), whatever of its greeting TLS left unread
check "plain server on imaps://: IMAP_ETLS, not a TLS server" t_fake plaintls 'not a TLS server'

finish
