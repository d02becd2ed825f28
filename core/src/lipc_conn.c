#include "lipc_conn.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include "lipc.h"

int lipc_conn_send(int sock, struct lipc_hdr *hdr, const struct iovec *iov, int iovcnt,
                   const int *fds, unsigned nfds)
{
    struct iovec v[8];
    size_t total = 0;
    if (iovcnt > 7 || nfds > LIPC_MAX_FDS)
        return -EINVAL;
    v[0].iov_base = hdr;
    v[0].iov_len = sizeof(*hdr);
    for (int i = 0; i < iovcnt; i++) {
        v[i + 1] = iov[i];
        total += iov[i].iov_len;
    }
    if (total > LIPC_MAX_PACKET)
        return -EMSGSIZE;
    hdr->len = (uint32_t)total;
    hdr->nfds = nfds;

    union {
        char buf[CMSG_SPACE(sizeof(int) * LIPC_MAX_FDS)];
        struct cmsghdr align;
    } u;
    struct msghdr m = { .msg_iov = v, .msg_iovlen = (size_t)iovcnt + 1 };
    if (nfds) {
        memset(&u, 0, sizeof(u));
        m.msg_control = u.buf;
        m.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
    }
    for (;;) {
        ssize_t n = sendmsg(sock, &m, MSG_NOSIGNAL);
        if (n >= 0)
            return n == (ssize_t)(total + sizeof(*hdr)) ? 0 : -EPROTO;
        if (errno != EINTR)
            return -errno;
    }
}

void lipc_close_fds(const int *fds, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

ssize_t lipc_conn_recv(int sock, void *buf, size_t cap, int *fds, unsigned *nfds, int flags)
{
    union {
        char b[CMSG_SPACE(sizeof(int) * LIPC_MAX_FDS)];
        struct cmsghdr align;
    } u;
    struct iovec v = { buf, cap };
    struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1, .msg_control = u.b,
                        .msg_controllen = sizeof(u.b) };
    unsigned want = nfds ? *nfds : 0, got = 0;
    ssize_t n;
    if (nfds)
        *nfds = 0;
    do {
        n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC | flags);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        unsigned cnt = (unsigned)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        int tmp[LIPC_MAX_FDS];
        if (cnt > LIPC_MAX_FDS)
            cnt = LIPC_MAX_FDS;
        memcpy(tmp, CMSG_DATA(c), cnt * sizeof(int));
        for (unsigned i = 0; i < cnt; i++) {
            if (got < want)
                fds[got++] = tmp[i];
            else
                close(tmp[i]);
        }
    }
    if (nfds)
        *nfds = got;
    if (n == 0)
        return 0;
    const struct lipc_hdr *h = buf;
    if ((size_t)n < sizeof(*h) || (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
        h->len != (size_t)n - sizeof(*h) || h->nfds != got) {
        lipc_close_fds(fds, got);
        if (nfds)
            *nfds = 0;
        return -EPROTO;
    }
    return n;
}

LIPC_EXPORT int lipc_socket_path(char *buf, size_t len)
{
    const char *env = getenv(LIPC_SOCKET_ENV);
    int n;
    if (env && *env)
        n = snprintf(buf, len, "%s", env);
    else if (geteuid() == 0)
        n = snprintf(buf, len, "/run/liteipc/liteipcd.sock");
    else if (getenv("XDG_RUNTIME_DIR"))
        n = snprintf(buf, len, "%s/liteipc/liteipcd.sock", getenv("XDG_RUNTIME_DIR"));
    else
        n = snprintf(buf, len, "/tmp/liteipc-%u/liteipcd.sock", (unsigned)geteuid());
    if (n < 0 || (size_t)n >= len)
        return -ENAMETOOLONG;
    return n;
}

