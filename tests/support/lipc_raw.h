/*
 * lipc_raw.h - the broker protocol spoken by hand, for tests that play a
 * malicious or broken client (no runtime in between).
 */
#ifndef LIPC_RAW_H
#define LIPC_RAW_H

#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

#include "lipc_proto.h"
#include "lipc_test.h"

static inline int lipc_raw_connect(const char *path)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    size_t n = strlen(path);
    CHECK(n < sizeof(a.sun_path));
    memcpy(a.sun_path, path, n + 1);
    int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    CHECK(s >= 0);
    CHECK(connect(s, (struct sockaddr *)&a, sizeof(a)) == 0);
    return s;
}

/* Sends a request, waits for its reply; returns the result, reply payload
 * in out, descriptors in fds. */
static inline int lipc_raw_rpc(int s, uint32_t op, const void *pl, uint32_t len, void *out, size_t outcap,
                               int *fds, unsigned *nfds)
{
    static uint64_t seq;
    struct lipc_hdr h = { .op = op, .seq = ++seq, .len = len };
    struct iovec v[2] = { { &h, sizeof(h) }, { (void *)pl, len } };
    struct msghdr m = { .msg_iov = v, .msg_iovlen = len ? 2 : 1 };
    CHECK(sendmsg(s, &m, MSG_NOSIGNAL) == (ssize_t)(sizeof(h) + len));
    for (;;) {
        char buf[4096];
        union {
            char b[CMSG_SPACE(sizeof(int) * 8)];
            struct cmsghdr align;
        } u;
        struct iovec rv = { buf, sizeof(buf) };
        struct msghdr rm = { .msg_iov = &rv, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof(u.b) };
        ssize_t n = recvmsg(s, &rm, MSG_CMSG_CLOEXEC);
        CHECK(n >= (ssize_t)sizeof(struct lipc_hdr));
        struct lipc_hdr rh;
        memcpy(&rh, buf, sizeof(rh));
        unsigned got = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&rm); c; c = CMSG_NXTHDR(&rm, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                continue;
            unsigned cnt = (unsigned)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            for (unsigned i = 0; i < cnt; i++) {
                int fd;
                memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                if (fds && nfds && got < *nfds)
                    fds[got++] = fd;
                else
                    close(fd);
            }
        }
        if (rh.op != (op | LIPC_OP_REPLY) || rh.seq != h.seq) {       /* an event: not ours */
            for (unsigned i = 0; i < got; i++)
                close(fds[i]);
            continue;
        }
        if (nfds)
            *nfds = got;
        if (out)
            memcpy(out, buf + sizeof(rh), rh.len < outcap ? rh.len : outcap);
        return rh.result;
    }
}

#endif
