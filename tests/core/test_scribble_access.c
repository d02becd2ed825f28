/*
 * Regression test (was a reproducer): a sender with a channel
 * to a process reaches every thread of that process, bypassing the access
 * table, by writing the target tid of its ring entries itself.
 *
 * The broker checks access when it resolves a route (op_route: EACCES if the
 * requesting process has no right to the handle).  But the channel it then
 * creates is per process pair, and consume_one() accepts any entry whose
 * target_tid is some thread of the receiving process (lipc_inbox_get_locked
 * with create = true): the target is not tied to a route the broker checked.
 *
 * Processes: the broker; a server S with two device threads: its main thread
 * is the CMS (handle 0, everyone may call it), a second thread T2 is a
 * service (its handle is its tid) nobody was granted access to; a malicious
 * sender M (this test's child) and the coordinator.
 * M: a call to handle 0 succeeds (the channel M->S exists); a call to T2's
 * handle fails with EACCES (the broker says no); then M writes a one-way
 * MT_REQUEST with target_tid = T2 straight into its ring to S and makes one
 * more call to handle 0 (S's main thread consumes the ring and wakes T2).
 * Expected: T2 never receives a request from M.  Fixed: receivers accept a request only for a thread the broker granted on that channel (EV_GRANT at route time).  LIPC_ACCESS_CONTROL=1 targets the CMS thread instead
 * (control: passes).
 */
#include "lipc_dev_util.h"
#include "lipc_proto.h"
#include "lipc_raw.h"

#include <stdbool.h>

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

static pid_t a_srv;

static int mal_main(void *arg)
{
    pid_t t2 = (pid_t)(intptr_t)arg;
    tdev_open_map(POOL);
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call_t(0, 1, "legit", 6, 3000, &in), 0);
    IpcContent c = { .flag = BUFF_FREE, .buffToFree = in };
    CHECK_EQ(lipc_send_recv(&c, 0), 0);
    CHECK_EQ(tdev_call_t(t2, 1, "nope", 5, 3000, &in), -EACCES);    /* no right to T2 */

    size_t size = 0;
    uint8_t *map = lipc_raw_own_ring(&size);
    struct lipc_ring_ctl *ctl = (struct lipc_ring_ctl *)map;
    uint64_t head = atomic_load(&ctl->head);
    CHECK((head % size) + 64 <= size);
    struct lipc_rent e = { .len = 64, .kind = LIPC_RENT_MSG, .type = MT_REQUEST, .code = 42,
                           .flag = LITEIPC_FLAG_ONEWAY, .target_handle = t2, .target_tid = (uint32_t)t2,
                           .timestamp = 1, .src_tid = (uint32_t)lipc_gettid() };
    if (getenv("LIPC_ACCESS_CONTROL"))
        e.target_tid = (uint32_t)a_srv;  /* control: to the CMS thread */
    lipc_raw_ring_put(map, size, e);
    /* no wake-up needed: the coordinator's next call makes S's main thread
     * scan every inbound ring, M's included */
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
    pid_t t2 = (pid_t)tsync_wait_t(&g_t2.ready, 10000);
    a_srv = srv;

    pid_t mal = tfork(mal_main, (void *)(intptr_t)t2);
    CHECK_EQ(lipc_test_wait_t(mal, 10000), 0);

    /* an honest call to the CMS: S's main thread scans its rings (M's too) */
    tdev_open_map(POOL);
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call_t(0, 1, "honest", 7, 3000, &in), 0);
    IpcContent c = { .flag = BUFF_FREE, .buffToFree = in };
    CHECK_EQ(lipc_send_recv(&c, 0), 0);

    struct pollfd p = { .fd = g_t2.report.p[0], .events = POLLIN };
    if (poll(&p, 1, 1000) == 1) {
        uint32_t from = tsync_wait(&g_t2.report);
        fprintf(stderr, "service thread %d (no access granted) received a request from pid %u%s\n", (int)t2,
                from, from == (uint32_t)mal ? " (the malicious sender)" : "");
        CHECK(from != (uint32_t)mal);
    }
    CHECK_EQ(tdev_call_t(0, QUIT_CODE, NULL, 0, 5000, &in), 0);
    CHECK_EQ(lipc_test_wait_t(srv, 10000), 0);
    CHECK_EQ(lipc_test_broker_stop(&g_brk), 0);
    printf("test_scribble_access: ok\n");
    return 0;
}
