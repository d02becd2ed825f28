/*
 * The ring between two processes is shared by all their threads:
 *  1. a message one thread holds (received, not freed) must not stop the
 *     others: thread A of the client keeps a reply, thread B then makes
 *     several rings' worth of calls to the same server (small messages are
 *     copied out of the ring when taken in, docs/ARCHITECTURE.md);
 *  2. any message up to the pool size less 128 bytes fits whatever the
 *     ring's write position: calls alternating 100 B and the largest size
 *     move the position all over the ring (its data is mapped twice, so an
 *     entry that passes the end runs on), data checked both ways; one byte
 *     more is ENOMEM at once;
 *  3. a server thread that holds a large request (read in place) while it
 *     works does not lose anything: the calls queued behind it are answered
 *     once it frees it.
 */
#include "lipc_dev_util.h"

#define POOL (64 * 1024)
#define MAXDATA (POOL - 128)            /* 64-byte entry header + the unit a ring keeps free */

enum { C_ECHO = 1, C_HOLD = 2, C_QUIT = 3 };

static struct lipc_test_broker g_brk;

static void fill(uint8_t *b, uint32_t n, uint32_t seed)
{
    for (uint32_t i = 0; i < n; i++)
        b[i] = (uint8_t)(seed * 131 + i * 7);
}

/* The CMS: echoes each request's data (C_HOLD: keeps the request for
 * 200 ms before answering it, as a service busy with it would). */
static int server_main(void *arg)
{
    struct tsync *ready = arg;
    int fd = tdev_open_map(POOL);
    CHECK_EQ(lipc_dev_ioctl(fd, IPC_SET_CMS, (void *)(uintptr_t)(1 << 20)), 0);
    tsync_post(ready, (uint32_t)lipc_gettid());
    for (;;) {
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_recv(fd, &in), 0);
        if (in->code == C_QUIT) {
            CHECK_EQ(tdev_reply(fd, in, MT_REPLY, NULL, 0), 0);
            return 0;
        }
        if (in->code == C_HOLD)
            usleep(200 * 1000);
        /* the native call: no IPC_MSG_DATA_SZ_MAX */
        IpcMsg m = { .type = MT_REPLY, .target.handle = (int32_t)in->taskID, .code = in->code,
                     .timestamp = in->timestamp, .dataSz = in->dataSz, .data = (void *)in->data };
        IpcContent c = { .flag = SEND | BUFF_FREE, .outMsg = &m, .buffToFree = in };
        CHECK_EQ(lipc_send_recv(&c, 0), 0);
    }
}

static uint8_t g_out[MAXDATA + 1], g_exp[MAXDATA + 1];

static void call_check(uint32_t code, uint32_t n, uint32_t seed)
{
    fill(g_out, n, seed);
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call_t(0, code, g_out, n, 5000, &in), 0);
    CHECK_EQ(in->dataSz, n);
    CHECK(n == 0 || memcmp(in->data, g_out, n) == 0);
    IpcContent f = { .flag = BUFF_FREE, .buffToFree = in };
    CHECK_EQ(lipc_send_recv(&f, 0), 0);
}

struct holder {
    struct tsync got, release;
};

static void *holder_main(void *arg)
{
    struct holder *h = arg;
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call_t(0, C_ECHO, "kept", 5, 5000, &in), 0);
    tsync_post(&h->got, 1);
    CHECK_EQ(tsync_wait_t(&h->release, 60000), 1);
    CHECK_EQ(in->dataSz, 5);
    CHECK(!memcmp(in->data, "kept", 5));            /* still intact */
    IpcContent f = { .flag = BUFF_FREE, .buffToFree = in };
    CHECK_EQ(lipc_send_recv(&f, 0), 0);
    return NULL;
}

struct queued {
    int n_ok;
};

static void *queued_main(void *arg)
{
    struct queued *q = arg;
    for (int i = 0; i < 20; i++) {
        char b[32];
        int len = snprintf(b, sizeof(b), "queued %d", i) + 1;
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_call_t(0, C_ECHO, b, (uint32_t)len, 5000, &in), 0);
        CHECK(!memcmp(in->data, b, (size_t)len));
        IpcContent f = { .flag = BUFF_FREE, .buffToFree = in };
        CHECK_EQ(lipc_send_recv(&f, 0), 0);
        q->n_ok++;
    }
    return NULL;
}

int main(void)
{
    tfailfast_init();
    tbroker_start(&g_brk);
    struct tsync ready;
    tsync_init(&ready);
    pid_t srv = tfork(server_main, &ready);
    CHECK(tsync_wait_t(&ready, 10000) != 0);
    tdev_open_map(POOL);

    /* 1. one held reply, then 4 rings' worth of calls from another thread */
    struct holder h;
    tsync_init(&h.got);
    tsync_init(&h.release);
    pthread_t th = tthread(holder_main, &h);
    CHECK_EQ(tsync_wait_t(&h.got, 10000), 1);
    uint32_t calls = 4 * POOL / 128;
    for (uint32_t i = 0; i < calls; i++)
        call_check(C_ECHO, 60, i);
    tsync_post(&h.release, 1);
    tthread_join(th);
    printf("1. a held reply: %u calls of another thread went through\n", calls);

    /* 2. the largest message at every position of the ring */
    for (uint32_t i = 0; i < 120; i++)
        call_check(C_ECHO, i % 3 == 2 ? MAXDATA : 100 + 64 * (i % 7), i);
    fill(g_exp, 1, 0);
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call_t(0, C_ECHO, g_exp, MAXDATA + 1, 5000, &in), -ENOMEM);   /* never fits */
    printf("2. 120 calls of 100 B..%u B, the largest one third of them, at every ring position\n",
           (unsigned)MAXDATA);

    /* 3. the server holds a large request (read in place) for 200 ms while
     *    another thread's calls queue behind it */
    struct queued q = { 0 };
    pthread_t tq = tthread(queued_main, &q);
    call_check(C_HOLD, 40000, 77);
    tthread_join(tq);
    CHECK_EQ(q.n_ok, 20);
    printf("3. a held 40 KB request: the 20 calls queued behind it answered\n");

    IpcMsg *bye = NULL;
    CHECK_EQ(tdev_call_t(0, C_QUIT, NULL, 0, 5000, &bye), 0);
    CHECK_EQ(lipc_test_wait_t(srv, 10000), 0);
    CHECK_EQ(lipc_test_broker_stop(&g_brk), 0);
    printf("test_ring_hol: ok\n");
    return 0;
}
