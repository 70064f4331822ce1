#!/usr/bin/env python3
"""gen_csv.py N OUT.csv [notz] - a CRM-style lead export (HubSpot/Salesforce-like
headers, a few custom columns, quoted fields with commas, quotes and newlines)
for the import benchmark.  With "notz" the Time Zone column is
empty (every lead in the salesperson's zone, e.g. for the send benchmark).
Deterministic (fixed seed)."""
import csv, random, sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
out = sys.argv[2] if len(sys.argv) > 2 else "leads.csv"
notz = len(sys.argv) > 3 and sys.argv[3] == "notz"
rnd = random.Random(42)
FIRST = ["Ana", "Ben", "Chloé", "Dmitri", "Emma", "Farid", "Grace", "Hiro",
         "Inés", "Jonas", "Kwame", "Lena", "Mateo", "Nora", "Omar", "Priya"]
LAST = ["Okafor", "Smith", "O'Brien", "García", "Nguyen", "Müller", "Kowalski",
        "Rossi", "Tanaka", "Dubois", "Andersen", "Silva"]
CO = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark Industries",
      "Wayne Enterprises", "Soylent", "Tyrell", "Cyberdyne"]
SUFFIX = ["Inc.", "LLC", "Ltd", "GmbH", "S.A.", ""]
TZ = ["America/Denver", "America/New_York", "Europe/Berlin", "", "",
      "America/Los_Angeles", "Europe/London", "Asia/Tokyo"]
SRC = ["Webinar", "Trade show", "Referral", "Website", "Cold list"]
INDUSTRY = ["SaaS", "Manufacturing", "Retail", "Logistics, freight", "Health"]

with open(out, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    w.writerow(["Email Address", "First Name", "Last Name", "Company Name",
                "Phone Number", "Time Zone", "Lead Source", "Industry",
                "Employees", "Notes", "Deal Size"])
    for i in range(n):
        fn, ln = rnd.choice(FIRST), rnd.choice(LAST)
        co = "%s %s" % (rnd.choice(CO), rnd.choice(SUFFIX))
        co = co.strip()
        if i % 7 == 0:
            co = co + ", " + rnd.choice(["Europe", "US", "APAC"])
        dom = "c%d.example.com" % (i // 3)
        note = ""
        if i % 5 == 0:
            note = 'Met at booth; said "call me after Q1"'
        elif i % 11 == 0:
            note = "Two lines:\nfollow up, then demo"
        w.writerow(["%s.%s%d@%s" % (fn.lower().encode("ascii", "ignore").decode(),
                                    ln.lower().replace("'", "").encode("ascii", "ignore").decode(),
                                    i, dom),
                    fn, ln, co, "+1 (303) 555-%04d" % (i % 10000),
                    "" if notz else rnd.choice(TZ), rnd.choice(SRC), rnd.choice(INDUSTRY),
                    str(rnd.randint(5, 5000)), note,
                    "$%d,000" % rnd.randint(1, 90)])
