/*
 * service_impl.h - a registered service: its features, default API and task pool.
 * serviceId is the index in samgr's service vector, featureId the index in
 * the service's feature vector.
 */
#ifndef SAMGR_SERVICE_IMPL_H
#define SAMGR_SERVICE_IMPL_H

#include "common.h"
#include "feature_impl.h"
#include "iunknown.h"
#include "service.h"
#include "task_manager.h"

#define INVALID_INDEX (-1)
#define MAX_FEATURE_NUM 0x70

typedef enum InitStatus {
    SVC_INIT = 0,
    SVC_IDLE = 1,
    SVC_BUSY = 2,
} InitStatus;

typedef struct Operations Operations;
struct Operations {
    uint8 abnormal;     /* handlers slower than the threshold */
    uint8 step;         /* boot status at registration */
    uint16 messages;    /* messages processed */
    uint32 timestamp;   /* start of the current handler (ms) */
};

typedef struct ServiceImpl ServiceImpl;
struct ServiceImpl {
    Service *service;
    IUnknown *defaultApi;
    TaskPool *taskPool;
    Vector features;
    int16 serviceId;
    uint8 inited;       /* InitStatus; accessed atomically */
    Operations ops;
    uint16 users;       /* task threads working on one of its messages (samgr mutex) */
    uint8 unregistered; /* out of the registry: the last user frees it (samgr mutex) */
};

ServiceImpl *SAMGR_CreateServiceImpl(Service *service, uint8 step);
void SAMGR_DestroyServiceImpl(ServiceImpl *impl);
/* Calls service->Initialize and every feature's OnInitialize (in the service's task). */
void DEFAULT_Initialize(ServiceImpl *impl);
/* Dispatches one request to the service or one of its features. */
int32 DEFAULT_MessageHandle(ServiceImpl *serviceImpl, const Identity *identity, Request *request);
/* Feature helpers; callers hold samgr's mutex. */
int16 DEFAULT_AddFeature(ServiceImpl *serviceImpl, Feature *feature);
FeatureImpl *DEFAULT_GetFeature(ServiceImpl *serviceImpl, const char *featureName);
Feature *DEFAULT_DeleteFeature(ServiceImpl *serviceImpl, const char *featureName);
Identity DEFAULT_GetFeatureId(ServiceImpl *serviceImpl, const char *feature);
/* The service registered under serviceId, or NULL. */
ServiceImpl *SAMGR_GetServiceByID(int16 serviceId);
/* The same, held until SAMGR_ReleaseService(): an UnregisterService meanwhile
 * takes it out of the registry, and the last holder frees it (upstream frees
 * it under a task thread still working on its message). */
ServiceImpl *SAMGR_AcquireServiceByID(int16 serviceId);
void SAMGR_ReleaseService(ServiceImpl *impl);

static inline uint8 SAMGR_GetInited(ServiceImpl *impl)
{
    return __atomic_load_n(&impl->inited, __ATOMIC_ACQUIRE);
}

static inline void SAMGR_SetInited(ServiceImpl *impl, uint8 status)
{
    __atomic_store_n(&impl->inited, status, __ATOMIC_RELEASE);
}

#endif
