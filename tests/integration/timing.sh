#!/usr/bin/env bash
# timing.sh - when touches are planned and sent, on the real mail stack in
# simulated time: ten leads in five zones walk stages 1-5; no lead has two of
# its touches 1-5 planned in the same hour of its local day, none goes out on a
# weekend or before 08:00 or after 18:00 local (nor on a public holiday of the
# lead's country, when the country's calendar is known); a lead imported at
# 16:55 local on a Friday gets touch 1 on Monday morning, local; the X touches
# of a lead move through the week; a hot lead's X stage has a call each month.
. "$(dirname "$0")/../lib.sh"
export MAILSTACK_EXTRA_USERS="la1 la2 ny1 ny2 ld1 ld2 be1 be2 tk1 tk2 fri hot blitz"
ms_start
nudge_setup

i=0
for who in "la1 America/Los_Angeles +1 213 555 0101" "la2 America/Los_Angeles +1 213 555 0102" \
	"ny1 America/New_York +1 212 555 0103" "ny2 America/New_York +1 212 555 0104" \
	"ld1 Europe/London +44 20 7946 0105" "ld2 Europe/London +44 20 7946 0106" \
	"be1 Europe/Berlin +49 30 5555 0107" "be2 Europe/Berlin +49 30 5555 0108" \
	"tk1 Asia/Tokyo +81 3 5555 0109" "tk2 Asia/Tokyo +81 3 5555 0110"; do
	set -- $who
	i=$((i + 1))
	nudge --now "$(printf '2026-03-25T%02d:%02d' $((i % 3 + 7)) $((i * 5)))" lead add "$1@example.test" --name "Lead $1" \
		--company "Co $1" --tz "$2" --phone "$3 $4 $5 $6" >/dev/null
done

# tick_until END: tick at each instant something falls due (plus the window
# openings), as a daemon would, until END (UTC)
next_due() {
	db_query "SELECT min(t.due) FROM touches t JOIN leads l ON l.id = t.lead_id
		WHERE t.state = 'planned' AND t.channel = 'email' AND l.status IN ('active', 'engaged')"
}
tick_until() {
	local end now last=0 n=0
	end=$(date -u -d "$1" +%s)
	while n=$((n + 1)) && [ $n -lt 400 ]; do
		now=$(next_due)
		[ -n "$now" ] || break
		[ "$now" -gt "$last" ] || now=$((last + 3600))
		[ "$now" -le "$end" ] || break
		nudge --now "$(date -u -d "@$now" +%FT%TZ)" tick --no-sync >/dev/null 2>&1
		last=$now
	done
}
tick_until 2026-04-25T00:00:00Z

# what was planned and sent, per lead, in its own zone
db_query "SELECT l.email, l.tz, t.stage, t.due, t.done_at FROM touches t JOIN leads l ON l.id = t.lead_id
	WHERE t.channel = 'email' AND t.state <> 'skipped' ORDER BY l.email, t.id" >"$TEST_TMP/touches"
check "every lead reached stage 5" test "$(db_query "SELECT count(DISTINCT lead_id) FROM touches WHERE stage = '5' AND channel = 'email' AND state = 'sent'")" = 10
check "no lead has two of its touches 1-5 planned in the same local hour" python3 - "$TEST_TMP/touches" <<'PY'
import sys, datetime, zoneinfo, collections
hours = collections.defaultdict(list)
for line in open(sys.argv[1]):
    email, tz, stage, due, done = line.rstrip("\n").split("|")
    if stage in "12345" and len(stage) == 1:
        t = datetime.datetime.fromtimestamp(int(due), zoneinfo.ZoneInfo(tz))
        hours[email].append(t.hour)
bad = {e: h for e, h in hours.items() if len(h) != len(set(h)) or len(h) < 5}
assert not bad, bad
# and the parts of the day vary: not all in one part for any lead
for e, h in hours.items():
    parts = {0 if x < 11 else 1 if x < 14 else 2 for x in h}
    assert len(parts) >= 2, (e, h)
PY
check "nothing sent on a weekend, before 08:00 or after 18:00 local" python3 - "$TEST_TMP/touches" <<'PY'
import sys, datetime, zoneinfo
for line in open(sys.argv[1]):
    email, tz, stage, due, done = line.rstrip("\n").split("|")
    if not done:
        continue
    t = datetime.datetime.fromtimestamp(int(done), zoneinfo.ZoneInfo(tz))
    assert t.weekday() < 5, (email, stage, t)
    assert 8 <= t.hour < 18, (email, stage, t)
PY
check "nothing sent on a public holiday of the lead's country" python3 - "$TEST_TMP/touches" <<'PY'
import sys, datetime, zoneinfo
off = {"Europe/London": {"2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31"},
       "Europe/Berlin": {"2026-04-03", "2026-04-06", "2026-05-01", "2026-05-14", "2026-05-25", "2026-10-03"},
       "Asia/Tokyo": {"2026-04-29", "2026-05-04", "2026-05-05", "2026-05-06", "2026-07-20", "2026-09-21", "2026-09-22", "2026-09-23"},
       "America/New_York": {"2026-05-25", "2026-06-19", "2026-07-03", "2026-09-07"},
       "America/Los_Angeles": {"2026-05-25", "2026-06-19", "2026-07-03", "2026-09-07"}}
planned_on_holiday = 0
for line in open(sys.argv[1]):
    email, tz, stage, due, done = line.rstrip("\n").split("|")
    z = zoneinfo.ZoneInfo(tz)
    d = datetime.datetime.fromtimestamp(int(due), z).date().isoformat()
    assert d not in off[tz], (email, stage, "planned on", d)
    if done:
        d = datetime.datetime.fromtimestamp(int(done), z).date().isoformat()
        assert d not in off[tz], (email, stage, "sent on", d)
PY

# a lead that arrives at 16:55 on a Friday, its time: touch 1 on Monday morning
nudge --now 2026-03-27T16:55:00+01:00 lead add fri@example.test --name "Friday Late" --tz Europe/Berlin >/dev/null
check "imported 16:55 on a Friday: touch 1 planned for Monday morning, local" python3 - <<PY
import datetime, zoneinfo, sqlite3
db = sqlite3.connect("file:$NH/nudge.db?mode=ro", uri=True)
(due,) = db.execute("SELECT t.due FROM touches t JOIN leads l ON l.id = t.lead_id WHERE l.email = 'fri@example.test' AND t.stage = '1' AND t.channel = 'email'").fetchone()
t = datetime.datetime.fromtimestamp(due, zoneinfo.ZoneInfo("Europe/Berlin"))
assert t.date() == datetime.date(2026, 3, 30) and 8 <= t.hour < 12, t
PY

# call-blitz: a call (and a short email) on three business days in a row
check "nudge sequences lists call-blitz with its steps" bash -c "nudge sequences | grep -A3 '^call-blitz' | grep -Eq '^  2 +1 business day +(email call|call email)'"
nudge --now 2026-04-09T09:00 lead add blitz@example.test --name "Blitz Lead" --sequence call-blitz >/dev/null
for d in 2026-04-09 2026-04-10 2026-04-13 2026-04-14; do
	for h in 10:00 16:55; do nudge --now "${d}T$h" tick --no-sync >/dev/null 2>&1; done
done
check "call-blitz: calls planned on three consecutive business days (Thu, Fri, Mon)" bash -c "
	test \"\$(db_query \"SELECT group_concat(d, ' ') FROM (SELECT date(t.due, 'unixepoch', '-6 hours') AS d FROM touches t JOIN leads l ON l.id = t.lead_id WHERE l.email = 'blitz@example.test' AND t.channel = 'call' ORDER BY t.due)\")\" = '2026-04-09 2026-04-10 2026-04-13'"
check "call-blitz: then the 'missed you by phone' email" bash -c "
	test \"\$(db_query \"SELECT t.subject FROM touches t JOIN leads l ON l.id = t.lead_id WHERE l.email = 'blitz@example.test' AND t.stage = '4' AND t.channel = 'email'\")\" = 'Missed you by phone'"

# X touches move through the week; a hot lead keeps a monthly call
nudge --now 2026-03-25T09:00 lead add hot@example.test --name "Hot Lead" --hot >/dev/null
tick_until 2026-09-15T00:00:00Z
check "a lead's X touches fall on more than one weekday" python3 - <<PY
import datetime, zoneinfo, sqlite3
db = sqlite3.connect("file:$NH/nudge.db?mode=ro", uri=True)
days = {r[0]: set() for r in db.execute("SELECT email FROM leads")}
for email, tz, due in db.execute("SELECT l.email, l.tz, t.due FROM touches t JOIN leads l ON l.id = t.lead_id WHERE t.stage LIKE 'X%' AND t.channel = 'email'"):
    days[email].add(datetime.datetime.fromtimestamp(due, zoneinfo.ZoneInfo(tz or "America/Denver")).weekday())
many = [e for e, d in days.items() if len(d) >= 2]
assert len(many) >= 5, days
PY
check "a hot lead's X stage has a call task every month" bash -c "
	x=\$(db_query \"SELECT count(*) FROM touches t JOIN leads l ON l.id = t.lead_id WHERE l.email = 'hot@example.test' AND t.stage LIKE 'X%' AND t.channel = 'email'\") &&
	test \$x -ge 3 &&
	test \$(db_query \"SELECT count(*) FROM touches t JOIN leads l ON l.id = t.lead_id WHERE l.email = 'hot@example.test' AND t.stage LIKE 'X%' AND t.channel = 'call'\") = \$x &&
	test \$(db_query \"SELECT count(*) FROM touches t JOIN leads l ON l.id = t.lead_id WHERE l.email = 'la1@example.test' AND t.stage LIKE 'X%' AND t.channel = 'call'\") = 0"
check "lead show --json gives the planned times" bash -c "nudge lead show ny1@example.test --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert all(t[\"due\"] for t in d[\"touches\"]), d'"
finish
