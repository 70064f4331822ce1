#!/usr/bin/env bash
# classify: mime_parse + classify messages per second over the shared corpus.
. "$(dirname "$0")/lib.sh"
CORPUS=${BENCH_CORPUS:-$REPO/../shared/corpus}
[ -f "$CORPUS/labels.tsv" ] || CORPUS=/work/shared/corpus
if [ ! -f "$CORPUS/labels.tsv" ]; then
	result classify "msgs/s" "" "" ">= 20000" "no corpus (set BENCH_CORPUS to a dir with labels.tsv)"
	exit 0
fi
bin=$BENCH_TMP/classify_bench
a=$REPO/agent
if ! cc -std=gnu11 -O2 -I"$BUILD" -I"$a" "$REPO/bench/classify_bench.c" \
	"$a"/mime*.c "$a"/classify*.c "$a/xalloc.c" "$a/log.c" "$a/clock.c" \
	-lpcre2-8 -o "$bin" >"$BENCH_TMP/classify-cc.log" 2>&1; then
	result classify "msgs/s" "" "" ">= 20000" "does not build: $(grep -m1 error "$BENCH_TMP/classify-cc.log")"
	exit 0
fi
out=$(taskset -c "$(one_cpu)" "$bin" "$REPO/rules/classify.rules" "$CORPUS" "${BENCH_CLASSIFY_SECS:-2}" 2>&1)
rate=$(printf '%s\n' "$out" | sed -n 's/.*msgs_per_s=\([0-9]*\).*/\1/p')
files=$(printf '%s\n' "$out" | sed -n 's/.*files=\([0-9]*\) bytes=\([0-9]*\).*/\1 files, \2 bytes/p')
agree=$(printf '%s\n' "$out" | sed -n 's/.*agree=\([0-9/]*\).*/\1/p')
if [ -n "$rate" ]; then
	result classify "parse+classify msgs/s (1 core)" "$rate" "/s" ">= 20000" "$files; label agreement $agree"
else
	result classify "parse+classify msgs/s (1 core)" "" "" ">= 20000" "FAILED: $out"
fi
