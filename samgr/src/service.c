/*
 * service.c - ServiceImpl: a service, its features and the default API.
 * Feature-vector access is guarded by samgr's mutex (SAMGR_LockManager).
 */
#include "service_impl.h"

#include <string.h>

#include "memory_adapter.h"
#include "ohos_errno.h"
#include "registry/service_registry.h"
#include "samgr_lite_inner.h"
#include "samgr_log.h"

void SAMGR_LockManager(void);
void SAMGR_UnlockManager(void);

static void *GetFeatureName(const void *data)
{
    const FeatureImpl *impl = (const FeatureImpl *)data;
    if (impl == NULL || impl->feature == NULL) {
        return NULL;
    }
    return (void *)impl->feature->GetName(impl->feature);
}

ServiceImpl *SAMGR_CreateServiceImpl(Service *service, uint8 step)
{
    ServiceImpl *impl = (ServiceImpl *)SAMGR_Malloc(sizeof(ServiceImpl));
    if (impl == NULL) {
        return NULL;
    }
    memset(impl, 0, sizeof(*impl));
    impl->service = service;
    impl->defaultApi = NULL;
    impl->taskPool = NULL;
    impl->features = VECTOR_Make(GetFeatureName, (VECTOR_Compare)strcmp);
    impl->serviceId = INVALID_INDEX;
    impl->inited = SVC_INIT;
    impl->ops.step = step;
    return impl;
}

void SAMGR_DestroyServiceImpl(ServiceImpl *impl)
{
    if (impl == NULL) {
        return;
    }
    int16 size = VECTOR_Size(&impl->features);
    int16 i;
    for (i = 0; i < size; ++i) {
        SAMGR_Free(VECTOR_At(&impl->features, i));
    }
    VECTOR_Clear(&impl->features);
    SAMGR_Free(impl);
}

static FeatureImpl *FeatureAt(ServiceImpl *impl, int16 index, int16 *size)
{
    SAMGR_LockManager();
    *size = VECTOR_Size(&impl->features);
    FeatureImpl *feature = (FeatureImpl *)VECTOR_At(&impl->features, index);
    SAMGR_UnlockManager();
    return feature;
}

void DEFAULT_Initialize(ServiceImpl *impl)
{
    if (impl == NULL) {
        return;
    }
    Identity id = {impl->serviceId, INVALID_INDEX, (impl->taskPool != NULL) ? impl->taskPool->queueId : NULL};
    (void)impl->service->Initialize(impl->service, id);
    const char *serviceName = impl->service->GetName(impl->service);
    (void)SAMGR_RegisterServiceApi(serviceName, NULL, &id, impl->defaultApi);

    int16 size = 0;
    int16 i;
    for (i = 0;; ++i) {
        FeatureImpl *feature = FeatureAt(impl, i, &size);
        if (i >= size) {
            break;
        }
        if (feature == NULL) {
            continue;
        }
        id.featureId = i;
        feature->feature->OnInitialize(feature->feature, impl->service, id);
        (void)SAMGR_RegisterServiceApi(serviceName, feature->feature->GetName(feature->feature), &id,
                                       feature->iUnknown);
    }
}

int32 DEFAULT_MessageHandle(ServiceImpl *serviceImpl, const Identity *identity, Request *request)
{
    if (serviceImpl == NULL || serviceImpl->serviceId != identity->serviceId) {
        return EC_INVALID;
    }
    if (identity->featureId < 0) {
        if (serviceImpl->service->MessageHandle != NULL) {
            return serviceImpl->service->MessageHandle(serviceImpl->service, request);
        }
        return EC_INVALID;
    }
    int16 size = 0;
    FeatureImpl *featureImpl = FeatureAt(serviceImpl, identity->featureId, &size);
    if (identity->featureId >= size) {
        return EC_INVALID;
    }
    if (featureImpl == NULL) {
        return EC_NOHANDLER;
    }
    return featureImpl->feature->OnMessage(featureImpl->feature, request);
}

int16 DEFAULT_AddFeature(ServiceImpl *serviceImpl, Feature *feature)
{
    if (serviceImpl == NULL || feature == NULL) {
        return INVALID_INDEX;
    }
    if (VECTOR_Num(&serviceImpl->features) >= MAX_FEATURE_NUM) {
        return INVALID_INDEX;
    }
    FeatureImpl *impl = FEATURE_CreateInstance(feature);
    if (impl == NULL) {
        return INVALID_INDEX;
    }
    int16 featureId = VECTOR_Add(&serviceImpl->features, impl);
    if (featureId == INVALID_INDEX) {
        SAMGR_Free(impl);
    }
    return featureId;
}

FeatureImpl *DEFAULT_GetFeature(ServiceImpl *serviceImpl, const char *featureName)
{
    if (serviceImpl == NULL || featureName == NULL) {
        return NULL;
    }
    int16 pos = VECTOR_FindByKey(&serviceImpl->features, featureName);
    return (FeatureImpl *)VECTOR_At(&serviceImpl->features, pos);
}

Feature *DEFAULT_DeleteFeature(ServiceImpl *serviceImpl, const char *featureName)
{
    if (serviceImpl == NULL || featureName == NULL) {
        return NULL;
    }
    int16 pos = VECTOR_FindByKey(&serviceImpl->features, featureName);
    FeatureImpl *featureImpl = (FeatureImpl *)VECTOR_At(&serviceImpl->features, pos);
    if (featureImpl == NULL || !SAMGR_IsNoInterface(featureImpl)) {
        return NULL;
    }
    Feature *feature = featureImpl->feature;
    (void)VECTOR_Swap(&serviceImpl->features, pos, NULL);
    SAMGR_Free(featureImpl);
    return feature;
}

Identity DEFAULT_GetFeatureId(ServiceImpl *serviceImpl, const char *feature)
{
    Identity identity = {INVALID_INDEX, INVALID_INDEX, NULL};
    if (serviceImpl == NULL) {
        return identity;
    }
    identity.serviceId = serviceImpl->serviceId;
    if (serviceImpl->taskPool != NULL) {
        identity.queueId = serviceImpl->taskPool->queueId;
    }
    if (feature != NULL) {
        identity.featureId = VECTOR_FindByKey(&serviceImpl->features, feature);
    }
    return identity;
}
