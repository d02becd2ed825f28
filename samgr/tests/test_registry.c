/*
 * SamgrLite vtable (reference 3.6): every register/unregister rule and refusal,
 * GetFeatureApi, the weak (absent) remote registry, and boot status advancing
 * without a Bootstrap service.
 */
#include "feature.h"
#include "iunknown.h"
#include "samgr_lite_inner.h"
#include "samgr_test.h"
#include "service_impl.h"

/* ---- a configurable service ---- */
typedef struct TestService {
    INHERIT_SERVICE;
    const char *name;
    TaskConfig config;
    int initCount;
    Identity identity;
} TestService;

static const char *SvcGetName(Service *service)
{
    return ((TestService *)service)->name;
}

static BOOL SvcInitialize(Service *service, Identity identity)
{
    TestService *svc = (TestService *)service;
    svc->identity = identity;
    samgr_test_bump(&svc->initCount);
    return TRUE;
}

static BOOL SvcMessageHandle(Service *service, Request *request)
{
    (void)service;
    (void)request;
    return TRUE;
}

static TaskConfig SvcGetTaskConfig(Service *service)
{
    return ((TestService *)service)->config;
}

#define TEST_SERVICE(n, flags) \
    {SvcGetName, SvcInitialize, SvcMessageHandle, SvcGetTaskConfig, (n), {LEVEL_HIGH, PRI_NORMAL, 0x800, 8, (flags)}, 0, {0, 0, NULL}}

/* ---- a configurable feature ---- */
typedef struct TestFeature {
    INHERIT_FEATURE;
    const char *name;
    int stopCount;
    Identity stopIdentity;
    int initCount;
    Identity identity;
} TestFeature;

static const char *FeaGetName(Feature *feature)
{
    return ((TestFeature *)feature)->name;
}

static void FeaOnInitialize(Feature *feature, Service *parent, Identity identity)
{
    (void)parent;
    TestFeature *f = (TestFeature *)feature;
    f->identity = identity;
    samgr_test_bump(&f->initCount);
}

static void FeaOnStop(Feature *feature, Identity identity)
{
    TestFeature *f = (TestFeature *)feature;
    f->stopIdentity = identity;
    f->stopCount++;
}

static BOOL FeaOnMessage(Feature *feature, Request *request)
{
    (void)feature;
    (void)request;
    return TRUE;
}

#define TEST_FEATURE(n) {FeaGetName, FeaOnInitialize, FeaOnStop, FeaOnMessage, NULL, (n), 0, {0, 0, NULL}, 0, {0, 0, NULL}}

/* ---- an API ---- */
typedef struct TestApi {
    INHERIT_IUNKNOWN;
    int (*Call)(IUnknown *iu);
} TestApi;
typedef struct TestApiEntry {
    INHERIT_IUNKNOWNENTRY(TestApi);
} TestApiEntry;

static int Call(IUnknown *iu)
{
    (void)iu;
    return 7;
}

static TestApiEntry g_api1 = {DEFAULT_IUNKNOWN_ENTRY_BEGIN, .Call = Call, DEFAULT_IUNKNOWN_ENTRY_END};
static TestApiEntry g_api2 = {DEFAULT_IUNKNOWN_ENTRY_BEGIN, .Call = Call, DEFAULT_IUNKNOWN_ENTRY_END};

static void TestRegisterService(SamgrLite *samgr)
{
    static TestService a = TEST_SERVICE("svcA", NO_TASK);
    static TestService dup = TEST_SERVICE("svcA", NO_TASK);
    static TestService b = TEST_SERVICE("svcB", NO_TASK);
    static TestService broken = TEST_SERVICE("broken", NO_TASK);

    CHECK(!samgr->RegisterService(NULL));
    broken.MessageHandle = NULL;
    CHECK(!samgr->RegisterService((Service *)&broken));
    broken.MessageHandle = SvcMessageHandle;
    broken.GetTaskConfig = NULL;
    CHECK(!samgr->RegisterService((Service *)&broken));
    broken.GetTaskConfig = SvcGetTaskConfig;
    broken.GetName = NULL;
    CHECK(!samgr->RegisterService((Service *)&broken));
    broken.GetName = SvcGetName;
    broken.Initialize = NULL;
    CHECK(!samgr->RegisterService((Service *)&broken));

    CHECK(samgr->RegisterService((Service *)&a));
    CHECK(!samgr->RegisterService((Service *)&a));     /* same object */
    CHECK(!samgr->RegisterService((Service *)&dup));   /* same name, other object */
    CHECK(samgr->RegisterService((Service *)&b));
    /* serviceId = index in the service vector */
    ServiceImpl *ia = SAMGR_GetServiceByID(0);
    ServiceImpl *ib = SAMGR_GetServiceByID(1);
    CHECK(ia != NULL && ia->service == (Service *)&a && ia->serviceId == 0);
    CHECK(ib != NULL && ib->service == (Service *)&b && ib->serviceId == 1);
    CHECK(SAMGR_GetServiceByID(2) == NULL);
    CHECK(SAMGR_GetServiceByID(-1) == NULL);
    CHECK_EQ(SAMGR_GetInited(ia), SVC_INIT);

    /* unregister refusals */
    CHECK(samgr->UnregisterService(NULL) == NULL);
    CHECK(samgr->UnregisterService("nope") == NULL);
    CHECK(samgr->RegisterDefaultFeatureApi("svcA", GET_IUNKNOWN(g_api1)));
    CHECK(samgr->UnregisterService("svcA") == NULL);   /* default API still registered */
    CHECK(samgr->UnregisterDefaultFeatureApi("svcA") == GET_IUNKNOWN(g_api1));
    static TestFeature f = TEST_FEATURE("feat");
    CHECK(samgr->RegisterFeature("svcA", (Feature *)&f));
    CHECK(samgr->UnregisterService("svcA") == NULL);   /* feature still registered */
    CHECK(samgr->UnregisterFeature("svcA", "feat") == (Feature *)&f);
    CHECK(samgr->UnregisterService("svcA") == (Service *)&a);
    CHECK(SAMGR_GetServiceByID(0) == NULL);
    CHECK(samgr->UnregisterService("svcA") == NULL);

    /* the freed slot 0 is not reused until the vector is full (max 4, top 2) */
    CHECK(samgr->RegisterService((Service *)&dup));
    CHECK(SAMGR_GetServiceByID(2) != NULL && SAMGR_GetServiceByID(2)->service == (Service *)&dup);
    CHECK(samgr->UnregisterService("svcA") == (Service *)&dup);
    CHECK(samgr->UnregisterService("svcB") == (Service *)&b);
}

static void TestFeatures(SamgrLite *samgr)
{
    static TestService s = TEST_SERVICE("feaSvc", NO_TASK);
    static TestFeature f1 = TEST_FEATURE("f1");
    static TestFeature f1dup = TEST_FEATURE("f1");
    static TestFeature f2 = TEST_FEATURE("f2");
    static TestFeature broken = TEST_FEATURE("broken");

    CHECK(!samgr->RegisterFeature("feaSvc", (Feature *)&f1));   /* unknown service */
    CHECK(samgr->RegisterService((Service *)&s));
    CHECK(!samgr->RegisterFeature("feaSvc", NULL));
    CHECK(!samgr->RegisterFeature(NULL, (Feature *)&f1));
    broken.OnStop = NULL;
    CHECK(!samgr->RegisterFeature("feaSvc", (Feature *)&broken));
    broken.OnStop = FeaOnStop;
    broken.OnMessage = NULL;
    CHECK(!samgr->RegisterFeature("feaSvc", (Feature *)&broken));
    broken.OnMessage = FeaOnMessage;
    broken.OnInitialize = NULL;
    CHECK(!samgr->RegisterFeature("feaSvc", (Feature *)&broken));
    broken.OnInitialize = FeaOnInitialize;
    broken.GetName = NULL;
    CHECK(!samgr->RegisterFeature("feaSvc", (Feature *)&broken));
    broken.GetName = FeaGetName;

    CHECK(samgr->RegisterFeature("feaSvc", (Feature *)&f1));
    CHECK(!samgr->RegisterFeature("feaSvc", (Feature *)&f1dup));   /* duplicate name */
    CHECK(samgr->RegisterFeature("feaSvc", (Feature *)&f2));

    /* APIs */
    CHECK(!samgr->RegisterFeatureApi("feaSvc", "f1", NULL));
    g_api2.iUnknown.Release = NULL;
    CHECK(!samgr->RegisterFeatureApi("feaSvc", "f1", GET_IUNKNOWN(g_api2)));   /* invalid IUnknown */
    g_api2.iUnknown.Release = IUNKNOWN_Release;
    CHECK(!samgr->RegisterFeatureApi("nope", "f1", GET_IUNKNOWN(g_api1)));     /* unknown service */
    CHECK(!samgr->RegisterFeatureApi("feaSvc", "zz", GET_IUNKNOWN(g_api1)));   /* unknown feature */
    CHECK(samgr->RegisterFeatureApi("feaSvc", "f1", GET_IUNKNOWN(g_api1)));
    CHECK(!samgr->RegisterFeatureApi("feaSvc", "f1", GET_IUNKNOWN(g_api2)));   /* feature has an API */
    CHECK(samgr->RegisterFeatureApi("feaSvc", NULL, GET_IUNKNOWN(g_api2)));    /* default API */
    CHECK(!samgr->RegisterDefaultFeatureApi("feaSvc", GET_IUNKNOWN(g_api1)));  /* default exists */

    /* lookups: no AddRef */
    int ref = g_api1.ref;
    CHECK(samgr->GetFeatureApi("feaSvc", "f1") == GET_IUNKNOWN(g_api1));
    CHECK_EQ(g_api1.ref, ref);
    CHECK(samgr->GetFeatureApi("feaSvc", NULL) == GET_IUNKNOWN(g_api2));
    CHECK(samgr->GetDefaultFeatureApi("feaSvc") == GET_IUNKNOWN(g_api2));
    CHECK(samgr->GetFeatureApi("feaSvc", "f2") == NULL);     /* feature without API */
    CHECK(samgr->GetFeatureApi("feaSvc", "zz") == NULL);     /* unknown feature: no remote fallback */
    CHECK(samgr->GetFeatureApi("remoteSvc", NULL) == NULL);  /* not local: weak remote lookup is absent */
    CHECK(samgr->GetDefaultFeatureApi(NULL) == NULL);
    TestApi *api = NULL;
    IUnknown *iu = samgr->GetFeatureApi("feaSvc", "f1");
    CHECK_EQ(iu->QueryInterface(iu, DEFAULT_VERSION, (void **)&api), EC_SUCCESS);
    CHECK_EQ(api->Call((IUnknown *)api), 7);
    CHECK_EQ(g_api1.ref, ref + 1);
    iu->Release(iu);

    /* unregister feature refusals */
    CHECK(samgr->UnregisterFeature("nope", "f1") == NULL);
    CHECK(samgr->UnregisterFeature("feaSvc", "zz") == NULL);
    CHECK(samgr->UnregisterFeature("feaSvc", NULL) == NULL);
    CHECK(samgr->UnregisterFeature("feaSvc", "f1") == NULL);   /* API still registered */
    CHECK_EQ(f1.stopCount, 0);

    /* unregister API */
    CHECK(samgr->UnregisterFeatureApi("nope", "f1") == NULL);
    CHECK(samgr->UnregisterFeatureApi("feaSvc", "zz") == NULL);
    CHECK(samgr->UnregisterFeatureApi("feaSvc", "f2") == NULL);   /* feature without API */
    CHECK(samgr->UnregisterFeatureApi("feaSvc", "f1") == GET_IUNKNOWN(g_api1));
    CHECK(samgr->UnregisterFeatureApi("feaSvc", "f1") == NULL);
    CHECK(samgr->UnregisterDefaultFeatureApi("feaSvc") == GET_IUNKNOWN(g_api2));
    CHECK(samgr->UnregisterDefaultFeatureApi("feaSvc") == NULL);   /* no default: NULL */

    ServiceImpl *impl = SAMGR_GetServiceByID(3);
    CHECK(impl != NULL && impl->service == (Service *)&s);
    CHECK(samgr->UnregisterFeature("feaSvc", "f1") == (Feature *)&f1);
    CHECK_EQ(f1.stopCount, 1);
    CHECK_EQ(f1.stopIdentity.serviceId, 3);
    CHECK_EQ(f1.stopIdentity.featureId, -1);
    CHECK(f1.stopIdentity.queueId == NULL);
    CHECK(samgr->UnregisterFeature("feaSvc", "f1") == NULL);

    /* feature ids = index; holes are not reused until full */
    CHECK(samgr->RegisterFeature("feaSvc", (Feature *)&f1dup));
    CHECK_EQ(VECTOR_FindByKey(&impl->features, "f1"), 2);
    CHECK(samgr->UnregisterFeature("feaSvc", "f1") == (Feature *)&f1dup);
    CHECK(samgr->UnregisterFeature("feaSvc", "f2") == (Feature *)&f2);

    /* at most MAX_FEATURE_NUM (0x70) features */
    static TestFeature many[MAX_FEATURE_NUM + 1];
    static char names[MAX_FEATURE_NUM + 1][8];
    for (int i = 0; i <= MAX_FEATURE_NUM; ++i) {
        snprintf(names[i], sizeof(names[i]), "m%d", i);
        TestFeature t = TEST_FEATURE(names[i]);
        many[i] = t;
        BOOL ok = samgr->RegisterFeature("feaSvc", (Feature *)&many[i]);
        CHECK_EQ(ok, (i < MAX_FEATURE_NUM) ? TRUE : FALSE);
    }
    for (int i = 0; i < MAX_FEATURE_NUM; ++i) {
        CHECK(samgr->UnregisterFeature("feaSvc", names[i]) == (Feature *)&many[i]);
    }
    CHECK(samgr->UnregisterService("feaSvc") == (Service *)&s);
}

static void TestNoRegisterFeatureAfterInit(SamgrLite *samgr)
{
    static TestService s = TEST_SERVICE("early", NO_TASK);
    static TestFeature f = TEST_FEATURE("before");
    static TestFeature late = TEST_FEATURE("late");
    CHECK(samgr->RegisterService((Service *)&s));
    CHECK(samgr->RegisterFeature("early", (Feature *)&f));
    CHECK(samgr->RegisterFeatureApi("early", "before", GET_IUNKNOWN(g_api1)));
    CHECK_EQ(SAMGR_GetBootStatus(), BOOT_SYS);
    SAMGR_Bootstrap();   /* NO_TASK: initialised synchronously, here */
    CHECK_EQ(s.initCount, 1);
    CHECK_EQ(s.identity.featureId, -1);
    CHECK(s.identity.queueId == NULL);
    CHECK_EQ(f.initCount, 1);
    CHECK_EQ(f.identity.serviceId, s.identity.serviceId);
    CHECK_EQ(f.identity.featureId, 0);
    /* no Bootstrap service: the status advances anyway (the boot message is only logged) */
    CHECK_EQ(SAMGR_GetBootStatus(), BOOT_APP);
    CHECK(!samgr->RegisterFeature("early", (Feature *)&late));   /* service already initialised */
    /* APIs can still be (un)registered after init */
    CHECK(samgr->RegisterDefaultFeatureApi("early", GET_IUNKNOWN(g_api2)));
    CHECK(samgr->UnregisterDefaultFeatureApi("early") == GET_IUNKNOWN(g_api2));
    SAMGR_Bootstrap();
    CHECK_EQ(SAMGR_GetBootStatus(), BOOT_DYNAMIC);
    SAMGR_Bootstrap();
    CHECK_EQ(SAMGR_GetBootStatus(), BOOT_DYNAMIC_WAIT);
    SAMGR_Bootstrap();
    CHECK_EQ(SAMGR_GetBootStatus(), BOOT_DYNAMIC_WAIT);
    CHECK_EQ(s.initCount, 1);   /* never initialised twice */
    CHECK(samgr->UnregisterFeatureApi("early", "before") == GET_IUNKNOWN(g_api1));
    CHECK(samgr->UnregisterFeature("early", "before") == (Feature *)&f);
    CHECK(samgr->UnregisterService("early") == (Service *)&s);
}

static void TestSystemCapabilities(SamgrLite *samgr)
{
    char longName[MAX_SYSCAP_NAME_LEN + 2];
    memset(longName, 'a', sizeof(longName) - 1);
    longName[sizeof(longName) - 1] = '\0';
    CHECK_EQ(samgr->AddSystemCapability(NULL), EC_INVALID);
    CHECK_EQ(samgr->AddSystemCapability(""), EC_INVALID);
    CHECK_EQ(samgr->AddSystemCapability(longName), EC_INVALID);
    /* the weak (local-only) registry: no system capabilities */
    CHECK_EQ(samgr->AddSystemCapability("SystemCapability.Test"), EC_FAILURE);
    CHECK(!samgr->HasSystemCapability("SystemCapability.Test"));
    CHECK(!samgr->HasSystemCapability(NULL));
    static char caps[MAX_SYSCAP_NUM][MAX_SYSCAP_NAME_LEN];
    int32 num = 0;
    CHECK_EQ(samgr->GetSystemAvailableCapabilities(caps, &num), EC_FAILURE);
    CHECK_EQ(samgr->GetSystemAvailableCapabilities(caps, NULL), EC_INVALID);
}

int main(void)
{
    SamgrLite *samgr = SAMGR_GetInstance();
    CHECK(samgr != NULL);
    CHECK(samgr == SAMGR_GetInstance());
    CHECK_EQ(SAMGR_GetBootStatus(), BOOT_SYS);
    TestRegisterService(samgr);
    TestFeatures(samgr);
    TestNoRegisterFeatureAfterInit(samgr);
    TestSystemCapabilities(samgr);
    printf("test_registry: ok\n");
    return 0;
}
