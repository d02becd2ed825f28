/*
 * fork (§1.5): the child gets a fresh LiteIPC state.  Every ioctl fails with
 * ENOMEM until it maps again (through the inherited descriptor or a new
 * one); then it can call the CMS, it has none of the parent's access rights,
 * is not the CMS, has no IPC thread.  The parent keeps working, also while
 * it forks from a secondary thread and while another of its threads is in
 * the middle of a sync call.
 *   P: the CMS (a dedicated thread), and a client of svc with busy threads.
 *   S: a service process (svc).
 */
#include "lipc_dev_util.h"

#include <stdatomic.h>
#include <stdbool.h>

enum { C_PING = 1, C_SLOW, C_GRANT, C_QUIT };

static struct lipc_test_broker g_brk;
static struct tsync g_ev;
static int g_fd;
static pid_t g_svc, g_parent, g_cms_tid;
static atomic_int g_stop;

static void *cms_thread(void *arg)
{
    (void)arg;
    int fd = g_fd;
    CHECK_EQ(lipc_dev_ioctl(fd, IPC_SET_CMS, (void *)(uintptr_t)4096), 0);
    tsync_post(&g_ev, (uint32_t)lipc_gettid());
    for (;;) {
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_recv_t(LIPC_WAIT_FOREVER, &in), 0);
        CHECK_EQ(in->type, MT_REQUEST);
        if (in->code == C_PING) {
            uint32_t pid = in->processID;
            CHECK_EQ(tdev_reply(fd, in, MT_REPLY, &pid, 4), 0);
        } else if (in->code == C_QUIT) {
            CHECK_EQ(tdev_free(fd, in), 0);
            return NULL;
        } else if (in->code == C_GRANT) {
            int32_t r = tdev_cms(fd, CMS_ADD_ACCESS, in->taskID, (uint32_t)g_svc, NULL);
            CHECK_EQ(tdev_reply(fd, in, MT_REPLY, &r, 4), 0);
        } else {
            CHECK_EQ(tdev_reply(fd, in, MT_FAILED_REPLY, NULL, 0), 0);
        }
    }
}

static int svc_proc(void *arg)
{
    (void)arg;
    int fd = tdev_open_map(64 * 1024);
    tdev_touch();
    tsync_post(&g_ev, (uint32_t)lipc_gettid());
    for (;;) {
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_recv_t(LIPC_WAIT_FOREVER, &in), 0);
        if (in->code == C_SLOW)
            usleep(300 * 1000);
        uint32_t v = in->processID;
        CHECK_EQ(tdev_reply(fd, in, MT_REPLY, &v, 4), 0);
    }
}

static uint32_t call(int fd, int32_t h, uint32_t code, int *err)
{
    IpcMsg *in = NULL;
    *err = tdev_call(fd, h, code, NULL, 0, &in);
    if (*err) {
        if (*err != -EACCES)
            fprintf(stderr, "pid %d tid %d: call %d code %u: %d\n", getpid(), lipc_gettid(), h, code, *err);
        return 0;
    }
    CHECK_EQ(in->type, MT_REPLY);
    uint32_t v = *(uint32_t *)in->data;
    CHECK_EQ(tdev_free(fd, in), 0);
    return v;
}

/* The checks every fork child runs; fd = the inherited descriptor. */
static int child_checks(int fd, bool use_new_fd)
{
    IpcVersion v;
    CmsCmdContent cc = { .cmd = CMS_GEN_HANDLE };
    IpcMsg m = { .type = MT_REQUEST, .target.handle = 0, .code = C_PING };
    IpcContent c = { .flag = SEND | RECV, .outMsg = &m };
    int dummy;
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_GET_VERSION, &v), ENOMEM);
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_SEND_RECV_MSG, &c), ENOMEM);
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_SET_CMS, (void *)(uintptr_t)4096), ENOMEM);
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_CMS_CMD, &cc), ENOMEM);
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_SET_IPC_THREAD, NULL), ENOMEM);
    CHECK_EQ(tdev_free(fd, &dummy), -ENOMEM);
    CHECK_EQ(lipc_send_recv(&c, 1000), -ENOMEM);
    int nfd = lipc_dev_open();
    CHECK(nfd >= 0);
    CHECK_ERRNO(lipc_dev_ioctl(nfd, IPC_GET_VERSION, &v), ENOMEM);
    int mfd = use_new_fd ? nfd : fd;
    void *pool = lipc_dev_mmap(NULL, 64 * 1024, PROT_READ, MAP_PRIVATE, mfd, 0);
    CHECK(pool != MAP_FAILED);
    CHECK(lipc_dev_mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, mfd, 0) == MAP_FAILED);
    CHECK_EQ(errno, EEXIST);
    CHECK_EQ(lipc_dev_ioctl(fd, IPC_GET_VERSION, &v), 0);
    CHECK_EQ(v.driverVersion, 2);
    /* the CMS answers, and sees us */
    int err;
    CHECK_EQ(call(fd, 0, C_PING, &err), getpid());
    CHECK_EQ(err, 0);
    /* none of the parent's rights and roles */
    call(fd, g_svc, C_PING, &err);
    CHECK_EQ(err, -EACCES);
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_CMS_CMD, &cc), EACCES);
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_SET_CMS, (void *)(uintptr_t)4096), EEXIST);
    CHECK_EQ(lipc_dev_ioctl(fd, IPC_SET_IPC_THREAD, NULL), lipc_gettid());
    /* rights of its own */
    CHECK_EQ(call(fd, 0, C_GRANT, &err), 0);
    CHECK_EQ(err, 0);
    for (int i = 0; i < 50; i++) {
        CHECK_EQ(call(nfd, g_svc, C_PING, &err), getpid());
        CHECK_EQ(err, 0);
    }
    return 0;
}

static int child1(void *arg)
{
    return child_checks(g_fd, arg != NULL);
}

/* A busy client thread of the parent: one slow call across the fork, then
 * as many pings as it can until told to stop. */
static void *busy(void *arg)
{
    int *n = arg;
    int err;
    CHECK_EQ(call(g_fd, g_svc, C_SLOW, &err), g_parent);
    CHECK_EQ(err, 0);
    while (!atomic_load(&g_stop)) {
        CHECK_EQ(call(g_fd, g_svc, C_PING, &err), g_parent);
        CHECK_EQ(err, 0);
        CHECK_EQ(call(g_fd, 0, C_PING, &err), g_parent);
        CHECK_EQ(err, 0);
        (*n)++;
    }
    return NULL;
}

static void *forker(void *arg)
{
    (void)arg;
    pid_t c = tfork(child1, NULL);
    CHECK_EQ(lipc_test_wait_t(c, 20000), 0);
    return NULL;
}

int main(void)
{
    tfailfast_init();
    tbroker_start(&g_brk);
    tsync_init(&g_ev);
    g_parent = getpid();
    g_fd = tdev_open_map(64 * 1024);
    pthread_t ct = tthread(cms_thread, NULL);
    g_cms_tid = (pid_t)tsync_wait_t(&g_ev, 10000);
    pid_t s = tfork(svc_proc, NULL);
    g_svc = (pid_t)tsync_wait_t(&g_ev, 10000);
    CHECK_EQ(tdev_cms(g_fd, CMS_ADD_ACCESS, (uint32_t)lipc_gettid(), (uint32_t)g_svc, NULL), 0);
    CHECK_EQ(lipc_dev_ioctl(g_fd, IPC_SET_IPC_THREAD, NULL), lipc_gettid());

    /* a child of a process with no thread busy (but several connected) */
    CHECK_EQ(lipc_test_wait_t(tfork(child1, NULL), 20000), 0);
    CHECK_EQ(lipc_test_wait_t(tfork(child1, (void *)1), 20000), 0);

    /* first contact from one thread (concurrent first contact is
     * test_first_contact's subject) */
    int err;
    CHECK_EQ(call(g_fd, g_svc, C_PING, &err), g_parent);
    CHECK_EQ(call(g_fd, 0, C_PING, &err), g_parent);
    /* busy threads, one in a slow call while we fork, from the main thread
     * and from a secondary thread */
    int n[3] = { 0 };
    pthread_t b[3];
    for (int i = 0; i < 3; i++)
        b[i] = tthread(busy, &n[i]);
    usleep(50 * 1000);
    CHECK_EQ(lipc_test_wait_t(tfork(child1, NULL), 20000), 0);
    tthread_join(tthread(forker, NULL));
    for (int i = 0; i < 5; i++)
        CHECK_EQ(lipc_test_wait_t(tfork(child1, (void *)1), 20000), 0);
    atomic_store(&g_stop, 1);
    for (int i = 0; i < 3; i++)
        tthread_join(b[i]);
    printf("busy parent threads did %d, %d, %d round trips meanwhile\n", n[0], n[1], n[2]);
    CHECK(n[0] > 0 && n[1] > 0 && n[2] > 0);

    /* the parent keeps its rights and roles */
    CHECK_EQ(call(g_fd, g_svc, C_PING, &err), g_parent);
    CHECK_EQ(err, 0);
    CHECK_EQ(call(g_fd, 0, C_PING, &err), g_parent);
    CHECK_EQ(err, 0);
    CHECK_EQ(tdev_cms(g_fd, CMS_GEN_HANDLE, (uint32_t)g_svc, 0, NULL), 0);
    CHECK_ERRNO(lipc_dev_ioctl(g_fd, IPC_SET_IPC_THREAD, NULL), EINVAL);
    /* no death notices for the children (nothing of ours died) */
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_recv_t(100, &in), -ETIME);

    kill(s, SIGKILL);
    CHECK_EQ(lipc_test_wait_t(s, 10000), 128 + SIGKILL);
    CHECK_EQ(tdev_oneway(g_fd, 0, C_QUIT, NULL, 0), 0);
    tthread_join(ct);
    CHECK_EQ(lipc_test_broker_stop(&g_brk), 0);
    printf("test_fork: ok\n");
    return 0;
}
