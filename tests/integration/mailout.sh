#!/usr/bin/env bash
# mailout.sh - sending against real Postfix and Dovecot: the 1-2-3-4-5-X walk with
# threading, Sent copies, exactly-once under kill -9, 4xx/5xx handling, certificate
# refusal, hostile lead data, dry run and the daily cap.
. "$(dirname "$0")/../lib.sh"
export MAILSTACK_EXTRA_USERS="retry hostile hostile2 capped mid1 mid2 mid3"
ms_start
# exact dates and one tick a day: touches at the start of their day, and
# no public holidays in the dates the checks name
nudge_setup vary_times off country_holidays off

# headers USER: one JSON object per delivered message (by Date), from the maildir
headers() {
	python3 - "$MAILSTACK_DIR/mail/$1/Maildir" <<'PY'
import email, email.policy, email.utils, glob, json, os, sys
msgs = []
for f in glob.glob(os.path.join(sys.argv[1], "new", "*")) + glob.glob(os.path.join(sys.argv[1], "cur", "*")):
    m = email.message_from_binary_file(open(f, "rb"), policy=email.policy.default)
    body = m.get_body(("plain",))
    msgs.append({k: str(m.get(k, "")) for k in ("Subject", "Message-ID", "In-Reply-To", "References", "From", "To", "List-Unsubscribe")}
                | {"date": email.utils.parsedate_to_datetime(m["Date"]).isoformat(),
                   "n_to": len(m.get_all("To", [])), "n_from": len(m.get_all("From", [])),
                   "n_subject": len(m.get_all("Subject", [])), "bcc": m.get_all("Bcc") is not None,
                   "body": body.get_content() if body else ""})
msgs.sort(key=lambda x: x["date"])
print(json.dumps(msgs))
PY
}

# ---- the walk: stages 1-5 and X1-X2 with --now, one tick per due day
nudge --now 2026-01-07T09:00 lead add alice@example.test --name "Alice Archer" --company Acme >/dev/null
for d in 2026-01-07 2026-01-09 2026-01-14 2026-01-20 2026-01-27 2026-02-27 2026-03-27; do
	nudge --now "${d}T10:00" tick >>"$TEST_TMP/walk.log" 2>&1 || echo "tick $d failed" >>"$TEST_TMP/walk.log"
	# a second tick the same day sends nothing more
	nudge --now "${d}T10:30" tick >>"$TEST_TMP/walk.log" 2>&1
done
headers alice >"$TEST_TMP/alice.json"
check "exactly 7 messages delivered" test "$(imap_count alice)" = 7
check "each from the right template, 2-5 threaded to the first, X fresh, unique Message-IDs" python3 - "$TEST_TMP/alice.json" "$top_srcdir/templates" <<'PY'
import json, re, sys
msgs = json.load(open(sys.argv[1]))
assert len(msgs) == 7, len(msgs)
first = msgs[0]
s1 = open(sys.argv[2] + "/1.email").read().split("Subject:", 1)[1].split("\n", 1)[0].strip()
want1 = re.sub(r"\{\{\s*company[^}]*\}\}", "Acme", s1)
assert first["Subject"] == want1, (first["Subject"], want1)
assert first["In-Reply-To"] == "" and "Alice" in first["body"]
ids = [m["Message-ID"] for m in msgs]
assert len(set(ids)) == 7, ids
for i, m in enumerate(msgs[1:5], 1):
    assert m["Subject"] == "Re: " + first["Subject"], m["Subject"]
    assert m["In-Reply-To"] == ids[i - 1], (m["In-Reply-To"], ids[i - 1])
    assert ids[0] in m["References"], m["References"]
# X touches start afresh: the value item's title, no thread
for m in msgs[5:]:
    assert not m["Subject"].startswith("Re:") and m["In-Reply-To"] == "", m
    assert "https://nudge.test/" in m["body"] and "example.com" not in m["body"], m["body"]
# stage bodies differ and follow the templates: each stage's first template line shows up
for stage, m in zip(["1", "2", "3", "4", "5", "x", "x"], msgs):
    body = open(sys.argv[2] + "/%s.email" % stage).read().split("\n\n", 1)[1]
    line = next(l for l in body.splitlines() if l.strip() and "{{" not in l)
    assert line.strip() in m["body"].replace("\n", " ") or line.strip()[:30] in m["body"], (stage, line)
assert msgs[5]["body"] != msgs[6]["body"], "X1 and X2 carry different value items"
assert all(m["List-Unsubscribe"].startswith("<mailto:sales@example.test") for m in msgs)
PY
check "dates follow 1-2-3-4-5-X" python3 -c '
import json, sys
d = [m["date"][:10] for m in json.load(open(sys.argv[1]))]
assert d == ["2026-01-07", "2026-01-09", "2026-01-14", "2026-01-20", "2026-01-27", "2026-02-27", "2026-03-27"], d' "$TEST_TMP/alice.json"
check "a copy of each in the Sent folder, flagged seen" bash -c "test \$(imap_count sales Sent) = 7 && test \$(imap_search sales Sent SEEN) = 7" 2>/dev/null ||
	check "a copy of each in the Sent folder" test "$(imap_count sales Sent)" = 7
check "lead is at X3 next" bash -c "nudge lead show alice@example.test --json | grep -q '\"stage\":\"X3\"'"
check "each sent email records its template's version (for the report)" bash -c "
	test \$(db_query \"SELECT count(*) FROM touches WHERE channel = 'email' AND state = 'sent' AND (template IS NULL OR length(template) <> 8)\") = 0 &&
	test \$(db_query \"SELECT count(*) FROM touches WHERE channel = 'email' AND state = 'sent'\") -ge 7"

# ---- dry run changes nothing
nudge --now 2026-01-07T09:00 lead add bob@example.test --name "Bob Baker" >/dev/null
check "dry run renders and reports" bash -c "nudge --now 2026-01-07T10:00 tick --dry-run | grep -q 'would send stage 1 to bob@example.test'"
check "dry run sent nothing" test "$(imap_count bob)" = 0
check "dry run changed nothing" test "$(db_query "SELECT state FROM touches t JOIN leads l ON l.id=t.lead_id WHERE l.email='bob@example.test' AND channel='email'")" = planned

# ---- outside the window nothing goes
check "Saturday: nothing sent" bash -c "nudge --now 2026-01-10T10:00 tick >/dev/null; test \$(imap_count bob) = 0"
check "before 08:30: nothing sent" bash -c "nudge --now 2026-01-12T07:00 tick >/dev/null; test \$(imap_count bob) = 0"
check "inside the window: sent" bash -c "nudge --now 2026-01-12T09:00 tick >/dev/null; wait_count bob INBOX 1"

# ---- hostile lead data: no extra header, a well-formed message
nudge --now 2026-01-07T09:00 lead add hostile@example.test --name 'Zoë "The Boss" <O'"'"'Hara>, Esq.' \
	--company 'Ünïcødé & Co; DROP TABLE leads;--' --set 'title=x Bcc: evil@example.test' >/dev/null
check "CR/LF in a name is folded into one line" bash -c "nudge --now 2026-01-07T09:00 lead add hostile2@example.test --name \$'Eve\r\nBcc: evil@example.test' && nudge lead show hostile2@example.test --json | grep -q '\"name\":\"Eve  Bcc: evil@example.test\"'"
nudge --now 2026-01-12T10:00 tick >/dev/null 2>&1
headers hostile >"$TEST_TMP/hostile.json"
check "hostile lead gets one well-formed message, no injected header" python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert len(m) == 1, m
m = m[0]
assert m["n_to"] == 1 and m["n_from"] == 1 and m["n_subject"] == 1 and not m["bcc"], m
assert "hostile@example.test" in m["To"] and "Zoë" in m["To"], m["To"]
assert "Ünïcødé" in m["Subject"], m["Subject"]' "$TEST_TMP/hostile.json"
nudge --now 2026-01-12T10:00 tick >/dev/null 2>&1
headers hostile2 >"$TEST_TMP/hostile2.json"
check "folded name: one message, one To, no Bcc" python3 -c '
import json, sys
ms = json.load(open(sys.argv[1]))
assert len(ms) == 1, ms
m = ms[0]
assert m["n_to"] == 1 and not m["bcc"] and "Eve" in m["To"], m' "$TEST_TMP/hostile2.json"
check "evil address received nothing" test "$(imap_count sink)" = 0

# ---- 550: failed with the server's reason; the address is retired
nudge --now 2026-01-07T09:00 lead add permfail@example.test --name "Pat Fail" >/dev/null
nudge --now 2026-01-12T10:00 tick >"$TEST_TMP/perm.out" 2>&1
check "550 -> failed with the reason" bash -c "db_query \"SELECT state, error FROM touches t JOIN leads l ON l.id=t.lead_id WHERE l.email='permfail@example.test' AND channel='email' AND stage='1'\" | grep -q 'failed|.*no such user'"
check "the failure is on the agenda" bash -c "nudge --now 2026-01-12T11:00 agenda | grep -A1 permfail | grep -q 'no such user'"
check "address refused -> bounced and suppressed" bash -c "nudge lead show permfail@example.test --json | grep -q '\"status\":\"bounced\"' && ! nudge lead add permfail@example.test 2>/dev/null"

pid=$(db_query "SELECT t.id FROM touches t JOIN leads l ON l.id=t.lead_id WHERE l.email='permfail@example.test' AND channel='email' AND state='failed'")
check "nudge outbox lists the failed send with its reason" bash -c "nudge outbox | grep -A1 'permfail@example.test' | grep -q 'no such user'"
check "outbox resolve --resend requeues it, to be rendered again" bash -c "
	nudge outbox resolve $pid --resend >/dev/null &&
	test \"\$(db_query \"SELECT state || '|' || ifnull(message_id, 'none') FROM touches WHERE id = $pid\")\" = 'planned|none'"
check "outbox resolve of an item that needs no word is refused" bash -c "nudge outbox resolve $pid --sent; test \$? = 65"
check "outbox resolve of a missing item is refused" bash -c "nudge outbox resolve 999999 --sent; test \$? = 65"

# ---- 451 at RCPT: deferred, retried later, delivered once
printf 'retry@example.test 451 4.3.0 greylisted, try later\n' >>"$MAILSTACK_DIR/postfix/rcpt_access"
touch -d '-1 min' "$MAILSTACK_DIR/postfix/rcpt_access"
postfix -c "$MAILSTACK_DIR/postfix" reload >/dev/null 2>&1
sleep 0.3
nudge --now 2026-01-07T09:00 lead add retry@example.test --name "Rita Retry" >/dev/null
nudge --now 2026-01-12T10:00 tick >"$TEST_TMP/retry1.out" 2>&1
check "451 -> deferred, not failed" bash -c "grep -q '1 deferred' '$TEST_TMP/retry1.out' && test \"\$(db_query \"SELECT state FROM touches t JOIN leads l ON l.id=t.lead_id WHERE l.email='retry@example.test' AND channel='email'\")\" = planned"
check "not retried before the backoff" bash -c "nudge --now 2026-01-12T10:01 tick | grep -q '0 sent'"
sed -i '/^retry@/d' "$MAILSTACK_DIR/postfix/rcpt_access"
touch -d '-1 min' "$MAILSTACK_DIR/postfix/rcpt_access"
postfix -c "$MAILSTACK_DIR/postfix" reload >/dev/null 2>&1
sleep 0.3
nudge --now 2026-01-12T10:30 tick >"$TEST_TMP/retry2.out" 2>&1
check "retried later and delivered once" bash -c "wait_count retry INBOX 1 && sleep 0.5 && test \$(imap_count retry) = 1"
check "... and recorded sent once" test "$(db_query "SELECT count(*) FROM touches t JOIN leads l ON l.id=t.lead_id WHERE l.email='retry@example.test' AND state='sent'")" = 1

# ---- 421 in the middle of a batch: the others go, that one is retried and sent once
printf 'mid2@example.test 421 4.3.2 service shutting down\n' >>"$MAILSTACK_DIR/postfix/rcpt_access"
touch -d '-1 min' "$MAILSTACK_DIR/postfix/rcpt_access"
postfix -c "$MAILSTACK_DIR/postfix" reload >/dev/null 2>&1
sleep 0.3
for m in mid1 mid2 mid3; do nudge --now 2026-01-12T09:00 lead add "$m@example.test" >/dev/null; done
nudge --now 2026-01-12T10:40 tick --no-throttle >"$TEST_TMP/mid1.out" 2>&1
check "421 mid-batch: the rest of the batch is sent" bash -c "grep -q '2 sent, 1 deferred' '$TEST_TMP/mid1.out' && wait_count mid1 INBOX 1 && wait_count mid3 INBOX 1"
sed -i '/^mid2@/d' "$MAILSTACK_DIR/postfix/rcpt_access"
touch -d '-1 min' "$MAILSTACK_DIR/postfix/rcpt_access"
postfix -c "$MAILSTACK_DIR/postfix" reload >/dev/null 2>&1
sleep 0.3
nudge --now 2026-01-12T11:00 tick >/dev/null 2>&1
nudge --now 2026-01-12T11:30 tick >/dev/null 2>&1
check "... and the deferred one is sent once on a later tick" bash -c "wait_count mid2 INBOX 1 && sleep 0.5 && test \$(imap_count mid2) = 1 && test \$(imap_count mid1) = 1"

# ---- a certificate that does not verify: refused, nothing sent
nudge --now 2026-01-07T09:00 lead add carol@example.test --name "Carol Cert" >/dev/null
cp "$NH/config" "$TEST_TMP/good.config"
sed -i "s|^tls_trust_file .*|tls_trust_file $MAILSTACK_BADCA|" "$NH/config"
nudge --now 2026-01-12T10:00 tick >"$TEST_TMP/badca.out" 2>&1
check "bad certificate: EX_CONFIG with a clear error" bash -c "nudge --now 2026-01-12T10:00 tick >/dev/null 2>&1; test \$? = 78 && grep -qi 'certificate' '$TEST_TMP/badca.out'"
sed -i 's|^imap_url .*|#no imap|' "$NH/config"
nudge --now 2026-01-12T10:00 tick >"$TEST_TMP/badca2.out" 2>&1
check "bad certificate on SMTP alone: refused too" bash -c "grep -qi 'tls\\|certificate' '$TEST_TMP/badca2.out'"
check "nothing was sent to carol" test "$(imap_count carol)" = 0
check "carol's touch still waits" test "$(db_query "SELECT state FROM touches t JOIN leads l ON l.id=t.lead_id WHERE l.email='carol@example.test' AND channel='email'")" = planned
cp "$TEST_TMP/good.config" "$NH/config"
check "with the right CA it goes" bash -c "nudge --now 2026-01-12T10:05 tick >/dev/null && wait_count carol INBOX 1"

# ---- daily cap
sed -i 's/^#daily_cap .*/daily_cap 2/' "$NH/config"
for i in 1 2 3 4; do nudge --now 2026-01-12T09:00 lead add "capped+$i@example.test" >/dev/null; done
out=$(nudge --now 2026-01-13T10:00 tick 2>&1)
check "daily cap stops the batch" bash -c "echo '$out' | grep -q 'daily cap reached'"
check "... at the cap" test "$(imap_count capped)" -le 2
sed -i 's/^daily_cap .*/daily_cap 150/' "$NH/config"

# ---- kill -9 at random points during a 200-message pass, 20 times, once
# with send_batch 1 (one synced transaction per message) and once with group
# commit (send_batch 8: up to 8 claimed per transaction, so a kill can leave up
# to 8 in "sending" for recovery to reconcile from the Sent folder)
# kill_trial BATCH: prints "batch B: kills K, sent S, unknown U, duplicates D, lost L"
kill_trial() {
	local b=$1 K=$TEST_TMP/kill$1 kills=0 round pid
	mkdir -p "$K"
	cp "$NH/config" "$K/config"
	sed -i "s|^database .*|database $K/nudge.db|" "$K/config"
	sed -i "s|^templates .*|templates $NH/templates|; s|^rules .*|rules $NH/rules|" "$K/config"
	printf 'send_batch %s\n' "$b" >>"$K/config"
	python3 -c '
import sys
for i in range(200): print("lead%03d@bulk%s.test,Lead %03d,Co %d" % (i, sys.argv[1], i, i % 7))' "$b" |
		sed '1i Email,Name,Company' >"$K/leads.csv"
	NUDGE_CONFIG=$K/config nudge --now 2026-01-12T09:00 lead import "$K/leads.csv" >/dev/null
	for round in $(seq 1 20); do
		NUDGE_CONFIG=$K/config "$NUDGE" --now 2026-01-12T10:00 tick --no-throttle >>"$K/ticks.log" 2>&1 &
		pid=$!
		sleep "0.$(printf '%03d' $((20 + RANDOM % 130)))"
		kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
		wait "$pid" 2>/dev/null
	done
	NUDGE_CONFIG=$K/config nudge --now 2026-01-12T10:00 tick --no-throttle >>"$K/ticks.log" 2>&1
	sleep 1
	echo "$kills" >"$K/kills"
	python3 - "$MAILSTACK_DIR/mail/sink/Maildir" "$K/nudge.db" "$b" "$kills" <<'PY'
import collections, email, glob, os, sqlite3, sys
ids = collections.Counter()
for f in glob.glob(os.path.join(sys.argv[1], "*", "*")):
    ids[email.message_from_binary_file(open(f, "rb"))["Message-ID"]] += 1
db = sqlite3.connect(sys.argv[2])
rows = db.execute("SELECT state, message_id FROM touches WHERE channel='email' AND stage='1'").fetchall()
sent = [m for s, m in rows if s == "sent"]
unknown = [m for s, m in rows if s == "unknown"]
mine = [m for s, m in rows if m]
dups = [m for m in mine if ids[m] > 1]
# lost: a touch that is neither delivered-and-sent nor awaiting the user's word
lost = [m for s, m in rows if s not in ("sent", "unknown", "failed")] + [m for m in sent if ids[m] != 1]
print("batch %s: kills %s, sent %d, unknown %d, duplicates %d, lost %d" % (
    sys.argv[3], sys.argv[4], len(sent), len(unknown), len(dups), len(lost)))
PY
}
for b in 1 8; do
	kill_trial "$b" >"$TEST_TMP/kill$b.out" 2>&1
	cat "$TEST_TMP/kill$b.out"
	K=$TEST_TMP/kill$b
	# a kill that finds the tick already done (late trials have little
	# left to send; a loaded machine) does not count: at least half land
	check "send_batch $b: the ticks were killed mid-run ($(cat "$K/kills") of 20)" test "$(cat "$K/kills")" -ge 10
	check "send_batch $b: after 20 kill -9, no message delivered twice" python3 - "$MAILSTACK_DIR/mail/sink/Maildir" <<'PY'
import collections, email, glob, os, sys
ids = collections.Counter()
for f in glob.glob(os.path.join(sys.argv[1], "*", "*")):
    m = email.message_from_binary_file(open(f, "rb"))
    ids[m["Message-ID"]] += 1
dup = [i for i, c in ids.items() if c > 1]
print("%d delivered, %d duplicates" % (len(ids), len(dup)))
assert not dup, dup
PY
	check "send_batch $b: 0 duplicates, 0 lost" grep -q "duplicates 0, lost 0\$" "$TEST_TMP/kill$b.out"
	check "send_batch $b: every touch ends sent, failed with a reason, or unknown" bash -c "
		test \"\$(NH=$K db_query \"SELECT count(*) FROM touches WHERE channel='email' AND stage='1' AND state IN ('planned','sending','held')\")\" = 0 &&
		test \"\$(NH=$K db_query \"SELECT count(*) FROM touches WHERE channel='email' AND state='failed' AND (error IS NULL OR error='')\")\" = 0"
	check "send_batch $b: every sent touch was delivered exactly once" python3 - "$MAILSTACK_DIR/mail/sink/Maildir" "$K/nudge.db" <<'PY'
import collections, email, glob, os, sqlite3, sys
ids = collections.Counter()
for f in glob.glob(os.path.join(sys.argv[1], "*", "*")):
    ids[email.message_from_binary_file(open(f, "rb"))["Message-ID"]] += 1
db = sqlite3.connect(sys.argv[2])
sent = [r[0] for r in db.execute("SELECT message_id FROM touches WHERE state='sent' AND channel='email'")]
unknown = [r[0] for r in db.execute("SELECT message_id FROM touches WHERE state='unknown'")]
print("%d sent, %d unknown awaiting review" % (len(sent), len(unknown)))
assert len(sent) + len(unknown) == 200
assert all(ids[m] == 1 for m in sent), [m for m in sent if ids[m] != 1]
assert all(ids[m] <= 1 for m in unknown)
PY
	check "send_batch $b: unknown sends are listed by nudge outbox" bash -c "
		n=\$(NH=$K db_query \"SELECT count(*) FROM touches WHERE state='unknown'\")
		test \$(NUDGE_CONFIG=$K/config nudge outbox --json | grep -c '\"state\":\"unknown\"') = \$n"
done
# a broken template holds only the touches that need it; the batch goes on
sed -i 's/^Subject:.*/Subjekt: oops/' "$NH/templates/call-blitz/1.email"
nudge --now 2026-06-01T09:00 lead add lead8@example.test --name "Blitz Broken" --sequence call-blitz >/dev/null
nudge --now 2026-06-01T09:00 lead add lead9@example.test --name "Plain Lead" >/dev/null
check "a broken template: the tick still succeeds and sends the others" bash -c "
	nudge --now 2026-06-01T10:00 tick >'$TEST_TMP/broken.out' 2>&1 && wait_count lead9 INBOX 1"
check "... and holds the touch that needs it, naming the file and line" bash -c "
	grep -q 'call-blitz/1.email:[0-9]' '$TEST_TMP/broken.out' &&
	nudge --now 2026-06-01T10:05 agenda | grep -A1 'Blitz Broken' | grep -q 'held: .*call-blitz/1.email'"
finish
