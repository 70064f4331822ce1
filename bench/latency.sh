#!/usr/bin/env bash
# latency.sh - reply-to-stop latency and idle CPU of `nudge run` against the
# test suite's real mail stack (Postfix + Dovecot on loopback).
#
#   ROUNDS leads (default 50) get their stage-1 email through the real
#   submission port; then `nudge run` (IMAP IDLE) is started and, one lead at a
#   time, a reply with In-Reply-To: <the sent Message-ID> is delivered to the
#   salesperson's INBOX by LMTP (mailstack.sh deliver).  The clock starts when
#   the delivery has returned (the message is in the mailbox) and stops when
#   `nudge lead show --json` says "engaged" (polled back to back: each poll is
#   one nudge process, ~12 ms - that is the resolution).  Note that Dovecot
#   itself delays IDLE notifications (about 0.5 s), so this measures the
#   whole chain a user sees, not nudge alone.
#   Idle CPU: the daemon's utime+stime from /proc/PID/stat over IDLE_SECS
#   (default 60) of doing nothing, extrapolated linearly to 10 minutes.
. "$(dirname "$0")/lib.sh"
ROUNDS=${BENCH_LATENCY_ROUNDS:-50}
IDLE_SECS=${BENCH_IDLE_SECS:-60}
top_builddir=$BUILD
. "$REPO/tests/lib.sh"
if [ "$(id -u)" != 0 ] || ! command -v dovecot >/dev/null; then
	result latency "reply-to-stop" "" "" "-" "needs root and the test mail stack (Postfix, Dovecot)"
	exit 0
fi
ms_start >"$BENCH_TMP/latency-mailstack.log" 2>&1 || { result latency "reply-to-stop" "" "" "-" "mail stack did not start"; exit 0; }
nudge_setup window "Mon-Sun 00:00-23:59" save_sent off
cfg=$NH/config
# ROUNDS leads at other domains (delivered to the sink user), stage 1 sent now
for i in $(seq "$ROUNDS"); do
	"$NUDGE" -c "$cfg" lead add "lat$i@customer$i.example.com" --first-name "Lee$i" --company "Co$i" >/dev/null ||
		{ result latency "reply-to-stop" "" "" "-" "lead add failed"; exit 0; }
done
"$NUDGE" -c "$cfg" tick --no-throttle >"$BENCH_TMP/latency-tick.log" 2>&1
sent=$(db_query "SELECT count(*) FROM touches WHERE state = 'sent'")
if [ "${sent:-0}" -lt "$ROUNDS" ]; then
	result latency "reply-to-stop" "" "" "-" "stage 1 not sent ($sent of $ROUNDS): $(tail -1 "$BENCH_TMP/latency-tick.log")"
	exit 0
fi
${BENCH_LATENCY_WRAP:-} "$NUDGE" -c "$cfg" run >"$BENCH_TMP/latency-run.log" 2>&1 &
pid=$!
at_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
sleep 2
kill -0 "$pid" 2>/dev/null || { result latency "reply-to-stop" "" "" "-" "nudge run exited: $(tail -1 "$BENCH_TMP/latency-run.log")"; exit 0; }
lat=()
timeouts=0
for i in $(seq "$ROUNDS"); do
	email=lat$i@customer$i.example.com
	mid=$(db_query "SELECT t.message_id FROM touches t JOIN leads l ON l.id = t.lead_id WHERE l.email = '$email' AND t.state = 'sent'")
	f=$BENCH_TMP/reply-$i.eml
	printf 'From: Lee %s <%s>\r\nTo: Sam Sales <sales@example.test>\r\nSubject: Re: hello\r\nDate: %s\r\nMessage-ID: <reply-%s-%s@customer%s.example.com>\r\nIn-Reply-To: %s\r\nReferences: %s\r\n\r\nSounds good - can we talk on Tuesday at 10?\r\n\r\nLee\r\n' \
		"$i" "$email" "$(date -R)" "$i" "$$" "$i" "$mid" "$mid" >"$f"
	ms deliver sales "$f"
	t0=$(date +%s%N)
	deadline=$((t0 + 10000000000))
	while :; do
		if "$NUDGE" -c "$cfg" lead show "$email" --json 2>/dev/null | grep -q '"status": *"engaged"'; then
			lat+=("$(ms_since "$t0")")
			break
		fi
		[ "$(date +%s%N)" -lt "$deadline" ] || { timeouts=$((timeouts + 1)); break; }
	done
done
if [ ${#lat[@]} -gt 0 ]; then
	worst=$(printf '%s\n' "${lat[@]}" | sort -n | tail -1)
	result latency "reply-to-stop median (${#lat[@]} rounds)" "$(median "${lat[@]}")" ms "-" "worst $worst ms; $timeouts timed out (10 s); poll = one nudge lead show (~12 ms)"
	result latency "reply-to-stop worst" "$worst" ms "-" ""
else
	result latency "reply-to-stop" "" "" "-" "no lead became engaged within 10 s ($timeouts rounds); see nudge run log"
	note "latency: nudge run log: $(tail -2 "$BENCH_TMP/latency-run.log" | paste -sd' ')"
fi
# the server's own IDLE notification delay, for comparison
out=$(timeout 60 python3 "$REPO/bench/idle_floor.py" "$MAILSTACK_IMAPS_PORT" "$MAILSTACK_CAFILE" \
	"$MAILSTACK_LMTP" alice "${BENCH_FLOOR_ROUNDS:-10}" 2>&1)
fm=$(printf '%s\n' "$out" | sed -n 's/.*median_ms=\([0-9]*\).*/\1/p')
if [ -n "$fm" ]; then
	result latency "floor: bare IDLE client, deliver->EXISTS" "$fm" ms "-" "$out (the server's own notification delay)"
else
	result latency "floor: bare IDLE client, deliver->EXISTS" "" "" "-" "FAILED: $out"
fi
# idle CPU
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
sleep 2
a=$(ticks)
sleep "$IDLE_SECS"
if kill -0 "$pid" 2>/dev/null; then
	b=$(ticks)
	ms10=$(awk -v d="$((b - a))" -v hz="$hz" -v s="$IDLE_SECS" 'BEGIN { printf "%.0f", d * 1000 / hz * 600 / s }')
	result latency "idle CPU of nudge run per 10 min" "$ms10" "ms" "-" "measured $((b - a)) ticks (1/$hz s) over ${IDLE_SECS} s idle, extrapolated x$((600 / IDLE_SECS))"
	result latency "idle RSS of nudge run" "$(awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")" MB "-" ""
else
	result latency "idle CPU" "" "" "-" "nudge run died: $(tail -1 "$BENCH_TMP/latency-run.log")"
fi
