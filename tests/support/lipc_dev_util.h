/* Helpers for tests that drive the device interface directly. */
#ifndef LIPC_DEV_UTIL_H
#define LIPC_DEV_UTIL_H

#include <sys/mman.h>
#include "lipc.h"
#include "lipc_test.h"

static inline int tdev_open_map(size_t len)
{
    int fd = lipc_dev_open();
    CHECK(fd >= 0);
    void *p = lipc_dev_mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(p != MAP_FAILED);
    return fd;
}

/* Sync request; returns 0 or -errno; *in set on success. */
static inline int tdev_call(int fd, int32_t handle, uint32_t code, const void *data, uint32_t len, IpcMsg **in)
{
    IpcMsg m = { .type = MT_REQUEST, .target.handle = handle, .code = code, .flag = LITEIPC_FLAG_DEFAULT,
                 .dataSz = len, .data = (void *)data };
    IpcContent c = { .flag = SEND | RECV, .outMsg = &m };
    int r = lipc_dev_ioctl(fd, IPC_SEND_RECV_MSG, &c);
    if (r < 0)
        return -errno;
    *in = c.inMsg;
    return 0;
}

static inline int tdev_oneway(int fd, int32_t handle, uint32_t code, const void *data, uint32_t len)
{
    IpcMsg m = { .type = MT_REQUEST, .target.handle = handle, .code = code, .flag = LITEIPC_FLAG_ONEWAY,
                 .dataSz = len, .data = (void *)data };
    IpcContent c = { .flag = SEND, .outMsg = &m };
    return lipc_dev_ioctl(fd, IPC_SEND_RECV_MSG, &c) < 0 ? -errno : 0;
}

static inline int tdev_recv(int fd, IpcMsg **in)
{
    IpcContent c = { .flag = RECV };
    int r = lipc_dev_ioctl(fd, IPC_SEND_RECV_MSG, &c);
    if (r < 0)
        return -errno;
    *in = c.inMsg;
    return 0;
}

static inline int tdev_free(int fd, void *p)
{
    IpcContent c = { .flag = BUFF_FREE, .buffToFree = p };
    return lipc_dev_ioctl(fd, IPC_SEND_RECV_MSG, &c) < 0 ? -errno : 0;
}

/* Replies to a request (and frees it), with data. */
static inline int tdev_reply(int fd, IpcMsg *req, MsgType type, const void *data, uint32_t len)
{
    IpcMsg m = { .type = type, .target.handle = (int32_t)req->taskID, .code = req->code, .flag = req->flag,
                 .timestamp = req->timestamp, .dataSz = len, .data = (void *)data };
    IpcContent c = { .flag = SEND | BUFF_FREE, .outMsg = &m, .buffToFree = req };
    return lipc_dev_ioctl(fd, IPC_SEND_RECV_MSG, &c) < 0 ? -errno : 0;
}

/* A pipe used as a one-shot barrier between parent and child. */
struct tsync { int p[2]; };
static inline void tsync_init(struct tsync *s) { CHECK(pipe(s->p) == 0); }
static inline void tsync_post(struct tsync *s, uint32_t v) { CHECK(write(s->p[1], &v, 4) == 4); }
static inline uint32_t tsync_wait(struct tsync *s)
{
    uint32_t v = 0;
    CHECK(read(s->p[0], &v, 4) == 4);
    return v;
}


/* ---- more helpers (multi-process core tests) ------------------------------ */
#include <dirent.h>
#include <poll.h>
#include <pthread.h>

/* IPC_CMS_CMD; returns 0 or -errno; *handle_out (if set) gets serviceHandle. */
static inline int tdev_cms(int fd, CmsCmd cmd, uint32_t task, uint32_t handle, uint32_t *handle_out)
{
    CmsCmdContent c = { .cmd = cmd, .taskID = task, .serviceHandle = handle };
    int r = lipc_dev_ioctl(fd, IPC_CMS_CMD, &c);
    if (r < 0)
        return -errno;
    if (handle_out)
        *handle_out = c.serviceHandle;
    return 0;
}

/* Raw IPC_SEND_RECV_MSG through the ioctl; returns 0 or -errno. */
static inline int tdev_msg(int fd, uint32_t flag, IpcMsg *out, void *to_free, IpcMsg **in)
{
    IpcContent c = { .flag = flag, .outMsg = out, .buffToFree = to_free };
    int r = lipc_dev_ioctl(fd, IPC_SEND_RECV_MSG, &c);
    if (r < 0)
        return -errno;
    if (in)
        *in = c.inMsg;
    return 0;
}

/* Sync request through lipc_send_recv (per-call timeout, no data limit). */
static inline int tdev_call_t(int32_t handle, uint32_t code, const void *data, uint32_t len, int timeout_ms,
                              IpcMsg **in)
{
    IpcMsg m = { .type = MT_REQUEST, .target.handle = handle, .code = code, .flag = LITEIPC_FLAG_DEFAULT,
                 .dataSz = len, .data = (void *)data };
    IpcContent c = { .flag = SEND | RECV, .outMsg = &m };
    int r = lipc_send_recv(&c, timeout_ms);
    if (r == 0 && in)
        *in = c.inMsg;
    return r;
}

/* Receive with a timeout (lipc_send_recv RECV only). */
static inline int tdev_recv_t(int timeout_ms, IpcMsg **in)
{
    IpcContent c = { .flag = RECV };
    int r = lipc_send_recv(&c, timeout_ms);
    if (r == 0 && in)
        *in = c.inMsg;
    return r;
}

/* Makes the calling thread known to the driver as a task (as a RECV does on
 * LiteOS-A): a receive that times out at once. */
static inline void tdev_touch(void)
{
    IpcMsg *in;
    int r = tdev_recv_t(0, &in);
    CHECK(r == -ETIME);
}

/* tsync_wait with a timeout: aborts if nothing arrives (the peer died). */
static inline uint32_t tsync_wait_t(struct tsync *s, int timeout_ms)
{
    struct pollfd p = { .fd = s->p[0], .events = POLLIN };
    int r;
    do {
        r = poll(&p, 1, timeout_ms);
    } while (r < 0 && errno == EINTR);
    if (r != 1) {
        fprintf(stderr, "tsync_wait_t: nothing within %d ms\n", timeout_ms);
        abort();
    }
    return tsync_wait(s);
}

/* Forks a child that runs fn(arg) and _exits with its result. */
static inline pid_t tfork(int (*fn)(void *), void *arg)
{
    fflush(stdout);
    fflush(stderr);
    pid_t p = fork();
    CHECK(p >= 0);
    if (p == 0)
        _exit(fn(arg));
    return p;
}

/* Waits for a child at most timeout_ms; returns its exit code (128+sig), or
 * aborts (after killing it) on timeout. */
static inline int lipc_test_wait_t(pid_t pid, int timeout_ms)
{
    long long end = lipc_test_now_ms() + timeout_ms;
    for (;;) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        CHECK(r >= 0);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (lipc_test_now_ms() > end) {
            fprintf(stderr, "child %d did not exit within %d ms\n", (int)pid, timeout_ms);
            kill(pid, SIGKILL);
            abort();
        }
        usleep(2000);
    }
}

/* Fail fast: the test becomes a process group leader and an abort() anywhere
 * in it (parent or forked child) SIGKILLs the whole group (broker included),
 * so that a failure never leaves processes behind or hangs the test. */
static inline pid_t *tfailfast_grp(void)
{
    static pid_t g;
    return &g;
}
static inline void tfailfast_handler(int sig)
{
    (void)sig;
    pid_t g = *tfailfast_grp();
    if (g > 0)
        kill(-g, SIGKILL);
    _exit(134);
}
static inline void tfailfast_init(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);       /* figures printed survive a kill */
    if (getpgrp() == getpid() || setpgid(0, 0) == 0)
        *tfailfast_grp() = getpid();
    signal(SIGABRT, tfailfast_handler);
}

/* Waits until thread tid of this process has fully gone (max 2 s). */
static inline void twait_tid_gone(pid_t tid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/task/%d", (int)tid);
    for (int i = 0; i < 2000; i++) {
        struct stat st;
        if (stat(path, &st) < 0)
            return;
        usleep(1000);
    }
    fprintf(stderr, "thread %d did not go away\n", (int)tid);
    abort();
}

/* Number of entries in /proc/<pid>/<sub> (e.g. "fd", "task"), -1 on error. */
static inline int tproc_count(pid_t pid, const char *sub)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, sub);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

/* A thread whose only job is to call fn(arg); joined with tthread_join. */
static inline pthread_t tthread(void *(*fn)(void *), void *arg)
{
    pthread_t t;
    CHECK(pthread_create(&t, NULL, fn, arg) == 0);
    return t;
}

static inline void *tthread_join(pthread_t t)
{
    void *r = NULL;
    CHECK(pthread_join(t, &r) == 0);
    return r;
}


/* lipc_test_broker_start, then waits until the broker accepts connections:
 * the socket file appears at bind(), a moment before listen(), and a
 * connect() in between fails with ECONNREFUSED. */
#include <sys/socket.h>
#include <sys/un.h>
static inline void tbroker_start_opt(struct lipc_test_broker *b, const char *opt, const char *val)
{
    lipc_test_broker_start_opt(b, opt, val);
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    size_t n = strlen(b->sock);
    CHECK(n < sizeof(a.sun_path));
    memcpy(a.sun_path, b->sock, n + 1);
    for (int i = 0; i < 1000; i++) {
        int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        CHECK(s >= 0);
        int r = connect(s, (struct sockaddr *)&a, sizeof(a));
        close(s);
        if (r == 0)
            return;
        usleep(5000);
    }
    fprintf(stderr, "broker does not accept connections\n");
    abort();
}

static inline void tbroker_start(struct lipc_test_broker *b)
{
    tbroker_start_opt(b, NULL, NULL);
}

/* An echo CMS for tests: maps a pool of `pool` bytes, becomes the CMS,
 * posts its tid to ready, answers every request with its own data (frees
 * one-way ones) until process quit_from sends quit_code; returns 0. */
static inline int tdev_echo_cms(size_t pool, struct tsync *ready, pid_t quit_from, uint32_t quit_code)
{
    int fd = tdev_open_map(pool);
    CHECK(lipc_dev_ioctl(fd, IPC_SET_CMS, (void *)(uintptr_t)4096) == 0);
    tsync_post(ready, (uint32_t)lipc_gettid());
    for (;;) {
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_recv(fd, &in), 0);
        int quit = (pid_t)in->processID == quit_from && in->code == quit_code;
        if (in->flag == LITEIPC_FLAG_ONEWAY)
            CHECK_EQ(tdev_free(fd, in), 0);
        else
            tdev_reply(fd, in, MT_REPLY, in->data, in->dataSz);
        if (quit)
            return 0;
    }
}

/* Answers a request the way the test servers do: frees a one-way one,
 * gives the others an empty reply. */
static inline void tdev_answer(int fd, IpcMsg *in)
{
    if (in->flag == LITEIPC_FLAG_ONEWAY)
        CHECK_EQ(tdev_free(fd, in), 0);
    else
        tdev_reply(fd, in, MT_REPLY, NULL, 0);
}

/* A CMS with a second service thread T2, for tests of who may reach whom:
 * T2 posts its tid to `ready`, then the pid of every sender that reaches it
 * to `report`.  Both answer what they get (tdev_answer). */
struct tdev_t2_server {
    struct tsync ready, report;
    int fd;
};

static inline void *tdev_t2_main(void *arg)
{
    struct tdev_t2_server *s = arg;
    tdev_touch();                               /* a task the broker knows */
    tsync_post(&s->ready, (uint32_t)lipc_gettid());
    for (;;) {
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_recv_t(-1, &in), 0);
        tsync_post(&s->report, in->processID);  /* who reached us */
        tdev_answer(s->fd, in);
    }
    return NULL;
}

/* The CMS's loop (in the server process): returns 0 once process quit_from
 * sent it quit_code (answered). */
static inline int tdev_t2_server(struct tdev_t2_server *s, size_t pool, pid_t quit_from, uint32_t quit_code)
{
    s->fd = tdev_open_map(pool);
    CHECK(lipc_dev_ioctl(s->fd, IPC_SET_CMS, (void *)(uintptr_t)4096) == 0);
    tdev_touch();
    tthread(tdev_t2_main, s);
    for (;;) {
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_recv(s->fd, &in), 0);
        int quit = (pid_t)in->processID == quit_from && in->code == quit_code;
        tdev_answer(s->fd, in);
        if (quit)
            return 0;
    }
}

#endif
