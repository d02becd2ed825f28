/*
 * ipc_skeleton.h - calls, work threads, callbacks and death recipients of
 * OpenHarmony's C IPC library (communication_ipc, ipc/native/c, library
 * "ipc_single"), for liteipc.  Names, types and values are upstream's, so
 * OpenHarmony code compiles against this header unchanged.  docs/IPC.md
 * lists every place where the behaviour differs (errors, waitTime, ...).
 *
 * Initialisation is lazy: the first call opens the device (the liteipcd
 * broker must run), maps a 256 KiB receive pool and checks the driver
 * version.  A fork child re-initialises on its first call (it keeps no stub
 * binding, death recipient or anonymous stub of its parent).
 *
 * Thread model.
 *  - A stub is served by the thread it is bound to: SetContextObject() and
 *    WriteRemoteObject({-1, SERVICE_TYPE_NORMAL, (uintptr_t)&stub}) bind
 *    the stub to the *calling* thread, which must then call
 *    JoinWorkThread().  The handle the peers see is that thread's id.
 *  - Anonymous stubs (WriteRemoteObject({-1, SERVICE_TYPE_ANONYMOUS, ...}))
 *    and death notices are received by one callback-dispatch thread per
 *    process (started on first need); each request or notice is handled
 *    on a short-lived detached worker thread, so callbacks may make calls.
 *
 * Ownership.  SendRequest's data io is only read during the call.  On a
 * successful sync call *buffer is a received message the caller must give
 * back with FreeBuffer(); the reply io points into it (read-only) and is
 * valid until then.  Stubs (IpcObjectStub) passed by address must outlive
 * their use; anonymous stubs are copied.
 */
#ifndef LIPC_IPC_SKELETON_H
#define LIPC_IPC_SKELETON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "rpc_errno.h"
#include "serializer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* MessageOption.flags (only TF_OP_SYNC and TF_OP_ASYNC are accepted) */
enum {
    TF_OP_SYNC = 0x00,
    TF_OP_ASYNC = 0x01,
    TF_OP_STATUS_CODE = 0x08,
    TF_OP_ACCEPT_FDS = 0x10,
};

#ifndef IPC_INVALID_HANDLE
#define IPC_INVALID_HANDLE (-1)
#endif

#ifndef LIPC_SERVICE_TYPE_DEFINED
#define LIPC_SERVICE_TYPE_DEFINED
/* SvcIdentity.token of a {IPC_INVALID_HANDLE, token, (uintptr_t)&stub} object */
typedef enum {
    SERVICE_TYPE_ANONYMOUS,     /* served by the callback-dispatch thread */
    SERVICE_TYPE_NORMAL,        /* served by the writing thread (JoinWorkThread) */
} ServiceType;
#endif

#define SET_MAX_THREADS_DEFAULT 4
#define SET_MAX_THREADS_MAX 16
#define MAX_DEATH_CALLBACK_NUM 4
#define RPC_DEFAULT_SEND_WAIT_TIME 4    /* seconds */

typedef struct {
    uint32_t flags;     /* TF_OP_SYNC or TF_OP_ASYNC */
    uint32_t waitTime;  /* sync calls: seconds to wait for the reply; 0 = 5 s (LiteOS-A) */
    void *args;         /* in a stub: the stub's args */
} MessageOption;

/* A stub's handler.  data: the request (read-only view of the received
 * message); reply: an 8 KiB io with 32 object slots sent back automatically
 * for sync requests.  The return value is only informative (upstream). */
typedef int32_t (*OnRemoteRequest)(uint32_t code, IpcIo *data, IpcIo *reply, MessageOption option);
typedef void (*OnRemoteDead)(void *args);

typedef struct {
    OnRemoteRequest func;
    void *args;
    bool isRemote;
} IpcObjectStub;

#ifndef LIPC_IPC_EXPORT
#define LIPC_IPC_EXPORT __attribute__((visibility("default")))
#endif

/* Range [SET_MAX_THREADS_DEFAULT, SET_MAX_THREADS_MAX] else ERR_INVALID_PARAM.
 * Bookkeeping only, as upstream on LiteOS-A. */
LIPC_IPC_EXPORT int32_t SetMaxWorkThreadNum(int32_t maxThreadNum);

/* Serves the calling thread's stub (bound by SetContextObject or
 * WriteRemoteObject): receives, runs stub->func, replies to sync requests
 * (MT_FAILED_REPLY if the reply io is unusable), frees async ones.  Returns
 * at once if the thread has no stub; otherwise only after
 * lipc_ipc_leave_work_thread() (lipc_ipc.h) or a fatal device error. */
LIPC_IPC_EXPORT void JoinWorkThread(void);

/* The caller of the request being served by this thread; outside a stub
 * call, getpid()/getuid(). */
LIPC_IPC_EXPORT pid_t GetCallingPid(void);
LIPC_IPC_EXPORT pid_t GetCallingUid(void);

/* {0, 0, 0}: handle 0 is the service manager.  NULL if init failed. */
LIPC_IPC_EXPORT const SvcIdentity *GetContextObject(void);

/* Makes the calling thread the service manager (handle 0) serving
 * (IpcObjectStub *)target.cookie.  ERR_INVALID_PARAM if cookie is 0;
 * IPC_INVOKER_IOCTL_FAILED if a (live) service manager exists already. */
LIPC_IPC_EXPORT int32_t SetContextObject(SvcIdentity target);

/*
 * Sends code+data to target.  option.flags TF_OP_SYNC waits for the reply
 * (at most option.waitTime seconds), TF_OP_ASYNC returns once queued.
 * data may be NULL (empty request).  Returns ERR_NONE; ERR_INVALID_PARAM
 * (flags > 1, sync without buffer, data not initialised or overflowed);
 * ERR_FAILED (data + offsets > MAX_IO_SIZE); ERR_DEAD_OBJECT (the peer is
 * or died: a death notice came, the call was cut by the death, or the
 * driver refused the send (EINVAL/EACCES) and the broker reports the task
 * gone; the handle's death recipients then run, on a worker thread);
 * IPC_INVOKER_FAILED_REPLY (the peer sent a failed reply);
 * IPC_INVOKER_IOCTL_FAILED (timeout, access denied, pool full, ...).
 * On sync success *buffer = the reply message (FreeBuffer it) and reply,
 * if not NULL, is a read-only view of it.
 */
LIPC_IPC_EXPORT int32_t SendRequest(SvcIdentity target, uint32_t code, IpcIo *data, IpcIo *reply,
                                    MessageOption option, uintptr_t *buffer);

/*
 * Death recipients: up to MAX_DEATH_CALLBACK_NUM per handle, only for a
 * handle > 0 obtained with ReadRemoteObject (else ERR_INVALID_PARAM, also
 * when func/cbId is NULL or all slots are used); ERR_DEAD_OBJECT if the
 * handle is dead (known dead, or the broker reports it gone once this
 * process's dispatch thread exists: no death is missed).  deathFunc(args) runs once, on a worker thread, when
 * the peer thread or process dies.  After RemoveDeathRecipient returns
 * ERR_NONE, that callback never runs; ERR_DEAD_OBJECT means it has run or
 * is running.  ReleaseSvc forgets the handle (and its recipients).
 */
LIPC_IPC_EXPORT int32_t AddDeathRecipient(SvcIdentity target, OnRemoteDead deathFunc, void *args,
                                          uint32_t *cbId);
LIPC_IPC_EXPORT int32_t RemoveDeathRecipient(SvcIdentity target, uint32_t cbId);
LIPC_IPC_EXPORT int32_t ReleaseSvc(SvcIdentity target);

/* Gives a received message (SendRequest's *buffer) back.  ERR_INVALID_PARAM
 * for NULL, ERR_FAILED if it is not a message this process holds. */
LIPC_IPC_EXPORT int32_t FreeBuffer(void *ptr);

/* {TF_OP_SYNC, RPC_DEFAULT_SEND_WAIT_TIME, NULL}; ERR_INVALID_PARAM for NULL. */
LIPC_IPC_EXPORT int32_t MessageOptionInit(MessageOption *option);

#ifdef __cplusplus
}
#endif
#endif /* LIPC_IPC_SKELETON_H */
