/*
 * Broadcast (reference 3.11): topics, subscribe/modify/unsubscribe rules, and
 * delivery: consumers with an identity are notified in their own service's
 * task, consumers without one in the broadcast task; Publish returns FALSE
 * for len 0 although consumers are notified; published data is freed.
 */
#include <stdlib.h>

#include "broadcast_interface.h"
#include "samgr_test.h"
#include "service_impl.h"

typedef struct Svc {
    INHERIT_SERVICE;
    const char *name;
    Identity identity;
    volatile int inited;
    volatile long tid;
} Svc;

static const char *GetName(Service *s)
{
    return ((Svc *)s)->name;
}
static BOOL Initialize(Service *s, Identity id)
{
    Svc *svc = (Svc *)s;
    svc->identity = id;
    svc->tid = samgr_test_tid();
    samgr_test_bump(&svc->inited);
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
    (void)s;
    TaskConfig cfg = {LEVEL_HIGH, PRI_NORMAL, 0x800, 20, SINGLE_TASK};
    return cfg;
}
static Svc g_svcA = {GetName, Initialize, Noop, GetTaskConfig, "consumerA", {0, 0, NULL}, 0, 0};
static Svc g_svcB = {GetName, Initialize, Noop, GetTaskConfig, "consumerB", {0, 0, NULL}, 0, 0};

typedef struct TestConsumer {
    Consumer base;
    int key;
    volatile int notified;
    volatile long tid;
    volatile uint32 topic;
    char data[32];
    volatile int len;
} TestConsumer;

static void Notify(Consumer *consumer, const Topic *topic, const Request *origin)
{
    TestConsumer *c = (TestConsumer *)consumer;
    c->tid = samgr_test_tid();
    c->topic = *topic;
    c->len = origin->len;
    c->data[0] = '\0';
    if (origin->data != NULL && origin->len > 0) {
        snprintf(c->data, sizeof(c->data), "%.*s", origin->len, (const char *)origin->data);
    }
    samgr_test_bump(&c->notified);
}

static BOOL Equal(const Consumer *current, const Consumer *other)
{
    return ((const TestConsumer *)current)->key == ((const TestConsumer *)other)->key;
}

#define CONSUMER(id, k) {{(id), Notify, Equal}, (k), 0, 0, 0, {0}, 0}

int main(void)
{
    SamgrLite *samgr = SAMGR_GetInstance();
    CHECK(samgr->RegisterService((Service *)&g_svcA));
    CHECK(samgr->RegisterService((Service *)&g_svcB));
    SAMGR_Bootstrap();
    WAIT_FOR(g_svcA.inited, 1);
    WAIT_FOR(g_svcB.inited, 1);
    /* the broadcast feature learns its identity in its own task: wait for that */
    ServiceImpl *broadcast = NULL;
    for (int16 id = 0; id < 8 && broadcast == NULL; ++id) {
        ServiceImpl *impl = SAMGR_GetServiceByID(id);
        if (impl != NULL && strcmp(impl->service->GetName(impl->service), BROADCAST_SERVICE) == 0) {
            broadcast = impl;
        }
    }
    CHECK(broadcast != NULL);
    long long until = lipc_test_now_ms() + 5000;
    while (SAMGR_GetInited(broadcast) == SVC_INIT && lipc_test_now_ms() < until) {
        usleep(200);
    }
    CHECK(SAMGR_GetInited(broadcast) != SVC_INIT);

    IUnknown *iu = samgr->GetFeatureApi(BROADCAST_SERVICE, PUB_SUB_FEATURE);
    CHECK(iu != NULL);
    CHECK(samgr->GetDefaultFeatureApi(BROADCAST_SERVICE) == NULL);
    PubSubInterface *api = NULL;
    CHECK_EQ(iu->QueryInterface(iu, DEFAULT_VERSION, (void **)&api), EC_SUCCESS);
    CHECK_EQ(iu->QueryInterface(iu, 0x80, (void **)&api), EC_INVALID);   /* in-process only */
    IUnknown *self = (IUnknown *)api;

    /* topics */
    Topic t1 = 0x1001, t2 = 0x1002, unknown = 0x9999;
    CHECK_EQ(api->subscriber.AddTopic(NULL, &t1), EC_INVALID);
    CHECK_EQ(api->subscriber.AddTopic(self, NULL), EC_INVALID);
    CHECK_EQ(api->subscriber.AddTopic(self, &t1), EC_SUCCESS);
    CHECK_EQ(api->subscriber.AddTopic(self, &t1), EC_FAILURE);   /* already exists */
    CHECK_EQ(api->subscriber.AddTopic(self, &t2), EC_SUCCESS);

    /* subscribe */
    static TestConsumer ca = CONSUMER(&g_svcA.identity, 1);
    static TestConsumer cb = CONSUMER(&g_svcB.identity, 2);
    static TestConsumer cn1 = CONSUMER(NULL, 3);
    static TestConsumer cn2 = CONSUMER(NULL, 4);
    static TestConsumer dupA = CONSUMER(NULL, 1);   /* Equal to ca */
    CHECK_EQ(api->subscriber.Subscribe(NULL, &t1, &ca.base), EC_INVALID);
    CHECK_EQ(api->subscriber.Subscribe(self, NULL, &ca.base), EC_INVALID);
    CHECK_EQ(api->subscriber.Subscribe(self, &t1, NULL), EC_INVALID);
    CHECK_EQ(api->subscriber.Subscribe(self, &unknown, &ca.base), EC_FAILURE);
    CHECK_EQ(api->subscriber.Subscribe(self, &t1, &ca.base), EC_SUCCESS);
    CHECK_EQ(api->subscriber.Subscribe(self, &t1, &ca.base), EC_ALREADY_SUBSCRIBED);
    CHECK_EQ(api->subscriber.Subscribe(self, &t1, &dupA.base), EC_ALREADY_SUBSCRIBED);
    CHECK_EQ(api->subscriber.Subscribe(self, &t1, &cb.base), EC_SUCCESS);
    CHECK_EQ(api->subscriber.Subscribe(self, &t1, &cn1.base), EC_SUCCESS);
    CHECK_EQ(api->subscriber.Subscribe(self, &t1, &cn2.base), EC_SUCCESS);

    /* publish with data: everybody notified, each in the right task */
    size_t baseline = samgr_test_allocated();
    uint8 payload[] = "news";
    CHECK(api->provider.Publish(self, &t1, payload, 5));
    WAIT_FOR(ca.notified, 1);
    WAIT_FOR(cb.notified, 1);
    WAIT_FOR(cn1.notified, 1);
    WAIT_FOR(cn2.notified, 1);
    CHECK_EQ(ca.tid, g_svcA.tid);
    CHECK_EQ(cb.tid, g_svcB.tid);
    long mainTid = samgr_test_tid();
    CHECK(cn1.tid != mainTid && cn1.tid != g_svcA.tid && cn1.tid != g_svcB.tid);   /* broadcast task */
    CHECK_EQ(cn1.tid, cn2.tid);
    CHECK_EQ(ca.topic, t1);
    CHECK_EQ(cn1.topic, t1);
    CHECK(strcmp(ca.data, "news") == 0 && strcmp(cb.data, "news") == 0 && strcmp(cn2.data, "news") == 0);
    CHECK_EQ(ca.len, 5);

    /* len 0: delivered, but Publish returns FALSE (no owned data, no token) */
    CHECK(!api->provider.Publish(self, &t1, NULL, 0));
    CHECK(!api->provider.Publish(self, &t1, payload, 0));
    WAIT_FOR(ca.notified, 3);
    WAIT_FOR(cb.notified, 3);
    WAIT_FOR(cn1.notified, 3);
    WAIT_FOR(cn2.notified, 3);
    CHECK_EQ(ca.len, 0);

    /* no such topic / no consumers / bad args */
    CHECK(!api->provider.Publish(self, &unknown, payload, 5));
    CHECK(!api->provider.Publish(self, &t2, payload, 5));
    CHECK(!api->provider.Publish(NULL, &t1, payload, 5));
    CHECK(!api->provider.Publish(self, NULL, payload, 5));

    /* modify */
    static TestConsumer ca2 = CONSUMER(&g_svcB.identity, 5);
    static TestConsumer notThere = CONSUMER(NULL, 42);
    CHECK(api->subscriber.ModifyConsumer(self, &t1, &notThere.base, &ca2.base) == NULL);
    CHECK(api->subscriber.ModifyConsumer(self, &unknown, &ca.base, &ca2.base) == NULL);
    CHECK(api->subscriber.ModifyConsumer(self, &t1, NULL, &ca2.base) == NULL);
    CHECK(api->subscriber.ModifyConsumer(self, &t1, &dupA.base, &ca2.base) == &ca.base);   /* by Equal */
    CHECK(api->provider.Publish(self, &t1, payload, 3));
    WAIT_FOR(ca2.notified, 1);
    CHECK_EQ(ca2.tid, g_svcB.tid);
    WAIT_FOR(cb.notified, 4);
    WAIT_FOR(cn1.notified, 4);
    WAIT_FOR(cn2.notified, 4);
    CHECK_EQ(LOAD(ca.notified), 3);   /* replaced: no longer notified */

    /* unsubscribe returns the stored pointer */
    CHECK(api->subscriber.Unsubscribe(self, &t1, &notThere.base) == NULL);
    CHECK(api->subscriber.Unsubscribe(self, &unknown, &cb.base) == NULL);
    CHECK(api->subscriber.Unsubscribe(self, &t1, &cb.base) == &cb.base);
    CHECK(api->subscriber.Unsubscribe(self, &t1, &cb.base) == NULL);
    CHECK(api->subscriber.Unsubscribe(self, &t1, &ca2.base) == &ca2.base);
    CHECK(api->subscriber.Unsubscribe(self, &t1, &cn1.base) == &cn1.base);
    CHECK(api->provider.Publish(self, &t1, payload, 5));
    WAIT_FOR(cn2.notified, 5);
    usleep(20 * 1000);
    CHECK_EQ(LOAD(cb.notified), 4);
    CHECK_EQ(LOAD(cn1.notified), 4);
    CHECK(api->subscriber.Unsubscribe(self, &t1, &cn2.base) == &cn2.base);
    CHECK(!api->provider.Publish(self, &t1, payload, 5));   /* no consumers left */
    CHECK_EQ(api->subscriber.Subscribe(self, &t1, &ca.base), EC_SUCCESS);

    /* many publishes: the copied data is freed by samgr */
    for (int i = 0; i < 2000; ++i) {
        uint8 buf[64];
        memset(buf, 'x', sizeof(buf));
        while (!api->provider.Publish(self, &t1, buf, sizeof(buf))) {
            usleep(100);   /* consumer queue full: Publish reports it, nothing is lost silently */
        }
    }
    long long deadline = lipc_test_now_ms() + 5000;
    while (LOAD(ca.notified) < 2001 && lipc_test_now_ms() < deadline) {
        usleep(500);
    }
    CHECK(LOAD(ca.notified) >= 2001);
    usleep(20 * 1000);
    size_t after = samgr_test_allocated();
    CHECK(after < baseline + 16 * 1024);
    CHECK_EQ(api->subscriber.Unsubscribe(self, &t1, &ca.base) == &ca.base, 1);
    self->Release(self);
    printf("test_broadcast: ok\n");
    return 0;
}
