#!/usr/bin/env bash
# craft.sh - what the messages say, against real Postfix and Dovecot: the shipped
# templates put no placeholder in a delivered message and hold X touches while
# the value library is drafts; a fly fisher gets the fishing item first and no
# item twice in twelve X touches; a golfer gets the personal item at touch 3; a
# sender variable that is not configured holds the send with the key to set;
# hot leads come first on the agenda, and --full renders the scripts.
. "$(dirname "$0")/../lib.sh"
export MAILSTACK_EXTRA_USERS="fisher golfer plain nophone"
ms_start
nudge_setup

# headers USER: the delivered messages (by Date) as JSON, with the plain body
headers() {
	python3 - "$MAILSTACK_DIR/mail/$1/Maildir" <<'PY'
import email, email.policy, email.utils, glob, json, os, sys
msgs = []
for f in glob.glob(os.path.join(sys.argv[1], "new", "*")) + glob.glob(os.path.join(sys.argv[1], "cur", "*")):
    m = email.message_from_binary_file(open(f, "rb"), policy=email.policy.default)
    body = m.get_body(("plain",))
    msgs.append({k: str(m.get(k, "")) for k in ("Subject", "In-Reply-To")}
                | {"date": email.utils.parsedate_to_datetime(m["Date"]).isoformat(),
                   "body": body.get_content() if body else ""})
msgs.sort(key=lambda x: x["date"])
print(json.dumps(msgs))
PY
}
# next_due EMAIL [HOME]: the lead's next due time, or "-"
next_due() {
	NUDGE_CONFIG=${2:-$NH}/config nudge lead show "$1" --json |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["next_due"] or "-")'
}
# walk EMAIL N [HOME]: N times, tick at 10:00 on the lead's due day (the next
# days too while nothing happens: a weekend, outside the window)
walk() {
	local i try d before after q
	q="SELECT count(*) FROM touches t JOIN leads l ON l.id = t.lead_id WHERE l.email = '$1' AND channel = 'email' AND state <> 'planned'"
	for ((i = 0; i < $2; i++)); do
		d=$(next_due "$1" "${3:-$NH}")
		[ "$d" = - ] && break
		d=${d:0:10}
		before=$(NH=${3:-$NH} db_query "$q")
		for try in 1 2 3 4 5; do
			NUDGE_CONFIG=${3:-$NH}/config nudge --now "${d}T10:00" tick >>"$TEST_TMP/walk-$1.log" 2>&1
			after=$(NH=${3:-$NH} db_query "$q")
			[ "$after" != "$before" ] && break
			d=$(date -d "$d + 1 day" +%F)
		done
	done
}
# placeholders FILE: fail on any placeholder or example link in delivered bodies
placeholders() {
	python3 - "$1" <<'PY'
import json, re, sys
for m in json.load(open(sys.argv[1])):
    text = m["Subject"] + "\n" + m["body"]
    for bad in ("example.com", "example.org", "(your number)", "earlier this week", "{{", "}}", "TODO"):
        assert bad not in text, (bad, m["Subject"], m["body"])
    assert not re.search(r"Hi ,|^,|\n\n\n\n", text), text
PY
}

export -f headers placeholders

# ---- ten more value items, so twelve X touches are possible
for i in $(seq -w 1 10); do
	cat >"$NH/templates/value/v$i-topic.md" <<EOF
Title: Practical note number $i
Url: https://nudge.test/notes/$i
Tags: topic$i
Kind: guide
Draft: no

A short, useful piece, number $i.
EOF
done

# ---- the fly fisher: fishing item first, then never a repeat in twelve X touches
nudge --now 2026-01-07T09:00 lead add fisher@example.test --name "Finn Fisher" --company "Rod & Reel" \
	--source "Jo Smith" --set "interests=fly fishing, jazz" --set industry=retail \
	--note "met at the outdoor expo" >/dev/null
walk fisher@example.test 5
# X1 is due: the research task asks the source, with the notes
due=$(next_due fisher@example.test)
due=${due:0:10}T10:00
nudge --now "$due" agenda --full --json >"$TEST_TMP/x1-agenda.json"
check "X research task: ask the source about the lead, with the last notes" python3 - "$TEST_TMP/x1-agenda.json" <<'PY'
import json, sys
items = [i for i in json.load(open(sys.argv[1])) if i["email"] == "fisher@example.test"]
r = [i for i in items if i["channel"] == "research"]
assert r, items
s = r[0]["script"]
assert "Ask Jo Smith about Finn Fisher" in s, s
assert "met at the outdoor expo" in s, s
assert "fly fishing" in s, s
e = [i for i in items if i["channel"] == "email"]
assert e and e[0]["value_item"] == "t3-fishing", e
PY
check "preview names the value item of X1" bash -c "nudge --now '$due' preview fisher@example.test 2>&1 >/dev/null | grep -q 't3-fishing'"
walk fisher@example.test 12
headers fisher >"$TEST_TMP/fisher.json"
check "fisher: 5 stages and 12 X touches delivered" test "$(imap_count fisher)" = 17
check "fisher: X1 carries the fishing item; twelve X items, none twice, fresh subjects" python3 - "$TEST_TMP/fisher.json" <<'PY'
import json, sys
msgs = json.load(open(sys.argv[1]))
x = msgs[5:]
assert len(x) == 12, len(x)
assert x[0]["Subject"] == "Early-season trout: where the fish hold", x[0]["Subject"]
assert x[1]["Subject"] == "Three questions to ask before you change your prices", x[1]["Subject"]
subjects = [m["Subject"] for m in x]
assert len(set(subjects)) == 12, subjects
for m in x:
    assert not m["Subject"].startswith("Re:") and m["In-Reply-To"] == "", m
    assert "https://nudge.test/" in m["body"], m["body"]
    assert "+1 303 555 0100" in m["body"], m["body"]
# stages 2-5 follow the thread
for m in msgs[1:5]:
    assert m["Subject"].startswith("Re: "), m["Subject"]
PY
check "fisher: no placeholder in any delivered message" placeholders "$TEST_TMP/fisher.json"
check "every X item recorded once for the lead" test "$(db_query "SELECT count(DISTINCT value_item) || '/' || count(*) FROM touches t JOIN leads l ON l.id=t.lead_id WHERE l.email='fisher@example.test' AND value_item IS NOT NULL")" = "12/12"
# a 13th X touch: one unused item is left (v10 or so); a 14th has none and is held
walk fisher@example.test 2
check "when every item was sent, the X touch is held with the reason, not repeated" bash -c "
	test \$(imap_count fisher) = 18 &&
	db_query \"SELECT state, error FROM touches t JOIN leads l ON l.id=t.lead_id WHERE l.email='fisher@example.test' AND channel='email' ORDER BY t.id DESC LIMIT 1\" | grep -q 'held|.*already sent to this lead'"

# ---- the golfer: the personal item at touch 3, once, out of the thread
nudge --now 2026-01-07T09:00 lead add golfer@example.test --name "Gail Golfer" --set interests=golf >/dev/null
walk golfer@example.test 4
headers golfer >"$TEST_TMP/golfer.json"
check "golfer: touch 3 is the personal golf item, touch 4 the stage email" python3 - "$TEST_TMP/golfer.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
assert len(m) == 4, [x["Subject"] for x in m]
assert m[2]["Subject"] == "The five best public golf courses within an hour of Denver", m[2]["Subject"]
assert "Nothing to do with work" in m[2]["body"] and m[2]["In-Reply-To"] == "", m[2]
assert m[3]["Subject"].startswith("Re: "), m[3]["Subject"]
assert "1. Yes, let's talk" in m[3]["body"], m[3]["body"]
PY

# ---- a fresh init with the shipped templates: drafts only, nothing invented
F=$TEST_TMP/fresh
nudge_clone "$F"
rm -rf "$F/templates"
NUDGE_CONFIG=/dev/null "$NUDGE" init "$F/init" --from "Sam Sales <sales@example.test>" --phone "+1 303 555 0100" </dev/null >/dev/null
sed -i "s|^templates .*|templates $F/init/templates|" "$F/config"
NUDGE_CONFIG=$F/config nudge template check >"$TEST_TMP/check.out"
check "template check on the shipped set: passes, and warns on each draft item" bash -c "
	test \$(grep -c 'warning: never sent: it is a draft' '$TEST_TMP/check.out') = \$(ls '$F/init/templates/value' | grep -c '\\.md\$') &&
	grep -q ' 0 broken' '$TEST_TMP/check.out'"
NUDGE_CONFIG=$F/config nudge --now 2026-01-07T09:00 lead add plain@example.test --name "Pat Plain" >/dev/null
walk plain@example.test 6 "$F"
headers plain >"$TEST_TMP/plain.json"
check "shipped templates: stages 1-5 delivered, no placeholder or example link" bash -c "
	test \$(imap_count plain) = 5 && placeholders '$TEST_TMP/plain.json'"
check "shipped library: X1 held with the reason, not sent, not lost" bash -c "
	NH=$F db_query \"SELECT state, error FROM touches t JOIN leads l ON l.id=t.lead_id WHERE l.email='plain@example.test' AND stage='X1' AND channel='email'\" | grep -q 'held|.*draft or example' &&
	grep -q 'article-first-90-days.md: not sent: it is a draft' '$TEST_TMP/walk-plain@example.test.log'"

# ---- no sender_phone: the send is held and names the key
P=$TEST_TMP/nophone
nudge_clone "$P"
sed -i "s|^templates .*|templates $F/init/templates|; /^sender_phone/d" "$P/config"
NUDGE_CONFIG=$P/config nudge --now 2026-01-07T09:00 lead add nophone@example.test --name "No Phone" >/dev/null
NUDGE_CONFIG=$P/config nudge --now 2026-01-07T10:00 tick >"$TEST_TMP/nophone.out" 2>&1
check "unconfigured {{sender.phone}}: nothing sent, held naming sender_phone" bash -c "
	test \$(imap_count nophone) = 0 &&
	NH=$P db_query \"SELECT state, error FROM touches WHERE channel='email'\" | grep -q 'held|.*{{sender.phone}} is not configured: set sender_phone'"
check "... and template check fails on it (exit 65)" bash -c "
	NUDGE_CONFIG=$P/config nudge template check >'$TEST_TMP/tc.out' 2>&1; rc=\$?
	grep -q 'error: {{sender.phone}} is not configured' '$TEST_TMP/tc.out' && test \$rc = 65"

# ---- without imap_url: said once per tick, and by status
sed -i 's|^imap_url .*|#no imap|' "$P/config"
NUDGE_CONFIG=$P/config nudge --now 2026-01-08T10:00 tick >"$TEST_TMP/noimap.out" 2>&1
check "tick without imap_url says once that replies cannot be detected" test "$(grep -c 'replies cannot be detected' "$TEST_TMP/noimap.out")" = 1
check "status says so too" bash -c "NUDGE_CONFIG=$P/config nudge status | grep -q 'replies: *NOT DETECTED' && NUDGE_CONFIG=$P/config nudge status --json | grep -q '\"replies_detected\":false'"

# ---- hot leads first; a CRM's Rating column saying Hot makes a lead hot
printf 'Email,Name,Rating,Interests,Mailing Address\nzed@example.test,Zed Cold,Cold,,\namy@example.test,Amy Hot,Hot,golf,"1 Main St, Denver CO"\n' >"$TEST_TMP/hot.csv"
NUDGE_CONFIG=$F/config nudge --now 2026-03-02T09:00 lead import "$TEST_TMP/hot.csv" >/dev/null
NUDGE_CONFIG=$F/config nudge --now 2026-03-04T10:00 agenda --full --json >"$TEST_TMP/hot.json"
check "agenda: the hot lead first, flagged; --full gives local time, address and the script" python3 - "$TEST_TMP/hot.json" <<'PY'
import json, sys
items = [i for i in json.load(open(sys.argv[1])) if i["email"] in ("zed@example.test", "amy@example.test")]
assert items[0]["email"] == "amy@example.test" and items[0]["hot"] is True, items[0]
assert all(not i["hot"] for i in items if i["email"] == "zed@example.test")
note = [i for i in items if i["email"] == "amy@example.test" and i["channel"] == "call"][0]
assert note["mailing_address"] == "1 Main St, Denver CO", note
assert note["local_time"] == "Wednesday 10:00 (America/Denver)", note
assert "+1 303 555 0100" in note["script"] and "Amy" in note["script"], note["script"]
PY
check "agenda text marks the hot lead" bash -c "NUDGE_CONFIG=$F/config nudge --now 2026-03-04T10:00 agenda | grep -q 'Amy Hot <amy@example.test>  \[HOT\]'"
finish
