/*
 * lipc_ipc.h - liteipc's own additions to the C IPC library (ipc_single).
 * Not part of OpenHarmony: portable code should not depend on it.
 */
#ifndef LIPC_IPC_H
#define LIPC_IPC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "serializer.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef LIPC_IPC_EXPORT
#define LIPC_IPC_EXPORT __attribute__((visibility("default")))
#endif

/*
 * The precise reason of the last failure of an ipc_skeleton.h call in the
 * calling thread, as a negative errno; 0 if that call succeeded.  Set by
 * SendRequest, FreeBuffer, SetContextObject, GetContextObject,
 * SetMaxWorkThreadNum, AddDeathRecipient, RemoveDeathRecipient, ReleaseSvc,
 * MessageOptionInit.  The values a caller can act on:
 *   -ETIME        no reply within MessageOption.waitTime
 *   -EOWNERDEAD   the peer died (ERR_DEAD_OBJECT)
 *   -ENOENT       the peer sent a failed reply (IPC_INVOKER_FAILED_REPLY)
 *   -EACCES       no access to the target handle
 *   -EMSGSIZE     the request is too large (data + offsets > MAX_IO_SIZE)
 *   -ENOMEM       the receiver's pool (or this sender's budget in it) is full
 *   -EINVAL       a bad argument, or a target handle that is no live task
 *   -ECONNREFUSED / -ENOENT from the device open: no broker
 */
LIPC_IPC_EXPORT int lipc_ipc_last_error(void);

/* A short constant English text for a lipc_ipc_last_error() value. */
LIPC_IPC_EXPORT const char *lipc_ipc_strerror(int err);

/* Makes the calling thread's JoinWorkThread() return after the request it
 * is serving (call it from the stub), or before its next request. */
LIPC_IPC_EXPORT void lipc_ipc_leave_work_thread(void);

/* The id (handle) of this process's callback-dispatch thread, starting it
 * if needed; -errno if it cannot be started (e.g. no service manager yet). */
LIPC_IPC_EXPORT pid_t lipc_ipc_dispatch_tid(void);

/*
 * In a stub, on the thread serving a request: the target the caller sent
 * it to (the request's IpcMsg.target: handle, token and cookie exactly as
 * the caller passed them to SendRequest).  Returns true and fills *target;
 * false (target untouched) outside a call or if target is NULL.  Lets a
 * protocol carry a word or two in the message header instead of the
 * payload (samgr's router token, docs/SAMGR_REMOTE.md).
 */
LIPC_IPC_EXPORT bool lipc_ipc_calling_target(SvcIdentity *target);

/*
 * The value the peer's stub returned (OnRemoteRequest's int32_t result)
 * for the sync request whose reply is buffer (as SendRequest stored it in
 * *buffer, before FreeBuffer).  The automatic reply carries it in its
 * header (upstream only logs it).  Returns true and sets *result; false if
 * the reply carries none (e.g. a reply sent by other means) or an argument
 * is NULL.  The buffer stays the caller's.
 */
LIPC_IPC_EXPORT bool lipc_ipc_reply_result(uintptr_t buffer, int32_t *result);

#ifdef __cplusplus
}
#endif
#endif /* LIPC_IPC_H */
