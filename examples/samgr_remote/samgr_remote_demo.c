/*
 * samgr_remote_demo - samgr across processes, end to end (make demo).
 *
 * Starts a private broker (liteipcd, socket in a temporary directory), the
 * samgr server with an access policy, and the foundation host loading the
 * example library libsvc_calc.so (service "calc", features "arith" and
 * "info", registered by the init macros).  A consumer process finds
 * "calc/arith" by name and calls it; its lookup of "calc/info" is denied by
 * the policy; the provider is killed and the consumer notices (a watch
 * reports it gone, the next call fails with ERR_DEAD_OBJECT).  Everything
 * started is stopped and the temporary directory removed.
 *
 *   samgr_remote_demo [--broker PATH] [--samgr-server PATH]
 *                     [--foundation PATH] [--service-lib PATH] [--help]
 * (defaults: the build tree's binaries).  Exit 0 on success.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "iproxy_client.h"
#include "ipc_skeleton.h"
#include "lipc_samgr.h"
#include "ohos_errno.h"
#include "samgr_lite.h"
#include "svc_calc.h"

#ifndef DEMO_BROKER
#define DEMO_BROKER "liteipcd"
#endif
#ifndef DEMO_SAMGR_SERVER
#define DEMO_SAMGR_SERVER "samgr_server"
#endif
#ifndef DEMO_FOUNDATION
#define DEMO_FOUNDATION "foundation"
#endif
#ifndef DEMO_SERVICE_LIB
#define DEMO_SERVICE_LIB "libsvc_calc.so"
#endif

static char g_dir[64];
static pid_t g_pids[3];     /* broker, samgr server, foundation */
static int g_failed;

#define SAY(...)                      \
    do {                              \
        printf(__VA_ARGS__);          \
        fflush(stdout);               \
    } while (0)
#define FAIL(...)                                     \
    do {                                              \
        fprintf(stderr, "demo: FAILED: " __VA_ARGS__); \
        fputc('\n', stderr);                          \
        g_failed = 1;                                 \
    } while (0)

static void stop(pid_t *pid, int sig)
{
    if (*pid <= 0)
        return;
    kill(*pid, sig);
    waitpid(*pid, NULL, 0);
    *pid = 0;
}

static void cleanup(void)
{
    stop(&g_pids[2], SIGKILL);
    stop(&g_pids[1], SIGTERM);
    stop(&g_pids[0], SIGTERM);
    if (g_dir[0]) {
        char p[200];
        const char *names[] = {"services/libsvc_calc.so", "samgr_policy.conf", "liteipcd.sock"};
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            snprintf(p, sizeof(p), "%s/%s", g_dir, names[i]);
            unlink(p);
        }
        snprintf(p, sizeof(p), "%s/services", g_dir);
        rmdir(p);
        rmdir(g_dir);
    }
}

/* fork + exec argv; with ready = 1, waits for "ready\n" on --ready-fd. */
static pid_t spawn(char **argv, int ready)
{
    int p[2] = {-1, -1};
    if (ready && pipe(p) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);   /* never outlive the demo */
        if (ready) {
            close(p[0]);
            char fd[16];
            snprintf(fd, sizeof(fd), "%d", p[1]);
            int n = 0;
            while (argv[n])
                n++;
            argv[n] = "--ready-fd";
            argv[n + 1] = fd;
            argv[n + 2] = NULL;
        }
        execv(argv[0], argv);
        fprintf(stderr, "demo: exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    if (!ready)
        return pid;
    close(p[1]);
    char buf[8] = {0};
    ssize_t r = pid > 0 ? read(p[0], buf, sizeof(buf)) : -1;
    close(p[0]);
    if (r != 6 || memcmp(buf, "ready\n", 6) != 0) {
        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
        }
        return -1;
    }
    return pid;
}

static int copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    int ok = in >= 0 && out >= 0;
    char buf[65536];
    ssize_t n;
    while (ok && (n = read(in, buf, sizeof(buf))) > 0)
        ok = write(out, buf, (size_t)n) == n;
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    return ok ? 0 : -1;
}

/* ---- the consumer ---- */
typedef struct {
    int called;
    int32_t value;
} Result;

static int on_reply(IOwner owner, int code, IpcIo *reply)
{
    Result *r = owner;
    r->called++;
    if (code == EC_SUCCESS)
        ReadInt32(reply, &r->value);
    return 0;
}

static int call2(IClientProxy *p, int func, int32_t a, int32_t b, int32_t *out)
{
    char buf[64];
    IpcIo req;
    IpcIoInit(&req, buf, sizeof(buf), 0);
    WriteInt32(&req, a);
    WriteInt32(&req, b);
    Result r = {0, 0};
    int ret = p->Invoke(p, func, &req, &r, on_reply);
    if (ret == EC_SUCCESS)
        *out = r.value;
    return ret;
}

static pthread_mutex_t g_wlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_wcond = PTHREAD_COND_INITIALIZER;
static int g_available = -1;

static void on_watch(const char *service, const char *feature, int available, void *arg)
{
    (void)arg;
    SAY("  [consumer] watch: %s/%s is %s\n", service, feature ? feature : "", available ? "available" : "GONE");
    pthread_mutex_lock(&g_wlock);
    g_available = available;
    pthread_cond_broadcast(&g_wcond);
    pthread_mutex_unlock(&g_wlock);
}

static int wait_available(int want, int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&g_wlock);
    while (g_available != want)
        if (pthread_cond_timedwait(&g_wcond, &g_wlock, &ts) != 0)
            break;
    int ok = g_available == want;
    pthread_mutex_unlock(&g_wlock);
    return ok;
}

/* Runs in its own process; talks to the driver over two pipes. */
static int consumer(int to_driver, int from_driver)
{
    SAY("  [consumer] pid %d uid %d: looking up %s/%s by name\n", (int)getpid(), (int)getuid(), CALC_SERVICE,
        CALC_FEATURE_ARITH);
    if (lipc_samgr_wait_service(CALC_SERVICE, CALC_FEATURE_ARITH, 5000) != 0) {
        FAIL("calc/arith did not appear");
        return 1;
    }
    IUnknown *iu = SAMGR_GetInstance()->GetFeatureApi(CALC_SERVICE, CALC_FEATURE_ARITH);
    IClientProxy *arith = NULL;
    if (!iu || iu->QueryInterface(iu, CLIENT_PROXY_VER, (void **)&arith) != EC_SUCCESS) {
        FAIL("no proxy for calc/arith");
        return 1;
    }
    int32_t v = 0;
    int r = call2(arith, CALC_ADD, 20, 22, &v);
    SAY("  [consumer] calc/arith ADD(20, 22) -> %s, result %d\n", r == EC_SUCCESS ? "ok" : "error", (int)v);
    if (r != EC_SUCCESS || v != 42)
        FAIL("ADD");
    r = call2(arith, CALC_MUL, 6, 7, &v);
    SAY("  [consumer] calc/arith MUL(6, 7)   -> %s, result %d\n", r == EC_SUCCESS ? "ok" : "error", (int)v);
    if (r != EC_SUCCESS || v != 42)
        FAIL("MUL");

    SAY("  [consumer] looking up %s/%s (the policy lets only uid 4242 call it)\n", CALC_SERVICE, CALC_FEATURE_INFO);
    r = lipc_samgr_wait_service(CALC_SERVICE, CALC_FEATURE_INFO, 2000);
    IUnknown *denied = SAMGR_GetInstance()->GetFeatureApi(CALC_SERVICE, CALC_FEATURE_INFO);
    SAY("  [consumer] calc/info: %s (wait_service %s, GetFeatureApi %s)\n",
        r == -EACCES && !denied ? "DENIED by policy" : "not denied?!", r == -EACCES ? "-EACCES" : "other",
        denied ? "a proxy" : "NULL");
    if (r != -EACCES || denied)
        FAIL("calc/info was not denied");

    int wid = lipc_samgr_watch(CALC_SERVICE, CALC_FEATURE_ARITH, on_watch, NULL);
    if (wid < 0 || !wait_available(1, 3000))
        FAIL("watch");
    SAY("  [consumer] watching calc/arith; tell the driver to kill the provider\n");
    char b = 'k';
    if (write(to_driver, &b, 1) != 1 || read(from_driver, &b, 1) != 1)
        FAIL("pipe");
    int gone = wait_available(0, 5000);
    r = call2(arith, CALC_ADD, 1, 1, &v);
    SAY("  [consumer] calc/arith ADD(1, 1) after the kill -> %s\n",
        r == ERR_DEAD_OBJECT ? "ERR_DEAD_OBJECT (the provider is dead)" : "unexpected");
    if (!gone)
        FAIL("the watch did not report the provider gone");
    if (r != ERR_DEAD_OBJECT)
        FAIL("call after the kill returned %d", r);
    iu = SAMGR_GetInstance()->GetFeatureApi(CALC_SERVICE, CALC_FEATURE_ARITH);
    SAY("  [consumer] a new lookup of calc/arith: %s\n", iu ? "found?!" : "not found (samgr dropped it)");
    lipc_samgr_unwatch(wid);
    arith->Release((IUnknown *)arith);
    return g_failed;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: samgr_remote_demo [--broker PATH] [--samgr-server PATH] [--foundation PATH]\n"
               "                         [--service-lib PATH] [--help]\n"
               "samgr across processes end to end: broker, samgr server, the foundation host with\n"
               "libsvc_calc.so, a consumer; a policy denial; the provider killed and noticed.\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"broker", required_argument, NULL, 'b'},     {"samgr-server", required_argument, NULL, 's'},
        {"foundation", required_argument, NULL, 'f'}, {"service-lib", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},             {NULL, 0, NULL, 0},
    };
    const char *broker = DEMO_BROKER, *server = DEMO_SAMGR_SERVER, *fnd = DEMO_FOUNDATION, *lib = DEMO_SERVICE_LIB;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'b': broker = optarg; break;
        case 's': server = optarg; break;
        case 'f': fnd = optarg; break;
        case 'l': lib = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    snprintf(g_dir, sizeof(g_dir), "/tmp/lipc-samgr-demo-XXXXXX");
    if (!mkdtemp(g_dir)) {
        perror("mkdtemp");
        return 1;
    }
    char sock[200], policy[200], sdir[200], so[240];
    snprintf(sock, sizeof(sock), "%s/liteipcd.sock", g_dir);
    snprintf(policy, sizeof(policy), "%s/samgr_policy.conf", g_dir);
    snprintf(sdir, sizeof(sdir), "%s/services", g_dir);
    snprintf(so, sizeof(so), "%s/libsvc_calc.so", sdir);
    setenv("LITEIPC_SOCKET", sock, 1);
    setenv("LIPC_SAMGR_SYSCAP", "/nonexistent.json", 1);
    unsetenv("LIPC_SAMGR_POLICY");

    SAY("== samgr across processes: demo (temporary directory %s)\n", g_dir);
    SAY("1. the broker: liteipcd --socket %s\n", sock);
    char *bargv[] = {(char *)broker, "--socket", sock, NULL};
    g_pids[0] = spawn(bargv, 0);
    for (int i = 0; i < 500 && access(sock, F_OK) != 0; i++)
        usleep(10000);
    if (g_pids[0] <= 0 || access(sock, F_OK) != 0) {
        FAIL("the broker did not start");
        cleanup();
        return 1;
    }

    unsigned other = getuid() == 4242 ? 4243 : 4242;
    FILE *pf = fopen(policy, "w");
    if (!pf) {
        FAIL("policy file");
        cleanup();
        return 1;
    }
    fprintf(pf, "# who may provide (register) and call (look up, invoke) what\n"
                "[calc/arith]\nprovide = *\ncall = *\n"
                "[calc/info]\nprovide = *\ncall = %u\n", other);
    fclose(pf);
    SAY("2. the samgr server (handle 0) with policy %s:\n", policy);
    SAY("     [calc/arith] provide = *, call = *     [calc/info] provide = *, call = %u\n", other);
    char *sargv[8] = {(char *)server, "--policy", policy, NULL};
    g_pids[1] = spawn(sargv, 1);
    if (g_pids[1] <= 0) {
        FAIL("samgr_server did not start");
        cleanup();
        return 1;
    }

    SAY("3. the provider: foundation --service-dir %s (with libsvc_calc.so: service calc,\n"
        "   features arith and info, registered by SYS_SERVICE_INIT / SYS_FEATURE_INIT)\n", sdir);
    if (mkdir(sdir, 0755) != 0 || copy_file(lib, so) != 0) {
        FAIL("cannot copy %s", lib);
        cleanup();
        return 1;
    }
    char *fargv[8] = {(char *)fnd, "--service-dir", sdir, NULL};
    g_pids[2] = spawn(fargv, 1);
    if (g_pids[2] <= 0) {
        FAIL("foundation did not start");
        cleanup();
        return 1;
    }

    SAY("4. the consumer process\n");
    int up[2], down[2];
    if (pipe(up) != 0 || pipe(down) != 0) {
        cleanup();
        return 1;
    }
    pid_t cons = fork();
    if (cons == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        close(up[0]);
        close(down[1]);
        int r = consumer(up[1], down[0]);
        fflush(stdout);
        _exit(r);
    }
    close(up[1]);
    close(down[0]);
    char b;
    if (read(up[0], &b, 1) == 1) {
        SAY("5. the driver kills the provider (SIGKILL foundation, pid %d)\n", (int)g_pids[2]);
        stop(&g_pids[2], SIGKILL);
        b = 'g';
        if (write(down[1], &b, 1) != 1)
            FAIL("pipe");
    }
    int st = 0;
    waitpid(cons, &st, 0);
    close(up[0]);
    close(down[1]);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        FAIL("the consumer failed (status 0x%x)", st);
    SAY("6. stopping the samgr server and the broker, removing %s\n", g_dir);
    cleanup();
    if (g_failed) {
        SAY("== demo FAILED\n");
        return 1;
    }
    SAY("== demo finished: nothing left running\n");
    return 0;
}
