/*
 * iproxy_client.h - the client side of a remote samgr feature (upstream
 * samgr_lite interfaces/kits/registry/iproxy_client.h).
 *
 *   IUnknown *iu = SAMGR_GetInstance()->GetFeatureApi("svc", "feat");
 *   IClientProxy *p; iu->QueryInterface(iu, CLIENT_PROXY_VER, (void **)&p);
 *   p->Invoke(p, funcId, &req, owner, notify);   // notify != NULL: sync
 *   p->Release((IUnknown *)p);
 *
 * Invoke with a notify is synchronous: notify(owner, code, reply) runs in
 * the caller before Invoke returns (reply valid only during notify).
 * Without notify the request is sent one-way.  Returns EC_SUCCESS (0), or
 * a negative error: EC_INVALID (bad request io / proxy), EC_PERMISSION
 * (the provider's policy denies this caller), EC_FLOWCTRL (the provider's
 * token bucket refused the call), or an rpc_errno.h code from SendRequest
 * (ERR_DEAD_OBJECT when the provider died; the proxy is then invalid and the
 * next GetFeatureApi resolves the feature again).  On EC_PERMISSION and
 * EC_FLOWCTRL notify is not called (upstream: an empty "successful" reply).
 */
#ifndef SAMGR_IPROXY_CLIENT_H
#define SAMGR_IPROXY_CLIENT_H

#include "iunknown.h"
#include "serializer.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CLIENT_PROXY_VER 0x40

typedef void *IOwner;
typedef int (*INotify)(IOwner owner, int code, IpcIo *reply);

typedef struct IClientProxy IClientProxy;

#define INHERIT_CLIENT_IPROXY \
    INHERIT_IUNKNOWN;         \
    int (*Invoke)(IClientProxy * proxy, int funcId, IpcIo *request, IOwner owner, INotify notify)

struct IClientProxy {
    INHERIT_CLIENT_IPROXY;
};

#define INHERIT_IPROXY_ENTRY(T) INHERIT_IUNKNOWNENTRY(T)
#define CLIENT_IPROXY_BEGIN IUNKNOWN_ENTRY_BEGIN(CLIENT_PROXY_VER)
#ifndef IPROXY_END
#define IPROXY_END IUNKNOWN_ENTRY_END
#endif

/* The identity {handle, token, cookie} of a remote feature, resolved
 * through samgr (always the remote path); {-1, -1, -1} if unknown. */
SvcIdentity SAMGR_GetRemoteIdentity(const char *service, const char *feature);

#ifdef __cplusplus
}
#endif
#endif
