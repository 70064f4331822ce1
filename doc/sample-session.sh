#!/usr/bin/env bash
# sample-session.sh NUDGE - print the README's sample session: the real binary
# against the throwaway mail stack of tests/mailstack.sh (needs root, like the
# demo), in simulated time.  Every "$ nudge ..." line is run and its output
# printed as it comes; only the home directory is renamed in the output.
#   doc/sample-session.sh build/nudge > /tmp/session.txt
set -uo pipefail
NUDGE=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
TEST_NAME=sample-session
. "$(dirname "$0")/../tests/lib.sh"
export MAILSTACK_EXTRA_USERS="dora"
ms_start >/dev/null 2>&1 || { echo "cannot start the mail stack" >&2; exit 1; }
export HOME=$TEST_TMP/home XDG_CONFIG_HOME=$TEST_TMP/home/.config XDG_DATA_HOME=$TEST_TMP/home/.local/share
mkdir -p "$HOME"
cd "$HOME" || exit 1
show() { sed -e "s|$TEST_TMP/home|/home/lenann|g" -e "s|$MAILSTACK_CAFILE|/tmp/doc-mailstack/tls/cert.pem|g"; }
# run CMD...: print "$ CMD" (arguments with blanks or shell characters in
# single quotes), then its output
run() {
	local a line='$'
	for a in "$@"; do
		case $a in
		*[[:space:]\<\>\;\&\|\(\)\*\?\$\'\"]*) line="$line '$a'" ;;
		*) line="$line $a" ;;
		esac
	done
	printf '%s\n' "$line"
	"$@" 2>&1 | show
}
nudge() { "$NUDGE" "$@"; }
deliver() { bash "$MAILSTACK" deliver sales "$1" >/dev/null; }
msgid() { python3 - "$XDG_CONFIG_HOME/nudge/nudge.db" "$1" "$2" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
r = db.execute("SELECT t.message_id FROM touches t JOIN leads l ON l.id = t.lead_id WHERE l.email = ? AND t.stage = ? AND t.channel = 'email'", (sys.argv[2], sys.argv[3])).fetchone()
print(r[0] if r else "")
PY
}

echo '```'
run nudge init --from 'Lenann Gardner <sales@example.test>' --tz America/Denver --phone '+1 303 555 0100' --title 'Account Executive'
{
	echo "imap_url $MAILSTACK_IMAPS"
	echo "smtp_url $MAILSTACK_SUBMISSION"
	echo "user sales"
	echo "passwordeval echo salespw"
	echo "tls_trust_file $MAILSTACK_CAFILE"
} >>"$XDG_CONFIG_HOME/nudge/config"
cp "$top_srcdir"/tests/data/value/*.md "$XDG_CONFIG_HOME/nudge/templates/value/"
run nudge --now 2026-12-01T09:00 lead add alice@example.test --name 'Alice Rivera' --company 'Acme Corp' --phone '+1 303 555 0100' --note 'Met at the Denver expo; budget in Q1' --hot
cat >leads.csv <<'CSV'
Email,First Name,Last Name,Company,Phone,Time Zone,Interests
bob@example.test,Bob,Okafor,Globex,+1 212 555 0199,America/New_York,sailing
carol@example.test,Carol,Lee,Initech,+44 20 7946 0018,Europe/London,
dora@example.test,Dora,Ng,Umbrella,,,
not-an-address,Bad,Row,Nowhere,,,
CSV
run cat leads.csv
run nudge --now 2026-12-01T09:00 lead import leads.csv
run nudge --now 2026-12-01T09:00 lead list
echo '```'
echo
echo 'Tuesday, stage 1. The agenda lists the emails `tick` will send and the calls'
echo 'to make by hand (the hot lead first); `tick` sends, and you log the call you'
echo 'made:'
echo
echo '```'
run nudge --now 2026-12-01T09:00 agenda
run nudge --now 2026-12-01T09:05 tick
run nudge --now 2026-12-01T10:30 log alice@example.test call --outcome voicemail
echo '```'
for d in 2026-12-02 2026-12-03 2026-12-04; do
	for h in 09:05 12:05 16:55; do nudge --now "${d}T$h" tick >/dev/null 2>&1; done
done
echo
echo 'The rest of the week passes (three ticks a day: each touch has its own time'
echo 'of the lead'"'"'s day). Then three answers arrive, and a delivery report that'
echo 'names Alice but cites a message nudge never sent:'
echo
printf 'From: Bob Okafor <bob@example.test>\nTo: Lenann Gardner <sales@example.test>\nSubject: Re: hello\nDate: Fri, 4 Dec 2026 11:12:00 -0500\nMessage-ID: <reply-1@example.test>\nIn-Reply-To: %s\n\nHi Lenann, good timing. Can you do Tuesday at 10?\n\nBob\n' "$(msgid bob@example.test 1)" >bob.eml
printf 'From: Carol Lee <carol@example.test>\nTo: Lenann Gardner <sales@example.test>\nSubject: Re: hello\nDate: Mon, 7 Dec 2026 09:40:00 +0000\nMessage-ID: <reply-2@example.test>\nIn-Reply-To: %s\n\nThanks, but not now - we are mid-budget. Try me in March.\n\nCarol\n' "$(msgid carol@example.test 1)" >carol.eml
printf 'From: Dora Ng <dora@example.test>\nTo: Lenann Gardner <sales@example.test>\nSubject: Re: hello\nDate: Mon, 7 Dec 2026 10:02:00 -0700\nMessage-ID: <reply-3@example.test>\nIn-Reply-To: %s\n\nNo thanks, we are all set.\n' "$(msgid dora@example.test 1)" >dora.eml
printf 'From: Mail Delivery System <MAILER-DAEMON@relay.elsewhere.example>\nTo: sales@example.test\nSubject: Undelivered Mail Returned to Sender\nDate: Mon, 7 Dec 2026 10:30:00 -0700\nMessage-ID: <dsn-1@relay.elsewhere.example>\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n--b\nContent-Type: text/plain\n\nYour message could not be delivered.\n\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; relay.elsewhere.example\n\nFinal-Recipient: rfc822; alice@example.test\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\n\n--b\nContent-Type: text/rfc822-headers\n\nFrom: someone@elsewhere.example\nTo: alice@example.test\nSubject: hi\nMessage-ID: <not-ours@elsewhere.example>\n\n--b--\n' >dsn.eml
for f in bob carol dora dsn; do deliver "$f.eml"; done
echo '```'
run nudge --now 2026-12-07T12:00 tick
run nudge --now 2026-12-07T12:00 review
run nudge --now 2026-12-07T12:30 review 1 other
echo '```'
echo
echo "Bob's story: his touches, his reply (the new text only) and the timeline,"
echo 'each event with the rule or message that caused it. His cold sequence'
echo 'stopped, and the after-contact sequence starts with a thank-you the next'
echo 'business day; a reply task waits on the agenda until you answer him:'
echo
echo '```'
run nudge --now 2026-12-07T12:30 lead show bob@example.test
run nudge --now 2026-12-07T12:30 lead list
run nudge --now 2026-12-07T12:30 status
echo '```'
