#!/usr/bin/env python3
"""replytext_score.py - nudge's reply text against public reply-parser suites.

    replytext_score.py EXPECTED.tsv REPLIES_DIR WORK_DIR NUDGE [ARGS...]

EXPECTED.tsv (replytext_expected.tsv) lists assertions on the new text of the
fixtures under REPLIES_DIR (shared/corpus/replies: talon/, github/).  Fixtures
that are bare bodies (github's .txt, talon's signature bodies, talon's HTML
fragments) are wrapped in a minimal reply (From/To/Subject: Re:/In-Reply-To,
text/plain or text/html, utf-8, 8bit) written to WORK_DIR, without the "#sig#"
marks talon's signature fixtures put before signature lines; .eml files are used
as they are.  One `NUDGE [ARGS...] classify --json FILES...` process reads them
all.  Text is compared whitespace-normalised (runs of white space are one
space, ends trimmed); exact checks also ignore case, like score-classify.py.

Prints each failed assertion with what nudge gave, then per suite and overall:
    suite N/M assertions, X/Y exact texts
and last the machine-readable lines
    assertions PASSED TOTAL / exact MATCHED TOTAL / suite NAME PASSED TOTAL
"""
import collections, csv, json, os, re, subprocess, sys, time

exp_path, replies, work = sys.argv[1:4]
nudge = sys.argv[4:]
rows = [r for r in csv.DictReader((l for l in open(exp_path, encoding="utf-8") if not l.startswith("#")),
                                  delimiter="\t")]

HEAD = ("From: Lead <lead@example.com>\nTo: Sam Sales <sales@example.test>\n"
        "Subject: Re: a quick question\nDate: Tue, 24 Nov 2026 09:00:00 -0700\n"
        "Message-ID: <reply-{n}@example.com>\nIn-Reply-To: <nudge-1@example.test>\n"
        "MIME-Version: 1.0\nContent-Type: text/{sub}; charset=utf-8\n"
        "Content-Transfer-Encoding: 8bit\n\n")
os.makedirs(work, exist_ok=True)
paths = {}
for i, f in enumerate(sorted({r["file"] for r in rows})):
    src = os.path.join(replies, f)
    if f.endswith(".eml"):
        paths[f] = src
        continue
    sub = "html" if f.endswith(".html") else "plain"
    dst = os.path.join(work, "%02d-%s.eml" % (i, os.path.basename(f)))
    with open(src, "rb") as s, open(dst, "wb") as d:
        d.write(HEAD.format(n=i, sub=sub).encode())
        body = s.read()
        if "signature_emails_" in f:  # talon marks signature lines "#sig#": the mail had none
            body = b"\n".join(l[5:] if l.startswith(b"#sig#") else l for l in body.split(b"\n"))
        d.write(body)
    paths[f] = dst

files = list(paths.values())
t0 = time.time()
p = subprocess.run(nudge + ["classify", "--json"] + files, capture_output=True, timeout=120)
secs = time.time() - t0
try:
    out = json.loads(p.stdout.decode("utf-8", "replace"))
except ValueError:
    sys.exit("nudge classify gave no JSON (exit %d): %s" % (p.returncode, p.stderr.decode()[:300]))
if isinstance(out, dict):
    out = [out]
got = {}
for f, path in paths.items():
    for o in out:
        if o.get("file") == path:
            got[f] = o

ws = lambda s: re.sub(r"\s+", " ", s or "").strip()
unesc = lambda s: s.replace("\\n", "\n").replace("\\t", "\t")
passed = collections.Counter()
total = collections.Counter()
ex_ok = collections.Counter()
ex_n = collections.Counter()
failed = []
for r in rows:
    suite = r["file"].split("/")[0]
    o = got.get(r["file"], {})
    text = o.get("reply_text") or ""
    want = unesc(r["expected"])
    c = r["check"]
    if c == "exact":
        ok = ws(text).lower() in [ws(a).lower() for a in want.split("|||")]
        ex_n[suite] += 1
        ex_ok[suite] += ok
    elif c == "starts":
        ok = ws(text).startswith(ws(want))
    elif c == "contains":
        ok = ws(want) in ws(text)
    elif c == "lacks":
        ok = ws(want) not in ws(text)
    elif c == "nonempty":
        ok = ws(text) != ""
    else:
        sys.exit("unknown check %r" % c)
    total[suite] += 1
    passed[suite] += ok
    if not ok:
        t = ws(text)
        failed.append("%s: %s %r (%s)\n    got [%s] %r" % (
            r["file"], c, ws(want)[:70], r["origin"], o.get("class", "?"),
            t[:150] + ("..." if len(t) > 150 else "")))

for line in failed:
    print("FAIL " + line)
print()
print("one nudge process, %d files, %.2f s" % (len(files), secs))
for s in sorted(total):
    print("%-7s %d/%d assertions, %d/%d exact texts" % (s, passed[s], total[s], ex_ok[s], ex_n[s]))
print("all     %d/%d assertions (%.1f%%), %d/%d exact texts (%.1f%%)" % (
    sum(passed.values()), sum(total.values()), 100.0 * sum(passed.values()) / max(1, sum(total.values())),
    sum(ex_ok.values()), sum(ex_n.values()), 100.0 * sum(ex_ok.values()) / max(1, sum(ex_n.values()))))
print()
print("assertions %d %d" % (sum(passed.values()), sum(total.values())))
print("exact %d %d" % (sum(ex_ok.values()), sum(ex_n.values())))
for s in sorted(total):
    print("suite %s %d %d" % (s, passed[s], total[s]))
