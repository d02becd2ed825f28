/* feature_impl.h - a registered feature and its API. */
#ifndef SAMGR_FEATURE_IMPL_H
#define SAMGR_FEATURE_IMPL_H

#include "feature.h"
#include "iunknown.h"

typedef struct FeatureImpl FeatureImpl;
struct FeatureImpl {
    Feature *feature;
    IUnknown *iUnknown;
};

BOOL SAMGR_IsNoInterface(FeatureImpl *featureImpl);
FeatureImpl *FEATURE_CreateInstance(Feature *feature);
BOOL SAMGR_AddInterface(FeatureImpl *featureImpl, IUnknown *iUnknown);
IUnknown *SAMGR_DelInterface(FeatureImpl *featureImpl);
IUnknown *SAMGR_GetInterface(FeatureImpl *featureImpl);

#endif
