#!/usr/bin/env bash
# digest.sh - the morning digest against real Postfix and Dovecot: the first
# tick of a working day mails the salesperson the day's agenda (text and
# HTML, with the call's phone and script), a second tick that day sends
# nothing; a tick killed with kill -9 while the digest is with SMTP leaves the
# day marked, so the restarted agent never sends it twice; the next working
# day gets its digest, a Saturday none; without digest_to there is none.
. "$(dirname "$0")/../lib.sh"
ms_start
nudge_setup digest_to sales@example.test
# the Message-ID of the digests in the salesperson's INBOX
digests() { imap_search sales INBOX HEADER X-Nudge digest; }

nudge --now 2026-12-07T08:00 lead add jane@acme.example --name "Jane Doe" \
	--company Acme --phone "+1 555 0100" --note "met at the expo" >/dev/null || fail "lead add"

# Monday 2026-12-07, 09:00 Denver: the first pass sends it
check "first tick of Monday sends the digest" nudge --now 2026-12-07T09:00 tick
check "one digest in the salesperson's INBOX" wait_for '[ "$(digests)" = 1 ]' 10
check "the day is marked sent" test "$(db_query "SELECT value FROM meta WHERE key = 'digest'")" = "2026-12-07 sent"
check "the digest holds the call, the phone and the script" python3 - "$MAILSTACK_DIR/mail/sales/Maildir" <<'PY'
import email, email.policy, glob, os, sys
files = glob.glob(os.path.join(sys.argv[1], "new", "*")) + glob.glob(os.path.join(sys.argv[1], "cur", "*"))
ms = [email.message_from_binary_file(open(f, "rb"), policy=email.policy.default) for f in files]
ms = [m for m in ms if m.get("X-Nudge") == "digest"]
assert len(ms) == 1, len(ms)
m = ms[0]
assert m["Subject"].startswith("Your day, Monday 2026-12-07"), m["Subject"]
assert m["Auto-Submitted"] == "auto-generated"
text = m.get_body(("plain",)).get_content()
html = m.get_body(("html",)).get_content()
for s in ("Jane Doe <jane@acme.example>", "+1 555 0100", "met at the expo", "Call Jane Doe"):
    assert s in text, (s, text)
assert "Jane Doe &lt;jane@acme.example&gt;" in html, html
PY
check "a second tick the same day sends none" nudge --now 2026-12-07T11:00 tick
sleep 1
check "still one digest" test "$(digests)" = 1
check "nudge did not take its own digest for a lead's message" \
	test "$(db_query "SELECT count(*) FROM reviews")|$(db_query "SELECT status FROM leads")" = "0|active"

# Tuesday: SMTP hangs (a listener that never greets); kill -9 the tick
# while the digest is with it, then restart with SMTP back
python3 - "$TEST_TMP/blackhole.port" <<'PY' &
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(5)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
PY
BH=$!
at_exit "kill $BH 2>/dev/null"
wait_for "[ -s '$TEST_TMP/blackhole.port' ]" 5 || fail "no black hole"
cp "$NH/config" "$TEST_TMP/config.good"
sed -i "s|^smtp_url .*|smtp_url smtp://127.0.0.1:$(cat "$TEST_TMP/blackhole.port")|; s|^timeout .*|timeout 60s|" "$NH/config"
# the binary itself (not the nudge() wrapper's subshell), so that kill -9 hits it
${NUDGE_WRAP:-} "$NUDGE" --now 2026-12-08T09:00 tick >"$TEST_TMP/killed.log" 2>&1 &
TICK=$!
check "the day is marked before SMTP answers" wait_for \
	"[ \"\$(db_query \"SELECT value FROM meta WHERE key = 'digest'\")\" = '2026-12-08 sending' ]" 20
kill -9 "$TICK" 2>/dev/null
wait "$TICK" 2>/dev/null
cp "$TEST_TMP/config.good" "$NH/config"
check "restarted, the tick sends no second digest" bash -c "nudge --now 2026-12-08T09:30 tick 2>'$TEST_TMP/restart.log'"
check "and says the day's digest may be lost" grep -q "may not have gone out" "$TEST_TMP/restart.log"
sleep 1
check "still one digest after the kill" test "$(digests)" = 1
check "a later tick says nothing more" bash -c "! { nudge --now 2026-12-08T10:00 tick 2>&1 | grep -q 'may not have gone out'; }"

# Wednesday: the next working day's digest; Saturday: none
check "Wednesday's first tick sends its digest" nudge --now 2026-12-09T09:00 tick
check "two digests" wait_for '[ "$(digests)" = 2 ]' 10
check "Saturday sends none" nudge --now 2026-12-12T09:00 tick
sleep 1
check "still two" test "$(digests)" = 2
check "the Saturday left no mark" test "$(db_query "SELECT value FROM meta WHERE key = 'digest'")" = "2026-12-09 sent"

# without digest_to: no digest
sed -i '/^digest_to /d' "$NH/config"
check "no digest_to, no digest" nudge --now 2026-12-14T09:00 tick
sleep 1
check "still two at the end" test "$(digests)" = 2
finish
