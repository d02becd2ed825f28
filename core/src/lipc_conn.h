/* lipc_conn.h - framing of control packets on a SOCK_SEQPACKET socket. */
#ifndef LIPC_CONN_H
#define LIPC_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include "lipc_proto.h"

/* Sends hdr + the iovecs as one packet with fds (may be NULL/0).  hdr->len
 * is set from the iovecs.  Returns 0 or -errno (-EAGAIN on a non-blocking
 * socket whose buffer is full).  The caller keeps ownership of the fds. */
int lipc_conn_send(int sock, struct lipc_hdr *hdr, const struct iovec *iov, int iovcnt,
                   const int *fds, unsigned nfds);

/* Receives one packet into buf (cap bytes, header included).  Received
 * descriptors are stored in fds (up to *nfds; *nfds is set to the count,
 * extra ones are closed) and owned by the caller.  Returns the packet
 * length, 0 on EOF, or -errno.  A packet shorter than a header, truncated,
 * or whose header len does not match gives -EPROTO (fds closed). */
ssize_t lipc_conn_recv(int sock, void *buf, size_t cap, int *fds, unsigned *nfds, int flags);

void lipc_close_fds(const int *fds, unsigned n);

#endif
