#!/usr/bin/env python3
"""gen_maildir.py MAILDIR N - write N generated messages (about 1.5 KB each:
replies, out-of-office notes, newsletters) straight into MAILDIR/new, as a
delivery agent would.  The caller chowns them to the mail user; Dovecot
indexes them at the next SELECT.  Deterministic (fixed seed)."""
import os, random, socket, sys, time

maildir, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(11)
os.makedirs(os.path.join(maildir, "new"), exist_ok=True)
for d in ("cur", "tmp"):
    os.makedirs(os.path.join(maildir, d), exist_ok=True)
host = socket.gethostname().replace("/", "_").replace(":", "_")
base = 1795600000
KINDS = [
    ("Re: Idea for Acme", "Thanks for reaching out. Could we talk on Tuesday at 10?\n"),
    ("Automatic reply: Idea for Acme", "I am out of the office until December 2 with no access to email.\n"),
    ("Your weekly digest", "Here is what happened in your workspace this week.\n"),
    ("Re: Quick question", "Not interested right now, maybe next quarter.\n"),
]
filler = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod "
          "tempor incididunt ut labore et dolore magna aliqua.\n") * 10
for i in range(n):
    subj, text = KINDS[i % len(KINDS)]
    t = base + i * 37
    date = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(t))
    msg = ("Return-Path: <person%d@customer%d.example.com>\n"
           "Delivered-To: sales@example.test\n"
           "From: Person %d <person%d@customer%d.example.com>\n"
           "To: Sam Sales <sales@example.test>\n"
           "Subject: %s\n"
           "Date: %s\n"
           "Message-ID: <%d.%d@customer%d.example.com>\n"
           "In-Reply-To: <%d.%016x@example.test>\n"
           "MIME-Version: 1.0\n"
           "Content-Type: text/plain; charset=utf-8\n"
           "\n%s\n%s") % (i, i % 500, i, i, i % 500, subj, date, t, i, i % 500,
                          t - 86400, rnd.getrandbits(64), text, filler)
    data = msg.encode()
    name = "%d.M%dP%d.%s,S=%d" % (t, i, os.getpid(), host, len(data))
    with open(os.path.join(maildir, "new", name), "wb") as f:
        f.write(data)
