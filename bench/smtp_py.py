#!/usr/bin/env python3
"""smtp_py.py PORT N [SIZE] - send N messages of about SIZE bytes (default 800)
over ONE plain SMTP connection to 127.0.0.1:PORT with smtplib; prints
"sent=N secs=S msgs_per_s=R".  The baseline of the send benchmark."""
import smtplib, sys, time

port, n = int(sys.argv[1]), int(sys.argv[2])
size = int(sys.argv[3]) if len(sys.argv) > 3 else 800
body = ("Hi there,\r\n\r\n" + ("We help teams like yours spend less time on busywork. " * 40))[:max(0, size - 300)]
t0 = time.monotonic()
s = smtplib.SMTP("127.0.0.1", port, local_hostname="bench.example.test")
s.ehlo()
for i in range(n):
    msg = ("From: Sam Sales <sales@example.test>\r\nTo: lead%d@example.com\r\n"
           "Subject: Idea for Acme\r\nDate: Wed, 25 Nov 2026 10:00:00 -0700\r\n"
           "Message-ID: <%d.py@example.test>\r\nMIME-Version: 1.0\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n" % (i, i, body))
    s.sendmail("sales@example.test", ["lead%d@example.com" % i], msg)
s.quit()
dt = time.monotonic() - t0
print("sent=%d secs=%.3f msgs_per_s=%.0f" % (n, dt, n / dt))
