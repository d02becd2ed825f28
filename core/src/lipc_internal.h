/* lipc_internal.h - state of the client runtime shared by its files. */
#ifndef LIPC_INTERNAL_H
#define LIPC_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "lipc.h"
#include "lipc_pool.h"
#include "lipc_proto.h"

#define LIPC_HIDDEN __attribute__((visibility("hidden")))

/* A FIFO of pool offsets of received, not yet returned messages. */
struct lipc_q {
    uint32_t *v;
    uint32_t head, n, cap;
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
    uint32_t slot;
    uint64_t last_ts;
    struct lipc_q inq;          /* materialised messages, arrival order */
    struct lipc_backlog *backlog, **backlog_tail;
    void *rbuf;                 /* receive buffer for control packets */
    size_t rcap;
    uint64_t seq;
    struct lipc_thr *next;
};

/* Per-received-block bookkeeping, indexed by pool unit of the block start. */
enum { LIPC_RX_MSG = 1, LIPC_RX_PTR = 2 };
struct lipc_rxinfo {
    uint8_t kind;
    uint8_t user;               /* handed to the user: BUFF_FREE allowed */
    uint32_t need;              /* pool bytes accounted (broker path) */
    uint32_t src_pid;           /* sender process (trusted) */
};

struct lipc_dev {
    pthread_mutex_t lock;       /* everything below */
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
    int *devfds;
    unsigned ndevfds, capdevfds;
};

LIPC_HIDDEN extern struct lipc_dev lipc_g;

/* Returns the calling thread's context, connecting it if needed, or NULL
 * with *err = -errno.  Requires the device to be open and mapped. */
LIPC_HIDDEN struct lipc_thr *lipc_thr_get(int *err);

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

/* Message layer (lipc_msg.c). */
LIPC_HIDDEN void lipc_msg_on_event(struct lipc_thr *t, void *pkt, int *fds, unsigned nfds);
LIPC_HIDDEN void lipc_msg_retry_backlog(struct lipc_thr *t);
LIPC_HIDDEN void lipc_msg_thread_gone(struct lipc_thr *t);

LIPC_HIDDEN uint64_t lipc_now_ns(void);
LIPC_HIDDEN bool lipc_dev_is_fd_locked(int fd);

#endif
