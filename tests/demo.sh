#!/usr/bin/env bash
# demo.sh NUDGE - `./quickstart demo`: the real agent on a throwaway local mail stack
# (Postfix + Dovecot on loopback, removed at the end), five sample leads walked
# through three months of the 1-2-3-4-5-X cadence in simulated time: one replies,
# one is out of office, one address bounces, two go on to the monthly X touches.
set -uo pipefail
NUDGE=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
TEST_NAME=demo
. "$(dirname "$0")/lib.sh"

b() { printf '\033[1m%s\033[0m\n' "$*"; }
say() { printf '%s\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
	say "The demo starts its own Postfix and Dovecot, which needs root: sudo ./quickstart demo"
	exit 77
fi
b "Starting a throwaway mail stack (Postfix + Dovecot on 127.0.0.1)..."
export MAILSTACK_EXTRA_USERS="ana ben dan eve"
ms_start 2>/dev/null
nudge_setup
say "  salesperson: Sam Sales <sales@example.test>; config: $NH/config"
say

b "Enrolling five leads on Wednesday 2026-01-07"
nudge --now 2026-01-07T09:00 lead add ana@example.test --name "Ana Alvarez" --company "Alvarez Logistics" --phone "+1 303 555 0101" >/dev/null
nudge --now 2026-01-07T09:00 lead add ben@example.test --name "Ben Brooks" --company "Brooks Dental" >/dev/null
nudge --now 2026-01-07T09:00 lead add bounce@example.test --name "Cleo Gone" --company "Defunct Inc" >/dev/null
nudge --now 2026-01-07T09:00 lead add dan@example.test --name "Dan Diaz" --company "Diaz Builders" >/dev/null
nudge --now 2026-01-07T09:00 lead add eve@example.test --name "Eve Evans" --company "Evans & Co" >/dev/null
nudge lead list
say
b "The agenda of the first day (what 'nudge tick' will send, and the calls to make):"
nudge --now 2026-01-07T08:00 agenda | sed -n '1,12p'
say "  ..."
say

msgid() { db_query "SELECT message_id FROM touches t JOIN leads l ON l.id = t.lead_id WHERE l.email = '$1' AND t.channel = 'email' AND t.stage = '$2'"; }
b "Three months in simulated time: one 'nudge tick' every business morning"
day=2026-01-07
while [[ $day < 2026-04-01 ]]; do
	if [ "$(date -d "$day" +%u)" -le 5 ]; then
		# a morning and a late-afternoon pass: each touch has its own
		# time of the lead's day
		out=$(nudge --now "${day}T10:00" tick --json 2>"$TEST_TMP/tick.err")
		out=$(nudge --now "${day}T16:55" tick --json 2>>"$TEST_TMP/tick.err")
		sent=$(db_query "SELECT group_concat(l.email || ' stage ' || t.stage, ', ') FROM touches t JOIN leads l ON l.id = t.lead_id WHERE t.state = 'sent' AND date(t.done_at, 'unixepoch', '-7 hours') = '$day'")
		events=$(db_query "SELECT group_concat(l.email || ': ' || e.detail, '; ') FROM events e JOIN leads l ON l.id = e.lead_id WHERE e.type = 'status' AND date(e.at, 'unixepoch', '-7 hours') = '$day'")
		[ -n "$sent$events" ] && printf '  %s %s  %s%s\n' "$(date -d "$day" +%a)" "$day" "${sent:+sent: $sent}" "${events:+${sent:+ | }$events}"
		case $day in
		2026-01-09)
			printf 'From: Ben Brooks <ben@example.test>\nTo: sales@example.test\nSubject: Out of Office\nAuto-Submitted: auto-replied\nMessage-ID: <ben-ooo@example.test>\nDate: Fri, 9 Jan 2026 10:00:04 -0700\n\nThanks for your email. I am out of the office and will be back on Monday, January 19, 2026.\n' >"$TEST_TMP/ooo.eml"
			ms deliver sales "$TEST_TMP/ooo.eml" >/dev/null
			say "           (Ben's out-of-office reply lands in Sam's INBOX: back on Monday January 19)" ;;
		2026-01-14)
			printf 'From: Ana Alvarez <ana@example.test>\nTo: sales@example.test\nSubject: Re: follow-up\nMessage-ID: <ana-reply@example.test>\nIn-Reply-To: %s\nDate: Wed, 14 Jan 2026 11:32:00 -0700\n\nHi Sam, good timing - we are reviewing carriers next month.\nCan you do a call on Tuesday at 2pm?\n\nAna\n\nOn Wed, Jan 14, 2026 at 10:00 AM Sam Sales wrote:\n> Hi Ana,\n> One more idea for Alvarez Logistics.\n' "$(msgid ana@example.test 3)" >"$TEST_TMP/reply.eml"
			ms deliver sales "$TEST_TMP/reply.eml" >/dev/null
			say "           (Ana answers the stage-3 email: her reply lands in Sam's INBOX)" ;;
		2026-01-15)
			nudge --now 2026-01-15T17:30 log ana@example.test call --connected --note "Call booked for Tuesday 2pm" >/dev/null
			say "           (Sam calls Ana back and books Tuesday 2pm; logging the call answers her reply)" ;;
		2026-01-16)
			printf 'From: Dan Diaz <dan@example.test>\nTo: sales@example.test\nSubject: Re: follow-up\nMessage-ID: <dan-reply@example.test>\nIn-Reply-To: %s\nDate: Fri, 16 Jan 2026 09:12:00 -0700\n\nThanks Sam. Not now, we are in the middle of our budget round.\nTry me in March.\n\nDan\n' "$(msgid dan@example.test 3)" >"$TEST_TMP/later.eml"
			ms deliver sales "$TEST_TMP/later.eml" >/dev/null
			say "           (Dan answers: not now, try me in March)" ;;
		esac
	fi
	day=$(date -d "$day + 1 day" +%F)
done
say

for who in ana ben bounce dan eve; do
	b "Timeline of $who@example.test"
	nudge lead show "$who@example.test" | sed -n '/^Timeline:/,$p' | sed 1d | grep -v ' scheduled ' | sed -n '1,14p'
	nudge lead show "$who@example.test" | grep -E '^  status:|^  sequence:'
	nudge lead show "$who@example.test" | sed -n '/^Notes:/,/^Timeline:/p' | grep '\[reply\]' | head -n 3
	say
done
b "What the leads received, read from their mailboxes:"
for who in ana ben dan eve; do printf '  %-18s %s messages\n' "$who@example.test" "$(imap_count "$who")"; done
printf '  %-18s %s copies in the Sent folder\n' "sales@example.test" "$(imap_count sales Sent)"
say
b "nudge status"
nudge --now 2026-03-31T10:00 status
say
say "Ana replied after stage 3: her cold sequence stopped, nothing automatic went to"
say "her until Sam had answered (he logged his call), and then the after-contact"
say "sequence took over (a thank-you, a follow-up, a check-in), then nurture.  Dan said"
say "'not now, try me in March': he was snoozed, and heard from Sam again in March."
say "Ben was paused while away and resumed at the stage he was at; Cleo's address"
say "bounced, so the lead is retired and the address suppressed; Eve went on to the"
say "monthly value-add touches."
say "The mail stack and everything in $TEST_TMP are removed now."
