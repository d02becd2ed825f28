/*
 * remote_test.h - helpers of the samgr multi-process tests: the samgr
 * server as a real daemon, a provider with service "calc" (default feature
 * + features "add" and "slow", exported with SERVER_IPROXY), consumers.
 */
#ifndef SAMGR_REMOTE_TEST_H
#define SAMGR_REMOTE_TEST_H

#include "lipc_test.h"

#include <fcntl.h>
#include <pthread.h>

#include "feature.h"
#include "iproxy_client.h"
#include "iproxy_server.h"
#include "ipc_skeleton.h"
#include "lipc_samgr.h"
#include "ohos_errno.h"
#include "registry.h"
#include "samgr_lite.h"
#include "service.h"

#ifndef SAMGR_SERVER_PATH
#define SAMGR_SERVER_PATH "samgr_server"
#endif

/* Starts samgr_server with optional policy/syscap files; waits until ready. */
static inline pid_t rt_server_start(const char *policy, const char *syscap)
{
    const char *argv[8] = { SAMGR_SERVER_PATH };
    int n = 1;
    if (policy) {
        argv[n++] = "--policy";
        argv[n++] = policy;
    }
    if (syscap) {
        argv[n++] = "--syscap";
        argv[n++] = syscap;
    }
    pid_t pid = lipc_test_spawn_ready(argv);
    CHECK(pid > 0);
    return pid;
}

/* Waits (at most 2 s) until samgr has dropped svc/feat; checks it did. */
static inline void rt_wait_dropped(const char *svc, const char *feat)
{
    for (int i = 0; i < 100 && SAMGR_GetInstance()->GetFeatureApi(svc, feat); i++)
        usleep(20000);
    CHECK(SAMGR_GetInstance()->GetFeatureApi(svc, feat) == NULL);
}

static inline void rt_kill(pid_t pid)
{
    kill(pid, SIGKILL);
    lipc_test_wait(pid);
}

static inline void rt_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f);
    fputs(text, f);
    fclose(f);
}

/* ---- the provider: service "calc" ---- */
typedef struct {
    INHERIT_SERVICE;
    Identity identity;
} RtService;

static const char *rt_svc_name(Service *s)
{
    (void)s;
    return "calc";
}
static BOOL rt_svc_init(Service *s, Identity id)
{
    ((RtService *)s)->identity = id;
    return TRUE;
}
static BOOL rt_svc_msg(Service *s, Request *r)
{
    (void)s;
    (void)r;
    return TRUE;
}
static TaskConfig rt_svc_cfg(Service *s)
{
    (void)s;
    TaskConfig c = {LEVEL_HIGH, PRI_NORMAL, 0x800, 20, SHARED_TASK};
    return c;
}
static RtService g_rt_service = {rt_svc_name, rt_svc_init, rt_svc_msg, rt_svc_cfg, {-1, -1, NULL}};

typedef struct {
    INHERIT_SERVER_IPROXY;
} RtApi;
typedef struct {
    INHERIT_IUNKNOWNENTRY(RtApi);
} RtApiEntry;

enum { RT_ADD = 1, RT_SLEEP = 2, RT_PID = 3, RT_UID = 4 };

static int32 rt_invoke(IServerProxy *p, int funcId, void *origin, IpcIo *req, IpcIo *reply)
{
    (void)p;
    (void)origin;
    int32_t a = 0, b = 0;
    switch (funcId) {
    case RT_ADD:
        ReadInt32(req, &a);
        ReadInt32(req, &b);
        WriteInt32(reply, a + b);
        break;
    case RT_SLEEP:
        ReadInt32(req, &a);
        usleep((useconds_t)a * 1000);
        WriteInt32(reply, a);
        break;
    case RT_PID:
        WriteInt32(reply, getpid());
        break;
    case RT_UID:
        WriteInt32(reply, GetCallingUid());
        break;
    default:
        WriteInt32(reply, -1);
    }
    return EC_SUCCESS;
}

static RtApiEntry g_rt_default = {SERVER_IPROXY_IMPL_BEGIN, .Invoke = rt_invoke, IPROXY_END};

typedef struct {
    INHERIT_FEATURE;
    INHERIT_IUNKNOWNENTRY(RtApi);
    Identity identity;
    const char *name;
} RtFeature;

static const char *rt_f_name(Feature *f)
{
    return ((RtFeature *)f)->name;
}
static void rt_f_init(Feature *f, Service *parent, Identity id)
{
    (void)parent;
    ((RtFeature *)f)->identity = id;
}
static void rt_f_stop(Feature *f, Identity id)
{
    (void)f;
    (void)id;
}
static BOOL rt_f_msg(Feature *f, Request *r)
{
    (void)f;
    (void)r;
    return TRUE;
}

#define RT_FEATURE(var, nm)                                                                  \
    static RtFeature var = {.GetName = rt_f_name, .OnInitialize = rt_f_init, .OnStop = rt_f_stop, \
                            .OnMessage = rt_f_msg, SERVER_IPROXY_IMPL_BEGIN, .Invoke = rt_invoke,  \
                            IPROXY_END, .identity = {-1, -1, NULL}, .name = nm}
RT_FEATURE(g_rt_add, "add");
RT_FEATURE(g_rt_slow, "slow");

/* Registers "calc" (+ default API, features add and slow) and boots. */
static inline void rt_provide(void)
{
    SamgrLite *s = SAMGR_GetInstance();
    CHECK(s->RegisterService((Service *)&g_rt_service));
    CHECK(s->RegisterDefaultFeatureApi("calc", GET_IUNKNOWN(g_rt_default)));
    CHECK(s->RegisterFeature("calc", (Feature *)&g_rt_add));
    CHECK(s->RegisterFeatureApi("calc", "add", GET_IUNKNOWN(g_rt_add)));
    CHECK(s->RegisterFeature("calc", (Feature *)&g_rt_slow));
    CHECK(s->RegisterFeatureApi("calc", "slow", GET_IUNKNOWN(g_rt_slow)));
    SAMGR_Bootstrap();
}

/* A provider process; returns its pid once "calc/add" is available. */
static inline pid_t rt_provider_start(void)
{
    pid_t pid = lipc_test_fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        rt_provide();
        for (;;)
            pause();
    }
    return pid;
}

/* ---- consumer helpers ---- */
typedef struct {
    int called;
    int32_t value;
} RtResult;

static int rt_notify(IOwner owner, int code, IpcIo *reply)
{
    RtResult *r = owner;
    r->called++;
    if (code == 0)
        ReadInt32(reply, &r->value);
    return 0;
}

static inline IClientProxy *rt_proxy(const char *service, const char *feature)
{
    IUnknown *iu = SAMGR_GetInstance()->GetFeatureApi(service, feature);
    if (!iu) {
        fprintf(stderr, "rt_proxy: %s/%s not found\n", service, feature ? feature : "");
        return NULL;
    }
    IClientProxy *p = NULL;
    if (iu->QueryInterface(iu, CLIENT_PROXY_VER, (void **)&p) != EC_SUCCESS) {
        fprintf(stderr, "rt_proxy: %s/%s: not a client proxy\n", service, feature ? feature : "");
        return NULL;
    }
    return p;
}

/* Sync call with two ints; returns Invoke's result, *out the reply value. */
static inline int rt_call(IClientProxy *p, int func, int32_t a, int32_t b, int32_t *out)
{
    char buf[64];
    IpcIo req;
    IpcIoInit(&req, buf, sizeof(buf), 0);
    WriteInt32(&req, a);
    WriteInt32(&req, b);
    RtResult r = {0, 0};
    int ret = p->Invoke(p, func, &req, &r, rt_notify);
    if (ret == 0) {
        CHECK_EQ(r.called, 1);
        if (out)
            *out = r.value;
    } else {
        CHECK_EQ(r.called, 0);
    }
    return ret;
}

#endif
