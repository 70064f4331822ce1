#!/usr/bin/env python3
"""idle_floor.py IMAPS_PORT CAFILE LMTP_SOCKET USER ROUNDS - the IMAP server's
own IDLE notification latency, as a floor for nudge's reply-to-stop latency:
a bare client IDLEs on USER's INBOX, a message is delivered by LMTP, and the
time from the end of the delivery to the untagged EXISTS is measured.
Prints "median_ms=.. worst_ms=.. rounds=N"."""
import imaplib, smtplib, ssl, sys, time

port, ca, lmtp, user, rounds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
m = imaplib.IMAP4_SSL("127.0.0.1", int(port), ssl_context=ssl.create_default_context(cafile=ca))
m.login(user, user + "pw")
m.select("INBOX", readonly=True)
lat = []
for i in range(rounds):
    tag = m._new_tag().decode()
    m.send(("%s IDLE\r\n" % tag).encode())
    if not m.readline().startswith(b"+"):
        sys.exit("idle_floor: no IDLE continuation")
    c = smtplib.LMTP(lmtp)
    c.sendmail("bench@example.test", [user + "@example.test"],
               "From: bench@example.test\r\nSubject: idle %d\r\n\r\nx\r\n" % i)
    c.quit()
    t0 = time.monotonic()
    while True:
        line = m.readline()
        if line.endswith(b"EXISTS\r\n"):
            lat.append((time.monotonic() - t0) * 1000)
            break
        if not line:
            sys.exit("idle_floor: connection closed")
    m.send(b"DONE\r\n")
    while not m.readline().startswith(tag.encode()):
        pass
lat.sort()
print("median_ms=%.0f worst_ms=%.0f rounds=%d" % (lat[len(lat) // 2], lat[-1], len(lat)))
m.logout()
