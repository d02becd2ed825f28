/*
 * Helpers of the skeleton tests: a toy service manager (SetContextObject +
 * JoinWorkThread) that registers services by name and hands them out with
 * WriteRemoteObject, and small call wrappers.
 */
#ifndef TEST_SKELETON_UTIL_H
#define TEST_SKELETON_UTIL_H

#include "ipc_skeleton.h"
#include "lipc_dev_util.h"
#include "lipc_ipc.h"

enum { SM_REGISTER = 1, SM_LOOKUP = 2, SM_PID = 3 };

#define SM_MAX 8
static struct { char name[32]; SvcIdentity svc; } g_sm[SM_MAX];
static int g_smNum;

static int32_t sm_request(uint32_t code, IpcIo *data, IpcIo *reply, MessageOption option)
{
    (void)option;
    size_t len = 0;
    const char *name = code == SM_PID ? "" : (const char *)ReadString(data, &len);
    if (!name)
        return ERR_INVALID_PARAM;
    if (code == SM_REGISTER) {
        SvcIdentity svc;
        int32_t r = ERR_INVALID_PARAM;
        if (ReadRemoteObject(data, &svc) && g_smNum < SM_MAX && len < 32) {
            memcpy(g_sm[g_smNum].name, name, len + 1);
            g_sm[g_smNum++].svc = svc;
            r = ERR_NONE;
        }
        WriteInt32(reply, r);
    } else if (code == SM_LOOKUP) {
        for (int i = g_smNum - 1; i >= 0; i--) {
            if (strcmp(g_sm[i].name, name) == 0) {
                WriteInt32(reply, ERR_NONE);
                WriteRemoteObject(reply, &g_sm[i].svc);
                return ERR_NONE;
            }
        }
        WriteInt32(reply, ERR_INVALID_PARAM);
    } else if (code == SM_PID) {
        WriteInt32(reply, GetCallingPid());
    }
    return ERR_NONE;
}

/* The service manager process: never returns. */
static inline int sm_main(void *arg)
{
    struct tsync *ready = arg;
    static IpcObjectStub stub = { .func = sm_request };
    SvcIdentity self = { 0, 0, (uintptr_t)&stub };
    CHECK_EQ(SetContextObject(self), ERR_NONE);
    CHECK_EQ(SetContextObject(self), IPC_INVOKER_IOCTL_FAILED);  /* once only */
    CHECK_EQ(lipc_ipc_last_error(), -EEXIST);
    tsync_post(ready, (uint32_t)getpid());
    JoinWorkThread();
    return 1;
}

/* Registers the calling thread's stub under name; the thread must then
 * call JoinWorkThread. */
static inline void sm_register(const char *name, IpcObjectStub *stub)
{
    char buf[256];
    IpcIo io;
    IpcIoInit(&io, buf, sizeof(buf), 1);
    CHECK(WriteString(&io, name));
    SvcIdentity self = { IPC_INVALID_HANDLE, SERVICE_TYPE_NORMAL, (uintptr_t)stub };
    CHECK(WriteRemoteObject(&io, &self));
    MessageOption opt;
    MessageOptionInit(&opt);
    IpcIo reply;
    uintptr_t buffer = 0;
    CHECK_EQ(SendRequest(*GetContextObject(), SM_REGISTER, &io, &reply, opt, &buffer), ERR_NONE);
    int32_t r = -99;
    CHECK(ReadInt32(&reply, &r));
    CHECK_EQ(r, ERR_NONE);
    CHECK_EQ(FreeBuffer((void *)buffer), ERR_NONE);
}

/* Looks name up; returns ERR_NONE and *svc, or the service manager's error. */
static inline int32_t sm_lookup(const char *name, SvcIdentity *svc)
{
    char buf[256];
    IpcIo io;
    IpcIoInit(&io, buf, sizeof(buf), 0);
    CHECK(WriteString(&io, name));
    MessageOption opt;
    MessageOptionInit(&opt);
    IpcIo reply;
    uintptr_t buffer = 0;
    int32_t r = SendRequest(*GetContextObject(), SM_LOOKUP, &io, &reply, opt, &buffer);
    if (r != ERR_NONE)
        return r;
    int32_t res = -99;
    CHECK(ReadInt32(&reply, &res));
    if (res == ERR_NONE)
        CHECK(ReadRemoteObject(&reply, svc));
    CHECK_EQ(FreeBuffer((void *)buffer), ERR_NONE);
    return res;
}

/* A sync call with int32 arguments and an int32 result (reply freed). */
static inline int32_t call_i32(SvcIdentity svc, uint32_t code, int n, const int32_t *args, uint32_t waitTime,
                               int32_t *result)
{
    char buf[256];
    IpcIo io;
    IpcIoInit(&io, buf, sizeof(buf), 0);
    for (int i = 0; i < n; i++)
        CHECK(WriteInt32(&io, args[i]));
    MessageOption opt;
    MessageOptionInit(&opt);
    opt.waitTime = waitTime;
    IpcIo reply;
    uintptr_t buffer = 0;
    int32_t r = SendRequest(svc, code, &io, &reply, opt, &buffer);
    if (r != ERR_NONE)
        return r;
    if (result)
        CHECK(ReadInt32(&reply, result));
    CHECK_EQ(FreeBuffer((void *)buffer), ERR_NONE);
    return ERR_NONE;
}

static inline int32_t send_async_i32(SvcIdentity svc, uint32_t code, int32_t v)
{
    char buf[64];
    IpcIo io;
    IpcIoInit(&io, buf, sizeof(buf), 0);
    CHECK(WriteInt32(&io, v));
    MessageOption opt;
    MessageOptionInit(&opt);
    opt.flags = TF_OP_ASYNC;
    return SendRequest(svc, code, &io, NULL, opt, NULL);
}

/* Polls cond (an int) until it reaches want, at most ms; returns it. */
static inline int wait_int(volatile int *v, int want, int ms)
{
    for (int i = 0; i < ms && __atomic_load_n(v, __ATOMIC_ACQUIRE) < want; i++)
        usleep(1000);
    return __atomic_load_n(v, __ATOMIC_ACQUIRE);
}

#endif
