#!/usr/bin/env bash
# send: 2,000 messages to Postfix's smtp-sink on loopback, no throttling:
# nudge tick (group commit, send_batch) vs smtp_test (agent/smtp.c alone) vs
# smtp-source vs python smtplib.  nudge and smtp-source run BENCH_SEND_RUNS
# times (default 3) in alternation against the same sink; the medians and
# their ratio are reported.
. "$(dirname "$0")/lib.sh"
N=${BENCH_SEND_N:-2000}
SIZE=800
CPU=$(one_cpu)
if ! command -v smtp-sink >/dev/null || ! command -v smtp-source >/dev/null; then
	result send "msgs/s" "" "" "-" "smtp-sink/smtp-source missing (apt-get install postfix)"
	exit 0
fi
[ "$(id -u)" = 0 ] || { result send "msgs/s" "" "" "-" "smtp-sink -u postfix needs root"; exit 0; }
port=${BENCH_SMTP_PORT:-2525}
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
# smtp-sink runs on the other CPU(s) than the clients
taskset -c 0 smtp-sink -u postfix 127.0.0.1:$port 1000 >/dev/null 2>&1 &
sink=$!
trap 'kill $sink 2>/dev/null; wait $sink 2>/dev/null' EXIT
for i in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
rate() { awk -v n="$1" -v m="$2" 'BEGIN { if (m > 0) printf "%.0f", n * 1000 / m }'; }

# (a) nudge tick: N leads imported (stage 1 due now), plain SMTP allowed,
# send_batch BATCH (group commit); each run in a fresh home
RUNS=${BENCH_SEND_RUNS:-3}
BATCH=${BENCH_SEND_BATCH:-8}
csv=$BENCH_CACHE/send-$N.csv
[ -s "$csv" ] || python3 "$REPO/bench/gen_csv.py" "$N" "$csv" notz
h=$BENCH_TMP/send
nudge_run() {
	nudge_home "$h"
	printf 'smtp_url smtp://127.0.0.1:%s\ntls_starttls off\nsave_sent off\nmin_gap 0\njitter 0\nsend_batch %s\n' \
		"$port" "$BATCH" >>"$h/config"
	"$NUDGE" -c "$h/config" --now "$BENCH_NOW" lead import "$csv" >/dev/null 2>&1
	sync
	t0=$(date +%s%N)
	taskset -c "$CPU" "$NUDGE" -c "$h/config" --now "$BENCH_NOW" tick --no-throttle --no-sync >"$BENCH_TMP/tick.out" 2>&1
	rc=$?
	ms=$(ms_since "$t0")
	sent=$(sed -n 's/.* \([0-9]*\) sent,.*/\1/p' "$BENCH_TMP/tick.out" | tail -1)
	if [ $rc = 0 ] && [ -n "$sent" ]; then
		rate "$sent" "$ms"
	else
		if grep -q "tls_starttls\|send_batch" "$BENCH_TMP/tick.out"; then
			note "send: this nudge lacks a key the bench sets: $(tail -1 "$BENCH_TMP/tick.out")"
		fi
		echo "FAILED (exit $rc): $(grep -v '^nudge: sent' "$BENCH_TMP/tick.out" | tail -1)" >"$BENCH_TMP/tick.fail"
	fi
}
# the first run also gives the size of nudge's messages, which the others send
nudge_rates=" $(nudge_run)"
bytes=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select avg(length(message)) from touches where state=\"sent\"").fetchone()[0] or 0)' "$h/nudge.db" 2>/dev/null | cut -d. -f1)
[ -n "$bytes" ] && [ "$bytes" != 0 ] && SIZE=$bytes

# (a') smtp_test: agent/smtp.c alone (libcurl, one session), same size
if build_helper tests/tools/smtp_test; then
	python3 - "$SIZE" >"$BENCH_TMP/msg.eml" <<'PY'
import sys
size = int(sys.argv[1])
hdr = ("From: Sam Sales <sales@example.test>\r\nTo: lead@example.com\r\nSubject: Idea for Acme\r\n"
       "Date: Wed, 25 Nov 2026 10:00:00 -0700\r\nMessage-ID: <bench@example.test>\r\n\r\n")
body = ("We help teams like yours spend less time on busywork. " * 100)
sys.stdout.write(hdr + body[:max(0, size - len(hdr) - 2)] + "\r\n")
PY
	t0=$(date +%s%N)
	taskset -c "$CPU" "$BUILD/tests/tools/smtp_test" -U "smtp://127.0.0.1:$port" -s never -f sales@example.test \
		-r lead@example.com -n "$N" -m "$BENCH_TMP/msg.eml" >"$BENCH_TMP/smtp_test.out" 2>&1
	ms=$(ms_since "$t0")
	ok=$(sed -n 's/.*ok=\([0-9]*\).*/\1/p' "$BENCH_TMP/smtp_test.out" | tail -1)
	conns=$(sed -n 's/.*connections=\([0-9]*\).*/\1/p' "$BENCH_TMP/smtp_test.out" | tail -1)
	result send "smtp_test (smtp.c only, 1 core)" "$(rate "${ok:-0}" "$ms")" "msgs/s" "-" "${ok:-0} ok in $ms ms, $conns connection(s)"
fi

# (b) smtp-source: one session, N messages of SIZE bytes
src_run() {
	t0=$(date +%s%N)
	taskset -c "$CPU" smtp-source -d -m "$N" -s 1 -l "$SIZE" -f sales@example.test -t lead@example.com \
		127.0.0.1:$port >"$BENCH_TMP/smtp-source.out" 2>&1
	rate "$N" "$(ms_since "$t0")"
}

# nudge and smtp-source in alternation, RUNS times each
src_rates=
for i in $(seq "$RUNS"); do
	src_rates="$src_rates $(src_run)"
	[ "$i" -lt "$RUNS" ] && nudge_rates="$nudge_rates $(nudge_run)"
done
# shellcheck disable=SC2086
set -- $nudge_rates
if [ $# = "$RUNS" ]; then
	nudge_rate=$(median "$@")
	result send "nudge tick --no-throttle, send_batch $BATCH (1 core)" "$nudge_rate" "msgs/s" "-" "median of $RUNS:$nudge_rates (render, group-commit outbox, SMTP)"
else
	nudge_rate=
	result send "nudge tick --no-throttle, send_batch $BATCH (1 core)" "" "" "-" "$(cat "$BENCH_TMP/tick.fail" 2>/dev/null)"
fi
# the same without group commit (one synced transaction per message), once
if [ "$BATCH" != 1 ]; then
	b1=$(BATCH=1 nudge_run)
	result send "nudge tick --no-throttle, send_batch 1 (1 core)" "$b1" "msgs/s" "-" "one run, for comparison"
fi
# shellcheck disable=SC2086
src_rate=$(median $src_rates)
result send "smtp-source -d -s 1 (1 core)" "$src_rate" "msgs/s" "-" "$N x $SIZE B, median of $RUNS:$src_rates"

# (c) python smtplib over one connection
out=$(taskset -c "$CPU" python3 "$REPO/bench/smtp_py.py" "$port" "$N" "$SIZE" 2>&1)
py_rate=$(printf '%s\n' "$out" | sed -n 's/.*msgs_per_s=\([0-9]*\).*/\1/p')
result send "python3 smtplib, 1 conn (1 core)" "$py_rate" "msgs/s" "-" "$N x $SIZE B"

if [ -n "$nudge_rate" ] && [ -n "$src_rate" ] && [ -n "$py_rate" ]; then
	result send "nudge / smtp-source" "$(awk -v a="$nudge_rate" -v b="$src_rate" 'BEGIN { printf "%.2f", a / b }')" "x" ">= 0.5" ""
	result send "nudge / python smtplib" "$(awk -v a="$nudge_rate" -v b="$py_rate" 'BEGIN { printf "%.2f", a / b }')" "x" ">= 1" ""
fi
