#!/usr/bin/env bash
# import: `nudge lead import` of a 100,000-row CRM-style CSV into a fresh home.
. "$(dirname "$0")/lib.sh"
N=${BENCH_IMPORT_ROWS:-100000}
csv=$BENCH_CACHE/leads-$N.csv
[ -s "$csv" ] || python3 "$REPO/bench/gen_csv.py" "$N" "$csv"
h=$BENCH_TMP/import
nudge_home "$h"
t0=$(date +%s%N)
/usr/bin/time -f '%M' -o "$BENCH_TMP/import.rss" \
	"$NUDGE" -c "$h/config" --now "$BENCH_NOW" lead import "$csv" >"$BENCH_TMP/import.out" 2>&1
rc=$?
ms=$(ms_since "$t0")
if [ $rc != 0 ]; then
	result import "lead import ${N} rows" "" "" "< 2 s" "FAILED (exit $rc): $(tail -1 "$BENCH_TMP/import.out")"
	exit 0
fi
secs=$(awk -v m="$ms" 'BEGIN { printf "%.2f", m / 1000 }')
result import "lead import ${N} rows (wall)" "$secs" s "< 2 s" "$(awk -v m="$ms" -v n="$N" 'BEGIN { printf "%.0f rows/s", n * 1000 / m }')"
result import "lead import peak RSS" "$(( $(tail -1 "$BENCH_TMP/import.rss") / 1024 ))" MB "-" ""
note "import: $(tail -1 "$BENCH_TMP/import.out")"
