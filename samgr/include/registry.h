/*
 * registry.h - client proxy factories (upstream samgr_lite
 * interfaces/kits/registry/registry.h).
 *
 * SAMGR_RegisterFactory(service, feature, creator, destroyer): when a remote
 * (service, feature) is resolved in this process, creator(service, feature,
 * size) is asked for the proxy object: it must return memory holding `size`
 * bytes of header (reserved for samgr) followed by an IClientProxy entry
 * (INHERIT_IPROXY_ENTRY) whose iUnknown samgr then wires (Invoke, AddRef,
 * Release are overwritten with samgr's defaults).  When the proxy's
 * reference count drops to 0, destroyer(service, feature, iproxy) frees it
 * (iproxy = the pointer creator returned).  A creator returning NULL makes
 * samgr fall back to its default client.  EC_INVALID for NULL service,
 * creator or destroyer; EC_SUCCESS (and no change) if already registered.
 */
#ifndef SAMGR_REGISTRY_H
#define SAMGR_REGISTRY_H

#include "ohos_types.h"
#include "iproxy_client.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef void *(*Creator)(const char *service, const char *feature, uint32 size);
typedef void (*Destroyer)(const char *service, const char *feature, void *iproxy);

int SAMGR_RegisterFactory(const char *service, const char *feature, Creator creator, Destroyer destroyer);

#ifdef __cplusplus
}
#endif
#endif
