#!/usr/bin/env bash
# replytext: nudge's reply text (`classify --json` reply_text, the new text only)
# against the public reply-parser suites in shared/corpus/replies/: mailgun/talon's
# fixtures (expected texts as its tests and the corpus labels give them) and
# github/email_reply_parser's emails (its test's assertions on the visible text).
# The assertions are in replytext_expected.tsv, each marked with where it comes
# from; replytext_score.py wraps bare bodies in a minimal reply and scores.
. "$(dirname "$0")/lib.sh"
CORPUS=${BENCH_CORPUS:-$REPO/../shared/corpus}
[ -d "$CORPUS/replies" ] || CORPUS=/work/shared/corpus
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -d "$CORPUS/replies" ]; then
	result replytext "suite assertions passed" "" "" ">= 90" "no corpus (set BENCH_CORPUS to shared/corpus)"
	exit 0
fi
home=$BENCH_TMP/replytext-home
nudge_home "$home"
python3 "$here/replytext_score.py" "$here/replytext_expected.tsv" "$CORPUS/replies" \
	"$BENCH_TMP/replytext" "$NUDGE" -c "$home/config" --now "$BENCH_NOW" \
	>"$BENCH_TMP/replytext-report.txt" 2>&1
sed 's/^/    /' "$BENCH_TMP/replytext-report.txt" >&2
pct() { awk -v a="$1" -v n="$2" 'BEGIN { if (n > 0) printf "%.1f", 100 * a / n }'; }
read -r _ a n < <(grep '^assertions ' "$BENCH_TMP/replytext-report.txt")
read -r _ ea en < <(grep '^exact ' "$BENCH_TMP/replytext-report.txt")
if [ -z "${n:-}" ]; then
	result replytext "suite assertions passed" "" "" ">= 90" "FAILED: $(tail -1 "$BENCH_TMP/replytext-report.txt")"
	exit 0
fi
per=$(awk '$1 == "suite" { printf "%s%s %d/%d", sep, $2, $3, $4; sep = ", " }' "$BENCH_TMP/replytext-report.txt")
fails=$(grep -c '^FAIL ' "$BENCH_TMP/replytext-report.txt")
result replytext "suite assertions passed" "$(pct "$a" "$n")" "%" ">= 90" "$a/$n ($per)"
result replytext "exact expected texts matched" "$(pct "$ea" "$en")" "%" ">= 90" "$ea/$en, whitespace-normalised; $fails failed assertions listed above"
