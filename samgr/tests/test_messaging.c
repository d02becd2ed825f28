/*
 * Messaging (reference 3.4): requests to services and features, automatic and
 * explicit responses (exactly one per request with a handler), where response
 * handlers run, SendResponseByIdentity, shared and direct requests, full
 * queues (EC_BUSBUSY, caller keeps data), NULL queues (EC_INVALID).
 */
#include <semaphore.h>
#include <stdlib.h>

#include "feature.h"
#include "message_inner.h"
#include "samgr_test.h"
#include "service_impl.h"
#include "task_manager.h"

enum {
    MSG_RECORD = 1,
    MSG_EXPLICIT = 2,
    MSG_BLOCK = 3,
    MSG_BY_IDENTITY = 4,
    MSG_QUEUE_ID = 5,
    MSG_CLIENT_CALL = 10,
};

typedef struct Svc {
    INHERIT_SERVICE;
    const char *name;
    TaskConfig config;
    Identity identity;
    volatile int inited;
    volatile long tid;
} Svc;

static const char *GetName(Service *s)
{
    return ((Svc *)s)->name;
}

static BOOL Initialize(Service *s, Identity identity)
{
    Svc *svc = (Svc *)s;
    svc->identity = identity;
    svc->tid = samgr_test_tid();
    samgr_test_bump(&svc->inited);
    return TRUE;
}

static TaskConfig GetTaskConfig(Service *s)
{
    return ((Svc *)s)->config;
}

static BOOL EchoHandle(Service *s, Request *r);
static BOOL ClientHandle(Service *s, Request *r);
static BOOL ThirdHandle(Service *s, Request *r);

static Svc g_echo = {GetName, Initialize, EchoHandle, GetTaskConfig, "echo", {LEVEL_HIGH, PRI_NORMAL, 0x800, 4, SINGLE_TASK}, {0, 0, NULL}, 0, 0};
static Svc g_client = {GetName, Initialize, ClientHandle, GetTaskConfig, "client", {LEVEL_HIGH, PRI_NORMAL, 0x800, 16, SINGLE_TASK}, {0, 0, NULL}, 0, 0};
static Svc g_third = {GetName, Initialize, ThirdHandle, GetTaskConfig, "third", {LEVEL_HIGH, PRI_NORMAL, 0x800, 16, SINGLE_TASK}, {0, 0, NULL}, 0, 0};
static Svc g_notask = {GetName, Initialize, ThirdHandle, GetTaskConfig, "notask", {LEVEL_HIGH, PRI_NORMAL, 0x800, 16, NO_TASK}, {0, 0, NULL}, 0, 0};

/* observations */
static volatile int g_handled;
static volatile long g_handledTid;
static volatile int g_lastMsgId;
static volatile uint32 g_lastValue;
static char g_lastData[64];
static volatile int g_secondResponse;
static volatile MQueueId g_seenQueue;
static sem_t g_gate;
static volatile int g_blocked;

static volatile int g_responses;
static volatile long g_responseTid;
static char g_responseData[64];
static volatile int g_responseLen;
static char g_responseReqData[64];

static void Record(Request *r)
{
    g_lastMsgId = r->msgId;
    g_lastValue = r->msgValue;
    g_lastData[0] = '\0';
    if (r->data != NULL && r->len > 0) {
        snprintf(g_lastData, sizeof(g_lastData), "%.*s", r->len, (const char *)r->data);
    }
    g_handledTid = samgr_test_tid();
}

static BOOL EchoHandle(Service *s, Request *r)
{
    (void)s;
    Record(r);
    switch (r->msgId) {
        case MSG_EXPLICIT: {
            char *pong = strdup("pong");
            Response resp = {pong, 5, NULL};
            CHECK_EQ(SAMGR_SendResponse(r, &resp), EC_SUCCESS);
            g_secondResponse = SAMGR_SendResponse(r, NULL);
            break;
        }
        case MSG_BLOCK:
            samgr_test_bump(&g_blocked);
            sem_wait(&g_gate);
            break;
        case MSG_BY_IDENTITY:
            CHECK_EQ(SAMGR_SendResponseByIdentity(&g_third.identity, r, NULL), EC_SUCCESS);
            break;
        case MSG_QUEUE_ID:
            g_seenQueue = SAMGR_GetCurrentQueueID();
            break;
        default:
            break;
    }
    samgr_test_bump(&g_handled);
    return TRUE;
}

static void OnResponse(const Request *req, const Response *resp)
{
    g_responseTid = samgr_test_tid();
    g_responseLen = resp->len;
    g_responseData[0] = '\0';
    if (resp->data != NULL && resp->len > 0) {
        snprintf(g_responseData, sizeof(g_responseData), "%s", (const char *)resp->data);
    }
    g_responseReqData[0] = '\0';
    if (req->data != NULL && req->len > 0) {
        snprintf(g_responseReqData, sizeof(g_responseReqData), "%.*s", req->len, (const char *)req->data);
    }
    samgr_test_bump(&g_responses);
}

static BOOL ClientHandle(Service *s, Request *r)
{
    (void)s;
    if (r->msgId == MSG_CLIENT_CALL) {
        Request req = {MSG_RECORD, 0, NULL, 99};
        CHECK_EQ(SAMGR_SendRequest(&g_echo.identity, &req, OnResponse), EC_SUCCESS);
    }
    return TRUE;
}

static BOOL ThirdHandle(Service *s, Request *r)
{
    (void)s;
    (void)r;
    return TRUE;
}

/* feature of echo */
typedef struct Fea {
    INHERIT_FEATURE;
    Identity identity;
} Fea;
static volatile int g_featureHandled;
static volatile long g_featureTid;
static const char *FeaName(Feature *f)
{
    (void)f;
    return "echoF";
}
static volatile int g_feaInited;   /* FeaInit runs after the service's Initialize */
static void FeaInit(Feature *f, Service *parent, Identity id)
{
    (void)parent;
    ((Fea *)f)->identity = id;
    samgr_test_bump(&g_feaInited);
}
static void FeaStop(Feature *f, Identity id)
{
    (void)f;
    (void)id;
}
static BOOL FeaMessage(Feature *f, Request *r)
{
    (void)f;
    Record(r);
    g_featureTid = samgr_test_tid();
    samgr_test_bump(&g_featureHandled);
    return TRUE;
}
static Fea g_feature = {FeaName, FeaInit, FeaStop, FeaMessage, NULL, {0, 0, NULL}};

static void Setup(void)
{
    SamgrLite *samgr = SAMGR_GetInstance();
    CHECK(samgr->RegisterService((Service *)&g_echo));
    CHECK(samgr->RegisterFeature("echo", (Feature *)&g_feature));
    CHECK(samgr->RegisterService((Service *)&g_client));
    CHECK(samgr->RegisterService((Service *)&g_third));
    CHECK(samgr->RegisterService((Service *)&g_notask));
    SAMGR_Bootstrap();
    WAIT_FOR(g_echo.inited, 1);
    WAIT_FOR(g_client.inited, 1);
    WAIT_FOR(g_third.inited, 1);
    WAIT_FOR(g_feaInited, 1);
    CHECK_EQ(g_notask.inited, 1);
    CHECK(g_echo.identity.queueId != NULL);
    CHECK(g_echo.identity.queueId != g_client.identity.queueId);
    CHECK_EQ(g_feature.identity.featureId, 0);
    CHECK_EQ(g_feature.identity.serviceId, g_echo.identity.serviceId);
    CHECK(g_feature.identity.queueId == g_echo.identity.queueId);
}

static void TestArguments(void)
{
    Request req = {MSG_RECORD, 0, NULL, 0};
    CHECK_EQ(SAMGR_SendRequest(NULL, &req, NULL), EC_INVALID);
    CHECK_EQ(SAMGR_SendRequest(&g_echo.identity, NULL, NULL), EC_INVALID);
    /* NO_TASK service: no queue */
    CHECK(g_notask.identity.queueId == NULL);
    CHECK_EQ(SAMGR_SendRequest(&g_notask.identity, &req, NULL), EC_INVALID);
    CHECK_EQ(SAMGR_SendResponse(NULL, NULL), EC_INVALID);
    CHECK_EQ(SAMGR_SendResponseByIdentity(NULL, &req, NULL), EC_INVALID);
    CHECK(SAMGR_SendSharedRequest(NULL, &req, NULL, NULL) == NULL);
    uint32 *ref = NULL;
    CHECK_EQ(SAMGR_SendSharedDirectRequest(&g_echo.identity, &req, NULL, &ref, NULL), EC_INVALID);
    CHECK_EQ(SAMGR_SendSharedDirectRequest(&g_echo.identity, &req, NULL, NULL, OnResponse), EC_INVALID);
    CHECK(SAMGR_GetCurrentQueueID() == NULL);   /* main is not a samgr task */
}

static void TestServiceAndFeatureRequests(void)
{
    int before = LOAD(g_handled);
    char *data = strdup("hello");
    Request req = {MSG_RECORD, 6, data, 1234};
    CHECK_EQ(SAMGR_SendRequest(&g_echo.identity, &req, NULL), EC_SUCCESS);   /* samgr now owns data */
    WAIT_FOR(g_handled, before + 1);
    CHECK_EQ(g_lastMsgId, MSG_RECORD);
    CHECK_EQ(g_lastValue, 1234);
    CHECK(strcmp(g_lastData, "hello") == 0);
    CHECK_EQ(g_handledTid, g_echo.tid);   /* runs in the service's task (where it was initialised) */

    /* to the feature */
    Request freq = {42, 0, NULL, 7};
    CHECK_EQ(SAMGR_SendRequest(&g_feature.identity, &freq, NULL), EC_SUCCESS);
    WAIT_FOR(g_featureHandled, 1);
    CHECK_EQ(g_lastMsgId, 42);
    CHECK_EQ(g_featureTid, g_echo.tid);

    /* featureId out of range: nobody handles it, nothing crashes */
    Identity bad = g_feature.identity;
    bad.featureId = 5;
    before = LOAD(g_handled);
    int fbefore = LOAD(g_featureHandled);
    CHECK_EQ(SAMGR_SendRequest(&bad, &freq, NULL), EC_SUCCESS);
    Request sync = {MSG_RECORD, 0, NULL, 0};
    CHECK_EQ(SAMGR_SendRequest(&g_echo.identity, &sync, NULL), EC_SUCCESS);
    WAIT_FOR(g_handled, before + 1);
    CHECK_EQ(LOAD(g_featureHandled), fbefore);

    /* the handler sees its own queue as the current one */
    Request q = {MSG_QUEUE_ID, 0, NULL, 0};
    before = LOAD(g_handled);
    CHECK_EQ(SAMGR_SendRequest(&g_echo.identity, &q, NULL), EC_SUCCESS);
    WAIT_FOR(g_handled, before + 1);
    CHECK(g_seenQueue == g_echo.identity.queueId);
}

static void TestResponses(void)
{
    /* automatic empty response; sender is not a samgr task -> handler runs in the responder's task */
    int before = LOAD(g_responses);
    char *data = strdup("req-data");
    Request req = {MSG_RECORD, 9, data, 0};
    CHECK_EQ(SAMGR_SendRequest(&g_echo.identity, &req, OnResponse), EC_SUCCESS);
    WAIT_FOR(g_responses, before + 1);
    CHECK_EQ(g_responseTid, g_echo.tid);
    CHECK_EQ(g_responseLen, 0);
    CHECK(strcmp(g_responseReqData, "req-data") == 0);   /* request data still valid in the handler */

    /* explicit response with owned data; a second response is refused; no automatic one */
    before = LOAD(g_responses);
    int handledBefore = LOAD(g_handled);
    Request ex = {MSG_EXPLICIT, 0, NULL, 0};
    CHECK_EQ(SAMGR_SendRequest(&g_echo.identity, &ex, OnResponse), EC_SUCCESS);
    WAIT_FOR(g_responses, before + 1);
    WAIT_FOR(g_handled, handledBefore + 1);   /* g_secondResponse is set after the response ran */
    CHECK(strcmp(g_responseData, "pong") == 0);
    CHECK_EQ(g_responseLen, 5);
    CHECK_EQ(g_secondResponse, EC_INVALID);

    /* from a samgr task: the response handler runs in the sender's task */
    before = LOAD(g_responses);
    Request call = {MSG_CLIENT_CALL, 0, NULL, 0};
    CHECK_EQ(SAMGR_SendRequest(&g_client.identity, &call, NULL), EC_SUCCESS);
    WAIT_FOR(g_responses, before + 1);
    CHECK_EQ(g_responseTid, g_client.tid);

    /* by identity: the handler runs in the third service's task */
    before = LOAD(g_responses);
    Request by = {MSG_BY_IDENTITY, 0, NULL, 0};
    CHECK_EQ(SAMGR_SendRequest(&g_echo.identity, &by, OnResponse), EC_SUCCESS);
    WAIT_FOR(g_responses, before + 1);
    CHECK_EQ(g_responseTid, g_third.tid);

    /* exactly one response each: nothing more arrives */
    usleep(50 * 1000);
    CHECK_EQ(LOAD(g_responses), before + 1);

    /* a request without handler cannot be answered */
    int handled = LOAD(g_handled);
    Request non = {MSG_RECORD, 0, NULL, 0};
    CHECK_EQ(SAMGR_SendRequest(&g_echo.identity, &non, NULL), EC_SUCCESS);
    WAIT_FOR(g_handled, handled + 1);
}

static void TestFullQueue(void)
{
    /* echo's queue holds 4 exchanges: block the task, fill the queue, then EC_BUSBUSY */
    int before = LOAD(g_handled);
    Request block = {MSG_BLOCK, 0, NULL, 0};
    CHECK_EQ(SAMGR_SendRequest(&g_echo.identity, &block, NULL), EC_SUCCESS);
    WAIT_FOR(g_blocked, 1);
    int sent = 0;
    for (int i = 0; i < 4; ++i) {
        Request r = {MSG_RECORD, 0, NULL, (uint32)i};
        CHECK_EQ(SAMGR_SendRequest(&g_echo.identity, &r, OnResponse), EC_SUCCESS);
        sent++;
    }
    char *mine = strdup("still mine");
    Request over = {MSG_RECORD, 11, mine, 0};
    CHECK_EQ(SAMGR_SendRequest(&g_echo.identity, &over, NULL), EC_BUSBUSY);
    CHECK(strcmp(mine, "still mine") == 0);   /* the caller still owns it */
    free(mine);
    uint32 *token = SAMGR_SendSharedRequest(&g_echo.identity, &block, NULL, NULL);
    CHECK(token == NULL);
    int responses = LOAD(g_responses);
    sem_post(&g_gate);
    WAIT_FOR(g_handled, before + 1 + sent);
    WAIT_FOR(g_responses, responses + sent);
}

/* ---- shared and direct requests ---- */
static volatile int g_directSlot;
static volatile int g_directCount;   /* bumped after the slot is written */
static volatile long g_directTid[4];
static void *volatile g_directData[4];

static void DirectHandler(const Request *req, const Response *resp)
{
    int i = __atomic_fetch_add(&g_directSlot, 1, __ATOMIC_ACQ_REL);
    if (i < 4) {
        g_directTid[i] = samgr_test_tid();
        g_directData[i] = req->data;
    }
    (void)resp;
    samgr_test_bump(&g_directCount);
}

static void TestDirectRequests(void)
{
    int handled = LOAD(g_handled);
    /* block the echo task so the copies stay queued until every send is done */
    Request block = {MSG_BLOCK, 0, NULL, 0};
    int blocked = LOAD(g_blocked);
    CHECK_EQ(SAMGR_SendRequest(&g_echo.identity, &block, NULL), EC_SUCCESS);
    WAIT_FOR(g_blocked, blocked + 1);

    char *data = strdup("shared");
    Request req = {77, 7, data, 5};
    Response resp = {NULL, 0, NULL};
    uint32 *ref = NULL;
    CHECK_EQ(SAMGR_SendSharedDirectRequest(&g_echo.identity, &req, &resp, &ref, DirectHandler), EC_SUCCESS);
    CHECK(ref != NULL);
    CHECK_EQ(*ref, 1);
    uint32 *first = ref;
    CHECK_EQ(SAMGR_SendSharedDirectRequest(&g_client.identity, &req, &resp, &ref, DirectHandler), EC_SUCCESS);
    CHECK(ref == first);
    /* a shared (non-direct) copy to echo's service handler as well */
    uint32 *token = SAMGR_SendSharedRequest(&g_echo.identity, &req, ref, NULL);
    CHECK(token == first);   /* (client may already have dropped its reference) */
    sem_post(&g_gate);
    WAIT_FOR(g_directCount, 2);
    WAIT_FOR(g_handled, handled + 2);   /* the block request + the shared one */
    CHECK(g_directData[0] == data && g_directData[1] == data);
    CHECK((g_directTid[0] == g_echo.tid && g_directTid[1] == g_client.tid) ||
          (g_directTid[1] == g_echo.tid && g_directTid[0] == g_client.tid));
    CHECK_EQ(g_lastMsgId, 77);   /* MessageHandle ran only for the non-direct copy */
    CHECK(strcmp(g_lastData, "shared") == 0);
    /* data and token are freed by samgr with the last copy (ASan checks) */

    /* without owned data no token is created, but the requests are delivered */
    Request plain = {78, 0, NULL, 0};
    ref = NULL;
    CHECK_EQ(SAMGR_SendSharedDirectRequest(&g_third.identity, &plain, NULL, &ref, DirectHandler), EC_SUCCESS);
    CHECK(ref == NULL);
    WAIT_FOR(g_directCount, 3);
    CHECK_EQ(g_directTid[2], g_third.tid);
    handled = LOAD(g_handled);
    CHECK(SAMGR_SendSharedRequest(&g_echo.identity, &plain, NULL, NULL) == NULL);
    WAIT_FOR(g_handled, handled + 1);

    /* a shared request with a handler is a MSG_CON: exactly one response */
    int responses = LOAD(g_responses);
    char *d2 = strdup("con");
    Request con = {MSG_RECORD, 4, d2, 0};
    token = SAMGR_SendSharedRequest(&g_echo.identity, &con, NULL, OnResponse);
    CHECK(token != NULL);
    WAIT_FOR(g_responses, responses + 1);
    CHECK(strcmp(g_responseReqData, "con") == 0);
    usleep(20 * 1000);
    CHECK_EQ(LOAD(g_responses), responses + 1);

    /* a failed direct send to a NULL queue leaves the data with the caller */
    char *d3 = strdup("x");
    Request fail = {1, 2, d3, 0};
    ref = NULL;
    CHECK_EQ(SAMGR_SendSharedDirectRequest(&g_notask.identity, &fail, NULL, &ref, DirectHandler), EC_INVALID);
    CHECK(ref == NULL);
    free(d3);
}

static void TestExchangeLayout(void)
{
    CHECK_EQ(sizeof(Identity), 2 + 2 + sizeof(void *));
    CHECK_EQ(sizeof(Request), 2 + 2 + sizeof(void *) + 4);
    CHECK_EQ(sizeof(Response), sizeof(void *) + 2 + sizeof(void *));
    CHECK_EQ(sizeof(TaskConfig), 9);
}

int main(void)
{
    sem_init(&g_gate, 0, 0);
    TestExchangeLayout();
    Setup();
    TestArguments();
    TestServiceAndFeatureRequests();
    TestResponses();
    TestFullQueue();
    TestDirectRequests();
    printf("test_messaging: ok\n");
    return 0;
}
