#!/usr/bin/env bash
# render: template renders per second (tests/unit/test_template --bench).
. "$(dirname "$0")/lib.sh"
N=${BENCH_RENDER_N:-1000000}
if ! build_helper tests/unit/test_template; then
	result render "renders of templates/1.email" "" "" ">= 100000" "cannot build tests/unit/test_template in $BUILD"
	exit 0
fi
out=$(top_srcdir=$REPO taskset -c "$(one_cpu)" "$BUILD/tests/unit/test_template" --bench "$N" 2>&1)
rate=$(printf '%s\n' "$out" | sed -n 's/.*: \([0-9]*\) renders\/second.*/\1/p')
if [ -n "$rate" ]; then
	result render "renders/s of 1.email (1 core)" "$rate" "/s" ">= 100000" "$N renders"
else
	result render "renders/s of 1.email (1 core)" "" "" ">= 100000" "FAILED: $out"
fi
