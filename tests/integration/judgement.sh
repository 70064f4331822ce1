#!/usr/bin/env bash
# judgement.sh - nudge's judgement on the project's own labelled corpora, scored
# by shared/tools/score-classify.py (the scorer issue 9 is judged with).
#
# Sets: tests/data/judgement-lang/{dev,holdout}, tests/data/judgement-service/
# {dev,holdout} and tests/data/mail (whose labels.tsv, "file class extra", is
# rewritten into the scorer's columns first).  Each set runs
# `nudge classify --json` on every message with a throwaway `nudge init` config,
# and prints the scorer's summary line.
#
# The thresholds guard against regressions: each is a little below what the
# build of 2026-12-04 reached (class within 2 points; return dates and reply
# text within ~5 points; no harmful mistake, except one known on the service
# holdout).  JUDGEMENT_TARGETS=issue9 asks for issue 9's "must hold" numbers
# instead (class 97 %, dates 90 %, text 90 %, no harmful mistake) on every set.
#
# Skips (77) when the scorer or the shared folder ($SHARED_DIR, else
# /work/shared) or python3 is missing.
. "$(dirname "$0")/../lib.sh"
: "${NUDGE:=$top_builddir/nudge}"
[ -x "$NUDGE" ] || fail "no nudge binary at $NUDGE"
export NUDGE_DATADIR=${NUDGE_DATADIR:-$top_srcdir}
command -v python3 >/dev/null || skip "python3 is missing (the scorer is a Python script)"
shared=${SHARED_DIR:-}
[ -n "$shared" ] && [ -f "$shared/tools/score-classify.py" ] || shared=/work/shared
scorer=$shared/tools/score-classify.py
[ -f "$scorer" ] || skip "no scorer: ${SHARED_DIR:-\$SHARED_DIR unset}/tools/score-classify.py and $scorer are missing (set SHARED_DIR to the shared folder)"
data=$top_srcdir/tests/data

home=$TEST_TMP/home
"$NUDGE" init "$home" --from 'S <s@x.example>' --phone 1 </dev/null >"$TEST_TMP/init.log" 2>&1 ||
	fail "nudge init: $(cat "$TEST_TMP/init.log")"
export NUDGE_CONFIG=$home/config
unset NUDGE_NOW

# tests/data/mail/labels.tsv (file, class, extra: return=|rcpt=|text=) in the
# scorer's columns; file names become absolute, so the folder is any folder.
mail=$TEST_TMP/mail
mkdir -p "$mail"
python3 - "$data/mail" "$mail/labels.tsv" <<'PY' || fail "cannot convert tests/data/mail/labels.tsv"
import os, sys
src, dst = sys.argv[1:3]
with open(dst, "w", encoding="utf-8") as out:
    out.write("file\tclass\treturn_date\tfailed_recipient\tstatus_code\texpected_reply_text\tnotes\n")
    for line in open(os.path.join(src, "labels.tsv"), encoding="utf-8"):
        f = line.rstrip("\r\n").split("\t")
        if not f[0] or f[0].startswith("#"):
            continue
        k, _, v = (f[2] if len(f) > 2 else "").partition("=")
        col = {"return": "", "rcpt": "", "text": ""}
        if k in col and v != "none":
            col[k] = v
        out.write("\t".join([os.path.join(src, f[0]), f[1], col["return"], col["rcpt"], "",
                             col["text"], "tests/data/mail"]) + "\n")
PY

# score NAME FOLDER CLASS_MIN DATES_MIN TEXT_MIN HARMFUL_MAX
# _lib_n: the number of the last check (tests/lib.sh), whose log holds the summary
score() {
	local name=$1 dir=$2 c=$3 d=$4 t=$5 h=$6
	[ -f "$dir/labels.tsv" ] || fail "$dir/labels.tsv is missing"
	if [ "${JUDGEMENT_TARGETS:-}" = issue9 ]; then c=0.97 d=0.90 t=0.90 h=0; fi
	check "$name: class >= $c, dates >= $d, text >= $t, harmful <= $h" \
		env CLASS_MIN="$c" DATES_MIN="$d" TEXT_MIN="$t" HARMFUL_MAX="$h" \
		python3 "$scorer" "$NUDGE" "$dir"
	printf '# %-26s %s\n' "$name" "$(grep '^held-out:' "$TEST_TMP/check-$_lib_n.log" | sed 's/^held-out: //')"
}

# today (2026-12-05):     class          dates       text        harmful
score judgement-lang/dev      "$data/judgement-lang/dev"      0.98 0.95 0.95 0 # 174/174 39/39 112/112 0
score judgement-lang/holdout  "$data/judgement-lang/holdout"  0.95 0.80 0.92 0 # 60/60 13/13 35/35 0
score judgement-service/dev   "$data/judgement-service/dev"   0.98 0.90 0.80 0 # 154/154 17/17 21/21 0
score judgement-service/holdout "$data/judgement-service/holdout" 0.92 0.60 0.80 0 # 54/55 5/6 12/12 0
# written by someone who never read the rules; their misses were fixed on
# 2026-12-05 (see their READMEs), so both are regression sets now
score judgement-blind         "$data/judgement-blind"         0.96 0.85 0.95 0 # 118/118 16/16 54/54 0 (no longer blind: see its README)
score judgement-blind3        "$data/judgement-blind3"        0.97 0.90 0.90 0 # 113/113 18/18 44/44 0 (first run, blind: 105/113 17/18 42/44 0)
# written after all of today's changes, never tuned on: the honest measure
score judgement-blind4        "$data/judgement-blind4"        0.93 0.85 0.90 0 # 98/104 16/17 42/44 0 (first run, blind: 98/104 15/17 42/44 0)
score tests/data/mail         "$mail"                         0.98 0.95 0.95 0 # 30/30 14/14 4/4 0
finish
