/*
 * ipc_calc_client: looks "calc" up at the service manager, calls it sync
 * and async, passes an anonymous callback the server calls back, registers
 * a death recipient, prints "armed" and waits (up to 20 s) for the server
 * to die.  Then it asks the service manager to quit (async) and exits 0.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "ipc_example.h"
#include "ipc_skeleton.h"
#include "lipc_ipc.h"

static atomic_int g_callbacks, g_dead;

#define FAIL(...) do { fprintf(stderr, "client: " __VA_ARGS__); fputc('\n', stderr); return 1; } while (0)

static int32_t on_callback(uint32_t code, IpcIo *data, IpcIo *reply, MessageOption option)
{
    (void)option; (void)reply;
    int32_t v = 0;
    if (code == CALLBACK_RESULT && ReadInt32(data, &v)) {
        printf("client: callback from pid %d: %d\n", GetCallingPid(), v);
        atomic_fetch_add(&g_callbacks, 1);
    }
    return ERR_NONE;
}

static void on_server_dead(void *args)
{
    printf("client: death recipient: %s died\n", (const char *)args);
    atomic_store(&g_dead, 1);
}

/* int32 a, b -> error, result */
static int32_t calc(SvcIdentity svc, uint32_t code, int32_t a, int32_t b, int32_t *result)
{
    char buf[64];
    IpcIo data, reply;
    IpcIoInit(&data, buf, sizeof(buf), 0);
    WriteInt32(&data, a);
    WriteInt32(&data, b);
    MessageOption option;
    MessageOptionInit(&option);
    uintptr_t msg = 0;
    int32_t r = SendRequest(svc, code, &data, &reply, option, &msg);
    if (r != ERR_NONE)
        return r;
    int32_t err = ERR_FAILED;
    ReadInt32(&reply, &err);
    if (err == ERR_NONE)
        ReadInt32(&reply, result);
    FreeBuffer((void *)msg);
    return err;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);     /* lines survive a kill */
    char buf[256];
    IpcIo data, reply;
    MessageOption option;
    uintptr_t msg = 0;
    SvcIdentity calcSvc;
    int32_t r, res = -1;

    IpcIoInit(&data, buf, sizeof(buf), 0);
    WriteString(&data, "calc");
    MessageOptionInit(&option);
    r = SendRequest(*GetContextObject(), SAMGR_LOOKUP, &data, &reply, option, &msg);
    if (r != ERR_NONE)
        FAIL("lookup: %d (%s)", r, lipc_ipc_strerror(lipc_ipc_last_error()));
    if (!ReadInt32(&reply, &res) || res != ERR_NONE || !ReadRemoteObject(&reply, &calcSvc))
        FAIL("no calc service");
    FreeBuffer((void *)msg);
    printf("client: calc is handle %d\n", calcSvc.handle);

    /* sync */
    static const char *names[] = { "", "+", "-", "*", "/" };
    for (uint32_t code = CALC_ADD; code <= CALC_DIV; code++) {
        if ((r = calc(calcSvc, code, 84, 6, &res)) != ERR_NONE)
            FAIL("calc %s: %d", names[code], r);
        printf("client: 84 %s 6 = %d\n", names[code], res);
    }
    if (calc(calcSvc, CALC_DIV, 1, 0, &res) != ERR_INVALID_PARAM)
        FAIL("1 / 0 accepted");
    printf("client: 1 / 0 refused\n");

    /* async: fire and forget, then one sync call to read the total */
    option.flags = TF_OP_ASYNC;
    for (int32_t i = 1; i <= 100; i++) {
        IpcIoInit(&data, buf, sizeof(buf), 0);
        WriteInt32(&data, i);
        if ((r = SendRequest(calcSvc, CALC_ACCUMULATE, &data, NULL, option, NULL)) != ERR_NONE)
            FAIL("async: %d", r);
    }
    MessageOptionInit(&option);
    r = SendRequest(calcSvc, CALC_TOTAL, NULL, &reply, option, &msg);
    if (r != ERR_NONE || !ReadInt32(&reply, &res) || res != 5050)
        FAIL("total: %d %d", r, res);
    FreeBuffer((void *)msg);
    printf("client: 100 async requests, total %d\n", res);

    /* an anonymous callback */
    static IpcObjectStub cb = { .func = on_callback };
    SvcIdentity anon = { IPC_INVALID_HANDLE, SERVICE_TYPE_ANONYMOUS, (uintptr_t)&cb };
    IpcIoInit(&data, buf, sizeof(buf), 1);
    WriteInt32(&data, 12);
    WriteRemoteObject(&data, &anon);
    r = SendRequest(calcSvc, CALC_SQUARE_LATER, &data, &reply, option, &msg);
    if (r != ERR_NONE || !ReadInt32(&reply, &res) || res != ERR_NONE || atomic_load(&g_callbacks) != 1)
        FAIL("callback: %d %d", r, res);
    FreeBuffer((void *)msg);

    /* a death recipient */
    uint32_t cbId;
    if ((r = AddDeathRecipient(calcSvc, on_server_dead, "calc", &cbId)) != ERR_NONE)
        FAIL("AddDeathRecipient: %d", r);
    printf("client: armed\n");
    fflush(stdout);
    for (int i = 0; i < 2000 && !atomic_load(&g_dead); i++)
        usleep(10000);
    if (!atomic_load(&g_dead))
        FAIL("no death notice");
    r = calc(calcSvc, CALC_ADD, 1, 1, &res);
    printf("client: calling the dead server: %d (%s)\n", r, lipc_ipc_strerror(lipc_ipc_last_error()));
    if (r != ERR_DEAD_OBJECT)
        FAIL("expected ERR_DEAD_OBJECT");
    ReleaseSvc(calcSvc);

    option.flags = TF_OP_ASYNC;
    SendRequest(*GetContextObject(), SAMGR_QUIT, NULL, NULL, option, NULL);
    printf("client: done\n");
    return 0;
}
