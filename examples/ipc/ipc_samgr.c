/*
 * ipc_samgr: a toy service manager.  It becomes the context object
 * (handle 0) and serves, on its main thread:
 *   SAMGR_REGISTER (string name, remote object) -> int32 result
 *   SAMGR_LOOKUP   (string name) -> int32 result [, remote object]
 *   SAMGR_QUIT     (async) -> leaves JoinWorkThread, exits 0
 */
#include <stdio.h>
#include <string.h>

#include "ipc_example.h"
#include "ipc_skeleton.h"
#include "lipc_ipc.h"

#define MAX_SERVICES 16

static struct {
    char name[32];
    SvcIdentity svc;
} g_services[MAX_SERVICES];
static int g_count;

static int32_t on_request(uint32_t code, IpcIo *data, IpcIo *reply, MessageOption option)
{
    (void)option;
    size_t len = 0;
    const char *name;
    switch (code) {
    case SAMGR_REGISTER: {
        SvcIdentity svc;
        name = (const char *)ReadString(data, &len);
        if (!name || len >= sizeof(g_services[0].name) || !ReadRemoteObject(data, &svc) ||
            g_count == MAX_SERVICES) {
            WriteInt32(reply, ERR_INVALID_PARAM);
            return ERR_INVALID_PARAM;
        }
        memcpy(g_services[g_count].name, name, len + 1);
        g_services[g_count++].svc = svc;
        printf("samgr: registered \"%s\" (handle %d, pid %d)\n", name, svc.handle, GetCallingPid());
        WriteInt32(reply, ERR_NONE);
        return ERR_NONE;
    }
    case SAMGR_LOOKUP:
        name = (const char *)ReadString(data, &len);
        for (int i = g_count - 1; name && i >= 0; i--) {
            if (strcmp(g_services[i].name, name) == 0) {
                WriteInt32(reply, ERR_NONE);
                WriteRemoteObject(reply, &g_services[i].svc);
                return ERR_NONE;
            }
        }
        WriteInt32(reply, ERR_INVALID_PARAM);
        return ERR_INVALID_PARAM;
    case SAMGR_QUIT:
        lipc_ipc_leave_work_thread();
        return ERR_NONE;
    }
    return IPC_INVOKER_UNKNOWN_CODE;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);     /* lines survive a kill */
    static IpcObjectStub stub = { .func = on_request };
    SvcIdentity self = { 0, 0, (uintptr_t)&stub };
    int32_t r = SetContextObject(self);
    if (r != ERR_NONE) {
        fprintf(stderr, "samgr: SetContextObject: %d (%s)\n", r, lipc_ipc_strerror(lipc_ipc_last_error()));
        return 1;
    }
    printf("samgr: ready\n");
    fflush(stdout);
    JoinWorkThread();
    printf("samgr: bye\n");
    return 0;
}
