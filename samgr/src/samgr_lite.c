/*
 * samgr_lite.c - the SamgrLite singleton: registration of services, features
 * and APIs, task-pool assignment and the boot sequence.
 *
 * Locking: g_samgrImpl.mutex guards the service vector, every service's
 * feature vector and the shared-pool slots. Service callbacks are never
 * called with it held.
 */
#include "samgr_lite_inner.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "memory_adapter.h"
#include "message_inner.h"
#include "ohos_errno.h"
#include "registry/service_registry.h"
#include "samgr_log.h"
#include "thread_adapter.h"
#include "time_adapter.h"

void SAMGR_LockManager(void);
void SAMGR_UnlockManager(void);

static BOOL RegisterService(Service *service);
static Service *UnregisterService(const char *name);
static BOOL RegisterFeature(const char *serviceName, Feature *feature);
static Feature *UnregisterFeature(const char *serviceName, const char *featureName);
static BOOL RegisterFeatureApi(const char *serviceName, const char *feature, IUnknown *publicApi);
static IUnknown *UnregisterFeatureApi(const char *serviceName, const char *feature);
static BOOL RegisterDefaultFeatureApi(const char *serviceName, IUnknown *publicApi);
static IUnknown *UnregisterDefaultFeatureApi(const char *serviceName);
static IUnknown *GetDefaultFeatureApi(const char *serviceName);
static IUnknown *GetFeatureApi(const char *serviceName, const char *feature);
static int32 AddSystemCapability(const char *sysCap);
static BOOL HasSystemCapability(const char *sysCap);
static int32 GetSystemAvailableCapabilities(char sysCaps[MAX_SYSCAP_NUM][MAX_SYSCAP_NAME_LEN], int32 *size);

static SamgrLiteImpl g_samgrImpl;
static pthread_once_t g_samgrOnce = PTHREAD_ONCE_INIT;
static int g_verbose = -1;

int SAMGR_LogVerbose(void)
{
    int verbose = __atomic_load_n(&g_verbose, __ATOMIC_RELAXED);
    if (verbose < 0) {
        const char *env = getenv("SAMGR_LOG");
        verbose = (env != NULL && strcmp(env, "debug") == 0) ? 1 : 0;
        __atomic_store_n(&g_verbose, verbose, __ATOMIC_RELAXED);
    }
    return verbose;
}

static void *GetServiceName(const void *data)
{
    const ServiceImpl *impl = (const ServiceImpl *)data;
    return (void *)impl->service->GetName(impl->service);
}

static void InitSamgr(void)
{
    SamgrLiteImpl *samgr = &g_samgrImpl;
    samgr->vtbl.RegisterService = RegisterService;
    samgr->vtbl.UnregisterService = UnregisterService;
    samgr->vtbl.RegisterFeature = RegisterFeature;
    samgr->vtbl.UnregisterFeature = UnregisterFeature;
    samgr->vtbl.RegisterFeatureApi = RegisterFeatureApi;
    samgr->vtbl.UnregisterFeatureApi = UnregisterFeatureApi;
    samgr->vtbl.RegisterDefaultFeatureApi = RegisterDefaultFeatureApi;
    samgr->vtbl.UnregisterDefaultFeatureApi = UnregisterDefaultFeatureApi;
    samgr->vtbl.GetDefaultFeatureApi = GetDefaultFeatureApi;
    samgr->vtbl.GetFeatureApi = GetFeatureApi;
    samgr->vtbl.AddSystemCapability = AddSystemCapability;
    samgr->vtbl.HasSystemCapability = HasSystemCapability;
    samgr->vtbl.GetSystemAvailableCapabilities = GetSystemAvailableCapabilities;
    samgr->status = BOOT_SYS;
    samgr->services = VECTOR_Make(GetServiceName, (VECTOR_Compare)strcmp);
    samgr->mutex = MUTEX_InitValue();
    memset(samgr->sharedPool, 0, sizeof(samgr->sharedPool));
    (void)SAMGR_LogVerbose();
    (void)SAMGR_GetSlowHandlerThreshold();
}

static SamgrLiteImpl *GetImplement(void)
{
    pthread_once(&g_samgrOnce, InitSamgr);
    return &g_samgrImpl;
}

SamgrLite *SAMGR_GetInstance(void)
{
    return &GetImplement()->vtbl;
}

void SAMGR_LockManager(void)
{
    MUTEX_Lock(GetImplement()->mutex);
}

void SAMGR_UnlockManager(void)
{
    MUTEX_Unlock(GetImplement()->mutex);
}

BootStatus SAMGR_GetBootStatus(void)
{
    SamgrLiteImpl *samgr = GetImplement();
    MUTEX_Lock(samgr->mutex);
    BootStatus status = samgr->status;
    MUTEX_Unlock(samgr->mutex);
    return status;
}

static BOOL IsInvalidService(const Service *service)
{
    return (service == NULL || service->GetName == NULL || service->Initialize == NULL ||
            service->MessageHandle == NULL || service->GetTaskConfig == NULL)
               ? TRUE
               : FALSE;
}

static BOOL IsInvalidFeature(const Feature *feature)
{
    return (feature == NULL || feature->GetName == NULL || feature->OnInitialize == NULL ||
            feature->OnStop == NULL || feature->OnMessage == NULL)
               ? TRUE
               : FALSE;
}

static BOOL IsInvalidIUnknown(const IUnknown *iUnknown)
{
    return (iUnknown == NULL || iUnknown->QueryInterface == NULL || iUnknown->AddRef == NULL ||
            iUnknown->Release == NULL)
               ? TRUE
               : FALSE;
}

/* Caller holds the mutex. */
static ServiceImpl *FindService(SamgrLiteImpl *samgr, const char *name)
{
    if (name == NULL) {
        return NULL;
    }
    int16 pos = VECTOR_FindByKey(&samgr->services, name);
    return (ServiceImpl *)VECTOR_At(&samgr->services, pos);
}

static BOOL RegisterService(Service *service)
{
    if (IsInvalidService(service)) {
        return FALSE;
    }
    const char *name = service->GetName(service);
    if (name == NULL) {
        return FALSE;
    }
    SamgrLiteImpl *samgr = GetImplement();
    MUTEX_Lock(samgr->mutex);
    if (FindService(samgr, name) != NULL || VECTOR_Num(&samgr->services) >= MAX_SERVICE_NUM) {
        MUTEX_Unlock(samgr->mutex);
        return FALSE;
    }
    ServiceImpl *impl = SAMGR_CreateServiceImpl(service, (uint8)samgr->status);
    if (impl == NULL) {
        MUTEX_Unlock(samgr->mutex);
        return FALSE;
    }
    impl->serviceId = VECTOR_Add(&samgr->services, impl);
    MUTEX_Unlock(samgr->mutex);
    if (impl->serviceId == INVALID_INDEX) {
        SAMGR_DestroyServiceImpl(impl);
        return FALSE;
    }
    HILOG_INFO(HILOG_MODULE_SAMGR, "service <%s> registered, id %d", name, impl->serviceId);
    return TRUE;
}

static Service *UnregisterService(const char *name)
{
    if (name == NULL) {
        return NULL;
    }
    SamgrLiteImpl *samgr = GetImplement();
    MUTEX_Lock(samgr->mutex);
    int16 pos = VECTOR_FindByKey(&samgr->services, name);
    ServiceImpl *impl = (ServiceImpl *)VECTOR_At(&samgr->services, pos);
    if (impl == NULL || impl->defaultApi != NULL || VECTOR_Num(&impl->features) > 0) {
        MUTEX_Unlock(samgr->mutex);
        return NULL;
    }
    (void)VECTOR_Swap(&samgr->services, pos, NULL);
    TaskPool *pool = impl->taskPool;
    if (pool != NULL) {
        /* the last user of a shared pool also empties its bucket */
        MUTEX_GlobalLock();
        int lastRef = (pool->ref <= 1);
        MUTEX_GlobalUnlock();
        int i;
        for (i = 0; lastRef && i < MAX_POOL_NUM; ++i) {
            if (samgr->sharedPool[i] == pool) {
                samgr->sharedPool[i] = NULL;
            }
        }
        (void)SAMGR_ReleaseTaskPool(pool);
    }
    /* a task thread may still be finishing a message of it: the last one frees it */
    impl->unregistered = 1;
    BOOL destroy = (impl->users == 0);
    Service *service = impl->service;
    MUTEX_Unlock(samgr->mutex);
    if (destroy) {
        SAMGR_DestroyServiceImpl(impl);
    }
    return service;
}

static BOOL RegisterFeature(const char *serviceName, Feature *feature)
{
    if (IsInvalidFeature(feature) || feature->GetName(feature) == NULL) {
        return FALSE;
    }
    SamgrLiteImpl *samgr = GetImplement();
    MUTEX_Lock(samgr->mutex);
    ServiceImpl *impl = FindService(samgr, serviceName);
    if (impl == NULL || SAMGR_GetInited(impl) != SVC_INIT ||
        DEFAULT_GetFeature(impl, feature->GetName(feature)) != NULL) {
        MUTEX_Unlock(samgr->mutex);
        return FALSE;
    }
    int16 featureId = DEFAULT_AddFeature(impl, feature);
    MUTEX_Unlock(samgr->mutex);
    return (featureId < 0) ? FALSE : TRUE;
}

static Feature *UnregisterFeature(const char *serviceName, const char *featureName)
{
    SamgrLiteImpl *samgr = GetImplement();
    MUTEX_Lock(samgr->mutex);
    ServiceImpl *impl = FindService(samgr, serviceName);
    Feature *feature = DEFAULT_DeleteFeature(impl, featureName);
    int16 serviceId = (impl != NULL) ? impl->serviceId : INVALID_INDEX;
    MUTEX_Unlock(samgr->mutex);
    if (feature != NULL) {
        Identity identity = {serviceId, INVALID_INDEX, NULL};
        feature->OnStop(feature, identity);
    }
    return feature;
}

static BOOL RegisterFeatureApi(const char *serviceName, const char *feature, IUnknown *publicApi)
{
    if (IsInvalidIUnknown(publicApi)) {
        return FALSE;
    }
    SamgrLiteImpl *samgr = GetImplement();
    BOOL ret = FALSE;
    MUTEX_Lock(samgr->mutex);
    ServiceImpl *impl = FindService(samgr, serviceName);
    if (impl != NULL) {
        if (feature == NULL) {
            if (impl->defaultApi == NULL) {
                impl->defaultApi = publicApi;
                ret = TRUE;
            }
        } else {
            ret = SAMGR_AddInterface(DEFAULT_GetFeature(impl, feature), publicApi);
        }
    }
    MUTEX_Unlock(samgr->mutex);
    return ret;
}

static IUnknown *UnregisterFeatureApi(const char *serviceName, const char *feature)
{
    SamgrLiteImpl *samgr = GetImplement();
    IUnknown *iUnknown = NULL;
    MUTEX_Lock(samgr->mutex);
    ServiceImpl *impl = FindService(samgr, serviceName);
    if (impl != NULL) {
        if (feature == NULL) {
            iUnknown = impl->defaultApi;
            impl->defaultApi = NULL;
        } else {
            iUnknown = SAMGR_DelInterface(DEFAULT_GetFeature(impl, feature));
        }
    }
    MUTEX_Unlock(samgr->mutex);
    return iUnknown;
}

static BOOL RegisterDefaultFeatureApi(const char *serviceName, IUnknown *publicApi)
{
    return RegisterFeatureApi(serviceName, NULL, publicApi);
}

static IUnknown *UnregisterDefaultFeatureApi(const char *serviceName)
{
    return UnregisterFeatureApi(serviceName, NULL);
}

static IUnknown *GetDefaultFeatureApi(const char *serviceName)
{
    return GetFeatureApi(serviceName, NULL);
}

static IUnknown *GetFeatureApi(const char *serviceName, const char *feature)
{
    SamgrLiteImpl *samgr = GetImplement();
    MUTEX_Lock(samgr->mutex);
    ServiceImpl *impl = FindService(samgr, serviceName);
    if (impl == NULL) {
        MUTEX_Unlock(samgr->mutex);
        /* not in this process: ask the (remote) registry */
        return SAMGR_FindServiceApi(serviceName, feature);
    }
    IUnknown *iUnknown = NULL;
    if (feature == NULL) {
        iUnknown = impl->defaultApi;
    } else {
        iUnknown = SAMGR_GetInterface(DEFAULT_GetFeature(impl, feature));
    }
    MUTEX_Unlock(samgr->mutex);
    return iUnknown;
}

static int32 AddSystemCapability(const char *sysCap)
{
    if (sysCap == NULL || sysCap[0] == '\0' || strlen(sysCap) > MAX_SYSCAP_NAME_LEN) {
        return EC_INVALID;
    }
    return SAMGR_RegisterSystemCapabilityApi(sysCap, TRUE);
}

static BOOL HasSystemCapability(const char *sysCap)
{
    if (sysCap == NULL || sysCap[0] == '\0' || strlen(sysCap) > MAX_SYSCAP_NAME_LEN) {
        return FALSE;
    }
    return SAMGR_QuerySystemCapabilityApi(sysCap);
}

static int32 GetSystemAvailableCapabilities(char sysCaps[MAX_SYSCAP_NUM][MAX_SYSCAP_NAME_LEN], int32 *size)
{
    if (sysCaps == NULL || size == NULL) {
        return EC_INVALID;
    }
    return SAMGR_GetSystemCapabilitiesApi(sysCaps, size);
}

ServiceImpl *SAMGR_GetServiceByID(int16 serviceId)
{
    SamgrLiteImpl *samgr = GetImplement();
    MUTEX_Lock(samgr->mutex);
    ServiceImpl *impl = (ServiceImpl *)VECTOR_At(&samgr->services, serviceId);
    MUTEX_Unlock(samgr->mutex);
    return impl;
}

ServiceImpl *SAMGR_AcquireServiceByID(int16 serviceId)
{
    SamgrLiteImpl *samgr = GetImplement();
    MUTEX_Lock(samgr->mutex);
    ServiceImpl *impl = (ServiceImpl *)VECTOR_At(&samgr->services, serviceId);
    if (impl != NULL) {
        impl->users++;
    }
    MUTEX_Unlock(samgr->mutex);
    return impl;
}

void SAMGR_ReleaseService(ServiceImpl *impl)
{
    if (impl == NULL) {
        return;
    }
    SamgrLiteImpl *samgr = GetImplement();
    MUTEX_Lock(samgr->mutex);
    BOOL destroy = (--impl->users == 0) && impl->unregistered;
    MUTEX_Unlock(samgr->mutex);
    if (destroy) {
        SAMGR_DestroyServiceImpl(impl);
    }
}

/* ---- task pools ---- */

/* A pool already used by a service with a byte-identical TaskConfig. Caller holds the mutex. */
static TaskPool *GetSpecifiedTaskPool(SamgrLiteImpl *samgr, const TaskConfig *config)
{
    int16 size = VECTOR_Size(&samgr->services);
    int16 i;
    for (i = 0; i < size; ++i) {
        ServiceImpl *impl = (ServiceImpl *)VECTOR_At(&samgr->services, i);
        if (impl == NULL || impl->taskPool == NULL) {
            continue;
        }
        TaskConfig cfg = impl->service->GetTaskConfig(impl->service);
        if (memcmp(&cfg, config, sizeof(TaskConfig)) != 0) {
            continue;
        }
        MUTEX_GlobalLock();
        TaskPool *pool = SAMGR_ReferenceTaskPool(impl->taskPool);
        MUTEX_GlobalUnlock();
        if (pool != NULL) {
            return pool;
        }
    }
    return NULL;
}

static void AddTaskPool(ServiceImpl *service, TaskConfig *cfg, const char *name)
{
    if (service->taskPool != NULL) {
        return;
    }
    if (cfg->priority < PRI_LOW || cfg->priority >= PRI_BUTT) {
        HILOG_ERROR(HILOG_MODULE_SAMGR, "service <%s> has an invalid priority %d, using PRI_LOW", name,
                    cfg->priority);
        cfg->priority = PRI_LOW;
    }
    SamgrLiteImpl *samgr = GetImplement();
    TaskPool *pool = NULL;
    MUTEX_Lock(samgr->mutex);
    switch (cfg->taskFlags) {
        case SHARED_TASK: {
            int pos = cfg->priority / PROPER_POOL_SIZE;
            if (samgr->sharedPool[pos] == NULL) {
                TaskConfig shared = {LEVEL_HIGH, (int16)(pos * PROPER_POOL_SIZE + 1), 0x800, 25, SHARED_TASK};
                samgr->sharedPool[pos] = SAMGR_CreateFixedTaskPool(&shared, name, DEFAULT_SIZE);
            }
            pool = samgr->sharedPool[pos];
            if (pool != NULL) {
                MUTEX_GlobalLock();
                if (SAMGR_ReferenceTaskPool(pool) == NULL) {
                    /* bucket full (MAX_REF_NUM): this service keeps the old pool,
                     * the next one gets a new pool */
                    pool->ref++;
                    samgr->sharedPool[pos] = NULL;
                }
                MUTEX_GlobalUnlock();
            }
            break;
        }
#ifndef DISABLE_SAMGR_LITE_SPECIFIED_TASK
        case SPECIFIED_TASK:
            pool = GetSpecifiedTaskPool(samgr, cfg);
            if (pool != NULL) {
                break;
            }
            __attribute__((fallthrough));
#endif
        case SINGLE_TASK:
            pool = SAMGR_CreateFixedTaskPool(cfg, name, SINGLE_SIZE);
            if (pool != NULL) {
                pool->ref = 1;
            }
            break;
        default:
            /* NO_TASK and unknown values: no pool, initialised synchronously */
            if (cfg->taskFlags != 0xFF) {
                HILOG_ERROR(HILOG_MODULE_SAMGR, "service <%s> has an unknown task type %d", name, cfg->taskFlags);
            }
            break;
    }
    service->taskPool = pool;
    MUTEX_Unlock(samgr->mutex);
}

/* ---- boot ---- */

static void BootstrapHandler(const Request *request, const Response *response)
{
    (void)request;
    (void)response;
    SAMGR_Bootstrap();
}

static int32 SendBootRequest(int msgId, uint32 msgValue)
{
    SamgrLiteImpl *samgr = GetImplement();
    MUTEX_Lock(samgr->mutex);
    Identity id = DEFAULT_GetFeatureId(FindService(samgr, BOOTSTRAP_SERVICE), NULL);
    MUTEX_Unlock(samgr->mutex);
    Request request = {(int16)msgId, 0, NULL, msgValue};
    return SAMGR_SendRequest(&id, &request, BootstrapHandler);
}

static int32 InitCompleted(void)
{
    SamgrLiteImpl *samgr = GetImplement();
    MUTEX_Lock(samgr->mutex);
    int16 size = VECTOR_Size(&samgr->services);
    int16 i;
    for (i = 0; i < size; ++i) {
        ServiceImpl *impl = (ServiceImpl *)VECTOR_At(&samgr->services, i);
        if (impl != NULL && SAMGR_GetInited(impl) == SVC_INIT) {
            MUTEX_Unlock(samgr->mutex);
            return EC_NOINIT;
        }
    }
    int msgId = -1;
    if (samgr->status == BOOT_SYS_WAIT) {
        samgr->status = BOOT_APP;
        msgId = BOOT_SYS_COMPLETED;
    } else if (samgr->status == BOOT_APP_WAIT) {
        samgr->status = BOOT_DYNAMIC;
        msgId = BOOT_APP_COMPLETED;
    }
    MUTEX_Unlock(samgr->mutex);
    if (msgId < 0) {
        (void)WDT_Stop();
        return EC_SUCCESS;
    }
    int32 err = SendBootRequest(msgId, (uint32)size);
    if (err != EC_SUCCESS) {
        HILOG_INFO(HILOG_MODULE_SAMGR, "no Bootstrap service for boot message %d (%d)", msgId, err);
    }
    return err;
}

static void HandleInitRequest(const Request *request, const Response *response)
{
    (void)response;
    ServiceImpl *impl = (ServiceImpl *)request->data;
    if (impl == NULL) {
        return;
    }
    DEFAULT_Initialize(impl);
    SAMGR_SetInited(impl, SVC_IDLE);
    (void)InitCompleted();
}

static void InitializeSingleService(ServiceImpl *impl)
{
    if (impl->taskPool == NULL) {
        DEFAULT_Initialize(impl);
        SAMGR_SetInited(impl, SVC_IDLE);
        return;
    }
    Identity identity = {impl->serviceId, INVALID_INDEX, impl->taskPool->queueId};
    Request request = {0, 0, impl, 0};
    uint32 *ref = NULL;
    int32 err = SAMGR_SendSharedDirectRequest(&identity, &request, NULL, &ref, HandleInitRequest);
    if (err != EC_SUCCESS) {
        /* the queue is full: initialise here rather than never */
        HILOG_ERROR(HILOG_MODULE_SAMGR, "init request for service %d failed (%d), initialising synchronously",
                    impl->serviceId, err);
        DEFAULT_Initialize(impl);
        SAMGR_SetInited(impl, SVC_IDLE);
    }
}

void SAMGR_Bootstrap(void)
{
    SamgrLiteImpl *samgr = GetImplement();
    if (samgr->mutex == NULL) {
        HILOG_ERROR(HILOG_MODULE_SAMGR, "samgr is not initialised");
        return;
    }
    Vector initServices = VECTOR_Make(NULL, NULL);
    MUTEX_Lock(samgr->mutex);
    samgr->status = TO_NEXT_STATUS(samgr->status);
    int16 size = VECTOR_Size(&samgr->services);
    int16 i;
    for (i = 0; i < size; ++i) {
        ServiceImpl *impl = (ServiceImpl *)VECTOR_At(&samgr->services, i);
        if (impl == NULL || SAMGR_GetInited(impl) != SVC_INIT || impl->taskPool != NULL) {
            continue;
        }
        (void)VECTOR_Add(&initServices, impl);
    }
    MUTEX_Unlock(samgr->mutex);

    size = VECTOR_Size(&initServices);
    HILOG_INFO(HILOG_MODULE_SAMGR, "bootstrap: %d service(s) to start", size);
    for (i = 0; i < size; ++i) {
        ServiceImpl *impl = (ServiceImpl *)VECTOR_At(&initServices, i);
        TaskConfig config = impl->service->GetTaskConfig(impl->service);
        const char *name = impl->service->GetName(impl->service);
        AddTaskPool(impl, &config, name);
        InitializeSingleService(impl);
    }
    MUTEX_Lock(samgr->mutex);
    for (i = 0; i < size; ++i) {
        ServiceImpl *impl = (ServiceImpl *)VECTOR_At(&initServices, i);
        (void)SAMGR_StartTaskPool(impl->taskPool, impl->service->GetName(impl->service));
    }
    MUTEX_Unlock(samgr->mutex);
    VECTOR_Clear(&initServices);
    (void)InitCompleted();
}
