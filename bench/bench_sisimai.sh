#!/usr/bin/env bash
# sisimai: nudge's bounce grading and speed against Sisimai, the reference
# bounce parser (Debian's libsisimai-perl).
#
# 1. Grading: Sisimai (sisimai_grade.pl) and `nudge classify --json` over every
#    file of shared/corpus/bounces/; on the files where Sisimai gives a hard or
#    soft verdict, how often nudge's class (bounce_hard / bounce_soft) agrees,
#    and the disagreements by Sisimai's reason (sisimai_compare.py).  Also
#    against the sisimai_hard column of the corpus' labels.tsv (the verdicts of
#    the Sisimai release the corpus was labelled with).
# 2. Speed: the whole bounce corpus BENCH_SISIMAI_PASSES times over (default 5)
#    as ONE process, whole process (start-up included): `nudge classify FILES...`
#    against `perl sisimai_grade.pl time FILES...` (Sisimai->make/rise on each),
#    median of 3 wall times, both pinned to the same CPU; the ratio.
. "$(dirname "$0")/lib.sh"
CORPUS=${BENCH_CORPUS:-$REPO/../shared/corpus}
[ -f "$CORPUS/labels.tsv" ] || CORPUS=/work/shared/corpus
if [ ! -d "$CORPUS/bounces" ]; then
	result sisimai "agreement with Sisimai" "" "" ">= 95" "no corpus (set BENCH_CORPUS to shared/corpus)"
	exit 0
fi
if ! perl -MSisimai -e 1 2>/dev/null; then
	result sisimai "agreement with Sisimai" "" "" ">= 95" "Sisimai missing: apt-get install libsisimai-perl"
	result sisimai "speed vs Sisimai" "" "" ">= 20" "Sisimai missing"
	exit 0
fi
here=$(cd "$(dirname "$0")" && pwd)
sisver=$(perl -MSisimai -e 'print $Sisimai::VERSION')
home=$BENCH_TMP/sisimai-home
nudge_home "$home"
nudge() { "$NUDGE" -c "$home/config" --now "$BENCH_NOW" "$@"; }
files=("$CORPUS"/bounces/*.eml)
cpu=$(one_cpu)

# 1. grading
perl "$here/sisimai_grade.pl" grade "${files[@]}" >"$BENCH_TMP/sisimai.tsv" 2>"$BENCH_TMP/sisimai.err"
nudge classify --json "${files[@]}" >"$BENCH_TMP/nudge-bounces.json" 2>"$BENCH_TMP/nudge-bounces.err"
python3 "$here/sisimai_compare.py" "$BENCH_TMP/sisimai.tsv" "$BENCH_TMP/nudge-bounces.json" \
	"$CORPUS/labels.tsv" "$CORPUS" >"$BENCH_TMP/sisimai-report.txt" 2>&1
sed 's/^/    /' "$BENCH_TMP/sisimai-report.txt" >&2
pct() { awk -v a="$1" -v n="$2" 'BEGIN { if (n > 0) printf "%.1f", 100 * a / n }'; }
read -r _ a1 n1 < <(grep '^agree-installed ' "$BENCH_TMP/sisimai-report.txt")
read -r _ a2 n2 < <(grep '^agree-labels ' "$BENCH_TMP/sisimai-report.txt")
read -r _ a3 n3 < <(grep '^label-class ' "$BENCH_TMP/sisimai-report.txt")
top=$(sed -n '/^vs installed/,/^$/p' "$BENCH_TMP/sisimai-report.txt" | awk 'NR > 1 && NF { printf "%s%s %s->%s %s", sep, $1, $2, $5, $6; sep = ", " }')
result sisimai "hard/soft agrees w/ Sisimai $sisver" "$(pct "${a1:-0}" "${n1:-0}")" "%" ">= 95" \
	"${a1:-?}/${n1:-?} files Sisimai grades; by reason: ${top:-none}"
result sisimai "... w/ labels' sisimai_hard" "$(pct "${a2:-0}" "${n2:-0}")" "%" ">= 95" \
	"${a2:-?}/${n2:-?} (the corpus' own Sisimai verdicts)"
result sisimai "bounces/ class = corpus label" "$(pct "${a3:-0}" "${n3:-0}")" "%" "-" "${a3:-?}/${n3:-?}"

# 2. speed: the same files, PASSES times over, one process each
passes=${BENCH_SISIMAI_PASSES:-5}
many=()
for ((i = 0; i < passes; i++)); do many+=("${files[@]}"); done
wall() { # wall ms and CPU ms of one whole process: "WALL CPU"
	local t0 ms
	t0=$(date +%s%N)
	/usr/bin/time -f '%U %S' -o "$BENCH_TMP/time.out" taskset -c "$cpu" "$@" >/dev/null 2>>"$BENCH_TMP/speed.err"
	ms=$(ms_since "$t0")
	echo "$ms $(awk '{ printf "%d", ($1 + $2) * 1000 }' "$BENCH_TMP/time.out")"
}
nw=() nc=() sw=() sc=()
for _ in 1 2 3; do
	read -r w c < <(wall "$NUDGE" -c "$home/config" --now "$BENCH_NOW" classify "${many[@]}")
	nw+=("$w") nc+=("$c")
	read -r w c < <(wall perl "$here/sisimai_grade.pl" time "${many[@]}")
	sw+=("$w") sc+=("$c")
done
n_ms=$(median "${nw[@]}") s_ms=$(median "${sw[@]}")
n_cpu=$(median "${nc[@]}") s_cpu=$(median "${sc[@]}")
nfiles=${#many[@]}
ratio=$(awk -v s="$s_ms" -v n="$n_ms" 'BEGIN { if (n > 0) printf "%.1f", s / n }')
cratio=$(awk -v s="$s_cpu" -v n="$n_cpu" 'BEGIN { if (n > 0) printf "%.1f", s / n; else print "inf" }')
result sisimai "nudge classify, $nfiles files" "$n_ms" "ms" "-" "wall, 1 process, median of 3 (${nw[*]}); CPU $n_cpu ms"
result sisimai "Sisimai $sisver, same files" "$s_ms" "ms" "-" "wall, 1 perl process, median of 3 (${sw[*]}); CPU $s_cpu ms"
result sisimai "speed: Sisimai time / nudge time" "$ratio" "x" ">= 20" "wall; by CPU time ${cratio}x; $passes passes over ${#files[@]} files"
note "sisimai: the corpus is public and nudge's rules were written with it in view, so it is not the held-back set issue 9 asks for; Sisimai $sisver is Debian's (the labels' sisimai_hard come from a newer release)"
