/*
 * samgr_lite.h - the system ability manager (in-process part).
 *
 * Service, feature and API objects are owned by the caller: samgr stores the
 * pointers until they are unregistered (the Unregister* calls return them).
 * GetFeatureApi does not AddRef; use QueryInterface (which does) and Release.
 */
#ifndef LITE_SAMGR_H
#define LITE_SAMGR_H

#include "ohos_types.h"
#include "common.h"
#include "iunknown.h"
#include "service.h"
#include "feature.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BOOTSTRAP_SERVICE "Bootstrap"
#define MAX_SYSCAP_NUM 512
#define MAX_SYSCAP_NAME_LEN 64

typedef enum BootMessage {
    BOOT_SYS_COMPLETED,
    BOOT_APP_COMPLETED,
    BOOT_REG_SERVICE,
    BOOTSTRAP_BUTT
} BootMessage;

typedef struct SamgrLite {
    BOOL (*RegisterService)(Service *service);
    Service *(*UnregisterService)(const char *name);
    BOOL (*RegisterFeature)(const char *serviceName, Feature *feature);
    Feature *(*UnregisterFeature)(const char *serviceName, const char *featureName);
    BOOL (*RegisterFeatureApi)(const char *service, const char *feature, IUnknown *publicApi);
    IUnknown *(*UnregisterFeatureApi)(const char *service, const char *feature);
    BOOL (*RegisterDefaultFeatureApi)(const char *service, IUnknown *publicApi);
    IUnknown *(*UnregisterDefaultFeatureApi)(const char *service);
    IUnknown *(*GetDefaultFeatureApi)(const char *service);
#ifdef MINI_SAMGR_LITE_RPC
    IUnknown *(*GetRemoteDefaultFeatureApi)(char *deviceId, const char *serviceName);
#endif
    IUnknown *(*GetFeatureApi)(const char *serviceName, const char *feature);
#ifndef DISABLE_SAMGR_LITE_SYSTEM_CAPABILITY
    int32 (*AddSystemCapability)(const char *sysCap);
    BOOL (*HasSystemCapability)(const char *sysCap);
    int32 (*GetSystemAvailableCapabilities)(char sysCaps[MAX_SYSCAP_NUM][MAX_SYSCAP_NAME_LEN], int32 *size);
#endif
} SamgrLite;

/* The process-wide singleton (created on first call). */
SamgrLite *SAMGR_GetInstance(void);

/* Starts (initialises) every registered service that is not started yet; see docs/SAMGR.md. */
void SAMGR_Bootstrap(void);

#ifdef __cplusplus
}
#endif
#endif /* LITE_SAMGR_H */
