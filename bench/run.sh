#!/usr/bin/env bash
# run.sh - nudge's benchmarks.  Not tests: nothing here fails on a number.
#
#   bench/run.sh [NUDGE_BINARY] [BENCH...]
#
# NUDGE_BINARY defaults to ./build/nudge relative to the repository; its
# directory is taken as the build tree (helpers such as tests/unit/test_template
# are made there on demand).  BENCH names select benchmarks (default: all):
#   import agenda render classify sisimai replytext send imap latency
# (latency = reply-to-stop latency and idle CPU of `nudge run`, ~2 min;
# sisimai = bounce grading and speed against Sisimai, ~1 min; replytext =
# reply text against the talon and email_reply_parser suites, a few seconds).
# A whole run takes about 9 minutes.  See bench/README.md for each one.
# Environment: BENCH_CACHE (generated inputs kept between runs, default
# /tmp/nudge-bench-cache), KEEP_TMP=1 keeps the scratch directory.
set -u
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
ALL="import agenda render classify sisimai replytext send imap latency"
KNOWN=$ALL

nudge=
sel=()
for a in "$@"; do
	case $a in
	-h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*/* | *nudge) nudge=$a ;;
	*)
		case " $KNOWN " in
		*" $a "*) sel+=("$a") ;;
		*) echo "run.sh: unknown benchmark '$a' (known: $KNOWN)" >&2; exit 64 ;;
		esac ;;
	esac
done
[ ${#sel[@]} -gt 0 ] || read -ra sel <<<"$ALL"
nudge=${nudge:-$REPO/build/nudge}
case $nudge in /*) ;; *) nudge=$(cd "$(dirname "$nudge")" && pwd)/$(basename "$nudge") ;; esac
if [ ! -x "$nudge" ]; then
	echo "run.sh: no nudge binary at $nudge (build it, or give its path)" >&2
	exit 66
fi
export REPO NUDGE=$nudge BUILD=$(dirname "$nudge")
export BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/nudge-bench.XXXXXX")
chmod 755 "$BENCH_TMP"
export BENCH_RESULTS=$BENCH_TMP/results.tsv
: >"$BENCH_RESULTS"
trap '[ "${KEEP_TMP:-0}" = 1 ] && echo "scratch kept: $BENCH_TMP" >&2 || rm -rf "$BENCH_TMP"' EXIT

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
[ -n "$cpu" ] || cpu=$(uname -m)
machine="$cpu; $(nproc) cores; $(( $(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo) / 1024 / 1024 )) GiB; Linux $(uname -r)"
version=$("$NUDGE" --version 2>/dev/null | head -1)
rev=$(git -C "$REPO" describe --always --dirty 2>/dev/null || echo "?")
start=$(date +%s)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "nudge benchmarks: ${sel[*]}" >&2
echo "machine: $machine" >&2

for b in "${sel[@]}"; do
	echo "== $b" >&2
	sync # no writeback of the previous benchmark's files during this one
	t0=$(date +%s)
	bash "$BENCH_DIR/bench_$b.sh" || echo "  ($b exited $?)" >&2
	echo "  ($b took $(( $(date +%s) - t0 )) s)" >&2
done

echo
echo "nudge benchmarks - $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $machine"
echo "nudge:   $NUDGE (${version:-?}, source $rev)"
echo "load:    $load0 at start, $(cut -d' ' -f1-3 /proc/loadavg) at end (1/5/15 min; > 0.5 means other work ran alongside)"
echo
awk -F'\t' '
	$1 == "NOTE" { notes[++nn] = $2; next }
	{ rows[++n] = $0; if (length($2) > w) w = length($2) }
	END {
		if (w < 9) w = 9
		fmt = "%-9s %-" w "s %12s %-7s %-11s %-7s %s\n"
		printf fmt, "bench", "measure", "value", "unit", "target", "verdict", "notes"
		for (i = 1; i <= n; i++) {
			split(rows[i], f, "\t")
			v = f[3] == "" ? "n/a" : f[3]
			printf fmt, f[1], f[2], v, f[4], f[5], f[6], f[7]
		}
		if (nn) print ""
		for (i = 1; i <= nn; i++) print "note: " notes[i]
	}' "$BENCH_RESULTS"
echo
echo "total time: $(( $(date +%s) - start )) s.  Verdicts are informational; benchmarks never fail."
