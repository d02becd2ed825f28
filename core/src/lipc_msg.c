/*
 * lipc_msg.c - IPC_SEND_RECV_MSG and the other ioctls: sending, receiving
 * (with reply matching and timeouts), freeing, and turning broker events
 * into messages in the receive pool.
 */
#include "lipc_internal.h"
#include "lipc_conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>
#include <sys/epoll.h>
#include <sched.h>

#define LIPC_TICKET_WAIT_NS (50 * 1000000ull)  /* how long a ticket may wait for its message */
#define LIPC_HELD_MAX_NS (1000 * 1000000ull)   /* how long a message may wait for its ticket */

/* ---- sending -------------------------------------------------------------- */

LIPC_HOT static int check_para(const IpcMsg *m, bool compat)
{
    if (m->dataSz > 0 && !m->data)
        return -EINVAL;
    if (m->spObjNum > 0 && !m->offsets)
        return -EINVAL;
    if (compat && m->dataSz > IPC_MSG_DATA_SZ_MAX)
        return -EINVAL;
    if (m->spObjNum > IPC_MSG_OBJECT_NUM_MAX)
        return -EINVAL;
    if ((size_t)m->dataSz < (size_t)m->spObjNum * sizeof(SpecialObj))
        return -EINVAL;
    const size_t *offs = m->offsets;
    for (uint32_t i = 0; i < m->spObjNum; i++) {
        if (offs[i] > m->dataSz - sizeof(SpecialObj) ||
            (i > 0 && offs[i] < offs[i - 1] + sizeof(SpecialObj)))
            return -EINVAL;
    }
    return 0;
}

/* IsValidReply against the request block at req_off. Lock held. */
LIPC_HOT static int check_reply_locked(const IpcMsg *reply, long req_off)
{
    if (req_off < 0)
        return -EINVAL;
    struct lipc_rxinfo *rx = lipc_rx_at((size_t)req_off);
    const IpcMsg *rq = lipc_pool_rw(&lipc_g.pool, (size_t)req_off);
    if (rx->kind != LIPC_RX_MSG || rq->type != MT_REQUEST || (rq->flag & LITEIPC_FLAG_ONEWAY) ||
        reply->timestamp != rq->timestamp || (uint32_t)reply->target.handle != rq->taskID)
        return -EINVAL;
    if (lipc_coarse_ns() > rq->timestamp + LITEIPC_TIMEOUT_NS)
        return -ETIME;
    return 0;
}

/* The broker path, for messages with special objects.  The route was
 * resolved before (access checked, ticket channel known). */
static int send_via_broker(struct lipc_thr *t, const IpcMsg *m, uint64_t ts, uint32_t reply_pid,
                           bool sync, uint64_t ticket)
{
    struct lipc_wire_msg wm = {
        .type = (uint32_t)m->type, .code = m->code, .flag = m->flag, .data_sz = m->dataSz,
        .sp_obj_num = m->spObjNum, .target_handle = m->target.handle,
        .target_token = m->target.token, .target_cookie = m->target.cookie, .timestamp = ts,
        .pid = reply_pid,       /* for replies: the process the request came from */
        .wflags = sync ? LIPC_WF_SYNC : 0,
        .ticket = ticket,
    };
    uint64_t offs[IPC_MSG_OBJECT_NUM_MAX];
    int fds[LIPC_MAX_FDS];
    unsigned nfds = 0;
    struct iovec iov[3 + 1];
    int iovcnt = 0;
    char *ptrbuf = NULL;
    size_t ptr_total = 0;
    const size_t *soffs = m->offsets;
    for (uint32_t i = 0; i < m->spObjNum; i++) {
        SpecialObj o;
        offs[i] = soffs[i];
        memcpy(&o, (const char *)m->data + soffs[i], sizeof(o));
        if (o.type == OBJ_FD) {
            if (nfds == LIPC_MAX_FDS)
                return -EINVAL;
            fds[nfds++] = (int)o.content.fd;
        } else if (o.type == OBJ_PTR) {
            if (!o.content.ptr.buff || o.content.ptr.buffSz == 0)
                return -EINVAL;
            ptr_total += o.content.ptr.buffSz;
        } else if (o.type != OBJ_SVC) {
            return -EINVAL;
        }
    }
    if (ptr_total > LIPC_MAX_PACKET)
        return -ENOMEM;
    if (ptr_total) {
        ptrbuf = malloc(ptr_total);
        if (!ptrbuf)
            return -ENOMEM;
        size_t at = 0;
        for (uint32_t i = 0; i < m->spObjNum; i++) {
            SpecialObj o;
            memcpy(&o, (const char *)m->data + soffs[i], sizeof(o));
            if (o.type != OBJ_PTR)
                continue;
            /* read the user's buffer safely: a bad address is EINVAL */
            struct iovec l = { ptrbuf + at, o.content.ptr.buffSz };
            struct iovec r = { o.content.ptr.buff, o.content.ptr.buffSz };
            if (process_vm_readv(getpid(), &l, 1, &r, 1, 0) != (ssize_t)o.content.ptr.buffSz) {
                free(ptrbuf);
                return -EINVAL;
            }
            at += o.content.ptr.buffSz;
        }
    }
    wm.ptr_total = (uint32_t)ptr_total;
    wm.nfds = nfds;
    iov[iovcnt++] = (struct iovec){ &wm, sizeof(wm) };
    if (m->dataSz)
        iov[iovcnt++] = (struct iovec){ m->data, m->dataSz };
    if (m->spObjNum)
        iov[iovcnt++] = (struct iovec){ offs, m->spObjNum * sizeof(uint64_t) };
    if (ptr_total)
        iov[iovcnt++] = (struct iovec){ ptrbuf, ptr_total };
    int r = lipc_rpc(t, LIPC_OP_SEND, iov, iovcnt, fds, nfds, NULL, 0, NULL, NULL);
    free(ptrbuf);
    return r < 0 ? r : 0;
}

/* ---- receiving ------------------------------------------------------------ */

struct wait_ctx {
    bool sync;
    uint64_t ts;
    uint32_t dst_pid;
    struct lipc_route *route;   /* sync on the direct path: the peer to watch */
};

/* Resolves a ticket placeholder at position i from the held list.  Returns
 * true if the entry at i is now a real message. */
static bool resolve_ticket_locked(struct lipc_inbox *ib, uint32_t i)
{
    struct lipc_qent e = lipc_q_at(&ib->q, i);
    for (uint32_t k = 0; k < ib->held.n; k++) {
        struct lipc_qent h = lipc_q_at(&ib->held, k);
        if (h.src_pid == e.src_pid && h.ticket == e.ticket) {
            h.ticket = 0;
            lipc_q_set(&ib->q, i, h);
            lipc_q_remove(&ib->held, k);
            return true;
        }
    }
    return false;
}

/* Looks through the thread's inbox for the next acceptable message.
 * Returns 1 with *out set, 0 if none, -ENOENT for a failed reply. */
LIPC_HOT static int pick_locked(struct lipc_thr *t, const struct wait_ctx *w, IpcMsg **out)
{
    struct lipc_inbox *ib = t->inbox;
    /* A held message whose ticket never comes (its sender died between the
     * broker's ack and writing the ticket, or forged the number) is
     * delivered late rather than kept forever. */
    for (uint32_t k = 0; k < ib->held.n;) {
        struct lipc_qent h = lipc_q_at(&ib->held, k);
        if (lipc_now_ns() - h.since < LIPC_HELD_MAX_NS) {
            k++;
            continue;
        }
        lipc_q_remove(&ib->held, k);
        h.ticket = 0;
        if (lipc_q_push(&ib->q, h) < 0)
            lipc_rx_free_locked(h.off, true);
    }
    for (uint32_t i = 0; i < ib->q.n;) {
        struct lipc_qent e = lipc_q_at(&ib->q, i);
        if (e.off == LIPC_QE_TICKET && !resolve_ticket_locked(ib, i)) {
            if (w->sync) {
                i++;
                continue;
            }
            /* Keep the order: the broker delivered the message before the
             * sender could write its ticket, so it is here at once unless
             * the ticket is forged.  Wait briefly, then drop the ticket. */
            uint64_t now = lipc_now_ns();
            if (!ib->ticket_since)
                ib->ticket_since = now;
            if (now - ib->ticket_since < LIPC_TICKET_WAIT_NS)
                return 0;
            fprintf(stderr, "liteipc: dropping a ticket from pid %u that no message matches\n", e.src_pid);
            lipc_q_remove(&ib->q, i);
            ib->ticket_since = 0;
            continue;
        }
        if (i == 0)
            ib->ticket_since = 0;
        uint32_t off = lipc_q_at(&ib->q, i).off;
        const IpcMsg *m = lipc_pool_rw(&lipc_g.pool, off);
        const struct lipc_rxinfo *rx = lipc_rx_at(off);
        bool is_reply = m->type == MT_REPLY || m->type == MT_FAILED_REPLY;
        if (!w->sync) {
            lipc_q_remove(&ib->q, i);
            if (is_reply) {             /* a receive-only loop drops replies */
                lipc_rx_free_locked(off, true);
                continue;
            }
            lipc_rx_hand_out_locked(off);
            __atomic_store_n(&t->last_chan, rx->chan, __ATOMIC_RELAXED);   /* reaped by others */
            t->last_slot = rx->src_slot;
            *out = lipc_pool_ro(&lipc_g.pool, off);
            return 1;
        }
        if (!is_reply) {                /* kept for a later receive */
            i++;
            continue;
        }
        bool match = m->timestamp == w->ts && (rx->src_pid == w->dst_pid || rx->src_pid == 0);
        if (match && m->type == MT_FAILED_REPLY && rx->src_pid == 0) {
            /* the broker's failed reply for a dead peer: a real reply the
             * peer sent before dying wins */
            for (uint32_t k = i + 1; k < ib->q.n; k++) {
                uint32_t o2 = lipc_q_at(&ib->q, k).off;
                if (o2 == LIPC_QE_TICKET)
                    continue;
                const IpcMsg *m2 = lipc_pool_rw(&lipc_g.pool, o2);
                if (m2->type == MT_REPLY && m2->timestamp == w->ts && lipc_rx_at(o2)->src_pid == w->dst_pid) {
                    lipc_q_remove(&ib->q, i);
                    lipc_rx_free_locked(off, true);
                    match = false;
                    break;
                }
            }
            if (!match)
                continue;
        }
        lipc_q_remove(&ib->q, i);
        if (!match) {
            lipc_rx_free_locked(off, true);
            continue;
        }
        if (m->type == MT_FAILED_REPLY) {
            bool dead = rx->src_pid == 0;   /* made by the broker: the peer died */
            lipc_rx_free_locked(off, true);
            return dead ? -EOWNERDEAD : -ENOENT;
        }
        lipc_rx_hand_out_locked(off);
        *out = lipc_pool_ro(&lipc_g.pool, off);
        return 1;
    }
    return 0;
}

/* Takes in what the inbound channels hold and picks the next acceptable
 * message for t, under one hold of the lock.  Returns 1 with *out set, 0 if
 * none, -errno (-ENOENT/-EOWNERDEAD: a failed reply). */
LIPC_HOT static int take(struct lipc_thr *t, const struct wait_ctx *w, IpcMsg **out)
{
    for (int round = 0;; round++) {
        lipc_chan_check_events();
        bool retry = false;
        lipc_mutex_lock(&lipc_g.lock);
        lipc_chan_consume_locked(t, &retry);
        if (retry && round == 0) {
            /* a grant may be on its way: read the pending events, once */
            lipc_mutex_unlock(&lipc_g.lock);
            continue;
        }
        int r = pick_locked(t, w, out);
        t->seen_n = t->inbox->q.n;
        /* for callers deciding whether to spin: stored only when it
         * changes, so the line they read stays shared */
        _Atomic uint32_t *bl = &lipc_g.pub->slot[t->slot].backlog;
        if (atomic_load_explicit(bl, memory_order_relaxed) != t->seen_n)
            atomic_store_explicit(bl, t->seen_n, memory_order_relaxed);
        lipc_mutex_unlock(&lipc_g.lock);
        return r;
    }
}

static unsigned g_spin_ns = 20000;
static int g_ncpus;

static void spin_config(void)
{
    const char *e = getenv("LITEIPC_SPIN_US");
    if (e)
        g_spin_ns = (unsigned)atoi(e) * 1000u;
    g_ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
}

/* Busy-polling only pays when the peer runs on another CPU: never spin
 * against a peer that needs this CPU. */
LIPC_HOT static const struct lipc_pub_slot *wait_peer(const struct lipc_thr *t, const struct wait_ctx *w)
{
    if (w->route)
        return &w->route->chan->peer->slot[w->route->slot];
    /* a receive: the last caller is the likely next one (a hint: the slot
     * index came from the peer, the page is read-only to us) */
    const struct lipc_chan_in *c = __atomic_load_n(&t->last_chan, __ATOMIC_ACQUIRE);
    if (c && t->last_slot < LIPC_MAX_THREADS && !__atomic_load_n(&c->gone, __ATOMIC_RELAXED))
        return &c->peer->slot[t->last_slot];
    return NULL;
}

LIPC_HOT static bool spin_worthwhile(const struct lipc_thr *t, const struct wait_ctx *w, int mycpu)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, spin_config);
    if (g_ncpus < 2 || g_spin_ns == 0 || mycpu < 0)
        return false;
    const struct lipc_pub_slot *ps = wait_peer(t, w);
    if (!ps || atomic_load(&ps->cpu) == (uint32_t)mycpu)
        return false;
    /* a callee with requests of others waiting before ours will not answer
     * soon: leave the CPU to it (many callers of one service) */
    if (w->route && atomic_load_explicit(&ps->backlog, memory_order_relaxed) > 0)
        return false;
    /* a sleeping caller will not send soon; a busy callee will answer */
    return w->route || !atomic_load(&ps->sleeping);
}

LIPC_HOT static int do_read(struct lipc_thr *t, const struct wait_ctx *w, int timeout_ms, IpcMsg **out)
{
    uint64_t deadline = 0;          /* computed when we first go to sleep */
    struct lipc_pub_slot *me = &lipc_g.pub->slot[t->slot];
    int mycpu = sched_getcpu();
    lipc_publish_cpu(&me->cpu, mycpu);
    for (;;) {
        if (t->backlog)
            lipc_msg_retry_backlog(t);
        /* liveness is sampled before the scan: whatever a peer wrote before
         * it died is in the ring by then */
        bool peer_alive = !w->route || lipc_route_alive(w->route);
        int r = take(t, w, out);
        if (r != 0)
            return r < 0 ? r : 0;
        if (!peer_alive)
            return -EOWNERDEAD;     /* the peer died without replying */
        /* t->last_chan may be retired by another thread: look at it only as
         * a spinner (a retired channel is not freed while anyone spins; we
         * stay one through the look before sleeping) */
        lipc_chan_spin_begin();
        /* A fixed budget, on purpose: a budget that shrinks after failed
         * spins collapses a hot pair once the host stalls one call (both
         * sides stop spinning, each call then pays a cross-CPU wake-up of a
         * halted vCPU, and a probe can never succeed again; measured). */
        if (spin_worthwhile(t, w, mycpu)) {         /* reads LITEIPC_SPIN_US once */
            /* hot path: no syscall while the peer answers within the budget */
            uint64_t until = lipc_now_ns() + g_spin_ns;
            unsigned n = 0;
            for (;;) {
                if (lipc_chan_hint(t) && (r = take(t, w, out)) != 0)
                    break;
                if ((++n & 15) == 0) {
                    if (lipc_now_ns() >= until)
                        break;
                    const struct lipc_pub_slot *ps = wait_peer(t, w);
                    if (ps && atomic_load(&ps->cpu) == (uint32_t)sched_getcpu())
                        break;              /* the peer moved to our CPU: stop */
                }
                __builtin_ia32_pause();
            }
            if (r != 0) {
                lipc_chan_spin_end();
                return r < 0 ? r : 0;
            }
        }
        /* slow path: announce that we sleep, look once more, then block
         * (sleep_seq has one writer, this thread: no atomic add needed) */
        atomic_store_explicit(&me->sleep_seq, atomic_load_explicit(&me->sleep_seq, memory_order_relaxed) + 1,
                              memory_order_relaxed);
        atomic_store_explicit(&me->sleeping, 1, memory_order_relaxed);
        atomic_thread_fence(memory_order_seq_cst);     /* Dekker with lipc_chan_send() */
        bool maybe = lipc_chan_hint(t);     /* a look without the lock */
        lipc_chan_spin_end();
        r = maybe ? take(t, w, out) : 0;
        if (r != 0) {
            atomic_store_explicit(&me->sleeping, 0, memory_order_relaxed);
            return r < 0 ? r : 0;
        }
        int wait_ms = -1;
        if (timeout_ms >= 0) {
            uint64_t now = lipc_now_ns();
            if (!deadline)
                deadline = now + (uint64_t)timeout_ms * 1000000ull;
            if (now >= deadline) {
                atomic_store_explicit(&me->sleeping, 0, memory_order_relaxed);
                return -ETIME;
            }
            wait_ms = (int)((deadline - now + 999999) / 1000000);
        }
        if ((t->inbox->ticket_since || t->inbox->held.n) && (wait_ms < 0 || wait_ms > 10))
            wait_ms = 10;               /* look again at a ticket or a held message */
        struct epoll_event ev[2];
        int pr;
        do {
            pr = epoll_wait(t->ep, ev, 2, wait_ms);
        } while (pr < 0 && errno == EINTR);
        atomic_store_explicit(&me->sleeping, 0, memory_order_relaxed);
        mycpu = sched_getcpu();
        lipc_publish_cpu(&me->cpu, mycpu);
        if (pr < 0)
            return -errno;
        bool sock_ready = false;        /* the eventfd needs nothing: edge-triggered */
        for (int i = 0; i < pr; i++)
            sock_ready |= ev[i].data.u32 == 0;
        if (sock_ready) {
            do {
                r = lipc_thr_pump(t, 0);
            } while (r > 0);
            if (r < 0)
                return r == -ECONNRESET ? -EIO : r;
        }
    }
}

/* ---- IPC_SEND_RECV_MSG ------------------------------------------------- */

#define LIPC_TIMEOUT_COMPAT (-2)

/* Inside an inbound ring (where direct-path data is read in place)? */
static bool in_channel_locked(const void *p)
{
    const uint8_t *u = p;
    for (const struct lipc_chan_in *c = lipc_g.chin; c; c = c->next)
        if (u >= c->map && u < c->map + LIPC_RING_HDR_SIZE + c->size)
            return true;
    return false;
}

LIPC_HOT static int send_recv(IpcContent *c, int timeout_ms, bool compat)
{
    int err = 0;
    struct lipc_thr *t = lipc_thr_get(&err);
    if (!t)
        return err;
    if (!atomic_load(&lipc_g.priv->cms_set))
        return -EINVAL;
    uint32_t flag = c->flag;
    int ret = 0;
    bool sync = (flag & SEND) && (flag & RECV);
    IpcMsg m;
    uint64_t ts = 0;

    /* The message is checked first, but a bad buffToFree is reported before
     * it; once buffToFree is good it is freed whatever else fails. */
    if (flag & SEND) {
        if (!c->outMsg) {
            ret = -EINVAL;
        } else {
            m = *c->outMsg;
            if (m.type != MT_REQUEST && m.type != MT_REPLY && m.type != MT_FAILED_REPLY)
                ret = -EINVAL;
            else if (m.type != MT_REQUEST && !(flag & BUFF_FREE))
                ret = -EINVAL;          /* a reply frees its request */
            else
                ret = check_para(&m, compat);
        }
    }
    uint32_t reply_pid = 0;
    long free_off = -1;
    if (flag & BUFF_FREE) {
        lipc_mutex_lock(&lipc_g.lock);
        free_off = lipc_pool_lookup(&lipc_g.pool, c->buffToFree);
        if (free_off == -EINVAL && in_channel_locked(c->buffToFree))
            free_off = -EFAULT;         /* received memory, but not a message */
        if (free_off >= 0 && !lipc_rx_at((size_t)free_off)->user)
            free_off = -EFAULT;
        if (free_off < 0) {
            lipc_mutex_unlock(&lipc_g.lock);
            return (int)free_off;
        }
        if (ret == 0 && (flag & SEND) && m.type != MT_REQUEST) {
            ret = check_reply_locked(&m, free_off);
            reply_pid = lipc_rx_at((size_t)free_off)->src_pid;
        }
        /* A message read in place holds ring space its sender may need for
         * the next call (a large one: all of it): free it now.  Otherwise
         * after the send, off the caller's critical path. */
        if (ret || !(flag & SEND) || lipc_rx_at((size_t)free_off)->in_place) {
            lipc_rx_free_locked((size_t)free_off, false);
            free_off = -1;
        } else {
            lipc_rx_at((size_t)free_off)->user = 0;  /* freed once the message is out */
        }
        lipc_mutex_unlock(&lipc_g.lock);
    }
    if (ret)
        return ret;

    struct wait_ctx w = { .sync = sync };
    struct lipc_route *held = NULL;
    lipc_chan_check_events();
    if (flag & SEND) {
        ts = m.timestamp;
        if (m.type == MT_REQUEST) {
            ts = lipc_coarse_ns();      /* made unique per thread below */
            if (ts <= t->last_ts)
                ts = t->last_ts + 1;
            t->last_ts = ts;
        }
        bool wait_reply = sync && m.type == MT_REQUEST;
        bool is_reply = m.type != MT_REQUEST;
        int32_t key = m.target.handle;
        if (key < 0 || key >= 0x400000) {
            ret = -EINVAL;
            goto done_send;
        }
        struct lipc_route *route = lipc_route_cached(t, key, is_reply, (pid_t)reply_pid, &ret);
        if (!route)
            goto done_send;
        held = route;
        w.ts = ts;
        w.dst_pid = (uint32_t)route->dst_pid;
        struct lipc_priv_slot *ws = &lipc_g.priv->slot[t->slot];
        if (wait_reply) {
            /* publish the wait before sending, then check the peer: either
             * the broker sees our wait when the peer dies, or we see it dead */
            atomic_store_explicit(&ws->wait_ts, ts, memory_order_relaxed);
            atomic_store_explicit(&ws->wait_pid, (uint32_t)route->dst_pid, memory_order_relaxed);
            atomic_store_explicit(&ws->wait_tid, (uint32_t)route->dst_tid, memory_order_release);
            atomic_thread_fence(memory_order_seq_cst);
        }
        if (m.spObjNum == 0) {
            if (key == 0 && sizeof(IpcMsg) + (uint64_t)m.dataSz > route->cms_max)
                ret = -EINVAL;
            else
                ret = lipc_chan_send(t, route, &m, ts, LIPC_RENT_MSG, 0);
            if (wait_reply)
                w.route = route;    /* do_read notices if it dies meanwhile */
        } else {
            /* objects need the broker (fd duplication, grants); a ticket in
             * the ring keeps the order with direct messages to the same
             * thread */
            struct lipc_chan_out *ch = route->chan;
            lipc_mutex_lock(&ch->lock);
            uint64_t ticket = is_reply ? 0 : ++ch->next_ticket;
            ret = send_via_broker(t, &m, ts, reply_pid, wait_reply, ticket);
            lipc_mutex_unlock(&ch->lock);
            if (ret == 0 && ticket)
                ret = lipc_chan_send(t, route, &m, ts, LIPC_RENT_TICKET, ticket);
        }
        if (ret && wait_reply)
            atomic_store_explicit(&ws->wait_tid, 0, memory_order_release);
        if (ret && ret != -ETIME && m.type == MT_REPLY) {
            /* The reply was refused (e.g. it names a dead service): the
             * request is freed below, so tell its caller now rather than
             * let it wait for its timeout.  The replier still gets ret. */
            IpcMsg f = { .type = MT_FAILED_REPLY, .target = m.target, .code = m.code, .flag = m.flag };
            lipc_chan_send(t, route, &f, ts, LIPC_RENT_MSG, 0);
        }
    }
done_send:
    if (free_off >= 0) {
        /* after the send: the caller is not kept waiting for this */
        lipc_mutex_lock(&lipc_g.lock);
        lipc_rx_free_locked((size_t)free_off, false);
        lipc_mutex_unlock(&lipc_g.lock);
    }
    if (ret == 0 && (flag & RECV)) {
        IpcMsg *in = NULL;
        /* LiteOS-A: a sync receive waits 5 s, a plain receive forever */
        if (timeout_ms == LIPC_TIMEOUT_COMPAT)
            timeout_ms = sync ? LITEIPC_TIMEOUT_MS : LIPC_WAIT_FOREVER;
        ret = do_read(t, &w, timeout_ms, &in);
        if (ret == 0)
            c->inMsg = in;
    }
    if (sync)
        atomic_store_explicit(&lipc_g.priv->slot[t->slot].wait_tid, 0, memory_order_release);
    if (held)
        lipc_route_done(t, held);
    return ret;
}

LIPC_EXPORT int lipc_handle_alive(int32_t handle)
{
    int r = 0;
    struct lipc_thr *t = lipc_thr_get(&r);
    if (!t)
        return r;
    struct iovec v = { &handle, sizeof(handle) };
    return lipc_rpc(t, LIPC_OP_TASK_ALIVE, &v, 1, NULL, 0, NULL, 0, NULL, NULL);
}

LIPC_HOT LIPC_EXPORT int lipc_send_recv(IpcContent *content, int timeout_ms)
{
    if (!content)
        return -EINVAL;
    /* not open: -EINVAL, not mapped: -ENOMEM, both from lipc_thr_get() */
    return send_recv(content, timeout_ms, false);
}

static int do_ioctl(int fd, unsigned long req, void *arg)
{
    lipc_mutex_lock(&lipc_g.lock);
    int r = !lipc_dev_is_fd_locked(fd) ? -EBADF : !lipc_g.open ? -EINVAL : !lipc_g.mapped ? -ENOMEM : 0;
    lipc_mutex_unlock(&lipc_g.lock);
    if (r)
        return r;
    struct lipc_thr *t;
    switch (req) {
    case IPC_GET_VERSION:
        if (!arg)
            return -EINVAL;
        ((IpcVersion *)arg)->driverVersion = LITEIPC_DRIVER_VERSION;
        return 0;
    case IPC_SEND_RECV_MSG:
        if (!arg)
            return -EINVAL;
        r = send_recv(arg, LIPC_TIMEOUT_COMPAT, true);
        return r == -EOWNERDEAD ? -ENOENT : r;      /* LiteOS-A: a failed reply */
    case IPC_SET_CMS: {
        uint64_t max = (uint64_t)(uintptr_t)arg;
        if (max < sizeof(IpcMsg))
            return -EINVAL;
        if (!(t = lipc_thr_get(&r)))
            return r;
        struct iovec v = { &max, sizeof(max) };
        return lipc_rpc(t, LIPC_OP_SET_CMS, &v, 1, NULL, 0, NULL, 0, NULL, NULL);
    }
    case IPC_CMS_CMD: {
        if (!arg)
            return -EINVAL;
        if (!(t = lipc_thr_get(&r)))
            return r;
        CmsCmdContent c;
        memcpy(&c, arg, sizeof(c));
        struct iovec v = { &c, sizeof(c) };
        r = lipc_rpc(t, LIPC_OP_CMS_CMD, &v, 1, NULL, 0, &c, sizeof(c), NULL, NULL);
        if (r >= 0 || c.cmd == CMS_GEN_HANDLE)
            ((CmsCmdContent *)arg)->serviceHandle = c.serviceHandle;
        return r;
    }
    case IPC_SET_IPC_THREAD:
        if (!(t = lipc_thr_get(&r)))
            return r;
        return lipc_rpc(t, LIPC_OP_SET_IPC_THREAD, NULL, 0, NULL, 0, NULL, 0, NULL, NULL);
    default:
        return -EINVAL;
    }
}

LIPC_EXPORT int lipc_dev_ioctl(int fd, unsigned long req, void *arg)
{
    int r = do_ioctl(fd, req, arg);
    if (r < 0) {
        errno = -r;
        return -1;
    }
    return r;
}
