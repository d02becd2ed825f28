/*
 * §1.11.5: the timeout of a receive is 5000 ms only for a sync call
 * (SEND|RECV); a RECV-only ioctl (a server loop) waits forever.  A server
 * that is idle for more than 5 s must still get the next request, not ETIME.
 */
#include "lipc_dev_util.h"

static struct lipc_test_broker g_brk;

static int client(void *arg)
{
    (void)arg;
    int fd = tdev_open_map(16 * 4096);
    usleep(5600 * 1000);
    CHECK_EQ(tdev_oneway(fd, 0, 42, "late", 4), 0);
    return 0;
}

int main(void)
{
    tfailfast_init();
    tbroker_start(&g_brk);
    int fd = tdev_open_map(16 * 4096);
    CHECK_EQ(lipc_dev_ioctl(fd, IPC_SET_CMS, (void *)(uintptr_t)4096), 0);
    pid_t c = tfork(client, NULL);
    long long t0 = lipc_test_now_ms();
    IpcMsg *in = NULL;
    int r = tdev_recv(fd, &in);
    long long dt = lipc_test_now_ms() - t0;
    printf("RECV-only ioctl returned %d after %lld ms\n", r, dt);
    CHECK_EQ(r, 0);
    CHECK(dt >= 5000);
    CHECK_EQ(in->type, MT_REQUEST);
    CHECK_EQ(in->code, 42);
    CHECK_EQ(in->processID, c);
    CHECK_EQ(tdev_free(fd, in), 0);
    CHECK_EQ(lipc_test_wait_t(c, 10000), 0);
    CHECK_EQ(lipc_test_broker_stop(&g_brk), 0);
    printf("test_recv_wait: ok\n");
    return 0;
}
