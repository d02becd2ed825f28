/*
 * lipc_chan.c - the direct path: messages written once by the sender into a
 * ring the receiver maps read-only, read in place, released through a
 * return page the sender maps read-only.  The broker only sets channels up.
 *
 * Trust: everything read from a ring or a peer's page is a hint or is
 * validated on a local copy; a sender that writes nonsense only breaks its
 * own channel (it is marked broken and ignored).
 */
#include "lipc_internal.h"
#include "lipc_conn.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#define RENT_DATA_MAX(e) ((e)->len - (uint32_t)sizeof(struct lipc_rent))
#define ALIGN64(x) (((x) + 63u) & ~(size_t)63u)

static void maybe_reap_locked(void);

/* The process at the other end of a channel (in or out) is gone. */
#define peer_gone(c) ((c)->gone || atomic_load(&(c)->peer->dead))


static bool tid_in_proc(pid_t pid, pid_t tid)
{
    char p[64];
    struct stat st;
    snprintf(p, sizeof(p), "/proc/%d/task/%d", (int)pid, (int)tid);
    return stat(p, &st) == 0;
}

/* ---- inboxes ---------------------------------------------------------- */

LIPC_HOT int lipc_q_push(struct lipc_q *q, struct lipc_qent e)
{
    if (q->n == q->cap) {
        uint32_t cap = q->cap ? q->cap * 2 : 16;
        struct lipc_qent *nv = malloc(cap * sizeof(*nv));
        if (!nv)
            return -ENOMEM;
        for (uint32_t i = 0; i < q->n; i++)
            nv[i] = lipc_q_at(q, i);
        free(q->v);
        q->v = nv;
        q->cap = cap;
        q->head = 0;
    }
    q->v[lipc_q_idx(q, q->n)] = e;
    __atomic_store_n(&q->n, q->n + 1, __ATOMIC_RELAXED);   /* peeked by spinners */
    return 0;
}

LIPC_HOT struct lipc_inbox *lipc_inbox_get_locked(pid_t tid, bool create)
{
    for (struct lipc_inbox *ib = lipc_g.inboxes; ib; ib = ib->next)
        if (ib->tid == tid)
            return ib;
    if (!create || !tid_in_proc(getpid(), tid))
        return NULL;
    struct lipc_inbox *ib = calloc(1, sizeof(*ib));
    if (!ib)
        return NULL;
    ib->tid = tid;
    ib->next = lipc_g.inboxes;
    lipc_g.inboxes = ib;
    return ib;
}

LIPC_HOT bool lipc_awaits_reply(const struct lipc_thr *t, uint64_t ts)
{
    const struct lipc_priv_slot *ws = &lipc_g.priv->slot[t->slot];
    return atomic_load(&ws->wait_tid) != 0 && atomic_load(&ws->wait_ts) == ts;
}

LIPC_HOT void lipc_wake_thread(struct lipc_inbox *ib)
{
    struct lipc_thr *t = ib->thr;
    if (!t || t->efd < 0)
        return;
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load(&lipc_g.pub->slot[t->slot].sleeping)) {
        uint64_t one = 1;
        if (write(t->efd, &one, sizeof(one)) < 0) { /* counter saturated: a wake is pending */ }
    }
}

/* ---- channel set-up events on the process connection ------------------ */

/* A ring is mapped as [header][data][data again]: the data twice, back to
 * back, so that an entry that runs past the end of the ring continues,
 * contiguously, into the second view (no entry ever wraps, and none needs a
 * PAD to the end).  The receiver's view (read-only) is followed by one zero
 * page, so that even an unterminated string read stops there. */
size_t lipc_ring_map_len(size_t size, bool ro)
{
    return LIPC_RING_HDR_SIZE + 2 * size + (ro ? 4096 : 0);
}

void *lipc_ring_map(int fd, size_t size, bool ro)
{
    size_t total = lipc_ring_map_len(size, ro);
    int prot = ro ? PROT_READ : PROT_READ | PROT_WRITE;
    uint8_t *area = mmap(NULL, total, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED)
        return NULL;
    if (mmap(area, LIPC_RING_HDR_SIZE + size, prot, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED ||
        mmap(area + LIPC_RING_HDR_SIZE + size, size, prot, MAP_SHARED | MAP_FIXED, fd, LIPC_RING_HDR_SIZE) ==
            MAP_FAILED) {
        munmap(area, total);
        return NULL;
    }
    return area;
}

static void chan_in_free(struct lipc_chan_in *c)
{
    free(c->allowed);
    munmap((void *)c->map, lipc_ring_map_len(c->size, true));
    munmap(c->ret, 4096);
    munmap((void *)c->peer, LIPC_PUB_PAGE_SIZE);
    free(c->spans);
    free(c);
}

static void chan_out_free(struct lipc_chan_out *c)
{
    munmap(c->map, lipc_ring_map_len(c->size, false));
    munmap((void *)c->ret, 4096);
    munmap((void *)c->peer, LIPC_PUB_PAGE_SIZE);
    free(c);
}

/* Maps the ring read-only followed by one page of zeros, so that a reader
 * running off the end of a message (an unterminated string) stops there. */
static void on_channel_event(const struct lipc_hdr *h, const void *pl, int *fds, unsigned nfds)
{
    if (h->op == LIPC_OP_EV_CHANNEL && h->len == sizeof(struct lipc_chan_ev) && nfds == 3) {
        struct lipc_chan_ev ev;
        memcpy(&ev, pl, sizeof(ev));
        struct lipc_chan_in *c = calloc(1, sizeof(*c));
        if (c) {
            c->id = ev.chan_id;
            c->src_pid = (pid_t)ev.src_pid;
            c->src_uid = ev.src_uid;
            c->src_gid = ev.src_gid;
            c->size = ev.ring_size;
            c->map = c->size && c->size % 4096 == 0 ? lipc_ring_map(fds[0], c->size, true) : NULL;
            void *ret = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fds[1], 0);
            void *peer = mmap(NULL, LIPC_PUB_PAGE_SIZE, PROT_READ, MAP_SHARED, fds[2], 0);
            c->ret = ret == MAP_FAILED ? NULL : ret;
            c->peer = peer == MAP_FAILED ? NULL : peer;
            if (c->map && c->ret && c->peer) {
                c->next = lipc_g.chin;
                __atomic_store_n(&lipc_g.chin, c, __ATOMIC_RELEASE);   /* peeked by spinners */
            } else {
                if (c->map)
                    munmap((void *)c->map, lipc_ring_map_len(c->size, true));
                if (c->ret)
                    munmap(c->ret, 4096);
                if (c->peer)
                    munmap((void *)c->peer, LIPC_PUB_PAGE_SIZE);
                free(c);
            }
        }
    } else if ((h->op == LIPC_OP_EV_GRANT || h->op == LIPC_OP_EV_REVOKE) && h->len == 2 * sizeof(uint32_t)) {
        uint32_t ev[2];
        memcpy(ev, pl, sizeof(ev));
        for (struct lipc_chan_in *c = lipc_g.chin; c; c = c->next) {
            if (c->id != ev[0])
                continue;
            unsigned i = 0;
            while (i < c->nallowed && c->allowed[i] != (pid_t)ev[1])
                i++;
            if (h->op == LIPC_OP_EV_REVOKE) {
                if (i < c->nallowed)
                    c->allowed[i] = c->allowed[--c->nallowed];
            } else if (i == c->nallowed) {
                if (c->nallowed == c->capallowed) {
                    unsigned cap = c->capallowed ? c->capallowed * 2 : 4;
                    pid_t *v = realloc(c->allowed, cap * sizeof(pid_t));
                    if (!v)
                        break;          /* requests to it will be refused */
                    c->allowed = v;
                    c->capallowed = cap;
                }
                c->allowed[c->nallowed++] = (pid_t)ev[1];
            }
        }
    } else if (h->op == LIPC_OP_EV_CHANNEL_GONE && h->len == sizeof(uint32_t)) {
        uint32_t id;
        memcpy(&id, pl, sizeof(id));
        for (struct lipc_chan_in *c = lipc_g.chin; c; c = c->next)
            if (c->id == id)
                __atomic_store_n(&c->gone, true, __ATOMIC_RELAXED);     /* read without the lock */
        for (struct lipc_chan_out *c = lipc_g.chout; c; c = c->next)
            if (c->id == id)
                __atomic_store_n(&c->gone, true, __ATOMIC_RELAXED);
    }
    lipc_close_fds(fds, nfds);
}

LIPC_HOT void lipc_chan_check_events(void)
{
    if (!lipc_g.priv || lipc_g.pconn < 0)
        return;
    uint32_t g = atomic_load(&lipc_g.priv->chan_gen);
    if (g == __atomic_load_n(&lipc_g.chan_gen_seen, __ATOMIC_ACQUIRE))
        return;
    pthread_mutex_lock(&lipc_g.pconn_lock);
    /* "seen" is published only after the events are applied: a consumer that
     * still finds it behind knows a grant may be on its way, and waits for
     * us on pconn_lock. */
    g = atomic_load(&lipc_g.priv->chan_gen);
    if (g == __atomic_load_n(&lipc_g.chan_gen_seen, __ATOMIC_ACQUIRE)) {
        pthread_mutex_unlock(&lipc_g.pconn_lock);
        return;
    }
    union {
        struct lipc_hdr h;
        char b[512];
    } u;
    for (;;) {
        int fds[LIPC_MAX_FDS];
        unsigned nfds = LIPC_MAX_FDS;
        ssize_t n = lipc_conn_recv(lipc_g.pconn, u.b, sizeof(u.b), fds, &nfds, MSG_DONTWAIT);
        if (n <= 0)
            break;
        lipc_mutex_lock(&lipc_g.lock);
        on_channel_event(&u.h, u.b + sizeof(u.h), fds, nfds);
        lipc_mutex_unlock(&lipc_g.lock);
    }
    lipc_mutex_lock(&lipc_g.lock);
    maybe_reap_locked();
    lipc_mutex_unlock(&lipc_g.lock);
    __atomic_store_n(&lipc_g.chan_gen_seen, g, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&lipc_g.pconn_lock);
}

/* ---- routes ------------------------------------------------------------- */

LIPC_HOT bool lipc_route_alive(const struct lipc_route *r)
{
    const struct lipc_pub_page *pp = r->chan->peer;
    const struct lipc_pub_slot *s = &pp->slot[r->slot];
    return !atomic_load(&pp->dead) && !__atomic_load_n(&r->chan->gone, __ATOMIC_RELAXED) && atomic_load(&s->tid) == (uint32_t)r->dst_tid &&
           atomic_load(&s->gen) == r->gen && !atomic_load(&s->dead);
}

static void route_free(struct lipc_route *r)
{
    if (r->efd >= 0)
        close(r->efd);
    r->chan->refs--;
    free(r);
}

/* Takes a route out of the cache; it is freed now or by its last user. Lock held. */
static void route_unlink_locked(struct lipc_route **pp)
{
    struct lipc_route *r = *pp;
    *pp = r->next;
    if (r->users)
        __atomic_store_n(&r->unlinked, true, __ATOMIC_RELAXED);    /* read by cache users */
    else
        route_free(r);
}

/* Drops one use; true if that freed the route. Lock held. */
static bool route_put_locked(struct lipc_route *r)
{
    if (--r->users == 0 && r->unlinked) {
        route_free(r);
        return true;
    }
    return false;
}

void lipc_route_put(struct lipc_route *r)
{
    lipc_mutex_lock(&lipc_g.lock);
    if (route_put_locked(r))
        maybe_reap_locked();        /* it may have been the channel's last user */
    lipc_mutex_unlock(&lipc_g.lock);
}

/* Each thread keeps the use of its last route (t->rcache), so that the next
 * call to the same destination takes no lock.  Whoever uses or drops the
 * cached route first takes it out with an exchange: the owner while it
 * sends, a reaper (lock held) when the peer is gone. */
LIPC_HOT struct lipc_route *lipc_route_cached(struct lipc_thr *t, int32_t handle, bool is_reply, pid_t dst_pid, int *err)
{
    struct lipc_route *r = __atomic_exchange_n(&t->rcache, NULL, __ATOMIC_ACQUIRE);
    if (r) {
        if (r->handle == handle && r->is_reply == is_reply && (!is_reply || r->dst_pid == dst_pid) &&
            !__atomic_load_n(&r->unlinked, __ATOMIC_RELAXED) && lipc_route_alive(r))
            return r;
        lipc_route_put(r);
    }
    return lipc_route_get(t, handle, is_reply, dst_pid, err);
}

LIPC_HOT void lipc_route_done(struct lipc_thr *t, struct lipc_route *r)
{
    struct lipc_route *old = __atomic_exchange_n(&t->rcache, r, __ATOMIC_RELEASE);
    if (old)
        lipc_route_put(old);        /* not reached unless a reaper raced us */
}

void lipc_route_uncache_locked(struct lipc_thr *t)
{
    struct lipc_route *r = __atomic_exchange_n(&t->rcache, NULL, __ATOMIC_ACQ_REL);
    if (r)
        route_put_locked(r);
}

/* Drops the cached routes whose peer is gone. Lock held. */
static void uncache_dead_routes_locked(void)
{
    for (struct lipc_thr *t = lipc_g.threads; t; t = t->next) {
        /* the route can't be freed under us: that takes the lock */
        struct lipc_route *r = __atomic_load_n(&t->rcache, __ATOMIC_ACQUIRE);
        if (r && peer_gone(r->chan) &&
            __atomic_compare_exchange_n(&t->rcache, &r, NULL, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            route_put_locked(r);
    }
}

static struct lipc_route *route_find_locked(int32_t handle, bool is_reply, pid_t dst_pid)
{
    for (struct lipc_route **pp = &lipc_g.routes; *pp;) {
        struct lipc_route *r = *pp;
        if (r->handle == handle && r->is_reply == is_reply && (!is_reply || r->dst_pid == dst_pid)) {
            if (lipc_route_alive(r)) {
                r->users++;
                return r;
            }
            route_unlink_locked(pp);    /* stale: the task or its process is gone */
            continue;
        }
        pp = &r->next;
    }
    return NULL;
}

static struct lipc_route *route_resolve(struct lipc_thr *t, int32_t handle, bool is_reply, pid_t dst_pid,
                                        int *err);

struct lipc_route *lipc_route_get(struct lipc_thr *t, int32_t handle, bool is_reply, pid_t dst_pid, int *err)
{
    lipc_mutex_lock(&lipc_g.lock);
    struct lipc_route *r = route_find_locked(handle, is_reply, dst_pid);
    lipc_mutex_unlock(&lipc_g.lock);
    if (r)
        return r;
    /* The broker hands a new channel's memory to the first asker only:
     * resolve one route at a time so that a second thread finds the channel
     * mapped by the first (control path only). */
    pthread_mutex_lock(&lipc_g.route_lock);
    lipc_mutex_lock(&lipc_g.lock);
    r = route_find_locked(handle, is_reply, dst_pid);
    lipc_mutex_unlock(&lipc_g.lock);
    if (!r)
        r = route_resolve(t, handle, is_reply, dst_pid, err);
    pthread_mutex_unlock(&lipc_g.route_lock);
    return r;
}

static struct lipc_route *route_resolve(struct lipc_thr *t, int32_t handle, bool is_reply, pid_t dst_pid,
                                        int *err)
{
    struct lipc_route *r;
    struct lipc_route_req rq = { .handle = handle, .is_reply = is_reply, .dst_pid = (uint32_t)dst_pid };
    struct lipc_route_ack ack;
    struct iovec v = { &rq, sizeof(rq) };
    int fds[4];
    unsigned nfds = 4;
    int res = lipc_rpc(t, LIPC_OP_ROUTE, &v, 1, NULL, 0, &ack, sizeof(ack), fds, &nfds);
    if (res < 0) {
        *err = res;
        return NULL;
    }
    if (nfds != (ack.new_channel ? 4u : 1u) || ack.dst_slot >= LIPC_MAX_THREADS) {
        lipc_close_fds(fds, nfds);
        *err = -EPROTO;
        return NULL;
    }
    lipc_mutex_lock(&lipc_g.lock);
    struct lipc_chan_out *c = NULL;
    for (c = lipc_g.chout; c; c = c->next)
        if (c->id == ack.chan_id)
            break;
    if (!c && ack.new_channel) {
        c = calloc(1, sizeof(*c));
        void *map = ack.ring_size && ack.ring_size % 4096 == 0 ? lipc_ring_map(fds[1], ack.ring_size, false) : NULL;
        if (!map)
            map = MAP_FAILED;
        void *ret = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fds[2], 0);
        void *peer = mmap(NULL, LIPC_PUB_PAGE_SIZE, PROT_READ, MAP_SHARED, fds[3], 0);
        if (!c || map == MAP_FAILED || ret == MAP_FAILED || peer == MAP_FAILED) {
            if (map != MAP_FAILED)
                munmap(map, lipc_ring_map_len(ack.ring_size, false));
            if (ret != MAP_FAILED)
                munmap(ret, 4096);
            if (peer != MAP_FAILED)
                munmap(peer, LIPC_PUB_PAGE_SIZE);
            free(c);
            c = NULL;
        } else {
            c->id = ack.chan_id;
            c->dst_pid = (pid_t)ack.dst_pid;
            c->map = map;
            c->size = ack.ring_size;
            c->ret = ret;
            c->peer = peer;
            /* the broker creates rings empty; our own copy of head is the truth */
            c->head = atomic_load(&((struct lipc_ring_ctl *)map)->head);
            c->head_pos = (size_t)(c->head % c->size);
            c->tail_seen = c->head;     /* a new ring is empty */
            c->next = lipc_g.chout;
            lipc_g.chout = c;
        }
    }
    if (nfds == 4)
        lipc_close_fds(fds + 1, 3);
    r = c ? calloc(1, sizeof(*r)) : NULL;
    if (!r) {
        lipc_mutex_unlock(&lipc_g.lock);
        close(fds[0]);
        *err = c ? -ENOMEM : -EPROTO;
        return NULL;
    }
    r->handle = handle;
    r->is_reply = is_reply;
    r->dst_pid = (pid_t)ack.dst_pid;
    r->dst_tid = (pid_t)ack.dst_tid;
    r->slot = ack.dst_slot;
    r->gen = ack.dst_gen;
    r->efd = fds[0];
    r->cms_max = ack.cms_max;
    r->chan = c;
    r->users = 1;
    c->refs++;
    r->next = lipc_g.routes;
    lipc_g.routes = r;
    lipc_mutex_unlock(&lipc_g.lock);
    return r;
}

/* ---- sending -------------------------------------------------------------- */

LIPC_HOT int lipc_chan_send(struct lipc_thr *t, struct lipc_route *r, const IpcMsg *m, uint64_t ts, uint32_t kind,
                   uint64_t ticket)
{
    struct lipc_chan_out *c = r->chan;
    uint32_t dsz = kind == LIPC_RENT_MSG ? m->dataSz : 0;
    size_t need = ALIGN64(sizeof(struct lipc_rent) + (size_t)dsz);
    if (need + LIPC_RENT_ALIGN > c->size)
        return -ENOMEM;             /* more than the receiver's budget for us, ever */
    lipc_mutex_lock(&c->lock);
    uint64_t head = c->head;
    size_t pos = c->head_pos;
    /* one unit kept free after the entry for the next entry's marker (an
     * entry runs on into the ring's second view when it passes the end) */
    size_t total = need + LIPC_RENT_ALIGN;
    if (c->corrupt || head - c->tail_seen + total > c->size) {
        /* The receiver's tail is read only when the space we know of runs
         * out: the line it writes on every release stays off the hot path.
         * An older tail is always a safe one (it only moves forward). */
        uint64_t tail = atomic_load_explicit(&c->ret->tail, memory_order_acquire);
        if (c->corrupt || tail > head || head - tail > c->size || tail < c->tail_seen) {
            c->corrupt = true;
            lipc_mutex_unlock(&c->lock);
            return -EIO;            /* the receiver corrupted its return page */
        }
        c->tail_seen = tail;
        if (head - tail + total > c->size) {
            lipc_mutex_unlock(&c->lock);
            return -ENOMEM;         /* the receiver's budget for us is used up */
        }
    }
    uint8_t *data = c->map + LIPC_RING_HDR_SIZE;
    lipc_publish_cpu(&lipc_g.pub->slot[t->slot].cpu, sched_getcpu());
    struct lipc_rent e = {
        .len = 0, .kind = kind, .type = m ? (uint32_t)m->type : 0, .code = m ? m->code : 0,
        .flag = m ? m->flag : 0, .data_sz = dsz, .target_handle = m ? m->target.handle : 0,
        .target_tid = (uint32_t)r->dst_tid, .target_token = m ? m->target.token : 0,
        .target_cookie = m ? m->target.cookie : 0, .timestamp = kind == LIPC_RENT_TICKET ? ticket : ts,
        .src_tid = (uint32_t)t->tid, .src_slot = t->slot,
    };
    memcpy(data + pos, &e, sizeof(e));
    if (dsz)
        memcpy(data + pos + sizeof(e), m->data, dsz);
    size_t next = pos + need >= c->size ? pos + need - c->size : pos + need;
    __atomic_store_n((uint32_t *)(data + next), 0u, __ATOMIC_RELAXED);          /* the marker */
    __atomic_store_n((uint32_t *)(data + pos), (uint32_t)need, __ATOMIC_RELEASE);  /* commit */
    head += need;
    c->head = head;
    c->head_pos = next;
    atomic_store_explicit(&((struct lipc_ring_ctl *)c->map)->head, head, memory_order_relaxed);
    lipc_mutex_unlock(&c->lock);
    /* wake the destination if it sleeps (Dekker with its sleeping flag) */
    atomic_thread_fence(memory_order_seq_cst);
    const struct lipc_pub_slot *ps = &c->peer->slot[r->slot];
    if (atomic_load(&ps->sleeping)) {
        /* one wake per sleep is enough: the eventfd count persists */
        uint32_t seq = atomic_load(&ps->sleep_seq);
        if (seq != __atomic_load_n(&r->woke_seq, __ATOMIC_RELAXED) || kind != LIPC_RENT_MSG) {
            uint64_t one = 1;
            __atomic_store_n(&r->woke_seq, seq, __ATOMIC_RELAXED);
            if (write(r->efd, &one, sizeof(one)) < 0) { /* saturated: a wake is pending */ }
        }
    }
    return 0;
}

/* ---- receiving ------------------------------------------------------------ */

LIPC_HOT static int span_push(struct lipc_chan_in *c, uint64_t pos, uint32_t len, bool released)
{
    if (c->sp_n == c->sp_cap) {
        uint32_t cap = c->sp_cap ? c->sp_cap * 2 : 64;
        struct lipc_span *nv = malloc(cap * sizeof(*nv));
        if (!nv)
            return -ENOMEM;
        for (uint32_t i = 0; i < c->sp_n; i++)
            nv[i] = c->spans[(c->sp_head + i) & (c->sp_cap - 1)];
        free(c->spans);
        c->spans = nv;
        c->sp_cap = cap;
        c->sp_head = 0;
    }
    c->spans[(c->sp_head + c->sp_n) & (c->sp_cap - 1)] = (struct lipc_span){ pos, len, released };
    c->sp_n++;
    return 0;
}

LIPC_HOT static void spans_advance(struct lipc_chan_in *c)
{
    uint64_t tail = c->tail;
    while (c->sp_n) {
        struct lipc_span *s = &c->spans[c->sp_head];
        if (!s->released)
            break;
        tail = s->pos + s->len;
        c->sp_head = (c->sp_head + 1) & (c->sp_cap - 1);
        c->sp_n--;
    }
    if (tail != c->tail) {
        c->tail = tail;
        atomic_store_explicit(&c->ret->tail, tail, memory_order_release);
    }
}

LIPC_HOT void lipc_chan_release_locked(struct lipc_chan_in *c, uint64_t pos, bool in_place)
{
    if (in_place) {
        for (uint32_t i = 0; i < c->sp_n; i++) {
            struct lipc_span *s = &c->spans[(c->sp_head + i) & (c->sp_cap - 1)];
            if (s->pos == pos) {
                s->released = 1;
                break;
            }
        }
        spans_advance(c);
    } else {
        c->nheld--;                 /* copied out: its span went back when it was taken in */
    }
    if (c->sp_n == 0 && c->nheld == 0 && peer_gone(c))
        maybe_reap_locked();        /* the last message of a gone sender */
}

LIPC_HOT static bool src_tid_ok(struct lipc_chan_in *c, pid_t tid)
{
    for (unsigned i = 0; i < 8; i++)
        if (c->ok_tids[i] == tid)
            return true;
    if (!tid_in_proc(c->src_pid, tid)) {
        /* A thread that already exited (its last reply) can't be checked;
         * only a tid that is alive in another process is a forgery. */
        char p[64];
        struct stat st;
        snprintf(p, sizeof(p), "/proc/%d", (int)tid);
        if (tid <= 0 || stat(p, &st) == 0)
            return false;
        return true;                    /* not cached: it may be reused */
    }
    memmove(c->ok_tids + 1, c->ok_tids, 7 * sizeof(pid_t));
    c->ok_tids[0] = tid;
    return true;
}

static void mark_broken(struct lipc_chan_in *c, const char *why)
{
    if (!c->broken)
        fprintf(stderr, "liteipc: channel from pid %d: %s; ignoring it from now on\n", (int)c->src_pid, why);
    __atomic_store_n(&c->broken, true, __ATOMIC_RELAXED);     /* peeked by spinners */
}

LIPC_HOT static bool granted(const struct lipc_chan_in *c, pid_t tid)
{
    for (unsigned i = 0; i < c->nallowed; i++)
        if (c->allowed[i] == tid)
            return true;
    return false;
}

/* The commit word of the entry at the consumer's position: 0 if none yet. */
static inline uint32_t entry_len(const struct lipc_chan_in *c)
{
    size_t pos = __atomic_load_n(&c->cons_pos, __ATOMIC_RELAXED);
    return __atomic_load_n((const uint32_t *)(c->map + LIPC_RING_HDR_SIZE + pos), __ATOMIC_ACQUIRE);
}

/* Moves the consumer past the entry of len bytes at ring offset pos. */
static inline void cons_advance(struct lipc_chan_in *c, size_t pos, uint32_t len)
{
    pos += len;                         /* an entry may run into the second view */
    __atomic_store_n(&c->cons_pos, pos >= c->size ? pos - c->size : pos, __ATOMIC_RELAXED);   /* peeked by spinners */
    __atomic_store_n(&c->cons, c->cons + len, __ATOMIC_RELAXED);   /* peeked by spinners */
}

/* Takes in entries of one channel. Lock held. Returns entries for t; sets
 * *retry when an entry needs a grant that may still be on its way. */
LIPC_HOT static int consume_one(struct lipc_chan_in *c, struct lipc_thr *t, bool *retry)
{
    int mine = 0;
    const uint8_t *data = c->map + LIPC_RING_HDR_SIZE;
    /* at most a ring's worth per look: a sender committing as fast as we
     * take must not keep us here (we hold the lock) */
    for (size_t budget = c->size / LIPC_RENT_ALIGN; budget && !c->broken; budget--) {
        size_t pos = c->cons_pos;
        uint32_t len = entry_len(c);        /* the commit word (acquire) */
        if (len == 0)
            break;                          /* nothing more yet */
        struct lipc_rent e;
        memcpy(&e, data + pos, sizeof(e));  /* validate only the local copy */
        e.len = len;
        /* measured from the released tail: a sender may not write over data
         * we still hold (nor make us track more than one ring of it), and
         * keeps a unit free for its marker */
        if (e.len < LIPC_RENT_ALIGN || e.len % LIPC_RENT_ALIGN || e.len > c->size - LIPC_RENT_ALIGN ||
            c->cons + e.len - c->tail > c->size - LIPC_RENT_ALIGN) {
            mark_broken(c, "bad entry length");
            break;
        }
        bool drop = false;
        struct lipc_inbox *ib = NULL;
        if (e.kind == LIPC_RENT_PAD) {
            drop = true;
        } else if (e.kind == LIPC_RENT_MSG || e.kind == LIPC_RENT_TICKET) {
            bool request = e.kind == LIPC_RENT_TICKET || e.type == MT_REQUEST;
            if (e.data_sz > RENT_DATA_MAX(&e) ||
                (e.kind == LIPC_RENT_MSG && e.type != MT_REQUEST && e.type != MT_REPLY &&
                 e.type != MT_FAILED_REPLY) || !src_tid_ok(c, (pid_t)e.src_tid)) {
                drop = true;            /* not a message anyone may send: ignore it */
            } else if (request && !granted(c, (pid_t)e.target_tid)) {
                /* The broker grants before the sender can write: a grant we
                 * have not read yet is announced by chan_gen. */
                if (atomic_load(&lipc_g.priv->chan_gen) != __atomic_load_n(&lipc_g.chan_gen_seen, __ATOMIC_ACQUIRE)) {
                    *retry = true;
                    break;
                }
                drop = true;            /* no access to that thread: refused */
            } else if (request && lipc_g.pool.bytes_used + LIPC_POOL_REPLY_RESERVE(lipc_g.pool.size) >
                                      lipc_g.pool.size) {
                break;                  /* keep room for replies: it waits in the ring */
            } else {
                /* a waiting thread has an inbox already: only a (granted)
                 * request may need one made */
                ib = lipc_inbox_get_locked((pid_t)e.target_tid, request);
                drop = !ib;             /* not one of our threads */
                /* a reply nobody waits for (late, or unsolicited) goes now,
                 * before it takes pool space */
                if (ib && !request && (!ib->thr || !lipc_awaits_reply(ib->thr, e.timestamp)))
                    drop = true;
            }
        } else {
            drop = true;
        }
        if (drop || e.kind == LIPC_RENT_TICKET) {
            if (span_push(c, c->cons, e.len, true) < 0)
                break;
            if (!drop) {
                struct lipc_qent qe = { LIPC_QE_TICKET, (uint32_t)c->src_pid, e.timestamp, 0 };
                if (lipc_q_push(&ib->q, qe) < 0) {
                    c->sp_n--;
                    break;
                }
                if (ib->thr == t)
                    mine++;
                else
                    lipc_wake_thread(ib);
            }
            cons_advance(c, pos, e.len);
            continue;
        }
        /* A small message is copied into the pool and its ring span given
         * back at once: a message a slow thread holds must not keep the
         * ring (shared by all threads of both processes) from moving on.
         * A large one is read in place, and so is every message once the
         * pool is half full: what the ring accepted must always fit. */
        bool copy = e.data_sz <= LIPC_COPY_OUT_MAX &&
                    lipc_g.pool.bytes_used + sizeof(IpcMsg) + e.data_sz <= lipc_g.pool.size / 2;
        long off = copy ? lipc_pool_alloc(&lipc_g.pool, sizeof(IpcMsg) + e.data_sz) : -ENOMEM;
        if (off < 0) {
            copy = false;
            off = lipc_pool_alloc(&lipc_g.pool, sizeof(IpcMsg));
        }
        if (off < 0)
            break;                      /* pool full: it stays in the ring */
        if (span_push(c, c->cons, e.len, copy) < 0 ||
            lipc_q_push(&ib->q, (struct lipc_qent){ (uint32_t)off, (uint32_t)c->src_pid, 0, 0 }) < 0) {
            if (c->sp_n && c->spans[(c->sp_head + c->sp_n - 1) & (c->sp_cap - 1)].pos == c->cons)
                c->sp_n--;
            lipc_pool_free(&lipc_g.pool, (size_t)off);
            break;
        }
        IpcMsg *m = lipc_pool_rw(&lipc_g.pool, (size_t)off);
        const uint8_t *src = data + pos + sizeof(e);
        void *udata = NULL;
        if (e.data_sz && copy) {
            memcpy((uint8_t *)m + sizeof(IpcMsg), src, e.data_sz);
            udata = (uint8_t *)lipc_pool_ro(&lipc_g.pool, (size_t)off) + sizeof(IpcMsg);
        } else if (e.data_sz) {
            udata = (void *)src;
        }
        *m = (IpcMsg){
            .type = (MsgType)e.type, .target = { e.target_handle, (uintptr_t)e.target_token,
                                                 (uintptr_t)e.target_cookie },
            .code = e.code, .flag = e.flag, .timestamp = e.timestamp, .dataSz = e.data_sz, .data = udata,
            .processID = (uint32_t)c->src_pid, .taskID = e.src_tid, .userID = c->src_uid, .gid = c->src_gid,
        };
        struct lipc_rxinfo *rx = &lipc_g.rx[off / LIPC_POOL_UNIT];
        /* a copied message keeps its channel (counted in nheld) for the
         * receiver's spin hint: the channel is not reaped while it lives */
        *rx = (struct lipc_rxinfo){ .kind = LIPC_RX_MSG, .in_place = !copy, .src_pid = (uint32_t)c->src_pid,
                                    .chan = c, .span_pos = c->cons, .src_slot = e.src_slot };
        c->nheld += copy;
        cons_advance(c, pos, e.len);
        if (ib->thr == t)
            mine++;
        else
            lipc_wake_thread(ib);
    }
    spans_advance(c);
    return mine;
}

static void maybe_reap_locked(void)
{
    /* routes to a peer that is gone hold its eventfd and the channel */
    for (struct lipc_route **pp = &lipc_g.routes; *pp;) {
        struct lipc_route *r = *pp;
        if (peer_gone(r->chan)) {
            route_unlink_locked(pp);
            continue;
        }
        pp = &r->next;
    }
    uncache_dead_routes_locked();
    for (struct lipc_chan_in **pp = &lipc_g.chin; *pp;) {
        struct lipc_chan_in *c = *pp;
        bool drained = c->broken || entry_len(c) == 0;
        if (peer_gone(c) && drained && c->sp_n == 0 && c->nheld == 0) {
            __atomic_store_n(pp, c->next, __ATOMIC_SEQ_CST);       /* unlink first */
            for (struct lipc_thr *t = lipc_g.threads; t; t = t->next)
                if (t->last_chan == c)      /* before the spinners check below */
                    __atomic_store_n(&t->last_chan, NULL, __ATOMIC_SEQ_CST);
            /* a spinner standing on c walks on into the retired list,
             * which is not freed while anyone spins */
            __atomic_store_n(&c->next, lipc_g.retired, __ATOMIC_RELEASE);
            __atomic_store_n(&lipc_g.retired, c, __ATOMIC_RELEASE);
            continue;
        }
        pp = &c->next;
    }
    /* a spinning thread may still be looking at a retired channel */
    if (__atomic_load_n(&lipc_g.spinners, __ATOMIC_SEQ_CST) == 0) {
        while (lipc_g.retired) {
            struct lipc_chan_in *c = lipc_g.retired;
            __atomic_store_n(&lipc_g.retired, c->next, __ATOMIC_RELAXED);
            chan_in_free(c);
        }
    }
    for (struct lipc_chan_out **pp = &lipc_g.chout; *pp;) {
        struct lipc_chan_out *c = *pp;
        if (peer_gone(c) && c->refs == 0) {
            *pp = c->next;
            chan_out_free(c);
            continue;
        }
        pp = &c->next;
    }
}

LIPC_HOT void lipc_chan_spin_begin(void)
{
    __atomic_add_fetch(&lipc_g.spinners, 1, __ATOMIC_SEQ_CST);
}

LIPC_HOT void lipc_chan_spin_end(void)
{
    if (__atomic_sub_fetch(&lipc_g.spinners, 1, __ATOMIC_SEQ_CST) == 0 &&
        __atomic_load_n(&lipc_g.retired, __ATOMIC_RELAXED)) {
        lipc_mutex_lock(&lipc_g.lock);
        maybe_reap_locked();
        lipc_mutex_unlock(&lipc_g.lock);
    }
}

LIPC_HOT bool lipc_chan_hint(const struct lipc_thr *t)
{
    /* Racy reads on purpose: a stale value only costs a locked look. */
    if (t->inbox && __atomic_load_n(&t->inbox->q.n, __ATOMIC_RELAXED) != t->seen_n)
        return true;
    if (lipc_g.priv && atomic_load_explicit(&lipc_g.priv->chan_gen, memory_order_relaxed) !=
                           __atomic_load_n(&lipc_g.chan_gen_seen, __ATOMIC_RELAXED))
        return true;
    for (const struct lipc_chan_in *c = __atomic_load_n(&lipc_g.chin, __ATOMIC_SEQ_CST); c;
         c = __atomic_load_n(&c->next, __ATOMIC_ACQUIRE))
        if (!__atomic_load_n(&c->broken, __ATOMIC_RELAXED) && entry_len(c) != 0)
            return true;
    return false;
}

LIPC_HOT int lipc_chan_consume_locked(struct lipc_thr *t, bool *retry)
{
    int mine = 0;
    for (struct lipc_chan_in *c = lipc_g.chin; c; c = c->next)
        if (!c->broken)
            mine += consume_one(c, t, retry);
    if (lipc_g.mapped)
        atomic_store_explicit(&lipc_g.priv->pool_used, (uint32_t)lipc_g.pool.bytes_used, memory_order_relaxed);
    return mine;
}
