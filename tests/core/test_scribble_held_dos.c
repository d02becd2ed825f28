/*
 * Regression test (was a reproducer): broker-path messages that carry a
 * ticket nobody redeems stay in the receiver's pool forever; once it is
 * full, the receiver's calls fail.
 *
 * materialise_locked() puts a broker-path message with wm.ticket != 0 on the
 * thread's "held" list, to be taken when the TICKET entry with that number
 * reaches it through the sender's ring (ordering with the direct path).  The
 * ticket number is the sender's (the broker passes it through), and nothing
 * ever drops a held message whose ticket never comes: it stays in the pool,
 * and it counts in pool_used, so the broker refuses every later broker-path
 * message to that process (ENOMEM) and direct-path messages stay in their
 * rings.  Sending one needs no access right: an MT_REPLY goes to any task
 * whose process the sender names (op_send checks only that).
 *
 * Processes: the broker; a CMS server S (echo); a malicious process M
 * speaking the broker protocol itself: it sends empty MT_REPLY messages with
 * ticket 0x7777 to the coordinator's thread until the broker says ENOMEM
 * (512 of them for a 64 KiB pool); the coordinator, a plain client of S.  Expected: its calls to
 * S keep working.  Fixed: the broker refuses replies towards a process that did not ask and tickets on anything but requests; a reply is taken only by a thread waiting for it; a held message whose ticket never comes is delivered after 1 s.  LIPC_HELD_DOS_CONTROL=1
 * sends the same messages with ticket 0 (control: the runtime drops replies
 * nobody waits for; passes).
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
    static struct {
        struct lipc_wire_msg wm;
    } m;
    m.wm = (struct lipc_wire_msg){ .type = MT_REPLY, .target_handle = a->victim,
                                   .timestamp = 1, .pid = (uint32_t)a->victim,
                                   .ticket = getenv("LIPC_HELD_DOS_CONTROL") ? 0 : 0x7777 };
    /* empty ones: one pool block of the smallest size each, so that they
     * fill every hole of the victim's pool */
    uint32_t sent = 0;
    for (int i = 0; i < 4096; i++) {
        int r = lipc_raw_rpc(tc, LIPC_OP_SEND, &m, sizeof(m), NULL, 0, NULL, NULL);
        if (r == -ENOMEM)
            break;                          /* the victim's pool is full */
        if (r == -EINVAL && i == 0) {
            /* refused by the broker: a reply needs a requester that asked,
             * and only requests carry tickets */
            printf("unsolicited ticketed reply refused by the broker (EINVAL)\n");
            break;
        }
        CHECK_EQ(r, 0);
        sent++;
    }
    tsync_post(&a->done, sent);
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
    printf("malicious process %d sent %u ticketed replies to thread %d\n", (int)mal, n, (int)a.victim);
    /* a wait takes the broker's events in (as any wait that sleeps does);
     * replies nobody waits for are dropped by a receive */
    CHECK_EQ(tdev_recv_t(100, &in), -ETIME);
    for (int i = 0; i < 3; i++) {
        int r = tdev_call_t(0, 1, "after", 6, 2000, &in);
        if (r != 0)
            fprintf(stderr, "call %d: %s (the pool is full of held messages whose ticket never comes)\n", i,
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
    printf("test_scribble_held_dos: ok\n");
    return 0;
}
