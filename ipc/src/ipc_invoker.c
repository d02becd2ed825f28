/*
 * ipc_invoker.c - the message traffic of the library (upstream
 * liteos_a/ipc_invoker.c), all through lipc_send_recv() so that every call
 * has its own timeout and the precise -errno.
 */
#include "ipc_invoker.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "ipc_death.h"
#include "ipc_thread.h"
#include "lipc.h"
#include "serializer_internal.h"

/* Fills every field of *m (the content of io, if any).  Field by field on
 * purpose: a zero-initialised IpcMsg (`IpcMsg m = { ... }`) compiles to a
 * `rep stos` of 96 bytes, whose start-up cost (~30 cycles here) sat on the
 * critical path of every call and every reply. */
static inline void msg_init(IpcMsg *m, MsgType type, SvcIdentity target, uint32_t code, uint32_t flag,
                            uint64_t timestamp, const IpcIo *io)
{
    size_t n = IpcIoUsedBytes(io), objs = IpcIoUsedObjects(io);
    m->type = type;
    /* Each field loaded on its own (relaxed atomic loads are plain moves the
     * vectoriser leaves alone): the caller passed target on the stack as a
     * 16 + 8 byte copy, and a 16-byte load of token + cookie straddling the
     * two stores is a store-forwarding stall (~15 cycles) on every call. */
    m->target.handle = __atomic_load_n(&target.handle, __ATOMIC_RELAXED);
    m->target.token = __atomic_load_n(&target.token, __ATOMIC_RELAXED);
    m->target.cookie = __atomic_load_n(&target.cookie, __ATOMIC_RELAXED);
    m->code = code;
    m->flag = flag;
    m->timestamp = timestamp;
    m->dataSz = (uint32_t)n;
    m->data = n ? io->bufferBase : NULL;
    m->spObjNum = (uint32_t)objs;
    m->offsets = objs ? io->offsetsBase : NULL;
    m->processID = 0;
    m->taskID = 0;
    m->userID = 0;
    m->gid = 0;
}

int IpcInvokerFree(void *msg)
{
    IpcContent c = { .flag = BUFF_FREE, .buffToFree = msg };
    return lipc_send_recv(&c, 0);
}

int IpcInvokerReceive(IpcMsg **msg)
{
    IpcContent c = { .flag = RECV };
    int r = lipc_send_recv(&c, LIPC_WAIT_FOREVER);
    if (r == 0)
        *msg = c.inMsg;
    return r;
}

/* waitTime (s) -> the receive timeout (ms): 0 is LiteOS-A's fixed 5 s. */
static int wait_ms(uint32_t waitTime)
{
    if (waitTime == 0)
        return LITEIPC_TIMEOUT_MS;
    if (waitTime > (uint32_t)(INT_MAX / 1000))
        return LIPC_WAIT_FOREVER;
    return (int)waitTime * 1000;
}

int32_t IpcInvokerSend(SvcIdentity target, uint32_t code, IpcIo *data, IpcIo *reply,
                       MessageOption option, uintptr_t *buffer, int *err)
{
    IpcMsg m;
    msg_init(&m, MT_REQUEST, target, code, option.flags, 0, data);
    bool sync = option.flags == TF_OP_SYNC;
    if (IpcDeathIsDead(target.handle)) {
        *err = -EOWNERDEAD;
        return ERR_DEAD_OBJECT;
    }
    IpcContent c = { .flag = sync ? SEND | RECV : SEND, .outMsg = &m };
    int r = lipc_send_recv(&c, sync ? wait_ms(option.waitTime) : 0);
    *err = r;
    if (r == 0) {
        if (sync) {
            IpcMsg *in = c.inMsg;
            if (reply)
                IpcIoInitFromMsg(reply, in->data, in->dataSz, in->offsets, in->spObjNum);
            *buffer = (uintptr_t)in;
        }
        return ERR_NONE;
    }
    switch (r) {
    case -EOWNERDEAD:
        IpcDeathMarkDead(target.handle);
        return ERR_DEAD_OBJECT;
    case -ENOENT:
        return IPC_INVOKER_FAILED_REPLY;
    case -EINVAL:
    case -EACCES:
        /* LiteOS semantics: a send to a task that is gone is EINVAL (EACCES
         * once the broker has revoked the rights to it).  The notice may
         * have come while we sent, or not yet (or never: no IPC thread):
         * a dead peer is a dead peer. */
        if (IpcDeathIsDead(target.handle) ||
            (target.handle >= 0 && lipc_handle_alive(target.handle) == 0)) {
            IpcDeathMarkDead(target.handle);
            *err = -EOWNERDEAD;
            return ERR_DEAD_OBJECT;
        }
        return IPC_INVOKER_IOCTL_FAILED;
    default:
        return IPC_INVOKER_IOCTL_FAILED;
    }
}

/* Sends the answer to req (MT_REPLY with reply's content, or
 * MT_FAILED_REPLY when reply is NULL) and frees req (the core frees it even
 * when the send fails).  A reply carries the stub's result in its header
 * (target.token, marked by LIPC_IPC_RESULT_COOKIE in target.cookie; see
 * lipc_ipc_reply_result). */
static int answer(IpcMsg *req, IpcIo *reply, int32_t result)
{
    SvcIdentity caller = { .handle = (int32_t)req->taskID };
    if (reply) {
        caller.token = (uintptr_t)(uint32_t)result;
        caller.cookie = LIPC_IPC_RESULT_COOKIE;
    }
    IpcMsg m;
    msg_init(&m, reply ? MT_REPLY : MT_FAILED_REPLY, caller, req->code, req->flag, req->timestamp, reply);
    IpcContent c = { .flag = SEND | BUFF_FREE, .outMsg = &m, .buffToFree = req };
    return lipc_send_recv(&c, 0);
}

void IpcInvokerServe(IpcMsg *msg, const IpcObjectStub *stub)
{
    if (msg->type != MT_REQUEST) {      /* upstream does not check: never run a stub on it */
        IpcInvokerFree(msg);
        return;
    }
    bool sync = !(msg->flag & TF_OP_ASYNC);
    if (!stub || !stub->func) {
        if (sync)
            answer(msg, NULL, 0);
        else
            IpcInvokerFree(msg);
        return;
    }
    IpcThreadContext *ctx = IpcThreadCurrent();
    /* nested calls (a stub serving inside a stub): restored below */
    const IpcMsg *savedReq = ctx->req;
    bool savedInCall = ctx->inCall;
    pid_t savedPid = ctx->callerPid;
    uid_t savedUid = ctx->callerUid;
    ctx->req = msg;
    ctx->inCall = true;
    ctx->callerPid = (pid_t)msg->processID;
    ctx->callerUid = (uid_t)msg->userID;

    IpcIo data;
    IpcIoInitFromMsg(&data, msg->data, msg->dataSz, msg->offsets, msg->spObjNum);
    /* upstream: an 8 KiB stack buffer with MAX_OBJ_NUM offsets (what
     * IpcIoInit(&reply, buf, MAX_IO_SIZE, MAX_OBJ_NUM) sets up, written
     * out: this runs for every request) */
    _Alignas(max_align_t) char buf[MAX_IO_SIZE];
    IpcIo reply;
    reply.offsetsBase = reply.offsetsCur = (size_t *)(void *)buf;
    reply.bufferBase = reply.bufferCur = buf + MAX_OBJ_NUM * sizeof(size_t);
    reply.bufferLeft = MAX_IO_SIZE - MAX_OBJ_NUM * sizeof(size_t);
    reply.offsetsLeft = MAX_OBJ_NUM;
    reply.flag = IPC_IO_INITIALIZED;
    MessageOption option = { .flags = msg->flag, .waitTime = RPC_DEFAULT_SEND_WAIT_TIME, .args = stub->args };
    int32_t result = stub->func(msg->code, &data, &reply, option);

    if (!sync)
        IpcInvokerFree(msg);
    else if (IpcIoIsAvailable(&reply))
        answer(msg, &reply, result);
    else
        answer(msg, NULL, 0);           /* upstream sends nothing and leaks msg */

    ctx->req = savedReq;
    ctx->inCall = savedInCall;
    ctx->callerPid = savedPid;
    ctx->callerUid = savedUid;
}
