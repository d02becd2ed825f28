/*
 * Task pools and threads (reference 3.8): which thread runs what.
 * SHARED: one thread per priority bucket (priority / 8), shared; a bucket
 * holds 16 services before a new pool is made. SPECIFIED: byte-identical
 * TaskConfig shares a thread. SINGLE: never shared. NO_TASK: initialised in
 * the caller of SAMGR_Bootstrap, messages refused, API callable directly.
 * Also: priority -> nice mapping, minimum stack size, thread names.
 */
#include <errno.h>
#include <sys/resource.h>

#include "feature.h"
#include "samgr_test.h"
#include "thread_adapter.h"

typedef struct Svc {
    INHERIT_SERVICE;
    char name[16];
    TaskConfig config;
    Identity identity;
    volatile int inited;
    volatile long tid;
    volatile int nice;
    volatile size_t stack;
    char threadName[16];
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
    errno = 0;
    svc->nice = getpriority(PRIO_PROCESS, (id_t)svc->tid);
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        size_t size = 0;
        pthread_attr_getstacksize(&attr, &size);
        svc->stack = size;
        pthread_attr_destroy(&attr);
    }
    pthread_getname_np(pthread_self(), svc->threadName, sizeof(svc->threadName));
    samgr_test_bump(&svc->inited);
    return TRUE;
}

static volatile int g_messages;
static volatile long g_messageTid;

static BOOL MessageHandle(Service *s, Request *r)
{
    (void)s;
    (void)r;
    g_messageTid = samgr_test_tid();
    samgr_test_bump(&g_messages);
    return TRUE;
}

static TaskConfig GetTaskConfig(Service *s)
{
    return ((Svc *)s)->config;
}

static Svc *NewSvc(const char *name, int16 level, int16 priority, uint16 stack, uint16 queue, uint8 flags)
{
    Svc *svc = (Svc *)calloc(1, sizeof(Svc));
    svc->GetName = GetName;
    svc->Initialize = Initialize;
    svc->MessageHandle = MessageHandle;
    svc->GetTaskConfig = GetTaskConfig;
    snprintf(svc->name, sizeof(svc->name), "%s", name);
    TaskConfig cfg = {level, priority, stack, queue, flags};
    svc->config = cfg;
    CHECK(SAMGR_GetInstance()->RegisterService((Service *)svc));
    return svc;
}

/* a default API on the NO_TASK service */
typedef struct Api {
    INHERIT_IUNKNOWN;
    long (*WhoRuns)(IUnknown *iu);
} Api;
typedef struct ApiEntry {
    INHERIT_IUNKNOWNENTRY(Api);
} ApiEntry;
static long WhoRuns(IUnknown *iu)
{
    (void)iu;
    return samgr_test_tid();
}
static ApiEntry g_api = {DEFAULT_IUNKNOWN_ENTRY_BEGIN, .WhoRuns = WhoRuns, DEFAULT_IUNKNOWN_ENTRY_END};

int main(void)
{
    long mainTid = samgr_test_tid();
    /* SHARED: 24 and 31 are bucket 3, 16 is bucket 2 */
    Svc *sh1 = NewSvc("shared1", LEVEL_HIGH, PRI_NORMAL, 0x800, 20, SHARED_TASK);
    Svc *sh2 = NewSvc("shared2", LEVEL_LOW, 31, 0x400, 5, SHARED_TASK);
    Svc *sh3 = NewSvc("shared3", LEVEL_HIGH, PRI_BELOW_NORMAL, 0x800, 20, SHARED_TASK);
    /* SPECIFIED: sp1 and sp2 identical, sp3 differs in level only, sp4 in queue size only */
    Svc *sp1 = NewSvc("spec1", LEVEL_MIDDLE, PRI_NORMAL, 0x800, 10, SPECIFIED_TASK);
    Svc *sp2 = NewSvc("spec2", LEVEL_MIDDLE, PRI_NORMAL, 0x800, 10, SPECIFIED_TASK);
    Svc *sp3 = NewSvc("spec3", LEVEL_LOW, PRI_NORMAL, 0x800, 10, SPECIFIED_TASK);
    Svc *sp4 = NewSvc("spec4", LEVEL_MIDDLE, PRI_NORMAL, 0x800, 11, SPECIFIED_TASK);
    /* SINGLE: identical configs, still separate */
    Svc *si1 = NewSvc("single1", LEVEL_HIGH, PRI_NORMAL, 0x800, 10, SINGLE_TASK);
    Svc *si2 = NewSvc("single2", LEVEL_HIGH, PRI_NORMAL, 0x800, 10, SINGLE_TASK);
    /* priorities -> nice */
    Svc *low = NewSvc("low", LEVEL_HIGH, PRI_LOW, 0x800, 10, SINGLE_TASK);
    Svc *below = NewSvc("below", LEVEL_HIGH, PRI_BELOW_NORMAL, 0x800, 10, SINGLE_TASK);
    Svc *above = NewSvc("above", LEVEL_HIGH, PRI_ABOVE_NORMAL, 0x800, 10, SINGLE_TASK);
    Svc *invalid = NewSvc("badprio", LEVEL_HIGH, 99, 0x800, 10, SINGLE_TASK);
    Svc *bigStack = NewSvc("a-very-long-service-name", LEVEL_HIGH, PRI_NORMAL, 0xFFFF, 10, SINGLE_TASK);
    /* NO_TASK */
    Svc *none = NewSvc("notask", LEVEL_HIGH, PRI_NORMAL, 0x800, 10, NO_TASK);
    CHECK(SAMGR_GetInstance()->RegisterDefaultFeatureApi("notask", GET_IUNKNOWN(g_api)));

    /* shared bucket overflow: bucket 1 (priority 9..15) takes 16 services, the 17th gets a new pool */
    Svc *bucket[17];
    for (int i = 0; i < 17; ++i) {
        char name[16];
        snprintf(name, sizeof(name), "b%d", i);
        bucket[i] = NewSvc(name, LEVEL_HIGH, (int16)(PRI_LOW + (i % 6)), 0x800, 10, SHARED_TASK);
    }

    int threadsBefore = THREAD_Total();
    SAMGR_Bootstrap();
    Svc *all[] = {sh1, sh2, sh3, sp1, sp2, sp3, sp4, si1, si2, low, below, above, invalid, bigStack};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); ++i) {
        WAIT_FOR(all[i]->inited, 1);
        CHECK(all[i]->tid != mainTid);
    }
    for (int i = 0; i < 17; ++i) {
        WAIT_FOR(bucket[i]->inited, 1);
    }

    /* shared */
    CHECK_EQ(sh1->tid, sh2->tid);
    CHECK(sh1->identity.queueId == sh2->identity.queueId);
    CHECK(sh3->tid != sh1->tid);
    /* specified */
    CHECK_EQ(sp1->tid, sp2->tid);
    CHECK(sp1->identity.queueId == sp2->identity.queueId);
    CHECK(sp3->tid != sp1->tid);
    CHECK(sp4->tid != sp1->tid);
    CHECK(sp3->tid != sp4->tid);
    /* single */
    CHECK(si1->tid != si2->tid);
    CHECK(si1->identity.queueId != si2->identity.queueId);
    /* bucket overflow */
    for (int i = 1; i < 16; ++i) {
        CHECK_EQ(bucket[i]->tid, bucket[0]->tid);
    }
    CHECK(bucket[16]->tid != bucket[0]->tid);
    /* threads: 2 shared buckets (3,2) + bucket 1 twice + spec (3 pools) + 6 singles... */
    int pools = 2 + 2 + 3 + 2 + 4 + 1;
    CHECK_EQ(THREAD_Total() - threadsBefore, pools);

    /* nice: increasing always works; decreasing (PRI_ABOVE_NORMAL -> -5) needs privilege */
    CHECK_EQ(low->nice, 10);
    CHECK_EQ(below->nice, 5);
    CHECK_EQ(sh3->nice, 5);    /* shared bucket 2 runs at priority 17 */
    CHECK_EQ(sh1->nice, 0);
    CHECK_EQ(si1->nice, 0);
    CHECK(above->nice == -5 || above->nice == 0);
    CHECK_EQ(invalid->nice, 10);   /* out of range -> PRI_LOW */
    CHECK_EQ(bucket[0]->nice, 10);

    /* stacks: at least the Linux minimum, more if asked */
    CHECK(si1->stack >= SAMGR_MIN_STACK_SIZE);
    CHECK(sh1->stack >= SAMGR_MIN_STACK_SIZE);
    CHECK(bigStack->stack >= SAMGR_MIN_STACK_SIZE);
    /* thread names = service (or first) name, truncated to 15 bytes */
    CHECK(strcmp(si1->threadName, "single1") == 0);
    CHECK(strcmp(bigStack->threadName, "a-very-long-ser") == 0);

    /* NO_TASK: initialised synchronously in this thread, no queue, API works directly */
    CHECK_EQ(none->inited, 1);
    CHECK_EQ(none->tid, mainTid);
    CHECK(none->identity.queueId == NULL);
    Request req = {1, 0, NULL, 0};
    CHECK_EQ(SAMGR_SendRequest(&none->identity, &req, NULL), EC_INVALID);
    IUnknown *iu = SAMGR_GetInstance()->GetDefaultFeatureApi("notask");
    Api *api = NULL;
    CHECK_EQ(iu->QueryInterface(iu, DEFAULT_VERSION, (void **)&api), EC_SUCCESS);
    CHECK_EQ(api->WhoRuns((IUnknown *)api), mainTid);
    api->Release((IUnknown *)api);

    /* messages to services sharing a task run on that task */
    CHECK_EQ(SAMGR_SendRequest(&sh2->identity, &req, NULL), EC_SUCCESS);
    WAIT_FOR(g_messages, 1);
    CHECK_EQ(g_messageTid, sh1->tid);
    CHECK_EQ(SAMGR_SendRequest(&sp2->identity, &req, NULL), EC_SUCCESS);
    WAIT_FOR(g_messages, 2);
    CHECK_EQ(g_messageTid, sp1->tid);

    /* unregistering one user of a shared pool keeps the thread for the other */
    CHECK(SAMGR_GetInstance()->UnregisterService("shared1") == (Service *)sh1);
    CHECK_EQ(SAMGR_SendRequest(&sh2->identity, &req, NULL), EC_SUCCESS);
    WAIT_FOR(g_messages, 3);
    CHECK_EQ(g_messageTid, sh2->tid);
    int threads = THREAD_Total();
    CHECK(SAMGR_GetInstance()->UnregisterService("shared2") == (Service *)sh2);
    /* last user gone: the pool thread exits */
    long long deadline = lipc_test_now_ms() + 5000;
    while (THREAD_Total() != threads - 1 && lipc_test_now_ms() < deadline) {
        usleep(1000);
    }
    CHECK_EQ(THREAD_Total(), threads - 1);
    /* and the bucket gets a fresh pool for the next service */
    Svc *sh4 = NewSvc("shared4", LEVEL_HIGH, PRI_NORMAL, 0x800, 20, SHARED_TASK);
    SAMGR_Bootstrap();
    WAIT_FOR(sh4->inited, 1);
    CHECK(sh4->tid != sh1->tid);
    free(sh1);
    free(sh2);
    CHECK_EQ(THREAD_Total(), threads);
    printf("test_tasks: ok\n");
    return 0;
}
