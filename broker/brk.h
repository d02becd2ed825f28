/*
 * brk.h - liteipcd, the broker: the stand-in for the LiteOS-A kernel's
 * LiteIPC state.  It owns the CMS, the task (handle) table, the access
 * table and every process's shared pages, and learns identity only from the
 * kernel (SO_PEERCRED, pidfd, /proc).  Single-threaded, event driven.
 */
#ifndef BRK_H
#define BRK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "lipc_proto.h"

#define BRK_MAX_HANDLE 0x400000         /* handles are tids: < pid_max limit */

struct brk;
struct bproc;
struct btask;

/* A packet waiting to be written to a connection. */
struct bpkt {
    struct bpkt *next;
    size_t len;                 /* header + payload */
    unsigned nfds;
    int fds[LIPC_MAX_FDS];
    uint32_t pool_need;         /* EV_MSG: accounted in the receiver's pool */
    char data[];                /* lipc_hdr + payload */
};

enum { EP_LISTEN = 1, EP_CONN, EP_PIDFD, EP_SIGNAL };

struct bep {                    /* epoll tag, first member of every watched object */
    int type;
    int fd;
};

struct bconn {
    struct bep ep;
    pid_t pid;
    uid_t uid;
    gid_t gid;
    int kind;                   /* 0 new, 1 process, 2 thread */
    struct bproc *proc;
    struct btask *task;
    struct bpkt *outq, **outq_tail;
    bool want_out;
    struct bconn *next_all;
};

struct btask {
    pid_t tid;
    struct bproc *proc;
    struct bconn *conn;         /* NULL until the thread connects */
    int efd;                    /* wake eventfd */
    uint32_t slot;
    pid_t *access;              /* processes allowed to send requests to it */
    unsigned naccess, capaccess;
    struct bpkt *pending, **pending_tail;   /* events while not connected */
    struct btask *hnext;        /* hash chain */
    struct btask *pnext;        /* process's task list */
};

/* A channel src -> dst (the direct path). */
struct bchan {
    uint32_t id;
    struct bproc *src, *dst;
    int ring_fd, ret_fd;        /* read-write memfds, owned */
    uint32_t size;
    pid_t *granted;             /* tasks of dst the sender may send requests to */
    unsigned ngranted, capgranted;
    struct bchan *next_src, *next_dst;
};

struct bproc {
    struct bep ep;              /* pidfd */
    pid_t pid;
    uid_t uid;
    gid_t gid;
    struct bconn *pconn;
    int pub_fd, priv_fd;
    struct lipc_pub_page *pub;
    struct lipc_priv_page *priv;
    uint64_t pool_size;
    uint64_t brk_sent;
    pid_t ipc_task;             /* -1: none */
    struct btask *slots[LIPC_MAX_THREADS];
    struct btask *tasks;
    struct bchan *chan_out, *chan_in;
    struct bproc *hnext;
};

struct brk {
    int epfd;
    struct bep listen;
    struct bep sig;
    char *path;
    bool stop;
    struct btask *task_hash[4096];
    struct bproc *proc_hash[1024];
    struct bconn *conns;
    unsigned nprocs, ntasks, nconns;
    struct {
        pid_t tid;              /* 0: no CMS */
        pid_t pid;
        uint64_t max_msg;
        bool ever;
    } cms;
    int verbose;
    uint64_t max_pool;          /* largest receive pool a process may map */
    uint32_t next_chan_id;
};

/* Creates a broker listening on path (the directory must exist).  Returns
 * 0 or -errno; on success *out is owned by the caller (brk_free). */
int brk_new(const char *path, struct brk **out);
/* Runs until SIGTERM/SIGINT (or brk->stop). Returns 0 or -errno. */
int brk_run(struct brk *b);
void brk_free(struct brk *b);

/* brk_state.c */
struct btask *brk_task_find(struct brk *b, pid_t tid);
struct bproc *brk_proc_find(struct brk *b, pid_t pid);
struct bproc *brk_proc_new(struct brk *b, struct bconn *c, int *err);
/* Finds or creates the task record of tid, which must be an alive thread of
 * a connected process.  NULL if not. */
struct btask *brk_task_get(struct brk *b, pid_t tid, bool create);
struct btask *brk_task_attach(struct brk *b, struct bproc *p, pid_t tid, int *err);
bool brk_has_access(struct brk *b, struct bproc *p, pid_t handle);
int brk_grant(struct btask *t, pid_t pid);
void brk_task_death(struct brk *b, struct btask *t);
void brk_proc_death(struct brk *b, struct bproc *p);
/* Finds or creates the channel src -> dst; *created tells if it is new. */
struct bchan *brk_chan_get(struct brk *b, struct bproc *src, struct bproc *dst, bool *created, int *err);
/* A read-only descriptor of the same memfd (peers can't map it writable). */
int brk_ro_fd(int fd);
/* Tells dst that the channel's sender may send requests to tid (once). */
int brk_chan_grant(struct brk *b, struct bchan *c, pid_t tid);
/* A task of p died: its grants on p's inbound channels end. */
void brk_chan_revoke_task(struct brk *b, struct bproc *p, pid_t tid);
pid_t brk_tid_owner(pid_t tid);

/* brk_ops.c */
void brk_handle_packet(struct brk *b, struct bconn *c, void *pkt, int *fds, unsigned nfds);
/* Queues an event for a task (sent now, or when the thread connects).
 * Takes ownership of the fds in pkt. */
void brk_deliver(struct brk *b, struct btask *t, struct bpkt *pkt);
struct bpkt *brk_pkt_new(uint32_t op, int32_t result, uint64_t seq, const struct iovec *iov, int iovcnt,
                         const int *fds, unsigned nfds);
void brk_pkt_free(struct bpkt *p);
/* brk.c */
void brk_conn_send(struct brk *b, struct bconn *c, struct bpkt *p);
void brk_conn_close(struct brk *b, struct bconn *c);
void brk_send_failed_reply(struct brk *b, struct btask *to, uint64_t ts, pid_t dead_tid);

#define BLOG(b, ...) do { if ((b)->verbose) fprintf(stderr, "liteipcd: " __VA_ARGS__); } while (0)

#endif
