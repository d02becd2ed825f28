/*
 * Regression test (was a reproducer): any process gets a
 * direct channel to any task through a "reply" route, without access rights
 * and without having received a request, and sends it requests through it.
 *
 * op_route() (broker/brk_ops.c) checks access only for a request route; for
 * is_reply = 1 it only checks that the task exists in the named process, then
 * creates the channel and hands the sender its ring read-write.  Nothing ties
 * the route to a request the destination sent (LiteOS-A's IsValidReply is
 * done by the replier's own runtime only), and consume_one() accepts
 * MT_REQUEST entries on any channel.
 *
 * Processes: the broker; a server S: its main thread is the CMS, a second
 * thread T2 a service nobody was granted access to; a malicious process M
 * speaking the broker protocol itself (HELLO_PROC, MMAP, HELLO_THREAD, then
 * ROUTE{handle = T2, is_reply = 1, dst_pid = S}); the coordinator.  M checks
 * that a request route to T2 is refused (EACCES), takes the reply route,
 * writes one one-way MT_REQUEST for T2 into the ring and writes T2's wake
 * eventfd.  Expected: the reply route is refused, or T2 never receives a
 * request from M.  Fixed: the broker gives a reply route only towards a process that has a channel to the replier, and receivers accept requests only for granted threads.
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
static struct tdev_t2_server g_t2;

static int server_main(void *arg)
{
    (void)arg;
    return tdev_t2_server(&g_t2, POOL, g_coord, QUIT_CODE);
}

struct mal_args {
    pid_t t2, srv;
};

static int mal_main(void *arg)
{
    const struct mal_args *a = arg;
    int tc;
    (void)lipc_raw_hello(g_brk.sock, POOL, &tc);    /* both stay open until we exit */
    uint32_t tid = (uint32_t)lipc_gettid();
    int fds[8];
    unsigned nfds;

    /* a request route to T2: refused, nobody gave us access */
    struct lipc_route_req rq = { .handle = a->t2 };
    struct lipc_route_ack ack;
    nfds = 8;
    CHECK_EQ(lipc_raw_rpc(tc, LIPC_OP_ROUTE, &rq, sizeof(rq), &ack, sizeof(ack), fds, &nfds), -EACCES);
    /* a "reply" route to T2, though T2 never sent us a request */
    rq = (struct lipc_route_req){ .handle = a->t2, .is_reply = 1, .dst_pid = (uint32_t)a->srv };
    nfds = 8;
    int r = lipc_raw_rpc(tc, LIPC_OP_ROUTE, &rq, sizeof(rq), &ack, sizeof(ack), fds, &nfds);
    if (r < 0) {
        printf("reply route without a request refused: %s\n", strerror(-r));
        return 0;                           /* fixed */
    }
    CHECK_EQ(nfds, 4u);                     /* efd, ring (rw), ret (ro), dst page (ro) */
    size_t len = LIPC_RING_HDR_SIZE + ack.ring_size;
    uint8_t *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fds[1], 0);
    CHECK(map != MAP_FAILED);
    struct lipc_ring_ctl *ctl = (struct lipc_ring_ctl *)map;
    uint64_t head = atomic_load(&ctl->head);
    CHECK_EQ(head, 0);
    struct lipc_rent e = { .len = 64, .kind = LIPC_RENT_MSG, .type = MT_REQUEST, .code = 42,
                           .flag = LITEIPC_FLAG_ONEWAY, .target_handle = a->t2, .target_tid = (uint32_t)a->t2,
                           .timestamp = 1, .src_tid = tid };
    lipc_raw_ring_put(map, ack.ring_size, e);
    uint64_t one = 1;
    CHECK(write(fds[0], &one, sizeof(one)) == sizeof(one));    /* wake T2 */
    usleep(300000);                         /* stay connected while T2 takes it */
    return 0;
}

int main(void)
{
    tfailfast_init();
    g_coord = getpid();
    tbroker_start(&g_brk);
    tsync_init(&g_t2.ready);
    tsync_init(&g_t2.report);
    pid_t srv = tfork(server_main, NULL);
    struct mal_args a = { .t2 = (pid_t)tsync_wait_t(&g_t2.ready, 10000), .srv = srv };

    pid_t mal = tfork(mal_main, &a);
    struct pollfd p = { .fd = g_t2.report.p[0], .events = POLLIN };
    int got = poll(&p, 1, 2000);
    CHECK_EQ(lipc_test_wait_t(mal, 10000), 0);
    if (got == 1) {
        uint32_t from = tsync_wait(&g_t2.report);
        fprintf(stderr, "service thread %d (no access granted) received a request from pid %u%s\n", (int)a.t2,
                from, from == (uint32_t)mal ? " (through a reply route it took without a request)" : "");
        CHECK(from != (uint32_t)mal);
    }
    tdev_open_map(POOL);
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call_t(0, QUIT_CODE, NULL, 0, 5000, &in), 0);
    CHECK_EQ(lipc_test_wait_t(srv, 10000), 0);
    CHECK_EQ(lipc_test_broker_stop(&g_brk), 0);
    printf("test_scribble_reply_route: ok\n");
    return 0;
}
