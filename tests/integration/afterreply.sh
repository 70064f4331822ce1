#!/usr/bin/env bash
# afterreply.sh - what follows a reply, on real Postfix and Dovecot in simulated
# time: "not now, try me in March" is snoozed and followed up in March; "let's
# talk" gets three after-contact touches within thirty days, then nurture, and is
# never retired, but no automatic email while one of its replies waits for the
# salesperson's answer; "no thanks" and the answer "3" to a template offering "3 = stop"
# are suppressed; a reply naming a colleague creates that lead with the replier as
# its source; a forged bounce that cites nothing nudge sent leaves its lead
# active and goes to the review queue; a soft bounce sends the stage again
# after a backoff and the third retires the lead, while forged soft bounces
# count for nothing; every change is on the timeline.
. "$(dirname "$0")/../lib.sh"
export MAILSTACK_EXTRA_USERS="later talk nothanks refer forged three maria away soft softfake"
ms_start
nudge_setup

msgid() { db_query "SELECT message_id FROM touches t JOIN leads l ON l.id = t.lead_id WHERE l.email = '$1' AND t.channel = 'email' AND t.stage = '$2' ORDER BY t.id LIMIT 1"; }
status() { nudge lead show "$1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])'; }
field() { nudge lead show "$1" --json | python3 -c "import json,sys; print(json.load(sys.stdin).get('$2') or '')"; }
deliver() { ms deliver sales "$1" >/dev/null; }
export -f msgid status field deliver
# reply FROM NAME STAGE DATE BODY: a reply written in a mail client to our stage email
reply() {
	local id; id=$(msgid "$1" "$3")
	cat >"$TEST_TMP/r.eml" <<MSG
From: $2 <$1>
To: Sam Sales <sales@example.test>
Subject: Re: our conversation
Date: $4
Message-ID: <r-$RANDOM-$RANDOM@mail.example>
In-Reply-To: $id
References: $id
Content-Type: text/plain; charset=utf-8

$5

On $4, Sam Sales <sales@example.test> wrote:
> Hi, following up on my note.
MSG
	deliver "$TEST_TMP/r.eml"
}
# tick_days FROM TO: one tick at 10:00 on every weekday from FROM to TO
tick_days() {
	local d=$1
	while [[ ! $d > $2 ]]; do
		case $(date -d "$d" +%u) in 6 | 7) ;; *) nudge --now "${d}T10:00" tick >/dev/null 2>&1 ;; esac
		d=$(date -d "$d + 1 day" +%F)
	done
}

# stage 4 offers numbered answers: its Answers: header says what each means
check "the shipped stage 4 email offers 3 = stop" grep -q '^Answers:.* 3=stop' "$NH/templates/4.email"
check "template check accepts it" nudge template check

for who in "later Lara Later" "talk Tom Talk" "nothanks Nora Nothanks" "refer Rui Refer" "forged Fay Forged" "three Theo Three" "away Ada Away" "soft Sol Soft" "softfake Sia Softfake"; do
	set -- $who
	nudge --now 2026-01-06T09:00 lead add "$1@example.test" --name "$2 $3" --company "$3 Co" >/dev/null
done
check "stage 1 sent to nine leads" bash -c "nudge --now 2026-01-06T10:00 tick | grep -q '9 sent'"

reply later@example.test "Lara Later" 1 "Tue, 6 Jan 2026 14:02:00 -0700" \
	"Thanks for getting in touch. Not now - we are in the middle of a migration. Try me in March."
reply talk@example.test "Tom Talk" 1 "Tue, 6 Jan 2026 14:05:00 -0700" \
	"Yes, let's talk. Does Thursday afternoon work for a call?"
reply nothanks@example.test "Nora Nothanks" 1 "Tue, 6 Jan 2026 14:07:00 -0700" "No thanks."
reply refer@example.test "Rui Refer" 1 "Tue, 6 Jan 2026 14:09:00 -0700" \
	"I'm not the right person for this. Please reach out to my colleague Maria Lopez (maria@example.test), who runs purchasing here."
# a delivery report naming a lead, citing a message nudge never sent
cat >"$TEST_TMP/forged.eml" <<'MSG'
From: Mail Delivery System <MAILER-DAEMON@relay.forger.example>
To: sales@example.test
Subject: Undelivered Mail Returned to Sender
Date: Tue, 6 Jan 2026 14:11:00 -0700
Message-ID: <forged-dsn-1@relay.forger.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

I'm sorry to have to inform you that your message could not be delivered.
<forged@example.test>: host mx.example.test said: 550 5.1.1 User unknown

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; relay.forger.example

Final-Recipient: rfc822; forged@example.test
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <forged@example.test>: User unknown

--b1
Content-Type: text/rfc822-headers

From: Someone Else <someone@elsewhere.example>
To: forged@example.test
Subject: hello
Message-ID: <never-sent-by-nudge@elsewhere.example>

--b1--
MSG
deliver "$TEST_TMP/forged.eml"
# an out-of-office naming a return eight months away
cat >"$TEST_TMP/away.eml" <<MSG
From: Ada Away <away@example.test>
To: Sam Sales <sales@example.test>
Subject: Automatic reply: $(db_query "SELECT subject FROM touches WHERE message_id = '$(msgid away@example.test 1)'")
Date: Tue, 6 Jan 2026 10:00:09 -0700
Message-ID: <away-ooo@mail.example>
In-Reply-To: $(msgid away@example.test 1)
Auto-Submitted: auto-replied
Content-Type: text/plain; charset=utf-8

Thank you for your message. I am on parental leave and will be back on
Tuesday, September 1, 2026. I will not be reading email until then.
MSG
deliver "$TEST_TMP/away.eml"
# softdsn LEAD CITED-MESSAGE-ID N: a mailbox-full report for LEAD's mail
softdsn() {
	cat >"$TEST_TMP/soft.eml" <<MSG
From: Mail Delivery System <MAILER-DAEMON@mx.example.test>
To: sales@example.test
Subject: Undelivered Mail Returned to Sender
Date: Tue, 6 Jan 2026 16:0$3:00 -0700
Message-ID: <soft-dsn-$1-$3@mx.example.test>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b2"

--b2
Content-Type: text/plain

Your message could not be delivered: the recipient's mailbox is full.

--b2
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.test

Final-Recipient: rfc822; $1
Action: failed
Status: 4.2.2
Diagnostic-Code: smtp; 452 4.2.2 <$1>: Mailbox full

--b2
Content-Type: text/rfc822-headers

From: Sam Sales <sales@example.test>
To: $1
Subject: following up
Message-ID: $2

--b2--
MSG
	deliver "$TEST_TMP/soft.eml"
}
softdsn soft@example.test "$(msgid soft@example.test 1)" 1
for i in 1 2 3; do softdsn softfake@example.test "<not-ours-$i@elsewhere.example>" $i; done
nudge --now 2026-01-07T10:00 tick >"$TEST_TMP/tick.out" 2>&1
resends() { db_query "SELECT count(*) FROM touches t JOIN leads l ON l.id = t.lead_id WHERE l.email = '$1' AND t.channel = 'email' AND t.stage = '1' AND t.state = '$2'"; }
export -f resends
check "soft bounce: the lead stays active, stage 1 planned again" bash -c "test \$(status soft@example.test) = active && test \$(resends soft@example.test planned) = 1"
check "... its timeline says when" bash -c "nudge lead show soft@example.test | grep -q 'stage 1 email to be sent again on 2026-01-08 (soft bounce 1 of 3)'"
check "three forged soft bounces: not counted, no resend, the lead goes on" bash -c "
	test \$(status softfake@example.test) = active && test \$(resends softfake@example.test planned) = 0 &&
	test \$(nudge lead show softfake@example.test | grep -c 'not counted') = 3"

check "later: snoozed until March" bash -c "test \$(status later@example.test) = snoozed && field later@example.test paused_until | grep -q '^2026-03-0'"
check "talk: engaged in the after-contact sequence" bash -c "test \$(status talk@example.test) = engaged && test \$(field talk@example.test sequence) = after-contact"
check "no thanks: unsubscribed and suppressed" bash -c "test \$(status nothanks@example.test) = unsubscribed && ! nudge lead add nothanks@example.test 2>/dev/null"
check "referral: the colleague is a new lead with the replier as source" bash -c "test \$(field maria@example.test source) = refer@example.test && nudge lead show maria@example.test | grep -q 'referred by refer@example.test'"
check "referral: the replier is engaged and its timeline names the new lead" bash -c "test \$(status refer@example.test) = engaged && nudge lead show refer@example.test | grep -q 'maria@example.test: added as a lead'"
check "forged bounce: the lead stays active" test "$(status forged@example.test)" = active
check "forged bounce: it waits in the review queue" bash -c "nudge review --json | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert any(x[\"lead\"] == \"forged@example.test\" and x[\"guess\"] == \"bounce_hard\" for x in r), r'"
check "a return eight months away: paused for ooo_max_pause (60 days) only" bash -c "
	test \$(status away@example.test) = paused && field away@example.test paused_until | grep -q '^2026-03-0'"
check "... and the capped pause waits in the review queue" bash -c "nudge review --json | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert any(x[\"lead\"] == \"away@example.test\" and x[\"guess\"] == \"auto_reply\" and x[\"date\"] == \"2026-09-01\" for x in r), r'"
check "the agenda counts what awaits review" bash -c "nudge --now 2026-01-07T10:05 agenda | grep -q 'await.* your review'"
check "every reply leaves a reply task on the agenda" bash -c "nudge --now 2026-01-07T10:05 agenda | grep -q 'replied: .*Try me in March'"
check "timeline: the intent and its rule are recorded" bash -c "nudge lead show later@example.test | grep -q 'intent later' && nudge lead show nothanks@example.test | grep -q 'intent stop'"

# the salesperson decides the review: not a bounce
rid=$(nudge review --json | python3 -c 'import json,sys; print([x["id"] for x in json.load(sys.stdin) if x["lead"] == "forged@example.test"][0])')
check "review ID other: decided, the lead goes on" bash -c "nudge --now 2026-01-07T11:00 review $rid other && test \$(status forged@example.test) = active && nudge lead show forged@example.test | grep -q 'review $rid decided: other'"

# the soft-bounced stage goes again the next day; two more bounces retire
nudge --now 2026-01-08T10:00 tick >/dev/null 2>&1
# tom asked a question: no automatic email while it waits for an answer
nudge --now 2026-01-08T14:59 tick >/dev/null 2>&1
check "talk: no after-contact email while the reply waits for an answer" bash -c "
	test \$(imap_count talk) = 1 && nudge --now 2026-01-08T10:05 agenda | grep -q 'Thursday afternoon'"
nudge --now 2026-01-08T15:00 log talk@example.test call --connected --note "Booked Thursday 2pm" >/dev/null
ac1_due() { db_query "SELECT datetime(due, 'unixepoch') FROM touches t JOIN leads l ON l.id = t.lead_id WHERE l.email = 'talk@example.test' AND t.channel = 'email' AND t.state = '$1' ORDER BY t.id DESC LIMIT 1"; }
export -f ac1_due
check "... answered: the thank-you moves to a day after the answer" bash -c "
	test \"\$(ac1_due planned)\" '>' '2026-01-09 21:59' && ! nudge --now 2026-01-08T15:05 agenda | grep -q 'Thursday afternoon'"
check "soft bounce: stage 1 sent again a day later" bash -c "test \$(resends soft@example.test sent) = 2 && wait_count soft INBOX 2"
softdsn soft@example.test "$(db_query "SELECT message_id FROM touches t JOIN leads l ON l.id = t.lead_id WHERE l.email = 'soft@example.test' AND t.stage = '1' ORDER BY t.id DESC LIMIT 1")" 2
nudge --now 2026-01-09T10:00 tick >/dev/null 2>&1
check "a second soft bounce: sent again two days later" bash -c "nudge lead show soft@example.test | grep -q 'sent again on 2026-01-11 (soft bounce 2 of 3)'"
softdsn soft@example.test "$(msgid soft@example.test 1)" 3

# three weeks of weekdays: theo walks to stage 4, tom gets after-contact
tick_days 2026-01-12 2026-01-13
check "talk: the thank-you went out after the answer" test "$(imap_count talk)" = 2
# an engaged lead writes again: its next after-contact email waits too
reply talk@example.test "Tom Talk" 1 "Tue, 13 Jan 2026 16:00:00 -0700" \
	"One more thing before Thursday: does it also work with our SAP system?"
tick_days 2026-01-14 2026-01-20
check "talk: nothing more while the second reply waits" test "$(imap_count talk)" = 2
nudge --now 2026-01-20T16:00 log talk@example.test call --connected --note "Answered the SAP question" >/dev/null
tick_days 2026-01-21 2026-01-27
check "the third soft bounce retires the lead, with the reason shown" bash -c "
	test \$(status soft@example.test) = retired && nudge lead show soft@example.test | grep -q 'retired after 3 soft bounces (last: 4.2.2'"
check "stage 4 went to theo" test -n "$(msgid three@example.test 4)"
reply three@example.test "Theo Three" 4 "Tue, 27 Jan 2026 15:00:00 -0700" "3"
nudge --now 2026-01-28T10:00 tick >/dev/null 2>&1
check "the answer 3 to 'Answers: 3=stop': unsubscribed" test "$(status three@example.test)" = unsubscribed
check "... its timeline names the template answer" bash -c "nudge lead show three@example.test | grep -q 'answer 3 to the stage 4 email'"
n_three=$(imap_count three)

tick_days 2026-01-29 2026-02-27
check "later: nothing at all while snoozed" test "$(imap_count later)" = 1
check "talk: three after-contact touches within thirty days of the last answer" bash -c "
	test \$(db_query \"SELECT count(*) FROM touches t JOIN leads l ON l.id = t.lead_id WHERE l.email = 'talk@example.test' AND t.channel = 'email' AND t.state = 'sent' AND t.done_at <= strftime('%s', '2026-02-19T23:59:00-07:00')\") = 4"
check "three: nothing after the answer" test "$(imap_count three)" = "$n_three"
check "no thanks: nothing after the reply" test "$(imap_count nothanks)" = 1

tick_days 2026-03-02 2026-03-03
check "later: followed up in March with the re-opening touch" bash -c "wait_count later INBOX 2 && test \$(field later@example.test sequence) = reopen -o \$(field later@example.test sequence) = nurture"

tick_days 2026-03-04 2026-06-30
check "talk: on nurture after after-contact, still engaged, never retired" bash -c "test \$(status talk@example.test) = engaged && test \$(field talk@example.test sequence) = nurture"
check "talk: a nurture touch went out" bash -c "test \$(imap_count talk) -ge 5"
check "every status change is on the timeline with its cause" bash -c "
	for l in later talk nothanks refer three; do
		nudge lead show \$l@example.test | grep -Eq '(active|engaged) -> ' || exit 1
	done"
finish
