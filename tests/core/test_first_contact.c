/*
 * First contact between two processes from several threads at once: the
 * threads of a fresh client process all make their first call to a server
 * process at the same moment (a barrier), and the server's threads all send
 * their first reply to that client at about the same moment.  Every call
 * must succeed (no EPROTO or anything else): nothing in the contract lets a
 * request or a reply fail because another thread of the same process is
 * talking to the same peer for the first time.
 */
#include "lipc_dev_util.h"

#include <stdatomic.h>

enum { C_PING = 1, C_GRANT, C_QUIT };

#define NTH 8
#define ROUNDS 6

static struct lipc_test_broker g_brk;
static struct tsync g_ev, g_go;
static pid_t g_svc[NTH];
static int g_fd;

static int cms_proc(void *arg)
{
    (void)arg;
    int fd = tdev_open_map(64 * 1024);
    CHECK_EQ(lipc_dev_ioctl(fd, IPC_SET_CMS, (void *)(uintptr_t)4096), 0);
    tsync_post(&g_ev, 0);
    for (;;) {
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_recv_t(LIPC_WAIT_FOREVER, &in), 0);
        if (in->code == C_QUIT) {
            CHECK_EQ(tdev_free(fd, in), 0);
            return 0;
        }
        int32_t r = 0;
        for (int i = 0; i < NTH && !r; i++)
            r = tdev_cms(fd, CMS_ADD_ACCESS, in->taskID, ((uint32_t *)in->data)[i], NULL);
        CHECK_EQ(tdev_reply(fd, in, MT_REPLY, &r, 4), 0);
    }
}

static atomic_int g_reply_fail;

static void *svc_thread(void *arg)
{
    (void)arg;
    tdev_touch();
    tsync_post(&g_ev, (uint32_t)lipc_gettid());
    for (;;) {
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_recv_t(LIPC_WAIT_FOREVER, &in), 0);
        if (in->code == C_QUIT) {
            CHECK_EQ(tdev_free(g_fd, in), 0);
            return NULL;
        }
        uint32_t v = in->processID;
        int r = tdev_reply(g_fd, in, MT_REPLY, &v, 4);
        if (r != 0) {
            fprintf(stderr, "server thread %d: first reply to %u: %d (%s)\n", lipc_gettid(), v, r, strerror(-r));
            atomic_fetch_add(&g_reply_fail, 1);
        }
    }
}

static int server_proc(void *arg)
{
    (void)arg;
    g_fd = tdev_open_map(256 * 1024);
    pthread_t t[NTH];
    for (int i = 0; i < NTH; i++) {
        t[i] = tthread(svc_thread, NULL);
        CHECK_EQ(tsync_wait_t(&g_go, 10000), 1);
    }
    for (int i = 0; i < NTH; i++)
        tthread_join(t[i]);
    return atomic_load(&g_reply_fail) ? 1 : 0;
}

static pthread_barrier_t g_bar;
static atomic_int g_fail;

static void *client_thread(void *arg)
{
    int i = (int)(intptr_t)arg;
    pthread_barrier_wait(&g_bar);
    IpcMsg *in = NULL;
    int r = tdev_call_t(g_svc[i], C_PING, NULL, 0, 2000, &in);   /* a lost reply: 2 s, not 5 */
    if (r != 0) {
        fprintf(stderr, "client %d thread %d: first call: %d (%s)\n", getpid(), lipc_gettid(), r, strerror(-r));
        atomic_fetch_add(&g_fail, 1);
        return NULL;
    }
    CHECK_EQ(*(uint32_t *)in->data, getpid());
    CHECK_EQ(tdev_free(g_fd, in), 0);
    return NULL;
}

static int client_proc(void *arg)
{
    (void)arg;
    g_fd = tdev_open_map(64 * 1024);
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call(g_fd, 0, C_GRANT, g_svc, sizeof(g_svc), &in), 0);
    CHECK_EQ(*(int32_t *)in->data, 0);
    CHECK_EQ(tdev_free(g_fd, in), 0);
    pthread_barrier_init(&g_bar, NULL, NTH);
    pthread_t t[NTH];
    for (int i = 0; i < NTH; i++)
        t[i] = tthread(client_thread, (void *)(intptr_t)i);
    for (int i = 0; i < NTH; i++)
        tthread_join(t[i]);
    return atomic_load(&g_fail);
}

int main(void)
{
    tfailfast_init();
    tbroker_start(&g_brk);
    tsync_init(&g_ev);
    tsync_init(&g_go);
    pid_t cms = tfork(cms_proc, NULL);
    CHECK_EQ(tsync_wait_t(&g_ev, 10000), 0);
    pid_t srv = tfork(server_proc, NULL);
    for (int i = 0; i < NTH; i++) {
        g_svc[i] = (pid_t)tsync_wait_t(&g_ev, 10000);
        tsync_post(&g_go, 1);
    }
    int failed = 0;
    for (int round = 0; round < ROUNDS; round++)
        failed += lipc_test_wait_t(tfork(client_proc, NULL), 20000);
    printf("%d of %d first calls failed\n", failed, ROUNDS * NTH);

    g_fd = tdev_open_map(64 * 1024);
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call(g_fd, 0, C_GRANT, g_svc, sizeof(g_svc), &in), 0);
    CHECK_EQ(tdev_free(g_fd, in), 0);
    for (int i = 0; i < NTH; i++)
        CHECK_EQ(tdev_oneway(g_fd, g_svc[i], C_QUIT, NULL, 0), 0);
    int srv_rc = lipc_test_wait_t(srv, 10000);
    printf("server: %s\n", srv_rc ? "some replies failed" : "all replies sent");
    CHECK_EQ(tdev_oneway(g_fd, 0, C_QUIT, NULL, 0), 0);
    CHECK_EQ(lipc_test_wait_t(cms, 10000), 0);
    CHECK_EQ(failed, 0);
    CHECK_EQ(srv_rc, 0);
    CHECK_EQ(lipc_test_broker_stop(&g_brk), 0);
    printf("test_first_contact: ok\n");
    return 0;
}
