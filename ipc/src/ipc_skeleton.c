/*
 * ipc_skeleton.c - the public API of ipc_skeleton.h and lipc_ipc.h:
 * argument checks, lazy initialisation, error recording.  The work is done
 * by ipc_process.c (device), ipc_invoker.c (messages), ipc_death.c (death
 * recipients) and ipc_dispatch.c (callback-dispatch thread).
 */
#include "ipc_skeleton.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "ipc_death.h"
#include "ipc_dispatch.h"
#include "ipc_invoker.h"
#include "ipc_process.h"
#include "ipc_thread.h"
#include "lipc.h"
#include "lipc_ipc.h"
#include "serializer_internal.h"

/* The service manager's maxMsgSize (IPC_SET_CMS).  Upstream passes
 * MAX_SA_SIZE 0x100, which with our 96-byte IpcMsg would leave 160 bytes of
 * payload; we allow any IpcIo-sized request (docs/IPC.md). */
#define IPC_CMS_MAX_MSG_SIZE (sizeof(IpcMsg) + MAX_IO_SIZE)

static int32_t g_maxThreads = SET_MAX_THREADS_DEFAULT;

/* Lazy init for a public call; ERR_IPC_SKELETON_NOT_INIT on failure. */
#define REQUIRE_INIT()                                                   \
    do {                                                                 \
        int _r = IpcProcessInit();                                       \
        if (_r < 0)                                                      \
            return IpcThreadSetError(_r, ERR_IPC_SKELETON_NOT_INIT);     \
    } while (0)

LIPC_IPC_EXPORT int32_t SetMaxWorkThreadNum(int32_t maxThreadNum)
{
    REQUIRE_INIT();
    if (maxThreadNum < SET_MAX_THREADS_DEFAULT || maxThreadNum > SET_MAX_THREADS_MAX)
        return IpcThreadSetError(-EINVAL, ERR_INVALID_PARAM);
    __atomic_store_n(&g_maxThreads, maxThreadNum, __ATOMIC_RELAXED);
    return IpcThreadSetError(0, ERR_NONE);
}

LIPC_IPC_EXPORT void JoinWorkThread(void)
{
    IpcThreadContext *ctx = IpcThreadCurrent();
    if (!ctx->stub)
        return;
    int r = IpcProcessInit();
    if (r < 0) {
        IpcThreadSetError(r, 0);
        return;
    }
    ctx->leave = false;
    while (!ctx->leave) {
        IpcMsg *msg;
        r = IpcInvokerReceive(&msg);
        if (r == -EINTR || r == -ETIME)
            continue;
        if (r < 0) {
            IpcThreadSetError(r, 0);
            break;
        }
        IpcInvokerServe(msg, ctx->stub);
    }
    ctx->leave = false;
}

LIPC_IPC_EXPORT pid_t GetCallingPid(void)
{
    IpcThreadContext *ctx = IpcThreadCurrent();
    return ctx->inCall ? ctx->callerPid : getpid();
}

LIPC_IPC_EXPORT pid_t GetCallingUid(void)
{
    IpcThreadContext *ctx = IpcThreadCurrent();
    return (pid_t)(ctx->inCall ? ctx->callerUid : getuid());
}

LIPC_IPC_EXPORT const SvcIdentity *GetContextObject(void)
{
    static const SvcIdentity samgr = { 0, 0, 0 };
    int r = IpcProcessInit();
    IpcThreadSetError(r < 0 ? r : 0, 0);
    return r < 0 ? NULL : &samgr;
}

LIPC_IPC_EXPORT int32_t SetContextObject(SvcIdentity target)
{
    if (target.cookie == 0)
        return IpcThreadSetError(-EINVAL, ERR_INVALID_PARAM);
    REQUIRE_INIT();
    if (lipc_dev_ioctl(IpcProcessFd(), IPC_SET_CMS, (void *)(uintptr_t)IPC_CMS_MAX_MSG_SIZE) < 0)
        return IpcThreadSetError(-errno, IPC_INVOKER_IOCTL_FAILED);
    IpcThreadCurrent()->stub = (const IpcObjectStub *)target.cookie;
    return IpcThreadSetError(0, ERR_NONE);
}

/* Upstream's data checks: available, non-NULL pointers, offsets within
 * reach, data + offsets <= MAX_IO_SIZE. */
static int32_t check_data(const IpcIo *data, int *err)
{
    *err = -EINVAL;
    if (!IpcIoIsAvailable(data) || !data->bufferBase || !data->bufferCur ||
        data->bufferCur < data->bufferBase || data->offsetsCur < data->offsetsBase ||
        (data->offsetsCur != data->offsetsBase && !data->offsetsBase))
        return ERR_INVALID_PARAM;
    size_t total = IpcIoUsedBytes(data) + IpcIoUsedObjects(data) * sizeof(size_t);
    if (total > MAX_IO_SIZE) {
        *err = -EMSGSIZE;
        return ERR_FAILED;
    }
    *err = 0;
    return ERR_NONE;
}

LIPC_IPC_EXPORT int32_t SendRequest(SvcIdentity target, uint32_t code, IpcIo *data, IpcIo *reply,
                                    MessageOption option, uintptr_t *buffer)
{
    REQUIRE_INIT();
    int err = -EINVAL;
    if (option.flags > TF_OP_ASYNC)
        return IpcThreadSetError(err, ERR_INVALID_PARAM);
    if (option.flags == TF_OP_SYNC && !buffer)
        return IpcThreadSetError(err, ERR_INVALID_PARAM);
    if (data) {
        int32_t ret = check_data(data, &err);
        if (ret != ERR_NONE)
            return IpcThreadSetError(err, ret);
    }
    int32_t ret = IpcInvokerSend(target, code, data, reply, option, buffer, &err);
    return IpcThreadSetError(err, ret);
}

LIPC_IPC_EXPORT int32_t AddDeathRecipient(SvcIdentity target, OnRemoteDead deathFunc, void *args,
                                          uint32_t *cbId)
{
    REQUIRE_INIT();
    int err;
    int32_t ret = IpcDeathAdd(target.handle, deathFunc, args, cbId, &err);
    return IpcThreadSetError(err, ret);
}

LIPC_IPC_EXPORT int32_t RemoveDeathRecipient(SvcIdentity target, uint32_t cbId)
{
    REQUIRE_INIT();
    int err;
    int32_t ret = IpcDeathRemove(target.handle, cbId, &err);
    return IpcThreadSetError(err, ret);
}

LIPC_IPC_EXPORT int32_t ReleaseSvc(SvcIdentity target)
{
    REQUIRE_INIT();
    int err;
    int32_t ret = IpcDeathRelease(target.handle, &err);
    return IpcThreadSetError(err, ret);
}

LIPC_IPC_EXPORT int32_t FreeBuffer(void *ptr)
{
    if (!ptr)
        return IpcThreadSetError(-EINVAL, ERR_INVALID_PARAM);
    REQUIRE_INIT();
    int r = IpcInvokerFree(ptr);
    return IpcThreadSetError(r, r < 0 ? ERR_FAILED : ERR_NONE);
}

LIPC_IPC_EXPORT int32_t MessageOptionInit(MessageOption *option)
{
    if (!option)
        return IpcThreadSetError(-EINVAL, ERR_INVALID_PARAM);
    option->flags = TF_OP_SYNC;
    option->waitTime = RPC_DEFAULT_SEND_WAIT_TIME;
    option->args = NULL;
    return IpcThreadSetError(0, ERR_NONE);
}

/* ---- lipc_ipc.h ------------------------------------------------------------ */

LIPC_IPC_EXPORT int lipc_ipc_last_error(void)
{
    return IpcThreadCurrent()->lastError;
}

LIPC_IPC_EXPORT const char *lipc_ipc_strerror(int err)
{
    switch (err) {
    case 0: return "success";
    case -ETIME: return "timeout: no reply within waitTime";
    case -EOWNERDEAD: return "peer dead";
    case -ENOENT: return "failed reply from the peer (or no device)";
    case -EACCES: return "access denied";
    case -EMSGSIZE: return "message too large";
    case -ENOMEM: return "pool full (or out of memory)";
    case -EINVAL: return "invalid argument or target";
    case -ENOSPC: return "no free slot";
    case -EFAULT: return "not a received buffer";
    case -ECONNREFUSED: return "no broker";
    case -EPROTO: return "driver version too old";
    default: return "unknown error";
    }
}

LIPC_IPC_EXPORT bool lipc_ipc_calling_target(SvcIdentity *target)
{
    const IpcThreadContext *ctx = IpcThreadCurrent();
    if (!target || !ctx->inCall || !ctx->req)
        return false;
    *target = ctx->req->target;
    return true;
}

LIPC_IPC_EXPORT bool lipc_ipc_reply_result(uintptr_t buffer, int32_t *result)
{
    const IpcMsg *m = (const IpcMsg *)buffer;
    if (!m || !result || m->type != MT_REPLY || m->target.cookie != LIPC_IPC_RESULT_COOKIE)
        return false;
    *result = (int32_t)(uint32_t)m->target.token;
    return true;
}

LIPC_IPC_EXPORT void lipc_ipc_leave_work_thread(void)
{
    IpcThreadCurrent()->leave = true;
}

LIPC_IPC_EXPORT pid_t lipc_ipc_dispatch_tid(void)
{
    return IpcDispatchStart();
}
