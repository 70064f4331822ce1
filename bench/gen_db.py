#!/usr/bin/env python3
"""gen_db.py DB N NOW_EPOCH [DUE_PERCENT] - bulk-fill a database that
`nudge init` created (so the schema is exactly nudge's) with N active leads,
each with one planned email touch and one planned call touch of the same
stage.  DUE_PERCENT (default 1) of the leads have their touches due today
before NOW (spread over the 2 hours before it); the rest are due 1..90 days
later.  Rows satisfy every CHECK constraint of agent/store.c's schema.
Deterministic (fixed seed)."""
import random, sqlite3, sys, time

path, n, now = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
pct = float(sys.argv[4]) if len(sys.argv) > 4 else 1.0
rnd = random.Random(7)
db = sqlite3.connect(path, isolation_level=None)
ver = db.execute("PRAGMA user_version").fetchone()[0]
cols = [r[1] for r in db.execute("PRAGMA table_info(leads)")]
tcols = [r[1] for r in db.execute("PRAGMA table_info(touches)")]
for c in ("email", "status", "sequence", "step", "next_due", "created", "updated"):
    if c not in cols:
        sys.exit("gen_db: leads has no column %s (schema v%d): update gen_db.py" % (c, ver))
for c in ("lead_id", "stage", "channel", "due", "state"):
    if c not in tcols:
        sys.exit("gen_db: touches has no column %s (schema v%d): update gen_db.py" % (c, ver))
if db.execute("SELECT count(*) FROM leads").fetchone()[0]:
    sys.exit("gen_db: %s already holds leads" % path)

db.execute("PRAGMA journal_mode = OFF")
db.execute("PRAGMA synchronous = OFF")
db.execute("PRAGMA cache_size = -262144")
FIRST = ["Ana", "Ben", "Chloe", "Dmitri", "Emma", "Farid", "Grace", "Hiro"]
CO = ["Acme Inc.", "Globex", "Initech", "Umbrella", "Hooli", None]
TZ = [None, None, "America/New_York", "Europe/Berlin", "America/Los_Angeles"]
ndue = int(round(n * pct / 100.0))
due_ids = set(rnd.sample(range(n), ndue))
day = 86400
t0 = time.time()
db.execute("BEGIN")
leads, touches = [], []
tid = 0
for i in range(n):
    lid = i + 1
    stage = rnd.randint(1, 5)
    if i in due_ids:
        due = now - rnd.randint(0, 7200)
    else:
        due = now + day * rnd.randint(1, 90) + rnd.randint(0, 36000)
    created = now - day * 7 * stage
    fn = FIRST[i % len(FIRST)]
    dom = "c%d.example.com" % (i // 4)
    leads.append((lid, "lead%07d@%s" % (i, dom), fn + " Lead%d" % i, fn,
                  CO[i % len(CO)], dom, "+1 303 555 %04d" % (i % 10000),
                  TZ[i % len(TZ)], "bench", "active", "12345x", stage - 1, 0,
                  due, created, created, created - day if stage > 1 else None))
    touches.append((lid, str(stage), "email", due))
    touches.append((lid, str(stage), "call", due))
    if len(leads) >= 20000:
        db.executemany("INSERT INTO leads (id, email, name, first_name, company,"
                       " domain, phone, tz, source, status, sequence, step, xcount,"
                       " next_due, created, updated, last_done)"
                       " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", leads)
        db.executemany("INSERT INTO touches (lead_id, stage, channel, due, state)"
                       " VALUES (?,?,?,?,'planned')", touches)
        leads, touches = [], []
if leads:
    db.executemany("INSERT INTO leads (id, email, name, first_name, company,"
                   " domain, phone, tz, source, status, sequence, step, xcount,"
                   " next_due, created, updated, last_done)"
                   " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", leads)
    db.executemany("INSERT INTO touches (lead_id, stage, channel, due, state)"
                   " VALUES (?,?,?,?,'planned')", touches)
db.execute("COMMIT")
# no ANALYZE: nudge never runs it, so a real database has no sqlite_stat1
db.execute("PRAGMA journal_mode = WAL")
db.close()
print("gen_db: %d leads (%d due), %d touches in %.1f s" % (n, ndue, 2 * n, time.time() - t0),
      file=sys.stderr)
