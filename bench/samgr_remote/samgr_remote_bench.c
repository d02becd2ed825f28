/*
 * samgr_remote_bench - samgr across processes (docs/SAMGR_REMOTE.md):
 *
 * 1. invoke: a remote IClientProxy::Invoke through the default client proxy
 *    (router token, EC status, notify) against the raw core call
 *    (lipc_send_recv SEND|RECV to a raw receive loop + BUFF_FREE), in the
 *    same run, 64-byte payload each way, hot (back to back), client pinned
 *    to CPU0 and the provider's threads to CPU1 ("cross") or CPU0 ("same").
 *    The two are measured in alternating blocks.  p50/p99 per call and the
 *    overhead of the proxy path over the raw one (p50).
 * 2. lookup: one fake provider process registers N features (the samgr
 *    protocol directly: one endpoint, RES_FEATURE OP_PUT N times) and one
 *    lookup (RES_FEATURE OP_GET, as GetFeatureApi's first resolution) is
 *    timed, p50, at N = 1000 and N = 10000.
 *
 *   samgr_remote_bench [--json] [--quick] [--iterations N] [--only cross|same|lookup]
 *                      [--rate R] [--help]
 *
 * Flow control is off (LIPC_SAMGR_RATE=0) unless --rate R sets the token
 * bucket to R messages/s with a burst of R (high enough never to refuse a
 * call of the run: it measures what the bucket costs).
 *
 * Table on stdout, or one JSON object per line with --json.  A private
 * broker and samgr_server are started and stopped.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "feature.h"
#include "iproxy_client.h"
#include "iproxy_server.h"
#include "ipc_skeleton.h"
#include "lipc.h"
#include "lipc_samgr.h"
#include "samgr_proto.h"
#include "lipc_test.h"
#include "ohos_errno.h"
#include "samgr_lite.h"
#include "service.h"

#define PAYLOAD 64
#define SAMGR_CODE 0xFFFFFFFFu

static int g_json, g_iters = 20000;
static const char *g_only;   /* --only cross|same|lookup: one part (profiling) */
static const char *g_rate = "0";   /* --rate R: flow control on (LIPC_SAMGR_RATE = BURST = R) */
static struct lipc_test_broker g_brk;
static char g_policy[300];
static pid_t g_server, g_main_pid;

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int pin(int cpu)
{
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
    return sched_setaffinity(0, sizeof(s), &s) == 0 ? 0 : -errno;
}

static void die(const char *what)
{
    fprintf(stderr, "samgr_remote_bench: %s\n", what);
    exit(1);
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

static long long pct(long long *v, int n, int p)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_ll);
    int i = (int)((long long)n * p / 100);
    return v[i >= n ? n - 1 : i];
}

/* ---- the provider: service "bench", feature "echo" ---------------------- */
enum { F_ECHO = 1, F_RAW_HANDLE = 2 };
static pid_t g_raw_tid;

static int32 echo_invoke(IServerProxy *p, int funcId, void *origin, IpcIo *req, IpcIo *reply)
{
    (void)p;
    (void)origin;
    if (funcId == F_RAW_HANDLE) {   /* hands out the raw thread (grants access) */
        SvcIdentity id = {g_raw_tid, 0, 0};
        WriteRemoteObject(reply, &id);
        return EC_SUCCESS;
    }
    const uint8_t *d = ReadBuffer(req, PAYLOAD);
    if (d)
        WriteBuffer(reply, d, PAYLOAD);
    return EC_SUCCESS;
}

typedef struct {
    INHERIT_SERVICE;
} BenchService;
static const char *svc_name(Service *s)
{
    (void)s;
    return "bench";
}
static BOOL svc_init(Service *s, Identity id)
{
    (void)s;
    (void)id;
    return TRUE;
}
static BOOL svc_msg(Service *s, Request *r)
{
    (void)s;
    (void)r;
    return TRUE;
}
static TaskConfig svc_cfg(Service *s)
{
    (void)s;
    TaskConfig c = {LEVEL_HIGH, PRI_NORMAL, 0x800, 20, SHARED_TASK};
    return c;
}
static BenchService g_svc = {svc_name, svc_init, svc_msg, svc_cfg};
typedef struct {
    INHERIT_IUNKNOWNENTRY(IServerProxy);
} EchoApi;
static EchoApi g_echo = {SERVER_IPROXY_IMPL_BEGIN, .Invoke = echo_invoke, IPROXY_END};

/* The raw baseline: receive, answer with the 64 bytes, free the request. */
static void *raw_main(void *arg)
{
    (void)arg;
    g_raw_tid = lipc_gettid();
    for (;;) {
        IpcContent c = {.flag = RECV};
        if (lipc_send_recv(&c, LIPC_WAIT_FOREVER) != 0)
            continue;
        IpcMsg *in = c.inMsg;
        IpcMsg m = {.type = MT_REPLY, .target.handle = (int32_t)in->taskID, .code = in->code,
                    .flag = in->flag, .timestamp = in->timestamp, .dataSz = in->dataSz, .data = in->data};
        IpcContent r = {.flag = SEND | BUFF_FREE, .outMsg = &m, .buffToFree = in};
        lipc_send_recv(&r, 0);
    }
    return NULL;
}

static void provider_main(int cpu, int ready_fd)
{
    pin(cpu);   /* inherited by every thread created from now on */
    SamgrLite *s = SAMGR_GetInstance();
    s->RegisterService((Service *)&g_svc);
    s->RegisterDefaultFeatureApi("bench", GET_IUNKNOWN(g_echo));
    SAMGR_Bootstrap();
    if (lipc_samgr_wait_service("bench", NULL, 10000) != 0)   /* IPC ready, registered */
        _exit(3);
    pthread_t t;
    pthread_create(&t, NULL, raw_main, NULL);
    while (__atomic_load_n(&g_raw_tid, __ATOMIC_SEQ_CST) == 0)
        usleep(1000);
    if (write(ready_fd, "r", 1) != 1)
        _exit(4);
    for (;;)
        pause();
}

/* ---- the consumer ---- */
/* Both paths consume their reply the same way: the 64 bytes are copied out
 * (a caller reads its reply; before, the raw path never touched the reply
 * data while the proxy path had to read the status word in front of it)
 * and checked. */
typedef struct {
    int ok;
    uint8_t out[PAYLOAD];
} EchoOut;
static uint8_t g_payload[PAYLOAD];

static int reply_ok(EchoOut *o, const void *data)
{
    memcpy(o->out, data, PAYLOAD);
    return memcmp(o->out, g_payload, PAYLOAD) == 0;
}

static int echo_notify(IOwner owner, int code, IpcIo *reply)
{
    EchoOut *o = owner;
    const uint8_t *d = code == EC_SUCCESS ? ReadBuffer(reply, PAYLOAD) : NULL;
    o->ok = d && reply_ok(o, d);
    return 0;
}
static int handle_notify(IOwner owner, int code, IpcIo *reply)
{
    if (code == EC_SUCCESS)
        ReadRemoteObject(reply, (SvcIdentity *)owner);
    return 0;
}

static long long proxy_call(IClientProxy *p)
{
    char buf[256];
    IpcIo req;
    long long t0 = now_ns();
    IpcIoInit(&req, buf, sizeof(buf), 0);
    WriteBuffer(&req, g_payload, PAYLOAD);
    EchoOut o = {0};
    int r = p->Invoke(p, F_ECHO, &req, &o, echo_notify);
    long long dt = now_ns() - t0;
    if (r != EC_SUCCESS || !o.ok)
        die("proxy Invoke failed");
    return dt;
}

static long long raw_call(int32_t handle)
{
    long long t0 = now_ns();
    IpcMsg m = {.type = MT_REQUEST, .target.handle = handle, .code = 1, .flag = 0,
                .dataSz = PAYLOAD, .data = g_payload};
    IpcContent c = {.flag = SEND | RECV, .outMsg = &m};
    EchoOut o = {0};
    int r = lipc_send_recv(&c, 5000);
    if (r == 0) {
        o.ok = c.inMsg->dataSz == PAYLOAD && reply_ok(&o, c.inMsg->data);
        IpcContent f = {.flag = BUFF_FREE, .buffToFree = c.inMsg};
        r = lipc_send_recv(&f, 0);
    }
    long long dt = now_ns() - t0;
    if (r != 0 || !o.ok)
        die("raw call failed");
    return dt;
}

static void bench_invoke(const char *placement, int scpu)
{
    int p[2];
    if (pipe(p) != 0)
        die("pipe");
    pid_t prov = fork();
    if (prov == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        close(p[0]);
        provider_main(scpu, p[1]);
    }
    close(p[1]);
    char b;
    if (read(p[0], &b, 1) != 1)
        die("provider did not start");
    close(p[0]);
    if (pin(0) != 0)
        die("cannot pin to CPU0");
    IUnknown *iu = SAMGR_GetInstance()->GetFeatureApi("bench", NULL);
    IClientProxy *proxy = NULL;
    if (!iu || iu->QueryInterface(iu, CLIENT_PROXY_VER, (void **)&proxy) != EC_SUCCESS)
        die("no proxy for bench");
    SvcIdentity raw = {-1, 0, 0};
    if (proxy->Invoke(proxy, F_RAW_HANDLE, NULL, &raw, handle_notify) != EC_SUCCESS || raw.handle <= 0)
        die("no raw handle");
    int n = g_iters;
    long long *pv = malloc(sizeof(long long) * (size_t)n), *rv = malloc(sizeof(long long) * (size_t)n);
    if (!pv || !rv)
        die("memory");
    for (int i = 0; i < PAYLOAD; i++)
        g_payload[i] = (uint8_t)(i * 7 + 1);
    for (int i = 0; i < 1000; i++) {   /* warm-up */
        proxy_call(proxy);
        raw_call(raw.handle);
    }
    enum { BLOCK = 500 };
    for (int done = 0; done < n;) {
        int k = n - done < BLOCK ? n - done : BLOCK;
        for (int i = 0; i < k; i++)
            rv[done + i] = raw_call(raw.handle);
        for (int i = 0; i < k; i++)
            pv[done + i] = proxy_call(proxy);
        done += k;
    }
    long long p50 = pct(pv, n, 50), p99 = pct(pv, n, 99), r50 = pct(rv, n, 50), r99 = pct(rv, n, 99);
    double over = r50 > 0 ? 100.0 * (double)(p50 - r50) / (double)r50 : 0;
    if (g_json)
        printf("{\"bench\":\"samgr_invoke\",\"scenario\":\"hot\",\"placement\":\"%s\",\"size\":%d,"
               "\"p50_ns\":%lld,\"p99_ns\":%lld,\"raw_p50_ns\":%lld,\"raw_p99_ns\":%lld,\"overhead_pct\":%.1f}\n",
               placement, PAYLOAD, p50, p99, r50, r99, over);
    else
        printf("invoke  %-5s  %3d B  proxy p50 %7lld ns  p99 %7lld ns   raw p50 %7lld ns  p99 %7lld ns   overhead %+.1f %%\n",
               placement, PAYLOAD, p50, p99, r50, r99, over);
    fflush(stdout);
    free(pv);
    free(rv);
    proxy->Release((IUnknown *)proxy);
    kill(prov, SIGKILL);
    waitpid(prov, NULL, 0);
    cpu_set_t all;
    CPU_ZERO(&all);
    for (int i = 0; i < CPU_SETSIZE; i++)
        CPU_SET(i, &all);
    sched_setaffinity(0, sizeof(all), &all);
}

/* ---- lookup scaling ---- */
static int samgr_req(IpcIo *req, IpcIo *reply, uintptr_t *buf)
{
    MessageOption opt = {.flags = TF_OP_SYNC, .waitTime = 5, .args = NULL};
    return SendRequest(*GetContextObject(), SAMGR_CODE, req, reply, opt, buf);
}

static void fake_register(int from, int to)
{
    for (int i = from; i < to; i++) {
        char buf[256], feat[16];
        IpcIo req, reply;
        snprintf(feat, sizeof(feat), "f%d", i);
        samgr_req_begin(&req, buf, sizeof(buf), 1, RES_FEATURE, OP_PUT);
        WriteString(&req, "many");
        WriteBool(&req, false);
        WriteString(&req, feat);
        WriteUint32(&req, (uint32_t)i);
        SvcIdentity self = {lipc_gettid(), (uintptr_t)i, 0};
        WriteRemoteObject(&req, &self);
        uintptr_t msg = 0;
        int32_t st = -1;
        if (samgr_req(&req, &reply, &msg) != ERR_NONE || !ReadInt32(&reply, &st) || st != 0)
            _exit(5);
        FreeBuffer((void *)msg);
    }
}

static void fake_provider(int cmd_fd, int ack_fd)
{
    char buf[256];
    IpcIo req, reply;
    samgr_req_begin(&req, buf, sizeof(buf), 1, RES_ENDPOINT, OP_POST);
    SvcIdentity ep = {lipc_gettid(), 1, 0};
    WriteRemoteObject(&req, &ep);
    uintptr_t msg = 0;
    int32_t h = -1;
    if (samgr_req(&req, &reply, &msg) != ERR_NONE || !ReadInt32(&reply, &h) || h <= 0)
        _exit(6);
    FreeBuffer((void *)msg);
    int have = 0, want;
    while (read(cmd_fd, &want, sizeof(want)) == sizeof(want)) {
        fake_register(have, want);
        have = want;
        if (write(ack_fd, &have, sizeof(have)) != sizeof(have))
            _exit(7);
    }
    _exit(0);
}

static long long lookup_once(int i)
{
    char buf[256], feat[16];
    IpcIo req, reply;
    snprintf(feat, sizeof(feat), "f%d", i);
    long long t0 = now_ns();
    samgr_req_begin(&req, buf, sizeof(buf), 0, RES_FEATURE, OP_GET);
    WriteString(&req, "many");
    WriteBool(&req, false);
    WriteString(&req, feat);
    uintptr_t msg = 0;
    int32_t st = -1;
    SvcIdentity id;
    int ok = samgr_req(&req, &reply, &msg) == ERR_NONE && ReadInt32(&reply, &st) && st == 0 &&
             ReadRemoteObject(&reply, &id);
    long long dt = now_ns() - t0;
    if (msg)
        FreeBuffer((void *)msg);
    if (!ok)
        die("lookup failed");
    return dt;
}

static void bench_lookup(const int *sizes, int nsizes, int lookups)
{
    int cmd[2], ack[2];
    if (pipe(cmd) != 0 || pipe(ack) != 0)
        die("pipe");
    pid_t fp = fork();
    if (fp == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        close(cmd[1]);
        close(ack[0]);
        fake_provider(cmd[0], ack[1]);
    }
    close(cmd[0]);
    close(ack[1]);
    long long *v = malloc(sizeof(long long) * (size_t)lookups);
    if (!v)
        die("memory");
    unsigned seed = 12345;
    for (int s = 0; s < nsizes; s++) {
        int n = sizes[s], got = 0;
        long long t0 = now_ns();
        if (write(cmd[1], &n, sizeof(n)) != sizeof(n) || read(ack[0], &got, sizeof(got)) != sizeof(got) || got != n)
            die("fake provider failed");
        long long reg = now_ns() - t0;
        for (int i = 0; i < 200; i++)
            lookup_once(rand_r(&seed) % n);
        for (int i = 0; i < lookups; i++)
            v[i] = lookup_once(rand_r(&seed) % n);
        long long p50 = pct(v, lookups, 50), p99 = pct(v, lookups, 99);
        if (g_json)
            printf("{\"bench\":\"samgr_lookup\",\"features\":%d,\"p50_ns\":%lld,\"p99_ns\":%lld,\"register_ms\":%lld}\n",
                   n, p50, p99, reg / 1000000);
        else
            printf("lookup  %6d features  p50 %7lld ns  p99 %7lld ns   (registering took %lld ms)\n", n, p50, p99,
                   reg / 1000000);
        fflush(stdout);
    }
    free(v);
    close(cmd[1]);
    close(ack[0]);
    kill(fp, SIGKILL);
    waitpid(fp, NULL, 0);
}

/* ---- set-up ---- */
static void cleanup(void)
{
    if (getpid() != g_main_pid)
        return;                 /* a child that died: the parent cleans up */
    if (g_server > 0) {
        kill(g_server, SIGKILL);
        waitpid(g_server, NULL, 0);
    }
    unlink(g_policy);
    if (g_brk.pid > 0)
        lipc_test_broker_stop(&g_brk);
}

int main(int argc, char **argv)
{
    int quick = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            g_json = 1;
        else if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc)
            g_iters = atoi(argv[++i]);
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            g_only = argv[++i];
        else if (strcmp(argv[i], "--rate") == 0 && i + 1 < argc)
            g_rate = argv[++i];
        else {
            FILE *f = strcmp(argv[i], "--help") == 0 ? stdout : stderr;
            fprintf(f, "usage: samgr_remote_bench [--json] [--quick] [--iterations N] [--only cross|same|lookup]\n"
                       "                          [--rate R] [--help]\n"
                       "Remote Invoke through the client proxy vs the raw core call (64 B, hot,\n"
                       "cross-CPU and same-CPU), and samgr lookup time with 1000 / 10000 features.\n"
                       "--rate R: flow control on, R messages/s, burst R (default: off).\n");
            return f == stdout ? 0 : 2;
        }
    }
    if (quick)
        g_iters = 300;
    if (g_iters < 10)
        g_iters = 10;
    signal(SIGPIPE, SIG_IGN);
    setenv("LIPC_SAMGR_SYSCAP", "/nonexistent.json", 1);
    setenv("LIPC_SAMGR_RATE", g_rate, 1);   /* default 0: no flow control in a benchmark */
    setenv("LIPC_SAMGR_BURST", g_rate, 1);
    unsetenv("LIPC_SAMGR_POLICY");
    g_main_pid = getpid();
    atexit(cleanup);
    lipc_test_broker_start(&g_brk);     /* sets LITEIPC_SOCKET */
    snprintf(g_policy, sizeof(g_policy), "%s/policy.conf", g_brk.dir);
    FILE *pf = fopen(g_policy, "w");
    if (!pf)
        die("policy file");
    fputs("[*]\nprovide = *\ncall = *\n", pf);
    fclose(pf);
    const char *sargv[] = {SAMGR_SERVER_PATH, "--policy", g_policy, NULL};
    g_server = lipc_test_spawn_ready(sargv);
    if (g_server <= 0)
        die("samgr_server did not start");
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (!g_json)
        printf("samgr_remote_bench: %d iterations, %d-byte payload each way\n", g_iters, PAYLOAD);
    if (ncpu >= 2 && (!g_only || strcmp(g_only, "cross") == 0))
        bench_invoke("cross", 1);
    if (!g_only || strcmp(g_only, "same") == 0)
        bench_invoke("same", 0);
    int sizes_full[] = {1000, 10000}, sizes_quick[] = {100, 300};
    if (!g_only || strcmp(g_only, "lookup") == 0)
        bench_lookup(quick ? sizes_quick : sizes_full, 2, quick ? 200 : 2000);
    return 0;
}
