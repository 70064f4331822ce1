#!/usr/bin/env bash
# imap: incremental sync of a 20,000-message INBOX with nothing new, via
# tests/tools/imap_test (agent/imap.c) against the test suite's real Dovecot.
. "$(dirname "$0")/lib.sh"
N=${BENCH_IMAP_N:-20000}
if ! build_helper tests/tools/imap_test; then
	result imap "incremental fetch" "" "" "< 50 ms" "cannot build tests/tools/imap_test in $BUILD"
	exit 0
fi
top_builddir=$BUILD
. "$REPO/tests/lib.sh"   # ms_start; its EXIT trap stops the stack
if [ "$(id -u)" != 0 ] || ! command -v dovecot >/dev/null; then
	result imap "incremental fetch" "" "" "< 50 ms" "needs root and the test mail stack (Postfix, Dovecot)"
	exit 0
fi
ms_start >"$BENCH_TMP/mailstack.log" 2>&1 || { result imap "incremental fetch" "" "" "< 50 ms" "mail stack did not start"; exit 0; }
md=$MAILSTACK_DIR/mail/sales/Maildir
t0=$(date +%s%N)
python3 "$REPO/bench/gen_maildir.py" "$md" "$N"
chown -R nobody:nogroup "$md"
gen_ms=$(ms_since "$t0")
# the first SELECT makes Dovecot index the new messages
t0=$(date +%s%N)
cnt=$(imap_search sales INBOX ALL)
idx_ms=$(ms_since "$t0")
note "imap: $N messages written in $gen_ms ms; Dovecot indexed them ($cnt) in $idx_ms ms"
# a one-message mailbox for comparison (alice)
python3 "$REPO/bench/gen_maildir.py" "$MAILSTACK_DIR/mail/alice/Maildir" 1
chown -R nobody:nogroup "$MAILSTACK_DIR/mail/alice/Maildir"
imap_search alice INBOX ALL >/dev/null
state() {
	python3 - "$MAILSTACK_IMAPS_PORT" "$MAILSTACK_CAFILE" "$1" <<'PY'
import imaplib, re, ssl, sys
m = imaplib.IMAP4_SSL("127.0.0.1", int(sys.argv[1]), ssl_context=ssl.create_default_context(cafile=sys.argv[2]))
m.login(sys.argv[3], sys.argv[3] + "pw")
typ, d = m.status("INBOX", "(UIDNEXT UIDVALIDITY)")
s = d[0].decode()
print(int(re.search(r"UIDNEXT (\d+)", s).group(1)) - 1, re.search(r"UIDVALIDITY (\d+)", s).group(1))
m.logout()
PY
}
fetch() { # USER LAST UIDVALIDITY PASSES
	taskset -c "$(one_cpu)" "$BUILD/tests/tools/imap_test" -u "$MAILSTACK_IMAPS" -l "$1" -p "$1pw" \
		-t "$MAILSTACK_CAFILE" fetch INBOX "$2" "$3" 65536 "$4"
}
read -r last uv < <(state sales)
fetch sales "$last" "$uv" 5 >"$BENCH_TMP/imap.out" 2>&1
conn=$(sed -n 's/^connect commands=\([0-9]*\) time=\([0-9.]*\).*/\1 commands, \2 s/p' "$BENCH_TMP/imap.out")
p1=$(sed -n 's/^pass 1: .*commands=\([0-9]*\) time=\([0-9.]*\).*/\1 \2/p' "$BENCH_TMP/imap.out")
fetched=$(sed -n 's/^pass 1: fetched=\([0-9]*\).*/\1/p' "$BENCH_TMP/imap.out")
if [ -z "$p1" ]; then
	result imap "incremental fetch, $N msgs" "" "" "< 50 ms" "FAILED: $(tail -1 "$BENCH_TMP/imap.out")"
	exit 0
fi
ms=()
for t in $(sed -n 's/^pass [0-9]*: .*time=\([0-9.]*\).*/\1/p' "$BENCH_TMP/imap.out"); do
	ms+=("$(awk -v t="$t" 'BEGIN { printf "%.1f", t * 1000 }')")
done
cmds=$(sed -n 's/^pass [0-9]*: .*commands=\([0-9]*\).*/\1/p' "$BENCH_TMP/imap.out" | sort -u | paste -sd/)
result imap "fetch nothing new, $N msgs: ms" "$(median "${ms[@]}")" ms "< 50 ms" "median of ${#ms[@]} passes on one connection (${ms[*]}); fetched=$fetched"
result imap "fetch nothing new, $N msgs: cmds" "${p1%% *}" cmds "-" "IMAP commands per pass (all passes: $cmds); login: $conn"
read -r last1 uv1 < <(state alice)
fetch alice "$last1" "$uv1" 3 >"$BENCH_TMP/imap1.out" 2>&1
c1=$(sed -n 's/^pass 1: .*commands=\([0-9]*\).*/\1/p' "$BENCH_TMP/imap1.out")
t1=$(sed -n 's/^pass 1: .*time=\([0-9.]*\).*/\1/p' "$BENCH_TMP/imap1.out")
result imap "same, 1-message INBOX: cmds" "${c1:-}" cmds "-" "constant round trips if equal to the 20k row; pass 1 $(awk -v t="${t1:-0}" 'BEGIN { printf "%.1f", t * 1000 }') ms"
# a cold process: connect + TLS + login + the fetch, as `nudge tick` pays it
t0=$(date +%s%N)
fetch sales "$last" "$uv" 1 >/dev/null 2>&1
result imap "same, new process incl. TLS+login" "$(ms_since "$t0")" ms "-" ""
# initial sync: every message (65536 bytes each at most)
t0=$(date +%s%N)
fetch sales 0 0 1 >"$BENCH_TMP/imap-all.out" 2>&1
all_ms=$(ms_since "$t0")
got=$(sed -n 's/^pass 1: fetched=\([0-9]*\).*/\1/p' "$BENCH_TMP/imap-all.out")
result imap "full first sync, $N msgs" "$(awk -v n="${got:-0}" -v m="$all_ms" 'BEGIN { if (m) printf "%.0f", n * 1000 / m }')" "msgs/s" "-" "${got:-0} fetched in $all_ms ms (UID 1:*, BODY.PEEK)"
# the reference: mbsync (isync) pulling the same INBOX into a Maildir (host
# "localhost": the test certificate names it, and mbsync checks names only); the
# first run copies everything, then a no-op sync is a new process with TLS,
# login and nothing new, as nudge's row "new process incl. TLS+login"
if ! command -v mbsync >/dev/null; then
	result imap "mbsync no-op sync" "" "" "-" "needs mbsync (apt-get install isync)"
	exit 0
fi
mb=$BENCH_TMP/mbsync
mkdir -p "$mb/mail"
cat >"$mb/rc" <<RC
IMAPAccount a
Host localhost
Port $MAILSTACK_IMAPS_PORT
User sales
Pass salespw
SSLType IMAPS
CertificateFile $MAILSTACK_CAFILE

IMAPStore far
Account a

MaildirStore near
Path $mb/mail/
Inbox $mb/mail/INBOX

Channel c
Far :far:
Near :near:
Patterns INBOX
Sync Pull
Create Near
SyncState *
RC
t0=$(date +%s%N)
if ! mbsync -q -c "$mb/rc" c >"$BENCH_TMP/mbsync.out" 2>&1; then
	result imap "mbsync no-op sync" "" "" "-" "FAILED: $(tail -1 "$BENCH_TMP/mbsync.out")"
	exit 0
fi
note "imap: mbsync's first sync copied $(find "$mb/mail/INBOX" -type f | wc -l) messages in $(ms_since "$t0") ms"
mbt=()
for _ in 1 2 3 4 5; do
	t0=$(date +%s%N)
	taskset -c "$(one_cpu)" mbsync -q -c "$mb/rc" c >/dev/null 2>&1
	mbt+=("$(ms_since "$t0")")
done
nt=()
for _ in 1 2 3 4 5; do
	t0=$(date +%s%N)
	fetch sales "$last" "$uv" 1 >/dev/null 2>&1
	nt+=("$(ms_since "$t0")")
done
mbm=$(median "${mbt[@]}")
ntm=$(median "${nt[@]}")
result imap "mbsync no-op sync, $N msgs" "$mbm" ms "-" "new process each, median of 5 (${mbt[*]} ms)"
result imap "nudge no-op sync, same run" "$ntm" ms "-" "new process each, median of 5 (${nt[*]} ms)"
result imap "ratio nudge / mbsync, no-op sync" "$(awk -v a="$ntm" -v b="$mbm" 'BEGIN { if (b) printf "%.2f", a / b }')" x "<= 1" ""
