#!/usr/bin/env bash
# import.sh - import_csv() writes a new lead exactly as `lead add` does (the
# same status, touches, timeline) and keeps the strict rules (the bulk
# transaction's relaxed checks are tested in test_store).
. "$(dirname "$0")/../lib.sh"
: "${NUDGE:=$top_builddir/nudge}"
export NUDGE_DATADIR=${NUDGE_DATADIR:-$top_srcdir}
[ -x "$NUDGE" ] || fail "no nudge binary at $NUDGE"
command -v python3 >/dev/null || skip "python3 is needed to compare the JSON"
D=$TEST_TMP/home
export NUDGE_CONFIG=$D/config
unset NUDGE_NOW
nudge() { "$NUDGE" --now 2026-11-25T10:00 "$@"; }
nudge init "$D" --from "Sam Sales <sales@example.test>" --tz America/Denver >/dev/null ||
	fail "nudge init"

# the shape of a lead: what lead show --json says, without what must differ
shape() {
	nudge lead show "$1" --json | python3 -c '
import json, sys
j = json.load(sys.stdin)
def scrub(x):
    if isinstance(x, dict):
        return {k: scrub(v) for k, v in x.items()
                if k not in ("id", "lead_id", "email", "source", "domain")
                and not (isinstance(v, str) and "import" in v)
                and not (isinstance(v, str) and "added by hand" in v)}
    if isinstance(x, list):
        return [scrub(v) for v in x]
    return x
print(json.dumps(scrub(j), sort_keys=True))'
}

check "lead add" nudge lead add byhand@a.example --name "Ann Hand" --company A
printf 'Email,Name,Company\nbyfile@a.example,Ann Hand,A\n' >"$TEST_TMP/one.csv"
check "lead import" nudge lead import "$TEST_TMP/one.csv"
shape byhand@a.example >"$TEST_TMP/hand.json"
shape byfile@a.example >"$TEST_TMP/file.json"
check "import writes what lead add writes (status, touches, timeline)" \
	cmp "$TEST_TMP/hand.json" "$TEST_TMP/file.json"
check "...and the shape is not empty (touches, events)" \
	grep -q '"channel": "call"' "$TEST_TMP/file.json"
check "the timeline says enrolled and scheduled" bash -c \
	"'$NUDGE' lead show byfile@a.example | grep -q 'scheduled' && '$NUDGE' lead show byfile@a.example | grep -q 'enrolled'"

# strict rows: each bad one named, the rest imported, exit 65
cat >"$TEST_TMP/mixed.csv" <<'CSV'
Email,First Name,Last Name,Time Zone,Deal Size
good1@b.example,Bea,One,Europe/Berlin,"$1,000"
not-an-address,Bad,Row,,
good2@b.example,Bo,Two,,
GOOD1@b.example,Dup,Row,,
tz@b.example,Tz,Bad,Mars/Base,
gone@b.example,Gone,Away,,
CSV
python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO suppression (entry, reason, at) VALUES (?, ?, 0)", ("gone@b.example", "unsubscribed"))
db.commit()' "$D/nudge.db" || fail "cannot add a suppression entry"
nudge lead import "$TEST_TMP/mixed.csv" >"$TEST_TMP/mixed.out" 2>"$TEST_TMP/mixed.err"
rc=$?
check "a skipped row makes exit 65" test "$rc" = 65
check "the bad address is named at its line" grep -q 'mixed.csv:3: invalid email address' "$TEST_TMP/mixed.err"
check "the duplicate names its first line" grep -q 'already on line 2' "$TEST_TMP/mixed.err"
check "the bad zone is named" grep -q 'mixed.csv:6: unknown time zone' "$TEST_TMP/mixed.err"
check "the good rows are imported" bash -c \
	"'$NUDGE' lead show good1@b.example --json | grep -q '\"last_name\":\"One\"' && '$NUDGE' lead show good2@b.example >/dev/null"
check "a suppressed address that is no lead is skipped, with why" \
	grep -q 'mixed.csv:7: gone@b.example is suppressed (unsubscribed)' "$TEST_TMP/mixed.err"
check "... and not enrolled" not nudge lead show gone@b.example
check "the name is made of first and last" bash -c \
	"'$NUDGE' lead show good2@b.example --json | grep -q '\"name\":\"Bo Two\"'"
check "a custom field keeps its commas" bash -c \
	"'$NUDGE' lead show good1@b.example --json | grep -q '1,000'"

check "re-import updates in place" bash -c \
	"'$NUDGE' --now 2026-11-25T10:00 lead import '$TEST_TMP/one.csv' | grep -q '0 added, 1 updated'"
# the same address twice in a file of existing leads: the first row updates,
# the later ones are skipped and named with the first line, even from a pipe
cat >"$TEST_TMP/again.csv" <<'CSV'
Email,First Name,Company
good2@b.example,Bo,First Co
good1@b.example,Bea,Beta
Good2@B.example,Bo,Second Co
good2@b.example,Bo,Third Co
CSV
nudge lead import "$TEST_TMP/again.csv" >"$TEST_TMP/again.out" 2>"$TEST_TMP/again.err"
rc=$?
check "re-import with a repeated address: exit 65" test "$rc" = 65
check "... two updated, two skipped" grep -q '0 added, 2 updated.*2 skipped\|2 skipped.*0 added, 2 updated' "$TEST_TMP/again.out" "$TEST_TMP/again.err"
check "... each later row named with the first line" bash -c \
	"grep -qi 'again.csv:4: good2@b.example is already on line 2' '$TEST_TMP/again.err' && grep -q 'again.csv:5: good2@b.example is already on line 2' '$TEST_TMP/again.err'"
check "... the first row's values are kept" bash -c \
	"'$NUDGE' lead show good2@b.example --json | grep -q 'First Co'"
check "... from a pipe (no second reading), the row is still skipped and said" bash -c \
	"cat '$TEST_TMP/again.csv' | '$NUDGE' lead import - 2>&1 | grep -q 'stdin:4: good2@b.example is already earlier in this file'"
check "a duplicate column imports nothing" bash -c \
	"printf 'Email,E-mail\nx@c.example,y@c.example\n' >'$TEST_TMP/dup.csv'; '$NUDGE' lead import '$TEST_TMP/dup.csv'; test \$? = 65 && ! '$NUDGE' lead show x@c.example >/dev/null 2>&1"

# due selection per zone (the sending window's opening is computed once per
# zone): at 10:00 in Denver the window is open in New York and Denver, shut
# in Berlin (18:00) and Tokyo (02:00)
D2=$TEST_TMP/zones
"$NUDGE" init "$D2" --from "Sam Sales <sales@example.test>" --tz America/Denver \
	--phone "+1 303 555 0100" >/dev/null ||
	fail "nudge init (zones)"
{
	echo "Email,First Name,Company,Time Zone"
	for i in 1 2 3; do
		echo "ber$i@z.example,Bea,Zed,Europe/Berlin"
		echo "nyc$i@z.example,Nick,Zed,America/New_York"
		echo "tyo$i@z.example,Toshi,Zed,Asia/Tokyo"
		echo "den$i@z.example,Dana,Zed,"
	done
} >"$TEST_TMP/zones.csv"
check "leads in four zones imported" bash -c \
	"'$NUDGE' -c '$D2/config' --now 2026-11-25T10:00 lead import '$TEST_TMP/zones.csv' | grep -q '12 added'"
"$NUDGE" -c "$D2/config" --now 2026-11-25T10:00 tick --dry-run --no-sync --no-throttle \
	>"$TEST_TMP/zones.out" 2>&1
check "open zones are sent to (New York, Denver)" bash -c \
	"test \$(grep -c 'would send stage 1 to \\(nyc\\|den\\)' '$TEST_TMP/zones.out') = 6"
check "shut zones wait (Berlin, Tokyo)" not grep -q 'would send stage 1 to \(ber\|tyo\)' "$TEST_TMP/zones.out"
finish
