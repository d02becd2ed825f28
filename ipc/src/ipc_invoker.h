/*
 * ipc_invoker.h - messages: requests, serving a received request with a
 * stub (reply / failed reply / free), freeing.  Internal.
 */
#ifndef LIPC_IPC_INVOKER_H
#define LIPC_IPC_INVOKER_H

#include "ipc_skeleton.h"
#include "lite_ipc.h"

/* Marks a reply whose header carries the stub's result (target.token);
 * see lipc_ipc_reply_result. */
#define LIPC_IPC_RESULT_COOKIE ((uintptr_t)0x4C525354u)   /* "LRST" */

/* SendRequest after the argument checks; returns an upstream code, sets *err. */
int32_t IpcInvokerSend(SvcIdentity target, uint32_t code, IpcIo *data, IpcIo *reply,
                       MessageOption option, uintptr_t *buffer, int *err);

/* Runs stub on the received request msg and answers it: MT_REPLY built from
 * the reply io for a sync request (MT_FAILED_REPLY if it is unusable, or
 * if stub is NULL), free for an async one.  msg is given back in all cases. */
void IpcInvokerServe(IpcMsg *msg, const IpcObjectStub *stub);

/* BUFF_FREE; returns 0 or -errno. */
int IpcInvokerFree(void *msg);

/* Receives one message for the calling thread (waits forever); 0 or -errno. */
int IpcInvokerReceive(IpcMsg **msg);

#endif
