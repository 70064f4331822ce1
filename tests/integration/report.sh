#!/usr/bin/env bash
# report.sh - `nudge report` and `nudge export ics` end to end on a database
# with known sends, replies and bounces (written straight into the tables):
# the JSON figures equal the hand-counted ones; the SVG is well-formed,
# renders to a PNG that is not blank, with one bar per stage, each painted
# where the SVG puts it; the HTML page has no script and fetches nothing; the
# ICS parses with Python's icalendar, is CRLF and folded at 75 octets,
# escapes , ; \ and newlines, and keeps its UIDs across two exports.
. "$(dirname "$0")/../lib.sh"
: "${NUDGE:=$top_builddir/nudge}"
export NUDGE_DATADIR=${NUDGE_DATADIR:-$top_srcdir}
[ -x "$NUDGE" ] || fail "no nudge binary at $NUDGE"
D=$TEST_TMP/home
export NUDGE_CONFIG=$D/config
unset NUDGE_NOW
nudge() { ${NUDGE_WRAP:-} "$NUDGE" "$@"; }
# Debian's python3 (icalendar, PIL), not a pyenv one without them
SYSPY=/usr/bin/python3

nudge init "$D" --from "Sam Sales <sam@example.test>" --tz America/Denver \
	--phone "+1 303 555 0100" </dev/null >/dev/null || fail "nudge init failed"
NAME='Doe, Jane; Q\A'
NOTE=$'met at the expo, booth 4; wants\na demo \\ soon'
nudge --now 2026-11-02T08:00 lead add jane@acme.example --name "$NAME" \
	--company "Acme, Inc." --phone "+1 555 0100" --note "$NOTE" >/dev/null || fail "lead add"
nudge --now 2026-11-02T08:00 lead add bob@bounce.example --name "Bob B" >/dev/null || fail "lead add"
nudge --now 2026-11-02T08:00 lead add carl@later.example --name "Carl C" >/dev/null || fail "lead add"

# the history, in the salesperson's zone (America/Denver)
python3 - "$D/nudge.db" <<'PY' || fail "cannot write the history"
import sqlite3, sys, datetime, zoneinfo
tz = zoneinfo.ZoneInfo("America/Denver")
db = sqlite3.connect(sys.argv[1])
ids = {e: i for i, e in db.execute("SELECT id, email FROM leads")}
def t(s):
    return int(datetime.datetime.fromisoformat(s).replace(tzinfo=tz).timestamp())
def touch(who, stage, channel, when):
    db.execute("INSERT INTO touches (lead_id, stage, channel, due, state, done_at)"
               " VALUES (?, ?, ?, ?, ?, ?)", (ids[who], stage, channel, t(when),
               "sent" if channel == "email" else "done", t(when)))
def event(who, typ, detail, when):
    db.execute("INSERT INTO events (lead_id, at, type, detail) VALUES (?, ?, ?, ?)",
               (ids[who], t(when), typ, detail))
R = "human_reply (r; matched by thread: In-Reply-To)"
touch("jane@acme.example", "1", "email", "2026-11-02T10:00")
touch("jane@acme.example", "2", "email", "2026-11-04T10:00")
event("jane@acme.example", "message", R, "2026-11-05T09:00")
event("jane@acme.example", "status", "active -> engaged: replied (intent interested by r)", "2026-11-05T09:00")
touch("bob@bounce.example", "1", "email", "2026-11-02T10:01")
touch("bob@bounce.example", "1", "call", "2026-11-02T11:00")
event("bob@bounce.example", "message", "bounce_hard (dsn; matched by dsn: x)", "2026-11-03T08:00")
event("bob@bounce.example", "status", "active -> bounced: hard bounce 5.1.1", "2026-11-03T08:00")
touch("carl@later.example", "1", "email", "2026-11-03T10:00")
event("carl@later.example", "message", "auto_reply (ooo; matched by thread: x)", "2026-11-04T08:00")
touch("carl@later.example", "2", "email", "2026-11-09T10:00")
event("carl@later.example", "message", R, "2026-11-10T16:00")
db.commit()
PY

R="nudge --now 2026-11-16T09:00 report --since 2026-11-02 --until 2026-11-15"
check "report --json equals the hand count" bash -c "$R --json | python3 -c '
import json, sys
r = json.load(sys.stdin)
t = r[\"totals\"]
want = dict(leads_entered=3, leads_touched=3, touches=6, replies=2, reply_messages=2,
            out_of_office=1, bounces_hard=1, bounces_soft=0, leads_bounced=1, opt_outs=0,
            median_business_days_to_reply=4.0, sent_max_day=2, days_at_cap=0, daily_cap=150)
bad = {k: (t[k], v) for k, v in want.items() if t[k] != v}
assert not bad, bad
assert t[\"channels\"][\"email\"] == 5 and t[\"channels\"][\"call\"] == 1, t[\"channels\"]
assert t[\"intents\"][\"interested\"] == 1 and sum(t[\"intents\"].values()) == 1, t[\"intents\"]
assert r[\"contacts_to_reply\"] == [0, 2] + [0] * 11, r[\"contacts_to_reply\"]
assert (r[\"since\"], r[\"until\"], r[\"days\"]) == (\"2026-11-02\", \"2026-11-15\", 14), r
st = [(s[\"stage\"], s[\"leads\"], s[\"touches\"], s[\"replies\"]) for s in r[\"stages\"]]
assert st == [(\"1\", 3, 4, 0), (\"2\", 2, 2, 2)], st
assert [d[\"sent\"] for d in r[\"sends_per_day\"]][:9] == [2, 1, 1, 0, 0, 0, 0, 1, 0]
assert [s[\"name\"] for s in r[\"sequences\"]] == [\"12345x\"]
'"
check "report prints nothing on stderr when it is no terminal" bash -c "$R 2>'$TEST_TMP/err' >/dev/null && test ! -s '$TEST_TMP/err'"
check "report text names the figures" bash -c "$R | grep -q 'Replies            2 (66.7% of leads touched'"
check "report on an empty period" bash -c "nudge --now 2026-11-16T09:00 report --since 2025-01-01 --until 2025-01-31 | grep -q 'no touches in this period'"
check "report refuses a bad date" bash -c "$R --since 2026-13-01; test \$? = 64"

check "report --svg writes the charts" $R --svg "$TEST_TMP/r.svg"
check "the SVG is well-formed, one bar per stage" python3 - "$TEST_TMP/r.svg" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
bars = [e.get("data-stage") for e in root.iter(ns + "rect") if e.get("class") == "bar stage"]
assert bars == ["1", "2"], bars
PY
if command -v rsvg-convert >/dev/null && $SYSPY -c 'import PIL' 2>/dev/null; then
	check "the SVG renders: not blank, each stage bar painted" bash -c "
		rsvg-convert -o '$TEST_TMP/r.png' '$TEST_TMP/r.svg' && $SYSPY - '$TEST_TMP/r.svg' '$TEST_TMP/r.png' <<'PY'
import sys, xml.etree.ElementTree as ET
from PIL import Image
im = Image.open(sys.argv[2]).convert('RGB')
colors = im.getcolors(1 << 20)
assert colors and len(colors) > 8, 'blank image: %r' % (colors[:4] if colors else None)
ns = '{http://www.w3.org/2000/svg}'
root = ET.parse(sys.argv[1]).getroot()
blue = (0x3b, 0x6e, 0xa8)
n = 0
for e in root.iter(ns + 'rect'):
    if e.get('class') != 'bar stage':
        continue
    x, y = float(e.get('x')) + float(e.get('width')) / 2, float(e.get('y')) + float(e.get('height')) / 2
    px = im.getpixel((int(x), int(y)))
    assert max(abs(a - b) for a, b in zip(px, blue)) < 8, (e.get('data-stage'), px)
    n += 1
assert n == 2, n
PY"
else
	echo "# skipped the PNG check: needs rsvg-convert (librsvg2-bin) and python3-pil" >&2
fi

check "report --html writes one page" $R --html "$TEST_TMP/r.html"
check "the page is self-contained: no script, nothing fetched" python3 - "$TEST_TMP/r.html" <<'PY'
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    tags, refs = [], []
    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.refs += [v for k, v in attrs if k in ("src", "href", "srcset", "action", "data")]
text = open(sys.argv[1], encoding="utf-8").read()
p = P(); p.feed(text)
assert "script" not in p.tags and "link" not in p.tags and "img" not in p.tags, p.tags
assert not p.refs, p.refs
assert "url(" not in text and "@import" not in text
assert p.tags.count("svg") == 1 and p.tags.count("table") >= 3, p.tags
PY
if command -v chromium >/dev/null && $SYSPY -c 'import PIL' 2>/dev/null; then
	# the network log tells the page's own requests (initiator "null", the
	# file origin) from Chromium's background ones ("not an origin"); a
	# dead proxy keeps anything from leaving the machine
	check "the page renders in headless Chromium and requests nothing" bash -c "
		timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run \
			--user-data-dir='$TEST_TMP/chromium' --proxy-server=127.0.0.1:9 \
			--log-net-log='$TEST_TMP/net.json' --screenshot='$TEST_TMP/page.png' \
			--window-size=900,1600 'file://$TEST_TMP/r.html' >'$TEST_TMP/chromium.log' 2>&1
		$SYSPY - '$TEST_TMP/page.png' '$TEST_TMP/net.json' <<'PY'
import json, sys
from PIL import Image
im = Image.open(sys.argv[1]).convert('RGB')
colors = im.getcolors(1 << 20) or []
assert len(colors) > 16, 'blank screenshot'
# the funnel's blue bars are on the page
assert any(max(abs(a - b) for a, b in zip(c, (0x3b, 0x6e, 0xa8))) < 8 for _, c in colors)
d = json.load(open(sys.argv[2]))
start = d['constants']['logEventTypes']['URL_REQUEST_START_JOB']
page = [e['params']['url'] for e in d['events'] if e['type'] == start
        and e.get('params', {}).get('initiator', 'not an origin') != 'not an origin']
assert not page, page
PY"
else
	echo "# skipped the Chromium screenshot: needs chromium and python3-pil" >&2
fi

I="nudge --now 2026-11-02T08:00 export ics --days 14"
check "export ics writes a file" $I "$TEST_TMP/a.ics"
check "export ics again (later)" nudge --now 2026-11-02T09:30 export ics --days 14 "$TEST_TMP/b.ics"
check "every UID is nudge-touch-N@ the sender's domain" python3 - "$TEST_TMP/a.ics" <<'PY'
import re, sys
uids = [l for l in open(sys.argv[1], "rb").read().decode().split("\r\n") if l.startswith("UID:")]
assert uids, "no UID"
bad = [u for u in uids if not re.fullmatch(r"UID:nudge-touch-\d+@example\.test", u)]
assert not bad, bad
PY
check "the ICS is CRLF and folded at 75 octets" python3 - "$TEST_TMP/a.ics" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b""), "bare LF or CR"
lines = data.split(b"\r\n")[:-1]
assert all(len(l) <= 75 for l in lines), max(len(l) for l in lines)
assert any(l.startswith(b" ") for l in lines), "nothing long enough to fold?"
for l in lines:
    l.decode("utf-8")  # no sequence split by folding
PY
if $SYSPY -c 'import icalendar' 2>/dev/null; then
	check "the ICS parses; names, notes and escapes survive; UIDs stable" \
		env NAME="$NAME" NOTE="$NOTE" $SYSPY - "$TEST_TMP/a.ics" "$TEST_TMP/b.ics" "$D/nudge.db" <<'PY'
import os, sqlite3, sys, icalendar
cals = [icalendar.Calendar.from_ical(open(f, "rb").read()) for f in sys.argv[1:3]]
evs = [[c for c in cal.walk("VEVENT")] for cal in cals]
db = sqlite3.connect(sys.argv[3])
want = db.execute("SELECT count(*) FROM touches t JOIN leads l ON l.id = t.lead_id"
                  " WHERE t.state IN ('planned', 'held') AND t.channel NOT IN ('email')"
                  " AND l.status IN ('active', 'engaged')").fetchone()[0]
assert want > 0 and len(evs[0]) == want, (len(evs[0]), want)
uids = [sorted(str(e["UID"]) for e in ev) for ev in evs]
assert uids[0] == uids[1] and len(set(uids[0])) == len(uids[0]), uids
jane = [e for e in evs[0] if os.environ["NAME"] in str(e["SUMMARY"])]
assert jane, [str(e["SUMMARY"]) for e in evs[0]]
d = str(jane[0]["DESCRIPTION"])
assert os.environ["NOTE"] in d, d
assert "+1 555 0100" in d and "Acme, Inc." in str(jane[0]["SUMMARY"]), d
assert jane[0]["DTSTART"].dt.isoformat() >= "2026-11-02", jane[0]["DTSTART"].dt
PY
else
	echo "# skipped the icalendar parse: apt-get install python3-icalendar" >&2
	check "UIDs stable across two exports" bash -c "diff <(grep ^UID '$TEST_TMP/a.ics') <(grep ^UID '$TEST_TMP/b.ics')"
fi
check "export ics refuses a bad --days" bash -c "nudge export ics --days -3; test \$? = 64"

# bash completion: commands, options, and the lead emails from the database
complete_words() {
	(
		complete() { :; }
		. "$top_srcdir/completion/nudge"
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_nudge
		printf '%s\n' "${COMPREPLY[@]}"
	)
}
check "completion offers report and export" bash -c "$(declare -f complete_words nudge); top_srcdir='$top_srcdir' NUDGE='$NUDGE'
	complete_words nudge re | grep -qx report && complete_words nudge re | grep -qx review &&
	complete_words nudge export '' | grep -qx ics && complete_words nudge report --s | grep -qxe --since"
check "completion offers the lead emails" bash -c "$(declare -f complete_words nudge); top_srcdir='$top_srcdir' NUDGE='$NUDGE'
	complete_words nudge lead show j | grep -qx jane@acme.example &&
	complete_words nudge --db '$D/nudge.db' log '' | grep -qx bob@bounce.example"
finish
