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

/* Puts one entry into a ring (the sender's read-write mapping of size data
 * bytes) as the runtime does, for tests that play a sender by hand: header
 * with len 0, a 0 marker in the next entry's place, then len committed
 * (release); the ring header's head (diagnostics) moves on. */
static inline void lipc_raw_ring_put(uint8_t *map, size_t size, struct lipc_rent e)
{
    struct lipc_ring_ctl *ctl = (struct lipc_ring_ctl *)map;
    uint8_t *data = map + LIPC_RING_HDR_SIZE;
    uint64_t head = atomic_load(&ctl->head);
    size_t pos = (size_t)(head % size);
    uint32_t len = e.len;
    CHECK(len >= LIPC_RENT_ALIGN && len % LIPC_RENT_ALIGN == 0 && pos + len <= size);
    e.len = 0;
    memcpy(data + pos, &e, sizeof(e));
    __atomic_store_n((uint32_t *)(data + (pos + len) % size), 0u, __ATOMIC_RELAXED);
    __atomic_store_n((uint32_t *)(data + pos), len, __ATOMIC_RELEASE);
    atomic_store(&ctl->head, head + len);
}

/* This process's read-write ring (it must have exactly one): the view at
 * offset 0 of a "liteipc-ring" memfd, [header][data]; the runtime maps the
 * data a second time right behind it.  Returns the mapping and the ring's
 * data size. */
static inline uint8_t *lipc_raw_own_ring(size_t *size)
{
    FILE *f = fopen("/proc/self/maps", "r");
    CHECK(f != NULL);
    char line[512];
    uint8_t *map = NULL;
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi, off;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s %lx", &lo, &hi, perms, &off) == 4 && perms[1] == 'w' && off == 0 &&
            strstr(line, "/memfd:liteipc-ring")) {
            CHECK(map == NULL);
            map = (uint8_t *)lo;
            *size = hi - lo - LIPC_RING_HDR_SIZE;
        }
    }
    fclose(f);
    CHECK(map != NULL);
    return map;
}

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

/* A process connection (HELLO_PROC, then MMAP of a pool of `pool` bytes)
 * and a thread connection for the calling thread (HELLO_THREAD), spoken by
 * hand; the descriptors the broker hands over are closed.  *tc may be NULL
 * when only the process connection is wanted. */
static inline int lipc_raw_hello(const char *sock, uint64_t pool, int *tc)
{
    int pc = lipc_raw_connect(sock);
    int fds[8];
    unsigned nfds = 8;
    CHECK_EQ(lipc_raw_rpc(pc, LIPC_OP_HELLO_PROC, NULL, 0, NULL, 0, fds, &nfds), 0);
    for (unsigned i = 0; i < nfds; i++)
        close(fds[i]);
    CHECK_EQ(lipc_raw_rpc(pc, LIPC_OP_MMAP, &pool, sizeof(pool), NULL, 0, NULL, NULL), 0);
    if (tc) {
        *tc = lipc_raw_connect(sock);
        uint32_t tid = (uint32_t)lipc_gettid();
        nfds = 8;
        CHECK_EQ(lipc_raw_rpc(*tc, LIPC_OP_HELLO_THREAD, &tid, sizeof(tid), NULL, 0, fds, &nfds), 0);
        for (unsigned i = 0; i < nfds; i++)
            close(fds[i]);
    }
    return pc;
}

#endif
