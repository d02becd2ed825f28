/*
 * lipc_demo - LiteIPC end to end, through the /dev/lite_ipc interface:
 *   a private broker, a CMS that hands out a service handle, a service, a
 *   client that is granted access and calls it, an intruder that is denied,
 *   and a death notice when the service is killed.  Exits leaving nothing
 *   running.  Usage: lipc_demo [--broker PATH]
 */
#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "lipc.h"

#define CODE_REGISTER 1     /* service -> CMS: "I am the service" */
#define CODE_LOOKUP   2     /* client -> CMS: "give me the service handle" */
#define CODE_ADD      10    /* client -> service */

static int g_out[2];        /* children report to the parent */

static void say(const char *who, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const char *who, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    printf("  %-9s %s\n", who, buf);
    fflush(stdout);
}

static int open_dev(void)
{
    int fd = lipc_dev_open();
    if (fd < 0 || lipc_dev_mmap(NULL, 64 * 1024, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED) {
        fprintf(stderr, "lipc_demo: cannot open the device: %s\n", strerror(errno));
        exit(1);
    }
    return fd;
}

static int reply(int fd, IpcMsg *req, const void *data, uint32_t len)
{
    IpcMsg m = { .type = MT_REPLY, .target.handle = (int32_t)req->taskID, .code = req->code,
                 .flag = req->flag, .timestamp = req->timestamp, .dataSz = len, .data = (void *)data };
    IpcContent c = { .flag = SEND | BUFF_FREE, .outMsg = &m, .buffToFree = req };
    return lipc_dev_ioctl(fd, IPC_SEND_RECV_MSG, &c);
}

static int call(int fd, int32_t handle, uint32_t code, const void *data, uint32_t len, IpcMsg **in)
{
    IpcMsg m = { .type = MT_REQUEST, .target.handle = handle, .code = code, .dataSz = len, .data = (void *)data };
    IpcContent c = { .flag = SEND | RECV, .outMsg = &m };
    int r = lipc_dev_ioctl(fd, IPC_SEND_RECV_MSG, &c);
    *in = c.inMsg;
    return r;
}

static void free_msg(int fd, void *p)
{
    IpcContent c = { .flag = BUFF_FREE, .buffToFree = p };
    lipc_dev_ioctl(fd, IPC_SEND_RECV_MSG, &c);
}

/* The CMS: registers the service's handle, grants access to lookups. */
static int cms_main(void)
{
    int fd = open_dev();
    if (lipc_dev_ioctl(fd, IPC_SET_CMS, (void *)(uintptr_t)256) < 0)
        return 1;
    say("cms", "pid %d is the service manager (handle 0)", getpid());
    write(g_out[1], "c", 1);
    uint32_t service = 0;
    for (;;) {
        IpcContent c = { .flag = RECV };
        if (lipc_dev_ioctl(fd, IPC_SEND_RECV_MSG, &c) < 0)
            return 1;
        IpcMsg *in = c.inMsg;
        if (in->code == CODE_REGISTER) {
            CmsCmdContent cc = { .cmd = CMS_GEN_HANDLE, .taskID = in->taskID };
            lipc_dev_ioctl(fd, IPC_CMS_CMD, &cc);
            service = cc.serviceHandle;
            say("cms", "registered service handle %u (task %u of pid %u)", service, in->taskID, in->processID);
            reply(fd, in, &service, sizeof(service));
        } else if (in->code == CODE_LOOKUP) {
            int granted = in->dataSz == 1 && ((const char *)in->data)[0] == 'y';
            if (granted) {
                CmsCmdContent cc = { .cmd = CMS_ADD_ACCESS, .taskID = in->taskID, .serviceHandle = service };
                lipc_dev_ioctl(fd, IPC_CMS_CMD, &cc);
            }
            say("cms", "lookup from pid %u uid %u: %s", in->processID, in->userID,
                granted ? "access granted" : "no grant (policy says no)");
            reply(fd, in, &service, sizeof(service));
        } else {
            free_msg(fd, in);
            return 0;
        }
    }
}

/* The service: adds two numbers. */
static int service_main(void)
{
    int fd = open_dev();
    IpcMsg *in;
    if (call(fd, 0, CODE_REGISTER, NULL, 0, &in) < 0)
        return 1;
    say("service", "pid %d registered as handle %u", getpid(), *(const uint32_t *)in->data);
    free_msg(fd, in);
    write(g_out[1], "s", 1);
    for (;;) {
        IpcContent c = { .flag = RECV };
        if (lipc_dev_ioctl(fd, IPC_SEND_RECV_MSG, &c) < 0)
            return 1;
        in = c.inMsg;
        int32_t v[2] = { 0, 0 };
        memcpy(v, in->data, in->dataSz < sizeof(v) ? in->dataSz : sizeof(v));
        int32_t sum = v[0] + v[1];
        say("service", "call from pid %u task %u: %d + %d = %d", in->processID, in->taskID, v[0], v[1], sum);
        reply(fd, in, &sum, sizeof(sum));
    }
}

static void *ipc_thread(void *arg)
{
    int fd = *(int *)arg;
    int tid = lipc_dev_ioctl(fd, IPC_SET_IPC_THREAD, NULL);
    say("client", "IPC thread %d waits for death notices", tid);
    write(g_out[1], "i", 1);
    IpcContent c = { .flag = RECV };
    if (lipc_dev_ioctl(fd, IPC_SEND_RECV_MSG, &c) == 0 && c.inMsg->type == MT_DEATH_NOTIFY) {
        say("client", "death notice: service handle %lu is gone", (unsigned long)c.inMsg->target.token);
        free_msg(fd, c.inMsg);
        write(g_out[1], "d", 1);
    }
    return NULL;
}

static int client_main(int granted)
{
    int fd = open_dev();
    const char *who = granted ? "client" : "intruder";
    pthread_t it;
    if (granted)
        pthread_create(&it, NULL, ipc_thread, &fd);
    IpcMsg *in;
    char yes = granted ? 'y' : 'n';
    if (call(fd, 0, CODE_LOOKUP, &yes, 1, &in) < 0)
        return 1;
    int32_t h = *(const int32_t *)in->data;
    free_msg(fd, in);
    say(who, "pid %d looked up the service: handle %d", getpid(), h);
    for (int i = 1; i <= 3; i++) {
        int32_t v[2] = { i, 10 * i };
        if (call(fd, h, CODE_ADD, v, sizeof(v), &in) < 0) {
            say(who, "call %d refused: %s%s", i, strerror(errno), errno == EACCES ? " (as it should be)" : "");
            return granted ? 1 : 0;
        }
        say(who, "%d + %d = %d", v[0], v[1], *(const int32_t *)in->data);
        free_msg(fd, in);
    }
    if (!granted)
        return 1;
    write(g_out[1], "k", 1);       /* parent: kill the service now */
    pthread_join(it, NULL);
    return 0;
}

static pid_t spawn(int (*fn)(int), int arg)
{
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        _exit(fn(arg));
    }
    return p;
}
static int cms_fn(int a) { (void)a; return cms_main(); }
static int service_fn(int a) { (void)a; return service_main(); }

/* Waits until a child reported `want` (reports may arrive in any order). */
static char wait_for(char want)
{
    static char seen[256];
    char c;
    while (!seen[(unsigned char)want] && read(g_out[0], &c, 1) == 1)
        seen[(unsigned char)c] = 1;
    return seen[(unsigned char)want] ? want : 0;
}

int main(int argc, char **argv)
{
    const char *broker = argc > 2 && !strcmp(argv[1], "--broker") ? argv[2] : "liteipcd";
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: lipc_demo [--broker PATH]\n");
        return 0;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    char dir[] = "/tmp/lipc-demo-XXXXXX", sock[300];
    if (!mkdtemp(dir))
        return 1;
    snprintf(sock, sizeof(sock), "%s/liteipcd.sock", dir);
    setenv(LIPC_SOCKET_ENV, sock, 1);
    printf("LiteIPC demo: broker, service manager, service, client, intruder\n");
    fflush(stdout);
    pid_t brk = fork();
    if (brk == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        execlp(broker, "liteipcd", "--socket", sock, (char *)NULL);
        perror("exec liteipcd");
        _exit(127);
    }
    struct stat st;
    for (int i = 0; i < 500 && stat(sock, &st) != 0; i++)
        usleep(10000);
    printf("  %-9s pid %d listening on %s\n", "broker", brk, sock);
    if (pipe(g_out) < 0)
        return 1;
    pid_t cms = spawn(cms_fn, 0);
    wait_for('c');
    pid_t svc = spawn(service_fn, 0);
    wait_for('s');
    pid_t cli = spawn(client_main, 1);
    wait_for('i');
    wait_for('k');
    pid_t intr = spawn(client_main, 0);
    int st_intr;
    waitpid(intr, &st_intr, 0);
    printf("  %-9s killing the service (SIGKILL)\n", "demo");
    kill(svc, SIGKILL);
    waitpid(svc, NULL, 0);
    int ok = wait_for('d') == 'd';
    int st_cli;
    waitpid(cli, &st_cli, 0);
    kill(cms, SIGTERM);
    waitpid(cms, NULL, 0);
    kill(brk, SIGTERM);
    int st_brk;
    waitpid(brk, &st_brk, 0);
    rmdir(dir);
    ok = ok && WIFEXITED(st_cli) && WEXITSTATUS(st_cli) == 0 && WIFEXITED(st_intr) &&
         WEXITSTATUS(st_intr) == 0 && WIFEXITED(st_brk) && WEXITSTATUS(st_brk) == 0;
    printf("%s\n", ok ? "demo finished: everything stopped cleanly" : "demo FAILED");
    return ok ? 0 : 1;
}
