/* brk.c - the broker's event loop and connections. */
#include "brk.h"
#include "lipc_conn.h"
#include "lipc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

static int ep_add(struct brk *b, struct bep *e, uint32_t events)
{
    struct epoll_event ev = { .events = events, .data.ptr = e };
    return epoll_ctl(b->epfd, EPOLL_CTL_ADD, e->fd, &ev) < 0 ? -errno : 0;
}

static void ep_mod(struct brk *b, struct bep *e, uint32_t events)
{
    struct epoll_event ev = { .events = events, .data.ptr = e };
    epoll_ctl(b->epfd, EPOLL_CTL_MOD, e->fd, &ev);
}

int brk_new(const char *path, struct brk **out)
{
    struct brk *b = calloc(1, sizeof(*b));
    if (!b)
        return -ENOMEM;
    b->listen.fd = b->sig.fd = b->epfd = -1;
    b->max_pool = LIPC_POOL_DEFAULT_MAX;
    b->listen.type = EP_LISTEN;
    b->sig.type = EP_SIGNAL;
    int r;
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(a.sun_path)) {
        r = -ENAMETOOLONG;
        goto fail;
    }
    strcpy(a.sun_path, path);
    b->path = strdup(path);
    b->epfd = epoll_create1(EPOLL_CLOEXEC);
    b->listen.fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (!b->path || b->epfd < 0 || b->listen.fd < 0) {
        r = -errno;
        goto fail;
    }
    /* A stale socket file of a dead broker is replaced; a live one is not. */
    int probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (probe >= 0) {
        if (connect(probe, (struct sockaddr *)&a, sizeof(a)) == 0) {
            close(probe);
            r = -EADDRINUSE;
            goto fail;
        }
        close(probe);
    }
    /* bind under a temporary name and rename once listening: a client never
     * finds a socket file that refuses connections */
    struct sockaddr_un tmp = { .sun_family = AF_UNIX };
    if ((size_t)snprintf(tmp.sun_path, sizeof(tmp.sun_path), "%s.%d", path, (int)getpid()) >=
        sizeof(tmp.sun_path)) {
        r = -ENAMETOOLONG;
        goto fail;
    }
    unlink(tmp.sun_path);
    mode_t old = umask(0);
    r = bind(b->listen.fd, (struct sockaddr *)&tmp, sizeof(tmp));
    umask(old);
    if (r < 0 || listen(b->listen.fd, 512) < 0 || rename(tmp.sun_path, path) < 0) {
        r = -errno;
        unlink(tmp.sun_path);
        goto fail;
    }
    sigset_t ss;
    sigemptyset(&ss);
    sigaddset(&ss, SIGTERM);
    sigaddset(&ss, SIGINT);
    sigprocmask(SIG_BLOCK, &ss, NULL);
    signal(SIGPIPE, SIG_IGN);
    b->sig.fd = signalfd(-1, &ss, SFD_CLOEXEC | SFD_NONBLOCK);
    if (b->sig.fd < 0) {
        r = -errno;
        goto fail;
    }
    if ((r = ep_add(b, &b->listen, EPOLLIN)) < 0 || (r = ep_add(b, &b->sig, EPOLLIN)) < 0)
        goto fail;
    *out = b;
    return 0;
fail:
    brk_free(b);
    return r;
}

void brk_pkt_free(struct bpkt *p)
{
    if (!p)
        return;
    lipc_close_fds(p->fds, p->nfds);
    free(p);
}

struct bpkt *brk_pkt_new(uint32_t op, int32_t result, uint64_t seq, const struct iovec *iov, int iovcnt,
                         const int *fds, unsigned nfds)
{
    size_t len = 0;
    for (int i = 0; i < iovcnt; i++)
        len += iov[i].iov_len;
    struct bpkt *p = malloc(sizeof(*p) + sizeof(struct lipc_hdr) + len);
    if (!p)
        return NULL;
    p->next = NULL;
    p->len = sizeof(struct lipc_hdr) + len;
    p->nfds = nfds;
    p->pool_need = 0;
    if (nfds)
        memcpy(p->fds, fds, nfds * sizeof(int));
    struct lipc_hdr *h = (struct lipc_hdr *)p->data;
    *h = (struct lipc_hdr){ .op = op, .result = result, .seq = seq, .len = (uint32_t)len, .nfds = nfds };
    char *at = p->data + sizeof(*h);
    for (int i = 0; i < iovcnt; i++) {
        memcpy(at, iov[i].iov_base, iov[i].iov_len);
        at += iov[i].iov_len;
    }
    return p;
}

/* Writes queued packets; returns false if the connection broke. */
static bool conn_flush(struct brk *b, struct bconn *c)
{
    while (c->outq) {
        struct bpkt *p = c->outq;
        struct lipc_hdr *h = (struct lipc_hdr *)p->data;
        struct iovec v = { p->data + sizeof(*h), p->len - sizeof(*h) };
        struct lipc_hdr hc = *h;
        int r = lipc_conn_send(c->ep.fd, &hc, &v, 1, p->fds, p->nfds);
        if (r == -EAGAIN) {
            if (!c->want_out) {
                c->want_out = true;
                ep_mod(b, &c->ep, EPOLLIN | EPOLLOUT);
            }
            return true;
        }
        c->outq = p->next;
        if (!c->outq)
            c->outq_tail = &c->outq;
        brk_pkt_free(p);
        if (r < 0)
            return false;
    }
    if (c->want_out) {
        c->want_out = false;
        ep_mod(b, &c->ep, EPOLLIN);
    }
    return true;
}

void brk_conn_send(struct brk *b, struct bconn *c, struct bpkt *p)
{
    if (!p)
        return;
    p->next = NULL;
    *c->outq_tail = p;
    c->outq_tail = &p->next;
    if (!c->want_out)
        conn_flush(b, c);   /* errors surface as EOF on the read side */
}

void brk_conn_close(struct brk *b, struct bconn *c)
{
    epoll_ctl(b->epfd, EPOLL_CTL_DEL, c->ep.fd, NULL);
    close(c->ep.fd);
    while (c->outq) {
        struct bpkt *p = c->outq;
        c->outq = p->next;
        brk_pkt_free(p);
    }
    for (struct bconn **pp = &b->conns; *pp; pp = &(*pp)->next_all)
        if (*pp == c) {
            *pp = c->next_all;
            break;
        }
    b->nconns--;
    free(c);
}

static void accept_conns(struct brk *b)
{
    for (;;) {
        int fd = accept4(b->listen.fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0)
            return;
        struct ucred cr;
        socklen_t l = sizeof(cr);
        struct bconn *c = calloc(1, sizeof(*c));
        if (!c || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &l) < 0) {
            free(c);
            close(fd);
            continue;
        }
        int sz = 4 << 20;
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
        c->ep.type = EP_CONN;
        c->ep.fd = fd;
        c->pid = cr.pid;
        c->uid = cr.uid;
        c->gid = cr.gid;
        c->outq_tail = &c->outq;
        if (ep_add(b, &c->ep, EPOLLIN) < 0) {
            close(fd);
            free(c);
            continue;
        }
        c->next_all = b->conns;
        b->conns = c;
        b->nconns++;
    }
}

/* The peer of c went away: a thread exited, or its process did. */
static void conn_gone(struct brk *b, struct bconn *c)
{
    if (c->kind == 1 && c->proc) {
        c->proc->pconn = NULL;
        brk_proc_death(b, c->proc);     /* exec or exit: the state is gone */
    } else if (c->kind == 2 && c->task) {
        struct btask *t = c->task;
        t->conn = NULL;
        brk_task_death(b, t);
    }
    brk_conn_close(b, c);
}

static void conn_readable(struct brk *b, struct bconn *c)
{
    static char *buf;
    static size_t cap;
    for (int budget = 0; budget < 64; budget++) {
        struct lipc_hdr peek;
        ssize_t n = recv(c->ep.fd, &peek, sizeof(peek), MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n <= 0 || (size_t)n > LIPC_MAX_PACKET + sizeof(peek)) {
            conn_gone(b, c);
            return;
        }
        if ((size_t)n > cap) {
            char *nb = realloc(buf, (size_t)n);
            if (!nb) {
                conn_gone(b, c);
                return;
            }
            buf = nb;
            cap = (size_t)n;
        }
        int fds[LIPC_MAX_FDS];
        unsigned nfds = LIPC_MAX_FDS;
        n = lipc_conn_recv(c->ep.fd, buf, cap, fds, &nfds, MSG_DONTWAIT);
        if (n == -EAGAIN)
            return;
        if (n <= 0) {
            conn_gone(b, c);
            return;
        }
        brk_handle_packet(b, c, buf, fds, nfds);
        if (c->ep.fd < 0)
            return;
    }
}

int brk_run(struct brk *b)
{
    struct epoll_event evs[64];
    while (!b->stop) {
        int n = epoll_wait(b->epfd, evs, 64, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        for (int i = 0; i < n; i++) {
            struct bep *e = evs[i].data.ptr;
            switch (e->type) {
            case EP_LISTEN:
                accept_conns(b);
                break;
            case EP_SIGNAL:
                b->stop = true;
                break;
            case EP_PIDFD:
                brk_proc_death(b, (struct bproc *)e);
                goto next_round;   /* objects of this batch may be gone */
            case EP_CONN: {
                struct bconn *c = (struct bconn *)e;
                if (evs[i].events & EPOLLOUT) {
                    if (!conn_flush(b, c)) {
                        conn_gone(b, c);
                        goto next_round;
                    }
                }
                if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                    unsigned before = b->nconns + b->nprocs + b->ntasks;
                    conn_readable(b, c);
                    if (b->nconns + b->nprocs + b->ntasks != before)
                        goto next_round;
                }
                break;
            }
            }
        }
    next_round:;
    }
    return 0;
}

void brk_free(struct brk *b)
{
    if (!b)
        return;
    for (unsigned i = 0; i < 1024; i++)
        while (b->proc_hash[i])
            brk_proc_death(b, b->proc_hash[i]);
    while (b->conns)
        brk_conn_close(b, b->conns);
    if (b->listen.fd >= 0) {
        close(b->listen.fd);
        if (b->path)
            unlink(b->path);
    }
    if (b->sig.fd >= 0)
        close(b->sig.fd);
    if (b->epfd >= 0)
        close(b->epfd);
    free(b->path);
    free(b);
}
