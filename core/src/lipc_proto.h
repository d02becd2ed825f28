/*
 * lipc_proto.h - the control protocol between the client runtime and the
 * broker (liteipcd), and the layout of the shared pages.  Internal: both
 * sides are built from this tree and must agree.
 *
 * Transport: one AF_UNIX SOCK_SEQPACKET connection per process ("process
 * connection", opened by lipc_dev_open) and one per thread that uses the
 * device ("thread connection", opened lazily, closed by the thread's TLS
 * destructor).  Every packet is a lipc_hdr followed by `len` payload bytes;
 * descriptors travel as SCM_RIGHTS.  Requests are answered on the same
 * connection with op | LIPC_OP_REPLY and the request's seq.  Packets with
 * op & LIPC_OP_EVENT are unsolicited events (a message for the thread, a new
 * inbound channel for the process).
 */
#ifndef LIPC_PROTO_H
#define LIPC_PROTO_H

#include <stdint.h>
#include <stdatomic.h>
#include "lite_ipc.h"

#define LIPC_PROTO_VERSION 1u
#define LIPC_MAX_THREADS   256u           /* thread slots per process */
#define LIPC_MAX_FDS       64u            /* OBJ_FD per message we accept */
#define LIPC_MAX_PACKET    (1u << 20)     /* largest control packet */

enum lipc_op {
    LIPC_OP_HELLO_PROC = 1,   /* -> fds: public page, private page           */
    LIPC_OP_HELLO_THREAD,     /* {tid} -> {slot}, fd: eventfd                */
    LIPC_OP_MMAP,             /* {size}                                      */
    LIPC_OP_SET_CMS,          /* {maxMsgSize}                                */
    LIPC_OP_CMS_CMD,          /* CmsCmdContent -> CmsCmdContent              */
    LIPC_OP_SET_IPC_THREAD,   /* {} -> result = tid                          */
    LIPC_OP_SEND,             /* lipc_wire_msg + payload, fds -> result only */
    LIPC_OP_ROUTE,            /* lipc_route_req -> lipc_route_ack, fds       */
    LIPC_OP_TASK_ALIVE,       /* {int32 handle} -> 1 alive, 0 gone           */

    LIPC_OP_EV_MSG = 0x100,   /* event: lipc_wire_msg + payload, fds         */
    LIPC_OP_EV_CHANNEL,       /* event: lipc_chan_ev, fds: ring (ro), ret (rw), src page (ro) */
    LIPC_OP_EV_CHANNEL_GONE,  /* event: {chan_id}: the peer of a channel is gone */
    LIPC_OP_EV_GRANT,         /* event: {chan_id, tid}: the channel's sender may send requests to tid */
    LIPC_OP_EV_REVOKE,        /* event: {chan_id, tid}: ... no longer (the task died) */

    LIPC_OP_REPLY = 0x10000,
};
#define LIPC_OP_EVENT 0x100

struct lipc_hdr {
    uint32_t op;
    int32_t result;           /* replies: >= 0 or -errno */
    uint64_t seq;
    uint32_t len;             /* payload bytes following */
    uint32_t nfds;
};

/* A message as it travels through the broker (broker path).  Followed by
 * data[data_sz], offsets (uint64_t[sp_obj_num]) and the OBJ_PTR buffers in
 * object order (ptr_total bytes). */
struct lipc_wire_msg {
    uint32_t type;
    uint32_t code;
    uint32_t flag;
    uint32_t data_sz;
    uint32_t sp_obj_num;
    uint32_t ptr_total;
    int32_t target_handle;
    uint32_t target_tid;      /* resolved destination tid (filled by broker) */
    uint64_t target_token;
    uint64_t target_cookie;
    uint64_t timestamp;
    uint32_t pid, tid, uid, gid;   /* sender; filled in by the broker */
    uint32_t nfds;            /* OBJ_FD count, descriptors in SCM_RIGHTS */
    uint32_t pool_need;       /* bytes the receiver's pool accounts for it */
    uint32_t wflags;          /* LIPC_WF_* */
    uint32_t pad;
    uint64_t ticket;          /* direct-path placeholder ticket, 0 = none */
};

#define LIPC_WF_SYNC 1u          /* the sender waits for the reply */

/* Route request: the direct path to a task. */
struct lipc_route_req {
    int32_t handle;           /* request: handle; reply: destination tid */
    uint32_t is_reply;        /* 1: route for a reply to tid `handle` in dst_pid */
    uint32_t dst_pid;
    uint32_t pad;
};

struct lipc_route_ack {
    uint32_t dst_pid;
    uint32_t dst_tid;
    uint32_t dst_slot;        /* slot of dst_tid in dst's public page */
    uint32_t dst_gen;         /* slot generation (stale-route detection) */
    uint32_t chan_id;         /* channel id (sender->dst) */
    uint32_t ring_size;
    uint32_t new_channel;     /* fds: efd, then ring (rw), ret (ro), dst page (ro) */
    uint32_t pad;
    uint64_t cms_max;         /* the CMS's maxMsgSize when handle was 0 */
};

/* Event: a new inbound channel for this process. fds: ring (ro), ret (rw). */
struct lipc_chan_ev {
    uint32_t chan_id;
    uint32_t src_pid, src_uid, src_gid;
    uint32_t ring_size;
    uint32_t pad;
};

/* ---- channels (the direct path) -------------------------------------------
 * A channel carries messages from one process (the sender) to another.  Its
 * ring memfd is mapped read-write by the sender and read-only by the
 * receiver; its return memfd the other way round.  Entries are 64-byte
 * aligned; both sides map the data twice, back to back, so an entry that
 * passes the end of the ring runs on contiguously into the second view (the
 * runtime never writes PAD entries; a receiver still accepts them).  Every
 * field the peer wrote is validated on a local copy before use.
 *
 * Publication is per entry: an entry's `len` is its commit word.  The
 * sender writes the entry with len 0, then a 0 into the len of the next
 * entry's place (the "marker": the ring always keeps one free unit for it),
 * then stores len (release).  The receiver reads len at its position
 * (acquire): 0 means nothing yet.  So the receiver's look at a ring and the
 * entry it finds are one cache line, not two.  The ring header's `head`
 * is still kept by the sender, for diagnostics only: receivers ignore it. */
#define LIPC_RING_HDR_SIZE 4096u
#define LIPC_RENT_ALIGN    64u

struct lipc_ring_ctl {            /* at offset 0 of the ring memfd; sender-written */
    _Atomic uint64_t head;        /* bytes produced (diagnostics; not read by receivers) */
    uint32_t magic;
    uint32_t pad[13];
};

struct lipc_ring_ret {            /* the return memfd; receiver-written */
    _Atomic uint64_t tail;        /* bytes released */
    uint32_t pad[14];
};

enum { LIPC_RENT_MSG = 1, LIPC_RENT_PAD = 2, LIPC_RENT_TICKET = 3 };

struct lipc_rent {                /* ring entry header, followed by data */
    uint32_t len;                 /* whole entry, multiple of LIPC_RENT_ALIGN; the commit word (0: none yet) */
    uint32_t kind;
    uint32_t type;
    uint32_t code;
    uint32_t flag;
    uint32_t data_sz;
    int32_t target_handle;
    uint32_t target_tid;
    uint64_t target_token;
    uint64_t target_cookie;
    uint64_t timestamp;           /* LIPC_RENT_TICKET: the ticket */
    uint32_t src_tid;
    uint32_t src_slot;            /* hint: sender's slot in its public page */
};
/* One alignment unit: no entry is smaller. */
_Static_assert(sizeof(struct lipc_rent) == LIPC_RENT_ALIGN, "ring entry header must be 64 bytes");

/* ---- shared pages ------------------------------------------------------ */

/* Public per-thread slot: written by the owning process (sleeping, cpu) and
 * by the broker (tid, gen, dead); mapped read-only by peers. */
struct lipc_pub_slot {
    _Atomic uint32_t tid;
    _Atomic uint32_t gen;
    _Atomic uint32_t dead;
    _Atomic uint32_t sleeping;    /* owner blocked (Dekker flag for wake-ups) */
    _Atomic uint32_t cpu;         /* last CPU the owner ran on */
    _Atomic uint32_t sleep_seq;   /* owner: bumped each time it goes to sleep */
    _Atomic uint32_t backlog;     /* owner: messages left in its inbox at its last look (hint) */
    uint32_t pad[9];
};

struct lipc_pub_page {
    uint32_t magic;
    uint32_t version;
    _Atomic uint32_t dead;        /* broker: the process is gone */
    uint32_t pad[13];
    struct lipc_pub_slot slot[LIPC_MAX_THREADS];
};

/* Private per-thread slot: owner + broker only. */
struct lipc_priv_slot {
    _Atomic uint32_t wait_tid;    /* owner: blocked in a sync call on this tid */
    _Atomic uint32_t wait_pid;
    _Atomic uint64_t wait_ts;     /* owner: timestamp of that call */
    uint32_t pad[12];
};

struct lipc_priv_page {
    uint32_t magic;
    uint32_t version;
    _Atomic uint32_t chan_gen;    /* broker: bumped when an inbound channel appears */
    _Atomic uint32_t pool_used;   /* owner: bytes allocated in the pool */
    _Atomic uint64_t brk_recv;    /* owner: bytes of broker-path messages taken in */
    _Atomic uint32_t cms_set;     /* broker: a CMS has been set */
    uint32_t pad[9];
    struct lipc_priv_slot slot[LIPC_MAX_THREADS];
};

#define LIPC_PAGE_MAGIC 0x4c495043u   /* "LIPC" */
#define LIPC_PUB_PAGE_SIZE  ((sizeof(struct lipc_pub_page) + 4095) & ~4095ul)
#define LIPC_PRIV_PAGE_SIZE ((sizeof(struct lipc_priv_page) + 4095) & ~4095ul)

/* Bytes a broker-path message occupies in the receiver's pool. */
#define LIPC_POOL_UNIT 64u

/* The part of a pool that requests may not use, so that a flood of requests
 * (kept for a thread busy in a call) can never keep its replies out. */
#define LIPC_POOL_REPLY_RESERVE(size) ((size) / 8 > 1024 ? (size) / 8 : 1024)

#endif
