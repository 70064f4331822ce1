#!/usr/bin/env bash
# import: `nudge lead import` of a CRM-style CSV into a fresh home, against
# the sqlite3 shell's `.import --csv` of the same file (one table, no index:
# the floor of "reading the CSV into SQLite"), median of BENCH_IMPORT_RUNS.
# Then the same at BENCH_IMPORT_BIG rows (growth: linear means 10x the rows
# take about 10x the time).
. "$(dirname "$0")/lib.sh"
N=${BENCH_IMPORT_ROWS:-100000}
BIG=${BENCH_IMPORT_BIG:-1000000}
RUNS=${BENCH_IMPORT_RUNS:-3}
SQLITE3=$(command -v sqlite3)

# import_once CSV: wall ms of one import into a fresh home (peak RSS in
# $BENCH_TMP/import.rss); "" when it failed
import_once() {
	local h=$BENCH_TMP/import t0 rc
	nudge_home "$h"
	sync
	t0=$(date +%s%N)
	/usr/bin/time -f '%M' -o "$BENCH_TMP/import.rss" \
		"$NUDGE" -c "$h/config" --now "$BENCH_NOW" lead import "$1" >"$BENCH_TMP/import.out" 2>&1
	rc=$?
	[ $rc = 0 ] && ms_since "$t0"
}

# sqlite_once CSV: wall ms of sqlite3 .import --csv into a new database
sqlite_once() {
	local db=$BENCH_TMP/ref.db t0
	rm -f "$db"
	sync
	t0=$(date +%s%N)
	"$SQLITE3" "$db" ".import --csv $1 leads" >/dev/null 2>&1 || return 1
	ms_since "$t0"
	rm -f "$db"
}

# measure ROWS: median times of nudge and sqlite3; prints "NUDGE_MS SQLITE_MS RSS_MB"
measure() {
	local rows=$1 csv=$BENCH_CACHE/leads-$1.csv t ts=() ss=() rss=0 r
	[ -s "$csv" ] || python3 "$REPO/bench/gen_csv.py" "$rows" "$csv"
	for ((r = 0; r < RUNS; r++)); do
		t=$(import_once "$csv") || { echo "FAILED"; return; }
		ts+=("$t")
		m=$(($(tail -1 "$BENCH_TMP/import.rss") / 1024))
		[ "$m" -gt "$rss" ] && rss=$m
		if [ -n "$SQLITE3" ]; then
			t=$(sqlite_once "$csv") && ss+=("$t")
		fi
	done
	if [ ${#ss[@]} -gt 0 ]; then t=$(median "${ss[@]}"); else t=-; fi
	echo "$(median "${ts[@]}") $t $rss"
	echo "  ($rows rows: nudge ${ts[*]} ms; sqlite3 ${ss[*]:-n/a} ms)" >&2
}

read -r n_ms s_ms rss <<<"$(measure "$N")"
if [ "$n_ms" = FAILED ]; then
	result import "lead import ${N} rows" "" "" "< 2 s" "FAILED: $(tail -1 "$BENCH_TMP/import.out")"
	exit 0
fi
result import "lead import ${N} rows (wall, median of $RUNS)" "$(awk -v m="$n_ms" 'BEGIN { printf "%.2f", m / 1000 }')" s "< 2 s" \
	"$(awk -v m="$n_ms" -v n="$N" 'BEGIN { printf "%.0f rows/s", n * 1000 / m }')"
if [ "$s_ms" != - ]; then
	result import "sqlite3 .import --csv ${N} rows" "$(awk -v m="$s_ms" 'BEGIN { printf "%.2f", m / 1000 }')" s "-" "reference, same run"
	result import "ratio nudge / sqlite3 .import" "$(awk -v a="$n_ms" -v b="$s_ms" 'BEGIN { printf "%.1f", a / b }')" x "<= 3" ""
else
	note "import: no sqlite3 shell (apt-get install sqlite3) - no reference"
fi
result import "lead import peak RSS" "$rss" MB "-" ""
note "import: $(tail -1 "$BENCH_TMP/import.out")"

# the floor on nudge's schema: the sqlite3 shell itself writing the rows nudge
# writes for this file (lead, custom fields, events, touches, notes),
# set-based, into a fresh `nudge init` database (import_floor.sql)
if [ "$s_ms" != - ]; then
	fl=()
	for ((r = 0; r < RUNS; r++)); do
		nudge_home "$BENCH_TMP/floor"
		sync
		t0=$(date +%s%N)
		sed "s#@CSV@#$BENCH_CACHE/leads-$N.csv#" "$REPO/bench/import_floor.sql" |
			"$SQLITE3" "$BENCH_TMP/floor/nudge.db" >/dev/null 2>&1 || break
		fl+=("$(ms_since "$t0")")
	done
	if [ ${#fl[@]} = "$RUNS" ]; then
		f_ms=$(median "${fl[@]}")
		result import "sqlite3 writing nudge's rows, ${N} rows" "$(awk -v m="$f_ms" 'BEGIN { printf "%.2f", m / 1000 }')" s "-" \
			"floor on this schema (import_floor.sql); runs: ${fl[*]} ms"
		result import "ratio nudge / that floor" "$(awk -v a="$n_ms" -v b="$f_ms" 'BEGIN { printf "%.1f", a / b }')" x "-" \
			"the floor is $(awk -v a="$f_ms" -v b="$s_ms" 'BEGIN { printf "%.1f", a / b }') x sqlite3 .import"
	fi
fi

if [ "$BIG" -gt 0 ]; then
	read -r b_ms bs_ms brss <<<"$(measure "$BIG")"
	if [ "$b_ms" = FAILED ]; then
		result import "lead import ${BIG} rows" "" "" "-" "FAILED: $(tail -1 "$BENCH_TMP/import.out")"
		exit 0
	fi
	result import "lead import ${BIG} rows (wall, median of $RUNS)" "$(awk -v m="$b_ms" 'BEGIN { printf "%.2f", m / 1000 }')" s "-" \
		"$(awk -v m="$b_ms" -v n="$BIG" 'BEGIN { printf "%.0f rows/s", n * 1000 / m }')"
	result import "growth: time ${BIG} / ${N} rows" "$(awk -v a="$b_ms" -v b="$n_ms" 'BEGIN { printf "%.1f", a / b }')" x \
		"<= $((BIG / N))" "linear = $((BIG / N))"
	if [ "$bs_ms" != - ]; then
		result import "ratio nudge / sqlite3, ${BIG} rows" "$(awk -v a="$b_ms" -v b="$bs_ms" 'BEGIN { printf "%.1f", a / b }')" x "-" ""
	fi
	result import "lead import ${BIG} rows peak RSS" "$brss" MB "-" ""
fi
