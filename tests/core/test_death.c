/*
 * Deaths (§1.14 and the documented deviations 1, 3, 6).
 *   CM: the CMS process (grants access, mints handles, hands out services as
 *       OBJ_SVC); SIGKILLed at the end, after which a new CMS can be set.
 *   S1 (svcA, svcB), S2 (svcC): service processes.
 *   K1: access by CMS_ADD_ACCESS, has an IPC thread; K2: access by OBJ_SVC,
 *   has an IPC thread; K3: access, no IPC thread.
 * 1. svcA exits (thread exit, process lives), S1 is SIGKILLed (svcB), S2
 *    exits normally (svcC): K1 and K2 get exactly one MT_DEATH_NOTIFY each
 *    with target.token == the dead tid; K3 gets nothing.  K1's IPC thread is
 *    in a sync call when svcA dies: its call returns the real reply, and the
 *    notice comes with its next receive (deviation 6).
 * 2. A caller blocked in a sync call on a thread that exits, on a process
 *    that is SIGKILLed, or queued behind another call on a thread that exits,
 *    gets ENOENT quickly (deviation 1; asserted < 1000 ms, figure printed).
 * 3. The caller is SIGKILLed in the middle of a call: the server's reply
 *    fails cleanly (EINVAL) or goes nowhere, and the server goes on serving.
 * 4. The CMS process dies: requests to handle 0 fail (EINVAL) and another
 *    process may become the CMS (deviation 3).
 */
#include "lipc_dev_util.h"

#include <stdatomic.h>

enum {
    C_PING = 1, C_SLOW, C_EXIT_THREAD, C_EXIT_PROC, C_BLOCK_EXIT, C_HOLD, C_HANG,
    C_GRANT = 20, C_GENH, C_GIVE,
};
enum { EV_GOT = 0x6000, EV_SLOW_OK, EV_READY, EV_REPLY_RESULT = 0x7000 };

#define NS 3

static struct lipc_test_broker g_brk;
static struct tsync g_ev;       /* servers -> P */
static struct tsync g_go;       /* P -> a holding server */
static int g_fd;

/* ---- service processes ------------------------------------------------ */

static void *svc_thread(void *arg)
{
    (void)arg;
    int fd = g_fd;
    tdev_touch();
    tsync_post(&g_ev, (uint32_t)lipc_gettid());
    for (;;) {
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_recv_t(LIPC_WAIT_FOREVER, &in), 0);
        CHECK_EQ(in->type, MT_REQUEST);
        switch (in->code) {
        case C_PING:
            CHECK_EQ(tdev_reply(fd, in, MT_REPLY, "pong", 4), 0);
            break;
        case C_SLOW:
            tsync_post(&g_ev, EV_GOT);
            usleep(300 * 1000);
            CHECK_EQ(tdev_reply(fd, in, MT_REPLY, "slow", 4), 0);
            break;
        case C_EXIT_THREAD:
            CHECK_EQ(tdev_free(fd, in), 0);
            return NULL;
        case C_EXIT_PROC:
            CHECK_EQ(tdev_free(fd, in), 0);
            exit(0);
        case C_BLOCK_EXIT:     /* exits 100 ms later without replying */
            tsync_post(&g_ev, EV_GOT);
            usleep(100 * 1000);
            return NULL;
        case C_HOLD: {         /* replies when P says so */
            tsync_post(&g_ev, EV_GOT);
            tsync_wait(&g_go);
            int r = tdev_reply(fd, in, MT_REPLY, "late", 4);
            tsync_post(&g_ev, (uint32_t)(EV_REPLY_RESULT + (-r)));
            if (r != 0)
                CHECK_EQ(tdev_free(fd, in), -EFAULT);  /* freed by the failed reply */
            break;
        }
        case C_HANG:
            tsync_post(&g_ev, EV_GOT);
            for (;;)
                pause();
        default:
            CHECK_EQ(tdev_reply(fd, in, MT_FAILED_REPLY, NULL, 0), 0);
        }
    }
}

static int svc_proc(void *arg)
{
    int n = (int)(intptr_t)arg;
    g_fd = tdev_open_map(64 * 1024);
    for (int i = 0; i < n; i++) {
        tthread(svc_thread, NULL);
        CHECK_EQ(tsync_wait_t(&g_go, 10000), EV_READY);   /* one at a time */
    }
    for (;;)
        pause();
}

/* Starts a service process with n threads; tids in out[]. */
static pid_t start_svc(int n, pid_t *out)
{
    pid_t p = tfork(svc_proc, (void *)(intptr_t)n);
    for (int i = 0; i < n; i++) {
        out[i] = (pid_t)tsync_wait_t(&g_ev, 10000);
        tsync_post(&g_go, EV_READY);
    }
    return p;
}

/* ---- the CMS process ---------------------------------------------------- */

static int cms_proc(void *arg)
{
    (void)arg;
    int fd = tdev_open_map(64 * 1024);
    CHECK_EQ(lipc_dev_ioctl(fd, IPC_SET_CMS, (void *)(uintptr_t)4096), 0);
    tsync_post(&g_ev, EV_READY);
    for (;;) {
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_recv_t(LIPC_WAIT_FOREVER, &in), 0);
        CHECK_EQ(in->type, MT_REQUEST);
        uint32_t svc = in->dataSz == 4 ? *(uint32_t *)in->data : 0;
        int32_t r = 0;
        switch (in->code) {
        case C_GENH:
            r = tdev_cms(fd, CMS_GEN_HANDLE, svc, 0, NULL);
            CHECK_EQ(tdev_reply(fd, in, MT_REPLY, &r, 4), 0);
            break;
        case C_GRANT:
            r = tdev_cms(fd, CMS_ADD_ACCESS, in->taskID, svc, NULL);
            CHECK_EQ(tdev_reply(fd, in, MT_REPLY, &r, 4), 0);
            break;
        case C_GIVE: {
            struct { uint64_t pad; SpecialObj o; } d = { 0 };
            size_t off = 8;
            d.o.type = OBJ_SVC;
            d.o.content.svc.handle = (int32_t)svc;
            IpcMsg m = { .type = MT_REPLY, .target.handle = (int32_t)in->taskID, .code = in->code,
                         .timestamp = in->timestamp, .dataSz = sizeof(d), .data = &d, .spObjNum = 1,
                         .offsets = &off };
            CHECK_EQ(tdev_msg(fd, SEND | BUFF_FREE, &m, in, NULL), 0);
            break;
        }
        default:
            CHECK_EQ(tdev_reply(fd, in, MT_FAILED_REPLY, NULL, 0), 0);
        }
    }
}

static int32_t cms_call(int fd, uint32_t code, pid_t svc)
{
    IpcMsg *in = NULL;
    uint32_t v = (uint32_t)svc;
    CHECK_EQ(tdev_call(fd, 0, code, &v, 4, &in), 0);
    int32_t r = *(int32_t *)in->data;
    CHECK_EQ(tdev_free(fd, in), 0);
    return r;
}

static void ping(int fd, pid_t svc)
{
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call(fd, svc, C_PING, NULL, 0, &in), 0);
    CHECK_EQ(in->dataSz, 4);
    CHECK(memcmp(in->data, "pong", 4) == 0);
    CHECK_EQ(tdev_free(fd, in), 0);
}

/* ---- clients -------------------------------------------------------------- */

static pid_t g_svc[NS];         /* svcA, svcB, svcC */

struct kctl {
    int mode;                   /* 1, 2, 3 (see the top) */
    struct tsync cmd, res;
    struct tsync slow;          /* P -> K1's IPC thread */
};

static struct kctl *g_k;
static atomic_int g_stop;
static int g_kfd;

static void *ipc_thread(void *arg)
{
    (void)arg;
    int fd = g_kfd;
    CHECK_EQ(lipc_dev_ioctl(fd, IPC_SET_IPC_THREAD, NULL), lipc_gettid());
    tsync_post(&g_k->res, EV_READY);
    if (g_k->mode == 1) {
        /* in a sync call while svcA dies: the reply is the real one */
        CHECK_EQ(tsync_wait_t(&g_k->slow, 20000), C_SLOW);
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_call(fd, g_svc[1], C_SLOW, NULL, 0, &in), 0);
        CHECK_EQ(in->type, MT_REPLY);
        CHECK_EQ(in->taskID, g_svc[1]);
        CHECK(memcmp(in->data, "slow", 4) == 0);
        CHECK_EQ(tdev_free(fd, in), 0);
        tsync_post(&g_k->res, EV_SLOW_OK);
    }
    uint32_t count[NS] = { 0 }, other = 0;
    for (;;) {
        IpcMsg *in = NULL;
        int r = tdev_recv_t(100, &in);
        if (r == -ETIME) {
            if (atomic_load(&g_stop))
                break;
            continue;
        }
        CHECK_EQ(r, 0);
        CHECK_EQ(in->type, MT_DEATH_NOTIFY);
        CHECK_EQ(in->target.handle, lipc_gettid());
        CHECK_EQ(in->dataSz, 0);
        CHECK_EQ(in->spObjNum, 0);
        int k = -1;
        for (int i = 0; i < NS; i++)
            if (in->target.token == (uintptr_t)g_svc[i])
                k = i;
        if (k >= 0)
            count[k]++;
        else
            other++;
        CHECK_EQ(tdev_free(fd, in), 0);
    }
    for (int i = 0; i < NS; i++)
        tsync_post(&g_k->res, count[i]);
    tsync_post(&g_k->res, other);
    return NULL;
}

static int client_proc(void *arg)
{
    g_k = arg;
    int fd = g_kfd = tdev_open_map(64 * 1024);
    for (int i = 0; i < NS; i++) {
        if (g_k->mode == 2) {
            IpcMsg *in = NULL;
            uint32_t v = (uint32_t)g_svc[i];
            CHECK_EQ(tdev_call(fd, 0, C_GIVE, &v, 4, &in), 0);
            CHECK_EQ(in->spObjNum, 1);
            SpecialObj o;
            memcpy(&o, (char *)in->data + ((size_t *)in->offsets)[0], sizeof(o));
            CHECK_EQ(o.type, OBJ_SVC);
            CHECK_EQ(o.content.svc.handle, g_svc[i]);
            CHECK_EQ(tdev_free(fd, in), 0);
        } else {
            CHECK_EQ(cms_call(fd, C_GRANT, g_svc[i]), 0);
        }
        ping(fd, g_svc[i]);
    }
    pthread_t t = 0;
    if (g_k->mode != 3)
        t = tthread(ipc_thread, NULL);
    else
        tsync_post(&g_k->res, EV_READY);
    CHECK_EQ(tsync_wait(&g_k->cmd), 0);     /* report */
    atomic_store(&g_stop, 1);
    if (g_k->mode != 3) {
        tthread_join(t);
    } else {
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_recv_t(300, &in), -ETIME);
        for (int i = 0; i < NS + 1; i++)
            tsync_post(&g_k->res, 0);
    }
    return 0;
}

/* ---- 2: blocked callers -------------------------------------------------- */

struct bcall { pid_t svc; uint32_t code; int r; long long t_end; };

static void *bcall_thread(void *arg)
{
    struct bcall *b = arg;
    IpcMsg *in = NULL;
    b->r = tdev_call(g_fd, b->svc, b->code, NULL, 0, &in);
    b->t_end = lipc_test_now_ms();
    return NULL;
}

static void blocked_callers(void)
{
    pid_t s[2];
    /* a thread that exits 100 ms into the call; a second call queued behind */
    pid_t p = start_svc(1, s);
    CHECK_EQ(cms_call(g_fd, C_GRANT, s[0]), 0);
    struct bcall b1 = { s[0], C_BLOCK_EXIT, 1, 0 }, b2 = { s[0], C_PING, 1, 0 };
    long long t0 = lipc_test_now_ms();
    pthread_t t1 = tthread(bcall_thread, &b1);
    CHECK_EQ(tsync_wait_t(&g_ev, 5000), EV_GOT);
    pthread_t t2 = tthread(bcall_thread, &b2);
    tthread_join(t1);
    tthread_join(t2);
    printf("thread exit 100 ms into a call: ENOENT after %lld ms (queued call: %lld ms)\n", b1.t_end - t0,
           b2.t_end - t0);
    CHECK_EQ(b1.r, -ENOENT);
    CHECK_EQ(b2.r, -ENOENT);
    CHECK(b1.t_end - t0 >= 100 && b1.t_end - t0 < 1000);
    CHECK(b2.t_end - t0 < 1000);
    kill(p, SIGKILL);
    CHECK_EQ(lipc_test_wait_t(p, 10000), 128 + SIGKILL);

    /* SIGKILL of the serving process in the middle of the call */
    p = start_svc(2, s);
    CHECK_EQ(cms_call(g_fd, C_GRANT, s[1]), 0);
    struct bcall b3 = { s[1], C_HANG, 1, 0 };
    pthread_t t3 = tthread(bcall_thread, &b3);
    CHECK_EQ(tsync_wait_t(&g_ev, 5000), EV_GOT);
    t0 = lipc_test_now_ms();
    kill(p, SIGKILL);
    tthread_join(t3);
    printf("server SIGKILLed in the middle of a call: ENOENT %lld ms after the kill\n", b3.t_end - t0);
    CHECK_EQ(b3.r, -ENOENT);
    CHECK(b3.t_end - t0 < 1000);
    CHECK_EQ(lipc_test_wait_t(p, 10000), 128 + SIGKILL);
    /* the dead tasks are gone for good */
    IpcMsg *in = NULL;
    int r = tdev_call(g_fd, s[1], C_PING, NULL, 0, &in);
    CHECK(r == -EACCES || r == -EINVAL);
}

/* ---- 3: the caller is SIGKILLed ------------------------------------------ */

static pid_t g_hold_svc;

static int killed_caller(void *arg)
{
    (void)arg;
    int fd = tdev_open_map(64 * 1024);
    CHECK_EQ(cms_call(fd, C_GRANT, g_hold_svc), 0);
    IpcMsg *in = NULL;
    tdev_call(fd, g_hold_svc, C_HOLD, NULL, 0, &in);
    return 99;                          /* not reached: killed */
}

static void caller_killed(void)
{
    pid_t s[1];
    pid_t p = start_svc(1, s);
    g_hold_svc = s[0];
    CHECK_EQ(cms_call(g_fd, C_GRANT, s[0]), 0);
    for (int round = 0; round < 3; round++) {
        pid_t k = tfork(killed_caller, NULL);
        CHECK_EQ(tsync_wait_t(&g_ev, 5000), EV_GOT);
        kill(k, SIGKILL);
        CHECK_EQ(lipc_test_wait_t(k, 10000), 128 + SIGKILL);
        if (round > 0)
            usleep(50 * 1000);          /* round 0: reply right away, maybe before the broker knows */
        tsync_post(&g_go, 1);
        uint32_t ev = tsync_wait_t(&g_ev, 5000);
        CHECK(ev >= EV_REPLY_RESULT);
        int e = (int)(ev - EV_REPLY_RESULT);
        printf("reply to a SIGKILLed caller (round %d): %s\n", round, e ? strerror(e) : "ok");
        CHECK(e == 0 || e == EINVAL);
        /* and it goes on serving */
        ping(g_fd, s[0]);
    }
    kill(p, SIGKILL);
    CHECK_EQ(lipc_test_wait_t(p, 10000), 128 + SIGKILL);
}

/* ---- 4: a new CMS ---------------------------------------------------------- */

static int ping0_child(void *arg)
{
    (void)arg;
    int fd = tdev_open_map(64 * 1024);
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call(fd, 0, C_PING, NULL, 0, &in), 0);
    CHECK(memcmp(in->data, "new", 3) == 0);
    CHECK_EQ(tdev_free(fd, in), 0);
    return 0;
}

static void new_cms(pid_t cm)
{
    CHECK_ERRNO(lipc_dev_ioctl(g_fd, IPC_SET_CMS, (void *)(uintptr_t)4096), EEXIST);
    kill(cm, SIGKILL);
    CHECK_EQ(lipc_test_wait_t(cm, 10000), 128 + SIGKILL);
    int r = -1;
    long long t0 = lipc_test_now_ms();
    while (lipc_test_now_ms() - t0 < 2000) {
        r = lipc_dev_ioctl(g_fd, IPC_SET_CMS, (void *)(uintptr_t)4096);
        if (r == 0 || errno != EEXIST)
            break;
        usleep(1000);
    }
    printf("new CMS set %lld ms after the old CMS process was reaped\n", lipc_test_now_ms() - t0);
    CHECK_EQ(r, 0);
    CHECK_ERRNO(lipc_dev_ioctl(g_fd, IPC_SET_CMS, (void *)(uintptr_t)4096), EEXIST);
    /* handle 0 is us now */
    pid_t c = tfork(ping0_child, NULL);
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_recv_t(5000, &in), 0);
    CHECK_EQ(in->code, C_PING);
    CHECK_EQ(in->processID, c);
    CHECK_EQ(tdev_reply(g_fd, in, MT_REPLY, "new", 3), 0);
    CHECK_EQ(lipc_test_wait_t(c, 10000), 0);
}

int main(void)
{
    tfailfast_init();
    tbroker_start(&g_brk);
    tsync_init(&g_ev);
    tsync_init(&g_go);
    pid_t cm = tfork(cms_proc, NULL);
    CHECK_EQ(tsync_wait_t(&g_ev, 10000), EV_READY);

    pid_t s1t[2], s2t[1];
    pid_t s1 = start_svc(2, s1t);
    pid_t s2 = start_svc(1, s2t);
    g_svc[0] = s1t[0];
    g_svc[1] = s1t[1];
    g_svc[2] = s2t[0];
    g_fd = tdev_open_map(64 * 1024);
    for (int i = 0; i < NS; i++) {
        CHECK_EQ(cms_call(g_fd, C_GENH, g_svc[i]), 0);    /* the CMS may pass them on */
        CHECK_EQ(cms_call(g_fd, C_GRANT, g_svc[i]), 0);   /* and P may use them */
    }

    static struct kctl k[3];
    pid_t kp[3];
    for (int i = 0; i < 3; i++) {
        k[i].mode = i + 1;
        tsync_init(&k[i].cmd);
        tsync_init(&k[i].res);
        tsync_init(&k[i].slow);
        kp[i] = tfork(client_proc, &k[i]);
        CHECK_EQ(tsync_wait_t(&k[i].res, 10000), EV_READY);
    }

    /* svcA dies while K1's IPC thread is in a sync call on svcB */
    tsync_post(&k[0].slow, C_SLOW);
    CHECK_EQ(tsync_wait_t(&g_ev, 5000), EV_GOT);
    CHECK_EQ(tdev_oneway(g_fd, g_svc[0], C_EXIT_THREAD, NULL, 0), 0);
    CHECK_EQ(tsync_wait_t(&k[0].res, 5000), EV_SLOW_OK);
    /* S1 SIGKILLed (svcB); S2 exits normally (svcC) */
    kill(s1, SIGKILL);
    CHECK_EQ(lipc_test_wait_t(s1, 10000), 128 + SIGKILL);
    CHECK_EQ(tdev_oneway(g_fd, g_svc[2], C_EXIT_PROC, NULL, 0), 0);
    CHECK_EQ(lipc_test_wait_t(s2, 10000), 0);
    usleep(300 * 1000);                 /* notices are asynchronous */
    for (int i = 0; i < 3; i++) {
        tsync_post(&k[i].cmd, 0);
        uint32_t c[NS + 1];
        for (int j = 0; j < NS + 1; j++)
            c[j] = tsync_wait_t(&k[i].res, 10000);
        printf("K%d: death notices svcA %u svcB %u svcC %u other %u\n", i + 1, c[0], c[1], c[2], c[3]);
        for (int j = 0; j < NS; j++)
            CHECK_EQ(c[j], i < 2 ? 1 : 0);
        CHECK_EQ(c[NS], 0);
        CHECK_EQ(lipc_test_wait_t(kp[i], 10000), 0);
    }

    blocked_callers();
    caller_killed();
    new_cms(cm);

    CHECK_EQ(lipc_test_broker_stop(&g_brk), 0);
    printf("test_death: ok\n");
    return 0;
}
