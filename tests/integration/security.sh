#!/usr/bin/env bash
# security.sh - the findings of the security review (issue 14), end to end on a
# temp directory: each check failed before its fix.  No mail stack: the Cc
# refusal is checked at render time, before anything could be sent.
. "$(dirname "$0")/../lib.sh"
: "${NUDGE:=$top_builddir/nudge}"
export NUDGE_DATADIR=${NUDGE_DATADIR:-$top_srcdir}
[ -x "$NUDGE" ] || fail "no nudge binary at $NUDGE"
D=$TEST_TMP/home
export NUDGE_CONFIG=$D/config
unset NUDGE_NOW
nudge() { ${NUDGE_WRAP:-} "$NUDGE" "$@"; }
# exits WANT CMD...: CMD exits with status WANT
exits() { local want=$1 rc=0; shift; "$@" || rc=$?; [ "$rc" = "$want" ] || { echo "exit $rc, want $want"; return 1; }; }

nudge init "$D" --from "Lenann Gardner <lenann@example.test>" --tz America/Denver --phone "+1 303 555 0100" </dev/null >/dev/null ||
	fail "nudge init failed"

# ---- 2. a config that runs a command must not be writable by others
cp "$D/config" "$TEST_TMP/eval.conf"
echo "passwordeval touch $TEST_TMP/ran" >>"$TEST_TMP/eval.conf"
chmod 666 "$TEST_TMP/eval.conf"
check "passwordeval in a 0666 config: EX_CONFIG" exits 78 nudge -c "$TEST_TMP/eval.conf" status
check "... with a message naming the mode" bash -c "'$NUDGE' -c '$TEST_TMP/eval.conf' status 2>&1 | grep -q 'writable by others (mode 0666)'"
chmod 600 "$TEST_TMP/eval.conf"
mkdir -m 777 "$TEST_TMP/open"
cp "$TEST_TMP/eval.conf" "$TEST_TMP/open/config"
check "passwordeval in a world-writable directory: EX_CONFIG" exits 78 nudge -c "$TEST_TMP/open/config" status
check "... the command never ran" test ! -e "$TEST_TMP/ran"
check "0600 in a private directory is fine" nudge -c "$TEST_TMP/eval.conf" status

# ---- 3. one agent per database, whatever name it is reached by
ln -s "$D/nudge.db" "$TEST_TMP/alias.db"
flock -n "$TEST_TMP/alias.db" sleep 30 &
holder=$!
at_exit "kill $holder 2>/dev/null"
wait_for "! flock -n '$D/nudge.db' true" 20 || fail "flock(1) did not take the lock"
check "an agent holding the database through a symlink blocks tick: 75" exits 75 nudge tick
check "... status sees it running" bash -c "'$NUDGE' status | grep -q 'agent: *running'"
kill "$holder"; wait "$holder" 2>/dev/null
ln "$D/nudge.db" "$TEST_TMP/hard.db"
check "a database with a second hard link is refused: 78" exits 78 nudge --db "$TEST_TMP/hard.db" tick
check "... saying why" bash -c "'$NUDGE' tick 2>&1 | grep -q 'has 2 hard links'"
check "every other command refuses it too (not only the agent's)" bash -c "! '$NUDGE' --db '$TEST_TMP/hard.db' lead list 2>'$TEST_TMP/hl.err' && grep -q 'hard links' '$TEST_TMP/hl.err'"
rm -f "$TEST_TMP/hard.db"

# ---- 7. outbox resolve never changes an item in "sending"
sql() { python3 -c 'import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); r = db.execute(sys.argv[2]).fetchall(); db.commit(); print(r[0][0] if r else "")' "$D/nudge.db" "$1"; }
nudge --now 2026-01-07T09:00 lead add out@box.example >/dev/null
id=$(sql "SELECT t.id FROM touches t JOIN leads l ON l.id = t.lead_id WHERE l.email = 'out@box.example' AND t.channel = 'email' ORDER BY t.id LIMIT 1")
sql "UPDATE touches SET state = 'sending', message_id = '<m1@example.test>' WHERE id = $id" >/dev/null
check "resolve --sent of a sending item: 65" exits 65 nudge outbox resolve "$id" --sent
check "resolve --resend of a sending item: 65" exits 65 nudge outbox resolve "$id" --resend
check "... saying recovery settles it" bash -c "'$NUDGE' outbox resolve $id --sent 2>&1 | grep -q 'is being sent (state sending)'"
check "... and the item is still sending" test "$(sql "SELECT state FROM touches WHERE id = $id")" = sending
sql "UPDATE touches SET state = 'unknown' WHERE id = $id" >/dev/null
check "an unknown item is still resolved" nudge outbox resolve "$id" --sent
check "... to sent" test "$(sql "SELECT state FROM touches WHERE id = $id")" = sent

# ---- 6. export: 0600, formulas neutralised (--raw keeps them), whole or nothing
nudge lead add formula@x.example --company '=HYPERLINK("http://evil.example","x")' --name '@SUM(A1)' --phone '+1 (555) 010-0000' >/dev/null
umask 022
check "export csv FILE" nudge export csv "$TEST_TMP/out.csv"
check "... is created 0600 like the database" test "$(stat -c %a "$TEST_TMP/out.csv")" = 600
check "... a formula gets a leading quote" grep -q "\"'=HYPERLINK(" "$TEST_TMP/out.csv"
check "... so does @" grep -q "'@SUM(A1)" "$TEST_TMP/out.csv"
check "... a phone number is left alone" grep -q ',+1 (555) 010-0000,' "$TEST_TMP/out.csv"
check "... no temporary file left" test "$(ls "$TEST_TMP" | grep -c '^out.csv')" = 1
check "export --raw writes cells as stored" bash -c "'$NUDGE' export csv --raw | grep -q '\"=HYPERLINK('"
check "stdout export is guarded too" bash -c "'$NUDGE' export csv | grep -q \"'@SUM\""
check "an existing file is replaced, mode 0600" bash -c "echo old >'$TEST_TMP/old.csv'; chmod 644 '$TEST_TMP/old.csv'; '$NUDGE' export csv '$TEST_TMP/old.csv' && test \$(stat -c %a '$TEST_TMP/old.csv') = 600 && grep -q formula@x '$TEST_TMP/old.csv'"
check "export into a missing directory fails: 73" exits 73 nudge export csv "$TEST_TMP/nodir/out.csv"
check "import of the export restores the formula text exactly" bash -c "'$NUDGE' --db '$TEST_TMP/re.db' lead import '$TEST_TMP/out.csv' >/dev/null && '$NUDGE' --db '$TEST_TMP/re.db' lead show formula@x.example --json | grep -q '\"company\":\"=HYPERLINK'"

# ---- 1. no control sequence from stored or network text reaches the terminal
ESC=$(printf '\033')
# has_esc FILE: the file holds an ESC, a BEL, a CR or a C1 CSI (raw or UTF-8)
has_esc() { LC_ALL=C grep -q "$(printf '[\033\007\r\233]')" "$1" || LC_ALL=C grep -q "$(printf '\302\233')" "$1"; }
nudge --now 2026-01-07T09:00 lead add esc@term.example --name "Eve Term" >/dev/null
nudge lead note esc@term.example "$(printf 'hi \033]0;pwned\007 \033[2J\033[H\rover \302\233''31m red')"
printf 'email,name,notes,hobby\r\n' >"$TEST_TMP/esc.csv"
printf 'csv@term.example,Csv Term,"line1\n\033]2;x\007 line2",\033[31mred\r\n' >>"$TEST_TMP/esc.csv"
printf '\033]0;bad\007@x,Bad,,\r\n' >>"$TEST_TMP/esc.csv"
nudge --now 2026-01-07T09:00 lead import "$TEST_TMP/esc.csv" >"$TEST_TMP/esc-import.out" 2>"$TEST_TMP/esc-import.err"
check "import errors show a cell without its escape" not has_esc "$TEST_TMP/esc-import.err"
check "... but show it" grep -q '?]0;bad?@x' "$TEST_TMP/esc-import.err"
nudge lead show esc@term.example >"$TEST_TMP/show.out"
check "lead show: the note's escapes are neutralised" not has_esc "$TEST_TMP/show.out"
check "... shown as '?' in place" grep -q 'hi ?]0;pwned? ?\[2J?\[H?over ?31m red' "$TEST_TMP/show.out"
nudge lead show csv@term.example >"$TEST_TMP/show2.out"
check "lead show: custom field and imported note neutralised" not has_esc "$TEST_TMP/show2.out"
check "... a note keeps its line breaks" grep -q '^ *?\]2;x? line2' "$TEST_TMP/show2.out"
check "lead show --json keeps the raw text, escaped" bash -c "'$NUDGE' lead show esc@term.example --json | grep -q 'hi \\\\u001b]0;pwned\\\\u0007'"
check "... and holds no raw control either" bash -c "'$NUDGE' lead show esc@term.example --json >'$TEST_TMP/show.json'; ! LC_ALL=C grep -q \"\$(printf '[\\033\\007\\r]')\" '$TEST_TMP/show.json' && ! LC_ALL=C grep -q \"\$(printf '\\302\\233')\" '$TEST_TMP/show.json'"
check "the database keeps the raw text" bash -c "python3 -c 'import sqlite3,sys; t=sqlite3.connect(sys.argv[1]).execute(\"SELECT text FROM notes WHERE text LIKE ?\", (\"hi %\",)).fetchone()[0]; sys.exit(0 if \"\\x1b]0;pwned\\x07\" in t else 1)' '$D/nudge.db'"
nudge --now 2026-01-07T09:00 lead add c1@term.example --name "$(printf 'C1 \302\2332J Term')" --company "$(printf 'Acme \342\200\256evil')" >/dev/null
nudge lead list >"$TEST_TMP/list.out"
check "lead list neutralised (a UTF-8 C1 CSI in a name)" not has_esc "$TEST_TMP/list.out"
check "... and a bidi override in a company" not grep -q "$(printf '\342\200\256')" "$TEST_TMP/list.out"
check "... both shown as '?'" grep -q 'C1 ?2J Term.*Acme ?evil' "$TEST_TMP/list.out"
nudge --now 2026-01-07T10:00 agenda >"$TEST_TMP/agenda.out"
check "agenda neutralised" not has_esc "$TEST_TMP/agenda.out"
check "... and still lists the lead" grep -q 'csv@term.example' "$TEST_TMP/agenda.out"
{
	printf 'From: Eve <esc@term.example>\r\nTo: Lenann <lenann@example.test>\r\n'
	printf 'Subject: Re: hello \033]0;subj\007\r\nMessage-ID: <esc1@term.example>\r\n'
	printf 'In-Reply-To: <x@example.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n'
	printf 'Sure, \033]0;owned\007 call me \033[2J tomorrow.\r\n'
} >"$TEST_TMP/esc.eml"
nudge classify "$TEST_TMP/esc.eml" >"$TEST_TMP/classify.out" 2>&1
check "classify text output neutralised" not has_esc "$TEST_TMP/classify.out"
check "... and still shows the reply" grep -q 'call me' "$TEST_TMP/classify.out"
sql "UPDATE touches SET state = 'unknown', error = 'server said $(printf '\033]0;x\007')' WHERE id = (SELECT t.id FROM touches t JOIN leads l ON l.id = t.lead_id WHERE l.email = 'esc@term.example' AND t.channel = 'email' LIMIT 1)" >/dev/null
nudge outbox >"$TEST_TMP/outbox.out"
check "outbox listing neutralised" not has_esc "$TEST_TMP/outbox.out"
check "... and shows the error" grep -q 'server said ?\]0;x?' "$TEST_TMP/outbox.out"

# ---- 4. Cc is refused, never half-delivered
cp "$D/templates/1.email" "$TEST_TMP/1.email.orig"
{ sed -n '1,/^$/p' "$TEST_TMP/1.email.orig" | sed '/^$/d'; echo 'Cc: boss@example.test'; echo; sed '1,/^$/d' "$TEST_TMP/1.email.orig"; } >"$D/templates/1.email"
check "template check refuses Cc: 65" exits 65 nudge template check
check "... naming file:line and why" bash -c "'$NUDGE' template check 2>&1 | grep -q '1.email:[0-9]*: Cc is not supported: nudge sends each message to the lead only'"
nudge --now 2026-01-07T09:00 lead add cc@lead.example >/dev/null
check "preview (the render path of every send) refuses it" not nudge --now 2026-01-07T10:00 preview cc@lead.example
check "... saying why" bash -c "'$NUDGE' --now 2026-01-07T10:00 preview cc@lead.example 2>&1 | grep -q 'Cc is not supported'"
cp "$TEST_TMP/1.email.orig" "$D/templates/1.email"
check "without Cc the template renders" nudge --now 2026-01-07T10:00 preview cc@lead.example

# ---- 8. template check flags variables where HTML escaping does not help
{ cat "$TEST_TMP/1.email.orig"; printf -- '--- html ---\n<p>Hi {{first_name|there}},</p>\n<p title={{company|x}}>\n<a href="{{company|x}}">site</a>\n'; } >"$D/templates/1.email"
nudge template check >"$TEST_TMP/tc.out" 2>&1
check "template check: unquoted attribute flagged with file:line" grep -q '1.email:[0-9]*: warning: {{company}} in the unquoted attribute title' "$TEST_TMP/tc.out"
check "template check: href flagged with file:line" grep -q '1.email:[0-9]*: warning: {{company}} in href before any scheme' "$TEST_TMP/tc.out"
check "... text content is not flagged" not grep -q 'first_name}} in' "$TEST_TMP/tc.out"
cp "$TEST_TMP/1.email.orig" "$D/templates/1.email"

# ---- 5. import is strict: every problem named FILE:LINE, exit 65 when a row is skipped
imp() { nudge --now 2026-01-07T09:00 --db "$TEST_TMP/imp.db" lead import "$@"; }
printf 'Email,Company,E-mail\nd1@dup.example,A,d2@dup.example\n' >"$TEST_TMP/dupcol.csv"
check "two columns for one field: 65" exits 65 imp "$TEST_TMP/dupcol.csv"
check "... naming both columns" bash -c "'$NUDGE' --db '$TEST_TMP/imp.db' lead import '$TEST_TMP/dupcol.csv' 2>&1 | grep -q 'dupcol.csv:1: columns 1 (\"Email\") and 3 (\"E-mail\") both give the field email'"
check "... and nothing imported" bash -c "! '$NUDGE' --db '$TEST_TMP/imp.db' lead list | grep -q dup.example"
check "--map COLUMN=- resolves it" bash -c "'$NUDGE' --db '$TEST_TMP/imp.db' lead import --map E-mail=- '$TEST_TMP/dupcol.csv' | grep -q '1 added'"
printf 'email,company\nsame@x.example,First\nother@x.example,O\nSAME@x.example,Second\n' >"$TEST_TMP/dupmail.csv"
check "the same address twice: 65" exits 65 imp "$TEST_TMP/dupmail.csv"
check "... the later line named with the first" bash -c "'$NUDGE' --db '$TEST_TMP/imp.db' lead import '$TEST_TMP/dupmail.csv' 2>&1 | grep -qi 'dupmail.csv:4: SAME@x.example is already on line 2 of this file'"
check "... the first row is kept" bash -c "'$NUDGE' --db '$TEST_TMP/imp.db' lead show same@x.example --json | grep -q '\"company\":\"First\"'"
printf 'email,company\nextra@x.example,Acme,lost cell\nfine@x.example,F,\n' >"$TEST_TMP/extra.csv"
check "more cells than the header: 65" exits 65 imp "$TEST_TMP/extra.csv"
check "... named with its line" bash -c "'$NUDGE' --db '$TEST_TMP/imp.db' lead import '$TEST_TMP/extra.csv' 2>&1 | grep -q 'extra.csv:2: 3 cells but the header has 2 columns (cell 3 is \"lost cell\")'"
check "... an empty extra cell is harmless" bash -c "'$NUDGE' --db '$TEST_TMP/imp.db' lead list | grep -q fine@x.example"
printf 'email,company\nlat@x.example,Caf\xe9 M\xfcller\n' >"$TEST_TMP/latin1.csv"
check "Latin-1 refused at import: 65" exits 65 imp "$TEST_TMP/latin1.csv"
check "... saying which field and what to do" bash -c "'$NUDGE' --db '$TEST_TMP/imp.db' lead import '$TEST_TMP/latin1.csv' 2>&1 | grep -q 'latin1.csv:2: field 2 is not valid UTF-8 (byte 0xe9 at offset 3); for a Latin-1 or Windows file use --encoding latin1'"
check "... nothing stored" bash -c "! '$NUDGE' --db '$TEST_TMP/imp.db' lead list | grep -q lat@x.example"
check "--encoding latin1 converts it" bash -c "'$NUDGE' --db '$TEST_TMP/imp.db' lead import --encoding latin1 '$TEST_TMP/latin1.csv' >/dev/null && '$NUDGE' --db '$TEST_TMP/imp.db' lead show lat@x.example --json | grep -q \"\\\"company\\\":\\\"Caf$(printf '\303\251') M$(printf '\303\274')ller\\\"\""
printf 'email,company\ncp@x.example,\x93Smart\x94 \x80\n' >"$TEST_TMP/cp1252.csv"
check "--encoding windows-1252 converts quotes and the euro" bash -c "'$NUDGE' --db '$TEST_TMP/imp.db' lead import --encoding windows-1252 '$TEST_TMP/cp1252.csv' >/dev/null && '$NUDGE' --db '$TEST_TMP/imp.db' lead show cp@x.example --json | grep -q \"$(printf '\342\200\234Smart\342\200\235 \342\202\254')\""
check "an unknown encoding is a usage error" exits 64 imp --encoding ebcdic "$TEST_TMP/cp1252.csv"
printf 'email,company\nq1@x.example,"Open quote\nq2@x.example,B\nq3@x.example,C\n' >"$TEST_TMP/quote.csv"
imp "$TEST_TMP/quote.csv" >"$TEST_TMP/quote.out" 2>"$TEST_TMP/quote.err"; qrc=$?
check "an unclosed quote: 65" test "$qrc" = 65
check "... an error at its line" grep -q 'quote.csv:2: quoted field 2 opened on line 2 is not closed' "$TEST_TMP/quote.err"
check "... and the rest of the file still imported" grep -q '2 added, 0 updated, 1 skipped' "$TEST_TMP/quote.out"
check "... the count said on stderr" grep -q '1 row skipped (listed above), 2 imported' "$TEST_TMP/quote.err"
printf 'email\nok@clean.example\n' >"$TEST_TMP/clean.csv"
check "a clean file still exits 0" imp "$TEST_TMP/clean.csv"

finish
