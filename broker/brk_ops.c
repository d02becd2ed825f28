/* brk_ops.c - the broker's request handlers: the LiteIPC ioctls. */
#include "brk.h"
#include "lipc_conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>

#define ALIGN8(x) (((x) + 7u) & ~(size_t)7u)
#define UNITS(x) (((x) + LIPC_POOL_UNIT - 1) / LIPC_POOL_UNIT * LIPC_POOL_UNIT)

static void reply(struct brk *b, struct bconn *c, const struct lipc_hdr *rq, int32_t result,
                  const void *data, size_t len, const int *fds, unsigned nfds)
{
    struct iovec v = { (void *)data, len };
    struct bpkt *p = brk_pkt_new(rq->op | LIPC_OP_REPLY, result, rq->seq, &v, data ? 1 : 0, NULL, 0);
    if (!p)
        return;
    /* descriptors are duplicated: the caller keeps its own */
    for (unsigned i = 0; i < nfds; i++)
        p->fds[i] = dup(fds[i]);
    p->nfds = nfds;
    ((struct lipc_hdr *)p->data)->nfds = nfds;
    brk_conn_send(b, c, p);
}

void brk_deliver(struct brk *b, struct btask *t, struct bpkt *pk)
{
    t->proc->brk_sent += pk->pool_need;
    if (t->conn) {
        brk_conn_send(b, t->conn, pk);
        uint64_t one = 1;
        if (write(t->efd, &one, sizeof(one)) < 0) { /* counter full: a wake-up is pending anyway */ }
    } else {
        pk->next = NULL;
        *t->pending_tail = pk;
        t->pending_tail = &pk->next;
    }
}

static void flush_pending(struct brk *b, struct btask *t)
{
    while (t->pending) {
        struct bpkt *pk = t->pending;
        t->pending = pk->next;
        brk_conn_send(b, t->conn, pk);
    }
    t->pending_tail = &t->pending;
}

static void op_hello_proc(struct brk *b, struct bconn *c, const struct lipc_hdr *h)
{
    if (c->kind) {
        reply(b, c, h, -EPROTO, NULL, 0, NULL, 0);
        return;
    }
    struct bproc *old = brk_proc_find(b, c->pid);
    if (old)                    /* exec'd, or a dead process whose pid was reused */
        brk_proc_death(b, old);
    int err = 0;
    struct bproc *p = brk_proc_new(b, c, &err);
    if (!p) {
        reply(b, c, h, err, NULL, 0, NULL, 0);
        return;
    }
    c->kind = 1;
    c->proc = p;
    p->pconn = c;
    BLOG(b, "process %d (uid %d) connected\n", p->pid, p->uid);
    int fds[2] = { p->pub_fd, p->priv_fd };
    reply(b, c, h, 0, NULL, 0, fds, 2);
}

static void op_hello_thread(struct brk *b, struct bconn *c, const struct lipc_hdr *h, const void *pl)
{
    uint32_t tid;
    struct bproc *p = brk_proc_find(b, c->pid);
    if (c->kind || h->len != sizeof(tid) || !p) {
        reply(b, c, h, c->kind ? -EPROTO : -ESRCH, NULL, 0, NULL, 0);
        return;
    }
    memcpy(&tid, pl, sizeof(tid));
    int err = 0;
    struct btask *t = brk_task_attach(b, p, (pid_t)tid, &err);
    if (!t) {
        reply(b, c, h, err, NULL, 0, NULL, 0);
        return;
    }
    if (t->conn) {
        reply(b, c, h, -EEXIST, NULL, 0, NULL, 0);
        return;
    }
    c->kind = 2;
    c->proc = p;
    c->task = t;
    t->conn = c;
    uint32_t slot = t->slot;
    reply(b, c, h, 0, &slot, sizeof(slot), &t->efd, 1);
    flush_pending(b, t);
}

static void set_cms_everywhere(struct brk *b)
{
    for (unsigned i = 0; i < 1024; i++)
        for (struct bproc *p = b->proc_hash[i]; p; p = p->hnext)
            atomic_store(&p->priv->cms_set, 1u);
}

static int op_set_cms(struct brk *b, struct bconn *c, const struct lipc_hdr *h, const void *pl)
{
    uint64_t max;
    if (h->len != sizeof(max))
        return -EINVAL;
    memcpy(&max, pl, sizeof(max));
    if (max < sizeof(IpcMsg))
        return -EINVAL;
    if (b->cms.tid && brk_proc_find(b, b->cms.pid))
        return -EEXIST;
    b->cms.tid = c->task->tid;
    b->cms.pid = c->proc->pid;
    b->cms.max_msg = max;
    b->cms.ever = true;
    set_cms_everywhere(b);
    BLOG(b, "CMS is task %d of process %d\n", b->cms.tid, b->cms.pid);
    return 0;
}

static void op_cms_cmd(struct brk *b, struct bconn *c, const struct lipc_hdr *h, const void *pl)
{
    CmsCmdContent cc;
    int r = 0;
    if (h->len != sizeof(cc)) {
        reply(b, c, h, -EINVAL, NULL, 0, NULL, 0);
        return;
    }
    memcpy(&cc, pl, sizeof(cc));
    if (!b->cms.tid || c->proc->pid != b->cms.pid) {
        reply(b, c, h, -EACCES, &cc, sizeof(cc), NULL, 0);
        return;
    }
    struct bproc *cms = c->proc;
    switch (cc.cmd) {
    case CMS_GEN_HANDLE: {
        pid_t handle = (pid_t)cc.taskID;
        if (cc.taskID != 0 && (cc.taskID >= BRK_MAX_HANDLE || brk_tid_owner((pid_t)cc.taskID) <= 0))
            r = -EINVAL;
        if (cc.taskID == 0)
            handle = c->task->tid;
        if (!r && handle == b->cms.tid)
            r = -EINVAL;
        if (!r)
            cc.serviceHandle = (uint32_t)handle;
        /* as on LiteOS-A, the CMS process gets access even after a failure
         * (quietly nothing if the task is unknown) */
        struct btask *t = handle > 0 ? brk_task_find(b, handle) : NULL;
        if (t)
            brk_grant(t, cms->pid);
        break;
    }
    case CMS_REMOVE_HANDLE:
        r = cc.serviceHandle >= BRK_MAX_HANDLE ? -EINVAL : 0;
        break;
    case CMS_ADD_ACCESS: {
        pid_t owner = cc.taskID < BRK_MAX_HANDLE ? brk_tid_owner((pid_t)cc.taskID) : -1;
        struct bproc *dst = owner > 0 ? brk_proc_find(b, owner) : NULL;
        struct btask *svc = cc.serviceHandle < BRK_MAX_HANDLE ? brk_task_find(b, (pid_t)cc.serviceHandle) : NULL;
        if (owner <= 0 || !svc || !dst)
            r = -EINVAL;
        else
            r = brk_grant(svc, dst->pid);
        break;
    }
    default:
        r = -EINVAL;
    }
    reply(b, c, h, r, &cc, sizeof(cc), NULL, 0);
}

static int op_set_ipc_thread(struct brk *b, struct bconn *c)
{
    if (!b->cms.ever)
        return -EINVAL;
    if (c->proc->ipc_task > 0)
        return -EINVAL;
    c->proc->ipc_task = c->task->tid;
    return c->task->tid;
}

/* Validates the objects of a message on the broker's own copy and applies
 * OBJ_SVC grants.  Returns 0 or -errno. */
static int translate_objects(struct brk *b, struct bconn *c, struct bproc *dst, char *data,
                             const struct lipc_wire_msg *wm, const uint64_t *offs, unsigned nfds,
                             uint64_t *ptr_units)
{
    unsigned nfd = 0;
    uint64_t ptr_sum = 0;
    *ptr_units = 0;
    for (uint32_t i = 0; i < wm->sp_obj_num; i++) {
        if (wm->data_sz < sizeof(SpecialObj) || offs[i] > wm->data_sz - sizeof(SpecialObj) ||
            (i > 0 && offs[i] < offs[i - 1] + sizeof(SpecialObj)))
            return -EINVAL;
        SpecialObj o;
        memcpy(&o, data + offs[i], sizeof(o));
        switch (o.type) {
        case OBJ_FD:
            nfd++;
            break;
        case OBJ_PTR:
            if (o.content.ptr.buffSz == 0 || !o.content.ptr.buff)
                return -EINVAL;
            ptr_sum += o.content.ptr.buffSz;
            *ptr_units += UNITS((uint64_t)o.content.ptr.buffSz);
            break;
        case OBJ_SVC: {
            if (o.content.svc.handle == -1) {
                if (o.content.svc.token != 1)
                    return -EINVAL;
                if (c->task->tid == b->cms.tid)
                    return -EINVAL;
                o.content.svc.handle = c->task->tid;
            }
            pid_t hd = o.content.svc.handle;
            struct btask *t = hd > 0 && hd < BRK_MAX_HANDLE ? brk_task_find(b, hd) : NULL;
            if (!t)
                return -EINVAL;
            if (!brk_has_access(b, c->proc, hd))
                return -EACCES;
            brk_grant(t, dst->pid);
            memcpy(data + offs[i], &o, sizeof(o));
            break;
        }
        default:
            return -EINVAL;
        }
    }
    if (nfd != nfds || ptr_sum != wm->ptr_total)
        return -EINVAL;
    return 0;
}

static void op_send(struct brk *b, struct bconn *c, const struct lipc_hdr *h, char *pl, int *fds,
                    unsigned nfds)
{
    struct lipc_wire_msg wm;
    int r = 0;
    struct btask *dst = NULL;
    if (h->len < sizeof(wm)) {
        r = -EINVAL;
        goto out;
    }
    memcpy(&wm, pl, sizeof(wm));
    size_t want = sizeof(wm) + (size_t)wm.data_sz + (size_t)wm.sp_obj_num * 8 + wm.ptr_total;
    if (wm.data_sz > LIPC_MAX_PACKET || wm.sp_obj_num > IPC_MSG_OBJECT_NUM_MAX ||
        wm.ptr_total > LIPC_MAX_PACKET || want != h->len || wm.nfds != nfds ||
        (size_t)wm.data_sz < (size_t)wm.sp_obj_num * sizeof(SpecialObj)) {
        r = -EINVAL;
        goto out;
    }
    char *data = pl + sizeof(wm);
    uint64_t offs[IPC_MSG_OBJECT_NUM_MAX];
    memcpy(offs, data + wm.data_sz, (size_t)wm.sp_obj_num * 8);

    if (wm.type == MT_REQUEST) {
        pid_t hd = wm.target_handle;
        if (hd < 0 || hd >= BRK_MAX_HANDLE) {
            r = -EINVAL;
            goto out;
        }
        if (!brk_has_access(b, c->proc, hd)) {
            r = -EACCES;
            goto out;
        }
        pid_t tid = hd == 0 ? b->cms.tid : hd;
        dst = tid > 0 ? brk_task_get(b, tid, true) : NULL;
        if (!dst || atomic_load(&dst->proc->pub->slot[dst->slot].dead)) {
            r = -EINVAL;
            goto out;
        }
        if (hd == 0 && sizeof(IpcMsg) + wm.data_sz + 4ull * wm.sp_obj_num + wm.ptr_total > b->cms.max_msg) {
            r = -EINVAL;
            goto out;
        }
    } else if (wm.type == MT_REPLY || wm.type == MT_FAILED_REPLY) {
        dst = wm.target_handle > 0 ? brk_task_find(b, wm.target_handle) : NULL;
        /* replies go to the thread that sent the request, in the process it
         * came from (the replier names it; the requester checks the rest);
         * that process asked, so it has a channel to us */
        bool asked = false;
        for (struct bchan *x = dst ? dst->proc->chan_out : NULL; x && !asked; x = x->next_src)
            asked = x->dst == c->proc;
        if (!dst || dst->proc->pid != (pid_t)wm.pid || !asked || wm.ticket) {
            r = -EINVAL;
            goto out;
        }
    } else {
        r = -EINVAL;
        goto out;
    }
    struct bproc *dp = dst->proc;
    uint64_t ptr_units = 0;
    r = translate_objects(b, c, dp, data, &wm, offs, nfds, &ptr_units);
    if (r)
        goto out;
    uint64_t need = UNITS(sizeof(IpcMsg) + ALIGN8((size_t)wm.data_sz) + (size_t)wm.sp_obj_num * 8);
    uint64_t in_flight = dp->brk_sent - atomic_load(&dp->priv->brk_recv);
    uint64_t used = atomic_load(&dp->priv->pool_used) + in_flight;
    /* requests may not take the part of the pool kept for replies */
    uint64_t cap = dp->pool_size - (wm.type == MT_REQUEST ? LIPC_POOL_REPLY_RESERVE(dp->pool_size) : 0);
    if (!dp->pool_size || used + need > cap) {
        r = -ENOMEM;                /* no room for the message itself */
        goto out;
    }
    if (used + need + ptr_units > dp->pool_size) {
        r = -EINVAL;                /* as LiteOS-A: no room for an OBJ_PTR buffer */
        goto out;
    }
    need += ptr_units;
    wm.pid = (uint32_t)c->proc->pid;
    wm.tid = (uint32_t)c->task->tid;
    wm.uid = (uint32_t)c->uid;
    wm.gid = (uint32_t)c->gid;
    wm.target_tid = (uint32_t)dst->tid;
    wm.pool_need = (uint32_t)need;
    memcpy(pl, &wm, sizeof(wm));
    if (wm.type == MT_REQUEST && (wm.wflags & LIPC_WF_SYNC)) {
        struct lipc_priv_slot *ws = &c->proc->priv->slot[c->task->slot];
        atomic_store(&ws->wait_ts, wm.timestamp);
        atomic_store(&ws->wait_pid, (uint32_t)dp->pid);
        atomic_store(&ws->wait_tid, (uint32_t)dst->tid);
    }
    struct iovec v = { pl, h->len };
    struct bpkt *pk = brk_pkt_new(LIPC_OP_EV_MSG, 0, 0, &v, 1, fds, nfds);
    if (!pk) {
        r = -ENOMEM;
        goto out;
    }
    nfds = 0;                   /* now owned by the packet */
    pk->pool_need = (uint32_t)need;
    brk_deliver(b, dst, pk);
    reply(b, c, h, 0, NULL, 0, NULL, 0);
    return;
out:
    lipc_close_fds(fds, nfds);
    reply(b, c, h, r, NULL, 0, NULL, 0);
}

/* Resolves the direct path to a task: access check as for a send, then the
 * channel (created and announced to the receiver on first use). */
static void op_route(struct brk *b, struct bconn *c, const struct lipc_hdr *h, const void *pl)
{
    struct lipc_route_req rq;
    struct lipc_route_ack ack = { 0 };
    struct btask *dst = NULL;
    int r = 0;
    if (h->len != sizeof(rq)) {
        r = -EINVAL;
        goto out;
    }
    memcpy(&rq, pl, sizeof(rq));
    if (rq.handle < 0 || rq.handle >= BRK_MAX_HANDLE) {
        r = -EINVAL;
        goto out;
    }
    if (!rq.is_reply) {
        if (!brk_has_access(b, c->proc, rq.handle)) {
            r = -EACCES;
            goto out;
        }
        pid_t tid = rq.handle == 0 ? b->cms.tid : rq.handle;
        dst = tid > 0 ? brk_task_get(b, tid, true) : NULL;
        if (rq.handle == 0)
            ack.cms_max = b->cms.max_msg;
    } else {
        dst = rq.handle > 0 ? brk_task_find(b, rq.handle) : NULL;
        if (dst && dst->proc->pid != (pid_t)rq.dst_pid)
            dst = NULL;
        /* a reply answers a request: its process must have a channel to us */
        bool asked = false;
        for (struct bchan *x = dst ? dst->proc->chan_out : NULL; x && !asked; x = x->next_src)
            asked = x->dst == c->proc;
        if (!asked)
            dst = NULL;
    }
    if (!dst || atomic_load(&dst->proc->pub->slot[dst->slot].dead)) {
        r = -EINVAL;
        goto out;
    }
    struct bproc *dp = dst->proc;
    if (!dp->pool_size || !dp->pconn) {
        r = -ENOMEM;
        goto out;
    }
    bool created;
    struct bchan *ch = brk_chan_get(b, c->proc, dp, &created, &r);
    if (!ch)
        goto out;
    if (created) {
        /* the receiver learns of the channel before the sender can use it */
        struct lipc_chan_ev ev = { ch->id, (uint32_t)c->proc->pid, (uint32_t)c->proc->uid,
                                   (uint32_t)c->proc->gid, ch->size, 0 };
        int rfds[3] = { brk_ro_fd(ch->ring_fd), dup(ch->ret_fd), brk_ro_fd(c->proc->pub_fd) };
        if (rfds[0] < 0 || rfds[1] < 0 || rfds[2] < 0) {
            lipc_close_fds(rfds, 3);
            r = -EMFILE;
            goto out;
        }
        struct iovec v = { &ev, sizeof(ev) };
        brk_conn_send(b, dp->pconn, brk_pkt_new(LIPC_OP_EV_CHANNEL, 0, 0, &v, 1, rfds, 3));
        atomic_fetch_add(&dp->priv->chan_gen, 1);
    }
    if (!rq.is_reply && (r = brk_chan_grant(b, ch, dst->tid)) < 0)
        goto out;
    ack.dst_pid = (uint32_t)dp->pid;
    ack.dst_tid = (uint32_t)dst->tid;
    ack.dst_slot = dst->slot;
    ack.dst_gen = atomic_load(&dp->pub->slot[dst->slot].gen);
    ack.chan_id = ch->id;
    ack.ring_size = ch->size;
    /* the sender gets the ring only once per channel (it keeps it mapped) */
    bool give = created;
    int sfds[4] = { dst->efd, ch->ring_fd, -1, -1 };
    if (!give) {
        /* a second thread of the same process: it already has the mapping */
        reply(b, c, h, 0, &ack, sizeof(ack), sfds, 1);
        return;
    }
    sfds[2] = brk_ro_fd(ch->ret_fd);
    sfds[3] = brk_ro_fd(dp->pub_fd);
    ack.new_channel = 1;
    if (sfds[2] < 0 || sfds[3] < 0) {
        r = -EMFILE;
        if (sfds[2] >= 0)
            close(sfds[2]);
        if (sfds[3] >= 0)
            close(sfds[3]);
        goto out;
    }
    reply(b, c, h, 0, &ack, sizeof(ack), sfds, 4);
    close(sfds[2]);
    close(sfds[3]);
    return;
out:
    reply(b, c, h, r, NULL, 0, NULL, 0);
}

void brk_handle_packet(struct brk *b, struct bconn *c, void *pkt, int *fds, unsigned nfds)
{
    const struct lipc_hdr *h = pkt;
    char *pl = (char *)pkt + sizeof(*h);
    int r;
    switch (h->op) {
    case LIPC_OP_HELLO_PROC:
        lipc_close_fds(fds, nfds);
        op_hello_proc(b, c, h);
        return;
    case LIPC_OP_HELLO_THREAD:
        lipc_close_fds(fds, nfds);
        op_hello_thread(b, c, h, pl);
        return;
    case LIPC_OP_MMAP: {
        lipc_close_fds(fds, nfds);
        uint64_t sz;
        if (c->kind != 1 || h->len != sizeof(sz))
            r = -EPROTO;
        else if (c->proc->pool_size)
            r = -EEXIST;
        else {
            memcpy(&sz, pl, sizeof(sz));
            /* whole pages, at most --max-pool (the runtime keeps the
             * device's mmap at LITE_IPC_POOL_MAX_SIZE; lipc_pool_map() may
             * ask for more) */
            if (sz == 0 || sz % 4096 || sz > b->max_pool) {
                r = -EINVAL;
            } else {
                c->proc->pool_size = sz;
                r = 0;
            }
        }
        reply(b, c, h, r, NULL, 0, NULL, 0);
        return;
    }
    default:
        break;
    }
    /* everything else comes from a thread of a connected process */
    if (c->kind != 2 || !c->task) {
        lipc_close_fds(fds, nfds);
        reply(b, c, h, -EPROTO, NULL, 0, NULL, 0);
        return;
    }
    switch (h->op) {
    case LIPC_OP_SET_CMS:
        r = op_set_cms(b, c, h, pl);
        break;
    case LIPC_OP_CMS_CMD:
        lipc_close_fds(fds, nfds);
        op_cms_cmd(b, c, h, pl);
        return;
    case LIPC_OP_SET_IPC_THREAD:
        r = op_set_ipc_thread(b, c);
        break;
    case LIPC_OP_SEND:
        op_send(b, c, h, pl, fds, nfds);
        return;
    case LIPC_OP_ROUTE:
        lipc_close_fds(fds, nfds);
        op_route(b, c, h, pl);
        return;
    case LIPC_OP_TASK_ALIVE: {
        int32_t hd;
        if (h->len != sizeof(hd)) {
            r = -EINVAL;
            break;
        }
        memcpy(&hd, pl, sizeof(hd));
        pid_t tid = hd == 0 ? b->cms.tid : hd;
        struct btask *t = tid > 0 && tid < BRK_MAX_HANDLE ? brk_task_find(b, tid) : NULL;
        r = t && !atomic_load(&t->proc->pub->slot[t->slot].dead) ? 1 : 0;
        break;
    }
    default:
        r = -EINVAL;
    }
    lipc_close_fds(fds, nfds);
    reply(b, c, h, r, NULL, 0, NULL, 0);
}
