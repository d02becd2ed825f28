/*
 * Access control (§1.8, §1.9) between real processes.
 *   C: the CMS process.  It learns the service tids through a pipe, mints a
 *      handle for svc with CMS_GEN_HANDLE (which gives C access to it) and
 *      grants access to clients with CMS_ADD_ACCESS when asked on handle 0.
 *   S: the service process with two service threads, svc and svc2.
 *   P (this process) and forked clients B and D: the clients.
 * Checked: no grant -> EACCES; handle 0 is always allowed; a grant is per
 * (service task, client process): every thread of the granted process may
 * call, other processes and other service tasks stay closed; services of
 * the caller's own process are always allowed; the receiver sees the
 * kernel-verified processID/taskID/userID/gid of the sender (also for a
 * client with other credentials, when we run as root).
 */
#include "lipc_dev_util.h"

#include <grp.h>

enum { C_IDENT = 1, C_GRANT, C_QUIT };

struct ident { uint32_t pid, tid, uid, gid; };

static struct lipc_test_broker g_brk;
static struct tsync g_s2c, g_s2p, g_c2p, g_p2s;
static pid_t g_svc, g_svc2, g_cms_pid;

/* Replies with the identity the request carries. */
static void serve_ident(int fd, IpcMsg *in)
{
    CHECK_EQ(in->type, MT_REQUEST);
    struct ident id = { in->processID, in->taskID, in->userID, in->gid };
    CHECK_EQ(tdev_reply(fd, in, MT_REPLY, &id, sizeof(id)), 0);
}

static void check_ident(const IpcMsg *in, pid_t pid, pid_t tid, uid_t uid, gid_t gid)
{
    CHECK_EQ(in->type, MT_REPLY);
    CHECK_EQ(in->dataSz, sizeof(struct ident));
    const struct ident *id = in->data;
    CHECK_EQ(id->pid, pid);
    CHECK_EQ(id->tid, tid);
    CHECK_EQ(id->uid, uid);
    CHECK_EQ(id->gid, gid);
}

/* Calls h for an ident and checks it is us; checks who replied. */
#define call_ident(fd, h, rp, rt) call_ident_(fd, h, rp, rt, __LINE__)
static void call_ident_(int fd, int32_t h, pid_t replier_pid, pid_t replier_tid, int line)
{
    IpcMsg *in = NULL;
    int r = tdev_call(fd, h, C_IDENT, NULL, 0, &in);
    if (r != 0)
        fprintf(stderr, "call_ident from line %d (pid %d) to %d: %d\n", line, getpid(), h, r);
    CHECK_EQ(r, 0);
    check_ident(in, getpid(), lipc_gettid(), getuid(), getgid());
    CHECK_EQ(in->processID, replier_pid);
    CHECK_EQ(in->taskID, replier_tid);
    CHECK_EQ(in->userID, getuid());     /* all processes here share our uid, */
    CHECK_EQ(in->gid, getgid());        /* except D, which only sends */
    CHECK_EQ(tdev_free(fd, in), 0);
}

/* ---- S --------------------------------------------------------------- */

static int g_sfd;

static void *svc_thread(void *arg)
{
    pid_t *out = arg;
    tdev_touch();                       /* the task exists before anyone names it */
    *out = lipc_gettid();
    tsync_post(&g_s2c, (uint32_t)*out);
    tsync_post(&g_s2p, (uint32_t)*out);
    for (;;) {
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_recv_t(LIPC_WAIT_FOREVER, &in), 0);
        serve_ident(g_sfd, in);
    }
    return NULL;
}

static int service_main(void *arg)
{
    (void)arg;
    g_sfd = tdev_open_map(64 * 1024);
    tsync_post(&g_s2c, (uint32_t)getpid());
    pid_t t1 = 0, t2 = 0;
    /* one thread at a time, so that both pipes see t1 before t2 */
    CHECK_EQ(tsync_wait_t(&g_p2s, 10000), 1);
    tthread(svc_thread, &t1);
    CHECK_EQ(tsync_wait_t(&g_p2s, 10000), 2);
    tthread(svc_thread, &t2);
    CHECK_EQ(tsync_wait_t(&g_p2s, 30000), 0);
    /* services in our own process: always allowed, no grant needed */
    call_ident(g_sfd, t1, getpid(), t1);
    call_ident(g_sfd, t2, getpid(), t2);
    tsync_post(&g_s2p, 0);
    CHECK_EQ(tsync_wait_t(&g_p2s, 30000), 3);
    return 0;                           /* the service threads die with us */
}

/* ---- C: the CMS ------------------------------------------------------ */

static int cms_main(void *arg)
{
    (void)arg;
    int fd = tdev_open_map(64 * 1024);
    CHECK_EQ(lipc_dev_ioctl(fd, IPC_SET_CMS, (void *)(uintptr_t)4096), 0);
    tsync_post(&g_c2p, 0);
    pid_t srv = (pid_t)tsync_wait_t(&g_s2c, 10000);
    pid_t svc = (pid_t)tsync_wait_t(&g_s2c, 10000);
    pid_t svc2 = (pid_t)tsync_wait_t(&g_s2c, 10000);
    /* before GEN_HANDLE the CMS has no access to svc either */
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call(fd, svc, C_IDENT, NULL, 0, &in), -EACCES);
    uint32_t h = 0;
    CHECK_EQ(tdev_cms(fd, CMS_GEN_HANDLE, (uint32_t)svc, 0, &h), 0);
    CHECK_EQ(h, svc);
    /* GEN_HANDLE gave the CMS process access to svc, not to svc2 */
    call_ident(fd, svc, srv, svc);
    CHECK_EQ(tdev_call(fd, svc2, C_IDENT, NULL, 0, &in), -EACCES);
    tsync_post(&g_c2p, 1);
    for (;;) {
        CHECK_EQ(tdev_recv_t(LIPC_WAIT_FOREVER, &in), 0);
        CHECK_EQ(in->type, MT_REQUEST);
        if (in->code == C_IDENT) {
            serve_ident(fd, in);
        } else if (in->code == C_GRANT) {
            /* grant svc to the requesting task's process */
            int32_t r = tdev_cms(fd, CMS_ADD_ACCESS, in->taskID, (uint32_t)svc, NULL);
            CHECK_EQ(tdev_reply(fd, in, MT_REPLY, &r, sizeof(r)), 0);
        } else if (in->code == C_QUIT) {     /* one-way */
            CHECK_EQ(tdev_free(fd, in), 0);
            return 0;
        } else {
            CHECK_EQ(tdev_reply(fd, in, MT_FAILED_REPLY, NULL, 0), 0);
        }
    }
}

/* ---- clients --------------------------------------------------------- */

static pid_t g_srv_pid;

static void grant_me(int fd)
{
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call(fd, 0, C_GRANT, NULL, 0, &in), 0);
    CHECK_EQ(in->dataSz, 4);
    CHECK_EQ(*(int32_t *)in->data, 0);
    CHECK_EQ(in->processID, g_cms_pid);
    CHECK_EQ(tdev_free(fd, in), 0);
}

static int g_bfd;

static void *b_thread(void *arg)
{
    (void)arg;
    /* a thread created after the grant: the grant is for the process */
    call_ident(g_bfd, g_svc, g_srv_pid, g_svc);
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call(g_bfd, g_svc2, C_IDENT, NULL, 0, &in), -EACCES);
    return NULL;
}

static int client_b(void *arg)
{
    (void)arg;
    int fd = g_bfd = tdev_open_map(64 * 1024);
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call(fd, g_svc, C_IDENT, NULL, 0, &in), -EACCES);
    CHECK_EQ(tdev_oneway(fd, g_svc, C_IDENT, NULL, 0), -EACCES);
    grant_me(fd);
    call_ident(fd, g_svc, g_srv_pid, g_svc);
    CHECK_EQ(tdev_call(fd, g_svc2, C_IDENT, NULL, 0, &in), -EACCES);
    tthread_join(tthread(b_thread, NULL));
    for (int i = 0; i < 100; i++)
        call_ident(fd, g_svc, g_srv_pid, g_svc);
    return 0;
}

/* D: other credentials.  The identity is the kernel's (SO_PEERCRED), not
 * anything the client says. */
static int client_d(void *arg)
{
    (void)arg;
    CHECK(setgroups(0, NULL) == 0);
    CHECK(setgid(4321) == 0);
    CHECK(setuid(4322) == 0);
    int fd = tdev_open_map(64 * 1024);
    grant_me(fd);
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call(fd, g_svc, C_IDENT, NULL, 0, &in), 0);
    check_ident(in, getpid(), lipc_gettid(), 4322, 4321);
    CHECK_EQ(in->processID, g_srv_pid);
    CHECK_EQ(in->userID, 0);            /* the replier runs as root */
    CHECK_EQ(tdev_free(fd, in), 0);
    /* the CMS sees the same */
    CHECK_EQ(tdev_call(fd, 0, C_IDENT, NULL, 0, &in), 0);
    check_ident(in, getpid(), lipc_gettid(), 4322, 4321);
    CHECK_EQ(tdev_free(fd, in), 0);
    return 0;
}

int main(void)
{
    tfailfast_init();
    tbroker_start(&g_brk);
    CHECK(chmod(g_brk.dir, 0755) == 0);         /* for client D */
    tsync_init(&g_s2c);
    tsync_init(&g_s2p);
    tsync_init(&g_c2p);
    tsync_init(&g_p2s);

    g_cms_pid = tfork(cms_main, NULL);
    CHECK_EQ(tsync_wait_t(&g_c2p, 10000), 0);
    g_srv_pid = tfork(service_main, NULL);
    tsync_post(&g_p2s, 1);
    g_svc = (pid_t)tsync_wait_t(&g_s2p, 10000);
    tsync_post(&g_p2s, 2);
    g_svc2 = (pid_t)tsync_wait_t(&g_s2p, 10000);
    CHECK(g_svc != g_svc2 && g_svc != g_srv_pid && g_svc2 != g_srv_pid);
    CHECK_EQ(tsync_wait_t(&g_c2p, 10000), 1);   /* C has minted svc's handle */

    /* P: no grant */
    int fd = tdev_open_map(64 * 1024);
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call(fd, g_svc, C_IDENT, NULL, 0, &in), -EACCES);
    CHECK_EQ(tdev_call(fd, g_svc2, C_IDENT, NULL, 0, &in), -EACCES);
    CHECK_EQ(tdev_call_t(g_svc, C_IDENT, NULL, 0, 1000, &in), -EACCES);
    /* handle 0 is always allowed, and the CMS sees who we are */
    call_ident(fd, 0, g_cms_pid, g_cms_pid);

    CHECK_EQ(lipc_test_wait_t(tfork(client_b, NULL), 20000), 0);
    /* B's grant is B's: P is still out */
    CHECK_EQ(tdev_call(fd, g_svc, C_IDENT, NULL, 0, &in), -EACCES);

    if (getuid() == 0)
        CHECK_EQ(lipc_test_wait_t(tfork(client_d, NULL), 20000), 0);
    else
        printf("not root: the other-credentials client is skipped\n");

    /* S calls its own threads without any grant */
    tsync_post(&g_p2s, 0);
    CHECK_EQ(tsync_wait_t(&g_s2p, 10000), 0);

    /* now P asks for (and gets) access */
    grant_me(fd);
    call_ident(fd, g_svc, g_srv_pid, g_svc);
    CHECK_EQ(tdev_call(fd, g_svc2, C_IDENT, NULL, 0, &in), -EACCES);

    CHECK_EQ(tdev_oneway(fd, 0, C_QUIT, NULL, 0), 0);
    CHECK_EQ(lipc_test_wait_t(g_cms_pid, 10000), 0);
    tsync_post(&g_p2s, 3);
    CHECK_EQ(lipc_test_wait_t(g_srv_pid, 10000), 0);
    CHECK_EQ(lipc_test_broker_stop(&g_brk), 0);
    printf("test_access: ok\n");
    return 0;
}
