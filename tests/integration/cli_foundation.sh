#!/usr/bin/env bash
# cli_foundation.sh - the foundation commands end to end on a temp directory:
# init, lead add/import/list/show/note/pause/resume/retire, agenda over the
# 1-2-3-4-5-X dates, log, export csv round trip, and clear errors on bad input.
. "$(dirname "$0")/../lib.sh"
: "${NUDGE:=$top_builddir/nudge}"
export NUDGE_DATADIR=${NUDGE_DATADIR:-$top_srcdir}
[ -x "$NUDGE" ] || fail "no nudge binary at $NUDGE"
D=$TEST_TMP/home
export NUDGE_CONFIG=$D/config
unset NUDGE_NOW
nudge() { ${NUDGE_WRAP:-} "$NUDGE" "$@"; }
# agenda_has DATE STAGE CHANNEL: the JSON agenda of DATE lists that item for jane
agenda_has() {
	nudge --now "$1T10:00" agenda --json | python3 -c '
import json, sys
items = json.load(sys.stdin)
sys.exit(0 if any(i["email"] == "jane@acme.example" and i["stage"] == sys.argv[1]
                  and i["channel"] == sys.argv[2] for i in items) else 1)' "$2" "$3"
}
due_of() { nudge lead show jane@acme.example --json | python3 -c 'import json,sys; print((json.load(sys.stdin)["next_due"] or "-")[:10])'; }

check "init creates config, db, templates, rules" \
	nudge init "$D" --from "Lenann Gardner <lenann@example.test>" --tz America/Denver
check "config is 0600" test "$(stat -c %a "$D/config")" = 600
check "database is 0600" test "$(stat -c %a "$D/nudge.db")" = 600
echo "# my edit" >>"$D/templates/1.email"
check "init again keeps the user's files" bash -c "'$NUDGE' init '$D' && grep -q '# my edit' '$D/templates/1.email'"
check "init in a build tree without NUDGE_DATADIR finds the source tree's templates and rules" bash -c "
	env -u NUDGE_DATADIR '$NUDGE' init '$TEST_TMP/nodatadir' --from 'a <a@b.example>' --phone 1 </dev/null >/dev/null &&
	test -f '$TEST_TMP/nodatadir/templates/1.email' && test -f '$TEST_TMP/nodatadir/rules/sequence-12345x.conf'"
# the exact dates of 1-2-3-4-5-X: every touch at the start of its day, no
# public holidays (the varied plan and the country calendars are timing.sh's)
echo "vary_times off" >>"$D/config"
echo "country_holidays off" >>"$D/config"

check "lead add" nudge --now 2026-01-07T09:00 lead add jane@acme.example \
	--name "Jane Doe" --company Acme --phone "+1 555 0100" --set deal_size=5000 --note "met at expo"
check "first name taken from the name" bash -c "'$NUDGE' lead show jane@acme.example --json | grep -q '\"first_name\":\"Jane\"'"
check "duplicate (other case) refused with EX_DATAERR" bash -c "'$NUDGE' lead add JANE@acme.example; test \$? = 65"
check "invalid email refused" bash -c "'$NUDGE' lead add not-an-email; test \$? = 65"
check "bad time zone refused" bash -c "'$NUDGE' lead add x@y.example --tz Mars/Base 2>&1 | grep -q 'unknown time zone'"

# the 1-2-3-4-5-X dates from Wed 2026-01-07, each stage done (email logged) on its due day
check "stage 1 on the agenda at enrolment" agenda_has 2026-01-07 1 email
check "stage 1 call task on the agenda" agenda_has 2026-01-07 1 call
prev=2026-01-07
for want in "2 2026-01-09" "3 2026-01-14" "4 2026-01-20" "5 2026-01-27" "X1 2026-02-27" "X2 2026-03-27"; do
	set -- $want
	nudge --now "${prev}T11:00" log jane@acme.example email >/dev/null
	check "stage $1 due $2" test "$(due_of)" = "$2"
	check "stage $1 not on the agenda the day before" not agenda_has "$(date -d "$2 - 1 day" +%F)" "$1" email
	check "stage $1 on the agenda on $2" agenda_has "$2" "$1" email
	prev=$2
done
check "handwritten note task of stage 2 skipped, unlogged after the grace" bash -c "'$NUDGE' lead show jane@acme.example | grep -Eq '^  2 +note +skipped'"
check "log --connected stops the sequence" bash -c "'$NUDGE' --now 2026-03-27T12:00 log jane@acme.example call --connected --note 'wants a demo' | grep -q engaged"
check "engaged lead has nothing on the agenda" not agenda_has 2026-04-30 X3 email
check "lead show has notes and timeline" bash -c "'$NUDGE' lead show jane@acme.example | grep -q 'wants a demo' && '$NUDGE' lead show jane@acme.example | grep -q 'active -> engaged'"

# pause / resume / retire
nudge --now 2026-01-07T09:00 lead add bob@beta.example --name "Bob Stone" >/dev/null
check "pause until a date" nudge --now 2026-01-07T10:00 lead pause bob@beta.example --until 2026-01-12
check "paused lead not on the agenda" bash -c "! '$NUDGE' --now 2026-01-08T10:00 agenda --json | grep -q bob@beta"
check "resumes by itself when the pause ends" bash -c "'$NUDGE' --now 2026-01-12T10:00 agenda --json | grep -q bob@beta"
check "pause without a date: nothing due while paused" bash -c "nudge --now 2026-01-13T10:00 lead pause bob@beta.example >/dev/null && ! nudge --now 2026-01-14T10:00 agenda --json | grep -q bob@beta"
check "... resume by hand: the same stage is due again" bash -c "nudge --now 2026-01-20T10:00 lead resume bob@beta.example >/dev/null && nudge --now 2026-01-20T10:00 agenda --json | grep -q bob@beta"
check "retire" nudge lead retire bob@beta.example --reason "left the company"
check "retired lead shows as retired" bash -c "'$NUDGE' lead list --status retired | grep -q bob@beta"

# CSV import: CRM headers, BOM, CRLF, quotes, embedded newline, bad rows with line numbers
printf '\xef\xbb\xbfEmail Address,First Name,Last Name,Company,Phone Number,Time Zone,Deal Size\r\n' >"$TEST_TMP/in.csv"
printf 'ann@beta.example,Ann,Lee,Beta,"+1 555, 0101",Europe/Berlin,100\r\n' >>"$TEST_TMP/in.csv"
printf 'not-an-email,X,Y,Z,,,\r\n' >>"$TEST_TMP/in.csv"
printf '"carl@gamma.example","Carl","O""Neil","Gamma\nInc",,,5\r\n' >>"$TEST_TMP/in.csv"
printf 'dina@delta.example,Dina,,Delta,,Mars/Base,1\r\n' >>"$TEST_TMP/in.csv"
printf "eve@eps.example,Eve,,\"'); DROP TABLE leads;--\",,,\r\n" >>"$TEST_TMP/in.csv"
nudge --now 2026-01-07T09:00 lead import "$TEST_TMP/in.csv" >"$TEST_TMP/import.out" 2>"$TEST_TMP/import.err"
check "import counts" grep -q '3 added, 0 updated, 2 skipped' "$TEST_TMP/import.out"
check "bad email reported with its line" grep -q 'in.csv:3: invalid email' "$TEST_TMP/import.err"
check "bad zone reported with its line (after a quoted newline)" grep -q 'in.csv:6: unknown time zone' "$TEST_TMP/import.err"
check "quoted quote and newline kept" bash -c "'$NUDGE' lead show carl@gamma.example | grep -q \"Carl O\\\"Neil\""
check "SQL-looking text stored as text" bash -c "'$NUDGE' lead show eve@eps.example | grep -q 'DROP TABLE leads'"
check "custom column kept" bash -c "'$NUDGE' lead show ann@beta.example --json | grep -q '\"deal_size\":\"100\"'"
printf 'Email Address,Company\nANN@beta.example,Beta GmbH\n' >"$TEST_TMP/again.csv"
check "re-import updates, never duplicates" bash -c "'$NUDGE' lead import '$TEST_TMP/again.csv' | grep -q '0 added, 1 updated' && test \$('$NUDGE' lead list --json | grep -c ann@beta) = 1"
check "import with no email column refused" bash -c "printf 'Name\nX\n' >'$TEST_TMP/noemail.csv'; '$NUDGE' lead import '$TEST_TMP/noemail.csv'; test \$? = 65"
check "--map names a column" bash -c "printf 'Kontakt,Firma\nmap@m.example,M\n' >'$TEST_TMP/map.csv'; '$NUDGE' lead import --map Kontakt=email --map Firma=company '$TEST_TMP/map.csv' | grep -q '1 added'"
nudge lead retire ann@beta.example >/dev/null
nudge lead add sup@sup.example >/dev/null
check "export csv" nudge export csv "$TEST_TMP/out.csv"
cp "$D/nudge.db" "$TEST_TMP/before.db"
rm -f "$D"/nudge.db*
nudge init "$D" >/dev/null
check "export round-trips through import" bash -c "'$NUDGE' lead import '$TEST_TMP/out.csv' >/dev/null && '$NUDGE' export csv | cut -d, -f1-9 | sort >'$TEST_TMP/b.csv' && cut -d, -f1-9 '$TEST_TMP/out.csv' | sed 's/,import [^,]*,/,,/' | sort >'$TEST_TMP/a.csv' && test \$(wc -l <'$TEST_TMP/b.csv') = \$(wc -l <'$TEST_TMP/a.csv')"

# errors name the file and line; a failed command leaves the database as it was
printf 'from Me <me@example.test>\nbogus_key 1\n' >"$TEST_TMP/bad.conf"
check "config error names file:line" bash -c "'$NUDGE' -c '$TEST_TMP/bad.conf' agenda 2>&1 | grep -q 'bad.conf:2'; test \${PIPESTATUS[0]} = 78"
printf 'name broken\nstage 1 after zero email\n' >"$D/rules/sequence-broken.conf"
check "broken sequence refused with file:line" bash -c "'$NUDGE' lead add q@q.example --sequence broken 2>&1 | grep -q 'sequence-broken.conf:2'"
check "... and nothing was written" not bash -c "'$NUDGE' lead list | grep -q q@q.example"
check "unknown command is a usage error" bash -c "'$NUDGE' frobnicate; test \$? = 64"
check "--help on every command" bash -c "for c in init lead agenda log export; do '$NUDGE' \$c --help | grep -q usage || exit 1; done"
check "bad --now is a usage error" bash -c "'$NUDGE' --now yesterday agenda; test \$? = 64"
finish
