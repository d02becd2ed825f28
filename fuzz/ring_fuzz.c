/*
 * ring_fuzz.c - libFuzzer target for the direct-path ring consumer: the code
 * that parses entries another process (the sender) wrote into a ring we map
 * read-only (consume_one() in core/src/lipc_chan.c), and the receive/release
 * path that follows (pick_locked(), lipc_rx_free_locked() in lipc_msg.c, the
 * span bookkeeping that advances the return page's tail).  Broker-path
 * messages can be mixed in (materialise_locked(), the parser of EV_MSG
 * packets, which also resolves the ring's TICKET placeholders).
 *
 * Unity build: consume_one() and friends are static, so this file includes
 * lipc_chan.c, lipc_rx.c and lipc_msg.c; the rest of the runtime (lipc_dev.c,
 * lipc_pool.c, lipc_conn.c) is linked normally.  No broker, no sockets: the
 * runtime state a receiver has is built by hand (a real pool from
 * lipc_pool_init, lipc_g.rx, one inbound channel whose ring is an anonymous
 * mapping of LIPC_RING_HDR_SIZE + ring size bytes followed by a PROT_NONE
 * page, so any read past the ring faults, a zeroed return page and peer page,
 * and the inbox of the calling thread; chan_in_free() tears the channel down
 * as the runtime does).
 *
 * Input (all little endian):
 *   u8  ring size selector     ring = ((b & 3) + 1) * 4 KiB
 *   u8  pool size selector     pool = ((b & 7) + 1) * 4 KiB
 *   u16 start                  cons = tail = start * 64 (consumption does not
 *                              begin at offset 0 of the ring)
 *   u16 n, then n bytes        initial ring contents, written at the start
 *                              position (clipped at the end of the ring)
 *   then operations until the input ends, one opcode byte each (mod 11):
 *     0 u16 v        commit word (len) at the consumer's position = v
 *     1 u64 v        commit word at the consumer's position = (u32)v
 *     2 u16 o, u8 n, n bytes   ring[o % size ...] = bytes  (sender scribbles)
 *     3              consume_one()
 *     4              receive-only pick (the user's RECV); a message is kept
 *                    as "held by the user"
 *     5 u8 i         BUFF_FREE of held message i % nheld
 *     6 u64 ts       sync pick (waiting for the reply with timestamp ts)
 *     7 64 bytes     push an entry as the runtime does: header (its len
 *                    from the input) at the harness's head % size, a 0
 *                    marker after it, then its len committed; head += len
 *     8 u16 v        commit word at cons - 64 * (v % 64) = 0 (a retracted
 *                    or rewritten entry behind or at the consumer)
 *     9 u8 nfds, u16 n, n bytes: a broker EV_MSG packet for the calling thread
 *                    (payload = the n bytes, nfds % 4 eventfds) through
 *                    materialise_locked(), as lipc_msg_on_event() does
 *    10 u8 r, u32 tid   the broker's grant (r even) or revoke (r odd) event:
 *                    the sender may (no longer) send requests to tid; the
 *                    calling thread is granted at the start
 * In every byte the harness writes into the ring or a packet, a 4-byte
 * aligned word 0xfffffff1 is replaced by the calling thread's tid and
 * 0xfffffff2 by the pid, so that inputs can name "a thread of the receiver",
 * "a thread of the sender" and "the sender process" reproducibly (the
 * channel's sender is this process too).
 *
 * Oracles (abort on violation): a direct-path message handed out has a valid
 * type, the sender's identity from the channel, and its data lies inside the
 * ring; a broker-path one lies inside its pool block, its objects inside its
 * data, its OBJ_PTR buffers are pool blocks of their own; the
 * return page's tail never passes cons nor goes backwards; after everything
 * is freed the pool is empty, no span is left and tail == cons (the sender
 * got all its space back); and the receiver never tracks more spans than
 * fit in the ring (a sender that ignores the tail must not make the
 * receiver's memory grow without bound; reproducer in fuzz/crashes/ring/).
 */
#include "../core/src/lipc_chan.c"
#include "../core/src/lipc_rx.c"
#include "../core/src/lipc_msg.c"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TID_MAGIC 0xfffffff1u
#define PID_MAGIC 0xfffffff2u
#define MAX_HELD 64

struct rd {
    const uint8_t *p;
    size_t n;
};

static bool rd_bytes(struct rd *r, void *out, size_t n)
{
    if (r->n < n)
        return false;
    memcpy(out, r->p, n);
    r->p += n;
    r->n -= n;
    return true;
}

static void fz_fail(const char *what)
{
    fprintf(stderr, "ring_fuzz: oracle violated: %s\n", what);
    abort();
}

/* Writes bytes into the ring data at pos (clipped), with the tid magic. */
static void subst_magic(uint8_t *p, size_t from, size_t to, uint32_t tid)
{
    uint32_t pid = (uint32_t)getpid();
    for (size_t a = (from + 3) & ~(size_t)3; a + 4 <= to; a += 4) {
        uint32_t w;
        memcpy(&w, p + a, 4);
        if (w == TID_MAGIC)
            memcpy(p + a, &tid, 4);
        else if (w == PID_MAGIC)
            memcpy(p + a, &pid, 4);
    }
}

static void ring_write(uint8_t *ring, size_t rsize, size_t pos, const uint8_t *src, size_t n, uint32_t tid)
{
    pos %= rsize;
    if (n > rsize - pos)
        n = rsize - pos;
    memcpy(ring + pos, src, n);
    subst_magic(ring, pos, pos + n, tid);
}

static void set_head(uint8_t *map, uint64_t v)
{
    atomic_store(&((struct lipc_ring_ctl *)map)->head, v);
}

/* Stores the commit word (an entry's len) at ring offset pos. */
static void set_len(uint8_t *ring, size_t rsize, uint64_t pos, uint32_t v)
{
    __atomic_store_n((uint32_t *)(ring + ((size_t)(pos % rsize) & ~(size_t)3)), v, __ATOMIC_RELEASE);
}

/* Length in bytes of the pool block at off. */
static size_t block_len(size_t off)
{
    return (size_t)lipc_g.pool.len[off / LIPC_POOL_UNIT] * LIPC_POOL_UNIT;
}

static void touch(const void *p, size_t n)
{
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < n; i++)
        sink ^= ((const uint8_t *)p)[i];
    (void)sink;
}

static void check_msg(const struct lipc_chan_in *c, const IpcMsg *um)
{
    long off = lipc_pool_lookup(&lipc_g.pool, um);
    if (off < 0)
        fz_fail("picked message is not a pool block");
    const IpcMsg *m = lipc_pool_rw(&lipc_g.pool, (size_t)off);
    const struct lipc_rxinfo *rx = lipc_rx_at((size_t)off);
    if (rx->kind != LIPC_RX_MSG || !rx->user)
        fz_fail("handed-out block is not a message of the user's");
    if (!rx->chan) {                /* broker path: everything inside its block */
        const uint8_t *blk = lipc_pool_ro(&lipc_g.pool, (size_t)off);
        size_t bl = block_len((size_t)off);
        size_t need = sizeof(IpcMsg) + ALIGN8((size_t)m->dataSz) + (size_t)m->spObjNum * sizeof(size_t);
        if (need > bl)
            fz_fail("broker-path message larger than its block");
        if ((m->dataSz && (const uint8_t *)m->data != blk + sizeof(IpcMsg)) || (!m->dataSz && m->data))
            fz_fail("broker-path data pointer");
        if (m->spObjNum && (const uint8_t *)m->offsets != blk + sizeof(IpcMsg) + ALIGN8((size_t)m->dataSz))
            fz_fail("broker-path offsets pointer");
        touch(m->data, m->dataSz);
        const size_t *offs = m->offsets;
        for (uint32_t i = 0; i < m->spObjNum; i++) {
            if (m->dataSz < sizeof(SpecialObj) || offs[i] > m->dataSz - sizeof(SpecialObj))
                fz_fail("object outside the data");
            SpecialObj o;
            memcpy(&o, (const char *)m->data + offs[i], sizeof(o));
            if (o.type == OBJ_PTR) {
                long po = lipc_pool_lookup(&lipc_g.pool, o.content.ptr.buff);
                if (po < 0 || lipc_rx_at((size_t)po)->kind != LIPC_RX_PTR || !lipc_rx_at((size_t)po)->user ||
                    o.content.ptr.buffSz > block_len((size_t)po))
                    fz_fail("OBJ_PTR buffer is not a block of its own");
                touch(o.content.ptr.buff, o.content.ptr.buffSz);
            }
        }
        return;
    }
    if (m->type != MT_REQUEST && m->type != MT_REPLY && m->type != MT_FAILED_REPLY)
        fz_fail("message type");
    if (m->processID != (uint32_t)c->src_pid || m->userID != c->src_uid || m->gid != c->src_gid)
        fz_fail("sender identity");
    if (m->spObjNum != 0 || m->offsets != NULL)
        fz_fail("direct-path message with objects");
    /* an entry may run on into the ring's second view */
    const uint8_t *lo = c->map + LIPC_RING_HDR_SIZE, *hi = lo + 2 * c->size;
    if (m->dataSz && !rx->in_place) {   /* copied out: right after the record, in its block */
        if ((const uint8_t *)m->data != (const uint8_t *)um + sizeof(IpcMsg) ||
            m->dataSz > LIPC_COPY_OUT_MAX || sizeof(IpcMsg) + m->dataSz > block_len((size_t)off))
            fz_fail("copied-out data pointer");
    } else if (m->dataSz) {
        const uint8_t *d = m->data;
        if (d < lo + sizeof(struct lipc_rent) || d > hi || m->dataSz > (size_t)(hi - d))
            fz_fail("message data outside the ring");
    } else if (m->data) {
        fz_fail("data pointer without data");
    }
    touch(m->data, m->dataSz);     /* ASan checks the bound above really holds */
}

/* The user's BUFF_FREE of a message it holds, and of what came with it: its
 * OBJ_PTR buffers (freed one by one, as on LiteOS-A) and its descriptors. */
static void user_free(size_t off)
{
    IpcMsg *m = lipc_pool_rw(&lipc_g.pool, off);
    if (!lipc_rx_at(off)->user)
        fz_fail("held message not marked as the user's");
    size_t ptrs[IPC_MSG_OBJECT_NUM_MAX];
    unsigned nptr = 0;
    if (!lipc_rx_at(off)->chan) {
        const size_t *offs = m->offsets;
        for (uint32_t i = 0; i < m->spObjNum; i++) {
            SpecialObj o;
            memcpy(&o, (const char *)m->data + offs[i], sizeof(o));
            if (o.type == OBJ_FD)
                close((int)o.content.fd);
            else if (o.type == OBJ_PTR)
                ptrs[nptr++] = (size_t)lipc_pool_lookup(&lipc_g.pool, o.content.ptr.buff);
        }
    }
    lipc_rx_at(off)->user = 0;
    lipc_rx_free_locked(off, false);
    for (unsigned i = 0; i < nptr; i++) {
        lipc_rx_at(ptrs[i])->user = 0;
        lipc_rx_free_locked(ptrs[i], false);
    }
}

/* consume_one() gains a third argument (bool *retry: a grant may be on its
 * way) in a newer core; call whichever version this tree has.  _Generic picks
 * the branch that matches its real type; the other one is compiled but never
 * runs (the pointer goes through a generic function type to compile). */
typedef int (*consume2_fn)(struct lipc_chan_in *, struct lipc_thr *);
typedef int (*consume3_fn)(struct lipc_chan_in *, struct lipc_thr *, bool *);
static int fz_consume(struct lipc_chan_in *c, struct lipc_thr *t)
{
    bool retry = false;
    void (*volatile fn)(void) = (void (*)(void))consume_one;
    return _Generic(&consume_one,
                    consume2_fn: ((consume2_fn)fn)(c, t),
                    default: ((consume3_fn)fn)(c, t, &retry));
}

/* A grant (or revoke) event of the broker for the channel: the sender may
 * send requests to tid.  Numeric ops (EV_CHANNEL_GONE + 1, + 2) so that this
 * compiles with a core that does not know them yet (it ignores them). */
static void fz_grant(struct lipc_chan_in *c, uint32_t tid, bool revoke)
{
    struct lipc_hdr h = { .op = (uint32_t)LIPC_OP_EV_CHANNEL_GONE + (revoke ? 2u : 1u), .len = 8 };
    uint32_t pl[2] = { c->id, tid };
    on_channel_event(&h, pl, NULL, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int strict = 1;       /* the span bound holds since the fix */
    struct rd r = { data, size };
    uint8_t sel[2];
    uint16_t start, n;
    if (!rd_bytes(&r, sel, 2) || !rd_bytes(&r, &start, 2) || !rd_bytes(&r, &n, 2))
        return 0;
    const size_t rsize = ((size_t)(sel[0] & 3) + 1) * 4096;
    const size_t psize = ((size_t)(sel[1] & 7) + 1) * 4096;
    const uint32_t tid = (uint32_t)syscall(SYS_gettid);

    /* the receiver's runtime state */
    if (lipc_pool_init(&lipc_g.pool, psize, NULL) != 0)
        return 0;
    lipc_g.rx = calloc(lipc_g.pool.units, sizeof(*lipc_g.rx));
    lipc_g.mapped = true;
    lipc_g.priv = calloc(1, LIPC_PRIV_PAGE_SIZE);
    /* mapped as the runtime maps them (lipc_ring_map(): header, data, data
     * again; chan_in_free() unmaps them), but the page after the receiver's
     * view is PROT_NONE: the consumer itself must never read past the ring
     * (only a user reading an unterminated string may).  The harness writes
     * through a read-write view of the same memfd, as a sender does. */
    int ring_fd = memfd_create("fuzz-ring", MFD_CLOEXEC);
    if (ring_fd < 0 || ftruncate(ring_fd, (off_t)(LIPC_RING_HDR_SIZE + rsize)) != 0)
        abort();
    uint8_t *map = lipc_ring_map(ring_fd, rsize, true);
    uint8_t *wmap = lipc_ring_map(ring_fd, rsize, false);
    void *ret_p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *peer_p = mmap(NULL, LIPC_PUB_PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!map || !wmap || ret_p == MAP_FAILED || peer_p == MAP_FAILED ||
        mprotect(map + LIPC_RING_HDR_SIZE + 2 * rsize, 4096, PROT_NONE) != 0)
        abort();
    struct lipc_ring_ret *ret = ret_p;
    struct lipc_pub_page *peer = peer_p;
    struct lipc_chan_in *c = calloc(1, sizeof(*c));
    struct lipc_inbox *ib = calloc(1, sizeof(*ib));
    struct lipc_thr *t = calloc(1, sizeof(*t));
    if (!lipc_g.rx || !lipc_g.priv || !c || !ib || !t)
        abort();
    uint8_t *ring = wmap + LIPC_RING_HDR_SIZE;
    c->id = 1;
    c->src_pid = getpid();          /* the sender: this process (tids can be named) */
    c->src_uid = 1000;
    c->src_gid = 1001;
    c->map = map;
    c->size = rsize;
    c->ret = ret;
    c->peer = peer;
    c->cons = c->tail = (uint64_t)start * 64;
    atomic_store(&ret->tail, c->tail);
    set_head(wmap, c->cons);
    lipc_g.chin = c;
    fz_grant(c, tid, false);        /* the sender may send requests to this thread */
    ib->tid = (pid_t)tid;
    ib->thr = t;
    lipc_g.inboxes = ib;
    t->tid = (pid_t)tid;
    t->efd = -1;
    t->sock = -1;
    t->inbox = ib;
    t->backlog_tail = &t->backlog;

    size_t init = n < r.n ? n : r.n;
    ring_write(ring, rsize, (size_t)c->cons, r.p, init, tid);
    r.p += init;
    r.n -= init;

    size_t held[MAX_HELD];
    unsigned nheld = 0;
    uint64_t last_tail = c->tail;
    uint8_t op;
    unsigned nops = 0;
    while (rd_bytes(&r, &op, 1) && nops++ < 4096) {
        lipc_mutex_lock(&lipc_g.lock);
        switch (op % 11) {
        case 0: {
            uint16_t v;
            if (rd_bytes(&r, &v, 2))
                set_len(ring, rsize, c->cons_pos, v);
            break;
        }
        case 1: {
            uint64_t v;
            if (rd_bytes(&r, &v, 8))
                set_len(ring, rsize, c->cons_pos, (uint32_t)v);
            break;
        }
        case 2: {
            uint16_t o;
            uint8_t len;
            if (!rd_bytes(&r, &o, 2) || !rd_bytes(&r, &len, 1))
                break;
            size_t k = len < r.n ? len : r.n;
            ring_write(ring, rsize, o, r.p, k, tid);
            r.p += k;
            r.n -= k;
            break;
        }
        case 3:
            if (!c->broken)
                fz_consume(c, t);
            break;
        case 4: {
            struct wait_ctx w = { .sync = false };
            IpcMsg *m = NULL;
            int k = pick_locked(t, &w, &m);
            if (k < 0)
                fz_fail("receive-only pick returned an error");
            if (k == 1) {
                check_msg(c, m);
                if (m->type == MT_REPLY || m->type == MT_FAILED_REPLY)
                    fz_fail("receive-only pick handed out a reply");
                long off = lipc_pool_lookup(&lipc_g.pool, m);
                if (nheld < MAX_HELD)
                    held[nheld++] = (size_t)off;
                else                /* the user frees it at once */
                    user_free((size_t)off);
            }
            break;
        }
        case 5: {
            uint8_t i;
            if (!rd_bytes(&r, &i, 1) || !nheld)
                break;
            i %= nheld;
            size_t off = held[i];
            held[i] = held[--nheld];
            user_free(off);
            break;
        }
        case 6: {
            uint64_t ts;
            if (!rd_bytes(&r, &ts, 8))
                break;
            struct wait_ctx w = { .sync = true, .ts = ts, .dst_pid = (uint32_t)c->src_pid };
            IpcMsg *m = NULL;
            int k = pick_locked(t, &w, &m);
            if (k == 1) {
                check_msg(c, m);
                long off = lipc_pool_lookup(&lipc_g.pool, m);
                if (m->type != MT_REPLY || m->timestamp != ts ||
                    (lipc_rx_at((size_t)off)->src_pid != (uint32_t)c->src_pid && lipc_rx_at((size_t)off)->src_pid != 0))
                    fz_fail("sync pick handed out a non-matching message");
                user_free((size_t)off);
            } else if (k < 0 && k != -ENOENT && k != -EOWNERDEAD) {
                fz_fail("sync pick: unexpected error");
            }
            break;
        }
        case 7: {
            uint8_t hdr[sizeof(struct lipc_rent)];
            if (!rd_bytes(&r, hdr, sizeof(hdr)))
                break;
            uint64_t head = atomic_load(&((struct lipc_ring_ctl *)wmap)->head);
            struct lipc_rent e;
            memcpy(&e, hdr, sizeof(e));
            uint32_t len = e.len;
            memset(hdr, 0, 4);                          /* written uncommitted */
            ring_write(ring, rsize, (size_t)(head % rsize), hdr, sizeof(hdr), tid);
            if (len % LIPC_RENT_ALIGN == 0 && len && len < rsize)
                set_len(ring, rsize, head + len, 0);    /* the marker */
            set_len(ring, rsize, head, len);
            set_head(wmap, head + len);
            break;
        }
        case 8: {
            uint16_t v;
            if (rd_bytes(&r, &v, 2))
                set_len(ring, rsize, c->cons - LIPC_RENT_ALIGN * (v % 64u), 0);
            break;
        }
        case 9: {
            uint8_t nf;
            uint16_t len;
            if (!rd_bytes(&r, &nf, 1) || !rd_bytes(&r, &len, 2))
                break;
            if (len > r.n)
                len = (uint16_t)r.n;
            struct lipc_hdr h = { .op = LIPC_OP_EV_MSG, .len = len, .nfds = nf % 4u };
            uint8_t *pkt = malloc(sizeof(h) + len);     /* exactly the packet */
            if (!pkt)
                abort();
            memcpy(pkt, &h, sizeof(h));
            memcpy(pkt + sizeof(h), r.p, len);
            subst_magic(pkt, sizeof(h), sizeof(h) + len, tid);
            r.p += len;
            r.n -= len;
            int fds[4];
            for (unsigned i = 0; i < h.nfds; i++)
                fds[i] = eventfd(0, EFD_CLOEXEC);
            materialise_locked(t, pkt, fds, h.nfds);    /* -ENOMEM: the runtime keeps a backlog; we drop */
            lipc_close_fds(fds, h.nfds);                /* those not taken by the message */
            free(pkt);
            break;
        }
        case 10: {
            uint8_t rv;
            uint32_t who;
            if (!rd_bytes(&r, &rv, 1) || !rd_bytes(&r, &who, 4))
                break;
            if (who == TID_MAGIC)
                who = tid;
            fz_grant(c, who, rv & 1);
            break;
        }
        }
        if (strict && c->sp_n > c->size / LIPC_RENT_ALIGN)
            fz_fail("more spans than the ring holds entries (the sender ignores the tail)");
        uint64_t tl = atomic_load(&ret->tail);
        if (tl < last_tail || tl > c->cons || tl != c->tail)
            fz_fail("return page tail out of order");
        last_tail = tl;
        lipc_mutex_unlock(&lipc_g.lock);
    }

    /* teardown: the user frees what it holds, the thread goes away */
    lipc_mutex_lock(&lipc_g.lock);
    for (unsigned i = 0; i < nheld; i++)
        user_free(held[i]);
    lipc_msg_thread_gone(t);        /* frees the inbox's messages and the inbox */
    if (lipc_g.inboxes)
        fz_fail("an inbox other than the calling thread's was created");
    if (lipc_g.pool.bytes_used != 0)
        fz_fail("pool not empty after every message was freed");
    if (c->sp_n != 0 || atomic_load(&ret->tail) != c->cons)
        fz_fail("ring space not returned to the sender");
    lipc_g.chin = NULL;
    lipc_mutex_unlock(&lipc_g.lock);

    chan_in_free(c);                /* unmaps the ring, return and peer pages, frees c */
    munmap(wmap, lipc_ring_map_len(rsize, false));
    close(ring_fd);
    free(t);
    free(lipc_g.rx);
    lipc_g.rx = NULL;
    free(lipc_g.priv);
    lipc_g.priv = NULL;
    lipc_g.mapped = false;
    lipc_pool_deinit(&lipc_g.pool);
    return 0;
}
