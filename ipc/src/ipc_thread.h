/*
 * ipc_thread.h - the per-thread context: the stub bound to this thread,
 * the caller of the request being served, the last error.  Internal.
 */
#ifndef LIPC_IPC_THREAD_H
#define LIPC_IPC_THREAD_H

#include <stdbool.h>
#include <sys/types.h>

#include "ipc_skeleton.h"
#include "lite_ipc.h"

typedef struct {
    const IpcObjectStub *stub;  /* bound by SetContextObject / WriteRemoteObject(NORMAL) */
    const IpcMsg *req;          /* the request being served (valid while inCall) */
    bool inCall;                /* serving a request: caller* and req are valid */
    bool leave;                 /* JoinWorkThread returns after this request */
    pid_t callerPid;
    uid_t callerUid;
    int lastError;              /* -errno of the last ipc_skeleton.h call, 0 = success */
} IpcThreadContext;

/* The context itself (ipc_thread.c).  initial-exec: a plain
 * %fs-relative access.  The default model of a shared library
 * (global/local-dynamic) calls __tls_get_addr on every access: about 12
 * cycles each, several times per call on the critical path.  The context
 * is 40 bytes, well within the static TLS surplus glibc keeps for
 * libraries loaded with dlopen (as foundation loads services). */
extern __thread IpcThreadContext g_ipcThreadCtx __attribute__((tls_model("initial-exec")));

/* The calling thread's context (never NULL).  Inline, as the next: both
 * run on every call, and a call costs more than the access. */
static inline IpcThreadContext *IpcThreadCurrent(void)
{
    return &g_ipcThreadCtx;
}

/* Records err (-errno or 0) as the calling thread's last error; returns ret. */
static inline int32_t IpcThreadSetError(int err, int32_t ret)
{
    g_ipcThreadCtx.lastError = err;
    return ret;
}

/* In a fork child: the forking thread keeps no stub binding or call. */
void IpcThreadResetAfterFork(void);

#endif
