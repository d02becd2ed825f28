/*
 * lipc_ipc.h - liteipc's own additions to the C IPC library (ipc_single).
 * Not part of OpenHarmony: portable code should not depend on it.
 */
#ifndef LIPC_IPC_H
#define LIPC_IPC_H

#include <sys/types.h>

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

#ifdef __cplusplus
}
#endif
#endif /* LIPC_IPC_H */
