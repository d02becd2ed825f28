/*
 * libsvc_calc.so - an example service library for the foundation host:
 * service "calc" with two features exported to other processes (their APIs
 * answer QueryInterface(SERVER_PROXY_VER) through SERVER_IPROXY_IMPL_BEGIN):
 *   "arith": CALC_ADD(a, b) -> a + b, CALC_MUL(a, b) -> a * b
 *   "info":  INFO_PID -> the provider's pid, INFO_UID -> the caller's uid,
 *            INFO_CALLS -> the number of calls to "arith" so far
 * Registered by the init macros while the library is loaded.
 */
#include <stdatomic.h>
#include <unistd.h>

#include "feature.h"
#include "iproxy_server.h"
#include "ipc_skeleton.h"
#include "ohos_errno.h"
#include "ohos_init.h"
#include "samgr_lite.h"
#include "service.h"
#include "svc_calc.h"

typedef struct {
    INHERIT_SERVICE;
    Identity identity;
} CalcService;

static const char *svc_name(Service *s)
{
    (void)s;
    return CALC_SERVICE;
}
static BOOL svc_init(Service *s, Identity id)
{
    ((CalcService *)s)->identity = id;
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
static CalcService g_service = {svc_name, svc_init, svc_msg, svc_cfg, {-1, -1, NULL}};

static atomic_int g_calls;

typedef struct {
    INHERIT_FEATURE;
    INHERIT_IUNKNOWNENTRY(IServerProxy);
    Identity identity;
    const char *name;
} CalcFeature;

static const char *f_name(Feature *f)
{
    return ((CalcFeature *)f)->name;
}
static void f_init(Feature *f, Service *parent, Identity id)
{
    (void)parent;
    ((CalcFeature *)f)->identity = id;
}
static void f_stop(Feature *f, Identity id)
{
    (void)f;
    (void)id;
}
static BOOL f_msg(Feature *f, Request *r)
{
    (void)f;
    (void)r;
    return TRUE;
}

static int32 arith_invoke(IServerProxy *p, int funcId, void *origin, IpcIo *req, IpcIo *reply)
{
    (void)p;
    (void)origin;
    int32_t a = 0, b = 0;
    if (!ReadInt32(req, &a) || !ReadInt32(req, &b))
        return EC_INVALID;
    atomic_fetch_add(&g_calls, 1);
    switch (funcId) {
    case CALC_ADD:
        WriteInt32(reply, a + b);
        return EC_SUCCESS;
    case CALC_MUL:
        WriteInt32(reply, a * b);
        return EC_SUCCESS;
    default:
        WriteInt32(reply, 0);
        return EC_INVALID;
    }
}

static int32 info_invoke(IServerProxy *p, int funcId, void *origin, IpcIo *req, IpcIo *reply)
{
    (void)p;
    (void)origin;
    (void)req;
    switch (funcId) {
    case INFO_PID:
        WriteInt32(reply, (int32_t)getpid());
        return EC_SUCCESS;
    case INFO_UID:
        WriteInt32(reply, (int32_t)GetCallingUid());
        return EC_SUCCESS;
    case INFO_CALLS:
        WriteInt32(reply, atomic_load(&g_calls));
        return EC_SUCCESS;
    default:
        WriteInt32(reply, 0);
        return EC_INVALID;
    }
}

#define CALC_FEATURE(var, nm, inv)                                                              \
    static CalcFeature var = {.GetName = f_name, .OnInitialize = f_init, .OnStop = f_stop,      \
                              .OnMessage = f_msg, SERVER_IPROXY_IMPL_BEGIN, .Invoke = inv,      \
                              IPROXY_END, .identity = {-1, -1, NULL}, .name = nm}
CALC_FEATURE(g_arith, CALC_FEATURE_ARITH, arith_invoke);
CALC_FEATURE(g_info, CALC_FEATURE_INFO, info_invoke);

static void calc_service_init(void)
{
    SAMGR_GetInstance()->RegisterService((Service *)&g_service);
}
SYS_SERVICE_INIT(calc_service_init);

static void calc_features_init(void)
{
    SamgrLite *s = SAMGR_GetInstance();
    s->RegisterFeature(CALC_SERVICE, (Feature *)&g_arith);
    s->RegisterFeatureApi(CALC_SERVICE, CALC_FEATURE_ARITH, GET_IUNKNOWN(g_arith));
    s->RegisterFeature(CALC_SERVICE, (Feature *)&g_info);
    s->RegisterFeatureApi(CALC_SERVICE, CALC_FEATURE_INFO, GET_IUNKNOWN(g_info));
}
SYS_FEATURE_INIT(calc_features_init);
