/*
 * ring_fuzz.c - libFuzzer target for the direct-path ring consumer: the code
 * that parses entries another process (the sender) wrote into a ring we map
 * read-only (consume_one() in core/src/lipc_chan.c), and the receive/release
 * path that follows (pick_locked(), block_free_locked() in lipc_msg.c, the
 * span bookkeeping that advances the return page's tail).
 *
 * Unity build: consume_one() and friends are static, so this file includes
 * lipc_chan.c and lipc_msg.c; the rest of the runtime (lipc_dev.c,
 * lipc_pool.c, lipc_conn.c) is linked normally.  No broker, no sockets: the
 * runtime state a receiver has is built by hand (a real pool from
 * lipc_pool_init, lipc_g.rx, one inbound channel whose ring is a heap buffer
 * of exactly LIPC_RING_HDR_SIZE + ring size bytes, so ASan flags any read
 * past the ring, a zeroed return page and peer page, and the inbox of the
 * calling thread).
 *
 * Input (all little endian):
 *   u8  ring size selector     ring = ((b & 3) + 1) * 4 KiB
 *   u8  pool size selector     pool = ((b & 7) + 1) * 4 KiB
 *   u16 start                  cons = tail = start * 64 (consumption does not
 *                              begin at offset 0 of the ring)
 *   u16 n, then n bytes        initial ring contents, written at the start
 *                              position (clipped at the end of the ring)
 *   then operations until the input ends, one opcode byte each (mod 9):
 *     0 u16 v        head = cons + v                      (sender publishes)
 *     1 u64 v        head = v
 *     2 u16 o, u8 n, n bytes   ring[o % size ...] = bytes  (sender scribbles)
 *     3              consume_one()
 *     4              receive-only pick (the user's RECV); a message is kept
 *                    as "held by the user"
 *     5 u8 i         BUFF_FREE of held message i % nheld
 *     6 u64 ts       sync pick (waiting for the reply with timestamp ts)
 *     7 64 bytes     push an entry: header at head % size, head += its len
 *     8 u16 v        head = cons - v (backwards)
 * In every byte the harness writes into the ring, a 4-byte aligned word
 * 0xfffffff1 is replaced by the calling thread's tid, so that inputs can name
 * "a thread of the receiver" / "a thread of the sender" reproducibly (the
 * channel's sender is this process too).
 *
 * Oracles (abort on violation): a message handed out has a valid type, the
 * sender's identity from the channel, and its data lies inside the ring; the
 * return page's tail never passes cons nor goes backwards; after everything
 * is freed the pool is empty, no span is left and tail == cons (the sender
 * got all its space back).
 */
#include "../core/src/lipc_chan.c"
#include "../core/src/lipc_msg.c"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TID_MAGIC 0xfffffff1u
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
static void ring_write(uint8_t *ring, size_t rsize, size_t pos, const uint8_t *src, size_t n, uint32_t tid)
{
    pos %= rsize;
    if (n > rsize - pos)
        n = rsize - pos;
    memcpy(ring + pos, src, n);
    size_t a = (pos + 3) & ~(size_t)3;
    for (; a + 4 <= pos + n; a += 4) {
        uint32_t w;
        memcpy(&w, ring + a, 4);
        if (w == TID_MAGIC)
            memcpy(ring + a, &tid, 4);
    }
}

static void set_head(uint8_t *map, uint64_t v)
{
    atomic_store(&((struct lipc_ring_ctl *)map)->head, v);
}

static void check_msg(const struct lipc_chan_in *c, const IpcMsg *um)
{
    long off = lipc_pool_lookup(&lipc_g.pool, um);
    if (off < 0)
        fz_fail("picked message is not a pool block");
    const IpcMsg *m = lipc_pool_rw(&lipc_g.pool, (size_t)off);
    if (m->type != MT_REQUEST && m->type != MT_REPLY && m->type != MT_FAILED_REPLY)
        fz_fail("message type");
    if (m->processID != (uint32_t)c->src_pid || m->userID != c->src_uid || m->gid != c->src_gid)
        fz_fail("sender identity");
    if (m->spObjNum != 0 || m->offsets != NULL)
        fz_fail("direct-path message with objects");
    const uint8_t *lo = c->map + LIPC_RING_HDR_SIZE, *hi = lo + c->size;
    if (m->dataSz) {
        const uint8_t *d = m->data;
        if (d < lo + sizeof(struct lipc_rent) || d > hi || m->dataSz > (size_t)(hi - d))
            fz_fail("message data outside the ring");
    } else if (m->data) {
        fz_fail("data pointer without data");
    }
    /* touch every byte: ASan checks the bound above really holds */
    volatile uint8_t sink = 0;
    for (uint32_t i = 0; i < m->dataSz; i++)
        sink ^= ((const uint8_t *)m->data)[i];
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
    uint8_t *map = calloc(1, LIPC_RING_HDR_SIZE + rsize);
    struct lipc_ring_ret *ret = aligned_alloc(4096, 4096);
    struct lipc_pub_page *peer = calloc(1, LIPC_PUB_PAGE_SIZE);
    struct lipc_chan_in *c = calloc(1, sizeof(*c));
    struct lipc_inbox *ib = calloc(1, sizeof(*ib));
    struct lipc_thr *t = calloc(1, sizeof(*t));
    if (!lipc_g.rx || !map || !ret || !peer || !c || !ib || !t)
        abort();
    memset(ret, 0, 4096);
    uint8_t *ring = map + LIPC_RING_HDR_SIZE;
    c->id = 1;
    c->src_pid = getpid();          /* the sender: this process (tids can be named) */
    c->src_uid = 1000;
    c->src_gid = 1001;
    c->map = map;
    c->size = rsize;
    c->ret = ret;
    c->peer = peer;
    pthread_mutex_init(&c->lock, NULL);
    c->cons = c->tail = (uint64_t)start * 64;
    atomic_store(&ret->tail, c->tail);
    set_head(map, c->cons);
    lipc_g.chin = c;
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
        pthread_mutex_lock(&lipc_g.lock);
        switch (op % 9) {
        case 0: {
            uint16_t v;
            if (rd_bytes(&r, &v, 2))
                set_head(map, c->cons + v);
            break;
        }
        case 1: {
            uint64_t v;
            if (rd_bytes(&r, &v, 8))
                set_head(map, v);
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
                consume_one(c, t);
            break;
        case 4: {
            struct wait_ctx w = { .sync = false };
            IpcMsg *m = NULL;
            int k = pick_locked(t, &w, &m);
            if (k < 0)
                fz_fail("receive-only pick returned an error");
            if (k == 1) {
                check_msg(c, m);
                if (m->type != MT_REQUEST)
                    fz_fail("receive-only pick handed out a reply");
                long off = lipc_pool_lookup(&lipc_g.pool, m);
                if (nheld < MAX_HELD) {
                    held[nheld++] = (size_t)off;
                } else {            /* the user frees it at once */
                    rx_at((size_t)off)->user = 0;
                    block_free_locked((size_t)off, false);
                }
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
            if (!rx_at(off)->user)
                fz_fail("held message not marked as the user's");
            rx_at(off)->user = 0;
            block_free_locked(off, false);
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
                if (m->type != MT_REPLY || m->timestamp != ts)
                    fz_fail("sync pick handed out a non-matching message");
                long off = lipc_pool_lookup(&lipc_g.pool, m);
                rx_at((size_t)off)->user = 0;
                block_free_locked((size_t)off, false);
            } else if (k < 0 && k != -ENOENT) {
                fz_fail("sync pick: unexpected error");
            }
            break;
        }
        case 7: {
            uint8_t hdr[sizeof(struct lipc_rent)];
            if (!rd_bytes(&r, hdr, sizeof(hdr)))
                break;
            uint64_t head = atomic_load(&ring_ctl(map)->head);
            ring_write(ring, rsize, (size_t)(head % rsize), hdr, sizeof(hdr), tid);
            struct lipc_rent e;
            memcpy(&e, hdr, sizeof(e));
            set_head(map, head + e.len);
            break;
        }
        case 8: {
            uint16_t v;
            if (rd_bytes(&r, &v, 2))
                set_head(map, c->cons - v);
            break;
        }
        }
        uint64_t tl = atomic_load(&ret->tail);
        if (tl < last_tail || tl > c->cons || tl != c->tail)
            fz_fail("return page tail out of order");
        last_tail = tl;
        pthread_mutex_unlock(&lipc_g.lock);
    }

    /* teardown: the user frees what it holds, the thread goes away */
    pthread_mutex_lock(&lipc_g.lock);
    for (unsigned i = 0; i < nheld; i++) {
        rx_at(held[i])->user = 0;
        block_free_locked(held[i], false);
    }
    lipc_msg_thread_gone(t);        /* frees the inbox's messages and the inbox */
    if (lipc_g.inboxes)
        fz_fail("an inbox other than the calling thread's was created");
    if (lipc_g.pool.bytes_used != 0)
        fz_fail("pool not empty after every message was freed");
    if (c->sp_n != 0 || atomic_load(&ret->tail) != c->cons)
        fz_fail("ring space not returned to the sender");
    lipc_g.chin = NULL;
    pthread_mutex_unlock(&lipc_g.lock);

    pthread_mutex_destroy(&c->lock);
    free(c->spans);
    free(c);
    free(t);
    free(peer);
    free(ret);
    free(map);
    free(lipc_g.rx);
    lipc_g.rx = NULL;
    lipc_g.mapped = false;
    lipc_pool_deinit(&lipc_g.pool);
    return 0;
}
