/* brk_state.c - processes, tasks (handles), access rights, deaths. */
#include "brk.h"
#include "lipc_conn.h"

void brk_proc_drop_channels(struct brk *b, struct bproc *p);

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

static unsigned thash(pid_t t) { return (unsigned)t % 4096u; }
static unsigned phash(pid_t p) { return (unsigned)p % 1024u; }

struct btask *brk_task_find(struct brk *b, pid_t tid)
{
    for (struct btask *t = b->task_hash[thash(tid)]; t; t = t->hnext)
        if (t->tid == tid)
            return t;
    return NULL;
}

struct bproc *brk_proc_find(struct brk *b, pid_t pid)
{
    for (struct bproc *p = b->proc_hash[phash(pid)]; p; p = p->hnext)
        if (p->pid == pid)
            return p;
    return NULL;
}

/* The process owning thread tid, from /proc (kernel truth), or -1. */
pid_t brk_tid_owner(pid_t tid)
{
    if (tid <= 0)
        return -1;
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    char *tg = strstr(buf, "\nTgid:");
    if (!tg)
        return -1;
    /* a zombie or dead thread is not alive */
    char *st = strstr(buf, "\nState:\t");
    if (st && (st[8] == 'Z' || st[8] == 'X'))
        return -1;
    return (pid_t)atoi(tg + 6);
}

static void *map_page(int fd, size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    return p == MAP_FAILED ? NULL : p;
}

struct bproc *brk_proc_new(struct brk *b, struct bconn *c, int *err)
{
    struct bproc *p = calloc(1, sizeof(*p));
    if (!p) {
        *err = -ENOMEM;
        return NULL;
    }
    p->pid = c->pid;
    p->uid = c->uid;
    p->gid = c->gid;
    p->ipc_task = -1;
    p->ep.type = EP_PIDFD;
    /* Prefer the kernel's pidfd of the connected peer (no pid-reuse race). */
    socklen_t l = sizeof(int);
    int pfd = -1;
    if (getsockopt(c->ep.fd, SOL_SOCKET, SO_PEERPIDFD, &pfd, &l) < 0)
        pfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
    p->ep.fd = pfd;
    p->pub_fd = memfd_create("liteipc-pub", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    p->priv_fd = memfd_create("liteipc-priv", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (pfd < 0 || p->pub_fd < 0 || p->priv_fd < 0 || ftruncate(p->pub_fd, LIPC_PUB_PAGE_SIZE) < 0 ||
        ftruncate(p->priv_fd, LIPC_PRIV_PAGE_SIZE) < 0 ||
        !(p->pub = map_page(p->pub_fd, LIPC_PUB_PAGE_SIZE)) ||
        !(p->priv = map_page(p->priv_fd, LIPC_PRIV_PAGE_SIZE))) {
        *err = -ENOMEM;
        goto fail;
    }
    /* The pages' size must never change under a peer (SIGBUS). */
    fcntl(p->pub_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
    fcntl(p->priv_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
    p->pub->magic = p->priv->magic = LIPC_PAGE_MAGIC;
    p->pub->version = p->priv->version = LIPC_PROTO_VERSION;
    atomic_store(&p->priv->cms_set, b->cms.ever ? 1u : 0u);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &p->ep };
    if (epoll_ctl(b->epfd, EPOLL_CTL_ADD, pfd, &ev) < 0) {
        *err = -errno;
        goto fail;
    }
    p->hnext = b->proc_hash[phash(p->pid)];
    b->proc_hash[phash(p->pid)] = p;
    b->nprocs++;
    return p;
fail:
    if (p->pub)
        munmap(p->pub, LIPC_PUB_PAGE_SIZE);
    if (p->priv)
        munmap(p->priv, LIPC_PRIV_PAGE_SIZE);
    if (p->pub_fd >= 0)
        close(p->pub_fd);
    if (p->priv_fd >= 0)
        close(p->priv_fd);
    if (pfd >= 0)
        close(pfd);
    free(p);
    return NULL;
}

static struct btask *task_new(struct brk *b, struct bproc *p, pid_t tid, int *err)
{
    uint32_t slot = LIPC_MAX_THREADS;
    for (uint32_t i = 0; i < LIPC_MAX_THREADS; i++)
        if (!p->slots[i]) {
            slot = i;
            break;
        }
    if (slot == LIPC_MAX_THREADS) {
        *err = -EMFILE;
        return NULL;
    }
    struct btask *t = calloc(1, sizeof(*t));
    if (!t) {
        *err = -ENOMEM;
        return NULL;
    }
    t->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (t->efd < 0) {
        *err = -errno;
        free(t);
        return NULL;
    }
    t->tid = tid;
    t->proc = p;
    t->slot = slot;
    t->pending_tail = &t->pending;
    p->slots[slot] = t;
    struct lipc_pub_slot *ps = &p->pub->slot[slot];
    atomic_store(&ps->dead, 0);
    atomic_store(&ps->sleeping, 0);
    atomic_fetch_add(&ps->gen, 1);
    atomic_store(&ps->tid, (uint32_t)tid);
    atomic_store(&p->priv->slot[slot].wait_tid, 0);
    t->pnext = p->tasks;
    p->tasks = t;
    t->hnext = b->task_hash[thash(tid)];
    b->task_hash[thash(tid)] = t;
    b->ntasks++;
    return t;
}

struct btask *brk_task_attach(struct brk *b, struct bproc *p, pid_t tid, int *err)
{
    if (brk_tid_owner(tid) != p->pid) {
        *err = -ESRCH;
        return NULL;
    }
    struct btask *t = brk_task_find(b, tid);
    if (t && t->proc != p) {        /* a stale record of a reused tid */
        brk_task_death(b, t);
        t = NULL;
    }
    if (!t)
        t = task_new(b, p, tid, err);
    return t;
}

struct btask *brk_task_get(struct brk *b, pid_t tid, bool create)
{
    struct btask *t = brk_task_find(b, tid);
    if (t || !create)
        return t;
    pid_t owner = brk_tid_owner(tid);
    struct bproc *p = owner > 0 ? brk_proc_find(b, owner) : NULL;
    if (!p)
        return NULL;
    int err;
    return task_new(b, p, tid, &err);
}

bool brk_has_access(struct brk *b, struct bproc *p, pid_t handle)
{
    if (handle == 0)
        return true;
    if (handle < 0 || handle >= BRK_MAX_HANDLE)
        return false;
    struct btask *t = brk_task_find(b, handle);
    if (!t)
        return false;
    if (t->proc == p)
        return true;
    for (unsigned i = 0; i < t->naccess; i++)
        if (t->access[i] == p->pid)
            return true;
    return false;
}

int brk_grant(struct btask *t, pid_t pid)
{
    for (unsigned i = 0; i < t->naccess; i++)
        if (t->access[i] == pid)
            return 0;
    if (t->naccess == t->capaccess) {
        unsigned cap = t->capaccess ? t->capaccess * 2 : 4;
        pid_t *v = realloc(t->access, cap * sizeof(pid_t));
        if (!v)
            return -ENOMEM;
        t->access = v;
        t->capaccess = cap;
    }
    t->access[t->naccess++] = pid;
    return 0;
}

/* Sends MT_FAILED_REPLY (from the broker: pid 0) to a thread in a sync call. */
void brk_send_failed_reply(struct brk *b, struct btask *to, uint64_t ts, pid_t dead_tid)
{
    struct lipc_wire_msg wm = { .type = MT_FAILED_REPLY, .timestamp = ts, .tid = (uint32_t)dead_tid,
                                .target_handle = to->tid, .target_tid = (uint32_t)to->tid };
    size_t need = sizeof(IpcMsg);
    wm.pool_need = (uint32_t)((need + LIPC_POOL_UNIT - 1) / LIPC_POOL_UNIT * LIPC_POOL_UNIT);
    struct iovec v = { &wm, sizeof(wm) };
    struct bpkt *pk = brk_pkt_new(LIPC_OP_EV_MSG, 0, 0, &v, 1, NULL, 0);
    if (!pk)
        return;
    pk->pool_need = wm.pool_need;
    brk_deliver(b, to, pk);
}

static void send_death_notice(struct brk *b, struct bproc *j, pid_t dead_tid)
{
    if (j->ipc_task <= 0)
        return;
    struct btask *it = brk_task_find(b, j->ipc_task);
    if (!it)
        return;
    struct lipc_wire_msg wm = { .type = MT_DEATH_NOTIFY, .target_handle = j->ipc_task,
                                .target_tid = (uint32_t)j->ipc_task, .target_token = (uint64_t)dead_tid };
    wm.pool_need = (uint32_t)((sizeof(IpcMsg) + LIPC_POOL_UNIT - 1) / LIPC_POOL_UNIT * LIPC_POOL_UNIT);
    struct iovec v = { &wm, sizeof(wm) };
    struct bpkt *pk = brk_pkt_new(LIPC_OP_EV_MSG, 0, 0, &v, 1, NULL, 0);
    if (!pk)
        return;
    pk->pool_need = wm.pool_need;
    brk_deliver(b, it, pk);
}

/* Fails every thread blocked in a sync call on tid (published in its
 * process's private page). */
static void fail_waiters(struct brk *b, pid_t tid)
{
    for (unsigned h = 0; h < 1024; h++)
        for (struct bproc *p = b->proc_hash[h]; p; p = p->hnext)
            for (uint32_t s = 0; s < LIPC_MAX_THREADS; s++) {
                struct btask *w = p->slots[s];
                if (!w || w->tid == tid)
                    continue;
                if (atomic_load(&p->priv->slot[s].wait_tid) != (uint32_t)tid)
                    continue;
                /* the wait stays published (its owner clears it): a reply the
                 * peer wrote before dying is still accepted and preferred */
                uint64_t ts = atomic_load(&p->priv->slot[s].wait_ts);
                brk_send_failed_reply(b, w, ts, tid);
            }
}

void brk_task_death(struct brk *b, struct btask *t)
{
    struct bproc *p = t->proc;
    BLOG(b, "task %d of %d gone\n", t->tid, p->pid);
    /* 1. the slot is dead before waiters are scanned (pairs with the
     *    caller's publish-then-check) */
    atomic_store(&p->pub->slot[t->slot].dead, 1);
    atomic_store(&p->priv->slot[t->slot].wait_tid, 0);
    /* 2. undelivered events: sync requests get a failed reply */
    while (t->pending) {
        struct bpkt *pk = t->pending;
        t->pending = pk->next;
        struct lipc_hdr *h = (struct lipc_hdr *)pk->data;
        struct lipc_wire_msg wm;
        if (h->op == LIPC_OP_EV_MSG && h->len >= sizeof(wm)) {
            memcpy(&wm, pk->data + sizeof(*h), sizeof(wm));
            p->brk_sent -= pk->pool_need;
            if (wm.type == MT_REQUEST && (wm.wflags & LIPC_WF_SYNC)) {
                struct btask *snd = brk_task_find(b, (pid_t)wm.tid);
                if (snd && snd != t)
                    brk_send_failed_reply(b, snd, wm.timestamp, t->tid);
            }
        }
        brk_pkt_free(pk);
    }
    /* 3. callers blocked on it get a failed reply now (not after 5 s) */
    fail_waiters(b, t->tid);
    /* 4. death notices to every other process that had access */
    for (unsigned i = 0; i < t->naccess; i++) {
        if (t->access[i] == p->pid)
            continue;
        struct bproc *j = brk_proc_find(b, t->access[i]);
        if (j)
            send_death_notice(b, j, t->tid);
    }
    if (b->cms.tid == t->tid && b->cms.pid == p->pid)
        BLOG(b, "the CMS task exited\n");
    if (!atomic_load(&p->pub->dead))
        brk_chan_revoke_task(b, p, t->tid);  /* a later thread with this tid starts with none */
    if (p->ipc_task == t->tid)
        p->ipc_task = -1;
    /* unlink */
    for (struct btask **pp = &b->task_hash[thash(t->tid)]; *pp; pp = &(*pp)->hnext)
        if (*pp == t) {
            *pp = t->hnext;
            break;
        }
    for (struct btask **pp = &p->tasks; *pp; pp = &(*pp)->pnext)
        if (*pp == t) {
            *pp = t->pnext;
            break;
        }
    p->slots[t->slot] = NULL;
    if (t->conn) {
        t->conn->task = NULL;
        brk_conn_close(b, t->conn);
    }
    close(t->efd);
    free(t->access);
    free(t);
    b->ntasks--;
}

void brk_proc_death(struct brk *b, struct bproc *p)
{
    BLOG(b, "process %d gone\n", p->pid);
    atomic_store(&p->pub->dead, 1);
    /* remove from the hash first: no notice or grant goes to it anymore */
    for (struct bproc **pp = &b->proc_hash[phash(p->pid)]; *pp; pp = &(*pp)->hnext)
        if (*pp == p) {
            *pp = p->hnext;
            break;
        }
    b->nprocs--;
    p->ipc_task = -1;
    while (p->tasks)
        brk_task_death(b, p->tasks);
    /* its access rights to other tasks vanish with it */
    for (unsigned h = 0; h < 4096; h++)
        for (struct btask *t = b->task_hash[h]; t; t = t->hnext)
            for (unsigned i = 0; i < t->naccess; i++)
                if (t->access[i] == p->pid) {
                    t->access[i] = t->access[--t->naccess];
                    break;
                }
    if (b->cms.pid == p->pid) {
        BLOG(b, "the CMS process %d is gone; a new CMS may be set\n", p->pid);
        b->cms.tid = 0;
        b->cms.pid = 0;
    }
    brk_proc_drop_channels(b, p);
    if (p->pconn) {
        p->pconn->proc = NULL;
        brk_conn_close(b, p->pconn);
    }
    epoll_ctl(b->epfd, EPOLL_CTL_DEL, p->ep.fd, NULL);
    close(p->ep.fd);
    munmap(p->pub, LIPC_PUB_PAGE_SIZE);
    munmap(p->priv, LIPC_PRIV_PAGE_SIZE);
    close(p->pub_fd);
    close(p->priv_fd);
    free(p);
}

int brk_ro_fd(int fd)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    return open(path, O_RDONLY | O_CLOEXEC);
}

static int new_memfd(const char *name, size_t size)
{
    int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return -errno;
    if (ftruncate(fd, (off_t)size) < 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    /* a peer holding it read-write must not be able to shrink it under the
     * other one (SIGBUS) */
    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
    return fd;
}

struct bchan *brk_chan_get(struct brk *b, struct bproc *src, struct bproc *dst, bool *created, int *err)
{
    *created = false;
    for (struct bchan *c = src->chan_out; c; c = c->next_src)
        if (c->dst == dst)
            return c;
    struct bchan *c = calloc(1, sizeof(*c));
    if (!c) {
        *err = -ENOMEM;
        return NULL;
    }
    /* the receiver's pool size is its budget for each sender */
    uint64_t size = (dst->pool_size + 4095) & ~(uint64_t)4095;
    c->size = (uint32_t)size;
    c->ring_fd = new_memfd("liteipc-ring", LIPC_RING_HDR_SIZE + size);
    c->ret_fd = new_memfd("liteipc-ret", 4096);
    if (c->ring_fd < 0 || c->ret_fd < 0) {
        *err = c->ring_fd < 0 ? c->ring_fd : c->ret_fd;
        if (c->ring_fd >= 0)
            close(c->ring_fd);
        if (c->ret_fd >= 0)
            close(c->ret_fd);
        free(c);
        return NULL;
    }
    c->id = ++b->next_chan_id;
    c->src = src;
    c->dst = dst;
    c->next_src = src->chan_out;
    src->chan_out = c;
    c->next_dst = dst->chan_in;
    dst->chan_in = c;
    *created = true;
    return c;
}

static void send_chan_event(struct brk *b, struct bproc *p, uint32_t op, uint32_t id, pid_t tid)
{
    if (!p->pconn)
        return;
    uint32_t ev[2] = { id, (uint32_t)tid };
    struct iovec v = { ev, sizeof(ev) };
    brk_conn_send(b, p->pconn, brk_pkt_new(op, 0, 0, &v, 1, NULL, 0));
    atomic_fetch_add(&p->priv->chan_gen, 1);
}

int brk_chan_grant(struct brk *b, struct bchan *c, pid_t tid)
{
    for (unsigned i = 0; i < c->ngranted; i++)
        if (c->granted[i] == tid)
            return 0;
    if (c->ngranted == c->capgranted) {
        unsigned cap = c->capgranted ? c->capgranted * 2 : 4;
        pid_t *v = realloc(c->granted, cap * sizeof(pid_t));
        if (!v)
            return -ENOMEM;
        c->granted = v;
        c->capgranted = cap;
    }
    c->granted[c->ngranted++] = tid;
    /* before the sender hears back: its first request finds the grant */
    send_chan_event(b, c->dst, LIPC_OP_EV_GRANT, c->id, tid);
    return 0;
}

void brk_chan_revoke_task(struct brk *b, struct bproc *p, pid_t tid)
{
    for (struct bchan *c = p->chan_in; c; c = c->next_dst)
        for (unsigned i = 0; i < c->ngranted; i++)
            if (c->granted[i] == tid) {
                c->granted[i] = c->granted[--c->ngranted];
                send_chan_event(b, p, LIPC_OP_EV_REVOKE, c->id, tid);
                break;
            }
}

static void chan_free(struct brk *b, struct bchan *c, struct bproc *gone)
{
    /* tell the survivor to drop its views once drained */
    struct bproc *other = c->src == gone ? c->dst : c->src;
    if (other && other->pconn) {
        struct iovec v = { &c->id, sizeof(c->id) };
        brk_conn_send(b, other->pconn, brk_pkt_new(LIPC_OP_EV_CHANNEL_GONE, 0, 0, &v, 1, NULL, 0));
        atomic_fetch_add(&other->priv->chan_gen, 1);
        /* wake its threads so that an idle survivor lets go of the memory now */
        for (struct btask *t = other->tasks; t; t = t->pnext) {
            uint64_t one = 1;
            if (write(t->efd, &one, sizeof(one)) < 0) { /* saturated: already pending */ }
        }
    }
    for (struct bchan **pp = &c->src->chan_out; *pp; pp = &(*pp)->next_src)
        if (*pp == c) {
            *pp = c->next_src;
            break;
        }
    for (struct bchan **pp = &c->dst->chan_in; *pp; pp = &(*pp)->next_dst)
        if (*pp == c) {
            *pp = c->next_dst;
            break;
        }
    close(c->ring_fd);
    close(c->ret_fd);
    free(c->granted);
    free(c);
}

void brk_proc_drop_channels(struct brk *b, struct bproc *p)
{
    while (p->chan_out)
        chan_free(b, p->chan_out, p);
    while (p->chan_in)
        chan_free(b, p->chan_in, p);
}
