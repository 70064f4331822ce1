#!/usr/bin/env bash
# mailin.sh - reading the salesperson's mailbox on real Dovecot: a reply stops the
# lead, an out-of-office pauses it and it resumes on the right day at the same
# stage, a real Postfix bounce retires it, an unsubscribe suppresses it, unrelated
# mail is ignored, and a second sync of an unchanged mailbox does nothing and
# changes no flag.
. "$(dirname "$0")/../lib.sh"
ms_start
# exact dates and one tick a day: touches at the start of their day, and
# no public holidays in the dates the checks name
nudge_setup vary_times off country_holidays off

msgid() { db_query "SELECT message_id FROM touches t JOIN leads l ON l.id = t.lead_id WHERE l.email = '$1' AND t.channel = 'email' AND t.stage = '$2'"; }
status() { nudge lead show "$1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])'; }
deliver() { ms deliver sales "$1" >/dev/null; }
export -f msgid status deliver
flags() {
	python3 - "$MAILSTACK_IMAPS_PORT" "$MAILSTACK_CAFILE" <<'PY'
import imaplib, ssl, sys
m = imaplib.IMAP4_SSL("127.0.0.1", int(sys.argv[1]), ssl_context=ssl.create_default_context(cafile=sys.argv[2]))
m.login("sales", "salespw")
m.select("INBOX", readonly=True)
typ, data = m.fetch("1:*", "(UID FLAGS)")
print(sorted(d.decode() for d in data if d))
m.logout()
PY
}

for who in "alice Alice Archer" "bob Bob Baker" "carol Carol Clark" "dave Dave Doe"; do
	set -- $who
	nudge --now 2026-01-07T09:00 lead add "$1@example.test" --name "$2 $3" --company "$3 Inc" >/dev/null
done
nudge --now 2026-01-07T09:00 lead add bounce@example.test --name "Bo Unce" >/dev/null
check "stage 1 sent to five leads" bash -c "nudge --now 2026-01-07T10:00 tick | grep -q '5 sent'"
check "Postfix's own bounce for the refused mailbox reaches the INBOX" wait_count sales INBOX 1 10

# the answers, as their mail clients would write them
cat >"$TEST_TMP/reply.eml" <<EOF
From: Alice Archer <alice@example.test>
To: Sam Sales <sales@example.test>
Subject: Re: $(db_query "SELECT subject FROM touches WHERE message_id = '$(msgid alice@example.test 1)'")
Date: Thu, 8 Jan 2026 08:12:00 -0700
Message-ID: <reply-1@mail.example.test>
In-Reply-To: $(msgid alice@example.test 1)
References: $(msgid alice@example.test 1)
Content-Type: text/plain; charset=utf-8

Sounds good - can you call me Thursday after 2pm?

Alice

On Wed, Jan 7, 2026 at 10:00 AM Sam Sales <sales@example.test> wrote:
> Hi Alice,
> I'd like 15 minutes to learn how Archer Inc handles this today.
EOF
cat >"$TEST_TMP/ooo.eml" <<EOF
From: Bob Baker <bob@example.test>
To: Sam Sales <sales@example.test>
Subject: Automatic reply: $(db_query "SELECT subject FROM touches WHERE message_id = '$(msgid bob@example.test 1)'")
Date: Wed, 7 Jan 2026 10:00:05 -0700
Message-ID: <ooo-1@mail.example.test>
In-Reply-To: $(msgid bob@example.test 1)
Auto-Submitted: auto-replied
X-Auto-Response-Suppress: All
Content-Type: text/plain; charset=utf-8

Thank you for your message. I am out of the office with limited access to
email until Tuesday, January 20, 2026. I will respond when I return.

For urgent matters please contact support@example.test.
EOF
cat >"$TEST_TMP/unsub.eml" <<EOF
From: Carol Clark <carol@example.test>
To: Sam Sales <sales@example.test>
Subject: unsubscribe
Date: Thu, 8 Jan 2026 09:00:00 -0700
Message-ID: <unsub-1@mail.example.test>
Content-Type: text/plain; charset=utf-8

Please remove me from your mailing list. Do not contact me again.
EOF
cat >"$TEST_TMP/other.eml" <<EOF
From: Newsletter <news@vendor.example>
To: Sam Sales <sales@example.test>
Subject: This week in sales
Date: Thu, 8 Jan 2026 09:30:00 -0700
Message-ID: <news-1@vendor.example>
List-Id: <weekly.vendor.example>
List-Unsubscribe: <mailto:leave@vendor.example>
Precedence: bulk
Content-Type: text/plain; charset=utf-8

Ten tips for better follow-up.
EOF
for f in reply ooo unsub other; do deliver "$TEST_TMP/$f.eml"; done
flags >"$TEST_TMP/flags.before"

nudge --now 2026-01-09T10:00 tick >"$TEST_TMP/tick2.out" 2>&1
check "the tick read the new messages" grep -q '5 new messages' "$TEST_TMP/tick2.out"
check "reply: alice engaged" test "$(status alice@example.test)" = engaged
check "reply: the new text is in the notes, without the quote" bash -c "nudge lead show alice@example.test | grep -q 'call me Thursday' && ! nudge lead show alice@example.test | grep -q '15 minutes to learn'"
check "reply: the timeline says which rule matched" bash -c "nudge lead show alice@example.test | grep -q 'in-reply-to'"
check "reply: alice got nothing after her reply" test "$(imap_count alice)" = 1
check "out of office: bob paused" test "$(status bob@example.test)" = paused
# "out until Tue Jan 20": first day back (the return date) Wed Jan 21; the
# sequence resumes the business day after it, Thu Jan 22
check "out of office: paused until the business day after the return date" bash -c "nudge lead show bob@example.test --json | grep -q '\"paused_until\":\"2026-01-22'"
check "bounce: the lead is bounced" test "$(status bounce@example.test)" = bounced
check "unsubscribe: carol unsubscribed" test "$(status carol@example.test)" = unsubscribed
check "unsubscribe: carol got nothing more" test "$(imap_count carol)" = 1
check "suppressed addresses cannot be enrolled again" bash -c "nudge lead retire carol@example.test >/dev/null; ! nudge lead add Carol@Example.test 2>/dev/null"
check "unrelated mail is ignored; dave got stage 2" bash -c "wait_count dave INBOX 2"
check "... and dave is still active" test "$(status dave@example.test)" = active

# a second sync of the unchanged mailbox: no work, no flag changed
nudge --now 2026-01-09T10:05 tick >"$TEST_TMP/tick3.out" 2>&1
check "second sync does no work" bash -c "grep -q '^0 new messages' '$TEST_TMP/tick3.out' && grep -q ' 0 sent' '$TEST_TMP/tick3.out'"
flags >"$TEST_TMP/flags.after"
check "no flag in the mailbox changed" cmp "$TEST_TMP/flags.before" "$TEST_TMP/flags.after"
check "each message recorded once" test "$(db_query 'SELECT count(*) FROM messages')" = 5
check "a message seen again under a new UID is not acted on twice" bash -c "
	deliver '$TEST_TMP/reply.eml'; nudge --now 2026-01-09T10:10 tick | grep -q '^0 new messages'"

# out of office: nothing while away, then the stage it was at, on the right day
nudge --now 2026-01-20T10:00 tick >/dev/null 2>&1
nudge --now 2026-01-21T10:00 tick >/dev/null 2>&1
check "paused: nothing sent while away nor on the first day back" test "$(imap_count bob)" = 1
nudge --now 2026-01-22T10:00 tick >/dev/null 2>&1
check "resumed the business day after the return date with stage 2" bash -c "wait_count bob INBOX 2 && test \$(msgid bob@example.test 2 | wc -l) = 1"
check "... active again" test "$(status bob@example.test)" = active
check "... and stage 3 is due 3 business days later" bash -c "nudge lead show bob@example.test --json | grep -q '\"next_due\":\"2026-01-27'"

# after-contact: a reply moves the lead to the after-contact sequence
echo "after_contact after-contact" >>"$NH/config"
echo "watch_sent on" >>"$NH/config"
nudge --now 2026-01-22T09:00 lead add erin@example.test --name "Erin Early" --company "Early Co" >/dev/null
nudge --now 2026-01-22T10:40 tick >/dev/null 2>&1
printf 'From: Erin Early <erin@example.test>\nTo: sales@example.test\nSubject: Re: hi\nMessage-ID: <erin-reply@example.test>\nIn-Reply-To: %s\n\nYes, let us talk on Monday.\n' \
	"$(msgid erin@example.test 1)" >"$TEST_TMP/erin.eml"
deliver "$TEST_TMP/erin.eml"
nudge --now 2026-01-22T11:00 tick >/dev/null 2>&1
check "after_contact: the reply enrolls the lead in the after-contact sequence" bash -c "
	nudge lead show erin@example.test --json | grep -q '\"sequence\":\"after-contact\"' &&
	nudge lead show erin@example.test | grep -q 'active -> engaged'"
nudge --now 2026-01-22T14:00 tick >/dev/null 2>&1
check "... nothing automatic while her reply waits for an answer" test "$(imap_count erin)" = 1
nudge --now 2026-01-22T14:30 log erin@example.test call --connected >/dev/null
nudge --now 2026-01-23T16:30 tick >/dev/null 2>&1
check "... answered, the thank-you goes out the next business day, in the thread" bash -c "
	wait_count erin INBOX 2 && grep -l '^Subject: Re: ' \$(imap_files erin) | xargs grep -l 'Thank you for getting back to me' >/dev/null"

# watch_sent: a mail written by hand to a lead counts as that stage's email
nudge --now 2026-01-22T09:00 lead add lead5@example.test --name "Hand Written" >/dev/null
nudge --now 2026-01-22T10:50 tick >/dev/null 2>&1
python3 - "$MAILSTACK_IMAPS_PORT" "$MAILSTACK_CAFILE" <<'PY'
import imaplib, ssl, sys
m = imaplib.IMAP4_SSL("127.0.0.1", int(sys.argv[1]), ssl_context=ssl.create_default_context(cafile=sys.argv[2]))
m.login("sales", "salespw")
msg = (b"From: Sam Sales <sales@example.test>\r\nTo: Hand Written <lead5@example.test>\r\n"
       b"Subject: quick question\r\nDate: Mon, 26 Jan 2026 09:15:00 -0700\r\n"
       b"Message-ID: <by-hand@example.test>\r\n\r\nHi - one more thought, written by hand.\r\n")
m.append("Sent", "(\\Seen)", None, msg)
m.logout()
PY
nudge --now 2026-01-26T10:00 tick >"$TEST_TMP/sent.out" 2>&1
check "watch_sent: the hand-written mail completed stage 2; nothing was sent for it" bash -c "
	test \$(imap_count lead5) = 1 &&
	nudge lead show lead5@example.test | grep -q 'email (stage 2) logged: sent by hand' &&
	nudge lead show lead5@example.test --json | grep -q '\"stage\":\"3\"'"
check "watch_sent: our own copies in Sent are not counted twice" test "$(db_query "SELECT count(*) FROM messages WHERE class = 'own'")" -ge 1

# nudge classify on the same files
check "classify --json names class, lead and return date" bash -c "
	nudge classify --json '$TEST_TMP/ooo.eml' '$TEST_TMP/reply.eml' | python3 -c '
import json, sys
o, r = json.load(sys.stdin)
assert o[\"class\"] == \"auto_reply\" and o[\"return_date\"] == \"2026-01-21\" and o[\"lead\"] == \"bob@example.test\", o
assert r[\"class\"] == \"human_reply\" and \"call me Thursday\" in r[\"reply_text\"] and r[\"lead\"] == \"alice@example.test\", r'"
printf 'From: x\n\n' >"$TEST_TMP/trunc.eml"
head -c 100000 /dev/urandom >"$TEST_TMP/random.eml"
python3 -c 'print("Content-Type: multipart/mixed; boundary=a\n\n" + "--a\nContent-Type: multipart/mixed; boundary=a\n\n" * 20000)' >"$TEST_TMP/deep.eml"
check "malformed, truncated, deeply nested messages: no crash" bash -c "
	for f in trunc random deep; do nudge classify '$TEST_TMP/'\$f.eml >/dev/null 2>&1; rc=\$?; [ \$rc -lt 128 ] || exit 1; done"
check "... and delivered into the INBOX they do not stop the agent" bash -c "
	for f in random deep; do ms deliver sales '$TEST_TMP/'\$f.eml >/dev/null; done; nudge --now 2026-01-22T10:30 tick >/dev/null"
finish
