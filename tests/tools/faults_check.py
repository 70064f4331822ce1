#!/usr/bin/env python3
"""faults_check - the invariants of one trial of tests/integration/faults.sh.

    faults_check.py SINK_MAILDIR DATABASE DOMAIN [REPLIED,...] [POSTFIX_LOG]

Every lead at DOMAIN in DATABASE: a lead in REPLIED (it had answered before
the agent ran) got no email; every other lead's stage-1 email is 'sent' and
delivered to the sink exactly once, with the Message-ID the database holds.
No Message-ID is delivered twice, no lead at DOMAIN gets two messages.
Prints "dup D lost L (...)" and the details; exits 0 when both are 0.

What nudge sent is counted where it hands the message over: Postfix's
cleanup logs one "message-id=<...>" line per submission.  A message
submitted once but delivered twice is Postfix's own redelivery after it was
stopped in the middle of a delivery (at-least-once): noted, not counted.
"""
import re
import collections
import email
import email.utils
import glob
import os
import sqlite3
import sys

sink, dbpath, domain = sys.argv[1:4]
replied = set(a.lower() for a in (sys.argv[4] if len(sys.argv) > 4 else "").split(",") if a)
submitted = None
if len(sys.argv) > 5:
    submitted = collections.Counter()
    with open(sys.argv[5], errors="replace") as fh:
        for line in fh:
            m = re.search(r"postfix/cleanup\[\d+\]: \w+: message-id=(<[^>]*>)", line)
            if m:
                submitted[m.group(1)] += 1

by_mid = collections.Counter()
by_rcpt = collections.Counter()
mids_of = collections.defaultdict(list)
for f in glob.glob(os.path.join(sink, "new", "*")) + glob.glob(os.path.join(sink, "cur", "*")):
    with open(f, "rb") as fh:
        m = email.message_from_binary_file(fh)
    to = email.utils.parseaddr(str(m.get("To", "")))[1].lower()
    if not to.endswith("@" + domain):
        continue
    mid = str(m.get("Message-ID", "")).strip()
    by_mid[mid] += 1
    by_rcpt[to] += 1
    mids_of[to].append(mid)

db = sqlite3.connect("file:%s?mode=ro" % dbpath, uri=True)
rows = db.execute(
    "SELECT l.email, l.status, t.state, t.message_id, t.error FROM leads l"
    " LEFT JOIN touches t ON t.lead_id = l.id AND t.channel = 'email' AND t.stage = '1'").fetchall()

dup, lost, sent, problems = 0, 0, 0, []
redelivered = set()
for mid, c in by_mid.items():
    if c > 1 and submitted is not None and submitted[mid] == 1:
        redelivered.add(mid)
        print("note: %s submitted once, delivered %d times (Postfix redelivered it after its stop)" % (mid, c))
    elif c > 1:
        dup += 1
        problems.append("Message-ID %s delivered %d times (submitted %s)" % (
            mid, c, submitted[mid] if submitted is not None else "?"))
for rcpt, c in by_rcpt.items():
    distinct = set(mids_of[rcpt])
    if len(distinct) > 1:
        dup += 1
        problems.append("%s got %d messages: %s" % (rcpt, c, mids_of[rcpt]))
for addr, status, state, mid, err in rows:
    addr = addr.lower()
    got = by_rcpt.get(addr, 0)
    if addr in replied:
        if got:
            dup += 1
            problems.append("%s had replied but was mailed (%s)" % (addr, state))
        if status == "active":
            lost += 1
            problems.append("%s had replied but is still active" % addr)
        continue
    if state == "sent" and got >= 1 and set(mids_of[addr]) == {mid} and (got == 1 or mid in redelivered):
        sent += 1
        continue
    lost += 1
    problems.append("%s: touch %s (%s), %d delivered %s, database says %s" % (
        addr, state, err or "-", got, mids_of.get(addr, []), mid))

print("dup %d lost %d (%d leads, %d sent, %d replied)" % (dup, lost, len(rows), sent, len(replied)))
for p in problems:
    print("  " + p)
sys.exit(0 if dup == 0 and lost == 0 else 1)
