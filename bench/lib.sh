# lib.sh - sourced by bench/bench_*.sh (run.sh exports what they need).
#
#   REPO         the source tree (bench/..)
#   NUDGE        the nudge binary under test (absolute)
#   BUILD        its build directory (helpers such as tests/tools/smtp_test and
#                tests/unit/test_template are made there on demand)
#   BENCH_TMP    a scratch directory for this run (removed by run.sh)
#   BENCH_CACHE  generated inputs kept between runs (default /tmp/nudge-bench-cache)
#   BENCH_RESULTS  the file result() appends to
#   BENCH_NOW    the simulated "now" of every nudge command (a Wednesday morning)
#
# result BENCH WHAT VALUE UNIT TARGET NOTE
#   one row of the final table; TARGET is e.g. "< 2 s" or ">= 20000" (or "-"):
#   the verdict column says "ok" or "MISS" - informational only, never an error.
# note TEXT      a line printed under the table (caveats, plans, explanations)
# ms_since T0    milliseconds since T0 (a `date +%s%N` value)
# build_helper TARGET   make TARGET in $BUILD unless it exists; 1 if impossible
# median N...    the median of its numeric arguments
set -u
: "${REPO:?run bench/run.sh}" "${NUDGE:?}" "${BUILD:?}" "${BENCH_TMP:?}" "${BENCH_RESULTS:?}"
: "${BENCH_CACHE:=/tmp/nudge-bench-cache}"
: "${BENCH_NOW:=2026-11-25T10:00}"
export NUDGE_DATADIR=${NUDGE_DATADIR:-$REPO}
unset NUDGE_NOW NUDGE_CONFIG
PATH=$PATH:/usr/sbin:/sbin
mkdir -p "$BENCH_CACHE"

# verdict VALUE TARGET
verdict() {
	awk -v v="$1" -v t="$2" 'BEGIN {
		n = split(t, a, " ")
		if (v == "" || v !~ /^[0-9.]+$/ || n < 2) { print "-"; exit }
		op = a[1]; x = a[2] + 0; v += 0
		ok = (op == "<" && v < x) || (op == "<=" && v <= x) ||
		     (op == ">" && v > x) || (op == ">=" && v >= x)
		print ok ? "ok" : "MISS" }'
}

result() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" \
		"$(verdict "$3" "$5")" "${6:-}" >>"$BENCH_RESULTS"
	printf '  %-10s %-34s %s %s (target %s) %s\n' "$1" "$2" "$3" "$4" "$5" "${6:-}" >&2
}

note() { printf 'NOTE\t%s\n' "$*" >>"$BENCH_RESULTS"; printf '  note: %s\n' "$*" >&2; }

ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

build_helper() {
	[ -x "$BUILD/$1" ] && return 0
	[ -f "$BUILD/Makefile" ] || return 1
	make -C "$BUILD" "$1" >"$BENCH_TMP/make-${1//\//_}.log" 2>&1
}

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# nudge_home DIR: a fresh `nudge init` directory (salesperson in America/Denver)
nudge_home() {
	rm -rf "$1"
	"$NUDGE" init "$1" --from "Sam Sales <sales@example.test>" --tz America/Denver --phone "+1 303 555 0100" </dev/null >/dev/null
}

# one_cpu: the CPU benchmarks' clients are pinned to (the last one)
one_cpu() { echo $(($(nproc) - 1)); }
