/*
 * A server that replies and then exits at once (thread exit, or process
 * exit): the caller must get the reply.  The failed reply that the
 * deviation "a caller blocked on a dying task gets ENOENT within 50 ms"
 * produces must never replace a reply that was already sent.
 *   (a) a thread of our own process serves one request and exits;
 *   (b) a forked process becomes the CMS (possible again once the previous
 *       CMS process is gone, deviation 3), serves one request and _exits.
 */
#include "lipc_dev_util.h"

static struct lipc_test_broker g_brk;
static int g_fd;
static struct tsync g_ready;

static void *one_shot(void *arg)
{
    (void)arg;
    tdev_touch();
    tsync_post(&g_ready, (uint32_t)lipc_gettid());
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_recv_t(5000, &in), 0);
    uint32_t v = in->code * 3;
    CHECK_EQ(tdev_reply(g_fd, in, MT_REPLY, &v, sizeof(v)), 0);
    return NULL;                        /* exits right after the reply */
}

static int cms_once(void *arg)
{
    (void)arg;
    int fd = tdev_open_map(16 * 4096);
    int r;
    /* the previous CMS process may not be known dead yet */
    for (int i = 0; (r = lipc_dev_ioctl(fd, IPC_SET_CMS, (void *)(uintptr_t)4096)) < 0 && errno == EEXIST &&
                    i < 2000; i++)
        usleep(1000);
    CHECK_EQ(r, 0);
    tsync_post(&g_ready, 0);
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_recv_t(5000, &in), 0);
    uint32_t v = in->code * 5;
    CHECK_EQ(tdev_reply(fd, in, MT_REPLY, &v, sizeof(v)), 0);
    _exit(0);                           /* right after the reply */
}

int main(void)
{
    tfailfast_init();
    tbroker_start(&g_brk);
    tsync_init(&g_ready);
    g_fd = tdev_open_map(64 * 1024);
    int bad = 0;

    /* (b) first: we are not the CMS */
    for (uint32_t i = 1; i <= 100; i++) {
        pid_t s = tfork(cms_once, NULL);
        CHECK_EQ(tsync_wait_t(&g_ready, 10000), 0);
        IpcMsg *in = NULL;
        int r = tdev_call(g_fd, 0, i, NULL, 0, &in);
        if (r != 0) {
            if (bad++ < 5)
                fprintf(stderr, "process exit, round %u: call returned %d (%s), want the reply\n", i, r,
                        strerror(-r));
        } else {
            CHECK_EQ(in->type, MT_REPLY);
            CHECK_EQ(*(uint32_t *)in->data, i * 5);
            CHECK_EQ(tdev_free(g_fd, in), 0);
        }
        CHECK_EQ(lipc_test_wait_t(s, 10000), 0);
    }
    /* (a) */
    for (uint32_t i = 1; i <= 300; i++) {
        pthread_t t = tthread(one_shot, NULL);
        pid_t tid = (pid_t)tsync_wait_t(&g_ready, 10000);
        IpcMsg *in = NULL;
        int r = tdev_call(g_fd, tid, i, NULL, 0, &in);
        if (r != 0) {
            if (bad++ < 10)
                fprintf(stderr, "thread exit, round %u: call returned %d (%s), want the reply\n", i, r,
                        strerror(-r));
        } else {
            CHECK_EQ(in->type, MT_REPLY);
            CHECK_EQ(*(uint32_t *)in->data, i * 3);
            CHECK_EQ(tdev_free(g_fd, in), 0);
        }
        tthread_join(t);
    }
    printf("%d of 400 calls lost their reply\n", bad);
    CHECK_EQ(bad, 0);
    CHECK_EQ(lipc_test_broker_stop(&g_brk), 0);
    printf("test_reply_exit: ok\n");
    return 0;
}
