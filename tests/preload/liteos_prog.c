/*
 * liteos_prog.c - a program written for the OpenHarmony LiteOS-A LiteIPC
 * driver, exactly as one would write it there: it includes the driver ABI
 * header and uses only POSIX calls on LITEIPC_DRIVER (open, openat, dup,
 * mmap, ioctl, read, write, close), plus fork, pipes and pthreads:
 * nothing glibc-specific, so it builds for LiteOS-A (musl) as it is.  It does
 * not link libliteipc nor include lipc.h; on Linux it runs under
 * LD_PRELOAD=libliteipc_preload.so.
 *
 * Processes (all forked from main, the "orchestrator"):
 *   CMS      sets itself as context manager (IPC_SET_CMS) and answers
 *            requests on handle 0: REGISTER (CMS_GEN_HANDLE for the sender's
 *            task, reply = the handle), GET_SERVICE (CMS_ADD_ACCESS for the
 *            sender's process, reply = the handle), QUIT.
 *   service  a thread that registers with the CMS and serves ADD (a + b)
 *            until QUIT, replying with the number of ADDs it served.
 *   clients  NCLIENTS processes doing NCALLS sync ADD calls in total through
 *            the handle they got from the CMS, checking every result and
 *            freeing every reply with BUFF_FREE.  Client 0 also forks: the
 *            child must map again before any ioctl works (ENOMEM), and gets
 *            no access rights (EACCES until it asks the CMS).
 *   main     checks the device's error contract, is the IPC thread of its
 *            process, stops the service and receives its death notice,
 *            stops the CMS.
 *
 * Exit code: 0 = all checks passed, 1 = a check failed, 2 = the device could
 * not be opened (e.g. run without the preload library), 3 = timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "lite_ipc.h"

#define POOL_SIZE    LITE_IPC_POOL_DEFAULT_SIZE
#define CMS_MAX_MSG  200            /* what the LiteOS-A kernel test uses */
#define NCLIENTS     4
#define NCALLS       10000

enum { CODE_REGISTER = 1, CODE_GET_SERVICE = 2, CODE_ADD = 3, CODE_QUIT = 4 };

/* ---- checks ------------------------------------------------------------- */

static pid_t g_children[NCLIENTS + 4];
static int g_nchildren;

static void die(void)
{
    /* the orchestrator takes its children down with it */
    for (int i = 0; i < g_nchildren; i++)
        kill(g_children[i], SIGKILL);
    for (int i = 0; i < g_nchildren; i++)
        waitpid(g_children[i], NULL, 0);
    _exit(1);
}

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "liteos_prog[%d] %s:%d: CHECK failed: %s (errno=%d %s)\n", \
                    (int)getpid(), __FILE__, __LINE__, #cond, errno, strerror(errno)); \
            die();                                                                   \
        }                                                                            \
    } while (0)

/* expect -1 (or MAP_FAILED) with errno == e */
#define CHECK_FAIL(expr, e)                                                          \
    do {                                                                             \
        errno = 0;                                                                   \
        long _r = (long)(expr);                                                      \
        if (_r != -1 || errno != (e)) {                                              \
            fprintf(stderr, "liteos_prog[%d] %s:%d: %s: expected -1/%s, got %ld errno=%d (%s)\n", \
                    (int)getpid(), __FILE__, __LINE__, #expr, #e, _r, errno, strerror(errno)); \
            die();                                                                   \
        }                                                                            \
    } while (0)

static void on_alarm(int sig)
{
    (void)sig;
    static const char m[] = "liteos_prog: timeout\n";
    ssize_t r = write(2, m, sizeof(m) - 1);
    (void)r;
    for (int i = 0; i < g_nchildren; i++)
        kill(g_children[i], SIGKILL);
    _exit(3);
}

static void watchdog(unsigned seconds)
{
    signal(SIGALRM, on_alarm);
    alarm(seconds);
}

static pid_t spawn(void)
{
    pid_t p = fork();
    CHECK(p >= 0);
    if (p == 0)
        g_nchildren = 0;        /* not ours to kill */
    else
        g_children[g_nchildren++] = p;
    return p;
}

static int wait_exit(pid_t p)
{
    int st;
    CHECK(waitpid(p, &st, 0) == p);
    for (int i = 0; i < g_nchildren; i++)
        if (g_children[i] == p)
            g_children[i] = g_children[--g_nchildren];
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- the driver, as a LiteOS-A program uses it -------------------------- */

static int open_driver(void)
{
    int fd = open(LITEIPC_DRIVER, O_RDWR);
    if (fd < 0) {
        fprintf(stderr, "liteos_prog: open %s: %s\n", LITEIPC_DRIVER, strerror(errno));
        _exit(2);
    }
    return fd;
}

static int open_map(void)
{
    int fd = open_driver();
    void *pool = mmap(NULL, POOL_SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(pool != MAP_FAILED);
    return fd;
}

/* Sync request: 0 and *reply, or the errno. */
static int call(int fd, uint32_t handle, uint32_t code, const void *data, uint32_t len, IpcMsg **reply)
{
    IpcMsg m;
    memset(&m, 0, sizeof(m));
    m.type = MT_REQUEST;
    m.target.handle = (int32_t)handle;
    m.code = code;
    m.flag = LITEIPC_FLAG_DEFAULT;
    m.dataSz = len;
    m.data = (void *)data;
    IpcContent c = { .flag = SEND | RECV, .outMsg = &m };
    if (ioctl(fd, IPC_SEND_RECV_MSG, &c) < 0)
        return errno;
    *reply = c.inMsg;
    return 0;
}

static IpcMsg *receive(int fd)
{
    IpcContent c = { .flag = RECV };
    CHECK(ioctl(fd, IPC_SEND_RECV_MSG, &c) == 0);
    CHECK(c.inMsg != NULL);
    return c.inMsg;
}

static void free_buffer(int fd, void *buf)
{
    IpcContent c = { .flag = BUFF_FREE, .buffToFree = buf };
    CHECK(ioctl(fd, IPC_SEND_RECV_MSG, &c) == 0);
}

/* Replies to req (and frees it). */
static void reply_to(int fd, IpcMsg *req, MsgType type, const void *data, uint32_t len)
{
    IpcMsg m;
    memset(&m, 0, sizeof(m));
    m.type = type;
    m.target.handle = (int32_t)req->taskID;
    m.code = req->code;
    m.flag = req->flag;
    m.timestamp = req->timestamp;
    m.dataSz = len;
    m.data = (void *)data;
    IpcContent c = { .flag = SEND | BUFF_FREE, .outMsg = &m, .buffToFree = req };
    CHECK(ioctl(fd, IPC_SEND_RECV_MSG, &c) == 0);
}

static uint32_t reply_u32(const IpcMsg *r)
{
    uint32_t v;
    CHECK(r->type == MT_REPLY);
    CHECK(r->dataSz == sizeof(v));
    memcpy(&v, r->data, sizeof(v));
    return v;
}

/* Asks the CMS for the service: access is granted to this process. */
static uint32_t get_service(int fd)
{
    IpcMsg *r;
    CHECK(call(fd, 0, CODE_GET_SERVICE, NULL, 0, &r) == 0);
    uint32_t h = reply_u32(r);
    free_buffer(fd, r);
    return h;
}

static void add_call(int fd, uint32_t handle, int32_t a, int32_t b)
{
    int32_t in[2] = { a, b }, sum;
    IpcMsg *r;
    int e = call(fd, handle, CODE_ADD, in, sizeof(in), &r);
    if (e) {
        errno = e;
        CHECK(!"ADD call failed");
    }
    CHECK(r->type == MT_REPLY);
    CHECK(r->taskID == handle);                 /* the service task replied */
    CHECK(r->dataSz == sizeof(sum));
    memcpy(&sum, r->data, sizeof(sum));
    CHECK(sum == a + b);
    free_buffer(fd, r);
}

static void send_u32(int p, uint32_t v) { CHECK(write(p, &v, sizeof(v)) == sizeof(v)); }
static uint32_t recv_u32(int p)
{
    uint32_t v;
    CHECK(read(p, &v, sizeof(v)) == sizeof(v));
    return v;
}

/* ---- CMS ------------------------------------------------------------------ */

static int cms_main(int ready)
{
    int fd = open_map();
    CHECK(ioctl(fd, IPC_SET_CMS, CMS_MAX_MSG) == 0);
    send_u32(ready, 1);
    uint32_t svc = 0;
    for (;;) {
        IpcMsg *in = receive(fd);
        if (in->type != MT_REQUEST) {
            free_buffer(fd, in);
            continue;
        }
        switch (in->code) {
        case CODE_REGISTER: {
            CmsCmdContent cc = { .cmd = CMS_GEN_HANDLE, .taskID = in->taskID };
            CHECK(ioctl(fd, IPC_CMS_CMD, &cc) == 0);
            CHECK(cc.serviceHandle == in->taskID);    /* handle = task id */
            svc = cc.serviceHandle;
            reply_to(fd, in, MT_REPLY, &svc, sizeof(svc));
            break;
        }
        case CODE_GET_SERVICE: {
            if (!svc) {
                reply_to(fd, in, MT_FAILED_REPLY, NULL, 0);
                break;
            }
            CmsCmdContent cc = { .cmd = CMS_ADD_ACCESS, .taskID = in->taskID, .serviceHandle = svc };
            CHECK(ioctl(fd, IPC_CMS_CMD, &cc) == 0);
            reply_to(fd, in, MT_REPLY, &svc, sizeof(svc));
            break;
        }
        case CODE_QUIT:
            reply_to(fd, in, MT_REPLY, NULL, 0);
            CHECK(close(fd) == 0);
            return 0;
        default:
            reply_to(fd, in, MT_FAILED_REPLY, NULL, 0);
        }
    }
}

/* ---- service ---------------------------------------------------------------- */

struct service { int fd, ready; };

static void *service_thread(void *arg)
{
    struct service *s = arg;
    IpcMsg *r;
    CHECK(call(s->fd, 0, CODE_REGISTER, NULL, 0, &r) == 0);
    uint32_t handle = reply_u32(r);
    free_buffer(s->fd, r);
    send_u32(s->ready, handle);
    uint32_t served = 0;
    for (;;) {
        IpcMsg *in = receive(s->fd);
        CHECK(in->type == MT_REQUEST);
        CHECK(in->target.handle == (int32_t)handle);
        if (in->code == CODE_QUIT) {
            reply_to(s->fd, in, MT_REPLY, &served, sizeof(served));
            return NULL;
        }
        CHECK(in->code == CODE_ADD);
        CHECK(in->dataSz == 2 * sizeof(int32_t));
        CHECK(in->processID != (uint32_t)getpid());
        int32_t ab[2];
        memcpy(ab, in->data, sizeof(ab));
        int32_t sum = ab[0] + ab[1];
        reply_to(s->fd, in, MT_REPLY, &sum, sizeof(sum));
        served++;
    }
}

static int service_main(int ready)
{
    struct service s = { .fd = open_map(), .ready = ready };
    pthread_t th;
    CHECK(pthread_create(&th, NULL, service_thread, &s) == 0);
    CHECK(pthread_join(th, NULL) == 0);
    CHECK(close(s.fd) == 0);
    return 0;
}

/* ---- clients ----------------------------------------------------------------- */

/* The fork child of a client that has a mapped pool and access rights. */
static int forked_child(int fd, uint32_t handle)
{
    IpcVersion v = { 0 };
    IpcMsg *r;
    /* a fresh LiteIPC state: nothing works until the child maps again */
    CHECK_FAIL(ioctl(fd, IPC_GET_VERSION, &v), ENOMEM);
    CHECK(call(fd, handle, CODE_ADD, "12345678", 8, &r) == ENOMEM);
    CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) != MAP_FAILED);
    CHECK(ioctl(fd, IPC_GET_VERSION, &v) == 0 && v.driverVersion == 2);
    /* no access rights are inherited */
    CHECK(call(fd, handle, CODE_ADD, "12345678", 8, &r) == EACCES);
    CHECK(get_service(fd) == handle);
    add_call(fd, handle, 40, 2);
    CHECK(close(fd) == 0);
    return 0;
}

static int client_main(int k, uint32_t handle, int calls, int result)
{
    int fd = open_map();
    IpcMsg *r;
    int32_t ab[2] = { 1, 2 };
    /* not granted yet */
    CHECK(call(fd, handle, CODE_ADD, ab, sizeof(ab), &r) == EACCES);
    /* only the CMS's process may use IPC_CMS_CMD */
    CmsCmdContent cc = { .cmd = CMS_ADD_ACCESS, .taskID = (uint32_t)getpid(), .serviceHandle = handle };
    CHECK_FAIL(ioctl(fd, IPC_CMS_CMD, &cc), EACCES);
    CHECK(get_service(fd) == handle);

    double t0 = now_ms();
    for (int i = 0; i < calls; i++)
        add_call(fd, handle, i * 7 - 5000 + k, 1000 * k - i);
    double ms = now_ms() - t0;
    CHECK(write(result, &ms, sizeof(ms)) == sizeof(ms));

    if (k == 0) {
        pid_t c = fork();
        CHECK(c >= 0);
        if (c == 0)
            _exit(forked_child(fd, handle));
        int st;
        CHECK(waitpid(c, &st, 0) == c);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        add_call(fd, handle, -7, 7);            /* the parent is unaffected */
    }
    CHECK(close(fd) == 0);
    return 0;
}

/* ---- main ------------------------------------------------------------------------ */

static void check_device_contract(int fd)
{
    char b[8] = { 0 };
    IpcVersion v = { 0 };

    /* every ioctl needs a mapped pool */
    CHECK_FAIL(ioctl(fd, IPC_GET_VERSION, &v), ENOMEM);
    /* read and write are not implemented by the driver */
    CHECK_FAIL(read(fd, b, sizeof(b)), EINVAL);
    CHECK_FAIL(write(fd, b, sizeof(b)), EINVAL);
    /* the pool is read-only, private, at most 256 KiB */
    CHECK(mmap(NULL, POOL_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0) == MAP_FAILED && errno == EINVAL);
    CHECK(mmap(NULL, POOL_SIZE, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EINVAL);
    CHECK(mmap(NULL, LITE_IPC_POOL_MAX_SIZE + 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED &&
          errno == EINVAL);
    void *pool = mmap(NULL, POOL_SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(pool != MAP_FAILED);
    /* one pool per process */
    CHECK(mmap(NULL, 4095, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED && errno == EEXIST);
    CHECK(ioctl(fd, IPC_GET_VERSION, &v) == 0);
    CHECK(v.driverVersion == 2);
    CHECK_FAIL(ioctl(fd, IPC_GET_VERSION, NULL), EINVAL);
    CHECK_FAIL(ioctl(fd, _IO('i', 99), 0), EINVAL);
    /* no CMS yet */
    CHECK_FAIL(ioctl(fd, IPC_SET_IPC_THREAD, 0), EINVAL);
    CHECK_FAIL(ioctl(fd, IPC_SET_CMS, 0), EINVAL);      /* maxMsgSize < sizeof(IpcMsg) */
    CHECK_FAIL(ioctl(fd, IPC_SEND_RECV_MSG, NULL), EINVAL);

    /* more descriptors for the same device (one LiteIPC state per process) */
    int fds[4];
    fds[0] = open(LITEIPC_DRIVER, O_RDONLY);
    fds[1] = openat(AT_FDCWD, LITEIPC_DRIVER, O_RDWR);
    int dir = open("/", O_RDONLY | O_DIRECTORY);
    CHECK(dir >= 0);
    fds[2] = openat(dir, LITEIPC_DRIVER, O_RDWR);         /* absolute: dirfd ignored */
    CHECK(close(dir) == 0);
    fds[3] = dup(fd);
    for (int i = 0; i < 4; i++) {
        CHECK(fds[i] >= 0 && fds[i] != fd);
        v.driverVersion = 0;
        CHECK(ioctl(fds[i], IPC_GET_VERSION, &v) == 0 && v.driverVersion == 2);
        CHECK_FAIL(read(fds[i], b, 1), EINVAL);
        CHECK(close(fds[i]) == 0);
        CHECK_FAIL(ioctl(fds[i], IPC_GET_VERSION, &v), EBADF);
    }
}

int main(void)
{
    watchdog(120);
    setvbuf(stdout, NULL, _IOLBF, 0);

    int fd = open_driver();
    check_device_contract(fd);

    int p[2];
    CHECK(pipe(p) == 0);

    /* the CMS */
    pid_t cms = spawn();
    if (cms == 0)
        _exit(cms_main(p[1]));
    CHECK(recv_u32(p[0]) == 1);

    CHECK_FAIL(ioctl(fd, IPC_SET_CMS, CMS_MAX_MSG), EEXIST);
    CmsCmdContent cc = { .cmd = CMS_GEN_HANDLE };
    CHECK_FAIL(ioctl(fd, IPC_CMS_CMD, &cc), EACCES);
    /* this thread becomes the IPC thread (death notices) of the process */
    int tid = ioctl(fd, IPC_SET_IPC_THREAD, 0);
    CHECK(tid > 0);
    CHECK_FAIL(ioctl(fd, IPC_SET_IPC_THREAD, 0), EINVAL);
    /* messages to the CMS are limited to its maxMsgSize in total */
    char big[CMS_MAX_MSG] = { 0 };
    IpcMsg *r;
    CHECK(call(fd, 0, CODE_GET_SERVICE, big, sizeof(big), &r) == EINVAL);
    /* no service registered yet: the CMS answers with a failed reply */
    CHECK(call(fd, 0, CODE_GET_SERVICE, NULL, 0, &r) == ENOENT);

    /* the service */
    pid_t svc = spawn();
    if (svc == 0)
        _exit(service_main(p[1]));
    uint32_t handle = recv_u32(p[0]);
    CHECK(handle != 0 && handle != (uint32_t)tid);

    /* the clients */
    int res[2];
    CHECK(pipe(res) == 0);
    pid_t cl[NCLIENTS];
    double t0 = now_ms();
    for (int k = 0; k < NCLIENTS; k++) {
        cl[k] = spawn();
        if (cl[k] == 0)
            _exit(client_main(k, handle, NCALLS / NCLIENTS, res[1]));
    }
    double slowest = 0;
    for (int k = 0; k < NCLIENTS; k++) {
        double ms;
        CHECK(read(res[0], &ms, sizeof(ms)) == sizeof(ms));
        if (ms > slowest)
            slowest = ms;
    }
    double wall = now_ms() - t0;
    for (int k = 0; k < NCLIENTS; k++)
        CHECK(wait_exit(cl[k]) == 0);
    printf("liteos_prog: %d sync calls from %d client processes: %.1f ms for the slowest client "
           "(%.1f us/call in each client, %.0f calls/s overall; %.1f ms from the first fork)\n",
           NCALLS, NCLIENTS, slowest, slowest * 1000.0 / (NCALLS / NCLIENTS), NCALLS / (slowest / 1000.0),
           wall);

    /* stop the service: it served every call, then its death is notified */
    CHECK(get_service(fd) == handle);
    CHECK(call(fd, handle, CODE_QUIT, NULL, 0, &r) == 0);
    CHECK(reply_u32(r) == NCALLS + 2);
    free_buffer(fd, r);
    alarm(30);
    IpcMsg *death = receive(fd);
    CHECK(death->type == MT_DEATH_NOTIFY);
    CHECK(death->target.token == handle);
    free_buffer(fd, death);
    CHECK(wait_exit(svc) == 0);

    /* stop the CMS */
    CHECK(call(fd, 0, CODE_QUIT, NULL, 0, &r) == 0);
    free_buffer(fd, r);
    CHECK(wait_exit(cms) == 0);

    CHECK(close(fd) == 0);
    CHECK_FAIL(ioctl(fd, IPC_GET_VERSION, NULL), EBADF);
    printf("liteos_prog: ok\n");
    return 0;
}
