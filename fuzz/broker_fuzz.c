/*
 * broker_fuzz.c - libFuzzer target for the broker's packet handling
 * (brk_handle_packet() and the ops in broker/brk_ops.c, with the state they
 * touch in broker/brk_state.c): every packet a client sends is parsed there.
 *
 * A broker is created once with brk_new() on a socket in a temporary
 * directory (nothing connects to it: the harness makes its connections by
 * hand).  Per input, four connections are made, each a struct bconn on one
 * end of a socketpair(AF_UNIX, SOCK_SEQPACKET) with the fuzzer's own
 * pid/uid/gid as credentials (what SO_PEERCRED would give); the input is
 * split into packets that are handed to brk_handle_packet() exactly as
 * brk.c's conn_readable() would (a buffer of exactly the received size, the
 * header's len and nfds consistent with it, as lipc_conn_recv() guarantees);
 * the replies and events are drained from the other ends after each packet.
 * At the end, the connections go away as brk.c's conn_gone() handles an EOF
 * (thread connections first, then the process connection) and the harness
 * checks that the broker holds no process, task or connection any more.
 *
 * Input (little endian):
 *   u8 flags     bit 0: handshake first: HELLO_PROC on connection 0, MMAP of
 *                       a 64 KiB pool, HELLO_THREAD(own tid) on connection 1
 *                bit 1: then SET_CMS(4096) on connection 1
 *   packets until the input ends:
 *     u8 conn (mod 4), u8 op, u16 len, u8 nfds (mod 5), then len payload bytes
 *   op: the raw value for op < 0x40 (LIPC_OP_HELLO_PROC = 1 ...), except 0x3f:
 *   no packet, the connection hangs up (EOF, as brk.c's conn_gone()), so
 *   thread and process deaths happen in the middle of an input; otherwise an
 *   event or reply code (0x100 | (op & 3), or LIPC_OP_REPLY | (op & 15)).
 *   nfds eventfds travel with the packet.  In the payload, every 4-byte aligned
 *   word 0xfffffff1 is replaced by the fuzzer's tid, 0xfffffff3 by the tid of
 *   a second thread of the fuzzer (idle, so a second task can exist) and
 *   0xfffffff2 by its pid, so that inputs can name live tasks reproducibly.
 */
#include "brk.h"
#include "lipc_conn.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NCONN 4

static struct brk *g_b;
static pid_t g_helper_tid;

static void *helper_main(void *arg)
{
    __atomic_store_n(&g_helper_tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
    for (;;)
        pause();
    return arg;
}
static char g_dir[64];

static void fz_fail(const char *what)
{
    fprintf(stderr, "broker_fuzz: %s\n", what);
    abort();
}

static void cleanup_dir(void)
{
    if (g_b) {
        brk_free(g_b);
        g_b = NULL;
    }
    char p[128];
    snprintf(p, sizeof(p), "%s/liteipcd.sock", g_dir);
    unlink(p);
    rmdir(g_dir);
}

static struct brk *broker(void)
{
    if (g_b)
        return g_b;
    snprintf(g_dir, sizeof(g_dir), "/tmp/lipc-brkfuzz-XXXXXX");
    if (!mkdtemp(g_dir))
        fz_fail("mkdtemp");
    char p[128];
    snprintf(p, sizeof(p), "%s/liteipcd.sock", g_dir);
    if (brk_new(p, &g_b) != 0)
        fz_fail("brk_new");
    pthread_t th;
    if (pthread_create(&th, NULL, helper_main, NULL) != 0)
        fz_fail("pthread_create");
    while (!__atomic_load_n(&g_helper_tid, __ATOMIC_ACQUIRE))
        usleep(100);
    atexit(cleanup_dir);
    return g_b;
}

struct fconn {
    struct bconn *c;            /* NULL once the broker closed it */
    int peer;                   /* our end */
    int idx;
};

static int g_verbose = -1;       /* BROKER_FUZZ_VERBOSE=1: print every reply and event */

static bool conn_alive(struct brk *b, struct bconn *c)
{
    for (struct bconn *x = b->conns; x; x = x->next_all)
        if (x == c)
            return true;
    return false;
}

static void drain(struct fconn *fc)
{
    char buf[4096 + sizeof(struct lipc_hdr)];
    for (;;) {
        int fds[LIPC_MAX_FDS];
        unsigned nfds = LIPC_MAX_FDS;
        ssize_t n = lipc_conn_recv(fc->peer, buf, sizeof(buf), fds, &nfds, MSG_DONTWAIT);
        lipc_close_fds(fds, nfds);
        if (n <= 0 && n != -EPROTO)
            return;
        if (n > 0 && g_verbose) {
            const struct lipc_hdr *h = (const struct lipc_hdr *)buf;
            fprintf(stderr, "broker_fuzz: conn %d <- op %#x result %d len %u nfds %u\n", fc->idx, h->op,
                    h->result, h->len, nfds);
        }
    }
}

static void send_pkt(struct brk *b, struct fconn *fc, uint32_t op, const void *pl, size_t len, unsigned nfds)
{
    if (fc->c && !conn_alive(b, fc->c))
        fc->c = NULL;
    if (!fc->c)
        return;
    char *buf = malloc(sizeof(struct lipc_hdr) + len);     /* exactly the packet */
    if (!buf)
        return;
    struct lipc_hdr h = { .op = op, .seq = 1, .len = (uint32_t)len, .nfds = nfds };
    memcpy(buf, &h, sizeof(h));
    if (len)
        memcpy(buf + sizeof(h), pl, len);
    int fds[LIPC_MAX_FDS];
    for (unsigned i = 0; i < nfds; i++)
        fds[i] = eventfd(0, EFD_CLOEXEC);
    brk_handle_packet(b, fc->c, buf, fds, nfds);
    free(buf);
    if (!conn_alive(b, fc->c))
        fc->c = NULL;
}

static void conn_gone(struct brk *b, struct fconn *fc)
{
    struct bconn *c = fc->c;
    if (c && conn_alive(b, c)) {        /* as brk.c conn_gone() on EOF */
        if (c->kind == 1 && c->proc) {
            c->proc->pconn = NULL;
            brk_proc_death(b, c->proc);
        } else if (c->kind == 2 && c->task) {
            struct btask *t = c->task;
            t->conn = NULL;
            brk_task_death(b, t);
        }
        if (conn_alive(b, c))
            brk_conn_close(b, c);
    }
    fc->c = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct brk *b = broker();
    const pid_t pid = getpid(), tid = (pid_t)syscall(SYS_gettid);
    if (size < 1)
        return 0;
    if (g_verbose < 0)
        g_verbose = getenv("BROKER_FUZZ_VERBOSE") != NULL;
    b->cms.ever = false;            /* no state carried over from the last input */

    struct fconn fc[NCONN];
    for (int i = 0; i < NCONN; i++) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0)
            fz_fail("socketpair");
        struct bconn *c = calloc(1, sizeof(*c));
        if (!c)
            fz_fail("calloc");
        c->ep.type = EP_CONN;
        c->ep.fd = sv[0];
        c->pid = pid;
        c->uid = getuid();
        c->gid = getgid();
        c->outq_tail = &c->outq;
        c->next_all = b->conns;
        b->conns = c;
        b->nconns++;
        fc[i].c = c;
        fc[i].peer = sv[1];
        fc[i].idx = i;
    }

    uint8_t flags = data[0];
    if (flags & 1) {
        uint64_t pool = 64 * 1024;
        uint32_t t32 = (uint32_t)tid;
        send_pkt(b, &fc[0], LIPC_OP_HELLO_PROC, NULL, 0, 0);
        send_pkt(b, &fc[0], LIPC_OP_MMAP, &pool, sizeof(pool), 0);
        send_pkt(b, &fc[1], LIPC_OP_HELLO_THREAD, &t32, sizeof(t32), 0);
        if (flags & 2) {
            uint64_t max = 4096;
            send_pkt(b, &fc[1], LIPC_OP_SET_CMS, &max, sizeof(max), 0);
        }
        for (int i = 0; i < NCONN; i++)
            drain(&fc[i]);
    }

    size_t at = 1;
    unsigned npkts = 0;
    while (at + 5 <= size && npkts++ < 256) {
        uint8_t sel = data[at], opb = data[at + 1], nf = data[at + 4] % 5;
        uint16_t len;
        memcpy(&len, data + at + 2, 2);
        at += 5;
        if (len > size - at)
            len = (uint16_t)(size - at);
        uint32_t op = opb < 0x40 ? opb : (opb & 0x80) ? (LIPC_OP_REPLY | (opb & 15u)) : (0x100u | (opb & 3u));
        uint8_t *pl = malloc(len ? len : 1);
        if (!pl)
            fz_fail("malloc");
        memcpy(pl, data + at, len);
        at += len;
        for (size_t k = 0; k + 4 <= len; k += 4) {
            uint32_t w;
            memcpy(&w, pl + k, 4);
            if (w == 0xfffffff1u)
                w = (uint32_t)tid;
            else if (w == 0xfffffff3u)
                w = (uint32_t)g_helper_tid;
            else if (w == 0xfffffff2u)
                w = (uint32_t)pid;
            memcpy(pl + k, &w, 4);
        }
        struct fconn *f = &fc[sel % NCONN];
        if (opb == 0x3f) {
            if (f->c && !conn_alive(b, f->c))
                f->c = NULL;
            conn_gone(b, f);
        } else {
            send_pkt(b, f, op, pl, len, nf);
        }
        free(pl);
        for (int i = 0; i < NCONN; i++)
            drain(&fc[i]);
    }

    /* the connections hang up: thread connections first, as when a process
     * exits its threads go before its process connection */
    for (int pass = 0; pass < 3; pass++)
        for (int i = 0; i < NCONN; i++) {
            if (fc[i].c && !conn_alive(b, fc[i].c))
                fc[i].c = NULL;
            if (!fc[i].c)
                continue;
            int kind = fc[i].c->kind;
            if ((pass == 0 && kind == 2) || (pass == 1 && kind == 0) || pass == 2)
                conn_gone(b, &fc[i]);
        }
    for (int i = 0; i < NCONN; i++) {
        drain(&fc[i]);
        close(fc[i].peer);
    }
    /* a process whose process connection is gone dies with it; one that never
     * had one (impossible here) would be reaped through its pidfd */
    struct bproc *p = brk_proc_find(b, pid);
    if (p)
        brk_proc_death(b, p);
    if (b->nprocs || b->ntasks || b->nconns || b->conns)
        fz_fail("broker state left over after every connection closed");
    return 0;
}
