/*
 * iproxy_server.h - the server side of a remote samgr feature (upstream
 * samgr_lite interfaces/kits/registry/iproxy_server.h).  A feature API that
 * answers QueryInterface(SERVER_PROXY_VER) is exported to other processes:
 * samgr calls its Invoke for every remote call (docs/SAMGR_REMOTE.md).
 *
 * Invoke(iProxy, funcId, origin, req, reply): funcId is the caller's code;
 * origin is NULL (rpc variant); req is the request after the router token
 * (read-only, valid during the call); reply is an 8 KiB io with 32 object
 * slots, sent back to a sync caller when Invoke returns.  Here Invoke runs
 * on the feature's own server thread (one per feature), not on a process-wide
 * boss thread as upstream.
 */
#ifndef SAMGR_IPROXY_SERVER_H
#define SAMGR_IPROXY_SERVER_H

#include "iunknown.h"
#include "serializer.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SERVER_PROXY_VER 0x80
#define SERVER_IMPL_PROXY_VER 0xA0   /* SERVER_PROXY_VER | DEFAULT_VERSION */

typedef struct IServerProxy IServerProxy;

#define INHERIT_SERVER_IPROXY \
    INHERIT_IUNKNOWN;         \
    int32 (*Invoke)(IServerProxy * iProxy, int funcId, void *origin, IpcIo *req, IpcIo *reply)

struct IServerProxy {
    INHERIT_SERVER_IPROXY;
};

#define SERVER_IPROXY_BEGIN IUNKNOWN_ENTRY_BEGIN(SERVER_PROXY_VER)
#define SERVER_IPROXY_IMPL_BEGIN IUNKNOWN_ENTRY_BEGIN(SERVER_IMPL_PROXY_VER)
#ifndef IPROXY_END
#define IPROXY_END IUNKNOWN_ENTRY_END
#endif

#ifdef __cplusplus
}
#endif
#endif
