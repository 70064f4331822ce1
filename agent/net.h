/*
 * net - what the two network clients (imap.c, smtp.c) both need to know
 * about a socket and cannot learn from their libraries.
 *
 * A TLS handshake that fails is either a refusal (the server is not a TLS
 * server, or not ours: a configuration problem, exit 78) or a line cut while
 * it ran (the server went down: retry later, exit 75).  GnuTLS and libcurl
 * report both alike; the socket's state tells them apart.
 */
#ifndef NUDGE_NET_H
#define NUDGE_NET_H

/* net_peer_gone: 1 when the peer has closed or reset the connection on fd,
 * 0 while it is still open.  Does not consume anything queued. */
int net_peer_gone(int fd);

#endif
