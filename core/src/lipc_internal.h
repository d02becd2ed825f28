/* lipc_internal.h - state of the client runtime shared by its files. */
#ifndef LIPC_INTERNAL_H
#define LIPC_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "lipc.h"
#include "lipc_pool.h"
#include "lipc_proto.h"

#define LIPC_HIDDEN __attribute__((visibility("hidden")))
/* The call path: grouped in .text.hot, so that a cold call touches fewer code pages. */
#define LIPC_HOT __attribute__((hot))

/* The runtime's hot locks: a futex mutex (0 free, 1 held, 2 held with
 * waiters) whose uncontended lock and unlock are one atomic each, inline.
 * Built on C11 atomics, so ThreadSanitizer sees its happens-before. */
typedef struct {
    _Atomic uint32_t v;
} lipc_mutex_t;
#define LIPC_MUTEX_INIT { 0 }
LIPC_HIDDEN void lipc_mutex_lock_slow(lipc_mutex_t *m);
LIPC_HIDDEN void lipc_mutex_wake(lipc_mutex_t *m);
static inline void lipc_mutex_lock(lipc_mutex_t *m)
{
    uint32_t c = 0;
    if (__builtin_expect(!atomic_compare_exchange_strong_explicit(&m->v, &c, 1, memory_order_acquire,
                                                                  memory_order_relaxed), 0))
        lipc_mutex_lock_slow(m);
}
static inline void lipc_mutex_unlock(lipc_mutex_t *m)
{
    if (__builtin_expect(atomic_exchange_explicit(&m->v, 0, memory_order_release) == 2, 0))
        lipc_mutex_wake(m);
}

/* An entry of a thread's inbox: a received message in the pool, or a
 * placeholder for a broker-path message that must be taken at this point
 * (ordering with the direct path). */
#define LIPC_QE_TICKET UINT32_MAX
struct lipc_qent {
    uint32_t off;               /* pool offset, or LIPC_QE_TICKET */
    uint32_t src_pid;
    uint64_t ticket;
    uint64_t since;             /* held messages: when they arrived */
};

struct lipc_q {
    struct lipc_qent *v;
    uint32_t head, n, cap;
};

/* Messages for one thread of this process, whoever took them in. */
struct lipc_inbox {
    pid_t tid;
    struct lipc_q q;
    struct lipc_q held;         /* broker-path messages waiting for their ticket */
    struct lipc_thr *thr;       /* NULL until the thread uses the device */
    uint64_t ticket_since;      /* when the unresolved ticket at the head was first met */
    bool gone;                  /* the thread exited */
    struct lipc_inbox *next;
};

/* Messages with at most this much data are copied out of the ring into
 * the pool when taken in (their ring span is given back at once); larger
 * ones are read in place. */
#define LIPC_COPY_OUT_MAX 1024u

/* Inbound channel: another process sends to us through it. */
struct lipc_span {
    uint64_t pos;
    uint32_t len;
    uint8_t released;
};

struct lipc_chan_in {
    uint32_t id;
    pid_t src_pid;
    uid_t src_uid;
    gid_t src_gid;
    const uint8_t *map;         /* ring memfd, read-only */
    size_t size;                /* ring data bytes */
    struct lipc_ring_ret *ret;  /* read-write */
    const struct lipc_pub_page *peer;   /* sender's public page, read-only */
    uint64_t cons;
    size_t cons_pos;            /* cons % size, kept without dividing */
    uint64_t tail;
    struct lipc_span *spans;
    uint32_t sp_head, sp_n, sp_cap;     /* sp_cap: a power of two (64 << k) */
    uint32_t nheld;             /* messages copied out of the ring and not freed yet */
    bool broken;                /* the sender wrote nonsense: no more reads */
    bool gone;                  /* the sender is gone: unmap when drained */
    pid_t ok_tids[8];           /* sender tids verified to be its threads */
    pid_t *allowed;             /* our threads the sender may send requests to (broker grants) */
    unsigned nallowed, capallowed;
    struct lipc_chan_in *next;
};

/* Outbound channel: we send to another process through it. */
struct lipc_chan_out {
    uint32_t id;
    pid_t dst_pid;
    uint8_t *map;               /* ring memfd, read-write */
    size_t size;
    const struct lipc_ring_ret *ret;    /* read-only */
    const struct lipc_pub_page *peer;   /* receiver's public page, read-only */
    lipc_mutex_t lock;          /* producer side */
    uint64_t head;
    size_t head_pos;            /* head % size, kept without dividing */
    uint64_t tail_seen;         /* the receiver's tail when we last looked */
    bool corrupt;               /* the receiver wrote a bad tail: EIO from now on */
    uint64_t next_ticket;
    bool gone;
    unsigned refs;              /* routes using it */
    struct lipc_chan_out *next;
};

/* A cached route to a task: resolved (and access-checked) by the broker once. */
struct lipc_route {
    int32_t handle;             /* request handle, or the reply's tid */
    bool is_reply;
    pid_t dst_pid, dst_tid;
    uint32_t slot, gen;
    int efd;                    /* the destination thread's wake eventfd */
    uint64_t cms_max;           /* handle 0: the CMS's maxMsgSize */
    uint32_t woke_seq;          /* the destination's sleep we already woke */
    struct lipc_chan_out *chan;
    unsigned users;             /* threads using it now (lipc_route_get/put) */
    bool unlinked;              /* stale, out of the cache: freed by the last put */
    struct lipc_route *next;
};

/* A raw broker event that could not be placed in the pool yet. */
struct lipc_backlog {
    struct lipc_backlog *next;
    void *pkt;
    int fds[LIPC_MAX_FDS];
    unsigned nfds;
};

struct lipc_thr {
    pid_t tid;
    unsigned gen;               /* device generation it belongs to (fork) */
    int sock;                   /* thread connection */
    int efd;                    /* wake eventfd (the broker's, shared with senders) */
    int ep;                     /* epoll set: sock (level), efd (edge) */
    uint32_t slot;
    uint64_t last_ts;
    struct lipc_inbox *inbox;
    uint32_t seen_n;            /* inbox length at the last look (spin hint) */
    struct lipc_chan_in *last_chan;     /* where the last request came from */
    uint32_t last_slot;
    struct lipc_backlog *backlog, **backlog_tail;
    void *rbuf;                 /* receive buffer for control packets */
    size_t rcap;
    uint64_t seq;
    struct lipc_route *rcache;  /* its last route, with a use (lipc_route_cached) */
    struct lipc_thr *next;
};

/* Per-received-block bookkeeping, indexed by pool unit of the block start. */
enum { LIPC_RX_MSG = 1, LIPC_RX_PTR = 2 };
struct lipc_rxinfo {
    uint8_t kind;
    uint8_t user;               /* handed to the user: BUFF_FREE allowed */
    uint8_t in_place;           /* direct path: data read in the ring (its span is held) */
    uint32_t need;              /* pool bytes accounted (broker path) */
    uint32_t src_pid;           /* sender process (trusted) */
    struct lipc_chan_in *chan;  /* direct path: the ring span to release */
    uint64_t span_pos;
    uint32_t src_slot;          /* hint: sender thread's slot in its public page */
};

struct lipc_dev {
    lipc_mutex_t lock;          /* everything below */
    unsigned gen;               /* bumped on fork in the child */
    bool open;
    pid_t pid;
    int pconn;                  /* process connection */
    struct lipc_pub_page *pub;
    struct lipc_priv_page *priv;
    bool mapped;
    struct lipc_pool pool;
    struct lipc_rxinfo *rx;     /* pool.units entries */
    struct lipc_thr *threads;
    struct lipc_inbox *inboxes;
    struct lipc_chan_in *chin;
    struct lipc_chan_in *retired;   /* unlinked, freed once no thread spins */
    int spinners;                   /* threads peeking at channels without the lock */
    struct lipc_chan_out *chout;
    struct lipc_route *routes;
    uint32_t chan_gen_seen;
    pthread_mutex_t pconn_lock; /* reading events from the process connection */
    pthread_mutex_t route_lock; /* one route resolution at a time (channel set-up) */
    int *devfds;
    unsigned ndevfds, capdevfds;
};

LIPC_HIDDEN extern struct lipc_dev lipc_g;

/* Returns the calling thread's context, connecting it if needed, or NULL
 * with *err = -errno.  Requires the device to be open and mapped. */
LIPC_HIDDEN struct lipc_thr *lipc_thr_get_slow(int *err);
LIPC_HIDDEN extern __thread struct lipc_thr *lipc_t_self __attribute__((tls_model("initial-exec")));
static inline struct lipc_thr *lipc_thr_get(int *err)
{
    struct lipc_thr *t = lipc_t_self;
    if (__builtin_expect(t && t->gen == lipc_g.gen, 1))
        return t;
    return lipc_thr_get_slow(err);
}

/* Request/response on the thread connection; events that arrive meanwhile
 * are queued for the thread.  reply payload is copied to out (up to outcap),
 * received fds to rfds.  Returns the broker's result (>= 0 or -errno). */
LIPC_HIDDEN int lipc_rpc(struct lipc_thr *t, uint32_t op, const struct iovec *iov, int iovcnt,
                         const int *fds, unsigned nfds, void *out, size_t outcap,
                         int *rfds, unsigned *rnfds);

/* Reads one packet from the thread connection (blocking for up to
 * timeout_ms, -1 forever; 0 = non-blocking) and handles events.  Returns 1
 * if something was handled, 0 on timeout, -errno on failure. */
LIPC_HIDDEN int lipc_thr_pump(struct lipc_thr *t, int timeout_ms);

/* Channels (lipc_chan.c). */
/* Maps a ring memfd of `size` data bytes as [header][data][data again]
 * (+ a zero page for the read-only view); NULL on failure. */
LIPC_HIDDEN void *lipc_ring_map(int fd, size_t size, bool ro);
LIPC_HIDDEN size_t lipc_ring_map_len(size_t size, bool ro);
LIPC_HIDDEN void lipc_chan_check_events(void);
/* Route to a request handle or a reply tid; NULL and *err if none. Lock not
 * held.  The route stays valid until lipc_route_put(), even if its peer dies
 * and another thread drops it from the cache meanwhile. */
LIPC_HIDDEN struct lipc_route *lipc_route_get(struct lipc_thr *t, int32_t handle, bool is_reply,
                                              pid_t dst_pid, int *err);
LIPC_HIDDEN void lipc_route_put(struct lipc_route *r);
/* lipc_route_get() through the thread's one-route cache (lock-free when the
 * destination is the same as last time); hand the route back with
 * lipc_route_done(), which keeps it cached. */
LIPC_HIDDEN struct lipc_route *lipc_route_cached(struct lipc_thr *t, int32_t handle, bool is_reply,
                                                 pid_t dst_pid, int *err);
LIPC_HIDDEN void lipc_route_done(struct lipc_thr *t, struct lipc_route *r);
/* Drops the thread's cached route (thread exit). Lock held. */
LIPC_HIDDEN void lipc_route_uncache_locked(struct lipc_thr *t);
LIPC_HIDDEN bool lipc_route_alive(const struct lipc_route *r);
/* Writes a plain message (no special objects) to the route's channel and
 * wakes the destination.  Returns 0 or -errno. */
LIPC_HIDDEN int lipc_chan_send(struct lipc_thr *t, struct lipc_route *r, const IpcMsg *m, uint64_t ts,
                               uint32_t kind, uint64_t ticket);
/* Takes in whatever the inbound channels hold. Returns >0 if anything new
 * reached the calling thread's inbox; sets *retry when an entry needs a
 * grant that may still be on its way (lipc_chan_check_events() first, then
 * look again).  Lock held. */
LIPC_HIDDEN int lipc_chan_consume_locked(struct lipc_thr *t, bool *retry);
/* Lock-free peek for a spinning thread: might there be something new? */
LIPC_HIDDEN bool lipc_chan_hint(const struct lipc_thr *t);
/* Bracket a spin that calls lipc_chan_hint(). */
LIPC_HIDDEN void lipc_chan_spin_begin(void);
LIPC_HIDDEN void lipc_chan_spin_end(void);
/* A direct-path message is freed: releases its ring span (in place) or
 * its count on the channel (copied out). Lock held. */
LIPC_HIDDEN void lipc_chan_release_locked(struct lipc_chan_in *c, uint64_t pos, bool in_place);
LIPC_HIDDEN void lipc_wake_thread(struct lipc_inbox *ib);
LIPC_HIDDEN struct lipc_inbox *lipc_inbox_get_locked(pid_t tid, bool create);
/* Is thread `slot` of this process waiting for the reply stamped ts? */
LIPC_HIDDEN bool lipc_awaits_reply(const struct lipc_thr *t, uint64_t ts);
LIPC_HIDDEN int lipc_q_push(struct lipc_q *q, struct lipc_qent e);

/* Received blocks (lipc_rx.c).  Lock held for the _locked ones. */
static inline struct lipc_rxinfo *lipc_rx_at(size_t off) { return &lipc_g.rx[off / LIPC_POOL_UNIT]; }
/* Frees a received block; rollback also undoes what a message never handed
 * out still holds (its descriptors, its OBJ_PTR buffers). */
LIPC_HIDDEN void lipc_rx_free_locked(size_t off, bool rollback);
/* Marks a message and its OBJ_PTR buffers as the user's (BUFF_FREE-able). */
LIPC_HIDDEN void lipc_rx_hand_out_locked(size_t off);

/* Queue capacities are powers of two (16 << k): an index is a mask, not a division. */
static inline uint32_t lipc_q_idx(const struct lipc_q *q, uint32_t i) { return (q->head + i) & (q->cap - 1); }
static inline struct lipc_qent lipc_q_at(const struct lipc_q *q, uint32_t i) { return q->v[lipc_q_idx(q, i)]; }
static inline void lipc_q_set(struct lipc_q *q, uint32_t i, struct lipc_qent e) { q->v[lipc_q_idx(q, i)] = e; }
static inline void lipc_q_remove(struct lipc_q *q, uint32_t i)
{
    if (i == 0) {                       /* the common case: pop the head */
        q->head = lipc_q_idx(q, 1);
        __atomic_store_n(&q->n, q->n - 1, __ATOMIC_RELAXED);   /* peeked by spinners */
        return;
    }
    for (uint32_t j = i; j + 1 < q->n; j++)
        q->v[lipc_q_idx(q, j)] = q->v[lipc_q_idx(q, j + 1)];
    __atomic_store_n(&q->n, q->n - 1, __ATOMIC_RELAXED);
}

/* Message layer (lipc_msg.c, lipc_rx.c). */
LIPC_HIDDEN void lipc_msg_on_event(struct lipc_thr *t, void *pkt, int *fds, unsigned nfds);
LIPC_HIDDEN void lipc_msg_retry_backlog(struct lipc_thr *t);
LIPC_HIDDEN void lipc_msg_thread_gone(struct lipc_thr *t);

LIPC_HIDDEN uint64_t lipc_now_ns(void);
/* CLOCK_MONOTONIC at tick resolution (no clock read: a few ns instead of
 * tens in a VM): request timestamps and the 5 s reply deadline. */
LIPC_HIDDEN uint64_t lipc_coarse_ns(void);

/* Publishes the CPU a thread runs on, in its public slot: stored only when it
 * changed, so that the line peers read in the hot path stays shared. */
static inline void lipc_publish_cpu(_Atomic uint32_t *slot_cpu, int cpu)
{
    if (cpu >= 0 && atomic_load_explicit(slot_cpu, memory_order_relaxed) != (uint32_t)cpu)
        atomic_store_explicit(slot_cpu, (uint32_t)cpu, memory_order_relaxed);
}
LIPC_HIDDEN bool lipc_dev_is_fd_locked(int fd);

#endif
