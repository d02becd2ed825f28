/*
 * An OpenHarmony-style service "example" with two features ("counter",
 * "greeter") and a default API, registered with the init macros at load time.
 * main() boots samgr, calls the APIs directly and sends requests to the
 * service and its features. Build it out of tree with:
 *   cc example_service.c $(pkg-config --cflags --libs samgr)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "feature.h"
#include "iunknown.h"
#include "ohos_errno.h"
#include "ohos_init.h"
#include "samgr_lite.h"
#include "service.h"

#define EXAMPLE_SERVICE "example"
#define COUNTER_FEATURE "counter"
#define GREETER_FEATURE "greeter"

/* ---- the service ---- */
typedef struct ExampleService {
    INHERIT_SERVICE;
    Identity identity;
} ExampleService;

static const char *GetName(Service *service)
{
    (void)service;
    return EXAMPLE_SERVICE;
}

static BOOL Initialize(Service *service, Identity identity)
{
    ((ExampleService *)service)->identity = identity;
    printf("[example] service initialised (id %d)\n", identity.serviceId);
    return TRUE;
}

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cond = PTHREAD_COND_INITIALIZER;
static int g_answers;

static void Answered(void)
{
    pthread_mutex_lock(&g_lock);
    g_answers++;
    pthread_cond_broadcast(&g_cond);
    pthread_mutex_unlock(&g_lock);
}

static BOOL MessageHandle(Service *service, Request *request)
{
    (void)service;
    printf("[example] service message %d\n", request->msgId);
    return TRUE;
}

static TaskConfig GetTaskConfig(Service *service)
{
    (void)service;
    TaskConfig config = {LEVEL_HIGH, PRI_NORMAL, 0x800, 20, SHARED_TASK};
    return config;
}

static ExampleService g_service = {GetName, Initialize, MessageHandle, GetTaskConfig, {-1, -1, NULL}};

/* ---- default API ---- */
typedef struct ExampleApi {
    INHERIT_IUNKNOWN;
    const char *(*Version)(IUnknown *iUnknown);
} ExampleApi;

typedef struct ExampleApiEntry {
    INHERIT_IUNKNOWNENTRY(ExampleApi);
} ExampleApiEntry;

static const char *Version(IUnknown *iUnknown)
{
    (void)iUnknown;
    return "1.0";
}

static ExampleApiEntry g_defaultApi = {
    DEFAULT_IUNKNOWN_ENTRY_BEGIN,
    .Version = Version,
    DEFAULT_IUNKNOWN_ENTRY_END,
};

/* ---- feature 1: counter ---- */
typedef struct CounterApi {
    INHERIT_IUNKNOWN;
    int (*Increment)(IUnknown *iUnknown);
} CounterApi;

typedef struct CounterFeature {
    INHERIT_FEATURE;
    INHERIT_IUNKNOWNENTRY(CounterApi);
    Identity identity;
    int value;
} CounterFeature;

static const char *CounterName(Feature *feature)
{
    (void)feature;
    return COUNTER_FEATURE;
}

static void CounterInit(Feature *feature, Service *parent, Identity identity)
{
    (void)parent;
    ((CounterFeature *)feature)->identity = identity;
    printf("[example] feature counter initialised (feature id %d)\n", identity.featureId);
}

static void CounterStop(Feature *feature, Identity identity)
{
    (void)feature;
    (void)identity;
}

static BOOL CounterMessage(Feature *feature, Request *request)
{
    CounterFeature *counter = (CounterFeature *)feature;
    counter->value += (int)request->msgValue;
    printf("[example] counter += %u -> %d\n", request->msgValue, counter->value);
    Answered();
    return TRUE;
}

static int Increment(IUnknown *iUnknown);

static CounterFeature g_counter = {
    .GetName = CounterName,
    .OnInitialize = CounterInit,
    .OnStop = CounterStop,
    .OnMessage = CounterMessage,
    .IsDistributed = NULL,
    DEFAULT_IUNKNOWN_ENTRY_BEGIN,
    .Increment = Increment,
    DEFAULT_IUNKNOWN_ENTRY_END,
    .identity = {-1, -1, NULL},
    .value = 0,
};

static int Increment(IUnknown *iUnknown)
{
    (void)iUnknown;
    return __atomic_add_fetch(&g_counter.value, 1, __ATOMIC_RELAXED);
}

/* ---- feature 2: greeter (answers requests with owned data) ---- */
typedef struct GreeterFeature {
    INHERIT_FEATURE;
    Identity identity;
} GreeterFeature;

static const char *GreeterName(Feature *feature)
{
    (void)feature;
    return GREETER_FEATURE;
}

static void GreeterInit(Feature *feature, Service *parent, Identity identity)
{
    (void)parent;
    ((GreeterFeature *)feature)->identity = identity;
    printf("[example] feature greeter initialised (feature id %d)\n", identity.featureId);
}

static void GreeterStop(Feature *feature, Identity identity)
{
    (void)feature;
    (void)identity;
}

static BOOL GreeterMessage(Feature *feature, Request *request)
{
    (void)feature;
    char *text = malloc(64);   /* owned (len > 0): samgr frees it after the handler */
    int len = snprintf(text, 64, "hello, %.*s", request->len, (const char *)request->data);
    Response response = {text, (int16)(len + 1), NULL};
    return SAMGR_SendResponse(request, &response) == EC_SUCCESS;
}

static GreeterFeature g_greeter = {GreeterName, GreeterInit, GreeterStop, GreeterMessage, NULL, {-1, -1, NULL}};

/* ---- load-time registration ---- */
static void RegisterExampleService(void)
{
    SAMGR_GetInstance()->RegisterService((Service *)&g_service);
    SAMGR_GetInstance()->RegisterDefaultFeatureApi(EXAMPLE_SERVICE, GET_IUNKNOWN(g_defaultApi));
}
SYS_SERVICE_INIT(RegisterExampleService);

static void RegisterExampleFeatures(void)
{
    SAMGR_GetInstance()->RegisterFeature(EXAMPLE_SERVICE, (Feature *)&g_counter);
    SAMGR_GetInstance()->RegisterFeatureApi(EXAMPLE_SERVICE, COUNTER_FEATURE, GET_IUNKNOWN(g_counter));
    SAMGR_GetInstance()->RegisterFeature(EXAMPLE_SERVICE, (Feature *)&g_greeter);
}
SYS_FEATURE_INIT(RegisterExampleFeatures);

static void OnGreeting(const Request *request, const Response *response)
{
    (void)request;
    printf("[example] response: %s\n", (const char *)response->data);
    Answered();
}

static void WaitAnswers(int count)
{
    pthread_mutex_lock(&g_lock);
    while (g_answers < count) {
        pthread_cond_wait(&g_cond, &g_lock);
    }
    pthread_mutex_unlock(&g_lock);
}

int main(void)
{
    SAMGR_Bootstrap();

    /* direct API calls (no messages) */
    ExampleApi *api = NULL;
    IUnknown *iUnknown = SAMGR_GetInstance()->GetDefaultFeatureApi(EXAMPLE_SERVICE);
    if (iUnknown == NULL || iUnknown->QueryInterface(iUnknown, DEFAULT_VERSION, (void **)&api) != EC_SUCCESS) {
        fprintf(stderr, "example: no default API\n");
        return 1;
    }
    printf("[example] default API version %s\n", api->Version((IUnknown *)api));
    api->Release((IUnknown *)api);

    CounterApi *counter = NULL;
    iUnknown = SAMGR_GetInstance()->GetFeatureApi(EXAMPLE_SERVICE, COUNTER_FEATURE);
    if (iUnknown == NULL || iUnknown->QueryInterface(iUnknown, DEFAULT_VERSION, (void **)&counter) != EC_SUCCESS) {
        fprintf(stderr, "example: no counter API\n");
        return 1;
    }
    printf("[example] Increment() -> %d\n", counter->Increment((IUnknown *)counter));
    counter->Release((IUnknown *)counter);

    /* wait until the features know their identities (initialised in the service's task) */
    while (__atomic_load_n(&g_greeter.identity.featureId, __ATOMIC_ACQUIRE) < 0) {
        usleep(1000);
    }

    /* messages: to a feature without response, to a feature with response */
    Request add = {1, 0, NULL, 41};
    if (SAMGR_SendRequest(&g_counter.identity, &add, NULL) != EC_SUCCESS) {
        return 1;
    }
    char *name = strdup("samgr");   /* owned: samgr frees it */
    Request greet = {2, (int16)(strlen(name) + 1), name, 0};
    if (SAMGR_SendRequest(&g_greeter.identity, &greet, OnGreeting) != EC_SUCCESS) {
        free(name);
        return 1;
    }
    WaitAnswers(2);
    printf("[example] counter value %d\n", __atomic_load_n(&g_counter.value, __ATOMIC_RELAXED));
    return (g_counter.value == 42) ? 0 : 1;
}
