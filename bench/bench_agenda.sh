#!/usr/bin/env bash
# agenda: due selection on 1,000,000 leads (2,000,000 touches), 1% due today.
. "$(dirname "$0")/lib.sh"
N=${BENCH_AGENDA_LEADS:-1000000}
now_epoch=$(TZ=America/Denver date -d "$BENCH_NOW" +%s)
h=$BENCH_TMP/agenda
nudge_home "$h"
# the generated database is cached per schema (the one `nudge init` makes)
schema=$(python3 -c '
import sqlite3, sys, hashlib
db = sqlite3.connect(sys.argv[1])
s = "".join(r[0] or "" for r in db.execute("SELECT sql FROM sqlite_master ORDER BY name"))
print(hashlib.sha1(s.encode()).hexdigest()[:12])' "$h/nudge.db")
cached=$BENCH_CACHE/agenda-$N-$now_epoch-$schema.db
if [ ! -s "$cached" ]; then
	echo "  (generating $N leads: about 30 s per million, cached in $cached)" >&2
	cp "$h/nudge.db" "$cached.tmp"
	python3 "$REPO/bench/gen_db.py" "$cached.tmp" "$N" "$now_epoch" 1 || { rm -f "$cached.tmp"; exit 0; }
	mv "$cached.tmp" "$cached"
fi
rm -f "$h/nudge.db" "$h/nudge.db-wal" "$h/nudge.db-shm"
cp "$cached" "$h/nudge.db"
chmod 600 "$h/nudge.db"

echo "  EXPLAIN QUERY PLAN of DUE_SQL:" >&2
python3 "$REPO/bench/explain_due.py" "$REPO/agent/store_p.h" "$h/nudge.db" >"$BENCH_TMP/plan.txt" 2>&1
sed 's/^/    /' "$BENCH_TMP/plan.txt" >&2
full=$(sed -n 's/^full_scan_leads=//p' "$BENCH_TMP/plan.txt")
note "due query plan: $(grep -v '^full_scan' "$BENCH_TMP/plan.txt" | paste -sd';' | sed 's/;/; /g')"
result agenda "due query: full scan of leads?" "${full:-?}" "" "-" "EXPLAIN QUERY PLAN of store_p.h DUE_SQL"

# agenda --json: warm run first (page cache), then the median of 5
"$NUDGE" -c "$h/config" --now "$BENCH_NOW" agenda --json >"$BENCH_TMP/agenda.json" 2>"$BENCH_TMP/agenda.err" ||
	{ result agenda "agenda --json" "" "" "< 200 ms" "FAILED: $(tail -1 "$BENCH_TMP/agenda.err")"; exit 0; }
items=$(grep -c '"channel"' "$BENCH_TMP/agenda.json")
times=()
for i in 1 2 3 4 5; do
	t0=$(date +%s%N)
	/usr/bin/time -f '%M' -o "$BENCH_TMP/agenda.rss.$i" \
		"$NUDGE" -c "$h/config" --now "$BENCH_NOW" agenda --json >/dev/null 2>&1
	times+=("$(ms_since "$t0")")
done
rss=$(cat "$BENCH_TMP"/agenda.rss.* | sort -n | tail -1)
result agenda "agenda --json, 1M leads (median of 5)" "$(median "${times[@]}")" ms "< 200 ms" "$items items; runs: ${times[*]} ms"
result agenda "agenda --json peak RSS" "$((rss / 1024))" MB "< 50 MB" ""

# references, same run: the sqlite3 shell running the due query alone (DUE_SQL
# from store_p.h, up to the end of the day, every channel), and a plain full
# read of the leads table; medians
if command -v sqlite3 >/dev/null; then
	until=$(($(TZ=America/Denver date -d "${BENCH_NOW%T*} + 1 day" +%s) - 1))
	python3 "$REPO/bench/explain_due.py" "$REPO/agent/store_p.h" --sql "$until" >"$BENCH_TMP/due.sql"
	sqlite3 "$h/nudge.db" <"$BENCH_TMP/due.sql" >/dev/null # warm
	dt=()
	for i in 1 2 3 4 5; do
		t0=$(date +%s%N)
		sqlite3 "$h/nudge.db" <"$BENCH_TMP/due.sql" >/dev/null
		dt+=("$(ms_since "$t0")")
	done
	ft=()
	for i in 1 2 3; do
		t0=$(date +%s%N)
		sqlite3 "$h/nudge.db" "SELECT * FROM leads" >/dev/null
		ft+=("$(ms_since "$t0")")
	done
	am=$(median "${times[@]}") dm=$(median "${dt[@]}") fm=$(median "${ft[@]}")
	result agenda "sqlite3: the due query alone" "$dm" ms "-" "runs: ${dt[*]} ms"
	result agenda "sqlite3: full read of leads" "$fm" ms "-" "runs: ${ft[*]} ms"
	result agenda "ratio agenda / due query" "$(awk -v a="$am" -v b="$dm" 'BEGIN { printf "%.2f", a / b }')" x "<= 1.2" ""
	result agenda "ratio agenda / full read" "$(awk -v a="$am" -v b="$fm" 'BEGIN { printf "%.2f", a / b }')" x "<= 0.2" ""
else
	note "agenda: no sqlite3 shell (apt-get install sqlite3) - no reference"
fi

# tick --dry-run: renders every due email (no throttle so the cap of 150 does
# not stop it), capped by --max
MAX=${BENCH_TICK_MAX:-2000}
t0=$(date +%s%N)
timeout 120 "$NUDGE" -c "$h/config" --now "$BENCH_NOW" tick --dry-run --no-sync --no-throttle --max "$MAX" \
	>"$BENCH_TMP/tick.out" 2>&1
rc=$?
ms=$(ms_since "$t0")
if [ $rc = 0 ]; then
	result agenda "tick --dry-run --no-sync --max $MAX" "$ms" ms "-" "$(grep -o '[0-9]* would be sent' "$BENCH_TMP/tick.out")"
else
	result agenda "tick --dry-run --no-sync --max $MAX" "" "" "-" "FAILED/timeout (exit $rc): $(tail -1 "$BENCH_TMP/tick.out")"
fi
t0=$(date +%s%N)
timeout 120 "$NUDGE" -c "$h/config" --now "$BENCH_NOW" tick --dry-run --no-sync --no-throttle --max 1 \
	>"$BENCH_TMP/tick1.out" 2>&1
result agenda "tick --dry-run --no-sync --max 1" "$(ms_since "$t0")" ms "-" "fixed cost of a pass"
