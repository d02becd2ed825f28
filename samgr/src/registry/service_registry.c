/*
 * service_registry.c - weak, local-only defaults of the remote registry
 * hooks (as upstream links on mini systems). A remote implementation that
 * defines these symbols strongly replaces them.
 */
#include "service_registry.h"

#include "ohos_errno.h"

int __attribute__((weak)) SAMGR_RegisterServiceApi(const char *service, const char *feature,
                                                    const Identity *identity, IUnknown *iUnknown)
{
    (void)service;
    (void)feature;
    (void)identity;
    (void)iUnknown;
    return EC_SUCCESS;   /* nothing to export: in-process only */
}

IUnknown *__attribute__((weak)) SAMGR_FindServiceApi(const char *service, const char *feature)
{
    (void)service;
    (void)feature;
    return NULL;
}

int32 __attribute__((weak)) SAMGR_RegisterSystemCapabilityApi(const char *sysCap, BOOL isReg)
{
    (void)sysCap;
    (void)isReg;
    return EC_FAILURE;
}

BOOL __attribute__((weak)) SAMGR_QuerySystemCapabilityApi(const char *sysCap)
{
    (void)sysCap;
    return FALSE;
}

int32 __attribute__((weak)) SAMGR_GetSystemCapabilitiesApi(char sysCaps[MAX_SYSCAP_NUM][MAX_SYSCAP_NAME_LEN],
                                                           int32 *size)
{
    (void)sysCaps;
    (void)size;
    return EC_FAILURE;
}
