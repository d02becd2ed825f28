/*
 * service_registry.h - the hooks samgr calls for cross-process registration.
 * service_registry.c defines weak local-only defaults (remote lookups absent);
 * the IPC-based registry overrides them with strong definitions.
 */
#ifndef SAMGR_SERVICE_REGISTRY_H
#define SAMGR_SERVICE_REGISTRY_H

#include "iunknown.h"
#include "message.h"
#include "samgr_lite.h"

int SAMGR_RegisterServiceApi(const char *service, const char *feature, const Identity *identity,
                             IUnknown *iUnknown);
IUnknown *SAMGR_FindServiceApi(const char *service, const char *feature);
int32 SAMGR_RegisterSystemCapabilityApi(const char *sysCap, BOOL isReg);
BOOL SAMGR_QuerySystemCapabilityApi(const char *sysCap);
int32 SAMGR_GetSystemCapabilitiesApi(char sysCaps[MAX_SYSCAP_NUM][MAX_SYSCAP_NAME_LEN], int32 *size);

#endif
