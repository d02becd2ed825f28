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

/* The calling thread's context (never NULL). */
IpcThreadContext *IpcThreadCurrent(void);

/* Records err (-errno or 0) as the calling thread's last error; returns ret. */
int32_t IpcThreadSetError(int err, int32_t ret);

/* In a fork child: the forking thread keeps no stub binding or call. */
void IpcThreadResetAfterFork(void);

#endif
