#!/usr/bin/env python3
"""explain_due.py STORE_C DB - print the EXPLAIN QUERY PLAN of the due query
(DUE_SQL, copied out of agent/store_p.h by expanding its string macros) on DB.
Prints the plan lines, then "full_scan_leads=yes|no".
explain_due.py STORE_C --sql UNTIL - print DUE_SQL itself with ?1 = UNTIL and
?2 = NULL (any channel), for the sqlite3 shell to run as the reference."""
import re, sqlite3, sys

src = open(sys.argv[1], encoding="utf-8").read()
# every #define NAME followed by string literals and macro names (with \ lines)
defs = {}
for m in re.finditer(r'^#define\s+(\w+)((?:[^\n]*\\\n)*[^\n]*)', src, re.M):
    defs[m.group(1)] = m.group(2).replace("\\\n", " ")

def expand(name, depth=0):
    body = defs[name]
    out = []
    for tok in re.finditer(r'"((?:[^"\\]|\\.)*)"|(\b[A-Z_][A-Z0-9_]*\b)', body):
        if tok.group(1) is not None:
            out.append(tok.group(1).replace('\\"', '"'))
        elif tok.group(2) in defs and depth < 5:
            out.append(expand(tok.group(2), depth + 1))
    return "".join(out)

sql = expand("DUE_SQL")
if sys.argv[2] == "--sql":
    print(sql.replace("?1", str(int(sys.argv[3]))).replace("?2", "NULL") + ";")
    sys.exit(0)
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[2], uri=True)
rows = db.execute("EXPLAIN QUERY PLAN " + sql, (0, None)).fetchall()
full = False
for r in rows:
    d = r[3]
    print(d)
    if re.match(r"SCAN (l|leads)\b", d) and "USING" not in d:
        full = True
print("full_scan_leads=%s" % ("yes" if full else "no"))
