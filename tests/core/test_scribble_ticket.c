/*
 * Regression test (was a reproducer): one forged TICKET entry in a
 * sender's ring blocks the receiver's receive loop for every other client.
 *
 * A ticket entry stands for a broker-path message of the same sender that
 * must be taken at that point (ordering).  consume_one() queues a ticket
 * whose fields look valid (len 64, kind LIPC_RENT_TICKET, target_tid = a
 * thread of the receiver, src_tid = a thread of the sender) into the target
 * thread's inbox; pick_locked() in a receive-only wait stops at an unresolved
 * ticket at the head of the inbox ("keep the order: wait for it") and returns
 * nothing, whatever else is queued behind it.  If the matching broker message
 * never comes (the sender simply never sends one), the receiver's RECV never
 * returns a message again: every honest client's call times out, also after
 * the malicious sender has exited.
 *
 * Processes: the broker; a CMS server S (one IPC thread, echoes); a malicious
 * sender M that makes one legit call, then appends a TICKET entry with a
 * ticket number nobody sends to its ring (straight into its own read-write
 * mapping) and publishes head; an honest client H (this process).
 * Expected: H's calls keep succeeding (the bogus ticket may hold back M's own
 * later messages, nobody else's).  Fixed: an unresolved ticket is waited for 50 ms at most, then dropped.
 * LIPC_TICKET_CONTROL=1 writes the same entry as a PAD (control: passes).
 */
#include "lipc_dev_util.h"
#include "lipc_proto.h"
#include "lipc_raw.h"

#include <stdbool.h>

#define POOL (64 * 1024)
#define QUIT_CODE 99

static struct lipc_test_broker g_brk;
static pid_t g_coord;

static int server_main(void *arg)
{
    return tdev_echo_cms(POOL, arg, g_coord, QUIT_CODE);
}

struct mal_args {
    pid_t srv;
    struct tsync done, go;
};

static int mal_main(void *arg)
{
    struct mal_args *a = arg;
    tdev_open_map(POOL);
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call_t(0, 1, "legit", 6, 3000, &in), 0);
    IpcContent c = { .flag = BUFF_FREE, .buffToFree = in };
    CHECK_EQ(lipc_send_recv(&c, 0), 0);

    /* our ring to the server: the only read-write liteipc-ring mapping */
    size_t size = 0;
    uint8_t *map = lipc_raw_own_ring(&size);
    struct lipc_ring_ctl *ctl = (struct lipc_ring_ctl *)map;
    uint64_t head = atomic_load(&ctl->head);
    CHECK((head % size) + 64 <= size);
    struct lipc_rent e = { .len = 64, .kind = LIPC_RENT_TICKET, .target_tid = (uint32_t)a->srv,
                           .timestamp = 0xdead0001ull, .src_tid = (uint32_t)lipc_gettid() };
    if (getenv("LIPC_TICKET_CONTROL"))
        e.kind = LIPC_RENT_PAD;         /* control run: the same entry as a PAD passes */
    lipc_raw_ring_put(map, size, e);
    tsync_post(&a->done, 1);
    tsync_wait_t(&a->go, 30000);        /* stay alive while the honest client calls */
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

    struct mal_args a = { .srv = srv };
    tsync_init(&a.done);
    tsync_init(&a.go);
    pid_t mal = tfork(mal_main, &a);
    CHECK_EQ(tsync_wait_t(&a.done, 10000), 1);

    tdev_open_map(POOL);
    for (int i = 0; i < 3; i++) {
        IpcMsg *in = NULL;
        int r = tdev_call_t(0, 1, "honest", 7, 2000, &in);
        if (r != 0)
            fprintf(stderr, "honest call %d after a forged ticket: %s (the server's receive loop waits for "
                            "a broker message that never comes)\n", i, strerror(-r));
        CHECK_EQ(r, 0);
        IpcContent c = { .flag = BUFF_FREE, .buffToFree = in };
        CHECK_EQ(lipc_send_recv(&c, 0), 0);
    }
    tsync_post(&a.go, 1);
    CHECK_EQ(lipc_test_wait_t(mal, 10000), 0);
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call_t(0, QUIT_CODE, NULL, 0, 5000, &in), 0);
    CHECK_EQ(lipc_test_wait_t(srv, 10000), 0);
    CHECK_EQ(lipc_test_broker_stop(&g_brk), 0);
    printf("test_scribble_ticket: ok\n");
    return 0;
}
