/*
 * Boot phases (reference 3.7) driven by a "Bootstrap" service, as on mini
 * systems: SAMGR_Bootstrap() starts the system services; when all are
 * initialised samgr sends BOOT_SYS_COMPLETED to Bootstrap, which registers
 * the application services and responds; the response runs SAMGR_Bootstrap
 * again (app phase), then BOOT_APP_COMPLETED, then the dynamic phase where
 * each explicit SAMGR_Bootstrap() starts newly registered services.
 */
#include "feature.h"
#include "ohos_init.h"
#include "samgr_lite_inner.h"
#include "samgr_test.h"

#define MAX_EVENTS 32
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static char g_events[MAX_EVENTS][32];
static volatile int g_eventCount;

static void Event(const char *fmt, int value)
{
    pthread_mutex_lock(&g_lock);
    if (g_eventCount < MAX_EVENTS) {
        snprintf(g_events[g_eventCount], sizeof(g_events[0]), fmt, value);
    }
    __atomic_add_fetch(&g_eventCount, 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&g_lock);
}

static int EventIndex(const char *name)
{
    pthread_mutex_lock(&g_lock);
    int found = -1;
    for (int i = 0; i < g_eventCount && i < MAX_EVENTS; ++i) {
        if (strcmp(g_events[i], name) == 0) {
            found = i;
            break;
        }
    }
    pthread_mutex_unlock(&g_lock);
    return found;
}

typedef struct Svc {
    INHERIT_SERVICE;
    const char *name;
    TaskConfig config;
    Identity identity;
} Svc;

static const char *GetName(Service *s)
{
    return ((Svc *)s)->name;
}

static BOOL Initialize(Service *s, Identity id)
{
    Svc *svc = (Svc *)s;
    svc->identity = id;
    Event("init:%.0d", 0);
    pthread_mutex_lock(&g_lock);
    snprintf(g_events[g_eventCount - 1], sizeof(g_events[0]), "init:%s", svc->name);
    pthread_mutex_unlock(&g_lock);
    return TRUE;
}

static BOOL Noop(Service *s, Request *r)
{
    (void)s;
    (void)r;
    return TRUE;
}

static TaskConfig GetTaskConfig(Service *s)
{
    return ((Svc *)s)->config;
}

static BOOL BootstrapHandle(Service *s, Request *r);

static Svc g_sys = {GetName, Initialize, Noop, GetTaskConfig, "SysSvc", {LEVEL_HIGH, PRI_NORMAL, 0x800, 20, SHARED_TASK}, {0, 0, NULL}};
static Svc g_bootstrap = {GetName, Initialize, BootstrapHandle, GetTaskConfig, BOOTSTRAP_SERVICE, {LEVEL_HIGH, PRI_NORMAL, 0x800, 20, SHARED_TASK}, {0, 0, NULL}};
static Svc g_app = {GetName, Initialize, Noop, GetTaskConfig, "AppSvc", {LEVEL_HIGH, PRI_BELOW_NORMAL, 0x800, 20, SINGLE_TASK}, {0, 0, NULL}};
static Svc g_dyn = {GetName, Initialize, Noop, GetTaskConfig, "DynSvc", {LEVEL_HIGH, PRI_NORMAL, 0x800, 20, SINGLE_TASK}, {0, 0, NULL}};

typedef struct Fea {
    INHERIT_FEATURE;
    const char *name;
} Fea;
static const char *FeaName(Feature *f)
{
    return ((Fea *)f)->name;
}
static void FeaInit(Feature *f, Service *parent, Identity id)
{
    (void)parent;
    (void)id;
    pthread_mutex_lock(&g_lock);
    if (g_eventCount < MAX_EVENTS) {
        snprintf(g_events[g_eventCount], sizeof(g_events[0]), "feature:%s", ((Fea *)f)->name);
    }
    __atomic_add_fetch(&g_eventCount, 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&g_lock);
}
static void FeaStop(Feature *f, Identity id)
{
    (void)f;
    (void)id;
}
static BOOL FeaMessage(Feature *f, Request *r)
{
    (void)f;
    (void)r;
    return TRUE;
}
static Fea g_sysFeature = {FeaName, FeaInit, FeaStop, FeaMessage, NULL, "SysFea"};
static Fea g_appFeature = {FeaName, FeaInit, FeaStop, FeaMessage, NULL, "AppFea"};
static Fea g_lateFeature = {FeaName, FeaInit, FeaStop, FeaMessage, NULL, "LateFea"};

static volatile int g_sysCompletedValue = -1;
static volatile int g_appCompletedValue = -1;

static BOOL BootstrapHandle(Service *s, Request *r)
{
    Svc *self = (Svc *)s;
    switch (r->msgId) {
        case BOOT_SYS_COMPLETED:
            g_sysCompletedValue = (int)r->msgValue;
            Event("sys_completed", 0);
            /* the app layer registers now (mini systems run the app .zinitcall here) */
            CHECK(SAMGR_GetInstance()->RegisterService((Service *)&g_app));
            CHECK(SAMGR_GetInstance()->RegisterFeature("AppSvc", (Feature *)&g_appFeature));
            CHECK_EQ(SAMGR_SendResponseByIdentity(&self->identity, r, NULL), EC_SUCCESS);
            break;
        case BOOT_APP_COMPLETED:
            g_appCompletedValue = (int)r->msgValue;
            Event("app_completed", 0);
            CHECK_EQ(SAMGR_SendResponseByIdentity(&self->identity, r, NULL), EC_SUCCESS);
            break;
        default:
            break;
    }
    return TRUE;
}

static volatile int g_coreRan;
static void CoreInit(void)
{
    g_coreRan = 1;
    Event("core", 0);
}
CORE_INIT(CoreInit);

static void SysServiceInit(void)
{
    CHECK(SAMGR_GetInstance()->RegisterService((Service *)&g_sys));
    CHECK(SAMGR_GetInstance()->RegisterService((Service *)&g_bootstrap));
    Event("registered_services", 0);
}
SYS_SERVICE_INIT(SysServiceInit);

static void SysFeatureInit(void)
{
    CHECK(SAMGR_GetInstance()->RegisterFeature("SysSvc", (Feature *)&g_sysFeature));
    Event("registered_features", 0);
}
SYS_FEATURE_INIT(SysFeatureInit);

int main(void)
{
    /* load-time registration happened, nothing is started */
    CHECK_EQ(g_eventCount, 3);
    CHECK_EQ(EventIndex("core"), 0);
    CHECK_EQ(EventIndex("registered_services"), 1);
    CHECK_EQ(EventIndex("registered_features"), 2);
    CHECK_EQ(SAMGR_GetBootStatus(), BOOT_SYS);

    SAMGR_Bootstrap();
    long long deadline = lipc_test_now_ms() + 5000;
    while (SAMGR_GetBootStatus() != BOOT_DYNAMIC_WAIT && lipc_test_now_ms() < deadline) {
        usleep(500);
    }
    CHECK_EQ(SAMGR_GetBootStatus(), BOOT_DYNAMIC_WAIT);
    while (EventIndex("app_completed") < 0 && lipc_test_now_ms() < deadline) {
        usleep(500);
    }
    for (int i = 0; i < g_eventCount; ++i) {
        printf("event %d: %s\n", i, g_events[i]);
    }
    int sysInit = EventIndex("init:SysSvc");
    int sysFea = EventIndex("feature:SysFea");
    int bootInit = EventIndex("init:Bootstrap");
    int sysDone = EventIndex("sys_completed");
    int appInit = EventIndex("init:AppSvc");
    int appFea = EventIndex("feature:AppFea");
    int appDone = EventIndex("app_completed");
    CHECK(sysInit > 2 && sysFea > sysInit);      /* service Initialize, then its features */
    CHECK(bootInit > 2);
    CHECK(sysDone > sysFea && sysDone > bootInit); /* BOOT_SYS_COMPLETED after every system service */
    CHECK(appInit > sysDone && appFea > appInit);  /* app layer in the second phase */
    CHECK(appDone > appFea);
    CHECK_EQ(g_sysCompletedValue, 2);   /* number of services at that point */
    CHECK_EQ(g_appCompletedValue, 3);

    /* dynamic phase: a new service is started by the next explicit SAMGR_Bootstrap */
    int before = g_eventCount;
    CHECK(SAMGR_GetInstance()->RegisterService((Service *)&g_dyn));
    CHECK(SAMGR_GetInstance()->RegisterFeature("DynSvc", (Feature *)&g_lateFeature));
    usleep(20 * 1000);
    CHECK_EQ(EventIndex("init:DynSvc"), -1);
    SAMGR_Bootstrap();
    SAMGR_Bootstrap();   /* a second call does not initialise twice */
    deadline = lipc_test_now_ms() + 5000;
    while (EventIndex("feature:LateFea") < 0 && lipc_test_now_ms() < deadline) {
        usleep(500);
    }
    CHECK(EventIndex("init:DynSvc") >= before);
    CHECK(EventIndex("feature:LateFea") > EventIndex("init:DynSvc"));
    usleep(20 * 1000);
    CHECK_EQ(g_eventCount, before + 2);
    CHECK_EQ(SAMGR_GetBootStatus(), BOOT_DYNAMIC_WAIT);
    /* initialised: features can no longer be added */
    static Fea extra = {FeaName, FeaInit, FeaStop, FeaMessage, NULL, "Extra"};
    CHECK(!SAMGR_GetInstance()->RegisterFeature("DynSvc", (Feature *)&extra));
    CHECK(g_coreRan);
    printf("test_boot: ok\n");
    return 0;
}
