/*
 * Deviation 2: a request that reaches a thread while it waits for a reply is
 * kept (delivered by its next receive), not dropped as on LiteOS-A.
 *   A (process PA) makes sync calls to B (process PB), which holds them
 *   until P says go.  Meanwhile C (process PC) sends requests to A.
 *   - A's call returns B's reply, not C's request; A's next receives return
 *     C's one-way request, then C's sync request, which A answers (and C
 *     gets that answer);
 *   - A's call times out (lipc_send_recv, 300 ms) while C's request waits:
 *     the request is still delivered afterwards, and B's late reply is not
 *     taken for the reply to A's next call;
 *   - two requests (from C and D) arriving during one call are both kept.
 *   P: orchestrator and the CMS (a dedicated thread granting access).
 */
#include "lipc_dev_util.h"

#include <stdbool.h>

enum { C_HOLD = 1, C_PING, C_REQ, C_GRANT, C_QUIT };
enum { EV_GOT = 0x100, EV_SENT, EV_DONE };

static struct lipc_test_broker g_brk;
static struct tsync g_ev;               /* everyone -> P */
static struct tsync g_go_b, g_go_a, g_go_c, g_go_d;
static pid_t g_a, g_b;
static int g_fd;

static void *cms_thread(void *arg)
{
    (void)arg;
    CHECK_EQ(lipc_dev_ioctl(g_fd, IPC_SET_CMS, (void *)(uintptr_t)4096), 0);
    tsync_post(&g_ev, 0);
    for (;;) {
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_recv_t(LIPC_WAIT_FOREVER, &in), 0);
        if (in->code == C_QUIT) {
            CHECK_EQ(tdev_free(g_fd, in), 0);
            return NULL;
        }
        CHECK_EQ(in->code, C_GRANT);
        int32_t r = tdev_cms(g_fd, CMS_ADD_ACCESS, in->taskID, *(uint32_t *)in->data, NULL);
        CHECK_EQ(tdev_reply(g_fd, in, MT_REPLY, &r, 4), 0);
    }
}

static void grant(int fd, pid_t svc)
{
    IpcMsg *in = NULL;
    uint32_t v = (uint32_t)svc;
    CHECK_EQ(tdev_call(fd, 0, C_GRANT, &v, 4, &in), 0);
    CHECK_EQ(*(int32_t *)in->data, 0);
    CHECK_EQ(tdev_free(fd, in), 0);
}

/* B: holds each C_HOLD until told, answers C_PING at once */
static int b_proc(void *arg)
{
    (void)arg;
    int fd = tdev_open_map(64 * 1024);
    tdev_touch();
    tsync_post(&g_ev, (uint32_t)lipc_gettid());
    for (;;) {
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_recv_t(LIPC_WAIT_FOREVER, &in), 0);
        CHECK_EQ(in->type, MT_REQUEST);
        if (in->code == C_QUIT) {
            CHECK_EQ(tdev_free(fd, in), 0);
            return 0;
        }
        if (in->code == C_HOLD) {
            tsync_post(&g_ev, EV_GOT);
            CHECK_EQ(tsync_wait_t(&g_go_b, 10000), 1);
        }
        char r[16];
        snprintf(r, sizeof(r), "B%u", *(uint32_t *)in->data);
        int e = tdev_reply(fd, in, MT_REPLY, r, (uint32_t)strlen(r) + 1);
        CHECK(e == 0 || e == -EINVAL);              /* a late reply may find its caller gone */
    }
}

static void expect_req(int fd, const char *what, uint32_t want_flag, pid_t from_pid)
{
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_recv_t(2000, &in), 0);
    CHECK_EQ(in->type, MT_REQUEST);
    CHECK_EQ(in->code, C_REQ);
    CHECK_EQ(in->flag, want_flag);
    CHECK_EQ(in->processID, from_pid);
    CHECK(strcmp(in->data, what) == 0);
    if (want_flag == LITEIPC_FLAG_ONEWAY) {
        CHECK_EQ(tdev_free(fd, in), 0);
    } else {
        char r[32];
        snprintf(r, sizeof(r), "A:%s", what);
        CHECK_EQ(tdev_reply(fd, in, MT_REPLY, r, (uint32_t)strlen(r) + 1), 0);
    }
}

static void check_b_reply(IpcMsg *in, uint32_t n, int fd)
{
    char want[16];
    snprintf(want, sizeof(want), "B%u", n);
    CHECK_EQ(in->type, MT_REPLY);
    CHECK_EQ(in->taskID, g_b);
    CHECK(strcmp(in->data, want) == 0);
    CHECK_EQ(tdev_free(fd, in), 0);
}

static int a_proc(void *arg)
{
    pid_t *senders = arg;               /* [0] = PC, [1] = PD */
    int fd = tdev_open_map(64 * 1024);
    tdev_touch();
    grant(fd, g_b);
    tsync_post(&g_ev, (uint32_t)lipc_gettid());
    CHECK_EQ(tsync_wait_t(&g_go_a, 10000), 1);
    IpcMsg *in = NULL;
    uint32_t n;

    /* 1. ioctl sync call; C's one-way and sync requests arrive meanwhile */
    n = 1;
    CHECK_EQ(tdev_call(fd, g_b, C_HOLD, &n, 4, &in), 0);
    check_b_reply(in, 1, fd);
    expect_req(fd, "c-oneway", LITEIPC_FLAG_ONEWAY, senders[0]);
    expect_req(fd, "c-sync", LITEIPC_FLAG_DEFAULT, senders[0]);
    tsync_post(&g_ev, EV_DONE);

    /* 2. a timed-out call; the request that came meanwhile is still ours,
     *    and B's late reply does not answer the next call */
    CHECK_EQ(tsync_wait_t(&g_go_a, 10000), 2);
    n = 2;
    CHECK_EQ(tdev_call_t(g_b, C_HOLD, &n, 4, 300, &in), -ETIME);
    tsync_post(&g_ev, EV_DONE);         /* P lets B answer (late) now */
    CHECK_EQ(tsync_wait_t(&g_go_a, 10000), 3);
    n = 3;
    CHECK_EQ(tdev_call(fd, g_b, C_PING, &n, 4, &in), 0);
    check_b_reply(in, 3, fd);
    expect_req(fd, "c-late", LITEIPC_FLAG_ONEWAY, senders[0]);

    /* 3. two senders during one call: both kept */
    CHECK_EQ(tsync_wait_t(&g_go_a, 10000), 4);
    n = 4;
    CHECK_EQ(tdev_call(fd, g_b, C_HOLD, &n, 4, &in), 0);
    check_b_reply(in, 4, fd);
    int seen_c = 0, seen_d = 0;
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(tdev_recv_t(2000, &in), 0);
        CHECK_EQ(in->code, C_REQ);
        if (in->processID == (uint32_t)senders[0] && strcmp(in->data, "c-two") == 0)
            seen_c++;
        if (in->processID == (uint32_t)senders[1] && strcmp(in->data, "d-two") == 0)
            seen_d++;
        CHECK_EQ(tdev_free(fd, in), 0);
    }
    CHECK(seen_c == 1 && seen_d == 1);
    CHECK_EQ(tdev_recv_t(100, &in), -ETIME);     /* nothing else */
    return 0;
}

static int send_req(int fd, const char *what, bool oneway)
{
    if (oneway)
        return tdev_oneway(fd, g_a, C_REQ, what, (uint32_t)strlen(what) + 1);
    IpcMsg *in = NULL;
    int r = tdev_call(fd, g_a, C_REQ, what, (uint32_t)strlen(what) + 1, &in);
    if (r == 0) {
        char want[32];
        snprintf(want, sizeof(want), "A:%s", what);
        CHECK(strcmp(in->data, want) == 0);
        CHECK_EQ(in->taskID, g_a);
        CHECK_EQ(tdev_free(fd, in), 0);
    }
    return r;
}

static int c_proc(void *arg)
{
    (void)arg;
    int fd = tdev_open_map(64 * 1024);
    grant(fd, g_a);
    tsync_post(&g_ev, 0);
    CHECK_EQ(tsync_wait_t(&g_go_c, 10000), 1);
    CHECK_EQ(send_req(fd, "c-oneway", true), 0);
    tsync_post(&g_ev, EV_SENT);
    CHECK_EQ(send_req(fd, "c-sync", false), 0);     /* answered after A's call */
    CHECK_EQ(tsync_wait_t(&g_go_c, 10000), 2);
    CHECK_EQ(send_req(fd, "c-late", true), 0);
    tsync_post(&g_ev, EV_SENT);
    CHECK_EQ(tsync_wait_t(&g_go_c, 10000), 4);
    CHECK_EQ(send_req(fd, "c-two", true), 0);
    tsync_post(&g_ev, EV_SENT);
    return 0;
}

static int d_proc(void *arg)
{
    (void)arg;
    int fd = tdev_open_map(64 * 1024);
    grant(fd, g_a);
    tsync_post(&g_ev, 0);
    CHECK_EQ(tsync_wait_t(&g_go_d, 10000), 4);
    CHECK_EQ(send_req(fd, "d-two", true), 0);
    tsync_post(&g_ev, EV_SENT);
    return 0;
}

int main(void)
{
    tfailfast_init();
    tbroker_start(&g_brk);
    tsync_init(&g_ev);
    tsync_init(&g_go_a);
    tsync_init(&g_go_b);
    tsync_init(&g_go_c);
    tsync_init(&g_go_d);
    g_fd = tdev_open_map(64 * 1024);
    pthread_t ct = tthread(cms_thread, NULL);
    CHECK_EQ(tsync_wait_t(&g_ev, 10000), 0);
    pid_t pb = tfork(b_proc, NULL);
    g_b = (pid_t)tsync_wait_t(&g_ev, 10000);
    /* C and D must exist before A (A checks who sends) */
    static pid_t senders[2];
    pid_t pc = fork();
    CHECK(pc >= 0);
    if (pc == 0) {
        /* wait for A's tid from the parent through g_go_c first */
        g_a = (pid_t)tsync_wait_t(&g_go_c, 10000);
        _exit(c_proc(NULL));
    }
    pid_t pd = fork();
    CHECK(pd >= 0);
    if (pd == 0) {
        g_a = (pid_t)tsync_wait_t(&g_go_d, 10000);
        _exit(d_proc(NULL));
    }
    senders[0] = pc;
    senders[1] = pd;
    pid_t pa = tfork(a_proc, senders);
    g_a = (pid_t)tsync_wait_t(&g_ev, 10000);
    tsync_post(&g_go_c, (uint32_t)g_a);
    tsync_post(&g_go_d, (uint32_t)g_a);
    CHECK_EQ(tsync_wait_t(&g_ev, 10000), 0);
    CHECK_EQ(tsync_wait_t(&g_ev, 10000), 0);

    /* 1 */
    tsync_post(&g_go_a, 1);
    CHECK_EQ(tsync_wait_t(&g_ev, 10000), EV_GOT);      /* A waits on B */
    tsync_post(&g_go_c, 1);
    CHECK_EQ(tsync_wait_t(&g_ev, 10000), EV_SENT);     /* one-way sent; sync on its way */
    usleep(100 * 1000);
    tsync_post(&g_go_b, 1);
    CHECK_EQ(tsync_wait_t(&g_ev, 10000), EV_DONE);
    /* 2 */
    tsync_post(&g_go_a, 2);
    CHECK_EQ(tsync_wait_t(&g_ev, 10000), EV_GOT);
    tsync_post(&g_go_c, 2);
    uint32_t e1 = tsync_wait_t(&g_ev, 10000), e2 = tsync_wait_t(&g_ev, 10000);
    CHECK(e1 + e2 == EV_SENT + EV_DONE && (e1 == EV_SENT || e2 == EV_SENT));  /* and A timed out */
    tsync_post(&g_go_b, 1);                             /* late reply */
    usleep(50 * 1000);
    tsync_post(&g_go_a, 3);
    /* 3 */
    tsync_post(&g_go_a, 4);
    CHECK_EQ(tsync_wait_t(&g_ev, 10000), EV_GOT);
    tsync_post(&g_go_c, 4);
    tsync_post(&g_go_d, 4);
    CHECK_EQ(tsync_wait_t(&g_ev, 10000), EV_SENT);
    CHECK_EQ(tsync_wait_t(&g_ev, 10000), EV_SENT);
    tsync_post(&g_go_b, 1);

    CHECK_EQ(lipc_test_wait_t(pa, 20000), 0);
    CHECK_EQ(lipc_test_wait_t(pc, 20000), 0);
    CHECK_EQ(lipc_test_wait_t(pd, 20000), 0);
    CHECK_EQ(tdev_oneway(g_fd, g_b, C_QUIT, NULL, 0), -EACCES);     /* we never asked for B */
    kill(pb, SIGKILL);
    CHECK_EQ(lipc_test_wait_t(pb, 10000), 128 + SIGKILL);
    CHECK_EQ(tdev_oneway(g_fd, 0, C_QUIT, NULL, 0), 0);
    tthread_join(ct);
    CHECK_EQ(lipc_test_broker_stop(&g_brk), 0);
    printf("test_kept: ok\n");
    return 0;
}
