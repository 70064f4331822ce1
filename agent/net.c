/* net - socket state shared by the IMAP and SMTP clients; see net.h. */
#include "autoconf.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "net.h"

/*
 * Linux says so in the TCP state, whatever is still queued: a cut in the
 * middle of the server's handshake leaves its first records unread behind
 * the reset, so readable data proves nothing.  Elsewhere, a peek: gone, or
 * still there.
 */
int
net_peer_gone(int fd)
{
#if defined(TCP_INFO) && defined(__linux__)
	struct tcp_info ti;
	socklen_t len = sizeof ti;

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0)
		return ti.tcpi_state != TCP_ESTABLISHED;
#endif
	{
		char b;
		ssize_t k = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);

		return k == 0 || (k == -1 && errno != EAGAIN &&
		                  errno != EWOULDBLOCK && errno != EINTR);
	}
}
