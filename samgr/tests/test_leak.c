/*
 * Leak loops: thousands of register/initialise/message/unregister cycles and
 * of send/response cycles with owned data; allocated bytes must not grow
 * (checked here with mallinfo2 or the ASan allocator, and by LeakSanitizer at exit).
 */
#include <stdlib.h>

#include "feature.h"
#include "samgr_test.h"
#include "thread_adapter.h"

typedef struct Svc {
    INHERIT_SERVICE;
    Identity identity;
    volatile int inited;
    uint8 flags;
} Svc;

static const char *GetName(Service *s)
{
    (void)s;
    return "cycled";
}
static BOOL Initialize(Service *s, Identity id)
{
    ((Svc *)s)->identity = id;
    samgr_test_bump(&((Svc *)s)->inited);
    return TRUE;
}
static volatile int g_handled;
static BOOL MessageHandle(Service *s, Request *r)
{
    (void)s;
    if (r->msgId == 2) {
        char *reply = malloc(32);
        memcpy(reply, r->data, 16);
        Response resp = {reply, 32, NULL};
        SAMGR_SendResponse(r, &resp);
    }
    samgr_test_bump(&g_handled);
    return TRUE;
}
static TaskConfig GetTaskConfig(Service *s)
{
    TaskConfig cfg = {LEVEL_HIGH, PRI_NORMAL, 0x800, 16, ((Svc *)s)->flags};
    return cfg;
}

typedef struct Fea {
    INHERIT_FEATURE;
} Fea;
static const char *FeaName(Feature *f)
{
    (void)f;
    return "fea";
}
static void FeaInit(Feature *f, Service *p, Identity id)
{
    (void)f;
    (void)p;
    (void)id;
}
static void FeaStop(Feature *f, Identity id)
{
    (void)f;
    (void)id;
}
static BOOL FeaMsg(Feature *f, Request *r)
{
    (void)f;
    (void)r;
    samgr_test_bump(&g_handled);
    return TRUE;
}

typedef struct Api {
    INHERIT_IUNKNOWN;
} Api;
typedef struct ApiEntry {
    INHERIT_IUNKNOWNENTRY(Api);
} ApiEntry;
static ApiEntry g_api = {DEFAULT_IUNKNOWN_ENTRY_BEGIN, DEFAULT_IUNKNOWN_ENTRY_END};
static ApiEntry g_fapi = {DEFAULT_IUNKNOWN_ENTRY_BEGIN, DEFAULT_IUNKNOWN_ENTRY_END};

static volatile int g_responses;
static void OnResponse(const Request *req, const Response *resp)
{
    CHECK(req->len == 16 && resp->len == 32);
    CHECK(memcmp(req->data, resp->data, 16) == 0);
    samgr_test_bump(&g_responses);
}

static void WaitThreads(int count)
{
    long long deadline = lipc_test_now_ms() + 5000;
    while (THREAD_Total() != count && lipc_test_now_ms() < deadline) {
        usleep(100);
    }
    CHECK_EQ(THREAD_Total(), count);
}

/* One full life cycle. */
static void Cycle(int i)
{
    static const uint8 flags[] = {SINGLE_TASK, SHARED_TASK, SPECIFIED_TASK, NO_TASK};
    SamgrLite *samgr = SAMGR_GetInstance();
    Svc svc = {GetName, Initialize, MessageHandle, GetTaskConfig, {0, 0, NULL}, 0, flags[i % 4]};
    Fea fea = {FeaName, FeaInit, FeaStop, FeaMsg, NULL};
    CHECK(samgr->RegisterService((Service *)&svc));
    CHECK(samgr->RegisterFeature("cycled", (Feature *)&fea));
    CHECK(samgr->RegisterDefaultFeatureApi("cycled", GET_IUNKNOWN(g_api)));
    CHECK(samgr->RegisterFeatureApi("cycled", "fea", GET_IUNKNOWN(g_fapi)));
    SAMGR_Bootstrap();
    WAIT_FOR(svc.inited, 1);
    if (svc.identity.queueId != NULL) {
        int handled = LOAD(g_handled);
        int responses = LOAD(g_responses);
        char *data = malloc(16);
        memset(data, i & 0xFF, 16);
        Request req = {2, 16, data, 0};
        CHECK_EQ(SAMGR_SendRequest(&svc.identity, &req, OnResponse), EC_SUCCESS);
        Identity fid = svc.identity;
        fid.featureId = 0;
        char *fdata = malloc(8);
        Request freq = {1, 8, fdata, 0};
        CHECK_EQ(SAMGR_SendRequest(&fid, &freq, NULL), EC_SUCCESS);
        WAIT_FOR(g_handled, handled + 2);
        WAIT_FOR(g_responses, responses + 1);
    }
    CHECK(samgr->UnregisterFeatureApi("cycled", "fea") == GET_IUNKNOWN(g_fapi));
    CHECK(samgr->UnregisterDefaultFeatureApi("cycled") == GET_IUNKNOWN(g_api));
    CHECK(samgr->UnregisterFeature("cycled", "fea") == (Feature *)&fea);
    CHECK(samgr->UnregisterService("cycled") == (Service *)&svc);
}

/* A long-lived echo service for the send loop. */
static Svc g_echo = {GetName, Initialize, MessageHandle, GetTaskConfig, {0, 0, NULL}, 0, SINGLE_TASK};
static const char *EchoName(Service *s)
{
    (void)s;
    return "echo";
}

int main(void)
{
    int threads = THREAD_Total();
    /* warm-up: the first cycles allocate the service vector and lazy state */
    for (int i = 0; i < 40; ++i) {
        Cycle(i);
    }
    WaitThreads(threads);
    size_t before = samgr_test_allocated();
    int cycles = 2000;
    for (int i = 0; i < cycles; ++i) {
        Cycle(i);
    }
    WaitThreads(threads);   /* every pool thread has exited */
    size_t after = samgr_test_allocated();
    printf("register/unregister: %d cycles, allocated %zu -> %zu bytes\n", cycles, before, after);
    fflush(stdout);
    /* Exiting pool threads free their last bytes a little after they are
     * counted out, so a few KiB jitter; a leak of even one 32-byte block per
     * cycle would be 64 KiB. */
    CHECK(after <= before + 32768);
    g_echo.GetName = EchoName;
    CHECK(SAMGR_GetInstance()->RegisterService((Service *)&g_echo));
    SAMGR_Bootstrap();
    WAIT_FOR(g_echo.inited, 1);
    /* the service vector did not grow: holes are reused once it is full (4 slots) */
    CHECK_EQ(g_echo.identity.serviceId, 3);
    for (int i = 0; i < 200; ++i) {   /* warm-up */
        int r = LOAD(g_responses);
        char *data = malloc(16);
        memset(data, 1, 16);
        Request req = {2, 16, data, 0};
        CHECK_EQ(SAMGR_SendRequest(&g_echo.identity, &req, OnResponse), EC_SUCCESS);
        WAIT_FOR(g_responses, r + 1);
    }
    before = samgr_test_allocated();
    int sends = 10000;
    for (int i = 0; i < sends; ++i) {
        char *data = malloc(16);
        memset(data, i & 0xFF, 16);
        Request req = {2, 16, data, 0};
        int r = LOAD(g_responses);
        CHECK_EQ(SAMGR_SendRequest(&g_echo.identity, &req, OnResponse), EC_SUCCESS);
        WAIT_FOR(g_responses, r + 1);
        /* shared sends with owned data too */
        char *shared = malloc(8);
        Request sreq = {1, 8, shared, 0};
        uint32 *token = SAMGR_SendSharedRequest(&g_echo.identity, &sreq, NULL, NULL);
        CHECK(token != NULL);
    }
    int handled = LOAD(g_handled);
    Request last = {1, 0, NULL, 0};
    CHECK_EQ(SAMGR_SendRequest(&g_echo.identity, &last, NULL), EC_SUCCESS);
    WAIT_FOR(g_handled, handled + 1);
    after = samgr_test_allocated();
    printf("send/response: %d cycles, allocated %zu -> %zu bytes\n", sends, before, after);
    CHECK(after <= before + 4096);
    printf("test_leak: ok\n");
    return 0;
}
