/*
 * lipc_dev.c - the /dev/lite_ipc device as functions: open, mmap, ioctl,
 * close; process and thread connections to the broker; fork.
 */
#include "lipc_internal.h"
#include "lipc_conn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/futex.h>
#include <sys/un.h>

struct lipc_dev lipc_g = { .lock = LIPC_MUTEX_INIT, .pconn_lock = PTHREAD_MUTEX_INITIALIZER,
                          .route_lock = PTHREAD_MUTEX_INITIALIZER, .pconn = -1 };

LIPC_HOT void lipc_mutex_lock_slow(lipc_mutex_t *m)
{
    uint32_t c = atomic_exchange_explicit(&m->v, 2, memory_order_acquire);
    while (c != 0) {
        syscall(SYS_futex, &m->v, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
        c = atomic_exchange_explicit(&m->v, 2, memory_order_acquire);
    }
}

LIPC_HOT void lipc_mutex_wake(lipc_mutex_t *m)
{
    syscall(SYS_futex, &m->v, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* initial-exec: a plain %fs access on every call (the library is loaded at
 * start-up, or preloaded; one pointer of static TLS) */
__thread struct lipc_thr *lipc_t_self __attribute__((tls_model("initial-exec")));
#define t_self lipc_t_self
static pthread_key_t g_thr_key;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

LIPC_HOT uint64_t lipc_coarse_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

LIPC_HOT uint64_t lipc_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

LIPC_EXPORT pid_t lipc_gettid(void)
{
    return (pid_t)syscall(SYS_gettid);
}

static int connect_broker(void)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    int r = lipc_socket_path(a.sun_path, sizeof(a.sun_path));
    if (r < 0)
        return r;
    int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -errno;
    while (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
        if (errno == EINTR)
            continue;
        r = -errno;
        close(s);
        return r;
    }
    int sz = 4 << 20;
    setsockopt(s, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
    setsockopt(s, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
    return s;
}

/* One blocking request/response on a connection nobody else reads. */
static int simple_rpc(int sock, uint32_t op, const void *in, size_t inlen, void *out, size_t outcap,
                      int *rfds, unsigned *rnfds)
{
    struct lipc_hdr h = { .op = op, .seq = 1 };
    struct iovec v = { (void *)in, inlen };
    int r = lipc_conn_send(sock, &h, &v, in ? 1 : 0, NULL, 0);
    if (r < 0)
        return r;
    union {
        struct lipc_hdr h;
        char b[512];
    } u;
    ssize_t n = lipc_conn_recv(sock, u.b, sizeof(u.b), rfds, rnfds, 0);
    if (n <= 0)
        return n == 0 ? -ECONNRESET : (int)n;
    if (u.h.op != (op | LIPC_OP_REPLY)) {
        if (rnfds)
            lipc_close_fds(rfds, *rnfds);
        return -EPROTO;
    }
    if (out)
        memcpy(out, u.b + sizeof(u.h), u.h.len < outcap ? u.h.len : outcap);
    return u.h.result;
}

/* ---- fork ---------------------------------------------------------------- */

static void thr_free(struct lipc_thr *t)
{
    if (t->sock >= 0)
        close(t->sock);
    if (t->efd >= 0)
        close(t->efd);
    if (t->ep >= 0)
        close(t->ep);
    struct lipc_backlog *b = t->backlog;
    while (b) {
        struct lipc_backlog *nx = b->next;
        lipc_close_fds(b->fds, b->nfds);
        free(b->pkt);
        free(b);
        b = nx;
    }
    free(t->rbuf);
    free(t);
}

static void unmap_process_state(void)
{
    if (lipc_g.pub)
        munmap(lipc_g.pub, LIPC_PUB_PAGE_SIZE);
    if (lipc_g.priv)
        munmap(lipc_g.priv, LIPC_PRIV_PAGE_SIZE);
    lipc_g.pub = NULL;
    lipc_g.priv = NULL;
    if (lipc_g.mapped) {
        /* The user keeps its read-only view address (as on LiteOS-A), but the
         * child must map again; drop our views of the parent's pool. */
        lipc_pool_deinit(&lipc_g.pool);
        free(lipc_g.rx);
        lipc_g.rx = NULL;
        lipc_g.mapped = false;
    }
    if (lipc_g.pconn >= 0)
        close(lipc_g.pconn);
    lipc_g.pconn = -1;
}

/* Every runtime lock is held across fork (in the order they nest) so the
 * child's copies are consistent; both sides then release them. */
static void atfork_prepare(void)
{
    pthread_mutex_lock(&lipc_g.route_lock);
    pthread_mutex_lock(&lipc_g.pconn_lock);
    lipc_mutex_lock(&lipc_g.lock);
}

static void atfork_parent(void)
{
    lipc_mutex_unlock(&lipc_g.lock);
    pthread_mutex_unlock(&lipc_g.pconn_lock);
    pthread_mutex_unlock(&lipc_g.route_lock);
}

/* The child must not touch the parent's channels: drop our views of them. */
static void drop_channels_child(void)
{
    while (lipc_g.routes) {
        struct lipc_route *r = lipc_g.routes;
        lipc_g.routes = r->next;
        close(r->efd);
        free(r);
    }
    while (lipc_g.chout) {
        struct lipc_chan_out *c = lipc_g.chout;
        lipc_g.chout = c->next;
        munmap(c->map, lipc_ring_map_len(c->size, false));
        munmap((void *)c->ret, 4096);
        munmap((void *)c->peer, LIPC_PUB_PAGE_SIZE);
        free(c);
    }
    lipc_g.spinners = 0;
    for (int k = 0; k < 2; k++)
    while (k ? lipc_g.retired : lipc_g.chin) {
        struct lipc_chan_in *c = k ? lipc_g.retired : lipc_g.chin;
        if (k)
            lipc_g.retired = c->next;
        else
            lipc_g.chin = c->next;
        munmap((void *)c->map, lipc_ring_map_len(c->size, true));
        munmap(c->ret, 4096);
        munmap((void *)c->peer, LIPC_PUB_PAGE_SIZE);
        free(c->spans);
        free(c);
    }
    while (lipc_g.inboxes) {
        struct lipc_inbox *ib = lipc_g.inboxes;
        lipc_g.inboxes = ib->next;
        free(ib->q.v);
        free(ib->held.v);
        free(ib);
    }
    lipc_g.chan_gen_seen = 0;
}

static void atfork_child(void)
{
    /* a cached route out of the list is only the thread's: free it here
     * (drop_channels_child frees the listed ones) */
    for (struct lipc_thr *t = lipc_g.threads; t; t = t->next) {
        struct lipc_route *r = t->rcache;
        t->rcache = NULL;
        if (r && r->unlinked) {
            close(r->efd);
            free(r);
        }
    }
    drop_channels_child();
    /* The child gets a fresh LiteIPC state: still "open", not mapped, no
     * access rights, no IPC thread, no connections of the parent. */
    struct lipc_thr *t = lipc_g.threads;
    while (t) {
        struct lipc_thr *nx = t->next;
        thr_free(t);
        t = nx;
    }
    lipc_g.threads = NULL;
    t_self = NULL;
    unmap_process_state();
    lipc_g.gen++;
    lipc_g.pid = getpid();
    atfork_parent();            /* the forking thread is the child's only thread */
}

static void thr_destructor(void *p)
{
    struct lipc_thr *t = p;
    lipc_mutex_lock(&lipc_g.lock);
    if (t->gen == lipc_g.gen) {
        for (struct lipc_thr **pp = &lipc_g.threads; *pp; pp = &(*pp)->next)
            if (*pp == t) {
                *pp = t->next;
                break;
            }
        lipc_msg_thread_gone(t);
        lipc_route_uncache_locked(t);
    }
    lipc_mutex_unlock(&lipc_g.lock);
    thr_free(t);               /* closing the connection tells the broker */
}

static void once_init(void)
{
    pthread_key_create(&g_thr_key, thr_destructor);
    pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/* ---- process connection ------------------------------------------------ */

/* Connects this process to the broker.  Caller holds the lock. */
static int proc_connect(void)
{
    if (lipc_g.pconn >= 0)
        return 0;
    int s = connect_broker();
    if (s < 0)
        return s;
    int fds[2];
    unsigned nfds = 2;
    int r = simple_rpc(s, LIPC_OP_HELLO_PROC, NULL, 0, NULL, 0, fds, &nfds);
    if (r >= 0 && nfds != 2) {
        lipc_close_fds(fds, nfds);
        r = -EPROTO;
    }
    if (r < 0) {
        close(s);
        return r;
    }
    void *pub = mmap(NULL, LIPC_PUB_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
    void *priv = mmap(NULL, LIPC_PRIV_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fds[1], 0);
    lipc_close_fds(fds, 2);
    if (pub == MAP_FAILED || priv == MAP_FAILED) {
        if (pub != MAP_FAILED)
            munmap(pub, LIPC_PUB_PAGE_SIZE);
        if (priv != MAP_FAILED)
            munmap(priv, LIPC_PRIV_PAGE_SIZE);
        close(s);
        return -ENOMEM;
    }
    lipc_g.pub = pub;
    lipc_g.priv = priv;
    lipc_g.pconn = s;
    lipc_g.pid = getpid();
    return 0;
}

/* ---- thread connection ------------------------------------------------- */

struct lipc_thr *lipc_thr_get_slow(int *err)
{
    struct lipc_thr *t = t_self;
    if (t && t->gen == lipc_g.gen)
        return t;
    t_self = NULL;              /* stale after fork: its resources were freed */
    lipc_mutex_lock(&lipc_g.lock);
    if (!lipc_g.open || !lipc_g.mapped || lipc_g.pconn < 0) {
        *err = !lipc_g.open ? -EINVAL : -ENOMEM;
        lipc_mutex_unlock(&lipc_g.lock);
        return NULL;
    }
    unsigned gen = lipc_g.gen;
    lipc_mutex_unlock(&lipc_g.lock);

    t = calloc(1, sizeof(*t));
    if (!t) {
        *err = -ENOMEM;
        return NULL;
    }
    t->tid = lipc_gettid();
    t->gen = gen;
    t->efd = -1;
    t->ep = -1;
    t->backlog_tail = &t->backlog;
    t->sock = connect_broker();
    if (t->sock < 0) {
        *err = t->sock;
        t->sock = -1;
        thr_free(t);
        return NULL;
    }
    uint32_t tid = (uint32_t)t->tid, slot = 0;
    int fd = -1;
    unsigned nfds = 1;
    int r = simple_rpc(t->sock, LIPC_OP_HELLO_THREAD, &tid, sizeof(tid), &slot, sizeof(slot), &fd, &nfds);
    if (r >= 0 && (nfds != 1 || slot >= LIPC_MAX_THREADS)) {
        lipc_close_fds(&fd, nfds);
        r = -EPROTO;
    }
    if (r < 0) {
        *err = r;
        thr_free(t);
        return NULL;
    }
    t->efd = fd;
    t->slot = slot;
    /* One epoll set per thread: waiting is one epoll_wait, with no wait
     * queues set up and torn down per call (poll() of the two cost ~1 us
     * per wake on one CPU).  The eventfd is edge-triggered: every write is
     * an event, so it is never drained; the connection is level-triggered
     * (a hang-up of the broker stays visible). */
    t->ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev_sock = { .events = EPOLLIN, .data.u32 = 0 };
    struct epoll_event ev_efd = { .events = EPOLLIN | EPOLLET, .data.u32 = 1 };
    if (t->ep < 0 || epoll_ctl(t->ep, EPOLL_CTL_ADD, t->sock, &ev_sock) < 0 ||
        epoll_ctl(t->ep, EPOLL_CTL_ADD, t->efd, &ev_efd) < 0) {
        *err = -errno;
        thr_free(t);
        return NULL;
    }
    pthread_once(&g_once, once_init);
    lipc_mutex_lock(&lipc_g.lock);
    if (gen != lipc_g.gen) {    /* forked meanwhile (we are the child) */
        lipc_mutex_unlock(&lipc_g.lock);
        thr_free(t);
        *err = -ENOMEM;
        return NULL;
    }
    struct lipc_inbox *ib = lipc_inbox_get_locked(t->tid, true);
    if (!ib) {
        lipc_mutex_unlock(&lipc_g.lock);
        thr_free(t);
        *err = -ENOMEM;
        return NULL;
    }
    ib->thr = t;
    t->inbox = ib;
    t->next = lipc_g.threads;
    lipc_g.threads = t;
    lipc_mutex_unlock(&lipc_g.lock);
    pthread_setspecific(g_thr_key, t);
    t_self = t;
    return t;
}

static int ensure_rbuf(struct lipc_thr *t, size_t n)
{
    if (t->rcap >= n)
        return 0;
    size_t cap = n < 16384 ? 16384 : n;
    void *b = realloc(t->rbuf, cap);
    if (!b)
        return -ENOMEM;
    t->rbuf = b;
    t->rcap = cap;
    return 0;
}

/* Receives one packet on the thread connection into t->rbuf. */
static ssize_t thr_recv(struct lipc_thr *t, int *fds, unsigned *nfds, int flags)
{
    struct lipc_hdr peek;
    ssize_t n;
    do {
        n = recv(t->sock, &peek, sizeof(peek), MSG_PEEK | MSG_TRUNC | flags);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    if (n == 0)
        return -ECONNRESET;
    if ((size_t)n > LIPC_MAX_PACKET + sizeof(peek) || ensure_rbuf(t, (size_t)n) < 0)
        return -ENOMEM;
    n = lipc_conn_recv(t->sock, t->rbuf, t->rcap, fds, nfds, flags);
    return n == 0 ? -ECONNRESET : n;
}

int lipc_thr_pump(struct lipc_thr *t, int timeout_ms)
{
    if (timeout_ms != 0) {
        struct pollfd p = { .fd = t->sock, .events = POLLIN };
        int r;
        do {
            r = poll(&p, 1, timeout_ms);
        } while (r < 0 && errno == EINTR);
        if (r < 0)
            return -errno;
        if (r == 0)
            return 0;
    }
    int fds[LIPC_MAX_FDS];
    unsigned nfds = LIPC_MAX_FDS;
    ssize_t n = thr_recv(t, fds, &nfds, MSG_DONTWAIT);
    if (n == -EAGAIN)
        return 0;
    if (n < 0)
        return (int)n;
    struct lipc_hdr *h = t->rbuf;
    if (h->op & LIPC_OP_EVENT) {
        lipc_msg_on_event(t, t->rbuf, fds, nfds);
        return 1;
    }
    lipc_close_fds(fds, nfds);   /* a stray reply: ignore */
    return 1;
}

int lipc_rpc(struct lipc_thr *t, uint32_t op, const struct iovec *iov, int iovcnt, const int *fds,
             unsigned nfds, void *out, size_t outcap, int *rfds, unsigned *rnfds)
{
    struct lipc_hdr h = { .op = op, .seq = ++t->seq };
    int r = lipc_conn_send(t->sock, &h, iov, iovcnt, fds, nfds);
    if (r < 0)
        return r;
    unsigned want = rnfds ? *rnfds : 0;
    if (rnfds)
        *rnfds = 0;
    for (;;) {
        int got[LIPC_MAX_FDS];
        unsigned ngot = LIPC_MAX_FDS;
        ssize_t n = thr_recv(t, got, &ngot, 0);
        if (n < 0)
            return (int)n;
        struct lipc_hdr *rh = t->rbuf;
        if (rh->op & LIPC_OP_EVENT) {
            lipc_msg_on_event(t, t->rbuf, got, ngot);
            continue;
        }
        if (rh->op != (op | LIPC_OP_REPLY) || rh->seq != h.seq) {
            lipc_close_fds(got, ngot);
            continue;
        }
        if (out)
            memcpy(out, (char *)t->rbuf + sizeof(*rh), rh->len < outcap ? rh->len : outcap);
        unsigned keep = ngot < want ? ngot : want;
        if (rnfds) {
            memcpy(rfds, got, keep * sizeof(int));
            *rnfds = keep;
        }
        lipc_close_fds(got + keep, ngot - keep);
        return rh->result;
    }
}

/* ---- the device ------------------------------------------------------- */

bool lipc_dev_is_fd_locked(int fd)
{
    for (unsigned i = 0; i < lipc_g.ndevfds; i++)
        if (lipc_g.devfds[i] == fd)
            return true;
    return false;
}

LIPC_EXPORT int lipc_dev_is_fd(int fd)
{
    lipc_mutex_lock(&lipc_g.lock);
    bool k = lipc_dev_is_fd_locked(fd);
    lipc_mutex_unlock(&lipc_g.lock);
    return k;
}

LIPC_EXPORT int lipc_dev_open(void)
{
    pthread_once(&g_once, once_init);
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    lipc_mutex_lock(&lipc_g.lock);
    int r = 0;
    if (!lipc_g.open || lipc_g.pid != getpid()) {
        r = proc_connect();
        if (r == 0)
            lipc_g.open = true;
    }
    if (r == 0 && lipc_g.ndevfds == lipc_g.capdevfds) {
        unsigned cap = lipc_g.capdevfds ? lipc_g.capdevfds * 2 : 8;
        int *v = realloc(lipc_g.devfds, cap * sizeof(int));
        if (!v)
            r = -ENOMEM;
        else {
            lipc_g.devfds = v;
            lipc_g.capdevfds = cap;
        }
    }
    if (r == 0)
        lipc_g.devfds[lipc_g.ndevfds++] = fd;
    lipc_mutex_unlock(&lipc_g.lock);
    if (r < 0) {
        close(fd);
        errno = -r;
        return -1;
    }
    return fd;
}

LIPC_EXPORT int lipc_dev_close(int fd)
{
    lipc_mutex_lock(&lipc_g.lock);
    bool found = false;
    for (unsigned i = 0; i < lipc_g.ndevfds; i++)
        if (lipc_g.devfds[i] == fd) {
            lipc_g.devfds[i] = lipc_g.devfds[--lipc_g.ndevfds];
            found = true;
            break;
        }
    lipc_mutex_unlock(&lipc_g.lock);
    if (!found) {
        errno = EBADF;
        return -1;
    }
    return close(fd);           /* the IPC state itself lives until exit */
}

LIPC_EXPORT ssize_t lipc_dev_read(int fd, void *buf, size_t n)
{
    (void)buf;
    (void)n;
    errno = lipc_dev_is_fd(fd) ? EINVAL : EBADF;
    return -1;
}

LIPC_EXPORT ssize_t lipc_dev_write(int fd, const void *buf, size_t n)
{
    (void)buf;
    (void)n;
    errno = lipc_dev_is_fd(fd) ? EINVAL : EBADF;
    return -1;
}

/* The device's mmap, with the largest length allowed (the device's 256 KiB,
 * or the native LIPC_POOL_NATIVE_MAX; the broker may allow less).  Returns
 * 0 with *out set, or -errno. */
static int pool_map(void *addr, size_t len, size_t max, int prot, int flags, int fd, void **out)
{
    int r = 0;
    lipc_mutex_lock(&lipc_g.lock);
    if (!lipc_dev_is_fd_locked(fd))
        r = -EBADF;
    else if (!lipc_g.open)
        r = -EINVAL;
    else if (len == 0 || len > max || (prot & PROT_WRITE) || !(prot & PROT_READ) ||
             !(flags & MAP_PRIVATE) || (flags & MAP_SHARED))
        r = -EINVAL;
    else if (lipc_g.mapped)
        r = -EEXIST;
    if (r == 0 && lipc_g.pconn < 0)
        r = proc_connect();     /* a fork child connects when it maps again */
    if (r == 0) {
        size_t size = (len + 4095) & ~(size_t)4095;
        r = lipc_pool_init(&lipc_g.pool, size, (flags & MAP_FIXED) ? NULL : addr);
        if (r == 0) {
            lipc_g.rx = calloc(lipc_g.pool.units, sizeof(*lipc_g.rx));
            uint64_t sz = size;
            if (!lipc_g.rx)
                r = -ENOMEM;
            else
                r = simple_rpc(lipc_g.pconn, LIPC_OP_MMAP, &sz, sizeof(sz), NULL, 0, NULL, NULL);
            if (r < 0) {
                free(lipc_g.rx);
                lipc_g.rx = NULL;
                lipc_pool_deinit(&lipc_g.pool);
            }
        }
    }
    if (r == 0) {
        lipc_g.mapped = true;
        *out = lipc_g.pool.ro;
    }
    lipc_mutex_unlock(&lipc_g.lock);
    return r;
}

LIPC_EXPORT void *lipc_dev_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    (void)off;
    void *pool;
    int r = pool_map(addr, len, LITE_IPC_POOL_MAX_SIZE, prot, flags, fd, &pool);
    if (r < 0) {
        errno = -r;
        return MAP_FAILED;
    }
    return pool;
}

LIPC_EXPORT int lipc_pool_map(int fd, size_t len, void **pool)
{
    if (!pool)
        return -EINVAL;
    return pool_map(NULL, len, LIPC_POOL_NATIVE_MAX, PROT_READ, MAP_PRIVATE, fd, pool);
}

LIPC_EXPORT int lipc_dev_munmap(void *addr, size_t len)
{
    (void)addr;
    (void)len;
    errno = EINVAL;
    return -1;
}
