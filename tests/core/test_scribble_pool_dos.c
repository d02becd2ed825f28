/*
 * Regression test (was a reproducer): forged requests for a thread that
 * only makes calls fill its process's pool for good, and its calls fail from
 * then on.
 *
 * consume_one() allocates an IpcMsg in the receiver's pool for every valid
 * MT_REQUEST entry and queues it in the target thread's inbox.  A thread that
 * only makes sync calls never takes requests (pick_locked() in a sync wait
 * keeps them "for a later receive"), so they stay in the pool forever.  Once
 * the pool is full, the replies that thread waits for stay in their rings
 * ("pool full: it stays in the ring") and every call times out, also after
 * the sender has gone.  Any process can get a channel to any task (a reply
 * route needs no request, see test_scribble_reply_route.c); a service the
 * victim calls already has one.
 *
 * Processes: the broker; a CMS server S (echo); a malicious process M
 * speaking the broker protocol itself: it takes a reply route to the
 * coordinator's thread and fills the ring with one-way MT_REQUEST entries
 * for it; the coordinator, a plain client of S.  Expected: the coordinator's
 * calls to S keep working.  Fixed: requests need a broker grant for their target thread, reply routes go only towards a process that asked, and requests may not use the pool's reply reserve.
 * LIPC_POOL_DOS_CONTROL=1 writes 10 requests only (control: passes).
 */
#include "lipc_dev_util.h"
#include "lipc_proto.h"
#include "lipc_raw.h"

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>

#define POOL (64 * 1024)
#define QUIT_CODE 99

static struct lipc_test_broker g_brk;
static pid_t g_coord;

static int server_main(void *arg)
{
    return tdev_echo_cms(POOL, arg, g_coord, QUIT_CODE);
}

struct mal_args {
    pid_t victim;
    struct tsync done, go;
};

static int mal_main(void *arg)
{
    struct mal_args *a = arg;
    int tc;
    (void)lipc_raw_hello(g_brk.sock, POOL, &tc);    /* both stay open until we exit */
    uint32_t tid = (uint32_t)lipc_gettid();
    int fds[8];
    unsigned nfds;
    struct lipc_route_req rq = { .handle = a->victim, .is_reply = 1, .dst_pid = (uint32_t)a->victim };
    struct lipc_route_ack ack;
    nfds = 8;
    int r = lipc_raw_rpc(tc, LIPC_OP_ROUTE, &rq, sizeof(rq), &ack, sizeof(ack), fds, &nfds);
    if (r < 0) {
        printf("reply route without a request refused: %s\n", strerror(-r));
        tsync_post(&a->done, 0);
        return 0;
    }
    CHECK_EQ(nfds, 4u);
    size_t len = LIPC_RING_HDR_SIZE + ack.ring_size;
    uint8_t *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fds[1], 0);
    CHECK(map != MAP_FAILED);
    struct lipc_ring_ctl *ctl = (struct lipc_ring_ctl *)map;
    uint32_t n = ack.ring_size / 64 - 1;        /* all the ring takes: one unit stays free */
    if (getenv("LIPC_POOL_DOS_CONTROL"))
        n = 10;                             /* control: a few only, the pool has room */
    for (uint32_t i = 0; i < n; i++) {
        struct lipc_rent e = { .len = 64, .kind = LIPC_RENT_MSG, .type = MT_REQUEST, .code = 1,
                               .target_handle = a->victim, .target_tid = (uint32_t)a->victim,
                               .timestamp = i + 1, .src_tid = tid };
        lipc_raw_ring_put(map, ack.ring_size, e);
    }
    CHECK_EQ(atomic_load(&ctl->head), (uint64_t)n * 64);
    tsync_post(&a->done, n);
    tsync_wait_t(&a->go, 30000);
    return 0;
}

int main(void)
{
    tfailfast_init();
    g_coord = getpid();
    tbroker_start(&g_brk);
    struct tsync ready;
    tsync_init(&ready);
    pid_t srv = tfork(server_main, &ready);
    CHECK_EQ(tsync_wait_t(&ready, 10000), (uint32_t)srv);

    tdev_open_map(POOL);
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call_t(0, 1, "before", 7, 3000, &in), 0);    /* our thread is a task now */
    IpcContent c = { .flag = BUFF_FREE, .buffToFree = in };
    CHECK_EQ(lipc_send_recv(&c, 0), 0);

    struct mal_args a = { .victim = lipc_gettid() };
    tsync_init(&a.done);
    tsync_init(&a.go);
    pid_t mal = tfork(mal_main, &a);
    uint32_t n = tsync_wait_t(&a.done, 10000);
    printf("malicious process %d wrote %u requests for thread %d\n", (int)mal, n, (int)a.victim);
    for (int i = 0; i < 3; i++) {
        int r = tdev_call_t(0, 1, "after", 6, 2000, &in);
        if (r != 0)
            fprintf(stderr, "call %d after the flood: %s (the pool is full of requests nobody takes)\n", i,
                    strerror(-r));
        CHECK_EQ(r, 0);
        c = (IpcContent){ .flag = BUFF_FREE, .buffToFree = in };
        CHECK_EQ(lipc_send_recv(&c, 0), 0);
    }
    tsync_post(&a.go, 1);
    CHECK_EQ(lipc_test_wait_t(mal, 10000), 0);
    CHECK_EQ(tdev_call_t(0, QUIT_CODE, NULL, 0, 5000, &in), 0);
    CHECK_EQ(lipc_test_wait_t(srv, 10000), 0);
    CHECK_EQ(lipc_test_broker_stop(&g_brk), 0);
    printf("test_scribble_pool_dos: ok\n");
    return 0;
}
