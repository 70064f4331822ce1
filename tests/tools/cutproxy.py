#!/usr/bin/env python3
"""cutproxy - a TCP proxy between nudge and Dovecot that cuts connections,
for tests/integration/faults.sh.

    cutproxy.py LISTEN_PORT TARGET_PORT [--after-bytes N] [--after-ms MS]
                [--cuts K] [--ready FILE] [--log FILE]

Bytes pass through untouched (TLS included).  A connection is cut (both
sides closed at once, no goodbye) when the server has sent more than N bytes
on it (--after-bytes: mid-FETCH when N falls inside a message body) or MS
milliseconds after it opened (--after-ms).  Only the first K connections that
reach a limit are cut (default 1); later ones pass.  SIGUSR1 cuts every open
connection now (mid-IDLE).  --ready FILE is written once the port listens.
Each cut is logged as one line.
"""
import argparse
import selectors
import signal
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("listen", type=int)
    ap.add_argument("target", type=int)
    ap.add_argument("--after-bytes", type=int, default=0)
    ap.add_argument("--after-ms", type=int, default=0)
    ap.add_argument("--cuts", type=int, default=1)
    ap.add_argument("--ready")
    ap.add_argument("--log")
    a = ap.parse_args()

    log = open(a.log, "a", buffering=1) if a.log else sys.stderr
    sel = selectors.DefaultSelector()
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", a.listen))
    lsock.listen(16)
    lsock.setblocking(False)
    sel.register(lsock, selectors.EVENT_READ, None)
    conns = {}  # id -> dict(c=client, s=server, down=bytes, t0=time)
    state = {"cuts": 0, "cut_all": False}

    def on_usr1(signo, frame):
        state["cut_all"] = True

    signal.signal(signal.SIGUSR1, on_usr1)
    signal.signal(signal.SIGTERM, lambda s, f: sys.exit(0))
    if a.ready:
        open(a.ready, "w").write("ready\n")

    def close(cid, why):
        k = conns.pop(cid, None)
        if not k:
            return
        for s in (k["c"], k["s"]):
            try:
                sel.unregister(s)
            except (KeyError, ValueError):
                pass
            try:
                # RST, not FIN: the peer sees the connection die
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
                s.close()
            except OSError:
                pass
        if why:
            log.write("cutproxy: cut connection %d (%s, %d bytes down)\n" % (cid, why, k["down"]))

    nid = 0
    while True:
        try:
            events = sel.select(timeout=0.02)
        except InterruptedError:
            events = []
        if state["cut_all"]:
            state["cut_all"] = False
            for cid in list(conns):
                close(cid, "SIGUSR1")
        now = time.monotonic()
        for cid in list(conns):
            k = conns[cid]
            if a.after_ms and state["cuts"] < a.cuts and (now - k["t0"]) * 1000 >= a.after_ms:
                state["cuts"] += 1
                close(cid, "after %d ms" % a.after_ms)
        for key, _ in events:
            if key.data is None:
                try:
                    c, _ = lsock.accept()
                except OSError:
                    continue
                try:
                    s = socket.create_connection(("127.0.0.1", a.target))
                except OSError:
                    c.close()
                    continue
                nid += 1
                c.setblocking(False)
                s.setblocking(False)
                conns[nid] = {"c": c, "s": s, "down": 0, "t0": time.monotonic()}
                sel.register(c, selectors.EVENT_READ, (nid, "up"))
                sel.register(s, selectors.EVENT_READ, (nid, "down"))
                continue
            cid, way = key.data
            k = conns.get(cid)
            if not k:
                continue
            src, dst = (k["c"], k["s"]) if way == "up" else (k["s"], k["c"])
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            if not data:
                close(cid, None)
                continue
            if way == "down" and a.after_bytes and state["cuts"] < a.cuts \
                    and k["down"] + len(data) > a.after_bytes:
                keep = a.after_bytes - k["down"]
                try:
                    dst.setblocking(True)
                    dst.sendall(data[:keep])
                except OSError:
                    pass
                k["down"] += keep
                state["cuts"] += 1
                close(cid, "after %d bytes" % a.after_bytes)
                continue
            if way == "down":
                k["down"] += len(data)
            try:
                dst.setblocking(True)
                dst.sendall(data)
                dst.setblocking(False)
            except OSError:
                close(cid, None)


if __name__ == "__main__":
    main()
