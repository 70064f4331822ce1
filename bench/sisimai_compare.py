#!/usr/bin/env python3
"""sisimai_compare.py - nudge's bounce grading against Sisimai's, for bench_sisimai.sh.

    sisimai_compare.py SISIMAI.tsv NUDGE.json LABELS.tsv CORPUS_DIR

SISIMAI.tsv is `sisimai_grade.pl grade` output (file, recipient, hard, reason,
status, reply code); NUDGE.json is `nudge classify --json` over the same files
(an array); LABELS.tsv is the corpus' labels (file, class, extra), whose extra
column carries `sisimai_hard=true|false` (the verdict of the Sisimai release the
corpus was labelled with) and `reason=`.

A file's Sisimai verdict is that of the record whose recipient is nudge's
failed_recipient, else of its first record with a verdict.  nudge's verdict is
hard for class bounce_hard, soft for bounce_soft; any other class on a file
Sisimai grades is a disagreement ("not graded").  Prints the disagreements, by
Sisimai reason, and last the summary lines the bench parses:
    agree-installed N M   agree-labels N M   label-class N M
"""
import collections, csv, json, os, sys

sis_path, nudge_path, labels_path, corpus = sys.argv[1:5]

sis = collections.defaultdict(list)
for row in csv.reader(open(sis_path, newline="", encoding="utf-8"), delimiter="\t"):
    if len(row) >= 6:
        sis[os.path.basename(row[0])].append(row)

nudge = {}
for o in json.load(open(nudge_path, encoding="utf-8")):
    nudge[os.path.basename(o.get("file") or "")] = o

labels = {}
for row in csv.reader(open(labels_path, newline="", encoding="utf-8"), delimiter="\t"):
    if len(row) >= 2 and row[0].startswith("bounces/"):
        extra = dict(kv.split("=", 1) for kv in (row[2] if len(row) > 2 else "").split(";") if "=" in kv)
        labels[os.path.basename(row[0])] = (row[1], extra)


def nudge_grade(o):
    c = (o or {}).get("class") or "?"
    return {"bounce_hard": "hard", "bounce_soft": "soft"}.get(c, "not graded (%s)" % c)


def sis_record(name, o):
    recs = [r for r in sis.get(name, []) if r[2] in ("true", "false")]
    if not recs:
        return None
    want = ((o or {}).get("failed_recipient") or "").lower()
    for r in recs:
        if want and r[1].lower() == want:
            return r
    return recs[0]


def report(title, pairs):
    """pairs: (file, reference grade, nudge grade, reason, status) -> (agree, n)"""
    agree = sum(1 for p in pairs if p[1] == p[2])
    n = len(pairs)
    print("%s: %d/%d agree (%.1f%%)" % (title, agree, n, 100.0 * agree / n if n else 0))
    by = collections.defaultdict(list)
    for f, ref, got, reason, status in pairs:
        if ref != got:
            by[(reason or "?", ref, got)].append("%s%s" % (f, " " + status if status else ""))
    for (reason, ref, got), fs in sorted(by.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        print("  %-18s %-5s -> nudge %-24s %3d  %s" % (reason, ref, got, len(fs),
              ", ".join(fs[:4]) + (", ..." if len(fs) > 4 else "")))
    return agree, n


files = sorted(set(sis) | set(labels))
live = []
shipped = []
cls = []
no_verdict = 0
for f in files:
    o = nudge.get(f)
    got = nudge_grade(o)
    r = sis_record(f, o)
    if r is not None:
        live.append((f, "hard" if r[2] == "true" else "soft", got, r[3], r[4]))
    elif f in sis:
        no_verdict += 1
    lab = labels.get(f)
    if lab and lab[1].get("sisimai_hard") in ("true", "false"):
        shipped.append((f, "hard" if lab[1]["sisimai_hard"] == "true" else "soft", got,
                        lab[1].get("reason", ""), lab[1].get("status", "")))
    if lab:
        want = lab[0]
        cls.append((f, want, (o or {}).get("class") or "?", lab[1].get("reason", ""), ""))

print("Sisimai gives no hard/soft verdict on %d of %d files (ARF reports, auto-replies, "
      "unknown reasons): left out." % (no_verdict, len(sis)))
print()
a1, n1 = report("vs installed Sisimai (reason = Sisimai's)", live)
print()
a2, n2 = report("vs labels.tsv sisimai_hard (the corpus' Sisimai release)", shipped)
print()
a3, n3 = report("nudge class vs the corpus' product label (all bounces/ files)", cls)
print()
print("agree-installed %d %d" % (a1, n1))
print("agree-labels %d %d" % (a2, n2))
print("label-class %d %d" % (a3, n3))
