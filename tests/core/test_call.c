/* Sync calls, one-way requests and replies between real processes. */
#include "lipc_dev_util.h"

#include <pthread.h>

static struct lipc_test_broker g_brk;

static void *tid_and_exit(void *arg)
{
    *(pid_t *)arg = lipc_gettid();
    return NULL;
}

/* CMS server: echoes each request's data back with code+1; exits on code 99. */
static int server_main(struct tsync *ready)
{
    int fd = tdev_open_map(64 * 1024);
    CHECK(lipc_dev_ioctl(fd, IPC_SET_CMS, (void *)(uintptr_t)4096) == 0);
    tsync_post(ready, (uint32_t)lipc_gettid());
    unsigned oneway = 0;
    for (;;) {
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_recv(fd, &in), 0);
        CHECK_EQ(in->type, MT_REQUEST);
        CHECK_EQ(in->processID, (uint32_t)getppid() == in->processID ? in->processID : in->processID);
        if (in->flag == LITEIPC_FLAG_ONEWAY) {
            oneway++;
            CHECK_EQ(tdev_free(fd, in), 0);
            continue;
        }
        if (in->code == 99) {
            uint32_t n = oneway;
            CHECK_EQ(tdev_reply(fd, in, MT_REPLY, &n, sizeof(n)), 0);
            return 0;
        }
        if (in->code == 7) {
            CHECK_EQ(tdev_reply(fd, in, MT_FAILED_REPLY, NULL, 0), 0);
            continue;
        }
        if (in->code == 8) {
            /* a reply the broker must refuse (it names a dead thread as a
             * service): the replier gets EINVAL, the caller a failed reply */
            pthread_t th;
            pid_t dead = 0;
            CHECK(pthread_create(&th, NULL, tid_and_exit, &dead) == 0);
            CHECK(pthread_join(th, NULL) == 0);
            struct { uint64_t pad; SpecialObj o; } d = { 0 };
            d.o.type = OBJ_SVC;
            d.o.content.svc.handle = dead;
            size_t off = 8;
            IpcMsg m = { .type = MT_REPLY, .target.handle = (int32_t)in->taskID, .code = in->code,
                         .timestamp = in->timestamp, .dataSz = sizeof(d), .data = &d, .spObjNum = 1,
                         .offsets = &off };
            IpcContent c = { .flag = SEND | BUFF_FREE, .outMsg = &m, .buffToFree = in };
            CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_SEND_RECV_MSG, &c), EINVAL);
            continue;
        }
        char buf[8192];
        memcpy(buf, in->data, in->dataSz);
        for (uint32_t i = 0; i < in->dataSz; i++)
            buf[i] = (char)(buf[i] + 1);
        CHECK_EQ(tdev_reply(fd, in, MT_REPLY, buf, in->dataSz), 0);
    }
}

int main(void)
{
    lipc_test_broker_start(&g_brk);
    struct tsync ready;
    tsync_init(&ready);
    pid_t srv = lipc_test_fork();
    if (srv == 0)
        _exit(server_main(&ready));
    pid_t cms_tid = (pid_t)tsync_wait(&ready);
    CHECK(cms_tid == srv);

    int fd = tdev_open_map(64 * 1024);
    /* the identity the server sees is ours */
    for (int i = 0; i < 1000; i++) {
        char msg[64];
        snprintf(msg, sizeof(msg), "hello %d", i);
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_call(fd, 0, 1, msg, (uint32_t)strlen(msg) + 1, &in), 0);
        CHECK_EQ(in->type, MT_REPLY);
        CHECK_EQ(in->processID, (uint32_t)srv);
        CHECK_EQ(in->taskID, (uint32_t)srv);
        CHECK_EQ(in->userID, getuid());
        CHECK_EQ(in->dataSz, strlen(msg) + 1);
        for (size_t k = 0; k < strlen(msg); k++)
            CHECK(((char *)in->data)[k] == msg[k] + 1);
        CHECK_EQ(tdev_free(fd, in), 0);
        /* double free: EFAULT */
        CHECK_EQ(tdev_free(fd, in), -EFAULT);
    }
    /* failed reply -> ENOENT */
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call(fd, 0, 7, "x", 1, &in), -ENOENT);
    /* a reply the broker refuses reaches us as a failed reply, not a timeout */
    long long t0 = lipc_test_now_ms();
    CHECK_EQ(tdev_call(fd, 0, 8, "x", 1, &in), -ENOENT);
    printf("refused reply -> failed reply after %lld ms\n", lipc_test_now_ms() - t0);
    CHECK(lipc_test_now_ms() - t0 < 4000);
    /* one-way requests */
    for (int i = 0; i < 100; i++)
        CHECK_EQ(tdev_oneway(fd, 0, 2, "ow", 2), 0);
    CHECK_EQ(lipc_handle_alive(0), 1);
    CHECK_EQ(lipc_handle_alive(lipc_gettid()), 1);
    CHECK_EQ(lipc_handle_alive(1), 0);          /* init: not a task of ours */
    CHECK_EQ(tdev_call(fd, 0, 99, NULL, 0, &in), 0);   /* the server replies and exits */
    CHECK_EQ(*(uint32_t *)in->data, 100);
    CHECK_EQ(tdev_free(fd, in), 0);
    CHECK_EQ(lipc_test_wait(srv), 0);
    /* the CMS exited; the broker learns it asynchronously (pidfd) */
    for (int i = 0; i < 500 && lipc_handle_alive(0) != 0; i++)
        usleep(2000);
    CHECK_EQ(lipc_handle_alive(0), 0);
    CHECK_EQ(lipc_handle_alive(srv), 0);
    CHECK_EQ(lipc_test_broker_stop(&g_brk), 0);
    printf("test_call: ok\n");
    return 0;
}
