/*
 * ipc_calc_server: registers a calculator stub with the service manager
 * (WriteRemoteObject({-1, SERVICE_TYPE_NORMAL, &stub}) binds it to the main
 * thread, which then serves it with JoinWorkThread):
 *   CALC_ADD/SUB/MUL/DIV (int32 a, int32 b) -> int32 error, int32 result
 *   CALC_ACCUMULATE (async, int32 v); CALC_TOTAL -> int32 total
 *   CALC_SQUARE_LATER (int32 v, remote object cb): calls cb back with v*v
 */
#include <stdio.h>

#include "ipc_example.h"
#include "ipc_skeleton.h"
#include "lipc_ipc.h"

static int32_t g_total;

static int32_t call_back(const SvcIdentity *cb, int32_t value)
{
    char buf[64];
    IpcIo data, reply;
    IpcIoInit(&data, buf, sizeof(buf), 0);
    WriteInt32(&data, value);
    MessageOption option;
    MessageOptionInit(&option);
    uintptr_t msg = 0;
    int32_t r = SendRequest(*cb, CALLBACK_RESULT, &data, &reply, option, &msg);
    if (r == ERR_NONE)
        FreeBuffer((void *)msg);
    return r;
}

static int32_t on_request(uint32_t code, IpcIo *data, IpcIo *reply, MessageOption option)
{
    (void)option;
    int32_t a = 0, b = 0;
    switch (code) {
    case CALC_ADD: case CALC_SUB: case CALC_MUL: case CALC_DIV:
        if (!ReadInt32(data, &a) || !ReadInt32(data, &b) || (code == CALC_DIV && b == 0)) {
            WriteInt32(reply, ERR_INVALID_PARAM);
            return ERR_INVALID_PARAM;
        }
        WriteInt32(reply, ERR_NONE);
        WriteInt32(reply, code == CALC_ADD ? a + b : code == CALC_SUB ? a - b : code == CALC_MUL ? a * b : a / b);
        return ERR_NONE;
    case CALC_ACCUMULATE:
        if (ReadInt32(data, &a))
            g_total += a;
        return ERR_NONE;
    case CALC_TOTAL:
        WriteInt32(reply, g_total);
        return ERR_NONE;
    case CALC_SQUARE_LATER: {
        SvcIdentity cb;
        if (!ReadInt32(data, &a) || !ReadRemoteObject(data, &cb)) {
            WriteInt32(reply, ERR_INVALID_PARAM);
            return ERR_INVALID_PARAM;
        }
        int32_t r = call_back(&cb, a * a);
        printf("server: called the client's callback with %d: %d\n", a * a, r);
        WriteInt32(reply, r);
        return ERR_NONE;
    }
    }
    return IPC_INVOKER_UNKNOWN_CODE;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);     /* lines survive a kill */
    static IpcObjectStub stub = { .func = on_request };
    char buf[256];
    IpcIo data, reply;
    IpcIoInit(&data, buf, sizeof(buf), 1);
    WriteString(&data, "calc");
    SvcIdentity self = { IPC_INVALID_HANDLE, SERVICE_TYPE_NORMAL, (uintptr_t)&stub };
    WriteRemoteObject(&data, &self);
    MessageOption option;
    MessageOptionInit(&option);
    uintptr_t msg = 0;
    int32_t r = SendRequest(*GetContextObject(), SAMGR_REGISTER, &data, &reply, option, &msg);
    int32_t res = -1;
    if (r == ERR_NONE) {
        ReadInt32(&reply, &res);
        FreeBuffer((void *)msg);
    }
    if (r != ERR_NONE || res != ERR_NONE) {
        fprintf(stderr, "server: register: %d/%d (%s)\n", r, res, lipc_ipc_strerror(lipc_ipc_last_error()));
        return 1;
    }
    printf("server: ready\n");
    fflush(stdout);
    JoinWorkThread();
    return 0;
}
