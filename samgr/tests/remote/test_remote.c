/*
 * samgr across processes, multi-process tests (private broker, real
 * samgr_server daemon, forked providers and consumers).  One scenario per
 * argv[1] so that each ctest stays short:
 *   basic     lookup by name, sync + async Invoke, default feature, remote
 *             identity, a slow Invoke of one feature does not stall another,
 *             unknown service, many consumers at once
 *   policy    provide denied at PUT, lookup denied at GET (EC_PERMISSION /
 *             wait_service -EACCES), call denied at Dispatch (policy
 *             changed by a server restart: the old proxy gets EC_PERMISSION)
 *   flowctl   the token bucket refuses with EC_FLOWCTRL, then recovers
 *   death     provider killed: the consumer's proxy fails with
 *             ERR_DEAD_OBJECT, the watch reports it gone, the feature
 *             disappears from samgr; a new provider is found again; a
 *             feature whose serving thread is gone (process alive): the
 *             lookup fails at once (refused reply -> failed reply)
 *   restart   samgr_server killed and restarted: providers re-register by
 *             themselves, consumers resolve again, old proxies keep working
 *   syscap    AddSystemCapability / HasSystemCapability /
 *             GetSystemAvailableCapabilities over IPC (uid < 10000)
 *   factory   SAMGR_RegisterFactory: creator used, destroyer at ref 0
 */
#include "remote_test.h"

#include <sys/wait.h>

#include "lipc.h"
#include "lipc_ipc.h"
#include "samgr_proto.h"

static struct lipc_test_broker g_broker;
static char g_dir[256];

static char *path_in(const char *name)
{
    static char p[4][400];
    static int i;
    i = (i + 1) % 4;
    snprintf(p[i], sizeof(p[i]), "%s/%s", g_dir, name);
    return p[i];
}

static void wait_child_ok(pid_t pid)
{
    CHECK_EQ(lipc_test_wait(pid), 0);
}

static void test_basic(void)
{
    pid_t srv = rt_server_start(NULL, NULL);   /* default policy path missing: open mode */
    pid_t prov = rt_provider_start();
    pid_t c = lipc_test_fork();
    if (c == 0) {
        CHECK_EQ(lipc_samgr_wait_service("calc", "add", 5000), 0);
        IClientProxy *p = rt_proxy("calc", "add");
        CHECK(p);
        int32_t v = 0;
        CHECK_EQ(rt_call(p, RT_ADD, 2, 40, &v), 0);
        CHECK_EQ(v, 42);
        CHECK_EQ(rt_call(p, RT_UID, 0, 0, &v), 0);
        CHECK_EQ(v, (int32_t)getuid());
        /* async: no notify, returns once sent */
        char buf[64];
        IpcIo req;
        IpcIoInit(&req, buf, sizeof(buf), 0);
        WriteInt32(&req, 1);
        WriteInt32(&req, 1);
        CHECK_EQ(p->Invoke(p, RT_ADD, &req, NULL, NULL), 0);
        /* default feature */
        CHECK_EQ(lipc_samgr_wait_service("calc", NULL, 5000), 0);
        IClientProxy *d = rt_proxy("calc", NULL);
        CHECK(d);
        CHECK_EQ(rt_call(d, RT_PID, 0, 0, &v), 0);
        pid_t provider_pid = v;
        CHECK(provider_pid != getpid());
        /* request shapes: none, a length not a multiple of 4 (sent padded),
         * the largest one upstream's proxy took, one byte more */
        RtResult rr = {0, 0};
        CHECK_EQ(d->Invoke(d, RT_PID, NULL, &rr, rt_notify), 0);
        CHECK_EQ(rr.called, 1);
        CHECK_EQ(rr.value, provider_pid);
        IpcIoInit(&req, buf, sizeof(buf), 0);
        WriteInt32(&req, 5);
        WriteInt32(&req, 6);
        WriteBoolUnaligned(&req, true);
        rr.called = 0;
        CHECK_EQ(p->Invoke(p, RT_ADD, &req, &rr, rt_notify), 0);
        CHECK_EQ(rr.called, 1);
        CHECK_EQ(rr.value, 11);
        static char big[MAX_IO_SIZE];
        static const char zero[MAX_IO_SIZE];
        IpcIo breq;
        IpcIoInit(&breq, big, sizeof(big), 0);
        CHECK(WriteBuffer(&breq, zero, MAX_IO_SIZE - MAX_OBJ_NUM * sizeof(size_t) - 4));
        rr.called = 0;
        CHECK_EQ(p->Invoke(p, RT_ADD, &breq, &rr, rt_notify), 0);
        CHECK_EQ(rr.called, 1);
        CHECK(WriteInt32(&breq, 0));
        CHECK_EQ(p->Invoke(p, RT_ADD, &breq, &rr, rt_notify), EC_INVALID);
        IpcIo uninit;
        memset(&uninit, 0, sizeof(uninit));
        CHECK_EQ(p->Invoke(p, RT_ADD, &uninit, &rr, rt_notify), EC_INVALID);
        /* remote identity */
        SvcIdentity id = SAMGR_GetRemoteIdentity("calc", "add");
        CHECK(id.handle > 0);
        /* the payload form of a router call (a caller using the identity
         * itself): int32 token first, the reply starts with int32 status */
        for (int k = 0; k < 2; k++) {
            IpcIoInit(&req, buf, sizeof(buf), 0);
            WriteInt32(&req, k == 0 ? (int32_t)id.token : (int32_t)id.token + 100);
            WriteInt32(&req, 20);
            WriteInt32(&req, 22);
            MessageOption opt;
            MessageOptionInit(&opt);
            IpcIo reply;
            uintptr_t msg = 0;
            CHECK_EQ(SendRequest(id, RT_ADD, &req, &reply, opt, &msg), ERR_NONE);
            int32_t st = -1;
            CHECK(ReadInt32(&reply, &st));
            CHECK_EQ(st, k == 0 ? EC_SUCCESS : EC_INVALID);
            if (k == 0) {
                CHECK(ReadInt32(&reply, &v));
                CHECK_EQ(v, 42);
            }
            FreeBuffer((void *)msg);
        }
        SvcIdentity none = SAMGR_GetRemoteIdentity("nosuch", NULL);
        CHECK_EQ(none.handle, -1);
        CHECK(SAMGR_GetInstance()->GetFeatureApi("nosuch", NULL) == NULL);
        CHECK_EQ(lipc_samgr_wait_service("nosuch", NULL, 100), -ETIMEDOUT);
        CHECK_EQ(lipc_samgr_wait_service("0123456789abcdef", NULL, 100), -EINVAL);
        /* a slow Invoke of "slow" does not stall "add" */
        CHECK_EQ(lipc_samgr_wait_service("calc", "slow", 5000), 0);
        IClientProxy *s = rt_proxy("calc", "slow");
        CHECK(s);
        pid_t t = fork();   /* another consumer process makes the slow call */
        if (t == 0) {
            int32_t x;
            IClientProxy *s2 = rt_proxy("calc", "slow");
            CHECK(s2);
            _exit(rt_call(s2, RT_SLEEP, 1500, 0, &x) == 0 && x == 1500 ? 0 : 1);
        }
        usleep(200000);
        long long t0 = lipc_test_now_ms();
        for (int i = 0; i < 10; i++)
            CHECK_EQ(rt_call(p, RT_ADD, i, 1, &v), 0);
        long long dt = lipc_test_now_ms() - t0;
        fprintf(stderr, "10 calls to 'add' during a 1.5 s call to 'slow': %lld ms\n", dt);
        CHECK(dt < 800);
        CHECK_EQ(lipc_test_wait(t), 0);
        p->Release((IUnknown *)p);
        d->Release((IUnknown *)d);
        s->Release((IUnknown *)s);
        _exit(0);
    }
    wait_child_ok(c);
    /* many consumers at once */
    enum { N = 8 };
    pid_t cs[N];
    for (int i = 0; i < N; i++) {
        cs[i] = lipc_test_fork();
        if (cs[i] == 0) {
            CHECK_EQ(lipc_samgr_wait_service("calc", "add", 5000), 0);
            IClientProxy *p = rt_proxy("calc", "add");
            CHECK(p);
            for (int k = 0; k < 100; k++) {
                int32_t v = 0;
                CHECK_EQ(rt_call(p, RT_ADD, i, k, &v), 0);
                CHECK_EQ(v, i + k);
            }
            _exit(0);
        }
    }
    for (int i = 0; i < N; i++)
        wait_child_ok(cs[i]);
    rt_kill(prov);
    rt_kill(srv);
}

static void test_policy(void)
{
    char *pol = path_in("policy.conf");
    rt_write_file(pol,
                  "[calc]\nprovide = 0\ncall = 0\n"
                  "[calc/add]\nprovide = 0\ncall = 0, 65534\n"
                  "[calc/slow]\nprovide = 12345\ncall = *\n");
    pid_t srv = rt_server_start(pol, NULL);
    pid_t prov = rt_provider_start();
    pid_t c = lipc_test_fork();
    if (c == 0) {
        CHECK_EQ(lipc_samgr_wait_service("calc", "add", 5000), 0);
        /* provide denied: root may not provide calc/slow */
        CHECK_EQ(lipc_samgr_wait_service("calc", "slow", 300), -ETIMEDOUT);
        _exit(0);
    }
    wait_child_ok(c);
    int in[2], out[2];
    CHECK(pipe(in) == 0 && pipe(out) == 0);
    c = lipc_test_fork();
    if (c == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        CHECK(setuid(65534) == 0);
        CHECK_EQ(lipc_samgr_wait_service("calc", NULL, 2000), -EACCES);
        CHECK(SAMGR_GetInstance()->GetFeatureApi("calc", NULL) == NULL);
        CHECK_EQ(lipc_samgr_wait_service("calc", "add", 2000), 0);
        IClientProxy *p = rt_proxy("calc", "add");
        CHECK(p);
        int32_t v;
        CHECK_EQ(rt_call(p, RT_UID, 0, 0, &v), 0);
        CHECK_EQ(v, 65534);
        CHECK(write(1, "r", 1) == 1);
        char b;
        CHECK(read(0, &b, 1) == 1);
        int r = 0;
        for (int i = 0; i < 100; i++) {
            r = rt_call(p, RT_UID, 0, 0, &v);
            if (r == EC_PERMISSION)
                break;
            usleep(50000);
        }
        CHECK_EQ(r, EC_PERMISSION);
        _exit(0);
    }
    close(in[0]);
    close(out[1]);
    char b;
    CHECK(read(out[0], &b, 1) == 1);
    /* restart the server with a policy that no longer lets 65534 call add */
    rt_kill(srv);
    rt_write_file(pol, "[calc/add]\nprovide = 0\ncall = 0\n[calc]\nprovide = 0\ncall = 0\n");
    srv = rt_server_start(pol, NULL);
    CHECK(write(in[1], "g", 1) == 1);
    wait_child_ok(c);
    close(in[1]);
    close(out[0]);
    rt_kill(prov);
    rt_kill(srv);
}

static void test_flowctl(void)
{
    pid_t srv = rt_server_start(NULL, NULL);
    setenv("LIPC_SAMGR_RATE", "20", 1);
    setenv("LIPC_SAMGR_BURST", "5", 1);
    pid_t prov = rt_provider_start();
    unsetenv("LIPC_SAMGR_RATE");
    unsetenv("LIPC_SAMGR_BURST");
    pid_t c = lipc_test_fork();
    if (c == 0) {
        CHECK_EQ(lipc_samgr_wait_service("calc", "add", 5000), 0);
        IClientProxy *p = rt_proxy("calc", "add");
        CHECK(p);
        int ok = 0, refused = 0;
        int32_t v;
        for (int i = 0; i < 50; i++) {
            int r = rt_call(p, RT_ADD, 1, 2, &v);
            if (r == 0)
                ok++;
            else if (r == EC_FLOWCTRL)
                refused++;
            else
                CHECK(!"unexpected error");
        }
        fprintf(stderr, "flow control: %d accepted, %d refused\n", ok, refused);
        CHECK(refused > 0);
        CHECK(ok >= 5);
        usleep(300000);   /* refills */
        CHECK_EQ(rt_call(p, RT_ADD, 1, 2, &v), 0);
        CHECK_EQ(v, 3);
        _exit(0);
    }
    wait_child_ok(c);
    rt_kill(prov);
    rt_kill(srv);
}

static int g_watch_events[4];
static int g_watch_n;
static int g_watch_last = -1;
static pthread_mutex_t g_wm = PTHREAD_MUTEX_INITIALIZER;
static void on_watch(const char *s, const char *f, int available, void *arg)
{
    (void)s;
    (void)f;
    (void)arg;
    pthread_mutex_lock(&g_wm);
    if (g_watch_n < 4)
        g_watch_events[g_watch_n++] = available;
    CHECK(available != g_watch_last);   /* always alternates */
    g_watch_last = available;
    pthread_mutex_unlock(&g_wm);
}

static int watch_last(void)
{
    pthread_mutex_lock(&g_wm);
    int n = g_watch_last;
    pthread_mutex_unlock(&g_wm);
    return n;
}

/* ---- a feature whose serving thread is gone, its process alive ---------- */

static int32_t ghost_samgr_call(IpcIo *req)
{
    MessageOption opt;
    MessageOptionInit(&opt);
    opt.waitTime = 5;
    IpcIo reply;
    uintptr_t msg = 0;
    int32_t st = -1;
    if (SendRequest(*GetContextObject(), 0xFFFFFFFFu, req, &reply, opt, &msg) != ERR_NONE)
        return -1000;
    if (!ReadInt32(&reply, &st))
        st = -1001;
    FreeBuffer((void *)msg);
    return st;
}

static pthread_mutex_t g_gm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_gc = PTHREAD_COND_INITIALIZER;
static pid_t g_ghost_tid;
static int g_ghost_go;

static void *ghost_thread(void *arg)
{
    (void)arg;
    lipc_handle_alive(0);   /* a task the broker knows */
    pthread_mutex_lock(&g_gm);
    g_ghost_tid = lipc_gettid();
    pthread_cond_broadcast(&g_gc);
    while (!g_ghost_go)
        pthread_cond_wait(&g_gc, &g_gm);
    pthread_mutex_unlock(&g_gm);
    return NULL;    /* exits: the broker drops the task, the server keeps the feature */
}

/* The samgr protocol by hand (as the benchmark's fake provider): endpoint =
 * this thread, feature ghost/x served by a thread that then exits.  The
 * server only watches the endpoint, so it keeps answering lookups of
 * ghost/x with that thread: the reply naming it is refused, and the core
 * answers the consumer with a failed reply at once (no liveness check in
 * the server, no 5 s time-out). */
static void ghost_provider(int ready_fd)
{
    char buf[256];
    IpcIo req;
    samgr_req_begin(&req, buf, sizeof(buf), 1, RES_ENDPOINT, OP_POST);
    SvcIdentity ep = {lipc_gettid(), 1, 0};
    WriteRemoteObject(&req, &ep);
    CHECK(ghost_samgr_call(&req) > 0);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, ghost_thread, NULL) == 0);
    pthread_mutex_lock(&g_gm);
    while (!g_ghost_tid)
        pthread_cond_wait(&g_gc, &g_gm);
    pthread_mutex_unlock(&g_gm);
    samgr_req_begin(&req, buf, sizeof(buf), 1, RES_FEATURE, OP_PUT);
    WriteString(&req, "ghost");
    WriteBool(&req, false);
    WriteString(&req, "x");
    WriteUint32(&req, 0);
    SvcIdentity serving = {g_ghost_tid, 0, 0};
    WriteRemoteObject(&req, &serving);
    CHECK_EQ(ghost_samgr_call(&req), EC_SUCCESS);
    pthread_mutex_lock(&g_gm);
    g_ghost_go = 1;
    pthread_cond_broadcast(&g_gc);
    pthread_mutex_unlock(&g_gm);
    pthread_join(t, NULL);
    for (int i = 0; i < 500 && lipc_handle_alive(g_ghost_tid) != 0; i++)
        usleep(2000);
    CHECK_EQ(lipc_handle_alive(g_ghost_tid), 0);
    CHECK(write(ready_fd, "r", 1) == 1);
    for (;;)
        pause();
}

static void test_gone_thread(void)
{
    pid_t srv = rt_server_start(NULL, NULL);
    int p[2];
    CHECK(pipe(p) == 0);
    pid_t g = lipc_test_fork();
    if (g == 0) {
        close(p[0]);
        ghost_provider(p[1]);
    }
    close(p[1]);
    char b;
    CHECK(read(p[0], &b, 1) == 1);
    close(p[0]);
    pid_t c = lipc_test_fork();
    if (c == 0) {
        for (int k = 0; k < 3; k++) {
            long long t0 = lipc_test_now_ms();
            CHECK(SAMGR_GetInstance()->GetFeatureApi("ghost", "x") == NULL);
            long long dt = lipc_test_now_ms() - t0;
            fprintf(stderr, "lookup of a feature whose thread is gone: NULL after %lld ms\n", dt);
            CHECK(dt < 1000);
        }
        CHECK_EQ(lipc_samgr_wait_service("ghost", "x", 200), -ETIMEDOUT);
        /* the mechanism: the server's reply is refused, a failed reply
         * comes instead */
        char buf[128];
        IpcIo req, reply;
        samgr_req_begin(&req, buf, sizeof(buf), 0, RES_FEATURE, OP_GET);
        WriteString(&req, "ghost");
        WriteBool(&req, false);
        WriteString(&req, "x");
        MessageOption opt;
        MessageOptionInit(&opt);
        uintptr_t msg = 0;
        CHECK_EQ(SendRequest(*GetContextObject(), 0xFFFFFFFFu, &req, &reply, opt, &msg), IPC_INVOKER_FAILED_REPLY);
        CHECK_EQ(lipc_ipc_last_error(), -ENOENT);
        _exit(0);
    }
    wait_child_ok(c);
    rt_kill(g);
    rt_kill(srv);
}

static void test_death(void)
{
    pid_t srv = rt_server_start(NULL, NULL);
    pid_t prov = rt_provider_start();
    int in[2], out[2];
    CHECK(pipe(in) == 0 && pipe(out) == 0);
    pid_t c = lipc_test_fork();
    if (c == 0) {
        close(in[1]);
        close(out[0]);
        CHECK_EQ(lipc_samgr_wait_service("calc", "add", 5000), 0);
        int wid = lipc_samgr_watch("calc", "add", on_watch, NULL);
        CHECK(wid >= 0);
        IClientProxy *p = rt_proxy("calc", "add");
        CHECK(p);
        int32_t v;
        CHECK_EQ(rt_call(p, RT_ADD, 1, 1, &v), 0);
        for (int i = 0; i < 200 && watch_last() != 1; i++)
            usleep(10000);
        CHECK_EQ(watch_last(), 1);
        CHECK(write(out[1], "r", 1) == 1);
        char b;
        CHECK(read(in[0], &b, 1) == 1);   /* provider killed */
        long long t0 = lipc_test_now_ms();
        int r = rt_call(p, RT_ADD, 1, 1, &v);
        CHECK_EQ(r, ERR_DEAD_OBJECT);
        fprintf(stderr, "dead provider noticed after %lld ms\n", lipc_test_now_ms() - t0);
        for (int i = 0; i < 300 && watch_last() != 0; i++)
            usleep(10000);
        CHECK_EQ(watch_last(), 0);
        /* the server dropped it */
        rt_wait_dropped("calc", "add");
        CHECK(write(out[1], "r", 1) == 1);
        CHECK(read(in[0], &b, 1) == 1);   /* new provider started */
        CHECK_EQ(lipc_samgr_wait_service("calc", "add", 5000), 0);
        IClientProxy *p2 = rt_proxy("calc", "add");
        CHECK(p2);
        CHECK_EQ(rt_call(p2, RT_ADD, 2, 3, &v), 0);
        CHECK_EQ(v, 5);
        for (int i = 0; i < 300 && watch_last() != 1; i++)
            usleep(10000);
        CHECK_EQ(watch_last(), 1);
        CHECK_EQ(lipc_samgr_unwatch(wid), 0);
        CHECK_EQ(lipc_samgr_unwatch(wid), -ENOENT);
        p->Release((IUnknown *)p);
        p2->Release((IUnknown *)p2);
        _exit(0);
    }
    close(in[0]);
    close(out[1]);
    char b;
    CHECK(read(out[0], &b, 1) == 1);
    rt_kill(prov);
    CHECK(write(in[1], "k", 1) == 1);
    CHECK(read(out[0], &b, 1) == 1);
    prov = rt_provider_start();
    CHECK(write(in[1], "s", 1) == 1);
    wait_child_ok(c);
    rt_kill(prov);
    rt_kill(srv);
    test_gone_thread();
}

static void test_restart(void)
{
    setenv("LIPC_SAMGR_PING_MS", "100", 1);
    pid_t srv = rt_server_start(NULL, NULL);
    pid_t prov = rt_provider_start();
    int in[2], out[2];
    CHECK(pipe(in) == 0 && pipe(out) == 0);
    pid_t c = lipc_test_fork();
    if (c == 0) {
        close(in[1]);
        close(out[0]);
        CHECK_EQ(lipc_samgr_wait_service("calc", "add", 5000), 0);
        IClientProxy *p = rt_proxy("calc", "add");
        CHECK(p);
        int32_t v;
        CHECK_EQ(rt_call(p, RT_ADD, 1, 1, &v), 0);
        CHECK(write(out[1], "r", 1) == 1);
        char b;
        CHECK(read(in[0], &b, 1) == 1);   /* server restarted */
        /* the resolved proxy keeps working (calls do not go through samgr) */
        CHECK_EQ(rt_call(p, RT_ADD, 2, 2, &v), 0);
        CHECK_EQ(v, 4);
        /* the provider re-registers by itself: a fresh lookup works */
        CHECK_EQ(lipc_samgr_wait_service("calc", "slow", 5000), 0);
        SvcIdentity id = SAMGR_GetRemoteIdentity("calc", "slow");
        CHECK(id.handle > 0);
        p->Release((IUnknown *)p);
        _exit(0);
    }
    close(in[0]);
    close(out[1]);
    char b;
    CHECK(read(out[0], &b, 1) == 1);
    rt_kill(srv);
    srv = rt_server_start(NULL, NULL);
    CHECK(write(in[1], "g", 1) == 1);
    wait_child_ok(c);
    /* a brand-new consumer after the restart */
    c = lipc_test_fork();
    if (c == 0) {
        CHECK_EQ(lipc_samgr_wait_service("calc", "add", 5000), 0);
        IClientProxy *p = rt_proxy("calc", "add");
        CHECK(p);
        int32_t v;
        CHECK_EQ(rt_call(p, RT_ADD, 20, 22, &v), 0);
        CHECK_EQ(v, 42);
        _exit(0);
    }
    wait_child_ok(c);
    rt_kill(prov);
    rt_kill(srv);
    unsetenv("LIPC_SAMGR_PING_MS");
}

static void test_syscap(void)
{
    char *js = path_in("syscap.json");
    rt_write_file(js, "{\"systemCapability\":[{\"name\":\"SystemCapability.A\",\"register-on-startup\":true},"
                      "{\"name\":\"SystemCapability.B\",\"register-on-startup\":false},"
                      "{\"name\":\"SystemCapability.C\",\"register-on-startup\":true}]}");
    pid_t srv = rt_server_start(NULL, js);
    pid_t c = lipc_test_fork();
    if (c == 0) {
        SamgrLite *s = SAMGR_GetInstance();
        CHECK(s->HasSystemCapability("SystemCapability.A"));
        CHECK(!s->HasSystemCapability("SystemCapability.B"));
        CHECK(!s->HasSystemCapability("SystemCapability.X"));
        char caps[MAX_SYSCAP_NUM][MAX_SYSCAP_NAME_LEN];
        int32 n = 0;
        CHECK_EQ(s->GetSystemAvailableCapabilities(caps, &n), EC_SUCCESS);
        CHECK_EQ(n, 2);
        CHECK_EQ(s->AddSystemCapability("SystemCapability.B"), EC_SUCCESS);
        CHECK(s->HasSystemCapability("SystemCapability.B"));
        CHECK_EQ(s->AddSystemCapability("SystemCapability.X"), EC_FAILURE);
        CHECK_EQ(s->GetSystemAvailableCapabilities(caps, &n), EC_SUCCESS);
        CHECK_EQ(n, 3);
        CHECK(strcmp(caps[1], "SystemCapability.B") == 0);
        _exit(0);
    }
    wait_child_ok(c);
    c = lipc_test_fork();
    if (c == 0) {
        CHECK(setuid(65534) == 0);   /* uid >= 10000: refused */
        SamgrLite *s = SAMGR_GetInstance();
        CHECK(!s->HasSystemCapability("SystemCapability.A"));
        CHECK(s->AddSystemCapability("SystemCapability.B") != EC_SUCCESS);
        _exit(0);
    }
    wait_child_ok(c);
    rt_kill(srv);
}

typedef struct {
    char header[64];   /* >= sizeof(IClientHeader) */
} FacHdr;
static int g_created, g_destroyed;
static void *fac_create(const char *service, const char *feature, uint32 size)
{
    (void)service;
    (void)feature;
    g_created++;
    CHECK(size <= sizeof(FacHdr));
    return calloc(1, size + 64);
}
static void fac_destroy(const char *service, const char *feature, void *p)
{
    (void)service;
    (void)feature;
    g_destroyed++;
    free(p);
}

static void test_factory(void)
{
    pid_t srv = rt_server_start(NULL, NULL);
    pid_t prov = rt_provider_start();
    pid_t c = lipc_test_fork();
    if (c == 0) {
        CHECK_EQ(SAMGR_RegisterFactory(NULL, "add", fac_create, fac_destroy), EC_INVALID);
        CHECK_EQ(SAMGR_RegisterFactory("calc", "add", NULL, fac_destroy), EC_INVALID);
        CHECK_EQ(SAMGR_RegisterFactory("calc", "add", fac_create, NULL), EC_INVALID);
        CHECK_EQ(SAMGR_RegisterFactory("calc", "add", fac_create, fac_destroy), EC_SUCCESS);
        CHECK_EQ(SAMGR_RegisterFactory("calc", "add", fac_create, fac_destroy), EC_SUCCESS);
        CHECK_EQ(lipc_samgr_wait_service("calc", "add", 5000), 0);
        CHECK_EQ(g_created, 1);
        IClientProxy *p = rt_proxy("calc", "add");
        CHECK(p);
        int32_t v;
        CHECK_EQ(rt_call(p, RT_ADD, 3, 4, &v), 0);
        CHECK_EQ(v, 7);
        p->Release((IUnknown *)p);
        CHECK_EQ(g_destroyed, 0);   /* the cache still holds it */
        _exit(0);
    }
    wait_child_ok(c);
    rt_kill(prov);
    rt_kill(srv);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s basic|policy|flowctl|death|restart|syscap|factory\n", argv[0]);
        return 2;
    }
    alarm(60);
    lipc_test_broker_start(&g_broker);
    /* children switch to uid 65534: let them reach the broker */
    CHECK(chmod(g_broker.dir, 0755) == 0);
    CHECK(chmod(g_broker.sock, 0777) == 0);
    snprintf(g_dir, sizeof(g_dir), "%s", g_broker.dir);
    unsetenv("LIPC_SAMGR_POLICY");
    setenv("LIPC_SAMGR_SYSCAP", "/nonexistent.json", 1);
    if (strcmp(argv[1], "basic") == 0)
        test_basic();
    else if (strcmp(argv[1], "policy") == 0)
        test_policy();
    else if (strcmp(argv[1], "flowctl") == 0)
        test_flowctl();
    else if (strcmp(argv[1], "death") == 0)
        test_death();
    else if (strcmp(argv[1], "restart") == 0)
        test_restart();
    else if (strcmp(argv[1], "syscap") == 0)
        test_syscap();
    else if (strcmp(argv[1], "factory") == 0)
        test_factory();
    else
        return 2;
    unlink(path_in("policy.conf"));
    unlink(path_in("syscap.json"));
    lipc_test_broker_stop(&g_broker);
    printf("ok %s\n", argv[1]);
    return 0;
}
