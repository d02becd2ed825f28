/*
 * lipc_rx.c - received messages in the pool: bookkeeping of pool blocks,
 * broker-path messages placed in the pool (with their special objects
 * translated), the backlog when the pool is full, and freeing.
 */
#include "lipc_internal.h"
#include "lipc_conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ALIGN8(x) (((x) + 7u) & ~7u)

static size_t msg_block_size(uint32_t data_sz, uint32_t nobj)
{
    return sizeof(IpcMsg) + ALIGN8((size_t)data_sz) + (size_t)nobj * sizeof(size_t);
}

static void publish_pool_usage(void)
{
    if (lipc_g.priv)
        atomic_store_explicit(&lipc_g.priv->pool_used, (uint32_t)lipc_g.pool.bytes_used, memory_order_relaxed);
}

/* Frees a received block and, for a message, what its objects still hold
 * when it was never handed out (rollback).  Lock held. */
LIPC_HOT void lipc_rx_free_locked(size_t off, bool rollback)
{
    struct lipc_rxinfo *rx = lipc_rx_at(off);
    if (rx->kind == LIPC_RX_MSG && rollback) {
        IpcMsg *m = lipc_pool_rw(&lipc_g.pool, off);
        const size_t *offs = (const size_t *)((char *)m + sizeof(IpcMsg) + ALIGN8((size_t)m->dataSz));
        char *data = (char *)m + sizeof(IpcMsg);
        for (uint32_t i = 0; i < m->spObjNum; i++) {
            SpecialObj o;
            memcpy(&o, data + offs[i], sizeof(o));
            if (o.type == OBJ_FD)
                close((int)o.content.fd);
            else if (o.type == OBJ_PTR && o.content.ptr.buff) {
                long po = lipc_pool_lookup(&lipc_g.pool, o.content.ptr.buff);
                if (po >= 0 && lipc_rx_at((size_t)po)->kind == LIPC_RX_PTR && !lipc_rx_at((size_t)po)->user) {
                    memset(lipc_rx_at((size_t)po), 0, sizeof(*rx));
                    lipc_pool_free(&lipc_g.pool, (size_t)po);
                }
            }
        }
    }
    if (rx->chan)
        lipc_chan_release_locked(rx->chan, rx->span_pos, rx->in_place);
    memset(rx, 0, sizeof(*rx));
    lipc_pool_free(&lipc_g.pool, off);
    publish_pool_usage();
}

/* Marks a message and its OBJ_PTR buffers as the user's. Lock held. */
LIPC_HOT void lipc_rx_hand_out_locked(size_t off)
{
    IpcMsg *m = lipc_pool_rw(&lipc_g.pool, off);
    lipc_rx_at(off)->user = 1;
    const size_t *offs = (const size_t *)((char *)m + sizeof(IpcMsg) + ALIGN8((size_t)m->dataSz));
    char *data = (char *)m + sizeof(IpcMsg);
    for (uint32_t i = 0; i < m->spObjNum; i++) {
        SpecialObj o;
        memcpy(&o, data + offs[i], sizeof(o));
        if (o.type == OBJ_PTR && o.content.ptr.buff) {
            long po = lipc_pool_lookup(&lipc_g.pool, o.content.ptr.buff);
            if (po >= 0)
                lipc_rx_at((size_t)po)->user = 1;
        }
    }
}

/* ---- events --------------------------------------------------------------- */

/* Places a broker-path message in the pool.  Returns 0, -ENOMEM (pool full:
 * keep it for later) or -EPROTO (malformed: dropped). Lock held. */
static int materialise_locked(struct lipc_thr *t, const void *pkt, int *fds, unsigned nfds)
{
    const struct lipc_hdr *h = pkt;
    struct lipc_wire_msg wm;
    if (h->len < sizeof(wm))
        return -EPROTO;
    memcpy(&wm, (const char *)pkt + sizeof(*h), sizeof(wm));
    size_t need = sizeof(wm) + (size_t)wm.data_sz + (size_t)wm.sp_obj_num * 8 + wm.ptr_total;
    if (wm.data_sz > LIPC_MAX_PACKET || wm.sp_obj_num > IPC_MSG_OBJECT_NUM_MAX ||
        wm.ptr_total > LIPC_MAX_PACKET || need != h->len || wm.nfds != nfds)
        return -EPROTO;
    const char *data = (const char *)pkt + sizeof(*h) + sizeof(wm);
    uint64_t woffs[IPC_MSG_OBJECT_NUM_MAX];         /* may be unaligned in the packet */
    memcpy(woffs, data + wm.data_sz, (size_t)wm.sp_obj_num * 8);
    const char *ptrs = data + wm.data_sz + (size_t)wm.sp_obj_num * 8;

    if ((wm.type == MT_REPLY || wm.type == MT_FAILED_REPLY) && !lipc_awaits_reply(t, wm.timestamp))
        return -EPROTO;                 /* a reply nobody waits for: dropped now */
    if (wm.type != MT_REQUEST)
        wm.ticket = 0;                  /* only requests are ordered by tickets */
    if (wm.type == MT_REQUEST &&
        lipc_g.pool.bytes_used + msg_block_size(wm.data_sz, wm.sp_obj_num) + LIPC_POOL_REPLY_RESERVE(lipc_g.pool.size) >
            lipc_g.pool.size)
        return -ENOMEM;                 /* keep room for replies: wait in the backlog */
    long off = lipc_pool_alloc(&lipc_g.pool, msg_block_size(wm.data_sz, wm.sp_obj_num));
    if (off < 0)
        return -ENOMEM;
    char *blk = lipc_pool_rw(&lipc_g.pool, (size_t)off);
    const char *ublk = lipc_pool_ro(&lipc_g.pool, (size_t)off);
    IpcMsg *m = (IpcMsg *)blk;
    char *mdata = blk + sizeof(IpcMsg);
    size_t *moffs = (size_t *)(mdata + ALIGN8((size_t)wm.data_sz));
    memcpy(mdata, data, wm.data_sz);
    unsigned fdi = 0;
    size_t ptri = 0;
    long ptr_blocks[IPC_MSG_OBJECT_NUM_MAX];
    unsigned nptr = 0;
    int err = 0;
    for (uint32_t i = 0; i < wm.sp_obj_num && !err; i++) {
        uint64_t o = woffs[i];
        if (wm.data_sz < sizeof(SpecialObj) || o > wm.data_sz - sizeof(SpecialObj) ||
            (i > 0 && o < woffs[i - 1] + sizeof(SpecialObj))) {
            err = -EPROTO;
            break;
        }
        moffs[i] = (size_t)o;
        SpecialObj so;
        memcpy(&so, mdata + o, sizeof(so));
        if (so.type == OBJ_FD) {
            if (fdi >= nfds) {
                err = -EPROTO;
                break;
            }
            so.content.fd = (uint32_t)fds[fdi];
            fds[fdi++] = -1;            /* now owned by the message */
        } else if (so.type == OBJ_PTR) {
            uint32_t sz = so.content.ptr.buffSz;
            if (sz == 0 || sz > wm.ptr_total - ptri) {
                err = -EPROTO;
                break;
            }
            long po = lipc_pool_alloc(&lipc_g.pool, sz);
            if (po < 0) {
                err = -ENOMEM;
                break;
            }
            ptr_blocks[nptr++] = po;
            memcpy(lipc_pool_rw(&lipc_g.pool, (size_t)po), ptrs + ptri, sz);
            ptri += sz;
            struct lipc_rxinfo *prx = lipc_rx_at((size_t)po);
            prx->kind = LIPC_RX_PTR;
            so.content.ptr.buff = lipc_pool_ro(&lipc_g.pool, (size_t)po);
        }
        memcpy(mdata + o, &so, sizeof(so));
    }
    if (err) {
        /* undo: fds taken so far go back to the caller's array to be closed */
        for (unsigned i = 0; i < nptr; i++) {
            memset(lipc_rx_at((size_t)ptr_blocks[i]), 0, sizeof(struct lipc_rxinfo));
            lipc_pool_free(&lipc_g.pool, (size_t)ptr_blocks[i]);
        }
        for (uint32_t i = 0, k = 0; i < wm.sp_obj_num && k < fdi; i++) {
            SpecialObj so;
            memcpy(&so, mdata + moffs[i], sizeof(so));
            if (so.type == OBJ_FD)
                fds[k++] = (int)so.content.fd;
        }
        lipc_pool_free(&lipc_g.pool, (size_t)off);
        return err;
    }
    m->type = (MsgType)wm.type;
    m->target.handle = wm.target_handle;
    m->target.token = (uintptr_t)wm.target_token;
    m->target.cookie = (uintptr_t)wm.target_cookie;
    m->code = wm.code;
    m->flag = wm.flag;
    m->timestamp = wm.timestamp;
    m->dataSz = wm.data_sz;
    m->data = wm.data_sz ? (void *)(ublk + sizeof(IpcMsg)) : NULL;
    m->spObjNum = wm.sp_obj_num;
    m->offsets = wm.sp_obj_num ? (void *)(ublk + ((char *)moffs - blk)) : NULL;
    m->processID = wm.pid;
    m->taskID = wm.tid;
    m->userID = wm.uid;
    m->gid = wm.gid;
    struct lipc_rxinfo *rx = lipc_rx_at((size_t)off);
    rx->kind = LIPC_RX_MSG;
    rx->user = 0;
    rx->need = wm.pool_need;
    rx->src_pid = wm.pid;
    struct lipc_qent qe = { (uint32_t)off, wm.pid, wm.ticket, wm.ticket ? lipc_now_ns() : 0 };
    if (lipc_q_push(wm.ticket ? &t->inbox->held : &t->inbox->q, qe) < 0) {
        lipc_rx_free_locked((size_t)off, true);
        return -ENOMEM;
    }
    atomic_fetch_add(&lipc_g.priv->brk_recv, wm.pool_need);
    publish_pool_usage();
    return 0;
}

void lipc_msg_on_event(struct lipc_thr *t, void *pkt, int *fds, unsigned nfds)
{
    const struct lipc_hdr *h = pkt;
    if (h->op != LIPC_OP_EV_MSG) {
        lipc_close_fds(fds, nfds);
        return;
    }
    lipc_mutex_lock(&lipc_g.lock);
    int r = t->backlog ? -ENOMEM : materialise_locked(t, pkt, fds, nfds);
    lipc_mutex_unlock(&lipc_g.lock);
    if (r == -ENOMEM) {
        /* The pool is full (the user holds too many messages): keep the raw
         * packet, in order, until BUFF_FREE makes room.  Never dropped. */
        struct lipc_backlog *b = calloc(1, sizeof(*b));
        void *copy = b ? malloc(sizeof(*h) + h->len) : NULL;
        if (b && copy) {
            memcpy(copy, pkt, sizeof(*h) + h->len);
            b->pkt = copy;
            memcpy(b->fds, fds, nfds * sizeof(int));
            b->nfds = nfds;
            *t->backlog_tail = b;
            t->backlog_tail = &b->next;
            return;
        }
        free(b);
        free(copy);
    }
    lipc_close_fds(fds, nfds);      /* fds not taken by the message */
}

void lipc_msg_retry_backlog(struct lipc_thr *t)
{
    while (t->backlog) {
        struct lipc_backlog *b = t->backlog;
        lipc_mutex_lock(&lipc_g.lock);
        int r = materialise_locked(t, b->pkt, b->fds, b->nfds);
        lipc_mutex_unlock(&lipc_g.lock);
        if (r == -ENOMEM)
            return;
        t->backlog = b->next;
        if (!t->backlog)
            t->backlog_tail = &t->backlog;
        lipc_close_fds(b->fds, b->nfds);
        free(b->pkt);
        free(b);
    }
}

void lipc_msg_thread_gone(struct lipc_thr *t)
{
    struct lipc_inbox *ib = t->inbox;
    if (!ib)
        return;
    struct lipc_q *qs[2] = { &ib->q, &ib->held };
    for (int k = 0; k < 2; k++) {
        for (uint32_t i = 0; i < qs[k]->n; i++)
            if (lipc_q_at(qs[k], i).off != LIPC_QE_TICKET)
                lipc_rx_free_locked(lipc_q_at(qs[k], i).off, true);
        free(qs[k]->v);
    }
    for (struct lipc_inbox **pp = &lipc_g.inboxes; *pp; pp = &(*pp)->next)
        if (*pp == ib) {
            *pp = ib->next;
            break;
        }
    free(ib);
    t->inbox = NULL;
}
