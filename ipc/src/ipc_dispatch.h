/*
 * ipc_dispatch.h - the callback-dispatch thread (this process's LiteIPC
 * "IPC thread"): it receives requests for anonymous stubs and death
 * notices.  Also the registry of anonymous stubs.  Internal.
 */
#ifndef LIPC_IPC_DISPATCH_H
#define LIPC_IPC_DISPATCH_H

#include <stdint.h>
#include <sys/types.h>

#include "ipc_skeleton.h"

/* Starts the dispatch thread if needed; returns its tid or -errno. */
pid_t IpcDispatchStart(void);

/* Copies *stub under a new token; returns 0 and sets *token, or -errno. */
int IpcDispatchAddAnonymous(const IpcObjectStub *stub, uintptr_t *token);

void IpcDispatchForkPrepare(void);
void IpcDispatchForkParent(void);
void IpcDispatchForkChild(void);   /* no thread, no anonymous stubs */

#endif
